/*
 * h5_dset.c - HDF5 datasets checked and read (contracts in h5.h): opening a dataset with
 * its rank, filters and type class checked before the first H5Dread, numeric
 * hyperslabs read into doubles or 64-bit integers (a value that does not convert
 * exactly is an error, not a rounding), and column lengths and compound field names.
 * Errors go through gx_h5_fail right after the failing call (h5.c).
 * Not here: files, groups and attributes (h5.c), columns read as text (h5_text.c).
 */
#include "extract/h5.h"
#include "core/mem.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- datasets ---- */

static int check_filters(const gx_h5 *h, const char *path, hid_t dcpl, gx_err *err)
{
	int i, nf = H5Pget_nfilters(dcpl);

	for (i = 0; i < nf; i++) {
		unsigned flags = 0, cd[16], config = 0;
		size_t ncd = sizeof(cd) / sizeof(cd[0]);
		char name[128] = "";
		H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof(name),
		                                 name, &config);
		htri_t avail;

		if (id < 0)
			return gx_h5_fail(h, err, "dataset '%s': cannot read its filter pipeline", path);
		avail = H5Zfilter_avail(id);
		if (avail > 0) {
			unsigned info = 0;
			if (H5Zget_filter_info(id, &info) >= 0 && (info & H5Z_FILTER_CONFIG_DECODE_ENABLED))
				continue;
		}
		H5Eclear2(H5E_DEFAULT);
		return gx_h5_err(h, err, GX_E_HDF5,
		                 "dataset '%s' uses HDF5 filter %d%s%s%s, which is not available "
		                 "(gxload decodes gzip, shuffle, fletcher32, szip, nbit, scaleoffset "
		                 "and lzf)", path, (int)id, name[0] ? " ('" : "", name,
		                 name[0] ? "')" : "");
	}
	return 0;
}

int gx_h5_dset_open(const gx_h5 *h, const char *path, int min_rank, int max_rank,
                    int chunk_cache, gx_h5_dset *d, gx_err *err)
{
	hid_t dcpl = H5I_INVALID_HID;
	hsize_t dims[H5S_MAX_RANK];
	int rc = 0, r;

	memset(d, 0, sizeof(*d));
	d->id = d->space = d->type = H5I_INVALID_HID;
	snprintf(d->path, sizeof(d->path), "%s", path);
	switch (gx_h5_kind_of(h, path)) {
	case GX_H5_DATASET:
		break;
	case GX_H5_NONE:
		return gx_h5_err(h, err, GX_E_HDF5, "missing dataset '%s'", path);
	default:
		return gx_h5_err(h, err, GX_E_HDF5, "'%s' is not a dataset", path);
	}
	gx_h5_where(path);
	d->id = H5Dopen2(h->file, path, H5P_DEFAULT);
	if (d->id < 0)
		return gx_h5_fail(h, err, "cannot open dataset '%s'", path);
	d->space = H5Dget_space(d->id);
	d->type = H5Dget_type(d->id);
	dcpl = H5Dget_create_plist(d->id);
	if (d->space < 0 || d->type < 0 || dcpl < 0) {
		rc = gx_h5_fail(h, err, "cannot open dataset '%s'", path);
		goto out;
	}
	r = H5Sget_simple_extent_ndims(d->space);
	if (r < 0 || r > H5S_MAX_RANK) {
		rc = gx_h5_fail(h, err, "dataset '%s': cannot read its shape", path);
		goto out;
	}
	if (r < min_rank || r > max_rank) {
		if (min_rank == max_rank)
			rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' has rank %d, expected %d", path,
			               r, min_rank);
		else
			rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' has rank %d, expected %d to %d",
			               path, r, min_rank, max_rank);
		goto out;
	}
	d->rank = r;
	H5Sget_simple_extent_dims(d->space, dims, NULL);
	d->dims[0] = r >= 1 ? dims[0] : 1;
	d->dims[1] = r >= 2 ? dims[1] : 1;
	d->cls = H5Tget_class(d->type);
	d->size = H5Tget_size(d->type);
	d->is_signed = d->cls == H5T_INTEGER && H5Tget_sign(d->type) == H5T_SGN_2;
	if ((rc = check_filters(h, path, dcpl, err)))
		goto out;
	if (r >= 1 && H5Pget_layout(dcpl) == H5D_CHUNKED) {
		hsize_t ch[H5S_MAX_RANK];
		if (H5Pget_chunk(dcpl, r, ch) != r) {
			rc = gx_h5_fail(h, err, "dataset '%s': cannot read its chunk shape", path);
			goto out;
		}
		d->chunked = 1;
		d->chunk[0] = ch[0];
		d->chunk[1] = r >= 2 ? ch[1] : 1;
	} else {
		/* contiguous or compact: any run of whole rows is one contiguous read */
		d->chunk[0] = 1;
		d->chunk[1] = d->dims[1];
	}
	if (chunk_cache > 0 && d->chunked) {
		size_t chunk_bytes = (size_t)(d->chunk[0] * d->chunk[1]) * d->size;
		size_t want = chunk_bytes * (size_t)chunk_cache;
		if (want > ((size_t)1 << 20)) {
			/* reopen with a chunk cache that holds 'chunk_cache' chunks (<= 64 MiB) */
			hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
			if (want > ((size_t)64 << 20))
				want = (size_t)64 << 20;
			if (dapl >= 0 && H5Pset_chunk_cache(dapl, 1009, want, 1.0) >= 0) {
				hid_t id = H5Dopen2(h->file, path, dapl);
				if (id >= 0) {
					H5Dclose(d->id);
					d->id = id;
				}
			}
			if (dapl >= 0)
				H5Pclose(dapl);
			H5Eclear2(H5E_DEFAULT);
		}
	}
