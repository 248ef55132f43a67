/*
 * report.c - `gxload report RUN_ID|ACCESSION [--format text|json]`: a run's quality
 * report.
 *
 * Everything is read from the meta tables (meta_etl_run, meta_data_validation_log,
 * meta_data_attrition, meta_etl_step, meta_etl_process_log, through load/queries.h):
 * the report is derived from
 * what the run stored, so the same document can be rebuilt at any time, and nothing is
 * written.  An accession names the study's latest run that did something (not
 * 'skipped'), or its latest run if all were skipped.  Text for people; JSON (one object,
 * docs/VALIDATION.md) for programs.
 */
#include "cmd/cmd.h"
#include "core/buf.h"
#include "load/queries.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef gx_run_report report;

static void usage(FILE *out)
{
	fputs("usage: gxload report RUN_ID|ACCESSION [--format text|json]\n"
	      "\n"
	      "Print a run's quality report: its status and counts, every validation check\n"
	      "(status, observed figure, threshold, message), the attrition with its reasons\n"
	      "and the time spent per step.  An accession reports the study's latest run that\n"
	      "was not skipped.  Read from the meta tables; nothing is written.\n"
	      "\n"
	      "  --format F     text (default) or json (one JSON object)\n", out);
}

static const char *nz(const char *s)
{
	return s ? s : "-";
}

static const char *cell(const gx_rows *r, size_t row, size_t col)
{
	return gx_rows_get(r, row, col);
}

/* PASS/WARN/FAIL counts and integrity errors */
static void tally(const report *r, long *pass, long *warn, long *fail, long *integrity)
{
	size_t i;

	*pass = *warn = *fail = *integrity = 0;
	for (i = 0; i < r->checks->nrows; i++) {
		const char *st = cell(r->checks, i, GX_RC_STATUS);
		if (!strcmp(st, "FAIL")) {
			(*fail)++;
			*integrity += !strcmp(cell(r->checks, i, GX_RC_KIND), "integrity");
		} else if (!strcmp(st, "WARN")) {
			(*warn)++;
		} else {
			(*pass)++;
		}
	}
}

/* attrition totals per unit */
static void attrition_totals(const report *r, long long *values, long long *samples)
{
	size_t i;

	*values = *samples = 0;
	for (i = 0; i < r->attr->nrows; i++) {
		long long n = atoll(cell(r->attr, i, GX_RA_N));
		if (!strcmp(cell(r->attr, i, GX_RA_UNIT), "value"))
			*values += n;
		else
			*samples += n;
	}
}

/* a stored double, short: "0.05" rather than "0.050000000000000003" */
static const char *short_num(const char *t, char buf[32])
{
	if (!t)
		return "-";
	snprintf(buf, 32, "%.6g", strtod(t, NULL));
	return buf;
}

