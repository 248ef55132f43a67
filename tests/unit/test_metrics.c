/* test_metrics.c - the Prometheus text of the metrics file: times, escaping, families. */
#include "cmd/metrics.h"
#include "core/mem.h"
#include "load/ops.h"
#include "tap.h"

#include <stdlib.h>

/* one overview row (gx_ops_overview's columns) for study 'acc' */
static gx_rows *one_row(const char *acc, const char *status, const char *code)
{
	gx_rows *r = gx_calloc(1, sizeof(*r));
	size_t c;

	r->nrows = 1;
	r->ncols = GX_OV_WARN + 1;
	r->names = gx_calloc(r->ncols, sizeof(char *));
	r->cells = gx_calloc(r->ncols, sizeof(char *));
	for (c = 0; c < r->ncols; c++)
		r->names[c] = gx_strdup("c");
	r->cells[GX_OV_STUDY] = gx_strdup(acc);
	r->cells[GX_OV_LOADED] = gx_strdup("1");
	r->cells[GX_OV_SAMPLES] = gx_strdup("5");
	r->cells[GX_OV_VALUES] = gx_strdup("150");
	r->cells[GX_OV_STATUS] = gx_strdup(status);
	r->cells[GX_OV_STARTED] = gx_strdup("2026-01-02T03:04:05.000Z");
	r->cells[GX_OV_FINISHED] = gx_strdup("2026-01-02T03:04:07.250Z");
	r->cells[GX_OV_INSERTED] = gx_strdup("150");
	r->cells[GX_OV_DELETED] = gx_strdup("30");
	r->cells[GX_OV_CHANGED] = gx_strdup("1");
	r->cells[GX_OV_ATTEMPT] = gx_strdup("2");
	r->cells[GX_OV_CODE] = code ? gx_strdup(code) : NULL;
	r->cells[GX_OV_FAIL] = gx_strdup("0");
	r->cells[GX_OV_WARN] = gx_strdup("3");
	return r;
}

static int has(const char *text, const char *line)
{
	return strstr(text, line) != NULL;
}

int main(void)
{
	gx_rows *r;
	char *t = NULL;
	gx_err e;

	gx_err_clear(&e);
	is_double(gx_metrics_epoch("1970-01-01T00:00:01.500Z"), 1.5, "epoch of an ISO time");
	is_double(gx_metrics_epoch("2026-01-02T03:04:05.000Z"), 1767323045.0, "a 2026 time");
	is_double(gx_metrics_epoch(NULL), 0.0, "NULL: 0");
	is_double(gx_metrics_epoch("2026-01-02 03:04:05+00"), 0.0, "PostgreSQL's text form: not ISO, 0");
	is_double(gx_metrics_epoch("2026-01-02T03:04:05.000Zjunk"), 0.0, "trailing text: 0");

	r = one_row("GSE1\"a\\b", "succeeded", NULL);
	is_int(gx_metrics_format(r, 1000.5, &t, &e), 0, "format");
	ok(has(t, "gxload_metrics_timestamp_seconds 1000.500\n"), "the file's own time");
	ok(has(t, "gxload_studies 1\n"), "the number of studies");
	ok(has(t, "gxload_study_last_run_status{study=\"GSE1\\\"a\\\\b\",status=\"succeeded\"} 1\n"),
	   "a label value with a quote and a backslash is escaped");
	ok(has(t, "status=\"failed\"} 0\n"), "the other states are 0");
	ok(has(t, "gxload_study_last_run_duration_seconds{study=\"GSE1\\\"a\\\\b\"} 2.25\n"),
	   "the duration is finished - started");
	ok(has(t, "gxload_study_last_run_timestamp_seconds{study=\"GSE1\\\"a\\\\b\"} 1767323047.25\n"),
	   "the last run's time is its end");
	ok(has(t, "_last_success_timestamp_seconds{study=\"GSE1\\\"a\\\\b\"} 0\n"), "no success: 0");
	ok(has(t, "gxload_study_last_run_error_code{study=\"GSE1\\\"a\\\\b\"} 0\n"), "no error: 0");
	ok(has(t, "gxload_study_validation_checks{study=\"GSE1\\\"a\\\\b\",status=\"WARN\"} 3\n"),
	   "the WARN checks");
	ok(has(t, "gxload_study_last_run_attempt{study=\"GSE1\\\"a\\\\b\"} 2\n"), "the attempt");
	ok(has(t, "# TYPE gxload_study_values gauge\n"), "every family has its TYPE");
	gx_free(t);
	gx_rows_free(r);

	r = one_row("GSE2", "running", "4003");
	gx_free(r->cells[GX_OV_FINISHED]);
	r->cells[GX_OV_FINISHED] = NULL;
	is_int(gx_metrics_format(r, 0, &t, &e), 0, "format a running study");
	ok(has(t, "gxload_study_last_run_timestamp_seconds{study=\"GSE2\"} 1767323045\n"),
	   "a running run: its start");
	ok(has(t, "gxload_study_last_run_duration_seconds{study=\"GSE2\"} 0\n"), "and no duration yet");
	ok(has(t, "gxload_study_last_run_error_code{study=\"GSE2\"} 4003\n"), "the error code");
	gx_free(t);
	gx_rows_free(r);
	return tap_done();
}
