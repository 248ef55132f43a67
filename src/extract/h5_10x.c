/*
 * h5_10x.c - 10x Genomics Cell Ranger matrices: the '/matrix' group (Cell Ranger 3+,
 * "10x-v3") and the older per-genome groups (Cell Ranger 1/2, "10x-v2").
 *
 * Both are CSC, features (rows) x barcodes (columns): indptr walks barcodes.
 *   10x-v3: genes  = /matrix/features/id (Ensembl ids), symbols = features/name; only
 *           features whose feature_type is "Gene Expression" are kept when feature_type
 *           is present (antibody, CRISPR, peaks, custom features are skipped);
 *           samples = /matrix/barcodes; shape = /matrix/shape.
 *   10x-v2: one group per genome with genes (ids), gene_names (symbols), barcodes, data,
 *           indices, indptr, shape.  Several genomes are combined as Cell Ranger does:
 *           genes concatenated in group name order, barcodes united (first seen order).
 *           gx_matrix_opts.h5_path selects one genome group instead.  A group without
 *           'genes' uses gene_names as ids (made unique); one without barcodes is refused.
 * Strings are decoded from Cell Ranger's XML character references (&#233;).
 * No sample attributes: 10x matrices carry none per barcode.
 * Not here: reading values (h5_sparse.c).
 */
#include "extract/h5_layout.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"

#include <string.h>

#define GENE_EXPRESSION "Gene Expression"

/* read a 2-element integer shape dataset: (features, barcodes) */
static int read_shape(gx_h5_layout *L, const char *path, size_t *n_feat, size_t *n_bc,
                      gx_err *err)
{
	gx_h5_dset d;
	int64_t v[2];
	int rc;

	if ((rc = gx_h5_dset_open(&L->h, path, 1, 1, 0, &d, err)))
		return rc;
	if (d.dims[0] != 2) {
		rc = gx_h5_err(&L->h, err, GX_E_HDF5, "dataset '%s' has %llu values, expected 2",
		               path, (unsigned long long)d.dims[0]);
		goto out;
	}
	if ((rc = gx_h5_read_i64(&L->h, &d, 0, 2, v, err)))
		goto out;
	if (v[0] < 0 || v[1] < 0 || (uint64_t)v[0] >= GX_H5_SKIP || (uint64_t)v[1] >= GX_H5_SKIP) {
		rc = gx_h5_err(&L->h, err, GX_E_HDF5, "dataset '%s': shape (%lld, %lld) is invalid",
		               path, (long long)v[0], (long long)v[1]);
		goto out;
	}
	*n_feat = (size_t)v[0];
	*n_bc = (size_t)v[1];
out:
	gx_h5_dset_close(&d);
	return rc;
}

/* read a string column of n values (XML references decoded); absent -> *out NULL */
static int strings(gx_h5_layout *L, const char *path, size_t n, int required, char ***out,
                   gx_err *err)
{
	*out = NULL;
	if (!path)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (!required && gx_h5_kind_of(&L->h, path) == GX_H5_NONE)
		return 0;
	return gx_h5_read_text(&L->h, path, NULL, n, GX_H5_TEXT_XML | GX_H5_TEXT_STRINGS, out,
	                       err);
}

