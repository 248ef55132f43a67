/*
 * fuzz_h5_proc.c - gxload's own HDF5 path on arbitrary files: gx_matrix_open on a file,
 * which detects HDF5 and reads it in a reader process (extract/h5_proc.c), as a load
 * does.  The in-process targets (fuzz_h5.h) find faults in gxload's HDF5 code; this one
 * checks the promise the reader process makes whatever libhdf5 does with a damaged file
 * (crash, endless loop, a huge allocation): the calling process never crashes, a failure
 * carries a code and the file's name, a success passes the same checks of its cells as
 * the in-process targets (fuzz_h5.h's fuzz_h5_cells) and gives the same cells on a second
 * scan, and no reader process is left behind.
 *
 * The fuzzer sees the coverage of this process only (the reader's is in the child), so
 * it explores the messages between the two rather than libhdf5; its corpus starts from
 * the other HDF5 targets' seeds and tests/fuzz/crashers/h5/.  The input is a file in a
 * temporary directory: the reader closes every descriptor it inherits, a memfd included.
 * The last check (no child process left) needs libFuzzer's -print_funcs=0
 * (tests/fuzz/options/h5_proc): printing new functions starts a symbolizer process.
 */
#include "fuzz_h5.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* the input as a file of its own, rewritten for each input */
static const char *input_file(const uint8_t *data, size_t size)
{
	static char path[4096];
	FILE *f;

	if (!path[0]) {
		const char *tmp = getenv("TMPDIR");
		char dir[4000];
		snprintf(dir, sizeof(dir), "%s/gxload-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			return NULL;
		snprintf(path, sizeof(path), "%s/input.h5", dir);
	}
	if (!(f = fopen(path, "wb")))
		return NULL;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return NULL;
	}
	if (fclose(f))
		return NULL;
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = input_file(data, size);
	gx_matrix_opts o;
	gx_matrix *m = NULL;
	gx_err err;
	fuzz_h5_acc a1, a2;

	if (!path)
		return 0;
	memset(&o, 0, sizeof o);
	o.max_field_bytes = 4096;
	o.h5_idle_s = 3; /* libhdf5 loops on some damaged files: the reader is killed after 3 s */
	gx_err_clear(&err);
	if (gx_matrix_open(path, &o, &m, &err) == 0) {
		const gx_matrix_info *in = gx_matrix_info_of(m);
		size_t i;
		if (!in->n_samples)
			abort();
		for (i = 0; i < in->n_samples; i++)
			if (!in->sample_ids[i] || !in->sample_ids[i][0])
				abort();
		memset(&a1, 0, sizeof a1);
		a1.ns = in->n_samples;
		a2 = a1;
		if (gx_matrix_scan(m, NULL, fuzz_h5_cells, &a1, &err) == 0) {
			if (gx_matrix_scan(m, NULL, fuzz_h5_cells, &a2, &err) != 0 || a1.n != a2.n ||
			    a1.genes != a2.genes || memcmp(&a1.sum, &a2.sum, sizeof a1.sum))
				abort(); /* a second scan gives the same cells */
		} else if (err.code == 0 || strcmp(err.file, path)) {
			abort();
		}
		gx_matrix_close(m);
	} else if (m != NULL || err.code == 0 || strcmp(err.file, path)) {
		abort();
	}
	/* the reader process was reaped by the close or the failed open */
	errno = 0;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		abort();
	return 0;
}
