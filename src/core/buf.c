/*
 * buf.c - growable byte buffer (see buf.h).
 */
#include "core/buf.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int gx_buf_reserve(gx_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = gx_realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int gx_buf_append(gx_buf *b, const void *p, size_t n)
{
	if (gx_buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int gx_buf_puts(gx_buf *b, const char *s)
{
	return gx_buf_append(b, s, strlen(s));
}

int gx_buf_putc(gx_buf *b, char c)
{
	return gx_buf_append(b, &c, 1);
}

int gx_buf_vprintf(gx_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || gx_buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int gx_buf_printf(gx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = gx_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int gx_buf_json_str(gx_buf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	if (gx_buf_putc(b, '"') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char tmp[8];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				esc = tmp;
			}
		}
		if (esc) {
			if (gx_buf_append(b, s + start, i - start) < 0 || gx_buf_puts(b, esc) < 0)
				return -1;
			start = i + 1;
		}
	}
	if (gx_buf_append(b, s + start, n - start) < 0)
		return -1;
	return gx_buf_putc(b, '"');
}

void gx_buf_reset(gx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void gx_buf_release(gx_buf *b)
{
	if (!b)
		return;
	gx_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *gx_buf_cstr(gx_buf *b)
{
	return b->data ? b->data : "";
}

char *gx_buf_steal(gx_buf *b)
{
	char *p = b->data;

	if (!p)
		p = gx_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int gx_utf8_valid(const char *s, size_t n, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c == 0)
				goto bad;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
		else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
		else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
		else goto bad;
		if (i + len > n)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += len;
	}
	return 1;
bad:
	if (bad_offset)
		*bad_offset = i;
	return 0;
}

size_t gx_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

void gx_utf8_copy(char *dst, size_t cap, const char *s, size_t len)
{
	len = gx_utf8_cut(s, len, cap - 1);
	memcpy(dst, s, len);
	dst[len] = '\0';
}

void gx_utf8_sanitize(char *s)
{
	size_t n = strlen(s), off = 0, bad;

	while (off < n && !gx_utf8_valid(s + off, n - off, &bad)) {
		s[off + bad] = '?';
		off += bad + 1;
	}
}
