/*
 * rules_explain.c - `gxload rules explain`: why each sample of a metadata TSV or of a
 * loaded study gets its label (the evidence chain: field, key, value, rule, class, the
 * study-level reason), what the last load stored with it, and with --changed which rules
 * in effect now would change stored labels.  Reads a database (load/queries.h) only for
 * a loaded study; never writes one.
 */
#include "cmd/rules_int.h"
#include "load/queries.h"
#include "core/buf.h"
#include "core/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct explain_ctx {
	rules_run run;          /* first */
	char **only;            /* sample accessions to show, or none = all */
	int nonly;
	long shown;
	gx_buf out;
} explain_ctx;

static int wanted(const explain_ctx *x, const char *sample)
{
	int i;

	for (i = 0; i < x->nonly; i++)
		if (sample && !strcmp(sample, x->only[i]))
			return 1;
	return x->nonly == 0;
}

static int explain_study(void *ctx, gx_illness_study *ist, const size_t *rows, size_t n,
                         gx_err *err)
{
	explain_ctx *x = ctx;
	rules_run *r = &x->run;
	gx_platform pl;
	size_t k;
	int rc;

	gx_buf_reset(&x->out);
	if (!x->nonly && n > 1 && (rc = gx_illness_study_summary(ist, &x->out, err)))
		return rc;
	for (k = 0; k < n; k++) {
		if ((rc = rules_row_fields(r, rows[k], err)))
			return rc;
		if (!wanted(x, r->sample))
			continue;
		if ((rc = gx_illness_study_explain(ist, k, &x->out, err)))
			return rc;
		if (gx_fields_get(r->f, "platform") || gx_fields_get(r->f, "platform_id")) {
			if ((rc = gx_platform_normalize_fields(r->rb->platforms, r->f, &pl, err)))
				return rc;
			if (gx_buf_printf(&x->out, "  platform: %s (%s, %s, %s)%s%s by rule '%s'\n",
			                  pl.key, pl.name, pl.manufacturer[0] ? pl.manufacturer : "?",
			                  pl.technology, pl.accession[0] ? ", submitted as " : "",
			                  pl.accession, pl.rule_id) < 0)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		x->shown++;
	}
	if (x->out.len)
		fwrite(x->out.data, 1, x->out.len, stdout);
	return 0;
}

/* A loaded study's samples, labelled now from their stored metadata. */
typedef struct db_study {
	gx_rows *rows;
	gx_illness_study *ist;
} db_study;

static void db_study_free(db_study *d)
{
	gx_illness_study_free(d->ist);
	gx_rows_free(d->rows);
}

static int db_study_load(gx_sink *s, rules_run *run, const char *acc, db_study *d,
                         gx_err *err)
{
	size_t i;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = gx_explain_samples(s, acc, &d->rows, err)))
		return rc;
	if (d->rows->nrows == 0)
		return gx_err_set(err, GX_E_NO_STUDY, "study '%s' has no samples in %s", acc,
		                  gx_sink_url(s));
	if ((rc = gx_illness_study_new(run->rb->illness, acc, &d->ist, err)))
		return rc;
	for (i = 0; i < d->rows->nrows && !rc; i++) {
		json_error_t je;
		json_t *obj = json_loads(gx_rows_get(d->rows, i, GX_EX_METADATA), 0, &je), *v;
		const char *key;

		gx_fields_clear(run->f);
		json_object_foreach(obj, key, v) {
			if (json_is_string(v) &&
			    (rc = gx_fields_add_raw(run->f, key, json_string_value(v), err)))
				break;
		}
		json_decref(obj);
		if (!rc)
			rc = gx_illness_study_add(d->ist, gx_rows_get(d->rows, i, GX_EX_SAMPLE), run->f,
			                          err);
	}
	return rc ? rc : gx_illness_study_finish(d->ist, err);
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/*
 * Explain a loaded study: each sample's stored label and evidence (what the last load
 * decided) and, from the sample's stored metadata, why the rules in effect now decide
 * what they do.
 */
