/* test_validate.c - validation checks: the threshold logic, the integrity check of each
 * structural error, and every check and attrition reason evaluated from study figures. */
#include "transform/validate.h"
#include "oom.h"
#include "tap.h"

#include <math.h>
#include <string.h>

static const gx_check *find(const gx_check *c, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	return NULL;
}

static const gx_attrition *find_attr(const gx_attrition *a, size_t n, const char *reason)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(a[i].reason, reason))
			return &a[i];
	return NULL;
}

/* status of one check, "-" when absent */
static const char *status_of(const gx_check *c, size_t n, const char *name)
{
	const gx_check *x = find(c, n, name);
	return x ? gx_check_status_name(x->status) : "-";
}

static gx_config defaults(void)
{
	gx_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.value_scale = "auto";
	cfg.v_min_samples = 1;
	cfg.v_no_metadata_warn = 0;
	cfg.v_no_metadata_fail = 1;
	cfg.v_genes_per_sample_warn = 1;
	cfg.v_genes_per_sample_fail = 0;
	cfg.v_missing_warn = 0.05;
	cfg.v_missing_fail = 0.5;
	cfg.v_negative_warn = 0;
	cfg.v_negative_fail = 1;
	cfg.v_log2_max_value = 100;
	cfg.v_unknown_illness_warn = 0.5;
	cfg.v_unknown_illness_fail = 1;
	cfg.v_platform_coverage_warn = 1;
	cfg.v_platform_coverage_fail = 0;
	return cfg;
}

/* a clean log2 study of 4 samples x 10 genes, all measured */
static gx_valid_figures clean(void)
{
	gx_valid_figures f;
	memset(&f, 0, sizeof(f));
	f.n_samples = 4;
	f.matrix_read = 1;
	f.metadata_name = "metadata_X.tsv";
	f.n_metadata_rows = 4;
	f.without_metadata = f.metadata_only = f.aggregated_absent = "";
	f.unknown_illness = f.unknown_platform = "";
	f.n_genes = 10;
	f.n_measured = 4;
	f.n_values = 40;
	f.value_min = -1;
	f.value_max = 14;
	f.fewest_values = 10;
	f.fewest_sample = "S1";
	f.most_values = 10;
	f.default_illness = "UNKNOWN";
	f.n_platform_known = 4;
	return f;
}

/* oom_check step: evaluate a problem study and free the results */
typedef struct eval_ctx {
	const gx_config *cfg;
	const gx_valid_figures *f;
} eval_ctx;

static int eval_step(void *ctx, gx_err *err)
{
	eval_ctx *e = ctx;
	gx_check *c = NULL;
	gx_attrition *a = NULL;
	size_t nc = 0, na = 0;
	int rc = gx_valid_evaluate(e->cfg, e->f, &c, &nc, &a, &na, err);

	gx_checks_free(c, nc);
	gx_attrition_free(a, na);
	return rc;
}

