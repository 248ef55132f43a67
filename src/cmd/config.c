/*
 * config.c - `gxload config check`: validate the configuration and print it.
 *
 * main.c has already loaded and validated the config (defaults, file, environment,
 * --set, flags) before this runs; an invalid config never gets here and exits 78.
 * This prints the effective values with their origin, database passwords masked.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

int cmd_config(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	if (gx_cmd_wants_help(argc, argv)) {
		puts("usage: gxload config check\n\n"
		     "Validate the configuration (file, environment, --set, flags) and print the\n"
		     "effective values with where each came from.  Exit 0 if valid, 78 if not.");
		return 0;
	}
	if (argc != 2 || strcmp(argv[1], "check"))
		return gx_err_set(err, GX_E_USAGE, "expected 'gxload config check'");
	gx_config_print(ctx->cfg, stdout);
	return 0;
}
