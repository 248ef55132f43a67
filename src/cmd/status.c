/*
 * status.c - `gxload status [ACCESSION]`: what is loaded and how the last runs went.
 *
 * Without an accession: one line per study (loaded or attempted) with its size and its
 * latest run.  With one: the study's details, its source files and its last runs with
 * their messages.  Reads only; a database that does not exist yet is an error (69).
 */
#include "cmd/cmd.h"
#include "load/queries.h"

#include <stdio.h>
#include <string.h>

static const char *nz(const char *s)
{
	return s ? s : "-";
}

static int overview(gx_sink *s, gx_err *err)
{
	gx_rows *r = NULL;
	size_t i, w = 16;
	int rc = gx_status_studies(s, &r, err);

	if (rc)
		return rc;
	if (r->nrows == 0) {
		printf("no studies loaded yet in %s\n", gx_sink_url(s));
		gx_rows_free(r);
		return 0;
	}
	/* the study column as wide as the longest accession: the others stay aligned */
	for (i = 0; i < r->nrows; i++)
		if (strlen(gx_rows_get(r, i, GX_SO_STUDY)) > w)
			w = strlen(gx_rows_get(r, i, GX_SO_STUDY));
	printf("%-*s %8s %8s %12s %7s %-10s %-9s %-24s %s\n", (int)w, "study", "samples", "genes",
	       "values", "run", "status", "mode", "finished", "message");
	for (i = 0; i < r->nrows; i++)
		printf("%-*s %8s %8s %12s %7s %-10s %-9s %-24s %.80s\n", (int)w,
		       gx_rows_get(r, i, GX_SO_STUDY),
		       gx_rows_get(r, i, GX_SO_SAMPLES), gx_rows_get(r, i, GX_SO_GENES),
		       gx_rows_get(r, i, GX_SO_VALUES), gx_rows_get(r, i, GX_SO_RUN),
		       gx_rows_get(r, i, GX_SO_STATUS), gx_rows_get(r, i, GX_SO_MODE),
		       nz(gx_rows_get(r, i, GX_SO_FINISHED)),
		       gx_rows_get(r, i, GX_SO_MESSAGE) ? gx_rows_get(r, i, GX_SO_MESSAGE) : "");
	gx_rows_free(r);
	return 0;
}

static int detail(gx_sink *s, const char *acc, gx_err *err)
{
	gx_rows *st = NULL, *files = NULL, *runs = NULL;
	size_t i;
	int rc;

	if ((rc = gx_status_study(s, acc, &st, err)) || (rc = gx_status_runs(s, acc, &runs, err)))
		goto out;
	if (st->nrows == 0 && runs->nrows == 0) {
		rc = gx_err_set(err, GX_E_NO_STUDY, "study '%s' is not in %s", acc, gx_sink_url(s));
		goto out;
	}
	printf("study       %s\n", acc);
	if (st->nrows) {
		printf("title       %s\n", nz(gx_rows_get(st, 0, GX_SD_TITLE)));
		printf("technology  %s\norganism    %s\nsource      %s\n",
		       nz(gx_rows_get(st, 0, GX_SD_TECHNOLOGY)), nz(gx_rows_get(st, 0, GX_SD_ORGANISM)),
		       nz(gx_rows_get(st, 0, GX_SD_SOURCE)));
		printf("samples     %s\ngenes       %s\nvalues      %s (scale %s)\nupdated     %s\n",
		       gx_rows_get(st, 0, GX_SD_SAMPLES), gx_rows_get(st, 0, GX_SD_GENES),
		       gx_rows_get(st, 0, GX_SD_VALUES), nz(gx_rows_get(st, 0, GX_SD_SCALE)),
		       gx_rows_get(st, 0, GX_SD_UPDATED));
		if ((rc = gx_status_files(s, gx_rows_get(st, 0, GX_SD_KEY), &files, err)))
			goto out;
		printf("\nsource files:\n");
		for (i = 0; i < files->nrows; i++)
			printf("  %-20s %-34s %12s bytes  xxh3-128 %s\n", gx_rows_get(files, i, GX_SF_ROLE),
			       gx_rows_get(files, i, GX_SF_PATH), gx_rows_get(files, i, GX_SF_SIZE),
			       gx_rows_get(files, i, GX_SF_HASH));
	} else {
		printf("(not loaded)\n");
	}
	printf("\nlast runs:\n%7s %-10s %-9s %-24s %10s %10s %8s  %s\n", "run", "status", "mode",
	       "started", "inserted", "deleted", "changed", "message");
	for (i = 0; i < runs->nrows; i++) {
		const char *code = gx_rows_get(runs, i, GX_SR_CODE);
		const char *msg = gx_rows_get(runs, i, GX_SR_MESSAGE);
		printf("%7s %-10s %-9s %-24s %10s %10s %8s  %s%s%s%.200s\n",
		       gx_rows_get(runs, i, GX_SR_RUN), gx_rows_get(runs, i, GX_SR_STATUS),
		       gx_rows_get(runs, i, GX_SR_MODE), gx_rows_get(runs, i, GX_SR_STARTED),
		       gx_rows_get(runs, i, GX_SR_INSERTED), gx_rows_get(runs, i, GX_SR_DELETED),
		       gx_rows_get(runs, i, GX_SR_CHANGED), code ? "[" : "", code ? code : "",
		       code ? "] " : "", msg ? msg : "");
	}
out:
	gx_rows_free(st);
	gx_rows_free(files);
	gx_rows_free(runs);
	return rc;
}

int cmd_status(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	gx_sink *s = NULL;
	int rc;

	if (gx_cmd_wants_help(argc, argv)) {
		puts("usage: gxload status [ACCESSION]\n\n"
		     "Without an accession: every study with its size and its latest run.\n"
		     "With one: the study's details, source files and last ten runs.");
		return 0;
	}
	if (argc > 2)
		return gx_err_set(err, GX_E_USAGE, "expected at most one accession");
	if ((rc = gx_sink_open(ctx->cfg, "status", 1, &s, err)))
		return rc;
	rc = argc == 2 ? detail(s, argv[1], err) : overview(s, err);
	gx_sink_close(s);
	return rc;
}
