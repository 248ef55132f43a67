/*
 * analyze_data.c - a study's values for the analysis, from the database (see
 * analysis.h).
 *
 * The study's facts are read once, in the fact table's key order (gene, then sample),
 * and each gene's values are written to a scratch file: one gene-major region per
 * cohort, the gene's n_c values (the cohort's samples by accession) at
 * off_c + gene * n_c * 8.  The correlation reads every gene about (1 + (B + 1)/2) times
 * for B blocks (4.5 times at 20,000 genes x 500 samples and 256 MB), and the
 * differential pass once more: from this file, each read is one pread of a contiguous
 * block, where from the database it would be a query over the fact table each time
 * (docs/ARCHITECTURE.md, "Where the analysis reads its values").
 * A sample of a sparse matrix has a 0 (a measured one) for every study gene it has no
 * fact of; a sample of a dense one has a missing value (NaN).  Genes are ordered by id
 * and samples by accession, so a clean load and an incremental one give the same
 * matrix, block for block.
 * Memory: one row of the study's samples and a few words per gene and per sample.
 */
#include "pipeline/analysis.h"
#include "pipeline/feed.h"
#include "core/hset.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int an_scratch_open(const char *what, gx_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/gxload-%s.XXXXXX", dir && dir[0] ? dir : "/tmp", what);
	if ((fd = mkstemp(path)) < 0)
		return gx_err_set(err, GX_E_IO, "cannot create a scratch file in '%s': %s",
		                  dir && dir[0] ? dir : "/tmp", strerror(errno));
	unlink(path);
	return fd;
}

