/*
 * status.c - `gxload status [--json] [ACCESSION]`: what is loaded and how the last runs
 * went.
 *
 * Without an accession: one line per study (loaded or attempted, not dropped) with its
 * size and its latest run.  With one: the study's details, its source files and its last
 * runs with their messages.  --json: the same as JSON, one object per study and line,
 * keys stable (docs/CLI.md).  Reads only; a database that does not exist yet is an error
 * (69).
 */
#include "cmd/cmd.h"
#include "load/ops.h"
#include "load/queries.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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
		const char *from = gx_rows_get(runs, i, GX_SR_RESUMED_FROM);
		char res[96] = "";
		if (from) /* a load that went on from an earlier run's checkpoint (issue 18) */
			snprintf(res, sizeof(res), "resumed from chunk %s (%s values kept)%s", from,
			         nz(gx_rows_get(runs, i, GX_SR_VALUES_RESUMED)), msg ? "; " : "");
		printf("%7s %-10s %-9s %-24s %10s %10s %8s  %s%s%s%s%.200s\n",
		       gx_rows_get(runs, i, GX_SR_RUN), gx_rows_get(runs, i, GX_SR_STATUS),
		       gx_rows_get(runs, i, GX_SR_MODE), gx_rows_get(runs, i, GX_SR_STARTED),
		       gx_rows_get(runs, i, GX_SR_INSERTED), gx_rows_get(runs, i, GX_SR_DELETED),
		       gx_rows_get(runs, i, GX_SR_CHANGED), code ? "[" : "", code ? code : "",
		       code ? "] " : "", res, msg ? msg : "");
	}
out:
	gx_rows_free(st);
	gx_rows_free(files);
	gx_rows_free(runs);
	return rc;
}

/* ---- --json ---- */

static json_t *jint(const char *v)
{
	return v ? json_integer((json_int_t)strtoll(v, NULL, 10)) : json_null();
}

static json_t *jtext(const char *v)
{
	return v ? json_string(v) : json_null();
}

/* One study of gx_ops_overview as the object `status --json` prints (docs/CLI.md). */
static json_t *study_json(const gx_rows *r, size_t i)
{
	json_t *o = json_object(), *error = json_null();
	const char *code = gx_rows_get(r, i, GX_OV_CODE);
	int loaded = !strcmp(gx_rows_get(r, i, GX_OV_LOADED), "1");

	json_object_set_new(o, "study", json_string(gx_rows_get(r, i, GX_OV_STUDY)));
	json_object_set_new(o, "loaded", json_boolean(loaded));
	json_object_set_new(o, "samples", jint(gx_rows_get(r, i, GX_OV_SAMPLES)));
	json_object_set_new(o, "genes", jint(gx_rows_get(r, i, GX_OV_GENES)));
	json_object_set_new(o, "values", jint(gx_rows_get(r, i, GX_OV_VALUES)));
	json_object_set_new(o, "value_scale", jtext(gx_rows_get(r, i, GX_OV_SCALE)));
	json_object_set_new(o, "updated_at", jtext(gx_rows_get(r, i, GX_OV_UPDATED)));
	json_object_set_new(o, "last_success_at", jtext(gx_rows_get(r, i, GX_OV_LAST_SUCCESS)));
	json_object_set_new(o, "run_id", jint(gx_rows_get(r, i, GX_OV_RUN)));
	json_object_set_new(o, "status", jtext(gx_rows_get(r, i, GX_OV_STATUS)));
	json_object_set_new(o, "mode", jtext(gx_rows_get(r, i, GX_OV_MODE)));
	json_object_set_new(o, "command", jtext(gx_rows_get(r, i, GX_OV_COMMAND)));
	json_object_set_new(o, "attempt", jint(gx_rows_get(r, i, GX_OV_ATTEMPT)));
	json_object_set_new(o, "started_at", jtext(gx_rows_get(r, i, GX_OV_STARTED)));
	json_object_set_new(o, "finished_at", jtext(gx_rows_get(r, i, GX_OV_FINISHED)));
	json_object_set_new(o, "rows_inserted", jint(gx_rows_get(r, i, GX_OV_INSERTED)));
	json_object_set_new(o, "rows_deleted", jint(gx_rows_get(r, i, GX_OV_DELETED)));
	json_object_set_new(o, "samples_changed", jint(gx_rows_get(r, i, GX_OV_CHANGED)));
	json_object_set_new(o, "resumed_from_chunk", jint(gx_rows_get(r, i, GX_OV_RESUMED_FROM)));
	json_object_set_new(o, "values_resumed", jint(gx_rows_get(r, i, GX_OV_VALUES_RESUMED)));
	json_object_set_new(o, "checks_fail", jint(gx_rows_get(r, i, GX_OV_FAIL)));
	json_object_set_new(o, "checks_warn", jint(gx_rows_get(r, i, GX_OV_WARN)));
	if (code) {
		error = json_object();
		json_object_set_new(error, "code", jint(code));
		json_object_set_new(error, "name", json_string(gx_code_name((gx_code)atoi(code))));
		json_object_set_new(error, "message", jtext(gx_rows_get(r, i, GX_OV_MESSAGE)));
		json_object_set_new(error, "sqlstate", jtext(gx_rows_get(r, i, GX_OV_SQLSTATE)));
	}
	json_object_set_new(o, "error", error);
	return o;
}

