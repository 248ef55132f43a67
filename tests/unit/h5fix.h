/*
 * h5fix.h - fixtures for the HDF5 reader tests: small matrices written through the HDF5
 * C API in every layout gxload reads, the same matrix as TSV, and a cell collector.
 *
 *   fx_mat m = { ... };                 a genes x samples matrix (+ which cells are stored)
 *   fx_10x_v3(fx_path("a.h5"), &m, &o); 10x /matrix group; also fx_10x_v2, fx_h5ad,
 *                                       fx_loom, fx_archs4, fx_tsv
 *   fx_got got; fx_scan(path, NULL, &got, &err);   open + scan, cells kept as strings
 *   fx_same(&got, &m, sparse) == 0      every expected cell, nothing else, exact values
 *
 * Files go to a fresh directory under $TMPDIR (or /tmp), removed by fx_cleanup().
 * Everything is static inline so that each test binary uses what it needs without
 * unused-function warnings.  Test code: failures of the HDF5 calls here abort the test
 * with a message, since a fixture that cannot be written makes every check meaningless.
 */
#ifndef GX_H5FIX_H
#define GX_H5FIX_H

#include "core/err.h"
#include "core/hash.h"
#include "extract/matrix.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- files ---- */

static char fx_dir_buf[512];

static inline const char *fx_path(const char *name)
{
	static char bufs[8][640];
	static int k;
	char *b = bufs[k++ & 7];

	if (!fx_dir_buf[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(fx_dir_buf, sizeof(fx_dir_buf), "%s/gxh5XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(fx_dir_buf)) {
			perror("mkdtemp");
			exit(2);
		}
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	}
	snprintf(b, 640, "%s/%s", fx_dir_buf, name);
	return b;
}

static inline void fx_cleanup(void)
{
	char cmd[700];

	if (!fx_dir_buf[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dir_buf);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx_dir_buf);
}

static inline void fx_die(const char *what)
{
	fprintf(stderr, "fixture: %s failed\n", what);
	H5Eprint2(H5E_DEFAULT, stderr);
	exit(2);
}

static inline hid_t fx_create(const char *path)
{
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	if (f < 0)
		fx_die(path);
	return f;
}

static inline hid_t fx_reopen(const char *path)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
	if (f < 0)
		fx_die(path);
	return f;
}

static inline void fx_group(hid_t f, const char *path)
{
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), g;

	H5Pset_create_intermediate_group(lcpl, 1);
	g = H5Gcreate2(f, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0)
		fx_die(path);
	H5Gclose(g);
	H5Pclose(lcpl);
}

/* ---- datasets ---- */

typedef struct fx_dopts {
	hsize_t chunk[2];   /* 0 = contiguous */
	int gzip;           /* deflate level, 0 = none */
	int shuffle;
	int lzf;            /* h5py's filter 32000 (registered by gxload's reader) */
	unsigned filter;    /* another filter id, registered by the test */
	int resizable;      /* maxshape unlimited along dim 0 (10x, anndata) */
} fx_dopts;

static inline void fx_dset(hid_t loc, const char *path, hid_t ftype, hid_t mtype, int rank,
                           const hsize_t *dims, const void *buf, const fx_dopts *o)
{
	hsize_t maxd[2] = { dims[0], rank > 1 ? dims[1] : 1 }, ch[2];
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE), sp, d;
	int chunked = o && (o->chunk[0] || o->gzip || o->shuffle || o->lzf || o->filter ||
	                    o->resizable);

	H5Pset_create_intermediate_group(lcpl, 1);
	if (o && o->resizable)
		maxd[0] = H5S_UNLIMITED;
	if (chunked) {
		ch[0] = o->chunk[0] ? o->chunk[0] : (dims[0] ? dims[0] : 1);
		ch[1] = rank > 1 ? (o->chunk[1] ? o->chunk[1] : (dims[1] ? dims[1] : 1)) : 1;
		H5Pset_chunk(dcpl, rank, ch);
		if (o->shuffle)
			H5Pset_shuffle(dcpl);
		if (o->gzip)
			H5Pset_deflate(dcpl, (unsigned)o->gzip);
		if (o->lzf) {
			size_t esize = H5Tget_size(ftype);
			unsigned cd[3] = { 4, 261, (unsigned)(ch[0] * ch[1] * esize) };
			if (H5Pset_filter(dcpl, 32000, H5Z_FLAG_OPTIONAL, 3, cd) < 0)
				fx_die("lzf filter");
		}
		if (o->filter && H5Pset_filter(dcpl, (H5Z_filter_t)o->filter, H5Z_FLAG_MANDATORY, 0,
		                               NULL) < 0)
			fx_die("custom filter");
	}
	sp = H5Screate_simple(rank, dims, maxd);
	d = H5Dcreate2(loc, path, ftype, sp, lcpl, dcpl, H5P_DEFAULT);
	if (d < 0)
		fx_die(path);
	if (buf && dims[0] && (rank < 2 || dims[1]) &&
	    H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
		fx_die(path);
	H5Dclose(d);
	H5Sclose(sp);
	H5Pclose(dcpl);
	H5Pclose(lcpl);
}

/* 1-D numbers given as doubles, stored as 'ftype' */
static inline void fx_nums(hid_t loc, const char *path, hid_t ftype, size_t n,
                           const double *v, const fx_dopts *o)
{
	hsize_t d = n;
	fx_dset(loc, path, ftype, H5T_NATIVE_DOUBLE, 1, &d, v, o);
}

