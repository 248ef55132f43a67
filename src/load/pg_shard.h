/*
 * pg_shard.h - studies whose facts live on shard servers, reached from the coordinator
 * through postgres_fdw (issue 18; docs/SHARDS.md).  Private to src/load/.
 *
 * A sharded study's new facts are loaded by the fact writer's range sessions opened on
 * the shard (pg_facts.c), each committing its table fact_gene_expression_p<K>_r<run>_s<i>
 * in the shard's schema of the same name as postgresql.schema; the load transaction on
 * the coordinator then makes them the foreign partitions of a new
 * fact_gene_expression_p<K> and swaps it in, so the coordinator's commit is the one
 * moment a reader's view of the study changes.  Shard tables that no coordinator table
 * refers to are dropped by pg_shard_sweep under the same staging lock as local range
 * tables (sink_pg.c).
 */
#ifndef GX_PG_SHARD_H
#define GX_PG_SHARD_H

#include "load/pg_conn.h"

/*
 * Where study_key's facts go: *out = its shard, or NULL for this server.  The recorded
 * placement (meta_study_shard) wins; a study without one is placed by the config
 * (shards.placement, else the hash) unless it already has facts here, and the choice is
 * recorded in the open transaction.  Without shards.servers, a study recorded on a shard
 * is an error (GX_E_CONFIG); otherwise nothing is read or written but the lookup.
 */
int pg_shard_place(gx_sink *s, int32_t study_key, const gx_shard **out, gx_err *err);

/* 1 if shards.servers names any shard server. */
int pg_shard_any(const gx_sink *s);

/* 1 if the study 'accession' is recorded on a shard (sink's study_sharded). */
int pg_shard_study_sharded(gx_sink *s, const char *accession, int *sharded, gx_err *err);

/* Make the shard reachable: postgres_fdw and the foreign server gxload_shard_<name> (with
 * a user mapping for the coordinator's user) on the coordinator, in the open
 * transaction; the schema on the shard. */
int pg_shard_prepare(gx_sink *s, const gx_shard *sh, gx_err *err);

/* A session on the shard, with search_path set to postgresql.schema. */
int pg_shard_open(gx_sink *s, const gx_shard *sh, const char *appname, PGconn **out,
                  gx_err *err);

/* Drop the tables on every configured shard that no coordinator table refers to and
 * whose study's staging lock is free or this session's own (see pg_sweep_staged).  A
 * shard that cannot be reached is reported as a warning and left for a later sweep. */
void pg_shard_sweep(gx_sink *s);

#endif
