/*
 * analyze.c - `gxload analyze ACCESSION...`: gene-pair correlations and differential
 * statistics of loaded studies (docs/ANALYSIS.md).
 *
 * Opens the database once, applies pending migrations, then runs the analysis step
 * (gx_pipeline_analyze) for each accession in order: within each cohort every pair of
 * genes is correlated and the top K by |r| (and every pair above the configured |r|) is
 * kept in fact_gene_pair_stats; pairs of cohorts are compared gene by gene into
 * fact_cohort_differential.  A failed study does not stop the others, except when the
 * database is gone or a signal came; the exit code is the worst of the studies'
 * (gx_cmd_keep_worst).  One
 * summary line per study goes to stdout (nothing with -q).
 */
#include "cmd/cmd.h"
#include "core/log.h"
#include "core/mem.h"
#include "load/migrate.h"
#include "pipeline.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: gxload analyze [OPTIONS] ACCESSION...\n"
	      "\n"
	      "Correlate every pair of genes within each cohort of a loaded study (log2 values;\n"
	      "Pearson or Spearman; n, r, p-value and BH q-value of the kept pairs) and compare\n"
	      "pairs of cohorts gene by gene (mean difference, Welch's t, Wilcoxon rank-sum,\n"
	      "BH q-values).  Kept: the top K pairs by |r| of each cohort and every pair with\n"
	      "|r| >= analysis.min_abs_r.  The rows replace those of the same cohorts and\n"
	      "method; the next load that changes the study replaces them with what\n"
	      "analysis.correlate_after_load and differential_after_load ask for.\n"
	      "\n"
	      "  --cohort-by DEF    cohorts: illness, none, or a sample field (field:NAME or\n"
	      "                     NAME); default: the definition the study was loaded with\n"
	      "  --cohort C         correlate cohort C only\n"
	      "  --method M         pearson or spearman (default: analysis.method)\n"
	      "  --top K            keep the K pairs with the largest |r| (default: analysis.top_k)\n"
	      "  --min-r R          and every pair with |r| >= R (default: analysis.min_abs_r)\n"
	      "  --genes FILE       only these genes: one gene id a line\n"
	      "  --compare A:B      compare cohort A with cohort B (repeatable; default:\n"
	      "                     analysis.compare, else each illness against CONTROL)\n"
	      "  --correlation-only, --differential-only   compute one of the two\n", out);
}

static int parse_long(const char *opt, const char *v, long *out, gx_err *err)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	if (!*v || *end || errno || *out < 0)
		return gx_err_set(err, GX_E_USAGE, "%s '%s' is not a non-negative integer", opt, v);
	return 0;
}

static int parse_r(const char *v, double *out, gx_err *err)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (!*v || *end || errno || !(*out >= 0) || *out > 2)
		return gx_err_set(err, GX_E_USAGE, "--min-r '%s' is not a number in [0, 2]", v);
	return 0;
}

/* Options into o; compare points into argv.  0 or GX_E_USAGE. */
static int parse(int argc, char **argv, gx_analyze_opts *o, char **compare, int *help,
                 gx_err *err)
{
	enum { O_BY = 256, O_COHORT, O_METHOD, O_TOP, O_MINR, O_GENES, O_COMPARE, O_CORR, O_DIFF };
	static const struct option longopts[] = {
		{ "cohort-by", required_argument, NULL, O_BY },
		{ "cohort", required_argument, NULL, O_COHORT },
		{ "method", required_argument, NULL, O_METHOD },
		{ "top", required_argument, NULL, O_TOP },
		{ "min-r", required_argument, NULL, O_MINR },
		{ "genes", required_argument, NULL, O_GENES },
		{ "compare", required_argument, NULL, O_COMPARE },
		{ "correlation-only", no_argument, NULL, O_CORR },
		{ "differential-only", no_argument, NULL, O_DIFF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_BY: o->cohort_by = optarg; break;
		case O_COHORT: o->cohort = optarg; break;
		case O_METHOD: o->method = optarg; break;
		case O_TOP:
			if ((rc = parse_long("--top", optarg, &o->top_k, err)))
				return rc;
			break;
		case O_MINR:
			if ((rc = parse_r(optarg, &o->min_abs_r, err)))
				return rc;
			break;
		case O_GENES: o->genes_file = optarg; break;
		case O_COMPARE: compare[o->n_compare++] = optarg; break;
		case O_CORR: o->differential = 0; break;
		case O_DIFF: o->correlate = 0; break;
		case 'h':
			*help = 1;
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (!o->correlate && !o->differential)
		return gx_err_set(err, GX_E_USAGE, "--correlation-only and --differential-only "
		                  "exclude each other");
	if (o->method && strcmp(o->method, "pearson") && strcmp(o->method, "spearman"))
		return gx_err_set(err, GX_E_USAGE, "--method '%s' is not pearson or spearman",
		                  o->method);
	if (optind >= argc)
		return gx_err_set(err, GX_E_USAGE, "no accession given");
	return 0;
}

int cmd_analyze(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	gx_analyze_opts o;
	char **compare = gx_calloc((size_t)argc + 1, sizeof(*compare));
	gx_sink *s = NULL;
	gx_err first;
	int i, rc, help = 0, failed = 0, applied = 0;

	if (!compare)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	memset(&o, 0, sizeof(o));
	o.correlate = o.differential = 1;
	o.top_k = -1;
	o.min_abs_r = NAN;
	o.compare = compare;
	gx_err_clear(&first);
	if ((rc = parse(argc, argv, &o, compare, &help, err)) || help) {
		if (help)
			usage(stdout);
		gx_free(compare);
		return rc;
	}
	if ((rc = gx_sink_open(ctx->cfg, "analyze", 0, &s, err)) ||
	    (rc = gx_migrate_apply(s, ctx->cfg->share_dir, &applied, err)))
		goto out;
	for (i = optind; i < argc; i++) {
		gx_analyze_result res;
		gx_err e;

		gx_err_clear(&e);
		if ((rc = gx_pipeline_analyze(s, ctx->cfg, argv[i], &o, &res, &e))) {
			if (!res.run_id) {
				gx_log_set_context(0, argv[i]);
				gx_log_err(GX_LOG_ERROR, NULL, &e);
				gx_log_set_context(0, NULL);
			}
			failed++;
			gx_cmd_keep_worst(&first, &e);
			if (e.code == GX_E_DB_LOST || e.code == GX_E_DB_CONNECT ||
			    e.code == GX_E_INTERRUPTED)
				break;
			continue;
		}
		if (!ctx->quiet)
			printf("%s: analyzed %zu cohort(s), %zu genes x %zu samples; %zu correlated: "
			       "%llu pairs kept of %llu tested; %zu comparison(s); %lld rows [run %ld, "
			       "%.2f s]\n", argv[i], res.n_cohorts, res.n_genes, res.n_samples,
			       res.correlated, (unsigned long long)res.pairs_kept,
			       (unsigned long long)res.pairs_tested, res.compared, (long long)res.rows,
			       res.run_id, res.seconds);
	}
	rc = 0;
	if (failed) {
		*err = first;
		ctx->reported = 1;
		rc = -(int)first.code;
	}
out:
	gx_sink_close(s);
	gx_free(compare);
	return rc;
}