/* 1-D integers given as int64, stored as 'ftype' */
static inline void fx_ints(hid_t loc, const char *path, hid_t ftype, size_t n,
                           const int64_t *v, const fx_dopts *o)
{
	hsize_t d = n;
	fx_dset(loc, path, ftype, H5T_NATIVE_INT64, 1, &d, v, o);
}

static inline hid_t fx_str_type(const char *const *s, size_t n, int vlen, H5T_str_t pad)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	size_t i, w = 1;

	if (vlen) {
		H5Tset_size(t, H5T_VARIABLE);
		H5Tset_cset(t, H5T_CSET_UTF8);
		return t;
	}
	for (i = 0; i < n; i++)
		if (s[i] && strlen(s[i]) > w)
			w = strlen(s[i]);
	H5Tset_size(t, w);
	H5Tset_strpad(t, pad);
	return t;
}

/* 1-D strings: vlen UTF-8, or fixed length (width = the longest, padding 'pad') */
static inline void fx_strs_pad(hid_t loc, const char *path, size_t n, const char *const *s,
                               int vlen, H5T_str_t pad, const fx_dopts *o)
{
	hid_t t = fx_str_type(s, n, vlen, pad);
	hsize_t d = n;

	if (vlen) {
		fx_dset(loc, path, t, t, 1, &d, s, o);
	} else {
		size_t w = H5Tget_size(t), i;
		char *buf = calloc(n ? n : 1, w);
		for (i = 0; i < n; i++)
			if (s[i])
				memcpy(buf + i * w, s[i], strlen(s[i]));
		fx_dset(loc, path, t, t, 1, &d, buf, o);
		free(buf);
	}
	H5Tclose(t);
}

static inline void fx_strs(hid_t loc, const char *path, size_t n, const char *const *s,
                           int vlen, const fx_dopts *o)
{
	fx_strs_pad(loc, path, n, s, vlen, H5T_STR_NULLPAD, o);
}

/* ---- attributes ---- */

