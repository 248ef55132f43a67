/*
 * illness_study.c - a study's samples labelled together, the way a curator reads them:
 * the evidence collected (see illness_decide.c for how it is weighed).
 *
 * Adding a sample runs every illness rule on every field of it (rules.h,
 * gx_rules_each_field) and keeps each (rule, field) match as a "reading" with its class;
 * it also counts, per field name, how often the field occurs and which values it takes.
 * gx_illness_study_finish (illness_decide.c) then decides every sample;
 * illness_explain.c reads the labels and their evidence back.  A sample labelled alone
 * is a study of one sample.
 *
 * Memory: readings and field-value ids per sample, the values of group-like fields up
 * to GROUP_MAX per field, and a string pool.  Nothing here prints or touches a database.
 */
#include "transform/illness_int.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- building ---------------------------------------------------------------------- */

uint32_t gx_ist_pool_put(gx_illness_study *st, const char *s, size_t len)
{
	size_t off = st->pool.len;

	len = gx_utf8_cut(s, len, POOL_VALUE_MAX);
	if (off > UINT32_MAX - len - 2 || gx_buf_append(&st->pool, s, len) < 0 ||
	    gx_buf_putc(&st->pool, '\0') < 0)
		return IST_NONE;
	return (uint32_t)off;
}

/* Grow an array of 'size'-byte items to hold n + 1; -1 on allocation failure. */
static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void **p = arr, *q;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	if (!(q = gx_reallocarray(*p, nc, size)))
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

/* A value's identity: lower case, white space runs as one, trimmed. */
static uint64_t value_hash(const char *v, size_t len)
{
	char buf[512];
	size_t i, o = 0;
	int space = 0;

	for (i = 0; i < len && o < sizeof(buf) - 1; i++) {
		unsigned char c = (unsigned char)v[i];
		if (isspace(c)) {
			space = o > 0;
			continue;
		}
		if (space && o < sizeof(buf) - 2)
			buf[o++] = ' ';
		space = 0;
		buf[o++] = (char)tolower(c);
	}
	return gx_hash_bytes(buf, o).lo ^ (uint64_t)len;
}

/* Index of field 'name' in st->fs, added if new; IST_NONE on allocation failure. */
static uint32_t field_id(gx_illness_study *st, const char *name)
{
	uint64_t h = gx_hash_bytes(name, strlen(name)).lo, ix;
	field_stat *f;

	if (gx_hset_get(&st->fs_ix, h, &ix) && !strcmp(pool_str(st, st->fs[ix].name), name))
		return (uint32_t)ix;
	for (ix = 0; ix < st->nfs; ix++) /* a hash collision: look the slow way */
		if (!strcmp(pool_str(st, st->fs[ix].name), name))
			return (uint32_t)ix;
	if (grow(&st->fs, &st->capfs, st->nfs, sizeof(*st->fs)) < 0)
		return IST_NONE;
	f = &st->fs[st->nfs];
	memset(f, 0, sizeof(*f));
	if ((f->name = gx_ist_pool_put(st, name, strlen(name))) == IST_NONE ||
	    gx_hset_put(&st->fs_ix, h, st->nfs, NULL) < 0)
		return IST_NONE;
	f->diag = gx_rules_set_selects(st->ill->rules, "diagnosis", name);
	return (uint32_t)st->nfs++;
}

/* Count one field value of sample 'si'; fills *fv. */
static int count_value(gx_illness_study *st, size_t si, uint32_t fid, const char *v,
                       size_t len, fval *fv)
{
	field_stat *f = &st->fs[fid];
	uint64_t h = value_hash(v, len);
	size_t k;

	fv->field = fid;
	fv->dv = IST_NONE;
	if (f->last != si + 1) {
		f->present++;
		f->last = si + 1;
		if (f->present == 1)
			f->first = h;
	}
	if (h != f->first)
		f->varies = 1;
	for (k = 0; k < f->nd; k++) {
		if (f->d[k].h == h) {
			f->d[k].n++;
			fv->dv = (uint32_t)k;
			return 0;
		}
	}
	if (f->nd == GROUP_MAX) {
		f->overflow = 1;
		return 0;
	}
	if ((f->d[f->nd].value = gx_ist_pool_put(st, v, len)) == IST_NONE)
		return -1;
	f = &st->fs[fid]; /* the pool does not move fs, but keep the pattern obvious */
	f->d[f->nd].h = h;
	f->d[f->nd].n = 1;
	fv->dv = (uint32_t)f->nd++;
	return 0;
}

typedef struct add_ctx {
	gx_illness_study *st;
	const gx_fields *f;
	size_t r0;
	int nomem;
} add_ctx;

