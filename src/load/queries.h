/*
 * queries.h - the read-only queries behind `gxload status`, `gxload report` and
 * `gxload rules explain`.
 *
 * Each returns its rows as text (gx_rows, NULL cells = SQL NULL) with the columns named
 * by the enum next to it, so that the commands print them without knowing the schema.
 * Nothing here writes.  Results are owned by the caller (gx_rows_free).
 */
#ifndef GX_QUERIES_H
#define GX_QUERIES_H

#include "core/err.h"
#include "load/sink.h"

/* ---- status ---- */

/* One row per study that was loaded or attempted, with its latest run, by accession.
 * Cells are text; counts a study does not have are "-". */
enum {
	GX_SO_STUDY, GX_SO_SAMPLES, GX_SO_GENES, GX_SO_VALUES, GX_SO_RUN, GX_SO_STATUS,
	GX_SO_MODE, GX_SO_FINISHED, GX_SO_MESSAGE
};
int gx_status_studies(gx_sink *s, gx_rows **out, gx_err *err);

/* The study's dim_study row (no row if it is not loaded). */
enum {
	GX_SD_KEY, GX_SD_TITLE, GX_SD_TECHNOLOGY, GX_SD_ORGANISM, GX_SD_SOURCE, GX_SD_SCALE,
	GX_SD_SAMPLES, GX_SD_GENES, GX_SD_VALUES, GX_SD_UPDATED
};
int gx_status_study(gx_sink *s, const char *accession, gx_rows **out, gx_err *err);

/* The study's last ten runs, newest first. */
enum {
	GX_SR_RUN, GX_SR_STATUS, GX_SR_MODE, GX_SR_STARTED, GX_SR_INSERTED, GX_SR_DELETED,
	GX_SR_CHANGED, GX_SR_CODE, GX_SR_MESSAGE, GX_SR_RESUMED_FROM, GX_SR_VALUES_RESUMED
};
int gx_status_runs(gx_sink *s, const char *accession, gx_rows **out, gx_err *err);

/* The source files recorded for study_key (text, as GX_SD_KEY gives it), by role and
 * path. */
enum { GX_SF_PATH, GX_SF_ROLE, GX_SF_SIZE, GX_SF_HASH, GX_SF_MTIME };
int gx_status_files(gx_sink *s, const char *study_key, gx_rows **out, gx_err *err);

/* ---- report ---- */

/* The run a RUN_ID|ACCESSION argument names: a number is a run id; an accession names
 * the study's latest run that was not 'skipped', else its latest.  GX_E_NO_STUDY when
 * there is none. */
int gx_report_find_run(gx_sink *s, const char *arg, long *run_id, gx_err *err);

/* A run's report, as stored in the meta tables. */
typedef struct gx_run_report {
	gx_rows *run;       /* one row, GX_RR_* columns; timestamps as ISO-8601 UTC text */
	gx_rows *checks;    /* GX_RC_*, in the order they were written */
	gx_rows *attr;      /* GX_RA_* */
	gx_rows *steps;     /* GX_RS_*: prepare, load, validate, then others */
	gx_rows *msgs;      /* GX_RM_*: the run's warnings and errors */
} gx_run_report;

enum {
	GX_RR_ID, GX_RR_STUDY, GX_RR_STATUS, GX_RR_MODE, GX_RR_COMMAND, GX_RR_FORCED,
	GX_RR_STARTED, GX_RR_FINISHED, GX_RR_DURATION, GX_RR_INSERTED, GX_RR_DELETED,
	GX_RR_CHANGED, GX_RR_SKIPPED, GX_RR_CODE, GX_RR_MESSAGE, GX_RR_VERSION,
	GX_RR_RESUMED_FROM, GX_RR_VALUES_RESUMED
};
enum { GX_RC_KIND, GX_RC_NAME, GX_RC_STATUS, GX_RC_OBSERVED, GX_RC_THRESHOLD, GX_RC_MESSAGE };
enum { GX_RA_REASON, GX_RA_UNIT, GX_RA_N, GX_RA_MESSAGE };
enum { GX_RS_STEP, GX_RS_SECONDS };
enum { GX_RM_LEVEL, GX_RM_STEP, GX_RM_CODE, GX_RM_MESSAGE };

/* Read run_id's report into *r (zeroed first; free with gx_run_report_free even on
 * failure). */
int gx_report_read(gx_sink *s, long run_id, gx_run_report *r, gx_err *err);
void gx_run_report_free(gx_run_report *r);

/* ---- rules explain ---- */

/* Every sample of a loaded study, by accession: its stored metadata (JSON) and what the
 * last load labelled it with, the label's evidence chain included (JSON text, NULL for
 * a sample labelled before migration 0006).  No rows: the study has no samples. */
enum {
	GX_EX_SAMPLE, GX_EX_METADATA, GX_EX_ILLNESS, GX_EX_SOURCE, GX_EX_RULE, GX_EX_FIELD,
	GX_EX_MATCHED, GX_EX_PLATFORM, GX_EX_EVIDENCE
};
int gx_explain_samples(gx_sink *s, const char *accession, gx_rows **out, gx_err *err);

/* The accessions of every study with samples, sorted (`rules explain --changed`). */
int gx_explain_studies(gx_sink *s, gx_rows **out, gx_err *err);

#endif