static inline void fx_attr(hid_t loc, const char *obj, const char *name, hid_t t, hid_t sp,
                           const void *buf)
{
	hid_t a = H5Acreate_by_name(loc, obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (a < 0 || H5Awrite(a, t, buf) < 0)
		fx_die(name);
	H5Aclose(a);
}

/* a string scalar attribute, vlen UTF-8 or fixed length */
static inline void fx_attr_str(hid_t loc, const char *obj, const char *name, const char *v,
                               int vlen)
{
	hid_t t = fx_str_type(&v, 1, vlen, H5T_STR_NULLPAD), sp = H5Screate(H5S_SCALAR);
	if (vlen) {
		fx_attr(loc, obj, name, t, sp, &v);
	} else {
		char buf[512] = "";
		memcpy(buf, v, strlen(v));
		fx_attr(loc, obj, name, t, sp, buf);
	}
	H5Sclose(sp);
	H5Tclose(t);
}

/* a 1-D vlen string array attribute (anndata's column-order) */
static inline void fx_attr_strs(hid_t loc, const char *obj, const char *name, size_t n,
                                const char *const *v)
{
	hid_t t = fx_str_type(v, n, 1, H5T_STR_NULLTERM), sp;
	hsize_t d = n;

	if (n == 0) {
		/* anndata writes an empty column list as an empty float64 array */
		double none = 0;
		sp = H5Screate_simple(1, &d, NULL);
		fx_attr(loc, obj, name, H5T_IEEE_F64LE, sp, &none);
	} else {
		sp = H5Screate_simple(1, &d, NULL);
		fx_attr(loc, obj, name, t, sp, v);
	}
	H5Sclose(sp);
	H5Tclose(t);
}

static inline void fx_attr_i64s(hid_t loc, const char *obj, const char *name, size_t n,
                                const int64_t *v)
{
	hsize_t d = n;
	hid_t sp = H5Screate_simple(1, &d, NULL);
	fx_attr(loc, obj, name, H5T_STD_I64LE, sp, v);
	H5Sclose(sp);
}

/* h5py's bool: an enum over int8 {FALSE = 0, TRUE = 1} */
static inline hid_t fx_bool_type(void)
{
	hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
	int8_t f = 0, tr = 1;
	H5Tenum_insert(t, "FALSE", &f);
	H5Tenum_insert(t, "TRUE", &tr);
	return t;
}

static inline void fx_attr_bool(hid_t loc, const char *obj, const char *name, int v)
{
	hid_t t = fx_bool_type(), sp = H5Screate(H5S_SCALAR);
	int8_t b = (int8_t)v;
	fx_attr(loc, obj, name, t, sp, &b);
	H5Sclose(sp);
	H5Tclose(t);
}

static inline void fx_bools(hid_t loc, const char *path, size_t n, const int8_t *v)
{
	hid_t t = fx_bool_type();
	hsize_t d = n;
	fx_dset(loc, path, t, t, 1, &d, v, NULL);
	H5Tclose(t);
}

/* an object reference attribute on 'obj' pointing at 'target' (anndata 0.7) */
static inline void fx_attr_ref(hid_t loc, const char *obj, const char *name,
                               const char *target)
{
	hobj_ref_t ref;
	hid_t sp = H5Screate(H5S_SCALAR);
	if (H5Rcreate(&ref, loc, target, H5R_OBJECT, -1) < 0)
		fx_die("reference");
	fx_attr(loc, obj, name, H5T_STD_REF_OBJ, sp, &ref);
	H5Sclose(sp);
}

/* anndata's encoding-type / encoding-version pair */
static inline void fx_enc(hid_t f, const char *obj, const char *type, const char *version)
{
	fx_attr_str(f, obj, "encoding-type", type, 1);
	fx_attr_str(f, obj, "encoding-version", version, 1);
}

/* ---- a matrix and its layouts ---- */

typedef struct fx_mat {
	size_t G, S;
	const char *const *genes;     /* gene ids */
	const char *const *symbols;   /* NULL if none */
	const char *const *samples;
	const double *v;              /* G x S, row-major by gene */
	const unsigned char *stored;  /* G x S: stored in sparse layouts; NULL = the nonzeros */
} fx_mat;

static inline fx_mat fx_matrix(size_t G, size_t S, const char *const *genes,
                               const char *const *symbols, const char *const *samples,
                               const double *v)
{
	fx_mat m;
	memset(&m, 0, sizeof(m));
	m.G = G;
	m.S = S;
	m.genes = genes;
	m.symbols = symbols;
	m.samples = samples;
	m.v = v;
	return m;
}

/* human Ensembl ids and their symbols, shared by the tests (they use a prefix) */
static inline const char *const *fx_ensembl(void)
{
	static const char *const g[6] = {
		"ENSG00000000003", "ENSG00000000005", "ENSG00000000419", "ENSG00000000457",
		"ENSG00000000460", "ENSG00000000938"
	};
	return g;
}

static inline const char *const *fx_symbols(void)
{
	static const char *const g[6] = { "TSPAN6", "TNMD", "DPM1", "SCYL3", "C1orf112", "FGR" };
	return g;
}

/* sample attribute 'name' of sample i: its value, NULL if missing, a marker if absent */
static inline const char *fx_attr_value(const gx_matrix_info *in, size_t i, const char *name)
{
	size_t a;
	for (a = 0; a < in->attrs.n_attrs; a++)
		if (!strcmp(in->attrs.names[a], name))
			return in->attrs.values[i * in->attrs.n_attrs + a];
	return "(no such attribute)";
}

static inline int fx_is_stored(const fx_mat *m, size_t g, size_t s)
{
	return m->stored ? m->stored[g * m->S + s] != 0 : m->v[g * m->S + s] != 0.0;
}

typedef struct fx_opts {
	hid_t val_type;      /* stored value type (default: int32 for 10x, float32 else) */
	hid_t idx_type;      /* indices (default int64 for 10x, int32 for h5ad) */
	hid_t ptr_type;      /* indptr (default int64 / int32) */
	fx_dopts d;          /* storage of data/indices/indptr or of the dense matrix */
	int vlen;            /* strings as vlen UTF-8 (else fixed length) */
	int unsorted;        /* minor indices stored in decreasing order */
	int gen;             /* anndata 6, 7, 8; loom 2, 3 */
	int csc;             /* anndata: 0 dense X, 1 CSR, 2 CSC */
	int rows_samples;    /* archs4: (samples, genes) */
	const char *const *feature_types; /* 10x v3: per gene, NULL = all Gene Expression */
} fx_opts;

/*
 * Compressed sparse arrays of the stored cells: major = samples (CSC of genes x samples)
 * or genes.  Arrays are malloc'd; the caller frees them.
 */
static inline size_t fx_compress(const fx_mat *m, int major_gene, int unsorted, double **data,
                                 int64_t **indices, int64_t **indptr)
{
	size_t nmaj = major_gene ? m->G : m->S, nmin = major_gene ? m->S : m->G, j, i, k = 0;

	*data = malloc((m->G * m->S + 1) * sizeof(**data));
	*indices = malloc((m->G * m->S + 1) * sizeof(**indices));
	*indptr = malloc((nmaj + 1) * sizeof(**indptr));
	for (j = 0; j < nmaj; j++) {
		(*indptr)[j] = (int64_t)k;
		for (i = 0; i < nmin; i++) {
			size_t mi = unsorted ? nmin - 1 - i : i;
			size_t g = major_gene ? j : mi, s = major_gene ? mi : j;
			if (!fx_is_stored(m, g, s))
				continue;
			(*data)[k] = m->v[g * m->S + s];
			(*indices)[k++] = (int64_t)mi;
		}
	}
	(*indptr)[nmaj] = (int64_t)k;
	return k;
}

static inline void fx_sparse(hid_t f, const char *grp, const fx_mat *m, int major_gene,
                             const fx_opts *o, hid_t vt, hid_t it, hid_t pt)
{
	double *data;
	int64_t *ind, *ptr;
	char p[256];
	size_t nnz = fx_compress(m, major_gene, o->unsorted, &data, &ind, &ptr);

	snprintf(p, sizeof(p), "%s/data", grp);
	fx_nums(f, p, vt, nnz, data, &o->d);
	snprintf(p, sizeof(p), "%s/indices", grp);
	fx_ints(f, p, it, nnz, ind, &o->d);
	snprintf(p, sizeof(p), "%s/indptr", grp);
	fx_ints(f, p, pt, (major_gene ? m->G : m->S) + 1, ptr, &o->d);
	free(data);
	free(ind);
	free(ptr);
}

static inline hid_t fx_or(hid_t t, hid_t dflt)
{
	return t > 0 ? t : dflt;
}

/* 10x Cell Ranger 3+: /matrix group, CSC features x barcodes */
static inline void fx_10x_v3(const char *path, const fx_mat *m, const fx_opts *o)
{
	hid_t f = fx_create(path);
	int64_t shape[2] = { (int64_t)m->G, (int64_t)m->S };
	const char **types = malloc((m->G + 1) * sizeof(*types));
	const char **genome = malloc((m->G + 1) * sizeof(*genome));
	size_t i;

	for (i = 0; i < m->G; i++) {
		types[i] = o->feature_types ? o->feature_types[i] : "Gene Expression";
		genome[i] = "GRCh38";
	}
	fx_attr_str(f, "/", "filetype", "matrix", 1);
	fx_attr_i64s(f, "/", "version", 1, (const int64_t[]){ 2 });
	fx_group(f, "/matrix");
	fx_sparse(f, "/matrix", m, 0, o, fx_or(o->val_type, H5T_STD_I32LE),
	          fx_or(o->idx_type, H5T_STD_I64LE), fx_or(o->ptr_type, H5T_STD_I64LE));
	fx_ints(f, "/matrix/shape", H5T_STD_I32LE, 2, shape, &o->d);
	fx_strs(f, "/matrix/barcodes", m->S, m->samples, o->vlen, NULL);
	fx_strs(f, "/matrix/features/id", m->G, m->genes, o->vlen, NULL);
	fx_strs(f, "/matrix/features/name", m->G, m->symbols ? m->symbols : m->genes, o->vlen,
	        NULL);
	fx_strs(f, "/matrix/features/feature_type", m->G, types, o->vlen, NULL);
	fx_strs(f, "/matrix/features/genome", m->G, genome, o->vlen, NULL);
	fx_strs(f, "/matrix/features/_all_tag_keys", 1, (const char *const[]){ "genome" }, 0,
	        NULL);
	free(types);
	free(genome);
	H5Fclose(f);
}

/*
 * One 10x Cell Ranger 1/2 genome group: genes [g0, g1) of m, and the samples listed in
 * sidx (in that order).
 */
static inline void fx_10x_v2_group(hid_t f, const char *grp, const fx_mat *m, size_t g0,
                                   size_t g1, const size_t *sidx, size_t ns, const fx_opts *o)
{
	double *v = malloc(((g1 - g0) * ns + 1) * sizeof(*v));
	unsigned char *st = malloc((g1 - g0) * ns + 1);
	const char **genes = malloc((g1 - g0 + 1) * sizeof(*genes));
	const char **syms = malloc((g1 - g0 + 1) * sizeof(*syms));
	const char **bcs = malloc((ns + 1) * sizeof(*bcs));
	fx_mat sub;
	int64_t shape[2] = { (int64_t)(g1 - g0), (int64_t)ns };
	char p[256];
	size_t g, s;

	for (g = g0; g < g1; g++) {
		genes[g - g0] = m->genes[g];
		syms[g - g0] = m->symbols ? m->symbols[g] : m->genes[g];
		for (s = 0; s < ns; s++) {
			v[(g - g0) * ns + s] = m->v[g * m->S + sidx[s]];
			st[(g - g0) * ns + s] = (unsigned char)fx_is_stored(m, g, sidx[s]);
		}
	}
	for (s = 0; s < ns; s++)
		bcs[s] = m->samples[sidx[s]];
	memset(&sub, 0, sizeof(sub));
	sub.G = g1 - g0;
	sub.S = ns;
	sub.v = v;
	sub.stored = st;
	fx_group(f, grp);
	fx_sparse(f, grp, &sub, 0, o, fx_or(o->val_type, H5T_STD_I32LE),
	          fx_or(o->idx_type, H5T_STD_I64LE), fx_or(o->ptr_type, H5T_STD_I64LE));
	snprintf(p, sizeof(p), "%s/shape", grp);
	fx_ints(f, p, H5T_STD_I32LE, 2, shape, NULL);
	snprintf(p, sizeof(p), "%s/genes", grp);
	fx_strs(f, p, sub.G, genes, o->vlen, NULL);
	snprintf(p, sizeof(p), "%s/gene_names", grp);
	fx_strs(f, p, sub.G, syms, o->vlen, NULL);
	snprintf(p, sizeof(p), "%s/barcodes", grp);
	fx_strs(f, p, ns, bcs, o->vlen, NULL);
	free(v);
	free(st);
	free(genes);
	free(syms);
	free(bcs);
}

/* 10x Cell Ranger 1/2 with one genome group holding the whole matrix */
static inline void fx_10x_v2(const char *path, const fx_mat *m, const fx_opts *o)
{
	hid_t f = fx_create(path);
	size_t *sidx = malloc((m->S + 1) * sizeof(*sidx)), s;

	for (s = 0; s < m->S; s++)
		sidx[s] = s;
	fx_attr_str(f, "/", "filetype", "matrix", 0);
	fx_10x_v2_group(f, "/GRCh38", m, 0, m->G, sidx, m->S, o);
	free(sidx);
	H5Fclose(f);
}

/* a 1-D compound dataset of nf fixed-length string fields (anndata <= 0.6 dataframes) */
static inline void fx_compound_strs(hid_t f, const char *path, size_t n, size_t nf,
                                    const char *const *names, const char *const *const *cols)
{
	size_t w[8], off[8], size = 0, i, k;
	hid_t ct, sp, d;
	hsize_t dn = n;
	char *buf;

	for (k = 0; k < nf; k++) {
		for (w[k] = 1, i = 0; i < n; i++)
			w[k] = strlen(cols[k][i]) > w[k] ? strlen(cols[k][i]) : w[k];
		off[k] = size;
		size += w[k];
	}
	ct = H5Tcreate(H5T_COMPOUND, size);
	for (k = 0; k < nf; k++) {
		hid_t st = H5Tcopy(H5T_C_S1);
		H5Tset_size(st, w[k]);
		H5Tinsert(ct, names[k], off[k], st);
		H5Tclose(st);
	}
	buf = calloc(n + 1, size);
	for (i = 0; i < n; i++)
		for (k = 0; k < nf; k++)
			memcpy(buf + i * size + off[k], cols[k][i], strlen(cols[k][i]));
	sp = H5Screate_simple(1, &dn, NULL);
	d = H5Dcreate2(f, path, ct, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
		fx_die(path);
	H5Dclose(d);
	H5Sclose(sp);
	H5Tclose(ct);
	free(buf);
}

/*
 * AnnData: o->gen 6 (compound obs/var, h5sparse_format), 7 (dataframe 0.1.0), 8 (0.2.0
 * with encoding attributes); o->csc 0 = dense X, 1 = CSR, 2 = CSC.  var index = symbols
 * and a gene_ids column when m has symbols, else var index = gene ids.  obs has only its
 * index: tests add columns with fx_reopen.
 */
static inline void fx_h5ad(const char *path, const fx_mat *m, const fx_opts *o)
{
	hid_t f = fx_create(path);
	hid_t vt = fx_or(o->val_type, H5T_IEEE_F32LE);
	int gen = o->gen ? o->gen : 8;
	int64_t shape[2] = { (int64_t)m->S, (int64_t)m->G };
	size_t g, s;

	if (gen >= 8)
		fx_enc(f, "/", "anndata", "0.1.0");
	if (o->csc == 0) {
		double *x = malloc((m->S * m->G + 1) * sizeof(*x));
		hsize_t dims[2] = { m->S, m->G };
		for (s = 0; s < m->S; s++)
			for (g = 0; g < m->G; g++)
				x[s * m->G + g] = m->v[g * m->S + s];
		fx_dset(f, "/X", vt, H5T_NATIVE_DOUBLE, 2, dims, x, &o->d);
		if (gen >= 8)
			fx_enc(f, "/X", "array", "0.2.0");
		free(x);
	} else {
		fx_mat t = *m;
		fx_group(f, "/X");
		/* CSR of samples x genes is CSC of genes x samples: indptr walks samples */
		fx_sparse(f, "/X", &t, o->csc == 2, o, vt, fx_or(o->idx_type, H5T_STD_I32LE),
		          fx_or(o->ptr_type, H5T_STD_I32LE));
		if (gen >= 7) {
			fx_enc(f, "/X", o->csc == 1 ? "csr_matrix" : "csc_matrix", "0.1.0");
			fx_attr_i64s(f, "/X", "shape", 2, shape);
		} else {
			fx_attr_str(f, "/X", "h5sparse_format", o->csc == 1 ? "csr" : "csc", 1);
			fx_attr_i64s(f, "/X", "h5sparse_shape", 2, shape);
		}
	}
	if (gen >= 7) {
		const char *ver = gen >= 8 ? "0.2.0" : "0.1.0";
		fx_group(f, "/obs");
		fx_enc(f, "/obs", "dataframe", ver);
		fx_attr_str(f, "/obs", "_index", "_index", 1);
		fx_attr_strs(f, "/obs", "column-order", 0, NULL);
		fx_strs(f, "/obs/_index", m->S, m->samples, 1, NULL);
		fx_group(f, "/var");
		fx_enc(f, "/var", "dataframe", ver);
		fx_attr_str(f, "/var", "_index", "_index", 1);
		fx_strs(f, "/var/_index", m->G, m->symbols ? m->symbols : m->genes, 1, NULL);
		if (m->symbols) {
			fx_attr_strs(f, "/var", "column-order", 1, (const char *const[]){ "gene_ids" });
			fx_strs(f, "/var/gene_ids", m->G, m->genes, 1, NULL);
			if (gen >= 8)
				fx_enc(f, "/var/gene_ids", "string-array", "0.2.0");
		} else {
			fx_attr_strs(f, "/var", "column-order", 0, NULL);
		}
		if (gen >= 8) {
			fx_enc(f, "/obs/_index", "string-array", "0.2.0");
			fx_enc(f, "/var/_index", "string-array", "0.2.0");
		}
	} else {
		/* <= 0.6: compound datasets of fixed-length strings, 'index' first */
		const char *const obs_f[1] = { "index" }, *const var_f[2] = { "index", "gene_ids" };
		const char *const *obs_c[1] = { m->samples };
		const char *const *var_c[2] = { m->symbols ? m->symbols : m->genes, m->genes };
		fx_compound_strs(f, "/obs", m->S, 1, obs_f, obs_c);
		fx_compound_strs(f, "/var", m->G, m->symbols ? 2 : 1, var_f, var_c);
	}
	H5Fclose(f);
}

/* Loom 3 (vlen strings, /attrs) or 2 (fixed strings, root attribute): genes x cells */
static inline void fx_loom(const char *path, const fx_mat *m, const fx_opts *o)
{
	hid_t f = fx_create(path);
	hsize_t dims[2] = { m->G, m->S };
	fx_dopts d = o->d;
	int gen = o->gen ? o->gen : 3;

	if (!d.chunk[0]) {
		d.chunk[0] = m->G < 64 ? m->G : 64;
		d.chunk[1] = m->S < 64 ? m->S : 64;
		d.gzip = 2;
	}
	fx_dset(f, "/matrix", fx_or(o->val_type, H5T_IEEE_F32LE), H5T_NATIVE_DOUBLE, 2, dims,
	        m->v, &d);
	fx_group(f, "/row_attrs");
	fx_group(f, "/col_attrs");
	fx_group(f, "/layers");
	fx_group(f, "/row_graphs");
	fx_group(f, "/col_graphs");
	if (gen >= 3) {
		const char *ver = "3.0.0";
		hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), ds;
		H5Tset_size(t, H5T_VARIABLE);
		H5Tset_cset(t, H5T_CSET_UTF8);
		fx_group(f, "/attrs");
		ds = H5Dcreate2(f, "/attrs/LOOM_SPEC_VERSION", t, sp, H5P_DEFAULT, H5P_DEFAULT,
		                H5P_DEFAULT);
		if (ds < 0 || H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &ver) < 0)
			fx_die("LOOM_SPEC_VERSION");
		H5Dclose(ds);
		H5Sclose(sp);
		H5Tclose(t);
	} else {
		fx_attr_str(f, "/", "LOOM_SPEC_VERSION", "2.0.1", 0);
	}
	if (m->symbols) {
		fx_strs(f, "/row_attrs/Gene", m->G, m->symbols, gen >= 3, NULL);
		fx_strs(f, "/row_attrs/Accession", m->G, m->genes, gen >= 3, NULL);
	} else {
		fx_strs(f, "/row_attrs/Gene", m->G, m->genes, gen >= 3, NULL);
	}
	fx_strs(f, "/col_attrs/CellID", m->S, m->samples, gen >= 3, NULL);
	H5Fclose(f);
}

