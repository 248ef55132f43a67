/*
 * pg_shard.c - placement of studies on shard servers, the foreign servers that reach
 * them, and the sweep of shard tables no run will attach (see pg_shard.h).
 */
#include "load/pg_shard.h"
#include "core/buf.h"
#include "core/dburl.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/testhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_shard_any(const gx_sink *s)
{
	return ((const pg_impl *)s->impl)->shards.n > 0;
}

int pg_shard_study_sharded(gx_sink *s, const char *accession, int *sharded, gx_err *err)
{
	const char *p[1] = { accession };
	long n = 0;
	int rc;

	rc = gx_sink_query_long(s, "SELECT count(*) FROM meta_study_shard m JOIN dim_study d "
	                        "ON d.study_key = m.study_key WHERE d.accession = $1 "
	                        "AND m.shard IS NOT NULL", 1, p, &n, err);
	*sharded = n > 0;
	return rc;
}

int pg_shard_place(gx_sink *s, int32_t study_key, const gx_shard **out, gx_err *err)
{
	pg_impl *im = s->impl;
	char key[16];
	const char *p[2] = { key, NULL };
	gx_rows *r = NULL;
	const gx_shard *sh = NULL;
	int rc;

	*out = NULL;
	snprintf(key, sizeof(key), "%d", (int)study_key);
	if ((rc = pg_query(s, "SELECT m.shard, d.accession, "
	                   "CAST(to_regclass('fact_gene_expression_p' || d.study_key) IS NOT NULL "
	                   "AS int), CAST(m.study_key IS NOT NULL AS int) FROM dim_study d LEFT JOIN meta_study_shard m "
	                   "ON m.study_key = d.study_key WHERE d.study_key = $1::int",
	                   1, p, &r, err)))
		return rc;
	if (r->nrows != 1) {
		rc = gx_err_set(err, GX_E_INTERNAL, "study %d has no dim_study row", (int)study_key);
		goto out;
	}
	if (gx_rows_get(r, 0, 0)) { /* recorded on a shard: that one */
		const char *name = gx_rows_get(r, 0, 0);
		if (!(sh = gx_shards_find(&im->shards, name)))
			rc = gx_err_set(err, GX_E_CONFIG, "study '%s' lives on shard '%s', which "
			                "shards.servers does not name", gx_rows_get(r, 0, 1), name);
		*out = sh;
		goto out;
	}
	if (!im->shards.n)
		goto out; /* no shards: nothing is recorded, the study stays here */
	if (atoi(gx_rows_get(r, 0, 3)))
		goto out; /* recorded here */
	/* facts here from before the shards: the study stays here */
	if (atoi(gx_rows_get(r, 0, 2))) {
		rc = pg_query(s, "INSERT INTO meta_study_shard (study_key, shard) "
		              "VALUES ($1::int, NULL) ON CONFLICT (study_key) DO NOTHING",
		              1, p, NULL, err);
		goto out;
	}
	sh = gx_shards_pick(&im->shards, gx_rows_get(r, 0, 1));
	p[1] = sh->name;
	if (!(rc = pg_query(s, "INSERT INTO meta_study_shard (study_key, shard) "
	                    "VALUES ($1::int, $2) ON CONFLICT (study_key) DO UPDATE "
	                    "SET shard = EXCLUDED.shard, placed_at = now()", 2, p, NULL, err))) {
		gx_log(GX_LOG_INFO, "load", "study '%s' placed on shard '%s'", gx_rows_get(r, 0, 1),
		       sh->name);
		*out = sh;
	}
out:
	gx_rows_free(r);
	return rc;
}

int pg_shard_open(gx_sink *s, const gx_shard *sh, const char *appname, PGconn **out,
                  gx_err *err)
{
	char *shown = gx_dburl_redact(sh->conninfo);
	int rc;

	rc = pg_open_at(s, sh->conninfo, shown ? shown : sh->name, appname, out, err);
	if (rc)
		gx_err_prefix(err, "shard '%s'", sh->name);
	gx_free(shown);
	return rc;
}

/* the libpq options that a foreign server takes from a shard's connection string (the
 * user goes to the user mapping; a password is refused by config) */
static int server_option(const char *kw)
{
	static const char *const ok[] = { "host", "hostaddr", "port", "dbname", "service",
	                                  "sslmode", "sslrootcert", "sslcrl", "connect_timeout",
	                                  "target_session_attrs", "keepalives",
	                                  "keepalives_idle", "gssencmode", NULL };
	size_t i;

	for (i = 0; ok[i]; i++)
		if (!strcmp(ok[i], kw))
			return 1;
	return 0;
}

