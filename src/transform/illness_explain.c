/*
 * illness_explain.c - a decided study read back: each sample's label with its evidence
 * (gx_illness_label), the evidence as the JSON stored with the sample, and the text of
 * `gxload rules explain` (a sample's evidence chain, the study's findings).
 * Nothing here decides, prints or touches a database.
 */
#include "transform/illness_int.h"
#include "core/buf.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the results ------------------------------------------------------------- */

static void put(char *dst, size_t cap, const char *src)
{
	gx_utf8_copy(dst, cap, src, strlen(src));
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
		put(out->decided_by, sizeof(out->decided_by), sm->ov->id);
		out->reason = sm->ov->reason;
		return;
	}
	if (sm->how == HOW_DEFAULT || sm->r < 0) {
		out->source = GX_ILLNESS_DEFAULT;
		put(out->decided_by, sizeof(out->decided_by), "default");
		put(out->study, sizeof(out->study), pool_str(st, sm->why));
		return;
	}
	out->source = GX_ILLNESS_RULE;
	put(out->decided_by, sizeof(out->decided_by), rd(st, sm->r)->rule->id);
	put(out->cls, sizeof(out->cls), rd(st, sm->r)->rule->cls);
	put(out->field, sizeof(out->field), fname(st, sm->r));
	put(out->text, sizeof(out->text), pool_str(st, rd(st, sm->r)->text));
	put(out->value, sizeof(out->value), pool_str(st, rd(st, sm->r)->value));
	put(out->study, sizeof(out->study), pool_str(st, sm->why));
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

	if (gx_buf_printf(out, "%s%s%s: %s (%s)\n", sm->acc != IST_NONE ? pool_str(st, sm->acc) :
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
		if (sm->why != IST_NONE && gx_buf_printf(out, "    study: %s\n", pool_str(st, sm->why)) < 0)
			goto nomem;
		if (r->rule->note[0] && gx_buf_printf(out, "    note: %s\n", r->rule->note) < 0)
			goto nomem;
	} else if (gx_buf_puts(out, "  no rule decided: the default category\n") < 0 ||
	           (sm->why != IST_NONE &&
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
		const field_stat *f = &st->fs[st->group];
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
