/*
 * test_h5_anndata.c - AnnData .h5ad files of the three generations (>= 0.8 encoding
 * attributes, 0.7 __categories references, <= 0.6 compound dataframes and
 * h5sparse_format) with dense, CSR and CSC X: cells, gene ids and symbols, obs columns
 * as sample attributes with categorical codes resolved, raw/X and layers via h5_path.
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#define NG 4
#define NS 3

static const char *const samples[NS] = { "cell-a", "cell-b", "cell-c" };
/* float32-exact values; zeros are not stored in sparse X */
static const double vals[NG * NS] = {
	1.5, 0, -2,
	0, 0.25, 0,
	3, 0, 0,
	-0.5, 8, 1024,
};

static int has_attr(const gx_matrix_info *in, const char *name)
{
	size_t a;
	for (a = 0; a < in->attrs.n_attrs; a++)
		if (!strcmp(in->attrs.names[a], name))
			return 1;
	return 0;
}

/* anndata >= 0.8 obs columns of every kind */
static void obs_v8(const char *path)
{
	static const char *const order[] = {
		"cell_type", "n_genes", "pct", "score", "is_ok", "donor", "age", "weird", "emb"
	};
	static const char *const cats[] = { "T cell", "B cell" };
	static const char *const donors[NS] = { "D1", "D\xc3\xa9", "D3" };
	static const double pct[NS] = { 0.1, 0.5, 2.75 }, score[NS] = { 1e-7, NAN, -3 };
	static const int64_t codes[NS] = { 1, -1, 0 }, ngenes[NS] = { 100, 2000, -5 };
	static const int64_t age[NS] = { 40, 0, 71 };
	static const int8_t ok_[NS] = { 1, 0, 1 }, mask[NS] = { 0, 1, 0 };
	static const double emb[NS * 2] = { 1, 2, 3, 4, 5, 6 };
	hsize_t d2[2] = { NS, 2 };
	hid_t f = fx_reopen(path);

	H5Adelete_by_name(f, "/obs", "column-order", H5P_DEFAULT);
	fx_attr_strs(f, "/obs", "column-order", sizeof(order) / sizeof(order[0]), order);
	fx_group(f, "/obs/cell_type");
	fx_enc(f, "/obs/cell_type", "categorical", "0.2.0");
	fx_attr_bool(f, "/obs/cell_type", "ordered", 0);
	fx_ints(f, "/obs/cell_type/codes", H5T_STD_I8LE, NS, codes, NULL);
	fx_strs(f, "/obs/cell_type/categories", 2, cats, 1, NULL);
	fx_ints(f, "/obs/n_genes", H5T_STD_I64LE, NS, ngenes, NULL);
	fx_enc(f, "/obs/n_genes", "array", "0.2.0");
	fx_nums(f, "/obs/pct", H5T_IEEE_F32LE, NS, pct, NULL);
	fx_nums(f, "/obs/score", H5T_IEEE_F64LE, NS, score, NULL);
	fx_bools(f, "/obs/is_ok", NS, ok_);
	fx_strs(f, "/obs/donor", NS, donors, 1, NULL);
	fx_enc(f, "/obs/donor", "string-array", "0.2.0");
	fx_group(f, "/obs/age");
	fx_enc(f, "/obs/age", "nullable-integer", "0.1.0");
	fx_ints(f, "/obs/age/values", H5T_STD_I64LE, NS, age, NULL);
	fx_bools(f, "/obs/age/mask", NS, mask);
	fx_group(f, "/obs/weird");
	fx_enc(f, "/obs/weird", "awkward-array", "0.1.0");
	fx_dset(f, "/obs/emb", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, emb, NULL);
	H5Fclose(f);
}

