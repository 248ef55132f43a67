/*
 * pg_chunks.c - the chunks of a resumable load on PostgreSQL (see load/checkpoint.h).
 *
 * The range sessions of a big study's new partition (pg_facts.c) commit their tables
 * every resume.chunk_values facts in scan order, each with its count of chunks in
 * meta_load_checkpoint_leaf in the same transaction, so a killed run leaves tables that
 * hold whole chunks and say how many.  A later run with the same checkpoint re-reads the
 * matrices, sends only the facts of chunks a range does not hold, and builds the keys and
 * swaps as a run that was never killed.  Ranges commit one after the other at a chunk's
 * end: a kill between two leaves ranges at different counts, which is why each range
 * keeps its own.  Costs: one commit per range per chunk, and COPY without FREEZE after a
 * range's first chunk (docs/PERFORMANCE.md).
 */
#include "load/pg_writer.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"

#include <stdio.h>
#include <string.h>

/* Where each range goes on: the chunks an earlier run committed to it, if any. */
void pg_chunks_plan(gx_fact_writer *w, size_t n)
{
	gx_ckpt *ck = w->ck;
	size_t i;

	ck->from_chunk = -1;
	ck->values_kept = 0;
	for (i = 0; i < n; i++) {
		leaf *lf = &w->leaves[i];
		lf->done = ck->found ? ck->leaf_chunks[i] : 0;
		lf->complete = ck->found && ck->leaf_complete[i];
		if (ck->from_chunk < 0 || lf->done < ck->from_chunk)
			ck->from_chunk = lf->done;
	}
}

/* A new checkpoint (the ranges' bounds, the keys the facts carry), committed on 'conn'
 * before any range table exists. */
int pg_chunks_write(gx_fact_writer *w, size_t n, PGconn *conn, gx_err *err)
{
	int32_t *lo = gx_calloc(n, sizeof(*lo));
	gx_buf sql = { 0 };
	size_t i;
	int rc = 0;

	if (!lo)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		lo[i] = w->leaves[i].lo;
	if (gx_ckpt_write_sql(w->ck, w->study_key, n, lo, &sql) < 0) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	} else {
		PGresult *res = PQexec(conn, sql.data);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = gx_pg_fail(conn, res, "cannot write the load's checkpoint", err);
		PQclear(res);
	}
	gx_free(lo);
	gx_buf_release(&sql);
	return rc;
}

/* Range i's next transaction on 'conn' (owned from here): a COPY into its table. */
int pg_chunk_stream(gx_fact_writer *w, size_t i, PGconn *conn, gx_err *err)
{
	leaf *lf = &w->leaves[i];
	char name[96], sql[288];
	int rc;

	pg_stage_name(w, i, name, sizeof(name));
	snprintf(sql, sizeof(sql), "BEGIN; COPY %s (study_key, sample_key, gene_key, value, "
	         "log2_value) FROM STDIN (FORMAT binary)", name);
	if ((rc = gx_pg_stream_start(conn, sql, STREAM_BUFS, COPY_BUF, &lf->st, err)))
		return rc;
	if (!(lf->buf = gx_pg_stream_swap(lf->st, NULL, err)))
		return err ? -(int)err->code : -(int)GX_E_DB;
	memcpy(lf->buf->data, pg_copy_header, sizeof(pg_copy_header));
	lf->buf->len = sizeof(pg_copy_header);
	return 0;
}

/* The COPY trailer into a range's buffer. */
int pg_leaf_trailer(leaf *lf, gx_err *err)
{
	if (lf->buf->len + 2 > lf->buf->cap &&
	    !(lf->buf = gx_pg_stream_swap(lf->st, lf->buf, err)))
		return err ? -(int)err->code : -(int)GX_E_DB;
	lf->buf->data[lf->buf->len++] = 0xff; /* the trailer: field count -1 */
	lf->buf->data[lf->buf->len++] = 0xff;
	return 0;
}

/* Chunks up to c are sent: each range that took part commits its rows together with
 * its count in the checkpoint, then goes on in a new transaction. */
static int chunks_commit(gx_fact_writer *w, int64_t c, gx_err *err)
{
	char after[640];
	size_t i;
	int rc = 0;

	for (i = 0; i < w->nleaves && !rc; i++) {
		leaf *lf = &w->leaves[i];
		if (lf->complete || lf->done >= c || (rc = pg_leaf_trailer(lf, err)))
			continue;
		gx_ckpt_leaf_sql(w->ck, i, c, 0, after, sizeof(after) - 8);
		strcat(after, "COMMIT");
		rc = gx_pg_stream_end(lf->st, lf->buf, after, err);
		lf->buf = NULL;
	}
	for (i = 0; i < w->nleaves && !rc; i++) {
		leaf *lf = &w->leaves[i];
		PGconn *conn;
		if (lf->complete || lf->done >= c || (rc = gx_pg_stream_wait(lf->st, err)))
			continue;
		conn = gx_pg_stream_take_conn(lf->st);
		lf->st = NULL;
		lf->done = c;
		rc = pg_chunk_stream(w, i, conn, err);
	}
	if (!rc && !(rc = gx_check_interrupt(err)))
		gx_test_point("chunk");
	return rc;
}

/* A resumable load's fact: the chunks end every chunk_values facts in scan order; the
 * facts of a chunk its range committed before are counted, not sent again. */
int pg_chunk_put(gx_fact_writer *w, int32_t smp, int32_t gene, double v, double l,
                 gx_err *err)
{
	int64_t size = w->ck->chunk_values, c = w->seq / size;
	leaf *lf;
	int rc;

	if (w->seq > 0 && w->seq % size == 0 && (rc = chunks_commit(w, c, err)))
		return rc;
	if (w->seq++ % size == size / 2)
		gx_test_point("chunk_mid");
	lf = pg_leaf_of(w, smp);
	if (lf->complete || c < lf->done) {
		w->ck->values_kept++;
		return 0;
	}
	return pg_leaf_put(w, smp, gene, v, l, err);
}
