/*
 * sqlite_func.c - SQL functions for SQLite connections (see sqlite_func.h).
 */
#include "load/sqlite_func.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct welford {
	int64_t n;
	double mean, m2;    /* running mean and sum of squared deviations from it */
} welford;

static void stddev_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	welford *w;
	double x, d;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	w = sqlite3_aggregate_context(ctx, (int)sizeof(*w));
	if (!w) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	x = sqlite3_value_double(argv[0]);
	w->n++;
	d = x - w->mean;
	w->mean += d / (double)w->n;
	w->m2 += d * (x - w->mean);
}

static void stddev_final(sqlite3_context *ctx)
{
	welford *w = sqlite3_aggregate_context(ctx, 0);

	if (!w || w->n < 2)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_double(ctx, sqrt(w->m2 / (double)(w->n - 1)));
}

int gx_sqlite_functions(sqlite3 *db)
{
	return sqlite3_create_function_v2(db, "stddev_samp", 1,
	                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
	                                  NULL, NULL, stddev_step, stddev_final, NULL);
}
