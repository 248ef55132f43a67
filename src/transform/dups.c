/*
 * dups.c - repeated gene ids handled by genes.duplicates (see dups.h).
 *
 * Planning finds the repeated rows by the ids' hashes and decides, per row involved, an
 * action: dropped (first), renamed (suffix, to an id the plan made) or part of a group
 * (mean, sum: all rows of one id, its first row included).  Scanning looks each batch's
 * gene table up once (rows are file rows: gene_row0 + i), passes a batch that has none
 * of those rows on unchanged, renames in a copy of the table, and leaves the cells of
 * dropped or grouped rows out of a compacted copy of the batch; grouped cells are summed
 * per (group, sample) and passed on when the scan ends.
 * Invariant: what reaches the callback has each id on one row (suffix: distinct ids).
 */
#include "transform/dups.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACT_DROP (UINT64_MAX - 1) /* stored + 1 in tab_act, where 0 means none */

typedef struct acc {
	uint64_t key;       /* group * n_cols + column */
	double sum;
	uint32_t present;   /* cells with a value */
	uint32_t seen;      /* cells, missing ones included */
} acc;

struct gx_dups {
	gx_dup_policy policy;
	size_t n_cols;
	int sparse;
	/* planning */
	gx_hset seen;       /* id hash -> first row */
	size_t n_rows;
	size_t n_rep_rows, n_rep_ids;
	size_t *rep_row, *rep_first, *rep_off, n_rep, cap_rep; /* repeated rows, their ids */
	gx_buf rep_ids;
	/* the plan */
	gx_hset act;        /* row -> ACT_DROP, new id index (suffix) or group (mean, sum) */
	gx_buf names;       /* new ids (suffix) or group ids (mean, sum), NUL-separated */
	size_t *name_off, n_names;
	const char **name_ptr;
	uint32_t *group_rows; /* mean, sum: rows of each group */
	char **group_sym;   /* mean, sum: each group's symbol (its first row's), or NULL */
	int planned;
	/* the current gene table */
	const char *const *tab_ids;
	size_t tab_n, tab_cap;
	uint64_t *tab_act;  /* per entry: its action, or 0 = none (actions are stored + 1) */
	const char **tab_out; /* suffix: the table with new ids */
	int tab_any;
	/* a compacted batch */
	uint32_t *o_gene, *o_sample;
	double *o_value;
	unsigned char *o_missing;
	size_t o_cap;
	/* mean, sum: per (group, sample) */
	gx_hset cells;      /* group * n_cols + col -> index in accs */
	acc *accs;
	size_t n_accs, cap_accs;
};

gx_dup_policy gx_dup_policy_of(const char *name)
{
	if (!strcmp(name, "refuse"))
		return GX_DUP_REFUSE;
	if (!strcmp(name, "first"))
		return GX_DUP_FIRST;
	if (!strcmp(name, "mean"))
		return GX_DUP_MEAN;
	if (!strcmp(name, "sum"))
		return GX_DUP_SUM;
	return GX_DUP_SUFFIX;
}

const char *gx_dup_policy_name(gx_dup_policy p)
{
	switch (p) {
	case GX_DUP_REFUSE: return "refuse";
	case GX_DUP_FIRST: return "first";
	case GX_DUP_MEAN: return "mean";
	case GX_DUP_SUM: return "sum";
	case GX_DUP_SUFFIX: break;
	}
	return "suffix";
}

gx_dups *gx_dups_new(gx_dup_policy p, size_t n_cols, int sparse)
{
	gx_dups *d = gx_calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->policy = p;
	d->n_cols = n_cols ? n_cols : 1;
	d->sparse = sparse;
	return d;
}

void gx_dups_free(gx_dups *d)
{
	if (!d)
		return;
	gx_hset_release(&d->seen);
	gx_free(d->rep_row);
	gx_free(d->rep_first);
	gx_free(d->rep_off);
	gx_buf_release(&d->rep_ids);
	gx_hset_release(&d->act);
	gx_buf_release(&d->names);
	gx_free(d->name_off);
	gx_free(d->name_ptr);
	gx_free(d->group_rows);
	if (d->group_sym) {
		size_t i;
		for (i = 0; i < d->n_names; i++)
			gx_free(d->group_sym[i]);
		gx_free(d->group_sym);
	}
	gx_free(d->tab_act);
	gx_free(d->tab_out);
	gx_free(d->o_gene);
	gx_free(d->o_sample);
	gx_free(d->o_value);
	gx_free(d->o_missing);
	gx_hset_release(&d->cells);
	gx_free(d->accs);
	gx_free(d);
}

/* ---- planning ---- */

