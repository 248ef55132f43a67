/*
 * pipeline.c - one study end to end (see pipeline.h): the orchestration.
 *
 * A run, in order: the study's lock, its 'running' row, the files resolved and hashed
 * and the run skipped when their fingerprint is unchanged, the metadata read, the
 * samples built and labelled (pipeline/samples.c), the plan (everything, only the
 * changed samples, or only the dimensions; a digest pass over a changed matrix decides,
 * pipeline/scan.c), and the load transaction (pipeline/load.c, which ends with the
 * checks, pipeline/checks.c).  Every failure goes to the one cleanup label, which rolls
 * back and records the run as failed (or aborted, after a signal).
 *
 * Invariants:
 *   - nothing is written to the study's dimensions or facts outside the one load
 *     transaction, which also marks the run 'succeeded'; the run's 'running' row and its
 *     log rows are the only writes outside it;
 *   - the input fingerprint (file hashes, hash version, settings that change the loaded
 *     values) is stored only on success, so "fingerprint unchanged" means "already
 *     loaded from exactly these inputs": such a run is recorded as skipped and parses
 *     nothing; its part that decides the facts (matrix files, na_values, scale settings,
 *     hash version) is stored apart, and only a run that leaves it unchanged may skip
 *     the facts (a metadata-only run);
 *   - per-sample digests (core/hash.h) decide which samples changed: a changed matrix
 *     rewrites only new and changed samples and removes vanished ones, unless more than
 *     load.full_reload_fraction of them changed, then the study is rebuilt whole;
 *   - memory is O(samples) plus one batch of cells and one batch of facts.
 *   - every sample is labelled (illness) and its platform normalized by the rule engines
 *     (transform/); the rules' hash is part of the input fingerprint, so changed rules
 *     relabel a study's samples without touching its facts.
 *   - validation (transform/validate.h) sees every batch of the facts scan and judges
 *     the study in the load transaction, before the run is marked succeeded: a FAIL
 *     rolls everything back; the cohort statistics (analyze/cohort.h) are rewritten in
 *     the same transaction.
 * Does not: detect structural errors itself (the readers do), judge the data (the
 * validation stage does), or know SQL (load/ does).
 */
#include "pipeline.h"
#include "pipeline/run.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/retry.h"
#include "core/testhook.h"
#include "extract/metadata.h"
#include "extract/study.h"

#include <stdio.h>
#include <string.h>

/* ---- plan: what the database holds, what changed ---- */

static int read_state(pipe *p, gx_err *err)
{
	gx_study_state st;
	int rc;

	if ((rc = gx_dim_study_state(p->s, p->acc, &st, err)))
		return rc;
	p->study_key = st.study_key;
	memcpy(p->old_fingerprint, st.fingerprint, sizeof(p->old_fingerprint));
	p->old_n_values = st.n_values;
	memcpy(p->old_scale, st.value_scale, sizeof(p->old_scale));
	memcpy(p->old_facts_fp, st.facts_fp, sizeof(p->old_facts_fp));
	snprintf(p->old_cohort_by, sizeof(p->old_cohort_by), "%s", st.cohort_by);
	memcpy(p->old_features_hash, st.features_hash, sizeof(p->old_features_hash));
	return 0;
}

