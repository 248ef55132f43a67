/*
 * cohort.c - per-study cohorts: defined, their statistics accumulated and ranked (see
 * cohort.h).
 *
 * gx_cohort_rank numbers, per cohort, the genes with n >= analysis.pair_min_samples and
 * stddev >= analysis.pair_min_stddev (and > 0) by stddev (ties by gene id, bytewise):
 * the first analysis.pair_top_n keep their rank as candidate_rank.
 * Does not: write (load/cohort_store.c does), or compute correlations
 * (fact_gene_pair_stats belongs to the analysis step).
 */
#include "analyze/cohort.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gx_cohort_def_parse(const char *text, gx_cohort_def *d, gx_err *err)
{
	const char *field = text;
	int n;

	memset(d, 0, sizeof(*d));
	if (!text || !text[0])
		return gx_err_set(err, GX_E_CONFIG, "cohort definition is empty: 'illness', 'none' "
		                  "or a sample field");
	if (!strcmp(text, "illness") || !strcmp(text, "none")) {
		d->kind = text[0] == 'i' ? GX_COHORT_ILLNESS : GX_COHORT_NONE;
		snprintf(d->text, sizeof(d->text), "%s", text);
		return 0;
	}
	if (!strncmp(text, "field:", 6))
		field = text + 6;
	if (!field[0])
		return gx_err_set(err, GX_E_CONFIG, "cohort definition '%s' names no field", text);
	n = snprintf(d->text, sizeof(d->text), "field:%s", field);
	if (n < 0 || (size_t)n >= sizeof(d->text))
		return gx_err_set(err, GX_E_CONFIG, "cohort definition '%.40s...' is longer than %d "
		                  "bytes", text, GX_COHORT_DEF_MAX - 1);
	d->kind = GX_COHORT_FIELD;
	d->field = d->text + 6;
	return 0;
}

const char *gx_cohort_of(const gx_cohort_def *d, const char *illness_code,
                         const char *field_value)
{
	switch (d->kind) {
	case GX_COHORT_ILLNESS: return illness_code && illness_code[0] ? illness_code : NULL;
	case GX_COHORT_NONE: return GX_COHORT_ALL;
	case GX_COHORT_FIELD: break;
	}
	return field_value && field_value[0] ? field_value : GX_COHORT_NO_VALUE;
}

void gx_cohort_acc_add_zeros(gx_cohort_acc *a, size_t row, size_t col, int64_t k)
{
	gx_cohort_cell *c = &a->cells[row * a->n_cohorts + col];
	double n, d;

	if (k <= 0)
		return;
	if (c->n == 0) {
		c->n = k;
		c->mean = c->m2 = c->min = c->max = 0;
		return;
	}
	/* two groups merged (Chan et al.): this one and k values of 0 (mean 0, m2 0) */
	n = (double)(c->n + k);
	d = -c->mean;
	c->m2 += d * d * (double)c->n * (double)k / n;
	c->mean += d * (double)k / n;
	c->n += k;
	if (c->min > 0)
		c->min = 0;
	if (c->max < 0)
		c->max = 0;
}

void gx_cohort_acc_reset(gx_cohort_acc *a)
{
	a->n_cohorts = 0;
	a->n_genes = 0;
	gx_hset_clear(&a->genes);
	gx_buf_reset(&a->ids);
}

void gx_cohort_acc_release(gx_cohort_acc *a)
{
	if (!a)
		return;
	gx_free(a->codes);
	gx_free(a->gene_hash);
	gx_free(a->id_off);
	gx_buf_release(&a->ids);
	gx_free(a->cells);
	gx_hset_release(&a->genes);
	memset(a, 0, sizeof(*a));
}

int gx_cohort_acc_cohort(gx_cohort_acc *a, const char *code, size_t *col, gx_err *err)
{
	const char **c;
	size_t i;

	for (i = 0; i < a->n_cohorts; i++) {
		if (!strcmp(a->codes[i], code)) {
			*col = i;
			return 0;
		}
	}
	if (a->n_genes)
		return gx_err_set(err, GX_E_INTERNAL, "cohort '%s' added after the first gene", code);
	if (!(c = gx_reallocarray(a->codes, a->n_cohorts + 1, sizeof(*c))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	a->codes = c;
	a->codes[a->n_cohorts] = code;
	*col = a->n_cohorts++;
	return 0;
}

int gx_cohort_acc_gene(gx_cohort_acc *a, uint64_t gene_hash, const char *id, size_t *row,
                       gx_err *err)
{
	uint64_t r;
	size_t off;

	if (gx_hset_get(&a->genes, gene_hash, &r)) {
		*row = (size_t)r;
		return 0;
	}
	if (a->n_genes == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		uint64_t *h = gx_reallocarray(a->gene_hash, cap, sizeof(*h));
		size_t *o = h ? gx_reallocarray(a->id_off, cap, sizeof(*o)) : NULL;
		gx_cohort_cell *c;
		if (h)
			a->gene_hash = h;
		if (o)
			a->id_off = o;
		c = o ? gx_reallocarray(a->cells, cap * (a->n_cohorts ? a->n_cohorts : 1),
		                        sizeof(*c)) : NULL;
		if (!c)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		a->cells = c;
		a->cap = cap;
	}
	off = a->ids.len;
	if (!id)
		id = "";
	if (gx_buf_append(&a->ids, id, strlen(id) + 1) < 0 ||
	    gx_hset_put(&a->genes, gene_hash, a->n_genes, NULL) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	a->gene_hash[a->n_genes] = gene_hash;
	a->id_off[a->n_genes] = off;
	if (a->n_cohorts)
		memset(&a->cells[a->n_genes * a->n_cohorts], 0, a->n_cohorts * sizeof(*a->cells));
	*row = a->n_genes++;
	return 0;
}

typedef struct cand {
	double sd;
	const char *id;
	size_t cell;
} cand;

static int cmp_cand(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;

	if (a->sd != b->sd)
		return a->sd > b->sd ? -1 : 1;
	return strcmp(a->id, b->id);
}

int gx_cohort_rank(const gx_cohort_acc *a, const gx_config *cfg, int32_t *rank, gx_err *err)
{
	cand *cs = gx_calloc(a->n_genes ? a->n_genes : 1, sizeof(*cs));
	size_t g, c, n, i;

	if (!cs)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	memset(rank, 0, a->n_genes * a->n_cohorts * sizeof(*rank));
	for (c = 0; c < a->n_cohorts; c++) {
		for (g = 0, n = 0; g < a->n_genes; g++) {
			size_t k = g * a->n_cohorts + c;
			double sd = gx_cohort_stddev(&a->cells[k]);
			if (a->cells[k].n < cfg->pair_min_samples || !(sd > 0) || sd < cfg->pair_min_stddev)
				continue;
			cs[n].sd = sd;
			cs[n].id = gx_cohort_acc_gene_id(a, g);
			cs[n].cell = k;
			n++;
		}
		qsort(cs, n, sizeof(*cs), cmp_cand);
		for (i = 0; i < n && (long)i < cfg->pair_top_n; i++)
			rank[cs[i].cell] = (int32_t)(i + 1);
	}
	gx_free(cs);
	return 0;
}
