/*
 * annotation.c - a gene annotation table read into gx_gene_notes (see annotation.h).
 */
#include "extract/annotation.h"
#include "extract/tsv.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { C_VERSIONED, C_ID, C_SYMBOL, C_BIOTYPE, C_COUNT };

static const char *const names[C_COUNT][7] = {
	[C_VERSIONED] = { "Gene stable ID version", "gene_id_version", "ensembl_gene_id_version",
	                  NULL },
	[C_ID] = { "Gene stable ID", "gene_id", "ensembl_gene_id", "id", NULL },
	[C_SYMBOL] = { "Gene name", "gene_name", "external_gene_name", "hgnc_symbol", "symbol",
	               "gene_symbol", NULL },
	[C_BIOTYPE] = { "Gene type", "gene_type", "gene_biotype", "biotype", NULL },
};

typedef struct rd {
	gx_tsv *t;
	gx_gene_notes *out;
	size_t cap;
	int col[C_COUNT];       /* field index of each, -1 if absent */
	size_t n_header;
	char *cur[C_COUNT];     /* the row being read */
	long row;
} rd;

void gx_gene_notes_free(gx_gene_notes *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		gx_free(n->rows[i].stable_id);
		gx_free(n->rows[i].base_id);
		gx_free(n->rows[i].symbol);
		gx_free(n->rows[i].biotype);
	}
	gx_free(n->rows);
	gx_free(n);
}

static int on_field(void *ctx, const char *s, size_t len, gx_err *err)
{
	rd *r = ctx;
	size_t f = gx_tsv_field(r->t);
	int c, k;

	if (r->row == 0) {
		for (c = 0; c < C_COUNT; c++)
			for (k = 0; names[c][k]; k++)
				if (r->col[c] < 0 && strlen(names[c][k]) == len &&
				    !strncasecmp(names[c][k], s, len))
					r->col[c] = (int)f;
		return 0;
	}
	for (c = 0; c < C_COUNT; c++) {
		if (r->col[c] != (int)f)
			continue;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\r'))
			len--;
		gx_free(r->cur[c]);
		r->cur[c] = len ? gx_strndup(s, len) : NULL;
		if (len && !r->cur[c])
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	return 0;
}

/* the row just read becomes a note (or is skipped without an id) */
static int take_row(rd *r, gx_err *err)
{
	gx_gene_note *n;
	const char *stable = r->cur[C_VERSIONED] ? r->cur[C_VERSIONED] : r->cur[C_ID];
	char base[512];

	if (!stable) {
		r->out->n_skipped++;
		return 0;
	}
	if (r->out->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		gx_gene_note *p = gx_reallocarray(r->out->rows, cap, sizeof(*p));
		if (!p)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		r->out->rows = p;
		r->cap = cap;
	}
	n = &r->out->rows[r->out->n];
	memset(n, 0, sizeof(*n));
	if (r->cur[C_ID] && r->cur[C_VERSIONED])
		snprintf(base, sizeof(base), "%s", r->cur[C_ID]);
	else if (!gx_gene_base_id(stable, base, sizeof(base)))
		snprintf(base, sizeof(base), "%s", stable);
	if (!(n->stable_id = gx_strdup(stable)) || !(n->base_id = gx_strdup(base)) ||
	    (r->cur[C_SYMBOL] && !(n->symbol = gx_strdup(r->cur[C_SYMBOL]))) ||
	    (r->cur[C_BIOTYPE] && !(n->biotype = gx_strdup(r->cur[C_BIOTYPE])))) {
		r->out->n++; /* freed with the rest */
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	r->out->n++;
	return 0;
}

static int on_row(void *ctx, size_t nfields, gx_err *err)
{
	rd *r = ctx;
	int c, rc = 0;

	if (nfields == 0)
		return 0; /* an empty line */
	if (r->row++ == 0) {
		if (r->col[C_ID] < 0 && r->col[C_VERSIONED] < 0)
			return gx_tsv_error(r->t, err, GX_E_HEADER,
			                    "no gene id column (expected 'Gene stable ID', gene_id, "
			                    "ensembl_gene_id or id)");
		r->n_header = nfields;
		return 0;
	}
	if (nfields != r->n_header)
		return gx_err_at(err, GX_E_RAGGED, gx_tsv_path(r->t), gx_tsv_line(r->t),
		                 (long)(nfields < r->n_header ? nfields + 1 : r->n_header + 1),
		                 "expected %zu fields, got %zu", r->n_header, nfields);
	rc = take_row(r, err);
	for (c = 0; c < C_COUNT; c++) {
		gx_free(r->cur[c]);
		r->cur[c] = NULL;
	}
	return rc;
}

int gx_gene_notes_read(const char *path, gx_gene_notes **out, gx_err *err)
{
	rd r;
	int c, rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	for (c = 0; c < C_COUNT; c++)
		r.col[c] = -1;
	if (!(r.out = gx_calloc(1, sizeof(*r.out))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_tsv_open(path, 1 << 20, &r.t, err)))
		goto out;
	rc = gx_tsv_run(r.t, on_field, on_row, &r, err);
	if (!rc && r.row == 0)
		rc = gx_err_at(err, GX_E_EMPTY, path, 0, 0, "the annotation table is empty");
out:
	for (c = 0; c < C_COUNT; c++)
		gx_free(r.cur[c]);
	gx_tsv_close(r.t);
	if (rc) {
		gx_gene_notes_free(r.out);
		return rc;
	}
	*out = r.out;
	return 0;
}
