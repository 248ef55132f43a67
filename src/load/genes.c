/*
 * genes.c - the gene annotation table and the loaded genes it names (see genes.h).
 */
#include "load/genes.h"
#include "load/sink_impl.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"

#include <string.h>

/* the loaded genes the annotation names by id (or, for ids that are not, by symbol):
 * their missing parts filled, the symbol the annotation's */
static const char by_id_sql[] =
	"WITH m AS (SELECT g.gene_key, min(a.stable_id) AS st, min(a.base_id) AS b,"
	"                  min(a.symbol) AS sy, min(a.biotype) AS bt"
	"           FROM dim_gene g JOIN dim_gene_annotation a"
	"           ON a.base_id = COALESCE(g.base_id, g.gene_id)"
	"           AND (a.organism = g.organism OR a.organism = '' OR g.organism IN ('', '*'))"
	"           WHERE $1 = '' OR g.organism IN ($1, '', '*')"
	"           GROUP BY g.gene_key HAVING count(*) = 1)"
	" UPDATE dim_gene SET gene_symbol = COALESCE(m.sy, dim_gene.gene_symbol),"
	"        stable_id = COALESCE(dim_gene.stable_id, m.st),"
	"        base_id = COALESCE(dim_gene.base_id, m.b),"
	"        biotype = COALESCE(m.bt, dim_gene.biotype)"
	" FROM m WHERE dim_gene.gene_key = m.gene_key"
	" AND (dim_gene.gene_symbol IS DISTINCT FROM COALESCE(m.sy, dim_gene.gene_symbol)"
	"      OR dim_gene.stable_id IS NULL AND m.st IS NOT NULL"
	"      OR dim_gene.base_id IS NULL AND m.b IS NOT NULL"
	"      OR dim_gene.biotype IS DISTINCT FROM COALESCE(m.bt, dim_gene.biotype))"
	" RETURNING dim_gene.gene_key";
static const char by_symbol_sql[] =
	"WITH m AS (SELECT g.gene_key, min(a.stable_id) AS st, min(a.base_id) AS b,"
	"                  min(a.symbol) AS sy, min(a.biotype) AS bt"
	"           FROM dim_gene g JOIN dim_gene_annotation a ON a.symbol = g.gene_id"
	"           AND (a.organism = g.organism OR a.organism = '' OR g.organism IN ('', '*'))"
	"           WHERE g.base_id IS NULL AND ($1 = '' OR g.organism IN ($1, '', '*'))"
	"           GROUP BY g.gene_key HAVING count(*) = 1)"
	" UPDATE dim_gene SET gene_symbol = m.sy, stable_id = m.st, base_id = m.b,"
	"        biotype = m.bt"
	" FROM m WHERE dim_gene.gene_key = m.gene_key"
	" RETURNING dim_gene.gene_key";

/* the notes' cells for gx_sink_copy_rows, each stable id once */
static int cells_of(const char *organism, const gx_gene_notes *notes, const char ***out,
                    size_t *nrows, long *repeats, gx_err *err)
{
	gx_hset seen = { 0 };
	const char **c;
	size_t i, n = 0;

	*out = NULL;
	if (!(c = gx_calloc(notes->n ? notes->n * 5 : 1, sizeof(*c))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < notes->n; i++) {
		const gx_gene_note *g = &notes->rows[i];
		int put = gx_hset_put(&seen, gx_gene_hash(g->stable_id, strlen(g->stable_id)), i, NULL);
		if (put < 0) {
			gx_hset_release(&seen);
			gx_free(c);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		if (!put) {
			(*repeats)++;
			continue;
		}
		c[n * 5] = organism;
		c[n * 5 + 1] = g->stable_id;
		c[n * 5 + 2] = g->base_id;
		c[n * 5 + 3] = g->symbol;
		c[n * 5 + 4] = g->biotype;
		n++;
	}
	gx_hset_release(&seen);
	*out = c;
	*nrows = n;
	return 0;
}

int gx_genes_import(gx_sink *s, const char *organism, const gx_gene_notes *notes,
                    gx_genes_import_result *res, gx_err *err)
{
	static const char *const cols[] = { "organism", "stable_id", "base_id", "symbol",
		                            "biotype" };
	const char *p[1] = { organism };
	const char **cells = NULL;
	gx_rows *r = NULL;
	size_t nrows = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = cells_of(organism, notes, &cells, &nrows, &res->n_repeats, err)))
		return rc;
	res->n_rows = (long)nrows;
	if ((rc = gx_sink_begin(s, err)))
		goto out;
	if ((rc = gx_sink_query(s, "DELETE FROM dim_gene_annotation WHERE organism = $1", 1, p,
	                        NULL, err)) ||
	    (nrows && (rc = gx_sink_copy_rows(s, "dim_gene_annotation", cols, 5, nrows, cells,
	                                      err))) ||
	    (rc = gx_sink_query(s, by_id_sql, 1, p, &r, err)))
		goto fail;
	res->n_updated = (long)r->nrows;
	gx_rows_free(r);
	r = NULL;
	if ((rc = gx_sink_query(s, by_symbol_sql, 1, p, &r, err)))
		goto fail;
	res->n_updated += (long)r->nrows;
	if ((rc = gx_sink_commit(s, err)))
		goto fail;
	goto out;
fail:
	gx_sink_rollback(s);
out:
	gx_rows_free(r);
	gx_free(cells);
	return rc;
}