/* Existing samples of the study: keys, digests, counts; the vanished ones in p->gone. */
static int read_samples(pipe *p, gx_err *err)
{
	gx_stored_sample *r = NULL;
	size_t i, j, nr = 0;
	int rc;

	if (!p->study_key)
		return 0;
	if ((rc = gx_dim_samples_read(p->s, p->study_key, &r, &nr, err)))
		return rc;
	if (!(p->gone = gx_calloc(nr + 1, sizeof(*p->gone)))) {
		gx_stored_samples_free(r, nr);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (j = 0; j < nr; j++) {
		int found = 0;
		for (i = 0; i < p->n_samples; i++) {
			sample *sm = &p->samples[i];
			if (strcmp(sm->accession, r[j].accession))
				continue;
			found = 1;
			sm->existed = 1;
			sm->key = r[j].key;
			memcpy(sm->old_digest, r[j].digest, sizeof(sm->old_digest));
			sm->old_n_values = r[j].n_values;
			sm->old_cohort = r[j].cohort; /* taken over */
			r[j].cohort = NULL;
			memcpy(sm->old_content_hash, r[j].content_hash, sizeof(sm->old_content_hash));
			break;
		}
		if (!found) {
			p->gone[p->n_gone].key = r[j].key;
			p->gone[p->n_gone].cohort = r[j].cohort; /* taken over */
			r[j].cohort = NULL;
			p->n_gone++;
		}
	}
	gx_stored_samples_free(r, nr);
	return 0;
}

/* genes.duplicates, unless it is the default (suffix): a study without repeated ids
 * loads the same under every policy, and studies loaded before the setting existed
 * (when repeats were refused) keep their fingerprints */
static void dup_setting(const pipe *p, gx_buf *b)
{
	if (strcmp(p->cfg->genes_duplicates, "suffix"))
		gx_buf_printf(b, "\ngenes.duplicates=%s", p->cfg->genes_duplicates);
}

/*
 * The input fingerprint (every file, the rules, the settings that change stored rows)
 * and its part that decides the facts: the matrix files, the hash version (digests) and
 * the settings that change values, missing cells or log2 values.  Not in either: limits
 * that only accept or refuse an input (extract.max_field_bytes), validation.* (they judge
 * a run), load.*, log.*, and the backends' tuning.
 */
static void fingerprint(pipe *p)
{
	gx_buf b = { 0 };
	size_t i;

	gx_buf_printf(&b, "gxload-facts v1\nhash_version=%d\n", GX_HASH_VERSION);
	for (i = 0; i < p->files->n; i++)
		if (!strcmp(p->files->files[i].role, "matrix"))
			gx_buf_printf(&b, "file %s %s\n", p->files->files[i].name, p->files->files[i].hash);
	gx_buf_printf(&b, "value_scale=%s linear_threshold=%.17g probe_rows=%ld\nna_values=",
	              p->cfg->value_scale, p->cfg->linear_threshold, p->cfg->scale_probe_rows);
	for (i = 0; i < p->cfg->n_na_values; i++)
		gx_buf_printf(&b, "[%s]", p->cfg->na_values[i]);
	dup_setting(p, &b);
	gx_hash128_hex(gx_hash_bytes(b.data ? b.data : "", b.len), p->facts_fp);
	gx_buf_reset(&b);

	gx_buf_printf(&b, "gxload-input v1\nhash_version=%d\nrules=%s\n", GX_HASH_VERSION,
	              p->opts->rules->hash);
	for (i = 0; i < p->files->n; i++)
		gx_buf_printf(&b, "file %s %s %s\n", p->files->files[i].role, p->files->files[i].name,
		              p->files->files[i].hash);
	gx_buf_printf(&b, "value_scale=%s linear_threshold=%.17g probe_rows=%ld\nna_values=",
	              p->cfg->value_scale, p->cfg->linear_threshold, p->cfg->scale_probe_rows);
	for (i = 0; i < p->cfg->n_na_values; i++)
		gx_buf_printf(&b, "[%s]", p->cfg->na_values[i]);
	dup_setting(p, &b);
	gx_buf_printf(&b, "\npair_top_n=%ld pair_min_stddev=%.17g pair_min_samples=%ld\n",
	              p->cfg->pair_top_n, p->cfg->pair_min_stddev, p->cfg->pair_min_samples);
	pipe_analysis_fingerprint(p, &b);
	gx_hash128_hex(gx_hash_bytes(b.data ? b.data : "", b.len), p->fingerprint);
	gx_buf_release(&b);
}

/* Decide the mode and which samples to write; runs the digest pass when needed. */
static int plan(pipe *p, int *mode_full, int *write_facts, gx_err *err)
{
	size_t i, changed = 0;
	int rc;

	*write_facts = 1;
	*mode_full = 1;
	/* a study on a shard is replaced whole: its facts there are never changed in place,
	 * so the coordinator's commit alone publishes a run (docs/SHARDS.md) */
	if (p->study_key && (rc = gx_sink_study_sharded(p->s, p->acc, &p->sharded, err)))
		return rc;
	/* the same matrices read with the same settings: the facts stand as they are */
	if (!p->opts->force && !strcmp(p->facts_fp, p->old_facts_fp) && p->old_n_values > 0) {
		int all_known = 1;
		for (i = 0; i < p->n_samples; i++)
			all_known &= p->samples[i].existed;
		if (all_known) {
			*write_facts = 0;
			*mode_full = 0;
			snprintf(p->res->mode, sizeof(p->res->mode), "metadata");
			return 0;
		}
	}
	for (i = 0; i < p->n_samples; i++)
		p->samples[i].want = 1;
	if (p->opts->force || !p->study_key || p->old_n_values == 0) {
		snprintf(p->res->mode, sizeof(p->res->mode), "full");
		return 0;
	}
	/* a scale other than the study's changes every log2_value */
	if ((rc = pipe_detect_scale(p, err)))
		return rc;
	if (p->old_scale[0] && strcmp(p->old_scale, p->linear ? "linear" : "log2")) {
		gx_log(GX_LOG_INFO, "transform", "value scale changed from %s to %s: every sample "
		       "is rewritten", p->old_scale, p->linear ? "linear" : "log2");
		snprintf(p->res->mode, sizeof(p->res->mode), "full");
		return 0;
	}
	/* pass 1: digests of every sample, compared with the stored ones; with the scale of
	 * a partial load, it also gathers the cohort statistics */
	gx_log(GX_LOG_INFO, "extract", "matrix or value settings changed: computing per-sample "
	       "digests");
	if ((rc = pipe_scan_all(p, NULL, err)))
		return rc;
	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		sm->want = !sm->existed || strcmp(sm->digest, sm->old_digest) ||
		           sm->n_values != sm->old_n_values;
		changed += (size_t)sm->want;
	}
	if ((double)changed > p->cfg->full_reload_fraction * (double)p->n_samples) {
		for (i = 0; i < p->n_samples; i++)
			p->samples[i].want = 1;
		snprintf(p->res->mode, sizeof(p->res->mode), "full");
	} else if (p->sharded) {
		for (i = 0; i < p->n_samples; i++)
			p->samples[i].want = 1;
		gx_log(GX_LOG_INFO, "load", "%zu of %zu samples changed; the study is on a shard "
		       "server: every sample is rewritten", changed, p->n_samples);
		snprintf(p->res->mode, sizeof(p->res->mode), "full");
	} else {
		*mode_full = 0;
		snprintf(p->res->mode, sizeof(p->res->mode), "partial");
	}
	return 0;
}

