/*
 * validate.c - validation checks of one run (see validate.h, docs/VALIDATION.md).
 *
 * Invariants:
 *   - the checks describe the study as the run publishes it: per-sample statistics are
 *     measured for the samples the run scans and read back from dim_sample for the
 *     others, so a partial or metadata-only run reports complete study-level figures;
 *   - a check never drops data: a FAIL fails the whole run (GX_E_VALIDATION).
 * Does not: detect structural errors (the readers do, and stop the run; they are
 * recorded here as integrity checks), read or write the database (the pipeline's checks
 * stage hands the stored figures in and load/ writes the rows out), or print anything.
 */
#include "transform/validate.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/log.h"
#include "core/mem.h"
#include "transform/stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* how many sample names a message lists before "(+N more)" */
#define EXAMPLES 5

typedef struct vsample {
	const char *accession;
	const char *illness;
	unsigned char scanned, has_metadata, platform_known;
} vsample;

struct gx_valid {
	const gx_config *cfg;
	double t0, t_begin, t_finish;   /* gx_mono() at new, begin, finish (0 = not yet) */
	size_t n;
	vsample *samples;
	const char *default_illness;
	gx_stats stats;
	gx_check *checks;
	size_t n_checks;
	gx_attrition *attr;
	size_t n_attr;
	gx_step_time steps[4];
	size_t n_steps;
	int64_t dup_rows, dup_ids;      /* repeated gene ids and their policy */
	const char *dup_policy;
};

static int beyond(double observed, int upper, double limit)
{
	if (isnan(limit) || isnan(observed))
		return 0;
	return upper ? observed > limit : observed < limit;
}

gx_check_status gx_check_judge(double observed, int upper, double warn, double fail,
                               double *threshold)
{
	if (beyond(observed, upper, fail)) {
		*threshold = fail;
		return GX_CHECK_FAIL;
	}
	*threshold = isnan(warn) ? fail : warn;
	return beyond(observed, upper, warn) ? GX_CHECK_WARN : GX_CHECK_PASS;
}

/* the integrity checks, in the order they are written */
static const struct {
	const char *name;
	gx_code code;
} integrity[] = {
	{ "ragged_rows", GX_E_RAGGED },
	{ "non_numeric_values", GX_E_NOT_NUMERIC },
	{ "non_finite_values", GX_E_NOT_FINITE },
	{ "duplicate_gene_ids", GX_E_DUP_GENE },
	{ "duplicate_samples", GX_E_DUP_SAMPLE },
	{ "empty_ids", GX_E_EMPTY_ID },
	{ "file_structure", GX_OK }, /* every other input error */
};
#define N_INTEGRITY (sizeof(integrity) / sizeof(integrity[0]))

const char *gx_integrity_check_of(gx_code code)
{
	size_t i;

	/* no study directory or a bad accession: nothing was read, nothing to judge */
	if (code < 2000 || code >= 3000 || code == GX_E_NO_STUDY || code == GX_E_ACCESSION)
		return NULL;
	for (i = 0; i + 1 < N_INTEGRITY; i++)
		if (integrity[i].code == code)
			return integrity[i].name;
	return integrity[N_INTEGRITY - 1].name;
}

/* ---- evaluation ---- */

typedef struct out {
	gx_check *c;
	size_t n, cap;
	gx_attrition *a;
	size_t na, capa;
	int nomem;
} out;

