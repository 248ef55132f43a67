/* fuzz_matrix_tsv.c - the TSV matrix reader on arbitrary bytes: no crash, no leak; a
 * failure carries a code and the file; a success delivers only finite values, for
 * exactly the header's samples, and the same cells on a second scan.  The input is a
 * memfd (fuzz_file.h), not a file on disk. */
#include "fuzz.h"
#include "fuzz_file.h"
#include "extract/matrix.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct acc {
	size_t n;
	double sum;
	size_t ns;
} acc;

static int on_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	acc *a = ctx;
	size_t i;
	(void)err;
	for (i = 0; i < c->n; i++) {
		if (c->missing && c->missing[i])
			continue;
		if (!isfinite(c->value[i]))
			abort();
		if (c->sample && c->sample[i] >= a->ns)
			abort();
		a->n++;
		a->sum += c->value[i];
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(0, data, size);
	gx_matrix_opts o;
	gx_matrix *m = NULL;
	gx_err err;
	acc a1, a2;
	const char *na[1] = { "NA" };

	if (!path)
		return 0;
	memset(&o, 0, sizeof o);
	o.na_values = na;
	o.n_na_values = 1;
	o.max_field_bytes = 4096;
	gx_err_clear(&err);
	if (gx_matrix_open(path, &o, &m, &err) == 0) {
		memset(&a1, 0, sizeof a1);
		a1.ns = gx_matrix_info_of(m)->n_samples;
		a2 = a1;
		if (gx_matrix_scan(m, NULL, on_cells, &a1, &err) == 0) {
			if (gx_matrix_scan(m, NULL, on_cells, &a2, &err) != 0 || a1.n != a2.n ||
			    memcmp(&a1.sum, &a2.sum, sizeof a1.sum))
				abort(); /* a second scan must give the same cells */
		} else if (err.code == 0) {
			abort();
		}
		gx_matrix_close(m);
	} else if (err.code == 0 || m != NULL) {
		abort();
	}
	return 0;
}
