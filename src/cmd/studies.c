/*
 * studies.c - `gxload studies [--json]`: what is loaded, with its size.
 *
 * One line per study of dim_study (samples, genes, values, value scale, last change),
 * then the totals; --json: one object per study and line.  Unlike `status`, which
 * follows the runs, this lists the content: a study that only ever failed is not here.
 * Reads only.
 */
#include "cmd/cmd.h"
#include "load/ops.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *jnum(const char *v)
{
	return v ? json_integer((json_int_t)strtoll(v, NULL, 10)) : json_null();
}

static int print_json(const gx_rows *r, gx_err *err)
{
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		char *text;
		json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:s?,s:s?}",
			"study", gx_rows_get(r, i, GX_ST_STUDY),
			"samples", jnum(gx_rows_get(r, i, GX_ST_SAMPLES)),
			"genes", jnum(gx_rows_get(r, i, GX_ST_GENES)),
			"values", jnum(gx_rows_get(r, i, GX_ST_VALUES)),
			"value_scale", gx_rows_get(r, i, GX_ST_SCALE),
			"updated_at", gx_rows_get(r, i, GX_ST_UPDATED));
		text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!text)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		puts(text);
		free(text);
	}
	return 0;
}

static void print_text(const gx_rows *r)
{
	long long samples = 0, values = 0;
	size_t i, w = 5;

	for (i = 0; i < r->nrows; i++)
		if (strlen(gx_rows_get(r, i, GX_ST_STUDY)) > w)
			w = strlen(gx_rows_get(r, i, GX_ST_STUDY));
	printf("%-*s %8s %8s %12s %-6s %s\n", (int)w, "study", "samples", "genes", "values",
	       "scale", "updated");
	for (i = 0; i < r->nrows; i++) {
		const char *scale = gx_rows_get(r, i, GX_ST_SCALE);
		printf("%-*s %8s %8s %12s %-6s %s\n", (int)w, gx_rows_get(r, i, GX_ST_STUDY),
		       gx_rows_get(r, i, GX_ST_SAMPLES), gx_rows_get(r, i, GX_ST_GENES),
		       gx_rows_get(r, i, GX_ST_VALUES), scale ? scale : "-",
		       gx_rows_get(r, i, GX_ST_UPDATED));
		samples += strtoll(gx_rows_get(r, i, GX_ST_SAMPLES), NULL, 10);
		values += strtoll(gx_rows_get(r, i, GX_ST_VALUES), NULL, 10);
	}
	printf("%zu stud%s, %lld samples, %lld values\n", r->nrows, r->nrows == 1 ? "y" : "ies",
	       samples, values);
}

int cmd_studies(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_JSON = 256 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gx_sink *s = NULL;
	gx_rows *r = NULL;
	int c, rc, json = 0;

	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = 1; break;
		case 'h':
			puts("usage: gxload studies [--json]\n\n"
			     "The loaded studies with their samples, genes, values, value scale and\n"
			     "last change, then the totals.  --json: one JSON object per study and line.");
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (optind < argc)
		return gx_err_set(err, GX_E_USAGE, "studies takes no argument");
	if ((rc = gx_sink_open(ctx->cfg, "studies", 1, &s, err)))
		return rc;
	if (!(rc = gx_ops_studies(s, &r, err))) {
		if (json)
			rc = print_json(r, err);
		else
			print_text(r);
	}
	gx_rows_free(r);
	gx_sink_close(s);
	return rc;
}
