/*
 * rules.c - `gxload rules ...`: check, evaluate and explain the rule files.
 *
 *   rules check [FILE...]          validate rule files (the configured ones by default)
 *   rules eval [--misses] [--by-study] [--no-overrides] LABELS.tsv
 *                                  score the illness rules against a labelled TSV
 *   rules explain ACCESSION|FILE.tsv [SAMPLE...]  why each sample (of a loaded study or a
 *                                     metadata TSV) gets its label
 *   rules explain --changed [ACCESSION...]  which rules change a stored label
 *   rules test CASES.tsv...        run rule cases (rules/tests/), TAP output
 *   rules platform STRING [GPL]    normalize one platform string
 *
 * Only explaining a loaded study reads a database (load/labels.h).  The TSVs are read
 * whole with the loader's reader (extract/tsv.h); each row goes through the same field
 * mapping as the pipeline (transform/fields.h), so a labelled file may use the column
 * names of a refine.bio metadata file or the short ones (title, source_name,
 * characteristics); the rows of one study are labelled together, as a load does.
 */
#include "cmd/cmd.h"
#include "load/labels.h"
#include "load/sink.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "extract/tsv.h"
#include "transform/fields.h"
#include "transform/rulebook.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- a TSV read row by row, cells by header name --------------------------------- */

typedef struct table table;
typedef int (*row_fn)(void *ctx, const table *t, gx_err *err);

struct table {
	gx_tsv *tsv;
	char **head;
	size_t nhead;
	char **cell;
	size_t ncell, cap;
	row_fn fn;
	void *ctx;
};

static void free_cells(char **c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gx_free(c[i]);
}