/* Room for one more element in *arr (n used of *cap); 1 when out of memory. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	if (!(p = gx_reallocarray(*arr, *cap ? *cap * 2 : 16, size)))
		return 1;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

static void add_check(out *o, const char *kind, const char *name, gx_check_status st,
                      double observed, double threshold, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void add_check(out *o, const char *kind, const char *name, gx_check_status st,
                      double observed, double threshold, const char *fmt, ...)
{
	gx_buf b = { 0 };
	va_list ap;

	if (o->nomem || (o->nomem = grow((void **)&o->c, &o->cap, o->n, sizeof(*o->c))))
		return;
	va_start(ap, fmt);
	if (gx_buf_vprintf(&b, fmt, ap) < 0 || !b.data) {
		va_end(ap);
		gx_buf_release(&b);
		o->nomem = 1;
		return;
	}
	va_end(ap);
	o->c[o->n++] = (gx_check){ name, kind, st, observed, threshold, gx_buf_steal(&b) };
}

static void add_attr(out *o, const char *reason, const char *unit, int64_t n,
                     const char *message)
{
	if (o->nomem || (o->nomem = grow((void **)&o->a, &o->capa, o->na, sizeof(*o->a))))
		return;
	o->a[o->na] = (gx_attrition){ reason, unit, n, gx_strdup(message) };
	if (!o->a[o->na].message)
		o->nomem = 1;
	else
		o->na++;
}

static double share(double part, double whole)
{
	return whole > 0 ? part / whole : 0;
}

/* a quality check judged against config limits */
static void judged(out *o, const char *name, double observed, int upper, double warn,
                   double fail, const char *msg)
{
	double thr;
	gx_check_status st = gx_check_judge(observed, upper, warn, fail, &thr);
	add_check(o, "quality", name, st, observed, thr, "%s", msg);
}

/* samples: matrix vs metadata vs aggregated_metadata.json */
static void check_samples(out *o, const gx_config *cfg, const gx_valid_figures *f)
{
	gx_buf m = { 0 };
	double ns = (double)f->n_samples;

	gx_buf_printf(&m, "%zu samples in the matrix", f->n_samples);
	if (f->metadata_name)
		gx_buf_printf(&m, ", %zu rows in '%s'", f->n_metadata_rows, f->metadata_name);
	if (f->has_aggregated)
		gx_buf_printf(&m, ", %zu listed in aggregated_metadata.json", f->n_aggregated);
	add_check(o, "quality", "sample_count",
	          beyond(ns, 0, (double)cfg->v_min_samples) ? GX_CHECK_FAIL : GX_CHECK_PASS, ns,
	          (double)cfg->v_min_samples, "%s", gx_buf_cstr(&m));
	gx_buf_reset(&m);
	if (!f->metadata_name) {
		add_check(o, "quality", "samples_without_metadata", GX_CHECK_PASS, NAN, NAN,
		          "no metadata table: sample attributes come from the matrix file");
		add_check(o, "quality", "metadata_without_data", GX_CHECK_PASS, NAN, NAN,
		          "no metadata table");
	} else {
		if (f->n_without_metadata)
			gx_buf_printf(&m, "%zu of %zu samples have no row in '%s' (loaded without "
			              "metadata): %s", f->n_without_metadata, f->n_samples,
			              f->metadata_name, f->without_metadata);
		else
			gx_buf_printf(&m, "every sample has a row in '%s'", f->metadata_name);
		judged(o, "samples_without_metadata", share((double)f->n_without_metadata, ns), 1,
		       cfg->v_no_metadata_warn, cfg->v_no_metadata_fail, gx_buf_cstr(&m));
		gx_buf_reset(&m);
		if (f->n_metadata_only)
			add_check(o, "quality", "metadata_without_data", GX_CHECK_WARN,
			          (double)f->n_metadata_only, 0, "%zu rows of '%s' have no matrix column "
			          "(not loaded): %s", f->n_metadata_only, f->metadata_name,
			          f->metadata_only);
		else
			add_check(o, "quality", "metadata_without_data", GX_CHECK_PASS, 0, 0,
			          "every row of '%s' has a matrix column", f->metadata_name);
	}
	if (!f->has_aggregated)
		add_check(o, "quality", "aggregated_samples_absent", GX_CHECK_PASS, NAN, NAN,
		          "no sample list in aggregated_metadata.json");
	else if (f->n_aggregated_absent)
		add_check(o, "quality", "aggregated_samples_absent", GX_CHECK_WARN,
		          (double)f->n_aggregated_absent, 0, "%zu of %zu samples listed in "
		          "aggregated_metadata.json are not in the matrix: %s",
		          f->n_aggregated_absent, f->n_aggregated, f->aggregated_absent);
	else
		add_check(o, "quality", "aggregated_samples_absent", GX_CHECK_PASS, 0, 0,
		          "every sample listed in aggregated_metadata.json is in the matrix");

	gx_buf_release(&m);
}

