/*
 * pg_conn.c - the PostgreSQL backend's sessions and statements (see pg_conn.h).
 *
 * A session is opened with the configured schema as search_path and a
 * fallback_application_name that names the command; statements run with text
 * parameters, prepared from their second use (a run repeats a few dozen statements
 * once per sample); errors keep PostgreSQL's SQLSTATE (pg_stream.c, gx_pg_fail).
 * COPY text for small tables (pg_copy_rows).
 * Does not: write facts (pg_facts.c), or hold the backend's table (sink_pg.c).
 */
#include "load/pg_conn.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_fail(gx_sink *s, PGresult *res, const char *what, gx_err *err)
{
	pg_impl *im = s->impl;
	return gx_pg_fail(im->conn, res, what, err);
}

int pg_ok_status(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

int pg_exec(gx_sink *s, const char *sql, gx_err *err)
{
	pg_impl *im = s->impl;
	PGresult *res = PQexec(im->conn, sql);
	int rc = 0;

	if (!pg_ok_status(res))
		rc = pg_fail(s, res, "statement failed", err);
	PQclear(res);
	return rc;
}

/*
 * Run one statement with text parameters.  A statement run a second time is prepared
 * (PQprepare, once per session) and executed from then on without being parsed and
 * planned again: the per-sample upserts of a 500-sample study cost half as much.
 * Statements run only once stay unprepared, so DDL between two uses of a one-off query
 * cannot meet a stale prepared statement.
 */
static PGresult *exec_params(gx_sink *s, const char *sql, int nparams,
                             const char *const *params)
{
	pg_impl *im = s->impl;
	pg_stmt *st = NULL;
	size_t i;

	for (i = 0; i < im->nstmts && !st; i++)
		if (!strcmp(im->stmts[i].sql, sql))
			st = &im->stmts[i];
	if (!st) {
		char *copy = gx_strdup(sql);
		if (copy && im->nstmts == STMT_CACHE) {
			/* forget the oldest (the cache only has to hold the statements of a run) */
			if (im->stmts[0].name[0]) {
				char dealloc[48];
				snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", im->stmts[0].name);
				PQclear(PQexec(im->conn, dealloc));
			}
			gx_free(im->stmts[0].sql);
			memmove(im->stmts, im->stmts + 1, sizeof(im->stmts[0]) * (STMT_CACHE - 1));
			im->nstmts--;
		}
		if (copy) {
			st = &im->stmts[im->nstmts++];
			memset(st, 0, sizeof(*st));
			st->sql = copy;
		}
	}
	if (st && ++st->uses >= 2 && !st->name[0]) {
		char name[16];
		PGresult *res;
		snprintf(name, sizeof(name), "gx%lu", ++im->next_stmt);
		res = PQprepare(im->conn, name, sql, nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res; /* the caller reports it */
		PQclear(res);
		memcpy(st->name, name, sizeof(name));
	}
	if (st && st->name[0])
		return PQexecPrepared(im->conn, st->name, nparams, params, NULL, NULL, 0);
	return PQexecParams(im->conn, sql, nparams, NULL, params, NULL, NULL, 0);
}

int pg_query(gx_sink *s, const char *sql, int nparams, const char *const *params,
                    gx_rows **out, gx_err *err)
{
	PGresult *res = exec_params(s, sql, nparams, params);
	gx_rows *r;
	int i, j, nr, nc;

	if (!pg_ok_status(res)) {
		int rc = pg_fail(s, res, "statement failed", err);
		PQclear(res);
		return rc;
	}
	if (!out) {
		PQclear(res);
		return 0;
	}
	nr = PQntuples(res);
	nc = PQnfields(res);
	r = gx_calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->names = gx_calloc((size_t)(nc ? nc : 1), sizeof(char *));
	r->cells = gx_calloc((size_t)(nr * nc > 0 ? nr * nc : 1), sizeof(char *));
	if (!r->names || !r->cells)
		goto nomem;
	r->ncols = (size_t)nc;
	r->nrows = (size_t)nr;
	for (j = 0; j < nc; j++)
		if (!(r->names[j] = gx_strdup(PQfname(res, j))))
			goto nomem;
	for (i = 0; i < nr; i++)
		for (j = 0; j < nc; j++)
			if (!PQgetisnull(res, i, j) &&
			    !(r->cells[i * nc + j] = gx_strdup(PQgetvalue(res, i, j))))
				goto nomem;
	PQclear(res);
	*out = r;
	return 0;
nomem:
	PQclear(res);
	gx_rows_free(r);
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/* COPY text format: backslash, tab, newline and CR escaped; NULL is \N */
static int copy_text_cell(gx_buf *b, const char *v)
{
	if (!v)
		return gx_buf_puts(b, "\\N");
	for (; *v; v++) {
		const char *esc = *v == '\\' ? "\\\\" : *v == '\t' ? "\\t" : *v == '\n' ? "\\n"
		                : *v == '\r' ? "\\r" : NULL;
		if (esc ? gx_buf_puts(b, esc) : gx_buf_putc(b, *v))
			return -1;
	}
	return 0;
}

int pg_copy_rows(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
                        size_t nrows, const char *const *cells, gx_err *err)
{
	pg_impl *im = s->impl;
	gx_buf b = { 0 };
	PGresult *res;
	size_t r, c;
	int rc = 0;

	if (gx_buf_printf(&b, "COPY %s (", table))
		goto nomem;
	for (c = 0; c < ncols; c++)
		if (gx_buf_printf(&b, "%s%s", c ? ", " : "", cols[c]))
			goto nomem;
	if (gx_buf_puts(&b, ") FROM STDIN"))
		goto nomem;
	res = PQexec(im->conn, gx_buf_cstr(&b));
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = pg_fail(s, res, "cannot start COPY", err);
	PQclear(res);
	if (rc)
		goto out;
	gx_buf_reset(&b);
	for (r = 0; r < nrows && !rc; r++) {
		for (c = 0; c < ncols; c++)
			if ((c && gx_buf_putc(&b, '\t')) || copy_text_cell(&b, cells[r * ncols + c]))
				break;
		if (c < ncols || gx_buf_putc(&b, '\n')) {
			gx_pg_copy_end(im->conn, "out of memory", NULL);
			goto nomem;
		}
		if ((b.len >= 65536 || r + 1 == nrows) &&
		    PQputCopyData(im->conn, b.data, (int)b.len) != 1)
			rc = pg_fail(s, NULL, "COPY failed", err);
		else if (b.len >= 65536)
			gx_buf_reset(&b);
	}
	if (rc)
		gx_pg_copy_end(im->conn, "COPY failed", NULL);
	else
		rc = gx_pg_copy_end(im->conn, NULL, err);
out:
	gx_buf_release(&b);
	return rc;
nomem:
	gx_buf_release(&b);
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

int pg_open(gx_sink *s, const char *appname, PGconn **out, gx_err *err)
{
	return pg_open_at(s, s->cfg->db_url, s->url_redacted, appname, out, err);
}

int pg_open_at(gx_sink *s, const char *conninfo, const char *shown, const char *appname,
               PGconn **out, gx_err *err)
{
	const char *keys[6], *vals[6];
	char timeout[16];
	char *schema;
	gx_buf sql = { 0 };
	PGconn *conn;
	PGresult *res;
	int rc = 0;

	*out = NULL;
	snprintf(timeout, sizeof(timeout), "%ld", s->cfg->pg_connect_timeout_s);
	keys[0] = "dbname"; vals[0] = conninfo;
	keys[1] = "fallback_application_name"; vals[1] = appname;
	keys[2] = "connect_timeout"; vals[2] = timeout;
	keys[3] = "client_encoding"; vals[3] = "UTF8";
	keys[4] = NULL; vals[4] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (!conn)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (PQstatus(conn) != CONNECTION_OK) {
		char msg[512];
		char *nl, *clean;
		int erc;
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		while ((nl = strrchr(msg, '\n')) && nl[1] == '\0')
			*nl = '\0';
		PQfinish(conn);
		/* libpq may quote an option's value, which may be a misplaced password */
		clean = gx_dburl_scrub(msg, conninfo);
		erc = gx_err_set(err, GX_E_DB_CONNECT, "cannot connect to PostgreSQL (%s): %s",
		                 shown, clean ? clean : msg);
		gx_free(clean);
		/* libpq gives only text here: its SQLSTATE tells a retry worth trying */
		if (err && gx_pg_state_of_text(msg, 1))
			snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", gx_pg_state_of_text(msg, 1));
		return erc;
	}
	schema = PQescapeIdentifier(conn, s->cfg->pg_schema, strlen(s->cfg->pg_schema));
	if (schema)
		gx_buf_printf(&sql, "SET search_path TO %s; SET client_min_messages TO warning;",
		              schema);
	PQfreemem(schema);
	if (!sql.data) {
		PQfinish(conn);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	res = PQexec(conn, sql.data);
	if (!pg_ok_status(res))
		rc = gx_pg_fail(conn, res, "statement failed", err);
	PQclear(res);
	gx_buf_release(&sql);
	if (rc) {
		PQfinish(conn);
		return rc;
	}
	*out = conn;
	return 0;
}
