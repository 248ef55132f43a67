/*
 * sink.c - backend dispatch and the helpers shared by both backends (see sink.h).
 */
#include "load/sink.h"
#include "core/log.h"
#include "core/mem.h"

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
	gx_free(s->url_redacted);
	gx_free(s->purpose);
	gx_free(s);
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
	int rc = s->ops->begin(s, err);
	if (!rc)
		s->in_tx = 1;
	return rc;
}

int gx_sink_commit(gx_sink *s, gx_err *err)
{
	int rc = s->ops->commit(s, err);
	s->in_tx = 0;
	return rc;
}

void gx_sink_rollback(gx_sink *s)
{
	if (s && s->in_tx) {
		s->ops->rollback(s);
		s->in_tx = 0;
	}
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
