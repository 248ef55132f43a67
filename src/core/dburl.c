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

#include <ctype.h>
#include <libpq-fe.h>
#include <string.h>

#define MASK "********"

/* Byte ranges [from, to) of a connection string that may hold a secret. */
typedef struct span {
	size_t from, to;
} span;

enum { MAX_SPANS = 16 };

static void add_span(span *sp, size_t *n, size_t from, size_t to)
{
	if (to > from && *n < MAX_SPANS) {
		sp[*n].from = from;
		sp[*n].to = to;
		(*n)++;
	}
}

/* Does s[i..] start a keyword "...password" followed by optional blanks and '='?  On
 * success *val is the offset of the value (blanks after '=' skipped). */
static int password_key_at(const char *s, size_t i, size_t *val)
{
	size_t j = i, k;
	while (isalnum((unsigned char)s[j]) || s[j] == '_')
		j++;
	if (j - i < 8 || strncasecmp(s + j - 8, "password", 8))
		return 0;
	k = j;
	while (s[k] == ' ' || s[k] == '\t')
		k++;
	if (s[k] != '=')
		return 0;
	k++;
	while (s[k] == ' ' || s[k] == '\t')
		k++;
	*val = k;
	return 1;
}

/* The end of an unquoted keyword value: the next blank-separated "word=" (the start of
 * another keyword) or the end; a password with a blank in it and no quotes is thereby
 * masked whole. */
static size_t keyword_value_end(const char *s, size_t k)
{
	for (; s[k]; k++) {
		size_t j;
		if (s[k] != ' ' && s[k] != '\t')
			continue;
		j = k;
		while (s[j] == ' ' || s[j] == '\t')
			j++;
		{
			size_t w = j;
			while (isalnum((unsigned char)s[w]) || s[w] == '_')
				w++;
			while (s[w] == ' ' || s[w] == '\t')
				w++;
			if (w > j && s[w] == '=')
				return k;
		}
	}
	return k;
}

/*
 * Find every part of s that may be a secret, whatever its syntax, valid or not: the
 * password of a URI's user information (from the first ':' after "scheme:" and its slashes
 * to the last '@'), a "password=" query parameter, and a "password=" keyword's value
 * (quoted or not).  Masking too much is harmless; missing a secret is not.
 */
static size_t secret_spans(const char *s, span *sp)
{
	size_t n = 0, i, len = strlen(s);
	const char *at = strrchr(s, '@');
	const char *p = s;

	/* URI-like: scheme ":" (also malformed ones like "postgresql:/" or "postgresql:u:pw@") */
	if (isalpha((unsigned char)*p)) {
		while (isalnum((unsigned char)*p) || *p == '+' || *p == '.' || *p == '-')
			p++;
		if (*p == ':') { /* "scheme:", with any number of slashes, even none */
			p++;
			while (*p == '/')
				p++;
			if (at && at > p) {
				const char *colon = memchr(p, ':', (size_t)(at - p));
				if (colon)
					add_span(sp, &n, (size_t)(colon + 1 - s), (size_t)(at - s));
			}
		}
	}
	for (i = 0; i < len; i++) {
		size_t v;
		int starts = i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '?' ||
		             s[i - 1] == '&' || s[i - 1] == '\'';
		if (!starts || !password_key_at(s, i, &v))
			continue;
		if (s[i - (i > 0)] == '?' || s[i - (i > 0)] == '&') {
			size_t e = v;
			while (s[e] && s[e] != '&' && s[e] != '#')
				e++;
			add_span(sp, &n, v, e);
			i = e ? e - 1 : 0;
		} else if (s[v] == '\'') {
			size_t e = v + 1;
			while (s[e] && s[e] != '\'')
				e += (s[e] == '\\' && s[e + 1]) ? 2 : 1;
			add_span(sp, &n, v, s[e] ? e + 1 : e);
			i = e ? e - 1 : 0;
		} else {
			size_t e = keyword_value_end(s, v);
			add_span(sp, &n, v, e);
			i = e ? e - 1 : 0;
		}
	}
	return n;
}

static int in_spans(const span *sp, size_t n, size_t from, size_t to)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (from < sp[i].to && sp[i].from < to)
			return 1;
	return 0;
}

char *gx_dburl_redact_text(const char *s)
{
	span sp[MAX_SPANS];
	size_t n, i, len;
	gx_buf b = { 0 };

	if (!s)
		return gx_strdup("");
	n = secret_spans(s, sp);
	len = strlen(s);
	for (i = 0; i < len;) {
		if (in_spans(sp, n, i, i + 1)) {
			gx_buf_puts(&b, MASK); /* one mask for a run of secret bytes */
			while (i < len && in_spans(sp, n, i, i + 1))
				i++;
		} else {
			gx_buf_putc(&b, s[i++]);
		}
	}
	return gx_buf_steal(&b);
}

