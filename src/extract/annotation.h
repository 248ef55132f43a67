/*
 * annotation.h - a gene annotation table as BioMart or GENCODE exports it: tab-separated
 * with a header, one row per gene, read by column name (case does not matter):
 *   id        "Gene stable ID version", gene_id_version, ensembl_gene_id_version (the id
 *             with its version), and/or "Gene stable ID", gene_id, ensembl_gene_id, id
 *             (without: the version is cut from an Ensembl id, gx_gene_base_id);
 *   symbol    "Gene name", gene_name, external_gene_name, hgnc_symbol, symbol,
 *             gene_symbol (optional);
 *   biotype   "Gene type", gene_type, gene_biotype, biotype (optional).
 * Other columns are ignored.  A row without an id is skipped (counted); an empty symbol
 * or biotype is NULL.  Errors (GX_E_HEADER without an id column, GX_E_RAGGED, the TSV
 * reader's) name the file and line.
 */
#ifndef GX_ANNOTATION_H
#define GX_ANNOTATION_H

#include "core/err.h"
#include "core/records.h"

/* Read the table at 'path'; *out owned by the caller (gx_gene_notes_free). */
int gx_gene_notes_read(const char *path, gx_gene_notes **out, gx_err *err);
void gx_gene_notes_free(gx_gene_notes *n);

#endif
