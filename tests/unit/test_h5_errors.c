/*
 * test_h5_errors.c - malformed HDF5 matrices: each fails with the right code (exit 65
 * for bad data), a message that names the file and the dataset, nothing passed on when
 * the fault is found at open, and nothing printed by libhdf5 on stderr.
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#include <fcntl.h>
#include <sys/stat.h>

#define NG 4
#define NS 3

static const char *const samples[NS] = { "AAAC-1", "AAAG-1", "AACT-1" };
static const double counts[NG * NS] = {
	1, 0, 3,
	0, 2, 0,
	5, 1, 0,
	0, 0, 4,
};

static fx_opts opts(void)
{
	fx_opts o;
	memset(&o, 0, sizeof(o));
	o.d.chunk[0] = 4;
	o.d.gzip = 4;
	o.d.shuffle = 1;
	o.d.resizable = 1;
	return o;
}

/* a valid 10x v3 file, to be broken by the caller */
static const char *v3(const char *name)
{
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), NULL, samples, counts);
	fx_opts o = opts();
	const char *p = fx_path(name);
	fx_10x_v3(p, &m, &o);
	return p;
}

/* replace dataset 'path' by integers (1-D) of type t */
static void put_ints(const char *file, const char *path, hid_t t, size_t n, const int64_t *v)
{
	hid_t f = fx_reopen(file);
	fx_dopts d = { { 4, 0 }, 0, 0, 0, 0, 1 };
	H5Ldelete(f, path, H5P_DEFAULT);
	fx_ints(f, path, t, n, v, &d);
	H5Fclose(f);
}

static void drop(const char *file, const char *path)
{
	hid_t f = fx_reopen(file);
	if (H5Ldelete(f, path, H5P_DEFAULT) < 0)
		fx_die(path);
	H5Fclose(f);
}

/* open + scan; checks code, exit code, file and dataset in the message */
static void expect(const char *file, const char *h5_path, gx_code code, int at_open,
                   const char *dataset, const char *needle, const char *what)
{
	fx_got got = { 0 };
	gx_err err;
	gx_matrix *m = NULL;
	gx_matrix_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.h5_path = h5_path;
	rc = gx_matrix_open(file, &o, &m, &err);
	if (!at_open && rc == 0) {
		got.keep = 1;
		got.info = gx_matrix_info_of(m);
		got.digests = calloc(got.info->n_samples + 1, sizeof(*got.digests));
		rc = gx_matrix_scan(m, NULL, fx_collect, &got, &err);
	}
	gx_matrix_close(m);
	ok(rc != 0 && err.code == code, "%s: fails with %s%s", what, gx_code_name(code),
	   at_open ? " at open" : " during the scan");
	if (rc == 0 || err.code != code)
		printf("#   rc %d, code %d: %s\n", rc, err.code, err.msg);
	ok(gx_err_exit_code(&err) == (code == GX_E_IO ? 74 : 65) && !strcmp(err.file, file) &&
	   fx_err_has(&err, dataset) && (!needle || fx_err_has(&err, needle)),
	   "%s: exit %d, message names the file and '%s'", what, gx_err_exit_code(&err), dataset);
	fx_got_free(&got);
}

static void test_structure(void)
{
	const char *p;
	hid_t f;

	/* truncated: the HDF5 library's own diagnosis is in the message */
	p = v3("trunc.h5");
	{
		struct stat st;
		stat(p, &st);
		if (truncate(p, st.st_size / 2) != 0)
			fx_die("truncate");
	}
	expect(p, NULL, GX_E_HDF5, 1, "trunc.h5", "truncated file", "truncated file");

	/* not a matrix layout at all */
	p = fx_path("other.h5");
	f = fx_create(p);
	fx_group(f, "/something/else");
	H5Fclose(f);
	expect(p, NULL, GX_E_HDF5, 1, "other.h5", "no known matrix layout", "unknown layout");

	p = v3("rank.h5");
	f = fx_reopen(p);
	H5Ldelete(f, "/matrix/data", H5P_DEFAULT);
	{
		hsize_t dims[2] = { 3, 2 };
		static const double v[6] = { 1, 2, 3, 4, 5, 6 };
		fx_dset(f, "/matrix/data", H5T_STD_I32LE, H5T_NATIVE_DOUBLE, 2, dims, v, NULL);
	}
	H5Fclose(f);
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/data", "rank 2, expected 1", "wrong rank");

	p = v3("mono.h5");
	put_ints(p, "/matrix/indptr", H5T_STD_I64LE, NS + 1, (const int64_t[]){ 0, 4, 2, 6 });
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/indptr", "not monotone", "indptr not monotone");

	p = v3("start.h5");
	put_ints(p, "/matrix/indptr", H5T_STD_I64LE, NS + 1, (const int64_t[]){ 1, 2, 4, 6 });
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/indptr", "expected 0", "indptr not starting at 0");

	p = v3("end.h5");
	put_ints(p, "/matrix/indptr", H5T_STD_I64LE, NS + 1, (const int64_t[]){ 0, 2, 3, 5 });
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/indptr", "shape mismatch",
	       "indptr ending before the last entry");

	p = v3("iplen.h5");
	put_ints(p, "/matrix/indptr", H5T_STD_I64LE, NS, (const int64_t[]){ 0, 2, 4 });
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/indptr", "shape mismatch", "indptr length");

	p = v3("datalen.h5");
	put_ints(p, "/matrix/indices", H5T_STD_I64LE, 5, (const int64_t[]){ 0, 2, 1, 2, 0 });
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/indices", "shape mismatch", "indices vs data length");

	p = v3("shape.h5");
	put_ints(p, "/matrix/shape", H5T_STD_I32LE, 2, (const int64_t[]){ NG + 1, NS });
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/features/id", "shape mismatch",
	       "shape vs features");

	p = v3("miss1.h5");
	drop(p, "/matrix/indices");
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/indices", "missing dataset", "missing indices");

	p = v3("miss2.h5");
	drop(p, "/matrix/features/id");
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/features/id", "missing dataset", "missing features/id");

	p = v3("miss3.h5");
	drop(p, "/matrix/shape");
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/shape", "missing dataset", "missing shape");

	p = v3("strdata.h5");
	f = fx_reopen(p);
	H5Ldelete(f, "/matrix/data", H5P_DEFAULT);
	fx_strs(f, "/matrix/data", 6, (const char *const[]){ "a", "b", "c", "d", "e", "f" }, 0,
	        NULL);
	H5Fclose(f);
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/data", "expected numbers", "string values");
}

