/*
 * matrix_tsv.c - the wide TSV matrix reader (refine.bio's <ACCESSION>.tsv).
 *
 * Layout: a header row "<gene column name>\t<sample id>\t..." (the first cell is "Gene"
 * in current downloads, empty in 2018 ones, anything else is accepted as the gene
 * column's name), then one row per gene: the gene id and one decimal value per sample.
 * Samples are columns in no particular order and are read by name.
 *
 * Streaming: rows are parsed into a batch of at most BATCH_CELLS values and pushed to the
 * caller, so memory is O(samples), independent of the number of genes, except for the
 * duplicate-gene check, which keeps a 64-bit hash and the line number of each gene id
 * (about 32 bytes per gene).
 *
 * Checks (all fail the scan with the file, line and column): header missing or with an
 * empty or duplicate sample id; a row with the wrong number of fields; an empty, padded
 * or non-UTF-8 gene id; a duplicate gene id; a cell that is not a decimal number or is
 * not finite; an empty line followed by more data; a file with no gene rows.
 */
#include "extract/matrix.h"
#include "extract/tsv.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"
#include "core/num.h"

#include <string.h>
#include <strings.h>

/* cells per batch: 64 Ki doubles = 512 KiB, far below the memory budget, large enough
 * that the per-batch work of the caller (a database round trip at most) is amortized */
#define BATCH_CELLS 65536
#define MAX_ID_BYTES 512

typedef struct tsv_impl {
	gx_tsv *t;
	char **samples;
	size_t n_samples;
	/* header parsing */
	gx_hset hdr_seen;

	/* scan state */
	const unsigned char *want;
	gx_cells_fn fn;
	void *ctx;
	size_t rows_per_batch;
	double *values;
	unsigned char *missing;
	size_t batch_missing;
	gx_buf ids;             /* gene ids of the batch, NUL-separated */
	size_t *id_off;
	const char **id_ptr;
	size_t r;               /* rows in the batch */
	long row_index;         /* 0 = header */
	long blank_line;        /* first empty line seen, 0 if none */
	long data_rows;
	int batches;
	gx_hset genes;          /* gene hash -> line, for duplicates */
	const char *const *na;
	size_t n_na;
} tsv_impl;

