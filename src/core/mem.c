/*
 * mem.c - allocation wrappers with a fault-injection counter (see mem.h).
 */
#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;
static int fail_persist;
static int failing;
static long injected;   /* failures injected since gx_mem_fail_after */

static int should_fail(void)
{
	if (failing) {
		injected++;
		return 1;
	}
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		if (fail_persist)
			failing = 1;
		else
			fail_countdown = -1;
		injected++;
		return 1;
	}
	fail_countdown--;
	return 0;
}

void gx_mem_fail_after(long n, int persist)
{
	fail_countdown = n;
	fail_persist = persist;
	failing = 0;
	injected = 0;
}

long gx_mem_injected(void)
{
	return injected;
}

void gx_mem_init(void)
{
	const char *s = getenv("GXLOAD_TEST_MALLOC_FAIL");
	char *end;
	long n;

	if (!s || !*s)
		return;
	n = strtol(s, &end, 10);
	gx_mem_fail_after(n, strcmp(end, ":persist") == 0);
}

void *gx_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *gx_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *gx_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void *gx_reallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	return gx_realloc(p, count * size);
}

char *gx_strndup(const char *s, size_t n)
{
	char *d = gx_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *gx_strdup(const char *s)
{
	return s ? gx_strndup(s, strlen(s)) : NULL;
}

void gx_free(void *p)
{
	free(p);
}
