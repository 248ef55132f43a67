/* fuzz_num.c - gx_parse_double accepts exactly the strict decimal syntax, and what it
 * accepts equals glibc's correctly rounded strtod, bit for bit. */
#include "fuzz.h"
#include "core/num.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int strict_syntax(const char *s, size_t n)
{
	size_t i = 0, d = 0, e = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
	if (!d)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, e++;
		if (!e)
			return 0;
	}
	return i == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[512];
	double v = 0, ref;
	gx_num_rc rc;

	if (size >= sizeof buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	rc = gx_parse_double(buf, size, &v);
	if (!strict_syntax(buf, size)) {
		if (rc == GX_NUM_OK)
			abort(); /* accepted something outside the syntax */
		return 0;
	}
	errno = 0;
	ref = strtod(buf, NULL);
	if (isinf(ref)) {
		if (rc != GX_NUM_OVERFLOW)
			abort();
		return 0;
	}
	if (rc != GX_NUM_OK || memcmp(&v, &ref, sizeof v))
		abort(); /* not the correctly rounded double */
	return 0;
}
