/*
 * rules_match.c - matching a sample's fields against a loaded rule set (see rules.h for
 * the evaluation order).
 *
 * Candidates are walked in priority order; each field set is resolved against the
 * sample's field names at most once per call (fnmatch), then the rule's `key:` pattern
 * (if any) runs on the field's key and its pattern on the field's value.  Mask rules
 * are applied first: each field they select gets a copy with their matches blanked,
 * and the other rules read that copy.  A rule set is read only.
 */
#include "transform/rules_impl.h"
#include "core/buf.h"
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
	char **mval;            /* per field: its masked copy, NULL = the value itself */
	size_t *mlen;
	pcre2_match_data *md;
} mstate;

const char *gx_rules_field_key(const char *name)
{
	return strncmp(name, "ch:", 3) ? name : name + 3;
}

/* A field's value, cut to GX_RULES_MAX_SUBJECT at a character boundary. */
static const char *subject(const gx_fields *f, size_t i, size_t *len)
{
	const char *v = gx_fields_value(f, i, len);

	*len = gx_utf8_cut(v, *len, GX_RULES_MAX_SUBJECT);
	return v;
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

/* 1 if a rule's `key:` (if any) matches the field's key, 0 if not, negative on error. */
static int key_ok(mstate *st, const rule *r, const char *name, gx_err *err)
{
	const char *key = gx_rules_field_key(name);
	int prc;

	if (!r->key_re)
		return 1;
	prc = pcre2_match(r->key_re, (PCRE2_SPTR)key, strlen(key), 0, 0, st->md, st->rs->mctx);
	if (prc == PCRE2_ERROR_NOMATCH)
		return 0;
	return prc < 0 ? match_failed(st->rs, r, name, prc, err) : 1;
}

static const size_t *resolve(mstate *st, size_t si, size_t *count);

/* Blank every match of mask rule 'r' in field i's copy. */
static int mask_field(mstate *st, const rule *r, size_t i, gx_err *err)
{
	const char *name = gx_fields_name(st->f, i);
	PCRE2_SIZE off = 0, *ov;
	int rc = key_ok(st, r, name, err), prc;

	if (rc <= 0)
		return rc;
	if (!st->mval[i]) {
		size_t len;
		const char *v = subject(st->f, i, &len);
		if (!(st->mval[i] = gx_malloc(len + 1)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		memcpy(st->mval[i], v, len);
		st->mval[i][len] = '\0';
		st->mlen[i] = len;
	}
	while (off <= st->mlen[i]) {
		prc = pcre2_match(r->re, (PCRE2_SPTR)st->mval[i], st->mlen[i], off, 0, st->md,
		                  st->rs->mctx);
		if (prc == PCRE2_ERROR_NOMATCH)
			break;
		if (prc < 0)
			return match_failed(st->rs, r, name, prc, err);
		ov = pcre2_get_ovector_pointer(st->md);
		memset(st->mval[i] + ov[0], ' ', ov[1] - ov[0]);
		off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		while (off < st->mlen[i] && ((unsigned char)st->mval[i][off] & 0xC0) == 0x80)
			off++;
	}
	return 0;
}

static int apply_masks(mstate *st, gx_err *err)
{
	const gx_rules *rs = st->rs;
	size_t c, i, n;
	int rc;

	st->mval = gx_calloc(st->nf + 1, sizeof(*st->mval));
	st->mlen = gx_calloc(st->nf + 1, sizeof(*st->mlen));
	if (!st->mval || !st->mlen)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (c = 0; c < rs->n_c; c++) {
		const rule *r = &rs->r[rs->c[c].rule];
		const size_t *fields;
		if (!r->info.mask)
			continue;
		fields = resolve(st, rs->c[c].set, &n);
		for (i = 0; i < n; i++)
			if ((rc = mask_field(st, r, fields[i], err)))
				return rc;
	}
	return 0;
}

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
	return rs->n_masks ? apply_masks(st, err) : 0;
}

static void mstate_release(mstate *st)
{
	size_t i;

	for (i = 0; st->mval && i < st->nf; i++)
		gx_free(st->mval[i]);
	gx_free(st->mval);
	gx_free(st->mlen);
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

static int fset_selects(const fset *s, const char *name)
{
	size_t k, x;

	for (k = 0; k < s->n; k++) {
		if (s->s[k].exclude || fnmatch(s->s[k].glob, name, 0))
			continue;
		for (x = 0; x < s->n; x++)
			if (s->s[x].exclude && !fnmatch(s->s[x].glob, name, 0))
				return 0;
		return 1;
	}
	return 0;
}

int gx_rules_set_selects(const gx_rules *rs, const char *set, const char *name)
{
	size_t i;

	return find_named_set(rs, set, &i) && fset_selects(&rs->sets[i], name);
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

/*
 * Try candidate c on field fi: 1 and *m filled on a match, 0 if none, negative on
 * error.  'masked': read the field with the mask rules' matches blanked.
 */
static int try_field(mstate *st, const cand *c, size_t fi, int masked, gx_rule_match *m,
                     gx_err *err)
{
	const gx_rules *rs = st->rs;
	const rule *r = &rs->r[c->rule];
	const char *name = gx_fields_name(st->f, fi), *subj;
	PCRE2_SIZE *ov;
	size_t len, j;
	int prc = key_ok(st, r, name, err);

	if (prc <= 0)
		return prc;
	if (masked && st->mval && st->mval[fi]) {
		subj = st->mval[fi];
		len = st->mlen[fi];
	} else {
		subj = subject(st->f, fi, &len);
	}
	prc = pcre2_match(r->re, (PCRE2_SPTR)subj, len, 0, 0, st->md, rs->mctx);
	if (prc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (prc < 0)
		return match_failed(rs, r, name, prc, err);
	ov = pcre2_get_ovector_pointer(st->md);
	memset(m, 0, sizeof(*m));
	m->rule = &r->info;
	m->priority = c->priority;
	m->confidence = c->confidence;
	m->field_set = rs->sets[c->set].name;
	m->field_index = fi;
	gx_utf8_copy(m->field, sizeof(m->field), name, strlen(name));
	gx_utf8_copy(m->text, sizeof(m->text), subj + ov[0], ov[1] - ov[0]);
	for (j = 0; j < rs->n_out; j++) {
		int g = r->cap_group[j];
		if (g > 0 && (uint32_t)g < (uint32_t)prc && ov[2 * g] != PCRE2_UNSET) {
			gx_utf8_copy(m->out[j], GX_RULES_OUT_MAX, subj + ov[2 * g],
			         ov[2 * g + 1] - ov[2 * g]);
			m->out_mask |= 1u << j;
		} else if (r->set_val[j]) {
			gx_utf8_copy(m->out[j], GX_RULES_OUT_MAX, r->set_val[j], strlen(r->set_val[j]));
			m->out_mask |= 1u << j;
		}
	}
	return 1;
}

/* Try one candidate on its fields in order: the first match wins. */
static int try_cand(mstate *st, const cand *c, gx_rule_match *m, gx_err *err)
{
	const rule *r = &st->rs->r[c->rule];
	const size_t *fields;
	size_t nfields, i;
	int rc;

	if (r->info.mask || !in_scope(r, st->study))
		return 0;
	fields = resolve(st, c->set, &nfields);
	for (i = 0; i < nfields; i++)
		if ((rc = try_field(st, c, fields[i], 1, m, err)))
			return rc;
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

int gx_rules_each_field(const gx_rules *rs, const gx_fields *f, const char *study,
                        gx_rules_each_fn fn, void *ctx, gx_err *err)
{
	gx_rule_match m;
	mstate st;
	size_t i, k, n;
	int pass, rc = mstate_init(&st, rs, f, study, err);

	/* pass 0: mask rules on the raw text; pass 1: the others on the masked text */
	for (pass = 0; pass < 2 && !rc; pass++) {
		for (i = 0; !rc && i < rs->n_c; i++) {
			const cand *c = &rs->c[i];
			const rule *r = &rs->r[c->rule];
			const size_t *fields;
			if (r->info.mask != (pass == 0) || !in_scope(r, study))
				continue;
			fields = resolve(&st, c->set, &n);
			for (k = 0; !rc && k < n; k++) {
				rc = try_field(&st, c, fields[k], pass == 1, &m, err);
				if (rc == 1)
					rc = fn(ctx, &m);
			}
		}
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
