/*
 * analyze_run.c - the analysis step, run two ways (see pipeline.h and run.h):
 *
 *   after a load  pipe_analyze_after_load, in the load's transaction: every pair and
 *                 differential row of the study is replaced by what
 *                 analysis.correlate_after_load / differential_after_load ask for (or
 *                 removed: the values they were computed from may have changed), so
 *                 the database equals a clean load with the same settings;
 *   on demand     gx_pipeline_analyze (`gxload analyze`): under the study's lock, with
 *                 a meta_etl_run row of its own; it computes before it opens its write
 *                 transaction and replaces the rows of the cohorts (and method) it
 *                 computed only.
 * The job itself is analyze.c's.  Does not: know SQL, or compute statistics.
 */
#include "pipeline/analysis.h"
#include "pipeline/run.h"
#include "analyze/corr.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/testhook.h"
#include "extract/study.h"
#include "load/meta.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int on(const char *flag)
{
	return flag && !strcmp(flag, "true");
}

void pipe_analysis_fingerprint(const pipe *p, gx_buf *b)
{
	const gx_config *c = p->cfg;
	size_t i;

	gx_buf_printf(b, "cohort_by=%s\nfeatures=%s\n", p->cdef.text,
	              p->opts->features ? p->opts->features->hash : "");
	if (on(c->correlate_after_load))
		gx_buf_printf(b, "correlate method=%s top_k=%ld min_abs_r=%.17g\n", c->corr_method,
		              c->corr_top_k, c->corr_min_abs_r);
	if (on(c->differential_after_load)) {
		gx_buf_puts(b, "differential compare=");
		for (i = 0; i < c->n_compare; i++)
			gx_buf_printf(b, "[%s]", c->compare[i]);
		gx_buf_putc(b, '\n');
	}
}

/* The job analysis.* of cfg describes, on cohorts def. */
static void job_from_config(const gx_config *cfg, an_job *job)
{
	memset(job, 0, sizeof(*job));
	job->method = !strcmp(cfg->corr_method, "spearman") ? GX_CORR_SPEARMAN : GX_CORR_PEARSON;
	job->top_k = (size_t)cfg->corr_top_k;
	job->min_abs_r = cfg->corr_min_abs_r;
	job->budget = (size_t)cfg->analysis_memory_mb << 20;
	job->threads = cfg->analysis_threads;
	job->compare = cfg->compare;
	job->n_compare = cfg->n_compare;
}

int pipe_feed_begin(pipe *p, gx_err *err)
{
	int32_t *keys;
	unsigned char *sparse;
	size_t i;
	int rc;

	if (!on(p->cfg->correlate_after_load) && !on(p->cfg->differential_after_load))
		return 0;
	for (i = 0; i < p->n_samples; i++)
		if (!p->samples[i].want)
			return 0; /* its facts stand: only the database has them */
	keys = gx_calloc(p->n_samples + 1, sizeof(*keys));
	sparse = gx_calloc(p->n_samples + 1, 1);
	if (!keys || !sparse) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	} else {
		for (i = 0; i < p->n_samples; i++) {
			keys[i] = p->samples[i].key;
			sparse[i] = (unsigned char)(p->samples[i].sparse != 0);
		}
		/* the matrices' genes are resolved before a scan that writes facts */
		rc = pipe_feed_new(p->n_samples, keys, sparse, p->gene_keys.n, &p->feed, err);
	}
	gx_free(keys);
	gx_free(sparse);
	return rc;
}

/* The load's feed when it holds every fact the run wrote (a full load's are every fact
 * of the study), else NULL: the analysis reads the facts. */
static pipe_feed *whole_feed(const pipe *p)
{
	if (!p->feed)
		return NULL;
	if (pipe_feed_cells(p->feed) == (uint64_t)p->res->counts.rows_inserted)
		return p->feed;
	gx_log(GX_LOG_WARNING, "analyze", "the load's scan fed %llu values, not the %lld it "
	       "wrote: the analysis reads them from the database",
	       (unsigned long long)pipe_feed_cells(p->feed), (long long)p->res->counts.rows_inserted);
	return NULL;
}

int pipe_analyze_after_load(pipe *p, gx_err *err)
{
	an_job job;
	an_out out;
	int rc;

	job_from_config(p->cfg, &job);
	job.def = p->cdef;
	job.stored_def = p->cdef.text; /* dim_sample.cohort was written in this transaction */
	job.correlate = on(p->cfg->correlate_after_load);
	job.differential = on(p->cfg->differential_after_load);
	job.replace_all = 1;
	job.feed = whole_feed(p);
	memset(&out, 0, sizeof(out));
	if ((job.correlate || job.differential) &&
	    (rc = an_compute(p->s, p->study_key, &job, &out, err))) {
		an_out_release(&out);
		return rc;
	}
	rc = an_write(p->s, p->study_key, &job, &out, err);
	if (!rc && (job.correlate || job.differential))
		gx_log(GX_LOG_INFO, "analyze", "after the load: %zu cohort(s) correlated, %llu pairs "
		       "kept; %zu comparison(s); %lld rows in %.3f s", out.correlated,
		       (unsigned long long)out.pairs_kept, out.compared, (long long)out.rows,
		       out.read_s + out.corr_s + out.diff_s);
	an_out_release(&out);
	return rc;
}

/* ---- gxload analyze ---- */

typedef struct arun {
	gx_sink *s;
	const gx_config *cfg;
	const char *acc;
	long run_id;
	gx_run_log *rlog;
	gx_study_lock lock;
} arun;

