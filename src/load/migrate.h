/*
 * migrate.h - schema migrations: migrations/<backend>/NNNN_name.sql, applied in order.
 *
 * Each file runs in its own transaction together with its row in schema_migrations
 * (version, name, checksum = XXH3-128 of the file, applied_at), so a killed migration
 * leaves the previous version intact.  Every run checks the applied files' checksums:
 * an applied migration whose file changed, or a database that has migrations this
 * binary does not know, is refused (GX_E_MIGRATION_CHANGED / GX_E_SCHEMA_NEWER, exit 78).
 * Concurrent migrators are serialized (PostgreSQL advisory lock, SQLite write lock).
 */
#ifndef GX_MIGRATE_H
#define GX_MIGRATE_H

#include "load/sink.h"

typedef struct gx_migration_state {
	int version;
	char name[128];
	char file_checksum[40];   /* "" if the file is missing */
	char db_checksum[40];     /* "" if not applied */
	char applied_at[40];
} gx_migration_state;

/* Apply pending migrations; *applied receives how many were applied (may be NULL). */
int gx_migrate_apply(gx_sink *s, const char *share_dir, int *applied, gx_err *err);

/*
 * List every migration known to the files or the database, in version order.  *out is
 * owned by the caller (gx_free).  Does not change the database.
 */
int gx_migrate_status(gx_sink *s, const char *share_dir, gx_migration_state **out, size_t *n,
                      gx_err *err);

#endif
