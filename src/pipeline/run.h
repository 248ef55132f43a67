/*
 * run.h - one study's run as the pipeline's stages share it (private to src/pipeline.c
 * and src/pipeline/; tests/unit/test_layers.c checks that nothing else includes it).
 *
 * pipeline.c orchestrates a run (lock, run row, plan, stages, finish); each stage lives
 * in a file named after it and works on the one 'pipe' below:
 *   samples.c   the matrices opened, their columns matched to metadata rows, every
 *               sample labelled (illness) and its platform normalized   (transform)
 *   scan.c      cells -> value digests, facts and cohort statistics       (extract)
 *   load.c      the load transaction: dimensions, facts, digests, files,
 *               cohorts, then the checks and the run's success           (load)
 *   checks.c    the validation stage: stored figures in, judgements out  (validate)
 * Memory is O(samples) plus one batch of cells and one batch of facts.
 */
#ifndef GX_PIPELINE_RUN_H
#define GX_PIPELINE_RUN_H

#include "pipeline.h"
#include "pipeline/feed.h"
#include "analyze/cohort.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/log.h"
#include "core/progress.h"
#include "extract/matrix.h"
#include "load/checkpoint.h"
#include "load/dims.h"
#include "load/meta.h"
#include "transform/dups.h"
#include "transform/illness.h"
#include "transform/platform.h"
#include "transform/validate.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sample {
	const char *accession;      /* identity: metadata accession, else column name */
	const char *column;         /* matrix column name */
	size_t matrix;              /* index of its matrix file */
	const gx_sample_row *row;   /* metadata row or NULL */
	char *meta_json;            /* all metadata fields, canonical JSON: only while hashed
	                             * or written (pipe_sample_json builds it) */
	char content_hash[GX_HASH_HEX];
	int32_t key;                /* sample_key, 0 until known */
	int existed;
	char old_digest[GX_HASH_HEX];
	long old_n_values;
	char *old_cohort;           /* the cohort stored for it, NULL if none (owned) */
	char old_content_hash[GX_HASH_HEX]; /* stored content_hash, "" if none */
	size_t ill;                 /* its illness label and what decided it: index in
	                             * pipe.labels (samples share equal labels) */
	const char *cohort;         /* its cohort under p->cdef (gx_cohort_of), NULL if none */
	int sparse;                 /* its matrix stores no zeros: an absent value is a 0 */
	size_t plat;                /* its normalized platform: index in pipe.plats */
	int want;                   /* facts of this sample are (re)written */
	int tile;                   /* not rewritten, but its values are passed to the
	                             * backend's gene-major copy (its block has a changed
	                             * sample: gx_sink_sample_block) */
	gx_digest dig;
	size_t cohort_col;          /* column in the cohort statistics, SIZE_MAX if none */
	long n_values;
	char digest[GX_HASH_HEX];
} sample;

/* A sample of the study's last load that the files no longer have. */
typedef struct vanished {
	int32_t key;
	char *cohort;               /* its stored cohort, NULL if none (owned) */
} vanished;

typedef struct pipe {
	gx_sink *s;
	const gx_config *cfg;
	const gx_load_opts *opts;
	gx_load_result *res;
	const char *acc;
	gx_study_files *files;
	gx_metadata *md;
	gx_study_meta *sm;
	gx_matrix **mats;
	size_t n_mats;
	size_t **col_sample;        /* per matrix: column -> index in samples */
	sample *samples;
	size_t n_samples;
	vanished *gone;             /* samples the files no longer have */
	size_t n_gone;
	int32_t study_key;          /* 0 if the study is new */
	char organism[64];          /* the study's organism as dim_gene keys it ("" unknown) */
	char old_fingerprint[GX_HASH_HEX];
	char fingerprint[GX_HASH_HEX];
	char old_facts_fp[GX_HASH_HEX]; /* dim_study.facts_fingerprint, "" if none */
	char facts_fp[GX_HASH_HEX];     /* what decides the facts: matrices and settings */
	int64_t old_n_values;
	int sharded;                /* the study's facts are on a shard server: replaced whole */
	char old_scale[8];          /* value_scale of the loaded study, "" if none */
	gx_cohort_def cdef;         /* how this run groups the samples into cohorts */
	char old_cohort_by[GX_COHORT_DEF_MAX]; /* the stored statistics' definition, "" if none */
	char old_features_hash[GX_HASH_HEX];   /* dim_study.features_hash, "" if none */
	int linear;                 /* value scale: 1 linear, 0 log2 */
	gx_hset gene_keys;          /* gene hash -> gene_key, for this run */
	gx_dups **dups;             /* per matrix: its repeated gene ids (genes.duplicates),
	                             * NULL when refused; planned once per run */
	int dups_planned;
	gx_code_keys *illness_keys; /* code -> illness_key */
	gx_code_keys *platform_keys; /* code -> platform_key */
	gx_platform *plats;         /* the distinct normalized platforms of the samples */
	size_t n_plats, cap_plats;
	gx_hset plat_ix;            /* hash of a gx_platform's bytes -> index in plats */
	gx_illness_label *labels;   /* the distinct illness labels of the samples */
	size_t n_labels, cap_labels;
	gx_hset label_ix;           /* hash of a label's bytes -> index in labels */
	gx_progress prog;
	gx_valid *val;              /* this run's validation checks, NULL for dry runs */
	gx_cohort_acc *cohort;      /* cohort statistics, accumulated by scans of every
	                             * sample; NULL for dry runs and verify */
	int cohort_done;            /* a scan of every sample filled it */
	uint64_t bytes_before;      /* progress: bytes of earlier matrices */
	uint64_t bytes_total;
	gx_study_lock lock;         /* the study's lock, held for the whole run */
	long run_id;                /* the run's meta_etl_run row, 0 if none */
	gx_run_log *rlog;           /* its messages, for meta_etl_process_log */
	const char *fail_step;      /* the log step of its failure, NULL: the error's stage */
	gx_ckpt *ckpt;              /* a resumable load's checkpoint (resume.c), else NULL */
	pipe_feed *feed;            /* the facts the load writes, for the analysis after it
	                             * (analyze_feed.c); NULL: it reads the database */
} pipe;

