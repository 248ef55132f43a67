/*
 * corr_bench.c - time gxload's all-pairs correlation (gx_corr_run) with top-K kept.
 *
 *   corr_bench GENES SAMPLES [--data FILE] [--method pearson|spearman] [--top K]
 *              [--min-r R] [--budget MB]
 *
 * With --data, FILE holds GENES x SAMPLES doubles, gene-major, native byte order (the
 * file bench/corr_numpy.py writes and reads, so both sides see the same values); the
 * matrix is read into memory first and not timed.  Without it the values are generated
 * on demand by the source callback (a hash of gene and sample through Box-Muller, with a
 * few shared factors so that some pairs correlate), so nothing but the run itself holds
 * memory: what b70 uses for 60,000 genes.  Prints one line of key=value: the wall and CPU
 * seconds of gx_corr_run (CPU summed over OpenBLAS's threads), the wall seconds inside
 * BLAS, its sweeps, its own peak bytes, the process's peak RSS and the counts.
 */
#include "analyze/blas.h"
#include "analyze/corr.h"
#include "core/hash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct synth {
	size_t n;
} synth;

static double unit(uint64_t h)
{
	return ((double)(gx_digest_mix64(h) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(uint64_t key)
{
	double u = unit(key), v = unit(key ^ 0x9e3779b97f4a7c15ULL);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int synth_load(void *ctx, size_t g0, size_t count, double *out, gx_err *err)
{
	const synth *s = ctx;
	size_t g, j;

	(void)err;
	for (g = 0; g < count; g++) {
		uint64_t gene = g0 + g;
		double w = (gene % 4 == 0) ? gauss(gene * 7919 + 1) : 0;
		size_t f = gene % 3;

		for (j = 0; j < s->n; j++)
			out[g * s->n + j] = 8 + gauss((gene << 20) ^ j) + w * gauss(((uint64_t)f << 40) ^ j);
	}
	return 0;
}

typedef struct kept_info {
	size_t n;
	double top_r;   /* |r| of the first (strongest) pair */
} kept_info;

static int count_pair(void *ctx, const gx_corr_pair *p, gx_err *err)
{
	kept_info *k = ctx;

	(void)err;
	if (!k->n++)
		k->top_r = fabs(p->r);
	return 0;
}

int main(int argc, char **argv)
{
	size_t G, N;
	kept_info kept = { 0, NAN };
	const char *data = NULL;
	gx_corr_opts o;
	gx_corr_stats st;
	gx_corr_matrix mx = { 0 };
	synth sy;
	double *v = NULL, secs, cpu;
	struct timespec t0, t1, c0, c1;
	struct rusage ru;
	gx_err err;
	int i, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: corr_bench GENES SAMPLES [--data FILE] [--method M] "
		        "[--top K] [--min-r R] [--budget MB]\n");
		return 64;
	}
	G = strtoul(argv[1], NULL, 10);
	N = strtoul(argv[2], NULL, 10);
	gx_blas_threads_begin(0); /* OpenBLAS's threads, one per core, as numpy's */
	gx_corr_opts_init(&o);
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--data"))
			data = argv[i + 1];
		else if (!strcmp(argv[i], "--method"))
			o.method = !strcmp(argv[i + 1], "spearman") ? GX_CORR_SPEARMAN : GX_CORR_PEARSON;
		else if (!strcmp(argv[i], "--top"))
			o.top_k = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--min-r"))
			o.min_abs_r = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--budget"))
			o.mem_budget = strtoul(argv[i + 1], NULL, 10) << 20;
		else
			return 64;
	}
	if (data) {
		FILE *f = fopen(data, "rb");

		if (!f || !(v = malloc(G * N * sizeof(*v))) || fread(v, sizeof(*v), G * N, f) != G * N) {
			fprintf(stderr, "corr_bench: cannot read %s\n", data);
			return 74;
		}
		fclose(f);
		mx.values = v;
		mx.n_samples = N;
	}
	sy.n = N;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	rc = gx_corr_run(G, N, data ? gx_corr_matrix_load : synth_load, data ? (void *)&mx : &sy,
	                 &o, count_pair, &kept, &st, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	if (rc < 0) {
		fprintf(stderr, "corr_bench: %s\n", err.msg);
		return 70;
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	printf("gxload genes=%zu samples=%zu method=%s seconds=%.3f cpu_seconds=%.3f "
	       "blas_seconds=%.3f passes=%d block=%zu gene_loads=%llu peak_mb=%.1f maxrss_mb=%.1f "
	       "budget_mb=%zu m=%llu kept=%zu top_r=%.6f\n", G, N,
	       o.method == GX_CORR_SPEARMAN ? "spearman" : "pearson", secs, cpu, st.blas_seconds,
	       st.passes, st.block_genes, (unsigned long long)st.gene_loads,
	       st.peak_bytes / 1048576.0, ru.ru_maxrss / 1024.0, o.mem_budget >> 20,
	       (unsigned long long)st.pairs_tested, kept.n, kept.top_r);
	free(v);
	return 0;
}