/* "CREATE SERVER IF NOT EXISTS ..." and its user mapping from the shard's conninfo */
static int server_sql(gx_sink *s, const gx_shard *sh, gx_buf *sql, gx_err *err)
{
	PGconn *conn = ((pg_impl *)s->impl)->conn;
	PQconninfoOption *opts, *o;
	char *errmsg = NULL, *user = NULL;
	int n = 0;

	if (!(opts = PQconninfoParse(sh->conninfo, &errmsg))) {
		PQfreemem(errmsg);
		return gx_err_set(err, GX_E_CONFIG, "shards.servers: cannot parse the connection "
		                  "string of shard '%s'", sh->name);
	}
	gx_buf_printf(sql, "CREATE EXTENSION IF NOT EXISTS postgres_fdw; "
	              "CREATE SERVER IF NOT EXISTS gxload_shard_%s FOREIGN DATA WRAPPER "
	              "postgres_fdw OPTIONS (", sh->name);
	for (o = opts; o->keyword; o++) {
		char *lit;
		if (!o->val || !*o->val)
			continue;
		if (!strcmp(o->keyword, "user")) {
			user = PQescapeLiteral(conn, o->val, strlen(o->val));
			continue;
		}
		if (!server_option(o->keyword) || !(lit = PQescapeLiteral(conn, o->val, strlen(o->val))))
			continue;
		gx_buf_printf(sql, "%s%s %s", n++ ? ", " : "", o->keyword, lit);
		PQfreemem(lit);
	}
	/* the schema of the shard's tables is told per table; updatable: the loader never
	 * writes through the server, readers must not either; async: the scans of one
	 * query on several shards run at the same time */
	gx_buf_printf(sql, "%supdatable 'false', async_capable 'true'); "
	              "CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER gxload_shard_%s",
	              n ? ", " : "", sh->name);
	if (user)
		gx_buf_printf(sql, " OPTIONS (user %s)", user);
	PQfreemem(user);
	PQconninfoFree(opts);
	return sql->data ? 0 : gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/*
 * The foreign server and the user mapping, made in the load transaction if missing.  Two
 * first loads at once would both create them (and the extension) and one would fail on
 * the catalog's unique key after waiting for the other's whole load: a transaction lock
 * makes the second wait for the first's commit and then see what it made (READ
 * COMMITTED: each statement sees what committed before it).  Once they exist, nothing
 * is locked.
 */
static int server_make(gx_sink *s, const gx_shard *sh, gx_err *err)
{
	char srv[96];
	const char *p[1] = { srv };
	gx_buf sql = { 0 };
	long n = 0;
	int rc;

	snprintf(srv, sizeof(srv), "gxload_shard_%s", sh->name);
	if ((rc = gx_sink_query_long(s, "SELECT count(*) FROM pg_foreign_server f "
	                             "JOIN pg_user_mappings m ON m.srvid = f.oid "
	                             "WHERE f.srvname = $1 AND m.usename IN (current_user, "
	                             "'public')", 1, p, &n, err)) || n > 0)
		return rc;
	if (!(rc = pg_exec(s, "SELECT pg_advisory_xact_lock(hashtext('gxload_shard_setup'))",
	                   err)) &&
	    !(rc = server_sql(s, sh, &sql, err)))
		rc = pg_exec(s, sql.data, err);
	gx_buf_release(&sql);
	return rc;
}

int pg_shard_prepare(gx_sink *s, const gx_shard *sh, gx_err *err)
{
	gx_buf sql = { 0 };
	PGconn *conn = NULL;
	PGresult *res;
	char *schema;
	int rc;

	if ((rc = server_make(s, sh, err)))
		goto out;
	gx_buf_reset(&sql);
	if ((rc = pg_shard_open(s, sh, "gxload.shard", &conn, err)))
		goto out;
	schema = PQescapeIdentifier(conn, s->cfg->pg_schema, strlen(s->cfg->pg_schema));
	gx_buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", schema ? schema : "public");
	PQfreemem(schema);
	res = PQexec(conn, sql.data ? sql.data : "");
	/* two first loads at once may race to create it: the loser sees it made */
	if (!pg_ok_status(res) && strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
	                                 PQresultErrorField(res, PG_DIAG_SQLSTATE) : "", "23505")) {
		rc = gx_pg_fail(conn, res, "cannot create the schema", err);
		gx_err_prefix(err, "shard '%s'", sh->name);
	}
	PQclear(res);
out:
	if (conn)
		PQfinish(conn);
	gx_buf_release(&sql);
	return rc;
}

/* the foreign tables in this schema read these tables, on any server (a shard's database
 * may be named by two shards; the names hold the study and the run, which are unique on
 * this coordinator) */
#define REFERENCED "SELECT o.option_value FROM pg_foreign_table ft " \
	"JOIN pg_class c ON c.oid = ft.ftrelid " \
	"CROSS JOIN LATERAL pg_options_to_table(ft.ftoptions) o " \
	"WHERE o.option_name = 'table_name' " \
	"AND c.relnamespace = current_schema()::regnamespace"

/* Of the shard's tables in res (column 0), those no foreign table names now, with their
 * study key (column 1); one anti-join on the coordinator.  *out owned by the caller. */