int main(void)
{
	gx_config cfg = defaults();
	gx_valid_figures f;
	gx_check *c = NULL;
	gx_attrition *a = NULL;
	size_t nc = 0, na = 0, i;
	double thr;
	gx_err err;

	/* gx_check_judge */
	is_int(gx_check_judge(0.1, 1, 0.05, 0.5, &thr), GX_CHECK_WARN, "above warn: WARN");
	is_double(thr, 0.05, "WARN reports the warn limit");
	is_int(gx_check_judge(0.6, 1, 0.05, 0.5, &thr), GX_CHECK_FAIL, "above fail: FAIL");
	is_double(thr, 0.5, "FAIL reports the fail limit");
	is_int(gx_check_judge(0.05, 1, 0.05, 0.5, &thr), GX_CHECK_PASS, "at the limit: PASS");
	is_int(gx_check_judge(3, 0, 5, 1, &thr), GX_CHECK_WARN, "lower bound: below warn is WARN");
	is_int(gx_check_judge(0, 0, 5, 1, &thr), GX_CHECK_FAIL, "lower bound: below fail is FAIL");
	is_int(gx_check_judge(9, 0, 5, 1, &thr), GX_CHECK_PASS, "lower bound: above is PASS");
	is_int(gx_check_judge(9, 1, NAN, 5, &thr), GX_CHECK_FAIL, "a NAN warn limit is disabled");
	is_double(thr, 5, "threshold falls back to the fail limit");
	is_int(gx_check_judge(NAN, 1, 0, 0, &thr), GX_CHECK_PASS, "a NAN observation passes");
	is_int(gx_check_judge(1, 1, 0.05, 1, &thr), GX_CHECK_WARN, "a fail limit of 1 never fails a share");

	/* integrity check of each structural error */
	is_str(gx_integrity_check_of(GX_E_RAGGED), "ragged_rows", "2010 ragged");
	is_str(gx_integrity_check_of(GX_E_NOT_NUMERIC), "non_numeric_values", "2011 not numeric");
	is_str(gx_integrity_check_of(GX_E_NOT_FINITE), "non_finite_values", "2012 not finite");
	is_str(gx_integrity_check_of(GX_E_DUP_GENE), "duplicate_gene_ids", "2013 duplicate gene");
	is_str(gx_integrity_check_of(GX_E_DUP_SAMPLE), "duplicate_samples", "2014 duplicate sample");
	is_str(gx_integrity_check_of(GX_E_EMPTY_ID), "empty_ids", "2015 empty id");
	is_str(gx_integrity_check_of(GX_E_HDF5), "file_structure", "other input errors: file_structure");
	is_str(gx_integrity_check_of(GX_E_ENCODING), "file_structure", "encoding: file_structure");
	ok(gx_integrity_check_of(GX_E_NO_STUDY) == NULL, "no study directory: no check");
	ok(gx_integrity_check_of(GX_E_DB) == NULL, "database errors: no check");
	ok(gx_integrity_check_of(GX_E_VALIDATION) == NULL, "a failed check is not an integrity error");

	/* a clean study: every check present, all PASS */
	f = clean();
	is_int(gx_valid_evaluate(&cfg, &f, &c, &nc, &a, &na, &err), 0, "evaluate a clean study");
	is_int(nc, 18, "18 checks");
	is_int(na, 5, "5 attrition reasons");
	for (i = 0; i < nc; i++)
		if (c[i].status != GX_CHECK_PASS)
			break;
	ok(i == nc, "a clean study passes every check");
	for (i = 0; i < 7; i++)
		ok(!strcmp(c[i].kind, "integrity") && c[i].observed == 0, "integrity check %s: observed 0",
		   c[i].name);
	is_str(find(c, nc, "sample_count")->kind, "quality", "sample_count is a quality check");
	is_double(find(c, nc, "sample_count")->observed, 4, "sample_count observes the samples");
	ok(isnan(find(c, nc, "negative_linear_values")->observed), "negative values: n/a for log2 data");
	ok(isnan(find(c, nc, "aggregated_samples_absent")->observed), "no aggregated list: n/a");
	ok(strstr(find(c, nc, "value_range")->message, "from -1 to 14 (log2 scale)") != NULL,
	   "value_range names the range and the scale");
	is_double(find(c, nc, "value_scale")->observed, 0, "value_scale: 0 = log2");
	for (i = 0; i < na; i++)
		ok(a[i].n == 0, "attrition %s: 0", a[i].reason);
	gx_checks_free(c, nc);
	gx_attrition_free(a, na);

	/* problems: every quality check off its limits */
	f = clean();
	f.n_without_metadata = 1;
	f.without_metadata = "S4";
	f.n_metadata_only = 2;
	f.metadata_only = "M1, M2";
	f.has_aggregated = 1;
	f.n_aggregated = 5;
	f.n_aggregated_absent = 1;
	f.aggregated_absent = "S9";
	f.n_missing = 10;           /* 10 of 50 cells */
	f.worst_missing = 0.5;
	f.worst_missing_sample = "S2";
	f.fewest_values = 0;
	f.value_max = 1000;
	f.n_unknown_illness = 3;
	f.unknown_illness = "S1, S2, S3";
	f.n_platform_known = 2;
	f.unknown_platform = "S3, S4";
	is_int(gx_valid_evaluate(&cfg, &f, &c, &nc, &a, &na, &err), 0, "evaluate a problem study");
	is_str(status_of(c, nc, "samples_without_metadata"), "WARN", "a sample without metadata: WARN");
	is_double(find(c, nc, "samples_without_metadata")->observed, 0.25, "observed as a share");
	is_str(status_of(c, nc, "metadata_without_data"), "WARN", "metadata rows without data: WARN");
	ok(strstr(find(c, nc, "metadata_without_data")->message, "M1, M2") != NULL, "and named");
	is_str(status_of(c, nc, "aggregated_samples_absent"), "WARN", "aggregated sample absent: WARN, not an error");
	is_str(status_of(c, nc, "genes_per_sample"), "WARN", "a sample without values: WARN");
	is_str(status_of(c, nc, "missing_values"), "WARN", "20%% missing: WARN");
	is_double(find(c, nc, "missing_values")->observed, 0.2, "missing share of all cells");
	is_str(status_of(c, nc, "value_range"), "WARN", "log2 data above log2_max_value: WARN");
	is_str(status_of(c, nc, "unknown_illness"), "WARN", "75%% UNKNOWN: WARN");
	is_str(status_of(c, nc, "platform_coverage"), "WARN", "half the platforms unknown: WARN");
	is_int(find_attr(a, na, "missing_value")->n, 10, "attrition: missing values");
	is_str(find_attr(a, na, "missing_value")->unit, "value", "counted in values");
	is_int(find_attr(a, na, "sample_without_metadata")->n, 1, "attrition: sample without metadata");
	is_int(find_attr(a, na, "metadata_without_data")->n, 2, "attrition: metadata rows without data");
	is_int(find_attr(a, na, "aggregated_sample_absent")->n, 1, "attrition: aggregated samples absent");
	is_str(find_attr(a, na, "aggregated_sample_absent")->unit, "sample", "counted in samples");
	gx_checks_free(c, nc);
	gx_attrition_free(a, na);

	{
		eval_ctx e = { &cfg, &f };
		oom_check("gx_valid_evaluate", eval_step, &e);
	}

	/* fail limits */
	cfg.v_missing_fail = 0.1;
	cfg.v_min_samples = 5;
	cfg.v_genes_per_sample_fail = 1;
	is_int(gx_valid_evaluate(&cfg, &f, &c, &nc, &a, &na, &err), 0, "evaluate with strict limits");
	is_str(status_of(c, nc, "missing_values"), "FAIL", "missing above the fail limit: FAIL");
	is_double(find(c, nc, "missing_values")->threshold, 0.1, "FAIL row carries the fail limit");
	is_str(status_of(c, nc, "sample_count"), "FAIL", "fewer samples than validation.min_samples: FAIL");
	is_str(status_of(c, nc, "genes_per_sample"), "FAIL", "a sample below the fail limit: FAIL");
	gx_checks_free(c, nc);
	gx_attrition_free(a, na);
	cfg = defaults();

	/* linear data: negative values lose their log2 value */
	f = clean();
	f.linear = 1;
	f.n_negative = 4;
	is_int(gx_valid_evaluate(&cfg, &f, &c, &nc, &a, &na, &err), 0, "evaluate linear data");
	is_str(status_of(c, nc, "negative_linear_values"), "WARN", "negative linear values: WARN");
	is_double(find(c, nc, "negative_linear_values")->observed, 0.1, "observed as a share of values");
	is_str(status_of(c, nc, "value_range"), "PASS", "linear data has no log2 upper limit");
	is_double(find(c, nc, "value_scale")->observed, 1, "value_scale: 1 = linear");
	is_int(find_attr(a, na, "negative_linear_log2_null")->n, 4, "attrition: log2_value NULL");
	gx_checks_free(c, nc);
	gx_attrition_free(a, na);

	/* no metadata table, nothing measured, matrix not read */
	f = clean();
	f.metadata_name = NULL;
	f.n_measured = 0;
	f.matrix_read = 0;
	is_int(gx_valid_evaluate(&cfg, &f, &c, &nc, &a, &na, &err), 0, "evaluate without metadata");
	ok(isnan(find(c, nc, "samples_without_metadata")->observed), "no metadata table: n/a");
	ok(isnan(find(c, nc, "missing_values")->observed), "unmeasured: n/a");
	ok(strstr(find(c, nc, "missing_values")->message, "reload with --force") != NULL,
	   "unmeasured samples: the message says how to measure them");
	ok(strstr(c[0].message, "not read again") != NULL, "integrity rows say the matrix was not re-read");
	gx_checks_free(c, nc);
	gx_attrition_free(a, na);
	return tap_done();
}
