/*
 * test_h5_hostile.c - HDF5 files that lie or are damaged (issue 13), through the reader
 * process gxload uses (gx_matrix_open) and through the in-process reader on a memory
 * image (gx_matrix_open_h5_image, what the fuzz targets run):
 *   - claims a file cannot back are refused before anything is allocated for them: an
 *     index of 2^31 entries in a file of a few KB; datasets whose chunks were never
 *     written (ids, a dense matrix, sparse entries);
 *   - a file that makes libhdf5 crash is an error of the open (GX_E_HDF5 naming the file
 *     and the last dataset opened), and this process goes on; no reader is left unreaped;
 *   - a read that fails part way (a corrupt chunk after good ones) frees the strings
 *     libhdf5 made for the good chunks: 100 failed reads do not grow the heap;
 *   - the reader process gives what the in-process reader gives: cells, gene table,
 *     progress, a scan stopped by the callback and started again, 'want' flags.
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#include <errno.h>
#include <malloc.h>
#include <sys/wait.h>

#define NG 6
#define NS 5

static const char *const samples[NS] = { "S1", "S2", "S3", "S4", "S5" };
static const double counts[NG * NS] = {
	1, 0, 3, 0, 1,
	0, 2, 0, 0, 7,
	5, 1, 0, 4, 0,
	0, 0, 4, 1, 2,
	9, 0, 0, 0, 3,
	0, 6, 1, 0, 0,
};

static fx_mat small(void)
{
	return fx_matrix(NG, NS, fx_ensembl(), NULL, samples, counts);
}

static fx_opts plain(int gen, int csc)
{
	fx_opts o;
	memset(&o, 0, sizeof(o));
	o.gen = gen;
	o.csc = csc;
	return o;
}

/* the whole file, read into memory */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		fx_die(path);
	b = malloc((size_t)len + 1);
	if (!b || fread(b, 1, (size_t)len, f) != (size_t)len)
		fx_die(path);
	fclose(f);
	*n = (size_t)len;
	return b;
}

/* open (and close) through the reader process, or in-process from the file's image */
static int open_both(const char *path, int image, gx_err *err)
{
	gx_matrix *m = NULL;
	int rc;

	gx_err_clear(err);
	if (image) {
		size_t n;
		char *b = slurp(path, &n);
		rc = gx_matrix_open_h5_image(path, b, n, NULL, NULL, &m, err);
		free(b);
	} else {
		rc = gx_matrix_open(path, NULL, &m, err);
	}
	gx_matrix_close(m);
	return rc;
}

/* the open fails with 'code' and a message with 'needle', both ways */
static void refused(const char *what, const char *path, gx_code code, const char *needle)
{
	int image;

	for (image = 0; image < 2; image++) {
		gx_err err;
		int rc = open_both(path, image, &err);
		ok(rc == -(int)code && err.code == code, "%s (%s): code %d (got %d)", what,
		   image ? "in-process image" : "reader process", (int)code, (int)err.code);
		ok(fx_err_has(&err, needle), "%s (%s): the message says so", what,
		   image ? "in-process image" : "reader process");
		ok(!strcmp(err.file, path), "%s (%s): it names the file", what,
		   image ? "in-process image" : "reader process");
	}
}

static void test_claims(void)
{
	fx_mat m = small();
	fx_opts o = plain(8, 1);
	const char *p = fx_path("claim.h5ad"), *q = fx_path("partial.h5ad");
	hid_t f;

	fx_h5ad(p, &m, &o);
	fx_claim(p, "/var/_index", (hsize_t)1 << 31, 1024, 0);
	refused("an index of 2^31 entries in a small file", p, GX_E_HDF5,
	        "dataset '/var/_index' claims 2147483648 elements, more than the file's");

	fx_h5ad(q, &m, &o);
	fx_claim(q, "/obs/_index", NS, 1, 2);
	refused("an index with chunks never written", q, GX_E_HDF5,
	        "dataset '/obs/_index' claims 5 elements, but only 2 of its 5 chunks are stored");

	/* a dense matrix that was never written */
	p = fx_path("dense.loom");
	o = plain(3, 0);
	fx_loom(p, &m, &o);
	f = fx_reopen(p);
	H5Ldelete(f, "/matrix", H5P_DEFAULT);
	{
		fx_dopts d = { { 2, 2 }, 0, 0, 0, 0, 0 };
		hsize_t dims[2] = { NG, NS };
		fx_dset(f, "/matrix", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, 2, dims, NULL, &d);
	}
	H5Fclose(f);
	refused("a dense matrix never written", p, GX_E_HDF5,
	        "dataset '/matrix' claims 30 elements, but only 0 of its 9 chunks are stored");

	/* sparse entries that were never written */
	p = fx_path("entries.h5");
	o = plain(0, 0);
	o.d.chunk[0] = 4;
	o.d.resizable = 1;
	fx_10x_v3(p, &m, &o);
	f = fx_reopen(p);
	{
		hsize_t n = 0;
		hid_t d = H5Dopen2(f, "/matrix/data", H5P_DEFAULT), sp = H5Dget_space(d);
		fx_dopts dd = { { 4, 0 }, 0, 0, 0, 0, 1 };
		H5Sget_simple_extent_dims(sp, &n, NULL);
		H5Sclose(sp);
		H5Dclose(d);
		H5Ldelete(f, "/matrix/data", H5P_DEFAULT);
		fx_dset(f, "/matrix/data", H5T_STD_I32LE, H5T_NATIVE_DOUBLE, 1, &n, NULL, &dd);
	}
	H5Fclose(f);
	refused("sparse entries never written", p, GX_E_HDF5,
	        "dataset '/matrix/data' claims 15 elements, but only 0 of its 4 chunks are stored");
}

