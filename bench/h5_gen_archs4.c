/*
 * h5_gen_archs4.c - write an ARCHS4-style dense compendium (v2 layout) for the scale
 * benchmark (bench/b90-scale.sh).
 *
 *   h5_gen_archs4 [--genes G] [--samples S] [--seed S] OUT.h5
 *
 * Defaults: 20,000 genes x 10,000 samples (200 million values).  Layout as docs/HDF5.md
 * reads it: /data/expression (genes, samples) uint32 counts, chunked in blocks of
 * CG genes x CS samples with gzip level 4 and shuffle; /meta/genes/ensembl_gene and
 * /meta/genes/symbol; /meta/samples/geo_accession plus two text attributes per sample
 * (series_id, source_name_ch1) that become sample metadata.  Every cell is written
 * (dense), zeros included.  Counts: each gene has a level drawn from N(3, 2) (natural
 * log), each cell is floor(exp(N(level, 1))) clamped at 0, so low genes give many zeros
 * and high genes counts in the thousands, as in RNA-seq count matrices.
 * Memory stays bounded: one block row of CG genes x all samples is held at a time.
 * The output is deterministic for a given seed.  Prints the value count on stdout.
 */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CG 200               /* genes per chunk (and per block row written) */
#define CS 1000              /* samples per chunk */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64, as gen_study.c */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unif(void)
{
	return ((double)(rng() >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
	/* Box-Muller; one of the pair is enough here */
	return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

/* n fixed-length strings of width w from a generator, as h5_gen_10x.c writes them */
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
static void sample_id(size_t i, char *o, size_t w) { snprintf(o, w, "GSM%07zu", i + 1); }
static void series(size_t i, char *o, size_t w) { snprintf(o, w, "GSE%05zu", 10000 + i / 100); }
static void source(size_t i, char *o, size_t w)
{
	snprintf(o, w, "%s", i % 3 ? "whole blood" : "peripheral blood mononuclear cells");
}

int main(int argc, char **argv)
{
	uint64_t genes = 20000, samples = 10000, seed = 42, g0, g, s;
	const char *out = NULL;
	hid_t f, sp, dcpl, lcpl, d;
	hsize_t dims[2], ch[2];
	uint32_t *block;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--genes") && i + 1 < argc)
			genes = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--samples") && i + 1 < argc)
			samples = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (argv[i][0] != '-')
			out = argv[i];
		else
			out = NULL, i = argc;
	}
	/* ARCHS4's orientation is told from the axis lengths: equal lengths are refused */
	if (!out || !genes || !samples || genes == samples || samples > 9999999) {
		fprintf(stderr, "usage: h5_gen_archs4 [--genes G] [--samples S] [--seed S] OUT.h5\n"
		                "(G != S, S < 10,000,000)\n");
		return 64;
	}
	rng_state = seed * 2654435761u + 1;
	block = malloc((size_t)CG * samples * sizeof(*block));
	f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	if (!block || f < 0) {
		fprintf(stderr, "h5_gen_archs4: cannot create '%s'\n", out);
		return 74;
	}
	dims[0] = genes;
	dims[1] = samples;
	ch[0] = genes < CG ? genes : CG;
	ch[1] = samples < CS ? samples : CS;
	sp = H5Screate_simple(2, dims, NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	lcpl = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	H5Pset_chunk(dcpl, 2, ch);
	H5Pset_shuffle(dcpl);
	H5Pset_deflate(dcpl, 4);
	d = H5Dcreate2(f, "/data/expression", H5T_STD_U32LE, sp, lcpl, dcpl, H5P_DEFAULT);
	H5Pclose(dcpl);
	H5Pclose(lcpl);
	if (d < 0)
		goto fail;
	for (g0 = 0; g0 < genes; g0 += CG) {
		hsize_t start[2] = { g0, 0 }, cnt[2];
		uint64_t ng = genes - g0 < CG ? genes - g0 : CG;
		hid_t ms, fs;
		int rc;

		for (g = 0; g < ng; g++) {
			double level = 3.0 + 2.0 * normal();
			for (s = 0; s < samples; s++) {
				double v = floor(exp(level + normal()));
				block[g * samples + s] = v < 4e9 ? (uint32_t)v : 4000000000u;
			}
		}
		cnt[0] = ng;
		cnt[1] = samples;
		fs = H5Dget_space(d);
		ms = H5Screate_simple(2, cnt, NULL);
		rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0 ||
		     H5Dwrite(d, H5T_NATIVE_UINT32, ms, fs, H5P_DEFAULT, block) < 0;
		H5Sclose(ms);
		H5Sclose(fs);
		if (rc)
			goto fail;
	}
	H5Dclose(d);
	H5Sclose(sp);
	if (strings(f, "/meta/genes/ensembl_gene", genes, 15, gene_id) ||
	    strings(f, "/meta/genes/symbol", genes, 12, gene_name) ||
	    strings(f, "/meta/samples/geo_accession", samples, 10, sample_id) ||
	    strings(f, "/meta/samples/series_id", samples, 8, series) ||
	    strings(f, "/meta/samples/source_name_ch1", samples, 34, source))
		goto fail;
	H5Fclose(f);
	free(block);
	printf("%s: %llu genes x %llu samples, %llu values\n", out, (unsigned long long)genes,
	       (unsigned long long)samples, (unsigned long long)(genes * samples));
	return 0;
fail:
	fprintf(stderr, "h5_gen_archs4: writing '%s' failed\n", out);
	return 74;
}
