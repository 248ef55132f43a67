/*
 * h5.c - HDF5 helpers shared by the HDF5 matrix layouts (contracts in h5.h).
 *
 * Invariants: libhdf5's automatic error printing is off (gx_h5_init), so every failing
 * libhdf5 call leaves its error stack for gx_h5_fail to copy into the gx_err and clear;
 * gx_h5_fail is called right after the failing call, before any other libhdf5 call
 * (each API call starts by clearing the stack).  Nothing here prints.  Numeric reads are
 * hyperslabs sized by the caller.  Datasets are checked (existence, rank, filters, type
 * class) before the first H5Dread.
 *
 * Here: initialization, the string pool, errors, files, objects and attributes.
 * Not here: datasets and numeric reads (h5_dset.c), columns read as text and id tables
 * (h5_text.c), layout detection, the meaning of any dataset, streaming of cells.
 */
#include "extract/h5.h"
#include "core/buf.h"
#include "core/mem.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void gx_h5_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	H5open();
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	gx_h5_lzf_register();
}

/* ---- pool ---- */

struct gx_h5_pool_block {
	gx_h5_pool_block *next;
	size_t used, cap;
	char data[];
};

/* 64 KiB blocks: one allocation per ~2000 ids, little waste for small files */
#define POOL_BLOCK 65536

char *gx_h5_pool_strndup(gx_h5_pool *p, const char *s, size_t n)
{
	gx_h5_pool_block *b = p->head;
	char *r;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > POOL_BLOCK / 4 ? n + 1 : POOL_BLOCK;
		b = gx_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		if (cap == POOL_BLOCK || !p->head) {
			b->next = p->head;
			p->head = b;
		} else {
			/* a big string gets its own block behind the current one */
			b->next = p->head->next;
			p->head->next = b;
		}
	}
	r = b->data + b->used;
	memcpy(r, s, n);
	r[n] = '\0';
	b->used += n + 1;
	return r;
}

void gx_h5_pool_release(gx_h5_pool *p)
{
	gx_h5_pool_block *b, *next;

	if (!p)
		return;
	for (b = p->head; b; b = next) {
		next = b->next;
		gx_free(b);
	}
	p->head = NULL;
}

/* ---- errors ---- */

typedef struct stack_text {
	gx_buf out;
	int io;
	int n;
	char last[256];
} stack_text;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *vctx)
{
	stack_text *st = vctx;
	const char *desc = e->desc && *e->desc ? e->desc : NULL;
	char minor[128] = "";

	(void)n;
	/* a failed read(2) in the file driver, as opposed to bad bytes (a filter failing,
	 * a corrupt header): only the driver's message carries errno */
	if (e->maj_num == H5E_IO && e->min_num == H5E_READERROR && e->desc &&
	    strstr(e->desc, "errno ="))
		st->io = 1;
	if (!desc && H5Eget_msg(e->min_num, NULL, minor, sizeof(minor)) > 0)
		desc = minor;
	if (!desc || !strcmp(desc, st->last) || st->n >= 6)
		return 0;
	snprintf(st->last, sizeof(st->last), "%s", desc);
	if (st->n++)
		gx_buf_puts(&st->out, ": ");
	gx_buf_puts(&st->out, desc);
	return 0;
}

int gx_h5_err(const gx_h5 *h, gx_err *err, gx_code code, const char *fmt, ...)
{
	char msg[GX_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gx_err_at(err, code, h ? h->path : NULL, 0, 0, "%s", msg);
}

int gx_h5_fail(const gx_h5 *h, gx_err *err, const char *fmt, ...)
{
	char msg[GX_ERR_MSG_MAX];
	stack_text st;
	va_list ap;
	int rc;

	memset(&st, 0, sizeof(st));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &st);
	H5Eclear2(H5E_DEFAULT);
	rc = gx_err_at(err, st.io ? GX_E_IO : GX_E_HDF5, h ? h->path : NULL, 0, 0, "%s%s%s", msg,
	               st.out.len ? ": " : "", st.out.len ? st.out.data : "");
	gx_buf_release(&st.out);
	return rc;
}

/* ---- where the reader is ---- */

static char *where_buf;
static size_t where_cap;

void gx_h5_where_buffer(char *buf, size_t cap)
{
	where_buf = cap ? buf : NULL;
	where_cap = cap;
	if (where_buf)
		where_buf[0] = where_buf[cap - 1] = '\0';
}

void gx_h5_where(const char *what)
{
	size_t n;

	if (!where_buf)
		return;
	n = strnlen(what, where_cap - 1);
	memcpy(where_buf, what, n);
	where_buf[n] = '\0';
}

/* ---- file ---- */

