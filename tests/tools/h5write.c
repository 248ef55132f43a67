/*
 * h5write.c - write a TSV matrix as an HDF5 file in one of the layouts gxload reads, for
 * the integration tests (tests/integration/t0400-hdf5.sh, t0815-duplicates.sh).
 *
 *   h5write LAYOUT IN.tsv OUT [--col-attr NAME=v1,v2,...] [--nonzero]
 *   LAYOUT: 10x3 10x2 h5ad h5ad-csr h5ad-csc h5ad7 h5ad6 loom3 loom2 archs4
 *   h5write claim FILE DATASET N [CHUNK [WRITTEN]]   DATASET becomes N vlen strings, of
 *                                   which only the first WRITTEN (default 0) are stored
 *   h5write damage-heap FILE        one variable-length string reference points far past
 *                                   its heap (libhdf5 crashes reading it)
 *
 * Every cell of the TSV is stored (sparse layouts included, zeros too) as a 64-bit
 * float, so the HDF5 file holds exactly the doubles of the TSV and a load of either gives
 * the same facts and the same per-sample digests; with --nonzero a sparse layout stores
 * only the nonzero cells, as real 10x and sparse h5ad files do.  --col-attr adds a
 * per-sample text column: a Loom col_attrs dataset, or a categorical h5ad obs column
 * (layouts h5ad, h5ad-csr, h5ad-csc).  Gene ids the TSV repeats are repeated in the
 * file.  The fixture writers are those of the unit tests
 * (tests/unit/h5fix.h).
 */
#include "h5fix.h"

#include "core/mem.h"

typedef struct coll {
	char **genes;
	size_t ng, cap;
	double *v;          /* filled row by row: ng x ns */
	size_t ns;
} coll;

static int on_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	coll *k = ctx;
	size_t i;
	(void)err;
	for (i = 0; i < c->n_genes; i++) {
		if (k->ng == k->cap) {
			k->cap = k->cap ? k->cap * 2 : 64;
			k->genes = realloc(k->genes, k->cap * sizeof(*k->genes));
			k->v = realloc(k->v, k->cap * k->ns * sizeof(*k->v));
		}
		k->genes[k->ng] = strdup(c->gene_ids[i]);
		memcpy(k->v + k->ng * k->ns, c->value + i * k->ns, k->ns * sizeof(double));
		k->ng++;
	}
	return 0;
}

/* a categorical obs column NAME of AnnData 0.8 (categories in order of appearance) */
static void obs_column(hid_t f, const char *name, size_t ns, const char **vals)
{
	const char **cats = calloc(ns + 1, sizeof(*cats));
	const char *order[1] = { name };
	int64_t *codes = calloc(ns + 1, sizeof(*codes));
	size_t i, j, nc = 0;
	char path[256];

	for (i = 0; i < ns; i++) {
		for (j = 0; j < nc && strcmp(cats[j], vals[i]); j++)
			;
		if (j == nc)
			cats[nc++] = vals[i];
		codes[i] = (int64_t)j;
	}
	H5Adelete_by_name(f, "/obs", "column-order", H5P_DEFAULT);
	fx_attr_strs(f, "/obs", "column-order", 1, order);
	snprintf(path, sizeof path, "/obs/%s", name);
	fx_group(f, path);
	fx_enc(f, path, "categorical", "0.2.0");
	fx_attr_bool(f, path, "ordered", 0);
	snprintf(path, sizeof path, "/obs/%s/codes", name);
	fx_ints(f, path, H5T_STD_I64LE, ns, codes, NULL);
	snprintf(path, sizeof path, "/obs/%s/categories", name);
	fx_strs(f, path, nc, cats, 1, NULL);
	free(cats);
	free(codes);
}

