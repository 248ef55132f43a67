/*
 * lock.c - flock(2)-based study locks (see lock.h).
 */
#include "core/lock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/signals.h"
#include "core/testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct gx_lock {
	int fd;
	char *path;
};

int gx_mkdirs(const char *path, gx_err *err)
{
	char *p = gx_strdup(path), *s;

	if (!p)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				int rc = gx_err_set(err, GX_E_IO, "cannot create directory '%s': %s", p,
				                    strerror(errno));
				gx_free(p);
				return rc;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	gx_free(p);
	return 0;
}

int gx_lock_acquire(const char *lock_dir, const char *name, double timeout_s, gx_lock **out,
                    gx_err *err)
{
	gx_buf path = { 0 };
	gx_lock *l;
	struct timespec start, now;
	int fd, rc;

	*out = NULL;
	if ((rc = gx_mkdirs(lock_dir, err)))
		return rc;
	if (gx_buf_printf(&path, "%s/%s.lock", lock_dir, name) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = gx_err_set(err, GX_E_IO, "cannot open lock file '%s': %s", path.data,
		                strerror(errno));
		gx_buf_release(&path);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = gx_err_set(err, GX_E_IO, "cannot lock '%s': %s", path.data, strerror(errno));
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) +
		    (double)(now.tv_nsec - start.tv_nsec) / 1e9 >= timeout_s) {
			rc = gx_err_set(err, GX_E_LOCKED,
			                "'%s' is being loaded by another gxload process (lock '%s' is held)",
			                name, path.data);
			goto fail;
		}
		if ((rc = gx_check_interrupt(err)))
			goto fail;
		gx_test_point("lock_wait");
		usleep(100 * 1000);
	}
	l = gx_calloc(1, sizeof(*l));
	if (!l) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	l->fd = fd;
	l->path = gx_buf_steal(&path);
	*out = l;
	return 0;
fail:
	close(fd);
	gx_buf_release(&path);
	return rc;
}

void gx_lock_release(gx_lock *l)
{
	if (!l)
		return;
	close(l->fd); /* drops the flock; the file stays, so no unlink race */
	gx_free(l->path);
	gx_free(l);
}
