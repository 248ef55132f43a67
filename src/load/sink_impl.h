/*
 * sink_impl.h - inside the sink: the backend table and the gx_sink struct.  Private to
 * src/load/ (tests/unit/test_layers.c checks that nothing else includes it).
 *
 * A backend (sink_sqlite.c, sink_pg.c) fills one gx_sink_ops; sink.c dispatches to it
 * and holds what both backends share: the transaction flag, the genes resolved in the
 * transaction, and the delete-samples algorithm (which runs the backend's own
 * statements, gx_delete_sql).
 */
#ifndef GX_SINK_IMPL_H
#define GX_SINK_IMPL_H

#include "load/sink.h"

/*
 * A backend's statements for gx_sink_delete_samples, with the same parameters:
 * $1 study_key, $2 the samples' keys, $3 the transaction's gene keys, both as arrays in
 * the backend's literal syntax ('brackets': "{}" for PostgreSQL arrays, "[]" for the
 * JSON arrays that SQLite's json_each reads).
 */
typedef struct gx_delete_sql {
	const char *brackets;
	const char *expected;   /* $1, $2: the samples' stored n_values, summed */
	const char *by_key;     /* $1, $2, $3: delete through the (gene, sample) key */
	const char *by_sample;  /* $1, $2: delete by sample (scans the study's rows) */
	const char *copies;     /* $1, $2: also delete the samples' rows of the backend's
	                         * gene-major copies (NULL: none) */
} gx_delete_sql;

/* A chunk of a study's facts read back (gx_sink_facts_read): n rows of sample key, gene
 * key and log2_value (NaN for NULL).  A negative return stops the read with it. */
typedef int (*gx_facts_read_fn)(void *ctx, size_t n, const int32_t *sample,
                                const int32_t *gene, const double *log2, gx_err *err);

typedef struct gx_sink_ops {
	const char *name;
	/* fill s->impl; must_exist: see gx_sink_open */
	int (*connect)(gx_sink *s, int must_exist, gx_err *err);
	int (*exec)(gx_sink *s, const char *sql, gx_err *err);
	int (*query)(gx_sink *s, const char *sql, int nparams, const char *const *params,
	             gx_rows **out, gx_err *err);
	/* run a DELETE with parameters; *deleted receives the rows it deleted */
	int (*delete_rows)(gx_sink *s, const char *sql, int nparams, const char *const *params,
	                   int64_t *deleted, gx_err *err);
	int (*begin)(gx_sink *s, gx_err *err);
	int (*commit)(gx_sink *s, gx_err *err);
	int (*rollback)(gx_sink *s);
	int (*lock_study)(gx_sink *s, const char *accession, double timeout_s, gx_err *err);
	void (*unlock_study)(gx_sink *s, const char *accession);
	int (*resolve_genes)(gx_sink *s, const char *organism, size_t n, const char *const *ids,
	                     const char *const *symbols, int32_t *keys, gx_err *err);
	const gx_delete_sql *delete_sql;
	int sample_block;       /* gx_sink_sample_block */
	int (*facts_begin)(gx_sink *s, int32_t study_key, gx_fact_mode mode,
	                   gx_fact_writer **out, gx_err *err);
	int (*facts_put)(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err);
	int (*facts_finish)(gx_fact_writer *w, gx_err *err);
	void (*facts_abort)(gx_fact_writer *w);
	/* append nrows rows of ncols text cells (row-major; NULL = SQL NULL) to 'table'
	 * (an identifier from code, not from input) */
	int (*copy_rows)(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
	                 size_t nrows, const char *const *cells, gx_err *err);
	/* every fact of the study in (gene_key, sample_key) order - only those of the genes in
	 * the key list 'genes' ("{1,2}" / "[1,2]", gx_sink_key_list) unless NULL - in chunks
	 * to fn, values as stored (binary, no text on the way) */
	int (*facts_read)(gx_sink *s, int32_t study_key, const char *genes, gx_facts_read_fn fn,
	                  void *ctx, gx_err *err);
	int (*set_run)(gx_sink *s, long run_id, gx_err *err);
	/* gx_sink_study_sharded (NULL: never) */
	int (*study_sharded)(gx_sink *s, const char *accession, int *sharded, gx_err *err);
	/* gx_sink_statistics (NULL: nothing to do) */
	int (*statistics)(gx_sink *s, gx_err *err);
	const char *(*server_version)(gx_sink *s);
	void (*close)(gx_sink *s);
	/* 1 while the connection can be used; NULL: always (SQLite) */
	int (*alive)(const gx_sink *s);
} gx_sink_ops;

/* Every backend's struct gx_fact_writer starts with its sink ("gx_sink *s;" as first
 * member), so that sink.c finds the backend from a writer alone. */
static inline gx_sink *gx_fact_writer_sink(gx_fact_writer *w)
{
	return *(gx_sink **)(void *)w;
}

struct gx_sink {
	const gx_sink_ops *ops;
	gx_db_kind kind;
	char *url_redacted;
	const gx_config *cfg;
	char *purpose;      /* "load", "status", ...: part of the PostgreSQL application name */
	int in_tx;
	unsigned session;   /* counts reconnects: what a study lock was taken on */
	gx_buf tx_genes;    /* "k1,k2,..." of the genes resolved in this transaction */
	struct gx_ckpt *ckpt; /* the next full load's checkpoint (load/checkpoint.h), or NULL */
	void *impl;
};

extern const gx_sink_ops gx_sink_sqlite_ops;
extern const gx_sink_ops gx_sink_pg_ops;

/* ---- plain SQL, for the modules of load/ ---- */

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

/* s->ops->facts_read (see gx_sink_ops). */
int gx_sink_facts_read(gx_sink *s, int32_t study_key, const char *genes, gx_facts_read_fn fn,
                       void *ctx, gx_err *err);

/* Keys as an array literal: brackets "{}" (PostgreSQL) or "[]" (JSON, for SQLite's
 * json_each).  0, or -1 when out of memory (then b is released). */
int gx_sink_key_list(gx_buf *b, const char *brackets, size_t n, const int32_t *keys);

/* SQL for timestamp column (or expression) 'col' as the ISO-8601 UTC text SQLite
 * stores ("2026-01-02T03:04:05.678Z"), on either backend; written into buf. */
const char *gx_sink_iso(const gx_sink *s, const char *col, char *buf, size_t cap);

/* A double as parameter text: "%.17g" (exact), or NULL (SQL NULL) for NAN. */
const char *gx_sink_double(double d, char buf[40]);

#endif
