/*
 * illness_decide.c - a study's labels decided from the evidence illness_study.c
 * collected (illness.h lists the steps):
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
 * Each step sees what the earlier ones decided.  Nothing here prints or touches a
 * database.
 */
#include "transform/illness_int.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* ---- deciding ---------------------------------------------------------------------- */

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
	sm->why = gx_ist_pool_put(st, buf, strlen(buf));
	return sm->why == IST_NONE ? -1 : 0;
}

static void decide_by(const gx_illness_study *st, smp *sm, int how, long r)
{
	sm->how = how;
	sm->r = r;
	sm->code = gx_illness_category_find(st->ill, rd(st, r)->rule->value)->code;
	sm->conf = rd(st, r)->confidence;
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
		const field_stat *f = &st->fs[fid];
		int sepsis = 0;
		if (!f->diag || !f->varies || constant(st, (uint32_t)fid))
			continue;
		memset(says, 0, sizeof(says));
		for (i = 0; i < st->n; i++) {
			const smp *sm = &st->s[i];
			uint32_t dv = value_of(st, sm, (uint32_t)fid);
			if (dv == IST_NONE)
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
			if (sm->how != HOW_NONE || dv == IST_NONE || (says[dv] & 1))
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
		const field_stat *f = &st->fs[fid];
		if (!f->diag || constant(st, (uint32_t)fid))
			continue;
		memset(g.n, 0, sizeof(g.n));
		memset(g.by, 0, GROUP_MAX * nc * sizeof(long));
		for (i = 0; i < st->n; i++) {
			const smp *o = &st->s[i];
			uint32_t dv;
			if ((o->how != HOW_OWN && o->how != HOW_ARM) || o->r < 0 ||
			    (dv = value_of(st, o, (uint32_t)fid)) == IST_NONE)
				continue;
			c = cat_of(st->ill, o->code);
			if (!g.by[dv * nc + c]++)
				g.member[dv * nc + c] = i;
			g.n[dv]++;
		}
		for (i = 0; i < st->n; i++) {
			uint32_t dv;
			if (st->s[i].how != HOW_NONE || (dv = value_of(st, &st->s[i], (uint32_t)fid)) == IST_NONE)
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
		if (sm->why == IST_NONE &&
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
		const field_stat *f = &st->fs[fid];
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
