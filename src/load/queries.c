/*
 * queries.c - the read-only queries behind status, report and rules explain (see
 * queries.h).  Plain SQL, the same on both backends, except the report's timestamps and
 * duration, which each backend formats its own way.
 */
#include "load/queries.h"
#include "load/sink_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- status ---- */

int gx_status_studies(gx_sink *s, gx_rows **out, gx_err *err)
{
	char sql[1024], t[128];

	/* a study dropped (or never loaded) whose latest run is a drop is not listed */
	snprintf(sql, sizeof(sql),
		"SELECT r.study_accession, COALESCE(CAST(st.n_samples AS text), '-'), "
		"COALESCE(CAST(st.n_genes AS text), '-'), COALESCE(CAST(st.n_values AS text), '-'), "
		"CAST(r.run_id AS text), r.status, COALESCE(r.mode, '-'), %s, r.message "
		"FROM meta_etl_run r LEFT JOIN dim_study st ON st.accession = r.study_accession "
		"WHERE r.run_id = (SELECT max(run_id) FROM meta_etl_run r2 "
		"                  WHERE r2.study_accession = r.study_accession) "
		"AND NOT (COALESCE(r.command, '') = 'drop' AND st.study_key IS NULL) "
		"ORDER BY r.study_accession", gx_sink_iso(s, "r.finished_at", t, sizeof(t)));
	return gx_sink_query(s, sql, 0, NULL, out, err);
}

int gx_status_study(gx_sink *s, const char *accession, gx_rows **out, gx_err *err)
{
	const char *p[1] = { accession };

	return gx_sink_query(s,
		"SELECT CAST(study_key AS text), title, technology, organism, source_database, "
		"value_scale, CAST(n_samples AS text), CAST(n_genes AS text), "
		"CAST(n_values AS text), CAST(updated_at AS text) FROM dim_study WHERE accession = $1",
		1, p, out, err);
}

int gx_status_runs(gx_sink *s, const char *accession, gx_rows **out, gx_err *err)
{
	const char *p[1] = { accession };
	char sql[1024], t[128];

	snprintf(sql, sizeof(sql),
		"SELECT CAST(run_id AS text), status, COALESCE(mode, '-'), %s, "
		"CAST(rows_inserted AS text), CAST(rows_deleted AS text), "
		"CAST(samples_changed AS text), CAST(error_code AS text), message, "
		"CAST(resumed_from_chunk AS text), CAST(values_resumed AS text) "
		"FROM meta_etl_run WHERE study_accession = $1 ORDER BY run_id DESC LIMIT 10",
		gx_sink_iso(s, "started_at", t, sizeof(t)));
	return gx_sink_query(s, sql, 1, p, out, err);
}

int gx_status_files(gx_sink *s, const char *study_key, gx_rows **out, gx_err *err)
{
	const char *q[1] = { study_key };

	return gx_sink_query(s,
		"SELECT path, role, CAST(size_bytes AS text), content_hash, CAST(mtime AS text) "
		"FROM meta_source_file WHERE study_key = $1 ORDER BY role, path", 1, q, out, err);
}