out:
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (rc)
		gx_h5_dset_close(d);
	return rc;
}

/* a * b, or UINT64_MAX when it does not fit */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

int gx_h5_dset_stored(const gx_h5 *h, const gx_h5_dset *d, gx_err *err)
{
	unsigned long long elems = mul_sat(d->dims[0], d->dims[1]);
	hsize_t need, have = 0, c0, c1;
	haddr_t addr;

	if (d->rank == 0 || elems == 0)
		return 0;
	if (!d->chunked) {
		/* compact data lives in the object header; contiguous storage is allocated when
		 * written (HADDR_UNDEF until then) */
		hid_t dcpl = H5Dget_create_plist(d->id);
		int compact = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_COMPACT;
		if (dcpl >= 0)
			H5Pclose(dcpl);
		if (compact)
			return 0;
		addr = H5Dget_offset(d->id);
		H5Eclear2(H5E_DEFAULT);
		if (addr != HADDR_UNDEF || H5Dget_storage_size(d->id) > 0)
			return 0;
		return gx_h5_err(h, err, GX_E_HDF5,
		                 "dataset '%s' claims %llu elements, but none is stored in the file "
		                 "(it was never written)", d->path, elems);
	}
	c0 = d->chunk[0] ? d->chunk[0] : 1;
	c1 = d->chunk[1] ? d->chunk[1] : 1;
	need = mul_sat(d->dims[0] / c0 + (d->dims[0] % c0 != 0),
	               d->rank >= 2 ? d->dims[1] / c1 + (d->dims[1] % c1 != 0) : 1);
	{
		/* a fresh copy of the file space: everything selected */
		hid_t sp = H5Dget_space(d->id);
		herr_t st = sp < 0 ? -1 : H5Dget_num_chunks(d->id, sp, &have);
		int rc = st < 0 ? gx_h5_fail(h, err, "dataset '%s': cannot count its chunks", d->path)
		                : 0;
		if (sp >= 0)
			H5Sclose(sp);
		if (rc)
			return rc;
	}
	if (have >= need)
		return 0;
	return gx_h5_err(h, err, GX_E_HDF5,
	                 "dataset '%s' claims %llu elements, but only %llu of its %llu chunks are "
	                 "stored in the file (the rest was never written)", d->path, elems,
	                 (unsigned long long)have, (unsigned long long)need);
}

void gx_h5_dset_close(gx_h5_dset *d)
{
	if (!d)
		return;
	if (d->type > 0)
		H5Tclose(d->type);
	if (d->space > 0)
		H5Sclose(d->space);
	if (d->id > 0)
		H5Dclose(d->id);
	d->id = d->space = d->type = H5I_INVALID_HID;
}