static int unreferenced(gx_sink *s, PGresult *res, gx_rows **out, gx_err *err)
{
	gx_buf names = { 0 };
	const char *p[1];
	int i, rc;

	gx_buf_putc(&names, '{');
	for (i = 0; i < PQntuples(res); i++) /* names of [a-z0-9_]: no quoting needed */
		gx_buf_printf(&names, "%s%s", i ? "," : "", PQgetvalue(res, i, 0));
	gx_buf_putc(&names, '}');
	if (!names.data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	p[0] = names.data;
	rc = pg_query(s, "SELECT n, substring(n FROM '^fact_gene_expression_p([0-9]+)_') "
	              "FROM unnest($1::text[]) AS n WHERE n NOT IN (" REFERENCED ") ORDER BY 1",
	              1, p, out, err);
	gx_buf_release(&names);
	return rc;
}

/* Take study K's staging lock unless this session holds it: 1 if it may sweep K's
 * tables (*taken: it took the lock and must let go), 0 if a run is staging K. */
static int stage_take(gx_sink *s, const char *k, int *taken)
{
	pg_impl *im = s->impl;
	const char *p[1] = { k };
	long got = 0;

	*taken = 0;
	if (im->stage_locked && !strcmp(k, im->stage_key_text))
		return 1;
	if (gx_sink_query_long(s, "SELECT pg_try_advisory_lock(hashtext('gxload_stage'), "
	                       "$1::int)::int", 1, p, &got, NULL) || !got)
		return 0;
	*taken = 1;
	return 1;
}

static void stage_let_go(gx_sink *s, const char *k)
{
	const char *p[1] = { k };

	pg_query(s, "SELECT pg_advisory_unlock(hashtext('gxload_stage'), $1::int)", 1, p, NULL,
	         NULL);
}

/* Drop one shard table if no foreign table names it.  The caller holds the study's
 * staging lock, so no run is between its tables' commit and its own: what the
 * coordinator has committed, read now (not before the lock), is the truth. */
static int drop_unreferenced(gx_sink *s, const gx_shard *sh, PGconn *conn,
                             const char *name, gx_err *err)
{
	const char *p[1] = { name };
	char sql[160];
	PGresult *d;
	long n = 0;
	int rc;

	if ((rc = gx_sink_query_long(s, "SELECT count(*) FROM (" REFERENCED ") r "
	                             "WHERE r.option_value = $1", 1, p, &n, err)) || n > 0)
		return rc;
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS \"%s\"", name);
	d = PQexec(conn, sql);
	if (!pg_ok_status(d))
		rc = gx_pg_fail(conn, d, "cannot drop a table no run will attach", err);
	else
		gx_log(GX_LOG_INFO, "load", "dropped %s on shard '%s', which no study refers to",
		       name, sh->name);
	PQclear(d);
	return rc;
}

/*
 * A shard's tables that no foreign table names are dropped.  The anti-join before the
 * locks only rules tables out (a table named then is in use, or garbage for a later
 * sweep); each remaining one is checked again under its study's staging lock, so the
 * locks and the second reading are per leftover, not per table of the shard.
 */
static int sweep_one(gx_sink *s, const gx_shard *sh, gx_err *err)
{
	PGconn *conn = NULL;
	PGresult *res = NULL;
	gx_rows *cand = NULL;
	size_t i;
	int rc;

	if ((rc = pg_shard_open(s, sh, "gxload.sweep", &conn, err)))
		goto out;
	res = PQexec(conn, "SELECT c.relname FROM pg_class c "
	             "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
	             "AND c.relname ~ '^fact_gene_expression_p[0-9]+_r[0-9]+_s[0-9]+$'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = gx_pg_fail(conn, res, "cannot list the shard's tables", err);
		goto out;
	}
	if (!PQntuples(res) || (rc = unreferenced(s, res, &cand, err)))
		goto out;
	gx_test_point("sweep"); /* listed: a run may publish or replace tables meanwhile */
	for (i = 0; i < cand->nrows && !rc; i++) {
		const char *k = gx_rows_get(cand, i, 1);
		int taken;

		if (!stage_take(s, k, &taken))
			continue;
		rc = drop_unreferenced(s, sh, conn, gx_rows_get(cand, i, 0), err);
		if (taken)
			stage_let_go(s, k);
	}
out:
	PQclear(res);
	if (conn)
		PQfinish(conn);
	gx_rows_free(cand);
	return rc;
}

void pg_shard_sweep(gx_sink *s)
{
	pg_impl *im = s->impl;
	size_t i;

	for (i = 0; i < im->shards.n; i++) {
		gx_err e;
		gx_err_clear(&e);
		if (sweep_one(s, &im->shards.srv[i], &e))
			gx_log(GX_LOG_WARNING, "load", "shard '%s': cannot drop the tables no study "
			       "refers to (%s); a later run drops them", im->shards.srv[i].name, e.msg);
	}
}
