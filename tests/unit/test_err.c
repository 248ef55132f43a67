/* test_err.c - error codes map to the documented exit codes; messages locate the data. */
#include "core/err.h"
#include "tap.h"

#include <signal.h>

int main(void)
{
	static const struct { gx_code code; int exit; } map[] = {
		{ GX_OK, 0 }, { GX_E_USAGE, 64 }, { GX_E_NO_STUDY, 65 }, { GX_E_RAGGED, 65 },
		{ GX_E_DUP_GENE, 65 }, { GX_E_HDF5, 65 }, { GX_E_VALIDATION, 65 }, { GX_E_MISMATCH, 65 },
		{ GX_E_RULES, 78 },
		{ GX_E_DB_CONNECT, 69 }, { GX_E_DB, 70 }, { GX_E_INTERNAL, 70 }, { GX_E_IO, 74 },
		{ GX_E_DB_FULL, 74 }, { GX_E_LOCKED, 75 }, { GX_E_DB_LOST, 75 }, { GX_E_DB_BUSY, 75 },
		{ GX_E_CONFIG, 78 }, { GX_E_MIGRATION_CHANGED, 78 }, { GX_E_DB_URL, 78 },
	};
	gx_err e;
	char buf[256], q[256];
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		gx_err_clear(&e);
		e.code = map[i].code;
		is_int(gx_err_exit_code(&e), map[i].exit, "code %d (%s) exits %d", map[i].code,
		       gx_code_name(map[i].code), map[i].exit);
	}
	gx_err_set(&e, GX_E_INTERRUPTED, "x");
	e.signo = SIGTERM;
	is_int(gx_err_exit_code(&e), 143, "SIGTERM exits 143");
	e.signo = SIGINT;
	is_int(gx_err_exit_code(&e), 130, "SIGINT exits 130");
	is_str(gx_code_stage(GX_E_DUP_GENE), "extract", "2xxx is the extract stage");
	is_str(gx_code_stage(GX_E_DB), "load", "4xxx is the load stage");
	is_int(gx_err_at(&e, GX_E_NOT_NUMERIC, "a.tsv", 3, 5, "value is not a number: %s", "\"x\""),
	       -GX_E_NOT_NUMERIC, "gx_err_at returns the negative code");
	is_str(gx_err_format(&e, buf, sizeof buf), "'a.tsv', line 3, column 5: value is not a number: \"x\"",
	       "formatted like PostgreSQL's COPY context");
	gx_err_prefix(&e, "study %s", "GSE1");
	is_str(e.msg, "study GSE1: value is not a number: \"x\"", "prefix");
	is_str(gx_err_quote("a\tb\"c\\", 6, q, sizeof q), "\"a\\x09b\\\"c\\\\\"", "quote escapes");
	{
		char big[300];
		memset(big, 'x', sizeof big);
		gx_err_quote(big, sizeof big, q, sizeof q);
		is_int(strlen(q), 105, "values are cut at 100 characters (plus quotes and ...)");
	}
	is_str(gx_err_quote("E\xff", 2, q, sizeof q), "\"E\\xff\"", "invalid UTF-8 is escaped");
	is_str(gx_err_quote("\xc3\xa9", 2, q, sizeof q), "\"\xc3\xa9\"", "valid UTF-8 is kept");
	return tap_done();
}
