/*
 * num_pow5.h - the table of 5^q that num.c's Eisel-Lemire tier multiplies by (private
 * to core/num.c; the table itself, generated, is num_pow5.c).
 */
#ifndef GX_NUM_POW5_H
#define GX_NUM_POW5_H

#include <stdint.h>

#define POW5_MIN (-342)
#define POW5_MAX 308

/* gx_num_pow5[q - POW5_MIN] = { high, low } 64 bits of 5^q, q in [POW5_MIN, POW5_MAX] */
extern const uint64_t gx_num_pow5[POW5_MAX - POW5_MIN + 1][2];

#endif
