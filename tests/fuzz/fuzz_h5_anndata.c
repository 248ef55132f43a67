/* fuzz_h5_anndata.c - the HDF5 reader on file images, layout(s) h5ad forced (fuzz_h5.h). */
#include "fuzz_h5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_h5_one(data, size, "h5ad");
	return 0;
}
