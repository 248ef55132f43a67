/*
 * h5_text.c - columns of an HDF5 file read as text or integers, and the id tables built
 * from them (contracts in h5_text.h).
 *
 * Columns are read in windows of at most TEXT_WINDOW elements and TEXT_WINDOW_BYTES of
 * fixed-length strings, whatever their length.  Strings are checked (UTF-8, length)
 * and copied into the file's pool; numbers are formatted as the shortest text that
 * reads back to the same value.  Id tables are checked for what would make them bad
 * keys (empty, padded, control characters, duplicates).  Repeated gene ids are passed on
 * when allowed (transform/dups.c applies genes.duplicates).  Not here: what a column
 * means (the layout modules).
 */
#include "extract/h5_text.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* longest id accepted, as in the TSV reader: ids are keys, not free text */
#define MAX_ID_BYTES 512
/* text columns are read in windows of at most this many elements ... */
#define TEXT_WINDOW 65536
/* ... and at most this many bytes of fixed-length strings */
#define TEXT_WINDOW_BYTES (16u << 20)

void gx_h5_format_double(double v, int single, char *buf, size_t cap)
{
	int p;

	if (isnan(v)) {
		snprintf(buf, cap, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, cap, v < 0 ? "-inf" : "inf");
		return;
	}
	/* %g drops trailing zeros, so starting at FLT_DIG/DBL_DIG gives the shortest text
	 * for any value that came from a decimal of at most that many digits */
	for (p = single ? 6 : 15; p < (single ? 9 : 17); p++) {
		snprintf(buf, cap, "%.*g", p, v);
		if (single ? (float)strtod(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, cap, "%.*g", single ? 9 : 17, v);
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode XML numeric character references (&#233; &#xE9;) in place, as Cell Ranger and
 * loompy 2 encode non-ASCII text.  Anything that is not a valid reference stays as it is.
 * The result is never longer than the input.  Returns the new length.
 */
static size_t xml_decode(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (s[i] == '&' && i + 3 < len && s[i + 1] == '#') {
			size_t j = i + 2;
			int hex = 0;
			unsigned long cp = 0;
			size_t digits = 0;
			if (s[j] == 'x' || s[j] == 'X') {
				hex = 1;
				j++;
			}
			for (; j < len && digits < 8; j++, digits++) {
				char c = s[j];
				int v = c >= '0' && c <= '9' ? c - '0'
				      : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
				if (v < 0)
					break;
				cp = cp * (hex ? 16u : 10u) + (unsigned long)v;
			}
			if (digits && j < len && s[j] == ';' && cp > 0 && cp <= 0x10ffff &&
			    !(cp >= 0xd800 && cp <= 0xdfff)) {
				o += put_utf8(s + o, cp);
				i = j + 1;
				continue;
			}
		}
		s[o++] = s[i++];
	}
	return o;
}

typedef enum text_kind { TK_VLEN, TK_FIXED, TK_INT, TK_UINT, TK_FLOAT, TK_ENUM } text_kind;

typedef struct text_col {
	gx_h5 *h;
	const char *path;
	unsigned flags;
	text_kind kind;
	int single;          /* float32 */
	int is_bool;         /* h5py's enum {FALSE, TRUE} */
	H5T_str_t pad;
	size_t esize;        /* bytes per element in memory */
	hid_t etype;         /* memory type of one element */
	gx_buf tmp;
} text_col;

static int text_store(text_col *c, size_t idx, const char *s, size_t len, char **dst,
                      gx_err *err)
{
	size_t bad;

	if (c->flags & GX_H5_TEXT_XML) {
		gx_buf_reset(&c->tmp);
		if (gx_buf_append(&c->tmp, s, len) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		len = xml_decode(c->tmp.data, len);
		s = c->tmp.data;
	}
	if (len > c->h->max_field)
		return gx_h5_err(c->h, err, GX_E_TOO_BIG,
		                 "dataset '%s', element %zu: string is longer than %zu bytes", c->path,
		                 idx, c->h->max_field);
	if (!gx_utf8_valid(s, len, &bad)) {
		char q[160];
		return gx_h5_err(c->h, err, GX_E_ENCODING,
		                 "dataset '%s', element %zu: not valid UTF-8 (byte %zu): %s", c->path,
		                 idx, bad + 1, gx_err_quote(s, len, q, sizeof(q)));
	}
	if (!(*dst = gx_h5_pool_strndup(&c->h->pool, s, len)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

static int text_one(text_col *c, size_t idx, const unsigned char *e, char **dst, gx_err *err)
{
	char num[64];

	switch (c->kind) {
	case TK_VLEN: {
		const char *s;
		memcpy(&s, e, sizeof(s));
		if (!s) {
			*dst = NULL;
			return 0;
		}
		return text_store(c, idx, s, strlen(s), dst, err);
	}
	case TK_FIXED: {
		const char *s = (const char *)e;
		size_t len = strnlen(s, c->esize);
		if (c->pad == H5T_STR_SPACEPAD)
			while (len && s[len - 1] == ' ')
				len--;
		return text_store(c, idx, s, len, dst, err);
	}
	case TK_INT: {
		int64_t v;
		memcpy(&v, e, sizeof(v));
		snprintf(num, sizeof(num), "%lld", (long long)v);
		break;
	}
	case TK_UINT: {
		uint64_t v;
		memcpy(&v, e, sizeof(v));
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
		break;
	}
	case TK_FLOAT: {
		double v;
		memcpy(&v, e, sizeof(v));
		if (isnan(v)) {
			*dst = NULL; /* pandas' missing value */
			return 0;
		}
		gx_h5_format_double(v, c->single, num, sizeof(num));
		break;
	}
	case TK_ENUM: {
		char name[64];
		if (H5Tenum_nameof(c->etype, e, name, sizeof(name)) < 0) {
			H5Eclear2(H5E_DEFAULT);
			*dst = NULL; /* a value that names no member */
			return 0;
		}
		if (c->is_bool)
			snprintf(num, sizeof(num), "%s", !strcmp(name, "TRUE") ? "True" : "False");
		else
			snprintf(num, sizeof(num), "%s", name);
		break;
	}
	}
	if (!(*dst = gx_h5_pool_strndup(&c->h->pool, num, strlen(num))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

/* Set up the memory type for one element of file type 'ft'; 1 if not text-convertible. */
static int text_setup(text_col *c, hid_t ft)
{
	H5T_class_t cls = H5Tget_class(ft);

	switch (cls) {
	case H5T_STRING:
		c->etype = H5Tcopy(ft);
		if (H5Tis_variable_str(ft) > 0) {
			c->kind = TK_VLEN;
			c->esize = sizeof(char *);
		} else {
			c->kind = TK_FIXED;
			c->esize = H5Tget_size(ft);
			c->pad = H5Tget_strpad(ft);
		}
		return c->etype < 0 ? -1 : 0;
	case H5T_INTEGER:
		c->kind = H5Tget_sign(ft) == H5T_SGN_2 ? TK_INT : TK_UINT;
		c->etype = H5Tcopy(c->kind == TK_INT ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64);
		c->esize = 8;
		return c->etype < 0 ? -1 : 0;
	case H5T_FLOAT:
		c->kind = TK_FLOAT;
		c->single = H5Tget_size(ft) <= 4;
		c->etype = H5Tcopy(H5T_NATIVE_DOUBLE);
		c->esize = 8;
		return c->etype < 0 ? -1 : 0;
	case H5T_ENUM: {
		int nm = H5Tget_nmembers(ft);
		c->kind = TK_ENUM;
		c->etype = H5Tget_native_type(ft, H5T_DIR_ASCEND);
		if (c->etype < 0)
			return -1;
		c->esize = H5Tget_size(c->etype);
		if (nm == 2) {
			char *a = H5Tget_member_name(ft, 0), *b = H5Tget_member_name(ft, 1);
			c->is_bool = a && b && !strcmp(a, "FALSE") && !strcmp(b, "TRUE");
			H5free_memory(a);
			H5free_memory(b);
		}
		return 0;
	}
	default:
		return 1;
	}
}

/* ---- columns ---- */

/* an open column: its dataset, the file type of one element, the memory type to read */
typedef struct column {
	gx_h5_dset d;
	hid_t ft;              /* one element (the field's type, for a compound) */
	hid_t mt;              /* what is read (one element, wrapped for a field) */
	const char *field;
} column;

static void column_close(column *c)
{
	if (c->mt > 0)
		H5Tclose(c->mt);
	if (c->ft > 0)
		H5Tclose(c->ft);
	gx_h5_dset_close(&c->d);
	c->mt = c->ft = H5I_INVALID_HID;
}

/*
 * Open a column of n values: 0 (open), 1 if 'path' is not a column (a scalar, more than
 * one column, a field asked of a dataset that is not 1-D), negative on error; closed
 * unless 0.
 */
static int column_open(gx_h5 *h, const char *path, const char *field, size_t n, column *c,
                       gx_err *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->ft = c->mt = H5I_INVALID_HID;
	c->field = field;
	if ((rc = gx_h5_dset_open(h, path, 0, 2, 0, &c->d, err)))
		return rc;
	if (c->d.rank == 0 || (c->d.rank == 2 && c->d.dims[1] != 1) || (field && c->d.rank != 1)) {
		rc = 1;
	} else if (c->d.dims[0] != n) {
		rc = gx_h5_err(h, err, GX_E_HDF5,
		               "shape mismatch: dataset '%s' has %llu values, expected %zu", path,
		               (unsigned long long)c->d.dims[0], n);
	} else if ((uint64_t)n > h->file_size) {
		/* every element of a column takes at least a byte of the file: checked before
		 * the n-element arrays of the callers are allocated */
		rc = gx_h5_err(h, err, GX_E_HDF5,
		               "dataset '%s' claims %zu elements, more than the file's %llu bytes "
		               "can hold", path, n, (unsigned long long)h->file_size);
	} else if ((rc = gx_h5_dset_stored(h, &c->d, err))) {
		/* claims more than the file stores (never-written chunks) */
	} else if (field) {
		int idx = c->d.cls == H5T_COMPOUND ? H5Tget_member_index(c->d.type, field) : -1;
		if (idx < 0) {
			H5Eclear2(H5E_DEFAULT);
			rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' has no field '%s'", path, field);
		} else if ((c->ft = H5Tget_member_type(c->d.type, (unsigned)idx)) < 0) {
			rc = gx_h5_fail(h, err, "dataset '%s': cannot read its type", path);
		}
	} else if ((c->ft = H5Tcopy(c->d.type)) < 0) {
		rc = gx_h5_fail(h, err, "dataset '%s': cannot read its type", path);
	}
	if (rc)
		column_close(c);
	return rc;
}

/* read elements as 'etype' (esize bytes in memory): set the memory type */
static int column_as(gx_h5 *h, column *c, hid_t etype, size_t esize, gx_err *err)
{
	if (!c->field) {
		c->mt = H5Tcopy(etype);
	} else if ((c->mt = H5Tcreate(H5T_COMPOUND, esize)) >= 0 &&
	           H5Tinsert(c->mt, c->field, 0, etype) < 0) {
		int rc = gx_h5_fail(h, err, "dataset '%s': cannot read field '%s'", c->d.path,
		                    c->field);
		H5Tclose(c->mt);
		c->mt = H5I_INVALID_HID;
		return rc;
	}
	if (c->mt < 0)
		return gx_h5_fail(h, err, "dataset '%s': cannot read its type", c->d.path);
	return 0;
}

/* read elements [i0, i0 + cnt) into buf; *ms is the memory space (caller closes it) */
static int column_read(gx_h5 *h, column *c, size_t i0, size_t cnt, void *buf, hid_t *ms,
                       gx_err *err)
{
	hsize_t start[2] = { i0, 0 }, count[2] = { cnt, 1 }, n = cnt;

	*ms = H5I_INVALID_HID;
	if (H5Sselect_hyperslab(c->d.space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
	    (*ms = H5Screate_simple(1, &n, NULL)) < 0)
		return gx_h5_fail(h, err, "dataset '%s': cannot select elements", c->d.path);
	if (H5Dread(c->d.id, c->mt, *ms, c->d.space, H5P_DEFAULT, buf) < 0)
		return gx_h5_fail(h, err, "cannot read dataset '%s'", c->d.path);
	return 0;
}

int gx_h5_read_text(gx_h5 *h, const char *path, const char *field, size_t n,
                    unsigned flags, char ***out, gx_err *err)
{
	text_col c;
	column col;
	hid_t ms = H5I_INVALID_HID;
	unsigned char *buf = NULL;
	char **res = NULL;
	size_t win, i0, i;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.h = h;
	c.path = path;
	c.flags = flags;
	c.etype = H5I_INVALID_HID;
	if ((rc = column_open(h, path, field, n, &col, err)) < 0)
		return rc;
	if (rc == 0 && (rc = text_setup(&c, col.ft)) < 0)
		rc = gx_h5_fail(h, err, "dataset '%s': cannot read its type", path);
	if (rc == 0 && (flags & GX_H5_TEXT_STRINGS) && c.kind != TK_VLEN && c.kind != TK_FIXED)
		rc = 1;
	if (rc == 1 && (flags & GX_H5_TEXT_STRINGS))
		rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s'%s%s%s is not a column of strings",
		               path, field ? " (field '" : "", field ? field : "", field ? "')" : "");
	if (rc || (rc = column_as(h, &col, c.etype, c.esize, err)))
		goto out;
	win = TEXT_WINDOW;
	if (c.esize * win > TEXT_WINDOW_BYTES)
		win = TEXT_WINDOW_BYTES / c.esize ? TEXT_WINDOW_BYTES / c.esize : 1;
	if (win > n)
		win = n ? n : 1;
	res = gx_calloc(n ? n : 1, sizeof(*res));
	buf = gx_malloc(win * c.esize);
	if (!res || !buf) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i0 = 0; i0 < n && !rc; i0 += win) {
		size_t cnt = n - i0 < win ? n - i0 : win;
		if (c.kind == TK_VLEN)
			memset(buf, 0, cnt * c.esize); /* what a failed read did not fill stays NULL */
		if ((rc = column_read(h, &col, i0, cnt, buf, &ms, err)) == 0)
			for (i = 0; i < cnt && !rc; i++)
				rc = text_one(&c, i0 + i, buf + i * c.esize, &res[i0 + i], err);
		/* strings libhdf5 allocated are freed whatever happened, also those of a read
		 * that failed part way */
		if (c.kind == TK_VLEN && ms > 0)
			H5Dvlen_reclaim(col.mt, ms, H5P_DEFAULT, buf);
		if (ms > 0)
			H5Sclose(ms);
		H5Eclear2(H5E_DEFAULT);
	}
	if (rc == 0) {
		*out = res;
		res = NULL;
	}
out:
	if (c.etype > 0)
		H5Tclose(c.etype);
	column_close(&col);
	gx_buf_release(&c.tmp);
	gx_free(buf);
	gx_free(res);
	return rc;
}

int gx_h5_read_ints(gx_h5 *h, const char *path, const char *field, size_t n, int64_t **out,
                    gx_err *err)
{
	column col;
	hid_t ms = H5I_INVALID_HID;
	int64_t *res = NULL;
	size_t i0;
	int rc;

	*out = NULL;
	if ((rc = column_open(h, path, field, n, &col, err)))
		return rc;
	if (H5Tget_class(col.ft) != H5T_INTEGER)
		rc = 1;
	else if (!(rc = column_as(h, &col, H5T_NATIVE_INT64, sizeof(int64_t), err)) &&
	         !(res = gx_malloc((n ? n : 1) * sizeof(*res))))
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i0 = 0; i0 < n && !rc; i0 += TEXT_WINDOW) {
		rc = column_read(h, &col, i0, n - i0 < TEXT_WINDOW ? n - i0 : TEXT_WINDOW, res + i0,
		                 &ms, err);
		if (ms > 0)
			H5Sclose(ms);
	}
	if (rc == 0) {
		*out = res;
		res = NULL;
	}
	column_close(&col);
	gx_free(res);
	return rc;
}

/* ---- ids ---- */

static int id_bad(gx_h5 *h, const char *src, const char *what, size_t i, const char *s,
                  gx_err *err)
{
	size_t len, k;
	char q[160];

	if (!s || !*s)
		return gx_h5_err(h, err, GX_E_EMPTY_ID, "dataset '%s', element %zu: empty %s", src, i,
		                 what);
	len = strlen(s);
	if (len > MAX_ID_BYTES)
		return gx_h5_err(h, err, GX_E_TOO_BIG,
		                 "dataset '%s', element %zu: %s is longer than %d bytes: %s", src, i,
		                 what, MAX_ID_BYTES, gx_err_quote(s, len, q, sizeof(q)));
	if (s[0] == ' ' || s[len - 1] == ' ')
		return gx_h5_err(h, err, GX_E_EMPTY_ID,
		                 "dataset '%s', element %zu: %s has leading or trailing spaces: %s",
		                 src, i, what, gx_err_quote(s, len, q, sizeof(q)));
	for (k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return gx_h5_err(h, err, GX_E_ENCODING,
			                 "dataset '%s', element %zu: %s contains a control character: %s",
			                 src, i, what, gx_err_quote(s, len, q, sizeof(q)));
	if (!gx_utf8_valid(s, len, &k))
		return gx_h5_err(h, err, GX_E_ENCODING,
		                 "dataset '%s', element %zu: %s is not valid UTF-8: %s", src, i, what,
		                 gx_err_quote(s, len, q, sizeof(q)));
	return 0;
}

int gx_h5_check_ids(gx_h5 *h, const char *src, int gene, char **ids, size_t n,
                    gx_h5_unique mode, gx_err *err)
{
	const char *what = gene ? "gene id" : "sample id";
	gx_hset seen = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		uint64_t prev;
		int put;
		char q[160];
		if ((rc = id_bad(h, src, what, i, ids[i], err)))
			goto out;
		if (mode == GX_H5_UNIQUE_ALLOWED)
			continue;
		put = gx_hset_put(&seen, gx_gene_hash(ids[i], strlen(ids[i])), (uint64_t)i, &prev);
		if (put < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		if (put == 1 || strcmp(ids[prev], ids[i]))
			continue; /* new (or a 64-bit hash collision between different ids) */
		rc = gx_h5_err(h, err, gene ? GX_E_DUP_GENE : GX_E_DUP_SAMPLE,
		               "dataset '%s': duplicate %s %s (elements %llu and %zu)", src, what,
		               gx_err_quote(ids[i], strlen(ids[i]), q, sizeof(q)),
		               (unsigned long long)prev, i);
		goto out;
	}
out:
	gx_hset_release(&seen);
	return rc;
}
