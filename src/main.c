/*
 * main.c - gxload's entry point: global options, the command table, exit codes.
 *
 * Nothing else lives here: each command is in src/cmd/<name>.c, and this file only
 * turns the command's gx_err into a message on stderr and a sysexits exit code
 * (docs/CLI.md lists them).  This is the only place that calls exit.
 */
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/signals.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct gx_cmd {
	const char *name;
	gx_cmd_fn fn;
	int needs_config;
	const char *summary;
} gx_cmd;

static const gx_cmd commands[] = {
	{ "load", cmd_load, 1, "load studies (ACCESSION...|--all [--force] [--dry-run] [--json])" },
	{ "status", cmd_status, 1, "show studies and their latest runs ([ACCESSION] [--json])" },
	{ "migrate", cmd_migrate, 1, "apply pending schema migrations ([--status])" },
	{ "config", cmd_config, 1, "check the configuration and print it (check)" },
	{ "rules", cmd_rules, 1, "check and evaluate the rule files (check, eval, explain, test)" },
	{ "report", cmd_report, 1, "a run's validation checks, counts and timings (RUN_ID|ACCESSION)" },
	{ "verify", cmd_verify, 1, "compare the database with the files, per sample (ACCESSION...)" },
	{ "genes", cmd_genes, 1, "import a gene annotation table (import [--organism NAME] FILE)" },
	{ "analyze", cmd_analyze, 1, "gene-pair correlations and differential statistics (ACCESSION...)" },
	{ "studies", cmd_studies, 1, "list the loaded studies with their samples and values ([--json])" },
	{ "drop", cmd_drop, 1, "remove studies from the database (ACCESSION... [--dry-run])" },
	{ "version", cmd_version, 0, "print versions of gxload and its libraries" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The command named 'name', or NULL. */
static const gx_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: gxload [--config FILE] [--db URL] [--data-root DIR] [--set KEY=VALUE]...\n"
	      "              [-q|-v] [--progress auto|always|never] [--log-format text|json]\n"
	      "              COMMAND [ARGS]\n"
	      "\n"
	      "Load gene-expression studies into PostgreSQL or SQLite.\n"
	      "\n"
	      "Global options:\n"
	      "  --config FILE        config file (default $GXLOAD_CONFIG, else configs/gxload.yaml)\n"
	      "  --db URL             sqlite:PATH, postgresql://... or a libpq keyword string\n"
	      "                       (default $GXLOAD_DB, else database.url from the config);\n"
	      "                       passwords are never accepted here: use ~/.pgpass\n"
	      "  --data-root DIR      directory of study folders (default $GXLOAD_DATA_ROOT)\n"
	      "  --set KEY=VALUE      override a config key, e.g. --set load.lock_timeout_s=60\n"
	      "  -q, --quiet          print nothing unless something is wrong\n"
	      "  -v, --verbose        more messages on stderr (twice: debug, with step times)\n"
	      "  --progress MODE      progress bar on stderr: auto (terminal only), always, never\n"
	      "  --log-format FORMAT  stderr messages as text or JSON lines\n"
	      "  -h, --help           this help;  gxload COMMAND --help for a command's options\n"
	      "  -V, --version        same as 'gxload version'\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Exit codes: 0 ok, 64 usage, 65 bad input data, 69 database unavailable,\n"
	      "70 internal error, 74 I/O error, 75 temporary failure (lock busy, or a\n"
	      "transient database error after postgresql.retries: safe to retry), 78 bad\n"
	      "config, 130/143 interrupted; of several studies, the worst.  See gxload(1).\n", out);
}

static gx_log_level level_of(const char *name)
{
	if (!strcmp(name, "debug")) return GX_LOG_DEBUG;
	if (!strcmp(name, "info")) return GX_LOG_INFO;
	if (!strcmp(name, "error")) return GX_LOG_ERROR;
	return GX_LOG_WARNING;
}

static int fail(const gx_err *err)
{
	gx_log_err(GX_LOG_ERROR, NULL, err);
	return gx_err_exit_code(err);
}