int main(int argc, char **argv)
{
	gx_matrix *m = NULL;
	gx_matrix_opts mo;
	gx_err err;
	coll k;
	fx_mat fm;
	fx_opts o;
	unsigned char *stored;
	const char *layout, *attr = NULL;
	int nonzero = 0, a;
	size_t i;

	if (argc >= 5 && argc <= 7 && !strcmp(argv[1], "claim")) {
		fx_claim(argv[2], argv[3], strtoull(argv[4], NULL, 10),
		         argc > 5 ? strtoull(argv[5], NULL, 10) : 1024,
		         argc > 6 ? strtoull(argv[6], NULL, 10) : 0);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "damage-heap"))
		return fx_damage_heap(argv[2]) ? 65 : 0;
	for (a = 4; a < argc; a++) {
		if (!strcmp(argv[a], "--col-attr") && a + 1 < argc)
			attr = argv[++a];
		else if (!strcmp(argv[a], "--nonzero"))
			nonzero = 1;
		else
			break;
	}
	if (argc < 4 || a < argc) {
		fprintf(stderr, "usage: h5write LAYOUT IN.tsv OUT [--col-attr NAME=v1,v2,...] "
		        "[--nonzero]\n"
		        "       h5write claim FILE DATASET N [CHUNK [WRITTEN]]\n"
		        "       h5write damage-heap FILE\n");
		return 64;
	}
	layout = argv[1];
	memset(&k, 0, sizeof k);
	gx_err_clear(&err);
	memset(&mo, 0, sizeof mo);
	mo.allow_dup_genes = 1; /* a TSV that repeats ids gives an HDF5 file that does */
	if (gx_matrix_open(argv[2], &mo, &m, &err) ||
	    !(k.ns = gx_matrix_info_of(m)->n_samples) ||
	    gx_matrix_scan(m, NULL, on_cells, &k, &err)) {
		fprintf(stderr, "h5write: %s\n", err.msg);
		return 65;
	}
	fm = fx_matrix(k.ng, k.ns, (const char *const *)k.genes, NULL,
	               gx_matrix_info_of(m)->sample_ids, k.v);
	stored = malloc(k.ng * k.ns + 1);
	memset(stored, 1, k.ng * k.ns + 1);
	fm.stored = nonzero ? NULL : stored;
	memset(&o, 0, sizeof o);
	o.val_type = H5T_IEEE_F64LE;
	if (!strcmp(layout, "10x3")) fx_10x_v3(argv[3], &fm, &o);
	else if (!strcmp(layout, "10x2")) fx_10x_v2(argv[3], &fm, &o);
	else if (!strcmp(layout, "h5ad")) fx_h5ad(argv[3], &fm, &o);
	else if (!strcmp(layout, "h5ad-csr")) { o.csc = 1; fx_h5ad(argv[3], &fm, &o); }
	else if (!strcmp(layout, "h5ad-csc")) { o.csc = 2; fx_h5ad(argv[3], &fm, &o); }
	else if (!strcmp(layout, "h5ad7")) { o.gen = 7; o.csc = 1; fx_h5ad(argv[3], &fm, &o); }
	else if (!strcmp(layout, "h5ad6")) { o.gen = 6; o.csc = 1; fx_h5ad(argv[3], &fm, &o); }
	else if (!strcmp(layout, "loom3")) { o.gen = 3; fx_loom(argv[3], &fm, &o); }
	else if (!strcmp(layout, "loom2")) { o.gen = 2; fx_loom(argv[3], &fm, &o); }
	else if (!strcmp(layout, "archs4")) fx_archs4(argv[3], &fm, &o);
	else {
		fprintf(stderr, "h5write: unknown layout '%s'\n", layout);
		return 64;
	}
	if (attr) {
		/* NAME=v1,v2,...: one value per sample, added as a Loom column attribute */
		char *name = strdup(attr), *eq = strchr(name, '='), *p;
		const char **vals = calloc(k.ns + 1, sizeof(*vals));
		char path[256];
		hid_t f;
		size_t n = 0;
		int h5ad = !strcmp(layout, "h5ad") || !strcmp(layout, "h5ad-csr") ||
		           !strcmp(layout, "h5ad-csc");
		if (!eq || (strncmp(layout, "loom", 4) && !h5ad)) {
			fprintf(stderr, "h5write: --col-attr NAME=v1,... works with loom and h5ad "
			        "layouts\n");
			return 64;
		}
		*eq = '\0';
		for (p = strtok(eq + 1, ","); p && n < k.ns; p = strtok(NULL, ","))
			vals[n++] = p;
		if (n != k.ns) {
			fprintf(stderr, "h5write: --col-attr needs %zu values\n", k.ns);
			return 64;
		}
		f = fx_reopen(argv[3]);
		if (h5ad)
			obs_column(f, name, k.ns, vals);
		else {
			snprintf(path, sizeof path, "/col_attrs/%s", name);
			fx_strs(f, path, k.ns, vals, 1, NULL);
		}
		H5Fclose(f);
		free(vals);
		free(name);
	}
	for (i = 0; i < k.ng; i++)
		free(k.genes[i]);
	free(k.genes);
	free(k.v);
	free(stored);
	gx_matrix_close(m);
	return 0;
}