static void test_v8_dense(void)
{
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("v8dense.h5ad");
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 8;
	o.csc = 0;
	o.d.chunk[0] = 2;
	o.d.chunk[1] = 3;
	o.d.gzip = 4;
	fx_h5ad(p, &m, &o);
	obs_v8(p);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "h5ad 0.8 dense X: open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(got.format, "h5ad", "h5ad: format");
	ok(!got.info->sparse && got.n_samples == NS && got.n_genes == NG, "h5ad: dense, %zu x %ld",
	   got.n_samples, got.n_genes);
	is_str(got.info->sample_ids[2], "cell-c", "h5ad: samples are the obs index");
	is_str(got.gene0, fx_ensembl()[0], "h5ad: genes are var gene_ids");
	is_str(got.sym0, fx_symbols()[0], "h5ad: symbols are the var index");
	is_int(fx_same(&got, &m, 0), 0, "h5ad dense: every cell, zeros included, values exact");
	ok(got.dense_batches == got.batches && !got.bad_batch, "h5ad dense: dense row-major batches");
	is_int(got.info->attrs.n_attrs, 7, "h5ad: 7 obs columns (unknown encoding and 2-D skipped)");
	is_str(got.info->attrs.names[0], "cell_type", "h5ad: attributes in column-order");
	is_str(fx_attr_value(got.info, 0, "cell_type"), "B cell", "h5ad 0.8: categorical code -> label");
	ok(fx_attr_value(got.info, 1, "cell_type") == NULL, "h5ad 0.8: categorical code -1 is missing");
	is_str(fx_attr_value(got.info, 2, "n_genes"), "-5", "h5ad: int64 column as text");
	is_str(fx_attr_value(got.info, 0, "pct"), "0.1", "h5ad: float32 column, shortest text");
	is_str(fx_attr_value(got.info, 0, "score"), "1e-07", "h5ad: float64 column, shortest exact text");
	ok(fx_attr_value(got.info, 1, "score") == NULL, "h5ad: NaN is missing");
	is_str(fx_attr_value(got.info, 1, "is_ok"), "False", "h5ad: bool enum as False/True");
	is_str(fx_attr_value(got.info, 1, "donor"), "D\xc3\xa9", "h5ad: UTF-8 string-array");
	is_str(fx_attr_value(got.info, 0, "age"), "40", "h5ad: nullable-integer value");
	ok(fx_attr_value(got.info, 1, "age") == NULL, "h5ad: nullable-integer masked value is missing");
	ok(!has_attr(got.info, "weird") && !has_attr(got.info, "emb"), "h5ad: skipped columns");
	gx_matrix_close(mx);
	fx_got_free(&got);
}

static void test_v8_sparse(void)
{
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 8;
	o.csc = 1;
	o.val_type = H5T_IEEE_F64LE;
	o.d.resizable = 1;
	fx_h5ad(fx_path("v8csr.h5ad"), &m, &o);
	rc = fx_scan(fx_path("v8csr.h5ad"), NULL, &got, &err);
	ok(rc == 0 && got.info == NULL && fx_same(&got, &m, 1) == 0,
	   "h5ad 0.8 CSR float64: the stored entries");

	o.csc = 2;
	o.val_type = H5T_STD_I32LE;
	o.idx_type = H5T_STD_U16LE;
	o.ptr_type = H5T_STD_I64LE;
	o.unsorted = 1;
	{
		static const double ivals[NG * NS] = { 1, 0, -2, 0, 7, 0, 3, 0, 0, -5, 8, 1024 };
		m.v = ivals;
		fx_h5ad(fx_path("v8csc.h5ad"), &m, &o);
		rc = fx_scan(fx_path("v8csc.h5ad"), NULL, &got, &err);
		is_int(rc, 0, "h5ad 0.8 CSC int32, uint16 indices, int64 indptr, unsorted: scan");
		if (rc)
			printf("# %s\n", err.msg);
		is_int(fx_same(&got, &m, 1), 0, "... indptr walks genes, entries exact");
	}
	fx_got_free(&got);
}

static void test_var_names(void)
{
	static const char *const dup[NG] = { "A", "B", "A", "A-1" };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	int rc, seen = 0;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.gen = 8;
	o.csc = 1;
	m.genes = dup;
	m.symbols = NULL;
	fx_h5ad(fx_path("dupvar.h5ad"), &m, &o);
	rc = fx_scan(fx_path("dupvar.h5ad"), NULL, &got, &err);
	is_int(rc, -GX_E_DUP_GENE, "h5ad var index with repeated names: refused by default");
	got.allow_dups = 1;
	rc = fx_scan(fx_path("dupvar.h5ad"), NULL, &got, &err);
	is_int(rc, 0, "h5ad var index with repeated names and no gene_ids column");
	for (i = 0; i < got.n; i++)
		seen += !strcmp(got.c[i].gene, "A") && !strcmp(got.c[i].sample, samples[0]);
	is_int(seen, 2, "... allowed: the repeated name is passed on as it is (twice)");
	is_str(got.sym0, "A", "... the names are the symbols");
	fx_got_free(&got);
}

