/*
 * h5_anndata.c - AnnData .h5ad files, all three on-disk generations ("h5ad").
 *
 * X is obs x var = samples x genes: a dense 2-D dataset, or a sparse group, CSR (indptr
 * walks samples) or CSC (indptr walks genes), told by the group attribute encoding-type
 * (csr_matrix, csc_matrix; anndata >= 0.7) or h5sparse_format (csr, csc; <= 0.6), with
 * the shape from the attribute shape or h5sparse_shape.  gx_matrix_opts.h5_path picks
 * another matrix: "raw/X" (genes from raw/var), "raw.X" (<= 0.6), "layers/<name>".
 *
 * obs and var are dataframes:
 *   >= 0.7: a group; attribute _index names the index dataset, column-order lists the
 *           columns (else every member but the index and __categories);
 *   <= 0.6: a compound dataset; field 'index' is the index, other fields are columns.
 * Columns become text; categorical codes are resolved to their labels, whatever the
 * generation: a group with codes + categories (>= 0.8), an integer dataset whose
 * attribute 'categories' references obs/__categories/<col> (0.7), or a compound field
 * with uns/<col>_categories (<= 0.6).  Code -1 is missing.  Nullable columns (values +
 * mask) are missing where the mask is set.  Other encodings are skipped.
 *
 *   samples = obs index;  attrs = obs columns.
 *   genes   = the first var column of gene_ids, gene_id, ensembl_id, ... (ids),
 *             symbols = var index;  without such a column the var index is the id and
 *             symbols come from gene_symbols, feature_name, ... when present, else from
 *             the index.  Repeated ids are handled by genes.duplicates (transform/dups.c).
 * Not here: reading values (h5_sparse.c, h5_dense.c).
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>

static const char *const var_id_cols[] = {
	"gene_ids", "gene_id", "ensembl_id", "ensembl_ids", "ensembl_gene_id", "gene_ensembl",
	"Accession", "feature_id", NULL
};
static const char *const var_symbol_cols[] = {
	"gene_symbols", "gene_symbol", "feature_name", "gene_name", "gene_names", "symbol",
	"Symbol", NULL
};

/* one dataframe: obs or var */
typedef struct frame {
	const char *path;         /* "/obs" */
	int compound;             /* <= 0.6: a compound dataset */
	const char *index;        /* group: path of the index dataset; compound: its field */
	size_t n;                 /* rows */
	char **cols;              /* column names (gx_malloc'd array of pool strings) */
	size_t ncols;
} frame;

static int frame_open(gx_h5_layout *L, const char *path, frame *f, gx_err *err)
{
	gx_h5 *h = &L->h;
	char name[256];
	char **all = NULL;
	size_t n = 0, i, k;
	int rc;

	memset(f, 0, sizeof(*f));
	f->path = path;
	switch (gx_h5_kind_of(h, path)) {
	case GX_H5_GROUP:
		break;
	case GX_H5_DATASET:
		f->compound = 1;
		if ((rc = gx_h5_fields(h, path, &all, &n, err)))
			return rc;
		for (i = 0; i < n && strcmp(all[i], "index"); i++)
			;
		if (i == n) {
			gx_free(all);
			return gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' has no field 'index'", path);
		}
		f->index = all[i];
		for (i = k = 0; i < n; i++)
			if (all[i] != f->index)
				all[k++] = all[i];
		f->cols = all;
		f->ncols = k;
		if (gx_h5_column_len(h, path, &f->n, err) != 1)
			return gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' is not one-dimensional", path);
		return 0;
	default:
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataframe '%s'", path);
	}
	rc = gx_h5_attr_text(h, path, "_index", name, sizeof(name), err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		/* no _index attribute: the default name, or 'index' as older writers used */
		char *p = gx_h5_path(L, "%s/_index", path);
		snprintf(name, sizeof(name), "%s",
		         p && gx_h5_kind_of(h, p) == GX_H5_NONE ? "index" : "_index");
	}
	if (!(f->index = gx_h5_path(L, "%s/%s", path, name)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (gx_h5_column_len(h, f->index, &f->n, err) != 1)
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataset '%s' (the index of '%s')",
		                 f->index, path);
	rc = gx_h5_attr_texts(h, path, "column-order", &f->cols, &f->ncols, err);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	/* no column list: every member but the index and 0.7's __categories */
	if ((rc = gx_h5_members(h, path, &all, &n, err)))
		return rc;
	for (i = k = 0; i < n; i++) {
		const char *base = strrchr(f->index, '/') + 1;
		if (strcmp(all[i], base) && strcmp(all[i], "__categories"))
			all[k++] = all[i];
	}
	f->cols = all;
	f->ncols = k;
	return 0;
}

static int frame_has(const frame *f, const char *col)
{
	size_t i;

	for (i = 0; i < f->ncols; i++)
		if (!strcmp(f->cols[i], col))
			return 1;
	return 0;
}

/* replace codes by labels: vals[i] = labels[codes[i]], -1 = missing */
static int resolve(gx_h5_layout *L, const char *codes_src, const int64_t *codes, size_t n,
                   char **labels, size_t nlab, const char *cat_src, char ***out, gx_err *err)
{
	char **vals = gx_malloc((n ? n : 1) * sizeof(*vals));
	size_t i;

	if (!vals)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (codes[i] == -1) {
			vals[i] = NULL;
		} else if (codes[i] < 0 || (uint64_t)codes[i] >= nlab) {
			gx_free(vals);
			return gx_h5_err(&L->h, err, GX_E_HDF5,
			                 "dataset '%s', element %zu: category code %lld is out of range "
			                 "[0, %zu) of '%s'", codes_src, i, (long long)codes[i], nlab,
			                 cat_src);
		} else {
			vals[i] = labels[codes[i]];
		}
	}
	*out = vals;
	return 0;
}

