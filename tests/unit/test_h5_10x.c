/*
 * test_h5_10x.c - 10x Cell Ranger matrices (the /matrix group and per-genome groups)
 * read back through gx_matrix_open/gx_matrix_scan: ids, symbols, exact stored values,
 * dtypes and filters, unsorted indices, explicit zeros, feature types, multi-genome
 * union, chunked windows larger than a batch.
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#define NG 6
#define NS 5

static const char *const samples[NS] = {
	"AAACCCAAGGAGAGTA-1", "AAACGCTTCAGCCCAG-1", "AAAGAACAGACGACTG-1", "AAAGAACCAATGGCAG-1",
	"AAAGGATTCAGCTTGA-1"
};
/* counts, zeros are not stored */
static const double counts[NG * NS] = {
	1, 0, 3, 0, 2,
	0, 0, 0, 0, 0,
	5, 1, 0, 7, 0,
	0, 2, 2, 0, 1,
	9, 0, 0, 0, 4,
	0, 0, 6, 1, 0,
};

/* Cell Ranger's own storage: chunks of 80000, gzip 4 + shuffle, resizable */
static fx_opts cellranger(void)
{
	fx_opts o;
	memset(&o, 0, sizeof(o));
	o.d.chunk[0] = 80000;
	o.d.gzip = 4;
	o.d.shuffle = 1;
	o.d.resizable = 1;
	return o;
}

static void test_v3_basic(void)
{
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, counts);
	fx_opts o = cellranger();
	const char *p = fx_path("v3.h5");
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	int rc;

	fx_10x_v3(p, &m, &o);
	got.keep = 1;
	rc = fx_scan_want(p, NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "10x v3: open and scan");
	if (rc) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(got.format, "10x-v3", "10x v3: format");
	is_int(got.n_samples, NS, "10x v3: samples");
	is_int(got.n_genes, NG, "10x v3: genes");
	is_str(got.info->sample_ids[0], samples[0], "10x v3: first barcode");
	is_str(got.info->sample_ids[4], samples[4], "10x v3: last barcode");
	ok(got.info->sparse, "10x v3: sparse");
	is_int(got.info->attrs.n_attrs, 0, "10x v3: no sample attributes");
	is_str(got.gene0, fx_ensembl()[0], "10x v3: gene ids are features/id");
	is_str(got.sym0, fx_symbols()[0], "10x v3: symbols are features/name");
	is_int(fx_same(&got, &m, 1), 0, "10x v3: exactly the stored entries, exact values");
	ok(!got.bad_batch && got.dense_batches == 0, "10x v3: batches carry gene/sample indices");
	{
		/* a second scan of the same open matrix gives the same digests */
		fx_got again = { 0 };
		int same = 1;
		size_t s;
		again.info = got.info;
		again.digests = calloc(NS, sizeof(*again.digests));
		rc = gx_matrix_scan(mx, NULL, fx_collect, &again, &err);
		for (s = 0; s < NS; s++)
			same &= !memcmp(&again.digests[s], &got.digests[s], sizeof(gx_digest));
		ok(rc == 0 && same && again.n == got.n, "10x v3: a second scan gives the same cells");
		free(again.digests);
	}
	{
		/* want: only samples 1 and 3 are passed on */
		unsigned char want[NS] = { 0, 1, 0, 1, 0 };
		fx_got w = { 0 };
		size_t i, others = 0;
		w.keep = 1;
		w.info = got.info;
		w.digests = calloc(NS, sizeof(*w.digests));
		rc = gx_matrix_scan(mx, want, fx_collect, &w, &err);
		for (i = 0; i < w.n; i++)
			others += strcmp(w.c[i].sample, samples[1]) && strcmp(w.c[i].sample, samples[3]);
		ok(rc == 0 && w.n == 4 && others == 0, "10x v3: want skips the other samples (%zu cells)",
		   w.n);
		free(w.c);
		free(w.digests);
	}
	gx_matrix_close(mx);
	fx_got_free(&got);
}

