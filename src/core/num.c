/*
 * num.c - strict decimal parsing (see num.h).
 *
 * The syntax check and the conversion are one pass over the text.  The conversion is
 * correctly rounded (round to nearest, ties to even), like glibc's strtod, in three tiers:
 *   1. Clinger's fast path: at most 19 significant digits whose value w <= 2^53 and a
 *      decimal exponent q in [-22, 22]: w and 10^|q| are exact doubles, so one IEEE
 *      multiplication or division rounds once, correctly.  Needs FLT_EVAL_METHOD == 0
 *      (SSE2 on x86-64, any AArch64) and the default rounding mode, which gxload never
 *      changes.
 *   2. Eisel-Lemire: w (the first 19 significant digits) times a 128-bit approximation
 *      of 5^q from a table (num_pow5.c) gives the 53-bit mantissa and the rounding decision, as in
 *      Lemire, "Number Parsing at a Gigabyte per Second" (Software: Practice and
 *      Experience 51(8), 2021) and the fast_float library, whose algorithm and table
 *      this follows.  With more than 19 significant digits the result is computed for w
 *      and w + 1 and kept only when both agree.
 *   3. Anything the first two cannot decide (disagreeing truncations, the rare product
 *      that is too close to a rounding boundary) goes to strtod.
 * tests/unit/test_num_fast.c compares every tier bit for bit with strtod on millions of
 * generated inputs, including halfway cases, subnormals and the extremes.
 * gxload never calls setlocale, so strtod's decimal point is always '.'.
 */
#include "core/num.h"
#include "core/num_pow5.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__FLT_EVAL_METHOD__) || __FLT_EVAL_METHOD__ != 0
#error "num.c needs FLT_EVAL_METHOD == 0 (SSE2 floating point on x86)"
#endif

static const double exact_pow10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static inline void mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	*hi = (uint64_t)(r >> 64);
	*lo = (uint64_t)r;
}

/*
 * w * 10^q as the bits of a positive double (Eisel-Lemire).  Returns 0 and the bits,
 * or -1 when the product is too close to call (the caller falls back to strtod).
 * 0 < w, q in [POW5_MIN, POW5_MAX].
 */
static int eisel_lemire(uint64_t w, int64_t q, uint64_t *bits)
{
	const uint64_t *t = gx_num_pow5[q - POW5_MIN];
	uint64_t hi, lo, hi2, lo2, mant;
	int lz, upper, shift;
	int64_t power2;

	lz = __builtin_clzll(w);
	w <<= lz;
	mul128(w, t[0], &hi, &lo);
	/* 55 bits are needed (52 + implicit + round + the possible 'upper' shift): when the
	 * 9 bits below them are all ones, the low half of the table entry decides */
	if ((hi & 0x1ff) == 0x1ff) {
		mul128(w, t[1], &hi2, &lo2);
		lo += hi2;
		if (hi2 > lo)
			hi++;
	}
	/* all ones below the 55 bits even so: the truncated table entry is exact only for
	 * q in [-27, 55]; elsewhere let strtod decide (Mushtak and Lemire later proved this
	 * never happens for doubles; the check costs nothing) */
	if (lo == UINT64_MAX && (q < -27 || q > 55))
		return -1;
	upper = (int)(hi >> 63);
	shift = upper + 64 - 52 - 3;
	mant = hi >> shift;
	power2 = (((152170 + 65536) * q) >> 16) + 63 + upper - lz + 1023;
	if (power2 <= 0) { /* subnormal */
		if (-power2 + 1 >= 64) {
			*bits = 0;
			return 0;
		}
		mant >>= -power2 + 1;
		mant += mant & 1;
		mant >>= 1;
		/* rounding may carry into the smallest normal */
		power2 = mant < (UINT64_C(1) << 52) ? 0 : 1;
		*bits = (mant & ((UINT64_C(1) << 52) - 1)) | ((uint64_t)power2 << 52);
		return 0;
	}
	/* exactly halfway between two doubles (only possible when 5^q fits in 64 bits):
	 * round to even */
	if (lo <= 1 && q >= -4 && q <= 23 && (mant & 3) == 1 && (mant << shift) == hi)
		mant &= ~UINT64_C(1);
	mant += mant & 1;
	mant >>= 1;
	if (mant >= (UINT64_C(2) << 52)) {
		mant = UINT64_C(1) << 52;
		power2++;
	}
	mant &= ~(UINT64_C(1) << 52);
	if (power2 >= 0x7ff) {
		power2 = 0x7ff; /* infinity */
		mant = 0;
	}
	*bits = mant | ((uint64_t)power2 << 52);
	return 0;
}

