/*
 * sink_pg.c - the PostgreSQL backend.
 *
 * fact_gene_expression is partitioned by LIST (study_key); each study's partition is
 * fact_gene_expression_p<study_key> (named from the integer key, never from user text)
 * with primary key (gene_key, sample_key).  The parent has no index, so:
 *   - a full load (GX_FACTS_REPLACE) builds the study's new partition apart and swaps it
 *     in.  A small study (under postgresql.copy_streams_min_rows facts) goes through the
 *     main session: a new table created in the load transaction with its CHECK
 *     (study_key = K) (so that ATTACH skips its validation scan), binary COPY ... FREEZE,
 *     the primary key built after the data (in emission order, the cheap way), ANALYZE.
 *     A big study is split by sample_key into postgresql.copy_streams ranges; each range
 *     is a table loaded by its own session and sender thread (load/pg_stream.c) in its
 *     own transaction - CREATE, COPY FREEZE, primary key, ANALYZE, COMMIT - all ranges at
 *     the same time, while this thread goes on parsing.  The load transaction then makes
 *     them the partitions of a new fact_gene_expression_p<K> partitioned by RANGE
 *     (sample_key) (their CHECKs imply the bounds: no scan; their keys become its key
 *     without a build).  Either way the old partition is detached and dropped and the
 *     new one attached in the load transaction, which commits with the run's meta rows:
 *     a reader sees the old study or the new one, never a mix.
 *   - the range tables (fact_gene_expression_p<K>_s<i>) are committed by their own
 *     sessions before the swap, but nothing refers to them until the load transaction
 *     attaches them: a reader of fact_gene_expression never sees them.  A run that
 *     fails after they committed drops them when it lets go of the study; one that is
 *     killed leaves them behind, and the next run of any study drops them as soon as
 *     it holds its study's lock (a staging lock per study key tells tables in use from
 *     leftovers: see sweep_staged).
 *     The range sessions take no lock on any shared table (their tables are declared
 *     from the catalog, not LIKE the parent), so they cannot wait on another loader
 *     that waits on this one.
 *   - a partial load (GX_FACTS_APPEND) deletes the changed samples' rows and COPYs the new
 *     rows straight into the existing partition, in the same transaction.
 * Studies are locked with a session advisory lock keyed on the accession, which also
 * serializes loaders on different hosts.  Sessions are named
 * <application_name>.<command>/<run_id> (fallback_application_name; range sessions add
 * .copy<i>) so an operator can find one in pg_stat_activity.
 * Files: sink_pg.c (this table: transactions, locks, deletes, the session's name),
 * pg_conn.c (sessions and statements), pg_facts.c (gene keys, the fact writer),
 * pg_stream.c (a range session's COPY thread).
 * After a lost connection the run rolls back and its caller may start it again on a new
 * session (gx_sink_reconnect; the retries are the pipeline's, core/retry.h).
 */
#include "load/pg_conn.h"
#include "load/pg_arrays.h"
#include "load/pg_facts.h"
#include "load/pg_shard.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Drop the range tables (fact_gene_expression_p<K>_s<i>) that no run will attach: made
 * by a run that was killed, lost its connection or failed after they committed.  Which
 * are in use is told by the staging lock: a run holds a session advisory lock on
 * ('gxload_stage', K) from before it makes study K's range tables until it has attached
 * or dropped them, and a killed run's lock goes with its session.  So a table that is
 * not a partition is a leftover if its K's lock is free, or is this session's own (then
 * the run has committed or rolled back: attached tables are partitions, the rest are
 * leftovers).  The study may never have committed (a failed first load has no dim_study
 * row), which is why the lock, not dim_study, decides.  Runs in autocommit: right after a
 * run takes its study's lock (every study's leftovers, so none is left behind for
 * good), and when a run that staged lets go.
 */