/* ARCHS4 v2: data/expression (genes, samples) or, with o->rows_samples, (samples, genes) */
static inline void fx_archs4(const char *path, const fx_mat *m, const fx_opts *o)
{
	hid_t f = fx_create(path);
	hsize_t dims[2];
	double *x = malloc((m->G * m->S + 1) * sizeof(*x));
	size_t g, s;

	for (g = 0; g < m->G; g++)
		for (s = 0; s < m->S; s++) {
			if (o->rows_samples)
				x[s * m->G + g] = m->v[g * m->S + s];
			else
				x[g * m->S + s] = m->v[g * m->S + s];
		}
	dims[0] = o->rows_samples ? m->S : m->G;
	dims[1] = o->rows_samples ? m->G : m->S;
	fx_dset(f, "/data/expression", fx_or(o->val_type, H5T_STD_U32LE), H5T_NATIVE_DOUBLE, 2,
	        dims, x, &o->d);
	fx_strs(f, "/meta/genes/ensembl_gene", m->G, m->genes, o->vlen, NULL);
	if (m->symbols)
		fx_strs(f, "/meta/genes/symbol", m->G, m->symbols, o->vlen, NULL);
	fx_strs(f, "/meta/samples/geo_accession", m->S, m->samples, o->vlen, NULL);
	free(x);
	H5Fclose(f);
}

