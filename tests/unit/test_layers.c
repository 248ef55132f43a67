/* test_layers.c - the source tree keeps its shape (docs/ARCHITECTURE.md, "What each
 * folder may include"):
 *   - layers only point down: cmd -> pipeline -> {extract, transform, load, analyze} ->
 *     core, and the four stage folders include nothing of each other;
 *   - private headers are included only where they belong (load/sink_impl.h in load/,
 *     pipeline/run.h in the pipeline, ...);
 *   - no include cycle between headers;
 *   - SQL text appears only in src/load/: no string literal outside it starts with an
 *     SQL keyword;
 *   - no file in src/ is over 800 lines, no function over 125.
 * The checks run on src/ of the tree this binary was built from ($GXLOAD_TOP, set by
 * tests/run.sh, else the share directory the binary finds next to itself), and first on
 * small made-up files, to show that each one catches what it is for. */
#include "core/config.h"
#include "tap.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 512
#define MAX_LINES 800
#define MAX_FUNCTION 125

typedef struct src_file {
	char rel[256];      /* "cmd/load.c", relative to src/ */
	char *text;
} src_file;

static src_file files[MAX_FILES];
static size_t n_files;
static size_t top_len;
static int quiet;           /* 1 while the made-up files are checked */

static void report(const char *fmt, const char *a, const char *b, long n)
{
	if (quiet)
		return;
	printf("# ");
	printf(fmt, a, b, n);
	printf("\n");
}

/* The layer of a file: its folder, "pipeline" for pipeline.c/.h, "main" for main.c. */
static void layer_of(const char *rel, char *out, size_t cap)
{
	const char *slash = strchr(rel, '/');

	if (!slash)
		snprintf(out, cap, "%s", !strncmp(rel, "pipeline.", 9) ? "pipeline" :
		                         !strcmp(rel, "main.c") ? "main" : "top");
	else
		snprintf(out, cap, "%.*s", (int)(slash - rel), rel);
}

/* Which layers each layer may include (its own included). */
static const struct {
	const char *layer;
	const char *may;        /* space-separated */
} allowed[] = {
	{ "core", "core" },
	{ "extract", "extract core" },
	{ "transform", "transform core" },
	{ "load", "load core" },
	{ "analyze", "analyze core" },
	{ "pipeline", "pipeline extract transform load analyze core" },
	{ "cmd", "cmd pipeline extract transform load analyze core" },
	{ "main", "cmd core" },
};

/* Private headers and the files (by prefix of their path under src/) that may use them. */
static const struct {
	const char *header;
	const char *users;      /* space-separated path prefixes */
} private_headers[] = {
	{ "load/sink_impl.h", "load/" },
	{ "load/pg_conn.h", "load/" },
	{ "load/pg_facts.h", "load/" },
	{ "load/pg_stream.h", "load/" },
	{ "load/pg_writer.h", "load/pg_facts.c load/pg_chunks.c" },
	{ "load/sqlite_func.h", "load/" },
	{ "pipeline/run.h", "pipeline.c pipeline/" },
	{ "pipeline/feed.h", "pipeline/" },
	{ "core/num_pow5.h", "core/num" },
	{ "extract/h5_layout.h", "extract/" },
	{ "extract/h5_text.h", "extract/" },
	{ "extract/h5.h", "extract/" },
	{ "extract/h5_proc.h", "extract/h5_proc.c extract/h5_child.c" },
	{ "transform/rules_impl.h", "transform/rules" },
	{ "analyze/corr_impl.h", "analyze/corr" },
	{ "transform/illness_int.h", "transform/illness" },
	{ "cmd/rules_int.h", "cmd/rules" },
};

static int word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static int prefix_in(const char *list, const char *path)
{
	char buf[256];
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, " ");
		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		if (!strncmp(path, buf, strlen(buf)))
			return 1;
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* The quoted includes of a text, one at a time: *pos moves on; 0 when there are no more. */
static int next_include(const char *text, size_t *pos, char *out, size_t cap)
{
	const char *p = text + *pos;

	while ((p = strstr(p, "#include \"")) != NULL) {
		const char *q = p + 10, *e = strchr(q, '"');
		if ((p == text || p[-1] == '\n') && e) {
			snprintf(out, cap, "%.*s", (int)(e - q), q);
			*pos = (size_t)(e - text);
			return 1;
		}
		p = q;
	}
	return 0;
}

