/*
 * failwrite.c - an LD_PRELOAD shim that makes the Nth write fail, for the disk-full and
 * I/O-error tests (tests/integration/t0280-disk-full.sh), as jq's inject_errors.c does.
 *
 *   GXFAIL_AT=N        the Nth counted call fails (1-based); 0 or unset: none fails
 *   GXFAIL_ERRNO=NAME  ENOSPC (default) or EIO
 *   GXFAIL_STICKY=1    every counted call after the Nth fails too (a disk that stays full)
 *   GXFAIL_PATH=TEXT   count only calls on files whose path contains TEXT (default: every
 *                      regular file; pipes, sockets and terminals are never counted)
 *   GXFAIL_COUNT=FILE  at exit, write the number of counted calls to FILE
 *
 * Counted calls: write, pwrite, pwrite64, writev, pwritev, fsync, fdatasync, ftruncate
 * and fwrite/fflush's underlying write (through write).  The real functions are found
 * with dlsym(RTLD_NEXT).  Built as a shared object by `make` (build/.../libfailwrite.so);
 * used by tests only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long calls;
static long fail_at = -1;
static int fail_errno = ENOSPC, sticky, inited;
static const char *only_path;

static void init(void)
{
	const char *v;

	if (inited)
		return;
	inited = 1;
	fail_at = (v = getenv("GXFAIL_AT")) ? atol(v) : 0;
	if ((v = getenv("GXFAIL_ERRNO")) && !strcmp(v, "EIO"))
		fail_errno = EIO;
	sticky = (v = getenv("GXFAIL_STICKY")) && *v == '1';
	only_path = getenv("GXFAIL_PATH");
}

/* Is fd a file this run should count?  Regular files only; with GXFAIL_PATH, those
 * whose path contains it. */
static int counted(int fd)
{
	struct stat st;
	char link[64], path[4096];
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!only_path)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, only_path) != NULL;
}

/* 1 if this call must fail (errno set) */
static int should_fail(int fd)
{
	long n;

	init();
	if (!counted(fd))
		return 0;
	n = atomic_fetch_add(&calls, 1) + 1;
	if (fail_at > 0 && (n == fail_at || (sticky && n > fail_at))) {
		errno = fail_errno;
		return 1;
	}
	return 0;
}

#define REAL(name, ret, ...) \
	static ret (*real_##name)(__VA_ARGS__); \
	if (!real_##name) \
		real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write, ssize_t, int, const void *, size_t);
	if (should_fail(fd))
		return -1;
	return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
	if (should_fail(fd))
		return -1;
	return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64, ssize_t, int, const void *, size_t, off64_t);
	if (should_fail(fd))
		return -1;
	return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(writev, ssize_t, int, const struct iovec *, int);
	if (should_fail(fd))
		return -1;
	return real_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	REAL(pwritev, ssize_t, int, const struct iovec *, int, off_t);
	if (should_fail(fd))
		return -1;
	return real_pwritev(fd, iov, cnt, off);
}

int fsync(int fd)
{
	REAL(fsync, int, int);
	if (should_fail(fd))
		return -1;
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync, int, int);
	if (should_fail(fd))
		return -1;
	return real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
	REAL(ftruncate, int, int, off_t);
	if (should_fail(fd))
		return -1;
	return real_ftruncate(fd, len);
}

__attribute__((destructor)) static void report(void)
{
	const char *f = getenv("GXFAIL_COUNT");
	FILE *o;

	if (!f || !(o = fopen(f, "w")))
		return;
	fprintf(o, "%ld\n", (long)atomic_load(&calls));
	fclose(o);
}