static int add_reading(void *ctx, const gx_rule_match *m)
{
	add_ctx *x = ctx;
	gx_illness_study *st = x->st;
	const char *name = gx_fields_name(x->f, m->field_index), *val;
	size_t i, len;
	uint32_t fid;
	reading *r;

	if ((fid = field_id(st, name)) == IST_NONE) {
		x->nomem = 1;
		return -1;
	}
	for (i = x->r0; i < st->nr; i++) /* the same rule on the same field via another set */
		if (st->r[i].rule == m->rule && st->r[i].field == fid)
			return 0;
	if (grow(&st->r, &st->capr, st->nr, sizeof(*st->r)) < 0) {
		x->nomem = 1;
		return -1;
	}
	r = &st->r[st->nr];
	r->rule = m->rule;
	r->set = m->field_set;
	r->confidence = m->confidence;
	r->priority = m->priority;
	r->field = fid;
	r->cls = gx_illness_class_of(m->rule->cls);
	val = gx_fields_value(x->f, m->field_index, &len);
	if ((r->text = gx_ist_pool_put(st, m->text, strlen(m->text))) == IST_NONE ||
	    (r->value = gx_ist_pool_put(st, val, len)) == IST_NONE) {
		x->nomem = 1;
		return -1;
	}
	st->nr++;
	return 0;
}

int gx_illness_study_new(const gx_illness *ill, const char *study, gx_illness_study **out,
                         gx_err *err)
{
	gx_illness_study *st = gx_calloc(1, sizeof(*st));

	*out = NULL;
	if (!st || (study && !(st->study = gx_strdup(study)))) {
		gx_free(st);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	st->ill = ill;
	st->group = -1;
	*out = st;
	return 0;
}

void gx_illness_study_free(gx_illness_study *st)
{
	if (!st)
		return;
	gx_free(st->study);
	gx_buf_release(&st->pool);
	gx_free(st->s);
	gx_free(st->r);
	gx_free(st->v);
	gx_free(st->fs);
	gx_hset_release(&st->fs_ix);
	gx_free(st);
}

size_t gx_illness_study_count(const gx_illness_study *st)
{
	return st->n;
}

int gx_illness_study_add(gx_illness_study *st, const char *sample, const gx_fields *f,
                         gx_err *err)
{
	add_ctx x;
	smp *sm;
	size_t i, nf = gx_fields_count(f);
	int rc;

	if (grow(&st->s, &st->cap, st->n, sizeof(*st->s)) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	sm = &st->s[st->n];
	memset(sm, 0, sizeof(*sm));
	sm->r = -1;
	sm->why = IST_NONE;
	sm->acc = sample ? gx_ist_pool_put(st, sample, strlen(sample)) : IST_NONE;
	if (sample && sm->acc == IST_NONE)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	sm->ov = gx_illness_find_override(st->ill, st->study, sample);
	sm->r0 = st->nr;
	sm->v0 = st->nv;
	memset(&x, 0, sizeof(x));
	x.st = st;
	x.f = f;
	x.r0 = st->nr;
	rc = gx_rules_each_field(st->ill->rules, f, st->study, add_reading, &x, err);
	if (x.nomem)
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (rc < 0) {
		st->nr = sm->r0;
		return rc;
	}
	for (i = 0; i < nf; i++) {
		const char *name = gx_fields_name(f, i), *v;
		size_t len;
		uint32_t fid;
		if (!strcmp(name, "characteristics")) /* the joined copy of the ch: fields */
			continue;
		v = gx_fields_value(f, i, &len);
		if ((fid = field_id(st, name)) == IST_NONE ||
		    grow(&st->v, &st->capv, st->nv, sizeof(*st->v)) < 0 ||
		    count_value(st, st->n, fid, v, len, &st->v[st->nv]) < 0) {
			st->nr = sm->r0;
			st->nv = sm->v0;
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		st->nv++;
	}
	sm->rn = st->nr - sm->r0;
	sm->vn = st->nv - sm->v0;
	st->n++;
	return 0;
}

/* ---- one sample ------------------------------------------------------------------------ */

/* A study of one sample (no field is study-wide, no group). */
static int one(const gx_illness *ill, const char *study, const char *sample,
               const gx_fields *f, gx_illness_study **out, gx_err *err)
{
	int rc = gx_illness_study_new(ill, study, out, err);

	if (!rc)
		rc = gx_illness_study_add(*out, sample, f, err);
	if (!rc)
		rc = gx_illness_study_finish(*out, err);
	if (rc) {
		gx_illness_study_free(*out);
		*out = NULL;
	}
	return rc;
}

int gx_illness_label_sample(const gx_illness *ill, const char *study, const char *sample,
                            const gx_fields *f, gx_illness_label *out, gx_err *err)
{
	gx_illness_study *st;
	int rc = one(ill, study, sample, f, &st, err);

	if (rc)
		return rc;
	gx_illness_study_label(st, 0, out);
	gx_illness_study_free(st);
	return 0;
}

int gx_illness_explain(const gx_illness *ill, const char *study, const char *sample,
                       const gx_fields *f, gx_buf *out, gx_err *err)
{
	gx_illness_study *st;
	int rc = one(ill, study, sample, f, &st, err);

	if (rc)
		return rc;
	rc = gx_illness_study_explain(st, 0, out, err);
	gx_illness_study_free(st);
	return rc;
}
