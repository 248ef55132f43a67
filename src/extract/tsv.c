/*
 * tsv.c - streaming TSV reader (see tsv.h for the rules it enforces).
 *
 * Two tokenizers, one behaviour.  Most lines of a matrix are plain: no quote, no CR, no
 * NUL, no field over the cap.  Such a line, once it is whole in the buffer, is split at
 * its tabs right here (memchr, fields NUL-terminated in place).  Every other line - and
 * any line while libcsv is inside a row (a quoted field spanning lines), a line longer
 * than the buffer may grow to, and the last line when it has no LF - is fed to libcsv,
 * which is what the reader used for everything before.  The fast path is taken only
 * where libcsv would produce exactly the same fields and row ends, so the two cannot
 * disagree (tests/unit/test_tsv_fast.c compares them on random input).
 *
 * libcsv is push-style: csv_parse() consumes what it is given and calls back for each
 * field and row end.  A callback cannot interrupt it mid-buffer, so once a callback
 * fails or stops, the remaining callbacks of that buffer are ignored and reading ends.
 * CSV_REPALL_NL makes libcsv report every CR and LF, which is how lines are counted and
 * lone CRs detected: a CRLF arrives as a row ended by CR followed by an empty row ended
 * by LF.
 */
#include "extract/tsv.h"
#include "core/mem.h"

#include <csv.h>
#include <errno.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 256 KiB reads: large enough to amortize read(2), small next to the memory budget */
#define CHUNK (256u << 10)
/* the buffer holds two reads and grows, for wide matrices, until a whole line fits, up
 * to 4 MiB (a 200,000-sample line); longer lines stream through libcsv */
#define BUF_MIN (2 * CHUNK)
#define BUF_MAX (4u << 20)
/* bytes after the buffer that the 16-byte loads of the fast path may read */
#define SLACK 16