static int pg_sweep_staged(gx_sink *s, gx_err *err)
{
	pg_impl *im = s->impl;
	gx_rows *r = NULL;
	size_t i, j;
	long ck = 0;
	char keep[32];
	const char *kp[1] = { keep };
	int rc;

	/* a resumable load's tables stay while their checkpoint is younger than
	 * resume.keep_hours (load/checkpoint.h); older ones go with it */
	snprintf(keep, sizeof(keep), "%.17g", s->cfg->resume_keep_hours * 3600.0);
	rc = gx_sink_query_long(s, "SELECT (to_regclass('meta_load_checkpoint') IS NOT NULL)::int",
	                        0, NULL, &ck, err);
	if (!rc)
		rc = pg_query(s, ck ?
		"SELECT quote_ident(c.relname), substring(c.relname FROM "
		"'^fact_gene_expression_p([0-9]+)_s[0-9]+$') FROM pg_class c "
		"WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
		"AND NOT c.relispartition AND c.relname ~ '^fact_gene_expression_p[0-9]+_s[0-9]+$' "
		"AND NOT EXISTS (SELECT 1 FROM meta_load_checkpoint k WHERE k.study_key::text = "
		"substring(c.relname FROM '^fact_gene_expression_p([0-9]+)_s[0-9]+$') "
		"AND k.updated_at > now() - make_interval(secs => $1::float8)) ORDER BY 2, 1" :
		"SELECT quote_ident(c.relname), substring(c.relname FROM "
		"'^fact_gene_expression_p([0-9]+)_s[0-9]+$') FROM pg_class c "
		"WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
		"AND NOT c.relispartition AND c.relname ~ '^fact_gene_expression_p[0-9]+_s[0-9]+$' "
		"AND $1::text IS NOT NULL ORDER BY 2, 1", 1, kp, &r, err);
	for (i = 0; !rc && i < r->nrows; i = j) {
		const char *k = gx_rows_get(r, i, 1);
		const char *p[1] = { k };
		int own = im->stage_locked && !strcmp(k, im->stage_key_text);
		long got = own;

		for (j = i; j < r->nrows && !strcmp(gx_rows_get(r, j, 1), k); j++)
			;
		if (!own && (rc = gx_sink_query_long(s, "SELECT pg_try_advisory_lock("
		                                     "hashtext('gxload_stage'), $1::int)::int",
		                                     1, p, &got, err)))
			break;
		for (; got && i < j && !rc; i++) {
			char sql[128];
			snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", gx_rows_get(r, i, 0));
			if ((rc = pg_exec(s, sql, err)))
				gx_err_prefix(err, "cannot drop a table left by an earlier run");
			else
				gx_log(GX_LOG_INFO, "load", "dropped %s, made by a run that did not "
				       "attach it", gx_rows_get(r, i, 0));
		}
		if (got && ck && !rc) /* the tables' checkpoint, if any, is stale */
			rc = pg_query(s, "DELETE FROM meta_load_checkpoint WHERE study_key = $1::int",
			              1, p, NULL, err);
		if (got && !own)
			pg_query(s, "SELECT pg_advisory_unlock(hashtext('gxload_stage'), $1::int)", 1,
			         p, NULL, NULL);
	}
	gx_rows_free(r);
	return rc;
}

/*
 * Take the study's advisory lock, then drop the range tables that failed or killed runs
 * left behind (see pg_sweep_staged): from here on no other gxload session works on this
 * study.
 */
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
		if (got) {
			/* a shard that cannot be reached is a warning here: a study on another
			 * server still loads, one on that shard fails when it connects */
			pg_shard_sweep(s);
			return pg_sweep_staged(s, err);
		}
		if (gx_mono() - start >= timeout_s)
			return gx_err_set(err, GX_E_LOCKED,
			                  "'%s' is being loaded by another gxload session "
			                  "(PostgreSQL advisory lock is held)", acc);
		if ((rc = gx_check_interrupt(err)))
			return rc;
		gx_test_point("lock_wait");
		usleep(200 * 1000);
	}
}

static void pg_unlock_study(gx_sink *s, const char *acc)
{
	const char *p[1] = { acc };
	pg_impl *im = s->impl;

	if (im->stage_locked) {
		gx_err e;
		gx_err_clear(&e);
		/* a run that made range tables and did not attach them (it failed after they
		 * committed: a check, a lost connection) drops them before it lets go */
		if (pg_sweep_staged(s, &e))
			gx_log(GX_LOG_WARNING, "load", "cannot drop this run's range tables (%s); "
			       "the next run drops them", e.msg);
		pg_query(s, "SELECT pg_advisory_unlock(hashtext('gxload_stage'), $1::int)", 1,
		         (const char *[]){ im->stage_key_text }, NULL, NULL);
		im->stage_locked = 0;
	}
	/* the tables of a sharded study's previous load (or of this run, if it failed) */
	pg_shard_sweep(s);
	pg_query(s, "SELECT pg_advisory_unlock(hashtext('gxload'), hashtext($1))", 1, p, NULL,
	         NULL);
}

static int pg_set_run(gx_sink *s, long run_id, gx_err *err)
{
	pg_impl *im = s->impl;
	char name[128];
	const char *p[1] = { name };

	im->run_id = run_id;
	snprintf(name, sizeof(name), "%s.%s/%ld", s->cfg->pg_application_name, s->purpose,
	         run_id);
	return pg_query(s, "SELECT set_config('application_name', $1, false)", 1, p, NULL, err);
}

