/*
 * pg_facts.c - the PostgreSQL backend's bulk path: gene keys and the fact writer (see
 * pg_facts.h, and sink_pg.c for the design).
 *
 * Facts go out as binary COPY: on the main session for an APPEND and for a small
 * REPLACE (a new partition created in the load transaction, keyed after the data), or,
 * for a big REPLACE, split by sample_key over postgresql.copy_streams range sessions
 * (pg_stream.c) whose committed tables the load transaction attaches; a resumable load
 * (load/checkpoint.h) starts them at once and commits them in chunks (pg_chunks.c).
 * Gene keys are resolved before the COPY (pg_genes.c); one that a COPY meets unresolved
 * pauses it.  The writer's state is in pg_writer.h, shared with pg_chunks.c.
 * Does not: run the load transaction's other statements, or decide what to write.
 */
#include "load/pg_facts.h"
#include "load/pg_writer.h"
#include "load/pg_arrays.h"
#include "load/pg_shard.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy_start(gx_fact_writer *w, const char *prefix, gx_err *err);
static int copy_pause(gx_fact_writer *w, gx_err *err);

/* ---- the binary COPY ---- */

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

const unsigned char pg_copy_header[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r',
                                          '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0 };

/* A binary COPY row: int16 field count, then (int32 length, value) per field. */
enum { ROW_MAX = 2 + 3 * 8 + 2 * 12 };

/* Write one fact as a binary COPY row at p; returns its length (42, or 50 with log2). */
static size_t put_row(unsigned char *p, int32_t study, int32_t sample, int32_t gene,
                      double value, double log2v)
{
	uint64_t bits;

	put_be16(p, 5);
	put_be32(p + 2, 4);
	put_be32(p + 6, (uint32_t)study);
	put_be32(p + 10, 4);
	put_be32(p + 14, (uint32_t)sample);
	put_be32(p + 18, 4);
	put_be32(p + 22, (uint32_t)gene);
	put_be32(p + 26, 8);
	memcpy(&bits, &value, 8);
	put_be64(p + 30, bits);
	if (isnan(log2v)) {
		put_be32(p + 38, 0xffffffffu);
		return 42;
	}
	put_be32(p + 38, 8);
	memcpy(&bits, &log2v, 8);
	put_be64(p + 42, bits);
	return 50;
}

/* ---- the COPY on the main session ---- */

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
	memcpy(w->buf, pg_copy_header, sizeof(pg_copy_header));
	w->len = sizeof(pg_copy_header);
	im->active = w;
	return 0;
}

static int copy_put(gx_fact_writer *w, int32_t sample, int32_t gene, double value,
                    double log2v, gx_err *err)
{
	int rc;

	if (w->len + ROW_MAX > COPY_BUF && (rc = copy_flush(w, err)))
		return rc;
	w->len += put_row(w->buf + w->len, w->study_key, sample, gene, value, log2v);
	return 0;
}