/* explicit zeros, unsorted indices, unsigned/big-endian/float types, vlen strings */
static void test_v3_types(void)
{
	static const double vals[NG * NS] = {
		1.5, 0, -3.25, 0, 2,
		0, 0, 0, 0, 0,
		0.1, 1e-300, 0, 7e300, 0,
		0, -0.0, 2, 0, 1,
		9, 0, 0, 0, 4,
		0, 0, 6, 1, 0,
	};
	static const unsigned char stored[NG * NS] = {
		1, 1, 1, 0, 1,
		0, 0, 0, 0, 0,
		1, 1, 0, 1, 0,
		0, 1, 1, 0, 1,
		1, 0, 0, 0, 1,
		1, 0, 1, 1, 1,
	};
	static const double ints[NG * NS] = {
		4294967295.0, 0, 3, 0, 2,
		0, 0, 0, 0, 0,
		5, 1, 0, 7, 0,
		0, 2, 2, 0, 1,
		9, 0, 0, 0, 4,
		0, 0, 6, 1, 0,
	};
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, counts);
	fx_opts o = cellranger();
	fx_got got = { 0 };
	gx_err err;
	int rc;

	m.v = vals;
	m.stored = stored;
	o.val_type = H5T_IEEE_F64BE;
	o.idx_type = H5T_STD_U32LE;
	o.ptr_type = H5T_STD_U64LE;
	o.unsorted = 1;
	o.vlen = 1;
	fx_10x_v3(fx_path("v3f.h5"), &m, &o);
	rc = fx_scan(fx_path("v3f.h5"), NULL, &got, &err);
	is_int(rc, 0, "10x v3 float64 BE, uint32 indices, uint64 indptr, unsorted, vlen strings");
	is_int(fx_same(&got, &m, 1), 0, "... explicit zeros kept (incl. -0.0), values exact");

	m.v = ints;
	m.stored = NULL;
	o.val_type = H5T_STD_U32BE;
	o.idx_type = H5T_STD_I16LE;
	o.ptr_type = H5T_STD_I32BE;
	o.unsorted = 0;
	o.vlen = 0;
	o.d.gzip = 0;
	o.d.lzf = 1;
	fx_10x_v3(fx_path("v3u.h5"), &m, &o);
	rc = fx_scan(fx_path("v3u.h5"), NULL, &got, &err);
	is_int(rc, 0, "10x v3 uint32 BE data (4294967295), int16 indices, LZF chunks");
	if (rc)
		printf("# %s\n", err.msg);
	is_int(fx_same(&got, &m, 1), 0, "... values exact");

	o.val_type = H5T_STD_I8LE;
	o.idx_type = H5T_STD_U8LE;
	o.d.lzf = 0;
	m.v = counts;
	fx_10x_v3(fx_path("v3i8.h5"), &m, &o);
	rc = fx_scan(fx_path("v3i8.h5"), NULL, &got, &err);
	ok(rc == 0 && fx_same(&got, &m, 1) == 0, "10x v3 int8 data, uint8 indices");
	fx_got_free(&got);
}

static void test_v3_feature_types(void)
{
	static const char *const types[NG] = {
		"Gene Expression", "Antibody Capture", "Gene Expression", "Gene Expression",
		"CRISPR Guide Capture", "Gene Expression"
	};
	const char *const kept_genes[4] = { fx_ensembl()[0], fx_ensembl()[2], fx_ensembl()[3],
	                                     fx_ensembl()[5] };
	double kept_v[4 * NS];
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, counts), k;
	fx_opts o = cellranger();
	fx_got got = { 0 };
	gx_err err;
	size_t s;
	int rc;

	o.feature_types = types;
	fx_10x_v3(fx_path("v3ft.h5"), &m, &o);
	rc = fx_scan(fx_path("v3ft.h5"), NULL, &got, &err);
	for (s = 0; s < NS; s++) {
		kept_v[0 * NS + s] = counts[0 * NS + s];
		kept_v[1 * NS + s] = counts[2 * NS + s];
		kept_v[2 * NS + s] = counts[3 * NS + s];
		kept_v[3 * NS + s] = counts[5 * NS + s];
	}
	k = m;
	k.G = 4;
	k.genes = kept_genes;
	k.v = kept_v;
	ok(rc == 0 && got.n_genes == 4, "10x v3: only 'Gene Expression' features are genes");
	is_int(fx_same(&got, &k, 1), 0, "... and the entries of other features are skipped");
	fx_got_free(&got);
}

