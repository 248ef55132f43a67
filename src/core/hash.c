/*
 * hash.c - file hashes, record hashes and sample digests (definitions in hash.h).
 */
#include "core/hash.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

/* Seeds separate the hash domains; they are part of GX_HASH_VERSION 1. */
#define SEED_GENE 0x67786c6f61642d67ULL   /* "gxload-g" */
#define SEED_RECORD 0x67786c6f61642d72ULL /* "gxload-r" */

static void put_le64(unsigned char *p, uint64_t v)
{
	int i;
	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int gx_hash_file(const char *path, gx_hash128 *out, uint64_t *size, gx_err *err)
{
	/* 1 MiB reads: large enough that syscall overhead is invisible next to XXH3 */
	enum { CHUNK = 1 << 20 };
	XXH3_state_t *st = NULL;
	unsigned char *buf = NULL;
	uint64_t total = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gx_err_at(err, errno == ENOENT ? GX_E_NO_FILE : GX_E_IO, path, 0, 0,
		                 "cannot open: %s", strerror(errno));
	st = XXH3_createState();
	buf = gx_malloc(CHUNK);
	if (!st || !buf) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	XXH3_128bits_reset(st);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = gx_err_at(err, GX_E_IO, path, 0, 0, "read error: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		XXH3_128bits_update(st, buf, (size_t)n);
		total += (uint64_t)n;
	}
	{
		XXH128_hash_t h = XXH3_128bits_digest(st);
		out->hi = h.high64;
		out->lo = h.low64;
	}
	if (size)
		*size = total;
out:
	XXH3_freeState(st);
	gx_free(buf);
	close(fd);
	return rc;
}

gx_hash128 gx_hash_bytes(const void *p, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(p, n);
	gx_hash128 r = { h.high64, h.low64 };
	return r;
}

void gx_hash128_hex(gx_hash128 h, char out[GX_HASH_HEX])
{
	static const char hexd[] = "0123456789abcdef";
	XXH128_canonical_t c;
	XXH128_hash_t x = { h.lo, h.hi };
	int i;

	XXH128_canonicalFromHash(&c, x);
	for (i = 0; i < 16; i++) {
		out[2 * i] = hexd[c.digest[i] >> 4];
		out[2 * i + 1] = hexd[c.digest[i] & 15];
	}
	out[32] = '\0';
}

int gx_hash_fields(char out[GX_HASH_HEX], size_t n, const char *const *fields)
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_hash_t h;
	size_t i;

	if (!st)
		return -1;
	XXH3_128bits_reset(st);
	for (i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "\\N";
		XXH3_128bits_update(st, f, strlen(f) + 1);
	}
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	{
		gx_hash128 r = { h.high64, h.low64 };
		gx_hash128_hex(r, out);
	}
	return 0;
}

uint64_t gx_gene_hash(const char *id, size_t len)
{
	return XXH3_64bits_withSeed(id, len, SEED_GENE);
}

uint64_t gx_record_hash(uint64_t gene_hash, double value)
{
	unsigned char b[16];
	uint64_t bits;

	if (value == 0.0)
		value = 0.0; /* -0.0 and 0.0 are one value (see hash.h) */
	memcpy(&bits, &value, sizeof(bits));
	put_le64(b, gene_hash);
	put_le64(b + 8, bits);
	return XXH3_64bits_withSeed(b, sizeof(b), SEED_RECORD);
}

void gx_digest_hex(const gx_digest *d, char out[GX_HASH_HEX])
{
	unsigned char b[24];

	put_le64(b, d->n);
	put_le64(b + 8, d->sum);
	put_le64(b + 16, d->mix);
	gx_hash128_hex(gx_hash_bytes(b, sizeof(b)), out);
}