/*
 * The samples a run with this plan changes, counted as the run counts samples_changed
 * (pipeline/load.c): with facts written, the rewritten samples and the vanished ones;
 * without, the samples whose dimension row changes.  What a dry run reports.
 */
static long would_change(const pipe *p, int write_facts)
{
	size_t i;
	long n = write_facts ? (long)p->n_gone : 0;

	for (i = 0; i < p->n_samples; i++) {
		const sample *sm = &p->samples[i];
		n += write_facts ? sm->want
		                 : !sm->existed || strcmp(sm->content_hash, sm->old_content_hash);
	}
	return n;
}

/* ---- the run ---- */

static void pipe_release(pipe *p)
{
	size_t i;

	for (i = 0; i < p->n_mats; i++) {
		gx_matrix_close(p->mats ? p->mats[i] : NULL);
		if (p->col_sample)
			gx_free(p->col_sample[i]);
		if (p->dups)
			gx_dups_free(p->dups[i]);
	}
	pipe_resume_release(p);
	gx_free(p->dups);
	gx_free(p->mats);
	gx_free(p->col_sample);
	for (i = 0; i < p->n_samples; i++) {
		gx_free(p->samples[i].meta_json);
		gx_free(p->samples[i].old_cohort);
	}
	gx_free(p->samples);
	gx_metadata_free(p->md);
	gx_study_meta_free(p->sm);
	gx_hset_release(&p->gene_keys);
	gx_code_keys_free(p->illness_keys);
	gx_code_keys_free(p->platform_keys);
	for (i = 0; i < p->n_gone; i++)
		gx_free(p->gone[i].cohort);
	gx_free(p->gone);
	gx_free(p->plats);
	gx_hset_release(&p->plat_ix);
	gx_free(p->labels);
	gx_hset_release(&p->label_ix);
	gx_study_files_free(p->files);
	gx_valid_free(p->val);
	gx_cohort_acc_release(p->cohort);
	gx_free(p->cohort);
}