static int copy_end(gx_fact_writer *w, const char *errmsg, gx_err *err)
{
	pg_impl *im = w->s->impl;

	w->copying = 0;
	im->active = NULL;
	return gx_pg_copy_end(im->conn, errmsg, err);
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

int pg_facts_pause(gx_fact_writer *w, gx_err *err)
{
	return copy_pause(w, err);
}

int pg_facts_resume(gx_fact_writer *w, gx_err *err)
{
	return copy_start(w, "", err);
}

/* ---- a big study's range sessions ---- */

/* "SET LOCAL maintenance_work_mem = ...; " when configured, else "" */
static void mwm_setting(const gx_sink *s, char *out, size_t cap)
{
	if (s->cfg->pg_maintenance_work_mem_mb > 0)
		snprintf(out, cap, "SET LOCAL maintenance_work_mem = '%ldMB'; ",
		         s->cfg->pg_maintenance_work_mem_mb);
	else
		out[0] = '\0';
}

void pg_stage_name(const gx_fact_writer *w, size_t i, char *out, size_t cap)
{
	/* on a shard the run is in the name: the tables of the study's last load stay
	 * there, under the coordinator's foreign partitions, until the new ones are in */
	if (w->shard)
		snprintf(out, cap, "fact_gene_expression_p%d_r%ld_s%zu", (int)w->study_key,
		         w->run_id, i);
	else
		snprintf(out, cap, "fact_gene_expression_p%d_s%zu", (int)w->study_key, i);
}

/*
 * The columns of fact_gene_expression as a table definition ("study_key integer NOT
 * NULL, ..."), read from the catalog: the range tables are declared with it instead of
 * LIKE, which would lock the parent (see the header).  *out owned by the caller.
 */
static int fact_columns(gx_sink *s, char **out, gx_err *err)
{
	gx_rows *r = NULL;
	int rc;

	*out = NULL;
	rc = pg_query(s,
		"SELECT string_agg(format('%I %s%s', a.attname, format_type(a.atttypid, a.atttypmod), "
		"CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END), ', ' ORDER BY a.attnum) "
		"FROM pg_attribute a WHERE a.attrelid = 'fact_gene_expression'::regclass "
		"AND a.attnum > 0 AND NOT a.attisdropped", 0, NULL, &r, err);
	if (rc)
		return rc;
	if (r->nrows != 1 || !gx_rows_get(r, 0, 0))
		rc = gx_err_set(err, GX_E_DB, "cannot read the columns of fact_gene_expression");
	else if (!(*out = gx_strdup(gx_rows_get(r, 0, 0))))
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	gx_rows_free(r);
	return rc;
}

/* the facts to hold back before deciding; 0: none, start the range sessions at once */
static size_t pending_cap(const gx_sink *s)
{
	return (size_t)s->cfg->pg_copy_streams_min_rows;
}

/*
 * Start the range sessions: split the study's samples (their keys, from dim_sample in
 * the load transaction) into up to postgresql.copy_streams ranges of equal count, then
 * open one session per range with its table and COPY.
 */
static int leaves_start(gx_fact_writer *w, gx_err *err)
{
	gx_sink *s = w->s;
	pg_impl *im = s->impl;
	char sk[16], mwm[64], name[96];
	const char *par[1] = { sk };
	gx_rows *keys = NULL;
	char *cols = NULL;
	gx_buf sql = { 0 };
	size_t n, i;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)w->study_key);
	/* the staging lock, held until the run lets go of the study (see pg_sweep_staged) */
	if (!im->stage_locked) {
		if ((rc = pg_query(s, "SELECT pg_advisory_lock(hashtext('gxload_stage'), $1::int)",
		                   1, par, NULL, err)))
			goto out;
		im->stage_locked = 1;
		im->stage_key = w->study_key;
		snprintf(im->stage_key_text, sizeof(im->stage_key_text), "%s", sk);
	}
	if ((rc = pg_query(s, "SELECT sample_key FROM dim_sample WHERE study_key = $1::int "
	                   "ORDER BY sample_key", 1, par, &keys, err)) ||
	    (rc = fact_columns(s, &cols, err)))
		goto out;
	n = (size_t)s->cfg->pg_copy_streams;
	if (n > keys->nrows)
		n = keys->nrows ? keys->nrows : 1;
	if (w->ck && w->ck->found)
		n = w->ck->n_leaves; /* the ranges the checkpoint's tables were made with */
	w->leaves = gx_calloc(n, sizeof(*w->leaves));
	if (!w->leaves) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		w->leaves[i].lo = i == 0 ? INT32_MIN
		                  : w->ck && w->ck->found ? w->ck->leaf_lo[i]
		                  : (int32_t)atol(gx_rows_get(keys, i * keys->nrows / n, 0));
	if (w->ck)
		pg_chunks_plan(w, n);
	mwm_setting(s, mwm, sizeof(mwm));
	for (i = 0; i < n; i++) {
		leaf *lf = &w->leaves[i];
		char app[160];
		PGconn *conn = NULL;

		snprintf(app, sizeof(app), "%s.%s/%ld.copy%zu", s->cfg->pg_application_name,
		         s->purpose, im->run_id, i);
		w->nleaves = i + 1;
		if (lf->complete)
			continue; /* whole and keyed by an earlier run: no session */
		if ((rc = w->shard ? pg_shard_open(s, w->shard, app, &conn, err)
		                   : pg_open(s, app, &conn, err)))
			goto out;
		pg_stage_name(w, i, name, sizeof(name));
		gx_buf_reset(&sql);
		if (lf->done > 0) {
			/* the table holds committed chunks: go on filling it */
			rc = pg_chunk_stream(w, i, conn, err);
			if (rc)
				goto out;
			continue;
		}
		if (w->ck && i == 0 && !w->ck->found && (rc = pg_chunks_write(w, n, conn, err))) {
			PQfinish(conn);
			goto out;
		}
		gx_buf_printf(&sql, "BEGIN; %s%s"
		              "CREATE TABLE %s (%s, CONSTRAINT %s_study CHECK (study_key = %d)",
		              mwm, n > 1 ? "SET LOCAL max_parallel_maintenance_workers = 0; " : "",
		              name, cols, name, (int)w->study_key);
		if (n > 1) {
			gx_buf_printf(&sql, ", CONSTRAINT %s_range CHECK (", name);
			if (i > 0)
				gx_buf_printf(&sql, "sample_key >= %d%s", (int)lf->lo,
				              i + 1 < n ? " AND " : "");
			if (i + 1 < n)
				gx_buf_printf(&sql, "sample_key < %d", (int)w->leaves[i + 1].lo);
			gx_buf_putc(&sql, ')');
		}
		gx_buf_printf(&sql, "); COPY %s (study_key, sample_key, gene_key, value, log2_value) "
		              "FROM STDIN (FORMAT binary, FREEZE)", name);
		if (!sql.data) {
			PQfinish(conn);
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = gx_pg_stream_start(conn, sql.data, STREAM_BUFS, COPY_BUF, &lf->st, err)))
			goto out;
		if (!(lf->buf = gx_pg_stream_swap(lf->st, NULL, err))) {
			rc = err ? -(int)err->code : -(int)GX_E_DB;
			goto out;
		}
		memcpy(lf->buf->data, pg_copy_header, sizeof(pg_copy_header));
		lf->buf->len = sizeof(pg_copy_header);
	}
	gx_log(GX_LOG_DEBUG, "load", "loading study %d through %zu parallel COPY sessions%s%s",
	       (int)w->study_key, n, w->shard ? " on shard " : "", w->shard ? w->shard->name : "");