static int put_json(json_t *o, gx_err *err)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (!text)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	puts(text);
	free(text);
	return 0;
}

/* Every study, one JSON object per line. */
static int overview_json(gx_sink *s, gx_err *err)
{
	gx_rows *r = NULL;
	size_t i;
	int rc = gx_ops_overview(s, NULL, &r, err);

	for (i = 0; !rc && i < r->nrows; i++)
		rc = put_json(study_json(r, i), err);
	gx_rows_free(r);
	return rc;
}

/* One study: the overview's object with its source files and last ten runs. */
static int detail_json(gx_sink *s, const char *acc, gx_err *err)
{
	gx_rows *r = NULL, *st = NULL, *files = NULL, *runs = NULL;
	json_t *o, *jf, *jr;
	size_t i;
	int rc;

	if ((rc = gx_ops_overview(s, acc, &r, err)) || (rc = gx_status_study(s, acc, &st, err)) ||
	    (rc = gx_status_runs(s, acc, &runs, err)))
		goto out;
	if (r->nrows == 0 && st->nrows == 0) {
		rc = gx_err_set(err, GX_E_NO_STUDY, "study '%s' is not in %s", acc, gx_sink_url(s));
		goto out;
	}
	if (st->nrows && (rc = gx_status_files(s, gx_rows_get(st, 0, GX_SD_KEY), &files, err)))
		goto out;
	o = r->nrows ? study_json(r, 0) : json_object();
	jf = json_array();
	for (i = 0; files && i < files->nrows; i++)
		json_array_append_new(jf, json_pack("{s:s?,s:s?,s:o,s:s?}",
			"path", gx_rows_get(files, i, GX_SF_PATH), "role", gx_rows_get(files, i, GX_SF_ROLE),
			"size_bytes", jint(gx_rows_get(files, i, GX_SF_SIZE)),
			"content_hash", gx_rows_get(files, i, GX_SF_HASH)));
	jr = json_array();
	for (i = 0; i < runs->nrows; i++)
		json_array_append_new(jr, json_pack("{s:o,s:s?,s:s?,s:s?,s:o,s:o,s:o,s:o,s:s?}",
			"run_id", jint(gx_rows_get(runs, i, GX_SR_RUN)),
			"status", gx_rows_get(runs, i, GX_SR_STATUS),
			"mode", gx_rows_get(runs, i, GX_SR_MODE),
			"started_at", gx_rows_get(runs, i, GX_SR_STARTED),
			"rows_inserted", jint(gx_rows_get(runs, i, GX_SR_INSERTED)),
			"rows_deleted", jint(gx_rows_get(runs, i, GX_SR_DELETED)),
			"samples_changed", jint(gx_rows_get(runs, i, GX_SR_CHANGED)),
			"error_code", jint(gx_rows_get(runs, i, GX_SR_CODE)),
			"message", gx_rows_get(runs, i, GX_SR_MESSAGE)));
	json_object_set_new(o, "files", jf);
	json_object_set_new(o, "runs", jr);
	rc = put_json(o, err);
out:
	gx_rows_free(r);
	gx_rows_free(st);
	gx_rows_free(files);
	gx_rows_free(runs);
	return rc;
}

int cmd_status(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_JSON = 256 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gx_sink *s = NULL;
	const char *acc;
	int c, rc, json = 0;

	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = 1; break;
		case 'h':
			puts("usage: gxload status [--json] [ACCESSION]\n\n"
			     "Without an accession: every study with its size and its latest run.\n"
			     "With one: the study's details, source files and last ten runs.\n"
			     "--json: one JSON object per study and line (keys in docs/CLI.md); with an\n"
			     "accession, one object with its 'files' and 'runs' too.");
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (argc - optind > 1)
		return gx_err_set(err, GX_E_USAGE, "expected at most one accession");
	acc = optind < argc ? argv[optind] : NULL;
	if ((rc = gx_sink_open(ctx->cfg, "status", 1, &s, err)))
		return rc;
	if (json)
		rc = acc ? detail_json(s, acc, err) : overview_json(s, err);
	else
		rc = acc ? detail(s, acc, err) : overview(s, err);
	gx_sink_close(s);
	return rc;
}
