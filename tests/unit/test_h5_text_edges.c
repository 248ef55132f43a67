/*
 * test_h5_text_edges.c - fixed-length HDF5 strings padded with spaces (H5T_STR_SPACEPAD,
 * as Fortran and some R writers store them): the padding is not part of a gene or sample
 * id, so an ARCHS4 file with padded ids reads exactly like one with plain ids.
 */
#include "extract/h5.h"
#include "h5fix.h"
#include "tap.h"

#define NG 4
#define NS 3

/* 1-D fixed-length strings padded with spaces (fx_strs_pad leaves NULs after the text) */
static void strs_spacepad(hid_t f, const char *path, size_t n, const char *const *s)
{
	hid_t t = fx_str_type(s, n, 0, H5T_STR_SPACEPAD);
	size_t w = H5Tget_size(t), i;
	char *buf = malloc(n * w);
	hsize_t d = n;

	memset(buf, ' ', n * w);
	for (i = 0; i < n; i++)
		memcpy(buf + i * w, s[i], strlen(s[i]));
	fx_dset(f, path, t, t, 1, &d, buf, NULL);
	free(buf);
	H5Tclose(t);
}

int main(void)
{
	/* ids of different lengths: the shorter ones are padded to the longest */
	static const char *const genes[NG] = { "ENSG00000000003", "ENSG5", "ENSG00000000419", "ENSG42" };
	static const char *const samples[NS] = { "GSM1", "GSM1000", "GSM22" };
	static const double vals[NG * NS] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	fx_mat m = fx_matrix(NG, NS, genes, NULL, samples, vals);
	fx_opts o;
	fx_got got = { 0 };
	gx_err err;
	const char *p = fx_path("spacepad.h5");
	hid_t f;
	int rc;

	memset(&o, 0, sizeof(o));
	fx_archs4(p, &m, &o);
	f = fx_reopen(p);
	if (H5Ldelete(f, "/meta/genes/ensembl_gene", H5P_DEFAULT) < 0 ||
	    H5Ldelete(f, "/meta/samples/geo_accession", H5P_DEFAULT) < 0)
		fx_die("delete the ids");
	strs_spacepad(f, "/meta/genes/ensembl_gene", NG, genes);
	strs_spacepad(f, "/meta/samples/geo_accession", NS, samples);
	H5Fclose(f);
	{
		/* the file really holds the padding: read the raw bytes of gene 2 ("ENSG5") */
		char raw[NG * 15];
		hid_t ff = fx_reopen(p), d = H5Dopen2(ff, "/meta/genes/ensembl_gene", H5P_DEFAULT);
		hid_t t = H5Dget_type(d);
		ok(H5Tget_strpad(t) == H5T_STR_SPACEPAD && H5Tget_size(t) == 15 &&
		   H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0 &&
		   !memcmp(raw + 15, "ENSG5          ", 15), "the fixture stores 'ENSG5' padded to 15 bytes");
		H5Tclose(t);
		H5Dclose(d);
		H5Fclose(ff);
	}
	rc = fx_scan(p, NULL, &got, &err);
	is_int(rc, 0, "a file with space-padded ids opens and scans");
	if (rc)
		printf("# %s\n", err.msg);
	is_str(got.format, "dense-h5", "read as an ARCHS4 dense matrix");
	ok(got.n_genes == NG && got.n_samples == NS, "%ld genes, %zu samples", got.n_genes,
	   got.n_samples);
	is_int(fx_same(&got, &m, 0), 0, "every cell under its unpadded gene and sample id");
	fx_got_free(&got);
	fx_cleanup();
	return tap_done();
}
