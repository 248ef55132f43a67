/*
 * test_h5_tsv.c - the same matrix written as TSV and in every HDF5 layout gives the same
 * (gene, sample, value) cells and the same per-sample digests (src/core/hash.h), read
 * through gx_matrix_open/gx_matrix_scan: the TSV reader on one side, the HDF5 reader on
 * the other.  Sparse layouts store every cell here (explicit zeros included), which is
 * what makes them comparable with a TSV that lists every cell.
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#define NG 5
#define NS 4

static const char *const samples[NS] = { "GSM1", "GSM2", "SRR3", "SRR4" };

static const double reals[NG * NS] = {
	0.1, -2.5e-8, 3.141592653589793, 1e300,
	-0.0, 0, 123456789.12345679, 4.9406564584124654e-324,
	7, -7, 0.30000000000000004, 2.2250738585072014e-308,
	1, 2, 3, 4,
	-1e-300, 65504, 0.5, -123.456,
};
static const double counts[NG * NS] = {
	0, 1, 2, 3,
	4, 0, 0, 1000000,
	7, 8, 9, 0,
	2147483647, 1, 0, 4,
	5, 0, 11, 12,
};
static const unsigned char all[NG * NS] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

typedef struct seen {
	fx_got got;
	char digest[NS][GX_HASH_HEX];
	char ids[NS][32];
	long n_genes;
} seen;

static int read_all(const char *path, seen *s)
{
	gx_matrix *mx = NULL;
	gx_err err;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	s->got.keep = 1;
	rc = fx_scan_want(path, NULL, NULL, &s->got, &mx, &err);
	if (rc) {
		printf("# %s: %s\n", path, err.msg);
		gx_matrix_close(mx);
		return rc;
	}
	s->n_genes = s->got.info->n_genes;
	for (i = 0; i < s->got.info->n_samples && i < NS; i++) {
		snprintf(s->ids[i], sizeof(s->ids[i]), "%s", s->got.info->sample_ids[i]);
		gx_digest_hex(&s->got.digests[i], s->digest[i]);
	}
	gx_matrix_close(mx);
	s->got.info = NULL;
	return 0;
}

/* same cells, same digest for each sample id, whatever the sample order */
static int same(seen *a, seen *b)
{
	size_t i, j, n = 0;
	int bad = 0;

	if (a->got.n != b->got.n || a->n_genes != b->n_genes) {
		printf("#   %zu cells and %ld genes, against %zu and %ld\n", b->got.n, b->n_genes,
		       a->got.n, a->n_genes);
		return 1;
	}
	qsort(a->got.c, a->got.n, sizeof(fx_cell), fx_cell_cmp);
	qsort(b->got.c, b->got.n, sizeof(fx_cell), fx_cell_cmp);
	for (i = 0; i < a->got.n; i++) {
		if (fx_cell_cmp(&a->got.c[i], &b->got.c[i]) == 0 &&
		    !memcmp(&a->got.c[i].v, &b->got.c[i].v, sizeof(double)))
			continue;
		if (bad++ < 3)
			printf("#   %s/%s = %.17g, against %s/%s = %.17g\n", b->got.c[i].gene,
			       b->got.c[i].sample, b->got.c[i].v, a->got.c[i].gene, a->got.c[i].sample,
			       a->got.c[i].v);
	}
	for (i = 0; i < NS; i++)
		for (j = 0; j < NS; j++)
			if (!strcmp(a->ids[i], b->ids[j])) {
				n++;
				bad += strcmp(a->digest[i], b->digest[j]) != 0;
			}
	return bad + (n != NS);
}

typedef void (*writer)(const char *, const fx_mat *, const fx_opts *);

static void compare(seen *tsv, const char *name, writer w, const fx_mat *m, fx_opts o)
{
	seen h;
	const char *p = fx_path(name);

	w(p, m, &o);
	if (read_all(p, &h)) {
		ok(0, "%s: read", name);
		return;
	}
	ok(same(tsv, &h) == 0, "%s (%s): same cells and per-sample digests as the TSV", name,
	   h.got.format);
	fx_got_free(&h.got);
}

static void run(const double *v, hid_t vt, const char *tag)
{
	fx_mat m;
	fx_opts o;
	seen tsv;
	char name[64];

	m = fx_matrix(NG, NS, fx_ensembl(), fx_symbols(), samples, v);
	m.stored = all;
	snprintf(name, sizeof(name), "%s.tsv", tag);
	fx_tsv(fx_path(name), &m);
	if (read_all(fx_path(name), &tsv)) {
		ok(0, "%s: the TSV reads", name);
		return;
	}
	ok(tsv.got.n == NG * NS && !strcmp(tsv.got.format, "tsv"), "%s: the TSV gives %zu cells",
	   tag, tsv.got.n);

	memset(&o, 0, sizeof(o));
	o.val_type = vt;
	o.d.chunk[0] = 3;
	o.d.gzip = 4;
	o.d.shuffle = 1;
	o.d.resizable = 1;
#define NAME(s) (snprintf(name, sizeof(name), "%s_%s", tag, s), name)
	compare(&tsv, NAME("10x_v3.h5"), fx_10x_v3, &m, o);
	compare(&tsv, NAME("10x_v2.h5"), fx_10x_v2, &m, o);
	o.unsorted = 1;
	compare(&tsv, NAME("10x_v3_unsorted.h5"), fx_10x_v3, &m, o);
	o.unsorted = 0;
	o.gen = 8;
	o.csc = 0;
	compare(&tsv, NAME("h5ad8_dense.h5ad"), fx_h5ad, &m, o);
	o.csc = 1;
	compare(&tsv, NAME("h5ad8_csr.h5ad"), fx_h5ad, &m, o);
	o.csc = 2;
	compare(&tsv, NAME("h5ad8_csc.h5ad"), fx_h5ad, &m, o);
	o.gen = 7;
	o.csc = 1;
	o.d.gzip = 0;
	o.d.shuffle = 0;
	o.d.lzf = 1;
	compare(&tsv, NAME("h5ad7_csr_lzf.h5ad"), fx_h5ad, &m, o);
	o.d.lzf = 0;
	o.gen = 6;
	compare(&tsv, NAME("h5ad6_csr.h5ad"), fx_h5ad, &m, o);
	o.csc = 0;
	compare(&tsv, NAME("h5ad6_dense.h5ad"), fx_h5ad, &m, o);
	memset(&o.d, 0, sizeof(o.d));
	o.gen = 3;
	compare(&tsv, NAME("loom3.loom"), fx_loom, &m, o);
	o.gen = 2;
	compare(&tsv, NAME("loom2.loom"), fx_loom, &m, o);
	o.rows_samples = 0;
	compare(&tsv, NAME("archs4_gs.h5"), fx_archs4, &m, o);
	o.rows_samples = 1;
	o.d.chunk[0] = 2;
	o.d.chunk[1] = 2;
	compare(&tsv, NAME("archs4_sg.h5"), fx_archs4, &m, o);
#undef NAME
	fx_got_free(&tsv.got);
}

int main(void)
{
	gx_h5_init();
	run(reals, H5T_IEEE_F64LE, "float64");
	run(counts, H5T_STD_I32LE, "int32");
	run(counts, H5T_STD_U32BE, "uint32be");
	fx_cleanup();
	return tap_done();
}