static void test_crash(void)
{
	fx_mat m = small();
	fx_opts o = plain(3, 0);
	const char *p = fx_path("crash.loom");
	gx_err err;
	int i, rc, reaped = 0;

	fx_loom(p, &m, &o);
	ok(fx_damage_heap(p) == 0, "a string reference of a Loom file damaged");
	for (i = 0; i < 3; i++) {
		rc = open_both(p, 0, &err);
		ok(rc == -(int)GX_E_HDF5, "libhdf5 crashing on the file is an error of the open (%d)",
		   i + 1);
	}
	ok(fx_err_has(&err, "the HDF5 library crashed on this file (SIG") ||
	   fx_err_has(&err, "the HDF5 reader process failed on this file"),
	   "the message says libhdf5 crashed");
	ok(fx_err_has(&err, "after opening '/"), "and names the last dataset opened");
	ok(!strcmp(err.file, p), "and the file");
	/* every reader was waited for: no child of this process is left */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		reaped++;
	ok(reaped == 0 && errno == ECHILD, "no reader process is left to reap (%d were)", reaped);
}

/* the heap in use (glibc's own allocator; 0 under a sanitizer, which checks leaks itself
 * when the binary exits) */
static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks;
}

static void test_failed_read_frees(void)
{
	enum { G = 1000 };
	static char ids[G][24];
	const char *gp[G];
	double *v = calloc(G * NS, sizeof(*v));
	fx_mat m;
	fx_opts o = plain(3, 0);
	const char *p = fx_path("leak.loom");
	fx_dopts d = { { 100, 0 }, 1, 0, 0, 0, 0 };
	size_t n, before = 0, after;
	char *img;
	hid_t f;
	int i, fails = 0;
	gx_err err;

	for (i = 0; i < G; i++) {
		snprintf(ids[i], sizeof(ids[i]), "ENSG%011d", i + 1);
		gp[i] = ids[i];
		v[i * NS] = i;
	}
	m = fx_matrix(G, NS, gp, NULL, samples, v);
	fx_loom(p, &m, &o);
	/* the gene ids in ten compressed chunks of 100; the last one is corrupt */
	f = fx_reopen(p);
	H5Ldelete(f, "/row_attrs/Gene", H5P_DEFAULT);
	fx_strs(f, "/row_attrs/Gene", G, gp, 1, &d);
	H5Fclose(f);
	fx_corrupt_chunk(p, "/row_attrs/Gene", 9);
	img = slurp(p, &n);
	for (i = 0; i < 101; i++) {
		gx_matrix *mm = NULL;
		gx_err_clear(&err);
		if (gx_matrix_open_h5_image(p, img, n, NULL, NULL, &mm, &err) == -(int)GX_E_HDF5)
			fails++;
		gx_matrix_close(mm);
		if (i == 10)
			before = heap_used(); /* libhdf5's own caches and free lists are made */
	}
	after = heap_used();
	ok(fails == 101, "a read that fails in its last chunk fails cleanly (%d of 101)", fails);
	ok(fx_err_has(&err, "cannot read dataset '/row_attrs/Gene'"), "naming the dataset");
	/* 900 strings of 16 bytes leaked a read before: 90 reads, at least 1.3 MB */
	ok(after <= before + (512 << 10),
	   "90 failed reads leave the heap about as it was (%zu -> %zu bytes)", before, after);
	refused("the same through the reader process", p, GX_E_HDF5,
	        "cannot read dataset '/row_attrs/Gene'");
	free(img);
	free(v);
}

