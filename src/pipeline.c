/*
 * pipeline.c - one study end to end (see pipeline.h).
 *
 * Invariants:
 *   - nothing is written to the study's dimensions or facts outside the one load
 *     transaction, which also marks the run 'succeeded'; the run's 'running' row and its
 *     log rows are the only writes outside it;
 *   - the input fingerprint (file hashes, hash version, settings that change the loaded
 *     values) is stored only on success, so "fingerprint unchanged" means "already
 *     loaded from exactly these inputs": such a run is recorded as skipped and parses
 *     nothing;
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
 * Does not: detect structural errors itself (the readers do), or judge the data (the
 * validation stage does).
 */
#include "pipeline.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/lock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/progress.h"
#include "core/signals.h"
#include "core/testhook.h"
#include "analyze/cohort.h"
#include "extract/matrix.h"
#include "extract/metadata.h"
#include "extract/study.h"
#include "load/labels.h"
#include "transform/fields.h"
#include "transform/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FACT_BATCH 65536

typedef struct kv {
	const char *key;
	const char *value;
} kv;

typedef struct sample {
	const char *accession;      /* identity: metadata accession, else column name */
	const char *column;         /* matrix column name */
	size_t matrix;              /* index of its matrix file */
	const gx_sample_row *row;   /* metadata row or NULL */
	char *meta_json;            /* all metadata fields, canonical JSON: only while hashed
	                             * or written (sample_json builds it) */
	char content_hash[GX_HASH_HEX];
	int32_t key;                /* sample_key, 0 until known */
	int existed;
	char old_digest[GX_HASH_HEX];
	long old_n_values;
	char old_illness[16];       /* illness_key stored for it, "" if none */
	char old_content_hash[GX_HASH_HEX]; /* stored content_hash, "" if none */
	gx_illness_label ill;       /* illness label and what decided it */
	size_t plat;                /* its normalized platform: index in pipe.plats */
	int want;                   /* facts of this sample are (re)written */
	gx_digest dig;
	size_t cohort;              /* column in the cohort statistics, SIZE_MAX if none */
	long n_values;
	char digest[GX_HASH_HEX];
} sample;

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
	int32_t study_key;          /* 0 if the study is new */
	char old_fingerprint[GX_HASH_HEX];
	char fingerprint[GX_HASH_HEX];
	int64_t old_n_values;
	char old_scale[8];          /* value_scale of the loaded study, "" if none */
	int linear;                 /* value scale: 1 linear, 0 log2 */
	gx_hset gene_keys;          /* gene hash -> gene_key, for this run */
	gx_rows *illness_keys;      /* code, illness_key */
	gx_rows *platform_keys;     /* code, platform_key */
	gx_platform *plats;         /* the distinct normalized platforms of the samples */
	size_t n_plats, cap_plats;
	gx_hset plat_ix;            /* hash of a gx_platform's bytes -> index in plats */
	gx_progress prog;
	gx_valid *val;              /* this run's validation checks, NULL for dry runs */
	gx_cohort_acc *cohort;      /* cohort statistics, accumulated by scans of every
	                             * sample; NULL for dry runs and verify */
	int cohort_done;            /* a scan of every sample filled it */
	uint64_t bytes_before;      /* progress: bytes of earlier matrices */
	uint64_t bytes_total;
} pipe;

/* ---- the scan: cells -> digests and facts ---- */

typedef struct scan {
	pipe *p;
	size_t mat;
	int emit;                   /* write facts */
	int probe;                  /* stop after probe_left cells (scale detection) */
	long probe_left;
	double probe_max;
	int probe_fraction;         /* a probed value has a fractional part (or is negative) */
	/* per-gene caches for the current gene table */
	size_t gcap;
	int32_t *gkey;
	uint64_t *ghash;
	/* fact batch */
	int32_t *fs, *fg;
	double *fv, *fl;
	size_t fn;
	gx_fact_writer *w;
	gx_cohort_acc *acc;         /* accumulate cohort statistics, or NULL */
	size_t *grow;               /* per gene of the table: row in acc */
	long n_genes;
	int64_t n_values;
} scan;

#define PROBE_STOP 1

static int flush_facts(scan *sc, gx_err *err)
{
	gx_fact_batch b;
	int rc;

	if (!sc->fn)
		return 0;
	b.n = sc->fn;
	b.sample_key = sc->fs;
	b.gene_key = sc->fg;
	b.value = sc->fv;
	b.log2 = sc->fl;
	rc = sc->p->s->ops->facts_put(sc->w, &b, err);
	sc->fn = 0;
	gx_test_point("facts");
	return rc;
}

static void scan_progress(void *ctx, uint64_t done, uint64_t total)
{
	scan *sc = ctx;
	(void)total;
	gx_progress_update(&sc->p->prog, sc->p->bytes_before + done,
	                   (uint64_t)sc->p->res->counts.rows_inserted + (uint64_t)sc->n_values);
}

/*
 * Keys of 'n' genes: from the run's cache, else from the database (which inserts new
 * genes).  hashes[i] is gx_gene_hash(ids[i]).
 */