/* The refine.bio TSV of the same matrix: every cell, values with 17 significant digits. */
static inline void fx_tsv(const char *path, const fx_mat *m)
{
	FILE *f = fopen(path, "w");
	size_t g, s;

	if (!f)
		fx_die(path);
	fputs("Gene", f);
	for (s = 0; s < m->S; s++)
		fprintf(f, "\t%s", m->samples[s]);
	fputc('\n', f);
	for (g = 0; g < m->G; g++) {
		fputs(m->genes[g], f);
		for (s = 0; s < m->S; s++)
			fprintf(f, "\t%.17g", m->v[g * m->S + s]);
		fputc('\n', f);
	}
	fclose(f);
}

/* ---- reading back ---- */

typedef struct fx_cell {
	char gene[64];
	char sample[64];
	double v;
} fx_cell;

typedef struct fx_got {
	fx_cell *c;
	size_t n, cap;
	int keep;                 /* keep every cell (else only count and digests) */
	int allow_dups;           /* open with allow_dup_genes: repeated gene ids passed on */
	size_t batches, dense_batches, max_batch;
	int bad_batch;            /* a batch broke the gx_cells contract */
	const gx_matrix_info *info;
	gx_digest *digests;       /* per sample of info */
	char format[16];
	size_t n_samples;
	long n_genes;
	double sum;               /* of all values */
	char sym0[64];            /* symbol of the first gene of the first batch, "" if none */
	char gene0[64];           /* its id */
} fx_got;