int gx_h5_open_10x_v3(gx_h5_layout *L, gx_err *err)
{
	const char *g = L->opts->h5_path ? L->opts->h5_path : "/matrix";
	char **ids = NULL, **names = NULL, **types = NULL;
	size_t n_feat = 0, n_bc = 0, i, kept = 0;
	gx_h5_part *p;
	int rc;

	L->format = "10x-v3";
	L->sparse = 1;
	if (gx_h5_kind_of(&L->h, g) != GX_H5_GROUP)
		return gx_h5_err(&L->h, err, GX_E_HDF5, "missing group '%s'", g);
	if ((rc = read_shape(L, gx_h5_path(L, "%s/shape", g), &n_feat, &n_bc, err)))
		return rc;
	L->gene_src = gx_h5_path(L, "%s/features/id", g);
	L->sample_src = gx_h5_path(L, "%s/barcodes", g);
	if (!L->gene_src || !L->sample_src)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = strings(L, L->gene_src, n_feat, 1, &ids, err)) ||
	    (rc = strings(L, gx_h5_path(L, "%s/features/name", g), n_feat, 0, &names, err)) ||
	    (rc = strings(L, gx_h5_path(L, "%s/features/feature_type", g), n_feat, 0, &types,
	                  err)) ||
	    (rc = strings(L, L->sample_src, n_bc, 1, &L->sample_ids, err)))
		goto out;
	L->n_samples = n_bc;
	p = gx_h5_layout_add_part(L, gx_h5_path(L, "%s/data", g), gx_h5_path(L, "%s/indices", g),
	                          gx_h5_path(L, "%s/indptr", g));
	if (!p || !p->data || !p->indices || !p->indptr) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	p->n_genes = n_feat;
	p->n_samples = n_bc;
	p->shape_src = gx_h5_path(L, "%s/shape", g);
	for (i = 0; i < n_feat; i++)
		kept += !types || (types[i] && !strcmp(types[i], GENE_EXPRESSION));
	if (kept == 0 && n_feat > 0) {
		rc = gx_h5_err(&L->h, err, GX_E_HDF5, "dataset '%s/features/feature_type' has no "
		               "'" GENE_EXPRESSION "' features", g);
		goto out;
	}
	if (kept < n_feat) {
		/* keep gene expression features only, in file order */
		size_t k = 0;
		p->gene_map = gx_malloc(n_feat * sizeof(*p->gene_map));
		if (!p->gene_map) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n_feat; i++) {
			if (types[i] && !strcmp(types[i], GENE_EXPRESSION)) {
				p->gene_map[i] = (uint32_t)k;
				ids[k] = ids[i];
				if (names)
					names[k] = names[i];
				k++;
			} else {
				p->gene_map[i] = GX_H5_SKIP;
			}
		}
	}
	L->n_genes = kept;
	L->gene_ids = ids;
	L->gene_symbols = names;
	ids = names = NULL;
	rc = 0;
out:
	gx_free(ids);
	gx_free(names);
	gx_free(types);
	return rc;
}

/* ---- Cell Ranger 1/2: one group per genome ---- */

static int v2_group(const gx_h5 *h, const char *g)
{
	static const char *const need[] = { "data", "indices", "indptr", "shape" };
	char p[600];
	size_t i;

	if (gx_h5_kind_of(h, g) != GX_H5_GROUP)
		return 0;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", g, need[i]);
		if (gx_h5_kind_of(h, p) != GX_H5_DATASET)
			return 0;
	}
	return 1;
}

/* append src[0..n) to *dst (length *len) */
static int append(char ***dst, size_t *len, char **src, size_t n)
{
	char **p = gx_reallocarray(*dst, *len + n + 1, sizeof(*p));

	if (!p)
		return -1;
	memcpy(p + *len, src, n * sizeof(*p));
	*dst = p;
	*len += n;
	return 0;
}

