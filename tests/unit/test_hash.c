/* test_hash.c - the stored hash definitions never change silently (golden vectors), and
 * sample digests do not depend on order. */
#include "core/hash.h"
#include "core/hset.h"
#include "tap.h"

/* computed once with hash version 1; they must never change */
#define GOLDEN_GXLOAD "433405d23cb890fd548c83d37d2498e6"
#define GOLDEN_GENE "3267259e5cf4e74e"
#define GOLDEN_RECORD "d95b950acc201fa5"
#define GOLDEN_DIGEST "59e47db069ecc6a15c560635099d4777"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char hex[GX_HASH_HEX], hex2[GX_HASH_HEX], path[] = "/tmp/gxtest_hashXXXXXX";
	gx_digest a = { 0, 0, 0 }, b = { 0, 0, 0 };
	uint64_t g1 = gx_gene_hash("ENSG00000000003", 15), g2 = gx_gene_hash("ENSG00000000005", 15);
	uint64_t size = 0;
	gx_hash128 h;
	gx_err err;
	gx_hset set = { 0 };
	uint64_t v = 0;
	int fd, i;

	is_int(GX_HASH_VERSION, 1, "hash version 1");
	/* golden vectors: changing any of these needs a GX_HASH_VERSION bump */
	gx_hash128_hex(gx_hash_bytes("", 0), hex);
	is_str(hex, "99aa06d3014798d86001c324468d497f", "XXH3-128 of the empty string");
	gx_hash128_hex(gx_hash_bytes("gxload", 6), hex);
	is_str(hex, GOLDEN_GXLOAD, "XXH3-128 of 'gxload'");
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)g1);
	is_str(hex, GOLDEN_GENE, "gene hash of ENSG00000000003");
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)gx_record_hash(g1, 0.6944035539617274));
	is_str(hex, GOLDEN_RECORD, "record hash of (ENSG00000000003, 0.6944035539617274)");
	ok(gx_record_hash(g1, 0.0) == gx_record_hash(g1, -0.0),
	   "-0.0 and 0.0 hash the same (SQLite stores -0.0 as 0)");
	ok(gx_record_hash(g1, 0.0) != gx_record_hash(g1, 4.9e-324), "the smallest subnormal is not zero");
	ok(gx_record_hash(g1, 1.0) != gx_record_hash(g2, 1.0), "the gene is part of the record hash");

	/* digests: order independent, content dependent */
	gx_digest_add(&a, gx_record_hash(g1, 1.5));
	gx_digest_add(&a, gx_record_hash(g2, 2.5));
	gx_digest_add(&b, gx_record_hash(g2, 2.5));
	gx_digest_add(&b, gx_record_hash(g1, 1.5));
	gx_digest_hex(&a, hex);
	gx_digest_hex(&b, hex2);
	is_str(hex, hex2, "a digest does not depend on record order");
	is_str(hex, GOLDEN_DIGEST, "golden digest of two records");
	gx_digest_add(&b, gx_record_hash(g1, 1.5));
	gx_digest_hex(&b, hex2);
	ok(strcmp(hex, hex2) != 0, "a repeated record changes the digest");
	b = a;
	b.sum += gx_record_hash(g1, 1.5) - gx_record_hash(g1, 1.25);
	gx_digest_hex(&b, hex2);
	ok(strcmp(hex, hex2) != 0, "a changed value changes the digest");

	/* file hash = hash of its bytes */
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "gxload", 6) == 6, "temp file written");
	close(fd);
	gx_err_clear(&err);
	ok(gx_hash_file(path, &h, &size, &err) == 0 && size == 6, "file hashed");
	gx_hash128_hex(h, hex);
	is_str(hex, GOLDEN_GXLOAD, "file hash equals the hash of its bytes");
	unlink(path);
	ok(gx_hash_file(path, &h, &size, &err) < 0 && err.code == GX_E_NO_FILE, "missing file: GX_E_NO_FILE");

	/* the hash set used for duplicate detection */
	for (i = 0; i < 5000; i++)
		if (gx_hset_put(&set, (uint64_t)(i + 1) * 7919, (uint64_t)i, NULL) != 1)
			break;
	is_int(i, 5000, "5000 distinct keys inserted");
	is_int(set.n, 5000, "5000 keys stored across growth");
	ok(gx_hset_put(&set, 7919 * 43, 1, &v) == 0 && v == 42, "a duplicate is reported with its value");
	ok(gx_hset_put(&set, 0, 9, NULL) == 1 && gx_hset_get(&set, 0, &v) && v == 9, "key 0 works");
	ok(!gx_hset_get(&set, 123456789, NULL), "absent key not found");
	gx_hset_release(&set);
	return tap_done();
}
