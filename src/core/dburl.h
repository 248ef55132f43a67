/*
 * dburl.h - database URLs: which backend, and how to show them without secrets.
 *
 * Accepted forms: "sqlite:PATH" (the embedded default), a "postgresql://" or
 * "postgres://" URI, or a libpq keyword string ("host=... dbname=..." or "service=...").
 * A URL that carries a password is refused: passwords come from libpq's own sources
 * (~/.pgpass, PGPASSFILE, service files, PG* variables), never from gxload's config or
 * flags.
 */
#ifndef GX_DBURL_H
#define GX_DBURL_H

#include "core/err.h"

typedef enum gx_db_kind {
	GX_DB_SQLITE,
	GX_DB_POSTGRESQL,
} gx_db_kind;

/*
 * Parse and check a URL.  For SQLite, *sqlite_path (if not NULL) receives the file path
 * (caller frees).  Fails with GX_E_DB_URL.
 */
int gx_dburl_parse(const char *url, gx_db_kind *kind, char **sqlite_path, gx_err *err);

/* The URL with every secret option removed, for logs and output; caller frees.  A
 * string libpq cannot parse is masked textually (gx_dburl_redact_text). */
char *gx_dburl_redact(const char *url);

/*
 * Any text that may be a connection string, valid or not, with every part that may be
 * a password replaced by "********": a URI's user-information password (from the first
 * ':' after "scheme:/" to the last '@'), a "password=" query parameter, and the value
 * of a "...password=" keyword, quoted or not (unquoted, up to the next "word=").  For
 * error messages about strings that do not parse.  Caller frees; NULL if out of memory.
 */
char *gx_dburl_redact_text(const char *s);

/* 'msg' (e.g. libpq's error for a connection made with 'url') with every part of url's
 * possible secrets masked.  Caller frees. */
char *gx_dburl_scrub(const char *msg, const char *url);

#endif
