/*
 * rules.c - `gxload rules ...`: check, evaluate and explain the rule files.
 *
 *   rules check [FILE...]          validate rule files (the configured ones by default)
 *   rules eval LABELS.tsv          score the illness rules against a labelled TSV
 *   rules explain ACCESSION|FILE.tsv [SAMPLE...]  why each sample (of a loaded study or a
 *                                     metadata TSV) gets its label
 *   rules test CASES.tsv...        run rule cases (rules/tests/), TAP output
 *   rules platform STRING [GPL]    normalize one platform string
 *
 * Only 'explain ACCESSION' reads a database (what the last load stored of a study's
 * samples, load/queries.h); none writes one.  The TSVs are read with the loader's reader
 * (extract/tsv.h) and each row goes through the same field mapping as the pipeline
 * (transform/fields.h), so a labelled file may use the column names of a refine.bio
 * metadata file or the short ones (title, source_name, characteristics).
 */
#include "cmd/cmd.h"
#include "cmd/table.h"
#include "load/queries.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "transform/fields.h"
#include "transform/rulebook.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* a TSV read row by row, cells by header name (cmd/table.h), by short names here */
typedef gx_table table;
typedef gx_table_row_fn row_fn;

/*
 * What eval, explain and test share: the configured rules, one gx_fields reused for
 * every row, the file being read and the current row's accessions.  Each of their
 * contexts starts with a rules_run, so a row callback gets it as its context.
 */
typedef struct rules_run {
	gx_rulebook *rb;
	gx_fields *f;
	const char *path;
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
	       !strncmp(name, "expect_", 7);
}

/* The row's accessions and fields, through the loader's mapping (fields.h). */
static int row_fields(rules_run *run, const table *t, gx_err *err)
{
	long sc = gx_table_col(t, study_cols), pc = gx_table_col(t, sample_cols);
	size_t i;
	int rc;

	gx_fields_clear(run->f);
	run->study = sc >= 0 && t->cell[sc][0] ? t->cell[sc] : NULL;
	run->sample = pc >= 0 && t->cell[pc][0] ? t->cell[pc] : NULL;
	for (i = 0; i < t->nhead; i++) {
		if ((long)i == sc || (long)i == pc || answer_col(t->head[i]))
			continue;
		if ((rc = gx_fields_add_raw(run->f, t->head[i], t->cell[i], err)))
			return rc;
	}
	return 0;
}

static int run_open(gx_ctx *ctx, rules_run *run, gx_err *err)
{
	int rc = gx_rulebook_load(ctx->cfg, &run->rb, err);

	return rc ? rc : gx_fields_new(&run->f, err);
}

/* Call fn for every row of 'path'; fn's context is the struct that starts with 'run'. */
static int run_read(rules_run *run, const char *path, row_fn fn, gx_err *err)
{
	run->path = path;
	return gx_table_read(path, fn, run, err);
}

