/*
 * test_h5_loom.c - Loom 3.0 and 2.x files: gene ids and symbols from row_attrs, cell ids
 * and attributes from col_attrs, every cell of the dense matrix (zeros included), layers
 * via h5_path, and blocks wider than one batch (cells passed with explicit indices).
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#define NG 3
#define NS 4

static const char *const genes[NG] = { "ENSMUSG00000000001", "ENSMUSG00000000003",
                                       "ENSMUSG00000000028" };
static const char *const symbols[NG] = { "Gnai3", "Pbsn", "Cdc45" };
static const char *const samples[NS] = { "10X82_2_TCTCTCACCAGTTA-", "10X82_2_TCTGGAACTTCC",
                                         "cell 3", "cell-4" };
static const double vals[NG * NS] = {
	0, 1, 2, 3,
	0.5, 0, 0, -7,
	1e6, 2, 0, 0,
};

static void test_v3(void)
{
	static const char *const cluster[NS] = { "Neurons", "Astro\xc3\xaf" "des", "Neurons", "OPC" };
	static const double total[NS] = { 1.25, 2, 3, 4 }, valid[NS] = { 1, 0, 1, 1 };
	static const double emb[NS * 2] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	hsize_t d1[2] = { NS, 1 }, d2[2] = { NS, 2 };
	fx_mat m = fx_matrix(NG, NS, genes, symbols, samples, vals);
	fx_opts o;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("v3.loom");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 3;
	fx_loom(p, &m, &o);
	f = fx_reopen(p);
	fx_strs(f, "/col_attrs/ClusterName", NS, cluster, 1, NULL);
	fx_nums(f, "/col_attrs/Total", H5T_IEEE_F32LE, NS, total, NULL);
	fx_dset(f, "/col_attrs/Valid", H5T_STD_I64LE, H5T_NATIVE_DOUBLE, 2, d1, valid, NULL);
	fx_dset(f, "/col_attrs/Embedding", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, emb, NULL);
	H5Fclose(f);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "loom 3: open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(got.format, "loom", "loom: format");
	ok(!got.info->sparse && got.n_samples == NS && got.n_genes == NG, "loom: dense %ld x %zu",
	   got.n_genes, got.n_samples);
	is_str(got.gene0, genes[0], "loom: genes from row_attrs/Accession");
	is_str(got.sym0, symbols[0], "loom: symbols from row_attrs/Gene");
	is_str(got.info->sample_ids[0], samples[0], "loom: samples from col_attrs/CellID");
	is_int(fx_same(&got, &m, 0), 0, "loom: every cell, zeros included, exact");
	ok(got.dense_batches == got.batches, "loom: dense row-major batches");
	is_int(got.info->attrs.n_attrs, 3, "loom: 3 per-cell attributes (the (M, 2) one skipped)");
	is_str(fx_attr_value(got.info, 1, "ClusterName"), "Astro\xc3\xaf" "des", "loom 3: UTF-8 attribute");
	is_str(fx_attr_value(got.info, 0, "Total"), "1.25", "loom: float attribute");
	is_str(fx_attr_value(got.info, 1, "Valid"), "0", "loom: (M, 1) attribute");
	gx_matrix_close(mx);
	fx_got_free(&got);

	/* a layer instead of /matrix */
	f = fx_reopen(p);
	{
		hsize_t dims[2] = { NG, NS };
		static const double sp[NG * NS] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
		fx_dset(f, "/layers/spliced", H5T_STD_I32LE, H5T_NATIVE_DOUBLE, 2, dims, sp, NULL);
		H5Fclose(f);
		rc = fx_scan(p, "/layers/spliced", &got, &err);
		m.v = sp;
		ok(rc == 0 && fx_same(&got, &m, 0) == 0, "loom: h5_path reads a layer (contiguous int32)");
	}
	fx_got_free(&got);
}