/* The study's files: its directory under the data root, or the one --file. */
static int study_files(pipe *p, const char *file, gx_err *err)
{
	return file ? gx_study_from_file(file, p->acc, &p->files, err)
	            : gx_study_resolve(p->cfg->data_root, p->acc, &p->files, err);
}

/* The wait before another attempt after this one failed with 'err', or -1: none is
 * made for an error that is not transient, or when the attempts are spent. */
static double retry_wait(const gx_config *cfg, int attempt, const gx_err *err)
{
	if (attempt > cfg->pg_retries || !gx_err_transient(err))
		return -1;
	return gx_retry_delay(attempt, cfg->pg_retry_max_s);
}

/* Say that the attempt failed and another follows (core/retry.h): with a run row, the
 * warning is in its process log too. */
static void log_retry(const gx_config *cfg, const gx_err *err, int attempt, double wait)
{
	gx_retry_log(err, attempt, cfg->pg_retries + 1, wait);
}

/* Insert the run's 'running' row and collect its log messages from now on. */
static int run_begin(pipe *p, const char *command, gx_err *err)
{
	int rc = gx_meta_run_start(p->s, p->acc, command, p->opts->force, 0, &p->run_id, err);

	if (rc)
		return rc;
	p->res->run_id = p->run_id;
	gx_log_set_context(p->run_id, p->acc);
	if ((p->rlog = gx_run_log_new()) != NULL)
		gx_log_set_hook(gx_run_log_hook, p->rlog);
	return 0;
}

/* The run's start, under the study's lock: its row, its validator and cohort
 * statistics, and earlier runs that never finished marked aborted. */
static int run_start(pipe *p, int attempt, gx_err *err)
{
	long stale = 0;
	int rc;

	if ((rc = run_begin(p, p->opts->file ? "load --file" : "load", err)) ||
	    (attempt > 1 && (rc = gx_meta_run_attempt(p->s, p->run_id, attempt, err))))
		return rc;
	gx_sink_set_run(p->s, p->run_id, NULL);
	if (!(p->val = gx_valid_new(p->cfg)) || !(p->cohort = gx_calloc(1, sizeof(*p->cohort))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_meta_repair_stale(p->s, p->acc, p->run_id, &stale, err)))
		return rc;
	if (stale)
		gx_log(GX_LOG_WARNING, "resolve",
		       "%ld earlier run(s) of this study ended without finishing; marked aborted",
		       stale);
	return 0;
}

/* Resolve and hash the files; *skipped = 1 (and the run recorded so) when they are the
 * ones of the study's last successful load. */
static int resolve(pipe *p, int *skipped, gx_err *err)
{
	gx_load_result *res = p->res;
	int rc;

	*skipped = 0;
	if ((rc = study_files(p, p->opts->file, err)) || (rc = gx_study_hash(p->files, err)))
		return rc;
	fingerprint(p);
	if (p->s && (rc = read_state(p, err)))
		return rc;
	if (p->opts->force || !p->study_key || strcmp(p->fingerprint, p->old_fingerprint))
		return 0;
	*skipped = 1;
	res->counts.files_skipped = (long)p->files->n;
	snprintf(res->status, sizeof(res->status), p->opts->dry_run ? "dry-run" : "skipped");
	gx_log(GX_LOG_INFO, "resolve", "unchanged since the last successful load: skipped");
	if (!p->opts->dry_run)
		rc = gx_meta_run_finish(p->s, p->run_id, "skipped", "none", &res->counts, NULL, err);
	return rc;
}

/* Extract and transform: the metadata, the samples (labelled), what the study held. */
static int read_inputs(pipe *p, gx_err *err)
{
	const gx_study_file *f;
	int rc;

	if ((f = gx_study_find(p->files, "metadata")) &&
	    (rc = gx_metadata_read(f->path, (size_t)p->cfg->max_field_bytes, &p->md, err)))
		return rc;
	if ((f = gx_study_find(p->files, "aggregated_metadata")) &&
	    (rc = gx_study_meta_read(f->path, p->acc, &p->sm, err)))
		return rc;
	if ((rc = pipe_build_samples(p, err)))
		return rc;
	return read_samples(p, err);
}

/*
 * The run failed with 'err' (its transaction rolled back): record it as failed, or
 * aborted after a signal, with what its checks found; retry_in >= 0: another attempt
 * follows.  A session the failure lost is replaced first, so that a lost connection is
 * recorded too (4003 and its SQLSTATE) instead of leaving the run 'running'.  Errors
 * here are logged.
 */