out:
	gx_buf_release(&sql);
	gx_free(cols);
	gx_rows_free(keys);
	return rc;
}

/* The range of a sample. */
leaf *pg_leaf_of(gx_fact_writer *w, int32_t sample)
{
	leaf *lf = &w->leaves[w->cur];

	if (sample < lf->lo || (w->cur + 1 < w->nleaves && sample >= w->leaves[w->cur + 1].lo)) {
		size_t k = 0;
		while (k + 1 < w->nleaves && sample >= w->leaves[k + 1].lo)
			k++;
		w->cur = k;
		lf = &w->leaves[k];
	}
	return lf;
}

/* Append a fact to the buffer of its range, passing full buffers to the session. */
int pg_leaf_put(gx_fact_writer *w, int32_t sample, int32_t gene, double value,
                double log2v, gx_err *err)
{
	leaf *lf = pg_leaf_of(w, sample);

	if (lf->buf->len + ROW_MAX > lf->buf->cap &&
	    !(lf->buf = gx_pg_stream_swap(lf->st, lf->buf, err)))
		return err ? -(int)err->code : -(int)GX_E_DB;
	lf->buf->len += put_row(lf->buf->data + lf->buf->len, w->study_key, sample, gene, value,
	                        log2v);
	return 0;
}

/* The facts held back go to the range sessions, or to the main session's COPY. */
static int pending_flush(gx_fact_writer *w, gx_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < w->pn && !rc; i++)
		rc = w->nleaves ? pg_leaf_put(w, w->ps[i], w->pg[i], w->pv[i], w->pl[i], err)
		                : copy_put(w, w->ps[i], w->pg[i], w->pv[i], w->pl[i], err);
	w->pn = 0;
	return rc;
}

