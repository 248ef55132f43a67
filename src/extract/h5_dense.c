/*
 * h5_dense.c - streams a dense 2-D matrix dataset (Loom, AnnData dense X, ARCHS4).
 *
 * The dataset is (genes, samples) or (samples, genes).  It is read in blocks aligned to
 * its chunks so that each chunk is decompressed once:
 *   - when a band of one chunk of genes across all samples fits in BLOCK_CELLS, a block
 *     is a whole number of such bands (all samples), and cells are passed on dense,
 *     row-major by gene (gx_cells.gene == NULL) if all samples fit in one batch;
 *   - otherwise a block is one chunk of genes by as many chunks of samples as fit, and
 *     cells are passed with explicit gene and sample indices.
 * Contiguous datasets count as chunked by whole rows.  Memory: a block of doubles plus
 * its raw copy (and a transposed copy for (samples, genes) datasets passed dense), about
 * 12 MiB at most, whatever the file size.
 *
 * Every cell is passed on, zeros included.  Values of wanted samples must be finite
 * (GX_E_NOT_FINITE naming the row and column); cells of unwanted samples are 0.0 in dense
 * batches and left out of indexed ones, as the TSV reader does.
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

/* cells per block: 512 Ki doubles = 4 MiB */
#define BLOCK_CELLS 524288
/* a block never grows past this, even when one chunk is larger (then chunks are read in
 * parts, served by a chunk cache sized to one chunk) */
#define BLOCK_MAX 4194304

int gx_h5_dense_check(gx_h5_layout *L, gx_err *err)
{
	gx_h5 *h = &L->h;
	gx_h5_dset d;
	hsize_t want0 = L->dense_genes_are_rows ? L->n_genes : L->n_samples;
	hsize_t want1 = L->dense_genes_are_rows ? L->n_samples : L->n_genes;
	int rc;

	if ((rc = gx_h5_dset_open(h, L->dense, 2, 2, 0, &d, err)))
		return rc;
	if ((rc = gx_h5_dset_numeric(h, &d, err)))
		goto out;
	if (d.dims[0] != want0 || d.dims[1] != want1) {
		rc = gx_h5_err(h, err, GX_E_HDF5,
		               "shape mismatch: dataset '%s' is %llu x %llu, expected %llu x %llu "
		               "(%zu genes from '%s', %zu samples from '%s')", L->dense,
		               (unsigned long long)d.dims[0], (unsigned long long)d.dims[1],
		               (unsigned long long)want0, (unsigned long long)want1, L->n_genes,
		               L->gene_src ? L->gene_src : "?", L->n_samples,
		               L->sample_src ? L->sample_src : "the column count");
		goto out;
	}
	/* every cell the scan will walk is stored in the file */
	if ((rc = gx_h5_dset_stored(h, &d, err)))
		goto out;
	L->cells_total = (uint64_t)L->n_genes * L->n_samples;
out:
	gx_h5_dset_close(&d);
	return rc;
}

/* rows g0.. of gene-major values covering all samples, in batches of whole genes */
static int emit_dense(gx_h5_batch *s, size_t g0, size_t gcnt, const double *gm,
                      gx_err *err)
{
	gx_h5_layout *L = s->L;
	size_t per = GX_H5_BATCH / L->n_samples, r;
	int rc;

	for (r = 0; r < gcnt; r += per) {
		size_t rows = gcnt - r < per ? gcnt - r : per;
		gx_cells c;
		memset(&c, 0, sizeof(c));
		c.n_genes = rows;
		c.gene_ids = (const char *const *)L->gene_ids + g0 + r;
		c.gene_row0 = g0 + r;
		c.gene_symbols = L->gene_symbols ? (const char *const *)L->gene_symbols + g0 + r
		                                 : NULL;
		c.n = rows * L->n_samples;
		c.value = gm + r * L->n_samples;
		s->batches++;
		if ((rc = s->fn(s->ctx, &c, err)))
			return rc;
	}
	return 0;
}

static int not_finite(gx_h5_layout *L, size_t g, size_t smp, double v, gx_err *err)
{
	char t[32];
	size_t row = L->dense_genes_are_rows ? g : smp, col = L->dense_genes_are_rows ? smp : g;

	gx_h5_format_double(v, 0, t, sizeof(t));
	return gx_h5_err(&L->h, err, GX_E_NOT_FINITE,
	                 "dataset '%s', row %zu, column %zu (gene '%s', sample '%s'): value is not "
	                 "finite: %s", L->dense, row, col, L->gene_ids[g], L->sample_ids[smp], t);
}