static inline int is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* strtod on a copy of s[0..len): the last resort, rarely taken */
static gx_num_rc slow_path(const char *s, size_t len, double *out)
{
	char tmp[128], *big = NULL, *stop;
	double v;

	errno = 0;
	if (len < sizeof(tmp)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		v = strtod(tmp, &stop);
	} else {
		if (!(big = malloc(len + 1)))
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

/* 1 if the 8 bytes at p are all decimal digits (SWAR, from fast_float) */
static inline int eight_digits(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return !(((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
	          (((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ^
	         UINT64_C(0x3333333333333333));
}

/* the value of 8 decimal digits at p (first digit most significant) */
static inline uint64_t eight_value(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561 >> 8;
	v = (v & UINT64_C(0x00FF00FF00FF00FF)) * 6553601 >> 16;
	return (v & UINT64_C(0x0000FFFF0000FFFF)) * UINT64_C(42949672960001) >> 32;
}

/* digits of [p, end) into *w (wrapping past 19 digits: the caller checks the count) */
static inline const char *scan_digits(const char *p, const char *end, uint64_t *w)
{
	uint64_t v = *w;
	while (end - p >= 8 && eight_digits(p)) {
		v = v * 100000000 + eight_value(p);
		p += 8;
	}
	for (; p < end && is_digit(*p); p++)
		v = v * 10 + (uint64_t)(*p - '0');
	*w = v;
	return p;
}

/*
 * More than 19 digits: the first 19 significant ones (leading zeros do not count) in
 * *w, the scale in *q, and whether a non-zero digit was cut off.
 */
static void first_19(const char *ip, const char *ie, const char *fp, const char *fe,
                     uint64_t *w, int64_t *q, int *truncated)
{
	int sig = 0;
	const char *p;

	*w = 0;
	*q = 0;
	*truncated = 0;
	for (p = ip; p < ie; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (sig < 19) {
			*w = *w * 10 + d;
			sig += *w != 0;
		} else {
			(*q)++;
			*truncated |= d != 0;
		}
	}
	for (p = fp; p < fe; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (sig < 19) {
			*w = *w * 10 + d;
			sig += *w != 0;
			(*q)--;
		} else {
			*truncated |= d != 0;
		}
	}
}

gx_num_rc gx_parse_double(const char *s, size_t len, double *out)
{
	const char *p = s, *end = s + len, *ip, *ie, *fp = NULL, *fe = NULL;
	uint64_t w = 0, bits, bits2;
	int64_t q = 0;
	size_t digits;
	int neg = 0, truncated = 0;
	double v;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	ip = p;
	p = ie = scan_digits(p, end, &w);
	digits = (size_t)(ie - ip);
	if (p < end && *p == '.') {
		fp = ++p;
		p = fe = scan_digits(p, end, &w);
		digits += (size_t)(fe - fp);
		q = -(int64_t)(fe - fp);
	}
	if (!digits)
		return GX_NUM_SYNTAX;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		int64_t e = 0;
		const char *ed;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (ed = p; p < end && is_digit(*p); p++)
			if (e < 100000) /* beyond any double either way; keeps q from overflowing */
				e = e * 10 + (*p - '0');
		if (p == ed)
			return GX_NUM_SYNTAX;
		q += eneg ? -e : e;
	}
	if (p != end)
		return GX_NUM_SYNTAX;
	if (digits > 19) {
		/* w wrapped; redo it from the first 19 significant digits (rare) */
		int64_t e = q + (fe ? (int64_t)(fe - fp) : 0); /* the written exponent */
		first_19(ip, ie, fp, fe, &w, &q, &truncated);
		q += e;
	}

	if (w == 0) {
		*out = neg ? -0.0 : 0.0;
		return GX_NUM_OK;
	}
	if (!truncated && q >= -22 && q <= 22 && w <= (UINT64_C(1) << 53)) {
		v = (double)w;
		v = q < 0 ? v / exact_pow10[-q] : v * exact_pow10[q];
		*out = neg ? -v : v;
		return GX_NUM_OK;
	}
	if (q < POW5_MIN) {
		/* w < 10^19 (even counting truncated digits), so the value is below 10^-324,
		 * under half the smallest subnormal (4.9e-324): it rounds to zero */
		*out = neg ? -0.0 : 0.0;
		return GX_NUM_OK;
	}
	if (q > POW5_MAX)
		return GX_NUM_OVERFLOW; /* w >= 1, so at least 1e309 */
	if (eisel_lemire(w, q, &bits) < 0)
		return slow_path(s, len, out);
	if (truncated && (eisel_lemire(w + 1, q, &bits2) < 0 || bits2 != bits))
		return slow_path(s, len, out);
	if ((bits >> 52) == 0x7ff)
		return GX_NUM_OVERFLOW;
	bits |= (uint64_t)neg << 63;
	memcpy(out, &bits, sizeof(*out));
	return GX_NUM_OK;
}
