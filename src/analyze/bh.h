/*
 * bh.h - Benjamini-Hochberg false discovery rate adjustment.
 */
#ifndef GX_BH_H
#define GX_BH_H

#include "core/err.h"

#include <stddef.h>

/*
 * q[i] = the BH-adjusted p-value of p[i]: min(1, min over j >= rank(i) of m p_(j) / j),
 * where p_(1) <= ... <= p_(m) are the m non-NaN p-values (m, not n: a NaN p-value is a
 * test that was not done; its q is NaN).  Equal p-values get equal q-values.  p and q
 * may be the same array.  0, or -1 and err when out of memory.
 */
int gx_bh(const double *p, size_t n, double *q, gx_err *err);

#endif
