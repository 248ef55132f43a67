/*
 * qtime.c - time a query as a client sees it: sent as text, planned, run, every row
 * fetched, on PostgreSQL (libpq) or SQLite.
 *
 *   qtime --db URL [--runs N] [--warm W] [--name NAME] SQL
 *
 * URL is sqlite:PATH or a libpq connection string / postgresql:// URI.  The query runs W
 * times untimed (warm caches), then N times timed on the same connection (default 3 and
 * 20); each timed run is the wall time from sending the text to having read every cell
 * of every row (PQexec materializes the result, as text; for SQLite every column of every
 * row is read in its own type, as a driver such as Python's sqlite3 does).  Prints one
 * line:
 *
 *   NAME<TAB>median_ms<TAB>min_ms<TAB>max_ms<TAB>rows
 *
 * Exit 1 when the query fails or returns no row (a benchmark that measures an empty
 * answer measures nothing).
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* one run on SQLite: rows read, or -1 */
static volatile double sink; /* what the cells add up to, so that none is skipped */

static long run_sqlite(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long rows = 0;
	double sum = 0;
	int rc, c, nc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "qtime: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	nc = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (c = 0; c < nc; c++) {
			switch (sqlite3_column_type(st, c)) {
			case SQLITE_INTEGER:
				sum += (double)sqlite3_column_int64(st, c);
				break;
			case SQLITE_FLOAT:
				sum += sqlite3_column_double(st, c);
				break;
			case SQLITE_NULL:
				break;
			default:
				sum += (double)sqlite3_column_bytes(st, c);
			}
		}
		rows++;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "qtime: %s\n", sqlite3_errmsg(db));
		rows = -1;
	}
	sqlite3_finalize(st);
	sink = sum;
	return rows;
}

/* one run on PostgreSQL: rows read, or -1 */
static long run_pg(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	long rows = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		rows = PQntuples(res);
	else
		fprintf(stderr, "qtime: %s", PQerrorMessage(conn));
	PQclear(res);
	return rows;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *name = "query", *sql = NULL;
	long runs = 20, warm = 3, rows = 0, i;
	sqlite3 *db = NULL;
	PGconn *conn = NULL;
	double *t;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--db") && a + 1 < argc) url = argv[++a];
		else if (!strcmp(argv[a], "--runs") && a + 1 < argc) runs = atol(argv[++a]);
		else if (!strcmp(argv[a], "--warm") && a + 1 < argc) warm = atol(argv[++a]);
		else if (!strcmp(argv[a], "--name") && a + 1 < argc) name = argv[++a];
		else if (!sql && argv[a][0] != '-') sql = argv[a];
		else {
			fprintf(stderr, "usage: qtime --db URL [--runs N] [--warm W] [--name NAME] SQL\n");
			return 64;
		}
	}
	if (!url || !sql || runs < 1 || warm < 0) {
		fprintf(stderr, "usage: qtime --db URL [--runs N] [--warm W] [--name NAME] SQL\n");
		return 64;
	}
	if (!strncmp(url, "sqlite:", 7)) {
		if (sqlite3_open_v2(url + 7, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			fprintf(stderr, "qtime: cannot open %s\n", url + 7);
			return 1;
		}
	} else {
		conn = PQconnectdb(url);
		if (PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "qtime: %s", PQerrorMessage(conn));
			PQfinish(conn);
			return 1;
		}
	}
	t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < warm + runs; i++) {
		double t0 = now_ms();
		rows = db ? run_sqlite(db, sql) : run_pg(conn, sql);
		if (rows < 0)
			break;
		if (i >= warm)
			t[i - warm] = now_ms() - t0;
	}
	if (db)
		sqlite3_close(db);
	if (conn)
		PQfinish(conn);
	if (rows <= 0) {
		if (rows == 0)
			fprintf(stderr, "qtime: %s returned no row\n", name);
		free(t);
		return 1;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	printf("%s\t%.2f\t%.2f\t%.2f\t%ld\n", name,
	       runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2, t[0], t[runs - 1],
	       rows);
	free(t);
	return 0;
}
