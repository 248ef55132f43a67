/*
 * h5_child.c - the HDF5 reader process (see h5_proc.c for the design, h5_proc.h for the
 * protocol): after fork, it drops what it inherited from gxload (descriptors, signal
 * handlers, the allocation-failure countdown), limits its memory, opens the file with
 * the in-process reader (matrix_h5.c), describes what it found, then serves scans,
 * copying each batch of cells into a free shared slot.  It exits when gxload closes its
 * request pipe or dies; it never returns into gxload's code.
 */
#include "extract/h5_proc.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/testhook.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#if defined(__SANITIZE_ADDRESS__)
#define GX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GX_SANITIZED 1
#endif
#endif
#ifdef GX_SANITIZED
#include <sanitizer/lsan_interface.h>
#endif

/* the child's message under construction: appends that fail set 'oom' */
typedef struct wbuf {
	gx_buf b;
	int oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
	if (gx_buf_append(&w->b, p, n) < 0)
		w->oom = 1;
}

static void put_u32(wbuf *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_u64(wbuf *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

/* a string: u32 length (UINT32_MAX: NULL), its bytes, a NUL */
static void put_str(wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(w, s ? (uint32_t)n : UINT32_MAX);
	if (s)
		put(w, s, n + 1);
}

typedef struct child {
	gx_matrix *m;
	shared *shm;
	int free_slot[NSLOTS];
	wbuf out;                /* message being built */
	uint64_t n_batches;      /* gene batches of the open's genes() */
	/* the open's gene table, when genes() gave it in one batch */
	const char *const *open_ids;
	const char *const *open_syms;
	size_t open_n;
	/* the table last sent with MSG_GENES */
	const char *const *sent_ids;
	const char *const *sent_syms;
	size_t sent_n;
	int sent;
} child;

__attribute__((noreturn)) static void child_exit(int code)
{
	_exit(code);
}

static void child_send(child *c, const msg_hdr *h, const void *payload, size_t len)
{
	msg_hdr hh = *h;

	hh.len = len;
	if (write_all(CHILD_MSG_FD, &hh, sizeof(hh)) || (len && write_all(CHILD_MSG_FD, payload, len)))
		child_exit(0); /* the parent is gone */
	(void)c;
}

static void child_end(child *c, int rc, const gx_err *err)
{
	msg_hdr h;
	gx_err e;

	memset(&h, 0, sizeof(h));
	h.type = MSG_END;
	h.a = (uint64_t)(int64_t)rc;
	if (err)
		e = *err;
	else
		gx_err_clear(&e);
	child_send(c, &h, &e, sizeof(e));
}

/* the next request; 0 at EOF (the parent closed or died) */
static int child_request(cmd_hdr *cmd)
{
	int r = read_all(CHILD_CMD_FD, cmd, sizeof(*cmd));

	if (r < 0)
		child_exit(3);
	return r;
}

static int collect_genes(void *ctx, size_t n, const char *const *ids,
                         const char *const *symbols, gx_err *err)
{
	child *c = ctx;
	size_t i;

	(void)err;
	/* one batch: scan batches name slices of it; several: every scan batch sends its table */
	c->open_ids = c->n_batches++ ? NULL : ids;
	c->open_syms = symbols;
	c->open_n = n;
	put_u64(&c->out, n);
	put_u32(&c->out, symbols != NULL);
	for (i = 0; i < n; i++)
		put_str(&c->out, ids[i]);
	for (i = 0; symbols && i < n; i++)
		put_str(&c->out, symbols[i]);
	return 0;
}

/* MSG_INFO: what the open found; every count before what it counts, the gene batches
 * last (their count is written once they are known) */
static int child_info(child *c, gx_err *err)
{
	const gx_matrix_info *in = gx_matrix_info_of(c->m);
	size_t i, nv = in->n_samples * in->attrs.n_attrs;
	gx_buf tail;
	msg_hdr h;
	int rc;

	gx_buf_reset(&c->out.b);
	c->out.oom = 0;
	put_str(&c->out, in->format);
	put_u64(&c->out, (uint64_t)(int64_t)in->n_genes);
	put_u32(&c->out, (uint32_t)in->sparse);
	put_u64(&c->out, in->n_samples);
	for (i = 0; i < in->n_samples; i++)
		put_str(&c->out, in->sample_ids[i]);
	put_u64(&c->out, in->attrs.n_attrs);
	for (i = 0; i < in->attrs.n_attrs; i++)
		put_str(&c->out, in->attrs.names[i]);
	for (i = 0; i < nv; i++)
		put_str(&c->out, in->attrs.values[i]);
	/* the gene batches go to a buffer of their own, behind their count */
	tail = c->out.b;
	memset(&c->out.b, 0, sizeof(c->out.b));
	c->n_batches = 0;
	rc = gx_matrix_genes(c->m, collect_genes, c, err);
	if (rc < 0) {
		gx_buf_release(&tail);
		return rc;
	}
	{
		gx_buf genes = c->out.b;
		c->out.b = tail;
		put_u64(&c->out, c->n_batches);
		put(&c->out, genes.data ? genes.data : "", genes.len);
		gx_buf_release(&genes);
	}
	if (c->out.oom)
		return gx_err_at(err, GX_E_NOMEM, c->m->path, 0, 0, "out of memory");
	memset(&h, 0, sizeof(h));
	h.type = MSG_INFO;
	child_send(c, &h, c->out.b.data, c->out.b.len);
	return 0;
}

/* a free slot (waiting for the parent to hand one back) */
static int child_slot(child *c)
{
	cmd_hdr cmd;
	int i;

	for (;;) {
		for (i = 0; i < NSLOTS; i++)
			if (c->free_slot[i])
				return i;
		if (!child_request(&cmd))
			child_exit(0);
		if (cmd.type != CMD_FREE || cmd.slot >= NSLOTS)
			child_exit(3);
		c->free_slot[cmd.slot] = 1;
	}
}

/* how the batch's gene table is named to the parent: flags and offset; -1 when out of
 * memory */
static int child_table(child *c, const gx_cells *cl, uint32_t *flags, uint64_t *off)
{
	msg_hdr h;
	size_t i;

	if (c->open_ids && cl->gene_ids >= c->open_ids &&
	    cl->gene_ids + cl->n_genes <= c->open_ids + c->open_n) {
		size_t o = (size_t)(cl->gene_ids - c->open_ids);
		if (cl->gene_symbols == (c->open_syms ? c->open_syms + o : NULL)) {
			*flags |= B_OPENTAB;
			*off = o;
			return 0;
		}
	}
	*off = 0;
	if (c->sent && cl->genes_unchanged && cl->gene_ids == c->sent_ids &&
	    cl->gene_symbols == c->sent_syms && cl->n_genes == c->sent_n)
		return 0;
	gx_buf_reset(&c->out.b);
	c->out.oom = 0;
	for (i = 0; i < cl->n_genes; i++)
		put_str(&c->out, cl->gene_ids[i]);
	for (i = 0; cl->gene_symbols && i < cl->n_genes; i++)
		put_str(&c->out, cl->gene_symbols[i]);
	if (c->out.oom)
		return -1;
	memset(&h, 0, sizeof(h));
	h.type = MSG_GENES;
	h.a = cl->n_genes;
	h.flags = cl->gene_symbols != NULL;
	child_send(c, &h, c->out.b.data, c->out.b.len);
	c->sent = 1;
	c->sent_ids = cl->gene_ids;
	c->sent_syms = cl->gene_symbols;
	c->sent_n = cl->n_genes;
	return 0;
}

/* cells [i0, i0 + n) of an indexed batch, or rows [r0, r0 + rows) of a dense one, into a
 * slot; the message tells the parent */
static void child_piece(child *c, const gx_cells *cl, size_t i0, size_t n, uint32_t flags,
                        uint64_t goff, size_t n_genes, uint64_t row0)
{
	int k = child_slot(c);
	slot *s = &c->shm->slots[k];
	msg_hdr h;

	if (!(flags & B_DENSE)) {
		memcpy(s->gene, cl->gene + i0, n * sizeof(*s->gene));
		memcpy(s->sample, cl->sample + i0, n * sizeof(*s->sample));
	}
	memcpy(s->value, cl->value + i0, n * sizeof(*s->value));
	if (cl->missing) {
		memcpy(s->missing, cl->missing + i0, n);
		flags |= B_MISSING;
	}
	c->free_slot[k] = 0;
	memset(&h, 0, sizeof(h));
	h.type = MSG_BATCH;
	h.slot = (uint32_t)k;
	h.flags = flags;
	h.a = n;
	h.b = n_genes;
	h.c = goff;
	h.row0 = row0;
	child_send(c, &h, NULL, 0);
}

static int child_cells(void *ctx, const gx_cells *cl, gx_err *err)
{
	child *c = ctx;
	uint32_t flags = 0;
	uint64_t goff;
	size_t i0;

	if (cl->n == 0)
		return 0;
	gx_test_point("h5_batch");
	if (child_table(c, cl, &flags, &goff) < 0)
		return gx_err_at(err, GX_E_NOMEM, c->m->path, 0, 0, "out of memory");
	if (cl->gene) {
		for (i0 = 0; i0 < cl->n; i0 += SLOT_CELLS)
			child_piece(c, cl, i0, cl->n - i0 < SLOT_CELLS ? cl->n - i0 : SLOT_CELLS, flags,
			            goff, cl->n_genes, cl->gene_row0);
		return 0;
	}
	/* dense: whole rows per slot (a batch is at most one slot as the engines make them;
	 * a larger one is split by rows, and rows longer than a slot are not made) */
	{
		size_t ns = cl->n_genes ? cl->n / cl->n_genes : 0, per, r;
		if (!ns || ns > SLOT_CELLS)
			child_exit(5);
		per = SLOT_CELLS / ns;
		for (r = 0; r < cl->n_genes; r += per) {
			size_t rows = cl->n_genes - r < per ? cl->n_genes - r : per;
			child_piece(c, cl, r * ns, rows * ns, flags | B_DENSE, goff + r, rows,
			            cl->gene_row0 + r);
		}
	}
	return 0;
}

static void child_progress(void *ctx, uint64_t done, uint64_t total)
{
	child *c = ctx;
	msg_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = MSG_PROGRESS;
	h.a = done;
	h.b = total;
	child_send(c, &h, NULL, 0);
}

/* the memory limit of the reader process (see the file comment) */
static void child_limit(const char *path)
{
#ifndef GX_SANITIZED
	struct rlimit rl;
	struct stat st;
	rlim_t want = (rlim_t)2 << 30;

	if (stat(path, &st) == 0 && st.st_size > 0)
		want += (rlim_t)st.st_size * 64;
	if (getrlimit(RLIMIT_DATA, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > want)) {
		rl.rlim_cur = want;
		setrlimit(RLIMIT_DATA, &rl);
	}
#else
	(void)path;
#endif
}

void gx_h5_child_main(const char *path, const gx_matrix_opts *opts, int cmd_fd, int msg_fd,
                       shared *shm, pid_t parent)
{
	gx_matrix_opts o = *opts;
	child c;
	cmd_hdr cmd;
	gx_err err;
	unsigned char *want = NULL;
	int rc, i;

	/* descriptors: the two pipes at known numbers, stdin/out/err, nothing else (the
	 * parent's database connections and lock files are not the child's to hold) */
	if ((cmd_fd = fcntl(cmd_fd, F_DUPFD, 100)) < 0 || (msg_fd = fcntl(msg_fd, F_DUPFD, 100)) < 0 ||
	    dup2(cmd_fd, CHILD_CMD_FD) < 0 || dup2(msg_fd, CHILD_MSG_FD) < 0)
		child_exit(6);
	closefrom(CHILD_MSG_FD + 1);
	/* stdin and stdout are gxload's; stderr stays (a sanitizer reports there) */
	if ((i = open("/dev/null", O_RDWR)) >= 0) {
		dup2(i, 0);
		dup2(i, 1);
		if (i > 2)
			close(i);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		child_exit(0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	gx_mem_fail_after(-1, 0); /* the parent's allocation-failure tests count its own */
	child_limit(path);
	gx_h5_where_buffer(shm->where, sizeof(shm->where));

	memset(&c, 0, sizeof(c));
	c.shm = shm;
	for (i = 0; i < NSLOTS; i++)
		c.free_slot[i] = 1;
	o.progress = opts->progress ? child_progress : NULL;
	o.progress_ctx = &c;
	gx_err_clear(&err);
	rc = gx_matrix_open_with(&gx_h5_inproc_reader, path, &o, NULL, NULL, &c.m, &err);
	if (rc == 0)
		rc = child_info(&c, &err);
	child_end(&c, rc, &err);
	if (rc)
		child_exit(0);
	want = gx_malloc(gx_matrix_info_of(c.m)->n_samples + 1);
	while (child_request(&cmd)) {
		if (cmd.type == CMD_FREE && cmd.slot < NSLOTS) {
			c.free_slot[cmd.slot] = 1;
			continue;
		}
		if (cmd.type != CMD_SCAN || (cmd.len && (!want || cmd.len != gx_matrix_info_of(c.m)->n_samples)))
			child_exit(3);
		if (cmd.len && read_all(CHILD_CMD_FD, want, cmd.len) != 1)
			child_exit(0);
		gx_err_clear(&err);
		c.sent = 0;
		rc = gx_matrix_scan(c.m, cmd.len ? want : NULL, child_cells, &c, &err);
		child_end(&c, rc, &err);
	}
	/* the parent closed: free everything (a sanitizer build checks for leaks here) */
	gx_free(want);
	gx_matrix_close(c.m);
	gx_buf_release(&c.out.b);
	gx_h5_where_buffer(NULL, 0);
#ifdef GX_SANITIZED
	__lsan_do_leak_check();
#endif
	child_exit(0);
}
