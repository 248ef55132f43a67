/*
 * h5_melt.c - open one matrix file through gx_matrix_open, scan it, report throughput.
 *
 *   h5_melt [--hash] [--info] [--h5-path PATH] FILE
 *
 * Prints one line: format, samples, genes, cells passed on and the sum of their values
 * (to compare with another reader), the time to open (tables,
 * structure checks) and to scan, cells per second of the scan, and the process's peak
 * RSS (getrusage).  --hash also does the per-cell work of the loader's
 * extract stage (record hash of every cell, per-sample digest), so that the rate is what
 * the pipeline can expect from extraction.  --info first prints the sample and gene ids
 * and attributes the reader found (the first few of each).
 * Used by bench/h5_melt.sh and to check real files by hand (docs/HDF5.md).  Works on any
 * format gx_matrix_open knows, TSV included.
 */
#include "core/err.h"
#include "core/hash.h"
#include "core/mem.h"
#include "extract/matrix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct melt {
	int hash, info;
	size_t n_samples;
	uint64_t cells, batches;
	double sum;
	gx_digest *digests;
	uint64_t *gene_hash;     /* per gene of the current table, when reused */
	size_t gene_hash_n;
	const char *const *first_genes;
	size_t n_first_genes;
} melt;

static int on_cells(void *vctx, const gx_cells *c, gx_err *err)
{
	melt *m = vctx;
	size_t i;

	if (m->info && m->batches == 0) {
		size_t g;
		printf("genes (first batch, %zu in its table):", c->n_genes);
		for (g = 0; g < c->n_genes && g < 3; g++)
			printf(" %s%s%s%s", c->gene_ids[g], c->gene_symbols ? " (" : "",
			       c->gene_symbols ? c->gene_symbols[g] : "", c->gene_symbols ? ")" : "");
		printf("\n");
	}
	m->batches++;
	m->cells += c->n;
	if (!m->hash) {
		for (i = 0; i < c->n; i++)
			m->sum += c->value[i];
		return 0;
	}
	if (!c->genes_unchanged || !m->gene_hash) {
		uint64_t *p = gx_reallocarray(m->gene_hash, c->n_genes ? c->n_genes : 1, sizeof(*p));
		if (!p)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		m->gene_hash = p;
		for (i = 0; i < c->n_genes; i++)
			p[i] = gx_gene_hash(c->gene_ids[i], strlen(c->gene_ids[i]));
		m->gene_hash_n = c->n_genes;
	}
	for (i = 0; i < c->n; i++)
		m->sum += c->value[i];
	for (i = 0; i < c->n; i++) {
		size_t g = c->gene ? c->gene[i] : i / m->n_samples;
		size_t s = c->sample ? c->sample[i] : i % m->n_samples;
		if (c->missing && c->missing[i])
			continue;
		gx_digest_add(&m->digests[s], gx_record_hash(m->gene_hash[g], c->value[i]));
	}
	return 0;
}

int main(int argc, char **argv)
{
	gx_matrix_opts opts;
	gx_matrix *mx = NULL;
	const gx_matrix_info *info;
	gx_matrix_info fmt_info;
	char fmt[32];
	struct timespec t0, t1, t2;
	struct rusage ru, ruc;
	char child[64] = "";
	melt m;
	gx_err err;
	double secs;
	int i, rc;
	const char *path = NULL;

	memset(&opts, 0, sizeof(opts));
	memset(&m, 0, sizeof(m));
	gx_err_clear(&err);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hash"))
			m.hash = 1;
		else if (!strcmp(argv[i], "--info"))
			m.info = 1;
		else if (!strcmp(argv[i], "--h5-path") && i + 1 < argc)
			opts.h5_path = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr, "usage: h5_melt [--hash] [--info] [--h5-path PATH] FILE\n");
		return 64;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = gx_matrix_open(path, &opts, &mx, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!rc) {
		info = gx_matrix_info_of(mx);
		m.n_samples = info->n_samples;
		if (m.info) {
			size_t s, a;
			printf("format %s, %zu samples, %ld genes, %s, %zu attributes\n", info->format,
			       info->n_samples, info->n_genes, info->sparse ? "sparse" : "dense",
			       info->attrs.n_attrs);
			printf("samples:");
			for (s = 0; s < info->n_samples && s < 3; s++)
				printf(" %s", info->sample_ids[s]);
			printf("\n");
			for (a = 0; a < info->attrs.n_attrs; a++) {
				const char *v = info->attrs.values[a];
				printf("attr %s: %s\n", info->attrs.names[a], v ? v : "(missing)");
			}
		}
		if (m.hash && !(m.digests = gx_calloc(info->n_samples, sizeof(*m.digests))))
			rc = gx_err_set(&err, GX_E_NOMEM, "out of memory");
		if (!rc)
			rc = gx_matrix_scan(mx, NULL, on_cells, &m, &err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (rc) {
		char msg[2048];
		fprintf(stderr, "h5_melt: %s\n", gx_err_format(&err, msg, sizeof(msg)));
		gx_matrix_close(mx);
		return gx_err_exit_code(&err);
	}
	info = gx_matrix_info_of(mx);
	fmt_info = *info;
	snprintf(fmt, sizeof(fmt), "%s", info->format);
	fmt_info.format = fmt;
	info = &fmt_info; /* what printf needs, kept past the close */
	secs = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	/* the HDF5 reader process is reaped at close: its peak RSS is known after it */
	gx_matrix_close(mx);
	getrusage(RUSAGE_CHILDREN, &ruc);
	if (ruc.ru_maxrss > 0)
		snprintf(child, sizeof(child), " (reader process %.1f MiB)",
		         (double)ruc.ru_maxrss / 1024.0);
	printf("%s: format %s, %zu samples, %ld genes, %llu cells%s, sum %.17g; open %.3f s, "
	       "scan %.3f s, %.2f M cells/s; peak RSS %.1f MiB%s%s\n", path, info->format,
	       info->n_samples, info->n_genes, (unsigned long long)m.cells,
	       info->sparse ? " (stored entries)" : "", m.sum,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, secs,
	       secs > 0 ? (double)m.cells / secs / 1e6 : 0.0, (double)ru.ru_maxrss / 1024.0, child,
	       m.hash ? "; with record hashes and sample digests" : "");
	gx_free(m.digests);
	gx_free(m.gene_hash);
	return 0;
}
