/*
 * analyze_feed.c - the analysis's values taken from the load's own scan (see feed.h).
 *
 * The analysis after a load (analyze_run.c) needs the study's log2 values gene by gene;
 * reading them back from the database the load has just written cost far more than the
 * statistics (docs/PERFORMANCE.md).  A load that writes every fact of the study (a full
 * load: load.c decides) hands each fact it writes to the feed as well - the sample (its
 * index in the run's samples), the gene key and the log2 value, the very triple of the
 * fact row - so the feed holds exactly what the study's facts hold.
 *
 * The scan's cells come gene by gene (TSV, dense HDF5) or sample by sample (10x, CSR
 * h5ad).  The feed keeps one row of the run's samples for the gene being fed, every
 * position at its default until fed (0 for a sample of a sparse matrix: a value it does
 * not store is a measured zero; NaN, missing, otherwise), and when the gene changes:
 *   - a gene fed for the first time: the row is appended to the rows file at its slot
 *     (genes are numbered as they first come, so the file is written front to back);
 *   - a gene fed before (cells that come sample by sample): its new values go to the
 *     spill file as (slot, sample, value) records, gathered per block of slots.
 * pipe_feed_rows then reads a block of rows at a time (FEED_BLOCK bytes), applies the
 * block's records, and hands each gene's whole row to the caller (analyze_data.c), which
 * places it by gene id and cohort as it places the facts read from the database.
 * Memory: two rows and a row of indexes of the run's samples, about 36 bytes a gene, the
 * spill buffers (at most about FEED_SPILL_MEM) and, at the end, one block; the values
 * themselves are in the two files.
 * Does not: decide when it is used, know cohorts or gene ids, or know SQL.
 */
#include "pipeline/feed.h"
#include "pipeline/analysis.h"
#include "core/mem.h"
#include "core/signals.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* rows gathered at a time at the end: an eighth of the load's 64 MB */
#define FEED_BLOCK ((size_t)8 << 20)
/* the spill buffers of all blocks together, at most (a block's own: 64 to 4096 records) */
#define FEED_SPILL_MEM ((size_t)2 << 20)
/* the rows file is written through a buffer of this size (or one row, if larger) */
#define FEED_OUT ((size_t)1 << 20)

typedef struct feed_rec {
	uint32_t slot, pos;
	double v;
} feed_rec;

typedef struct feed_chunk {
	uint64_t off;
	size_t n;
} feed_chunk;

/* The spilled records of one block of slots: a buffer, then chunks in the spill file. */
typedef struct feed_block {
	feed_rec *buf;
	size_t n;
	feed_chunk *chunks;
	size_t n_chunks, cap_chunks;
} feed_block;

struct pipe_feed {
	size_t N;                   /* positions: the run's samples */
	int32_t *sample_key;        /* per position */
	double *dflt, *row;         /* per position: its default; the current gene's row */
	uint32_t *touched;          /* positions the current gene was fed at */
	size_t nt;
	int have_cur, cur_old;      /* a current gene; fed before */
	int32_t cur_key;
	size_t cur_slot;
	gx_hset slot_of;            /* gene key -> slot */
	int32_t *slot_key;          /* slot -> gene key */
	size_t n_slots, cap_slots;
	int rows_fd;                /* slot-major rows */
	char *out;                  /* its write buffer */
	size_t out_n, out_cap;
	uint64_t out_off;           /* where the buffer goes */
	int spill_fd;               /* -1 until a gene comes back */
	uint64_t spill_off;
	size_t R;                   /* slots per block */
	size_t bcap;                /* records per block buffer */
	feed_block *blocks;
	size_t n_blocks;
	uint64_t cells;
};

static int pread_all(int fd, void *buf, size_t n, uint64_t off, gx_err *err)
{
	char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return gx_err_set(err, GX_E_IO, "cannot read the analysis scratch file: %s",
			                  r < 0 ? strerror(errno) : "short file");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

void pipe_feed_free(pipe_feed *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_blocks; i++) {
		gx_free(f->blocks[i].buf);
		gx_free(f->blocks[i].chunks);
	}
	gx_free(f->blocks);
	if (f->rows_fd >= 0)
		close(f->rows_fd);
	if (f->spill_fd >= 0)
		close(f->spill_fd);
	gx_hset_release(&f->slot_of);
	gx_free(f->slot_key);
	gx_free(f->out);
	gx_free(f->touched);
	gx_free(f->row);
	gx_free(f->dflt);
	gx_free(f->sample_key);
	gx_free(f);
}