static int table_field(void *ctx, const char *s, size_t len, gx_err *err)
{
	table *t = ctx;

	if (t->ncell == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		char **nc = gx_reallocarray(t->cell, ncap, sizeof(*nc));
		if (!nc)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		t->cell = nc;
		t->cap = ncap;
	}
	if (!(t->cell[t->ncell] = gx_strndup(s, len)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	t->ncell++;
	return 0;
}

static int table_row(void *ctx, size_t nfields, gx_err *err)
{
	table *t = ctx;
	int rc = 0;

	if (nfields == 0)
		return 0;
	if (!t->head) {
		t->head = t->cell;
		t->nhead = t->ncell;
		t->cell = NULL;
		t->ncell = t->cap = 0;
		return 0;
	}
	if (t->ncell != t->nhead)
		rc = gx_tsv_error(t->tsv, err, GX_E_RAGGED, "row has %zu fields, the header %zu",
		                  t->ncell, t->nhead);
	else
		rc = t->fn(t->ctx, t, err);
	free_cells(t->cell, t->ncell);
	t->ncell = 0;
	return rc;
}

static int table_read(const char *path, row_fn fn, void *ctx, gx_err *err)
{
	table t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.fn = fn;
	t.ctx = ctx;
	rc = gx_tsv_open(path, 1u << 20, &t.tsv, err);
	if (!rc)
		rc = gx_tsv_run(t.tsv, table_field, table_row, &t, err);
	if (!rc && !t.head)
		rc = gx_err_at(err, GX_E_HEADER, path, 1, 0, "no header row");
	free_cells(t.cell, t.ncell);
	gx_free(t.cell);
	free_cells(t.head, t.nhead);
	gx_free(t.head);
	gx_tsv_close(t.tsv);
	return rc < 0 ? rc : 0;
}

/*
 * A TSV held in memory, so that a study's rows can be labelled together (the illness
 * labels of a study are decided from all of its samples): the header and every row
 * with its line number.
 */
typedef struct sheet {
	char **head;
	size_t nhead;
	struct srow {
		char **cell;
		long line;
	} *rows;
	size_t n, cap;
} sheet;

static int sheet_row(void *ctx, const table *t, gx_err *err)
{
	sheet *sh = ctx;
	struct srow *r;
	size_t i;

	if (!sh->head) {
		if (!(sh->head = gx_calloc(t->nhead + 1, sizeof(char *))))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; i < t->nhead; i++)
			if (!(sh->head[i] = gx_strdup(t->head[i])))
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
		sh->nhead = t->nhead;
	}
	if (sh->n == sh->cap) {
		size_t nc = sh->cap ? sh->cap * 2 : 64;
		struct srow *nr = gx_reallocarray(sh->rows, nc, sizeof(*nr));
		if (!nr)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		sh->rows = nr;
		sh->cap = nc;
	}
	r = &sh->rows[sh->n];
	r->line = gx_tsv_line(t->tsv);
	if (!(r->cell = gx_calloc(t->ncell + 1, sizeof(char *))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	sh->n++;
	for (i = 0; i < t->ncell; i++)
		if (!(r->cell[i] = gx_strdup(t->cell[i])))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

static void sheet_free(sheet *sh)
{
	size_t i;

	for (i = 0; i < sh->n; i++) {
		free_cells(sh->rows[i].cell, sh->nhead);
		gx_free(sh->rows[i].cell);
	}
	gx_free(sh->rows);
	if (sh->head)
		free_cells(sh->head, sh->nhead);
	gx_free(sh->head);
	memset(sh, 0, sizeof(*sh));
}

/* Column index of the first of 'names' present (NULL-terminated), or -1. */
static long sheet_col(const sheet *sh, const char *const *names)
{
	size_t i, j;

	for (j = 0; names[j]; j++)
		for (i = 0; i < sh->nhead; i++)
			if (!strcmp(sh->head[i], names[j]))
				return (long)i;
	return -1;
}

static const char *sheet_cell(const sheet *sh, size_t row, const char *name)
{
	const char *names[2] = { name, NULL };
	long c = sheet_col(sh, names);

	return c >= 0 ? sh->rows[row].cell[c] : NULL;
}

/*
 * What eval, explain and test share: the configured rules, one gx_fields reused for
 * every row, the file being read and the current row's accessions.  Each of their
 * contexts starts with a rules_run.
 */
typedef struct rules_run {
	gx_rulebook *rb;
	gx_fields *f;
	const char *path;
	sheet sh;
	const char *study, *sample;
} rules_run;

static const char *const study_cols[] = { "study", "experiment_accession", "series_id",
	NULL };
static const char *const sample_cols[] = { "sample", "refinebio_accession_code",
	"geo_accession", "accession_code", NULL };

/* Columns that hold what a row is checked against, not what the sample says. */
static int answer_col(const char *name)
{
	return !strcmp(name, "gold_label") || !strcmp(name, "case") ||
	       !strcmp(name, "policy") || !strncmp(name, "expect_", 7);
}

/* Row i's accessions and fields, through the loader's mapping (fields.h). */
static int row_fields(rules_run *run, size_t row, gx_err *err)
{
	const sheet *sh = &run->sh;
	long sc = sheet_col(sh, study_cols), pc = sheet_col(sh, sample_cols);
	char **cell = sh->rows[row].cell;
	size_t i;
	int rc;

	gx_fields_clear(run->f);
	run->study = sc >= 0 && cell[sc][0] ? cell[sc] : NULL;
	run->sample = pc >= 0 && cell[pc][0] ? cell[pc] : NULL;
	for (i = 0; i < sh->nhead; i++) {
		if ((long)i == sc || (long)i == pc || answer_col(sh->head[i]))
			continue;
		if ((rc = gx_fields_add_raw(run->f, sh->head[i], cell[i], err)))
			return rc;
	}
	return 0;
}

static int run_open(gx_ctx *ctx, rules_run *run, int no_overrides, gx_err *err)
{
	int rc = gx_rulebook_load(ctx->cfg, &run->rb, err);

	if (!rc && no_overrides)
		gx_illness_drop_overrides(run->rb->illness);
	return rc ? rc : gx_fields_new(&run->f, err);
}

static int run_read(rules_run *run, const char *path, gx_err *err)
{
	sheet_free(&run->sh);
	run->path = path;
	return table_read(path, sheet_row, &run->sh, err);
}

static void run_release(rules_run *run)
{
	sheet_free(&run->sh);
	gx_fields_free(run->f);
	gx_rulebook_free(run->rb);
}

/* ---- studies of a sheet ---------------------------------------------------------- */

typedef int (*study_fn)(void *ctx, gx_illness_study *st, const size_t *rows, size_t n,
                        gx_err *err);

typedef struct sort_by {
	const sheet *sh;
	long col;               /* the study column, -1 if none */
} sort_by;

/* Rows by study, then by line; rows without a study each stand alone. */
static int cmp_study_row(const void *a, const void *b, void *ctx)
{
	const sort_by *sb = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const char *sx = sb->col >= 0 ? sb->sh->rows[x].cell[sb->col] : "";
	const char *sy = sb->col >= 0 ? sb->sh->rows[y].cell[sb->col] : "";
	int c = strcmp(sx, sy);

	if (c && sx[0] && sy[0])
		return c;
	if (!sx[0] != !sy[0])
		return sx[0] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* First row of each group, for the groups' order in the file. */
typedef struct group {
	size_t first, start, n;
} group;

static int cmp_group(const void *a, const void *b)
{
	const group *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Call fn once per study of the sheet, in the order the studies first appear, with its
 * samples labelled together (a row without a study is a study of its own).
 */
static int each_study(rules_run *run, study_fn fn, void *ctx, gx_err *err)
{
	const sheet *sh = &run->sh;
	size_t *ix = gx_calloc(sh->n + 1, sizeof(size_t)), i, j, ng = 0;
	group *g = gx_calloc(sh->n + 1, sizeof(group));
	sort_by sb = { sh, sheet_col(sh, study_cols) };
	int rc = 0;

	if (!ix || !g) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < sh->n; i++)
		ix[i] = i;
	qsort_r(ix, sh->n, sizeof(*ix), cmp_study_row, &sb);
	for (i = 0; i < sh->n; i = j) {
		const char *si = sb.col >= 0 ? sh->rows[ix[i]].cell[sb.col] : "";
		for (j = i + 1; j < sh->n && si[0]; j++)
			if (strcmp(si, sh->rows[ix[j]].cell[sb.col]))
				break;
		g[ng].start = i;
		g[ng].n = j - i;
		g[ng].first = ix[i];
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	for (i = 0; i < ng && !rc; i++) {
		gx_illness_study *st = NULL;
		for (j = 0; j < g[i].n && !rc; j++) {
			if (!(rc = row_fields(run, ix[g[i].start + j], err)) && !st)
				rc = gx_illness_study_new(run->rb->illness, run->study, &st, err);
			if (!rc)
				rc = gx_illness_study_add(st, run->sample, run->f, err);
		}
		if (!rc)
			rc = gx_illness_study_finish(st, err);
		if (!rc)
			rc = fn(ctx, st, ix + g[i].start, g[i].n, err);
		gx_illness_study_free(st);
	}
out:
	gx_free(ix);
	gx_free(g);
	return rc;
}

/* ---- check ----------------------------------------------------------------------- */

static void print_illness(const char *path, const gx_illness *ill)
{
	printf("ok: %s: illness, %zu categories, %zu rules, %zu overrides, hash %s\n", path,
	       gx_illness_category_count(ill), gx_rules_count(gx_illness_rules(ill)),
	       gx_illness_override_count(ill), gx_illness_hash(ill));
}

static void print_platforms(const char *path, const gx_platforms *p)
{
	printf("ok: %s: platforms, %zu rules, %zu classify rules, %zu known platforms, "
	       "hash %s\n", path, gx_rules_count(gx_platforms_rules(p)),
	       gx_rules_count(gx_platforms_classify(p)), gx_platforms_count(p),
	       gx_platforms_hash(p));
}

/* One file given on the command line, checked according to its `kind:`. */
static int check_file(gx_ctx *ctx, const char *path, gx_err *err)
{
	gx_yaml_doc *doc = NULL;
	const gx_yaml *kind;
	char k[32];
	int rc = gx_rules_load_doc(path, &doc, err);

	if (rc)
		return rc;
	kind = gx_yaml_get(doc->root, "kind");
	snprintf(k, sizeof(k), "%s", kind && kind->kind == GX_YAML_SCALAR ? kind->str : "");
	if (!k[0])
		rc = gx_rules_error(doc, doc->root, err, "missing 'kind:' (illness, overrides, "
		                    "platforms or platform_table)");
	gx_yaml_doc_free(doc);
	if (rc)
		return rc;
	if (!strcmp(k, "illness")) {
		gx_illness *ill;
		if ((rc = gx_illness_load(path, NULL, &ill, err)))
			return rc;
		if (!ctx->quiet)
			print_illness(path, ill);
		gx_illness_free(ill);
	} else if (!strcmp(k, "overrides")) {
		/* overrides are checked against the configured categories and rule ids */
		gx_illness *ill;
		if ((rc = gx_illness_load(ctx->cfg->rules_illness, NULL, &ill, err)))
			return rc;
		rc = gx_illness_add_overrides(ill, path, err);
		if (!rc && !ctx->quiet)
			printf("ok: %s: overrides, %zu overrides\n", path,
			       gx_illness_override_count(ill));
		gx_illness_free(ill);
	} else if (!strcmp(k, "platforms") || !strcmp(k, "platform_table")) {
		gx_platforms *p;
		if ((rc = gx_platforms_load(path, &p, err)))
			return rc;
		if (!ctx->quiet)
			print_platforms(path, p);
		gx_platforms_free(p);
	} else {
		rc = gx_err_at(err, GX_E_RULES, path, 0, 0, "unknown kind '%s' (illness, "
		               "overrides, platforms or platform_table)", k);
	}
	return rc;
}

static int rules_check(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	gx_rulebook *rb;
	int i, rc, first = 0;

	if (argc == 0) {
		if ((rc = gx_rulebook_load(ctx->cfg, &rb, err)))
			return rc;
		if (!ctx->quiet) {
			print_illness(ctx->cfg->rules_illness, rb->illness);
			print_platforms(ctx->cfg->rules_platforms, rb->platforms);
			printf("rules hash: %s\n", rb->hash);
		}
		gx_rulebook_free(rb);
		return 0;
	}
	/* check every file, report each failure, return the first */
	for (i = 0; i < argc; i++) {
		gx_err e;
		gx_err_clear(&e);
		rc = check_file(ctx, argv[i], &e);
		if (rc) {
			gx_log_err(GX_LOG_ERROR, "rules", &e);
			if (!first) {
				first = rc;
				*err = e;
			}
		}
	}
	if (first)
		ctx->reported = 1;
	return first;
}

/* ---- eval ------------------------------------------------------------------------ */

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
	long gc = sheet_col(&r->sh, gold_cols);
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
		if ((rc = row_fields(r, rows[k], err)))
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

static int rules_eval(gx_ctx *ctx, int argc, char **argv, gx_err *err)
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
	rc = run_open(ctx, &x.run, no_ovr, err);
	if (!rc) {
		x.ncat = gx_illness_category_count(x.run.rb->illness);
		x.confusion = gx_calloc(x.ncat * x.ncat, sizeof(long));
		if (!x.confusion)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (!rc && !(rc = run_read(&x.run, path, err)) && x.run.sh.n &&
	    sheet_col(&x.run.sh, (const char *const[]){ "gold_label", NULL }) < 0)
		rc = gx_err_at(err, GX_E_HEADER, path, 1, 0, "no 'gold_label' column");
	if (!rc)
		rc = each_study(&x.run, eval_study, &x, err);
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
	run_release(&x.run);
	return rc;
}

/* ---- explain --------------------------------------------------------------------- */

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
		if ((rc = row_fields(r, rows[k], err)))
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
	if ((rc = gx_labels_read_study(s, acc, &d->rows, err)))
		return rc;
	if (d->rows->nrows == 0)
		return gx_err_set(err, GX_E_NO_STUDY, "study '%s' has no samples in %s", acc,
		                  s->url_redacted);
	if ((rc = gx_illness_study_new(run->rb->illness, acc, &d->ist, err)))
		return rc;
	for (i = 0; i < d->rows->nrows && !rc; i++) {
		json_error_t je;
		json_t *obj = json_loads(gx_rows_get(d->rows, i, GX_LABELS_META), 0, &je), *v;
		const char *key;

		gx_fields_clear(run->f);
		json_object_foreach(obj, key, v) {
			if (json_is_string(v) &&
			    (rc = gx_fields_add_raw(run->f, key, json_string_value(v), err)))
				break;
		}
		json_decref(obj);
		if (!rc)
			rc = gx_illness_study_add(d->ist, gx_rows_get(d->rows, i, GX_LABELS_ACC), run->f,
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
		const char *stored = gx_rows_get(d.rows, i, GX_LABELS_CODE);
		const char *ev = gx_rows_get(d.rows, i, GX_LABELS_EVIDENCE);
		gx_illness_label now;

		if (!wanted(x, gx_rows_get(d.rows, i, GX_LABELS_ACC)))
			continue;
		x->shown++;
		if ((rc = gx_illness_study_explain(d.ist, i, &x->out, err)))
			break;
		gx_illness_study_label(d.ist, i, &now);
		gx_buf_printf(&x->out, "  stored by the last load: %s (%s '%s'%s%s%s%s), platform %s\n",
		              or_dash(stored), or_dash(gx_rows_get(d.rows, i, GX_LABELS_SOURCE)),
		              or_dash(gx_rows_get(d.rows, i, GX_LABELS_RULE)),
		              gx_rows_get(d.rows, i, GX_LABELS_FIELD) ? ", field " : "",
		              gx_rows_get(d.rows, i, GX_LABELS_FIELD) ?
		              gx_rows_get(d.rows, i, GX_LABELS_FIELD) : "",
		              gx_rows_get(d.rows, i, GX_LABELS_TEXT) ? ", matched " : "",
		              gx_rows_get(d.rows, i, GX_LABELS_TEXT) ?
		              gx_rows_get(d.rows, i, GX_LABELS_TEXT) : "",
		              or_dash(gx_rows_get(d.rows, i, GX_LABELS_PLATFORM)));
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
	if (!x->nonly && (rc = gx_labels_studies(s, &all, err)))
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
			const char *stored = gx_rows_get(d.rows, j, GX_LABELS_CODE);
			gx_illness_label now;
			gx_illness_study_label(d.ist, j, &now);
			if (stored && !strcmp(stored, now.code))
				continue;
			n++;
			if (add_change(&ch, &nch, acc, now.decided_by,
			               or_dash(gx_rows_get(d.rows, j, GX_LABELS_RULE)), or_dash(stored),
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

static int rules_explain(gx_ctx *ctx, int argc, char **argv, gx_err *err)
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
	rc = run_open(ctx, &x.run, 0, err);
	if (!rc && changed) {
		rc = explain_changed(ctx, &x, err);
	} else if (!rc && stat(argv[0], &st) == 0 && S_ISREG(st.st_mode)) {
		if (!(rc = run_read(&x.run, argv[0], err)))
			rc = each_study(&x.run, explain_study, &x, err);
		if (!rc && x.nonly && x.shown < x.nonly)
			rc = gx_err_set(err, GX_E_NO_SAMPLES, "%ld of %d samples not found in '%s'",
			                (long)x.nonly - x.shown, x.nonly, argv[0]);
	} else if (!rc) {
		rc = explain_db(ctx, &x, argv[0], err);
	}
	gx_buf_release(&x.out);
	run_release(&x.run);
	return rc;
}

/* ---- test ------------------------------------------------------------------------ */

/*
 * Case files (the .tsv files of rules/tests), one case per row, told apart by their header:
 *   illness cases   sample fields + expect_label [+ expect_rule]; rows with the same
 *                   study are one study (labelled together, as a load would)
 *   platform cases  platform, platform_id + any of expect_key, expect_name,
 *                   expect_manufacturer, expect_technology, expect_accession,
 *                   expect_chip_accession, expect_known (yes|no)
 * A `case` column describes the case, a `policy` column names the point of
 * POLICY.md it tests.  Output is TAP, one test point per case.
 */
typedef struct test_ctx {
	rules_run run;          /* first */
	long n, failed;
} test_ctx;

static void test_point(test_ctx *x, size_t row, int pass, const char *detail)
{
	const sheet *sh = &x->run.sh;
	const char *what = sheet_cell(sh, row, "case"), *pol = sheet_cell(sh, row, "policy");

	x->n++;
	if (!pass)
		x->failed++;
	printf("%s %ld - %s:%ld %s%s%s%s\n", pass ? "ok" : "not ok", x->n, x->run.path,
	       sh->rows[row].line, what ? what : "", pol && *pol ? " [" : "", pol ? pol : "",
	       pol && *pol ? "]" : "");
	if (!pass)
		printf("#   %s\n", detail);
}

static int test_study(void *ctx, gx_illness_study *ist, const size_t *rows, size_t n,
                      gx_err *err)
{
	test_ctx *x = ctx;
	const sheet *sh = &x->run.sh;
	size_t k;

	(void)err;
	for (k = 0; k < n; k++) {
		const char *want = sheet_cell(sh, rows[k], "expect_label");
		const char *want_rule = sheet_cell(sh, rows[k], "expect_rule");
		gx_illness_label lab;
		char detail[GX_ERR_MSG_MAX];

		gx_illness_study_label(ist, k, &lab);
		snprintf(detail, sizeof(detail), "got %s by '%s' on '%s': \"%s\"%s%s; want %s%s%s",
		         lab.code, lab.decided_by, lab.field, lab.text, lab.study[0] ? "; study: " : "",
		         lab.study, want, want_rule && *want_rule ? " by " : "",
		         want_rule ? want_rule : "");
		test_point(x, rows[k], !strcmp(lab.code, want) &&
		           (!want_rule || !*want_rule || !strcmp(lab.decided_by, want_rule)), detail);
	}
	return 0;
}

static int test_platform(test_ctx *x, size_t row, gx_err *err)
{
	const sheet *sh = &x->run.sh;
	const char *raw = sheet_cell(sh, row, "platform"), *pid = sheet_cell(sh, row, "platform_id");
	const char *w;
	gx_platform pl;
	gx_buf d = { 0 };
	int rc, pass = 1;

	if ((rc = gx_platform_normalize(x->run.rb->platforms, raw, pid, &pl, err)))
		return rc;
#define CHECK(col, got) \
	if ((w = sheet_cell(sh, row, col)) && strcmp(w, got)) { \
		pass = 0; \
		gx_buf_printf(&d, "%s: got '%s', want '%s'; ", col, got, w); \
	}
	CHECK("expect_key", pl.key)
	CHECK("expect_name", pl.name)
	CHECK("expect_manufacturer", pl.manufacturer)
	CHECK("expect_technology", pl.technology)
	CHECK("expect_accession", pl.accession)
	CHECK("expect_chip_accession", pl.chip_accession)
	CHECK("expect_known", pl.known ? "yes" : "no")
#undef CHECK
	test_point(x, row, pass, gx_buf_cstr(&d));
	gx_buf_release(&d);
	return 0;
}

static int test_file(test_ctx *x, gx_err *err)
{
	const sheet *sh = &x->run.sh;
	const char *const lab[] = { "expect_label", NULL }, *const key[] = { "expect_key", NULL };
	const char *const plat[] = { "platform", NULL };
	size_t i;
	int rc = 0;

	if (!sh->n)
		return 0;
	if (sheet_col(sh, lab) >= 0)
		return each_study(&x->run, test_study, x, err);
	if (sheet_col(sh, key) < 0 || sheet_col(sh, plat) < 0)
		return gx_err_at(err, GX_E_HEADER, x->run.path, 1, 0, "a case file needs "
		                 "'expect_label' (illness) or 'platform' and 'expect_key' (platform) "
		                 "columns");
	for (i = 0; i < sh->n && !rc; i++)
		rc = test_platform(x, i, err);
	return rc;
}

static int rules_test(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	test_ctx x;
	int i, rc;

	memset(&x, 0, sizeof(x));
	if (argc < 1)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules test CASES.tsv...'");
	rc = run_open(ctx, &x.run, 0, err);
	for (i = 0; !rc && i < argc; i++)
		if (!(rc = run_read(&x.run, argv[i], err)))
			rc = test_file(&x, err);
	if (!rc) {
		printf("1..%ld\n", x.n);
		if (x.failed)
			rc = gx_err_set(err, GX_E_VALIDATION, "%ld of %ld rule cases failed",
			                x.failed, x.n);
		else if (!x.n)
			rc = gx_err_set(err, GX_E_EMPTY, "no rule cases");
	}
	run_release(&x.run);
	return rc;
}

/* ---- platform -------------------------------------------------------------------- */

static int rules_platform(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	gx_platforms *p;
	gx_platform pl;
	int rc;

	if (argc < 1 || argc > 2)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules platform STRING [GPL]'");
	if ((rc = gx_platforms_load(ctx->cfg->rules_platforms, &p, err)))
		return rc;
	rc = gx_platform_normalize(p, argv[0], argc > 1 ? argv[1] : NULL, &pl, err);
	if (!rc)
		printf("key: %s\nname: %s\nmanufacturer: %s\ntechnology: %s\naccession: %s\n"
		       "chip_accession: %s\nknown: %s\nrule: %s\n", pl.key, pl.name, pl.manufacturer,
		       pl.technology, pl.accession, pl.chip_accession, pl.known ? "yes" : "no",
		       pl.rule_id);
	gx_platforms_free(p);
	return rc;
}

/* ---- dispatch -------------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(gx_ctx *, int, char **, gx_err *);
	const char *help;
} subs[] = {
	{ "check", rules_check,
	  "usage: gxload rules check [FILE...]\n\n"
	  "Validate rule files without a database.  Without FILE, the configured ones\n"
	  "(rules.illness, rules.overrides_dir, rules.platforms) and their combined hash.\n"
	  "A FILE is checked by its 'kind:' (illness, overrides, platforms, platform_table);\n"
	  "overrides against the configured categories.  Exit 0 if valid, 78 if not." },
	{ "eval", rules_eval,
	  "usage: gxload rules eval [--misses] [--by-study] [--no-overrides] LABELS.tsv\n\n"
	  "Label every row of a TSV with the illness rules and compare with its gold_label\n"
	  "column.  Other columns are sample fields, named as in refine.bio metadata files\n"
	  "or title, source_name, characteristics ('key: value | key: value'); 'study' and\n"
	  "'sample' hold the accessions (rows of one study are labelled together; overrides\n"
	  "use them).  Prints per-label precision and recall, the confusion matrix,\n"
	  "per-study accuracy and the macro accuracy over studies; the last line is\n"
	  "'accuracy: 0.XXXX (n=N)'.  --misses first explains every wrong label;\n"
	  "--by-study lists under each study the rules that decided its misses and the\n"
	  "rules no other study needed; --no-overrides scores the rules alone." },
	{ "explain", rules_explain,
	  "usage: gxload rules explain ACCESSION [SAMPLE...]\n"
	  "       gxload rules explain METADATA.tsv [SAMPLE...]\n"
	  "       gxload rules explain --changed [ACCESSION...]\n\n"
	  "A loaded study (by accession): per sample, the label and evidence stored by the\n"
	  "last load and why the rules in effect now decide what they do (from the stored\n"
	  "metadata).  For each sample of a metadata TSV (or only the SAMPLE accessions\n"
	  "given): its illness label, the override or rule that decided it, the field, key,\n"
	  "value and matched text, the study-level reason, every other rule that matched,\n"
	  "and the normalized platform; explaining a whole study starts with what the study\n"
	  "says as a whole (the field that splits it into groups, the fields that are the\n"
	  "same for every sample, the control arm).  --changed lists, for every loaded study\n"
	  "(or the ACCESSIONs given), the rules in effect now that would change a stored\n"
	  "label, with how many samples and studies." },
	{ "test", rules_test,
	  "usage: gxload rules test CASES.tsv...\n\n"
	  "Run rule cases and print TAP, one test point per case.  An illness case file has\n"
	  "sample fields (as for eval), expect_label and optionally expect_rule, case and\n"
	  "policy (what it tests); rows with the same study are labelled together; a platform\n"
	  "case file has platform, platform_id and expect_key, expect_name,\n"
	  "expect_manufacturer, expect_technology, expect_accession, expect_chip_accession,\n"
	  "expect_known (yes/no).  Exit 0 if every case passes, 65 if not." },
	{ "platform", rules_platform,
	  "usage: gxload rules platform STRING [PLATFORM_ID]\n\n"
	  "Normalize one platform string (and the sample's GPL accession): key, canonical\n"
	  "name, manufacturer, technology, the submitted accession and the chip's own." },
};

#define NSUBS (sizeof(subs) / sizeof(subs[0]))

int cmd_rules(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	size_t i;

	for (i = 0; argc >= 2 && i < NSUBS; i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		if (gx_cmd_wants_help(argc - 1, argv + 1)) {
			puts(subs[i].help);
			return 0;
		}
		return subs[i].fn(ctx, argc - 2, argv + 2, err);
	}
	if (gx_cmd_wants_help(argc, argv)) {
		puts("usage: gxload rules check [FILE...]\n"
		     "       gxload rules eval [--misses] [--by-study] [--no-overrides] LABELS.tsv\n"
		     "       gxload rules explain ACCESSION|METADATA.tsv [SAMPLE...]\n"
		     "       gxload rules explain --changed [ACCESSION...]\n"
		     "       gxload rules test CASES.tsv...\n"
		     "       gxload rules platform STRING [PLATFORM_ID]\n\n"
		     "Check, evaluate and explain the illness and platform rules (docs/RULES.md).\n"
		     "Only explaining a loaded study needs a database.  'gxload rules SUBCOMMAND\n"
		     "--help' for more.");
		return 0;
	}
	if (argc < 2)
		return gx_err_set(err, GX_E_USAGE, "expected a subcommand: check, eval, explain, "
		                  "test, platform");
	return gx_err_set(err, GX_E_USAGE, "unknown subcommand 'rules %s'", argv[1]);
}
