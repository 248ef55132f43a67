/*
 * buf.h - growable byte buffer and the small string helpers built on it.
 *
 * A gx_buf is a plain struct ({0} is an empty buffer); it owns 'data'.  Appending
 * functions return 0 or -1 on allocation failure (the buffer is then unchanged).
 * 'data' is always NUL-terminated when len > 0 or after gx_buf_cstr().
 */
#ifndef GX_BUF_H
#define GX_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct gx_buf {
	char *data;
	size_t len;
	size_t cap;
} gx_buf;

int gx_buf_reserve(gx_buf *b, size_t extra);
int gx_buf_append(gx_buf *b, const void *p, size_t n);
int gx_buf_puts(gx_buf *b, const char *s);
int gx_buf_putc(gx_buf *b, char c);
int gx_buf_printf(gx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int gx_buf_vprintf(gx_buf *b, const char *fmt, va_list ap);
/* Append 's' as a JSON string literal (quotes included, control characters escaped). */
int gx_buf_json_str(gx_buf *b, const char *s, size_t n);
/* Empty the buffer, keeping its memory. */
void gx_buf_reset(gx_buf *b);
/* Free the memory; the buffer is empty afterwards.  NULL is accepted. */
void gx_buf_release(gx_buf *b);
/* The contents as a C string ("" for an empty buffer); never NULL. */
const char *gx_buf_cstr(gx_buf *b);
/* Take ownership of the contents (NUL-terminated, caller frees); the buffer is emptied. */
char *gx_buf_steal(gx_buf *b);

/* 1 if 's' is valid UTF-8 (no NUL bytes); else 0 and *bad_offset is the first bad byte. */
int gx_utf8_valid(const char *s, size_t n, size_t *bad_offset);

/* The length of the longest prefix of s[0..len) of at most 'max' bytes that does not end
 * inside a UTF-8 character ('len' itself when len <= max). */
size_t gx_utf8_cut(const char *s, size_t len, size_t max);

/* Copy at most cap-1 bytes of s[0..len) into dst (cap > 0), cut by gx_utf8_cut, and
 * terminate it. */
void gx_utf8_copy(char *dst, size_t cap, const char *s, size_t len);

/* Replace every byte that is not part of valid UTF-8 (and NUL-free) text with '?', in
 * place, so that the text can be stored in a UTF-8 database. */
void gx_utf8_sanitize(char *s);

#endif
