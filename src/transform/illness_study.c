/*
 * illness_study.c - a study's samples labelled together, the way a curator reads them.
 *
 * Adding a sample runs every illness rule on every field of it (rules.h,
 * gx_rules_each_field) and keeps each (rule, field) match as a "reading" with its class;
 * it also counts, per field name, how often the field occurs and which values it takes.
 * Finishing decides every sample (illness.h lists the steps):
 *
 *   constant fields   a field with one value in every sample of a study of two or more
 *                     ("study: sepsis cohort", a series title) labels nothing alone: its
 *                     readings count only when nothing else of the sample says anything;
 *   own evidence      the best reading on the sample's other fields, refined by the
 *                     sample's other readings (recovered over an illness where a state
 *                     is said; septic shock > sepsis > infection; a negation over an
 *                     infection; a control arm to healthy or patients);
 *   comparison arm    a diagnosis field whose value only says "patient"/"ICU" while its
 *                     other values state sepsis: those patients are the not-septic arm;
 *   control arm       "control" is healthy among healthy people: a control sample whose
 *                     own fields (or the study-wide ones) say patient, ICU or a disease is
 *                     a patient, and so are the control samples of a study whose control
 *                     arm carries a disease;
 *   group             a sample with no evidence of its own takes the label that the other
 *                     members of its group (same value of a diagnosis field) agree on;
 *   study-wide        then the constant fields (an illness word there labels the
 *                     samples of a study with healthy people only where their own fields
 *                     call them cases or patients); then the default.
 *
 * Memory: readings and field-value ids per sample, the values of group-like fields up
 * to GROUP_MAX per field, and a string pool.  Nothing here prints or touches a database.
 */
#include "transform/illness_int.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_MAX 32        /* distinct values of a field that can still be a group field */
#define POOL_VALUE_MAX 120  /* bytes of a field value kept per reading */
#define NONE ((uint32_t)-1)

/* Classes, in the order of class_names in illness.c. */
enum {
	C_NONE = 0, C_POOLED, C_HEALTHY, C_RECOVERED, C_NEGATION, C_SEPTIC_SHOCK, C_SEPSIS,
	C_INFECTION, C_PATIENT_CONTROL, C_NONINFECTIOUS, C_CONTROL, C_PATIENT, C_OUTCOME,
	C_TIME, C_COUNT
};

static const char *const cls_names[C_COUNT] = { "", "pooled", "healthy", "recovered",
	"negation", "septic_shock", "sepsis", "infection", "patient_control", "noninfectious",
	"control", "patient", "outcome", "time" };

static int cls_of(const char *name)
{
	int i;

	for (i = 1; i < C_COUNT; i++)
		if (!strcmp(cls_names[i], name))
			return i;
	return C_NONE;
}

/* How specific a statement about sepsis is: septic shock > sepsis > infection. */
static int specificity(int c)
{
	return c == C_SEPTIC_SHOCK ? 3 : c == C_SEPSIS ? 2 : c == C_INFECTION ? 1 : 0;
}

/* Readings that state something (a patient marker or a masked word does not). */
static int states(int c)
{
	return c != C_PATIENT && c != C_OUTCOME && c != C_TIME;
}

/* Readings that make a control sample a patient. */
static int marks_patient(int c)
{
	return c == C_PATIENT || c == C_PATIENT_CONTROL || c == C_NONINFECTIOUS ||
	       c == C_RECOVERED;
}

typedef struct reading {
	const gx_rule_info *rule;
	const char *set;            /* field set name, owned by the rules */
	double confidence;
	int priority;
	uint32_t field;             /* index in st->fs */
	uint32_t text;              /* pool: the matched text */
	uint32_t value;             /* pool: the field's whole value (cut) */
	int cls;
} reading;

typedef struct fstat {
	uint32_t name;              /* pool */
	size_t present;             /* samples that have it */
	size_t last;                /* 1 + index of the last sample counted */
	uint64_t first;             /* hash of the first value */
	int varies;                 /* two samples (or one sample twice) differ */
	int diag;                   /* the 'diagnosis' field set selects it */
	size_t nd;                  /* distinct values kept in d */
	int overflow;               /* more than GROUP_MAX distinct values */
	struct {
		uint64_t h;
		uint32_t value;         /* pool */
		uint32_t n;
	} d[GROUP_MAX];
} fstat;

typedef struct fval {
	uint32_t field;             /* index in st->fs */
	uint32_t dv;                /* index in fs.d, NONE if not kept */
} fval;

