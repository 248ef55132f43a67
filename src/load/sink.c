/*
 * sink.c - backend dispatch and what both backends share (see sink.h, sink_impl.h):
 * the transaction flag, the genes resolved in the transaction, the one delete-samples
 * algorithm, the study lock, and time formatting.
 * Does not: know any backend's SQL dialect (each backend's statements come through its
 * table).
 */
#include "load/sink_impl.h"
#include "core/log.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gx_rows_free(gx_rows *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nrows * r->ncols; i++)
		gx_free(r->cells[i]);
	for (i = 0; i < r->ncols; i++)
		gx_free(r->names[i]);
	gx_free(r->cells);
	gx_free(r->names);
	gx_free(r);
}

int gx_sink_open(const gx_config *cfg, const char *purpose, int must_exist, gx_sink **out,
                 gx_err *err)
{
	gx_sink *s;
	gx_db_kind kind;
	int rc;

	*out = NULL;
	if ((rc = gx_dburl_parse(cfg->db_url, &kind, NULL, err)))
		return rc;
	s = gx_calloc(1, sizeof(*s));
	if (!s)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	s->kind = kind;
	s->cfg = cfg;
	s->ops = kind == GX_DB_SQLITE ? &gx_sink_sqlite_ops : &gx_sink_pg_ops;
	s->url_redacted = gx_dburl_redact(cfg->db_url);
	s->purpose = gx_strdup(purpose);
	if (!s->url_redacted || !s->purpose) {
		gx_sink_close(s);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	rc = s->ops->connect(s, must_exist, err);
	if (rc) {
		gx_sink_close(s);
		return rc;
	}
	gx_log(GX_LOG_DEBUG, "connect", "connected to %s (%s %s)", s->url_redacted, s->ops->name,
	       s->ops->server_version(s));
	*out = s;
	return 0;
}

void gx_sink_close(gx_sink *s)
{
	if (!s)
		return;
	if (s->impl)
		s->ops->close(s);
	gx_buf_release(&s->tx_genes);
	gx_free(s->url_redacted);
	gx_free(s->purpose);
	gx_free(s);
}

int gx_sink_alive(const gx_sink *s)
{
	return s && s->impl && (!s->ops->alive || s->ops->alive(s));
}

int gx_sink_reconnect(gx_sink *s, gx_err *err)
{
	int rc;

	if (s->impl)
		s->ops->close(s);
	s->in_tx = 0;
	s->session++;
	gx_buf_reset(&s->tx_genes);
	rc = s->ops->connect(s, 0, err);
	if (!rc)
		gx_log(GX_LOG_INFO, "connect", "reconnected to %s", s->url_redacted);
	return rc;
}

const char *gx_sink_url(const gx_sink *s)
{
	return s->url_redacted;
}

int gx_sink_exec(gx_sink *s, const char *sql, gx_err *err)
{
	return s->ops->exec(s, sql, err);
}

int gx_sink_query(gx_sink *s, const char *sql, int nparams, const char *const *params,
                  gx_rows **out, gx_err *err)
{
	if (out)
		*out = NULL;
	return s->ops->query(s, sql, nparams, params, out, err);
}

int gx_sink_facts_read(gx_sink *s, int32_t study_key, const char *genes, gx_facts_read_fn fn,
                       void *ctx, gx_err *err)
{
	return s->ops->facts_read(s, study_key, genes, fn, ctx, err);
}

int gx_sink_copy_rows(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
                      size_t nrows, const char *const *cells, gx_err *err)
{
	if (!nrows)
		return 0;
	return s->ops->copy_rows(s, table, cols, ncols, nrows, cells, err);
}

int gx_sink_key_list(gx_buf *b, const char *brackets, size_t n, const int32_t *keys)
{
	size_t i;

	gx_buf_putc(b, brackets[0]);
	for (i = 0; i < n; i++)
		gx_buf_printf(b, "%s%d", i ? "," : "", (int)keys[i]);
	if (gx_buf_putc(b, brackets[1]) < 0) {
		gx_buf_release(b);
		return -1;
	}
	return 0;
}

const char *gx_sink_iso(const gx_sink *s, const char *col, char *buf, size_t cap)
{
	if (s->kind == GX_DB_POSTGRESQL)
		snprintf(buf, cap, "to_char(%s AT TIME ZONE 'UTC', "
		         "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", col);
	else
		snprintf(buf, cap, "%s", col);
	return buf;
}

const char *gx_sink_double(double d, char buf[40])
{
	if (isnan(d))
		return NULL;
	snprintf(buf, 40, "%.17g", d);
	return buf;
}

int gx_sink_query_long(gx_sink *s, const char *sql, int nparams, const char *const *params,
                       long *out, gx_err *err)
{
	gx_rows *r = NULL;
	int rc = s->ops->query(s, sql, nparams, params, &r, err);

	*out = 0;
	if (rc)
		return rc;
	if (r->nrows > 0 && r->ncols > 0 && gx_rows_get(r, 0, 0))
		*out = strtol(gx_rows_get(r, 0, 0), NULL, 10);
	gx_rows_free(r);
	return 0;
}

int gx_sink_begin(gx_sink *s, gx_err *err)
{
	int rc;

	gx_buf_reset(&s->tx_genes);
	rc = s->ops->begin(s, err);
	if (!rc)
		s->in_tx = 1;
	return rc;
}

int gx_sink_commit(gx_sink *s, gx_err *err)
{
	int rc;

	gx_buf_reset(&s->tx_genes);
	rc = s->ops->commit(s, err);
	s->in_tx = 0;
	return rc;
}

void gx_sink_rollback(gx_sink *s)
{
	if (s && s->in_tx) {
		gx_buf_reset(&s->tx_genes);
		s->ops->rollback(s);
		s->in_tx = 0;
	}
}

int gx_sink_set_run(gx_sink *s, long run_id, gx_err *err)
{
	return s->ops->set_run(s, run_id, err);
}

/* ---- the study lock ---- */

int gx_study_lock_acquire(gx_study_lock *l, gx_sink *s, const gx_config *cfg,
                          const char *accession, gx_err *err)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = gx_lock_acquire(cfg->lock_dir, accession, cfg->lock_timeout_s, &l->file, err)))
		return rc;
	if (s && (rc = s->ops->lock_study(s, accession, cfg->lock_timeout_s, err))) {
		gx_lock_release(l->file);
		l->file = NULL;
		return rc;
	}
	l->s = s;
	l->session = s ? s->session : 0;
	l->accession = accession;
	return 0;
}

