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
 * or non-UTF-8 gene id; a duplicate gene id (unless opts.allow_dup_genes); a cell that is not a decimal number or is
 * not finite; an empty line followed by more data; a file with no gene rows.
 */
#include "extract/matrix.h"
#include "extract/tsv.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"
#include "core/num.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* cells per batch: 64 Ki doubles = 512 KiB, far below the memory budget, large enough
 * that the per-batch work of the caller (a database round trip at most) is amortized */
#define BATCH_CELLS 65536
/* files up to this size are parsed in the caller's thread: one read of tsv.c's, the
 * reader thread would have nothing to overlap with */
#define SYNC_BYTES (256u << 10)
#define MAX_ID_BYTES 512

/* One batch of rows: filled by the reader thread, passed to the callback. */
typedef struct batch {
	double *values;
	unsigned char *missing;
	size_t batch_missing;
	gx_buf ids;             /* gene ids of the batch, NUL-separated */
	size_t *id_off;
	const char **id_ptr;
	size_t r;               /* rows in the batch */
	size_t row0;            /* data rows before the batch's first */
} batch;

typedef struct tsv_impl {
	gx_tsv *t;
	char **samples;
	size_t n_samples;
	/* header parsing */
	gx_hset hdr_seen;

	/* scan state, owned by the reader thread while it runs */
	const unsigned char *want;
	unsigned char *deliver; /* per field: gene id and the wanted samples */
	size_t rows_per_batch;
	batch b[2];
	int cur;                /* the batch being filled */
	long row_index;         /* 0 = header */
	long blank_line;        /* first empty line seen, 0 if none */
	long data_rows;
	gx_hset genes;          /* gene hash -> line, for duplicates */
	int allow_dups;         /* opts.allow_dup_genes: repeated ids are passed on */
	const char *const *na;
	size_t n_na;
	/* hand-off between the reader thread and the caller's (under mu) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int sync_ok;            /* mu and cv are initialized */
	int ready[2];           /* batch i is full, waiting for the callback */
	int stop;               /* the callback stopped the scan */
	int done;               /* the reader finished (its result in rd_rc, rd_err) */
	int rd_rc;
	gx_err rd_err;
	uint64_t offset;        /* bytes read, for progress */
	/* a small file is parsed in the caller's thread, batches delivered as they fill */
	int sync;
	gx_matrix *m;
	gx_cells_fn fn;
	void *ctx;
	gx_err *cb_err;
	int cb_rc;              /* the callback's result in sync mode */
} tsv_impl;

static int deliver(tsv_impl *im, batch *b, uint64_t offset, gx_err *err);

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

static void batch_release(batch *b)
{
	gx_free(b->values);
	gx_free(b->missing);
	gx_buf_release(&b->ids);
	gx_free(b->id_off);
	gx_free(b->id_ptr);
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
	batch_release(&im->b[0]);
	batch_release(&im->b[1]);
	gx_free(im->deliver);
	if (im->sync_ok) {
		pthread_cond_destroy(&im->cv);
		pthread_mutex_destroy(&im->mu);
	}
	gx_free(im);
	m->impl = NULL;
}

/* the fallback: readers[] (matrix.c) asks the HDF5 probe first, and what is not HDF5 is
 * read as TSV; the file is not opened a second time to say so */
static int tsv_probe(const char *path, gx_err *err)
{
	(void)path;
	(void)err;
	return 1;
}

/* the reader's progress hook: remember how far it is; the caller's thread reports it */
static void reader_progress(void *ctx, uint64_t done, uint64_t total)
{
	tsv_impl *im = ctx;
	(void)total;
	pthread_mutex_lock(&im->mu);
	im->offset = done;
	pthread_mutex_unlock(&im->mu);
}

static int tsv_open(gx_matrix *m, const char *path, const gx_matrix_opts *opts, gx_err *err)
{
	tsv_impl *im = gx_calloc(1, sizeof(*im));
	int rc;

	if (!im)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	m->impl = im;
	if (pthread_mutex_init(&im->mu, NULL)) {
		rc = gx_err_set(err, GX_E_NOMEM, "cannot create a mutex");
		goto fail;
	}
	if (pthread_cond_init(&im->cv, NULL)) {
		pthread_mutex_destroy(&im->mu);
		rc = gx_err_set(err, GX_E_NOMEM, "cannot create a condition variable");
		goto fail;
	}
	im->sync_ok = 1;
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
	im->allow_dups = opts->allow_dup_genes;
	m->info.format = "tsv";
	m->info.n_samples = im->n_samples;
	m->info.sample_ids = (const char *const *)im->samples;
	m->info.n_genes = -1;
	m->info.bytes = gx_tsv_size(im->t);
	m->info.sparse = 0;
	gx_tsv_set_progress(im->t, reader_progress, im);
	return 0;
fail:
	tsv_close(m);
	return rc;
}

