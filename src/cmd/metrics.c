/*
 * metrics.c - the Prometheus text file (see metrics.h).
 *
 * One family per figure, each with its HELP and TYPE lines and one sample per study
 * (label study="ACC"); the run's status as a state set (one sample per status, 1 for the
 * study's).  Everything is a gauge: a file describes the database as it is now, not a
 * count since some start.  Studies that never succeeded have last_success 0, so that
 * "time() - gxload_study_last_success_timestamp_seconds > 86400" alerts on them too.
 */
#include "cmd/metrics.h"
#include "core/atomic.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "load/ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const statuses[] = { "succeeded", "skipped", "failed", "aborted",
                                        "running", NULL };

enum fig {
	F_STATUS, F_LAST_RUN, F_LAST_SUCCESS, F_DURATION, F_INSERTED, F_DELETED, F_CHANGED,
	F_ATTEMPT, F_ERROR, F_CHECKS, F_SAMPLES, F_VALUES
};

static const struct {
	enum fig fig;
	const char *name, *help;
} families[] = {
	{ F_STATUS, "gxload_study_last_run_status",
	  "Status of the study's latest run: 1 for its status, 0 for the others." },
	{ F_LAST_RUN, "gxload_study_last_run_timestamp_seconds",
	  "When the study's latest run ended (started, while it runs)." },
	{ F_LAST_SUCCESS, "gxload_study_last_success_timestamp_seconds",
	  "When the study's latest succeeded or skipped load ended; 0 if none did." },
	{ F_DURATION, "gxload_study_last_run_duration_seconds",
	  "How long the study's latest run took (0 while it runs)." },
	{ F_INSERTED, "gxload_study_last_run_rows_inserted",
	  "Fact rows the study's latest run inserted." },
	{ F_DELETED, "gxload_study_last_run_rows_deleted",
	  "Fact rows the study's latest run deleted." },
	{ F_CHANGED, "gxload_study_last_run_samples_changed",
	  "Samples the study's latest run changed." },
	{ F_ATTEMPT, "gxload_study_last_run_attempt",
	  "Attempt number of the study's latest run (above 1 after transient errors)." },
	{ F_ERROR, "gxload_study_last_run_error_code",
	  "gxload error code of the study's latest run (docs/CLI.md); 0 if none." },
	{ F_CHECKS, "gxload_study_validation_checks",
	  "Validation checks of the study's latest judged run, by status (FAIL, WARN)." },
	{ F_SAMPLES, "gxload_study_samples", "Samples of the study as loaded (0 if not loaded)." },
	{ F_VALUES, "gxload_study_values", "Values (facts) of the study as loaded (0 if not loaded)." },
};

double gx_metrics_epoch(const char *iso)
{
	struct tm tm;
	double sec = 0;
	int n = 0;

	if (!iso)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%lfZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &sec, &n) != 6 || n == 0 || iso[n] != '\0')
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = 0;
	return (double)timegm(&tm) + sec;
}

/* a label value, escaped as the text format wants: backslash, quote, newline; -1 when
 * out of memory */
static int label(gx_buf *b, const char *v)
{
	int bad = 0;

	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			bad |= gx_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			bad |= gx_buf_puts(b, "\\n");
		else
			bad |= gx_buf_putc(b, *v);
	}
	return bad;
}

static double num(const char *v)
{
	return v ? strtod(v, NULL) : 0;
}

/* the samples of one family for study row i; -1 when out of memory */
static int study_samples(gx_buf *b, const char *name, enum fig f, const gx_rows *r, size_t i)
{
	const char *study = gx_rows_get(r, i, GX_OV_STUDY);
	double started = gx_metrics_epoch(gx_rows_get(r, i, GX_OV_STARTED));
	double finished = gx_metrics_epoch(gx_rows_get(r, i, GX_OV_FINISHED));
	double v = 0;
	size_t k;
	int bad = 0;

	if (f == F_STATUS || f == F_CHECKS) {
		static const char *const checks[] = { "FAIL", "WARN", NULL };
		const char *const *set = f == F_STATUS ? statuses : checks;
		for (k = 0; set[k]; k++) {
			bad |= gx_buf_printf(b, "%s{study=\"", name) | label(b, study);
			if (f == F_STATUS)
				v = !strcmp(set[k], gx_rows_get(r, i, GX_OV_STATUS));
			else
				v = num(gx_rows_get(r, i, k == 0 ? GX_OV_FAIL : GX_OV_WARN));
			bad |= gx_buf_printf(b, "\",status=\"%s\"} %.17g\n", set[k], v);
		}
		return bad;
	}
	switch (f) {
	case F_LAST_RUN: v = finished > 0 ? finished : started; break;
	case F_LAST_SUCCESS: v = gx_metrics_epoch(gx_rows_get(r, i, GX_OV_LAST_SUCCESS)); break;
	case F_DURATION: v = finished > started ? finished - started : 0; break;
	case F_INSERTED: v = num(gx_rows_get(r, i, GX_OV_INSERTED)); break;
	case F_DELETED: v = num(gx_rows_get(r, i, GX_OV_DELETED)); break;
	case F_CHANGED: v = num(gx_rows_get(r, i, GX_OV_CHANGED)); break;
	case F_ATTEMPT: v = num(gx_rows_get(r, i, GX_OV_ATTEMPT)); break;
	case F_ERROR: v = num(gx_rows_get(r, i, GX_OV_CODE)); break;
	case F_SAMPLES: v = num(gx_rows_get(r, i, GX_OV_SAMPLES)); break;
	case F_VALUES: v = num(gx_rows_get(r, i, GX_OV_VALUES)); break;
	default: break;
	}
	return gx_buf_printf(b, "%s{study=\"", name) | label(b, study) |
	       gx_buf_printf(b, "\"} %.17g\n", v);
}

int gx_metrics_format(const gx_rows *r, double now, char **out, gx_err *err)
{
	gx_buf b = { 0 };
	size_t f, i;
	int bad;

	*out = NULL;
	bad = gx_buf_printf(&b, "# HELP gxload_metrics_timestamp_seconds When gxload wrote this file.\n"
	              "# TYPE gxload_metrics_timestamp_seconds gauge\n"
	              "gxload_metrics_timestamp_seconds %.3f\n"
	              "# HELP gxload_studies Studies with a run in the database (not dropped).\n"
	              "# TYPE gxload_studies gauge\ngxload_studies %zu\n", now, r->nrows);
	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		bad |= gx_buf_printf(&b, "# HELP %s %s\n# TYPE %s gauge\n", families[f].name,
		                     families[f].help, families[f].name);
		for (i = 0; i < r->nrows; i++)
			bad |= study_samples(&b, families[f].name, families[f].fig, r, i);
	}
	if (bad || !(*out = gx_buf_steal(&b))) {
		gx_buf_release(&b);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	return 0;
}

int gx_metrics_write(const gx_config *cfg, gx_sink *s, gx_err *err)
{
	gx_rows *r = NULL;
	char *text = NULL;
	int rc;

	if (!cfg->metrics_textfile || !cfg->metrics_textfile[0])
		return 0;
	if (!(rc = gx_ops_overview(s, NULL, &r, err)) &&
	    !(rc = gx_metrics_format(r, gx_now(), &text, err)))
		rc = gx_file_write_atomic(cfg->metrics_textfile, text, strlen(text), err);
	if (rc)
		gx_err_prefix(err, "metrics.textfile not written");
	gx_free(text);
	gx_rows_free(r);
	return rc;
}
