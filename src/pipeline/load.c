/*
 * load.c - the load stage: one transaction that publishes a run (see run.h).
 *
 * In order: the study's, the rules' and the samples' dimension rows (each rewritten only
 * when its content hash changed, load/dims.h), vanished samples removed, then - when the
 * matrix is read - the changed samples' facts deleted and the new ones streamed through
 * the sink's writer (pipe_scan_all), digests, the study's totals and source files, the
 * cohort statistics, the checks (checks.c), and the run marked succeeded.  A failure
 * anywhere rolls all of it back.
 * Invariant: nothing of the study is written outside this transaction.
 * Does not: write SQL (load/ does), or decide what to write (pipeline.c plans it).
 */
#include "pipeline/run.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"
#include "load/cohort_store.h"

#include <stdio.h>
#include <string.h>

static const char *field(const pipe *p, const sample *sm, gx_meta_col c)
{
	return p->md && sm->row ? gx_metadata_get(p->md, sm->row, c) : NULL;
}

/* The technology shared by every sample's platform, or NULL when unknown or mixed. */
static const char *samples_technology(const pipe *p)
{
	const char *t = NULL;
	size_t i;

	for (i = 0; i < p->n_samples; i++) {
		const char *s = plat_of(p, &p->samples[i])->technology;
		if (!s || !strcmp(s, "UNKNOWN") || (t && strcmp(t, s)))
			return NULL;
		t = s;
	}
	return t;
}

/* The study's organism and source database: aggregated_metadata.json's, else the
 * first sample's that has one. */
static const char *study_organism(const pipe *p, const char **srcdb_out)
{
	const gx_study_meta *sm = p->sm;
	const char *organism = sm ? sm->organism : NULL;
	const char *srcdb = sm ? sm->source_database : NULL;
	size_t i;

	for (i = 0; i < p->n_samples && (!organism || !srcdb); i++) {
		const char *o = field(p, &p->samples[i], GX_COL_ORGANISM);
		const char *d = field(p, &p->samples[i], GX_COL_SOURCE_DB);
		if (!organism && o)
			organism = o;
		if (!srcdb && d)
			srcdb = d;
	}
	if (srcdb_out)
		*srcdb_out = srcdb;
	return organism;
}

static int upsert_study(pipe *p, gx_err *err)
{
	const gx_study_meta *sm = p->sm;
	const char *srcdb = NULL;
	const char *organism = study_organism(p, &srcdb);
	gx_dim_study row;

	row.accession = p->acc;
	row.title = sm ? sm->title : NULL;
	row.description = sm ? sm->description : NULL;
	row.technology = sm && sm->technology ? sm->technology : samples_technology(p);
	row.organism = organism;
	row.source_database = srcdb;
	row.metadata = sm ? sm->experiment_json : NULL;
	gx_organism_key(organism, p->organism, sizeof(p->organism)); /* its genes' namespace */
	return gx_dim_study_upsert(p->s, &row, &p->study_key, err);
}

static int upsert_platform(pipe *p, const char *code, const char *acc, const char *name,
                           const char *manufacturer, const char *technology,
                           const char *const *accs, size_t n_accs, int known, gx_err *err)
{
	gx_dim_platform d;

	d.code = code;
	d.accession = acc;
	d.name = name;
	d.manufacturer = manufacturer;
	d.technology = technology;
	d.accessions = accs;
	d.n_accessions = n_accs;
	d.known = known;
	return gx_dim_platform_upsert(p->s, &d, err);
}

/*
 * dim_illness and dim_platform from the rules: every category, every known platform,
 * and the platforms samples were seen on that the table does not know.  A row changes
 * only when its content hash does.
 */
static int upsert_rule_dims(pipe *p, gx_err *err)
{
	const gx_rulebook *rb = p->opts->rules;
	char now[32];
	size_t i;
	int rc;

	gx_sink_now(now);
	for (i = 0; i < gx_illness_category_count(rb->illness); i++) {
		const gx_illness_category *c = gx_illness_category_at(rb->illness, i);
		if ((rc = gx_dim_illness_upsert(p->s, c->code, c->label, c->description, now, err)))
			return rc;
	}
	for (i = 0; i < gx_platforms_count(rb->platforms); i++) {
		const gx_platform_def *d = gx_platforms_at(rb->platforms, i);
		if ((rc = upsert_platform(p, d->key, d->accession, d->name, d->manufacturer,
		                          d->technology, d->accessions, d->n_accessions, 1, err)))
			return rc;
	}
	for (i = 0; i < p->n_plats; i++) {
		const gx_platform *pl = &p->plats[i];
		const char *acc = pl->accession;
		if (pl->known || !pl->key[0])
			continue;
		if ((rc = upsert_platform(p, pl->key, pl->chip_accession, pl->name[0] ? pl->name : pl->key,
		                          pl->manufacturer, pl->technology, acc[0] ? &acc : NULL,
		                          acc[0] ? 1 : 0, 0, err)))
			return rc;
	}
	if ((rc = gx_dim_illness_keys(p->s, &p->illness_keys, err)))
		return rc;
	return gx_dim_platform_keys(p->s, &p->platform_keys, err);
}