static void test_v2(void)
{
	static const char *const syms[NG] = { "Caf&#233;", "Pbsn", "Caf\xc3\xa9" };
	static const char *const want_ids[NG] = { "Caf\xc3\xa9", "Pbsn", "Caf\xc3\xa9" };
	static const char *const nums[NS] = { "0", "1", "2", "3" };
	fx_mat m = fx_matrix(NG, NS, genes, symbols, samples, vals), w;
	fx_opts o;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("v2.loom");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.gen = 2;
	o.val_type = H5T_STD_I64LE;
	{
		static const double iv[NG * NS] = { 0, 1, 2, 3, 5, 0, 0, -7, 1000000, 2, 0, 0 };
		m.v = iv;
	}
	m.genes = syms;
	m.symbols = NULL;
	fx_loom(p, &m, &o);
	f = fx_reopen(p);
	H5Ldelete(f, "/col_attrs/CellID", H5P_DEFAULT);
	H5Fclose(f);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, NULL, &err);
	is_int(rc, -GX_E_DUP_GENE, "loom 2.0.1: a repeated Gene symbol is refused by default");
	got.allow_dups = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "loom 2.0.1: open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(got.info->sample_ids[3], "3", "loom without a cell id column: column numbers");
	w = m;
	w.genes = want_ids;
	w.samples = nums;
	is_int(fx_same(&got, &w, 0), 0,
	       "loom 2: XML references decoded, repeated Gene symbols passed on, values exact");
	is_str(got.sym0, "Caf\xc3\xa9", "loom 2: symbols keep the repeated name");
	gx_matrix_close(mx);
	fx_got_free(&got);
}

/* cell ids: CellID must be unique; another name is used only when it is */
static void test_cell_ids(void)
{
	static const char *const dup[NS] = { "x", "y", "x", "z" };
	static const double ints[NS] = { 0, 1, 0, 1 };
	fx_mat m = fx_matrix(NG, NS, genes, symbols, samples, vals);
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("cells.loom");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	m.samples = dup;
	fx_loom(p, &m, &o);
	rc = fx_scan(p, NULL, &got, &err);
	ok(rc && err.code == GX_E_DUP_SAMPLE && fx_err_has(&err, "/col_attrs/CellID"),
	   "loom: repeated CellID is an error naming the dataset");
	f = fx_reopen(p);
	H5Ldelete(f, "/col_attrs/CellID", H5P_DEFAULT);
	fx_nums(f, "/col_attrs/Cell", H5T_STD_I64LE, NS, ints, NULL);
	H5Fclose(f);
	rc = fx_scan(p, NULL, &got, &err);
	ok(rc == 0 && got.n == NG * NS, "loom: a repeated 'Cell' column is not used as the id");
	fx_got_free(&got);
}

/* more cells than a batch and a chunk band larger than a block: indexed batches */
static void test_wide(void)
{
	enum { WG = 16, WS = 70000 };
	static const char *wg[WG], *ws[WS];
	static char names[WG + WS][16];
	double *v = malloc((size_t)WG * WS * sizeof(*v)), sum = 0;
	fx_mat m;
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	size_t g, s;
	int rc;

	for (g = 0; g < WG; g++) {
		snprintf(names[g], sizeof(names[g]), "G%zu", g);
		wg[g] = names[g];
	}
	for (s = 0; s < WS; s++) {
		snprintf(names[WG + s], sizeof(names[0]), "C%zu", s);
		ws[s] = names[WG + s];
	}
	for (g = 0; g < WG; g++)
		for (s = 0; s < WS; s++) {
			v[g * WS + s] = (double)((g * 31 + s) % 7);
			sum += v[g * WS + s];
		}
	memset(&m, 0, sizeof(m));
	m.G = WG;
	m.S = WS;
	m.genes = wg;
	m.samples = ws;
	m.v = v;
	memset(&o, 0, sizeof(o));
	o.val_type = H5T_STD_U16LE;
	o.d.chunk[0] = 16;
	o.d.chunk[1] = 64;
	o.d.gzip = 1;
	fx_loom(fx_path("wide.loom"), &m, &o);
	got.keep = 0;
	rc = fx_scan_want(fx_path("wide.loom"), NULL, NULL, &got, NULL, &err);
	is_int(rc, 0, "loom %d x %d, chunks 16 x 64", WG, WS);
	ok(got.n == (size_t)WG * WS && got.sum == sum, "... every cell once (%zu)", got.n);
	ok(got.dense_batches == 0 && got.max_batch <= 65536 && !got.bad_batch,
	   "... indexed batches of at most 64 Ki cells (%zu batches)", got.batches);
	fx_got_free(&got);
	free(v);
}

int main(void)
{
	gx_h5_init();
	test_v3();
	test_v2();
	test_cell_ids();
	test_wide();
	fx_cleanup();
	return tap_done();
}
