/*
 * expect_err.h - one test point: a call failed with the expected code and message.
 *
 *   expect_err(rc, &err, GX_E_RULES, "bad pattern", "rule 'x'", "offset 3");
 *
 * Passes if rc is -code, err->code is code, and the formatted error (with its file,
 * line and column) contains every non-NULL needle; otherwise prints what it got.
 */
#ifndef GX_EXPECT_ERR_H
#define GX_EXPECT_ERR_H

#include "core/err.h"
#include "tap.h"

#include <string.h>

static inline void expect_err(int rc, const gx_err *err, gx_code code, const char *what,
                              const char *n1, const char *n2)
{
	char full[2048];
	int pass;

	gx_err_format(err, full, sizeof(full));
	pass = rc == -(int)code && err->code == code && (!n1 || strstr(full, n1)) &&
	       (!n2 || strstr(full, n2));
	if (!ok(pass, "%s", what))
		printf("#   got %d (code %d): %s\n", rc, err->code, full);
}

#endif