int pipe_feed_new(size_t n, const int32_t *keys, const unsigned char *sparse,
                  size_t gene_hint, pipe_feed **out, gx_err *err)
{
	pipe_feed *f = gx_calloc(1, sizeof(*f));
	size_t i, rowb, nb;

	*out = NULL;
	if (!f)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	f->rows_fd = f->spill_fd = -1;
	f->N = n;
	if (f->N > UINT32_MAX) {
		pipe_feed_free(f);
		return gx_err_set(err, GX_E_INTERNAL, "%zu samples are too many for the analysis",
		                  f->N);
	}
	rowb = (f->N ? f->N : 1) * sizeof(double);
	f->R = FEED_BLOCK / rowb ? FEED_BLOCK / rowb : 1;
	nb = (gene_hint + f->R - 1) / f->R;
	f->bcap = FEED_SPILL_MEM / sizeof(feed_rec) / (nb ? nb : 1);
	f->bcap = f->bcap < 64 ? 64 : f->bcap > 4096 ? 4096 : f->bcap;
	f->out_cap = rowb > FEED_OUT ? rowb : FEED_OUT;
	f->sample_key = gx_calloc(f->N + 1, sizeof(*f->sample_key));
	f->dflt = gx_calloc(f->N + 1, sizeof(double));
	f->row = gx_calloc(f->N + 1, sizeof(double));
	f->touched = gx_calloc(f->N + 1, sizeof(*f->touched));
	f->out = gx_malloc(f->out_cap);
	if (!f->sample_key || !f->dflt || !f->row || !f->touched || !f->out) {
		pipe_feed_free(f);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < f->N; i++) {
		f->sample_key[i] = keys[i];
		f->dflt[i] = f->row[i] = sparse[i] ? 0.0 : NAN;
	}
	if ((f->rows_fd = an_scratch_open("feed", err)) < 0) {
		pipe_feed_free(f);
		return -GX_E_IO;
	}
	*out = f;
	return 0;
}

static int out_flush(pipe_feed *f, gx_err *err)
{
	int rc = pipe_pwrite_all(f->rows_fd, f->out, f->out_n, f->out_off, err);

	f->out_off += f->out_n;
	f->out_n = 0;
	return rc;
}

static int block_flush(pipe_feed *f, feed_block *b, gx_err *err)
{
	int rc;

	if (!b->n)
		return 0;
	if (f->spill_fd < 0 && (f->spill_fd = an_scratch_open("feed", err)) < 0)
		return -GX_E_IO;
	if (b->n_chunks == b->cap_chunks) {
		size_t cap = b->cap_chunks ? 2 * b->cap_chunks : 16;
		feed_chunk *c = gx_reallocarray(b->chunks, cap, sizeof(*c));

		if (!c)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		b->chunks = c;
		b->cap_chunks = cap;
	}
	if ((rc = pipe_pwrite_all(f->spill_fd, b->buf, b->n * sizeof(feed_rec), f->spill_off, err)))
		return rc;
	b->chunks[b->n_chunks].off = f->spill_off;
	b->chunks[b->n_chunks++].n = b->n;
	f->spill_off += b->n * sizeof(feed_rec);
	b->n = 0;
	return 0;
}