/* values: counts per sample, missing cells, range, scale */
static void check_values(out *o, const gx_config *cfg, const gx_valid_figures *f)
{
	gx_buf m = { 0 };
	const char *scale = f->linear ? "linear" : "log2";

	gx_buf_printf(&m, "values per sample: fewest %lld (%s), most %lld; %ld genes",
	              (long long)f->fewest_values, f->fewest_sample ? f->fewest_sample : "-",
	              (long long)f->most_values, f->n_genes);
	judged(o, "genes_per_sample", (double)f->fewest_values, 0,
	       (double)cfg->v_genes_per_sample_warn, (double)cfg->v_genes_per_sample_fail,
	       gx_buf_cstr(&m));
	gx_buf_reset(&m);
	if (f->n_measured < f->n_samples)
		gx_buf_printf(&m, " (%zu samples loaded before gxload measured them are not "
		              "counted: reload with --force)", f->n_samples - f->n_measured);
	if (!f->n_measured) {
		add_check(o, "quality", "missing_values", GX_CHECK_PASS, NAN, NAN, "not measured%s",
		          gx_buf_cstr(&m));
		add_check(o, "quality", "value_range", GX_CHECK_PASS, NAN, NAN, "not measured%s",
		          gx_buf_cstr(&m));
	} else {
		double cells = (double)(f->n_values + f->n_missing);
		gx_buf b = { 0 };
		if (f->n_missing)
			gx_buf_printf(&b, "%lld of %.0f cells missing (extract.na_values), most in %s "
			              "(%.3g of its cells)%s", (long long)f->n_missing, cells,
			              f->worst_missing_sample, f->worst_missing, gx_buf_cstr(&m));
		else
			gx_buf_printf(&b, "no missing cells in %.0f%s", cells, gx_buf_cstr(&m));
		judged(o, "missing_values", share((double)f->n_missing, cells), 1,
		       cfg->v_missing_warn, cfg->v_missing_fail, gx_buf_cstr(&b));
		gx_buf_reset(&b);
		if (!f->n_values) {
			add_check(o, "quality", "value_range", GX_CHECK_PASS, NAN, NAN, "no values");
		} else if (f->linear) {
			add_check(o, "quality", "value_range", GX_CHECK_PASS, f->value_max, NAN,
			          "values from %.6g to %.6g (linear scale)%s", f->value_min,
			          f->value_max, gx_buf_cstr(&m));
		} else {
			gx_buf_printf(&b, "values from %.6g to %.6g (log2 scale)%s%s", f->value_min,
			              f->value_max, beyond(f->value_max, 1, cfg->v_log2_max_value) ?
			              ": above validation.log2_max_value, is the scale really log2?" :
			              "", gx_buf_cstr(&m));
			judged(o, "value_range", f->value_max, 1, cfg->v_log2_max_value, NAN,
			       gx_buf_cstr(&b));
		}
		gx_buf_release(&b);
	}
	add_check(o, "quality", "value_scale", GX_CHECK_PASS, f->linear ? 1 : 0, NAN,
	          "%s: %s (transform.value_scale %s)", scale,
	          f->linear ? "log2_value = log2(value + 1)" : "log2_value = value",
	          f->scale_setting ? f->scale_setting : "auto");
	if (!f->linear)
		add_check(o, "quality", "negative_linear_values", GX_CHECK_PASS, NAN, NAN,
		          "log2 scale: negative values are ordinary log2 values");
	else if (!f->n_measured)
		add_check(o, "quality", "negative_linear_values", GX_CHECK_PASS, NAN, NAN,
		          "not measured%s", gx_buf_cstr(&m));
	else {
		gx_buf b = { 0 };
		gx_buf_printf(&b, "%lld of %lld values are negative: their log2_value is NULL%s",
		              (long long)f->n_negative, (long long)f->n_values, gx_buf_cstr(&m));
		judged(o, "negative_linear_values", share((double)f->n_negative,
		       (double)f->n_values), 1, cfg->v_negative_warn, cfg->v_negative_fail,
		       gx_buf_cstr(&b));
		gx_buf_release(&b);
	}
	gx_buf_release(&m);
}