int main(int argc, char **argv)
{
	enum { OPT_CONFIG = 256, OPT_DB, OPT_DATA_ROOT, OPT_SET, OPT_PROGRESS, OPT_LOG_FORMAT };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "db", required_argument, NULL, OPT_DB },
		{ "data-root", required_argument, NULL, OPT_DATA_ROOT },
		{ "set", required_argument, NULL, OPT_SET },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "progress", required_argument, NULL, OPT_PROGRESS },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	gx_config_args args;
	const char **sets = NULL;
	gx_ctx ctx;
	gx_err err;
	const gx_cmd *cmd = NULL;
	int c, quiet = 0, verbose = 0, rc, code;

	gx_mem_init();
	memset(&args, 0, sizeof(args));
	memset(&ctx, 0, sizeof(ctx));
	gx_err_clear(&err);
	sets = calloc((size_t)argc + 1, sizeof(*sets));
	if (!sets) {
		fputs("gxload: error: out of memory\n", stderr);
		return GX_EXIT_SOFTWARE;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG: args.config_path = optarg; break;
		case OPT_DB: args.db_url = optarg; break;
		case OPT_DATA_ROOT: args.data_root = optarg; break;
		case OPT_SET: sets[args.n_sets++] = optarg; break;
		case OPT_PROGRESS: args.progress = optarg; break;
		case OPT_LOG_FORMAT: args.log_format = optarg; break;
		case 'q': quiet = 1; break;
		case 'v': verbose++; break;
		case 'h':
			usage(stdout);
			free(sets);
			return GX_EXIT_OK;
		case 'V':
			cmd = find_command("version");
			break;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, "gxload: error: unknown option '-%c' or missing argument\n",
				        optopt);
			else
				fprintf(stderr, "gxload: error: unknown option '%s' or missing argument\n",
				        argv[optind - 1]);
			fputs("see 'gxload --help'\n", stderr);
			free(sets);
			return GX_EXIT_USAGE;
		}
	}
	args.sets = sets;
	if (quiet && verbose) {
		fputs("gxload: error: -q and -v exclude each other\n", stderr);
		free(sets);
		return GX_EXIT_USAGE;
	}
	args.verbosity = quiet ? -1 : verbose;
	if (!cmd) {
		if (optind >= argc) {
			usage(stderr);
			free(sets);
			return GX_EXIT_USAGE;
		}
		if (!(cmd = find_command(argv[optind]))) {
			fprintf(stderr, "gxload: error: unknown command '%s'\nsee 'gxload --help'\n",
			        argv[optind]);
			free(sets);
			return GX_EXIT_USAGE;
		}
	}
	gx_log_setup(quiet ? GX_LOG_ERROR : verbose >= 2 ? GX_LOG_DEBUG :
	             verbose ? GX_LOG_INFO : GX_LOG_WARNING,
	             args.log_format && !strcmp(args.log_format, "json"));
	ctx.quiet = quiet;
	if (cmd->needs_config || optind < argc) {
		rc = gx_config_load(&args, &ctx.cfg, &err);
		if (rc) {
			code = fail(&err);
			if (err.code == GX_E_USAGE)
				fputs("see 'gxload --help'\n", stderr);
			free(sets);
			return code;
		}
		gx_log_setup(level_of(ctx.cfg->log_level), !strcmp(ctx.cfg->log_format, "json"));
		ctx.show_progress = !quiet && (!strcmp(ctx.cfg->progress, "always") ||
		                               (!strcmp(ctx.cfg->progress, "auto") && isatty(2)));
	}
	gx_signals_install();
	if (optind < argc)
		rc = cmd->fn(&ctx, argc - optind, argv + optind, &err);
	else {
		char *fake[] = { (char *)cmd->name, NULL };
		rc = cmd->fn(&ctx, 1, fake, &err);
	}
	code = GX_EXIT_OK;
	if (rc) {
		code = gx_err_exit_code(&err);
		if (!ctx.reported)
			gx_log_err(GX_LOG_ERROR, NULL, &err);
		if (err.code == GX_E_USAGE)
			fprintf(stderr, "see 'gxload %s --help'\n", cmd->name);
	}
	gx_config_free(ctx.cfg);
	free(sets);
	return code;
}