static void run_failed(pipe *p, const gx_err *err, int attempt, double retry_in)
{
	gx_load_result *res = p->res;
	const char *st = err->code == GX_E_INTERRUPTED ? "aborted" : "failed";
	gx_err e2;

	if (retry_in >= 0)
		log_retry(p->cfg, err, attempt, retry_in);
	else
		gx_log_err(GX_LOG_ERROR, p->fail_step ? p->fail_step : gx_code_stage(err->code), err);
	snprintf(res->status, sizeof(res->status), "%s", st);
	gx_err_clear(&e2);
	res->counts.rows_inserted = 0;
	res->counts.rows_deleted = 0;
	res->counts.samples_changed = 0;
	if (!gx_sink_alive(p->s) && gx_sink_reconnect(p->s, &e2)) {
		gx_log(GX_LOG_WARNING, "meta", "cannot record the run's failure (%s); the next run "
		       "of the study marks it aborted", e2.msg);
		return;
	}
	if (gx_meta_run_finish(p->s, p->run_id, st, res->mode, &res->counts, err, &e2))
		gx_log_err(GX_LOG_WARNING, "meta", &e2);
	pipe_checks_failed(p, p->run_id, err);
}

/* One attempt at a run (see gx_pipeline_load); *retry_in: retry_wait's answer when it
 * failed, else -1. */
static int load_once(gx_sink *s, const gx_config *cfg, const char *accession,
                     const gx_load_opts *opts, int attempt, gx_load_result *res,
                     double *retry_in, gx_err *err)
{
	pipe p;
	double t0 = gx_mono(), tstep = t0;
	int rc, skipped = 0, mode_full = 0, write_facts = 0;

	*retry_in = -1;
	memset(&p, 0, sizeof(p));
	memset(res, 0, sizeof(*res));
	snprintf(res->status, sizeof(res->status), "failed");
	snprintf(res->mode, sizeof(res->mode), "none");
	p.s = s;
	p.cfg = cfg;
	p.opts = opts;
	p.res = res;
	p.acc = accession;
	gx_log_set_context(0, accession);

	if ((rc = gx_accession_check(accession, err)) ||
	    (rc = gx_cohort_def_parse(opts->cohort_by ? opts->cohort_by : cfg->cohort_by, &p.cdef,
	                              err))) {
		/* an error before the lock: still leave a failed run row */
		gx_err e2;
		gx_err_clear(&e2);
		if (!opts->dry_run && s && !run_begin(&p, "load", &e2))
			p.fail_step = "resolve";
		goto out;
	}
	/* the session an earlier attempt lost: a new one (failing here is an attempt too) */
	if (s && !gx_sink_alive(s) && (rc = gx_sink_reconnect(s, err)))
		goto out;
	/* lock first: nothing is read or written before this run owns the study */
	if ((rc = gx_study_lock_acquire(&p.lock, s, cfg, accession, err)))
		goto out;
	gx_test_point("locked");
	if ((!opts->dry_run && (rc = run_start(&p, attempt, err))) ||
	    (rc = resolve(&p, &skipped, err)) || skipped)
		goto out;
	if ((rc = read_inputs(&p, err)))
		goto out;
	pipe_step_time("files hashed, metadata read, samples labelled", &tstep);
	if ((rc = plan(&p, &mode_full, &write_facts, err)))
		goto out;
	pipe_step_time("plan (digest pass when the facts may have changed)", &tstep);
	if (write_facts && mode_full && (rc = pipe_detect_scale(&p, err)))
		goto out;
	res->n_samples = (long)p.n_samples;
	if (opts->dry_run) {
		snprintf(res->status, sizeof(res->status), "dry-run");
		res->counts.samples_changed = would_change(&p, write_facts);
		goto out;
	}
	gx_log(GX_LOG_INFO, "load", "%s load of %zu samples from %zu matrix file(s)", res->mode,
	       p.n_samples, p.n_mats);
	if ((rc = pipe_resume_plan(&p, mode_full, write_facts, err)))
		goto out;
	gx_test_point("planned"); /* decided what to write, not yet writing */
	if ((rc = pipe_load_tx(&p, p.run_id, mode_full, write_facts, err)))
		goto out;
	snprintf(res->status, sizeof(res->status), "succeeded");
	/* the study as stored: a metadata-only run scanned no gene and decided no scale */
	gx_dim_study_summary(s, p.study_key, &res->n_values, &res->n_genes, res->value_scale,
	                     NULL);

out:
	if (rc) {
		gx_sink_rollback(s);
		*retry_in = !s ? -1 : retry_wait(cfg, attempt, err);
		if (p.run_id)
			run_failed(&p, err, attempt, *retry_in);
		else if (*retry_in >= 0)
			log_retry(cfg, err, attempt, *retry_in);
	}
	res->seconds = gx_mono() - t0;
	gx_log_set_hook(NULL, NULL);
	/* a failed run whose session could not be replaced has nothing to write with */
	if (p.rlog && p.run_id && (!rc || gx_sink_alive(s))) {
		gx_err e2;
		gx_err_clear(&e2);
		/* a session lost after the commit: the log goes through a new one */
		if ((gx_sink_alive(s) || !gx_sink_reconnect(s, &e2)) &&
		    gx_run_log_flush(p.rlog, s, p.run_id, &e2) && rc) {
			gx_log_err(GX_LOG_WARNING, "meta", &e2);
		} else if (e2.code) {
			/* a run that succeeded still fails (disk full: exit 74) when its log is
			 * lost: the operator must hear of it; the data it committed stays */
			*err = e2;
			gx_err_prefix(err, "the run committed, but its log could not be written");
			gx_log_err(GX_LOG_ERROR, "meta", err);
			rc = -(int)e2.code;
		}
	}
	gx_run_log_free(p.rlog);
	gx_study_lock_release(&p.lock);
	pipe_release(&p);
	gx_log_set_context(0, NULL);
	return rc;
}

