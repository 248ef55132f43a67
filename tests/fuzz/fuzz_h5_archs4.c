/* fuzz_h5_archs4.c - the HDF5 reader on file images, layout(s) dense-h5 forced (fuzz_h5.h). */
#include "fuzz_h5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_h5_one(data, size, "dense-h5");
	return 0;
}
