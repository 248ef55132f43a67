/* test_config.c - precedence (defaults < file < environment < --set < flags), paths,
 * validation, secrets. */
#include "core/config.h"
#include "core/dburl.h"
#include "core/mem.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/gxtest_cfgXXXXXX";

static const char *write_cfg(const char *name, const char *text)
{
	static char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static int load(gx_config_args *a, gx_config **c, gx_err *e)
{
	gx_err_clear(e);
	*c = NULL;
	return gx_config_load(a, c, e);
}

int main(void)
{
	gx_config_args a;
	gx_config *c = NULL;
	gx_err e;
	char want[512];
	const char *sets[2];
	gx_db_kind kind;
	char *path = NULL, *red;

	ok(mkdtemp(dir) != NULL, "temp dir");
	unsetenv("GXLOAD_CONFIG");
	unsetenv("GXLOAD_DB");
	unsetenv("GXLOAD_DATA_ROOT");
	memset(&a, 0, sizeof a);
	a.config_path = write_cfg("a.yaml", "database:\n  url: sqlite:db/x.db\ndata_root: d\n"
	                                    "load:\n  lock_timeout_s: 5\n"
	                                    "extract:\n  na_values: ['', NA]\n");
	ok(load(&a, &c, &e) == 0, "loads a config file");
	snprintf(want, sizeof want, "sqlite:%s/db/x.db", dir);
	is_str(c->db_url, want, "relative sqlite path resolved against the file's directory");
	snprintf(want, sizeof want, "%s/d", dir);
	is_str(c->data_root, want, "relative data_root resolved against the file's directory");
	ok(c->lock_timeout_s == 5.0, "a nested key");
	ok(c->n_na_values == 2 && !strcmp(c->na_values[0], "") && !strcmp(c->na_values[1], "NA"),
	   "a string list");
	ok(c->full_reload_fraction == 0.5, "an absent key keeps its default");
	gx_config_free(c);

	setenv("GXLOAD_DB", "sqlite:env.db", 1);
	ok(load(&a, &c, &e) == 0 && !strcmp(c->db_url, "sqlite:env.db"), "GXLOAD_DB beats the file");
	gx_config_free(c);
	sets[0] = "database.url=sqlite:set.db";
	sets[1] = "load.lock_timeout_s=9";
	a.sets = sets;
	a.n_sets = 2;
	ok(load(&a, &c, &e) == 0 && !strcmp(c->db_url, "sqlite:set.db") && c->lock_timeout_s == 9.0,
	   "--set beats the environment");
	gx_config_free(c);
	a.db_url = "sqlite:flag.db";
	ok(load(&a, &c, &e) == 0 && !strcmp(c->db_url, "sqlite:flag.db"), "--db beats --set");
	gx_config_free(c);
	unsetenv("GXLOAD_DB");
	a.db_url = NULL;
	a.n_sets = 0;

	a.config_path = write_cfg("b.yaml", "load:\n  lock_timeout_s: -1\n");
	ok(load(&a, &c, &e) < 0 && e.code == GX_E_CONFIG && e.line == 2, "out of range: error at line 2");
	a.config_path = write_cfg("c.yaml", "load:\n  nope: 1\n");
	ok(load(&a, &c, &e) < 0 && strstr(e.msg, "unknown config key 'load.nope'"), "unknown nested key");
	a.config_path = write_cfg("d.yaml", "progress: sometimes\n");
	ok(load(&a, &c, &e) < 0 && strstr(e.msg, "auto, always, never"), "enum lists its choices");
	a.config_path = write_cfg("e.yaml", "postgresql:\n  schema: Bad-Name\n");
	ok(load(&a, &c, &e) < 0 && strstr(e.msg, "not a valid identifier"), "identifier checked");
	a.config_path = write_cfg("f.yaml", "- a\n- b\n");
	ok(load(&a, &c, &e) < 0 && e.code == GX_E_CONFIG, "a top-level list is refused");
	a.config_path = write_cfg("g.yaml", "");
	ok(load(&a, &c, &e) == 0, "an empty file means all defaults");
	gx_config_free(c);

	ok(gx_ident_valid("public") && gx_ident_valid("_a1") && !gx_ident_valid("1a") &&
	   !gx_ident_valid("A") && !gx_ident_valid("a-b") && !gx_ident_valid("") &&
	   !gx_ident_valid("a234567890123456789012345678901234567890123456789012345678901234"),
	   "identifier rule ^[a-z_][a-z0-9_]{0,62}$");

	/* URLs */
	ok(gx_dburl_parse("sqlite:/x/y.db", &kind, &path, &e) == 0 && kind == GX_DB_SQLITE &&
	   !strcmp(path, "/x/y.db"), "sqlite:PATH");
	gx_free(path);
	ok(gx_dburl_parse("postgresql://u@h:5/db", &kind, NULL, &e) == 0 && kind == GX_DB_POSTGRESQL,
	   "postgresql URI");
	ok(gx_dburl_parse("service=prod", &kind, NULL, &e) == 0 && kind == GX_DB_POSTGRESQL,
	   "libpq keyword string");
	ok(gx_dburl_parse("postgresql://u:pw@h/db", &kind, NULL, &e) < 0 && e.code == GX_E_DB_URL &&
	   !strstr(e.msg, "pw@"), "a URI with a password is refused and not echoed");
	ok(gx_dburl_parse("host=h password=pw", &kind, NULL, &e) < 0, "a keyword password is refused");
	ok(gx_dburl_parse("sqlite:", &kind, NULL, &e) < 0, "sqlite: without a path");
	ok(gx_dburl_parse("mysql://x", &kind, NULL, &e) < 0, "unknown scheme");
	red = gx_dburl_redact("host=h user=u password=secretpw dbname=d");
	ok(red && !strstr(red, "secretpw") && strstr(red, "password=********"), "redact masks passwords");
	gx_free(red);
	return tap_done();
}
