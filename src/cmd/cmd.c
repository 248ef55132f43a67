/*
 * cmd.c - helpers shared by the subcommands.
 */
#include "cmd/cmd.h"

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
