/*
 * rules_match.c - matching a sample's fields against a loaded rule set (see rules.h for
 * the evaluation order).
 *
 * Candidates are walked in priority order; each field set is resolved against the
 * sample's field names at most once per call (fnmatch), then the rule's pattern runs on
 * each field.  A rule set is read only.
 */
#include "transform/rules_impl.h"
#include "core/mem.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* ---- matching -------------------------------------------------------------------- */

typedef struct mstate {
	const gx_rules *rs;
	const gx_fields *f;
	const char *study;
	size_t nf;
	size_t *idx;            /* n_sets rows of nf field indexes */
	size_t *cnt;            /* fields resolved per set; SIZE_MAX = not yet */
	pcre2_match_data *md;
} mstate;

static int mstate_init(mstate *st, const gx_rules *rs, const gx_fields *f, const char *study,
                       gx_err *err)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->rs = rs;
	st->f = f;
	st->study = study;
	st->nf = gx_fields_count(f);
	st->idx = gx_malloc((rs->n_sets * st->nf + 1) * sizeof(size_t));
	st->cnt = gx_malloc((rs->n_sets + 1) * sizeof(size_t));
	st->md = pcre2_match_data_create(rs->max_pairs, rs->gctx);
	if (!st->idx || !st->cnt || !st->md)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < rs->n_sets; i++)
		st->cnt[i] = SIZE_MAX;
	return 0;
}

static void mstate_release(mstate *st)
{
	gx_free(st->idx);
	gx_free(st->cnt);
	pcre2_match_data_free(st->md);
}

/* The fields of set 'si', in selector order, each once; resolved on first use. */
static const size_t *resolve(mstate *st, size_t si, size_t *count)
{
	const fset *s = &st->rs->sets[si];
	size_t *row = st->idx + si * st->nf, n = 0, i, k, x;

	if (st->cnt[si] != SIZE_MAX) {
		*count = st->cnt[si];
		return row;
	}
	for (k = 0; k < s->n; k++) {
		if (s->s[k].exclude)
			continue;
		for (i = 0; i < st->nf; i++) {
			const char *name = gx_fields_name(st->f, i);
			int skip = fnmatch(s->s[k].glob, name, 0) != 0;
			for (x = 0; !skip && x < s->n; x++)
				skip = s->s[x].exclude && fnmatch(s->s[x].glob, name, 0) == 0;
			for (x = 0; !skip && x < n; x++)
				skip = row[x] == i;
			if (!skip)
				row[n++] = i;
		}
	}
	st->cnt[si] = n;
	*count = n;
	return row;
}

/* Copy at most cap-1 bytes without splitting a UTF-8 character. */
static void copy_cut(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap) {
		len = cap - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int in_scope(const rule *r, const char *study)
{
	size_t i;

	if (!r->n_studies)
		return 1;
	for (i = 0; study && i < r->n_studies; i++)
		if (!strcmp(r->studies[i], study))
			return 1;
	return 0;
}

static int match_failed(const gx_rules *rs, const rule *r, const char *field, int prc,
                        gx_err *err)
{
	PCRE2_UCHAR msg[256];

	if (prc == PCRE2_ERROR_NOMEMORY)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	pcre2_get_error_message(prc, msg, sizeof(msg));
	return gx_err_at(err, GX_E_RULES, rs->file, r->info.line, 0,
	                 "rule '%s' on field '%s': %s (the pattern backtracks too much; "
	                 "make it more specific)", r->id, field, (const char *)msg);
}

/* Try one candidate: 1 and *m filled on a match, 0 if none, negative on error. */
static int try_cand(mstate *st, const cand *c, gx_rule_match *m, gx_err *err)
{
	const gx_rules *rs = st->rs;
	const rule *r = &rs->r[c->rule];
	const size_t *fields;
	size_t nfields, i, j;

	if (!in_scope(r, st->study))
		return 0;
	fields = resolve(st, c->set, &nfields);
	for (i = 0; i < nfields; i++) {
		const char *name = gx_fields_name(st->f, fields[i]);
		size_t len;
		const char *subj = gx_fields_value(st->f, fields[i], &len);
		PCRE2_SIZE *ov;
		int prc;

		if (len > GX_RULES_MAX_SUBJECT) {
			len = GX_RULES_MAX_SUBJECT;
			while (len > 0 && ((unsigned char)subj[len] & 0xC0) == 0x80)
				len--;
		}
		prc = pcre2_match(r->re, (PCRE2_SPTR)subj, len, 0, 0, st->md, rs->mctx);
		if (prc == PCRE2_ERROR_NOMATCH)
			continue;
		if (prc < 0)
			return match_failed(rs, r, name, prc, err);
		ov = pcre2_get_ovector_pointer(st->md);
		memset(m, 0, sizeof(*m));
		m->rule = &r->info;
		m->priority = c->priority;
		m->confidence = c->confidence;
		m->field_set = rs->sets[c->set].name;
		copy_cut(m->field, sizeof(m->field), name, strlen(name));
		copy_cut(m->text, sizeof(m->text), subj + ov[0], ov[1] - ov[0]);
		for (j = 0; j < rs->n_out; j++) {
			int g = r->cap_group[j];
			if (g > 0 && (uint32_t)g < (uint32_t)prc && ov[2 * g] != PCRE2_UNSET) {
				copy_cut(m->out[j], GX_RULES_OUT_MAX, subj + ov[2 * g],
				         ov[2 * g + 1] - ov[2 * g]);
				m->out_mask |= 1u << j;
			} else if (r->set_val[j]) {
				copy_cut(m->out[j], GX_RULES_OUT_MAX, r->set_val[j],
				         strlen(r->set_val[j]));
				m->out_mask |= 1u << j;
			}
		}
		return 1;
	}
	return 0;
}

int gx_rules_first(const gx_rules *rs, const gx_fields *f, const char *study,
                   gx_rule_match *m, gx_err *err)
{
	mstate st;
	size_t i;
	int rc = mstate_init(&st, rs, f, study, err);

	for (i = 0; !rc && i < rs->n_c; i++)
		rc = try_cand(&st, &rs->c[i], m, err);
	mstate_release(&st);
	return rc;
}

int gx_rules_each(const gx_rules *rs, const gx_fields *f, const char *study,
                  gx_rules_each_fn fn, void *ctx, gx_err *err)
{
	gx_rule_match m;
	mstate st;
	size_t i;
	int rc = mstate_init(&st, rs, f, study, err);

	for (i = 0; !rc && i < rs->n_c; i++) {
		rc = try_cand(&st, &rs->c[i], &m, err);
		if (rc == 1)
			rc = fn(ctx, &m);
	}
	mstate_release(&st);
	return rc;
}

const char *gx_rule_match_output(const gx_rules *rs, const gx_rule_match *m,
                                 const char *name)
{
	int o = output_index(rs, name);

	return o >= 0 && (m->out_mask & (1u << o)) ? m->out[o] : NULL;
}
