/* test_err_doc.c - docs/CLI.md tells the truth about errors: every row of its "Error
 * codes" table names a code that exists, with the name and exit code gxload gives it,
 * and every code gxload has is in the table; its "Exit codes" table lists every exit
 * code an error can map to.  Reads the CLI.md of the tree under test ($GXLOAD_TOP, set
 * by tests/run.sh, else the share directory). */
#include "core/config.h"
#include "core/err.h"
#include "tap.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exit column of a code as the table writes it: "65", or "130/143" for signals. */
static void exit_text(gx_code code, char *out, size_t cap)
{
	gx_err e;

	gx_err_clear(&e);
	e.code = code;
	e.signo = SIGINT;
	snprintf(out, cap, "%d", gx_err_exit_code(&e));
	if (code == GX_E_INTERRUPTED) {
		e.signo = SIGTERM;
		snprintf(out + strlen(out), cap - strlen(out), "/%d", gx_err_exit_code(&e));
	}
}

int main(void)
{
	const char *top = getenv("GXLOAD_TOP");
	char path[1024], line[1024], exits[512] = " ";
	unsigned char listed[6000];
	int in_codes = 0, in_exits = 0, rows = 0, bad = 0, missing = 0, code;
	FILE *f;

	memset(listed, 0, sizeof(listed));
	snprintf(path, sizeof(path), "%s/docs/CLI.md", top && *top ? top : gx_share_dir());
	f = fopen(path, "r");
	ok(f != NULL, "open %s", path);
	if (!f)
		return tap_done();
	while (fgets(line, sizeof(line), f)) {
		char name[64], ex[32];
		if (!strncmp(line, "## ", 3)) {
			in_codes = !strncmp(line, "## Error codes", 14);
			in_exits = !strncmp(line, "## Exit codes", 13);
			continue;
		}
		if (in_exits && sscanf(line, "| %31[0-9 /] |", ex) == 1) {
			char *t, *save = NULL;
			for (t = strtok_r(ex, " /", &save); t; t = strtok_r(NULL, " /", &save))
				snprintf(exits + strlen(exits), sizeof(exits) - strlen(exits), "%s ", t);
		}
		if (!in_codes || sscanf(line, "| %d | %63[a-z0-9_] | %31[0-9/] |", &code, name, ex) != 3)
			continue;
		rows++;
		if (code < 1000 || code >= 6000 || strcmp(gx_code_name((gx_code)code), name)) {
			printf("# CLI.md lists %d as '%s'; gxload calls it '%s'\n", code, name,
			       gx_code_name((gx_code)code));
			bad++;
			continue;
		}
		listed[code] = 1;
		{
			char want[32];
			exit_text((gx_code)code, want, sizeof(want));
			if (strcmp(want, ex)) {
				printf("# CLI.md says %d exits %s; gxload exits %s\n", code, ex, want);
				bad++;
			}
		}
	}
	fclose(f);
	ok(rows > 30 && bad == 0, "%d rows of the error table match gxload's codes", rows);
	for (code = 1000; code < 6000; code++) {
		char ex[32], word[40];
		if (!strcmp(gx_code_name((gx_code)code), "unknown"))
			continue;
		if (!listed[code]) {
			printf("# code %d ('%s') is missing from CLI.md\n", code,
			       gx_code_name((gx_code)code));
			missing++;
		}
		exit_text((gx_code)code, ex, sizeof(ex));
		*strchrnul(ex, '/') = '\0';
		snprintf(word, sizeof(word), " %s ", ex);
		if (!strstr(exits, word)) {
			printf("# exit code %s (of %d) is missing from CLI.md's exit table\n", ex, code);
			missing++;
		}
	}
	ok(missing == 0, "every error code and every exit code is documented");
	return tap_done();
}
