/* test_hash_fields.c - a dimension row's content hash (gx_hash_fields) is exactly what
 * hash.h defines: XXH3-128 of each field followed by a NUL, a NULL field written as the
 * two bytes "\N", so that NULL, "" and field boundaries are all told apart.  The
 * reference is built byte by byte here and hashed with gx_hash_bytes (XXH3-128 itself has
 * its golden vectors in test_hash.c). */
#include "core/hash.h"
#include "tap.h"

#include <string.h>

/* hex of XXH3-128 over the fields as hash.h defines the bytes */
static void reference(size_t n, const char *const *fields, char out[GX_HASH_HEX])
{
	unsigned char b[256];
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "\\N";
		memcpy(b + len, f, strlen(f) + 1);
		len += strlen(f) + 1;
	}
	gx_hash128_hex(gx_hash_bytes(b, len), out);
}

static int differ(size_t n, const char *const *a, const char *const *b)
{
	char ha[GX_HASH_HEX], hb[GX_HASH_HEX];

	if (gx_hash_fields(ha, n, a) < 0 || gx_hash_fields(hb, n, b) < 0)
		return 0;
	return strcmp(ha, hb) != 0;
}

int main(void)
{
	static const char *const row[4] = { "GSM5001", "healthy", NULL, "" };
	static const char *const null1[1] = { NULL }, *const empty1[1] = { "" };
	static const char *const bs1[1] = { "\\N" };
	static const char *const ab_c[2] = { "ab", "c" }, *const a_bc[2] = { "a", "bc" };
	static const char *const abc[1] = { "abc" };
	static const char *const x_null[2] = { "x", NULL }, *const x_empty[2] = { "x", "" };
	char got[GX_HASH_HEX], want[GX_HASH_HEX];

	is_int(gx_hash_fields(got, 4, row), 0, "a row is hashed");
	reference(4, row, want);
	is_str(got, want, "the hash is XXH3-128 of the fields, each NUL-terminated, NULL as \\N");
	is_int((long long)strlen(got), 32, "32 hex digits");
	ok(differ(1, null1, empty1), "NULL and \"\" differ");
	ok(differ(2, x_null, x_empty), "a trailing NULL and a trailing \"\" differ");
	ok(differ(2, ab_c, a_bc), "field boundaries count: (ab, c) and (a, bc) differ");
	ok(gx_hash_fields(got, 2, ab_c) == 0 && gx_hash_fields(want, 1, abc) == 0 &&
	   strcmp(got, want) != 0, "(ab, c) and (abc) differ");
	/* a NULL is written like the text \N (the documented encoding): the two are equal */
	ok(!differ(1, null1, bs1), "NULL hashes as the text \\N, as documented");
	is_int(gx_hash_fields(got, 0, NULL), 0, "no fields");
	gx_hash128_hex(gx_hash_bytes("", 0), want);
	is_str(got, want, "no fields: the hash of nothing");
	return tap_done();
}