static int gene_keys(pipe *p, size_t n, const char *const *ids, const char *const *symbols,
                     const uint64_t *hashes, int32_t *keys, gx_err *err)
{
	const char **mids = NULL, **msym = NULL;
	int32_t *mkeys = NULL;
	size_t *midx = NULL, nm = 0, i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		uint64_t k;
		if (gx_hset_get(&p->gene_keys, hashes[i], &k)) {
			keys[i] = (int32_t)k;
			continue;
		}
		if (!mids) {
			mids = gx_calloc(n, sizeof(*mids));
			msym = gx_calloc(n, sizeof(*msym));
			mkeys = gx_calloc(n, sizeof(*mkeys));
			midx = gx_calloc(n, sizeof(*midx));
			if (!mids || !msym || !mkeys || !midx) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				goto out;
			}
		}
		mids[nm] = ids[i];
		msym[nm] = symbols ? symbols[i] : NULL;
		midx[nm++] = i;
	}
	if (!nm)
		goto out;
	if ((rc = p->s->ops->resolve_genes(p->s, nm, mids, msym, mkeys, err)))
		goto out;
	for (i = 0; i < nm; i++) {
		keys[midx[i]] = mkeys[i];
		if (gx_hset_put(&p->gene_keys, hashes[midx[i]], (uint64_t)mkeys[i], NULL) < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	gx_free(mids);
	gx_free(msym);
	gx_free(mkeys);
	gx_free(midx);
	return rc;
}

static int on_genes(void *ctx, size_t n, const char *const *ids, const char *const *symbols,
                    gx_err *err)
{
	pipe *p = ctx;
	uint64_t *h = gx_calloc(n ? n : 1, sizeof(*h));
	int32_t *k = gx_calloc(n ? n : 1, sizeof(*k));
	size_t i;
	int rc;

	if (!h || !k) {
		gx_free(h);
		gx_free(k);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		h[i] = gx_gene_hash(ids[i], strlen(ids[i]));
	rc = gene_keys(p, n, ids, symbols, h, k, err);
	gx_free(h);
	gx_free(k);
	return rc;
}

/* Resolve the gene keys of every matrix before the facts stream (see gx_matrix_genes). */
static int pre_resolve_genes(pipe *p, gx_err *err)
{
	size_t m;
	int rc;

	for (m = 0; m < p->n_mats; m++) {
		rc = gx_matrix_genes(p->mats[m], on_genes, p, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One cell (index i of the batch) of gene g of the batch's table, for sample sm. */
static inline int on_cell(scan *sc, sample *sm, size_t g, const gx_cells *c, size_t i,
                          gx_err *err)
{
	double v = c->value[i], l;

	if (!sm->want || (c->missing && c->missing[i]))
		return 0;
	gx_digest_add(&sm->dig, gx_record_hash(sc->ghash[g], v));
	sm->n_values++;
	sc->n_values++;
	if (!sc->emit && !sc->acc)
		return 0;
	l = !sc->p->linear ? v : v >= 0 ? log2(v + 1.0) : NAN;
	if (sc->acc && sm->cohort != SIZE_MAX)
		gx_cohort_acc_add(sc->acc, sc->grow[g], sm->cohort, l);
	if (!sc->emit)
		return 0;
	sc->fs[sc->fn] = sm->key;
	sc->fg[sc->fn] = sc->gkey[g];
	sc->fv[sc->fn] = v;
	sc->fl[sc->fn] = l;
	if (++sc->fn == FACT_BATCH)
		return flush_facts(sc, err);
	return 0;
}

static int on_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	scan *sc = ctx;
	pipe *p = sc->p;
	const size_t *colmap = p->col_sample[sc->mat];
	size_t ns = gx_matrix_info_of(p->mats[sc->mat])->n_samples;
	size_t i;
	int rc;

	if ((rc = gx_check_interrupt(err)))
		return rc;
	if (!c->genes_unchanged) {
		if (c->n_genes > sc->gcap) {
			int32_t *k = gx_reallocarray(sc->gkey, c->n_genes, sizeof(*k));
			uint64_t *h = k ? gx_reallocarray(sc->ghash, c->n_genes, sizeof(*h)) : NULL;
			size_t *r = h ? gx_reallocarray(sc->grow, c->n_genes, sizeof(*r)) : NULL;
			if (k)
				sc->gkey = k;
			if (h)
				sc->ghash = h;
			if (r)
				sc->grow = r;
			if (!k || !h || !r)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			sc->gcap = c->n_genes;
		}
		for (i = 0; i < c->n_genes; i++) {
			sc->ghash[i] = gx_gene_hash(c->gene_ids[i], strlen(c->gene_ids[i]));
			if (sc->acc && (rc = gx_cohort_acc_gene(sc->acc, sc->ghash[i], c->gene_ids[i],
			                                          &sc->grow[i], err)))
				return rc;
		}
		if (sc->emit && (rc = gene_keys(p, c->n_genes, c->gene_ids, c->gene_symbols,
		                                sc->ghash, sc->gkey, err)))
			return rc;
		sc->n_genes += (long)c->n_genes;
	}
	if (sc->probe) {
		for (i = 0; i < c->n; i++) {
			double v = c->value[i];
			if (c->missing && c->missing[i])
				continue;
			if (v > sc->probe_max)
				sc->probe_max = v;
			if (v < 0 || v != floor(v))
				sc->probe_fraction = 1;
		}
		sc->probe_left -= (long)c->n;
		return sc->probe_left <= 0 ? PROBE_STOP : 0;
	}
	gx_valid_cells(p->val, c, colmap, ns);
	if (!c->gene && !c->sample) {
		/* dense, row-major: walk rows and columns (no division per cell) */
		size_t g, col;
		for (g = 0, i = 0; i < c->n; g++)
			for (col = 0; col < ns; col++, i++)
				if ((rc = on_cell(sc, &p->samples[colmap[col]], g, c, i, err)))
					return rc;
		return 0;
	}
	for (i = 0; i < c->n; i++)
		if ((rc = on_cell(sc, &p->samples[colmap[c->sample ? c->sample[i] : i % ns]],
		                  c->gene ? c->gene[i] : i / ns, c, i, err)))
			return rc;
	return 0;
}

static void scan_release(scan *sc)
{
	gx_free(sc->gkey);
	gx_free(sc->ghash);
	gx_free(sc->grow);
	gx_free(sc->fs);
	gx_free(sc->fg);
	gx_free(sc->fv);
	gx_free(sc->fl);
}

/* Start cohort statistics for a scan of every sample: one column per illness label. */
static int cohort_begin(pipe *p, gx_err *err)
{
	size_t i;
	int rc;

	gx_cohort_acc_reset(p->cohort);
	p->cohort_done = 0;
	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		sm->cohort = SIZE_MAX;
		if (sm->ill.code && sm->ill.code[0] && (rc = gx_cohort_acc_cohort(p->cohort, sm->ill.code,
		                                                   &sm->cohort, err)))
			return rc;
	}
	return 0;
}

/*
 * Scan every matrix: digests of the wanted samples, and with a writer, their facts.
 * Resets the wanted samples' digests first.  A scan of every sample also accumulates
 * the cohort statistics (p->cohort).
 */
static int scan_all(pipe *p, gx_fact_writer *w, gx_err *err)
{
	scan sc;
	size_t m, i, wanted = 0;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.w = w;
	sc.emit = w != NULL;
	for (i = 0; i < p->n_samples; i++)
		wanted += (size_t)(p->samples[i].want != 0);
	if (p->cohort && wanted == p->n_samples) {
		if ((rc = cohort_begin(p, err)))
			return rc;
		sc.acc = p->cohort;
	}
	if (sc.emit) {
		sc.fs = gx_malloc(FACT_BATCH * sizeof(*sc.fs));
		sc.fg = gx_malloc(FACT_BATCH * sizeof(*sc.fg));
		sc.fv = gx_malloc(FACT_BATCH * sizeof(*sc.fv));
		sc.fl = gx_malloc(FACT_BATCH * sizeof(*sc.fl));
		if (!sc.fs || !sc.fg || !sc.fv || !sc.fl) {
			scan_release(&sc);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
	}
	for (i = 0; i < p->n_samples; i++) {
		if (p->samples[i].want) {
			memset(&p->samples[i].dig, 0, sizeof(p->samples[i].dig));
			p->samples[i].n_values = 0;
		}
	}
	p->bytes_before = 0;
	for (m = 0; m < p->n_mats && !rc; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		unsigned char *want = gx_calloc(info->n_samples ? info->n_samples : 1, 1);
		if (!want) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
		for (i = 0; i < info->n_samples; i++)
			want[i] = (unsigned char)p->samples[p->col_sample[m][i]].want;
		sc.mat = m;
		p->mats[m]->opts.progress = scan_progress;
		p->mats[m]->opts.progress_ctx = &sc;
		sc.gcap = 0; /* a new matrix has a new gene table */
		rc = gx_matrix_scan(p->mats[m], want, on_cells, &sc, err);
		p->mats[m]->opts.progress = NULL; /* &sc dies here; other scans report nothing */
		gx_free(want);
		p->bytes_before += info->bytes;
	}
	if (!rc && sc.emit)
		rc = flush_facts(&sc, err);
	if (!rc) {
		if (sc.acc)
			p->cohort_done = 1; /* a later scan of some samples leaves them valid */
		p->res->n_genes = sc.n_genes;
		for (i = 0; i < p->n_samples; i++)
			if (p->samples[i].want)
				gx_digest_hex(&p->samples[i].dig, p->samples[i].digest);
		if (sc.emit)
			p->res->counts.rows_inserted += sc.n_values;
	}
	scan_release(&sc);
	return rc;
}

/*
 * Decide log2 vs linear from the first cells (transform.scale_probe_rows rows' worth:
 * rows x samples): linear if a value exceeds transform.linear_threshold (refine.bio's own
 * rule), or if every value is a non-negative integer and some exceeds 1 (counts, as in
 * 10x and other single-cell matrices); log2 otherwise.
 */
static int detect_scale(pipe *p, int partial, gx_err *err)
{
	const gx_config *cfg = p->cfg;
	scan sc;
	size_t i;
	int rc, counts;

	if (strcmp(cfg->value_scale, "auto")) {
		p->linear = !strcmp(cfg->value_scale, "linear");
		return 0;
	}
	if (partial && p->old_scale[0]) {
		/* rewritten samples must share the scale of those kept */
		p->linear = !strcmp(p->old_scale, "linear");
		return 0;
	}
	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.probe = 1;
	sc.probe_max = -INFINITY;
	for (i = 0; i < p->n_mats; i++) {
		size_t ns = gx_matrix_info_of(p->mats[i])->n_samples;
		sc.mat = i;
		sc.gcap = 0;
		sc.probe_left = cfg->scale_probe_rows * (long)(ns ? ns : 1);
		rc = gx_matrix_scan(p->mats[i], NULL, on_cells, &sc, err);
		if (rc < 0) {
			scan_release(&sc);
			return rc;
		}
	}
	scan_release(&sc);
	counts = !sc.probe_fraction && sc.probe_max > 1;
	p->linear = sc.probe_max > cfg->linear_threshold || counts;
	gx_log(GX_LOG_INFO, "transform",
	       "value scale %s (first %ld rows' worth of cells: largest %g, threshold %g%s)",
	       p->linear ? "linear: log2_value = log2(value + 1)" : "log2: log2_value = value",
	       cfg->scale_probe_rows, sc.probe_max, cfg->linear_threshold,
	       counts ? ", all non-negative integers: counts" : "");
	return 0;
}

/* ---- samples ---- */

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->key, ((const kv *)b)->key);
}

/* Canonical JSON of a sample's fields: metadata row, then the matrix's own attributes
 * for keys the row does not have; keys sorted, empty values left out. */
static int sample_json(pipe *p, sample *sm, gx_err *err)
{
	const gx_matrix_info *info = gx_matrix_info_of(p->mats[sm->matrix]);
	size_t cap = (p->md ? p->md->n_cols : 0) + info->attrs.n_attrs, n = 0, i, j;
	kv *f = gx_calloc(cap ? cap : 1, sizeof(*f));
	gx_buf b = { 0 };
	size_t col = 0;
	int rc = 0;

	if (!f)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (sm->row)
		for (i = 0; i < p->md->n_cols; i++)
			if (sm->row->values[i][0])
				f[n++] = (kv){ p->md->cols[i], sm->row->values[i] };
	for (i = 0; i < info->n_samples; i++)
		if (p->col_sample[sm->matrix][i] == (size_t)(sm - p->samples))
			col = i;
	for (j = 0; j < info->attrs.n_attrs; j++) {
		const char *v = info->attrs.values[col * info->attrs.n_attrs + j];
		size_t k;
		int dup = 0;
		if (!v || !v[0])
			continue;
		for (k = 0; k < n && !dup; k++)
			dup = !strcmp(f[k].key, info->attrs.names[j]);
		if (!dup)
			f[n++] = (kv){ info->attrs.names[j], v };
	}
	qsort(f, n, sizeof(*f), cmp_kv);
	rc |= gx_buf_putc(&b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			rc |= gx_buf_putc(&b, ',');
		rc |= gx_buf_json_str(&b, f[i].key, strlen(f[i].key));
		rc |= gx_buf_putc(&b, ':');
		rc |= gx_buf_json_str(&b, f[i].value, strlen(f[i].value));
	}
	rc |= gx_buf_putc(&b, '}');
	gx_free(f);
	if (rc) {
		gx_buf_release(&b);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	sm->meta_json = gx_buf_steal(&b);
	return 0;
}

static const gx_platform *plat_of(const pipe *p, const sample *sm)
{
	return &p->plats[sm->plat];
}

/* The index of platform 'pl' in p->plats, added if new: samples share their platform's
 * normalized form (about 700 bytes) instead of holding a copy each. */
static int intern_platform(pipe *p, const gx_platform *pl, size_t *ix, gx_err *err)
{
	uint64_t h = gx_hash_bytes(pl, sizeof(*pl)).lo, found;

	if (gx_hset_get(&p->plat_ix, h, &found) && !memcmp(&p->plats[found], pl, sizeof(*pl))) {
		*ix = (size_t)found;
		return 0;
	}
	if (p->n_plats == p->cap_plats) {
		size_t cap = p->cap_plats ? p->cap_plats * 2 : 8;
		gx_platform *n = gx_reallocarray(p->plats, cap, sizeof(*n));
		if (!n)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		p->plats = n;
		p->cap_plats = cap;
	}
	/* a hash collision with another platform only costs the sharing */
	if (gx_hset_put(&p->plat_ix, h, p->n_plats, NULL) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	p->plats[p->n_plats] = *pl;
	*ix = p->n_plats++;
	return 0;
}

/* The dimension row's hash: identity, metadata, and what the rules made of them. */
static int sample_hash(const pipe *p, sample *sm, gx_err *err)
{
	const gx_platform *pl = plat_of(p, sm);
	char conf[32];
	const char *f[14];

	snprintf(conf, sizeof(conf), "%.17g", sm->ill.confidence);
	f[0] = sm->accession;
	f[1] = sm->column;
	f[2] = sm->meta_json;
	f[3] = sm->ill.code;
	f[4] = sm->ill.decided_by;
	f[5] = conf;
	f[6] = sm->ill.field;
	f[7] = sm->ill.text;
	f[8] = pl->key;
	f[9] = pl->accession;
	f[10] = pl->rule_id;
	f[11] = sm->ill.cls;
	f[12] = sm->ill.value;
	f[13] = sm->ill.study;
	if (gx_hash_fields(sm->content_hash, 14, f) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

/*
 * Label every sample and normalize its platform: the rules see every field of the
 * sample's metadata row and of the matrix's own attributes, by their raw names
 * (transform/fields.h maps them to the rules' logical fields).  Illness labels are
 * decided for the study as a whole (transform/illness.h): every sample is added first.
 */
static int label_samples(pipe *p, gx_err *err)
{
	const gx_rulebook *rb = p->opts->rules;
	gx_fields *f = NULL;
	gx_illness_study *ist = NULL;
	gx_platform *pl = gx_calloc(1, sizeof(*pl));
	size_t i, j, unknown = 0;
	int rc;

	if (!pl)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_fields_new(&f, err)) ||
	    (rc = gx_illness_study_new(rb->illness, p->acc, &ist, err))) {
		gx_fields_free(f);
		gx_free(pl);
		return rc;
	}
	for (i = 0; i < p->n_samples && !rc; i++) {
		sample *sm = &p->samples[i];
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[sm->matrix]);
		size_t col = 0;

		gx_fields_clear(f);
		if (sm->row)
			for (j = 0; j < p->md->n_cols && !rc; j++)
				if (sm->row->values[j][0])
					rc = gx_fields_add_raw(f, p->md->cols[j], sm->row->values[j], err);
		for (j = 0; j < info->n_samples; j++)
			if (p->col_sample[sm->matrix][j] == i)
				col = j;
		for (j = 0; j < info->attrs.n_attrs && !rc; j++) {
			const char *v = info->attrs.values[col * info->attrs.n_attrs + j];
			if (v && v[0] && !(sm->row && gx_metadata_col(p->md, info->attrs.names[j]) >= 0))
				rc = gx_fields_add_raw(f, info->attrs.names[j], v, err);
		}
		if (rc)
			break;
		if ((rc = gx_illness_study_add(ist, sm->accession, f, err)))
			break;
		memset(pl, 0, sizeof(*pl)); /* interned by its bytes */
		if ((rc = gx_platform_normalize_fields(rb->platforms, f, pl, err)) ||
		    (rc = intern_platform(p, pl, &sm->plat, err)))
			break;
	}
	if (!rc)
		rc = gx_illness_study_finish(ist, err);
	for (i = 0; i < p->n_samples && !rc; i++) {
		sample *sm = &p->samples[i];
		gx_illness_study_label(ist, i, &sm->ill);
		unknown += !strcmp(sm->ill.code, gx_illness_default(rb->illness));
		/* the metadata JSON is hashed now and built again only if the row is written */
		if (!(rc = sample_json(p, sm, err)))
			rc = sample_hash(p, sm, err);
		gx_free(sm->meta_json);
		sm->meta_json = NULL;
	}
	gx_illness_study_free(ist);
	gx_fields_free(f);
	gx_free(pl);
	if (!rc && p->n_samples)
		gx_log(GX_LOG_INFO, "transform", "labelled %zu samples (%zu %s), rules %s", p->n_samples,
		       unknown, gx_illness_default(rb->illness), rb->hash);
	return rc;
}

static const char *field(const pipe *p, const sample *sm, gx_meta_col c)
{
	return p->md && sm->row ? gx_metadata_get(p->md, sm->row, c) : NULL;
}

/* Open the matrices, match their columns to metadata rows, build the sample list. */
static int build_samples(pipe *p, gx_err *err)
{
	gx_matrix_opts mo;
	size_t i, m, total = 0, unmatched = 0, by_title = 0;
	int rc;

	memset(&mo, 0, sizeof(mo));
	mo.na_values = (const char *const *)p->cfg->na_values;
	mo.n_na_values = p->cfg->n_na_values;
	mo.max_field_bytes = (size_t)p->cfg->max_field_bytes;
	for (i = 0; i < p->files->n; i++)
		if (!strcmp(p->files->files[i].role, "matrix"))
			p->n_mats++;
	p->mats = gx_calloc(p->n_mats, sizeof(*p->mats));
	p->col_sample = gx_calloc(p->n_mats, sizeof(*p->col_sample));
	if (!p->mats || !p->col_sample)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0, m = 0; i < p->files->n; i++) {
		if (strcmp(p->files->files[i].role, "matrix"))
			continue;
		if ((rc = gx_matrix_open(p->files->files[i].path, &mo, &p->mats[m], err)))
			return rc;
		total += gx_matrix_info_of(p->mats[m])->n_samples;
		p->bytes_total += gx_matrix_info_of(p->mats[m])->bytes;
		m++;
	}
	p->samples = gx_calloc(total ? total : 1, sizeof(*p->samples));
	if (!p->samples)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (m = 0; m < p->n_mats; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		p->col_sample[m] = gx_calloc(info->n_samples ? info->n_samples : 1, sizeof(size_t));
		if (!p->col_sample[m])
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; i < info->n_samples; i++) {
			sample *sm = &p->samples[p->n_samples];
			const char *col = info->sample_ids[i];
			size_t k;
			sm->column = col;
			sm->matrix = m;
			sm->accession = col;
			if (p->md) {
				sm->row = gx_metadata_find(p->md, col, 0);
				if (!sm->row && (sm->row = gx_metadata_find(p->md, col, 1)) != NULL) {
					sm->accession = gx_metadata_get(p->md, sm->row, GX_COL_ACCESSION);
					by_title++;
				}
				if (!sm->row)
					unmatched++;
			}
			for (k = 0; k < p->n_samples; k++) {
				if (!strcmp(p->samples[k].accession, sm->accession))
					return gx_err_at(err, GX_E_DUP_SAMPLE, p->mats[m]->path, 1, (long)i + 2,
					                 "sample '%s' appears twice (also column '%s' of '%s')",
					                 sm->accession, p->samples[k].column,
					                 p->mats[p->samples[k].matrix]->path);
			}
			p->col_sample[m][i] = p->n_samples++;
		}
	}
	if (p->opts->rules && (rc = label_samples(p, err)))
		return rc;
	if (by_title)
		gx_log(GX_LOG_INFO, "extract",
		       "%zu matrix columns are sample titles (2018 layout), matched to accessions "
		       "through the metadata", by_title);
	if (unmatched)
		gx_log(GX_LOG_WARNING, "extract",
		       "%zu of %zu matrix columns have no row in '%s'; they are loaded without "
		       "metadata", unmatched, p->n_samples, p->md->path);
	if (p->md && p->md->n_rows > p->n_samples - unmatched)
		gx_log(GX_LOG_WARNING, "extract",
		       "%zu metadata rows have no matrix column (samples without data)",
		       p->md->n_rows - (p->n_samples - unmatched));
	return 0;
}

/* ---- database state ---- */

static int read_state(pipe *p, gx_err *err)
{
	const char *par[1] = { p->acc };
	gx_rows *r = NULL;
	int rc;

	rc = gx_sink_query(p->s, "SELECT study_key, input_fingerprint, n_values, value_scale "
	                   "FROM dim_study WHERE accession = $1", 1, par, &r, err);
	if (rc)
		return rc;
	if (r->nrows) {
		p->study_key = (int32_t)atol(gx_rows_get(r, 0, 0));
		snprintf(p->old_fingerprint, sizeof(p->old_fingerprint), "%s",
		         gx_rows_get(r, 0, 1) ? gx_rows_get(r, 0, 1) : "");
		p->old_n_values = atoll(gx_rows_get(r, 0, 2));
		snprintf(p->old_scale, sizeof(p->old_scale), "%s",
		         gx_rows_get(r, 0, 3) ? gx_rows_get(r, 0, 3) : "");
	}
	gx_rows_free(r);
	return 0;
}

/* Existing samples of the study: keys, digests, counts. Returns the vanished ones. */
static int read_samples(pipe *p, gx_rows **vanished, gx_err *err)
{
	char sk[16];
	const char *par[1] = { sk };
	gx_rows *r = NULL, *gone = NULL;
	size_t i, j, nv = 0;
	int rc;

	*vanished = NULL;
	if (!p->study_key)
		return 0;
	snprintf(sk, sizeof(sk), "%d", (int)p->study_key);
	rc = gx_sink_query(p->s, "SELECT sample_key, accession, value_digest, n_values, "
	                   "CAST(illness_key AS text), content_hash FROM dim_sample "
	                   "WHERE study_key = $1", 1, par, &r, err);
	if (rc)
		return rc;
	gone = gx_calloc(1, sizeof(*gone));
	if (!gone || !(gone->cells = gx_calloc(r->nrows * 3 + 1, sizeof(char *))) ||
	    !(gone->names = gx_calloc(3, sizeof(char *)))) {
		gx_rows_free(gone);
		gx_rows_free(r);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	gone->ncols = 3; /* sample_key, n_values, illness_key */
	for (j = 0; j < r->nrows; j++) {
		const char *acc = gx_rows_get(r, j, 1);
		int found = 0;
		for (i = 0; i < p->n_samples; i++) {
			sample *sm = &p->samples[i];
			if (strcmp(sm->accession, acc))
				continue;
			found = 1;
			sm->existed = 1;
			sm->key = (int32_t)atol(gx_rows_get(r, j, 0));
			snprintf(sm->old_digest, sizeof(sm->old_digest), "%s",
			         gx_rows_get(r, j, 2) ? gx_rows_get(r, j, 2) : "");
			sm->old_n_values = atol(gx_rows_get(r, j, 3));
			snprintf(sm->old_illness, sizeof(sm->old_illness), "%s",
			         gx_rows_get(r, j, 4) ? gx_rows_get(r, j, 4) : "");
			snprintf(sm->old_content_hash, sizeof(sm->old_content_hash), "%s",
			         gx_rows_get(r, j, 5) ? gx_rows_get(r, j, 5) : "");
			break;
		}
		if (!found) {
			gone->cells[nv * 3] = gx_strdup(gx_rows_get(r, j, 0));
			gone->cells[nv * 3 + 1] = gx_strdup(gx_rows_get(r, j, 3));
			gone->cells[nv * 3 + 2] = gx_rows_get(r, j, 4) ? gx_strdup(gx_rows_get(r, j, 4)) : NULL;
			nv++;
			gone->nrows = nv;
		}
	}
	gx_rows_free(r);
	*vanished = gone;
	return 0;
}

static void fingerprint(pipe *p)
{
	gx_buf b = { 0 };
	size_t i;

	gx_buf_printf(&b, "gxload-input v1\nhash_version=%d\nrules=%s\n", GX_HASH_VERSION,
	              p->opts->rules->hash);
	for (i = 0; i < p->files->n; i++)
		gx_buf_printf(&b, "file %s %s %s\n", p->files->files[i].role, p->files->files[i].name,
		              p->files->files[i].hash);
	gx_buf_printf(&b, "value_scale=%s linear_threshold=%.17g probe_rows=%ld\nna_values=",
	              p->cfg->value_scale, p->cfg->linear_threshold, p->cfg->scale_probe_rows);
	for (i = 0; i < p->cfg->n_na_values; i++)
		gx_buf_printf(&b, "[%s]", p->cfg->na_values[i]);
	gx_buf_printf(&b, "\npair_top_n=%ld pair_min_stddev=%.17g pair_min_samples=%ld\n",
	              p->cfg->pair_top_n, p->cfg->pair_min_stddev, p->cfg->pair_min_samples);
	gx_hash128_hex(gx_hash_bytes(b.data ? b.data : "", b.len), p->fingerprint);
	gx_buf_release(&b);
}

/* 1 if every matrix file has the hash recorded for the study. */
static int matrices_unchanged(pipe *p, gx_err *err, int *unchanged)
{
	char sk[16];
	gx_rows *r = NULL;
	const char *par[1] = { sk };
	size_t i, j;
	int rc;

	*unchanged = 0;
	if (!p->study_key)
		return 0;
	snprintf(sk, sizeof(sk), "%d", (int)p->study_key);
	if ((rc = gx_sink_query(p->s, "SELECT path, content_hash FROM meta_source_file WHERE "
	                        "study_key = $1 AND role = 'matrix'", 1, par, &r, err)))
		return rc;
	*unchanged = r->nrows == p->n_mats;
	for (i = 0; i < p->files->n && *unchanged; i++) {
		const gx_study_file *f = &p->files->files[i];
		int same = 0;
		if (strcmp(f->role, "matrix"))
			continue;
		for (j = 0; j < r->nrows; j++)
			if (!strcmp(gx_rows_get(r, j, 0), f->name) && !strcmp(gx_rows_get(r, j, 1), f->hash))
				same = 1;
		*unchanged = same;
	}
	gx_rows_free(r);
	return 0;
}

/* ---- writes (inside the load transaction) ---- */

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

static int upsert_study(pipe *p, gx_err *err)
{
	const gx_study_meta *sm = p->sm;
	const char *organism = sm ? sm->organism : NULL;
	const char *srcdb = sm ? sm->source_database : NULL;
	char now[32], hash[GX_HASH_HEX];
	const char *par[10];
	long key;
	size_t i;
	int rc;

	/* without aggregated_metadata.json, take organism and source from the samples when
	 * they all agree */
	for (i = 0; i < p->n_samples && (!organism || !srcdb); i++) {
		const char *o = field(p, &p->samples[i], GX_COL_ORGANISM);
		const char *d = field(p, &p->samples[i], GX_COL_SOURCE_DB);
		if (!organism && o)
			organism = o;
		if (!srcdb && d)
			srcdb = d;
	}
	gx_sink_now(now);
	par[0] = p->acc;
	par[1] = sm ? sm->title : NULL;
	par[2] = sm ? sm->description : NULL;
	par[3] = sm && sm->technology ? sm->technology : samples_technology(p);
	par[4] = organism;
	par[5] = srcdb;
	par[6] = sm ? sm->experiment_json : NULL;
	if (gx_hash_fields(hash, 7, par) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	par[7] = hash;
	par[8] = now;
	rc = gx_sink_query_long(p->s,
		"INSERT INTO dim_study (accession, title, description, technology, organism, "
		"source_database, metadata, content_hash, created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) "
		"ON CONFLICT (accession) DO UPDATE SET title = excluded.title, "
		"description = excluded.description, technology = excluded.technology, "
		"organism = excluded.organism, source_database = excluded.source_database, "
		"metadata = excluded.metadata, content_hash = excluded.content_hash, "
		"updated_at = excluded.updated_at "
		"WHERE dim_study.content_hash IS DISTINCT FROM excluded.content_hash "
		"RETURNING study_key", 9, par, &key, err);
	if (rc)
		return rc;
	if (!key)
		rc = gx_sink_query_long(p->s, "SELECT study_key FROM dim_study WHERE accession = $1",
		                        1, par, &key, err);
	p->study_key = (int32_t)key;
	return rc;
}

/* Key of 'code' in a (code, key) result, or NULL. */
static const char *key_of(const gx_rows *r, const char *code)
{
	size_t i;

	for (i = 0; r && i < r->nrows; i++)
		if (!strcmp(gx_rows_get(r, i, 0), code))
			return gx_rows_get(r, i, 1);
	return NULL;
}

static int upsert_platform(pipe *p, const char *code, const char *acc, const char *name,
                           const char *manufacturer, const char *technology,
                           const char *const *accs, size_t n_accs, int known, gx_err *err)
{
	gx_buf a = { 0 };
	char now[32], hash[GX_HASH_HEX];
	const char *par[9];
	size_t i;
	int rc;

	gx_buf_putc(&a, '[');
	for (i = 0; i < n_accs; i++) {
		if (i)
			gx_buf_putc(&a, ',');
		gx_buf_json_str(&a, accs[i], strlen(accs[i]));
	}
	if (gx_buf_putc(&a, ']') < 0) {
		gx_buf_release(&a);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	gx_sink_now(now);
	par[0] = code;
	par[1] = acc && acc[0] ? acc : NULL;
	par[2] = name;
	par[3] = manufacturer && manufacturer[0] ? manufacturer : NULL;
	par[4] = technology;
	par[5] = a.data;
	par[6] = known ? "1" : "0";
	if (gx_hash_fields(hash, 7, par) < 0) {
		gx_buf_release(&a);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	par[7] = hash;
	par[8] = now;
	rc = gx_sink_query(p->s,
		"INSERT INTO dim_platform (code, accession, name, manufacturer, technology, "
		"accessions, known, content_hash, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
		"ON CONFLICT (code) DO UPDATE SET accession = excluded.accession, name = excluded.name, "
		"manufacturer = excluded.manufacturer, technology = excluded.technology, "
		"accessions = excluded.accessions, known = excluded.known, "
		"content_hash = excluded.content_hash, updated_at = excluded.updated_at "
		"WHERE dim_platform.content_hash IS DISTINCT FROM excluded.content_hash",
		9, par, NULL, err);
	gx_buf_release(&a);
	return rc;
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
		char hash[GX_HASH_HEX];
		const char *par[5];
		par[0] = c->code;
		par[1] = c->label;
		par[2] = c->description;
		if (gx_hash_fields(hash, 3, par) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		par[3] = hash;
		par[4] = now;
		if ((rc = gx_sink_query(p->s,
			"INSERT INTO dim_illness (code, label, description, content_hash, updated_at) "
			"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET "
			"label = excluded.label, description = excluded.description, "
			"content_hash = excluded.content_hash, updated_at = excluded.updated_at "
			"WHERE dim_illness.content_hash IS DISTINCT FROM excluded.content_hash",
			5, par, NULL, err)))
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
	if ((rc = gx_sink_query(p->s, "SELECT code, CAST(illness_key AS text) FROM dim_illness", 0,
	                        NULL, &p->illness_keys, err)))
		return rc;
	return gx_sink_query(p->s, "SELECT code, CAST(platform_key AS text) FROM dim_platform", 0,
	                     NULL, &p->platform_keys, err);
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

/* The label's evidence chain next to it (load/labels.h). */
static int store_evidence(pipe *p, const sample *sm, gx_err *err)
{
	gx_buf b = { 0 };
	int rc;

	if (gx_illness_label_json(&sm->ill, &b) < 0) {
		gx_buf_release(&b);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	rc = gx_labels_set_evidence(p->s, sm->key, gx_buf_cstr(&b), err);
	gx_buf_release(&b);
	return rc;
}

static int upsert_samples(pipe *p, long *meta_changed, gx_err *err)
{
	char sk[16], now[32];
	size_t i;
	int rc;

	*meta_changed = 0;
	snprintf(sk, sizeof(sk), "%d", (int)p->study_key);
	gx_sink_now(now);
	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		const gx_platform *pl = plat_of(p, sm);
		const char *par[20];
		char conf[32];
		long key = 0;
		if (sm->existed && !strcmp(sm->content_hash, sm->old_content_hash))
			continue; /* the row is this sample's already (the upsert would not change it) */
		if (!sm->meta_json && (rc = sample_json(p, sm, err)))
			return rc;
		snprintf(conf, sizeof(conf), "%.17g", sm->ill.confidence);
		par[0] = sk;
		par[1] = sm->accession;
		par[2] = sm->column;
		par[3] = field(p, sm, GX_COL_TITLE);
		par[4] = field(p, sm, GX_COL_PLATFORM);
		par[5] = field(p, sm, GX_COL_ORGANISM);
		par[6] = field(p, sm, GX_COL_DISEASE);
		par[7] = field(p, sm, GX_COL_SOURCE_DB);
		par[8] = sm->meta_json;
		par[9] = sm->content_hash;
		par[10] = now;
		par[11] = key_of(p->illness_keys, sm->ill.code);
		par[12] = illness_source_name(sm->ill.source);
		par[13] = sm->ill.decided_by;
		par[14] = conf;
		par[15] = sm->ill.field[0] ? sm->ill.field : NULL;
		par[16] = sm->ill.text[0] ? sm->ill.text : NULL;
		par[17] = pl->key[0] ? key_of(p->platform_keys, pl->key) : NULL;
		par[18] = pl->accession[0] ? pl->accession : NULL;
		par[19] = pl->rule_id[0] ? pl->rule_id : NULL;
		rc = gx_sink_query_long(p->s,
			"INSERT INTO dim_sample (study_key, accession, column_name, title, platform_raw, "
			"organism, disease_raw, source_database, metadata, content_hash, created_at, "
			"updated_at, illness_key, illness_source, illness_rule_id, illness_confidence, "
			"illness_field, illness_matched_text, platform_key, platform_accession, "
			"platform_rule_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, "
			"$12, $13, $14, $15, $16, $17, $18, $19, $20) "
			"ON CONFLICT (study_key, accession) DO UPDATE SET "
			"column_name = excluded.column_name, title = excluded.title, "
			"platform_raw = excluded.platform_raw, organism = excluded.organism, "
			"disease_raw = excluded.disease_raw, source_database = excluded.source_database, "
			"metadata = excluded.metadata, content_hash = excluded.content_hash, "
			"updated_at = excluded.updated_at, illness_key = excluded.illness_key, "
			"illness_source = excluded.illness_source, "
			"illness_rule_id = excluded.illness_rule_id, "
			"illness_confidence = excluded.illness_confidence, "
			"illness_field = excluded.illness_field, "
			"illness_matched_text = excluded.illness_matched_text, "
			"platform_key = excluded.platform_key, "
			"platform_accession = excluded.platform_accession, "
			"platform_rule_id = excluded.platform_rule_id "
			"WHERE dim_sample.content_hash IS DISTINCT FROM excluded.content_hash "
			"RETURNING sample_key", 20, par, &key, err);
		gx_free(sm->meta_json); /* written: not needed again (memory is per sample) */
		sm->meta_json = NULL;
		if (rc)
			return rc;
		if (key) {
			sm->key = (int32_t)key;
			if (sm->existed)
				(*meta_changed)++;
			if ((rc = store_evidence(p, sm, err)))
				return rc;
		}
	}
	return 0;
}

static int remove_vanished(pipe *p, gx_rows *gone, gx_err *err)
{
	size_t i;
	int rc;

	for (i = 0; gone && i < gone->nrows; i++) {
		int32_t key = (int32_t)atol(gx_rows_get(gone, i, 0));
		const char *par[1] = { gx_rows_get(gone, i, 0) };
		int64_t deleted = 0;
		if ((rc = p->s->ops->delete_samples(p->s, p->study_key, 1, &key, &deleted, err)))
			return rc;
		p->res->counts.rows_deleted += deleted;
		if ((rc = gx_sink_query(p->s, "DELETE FROM dim_sample WHERE sample_key = $1", 1, par,
		                        NULL, err)))
			return rc;
	}
	return 0;
}

static int save_digests(pipe *p, gx_err *err)
{
	char nv[24], key[16];
	size_t i;
	int rc;

	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		const char *par[3] = { key, sm->digest, nv };
		if (!sm->want)
			continue;
		snprintf(key, sizeof(key), "%d", (int)sm->key);
		snprintf(nv, sizeof(nv), "%ld", sm->n_values);
		if ((rc = gx_sink_query(p->s, "UPDATE dim_sample SET value_digest = $2, n_values = $3 "
		                        "WHERE sample_key = $1 AND (value_digest IS DISTINCT FROM $2 "
		                        "OR n_values <> $3)", 3, par, NULL, err)))
			return rc;
	}
	return 0;
}

static int finish_study(pipe *p, int facts_written, gx_err *err)
{
	char sk[16], now[32];
	const char *par[5] = { sk, p->fingerprint, now, NULL, p->opts->rules->hash };
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)p->study_key);
	gx_sink_now(now);
	if (facts_written)
		par[3] = p->linear ? "linear" : "log2";
	rc = gx_sink_query(p->s,
		"UPDATE dim_study SET input_fingerprint = $2, updated_at = $3, rules_hash = $5, "
		"value_scale = COALESCE($4, value_scale), "
		"n_samples = (SELECT count(*) FROM dim_sample s WHERE s.study_key = dim_study.study_key), "
		"n_values = (SELECT COALESCE(sum(n_values), 0) FROM dim_sample s "
		"            WHERE s.study_key = dim_study.study_key) "
		"WHERE study_key = $1", 5, par, NULL, err);
	if (rc || !facts_written)
		return rc;
	{
		char ng[24];
		const char *q[2] = { sk, ng };
		snprintf(ng, sizeof(ng), "%ld", p->res->n_genes);
		return gx_sink_query(p->s, "UPDATE dim_study SET n_genes = $2 WHERE study_key = $1",
		                     2, q, NULL, err);
	}
}

static int save_files(pipe *p, long run_id, gx_err *err)
{
	char sk[16], size[24], mtime[32], now[32], rid[24];
	gx_rows *r = NULL;
	const char *par[9];
	size_t i, j;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)p->study_key);
	snprintf(rid, sizeof(rid), "%ld", run_id);
	gx_sink_now(now);
	for (i = 0; i < p->files->n; i++) {
		const gx_study_file *f = &p->files->files[i];
		snprintf(size, sizeof(size), "%llu", (unsigned long long)f->size);
		gx_sink_time(f->mtime, mtime);
		par[0] = sk;
		par[1] = f->name;
		par[2] = f->role;
		par[3] = f->format;
		par[4] = size;
		par[5] = mtime;
		par[6] = f->hash;
		par[7] = rid;
		par[8] = now;
		if ((rc = gx_sink_query(p->s,
			"INSERT INTO meta_source_file (study_key, path, role, format, size_bytes, mtime, "
			"content_hash, run_id, loaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
			"ON CONFLICT (study_key, path) DO UPDATE SET role = excluded.role, "
			"format = excluded.format, size_bytes = excluded.size_bytes, "
			"mtime = excluded.mtime, content_hash = excluded.content_hash, "
			"run_id = excluded.run_id, loaded_at = excluded.loaded_at", 9, par, NULL, err)))
			return rc;
	}
	par[0] = sk;
	if ((rc = gx_sink_query(p->s, "SELECT path FROM meta_source_file WHERE study_key = $1", 1,
	                        par, &r, err)))
		return rc;
	for (j = 0; j < r->nrows && !rc; j++) {
		int present = 0;
		for (i = 0; i < p->files->n; i++)
			present |= !strcmp(p->files->files[i].name, gx_rows_get(r, j, 0));
		if (!present) {
			const char *q[2] = { sk, gx_rows_get(r, j, 0) };
			rc = gx_sink_query(p->s, "DELETE FROM meta_source_file WHERE study_key = $1 AND "
			                   "path = $2", 2, q, NULL, err);
		}
	}
	gx_rows_free(r);
	return rc;
}

/* ---- the run ---- */

static void pipe_release(pipe *p)
{
	size_t i;

	for (i = 0; i < p->n_mats; i++) {
		gx_matrix_close(p->mats ? p->mats[i] : NULL);
		if (p->col_sample)
			gx_free(p->col_sample[i]);
	}
	gx_free(p->mats);
	gx_free(p->col_sample);
	for (i = 0; i < p->n_samples; i++)
		gx_free(p->samples[i].meta_json);
	gx_free(p->samples);
	gx_metadata_free(p->md);
	gx_study_meta_free(p->sm);
	gx_hset_release(&p->gene_keys);
	gx_rows_free(p->illness_keys);
	gx_rows_free(p->platform_keys);
	gx_free(p->plats);
	gx_hset_release(&p->plat_ix);
	gx_study_files_free(p->files);
	gx_valid_free(p->val);
	gx_cohort_acc_release(p->cohort);
	gx_free(p->cohort);
}

/* Decide the mode and which samples to write; runs the digest pass when needed. */
static int plan(pipe *p, int *mode_full, int *write_facts, gx_err *err)
{
	size_t i, changed = 0;
	int unchanged, rc;

	*write_facts = 1;
	*mode_full = 1;
	if ((rc = matrices_unchanged(p, err, &unchanged)))
		return rc;
	if (!p->opts->force && unchanged && p->old_n_values > 0) {
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
	/* pass 1: digests of every sample, compared with the stored ones; with the scale of
	 * a partial load, it also gathers the cohort statistics */
	gx_log(GX_LOG_INFO, "extract", "matrix changed: computing per-sample digests");
	if ((rc = detect_scale(p, 1, err)) || (rc = scan_all(p, NULL, err)))
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
	} else {
		*mode_full = 0;
		snprintf(p->res->mode, sizeof(p->res->mode), "partial");
	}
	return 0;
}

/* Tell validation what each sample is before the facts stream (transform/validate.h). */
static int validate_begin(pipe *p, gx_err *err)
{
	const char *unknown = gx_illness_default(p->opts->rules->illness);
	size_t i;
	int rc;

	if ((rc = gx_valid_begin(p->val, p->n_samples, unknown, err)))
		return rc;
	for (i = 0; i < p->n_samples; i++) {
		const sample *sm = &p->samples[i];
		gx_valid_sample(p->val, i, sm->accession, sm->want, sm->row != NULL, sm->ill.code,
		                plat_of(p, sm)->known);
	}
	return 0;
}

/*
 * Whether a partial run changed what cohort 'key' (illness_key as text) aggregates: a
 * rewritten or new sample in it, a sample relabelled into or out of it, or a vanished
 * sample of it.  Its rows are rewritten then; the others are kept.
 */
static int cohort_changed(const pipe *p, const char *key, const gx_rows *gone)
{
	size_t i;

	for (i = 0; i < p->n_samples; i++) {
		const sample *sm = &p->samples[i];
		const char *now = sm->ill.code ? key_of(p->illness_keys, sm->ill.code) : NULL;
		int in_now = now && !strcmp(now, key), in_old = !strcmp(sm->old_illness, key);
		if ((in_now || in_old) && (sm->want || !sm->existed || in_now != in_old))
			return 1;
	}
	for (i = 0; gone && i < gone->nrows; i++)
		if (gx_rows_get(gone, i, 2) && !strcmp(gx_rows_get(gone, i, 2), key))
			return 1;
	return 0;
}

/* The study's cohort statistics: from the scan when one saw every sample, else from SQL.
 * A partial run rewrites only the cohorts it changed (cohort_changed). */
static int store_cohorts(pipe *p, int mode_full, const gx_rows *gone, gx_err *err)
{
	const char **keys;
	unsigned char *changed = NULL;
	size_t i;
	int rc;

	if (!p->cohort_done)
		return gx_cohort_refresh(p->s, p->cfg, p->study_key, NULL, err);
	keys = gx_calloc(p->cohort->n_cohorts ? p->cohort->n_cohorts : 1, sizeof(*keys));
	if (!keys || (!mode_full && !(changed = gx_calloc(p->cohort->n_cohorts + 1, 1)))) {
		gx_free(keys);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < p->cohort->n_cohorts; i++) {
		keys[i] = key_of(p->illness_keys, p->cohort->codes[i]);
		if (changed)
			changed[i] = (unsigned char)(keys[i] && cohort_changed(p, keys[i], gone));
	}
	rc = gx_cohort_store(p->s, p->cfg, p->study_key, p->cohort, &p->gene_keys, keys, changed,
	                     NULL, err);
	gx_free(changed);
	gx_free(keys);
	return rc;
}

/* -vv: how long the step that ends now took (since *t0, which moves on). */
static void step_time(const char *what, double *t0)
{
	double t = gx_mono();

	gx_log(GX_LOG_DEBUG, "load", "%s: %.3f s", what, t - *t0);
	*t0 = t;
}

static int load_tx(pipe *p, long run_id, int mode_full, int write_facts, gx_rows *gone,
                   gx_err *err)
{
	double t0 = gx_mono();
	gx_fact_writer *w = NULL;
	long meta_changed = 0;
	size_t i, nchg = 0;
	int32_t *keys = NULL;
	int rc;

	if ((rc = gx_sink_begin(p->s, err)))
		return rc;
	gx_test_point("begin");
	if ((rc = upsert_study(p, err)) || (rc = upsert_rule_dims(p, err)) ||
	    (rc = upsert_samples(p, &meta_changed, err)) ||
	    (rc = remove_vanished(p, gone, err)) || (rc = validate_begin(p, err)))
		goto fail;
	step_time("dimensions", &t0);
	p->res->counts.samples_changed = gone ? (long)gone->nrows : 0;
	if (write_facts) {
		/* genes first: a backend may use their keys to find the changed samples' rows */
		if ((rc = pre_resolve_genes(p, err)))
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
			if ((rc = p->s->ops->delete_samples(p->s, p->study_key, nchg, keys, &deleted, err)))
				goto fail;
			p->res->counts.rows_deleted += deleted;
			step_time("changed samples' rows deleted", &t0);
		} else {
			/* the old facts are replaced whole (vanished samples' rows included) */
			p->res->counts.rows_deleted = p->old_n_values;
		}
		if ((rc = p->s->ops->facts_begin(p->s, p->study_key,
		                                 mode_full ? GX_FACTS_REPLACE : GX_FACTS_APPEND, &w, err)))
			goto fail;
		gx_progress_begin(&p->prog, p->opts->show_progress, p->acc, p->bytes_total);
		rc = scan_all(p, w, err);
		gx_progress_end(&p->prog);
		if (rc)
			goto fail;
		step_time("facts scanned and streamed", &t0);
		gx_test_point("swap");
		rc = p->s->ops->facts_finish(w, err);
		w = NULL;
		if (rc)
			goto fail;
		step_time("facts finished (keys, swap)", &t0);
		for (i = 0; i < p->n_samples; i++)
			p->res->counts.samples_changed += p->samples[i].want;
		if ((rc = save_digests(p, err)))
			goto fail;
	}
	p->res->counts.samples_changed += write_facts ? 0 : meta_changed;
	if ((rc = finish_study(p, write_facts, err)) || (rc = save_files(p, run_id, err)))
		goto fail;
	step_time("digests, study and files", &t0);
	if ((rc = store_cohorts(p, mode_full, gone, err)))
		goto fail;
	step_time("cohort statistics", &t0);
	if ((rc = gx_valid_finish(p->val, p->s, run_id, p->acc, p->study_key, p->md, p->sm, err)))
		goto fail;
	step_time("validation", &t0);
	if ((rc = gx_check_interrupt(err)))
		goto fail;
	if ((rc = gx_meta_run_finish(p->s, run_id, "succeeded", p->res->mode, &p->res->counts,
	                             NULL, err)))
		goto fail;
	gx_test_point("commit");
	rc = gx_sink_commit(p->s, err);
	if (!rc)
		gx_test_point("committed");
	step_time("commit", &t0);
	gx_free(keys);
	return rc;
fail:
	if (w)
		p->s->ops->facts_abort(w);
	gx_progress_end(&p->prog);
	gx_sink_rollback(p->s);
	gx_free(keys);
	return rc;
}

int gx_pipeline_load(gx_sink *s, const gx_config *cfg, const char *accession,
                     const gx_load_opts *opts, gx_load_result *res, gx_err *err)
{
	pipe p;
	gx_lock *lock = NULL;
	gx_run_log *rlog = NULL;
	gx_rows *gone = NULL;
	long run_id = 0, stale = 0;
	double t0 = gx_mono(), tstep = t0;
	int rc, db_locked = 0, mode_full = 0, write_facts = 0;
	const gx_study_file *f;

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

	if (!gx_accession_valid(accession)) {
		rc = gx_err_set(err, GX_E_ACCESSION,
		                "invalid accession '%.80s': use letters, digits, '.', '_' and '-'",
		                accession);
		goto record_early;
	}
	/* lock first: nothing is read or written before this run owns the study */
	if ((rc = gx_lock_acquire(cfg->lock_dir, accession, cfg->lock_timeout_s, &lock, err)))
		goto out;
	if (s && (rc = s->ops->lock_study(s, accession, cfg->lock_timeout_s, err)))
		goto out;
	db_locked = s != NULL;
	gx_test_point("locked");
	if (!opts->dry_run) {
		if ((rc = gx_meta_run_start(s, accession, opts->file ? "load --file" : "load",
		                            opts->force, 0, &run_id, err)))
			goto out;
		res->run_id = run_id;
		gx_log_set_context(run_id, accession);
		if ((rlog = gx_run_log_new()) != NULL)
			gx_log_set_hook(gx_run_log_hook, rlog);
		s->ops->set_run(s, run_id, NULL);
		if (!(p.val = gx_valid_new(cfg)) || !(p.cohort = gx_calloc(1, sizeof(*p.cohort)))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto fail;
		}
		if ((rc = gx_meta_repair_stale(s, accession, run_id, &stale, err)))
			goto fail;
		if (stale)
			gx_log(GX_LOG_WARNING, "resolve",
			       "%ld earlier run(s) of this study ended without finishing; marked aborted",
			       stale);
	}
	/* extract: files, fingerprint, skip */
	rc = opts->file ? gx_study_from_file(opts->file, accession, &p.files, err)
	                : gx_study_resolve(cfg->data_root, accession, &p.files, err);
	if (rc || (rc = gx_study_hash(p.files, err)))
		goto fail;
	fingerprint(&p);
	if (s && (rc = read_state(&p, err)))
		goto fail;
	if (!opts->force && p.study_key && !strcmp(p.fingerprint, p.old_fingerprint)) {
		res->counts.files_skipped = (long)p.files->n;
		snprintf(res->status, sizeof(res->status), opts->dry_run ? "dry-run" : "skipped");
		gx_log(GX_LOG_INFO, "resolve", "unchanged since the last successful load: skipped");
		if (!opts->dry_run &&
		    (rc = gx_meta_run_finish(s, run_id, "skipped", "none", &res->counts, NULL, err)))
			goto fail;
		goto done;
	}
	if ((f = gx_study_find(p.files, "metadata")) &&
	    (rc = gx_metadata_read(f->path, (size_t)cfg->max_field_bytes, &p.md, err)))
		goto fail;
	if ((f = gx_study_find(p.files, "aggregated_metadata")) &&
	    (rc = gx_study_meta_read(f->path, accession, &p.sm, err)))
		goto fail;
	if ((rc = build_samples(&p, err)) || (rc = read_samples(&p, &gone, err)))
		goto fail;
	step_time("files hashed, metadata read, samples labelled", &tstep);
	if ((rc = plan(&p, &mode_full, &write_facts, err)))
		goto fail;
	step_time("plan (digest pass when a matrix changed)", &tstep);
	if (write_facts && mode_full && (rc = detect_scale(&p, 0, err)))
		goto fail;
	res->n_samples = (long)p.n_samples;
	if (opts->dry_run) {
		snprintf(res->status, sizeof(res->status), "dry-run");
		goto done;
	}
	gx_log(GX_LOG_INFO, "load", "%s load of %zu samples from %zu matrix file(s)", res->mode,
	       p.n_samples, p.n_mats);
	if ((rc = load_tx(&p, run_id, mode_full, write_facts, gone, err)))
		goto fail;
	snprintf(res->status, sizeof(res->status), "succeeded");
	snprintf(res->value_scale, sizeof(res->value_scale), "%s", p.linear ? "linear" : "log2");
	{
		char sk[16];
		const char *par[1] = { sk };
		long nv = 0;
		snprintf(sk, sizeof(sk), "%d", (int)p.study_key);
		if (!gx_sink_query_long(s, "SELECT n_values FROM dim_study WHERE study_key = $1", 1, par,
		                        &nv, NULL))
			res->n_values = nv;
	}
	goto done;

fail:
	if (s)
		gx_sink_rollback(s);
	if (!run_id)
		goto out;
	gx_log_err(GX_LOG_ERROR, gx_code_stage(err->code), err);
	{
		gx_err e2;
		const char *st = err->code == GX_E_INTERRUPTED ? "aborted" : "failed";
		snprintf(res->status, sizeof(res->status), "%s", st);
		gx_err_clear(&e2);
		res->counts.rows_inserted = 0;
		res->counts.rows_deleted = 0;
		res->counts.samples_changed = 0;
		if (gx_meta_run_finish(s, run_id, st, res->mode, &res->counts, err, &e2))
			gx_log_err(GX_LOG_WARNING, "meta", &e2);
		gx_valid_failed(p.val, s, run_id, accession, err);
	}
	goto out;

record_early:
	/* an error before the lock: still leave a failed run row */
	if (!opts->dry_run && s) {
		gx_err e2;
		long id = 0;
		gx_err_clear(&e2);
		if (!gx_meta_run_start(s, accession, "load", opts->force, 0, &id, &e2)) {
			res->run_id = id;
			gx_log_set_context(id, accession);
			if ((rlog = gx_run_log_new()) != NULL)
				gx_log_set_hook(gx_run_log_hook, rlog);
			gx_log_err(GX_LOG_ERROR, "resolve", err);
			gx_meta_run_finish(s, id, "failed", "none", NULL, err, &e2);
			run_id = id;
		}
	}
	goto out;

done:
	rc = 0;
out:
	res->seconds = gx_mono() - t0;
	gx_log_set_hook(NULL, NULL);
	if (rlog && run_id) {
		gx_err e2;
		gx_err_clear(&e2);
		if (gx_run_log_flush(rlog, s, run_id, &e2))
			gx_log_err(GX_LOG_WARNING, "meta", &e2);
	}
	gx_run_log_free(rlog);
	gx_rows_free(gone);
	if (db_locked)
		s->ops->unlock_study(s, accession);
	gx_lock_release(lock);
	pipe_release(&p);
	gx_log_set_context(0, NULL);
	return rc;
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
	rc = file ? gx_study_from_file(file, accession, &p.files, err)
	          : gx_study_resolve(cfg->data_root, accession, &p.files, err);
	if (rc)
		goto out;
	if ((f = gx_study_find(p.files, "metadata")) &&
	    (rc = gx_metadata_read(f->path, (size_t)cfg->max_field_bytes, &p.md, err)))
		goto out;
	if ((rc = build_samples(&p, err)))
		goto out;
	for (i = 0; i < p.n_samples; i++)
		p.samples[i].want = 1;
	if ((rc = scan_all(&p, NULL, err)))
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
