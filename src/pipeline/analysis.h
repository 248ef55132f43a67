/*
 * analysis.h - the analysis step's shared state (private to pipeline/analyze*.c and
 * pipeline/features.c; tests/unit/test_layers.c checks that nothing else includes it).
 *
 *   analyze_data.c  a study's samples, cohorts and genes from the database, and its log2
 *                   values in a scratch file, one gene-major region per cohort
 *   analyze.c       the job: correlation per cohort, differential statistics per pair of
 *                   cohorts, rows written; after a load, and for `gxload analyze`
 *   features.c      per-sample features at each load
 * Memory: the correlation's own budget (analysis.memory_mb), plus one row of the study's
 * samples while the scratch file is written and about 140 bytes a gene for a
 * differential pass; the values themselves live in the scratch file.
 */
#ifndef GX_PIPELINE_ANALYSIS_H
#define GX_PIPELINE_ANALYSIS_H

#include "analyze/cohort.h"
#include "core/err.h"
#include "load/analysis_store.h"
#include "load/sink.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct an_cohort {
	char *label;
	size_t n;                   /* its samples */
	size_t *samples;            /* indexes into an_data.samples, by accession */
	uint64_t off;               /* byte offset of its region in the scratch file */
} an_cohort;

/* A study as the analysis sees it. */
typedef struct an_data {
	gx_sink *s;
	int32_t study_key;
	gx_an_sample *samples;      /* by accession */
	size_t n_samples;
	gx_an_gene *genes;          /* by gene id, after the --genes filter */
	size_t n_genes;
	an_cohort *cohorts;         /* by label (bytewise) */
	size_t n_cohorts;
	int fd;                     /* the scratch file (unlinked), -1 if none */
	uint64_t bytes;             /* its size */
	double read_seconds;        /* reading the facts into it */
	int fed;                    /* its values came from the load's scan, not the facts */
} an_data;

struct pipe_feed;

/*
 * Read study_key's samples and genes, group the samples by 'def' (the stored labels
 * when def is the study's stored definition 'stored_def', else from each sample's illness
 * and metadata), keep the genes named in genes_file (NULL: all; one id a line), and
 * write every cohort's values to a scratch file: from the facts, or from 'feed' (the
 * load's own scan, run.h; NULL: the facts) when it holds every sample of the study.  d is
 * released by an_data_release
 * (also after an error).
 */
int an_data_load(an_data *d, gx_sink *s, int32_t study_key, const gx_cohort_def *def,
                 const char *stored_def, const char *genes_file, struct pipe_feed *feed,
                 gx_err *err);
void an_data_release(an_data *d);

/* Index of the cohort labelled 'label', or -1. */
long an_data_cohort(const an_data *d, const char *label);

/* Values of genes g0 .. g0 + count - 1 of cohort c: out[g * n + s] (NaN: missing). */
int an_data_read(const an_data *d, size_t c, size_t g0, size_t count, double *out,
                 gx_err *err);

/* A temporary file in $TMPDIR (else /tmp), unlinked at once: a descriptor, or -1 and err. */
int an_scratch_open(const char *what, gx_err *err);

/* ---- analyze.c: one job ---- */

typedef struct an_job {
	gx_cohort_def def;          /* the cohorts */
	const char *stored_def;     /* the study's stored definition ("" if none) */
	const char *only_cohort;    /* correlate this cohort only; NULL: every cohort */
	int correlate, differential;
	int method;                 /* gx_corr_method */
	size_t top_k;
	double min_abs_r;
	size_t budget;              /* bytes */
	long threads;               /* BLAS threads, 0: every core */
	const char *genes_file;     /* NULL: every gene */
	char *const *compare;       /* "A:B" pairs; none: each illness against CONTROL */
	size_t n_compare;
	int compare_strict;         /* a pair naming a cohort the study lacks is an error */
	int replace_all;            /* the write first deletes every analysis row of the study */
	struct pipe_feed *feed;     /* the values from the load's scan; NULL: from the facts */
} an_job;

/* What a job computed, kept in a scratch file until it is written. */
typedef struct an_out {
	FILE *f;                    /* gx_an_pair and gx_an_diff records */
	struct an_part {
		int is_diff;
		char *a, *b;            /* cohort (pairs) or cohorts compared */
		size_t n;               /* records */
		long off;               /* where they start in f */
	} *parts;
	size_t n_parts;
	int64_t rows;
	/* figures for the run's summary */
	size_t n_cohorts, n_genes, n_samples, correlated, compared;
	uint64_t pairs_tested, pairs_kept;
	double read_s, corr_s, diff_s;
	size_t peak_bytes;
	int threads;
} an_out;

/* Compute job on study_key (reads the database; writes nothing). */
int an_compute(gx_sink *s, int32_t study_key, const an_job *job, an_out *out, gx_err *err);
/* Write what an_compute found, inside the caller's transaction: first the deletes the
 * job implies, then the rows. */
int an_write(gx_sink *s, int32_t study_key, const an_job *job, const an_out *out,
             gx_err *err);
void an_out_release(an_out *out);

/* Write all n bytes of buf at off to a scratch file (GX_E_IO naming it on failure). */
int pipe_pwrite_all(int fd, const void *buf, size_t n, uint64_t off, gx_err *err);

#endif
