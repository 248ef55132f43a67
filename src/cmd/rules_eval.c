/*
 * rules_eval.c - `gxload rules eval`: the illness rules scored against a labelled TSV,
 * its studies' samples labelled together as a load labels them: per-label precision and
 * recall, the confusion matrix, per-study and macro accuracy, and with --by-study the
 * rules that decided each study's misses and the rules only one study needed.
 */
#include "cmd/rules_int.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>

/* A rule (or override) id and how often it decided: correct labels or misses. */
typedef struct rule_count {
	char id[GX_RULES_ID_MAX];
	const char *gold, *pred;    /* misses: gold and predicted codes */
	long n;
} rule_count;

typedef struct study_stat {
	char *name;
	long n, ok;
	rule_count *used;           /* rules that decided a correct label */
	size_t nused;
	rule_count *missed;         /* rules that decided a wrong label, by gold/predicted */
	size_t nmissed;
} study_stat;

typedef struct eval_ctx {
	rules_run run;          /* first */
	size_t ncat;
	long *confusion;        /* ncat x ncat: [gold][predicted] */
	study_stat *studies;
	size_t nstudies;
	long n, ok;
	int show_misses, by_study;
	gx_buf misses;
} eval_ctx;

static long cat_index(const gx_illness *ill, const char *code)
{
	size_t i;

	for (i = 0; i < gx_illness_category_count(ill); i++)
		if (!strcmp(gx_illness_category_at(ill, i)->code, code))
			return (long)i;
	return -1;
}

static study_stat *study_of(eval_ctx *x, const char *name)
{
	study_stat *s;
	size_t i;

	for (i = 0; i < x->nstudies; i++)
		if (!strcmp(x->studies[i].name, name))
			return &x->studies[i];
	s = gx_reallocarray(x->studies, x->nstudies + 1, sizeof(*s));
	if (!s)
		return NULL;
	x->studies = s;
	s = &s[x->nstudies];
	memset(s, 0, sizeof(*s));
	if (!(s->name = gx_strdup(name)))
		return NULL;
	x->nstudies++;
	return s;
}

/* Count rule 'id' (with gold/pred for misses) in a list; -1 on allocation failure. */
static int count_rule(rule_count **list, size_t *n, const char *id, const char *gold,
                      const char *pred)
{
	rule_count *c;
	size_t i;

	for (i = 0; i < *n; i++) {
		c = &(*list)[i];
		if (!strcmp(c->id, id) && c->gold == gold && c->pred == pred) {
			c->n++;
			return 0;
		}
	}
	if (!(c = gx_reallocarray(*list, *n + 1, sizeof(*c))))
		return -1;
	*list = c;
	c = &c[(*n)++];
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->gold = gold;
	c->pred = pred;
	c->n = 1;
	return 0;
}

