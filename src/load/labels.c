/*
 * labels.c - stored illness labels (see labels.h).  Plain SQL that both backends
 * understand; the JSON column is text on SQLite and jsonb on PostgreSQL (read back as
 * text).
 */
#include "load/labels.h"

#include <stdio.h>

int gx_labels_read_study(gx_sink *s, const char *study, gx_rows **out, gx_err *err)
{
	static const char sql[] =
		"SELECT s.accession, s.metadata, i.code, s.illness_source, s.illness_rule_id, "
		"s.illness_field, s.illness_matched_text, p.code, "
		"CAST(s.illness_evidence AS text) "
		"FROM dim_sample s JOIN dim_study st ON st.study_key = s.study_key "
		"LEFT JOIN dim_illness i ON i.illness_key = s.illness_key "
		"LEFT JOIN dim_platform p ON p.platform_key = s.platform_key "
		"WHERE st.accession = $1 ORDER BY s.accession";
	const char *par[1] = { study };

	return gx_sink_query(s, sql, 1, par, out, err);
}

int gx_labels_studies(gx_sink *s, gx_rows **out, gx_err *err)
{
	return gx_sink_query(s, "SELECT st.accession FROM dim_study st WHERE EXISTS (SELECT 1 "
	                     "FROM dim_sample s WHERE s.study_key = st.study_key) "
	                     "ORDER BY st.accession", 0, NULL, out, err);
}

int gx_labels_set_evidence(gx_sink *s, int32_t sample_key, const char *json, gx_err *err)
{
	char key[16];
	const char *par[2] = { key, json };

	snprintf(key, sizeof(key), "%d", (int)sample_key);
	return gx_sink_query(s, "UPDATE dim_sample SET illness_evidence = $2 "
	                     "WHERE sample_key = $1", 2, par, NULL, err);
}
