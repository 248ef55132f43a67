/*
 * pg_genes.c - the PostgreSQL backend's gene keys: a batch of gene ids resolved to
 * dim_gene keys in one round trip (see pg_facts.h).
 * Does not: write facts (pg_facts.c).
 */
#include "load/pg_facts.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/records.h"

#include <stdlib.h>

/* Append a PostgreSQL array literal element: "..." with " and \ escaped, or NULL. */
static void array_elem(gx_buf *b, const char *v, int first)
{
	if (!first)
		gx_buf_putc(b, ',');
	if (!v) {
		gx_buf_puts(b, "NULL");
		return;
	}
	gx_buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			gx_buf_putc(b, '\\');
		gx_buf_putc(b, *v);
	}
	gx_buf_putc(b, '"');
}

/* One round trip per batch: insert the new genes, then read every key in input order.
 * A gene is looked up in the study's organism, then in '*' (genes loaded before migration
 * 0009).  A new gene's row is derived from its id, the file's symbol and the imported
 * annotation (load/genes.h; the same rule as SQLite's statement in sink_sqlite.c).  A
 * gene inserted concurrently by another loader is not in this statement's snapshot;
 * those keys come back NULL and are read again (again_sql). */
static const char upsert_sql[] =
	"WITH input AS ("
	"  SELECT t.gene_id, t.gene_symbol, t.base, t.ord"
	"  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY"
	"       AS t(gene_id, gene_symbol, base, ord)),"
	" cand AS ("
	"  SELECT DISTINCT ON (i.gene_id) i.gene_id, i.gene_symbol, i.base,"
	"         ai.stable_id AS ai_stable, ai.base_id AS ai_base, ai.symbol AS ai_symbol,"
	"         ai.biotype AS ai_biotype, sy.stable_id AS sy_stable, sy.base_id AS sy_base,"
	"         sy.symbol AS sy_symbol, sy.biotype AS sy_biotype"
	"  FROM input i"
	"  LEFT JOIN LATERAL (SELECT min(a.stable_id) AS stable_id, min(a.base_id) AS base_id,"
	"         min(a.symbol) AS symbol, min(a.biotype) AS biotype FROM dim_gene_annotation a"
	"         WHERE a.base_id = COALESCE(i.base, i.gene_id)"
	"         AND (a.organism = $4 OR a.organism = '' OR $4 = '')"
	"         HAVING count(*) = 1) ai ON true"
	"  LEFT JOIN LATERAL (SELECT min(a.stable_id) AS stable_id, min(a.base_id) AS base_id,"
	"         min(a.symbol) AS symbol, min(a.biotype) AS biotype FROM dim_gene_annotation a"
	"         WHERE i.base IS NULL AND ai.base_id IS NULL AND a.symbol = i.gene_id"
	"         AND (a.organism = $4 OR a.organism = '' OR $4 = '') HAVING count(*) = 1) sy ON true"
	"  WHERE NOT EXISTS (SELECT 1 FROM dim_gene l"
	"                    WHERE l.organism = '*' AND l.gene_id = i.gene_id)"
	"  ORDER BY i.gene_id, i.gene_symbol IS NULL, i.ord)," /* an id twice: one row */
	" ins AS ("
	"  INSERT INTO dim_gene (organism, gene_id, gene_symbol, stable_id, base_id, biotype,"
	"                        created_at)"
	"  SELECT $4, gene_id,"
	"         COALESCE(ai_symbol, sy_symbol, gene_symbol,"
	"                  CASE WHEN base IS NULL AND ai_base IS NULL THEN gene_id END),"
	"         CASE WHEN base IS NOT NULL THEN gene_id ELSE COALESCE(ai_stable, sy_stable) END,"
	"         COALESCE(base, ai_base, sy_base), COALESCE(ai_biotype, sy_biotype), now()"
	"  FROM cand ORDER BY gene_id"
	"  ON CONFLICT (organism, gene_id) DO UPDATE SET gene_symbol = EXCLUDED.gene_symbol"
	"  WHERE dim_gene.gene_symbol IS NULL AND EXCLUDED.gene_symbol IS NOT NULL"
	"  RETURNING gene_id, gene_key)"
	" SELECT COALESCE(ins.gene_key, g.gene_key, l.gene_key) FROM input i"
	" LEFT JOIN ins ON ins.gene_id = i.gene_id"
	" LEFT JOIN dim_gene g ON g.organism = $4 AND g.gene_id = i.gene_id"
	" LEFT JOIN dim_gene l ON l.organism = '*' AND l.gene_id = i.gene_id"
	" ORDER BY i.ord";
