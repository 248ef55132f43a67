/* test_oom.c - every allocation failure in the readers and the config is reported as
 * GX_E_NOMEM, never a crash, a leak or a silent success (run under ASan in `make
 * check`): SQLite's OOM-loop practice (oom.h), failing each allocation of the operation
 * in turn, once alone and once with every later allocation failing. */
#include "core/config.h"
#include "core/mem.h"
#include "core/yaml.h"
#include "extract/matrix.h"
#include "extract/metadata.h"
#include "oom.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/gxtest_oomXXXXXX";
static char mpath[300], mdpath[300], ypath[300];

static int count_cells(void *ctx, const gx_cells *c, gx_err *err)
{
	(void)err;
	*(size_t *)ctx += c->n;
	return 0;
}

static int op_matrix(void *ctx, gx_err *err)
{
	gx_matrix *m = NULL;
	size_t n = 0;
	(void)ctx;
	int rc = gx_matrix_open(mpath, NULL, &m, err);
	if (!rc)
		rc = gx_matrix_scan(m, NULL, count_cells, &n, err);
	gx_matrix_close(m);
	return rc ? rc : n == 6 ? 0 : gx_err_set(err, GX_E_INTERNAL, "%zu cells, not 6", n);
}

static int op_metadata(void *ctx, gx_err *err)
{
	gx_metadata *md = NULL;
	(void)ctx;
	int rc = gx_metadata_read(mdpath, 4096, &md, err);
	/* the table as written: a success must be a correct one */
	if (!rc && (md->n_rows != 2 || strcmp(gx_metadata_get(md, gx_metadata_find(md, "S1", 0),
	                                                      GX_COL_TITLE), "a \"b\"")))
		rc = gx_err_set(err, GX_E_INTERNAL, "the table read is not the one written");
	gx_metadata_free(md);
	return rc;
}

static int op_yaml(void *ctx, gx_err *err)
{
	gx_yaml_doc *d = NULL;
	(void)ctx;
	int rc = gx_yaml_load_file(ypath, &d, err);
	if (!rc && !d)
		rc = gx_err_set(err, GX_E_INTERNAL, "no document");
	gx_yaml_doc_free(d);
	return rc;
}

static int op_config(void *ctx, gx_err *err)
{
	gx_config_args a;
	gx_config *c = NULL;
	int rc;
	(void)ctx;
	memset(&a, 0, sizeof a);
	a.config_path = ypath;
	rc = gx_config_load(&a, &c, err);
	if (!rc) { /* the values of the file, paths resolved against its directory */
		char want[400];
		snprintf(want, sizeof want, "sqlite:%s/x.db", dir);
		if (strcmp(c->db_url, want) || c->n_na_values != 2 || strcmp(c->na_values[0], "NA") ||
		    c->lock_timeout_s != 3)
			rc = gx_err_set(err, GX_E_INTERNAL, "the config read is not the one written: %s",
			                c->db_url);
	}
	gx_config_free(c);
	return rc;
}

int main(void)
{
	FILE *f;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(mpath, sizeof mpath, "%s/m.tsv", dir);
	snprintf(mdpath, sizeof mdpath, "%s/md.tsv", dir);
	snprintf(ypath, sizeof ypath, "%s/c.yaml", dir);
	f = fopen(mpath, "w");
	fputs("Gene\tS1\tS2\nG1\t1\t2\nG2\t3\t4\nG3\t5\t6\n", f);
	fclose(f);
	f = fopen(mdpath, "w");
	fputs("refinebio_accession_code\trefinebio_title\r\nS1\t\"a \"\"b\"\"\"\r\nS2\tc\r\n", f);
	fclose(f);
	f = fopen(ypath, "w");
	fputs("data_root: d\ndatabase:\n  url: sqlite:x.db\nextract:\n  na_values: [NA, '']\nload:\n  lock_timeout_s: 3\n", f);
	fclose(f);
	oom_check_mode("matrix open and scan", op_matrix, NULL, 0);
	oom_check_mode("matrix open and scan", op_matrix, NULL, 1);
	oom_check_mode("metadata table", op_metadata, NULL, 0);
	oom_check_mode("metadata table", op_metadata, NULL, 1);
	oom_check_mode("YAML document", op_yaml, NULL, 0);
	oom_check_mode("YAML document", op_yaml, NULL, 1);
	oom_check_mode("configuration", op_config, NULL, 0);
	oom_check_mode("configuration", op_config, NULL, 1);
	unlink(mpath);
	unlink(mdpath);
	unlink(ypath);
	rmdir(dir);
	return tap_done();
}
