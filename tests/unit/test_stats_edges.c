/* test_stats_edges.c - per-sample statistics at the edges the validation checks depend
 * on: zero and negative zero are not negative values (a linear study's log2_value is
 * NULL only below zero), the smallest negative value is; min and max see every value. */
#include "transform/stats.h"
#include "tap.h"

#include <float.h>
#include <math.h>

int main(void)
{
	/* 4 genes x 2 columns, dense row-major: column 0 holds 0.0, -0.0, 1e-300 and
	 * -DBL_TRUE_MIN; column 1 only zeros */
	static const double v[] = { 0.0, 0.0, -0.0, 0.0, 1e-300, -0.0, -4.9406564584124654e-324,
	                            0.0 };
	gx_cells c = { 0 };
	gx_stats st = { 0 };
	gx_err err;

	is_int(gx_stats_init(&st, 2, &err), 0, "init");
	gx_stats_want(&st, 0, 1);
	gx_stats_want(&st, 1, 1);
	c.n = 8;
	c.value = v;
	gx_stats_add_cells(&st, &c, NULL, 2);
	is_int(st.s[0].n_values, 4, "column 0: four values");
	is_int(st.s[0].n_negative, 1, "column 0: only the subnormal below zero is negative");
	is_int(st.s[1].n_values, 4, "column 1: four values");
	is_int(st.s[1].n_negative, 0, "column 1: zeros and negative zeros are not negative");
	ok(st.s[0].min < 0 && st.s[0].min == -4.9406564584124654e-324, "column 0: min is the subnormal");
	is_double(st.s[0].max, 1e-300, "column 0: max");
	ok(st.s[1].min == 0 && st.s[1].max == 0, "column 1: min and max are zero");
	is_int(st.s[0].n_missing + st.s[1].n_missing, 0, "nothing missing");
	gx_stats_release(&st);
	return tap_done();
}
