/*
 * drop.c - `gxload drop [--dry-run] [--json] ACCESSION...`: remove studies whole.
 *
 * Each study as one run: its lock (as a load takes it), a 'running' row in meta_etl_run
 * (command 'drop'), then one transaction that removes every row of the study
 * (load/ops.h: facts, cohort statistics, source files, samples, the study, and the rows
 * of any other table that names it) and marks the run succeeded, with the facts it
 * removed as rows_deleted and its samples as samples_changed.  Shared dimensions and
 * the run history stay.  A failure rolls back and is recorded; a transient one starts
 * the run again (core/retry.h), as a load does.  --dry-run counts what would go, under
 * the lock, and records nothing.
 * Does not: touch the study's files (the next load loads it afresh).
 */
#include "cmd/cmd.h"
#include "cmd/metrics.h"
#include "core/log.h"
#include "core/retry.h"
#include "core/testhook.h"
#include "extract/study.h"
#include "load/meta.h"
#include "load/migrate.h"
#include "load/ops.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct drop_res {
	long run_id;
	int attempts;
	double seconds;
	gx_drop_counts c;
} drop_res;

/* Record a failed run (on a new session if the failure lost the old one); log it. */
static void record_failure(gx_sink *s, long run_id, const gx_err *err)
{
	gx_err e2;

	gx_err_clear(&e2);
	if (!gx_sink_alive(s) && gx_sink_reconnect(s, &e2)) {
		gx_log(GX_LOG_WARNING, "meta", "cannot record the run's failure (%s); the next run "
		       "of the study marks it aborted", e2.msg);
		return;
	}
	if (gx_meta_run_finish(s, run_id, err->code == GX_E_INTERRUPTED ? "aborted" : "failed",
	                       "drop", NULL, err, &e2))
		gx_log_err(GX_LOG_WARNING, "meta", &e2);
}

/* The run's body, under the study's lock and with its run row. */
static int drop_tx(gx_sink *s, const char *acc, long run_id, drop_res *r, int dry_run,
                   gx_err *err)
{
	gx_run_counts counts;
	int rc;

	if ((rc = gx_sink_begin(s, err)) || (rc = gx_ops_drop(s, acc, dry_run, &r->c, err)))
		return rc;
	if (dry_run) {
		gx_sink_rollback(s);
		return 0;
	}
	memset(&counts, 0, sizeof(counts));
	counts.rows_deleted = r->c.values;
	counts.samples_changed = (long)r->c.samples;
	gx_test_point("dropped");
	if ((rc = gx_meta_run_finish(s, run_id, "succeeded", "drop", &counts, NULL, err)))
		return rc;
	return gx_sink_commit(s, err);
}

/* One attempt; *retry_in >= 0 when a transient failure leaves attempts to make. */
static int drop_once(const gx_config *cfg, gx_sink *s, const char *acc, int dry_run,
                     int attempt, drop_res *r, double *retry_in, gx_err *err)
{
	gx_study_lock lock;
	gx_run_log *rlog = NULL;
	double t0 = gx_mono();
	long stale = 0;
	int rc;

	memset(&lock, 0, sizeof(lock));
	gx_drop_counts_release(&r->c);
	r->run_id = 0;
	*retry_in = -1;
	gx_log_set_context(0, acc);
	if ((!gx_sink_alive(s) && (rc = gx_sink_reconnect(s, err))) ||
	    (rc = gx_accession_check(acc, err)) ||
	    (rc = gx_study_lock_acquire(&lock, s, cfg, acc, err)))
		goto out;
	if (!dry_run) {
		if ((rc = gx_meta_run_start(s, acc, "drop", 0, 0, &r->run_id, err)) ||
		    (attempt > 1 && (rc = gx_meta_run_attempt(s, r->run_id, attempt, err))))
			goto out;
		gx_sink_set_run(s, r->run_id, NULL);
		gx_log_set_context(r->run_id, acc);
		if ((rlog = gx_run_log_new()) != NULL)
			gx_log_set_hook(gx_run_log_hook, rlog);
		if ((rc = gx_meta_repair_stale(s, acc, r->run_id, &stale, err)))
			goto out;
	}
	rc = drop_tx(s, acc, r->run_id, r, dry_run, err);
out:
	if (rc) {
		gx_sink_rollback(s);
		if (attempt <= cfg->pg_retries && gx_err_transient(err))
			*retry_in = gx_retry_delay(attempt, cfg->pg_retry_max_s);
		if (*retry_in >= 0)
			gx_retry_log(err, attempt, cfg->pg_retries + 1, *retry_in);
		else
			gx_log_err(GX_LOG_ERROR, "drop", err);
		if (r->run_id)
			record_failure(s, r->run_id, err);
	}
	gx_log_set_hook(NULL, NULL);
	if (rlog && r->run_id && gx_sink_alive(s)) {
		gx_err e2;
		gx_err_clear(&e2);
		if (gx_run_log_flush(rlog, s, r->run_id, &e2))
			gx_log_err(GX_LOG_WARNING, "meta", &e2);
	}
	gx_run_log_free(rlog);
	gx_study_lock_release(&lock);
	gx_log_set_context(0, NULL);
	r->seconds = gx_mono() - t0;
	return rc;
}

