/*
 * resume.c - whether a full load commits in chunks, and whether it resumes (issue 18;
 * the checkpoints themselves: load/checkpoint.h).
 *
 * A full load (every sample's facts rewritten) of more than resume.min_values values on
 * a backend that keeps checkpoints (PostgreSQL) is resumable: its fact writer commits
 * chunks of resume.chunk_values facts to the staging range tables.  The values are
 * counted as genes x samples of the matrices (the stored values of a sparse matrix are
 * fewer: an upper bound), with a pass over the gene ids when a reader does not know its
 * genes before the scan (TSV), skipped when the file is too small to hold that many
 * values (a value takes at least two bytes).
 * A resumable run resumes when the study's checkpoint was made with the same facts
 * fingerprint (matrix hashes, hash version, value settings), the same chunk size and the
 * same samples with the same keys; any other run of the study discards the checkpoint
 * (its tables and rows) before it writes.  A resumable run resolves and commits its new
 * genes before the load transaction (dim_gene is a shared dimension that keeps rows of
 * earlier versions anyway), so that the gene keys the staged facts carry stay valid
 * after a kill; the study's and samples' keys are taken from the checkpoint
 * (gx_ckpt_claim_keys).
 * Does not: write facts, or any SQL (load/).
 */
#include "pipeline/run.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_genes(void *ctx, size_t n, const char *const *ids,
                       const char *const *symbols, gx_err *err)
{
	(void)ids;
	(void)symbols;
	(void)err;
	*(int64_t *)ctx += (int64_t)n;
	return 0;
}

/*
 * *big = 1 when the matrices hold more than resume.min_values values; 0 also when a
 * reader cannot list its genes before the scan (then genes would be resolved inside the
 * load transaction, and their keys could not outlive a kill).
 */
static int is_big(pipe *p, int *big, gx_err *err)
{
	int64_t bound = 0, n = 0, min = p->cfg->resume_min_values;
	size_t m;
	int rc;

	*big = 0;
	for (m = 0; m < p->n_mats; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		bound += info->n_genes >= 0 ? (int64_t)info->n_genes * (int64_t)info->n_samples
		                            : (int64_t)(info->bytes / 2);
	}
	if (min <= 0 || bound <= min)
		return 0;
	for (m = 0; m < p->n_mats; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		int64_t genes = 0;
		rc = gx_matrix_genes(p->mats[m], count_genes, &genes, err);
		if (rc < 0)
			return rc;
		if (rc == GX_MATRIX_NO_GENES) {
			gx_log(GX_LOG_DEBUG, "load", "not resumable: the %s reader does not list its "
			       "genes before the scan", info->format);
			return 0;
		}
		n += genes * (int64_t)info->n_samples;
	}
	*big = n > min;
	return 0;
}

/* 1 if the checkpoint's samples are this run's, with the keys they have if they exist. */
static int same_samples(pipe *p, const gx_rows *r)
{
	gx_hset keys = { 0 };
	size_t i;
	int same = r->nrows == p->n_samples;

	for (i = 0; same && i < r->nrows; i++) {
		const char *a = gx_rows_get(r, i, 0);
		if (gx_hset_put(&keys, gx_gene_hash(a, strlen(a)),
		                (uint64_t)strtol(gx_rows_get(r, i, 1), NULL, 10), NULL) != 1)
			same = 0; /* out of memory, or an accession twice (a hash collision) */
	}
	for (i = 0; same && i < p->n_samples; i++) {
		const sample *sm = &p->samples[i];
		uint64_t k;
		if (!gx_hset_get(&keys, gx_gene_hash(sm->accession, strlen(sm->accession)), &k) ||
		    (sm->existed && (int32_t)k != sm->key))
			same = 0;
	}
	gx_hset_release(&keys);
	return same;
}

/* Whether the study's checkpoint (read into ck) is one this run can go on from. */
static int can_resume(pipe *p, gx_ckpt *ck, int *yes, gx_err *err)
{
	gx_rows *r = NULL;
	int rc;

	*yes = 0;
	if ((rc = gx_ckpt_find(p->s, ck, err)) || !ck->found)
		return rc;
	if (p->study_key && p->study_key != ck->study_key)
		return 0;
	if ((rc = gx_ckpt_samples(p->s, p->acc, &r, err)))
		return rc;
	*yes = same_samples(p, r);
	gx_rows_free(r);
	return 0;
}

int pipe_resume_plan(pipe *p, int mode_full, int write_facts, gx_err *err)
{
	gx_ckpt *ck;
	int big = 0, yes = 0, rc;
	const char *why;

	if ((why = gx_ckpt_unsupported(p->s))) {
		gx_log(GX_LOG_DEBUG, "load", "loads do not resume here: %s", why);
		return 0;
	}
	if (write_facts && mode_full && (rc = is_big(p, &big, err)))
		return rc;
	if (!big) /* a checkpoint this run does not use is out of date after it */
		return gx_ckpt_discard(p->s, p->acc, err);
	if (!(ck = gx_calloc(1, sizeof(*ck))) || !(ck->accession = gx_strdup(p->acc))) {
		gx_free(ck);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	p->ckpt = ck;
	memcpy(ck->facts_fp, p->facts_fp, sizeof(ck->facts_fp));
	ck->chunk_values = p->cfg->resume_chunk_values;
	ck->run_id = p->run_id;
	if ((rc = can_resume(p, ck, &yes, err)))
		return rc;
	if (!yes) {
		ck->found = 0;
		return gx_ckpt_discard(p->s, p->acc, err);
	}
	gx_log(GX_LOG_INFO, "load", "resuming from the checkpoint of an earlier run: the "
	       "committed chunks of its %zu range table(s) are kept", ck->n_leaves);
	return 0;
}

int pipe_resume_samples(pipe *p, gx_err *err)
{
	gx_ckpt *ck = p->ckpt;
	size_t i;

	if (!ck || ck->sample_acc)
		return 0;
	ck->sample_acc = gx_calloc(p->n_samples + 1, sizeof(*ck->sample_acc));
	ck->sample_key = gx_calloc(p->n_samples + 1, sizeof(*ck->sample_key));
	if (!ck->sample_acc || !ck->sample_key)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < p->n_samples; i++) {
		if (!(ck->sample_acc[i] = gx_strdup(p->samples[i].accession)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		ck->sample_key[i] = p->samples[i].key;
		ck->n_samples = i + 1;
	}
	return 0;
}

void pipe_resume_release(pipe *p)
{
	gx_ckpt_release(p->ckpt);
	gx_free(p->ckpt);
	p->ckpt = NULL;
}
