/*
 * fuzz_h5.h - the HDF5 reader on arbitrary file images, in this process (libhdf5 through
 * the core driver, no file, no reader process: gx_matrix_open_h5_image), one layout
 * forced per target so that an image that no longer looks like its layout still reaches
 * that layout's code.  Oracles: no crash in gxload's code, no leak, no HDF5 object left
 * open after the close; a failure carries a code, the image's name and no matrix; a
 * success has unique non-empty sample ids, and two scans give the same finite cells with
 * gene and sample indexes in range; the gene table is the one of the batches.
 *
 * libhdf5 1.10 leaks on three paths of a damaged file: the strings it converted into its
 * own conversion buffer when a later string of the same read fails (H5T__conv_vlen under
 * H5D__scatgath_read; the strings that reached gxload's buffers are freed,
 * tests/unit/test_h5_hostile.c), the layout message of a dataset whose open fails
 * (H5D__layout_oh_read under H5Oopen), and a metadata cache entry (object header, heap)
 * that fails to load (H5C_protect): those are suppressed for LeakSanitizer, which needs
 * whole stacks to match them (libhdf5 has no frame pointers: fast_unwind_on_malloc=0).
 * An object gxload leaves open is not one of them: the object count after the close is
 * checked below.  libhdf5 asks malloc for whatever size a damaged header claims: a
 * failed allocation is an error it reports (allocator_may_return_null=1, as in a
 * release build), and the reader process runs under a memory limit.
 * Crashes and endless loops inside libhdf5 itself are what gxload's reader process is for
 * (docs/RELIABILITY.md lists those the fuzzers found; tests/fuzz/crashers/h5/ holds some,
 * which t0405 loads through the reader process).
 */
#ifndef GX_FUZZ_H5_H
#define GX_FUZZ_H5_H

#include "fuzz.h"
#include "extract/matrix.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:H5T__conv_vlen\nleak:H5D__layout_oh_read\nleak:H5C_protect\n";
}

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0:allocator_may_return_null=1";
}

typedef struct fuzz_h5_acc {
	size_t ns, n;
	double sum;
	uint64_t genes;   /* a hash of the gene ids, in order of first use */
} fuzz_h5_acc;

static int fuzz_h5_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	fuzz_h5_acc *a = ctx;
	size_t i;

	(void)err;
	if ((c->gene == NULL) != (c->sample == NULL))
		abort();
	if (!c->gene && (!c->n_genes || c->n != c->n_genes * a->ns))
		abort(); /* dense: whole rows of every sample */
	for (i = 0; i < c->n_genes; i++)
		if (!c->gene_ids[i] || !c->gene_ids[i][0])
			abort();
	for (i = 0; i < c->n; i++) {
		size_t g = c->gene ? c->gene[i] : i / a->ns, s = c->sample ? c->sample[i] : i % a->ns;
		if (g >= c->n_genes || s >= a->ns)
			abort();
		if (c->missing && c->missing[i])
			continue;
		if (!isfinite(c->value[i]))
			abort(); /* every value passed on is finite */
		a->n++;
		a->sum += c->value[i];
		a->genes = a->genes * 31 + g;
	}
	return 0;
}

static inline void fuzz_h5_one(const uint8_t *data, size_t size, const char *layout)
{
	gx_matrix_opts o;
	gx_matrix *m = NULL;
	gx_err err;

	memset(&o, 0, sizeof(o));
	o.max_field_bytes = 4096;
	gx_err_clear(&err);
	if (gx_matrix_open_h5_image("fuzz.h5", data, size, layout, &o, &m, &err) == 0) {
		const gx_matrix_info *in = gx_matrix_info_of(m);
		fuzz_h5_acc a1, a2;
		size_t i;
		if (!in->n_samples)
			abort();
		for (i = 0; i < in->n_samples; i++)
			if (!in->sample_ids[i] || !in->sample_ids[i][0])
				abort();
		memset(&a1, 0, sizeof(a1));
		a1.ns = in->n_samples;
		a2 = a1;
		gx_err_clear(&err);
		if (gx_matrix_scan(m, NULL, fuzz_h5_cells, &a1, &err) == 0) {
			if (gx_matrix_scan(m, NULL, fuzz_h5_cells, &a2, &err) != 0 || a1.n != a2.n ||
			    a1.genes != a2.genes || memcmp(&a1.sum, &a2.sum, sizeof(a1.sum)))
				abort(); /* a second scan gives the same cells */
		} else if (err.code == 0 || strcmp(err.file, "fuzz.h5")) {
			abort();
		}
		gx_matrix_close(m);
	} else if (m != NULL || err.code == 0) {
		abort();
	}
	/* every object of the image was closed with it */
	if (H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) != 0)
		abort();
}

#endif
