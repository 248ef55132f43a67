/*
 * dburl.c - database URL parsing and redaction (see dburl.h).
 *
 * PostgreSQL URLs are parsed by libpq itself (PQconninfoParse), so gxload accepts exactly
 * what libpq accepts; options that libpq marks secret (dispchar "*") are what
 * "password" means here.
 */
#include "core/dburl.h"
#include "core/buf.h"
#include "core/mem.h"

#include <libpq-fe.h>
#include <string.h>

static int is_pg_uri(const char *url)
{
	return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

int gx_dburl_parse(const char *url, gx_db_kind *kind, char **sqlite_path, gx_err *err)
{
	PQconninfoOption *opts, *o;
	char *errmsg = NULL;

	if (sqlite_path)
		*sqlite_path = NULL;
	if (!url || !*url)
		return gx_err_set(err, GX_E_DB_URL, "empty database URL");
	if (!strncmp(url, "sqlite:", 7)) {
		const char *p = url + 7;
		if (!strncmp(p, "//", 2))
			p += 2; /* sqlite:///abs/path and sqlite://rel are accepted too */
		if (!*p)
			return gx_err_set(err, GX_E_DB_URL, "database URL 'sqlite:' has no file path");
		*kind = GX_DB_SQLITE;
		if (sqlite_path && !(*sqlite_path = gx_strdup(p)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		return 0;
	}
	if (!is_pg_uri(url) && !strchr(url, '='))
		return gx_err_set(err, GX_E_DB_URL,
		                  "unsupported database URL '%.200s': expected sqlite:PATH, a "
		                  "postgresql:// URI or a libpq keyword string", url);
	opts = PQconninfoParse(url, &errmsg);
	if (!opts) {
		int rc;
		char *nl = errmsg ? strchr(errmsg, '\n') : NULL;
		if (nl)
			*nl = '\0';
		/* the message may quote the URL: do not echo it, it could hold a secret */
		rc = gx_err_set(err, GX_E_DB_URL, "invalid PostgreSQL connection string: %s",
		                errmsg ? errmsg : "out of memory");
		PQfreemem(errmsg);
		return rc;
	}
	for (o = opts; o->keyword; o++) {
		if (o->val && o->val[0] && o->dispchar && strchr(o->dispchar, '*')) {
			PQconninfoFree(opts);
			return gx_err_set(err, GX_E_DB_URL,
			                  "database URL contains a password; gxload does not accept "
			                  "passwords in URLs, config or flags: use ~/.pgpass, a "
			                  "service file or PGPASSFILE");
		}
	}
	PQconninfoFree(opts);
	*kind = GX_DB_POSTGRESQL;
	return 0;
}

char *gx_dburl_redact(const char *url)
{
	PQconninfoOption *opts, *o;
	gx_buf b = { 0 };

	if (!url)
		return gx_strdup("");
	if (!strncmp(url, "sqlite:", 7))
		return gx_strdup(url);
	opts = PQconninfoParse(url, NULL);
	if (!opts)
		return gx_strdup("(unparsable connection string)");
	for (o = opts; o->keyword; o++) {
		const char *v;
		if (!o->val || !o->val[0])
			continue;
		if (o->dispchar && strchr(o->dispchar, '*')) {
			gx_buf_printf(&b, "%s%s=********", b.len ? " " : "", o->keyword);
			continue;
		}
		gx_buf_printf(&b, "%s%s=", b.len ? " " : "", o->keyword);
		if (strpbrk(o->val, " '\\") || !o->val[0]) {
			gx_buf_putc(&b, '\'');
			for (v = o->val; *v; v++) {
				if (*v == '\'' || *v == '\\')
					gx_buf_putc(&b, '\\');
				gx_buf_putc(&b, *v);
			}
			gx_buf_putc(&b, '\'');
		} else {
			gx_buf_puts(&b, o->val);
		}
	}
	PQconninfoFree(opts);
	return gx_buf_steal(&b);
}