/* one genome group: its genes are appended, its barcodes united with the others */
static int v2_add(gx_h5_layout *L, const char *g, gx_hset *bc_seen, int have_symbols,
                  gx_err *err)
{
	char **genes = NULL, **names = NULL, **bcs = NULL;
	size_t n_feat = 0, n_bc = 0, i, before = L->n_genes, nsym = before;
	const char *gene_path, *bc_path;
	gx_h5_part *p;
	int rc;

	if ((rc = read_shape(L, gx_h5_path(L, "%s/shape", g), &n_feat, &n_bc, err)))
		return rc;
	gene_path = gx_h5_path(L, "%s/genes", g);
	bc_path = gx_h5_path(L, "%s/barcodes", g);
	if (!gene_path || !bc_path)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = strings(L, gene_path, n_feat, 0, &genes, err)) ||
	    (rc = strings(L, gx_h5_path(L, "%s/gene_names", g), n_feat, 0, &names, err)) ||
	    (rc = strings(L, bc_path, n_bc, 1, &bcs, err)))
		goto out;
	if (!genes && !names) {
		rc = gx_h5_err(&L->h, err, GX_E_HDF5, "missing dataset '%s' (and no '%s/gene_names')",
		               gene_path, g);
		goto out;
	}
	if ((rc = gx_h5_check_ids(&L->h, bc_path, 0, bcs, n_bc, GX_H5_UNIQUE_REQUIRED, err)))
		goto out;
	if (!genes) {
		L->genes_from_names = 1;
		if (!L->gene_src)
			L->gene_src = gx_h5_path(L, "%s/gene_names", g);
	} else if (!L->gene_src) {
		L->gene_src = gene_path;
	}
	if (append(&L->gene_ids, &L->n_genes, genes ? genes : names, n_feat) < 0)
		goto nomem;
	if (have_symbols) {
		if (append(&L->gene_symbols, &nsym, names ? names : genes, n_feat) < 0)
			goto nomem;
		if (!names) /* this genome has ids only: no symbols for its genes */
			for (i = before; i < nsym; i++)
				L->gene_symbols[i] = NULL;
	}
	p = gx_h5_layout_add_part(L, gx_h5_path(L, "%s/data", g), gx_h5_path(L, "%s/indices", g),
	                          gx_h5_path(L, "%s/indptr", g));
	if (!p || !p->data || !p->indices || !p->indptr)
		goto nomem;
	p->n_genes = n_feat;
	p->n_samples = n_bc;
	p->shape_src = gx_h5_path(L, "%s/shape", g);
	p->gene_map = gx_malloc((n_feat ? n_feat : 1) * sizeof(*p->gene_map));
	p->sample_map = gx_malloc((n_bc ? n_bc : 1) * sizeof(*p->sample_map));
	if (!p->gene_map || !p->sample_map)
		goto nomem;
	for (i = 0; i < n_feat; i++)
		p->gene_map[i] = (uint32_t)(before + i);
	{
		/* room for every barcode of this genome being new */
		char **ns = gx_reallocarray(L->sample_ids, L->n_samples + n_bc + 1, sizeof(*ns));
		if (!ns)
			goto nomem;
		L->sample_ids = ns;
	}
	for (i = 0; i < n_bc; i++) {
		uint64_t h = gx_gene_hash(bcs[i], strlen(bcs[i])), prev = 0;
		int put = gx_hset_put(bc_seen, h, (uint64_t)L->n_samples, &prev);
		if (put < 0)
			goto nomem;
		if (put == 0 && !strcmp(L->sample_ids[prev], bcs[i])) {
			p->sample_map[i] = (uint32_t)prev; /* seen in an earlier genome */
			continue;
		}
		L->sample_ids[L->n_samples] = bcs[i];
		p->sample_map[i] = (uint32_t)L->n_samples++;
	}
	if (!L->sample_src)
		L->sample_src = bc_path;
	rc = 0;
	goto out;
nomem:
	rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
out:
	gx_free(genes);
	gx_free(names);
	gx_free(bcs);
	return rc;
}

int gx_h5_open_10x_v2(gx_h5_layout *L, gx_err *err)
{
	gx_hset bc_seen = { 0 };
	char **top = NULL;
	size_t n = 0, i, groups = 0;
	int rc = 0, have_symbols = 0;

	L->format = "10x-v2";
	L->sparse = 1;
	if (L->opts->h5_path) {
		if (!v2_group(&L->h, L->opts->h5_path))
			return gx_h5_err(&L->h, err, GX_E_HDF5, "'%s' is not a 10x genome group with "
			                 "data, indices, indptr and shape", L->opts->h5_path);
		if (!(top = gx_malloc(sizeof(*top))))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		top[0] = (char *)L->opts->h5_path;
		n = 1;
	} else {
		if ((rc = gx_h5_members(&L->h, "/", &top, &n, err)))
			return rc;
		for (i = 0; i < n; i++)
			if (!(top[i] = gx_h5_path(L, "/%s", top[i]))) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				goto out;
			}
	}
	for (i = 0; i < n; i++) {
		char p[600];
		snprintf(p, sizeof(p), "%s/gene_names", top[i]);
		if (v2_group(&L->h, top[i]) && gx_h5_kind_of(&L->h, p) == GX_H5_DATASET)
			have_symbols = 1;
	}
	for (i = 0; i < n && !rc; i++) {
		if (!v2_group(&L->h, top[i]))
			continue; /* stray objects next to the genome groups */
		groups++;
		rc = v2_add(L, top[i], &bc_seen, have_symbols, err);
	}
	if (!rc && groups == 0)
		rc = gx_h5_err(&L->h, err, GX_E_HDF5, "no 10x genome group found");
	if (!rc && groups == 1) {
		/* one genome: the maps are identities and cost a lookup per entry for nothing */
		gx_free(L->parts[0].gene_map);
		gx_free(L->parts[0].sample_map);
		L->parts[0].gene_map = L->parts[0].sample_map = NULL;
	}
out:
	gx_hset_release(&bc_seen);
	gx_free(top);
	return rc;
}