/* stops the scan after its first batch */
static int stop_first(void *ctx, const gx_cells *c, gx_err *err)
{
	int *n = ctx;
	(void)c;
	(*n)++;
	return gx_err_set(err, GX_E_INTERRUPTED, "stopped by the test");
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	uint64_t *last = ctx;
	if (done < last[0] || done > total)
		last[2] = 1;
	last[0] = done;
	last[1] = total;
}

static void test_same_as_in_process(void)
{
	enum { G = 300, S = 300 }; /* 90,000 cells: two batches */
	static char ids[G][24], sids[S][16];
	const char *gp[G], *sp[S];
	double *v = calloc(G * S, sizeof(*v));
	fx_mat m;
	fx_opts o = plain(3, 0);
	const char *p = fx_path("big.loom");
	fx_got got, ref;
	gx_matrix *mm = NULL;
	gx_matrix_opts mo;
	gx_err err;
	uint64_t prog[3] = { 0, 0, 0 };
	unsigned char want[S];
	int i, calls = 0;

	for (i = 0; i < G; i++) {
		snprintf(ids[i], sizeof(ids[i]), "G%05d", i);
		gp[i] = ids[i];
	}
	for (i = 0; i < S; i++) {
		snprintf(sids[i], sizeof(sids[i]), "C%05d", i);
		sp[i] = sids[i];
		want[i] = i % 3 == 0;
	}
	for (i = 0; i < G * S; i++)
		v[i] = (i * 7919) % 13;
	m = fx_matrix(G, S, gp, NULL, sp, v);
	fx_loom(p, &m, &o);
	memset(&got, 0, sizeof(got));
	i = fx_scan(p, NULL, &got, &err);
	ok(i == 0 && fx_same(&got, &m, 0) == 0 && got.batches >= 2,
	   "through the reader process: every cell, exactly (%zu batches)", got.batches);

	/* a scan the callback stops, then a full one: a new reader serves it */
	memset(&mo, 0, sizeof(mo));
	mo.progress = progress;
	mo.progress_ctx = prog;
	gx_err_clear(&err);
	ok(gx_matrix_open(p, &mo, &mm, &err) == 0, "open for a stopped scan");
	ok(gx_matrix_scan(mm, NULL, stop_first, &calls, &err) == -(int)GX_E_INTERRUPTED &&
	   calls == 1, "the callback stops the scan after one batch");
	memset(&ref, 0, sizeof(ref));
	ref.keep = 1;
	ref.info = gx_matrix_info_of(mm);
	ref.digests = calloc(S + 1, sizeof(*ref.digests));
	ok(gx_matrix_scan(mm, NULL, fx_collect, &ref, &err) == 0 && fx_same(&ref, &m, 0) == 0,
	   "the next scan of the same matrix gives every cell");
	ok(prog[1] == (uint64_t)G * S && prog[0] == prog[1] && !prog[2],
	   "progress reaches the total and never goes back (%llu of %llu)",
	   (unsigned long long)prog[0], (unsigned long long)prog[1]);
	fx_got_free(&ref);
	ref.info = gx_matrix_info_of(mm);
	ref.digests = calloc(S + 1, sizeof(*ref.digests));
	ref.keep = 1;
	ok(gx_matrix_scan(mm, want, fx_collect, &ref, &err) == 0, "a scan with 'want' flags");
	{
		/* dense batches carry every sample (0.0 for the unwanted); the wanted ones' cells
		 * are all there, with their values */
		size_t k, wanted = 0, bad = 0;
		for (k = 0; k < ref.n; k++) {
			int gi = atoi(ref.c[k].gene + 1), si = atoi(ref.c[k].sample + 1);
			if (!want[si])
				continue;
			wanted++;
			bad += ref.c[k].v != v[gi * S + si];
		}
		ok(bad == 0 && wanted == (size_t)G * 100, "it passes the wanted samples' cells "
		   "(%zu cells, %zu wrong)", wanted, bad);
	}
	fx_got_free(&ref);
	gx_matrix_close(mm);
	fx_got_free(&got);
	free(v);
}

int main(void)
{
	gx_h5_init();
	test_claims();
	test_crash();
	test_failed_read_frees();
	test_same_as_in_process();
	fx_cleanup();
	return tap_done();
}