static inline int fx_collect(void *ctx, const gx_cells *c, gx_err *err)
{
	fx_got *g = ctx;
	size_t i, S = g->info->n_samples;

	(void)err;
	if (g->batches++ == 0 && c->n_genes) {
		snprintf(g->gene0, sizeof(g->gene0), "%s", c->gene_ids[0]);
		snprintf(g->sym0, sizeof(g->sym0), "%s", c->gene_symbols ? c->gene_symbols[0] : "");
	}
	if (!c->gene)
		g->dense_batches++;
	if (c->n > g->max_batch)
		g->max_batch = c->n;
	if ((c->gene == NULL) != (c->sample == NULL) || (!c->gene && c->n != c->n_genes * S))
		g->bad_batch = 1;
	for (i = 0; i < c->n; i++) {
		size_t gi = c->gene ? c->gene[i] : i / S, si = c->sample ? c->sample[i] : i % S;
		const char *gid;
		if (c->missing && c->missing[i])
			continue;
		if (gi >= c->n_genes || si >= S) {
			g->bad_batch = 1;
			continue;
		}
		gid = c->gene_ids[gi];
		g->sum += c->value[i];
		gx_digest_add(&g->digests[si], gx_record_hash(gx_gene_hash(gid, strlen(gid)),
		                                              c->value[i]));
		if (!g->keep) {
			g->n++;
			continue;
		}
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 256;
			g->c = realloc(g->c, g->cap * sizeof(*g->c));
		}
		snprintf(g->c[g->n].gene, sizeof(g->c[0].gene), "%s", gid);
		snprintf(g->c[g->n].sample, sizeof(g->c[0].sample), "%s", g->info->sample_ids[si]);
		g->c[g->n].v = c->value[i];
		g->n++;
	}
	return 0;
}

