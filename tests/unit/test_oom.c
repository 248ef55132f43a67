/* test_oom.c - every allocation failure in the readers and the config is reported as
 * GX_E_NOMEM, never a crash or a leak (run under ASan in `make check`): SQLite's
 * OOM-loop practice, failing the Nth allocation for N = 1, 2, ... until the operation
 * succeeds, once with a single failure and once with every later allocation failing. */
#include "core/config.h"
#include "core/mem.h"
#include "core/yaml.h"
#include "extract/matrix.h"
#include "extract/metadata.h"
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

static int op_matrix(gx_err *err)
{
	gx_matrix *m = NULL;
	size_t n = 0;
	int rc = gx_matrix_open(mpath, NULL, &m, err);
	if (!rc)
		rc = gx_matrix_scan(m, NULL, count_cells, &n, err);
	gx_matrix_close(m);
	return rc ? rc : n == 6 ? 0 : -1;
}

static int op_metadata(gx_err *err)
{
	gx_metadata *md = NULL;
	int rc = gx_metadata_read(mdpath, 4096, &md, err);
	gx_metadata_free(md);
	return rc;
}

static int op_yaml(gx_err *err)
{
	gx_yaml_doc *d = NULL;
	int rc = gx_yaml_load_file(ypath, &d, err);
	gx_yaml_doc_free(d);
	return rc;
}

static int op_config(gx_err *err)
{
	gx_config_args a;
	gx_config *c = NULL;
	int rc;
	memset(&a, 0, sizeof a);
	a.config_path = ypath;
	rc = gx_config_load(&a, &c, err);
	gx_config_free(c);
	return rc;
}

static void loop(const char *name, int (*op)(gx_err *), int persist)
{
	long n;
	int only_nomem = 1, done = 0;

	for (n = 0; n < 5000 && !done; n++) {
		gx_err err;
		int rc;
		gx_err_clear(&err);
		gx_mem_fail_after(n, persist);
		rc = op(&err);
		gx_mem_fail_after(-1, 0);
		if (rc == 0)
			done = 1;
		else if (err.code != GX_E_NOMEM) {
			only_nomem = 0;
			printf("# %s: allocation %ld failed as %d: %s\n", name, n, err.code, err.msg);
			break;
		}
	}
	ok(done && only_nomem, "%s: failing allocation 1..%ld (%s) gives GX_E_NOMEM, then success",
	   name, n, persist ? "and all later" : "once");
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
	fputs("data_root: d\nextract:\n  na_values: [NA, '']\nload:\n  lock_timeout_s: 3\n", f);
	fclose(f);
	loop("matrix open and scan", op_matrix, 0);
	loop("matrix open and scan", op_matrix, 1);
	loop("metadata table", op_metadata, 0);
	loop("metadata table", op_metadata, 1);
	loop("YAML document", op_yaml, 0);
	loop("YAML document", op_yaml, 1);
	loop("configuration", op_config, 0);
	loop("configuration", op_config, 1);
	unlink(mpath);
	unlink(mdpath);
	unlink(ypath);
	rmdir(dir);
	return tap_done();
}
