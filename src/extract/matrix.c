/*
 * matrix.c - format detection and dispatch for expression-matrix readers.
 *
 * Readers are tried in the order of 'readers' below; the first whose probe says yes
 * opens the file.  Probes look at content (the HDF5 signature and object layout), never
 * at the file name.  TSV is the fallback for any file that is not HDF5.
 */
#include "extract/matrix.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const gx_matrix_reader *const readers[] = {
	&gx_matrix_hdf5_reader, /* probe: the HDF5 signature; layouts are told apart inside */
	&gx_matrix_tsv_reader,  /* probe: not HDF5 */
};

#define NREADERS (sizeof(readers) / sizeof(readers[0]))

int gx_matrix_is_hdf5(const char *path)
{
	static const unsigned char sig[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
	unsigned char buf[8];
	struct stat st;
	off_t off;
	int fd, found = 0;

	/* O_NONBLOCK: a FIFO must not block the probe; only regular files are read */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	/* the superblock sits at 0 or after a user block of 512, 1024, 2048, ... bytes */
	for (off = 0; off <= (off_t)1 << 30; off = off ? off * 2 : 512) {
		if (pread(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf))
			break;
		if (!memcmp(buf, sig, sizeof(sig))) {
			found = 1;
			break;
		}
	}
	close(fd);
	return found;
}

/* a matrix with its path and options (defaults filled in), no reader yet */
static gx_matrix *matrix_new(const char *path, const gx_matrix_opts *opts)
{
	gx_matrix *m = gx_calloc(1, sizeof(*m));

	if (!m || !(m->path = gx_strdup(path))) {
		gx_free(m);
		return NULL;
	}
	if (opts)
		m->opts = *opts;
	if (!m->opts.max_field_bytes)
		m->opts.max_field_bytes = 1u << 20;
	return m;
}

static void matrix_fail(gx_matrix *m)
{
	if (m->reader && m->impl)
		m->reader->close(m);
	gx_free(m->path);
	gx_free(m);
}

int gx_matrix_open(const char *path, const gx_matrix_opts *opts, gx_matrix **out, gx_err *err)
{
	gx_matrix *m;
	size_t i;
	int rc;

	*out = NULL;
	if (access(path, R_OK) < 0)
		return gx_err_at(err, errno == ENOENT ? GX_E_NO_FILE : GX_E_IO, path, 0, 0,
		                 "cannot open: %s", strerror(errno));
	if (!(m = matrix_new(path, opts)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < NREADERS; i++) {
		rc = readers[i]->probe(path, err);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			continue;
		m->reader = readers[i];
		rc = m->reader->open(m, path, &m->opts, err);
		if (rc)
			goto fail;
		*out = m;
		return 0;
	}
	rc = gx_err_at(err, GX_E_HDF5, path, 0, 0, "no reader recognizes this file's layout");
fail:
	matrix_fail(m);
	return rc;
}

int gx_matrix_open_with(const gx_matrix_reader *r, const char *path,
                        const gx_matrix_opts *opts,
                        int (*open)(gx_matrix *m, void *ctx, gx_err *err), void *ctx,
                        gx_matrix **out, gx_err *err)
{
	gx_matrix *m;
	int rc;

	*out = NULL;
	if (!(m = matrix_new(path, opts)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	m->reader = r;
	rc = open ? open(m, ctx, err) : r->open(m, path, &m->opts, err);
	if (rc) {
		matrix_fail(m);
		return rc;
	}
	*out = m;
	return 0;
}

const gx_matrix_info *gx_matrix_info_of(const gx_matrix *m)
{
	return &m->info;
}

int gx_matrix_scan(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
                   gx_err *err)
{
	return m->reader->scan(m, want, fn, ctx, err);
}

int gx_matrix_genes(gx_matrix *m, gx_genes_fn fn, void *ctx, gx_err *err)
{
	if (!m->reader->genes)
		return GX_MATRIX_NO_GENES;
	return m->reader->genes(m, fn, ctx, err);
}

void gx_matrix_close(gx_matrix *m)
{
	if (!m)
		return;
	if (m->reader)
		m->reader->close(m);
	gx_free(m->path);
	gx_free(m);
}
