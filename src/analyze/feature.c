/*
 * feature.c - per-sample features (see feature.h).
 *
 * The id is gx_hash_fields over ("gxload-feature", "1", definition): the version field
 * lets a later change of the canonical form give new ids instead of colliding ones.
 */
#include "analyze/feature.h"
#include "core/mem.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = { "log2_diff", "ratio", "set_mean" };

const char *gx_feature_kind_name(gx_feature_kind kind)
{
	return (unsigned)kind < 3 ? kind_names[kind] : "unknown";
}

static int valid_gene(const char *g)
{
	const unsigned char *p = (const unsigned char *)g;

	if (!*p)
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p == ',' || *p == '(' || *p == ')' || *p == 0x7f)
			return 0;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gx_feature_release(gx_feature *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_genes; i++)
		gx_free(f->genes[i]);
	gx_free(f->genes);
	gx_free(f->definition);
	memset(f, 0, sizeof(*f));
}

int gx_feature_make(gx_feature *f, gx_feature_kind kind, const char *const *genes,
                    size_t n_genes, gx_err *err)
{
	size_t i, k, len;
	const char *fields[3];
	char *d;

	memset(f, 0, sizeof(*f));
	if ((unsigned)kind > GX_FEATURE_SET_MEAN)
		return gx_err_set(err, GX_E_CONFIG, "unknown feature kind %d", (int)kind);
	if (kind != GX_FEATURE_SET_MEAN && n_genes != 2)
		return gx_err_set(err, GX_E_CONFIG, "feature '%s' takes two genes, not %zu",
		                  kind_names[kind], n_genes);
	if (!n_genes)
		return gx_err_set(err, GX_E_CONFIG, "feature 'set_mean' needs at least one gene");
	for (i = 0; i < n_genes; i++)
		if (!genes[i] || !valid_gene(genes[i]))
			return gx_err_set(err, GX_E_CONFIG, "feature '%s': gene id '%s' is empty or "
			                  "holds a space, comma or parenthesis", kind_names[kind],
			                  genes[i] ? genes[i] : "");
	if (kind != GX_FEATURE_SET_MEAN && !strcmp(genes[0], genes[1]))
		return gx_err_set(err, GX_E_CONFIG, "feature '%s': gene '%s' twice",
		                  kind_names[kind], genes[0]);
	if (!(f->genes = gx_calloc(n_genes, sizeof(*f->genes))))
		goto nomem;
	f->kind = kind;
	for (i = 0; i < n_genes; i++) {
		if (!(f->genes[i] = gx_strdup(genes[i])))
			goto nomem;
		f->n_genes = i + 1;
	}
	if (kind == GX_FEATURE_SET_MEAN) {
		qsort(f->genes, f->n_genes, sizeof(*f->genes), cmp_str);
		for (i = 1, k = 1; i < f->n_genes; i++) {
			if (strcmp(f->genes[i], f->genes[k - 1]))
				f->genes[k++] = f->genes[i];
			else
				gx_free(f->genes[i]);
		}
		f->n_genes = k;
	}
	len = strlen(kind_names[kind]) + 3;
	for (i = 0; i < f->n_genes; i++)
		len += strlen(f->genes[i]) + 1;
	if (!(d = f->definition = gx_malloc(len)))
		goto nomem;
	d += sprintf(d, "%s(", kind_names[kind]);
	for (i = 0; i < f->n_genes; i++)
		d += sprintf(d, "%s%s", i ? "," : "", f->genes[i]);
	strcpy(d, ")");
	fields[0] = "gxload-feature";
	fields[1] = "1";
	fields[2] = f->definition;
	if (gx_hash_fields(f->id, 3, fields) < 0)
		goto nomem;
	return 0;
nomem:
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

int gx_feature_parse(gx_feature *f, const char *text, gx_err *err)
{
	const char *p = text, *open, *close;
	char *copy = NULL, **names = NULL, *s;
	size_t n = 0, i, klen;
	int kind = -1, rc;

	memset(f, 0, sizeof(*f));
	while (isspace((unsigned char)*p))
		p++;
	if (!(open = strchr(p, '(')) || !(close = strrchr(p, ')')) || close < open)
		goto bad;
	for (s = (char *)close + 1; *s; s++)
		if (!isspace((unsigned char)*s))
			goto bad;
	klen = (size_t)(open - p);
	while (klen && isspace((unsigned char)p[klen - 1]))
		klen--;
	for (i = 0; i < 3; i++)
		if (strlen(kind_names[i]) == klen && !strncmp(p, kind_names[i], klen))
			kind = (int)i;
	if (kind < 0)
		goto bad;
	if (!(copy = gx_strndup(open + 1, (size_t)(close - open - 1))))
		goto nomem;
	for (s = copy, n = 1; *s; s++)
		n += *s == ',';
	if (!(names = gx_calloc(n, sizeof(*names))))
		goto nomem;
	for (i = 0, s = copy; i < n; i++) {
		char *e = strchr(s, ','), *b;

		if (e)
			*e = '\0';
		while (isspace((unsigned char)*s))
			s++;
		b = s + strlen(s);
		while (b > s && isspace((unsigned char)b[-1]))
			*--b = '\0';
		names[i] = s;
		s = e ? e + 1 : s + strlen(s);
	}
	rc = gx_feature_make(f, (gx_feature_kind)kind, (const char *const *)names, n, err);
	if (rc < 0)
		gx_err_prefix(err, "feature '%s'", text);
	gx_free(names);
	gx_free(copy);
	return rc;
bad:
	return gx_err_set(err, GX_E_CONFIG, "feature '%s' is not log2_diff(A,B), ratio(A,B) or "
	                  "set_mean(G1,...)", text);
nomem:
	gx_free(names);
	gx_free(copy);
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

double gx_feature_value(const gx_feature *f, const double *log2)
{
	double s = 0;
	size_t i;

	for (i = 0; i < f->n_genes; i++)
		if (!isfinite(log2[i]))
			return NAN;
	switch (f->kind) {
	case GX_FEATURE_LOG2_DIFF:
		return log2[0] - log2[1];
	case GX_FEATURE_RATIO:
		return exp2(log2[0] - log2[1]);
	case GX_FEATURE_SET_MEAN:
		for (i = 0; i < f->n_genes; i++)
			s += log2[i];
		return s / (double)f->n_genes;
	}
	return NAN;
}