/* Include violations of one file: a layer it may not include, a private header. */
static int check_includes(const char *rel, const char *text)
{
	char from[64], to[64], inc[256];
	size_t pos = 0, i;
	int bad = 0;

	layer_of(rel, from, sizeof(from));
	while (next_include(text, &pos, inc, sizeof(inc))) {
		const char *may = NULL;
		layer_of(inc, to, sizeof(to));
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (!strcmp(allowed[i].layer, from))
				may = allowed[i].may;
		if (!may || !word_in(may, to)) {
			report("%s includes %s: its layer may not include that one", rel, inc, 0);
			bad++;
		}
		for (i = 0; i < sizeof(private_headers) / sizeof(private_headers[0]); i++)
			if (!strcmp(private_headers[i].header, inc) &&
			    !prefix_in(private_headers[i].users, rel)) {
				report("%s includes %s, a header private to others", rel, inc, 0);
				bad++;
			}
	}
	return bad;
}

/* String literals outside src/load/ that start with an SQL keyword. */
static int check_sql(const char *rel, const char *text)
{
	static const char *const words[] = {
		"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE", "ALTER", "DROP",
		"TRUNCATE", "BEGIN", "COMMIT", "ROLLBACK", "COPY", "SET", "ANALYZE", "VACUUM",
	};
	const char *p;
	size_t i;
	int bad = 0;

	if (!strncmp(rel, "load/", 5))
		return 0;
	for (p = strchr(text, '"'); p; p = strchr(p + 1, '"')) {
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			size_t n = strlen(words[i]);
			if (!strncmp(p + 1, words[i], n) && (p[1 + n] == ' ' || p[1 + n] == '"')) {
				char line[120];
				snprintf(line, sizeof(line), "%.60s", p);
				*strchrnul(line, '\n') = '\0';
				report("%s: SQL outside src/load/: %s", rel, line, 0);
				bad++;
			}
		}
	}
	return bad;
}

/* Files over MAX_LINES lines and functions over MAX_FUNCTION lines (a function starts
 * at a line that begins with a letter and holds '(' without ending in ';' or '=', and
 * ends at the next line that is "}"). */
static int check_sizes(const char *rel, const char *text)
{
	const char *p = text, *start_name = NULL;
	long line = 0, start = 0;
	int bad = 0;

	while (*p) {
		const char *e = strchrnul(p, '\n');
		size_t len = (size_t)(e - p);
		line++;
		if (len && p[0] >= 'a' && p[0] <= 'z' && memchr(p, '(', len) && p[len - 1] != ';' &&
		    !memchr(p, '=', len)) {
			start = line;
			start_name = p;
		} else if (len == 1 && p[0] == '}' && start) {
			if (line - start + 1 > MAX_FUNCTION) {
				char name[100];
				snprintf(name, sizeof(name), "%.*s", (int)strcspn(start_name, "\n"),
				         start_name);
				report("%s: '%s' is %ld lines", rel, name, line - start + 1);
				bad++;
			}
			start = 0;
		}
		p = *e ? e + 1 : e;
	}
	if (line > MAX_LINES) {
		report("%s%s is %ld lines", rel, "", line);
		bad++;
	}
	return bad;
}

/* ---- include cycles between headers ---- */

static int visit(size_t i, unsigned char *state, const src_file *fs, size_t n)
{
	char inc[256];
	size_t pos = 0, j;

	if (state[i] == 2)
		return 0;
	if (state[i] == 1) {
		report("include cycle through %s%s", fs[i].rel, "", 0);
		return 1;
	}
	state[i] = 1;
	while (next_include(fs[i].text, &pos, inc, sizeof(inc)))
		for (j = 0; j < n; j++)
			if (!strcmp(fs[j].rel, inc) && visit(j, state, fs, n))
				return 1;
	state[i] = 2;
	return 0;
}

static int check_cycles(const src_file *fs, size_t n)
{
	unsigned char state[MAX_FILES];
	size_t i;

	memset(state, 0, sizeof(state));
	for (i = 0; i < n; i++)
		if (visit(i, state, fs, n))
			return 1;
	return 0;
}

