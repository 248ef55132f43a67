/*
 * atomic.c - whole-file replacement: temp file, fsync, rename, fsync of the directory
 * (see atomic.h).
 */
#include "core/atomic.h"
#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* write all of it, through partial writes and EINTR */
static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory that holds 'path', so that a rename into it is durable */
static int sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int gx_file_write_atomic(const char *path, const void *data, size_t len, gx_err *err)
{
	gx_buf tmp = { 0 };
	const char *step;
	int fd = -1, e;

	if (gx_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	step = "create";
	if ((fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		goto fail;
	step = "write";
	if (write_all(fd, data, len))
		goto fail;
	step = "fsync";
	if (fsync(fd))
		goto fail;
	step = "close";
	e = close(fd);
	fd = -1;
	if (e)
		goto fail;
	step = "rename";
	if (rename(tmp.data, path))
		goto fail;
	gx_buf_release(&tmp);
	/* the new file is in place; only its survival of a crash depends on this */
	if (sync_dir(path))
		return gx_err_set(err, GX_E_IO, "cannot write '%s': fsync of its directory: %s", path,
		                  strerror(errno));
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.data);
	gx_buf_release(&tmp);
	return gx_err_set(err, GX_E_IO, "cannot write '%s': %s: %s", path, step, strerror(e));
}
