/* fuzz.h - the entry point every fuzz target defines (libFuzzer's, also used by AFL++
 * and by tests/fuzz/replay.c). */
#ifndef GX_FUZZ_H
#define GX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