/* open 'path' with fapl (closed here), or the image when fapl holds one (then under a
 * made-up name: the core driver refuses a name that exists on disk) */
static int open_with(gx_h5 *h, hid_t fapl, int image, gx_err *err)
{
	if (fapl < 0)
		return gx_h5_fail(h, err, "cannot open as HDF5");
	/* close every object still open when the file is closed: no leak on error paths */
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
#if H5_VERSION_GE(1, 10, 7)
	/* we only read finished files; locking fails on some network file systems */
	H5Pset_file_locking(fapl, 0, 1);
#endif
	gx_h5_where("");
	h->file = H5Fopen(image ? "gxload-file-image" : h->path, H5F_ACC_RDONLY, fapl);
	if (h->file < 0) {
		/* capture first: any later libhdf5 call clears the error stack */
		int rc = gx_h5_fail(h, err, "cannot open as HDF5");
		h->file = H5I_INVALID_HID;
		H5Pclose(fapl);
		return rc;
	}
	H5Pclose(fapl);
	return 0;
}

static void h5_reset(gx_h5 *h, const char *path, size_t max_field)
{
	gx_h5_init();
	memset(h, 0, sizeof(*h));
	h->file = H5I_INVALID_HID;
	h->path = path;
	h->max_field = max_field ? max_field : (size_t)1 << 20;
}

int gx_h5_open_image(gx_h5 *h, const char *path, const void *image, size_t len,
                     size_t max_field, gx_err *err)
{
	hid_t fapl;

	h5_reset(h, path, max_field);
	h->file_size = len;
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	/* the core driver over a copy of the image; never written back */
	if (fapl >= 0 && (H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 ||
	                  H5Pset_file_image(fapl, (void *)(uintptr_t)image, len) < 0)) {
		int rc = gx_h5_fail(h, err, "cannot open as HDF5");
		H5Pclose(fapl);
		return rc;
	}
	return open_with(h, fapl, 1, err);
}

int gx_h5_open_file(gx_h5 *h, const char *path, size_t max_field, gx_err *err)
{
	struct stat st;

	h5_reset(h, path, max_field);
	if (stat(path, &st) == 0)
		h->file_size = (uint64_t)st.st_size;
	return open_with(h, H5Pcreate(H5P_FILE_ACCESS), 0, err);
}

void gx_h5_close_file(gx_h5 *h)
{
	if (!h)
		return;
	if (h->file > 0)
		H5Fclose(h->file);
	h->file = H5I_INVALID_HID;
	gx_h5_pool_release(&h->pool);
}

/* ---- objects ---- */

