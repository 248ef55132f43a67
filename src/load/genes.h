/*
 * genes.h - what dim_gene says about a gene, and the annotation a user imports.
 *
 * dim_gene keeps apart: organism (the study's, as gx_organism_key writes it, e.g.
 * HOMO_SAPIENS; '' unknown; '*' genes loaded before migration 0009, which every study
 * uses), gene_id (the id as the file gives it; unique per organism),
 * gene_symbol, stable_id (an Ensembl id with its version when known), base_id (the
 * version-free id) and biotype.  A new gene's row is filled by this rule (the loader's
 * statements in pg_genes.c and sink_sqlite.c, and gx_genes_import for genes loaded
 * before the annotation):
 *   - an id shaped like an Ensembl id (gx_gene_base_id) is the stable id; its base_id is
 *     the id without ".<version>";
 *   - the annotation row whose base_id is the gene's base_id (or, for other ids, the id
 *     itself) gives the symbol and biotype, and the stable id and base_id of an id that
 *     is not Ensembl-shaped;
 *   - an id that is neither Ensembl-shaped nor an annotation id is taken for a symbol:
 *     the annotation row with that symbol gives its stable id, base_id and biotype
 *     (the study "resolves to ids"), else the id is its own symbol;
 *   - a symbol the file gives is used when the annotation has none.
 * An annotation row applies when it is unique for what is looked up (two rows with one
 * symbol resolve nothing) and its organism is the gene's, or either is ''.
 */
#ifndef GX_GENES_H
#define GX_GENES_H

#include "core/err.h"
#include "core/records.h"
#include "load/sink.h"

typedef struct gx_genes_import_result {
	long n_rows;            /* annotation rows stored (after repeats of an id) */
	long n_repeats;         /* rows left out: their stable id came earlier in the file */
	long n_updated;         /* loaded genes whose row the annotation changed */
} gx_genes_import_result;

/*
 * Replace the annotation of organism 'organism' ('' = for every organism) by 'notes' and
 * bring the loaded genes up to date with it, in one transaction: symbols, stable ids,
 * base ids and biotypes where the annotation gives one (gene ids never change, so keys
 * and digests stay).
 */
int gx_genes_import(gx_sink *s, const char *organism, const gx_gene_notes *notes,
                    gx_genes_import_result *res, gx_err *err);

#endif
