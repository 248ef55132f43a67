/*
 * rules.c - `gxload rules ...`: check, evaluate and explain the rule files.
 *
 *   rules check [FILE...]          validate rule files (the configured ones by default)
 *   rules eval [--misses] [--by-study] [--no-overrides] LABELS.tsv
 *                                  score the illness rules against a labelled TSV
 *                                  (rules_eval.c)
 *   rules explain ACCESSION|FILE.tsv [SAMPLE...]  why each sample (of a loaded study or a
 *                                     metadata TSV) gets its label (rules_explain.c)
 *   rules explain --changed [ACCESSION...]  which rules change a stored label
 *   rules test CASES.tsv...        run rule cases (rules/tests/), TAP output
 *   rules platform STRING [GPL]    normalize one platform string
 *
 * Only explaining a loaded study reads a database (what the last load stored of a
 * study's samples, load/queries.h); none writes one.  The TSVs are read whole with the
 * loader's reader (cmd/table.h); each row goes through the same field mapping as the
 * pipeline (transform/fields.h), so a labelled file may use the column names of a
 * refine.bio metadata file or the short ones (title, source_name, characteristics); the
 * rows of one study are labelled together, as a load does.
 * Here: what the subcommands share (rules_int.h), check, test, platform, the dispatch.
 */
#include "cmd/rules_int.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what the subcommands share (rules_int.h) ------------------------------------ */

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
int rules_row_fields(rules_run *run, size_t row, gx_err *err)
{
	const gx_sheet *sh = &run->sh;
	long sc = gx_sheet_col(sh, study_cols), pc = gx_sheet_col(sh, sample_cols);
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

int rules_run_open(gx_ctx *ctx, rules_run *run, int no_overrides, gx_err *err)
{
	int rc = gx_rulebook_load(ctx->cfg, &run->rb, err);

	if (!rc && no_overrides)
		gx_illness_drop_overrides(run->rb->illness);
	return rc ? rc : gx_fields_new(&run->f, err);
}

int rules_run_read(rules_run *run, const char *path, gx_err *err)
{
	run->path = path;
	return gx_sheet_read(path, &run->sh, err);
}

void rules_run_release(rules_run *run)
{
	gx_sheet_free(&run->sh);
	gx_fields_free(run->f);
	gx_rulebook_free(run->rb);
}

/* ---- studies of a sheet ---------------------------------------------------------- */

typedef struct sort_by {
	const gx_sheet *sh;
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
int rules_each_study(rules_run *run, rules_study_fn fn, void *ctx, gx_err *err)
{
	const gx_sheet *sh = &run->sh;
	size_t *ix = gx_calloc(sh->n + 1, sizeof(size_t)), i, j, ng = 0;
	group *g = gx_calloc(sh->n + 1, sizeof(group));
	sort_by sb = { sh, gx_sheet_col(sh, study_cols) };
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
			if (!(rc = rules_row_fields(run, ix[g[i].start + j], err)) && !st)
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
	const gx_sheet *sh = &x->run.sh;
	const char *what = gx_sheet_cell(sh, row, "case"), *pol = gx_sheet_cell(sh, row, "policy");

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
	const gx_sheet *sh = &x->run.sh;
	size_t k;

	(void)err;
	for (k = 0; k < n; k++) {
		const char *want = gx_sheet_cell(sh, rows[k], "expect_label");
		const char *want_rule = gx_sheet_cell(sh, rows[k], "expect_rule");
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
	const gx_sheet *sh = &x->run.sh;
	const char *raw = gx_sheet_cell(sh, row, "platform"), *pid = gx_sheet_cell(sh, row, "platform_id");
	const char *w;
	gx_platform pl;
	gx_buf d = { 0 };
	int rc, pass = 1;

	if ((rc = gx_platform_normalize(x->run.rb->platforms, raw, pid, &pl, err)))
		return rc;
#define CHECK(col, got) \
	if ((w = gx_sheet_cell(sh, row, col)) && strcmp(w, got)) { \
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
	const gx_sheet *sh = &x->run.sh;
	const char *const lab[] = { "expect_label", NULL }, *const key[] = { "expect_key", NULL };
	const char *const plat[] = { "platform", NULL };
	size_t i;
	int rc = 0;

	if (!sh->n)
		return 0;
	if (gx_sheet_col(sh, lab) >= 0)
		return rules_each_study(&x->run, test_study, x, err);
	if (gx_sheet_col(sh, key) < 0 || gx_sheet_col(sh, plat) < 0)
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
	rc = rules_run_open(ctx, &x.run, 0, err);
	for (i = 0; !rc && i < argc; i++)
		if (!(rc = rules_run_read(&x.run, argv[i], err)))
			rc = test_file(&x, err);
	if (!rc) {
		printf("1..%ld\n", x.n);
		if (x.failed)
			rc = gx_err_set(err, GX_E_VALIDATION, "%ld of %ld rule cases failed",
			                x.failed, x.n);
		else if (!x.n)
			rc = gx_err_set(err, GX_E_EMPTY, "no rule cases");
	}
	rules_run_release(&x.run);
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
		     "Only explaining a loaded study (explain ACCESSION, explain --changed) reads\n"
		     "the database (what the last load stored); none writes it.  'gxload rules\n"
		     "SUBCOMMAND --help' for more.");
		return 0;
	}
	if (argc < 2)
		return gx_err_set(err, GX_E_USAGE, "expected a subcommand: check, eval, explain, "
		                  "test, platform");
	return gx_err_set(err, GX_E_USAGE, "unknown subcommand 'rules %s'", argv[1]);
}
