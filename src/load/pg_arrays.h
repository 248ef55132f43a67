/*
 * pg_arrays.h - the PostgreSQL backend's gene-major and sample-major copies of a study's
 * facts, written from the same stream of facts as the fact table (private to src/load/).
 *
 *   fact_gene_expression_by_gene    one row per gene, study and block of 64 sample keys
 *                                   (sample_key / 64): value and log2_value arrays whose
 *                                   subscripts are the sample keys (NULL where a sample
 *                                   has no value).  "One gene across every study" is one
 *                                   index range of its primary key (gene_key, ...).
 *   fact_gene_expression_by_sample  one row per sample and run of up to 80 genes:
 *                                   gene_key, value and log2_value arrays.  "One sample's
 *                                   whole profile" is one index range (study, sample).
 *
 * The writer (pg_facts.c) hands every fact it writes to pg_arrays_add, and the facts a
 * partial run re-reads only for these tables (the unchanged samples of a block that has
 * a changed one: 'tile_only', by_gene rows only).  Facts are buffered (about 147,000 of
 * them: see PG_ARRAYS_MEM), grouped at each flush and encoded as binary COPY rows into
 * two spools (384 KiB of memory each, then a temporary file).  pg_arrays_finish, on the main session in the load
 * transaction, deletes the rows they replace (the study's, or a partial run's blocks and
 * samples) and COPYs the spools: readers see the old rows or the new ones, with the
 * study's partition.  A (gene, block) whose facts straddle a flush gets two rows (column
 * 'part' tells them apart); queries read them all.
 */
#ifndef GX_PG_ARRAYS_H
#define GX_PG_ARRAYS_H

#include "load/pg_conn.h"

#include <stdint.h>

/* sample keys per by_gene row; gx_sink_sample_block reports it to the pipeline */
#define ARR_BLOCK 64
#define GX_STR_(x) #x
#define GX_STR(x) GX_STR_(x)

typedef struct pg_arrays pg_arrays;

/* The memory of the buffer, the slots and the spools' memory parts together: fixed, so
 * that a load's peak does not grow with the study (docs/PERFORMANCE.md, "Memory"). */
#define PG_ARRAYS_MEM ((size_t)6 << 20)
/* bytes a buffered fact costs: sample, gene, value, log2, tile flag, its place in a
 * flush's order, and the sort key of a flush whose genes come in short runs */
#define PG_ARRAYS_FACT_BYTES (4 + 4 + 8 + 8 + 1 + 4 + 8)
/* facts per flush at least, however small the budget */
#define PG_ARRAYS_MIN_CAP ((size_t)4096)

/* How a budget of 'budget' bytes is shared: 'cap' facts per flush and 'spool_mem' bytes
 * of each of the two spools kept in memory (the rest goes to a temporary file).  Within
 * the budget whenever the budget is above the minimum buffer's size. */
void pg_arrays_size(size_t budget, size_t *cap, size_t *spool_mem);

int pg_arrays_new(int32_t study_key, pg_arrays **out, gx_err *err);
/* One fact (log2 NaN = NULL); tile_only: for by_gene only. */
int pg_arrays_add(pg_arrays *a, int32_t sample, int32_t gene, double value, double log2v,
                  int tile_only, gx_err *err);
/* Replace the study's rows (replace_all) or the rows of the blocks and samples the
 * facts touched, on s's main session (no COPY may be open). */
int pg_arrays_finish(pg_arrays *a, gx_sink *s, int replace_all, gx_err *err);
void pg_arrays_free(pg_arrays *a);

#endif
