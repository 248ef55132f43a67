/*
 * tsv.c - streaming TSV reader on libcsv (see tsv.h for the rules it enforces).
 *
 * libcsv is push-style: csv_parse() consumes a whole chunk and calls back for each field
 * and row end.  A callback cannot interrupt it mid-chunk, so once a callback fails or
 * stops, the remaining callbacks of that chunk are ignored and the chunk loop ends.
 * CSV_REPALL_NL makes libcsv report every CR and LF, which is how lines are counted and
 * lone CRs detected: a CRLF arrives as a row ended by CR followed by an empty row ended
 * by LF.
 */
#include "extract/tsv.h"
#include "core/mem.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 256 KiB reads: large enough to amortize read(2), small next to the memory budget */
#define CHUNK (256u << 10)

struct gx_tsv {
	char *path;
	int fd;
	uint64_t size;
	uint64_t offset;
	size_t max_field;
	size_t chunk;       /* bytes per read, <= CHUNK */
	struct csv_parser csv;
	unsigned char *buf;
	/* state of one run */
	long line;          /* line where the current row starts */
	long embedded;      /* newlines inside quoted fields of the current row */
	size_t nfield;      /* fields delivered in the current row */
	int pending_cr;     /* the previous row ended with CR: only LF may follow */
	size_t pending_nfield; /* fields of that row, delivered when the LF comes */
	int rc;             /* first non-zero callback result */
	gx_err *err;
	gx_tsv_field_fn field_fn;
	gx_tsv_row_fn row_fn;
	void *ctx;
	void (*progress)(void *, uint64_t, uint64_t);
	void *progress_ctx;
};

/*
 * libcsv's realloc hook has no context argument; the cap is process-wide and set by the
 * reader that is parsing (gxload parses one file at a time per thread).
 */
static _Thread_local size_t field_cap;
static _Thread_local int field_cap_hit; /* the last refusal was the cap, not memory */

static void *capped_realloc(void *p, size_t n)
{
	if (field_cap && n > field_cap + 1024) {
		field_cap_hit = 1;
		return NULL;
	}
	field_cap_hit = 0;
	return gx_realloc(p, n);
}

static int never_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int is_term(unsigned char c)
{
	return c == '\r' || c == '\n';
}

