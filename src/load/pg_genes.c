/*
 * pg_genes.c - the PostgreSQL backend's gene keys: a batch of gene ids resolved to
 * dim_gene keys in one round trip (see pg_facts.h).
 * Does not: write facts (pg_facts.c).
 */
#include "load/pg_facts.h"
#include "core/buf.h"
#include "core/mem.h"

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

int pg_resolve_genes(gx_sink *s, size_t n, const char *const *ids,
                            const char *const *symbols, int32_t *keys, gx_err *err)
{
	/* One round trip per batch: insert the new genes, then read every key in input
	 * order.  A gene inserted concurrently by another loader is not in this statement's
	 * snapshot; those keys come back NULL and are read again below. */
	static const char sql[] =
		"WITH input AS ("
		"  SELECT t.gene_id, t.gene_symbol, t.ord"
		"  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(gene_id, gene_symbol, ord)),"
		" ins AS ("
		"  INSERT INTO dim_gene (gene_id, gene_symbol, created_at)"
		"  SELECT DISTINCT ON (gene_id) gene_id, gene_symbol, now() FROM input"
		"  ORDER BY gene_id, gene_symbol NULLS LAST" /* an id twice (genes.duplicates) */
		"  ON CONFLICT (gene_id) DO UPDATE SET gene_symbol = EXCLUDED.gene_symbol"
		"  WHERE dim_gene.gene_symbol IS NULL AND EXCLUDED.gene_symbol IS NOT NULL"
		"  RETURNING gene_id, gene_key)"
		" SELECT COALESCE(ins.gene_key, g.gene_key) FROM input i"
		" LEFT JOIN ins ON ins.gene_id = i.gene_id"
		" LEFT JOIN dim_gene g ON g.gene_id = i.gene_id"
		" ORDER BY i.ord";
	/* genes without symbols that all exist already (a re-run, a study of known genes)
	 * only need reading, which is 3-4 times cheaper than the upsert */
	static const char known_sql[] =
		"SELECT g.gene_key FROM unnest($1::text[]) WITH ORDINALITY AS t(gene_id, ord)"
		" LEFT JOIN dim_gene g ON g.gene_id = t.gene_id ORDER BY t.ord";
	static const char again_sql[] = "SELECT gene_key FROM dim_gene WHERE gene_id = $1";
	pg_impl *im = s->impl;
	gx_fact_writer *paused = NULL;
	gx_buf a = { 0 }, b = { 0 };
	const char *p[2];
	gx_rows *r = NULL;
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
	for (i = 0; i < n; i++) {
		array_elem(&a, ids[i], i == 0);
		array_elem(&b, symbols ? symbols[i] : NULL, i == 0);
	}
	gx_buf_putc(&a, '}');
	if (gx_buf_putc(&b, '}') < 0 || !a.data) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	p[0] = a.data;
	p[1] = b.data;
	for (i = 0; i < n && !(symbols && symbols[i]); i++)
		;
	if (i == n) { /* no symbols */
		if ((rc = pg_query(s, known_sql, 1, p, &r, err)))
			goto out;
		for (i = 0; i < r->nrows && gx_rows_get(r, i, 0); i++)
			;
		if (i < n || r->nrows != n) {
			gx_rows_free(r);
			r = NULL;
		}
	}
	if (!r && (rc = pg_query(s, sql, 2, p, &r, err)))
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
			const char *q[1] = { ids[i] };
			if ((rc = gx_sink_query_long(s, again_sql, 1, q, &key, err)))
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
	if (paused && !rc)
		rc = pg_facts_resume(paused, err);
	return rc;
}