static inline const gx_platform *plat_of(const pipe *p, const sample *sm)
{
	return &p->plats[sm->plat];
}

static inline const gx_illness_label *ill_of(const pipe *p, const sample *sm)
{
	return &p->labels[sm->ill];
}

/* -vv: how long the step that ends now took (since *t0, which moves on). */
static inline void pipe_step_time(const char *what, double *t0)
{
	double t = gx_mono();

	gx_log(GX_LOG_DEBUG, "load", "%s: %.3f s", what, t - *t0);
	*t0 = t;
}

/* ---- samples.c ---- */

/* Open the matrices, match their columns to metadata rows, build the sample list and,
 * with rules, label every sample. */
int pipe_build_samples(pipe *p, gx_err *err);
/* Build sm->meta_json (canonical JSON of the sample's fields; caller frees). */
int pipe_sample_json(pipe *p, sample *sm, gx_err *err);

/* ---- scan.c ---- */

/* Resolve the gene keys of every matrix before the facts stream (gx_matrix_genes); the
 * same pass plans the repeated gene ids when that is not done yet. */
int pipe_pre_resolve_genes(pipe *p, gx_err *err);
/* Plan every matrix's repeated gene ids (genes.duplicates), once per run. */
int pipe_plan_dups(pipe *p, gx_err *err);
/* Scan every matrix: digests of the wanted samples and, with a writer, their facts. */
int pipe_scan_all(pipe *p, gx_fact_writer *w, gx_err *err);
/* Scan every matrix for the cohort statistics alone (every sample; digests, facts and
 * validation untouched): a run that writes no facts. */
int pipe_scan_cohorts(pipe *p, gx_err *err);
/* Decide the value scale (p->linear) from config, the loaded study or the first cells. */
int pipe_detect_scale(pipe *p, gx_err *err);

/* ---- resume.c ---- */

/* Before the load transaction: whether the run commits in chunks (p->ckpt set), and
 * whether it goes on from the study's checkpoint; a checkpoint it does not use is
 * discarded. */
int pipe_resume_plan(pipe *p, int mode_full, int write_facts, gx_err *err);
/* After the sample upserts: the keys a new checkpoint records. */
int pipe_resume_samples(pipe *p, gx_err *err);
void pipe_resume_release(pipe *p);

/* ---- load.c ---- */

/* The load transaction: everything of the run that is published, committed at once. */
int pipe_load_tx(pipe *p, long run_id, int mode_full, int write_facts, gx_err *err);

/* ---- analyze_run.c, features.c: the analysis stage of a load ---- */

/* Append what the analysis stage depends on to the input fingerprint's text. */
void pipe_analysis_fingerprint(const pipe *p, gx_buf *b);
/* Before a scan that writes facts: when the analysis runs after the load and the scan
 * writes every fact of the study (every sample is rewritten: the others' facts stand
 * and only the database has them), p->feed is made for it (analyze_feed.c). */
int pipe_feed_begin(pipe *p, gx_err *err);
/* In the load transaction, after the cohort statistics: the study's pairs and
 * differential rows replaced by what analysis.*_after_load asks for (none: removed). */
int pipe_analyze_after_load(pipe *p, gx_err *err);
/* In the load transaction: the features of the samples whose values were written (every
 * sample when the feature set changed), the vanished samples' removed. */
int pipe_features(pipe *p, int write_facts, gx_err *err);

/* ---- checks.c ---- */

/* Tell validation what each sample is before the facts stream. */
int pipe_validate_begin(pipe *p, gx_err *err);
/* Store the scanned samples' statistics, judge the study, write the judgements. */
int pipe_checks_finish(pipe *p, long run_id, gx_err *err);
/* After a failed run's rollback: write what its checks found (errors are logged). */
void pipe_checks_failed(pipe *p, long run_id, const gx_err *failure);

#endif
