/*
 * tap.h - a minimal TAP producer for the unit tests (one binary per module).
 *
 *   int main(void) { ok(1 + 1 == 2, "adds"); is_str(a, b, "same"); return tap_done(); }
 *
 * tap_done() prints the plan and returns non-zero if any test failed, so a crashed or
 * short test binary is also seen as a failure by tests/run.sh.
 */
#ifndef GX_TAP_H
#define GX_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int same_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_; \
	if (!ok(same_, __VA_ARGS__)) printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", \
	                                    w_ ? w_ : "(null)"); \
} while (0)

#define is_double(got, want, ...) do { \
	double g_ = (got), w_ = (want); \
	if (!ok(memcmp(&g_, &w_, sizeof g_) == 0, __VA_ARGS__)) \
		printf("#   got %.17g, want %.17g\n", g_, w_); \
} while (0)

static inline void diag(const char *msg) { printf("# %s\n", msg); }

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