struct gx_tsv {
	char *path;
	int fd;
	uint64_t size;
	uint64_t offset;
	size_t max_field;
	size_t chunk;       /* bytes per read, <= CHUNK */
	struct csv_parser csv;
	unsigned char *buf;
	size_t cap;         /* size of buf */
	size_t blen, bpos;  /* bytes in buf, bytes of them consumed */
	int fast;           /* split plain lines without libcsv (default 1) */
	/* state of one run */
	long line;          /* line where the current row starts */
	long embedded;      /* newlines inside quoted fields of the current row */
	size_t nfield;      /* fields delivered in the current row */
	int pending_cr;     /* the previous row ended with CR: only LF may follow */
	size_t pending_nfield; /* fields of that row, delivered when the LF comes */
	int rc;             /* first non-zero callback result */
	gx_err *err;
	gx_tsv_field_fn field_fn;
	const unsigned char *deliver; /* per field index: 0 = do not pass it on (NULL: all) */
	size_t ndeliver;
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
	if (t->field_fn && (t->nfield >= t->ndeliver || t->deliver[t->nfield]))
		t->rc = t->field_fn(t->ctx, p, len, t->err);
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
	if (!(t->path = gx_strdup(path))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	/* O_NONBLOCK: a FIFO is refused below instead of blocking the open */
	t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
	/* the buffer starts at the file's size when that is smaller (a small file costs a
	 * small buffer) and grows by doubling when a line needs more */
	t->cap = BUF_MIN;
	while (t->cap > 64 && t->cap / 2 > t->size)
		t->cap /= 2;
	if (!(t->buf = gx_malloc(t->cap + SLACK))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
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
	t->fast = 1;
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

void gx_tsv_set_fields(gx_tsv *t, const unsigned char *deliver, size_t n)
{
	t->deliver = deliver;
	t->ndeliver = deliver ? n : 0;
}

void gx_tsv_set_fast_path(gx_tsv *t, int on)
{
	t->fast = on;
}

void gx_tsv_set_progress(gx_tsv *t, void (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
	t->progress = fn;
	t->progress_ctx = ctx;
}

/*
 * Give libcsv n bytes (a NUL stops the parse there and is reported after the fields
 * before it).  Returns 0 or the first error.
 */
static int feed(gx_tsv *t, const unsigned char *p, size_t n)
{
	const unsigned char *nul = memchr(p, 0, n);
	size_t upto = nul ? (size_t)(nul - p) : n, parsed;

	parsed = csv_parse(&t->csv, p, upto, on_field, on_row, t);
	if (t->rc)
		return t->rc;
	if (parsed != upto) {
		if (csv_error(&t->csv) == CSV_ENOMEM && !field_cap_hit)
			return gx_err_set(t->err, GX_E_NOMEM, "out of memory");
		if (csv_error(&t->csv) == CSV_ENOMEM)
			return gx_tsv_error(t, t->err, GX_E_TOO_BIG,
			                    "field is longer than %zu bytes (extract.max_field_bytes)",
			                    field_cap);
		return gx_tsv_error(t, t->err, GX_E_QUOTE, "cannot parse: %s",
		                    csv_strerror(csv_error(&t->csv)));
	}
	if (nul)
		return gx_tsv_error(t, t->err, GX_E_ENCODING, "NUL byte in the text");
	return 0;
}

/* 1 if a field of the line [p, nl) is longer than the cap */
static int has_long_field(const gx_tsv *t, const char *p, const char *nl)
{
	while (p < nl) {
		const char *tab = memchr(p, '\t', (size_t)(nl - p));
		const char *fe = tab ? tab : nl;
		if ((size_t)(fe - p) > t->max_field)
			return 1;
		p = fe + 1;
	}
	return 0;
}

#ifdef __SSE2__
/* masks of 16 bytes at p (x86-64 always has SSE2): bit i set where p[i] is a tab, or
 * where it is a quote, CR or NUL */
static inline unsigned tabs16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
}

static inline unsigned specials16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	                                      _mm_cmpeq_epi8(v, _mm_setzero_si128())));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* 1 if [p, p + len) has a quote, CR or NUL (may read up to 15 bytes past the end) */
static int has_special(const char *p, size_t len)
{
#ifdef __SSE2__
	size_t i;
	for (i = 0; i + 16 <= len; i += 16)
		if (specials16(p + i))
			return 1;
	return i < len && (specials16(p + i) & ((1u << (len - i)) - 1));
#else
	return memchr(p, '"', len) || memchr(p, '\r', len) || memchr(p, 0, len);
#endif
}

/* Pass the field [p, fe) on (if wanted), NUL-terminated in place; 0 or the callback's
 * result. */
static inline int deliver_field(gx_tsv *t, char *p, char *fe)
{
	int rc = 0;

	if (t->field_fn && (t->nfield >= t->ndeliver || t->deliver[t->nfield])) {
		*fe = '\0';
		rc = t->rc = t->field_fn(t->ctx, p, (size_t)(fe - p), t->err);
	}
	t->nfield++;
	return rc;
}

/*
 * The fast path for one whole line [p, nl) (nl points at its LF; the buffer has 16
 * bytes of slack after it).  Sets *plain to 0 when the line is not plain (libcsv must
 * take it; nothing was delivered); returns 0 or the first callback result.
 */
static int plain_line(gx_tsv *t, char *p, char *nl, int *plain)
{
	size_t len = (size_t)(nl - p);
	char *start = p;
	int rc;

	*plain = !t->pending_cr && !has_special(p, len) &&
	         !(t->max_field && len > t->max_field && has_long_field(t, p, nl));
	if (!*plain)
		return 0;
	if (len > 0) {
#ifdef __SSE2__
		size_t base;
		for (base = 0; base < len; base += 16) {
			unsigned m = tabs16(p + base);
			if (len - base < 16)
				m &= (1u << (len - base)) - 1;
			while (m) {
				char *tab = p + base + (unsigned)__builtin_ctz(m);
				m &= m - 1;
				if ((rc = deliver_field(t, start, tab)))
					return rc;
				start = tab + 1;
			}
		}
#else
		char *tab;
		while ((tab = memchr(start, '\t', (size_t)(nl - start))) != NULL) {
			if ((rc = deliver_field(t, start, tab)))
				return rc;
			start = tab + 1;
		}
#endif
		if ((rc = deliver_field(t, start, nl)))
			return rc;
	}
	end_row(t, t->nfield);
	return t->rc;
}

/*
 * Consume the buffer: whole plain lines on the fast path, the rest through libcsv.
 * Without 'all', an incomplete last line waits for the next read; with it (end of file,
 * or a line that filled the largest buffer) it goes to libcsv.
 */
static int consume(gx_tsv *t, int all)
{
	while (t->bpos < t->blen) {
		char *p = (char *)t->buf + t->bpos, *end = (char *)t->buf + t->blen;
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t upto = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		int rc = 0, plain = 0;

		if (!nl && !all)
			break;
		/* libcsv's turn unless the line is plain and libcsv is between rows (0 is
		 * ROW_NOT_BEGUN in libcsv.c; otherwise a quoted field spans lines) */
		if (t->fast && nl && t->csv.pstate == 0)
			rc = plain_line(t, p, nl, &plain);
		if (!plain)
			rc = feed(t, (unsigned char *)p, upto);
		t->bpos += upto;
		if (rc)
			return rc;
	}
	return 0;
}

const char *gx_compressed_kind(const unsigned char *head, size_t n)
{
	static const struct { const char *kind; size_t len; const char *magic; } sigs[] = {
		{ "gzip", 2, "\x1f\x8b" },
		{ "bzip2", 3, "BZh" },
		{ "xz", 6, "\xfd" "7zXZ\0" },
		{ "zstd", 4, "\x28\xb5\x2f\xfd" },
		{ "zip", 4, "PK\x03\x04" },
	};
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (n >= sigs[i].len && !memcmp(head, sigs[i].magic, sigs[i].len))
			return sigs[i].kind;
	return NULL;
}

int gx_tsv_run(gx_tsv *t, gx_tsv_field_fn field, gx_tsv_row_fn row, void *ctx, gx_err *err)
{
	unsigned char head[6];
	const char *packed;
	ssize_t h;
	int rc;

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
	t->blen = t->bpos = 0;

	/* the encoding is decided by the first bytes, whatever the chunk size */
	h = pread(t->fd, head, sizeof(head), 0);
	if (h >= 2 && ((head[0] == 0xff && head[1] == 0xfe) || (head[0] == 0xfe && head[1] == 0xff)))
		return gx_err_at(err, GX_E_ENCODING, t->path, 1, 1,
		                 "UTF-16 text is not supported (byte order mark found); "
		                 "convert the file to UTF-8");
	if (h > 0 && (packed = gx_compressed_kind(head, (size_t)h)))
		return gx_err_at(err, GX_E_ENCODING, t->path, 0, 0,
		                 "%s-compressed file: gxload reads plain text; decompress it first%s",
		                 packed, !strcmp(packed, "gzip") ? " (gunzip)" : "");
	t->offset = h >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf ? 3 : 0;
	if (lseek(t->fd, (off_t)t->offset, SEEK_SET) < 0)
		return gx_err_at(err, GX_E_IO, t->path, 0, 0, "cannot seek: %s", strerror(errno));
	for (;;) {
		size_t room;
		ssize_t n;
		int full = 0;

		/* keep the unconsumed tail (an incomplete line) at the front */
		if (t->bpos) {
			memmove(t->buf, t->buf + t->bpos, t->blen - t->bpos);
			t->blen -= t->bpos;
			t->bpos = 0;
		}
		if (t->blen == t->cap) {
			if (t->cap < BUF_MAX) {
				unsigned char *nb = gx_realloc(t->buf, t->cap * 2 + SLACK);
				if (!nb)
					return gx_err_set(err, GX_E_NOMEM, "out of memory");
				t->buf = nb;
				t->cap *= 2;
			} else {
				full = 1; /* one line fills the buffer: stream it through libcsv */
			}
		}
		if (full) {
			if ((rc = consume(t, 1)))
				return rc;
			continue;
		}
		room = t->cap - t->blen;
		n = read(t->fd, t->buf + t->blen, room < t->chunk ? room : t->chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return gx_err_at(err, GX_E_IO, t->path, t->line, 0, "read error: %s",
			                 strerror(errno));
		}
		if (n == 0)
			break;
		t->blen += (size_t)n;
		t->offset += (uint64_t)n;
		if ((rc = consume(t, 0)))
			return rc;
		if (t->progress)
			t->progress(t->progress_ctx, t->offset, t->size);
	}
	if ((rc = consume(t, 1))) /* the last line, without its LF */
		return rc;
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
