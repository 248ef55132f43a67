/*
 * sink_pg.c - the PostgreSQL backend.
 *
 * fact_gene_expression is partitioned by LIST (study_key); each study's partition is
 * fact_gene_expression_p<study_key> (named from the integer key, never from user text)
 * with its own primary key (gene_key, sample_key).  The parent has no index, so:
 *   - a full load (GX_FACTS_REPLACE) creates a new plain table in the load transaction,
 *     fills it with binary COPY ... FREEZE, builds the primary key after the data (in
 *     emission order, the cheap way), adds CHECK (study_key = K) so that ATTACH skips its
 *     validation scan, then detaches and drops the old partition and attaches the new one.
 *     All of it commits with the run's meta rows: a reader sees the old study or the new
 *     one, never a mix, and a killed run leaves only the old one.
 *   - a partial load (GX_FACTS_APPEND) deletes the changed samples' rows and COPYs the new
 *     rows straight into the existing partition, in the same transaction.
 * Studies are locked with a session advisory lock keyed on the accession, which also
 * serializes loaders on different hosts.  Sessions are named
 * <application_name>.<command>/<run_id> (fallback_application_name) so an operator can
 * find one in pg_stat_activity.
 * Does not: retry after a lost connection (the run fails with exit 75; a re-run is safe).
 */
#include "load/sink.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/signals.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* COPY data is sent in 1 MiB messages: big enough to amortize the protocol, small next
 * to the memory budget */
#define COPY_BUF (1u << 20)

typedef struct pg_impl {
	PGconn *conn;
	char version[32];
	struct gx_fact_writer *active;  /* the writer whose COPY is open, if any */
} pg_impl;

struct gx_fact_writer {
	gx_sink *s;
	int32_t study_key;
	gx_fact_mode mode;
	int copying;
	unsigned char *buf;
	size_t len;
	char table[64];
	int64_t pauses;     /* COPYs ended to run another statement (gene lookups) */
};

static int copy_start(gx_fact_writer *w, const char *prefix, gx_err *err);
static int copy_pause(gx_fact_writer *w, gx_err *err);

static int pg_fail(gx_sink *s, PGresult *res, const char *what, gx_err *err)
{
	pg_impl *im = s->impl;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	gx_code code = GX_E_DB;
	char buf[600];
	char *nl;
	int rc;

	if (!msg) {
		snprintf(buf, sizeof(buf), "%s", PQerrorMessage(im->conn));
		nl = strchr(buf, '\n');
		if (nl && nl[1] == '\0')
			*nl = '\0';
		msg = buf;
	}
	if (PQstatus(im->conn) == CONNECTION_BAD)
		code = GX_E_DB_LOST;
	else if (state) {
		if (!strncmp(state, "53", 2))
			code = GX_E_DB_FULL;
		else if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
			code = GX_E_DB_LOST;
		else if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
		         !strcmp(state, "55P03"))
			code = GX_E_DB_BUSY;
	}
	rc = gx_err_set(err, code, "%s: %s%s%s", what, msg, detail ? " (" : "",
	                detail ? detail : "");
	if (detail && err) {
		size_t l = strlen(err->msg);
		if (l + 1 < sizeof(err->msg))
			strcat(err->msg, ")");
	}
	if (err && state)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	return rc;
}