int gx_dups_add_ids(gx_dups *d, size_t n, const char *const *ids, gx_err *err)
{
	size_t i;

	for (i = 0; i < n; i++, d->n_rows++) {
		size_t len = strlen(ids[i]);
		uint64_t first;
		int put = gx_hset_put(&d->seen, gx_gene_hash(ids[i], len), (uint64_t)d->n_rows,
		                      &first);
		if (put < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (put == 1)
			continue;
		if (d->n_rep == d->cap_rep) {
			size_t cap = d->cap_rep ? d->cap_rep * 2 : 64;
			size_t *a = gx_reallocarray(d->rep_row, cap, sizeof(*a));
			size_t *b = a ? gx_reallocarray(d->rep_first, cap, sizeof(*b)) : NULL;
			size_t *c = b ? gx_reallocarray(d->rep_off, cap, sizeof(*c)) : NULL;
			if (a)
				d->rep_row = a;
			if (b)
				d->rep_first = b;
			if (c)
				d->rep_off = c;
			if (!c)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			d->cap_rep = cap;
		}
		d->rep_row[d->n_rep] = d->n_rows;
		d->rep_first[d->n_rep] = (size_t)first;
		d->rep_off[d->n_rep] = d->rep_ids.len;
		if (gx_buf_append(&d->rep_ids, ids[i], len + 1) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		d->n_rep++;
	}
	return 0;
}

/* Add a name (new id or group id); its index via *ix. */
static int add_name(gx_dups *d, const char *s, size_t len, size_t *ix)
{
	size_t *off = gx_reallocarray(d->name_off, d->n_names + 1, sizeof(*off));

	if (!off)
		return -1;
	d->name_off = off;
	off[d->n_names] = d->names.len;
	if (gx_buf_append(&d->names, s, len) < 0 || gx_buf_putc(&d->names, '\0') < 0)
		return -1;
	*ix = d->n_names++;
	return 0;
}

/* suffix: the k-th repeat of X becomes X-k, k counted per id, skipping taken names */
static int plan_suffix(gx_dups *d, gx_err *err)
{
	uint32_t *count = NULL;
	gx_hset slot_of = { 0 }; /* first row -> its counter */
	gx_buf name = { 0 };
	size_t i, n_slots = 0;
	int rc = 0;

	count = gx_calloc(d->n_rep ? d->n_rep : 1, sizeof(*count));
	if (!count)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < d->n_rep && !rc; i++) {
		const char *id = d->rep_ids.data + d->rep_off[i];
		uint64_t slot;
		size_t ix;
		int put = gx_hset_put(&slot_of, (uint64_t)d->rep_first[i] + 1, n_slots, &slot);
		if (put < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
		if (put == 1)
			slot = n_slots++;
		for (;;) {
			count[slot]++;
			gx_buf_reset(&name);
			if (gx_buf_printf(&name, "%s-%u", id, (unsigned)count[slot]) < 0) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				break;
			}
			put = gx_hset_put(&d->seen, gx_gene_hash(name.data, name.len), UINT64_MAX, NULL);
			if (put < 0) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				break;
			}
			if (put == 0)
				continue; /* a name the file (or an earlier rename) uses */
			if (add_name(d, name.data, name.len, &ix) < 0 ||
			    gx_hset_put(&d->act, (uint64_t)d->rep_row[i] + 1, (uint64_t)ix, NULL) < 0)
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
	}
	gx_buf_release(&name);
	gx_hset_release(&slot_of);
	gx_free(count);
	return rc;
}

/* mean, sum: one group per repeated id, holding its first row and every repeat */
static int plan_groups(gx_dups *d, gx_err *err)
{
	gx_hset group_of = { 0 }; /* first row -> group */
	size_t i;
	int rc = 0;

	for (i = 0; i < d->n_rep; i++) {
		uint64_t g;
		size_t ix;
		int put = gx_hset_put(&group_of, (uint64_t)d->rep_first[i] + 1, d->n_names, &g);
		if (put < 0)
			goto nomem;
		if (put == 1) {
			const char *id = d->rep_ids.data + d->rep_off[i];
			uint32_t *gr = gx_reallocarray(d->group_rows, d->n_names + 1, sizeof(*gr));
			char **gs = gr ? gx_reallocarray(d->group_sym, d->n_names + 1, sizeof(*gs)) : NULL;
			if (gr)
				d->group_rows = gr;
			if (!gs)
				goto nomem;
			d->group_sym = gs;
			gr[d->n_names] = 1;
			gs[d->n_names] = NULL;
			if (add_name(d, id, strlen(id), &ix) < 0 ||
			    gx_hset_put(&d->act, (uint64_t)d->rep_first[i] + 1, (uint64_t)ix, NULL) < 0)
				goto nomem;
			g = ix;
		}
		d->group_rows[g]++;
		if (gx_hset_put(&d->act, (uint64_t)d->rep_row[i] + 1, g, NULL) < 0)
			goto nomem;
	}
	gx_hset_release(&group_of);
	return rc;
nomem:
	gx_hset_release(&group_of);
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

int gx_dups_plan(gx_dups *d, gx_err *err)
{
	gx_hset ids = { 0 };
	size_t i;
	int rc = 0;

	d->n_rep_rows = d->n_rep;
	for (i = 0; i < d->n_rep; i++) {
		int put = gx_hset_put(&ids, (uint64_t)d->rep_first[i] + 1, 0, NULL);
		if (put < 0) {
			gx_hset_release(&ids);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		d->n_rep_ids += (size_t)put;
	}
	gx_hset_release(&ids);
	switch (d->policy) {
	case GX_DUP_FIRST:
		for (i = 0; i < d->n_rep && !rc; i++)
			if (gx_hset_put(&d->act, (uint64_t)d->rep_row[i] + 1, ACT_DROP, NULL) < 0)
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		break;
	case GX_DUP_SUFFIX:
		rc = plan_suffix(d, err);
		break;
	case GX_DUP_MEAN:
	case GX_DUP_SUM:
		rc = plan_groups(d, err);
		break;
	case GX_DUP_REFUSE:
		break;
	}
	if (!rc && d->n_names) {
		d->name_ptr = gx_calloc(d->n_names, sizeof(*d->name_ptr));
		if (!d->name_ptr)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; !rc && i < d->n_names; i++)
			d->name_ptr[i] = d->names.data + d->name_off[i];
	}
	/* what planning needed is no longer: one hash per gene */
	gx_hset_release(&d->seen);
	gx_free(d->rep_row);
	gx_free(d->rep_first);
	gx_free(d->rep_off);
	d->rep_row = d->rep_first = d->rep_off = NULL;
	gx_buf_release(&d->rep_ids);
	d->n_rep = d->cap_rep = 0;
	d->planned = !rc;
	return rc;
}

size_t gx_dups_rows(const gx_dups *d)
{
	return d->n_rep_rows;
}

size_t gx_dups_ids(const gx_dups *d)
{
	return d->n_rep_ids;
}

const char *const *gx_dups_new_ids(const gx_dups *d, size_t *n)
{
	*n = d->policy == GX_DUP_SUFFIX ? d->n_names : 0;
	return d->name_ptr;
}

/* ---- scanning ---- */

void gx_dups_scan_begin(gx_dups *d)
{
	gx_hset_clear(&d->cells);
	d->n_accs = 0;
	d->tab_ids = NULL;
	d->tab_n = 0;
}

/* Look the batch's gene table up (once per table). */
static int classify(gx_dups *d, const gx_cells *c, gx_err *err)
{
	size_t i;

	if (c->genes_unchanged && d->tab_ids == c->gene_ids && d->tab_n == c->n_genes)
		return 0;
	if (c->n_genes > d->tab_cap) {
		uint64_t *a = gx_reallocarray(d->tab_act, c->n_genes, sizeof(*a));
		const char **o = a ? gx_reallocarray(d->tab_out, c->n_genes, sizeof(*o)) : NULL;
		if (a)
			d->tab_act = a;
		if (o)
			d->tab_out = o;
		if (!o)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		d->tab_cap = c->n_genes;
	}
	d->tab_ids = c->gene_ids;
	d->tab_n = c->n_genes;
	d->tab_any = 0;
	for (i = 0; i < c->n_genes; i++) {
		uint64_t a;
		d->tab_act[i] = gx_hset_get(&d->act, (uint64_t)(c->gene_row0 + i) + 1, &a) ? a + 1 : 0;
		d->tab_any |= d->tab_act[i] != 0;
		if (d->group_sym && d->tab_act[i] && d->tab_act[i] - 1 != ACT_DROP &&
		    !d->group_sym[d->tab_act[i] - 1] && c->gene_symbols && c->gene_symbols[i] &&
		    c->gene_symbols[i][0] &&
		    !(d->group_sym[d->tab_act[i] - 1] = gx_strdup(c->gene_symbols[i])))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (d->policy == GX_DUP_SUFFIX)
			d->tab_out[i] = d->tab_act[i] ? d->name_ptr[d->tab_act[i] - 1] : c->gene_ids[i];
	}
	return 0;
}

static int out_room(gx_dups *d, size_t n, gx_err *err)
{
	if (n <= d->o_cap)
		return 0;
	gx_free(d->o_gene);
	gx_free(d->o_sample);
	gx_free(d->o_value);
	gx_free(d->o_missing);
	d->o_gene = gx_malloc(n * sizeof(*d->o_gene));
	d->o_sample = gx_malloc(n * sizeof(*d->o_sample));
	d->o_value = gx_malloc(n * sizeof(*d->o_value));
	d->o_missing = gx_malloc(n);
	d->o_cap = d->o_gene && d->o_sample && d->o_value && d->o_missing ? n : 0;
	return d->o_cap ? 0 : gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/* Add a cell of group g, column col to its sum. */
static int add_cell(gx_dups *d, uint64_t g, size_t col, double v, int missing, gx_err *err)
{
	uint64_t key = g * (uint64_t)d->n_cols + col, at;
	int put = gx_hset_put(&d->cells, key + 1, d->n_accs, &at);

	if (put < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (put == 1) {
		if (d->n_accs == d->cap_accs) {
			size_t cap = d->cap_accs ? d->cap_accs * 2 : 256;
			acc *a = gx_reallocarray(d->accs, cap, sizeof(*a));
			if (!a)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			d->accs = a;
			d->cap_accs = cap;
		}
		memset(&d->accs[d->n_accs], 0, sizeof(acc));
		d->accs[d->n_accs].key = key;
		at = d->n_accs++;
	}
	d->accs[at].seen++;
	if (!missing) {
		d->accs[at].sum += v;
		d->accs[at].present++;
	}
	return 0;
}

int gx_dups_cells(gx_dups *d, const gx_cells *c, gx_cells_fn fn, void *ctx, gx_err *err)
{
	size_t ns = d->n_cols, i, k = 0;
	gx_cells o;
	int rc;

	if (!d->n_rep_rows)
		return fn(ctx, c, err);
	if ((rc = classify(d, c, err)))
		return rc;
	if (!d->tab_any)
		return fn(ctx, c, err);
	o = *c;
	if (d->policy == GX_DUP_SUFFIX) {
		o.gene_ids = d->tab_out;
		return fn(ctx, &o, err);
	}
	/* first, mean, sum: the rows' cells leave the batch (dropped or summed) */
	if ((rc = out_room(d, c->n, err)))
		return rc;
	for (i = 0; i < c->n; i++) {
		size_t g = c->gene ? c->gene[i] : i / ns, col = c->sample ? c->sample[i] : i % ns;
		int miss = c->missing && c->missing[i];
		uint64_t a = d->tab_act[g];
		if (a) {
			if (a - 1 != ACT_DROP && (rc = add_cell(d, a - 1, col, c->value[i], miss, err)))
				return rc;
			continue;
		}
		d->o_gene[k] = (uint32_t)g;
		d->o_sample[k] = (uint32_t)col;
		d->o_value[k] = c->value[i];
		d->o_missing[k] = (unsigned char)miss;
		k++;
	}
	if (!k)
		return 0;
	o.n = k;
	o.gene = d->o_gene;
	o.sample = d->o_sample;
	o.value = d->o_value;
	o.missing = c->missing ? d->o_missing : NULL;
	return fn(ctx, &o, err);
}

static int cmp_acc(const void *a, const void *b)
{
	uint64_t x = ((const acc *)a)->key, y = ((const acc *)b)->key;

	return x < y ? -1 : x > y;
}

int gx_dups_scan_end(gx_dups *d, gx_cells_fn fn, void *ctx, gx_err *err)
{
	size_t i, k, start;
	int rc = 0;

	if ((d->policy != GX_DUP_MEAN && d->policy != GX_DUP_SUM) || !d->n_accs)
		return 0;
	/* (group, sample) in order: each group's cells together, groups in file order */
	qsort(d->accs, d->n_accs, sizeof(*d->accs), cmp_acc);
	gx_hset_clear(&d->cells); /* its indexes are stale now */
	for (start = 0; start < d->n_accs && !rc; start = i) {
		size_t room = d->n_accs - start < 65536 ? d->n_accs - start : 65536;
		gx_cells o;
		if ((rc = out_room(d, room, err)))
			break;
		for (i = start, k = 0; i < d->n_accs && k < room; i++, k++) {
			const acc *a = &d->accs[i];
			uint64_t g = a->key / d->n_cols;
			d->o_gene[k] = (uint32_t)g;
			d->o_sample[k] = (uint32_t)(a->key % d->n_cols);
			d->o_missing[k] = a->present == 0;
			d->o_value[k] = d->policy == GX_DUP_SUM || !a->present ? a->sum
			                : a->sum / (d->sparse ? d->group_rows[g] : a->present);
		}
		memset(&o, 0, sizeof(o));
		o.n_genes = d->n_names;
		o.gene_ids = d->name_ptr;
		o.gene_symbols = (const char *const *)d->group_sym;
		o.gene_row0 = SIZE_MAX; /* not file rows */
		o.n = k;
		o.gene = d->o_gene;
		o.sample = d->o_sample;
		o.value = d->o_value;
		o.missing = d->o_missing;
		rc = fn(ctx, &o, err);
	}
	d->n_accs = 0;
	return rc;
}
