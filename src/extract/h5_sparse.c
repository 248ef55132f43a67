/*
 * h5_sparse.c - streams compressed sparse matrices (CSC/CSR: data, indices, indptr).
 *
 * One engine for every sparse layout: the layout says whether indptr walks samples (10x
 * CSC features x barcodes, AnnData CSR) or genes (AnnData CSC), and may map part-local
 * genes and samples to the matrix's (10x multi-genome files, 10x feature types that are
 * not genes).  Stored entries are passed on exactly as stored, explicit zeros included;
 * entries that are not stored are not passed on.
 *
 * Memory is bounded: entries are read in windows of a whole number of the data dataset's
 * chunks (about ENTRY_WINDOW entries), indptr in windows of IPTR_WINDOW entries; the
 * only per-axis table is one uint32 per minor-axis item, used to catch an index stored
 * twice in one row or column (unsorted indices are fine).
 *
 * Checks: at open (gx_h5_sparse_check) shapes, lengths and indptr (starts at 0, never
 * decreases, ends at the number of entries); during the scan every index is in range and
 * not repeated within its row/column, and every value of a wanted sample is finite.
 * Errors name the file and the dataset path.
 */
#include "extract/h5_layout.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

/* entries per read: 256 Ki entries = 2 MiB of doubles plus 2 MiB of indices, enough to
 * amortize a read call, small next to the memory budget */
#define ENTRY_WINDOW 262144
/* never read more than this many entries at once, however large the chunks */
#define ENTRY_WINDOW_MAX 4194304
/* indptr entries per read */
#define IPTR_WINDOW 65536

typedef struct sparse_ds {
	gx_h5_dset data, indices, indptr;
} sparse_ds;

static void ds_close(sparse_ds *ds)
{
	gx_h5_dset_close(&ds->data);
	gx_h5_dset_close(&ds->indices);
	gx_h5_dset_close(&ds->indptr);
}

/* open the three datasets of a part and check their types and lengths */
static int ds_open(gx_h5_layout *L, const gx_h5_part *p, int cache, sparse_ds *ds,
                   gx_err *err)
{
	gx_h5 *h = &L->h;
	size_t n_major = p->major_is_gene ? p->n_genes : p->n_samples;
	int rc;

	memset(ds, 0, sizeof(*ds));
	if ((rc = gx_h5_dset_open(h, p->data, 1, 1, cache, &ds->data, err)) ||
	    (rc = gx_h5_dset_open(h, p->indices, 1, 1, cache, &ds->indices, err)) ||
	    (rc = gx_h5_dset_open(h, p->indptr, 1, 1, cache, &ds->indptr, err)))
		goto fail;
	if ((rc = gx_h5_dset_numeric(h, &ds->data, err)))
		goto fail;
	if (ds->indices.cls != H5T_INTEGER || ds->indptr.cls != H5T_INTEGER) {
		const gx_h5_dset *bad = ds->indices.cls != H5T_INTEGER ? &ds->indices : &ds->indptr;
		rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' does not hold integers", bad->path);
		goto fail;
	}
	if (ds->data.dims[0] != ds->indices.dims[0]) {
		rc = gx_h5_err(h, err, GX_E_HDF5,
		               "shape mismatch: dataset '%s' has %llu entries but '%s' has %llu",
		               p->data, (unsigned long long)ds->data.dims[0], p->indices,
		               (unsigned long long)ds->indices.dims[0]);
		goto fail;
	}
	if (ds->indptr.dims[0] != (hsize_t)n_major + 1) {
		rc = gx_h5_err(h, err, GX_E_HDF5,
		               "shape mismatch: dataset '%s' has %llu entries, expected %zu (one more "
		               "than the %zu %s of the shape in '%s')", p->indptr,
		               (unsigned long long)ds->indptr.dims[0], n_major + 1, n_major,
		               p->major_is_gene ? "genes" : "samples", p->shape_src);
		goto fail;
	}
	if (p->n_genes >= GX_H5_SKIP || p->n_samples >= GX_H5_SKIP) {
		rc = gx_h5_err(h, err, GX_E_TOO_BIG, "'%s': shape (%zu genes, %zu samples) is too "
		               "large", p->shape_src, p->n_genes, p->n_samples);
		goto fail;
	}
	/* every entry the scan will walk is stored in the file */
	if ((rc = gx_h5_dset_stored(h, &ds->indptr, err)) ||
	    (rc = gx_h5_dset_stored(h, &ds->data, err)) ||
	    (rc = gx_h5_dset_stored(h, &ds->indices, err)))
		goto fail;
	return 0;
fail:
	ds_close(ds);
	return rc;
}