void gx_study_lock_release(gx_study_lock *l)
{
	/* a lock taken on a session that was lost went with it */
	if (l->s && l->s->session == l->session && gx_sink_alive(l->s))
		l->s->ops->unlock_study(l->s, l->accession);
	gx_lock_release(l->file);
	memset(l, 0, sizeof(*l));
}

/* ---- genes and facts ---- */

int gx_sink_resolve_genes(gx_sink *s, const char *organism, size_t n, const char *const *ids,
                          const char *const *symbols, int32_t *keys, gx_err *err)
{
	size_t i;
	int rc = s->ops->resolve_genes(s, organism ? organism : "", n, ids, symbols, keys, err);

	/* remembered for gx_sink_delete_samples */
	for (i = 0; !rc && i < n; i++)
		if (gx_buf_printf(&s->tx_genes, "%s%d", s->tx_genes.len ? "," : "", (int)keys[i]) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	return rc;
}

/*
 * The rows of a study's samples.  The fact table's key is (gene_key, sample_key) within
 * a study (the PostgreSQL partition's primary key; SQLite's after study_key), so by
 * sample_key alone the study's rows are scanned; when the transaction has resolved the
 * genes of the new matrix (the loader does that first), one index probe per (gene,
 * sample) finds them instead.  Rows of genes the matrix no longer has would be missed
 * that way, so the count is checked against the samples' n_values and the scan runs
 * only when they differ.
 */
int gx_sink_delete_samples(gx_sink *s, int32_t study_key, size_t n, const int32_t *keys,
                           int64_t *deleted, gx_err *err)
{
	const gx_delete_sql *q = s->ops->delete_sql;
	gx_buf list = { 0 }, genes = { 0 };
	char sk[16];
	const char *p[3];
	int rc = 0;

	*deleted = 0;
	if (n == 0)
		return 0;
	if (gx_sink_key_list(&list, q->brackets, n, keys))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	p[0] = sk;
	p[1] = list.data;
	if (s->tx_genes.len) {
		long expected = 0;
		int64_t more = 0;
		gx_buf_printf(&genes, "%c%s%c", q->brackets[0], s->tx_genes.data, q->brackets[1]);
		p[2] = genes.data;
		if (!genes.data)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		else if (!(rc = gx_sink_query_long(s, q->expected, 2, p, &expected, err)))
			rc = s->ops->delete_rows(s, q->by_key, 3, p, deleted, err);
		if (!rc && *deleted != (int64_t)expected &&
		    !(rc = s->ops->delete_rows(s, q->by_sample, 2, p, &more, err)))
			*deleted += more;
	} else {
		rc = s->ops->delete_rows(s, q->by_sample, 2, p, deleted, err);
	}
	if (!rc && q->copies) {
		int64_t ignored = 0;
		rc = s->ops->delete_rows(s, q->copies, 2, p, &ignored, err);
	}
	gx_buf_release(&genes);
	gx_buf_release(&list);
	return rc;
}

int gx_sink_statistics(gx_sink *s, gx_err *err)
{
	return s->ops->statistics ? s->ops->statistics(s, err) : 0;
}

int gx_sink_study_sharded(gx_sink *s, const char *accession, int *sharded, gx_err *err)
{
	*sharded = 0;
	return s->ops->study_sharded ? s->ops->study_sharded(s, accession, sharded, err) : 0;
}

int gx_sink_sample_block(const gx_sink *s)
{
	return s->ops->sample_block;
}

int gx_sink_facts_begin(gx_sink *s, int32_t study_key, gx_fact_mode mode,
                        gx_fact_writer **out, gx_err *err)
{
	return s->ops->facts_begin(s, study_key, mode, out, err);
}

int gx_sink_facts_put(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err)
{
	return gx_fact_writer_sink(w)->ops->facts_put(w, b, err);
}

int gx_sink_facts_finish(gx_fact_writer *w, gx_err *err)
{
	return gx_fact_writer_sink(w)->ops->facts_finish(w, err);
}

void gx_sink_facts_abort(gx_fact_writer *w)
{
	if (w)
		gx_fact_writer_sink(w)->ops->facts_abort(w);
}

void gx_sink_time(double t, char out[32])
{
	time_t sec = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)sec) * 1000.0) % 1000;

	if (ms > 999)
		ms = 999;
	char base[24];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03dZ", base, ms);
}

void gx_sink_now(char out[32])
{
	gx_sink_time(gx_now(), out);
}