static int job_from_opts(const gx_config *cfg, const gx_analyze_opts *o, const char *stored,
                         an_job *job, gx_err *err)
{
	int rc;

	job_from_config(cfg, job);
	if ((rc = gx_cohort_def_parse(o->cohort_by ? o->cohort_by : stored, &job->def, err))) {
		if (o->cohort_by) /* the command line's */
			err->code = GX_E_USAGE;
		return o->cohort_by ? -GX_E_USAGE : rc;
	}
	job->stored_def = stored;
	job->only_cohort = o->cohort;
	job->correlate = o->correlate;
	job->differential = o->differential;
	if (o->method) {
		if (strcmp(o->method, "pearson") && strcmp(o->method, "spearman"))
			return gx_err_set(err, GX_E_USAGE, "--method '%s' is not pearson or spearman",
			                  o->method);
		job->method = !strcmp(o->method, "spearman") ? GX_CORR_SPEARMAN : GX_CORR_PEARSON;
	}
	if (o->top_k >= 0)
		job->top_k = (size_t)o->top_k;
	if (!isnan(o->min_abs_r))
		job->min_abs_r = o->min_abs_r;
	job->genes_file = o->genes_file;
	if (o->n_compare) {
		job->compare = o->compare;
		job->n_compare = o->n_compare;
		job->compare_strict = 1;
	}
	return 0;
}

static void fill_result(gx_analyze_result *res, const an_out *out)
{
	res->n_cohorts = out->n_cohorts;
	res->n_genes = out->n_genes;
	res->n_samples = out->n_samples;
	res->correlated = out->correlated;
	res->compared = out->compared;
	res->pairs_tested = out->pairs_tested;
	res->pairs_kept = out->pairs_kept;
	res->rows = out->rows;
	res->read_s = out->read_s;
	res->corr_s = out->corr_s;
	res->diff_s = out->diff_s;
	res->peak_bytes = out->peak_bytes;
	res->threads = out->threads;
}

/* Under the lock, with the run row: compute, then write in one transaction. */
static int analyze_locked(arun *a, const gx_analyze_opts *opts, gx_analyze_result *res,
                          gx_err *err)
{
	char stored[256];
	int32_t key;
	an_job job;
	an_out out;
	gx_run_counts counts;
	int rc;

	memset(&out, 0, sizeof(out));
	memset(&counts, 0, sizeof(counts));
	if ((rc = gx_an_study(a->s, a->acc, &key, stored, err)))
		return rc;
	if (!stored[0])
		return gx_err_set(err, GX_E_NO_STUDY, "study '%s' was loaded before its cohorts were "
		                  "stored: load it again ('gxload load %s') to analyze it", a->acc,
		                  a->acc);
	if ((rc = job_from_opts(a->cfg, opts, stored, &job, err)) ||
	    (rc = an_compute(a->s, key, &job, &out, err)))
		goto out;
	fill_result(res, &out);
	counts.rows_inserted = out.rows;
	if ((rc = gx_sink_begin(a->s, err)))
		goto out;
	gx_test_point("begin");
	if ((rc = an_write(a->s, key, &job, &out, err)) ||
	    (rc = gx_meta_run_finish(a->s, a->run_id, "succeeded", "analysis", &counts, NULL,
	                             err)))
		goto out;
	gx_test_point("commit");
	rc = gx_sink_commit(a->s, err);
out:
	an_out_release(&out);
	return rc;
}

int gx_pipeline_analyze(gx_sink *s, const gx_config *cfg, const char *accession,
                        const gx_analyze_opts *opts, gx_analyze_result *res, gx_err *err)
{
	arun a;
	double t0 = gx_mono();
	int rc;

	memset(&a, 0, sizeof(a));
	memset(res, 0, sizeof(*res));
	snprintf(res->status, sizeof(res->status), "failed");
	a.s = s;
	a.cfg = cfg;
	a.acc = accession;
	gx_log_set_context(0, accession);
	if ((rc = gx_accession_check(accession, err)) ||
	    (rc = gx_study_lock_acquire(&a.lock, s, cfg, accession, err)))
		goto out;
	gx_test_point("locked");
	if ((rc = gx_meta_run_start(s, accession, "analyze", 0, 0, &a.run_id, err)))
		goto out;
	res->run_id = a.run_id;
	gx_sink_set_run(s, a.run_id, NULL);
	gx_log_set_context(a.run_id, accession);
	if ((a.rlog = gx_run_log_new()) != NULL)
		gx_log_set_hook(gx_run_log_hook, a.rlog);
	if (!(rc = analyze_locked(&a, opts, res, err)))
		snprintf(res->status, sizeof(res->status), "succeeded");
out:
	if (rc) {
		gx_err e2;
		gx_run_counts none;

		gx_sink_rollback(s);
		memset(&none, 0, sizeof(none));
		gx_err_clear(&e2);
		snprintf(res->status, sizeof(res->status), "%s",
		         err->code == GX_E_INTERRUPTED ? "aborted" : "failed");
		if (a.run_id)
			gx_log_err(GX_LOG_ERROR, "analyze", err);
		if (a.run_id && gx_meta_run_finish(s, a.run_id, res->status, "analysis", &none, err,
		                                   &e2))
			gx_log_err(GX_LOG_WARNING, "meta", &e2);
	}
	res->seconds = gx_mono() - t0;
	gx_log_set_hook(NULL, NULL);
	if (a.rlog && a.run_id) {
		gx_err e2;

		gx_err_clear(&e2);
		if (gx_run_log_flush(a.rlog, s, a.run_id, &e2))
			gx_log_err(GX_LOG_WARNING, "meta", &e2);
	}
	gx_run_log_free(a.rlog);
	gx_study_lock_release(&a.lock);
	gx_log_set_context(0, NULL);
	return rc;
}
