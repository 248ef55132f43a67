/*
 * analysis_store.c - the analysis step's reads and writes (see analysis_store.h).
 *
 * The facts are read in one pass in the fact table's own key order (gene_key, sample_key
 * within a study) by the backend's bulk reader (gx_sink_facts_read: one statement
 * stepped with native doubles on SQLite, a binary COPY out on PostgreSQL).  Rows are
 * written with gx_sink_copy_rows (COPY on PostgreSQL, one prepared INSERT on SQLite), a
 * batch at a time.
 * Does not: compute anything, or open transactions.
 */
#include "load/analysis_store.h"
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rows per gx_sink_copy_rows */
#define BATCH 2048

static int nomem(gx_err *err)
{
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/* a double as row text: "%.17g", NULL for NaN or infinity */
static const char *num(double d, char buf[40])
{
	if (!isfinite(d))
		return NULL;
	snprintf(buf, 40, "%.17g", d);
	return buf;
}

/* ---- reading a study ---- */

int gx_an_study(gx_sink *s, const char *accession, int32_t *study_key, char cohort_by[256],
                gx_err *err)
{
	const char *par[1] = { accession };
	gx_rows *r = NULL;
	int rc;

	*study_key = 0;
	cohort_by[0] = '\0';
	if ((rc = gx_sink_query(s, "SELECT study_key, cohort_by FROM dim_study WHERE accession = $1",
	                        1, par, &r, err)))
		return rc;
	if (!r->nrows) {
		gx_rows_free(r);
		return gx_err_set(err, GX_E_NO_STUDY, "study '%s' is not loaded in %s", accession,
		                  s->url_redacted);
	}
	*study_key = (int32_t)atol(gx_rows_get(r, 0, 0));
	snprintf(cohort_by, 256, "%s", gx_rows_get(r, 0, 1) ? gx_rows_get(r, 0, 1) : "");
	gx_rows_free(r);
	return 0;
}

void gx_an_samples_free(gx_an_sample *d, size_t n)
{
	size_t i;

	for (i = 0; d && i < n; i++) {
		gx_free(d[i].accession);
		gx_free(d[i].cohort);
		gx_free(d[i].illness);
		gx_free(d[i].metadata);
	}
	gx_free(d);
}

static int dup_or_null(const char *s, char **out)
{
	*out = NULL;
	return s && !(*out = gx_strdup(s)) ? -1 : 0;
}

int gx_an_samples_read(gx_sink *s, int32_t study_key, int with_metadata, gx_an_sample **out,
                       size_t *n, gx_err *err)
{
	char sk[16], sql[512];
	const char *par[1] = { sk };
	gx_an_sample *d;
	gx_rows *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	snprintf(sql, sizeof(sql),
	         "SELECT s.sample_key, s.accession, s.cohort, i.code, CAST(s.sparse AS integer), %s "
	         "FROM dim_sample s LEFT JOIN dim_illness i ON i.illness_key = s.illness_key "
	         "WHERE s.study_key = $1 ORDER BY s.accession%s",
	         with_metadata ? "CAST(s.metadata AS text)" : "NULL",
	         s->kind == GX_DB_POSTGRESQL ? " COLLATE \"C\"" : "");
	if ((rc = gx_sink_query(s, sql, 1, par, &r, err)))
		return rc;
	if (!(d = gx_calloc(r->nrows ? r->nrows : 1, sizeof(*d)))) {
		gx_rows_free(r);
		return nomem(err);
	}
	for (i = 0; i < r->nrows; i++) {
		d[i].key = (int32_t)atol(gx_rows_get(r, i, 0));
		d[i].sparse = atoi(gx_rows_get(r, i, 4)) != 0;
		if (dup_or_null(gx_rows_get(r, i, 1), &d[i].accession) ||
		    dup_or_null(gx_rows_get(r, i, 2), &d[i].cohort) ||
		    dup_or_null(gx_rows_get(r, i, 3), &d[i].illness) ||
		    dup_or_null(gx_rows_get(r, i, 5), &d[i].metadata)) {
			gx_an_samples_free(d, i + 1);
			gx_rows_free(r);
			return nomem(err);
		}
	}
	*out = d;
	*n = r->nrows;
	gx_rows_free(r);
	return 0;
}

void gx_an_genes_free(gx_an_gene *g, size_t n)
{
	size_t i;

	for (i = 0; g && i < n; i++)
		gx_free(g[i].id);
	gx_free(g);
}

int gx_an_genes_read(gx_sink *s, int32_t study_key, gx_an_gene **out, size_t *n,
                     gx_err *err)
{
	char sk[16], sql[512];
	const char *par[1] = { sk };
	gx_an_gene *g;
	gx_rows *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	snprintf(sql, sizeof(sql),
	         "SELECT g.gene_key, g.gene_id FROM dim_gene g WHERE g.gene_key IN "
	         "(SELECT c.gene_key FROM fact_cohort_gene_stats c WHERE c.study_key = $1) "
	         "ORDER BY g.gene_id%s", s->kind == GX_DB_POSTGRESQL ? " COLLATE \"C\"" : "");
	if ((rc = gx_sink_query(s, sql, 1, par, &r, err)))
		return rc;
	if (!(g = gx_calloc(r->nrows ? r->nrows : 1, sizeof(*g)))) {
		gx_rows_free(r);
		return nomem(err);
	}
	for (i = 0; i < r->nrows; i++) {
		g[i].key = (int32_t)atol(gx_rows_get(r, i, 0));
		if (!(g[i].id = gx_strdup(gx_rows_get(r, i, 1)))) {
			gx_an_genes_free(g, i);
			gx_rows_free(r);
			return nomem(err);
		}
	}
	*out = g;
	*n = r->nrows;
	gx_rows_free(r);
	return 0;
}

int gx_an_study_gene_keys(gx_sink *s, int32_t study_key, size_t n, const char *const *ids,
                          int32_t *keys, gx_err *err)
{
	char sk[16];
	const char *par[2] = { sk, NULL };
	size_t i;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	for (i = 0; i < n; i++) {
		long k = 0;

		par[1] = ids[i];
		if ((rc = gx_sink_query_long(s, "SELECT g.gene_key FROM dim_gene g WHERE g.gene_id = $2 "
		                             "AND EXISTS (SELECT 1 FROM fact_cohort_gene_stats c "
		                             "WHERE c.study_key = CAST($1 AS integer) "
		                             "AND c.gene_key = g.gene_key)", 2, par, &k, err)))
			return rc;
		keys[i] = (int32_t)k;
	}
	return 0;
}

int gx_an_facts_scan(gx_sink *s, int32_t study_key, size_t n_genes, const int32_t *genes,
                     gx_an_facts_fn fn, void *ctx, gx_err *err)
{
	gx_buf list = { 0 };
	int rc;

	if (genes && gx_sink_key_list(&list, s->ops->delete_sql->brackets, n_genes, genes))
		return nomem(err);
	rc = gx_sink_facts_read(s, study_key, genes ? list.data : NULL, fn, ctx, err);
	gx_buf_release(&list);
	return rc;
}

/* ---- deletes: the study's rows, narrowed by the conditions given (NULL: any) ---- */

/* DELETE FROM table WHERE study_key = $1 AND col[i] = $i+2 for each non-NULL val[i] */
static int delete_where(gx_sink *s, const char *table, int32_t study_key, size_t n,
                        const char *const *cols, const char *const *vals, gx_err *err)
{
	char sk[16];
	const char *par[8];
	gx_buf sql = { 0 };
	size_t i, np = 0;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	par[np++] = sk;
	gx_buf_printf(&sql, "DELETE FROM %s WHERE study_key = CAST($1 AS integer)", table);
	for (i = 0; i < n && np < 8; i++) {
		if (!vals[i])
			continue;
		gx_buf_printf(&sql, " AND %s = $%zu", cols[i], np + 1);
		par[np++] = vals[i];
	}
	if (!gx_buf_cstr(&sql))
		return nomem(err);
	rc = gx_sink_query(s, sql.data, (int)np, par, NULL, err);
	gx_buf_release(&sql);
	return rc;
}

int gx_an_pairs_delete(gx_sink *s, int32_t study_key, const char *cohort_by,
                       const char *method, const char *cohort, gx_err *err)
{
	static const char *const cols[3] = { "cohort_by", "method", "cohort" };
	const char *vals[3] = { cohort_by, cohort_by ? method : NULL, cohort_by ? cohort : NULL };

	return delete_where(s, "fact_gene_pair_stats", study_key, 3, cols, vals, err);
}

int gx_an_diff_delete(gx_sink *s, int32_t study_key, const char *cohort_by, const char *a,
                      const char *b, gx_err *err)
{
	static const char *const cols[3] = { "cohort_by", "cohort_a", "cohort_b" };
	const char *vals[3] = { cohort_by, cohort_by ? a : NULL, cohort_by ? b : NULL };

	return delete_where(s, "fact_cohort_differential", study_key, 3, cols, vals, err);
}

/* ---- bulk rows: a batch of text cells, flushed to gx_sink_copy_rows ---- */

typedef struct rowbuf {
	const char *table;
	const char *const *cols;
	size_t ncols, n;
	const char **cells;         /* BATCH x ncols */
	char (*txt)[40];            /* BATCH x ncols number texts */
} rowbuf;

static int rowbuf_init(rowbuf *b, const char *table, const char *const *cols, size_t ncols,
                       gx_err *err)
{
	memset(b, 0, sizeof(*b));
	b->table = table;
	b->cols = cols;
	b->ncols = ncols;
	b->cells = gx_calloc(BATCH * ncols, sizeof(*b->cells));
	b->txt = gx_calloc(BATCH * ncols, sizeof(*b->txt));
	if (!b->cells || !b->txt) {
		gx_free(b->cells);
		gx_free(b->txt);
		return nomem(err);
	}
	return 0;
}

/* cells and number buffers of the next row */
static const char **rowbuf_row(rowbuf *b, char (**txt)[40])
{
	*txt = &b->txt[b->n * b->ncols];
	return &b->cells[b->n * b->ncols];
}

static int rowbuf_flush(gx_sink *s, rowbuf *b, gx_err *err)
{
	int rc = b->n ? gx_sink_copy_rows(s, b->table, b->cols, b->ncols, b->n, b->cells, err) : 0;

	b->n = 0;
	return rc;
}

/* the row just filled is complete */
static int rowbuf_next(gx_sink *s, rowbuf *b, gx_err *err)
{
	return ++b->n == BATCH ? rowbuf_flush(s, b, err) : 0;
}

static void rowbuf_release(rowbuf *b)
{
	gx_free(b->cells);
	gx_free(b->txt);
}

static const char *int_text(int64_t v, char buf[40])
{
	snprintf(buf, 40, "%lld", (long long)v);
	return buf;
}

int gx_an_pairs_write(gx_sink *s, int32_t study_key, const char *cohort_by,
                      const char *cohort, const char *method, size_t n,
                      const gx_an_pair *pairs, gx_err *err)
{
	static const char *const cols[12] = {
		"study_key", "cohort_by", "cohort", "method", "gene_a_key", "gene_b_key", "n", "r",
		"p_value", "q_value", "pair_rank", "n_tested"
	};
	char sk[16];
	rowbuf b;
	size_t i;
	int rc;

	if ((rc = rowbuf_init(&b, "fact_gene_pair_stats", cols, 12, err)))
		return rc;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	for (i = 0; i < n && !rc; i++) {
		const gx_an_pair *x = &pairs[i];
		char (*t)[40];
		const char **row = rowbuf_row(&b, &t);

		row[0] = sk;
		row[1] = cohort_by;
		row[2] = cohort;
		row[3] = method;
		row[4] = int_text(x->gene_a, t[4]);
		row[5] = int_text(x->gene_b, t[5]);
		row[6] = int_text(x->n, t[6]);
		row[7] = num(x->r, t[7]);
		row[8] = num(x->p, t[8]);
		row[9] = num(x->q, t[9]);
		row[10] = int_text(x->rank, t[10]);
		row[11] = int_text(x->tested, t[11]);
		rc = rowbuf_next(s, &b, err);
	}
	if (!rc)
		rc = rowbuf_flush(s, &b, err);
	rowbuf_release(&b);
	return rc;
}

int gx_an_diff_write(gx_sink *s, int32_t study_key, const char *cohort_by, const char *a,
                     const char *b_, size_t n, const gx_an_diff *rows, gx_err *err)
{
	static const char *const cols[18] = {
		"study_key", "cohort_by", "cohort_a", "cohort_b", "gene_key", "n_a", "n_b", "mean_a",
		"mean_b", "mean_diff", "welch_t", "welch_df", "welch_p", "welch_q", "mwu_u", "mwu_p",
		"mwu_q", "mwu_exact"
	};
	char sk[16];
	rowbuf b;
	size_t i;
	int rc;

	if ((rc = rowbuf_init(&b, "fact_cohort_differential", cols, 18, err)))
		return rc;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	for (i = 0; i < n && !rc; i++) {
		const gx_an_diff *x = &rows[i];
		char (*t)[40];
		const char **row = rowbuf_row(&b, &t);

		row[0] = sk;
		row[1] = cohort_by;
		row[2] = a;
		row[3] = b_;
		row[4] = int_text(x->gene, t[4]);
		row[5] = int_text(x->n_a, t[5]);
		row[6] = int_text(x->n_b, t[6]);
		row[7] = num(x->mean_a, t[7]);
		row[8] = num(x->mean_b, t[8]);
		row[9] = num(x->mean_diff, t[9]);
		row[10] = num(x->welch_t, t[10]);
		row[11] = num(x->welch_df, t[11]);
		row[12] = num(x->welch_p, t[12]);
		row[13] = num(x->welch_q, t[13]);
		row[14] = num(x->mwu_u, t[14]);
		row[15] = num(x->mwu_p, t[15]);
		row[16] = num(x->mwu_q, t[16]);
		row[17] = x->mwu_exact < 0 ? NULL : x->mwu_exact ? "1" : "0";
		rc = rowbuf_next(s, &b, err);
	}
	if (!rc)
		rc = rowbuf_flush(s, &b, err);
	rowbuf_release(&b);
	return rc;
}

/* ---- features ---- */

int gx_an_feature_upsert(gx_sink *s, const char *id, const char *name, const char *kind,
                         const char *definition, gx_err *err)
{
	char now[32];
	const char *par[5] = { id, name, kind, definition, now };

	gx_sink_now(now);
	return gx_sink_query(s, "INSERT INTO dim_feature (feature_id, name, kind, definition, "
	                     "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (feature_id) DO "
	                     "UPDATE SET name = excluded.name WHERE dim_feature.name <> excluded.name",
	                     5, par, NULL, err);
}

int gx_an_features_delete(gx_sink *s, int32_t study_key, size_t n, const int32_t *samples,
                          gx_err *err)
{
	char sk[16];
	const char *par[2] = { sk, NULL };
	gx_buf list = { 0 };
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	if ((rc = gx_sink_query(s, "DELETE FROM fact_feature_values WHERE study_key = "
	                        "CAST($1 AS integer) AND sample_key NOT IN (SELECT sample_key "
	                        "FROM dim_sample WHERE study_key = CAST($1 AS integer))",
	                        1, par, NULL, err)))
		return rc;
	if (!samples)
		return gx_sink_query(s, "DELETE FROM fact_feature_values WHERE study_key = "
		                     "CAST($1 AS integer)", 1, par, NULL, err);
	if (!n)
		return 0;
	if (gx_sink_key_list(&list, s->ops->delete_sql->brackets, n, samples))
		return nomem(err);
	par[1] = list.data;
	rc = gx_sink_query(s, s->kind == GX_DB_POSTGRESQL
	                   ? "DELETE FROM fact_feature_values WHERE study_key = CAST($1 AS integer) "
	                     "AND sample_key = ANY (CAST($2 AS integer[]))"
	                   : "DELETE FROM fact_feature_values WHERE study_key = CAST($1 AS integer) "
	                     "AND sample_key IN (SELECT value FROM json_each($2))",
	                   2, par, NULL, err);
	gx_buf_release(&list);
	return rc;
}

int gx_an_features_write(gx_sink *s, int32_t study_key, size_t n, const char *const *ids,
                         const int32_t *samples, const double *values, gx_err *err)
{
	static const char *const cols[4] = { "study_key", "feature_id", "sample_key", "value" };
	char sk[16];
	rowbuf b;
	size_t i;
	int rc;

	if ((rc = rowbuf_init(&b, "fact_feature_values", cols, 4, err)))
		return rc;
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	for (i = 0; i < n && !rc; i++) {
		char (*t)[40];
		const char **row = rowbuf_row(&b, &t);

		if (!isfinite(values[i]))
			continue;
		row[0] = sk;
		row[1] = ids[i];
		row[2] = int_text(samples[i], t[2]);
		row[3] = num(values[i], t[3]);
		rc = rowbuf_next(s, &b, err);
	}
	if (!rc)
		rc = rowbuf_flush(s, &b, err);
	rowbuf_release(&b);
	return rc;
}

int gx_an_study_features_hash(gx_sink *s, int32_t study_key, const char *hash, gx_err *err)
{
	char sk[16];
	const char *par[2] = { sk, hash };

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	return gx_sink_query(s, "UPDATE dim_study SET features_hash = $2 WHERE study_key = "
	                     "CAST($1 AS integer) AND features_hash IS DISTINCT FROM $2",
	                     2, par, NULL, err);
}
