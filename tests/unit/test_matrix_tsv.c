/* test_matrix_tsv.c - the wide TSV matrix reader through the gx_matrix interface. */
#include "core/buf.h"
#include "core/hash.h"
#include "extract/matrix.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/gxtest_mtxXXXXXX";

static void write_file(const char *data)
{
	FILE *f = fopen(path, "wb");
	fputs(data, f);
	fclose(f);
}

typedef struct col {
	gx_buf out;          /* "gene sample value\n" per cell */
	long batches, cells, stop_after;
	const gx_matrix_info *info;
} col;

static int on_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	col *k = ctx;
	size_t i, ns = k->info->n_samples;
	(void)err;
	k->batches++;
	for (i = 0; i < c->n; i++) {
		size_t g = c->gene ? c->gene[i] : i / ns, s = c->sample ? c->sample[i] : i % ns;
		if (c->missing && c->missing[i])
			gx_buf_printf(&k->out, "%s %s NA\n", c->gene_ids[g], k->info->sample_ids[s]);
		else
			gx_buf_printf(&k->out, "%s %s %.17g\n", c->gene_ids[g], k->info->sample_ids[s],
			              c->value[i]);
		k->cells++;
	}
	return k->stop_after && k->batches >= k->stop_after ? 1 : 0;
}

static int on_genes(void *ctx, size_t n, const char *const *ids, const char *const *sym,
                    gx_err *err)
{
	gx_buf *b = ctx;
	size_t i;
	(void)sym, (void)err;
	for (i = 0; i < n; i++)
		gx_buf_printf(b, "%s\n", ids[i]);
	return 0;
}

static int scan(const gx_matrix_opts *o, gx_matrix **m, col *k, gx_err *err)
{
	int rc;
	memset(k, 0, sizeof *k);
	gx_err_clear(err);
	*m = NULL;
	if ((rc = gx_matrix_open(path, o, m, err)))
		return rc;
	k->info = gx_matrix_info_of(*m);
	return gx_matrix_scan(*m, NULL, on_cells, k, err);
}

static void fails(const char *data, gx_code code, long line, long column, const char *msg)
{
	gx_matrix *m;
	col k;
	gx_err err;
	int rc;
	write_file(data);
	rc = scan(NULL, &m, &k, &err);
	ok(rc < 0 && err.code == code && err.line == line && err.column == column &&
	   strstr(err.msg, msg), "error %d at %ld:%ld '%s' (got %d at %ld:%ld '%s')", code, line,
	   column, msg, err.code, err.line, err.column, err.msg);
	gx_matrix_close(m);
	gx_buf_release(&k.out);
}