/* ---- the tree ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static int add_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)st;
	(void)ftw;
	if (flag != FTW_F || len < 2 || path[len - 2] != '.' ||
	    (path[len - 1] != 'c' && path[len - 1] != 'h'))
		return 0;
	if (n_files == MAX_FILES)
		return 1;
	snprintf(files[n_files].rel, sizeof(files[n_files].rel), "%s", path + top_len);
	if (!(files[n_files].text = slurp(path)))
		return 1;
	n_files++;
	return 0;
}

static void self_test(void)
{
	static const src_file cyc[2] = {
		{ "core/a.h", "#include \"core/b.h\"\n" },
		{ "core/b.h", "#include \"core/a.h\"\n" },
	};
	static const src_file acyclic[2] = {
		{ "core/a.h", "#include \"core/b.h\"\n" },
		{ "core/b.h", "#include <stdio.h>\n" },
	};
	char big[MAX_LINES * 2 + 64], fn[(MAX_FUNCTION + 8) * 4];
	size_t i;

	quiet = 1;
	ok(check_includes("transform/v.h", "#include \"load/sink.h\"\n") == 1,
	   "self-test: transform including load/ is refused");
	ok(check_includes("extract/m.c", "#include \"transform/rules.h\"\n") == 1,
	   "self-test: extract including transform/ is refused");
	ok(check_includes("analyze/c.h", "#include \"load/sink.h\"\n") == 1,
	   "self-test: analyze including load/ is refused");
	ok(check_includes("core/x.c", "#include \"pipeline.h\"\n") == 1,
	   "self-test: core including the pipeline is refused");
	ok(check_includes("cmd/status.c", "#include \"load/sink_impl.h\"\n") == 1,
	   "self-test: a private header outside its folder is refused");
	ok(check_includes("cmd/load.c", "#include \"pipeline.h\"\n#include \"core/log.h\"\n"
	                  "#include \"load/queries.h\"\n") == 0,
	   "self-test: cmd may include pipeline.h, core/ and load/'s public headers");
	ok(check_includes("pipeline/scan.c", "#include \"pipeline/run.h\"\n") == 0 &&
	   check_includes("pipeline.c", "#include \"pipeline/run.h\"\n") == 0,
	   "self-test: the pipeline's files may include pipeline/run.h");
	ok(check_sql("cmd/x.c", "static const char q[] = \"SELECT 1\";\n") == 1 &&
	   check_sql("pipeline/x.c", "exec(s, \"BEGIN\");\n") == 1,
	   "self-test: SQL outside load/ is found");
	ok(check_sql("load/x.c", "\"SELECT 1\"") == 0 &&
	   check_sql("cmd/x.c", "puts(\"SELECTED samples\");") == 0,
	   "self-test: SQL in load/ and words that only start like SQL pass");
	ok(check_cycles(cyc, 2) == 1 && check_cycles(acyclic, 2) == 0,
	   "self-test: a header cycle is found, a chain is not one");
	for (i = 0; i < MAX_LINES + 1; i++)
		big[i] = '\n';
	big[MAX_LINES + 1] = '\0';
	ok(check_sizes("core/big.c", big) == 1, "self-test: a file over %d lines is found",
	   MAX_LINES);
	strcpy(fn, "int f(void)\n{\n");
	for (i = 0; i < MAX_FUNCTION; i++)
		strcat(fn, "\tx;\n");
	strcat(fn, "}\n");
	ok(check_sizes("core/f.c", fn) == 1, "self-test: a function over %d lines is found",
	   MAX_FUNCTION);
	quiet = 0;
}

int main(void)
{
	const char *top = getenv("GXLOAD_TOP");
	char src[1024];
	int inc = 0, sql = 0, size = 0, rc;
	size_t i;

	self_test();
	if (!top || !*top)
		top = gx_share_dir();
	snprintf(src, sizeof(src), "%s/src/", top);
	top_len = strlen(src);
	src[top_len - 1] = '\0';
	rc = nftw(src, add_file, 16, FTW_PHYS);
	ok(rc == 0 && n_files > 50, "read %zu files of %s", n_files, src);
	for (i = 0; i < n_files; i++) {
		inc += check_includes(files[i].rel, files[i].text);
		sql += check_sql(files[i].rel, files[i].text);
		size += check_sizes(files[i].rel, files[i].text);
	}
	ok(inc == 0, "every include points down the layers; private headers stay private");
	ok(sql == 0, "no SQL outside src/load/");
	ok(check_cycles(files, n_files) == 0, "no include cycle between headers");
	ok(size == 0, "no file over %d lines, no function over %d", MAX_LINES, MAX_FUNCTION);
	for (i = 0; i < n_files; i++)
		free(files[i].text);
	return tap_done();
}
