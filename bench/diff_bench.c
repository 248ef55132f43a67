/*
 * diff_bench.c - time the differential statistics over a study's genes.
 *
 *   diff_bench GENES SAMPLES_A SAMPLES_B
 *
 * Generates the values (a hash of gene and sample through Box-Muller, one gene in ten
 * shifted in cohort A), then times gx_diff_gene for every gene and gx_diff_fdr over them:
 * the whole differential pass the loader would run after a load.  Prints one key=value
 * line (wall and CPU seconds: on a shared machine the CPU time is the steadier figure).
 * Used by bench/b70-corr.sh next to the load times of docs/PERFORMANCE.md.
 */
#include "analyze/diff.h"
#include "core/hash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double unit(uint64_t h)
{
	return ((double)(gx_digest_mix64(h) >> 11) + 0.5) / 9007199254740992.0;
}

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
	size_t G, na, nb, g, j, exact = 0;
	double *v, t0, t1, t2, c0, c1;
	gx_diff_result *res;
	gx_diff d = { 0 };
	gx_err err;

	if (argc != 4)
		return 64;
	G = strtoul(argv[1], NULL, 10);
	na = strtoul(argv[2], NULL, 10);
	nb = strtoul(argv[3], NULL, 10);
	if (!(v = malloc(G * (na + nb) * sizeof(*v))) || !(res = malloc(G * sizeof(*res))))
		return 70;
	for (g = 0; g < G; g++)
		for (j = 0; j < na + nb; j++) {
			uint64_t k = ((uint64_t)g << 24) ^ j;
			double z = sqrt(-2 * log(unit(k))) * cos(2 * M_PI * unit(k ^ 0x5bd1e995));

			v[g * (na + nb) + j] = 8 + z + (g % 10 == 0 && j < na ? 0.5 : 0);
		}
	t0 = now();
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (g = 0; g < G; g++) {
		const double *x = v + g * (na + nb);

		if (gx_diff_gene(&d, x, na, x + na, nb, &res[g], &err) < 0)
			return 70;
		exact += (size_t)res[g].mwu_exact;
	}
	t1 = now();
	if (gx_diff_fdr(res, G, &err) < 0)
		return 70;
	t2 = now();
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	printf("diff genes=%zu a=%zu b=%zu seconds=%.3f cpu_seconds=%.3f genes_s=%.3f fdr_s=%.3f "
	       "exact=%zu\n", G, na, nb, t2 - t0, c1 - c0, t1 - t0, t2 - t1, exact);
	gx_diff_release(&d);
	free(v);
	free(res);
	return 0;
}
