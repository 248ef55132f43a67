/*
 * feed_bench.c - time the feed of the analysis after a load (pipeline/analyze_feed.c):
 * what a full load's scan spends handing its facts to it.
 *
 *   feed_bench GENES SAMPLES [--by-sample]
 *
 * Feeds GENES x SAMPLES values as the scan would, gene by gene (a TSV; --by-sample: sample
 * by sample, as a 10x or CSR h5ad matrix sends its cells), ends the feed, and reads every
 * row back (pipe_feed_rows; the placing of each row into the analysis's scratch file is
 * analyze_data.c's and is part of the pass's own time in the load's log).  Prints one
 * key=value line: the seconds of feeding (during the scan) and of reading back, wall and
 * CPU (on a shared machine the CPU time is the steadier figure).
 * Used by bench/b72-diff-load.sh next to the load times of docs/PERFORMANCE.md.
 */
#include "pipeline/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int on_row(void *ctx, int32_t gene, const double *row, gx_err *err)
{
	double *sum = ctx;

	(void)err;
	*sum += row[gene % 7];
	return 0;
}

int main(int argc, char **argv)
{
	size_t G, N, g, s;
	int by_sample, rc = 0;
	int32_t *keys;
	unsigned char *sparse;
	pipe_feed *f = NULL;
	double t0, c0, t1, c1, t2, c2, sum = 0;
	gx_err err;

	if (argc < 3)
		return 64;
	G = strtoul(argv[1], NULL, 10);
	N = strtoul(argv[2], NULL, 10);
	by_sample = argc > 3 && !strcmp(argv[3], "--by-sample");
	keys = calloc(N, sizeof(*keys));
	sparse = calloc(N, 1);
	if (!keys || !sparse)
		return 70;
	for (s = 0; s < N; s++)
		keys[s] = (int32_t)s + 1;
	gx_err_clear(&err);
	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	if (pipe_feed_new(N, keys, sparse, G, &f, &err))
		goto fail;
	if (!by_sample) {
		for (g = 0; g < G && !rc; g++)
			for (s = 0; s < N && !rc; s++)
				rc = pipe_feed_put(f, s, (int32_t)g + 1, (double)(g ^ s), &err);
	} else {
		for (s = 0; s < N && !rc; s++)
			for (g = 0; g < G && !rc; g++)
				rc = pipe_feed_put(f, s, (int32_t)g + 1, (double)(g ^ s), &err);
	}
	if (rc || pipe_feed_end(f, &err))
		goto fail;
	t1 = clock_s(CLOCK_MONOTONIC);
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	if (pipe_feed_rows(f, on_row, &sum, &err))
		goto fail;
	t2 = clock_s(CLOCK_MONOTONIC);
	c2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	printf("feed genes=%zu samples=%zu order=%s feed_seconds=%.3f feed_cpu_seconds=%.3f "
	       "rows_seconds=%.3f rows_cpu_seconds=%.3f check=%g\n", G, N,
	       by_sample ? "sample" : "gene", t1 - t0, c1 - c0, t2 - t1, c2 - c1, sum);
	pipe_feed_free(f);
	free(keys);
	free(sparse);
	return 0;
fail:
	fprintf(stderr, "feed_bench: %s\n", err.msg);
	pipe_feed_free(f);
	return 1;
}