enum { HOW_NONE, HOW_OVERRIDE, HOW_POOLED, HOW_OWN, HOW_ARM, HOW_GROUP, HOW_CONSTANT,
	HOW_DEFAULT };

typedef struct smp {
	uint32_t acc;               /* pool, NONE if no accession */
	size_t r0, rn;              /* readings */
	size_t v0, vn;              /* field values */
	const gx_illness_override *ov;
	int how;
	long r;                     /* deciding reading (index in st->r), -1 if none */
	const char *code;
	double conf;
	int ctrl;                   /* 1: decided as a control arm */
	uint32_t why;               /* pool: the study-level reason, NONE if none */
} smp;

struct gx_illness_study {
	const gx_illness *ill;
	char *study;
	gx_buf pool;
	smp *s;
	size_t n, cap;
	reading *r;
	size_t nr, capr;
	fval *v;
	size_t nv, capv;
	fstat *fs;
	size_t nfs, capfs;
	gx_hset fs_ix;              /* hash of a field name -> index in fs */
	int finished;
	long group;                 /* the field that splits the study, -1 if none */
	int arm;                    /* control arm: 0 none, 1 healthy, 2 patients */
};

/* ---- building ---------------------------------------------------------------------- */

static uint32_t pool_put(gx_illness_study *st, const char *s, size_t len)
{
	size_t off = st->pool.len;

	if (len > POOL_VALUE_MAX) {
		len = POOL_VALUE_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	if (off > UINT32_MAX - len - 2 || gx_buf_append(&st->pool, s, len) < 0 ||
	    gx_buf_putc(&st->pool, '\0') < 0)
		return NONE;
	return (uint32_t)off;
}

static const char *pool_str(const gx_illness_study *st, uint32_t off)
{
	return off == NONE ? "" : st->pool.data + off;
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

/* Index of field 'name' in st->fs, added if new; NONE on allocation failure. */
static uint32_t field_id(gx_illness_study *st, const char *name)
{
	uint64_t h = gx_hash_bytes(name, strlen(name)).lo, ix;
	fstat *f;

	if (gx_hset_get(&st->fs_ix, h, &ix) && !strcmp(pool_str(st, st->fs[ix].name), name))
		return (uint32_t)ix;
	for (ix = 0; ix < st->nfs; ix++) /* a hash collision: look the slow way */
		if (!strcmp(pool_str(st, st->fs[ix].name), name))
			return (uint32_t)ix;
	if (grow(&st->fs, &st->capfs, st->nfs, sizeof(*st->fs)) < 0)
		return NONE;
	f = &st->fs[st->nfs];
	memset(f, 0, sizeof(*f));
	if ((f->name = pool_put(st, name, strlen(name))) == NONE ||
	    gx_hset_put(&st->fs_ix, h, st->nfs, NULL) < 0)
		return NONE;
	f->diag = gx_rules_set_selects(st->ill->rules, "diagnosis", name);
	return (uint32_t)st->nfs++;
}

/* Count one field value of sample 'si'; fills *fv. */
static int count_value(gx_illness_study *st, size_t si, uint32_t fid, const char *v,
                       size_t len, fval *fv)
{
	fstat *f = &st->fs[fid];
	uint64_t h = value_hash(v, len);
	size_t k;

	fv->field = fid;
	fv->dv = NONE;
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
	if ((f->d[f->nd].value = pool_put(st, v, len)) == NONE)
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

	if ((fid = field_id(st, name)) == NONE) {
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
	r->cls = cls_of(m->rule->cls);
	val = gx_fields_value(x->f, m->field_index, &len);
	if ((r->text = pool_put(st, m->text, strlen(m->text))) == NONE ||
	    (r->value = pool_put(st, val, len)) == NONE) {
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
	sm->why = NONE;
	sm->acc = sample ? pool_put(st, sample, strlen(sample)) : NONE;
	if (sample && sm->acc == NONE)
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
		if ((fid = field_id(st, name)) == NONE ||
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

/* ---- deciding ---------------------------------------------------------------------- */

static int constant(const gx_illness_study *st, uint32_t fid)
{
	const fstat *f = &st->fs[fid];

	return st->n >= 2 && f->present == st->n && !f->varies;
}

static const reading *rd(const gx_illness_study *st, long i)
{
	return &st->r[i];
}

/*
 * The best stating reading of sample 'sm' among the constant (want_const) or the other
 * fields, -1 if none.  Readings come in candidate order (priority, then file order).
 */
static long best_reading(const gx_illness_study *st, const smp *sm, int want_const)
{
	size_t i;

	for (i = sm->r0; i < sm->r0 + sm->rn; i++) {
		const reading *r = &st->r[i];
		if (states(r->cls) && r->cls != C_POOLED && constant(st, r->field) == want_const)
			return (long)i;
	}
	return -1;
}

/* Reading i is the best stating reading of its field (readings come best first). */
static int field_best(const gx_illness_study *st, const smp *sm, size_t i)
{
	size_t k;

	for (k = sm->r0; k < i; k++)
		if (st->r[k].field == st->r[i].field && states(st->r[k].cls))
			return 0;
	return 1;
}

/* No reading of another stating class comes before reading i on its field. */
static int field_best_of_class(const gx_illness_study *st, const smp *sm, size_t i)
{
	size_t k;

	for (k = sm->r0; k < i; k++)
		if (st->r[k].field == st->r[i].field && states(st->r[k].cls) &&
		    st->r[k].cls != st->r[i].cls)
			return 0;
	return 1;
}

/* First reading of class c (any field if want_const < 0), -1 if none. */
static long find_class(const gx_illness_study *st, const smp *sm, int c, int want_const)
{
	size_t i;

	for (i = sm->r0; i < sm->r0 + sm->rn; i++)
		if (st->r[i].cls == c && (want_const < 0 || constant(st, st->r[i].field) == want_const))
			return (long)i;
	return -1;
}

static int set_why(gx_illness_study *st, smp *sm, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_why(gx_illness_study *st, smp *sm, const char *fmt, ...)
{
	char buf[GX_ILLNESS_STUDY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sm->why = pool_put(st, buf, strlen(buf));
	return sm->why == NONE ? -1 : 0;
}

static void decide_by(const gx_illness_study *st, smp *sm, int how, long r)
{
	sm->how = how;
	sm->r = r;
	sm->code = gx_illness_category_find(st->ill, rd(st, r)->rule->value)->code;
	sm->conf = rd(st, r)->confidence;
}

static const char *fname(const gx_illness_study *st, long r)
{
	return pool_str(st, st->fs[rd(st, r)->field].name);
}

/*
 * A control reading of sample sm: healthy if the sample says healthy anywhere, patients
 * if it says patient, ICU or a disease anywhere (the study-wide fields too: "source:
 * ICU patients" is said of every sample), else left to the study (ctrl = 1).
 */
static int resolve_control(gx_illness_study *st, smp *sm)
{
	const gx_illness *ill = st->ill;
	long h = find_class(st, sm, C_HEALTHY, -1), p = -1;
	size_t i;

	sm->ctrl = ill->arm_patients != NULL;
	if (!ill->arm_patients)
		return 0;
	if (h >= 0) {
		sm->ctrl = 0;
		sm->code = ill->arm_healthy;
		return set_why(st, sm, "a control arm of healthy people: '%s' says \"%s\"",
		               fname(st, h), pool_str(st, rd(st, h)->text));
	}
	for (i = sm->r0; i < sm->r0 + sm->rn && p < 0; i++)
		if (marks_patient(st->r[i].cls))
			p = (long)i;
	if (p < 0)
		return 0;
	sm->ctrl = 0;
	sm->code = ill->arm_patients;
	return set_why(st, sm, "a control arm of patients: '%s' says \"%s\"%s", fname(st, p),
	               pool_str(st, rd(st, p)->text),
	               constant(st, rd(st, p)->field) ? " (every sample of the study)" : "");
}

/*
 * A reading in a field that states the subject's state at sampling: a diagnosis field,
 * the title or source, or a field the rule selects itself (a time field); not the
 * other characteristics, where an outcome key ("outcome: recovery") is read too.
 */
static int says_state(const gx_illness_study *st, const reading *r)
{
	const char *name = pool_str(st, st->fs[r->field].name);

	return st->fs[r->field].diag || !r->set[0] || !strcmp(name, "title") ||
	       !strcmp(name, "source_name");
}

/*
 * Decide from the best reading among constant or other fields, made more specific by
 * the sample's other readings of the same kind.  0 if nothing stated, 1 decided.
 */
static int decide(gx_illness_study *st, smp *sm, int want_const, int how)
{
	long b = best_reading(st, sm, want_const), x = -1;
	size_t i;
	int bc;

	if (b < 0)
		return 0;
	bc = rd(st, b)->cls;
	/* "convalescent", "recovery" where the state at sampling is said beats the illness */
	for (i = sm->r0; bc != C_RECOVERED && specificity(bc) && x < 0 && i < sm->r0 + sm->rn; i++)
		if (st->r[i].cls == C_RECOVERED && constant(st, st->r[i].field) == want_const &&
		    field_best_of_class(st, sm, i) && says_state(st, &st->r[i]))
			x = (long)i;
	if (x < 0 && (bc == C_INFECTION || bc == C_SEPSIS)) {
		for (i = sm->r0; i < sm->r0 + sm->rn; i++) {
			const reading *r = &st->r[i];
			if (constant(st, r->field) == want_const && field_best(st, sm, i) &&
			    specificity(r->cls) > specificity(x >= 0 ? rd(st, x)->cls : bc))
				x = (long)i;
		}
		for (i = sm->r0; x < 0 && bc == C_INFECTION && i < sm->r0 + sm->rn; i++)
			if (st->r[i].cls == C_NEGATION && constant(st, st->r[i].field) == want_const &&
			    field_best(st, sm, i))
				x = (long)i;
	}
	if (x >= 0) {
		decide_by(st, sm, how, x);
		if (set_why(st, sm, rd(st, x)->cls == C_RECOVERED ?
		            "the state at sampling, over \"%s\" in '%s'" :
		            "more specific than \"%s\" in '%s'", pool_str(st, rd(st, b)->text),
		            fname(st, b)) < 0)
			return -1;
		return 1;
	}
	/* "uninfected control", "non-septic controls": a negated control is the control arm */
	for (i = sm->r0; bc == C_NEGATION && i < sm->r0 + sm->rn; i++) {
		if (st->r[i].cls == C_CONTROL && st->r[i].field == rd(st, b)->field) {
			b = (long)i;
			bc = C_CONTROL;
		}
	}
	decide_by(st, sm, how, b);
	if (bc == C_CONTROL && resolve_control(st, sm) < 0)
		return -1;
	return 1;
}

/* Own evidence for every sample; pooled samples first. */
static int decide_own(gx_illness_study *st)
{
	size_t i;
	long p;

	for (i = 0; i < st->n; i++) {
		smp *sm = &st->s[i];
		if (sm->ov) {
			sm->how = HOW_OVERRIDE;
			sm->code = sm->ov->code;
			sm->conf = 1.0;
			continue;
		}
		if ((p = find_class(st, sm, C_POOLED, -1)) >= 0) {
			decide_by(st, sm, HOW_POOLED, p);
			continue;
		}
		if (decide(st, sm, 0, HOW_OWN) < 0)
			return -1;
	}
	return 0;
}

/* The value index of field fid in sample sm, NONE if the sample has none kept. */
static uint32_t value_of(const gx_illness_study *st, const smp *sm, uint32_t fid)
{
	size_t k;

	for (k = sm->v0; k < sm->v0 + sm->vn; k++)
		if (st->v[k].field == fid)
			return st->v[k].dv;
	return NONE;
}

/*
 * A value of a diagnosis field that only says "patient" ("ICU patient", "hospitalised")
 * while another value of the same field states sepsis: the patients of the comparison
 * arm, not septic.  One pass over the samples per field: what each value's readings on
 * that field state.
 */
static int decide_comparison_arm(gx_illness_study *st)
{
	size_t fid, i, k;
	unsigned char says[GROUP_MAX];     /* bit 1: states something, bit 2: sepsis */

	if (!st->ill->arm_patients)
		return 0;
	for (fid = 0; fid < st->nfs; fid++) {
		const fstat *f = &st->fs[fid];
		int sepsis = 0;
		if (!f->diag || !f->varies || constant(st, (uint32_t)fid))
			continue;
		memset(says, 0, sizeof(says));
		for (i = 0; i < st->n; i++) {
			const smp *sm = &st->s[i];
			uint32_t dv = value_of(st, sm, (uint32_t)fid);
			if (dv == NONE)
				continue;
			for (k = sm->r0; k < sm->r0 + sm->rn; k++) {
				const reading *r = &st->r[k];
				if (r->field != fid || !states(r->cls))
					continue;
				says[dv] |= 1;
				if (r->cls == C_SEPSIS || r->cls == C_SEPTIC_SHOCK)
					says[dv] |= 2;
			}
		}
		for (k = 0; k < f->nd; k++)
			sepsis |= says[k] & 2;
		if (!sepsis)
			continue;
		for (i = 0; i < st->n; i++) {
			smp *sm = &st->s[i];
			uint32_t dv = value_of(st, sm, (uint32_t)fid);
			long p;
			if (sm->how != HOW_NONE || dv == NONE || (says[dv] & 1))
				continue;
			for (p = -1, k = sm->r0; k < sm->r0 + sm->rn && p < 0; k++)
				if (st->r[k].field == fid && st->r[k].cls == C_PATIENT)
					p = (long)k;
			if (p < 0)
				continue;
			sm->how = HOW_ARM;
			sm->r = p;
			sm->code = st->ill->arm_patients;
			sm->conf = rd(st, p)->confidence * 0.9;
			if (set_why(st, sm, "the comparison arm of '%s': \"%s\" names patients while "
			            "other values state sepsis", pool_str(st, f->name),
			            pool_str(st, f->d[dv].value)) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * Control samples that said neither healthy nor patient: patients if other control
 * samples of the study carry a disease or say patient and none says healthy.
 */
static int decide_control_arm(gx_illness_study *st)
{
	size_t i, healthy = 0, patients = 0;
	const gx_illness *ill = st->ill;

	for (i = 0; i < st->n; i++) {
		const smp *sm = &st->s[i];
		if (sm->how != HOW_OWN || sm->r < 0 || rd(st, sm->r)->cls != C_CONTROL ||
		    sm->ctrl)
			continue;
		healthy += sm->code == ill->arm_healthy;
		patients += sm->code == ill->arm_patients;
	}
	st->arm = patients && !healthy ? 2 : 1;
	for (i = 0; i < st->n; i++) {
		smp *sm = &st->s[i];
		if (!sm->ctrl)
			continue;
		sm->ctrl = 0;
		if (st->arm == 2) {
			sm->code = ill->arm_patients;
			if (set_why(st, sm, "a control arm of patients: %zu other control samples of the "
			            "study say patient or name a disease", patients) < 0)
				return -1;
		} else {
			sm->code = ill->arm_healthy;
			if (set_why(st, sm, "a control arm of healthy people: no sample of the control "
			            "arm says patient, ICU or a disease") < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * A sample with no evidence of its own takes the label that at least two other members
 * of its group agree on (and four in five of those that have one), the group being the
 * samples with the same value of a diagnosis field.  Per field, one pass counts the
 * decided members' labels of each value; a member (the first) that holds it is kept.
 */
typedef struct group_count {
	long n[GROUP_MAX];          /* decided members per value */
	long *by;                   /* GROUP_MAX x categories */
	size_t *member;             /* GROUP_MAX x categories: a member with that label */
} group_count;

static size_t cat_of(const gx_illness *ill, const char *code)
{
	size_t c;

	for (c = 0; c < gx_illness_category_count(ill); c++)
		if (gx_illness_category_at(ill, c)->code == code)
			return c;
	return 0;
}

static int decide_group(gx_illness_study *st)
{
	size_t i, fid, c, nc = gx_illness_category_count(st->ill), undecided = 0;
	group_count g;
	long *best_n, *best_tot;
	size_t *best_f, *best_dv, *best_c;
	int rc = -1;

	for (i = 0; i < st->n; i++)
		undecided += st->s[i].how == HOW_NONE;
	if (!undecided)
		return 0;
	g.by = gx_calloc(GROUP_MAX * nc, sizeof(long));
	g.member = gx_calloc(GROUP_MAX * nc, sizeof(size_t));
	best_n = gx_calloc(st->n, sizeof(long));
	best_tot = gx_calloc(st->n, sizeof(long));
	best_f = gx_calloc(st->n, sizeof(size_t));
	best_dv = gx_calloc(st->n, sizeof(size_t));
	best_c = gx_calloc(st->n, sizeof(size_t));
	if (!g.by || !g.member || !best_n || !best_tot || !best_f || !best_dv || !best_c)
		goto out;
	for (fid = 0; fid < st->nfs; fid++) {
		const fstat *f = &st->fs[fid];
		if (!f->diag || constant(st, (uint32_t)fid))
			continue;
		memset(g.n, 0, sizeof(g.n));
		memset(g.by, 0, GROUP_MAX * nc * sizeof(long));
		for (i = 0; i < st->n; i++) {
			const smp *o = &st->s[i];
			uint32_t dv;
			if ((o->how != HOW_OWN && o->how != HOW_ARM) || o->r < 0 ||
			    (dv = value_of(st, o, (uint32_t)fid)) == NONE)
				continue;
			c = cat_of(st->ill, o->code);
			if (!g.by[dv * nc + c]++)
				g.member[dv * nc + c] = i;
			g.n[dv]++;
		}
		for (i = 0; i < st->n; i++) {
			uint32_t dv;
			if (st->s[i].how != HOW_NONE || (dv = value_of(st, &st->s[i], (uint32_t)fid)) == NONE)
				continue;
			for (c = 0; c < nc; c++) {
				long h = g.by[dv * nc + c];
				if (h >= 2 && h * 5 >= g.n[dv] * 4 && h > best_n[i]) {
					best_n[i] = h;
					best_tot[i] = g.n[dv];
					best_f[i] = fid;
					best_dv[i] = dv;
					best_c[i] = g.member[dv * nc + c];
				}
			}
		}
	}
	for (i = 0; i < st->n; i++) {
		smp *sm = &st->s[i];
		const smp *o = &st->s[best_c[i]];
		if (sm->how != HOW_NONE || !best_n[i])
			continue;
		sm->how = HOW_GROUP;
		sm->r = o->r;
		sm->code = o->code;
		sm->conf = o->conf * 0.8;
		if (set_why(st, sm, "group '%s' = \"%s\": %ld of %ld other members are %s",
		            pool_str(st, st->fs[best_f[i]].name),
		            pool_str(st, st->fs[best_f[i]].d[best_dv[i]].value), best_n[i], best_tot[i],
		            sm->code) < 0)
			goto out;
	}
	rc = 0;
out:
	gx_free(g.by);
	gx_free(g.member);
	gx_free(best_n);
	gx_free(best_tot);
	gx_free(best_f);
	gx_free(best_dv);
	gx_free(best_c);
	return rc;
}

/*
 * Samples still undecided: the study-wide fields, read like the sample's own - unless
 * the study has healthy people of its own saying: then a study-wide word that states an
 * illness describes the study ("sepsis cohort"), not each sample.
 */
static int decide_constant(gx_illness_study *st)
{
	size_t i;
	long p;
	int rc, healthy = 0;

	for (i = 0; i < st->n; i++)
		healthy |= (st->s[i].how == HOW_OWN || st->s[i].how == HOW_GROUP) &&
		           st->ill->arm_healthy && st->s[i].code == st->ill->arm_healthy;
	for (i = 0; i < st->n; i++) {
		smp *sm = &st->s[i];
		if (sm->how != HOW_NONE)
			continue;
		if ((rc = decide(st, sm, 1, HOW_CONSTANT)) < 0)
			return -1;
		if (rc == 1 && healthy && sm->code != st->ill->arm_healthy && !sm->ctrl &&
		    (p = find_class(st, sm, C_PATIENT, 0)) >= 0) {
			/* "cohort: sepsis" with "group: case": the study's condition, said of the
			 * samples its own fields call cases or patients */
			if (set_why(st, sm, "study-wide '%s' says \"%s\" and '%s' says \"%s\": the "
			            "study's patients", fname(st, sm->r), pool_str(st, rd(st, sm->r)->text),
			            fname(st, p), pool_str(st, rd(st, p)->text)) < 0)
				return -1;
		} else if (rc == 1 && healthy && sm->code != st->ill->arm_healthy && !sm->ctrl) {
			if (set_why(st, sm, "study-wide '%s' says \"%s\", but the study has healthy "
			            "samples: it describes the study, not this sample",
			            fname(st, sm->r), pool_str(st, rd(st, sm->r)->text)) < 0)
				return -1;
			sm->how = HOW_NONE;
			sm->r = -1;
			rc = 0;
		}
		if (rc == 0) {
			sm->how = HOW_DEFAULT;
			sm->code = st->ill->def;
			sm->conf = 0;
			continue;
		}
		if (sm->ctrl) {
			sm->ctrl = 0;
			sm->code = st->arm == 2 ? st->ill->arm_patients : st->ill->arm_healthy;
		}
		if (sm->why == NONE &&
		    set_why(st, sm, "only the study-wide field '%s' (the same for every sample) "
		            "says so", fname(st, sm->r)) < 0)
			return -1;
	}
	return 0;
}

/* The field that splits the study: the diagnosis field that decided most samples. */
static void find_group_field(gx_illness_study *st)
{
	size_t fid, i, best = 0;

	st->group = -1;
	for (fid = 0; fid < st->nfs; fid++) {
		const fstat *f = &st->fs[fid];
		size_t n = 0;
		if (!f->diag || !f->varies || f->overflow || constant(st, (uint32_t)fid))
			continue;
		for (i = 0; i < st->n; i++)
			n += st->s[i].r >= 0 && st->r[st->s[i].r].field == fid;
		if (n > best || (n == best && n && st->group >= 0 && f->nd < st->fs[st->group].nd)) {
			best = n;
			st->group = (long)fid;
		}
	}
}

int gx_illness_study_finish(gx_illness_study *st, gx_err *err)
{
	if (decide_own(st) < 0 || decide_comparison_arm(st) < 0 || decide_control_arm(st) < 0 ||
	    decide_group(st) < 0 || decide_constant(st) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	find_group_field(st);
	st->finished = 1;
	return 0;
}

/* ---- reading the results ------------------------------------------------------------- */

static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (len >= cap) {
		len = cap - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void gx_illness_study_label(const gx_illness_study *st, size_t i, gx_illness_label *out)
{
	const smp *sm = &st->s[i];

	memset(out, 0, sizeof(*out));
	out->reason = "";
	out->code = sm->code;
	out->confidence = sm->conf;
	if (sm->how == HOW_OVERRIDE) {
		out->source = sm->ov->sample ? GX_ILLNESS_SAMPLE_OVERRIDE : GX_ILLNESS_STUDY_OVERRIDE;
		copy_cut(out->decided_by, sizeof(out->decided_by), sm->ov->id);
		out->reason = sm->ov->reason;
		return;
	}
	if (sm->how == HOW_DEFAULT || sm->r < 0) {
		out->source = GX_ILLNESS_DEFAULT;
		copy_cut(out->decided_by, sizeof(out->decided_by), "default");
		copy_cut(out->study, sizeof(out->study), pool_str(st, sm->why));
		return;
	}
	out->source = GX_ILLNESS_RULE;
	copy_cut(out->decided_by, sizeof(out->decided_by), rd(st, sm->r)->rule->id);
	copy_cut(out->cls, sizeof(out->cls), rd(st, sm->r)->rule->cls);
	copy_cut(out->field, sizeof(out->field), fname(st, sm->r));
	copy_cut(out->text, sizeof(out->text), pool_str(st, rd(st, sm->r)->text));
	copy_cut(out->value, sizeof(out->value), pool_str(st, rd(st, sm->r)->value));
	copy_cut(out->study, sizeof(out->study), pool_str(st, sm->why));
	out->reason = rd(st, sm->r)->rule->note;
}

int gx_illness_label_json(const gx_illness_label *lab, gx_buf *out)
{
	static const char *const src[] = { "default", "rule", "study_override",
		"sample_override" };
	json_t *o = json_object();
	char *s = NULL;
	int rc = -1;

	if (!o)
		return -1;
	if (json_object_set_new(o, "source", json_string(src[lab->source])) ||
	    json_object_set_new(o, "decided_by", json_string(lab->decided_by)))
		goto done;
	if (lab->cls[0] && json_object_set_new(o, "class", json_string(lab->cls)))
		goto done;
	if (lab->field[0] &&
	    (json_object_set_new(o, "field", json_string(lab->field)) ||
	     json_object_set_new(o, "key", json_string(gx_rules_field_key(lab->field))) ||
	     json_object_set_new(o, "value", json_string(lab->value)) ||
	     json_object_set_new(o, "matched", json_string(lab->text))))
		goto done;
	if (lab->study[0] && json_object_set_new(o, "study", json_string(lab->study)))
		goto done;
	if (lab->reason && lab->reason[0] &&
	    json_object_set_new(o, "reason", json_string(lab->reason)))
		goto done;
	if (!(s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)))
		goto done;
	rc = gx_buf_puts(out, s) < 0 ? -1 : 0;
done:
	free(s);
	json_decref(o);
	return rc;
}

static void quote(char *dst, size_t cap, const char *s)
{
	gx_err_quote(s, strlen(s), dst, cap);
}

int gx_illness_study_explain(const gx_illness_study *st, size_t i, gx_buf *out, gx_err *err)
{
	const smp *sm = &st->s[i];
	const gx_illness *ill = st->ill;
	char q[GX_RULES_TEXT_MAX + 16], qv[POOL_VALUE_MAX * 4 + 16];
	size_t k;
	int rc = 0, first = 1;

	if (gx_buf_printf(out, "%s%s%s: %s (%s)\n", sm->acc != NONE ? pool_str(st, sm->acc) :
	                  "(no accession)", st->study ? " in " : "", st->study ? st->study : "",
	                  sm->code, gx_illness_category_find(ill, sm->code)->label) < 0)
		goto nomem;
	if (sm->how == HOW_OVERRIDE) {
		if (gx_buf_printf(out, "  decided by %s override '%s' ('%s', line %ld): %s\n",
		                  sm->ov->sample ? "sample" : "study", sm->ov->id, sm->ov->file,
		                  sm->ov->line, sm->ov->reason) < 0)
			goto nomem;
	} else if (sm->r >= 0) {
		const reading *r = rd(st, sm->r);
		static const char *const how[] = { "", "", "", "", "", " (for its group)", "", "" };
		quote(q, sizeof(q), pool_str(st, r->text));
		quote(qv, sizeof(qv), pool_str(st, r->value));
		if (gx_buf_printf(out, "  decided by rule '%s'%s (line %ld)%s%s%s on field '%s'%s%s%s, "
		                  "confidence %.2f: %s\n    key '%s', value %s\n", r->rule->id,
		                  how[sm->how], r->rule->line, r->rule->cls[0] ? " [" : "",
		                  r->rule->cls, r->rule->cls[0] ? "]" : "", fname(st, sm->r),
		                  r->set[0] ? " [" : "", r->set, r->set[0] ? "]" : "", sm->conf, q,
		                  gx_rules_field_key(fname(st, sm->r)), qv) < 0)
			goto nomem;
		if (sm->why != NONE && gx_buf_printf(out, "    study: %s\n", pool_str(st, sm->why)) < 0)
			goto nomem;
		if (r->rule->note[0] && gx_buf_printf(out, "    note: %s\n", r->rule->note) < 0)
			goto nomem;
	} else if (gx_buf_puts(out, "  no rule decided: the default category\n") < 0 ||
	           (sm->why != NONE &&
	            gx_buf_printf(out, "    study: %s\n", pool_str(st, sm->why)) < 0)) {
		goto nomem;
	}
	for (k = sm->r0; k < sm->r0 + sm->rn; k++) {
		const reading *r = &st->r[k];
		if ((long)k == sm->r && sm->how != HOW_GROUP)
			continue;
		if (first && gx_buf_puts(out, sm->how == HOW_OVERRIDE ?
		                         "  the rules alone would give, best first:\n" :
		                         "  also matched, weighed lower:\n") < 0)
			goto nomem;
		first = 0;
		quote(q, sizeof(q), pool_str(st, r->text));
		if (gx_buf_printf(out, "    %-13s rule '%s'%s%s%s (priority %d) on field '%s': %s%s\n",
		                  r->rule->value[0] ? r->rule->value : "-", r->rule->id,
		                  r->rule->cls[0] ? " [" : "", r->rule->cls, r->rule->cls[0] ? "]" : "",
		                  r->priority,
		                  pool_str(st, st->fs[r->field].name), q,
		                  r->rule->mask ? " (masked: not read by the other rules)" :
		                  constant(st, r->field) ? " (the same for every sample: study-wide)" :
		                  "") < 0)
			goto nomem;
	}
	return rc;
nomem:
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

int gx_illness_study_summary(const gx_illness_study *st, gx_buf *out, gx_err *err)
{
	char qv[POOL_VALUE_MAX * 4 + 16];
	size_t fid, k, i, nconst = 0;

	if (gx_buf_printf(out, "study %s: %zu samples\n", st->study ? st->study : "(none)",
	                  st->n) < 0)
		goto nomem;
	if (st->group >= 0) {
		const fstat *f = &st->fs[st->group];
		if (gx_buf_printf(out, "  the field that splits it into groups: '%s' (%zu values)\n",
		                  pool_str(st, f->name), f->nd) < 0)
			goto nomem;
		for (k = 0; k < f->nd; k++) {
			const char *code = NULL;
			int mixed = 0;
			for (i = 0; i < st->n; i++) {
				if (value_of(st, &st->s[i], (uint32_t)st->group) != k)
					continue;
				if (code && strcmp(code, st->s[i].code))
					mixed = 1;
				code = st->s[i].code;
			}
			quote(qv, sizeof(qv), pool_str(st, f->d[k].value));
			if (gx_buf_printf(out, "    %-40s %4u samples: %s\n", qv, f->d[k].n,
			                  mixed ? "mixed labels" : code ? code : "-") < 0)
				goto nomem;
		}
	} else if (gx_buf_puts(out, "  no diagnosis field splits it into groups\n") < 0) {
		goto nomem;
	}
	for (fid = 0; fid < st->nfs; fid++) {
		if (!constant(st, (uint32_t)fid))
			continue;
		quote(qv, sizeof(qv), pool_str(st, st->fs[fid].d[0].value));
		if ((!nconst++ && gx_buf_puts(out, "  the same for every sample (study-wide, label "
		                              "nothing alone):\n") < 0) ||
		    gx_buf_printf(out, "    %s = %s\n", pool_str(st, st->fs[fid].name), qv) < 0)
			goto nomem;
	}
	if (st->arm && gx_buf_printf(out, "  control arm: %s\n", st->arm == 2 ?
	                             "patients (it carries a disease or says patient)" :
	                             "healthy unless a sample says otherwise") < 0)
		goto nomem;
	return 0;
nomem:
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
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
