/*
 * meta.h - the run ledger: meta_etl_run, meta_etl_process_log, meta_source_file, and
 * what a run's validation decided (meta_data_validation_log, meta_data_attrition,
 * meta_etl_step).
 *
 * A run's row is inserted as 'running' in its own transaction before any work, so even a
 * killed run leaves a trace; it is finished in the load transaction itself on success
 * (data and "succeeded" commit together) and in a separate transaction on failure.
 * Log messages are collected in memory while the run's transaction is open and written
 * when it has ended (meta_etl_process_log rows must survive a rollback).  A later run of
 * the same study, holding the study's lock, marks rows still 'running' as 'aborted'.
 */
#ifndef GX_META_H
#define GX_META_H

#include "core/log.h"
#include "core/records.h"
#include "load/sink.h"

#include <stdint.h>

typedef struct gx_run_counts {
	int64_t rows_inserted;
	int64_t rows_deleted;
	long samples_changed;
	long files_skipped;
} gx_run_counts;

/* Insert a 'running' row; *run_id receives its id. */
int gx_meta_run_start(gx_sink *s, const char *study, const char *command, int forced,
                      int dry_run, long *run_id, gx_err *err);

/* Set the final status ('succeeded', 'failed', 'skipped', 'aborted'), counts and error
 * (its code, message and SQLSTATE). */
int gx_meta_run_finish(gx_sink *s, long run_id, const char *status, const char *mode,
                       const gx_run_counts *counts, const gx_err *failure, gx_err *err);

/* Number run_id as attempt 'attempt' (2, 3, ...) of a retried load (the default is 1). */
int gx_meta_run_attempt(gx_sink *s, long run_id, int attempt, gx_err *err);

/* Mark older 'running' rows of the study as 'aborted'; *n receives how many. */
int gx_meta_repair_stale(gx_sink *s, const char *study, long run_id, long *n, gx_err *err);

/*
 * Record the study's files as loaded by run_id (meta_source_file: size, mtime, content
 * hash) and forget files the study no longer has.  Inside the load transaction.
 */
int gx_meta_files_save(gx_sink *s, int32_t study_key, long run_id,
                       const gx_study_files *files, gx_err *err);

/* Write a run's checks, attrition and step times (inside an open transaction; the
 * steps are written once per run and step). */
int gx_meta_checks_write(gx_sink *s, long run_id, const char *study,
                         const gx_run_checks *rows, gx_err *err);

/* In-memory log of one run, filled through the gx_log hook. */
typedef struct gx_run_log gx_run_log;
gx_run_log *gx_run_log_new(void);
void gx_run_log_free(gx_run_log *l);
/* The gx_log hook: pass gx_run_log_hook with the log as context. */
void gx_run_log_hook(void *ctx, const gx_log_rec *rec);
/* Write (and forget) the collected messages as rows of run_id. */
int gx_run_log_flush(gx_run_log *l, gx_sink *s, long run_id, gx_err *err);

#endif
