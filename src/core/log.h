/*
 * log.h - the one place where gxload writes diagnostics.
 *
 * Messages go to stderr as text ("gxload: error: ...") or as JSON lines
 * ({"ts":...,"level":...,"run_id":...,"study":...,"step":...,"code":...,"msg":...}),
 * filtered by the verbosity set with gx_log_setup.  Independently of that filter, a
 * hook sees every message at INFO and above: the pipeline uses it to store the run's
 * messages in meta_etl_process_log.  Messages never contain passwords: database URLs are
 * passed through gx_db_url_redact before they are logged.
 */
#ifndef GX_LOG_H
#define GX_LOG_H

#include "core/err.h"

typedef enum gx_log_level {
	GX_LOG_DEBUG = 0,
	GX_LOG_INFO = 1,
	GX_LOG_WARNING = 2,
	GX_LOG_ERROR = 3,
} gx_log_level;

typedef struct gx_log_rec {
	gx_log_level level;
	const char *step;       /* pipeline step: "resolve", "hash", "extract", "load", ... */
	gx_code code;           /* 0 when the message is not an error */
	const char *msg;
	const gx_err *err;      /* location and SQLSTATE, or NULL */
	double ts;              /* seconds since the epoch */
} gx_log_rec;

typedef void (*gx_log_hook)(void *ctx, const gx_log_rec *rec);

/* min_level: messages below it are not printed.  json: 1 for JSON lines. */
void gx_log_setup(gx_log_level min_level, int json);
gx_log_level gx_log_min_level(void);
/* Context printed with every message (study may be NULL; run_id 0 = none). */
void gx_log_set_context(long run_id, const char *study);
/* Install (or with fn NULL remove) the capture hook. */
void gx_log_set_hook(gx_log_hook fn, void *ctx);

void gx_log(gx_log_level level, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Log an error value (its code, location and message) at 'level'. */
void gx_log_err(gx_log_level level, const char *step, const gx_err *e);

const char *gx_log_level_name(gx_log_level level);
double gx_now(void);    /* wall clock, seconds since the epoch */
double gx_mono(void);   /* monotonic clock, seconds */

#endif
