/*
 * study.c - locate a study's files and hash them (see study.h).
 */
#include "extract/study.h"
#include "extract/matrix.h"
#include "core/buf.h"
#include "core/mem.h"

#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int gx_accession_valid(const char *acc)
{
	size_t i;

	if (!acc || !acc[0] || strlen(acc) > 64 || strstr(acc, ".."))
		return 0;
	if (!((acc[0] >= 'A' && acc[0] <= 'Z') || (acc[0] >= 'a' && acc[0] <= 'z') ||
	      (acc[0] >= '0' && acc[0] <= '9')))
		return 0;
	for (i = 1; acc[i]; i++) {
		char c = acc[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int gx_accession_check(const char *acc, gx_err *err)
{
	if (gx_accession_valid(acc))
		return 0;
	return gx_err_set(err, GX_E_ACCESSION,
	                  "invalid accession '%.80s': use letters, digits, '.', '_' and '-'", acc);
}

void gx_study_files_free(gx_study_files *sf)
{
	size_t i;

	if (!sf)
		return;
	for (i = 0; i < sf->n; i++) {
		gx_free(sf->files[i].path);
		gx_free(sf->files[i].name);
	}
	gx_free(sf->files);
	gx_free(sf->accession);
	gx_free(sf->dir);
	gx_free(sf);
}

static int add_file(gx_study_files *sf, const char *dir, const char *name, const char *role,
                    const char *format, gx_err *err)
{
	gx_study_file *f = gx_reallocarray(sf->files, sf->n + 1, sizeof(*f));
	gx_buf p = { 0 };
	struct stat st;

	if (!f)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	sf->files = f;
	f = &sf->files[sf->n];
	memset(f, 0, sizeof(*f));
	if (dir)
		gx_buf_printf(&p, "%s/%s", dir, name);
	else
		gx_buf_puts(&p, name);
	f->path = gx_buf_steal(&p);
	{
		const char *slash = strrchr(name, '/');
		f->name = gx_strdup(slash ? slash + 1 : name);
	}
	if (!f->path || !f->name) {
		gx_free(f->path);
		gx_free(f->name);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	f->role = role;
	f->format = format;
	sf->n++;
	if (stat(f->path, &st) < 0)
		return gx_err_at(err, errno == ENOENT ? GX_E_NO_FILE : GX_E_IO, f->path, 0, 0,
		                 "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return gx_err_at(err, GX_E_NO_FILE, f->path, 0, 0, "not a regular file");
	if (st.st_size == 0)
		return gx_err_at(err, GX_E_EMPTY, f->path, 0, 0, "file is empty");
	f->size = (uint64_t)st.st_size;
	f->mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
	return 0;
}

static int exists(const char *dir, const char *name)
{
	char p[2048];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_file(const void *a, const void *b)
{
	const gx_study_file *x = a, *y = b;
	int c = strcmp(x->role, y->role);
	return c ? c : strcmp(x->name, y->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gx_study_resolve(const char *data_root, const char *acc, gx_study_files **out,
                     gx_err *err)
{
	gx_study_files *sf;
	gx_buf dir = { 0 }, name = { 0 };
	struct stat st;
	DIR *d = NULL;
	struct dirent *e;
	char **h5 = NULL;
	size_t nh5 = 0, i;
	int rc = 0, have_tsv;

	*out = NULL;
	if ((rc = gx_accession_check(acc, err)))
		return rc;
	sf = gx_calloc(1, sizeof(*sf));
	if (!sf)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	gx_buf_printf(&dir, "%s/%s", data_root, acc);
	sf->dir = gx_buf_steal(&dir);
	sf->accession = gx_strdup(acc);
	if (!sf->dir || !sf->accession) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	if (stat(sf->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = gx_err_set(err, GX_E_NO_STUDY, "unknown accession '%s': no directory '%s'", acc,
		                sf->dir);
		goto out;
	}
	/* HDF5 matrices: any regular file whose bytes start with the HDF5 signature */
	d = opendir(sf->dir);
	if (!d) {
		rc = gx_err_set(err, GX_E_IO, "cannot read directory '%s': %s", sf->dir,
		                strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		char **nh;
		gx_buf_reset(&name);
		if (e->d_name[0] == '.')
			continue;
		gx_buf_printf(&name, "%s/%s", sf->dir, e->d_name);
		if (stat(name.data, &st) < 0 || !S_ISREG(st.st_mode) || !gx_matrix_is_hdf5(name.data))
			continue;
		nh = gx_reallocarray(h5, nh5 + 1, sizeof(*nh));
		if (!nh || !(nh[nh5] = gx_strdup(e->d_name))) {
			h5 = nh ? nh : h5;
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		h5 = nh;
		nh5++;
	}
	if (nh5)
		qsort(h5, nh5, sizeof(*h5), cmp_str);

	gx_buf_reset(&name);
	gx_buf_printf(&name, "%s.tsv", acc);
	have_tsv = exists(sf->dir, name.data);
	if (have_tsv && (rc = add_file(sf, sf->dir, name.data, "matrix", "tsv", err)))
		goto out;
	for (i = 0; i < nh5; i++)
		if ((rc = add_file(sf, sf->dir, h5[i], "matrix", "hdf5", err)))
			goto out;
	if (!have_tsv && nh5 == 0) {
		rc = gx_err_at(err, GX_E_NO_FILE, sf->dir, 0, 0,
		               "study '%s' has no expression matrix: expected '%s.tsv' or an HDF5 "
		               "file", acc, acc);
		goto out;
	}
	gx_buf_reset(&name);
	gx_buf_printf(&name, "metadata_%s.tsv", acc);
	if (!exists(sf->dir, name.data)) {
		gx_buf_reset(&name);
		gx_buf_printf(&name, "%s_metadata.tsv", acc);
	}
	if (exists(sf->dir, name.data)) {
		if ((rc = add_file(sf, sf->dir, name.data, "metadata", "tsv", err)))
			goto out;
	} else if (have_tsv) {
		rc = gx_err_at(err, GX_E_NO_FILE, sf->dir, 0, 0,
		               "study '%s' has no sample metadata: expected 'metadata_%s.tsv'", acc,
		               acc);
		goto out;
	}
	if (exists(sf->dir, "aggregated_metadata.json") &&
	    (rc = add_file(sf, sf->dir, "aggregated_metadata.json", "aggregated_metadata", "json",
	                   err)))
		goto out;
	qsort(sf->files, sf->n, sizeof(*sf->files), cmp_file);
out:
	if (d)
		closedir(d);
	for (i = 0; i < nh5; i++)
		gx_free(h5[i]);
	gx_free(h5);
	gx_buf_release(&name);
	if (rc) {
		gx_study_files_free(sf);
		return rc;
	}
	*out = sf;
	return 0;
}

int gx_study_from_file(const char *path, const char *acc, gx_study_files **out, gx_err *err)
{
	gx_study_files *sf;
	int rc;

	*out = NULL;
	if ((rc = gx_accession_check(acc, err)))
		return rc;
	sf = gx_calloc(1, sizeof(*sf));
	if (!sf || !(sf->accession = gx_strdup(acc)) || !(sf->dir = gx_strdup("."))) {
		gx_study_files_free(sf);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	rc = add_file(sf, NULL, path, "matrix", gx_matrix_is_hdf5(path) ? "hdf5" : "tsv", err);
	if (rc) {
		gx_study_files_free(sf);
		return rc;
	}
	*out = sf;
	return 0;
}

int gx_study_hash(gx_study_files *sf, gx_err *err)
{
	size_t i;

	for (i = 0; i < sf->n; i++) {
		gx_hash128 h;
		uint64_t size;
		int rc = gx_hash_file(sf->files[i].path, &h, &size, err);
		if (rc)
			return rc;
		gx_hash128_hex(h, sf->files[i].hash);
		sf->files[i].size = size;
	}
	return 0;
}

const gx_study_file *gx_study_find(const gx_study_files *sf, const char *role)
{
	size_t i;

	for (i = 0; i < sf->n; i++)
		if (!strcmp(sf->files[i].role, role))
			return &sf->files[i];
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gx_study_list_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		gx_free(names[i]);
	gx_free(names);
}

int gx_study_list(const char *data_root, char ***out, size_t *n, gx_err *err)
{
	DIR *d = opendir(data_root);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return gx_err_set(err, errno == ENOENT || errno == ENOTDIR ? GX_E_CONFIG : GX_E_IO,
		                  "cannot read the data root '%s': %s", data_root, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		gx_buf path = { 0 };
		struct stat st;
		int is_dir;
		/* hidden entries and names no accession can have are not studies */
		if (!gx_accession_valid(de->d_name))
			continue;
		if (gx_buf_printf(&path, "%s/%s", data_root, de->d_name) < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
		is_dir = stat(path.data, &st) == 0 && S_ISDIR(st.st_mode);
		gx_buf_release(&path);
		if (!is_dir)
			continue;
		if (*n == cap) {
			char **nn = gx_reallocarray(names, cap ? cap * 2 : 16, sizeof(*names));
			if (!nn) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		if (!(names[*n] = gx_strdup(de->d_name))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (rc) {
		gx_study_list_free(names, *n);
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	*out = names;
	return 0;
}
