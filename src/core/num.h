/*
 * num.h - strict decimal number parsing for matrix cells.
 *
 * Accepts exactly: [+-] digits [. digits] [(e|E) [+-] digits], with at least one digit
 * before or after the point.  Rejects what strtod would quietly accept: leading or
 * trailing spaces, hex floats, "inf", "nan", decimal commas, trailing garbage.  The value
 * is the correctly rounded double of the text (strtod in the C locale), so text with up
 * to 17 significant digits round-trips exactly.  Overflow ("1e999") is rejected as
 * non-finite; underflow gives the correctly rounded subnormal or zero.
 */
#ifndef GX_NUM_H
#define GX_NUM_H

#include <stddef.h>

typedef enum gx_num_rc {
	GX_NUM_OK = 0,
	GX_NUM_SYNTAX = 1,   /* not a decimal number */
	GX_NUM_OVERFLOW = 2, /* magnitude beyond the largest double */
} gx_num_rc;

/* Parse s[0..len) (need not be NUL-terminated if len < the buffer size). */
gx_num_rc gx_parse_double(const char *s, size_t len, double *out);

#endif