static void run_release(rules_run *run)
{
	gx_fields_free(run->f);
	gx_rulebook_free(run->rb);
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

typedef struct study_stat {
	char *name;
	long n, ok;
} study_stat;

typedef struct eval_ctx {
	rules_run run;          /* first: the row callback's context */
	size_t ncat;
	long *confusion;        /* ncat x ncat: [gold][predicted] */
	study_stat *studies;
	size_t nstudies;
	long n, ok;
	int show_misses;
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
	if (!(s->name = gx_strdup(name)))
		return NULL;
	s->n = s->ok = 0;
	x->nstudies++;
	return s;
}

static int eval_row(void *ctx, const table *t, gx_err *err)
{
	static const char *const gold_cols[] = { "gold_label", NULL };
	eval_ctx *x = ctx;
	rules_run *r = &x->run;
	const gx_illness *ill = r->rb->illness;
	long gc = gx_table_col(t, gold_cols), gi, pi;
	gx_illness_label lab;
	study_stat *st;
	int rc;

	if (gc < 0)
		return gx_err_at(err, GX_E_HEADER, r->path, 1, 0, "no 'gold_label' column");
	gi = cat_index(ill, t->cell[gc]);
	if (gi < 0)
		return gx_tsv_error(t->tsv, err, GX_E_METADATA, "gold_label '%.80s' is not a "
		                    "category of the illness rules", t->cell[gc]);
	if ((rc = row_fields(r, t, err)) ||
	    (rc = gx_illness_label_sample(ill, r->study, r->sample, r->f, &lab, err)))
		return rc;
	pi = cat_index(ill, lab.code);
	x->confusion[gi * (long)x->ncat + pi]++;
	if (!(st = study_of(x, r->study ? r->study : "(no study)")))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	st->n++;
	x->n++;
	if (gi == pi) {
		st->ok++;
		x->ok++;
		return 0;
	}
	if (!x->show_misses)
		return 0;
	if (gx_buf_printf(&x->misses, "miss: gold %s, ", t->cell[gc]) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return gx_illness_explain(ill, r->study, r->sample, r->f, &x->misses, err);
}

static void print_ratio(long num, long den)
{
	if (den)
		printf(" %9.4f", (double)num / (double)den);
	else
		printf(" %9s", "-");
}

static void eval_report(const eval_ctx *x)
{
	const gx_illness *ill = x->run.rb->illness;
	size_t i, j, w = 5, sw = 5;

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
	}
	printf("\naccuracy: %.4f (n=%ld)\n", x->n ? (double)x->ok / (double)x->n : 0.0, x->n);
}

static int rules_eval(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	eval_ctx x;
	const char *path = NULL;
	size_t i;
	int rc, a;

	memset(&x, 0, sizeof(x));
	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--misses"))
			x.show_misses = 1;
		else if (argv[a][0] == '-' || path)
			return gx_err_set(err, GX_E_USAGE, "unexpected argument '%s'", argv[a]);
		else
			path = argv[a];
	}
	if (!path)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules eval LABELS.tsv'");
	rc = run_open(ctx, &x.run, err);
	if (!rc) {
		x.ncat = gx_illness_category_count(x.run.rb->illness);
		x.confusion = gx_calloc(x.ncat * x.ncat, sizeof(long));
		if (!x.confusion)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (!rc)
		rc = run_read(&x.run, path, eval_row, err);
	if (!rc && !x.n)
		rc = gx_err_at(err, GX_E_EMPTY, path, 0, 0, "no labelled rows");
	if (!rc)
		eval_report(&x);
	for (i = 0; i < x.nstudies; i++)
		gx_free(x.studies[i].name);
	gx_free(x.studies);
	gx_free(x.confusion);
	gx_buf_release(&x.misses);
	run_release(&x.run);
	return rc;
}

/* ---- explain --------------------------------------------------------------------- */

typedef struct explain_ctx {
	rules_run run;          /* first: the row callback's context */
	char **only;            /* sample accessions to show, or none = all */
	int nonly;
	long shown;
	gx_buf out;
} explain_ctx;

static int explain_row(void *ctx, const table *t, gx_err *err)
{
	explain_ctx *x = ctx;
	rules_run *r = &x->run;
	gx_platform pl;
	int i, rc, want = x->nonly == 0;

	if ((rc = row_fields(r, t, err)))
		return rc;
	for (i = 0; i < x->nonly && !want; i++)
		want = r->sample && !strcmp(r->sample, x->only[i]);
	if (!want)
		return 0;
	gx_buf_reset(&x->out);
	if ((rc = gx_illness_explain(r->rb->illness, r->study, r->sample, r->f, &x->out, err)))
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
	fwrite(x->out.data, 1, x->out.len, stdout);
	x->shown++;
	return 0;
}

static const char *nz(const char *s)
{
	return s ? s : "-";
}

/*
 * Explain a loaded study: each sample's stored label (what the last load decided) and,
 * from the sample's stored metadata, why the rules in effect now decide what they do.
 */
static int explain_db(gx_ctx *ctx, explain_ctx *x, const char *acc, gx_err *err)
{
	gx_sink *s = NULL;
	gx_rows *r = NULL;
	size_t i;
	int rc, k;

	if ((rc = gx_sink_open(ctx->cfg, "rules", 1, &s, err)) ||
	    (rc = gx_explain_samples(s, acc, &r, err)))
		goto out;
	if (r->nrows == 0) {
		rc = gx_err_set(err, GX_E_NO_STUDY, "study '%s' has no samples in %s", acc,
		                gx_sink_url(s));
		goto out;
	}
	for (i = 0; i < r->nrows && !rc; i++) {
		const char *sample = gx_rows_get(r, i, GX_EX_SAMPLE);
		const char *stored = gx_rows_get(r, i, GX_EX_ILLNESS);
		json_error_t je;
		json_t *obj, *v;
		const char *key;
		gx_illness_label now;
		int want = x->nonly == 0;

		for (k = 0; k < x->nonly && !want; k++)
			want = !strcmp(sample, x->only[k]);
		if (!want)
			continue;
		x->shown++;
		obj = json_loads(gx_rows_get(r, i, GX_EX_METADATA), 0, &je);
		gx_fields_clear(x->run.f);
		json_object_foreach(obj, key, v) {
			if (json_is_string(v) &&
			    (rc = gx_fields_add_raw(x->run.f, key, json_string_value(v), err)))
				break;
		}
		json_decref(obj);
		if (rc)
			break;
		gx_buf_reset(&x->out);
		if ((rc = gx_illness_explain(x->run.rb->illness, acc, sample, x->run.f, &x->out, err)) ||
		    (rc = gx_illness_label_sample(x->run.rb->illness, acc, sample, x->run.f, &now, err)))
			break;
		gx_buf_printf(&x->out, "  stored by the last load: %s (%s '%s'%s%s%s%s), platform %s\n",
		              stored ? stored : "-", nz(gx_rows_get(r, i, GX_EX_SOURCE)),
		              nz(gx_rows_get(r, i, GX_EX_RULE)),
		              gx_rows_get(r, i, GX_EX_FIELD) ? ", field " : "",
		              gx_rows_get(r, i, GX_EX_FIELD) ? gx_rows_get(r, i, GX_EX_FIELD) : "",
		              gx_rows_get(r, i, GX_EX_MATCHED) ? ", matched " : "",
		              gx_rows_get(r, i, GX_EX_MATCHED) ? gx_rows_get(r, i, GX_EX_MATCHED) : "",
		              nz(gx_rows_get(r, i, GX_EX_PLATFORM)));
		if (stored && strcmp(stored, now.code))
			gx_buf_printf(&x->out, "  NOTE: the rules in effect now say %s; the next load "
			              "relabels this sample\n", now.code);
		fwrite(x->out.data, 1, x->out.len, stdout);
	}
	if (!rc && x->nonly && x->shown < x->nonly)
		rc = gx_err_set(err, GX_E_NO_SAMPLES, "%ld of %d samples not found in study '%s'",
		                (long)x->nonly - x->shown, x->nonly, acc);
out:
	gx_rows_free(r);
	gx_sink_close(s);
	return rc;
}

static int rules_explain(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	explain_ctx x;
	struct stat st;
	int rc;

	memset(&x, 0, sizeof(x));
	if (argc < 1)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules explain ACCESSION "
		                  "[SAMPLE...]' or 'gxload rules explain FILE.tsv [SAMPLE...]'");
	x.only = argv + 1;
	x.nonly = argc - 1;
	rc = run_open(ctx, &x.run, err);
	if (!rc && stat(argv[0], &st) == 0 && S_ISREG(st.st_mode)) {
		rc = run_read(&x.run, argv[0], explain_row, err);
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
 *   illness cases   sample fields + expect_label [+ expect_rule]
 *   platform cases  platform, platform_id + any of expect_key, expect_name,
 *                   expect_manufacturer, expect_technology, expect_accession,
 *                   expect_chip_accession, expect_known (yes|no)
 * A `case` column describes the case.  Output is TAP, one test point per case.
 */
typedef struct test_ctx {
	rules_run run;          /* first: the row callback's context */
	long n, failed;
} test_ctx;

static const char *cell(const table *t, const char *name)
{
	const char *names[2] = { name, NULL };
	long c = gx_table_col(t, names);

	return c >= 0 ? t->cell[c] : NULL;
}

static void test_point(test_ctx *x, const table *t, int pass, const char *detail)
{
	const char *what = cell(t, "case");

	x->n++;
	if (!pass)
		x->failed++;
	printf("%s %ld - %s:%ld %s\n", pass ? "ok" : "not ok", x->n, x->run.path,
	       gx_tsv_line(t->tsv), what ? what : "");
	if (!pass)
		printf("#   %s\n", detail);
}

static int test_illness(test_ctx *x, const table *t, gx_err *err)
{
	const char *want = cell(t, "expect_label"), *want_rule = cell(t, "expect_rule");
	rules_run *r = &x->run;
	gx_illness_label lab;
	char detail[GX_ERR_MSG_MAX];
	int rc;

	if ((rc = row_fields(r, t, err)) ||
	    (rc = gx_illness_label_sample(r->rb->illness, r->study, r->sample, r->f, &lab, err)))
		return rc;
	snprintf(detail, sizeof(detail), "got %s by '%s' on '%s': \"%s\"; want %s%s%s",
	         lab.code, lab.decided_by, lab.field, lab.text, want,
	         want_rule && *want_rule ? " by " : "", want_rule ? want_rule : "");
	test_point(x, t, !strcmp(lab.code, want) &&
	           (!want_rule || !*want_rule || !strcmp(lab.decided_by, want_rule)), detail);
	return 0;
}

static int test_platform(test_ctx *x, const table *t, gx_err *err)
{
	const char *raw = cell(t, "platform"), *pid = cell(t, "platform_id"), *w;
	gx_platform pl;
	gx_buf d = { 0 };
	int rc, pass = 1;

	if ((rc = gx_platform_normalize(x->run.rb->platforms, raw, pid, &pl, err)))
		return rc;
#define CHECK(col, got) \
	if ((w = cell(t, col)) && strcmp(w, got)) { \
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
	test_point(x, t, pass, gx_buf_cstr(&d));
	gx_buf_release(&d);
	return 0;
}

static int test_row(void *ctx, const table *t, gx_err *err)
{
	test_ctx *x = ctx;

	if (cell(t, "expect_label"))
		return test_illness(x, t, err);
	if (cell(t, "expect_key") && cell(t, "platform"))
		return test_platform(x, t, err);
	return gx_err_at(err, GX_E_HEADER, x->run.path, 1, 0, "a case file needs 'expect_label' "
	                 "(illness) or 'platform' and 'expect_key' (platform) columns");
}

static int rules_test(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	test_ctx x;
	int i, rc;

	memset(&x, 0, sizeof(x));
	if (argc < 1)
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload rules test CASES.tsv...'");
	rc = run_open(ctx, &x.run, err);
	for (i = 0; !rc && i < argc; i++)
		rc = run_read(&x.run, argv[i], test_row, err);
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
	  "usage: gxload rules eval [--misses] LABELS.tsv\n\n"
	  "Label every row of a TSV with the illness rules and compare with its gold_label\n"
	  "column.  Other columns are sample fields, named as in refine.bio metadata files\n"
	  "or title, source_name, characteristics ('key: value | key: value'); 'study' and\n"
	  "'sample' hold the accessions that overrides use.  Prints per-label precision and\n"
	  "recall, the confusion matrix and per-study accuracy; the last line is\n"
	  "'accuracy: 0.XXXX (n=N)'.  --misses first explains every wrong label." },
	{ "explain", rules_explain,
	  "usage: gxload rules explain ACCESSION [SAMPLE...]\n"
	  "       gxload rules explain METADATA.tsv [SAMPLE...]\n\n"
	  "A loaded study (by accession): per sample, the label stored by the last load and\n"
	  "why the rules in effect now decide what they do (from the stored metadata).\n"
	  "For each sample of a metadata TSV (or only the SAMPLE accessions given): its\n"
	  "illness label, the override or rule that decided it, the field and the matched\n"
	  "text, every other rule that matched, and the normalized platform." },
	{ "test", rules_test,
	  "usage: gxload rules test CASES.tsv...\n\n"
	  "Run rule cases and print TAP, one test point per case.  An illness case file has\n"
	  "sample fields (as for eval), expect_label and optionally expect_rule; a platform\n"
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
		     "       gxload rules eval [--misses] LABELS.tsv\n"
		     "       gxload rules explain ACCESSION|METADATA.tsv [SAMPLE...]\n"
		     "       gxload rules test CASES.tsv...\n"
		     "       gxload rules platform STRING [PLATFORM_ID]\n\n"
		     "Check, evaluate and explain the illness and platform rules (docs/RULES.md).\n"
		     "Only 'explain ACCESSION' reads the database (what the last load stored); none\n"
		     "writes it.  'gxload rules SUBCOMMAND --help' for more.");
		return 0;
	}
	if (argc < 2)
		return gx_err_set(err, GX_E_USAGE, "expected a subcommand: check, eval, explain, "
		                  "test, platform");
	return gx_err_set(err, GX_E_USAGE, "unknown subcommand 'rules %s'", argv[1]);
}