/* ---- scan ---- */

/*
 * The batch being filled is full (or the last one): hand it to the caller's thread and
 * go on with the other one once the callback is done with it.  GX_TSV_STOP if the
 * callback stopped the scan.
 */
static int hand_off(tsv_impl *im, int last)
{
	int next = im->cur ^ 1, stop;

	if (im->sync) {
		/* no reader thread: the callback takes the batch now, the same one is refilled */
		batch *b = &im->b[im->cur];
		if ((im->cb_rc = deliver(im, b, gx_tsv_offset(im->t), im->cb_err)))
			return GX_TSV_STOP;
		b->r = 0;
		b->batch_missing = 0;
		gx_buf_reset(&b->ids);
		return 0;
	}

	pthread_mutex_lock(&im->mu);
	im->ready[im->cur] = 1;
	pthread_cond_broadcast(&im->cv);
	while (!last && im->ready[next] && !im->stop)
		pthread_cond_wait(&im->cv, &im->mu);
	stop = im->stop;
	pthread_mutex_unlock(&im->mu);
	if (stop)
		return GX_TSV_STOP;
	if (!last) {
		batch *b = &im->b[next];
		b->r = 0;
		b->batch_missing = 0;
		gx_buf_reset(&b->ids); /* only now: the callback has seen its ids */
		im->cur = next;
	}
	return 0;
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
	batch *b = &im->b[im->cur];
	size_t col = gx_tsv_field(im->t), cell, i;
	char q[160];
	int rc;

	if (im->row_index == 0)
		return 0;
	if (col == 0) {
		if ((rc = id_check(im->t, err, "gene id", s, len)))
			return rc;
		b->id_off[b->r] = b->ids.len;
		if (gx_buf_append(&b->ids, s, len + 1) < 0) /* keeps the NUL */
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		return 0;
	}
	if (col > im->n_samples)
		return 0; /* counted; the row end reports the ragged row */
	cell = b->r * im->n_samples + (col - 1);
	b->missing[cell] = 0; /* unwanted samples' fields do not come here (tsv_scan) */
	/* a listed token is a missing value, also one that reads as a number ("-1") */
	for (i = 0; i < im->n_na; i++) {
		if (strlen(im->na[i]) == len && !memcmp(im->na[i], s, len)) {
			b->missing[cell] = 1;
			b->batch_missing++;
			return 0;
		}
	}
	switch (gx_parse_double(s, len, &b->values[cell])) {
	case GX_NUM_OK:
		return 0;
	case GX_NUM_OVERFLOW:
		return gx_tsv_error(im->t, err, GX_E_NOT_FINITE,
		                    "value is too large for a double (sample '%s'): %s",
		                    im->samples[col - 1], gx_err_quote(s, len, q, sizeof(q)));
	case GX_NUM_SYNTAX:
		break;
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
	batch *b = &im->b[im->cur];
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
	gene = b->ids.data + b->id_off[b->r];
	rc = im->allow_dups ? 1 : gx_hset_put(&im->genes, gx_gene_hash(gene, strlen(gene)),
	                                      (uint64_t)line, &prev);
	if (rc < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (rc == 0) {
		char q[160];
		return gx_err_at(err, GX_E_DUP_GENE, gx_tsv_path(im->t), line, 1,
		                 "duplicate gene id %s (first on line %llu)",
		                 gx_err_quote(gene, strlen(gene), q, sizeof(q)),
		                 (unsigned long long)prev);
	}
	if (b->r == 0)
		b->row0 = (size_t)im->data_rows;
	im->data_rows++;
	if (++b->r == im->rows_per_batch)
		return hand_off(im, 0);
	return 0;
}

/* The reader thread: parse the whole file into batches (see hand_off). */
static void *reader(void *arg)
{
	tsv_impl *im = arg;
	int rc = gx_tsv_run(im->t, scan_field, scan_row, im, &im->rd_err);

	if (!rc && im->b[im->cur].r)
		rc = hand_off(im, 1);
	if (!rc && im->data_rows == 0)
		rc = gx_err_at(&im->rd_err, GX_E_EMPTY, gx_tsv_path(im->t), 0, 0,
		               "the matrix has a header but no gene rows");
	pthread_mutex_lock(&im->mu);
	im->rd_rc = rc;
	im->done = 1;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
	return NULL;
}

/* Pass a full batch to the scan's callback, then the progress; the callback's result. */
static int deliver(tsv_impl *im, batch *b, uint64_t offset, gx_err *err)
{
	gx_matrix *m = im->m;
	gx_cells c;
	size_t k;
	int rc;

	for (k = 0; k < b->r; k++)
		b->id_ptr[k] = b->ids.data + b->id_off[k];
	memset(&c, 0, sizeof(c));
	c.n_genes = b->r;
	c.gene_ids = b->id_ptr;
	c.gene_row0 = b->row0;
	c.n = b->r * im->n_samples;
	c.value = b->values;
	c.missing = b->batch_missing ? b->missing : NULL;
	rc = im->fn(im->ctx, &c, err);
	if (!rc && m->opts.progress)
		m->opts.progress(m->opts.progress_ctx, offset, m->info.bytes);
	return rc;
}

static int batch_alloc(batch *b, size_t rows, size_t cells)
{
	if (!b->values) {
		b->values = gx_calloc(cells, sizeof(*b->values));
		b->missing = gx_calloc(cells, 1);
		b->id_off = gx_calloc(rows, sizeof(*b->id_off));
		b->id_ptr = gx_calloc(rows, sizeof(*b->id_ptr));
	}
	return b->values && b->missing && b->id_off && b->id_ptr ? 0 : -1;
}

/*
 * Parsing runs in a reader thread, one batch ahead of the callback, which runs here in
 * the caller's thread: on two cores the callback's work (hashes, digests, encoding for
 * the database) overlaps with the tokenizing and number conversion of the next rows.
 * The callback sees the batches in file order, and a reader error arrives after the
 * batches before it, exactly as from a plain loop.
 */
static int tsv_scan(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
                    gx_err *err)
{
	tsv_impl *im = m->impl;
	size_t cells;
	int rc = 0, next = 0, i;
	pthread_t th;
	sigset_t block, old;

	im->rows_per_batch = BATCH_CELLS / im->n_samples;
	/* a row takes at least a byte per field: a small file gets small batches (the
	 * batches are sized once per matrix; a file that grew meanwhile only hands more
	 * of them over) */
	if (im->rows_per_batch > m->info.bytes / (im->n_samples + 1) + 1)
		im->rows_per_batch = (size_t)(m->info.bytes / (im->n_samples + 1)) + 1;
	if (im->rows_per_batch == 0)
		im->rows_per_batch = 1;
	cells = im->rows_per_batch * im->n_samples;
	if (batch_alloc(&im->b[0], im->rows_per_batch, cells) ||
	    batch_alloc(&im->b[1], im->rows_per_batch, cells) ||
	    (!im->deliver && !(im->deliver = gx_malloc(im->n_samples + 1))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < 2; i++) {
		batch *b = &im->b[i];
		if (want) {
			/* the fields of unwanted samples are split and counted, never converted;
			 * their cells stay 0.0 and not missing for the whole scan */
			memset(b->values, 0, cells * sizeof(*b->values));
			memset(b->missing, 0, cells);
		}
		b->r = 0;
		b->batch_missing = 0;
		gx_buf_reset(&b->ids);
		im->ready[i] = 0;
	}
	if (want) {
		im->deliver[0] = 1;
		memcpy(im->deliver + 1, want, im->n_samples);
		gx_tsv_set_fields(im->t, im->deliver, im->n_samples + 1);
	} else {
		gx_tsv_set_fields(im->t, NULL, 0);
	}
	im->want = want;
	im->cur = 0;
	im->stop = im->done = 0;
	im->rd_rc = 0;
	gx_err_clear(&im->rd_err);
	im->offset = 0;
	im->row_index = 0;
	im->blank_line = 0;
	im->data_rows = 0;
	gx_hset_clear(&im->genes);

	im->m = m;
	im->fn = fn;
	im->ctx = ctx;
	im->cb_err = err;
	im->cb_rc = 0;
	/* a file within one read of the reader: no thread, nothing to overlap with */
	im->sync = m->info.bytes <= SYNC_BYTES;
	if (im->sync) {
		reader(im);
		if (im->cb_rc)
			return im->cb_rc; /* the callback's error, or its request to stop */
		if (im->rd_rc) {
			if (err)
				*err = im->rd_err;
			return im->rd_rc;
		}
		m->info.n_genes = im->data_rows;
		return 0;
	}
	/* signals stay with the caller's thread, which polls them */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	i = pthread_create(&th, NULL, reader, im);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (i)
		return gx_err_set(err, GX_E_NOMEM, "cannot start a reader thread: %s", strerror(i));
	for (;;) {
		batch *b = &im->b[next];
		uint64_t offset;

		pthread_mutex_lock(&im->mu);
		while (!im->ready[next] && !im->done)
			pthread_cond_wait(&im->cv, &im->mu);
		if (!im->ready[next]) {
			pthread_mutex_unlock(&im->mu);
			break; /* the reader is done and every batch was seen */
		}
		offset = im->offset;
		pthread_mutex_unlock(&im->mu);
		rc = deliver(im, b, offset, err);
		pthread_mutex_lock(&im->mu);
		im->ready[next] = 0;
		if (rc)
			im->stop = 1;
		pthread_cond_broadcast(&im->cv);
		pthread_mutex_unlock(&im->mu);
		if (rc)
			break;
		next ^= 1;
	}
	pthread_join(th, NULL);
	if (rc)
		return rc; /* the callback's error, or its request to stop */
	if (im->rd_rc) {
		if (err)
			*err = im->rd_err;
		return im->rd_rc;
	}
	m->info.n_genes = im->data_rows;
	return 0;
}

/* ---- gene ids only ---- */

#define GENES_BATCH 4096

typedef struct genes_batch {
	gx_buf ids;
	size_t off[GENES_BATCH];
	const char *ptr[GENES_BATCH];
	size_t n;
} genes_batch;

static int genes_flush(genes_batch *gb, gx_genes_fn fn, void *ctx, gx_err *err)
{
	size_t i;
	int rc;

	if (!gb->n)
		return 0;
	for (i = 0; i < gb->n; i++)
		gb->ptr[i] = gb->ids.data + gb->off[i];
	rc = fn(ctx, gb->n, gb->ptr, NULL, err);
	gb->n = 0;
	gx_buf_reset(&gb->ids);
	return rc;
}

/*
 * The first field of every line after the header, found with memchr instead of a full
 * parse: tens of milliseconds for a matrix that takes a second to parse.  A quoted gene
 * id is unquoted ("" -> "); anything this shortcut gets wrong is caught later, because
 * the loader resolves any gene it has not seen here when the full scan meets it.
 */
static int tsv_genes(gx_matrix *m, gx_genes_fn fn, void *ctx, gx_err *err)
{
	enum { CHUNK = 256 << 10 };
	genes_batch *gb = gx_calloc(1, sizeof(*gb));
	char *buf = gx_malloc(CHUNK), id[MAX_ID_BYTES + 1];
	size_t idlen = 0;
	int fd, rc = 0, in_id = 1, skip = 1, quoted = 0, too_long = 0;
	long line = 1;

	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (!gb || !buf || fd < 0) {
		rc = fd < 0 ? gx_err_at(err, GX_E_IO, m->path, 0, 0, "cannot open: %s", strerror(errno))
		            : gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		char *p, *end;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = gx_err_at(err, GX_E_IO, m->path, line, 0, "read error: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		p = buf;
		end = buf + n;
		while (p < end) {
			if (!in_id) {
				char *nl = memchr(p, '\n', (size_t)(end - p));
				if (!nl)
					break;
				p = nl + 1;
				line++;
				in_id = 1;
				idlen = 0;
				quoted = 0;
				too_long = 0;
				continue;
			}
			if (idlen == 0 && !quoted && *p == '"') {
				quoted = 1;
				p++;
				continue;
			}
			if (quoted == 1 && *p == '"') {
				quoted = 2; /* closing quote, or the first of "" */
				p++;
				continue;
			}
			if (quoted == 2 && *p == '"') {
				quoted = 1;
			} else if ((quoted != 1) && (*p == '\t' || *p == '\n')) {
				while (idlen && id[idlen - 1] == '\r')
					idlen--;
				if (!skip && idlen && !too_long) {
					if (gx_buf_append(&gb->ids, id, idlen) < 0 ||
					    gx_buf_putc(&gb->ids, '\0') < 0) {
						rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
						goto out;
					}
					gb->off[gb->n] = gb->ids.len - idlen - 1;
					if (++gb->n == GENES_BATCH && (rc = genes_flush(gb, fn, ctx, err)))
						goto out;
				}
				skip = 0; /* the header line is skipped */
				in_id = 0;
				if (*p == '\t')
					p++;
				continue;
			} else if (quoted == 2) {
				quoted = 0;
			}
			if (idlen < MAX_ID_BYTES)
				id[idlen++] = *p;
			else
				too_long = 1;
			p++;
		}
	}
	rc = genes_flush(gb, fn, ctx, err);
out:
	if (fd >= 0)
		close(fd);
	if (gb)
		gx_buf_release(&gb->ids);
	gx_free(gb);
	gx_free(buf);
	return rc;
}

const gx_matrix_reader gx_matrix_tsv_reader = {
	.name = "tsv",
	.probe = tsv_probe,
	.open = tsv_open,
	.scan = tsv_scan,
	.genes = tsv_genes,
	.close = tsv_close,
};