static int explain_db(gx_ctx *ctx, explain_ctx *x, const char *acc, gx_err *err)
{
	gx_sink *s = NULL;
	db_study d;
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = gx_sink_open(ctx->cfg, "rules", 1, &s, err)) ||
	    (rc = db_study_load(s, &x->run, acc, &d, err)))
		goto out;
	gx_buf_reset(&x->out);
	if (!x->nonly && (rc = gx_illness_study_summary(d.ist, &x->out, err)))
		goto out;
	for (i = 0; i < d.rows->nrows && !rc; i++) {
		const char *stored = gx_rows_get(d.rows, i, GX_EX_ILLNESS);
		const char *ev = gx_rows_get(d.rows, i, GX_EX_EVIDENCE);
		gx_illness_label now;

		if (!wanted(x, gx_rows_get(d.rows, i, GX_EX_SAMPLE)))
			continue;
		x->shown++;
		if ((rc = gx_illness_study_explain(d.ist, i, &x->out, err)))
			break;
		gx_illness_study_label(d.ist, i, &now);
		gx_buf_printf(&x->out, "  stored by the last load: %s (%s '%s'%s%s%s%s), platform %s\n",
		              or_dash(stored), or_dash(gx_rows_get(d.rows, i, GX_EX_SOURCE)),
		              or_dash(gx_rows_get(d.rows, i, GX_EX_RULE)),
		              gx_rows_get(d.rows, i, GX_EX_FIELD) ? ", field " : "",
		              gx_rows_get(d.rows, i, GX_EX_FIELD) ?
		              gx_rows_get(d.rows, i, GX_EX_FIELD) : "",
		              gx_rows_get(d.rows, i, GX_EX_MATCHED) ? ", matched " : "",
		              gx_rows_get(d.rows, i, GX_EX_MATCHED) ?
		              gx_rows_get(d.rows, i, GX_EX_MATCHED) : "",
		              or_dash(gx_rows_get(d.rows, i, GX_EX_PLATFORM)));
		if (ev)
			gx_buf_printf(&x->out, "  stored evidence: %s\n", ev);
		if (stored && strcmp(stored, now.code))
			gx_buf_printf(&x->out, "  NOTE: the rules in effect now say %s; the next load "
			              "relabels this sample\n", now.code);
	}
	if (!rc && x->out.len)
		fwrite(x->out.data, 1, x->out.len, stdout);
	if (!rc && x->nonly && x->shown < x->nonly)
		rc = gx_err_set(err, GX_E_NO_SAMPLES, "%ld of %d samples not found in study '%s'",
		                (long)x->nonly - x->shown, x->nonly, acc);
out:
	db_study_free(&d);
	gx_sink_close(s);
	return rc;
}

/* One change of a stored label: the rule now deciding, the one stored, the codes. */
typedef struct change {
	char now_rule[GX_RULES_ID_MAX];
	char was_rule[GX_RULES_ID_MAX];
	char was[40], now[40];
	long n;
	size_t studies;
	char last_study[64];
} change;

static int add_change(change **list, size_t *n, const char *study, const char *now_rule,
                      const char *was_rule, const char *was, const char *now)
{
	change *c;
	size_t i;

	for (i = 0; i < *n; i++) {
		c = &(*list)[i];
		if (!strcmp(c->now_rule, now_rule) && !strcmp(c->was_rule, was_rule) &&
		    !strcmp(c->was, was) && !strcmp(c->now, now))
			goto found;
	}
	if (!(c = gx_reallocarray(*list, *n + 1, sizeof(*c))))
		return -1;
	*list = c;
	c = &c[(*n)++];
	memset(c, 0, sizeof(*c));
	snprintf(c->now_rule, sizeof(c->now_rule), "%s", now_rule);
	snprintf(c->was_rule, sizeof(c->was_rule), "%s", was_rule);
	snprintf(c->was, sizeof(c->was), "%s", was);
	snprintf(c->now, sizeof(c->now), "%s", now);
found:
	c->n++;
	if (strcmp(c->last_study, study)) {
		c->studies++;
		snprintf(c->last_study, sizeof(c->last_study), "%s", study);
	}
	return 0;
}

