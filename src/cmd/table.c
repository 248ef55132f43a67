/*
 * table.c - a TSV read row by row, cells by header name, or held whole (see table.h).
 */
#include "cmd/table.h"
#include "core/mem.h"

#include <string.h>

static void free_cells(char **c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gx_free(c[i]);
}

static int table_field(void *ctx, const char *s, size_t len, gx_err *err)
{
	gx_table *t = ctx;

	if (t->ncell == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		char **nc = gx_reallocarray(t->cell, ncap, sizeof(*nc));
		if (!nc)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		t->cell = nc;
		t->cap = ncap;
	}
	if (!(t->cell[t->ncell] = gx_strndup(s, len)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	t->ncell++;
	return 0;
}

static int table_row(void *ctx, size_t nfields, gx_err *err)
{
	gx_table *t = ctx;
	int rc = 0;

	if (nfields == 0)
		return 0;
	if (!t->head) {
		t->head = t->cell;
		t->nhead = t->ncell;
		t->cell = NULL;
		t->ncell = t->cap = 0;
		return 0;
	}
	if (t->ncell != t->nhead)
		rc = gx_tsv_error(t->tsv, err, GX_E_RAGGED, "row has %zu fields, the header %zu",
		                  t->ncell, t->nhead);
	else
		rc = t->fn(t->ctx, t, err);
	free_cells(t->cell, t->ncell);
	t->ncell = 0;
	return rc;
}

long gx_table_col(const gx_table *t, const char *const *names)
{
	size_t i, j;

	for (j = 0; names[j]; j++)
		for (i = 0; i < t->nhead; i++)
			if (!strcmp(t->head[i], names[j]))
				return (long)i;
	return -1;
}

int gx_table_read(const char *path, gx_table_row_fn fn, void *ctx, gx_err *err)
{
	gx_table t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.fn = fn;
	t.ctx = ctx;
	rc = gx_tsv_open(path, 1u << 20, &t.tsv, err);
	if (!rc)
		rc = gx_tsv_run(t.tsv, table_field, table_row, &t, err);
	if (!rc && !t.head)
		rc = gx_err_at(err, GX_E_HEADER, path, 1, 0, "no header row");
	free_cells(t.cell, t.ncell);
	gx_free(t.cell);
	free_cells(t.head, t.nhead);
	gx_free(t.head);
	gx_tsv_close(t.tsv);
	return rc < 0 ? rc : 0;
}

/* ---- a TSV held whole ------------------------------------------------------------ */

static int sheet_row(void *ctx, const gx_table *t, gx_err *err)
{
	gx_sheet *sh = ctx;
	gx_sheet_row *r;
	size_t i;

	if (!sh->head) {
		if (!(sh->head = gx_calloc(t->nhead + 1, sizeof(char *))))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		sh->nhead = t->nhead;
		for (i = 0; i < t->nhead; i++)
			if (!(sh->head[i] = gx_strdup(t->head[i])))
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (sh->n == sh->cap) {
		size_t nc = sh->cap ? sh->cap * 2 : 64;
		gx_sheet_row *nr = gx_reallocarray(sh->rows, nc, sizeof(*nr));
		if (!nr)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		sh->rows = nr;
		sh->cap = nc;
	}
	r = &sh->rows[sh->n];
	r->line = gx_tsv_line(t->tsv);
	if (!(r->cell = gx_calloc(t->ncell + 1, sizeof(char *))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	sh->n++;
	for (i = 0; i < t->ncell; i++)
		if (!(r->cell[i] = gx_strdup(t->cell[i])))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

int gx_sheet_read(const char *path, gx_sheet *sh, gx_err *err)
{
	gx_sheet_free(sh);
	return gx_table_read(path, sheet_row, sh, err);
}

void gx_sheet_free(gx_sheet *sh)
{
	size_t i;

	for (i = 0; i < sh->n; i++) {
		free_cells(sh->rows[i].cell, sh->nhead);
		gx_free(sh->rows[i].cell);
	}
	gx_free(sh->rows);
	if (sh->head)
		free_cells(sh->head, sh->nhead);
	gx_free(sh->head);
	memset(sh, 0, sizeof(*sh));
}

long gx_sheet_col(const gx_sheet *sh, const char *const *names)
{
	size_t i, j;

	for (j = 0; names[j]; j++)
		for (i = 0; i < sh->nhead; i++)
			if (!strcmp(sh->head[i], names[j]))
				return (long)i;
	return -1;
}

const char *gx_sheet_cell(const gx_sheet *sh, size_t row, const char *name)
{
	const char *names[2] = { name, NULL };
	long c = gx_sheet_col(sh, names);

	return c >= 0 ? sh->rows[row].cell[c] : NULL;
}
