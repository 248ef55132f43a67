/*
 * sqlite_func.h - SQL functions SQLite lacks and gxload's shared SQL uses.
 *
 * Registered on every connection sink_sqlite.c opens, so that one statement text serves
 * both backends:
 *   stddev_samp(x)   aggregate: the sample standard deviation (divisor n - 1) of the
 *                    non-NULL x, NULL for fewer than two; PostgreSQL's function of the
 *                    same name.  Welford's one-pass update: no cancellation when the
 *                    spread is small next to the mean (a constant column gives 0).
 * Only for gxload's own connections: the sqlite3 shell does not have them, which is why
 * views never call them (they read tables the loader filled).
 */
#ifndef GX_SQLITE_FUNC_H
#define GX_SQLITE_FUNC_H

#include <sqlite3.h>

/* Register the functions on 'db'; returns an SQLite result code. */
int gx_sqlite_functions(sqlite3 *db);

#endif