static inline void fx_got_free(fx_got *g)
{
	free(g->c);
	free(g->digests);
	memset(g, 0, sizeof(*g));
}

/* Open 'path' (h5_path may be NULL) and scan it with 'want' (may be NULL); the matrix is
 * returned open in *out when out is not NULL (else closed).  0 or the error. */
static inline int fx_scan_want(const char *path, const char *h5_path,
                               const unsigned char *want, fx_got *g, gx_matrix **out,
                               gx_err *err)
{
	gx_matrix_opts o;
	gx_matrix *m = NULL;
	int rc, keep = g->keep, allow = g->allow_dups;

	memset(&o, 0, sizeof(o));
	o.h5_path = h5_path;
	o.allow_dup_genes = allow;
	fx_got_free(g);
	g->keep = keep;
	g->allow_dups = allow;
	gx_err_clear(err);
	if (out)
		*out = NULL;
	rc = gx_matrix_open(path, &o, &m, err);
	if (rc)
		return rc;
	g->info = gx_matrix_info_of(m);
	g->digests = calloc(g->info->n_samples + 1, sizeof(*g->digests));
	rc = gx_matrix_scan(m, want, fx_collect, g, err);
	snprintf(g->format, sizeof(g->format), "%s", g->info->format);
	g->n_samples = g->info->n_samples;
	g->n_genes = g->info->n_genes;
	if (out) {
		*out = m;
	} else {
		gx_matrix_close(m);
		g->info = NULL;
	}
	return rc;
}

static inline int fx_scan(const char *path, const char *h5_path, fx_got *g, gx_err *err)
{
	g->keep = 1;
	return fx_scan_want(path, h5_path, NULL, g, NULL, err);
}

static inline int fx_cell_cmp(const void *a, const void *b)
{
	const fx_cell *x = a, *y = b;
	int r = strcmp(x->gene, y->gene);
	return r ? r : strcmp(x->sample, y->sample);
}

/*
 * 0 if 'g' holds exactly the cells of m (the stored ones when 'sparse'), bit-exact
 * values; else the number of differences (the first few are printed as diagnostics).
 */