/* labels: unknown illness, platform coverage */
static void check_labels(out *o, const gx_config *cfg, const gx_valid_figures *f)
{
	gx_buf m = { 0 };
	double ns = (double)f->n_samples;

	if (f->n_unknown_illness)
		gx_buf_printf(&m, "%zu of %zu samples labelled %s: %s", f->n_unknown_illness,
		              f->n_samples, f->default_illness, f->unknown_illness);
	else
		gx_buf_printf(&m, "no sample labelled %s", f->default_illness);
	judged(o, "unknown_illness", share((double)f->n_unknown_illness, ns), 1,
	       cfg->v_unknown_illness_warn, cfg->v_unknown_illness_fail, gx_buf_cstr(&m));
	gx_buf_reset(&m);
	if (f->n_platform_known < f->n_samples)
		gx_buf_printf(&m, "%zu of %zu samples on a known platform; not: %s",
		              f->n_platform_known, f->n_samples, f->unknown_platform);
	else
		gx_buf_printf(&m, "every sample on a known platform");
	judged(o, "platform_coverage", share((double)f->n_platform_known, ns), 0,
	       cfg->v_platform_coverage_warn, cfg->v_platform_coverage_fail, gx_buf_cstr(&m));
	gx_buf_release(&m);
}

/* attrition: what the study lost on the way, with the reason */
static void attrition(out *o, const gx_valid_figures *f)
{
	add_attr(o, "missing_value", "value", f->n_missing,
	         "cells equal to an extract.na_values token: not stored");
	add_attr(o, "negative_linear_log2_null", "value", f->linear ? f->n_negative : 0,
	         "negative values of linear-scale data: value stored, log2_value NULL");
	add_attr(o, "sample_without_metadata", "sample", (int64_t)f->n_without_metadata,
	         "matrix columns without a metadata row: loaded without metadata");
	add_attr(o, "metadata_without_data", "sample", (int64_t)f->n_metadata_only,
	         "metadata rows without a matrix column: not loaded");
	add_attr(o, "aggregated_sample_absent", "sample", (int64_t)f->n_aggregated_absent,
	         "listed in aggregated_metadata.json, absent from the matrix: not loaded");
}

/* what genes.duplicates did with the repeated rows, for the check's message */
static const char *dup_effect(const char *policy)
{
	if (!strcmp(policy, "first"))
		return "each id's first row kept, its other rows left out";
	if (!strcmp(policy, "mean"))
		return "one row per id, the mean of its rows";
	if (!strcmp(policy, "sum"))
		return "one row per id, the sum of its rows";
	return "every row kept, the repeats renamed X-1, X-2, ...";
}

int gx_valid_evaluate(const gx_config *cfg, const gx_valid_figures *f, gx_check **checks,
                      size_t *n_checks, gx_attrition **attr, size_t *n_attr, gx_err *err)
{
	out o = { 0 };
	size_t i;

	*checks = NULL;
	*attr = NULL;
	*n_checks = *n_attr = 0;

	/* integrity: the readers stop the run at the first structural error; repeated gene
	 * ids that genes.duplicates handled are counted */
	for (i = 0; i < N_INTEGRITY; i++) {
		if (f->matrix_read && f->n_dup_rows && integrity[i].code == GX_E_DUP_GENE)
			add_check(&o, "integrity", integrity[i].name, GX_CHECK_PASS,
			          (double)f->n_dup_rows, 0, "%lld rows repeat the ids of earlier rows "
			          "(%lld ids): genes.duplicates = %s, %s", (long long)f->n_dup_rows,
			          (long long)f->n_dup_ids, f->dup_policy, dup_effect(f->dup_policy));
		else
			add_check(&o, "integrity", integrity[i].name, GX_CHECK_PASS, 0, 0, "none%s",
			          f->matrix_read ? "" : " (the matrix was not read again: unchanged "
			                                "since its last load)");
	}
	check_samples(&o, cfg, f);
	check_values(&o, cfg, f);
	check_labels(&o, cfg, f);
	attrition(&o, f);
	if (o.nomem) {
		gx_checks_free(o.c, o.n);
		gx_attrition_free(o.a, o.na);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	*checks = o.c;
	*n_checks = o.n;
	*attr = o.a;
	*n_attr = o.na;
	return 0;
}

void gx_checks_free(gx_check *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++)
		gx_free(c[i].message);
	gx_free(c);
}

