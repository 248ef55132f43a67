/*
 * bh.c - Benjamini-Hochberg q-values (see bh.h).
 *
 * Sort the tested p-values, scale the j-th smallest by m / j, take the running minimum
 * from the largest down and cap at 1: the step-up procedure of Benjamini & Hochberg
 * (1995) as R's p.adjust(method = "BH") and scipy.stats.false_discovery_control give it.
 */
#include "analyze/bh.h"
#include "analyze/rank.h"
#include "core/mem.h"

#include <math.h>

int gx_bh(const double *p, size_t n, double *q, gx_err *err)
{
	gx_rank_item *w;
	size_t m = 0, i, j;
	double run = 1;

	if (!n)
		return 0;
	if (!(w = gx_reallocarray(NULL, 2 * n, sizeof(*w))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (isnan(p[i]))
			continue;
		w[m].v = p[i];
		w[m++].i = i;
	}
	gx_rank_sort(w, w + n, m);
	for (i = 0; i < n; i++)
		if (isnan(p[i]))
			q[i] = NAN;
	for (j = m; j > 0; j--) {
		double v = w[j - 1].v * (double)m / (double)j;

		if (v < run)
			run = v;
		q[w[j - 1].i] = run;
	}
	gx_free(w);
	return 0;
}
