/*
 * metrics.h - the Prometheus text file of metrics.textfile (node_exporter's textfile
 * collector format), written after every run of load and drop.
 *
 * Every study with its latest run, from the database (so the file is the same whichever
 * gxload wrote it last, and covers studies other runs loaded): status, end and last
 * success times, duration, rows inserted and deleted, samples changed, attempts, error
 * code, validation FAIL/WARN counts, samples and values.  docs/OPERATIONS.md lists the
 * metrics.
 */
#ifndef GX_CMD_METRICS_H
#define GX_CMD_METRICS_H

#include "core/config.h"
#include "core/err.h"
#include "load/sink.h"

/*
 * Write the file from the database s, when metrics.textfile is set (else do nothing):
 * whole or not at all (core/atomic.h).  0, or the error of the query or the write.
 */
int gx_metrics_write(const gx_config *cfg, gx_sink *s, gx_err *err);

/* The file's text for overview rows 'r' (load/ops.h, gx_ops_overview), written at 'now'
 * (seconds since the epoch).  *out is the caller's (gx_free). */
int gx_metrics_format(const gx_rows *r, double now, char **out, gx_err *err);

/* Seconds since the epoch of an ISO-8601 UTC time as the database gives it
 * ("2026-01-02T03:04:05.678Z"); 0 for NULL or text that is not one. */
double gx_metrics_epoch(const char *iso);

#endif