static void print_text(const report *r)
{
	const gx_rows *run = r->run;
	const char *code = cell(run, 0, GX_RR_CODE), *dur = cell(run, 0, GX_RR_DURATION), *forced;
	long pass, warn, fail, integrity;
	long long av, as;
	char o[32], t[32];
	size_t i;

	tally(r, &pass, &warn, &fail, &integrity);
	attrition_totals(r, &av, &as);
	printf("run %s of %s: %s", cell(run, 0, GX_RR_ID), cell(run, 0, GX_RR_STUDY),
	       cell(run, 0, GX_RR_STATUS));
	if (code)
		printf(" [%s]", code);
	forced = cell(run, 0, GX_RR_FORCED);
	printf(" (%s mode%s)\n", nz(cell(run, 0, GX_RR_MODE)),
	       forced && !strcmp(forced, "1") ? ", forced" : "");
	printf("started     %s\nfinished    %s", nz(cell(run, 0, GX_RR_STARTED)),
	       nz(cell(run, 0, GX_RR_FINISHED)));
	if (dur)
		printf(" (%.3f s)", strtod(dur, NULL));
	printf("\n");
	if (cell(run, 0, GX_RR_MESSAGE))
		printf("message     %s\n", cell(run, 0, GX_RR_MESSAGE));
	if (cell(run, 0, GX_RR_RESUMED_FROM))
		printf("resumed     from chunk %s of an earlier run's checkpoint (%s values kept)\n",
		       cell(run, 0, GX_RR_RESUMED_FROM), nz(cell(run, 0, GX_RR_VALUES_RESUMED)));
	printf("\ncounts\n  rows inserted     %s\n  rows deleted      %s\n  samples changed   %s\n"
	       "  files skipped     %s\n", cell(run, 0, GX_RR_INSERTED), cell(run, 0, GX_RR_DELETED),
	       cell(run, 0, GX_RR_CHANGED), cell(run, 0, GX_RR_SKIPPED));
	printf("\nchecks: %zu (%ld PASS, %ld WARN, %ld FAIL); integrity errors: %ld\n",
	       r->checks->nrows, pass, warn, fail, integrity);
	if (!r->checks->nrows)
		printf("  none recorded%s\n", !strcmp(cell(run, 0, GX_RR_STATUS), "skipped") ?
		       ": the run was skipped (inputs unchanged since the last load)" : "");
	else
		printf("  %-6s %-10s %-26s %12s %12s  %s\n", "status", "kind", "check", "observed",
		       "threshold", "message");
	for (i = 0; i < r->checks->nrows; i++)
		printf("  %-6s %-10s %-26s %12s %12s  %s\n", cell(r->checks, i, GX_RC_STATUS),
		       cell(r->checks, i, GX_RC_KIND), cell(r->checks, i, GX_RC_NAME),
		       short_num(cell(r->checks, i, GX_RC_OBSERVED), o),
		       short_num(cell(r->checks, i, GX_RC_THRESHOLD), t),
		       nz(cell(r->checks, i, GX_RC_MESSAGE)));
	printf("\nattrition: %lld values, %lld samples\n", av, as);
	for (i = 0; i < r->attr->nrows; i++)
		printf("  %-26s %10s %-7s %s\n", cell(r->attr, i, GX_RA_REASON),
		       cell(r->attr, i, GX_RA_N), cell(r->attr, i, GX_RA_UNIT),
		       nz(cell(r->attr, i, GX_RA_MESSAGE)));
	if (r->steps->nrows || dur) {
		printf("\ntimings\n");
		for (i = 0; i < r->steps->nrows; i++)
			printf("  %-10s %9.3f s\n", cell(r->steps, i, GX_RS_STEP),
			       strtod(cell(r->steps, i, GX_RS_SECONDS), NULL));
		if (dur)
			printf("  %-10s %9.3f s\n", "total", strtod(dur, NULL));
	}
	if (r->msgs->nrows) {
		printf("\nmessages\n");
		for (i = 0; i < r->msgs->nrows; i++)
			printf("  %-7s %-9s %s\n", cell(r->msgs, i, GX_RM_LEVEL),
			       nz(cell(r->msgs, i, GX_RM_STEP)), cell(r->msgs, i, GX_RM_MESSAGE));
	}
}

/* JSON from result rows: each field names its key, its column and its type */
typedef struct jfield {
	const char *key;
	size_t col;
	char type;          /* 's' string, 'i' integer, 'r' real, 'b' boolean (0/1) */
} jfield;

static json_t *jvalue(const char *t, char type)
{
	if (!t)
		return type == 'b' ? json_false() : json_null();
	switch (type) {
	case 'i': return json_integer(atoll(t));
	case 'r': return json_real(strtod(t, NULL));
	case 'b': return json_boolean(!strcmp(t, "1"));
	default: return json_string(t);
	}
}

/* Set the fields of one row on 'obj' (a new object if NULL); returns obj. */
static json_t *jrow(json_t *obj, const gx_rows *r, size_t row, const jfield *f, size_t nf)
{
	size_t i;

	if (!obj)
		obj = json_object();
	for (i = 0; i < nf; i++)
		json_object_set_new(obj, f[i].key, jvalue(cell(r, row, f[i].col), f[i].type));
	return obj;
}

/* An array with one object per row. */
static json_t *jrows(const gx_rows *r, const jfield *f, size_t nf)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nrows; i++)
		json_array_append_new(a, jrow(NULL, r, i, f, nf));
	return a;
}

#define NF(a) (sizeof(a) / sizeof(a[0]))

