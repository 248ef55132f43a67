/*
 * pg_writer.h - the PostgreSQL fact writer's state, shared by pg_facts.c (the writer)
 * and pg_chunks.c (the chunks of a resumable load).  Private to those two files.
 */
#ifndef GX_LOAD_PG_WRITER_H
#define GX_LOAD_PG_WRITER_H

#include "core/shard.h"
#include "load/checkpoint.h"
#include "load/pg_arrays.h"
#include "load/pg_conn.h"
#include "load/pg_stream.h"

/* One range of sample_keys of a big study's new partition: [lo, next leaf's lo). */
typedef struct leaf {
	gx_pg_stream *st;
	gx_qbuf *buf;       /* being filled */
	int32_t lo;         /* INT32_MIN for the first */
	int committed;      /* its session committed its table */
	int64_t done;       /* resumable load: chunks its table holds (checkpoint.h) */
	int complete;       /* resumable load: its table is whole and keyed already */
} leaf;

struct gx_fact_writer {
	gx_sink *s;
	int32_t study_key;
	gx_fact_mode mode;
	/* the COPY on the main session (APPEND; REPLACE of a small study) */
	int copying;
	unsigned char *buf;
	size_t len;
	char table[64];
	int64_t pauses;     /* COPYs ended to run another statement (gene lookups) */
	/* REPLACE: facts held back until the study proves big enough for range sessions */
	int32_t *ps, *pg;
	double *pv, *pl;
	size_t pn, pcap;
	/* REPLACE of a big study: one range session each */
	leaf *leaves;
	size_t nleaves;     /* 0 until they start */
	size_t cur;         /* leaf of the last row */
	pg_arrays *arr;     /* the gene-major and sample-major rows (pg_arrays.h) */
	gx_ckpt *ck;        /* a resumable load's checkpoint (checkpoint.h), else NULL */
	int64_t seq;        /* resumable load: facts put so far (their chunk: seq / size) */
	const gx_shard *shard; /* REPLACE of a study placed on a shard (pg_shard.h), or NULL */
	long run_id;        /* names a shard's range tables */
};

/* the binary COPY header */
extern const unsigned char pg_copy_header[19];
/* A range's table name: fact_gene_expression_p<K>_s<i>. */
void pg_stage_name(const gx_fact_writer *w, size_t i, char *out, size_t cap);
/* The range of a sample. */
leaf *pg_leaf_of(gx_fact_writer *w, int32_t sample);
/* Append a fact to its range's buffer. */
int pg_leaf_put(gx_fact_writer *w, int32_t sample, int32_t gene, double value, double log2v,
                gx_err *err);

/* ---- pg_chunks.c: a resumable load's chunks (checkpoint.h) ---- */

/* Where each of the n ranges goes on: the chunks an earlier run committed to it. */
void pg_chunks_plan(gx_fact_writer *w, size_t n);
/* Commit a new checkpoint on 'conn' before any range table exists. */
int pg_chunks_write(gx_fact_writer *w, size_t n, PGconn *conn, gx_err *err);
/* Range i's next transaction on 'conn' (owned from here): a COPY into its table. */
int pg_chunk_stream(gx_fact_writer *w, size_t i, PGconn *conn, gx_err *err);
/* The COPY trailer into a range's buffer. */
int pg_leaf_trailer(leaf *lf, gx_err *err);
/* A fact of a resumable load (sent, or counted as kept). */
int pg_chunk_put(gx_fact_writer *w, int32_t smp, int32_t gene, double v, double l,
                 gx_err *err);

#endif