static int pg_alive(const gx_sink *s)
{
	const pg_impl *im = s->impl;
	return im && im->conn && PQstatus(im->conn) == CONNECTION_OK;
}

static const char *pg_server_version(gx_sink *s)
{
	pg_impl *im = s->impl;
	return im->version;
}

static void pg_close(gx_sink *s)
{
	pg_impl *im = s->impl;
	size_t i;

	if (!im)
		return;
	if (im->conn)
		PQfinish(im->conn);
	for (i = 0; i < im->nstmts; i++)
		gx_free(im->stmts[i].sql);
	gx_shards_free(&im->shards);
	gx_free(im);
	s->impl = NULL;
}

static int pg_connect(gx_sink *s, int must_exist, gx_err *err)
{
	char appname[128];
	pg_impl *im;
	int v, rc;

	(void)must_exist;
	im = gx_calloc(1, sizeof(*im));
	if (!im)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	s->impl = im;
	if ((rc = gx_shards_parse(s->cfg->shard_servers, s->cfg->n_shard_servers,
	                          s->cfg->shard_placement, s->cfg->n_shard_placement, &im->shards,
	                          err)))
		return rc;
	if (getenv("PGPASSWORD"))
		gx_log(GX_LOG_WARNING, "connect",
		       "PGPASSWORD is set; prefer ~/.pgpass or PGPASSFILE (other users may see "
		       "process environments)");
	snprintf(appname, sizeof(appname), "%s.%s", s->cfg->pg_application_name, s->purpose);
	if ((rc = pg_open(s, appname, &im->conn, err)))
		return rc;
	v = PQserverVersion(im->conn);
	snprintf(im->version, sizeof(im->version), "%d.%d", v / 10000, v % 10000);
	if (v < 130000)
		return gx_err_set(err, GX_E_DB_CONNECT,
		                  "PostgreSQL %s is too old: gxload needs 13 or later", im->version);
	if (!PQisthreadsafe())
		return gx_err_set(err, GX_E_DB_CONNECT, "this libpq is not thread-safe");
	return 0;
}

/* run a DELETE with parameters; *deleted = rows deleted */
static int pg_delete_rows(gx_sink *s, const char *sql, int np, const char *const *p,
                          int64_t *deleted, gx_err *err)
{
	pg_impl *im = s->impl;
	PGresult *res = PQexecParams(im->conn, sql, np, NULL, p, NULL, NULL, 0);
	int rc = 0;

	if (!pg_ok_status(res))
		rc = pg_fail(s, res, "cannot delete rows", err);
	else
		*deleted = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

/* gx_sink_delete_samples's statements: a partition's key is (gene_key, sample_key) */
static const gx_delete_sql pg_delete_sql = {
	.brackets = "{}",
	.expected = "SELECT COALESCE(sum(n_values), 0) FROM dim_sample WHERE study_key = $1::int "
	            "AND sample_key = ANY ($2::int[])",
	.by_key = "DELETE FROM fact_gene_expression WHERE study_key = $1::int "
	          "AND gene_key = ANY ($3::int[]) AND sample_key = ANY ($2::int[])",
	.by_sample = "DELETE FROM fact_gene_expression WHERE study_key = $1::int "
	             "AND sample_key = ANY ($2::int[])",
	/* the samples' by_sample rows, and their blocks' by_gene rows (pg_arrays.h): the
	 * run writes each block again from all of its samples */
	.copies = "WITH g AS (DELETE FROM fact_gene_expression_by_gene WHERE study_key = $1::int "
	          "AND block IN (SELECT DISTINCT k / " GX_STR(ARR_BLOCK) " FROM unnest($2::int[]) k)) "
	          "DELETE FROM fact_gene_expression_by_sample WHERE study_key = $1::int "
	          "AND sample_key = ANY ($2::int[])",
};

const gx_sink_ops gx_sink_pg_ops = {
	.name = "postgresql",
	.connect = pg_connect,
	.exec = pg_exec,
	.query = pg_query,
	.delete_rows = pg_delete_rows,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock_study = pg_lock_study,
	.unlock_study = pg_unlock_study,
	.resolve_genes = pg_resolve_genes,
	.delete_sql = &pg_delete_sql,
	.sample_block = ARR_BLOCK,
	.facts_begin = pg_facts_begin,
	.facts_put = pg_facts_put,
	.facts_finish = pg_facts_finish,
	.facts_abort = pg_facts_abort,
	.copy_rows = pg_copy_rows,
	.facts_read = pg_facts_read,
	.study_sharded = pg_shard_study_sharded,
	.set_run = pg_set_run,
	.server_version = pg_server_version,
	.close = pg_close,
	.alive = pg_alive,
};
