/*
 * gen_study.c - generate a refine.bio-style study for benchmarks and tests.
 *
 *   gen_study --out DIR --acc ACC --genes N --samples M [--seed S] [--digits D]
 *             [--linear] [--melted FILE] [--shuffle-columns] [--change-sample K]
 *
 * Writes DIR/ACC/ACC.tsv (a "Gene" header, ENSG-style ids in ascending order, one
 * column per sample GSM<n>) and DIR/ACC/metadata_ACC.tsv (CRLF, refinebio_* columns).
 * Values: log2-scale N(6, 2) (or with --linear, exp of it) printed with D significant
 * digits (default 17, like refine.bio's quantile-normalized data).  --melted FILE also
 * writes the same cells as CSV rows "study_key,sample_key,gene_key,value,log2_value"
 * (keys 1-based by position, study_key 1, the value text identical to the TSV's), the
 * input of the psql \copy reference.  --change-sample K adds 1 to every value of sample
 * K (0-based) to simulate a re-processed sample.  Deterministic for a given seed.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: fast, deterministic, good enough for test data */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unif(void)
{
	return ((double)(rng() >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
	return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

static int usage(void)
{
	fputs("usage: gen_study --out DIR --acc ACC --genes N --samples M [--seed S] "
	      "[--digits D] [--linear] [--melted FILE] [--shuffle-columns] [--change-sample K]\n",
	      stderr);
	return 64;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *acc = NULL, *melted = NULL;
	long genes = 0, samples = 0, digits = 17, change = -1;
	int linear = 0, shuffle = 0, i;
	uint64_t seed = 42;
	char path[4096], fmt[16];
	FILE *tsv, *meta, *csv = NULL;
	long *order, g, s;
	char **cell;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
		else if (!strcmp(argv[i], "--acc") && i + 1 < argc) acc = argv[++i];
		else if (!strcmp(argv[i], "--genes") && i + 1 < argc) genes = atol(argv[++i]);
		else if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--digits") && i + 1 < argc) digits = atol(argv[++i]);
		else if (!strcmp(argv[i], "--melted") && i + 1 < argc) melted = argv[++i];
		else if (!strcmp(argv[i], "--change-sample") && i + 1 < argc) change = atol(argv[++i]);
		else if (!strcmp(argv[i], "--linear")) linear = 1;
		else if (!strcmp(argv[i], "--shuffle-columns")) shuffle = 1;
		else return usage();
	}
	if (!out || !acc || genes <= 0 || samples <= 0 || digits < 1 || digits > 17)
		return usage();
	snprintf(path, sizeof(path), "%s/%s", out, acc);
	if (mkdir(out, 0777) < 0 && errno != EEXIST) { perror(out); return 74; }
	if (mkdir(path, 0777) < 0 && errno != EEXIST) { perror(path); return 74; }
	snprintf(path, sizeof(path), "%s/%s/%s.tsv", out, acc, acc);
	tsv = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/%s/metadata_%s.tsv", out, acc, acc);
	meta = fopen(path, "w");
	if (melted)
		csv = fopen(melted, "w");
	if (!tsv || !meta || (melted && !csv)) { perror("fopen"); return 74; }
	rng_state = seed;
	order = calloc((size_t)samples, sizeof(*order));
	cell = calloc((size_t)samples, sizeof(*cell));
	for (s = 0; s < samples; s++) {
		order[s] = s;
		cell[s] = malloc(40);
	}
	if (shuffle)
		for (s = samples - 1; s > 0; s--) {
			long j = (long)(rng() % (uint64_t)(s + 1)), t = order[s];
			order[s] = order[j];
			order[j] = t;
		}
	snprintf(fmt, sizeof(fmt), "%%.%ldg", digits);
	fputs("Gene", tsv);
	for (s = 0; s < samples; s++)
		fprintf(tsv, "\tGSM%ld", 100000 + order[s]);
	fputc('\n', tsv);
	fputs("refinebio_accession_code\texperiment_accession\trefinebio_organism\t"
	      "refinebio_platform\trefinebio_title\trefinebio_source_database\t"
	      "characteristics_ch1_group\r\n", meta);
	for (s = 0; s < samples; s++)
		fprintf(meta, "GSM%ld\t%s\tHOMO_SAPIENS\tAffymetrix Human Genome U133 Plus 2.0 Array "
		        "(hgu133plus2)\tsample %ld\tGEO\t%s\r\n", 100000 + s, acc, s,
		        s % 3 == 0 ? "control" : "patient");
	for (g = 0; g < genes; g++) {
		fprintf(tsv, "ENSG%011ld", g + 1);
		for (s = 0; s < samples; s++) {
			long col = order[s];
			double v = 6.0 + 2.0 * normal();
			if (linear)
				v = exp(v);
			if (col == change)
				v += 1.0;
			snprintf(cell[s], 40, fmt, v);
			fputc('\t', tsv);
			fputs(cell[s], tsv);
			if (csv) {
				double d = strtod(cell[s], NULL);
				fprintf(csv, "1,%ld,%ld,%s,", col + 1, g + 1, cell[s]);
				if (linear)
					fprintf(csv, "%.17g\n", log2(d + 1.0));
				else
					fprintf(csv, "%s\n", cell[s]);
			}
		}
		fputc('\n', tsv);
	}
	if (fclose(tsv) || fclose(meta) || (csv && fclose(csv))) { perror("write"); return 74; }
	for (s = 0; s < samples; s++)
		free(cell[s]);
	free(cell);
	free(order);
	return 0;
}
