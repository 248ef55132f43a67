/*
 * h5_gen_10x.c - write a 10x Cell Ranger 3+ style matrix for the HDF5 melt benchmark.
 *
 *   h5_gen_10x [--entries N] [--genes G] [--cells C] [--seed S] OUT.h5
 *
 * Defaults: 50,000,000 stored entries, 33,538 genes (Cell Ranger's GRCh38 reference),
 * 20,000 barcodes, i.e. about 2,500 detected genes per cell.  Stored as Cell Ranger's
 * matrix.py writes it: CSC features x barcodes, data int32, indices and indptr int64,
 * shape int32, each in resizable chunks of 80,000 with gzip level 4 and shuffle; ids,
 * names, feature types and barcodes as fixed-length ASCII strings.  Genes of a cell are
 * drawn independently with probability entries / (genes x cells), so the total is close
 * to, not exactly, the target; counts are small integers skewed towards 1.
 * Memory stays bounded: entries are appended in slabs of SLAB entries.
 * The output is deterministic for a given seed.  Prints the entry count on stdout.
 */
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 80000          /* Cell Ranger's chunk length for data/indices/indptr */
#define SLAB (1u << 20)      /* entries buffered before each append */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: fast, good enough to scatter genes */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static hid_t make_1d(hid_t f, const char *path, hid_t type)
{
	hsize_t zero = 0, maxd = H5S_UNLIMITED, ch = CHUNK;
	hid_t sp = H5Screate_simple(1, &zero, &maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), d;

	H5Pset_create_intermediate_group(lcpl, 1);
	H5Pset_chunk(dcpl, 1, &ch);
	H5Pset_shuffle(dcpl);
	H5Pset_deflate(dcpl, 4);
	d = H5Dcreate2(f, path, type, sp, lcpl, dcpl, H5P_DEFAULT);
	H5Sclose(sp);
	H5Pclose(dcpl);
	H5Pclose(lcpl);
	return d;
}

static int append(hid_t d, hid_t memtype, const void *buf, hsize_t n, hsize_t *len)
{
	hsize_t newlen = *len + n;
	hid_t fs, ms;
	int rc = 0;

	if (n == 0)
		return 0;
	if (H5Dset_extent(d, &newlen) < 0)
		return -1;
	fs = H5Dget_space(d);
	ms = H5Screate_simple(1, &n, NULL);
	if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, len, NULL, &n, NULL) < 0 ||
	    H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, buf) < 0)
		rc = -1;
	H5Sclose(ms);
	H5Sclose(fs);
	*len = newlen;
	return rc;
}