/* Write all n bytes at off (the scratch files of analyze_data.c and analyze_feed.c). */
int pipe_pwrite_all(int fd, const void *buf, size_t n, uint64_t off, gx_err *err)
{
	const char *p = buf;

	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gx_err_set(err, GX_E_IO, "cannot write the analysis scratch file: %s",
			                  w < 0 ? strerror(errno) : "no space");
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int an_data_read(const an_data *d, size_t c, size_t g0, size_t count, double *out,
                 gx_err *err)
{
	const an_cohort *co = &d->cohorts[c];
	size_t n = count * co->n * sizeof(double);
	uint64_t off = co->off + (uint64_t)g0 * co->n * sizeof(double);
	char *p = (char *)out;

	while (n) {
		ssize_t r = pread(d->fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return gx_err_set(err, GX_E_IO, "cannot read the analysis scratch file: %s",
			                  r < 0 ? strerror(errno) : "short file");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

long an_data_cohort(const an_data *d, const char *label)
{
	size_t i;

	for (i = 0; i < d->n_cohorts; i++)
		if (!strcmp(d->cohorts[i].label, label))
			return (long)i;
	return -1;
}

void an_data_release(an_data *d)
{
	size_t i;

	gx_an_samples_free(d->samples, d->n_samples);
	gx_an_genes_free(d->genes, d->n_genes);
	for (i = 0; i < d->n_cohorts; i++) {
		gx_free(d->cohorts[i].label);
		gx_free(d->cohorts[i].samples);
	}
	gx_free(d->cohorts);
	if (d->fd >= 0)
		close(d->fd);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

/* The sample's value of 'field' in its metadata JSON (every field of its metadata row
 * and of its matrix's attributes), NULL if none.  The result is owned by 'root'. */
static const char *meta_field(json_t *root, const char *field)
{
	json_t *v = root ? json_object_get(root, field) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const an_cohort *)a)->label, ((const an_cohort *)b)->label);
}

/* Each sample's cohort under def, and the cohorts (by label; samples by accession). */
static int group_samples(an_data *d, const gx_cohort_def *def, int stored, gx_err *err)
{
	const char **lab = gx_calloc(d->n_samples + 1, sizeof(*lab));
	json_t **js = gx_calloc(d->n_samples + 1, sizeof(*js));
	size_t i, *more;
	int rc = 0;

	if (!lab || !js) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < d->n_samples; i++) {
		const gx_an_sample *sm = &d->samples[i];

		if (stored) {
			lab[i] = sm->cohort;
			continue;
		}
		if (def->kind == GX_COHORT_FIELD && sm->metadata)
			js[i] = json_loads(sm->metadata, 0, NULL);
		lab[i] = gx_cohort_of(def, sm->illness, def->field ? meta_field(js[i], def->field)
		                                                   : NULL);
	}
	for (i = 0; i < d->n_samples && !rc; i++) {
		an_cohort *co;

		if (!lab[i])
			continue;
		if (an_data_cohort(d, lab[i]) < 0) {
			an_cohort *nc = gx_reallocarray(d->cohorts, d->n_cohorts + 1, sizeof(*nc));

			if (!nc || !(nc[d->n_cohorts].label = gx_strdup(lab[i]))) {
				if (nc)
					d->cohorts = nc;
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				break;
			}
			d->cohorts = nc;
			nc[d->n_cohorts].n = 0;
			nc[d->n_cohorts].samples = NULL;
			d->n_cohorts++;
		}
		co = &d->cohorts[an_data_cohort(d, lab[i])];
		if (!(more = gx_reallocarray(co->samples, co->n + 1, sizeof(size_t)))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
		co->samples = more;
		co->samples[co->n++] = i;
	}
	if (!rc)
		qsort(d->cohorts, d->n_cohorts, sizeof(*d->cohorts), cmp_label);
out:
	for (i = 0; js && i < d->n_samples; i++)
		if (js[i])
			json_decref(js[i]);
	gx_free(js);
	gx_free(lab);
	return rc;
}

/* Keep the genes named in 'path' (one id a line; blank lines and '#' comments ignored). */
static int filter_genes(an_data *d, const char *path, gx_err *err)
{
	FILE *f = fopen(path, "r");
	gx_hset want = { 0 };
	char line[4096];
	size_t i, k = 0, listed = 0;
	long ln = 0;

	if (!f)
		return gx_err_set(err, GX_E_IO, "cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *a = line, *e;

		ln++;
		while (*a == ' ' || *a == '\t')
			a++;
		e = a + strcspn(a, "\r\n");
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (!*a || *a == '#')
			continue;
		listed++;
		if (gx_hset_put(&want, gx_gene_hash(a, strlen(a)), 1, NULL) < 0) {
			fclose(f);
			gx_hset_release(&want);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
	}
	if (ferror(f)) {
		fclose(f);
		gx_hset_release(&want);
		return gx_err_set(err, GX_E_IO, "cannot read '%s' after line %ld", path, ln);
	}
	fclose(f);
	for (i = 0; i < d->n_genes; i++) {
		uint64_t v;

		if (gx_hset_get(&want, gx_gene_hash(d->genes[i].id, strlen(d->genes[i].id)), &v)) {
			gx_an_gene t = d->genes[k];

			d->genes[k++] = d->genes[i];
			d->genes[i] = t;
		}
	}
	for (i = k; i < d->n_genes; i++)
		gx_free(d->genes[i].id);
	d->n_genes = k;
	gx_hset_release(&want);
	if (!k)
		return gx_err_set(err, GX_E_USAGE, "none of the %zu genes of '%s' is a gene of the study",
		                  listed, path);
	if (k < listed)
		gx_log(GX_LOG_WARNING, "analyze", "%zu of the %zu genes of '%s' are not genes of the "
		       "study", listed - k, listed, path);
	return 0;
}

/* Filling the scratch file from the facts, one gene at a time. */
typedef struct fill {
	an_data *d;
	gx_hset gidx;               /* gene key -> index in d->genes */
	gx_hset spos;               /* sample key -> position in row */
	size_t N;                   /* positions: the cohorts' samples, cohort after cohort */
	double *row, *dflt;         /* the current gene's values; a gene without facts */
	uint8_t *written;           /* per gene */
	long cur;                   /* index of the current gene, -1 if none */
	int32_t cur_key;
	size_t *map, n_map;         /* feed position -> position in row (SIZE_MAX: none) */
} fill;

static int fill_flush(fill *f, gx_err *err)
{
	an_data *d = f->d;
	size_t c, at = 0;
	int rc;

	if (f->cur < 0)
		return 0;
	for (c = 0; c < d->n_cohorts; c++) {
		const an_cohort *co = &d->cohorts[c];

		if ((rc = pipe_pwrite_all(d->fd, f->row + at, co->n * sizeof(double),
		                     co->off + (uint64_t)f->cur * co->n * sizeof(double), err)))
			return rc;
		at += co->n;
	}
	f->written[f->cur] = 1;
	f->cur = -1;
	return 0;
}

static int on_facts(void *ctx, size_t n, const int32_t *sample, const int32_t *gene,
                    const double *log2, gx_err *err)
{
	fill *f = ctx;
	size_t i;
	int rc;

	if ((rc = gx_check_interrupt(err)))
		return rc;
	for (i = 0; i < n; i++) {
		uint64_t v;

		if (gene[i] != f->cur_key) {
			if ((rc = fill_flush(f, err)))
				return rc;
			f->cur_key = gene[i];
			if (gx_hset_get(&f->gidx, (uint64_t)gene[i], &v)) {
				f->cur = (long)v;
				memcpy(f->row, f->dflt, f->N * sizeof(double));
			}
		}
		if (f->cur >= 0 && gx_hset_get(&f->spos, (uint64_t)sample[i], &v))
			f->row[v] = log2[i];
	}
	return 0;
}

/* A row of the load's feed (analyze_feed.c): its positions placed by f->map. */
static int on_fed_row(void *ctx, int32_t gene, const double *row, gx_err *err)
{
	fill *f = ctx;
	uint64_t v;
	size_t i;

	if (!gx_hset_get(&f->gidx, (uint64_t)gene, &v))
		return 0; /* not one of the study's genes (no finite value) */
	for (i = 0; i < f->n_map; i++)
		if (f->map[i] != SIZE_MAX)
			f->row[f->map[i]] = row[i];
	f->cur = (long)v;
	return fill_flush(f, err);
}

/*
 * The rows from the feed when its samples hold every position of the cohorts (*used =
 * 1), else nothing written (*used = 0: the facts are read).  A position of the feed's
 * row is a sample of the run; the map takes it to its place among the cohorts.
 */
static int fill_from_feed(fill *f, const pipe_feed *feed, int *used, gx_err *err)
{
	size_t n, i, placed = 0;
	const int32_t *keys = pipe_feed_samples(feed, &n);
	int rc;

	*used = 0;
	if (!(f->map = gx_calloc(n + 1, sizeof(*f->map))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	f->n_map = n;
	for (i = 0; i < n; i++) {
		uint64_t v;

		f->map[i] = gx_hset_get(&f->spos, (uint64_t)keys[i], &v) ? (size_t)v : SIZE_MAX;
		placed += f->map[i] != SIZE_MAX;
	}
	if (placed != f->N) {
		gx_log(GX_LOG_WARNING, "analyze", "the load's scan has %zu of the %zu samples of "
		       "the cohorts: their values are read from the database", placed, f->N);
		return 0;
	}
	if ((rc = pipe_feed_rows(feed, on_fed_row, f, err)))
		return rc;
	*used = 1;
	return 0;
}

/* The scratch file: every gene's row in every cohort's region, from the feed when it has
 * them all, else from the facts. */
static int write_scratch(an_data *d, const pipe_feed *feed, gx_err *err)
{
	fill f;
	size_t i, c, at = 0;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.d = d;
	f.cur = -1;
	f.cur_key = -1;
	for (c = 0; c < d->n_cohorts; c++) {
		d->cohorts[c].off = d->bytes;
		d->bytes += (uint64_t)d->n_genes * d->cohorts[c].n * sizeof(double);
		f.N += d->cohorts[c].n;
	}
	f.row = gx_calloc(f.N + 1, sizeof(double));
	f.dflt = gx_calloc(f.N + 1, sizeof(double));
	f.written = gx_calloc(d->n_genes + 1, 1);
	if (!f.row || !f.dflt || !f.written) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < d->n_genes && !rc; i++)
		if (gx_hset_put(&f.gidx, (uint64_t)d->genes[i].key, i, NULL) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (c = 0; c < d->n_cohorts && !rc; c++) {
		for (i = 0; i < d->cohorts[c].n && !rc; i++, at++) {
			const gx_an_sample *sm = &d->samples[d->cohorts[c].samples[i]];

			f.dflt[at] = sm->sparse ? 0.0 : NAN;
			if (gx_hset_put(&f.spos, (uint64_t)sm->key, at, NULL) < 0)
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
	}
	if (rc || (d->fd = an_scratch_open("analysis", err)) < 0) {
		rc = rc ? rc : -GX_E_IO;
		goto out;
	}
	if (feed && (rc = fill_from_feed(&f, feed, &d->fed, err)))
		goto out;
	if (!d->fed && ((rc = gx_an_facts_scan(d->s, d->study_key, 0, NULL, on_facts, &f, err)) ||
	                (rc = fill_flush(&f, err))))
		goto out;
	/* genes without a fact (all zero in a sparse matrix) */
	for (i = 0; i < d->n_genes && !rc; i++) {
		if (f.written[i])
			continue;
		memcpy(f.row, f.dflt, f.N * sizeof(double));
		f.cur = (long)i;
		rc = fill_flush(&f, err);
	}
out:
	gx_hset_release(&f.gidx);
	gx_hset_release(&f.spos);
	gx_free(f.row);
	gx_free(f.dflt);
	gx_free(f.written);
	gx_free(f.map);
	return rc;
}

int an_data_load(an_data *d, gx_sink *s, int32_t study_key, const gx_cohort_def *def,
                 const char *stored_def, const char *genes_file, pipe_feed *feed,
                 gx_err *err)
{
	int stored = stored_def && !strcmp(stored_def, def->text);
	double t0 = gx_mono();
	int rc;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->s = s;
	d->study_key = study_key;
	if ((rc = gx_an_samples_read(s, study_key, !stored && def->kind == GX_COHORT_FIELD,
	                             &d->samples, &d->n_samples, err)) ||
	    (rc = gx_an_genes_read(s, study_key, &d->genes, &d->n_genes, err)) ||
	    (rc = group_samples(d, def, stored, err)) ||
	    (genes_file && (rc = filter_genes(d, genes_file, err))) ||
	    (rc = write_scratch(d, feed, err)))
		return rc;
	d->read_seconds = gx_mono() - t0;
	gx_log(GX_LOG_INFO, "analyze", "%zu genes x %zu samples in %zu cohort(s) (%s) read from "
	       "%s into a %.1f MB scratch file in %.3f s", d->n_genes, d->n_samples, d->n_cohorts,
	       def->text, d->fed ? "the load's scan" : "the database",
	       (double)d->bytes / 1048576.0, d->read_seconds);
	return 0;
}
