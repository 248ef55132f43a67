/*
 * num.c - strict decimal parsing (see num.h).
 *
 * The syntax check is done here; the conversion is strtod's, which glibc rounds
 * correctly.  gxload never calls setlocale, so the decimal point is always '.'.
 */
#include "core/num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

gx_num_rc gx_parse_double(const char *s, size_t len, double *out)
{
	char tmp[128];
	const char *p = s, *end = s + len;
	size_t digits = 0;
	char *stop;
	double v;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	while (p < end && is_digit(*p))
		p++, digits++;
	if (p < end && *p == '.') {
		p++;
		while (p < end && is_digit(*p))
			p++, digits++;
	}
	if (!digits)
		return GX_NUM_SYNTAX;
	if (p < end && (*p == 'e' || *p == 'E')) {
		size_t ed = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		while (p < end && is_digit(*p))
			p++, ed++;
		if (!ed)
			return GX_NUM_SYNTAX;
	}
	if (p != end)
		return GX_NUM_SYNTAX;
	/* strtod needs a terminator; copy short fields, long ones are rare */
	errno = 0;
	if (len < sizeof(tmp)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		v = strtod(tmp, &stop);
	} else {
		char *big = malloc(len + 1);
		if (!big)
			return GX_NUM_SYNTAX;
		memcpy(big, s, len);
		big[len] = '\0';
		v = strtod(big, &stop);
		free(big);
	}
	if (errno == ERANGE && isinf(v))
		return GX_NUM_OVERFLOW;
	*out = v;
	return GX_NUM_OK;
}
