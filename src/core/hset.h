/*
 * hset.h - open-addressing hash map from 64-bit hashes to 64-bit values.
 *
 * Used to find duplicates (gene ids, sample ids) by hash without keeping the strings.
 * Keys are hashes, so 0 is remapped internally; memory is about 32 bytes per entry.
 */
#ifndef GX_HSET_H
#define GX_HSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct gx_hset {
	uint64_t *keys;
	uint64_t *vals;
	size_t cap;     /* power of two, or 0 */
	size_t n;
} gx_hset;

/*
 * Insert key -> val.  Returns 1 if inserted, 0 if the key was present (then *old, when
 * not NULL, receives the stored value and nothing changes), -1 on allocation failure.
 */
int gx_hset_put(gx_hset *s, uint64_t key, uint64_t val, uint64_t *old);
/* 1 and *val if present, else 0. */
int gx_hset_get(const gx_hset *s, uint64_t key, uint64_t *val);
void gx_hset_clear(gx_hset *s);  /* empty, keep memory */
void gx_hset_release(gx_hset *s); /* free memory; NULL accepted */

#endif