/* anndata 0.7: categorical codes with an object reference to __categories */
static void test_v7(void)
{
	static const char *const order[] = { "cat", "num" };
	static const char *const cats[] = { "lo", "mid", "hi" };
	static const int64_t codes[NS] = { 2, 0, -1 };
	static const double num[NS] = { 73, 0, 255 };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("v7.h5ad");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 7;
	o.csc = 1;
	o.d.lzf = 1;
	o.d.resizable = 1;
	fx_h5ad(p, &m, &o);
	f = fx_reopen(p);
	H5Adelete_by_name(f, "/obs", "column-order", H5P_DEFAULT);
	fx_attr_strs(f, "/obs", "column-order", 2, order);
	fx_strs(f, "/obs/__categories/cat", 3, cats, 1, NULL);
	fx_attr_bool(f, "/obs/__categories/cat", "ordered", 1);
	fx_ints(f, "/obs/cat", H5T_STD_I8LE, NS, codes, NULL);
	fx_attr_ref(f, "/obs/cat", "categories", "/obs/__categories/cat");
	fx_nums(f, "/obs/num", H5T_STD_U8LE, NS, num, NULL);
	/* a var without the _index attribute whose index dataset is called 'index' */
	H5Adelete_by_name(f, "/var", "_index", H5P_DEFAULT);
	H5Lmove(f, "/var/_index", f, "/var/index", H5P_DEFAULT, H5P_DEFAULT);
	H5Fclose(f);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "h5ad 0.7 CSR with LZF: open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_int(fx_same(&got, &m, 1), 0, "h5ad 0.7: entries exact through LZF");
	is_str(fx_attr_value(got.info, 0, "cat"), "hi", "h5ad 0.7: codes resolved through the reference");
	is_str(fx_attr_value(got.info, 1, "cat"), "lo", "h5ad 0.7: code 0");
	ok(fx_attr_value(got.info, 2, "cat") == NULL, "h5ad 0.7: code -1 is missing");
	is_str(fx_attr_value(got.info, 2, "num"), "255", "h5ad 0.7: uint8 column");
	is_str(got.sym0, fx_symbols()[0], "h5ad 0.7: var index 'index' found without _index");
	gx_matrix_close(mx);
	fx_got_free(&got);
}