static const char *class_name(H5T_class_t c)
{
	switch (c) {
	case H5T_INTEGER: return "integer";
	case H5T_FLOAT: return "float";
	case H5T_STRING: return "string";
	case H5T_BITFIELD: return "bitfield";
	case H5T_OPAQUE: return "opaque";
	case H5T_COMPOUND: return "compound";
	case H5T_REFERENCE: return "reference";
	case H5T_ENUM: return "enum";
	case H5T_VLEN: return "variable-length";
	case H5T_ARRAY: return "array";
	default: return "unknown";
	}
}

int gx_h5_dset_numeric(const gx_h5 *h, gx_h5_dset *d, gx_err *err)
{
	if (d->cls == H5T_INTEGER) {
		static const gx_h5_num s[] = { GX_H5_I8, GX_H5_I16, GX_H5_I32, GX_H5_I64 };
		static const gx_h5_num u[] = { GX_H5_U8, GX_H5_U16, GX_H5_U32, GX_H5_U64 };
		int k = d->size == 1 ? 0 : d->size == 2 ? 1 : d->size <= 4 ? 2 : 3;
		if (d->size > 8)
			k = 3; /* libhdf5 converts (and clips) wider integers */
		d->num = d->is_signed ? s[k] : u[k];
		return 0;
	}
	if (d->cls == H5T_FLOAT) {
		d->num = d->size == 4 ? GX_H5_F32 : GX_H5_F64;
		return 0;
	}
	return gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' holds %s values, expected numbers",
	                 d->path, class_name(d->cls));
}

size_t gx_h5_num_size(gx_h5_num num)
{
	switch (num) {
	case GX_H5_I8: case GX_H5_U8: return 1;
	case GX_H5_I16: case GX_H5_U16: return 2;
	case GX_H5_I32: case GX_H5_U32: case GX_H5_F32: return 4;
	default: return 8;
	}
}

static hid_t num_memtype(gx_h5_num num)
{
	switch (num) {
	case GX_H5_I8: return H5T_NATIVE_INT8;
	case GX_H5_I16: return H5T_NATIVE_INT16;
	case GX_H5_I32: return H5T_NATIVE_INT32;
	case GX_H5_I64: return H5T_NATIVE_INT64;
	case GX_H5_U8: return H5T_NATIVE_UINT8;
	case GX_H5_U16: return H5T_NATIVE_UINT16;
	case GX_H5_U32: return H5T_NATIVE_UINT32;
	case GX_H5_U64: return H5T_NATIVE_UINT64;
	case GX_H5_F32: return H5T_NATIVE_FLOAT;
	default: return H5T_NATIVE_DOUBLE;
	}
}

