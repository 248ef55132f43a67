/*
 * tsv.h - streaming tab-separated reader on libcsv, with exact positions.
 *
 * Reads a file in fixed-size chunks and pushes fields and row ends to callbacks, so
 * memory does not depend on the file size.  On top of libcsv it adds what a loader needs:
 *   - line numbers (physical lines, counting newlines inside quoted fields) and field
 *     numbers for every callback, for messages like "line 3, column 5";
 *   - LF and CRLF endings (one file may not mix in a lone CR: GX_E_LONE_CR);
 *   - a UTF-8 BOM is skipped; a UTF-16 BOM, a NUL byte or a compressed file (gzip, ...)
 *     is GX_E_ENCODING;
 *   - fields longer than max_field_bytes fail with GX_E_TOO_BIG instead of growing;
 *   - values are byte-exact: no trimming of spaces; quotes follow CSV rules (a field
 *     that starts with " is quoted, "" escapes a quote; a quote inside an unquoted field
 *     is data); an unterminated quote at the end of the file is GX_E_QUOTE;
 *   - an empty file is GX_E_EMPTY.
 * Fields passed to callbacks are NUL-terminated and valid only during the call.
 */
#ifndef GX_TSV_H
#define GX_TSV_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct gx_tsv gx_tsv;

/* Return 0 to go on, a negative error (err filled) or GX_TSV_STOP to stop reading. */
#define GX_TSV_STOP 1
typedef int (*gx_tsv_field_fn)(void *ctx, const char *s, size_t len, gx_err *err);
/* End of a row with 'nfields' fields; nfields == 0 for an empty line. */
typedef int (*gx_tsv_row_fn)(void *ctx, size_t nfields, gx_err *err);

int gx_tsv_open(const char *path, size_t max_field_bytes, gx_tsv **out, gx_err *err);

/*
 * Read from the start of the file to its end (or until a callback stops it).  Returns 0,
 * GX_TSV_STOP, or a negative error.  May be called again: it restarts from the top.
 */
int gx_tsv_run(gx_tsv *t, gx_tsv_field_fn field, gx_tsv_row_fn row, void *ctx, gx_err *err);

long gx_tsv_line(const gx_tsv *t);      /* 1-based line where the current row starts */
size_t gx_tsv_field(const gx_tsv *t);   /* 0-based index of the current field in its row */
const char *gx_tsv_path(const gx_tsv *t);
uint64_t gx_tsv_size(const gx_tsv *t);  /* file size at open */
uint64_t gx_tsv_offset(const gx_tsv *t); /* bytes consumed so far */

/* Read at most 'n' bytes per read(2) (tests feed every chunk size from 1 byte up). */
void gx_tsv_set_chunk(gx_tsv *t, size_t n);

/*
 * Pass on only some fields: field i (0-based) goes to the field callback only if
 * i >= n or deliver[i] != 0; the others are still counted (gx_tsv_field, the row's
 * field count) and checked like any field, but cost no call.  NULL: all fields (the
 * default).  'deliver' must stay valid while the reader runs.
 */
void gx_tsv_set_fields(gx_tsv *t, const unsigned char *deliver, size_t n);

/* 0: send every line through libcsv, as the reference the fast path is tested against
 * (tests/unit/test_tsv_fast.c); 1 (the default): split plain lines directly. */
void gx_tsv_set_fast_path(gx_tsv *t, int on);

/* Progress hook, called after each chunk. */
void gx_tsv_set_progress(gx_tsv *t, void (*fn)(void *, uint64_t, uint64_t), void *ctx);

/* Fill 'err' with 'code' at the current line and field (1-based column); negative. */
int gx_tsv_error(const gx_tsv *t, gx_err *err, gx_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void gx_tsv_close(gx_tsv *t);

/*
 * The kind of compressed file or archive whose first bytes are head[0..n) ("gzip",
 * "bzip2", "xz", "zstd", "zip"), or NULL for anything else.  gxload reads plain text
 * only: the TSV reader (at its first read) and the JSON reader refuse such files with
 * GX_E_ENCODING and say what they are, rather than reporting their first NUL byte.
 */
const char *gx_compressed_kind(const unsigned char *head, size_t n);

#endif