static inline int fx_same(fx_got *g, const fx_mat *m, int sparse)
{
	fx_cell *want = malloc((m->G * m->S + 1) * sizeof(*want));
	size_t n = 0, gi, si, i, j;
	int bad = 0;

	for (gi = 0; gi < m->G; gi++)
		for (si = 0; si < m->S; si++) {
			if (sparse && !fx_is_stored(m, gi, si))
				continue;
			snprintf(want[n].gene, sizeof(want[n].gene), "%s", m->genes[gi]);
			snprintf(want[n].sample, sizeof(want[n].sample), "%s", m->samples[si]);
			want[n++].v = m->v[gi * m->S + si];
		}
	qsort(want, n, sizeof(*want), fx_cell_cmp);
	qsort(g->c, g->n, sizeof(*g->c), fx_cell_cmp);
	for (i = j = 0; i < n || j < g->n;) {
		int c = i == n ? 1 : j == g->n ? -1 : fx_cell_cmp(&want[i], &g->c[j]);
		if (c == 0 && !memcmp(&want[i].v, &g->c[j].v, sizeof(double))) {
			i++, j++;
			continue;
		}
		if (bad++ < 5) {
			if (c < 0)
				printf("#   missing %s/%s = %.17g\n", want[i].gene, want[i].sample, want[i].v);
			else if (c > 0)
				printf("#   extra %s/%s = %.17g\n", g->c[j].gene, g->c[j].sample, g->c[j].v);
			else
				printf("#   %s/%s = %.17g, want %.17g\n", want[i].gene, want[i].sample,
				       g->c[j].v, want[i].v);
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	free(want);
	return bad;
}

/* 1 if the formatted error (file, location, message) contains 'needle' */
static inline int fx_err_has(const gx_err *e, const char *needle)
{
	char buf[2048];
	gx_err_format(e, buf, sizeof(buf));
	if (strstr(buf, needle))
		return 1;
	printf("#   error '%s' lacks '%s'\n", buf, needle);
	return 0;
}

/* ---- hostile files (issue 13): claims the file cannot back, damage libhdf5 trips on ---- */

/*
 * Replace 1-D dataset 'dset' of 'path' by a chunked, resizable vlen string dataset that
 * claims n elements in chunks of 'chunk' and stores only the first 'written' of them
 * (whole chunks; 0: none): what a file whose index "claims 2^31 entries" looks like.
 * An AnnData /obs/_index or /var/_index claim is also written into a sparse X's
 * 'shape', so that the file agrees with itself.
 */
static inline void fx_claim(const char *path, const char *dset, hsize_t n, hsize_t chunk,
                            hsize_t written)
{
	hid_t f = fx_reopen(path), t = fx_str_type(NULL, 0, 1, H5T_STR_NULLPAD);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), sp, d;
	hsize_t maxd = H5S_UNLIMITED;

	if (H5Lexists(f, dset, H5P_DEFAULT) > 0 && H5Ldelete(f, dset, H5P_DEFAULT) < 0)
		fx_die(dset);
	H5Pset_chunk(dcpl, 1, &chunk);
	sp = H5Screate_simple(1, &n, &maxd);
	d = H5Dcreate2(f, dset, t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (d < 0)
		fx_die(dset);
	if (written) {
		hsize_t start = 0, i;
		char **v = calloc(written, sizeof(*v));
		hid_t ms = H5Screate_simple(1, &written, NULL);
		for (i = 0; i < written; i++) {
			v[i] = malloc(24);
			snprintf(v[i], 24, "G%llu", (unsigned long long)i);
		}
		H5Sselect_hyperslab(sp, H5S_SELECT_SET, &start, NULL, &written, NULL);
		if (H5Dwrite(d, t, ms, sp, H5P_DEFAULT, v) < 0)
			fx_die(dset);
		for (i = 0; i < written; i++)
			free(v[i]);
		free(v);
		H5Sclose(ms);
	}
	H5Dclose(d);
	H5Sclose(sp);
	H5Pclose(dcpl);
	H5Tclose(t);
	/* an AnnData file says the same in its sparse X's 'shape' (obs x var) */
	if (H5Aexists_by_name(f, "/X", "shape", H5P_DEFAULT) > 0 &&
	    (!strcmp(dset, "/obs/_index") || !strcmp(dset, "/var/_index"))) {
		int64_t shape[2];
		hid_t g = H5Oopen(f, "/X", H5P_DEFAULT), a = H5Aopen(g, "shape", H5P_DEFAULT);
		if (a < 0 || H5Aread(a, H5T_NATIVE_INT64, shape) < 0)
			fx_die("/X shape");
		shape[dset[1] == 'o' ? 0 : 1] = (int64_t)n;
		if (H5Awrite(a, H5T_NATIVE_INT64, shape) < 0)
			fx_die("/X shape");
		H5Aclose(a);
		H5Oclose(g);
	}
	H5Fclose(f);
}

/*
 * Damage a file the way one flipped bit does: the first reference to a variable-length
 * string (a global heap collection's address followed by an object index) gets an
 * object index far past the collection's end, which libhdf5 1.10 follows without a
 * check (H5HG_read) and crashes on.  The collection is found by its signature "GCOL",
 * so the damage does not depend on where libhdf5 put things.  0, or -1 if the file has
 * no such reference.
 */
static inline int fx_damage_heap(const char *path)
{
	FILE *f = fopen(path, "r+b");
	unsigned char *b;
	long n, i, gcol = -1;
	int rc = -1;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(b = malloc((size_t)n)) || fread(b, 1, (size_t)n, f) != (size_t)n)
		fx_die("reading the file to damage");
	for (i = 0; i + 4 <= n; i++)
		if (!memcmp(b + i, "GCOL", 4)) {
			gcol = i;
			break;
		}
	for (i = 0; gcol >= 0 && i + 12 <= n; i++) {
		uint64_t addr;
		uint32_t idx;
		memcpy(&addr, b + i, 8);     /* the files are little-endian, as this machine */
		memcpy(&idx, b + i + 8, 4);
		if (addr == (uint64_t)gcol && idx >= 1 && idx < 0x10000) {
			b[i + 11] ^= 0x04;      /* index + 0x04000000 */
			if (fseek(f, i + 11, SEEK_SET) || fputc(b[i + 11], f) == EOF)
				fx_die("writing the damage");
			rc = 0;
			break;
		}
	}
	free(b);
	if (fclose(f))
		fx_die("closing the damaged file");
	return rc;
}

/*
 * Overwrite the middle of chunk 'idx' of dataset 'dset' (a compressed chunk: its
 * decoding then fails) with 0xff bytes, where libhdf5 says the chunk is stored.
 */
static inline void fx_corrupt_chunk(const char *path, const char *dset, hsize_t idx)
{
	hid_t f = fx_reopen(path), d = H5Dopen2(f, dset, H5P_DEFAULT), sp = H5Dget_space(d);
	hsize_t off[2], size = 0;
	haddr_t addr = HADDR_UNDEF;
	unsigned mask = 0;
	FILE *fp;
	hsize_t i;

	if (d < 0 || H5Dget_chunk_info(d, sp, idx, off, &mask, &addr, &size) < 0 || size < 8)
		fx_die("chunk info");
	H5Sclose(sp);
	H5Dclose(d);
	H5Fclose(f);
	if (!(fp = fopen(path, "r+b")) || fseek(fp, (long)(addr + size / 4), SEEK_SET))
		fx_die("opening the file to corrupt");
	for (i = 0; i < size / 2; i++)
		fputc(0xff, fp);
	if (fclose(fp))
		fx_die("corrupting a chunk");
}

#endif