static int print_json(const report *r, gx_err *err)
{
	static const jfield run_f[] = {
		{ "run_id", GX_RR_ID, 'i' }, { "study_accession", GX_RR_STUDY, 's' },
		{ "status", GX_RR_STATUS, 's' }, { "mode", GX_RR_MODE, 's' },
		{ "command", GX_RR_COMMAND, 's' },
		{ "forced", GX_RR_FORCED, 'b' }, { "gxload_version", GX_RR_VERSION, 's' },
		{ "started_at", GX_RR_STARTED, 's' }, { "finished_at", GX_RR_FINISHED, 's' },
		{ "duration_s", GX_RR_DURATION, 'r' }, { "resumed_from_chunk", GX_RR_RESUMED_FROM, 'i' },
	};
	static const jfield count_f[] = {
		{ "rows_inserted", GX_RR_INSERTED, 'i' }, { "rows_deleted", GX_RR_DELETED, 'i' },
		{ "samples_changed", GX_RR_CHANGED, 'i' }, { "files_skipped", GX_RR_SKIPPED, 'i' },
		{ "values_resumed", GX_RR_VALUES_RESUMED, 'i' },
	};
	static const jfield check_f[] = {
		{ "kind", GX_RC_KIND, 's' }, { "name", GX_RC_NAME, 's' },
		{ "status", GX_RC_STATUS, 's' }, { "observed", GX_RC_OBSERVED, 'r' },
		{ "threshold", GX_RC_THRESHOLD, 'r' }, { "message", GX_RC_MESSAGE, 's' },
	};
	static const jfield attr_f[] = {
		{ "reason", GX_RA_REASON, 's' }, { "unit", GX_RA_UNIT, 's' }, { "n", GX_RA_N, 'i' },
		{ "message", GX_RA_MESSAGE, 's' },
	};
	static const jfield msg_f[] = {
		{ "level", GX_RM_LEVEL, 's' }, { "step", GX_RM_STEP, 's' }, { "code", GX_RM_CODE, 'i' },
		{ "message", GX_RM_MESSAGE, 's' },
	};
	const gx_rows *run = r->run;
	json_t *root = jrow(NULL, run, 0, run_f, NF(run_f));
	json_t *summary = json_object(), *timings = json_object(), *error = json_null();
	long pass, warn, fail, integrity;
	long long av, as;
	char *text;
	size_t i;

	tally(r, &pass, &warn, &fail, &integrity);
	attrition_totals(r, &av, &as);
	if (cell(run, 0, GX_RR_CODE)) {
		gx_code code = (gx_code)atoi(cell(run, 0, GX_RR_CODE));
		error = json_object();
		json_object_set_new(error, "code", json_integer(code));
		json_object_set_new(error, "name", json_string(gx_code_name(code)));
		json_object_set_new(error, "message", jvalue(cell(run, 0, GX_RR_MESSAGE), 's'));
	}
	json_object_set_new(root, "error", error);
	json_object_set_new(root, "counts", jrow(NULL, run, 0, count_f, NF(count_f)));
	json_object_set_new(summary, "checks", json_integer((json_int_t)r->checks->nrows));
	json_object_set_new(summary, "pass", json_integer(pass));
	json_object_set_new(summary, "warn", json_integer(warn));
	json_object_set_new(summary, "fail", json_integer(fail));
	json_object_set_new(summary, "integrity_errors", json_integer(integrity));
	json_object_set_new(summary, "attrition_values", json_integer(av));
	json_object_set_new(summary, "attrition_samples", json_integer(as));
	json_object_set_new(root, "summary", summary);
	json_object_set_new(root, "checks", jrows(r->checks, check_f, NF(check_f)));
	json_object_set_new(root, "attrition", jrows(r->attr, attr_f, NF(attr_f)));
	for (i = 0; i < r->steps->nrows; i++)
		json_object_set_new(timings, cell(r->steps, i, GX_RS_STEP),
		                    jvalue(cell(r->steps, i, GX_RS_SECONDS), 'r'));
	json_object_set_new(timings, "total", jvalue(cell(run, 0, GX_RR_DURATION), 'r'));
	json_object_set_new(root, "timings", timings);
	json_object_set_new(root, "messages", jrows(r->msgs, msg_f, NF(msg_f)));
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!text)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	puts(text);
	free(text);
	return 0;
}

int cmd_report(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_FORMAT = 256 };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text";
	report r;
	gx_sink *s = NULL;
	long run_id = 0;
	int c, rc;

	memset(&r, 0, sizeof(r));
	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT: format = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return gx_err_set(err, GX_E_USAGE, "--format must be text or json, not '%s'", format);
	if (optind != argc - 1)
		return gx_err_set(err, GX_E_USAGE, "expected one RUN_ID or ACCESSION");
	if ((rc = gx_sink_open(ctx->cfg, "report", 1, &s, err)))
		return rc;
	if (!(rc = gx_report_find_run(s, argv[optind], &run_id, err)) &&
	    !(rc = gx_report_read(s, run_id, &r, err))) {
		if (!strcmp(format, "json"))
			rc = print_json(&r, err);
		else
			print_text(&r);
	}
	gx_run_report_free(&r);
	gx_sink_close(s);
	return rc;
}