static int id_check(gx_tsv *t, gx_err *err, const char *what, const char *s, size_t len)
{
	char q[160];
	size_t bad;

	if (len == 0)
		return gx_tsv_error(t, err, GX_E_EMPTY_ID, "empty %s", what);
	if (len > MAX_ID_BYTES)
		return gx_tsv_error(t, err, GX_E_TOO_BIG, "%s is longer than %d bytes: %s", what,
		                    MAX_ID_BYTES, gx_err_quote(s, len, q, sizeof(q)));
	if (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t')
		return gx_tsv_error(t, err, GX_E_EMPTY_ID, "%s has leading or trailing spaces: %s",
		                    what, gx_err_quote(s, len, q, sizeof(q)));
	if (!gx_utf8_valid(s, len, &bad))
		return gx_tsv_error(t, err, GX_E_ENCODING, "%s is not valid UTF-8 (byte %zu): %s",
		                    what, bad + 1, gx_err_quote(s, len, q, sizeof(q)));
	for (bad = 0; bad < len; bad++)
		if ((unsigned char)s[bad] < 0x20)
			return gx_tsv_error(t, err, GX_E_ENCODING, "%s contains a control character: %s",
			                    what, gx_err_quote(s, len, q, sizeof(q)));
	return 0;
}

/* ---- header ---- */

static int hdr_field(void *vctx, const char *s, size_t len, gx_err *err)
{
	gx_matrix *m = vctx;
	tsv_impl *im = m->impl;
	size_t col = gx_tsv_field(im->t);
	char **p;
	uint64_t prev;
	int rc;

	if (col == 0)
		return 0; /* the gene column's name: anything, including empty */
	if ((rc = id_check(im->t, err, "sample id", s, len)))
		return rc;
	rc = gx_hset_put(&im->hdr_seen, gx_gene_hash(s, len), col, &prev);
	if (rc < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (rc == 0) {
		char q[160];
		return gx_tsv_error(im->t, err, GX_E_DUP_SAMPLE,
		                    "duplicate sample column %s (also column %llu)",
		                    gx_err_quote(s, len, q, sizeof(q)), (unsigned long long)prev + 1);
	}
	p = gx_reallocarray(im->samples, im->n_samples + 1, sizeof(*p));
	if (!p)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	im->samples = p;
	if (!(p[im->n_samples] = gx_strndup(s, len)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	im->n_samples++;
	return 0;
}

static int hdr_row(void *vctx, size_t nfields, gx_err *err)
{
	gx_matrix *m = vctx;
	tsv_impl *im = m->impl;

	if (nfields == 0)
		return gx_tsv_error(im->t, err, GX_E_HEADER, "the header line is empty");
	if (im->n_samples == 0)
		return gx_tsv_error(im->t, err, GX_E_NO_SAMPLES,
		                    "the header has no sample columns (expected 'Gene<TAB>sample...')");
	return GX_TSV_STOP;
}

static void tsv_close(gx_matrix *m)
{
	tsv_impl *im = m->impl;
	size_t i;

	if (!im)
		return;
	gx_tsv_close(im->t);
	for (i = 0; i < im->n_samples; i++)
		gx_free(im->samples[i]);
	gx_free(im->samples);
	gx_hset_release(&im->hdr_seen);
	gx_hset_release(&im->genes);
	gx_free(im->values);
	gx_free(im->missing);
	gx_buf_release(&im->ids);
	gx_free(im->id_off);
	gx_free(im->id_ptr);
	gx_free(im);
	m->impl = NULL;
}

static int tsv_probe(const char *path, gx_err *err)
{
	(void)err;
	return !gx_matrix_is_hdf5(path);
}

static int tsv_open(gx_matrix *m, const char *path, const gx_matrix_opts *opts, gx_err *err)
{
	tsv_impl *im = gx_calloc(1, sizeof(*im));
	int rc;

	if (!im)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	m->impl = im;
	if ((rc = gx_tsv_open(path, opts->max_field_bytes, &im->t, err)))
		goto fail;
	rc = gx_tsv_run(im->t, hdr_field, hdr_row, m, err);
	if (rc < 0)
		goto fail;
	if (rc != GX_TSV_STOP) {
		rc = gx_err_at(err, GX_E_HEADER, path, 1, 0, "no header line");
		goto fail;
	}
	gx_hset_release(&im->hdr_seen);
	im->na = opts->na_values;
	im->n_na = opts->n_na_values;
	m->info.format = "tsv";
	m->info.n_samples = im->n_samples;
	m->info.sample_ids = (const char *const *)im->samples;
	m->info.n_genes = -1;
	m->info.bytes = gx_tsv_size(im->t);
	m->info.sparse = 0;
	if (opts->progress)
		gx_tsv_set_progress(im->t, opts->progress, opts->progress_ctx);
	return 0;
fail:
	tsv_close(m);
	return rc;
}

/* ---- scan ---- */

static int emit(tsv_impl *im, gx_err *err)
{
	gx_cells c;
	size_t i;
	int rc;

	if (im->r == 0)
		return 0;
	for (i = 0; i < im->r; i++)
		im->id_ptr[i] = im->ids.data + im->id_off[i];
	memset(&c, 0, sizeof(c));
	c.n_genes = im->r;
	c.gene_ids = im->id_ptr;
	c.n = im->r * im->n_samples;
	c.value = im->values;
	c.missing = im->batch_missing ? im->missing : NULL;
	im->batches++;
	rc = im->fn(im->ctx, &c, err);
	im->r = 0;
	im->batch_missing = 0;
	gx_buf_reset(&im->ids); /* only now: gene_ids point into it during the callback */
	return rc;
}

static int is_nonfinite_word(const char *s, size_t len)
{
	static const char *const words[] = { "nan", "+nan", "-nan", "inf", "+inf", "-inf",
	                                     "infinity", "+infinity", "-infinity", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == len && !strncasecmp(s, words[i], len))
			return 1;
	return 0;
}

static int scan_field(void *vctx, const char *s, size_t len, gx_err *err)
{
	tsv_impl *im = vctx;
	size_t col = gx_tsv_field(im->t), cell;
	char q[160];
	int rc;

	if (im->row_index == 0)
		return 0;
	if (col == 0) {
		if ((rc = id_check(im->t, err, "gene id", s, len)))
			return rc;
		im->id_off[im->r] = im->ids.len;
		if (gx_buf_append(&im->ids, s, len + 1) < 0) /* keeps the NUL */
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		return 0;
	}
	if (col > im->n_samples)
		return 0; /* counted; the row end reports the ragged row */
	cell = im->r * im->n_samples + (col - 1);
	im->missing[cell] = 0;
	if (im->want && !im->want[col - 1]) {
		im->values[cell] = 0.0;
		return 0;
	}
	switch (gx_parse_double(s, len, &im->values[cell])) {
	case GX_NUM_OK:
		return 0;
	case GX_NUM_OVERFLOW:
		return gx_tsv_error(im->t, err, GX_E_NOT_FINITE,
		                    "value is too large for a double (sample '%s'): %s",
		                    im->samples[col - 1], gx_err_quote(s, len, q, sizeof(q)));
	case GX_NUM_SYNTAX:
		break;
	}
	{
		size_t i;
		for (i = 0; i < im->n_na; i++) {
			if (strlen(im->na[i]) == len && !memcmp(im->na[i], s, len)) {
				im->missing[cell] = 1;
				im->batch_missing++;
				return 0;
			}
		}
	}
	if (is_nonfinite_word(s, len))
		return gx_tsv_error(im->t, err, GX_E_NOT_FINITE,
		                    "value is not finite (sample '%s'): %s", im->samples[col - 1],
		                    gx_err_quote(s, len, q, sizeof(q)));
	return gx_tsv_error(im->t, err, GX_E_NOT_NUMERIC,
	                    "value is not a number (sample '%s'): %s%s", im->samples[col - 1],
	                    gx_err_quote(s, len, q, sizeof(q)),
	                    len == 0 && !im->n_na ? " (empty cells are only accepted when "
	                    "extract.na_values lists \"\")" : "");
}

static int scan_row(void *vctx, size_t nfields, gx_err *err)
{
	tsv_impl *im = vctx;
	long line = gx_tsv_line(im->t);
	uint64_t prev;
	const char *gene;
	int rc;

	if (nfields == 0) {
		if (!im->blank_line)
			im->blank_line = line;
		return 0;
	}
	if (im->row_index++ == 0)
		return 0; /* header, checked at open */
	if (im->blank_line)
		return gx_err_at(err, GX_E_RAGGED, gx_tsv_path(im->t), im->blank_line, 0,
		                 "empty line inside the matrix");
	if (nfields != im->n_samples + 1)
		return gx_err_at(err, GX_E_RAGGED, gx_tsv_path(im->t), line,
		                 (long)(nfields < im->n_samples + 1 ? nfields + 1 : im->n_samples + 2),
		                 "expected %zu fields (gene id and %zu samples), got %zu",
		                 im->n_samples + 1, im->n_samples, nfields);
	gene = im->ids.data + im->id_off[im->r];
	rc = gx_hset_put(&im->genes, gx_gene_hash(gene, strlen(gene)), (uint64_t)line, &prev);
	if (rc < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (rc == 0) {
		char q[160];
		return gx_err_at(err, GX_E_DUP_GENE, gx_tsv_path(im->t), line, 1,
		                 "duplicate gene id %s (first on line %llu)",
		                 gx_err_quote(gene, strlen(gene), q, sizeof(q)),
		                 (unsigned long long)prev);
	}
	im->data_rows++;
	if (++im->r == im->rows_per_batch)
		return emit(im, err);
	return 0;
}

static int tsv_scan(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
                    gx_err *err)
{
	tsv_impl *im = m->impl;
	size_t cells;
	int rc;

	im->rows_per_batch = BATCH_CELLS / im->n_samples;
	if (im->rows_per_batch == 0)
		im->rows_per_batch = 1;
	cells = im->rows_per_batch * im->n_samples;
	if (!im->values) {
		im->values = gx_calloc(cells, sizeof(*im->values));
		im->missing = gx_calloc(cells, 1);
		im->id_off = gx_calloc(im->rows_per_batch, sizeof(*im->id_off));
		im->id_ptr = gx_calloc(im->rows_per_batch, sizeof(*im->id_ptr));
		if (!im->values || !im->missing || !im->id_off || !im->id_ptr)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	im->want = want;
	im->fn = fn;
	im->ctx = ctx;
	im->r = 0;
	im->batch_missing = 0;
	im->row_index = 0;
	im->blank_line = 0;
	im->data_rows = 0;
	im->batches = 0;
	gx_buf_reset(&im->ids);
	gx_hset_clear(&im->genes);

	rc = gx_tsv_run(im->t, scan_field, scan_row, im, err);
	if (rc < 0)
		return rc;
	if ((rc = emit(im, err)))
		return rc;
	if (im->data_rows == 0)
		return gx_err_at(err, GX_E_EMPTY, gx_tsv_path(im->t), 0, 0,
		                 "the matrix has a header but no gene rows");
	m->info.n_genes = im->data_rows;
	return 0;
}

const gx_matrix_reader gx_matrix_tsv_reader = {
	.name = "tsv",
	.probe = tsv_probe,
	.open = tsv_open,
	.scan = tsv_scan,
	.close = tsv_close,
};