gx_h5_kind gx_h5_kind_of(const gx_h5 *h, const char *path)
{
	char part[512];
	const char *p = path;
	gx_h5_kind kind = GX_H5_NONE;
	H5I_type_t t;
	hid_t o;

	while (*p == '/')
		p++;
	if (!*p)
		return GX_H5_GROUP;
	if (strlen(path) >= sizeof(part))
		return GX_H5_NONE;
	/* every link on the way must exist, else H5Oopen would fail with a noisy stack */
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		memcpy(part, path, n);
		part[n] = '\0';
		if (H5Lexists(h->file, part, H5P_DEFAULT) <= 0) {
			H5Eclear2(H5E_DEFAULT);
			return GX_H5_NONE;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	gx_h5_where(path);
	o = H5Oopen(h->file, path, H5P_DEFAULT);
	if (o < 0) {
		H5Eclear2(H5E_DEFAULT);
		return GX_H5_OTHER;
	}
	t = H5Iget_type(o);
	kind = t == H5I_GROUP ? GX_H5_GROUP : t == H5I_DATASET ? GX_H5_DATASET : GX_H5_OTHER;
	H5Oclose(o);
	return kind;
}

/* an open attribute with its type and space */
typedef struct attr_h {
	hid_t a, t, sp, mt;
	hssize_t np;              /* number of elements */
	int vlen;                 /* string attributes: variable length */
	size_t size;              /* bytes per string element in memory */
	char *raw;                /* string attributes: what attr_strings read */
} attr_h;

static void attr_put(attr_h *x)
{
	if (x->raw && x->vlen && x->np > 0)
		H5Dvlen_reclaim(x->mt, x->sp, H5P_DEFAULT, x->raw);
	gx_free(x->raw);
	if (x->mt > 0)
		H5Tclose(x->mt);
	if (x->t > 0)
		H5Tclose(x->t);
	if (x->sp > 0)
		H5Sclose(x->sp);
	if (x->a > 0)
		H5Aclose(x->a);
	H5Eclear2(H5E_DEFAULT);
	memset(x, 0, sizeof(*x));
}

/* 1 and x open if 'obj' has attribute 'name' with a readable type and space, else 0 */
static int attr_get(const gx_h5 *h, const char *obj, const char *name, attr_h *x)
{
	memset(x, 0, sizeof(*x));
	x->a = x->t = x->sp = x->mt = H5I_INVALID_HID;
	if (gx_h5_kind_of(h, obj) == GX_H5_NONE ||
	    H5Aexists_by_name(h->file, obj, name, H5P_DEFAULT) <= 0 ||
	    (x->a = H5Aopen_by_name(h->file, obj, name, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
	    (x->t = H5Aget_type(x->a)) < 0 || (x->sp = H5Aget_space(x->a)) < 0 ||
	    (x->np = H5Sget_simple_extent_npoints(x->sp)) < 0) {
		attr_put(x);
		return 0;
	}
	return 1;
}

/* read every element of a string attribute into x->raw; see attr_string_at */
static int attr_strings(const gx_h5 *h, attr_h *x, const char *obj, const char *name,
                        gx_err *err)
{
	x->vlen = H5Tis_variable_str(x->t) > 0;
	x->size = x->vlen ? sizeof(char *) : H5Tget_size(x->t);
	/* an attribute's values are stored whole in the file: a claim beyond it is damage */
	if (x->size == 0 || (uint64_t)x->np > h->file_size / (x->vlen ? 1 : x->size))
		return gx_h5_err(h, err, GX_E_HDF5,
		                 "attribute '%s' of '%s' claims %lld values, more than the file's "
		                 "%llu bytes can hold", name, obj, (long long)x->np,
		                 (unsigned long long)h->file_size);
	x->raw = gx_calloc((size_t)x->np + 1, x->size);
	x->mt = H5Tcopy(x->t);
	if (!x->raw || x->mt < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (x->np && H5Aread(x->a, x->mt, x->raw) < 0) {
		int rc = gx_h5_fail(h, err, "cannot read attribute '%s' of '%s'", name, obj);
		/* strings converted before the failure were allocated by libhdf5: attr_put
		 * reclaims them (the rest are NULL, from the calloc) */
		return rc;
	}
	return 0;
}

/* element i of what attr_strings read, and its length (fixed strings end at a NUL) */
static const char *attr_string_at(const attr_h *x, size_t i, size_t *len)
{
	const char *s = x->vlen ? ((char *const *)(const void *)x->raw)[i] : x->raw + i * x->size;

	if (!s) {
		*len = 0;
		return "";
	}
	*len = x->vlen ? strlen(s) : strnlen(s, x->size);
	return s;
}

int gx_h5_has_attr(const gx_h5 *h, const char *obj, const char *name)
{
	attr_h x;

	if (!attr_get(h, obj, name, &x))
		return 0;
	attr_put(&x);
	return 1;
}

/* copy a string of at most n bytes, cut at the first NUL and at cap-1 */
static void copy_cut(char *buf, size_t cap, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (len > cap - 1)
		len = cap - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
}

int gx_h5_attr_text(const gx_h5 *h, const char *obj, const char *name, char *buf,
                    size_t cap, gx_err *err)
{
	attr_h x;
	size_t len;
	int rc = 0;

	buf[0] = '\0';
	if (!attr_get(h, obj, name, &x))
		return 0;
	if (H5Tget_class(x.t) == H5T_STRING && x.np == 1 &&
	    (rc = attr_strings(h, &x, obj, name, err)) == 0) {
		const char *s = attr_string_at(&x, 0, &len);
		copy_cut(buf, cap, s, len);
		rc = 1;
	}
	attr_put(&x);
	return rc;
}

int gx_h5_attr_ints(const gx_h5 *h, const char *obj, const char *name, int64_t *vals,
                    size_t max, size_t *n, gx_err *err)
{
	attr_h x;
	double *tmp = NULL;
	H5T_class_t cls;
	size_t i;
	int rc = 0;

	*n = 0;
	if (!attr_get(h, obj, name, &x))
		return 0;
	cls = H5Tget_class(x.t);
	if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || x.np > 1024)
		goto out;
	if (!(tmp = gx_calloc((size_t)x.np + 1, sizeof(*tmp)))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	if (H5Aread(x.a, H5T_NATIVE_DOUBLE, tmp) < 0) {
		rc = gx_h5_fail(h, err, "cannot read attribute '%s' of '%s'", name, obj);
		goto out;
	}
	for (i = 0; i < (size_t)x.np; i++) {
		/* shapes and versions are small integers: doubles hold them exactly */
		if (!(tmp[i] >= -9007199254740992.0 && tmp[i] <= 9007199254740992.0) ||
		    tmp[i] != floor(tmp[i]))
			goto out;
		if (i < max)
			vals[i] = (int64_t)tmp[i];
	}
	*n = (size_t)x.np;
	rc = 1;
out:
	gx_free(tmp);
	attr_put(&x);
	return rc;
}

int gx_h5_attr_texts(gx_h5 *h, const char *obj, const char *name, char ***out, size_t *n,
                     gx_err *err)
{
	attr_h x;
	char **res = NULL;
	size_t i, len;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!attr_get(h, obj, name, &x))
		return 0;
	if (H5Tget_class(x.t) != H5T_STRING) {
		rc = x.np == 0; /* anndata writes an empty column list as an empty float array */
		goto out;
	}
	if ((rc = attr_strings(h, &x, obj, name, err)))
		goto out;
	if (!(res = gx_calloc((size_t)x.np + 1, sizeof(*res)))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < (size_t)x.np; i++) {
		const char *s = attr_string_at(&x, i, &len);
		if (!(res[i] = gx_h5_pool_strndup(&h->pool, s, len))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = res;
	*n = (size_t)x.np;
	res = NULL;
	rc = 1;
out:
	gx_free(res);
	attr_put(&x);
	return rc;
}

int gx_h5_scalar_text(const gx_h5 *h, const char *path, char *buf, size_t cap)
{
	gx_h5_dset d;
	hid_t mt;
	int ok = 0;

	buf[0] = '\0';
	if (gx_h5_kind_of(h, path) != GX_H5_DATASET || gx_h5_dset_open(h, path, 0, 0, 0, &d, NULL))
		return 0;
	if (d.cls == H5T_STRING && (mt = H5Tcopy(d.type)) >= 0) {
		if (H5Tis_variable_str(d.type) > 0) {
			char *s = NULL;
			if (H5Dread(d.id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0) {
				copy_cut(buf, cap, s ? s : "", s ? strlen(s) : 0);
				if (s)
					H5Dvlen_reclaim(mt, d.space, H5P_DEFAULT, &s);
				ok = 1;
			}
		} else {
			char *tmp = gx_malloc(d.size + 1);
			if (tmp && H5Dread(d.id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) {
				copy_cut(buf, cap, tmp, d.size);
				ok = 1;
			}
			gx_free(tmp);
		}
		H5Tclose(mt);
	}
	gx_h5_dset_close(&d);
	H5Eclear2(H5E_DEFAULT);
	return ok;
}

typedef struct members_ctx {
	gx_h5 *h;
	char **names;
	size_t n, cap;
	int nomem;
} members_ctx;

static herr_t member_cb(hid_t g, const char *name, const H5L_info_t *info, void *vctx)
{
	members_ctx *c = vctx;

	(void)g;
	(void)info;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **p = gx_reallocarray(c->names, cap, sizeof(*p));
		if (!p) {
			c->nomem = 1;
			return -1;
		}
		c->names = p;
		c->cap = cap;
	}
	if (!(c->names[c->n] = gx_h5_pool_strndup(&c->h->pool, name, strlen(name)))) {
		c->nomem = 1;
		return -1;
	}
	c->n++;
	return 0;
}

int gx_h5_members(gx_h5 *h, const char *group, char ***out, size_t *n, gx_err *err)
{
	members_ctx c;
	hid_t g;
	herr_t st;

	memset(&c, 0, sizeof(c));
	c.h = h;
	*out = NULL;
	*n = 0;
	gx_h5_where(group);
	g = H5Gopen2(h->file, group, H5P_DEFAULT);
	if (g < 0)
		return gx_h5_fail(h, err, "cannot open group '%s'", group);
	st = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, member_cb, &c);
	if (c.nomem || st < 0) {
		int rc = c.nomem ? gx_err_set(err, GX_E_NOMEM, "out of memory")
		                 : gx_h5_fail(h, err, "cannot list group '%s'", group);
		H5Eclear2(H5E_DEFAULT);
		H5Gclose(g);
		gx_free(c.names);
		return rc;
	}
	H5Gclose(g);
	*out = c.names;
	*n = c.n;
	return 0;
}

int gx_h5_attr_ref_path(const gx_h5 *h, const char *obj, const char *name, char *buf,
                        size_t cap)
{
	attr_h x;
	hobj_ref_t ref;
	hid_t o;
	int found = 0;

	if (!attr_get(h, obj, name, &x))
		return 0;
	if (H5Tget_class(x.t) == H5T_REFERENCE && x.np == 1 &&
	    H5Aread(x.a, H5T_STD_REF_OBJ, &ref) >= 0 &&
	    (o = H5Rdereference2(x.a, H5P_DEFAULT, H5R_OBJECT, &ref)) >= 0) {
		ssize_t len = H5Iget_name(o, buf, cap);
		found = len > 0 && (size_t)len < cap;
		H5Oclose(o);
	}
	attr_put(&x);
	return found;
}