int gx_pipeline_load(gx_sink *s, const gx_config *cfg, const char *accession,
                     const gx_load_opts *opts, gx_load_result *res, gx_err *err)
{
	double wait;
	int attempt, rc;

	/* each attempt a run of its own, from a clean state: see docs/ARCHITECTURE.md */
	for (attempt = 1;; attempt++) {
		rc = load_once(s, cfg, accession, opts, attempt, res, &wait, err);
		res->attempts = attempt;
		if (!rc || wait < 0)
			return rc;
		if ((rc = gx_retry_sleep(wait, err))) {
			gx_log_set_context(0, accession);
			gx_log_err(GX_LOG_ERROR, "retry", err); /* the attempt before was logged */
			gx_log_set_context(0, NULL);
			return rc;
		}
	}
}

/* ---- digests from the files alone (gxload verify) ---- */

int gx_pipeline_digests(const gx_config *cfg, const char *accession, const char *file,
                        gx_sample_digest **out, size_t *n, gx_err *err)
{
	gx_load_opts opts;
	gx_load_result res;
	const gx_study_file *f;
	gx_sample_digest *d = NULL;
	pipe p;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&p, 0, sizeof(p));
	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	p.cfg = cfg;
	p.opts = &opts; /* no rules: samples are not labelled */
	p.res = &res;
	p.acc = accession;
	if ((rc = study_files(&p, file, err)))
		goto out;
	if ((f = gx_study_find(p.files, "metadata")) &&
	    (rc = gx_metadata_read(f->path, (size_t)cfg->max_field_bytes, &p.md, err)))
		goto out;
	if ((rc = pipe_build_samples(&p, err)))
		goto out;
	for (i = 0; i < p.n_samples; i++)
		p.samples[i].want = 1;
	if ((rc = pipe_scan_all(&p, NULL, err)))
		goto out;
	if (!(d = gx_calloc(p.n_samples ? p.n_samples : 1, sizeof(*d)))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < p.n_samples; i++) {
		if (!(d[i].accession = gx_strdup(p.samples[i].accession))) {
			gx_sample_digests_free(d, i);
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		memcpy(d[i].digest, p.samples[i].digest, sizeof(d[i].digest));
		d[i].n_values = p.samples[i].n_values;
	}
	*out = d;
	*n = p.n_samples;
out:
	pipe_release(&p);
	return rc;
}

void gx_sample_digests_free(gx_sample_digest *d, size_t n)
{
	size_t i;

	for (i = 0; d && i < n; i++)
		gx_free(d[i].accession);
	gx_free(d);
}