/*
 * `rules explain --changed [ACCESSION...]`: which rules (or overrides) in effect now
 * would change a stored label, per study and in total; every loaded study by default.
 */
static int explain_changed(gx_ctx *ctx, explain_ctx *x, gx_err *err)
{
	gx_sink *s = NULL;
	gx_rows *all = NULL;
	change *ch = NULL;
	size_t nch = 0, nstudies, i, j, total = 0, changed_studies = 0;
	int rc;

	if ((rc = gx_sink_open(ctx->cfg, "rules", 1, &s, err)))
		return rc;
	if (!x->nonly && (rc = gx_explain_studies(s, &all, err)))
		goto out;
	nstudies = x->nonly ? (size_t)x->nonly : all->nrows;
	for (i = 0; i < nstudies && !rc; i++) {
		const char *acc = x->nonly ? x->only[i] : gx_rows_get(all, i, 0);
		db_study d;
		size_t n = 0;
		if ((rc = db_study_load(s, &x->run, acc, &d, err))) {
			db_study_free(&d);
			break;
		}
		for (j = 0; j < d.rows->nrows; j++) {
			const char *stored = gx_rows_get(d.rows, j, GX_EX_ILLNESS);
			gx_illness_label now;
			gx_illness_study_label(d.ist, j, &now);
			if (stored && !strcmp(stored, now.code))
				continue;
			n++;
			if (add_change(&ch, &nch, acc, now.decided_by,
			               or_dash(gx_rows_get(d.rows, j, GX_EX_RULE)), or_dash(stored),
			               now.code) < 0) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				break;
			}
		}
		if (n) {
			printf("%s: %zu of %zu samples would change\n", acc, n, d.rows->nrows);
			changed_studies++;
		}
		total += n;
		db_study_free(&d);
	}
	if (rc)
		goto out;
	if (!total) {
		printf("no stored label would change (%zu studies)\n", nstudies);
		goto out;
	}
	printf("rules that change a stored label:\n");
	for (i = 0; i < nch; i++)
		printf("  %-24s %6ld samples in %zu %s: %s -> %s (stored by '%s')\n", ch[i].now_rule,
		       ch[i].n, ch[i].studies, ch[i].studies == 1 ? "study" : "studies", ch[i].was,
		       ch[i].now, ch[i].was_rule);
	printf("%zu samples in %zu of %zu studies would change; the next load relabels them\n",
	       total, changed_studies, nstudies);
out:
	gx_free(ch);
	gx_rows_free(all);
	gx_sink_close(s);
	return rc;
}

int rules_explain(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	explain_ctx x;
	struct stat st;
	int rc, changed = argc > 0 && !strcmp(argv[0], "--changed");

	memset(&x, 0, sizeof(x));
	if (changed) {
		argc--;
		argv++;
	}
	if (argc < 1 && !changed)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules explain ACCESSION "
		                  "[SAMPLE...]', 'gxload rules explain FILE.tsv [SAMPLE...]' or "
		                  "'gxload rules explain --changed [ACCESSION...]'");
	x.only = argv + !changed;
	x.nonly = argc - !changed;
	rc = rules_run_open(ctx, &x.run, 0, err);
	if (!rc && changed) {
		rc = explain_changed(ctx, &x, err);
	} else if (!rc && stat(argv[0], &st) == 0 && S_ISREG(st.st_mode)) {
		if (!(rc = rules_run_read(&x.run, argv[0], err)))
			rc = rules_each_study(&x.run, explain_study, &x, err);
		if (!rc && x.nonly && x.shown < x.nonly)
			rc = gx_err_set(err, GX_E_NO_SAMPLES, "%ld of %d samples not found in '%s'",
			                (long)x.nonly - x.shown, x.nonly, argv[0]);
	} else if (!rc) {
		rc = explain_db(ctx, &x, argv[0], err);
	}
	gx_buf_release(&x.out);
	rules_run_release(&x.run);
	return rc;
}
