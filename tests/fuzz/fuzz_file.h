/*
 * fuzz_file.h - a fuzz input as a file without touching a disk: a memfd (memory-backed
 * file) rewritten for each input and named by its /proc/self/fd path, so that readers
 * that open a path (the TSV, metadata and YAML readers) read it as they read any file.
 */
#ifndef GX_FUZZ_FILE_H
#define GX_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* One file per 'slot' (0..7) for the process's lifetime; returns its path after writing
 * data[0..size) into it (and nothing else), or NULL. */
static inline const char *fuzz_file(int slot, const uint8_t *data, size_t size)
{
	static int fd[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
	static char path[8][64];
	size_t done = 0;

	if (fd[slot] < 0) {
		if ((fd[slot] = memfd_create("gxload-fuzz", MFD_CLOEXEC)) < 0)
			return NULL;
		snprintf(path[slot], sizeof(path[slot]), "/proc/self/fd/%d", fd[slot]);
	}
	if (ftruncate(fd[slot], 0) < 0)
		return NULL;
	while (done < size) {
		ssize_t n = pwrite(fd[slot], data + done, size - done, (off_t)done);
		if (n <= 0)
			return NULL;
		done += (size_t)n;
	}
	return path[slot];
}

#endif