static const char *illness_source_name(gx_illness_source s)
{
	switch (s) {
	case GX_ILLNESS_RULE: return "rule";
	case GX_ILLNESS_STUDY_OVERRIDE: return "study_override";
	case GX_ILLNESS_SAMPLE_OVERRIDE: return "sample_override";
	case GX_ILLNESS_DEFAULT: break;
	}
	return "default";
}

static int upsert_samples(pipe *p, long *meta_changed, gx_err *err)
{
	char now[32];
	size_t i;
	int rc;

	*meta_changed = 0;
	gx_sink_now(now);
	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		const gx_platform *pl = plat_of(p, sm);
		const gx_illness_label *ill = ill_of(p, sm);
		gx_dim_sample d;
		gx_buf ev = { 0 };
		int32_t key = 0;
		if (sm->existed && !strcmp(sm->content_hash, sm->old_content_hash))
			continue; /* the row is this sample's already (the upsert would not change it) */
		if (!sm->meta_json && (rc = pipe_sample_json(p, sm, err)))
			return rc;
		d.study_key = p->study_key;
		d.accession = sm->accession;
		d.column_name = sm->column;
		d.title = field(p, sm, GX_COL_TITLE);
		d.platform_raw = field(p, sm, GX_COL_PLATFORM);
		d.organism = field(p, sm, GX_COL_ORGANISM);
		d.disease_raw = field(p, sm, GX_COL_DISEASE);
		d.source_database = field(p, sm, GX_COL_SOURCE_DB);
		d.metadata = sm->meta_json;
		d.content_hash = sm->content_hash;
		d.illness_key = gx_code_keys_find(p->illness_keys, ill->code);
		d.illness_source = illness_source_name(ill->source);
		d.illness_rule_id = ill->decided_by;
		d.illness_confidence = ill->confidence;
		d.illness_field = ill->field[0] ? ill->field : NULL;
		d.illness_matched_text = ill->text[0] ? ill->text : NULL;
		d.platform_key = pl->key[0] ? gx_code_keys_find(p->platform_keys, pl->key) : NULL;
		d.platform_accession = pl->accession[0] ? pl->accession : NULL;
		d.platform_rule_id = pl->rule_id[0] ? pl->rule_id : NULL;
		d.cohort = sm->cohort;
		d.sparse = sm->sparse;
		/* the label's evidence chain next to it (rules explain reads it back) */
		if (gx_illness_label_json(ill, &ev) < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		} else {
			d.illness_evidence = gx_buf_cstr(&ev);
			rc = gx_dim_sample_upsert(p->s, &d, now, &key, err);
		}
		gx_buf_release(&ev);
		gx_free(sm->meta_json); /* written: not needed again (memory is per sample) */
		sm->meta_json = NULL;
		if (rc)
			return rc;
		if (key) {
			sm->key = key;
			if (sm->existed)
				(*meta_changed)++;
		}
	}
	return 0;
}

static int remove_vanished(pipe *p, gx_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < p->n_gone; i++) {
		int32_t key = p->gone[i].key;
		int64_t deleted = 0;
		/* a sharded study's facts are replaced whole by this run (plan) */
		if (!p->sharded &&
		    (rc = gx_sink_delete_samples(p->s, p->study_key, 1, &key, &deleted, err)))
			return rc;
		p->res->counts.rows_deleted += deleted;
		if ((rc = gx_dim_sample_delete(p->s, key, err)))
			return rc;
	}
	return 0;
}

/*
 * A partial run on a backend that keeps a gene-major copy in blocks of sample keys
 * (gx_sink_sample_block): each block with a rewritten, new or vanished sample is written
 * again whole, so its unchanged samples are read again as tiles.
 */
static int mark_tiles(pipe *p, gx_err *err)
{
	int32_t bs = (int32_t)gx_sink_sample_block(p->s);
	gx_hset blocks = { 0 };
	size_t i;
	int rc = 0;

	if (bs <= 0)
		return 0;
	for (i = 0; i < p->n_samples && !rc; i++)
		if (p->samples[i].want &&
		    gx_hset_put(&blocks, (uint64_t)(p->samples[i].key / bs) + 1, 0, NULL) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < p->n_gone && !rc; i++)
		if (gx_hset_put(&blocks, (uint64_t)(p->gone[i].key / bs) + 1, 0, NULL) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < p->n_samples && !rc; i++) {
		sample *sm = &p->samples[i];
		sm->tile = !sm->want && gx_hset_get(&blocks, (uint64_t)(sm->key / bs) + 1, NULL);
	}
	gx_hset_release(&blocks);
	return rc;
}

