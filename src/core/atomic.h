/*
 * atomic.h - write a whole file or leave the old one: the redis way.
 *
 * The data goes to a temporary file beside the target (same directory, so that the
 * rename stays on one file system), which is flushed to disk (fsync), then renamed over
 * the target, then the directory is flushed so that the rename survives a crash.  A
 * reader sees the old file or the new one, never a part; a failure at any step removes
 * the temporary file and leaves the target as it was.
 */
#ifndef GX_ATOMIC_H
#define GX_ATOMIC_H

#include "core/err.h"

#include <stddef.h>

/*
 * Replace 'path' with 'len' bytes of 'data', mode 0644 (before the umask).  The
 * temporary file is "<path>.tmp.<pid>": a collector that reads "*.prom" files never
 * picks it up.  0, or GX_E_IO naming the path and the step that failed.
 */
int gx_file_write_atomic(const char *path, const void *data, size_t len, gx_err *err);

#endif