static int ok_status(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static int pg_exec(gx_sink *s, const char *sql, gx_err *err)
{
	pg_impl *im = s->impl;
	PGresult *res = PQexec(im->conn, sql);
	int rc = 0;

	if (!ok_status(res))
		rc = pg_fail(s, res, "statement failed", err);
	PQclear(res);
	return rc;
}

static int pg_query(gx_sink *s, const char *sql, int nparams, const char *const *params,
                    gx_rows **out, gx_err *err)
{
	pg_impl *im = s->impl;
	PGresult *res = PQexecParams(im->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	gx_rows *r;
	int i, j, nr, nc;

	if (!ok_status(res)) {
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

static int pg_begin(gx_sink *s, gx_err *err)
{
	return pg_exec(s, "BEGIN", err);
}

static int pg_commit(gx_sink *s, gx_err *err)
{
	return pg_exec(s, "COMMIT", err);
}

static int pg_rollback(gx_sink *s)
{
	return pg_exec(s, "ROLLBACK", NULL);
}

static int pg_lock_study(gx_sink *s, const char *acc, double timeout_s, gx_err *err)
{
	const char *p[1] = { acc };
	double start = gx_mono();
	long got;
	int rc;

	for (;;) {
		rc = gx_sink_query_long(s, "SELECT pg_try_advisory_lock(hashtext('gxload'), "
		                        "hashtext($1))::int", 1, p, &got, err);
		if (rc)
			return rc;
		if (got)
			return 0;
		if (gx_mono() - start >= timeout_s)
			return gx_err_set(err, GX_E_LOCKED,
			                  "'%s' is being loaded by another gxload session "
			                  "(PostgreSQL advisory lock is held)", acc);
		if ((rc = gx_check_interrupt(err)))
			return rc;
		usleep(200 * 1000);
	}
}

static void pg_unlock_study(gx_sink *s, const char *acc)
{
	const char *p[1] = { acc };
	pg_query(s, "SELECT pg_advisory_unlock(hashtext('gxload'), hashtext($1))", 1, p, NULL,
	         NULL);
}

/* Append a PostgreSQL array literal element: "..." with " and \ escaped, or NULL. */
static void array_elem(gx_buf *b, const char *v, int first)
{
	if (!first)
		gx_buf_putc(b, ',');
	if (!v) {
		gx_buf_puts(b, "NULL");
		return;
	}
	gx_buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			gx_buf_putc(b, '\\');
		gx_buf_putc(b, *v);
	}
	gx_buf_putc(b, '"');
}

static int pg_resolve_genes(gx_sink *s, size_t n, const char *const *ids,
                            const char *const *symbols, int32_t *keys, gx_err *err)
{
	/* One round trip per batch: insert the new genes, then read every key in input
	 * order.  A gene inserted concurrently by another loader is not in this statement's
	 * snapshot; those keys come back NULL and are read again below. */
	static const char sql[] =
		"WITH input AS ("
		"  SELECT t.gene_id, t.gene_symbol, t.ord"
		"  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(gene_id, gene_symbol, ord)),"
		" ins AS ("
		"  INSERT INTO dim_gene (gene_id, gene_symbol, created_at)"
		"  SELECT gene_id, gene_symbol, now() FROM input ORDER BY gene_id"
		"  ON CONFLICT (gene_id) DO UPDATE SET gene_symbol = EXCLUDED.gene_symbol"
		"  WHERE dim_gene.gene_symbol IS NULL AND EXCLUDED.gene_symbol IS NOT NULL"
		"  RETURNING gene_id, gene_key)"
		" SELECT COALESCE(ins.gene_key, g.gene_key) FROM input i"
		" LEFT JOIN ins ON ins.gene_id = i.gene_id"
		" LEFT JOIN dim_gene g ON g.gene_id = i.gene_id"
		" ORDER BY i.ord";
	static const char again_sql[] = "SELECT gene_key FROM dim_gene WHERE gene_id = $1";
	pg_impl *im = s->impl;
	gx_fact_writer *paused = NULL;
	gx_buf a = { 0 }, b = { 0 };
	const char *p[2];
	gx_rows *r = NULL;
	size_t i;
	int rc;

	/* one connection cannot run a query while its COPY is open: end the COPY (its rows
	 * stay in the transaction), look the genes up, and start a new COPY afterwards.  The
	 * loader resolves genes before the COPY, so this only happens for genes that its
	 * quick pre-scan missed. */
	if (im->active && im->active->copying) {
		paused = im->active;
		if ((rc = copy_pause(paused, err)))
			return rc;
	}
	gx_buf_putc(&a, '{');
	gx_buf_putc(&b, '{');
	for (i = 0; i < n; i++) {
		array_elem(&a, ids[i], i == 0);
		array_elem(&b, symbols ? symbols[i] : NULL, i == 0);
	}
	gx_buf_putc(&a, '}');
	if (gx_buf_putc(&b, '}') < 0 || !a.data) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	p[0] = a.data;
	p[1] = b.data;
	if ((rc = pg_query(s, sql, 2, p, &r, err)))
		goto out;
	if (r->nrows != n) {
		rc = gx_err_set(err, GX_E_INTERNAL, "gene key lookup returned %zu rows for %zu genes",
		                r->nrows, n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *k = gx_rows_get(r, i, 0);
		if (!k) {
			long key;
			const char *q[1] = { ids[i] };
			if ((rc = gx_sink_query_long(s, again_sql, 1, q, &key, err)))
				goto out;
			keys[i] = (int32_t)key;
		} else {
			keys[i] = (int32_t)strtol(k, NULL, 10);
		}
	}
out:
	gx_rows_free(r);
	gx_buf_release(&a);
	gx_buf_release(&b);
	if (paused && !rc)
		rc = copy_start(paused, "", err);
	return rc;
}

static int pg_delete_samples(gx_sink *s, int32_t study_key, size_t n, const int32_t *keys,
                             int64_t *deleted, gx_err *err)
{
	pg_impl *im = s->impl;
	gx_buf list = { 0 };
	char sk[16];
	const char *p[2];
	PGresult *res;
	size_t i;
	int rc = 0;

	*deleted = 0;
	if (n == 0)
		return 0;
	gx_buf_putc(&list, '{');
	for (i = 0; i < n; i++)
		gx_buf_printf(&list, "%s%d", i ? "," : "", (int)keys[i]);
	if (gx_buf_putc(&list, '}') < 0) {
		gx_buf_release(&list);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	p[0] = sk;
	p[1] = list.data;
	res = PQexecParams(im->conn,
	                   "DELETE FROM fact_gene_expression WHERE study_key = $1::int "
	                   "AND sample_key = ANY ($2::int[])", 2, NULL, p, NULL, NULL, 0);
	if (!ok_status(res))
		rc = pg_fail(s, res, "cannot delete changed samples", err);
	else
		*deleted = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	gx_buf_release(&list);
	return rc;
}

static void put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static int copy_flush(gx_fact_writer *w, gx_err *err)
{
	pg_impl *im = w->s->impl;

	if (w->len == 0)
		return 0;
	if (PQputCopyData(im->conn, (const char *)w->buf, (int)w->len) != 1)
		return pg_fail(w->s, NULL, "COPY failed", err);
	w->len = 0;
	return 0;
}

static const unsigned char copy_header[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r',
                                               '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0 };

/* Run 'prefix' (statements before the COPY, may be "") and open the COPY of w->table. */
static int copy_start(gx_fact_writer *w, const char *prefix, gx_err *err)
{
	pg_impl *im = w->s->impl;
	gx_buf sql = { 0 };
	PGresult *res;
	int rc = 0;

	gx_buf_printf(&sql, "%sCOPY %s (study_key, sample_key, gene_key, value, log2_value) "
	              "FROM STDIN (FORMAT binary%s)", prefix, w->table,
	              w->mode == GX_FACTS_REPLACE ? ", FREEZE" : "");
	if (!sql.data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	/* PQexec runs the statements in order and stops at the COPY */
	res = PQexec(im->conn, sql.data);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = pg_fail(w->s, res, "cannot start COPY", err);
	PQclear(res);
	gx_buf_release(&sql);
	if (rc)
		return rc;
	w->copying = 1;
	memcpy(w->buf, copy_header, sizeof(copy_header));
	w->len = sizeof(copy_header);
	im->active = w;
	return 0;
}

static int pg_facts_begin(gx_sink *s, int32_t study_key, gx_fact_mode mode,
                          gx_fact_writer **out, gx_err *err)
{
	gx_fact_writer *w;
	char prefix[256] = "";
	int rc;

	*out = NULL;
	w = gx_calloc(1, sizeof(*w));
	if (!w || !(w->buf = gx_malloc(COPY_BUF))) {
		gx_free(w);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	w->s = s;
	w->study_key = study_key;
	w->mode = mode;
	if (mode == GX_FACTS_REPLACE) {
		snprintf(w->table, sizeof(w->table), "fact_gene_expression_p%d_new", (int)study_key);
		snprintf(prefix, sizeof(prefix),
		         "DROP TABLE IF EXISTS %s; "
		         "CREATE TABLE %s (LIKE fact_gene_expression INCLUDING DEFAULTS); ",
		         w->table, w->table);
	} else {
		snprintf(w->table, sizeof(w->table), "fact_gene_expression_p%d", (int)study_key);
	}
	if ((rc = copy_start(w, prefix, err))) {
		gx_free(w->buf);
		gx_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static int pg_facts_put(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err)
{
	/* row: int16 field count, then (int32 length, value) per field: 2 + 3*8 + 12 + 12 */
	enum { ROW_MAX = 2 + 3 * 8 + 2 * 12 };
	uint32_t sk = (uint32_t)w->study_key;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		unsigned char *p;
		uint64_t bits;
		if (w->len + ROW_MAX > COPY_BUF && (rc = copy_flush(w, err)))
			return rc;
		p = w->buf + w->len;
		put_be16(p, 5);
		put_be32(p + 2, 4);
		put_be32(p + 6, sk);
		put_be32(p + 10, 4);
		put_be32(p + 14, (uint32_t)b->sample_key[i]);
		put_be32(p + 18, 4);
		put_be32(p + 22, (uint32_t)b->gene_key[i]);
		put_be32(p + 26, 8);
		memcpy(&bits, &b->value[i], 8);
		put_be64(p + 30, bits);
		if (isnan(b->log2[i])) {
			put_be32(p + 38, 0xffffffffu);
			w->len += 42;
		} else {
			put_be32(p + 38, 8);
			memcpy(&bits, &b->log2[i], 8);
			put_be64(p + 42, bits);
			w->len += 50;
		}
	}
	return 0;
}

static int copy_end(gx_fact_writer *w, const char *errmsg, gx_err *err)
{
	pg_impl *im = w->s->impl;
	PGresult *res;
	int rc = 0;

	w->copying = 0;
	im->active = NULL;
	if (PQputCopyEnd(im->conn, errmsg) != 1)
		rc = pg_fail(w->s, NULL, "cannot end COPY", err);
	while ((res = PQgetResult(im->conn)) != NULL) {
		if (!rc && !errmsg && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(w->s, res, "COPY failed", err);
		PQclear(res);
		if (PQstatus(im->conn) == CONNECTION_BAD)
			break;
	}
	return rc;
}

/* Send the trailer and end the COPY successfully. */
static int copy_pause(gx_fact_writer *w, gx_err *err)
{
	int rc;

	if (w->len + 2 > COPY_BUF && (rc = copy_flush(w, err)))
		return rc;
	put_be16(w->buf + w->len, 0xffff);
	w->len += 2;
	if ((rc = copy_flush(w, err)))
		return rc;
	w->pauses++;
	return copy_end(w, NULL, err);
}

static int pg_facts_finish(gx_fact_writer *w, gx_err *err)
{
	gx_buf sql = { 0 };
	int rc, k = (int)w->study_key;

	if ((rc = copy_pause(w, err)))
		goto out;
	if (w->pauses > 1)
		gx_log(GX_LOG_DEBUG, "load", "COPY was paused %lld times for gene lookups",
		       (long long)w->pauses - 1);
	if (w->mode == GX_FACTS_REPLACE) {
		/* build the key after the data, then swap the partition in */
		gx_buf_printf(&sql,
		              "ALTER TABLE %s ADD CONSTRAINT %s_pkey PRIMARY KEY (gene_key, sample_key), "
		              "ADD CONSTRAINT %s_study CHECK (study_key = %d); "
		              "ANALYZE %s; "
		              "DO $$ BEGIN "
		              "IF to_regclass('fact_gene_expression_p%d') IS NOT NULL THEN "
		              "ALTER TABLE fact_gene_expression DETACH PARTITION fact_gene_expression_p%d; "
		              "DROP TABLE fact_gene_expression_p%d; END IF; END $$; "
		              "ALTER TABLE %s RENAME TO fact_gene_expression_p%d; "
		              "ALTER INDEX %s_pkey RENAME TO fact_gene_expression_p%d_pkey; "
		              "ALTER TABLE fact_gene_expression_p%d "
		              "RENAME CONSTRAINT %s_study TO fact_gene_expression_p%d_study; "
		              "ALTER TABLE fact_gene_expression ATTACH PARTITION fact_gene_expression_p%d "
		              "FOR VALUES IN (%d);",
		              w->table, w->table, w->table, k, w->table, k, k, k, w->table, k,
		              w->table, k, k, w->table, k, k, k);
		if (!sql.data) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		rc = pg_exec(w->s, sql.data, err);
		if (rc)
			gx_err_prefix(err, "cannot swap in the new partition of study %d", k);
	}
out:
	if (((pg_impl *)w->s->impl)->active == w) {
		copy_end(w, "load aborted by gxload", NULL);
	}
	gx_buf_release(&sql);
	gx_free(w->buf);
	gx_free(w);
	return rc;
}

static void pg_facts_abort(gx_fact_writer *w)
{
	pg_impl *im;

	if (!w)
		return;
	im = w->s->impl;
	if (w->copying)
		copy_end(w, "load aborted by gxload", NULL);
	if (im->active == w)
		im->active = NULL;
	gx_free(w->buf);
	gx_free(w);
}

static int pg_set_run(gx_sink *s, long run_id, gx_err *err)
{
	char name[128];
	const char *p[1] = { name };

	snprintf(name, sizeof(name), "%s.%s/%ld", s->cfg->pg_application_name, s->purpose,
	         run_id);
	return pg_query(s, "SELECT set_config('application_name', $1, false)", 1, p, NULL, err);
}

static const char *pg_server_version(gx_sink *s)
{
	pg_impl *im = s->impl;
	return im->version;
}

static void pg_close(gx_sink *s)
{
	pg_impl *im = s->impl;

	if (!im)
		return;
	if (im->conn)
		PQfinish(im->conn);
	gx_free(im);
	s->impl = NULL;
}

static int pg_connect(gx_sink *s, int must_exist, gx_err *err)
{
	const char *keys[6], *vals[6];
	char appname[128], timeout[16];
	pg_impl *im;
	char *schema;
	gx_buf sql = { 0 };
	int v, rc;

	(void)must_exist;
	im = gx_calloc(1, sizeof(*im));
	if (!im)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	s->impl = im;
	if (getenv("PGPASSWORD"))
		gx_log(GX_LOG_WARNING, "connect",
		       "PGPASSWORD is set; prefer ~/.pgpass or PGPASSFILE (other users may see "
		       "process environments)");
	snprintf(appname, sizeof(appname), "%s.%s", s->cfg->pg_application_name, s->purpose);
	snprintf(timeout, sizeof(timeout), "%ld", s->cfg->pg_connect_timeout_s);
	keys[0] = "dbname"; vals[0] = s->cfg->db_url;
	keys[1] = "fallback_application_name"; vals[1] = appname;
	keys[2] = "connect_timeout"; vals[2] = timeout;
	keys[3] = "client_encoding"; vals[3] = "UTF8";
	keys[4] = NULL; vals[4] = NULL;
	im->conn = PQconnectdbParams(keys, vals, 1);
	if (!im->conn)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (PQstatus(im->conn) != CONNECTION_OK) {
		char msg[512];
		char *nl;
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(im->conn));
		while ((nl = strrchr(msg, '\n')) && nl[1] == '\0')
			*nl = '\0';
		return gx_err_set(err, GX_E_DB_CONNECT, "cannot connect to PostgreSQL (%s): %s",
		                  s->url_redacted, msg);
	}
	v = PQserverVersion(im->conn);
	snprintf(im->version, sizeof(im->version), "%d.%d", v / 10000, v % 10000);
	if (v < 130000)
		return gx_err_set(err, GX_E_DB_CONNECT,
		                  "PostgreSQL %s is too old: gxload needs 13 or later", im->version);
	schema = PQescapeIdentifier(im->conn, s->cfg->pg_schema, strlen(s->cfg->pg_schema));
	if (!schema)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	gx_buf_printf(&sql, "SET search_path TO %s; SET client_min_messages TO warning;", schema);
	PQfreemem(schema);
	rc = sql.data ? pg_exec(s, sql.data, err) : gx_err_set(err, GX_E_NOMEM, "out of memory");
	gx_buf_release(&sql);
	return rc;
}

const gx_sink_ops gx_sink_pg_ops = {
	.name = "postgresql",
	.connect = pg_connect,
	.exec = pg_exec,
	.query = pg_query,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock_study = pg_lock_study,
	.unlock_study = pg_unlock_study,
	.resolve_genes = pg_resolve_genes,
	.delete_samples = pg_delete_samples,
	.facts_begin = pg_facts_begin,
	.facts_put = pg_facts_put,
	.facts_finish = pg_facts_finish,
	.facts_abort = pg_facts_abort,
	.set_run = pg_set_run,
	.server_version = pg_server_version,
	.close = pg_close,
};
