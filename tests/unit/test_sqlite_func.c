/* test_sqlite_func.c - stddev_samp on SQLite agrees with PostgreSQL's definition: sample
 * standard deviation (n - 1), NULLs skipped, NULL below two values, exactly 0 for a
 * constant column, no cancellation when the spread is tiny next to the mean. */
#include "load/sqlite_func.h"
#include "tap.h"

#include <math.h>

static double one(sqlite3 *db, const char *sql, int *is_null)
{
	sqlite3_stmt *st = NULL;
	double d = NAN;

	*is_null = 1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*is_null = 0;
		d = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	return d;
}

int main(void)
{
	sqlite3 *db = NULL;
	int null;
	double d;

	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "open");
	is_int(gx_sqlite_functions(db), SQLITE_OK, "register");
	sqlite3_exec(db, "CREATE TABLE t (g INTEGER, x REAL);"
	             "INSERT INTO t VALUES (1, 2), (1, 4), (1, 4), (1, 4), (1, 5), (1, 5), (1, 7), (1, 9),"
	             " (1, NULL), (2, 3.5), (3, 7), (3, 7), (3, 7),"
	             " (4, 1e9 + 0.001), (4, 1e9 + 0.002), (4, 1e9 + 0.003)", NULL, NULL, NULL);
	d = one(db, "SELECT stddev_samp(x) FROM t WHERE g = 1", &null);
	ok(!null && fabs(d - sqrt(32.0 / 7.0)) < 1e-12, "the sample stddev of 2,4,4,4,5,5,7,9 (NULL skipped): %.17g", d);
	one(db, "SELECT stddev_samp(x) FROM t WHERE g = 2", &null);
	ok(null, "one value: NULL");
	one(db, "SELECT stddev_samp(x) FROM t WHERE g = 99", &null);
	ok(null, "no value: NULL");
	d = one(db, "SELECT stddev_samp(x) FROM t WHERE g = 3", &null);
	ok(!null && d == 0, "a constant column: exactly 0");
	d = one(db, "SELECT stddev_samp(x) FROM t WHERE g = 4", &null);
	ok(!null && fabs(d - 0.001) < 1e-6, "spread 0.001 around 1e9: %.17g", d);
	d = one(db, "SELECT stddev_samp(x) FROM (SELECT x FROM t WHERE g = 1 GROUP BY x)", &null);
	ok(!null && d > 0, "works over a subquery");
	sqlite3_close(db);
	return tap_done();
}