int gx_h5_sparse_check(gx_h5_layout *L, const gx_h5_part *p, gx_err *err)
{
	gx_h5 *h = &L->h;
	sparse_ds ds;
	int64_t *ip = NULL, prev = 0;
	hsize_t i0, n, i, n_entries;
	int rc;

	if ((rc = ds_open(L, p, 0, &ds, err)))
		return rc;
	n = ds.indptr.dims[0];
	n_entries = ds.data.dims[0];
	ip = gx_malloc(IPTR_WINDOW * sizeof(*ip));
	if (!ip) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i0 = 0; i0 < n; i0 += IPTR_WINDOW) {
		hsize_t cnt = n - i0 < IPTR_WINDOW ? n - i0 : IPTR_WINDOW;
		if ((rc = gx_h5_read_i64(h, &ds.indptr, i0, cnt, ip, err)))
			goto out;
		for (i = 0; i < cnt; i++) {
			int64_t v = ip[i];
			if (i0 + i == 0 && v != 0) {
				rc = gx_h5_err(h, err, GX_E_HDF5,
				               "dataset '%s', entry 0: indptr starts at %lld, expected 0",
				               p->indptr, (long long)v);
				goto out;
			}
			if (v < prev) {
				rc = gx_h5_err(h, err, GX_E_HDF5,
				               "dataset '%s', entry %llu: indptr is not monotone (%lld after "
				               "%lld)", p->indptr, (unsigned long long)(i0 + i),
				               (long long)v, (long long)prev);
				goto out;
			}
			if ((uint64_t)v > n_entries) {
				rc = gx_h5_err(h, err, GX_E_HDF5,
				               "dataset '%s', entry %llu: indptr value %lld is past the end "
				               "of '%s' (%llu entries)", p->indptr,
				               (unsigned long long)(i0 + i), (long long)v, p->data,
				               (unsigned long long)n_entries);
				goto out;
			}
			prev = v;
		}
	}
	if ((uint64_t)prev != n_entries) {
		rc = gx_h5_err(h, err, GX_E_HDF5,
		               "shape mismatch: dataset '%s' ends at %lld but '%s' has %llu entries",
		               p->indptr, (long long)prev, p->data, (unsigned long long)n_entries);
		goto out;
	}
	L->cells_total += n_entries;
out:
	gx_free(ip);
	ds_close(&ds);
	return rc;
}

/* ---- scan ---- */

typedef struct sparse_scan {
	gx_h5_layout *L;
	const unsigned char *want;
	gx_h5_batch batch;
	uint64_t done;
	/* indptr window of the current part */
	int64_t *ip;
	hsize_t ip0, ipn;
} sparse_scan;

/* indptr[k], reading the window that starts at k when k is not in the current one */
static int ip_at(sparse_scan *s, gx_h5_dset *d, hsize_t k, int64_t *v, gx_err *err)
{
	if (k < s->ip0 || k >= s->ip0 + s->ipn) {
		hsize_t cnt = d->dims[0] - k < IPTR_WINDOW ? d->dims[0] - k : IPTR_WINDOW;
		int rc = gx_h5_read_i64(&s->L->h, d, k, cnt, s->ip, err);
		if (rc)
			return rc;
		s->ip0 = k;
		s->ipn = cnt;
	}
	*v = s->ip[k - s->ip0];
	return 0;
}