int gx_tsv_error(const gx_tsv *t, gx_err *err, gx_code code, const char *fmt, ...)
{
	char msg[GX_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gx_err_at(err, code, t->path, t->line, (long)t->nfield + 1, "%s", msg);
}

static void on_field(void *s, size_t len, void *data)
{
	gx_tsv *t = data;
	const char *p = s ? s : "";

	if (t->rc)
		return;
	if (t->pending_cr) {
		t->rc = gx_err_at(t->err, GX_E_LONE_CR, t->path, t->line, 0,
		                  "carriage return not followed by a line feed");
		return;
	}
	if (memchr(p, '\n', len)) {
		size_t i;
		for (i = 0; i < len; i++)
			t->embedded += p[i] == '\n';
	}
	t->rc = t->field_fn ? t->field_fn(t->ctx, p, len, t->err) : 0;
	t->nfield++;
}

/* Deliver the row that just ended and move to the next line. */
static void end_row(gx_tsv *t, size_t nfield)
{
	t->nfield = nfield;
	t->rc = t->row_fn ? t->row_fn(t->ctx, nfield, t->err) : 0;
	t->line += 1 + t->embedded;
	t->embedded = 0;
	t->nfield = 0;
}

/*
 * A row ended by CR is held back until the next event shows that an LF follows (CRLF);
 * anything else means a lone CR inside the data, which is an error rather than a
 * silent line break.
 */
static void on_row(int c, void *data)
{
	gx_tsv *t = data;

	if (t->rc)
		return;
	if (t->pending_cr) {
		t->pending_cr = 0;
		if (c == '\n' && t->nfield == 0) {
			end_row(t, t->pending_nfield); /* the LF of a CRLF */
			return;
		}
		t->rc = gx_err_at(t->err, GX_E_LONE_CR, t->path, t->line, 0,
		                  "carriage return not followed by a line feed");
		return;
	}
	if (c == -1 && t->nfield == 0)
		return; /* end of file right after a line end */
	if (c == '\r') {
		t->pending_cr = 1;
		t->pending_nfield = t->nfield;
		t->nfield = 0;
		return;
	}
	end_row(t, t->nfield);
}

int gx_tsv_open(const char *path, size_t max_field_bytes, gx_tsv **out, gx_err *err)
{
	struct stat st;
	gx_tsv *t;
	int rc;

	*out = NULL;
	t = gx_calloc(1, sizeof(*t));
	if (!t)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	t->fd = -1;
	if (!(t->path = gx_strdup(path)) || !(t->buf = gx_malloc(CHUNK))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		rc = gx_err_at(err, errno == ENOENT ? GX_E_NO_FILE : GX_E_IO, path, 0, 0,
		               "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(t->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = gx_err_at(err, GX_E_IO, path, 0, 0, "not a regular file");
		goto fail;
	}
	if (st.st_size == 0) {
		rc = gx_err_at(err, GX_E_EMPTY, path, 0, 0, "file is empty");
		goto fail;
	}
	t->size = (uint64_t)st.st_size;
	if (csv_init(&t->csv, CSV_REPALL_NL | CSV_APPEND_NULL) != 0) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	csv_set_delim(&t->csv, '\t');
	csv_set_space_func(&t->csv, never_space);
	csv_set_term_func(&t->csv, is_term);
	csv_set_realloc_func(&t->csv, capped_realloc);
	csv_set_free_func(&t->csv, gx_free);
	t->max_field = max_field_bytes;
	t->chunk = CHUNK;
	*out = t;
	return 0;
fail:
	gx_tsv_close(t);
	return rc;
}

void gx_tsv_set_chunk(gx_tsv *t, size_t n)
{
	t->chunk = n == 0 ? 1 : n > CHUNK ? CHUNK : n;
}

void gx_tsv_set_progress(gx_tsv *t, void (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
	t->progress = fn;
	t->progress_ctx = ctx;
}

int gx_tsv_run(gx_tsv *t, gx_tsv_field_fn field, gx_tsv_row_fn row, void *ctx, gx_err *err)
{
	unsigned char head[3];
	ssize_t h;

	field_cap = t->max_field;
	csv_free(&t->csv);
	csv_init(&t->csv, CSV_REPALL_NL | CSV_APPEND_NULL);
	csv_set_delim(&t->csv, '\t');
	csv_set_space_func(&t->csv, never_space);
	csv_set_term_func(&t->csv, is_term);
	csv_set_realloc_func(&t->csv, capped_realloc);
	csv_set_free_func(&t->csv, gx_free);
	t->line = 1;
	t->embedded = 0;
	t->nfield = 0;
	t->pending_cr = 0;
	t->rc = 0;
	t->err = err;
	t->field_fn = field;
	t->row_fn = row;
	t->ctx = ctx;

	/* the encoding is decided by the first bytes, whatever the chunk size */
	h = pread(t->fd, head, sizeof(head), 0);
	if (h >= 2 && ((head[0] == 0xff && head[1] == 0xfe) || (head[0] == 0xfe && head[1] == 0xff)))
		return gx_err_at(err, GX_E_ENCODING, t->path, 1, 1,
		                 "UTF-16 text is not supported (byte order mark found); "
		                 "convert the file to UTF-8");
	t->offset = h == 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf ? 3 : 0;
	if (lseek(t->fd, (off_t)t->offset, SEEK_SET) < 0)
		return gx_err_at(err, GX_E_IO, t->path, 0, 0, "cannot seek: %s", strerror(errno));
	for (;;) {
		ssize_t n = read(t->fd, t->buf, t->chunk);
		size_t len, upto, parsed;
		unsigned char *nul;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return gx_err_at(err, GX_E_IO, t->path, t->line, 0, "read error: %s",
			                 strerror(errno));
		}
		if (n == 0)
			break;
		len = (size_t)n;
		nul = memchr(t->buf, 0, len);
		upto = nul ? (size_t)(nul - t->buf) : len; /* parse up to a NUL, then report it */
		parsed = csv_parse(&t->csv, t->buf, upto, on_field, on_row, t);
		t->offset += len;
		if (t->rc)
			return t->rc;
		if (parsed != upto) {
			if (csv_error(&t->csv) == CSV_ENOMEM && !field_cap_hit)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			if (csv_error(&t->csv) == CSV_ENOMEM)
				return gx_tsv_error(t, err, GX_E_TOO_BIG,
				                    "field is longer than %zu bytes (extract.max_field_bytes)",
				                    field_cap);
			return gx_tsv_error(t, err, GX_E_QUOTE, "cannot parse: %s",
			                    csv_strerror(csv_error(&t->csv)));
		}
		if (nul)
			return gx_tsv_error(t, err, GX_E_ENCODING, "NUL byte in the text");
		if (t->progress)
			t->progress(t->progress_ctx, t->offset, t->size);
	}
	/* libcsv reports an open quote at the end only in strict mode, which would also
	 * reject quotes inside unquoted fields; its state tells us directly (2 is
	 * FIELD_BEGUN in libcsv.c: a field is open, and it began with a quote) */
	if (t->csv.quoted && t->csv.pstate == 2)
		return gx_tsv_error(t, err, GX_E_QUOTE,
		                    "unterminated quoted field at the end of the file");
	csv_fini(&t->csv, on_field, on_row, t);
	if (t->pending_cr && !t->rc) {
		t->pending_cr = 0;
		end_row(t, t->pending_nfield); /* the file ends with a CR */
	}
	return t->rc;
}

long gx_tsv_line(const gx_tsv *t) { return t->line; }
size_t gx_tsv_field(const gx_tsv *t) { return t->nfield; }
const char *gx_tsv_path(const gx_tsv *t) { return t->path; }
uint64_t gx_tsv_size(const gx_tsv *t) { return t->size; }
uint64_t gx_tsv_offset(const gx_tsv *t) { return t->offset; }

void gx_tsv_close(gx_tsv *t)
{
	if (!t)
		return;
	if (t->buf)
		csv_free(&t->csv);
	if (t->fd >= 0)
		close(t->fd);
	gx_free(t->buf);
	gx_free(t->path);
	gx_free(t);
}