/* genes without symbols that all exist already (a re-run, a study of known genes)
 * only need reading, which is 3-4 times cheaper than the upsert */
static const char known_sql[] =
	"SELECT COALESCE(g.gene_key, l.gene_key)"
	" FROM unnest($1::text[]) WITH ORDINALITY AS t(gene_id, ord)"
	" LEFT JOIN dim_gene g ON g.organism = $2 AND g.gene_id = t.gene_id"
	" LEFT JOIN dim_gene l ON l.organism = '*' AND l.gene_id = t.gene_id ORDER BY t.ord";
static const char again_sql[] =
	"SELECT gene_key FROM dim_gene WHERE gene_id = $2 AND organism IN ($1, '*')"
	" ORDER BY organism = $1 DESC LIMIT 1";

int pg_resolve_genes(gx_sink *s, const char *organism, size_t n, const char *const *ids,
                     const char *const *symbols, int32_t *keys, gx_err *err)
{
	pg_impl *im = s->impl;
	gx_fact_writer *paused = NULL;
	gx_buf a = { 0 }, b = { 0 }, c = { 0 };
	const char *p[4];
	gx_rows *r = NULL;
	char base[512];
	size_t i;
	int rc;

	/* one connection cannot run a query while its COPY is open: end the COPY (its rows
	 * stay in the transaction), look the genes up, and start a new COPY afterwards.  The
	 * loader resolves genes before the COPY, so this only happens for genes that its
	 * quick pre-scan missed. */
	if (im->active) { /* set while its COPY is open */
		paused = im->active;
		if ((rc = pg_facts_pause(paused, err)))
			return rc;
	}
	gx_buf_putc(&a, '{');
	gx_buf_putc(&b, '{');
	gx_buf_putc(&c, '{');
	for (i = 0; i < n; i++) {
		array_elem(&a, ids[i], i == 0);
		array_elem(&b, symbols && symbols[i] && symbols[i][0] ? symbols[i] : NULL, i == 0);
		array_elem(&c, gx_gene_base_id(ids[i], base, sizeof(base)) ? base : NULL, i == 0);
	}
	gx_buf_putc(&a, '}');
	gx_buf_putc(&b, '}');
	if (gx_buf_putc(&c, '}') < 0 || !a.data || !b.data) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	p[0] = a.data;
	p[1] = organism;
	for (i = 0; i < n && !(symbols && symbols[i] && symbols[i][0]); i++)
		;
	if (i == n) { /* no symbols */
		if ((rc = pg_query(s, known_sql, 2, p, &r, err)))
			goto out;
		for (i = 0; i < r->nrows && gx_rows_get(r, i, 0); i++)
			;
		if (i < n || r->nrows != n) {
			gx_rows_free(r);
			r = NULL;
		}
	}
	p[1] = b.data;
	p[2] = c.data;
	p[3] = organism;
	if (!r && (rc = pg_query(s, upsert_sql, 4, p, &r, err)))
		goto out;
	if (r->nrows != n) {
		rc = gx_err_set(err, GX_E_INTERNAL, "gene key lookup returned %zu rows for %zu genes",
		                r->nrows, n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *k = gx_rows_get(r, i, 0);
		if (!k) {
			long key;
			const char *q[2] = { organism, ids[i] };
			if ((rc = gx_sink_query_long(s, again_sql, 2, q, &key, err)))
				goto out;
			keys[i] = (int32_t)key;
		} else {
			keys[i] = (int32_t)strtol(k, NULL, 10);
		}
	}
out:
	gx_rows_free(r);
	gx_buf_release(&a);
	gx_buf_release(&b);
	gx_buf_release(&c);
	if (paused && !rc)
		rc = pg_facts_resume(paused, err);
	return rc;
}
