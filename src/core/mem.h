/*
 * mem.h - allocation wrappers with a fault-injection hook.
 *
 * Every allocation in gxload goes through these functions so that tests can make the
 * Nth allocation fail (SQLite's OOM-loop practice) and check that each caller reports
 * GX_E_NOMEM cleanly.  They never abort: callers handle NULL.
 * Third-party libraries (libpq, SQLite, libhdf5, ...) allocate on their own.
 */
#ifndef GX_MEM_H
#define GX_MEM_H

#include <stddef.h>

void *gx_malloc(size_t n);
void *gx_calloc(size_t count, size_t size);
void *gx_realloc(void *p, size_t n);
/* Grow an array of 'count' elements of 'size' bytes; NULL on overflow or failure. */
void *gx_reallocarray(void *p, size_t count, size_t size);
char *gx_strdup(const char *s);
char *gx_strndup(const char *s, size_t n);
void gx_free(void *p);

/*
 * Fault injection: after 'n' more successful allocations, fail every later one (persist)
 * or only the next one.  n < 0 disables.  Also read once from GXLOAD_TEST_MALLOC_FAIL
 * ("N" or "N:persist") by gx_mem_init().
 */
void gx_mem_fail_after(long n, int persist);
/* How many allocations failed by injection since the last gx_mem_fail_after: an OOM
 * loop is done when a run saw none (it made fewer allocations than the countdown). */
long gx_mem_injected(void);
void gx_mem_init(void);

#endif
