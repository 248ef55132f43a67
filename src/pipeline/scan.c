/*
 * scan.c - the scan: a study's matrices streamed, cells -> value digests, facts and
 * cohort statistics (see run.h).
 *
 * Every reader pushes batches of cells (extract/matrix.h) to on_cells, which keeps a
 * per-gene cache for the batch's gene table (hash, key, cohort row), adds each wanted
 * sample's value to its digest (core/hash.h), and, when facts are written, fills a batch
 * of facts that goes to the sink's writer when full; validation counts every batch
 * (transform/validate.h).  A first pass may only probe the first cells for the value
 * scale (pipe_detect_scale).
 * Cohort statistics count every sample of a cohort: a sparse matrix passes only its
 * stored cells, so the scan counts them per gene x cohort and, when the matrix ends,
 * adds the rest of the cohort's samples in it as measured zeros (log2_value 0 on both
 * scales), for every gene of the matrix, all-zero genes included.
 * Invariant: digests do not depend on the file format or column order.
 * Does not: detect structural errors (the readers do), or know SQL.
 */
#include "pipeline/run.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"

#include <math.h>
#include <string.h>

#define FACT_BATCH 65536

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
	unsigned char *ft;          /* per fact: tile_only (when the scan has tiles) */
	size_t fn;
	int tiles;                  /* some sample is a tile (run.h) */
	gx_fact_writer *w;
	gx_dups *dups;              /* the matrix's repeated gene ids, or NULL */
	gx_cohort_acc *acc;         /* accumulate cohort statistics, or NULL */
	size_t *grow;               /* per gene of the table: row in acc */
	int cohort_only;            /* every sample for acc alone: no digest, no validation */
	/* the sparse matrix being scanned (acc set): its zeros are added when it ends */
	int zeros;
	uint32_t *stored;           /* acc rows x cohorts: cells of this matrix counted */
	uint32_t *stamp;            /* per acc row: matrix + 1 of the last sparse one listing it */
	size_t zrows;               /* rows 'stored' and 'stamp' have room for */
	size_t *mrows, n_mrows, cap_mrows; /* the acc rows this matrix lists */
	int64_t *in_cohort;         /* per cohort: this matrix's samples in it */
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
	b.tile_only = sc->tiles ? sc->ft : NULL;
	rc = gx_sink_facts_put(sc->w, &b, err);
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
	if ((rc = gx_sink_resolve_genes(p->s, p->organism, nm, mids, msym, mkeys, err)))
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

/* what a genes pass over matrix m does: plan its repeated ids, resolve keys, or both */
typedef struct genes_pass {
	pipe *p;
	gx_dups *plan;              /* ids go to its plan, or NULL */
	int resolve;
} genes_pass;

