/*
 * tmpdir.h - a scratch directory for unit tests that read files.
 *
 *   if (tmp_init()) ...;  tmp_write("a.yaml", "...");  load(tmp_path("a.yaml"));
 *   tmp_cleanup();      // removes the directory and everything in it
 *
 * tmp_path() returns one of a few rotating static buffers: use its result before
 * calling it four more times.
 */
#ifndef GX_TMPDIR_H
#define GX_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static char tmp_dir[] = "/tmp/gx_test_XXXXXX";

static inline int tmp_init(void)
{
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static inline const char *tmp_path(const char *name)
{
	static char p[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmp_dir, name);
	return p[k];
}

static inline void tmp_write(const char *name, const char *text)
{
	FILE *f = fopen(tmp_path(name), "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static inline int tmp_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void tmp_cleanup(void)
{
	nftw(tmp_dir, tmp_rm, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
