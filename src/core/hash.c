/*
 * hash.c - file hashes, record hashes and sample digests (definitions in hash.h).
 */
#include "core/hash.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* inlined: a record hash is 16 bytes, where the call into libxxhash costs as much as
 * the hash itself; the same functions, so the same values (tests/unit/test_hash.c) */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Seeds separate the hash domains; they are part of GX_HASH_VERSION 1. */
#define SEED_GENE 0x67786c6f61642d67ULL   /* "gxload-g" */
#define SEED_RECORD 0x67786c6f61642d72ULL /* "gxload-r" */

static void put_le64(unsigned char *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 8); /* one store: byte stores read back as a word stall the CPU */
#else
	int i;
	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
#endif
}

/*
 * Reading a file from the page cache costs more than hashing it (a copy at about 5 GB/s
 * against XXH3 at 16 GB/s), so a helper thread reads two of every three 1 MiB chunks
 * while this thread reads the third and hashes them all in order: about twice the
 * throughput of one thread on two cores.  mmap would avoid the copy but turns a file
 * truncated during the run into SIGBUS.  Files up to HASH_SOLO bytes skip the thread.
 */
#define HASH_CHUNK (1 << 20)
#define HASH_SLOTS 4              /* chunk c lives in slot c % HASH_SLOTS */
#define HASH_SOLO (4u << 20)

typedef struct hash_slot {
	unsigned char *buf;
	ssize_t len;        /* bytes read, or -errno */
	uint64_t next;      /* the chunk that may use this slot next */
	int full;           /* filled by the helper, not yet hashed */
} hash_slot;

typedef struct hash_read {
	int fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	hash_slot slot[HASH_SLOTS];
	int stop;
} hash_read;

static int helper_reads(uint64_t chunk)
{
	return chunk % 3 != 0;
}

/* read up to n bytes at off (fewer only at the end of the file); -errno on error */
static ssize_t read_at(int fd, unsigned char *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void *hash_helper(void *arg)
{
	hash_read *hr = arg;
	uint64_t c;

	for (c = 0;; c++) {
		hash_slot *s = &hr->slot[c % HASH_SLOTS];
		ssize_t n;
		int stop;

		if (!helper_reads(c))
			continue;
		pthread_mutex_lock(&hr->mu);
		while (!hr->stop && s->next != c)
			pthread_cond_wait(&hr->cv, &hr->mu);
		stop = hr->stop;
		pthread_mutex_unlock(&hr->mu);
		if (stop)
			break;
		n = read_at(hr->fd, s->buf, HASH_CHUNK, c * HASH_CHUNK);
		pthread_mutex_lock(&hr->mu);
		s->len = n;
		s->full = 1;
		pthread_cond_broadcast(&hr->cv);
		pthread_mutex_unlock(&hr->mu);
		if (n < HASH_CHUNK)
			break; /* the end of the file, or an error */
	}
	return NULL;
}

int gx_hash_file(const char *path, gx_hash128 *out, uint64_t *size, gx_err *err)
{
	XXH3_state_t *st = NULL;
	hash_read hr;
	pthread_t th;
	uint64_t total = 0, c;
	struct stat sb;
	int fd, rc = 0, threaded = 0, sync_ok = 0, i;

	memset(&hr, 0, sizeof(hr));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gx_err_at(err, errno == ENOENT ? GX_E_NO_FILE : GX_E_IO, path, 0, 0,
		                 "cannot open: %s", strerror(errno));
	hr.fd = fd;
	st = XXH3_createState();
	for (i = 0; i < HASH_SLOTS; i++) {
		hr.slot[i].next = (uint64_t)i;
		hr.slot[i].buf = gx_malloc(HASH_CHUNK);
		if (!hr.slot[i].buf)
			rc = -1;
	}
	if (!st || rc) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	XXH3_128bits_reset(st);
	if (!pthread_mutex_init(&hr.mu, NULL)) {
		if (!pthread_cond_init(&hr.cv, NULL))
			sync_ok = 1;
		else
			pthread_mutex_destroy(&hr.mu);
	}
	threaded = sync_ok && fstat(fd, &sb) == 0 && (uint64_t)sb.st_size > HASH_SOLO &&
	           pthread_create(&th, NULL, hash_helper, &hr) == 0;
	for (c = 0;; c++) {
		hash_slot *s = &hr.slot[c % HASH_SLOTS];
		ssize_t n;

		if (threaded && helper_reads(c)) {
			pthread_mutex_lock(&hr.mu);
			while (!s->full)
				pthread_cond_wait(&hr.cv, &hr.mu);
			n = s->len;
			pthread_mutex_unlock(&hr.mu);
		} else {
			n = read_at(fd, s->buf, HASH_CHUNK, c * HASH_CHUNK);
		}
		if (n < 0) {
			rc = gx_err_at(err, GX_E_IO, path, 0, 0, "read error: %s", strerror((int)-n));
			break;
		}
		XXH3_128bits_update(st, s->buf, (size_t)n);
		total += (uint64_t)n;
		if (threaded) {
			pthread_mutex_lock(&hr.mu);
			s->full = 0;
			s->next = c + HASH_SLOTS;
			pthread_cond_broadcast(&hr.cv);
			pthread_mutex_unlock(&hr.mu);
		}
		if (n < HASH_CHUNK)
			break;
	}
	if (threaded) {
		pthread_mutex_lock(&hr.mu);
		hr.stop = 1;
		pthread_cond_broadcast(&hr.cv);
		pthread_mutex_unlock(&hr.mu);
		pthread_join(th, NULL);
	}
	if (!rc) {
		XXH128_hash_t h = XXH3_128bits_digest(st);
		out->hi = h.high64;
		out->lo = h.low64;
		if (size)
			*size = total;
	}
out:
	if (sync_ok) {
		pthread_cond_destroy(&hr.cv);
		pthread_mutex_destroy(&hr.mu);
	}
	XXH3_freeState(st);
	for (i = 0; i < HASH_SLOTS; i++)
		gx_free(hr.slot[i].buf);
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
