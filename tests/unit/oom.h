/*
 * oom.h - allocation-failure loop for the unit tests (SQLite's OOM-loop practice).
 *
 *   static int step(void *ctx, gx_err *err) { ...load, use, free; return rc; }
 *   oom_check("load and label", step, ctx);
 *
 * Runs step with the Nth allocation failing (and every later one), N = 0, 1, ...,
 * until it succeeds.  Two test points: it succeeds eventually, and every earlier
 * failure was reported as GX_E_NOMEM.  step must free whatever it allocated, so the
 * sanitizer build also checks the cleanup paths for leaks.
 */
#ifndef GX_OOM_H
#define GX_OOM_H

#include "core/err.h"
#include "core/mem.h"
#include "tap.h"

static inline void oom_check(const char *what, int (*step)(void *ctx, gx_err *err), void *ctx)
{
	long n;
	int failures_ok = 1, finished = 0;

	for (n = 0; n < 20000 && !finished; n++) {
		gx_err err;
		int rc;

		gx_err_clear(&err);
		gx_mem_fail_after(n, 1);
		rc = step(ctx, &err);
		gx_mem_fail_after(-1, 0);
		if (!rc) {
			finished = 1;
		} else if (rc != -GX_E_NOMEM) {
			failures_ok = 0;
			printf("# after %ld allocations: %d %s\n", n, rc, err.msg);
		}
	}
	ok(finished, "%s: succeeds once allocations stop failing (after %ld)", what, n - 1);
	ok(failures_ok, "%s: every earlier allocation failure reports GX_E_NOMEM", what);
}

#endif
