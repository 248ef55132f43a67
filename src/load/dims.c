/*
 * dims.c - the dimension rows of a load (see dims.h).
 *
 * Invariant: every dimension upsert is upsert_hashed's statement, so a row is rewritten
 * only when its content hash changed, and a dimension's columns are named in one table
 * below (study_cols, ...) rather than spelled out again in each statement.
 * Plain SQL with $n text parameters, the same on both backends (sink.h).
 * Does not: decide what a row holds (the pipeline does), or open transactions.
 */
#include "load/dims.h"
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A dimension table for upsert_hashed. */
typedef struct dim_def {
	const char *table;
	const char *const *cols;    /* NULL-terminated, in parameter order */
	size_t n_key;               /* the first n_key columns are the conflict key */
	const char *returning;      /* the key column to return, or NULL */
} dim_def;

/*
 * INSERT INTO table (cols) VALUES ($1, ...) ON CONFLICT (key) DO UPDATE SET every other
 * column (but created_at, which a row keeps from its insert) WHERE the stored
 * content_hash IS DISTINCT FROM the new one [RETURNING key].  With 'key', *key receives
 * the returned key: 0 when the row was left as it was.
 */
static int upsert_hashed(gx_sink *s, const dim_def *d, const char *const *vals, long *key,
                         gx_err *err)
{
	gx_buf sql = { 0 };
	size_t i, n;
	int bad = 0, first = 1, rc;

	for (n = 0; d->cols[n]; n++)
		;
	bad |= gx_buf_printf(&sql, "INSERT INTO %s (", d->table);
	for (i = 0; i < n; i++)
		bad |= gx_buf_printf(&sql, "%s%s", i ? ", " : "", d->cols[i]);
	bad |= gx_buf_puts(&sql, ") VALUES (");
	for (i = 0; i < n; i++)
		bad |= gx_buf_printf(&sql, "%s$%zu", i ? ", " : "", i + 1);
	bad |= gx_buf_puts(&sql, ") ON CONFLICT (");
	for (i = 0; i < d->n_key; i++)
		bad |= gx_buf_printf(&sql, "%s%s", i ? ", " : "", d->cols[i]);
	bad |= gx_buf_puts(&sql, ") DO UPDATE SET ");
	for (i = d->n_key; i < n; i++) {
		if (!strcmp(d->cols[i], "created_at"))
			continue;
		bad |= gx_buf_printf(&sql, "%s%s = excluded.%s", first ? "" : ", ", d->cols[i],
		                     d->cols[i]);
		first = 0;
	}
	bad |= gx_buf_printf(&sql, " WHERE %s.content_hash IS DISTINCT FROM excluded.content_hash",
	                     d->table);
	if (d->returning)
		bad |= gx_buf_printf(&sql, " RETURNING %s", d->returning);
	if (bad) {
		gx_buf_release(&sql);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	rc = key ? gx_sink_query_long(s, sql.data, (int)n, vals, key, err)
	         : gx_sink_query(s, sql.data, (int)n, vals, NULL, err);
	gx_buf_release(&sql);
	return rc;
}

/* ---- dim_study ---- */

static const char *const study_cols[] = {
	"accession", "title", "description", "technology", "organism", "source_database",
	"metadata", "content_hash", "created_at", "updated_at", NULL
};
static const dim_def study_def = { "dim_study", study_cols, 1, "study_key" };

int gx_dim_study_state(gx_sink *s, const char *accession, gx_study_state *st, gx_err *err)
{
	const char *par[1] = { accession };
	gx_rows *r = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = gx_sink_query(s, "SELECT study_key, input_fingerprint, n_values, value_scale, "
	                   "facts_fingerprint, cohort_by, features_hash FROM dim_study "
	                   "WHERE accession = $1", 1, par, &r, err);
	if (rc)
		return rc;
	if (r->nrows) {
		st->study_key = (int32_t)atol(gx_rows_get(r, 0, 0));
		snprintf(st->fingerprint, sizeof(st->fingerprint), "%s",
		         gx_rows_get(r, 0, 1) ? gx_rows_get(r, 0, 1) : "");
		st->n_values = atoll(gx_rows_get(r, 0, 2));
		snprintf(st->value_scale, sizeof(st->value_scale), "%s",
		         gx_rows_get(r, 0, 3) ? gx_rows_get(r, 0, 3) : "");
		snprintf(st->facts_fp, sizeof(st->facts_fp), "%s",
		         gx_rows_get(r, 0, 4) ? gx_rows_get(r, 0, 4) : "");
		snprintf(st->cohort_by, sizeof(st->cohort_by), "%s",
		         gx_rows_get(r, 0, 5) ? gx_rows_get(r, 0, 5) : "");
		snprintf(st->features_hash, sizeof(st->features_hash), "%s",
		         gx_rows_get(r, 0, 6) ? gx_rows_get(r, 0, 6) : "");
	}
	gx_rows_free(r);
	return 0;
}

int gx_dim_study_upsert(gx_sink *s, const gx_dim_study *d, int32_t *study_key, gx_err *err)
{
	char now[32], hash[GX_HASH_HEX];
	const char *par[10];
	long key;
	int rc;

	gx_sink_now(now);
	par[0] = d->accession;
	par[1] = d->title;
	par[2] = d->description;
	par[3] = d->technology;
	par[4] = d->organism;
	par[5] = d->source_database;
	par[6] = d->metadata;
	if (gx_hash_fields(hash, 7, par) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	par[7] = hash;
	par[8] = now;
	par[9] = now;
	rc = upsert_hashed(s, &study_def, par, &key, err);
	if (rc)
		return rc;
	if (!key)
		rc = gx_sink_query_long(s, "SELECT study_key FROM dim_study WHERE accession = $1",
		                        1, par, &key, err);
	*study_key = (int32_t)key;
	return rc;
}

int gx_dim_study_finish(gx_sink *s, int32_t study_key, const char *fingerprint,
                        const char *facts_fp, const char *rules_hash, const char *cohort_by,
                        const char *value_scale, long n_genes, gx_err *err)
{
	char sk[16], now[32];
	const char *par[7] = { sk, fingerprint, now, value_scale, rules_hash, facts_fp, cohort_by };
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	gx_sink_now(now);
	rc = gx_sink_query(s,
		"UPDATE dim_study SET input_fingerprint = $2, updated_at = $3, rules_hash = $5, "
		"value_scale = COALESCE($4, value_scale), facts_fingerprint = $6, cohort_by = $7, "
		"n_samples = (SELECT count(*) FROM dim_sample s WHERE s.study_key = dim_study.study_key), "
		"n_values = (SELECT COALESCE(sum(n_values), 0) FROM dim_sample s "
		"            WHERE s.study_key = dim_study.study_key) "
		"WHERE study_key = $1", 7, par, NULL, err);
	if (rc || !value_scale)
		return rc;
	{
		char ng[24];
		const char *q[2] = { sk, ng };
		snprintf(ng, sizeof(ng), "%ld", n_genes);
		return gx_sink_query(s, "UPDATE dim_study SET n_genes = $2 WHERE study_key = $1",
		                     2, q, NULL, err);
	}
}

int gx_dim_study_figures(gx_sink *s, int32_t study_key, int *linear, long *n_genes,
                         gx_err *err)
{
	char sk[16];
	const char *par[1] = { sk };
	gx_rows *r = NULL;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	if ((rc = gx_sink_query(s, "SELECT value_scale, n_genes FROM dim_study WHERE study_key = $1",
	                        1, par, &r, err)))
		return rc;
	if (r->nrows) {
		*linear = gx_rows_get(r, 0, 0) && !strcmp(gx_rows_get(r, 0, 0), "linear");
		*n_genes = atol(gx_rows_get(r, 0, 1));
	}
	gx_rows_free(r);
	return 0;
}

int gx_dim_study_summary(gx_sink *s, int32_t study_key, int64_t *n_values, long *n_genes,
                         char value_scale[8], gx_err *err)
{
	char sk[16];
	const char *par[1] = { sk };
	gx_rows *r = NULL;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	if ((rc = gx_sink_query(s, "SELECT n_values, n_genes, value_scale FROM dim_study "
	                        "WHERE study_key = $1", 1, par, &r, err)))
		return rc;
	if (r->nrows) {
		*n_values = atoll(gx_rows_get(r, 0, 0));
		*n_genes = atol(gx_rows_get(r, 0, 1));
		snprintf(value_scale, 8, "%s", gx_rows_get(r, 0, 2) ? gx_rows_get(r, 0, 2) : "");
	}
	gx_rows_free(r);
	return 0;
}

/* ---- dim_illness, dim_platform ---- */

static const char *const illness_cols[] = {
	"code", "label", "description", "content_hash", "updated_at", NULL
};
static const dim_def illness_def = { "dim_illness", illness_cols, 1, NULL };

static const char *const platform_cols[] = {
	"code", "accession", "name", "manufacturer", "technology", "accessions", "known",
	"content_hash", "updated_at", NULL
};
static const dim_def platform_def = { "dim_platform", platform_cols, 1, NULL };

int gx_dim_illness_upsert(gx_sink *s, const char *code, const char *label,
                          const char *description, const char *now, gx_err *err)
{
	char hash[GX_HASH_HEX];
	const char *par[5];

	par[0] = code;
	par[1] = label;
	par[2] = description;
	if (gx_hash_fields(hash, 3, par) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	par[3] = hash;
	par[4] = now;
	return upsert_hashed(s, &illness_def, par, NULL, err);
}

int gx_dim_platform_upsert(gx_sink *s, const gx_dim_platform *d, gx_err *err)
{
	gx_buf a = { 0 };
	char now[32], hash[GX_HASH_HEX];
	const char *par[9];
	size_t i;
	int rc;

	gx_buf_putc(&a, '[');
	for (i = 0; i < d->n_accessions; i++) {
		if (i)
			gx_buf_putc(&a, ',');
		gx_buf_json_str(&a, d->accessions[i], strlen(d->accessions[i]));
	}
	if (gx_buf_putc(&a, ']') < 0) {
		gx_buf_release(&a);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	gx_sink_now(now);
	par[0] = d->code;
	par[1] = d->accession && d->accession[0] ? d->accession : NULL;
	par[2] = d->name;
	par[3] = d->manufacturer && d->manufacturer[0] ? d->manufacturer : NULL;
	par[4] = d->technology;
	par[5] = a.data;
	par[6] = d->known ? "1" : "0";
	if (gx_hash_fields(hash, 7, par) < 0) {
		gx_buf_release(&a);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	par[7] = hash;
	par[8] = now;
	rc = upsert_hashed(s, &platform_def, par, NULL, err);
	gx_buf_release(&a);
	return rc;
}

struct gx_code_keys {
	gx_rows *rows;      /* code, key */
};

static int code_keys(gx_sink *s, const char *sql, gx_code_keys **out, gx_err *err)
{
	gx_code_keys *k = gx_calloc(1, sizeof(*k));
	int rc;

	*out = NULL;
	if (!k)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_sink_query(s, sql, 0, NULL, &k->rows, err))) {
		gx_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

int gx_dim_illness_keys(gx_sink *s, gx_code_keys **out, gx_err *err)
{
	return code_keys(s, "SELECT code, CAST(illness_key AS text) FROM dim_illness", out, err);
}

int gx_dim_platform_keys(gx_sink *s, gx_code_keys **out, gx_err *err)
{
	return code_keys(s, "SELECT code, CAST(platform_key AS text) FROM dim_platform", out, err);
}

const char *gx_code_keys_find(const gx_code_keys *k, const char *code)
{
	size_t i;

	for (i = 0; k && i < k->rows->nrows; i++)
		if (!strcmp(gx_rows_get(k->rows, i, 0), code))
			return gx_rows_get(k->rows, i, 1);
	return NULL;
}

void gx_code_keys_free(gx_code_keys *k)
{
	if (!k)
		return;
	gx_rows_free(k->rows);
	gx_free(k);
}

/* ---- dim_sample ---- */

static const char *const sample_cols[] = {
	"study_key", "accession", "column_name", "title", "platform_raw", "organism",
	"disease_raw", "source_database", "metadata", "content_hash", "created_at", "updated_at",
	"illness_key", "illness_source", "illness_rule_id", "illness_confidence", "illness_field",
	"illness_matched_text", "platform_key", "platform_accession", "platform_rule_id",
	"illness_evidence", "cohort", "sparse", NULL
};
static const dim_def sample_def = { "dim_sample", sample_cols, 2, "sample_key" };

void gx_stored_samples_free(gx_stored_sample *d, size_t n)
{
	size_t i;

	for (i = 0; d && i < n; i++) {
		gx_free(d[i].accession);
		gx_free(d[i].cohort);
	}
	gx_free(d);
}

int gx_dim_samples_read(gx_sink *s, int32_t study_key, gx_stored_sample **out, size_t *n,
                        gx_err *err)
{
	char sk[16];
	const char *par[1] = { sk };
	gx_stored_sample *d;
	gx_rows *r = NULL;
	size_t j;
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	rc = gx_sink_query(s, "SELECT sample_key, accession, value_digest, n_values, "
	                   "cohort, content_hash FROM dim_sample "
	                   "WHERE study_key = $1", 1, par, &r, err);
	if (rc)
		return rc;
	if (!(d = gx_calloc(r->nrows ? r->nrows : 1, sizeof(*d)))) {
		gx_rows_free(r);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (j = 0; j < r->nrows; j++) {
		gx_stored_sample *x = &d[j];
		if (!(x->accession = gx_strdup(gx_rows_get(r, j, 1))) ||
		    (gx_rows_get(r, j, 4) && !(x->cohort = gx_strdup(gx_rows_get(r, j, 4))))) {
			gx_stored_samples_free(d, j + 1);
			gx_rows_free(r);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		x->key = (int32_t)atol(gx_rows_get(r, j, 0));
		snprintf(x->digest, sizeof(x->digest), "%s",
		         gx_rows_get(r, j, 2) ? gx_rows_get(r, j, 2) : "");
		x->n_values = atol(gx_rows_get(r, j, 3));
		snprintf(x->content_hash, sizeof(x->content_hash), "%s",
		         gx_rows_get(r, j, 5) ? gx_rows_get(r, j, 5) : "");
	}
	*out = d;
	*n = r->nrows;
	gx_rows_free(r);
	return 0;
}

int gx_dim_sample_upsert(gx_sink *s, const gx_dim_sample *d, const char *now, int32_t *key,
                         gx_err *err)
{
	char sk[16], conf[32];
	const char *par[24];
	long k = 0;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)d->study_key);
	snprintf(conf, sizeof(conf), "%.17g", d->illness_confidence);
	par[0] = sk;
	par[1] = d->accession;
	par[2] = d->column_name;
	par[3] = d->title;
	par[4] = d->platform_raw;
	par[5] = d->organism;
	par[6] = d->disease_raw;
	par[7] = d->source_database;
	par[8] = d->metadata;
	par[9] = d->content_hash;
	par[10] = now;
	par[11] = now;
	par[12] = d->illness_key;
	par[13] = d->illness_source;
	par[14] = d->illness_rule_id;
	par[15] = conf;
	par[16] = d->illness_field;
	par[17] = d->illness_matched_text;
	par[18] = d->platform_key;
	par[19] = d->platform_accession;
	par[20] = d->platform_rule_id;
	par[21] = d->illness_evidence;
	par[22] = d->cohort;
	par[23] = d->sparse ? "1" : "0";
	rc = upsert_hashed(s, &sample_def, par, &k, err);
	*key = (int32_t)k;
	return rc;
}

int gx_dim_sample_delete(gx_sink *s, int32_t sample_key, gx_err *err)
{
	char key[16];
	const char *par[1] = { key };

	snprintf(key, sizeof(key), "%d", (int)sample_key);
	return gx_sink_query(s, "DELETE FROM dim_sample WHERE sample_key = $1", 1, par, NULL, err);
}

int gx_dim_sample_digest(gx_sink *s, int32_t sample_key, const char *digest, long n_values,
                         long run_id, gx_err *err)
{
	char nv[24], key[16], run[24];
	const char *par[4] = { key, digest, nv, run };

	snprintf(key, sizeof(key), "%d", (int)sample_key);
	snprintf(nv, sizeof(nv), "%ld", n_values);
	snprintf(run, sizeof(run), "%ld", run_id);
	return gx_sink_query(s, "UPDATE dim_sample SET value_digest = $2, n_values = $3, "
	                     "facts_run_id = $4 "
	                     "WHERE sample_key = $1 AND (value_digest IS DISTINCT FROM $2 "
	                     "OR n_values <> $3)", 4, par, NULL, err);
}

int gx_dim_sample_stats_save(gx_sink *s, int32_t study_key, const char *accession,
                             const gx_sample_stats *st, gx_err *err)
{
	char sk[16], nm[24], ng[24], lo[40], hi[40];
	const char *par[6] = { sk, accession, nm, ng, NULL, NULL };

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	snprintf(nm, sizeof(nm), "%lld", (long long)st->n_missing);
	snprintf(ng, sizeof(ng), "%lld", (long long)st->n_negative);
	if (st->n_values) {
		par[4] = gx_sink_double(st->min, lo);
		par[5] = gx_sink_double(st->max, hi);
	}
	return gx_sink_query(s, "UPDATE dim_sample SET n_missing = $3, n_negative = $4, "
	                     "value_min = $5, value_max = $6 "
	                     "WHERE study_key = $1 AND accession = $2", 6, par, NULL, err);
}

void gx_stored_stats_free(gx_stored_stats *d, size_t n)
{
	size_t i;

	for (i = 0; d && i < n; i++)
		gx_free(d[i].accession);
	gx_free(d);
}

/* A stored double, NAN for NULL */
static double stored_double(const char *t)
{
	return t ? strtod(t, NULL) : NAN;
}

int gx_dim_sample_stats_read(gx_sink *s, int32_t study_key, gx_stored_stats **out,
                             size_t *n, gx_err *err)
{
	char sk[16];
	const char *par[1] = { sk };
	gx_stored_stats *d;
	gx_rows *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	if ((rc = gx_sink_query(s, "SELECT accession, n_values, n_missing, n_negative, value_min, "
	                        "value_max FROM dim_sample WHERE study_key = $1 ORDER BY accession",
	                        1, par, &r, err)))
		return rc;
	if (!(d = gx_calloc(r->nrows ? r->nrows : 1, sizeof(*d)))) {
		gx_rows_free(r);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	for (i = 0; i < r->nrows; i++) {
		gx_stored_stats *x = &d[i];
		if (!(x->accession = gx_strdup(gx_rows_get(r, i, 0)))) {
			gx_stored_stats_free(d, i);
			gx_rows_free(r);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		x->n_values = atoll(gx_rows_get(r, i, 1));
		x->measured = gx_rows_get(r, i, 2) != NULL;
		x->st.n_values = x->n_values;
		x->st.n_missing = x->measured ? (int64_t)stored_double(gx_rows_get(r, i, 2)) : 0;
		x->st.n_negative = gx_rows_get(r, i, 3) ? (int64_t)stored_double(gx_rows_get(r, i, 3))
		                                        : 0;
		x->st.min = stored_double(gx_rows_get(r, i, 4));
		x->st.max = stored_double(gx_rows_get(r, i, 5));
	}
	*out = d;
	*n = r->nrows;
	gx_rows_free(r);
	return 0;
}
