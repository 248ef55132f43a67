/* test_num.c - strict decimal parsing: what is accepted, what is refused, exactness. */
#include "core/err.h"
#include "core/num.h"
#include "tap.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>

static void accepts(const char *s, double want)
{
	double v = -12345.0;
	gx_num_rc rc = gx_parse_double(s, strlen(s), &v);
	ok(rc == GX_NUM_OK && memcmp(&v, &want, sizeof v) == 0, "accepts '%s' as %.17g", s, want);
}

static void refuses(const char *s, gx_num_rc want)
{
	double v;
	gx_num_rc rc = gx_parse_double(s, strlen(s), &v);
	char q[64];
	ok(rc == want, "refuses %s (%s)", gx_err_quote(s, strlen(s), q, sizeof q),
	   want == GX_NUM_OVERFLOW ? "overflow" : "syntax");
}

int main(void)
{
	static const char *const bad[] = { "", " ", "+", "-", ".", "e5", "1e", "1e+", "1.2.3",
		"12,5", " 4", "4 ", "0x1A", "0X1a", "inf", "-inf", "Infinity", "nan", "NaN", "5%",
		"1_000", "--1", "+-1", "1e5.5", "1d5", "\t1", "1\n", "١", NULL };
	char buf[64];
	int i, exact = 1;

	accepts("0", 0.0);
	accepts("0.0", 0.0);
	accepts("-0.0", -0.0);
	accepts("1", 1.0);
	accepts("+1.5", 1.5);
	accepts(".5", 0.5);
	accepts("5.", 5.0);
	accepts("1e3", 1000.0);
	accepts("1E+2", 100.0);
	accepts("-2.0516810011537772e-05", -2.0516810011537772e-05);
	accepts("0.6944035539617274", 0.6944035539617274);
	accepts("19037.898", 19037.898);
	accepts("1e-300", 1e-300);
	accepts("4.9e-324", 4.9e-324);          /* the smallest subnormal */
	accepts("1e-400", 0.0);                  /* underflow rounds to zero, not an error */
	accepts("1.7976931348623157e308", DBL_MAX);
	for (i = 0; bad[i]; i++)
		refuses(bad[i], GX_NUM_SYNTAX);
	refuses("1e999", GX_NUM_OVERFLOW);
	refuses("-1e400", GX_NUM_OVERFLOW);
	/* length is honoured: no terminator needed */
	{
		double v = 0;
		ok(gx_parse_double("12345", 3, &v) == GX_NUM_OK && v == 123.0, "parses only 'len' bytes");
	}
	/* a long field (more digits than the stack copy holds) */
	{
		char big[300];
		double v = 0;
		memset(big, '0', sizeof(big));
		big[0] = '1';
		big[1] = '.';
		ok(gx_parse_double(big, sizeof(big), &v) == GX_NUM_OK && v == 1.0, "300-digit number");
	}
	/* round trip: shortest repr of random doubles parses back to the same bits */
	srand(7);
	for (i = 0; i < 100000; i++) {
		uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		double d, v;
		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d))
			continue;
		snprintf(buf, sizeof(buf), "%.17g", d);
		if (gx_parse_double(buf, strlen(buf), &v) != GX_NUM_OK || memcmp(&v, &d, sizeof d)) {
			exact = 0;
			printf("# not exact: %s\n", buf);
			break;
		}
	}
	ok(exact, "100000 random doubles printed with 17 digits parse back bit-exact");
	return tap_done();
}
