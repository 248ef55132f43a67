/*
 * checkpoint.c - the checkpoints of loads that resume (see checkpoint.h).
 *
 * PostgreSQL only: every statement here names meta_load_checkpoint* (migration 0012) or
 * the identity columns' OVERRIDING SYSTEM VALUE.  Literals (the accession, the sample
 * accessions) are quoted here because the statements run on the range sessions with
 * other statements in one PQexec.
 * Invariant: a checkpoint's tables are fact_gene_expression_p<study_key>_s<leaf>, the
 * names pg_facts.c gives the range tables, so one sweep (sink_pg.c) handles both.
 */
#include "load/checkpoint.h"
#include "load/sink_impl.h"
#include "load/pg_shard.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *gx_ckpt_unsupported(const gx_sink *s)
{
	if (s->kind != GX_DB_POSTGRESQL)
		return "SQLite loads a study in one transaction";
	/* the chunks would have to be committed on the shard and found there again */
	if (pg_shard_any(s))
		return "a database with shard servers (shards.servers) does not chunk its loads";
	return NULL;
}

void gx_sink_set_ckpt(gx_sink *s, gx_ckpt *c)
{
	s->ckpt = c;
}

/* 'v' as an SQL string literal ('...' with ' doubled) */
static void put_literal(gx_buf *b, const char *v)
{
	gx_buf_putc(b, '\'');
	for (; *v; v++) {
		if (*v == '\'')
			gx_buf_putc(b, '\'');
		gx_buf_putc(b, *v);
	}
	gx_buf_putc(b, '\'');
}

/* a PostgreSQL array element "..." (with " and \ escaped) inside a string literal */
static void put_elem(gx_buf *b, const char *v, int first)
{
	if (!first)
		gx_buf_putc(b, ',');
	gx_buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			gx_buf_putc(b, '\\');
		if (*v == '\'')
			gx_buf_putc(b, '\'');
		gx_buf_putc(b, *v);
	}
	gx_buf_putc(b, '"');
}

static void free_found(gx_ckpt *c)
{
	gx_free(c->leaf_lo);
	gx_free(c->leaf_chunks);
	gx_free(c->leaf_complete);
	c->leaf_lo = NULL;
	c->leaf_chunks = NULL;
	c->leaf_complete = NULL;
	c->n_leaves = 0;
	c->found = 0;
}

void gx_ckpt_release(gx_ckpt *c)
{
	size_t i;

	if (!c)
		return;
	free_found(c);
	for (i = 0; c->sample_acc && i < c->n_samples; i++)
		gx_free(c->sample_acc[i]);
	gx_free(c->sample_acc);
	gx_free(c->sample_key);
	gx_free(c->accession);
	memset(c, 0, sizeof(*c));
}

/* The ranges of a found checkpoint; a range that committed chunks must have its table
 * (*ok = 0 otherwise: the checkpoint cannot be resumed from). */
