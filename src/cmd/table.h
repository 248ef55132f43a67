/*
 * table.h - a TSV read row by row with its cells found by header name: the labelled
 * files of `gxload rules eval`, `rules explain FILE.tsv` and `rules test`.
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

#endif
