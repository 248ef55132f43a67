/* test_stats.c - per-sample statistics from batches of cells: dense and sparse layouts,
 * missing cells, column maps, and samples that are not wanted. */
#include "transform/stats.h"
#include "tap.h"

#include <math.h>

int main(void)
{
	/* 2 genes x 3 columns, dense row-major; column 1 has a missing cell */
	static const double v[] = { 1.5, -2.0, 3.0, 4.0, 99.0, 0.25 };
	static const unsigned char miss[] = { 0, 0, 0, 0, 1, 0 };
	static const size_t colmap[] = { 2, 0, 1 }; /* column -> sample */
	static const uint32_t sg[] = { 0, 0, 1 }, ss[] = { 2, 0, 2 };
	static const double sv[] = { 7.0, -1.0, 0.5 };
	gx_cells c = { 0 };
	gx_stats st = { 0 };
	gx_err err;

	gx_stats_add_cells(&st, &c, NULL, 3);
	ok(st.n == 0, "an empty gx_stats ignores batches");
	gx_stats_add_cells(NULL, &c, NULL, 3); /* accepted: a crash ends the binary before its plan */

	is_int(gx_stats_init(&st, 3, &err), 0, "init");
	c.n = 6;
	c.value = v;
	c.missing = miss;
	gx_stats_add_cells(&st, &c, colmap, 3);
	is_int(st.s[0].n_values + st.s[1].n_values + st.s[2].n_values, 0, "nothing counted before a sample is wanted");

	gx_stats_want(&st, 0, 1);
	gx_stats_want(&st, 1, 1);
	gx_stats_want(&st, 1, 1);
	is_int(st.n_wanted, 2, "wanting twice counts once");
	gx_stats_add_cells(&st, &c, colmap, 3);
	/* sample 0 = column 1: -2.0, missing */
	is_int(st.s[0].n_values, 1, "column 1: one value");
	is_int(st.s[0].n_missing, 1, "column 1: one missing cell");
	is_int(st.s[0].n_negative, 1, "column 1: one negative value");
	is_double(st.s[0].min, -2.0, "column 1: min");
	is_double(st.s[0].max, -2.0, "column 1: max");
	/* sample 1 = column 2: 3.0, 0.25 */
	is_int(st.s[1].n_values, 2, "column 2: two values");
	is_double(st.s[1].min, 0.25, "column 2: min");
	is_double(st.s[1].max, 3.0, "column 2: max");
	is_int(st.s[1].n_missing, 0, "column 2: no missing cell");
	/* sample 2 = column 0 is not wanted */
	is_int(st.s[2].n_values, 0, "an unwanted sample is not counted");
	ok(isinf(st.s[2].min) && st.s[2].min > 0, "min stays +inf without values");

	/* sparse: gene/sample index arrays, identity column map */
	gx_stats_want(&st, 2, 1);
	gx_stats_want(&st, 1, 0);
	is_int(st.n_wanted, 2, "un-wanting a sample");
	c = (gx_cells){ 0 };
	c.n = 3;
	c.gene = sg;
	c.sample = ss;
	c.value = sv;
	gx_stats_add_cells(&st, &c, NULL, 3);
	is_int(st.s[2].n_values, 2, "sparse: sample 2 has two values");
	is_double(st.s[2].min, 0.5, "sparse: min");
	is_double(st.s[2].max, 7.0, "sparse: max");
	is_int(st.s[0].n_values, 2, "sparse: sample 0 got its value");
	is_int(st.s[0].n_negative, 2, "sparse: negative counted");
	is_int(st.s[1].n_values, 2, "sparse: un-wanted sample 1 unchanged");

	/* a dense batch of several rows with the identity map */
	gx_stats_release(&st);
	ok(st.s == NULL && st.n == 0, "release empties");
	is_int(gx_stats_init(&st, 2, &err), 0, "init again");
	gx_stats_want(&st, 0, 1);
	gx_stats_want(&st, 1, 1);
	c = (gx_cells){ 0 };
	c.n = 6;
	c.value = v;
	gx_stats_add_cells(&st, &c, NULL, 2);
	is_int(st.s[0].n_values, 3, "dense 3 x 2: three values in column 0");
	is_double(st.s[0].max, 99.0, "dense 3 x 2: max of column 0");
	is_double(st.s[1].min, -2.0, "dense 3 x 2: min of column 1");
	gx_stats_release(&st);
	gx_stats_release(NULL);
	return tap_done();
}
