/*
 * sink.h - the database a run writes to: one interface, two backends.
 *
 * A gx_sink is one connection to SQLite (sink_sqlite.c, the embedded default) or
 * PostgreSQL (sink_pg.c).  It is opaque outside src/load/: callers use the named
 * functions below (transactions, the study lock, gene-key resolution, the fact writer,
 * deletes), never the backend's table of function pointers, which lives in the private
 * header load/sink_impl.h together with the plain-SQL helpers the rest of load/ is
 * written with.  What differs by backend sits behind that table: transactions and
 * locks, gene-key resolution in batches, and the bulk fact path (binary COPY into a
 * partition swapped in atomically on PostgreSQL; prepared INSERTs in one transaction
 * on SQLite).
 *
 * Values never go into SQL text: they travel as parameters or COPY data.  Identifiers
 * from config (the PostgreSQL schema) are checked and quoted.  Connection strings are
 * only ever shown through gx_dburl_redact (gx_sink_url).
 */
#ifndef GX_SINK_H
#define GX_SINK_H

#include "core/buf.h"
#include "core/config.h"
#include "core/dburl.h"
#include "core/err.h"
#include "core/lock.h"

#include <stddef.h>
#include <stdint.h>

typedef struct gx_sink gx_sink;

/* A query result, materialized as text.  NULL cells are SQL NULL. */
typedef struct gx_rows {
	size_t nrows, ncols;
	char **names;   /* ncols column names */
	char **cells;   /* nrows * ncols, row-major */
} gx_rows;

static inline const char *gx_rows_get(const gx_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}
void gx_rows_free(gx_rows *r);

/* A batch of facts for one study, structure of arrays.  log2 NaN = SQL NULL. */
typedef struct gx_fact_batch {
	size_t n;
	const int32_t *sample_key;
	const int32_t *gene_key;
	const double *value;
	const double *log2;
	/* per fact, 1: not a fact to write but an unchanged sample's value that the backend's
	 * gene-major rows need (gx_sink_sample_block); NULL: none */
	const unsigned char *tile_only;
} gx_fact_batch;

typedef struct gx_fact_writer gx_fact_writer;

typedef enum gx_fact_mode {
	GX_FACTS_REPLACE,   /* the batches are the study's complete new facts */
	GX_FACTS_APPEND,    /* add to the study's facts (after deleting changed samples) */
} gx_fact_mode;

/*
 * Connect to cfg->db_url.  'purpose' names the command (shown in pg_stat_activity as
 * <application_name>.<purpose>).  With must_exist, a missing SQLite file is an error
 * (GX_E_DB_CONNECT) instead of being created.  Unreachable database: GX_E_DB_CONNECT.
 */
int gx_sink_open(const gx_config *cfg, const char *purpose, int must_exist, gx_sink **out,
                 gx_err *err);
/* Close; NULL is accepted. */
void gx_sink_close(gx_sink *s);

/* 1 while the connection can be used (PostgreSQL: not lost; SQLite: always). */
int gx_sink_alive(const gx_sink *s);
/*
 * Open a new connection in place of a lost one.  Whatever lived on the old session is
 * gone with it: the open transaction (rolled back by the server), the study locks
 * (gx_study_lock_release then leaves the database's alone) and prepared statements.
 * 0, or GX_E_DB_CONNECT (with the SQLSTATE of a transient refusal); after a failure
 * the sink stays unusable until a reconnect succeeds.
 */
int gx_sink_reconnect(gx_sink *s, gx_err *err);

/* The database URL with any password removed, for messages; owned by the sink. */
const char *gx_sink_url(const gx_sink *s);

int gx_sink_begin(gx_sink *s, gx_err *err);
int gx_sink_commit(gx_sink *s, gx_err *err);
/* Roll back the open transaction if any; safe to call at any time, NULL accepted. */
void gx_sink_rollback(gx_sink *s);

/* Name the session after run_id (PostgreSQL: <application_name>.<purpose>/<run_id>). */
int gx_sink_set_run(gx_sink *s, long run_id, gx_err *err);

