/*
 * load.c - `gxload load`: load studies by accession, or every study under the data root.
 *
 * Opens the database once (retrying a transient refusal, core/retry.h), applies pending
 * migrations (the schema must be current before anything is loaded), then runs the
 * pipeline for each study in order; the pipeline retries a run that meets a transient
 * error.  A failed study does not stop the others, except when the database itself is
 * gone or the run was interrupted; the exit code is the worst of the studies'
 * (gx_cmd_keep_worst).  One summary line per study goes to stdout (nothing with -q):
 * text, or with --json one JSON object per line.  After every run the metrics file is
 * rewritten (metrics.textfile, cmd/metrics.h).
 */
#include "cmd/cmd.h"
#include "analyze/cohort.h"
#include "analyze/feature_set.h"
#include "cmd/metrics.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/retry.h"
#include "extract/study.h"
#include "load/migrate.h"
#include "pipeline.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: gxload load [--force] [--dry-run] [--json] [--cohort-by DEF] ACCESSION...\n"
	      "       gxload load [--force] [--dry-run] [--json] [--cohort-by DEF] --all\n"
	      "       gxload load [--force] [--dry-run] [--json] [--cohort-by DEF] --file PATH\n"
	      "                   --study ACCESSION\n"
	      "\n"
	      "Load each study <data_root>/ACCESSION/ (ACCESSION.tsv, metadata_ACCESSION.tsv,\n"
	      "optional aggregated_metadata.json and HDF5 matrices) into the database.\n"
	      "A study whose files are unchanged since its last successful load is skipped;\n"
	      "a changed matrix rewrites only new, changed and removed samples.  A run that\n"
	      "meets a transient database error starts again (postgresql.retries).  On\n"
	      "PostgreSQL a full load of more than resume.min_values values commits in\n"
	      "chunks: after a kill, the next load of the same files goes on from the last\n"
	      "committed chunk.\n"
	      "\n"
	      "  --force        reload everything, even if unchanged\n"
	      "  --dry-run      check the inputs and say what would be done; write nothing\n"
	      "  --all          every study folder under the data root, in name order; one\n"
	      "                 line per study, failures included\n"
	      "  --json         the summary as one JSON object per study and line\n"
	      "  --file PATH    load one matrix file (TSV or HDF5) as the study named by --study\n"
	      "  --study ACC    the accession for --file\n"
	      "  --cohort-by DEF  group the samples into cohorts by DEF: illness (default:\n"
	      "                 analysis.cohort_by), none (the whole study), or a sample field:\n"
	      "                 a metadata column or an h5ad obs column (field:NAME or NAME)\n"
	      "\n"
	      "Exit code: the worst of the studies' (docs/CLI.md).\n", out);
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

/* Connect and migrate, starting again after a transient error (the server restarting,
 * too many connections) as a run does. */
static int open_migrated(gx_ctx *ctx, gx_sink **out, gx_err *err)
{
	const gx_config *cfg = ctx->cfg;
	int attempt, rc, applied = 0;

	for (attempt = 1;; attempt++) {
		gx_sink *s = NULL;
		double wait;
		if (!(rc = gx_sink_open(cfg, "load", 0, &s, err)) &&
		    !(rc = gx_migrate_apply(s, cfg->share_dir, &applied, err))) {
			if (applied)
				gx_log(GX_LOG_INFO, "migrate", "applied %d migration(s)", applied);
			*out = s;
			return 0;
		}
		gx_sink_close(s);
		if (attempt > cfg->pg_retries || !gx_err_transient(err))
			return rc;
		wait = gx_retry_delay(attempt, cfg->pg_retry_max_s);
		gx_retry_log(err, attempt, cfg->pg_retries + 1, wait);
		if ((rc = gx_retry_sleep(wait, err)))
			return rc;
	}
}

