/*
 * h5_lzf.c - HDF5 filter 32000 (LZF, as written by h5py and anndata) on top of liblzf.
 *
 * Plain libhdf5 cannot read LZF chunks, and Debian's hdf5-plugin-lzf only loads when
 * liblzf is already in the process, so gxload registers the filter itself.  The chunk
 * format is h5py's: a chunk is the raw output of lzf_compress, or the raw bytes when
 * compression did not pay (the filter is optional, so libhdf5 stores such chunks
 * unfiltered).  cd_values are h5py's {filter revision, LZF version, chunk bytes}; the
 * third, when present, sizes the decompression buffer.
 *
 * Encoding is supported too, so that tests can write LZF fixtures through the C API.
 * Buffers handed to and from libhdf5 are allocated with malloc/free, as libhdf5 frees
 * them itself; they do not go through gx_malloc.
 * Not here: any other filter (gzip and shuffle are built into libhdf5).
 */
#include "extract/h5.h"

#include <errno.h>
#include <lzf.h>
#include <stdlib.h>

#define LZF_FILTER_ID 32000
/* refuse to grow a decompression buffer past this: no sane chunk is larger (h5py: 100 MB) */
#define LZF_MAX_BUF ((size_t)1 << 30)

static size_t lzf_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[],
                         size_t nbytes, size_t *buf_size, void **buf)
{
	void *out = NULL;
	size_t out_size;
	unsigned status = 0;

	if (!(flags & H5Z_FLAG_REVERSE)) {
		/* compress into a buffer as long as the input: if it does not fit, return 0
		 * and libhdf5 keeps this chunk uncompressed (the filter is optional) */
		out_size = nbytes;
		if (nbytes > 0xffffffffu || !(out = malloc(out_size ? out_size : 1)))
			return 0;
		status = lzf_compress(*buf, (unsigned)nbytes, out, (unsigned)out_size);
	} else {
		out_size = cd_nelmts >= 3 && cd_values[2] ? cd_values[2] : *buf_size;
		if (nbytes > 0xffffffffu)
			return 0;
		for (;;) {
			free(out);
			if (out_size > 0xffffffffu || !(out = malloc(out_size ? out_size : 1)))
				return 0;
			status = lzf_decompress(*buf, (unsigned)nbytes, out, (unsigned)out_size);
			if (status)
				break;
			if (errno != E2BIG || out_size >= LZF_MAX_BUF) {
				free(out);
				return 0; /* corrupt data: libhdf5 reports the filter failure */
			}
			out_size = out_size * 2 > LZF_MAX_BUF ? LZF_MAX_BUF : out_size * 2;
		}
	}
	if (!status) {
		free(out);
		return 0;
	}
	free(*buf);
	*buf = out;
	*buf_size = out_size;
	return status;
}

int gx_h5_lzf_register(void)
{
	static const H5Z_class2_t cls = {
		H5Z_CLASS_T_VERS,
		(H5Z_filter_t)LZF_FILTER_ID,
		1, 1,
		"lzf",
		NULL,
		NULL,
		(H5Z_func_t)lzf_filter,
	};

	/* always ours, even when a plugin for 32000 is installed: one behaviour everywhere */
	return H5Zregister(&cls) < 0 ? -1 : 0;
}
