/*
 * sink.h - the database a run writes to: one interface, two backends.
 *
 * A gx_sink is one connection to SQLite (sink_sqlite.c, the embedded default) or
 * PostgreSQL (sink_pg.c).  Everything that is plain SQL - meta tables, dimension upserts,
 * status queries, migrations - is written once against gx_sink_exec/gx_sink_query with
 * $1, $2, ... parameters passed as text (SQLite accepts "$1" as a parameter name, and its
 * column affinity converts the text).  What differs by backend sits behind the table of
 * function pointers in gx_sink_ops: transactions and locks, gene-key resolution in
 * batches, and the bulk fact path (binary COPY into a partition swapped in atomically on
 * PostgreSQL; prepared INSERTs in one transaction on SQLite).
 *
 * Values never go into SQL text: they travel as parameters or COPY data.  Identifiers
 * from config (the PostgreSQL schema) are checked and quoted.  Connection strings are
 * only ever shown through gx_dburl_redact.
 */
#ifndef GX_SINK_H
#define GX_SINK_H

#include "core/buf.h"
#include "core/config.h"
#include "core/dburl.h"
#include "core/err.h"

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
} gx_fact_batch;

typedef struct gx_fact_writer gx_fact_writer;

typedef enum gx_fact_mode {
	GX_FACTS_REPLACE,   /* the batches are the study's complete new facts */
	GX_FACTS_APPEND,    /* add to the study's facts (after deleting changed samples) */
} gx_fact_mode;

typedef struct gx_sink_ops {
	const char *name;
	/* fill s->impl; must_exist: see gx_sink_open */
	int (*connect)(gx_sink *s, int must_exist, gx_err *err);
	int (*exec)(gx_sink *s, const char *sql, gx_err *err);
	int (*query)(gx_sink *s, const char *sql, int nparams, const char *const *params,
	             gx_rows **out, gx_err *err);
	int (*begin)(gx_sink *s, gx_err *err);
	int (*commit)(gx_sink *s, gx_err *err);
	int (*rollback)(gx_sink *s);
	int (*lock_study)(gx_sink *s, const char *accession, double timeout_s, gx_err *err);
	void (*unlock_study)(gx_sink *s, const char *accession);
	int (*resolve_genes)(gx_sink *s, size_t n, const char *const *ids,
	                     const char *const *symbols, int32_t *keys, gx_err *err);
	/* delete the facts of samples 'keys'; a backend may use the gene keys resolved
	 * earlier in the transaction to find them through the primary key, as long as it
	 * deletes every row of those samples */
	int (*delete_samples)(gx_sink *s, int32_t study_key, size_t n, const int32_t *keys,
	                      int64_t *deleted, gx_err *err);
	int (*facts_begin)(gx_sink *s, int32_t study_key, gx_fact_mode mode,
	                   gx_fact_writer **out, gx_err *err);
	int (*facts_put)(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err);
	int (*facts_finish)(gx_fact_writer *w, gx_err *err);
	void (*facts_abort)(gx_fact_writer *w);
	/* append nrows rows of ncols text cells (row-major; NULL = SQL NULL) to 'table'
	 * (an identifier from code, not from input) */
	int (*copy_rows)(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
	                 size_t nrows, const char *const *cells, gx_err *err);
	int (*set_run)(gx_sink *s, long run_id, gx_err *err);
	const char *(*server_version)(gx_sink *s);
	void (*close)(gx_sink *s);
} gx_sink_ops;

struct gx_sink {
	const gx_sink_ops *ops;
	gx_db_kind kind;
	char *url_redacted;
	const gx_config *cfg;
	char *purpose;      /* "load", "status", ...: part of the PostgreSQL application name */
	int in_tx;
	void *impl;
};

extern const gx_sink_ops gx_sink_sqlite_ops;
extern const gx_sink_ops gx_sink_pg_ops;

/*
 * Connect to cfg->db_url.  'purpose' names the command (shown in pg_stat_activity as
 * <application_name>.<purpose>).  With must_exist, a missing SQLite file is an error
 * (GX_E_DB_CONNECT) instead of being created.  Unreachable database: GX_E_DB_CONNECT.
 */
int gx_sink_open(const gx_config *cfg, const char *purpose, int must_exist, gx_sink **out,
                 gx_err *err);
void gx_sink_close(gx_sink *s);

/* Run SQL without parameters (may hold several statements). */
int gx_sink_exec(gx_sink *s, const char *sql, gx_err *err);
/* Run a statement with text parameters ($1..$n; NULL = SQL NULL); *out may be NULL. */
int gx_sink_query(gx_sink *s, const char *sql, int nparams, const char *const *params,
                  gx_rows **out, gx_err *err);
/* Same, returning the first column of the first row as a long (0 if no row). */
int gx_sink_query_long(gx_sink *s, const char *sql, int nparams, const char *const *params,
                       long *out, gx_err *err);

/*
 * Append rows to a table in bulk: COPY on PostgreSQL, one prepared INSERT on SQLite.
 * cells holds nrows x ncols texts, row-major, NULL for SQL NULL; the backend converts
 * them by column type, as with parameters.
 */
int gx_sink_copy_rows(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
                      size_t nrows, const char *const *cells, gx_err *err);

/* Keys as an array literal: brackets "{}" (PostgreSQL) or "[]" (JSON, for SQLite's
 * json_each).  0, or -1 when out of memory (then b is released). */
int gx_sink_key_list(gx_buf *b, const char *brackets, size_t n, const int32_t *keys);

int gx_sink_begin(gx_sink *s, gx_err *err);
int gx_sink_commit(gx_sink *s, gx_err *err);
/* Roll back the open transaction if any; safe to call at any time. */
void gx_sink_rollback(gx_sink *s);

/* Current time as the ISO-8601 UTC text both backends store ("2026-01-02T03:04:05.678Z"). */
void gx_sink_now(char out[32]);
/* Format seconds since the epoch the same way. */
void gx_sink_time(double t, char out[32]);

#endif