/* Replace in b's text every occurrence of 'piece' with the mask. */
static void mask_piece(gx_buf *b, const char *piece, size_t plen)
{
	gx_buf out = { 0 };
	const char *t = gx_buf_cstr(b), *hit;

	if (!plen || !strstr(t, piece))
		return;
	while ((hit = strstr(t, piece))) {
		gx_buf_append(&out, t, (size_t)(hit - t));
		gx_buf_puts(&out, MASK);
		t = hit + plen;
	}
	gx_buf_puts(&out, t);
	gx_buf_release(b);
	*b = out;
}

/*
 * Mask in b every piece of the string's secrets that could have travelled into a
 * message by another route (libpq reading "u:pw/x@h" as host "u", port "pw"): each
 * secret whole, and its parts between URI and keyword delimiters, of 3 bytes or more
 * (shorter ones would mask ordinary words and cannot identify a password).
 */
static void mask_secrets(gx_buf *b, const char *url)
{
	span sp[MAX_SPANS];
	size_t n = secret_spans(url, sp), i;

	for (i = 0; i < n; i++) {
		const char *s = url + sp[i].from, *end = url + sp[i].to;
		char *whole = gx_strndup(s, (size_t)(end - s));
		if (whole) {
			mask_piece(b, whole, strlen(whole));
			gx_free(whole);
		}
		while (s < end) {
			size_t len = strcspn(s, "/@:?&=#' \t\\%");
			if (s + len > end)
				len = (size_t)(end - s);
			if (len >= 3) {
				char *piece = gx_strndup(s, len);
				if (piece)
					mask_piece(b, piece, len);
				gx_free(piece);
			}
			s += len + 1;
		}
	}
}

char *gx_dburl_scrub(const char *msg, const char *url)
{
	gx_buf b = { 0 };

	gx_buf_puts(&b, msg ? msg : "");
	if (url)
		mask_secrets(&b, url);
	return gx_buf_steal(&b);
}

/*
 * libpq's parse errors quote parts of the string ("invalid percent-encoded token:
 * "pw%zz"", or the whole URI).  Keep a quoted part only if it touches no secret of the
 * string; the whole string quoted is shown redacted.
 */
static char *scrub_libpq_message(const char *msg, const char *url)
{
	span sp[MAX_SPANS];
	size_t n = secret_spans(url, sp);
	gx_buf b = { 0 };
	const char *p = msg;

	while (*p) {
		const char *q = strchr(p, '"'), *e;
		if (!q || !(e = strchr(q + 1, '"'))) {
			gx_buf_puts(&b, p);
			break;
		}
		gx_buf_append(&b, p, (size_t)(q + 1 - p));
		{
			size_t qlen = (size_t)(e - q - 1);
			char *piece = gx_strndup(q + 1, qlen);
			const char *hit = piece ? strstr(url, piece) : NULL;
			/* a piece that is not in the string is libpq's own ("=", "]") when short; a
			 * longer one could be a decoded secret */
			int secret = !piece || (qlen > 2 && !hit);
			/* every place the piece occurs in the string must be free of secrets */
			while (!secret && hit && qlen) {
				size_t off = (size_t)(hit - url);
				if (in_spans(sp, n, off, off + qlen))
					secret = 1;
				hit = strstr(hit + 1, piece);
			}
			if (piece && !strcmp(piece, url)) {
				char *r = gx_dburl_redact_text(url);
				gx_buf_puts(&b, r ? r : MASK);
				gx_free(r);
			} else {
				gx_buf_puts(&b, secret ? MASK : piece);
			}
			gx_free(piece);
		}
		gx_buf_putc(&b, '"');
		p = e + 1;
	}
	mask_secrets(&b, url);
	return gx_buf_steal(&b);
}

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
	if (!is_pg_uri(url) && !strchr(url, '=')) {
		char *r = gx_dburl_redact_text(url);
		int rc = gx_err_set(err, GX_E_DB_URL,
		                    "unsupported database URL '%.200s': expected sqlite:PATH, a "
		                    "postgresql:// URI or a libpq keyword string", r ? r : MASK);
		gx_free(r);
		return rc;
	}
	opts = PQconninfoParse(url, &errmsg);
	if (!opts) {
		int rc;
		char *nl = errmsg ? strchr(errmsg, '\n') : NULL, *msg;
		if (nl)
			*nl = '\0';
		/* the message may quote the URL or a part of it: only what holds no secret is
		 * shown */
		msg = errmsg ? scrub_libpq_message(errmsg, url) : NULL;
		rc = gx_err_set(err, GX_E_DB_URL, "invalid PostgreSQL connection string: %s",
		                msg ? msg : "out of memory");
		gx_free(msg);
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
		return gx_dburl_redact_text(url);
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
	/* a value libpq took for another option may still be a password ("u:pw/x@h") */
	mask_secrets(&b, url);
	return gx_buf_steal(&b);
}
