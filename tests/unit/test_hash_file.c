/* test_hash_file.c - gx_hash_file (read by two threads for big files) gives XXH3-128 of
 * the file's bytes, whatever its size: empty, small, chunk-aligned, just over a chunk,
 * and big enough for the helper thread, with odd tails. */
#include "core/hash.h"
#include "core/mem.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	static const size_t sizes[] = { 0, 1, 4095, 1u << 20, (1u << 20) + 1, (4u << 20) + 1,
	                                (5u << 20) + 12345, 12u << 20, (13u << 20) - 7 };
	char path[] = "/tmp/gxtest_hashfileXXXXXX";
	int fd = mkstemp(path);
	size_t i, k, max = 13u << 20;
	unsigned char *data = malloc(max);
	uint64_t x = 88172645463325252ULL;

	ok(fd >= 0 && data, "temp file");
	for (k = 0; k < max; k++) { /* xorshift: no repeating pattern across chunks */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[k] = (unsigned char)x;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		gx_hash128 want = gx_hash_bytes(data, sizes[i]), got = { 0, 0 };
		uint64_t size = 1;
		gx_err err;
		FILE *f = fopen(path, "wb");
		fwrite(data, 1, sizes[i], f);
		fclose(f);
		gx_err_clear(&err);
		ok(gx_hash_file(path, &got, &size, &err) == 0 && got.hi == want.hi &&
		   got.lo == want.lo && size == sizes[i], "%zu bytes: the hash of the bytes", sizes[i]);
	}
	unlink(path);
	{
		gx_hash128 h;
		gx_err err;
		gx_err_clear(&err);
		ok(gx_hash_file(path, &h, NULL, &err) < 0 && err.code == GX_E_NO_FILE,
		   "a missing file is GX_E_NO_FILE");
	}
	close(fd);
	free(data);
	return tap_done();
}