/* codes from 'codes_path' (field 'field' of it when not NULL), labels from 'cat_path' */
static int categorical(gx_h5_layout *L, const char *codes_path, const char *field, size_t n,
                       const char *cat_path, char ***out, gx_err *err)
{
	int64_t *codes = NULL;
	char **labels = NULL;
	size_t nlab = 0;
	char src[600];
	int rc;

	*out = NULL;
	if (gx_h5_column_len(&L->h, cat_path, &nlab, err) != 1)
		return gx_h5_err(&L->h, err, GX_E_HDF5, "missing dataset '%s' (categories)", cat_path);
	if ((rc = gx_h5_read_text(&L->h, cat_path, NULL, nlab, 0, &labels, err)))
		goto out;
	rc = gx_h5_read_ints(&L->h, codes_path, field, n, &codes, err);
	if (rc == 1)
		rc = gx_h5_err(&L->h, err, GX_E_HDF5, "dataset '%s'%s%s%s holds category codes that "
		               "are not integers", codes_path, field ? " (field '" : "",
		               field ? field : "", field ? "')" : "");
	if (rc)
		goto out;
	snprintf(src, sizeof(src), "%s%s%s", codes_path, field ? ":" : "", field ? field : "");
	rc = resolve(L, src, codes, n, labels, nlab, cat_path, out, err);
out:
	gx_free(codes);
	gx_free(labels);
	return rc;
}

/* a nullable column (group with values and mask): missing where the mask is true */
static int nullable(gx_h5_layout *L, const char *p, size_t n, char ***out, gx_err *err)
{
	char **vals = NULL, **mask = NULL;
	char *vp = gx_h5_path(L, "%s/values", p), *mp = gx_h5_path(L, "%s/mask", p);
	size_t i;
	int rc;

	*out = NULL;
	if (!vp || !mp)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_h5_read_text(&L->h, vp, NULL, n, 0, &vals, err)))
		goto out;
	if ((rc = gx_h5_read_text(&L->h, mp, NULL, n, 0, &mask, err)))
		goto out;
	for (i = 0; i < n; i++)
		if (mask[i] && (!strcmp(mask[i], "True") || !strcmp(mask[i], "1")))
			vals[i] = NULL;
	*out = vals;
	vals = NULL;
out:
	gx_free(vals);
	gx_free(mask);
	return rc;
}

/*
 * Column 'col' of frame f as text: 0 and *out (n values), 1 if it is of a kind that is not
 * read (2-D, unknown encoding), negative on error.
 */