static void test_v3_xml(void)
{
	static const char *const syms[NG] = { "Caf&#233;", "A&#x4E2D;B", "&amp;", "&#0;", "X", "Y" };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, counts);
	fx_opts o = cellranger();
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	gx_err err;
	int rc;

	m.symbols = syms;
	fx_10x_v3(fx_path("v3x.h5"), &m, &o);
	rc = fx_scan_want(fx_path("v3x.h5"), NULL, NULL, &got, &mx, &err);
	is_int(rc, 0, "10x v3 with XML character references in names");
	is_str(got.sym0, "Caf\xc3\xa9", "... &#233; is decoded to UTF-8");
	gx_matrix_close(mx);
	fx_got_free(&got);
}

static void test_v2(void)
{
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, counts);
	fx_opts o = cellranger();
	fx_got got = { 0 };
	gx_err err;
	int rc;

	o.d.chunk[0] = 16384;
	o.d.gzip = 1;
	fx_10x_v2(fx_path("v2.h5"), &m, &o);
	rc = fx_scan(fx_path("v2.h5"), NULL, &got, &err);
	is_int(rc, 0, "10x v2: open and scan");
	is_str(got.format, "10x-v2", "10x v2: format");
	ok(got.n_samples == NS && got.n_genes == NG, "10x v2: %zu samples, %ld genes", got.n_samples,
	   got.n_genes);
	is_str(got.sym0, fx_symbols()[0], "10x v2: symbols from gene_names");
	is_int(fx_same(&got, &m, 1), 0, "10x v2: exactly the stored entries");
	fx_got_free(&got);
}

/* two genomes: genes split, barcodes in another order and one only in the second */
static void test_v2_multi(void)
{
	static const char *const samples6[NS + 1] = {
		"AAACCCAAGGAGAGTA-1", "AAACGCTTCAGCCCAG-1", "AAAGAACAGACGACTG-1",
		"AAAGAACCAATGGCAG-1", "AAAGGATTCAGCTTGA-1", "TTTGTCATCTGAGGGA-1"
	};
	double v6[NG * (NS + 1)];
	unsigned char st[NG * (NS + 1)];
	static const size_t a[NS] = { 0, 1, 2, 3, 4 }, b[4] = { 5, 4, 2, 0 };
	fx_mat m;
	fx_opts o = cellranger();
	fx_got got = { 0 };
	gx_err err;
	hid_t f;
	size_t g, s;
	int rc;

	memset(&m, 0, sizeof(m));
	m.G = NG;
	m.S = NS + 1;
	m.genes = fx_ensembl();
	m.symbols = fx_symbols();
	m.samples = samples6;
	m.v = v6;
	m.stored = st;
	for (g = 0; g < NG; g++)
		for (s = 0; s <= NS; s++) {
			v6[g * (NS + 1) + s] = (double)(g * 10 + s + 1);
			/* genome 1 (genes 0-2) has barcodes 0-4; genome 2 (3-5) has 5, 4, 2, 0 */
			st[g * (NS + 1) + s] = g < 3 ? s < NS : (s == 5 || s == 4 || s == 2 || s == 0);
		}
	f = fx_create(fx_path("v2m.h5"));
	fx_10x_v2_group(f, "/hg19", &m, 0, 3, a, NS, &o);
	fx_10x_v2_group(f, "/mm10", &m, 3, NG, b, 4, &o);
	H5Fclose(f);
	rc = fx_scan(fx_path("v2m.h5"), NULL, &got, &err);
	is_int(rc, 0, "10x v2, two genomes: open and scan");
	if (rc)
		printf("# %s\n", err.msg);
	ok(got.n_samples == NS + 1 && got.n_genes == NG,
	   "... genes concatenated, barcodes united (%zu samples, %ld genes)", got.n_samples,
	   got.n_genes);
	is_int(fx_same(&got, &m, 1), 0, "... every entry lands on the right gene and barcode");

	rc = fx_scan(fx_path("v2m.h5"), "/mm10", &got, &err);
	ok(rc == 0 && got.n_samples == 4 && got.n_genes == 3 && got.n == 12,
	   "10x v2: h5_path picks one genome (%zu samples, %ld genes, %zu cells)", got.n_samples,
	   got.n_genes, got.n);
	fx_got_free(&got);
}

