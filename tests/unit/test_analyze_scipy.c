/*
 * test_analyze_scipy.c - the analysis statistics against scipy and numpy.
 *
 * Run without arguments (as tests/run.sh does), it replaces itself with
 * `python3 tests/stats/compare.py --driver <this binary>`, which generates the data
 * (ties, missing values, constant genes) and reads a real study's fixture, calls this
 * binary back in driver mode for gxload's results, computes scipy's and prints TAP.
 * Driver mode (first argument a command) reads a text file and writes one:
 *
 *   dist IN OUT     lines "betainc a b x" | "t t df" | "r r n" | "z z" | "mwu m n u1"
 *                   -> one value per line
 *   bh IN OUT       one p-value per line ("nan" = not tested) -> q-values
 *   diff IN OUT     two lines per gene, the values of cohort A then B (may be empty)
 *                   -> per gene: n_a n_b mean_a mean_b diff t df p_welch q_welch u p_u
 *                      q_u exact
 *   corr METHOD TOPK MINR BUDGET EXACTCAP IN OUT
 *                   IN: "genes samples", then one line of values per gene
 *                   -> "# stats ..." then per kept pair: i j n r p q
 * Values are printed with %.17g, so nothing is lost on the way.
 */
#include "analyze/bh.h"
#include "analyze/corr.h"
#include "analyze/diff.h"
#include "analyze/dist.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static int fail(const char *what)
{
	fprintf(stderr, "test_analyze_scipy: %s\n", what);
	return 2;
}

/* read whitespace-separated doubles of one line into a growing array */
static size_t parse_line(char *line, double **v, size_t *cap)
{
	size_t n = 0;
	char *s = line, *e;

	for (;;) {
		double x = strtod(s, &e);

		if (e == s)
			break;
		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*v = realloc(*v, *cap * sizeof(**v));
			if (!*v)
				exit(2);
		}
		(*v)[n++] = x;
		s = e;
	}
	return n;
}

static int do_dist(FILE *in, FILE *out)
{
	char tag[32];
	gx_mwu_exact ex = { 0 };
	gx_err err;

	while (fscanf(in, "%31s", tag) == 1) {
		double a, b, c, y = NAN;

		if (!strcmp(tag, "betainc") && fscanf(in, "%lf %lf %lf", &a, &b, &c) == 3)
			y = gx_betainc(a, b, c, 1 - c);
		else if (!strcmp(tag, "t") && fscanf(in, "%lf %lf", &a, &b) == 2)
			y = gx_t_p2(a, b);
		else if (!strcmp(tag, "r") && fscanf(in, "%lf %lf", &a, &b) == 2)
			y = gx_r_p2(a, b);
		else if (!strcmp(tag, "z") && fscanf(in, "%lf", &a) == 1)
			y = gx_norm_sf(a);
		else if (!strcmp(tag, "mwu") && fscanf(in, "%lf %lf %lf", &a, &b, &c) == 3) {
			if (gx_mwu_exact_p2(&ex, (size_t)a, (size_t)b, c, &y, &err) < 0)
				return fail(err.msg);
		} else
			return fail("bad dist line");
		fprintf(out, "%.17g\n", y);
	}
	gx_mwu_exact_release(&ex);
	return 0;
}

static int do_bh(FILE *in, FILE *out)
{
	double *p = NULL, x;
	size_t n = 0, cap = 0, i;
	gx_err err;

	while (fscanf(in, "%lf", &x) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			if (!(p = realloc(p, cap * sizeof(*p))))
				return 2;
		}
		p[n++] = x;
	}
	if (gx_bh(p, n, p, &err) < 0)
		return fail(err.msg);
	for (i = 0; i < n; i++)
		fprintf(out, "%.17g\n", p[i]);
	free(p);
	return 0;
}

