/*
 * test_sink_sqlite_genes.c - gene keys on a real SQLite database (migrated like a load
 * does it): a gene is inserted once and keeps its key; a symbol fills an empty
 * gene_symbol but never replaces one, and a later study without symbols (a TSV matrix)
 * does not erase it.  The rows are read back with SQLite's own API, not the sink's.
 * Runs from the source tree (the migrations are found there, as by `make test`).
 */
#include "load/migrate.h"
#include "load/sink.h"
#include "tap.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int resolve(gx_sink *s, size_t n, const char *const *ids, const char *const *sym,
                   int32_t *keys)
{
	gx_err err;
	int rc;

	gx_err_clear(&err);
	if ((rc = gx_sink_begin(s, &err)) || (rc = gx_sink_resolve_genes(s, "", n, ids, sym, keys, &err)) ||
	    (rc = gx_sink_commit(s, &err)))
		printf("# %s\n", err.msg);
	return rc;
}

/* "id|symbol" of every gene, by id, read with sqlite3 directly */
static void genes(const char *file, char *out, size_t cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT gene_id, COALESCE(gene_symbol, '-') FROM dim_gene "
	                       "ORDER BY gene_id", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW && len < cap)
			len += (size_t)snprintf(out + len, cap - len, "%s|%s ", sqlite3_column_text(st, 0),
			                        sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	static const char *const ids[3] = { "ENSG00000141510", "ENSG00000012048", "ENSG00000139618" };
	static const char *const sym1[3] = { "TP53", NULL, "BRCA2" };
	static const char *const sym3[3] = { "OTHER", "BRCA1", NULL };
	char dir[] = "/tmp/gxtest_sinkXXXXXX", url[160], file[128], got[512];
	int32_t k1[3] = { 0 }, k2[3] = { 0 }, k3[3] = { 0 };
	gx_config_args a;
	gx_config *cfg = NULL;
	gx_sink *s = NULL;
	gx_err err;
	int applied = 0, rc;

	if (!getenv("GXLOAD_SHARE_DIR") && access("migrations/sqlite", F_OK) == 0)
		setenv("GXLOAD_SHARE_DIR", ".", 1);
	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(file, sizeof(file), "%s/gx.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", file);
	memset(&a, 0, sizeof(a));
	a.db_url = url;
	gx_err_clear(&err);
	rc = gx_config_load(&a, &cfg, &err);
	if (!rc)
		rc = gx_sink_open(cfg, "test", 0, &s, &err);
	if (!rc)
		rc = gx_migrate_apply(s, cfg->share_dir, &applied, &err);
	ok(rc == 0 && applied > 0, "a new SQLite database, migrated (%d migrations)", applied);
	if (rc) {
		printf("# %s\n", err.msg);
		gx_sink_close(s);
		gx_config_free(cfg);
		return tap_done();
	}

	is_int(resolve(s, 3, ids, sym1, k1), 0, "three genes, two with symbols");
	ok(k1[0] > 0 && k1[1] > 0 && k1[2] > 0 && k1[0] != k1[1] && k1[1] != k1[2] && k1[0] != k1[2],
	   "three distinct keys");
	genes(file, got, sizeof(got));
	is_str(got, "ENSG00000012048|- ENSG00000139618|BRCA2 ENSG00000141510|TP53 ",
	       "stored with their symbols");

	is_int(resolve(s, 3, ids, NULL, k2), 0, "the same genes again, without symbols (a TSV study)");
	ok(!memcmp(k1, k2, sizeof(k1)), "the same keys");
	genes(file, got, sizeof(got));
	is_str(got, "ENSG00000012048|- ENSG00000139618|BRCA2 ENSG00000141510|TP53 ",
	       "the symbols are kept");

	is_int(resolve(s, 3, ids, sym3, k3), 0, "again, with other symbols");
	ok(!memcmp(k1, k3, sizeof(k1)), "the same keys");
	genes(file, got, sizeof(got));
	is_str(got, "ENSG00000012048|BRCA1 ENSG00000139618|BRCA2 ENSG00000141510|TP53 ",
	       "an empty symbol is filled, a stored one is not replaced");

	gx_sink_close(s);
	gx_config_free(cfg);
	unlink(file);
	{
		char wal[160];
		snprintf(wal, sizeof(wal), "%s-wal", file);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", file);
		unlink(wal);
	}
	rmdir(dir);
	return tap_done();
}
