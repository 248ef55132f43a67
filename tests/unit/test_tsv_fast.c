/* test_tsv_fast.c - the TSV reader's fast path for plain lines gives exactly the events
 * of the libcsv-only reader (gx_tsv_set_fast_path(t, 0)) on random input: fields, row
 * ends, line and field numbers, errors and their positions, callbacks that stop the read
 * early, every read size, caps on the field length, fields left out (gx_tsv_set_fields). */
#include "core/buf.h"
#include "extract/tsv.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/gxtest_tsvfastXXXXXX";
static uint64_t rng_state = 42;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct rec {
	gx_buf out;
	gx_tsv *t;
	long events, stop_at; /* stop (GX_TSV_STOP or an error) at this event; 0 = never */
	int stop_err;
} rec;

static int stop(rec *r, gx_err *err)
{
	if (++r->events != r->stop_at)
		return 0;
	return r->stop_err ? gx_tsv_error(r->t, err, GX_E_NOT_NUMERIC, "stopped") : GX_TSV_STOP;
}

static int on_field(void *ctx, const char *s, size_t len, gx_err *err)
{
	rec *r = ctx;
	char q[128];
	gx_buf_printf(&r->out, "[%ld:%zu %s%s]", gx_tsv_line(r->t), gx_tsv_field(r->t),
	              gx_err_quote(s, len, q, sizeof q), s[len] ? " UNTERMINATED" : "");
	return stop(r, err);
}

static int on_row(void *ctx, size_t n, gx_err *err)
{
	rec *r = ctx;
	gx_buf_printf(&r->out, "<%ld n=%zu>", gx_tsv_line(r->t), n);
	return stop(r, err);
}

static unsigned char deliver[8];
static size_t ndeliver;

static char *run(int fast, size_t chunk, size_t cap, long stop_at, int stop_err)
{
	rec r;
	gx_err err;
	int rc;

	memset(&r, 0, sizeof r);
	r.stop_at = stop_at;
	r.stop_err = stop_err;
	gx_err_clear(&err);
	if (gx_tsv_open(path, cap, &r.t, &err)) {
		gx_buf_printf(&r.out, "OPEN ERR %d %s", err.code, err.msg);
		return gx_buf_steal(&r.out);
	}
	gx_tsv_set_fast_path(r.t, fast);
	gx_tsv_set_fields(r.t, ndeliver ? deliver : NULL, ndeliver);
	if (chunk)
		gx_tsv_set_chunk(r.t, chunk);
	rc = gx_tsv_run(r.t, on_field, on_row, &r, &err);
	gx_buf_printf(&r.out, " rc=%d", rc);
	if (rc < 0)
		gx_buf_printf(&r.out, " ERR %d %ld %ld %s", err.code, err.line, err.column, err.msg);
	gx_tsv_close(r.t);
	return gx_buf_steal(&r.out);
}

/* random text: mostly plain TSV lines, sometimes quotes, CR, CRLF, NUL, long fields */
static size_t gen(char *buf, size_t max)
{
	static const char alpha[] = "ab1.-\t\t\t\n\n \"\r";
	size_t n = 0, len = 1 + rng() % (max - 1);
	int mode = (int)(rng() % 4);

	while (n < len) {
		uint64_t r = rng();
		if (mode == 0) {                    /* anything */
			buf[n++] = alpha[r % (sizeof(alpha) - 1)];
		} else if (r % 50 == 0) {           /* a rare special byte in plain text */
			static const char sp[] = { '"', '\r', '\0', '\n' };
			buf[n++] = sp[(r >> 8) % 4];
		} else if (r % 7 == 0) {
			buf[n++] = '\t';
		} else if (r % 23 == 0) {
			if (mode == 2 && n + 1 < len) buf[n++] = '\r';
			buf[n++] = '\n';
		} else {
			buf[n++] = (char)('0' + r % 10);
		}
	}
	return n;
}

int main(void)
{
	static char data[3000];
	int fd = mkstemp(path), i, bad = 0, stops = 0, again = 0;

	ok(fd >= 0, "temp file");
	close(fd);
	for (i = 0; i < 4000 && bad < 3; i++) {
		size_t n = gen(data, i % 10 == 0 ? sizeof(data) : 200);
		size_t cap = rng() % 3 == 0 ? 4 + rng() % 40 : 1 << 20;
		size_t chunk = rng() % 2 ? 0 : 1 + rng() % 64;
		long stop_at = rng() % 3 == 0 ? (long)(1 + rng() % 40) : 0;
		int stop_err = (int)(rng() % 2);
		char *a, *b;
		size_t k;
		ndeliver = rng() % 2 ? 0 : rng() % sizeof(deliver);
		for (k = 0; k < ndeliver; k++)
			deliver[k] = rng() % 2;
		FILE *f = fopen(path, "wb");
		fwrite(data, 1, n, f);
		fclose(f);
		a = run(0, chunk, cap, stop_at, stop_err);
		b = run(1, chunk, cap, stop_at, stop_err);
		stops += stop_at != 0;
		if (strcmp(a, b)) {
			bad++;
			printf("# case %d (cap %zu chunk %zu stop %ld/%d) differs:\n# libcsv: %s\n# fast:   %s\n",
			       i, cap, chunk, stop_at, stop_err, a, b);
		}
		if (i % 8 == 0) { /* a second reader of the same file gives the same again */
			char *c = run(1, chunk, cap, stop_at, stop_err);
			if (strcmp(b, c)) {
				again++;
				printf("# case %d: a second run differs:\n# first:  %s\n# second: %s\n", i, b, c);
			}
			free(c);
		}
		free(a);
		free(b);
	}
	ok(bad == 0, "4000 random inputs (%d with a callback that stops, half with fields left out) "
	   "give the same events", stops);
	ok(again == 0, "a second reader of the same input gives the same events (every 8th input)");
	ndeliver = 0;
	/* a line longer than the largest buffer (4 MiB) streams through libcsv */
	{
		size_t n = (5u << 20) + 10, k;
		char *big = malloc(n), *a, *b;
		FILE *f;
		for (k = 0; k < n; k++)
			big[k] = k % 10 == 9 ? '\t' : 'x';
		big[n - 1] = '\n';
		f = fopen(path, "wb");
		fwrite(big, 1, n, f);
		fwrite("a\tb\n", 1, 4, f);
		fclose(f);
		a = run(0, 0, 1 << 20, 0, 0);
		b = run(1, 0, 1 << 20, 0, 0);
		ok(!strcmp(a, b) && strstr(b, "<2 n=2>"), "a 5 MiB line, then a plain one");
		free(a);
		free(b);
		free(big);
	}
	unlink(path);
	return tap_done();
}
