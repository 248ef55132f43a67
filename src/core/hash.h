/*
 * hash.h - the content hashes gxload stores and compares.
 *
 * Three kinds, all xxHash (XXH3), all stable across releases for a given
 * GX_HASH_VERSION (golden vectors in tests/unit/test_hash.c):
 *   - file hash: XXH3-128 of the file's bytes, stored in meta_source_file.content_hash;
 *   - record hash: 64 bits over (gene id, value) of one record;
 *   - sample digest: 128 bits over the multiset of a sample's record hashes.  It does not
 *     depend on gene order, column order or file format: the same values loaded from TSV
 *     or HDF5 give the same digest.  Stored in dim_sample.value_digest.
 * Hex text is the canonical big-endian form (XXH128_canonicalFromHash), 32 digits.
 */
#ifndef GX_HASH_H
#define GX_HASH_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

/* Bump when any hash definition below changes; stored in meta_etl_run.hash_version. */
#define GX_HASH_VERSION 1

typedef struct gx_hash128 {
	uint64_t hi, lo;
} gx_hash128;

#define GX_HASH_HEX 33 /* 32 hex digits + NUL */

/* Hash a whole file (streaming); also returns its size.  Errors name the path. */
int gx_hash_file(const char *path, gx_hash128 *out, uint64_t *size, gx_err *err);

/* XXH3-128 of a buffer. */
gx_hash128 gx_hash_bytes(const void *p, size_t n);

/*
 * Hex XXH3-128 of a list of text fields (a dimension row's content hash): each field
 * followed by a NUL, a NULL field written as the two bytes "\N" plus NUL, so that NULL,
 * "" and field boundaries are all told apart.  0, or -1 when out of memory.
 */
int gx_hash_fields(char out[33], size_t n, const char *const *fields);

/* Canonical hex of a 128-bit hash. */
void gx_hash128_hex(gx_hash128 h, char out[GX_HASH_HEX]);

/* Hash of a gene id; computed once per gene and fed to gx_record_hash. */
uint64_t gx_gene_hash(const char *id, size_t len);

/*
 * Record hash of one (gene, value).  -0.0 hashes as 0.0: SQLite stores a REAL without a
 * fractional part as an integer and so turns -0.0 into 0.0, and the two are equal as
 * numbers; every other value is hashed by its exact IEEE-754 bits.
 */
uint64_t gx_record_hash(uint64_t gene_hash, double value);

/* Order-independent accumulator for a sample digest.  {0} is empty. */
typedef struct gx_digest {
	uint64_t n;
	uint64_t sum;   /* sum of record hashes mod 2^64 */
	uint64_t mix;   /* sum of a second, independent function of each record hash */
} gx_digest;

static inline uint64_t gx_digest_mix64(uint64_t h)
{
	/* splitmix64 finalizer: a bijection, so equal multisets give equal sums */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static inline void gx_digest_add(gx_digest *d, uint64_t record_hash)
{
	d->n++;
	d->sum += record_hash;
	d->mix += gx_digest_mix64(record_hash);
}

/* Final digest of a sample as canonical hex. */
void gx_digest_hex(const gx_digest *d, char out[GX_HASH_HEX]);

#endif