void gx_attrition_free(gx_attrition *a, size_t n)
{
	size_t i;

	for (i = 0; a && i < n; i++)
		gx_free(a[i].message);
	gx_free(a);
}

/* ---- the run's validator ---- */

gx_valid *gx_valid_new(const gx_config *cfg)
{
	gx_valid *v = gx_calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->cfg = cfg;
	v->t0 = gx_mono();
	return v;
}

static void clear_results(gx_valid *v)
{
	gx_checks_free(v->checks, v->n_checks);
	gx_attrition_free(v->attr, v->n_attr);
	v->checks = NULL;
	v->attr = NULL;
	v->n_checks = v->n_attr = 0;
}

void gx_valid_free(gx_valid *v)
{
	if (!v)
		return;
	clear_results(v);
	gx_stats_release(&v->stats);
	gx_free(v->samples);
	gx_free(v);
}

static void add_step(gx_valid *v, const char *name, double seconds)
{
	size_t i;

	for (i = 0; i < v->n_steps; i++)
		if (!strcmp(v->steps[i].name, name))
			break;
	if (i == sizeof(v->steps) / sizeof(v->steps[0]))
		return;
	v->steps[i] = (gx_step_time){ name, seconds < 0 ? 0 : seconds };
	if (i == v->n_steps)
		v->n_steps++;
}

int gx_valid_begin(gx_valid *v, size_t n_samples, const char *default_illness, gx_err *err)
{
	int rc;

	if (!v)
		return 0;
	gx_free(v->samples);
	v->samples = gx_calloc(n_samples ? n_samples : 1, sizeof(*v->samples));
	if (!v->samples)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_stats_init(&v->stats, n_samples, err)))
		return rc;
	v->n = n_samples;
	v->default_illness = default_illness;
	v->t_begin = gx_mono();
	add_step(v, "prepare", v->t_begin - v->t0);
	return 0;
}

void gx_valid_sample(gx_valid *v, size_t i, const char *accession, int scanned,
                     int has_metadata, const char *illness_code, int platform_known)
{
	if (!v || i >= v->n)
		return;
	v->samples[i] = (vsample){ accession, illness_code, (unsigned char)!!scanned,
	                           (unsigned char)!!has_metadata, (unsigned char)!!platform_known };
	gx_stats_want(&v->stats, i, scanned);
}

void gx_valid_cells(gx_valid *v, const gx_cells *c, const size_t *colmap, size_t n_cols)
{
	if (v)
		gx_stats_add_cells(&v->stats, c, colmap, n_cols);
}

/* A list of up to EXAMPLES names with "(+N more)", appended to b. */
typedef struct names {
	gx_buf b;
	size_t n;
} names;

static void names_add(names *l, const char *name)
{
	if (l->n < EXAMPLES)
		gx_buf_printf(&l->b, "%s%s", l->n ? ", " : "", name);
	l->n++;
}

static const char *names_str(names *l)
{
	if (l->n > EXAMPLES)
		gx_buf_printf(&l->b, " (+%zu more)", l->n - EXAMPLES);
	return gx_buf_cstr(&l->b);
}

static uint64_t str_hash(const char *s)
{
	return gx_hash_bytes(s, strlen(s)).lo;
}

/*
 * Gather the study's figures: per-sample statistics as dim_sample holds them ('stored',
 * in accession order; the scanned samples' were just stored), the study's scale, and
 * the comparisons with the metadata files.
 */