/*
 * A study's lock: the lock file (core/lock.h) and then the database's own lock
 * (PostgreSQL: a session advisory lock, after which what a killed run of the study left
 * behind is dropped; SQLite: none beyond its write transaction).  Caller-owned; its
 * fields are private.  Zero it before use; release accepts a zeroed one.
 */
typedef struct gx_study_lock {
	gx_lock *file;
	gx_sink *s;             /* the database lock is held on this sink, or NULL */
	unsigned session;       /* ... on this session of it (gx_sink_reconnect) */
	const char *accession;  /* borrowed from the caller until release */
} gx_study_lock;

/*
 * Take study 'accession''s lock, waiting at most cfg->lock_timeout_s for each part
 * (GX_E_LOCKED when another run holds it).  s may be NULL (a dry run without a
 * database): the lock file only.  On failure nothing is held.
 */
int gx_study_lock_acquire(gx_study_lock *l, gx_sink *s, const gx_config *cfg,
                          const char *accession, gx_err *err);
/* Release what gx_study_lock_acquire took, the database lock first. */
void gx_study_lock_release(gx_study_lock *l);

/*
 * The keys of n genes of organism 'organism' (gx_organism_key; "" unknown) in dim_gene
 * (or of organism '*': genes loaded before migration 0009), whose rows are inserted when
 * new: the id as the file gives it, the file's symbol
 * (symbols may be NULL), and what the id's shape and the imported annotation say
 * (load/genes.h: the stable id and its version-free form, the symbol, the biotype).  A
 * symbol fills an existing row's empty gene_symbol.  The keys are remembered until the
 * transaction ends: gx_sink_delete_samples uses them to find a changed sample's rows by
 * key.
 */
int gx_sink_resolve_genes(gx_sink *s, const char *organism, size_t n, const char *const *ids,
                          const char *const *symbols, int32_t *keys, gx_err *err);

/*
 * Delete every fact of the n samples 'keys' of study study_key; *deleted receives the
 * number of rows.  When the transaction has resolved genes, the rows are found by
 * (gene, sample) key and their count is checked against the samples' n_values; only
 * when they differ (genes the matrix no longer has) is the study's table scanned by
 * sample.
 */
int gx_sink_delete_samples(gx_sink *s, int32_t study_key, size_t n, const int32_t *keys,
                           int64_t *deleted, gx_err *err);

/*
 * The fact writer: begin, put batches, then finish (or abort) inside the caller's
 * transaction.  *out is owned by the writer's functions: finish and abort free it.
 */
int gx_sink_facts_begin(gx_sink *s, int32_t study_key, gx_fact_mode mode,
                        gx_fact_writer **out, gx_err *err);
int gx_sink_facts_put(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err);
int gx_sink_facts_finish(gx_fact_writer *w, gx_err *err);
/* NULL is accepted. */
void gx_sink_facts_abort(gx_fact_writer *w);

/*
 * Bring the planner's statistics up to date after a load, in its transaction (SQLite:
 * ANALYZE with a sampling limit, a few milliseconds whatever the database's size, so
 * that joins through dim_sample plan well; PostgreSQL analyzes a new partition when it
 * builds it, and autovacuum the rest).
 */
int gx_sink_statistics(gx_sink *s, gx_err *err);

/*
 * *sharded = 1 when the study's facts live on a shard server (PostgreSQL with
 * shards.servers, docs/SHARDS.md): its facts are then only ever replaced whole, never
 * appended to or deleted from in place.
 */
int gx_sink_study_sharded(gx_sink *s, const char *accession, int *sharded, gx_err *err);

/*
 * The backend keeps a gene-major copy of the facts in rows of this many sample keys
 * (sample_key / n): a partial run must pass the unchanged samples of each such block
 * that has a changed, new or vanished sample as tile_only facts.  0: no such copy
 * (SQLite, whose fact table is itself gene-major).
 */
int gx_sink_sample_block(const gx_sink *s);

/* Current time as the ISO-8601 UTC text both backends store ("2026-01-02T03:04:05.678Z"). */
void gx_sink_now(char out[32]);
/* Format seconds since the epoch the same way. */
void gx_sink_time(double t, char out[32]);

#endif
