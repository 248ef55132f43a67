/*
 * migrate.c - apply and check schema migrations (see migrate.h).
 */
#include "load/migrate.h"
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mfile {
	int version;
	char name[128];
	char path[1024];
	char checksum[GX_HASH_HEX];
} mfile;

static int cmp_mfile(const void *a, const void *b)
{
	return ((const mfile *)a)->version - ((const mfile *)b)->version;
}

static int valid_name(const char *n)
{
	size_t len = strlen(n), i;

	if (len < 10 || strcmp(n + len - 4, ".sql"))
		return 0;
	for (i = 0; i < 4; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	if (n[4] != '_')
		return 0;
	for (i = 5; i < len - 4; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return 0;
	return 1;
}

static int list_files(gx_sink *s, const char *share_dir, mfile **out, size_t *n, gx_err *err)
{
	char dirpath[900];
	DIR *d;
	struct dirent *e;
	mfile *files = NULL;
	size_t count = 0, i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	snprintf(dirpath, sizeof(dirpath), "%s/migrations/%s", share_dir,
	         s->kind == GX_DB_SQLITE ? "sqlite" : "postgresql");
	d = opendir(dirpath);
	if (!d)
		return gx_err_set(err, GX_E_MIGRATION, "cannot open migrations directory '%s': %s",
		                  dirpath, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		mfile *f;
		gx_hash128 h;
		if (e->d_name[0] == '.' || !strstr(e->d_name, ".sql"))
			continue;
		if (!valid_name(e->d_name)) {
			rc = gx_err_set(err, GX_E_MIGRATION,
			                "migration file '%s/%s' is not named NNNN_name.sql", dirpath,
			                e->d_name);
			goto out;
		}
		f = gx_reallocarray(files, count + 1, sizeof(*files));
		if (!f) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		files = f;
		f = &files[count++];
		memset(f, 0, sizeof(*f));
		f->version = atoi(e->d_name);
		snprintf(f->name, sizeof(f->name), "%.*s", (int)(strlen(e->d_name) - 9),
		         e->d_name + 5);
		snprintf(f->path, sizeof(f->path), "%s/%s", dirpath, e->d_name);
		if ((rc = gx_hash_file(f->path, &h, NULL, err)))
			goto out;
		gx_hash128_hex(h, f->checksum);
	}
	if (count)
		qsort(files, count, sizeof(*files), cmp_mfile);
	for (i = 1; i < count; i++) {
		if (files[i].version == files[i - 1].version) {
			rc = gx_err_set(err, GX_E_MIGRATION, "two migration files have version %04d in '%s'",
			                files[i].version, dirpath);
			goto out;
		}
	}
out:
	closedir(d);
	if (rc) {
		gx_free(files);
		return rc;
	}
	*out = files;
	*n = count;
	return 0;
}

/* The lock every migrator takes, in the transaction that changes the schema. */
static const char migrate_lock[] =
	"SELECT pg_advisory_xact_lock(hashtext('gxload'), hashtext('migrate'))";

/*
 * Create schema_migrations if it is missing.  On PostgreSQL concurrent CREATE ... IF NOT
 * EXISTS statements race in the catalog (duplicate key on pg_type), so the table is
 * created under the migration lock, in its own transaction, after a lock-free check that
 * keeps the common case (the table is there) at one query.
 */
static int ensure_table(gx_sink *s, gx_err *err)
{
	char sql[512];
	long exists = 0;
	int rc;

	if (s->kind == GX_DB_SQLITE)
		return gx_sink_exec(s,
			"CREATE TABLE IF NOT EXISTS schema_migrations ("
			" version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
			" checksum TEXT NOT NULL, applied_at TEXT NOT NULL)", err);
	if ((rc = gx_sink_query_long(s, "SELECT count(*) FROM pg_tables WHERE tablename = "
	                             "'schema_migrations' AND schemaname = current_schema()",
	                             0, NULL, &exists, err)))
		return rc;
	if (exists)
		return 0;
	/* the schema name passed gx_ident_valid: [a-z_][a-z0-9_]*, safe inside quotes */
	snprintf(sql, sizeof(sql),
	         "CREATE SCHEMA IF NOT EXISTS \"%s\"; "
	         "CREATE TABLE IF NOT EXISTS schema_migrations ("
	         " version integer PRIMARY KEY, name text NOT NULL,"
	         " checksum text NOT NULL, applied_at timestamptz NOT NULL)",
	         s->cfg->pg_schema);
	if ((rc = gx_sink_begin(s, err)))
		return rc;
	if ((rc = gx_sink_exec(s, migrate_lock, err)) || (rc = gx_sink_exec(s, sql, err))) {
		gx_sink_rollback(s);
		return rc;
	}
	return gx_sink_commit(s, err);
}

static int read_text(const char *path, char **out, gx_err *err)
{
	FILE *f = fopen(path, "rb");
	gx_buf b = { 0 };
	char chunk[8192];
	size_t n;

	*out = NULL;
	if (!f)
		return gx_err_set(err, GX_E_MIGRATION, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (gx_buf_append(&b, chunk, n) < 0) {
			fclose(f);
			gx_buf_release(&b);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
	}
	if (ferror(f)) {
		fclose(f);
		gx_buf_release(&b);
		return gx_err_set(err, GX_E_MIGRATION, "cannot read '%s'", path);
	}
	fclose(f);
	*out = gx_buf_steal(&b);
	return *out ? 0 : gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/* Compare applied rows with the files: changed or unknown migrations are errors. */
static int check_applied(gx_sink *s, const mfile *files, size_t n, gx_rows *applied,
                         gx_err *err)
{
	size_t i, j;

	for (i = 0; i < applied->nrows; i++) {
		int v = atoi(gx_rows_get(applied, i, 0));
		const char *sum = gx_rows_get(applied, i, 2);
		const mfile *f = NULL;
		for (j = 0; j < n; j++)
			if (files[j].version == v)
				f = &files[j];
		if (!f)
			return gx_err_set(err, GX_E_SCHEMA_NEWER,
			                  "the database has migration %04d_%s, which this gxload does not "
			                  "know: the schema is newer than this binary", v,
			                  gx_rows_get(applied, i, 1));
		if (strcmp(f->checksum, sum))
			return gx_err_set(err, GX_E_MIGRATION_CHANGED,
			                  "migration '%s' was changed after it was applied (checksum %s, "
			                  "applied %s); restore the file and add a new migration instead",
			                  f->path, f->checksum, sum);
	}
	(void)s;
	return 0;
}

int gx_migrate_apply(gx_sink *s, const char *share_dir, int *applied_count, gx_err *err)
{
	static const char sel[] =
		"SELECT version, name, checksum FROM schema_migrations ORDER BY version";
	mfile *files = NULL;
	size_t n = 0, i;
	gx_rows *applied = NULL;
	int rc, count = 0;

	if (applied_count)
		*applied_count = 0;
	if ((rc = list_files(s, share_dir, &files, &n, err)))
		return rc;
	if ((rc = ensure_table(s, err)))
		goto out;
	/* fast path: everything applied and unchanged */
	if ((rc = gx_sink_query(s, sel, 0, NULL, &applied, err)))
		goto out;
	if ((rc = check_applied(s, files, n, applied, err)))
		goto out;
	if (applied->nrows == n)
		goto out;
	for (i = 0; i < n; i++) {
		char ver[16], now[32], *sql = NULL;
		const char *p[4];
		long present;

		if ((rc = gx_sink_begin(s, err)))
			goto out;
		if (s->kind == GX_DB_POSTGRESQL && (rc = gx_sink_exec(s, migrate_lock, err)))
			goto fail_tx;
		/* re-read inside the lock: another migrator may have applied it meanwhile */
		gx_rows_free(applied);
		applied = NULL;
		if ((rc = gx_sink_query(s, sel, 0, NULL, &applied, err)) ||
		    (rc = check_applied(s, files, n, applied, err)))
			goto fail_tx;
		snprintf(ver, sizeof(ver), "%d", files[i].version);
		p[0] = ver;
		if ((rc = gx_sink_query_long(s, "SELECT count(*) FROM schema_migrations WHERE "
		                             "version = $1", 1, p, &present, err)))
			goto fail_tx;
		if (present) {
			gx_sink_rollback(s);
			continue;
		}
		if ((rc = read_text(files[i].path, &sql, err)))
			goto fail_tx;
		rc = gx_sink_exec(s, sql, err);
		gx_free(sql);
		if (rc) {
			/* a statement the server refuses is the file's fault (78, as documented);
			 * a lost, busy or full database keeps its own code */
			if (err->code == GX_E_DB) {
				err->code = GX_E_MIGRATION;
				rc = -GX_E_MIGRATION;
			}
			gx_err_prefix(err, "migration '%s' failed", files[i].path);
			goto fail_tx;
		}
		gx_sink_now(now);
		p[1] = files[i].name;
		p[2] = files[i].checksum;
		p[3] = now;
		if ((rc = gx_sink_query(s, "INSERT INTO schema_migrations (version, name, checksum, "
		                        "applied_at) VALUES ($1, $2, $3, $4)",
		                        4, p, NULL, err)))
			goto fail_tx;
		if ((rc = gx_sink_commit(s, err)))
			goto out;
		gx_log(GX_LOG_INFO, "migrate", "applied migration %04d_%s", files[i].version,
		       files[i].name);
		count++;
	}
	goto out;
fail_tx:
	gx_sink_rollback(s);
out:
	if (applied_count)
		*applied_count = count;
	gx_rows_free(applied);
	gx_free(files);
	return rc;
}

int gx_migrate_status(gx_sink *s, const char *share_dir, gx_migration_state **out, size_t *n,
                      gx_err *err)
{
	mfile *files = NULL;
	size_t nf = 0, i, j, count = 0;
	gx_rows *applied = NULL;
	gx_migration_state *st = NULL;
	long exists = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = list_files(s, share_dir, &files, &nf, err)))
		return rc;
	rc = s->kind == GX_DB_SQLITE
		? gx_sink_query_long(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
		                     "AND name = 'schema_migrations'", 0, NULL, &exists, err)
		: gx_sink_query_long(s, "SELECT count(*) FROM pg_tables WHERE tablename = "
		                     "'schema_migrations' AND schemaname = current_schema()", 0, NULL,
		                     &exists, err);
	if (rc)
		goto out;
	if (exists &&
	    (rc = gx_sink_query(s, "SELECT version, name, checksum, applied_at FROM "
	                        "schema_migrations ORDER BY version", 0, NULL, &applied, err)))
		goto out;
	st = gx_calloc(nf + (applied ? applied->nrows : 0) + 1, sizeof(*st));
	if (!st) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nf; i++) {
		gx_migration_state *m = &st[count++];
		m->version = files[i].version;
		snprintf(m->name, sizeof(m->name), "%s", files[i].name);
		snprintf(m->file_checksum, sizeof(m->file_checksum), "%s", files[i].checksum);
	}
	for (j = 0; applied && j < applied->nrows; j++) {
		int v = atoi(gx_rows_get(applied, j, 0));
		gx_migration_state *m = NULL;
		for (i = 0; i < count; i++)
			if (st[i].version == v)
				m = &st[i];
		if (!m) {
			m = &st[count++];
			m->version = v;
			snprintf(m->name, sizeof(m->name), "%s", gx_rows_get(applied, j, 1));
		}
		snprintf(m->db_checksum, sizeof(m->db_checksum), "%s", gx_rows_get(applied, j, 2));
		snprintf(m->applied_at, sizeof(m->applied_at), "%s", gx_rows_get(applied, j, 3));
	}
	*out = st;
	*n = count;
	st = NULL;
out:
	gx_free(st);
	gx_rows_free(applied);
	gx_free(files);
	return rc;
}