static int select_slab(const gx_h5 *h, gx_h5_dset *d, const hsize_t *start,
                       const hsize_t *count, hid_t *mspace, gx_err *err)
{
	hsize_t n = count[0] * (d->rank >= 2 ? count[1] : 1);

	if (H5Sselect_hyperslab(d->space, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
		return gx_h5_fail(h, err, "dataset '%s': cannot select elements", d->path);
	*mspace = H5Screate_simple(1, &n, NULL);
	if (*mspace < 0)
		return gx_h5_fail(h, err, "dataset '%s': cannot select elements", d->path);
	return 0;
}

/* 2^53: every integer up to this magnitude is a double exactly */
#define EXACT_INT 9007199254740992.0

static int inexact(const gx_h5 *h, const gx_h5_dset *d, const hsize_t *start,
                   const hsize_t *count, size_t i, const char *val, gx_err *err)
{
	if (d->rank >= 2)
		return gx_h5_err(h, err, GX_E_NOT_FINITE,
		                 "dataset '%s', row %llu, column %llu: integer %s is too large to be "
		                 "held exactly as a double", d->path,
		                 (unsigned long long)(start[0] + i / count[1]),
		                 (unsigned long long)(start[1] + i % count[1]), val);
	return gx_h5_err(h, err, GX_E_NOT_FINITE,
	                 "dataset '%s', element %llu: integer %s is too large to be held exactly "
	                 "as a double", d->path, (unsigned long long)(start[0] + i), val);
}

int gx_h5_read_f64(const gx_h5 *h, gx_h5_dset *d, const hsize_t *start,
                   const hsize_t *count, double *out, void *scratch, gx_err *err)
{
	hid_t ms = H5I_INVALID_HID;
	size_t i, n = (size_t)(count[0] * (d->rank >= 2 ? count[1] : 1));
	void *dst = d->num == GX_H5_F64 ? (void *)out : scratch;
	int rc;

	if ((rc = select_slab(h, d, start, count, &ms, err)))
		return rc;
	if (H5Dread(d->id, num_memtype(d->num), ms, d->space, H5P_DEFAULT, dst) < 0) {
		rc = gx_h5_fail(h, err, "cannot read dataset '%s'", d->path);
		H5Sclose(ms);
		return rc;
	}
	H5Sclose(ms);
	switch (d->num) {
	case GX_H5_I8: { const int8_t *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_I16: { const int16_t *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_I32: { const int32_t *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_U8: { const uint8_t *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_U16: { const uint16_t *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_U32: { const uint32_t *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_F32: { const float *s = scratch; for (i = 0; i < n; i++) out[i] = s[i]; break; }
	case GX_H5_I64: {
		const int64_t *s = scratch;
		for (i = 0; i < n; i++) {
			out[i] = (double)s[i];
			if (out[i] > EXACT_INT || out[i] < -EXACT_INT) {
				char v[32];
				snprintf(v, sizeof(v), "%lld", (long long)s[i]);
				return inexact(h, d, start, count, i, v, err);
			}
		}
		break;
	}
	case GX_H5_U64: {
		const uint64_t *s = scratch;
		for (i = 0; i < n; i++) {
			out[i] = (double)s[i];
			if (out[i] > EXACT_INT) {
				char v[32];
				snprintf(v, sizeof(v), "%llu", (unsigned long long)s[i]);
				return inexact(h, d, start, count, i, v, err);
			}
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

int gx_h5_read_i64(const gx_h5 *h, gx_h5_dset *d, hsize_t start, hsize_t count,
                   int64_t *out, gx_err *err)
{
	hid_t ms = H5I_INVALID_HID;
	int rc;

	if (d->cls != H5T_INTEGER)
		return gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' holds %s values, expected integers",
		                 d->path, class_name(d->cls));
	if ((rc = select_slab(h, d, &start, &count, &ms, err)))
		return rc;
	if (H5Dread(d->id, H5T_NATIVE_INT64, ms, d->space, H5P_DEFAULT, out) < 0) {
		rc = gx_h5_fail(h, err, "cannot read dataset '%s'", d->path);
		H5Sclose(ms);
		return rc;
	}
	H5Sclose(ms);
	return 0;
}

/* ---- columns ---- */

int gx_h5_column_len(const gx_h5 *h, const char *path, size_t *n, gx_err *err)
{
	gx_h5_dset d;
	int rc, ok;

	(void)err;
	*n = 0;
	if (gx_h5_kind_of(h, path) != GX_H5_DATASET)
		return 0;
	rc = gx_h5_dset_open(h, path, 1, 2, 0, &d, NULL);
	if (rc) {
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	ok = d.rank == 1 || d.dims[1] == 1;
	if (ok)
		*n = (size_t)d.dims[0];
	gx_h5_dset_close(&d);
	return ok;
}

int gx_h5_fields(gx_h5 *h, const char *path, char ***out, size_t *n, gx_err *err)
{
	gx_h5_dset d;
	char **res = NULL;
	int rc, nm, i;

	*out = NULL;
	*n = 0;
	if ((rc = gx_h5_dset_open(h, path, 0, 2, 0, &d, err)))
		return rc;
	if (d.cls != H5T_COMPOUND || (nm = H5Tget_nmembers(d.type)) < 0) {
		rc = gx_h5_err(h, err, GX_E_HDF5, "dataset '%s' is not a compound dataset", path);
		goto out;
	}
	if (!(res = gx_calloc((size_t)nm + 1, sizeof(*res)))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nm; i++) {
		char *name = H5Tget_member_name(d.type, (unsigned)i);
		res[i] = name ? gx_h5_pool_strndup(&h->pool, name, strlen(name)) : NULL;
		H5free_memory(name);
		if (!res[i]) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = res;
	*n = (size_t)nm;
	res = NULL;
out:
	gx_free(res);
	gx_h5_dset_close(&d);
	return rc;
}
