/*
 * pg_facts.h - the PostgreSQL backend's bulk path, as sink_pg.c's table uses it
 * (private to src/load/): gene keys (pg_genes.c) and the fact writer (pg_facts.c).
 * Contracts: gx_sink_ops in sink_impl.h.
 */
#ifndef GX_PG_FACTS_H
#define GX_PG_FACTS_H

#include "load/pg_conn.h"

int pg_resolve_genes(gx_sink *s, const char *organism, size_t n, const char *const *ids,
                     const char *const *symbols, int32_t *keys, gx_err *err);
int pg_facts_begin(gx_sink *s, int32_t study_key, gx_fact_mode mode, gx_fact_writer **out,
                   gx_err *err);
int pg_facts_put(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err);
int pg_facts_finish(gx_fact_writer *w, gx_err *err);
void pg_facts_abort(gx_fact_writer *w);
/* End the writer's open COPY (its rows stay in the transaction) so that the session can
 * run a query, and start a new COPY of the same table afterwards (pg_genes.c). */
int pg_facts_pause(gx_fact_writer *w, gx_err *err);
int pg_facts_resume(gx_fact_writer *w, gx_err *err);

#endif
