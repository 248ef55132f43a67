/* test_num_fast.c - the fast decimal parser (core/num.c) against glibc's strtod, bit for
 * bit: shortest and longer representations of random doubles, random digit strings over
 * the whole exponent range, exact and near halfway points between neighbouring doubles,
 * subnormals, the extremes and more than 19 significant digits. */
#include "core/num.h"
#include "tap.h"

#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long checked, mismatches;

/* parse s both ways; both must agree on success/overflow and on the bits */
static void check(const char *s)
{
	double want, got = 0.0;
	char *end;
	gx_num_rc rc;
	int overflow;

	errno = 0;
	want = strtod(s, &end);
	overflow = errno == ERANGE && isinf(want);
	rc = gx_parse_double(s, strlen(s), &got);
	checked++;
	if (overflow ? rc == GX_NUM_OVERFLOW : rc == GX_NUM_OK && !memcmp(&got, &want, 8))
		return;
	if (mismatches++ < 10)
		printf("# mismatch on '%s': strtod %.17g%s, gx rc %d %.17g\n", s, want,
		       overflow ? " (overflow)" : "", (int)rc, got);
}

static double random_double(void)
{
	for (;;) {
		uint64_t bits = rng();
		double d;
		memcpy(&d, &bits, 8);
		if (isfinite(d))
			return d;
	}
}

static void printed_forms(void)
{
	static const char *const fmts[] = { "%.17g", "%.16g", "%.15g", "%.12g", "%.9g", "%.6g",
	                                    "%.3g", "%.1g", "%.18g", "%.20g", "%.25g", "%.40g",
	                                    "%.17e", "%.20f", "%f" };
	char buf[512];
	size_t i, f;
	long before = mismatches;

	for (i = 0; i < 100000; i++) {
		double d = random_double();
		for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			if (f >= 13 && fabs(d) > 1e30)
				continue;
			snprintf(buf, sizeof(buf), fmts[f], d);
			check(buf);
		}
	}
	ok(mismatches == before, "random doubles in 15 printf forms agree with strtod");
}

/* doubles of the kind the matrices hold: log2 and linear expression values */
static void expression_values(void)
{
	char buf[64];
	long before = mismatches;
	int i, digits;

	for (i = 0; i < 150000; i++) {
		double u = (double)(rng() >> 11) / 9007199254740992.0;
		double v = i % 2 ? 16.0 * u : exp(25.0 * u) - 1.0;
		for (digits = 1; digits <= 17; digits++) {
			snprintf(buf, sizeof(buf), "%.*g", digits, v);
			check(buf);
		}
	}
	ok(mismatches == before, "expression-like values with 1-17 digits agree with strtod");
}

static void digit_strings(void)
{
	char buf[128];
	long before = mismatches;
	int i;

	for (i = 0; i < 500000; i++) {
		char *p = buf;
		int n = 1 + (int)(rng() % 30), k, point = (int)(rng() % (unsigned)(n + 1));
		int lead = rng() % 4 == 0 ? (int)(rng() % 30) : 0;
		int e = (int)(rng() % 700) - 360;
		if (rng() % 2)
			*p++ = '-';
		if (point == 0)
			*p++ = '0';
		for (k = 0; k < n; k++) {
			if (k == point)
				*p++ = '.';
			if (k == point && lead)
				for (; lead > 0; lead--)
					*p++ = '0';
			*p++ = (char)('0' + (k == 0 && point != 0 ? 1 + rng() % 9 : rng() % 10));
		}
		if (rng() % 4)
			p += sprintf(p, "e%d", e);
		*p = '\0';
		check(buf);
	}
	ok(mismatches == before, "500,000 random digit strings (1-30 digits, e-360..e340) agree");
}

/* the decimal expansion of (d + next(d)) / 2 exactly, and cut at various lengths:
 * the cases where rounding to even decides */
static void halfway_points(void)
{
	char buf[1200];
	long before = mismatches;
	int i, j;
	static const int cut[] = { 17, 18, 19, 20, 21, 25, 30, 40 };

	for (i = 0; i < 30000; i++) {
		double d = fabs(random_double()), n = nextafter(d, INFINITY);
		long double m;
		if (!isfinite(n))
			continue;
		m = ((long double)d + (long double)n) / 2; /* exact: 64-bit mantissa */
		if (i % 3 == 0) { /* integers and small numbers, where halfway cases are common */
			d = (double)(rng() >> (11 + rng() % 40));
			n = nextafter(d, INFINITY);
			m = ((long double)d + (long double)n) / 2;
		}
		snprintf(buf, sizeof(buf), "%.1100Lg", m);
		check(buf);
		for (j = 0; j < (int)(sizeof(cut) / sizeof(cut[0])); j++) {
			snprintf(buf, sizeof(buf), "%.*Le", cut[j], m);
			check(buf);
		}
	}
	ok(mismatches == before, "halfway points between neighbouring doubles agree");
}

static void edges(void)
{
	static const char *const cases[] = {
		"4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
		"9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
		"18014398509481985", "1e22", "1e23", "1e-22", "1e-23", "8.98846567431158e307",
		"0.1", "0.2", "0.3", "123456789012345678901234567890", "1e-342", "1e-343", "1e-324",
		"1e308", "1e309", "0e999999", "1e-99999", "1e99999", "00000000000000000000001",
		"0.00000000000000000000000000000000000000000000000000001e30",
		"12345678901234567890e-10", "99999999999999999999", "10000000000000000000",
		"7.2057594037927933e16", "2.2250738585072013e-308", NULL };
	long before = mismatches;
	char buf[64];
	int i;

	for (i = 0; cases[i]; i++)
		check(cases[i]);
	for (i = -350; i <= 350; i++) {
		snprintf(buf, sizeof(buf), "1e%d", i);
		check(buf);
		snprintf(buf, sizeof(buf), "9.999999999999999e%d", i);
		check(buf);
		snprintf(buf, sizeof(buf), "5e%d", i);
		check(buf);
	}
	/* every subnormal step near the bottom, and the normal/subnormal border */
	for (i = 1; i < 5000; i++) {
		double d;
		uint64_t bits = (uint64_t)i * 977;
		memcpy(&d, &bits, 8);
		snprintf(buf, sizeof(buf), "%.17g", d);
		check(buf);
		snprintf(buf, sizeof(buf), "%.3g", d);
		check(buf);
		bits = (UINT64_C(1) << 52) - 2500 + (uint64_t)i;
		memcpy(&d, &bits, 8);
		snprintf(buf, sizeof(buf), "%.17g", d);
		check(buf);
	}
	ok(mismatches == before, "edge cases (subnormals, extremes, 2^53, powers of ten) agree");
}

int main(void)
{
	double v = 0;

	edges();
	printed_forms();
	expression_values();
	digit_strings();
	halfway_points();
	ok(gx_parse_double("0.1", 3, &v) == GX_NUM_OK && v == 0.1, "0.1");
	ok(gx_parse_double("1e400x", 5, &v) == GX_NUM_OVERFLOW, "length honoured in overflow");
	printf("# %ld inputs compared with strtod\n", checked);
	return tap_done();
}
