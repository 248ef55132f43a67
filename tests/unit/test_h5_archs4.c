/*
 * test_h5_archs4.c - dense gene x sample compendia in the ARCHS4 layout: orientation
 * decided by the axis lengths (and refused when ambiguous), ids and symbols from
 * /meta/genes, samples and attributes from /meta/samples (v2) or /meta/Sample_* (v1).
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#define NG 4
#define NS 3

static const char *const samples[NS] = { "GSM1000", "GSM1001", "GSM1002" };
static const double vals[NG * NS] = {
	0, 12, 4000000000.0,
	7, 0, 0,
	1, 1, 1,
	250, 0, 3,
};

static void test_v2(int rows_samples)
{
	static const char *const titles[NS] = { "blood, sepsis day 1", "blood, control", "PBMC" };
	static const double prob[NS] = { 0.01, 0.5, 1 };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path(rows_samples ? "v2s.h5" : "v2g.h5");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.rows_samples = rows_samples;
	o.vlen = 1;
	if (!rows_samples) {
		o.d.chunk[0] = 2;
		o.d.chunk[1] = 2;
		o.d.gzip = 4;
		o.d.shuffle = 1;
	}
	fx_archs4(p, &m, &o);
	f = fx_reopen(p);
	fx_strs(f, "/meta/samples/title", NS, titles, 1, NULL);
	fx_nums(f, "/meta/samples/singlecellprobability", H5T_IEEE_F64LE, NS, prob, NULL);
	fx_strs(f, "/meta/info/version", 1, (const char *const[]){ "2.2" }, 1, NULL);
	H5Fclose(f);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "archs4 v2 %s: open and scan", rows_samples ? "(samples, genes)"
	                                                          : "(genes, samples)");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(got.format, "dense-h5", "archs4: format");
	ok(got.n_genes == NG && got.n_samples == NS, "archs4: %ld genes, %zu samples", got.n_genes,
	   got.n_samples);
	is_str(got.gene0, fx_ensembl()[0], "archs4: genes from meta/genes/ensembl_gene");
	is_str(got.sym0, fx_symbols()[0], "archs4: symbols from meta/genes/symbol");
	is_int(fx_same(&got, &m, 0), 0, "archs4: every cell, uint32 values exact");
	is_int(got.info->attrs.n_attrs, 2, "archs4: 2 sample attributes (id column excluded)");
	is_str(fx_attr_value(got.info, 0, "title"), "blood, sepsis day 1", "archs4: title attribute");
	is_str(fx_attr_value(got.info, 0, "singlecellprobability"), "0.01", "archs4: numeric attribute");
	gx_matrix_close(mx);
	fx_got_free(&got);
}

/* ARCHS4 v1: (samples, genes), /meta/genes symbols, /meta/Sample_* */
static void test_v1(void)
{
	static const char *const syms[NG] = { "TSPAN6", "TNMD", "TSPAN6", "SCYL3" };
	static const char *const ids[NG] = { "TSPAN6", "TNMD", "TSPAN6", "SCYL3" };
	static const char *const series[NS] = { "GSE1", "GSE1,GSE2", "GSE3" };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals), w;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("v1.h5");
	double x[NG * NS];
	hsize_t dims[2] = { NS, NG };
	hid_t f;
	size_t g, s;
	int rc;

	for (g = 0; g < NG; g++)
		for (s = 0; s < NS; s++)
			x[s * NG + g] = vals[g * NS + s];
	f = fx_create(p);
	fx_dset(f, "/data/expression", H5T_STD_U32LE, H5T_NATIVE_DOUBLE, 2, dims, x, NULL);
	fx_strs(f, "/meta/genes", NG, syms, 0, NULL);
	fx_strs(f, "/meta/Sample_geo_accession", NS, samples, 0, NULL);
	fx_strs(f, "/meta/Sample_series_id", NS, series, 0, NULL);
	fx_strs(f, "/info/version", 1, (const char *const[]){ "1" }, 0, NULL);
	H5Fclose(f);
	got.keep = 1;
	got.allow_dups = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "archs4 v1 (samples, genes): open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	w = m;
	w.genes = ids;
	w.symbols = syms;
	is_int(fx_same(&got, &w, 0), 0, "archs4 v1: symbols as ids (repeat passed on), values exact");
	is_str(fx_attr_value(got.info, 1, "series_id"), "GSE1,GSE2", "archs4 v1: Sample_ prefix dropped");
	gx_matrix_close(mx);
	fx_got_free(&got);
}

static void test_orientation_errors(void)
{
	static const char *const g3[3] = { "ENSG1", "ENSG2", "ENSG3" };
	static const double v9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	m.G = 3;
	m.genes = g3;
	m.symbols = NULL;
	m.v = v9;
	fx_archs4(fx_path("square.h5"), &m, &o);
	rc = fx_scan(fx_path("square.h5"), NULL, &got, &err);
	ok(rc && err.code == GX_E_HDF5 && fx_err_has(&err, "cannot tell genes from samples") &&
	   fx_err_has(&err, "/data/expression"), "archs4: as many genes as samples is refused");
	ok(got.n == 0, "... nothing passed on");

	m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, vals);
	fx_archs4(fx_path("mismatch.h5"), &m, &o);
	f = fx_reopen(fx_path("mismatch.h5"));
	H5Ldelete(f, "/meta/samples/geo_accession", H5P_DEFAULT);
	fx_strs(f, "/meta/samples/geo_accession", 2, samples, 0, NULL);
	H5Fclose(f);
	rc = fx_scan(fx_path("mismatch.h5"), NULL, &got, &err);
	ok(rc && err.code == GX_E_HDF5 && fx_err_has(&err, "shape mismatch") &&
	   gx_err_exit_code(&err) == 65, "archs4: lengths matching neither axis: shape mismatch");
	fx_got_free(&got);
}

int main(void)
{
	gx_h5_init();
	test_v2(0);
	test_v2(1);
	test_v1();
	test_orientation_errors();
	fx_cleanup();
	return tap_done();
}
