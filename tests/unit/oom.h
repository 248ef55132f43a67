/*
 * oom.h - allocation-failure loop for the unit tests (SQLite's OOM-loop practice).
 *
 *   static int step(void *ctx, gx_err *err) { ...load, use, free; return rc; }
 *   oom_check("load and label", step, ctx);            every later allocation fails too
 *   oom_check_mode("load and label", step, ctx, 0);    only that one fails
 *
 * Runs step with its Nth allocation failing, N = 1, 2, ..., until a run makes fewer
 * allocations than N (gx_mem_injected() == 0): every allocation of the operation has
 * then failed once.  Four test points: failures were injected, each one was reported as
 * GX_E_NOMEM, none was swallowed (the operation succeeding although every allocation
 * from the Nth on failed), and the operation succeeds when nothing fails.  A single
 * failure may be recovered from (a retry with less memory): step must then check that
 * its result is right and return an error (not GX_E_NOMEM) if it is not.  step must
 * free whatever it allocated, so the sanitizer build also checks the cleanup paths for
 * leaks.
 */
#ifndef GX_OOM_H
#define GX_OOM_H

#include "core/err.h"
#include "core/mem.h"
#include "tap.h"

static inline void oom_check_mode(const char *what, int (*step)(void *ctx, gx_err *err),
                                  void *ctx, int persist)
{
	long n, points = 0, swallowed = 0, wrong = 0;
	int clean = 0;

	for (n = 0; n < 100000; n++) {
		gx_err err;
		long inj;
		int rc;

		gx_err_clear(&err);
		gx_mem_fail_after(n, persist);
		rc = step(ctx, &err);
		inj = gx_mem_injected();
		gx_mem_fail_after(-1, 0);
		if (!inj) { /* allocation n + 1 was never made: every one has failed once */
			clean = rc == 0;
			if (!clean)
				printf("# %s: fails with nothing injected: %d %s\n", what, rc, err.msg);
			break;
		}
		points++;
		if (!rc && persist) {
			if (swallowed++ < 3)
				printf("# %s: allocation %ld failed, yet the operation succeeded\n", what, n + 1);
		} else if (!rc) {
			/* alone, a failure may be retried (libcsv asks for less): the step checks
			 * that what it got is right */
			printf("# %s: recovered from allocation %ld failing\n", what, n + 1);
		} else if (err.code != GX_E_NOMEM) {
			if (wrong++ < 3)
				printf("# %s: allocation %ld failed as %d: %s\n", what, n + 1, rc, err.msg);
		}
	}
	ok(points > 0, "%s: %ld allocations, each made to fail (%s)", what, points,
	   persist ? "and every later one" : "alone");
	ok(!wrong, "%s: every failure is reported as GX_E_NOMEM", what);
	ok(!swallowed, "%s: no failure is swallowed (%ld were)", what, swallowed);
	ok(clean, "%s: succeeds when no allocation fails", what);
}

static inline void oom_check(const char *what, int (*step)(void *ctx, gx_err *err), void *ctx)
{
	oom_check_mode(what, step, ctx, 1);
}

#endif