/* Range i's bounds, "lo) TO (hi": MINVALUE for the first, MAXVALUE for the last. */
static void range_bounds(const gx_fact_writer *w, size_t i, gx_buf *sql)
{
	if (i == 0)
		gx_buf_puts(sql, "MINVALUE");
	else
		gx_buf_printf(sql, "%d", (int)w->leaves[i].lo);
	gx_buf_puts(sql, ") TO (");
	if (i + 1 == w->nleaves)
		gx_buf_puts(sql, "MAXVALUE");
	else
		gx_buf_printf(sql, "%d", (int)w->leaves[i + 1].lo);
}

/*
 * The swap statements for a study loaded through range sessions: the committed range
 * tables become the new partition (partitioned by sample_key when there are several),
 * which replaces the old one.
 */
static int leaves_swap_sql(gx_fact_writer *w, gx_buf *sql)
{
	int k = (int)w->study_key;
	char name[96];
	size_t i;

	gx_buf_printf(sql, "DO $$ BEGIN "
	              "IF to_regclass('fact_gene_expression_p%d') IS NOT NULL THEN "
	              "ALTER TABLE fact_gene_expression DETACH PARTITION fact_gene_expression_p%d; "
	              "DROP TABLE fact_gene_expression_p%d; END IF; END $$; ", k, k, k);
	if (w->nleaves == 1) {
		pg_stage_name(w, 0, name, sizeof(name));
		gx_buf_printf(sql, "ALTER TABLE %s RENAME TO fact_gene_expression_p%d; "
		              "ALTER INDEX %s_pkey RENAME TO fact_gene_expression_p%d_pkey; "
		              "ALTER TABLE fact_gene_expression_p%d RENAME CONSTRAINT %s_study "
		              "TO fact_gene_expression_p%d_study; ", name, k, name, k, k, name, k);
	} else {
		gx_buf_printf(sql, "CREATE TABLE fact_gene_expression_p%d "
		              "(LIKE fact_gene_expression INCLUDING DEFAULTS) "
		              "PARTITION BY RANGE (sample_key); ", k);
		for (i = 0; i < w->nleaves; i++) {
			pg_stage_name(w, i, name, sizeof(name));
			gx_buf_printf(sql, "ALTER TABLE %s RENAME TO fact_gene_expression_p%d_%zu; "
			              "ALTER INDEX %s_pkey RENAME TO fact_gene_expression_p%d_%zu_pkey; "
			              "ALTER TABLE fact_gene_expression_p%d_%zu RENAME CONSTRAINT %s_study "
			              "TO fact_gene_expression_p%d_%zu_study; "
			              "ALTER TABLE fact_gene_expression_p%d_%zu RENAME CONSTRAINT %s_range "
			              "TO fact_gene_expression_p%d_%zu_range; ",
			              name, k, i, name, k, i, k, i, name, k, i, k, i, name, k, i);
			gx_buf_printf(sql, "ALTER TABLE fact_gene_expression_p%d ATTACH PARTITION "
			              "fact_gene_expression_p%d_%zu FOR VALUES FROM (", k, k, i);
			range_bounds(w, i, sql);
			gx_buf_puts(sql, "); ");
		}
		/* the ranges' keys become the partition's key: attached, not built */
		gx_buf_printf(sql, "ALTER TABLE fact_gene_expression_p%d ADD CONSTRAINT "
		              "fact_gene_expression_p%d_pkey PRIMARY KEY (gene_key, sample_key); ", k, k);
	}
	gx_buf_printf(sql, "ALTER TABLE fact_gene_expression ATTACH PARTITION "
	              "fact_gene_expression_p%d FOR VALUES IN (%d);", k, k);
	return sql->data ? 0 : -1;
}

