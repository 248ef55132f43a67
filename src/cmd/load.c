/*
 * load.c - `gxload load`: load studies by accession.
 *
 * Opens the database once, applies pending migrations (the schema must be current before
 * anything is loaded), then runs the pipeline for each accession in order.  A failed
 * study does not stop the others, except when the database itself is gone; the exit code
 * is that of the first failure.  On success one summary line per study goes to stdout
 * (nothing with -q).
 */
#include "cmd/cmd.h"
#include "analyze/cohort.h"
#include "analyze/feature_set.h"
#include "core/log.h"
#include "core/mem.h"
#include "load/migrate.h"
#include "pipeline.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: gxload load [--force] [--dry-run] [--cohort-by DEF] ACCESSION...\n"
	      "       gxload load [--force] [--dry-run] [--cohort-by DEF] --file PATH --study ACC\n"
	      "\n"
	      "Load each study <data_root>/ACCESSION/ (ACCESSION.tsv, metadata_ACCESSION.tsv,\n"
	      "optional aggregated_metadata.json and HDF5 matrices) into the database.\n"
	      "A study whose files are unchanged since its last successful load is skipped;\n"
	      "a changed matrix rewrites only new, changed and removed samples.\n"
	      "\n"
	      "  --force        reload everything, even if unchanged\n"
	      "  --dry-run      check the inputs and say what would be done; write nothing\n"
	      "  --file PATH    load one matrix file (TSV or HDF5) as the study named by --study\n"
	      "  --study ACC    the accession for --file\n"
	      "  --cohort-by DEF  group the samples into cohorts by DEF: illness (default:\n"
	      "                 analysis.cohort_by), none (the whole study), or a sample field:\n"
	      "                 a metadata column or an h5ad obs column (field:NAME or NAME)\n", out);
}

/*
 * The database a dry run reads, or NULL: a dry run writes nothing, so without a
 * database, or with one whose schema is not current, it judges the inputs against an
 * empty database.
 */
static gx_sink *dry_run_sink(gx_ctx *ctx)
{
	gx_migration_state *st = NULL;
	gx_sink *s = NULL;
	size_t n = 0, k;
	gx_err e;

	gx_err_clear(&e);
	if (gx_sink_open(ctx->cfg, "load", 1, &s, &e) == 0 &&
	    gx_migrate_status(s, ctx->cfg->share_dir, &st, &n, &e) == 0) {
		for (k = 0; k < n; k++)
			if (!st[k].db_checksum[0])
				break;
		if (k < n) {
			gx_sink_close(s);
			s = NULL;
		}
	} else {
		gx_sink_close(s);
		s = NULL;
	}
	gx_free(st);
	if (!s)
		gx_log(GX_LOG_INFO, "load", "dry run against an empty database (%s)",
		       e.code ? e.msg : "schema not migrated");
	return s;
}

int cmd_load(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_FORCE = 256, OPT_DRY, OPT_FILE, OPT_STUDY, OPT_COHORT_BY };
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "study", required_argument, NULL, OPT_STUDY },
		{ "cohort-by", required_argument, NULL, OPT_COHORT_BY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gx_load_opts opts;
	const char *study = NULL;
	gx_sink *s = NULL;
	gx_rulebook *rules = NULL;
	gx_feature_set *features = NULL;
	gx_cohort_def def;
	gx_err first;
	int c, i, rc, failed = 0;

	memset(&opts, 0, sizeof(opts));
	gx_err_clear(&first);
	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORCE: opts.force = 1; break;
		case OPT_DRY: opts.dry_run = 1; break;
		case OPT_FILE: opts.file = optarg; break;
		case OPT_STUDY: study = optarg; break;
		case OPT_COHORT_BY: opts.cohort_by = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if ((rc = gx_cmd_check_studies(argc, optind, opts.file, study, err)))
		return rc;
	opts.show_progress = ctx->show_progress;
	/* the rules label every sample: a bad rule file stops here, before any database work */
	if ((rc = gx_rulebook_load(ctx->cfg, &rules, err)))
		return rc;
	opts.rules = rules;
	/* so do the cohort definition and the features file */
	if ((rc = gx_cohort_def_parse(opts.cohort_by ? opts.cohort_by : ctx->cfg->cohort_by, &def,
	                              err))) {
		if (opts.cohort_by) { /* the command line's, not the config's */
			err->code = GX_E_USAGE;
			rc = -GX_E_USAGE;
		}
		goto out;
	}
	if ((rc = gx_feature_set_load(ctx->cfg->features, &features, err)))
		goto out;
	opts.features = features;

	if (opts.dry_run) {
		s = dry_run_sink(ctx);
	} else {
		if ((rc = gx_sink_open(ctx->cfg, "load", 0, &s, err)))
			goto out;
		int applied = 0;
		if ((rc = gx_migrate_apply(s, ctx->cfg->share_dir, &applied, err)))
			goto out;
		if (applied)
			gx_log(GX_LOG_INFO, "migrate", "applied %d migration(s)", applied);
	}
	for (i = opts.file ? 0 : optind; opts.file ? i < 1 : i < argc; i++) {
		const char *acc = opts.file ? study : argv[i];
		gx_load_result res;
		gx_err e;

		gx_err_clear(&e);
		rc = gx_pipeline_load(s, ctx->cfg, acc, &opts, &res, &e);
		if (rc) {
			if (!res.run_id) { /* not yet logged by the pipeline: say which study */
				gx_log_set_context(0, acc);
				gx_log_err(GX_LOG_ERROR, NULL, &e);
				gx_log_set_context(0, NULL);
			}
			if (!failed)
				first = e;
			failed++;
			if (e.code == GX_E_DB_LOST || e.code == GX_E_DB_CONNECT ||
			    e.code == GX_E_INTERRUPTED)
				break;
			continue;
		}
		if (ctx->quiet)
			continue;
		if (!strcmp(res.status, "skipped"))
			printf("%s: skipped (unchanged since the last load) [run %ld, %.2f s]\n", acc,
			       res.run_id, res.seconds);
		else if (!strcmp(res.status, "dry-run") && res.counts.files_skipped)
			printf("%s: dry run: unchanged since the last load: would skip\n", acc);
		else if (!strcmp(res.status, "dry-run"))
			printf("%s: dry run: would do a %s load of %ld samples\n", acc, res.mode,
			       res.n_samples);
		else
			printf("%s: %s (%s) %ld samples, %ld genes, %lld values (%s); %lld rows inserted, "
			       "%lld deleted, %ld samples changed [run %ld, %.2f s]\n", acc, res.status,
			       res.mode, res.n_samples, res.n_genes, (long long)res.n_values,
			       res.value_scale[0] ? res.value_scale : "-",
			       (long long)res.counts.rows_inserted, (long long)res.counts.rows_deleted,
			       res.counts.samples_changed, res.run_id, res.seconds);
	}
	rc = 0;
	if (failed) {
		*err = first;
		ctx->reported = 1;
		rc = -(int)first.code;
	}
out:
	gx_sink_close(s);
	gx_rulebook_free(rules);
	gx_feature_set_free(features);
	return rc;
}