static int on_genes(void *ctx, size_t n, const char *const *ids, const char *const *symbols,
                    gx_err *err)
{
	genes_pass *gp = ctx;
	uint64_t *h;
	int32_t *k;
	size_t i;
	int rc;

	if (gp->plan && (rc = gx_dups_add_ids(gp->plan, n, ids, err)))
		return rc;
	if (!gp->resolve)
		return 0;
	h = gx_calloc(n ? n : 1, sizeof(*h));
	k = gx_calloc(n ? n : 1, sizeof(*k));
	if (!h || !k) {
		gx_free(h);
		gx_free(k);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		h[i] = gx_gene_hash(ids[i], strlen(ids[i]));
	rc = gene_keys(gp->p, n, ids, symbols, h, k, err);
	gx_free(h);
	gx_free(k);
	return rc;
}

/*
 * One pass over every matrix's gene ids (gx_matrix_genes): plan the repeated ids when
 * that is not done yet (every policy but refuse), resolve the keys when 'resolve'.  The
 * ids a plan makes (suffix) are resolved after it.
 */
static int genes_passes(pipe *p, int resolve, gx_err *err)
{
	gx_dup_policy pol = gx_dup_policy_of(p->cfg->genes_duplicates);
	int plan = !p->dups_planned && pol != GX_DUP_REFUSE;
	size_t m;
	int rc;

	if (plan && !p->dups && !(p->dups = gx_calloc(p->n_mats ? p->n_mats : 1, sizeof(*p->dups))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (m = 0; m < p->n_mats; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		genes_pass gp = { p, NULL, resolve };
		if (plan && !(gp.plan = p->dups[m] = gx_dups_new(pol, info->n_samples, info->sparse)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (!gp.plan && !resolve)
			continue;
		rc = gx_matrix_genes(p->mats[m], on_genes, &gp, err);
		if (rc < 0)
			return rc;
		if (plan && (rc = gx_dups_plan(gp.plan, err)))
			return rc;
		if (resolve && p->dups && p->dups[m]) {
			size_t n;
			const char *const *ids = gx_dups_new_ids(p->dups[m], &n);
			if (n && (rc = on_genes(&gp, n, ids, NULL, err)))
				return rc;
		}
	}
	p->dups_planned = 1;
	if (p->dups) {
		int64_t rows = 0, ids = 0;
		for (m = 0; m < p->n_mats; m++) {
			rows += (int64_t)gx_dups_rows(p->dups[m]);
			ids += (int64_t)gx_dups_ids(p->dups[m]);
		}
		gx_valid_dup_genes(p->val, rows, ids, p->cfg->genes_duplicates);
	}
	return 0;
}

/* Resolve the gene keys of every matrix before the facts stream (see gx_matrix_genes). */
int pipe_pre_resolve_genes(pipe *p, gx_err *err)
{
	return genes_passes(p, 1, err);
}

int pipe_plan_dups(pipe *p, gx_err *err)
{
	if (p->dups_planned || !strcmp(p->cfg->genes_duplicates, "refuse"))
		return 0;
	return genes_passes(p, 0, err);
}

/* One cell (index i of the batch) of gene g of the batch's table, for sample sm. */
static inline int on_cell(scan *sc, sample *sm, size_t g, const gx_cells *c, size_t i,
                          gx_err *err)
{
	double v = c->value[i], l;

	if ((!sm->want && !sm->tile && !sc->cohort_only) || (c->missing && c->missing[i]))
		return 0;
	if (!sm->want && !sc->cohort_only) {
		/* a tile: its value for the backend's gene-major copy, nothing else */
		if (!sc->emit)
			return 0;
		sc->fs[sc->fn] = sm->key;
		sc->fg[sc->fn] = sc->gkey[g];
		sc->fv[sc->fn] = v;
		sc->fl[sc->fn] = !sc->p->linear ? v : v >= 0 ? log2(v + 1.0) : NAN;
		sc->ft[sc->fn] = 1;
		return ++sc->fn == FACT_BATCH ? flush_facts(sc, err) : 0;
	}
	if (!sc->cohort_only) {
		gx_digest_add(&sm->dig, gx_record_hash(sc->ghash[g], v));
		sm->n_values++;
		sc->n_values++;
	}
	if (!sc->emit && !sc->acc)
		return 0;
	l = !sc->p->linear ? v : v >= 0 ? log2(v + 1.0) : NAN;
	if (sc->acc && sm->cohort_col != SIZE_MAX) {
		gx_cohort_acc_add(sc->acc, sc->grow[g], sm->cohort_col, l);
		if (sc->zeros)
			sc->stored[sc->grow[g] * sc->acc->n_cohorts + sm->cohort_col]++;
	}
	if (!sc->emit)
		return 0;
	sc->fs[sc->fn] = sm->key;
	sc->fg[sc->fn] = sc->gkey[g];
	sc->fv[sc->fn] = v;
	sc->fl[sc->fn] = l;
	sc->ft[sc->fn] = 0;
	if (sc->p->feed) { /* the analysis after the load: analyze_feed.c */
		int rc = pipe_feed_put(sc->p->feed, (size_t)(sm - sc->p->samples), sc->gkey[g], l, err);
		if (rc)
			return rc;
	}
	if (++sc->fn == FACT_BATCH)
		return flush_facts(sc, err);
	return 0;
}

/* A new gene table of a sparse matrix: room for its rows' counts, and its rows listed
 * once each for the zeros at the matrix's end. */
static int zeros_table(scan *sc, size_t n, gx_err *err)
{
	size_t nc = sc->acc->n_cohorts, rows = sc->acc->n_genes, i;
	uint32_t mark = (uint32_t)sc->mat + 1;

	if (rows > sc->zrows) {
		size_t cap = rows > 2 * sc->zrows ? rows : 2 * sc->zrows;
		uint32_t *st = gx_reallocarray(sc->stored, cap * (nc ? nc : 1), sizeof(*st));
		uint32_t *sp = st ? gx_reallocarray(sc->stamp, cap, sizeof(*sp)) : NULL;

		if (st)
			sc->stored = st;
		if (!sp)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		sc->stamp = sp;
		memset(st + sc->zrows * nc, 0, (cap - sc->zrows) * nc * sizeof(*st));
		memset(sp + sc->zrows, 0, (cap - sc->zrows) * sizeof(*sp));
		sc->zrows = cap;
	}
	for (i = 0; i < n; i++) {
		size_t r = sc->grow[i];

		if (sc->stamp[r] == mark)
			continue;
		if (sc->n_mrows == sc->cap_mrows) {
			size_t cap = sc->cap_mrows ? 2 * sc->cap_mrows : 1024;
			size_t *m = gx_reallocarray(sc->mrows, cap, sizeof(*m));

			if (!m)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			sc->mrows = m;
			sc->cap_mrows = cap;
		}
		sc->stamp[r] = mark;
		sc->mrows[sc->n_mrows++] = r;
	}
	return 0;
}

/* Before a matrix's scan: whether its zeros are counted, and its samples per cohort. */
static int zeros_begin(scan *sc, size_t m, gx_err *err)
{
	const pipe *p = sc->p;
	const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
	size_t nc, i;

	sc->zeros = sc->acc && info->sparse;
	sc->n_mrows = 0;
	if (!sc->zeros)
		return 0;
	nc = sc->acc->n_cohorts;
	if (!sc->in_cohort && !(sc->in_cohort = gx_calloc(nc ? nc : 1, sizeof(*sc->in_cohort))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	memset(sc->in_cohort, 0, (nc ? nc : 1) * sizeof(*sc->in_cohort));
	for (i = 0; i < info->n_samples; i++) {
		size_t col = p->samples[p->col_sample[m][i]].cohort_col;

		if (col != SIZE_MAX)
			sc->in_cohort[col]++;
	}
	return 0;
}

/* After a sparse matrix's scan: each of its genes, in each cohort, has the cohort's
 * samples in this matrix that stored no value of it as zeros. */
static void zeros_end(scan *sc)
{
	size_t nc, k, c;

	if (!sc->zeros)
		return;
	nc = sc->acc->n_cohorts;
	for (k = 0; k < sc->n_mrows; k++) {
		size_t r = sc->mrows[k];

		for (c = 0; c < nc; c++) {
			gx_cohort_acc_add_zeros(sc->acc, r, c, sc->in_cohort[c] - sc->stored[r * nc + c]);
			sc->stored[r * nc + c] = 0;
		}
	}
	sc->n_mrows = 0;
	sc->zeros = 0;
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
		if (sc->zeros && (rc = zeros_table(sc, c->n_genes, err)))
			return rc;
		if (sc->emit && (rc = gene_keys(p, c->n_genes, c->gene_ids, c->gene_symbols,
		                                sc->ghash, sc->gkey, err)))
			return rc;
		if (c->gene_row0 != SIZE_MAX) /* file rows; not a table of merged ids */
			sc->n_genes += (long)c->n_genes;
	}
	if (sc->probe) {
		/* the first probe_left cells, whatever the reader's batch size */
		for (i = 0; i < c->n && (long)i < sc->probe_left; i++) {
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
	if (!sc->cohort_only)
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

/* A batch from the reader: through the matrix's repeated-id policy, then on_cells. */
static int scan_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	scan *sc = ctx;

	return sc->dups ? gx_dups_cells(sc->dups, c, on_cells, sc, err) : on_cells(sc, c, err);
}

static void scan_release(scan *sc)
{
	gx_free(sc->stored);
	gx_free(sc->stamp);
	gx_free(sc->mrows);
	gx_free(sc->in_cohort);
	gx_free(sc->gkey);
	gx_free(sc->ghash);
	gx_free(sc->grow);
	gx_free(sc->fs);
	gx_free(sc->fg);
	gx_free(sc->fv);
	gx_free(sc->fl);
	gx_free(sc->ft);
}

/* Start cohort statistics for a scan of every sample: one column per cohort. */
static int cohort_begin(pipe *p, gx_err *err)
{
	size_t i;
	int rc;

	gx_cohort_acc_reset(p->cohort);
	p->cohort_done = 0;
	for (i = 0; i < p->n_samples; i++) {
		sample *sm = &p->samples[i];
		sm->cohort_col = SIZE_MAX;
		if (sm->cohort && (rc = gx_cohort_acc_cohort(p->cohort, sm->cohort, &sm->cohort_col,
		                                               err)))
			return rc;
	}
	return 0;
}

/* Stream every matrix to on_cells (the wanted samples' cells; every sample's when the
 * scan is for the cohorts alone), counting sparse matrices' zeros in the cohorts. */
static int scan_matrices(pipe *p, scan *sc, gx_err *err)
{
	size_t m, i;
	int rc = 0;

	p->bytes_before = 0;
	for (m = 0; m < p->n_mats && !rc; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		unsigned char *want = gx_calloc(info->n_samples ? info->n_samples : 1, 1);
		if (!want)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; i < info->n_samples; i++) {
			const sample *sm = &p->samples[p->col_sample[m][i]];
			want[i] = (unsigned char)(sc->cohort_only || sm->want || (sc->emit && sm->tile));
		}
		sc->mat = m;
		p->mats[m]->opts.progress = scan_progress;
		p->mats[m]->opts.progress_ctx = sc;
		sc->gcap = 0; /* a new matrix has a new gene table */
		sc->dups = p->dups ? p->dups[m] : NULL;
		if (sc->dups)
			gx_dups_scan_begin(sc->dups);
		if (!(rc = zeros_begin(sc, m, err)) &&
		    !(rc = gx_matrix_scan(p->mats[m], want, scan_cells, sc, err))) {
			if (sc->dups) {
				sc->gcap = 0; /* the merged ids are a table of their own */
				if (!(rc = gx_dups_scan_end(sc->dups, on_cells, sc, err)) &&
				    gx_dup_policy_of(p->cfg->genes_duplicates) != GX_DUP_SUFFIX)
					sc->n_genes -= (long)gx_dups_rows(sc->dups); /* rows that are not genes */
			}
			if (!rc)
				zeros_end(sc);
		}
		p->mats[m]->opts.progress = NULL; /* sc dies after the scan; others report nothing */
		gx_free(want);
		p->bytes_before += info->bytes;
	}
	return rc;
}

/*
 * Scan every matrix: digests of the wanted samples, and with a writer, their facts.
 * Resets the wanted samples' digests first.  A scan of every sample also accumulates
 * the cohort statistics (p->cohort).
 */
int pipe_scan_all(pipe *p, gx_fact_writer *w, gx_err *err)
{
	scan sc;
	size_t i, wanted = 0;
	int rc = 0;

	if ((rc = pipe_plan_dups(p, err)))
		return rc;
	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.w = w;
	sc.emit = w != NULL;
	for (i = 0; i < p->n_samples; i++) {
		wanted += (size_t)(p->samples[i].want != 0);
		sc.tiles |= w && p->samples[i].tile;
	}
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
		sc.ft = gx_malloc(FACT_BATCH);
		if (!sc.fs || !sc.fg || !sc.fv || !sc.fl || !sc.ft) {
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
	rc = scan_matrices(p, &sc, err);
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

int pipe_scan_cohorts(pipe *p, gx_err *err)
{
	scan sc;
	int rc;

	if ((rc = pipe_plan_dups(p, err))) /* the cohorts see the rows the facts hold */
		return rc;
	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.cohort_only = 1;
	sc.acc = p->cohort;
	if (!(rc = cohort_begin(p, err)) && !(rc = scan_matrices(p, &sc, err)))
		p->cohort_done = 1;
	scan_release(&sc);
	return rc;
}

/*
 * Decide log2 vs linear from the first cells (transform.scale_probe_rows rows' worth:
 * rows x samples): linear if a value exceeds transform.linear_threshold (refine.bio's own
 * rule), or if every value is a non-negative integer and some exceeds 1 (counts, as in
 * 10x and other single-cell matrices); log2 otherwise.  A clean load of the same files
 * decides the same: plan() rewrites the whole study when the scale differs from its own.
 */
int pipe_detect_scale(pipe *p, gx_err *err)
{
	const gx_config *cfg = p->cfg;
	scan sc;
	size_t i;
	int rc, counts;

	if (strcmp(cfg->value_scale, "auto")) {
		p->linear = !strcmp(cfg->value_scale, "linear");
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
