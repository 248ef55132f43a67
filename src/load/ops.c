/*
 * ops.c - the operators' statements (see ops.h): the studies with their latest runs, the
 * loaded studies, and a study's drop.
 *
 * Plain SQL, the same on both backends but for timestamps (gx_sink_iso), the catalog a
 * drop reads its tables from, and the facts of a study on PostgreSQL, which are a
 * partition of their own: dropped rather than emptied row by row.
 * Does not: take locks or record runs (cmd/drop.c does), or decide what to print.
 */
#include "load/ops.h"
#include "load/sink_impl.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gx_ops_overview(gx_sink *s, const char *accession, gx_rows **out, gx_err *err)
{
	const char *p[1] = { accession };
	char sql[4096], upd[128], st[128], fin[128], last[128];

	/* the checks of the latest run that judged the study (a skipped run judges nothing) */
#define JUDGED "(SELECT max(y.run_id) FROM meta_etl_run y WHERE y.study_accession = " \
	"r.study_accession AND y.status <> 'skipped' AND COALESCE(y.command, '') <> 'drop')"
	snprintf(sql, sizeof(sql),
		"SELECT r.study_accession, CASE WHEN st.study_key IS NULL THEN 0 ELSE 1 END, "
		"st.n_samples, st.n_genes, st.n_values, st.value_scale, %s, "
		"r.run_id, r.status, r.mode, r.command, %s, %s, r.rows_inserted, r.rows_deleted, "
		"r.samples_changed, r.error_code, r.sqlstate, r.message, r.attempt, "
		"(SELECT %s FROM meta_etl_run x WHERE x.study_accession = r.study_accession "
		" AND x.status IN ('succeeded', 'skipped') AND COALESCE(x.command, '') <> 'drop'), "
		"(SELECT count(*) FROM meta_data_validation_log v WHERE v.status = 'FAIL' "
		" AND v.run_id = " JUDGED "), "
		"(SELECT count(*) FROM meta_data_validation_log v WHERE v.status = 'WARN' "
		" AND v.run_id = " JUDGED "), r.resumed_from_chunk, r.values_resumed "
		"FROM meta_etl_run r LEFT JOIN dim_study st ON st.accession = r.study_accession "
		"WHERE r.run_id = (SELECT max(r2.run_id) FROM meta_etl_run r2 "
		"                  WHERE r2.study_accession = r.study_accession) AND %s "
		"ORDER BY r.study_accession",
		gx_sink_iso(s, "st.updated_at", upd, sizeof(upd)),
		gx_sink_iso(s, "r.started_at", st, sizeof(st)),
		gx_sink_iso(s, "r.finished_at", fin, sizeof(fin)),
		gx_sink_iso(s, "max(x.finished_at)", last, sizeof(last)),
		accession ? "r.study_accession = $1"
		          : "NOT (COALESCE(r.command, '') = 'drop' AND st.study_key IS NULL)");
#undef JUDGED
	return gx_sink_query(s, sql, accession ? 1 : 0, accession ? p : NULL, out, err);
}

int gx_ops_studies(gx_sink *s, gx_rows **out, gx_err *err)
{
	char sql[512], upd[128];

	snprintf(sql, sizeof(sql),
		"SELECT accession, n_samples, n_genes, n_values, value_scale, %s FROM dim_study "
		"ORDER BY accession", gx_sink_iso(s, "updated_at", upd, sizeof(upd)));
	return gx_sink_query(s, sql, 0, NULL, out, err);
}

/* ---- drop ---- */

void gx_drop_counts_release(gx_drop_counts *c)
{
	gx_free(c->tables);
	memset(c, 0, sizeof(*c));
}

