/*
 * ops.h - the operators' statements: every study with its latest run (status --json,
 * the metrics file), the loaded studies (gxload studies), and a study dropped whole
 * (gxload drop).
 *
 * Results are text rows (gx_rows, NULL cells = SQL NULL; free with gx_rows_free) with
 * the columns named by the enum next to each, timestamps as ISO-8601 UTC text on both
 * backends.  Only gx_ops_drop writes, inside the caller's transaction.
 */
#ifndef GX_OPS_H
#define GX_OPS_H

#include "core/err.h"
#include "load/sink.h"

#include <stdint.h>

/*
 * One row per study with its latest run, by accession: with accession NULL, every
 * study that has a run, but those not loaded whose latest run is a drop (dropped, or
 * never loaded); else that one study
 * (no row: it has no run).  GX_OV_LOADED is "1" when dim_study has the study (its
 * counts are NULL otherwise); LAST_SUCCESS is the end of its latest succeeded or skipped
 * load; FAIL and WARN count the checks of its latest run that was not skipped.
 */
enum {
	GX_OV_STUDY, GX_OV_LOADED, GX_OV_SAMPLES, GX_OV_GENES, GX_OV_VALUES, GX_OV_SCALE,
	GX_OV_UPDATED, GX_OV_RUN, GX_OV_STATUS, GX_OV_MODE, GX_OV_COMMAND, GX_OV_STARTED,
	GX_OV_FINISHED, GX_OV_INSERTED, GX_OV_DELETED, GX_OV_CHANGED, GX_OV_CODE,
	GX_OV_SQLSTATE, GX_OV_MESSAGE, GX_OV_ATTEMPT, GX_OV_LAST_SUCCESS, GX_OV_FAIL, GX_OV_WARN,
	GX_OV_RESUMED_FROM, GX_OV_VALUES_RESUMED
};
int gx_ops_overview(gx_sink *s, const char *accession, gx_rows **out, gx_err *err);

/* The loaded studies (dim_study), by accession, with their size. */
enum { GX_ST_STUDY, GX_ST_SAMPLES, GX_ST_GENES, GX_ST_VALUES, GX_ST_SCALE, GX_ST_UPDATED };
int gx_ops_studies(gx_sink *s, gx_rows **out, gx_err *err);

/* What a drop removed (or would remove): rows per table, and the study's samples and
 * values among them. */
typedef struct gx_drop_rows {
	char table[64];
	int64_t rows;
} gx_drop_rows;

typedef struct gx_drop_counts {
	gx_drop_rows *tables;   /* tables with rows of the study, by name */
	size_t n;
	int64_t samples;        /* dim_sample rows */
	int64_t values;         /* fact_gene_expression rows */
} gx_drop_counts;

/*
 * Remove every row that belongs to study 'accession', inside the caller's transaction:
 * its facts (PostgreSQL: its partition, dropped), cohort statistics, source files,
 * samples and its dim_study row - and the rows of any other table of gxload's schema
 * that names the study by study_key, or one of its samples by sample_key, so that tables
 * added by later migrations go too.  Kept: shared dimensions (genes, illnesses,
 * platforms) and the run history (meta_etl_run and what hangs off it, by accession).
 * dry_run: count only.  GX_E_NO_STUDY when the study is not loaded.  *out is filled
 * (release with gx_drop_counts_release, also after a failure).
 */
int gx_ops_drop(gx_sink *s, const char *accession, int dry_run, gx_drop_counts *out,
                gx_err *err);
void gx_drop_counts_release(gx_drop_counts *c);

#endif