static int gather(gx_valid *v, const gx_metadata *md, const gx_study_meta *sm, int linear,
                  long n_genes, const gx_stored_stats *stored, size_t n_stored,
                  gx_valid_figures *f, names *lists, gx_err *err)
{
	gx_hset accs = { 0 };
	double worst = -1;
	size_t i;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->n_samples = v->n;
	f->value_min = INFINITY;
	f->value_max = -INFINITY;
	f->scale_setting = v->cfg->value_scale;
	f->default_illness = v->default_illness ? v->default_illness : "UNKNOWN";
	f->fewest_values = -1;
	f->linear = linear;
	f->n_genes = n_genes;
	for (i = 0; i < n_stored; i++) {
		const char *acc = stored[i].accession;
		int64_t nv = stored[i].n_values;
		double nm = (double)stored[i].st.n_missing, lo, hi;
		if (f->fewest_values < 0 || nv < f->fewest_values) {
			f->fewest_values = nv;
			f->fewest_sample = acc;
		}
		if (nv > f->most_values)
			f->most_values = nv;
		if (!stored[i].measured)
			continue;
		f->n_measured++;
		f->n_values += nv;
		f->n_missing += stored[i].st.n_missing;
		f->n_negative += stored[i].st.n_negative;
		lo = stored[i].st.min;
		if (!isnan(lo) && lo < f->value_min)
			f->value_min = lo;
		hi = stored[i].st.max;
		if (!isnan(hi) && hi > f->value_max)
			f->value_max = hi;
		if (nm > 0 && nm / (nm + (double)nv) > worst) {
			worst = nm / (nm + (double)nv);
			f->worst_missing = worst;
			f->worst_missing_sample = acc;
		}
	}
	if (f->fewest_values < 0)
		f->fewest_values = 0;

	/* samples, their metadata rows and aggregated_metadata.json's list */
	for (i = 0; i < v->n; i++) {
		const vsample *x = &v->samples[i];
		if (gx_hset_put(&accs, str_hash(x->accession), i, NULL) < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		if (md && !x->has_metadata) {
			f->n_without_metadata++;
			names_add(&lists[0], x->accession);
		}
		if (x->illness && !strcmp(x->illness, f->default_illness)) {
			f->n_unknown_illness++;
			names_add(&lists[3], x->accession);
		}
		if (x->platform_known)
			f->n_platform_known++;
		else
			names_add(&lists[4], x->accession);
	}
	if (md) {
		const char *slash = strrchr(md->path, '/');
		f->metadata_name = slash ? slash + 1 : md->path;
		f->n_metadata_rows = md->n_rows;
		for (i = 0; i < md->n_rows; i++) {
			const char *acc = gx_metadata_get(md, &md->rows[i], GX_COL_ACCESSION);
			if (acc && !gx_hset_get(&accs, str_hash(acc), NULL)) {
				f->n_metadata_only++;
				names_add(&lists[1], acc);
			}
		}
	}
	if (sm && sm->n_sample_accessions) {
		f->has_aggregated = 1;
		f->n_aggregated = sm->n_sample_accessions;
		for (i = 0; i < sm->n_sample_accessions; i++)
			if (!gx_hset_get(&accs, str_hash(sm->sample_accessions[i]), NULL)) {
				f->n_aggregated_absent++;
				names_add(&lists[2], sm->sample_accessions[i]);
			}
	}
	f->without_metadata = names_str(&lists[0]);
	f->metadata_only = names_str(&lists[1]);
	f->aggregated_absent = names_str(&lists[2]);
	f->unknown_illness = names_str(&lists[3]);
	f->unknown_platform = names_str(&lists[4]);
	for (i = 0; i < v->n; i++)
		f->matrix_read |= v->samples[i].scanned;
	f->n_dup_rows = v->dup_rows;
	f->n_dup_ids = v->dup_ids;
	f->dup_policy = v->dup_policy ? v->dup_policy : "";
	/* fewest_sample and worst_missing_sample point into 'stored': the caller keeps it */
out:
	gx_hset_release(&accs);
	return rc;
}

void gx_valid_loaded(gx_valid *v)
{
	if (!v)
		return;
	v->t_finish = gx_mono();
	add_step(v, "load", v->t_finish - v->t_begin);
	clear_results(v);
}

void gx_valid_dup_genes(gx_valid *v, int64_t rows, int64_t ids, const char *policy)
{
	if (!v)
		return;
	v->dup_rows = rows;
	v->dup_ids = ids;
	v->dup_policy = policy;
}

size_t gx_valid_n_samples(const gx_valid *v)
{
	return v ? v->n : 0;
}

const gx_sample_stats *gx_valid_scanned(const gx_valid *v, size_t i, const char **accession)
{
	if (!v || i >= v->n || !v->samples[i].scanned)
		return NULL;
	*accession = v->samples[i].accession;
	return &v->stats.s[i];
}

int gx_valid_judge(gx_valid *v, long run_id, const gx_metadata *md, const gx_study_meta *sm,
                   int linear, long n_genes, const gx_stored_stats *stored, size_t n_stored,
                   gx_err *err)
{
	gx_valid_figures f;
	names lists[5];
	gx_buf fails = { 0 };
	size_t i, nw = 0, nf = 0;
	int rc;

	if (!v)
		return 0;
	memset(lists, 0, sizeof(lists));
	if ((rc = gather(v, md, sm, linear, n_genes, stored, n_stored, &f, lists, err)) ||
	    (rc = gx_valid_evaluate(v->cfg, &f, &v->checks, &v->n_checks, &v->attr, &v->n_attr,
	                            err)))
		goto out;
	add_step(v, "validate", gx_mono() - v->t_finish);
	for (i = 0; i < v->n_checks; i++) {
		const gx_check *c = &v->checks[i];
		nw += c->status == GX_CHECK_WARN;
		if (c->status != GX_CHECK_FAIL)
			continue;
		gx_buf_printf(&fails, "%s%s %.6g %s %.6g", nf++ ? "; " : "", c->name, c->observed,
		              strcmp(c->name, "genes_per_sample") && strcmp(c->name, "sample_count") &&
		              strcmp(c->name, "platform_coverage") ? ">" : "<", c->threshold);
	}
	gx_log(GX_LOG_INFO, "validate", "%zu checks: %zu PASS, %zu WARN, %zu FAIL", v->n_checks,
	       v->n_checks - nw - nf, nw, nf);
	if (nf)
		rc = gx_err_set(err, GX_E_VALIDATION, "validation failed: %s (see 'gxload report %ld')",
		                gx_buf_cstr(&fails), run_id);
out:
	for (i = 0; i < 5; i++)
		gx_buf_release(&lists[i].b);
	gx_buf_release(&fails);
	return rc;
}

void gx_valid_rows(const gx_valid *v, gx_run_checks *rows)
{
	memset(rows, 0, sizeof(*rows));
	if (!v)
		return;
	rows->checks = v->checks;
	rows->n_checks = v->n_checks;
	rows->attr = v->attr;
	rows->n_attr = v->n_attr;
	rows->steps = v->steps;
	rows->n_steps = v->n_steps;
}

int gx_valid_failed(gx_valid *v, const gx_err *failure)
{
	const char *name;
	double now = gx_mono();
	char msg[GX_ERR_MSG_MAX + 600];
	size_t i;

	if (!v)
		return 0;
	name = gx_integrity_check_of(failure->code);
	if (!v->t_begin)
		add_step(v, "prepare", now - v->t0);
	else if (!v->t_finish)
		add_step(v, "load", now - v->t_begin);
	if (name) {
		out o = { 0 };
		gx_err_format(failure, msg, sizeof(msg));
		gx_utf8_sanitize(msg);
		/* the failing integrity check replaces its PASS row, if the run got that far */
		for (i = 0; i < v->n_checks; i++)
			if (!strcmp(v->checks[i].name, name))
				break;
		o.c = v->checks;
		o.n = v->n_checks;
		o.cap = v->n_checks;
		add_check(&o, "integrity", name, GX_CHECK_FAIL, 1, 0, "%s", msg);
		if (!o.nomem) {
			if (i < v->n_checks) {
				gx_free(o.c[i].message);
				o.c[i] = o.c[o.n - 1];
				o.n--;
			}
			v->checks = o.c;
			v->n_checks = o.n;
		} else {
			v->checks = o.c;
		}
	}
	return v->n_checks || v->n_attr || v->n_steps;
}
