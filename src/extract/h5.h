/*
 * h5.h - HDF5 helpers shared by the HDF5 matrix layouts (src/extract/h5_*.c).
 *
 * What is here: opening a file with libhdf5's own error printing turned off and its error
 * stack captured into a gx_err; asking what an object is; attributes read as text or
 * integers whatever their string kind; datasets opened with their rank, extent, chunking
 * and filters checked before anything is read (an unavailable filter is an error naming
 * the dataset and the filter id); numeric reads of any integer or float width converted
 * to exact doubles or to int64; column lengths, compound fields and object references;
 * a string pool.  Columns read as text and id tables are in h5_text.h.
 *
 * What is not: knowledge of any layout (h5_10x.c, h5_anndata.c, h5_loom.c, h5_archs4.c)
 * or of how cells are streamed (h5_sparse.c, h5_dense.c).  Nothing here prints.
 *
 * Every function that can fail returns 0 or a negative GX_E_* code and fills 'err' with
 * the file path in err->file and the dataset path in the message.
 */
#ifndef GX_H5_H
#define GX_H5_H

#include "core/err.h"

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Once per process: stop libhdf5 from printing its error stack (we capture it instead)
 * and register the LZF filter.  Safe to call more than once.
 */
void gx_h5_init(void);

/* h5_lzf.c: register HDF5 filter 32000 (h5py's LZF) backed by liblzf; 0 or -1. */
int gx_h5_lzf_register(void);

/* ---- string pool: strings that live as long as the open matrix ---- */

typedef struct gx_h5_pool_block gx_h5_pool_block;
typedef struct gx_h5_pool {
	gx_h5_pool_block *head;
} gx_h5_pool;

/* Copy s[0..n) plus a NUL into the pool; NULL when out of memory. */
char *gx_h5_pool_strndup(gx_h5_pool *p, const char *s, size_t n);
/* Free every string of the pool; NULL accepted. */
void gx_h5_pool_release(gx_h5_pool *p);

/* ---- an open file ---- */

typedef struct gx_h5 {
	hid_t file;            /* H5I_INVALID_HID when closed */
	const char *path;      /* the file's path, for messages; not owned */
	size_t max_field;      /* longest accepted string value in bytes */
	uint64_t file_size;    /* bytes of the file (or image): what its claims are checked
	                        * against before anything is allocated for them */
	gx_h5_pool pool;
} gx_h5;

/* Open 'path' read-only.  On failure the HDF5 error stack is in the message. */
int gx_h5_open_file(gx_h5 *h, const char *path, size_t max_field, gx_err *err);
/*
 * Open a file image held in memory (image[0..len), copied; the core driver, no file):
 * what the fuzz targets read.  'path' only names it in messages.
 */
int gx_h5_open_image(gx_h5 *h, const char *path, const void *image, size_t len,
                     size_t max_field, gx_err *err);

/*
 * Where the reader is: from now on, the path of every object the helpers here open
 * (datasets, groups, the file itself as "") is copied into buf[0..cap), so that whoever
 * shares that memory can name it if libhdf5 crashes (h5_proc.c: the reader process).
 * NULL stops it.  Nothing else reads it.
 */
void gx_h5_where_buffer(char *buf, size_t cap);
/* Note 'what' as the object being worked on (see gx_h5_where_buffer); cheap. */
void gx_h5_where(const char *what);
/* Close the file and free the pool; safe on a zeroed or closed gx_h5. */
void gx_h5_close_file(gx_h5 *h);