static int frame_column(gx_h5_layout *L, const frame *f, const char *col, char ***out,
                        gx_err *err)
{
	gx_h5 *h = &L->h;
	char enc[64], ref[512];
	char *p;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (f->compound) {
		char *cats = gx_h5_path(L, "/uns/%s_categories", col);
		if (!cats)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (gx_h5_column_len(h, cats, &len, NULL) == 1) {
			rc = categorical(L, f->path, col, f->n, cats, out, err);
			return rc;
		}
		return gx_h5_read_text(h, f->path, col, f->n, 0, out, err);
	}
	if (!(p = gx_h5_path(L, "%s/%s", f->path, col)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	switch (gx_h5_kind_of(h, p)) {
	case GX_H5_GROUP:
		if ((rc = gx_h5_attr_text(h, p, "encoding-type", enc, sizeof(enc), err)) < 0)
			return rc;
		if (rc && !strcmp(enc, "categorical")) {
			char *codes = gx_h5_path(L, "%s/codes", p), *cats = gx_h5_path(L, "%s/categories", p);
			if (!codes || !cats)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			return categorical(L, codes, NULL, f->n, cats, out, err);
		}
		if (rc && !strncmp(enc, "nullable-", 9))
			return nullable(L, p, f->n, out, err);
		return 1;
	case GX_H5_DATASET:
		if (gx_h5_has_attr(h, p, "categories")) {
			/* 0.7: codes, with an object reference to __categories/<col> */
			const char *cats = ref;
			if (!gx_h5_attr_ref_path(h, p, "categories", ref, sizeof(ref)) &&
			    !(cats = gx_h5_path(L, "%s/__categories/%s", f->path, col)))
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			return categorical(L, p, NULL, f->n, cats, out, err);
		}
		if (gx_h5_column_len(h, p, &len, NULL) != 1)
			return 1; /* 2-D or scalar */
		return gx_h5_read_text(h, p, NULL, f->n, 0, out, err);
	default:
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataset '%s' (listed in the "
		                 "column-order of '%s')", p, f->path);
	}
}

/* read the index of a frame as strings */
static int frame_index(gx_h5_layout *L, const frame *f, char ***out, gx_err *err)
{
	return f->compound
	     ? gx_h5_read_text(&L->h, f->path, f->index, f->n, GX_H5_TEXT_STRINGS, out, err)
	     : gx_h5_read_text(&L->h, f->index, NULL, f->n, GX_H5_TEXT_STRINGS, out, err);
}

/* the matrix: dense dataset or sparse group; fills the shape */
static int open_matrix(gx_h5_layout *L, const char *mp, gx_err *err)
{
	gx_h5 *h = &L->h;
	char enc[64];
	int64_t shape[2];
	size_t nshape = 0;
	int rc;

	switch (gx_h5_kind_of(h, mp)) {
	case GX_H5_DATASET: {
		gx_h5_dset d;
		if ((rc = gx_h5_dset_open(h, mp, 2, 2, 0, &d, err)))
			return rc;
		L->sparse = 0;
		L->dense = mp;
		L->dense_genes_are_rows = 0;
		L->n_samples = (size_t)d.dims[0];
		L->n_genes = (size_t)d.dims[1];
		gx_h5_dset_close(&d);
		return 0;
	}
	case GX_H5_GROUP:
		break;
	case GX_H5_NONE:
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataset '%s': the file holds no "
		                 "expression matrix there", mp);
	default:
		return gx_h5_err(h, err, GX_E_HDF5, "'%s' is neither a dataset nor a group", mp);
	}
	if ((rc = gx_h5_attr_text(h, mp, "encoding-type", enc, sizeof(enc), err)) == 0)
		rc = gx_h5_attr_text(h, mp, "h5sparse_format", enc, sizeof(enc), err);
	if (rc < 0)
		return rc;
	if (rc == 0 || (strcmp(enc, "csr") && strcmp(enc, "csc") && strcmp(enc, "csr_matrix") &&
	                strcmp(enc, "csc_matrix")))
		return gx_h5_err(h, err, GX_E_HDF5, "group '%s' has encoding '%s', expected "
		                 "csr_matrix or csc_matrix", mp, rc ? enc : "(none)");
	rc = gx_h5_attr_ints(h, mp, "shape", shape, 2, &nshape, err);
	if (rc == 0)
		rc = gx_h5_attr_ints(h, mp, "h5sparse_shape", shape, 2, &nshape, err);
	if (rc < 0)
		return rc;
	if (rc == 0 || nshape != 2 || shape[0] < 0 || shape[1] < 0)
		return gx_h5_err(h, err, GX_E_HDF5, "group '%s' has no valid 'shape' attribute "
		                 "(two non-negative integers)", mp);
	{
		gx_h5_part *p = gx_h5_layout_add_part(L, gx_h5_path(L, "%s/data", mp),
		                                      gx_h5_path(L, "%s/indices", mp),
		                                      gx_h5_path(L, "%s/indptr", mp));
		if (!p || !p->data || !p->indices || !p->indptr)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		p->major_is_gene = enc[2] == 'c'; /* csc: indptr walks var = genes */
		p->n_samples = (size_t)shape[0];
		p->n_genes = (size_t)shape[1];
		p->shape_src = gx_h5_path(L, "%s (attribute shape)", mp);
	}
	L->sparse = 1;
	L->n_samples = (size_t)shape[0];
	L->n_genes = (size_t)shape[1];
	return 0;
}

static int shape_mismatch(gx_h5_layout *L, const char *mp, const frame *f, size_t want,
                          const char *axis, gx_err *err)
{
	return gx_h5_err(&L->h, err, GX_E_HDF5,
	                 "shape mismatch: '%s' has %zu %s but the index of '%s' has %zu values",
	                 mp, want, axis, f->path, f->n);
}

int gx_h5_open_anndata(gx_h5_layout *L, gx_err *err)
{
	gx_h5 *h = &L->h;
	const char *mp = "/X", *vp = "/var", *id_col = NULL, *sym_col = NULL;
	frame obs, var;
	char **index = NULL;
	size_t i;
	int rc;

	memset(&obs, 0, sizeof(obs));
	memset(&var, 0, sizeof(var));
	L->format = "h5ad";
	if (L->opts->h5_path) {
		const char *q = L->opts->h5_path;
		mp = q[0] == '/' ? q : gx_h5_path(L, "/%s", q);
		if (!mp)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (!strcmp(mp, "/raw/X"))
			vp = "/raw/var";
		else if (!strcmp(mp, "/raw.X"))
			vp = "/raw.var";
	}
	if ((rc = open_matrix(L, mp, err)))
		return rc;
	if ((rc = frame_open(L, "/obs", &obs, err)) || (rc = frame_open(L, vp, &var, err)))
		goto out;
	if (obs.n != L->n_samples) {
		rc = shape_mismatch(L, mp, &obs, L->n_samples, "rows (cells)", err);
		goto out;
	}
	if (var.n != L->n_genes) {
		rc = shape_mismatch(L, mp, &var, L->n_genes, "columns (genes)", err);
		goto out;
	}

	/* samples and their attributes */
	if ((rc = frame_index(L, &obs, &L->sample_ids, err)))
		goto out;
	L->sample_src = obs.compound ? gx_h5_path(L, "%s:index", obs.path) : obs.index;
	for (i = 0; i < obs.ncols; i++) {
		char **vals = NULL;
		rc = frame_column(L, &obs, obs.cols[i], &vals, err);
		if (rc < 0)
			goto out;
		if (rc == 0 && (rc = gx_h5_layout_add_attr(L, obs.cols[i], vals, err)))
			goto out;
	}

	/* genes */
	for (i = 0; var_id_cols[i] && !id_col; i++)
		if (frame_has(&var, var_id_cols[i]))
			id_col = var_id_cols[i];
	for (i = 0; var_symbol_cols[i] && !sym_col; i++)
		if (frame_has(&var, var_symbol_cols[i]))
			sym_col = var_symbol_cols[i];
	if ((rc = frame_index(L, &var, &index, err)))
		goto out;
	if (id_col) {
		rc = frame_column(L, &var, id_col, &L->gene_ids, err);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			rc = gx_h5_err(h, err, GX_E_HDF5, "column '%s' of '%s' cannot be read as gene "
			               "ids", id_col, var.path);
			goto out;
		}
		L->gene_src = var.compound ? gx_h5_path(L, "%s:%s", var.path, id_col)
		                           : gx_h5_path(L, "%s/%s", var.path, id_col);
		L->gene_symbols = index;
		index = NULL;
	} else {
		L->gene_ids = index;
		index = NULL;
		L->genes_from_names = 1;
		L->gene_src = var.compound ? gx_h5_path(L, "%s:index", var.path) : var.index;
		if (sym_col) {
			rc = frame_column(L, &var, sym_col, &L->gene_symbols, err);
			if (rc < 0)
				goto out;
		}
	}
	rc = 0;
out:
	gx_free(index);
	gx_free(obs.cols);
	gx_free(var.cols);
	return rc;
}
