/*
 * cmd.c - helpers shared by the subcommands (declared in cmd.h).
 *
 * Kept out of main.c so that the library objects (everything but main.o), which the unit
 * tests and bench tools link, resolve every symbol the commands use.
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