/* n fixed-length strings of width w from a generator */
static int strings(hid_t f, const char *path, size_t n, size_t w,
                   void (*gen)(size_t i, char *out, size_t w))
{
	hid_t t = H5Tcopy(H5T_C_S1), sp, lcpl = H5Pcreate(H5P_LINK_CREATE), d;
	hsize_t dn = n;
	char *buf = calloc(n ? n : 1, w);
	size_t i;
	int rc = 0;

	if (!buf)
		return -1;
	for (i = 0; i < n; i++) {
		/* fixed-length strings that fill their width have no NUL: copy w bytes */
		char tmp[64] = "";
		gen(i, tmp, sizeof(tmp));
		memcpy(buf + i * w, tmp, strnlen(tmp, w));
	}
	H5Tset_size(t, w);
	H5Tset_strpad(t, H5T_STR_NULLPAD);
	H5Pset_create_intermediate_group(lcpl, 1);
	sp = H5Screate_simple(1, &dn, NULL);
	d = H5Dcreate2(f, path, t, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
		rc = -1;
	if (d >= 0)
		H5Dclose(d);
	H5Sclose(sp);
	H5Tclose(t);
	H5Pclose(lcpl);
	free(buf);
	return rc;
}

static void gene_id(size_t i, char *o, size_t w) { snprintf(o, w, "ENSG%011zu", i + 1); }
static void gene_name(size_t i, char *o, size_t w) { snprintf(o, w, "GENE%zu", i + 1); }
static void gene_type(size_t i, char *o, size_t w) { (void)i; snprintf(o, w, "Gene Expression"); }
static void genome(size_t i, char *o, size_t w) { (void)i; snprintf(o, w, "GRCh38"); }

static void barcode(size_t i, char *o, size_t w)
{
	static const char acgt[] = "ACGT";
	size_t k;

	for (k = 0; k < 16 && k + 3 < w; k++)
		o[k] = acgt[(i >> (2 * (15 - k))) & 3];
	memcpy(o + k, "-1", 3);
}

int main(int argc, char **argv)
{
	uint64_t entries = 50000000, genes = 33538, cells = 20000, seed = 42;
	const char *out = NULL;
	hid_t f, dd, di, dp, ds;
	int32_t *data;
	int64_t *ind, *ptr;
	hsize_t len_d = 0, len_i = 0, len_p = 0, n = 0;
	uint64_t total = 0, threshold, c, g;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--entries") && i + 1 < argc)
			entries = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--genes") && i + 1 < argc)
			genes = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--cells") && i + 1 < argc)
			cells = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (argv[i][0] != '-')
			out = argv[i];
		else
			out = NULL, i = argc;
	}
	if (!out || !genes || !cells || entries > genes * cells) {
		fprintf(stderr, "usage: h5_gen_10x [--entries N] [--genes G] [--cells C] [--seed S] "
		                "OUT.h5\n");
		return 64;
	}
	rng_state = seed * 2654435761u + 1;
	/* P(stored) = entries / (genes * cells), as a threshold on 32 random bits */
	threshold = (uint64_t)((double)entries / ((double)genes * (double)cells) * 4294967296.0);
	data = malloc(SLAB * sizeof(*data));
	ind = malloc(SLAB * sizeof(*ind));
	ptr = malloc((cells + 1) * sizeof(*ptr));
	f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	if (!data || !ind || !ptr || f < 0) {
		fprintf(stderr, "h5_gen_10x: cannot create '%s'\n", out);
		return 74;
	}
	dd = make_1d(f, "/matrix/data", H5T_STD_I32LE);
	di = make_1d(f, "/matrix/indices", H5T_STD_I64LE);
	dp = make_1d(f, "/matrix/indptr", H5T_STD_I64LE);
	ds = make_1d(f, "/matrix/shape", H5T_STD_I32LE);
	for (c = 0; c < cells; c++) {
		ptr[c] = (int64_t)total;
		for (g = 0; g < genes; g++) {
			uint64_t r = rng();
			if ((r & 0xffffffffu) >= threshold)
				continue;
			/* counts: mostly 1, a tail up to 64 */
			r >>= 32;
			data[n] = (int32_t)(1 + ((r & 3) ? 0 : (r >> 2) % ((r >> 10) % 4 ? 4 : 64)));
			ind[n++] = (int64_t)g;
			total++;
			if (n == SLAB) {
				if (append(dd, H5T_NATIVE_INT32, data, n, &len_d) ||
				    append(di, H5T_NATIVE_INT64, ind, n, &len_i))
					goto fail;
				n = 0;
			}
		}
	}
	ptr[cells] = (int64_t)total;
	if (append(dd, H5T_NATIVE_INT32, data, n, &len_d) ||
	    append(di, H5T_NATIVE_INT64, ind, n, &len_i) ||
	    append(dp, H5T_NATIVE_INT64, ptr, cells + 1, &len_p))
		goto fail;
	{
		int32_t shape[2] = { (int32_t)genes, (int32_t)cells };
		if (append(ds, H5T_NATIVE_INT32, shape, 2, &(hsize_t){ 0 }))
			goto fail;
	}
	if (strings(f, "/matrix/features/id", genes, 15, gene_id) ||
	    strings(f, "/matrix/features/name", genes, 12, gene_name) ||
	    strings(f, "/matrix/features/feature_type", genes, 15, gene_type) ||
	    strings(f, "/matrix/features/genome", genes, 6, genome) ||
	    strings(f, "/matrix/barcodes", cells, 18, barcode))
		goto fail;
	H5Dclose(dd);
	H5Dclose(di);
	H5Dclose(dp);
	H5Dclose(ds);
	H5Fclose(f);
	free(data);
	free(ind);
	free(ptr);
	printf("%s: %llu genes x %llu barcodes, %llu stored entries\n", out,
	       (unsigned long long)genes, (unsigned long long)cells, (unsigned long long)total);
	return 0;
fail:
	fprintf(stderr, "h5_gen_10x: writing '%s' failed\n", out);
	return 74;
}
