/*
 * checkpoint.h - the checkpoints of loads that resume (issue 18; migration 0012).
 *
 * A full load of more than resume.min_values values on PostgreSQL commits its staging
 * range tables in chunks of resume.chunk_values facts (in scan order), each range's
 * session recording its committed chunks in meta_load_checkpoint_leaf in the same
 * transaction.  The checkpoint row keeps what a later run needs to go on from there:
 * the study key and sample keys the staged facts carry, the facts fingerprint (matrix
 * hashes and value settings) and chunk size they were made with, and the ranges' bounds.
 * A run of the same study with the same fingerprint, chunk size and samples resumes:
 * it claims the same keys (gx_ckpt_claim_keys), re-reads the matrices and skips sending
 * the facts of committed chunks.  Any other run of the study discards the checkpoint.
 * The gene keys are stable because a resumable run commits its new genes before the load
 * transaction (pipeline/resume.c).  SQLite does not resume, nor a database with
 * shard servers (gx_ckpt_unsupported).
 * Does not: decide whether a run resumes (pipeline/resume.c), or write facts (pg_facts.c,
 * which runs the statements named here on its range sessions).
 */
#ifndef GX_LOAD_CHECKPOINT_H
#define GX_LOAD_CHECKPOINT_H

#include "load/sink.h"
#include "core/buf.h"
#include "core/hash.h"

#include <stddef.h>
#include <stdint.h>

typedef struct gx_ckpt {
	/* what this run is (the pipeline fills it) */
	char *accession;
	char facts_fp[GX_HASH_HEX];
	int64_t chunk_values;
	long run_id;
	size_t n_samples;           /* the run's samples and their keys, after the upserts */
	char **sample_acc;
	int32_t *sample_key;
	/* what an earlier run committed (gx_ckpt_find), when 'found' */
	int found;
	int32_t study_key;
	size_t n_leaves;
	int32_t *leaf_lo;           /* each range's lowest sample_key (the first: unused) */
	int64_t *leaf_chunks;       /* chunks committed per range */
	int *leaf_complete;         /* the range's table is whole and keyed */
	/* what this run kept of it (the fact writer counts) */
	int64_t values_kept;        /* facts of committed chunks, not sent again */
	int64_t from_chunk;         /* the first chunk any range sends again */
} gx_ckpt;

/* NULL if the database keeps checkpoints (PostgreSQL without shard servers), else why not. */
const char *gx_ckpt_unsupported(const gx_sink *s);
/* Read the study's checkpoint into *c (found = 0 when there is none); autocommit. */
int gx_ckpt_find(gx_sink *s, gx_ckpt *c, gx_err *err);
/* The sample keys of the study's checkpoint: rows of (sample accession, key). */
int gx_ckpt_samples(gx_sink *s, const char *accession, gx_rows **out, gx_err *err);
/* Drop the study's checkpoint and its staged tables (no run resumes from them). */
int gx_ckpt_discard(gx_sink *s, const char *accession, gx_err *err);
/* In the load transaction, before the dimension upserts: the study's and its new
 * samples' rows with the checkpoint's keys (placeholders the upserts then fill in). */
int gx_ckpt_claim_keys(gx_sink *s, const gx_ckpt *c, gx_err *err);
/* In the load transaction, after the swap: the checkpoint is used up; a resumed run's
 * ledger row says from which chunk and how many values it kept. */
int gx_ckpt_done(gx_sink *s, const gx_ckpt *c, gx_err *err);
/* The fact writer uses 'c' for the next full load (NULL: none). */
void gx_sink_set_ckpt(gx_sink *s, gx_ckpt *c);
/* Free what gx_ckpt_find and the pipeline allocated; *c zeroed. */
void gx_ckpt_release(gx_ckpt *c);

/* ---- for the PostgreSQL fact writer (load/ only) ---- */

/* The statements that write a new checkpoint for study_key with these ranges. */
int gx_ckpt_write_sql(const gx_ckpt *c, int32_t study_key, size_t n_leaves,
                      const int32_t *leaf_lo, gx_buf *sql);
/* The statement a range session runs before committing chunk 'chunks' (complete: its
 * table is whole). */
void gx_ckpt_leaf_sql(const gx_ckpt *c, size_t leaf, int64_t chunks, int complete,
                      char *out, size_t cap);

#endif
