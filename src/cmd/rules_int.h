/*
 * rules_int.h - what the files of `gxload rules` share (cmd/rules.c: check, test,
 * platform and the dispatch; cmd/rules_eval.c; cmd/rules_explain.c): the configured
 * rules, a labelled TSV held whole, and its rows labelled study by study.
 * Not an interface: nothing outside src/cmd/rules*.c includes it.
 */
#ifndef GX_CMD_RULES_INT_H
#define GX_CMD_RULES_INT_H

#include "cmd/cmd.h"
#include "cmd/table.h"
#include "transform/fields.h"
#include "transform/rulebook.h"

#include <stddef.h>

/*
 * What eval, explain and test share: the configured rules, one gx_fields reused for
 * every row, the file being read (held whole) and the current row's accessions.  Each
 * of their contexts starts with a rules_run.
 */
typedef struct rules_run {
	gx_rulebook *rb;
	gx_fields *f;
	const char *path;
	gx_sheet sh;
	const char *study, *sample;
} rules_run;

/* Load the configured rules (without any override when no_overrides). */
int rules_run_open(gx_ctx *ctx, rules_run *run, int no_overrides, gx_err *err);
/* Read 'path' whole into run->sh. */
int rules_run_read(rules_run *run, const char *path, gx_err *err);
void rules_run_release(rules_run *run);

/* Row 'row' of run->sh into run->f, run->study and run->sample, through the loader's
 * mapping of fields (fields.h); the answer columns (gold_label, expect_*, case,
 * policy) are left out. */
int rules_row_fields(rules_run *run, size_t row, gx_err *err);

/* Called once per study with its samples labelled together: rows[k] is the sheet row
 * of the study's sample k. */
typedef int (*rules_study_fn)(void *ctx, gx_illness_study *st, const size_t *rows,
                              size_t n, gx_err *err);
/* Call fn once per study of run->sh, in the order the studies first appear (a row
 * without a study is a study of its own). */
int rules_each_study(rules_run *run, rules_study_fn fn, void *ctx, gx_err *err);

/* The subcommands of cmd/rules_eval.c and cmd/rules_explain.c. */
int rules_eval(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int rules_explain(gx_ctx *ctx, int argc, char **argv, gx_err *err);

#endif