/*
 * The swap statements for a study on a shard: the committed range tables there become
 * the foreign partitions (postgres_fdw) of a new fact_gene_expression_p<K> partitioned
 * by RANGE (sample_key), which replaces the old one; the old one's tables on the shard
 * are dropped after the commit by the sweep (pg_shard_sweep).
 */
static int shard_swap_sql(gx_fact_writer *w, gx_buf *sql)
{
	pg_impl *im = w->s->impl;
	int k = (int)w->study_key;
	char name[96], *schema;
	size_t i;

	schema = PQescapeLiteral(im->conn, w->s->cfg->pg_schema, strlen(w->s->cfg->pg_schema));
	if (!schema)
		return -1;
	gx_buf_printf(sql, "DO $$ BEGIN "
	              "IF to_regclass('fact_gene_expression_p%d') IS NOT NULL THEN "
	              "ALTER TABLE fact_gene_expression DETACH PARTITION fact_gene_expression_p%d; "
	              "DROP TABLE fact_gene_expression_p%d; END IF; END $$; ", k, k, k);
	gx_buf_printf(sql, "CREATE TABLE fact_gene_expression_p%d "
	              "(LIKE fact_gene_expression INCLUDING DEFAULTS) "
	              "PARTITION BY RANGE (sample_key); ", k);
	for (i = 0; i < w->nleaves; i++) {
		pg_stage_name(w, i, name, sizeof(name));
		gx_buf_printf(sql, "CREATE FOREIGN TABLE fact_gene_expression_p%d_%zu PARTITION OF "
		              "fact_gene_expression_p%d FOR VALUES FROM (", k, i, k);
		range_bounds(w, i, sql);
		gx_buf_printf(sql, ") SERVER gxload_shard_%s OPTIONS (schema_name %s, "
		              "table_name '%s'); ", w->shard->name, schema, name);
	}
	gx_buf_printf(sql, "ALTER TABLE fact_gene_expression ATTACH PARTITION "
	              "fact_gene_expression_p%d FOR VALUES IN (%d);", k, k);
	PQfreemem(schema);
	return sql->data ? 0 : -1;
}

/* Close the range sessions; those that committed their table drop it again. */
static void leaves_close(gx_fact_writer *w)
{
	size_t i;

	for (i = 0; i < w->nleaves; i++) {
		leaf *lf = &w->leaves[i];
		if (lf->committed) {
			char name[96], sql[160];
			pg_stage_name(w, i, name, sizeof(name));
			snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", name);
			PQclear(PQexec(gx_pg_stream_conn(lf->st), sql));
		}
		gx_pg_stream_close(lf->st);
	}
	gx_free(w->leaves);
	w->leaves = NULL;
	w->nleaves = 0;
}

/* ---- the fact writer ---- */

static void writer_free(gx_fact_writer *w)
{
	if (!w)
		return;
	leaves_close(w);
	pg_arrays_free(w->arr);
	gx_free(w->ps);
	gx_free(w->pg);
	gx_free(w->pv);
	gx_free(w->pl);
	gx_free(w->buf);
	gx_free(w);
}