/* more entries than one read window and more barcodes than one indptr window */
static void test_v3_large(void)
{
	enum { LG = 40, LS = 70000 };
	static const char *lgenes[LG], *lsamples[LS];
	static char names[LG + LS][24];
	double *v = calloc((size_t)LG * LS, sizeof(*v)), sum = 0;
	fx_mat m;
	fx_opts o = cellranger();
	fx_got got = { 0 };
	gx_err err;
	size_t g, s, n = 0;
	int rc;

	for (g = 0; g < LG; g++) {
		snprintf(names[g], sizeof(names[g]), "ENSG%011zu", g);
		lgenes[g] = names[g];
	}
	for (s = 0; s < LS; s++) {
		snprintf(names[LG + s], sizeof(names[0]), "BC%09zu-1", s);
		lsamples[s] = names[LG + s];
		for (g = 0; g < LG; g++)
			if ((g * 7 + s * 13) % 9 == 0) {
				v[g * LS + s] = (double)((g + s) % 50 + 1);
				sum += v[g * LS + s];
				n++;
			}
	}
	memset(&m, 0, sizeof(m));
	m.G = LG;
	m.S = LS;
	m.genes = lgenes;
	m.samples = lsamples;
	m.v = v;
	fx_10x_v3(fx_path("v3big.h5"), &m, &o);
	got.keep = 0;
	rc = fx_scan_want(fx_path("v3big.h5"), NULL, NULL, &got, NULL, &err);
	is_int(rc, 0, "10x v3, %zu entries over %d barcodes", n, LS);
	ok(got.n == n && got.sum == sum, "... every entry once (%zu, sum %.0f)", got.n, got.sum);
	ok(got.max_batch <= 65536 && got.batches > 1 && !got.bad_batch,
	   "... in %zu batches of at most 64 Ki cells", got.batches);
	fx_got_free(&got);
	free(v);
}

typedef struct prog {
	int calls, bad;
	uint64_t last, total;
} prog;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	prog *p = ctx;
	p->bad |= done < p->last || done > total;
	p->calls++;
	p->last = done;
	p->total = total;
}

/* progress reports stored entries; an all-zero matrix has none and still opens */
static void test_progress_and_empty(void)
{
	static const double zeros[NG * NS];
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, counts);
	fx_opts o = cellranger();
	gx_matrix_opts mo;
	gx_matrix *mx = NULL;
	fx_got got = { 0 };
	prog pr = { 0, 0, 0, 0 };
	gx_err err;
	int rc;

	fx_10x_v3(fx_path("prog.h5"), &m, &o);
	memset(&mo, 0, sizeof(mo));
	mo.progress = on_progress;
	mo.progress_ctx = &pr;
	rc = gx_matrix_open(fx_path("prog.h5"), &mo, &mx, &err);
	if (rc == 0) {
		got.info = gx_matrix_info_of(mx);
		got.digests = calloc(NS, sizeof(*got.digests));
		rc = gx_matrix_scan(mx, NULL, fx_collect, &got, &err);
	}
	ok(rc == 0 && pr.calls > 0 && !pr.bad && pr.last == pr.total && pr.total == got.n,
	   "10x v3: progress counts stored entries up to the total (%llu)",
	   (unsigned long long)pr.total);
	gx_matrix_close(mx);
	fx_got_free(&got);

	m.v = zeros;
	fx_10x_v3(fx_path("zeros.h5"), &m, &o);
	rc = fx_scan(fx_path("zeros.h5"), NULL, &got, &err);
	ok(rc == 0 && got.n == 0 && got.n_samples == NS && got.n_genes == NG,
	   "10x v3 with no stored entry: opens, %zu samples, %ld genes, no cells", got.n_samples,
	   got.n_genes);
	fx_got_free(&got);
}

int main(void)
{
	gx_h5_init();
	test_v3_basic();
	test_v3_types();
	test_v3_feature_types();
	test_v3_xml();
	test_v2();
	test_v2_multi();
	test_v3_large();
	test_progress_and_empty();
	fx_cleanup();
	return tap_done();
}
