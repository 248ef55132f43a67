/*
 * table.h - a TSV read row by row with its cells found by header name, or held whole
 * (gx_sheet): the labelled files of `gxload rules eval`, `rules explain FILE.tsv` and
 * `rules test`, whose rows of one study are labelled together.
 *
 * The file goes through the loader's own TSV reader (extract/tsv.h), so quoting,
 * encodings and error locations are the loader's.  A row with another number of fields
 * than the header is GX_E_RAGGED; a file without a header row GX_E_HEADER.
 */
#ifndef GX_CMD_TABLE_H
#define GX_CMD_TABLE_H

#include "core/err.h"
#include "extract/tsv.h"

#include <stddef.h>

typedef struct gx_table gx_table;
/* Called for each data row; a non-zero return stops the reading and is returned. */
typedef int (*gx_table_row_fn)(void *ctx, const gx_table *t, gx_err *err);

struct gx_table {
	gx_tsv *tsv;
	char **head;        /* the header's cells */
	size_t nhead;
	char **cell;        /* the current row's cells, nhead of them */
	size_t ncell, cap;
	gx_table_row_fn fn;
	void *ctx;
};

/* Read 'path', calling fn for every row after the header. */
int gx_table_read(const char *path, gx_table_row_fn fn, void *ctx, gx_err *err);

/* Column index of the first of 'names' present (NULL-terminated), or -1. */
long gx_table_col(const gx_table *t, const char *const *names);

/*
 * A TSV held in memory, so that a study's rows can be labelled together: the header and
 * every row with its line number.  Zero it before the first gx_sheet_read.
 */
typedef struct gx_sheet_row {
	char **cell;        /* nhead cells */
	long line;          /* of the row in the file */
} gx_sheet_row;

typedef struct gx_sheet {
	char **head;        /* NULL when the file has no data row */
	size_t nhead;
	gx_sheet_row *rows;
	size_t n, cap;
} gx_sheet;

/* Read 'path' whole into *sh (what it held before is freed first). */
int gx_sheet_read(const char *path, gx_sheet *sh, gx_err *err);
/* Leaves *sh zeroed; accepts a zeroed sheet. */
void gx_sheet_free(gx_sheet *sh);
/* Column index of the first of 'names' present (NULL-terminated), or -1. */
long gx_sheet_col(const gx_sheet *sh, const char *const *names);
/* Row 'row's cell of column 'name', or NULL if there is no such column. */
const char *gx_sheet_cell(const gx_sheet *sh, size_t row, const char *name);

#endif
