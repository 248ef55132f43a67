/*
 * lock.h - per-study lock files, so that two runs of one study never interleave.
 *
 * An exclusive flock(2) on <lock_dir>/<ACCESSION>.lock, held for the whole run and
 * released by the kernel when the process dies (no stale locks after kill -9).  The
 * database backends add their own lock (PostgreSQL advisory lock, SQLite write lock),
 * which also covers loaders on other hosts.
 */
#ifndef GX_LOCK_H
#define GX_LOCK_H

#include "core/err.h"

typedef struct gx_lock gx_lock;

/*
 * Take the lock, waiting at most 'timeout_s' seconds (0 = do not wait).  Fails with
 * GX_E_LOCKED when it is held elsewhere, GX_E_IO when the file cannot be created.
 * The lock directory is created if missing.  *out is owned by the caller.
 */
int gx_lock_acquire(const char *lock_dir, const char *name, double timeout_s, gx_lock **out,
                    gx_err *err);
/* Release and free; NULL is accepted. */
void gx_lock_release(gx_lock *l);

/* mkdir -p; 0 or GX_E_IO. */
int gx_mkdirs(const char *path, gx_err *err);

#endif
