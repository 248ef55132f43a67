/* test_retry.c - which errors are retried, and the backoff between attempts. */
#include "core/retry.h"
#include "tap.h"

static gx_err with_state(gx_code code, const char *state)
{
	gx_err e;

	gx_err_clear(&e);
	gx_err_set(&e, code, "x");
	snprintf(e.sqlstate, sizeof(e.sqlstate), "%s", state);
	return e;
}

int main(void)
{
	static const struct { gx_code code; const char *state; int transient; } cases[] = {
		{ GX_E_DB_LOST, "57P01", 1 },   /* admin shutdown (pg_terminate_backend) */
		{ GX_E_DB_LOST, "57P02", 1 },   /* crash shutdown */
		{ GX_E_DB_CONNECT, "57P03", 1 }, /* cannot connect now (starting up) */
		{ GX_E_DB_LOST, "08006", 1 },   /* connection failure */
		{ GX_E_DB_CONNECT, "08001", 1 }, /* unable to establish a connection */
		{ GX_E_DB_LOST, "08003", 1 },   /* any of class 08 */
		{ GX_E_DB_BUSY, "40001", 1 },   /* serialization failure */
		{ GX_E_DB_BUSY, "40P01", 1 },   /* deadlock */
		{ GX_E_DB_BUSY, "53300", 1 },   /* too many connections */
		{ GX_E_DB_LOST, "", 1 },        /* a lost connection without a SQLSTATE */
		{ GX_E_DB_LOST, "57P04", 0 },   /* database dropped: not coming back */
		{ GX_E_DB_BUSY, "55P03", 0 },   /* lock not available: lock timeouts decide */
		{ GX_E_DB_FULL, "53100", 0 },   /* disk full */
		{ GX_E_DB, "23505", 0 },        /* unique violation */
		{ GX_E_DB, "42P01", 0 },        /* undefined table */
		{ GX_E_DB, "57014", 0 },        /* query canceled */
		{ GX_E_DB_CONNECT, "", 0 },     /* refused for a reason not known to pass */
		{ GX_E_DB_CONNECT, "28P01", 0 }, /* bad password */
		{ GX_E_RAGGED, "", 0 },         /* bad input */
		{ GX_E_LOCKED, "", 0 },         /* another run: load.lock_timeout_s decides */
		{ GX_E_INTERRUPTED, "", 0 },
	};
	size_t i;
	int a, inside = 1, spread = 0;
	double d, first = -1;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gx_err e = with_state(cases[i].code, cases[i].state);
		is_int(gx_err_transient(&e), cases[i].transient, "%s %s: %s",
		       gx_code_name(cases[i].code), cases[i].state[0] ? cases[i].state : "(none)",
		       cases[i].transient ? "retried" : "final");
	}
	ok(!gx_err_transient(NULL), "NULL: final");

	/* full jitter: [0, min(max, 2^(n-1))], spread out, capped */
	for (a = 1; a <= 40; a++) {
		double cap = a > 7 ? 60 : (double)(1 << (a - 1));
		if (cap > 60)
			cap = 60;
		for (i = 0; i < 200; i++) {
			d = gx_retry_delay(a, 60);
			if (d < 0 || d > cap) {
				inside = 0;
				printf("# attempt %d: %g outside [0, %g]\n", a, d, cap);
			}
			if (first < 0)
				first = d;
			else if (d != first)
				spread = 1;
		}
	}
	ok(inside, "every wait within [0, min(retry_max_s, 2^(n-1) s)]");
	ok(spread, "the waits are drawn, not fixed (jitter)");
	for (i = 0, inside = 1; i < 200; i++)
		if (gx_retry_delay(12, 0.5) > 0.5)
			inside = 0;
	ok(inside, "retry_max_s caps a late attempt's wait");
	is_double(gx_retry_delay(3, 0), 0.0, "retry_max_s 0: no wait");
	is_double(gx_retry_delay(0, 10), 0.0, "attempt 0: no wait");
	{
		double lo = 1, hi = 0;
		for (i = 0; i < 2000; i++) {
			d = gx_retry_delay(1, 60);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		ok(lo < 0.1 && hi > 0.9, "the first wait covers [0, 1 s] (got %g..%g)", lo, hi);
	}
	{
		gx_err e;
		gx_err_clear(&e);
		is_int(gx_retry_sleep(0.01, &e), 0, "a short sleep returns 0");
		is_int(gx_retry_sleep(-1, &e), 0, "a negative sleep returns at once");
	}
	return tap_done();
}