int gx_h5_scan_dense(gx_h5_layout *L, const unsigned char *want, gx_cells_fn fn, void *ctx,
                     gx_err *err)
{
	gx_h5 *h = &L->h;
	const int rows_genes = L->dense_genes_are_rows;
	const size_t G = L->n_genes, S = L->n_samples;
	gx_h5_batch s;
	gx_h5_dset d;
	size_t gchunk, schunk, gb, sb, g0, s0;
	double *vals = NULL, *gm = NULL;
	void *scratch = NULL;
	uint64_t done = 0;
	int dense_out, rc;

	memset(&s, 0, sizeof(s));
	s.L = L;
	s.fn = fn;
	s.ctx = ctx;
	if ((rc = gx_h5_dset_open(h, L->dense, 2, 2, 1, &d, err)))
		return rc;
	if ((rc = gx_h5_dset_numeric(h, &d, err)))
		goto out;
	gchunk = (size_t)d.chunk[rows_genes ? 0 : 1];
	schunk = (size_t)d.chunk[rows_genes ? 1 : 0];
	if (gchunk > G)
		gchunk = G;
	if (schunk > S)
		schunk = S;
	if (S * gchunk <= BLOCK_CELLS) {
		gb = (BLOCK_CELLS / (S * gchunk)) * gchunk;
		sb = S;
	} else {
		gb = gchunk;
		sb = (BLOCK_CELLS / gb / schunk) * schunk;
		if (sb == 0)
			sb = schunk;
	}
	if (gb > G)
		gb = G;
	if (sb > S)
		sb = S;
	while (gb * sb > BLOCK_MAX) {
		if (gb >= sb)
			gb = (gb + 1) / 2;
		else
			sb = (sb + 1) / 2;
	}
	dense_out = sb == S && S <= GX_H5_BATCH;
	vals = gx_malloc(gb * sb * sizeof(*vals));
	scratch = gx_malloc(gb * sb * gx_h5_num_size(d.num));
	if (dense_out && !rows_genes)
		gm = gx_malloc(gb * sb * sizeof(*gm));
	if (!dense_out && (rc = gx_h5_batch_init(&s, L, fn, ctx, err)))
		goto out;
	if (!vals || !scratch || (dense_out && !rows_genes && !gm)) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (g0 = 0; g0 < G; g0 += gb) {
		size_t gcnt = G - g0 < gb ? G - g0 : gb;
		for (s0 = 0; s0 < S; s0 += sb) {
			size_t scnt = S - s0 < sb ? S - s0 : sb, gi, si;
			hsize_t start[2], count[2];
			if (rows_genes) {
				start[0] = g0; start[1] = s0; count[0] = gcnt; count[1] = scnt;
			} else {
				start[0] = s0; start[1] = g0; count[0] = scnt; count[1] = gcnt;
			}
			if ((rc = gx_h5_read_f64(h, &d, start, count, vals, scratch, err)))
				goto out;
			/* check, and blank unwanted samples in dense output */
			for (gi = 0; gi < gcnt; gi++) {
				for (si = 0; si < scnt; si++) {
					double *v = rows_genes ? &vals[gi * scnt + si] : &vals[si * gcnt + gi];
					if (want && !want[s0 + si]) {
						*v = 0.0;
						continue;
					}
					if (!isfinite(*v)) {
						rc = not_finite(L, g0 + gi, s0 + si, *v, err);
						goto out;
					}
				}
			}
			if (dense_out) {
				const double *rowsrc = vals;
				if (!rows_genes) {
					for (si = 0; si < scnt; si++)
						for (gi = 0; gi < gcnt; gi++)
							gm[gi * scnt + si] = vals[si * gcnt + gi];
					rowsrc = gm;
				}
				if ((rc = emit_dense(&s, g0, gcnt, rowsrc, err)))
					goto out;
			} else {
				size_t outer = rows_genes ? gcnt : scnt, inner = rows_genes ? scnt : gcnt, a, b;
				for (a = 0; a < outer; a++) {
					for (b = 0; b < inner; b++) {
						size_t gi2 = rows_genes ? a : b, si2 = rows_genes ? b : a;
						if (want && !want[s0 + si2])
							continue;
						rc = gx_h5_batch_push(&s, (uint32_t)(g0 + gi2), (uint32_t)(s0 + si2),
						                      vals[a * inner + b], err);
						if (rc)
							goto out;
					}
				}
			}
			done += (uint64_t)gcnt * scnt;
			if (L->opts->progress)
				L->opts->progress(L->opts->progress_ctx, done, L->cells_total);
		}
	}
	if (!dense_out)
		rc = gx_h5_batch_flush(&s, err);
out:
	gx_free(vals);
	gx_free(gm);
	gx_free(scratch);
	gx_h5_batch_release(&s);
	gx_h5_dset_close(&d);
	return rc;
}
