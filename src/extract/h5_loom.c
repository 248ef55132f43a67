/*
 * h5_loom.c - Loom files (loompy 2.x and 3.0): a dense '/matrix' of genes x cells with
 * per-gene '/row_attrs' and per-cell '/col_attrs'.
 *
 *   genes   = the first of row_attrs Accession, gene_ids, ... (ids); else row_attrs Gene
 *             (symbols used as ids); no such column: refused.  Repeated ids are handled
 *             by genes.duplicates (transform/dups.c; suffix renames them Gene-1, Gene-2,
 *             as anndata's read_loom + var_names_make_unique do).
 *   symbols = row_attrs Gene (or gene_name, Symbol, ...), when present.
 *   samples = col_attrs CellID (text or integers; must be valid and unique); else the
 *             first of cell_id, Cell, obs_names, barcode, ... whose values are valid and
 *             unique; else the column number "0", "1", ... as anndata's read_loom does.
 *   attrs   = every other col_attrs dataset of one value per cell, as text.
 * gx_matrix_opts.h5_path selects a layer (e.g. "/layers/spliced") instead of /matrix.
 * Loom < 3 writes fixed-length ASCII with XML character references; those are decoded.
 * Not here: reading values (h5_dense.c).
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const gene_id_cols[] = {
	"Accession", "accession", "gene_ids", "gene_id", "GeneID", "Gene_ID", "ensembl_id",
	"EnsemblID", "Ensembl", NULL
};
static const char *const gene_name_cols[] = {
	"Gene", "gene", "GeneName", "gene_name", "gene_names", "gene_symbol", "Symbol", "symbol",
	NULL
};
static const char *const cell_id_cols[] = {
	"CellID", "cell_id", "CellId", "cellID", "Cell", "cell", "obs_names", "Barcode",
	"barcode", "barcodes", "cell_names", "CellName", NULL
};

/* the major version of the file's LOOM_SPEC_VERSION (3.0: /attrs dataset; 2.x: root
 * attribute); 0 when it has none */
static int spec_major(gx_h5_layout *L, gx_err *err)
{
	char v[64] = "";

	if (!gx_h5_scalar_text(&L->h, "/attrs/LOOM_SPEC_VERSION", v, sizeof(v)) &&
	    gx_h5_attr_text(&L->h, "/", "LOOM_SPEC_VERSION", v, sizeof(v), err) < 0)
		return -1;
	return atoi(v);
}

int gx_h5_open_loom(gx_h5_layout *L, gx_err *err)
{
	gx_h5 *h = &L->h;
	gx_h5_dset d;
	char **cols = NULL;
	const char *id_path, *name_path, *cell_path, *cell_name = NULL;
	size_t n_genes, n_cells, ncols = 0, i;
	unsigned tf;
	int rc, major;

	L->format = "loom";
	L->sparse = 0;
	L->dense_genes_are_rows = 1;
	L->dense = L->opts->h5_path ? L->opts->h5_path : "/matrix";
	if ((rc = gx_h5_dset_open(h, L->dense, 2, 2, 0, &d, err)))
		return rc;
	n_genes = (size_t)d.dims[0];
	n_cells = (size_t)d.dims[1];
	gx_h5_dset_close(&d);
	if ((major = spec_major(L, err)) < 0)
		return major;
	tf = major < 3 ? GX_H5_TEXT_XML : 0;

	/* genes */
	id_path = gx_h5_pick(L, "/row_attrs", gene_id_cols, NULL);
	name_path = gx_h5_pick(L, "/row_attrs", gene_name_cols, NULL);
	if (!id_path && !name_path)
		return gx_h5_err(h, err, GX_E_HDF5, "no gene ids: '/row_attrs' has none of Accession, "
		                 "Gene, gene_ids, gene_name, ... (one value per row of '%s')",
		                 L->dense);
	if ((rc = gx_h5_layout_genes(L, id_path, name_path, n_genes, tf, err)))
		goto out;

	/* samples: CellID is the Loom convention and must hold valid, unique ids; other
	 * conventional names are used only when they do (loompy's own test file has a
	 * "Cell" column that repeats 0..99), and stay attributes otherwise */
	L->n_samples = n_cells;
	for (i = 0; cell_id_cols[i] && !L->sample_ids; i++) {
		const char *const one[] = { cell_id_cols[i], NULL };
		char **ids = NULL;
		gx_err trial;
		cell_path = gx_h5_pick(L, "/col_attrs", one, NULL);
		if (!cell_path)
			continue;
		if ((rc = gx_h5_read_text(h, cell_path, NULL, n_cells, tf, &ids, err)) < 0)
			goto out;
		if (rc == 1)
			continue; /* not text */
		if (i == 0) {
			L->sample_ids = ids; /* checked, strictly, by finish */
		} else if (gx_h5_check_ids(h, cell_path, 0, ids, n_cells, GX_H5_UNIQUE_REQUIRED,
		                           &trial) == 0) {
			L->sample_ids = ids;
		} else {
			gx_free(ids);
			continue;
		}
		L->sample_src = cell_path;
		cell_name = cell_id_cols[i];
	}
	rc = 0;
	if (!L->sample_ids) {
		L->sample_ids = gx_malloc((n_cells ? n_cells : 1) * sizeof(*L->sample_ids));
		if (!L->sample_ids) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n_cells; i++) {
			char num[24];
			int len = snprintf(num, sizeof(num), "%zu", i);
			if (!(L->sample_ids[i] = gx_h5_pool_strndup(&h->pool, num, (size_t)len))) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				goto out;
			}
		}
		L->sample_src = gx_h5_path(L, "(column numbers of '%s')", L->dense);
	}

	/* attributes: every other per-cell column that reads as text */
	if ((rc = gx_h5_members(h, "/col_attrs", &cols, &ncols, err)))
		goto out;
	for (i = 0; i < ncols; i++) {
		char *p = gx_h5_path(L, "/col_attrs/%s", cols[i]);
		char **vals = NULL;
		size_t len = 0;
		if (!p) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		if ((cell_name && !strcmp(cols[i], cell_name)) ||
		    gx_h5_column_len(h, p, &len, NULL) != 1 || len != n_cells)
			continue; /* the id column, a group, an embedding (M, 2), another length */
		rc = gx_h5_read_text(h, p, NULL, n_cells, tf, &vals, err);
		if (rc < 0)
			goto out;
		if (rc == 1)
			continue; /* compound or other non-text column */
		if ((rc = gx_h5_layout_add_attr(L, cols[i], vals, err)))
			goto out;
	}
	rc = 0;
out:
	gx_free(cols);
	return rc;
}