static void test_entries(void)
{
	const char *p;

	/* entries are 0-based rows within each column: a gene index of NG is out of range */
	p = v3("range.h5");
	put_ints(p, "/matrix/indices", H5T_STD_I64LE, 6, (const int64_t[]){ 0, 2, 1, 2, 0, NG });
	expect(p, NULL, GX_E_HDF5, 0, "/matrix/indices", "out of range", "index out of range");

	p = v3("neg.h5");
	put_ints(p, "/matrix/indices", H5T_STD_I32LE, 6, (const int64_t[]){ 0, 2, 1, -1, 0, 3 });
	expect(p, NULL, GX_E_HDF5, 0, "/matrix/indices", "index -1 is out of range",
	       "negative index");

	p = v3("huge.h5");
	{
		/* 2^63 + 5 as uint64: must not wrap to a small index */
		hid_t f = fx_reopen(p);
		uint64_t v[6] = { 0, 2, 1, 2, 0, 0x8000000000000005ULL };
		hsize_t d = 6;
		H5Ldelete(f, "/matrix/indices", H5P_DEFAULT);
		fx_dset(f, "/matrix/indices", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &d, v, NULL);
		H5Fclose(f);
	}
	expect(p, NULL, GX_E_HDF5, 0, "/matrix/indices", "out of range", "uint64 index past 2^63");

	p = v3("twice.h5");
	put_ints(p, "/matrix/indices", H5T_STD_I64LE, 6, (const int64_t[]){ 0, 2, 1, 1, 0, 3 });
	expect(p, NULL, GX_E_HDF5, 0, "/matrix/indices", "stored twice", "index twice in a column");

	p = v3("nan.h5");
	{
		hid_t f = fx_reopen(p);
		fx_dopts d = { { 4, 0 }, 0, 0, 0, 0, 1 };
		H5Ldelete(f, "/matrix/data", H5P_DEFAULT);
		fx_nums(f, "/matrix/data", H5T_IEEE_F32LE, 6, (const double[]){ 1, 3, 2, 1, NAN, 4 },
		        &d);
		H5Fclose(f);
	}
	expect(p, NULL, GX_E_NOT_FINITE, 0, "/matrix/data", "not finite: nan", "NaN value");

	p = v3("big.h5");
	{
		hid_t f = fx_reopen(p);
		int64_t v[6] = { 1, 3, 2, 1, (int64_t)1 << 54, 4 };
		hsize_t d = 6;
		H5Ldelete(f, "/matrix/data", H5P_DEFAULT);
		fx_dset(f, "/matrix/data", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &d, v, NULL);
		H5Fclose(f);
	}
	expect(p, NULL, GX_E_NOT_FINITE, 0, "/matrix/data", "18014398509481984",
	       "int64 value beyond 2^53");
}