/* The value of a gene fed before goes to its block's records. */
static int spill(pipe_feed *f, size_t slot, uint32_t pos, double v, gx_err *err)
{
	size_t bi = slot / f->R;
	feed_block *b;

	if (bi >= f->n_blocks) {
		feed_block *nb = gx_reallocarray(f->blocks, bi + 1, sizeof(*nb));

		if (!nb)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		memset(nb + f->n_blocks, 0, (bi + 1 - f->n_blocks) * sizeof(*nb));
		f->blocks = nb;
		f->n_blocks = bi + 1;
	}
	b = &f->blocks[bi];
	if (!b->buf && !(b->buf = gx_malloc(f->bcap * sizeof(feed_rec))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	b->buf[b->n].slot = (uint32_t)slot;
	b->buf[b->n].pos = pos;
	b->buf[b->n++].v = v;
	return b->n == f->bcap ? block_flush(f, b, err) : 0;
}

/* The current gene's values written (a new gene's whole row, a returning one's records),
 * and its row back to the defaults. */
static int flush_cur(pipe_feed *f, gx_err *err)
{
	size_t i, rowb = f->N * sizeof(double);
	int rc = 0;

	if (!f->have_cur)
		return 0;
	if (!f->cur_old) {
		if (f->out_n + rowb > f->out_cap && (rc = out_flush(f, err)))
			return rc;
		memcpy(f->out + f->out_n, f->row, rowb);
		f->out_n += rowb;
	} else {
		for (i = 0; i < f->nt && !rc; i++)
			rc = spill(f, f->cur_slot, f->touched[i], f->row[f->touched[i]], err);
	}
	for (i = 0; i < f->nt; i++)
		f->row[f->touched[i]] = f->dflt[f->touched[i]];
	f->nt = 0;
	f->have_cur = 0;
	return rc;
}

/* Cells of another gene than the current one: it becomes current. */
static int feed_gene(pipe_feed *f, int32_t gene, gx_err *err)
{
	uint64_t v;
	int rc;

	if ((rc = flush_cur(f, err)))
		return rc;
	if (gx_hset_get(&f->slot_of, (uint64_t)(uint32_t)gene, &v)) {
		f->cur_slot = (size_t)v;
		f->cur_old = 1;
	} else {
		if (f->n_slots == f->cap_slots) {
			size_t cap = f->cap_slots ? 2 * f->cap_slots : 1024;
			int32_t *k = gx_reallocarray(f->slot_key, cap, sizeof(*k));

			if (!k)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			f->slot_key = k;
			f->cap_slots = cap;
		}
		if (f->n_slots >= UINT32_MAX ||
		    gx_hset_put(&f->slot_of, (uint64_t)(uint32_t)gene, f->n_slots, NULL) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		f->slot_key[f->n_slots] = gene;
		f->cur_slot = f->n_slots++;
		f->cur_old = 0;
	}
	f->cur_key = gene;
	f->have_cur = 1;
	return 0;
}

int pipe_feed_put(pipe_feed *f, size_t ix, int32_t gene, double log2v, gx_err *err)
{
	int rc;

	if ((!f->have_cur || gene != f->cur_key) && (rc = feed_gene(f, gene, err)))
		return rc;
	if (f->nt == f->N || ix >= f->N)
		return gx_err_set(err, GX_E_INTERNAL, "the analysis was fed gene key %ld of sample "
		                  "%zu twice", (long)gene, ix);
	f->row[ix] = log2v;
	f->touched[f->nt++] = (uint32_t)ix;
	f->cells++;
	return 0;
}

int pipe_feed_end(pipe_feed *f, gx_err *err)
{
	size_t i;
	int rc;

	if ((rc = flush_cur(f, err)) || (rc = out_flush(f, err)))
		return rc;
	for (i = 0; i < f->n_blocks; i++) {
		if ((rc = block_flush(f, &f->blocks[i], err)))
			return rc;
		gx_free(f->blocks[i].buf);
		f->blocks[i].buf = NULL;
	}
	return 0;
}

const int32_t *pipe_feed_samples(const pipe_feed *f, size_t *n)
{
	*n = f->N;
	return f->sample_key;
}

uint64_t pipe_feed_cells(const pipe_feed *f)
{
	return f->cells;
}

/* The records of block bi applied to its rows, blk (slots s0 ..). */
static int apply_block(const pipe_feed *f, size_t bi, size_t s0, double *blk, feed_rec *rb,
                       gx_err *err)
{
	const feed_block *b = bi < f->n_blocks ? &f->blocks[bi] : NULL;
	size_t c, i;
	int rc;

	for (c = 0; b && c < b->n_chunks; c++) {
		if ((rc = pread_all(f->spill_fd, rb, b->chunks[c].n * sizeof(feed_rec),
		                    b->chunks[c].off, err)))
			return rc;
		for (i = 0; i < b->chunks[c].n; i++)
			blk[(rb[i].slot - s0) * f->N + rb[i].pos] = rb[i].v;
	}
	return 0;
}

int pipe_feed_rows(const pipe_feed *f, pipe_feed_row_fn fn, void *ctx, gx_err *err)
{
	size_t per = f->R < f->n_slots ? f->R : f->n_slots, s0, k;
	double *blk = gx_malloc((per ? per : 1) * (f->N ? f->N : 1) * sizeof(double));
	feed_rec *rb = gx_malloc(f->bcap * sizeof(feed_rec));
	int rc = 0;

	if (!blk || !rb)
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (s0 = 0; s0 < f->n_slots && !rc; s0 += f->R) {
		size_t cnt = f->n_slots - s0 < f->R ? f->n_slots - s0 : f->R;

		if ((rc = gx_check_interrupt(err)) ||
		    (rc = pread_all(f->rows_fd, blk, cnt * f->N * sizeof(double),
		                    (uint64_t)s0 * f->N * sizeof(double), err)) ||
		    (rc = apply_block(f, s0 / f->R, s0, blk, rb, err)))
			break;
		for (k = 0; k < cnt && !rc; k++)
			rc = fn(ctx, f->slot_key[s0 + k], blk + k * f->N, err);
	}
	gx_free(blk);
	gx_free(rb);
	return rc;
}
