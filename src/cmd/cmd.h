/*
 * cmd.h - the subcommands' common context and entry points.
 *
 * main.c parses the global options, loads the config and calls one of these through its
 * command table.  A command parses its own options from argv (argv[0] is the command
 * name), returns 0 or a negative value with 'err' filled, and prints its own results on
 * stdout.  If it has already logged the error it sets ctx->reported so that main does
 * not print it twice.
 */
#ifndef GX_CMD_H
#define GX_CMD_H

#include "core/config.h"
#include "core/err.h"

typedef struct gx_ctx {
	gx_config *cfg;
	int quiet;          /* -q: nothing on stdout or stderr unless something is wrong */
	int show_progress;  /* resolved from --progress and isatty(stderr) */
	int reported;       /* the command logged its error itself */
} gx_ctx;

typedef int (*gx_cmd_fn)(gx_ctx *ctx, int argc, char **argv, gx_err *err);

int cmd_load(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_status(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_migrate(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_config(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_rules(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_version(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_report(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_verify(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_genes(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_analyze(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_drop(gx_ctx *ctx, int argc, char **argv, gx_err *err);
int cmd_studies(gx_ctx *ctx, int argc, char **argv, gx_err *err);

/* Shared option helper: 1 if argv[i] is -h/--help. */
int gx_cmd_wants_help(int argc, char **argv);

/* GX_E_USAGE for the option getopt_long just refused (argv[optind - 1]). */
int gx_cmd_bad_option(char **argv, gx_err *err);
/* Make getopt_long parse a command's own arguments from argv[1] on, as a new scan: the
 * global options' scan (which stopped at the command, "+" mode) leaves state behind that
 * would otherwise stop at the first non-option, so "load ACC --dry-run" would load ACC
 * and take --dry-run for an accession.  Also silences getopt's own messages. */
void gx_cmd_getopt_start(void);

/*
 * The studies of load and verify: ACCESSION... (argv[first] to argv[argc - 1]) or, with
 * --file PATH, exactly the one study named by --study.  0 or GX_E_USAGE.
 */
int gx_cmd_check_studies(int argc, int first, const char *file, const char *study,
                         gx_err *err);

/*
 * Keep in *worst the worse of it and 'e' by their exit codes, for commands that run
 * several studies.  Worse means more for a person to do, and more of the installation
 * affected: 0 ok < 75 temporary failure (the next run may do it) < 65 bad input (one
 * study's files) < 74 I/O error < 69 database unavailable < 78 bad config < 64 bad
 * command line < 70 internal error < 130/143 interrupted.  A tie keeps the first.
 */
void gx_cmd_keep_worst(gx_err *worst, const gx_err *e);
/* The rank of an exit code in that order (0 for 0). */
int gx_cmd_exit_rank(int exit_code);

#endif