/* An error of ours about the file (err->file = the file path); returns -(int)code. */
int gx_h5_err(const gx_h5 *h, gx_err *err, gx_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * A libhdf5 call failed: the message is fmt's text, then ": " and the HDF5 error stack
 * (descriptions, outermost first).  The code is GX_E_IO when the file driver's read(2)
 * failed (the stack carries its errno), GX_E_HDF5 otherwise (corrupt bytes, a failing
 * filter, a bad header).  Call it right after the failing call: every libhdf5 API call
 * clears the stack when it starts.  Clears the stack.
 */
int gx_h5_fail(const gx_h5 *h, gx_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- objects and attributes ---- */

typedef enum gx_h5_kind {
	GX_H5_NONE = 0,        /* no such path (or a path through a non-group) */
	GX_H5_GROUP,
	GX_H5_DATASET,
	GX_H5_OTHER            /* named datatype, dangling link, ... */
} gx_h5_kind;

/* What 'path' (relative to the file's root, or absolute) names.  Never fails. */
gx_h5_kind gx_h5_kind_of(const gx_h5 *h, const char *path);

/*
 * Attribute 'name' of the object at 'obj' as text: a fixed- or variable-length string
 * scalar, or a one-element string array.  Returns 1 and fills buf (cut at cap-1 bytes),
 * 0 if the object or attribute is absent or is not a string, negative on a read error.
 */
int gx_h5_attr_text(const gx_h5 *h, const char *obj, const char *name, char *buf,
                    size_t cap, gx_err *err);

/*
 * Attribute 'name' of 'obj' as integers (any integer type, scalar or 1-D, or an
 * integer-valued float).  Returns 1 with up to 'max' values in vals and their count in
 * *n, 0 if absent or not numeric, negative on error.
 */
int gx_h5_attr_ints(const gx_h5 *h, const char *obj, const char *name, int64_t *vals,
                    size_t max, size_t *n, gx_err *err);

/*
 * Attribute 'name' of 'obj' as a string array (anndata's column-order).  Returns 1 with
 * *out = a gx_malloc'd array of *n pool strings (caller frees the array), 0 if absent or
 * not strings (an empty float64 array, as anndata writes for no columns, gives 1 and
 * n = 0), negative on error.
 */
int gx_h5_attr_texts(gx_h5 *h, const char *obj, const char *name, char ***out, size_t *n,
                     gx_err *err);

/*
 * A scalar string dataset (Loom 3's datasets in /attrs) as text, cut at cap-1 bytes.  Returns 1,
 * or 0 if 'path' is not a scalar string dataset or cannot be read.
 */
int gx_h5_scalar_text(const gx_h5 *h, const char *path, char *buf, size_t cap);

/* 1 if 'obj' has an attribute called 'name'. */
int gx_h5_has_attr(const gx_h5 *h, const char *obj, const char *name);

/*
 * Names of the members of group 'group' in name order (H5Literate), as a gx_malloc'd
 * array of pool strings; caller frees the array.  0 or negative.
 */
int gx_h5_members(gx_h5 *h, const char *group, char ***out, size_t *n, gx_err *err);

/* ---- datasets ---- */

/* How numeric values are held in memory while converting (see gx_h5_dset_numeric). */
typedef enum gx_h5_num {
	GX_H5_NUM_NONE = 0,
	GX_H5_I8, GX_H5_I16, GX_H5_I32, GX_H5_I64,
	GX_H5_U8, GX_H5_U16, GX_H5_U32, GX_H5_U64,
	GX_H5_F32, GX_H5_F64     /* GX_H5_F64 also for other float widths (libhdf5 converts) */
} gx_h5_num;

typedef struct gx_h5_dset {
	hid_t id;
	hid_t space;
	hid_t type;               /* file type */
	char path[256];           /* as given, for messages */
	int rank;
	hsize_t dims[2];          /* dims[1] = 1 for rank 1 */
	hsize_t chunk[2];         /* chunk shape; for contiguous data rows of the whole width */
	int chunked;
	H5T_class_t cls;
	size_t size;              /* bytes per element in the file */
	int is_signed;
	gx_h5_num num;            /* set by gx_h5_dset_numeric */
} gx_h5_dset;

/*
 * Open dataset 'path' and check it: it must exist and be a dataset ("missing dataset"),
 * have rank in [min_rank, max_rank] ("rank N, expected ..."), and every filter in its
 * pipeline must be available for decoding ("uses HDF5 filter 32004 ('lz4'), which is not
 * available").  Rank-0 (scalar) datasets count as rank 0.  'chunk_cache' > 0 sizes the
 * chunk cache to hold that many chunks (at least 1 MiB, at most 64 MiB).
 */
int gx_h5_dset_open(const gx_h5 *h, const char *path, int min_rank, int max_rank,
                    int chunk_cache, gx_h5_dset *d, gx_err *err);
/* Close; safe on a zeroed or closed dataset (d->id <= 0). */
void gx_h5_dset_close(gx_h5_dset *d);

/*
 * Check, before anything is allocated or looped over for it, that the dataset's extent is
 * backed by the file: a chunked dataset has every chunk stored, a contiguous one has its
 * storage allocated.  A file can claim any extent (2^31 gene ids in a 13 KB file: the
 * chunks were never written and read back as fill values); such a dataset is
 * GX_E_HDF5: "dataset 'X' claims N elements, but only K of its M chunks are stored in the
 * file (never written)".
 */
int gx_h5_dset_stored(const gx_h5 *h, const gx_h5_dset *d, gx_err *err);

/*
 * Check that the dataset holds integers or floats and pick the in-memory type used by
 * gx_h5_read_f64 (the native type of the file's width and sign, so that libhdf5 only
 * swaps bytes).  Error: "dataset 'X' holds <class> values, expected numbers".
 */
int gx_h5_dset_numeric(const gx_h5 *h, gx_h5_dset *d, gx_err *err);

/* Bytes per element of the in-memory type chosen by gx_h5_dset_numeric. */
size_t gx_h5_num_size(gx_h5_num num);

/*
 * Read the hyperslab start[0..rank) x count[0..rank) (row-major, as stored) into 'out'
 * as doubles.  'scratch' holds count elements of gx_h5_num_size(d->num) bytes (unused
 * for GX_H5_F64).  Integers are converted exactly; a 64-bit integer beyond +-2^53 is
 * GX_E_NOT_FINITE naming its position.  Floats are widened exactly; non-finite values are
 * passed on (the caller checks the cells it uses).
 */
int gx_h5_read_f64(const gx_h5 *h, gx_h5_dset *d, const hsize_t *start,
                   const hsize_t *count, double *out, void *scratch, gx_err *err);

/*
 * Read elements [start, start+count) of a 1-D integer dataset as int64 (unsigned 64-bit
 * values above INT64_MAX become INT64_MAX, which every range check rejects).
 * Error if the dataset does not hold integers.
 */
int gx_h5_read_i64(const gx_h5 *h, gx_h5_dset *d, hsize_t start, hsize_t count,
                   int64_t *out, gx_err *err);

/* ---- columns ---- */

/*
 * Length of a column: the first dimension of a 1-D dataset or of an (n, 1) one.
 * Returns 1 and *n, 0 if 'path' is not such a dataset, negative on error.
 */
int gx_h5_column_len(const gx_h5 *h, const char *path, size_t *n, gx_err *err);

/*
 * Names of the members of the compound dataset 'path', as a gx_malloc'd array of pool
 * strings (caller frees the array).  0, or negative if 'path' is not a compound dataset.
 */
int gx_h5_fields(gx_h5 *h, const char *path, char ***out, size_t *n, gx_err *err);

/*
 * Attribute 'name' of 'obj' is an object reference (anndata 0.7's 'categories'): write
 * the path of the object it points to into buf.  Returns 1, or 0 if there is no such
 * attribute or it cannot be resolved.
 */
int gx_h5_attr_ref_path(const gx_h5 *h, const char *obj, const char *name, char *buf,
                        size_t cap);

#endif
