/*
 * checks.c - the checks stage: the run's validation (transform/validate.h) fed with the
 * study's stored figures and its judgements written (load/), see run.h.
 *
 * Validation itself neither reads nor writes the database: this file hands it what
 * dim_study and dim_sample hold (after storing the statistics the scan measured) and
 * has load/meta.h write what it decided - in the load transaction on success, in a
 * transaction of its own after a failed run's rollback.
 * Does not: judge anything itself.
 */
#include "pipeline/run.h"

#include <stdio.h>

/* Tell validation what each sample is before the facts stream (transform/validate.h). */
int pipe_validate_begin(pipe *p, gx_err *err)
{
	const char *unknown = gx_illness_default(p->opts->rules->illness);
	size_t i;
	int rc;

	if ((rc = gx_valid_begin(p->val, p->n_samples, unknown, err)))
		return rc;
	for (i = 0; i < p->n_samples; i++) {
		const sample *sm = &p->samples[i];
		gx_valid_sample(p->val, i, sm->accession, sm->want, sm->row != NULL, ill_of(p, sm)->code,
		                plat_of(p, sm)->known);
	}
	return 0;
}

/*
 * The checks stage, in the load transaction before the run is marked succeeded: store
 * the scanned samples' statistics, judge the study from its complete stored figures
 * (transform/validate.h) and write the checks, attrition and step times - or fail with
 * GX_E_VALIDATION, writing nothing, so that the whole transaction rolls back.
 */
int pipe_checks_finish(pipe *p, long run_id, gx_err *err)
{
	gx_stored_stats *stored = NULL;
	gx_run_checks rows;
	size_t i, n = 0;
	long n_genes = 0;
	int linear = 0, rc = 0;

	if (!p->val)
		return 0;
	gx_valid_loaded(p->val);
	for (i = 0; i < gx_valid_n_samples(p->val) && !rc; i++) {
		const char *acc;
		const gx_sample_stats *st = gx_valid_scanned(p->val, i, &acc);
		if (st)
			rc = gx_dim_sample_stats_save(p->s, p->study_key, acc, st, err);
	}
	if (rc || (rc = gx_dim_study_figures(p->s, p->study_key, &linear, &n_genes, err)) ||
	    (rc = gx_dim_sample_stats_read(p->s, p->study_key, &stored, &n, err)) ||
	    (rc = gx_valid_judge(p->val, run_id, p->md, p->sm, linear, n_genes, stored, n, err)))
		goto out;
	gx_valid_rows(p->val, &rows);
	rc = gx_meta_checks_write(p->s, run_id, p->acc, &rows, err);
out:
	gx_stored_stats_free(stored, n);
	return rc;
}

/*
 * After a failed run's rollback: what the rollback took back of the checks, plus a FAIL
 * row for the integrity check of a structural error, in a transaction of its own.
 * Errors are logged, not returned.
 */
void pipe_checks_failed(pipe *p, long run_id, const gx_err *failure)
{
	gx_run_checks rows;
	gx_err e;
	int rc;

	if (!p->val || !run_id || !p->s || !gx_valid_failed(p->val, failure))
		return;
	gx_err_clear(&e);
	gx_valid_rows(p->val, &rows);
	if (!(rc = gx_sink_begin(p->s, &e)) &&
	    !(rc = gx_meta_checks_write(p->s, run_id, p->acc, &rows, &e)))
		rc = gx_sink_commit(p->s, &e);
	if (rc) {
		gx_sink_rollback(p->s);
		gx_log_err(GX_LOG_WARNING, "validate", &e);
	}
}