static int save_digests(pipe *p, long run_id, gx_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		if (sm->want && (rc = gx_dim_sample_digest(p->s, sm->key, sm->digest, sm->n_values,
		                                            run_id, err)))
			return rc;
	}
	return 0;
}

static int finish_study(pipe *p, int facts_written, gx_err *err)
{
	return gx_dim_study_finish(p->s, p->study_key, p->fingerprint, p->facts_fp,
	                           p->opts->rules->hash, p->cdef.text,
	                           facts_written ? (p->linear ? "linear" : "log2") : NULL,
	                           p->res->n_genes, err);
}

static int same_cohort(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * Whether a partial run changed what cohort 'label' aggregates: a rewritten or new
 * sample in it, a sample that moved into or out of it, or a vanished sample of it.  Its
 * rows are rewritten then; the others are kept.
 */
static int cohort_changed(const pipe *p, const char *label)
{
	size_t i;

	for (i = 0; i < p->n_samples; i++) {
		const sample *sm = &p->samples[i];
		int in_now = same_cohort(sm->cohort, label), in_old = same_cohort(sm->old_cohort, label);
		if ((in_now || in_old) && (sm->want || !sm->existed || in_now != in_old))
			return 1;
	}
	for (i = 0; i < p->n_gone; i++)
		if (same_cohort(p->gone[i].cohort, label))
			return 1;
	return 0;
}

/*
 * The study's cohort statistics, always from the loader's accumulator: from the scan
 * when one saw every sample, else (a run that wrote no facts: relabelled samples, a new
 * cohort definition) from a scan of the matrices for the cohorts alone - the facts of a
 * sparse matrix lack its zeros, and the same scan as a clean load's gives the same rows
 * bit for bit.  A partial run rewrites only the cohorts it changed (cohort_changed), and
 * every cohort when the definition changed.
 */
static int store_cohorts(pipe *p, int mode_full, gx_err *err)
{
	const gx_cohort_acc *a = p->cohort;
	const char **ill;
	unsigned char *changed = NULL;
	int32_t *rank;
	size_t i;
	int rc;

	if (!p->cohort_done) {
		double t0 = gx_mono();

		p->linear = !strcmp(p->old_scale, "linear"); /* the facts' scale: they stand */
		if ((rc = pipe_pre_resolve_genes(p, err)) || (rc = pipe_scan_cohorts(p, err)))
			return rc;
		mode_full = 1;
		gx_log(GX_LOG_INFO, "load", "cohort statistics: the matrices read again (no facts "
		       "written) in %.3f s", gx_mono() - t0);
	}
	if (strcmp(p->old_cohort_by, p->cdef.text))
		mode_full = 1;
	ill = gx_calloc(a->n_cohorts ? a->n_cohorts : 1, sizeof(*ill));
	rank = gx_calloc(a->n_genes * a->n_cohorts + 1, sizeof(*rank));
	if (!ill || !rank || (!mode_full && !(changed = gx_calloc(a->n_cohorts + 1, 1)))) {
		gx_free(ill);
		gx_free(rank);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < a->n_cohorts; i++) {
		if (p->cdef.kind == GX_COHORT_ILLNESS)
			ill[i] = gx_code_keys_find(p->illness_keys, a->codes[i]);
		if (changed)
			changed[i] = (unsigned char)cohort_changed(p, a->codes[i]);
	}
	if (!(rc = gx_cohort_rank(a, p->cfg, rank, err)))
		rc = gx_cohort_store(p->s, p->study_key, a, rank, &p->gene_keys, p->cdef.text, ill,
		                     changed, NULL, err);
	gx_free(changed);
	gx_free(rank);
	gx_free(ill);
	return rc;
}

int pipe_load_tx(pipe *p, long run_id, int mode_full, int write_facts, gx_err *err)
{
	double t0 = gx_mono();
	gx_fact_writer *w = NULL;
	long meta_changed = 0;
	size_t i, nchg = 0;
	int32_t *keys = NULL;
	int rc;

	/* a resumable load's genes are committed first: the keys its chunks carry must
	 * outlive a kill (resume.c) */
	if (p->ckpt) {
		gx_organism_key(study_organism(p, NULL), p->organism, sizeof(p->organism));
		if ((rc = pipe_pre_resolve_genes(p, err)))
			return rc;
	}
	if ((rc = gx_sink_begin(p->s, err)))
		return rc;
	gx_test_point("begin");
	if ((p->ckpt && (rc = gx_ckpt_claim_keys(p->s, p->ckpt, err))) ||
	    (rc = upsert_study(p, err)) || (rc = upsert_rule_dims(p, err)) ||
	    (rc = upsert_samples(p, &meta_changed, err)) || (rc = pipe_resume_samples(p, err)) ||
	    (rc = remove_vanished(p, err)) || (rc = pipe_validate_begin(p, err)))
		goto fail;
	pipe_step_time("dimensions", &t0);
	p->res->counts.samples_changed = (long)p->n_gone;
	if (write_facts) {
		/* genes first: a backend may use their keys to find the changed samples' rows */
		if ((rc = pipe_pre_resolve_genes(p, err)))
			goto fail;
		if (!mode_full) {
			int64_t deleted = 0;
			keys = gx_calloc(p->n_samples ? p->n_samples : 1, sizeof(*keys));
			if (!keys) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				goto fail;
			}
			for (i = 0; i < p->n_samples; i++)
				if (p->samples[i].want && p->samples[i].existed)
					keys[nchg++] = p->samples[i].key;
			if ((rc = gx_sink_delete_samples(p->s, p->study_key, nchg, keys, &deleted, err)) ||
			    (rc = mark_tiles(p, err)))
				goto fail;
			p->res->counts.rows_deleted += deleted;
			pipe_step_time("changed samples' rows deleted", &t0);
		} else {
			/* the old facts are replaced whole (vanished samples' rows included) */
			p->res->counts.rows_deleted = p->old_n_values;
		}
		gx_sink_set_ckpt(p->s, p->ckpt);
		rc = gx_sink_facts_begin(p->s, p->study_key,
		                         mode_full ? GX_FACTS_REPLACE : GX_FACTS_APPEND, &w, err);
		gx_sink_set_ckpt(p->s, NULL);
		if (rc)
			goto fail;
		/* the bar stays until the commit, naming each step after the rows */
		gx_progress_begin(&p->prog, p->opts->show_progress, p->acc, p->bytes_total);
		if ((rc = pipe_feed_begin(p, err)) || (rc = pipe_scan_all(p, w, err)) ||
		    (p->feed && (rc = pipe_feed_end(p->feed, err))))
			goto fail;
		pipe_step_time("facts scanned and streamed", &t0);
		gx_progress_phase(&p->prog, "keys and swap");
		gx_test_point("swap");
		rc = gx_sink_facts_finish(w, err);
		w = NULL;
		if (rc || (p->ckpt && (rc = gx_ckpt_done(p->s, p->ckpt, err))))
			goto fail;
		pipe_step_time("facts finished (keys, swap)", &t0);
		for (i = 0; i < p->n_samples; i++)
			p->res->counts.samples_changed += p->samples[i].want;
		gx_progress_phase(&p->prog, "digests and files");
		if ((rc = save_digests(p, run_id, err)))
			goto fail;
	}
	p->res->counts.samples_changed += write_facts ? 0 : meta_changed;
	if ((rc = finish_study(p, write_facts, err)) ||
	    (rc = gx_meta_files_save(p->s, p->study_key, run_id, p->files, err)))
		goto fail;
	pipe_step_time("digests, study and files", &t0);
	gx_progress_phase(&p->prog, "cohort statistics");
	if ((rc = store_cohorts(p, mode_full, err)))
		goto fail;
	pipe_step_time("cohort statistics", &t0);
	if ((rc = pipe_features(p, write_facts, err)) || (rc = pipe_analyze_after_load(p, err)))
		goto fail;
	pipe_feed_free(p->feed);
	p->feed = NULL;
	pipe_step_time("features and analysis", &t0);
	gx_progress_phase(&p->prog, "validation");
	if ((rc = pipe_checks_finish(p, run_id, err)))
		goto fail;
	pipe_step_time("validation", &t0);
	if ((rc = gx_check_interrupt(err)) || (rc = gx_sink_statistics(p->s, err)))
		goto fail;
	if ((rc = gx_meta_run_finish(p->s, run_id, "succeeded", p->res->mode, &p->res->counts,
	                             NULL, err)))
		goto fail;
	gx_progress_phase(&p->prog, "commit");
	gx_test_point("commit");
	rc = gx_sink_commit(p->s, err);
	gx_progress_end(&p->prog);
	if (!rc)
		gx_test_point("committed");
	pipe_step_time("commit", &t0);
	gx_free(keys);
	return rc;
fail:
	pipe_feed_free(p->feed);
	p->feed = NULL;
	gx_sink_facts_abort(w);
	gx_progress_end(&p->prog);
	gx_sink_rollback(p->s);
	gx_free(keys);
	return rc;
}
