/*
 * verify.c - sample digests recomputed from the database (see verify.h).
 *
 * Keyset pagination in (gene_key, sample_key) order, which both backends keep (a
 * PostgreSQL partition's primary key; SQLite's key (gene_key, study_key, sample_key)
 * probed gene by gene), FACT_CHUNK rows per query.  Does not: compare anything (cmd/verify.c does)
 * or write.
 */
#include "load/verify.h"
#include "load/sink_impl.h"
#include "core/hset.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rows per query: a few MB of text, whatever the study's size */
#define FACT_CHUNK 50000

void gx_db_digests_free(gx_db_digest *d, size_t n)
{
	size_t i;

	for (i = 0; d && i < n; i++)
		gx_free(d[i].accession);
	gx_free(d);
}

int gx_db_digests(gx_sink *s, const char *accession, gx_db_digest **out, size_t *n,
                  int64_t *orphans, gx_err *err)
{
	char sk[16], gk[16] = "-1", smk[16] = "-1", lim[16], sql[768];
	const char *par[4] = { sk, gk, smk, lim };
	gx_rows *r = NULL;
	gx_db_digest *d = NULL;
	gx_digest *acc = NULL;
	gx_hset keys = { 0 };
	size_t ns = 0, i;
	long key = 0;
	int rc;

	*out = NULL;
	*n = 0;
	*orphans = 0;
	par[0] = accession;
	if ((rc = gx_sink_query_long(s, "SELECT study_key FROM dim_study WHERE accession = $1", 1,
	                             par, &key, err)))
		return rc;
	if (!key)
		return gx_err_set(err, GX_E_NO_STUDY, "study '%s' is not loaded in %s", accession,
		                  s->url_redacted);
	snprintf(sk, sizeof(sk), "%ld", key);
	par[0] = sk;
	if ((rc = gx_sink_query(s, "SELECT sample_key, accession, value_digest, n_values "
	                        "FROM dim_sample WHERE study_key = $1 ORDER BY sample_key", 1, par,
	                        &r, err)))
		return rc;
	ns = r->nrows;
	d = gx_calloc(ns ? ns : 1, sizeof(*d));
	acc = gx_calloc(ns ? ns : 1, sizeof(*acc));
	if (!d || !acc)
		goto nomem;
	for (i = 0; i < ns; i++) {
		const char *dig = gx_rows_get(r, i, 2);
		if (!(d[i].accession = gx_strdup(gx_rows_get(r, i, 1))) ||
		    gx_hset_put(&keys, (uint64_t)atol(gx_rows_get(r, i, 0)), i, NULL) < 0)
			goto nomem;
		snprintf(d[i].stored, sizeof(d[i].stored), "%s", dig ? dig : "");
		d[i].stored_n = atol(gx_rows_get(r, i, 3));
	}
	gx_rows_free(r);
	r = NULL;
	if (s->kind == GX_DB_POSTGRESQL && (rc = gx_sink_exec(s, "SET extra_float_digits = 3", err)))
		goto out;
	/* values as exact text: PostgreSQL's float8 output is shortest-exact; SQLite's
	 * default text keeps 15 digits, so print 17.  Pages in (gene_key, sample_key) order:
	 * a PostgreSQL partition's primary key; on SQLite, whose table is gene-major across
	 * all studies, one probe of its key (gene_key, study_key, ...) per gene */
	snprintf(sql, sizeof(sql),
	         "SELECT f.sample_key, f.gene_key, g.gene_id, %s "
	         "FROM fact_gene_expression f JOIN dim_gene g ON g.gene_key = f.gene_key "
	         "WHERE f.study_key = CAST($1 AS integer) %s"
	         "AND (f.gene_key, f.sample_key) > (CAST($2 AS integer), CAST($3 AS integer)) "
	         "ORDER BY f.gene_key, f.sample_key LIMIT CAST($4 AS integer)",
	         s->kind == GX_DB_POSTGRESQL ? "CAST(f.value AS text)" : "printf('%!.17g', f.value)",
	         s->kind == GX_DB_POSTGRESQL ? "" : "AND f.gene_key IN (SELECT gene_key FROM dim_gene "
	                                            "WHERE gene_key >= CAST($2 AS integer)) ");
	snprintf(lim, sizeof(lim), "%d", FACT_CHUNK);
	for (;;) {
		if ((rc = gx_sink_query(s, sql, 4, par, &r, err)))
			goto out;
		for (i = 0; i < r->nrows; i++) {
			const char *id = gx_rows_get(r, i, 2);
			uint64_t at;
			if (!gx_hset_get(&keys, (uint64_t)atol(gx_rows_get(r, i, 0)), &at)) {
				(*orphans)++;
				continue;
			}
			gx_digest_add(&acc[at], gx_record_hash(gx_gene_hash(id, strlen(id)),
			                                       strtod(gx_rows_get(r, i, 3), NULL)));
		}
		if (r->nrows < FACT_CHUNK)
			break;
		snprintf(gk, sizeof(gk), "%s", gx_rows_get(r, r->nrows - 1, 1));
		snprintf(smk, sizeof(smk), "%s", gx_rows_get(r, r->nrows - 1, 0));
		gx_rows_free(r);
		r = NULL;
	}
	for (i = 0; i < ns; i++) {
		gx_digest_hex(&acc[i], d[i].digest);
		d[i].n_values = (long)acc[i].n;
	}
	*out = d;
	*n = ns;
	d = NULL;
	goto out;
nomem:
	rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
out:
	gx_rows_free(r);
	gx_db_digests_free(d, ns);
	gx_free(acc);
	gx_hset_release(&keys);
	return rc;
}