static json_t *jstr(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* One study's outcome as a JSON line (keys in docs/CLI.md, "load --json"). */
static void print_json(const char *acc, const gx_load_result *res, int rc, const gx_err *e)
{
	json_t *o = json_object(), *error = json_null();
	char *text;

	json_object_set_new(o, "study", json_string(acc));
	json_object_set_new(o, "status", json_string(res->status));
	json_object_set_new(o, "mode", json_string(res->mode));
	json_object_set_new(o, "run_id", res->run_id ? json_integer(res->run_id) : json_null());
	json_object_set_new(o, "attempts", json_integer(res->attempts));
	json_object_set_new(o, "samples", json_integer(res->n_samples));
	json_object_set_new(o, "genes", json_integer(res->n_genes));
	json_object_set_new(o, "values", json_integer(res->n_values));
	json_object_set_new(o, "value_scale", jstr(res->value_scale));
	json_object_set_new(o, "rows_inserted", json_integer(res->counts.rows_inserted));
	json_object_set_new(o, "rows_deleted", json_integer(res->counts.rows_deleted));
	json_object_set_new(o, "samples_changed", json_integer(res->counts.samples_changed));
	json_object_set_new(o, "seconds", json_real(res->seconds));
	json_object_set_new(o, "exit_code", json_integer(rc ? gx_err_exit_code(e) : 0));
	if (rc) {
		char msg[GX_ERR_MSG_MAX + 600];
		error = json_object();
		json_object_set_new(error, "code", json_integer(e->code));
		json_object_set_new(error, "name", json_string(gx_code_name(e->code)));
		json_object_set_new(error, "message", json_string(gx_err_format(e, msg, sizeof(msg))));
		json_object_set_new(error, "sqlstate", jstr(e->sqlstate));
	}
	json_object_set_new(o, "error", error);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (text)
		puts(text);
	free(text);
}

/* One study's outcome as a text line; a failure only with --all (the error itself is
 * on stderr). */
static void print_text(const char *acc, const gx_load_result *r, int rc, const gx_err *e,
                       int all)
{
	if (rc) {
		if (all)
			printf("%s: %s (error %d %s, exit %d) [run %ld, %.2f s]\n", acc, r->status,
			       (int)e->code, gx_code_name(e->code), gx_err_exit_code(e), r->run_id,
			       r->seconds);
	} else if (!strcmp(r->status, "skipped")) {
		printf("%s: skipped (unchanged since the last load) [run %ld, %.2f s]\n", acc,
		       r->run_id, r->seconds);
	} else if (!strcmp(r->status, "dry-run") && r->counts.files_skipped) {
		printf("%s: dry run: unchanged since the last load: would skip\n", acc);
	} else if (!strcmp(r->status, "dry-run")) {
		printf("%s: dry run: would do a %s load of %ld sample%s\n", acc, r->mode,
		       r->counts.samples_changed, r->counts.samples_changed == 1 ? "" : "s");
	} else {
		printf("%s: %s (%s) %ld samples, %ld genes, %lld values (%s); %lld rows inserted, "
		       "%lld deleted, %ld samples changed [run %ld, %.2f s]\n", acc, r->status,
		       r->mode, r->n_samples, r->n_genes, (long long)r->n_values,
		       r->value_scale[0] ? r->value_scale : "-", (long long)r->counts.rows_inserted,
		       (long long)r->counts.rows_deleted, r->counts.samples_changed, r->run_id,
		       r->seconds);
	}
}

/* The metrics file after a run; a failure to write it is the command's (exit 74 for a
 * full disk: the monitoring would otherwise go on showing the day before). */
static void write_metrics(gx_ctx *ctx, gx_sink *s, int *metrics_failed, gx_err *worst)
{
	gx_err e;

	if (!s || *metrics_failed || !gx_sink_alive(s))
		return;
	gx_err_clear(&e);
	if (gx_metrics_write(ctx->cfg, s, &e)) {
		gx_log_err(GX_LOG_ERROR, "metrics", &e);
		gx_cmd_keep_worst(worst, &e);
		*metrics_failed = 1;
	}
}

int cmd_load(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_FORCE = 256, OPT_DRY, OPT_FILE, OPT_STUDY, OPT_ALL, OPT_JSON, OPT_COHORT_BY };
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "study", required_argument, NULL, OPT_STUDY },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "json", no_argument, NULL, OPT_JSON },
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
	char **list = NULL;
	size_t nlist = 0, i;
	gx_err worst;
	int c, rc, all = 0, json = 0, metrics_failed = 0;

	memset(&opts, 0, sizeof(opts));
	gx_err_clear(&worst);
	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORCE: opts.force = 1; break;
		case OPT_DRY: opts.dry_run = 1; break;
		case OPT_FILE: opts.file = optarg; break;
		case OPT_STUDY: study = optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_COHORT_BY: opts.cohort_by = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (all && (opts.file || study || optind < argc))
		return gx_err_set(err, GX_E_USAGE, "--all takes no accession, --file or --study");
	if (!all && (rc = gx_cmd_check_studies(argc, optind, opts.file, study, err)))
		return rc;
	if (all && (rc = gx_study_list(ctx->cfg->data_root, &list, &nlist, err)))
		return rc;
	if (all && !nlist)
		gx_log(GX_LOG_WARNING, "load", "no study folder under the data root '%s'",
		       ctx->cfg->data_root);
	opts.show_progress = ctx->show_progress;
	/* the rules label every sample: a bad rule file stops here, before any database work */
	if ((rc = gx_rulebook_load(ctx->cfg, &rules, err)))
		goto out;
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

	if (opts.dry_run)
		s = dry_run_sink(ctx);
	else if ((rc = open_migrated(ctx, &s, err)))
		goto out;
	for (i = 0;; i++) {
		const char *acc = all ? (i < nlist ? list[i] : NULL)
		                : opts.file ? (i < 1 ? study : NULL)
		                : (optind + (int)i < argc ? argv[optind + (int)i] : NULL);
		gx_load_result res;
		gx_err e;

		if (!acc)
			break;
		gx_err_clear(&e);
		rc = gx_pipeline_load(s, ctx->cfg, acc, &opts, &res, &e);
		if (rc && !res.run_id) { /* not yet logged by the pipeline: say which study */
			gx_log_set_context(0, acc);
			gx_log_err(GX_LOG_ERROR, NULL, &e);
			gx_log_set_context(0, NULL);
		}
		if (json)
			print_json(acc, &res, rc, &e);
		else if (!ctx->quiet)
			print_text(acc, &res, rc, &e, all);
		fflush(stdout);
		if (!opts.dry_run)
			write_metrics(ctx, s, &metrics_failed, &worst);
		if (!rc)
			continue;
		gx_cmd_keep_worst(&worst, &e);
		if (e.code == GX_E_DB_LOST || e.code == GX_E_DB_CONNECT || e.code == GX_E_INTERRUPTED)
			break;
	}
	rc = 0;
	if (worst.code) {
		*err = worst;
		ctx->reported = 1;
		rc = -(int)worst.code;
	}
out:
	gx_sink_close(s);
	gx_rulebook_free(rules);
	gx_feature_set_free(features);
	gx_study_list_free(list, nlist);
	return rc;
}