static void print_rows(const drop_res *r)
{
	size_t i;

	for (i = 0; i < r->c.n; i++)
		printf("%s%s %lld", i ? ", " : "", r->c.tables[i].table,
		       (long long)r->c.tables[i].rows);
}

static void print_result(const char *acc, const drop_res *r, int dry_run, int json)
{
	size_t i;

	if (json) {
		json_t *o = json_object(), *t = json_object();
		char *text;
		for (i = 0; i < r->c.n; i++)
			json_object_set_new(t, r->c.tables[i].table, json_integer(r->c.tables[i].rows));
		json_object_set_new(o, "study", json_string(acc));
		json_object_set_new(o, "status", json_string(dry_run ? "dry-run" : "dropped"));
		json_object_set_new(o, "run_id", r->run_id ? json_integer(r->run_id) : json_null());
		json_object_set_new(o, "attempts", json_integer(r->attempts));
		json_object_set_new(o, "samples", json_integer(r->c.samples));
		json_object_set_new(o, "values", json_integer(r->c.values));
		json_object_set_new(o, "rows", t);
		json_object_set_new(o, "seconds", json_real(r->seconds));
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		json_decref(o);
		if (text)
			puts(text);
		free(text);
		return;
	}
	printf("%s: %s %lld samples and %lld values (", acc, dry_run ? "dry run: would drop" :
	       "dropped", (long long)r->c.samples, (long long)r->c.values);
	print_rows(r);
	if (dry_run)
		printf(")\n");
	else
		printf(") [run %ld, %.2f s]\n", r->run_id, r->seconds);
}

int cmd_drop(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_DRY = 256, OPT_JSON };
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gx_sink *s = NULL;
	gx_err worst;
	int c, i, rc, dry_run = 0, json = 0, applied = 0, metrics_failed = 0;

	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DRY: dry_run = 1; break;
		case OPT_JSON: json = 1; break;
		case 'h':
			puts("usage: gxload drop [--dry-run] [--json] ACCESSION...\n\n"
			     "Remove each study from the database in one transaction: its facts, cohort\n"
			     "statistics, source files, samples and study row, and its rows of any other\n"
			     "table.  Shared genes, illnesses and platforms and the run history stay.\n"
			     "Takes the study's lock and is recorded as a run (command 'drop').\n\n"
			     "  --dry-run   say what would go, per table; write nothing\n"
			     "  --json      one JSON object per study and line");
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (optind >= argc)
		return gx_err_set(err, GX_E_USAGE, "no accession given");
	if ((rc = gx_sink_open(ctx->cfg, "drop", 1, &s, err)) ||
	    (!dry_run && (rc = gx_migrate_apply(s, ctx->cfg->share_dir, &applied, err)))) {
		gx_sink_close(s);
		return rc;
	}
	gx_err_clear(&worst);
	for (i = optind; i < argc; i++) {
		drop_res r;
		double wait;
		gx_err e;
		memset(&r, 0, sizeof(r));
		gx_err_clear(&e);
		for (r.attempts = 1;; r.attempts++) {
			rc = drop_once(ctx->cfg, s, argv[i], dry_run, r.attempts, &r, &wait, &e);
			if (!rc || wait < 0)
				break;
			if ((rc = gx_retry_sleep(wait, &e))) {
				gx_log_err(GX_LOG_ERROR, "retry", &e); /* the attempt before was logged */
				break;
			}
		}
		if (!rc && (json || !ctx->quiet))
			print_result(argv[i], &r, dry_run, json);
		gx_drop_counts_release(&r.c);
		if (!dry_run && gx_sink_alive(s) && !metrics_failed) {
			gx_err me;
			gx_err_clear(&me);
			if ((metrics_failed = gx_metrics_write(ctx->cfg, s, &me) != 0)) {
				gx_log_err(GX_LOG_ERROR, "metrics", &me);
				gx_cmd_keep_worst(&worst, &me);
			}
		}
		if (rc) {
			gx_cmd_keep_worst(&worst, &e);
			if (e.code == GX_E_DB_LOST || e.code == GX_E_INTERRUPTED)
				break;
		}
	}
	gx_sink_close(s);
	if (worst.code) {
		*err = worst;
		ctx->reported = 1;
		return -(int)worst.code;
	}
	return 0;
}