static int scan_part(sparse_scan *s, const gx_h5_part *p, gx_err *err)
{
	gx_h5_layout *L = s->L;
	gx_h5 *h = &L->h;
	const int by_gene = p->major_is_gene;
	const size_t n_major = by_gene ? p->n_genes : p->n_samples;
	const size_t n_minor = by_gene ? p->n_samples : p->n_genes;
	sparse_ds ds;
	double *vals = NULL;
	int64_t *idx = NULL;
	void *scratch = NULL;
	uint32_t *stamp = NULL;
	hsize_t n_entries, win, e0, chunk;
	size_t j = 0;
	int64_t lo = 0, hi = 0;
	int rc;

	/* a chunk cache of two chunks: windows are aligned to data's chunks, not always to
	 * those of indices */
	if ((rc = ds_open(L, p, 2, &ds, err)))
		return rc;
	n_entries = ds.data.dims[0];
	if (n_entries == 0)
		goto out; /* nothing stored (and indptr may have a single entry) */
	chunk = ds.data.chunked ? ds.data.chunk[0] : 1;
	win = chunk >= ENTRY_WINDOW ? chunk : (ENTRY_WINDOW / chunk) * chunk;
	if (win > ENTRY_WINDOW_MAX)
		win = ENTRY_WINDOW_MAX;
	if (win > n_entries)
		win = n_entries ? n_entries : 1;
	vals = gx_malloc((size_t)win * sizeof(*vals));
	idx = gx_malloc((size_t)win * sizeof(*idx));
	scratch = gx_malloc((size_t)win * gx_h5_num_size(ds.data.num));
	stamp = gx_calloc(n_minor ? n_minor : 1, sizeof(*stamp));
	if (!vals || !idx || !scratch || !stamp) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	s->ip0 = s->ipn = 0;
	if ((rc = ip_at(s, &ds.indptr, 1, &hi, err)))
		goto out;
	for (e0 = 0; e0 < n_entries; e0 += win) {
		hsize_t cnt = n_entries - e0 < win ? n_entries - e0 : win, k;
		if ((rc = gx_h5_read_f64(h, &ds.data, &e0, &cnt, vals, scratch, err)) ||
		    (rc = gx_h5_read_i64(h, &ds.indices, e0, cnt, idx, err)))
			goto out;
		for (k = 0; k < cnt; k++) {
			hsize_t e = e0 + k;
			int64_t minor = idx[k];
			uint32_t g, smp;
			while ((int64_t)e >= hi) {
				/* the next non-empty row/column; indptr was checked at open, these
				 * guards only keep a file changed since then from misleading us */
				if (++j >= n_major) {
					rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' changed while being "
					               "read", p->indptr);
					goto out;
				}
				lo = hi;
				if ((rc = ip_at(s, &ds.indptr, j + 1, &hi, err)))
					goto out;
				if (hi < lo) {
					rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s', entry %zu: indptr is "
					               "not monotone (%lld after %lld)", p->indptr, j + 1,
					               (long long)hi, (long long)lo);
					goto out;
				}
			}
			if (minor < 0 || (uint64_t)minor >= n_minor) {
				rc = gx_h5_err(h, err, GX_E_HDF5,
				               "dataset '%s', entry %llu: %s index %lld is out of range "
				               "[0, %zu) (shape from '%s')", p->indices,
				               (unsigned long long)e, by_gene ? "sample" : "gene",
				               (long long)minor, n_minor, p->shape_src);
				goto out;
			}
			if (stamp[minor] == (uint32_t)j + 1) {
				rc = gx_h5_err(h, err, GX_E_HDF5,
				               "dataset '%s', entry %llu: %s index %lld is stored twice for "
				               "%s %zu", p->indices, (unsigned long long)e,
				               by_gene ? "sample" : "gene", (long long)minor,
				               by_gene ? "gene" : "sample", j);
				goto out;
			}
			stamp[minor] = (uint32_t)j + 1;
			g = (uint32_t)(by_gene ? j : (size_t)minor);
			smp = (uint32_t)(by_gene ? (size_t)minor : j);
			if (p->gene_map && (g = p->gene_map[g]) == GX_H5_SKIP)
				continue;
			if (p->sample_map && (smp = p->sample_map[smp]) == GX_H5_SKIP)
				continue;
			if (s->want && !s->want[smp])
				continue;
			if (!isfinite(vals[k])) {
				char v[32];
				gx_h5_format_double(vals[k], 0, v, sizeof(v));
				rc = gx_h5_err(h, err, GX_E_NOT_FINITE,
				               "dataset '%s', entry %llu (gene '%s', sample '%s'): value is "
				               "not finite: %s", p->data, (unsigned long long)e,
				               L->gene_ids[g], L->sample_ids[smp], v);
				goto out;
			}
			if ((rc = gx_h5_batch_push(&s->batch, g, smp, vals[k], err)))
				goto out;
		}
		s->done += cnt;
		if (L->opts->progress)
			L->opts->progress(L->opts->progress_ctx, s->done, L->cells_total);
	}
out:
	gx_free(vals);
	gx_free(idx);
	gx_free(scratch);
	gx_free(stamp);
	ds_close(&ds);
	return rc;
}

int gx_h5_scan_sparse(gx_h5_layout *L, const unsigned char *want, gx_cells_fn fn, void *ctx,
                      gx_err *err)
{
	sparse_scan s;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.L = L;
	s.want = want;
	if ((rc = gx_h5_batch_init(&s.batch, L, fn, ctx, err)))
		return rc;
	if (!(s.ip = gx_malloc(IPTR_WINDOW * sizeof(*s.ip))))
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < L->n_parts && !rc; i++)
		rc = scan_part(&s, &L->parts[i], err);
	if (!rc)
		rc = gx_h5_batch_flush(&s.batch, err);
	gx_h5_batch_release(&s.batch);
	gx_free(s.ip);
	return rc;
}
