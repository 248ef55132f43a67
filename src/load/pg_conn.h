/*
 * pg_conn.h - inside the PostgreSQL backend: its session state and the statement
 * helpers its files share (private to src/load/: sink_pg.c, pg_conn.c, pg_facts.c,
 * pg_read.c).
 */
#ifndef GX_PG_CONN_H
#define GX_PG_CONN_H

#include "load/pg_stream.h"
#include "load/sink_impl.h"
#include "core/shard.h"

#include <libpq-fe.h>

/* COPY data is sent in 1 MiB messages: big enough to amortize the protocol, small next
 * to the memory budget */
#define COPY_BUF (1u << 20)
/* buffers queued per range session: 4 MiB in flight each, enough to ride out a slow
 * moment of the server without holding the parser back */
#define STREAM_BUFS 4
/* statements remembered for preparing: a run repeats a few dozen (one per sample) */
#define STMT_CACHE 64

/* A statement text seen before; prepared as 'name' from its second use on. */
typedef struct pg_stmt {
	char *sql;
	unsigned uses;
	char name[16];      /* "" until prepared */
} pg_stmt;

typedef struct pg_impl {
	PGconn *conn;
	char version[32];
	long run_id;
	struct gx_fact_writer *active;  /* the writer whose COPY is open, if any */
	pg_stmt stmts[STMT_CACHE];
	size_t nstmts;
	unsigned long next_stmt;
	int32_t stage_key;  /* the study key whose range tables this session may make */
	char stage_key_text[16];
	int stage_locked;   /* holds the staging lock on stage_key (see pg_sweep_staged) */
	gx_shards shards;   /* shards.servers and shards.placement (pg_shard.c) */
} pg_impl;

/* A failed statement as a gx_err (GX_E_DB, or the class its SQLSTATE says). */
int pg_fail(gx_sink *s, PGresult *res, const char *what, gx_err *err);
/* 1 if the result is a success (command or rows). */
int pg_ok_status(PGresult *res);
/* Run SQL without parameters on the main session. */
int pg_exec(gx_sink *s, const char *sql, gx_err *err);
/* Run a statement with text parameters; *out (may be NULL) receives the rows. */
int pg_query(gx_sink *s, const char *sql, int nparams, const char *const *params,
             gx_rows **out, gx_err *err);
/* Open another session like the main one (search_path, names); *out owned by caller. */
int pg_open(gx_sink *s, const char *appname, PGconn **out, gx_err *err);
/* The same to another server (a shard): conninfo as libpq takes it, 'shown' its
 * redacted form for messages. */
int pg_open_at(gx_sink *s, const char *conninfo, const char *shown, const char *appname,
               PGconn **out, gx_err *err);
/* gx_sink_ops.facts_read: a study's facts by binary COPY out (pg_read.c). */
int pg_facts_read(gx_sink *s, int32_t study_key, const char *genes, gx_facts_read_fn fn,
                  void *ctx, gx_err *err);
/* gx_sink_ops.copy_rows: COPY text into 'table'. */
int pg_copy_rows(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
                 size_t nrows, const char *const *cells, gx_err *err);

#endif
