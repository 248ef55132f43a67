/*
 * analyze.c - one analysis job on a study (see analysis.h): every kept gene pair of each
 * cohort (analyze/corr.h on OpenBLAS) and the differential statistics of each pair of
 * cohorts compared (analyze/diff.h), computed from the study's values as the database
 * holds them (analyze_data.c) and kept in a scratch file until an_write stores them.
 * Computing reads the database and writes nothing, so `gxload analyze` holds its write
 * transaction only while the rows go in; after a load the job runs inside the load's
 * transaction and reads its new facts.
 * Does not: know SQL (load/analysis_store.c), decide what to compute (analyze_run.c).
 */
#include "pipeline/analysis.h"
#include "analyze/blas.h"
#include "analyze/corr.h"
#include "analyze/diff.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_BATCH 2048

void an_out_release(an_out *out)
{
	size_t i;

	if (out->f)
		fclose(out->f);
	for (i = 0; i < out->n_parts; i++) {
		gx_free(out->parts[i].a);
		gx_free(out->parts[i].b);
	}
	gx_free(out->parts);
	memset(out, 0, sizeof(*out));
}

/* A new part of the output: records from here on belong to it. */
static int part_begin(an_out *out, int is_diff, const char *a, const char *b, gx_err *err)
{
	struct an_part *np = gx_reallocarray(out->parts, out->n_parts + 1, sizeof(*np));

	if (!np)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	out->parts = np;
	np = &out->parts[out->n_parts];
	memset(np, 0, sizeof(*np));
	np->is_diff = is_diff;
	np->off = ftell(out->f);
	out->n_parts++;
	if (!(np->a = gx_strdup(a)) || (b && !(np->b = gx_strdup(b))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

static int out_put(an_out *out, const void *rec, size_t size, gx_err *err)
{
	if (fwrite(rec, size, 1, out->f) != 1)
		return gx_err_set(err, GX_E_IO, "cannot write the analysis scratch file");
	out->parts[out->n_parts - 1].n++;
	out->rows++;
	return 0;
}

/* ---- correlation ---- */

typedef struct corr_ctx {
	const an_data *d;
	size_t cohort;
	an_out *out;
	int64_t rank;
} corr_ctx;

static int corr_source(void *ctx, size_t gene0, size_t count, double *out, gx_err *err)
{
	const corr_ctx *c = ctx;
	int rc;

	if ((rc = gx_check_interrupt(err)))
		return rc;
	return an_data_read(c->d, c->cohort, gene0, count, out, err);
}

static int corr_emit(void *ctx, const gx_corr_pair *pr, gx_err *err)
{
	corr_ctx *c = ctx;
	gx_an_pair x;

	x.gene_a = c->d->genes[pr->i].key;
	x.gene_b = c->d->genes[pr->j].key;
	x.n = pr->n;
	x.r = pr->r;
	x.p = pr->p;
	x.q = pr->q;
	x.rank = ++c->rank;
	x.tested = (int64_t)pr->m;
	return out_put(c->out, &x, sizeof(x), err);
}

static int correlate(const an_data *d, const an_job *job, an_out *out, gx_err *err)
{
	gx_corr_opts o;
	size_t c;
	int rc = 0;
	double t0 = gx_mono();

	gx_corr_opts_init(&o);
	o.method = (gx_corr_method)job->method;
	o.top_k = job->top_k;
	o.min_abs_r = job->min_abs_r;
	o.mem_budget = job->budget;
	out->threads = gx_blas_threads_begin(job->threads);
	gx_test_point("analyze");
	for (c = 0; c < d->n_cohorts && !rc; c++) {
		const an_cohort *co = &d->cohorts[c];
		corr_ctx cx = { d, c, out, 0 };
		gx_corr_stats st;
		double t1 = gx_mono();

		if (job->only_cohort && strcmp(job->only_cohort, co->label))
			continue;
		if ((rc = part_begin(out, 0, co->label, NULL, err)) ||
		    (rc = gx_corr_run(d->n_genes, co->n, corr_source, &cx, &o, corr_emit, &cx, &st,
		                      err)))
			break;
		out->correlated++;
		out->pairs_tested += st.pairs_tested;
		out->pairs_kept += st.pairs_kept;
		if (st.peak_bytes > out->peak_bytes)
			out->peak_bytes = st.peak_bytes;
		gx_log(GX_LOG_INFO, "analyze", "cohort '%s': %zu genes x %zu samples, %llu pairs "
		       "tested, %llu kept, %d sweep(s), %zu genes with missing values, %.1f MB "
		       "peak, %.3f s (BLAS %.3f s, %d thread(s))", co->label, d->n_genes, co->n,
		       (unsigned long long)st.pairs_tested, (unsigned long long)st.pairs_kept,
		       st.passes, st.genes_missing, (double)st.peak_bytes / 1048576.0,
		       gx_mono() - t1, st.blas_seconds, out->threads);
	}
	gx_blas_threads_end();
	out->corr_s = gx_mono() - t0;
	return rc;
}

/* ---- differential statistics ---- */

/* Cohorts a and b compared: every gene with a value in either. */
static int compare(const an_data *d, size_t a, size_t b, an_out *out, gx_err *err)
{
	const an_cohort *A = &d->cohorts[a], *B = &d->cohorts[b];
	size_t G = d->n_genes, na = A->n, nb = B->n, big = na > nb ? na : nb;
	size_t blk = big ? ((size_t)1 << 17) / big : G, g0, g;
	gx_diff_result *res = gx_calloc(G ? G : 1, sizeof(*res));
	double *va = NULL, *vb = NULL;
	gx_diff dz = { 0 };
	int rc = 0;

	if (blk < 1)
		blk = 1;
	if (blk > G)
		blk = G ? G : 1;
	va = gx_calloc(blk * na + 1, sizeof(double));
	vb = gx_calloc(blk * nb + 1, sizeof(double));
	if (!res || !va || !vb) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (g0 = 0; g0 < G && !rc; g0 += blk) {
		size_t cnt = G - g0 < blk ? G - g0 : blk;

		if ((rc = gx_check_interrupt(err)) || (rc = an_data_read(d, a, g0, cnt, va, err)) ||
		    (rc = an_data_read(d, b, g0, cnt, vb, err)))
			break;
		for (g = 0; g < cnt && !rc; g++)
			rc = gx_diff_gene(&dz, va + g * na, na, vb + g * nb, nb, &res[g0 + g], err);
	}
	if (rc || (rc = gx_diff_fdr(res, G, err)) || (rc = part_begin(out, 1, A->label, B->label,
	                                                               err)))
		goto out;
	for (g = 0; g < G && !rc; g++) {
		const gx_diff_result *r = &res[g];
		gx_an_diff x;

		if (!r->n_a && !r->n_b)
			continue;
		x.gene = d->genes[g].key;
		x.n_a = (int64_t)r->n_a;
		x.n_b = (int64_t)r->n_b;
		x.mean_a = r->mean_a;
		x.mean_b = r->mean_b;
		x.mean_diff = r->mean_diff;
		x.welch_t = r->welch_t;
		x.welch_df = r->welch_df;
		x.welch_p = r->welch_p;
		x.welch_q = r->welch_q;
		x.mwu_u = r->mwu_u;
		x.mwu_p = r->mwu_p;
		x.mwu_q = r->mwu_q;
		x.mwu_exact = isnan(r->mwu_p) ? -1 : r->mwu_exact;
		rc = out_put(out, &x, sizeof(x), err);
	}
	out->compared++;
out:
	gx_diff_release(&dz);
	gx_free(res);
	gx_free(va);
	gx_free(vb);
	return rc;
}

/* One "A:B" of the job: its cohorts' indexes, or -1 (and err when strict). */
static int find_pair(const an_data *d, const an_job *job, const char *spec, long *a, long *b,
                     gx_err *err)
{
	const char *colon = strchr(spec, ':');
	char *left;

	*a = *b = -1;
	if (!colon || colon == spec || !colon[1] || strchr(colon + 1, ':'))
		return gx_err_set(err, job->compare_strict ? GX_E_USAGE : GX_E_CONFIG,
		                  "comparison '%s' is not COHORT_A:COHORT_B", spec);
	if (!(left = gx_strndup(spec, (size_t)(colon - spec))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	*a = an_data_cohort(d, left);
	*b = an_data_cohort(d, colon + 1);
	if (!strcmp(left, colon + 1)) {
		gx_free(left);
		return gx_err_set(err, job->compare_strict ? GX_E_USAGE : GX_E_CONFIG,
		                  "comparison '%s' compares a cohort with itself", spec);
	}
	if ((*a < 0 || *b < 0) && job->compare_strict) {
		gx_err_set(err, GX_E_USAGE, "comparison '%s': the study has no cohort '%s' (%s)", spec,
		           *a < 0 ? left : colon + 1, job->def.text);
		gx_free(left);
		return -GX_E_USAGE;
	}
	if (*a < 0 || *b < 0)
		gx_log(GX_LOG_INFO, "analyze", "comparison '%s' skipped: the study has no cohort '%s'",
		       spec, *a < 0 ? left : colon + 1);
	gx_free(left);
	return 0;
}

static int differential(const an_data *d, const an_job *job, an_out *out, gx_err *err)
{
	double t0 = gx_mono();
	size_t i;
	long a, b, ctl;
	int rc = 0;

	if (job->n_compare) {
		for (i = 0; i < job->n_compare && !rc; i++)
			if (!(rc = find_pair(d, job, job->compare[i], &a, &b, err)) && a >= 0 && b >= 0)
				rc = compare(d, (size_t)a, (size_t)b, out, err);
	} else if (job->def.kind == GX_COHORT_ILLNESS && (ctl = an_data_cohort(d, "CONTROL")) >= 0) {
		for (i = 0; i < d->n_cohorts && !rc; i++)
			if ((long)i != ctl)
				rc = compare(d, i, (size_t)ctl, out, err);
	} else {
		gx_log(GX_LOG_INFO, "analyze", "no cohorts to compare (%s): name them in "
		       "analysis.compare or with --compare A:B", job->def.text);
	}
	out->diff_s = gx_mono() - t0;
	return rc;
}

int an_compute(gx_sink *s, int32_t study_key, const an_job *job, an_out *out, gx_err *err)
{
	an_data d;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if ((fd = an_scratch_open("rows", err)) < 0)
		return fd;
	if (!(out->f = fdopen(fd, "w+b"))) {
		close(fd);
		return gx_err_set(err, GX_E_IO, "cannot open the analysis scratch file");
	}
	rc = an_data_load(&d, s, study_key, &job->def, job->stored_def, job->genes_file,
	                  job->feed, err);
	if (!rc && job->only_cohort && an_data_cohort(&d, job->only_cohort) < 0)
		rc = gx_err_set(err, GX_E_USAGE, "the study has no cohort '%s' (%s)", job->only_cohort,
		                job->def.text);
	out->n_cohorts = d.n_cohorts;
	out->n_genes = d.n_genes;
	out->n_samples = d.n_samples;
	out->read_s = d.read_seconds;
	if (!rc && job->correlate)
		rc = correlate(&d, job, out, err);
	if (!rc && job->differential)
		rc = differential(&d, job, out, err);
	an_data_release(&d);
	if (!rc && fflush(out->f))
		rc = gx_err_set(err, GX_E_IO, "cannot write the analysis scratch file");
	return rc;
}

static const char *method_name(int m)
{
	return m == GX_CORR_SPEARMAN ? "spearman" : "pearson";
}

/* The records of one part, read back a batch at a time and written. */
static int write_part(gx_sink *s, int32_t study_key, const an_job *job, const an_out *out,
                      const struct an_part *pt, void *buf, gx_err *err)
{
	size_t size = pt->is_diff ? sizeof(gx_an_diff) : sizeof(gx_an_pair), done = 0;
	int rc = 0;

	if (fseek(out->f, pt->off, SEEK_SET))
		return gx_err_set(err, GX_E_IO, "cannot read the analysis scratch file");
	while (done < pt->n && !rc) {
		size_t k = pt->n - done < OUT_BATCH ? pt->n - done : OUT_BATCH;

		if (fread(buf, size, k, out->f) != k)
			return gx_err_set(err, GX_E_IO, "cannot read the analysis scratch file");
		rc = pt->is_diff ? gx_an_diff_write(s, study_key, job->def.text, pt->a, pt->b, k, buf,
		                                    err)
		                 : gx_an_pairs_write(s, study_key, job->def.text, pt->a,
		                                     method_name(job->method), k, buf, err);
		done += k;
	}
	return rc;
}

int an_write(gx_sink *s, int32_t study_key, const an_job *job, const an_out *out,
             gx_err *err)
{
	size_t size = sizeof(gx_an_pair) > sizeof(gx_an_diff) ? sizeof(gx_an_pair)
	                                                      : sizeof(gx_an_diff);
	void *buf;
	size_t i;
	int rc = 0;

	if (job->replace_all) {
		if ((rc = gx_an_pairs_delete(s, study_key, NULL, NULL, NULL, err)) ||
		    (rc = gx_an_diff_delete(s, study_key, NULL, NULL, NULL, err)))
			return rc;
	} else if (job->correlate && (rc = gx_an_pairs_delete(s, study_key, job->def.text,
	                                                       method_name(job->method),
	                                                       job->only_cohort, err))) {
		return rc;
	}
	for (i = 0; i < out->n_parts && !rc && !job->replace_all; i++)
		if (out->parts[i].is_diff)
			rc = gx_an_diff_delete(s, study_key, job->def.text, out->parts[i].a,
			                       out->parts[i].b, err);
	if (rc || !out->n_parts)
		return rc;
	if (!(buf = gx_malloc(OUT_BATCH * size)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < out->n_parts && !rc; i++)
		rc = write_part(s, study_key, job, out, &out->parts[i], buf, err);
	gx_free(buf);
	return rc;
}
