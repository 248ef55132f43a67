/*
 * retry.h - which errors are worth another attempt, and how long to wait before it.
 *
 * A run that meets a transient database error (the connection lost or refused, the
 * server shutting down or starting up, a serialization failure or deadlock, too many
 * connections) rolls back and starts again from the beginning, up to
 * postgresql.retries times, after an exponential backoff with full jitter (each wait a
 * uniform draw from 0 to min(postgresql.retry_max_s, 2^(n-1) s) after failed attempt
 * n).  Any other error is final at once.  The policy only: the loops that retry live
 * with the runs (pipeline.c, cmd/load.c, cmd/drop.c).
 */
#ifndef GX_RETRY_H
#define GX_RETRY_H

#include "core/err.h"

/*
 * 1 if a new attempt may succeed where 'e' failed: its SQLSTATE is of class 08
 * (connection exception) or one of 57P01, 57P02, 57P03 (admin shutdown, crash
 * shutdown, cannot connect now), 40001 (serialization failure), 40P01 (deadlock),
 * 53300 (too many connections); without a SQLSTATE, a lost connection (GX_E_DB_LOST).
 * 0 for every other error, NULL included.
 */
int gx_err_transient(const gx_err *e);

/*
 * The wait before the attempt that follows failed attempt 'attempt' (1-based): uniform
 * in [0, min(max_s, 2^(attempt-1))] seconds ("full jitter": retries of many loaders
 * spread out instead of meeting again).  max_s <= 0 gives 0.
 */
double gx_retry_delay(int attempt, double max_s);

/*
 * Say that attempt 'attempt' of 'attempts' failed with 'err' and that the next follows in
 * 'wait' seconds: a warning (which -q keeps quiet: a load that succeeds on its second
 * attempt mails nobody) with the error's code and SQLSTATE, in step "retry".
 */
void gx_retry_log(const gx_err *err, int attempt, long attempts, double wait);

/* Sleep 'seconds', ended early by SIGINT/SIGTERM: 0, or GX_E_INTERRUPTED (err filled). */
int gx_retry_sleep(double seconds, gx_err *err);

#endif
