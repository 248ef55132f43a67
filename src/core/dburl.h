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

/* The URL with every secret option removed, for logs and output; caller frees. */
char *gx_dburl_redact(const char *url);

#endif