static int eval_study(void *ctx, gx_illness_study *ist, const size_t *rows, size_t n,
                      gx_err *err)
{
	static const char *const gold_cols[] = { "gold_label", NULL };
	eval_ctx *x = ctx;
	rules_run *r = &x->run;
	const gx_illness *ill = r->rb->illness;
	long gc = gx_sheet_col(&r->sh, gold_cols);
	size_t k;

	if (gc < 0)
		return gx_err_at(err, GX_E_HEADER, r->path, 1, 0, "no 'gold_label' column");
	for (k = 0; k < n; k++) {
		const char *gold = r->sh.rows[rows[k]].cell[gc], *study;
		long gi = cat_index(ill, gold), pi;
		gx_illness_label lab;
		study_stat *st;
		int rc;

		if (gi < 0)
			return gx_err_at(err, GX_E_METADATA, r->path, r->sh.rows[rows[k]].line, 0,
			                 "gold_label '%.80s' is not a category of the illness rules", gold);
		if ((rc = rules_row_fields(r, rows[k], err)))
			return rc;
		study = r->study;
		gx_illness_study_label(ist, k, &lab);
		pi = cat_index(ill, lab.code);
		x->confusion[gi * (long)x->ncat + pi]++;
		if (!(st = study_of(x, study ? study : "(no study)")))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		st->n++;
		x->n++;
		gold = gx_illness_category_at(ill, (size_t)gi)->code;
		if (gi == pi) {
			st->ok++;
			x->ok++;
			if (count_rule(&st->used, &st->nused, lab.decided_by, NULL, NULL) < 0)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			continue;
		}
		if (count_rule(&st->missed, &st->nmissed, lab.decided_by, gold, lab.code) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (!x->show_misses)
			continue;
		if (gx_buf_printf(&x->misses, "miss: gold %s, ", gold) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if ((rc = gx_illness_study_explain(ist, k, &x->misses, err)))
			return rc;
	}
	return 0;
}

static void print_ratio(long num, long den)
{
	if (den)
		printf(" %9.4f", (double)num / (double)den);
	else
		printf(" %9s", "-");
}

/* In how many studies rule 'id' decided a correct label. */
static size_t studies_using(const eval_ctx *x, const char *id)
{
	size_t i, j, n = 0;

	for (i = 0; i < x->nstudies; i++)
		for (j = 0; j < x->studies[i].nused; j++)
			if (!strcmp(x->studies[i].used[j].id, id)) {
				n++;
				break;
			}
	return n;
}

static void eval_by_study(const eval_ctx *x, const study_stat *s)
{
	size_t j;
	int first = 1;

	for (j = 0; j < s->nmissed; j++)
		printf("    miss: %ld by '%s' (gold %s, predicted %s)\n", s->missed[j].n,
		       s->missed[j].id, s->missed[j].gold, s->missed[j].pred);
	for (j = 0; j < s->nused; j++) {
		if (studies_using(x, s->used[j].id) != 1)
			continue;
		printf("%s '%s' (%ld)", first ? "    only this study needed:" : ",", s->used[j].id,
		       s->used[j].n);
		first = 0;
	}
	if (!first)
		printf("\n");
}

static void eval_report(const eval_ctx *x)
{
	const gx_illness *ill = x->run.rb->illness;
	size_t i, j, w = 5, sw = 5;
	double macro = 0;

	for (i = 0; i < x->ncat; i++)
		if (strlen(gx_illness_category_at(ill, i)->code) > w)
			w = strlen(gx_illness_category_at(ill, i)->code);
	for (i = 0; i < x->nstudies; i++)
		if (strlen(x->studies[i].name) > sw)
			sw = strlen(x->studies[i].name);
	if (x->misses.len)
		fwrite(x->misses.data, 1, x->misses.len, stdout);
	printf("%-*s %6s %9s %7s %9s %9s\n", (int)w, "label", "gold", "predicted", "correct",
	       "precision", "recall");
	for (i = 0; i < x->ncat; i++) {
		long gold = 0, pred = 0, ok = x->confusion[i * x->ncat + i];
		for (j = 0; j < x->ncat; j++) {
			gold += x->confusion[i * x->ncat + j];
			pred += x->confusion[j * x->ncat + i];
		}
		printf("%-*s %6ld %9ld %7ld", (int)w, gx_illness_category_at(ill, i)->code, gold,
		       pred, ok);
		print_ratio(ok, pred);
		print_ratio(ok, gold);
		printf("\n");
	}
	printf("\nconfusion matrix (rows: gold, columns: predicted)\n%-*s", (int)w, "");
	for (j = 0; j < x->ncat; j++)
		printf(" %*s", (int)w, gx_illness_category_at(ill, j)->code);
	printf("\n");
	for (i = 0; i < x->ncat; i++) {
		printf("%-*s", (int)w, gx_illness_category_at(ill, i)->code);
		for (j = 0; j < x->ncat; j++)
			printf(" %*ld", (int)w, x->confusion[i * x->ncat + j]);
		printf("\n");
	}
	printf("\n%-*s %6s %9s\n", (int)sw, "study", "n", "accuracy");
	for (i = 0; i < x->nstudies; i++) {
		printf("%-*s %6ld", (int)sw, x->studies[i].name, x->studies[i].n);
		print_ratio(x->studies[i].ok, x->studies[i].n);
		printf("\n");
		if (x->by_study)
			eval_by_study(x, &x->studies[i]);
		macro += (double)x->studies[i].ok / (double)x->studies[i].n;
	}
	printf("\nmacro accuracy: %.4f (%zu studies)\n", macro / (double)x->nstudies,
	       x->nstudies);
	printf("accuracy: %.4f (n=%ld)\n", x->n ? (double)x->ok / (double)x->n : 0.0, x->n);
}

int rules_eval(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	eval_ctx x;
	const char *path = NULL;
	size_t i;
	int rc, a, no_ovr = 0;

	memset(&x, 0, sizeof(x));
	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--misses"))
			x.show_misses = 1;
		else if (!strcmp(argv[a], "--by-study"))
			x.by_study = 1;
		else if (!strcmp(argv[a], "--no-overrides"))
			no_ovr = 1;
		else if (argv[a][0] == '-' || path)
			return gx_err_set(err, GX_E_USAGE, "unexpected argument '%s'", argv[a]);
		else
			path = argv[a];
	}
	if (!path)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules eval LABELS.tsv'");
	rc = rules_run_open(ctx, &x.run, no_ovr, err);
	if (!rc) {
		x.ncat = gx_illness_category_count(x.run.rb->illness);
		x.confusion = gx_calloc(x.ncat * x.ncat, sizeof(long));
		if (!x.confusion)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (!rc && !(rc = rules_run_read(&x.run, path, err)) && x.run.sh.n &&
	    gx_sheet_col(&x.run.sh, (const char *const[]){ "gold_label", NULL }) < 0)
		rc = gx_err_at(err, GX_E_HEADER, path, 1, 0, "no 'gold_label' column");
	if (!rc)
		rc = rules_each_study(&x.run, eval_study, &x, err);
	if (!rc && !x.n)
		rc = gx_err_at(err, GX_E_EMPTY, path, 0, 0, "no labelled rows");
	if (!rc)
		eval_report(&x);
	for (i = 0; i < x.nstudies; i++) {
		gx_free(x.studies[i].name);
		gx_free(x.studies[i].used);
		gx_free(x.studies[i].missed);
	}
	gx_free(x.studies);
	gx_free(x.confusion);
	gx_buf_release(&x.misses);
	rules_run_release(&x.run);
	return rc;
}
