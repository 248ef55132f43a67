/*
 * hset.c - open-addressing (linear probing) hash map of 64-bit keys (see hset.h).
 */
#include "core/hset.h"
#include "core/mem.h"

#include <string.h>

static uint64_t fix(uint64_t k)
{
	return k ? k : 0x9e3779b97f4a7c15ULL; /* 0 marks an empty slot */
}

static int grow(gx_hset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024, i;
	uint64_t *k = gx_calloc(cap, sizeof(*k)), *v = gx_calloc(cap, sizeof(*v));

	if (!k || !v) {
		gx_free(k);
		gx_free(v);
		return -1;
	}
	for (i = 0; i < s->cap; i++) {
		size_t j;
		if (!s->keys[i])
			continue;
		for (j = s->keys[i] & (cap - 1); k[j]; j = (j + 1) & (cap - 1))
			;
		k[j] = s->keys[i];
		v[j] = s->vals[i];
	}
	gx_free(s->keys);
	gx_free(s->vals);
	s->keys = k;
	s->vals = v;
	s->cap = cap;
	return 0;
}

int gx_hset_put(gx_hset *s, uint64_t key, uint64_t val, uint64_t *old)
{
	size_t j;

	key = fix(key);
	if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
		return -1;
	for (j = key & (s->cap - 1); s->keys[j]; j = (j + 1) & (s->cap - 1)) {
		if (s->keys[j] == key) {
			if (old)
				*old = s->vals[j];
			return 0;
		}
	}
	s->keys[j] = key;
	s->vals[j] = val;
	s->n++;
	return 1;
}

int gx_hset_get(const gx_hset *s, uint64_t key, uint64_t *val)
{
	size_t j;

	if (!s->cap)
		return 0;
	key = fix(key);
	for (j = key & (s->cap - 1); s->keys[j]; j = (j + 1) & (s->cap - 1)) {
		if (s->keys[j] == key) {
			if (val)
				*val = s->vals[j];
			return 1;
		}
	}
	return 0;
}

void gx_hset_clear(gx_hset *s)
{
	if (s->cap) {
		memset(s->keys, 0, s->cap * sizeof(*s->keys));
		memset(s->vals, 0, s->cap * sizeof(*s->vals));
	}
	s->n = 0;
}

void gx_hset_release(gx_hset *s)
{
	if (!s)
		return;
	gx_free(s->keys);
	gx_free(s->vals);
	memset(s, 0, sizeof(*s));
}