static int do_diff(FILE *in, FILE *out)
{
	char *la = NULL, *lb = NULL;
	size_t ca = 0, cb = 0, capa = 0, capb = 0, n = 0, cap = 0, i;
	double *a = NULL, *b = NULL;
	gx_diff_result *res = NULL;
	gx_diff d = { 0 };
	gx_err err;

	while (getline(&la, &ca, in) > 0 && getline(&lb, &cb, in) > 0) {
		size_t na = parse_line(la, &a, &capa), nb = parse_line(lb, &b, &capb);

		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if (!(res = realloc(res, cap * sizeof(*res))))
				return 2;
		}
		if (gx_diff_gene(&d, a, na, b, nb, &res[n++], &err) < 0)
			return fail(err.msg);
	}
	if (gx_diff_fdr(res, n, &err) < 0)
		return fail(err.msg);
	for (i = 0; i < n; i++) {
		const gx_diff_result *r = &res[i];

		fprintf(out, "%zu %zu %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %d\n",
		        r->n_a, r->n_b, r->mean_a, r->mean_b, r->mean_diff, r->welch_t, r->welch_df,
		        r->welch_p, r->welch_q, r->mwu_u, r->mwu_p, r->mwu_q, r->mwu_exact);
	}
	gx_diff_release(&d);
	free(res);
	free(a);
	free(b);
	free(la);
	free(lb);
	return 0;
}

static int emit_line(void *ctx, const gx_corr_pair *p, gx_err *err)
{
	(void)err;
	fprintf(ctx, "%u %u %u %.17g %.17g %.17g\n", p->i, p->j, p->n, p->r, p->p, p->q);
	return 0;
}

static int do_corr(char **argv, FILE *in, FILE *out)
{
	gx_corr_opts o;
	gx_corr_stats st;
	gx_corr_matrix mx;
	size_t G, N, g, k, cap = 0;
	double *v, *row = NULL;
	char *line = NULL;
	size_t lcap = 0;
	gx_err err;

	gx_corr_opts_init(&o);
	o.method = !strcmp(argv[0], "spearman") ? GX_CORR_SPEARMAN : GX_CORR_PEARSON;
	o.top_k = strtoul(argv[1], NULL, 10);
	o.min_abs_r = strtod(argv[2], NULL);
	o.mem_budget = strtoul(argv[3], NULL, 10);
	o.exact_cap = strtoul(argv[4], NULL, 10);
	if (fscanf(in, "%zu %zu\n", &G, &N) != 2)
		return fail("bad corr header");
	if (!(v = malloc(G * N * sizeof(*v) + 1)))
		return 2;
	for (g = 0; g < G; g++) {
		if (getline(&line, &lcap, in) <= 0 || (k = parse_line(line, &row, &cap)) != N)
			return fail("bad corr row");
		memcpy(v + g * N, row, N * sizeof(*v));
	}
	mx.values = v;
	mx.n_samples = N;
	if (gx_corr_run(G, N, gx_corr_matrix_load, &mx, &o, emit_line, out, &st, &err) < 0) {
		fprintf(out, "# error %d %s\n", (int)err.code, err.msg);
	} else {
		fprintf(out, "# stats m=%llu kept=%llu passes=%d block=%zu loads=%llu peak=%zu "
		        "missing=%zu constant=%zu\n", (unsigned long long)st.pairs_tested,
		        (unsigned long long)st.pairs_kept, st.passes, st.block_genes,
		        (unsigned long long)st.gene_loads, st.peak_bytes, st.genes_missing,
		        st.genes_constant);
	}
	free(v);
	free(row);
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	int rc;

	if (argc < 2) {
		const char *top = getenv("GXLOAD_TOP");
		char script[4096];

		snprintf(script, sizeof(script), "%s/tests/stats/compare.py", top ? top : ".");
		execl(PYTHON, PYTHON, script, "--driver", argv[0], (char *)NULL);
		printf("1..1\nnot ok 1 - cannot run %s %s: %s\n", PYTHON, script, strerror(errno));
		return 1;
	}
	if (argc < 4)
		return fail("usage: CMD [ARGS] IN OUT");
	if (!(in = fopen(argv[argc - 2], "r")) || !(out = fopen(argv[argc - 1], "w")))
		return fail("cannot open files");
	if (!strcmp(argv[1], "dist"))
		rc = do_dist(in, out);
	else if (!strcmp(argv[1], "bh"))
		rc = do_bh(in, out);
	else if (!strcmp(argv[1], "diff"))
		rc = do_diff(in, out);
	else if (!strcmp(argv[1], "corr") && argc == 9)
		rc = do_corr(argv + 2, in, out);
	else
		rc = fail("unknown command");
	fclose(in);
	if (fclose(out) != 0)
		rc = 2;
	return rc;
}