int main(void)
{
	gx_matrix *m = NULL;
	gx_matrix_opts o;
	gx_err err;
	col k;
	gx_buf b = { 0 }, genes = { 0 };
	long i;
	int fd = mkstemp(path);

	ok(fd >= 0, "temp file");
	close(fd);

	write_file("Gene\tS2\tS1\nG1\t1.5\t-2\nG2\t0.0\t1e-3\n");
	ok(scan(NULL, &m, &k, &err) == 0, "a small matrix scans");
	is_str(gx_matrix_info_of(m)->format, "tsv", "format tsv");
	ok(k.info->n_samples == 2 && !strcmp(k.info->sample_ids[0], "S2") &&
	   !strcmp(k.info->sample_ids[1], "S1"), "sample ids in column order (unsorted)");
	is_str(k.out.data, "G1 S2 1.5\nG1 S1 -2\nG2 S2 0\nG2 S1 0.001\n", "cells");
	is_int(gx_matrix_info_of(m)->n_genes, 2, "n_genes known after the scan");
	gx_buf_reset(&k.out);
	ok(gx_matrix_scan(m, NULL, on_cells, &k, &err) == 0, "a second scan");
	is_str(k.out.data, "G1 S2 1.5\nG1 S1 -2\nG2 S2 0\nG2 S1 0.001\n", "gives the same cells");
	gx_matrix_close(m);
	gx_buf_release(&k.out);

	write_file("\tS1\nG1\t2\n");
	ok(scan(NULL, &m, &k, &err) == 0 && k.cells == 1, "an empty first header cell (2018 layout)");
	gx_matrix_close(m);
	gx_buf_release(&k.out);
	write_file("ID_REF\tS1\r\nG1\t2\r\n");
	ok(scan(NULL, &m, &k, &err) == 0 && !strcmp(k.out.data, "G1 S1 2\n"), "CRLF and another gene column name");
	gx_matrix_close(m);
	gx_buf_release(&k.out);

	/* many genes: several batches, every gene id intact in its batch */
	gx_buf_puts(&b, "Gene");
	for (i = 0; i < 300; i++)
		gx_buf_printf(&b, "\tS%ld", i);
	gx_buf_putc(&b, '\n');
	for (i = 0; i < 700; i++) {
		long s;
		gx_buf_printf(&b, "ENSG%08ld", i);
		for (s = 0; s < 300; s++)
			gx_buf_printf(&b, "\t%ld.5", i * 1000 + s);
		gx_buf_putc(&b, '\n');
	}
	write_file(b.data);
	ok(scan(NULL, &m, &k, &err) == 0, "700 genes x 300 samples");
	ok(k.batches > 1, "come in several batches (%ld)", k.batches);
	is_int(k.cells, 700 * 300, "every cell once");
	{
		char want[64];
		snprintf(want, sizeof want, "ENSG00000699 S299 699299.5\n");
		ok(strstr(k.out.data, want) != NULL, "the last cell is right");
		ok(strstr(k.out.data, "ENSG00000218 S0 218000.5\n") != NULL, "a cell at a batch start is right");
		ok(strstr(k.out.data, " S0 ") && !strstr(k.out.data, "\n S0"), "no empty gene id in any batch");
	}
	ok(gx_matrix_genes(m, on_genes, &genes, &err) == 0, "gene ids alone");
	{
		long n = 0;
		char *p;
		for (p = genes.data; p && *p; p++)
			n += *p == '\n';
		is_int(n, 700, "the fast gene scan finds every gene");
		ok(!strncmp(genes.data, "ENSG00000000\nENSG00000001\n", 26), "in file order");
	}
	gx_buf_reset(&k.out);
	k.batches = 0;
	k.stop_after = 1;
	is_int(gx_matrix_scan(m, NULL, on_cells, &k, &err), 1, "a callback's non-zero return stops the scan");
	is_int(k.batches, 1, "after one batch");
	gx_matrix_close(m);
	gx_buf_release(&k.out);
	gx_buf_release(&genes);
	gx_buf_release(&b);

	/* quoted gene ids: the fast scan unquotes them like the full parse */
	write_file("Gene\tS1\n\"G\"\"1\"\t1\nG2\t2\n");
	ok(scan(NULL, &m, &k, &err) == 0 && strstr(k.out.data, "G\"1 S1 1"), "a quoted gene id");
	gx_buf_reset(&genes);
	ok(gx_matrix_genes(m, on_genes, &genes, &err) == 0 && !strcmp(genes.data, "G\"1\nG2\n"),
	   "the fast gene scan unquotes it the same way");
	gx_matrix_close(m);
	gx_buf_release(&k.out);
	gx_buf_release(&genes);

	/* missing values only when configured */
	{
		const char *na[] = { "NA", "" };
		memset(&o, 0, sizeof o);
		o.na_values = na;
		o.n_na_values = 2;
		write_file("Gene\tS1\tS2\nG1\tNA\t3\nG2\t\t4\n");
		ok(scan(&o, &m, &k, &err) == 0, "NA and empty cells with extract.na_values");
		is_str(k.out.data, "G1 S1 NA\nG1 S2 3\nG2 S1 NA\nG2 S2 4\n", "flagged missing");
		gx_matrix_close(m);
		gx_buf_release(&k.out);
	}
	{
		/* a token that reads as a number is a missing value too; only the exact text */
		const char *na[] = { "-1" };
		memset(&o, 0, sizeof o);
		o.na_values = na;
		o.n_na_values = 1;
		write_file("Gene\tS1\tS2\nG1\t-1\t-1.0\nG2\t-1\t4\n");
		ok(scan(&o, &m, &k, &err) == 0, "extract.na_values lists a number");
		is_str(k.out.data, "G1 S1 NA\nG1 S2 -1\nG2 S1 NA\nG2 S2 4\n",
		       "cells with exactly that text are missing, -1.0 is a value");
		gx_matrix_close(m);
		gx_buf_release(&k.out);
	}

	/* the 'want' mask skips conversion, not checks */
	write_file("Gene\tS1\tS2\nG1\t1\tbad\n");
	memset(&k, 0, sizeof k);
	ok(gx_matrix_open(path, NULL, &m, &err) == 0, "open");
	k.info = gx_matrix_info_of(m);
	{
		unsigned char want[2] = { 1, 0 };
		ok(gx_matrix_scan(m, want, on_cells, &k, &err) == 0, "an unwanted column is not converted");
		ok(gx_matrix_scan(m, NULL, on_cells, &k, &err) < 0 && err.code == GX_E_NOT_NUMERIC,
		   "but is when wanted");
	}
	gx_matrix_close(m);
	gx_buf_release(&k.out);

	fails("Gene\tS1\tS1\nG1\t1\t2\n", GX_E_DUP_SAMPLE, 1, 3, "duplicate sample column");
	fails("Gene\tS1\nG1\t1\nG2\t2\nG1\t3\n", GX_E_DUP_GENE, 4, 1, "first on line 2");
	fails("Gene\tS1\tS2\nG1\t1\n", GX_E_RAGGED, 2, 3, "expected 3 fields");
	fails("Gene\tS1\nG1\t1,5\n", GX_E_NOT_NUMERIC, 2, 2, "\"1,5\"");
	fails("Gene\tS1\nG1\tInfinity\n", GX_E_NOT_FINITE, 2, 2, "not finite");
	fails("Gene\tS1\n", GX_E_EMPTY, 0, 0, "no gene rows");
	fails("Gene\n", GX_E_NO_SAMPLES, 1, 2, "no sample columns");
	fails("Gene\tS1\n \tG\n", GX_E_EMPTY_ID, 2, 1, "leading or trailing spaces");
	fails("Gene\tS1\nG1\t1\n\nG2\t2\n", GX_E_RAGGED, 3, 0, "empty line inside the matrix");
	write_file("Gene\tS1\nG1\t1\n\n\n");
	ok(scan(NULL, &m, &k, &err) == 0 && k.cells == 1, "empty lines at the end are accepted");
	gx_matrix_close(m);
	gx_buf_release(&k.out);
	unlink(path);
	return tap_done();
}
