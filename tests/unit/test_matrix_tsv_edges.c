/*
 * test_matrix_tsv_edges.c - the TSV matrix reader where one byte decides: a CR followed by
 * another CR is a lone CR (an error), not a line end; a cell that is only the start of an
 * extract.na_values token is not missing but not a number; a gene id with a trailing
 * space is refused (ids are compared byte for byte with other files and the database).
 * Each case is checked for its error code and position, from a real file.
 */
#include "extract/matrix.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[] = "/tmp/gxtest_mtxedgeXXXXXX";

static int cells_seen;

static int on_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	(void)ctx, (void)err;
	cells_seen += (int)c->n;
	return 0;
}

/* open and scan 'data' with these NA tokens; 0 or the error (err filled) */
static int load(const char *data, const char *const *na, size_t n_na, gx_err *err)
{
	gx_matrix_opts o;
	gx_matrix *m = NULL;
	FILE *f = fopen(path, "wb");
	int rc;

	fputs(data, f);
	fclose(f);
	memset(&o, 0, sizeof(o));
	o.na_values = na;
	o.n_na_values = n_na;
	o.max_field_bytes = 1 << 20;
	gx_err_clear(err);
	cells_seen = 0;
	if ((rc = gx_matrix_open(path, &o, &m, err)))
		return rc;
	rc = gx_matrix_scan(m, NULL, on_cells, NULL, err);
	gx_matrix_close(m);
	return rc;
}

static void fails(const char *name, const char *data, const char *const *na, size_t n_na,
                  gx_code code, long line, long column, const char *msg)
{
	gx_err err;
	int rc = load(data, na, n_na, &err);

	ok(rc == -(int)code && err.code == code && err.line == line && err.column == column &&
	   strstr(err.msg, msg), "%s: error %d at %ld:%ld '%s' (got %d at %ld:%ld '%s')", name,
	   (int)code, line, column, msg, (int)err.code, err.line, err.column, err.msg);
}

int main(void)
{
	static const char *const na[] = { "NA" };
	gx_err err;
	int fd = mkstemp(path);

	ok(fd >= 0, "temp file");
	close(fd);

	/* the baseline: CRLF lines and an NA token are fine */
	is_int(load("Gene\tS1\tS2\r\nG1\t1\tNA\r\nG2\t2\t3\r\n", na, 1, &err), 0, "CRLF and NA load");
	is_int(cells_seen, 4, "four cells (one of them missing)");

	fails("CR CR LF", "Gene\tS1\nG1\t1\r\r\nG2\t2\n", NULL, 0, GX_E_LONE_CR, 2, 0,
	      "carriage return not followed by a line feed");
	fails("'N' where 'NA' is the token", "Gene\tS1\tS2\nG1\t1\tN\n", na, 1, GX_E_NOT_NUMERIC, 2, 3,
	      "value is not a number (sample 'S2'): \"N\"");
	fails("'' where 'NA' is the token", "Gene\tS1\tS2\nG1\t1\t\n", na, 1, GX_E_NOT_NUMERIC, 2, 3,
	      "value is not a number");
	fails("a gene id with a trailing space", "Gene\tS1\nG1 \t1\n", NULL, 0, GX_E_EMPTY_ID, 2, 1,
	      "gene id has leading or trailing spaces");
	fails("a sample id with a trailing space", "Gene\tS1 \tS2\nG1\t1\t2\n", NULL, 0, GX_E_EMPTY_ID,
	      1, 2, "sample id has leading or trailing spaces");
	unlink(path);
	return tap_done();
}