static void test_ids(void)
{
	static const char *const dupg[NG] = { "ENSG1", "ENSG2", "ENSG1", "ENSG4" };
	static const char *const dups[NS] = { "AAAC-1", "AAAG-1", "AAAC-1" };
	static const char *const empty[NS] = { "AAAC-1", "", "AACT-1" };
	static const char *const spaced[NS] = { "AAAC-1", "AAAG-1 ", "AACT-1" };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), NULL, samples, counts);
	fx_opts o = opts();
	const char *p;

	m.genes = dupg;
	p = fx_path("dupg.h5");
	fx_10x_v3(p, &m, &o);
	expect(p, NULL, GX_E_DUP_GENE, 1, "/matrix/features/id", "elements 0 and 2",
	       "duplicate feature id");
	m = fx_matrix(NG, NS, fx_ensembl(), NULL, samples, counts);
	m.samples = dups;
	p = fx_path("dups.h5");
	fx_10x_v3(p, &m, &o);
	expect(p, NULL, GX_E_DUP_SAMPLE, 1, "/matrix/barcodes", "\"AAAC-1\"", "duplicate barcode");
	m.samples = empty;
	p = fx_path("empty.h5");
	fx_10x_v3(p, &m, &o);
	expect(p, NULL, GX_E_EMPTY_ID, 1, "/matrix/barcodes", "element 1", "empty barcode");
	m.samples = spaced;
	p = fx_path("spaced.h5");
	fx_10x_v3(p, &m, &o);
	expect(p, NULL, GX_E_EMPTY_ID, 1, "/matrix/barcodes", "trailing spaces", "padded barcode");
}

/* a filter the reader does not have: written with a stand-in, then unregistered */
static size_t dummy_filter(unsigned flags, size_t nelmts, const unsigned cd[], size_t nbytes,
                           size_t *buf_size, void **buf)
{
	(void)flags, (void)nelmts, (void)cd, (void)buf_size, (void)buf;
	return nbytes;
}

static void test_filters(void)
{
	static const H5Z_class2_t cls = {
		H5Z_CLASS_T_VERS, (H5Z_filter_t)40000, 1, 1, "made-up", NULL, NULL,
		(H5Z_func_t)dummy_filter
	};
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), NULL, samples, counts);
	fx_opts o = opts();
	const char *p = fx_path("filter.h5");

	H5Zregister(&cls);
	o.d.filter = 40000;
	fx_10x_v3(p, &m, &o);
	H5Zunregister(40000);
	/* the fixture puts the filter on every array; shape is the first one read */
	expect(p, NULL, GX_E_HDF5, 1, "/matrix/shape", "filter 40000 ('made-up')",
	       "unavailable filter");

	/* a corrupt gzip chunk: the error stack of the failed read is in the message */
	o = opts();
	p = fx_path("corrupt.h5");
	fx_10x_v3(p, &m, &o);
	{
		hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT), d;
		hsize_t off[1] = { 0 };
		haddr_t addr = HADDR_UNDEF;
		hsize_t size = 0;
		unsigned mask = 0;
		int fd;
		d = H5Dopen2(f, "/matrix/data", H5P_DEFAULT);
		H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size);
		H5Dclose(d);
		H5Fclose(f);
		fd = open(p, O_WRONLY);
		if (fd < 0 || addr == HADDR_UNDEF ||
		    pwrite(fd, "\xff\xff\xff\xff\xff\xff\xff\xff", size < 8 ? size : 8,
		           (off_t)addr) < 0)
			fx_die("corrupt");
		close(fd);
	}
	expect(p, NULL, GX_E_HDF5, 0, "/matrix/data", "filter", "corrupt gzip chunk");
}

/* dense layouts: a non-finite cell names its row and column */
static void test_dense(void)
{
	static const double inf[NG * NS] = { 1, 2, 3, 4, 5, INFINITY, 7, 8, 9, 10, 11, 12 };
	fx_mat m = fx_matrix(NG, NS, fx_ensembl(), NULL, samples, counts);
	fx_opts o;
	const char *p = fx_path("inf.loom");

	memset(&o, 0, sizeof(o));
	m.v = inf;
	fx_loom(p, &m, &o);
	expect(p, NULL, GX_E_NOT_FINITE, 0, "/matrix", "row 1, column 2", "infinite dense cell");
	{
		/* ... unless that sample is not wanted */
		unsigned char want[NS] = { 1, 1, 0 };
		fx_got got = { 0 };
		gx_err err;
		got.keep = 1;
		ok(fx_scan_want(p, NULL, want, &got, NULL, &err) == 0,
		   "an unwanted sample's values are not checked");
		fx_got_free(&got);
	}
}

int main(void)
{
	char errfile[700];
	int saved, fd;
	struct stat st;

	gx_h5_init();
	/* everything libhdf5 or the reader might print goes to a file that must stay empty */
	snprintf(errfile, sizeof(errfile), "%s", fx_path("stderr.txt"));
	fflush(stderr);
	saved = dup(2);
	fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	test_structure();
	test_entries();
	test_ids();
	test_filters();
	test_dense();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ok(stat(errfile, &st) == 0 && st.st_size == 0,
	   "nothing was printed on stderr (%lld bytes)", (long long)st.st_size);
	fx_cleanup();
	return tap_done();
}