/* ---- report ---- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int gx_report_find_run(gx_sink *s, const char *arg, long *run_id, gx_err *err)
{
	const char *p[1] = { arg };
	int rc;

	if (all_digits(arg)) {
		rc = gx_sink_query_long(s, "SELECT run_id FROM meta_etl_run WHERE run_id = $1", 1, p,
		                        run_id, err);
		if (!rc && !*run_id)
			rc = gx_err_set(err, GX_E_NO_STUDY, "no run %s in %s", arg, gx_sink_url(s));
		return rc;
	}
	if ((rc = gx_sink_query_long(s, "SELECT COALESCE(max(run_id), 0) FROM meta_etl_run "
	                             "WHERE study_accession = $1 AND status <> 'skipped'", 1, p,
	                             run_id, err)) || *run_id)
		return rc;
	if ((rc = gx_sink_query_long(s, "SELECT COALESCE(max(run_id), 0) FROM meta_etl_run "
	                             "WHERE study_accession = $1", 1, p, run_id, err)))
		return rc;
	if (!*run_id)
		rc = gx_err_set(err, GX_E_NO_STUDY, "no run of study '%s' in %s", arg,
		                gx_sink_url(s));
	return rc;
}

int gx_report_read(gx_sink *s, long run_id, gx_run_report *r, gx_err *err)
{
	const int pg = s->kind == GX_DB_POSTGRESQL;
	char id[24], sql[1024];
	const char *p[1] = { id };
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(id, sizeof(id), "%ld", run_id);
	/* timestamps as the ISO-8601 UTC text SQLite stores; the duration in seconds */
	snprintf(sql, sizeof(sql),
	         "SELECT run_id, study_accession, status, mode, command, "
	         "CAST(CAST(forced AS integer) AS text), %s, %s, %s, rows_inserted, rows_deleted, "
	         "samples_changed, files_skipped, error_code, message, gxload_version, "
	         "resumed_from_chunk, values_resumed FROM meta_etl_run WHERE run_id = $1",
	         pg ? "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
	            : "started_at",
	         pg ? "to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
	            : "finished_at",
	         pg ? "CAST(EXTRACT(EPOCH FROM finished_at - started_at) AS double precision)"
	            : "(julianday(finished_at) - julianday(started_at)) * 86400.0");
	if ((rc = gx_sink_query(s, sql, 1, p, &r->run, err)) ||
	    (rc = gx_sink_query(s, "SELECT kind, check_name, status, observed, threshold, message "
	                        "FROM meta_data_validation_log WHERE run_id = $1 "
	                        "ORDER BY validation_id", 1, p, &r->checks, err)) ||
	    (rc = gx_sink_query(s, "SELECT reason, unit, n, message FROM meta_data_attrition "
	                        "WHERE run_id = $1 ORDER BY attrition_id", 1, p, &r->attr, err)) ||
	    (rc = gx_sink_query(s, "SELECT step, seconds FROM meta_etl_step WHERE run_id = $1 "
	                        "ORDER BY CASE step WHEN 'prepare' THEN 1 WHEN 'load' THEN 2 "
	                        "WHEN 'validate' THEN 3 ELSE 4 END, step", 1, p, &r->steps, err)) ||
	    (rc = gx_sink_query(s, "SELECT level, step, error_code, message "
	                        "FROM meta_etl_process_log WHERE run_id = $1 "
	                        "AND level IN ('warning', 'error') ORDER BY log_id", 1, p, &r->msgs,
	                        err)))
		return rc;
	return 0;
}

void gx_run_report_free(gx_run_report *r)
{
	gx_rows_free(r->run);
	gx_rows_free(r->checks);
	gx_rows_free(r->attr);
	gx_rows_free(r->steps);
	gx_rows_free(r->msgs);
	memset(r, 0, sizeof(*r));
}

/* ---- rules explain ---- */

int gx_explain_samples(gx_sink *s, const char *accession, gx_rows **out, gx_err *err)
{
	static const char sql[] =
		"SELECT s.accession, s.metadata, i.code, s.illness_source, s.illness_rule_id, "
		"s.illness_field, s.illness_matched_text, p.code, "
		"CAST(s.illness_evidence AS text) "
		"FROM dim_sample s JOIN dim_study st ON st.study_key = s.study_key "
		"LEFT JOIN dim_illness i ON i.illness_key = s.illness_key "
		"LEFT JOIN dim_platform p ON p.platform_key = s.platform_key "
		"WHERE st.accession = $1 ORDER BY s.accession";
	const char *par[1] = { accession };

	return gx_sink_query(s, sql, 1, par, out, err);
}

int gx_explain_studies(gx_sink *s, gx_rows **out, gx_err *err)
{
	return gx_sink_query(s, "SELECT st.accession FROM dim_study st WHERE EXISTS (SELECT 1 "
	                     "FROM dim_sample s WHERE s.study_key = st.study_key) "
	                     "ORDER BY st.accession", 0, NULL, out, err);
}