int pg_facts_begin(gx_sink *s, int32_t study_key, gx_fact_mode mode,
                          gx_fact_writer **out, gx_err *err)
{
	gx_fact_writer *w;
	int rc = 0;

	*out = NULL;
	w = gx_calloc(1, sizeof(*w));
	if (!w || !(w->buf = gx_malloc(COPY_BUF))) {
		gx_free(w);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	w->s = s;
	w->study_key = study_key;
	w->mode = mode;
	w->run_id = ((pg_impl *)s->impl)->run_id;
	if ((rc = pg_arrays_new(study_key, &w->arr, err)) ||
	    (rc = pg_shard_place(s, study_key, &w->shard, err))) {
		writer_free(w);
		return rc;
	}
	if (w->shard && mode != GX_FACTS_REPLACE) {
		/* the pipeline rewrites a sharded study whole (pipeline.c, plan) */
		rc = gx_err_set(err, GX_E_INTERNAL, "study %d is on shard '%s': it cannot be "
		                "appended to", (int)study_key, w->shard->name);
		writer_free(w);
		return rc;
	}
	if (w->shard) {
		/* straight to the shard's range sessions: nothing goes through this server */
		if ((rc = pg_shard_prepare(s, w->shard, err)) || (rc = leaves_start(w, err))) {
			writer_free(w);
			return rc;
		}
	} else if (mode == GX_FACTS_REPLACE) {
		/* nothing on the server yet: the size of the study decides how it is loaded */
		snprintf(w->table, sizeof(w->table), "fact_gene_expression_p%d_new", (int)study_key);
		w->ck = s->ckpt && s->ckpt->chunk_values > 0 ? s->ckpt : NULL;
		w->pcap = w->ck ? 0 : pending_cap(s);
		if (w->pcap &&
		    (!(w->ps = gx_malloc(w->pcap * sizeof(*w->ps))) ||
		     !(w->pg = gx_malloc(w->pcap * sizeof(*w->pg))) ||
		     !(w->pv = gx_malloc(w->pcap * sizeof(*w->pv))) ||
		     !(w->pl = gx_malloc(w->pcap * sizeof(*w->pl)))))
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		else if (!w->pcap)
			rc = leaves_start(w, err);
	} else {
		snprintf(w->table, sizeof(w->table), "fact_gene_expression_p%d", (int)study_key);
		rc = copy_start(w, "", err);
	}
	if (rc) {
		writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* One fact to where its mode sends it: the open COPY, the facts held back, a range. */
static int put_one(gx_fact_writer *w, int32_t smp, int32_t gene, double v, double l,
                   gx_err *err)
{
	int rc;

	if (w->copying)
		return copy_put(w, smp, gene, v, l, err);
	if (w->ck)
		return pg_chunk_put(w, smp, gene, v, l, err);
	if (!w->nleaves && w->pn < w->pcap) {
		w->ps[w->pn] = smp;
		w->pg[w->pn] = gene;
		w->pv[w->pn] = v;
		w->pl[w->pn++] = l;
		return 0;
	}
	/* a big study: start the range sessions, send them what was held back */
	if (!w->nleaves && ((rc = leaves_start(w, err)) || (rc = pending_flush(w, err))))
		return rc;
	return pg_leaf_put(w, smp, gene, v, l, err);
}

int pg_facts_put(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		int tile = b->tile_only && b->tile_only[i];
		if ((rc = pg_arrays_add(w->arr, b->sample_key[i], b->gene_key[i], b->value[i],
		                        b->log2[i], tile, err)) ||
		    (!tile && (rc = put_one(w, b->sample_key[i], b->gene_key[i], b->value[i],
		                            b->log2[i], err))))
			return rc;
	}
	return 0;
}

/* Finish a study loaded through range sessions: their COPYs end and their keys are
 * built in parallel, each commits, then the load transaction swaps them in. */
static int leaves_finish(gx_fact_writer *w, gx_err *err)
{
	char name[96], after[1024];
	gx_buf sql = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < w->nleaves && !rc; i++) {
		leaf *lf = &w->leaves[i];
		char mark[640] = "";
		if (lf->complete)
			continue;
		if ((rc = pg_leaf_trailer(lf, err)))
			break;
		pg_stage_name(w, i, name, sizeof(name));
		if (w->ck) /* whole: a resumed run keeps it as it is */
			gx_ckpt_leaf_sql(w->ck, i, (w->seq + w->ck->chunk_values - 1) /
			                 w->ck->chunk_values, 1, mark, sizeof(mark));
		snprintf(after, sizeof(after), "ALTER TABLE %s ADD CONSTRAINT %s_pkey "
		         "PRIMARY KEY (gene_key, sample_key); ANALYZE %s; %sCOMMIT", name, name, name,
		         mark);
		rc = gx_pg_stream_end(lf->st, lf->buf, after, err);
		lf->buf = NULL;
	}
	if (rc)
		return rc; /* leaves_close stops every session, ended or not */
	for (i = 0; i < w->nleaves; i++) {
		gx_err e2;
		int r2;
		if (w->leaves[i].complete)
			continue;
		gx_err_clear(&e2);
		r2 = gx_pg_stream_wait(w->leaves[i].st, &e2);
		/* a resumable load's tables stay for the next run (its checkpoint) */
		w->leaves[i].committed = r2 == 0 && !rc && !w->ck;
		if (r2 && !rc) {
			rc = r2;
			if (err)
				*err = e2;
		}
	}
	if (rc || (rc = gx_check_interrupt(err)))
		return rc; /* the committed range tables are dropped by leaves_close */
	gx_test_point("staged");
	if ((w->shard ? shard_swap_sql(w, &sql) : leaves_swap_sql(w, &sql)) < 0)
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	else
		rc = pg_exec(w->s, sql.data, err);
	gx_buf_release(&sql);
	if (rc)
		return rc;
	/* the tables belong to the partition now: nothing to drop on close */
	for (i = 0; i < w->nleaves; i++)
		w->leaves[i].committed = 0;
	return 0;
}

/* Finish a small study on the main session: COPY what was held back into a new table,
 * build its key, swap it in. */
static int small_finish(gx_fact_writer *w, gx_err *err)
{
	gx_buf sql = { 0 };
	char mwm[64];
	int rc, k = (int)w->study_key;

	mwm_setting(w->s, mwm, sizeof(mwm));
	gx_buf_printf(&sql, "DROP TABLE IF EXISTS %s; %s"
	              "CREATE TABLE %s (LIKE fact_gene_expression INCLUDING DEFAULTS, "
	              "CONSTRAINT %s_study CHECK (study_key = %d)); ",
	              w->table, mwm, w->table, w->table, k);
	if (!sql.data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rc = copy_start(w, sql.data, err);
	gx_buf_release(&sql);
	if (rc || (rc = pending_flush(w, err)) || (rc = copy_pause(w, err)))
		return rc;
	gx_buf_printf(&sql,
	              "ALTER TABLE %s ADD CONSTRAINT %s_pkey PRIMARY KEY (gene_key, sample_key); "
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
	              w->table, w->table, w->table, k, k, k, w->table, k, w->table, k, k, w->table, k,
	              k, k);
	if (!sql.data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rc = pg_exec(w->s, sql.data, err);
	gx_buf_release(&sql);
	return rc;
}

int pg_facts_finish(gx_fact_writer *w, gx_err *err)
{
	int rc;

	if (w->mode == GX_FACTS_APPEND) {
		rc = copy_pause(w, err);
		if (!rc && w->pauses > 1)
			gx_log(GX_LOG_DEBUG, "load", "COPY was paused %lld times for gene lookups",
			       (long long)w->pauses - 1);
	} else {
		rc = w->nleaves ? leaves_finish(w, err) : small_finish(w, err);
		if (rc)
			gx_err_prefix(err, "cannot swap in the new partition of study %d",
			              (int)w->study_key);
	}
	if (!rc && (rc = pg_arrays_finish(w->arr, w->s, w->mode == GX_FACTS_REPLACE, err)))
		gx_err_prefix(err, "cannot write the gene-major rows of study %d", (int)w->study_key);
	if (((pg_impl *)w->s->impl)->active == w)
		copy_end(w, "load aborted by gxload", NULL);
	writer_free(w);
	return rc;
}

void pg_facts_abort(gx_fact_writer *w)
{
	pg_impl *im;

	if (!w)
		return;
	im = w->s->impl;
	if (w->copying)
		copy_end(w, "load aborted by gxload", NULL);
	if (im->active == w)
		im->active = NULL;
	writer_free(w);
}