static int note(gx_drop_counts *c, const char *table, int64_t rows, gx_err *err)
{
	gx_drop_rows *t;

	if (rows <= 0)
		return 0;
	if (!(t = gx_reallocarray(c->tables, c->n + 1, sizeof(*t))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	c->tables = t;
	snprintf(t[c->n].table, sizeof(t[c->n].table), "%s", table);
	t[c->n].rows = rows;
	c->n++;
	return 0;
}

/* Count (dry run) or delete the rows of 'table' (quoted: 'qtable') that 'where' picks
 * ($1 = the study key); the count is noted under the table's name. */
static int take(gx_sink *s, const char *table, const char *qtable, const char *where,
                const char *key, int dry_run, gx_drop_counts *c, int64_t *rows, gx_err *err)
{
	const char *p[1] = { key };
	char sql[512];
	int64_t n = 0;
	long cnt = 0;
	int rc;

	snprintf(sql, sizeof(sql), "%s FROM %s WHERE %s", dry_run ? "SELECT count(*)" : "DELETE",
	         qtable, where);
	if (dry_run) {
		rc = gx_sink_query_long(s, sql, 1, p, &cnt, err);
		n = cnt;
	} else {
		rc = s->ops->delete_rows(s, sql, 1, p, &n, err);
	}
	if (rc) {
		gx_err_prefix(err, "cannot drop the study's rows of %s", table);
		return rc;
	}
	if (rows)
		*rows = n;
	return note(c, table, n, err);
}

/*
 * Every base table of gxload's schema (not a partition, not a leftover range table of a
 * PostgreSQL load) with a study_key or a sample_key column: name, quoted name, the two
 * flags as "0"/"1".
 */
static int study_tables(gx_sink *s, gx_rows **out, gx_err *err)
{
	if (s->kind == GX_DB_POSTGRESQL)
		return gx_sink_query(s,
			"SELECT relname, quote_ident(relname), CAST(has_study AS int), "
			"CAST(has_sample AS int) FROM (SELECT c.relname, "
			"EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
			"        AND a.attname = 'study_key' AND NOT a.attisdropped) AS has_study, "
			"EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
			"        AND a.attname = 'sample_key' AND NOT a.attisdropped) AS has_sample "
			"FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
			"AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
			"AND c.relname !~ '^fact_gene_expression_p[0-9]') t "
			"WHERE has_study OR has_sample ORDER BY relname", 0, NULL, out, err);
	return gx_sink_query(s,
		"SELECT name, '\"' || replace(name, '\"', '\"\"') || '\"', has_study, has_sample "
		"FROM (SELECT m.name, "
		"(SELECT count(*) FROM pragma_table_info(m.name) WHERE name = 'study_key') AS has_study, "
		"(SELECT count(*) FROM pragma_table_info(m.name) WHERE name = 'sample_key') AS has_sample "
		"FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%') "
		"WHERE has_study > 0 OR has_sample > 0 ORDER BY name", 0, NULL, out, err);
}

/* The study's facts.  PostgreSQL: its partition goes whole (DROP TABLE: no row by row
 * delete, no dead tuples); the loader keeps dim_study.n_values equal to its rows. */
static int take_facts(gx_sink *s, const char *key, long n_values, int dry_run,
                      gx_drop_counts *c, gx_err *err)
{
	char sql[128];
	int rc;

	if (s->kind != GX_DB_POSTGRESQL)
		return take(s, "fact_gene_expression", "fact_gene_expression", "study_key = $1", key,
		            dry_run, c, &c->values, err);
	c->values = n_values;
	/* the partition's name is made from the integer key, never from user text */
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS fact_gene_expression_p%ld",
	         strtol(key, NULL, 10));
	if (!dry_run && (rc = gx_sink_exec(s, sql, err))) {
		gx_err_prefix(err, "cannot drop the study's partition of fact_gene_expression");
		return rc;
	}
	return note(c, "fact_gene_expression", n_values, err);
}

int gx_ops_drop(gx_sink *s, const char *accession, int dry_run, gx_drop_counts *out,
                gx_err *err)
{
	const char *p[1] = { accession };
	static const char by_sample[] =
		"sample_key IN (SELECT sample_key FROM dim_sample WHERE study_key = $1)";
	gx_rows *st = NULL, *t = NULL;
	const char *key;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = gx_sink_query(s, "SELECT CAST(study_key AS text), CAST(n_values AS text) "
	                        "FROM dim_study WHERE accession = $1", 1, p, &st, err)))
		return rc;
	if (st->nrows == 0) {
		rc = gx_err_set(err, GX_E_NO_STUDY, "study '%s' is not loaded in %s", accession,
		                gx_sink_url(s));
		goto out;
	}
	key = gx_rows_get(st, 0, 0);
	if ((rc = study_tables(s, &t, err)))
		goto out;
	/* what refers to the study's samples and to the study first, then its samples, then
	 * the study itself: no foreign key is left pointing at a deleted row */
	for (i = 0; i < t->nrows && !rc; i++) {
		const char *name = gx_rows_get(t, i, 0);
		int has_study = atoi(gx_rows_get(t, i, 2)) > 0;
		if (!strcmp(name, "dim_study") || !strcmp(name, "dim_sample"))
			continue;
		if (!strcmp(name, "fact_gene_expression"))
			rc = take_facts(s, key, strtol(gx_rows_get(st, 0, 1), NULL, 10), dry_run, out,
			                err);
		else
			rc = take(s, name, gx_rows_get(t, i, 1), has_study ? "study_key = $1" : by_sample,
			          key, dry_run, out, NULL, err);
	}
	if (!rc)
		rc = take(s, "dim_sample", "dim_sample", "study_key = $1", key, dry_run, out,
		          &out->samples, err);
	if (!rc)
		rc = take(s, "dim_study", "dim_study", "study_key = $1", key, dry_run, out, NULL, err);
out:
	gx_rows_free(st);
	gx_rows_free(t);
	return rc;
}
