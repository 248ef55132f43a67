/*
 * hash_speed.c - how fast gxload hashes a source file (gx_hash_file, XXH3-128), the
 * work an unchanged re-run does before it skips.
 *
 *   hash_speed FILE [RUNS]
 *
 * Prints one line: the file size, the fastest and the median wall time of RUNS (default
 * 5) hashes of the file from the page cache (one untimed read first), each with its
 * GB/s.  Used by bench/b40-rerun.sh.
 */
#include "core/err.h"
#include "core/hash.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double t[64];
	int runs = argc > 2 ? atoi(argv[2]) : 5, i;
	uint64_t size = 0;
	gx_hash128 h;
	gx_err err;

	if (argc < 2 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: hash_speed FILE [RUNS]\n");
		return 64;
	}
	gx_err_clear(&err);
	if (gx_hash_file(argv[1], &h, &size, &err)) { /* warm the page cache */
		fprintf(stderr, "hash_speed: %s\n", err.msg);
		return 74;
	}
	for (i = 0; i < runs; i++) {
		double t0 = gx_mono();
		gx_hash_file(argv[1], &h, &size, &err);
		t[i] = gx_mono() - t0;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	printf("%s: %llu bytes, fastest %.4f s (%.2f GB/s), median %.4f s (%.2f GB/s)\n",
	       argv[1], (unsigned long long)size, t[0], (double)size / t[0] / 1e9, t[runs / 2],
	       (double)size / t[runs / 2] / 1e9);
	return 0;
}
