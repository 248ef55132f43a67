/*
 * cmd.c - helpers shared by the subcommands (cmd.h).
 *
 * Kept out of main.c so that the command files link into the unit-test binaries,
 * which are built from every object but main.o.
 */
#include "cmd/cmd.h"

#include <getopt.h>
#include <string.h>

int gx_cmd_wants_help(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

void gx_cmd_getopt_start(void)
{
	optind = 0; /* 0: GNU getopt starts over (and permutes: options may follow arguments) */
	opterr = 0;
}

int gx_cmd_bad_option(char **argv, gx_err *err)
{
	return gx_err_set(err, GX_E_USAGE, "unknown option '%s' or missing argument",
	                  argv[optind - 1]);
}

int gx_cmd_check_studies(int argc, int first, const char *file, const char *study,
                         gx_err *err)
{
	if (file || study) {
		if (!file || !study || first < argc)
			return gx_err_set(err, GX_E_USAGE, "--file PATH and --study ACCESSION go "
			                  "together, without other accessions");
	} else if (first >= argc) {
		return gx_err_set(err, GX_E_USAGE, "no accession given");
	}
	return 0;
}

int gx_cmd_exit_rank(int exit_code)
{
	switch (exit_code) {
	case GX_EXIT_OK: return 0;
	case GX_EXIT_TEMPFAIL: return 1;
	case GX_EXIT_DATAERR: return 2;
	case GX_EXIT_IOERR: return 3;
	case GX_EXIT_UNAVAILABLE: return 4;
	case GX_EXIT_CONFIG: return 5;
	case GX_EXIT_USAGE: return 6;
	case GX_EXIT_SOFTWARE: return 7;
	case GX_EXIT_SIGINT:
	case GX_EXIT_SIGTERM: return 8;
	default: return 7;
	}
}

void gx_cmd_keep_worst(gx_err *worst, const gx_err *e)
{
	if (e->code && gx_cmd_exit_rank(gx_err_exit_code(e)) >
	               gx_cmd_exit_rank(gx_err_exit_code(worst)))
		*worst = *e;
}