static int find_leaves(gx_sink *s, gx_ckpt *c, const char *lo_list, int *ok, gx_err *err)
{
	const char *par[1] = { c->accession };
	gx_rows *r = NULL;
	const char *q = lo_list;
	size_t i;
	int rc;

	*ok = 0;
	rc = gx_sink_query(s,
		"SELECT l.leaf, l.chunks, l.complete::int, "
		"(to_regclass(format('fact_gene_expression_p%s_s%s', k.study_key, l.leaf)) "
		" IS NOT NULL)::int "
		"FROM meta_load_checkpoint_leaf l JOIN meta_load_checkpoint k USING (accession) "
		"WHERE l.accession = $1 ORDER BY l.leaf", 1, par, &r, err);
	if (rc)
		return rc;
	c->n_leaves = r->nrows;
	c->leaf_lo = gx_calloc(r->nrows + 1, sizeof(*c->leaf_lo));
	c->leaf_chunks = gx_calloc(r->nrows + 1, sizeof(*c->leaf_chunks));
	c->leaf_complete = gx_calloc(r->nrows + 1, sizeof(*c->leaf_complete));
	if (!c->leaf_lo || !c->leaf_chunks || !c->leaf_complete) {
		gx_rows_free(r);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	*ok = r->nrows > 0;
	for (i = 0; i < r->nrows; i++) {
		char *end;
		c->leaf_chunks[i] = atoll(gx_rows_get(r, i, 1));
		c->leaf_complete[i] = atoi(gx_rows_get(r, i, 2));
		if ((size_t)atol(gx_rows_get(r, i, 0)) != i ||
		    ((c->leaf_chunks[i] > 0 || c->leaf_complete[i]) && !atoi(gx_rows_get(r, i, 3))))
			*ok = 0;
		c->leaf_lo[i] = (int32_t)strtol(q, &end, 10);
		if (end == q && i > 0)
			*ok = 0;
		q = *end == ',' ? end + 1 : end;
	}
	gx_rows_free(r);
	return 0;
}

int gx_ckpt_find(gx_sink *s, gx_ckpt *c, gx_err *err)
{
	const char *par[1] = { c->accession };
	gx_rows *r = NULL;
	int rc, ok = 0;

	free_found(c);
	rc = gx_sink_query(s, "SELECT study_key, facts_fingerprint, chunk_values, "
	                   "array_to_string(leaf_lo, ',') FROM meta_load_checkpoint "
	                   "WHERE accession = $1", 1, par, &r, err);
	if (rc || r->nrows == 0) {
		gx_rows_free(r);
		return rc;
	}
	c->study_key = (int32_t)atol(gx_rows_get(r, 0, 0));
	/* the same matrices, value settings and chunk size, or nothing to resume */
	if (!strcmp(gx_rows_get(r, 0, 1), c->facts_fp) &&
	    atoll(gx_rows_get(r, 0, 2)) == (long long)c->chunk_values)
		rc = find_leaves(s, c, gx_rows_get(r, 0, 3), &ok, err);
	gx_rows_free(r);
	if (rc)
		return rc;
	if (!ok)
		free_found(c);
	c->found = ok;
	return 0;
}

/* The sample keys of the study's checkpoint: *acc and *key (n rows), owned by the
 * caller via gx_rows. */
int gx_ckpt_samples(gx_sink *s, const char *accession, gx_rows **out, gx_err *err)
{
	const char *par[1] = { accession };

	return gx_sink_query(s, "SELECT sample_accession, sample_key FROM "
	                     "meta_load_checkpoint_sample WHERE accession = $1", 1, par, out, err);
}

int gx_ckpt_discard(gx_sink *s, const char *accession, gx_err *err)
{
	const char *par[1] = { accession };
	gx_rows *r = NULL;
	size_t i;
	int rc;

	rc = gx_sink_query(s,
		"SELECT quote_ident(c.relname) FROM meta_load_checkpoint k JOIN pg_class c "
		"ON c.relname ~ ('^fact_gene_expression_p' || k.study_key || '_s[0-9]+$') "
		"WHERE k.accession = $1 AND c.relkind = 'r' AND NOT c.relispartition "
		"AND c.relnamespace = current_schema()::regnamespace", 1, par, &r, err);
	for (i = 0; !rc && i < r->nrows; i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", gx_rows_get(r, i, 0));
		rc = gx_sink_exec(s, sql, err);
	}
	if (!rc && r->nrows)
		gx_log(GX_LOG_INFO, "load", "discarded the checkpoint of '%s' (%zu staged tables): "
		       "its matrices, settings or samples differ from this run's", accession,
		       r->nrows);
	gx_rows_free(r);
	if (!rc)
		rc = gx_sink_query(s, "DELETE FROM meta_load_checkpoint WHERE accession = $1", 1,
		                   par, NULL, err);
	if (rc)
		gx_err_prefix(err, "cannot discard the checkpoint of '%s'", accession);
	return rc;
}

int gx_ckpt_claim_keys(gx_sink *s, const gx_ckpt *c, gx_err *err)
{
	char sk[16];
	const char *par[2] = { sk, c->accession };
	int rc;

	if (!c->found)
		return 0;
	snprintf(sk, sizeof(sk), "%d", (int)c->study_key);
	/* placeholders with an empty content_hash: the upserts that follow rewrite them */
	rc = gx_sink_query(s, "INSERT INTO dim_study (study_key, accession, content_hash, "
	                   "created_at, updated_at) OVERRIDING SYSTEM VALUE "
	                   "VALUES ($1::int, $2, '', now(), now()) ON CONFLICT DO NOTHING",
	                   2, par, NULL, err);
	if (!rc)
		rc = gx_sink_query(s, "INSERT INTO dim_sample (sample_key, study_key, accession, "
		                   "column_name, content_hash, created_at, updated_at) "
		                   "OVERRIDING SYSTEM VALUE SELECT s.sample_key, $1::int, "
		                   "s.sample_accession, '', '', now(), now() "
		                   "FROM meta_load_checkpoint_sample s WHERE s.accession = $2 "
		                   "ON CONFLICT DO NOTHING", 2, par, NULL, err);
	if (rc)
		gx_err_prefix(err, "cannot take the keys of the checkpoint of '%s'", c->accession);
	return rc;
}

int gx_ckpt_done(gx_sink *s, const gx_ckpt *c, gx_err *err)
{
	char id[24], from[24], kept[24];
	const char *par[3] = { id, from, kept };
	int rc;

	rc = gx_sink_query(s, "DELETE FROM meta_load_checkpoint WHERE accession = $1", 1,
	                   (const char *[]){ c->accession }, NULL, err);
	if (rc || !c->found)
		return rc;
	snprintf(id, sizeof(id), "%ld", c->run_id);
	snprintf(from, sizeof(from), "%lld", (long long)c->from_chunk);
	snprintf(kept, sizeof(kept), "%lld", (long long)c->values_kept);
	return gx_sink_query(s, "UPDATE meta_etl_run SET resumed_from_chunk = $2, "
	                     "values_resumed = $3 WHERE run_id = $1", 3, par, NULL, err);
}

int gx_ckpt_write_sql(const gx_ckpt *c, int32_t study_key, size_t n_leaves,
                      const int32_t *leaf_lo, gx_buf *sql)
{
	size_t i;

	gx_buf_puts(sql, "BEGIN; DELETE FROM meta_load_checkpoint WHERE accession = ");
	put_literal(sql, c->accession);
	gx_buf_puts(sql, "; INSERT INTO meta_load_checkpoint (accession, study_key, "
	            "facts_fingerprint, chunk_values, leaf_lo, run_id) VALUES (");
	put_literal(sql, c->accession);
	gx_buf_printf(sql, ", %d, '%s', %lld, '{", (int)study_key, c->facts_fp,
	              (long long)c->chunk_values);
	for (i = 0; i < n_leaves; i++)
		gx_buf_printf(sql, "%s%d", i ? "," : "", i ? (int)leaf_lo[i] : 0);
	gx_buf_printf(sql, "}', %ld); INSERT INTO meta_load_checkpoint_sample (accession, "
	              "sample_accession, sample_key) SELECT ", c->run_id);
	put_literal(sql, c->accession);
	gx_buf_puts(sql, ", a, k FROM unnest('{");
	for (i = 0; i < c->n_samples; i++)
		put_elem(sql, c->sample_acc[i], i == 0);
	gx_buf_puts(sql, "}'::text[], '{");
	for (i = 0; i < c->n_samples; i++)
		gx_buf_printf(sql, "%s%d", i ? "," : "", (int)c->sample_key[i]);
	gx_buf_puts(sql, "}'::int[]) AS t(a, k); INSERT INTO meta_load_checkpoint_leaf "
	            "(accession, leaf) SELECT ");
	put_literal(sql, c->accession);
	gx_buf_printf(sql, ", g FROM generate_series(0, %zu) g; COMMIT", n_leaves - 1);
	return sql->data ? 0 : -1;
}

void gx_ckpt_leaf_sql(const gx_ckpt *c, size_t leaf, int64_t chunks, int complete,
                      char *out, size_t cap)
{
	gx_buf acc = { 0 };

	put_literal(&acc, c->accession);
	snprintf(out, cap, "UPDATE meta_load_checkpoint_leaf SET chunks = %lld, complete = %s "
	         "WHERE accession = %s AND leaf = %zu; ", (long long)chunks,
	         complete ? "true" : "false", acc.data ? acc.data : "''", leaf);
	gx_buf_release(&acc);
}