/* anndata <= 0.6: compound obs with a code field and uns/<col>_categories */
static void test_v6(void)
{
	struct row {
		char index[8];
		int8_t louvain;
		float n_counts;
	} rows[NS] = { { "cell-a", 1, 10.5f }, { "cell-b", 0, 3 }, { "cell-c", 1, 0 } };
	static const char *const cats[] = { "0", "CD4 T" };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("v6.h5ad");
	hid_t f, st, ct, sp, d;
	hsize_t n = NS;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 6;
	o.csc = 1;
	o.d.gzip = 4;
	fx_h5ad(p, &m, &o);
	f = fx_reopen(p);
	H5Ldelete(f, "/obs", H5P_DEFAULT);
	st = H5Tcopy(H5T_C_S1);
	H5Tset_size(st, 8);
	ct = H5Tcreate(H5T_COMPOUND, sizeof(struct row));
	H5Tinsert(ct, "index", HOFFSET(struct row, index), st);
	H5Tinsert(ct, "louvain", HOFFSET(struct row, louvain), H5T_NATIVE_INT8);
	H5Tinsert(ct, "n_counts", HOFFSET(struct row, n_counts), H5T_NATIVE_FLOAT);
	sp = H5Screate_simple(1, &n, NULL);
	d = H5Dcreate2(f, "/obs", ct, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
		fx_die("v6 obs");
	H5Dclose(d);
	H5Sclose(sp);
	H5Tclose(ct);
	H5Tclose(st);
	fx_strs(f, "/uns/louvain_categories", 2, cats, 0, NULL);
	H5Fclose(f);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "h5ad <= 0.6, compound obs/var, h5sparse_format csr: open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_int(fx_same(&got, &m, 1), 0, "h5ad 0.6: entries exact");
	is_str(got.gene0, fx_ensembl()[0], "h5ad 0.6: gene ids from the var gene_ids field");
	is_str(got.sym0, fx_symbols()[0], "h5ad 0.6: symbols from the var index field");
	is_str(got.info->sample_ids[1], "cell-b", "h5ad 0.6: samples from the obs index field");
	is_str(fx_attr_value(got.info, 0, "louvain"), "CD4 T", "h5ad 0.6: codes resolved via uns categories");
	is_str(fx_attr_value(got.info, 1, "louvain"), "0", "h5ad 0.6: code 0");
	is_str(fx_attr_value(got.info, 0, "n_counts"), "10.5", "h5ad 0.6: float32 field");
	gx_matrix_close(mx);
	fx_got_free(&got);

	/* <= 0.6 dense X (no attributes on X) */
	o.csc = 0;
	fx_h5ad(fx_path("v6d.h5ad"), &m, &o);
	rc = fx_scan(fx_path("v6d.h5ad"), NULL, &got, &err);
	ok(rc == 0 && fx_same(&got, &m, 0) == 0, "h5ad 0.6 dense X: every cell");
	fx_got_free(&got);
}

/* raw/X has its own var (more genes); layers/<name> uses var */
static void test_raw_and_layers(void)
{
	static const char *const rgenes[NG + 2] = {
		"ENSG00000000003", "ENSG00000000005", "ENSG00000000419", "ENSG00000000457",
		"ENSG00000000460", "ENSG00000000938"
	};
	static const double rv[(NG + 2) * NS] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 13,
	                                           14, 0, 0 };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals), r;
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("raw.h5ad");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 8;
	o.csc = 1;
	fx_h5ad(p, &m, &o);
	/* raw: written as its own little AnnData, then moved under /raw */
	r = m;
	r.G = NG + 2;
	r.genes = rgenes;
	r.symbols = NULL;
	r.v = rv;
	fx_h5ad(fx_path("rawsrc.h5ad"), &r, &o);
	f = fx_reopen(p);
	fx_group(f, "/raw");
	fx_enc(f, "/raw", "raw", "0.1.0");
	fx_group(f, "/layers");
	{
		hid_t src = H5Fopen(fx_path("rawsrc.h5ad"), H5F_ACC_RDONLY, H5P_DEFAULT);
		if (H5Ocopy(src, "/X", f, "/raw/X", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
		    H5Ocopy(src, "/var", f, "/raw/var", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
		    H5Ocopy(src, "/X", f, "/layers/counts", H5P_DEFAULT, H5P_DEFAULT) < 0)
			fx_die("copy raw");
		H5Fclose(src);
	}
	H5Fclose(f);
	rc = fx_scan(p, "raw/X", &got, &err);
	is_int(rc, 0, "h5ad raw/X via h5_path");
	ok(got.n_genes == NG + 2 && fx_same(&got, &r, 1) == 0,
	   "... genes from raw/var (%ld), entries exact", got.n_genes);
	rc = fx_scan(p, "/layers/counts", &got, &err);
	ok(rc && err.code == GX_E_HDF5 && fx_err_has(&err, "shape mismatch"),
	   "h5ad layer with another gene count than var: shape mismatch");
	fx_got_free(&got);
}

static void test_no_x(void)
{
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("nox.h5ad");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 8;
	fx_h5ad(p, &m, &o);
	f = fx_reopen(p);
	H5Ldelete(f, "/X", H5P_DEFAULT);
	H5Fclose(f);
	rc = fx_scan(p, NULL, &got, &err);
	ok(rc && err.code == GX_E_HDF5 && gx_err_exit_code(&err) == 65 && fx_err_has(&err, "'/X'")
	   && fx_err_has(&err, "nox.h5ad"), "h5ad without X: error names the file and '/X'");
	ok(got.n == 0, "... nothing passed on");
	fx_got_free(&got);
}

int main(void)
{
	gx_h5_init();
	test_v8_dense();
	test_v8_sparse();
	test_var_names();
	test_v7();
	test_v6();
	test_raw_and_layers();
	test_no_x();
	fx_cleanup();
	return tap_done();
}
