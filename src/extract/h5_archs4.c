/*
 * h5_archs4.c - dense gene x sample compendia in the ARCHS4 layout ("dense-h5"):
 * '/data/expression' with label datasets under '/meta'.
 *
 *   genes   = /meta/genes/<id> (ensembl_gene, ensembl_gene_id, gene_ensemblid, ...) or
 *             v1's /meta/gene_ensemblid; else the symbols (/meta/genes/symbol,
 *             gene_symbol, genes, or v1's /meta/genes dataset) as ids (and symbols);
 *             symbols = the symbol column when present.  Repeated ids: genes.duplicates.
 *   samples = /meta/samples/geo_accession (v2) or /meta/Sample_geo_accession (v1).
 *   attrs   = every other per-sample column: the datasets in /meta/samples (v2), or
 *             those named /meta/Sample_... (v1, the prefix dropped from the name).
 * Orientation: ARCHS4 v1 stored (samples, genes), later releases (genes, samples).  It is
 * decided by matching the dataset's two lengths with the gene and sample counts, and
 * refused when both orientations match (as many genes as samples) or neither does.
 * gx_matrix_opts.h5_path selects another expression dataset.
 * Not here: reading values (h5_dense.c).
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <string.h>

static const char *const gene_id_cols[] = {
	"ensembl_gene", "ensembl_gene_id", "gene_ensemblid", "ensembl_id", "ensembl", NULL
};
static const char *const gene_name_cols[] = {
	"symbol", "gene_symbol", "genes", "gene", "gene_name", NULL
};
static const char *const sample_id_cols[] = { "geo_accession", NULL };
static const char *const v1_sample_id_cols[] = { "Sample_geo_accession", NULL };
static const char *const v1_gene_id_cols[] = { "gene_ensemblid", NULL };
static const char *const v1_gene_name_cols[] = { "genes", "gene_symbol", NULL };

/* per-sample columns of 'group' (names starting with 'prefix'), except the id column */
static int add_attrs(gx_h5_layout *L, const char *group, const char *prefix,
                     const char *id_path, gx_err *err)
{
	gx_h5 *h = &L->h;
	char **m = NULL;
	size_t n = 0, i, plen = strlen(prefix);
	int rc;

	if ((rc = gx_h5_members(h, group, &m, &n, err)))
		return rc;
	for (i = 0; i < n; i++) {
		char *p = gx_h5_path(L, "%s/%s", group, m[i]);
		char **vals = NULL;
		size_t len = 0;
		if (!p) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
		if (strncmp(m[i], prefix, plen) || !strcmp(p, id_path) ||
		    gx_h5_column_len(h, p, &len, NULL) != 1 || len != L->n_samples)
			continue;
		rc = gx_h5_read_text(h, p, NULL, L->n_samples, 0, &vals, err);
		if (rc < 0)
			break;
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if ((rc = gx_h5_layout_add_attr(L, m[i] + plen, vals, err)))
			break;
	}
	gx_free(m);
	return rc;
}

int gx_h5_open_archs4(gx_h5_layout *L, gx_err *err)
{
	gx_h5 *h = &L->h;
	gx_h5_dset d;
	const char *id_path, *name_path, *smp_path;
	size_t n_genes = 0, n_samples = 0, R, C;
	int v2 = gx_h5_kind_of(h, "/meta/samples") == GX_H5_GROUP, rows_g, rows_s, rc;

	L->format = "dense-h5";
	L->sparse = 0;
	L->dense = L->opts->h5_path ? L->opts->h5_path : "/data/expression";
	if ((rc = gx_h5_dset_open(h, L->dense, 2, 2, 0, &d, err)))
		return rc;
	R = (size_t)d.dims[0];
	C = (size_t)d.dims[1];
	gx_h5_dset_close(&d);

	if (gx_h5_kind_of(h, "/meta/genes") == GX_H5_GROUP) {
		id_path = gx_h5_pick(L, "/meta/genes", gene_id_cols, NULL);
		name_path = gx_h5_pick(L, "/meta/genes", gene_name_cols, NULL);
	} else {
		static const char *const whole[] = { "genes", NULL };
		id_path = gx_h5_pick(L, "/meta", v1_gene_id_cols, NULL);
		name_path = gx_h5_pick(L, "/meta", whole, NULL);
		if (!name_path)
			name_path = gx_h5_pick(L, "/meta", v1_gene_name_cols, NULL);
	}
	smp_path = v2 ? gx_h5_pick(L, "/meta/samples", sample_id_cols, NULL)
	              : gx_h5_pick(L, "/meta", v1_sample_id_cols, NULL);
	if (!id_path && !name_path)
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataset '/meta/genes/symbol' (no gene "
		                 "ids or symbols under '/meta')");
	if (!smp_path)
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataset '%s'",
		                 v2 ? "/meta/samples/geo_accession" : "/meta/Sample_geo_accession");
	if ((rc = gx_h5_column_len(h, id_path ? id_path : name_path, &n_genes, err)) < 0 ||
	    (rc = gx_h5_column_len(h, smp_path, &n_samples, err)) < 0)
		return rc;

	/* orientation from the lengths */
	rows_g = R == n_genes && C == n_samples;
	rows_s = R == n_samples && C == n_genes;
	if (rows_g && rows_s)
		return gx_h5_err(h, err, GX_E_HDF5,
		                 "dataset '%s' is %zu x %zu with %zu genes and %zu samples: cannot "
		                 "tell genes from samples", L->dense, R, C, n_genes, n_samples);
	if (!rows_g && !rows_s)
		return gx_h5_err(h, err, GX_E_HDF5,
		                 "shape mismatch: dataset '%s' is %zu x %zu, but there are %zu genes "
		                 "('%s') and %zu samples ('%s')", L->dense, R, C, n_genes,
		                 id_path ? id_path : name_path, n_samples, smp_path);
	L->dense_genes_are_rows = rows_g;

	if ((rc = gx_h5_layout_genes(L, id_path, name_path, n_genes, 0, err)))
		return rc;
	if ((rc = gx_h5_read_text(h, smp_path, NULL, n_samples, GX_H5_TEXT_STRINGS,
	                          &L->sample_ids, err)))
		return rc;
	L->sample_src = smp_path;
	L->n_samples = n_samples;
	return v2 ? add_attrs(L, "/meta/samples", "", smp_path, err)
	          : add_attrs(L, "/meta", "Sample_", smp_path, err);
}
