/* test_tsv.c - the streaming TSV reader: every chunk size from 1 byte gives the same
 * fields, rows and line numbers as one big read; endings, quotes, BOM, limits. */
#include "core/buf.h"
#include "extract/tsv.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/gxtest_tsvXXXXXX";

static void write_file(const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
}

typedef struct rec {
	gx_buf out;
	gx_tsv *t;
} rec;

static int on_field(void *ctx, const char *s, size_t len, gx_err *err)
{
	rec *r = ctx;
	char q[256];
	(void)err;
	gx_buf_printf(&r->out, "[%ld:%zu %s]", gx_tsv_line(r->t), gx_tsv_field(r->t),
	              gx_err_quote(s, len, q, sizeof q));
	return 0;
}

static int on_row(void *ctx, size_t n, gx_err *err)
{
	rec *r = ctx;
	(void)err;
	gx_buf_printf(&r->out, "<row %ld n=%zu>\n", gx_tsv_line(r->t), n);
	return 0;
}

/* read the file with a given chunk size; returns the event text (caller frees) or the
 * error as "ERR code line col msg" */
static char *run(size_t chunk)
{
	rec r;
	gx_err err;
	int rc;

	memset(&r, 0, sizeof r);
	gx_err_clear(&err);
	if (gx_tsv_open(path, 64, &r.t, &err)) {
		gx_buf_printf(&r.out, "ERR %d %s", err.code, err.msg);
		return gx_buf_steal(&r.out);
	}
	if (chunk)
		gx_tsv_set_chunk(r.t, chunk);
	rc = gx_tsv_run(r.t, on_field, on_row, &r, &err);
	if (rc < 0)
		gx_buf_printf(&r.out, "ERR %d %ld %ld %s", err.code, err.line, err.column, err.msg);
	gx_tsv_close(r.t);
	return gx_buf_steal(&r.out);
}

/* the same result for every chunk size 1..64 */
static void chunks_agree(const char *name, const char *data, size_t n, const char *want)
{
	char *one, *c;
	size_t k;
	int same = 1;

	write_file(data, n);
	one = run(0);
	if (want)
		is_str(one, want, "%s: events", name);
	for (k = 1; k <= 64 && same; k++) {
		c = run(k);
		if (strcmp(c, one)) {
			same = 0;
			printf("# chunk %zu differs:\n# %s\n# vs\n# %s\n", k, c, one);
		}
		free(c);
	}
	ok(same, "%s: every chunk size from 1 to 64 gives the same result", name);
	free(one);
}

int main(void)
{
	static const char big[] = "Gene\tS1\tS2\nG1\t1.5\t2\nG2\t-3e-5\t0.0\n";
	int fd = mkstemp(path);
	char *res;

	ok(fd >= 0, "temp file");
	close(fd);
	chunks_agree("LF", big, strlen(big),
	             "[1:0 \"Gene\"][1:1 \"S1\"][1:2 \"S2\"]<row 1 n=3>\n"
	             "[2:0 \"G1\"][2:1 \"1.5\"][2:2 \"2\"]<row 2 n=3>\n"
	             "[3:0 \"G2\"][3:1 \"-3e-5\"][3:2 \"0.0\"]<row 3 n=3>\n");
	chunks_agree("CRLF", "a\tb\r\nc\td\r\n", 10,
	             "[1:0 \"a\"][1:1 \"b\"]<row 1 n=2>\n[2:0 \"c\"][2:1 \"d\"]<row 2 n=2>\n");
	chunks_agree("no final newline", "a\tb\nc\td", 7,
	             "[1:0 \"a\"][1:1 \"b\"]<row 1 n=2>\n[2:0 \"c\"][2:1 \"d\"]<row 2 n=2>\n");
	chunks_agree("UTF-8 BOM", "\xef\xbb\xbf" "Gene\tx\n", 10,
	             "[1:0 \"Gene\"][1:1 \"x\"]<row 1 n=2>\n");
	chunks_agree("quotes", "\"a\"\"b\"\t\"x\ty\"\t5'UTR\ta\"b\n", 23,
	             "[1:0 \"a\\\"b\"][1:1 \"x\\x09y\"][1:2 \"5'UTR\"][1:3 \"a\\\"b\"]<row 1 n=4>\n");
	chunks_agree("newline in quotes", "\"l1\nl2\"\tz\nnext\n", 15,
	             "[1:0 \"l1\\x0al2\"][1:1 \"z\"]<row 1 n=2>\n[3:0 \"next\"]<row 3 n=1>\n");
	chunks_agree("spaces kept", " a \t b\n", 7, "[1:0 \" a \"][1:1 \" b\"]<row 1 n=2>\n");
	chunks_agree("empty fields", "\t\tx\n\n", 5,
	             "[1:0 \"\"][1:1 \"\"][1:2 \"x\"]<row 1 n=3>\n<row 2 n=0>\n");
	chunks_agree("lone CR", "a\rb\n", 4, NULL);
	res = run(0);
	ok(strstr(res, "ERR 2019 1 0 carriage return") != NULL, "lone CR is an error at line 1 (%s)", res);
	free(res);
	chunks_agree("NUL byte", "a\tb\nc\0d\n", 8, NULL);
	res = run(0);
	ok(strstr(res, "ERR 2017 2 ") && strstr(res, "NUL byte"), "NUL byte is an error at line 2 (%s)", res);
	free(res);
	chunks_agree("unterminated quote", "a\t\"bc\n", 6, NULL);
	res = run(0);
	ok(strstr(res, "ERR 2022") != NULL, "unterminated quote is an error (%s)", res);
	free(res);
	write_file("\xff\xfeG\0", 4);
	res = run(0);
	ok(strstr(res, "ERR 2017") && strstr(res, "UTF-16"), "UTF-16 BOM refused (%s)", res);
	free(res);
	{
		char long_field[200];
		memset(long_field, 'x', sizeof long_field);
		long_field[199] = '\n';
		/* the cap is 64 bytes plus libcsv's slack (1 KiB): use a field far beyond */
		write_file(long_field, sizeof long_field);
		res = run(0);
		ok(strncmp(res, "ERR", 3) != 0, "a 199-byte field is within the 64+1024 byte cap");
		free(res);
	}
	{
		size_t n = 4096;
		char *huge = malloc(n);
		memset(huge, 'y', n);
		huge[n - 1] = '\n';
		write_file(huge, n);
		res = run(0);
		ok(strstr(res, "ERR 2018") && strstr(res, "longer than 64 bytes"),
		   "a field over the cap is GX_E_TOO_BIG (%s)", res);
		free(res);
		free(huge);
	}
	write_file("", 0);
	res = run(0);
	ok(strstr(res, "ERR 2003") && strstr(res, "file is empty"), "empty file (%s)", res);
	free(res);
	unlink(path);
	res = run(0);
	ok(strstr(res, "ERR 2002") != NULL, "missing file (%s)", res);
	free(res);
	return tap_done();
}
