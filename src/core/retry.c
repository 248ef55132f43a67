/*
 * retry.c - transient errors and the backoff between attempts (see retry.h).
 *
 * The random draw is a xorshift generator seeded from the clock and the process id: it
 * only has to keep loaders that failed together from retrying together, not to be
 * unpredictable.
 */
#include "core/retry.h"
#include "core/log.h"
#include "core/signals.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int gx_err_transient(const gx_err *e)
{
	static const char *const states[] = { "57P01", "57P02", "57P03", "40001", "40P01",
	                                      "53300", NULL };
	size_t i;

	if (!e || e->code == GX_OK)
		return 0;
	if (!e->sqlstate[0])
		return e->code == GX_E_DB_LOST;
	if (!strncmp(e->sqlstate, "08", 2))
		return 1;
	for (i = 0; states[i]; i++)
		if (!strcmp(e->sqlstate, states[i]))
			return 1;
	return 0;
}

static uint64_t next_random(void)
{
	static uint64_t x;

	if (!x)
		x = ((uint64_t)(gx_now() * 1e6) ^ ((uint64_t)getpid() << 32)) | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

double gx_retry_delay(int attempt, double max_s)
{
	double cap;

	if (max_s <= 0 || attempt < 1)
		return 0;
	/* 2^(attempt-1) s, capped before it can overflow */
	cap = attempt > 30 ? max_s : fmin(max_s, ldexp(1.0, attempt - 1));
	return cap * ((double)(next_random() >> 11) / 9007199254740992.0); /* [0, 1) x cap */
}

void gx_retry_log(const gx_err *err, int attempt, long attempts, double wait)
{
	gx_err w = *err;

	gx_err_prefix(&w, "attempt %d of %ld failed (SQLSTATE %s), retrying in %.1f s", attempt,
	              attempts, err->sqlstate[0] ? err->sqlstate : "none", wait);
	gx_log_err(GX_LOG_WARNING, "retry", &w);
}

int gx_retry_sleep(double seconds, gx_err *err)
{
	double end = gx_mono() + seconds;
	int rc;

	/* in slices, so that SIGINT/SIGTERM end the wait at once */
	while (!(rc = gx_check_interrupt(err))) {
		double left = end - gx_mono();
		struct timespec ts;
		if (left <= 0)
			break;
		if (left > 0.05)
			left = 0.05;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
	return rc;
}
