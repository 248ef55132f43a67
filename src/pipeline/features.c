/*
 * features.c - the per-sample features of a load (see run.h; analyze/feature.h defines
 * them, the features file lists them: analyze/feature_set.h).
 *
 * In the load transaction, after the cohort statistics: the values of the samples whose
 * values this run wrote (all of them when the study's features were computed with
 * another feature set, dim_study.features_hash) are computed from the study's facts of
 * the features' genes - a sample of a sparse matrix has a 0 for a study gene it has no
 * fact of - and replace their rows; the rows of vanished samples go.  A metadata-only
 * run computes nothing unless the feature set changed.
 * Does not: know SQL (load/analysis_store.c), or define features.
 */
#include "pipeline/run.h"
#include "pipeline/analysis.h"
#include "analyze/feature_set.h"
#include "core/hset.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

typedef struct fvals {
	gx_hset sample_ix;          /* sample key -> index into pipe's samples */
	gx_hset gene_ix;            /* gene key -> index into the set's genes */
	size_t n_genes;
	double *v;                  /* samples x set genes: log2 values */
} fvals;

static int on_facts(void *ctx, size_t n, const int32_t *smp, const int32_t *gene,
                    const double *log2, gx_err *err)
{
	fvals *f = ctx;
	size_t i;

	(void)err;
	for (i = 0; i < n; i++) {
		uint64_t si, gi;

		if (gx_hset_get(&f->sample_ix, (uint64_t)smp[i], &si) &&
		    gx_hset_get(&f->gene_ix, (uint64_t)gene[i], &gi))
			f->v[si * f->n_genes + gi] = log2[i];
	}
	return 0;
}

/* The computed samples' values of every feature, written. */
static int compute(pipe *p, const gx_feature_set *fs, const unsigned char *todo, gx_err *err)
{
	fvals f;
	int32_t *keys = gx_calloc(fs->n_genes + 1, sizeof(*keys)), *sk = NULL, *want = NULL;
	double *gv = gx_calloc(fs->n_genes + 1, sizeof(*gv)), *vals = NULL;
	const char **ids = NULL;
	size_t i, j, k, n = 0, nw = 0, cap;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.n_genes = fs->n_genes;
	cap = p->n_samples * fs->n;
	f.v = gx_calloc(p->n_samples * fs->n_genes + 1, sizeof(*f.v));
	sk = gx_calloc(cap + 1, sizeof(*sk));
	ids = gx_calloc(cap + 1, sizeof(*ids));
	vals = gx_calloc(cap + 1, sizeof(*vals));
	want = gx_calloc(fs->n_genes + 1, sizeof(*want));
	if (!keys || !gv || !f.v || !sk || !ids || !vals || !want) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = gx_an_study_gene_keys(p->s, p->study_key, fs->n_genes,
	                                 (const char *const *)fs->genes, keys, err)))
		goto out;
	for (j = 0; j < fs->n_genes && !rc; j++)
		if (keys[j] && (want[nw++] = keys[j], gx_hset_put(&f.gene_ix, (uint64_t)keys[j], j,
		                                                   NULL) < 0))
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	/* a gene of the study a sample has no fact of: 0 in a sparse matrix, else missing */
	for (i = 0; i < p->n_samples && !rc; i++) {
		for (j = 0; j < fs->n_genes; j++)
			f.v[i * fs->n_genes + j] = keys[j] && p->samples[i].sparse ? 0.0 : NAN;
		if (gx_hset_put(&f.sample_ix, (uint64_t)p->samples[i].key, i, NULL) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (rc || (nw && (rc = gx_an_facts_scan(p->s, p->study_key, nw, want, on_facts, &f, err))))
		goto out;
	for (i = 0; i < p->n_samples; i++) {
		if (!todo[i])
			continue;
		for (k = 0; k < fs->n; k++) {
			const gx_feature *ft = &fs->f[k];
			double v;

			for (j = 0; j < ft->n_genes; j++)
				gv[j] = f.v[i * fs->n_genes + (size_t)gx_feature_set_gene(fs, ft->genes[j])];
			if (!isfinite(v = gx_feature_value(ft, gv)))
				continue;
			sk[n] = p->samples[i].key;
			ids[n] = ft->id;
			vals[n++] = v;
		}
	}
	rc = gx_an_features_write(p->s, p->study_key, n, ids, sk, vals, err);
out:
	gx_hset_release(&f.sample_ix);
	gx_hset_release(&f.gene_ix);
	gx_free(f.v);
	gx_free(keys);
	gx_free(gv);
	gx_free(sk);
	gx_free(ids);
	gx_free(vals);
	gx_free(want);
	return rc;
}

int pipe_features(pipe *p, int write_facts, gx_err *err)
{
	const gx_feature_set *fs = p->opts->features;
	const char *hash = fs && fs->n ? fs->hash : "";
	int all = strcmp(hash, p->old_features_hash) != 0;
	unsigned char *todo;
	int32_t *keys;
	size_t i, n = 0;
	int rc;

	if (!fs || !fs->n) { /* no features: none stored */
		if ((rc = gx_an_features_delete(p->s, p->study_key, 0, NULL, err)))
			return rc;
		return gx_an_study_features_hash(p->s, p->study_key, NULL, err);
	}
	todo = gx_calloc(p->n_samples + 1, 1);
	keys = gx_calloc(p->n_samples + 1, sizeof(*keys));
	if (!todo || !keys) {
		gx_free(todo);
		gx_free(keys);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < p->n_samples; i++) {
		todo[i] = (unsigned char)(all || (write_facts && p->samples[i].want));
		if (todo[i])
			keys[n++] = p->samples[i].key;
	}
	if ((rc = gx_an_features_delete(p->s, p->study_key, n, all ? NULL : keys, err)))
		goto out;
	for (i = 0; n && i < fs->n && !rc; i++)
		rc = gx_an_feature_upsert(p->s, fs->f[i].id, fs->names[i],
		                          gx_feature_kind_name(fs->f[i].kind), fs->f[i].definition, err);
	if (!rc && n)
		rc = compute(p, fs, todo, err);
	if (!rc && all)
		rc = gx_an_study_features_hash(p->s, p->study_key, hash, err);
	if (!rc && n)
		gx_log(GX_LOG_INFO, "load", "features: %zu of %zu samples computed (%zu feature(s))", n,
		       p->n_samples, fs->n);
out:
	gx_free(todo);
	gx_free(keys);
	return rc;
}
