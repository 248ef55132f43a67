/* fuzz_h5_10x.c - the HDF5 reader on file images, layout(s) 10x-v3,10x-v2 forced (fuzz_h5.h). */
#include "fuzz_h5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_h5_one(data, size, "10x-v3");
	fuzz_h5_one(data, size, "10x-v2");
	return 0;
}
