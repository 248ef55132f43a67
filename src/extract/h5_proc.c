/*
 * h5_proc.c - the HDF5 matrix reader gxload uses: each HDF5 file is opened and read by a
 * reader process of its own, so that a crash inside libhdf5 on a damaged file becomes an
 * error of the run (GX_E_HDF5, exit 65, naming the file and the last dataset opened)
 * instead of the end of gxload.
 *
 * The parent (gxload) never calls libhdf5.  At open it forks a child that runs the
 * in-process reader (matrix_h5.c: detection, layouts, engines) on the file and sends back
 * what the open found (format, sample ids, attributes, the gene table); the parent keeps
 * a copy and serves gx_matrix_info and gx_matrix_genes from it.  A scan is a request:
 * the child streams the cells in batches through two slots of memory shared with the
 * parent (written by the child, read by the parent's callback in place, handed back
 * slot by slot), so the child reads and decompresses the next batch while the callback
 * works on the current one.  Small messages (batch ready, progress, gene tables that are
 * not slices of the open's table, the scan's result with its gx_err) go through a pipe;
 * requests (scan with its 'want' flags, slot free) through another.
 *
 * The child: has only its pipes and stderr open (every other descriptor of gxload -
 * database connections, lock files - is closed at once), ignores SIGINT and SIGTERM (the
 * parent handles them and kills the child), dies with the parent (PR_SET_PDEATHSIG, and
 * EOF on its request pipe), never runs gxload's exit handlers (_exit), and gets a memory
 * limit (RLIMIT_DATA: 2 GiB plus 64 bytes per byte of the file; not in sanitizer
 * builds): the file's claims are checked before anything is allocated for them (h5.h,
 * gx_h5_dset_stored), and the limit turns whatever libhdf5 itself allocates for a
 * damaged file into an error rather than a machine out of memory.  It passes the path
 * of every object it opens to the parent through the shared memory (gx_h5_where), so a
 * crash can be located.
 *
 * The parent: a child that dies by a signal (SIGSEGV, SIGBUS, SIGABRT under a sanitizer,
 * ...) is GX_E_HDF5 "the HDF5 library crashed on this file"; one killed from outside
 * (SIGKILL: out of memory, or an operator) is GX_E_IO.  A callback that stops a scan, or
 * SIGINT/SIGTERM while the parent waits (polled every 100 ms), kill the child; the next
 * request starts a new one (and checks that it found the same matrix).  A child that
 * sends nothing for opts.h5_idle_s seconds while the parent waits (libhdf5 loops forever
 * on some damaged files) is killed too: GX_E_HDF5 naming the file.  Memory: the
 * open's tables (as in the in-process reader) plus two slots of 64 Ki cells (2.1 MiB)
 * in the parent; the child holds libhdf5's buffers and its own copy of the tables.
 *
 * Here: the parent's side.  The child's is h5_child.c, the protocol h5_proc.h.
 * Not here: anything about HDF5 files (matrix_h5.c and below).
 */
#include "extract/h5_proc.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* a gene table as sent: n ids and, when has_symbols, n symbols */
typedef struct gene_tab {
	size_t n;
	char **ids;
	char **symbols;
} gene_tab;

typedef struct h5proc {
	pid_t pid;              /* 0: no child (not started yet, or killed) */
	int cmd_fd, msg_fd;
	shared *shm;
	/* what the open found (pointers into info_buf) */
	char *info_buf;
	size_t info_len;
	char **sample_ids;
	char **attr_names;
	char **attr_values;
	gene_tab *gene_batches; /* as the reader's genes() gave them */
	size_t n_gene_batches;
	/* the last gene table sent with MSG_GENES */
	char *tab_buf;
	gene_tab tab;
	uint64_t tab_gen;
} h5proc;

/* ---- the parent ---- */

/* kill the child (if any) and wait for it */
static void proc_kill(h5proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	p->pid = 0;
	if (p->cmd_fd >= 0)
		close(p->cmd_fd);
	if (p->msg_fd >= 0)
		close(p->msg_fd);
	p->cmd_fd = p->msg_fd = -1;
}

/* The child ended (EOF on its pipe): reap it and say how, as an error about the file. */
static int proc_died(gx_matrix *m, h5proc *p, gx_err *err)
{
	int status = 0, sig;
	char where[WHERE_MAX + 64] = "";
	pid_t r;

	if (p->pid > 0) {
		while ((r = waitpid(p->pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (r < 0)
			status = 0;
	}
	p->pid = 0;
	proc_kill(p);
	memcpy(where, p->shm->where, WHERE_MAX);
	where[WHERE_MAX - 1] = '\0';
	if (!WIFSIGNALED(status))
		/* a sanitizer build reports a crash and exits; so would a failing protocol */
		return gx_err_at(err, GX_E_HDF5, m->path, 0, 0,
		                 "the HDF5 reader process failed on this file (exit status %d)%s%s%s",
		                 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		                 where[0] ? " after opening '" : "", where, where[0] ? "'" : "");
	sig = WTERMSIG(status);
	if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
		return gx_err_at(err, GX_E_IO, m->path, 0, 0,
		                 "the HDF5 reader process was killed by SIG%s (out of memory, or "
		                 "killed from outside); nothing of this file was loaded",
		                 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	if (where[0])
		return gx_err_at(err, GX_E_HDF5, m->path, 0, 0,
		                 "the HDF5 library crashed on this file (SIG%s) after opening '%s': "
		                 "the file is damaged", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
		                 where);
	return gx_err_at(err, GX_E_HDF5, m->path, 0, 0,
	                 "the HDF5 library crashed on this file (SIG%s) while opening it: the "
	                 "file is damaged", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child sent nothing for 'idle' seconds: kill it; an error about the file. */
static int proc_stuck(gx_matrix *m, h5proc *p, double idle, gx_err *err)
{
	char where[WHERE_MAX + 64] = "";

	proc_kill(p);
	memcpy(where, p->shm->where, WHERE_MAX);
	where[WHERE_MAX - 1] = '\0';
	return gx_err_at(err, GX_E_HDF5, m->path, 0, 0,
	                 "the HDF5 library made no progress on this file for %.0f s "
	                 "(extract.hdf5_idle_s)%s%s%s: the file is damaged", idle,
	                 where[0] ? " after opening '" : "", where, where[0] ? "'" : "");
}

/*
 * The next message from the child: 1 and *h (payload into *pl when pl, else none is
 * allowed), or negative: the child died (proc_died), a signal arrived (the child is
 * killed), it sent nothing for opts.h5_idle_s seconds (libhdf5 loops on some damaged
 * files: the child is killed), or the payload could not be held.
 */
static int proc_recv(gx_matrix *m, h5proc *p, msg_hdr *h, gx_buf *pl, gx_err *err)
{
	double idle = m->opts.h5_idle_s ? m->opts.h5_idle_s : 300, since = now_s();
	int rc;

	for (;;) {
		struct pollfd pf = { p->msg_fd, POLLIN, 0 };
		if ((rc = gx_check_interrupt(err))) {
			proc_kill(p);
			return rc;
		}
		if (poll(&pf, 1, 100) > 0)
			break;
		/* timeout or EINTR: look at the signals and the time again */
		if (now_s() - since >= idle)
			return proc_stuck(m, p, idle, err);
	}
	rc = read_all(p->msg_fd, h, sizeof(*h));
	if (rc != 1)
		return proc_died(m, p, err);
	if (!h->len)
		return 1;
	if (!pl) {
		proc_kill(p);
		return gx_err_at(err, GX_E_INTERNAL, m->path, 0, 0,
		                 "the HDF5 reader process sent an unexpected message");
	}
	gx_buf_reset(pl);
	if (gx_buf_reserve(pl, h->len) < 0) {
		proc_kill(p);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (read_all(p->msg_fd, pl->data, h->len) != 1)
		return proc_died(m, p, err);
	pl->len = h->len;
	pl->data[pl->len] = '\0';
	return 1;
}

static int proc_send(gx_matrix *m, h5proc *p, const cmd_hdr *cmd, const void *payload,
                     gx_err *err)
{
	if (write_all(p->cmd_fd, cmd, sizeof(*cmd)) ||
	    (cmd->len && write_all(p->cmd_fd, payload, cmd->len)))
		return proc_died(m, p, err);
	return 0;
}

/* MSG_END's result: the child's error, or 0 */
static int proc_result(const msg_hdr *h, const gx_buf *pl, gx_err *err)
{
	int rc = (int)(int64_t)h->a;

	if (rc && pl->len == sizeof(gx_err) && err)
		memcpy(err, pl->data, sizeof(gx_err));
	else if (rc && pl->len != sizeof(gx_err))
		return gx_err_set(err, GX_E_INTERNAL, "the HDF5 reader process sent a bad result");
	return rc;
}

/* ---- reading what the child sent ---- */

typedef struct rd {
	char *p, *end;
	int bad;
} rd;

static uint64_t rd_u64(rd *r)
{
	uint64_t v = 0;

	if (r->end - r->p < 8) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, 8);
	r->p += 8;
	return v;
}

static uint32_t rd_u32(rd *r)
{
	uint32_t v = 0;

	if (r->end - r->p < 4) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, 4);
	r->p += 4;
	return v;
}

/* a string of put_str, in place (NUL-terminated in the buffer) */
static char *rd_str(rd *r)
{
	uint32_t n = rd_u32(r);
	char *s;

	if (r->bad || n == UINT32_MAX)
		return NULL;
	if ((size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != '\0') {
		r->bad = 1;
		return NULL;
	}
	s = r->p;
	r->p += (size_t)n + 1;
	return s;
}

/* n string pointers (gx_malloc'd array) */
static char **rd_strs(rd *r, size_t n)
{
	char **a;
	size_t i;

	if (r->bad || n > (size_t)(r->end - r->p) / 4) {
		r->bad = 1;
		return NULL;
	}
	if (!(a = gx_malloc((n ? n : 1) * sizeof(*a))))
		return NULL;
	for (i = 0; i < n; i++)
		a[i] = rd_str(r);
	return a;
}

static void tabs_free(gene_tab *t, size_t n)
{
	size_t i;

	for (i = 0; t && i < n; i++) {
		gx_free(t[i].ids);
		gx_free(t[i].symbols);
	}
	gx_free(t);
}

static void info_free(h5proc *p)
{
	gx_free(p->info_buf);
	gx_free(p->sample_ids);
	gx_free(p->attr_names);
	gx_free(p->attr_values);
	tabs_free(p->gene_batches, p->n_gene_batches);
	p->info_buf = NULL;
	p->sample_ids = p->attr_names = p->attr_values = NULL;
	p->gene_batches = NULL;
	p->n_gene_batches = 0;
}

static int nomem(gx_err *err)
{
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

/* MSG_INFO into m->info (the buffer is taken) */
static int info_take(gx_matrix *m, h5proc *p, gx_buf *pl, gx_err *err)
{
	gx_matrix_info *in = &m->info;
	rd r;
	size_t i, na, nv;
	int64_t ng;

	info_free(p);
	p->info_len = pl->len;
	p->info_buf = gx_buf_steal(pl);
	r.p = p->info_buf;
	r.end = p->info_buf + p->info_len;
	r.bad = 0;
	in->format = rd_str(&r);
	ng = (int64_t)rd_u64(&r);
	in->sparse = (int)rd_u32(&r);
	in->n_samples = (size_t)rd_u64(&r);
	if (!(p->sample_ids = rd_strs(&r, in->n_samples)) && !r.bad)
		return nomem(err);
	na = (size_t)rd_u64(&r);
	if (!(p->attr_names = rd_strs(&r, na)) && !r.bad)
		return nomem(err);
	nv = na && in->n_samples <= SIZE_MAX / na ? in->n_samples * na : 0;
	if (!(p->attr_values = rd_strs(&r, nv)) && !r.bad)
		return nomem(err);
	p->n_gene_batches = (size_t)rd_u64(&r);
	if (!r.bad && p->n_gene_batches > (size_t)(r.end - r.p) / 12)
		r.bad = 1;
	if (!r.bad && !(p->gene_batches = gx_calloc(p->n_gene_batches + 1, sizeof(gene_tab)))) {
		p->n_gene_batches = 0;
		return nomem(err);
	}
	for (i = 0; i < p->n_gene_batches && !r.bad; i++) {
		gene_tab *t = &p->gene_batches[i];
		t->n = (size_t)rd_u64(&r);
		if (rd_u32(&r)) {
			t->ids = rd_strs(&r, t->n);
			t->symbols = rd_strs(&r, t->n);
			if (!r.bad && (!t->ids || !t->symbols))
				return nomem(err);
		} else if (!(t->ids = rd_strs(&r, t->n)) && !r.bad) {
			return nomem(err);
		}
	}
	if (r.bad || !in->format)
		return gx_err_at(err, GX_E_INTERNAL, m->path, 0, 0,
		                 "the HDF5 reader process sent a malformed description");
	in->n_genes = (long)ng;
	in->sample_ids = (const char *const *)p->sample_ids;
	in->attrs.n_attrs = na;
	in->attrs.names = (const char *const *)p->attr_names;
	in->attrs.values = (const char *const *)p->attr_values;
	return 0;
}

/* MSG_GENES: the table later batches refer to */
static int tab_take(gx_matrix *m, h5proc *p, const msg_hdr *h, gx_buf *pl, gx_err *err)
{
	rd r;

	gx_free(p->tab_buf);
	gx_free(p->tab.ids);
	gx_free(p->tab.symbols);
	memset(&p->tab, 0, sizeof(p->tab));
	p->tab_gen++;
	p->tab_buf = gx_buf_steal(pl);
	r.p = p->tab_buf;
	r.end = p->tab_buf + h->len;
	r.bad = 0;
	p->tab.n = (size_t)h->a;
	if (!(p->tab.ids = rd_strs(&r, p->tab.n)) && !r.bad)
		return nomem(err);
	if (h->flags && !(p->tab.symbols = rd_strs(&r, p->tab.n)) && !r.bad)
		return nomem(err);
	if (r.bad)
		return gx_err_at(err, GX_E_INTERNAL, m->path, 0, 0,
		                 "the HDF5 reader process sent a malformed gene table");
	return 0;
}

/* Start the reader process and take what its open found. */
static int proc_start(gx_matrix *m, h5proc *p, gx_err *err)
{
	int to_child[2] = { -1, -1 }, to_parent[2] = { -1, -1 };
	gx_buf pl = { 0 };
	msg_hdr h;
	pid_t parent = getpid(), pid;
	int rc;

	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(to_parent, O_CLOEXEC) < 0) {
		rc = gx_err_at(err, GX_E_IO, m->path, 0, 0, "cannot start the HDF5 reader: %s",
		               strerror(errno));
		goto fail;
	}
	memset(p->shm->where, 0, sizeof(p->shm->where));
	pid = fork();
	if (pid < 0) {
		rc = gx_err_at(err, GX_E_IO, m->path, 0, 0, "cannot start the HDF5 reader: %s",
		               strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		gx_h5_child_main(m->path, &m->opts, to_child[0], to_parent[1], p->shm, parent);
	}
	p->pid = pid;
	p->cmd_fd = to_child[1];
	p->msg_fd = to_parent[0];
	close(to_child[0]);
	close(to_parent[1]);
	/* the open: MSG_INFO then MSG_END(0), or MSG_END(error) */
	for (;;) {
		if ((rc = proc_recv(m, p, &h, &pl, err)) < 0)
			break;
		if (h.type == MSG_INFO && !p->info_buf) {
			if ((rc = info_take(m, p, &pl, err)))
				break;
			continue;
		}
		if (h.type == MSG_INFO) {
			/* a new reader for a later scan: the caller holds pointers into the first
			 * description, which stays; this one must say the same */
			if (pl.len != p->info_len || memcmp(pl.data, p->info_buf, pl.len)) {
				rc = gx_err_at(err, GX_E_IO, m->path, 0, 0,
				               "the file changed while it was read");
				break;
			}
			continue;
		}
		if (h.type != MSG_END) {
			rc = gx_err_at(err, GX_E_INTERNAL, m->path, 0, 0,
			               "the HDF5 reader process sent an unexpected message");
			break;
		}
		if ((rc = proc_result(&h, &pl, err)) == 0 && !p->info_buf)
			rc = gx_err_at(err, GX_E_INTERNAL, m->path, 0, 0,
			               "the HDF5 reader process sent no description");
		break;
	}
	gx_buf_release(&pl);
	if (rc)
		proc_kill(p);
	return rc;
fail:
	if (to_child[0] >= 0) {
		close(to_child[0]);
		close(to_child[1]);
	}
	if (to_parent[0] >= 0) {
		close(to_parent[0]);
		close(to_parent[1]);
	}
	return rc;
}

/* ---- the reader ---- */

static void proc_close(gx_matrix *m)
{
	h5proc *p = m->impl;

	if (!p)
		return;
	if (p->pid > 0) {
		/* EOF on its request pipe ends the child; it frees what it holds and exits.  A
		 * child that does not (stuck in libhdf5) is killed after 10 s. */
		struct pollfd pf = { p->msg_fd, POLLIN, 0 };
		close(p->cmd_fd);
		p->cmd_fd = -1;
		while (poll(&pf, 1, 10000) < 0 && errno == EINTR)
			;
	}
	proc_kill(p);
	info_free(p);
	gx_free(p->tab_buf);
	gx_free(p->tab.ids);
	gx_free(p->tab.symbols);
	if (p->shm && p->shm != MAP_FAILED)
		munmap(p->shm, sizeof(*p->shm));
	gx_free(p);
	m->impl = NULL;
}

static int proc_probe(const char *path, gx_err *err)
{
	(void)err;
	return gx_matrix_is_hdf5(path);
}

static int proc_open(gx_matrix *m, const char *path, const gx_matrix_opts *opts, gx_err *err)
{
	h5proc *p = gx_calloc(1, sizeof(*p));
	struct stat st;
	int rc;

	(void)opts;
	if (!p)
		return nomem(err);
	p->cmd_fd = p->msg_fd = -1;
	m->impl = p;
	p->shm = mmap(NULL, sizeof(*p->shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	              -1, 0);
	if (p->shm == MAP_FAILED) {
		p->shm = NULL;
		return gx_err_at(err, GX_E_NOMEM, path, 0, 0, "cannot map the reader's memory: %s",
		                 strerror(errno));
	}
	if ((rc = proc_start(m, p, err)))
		return rc;
	m->info.bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/* a gene table of the parent's copy, by the batch's flags and offset */
static int batch_genes(h5proc *p, const msg_hdr *h, gx_cells *c)
{
	const gene_tab *t = h->flags & B_OPENTAB ? (p->n_gene_batches == 1 ? &p->gene_batches[0]
	                                                                   : NULL) : &p->tab;

	if (!t || h->c > t->n || h->b > t->n - h->c)
		return -1;
	c->n_genes = (size_t)h->b;
	c->gene_ids = (const char *const *)t->ids + h->c;
	c->gene_symbols = t->symbols ? (const char *const *)t->symbols + h->c : NULL;
	return 0;
}

static int proc_scan(gx_matrix *m, const unsigned char *want, gx_cells_fn fn, void *ctx,
                     gx_err *err)
{
	h5proc *p = m->impl;
	size_t ns = m->info.n_samples;
	gx_buf pl = { 0 };
	cmd_hdr cmd;
	msg_hdr h;
	uint64_t last_gen = 0, last_off = 0, last_n = 0, last_kind = 0;
	int rc, first = 1;

	/* a scan that was stopped killed the last reader: a new one, on the same file */
	if (!p->pid && (rc = proc_start(m, p, err)))
		return rc;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = CMD_SCAN;
	cmd.len = want ? ns : 0;
	if ((rc = proc_send(m, p, &cmd, want, err)))
		return rc;
	for (;;) {
		gx_cells c;
		slot *s;
		uint64_t kind;
		if ((rc = proc_recv(m, p, &h, &pl, err)) < 0)
			break;
		if (h.type == MSG_END) {
			rc = proc_result(&h, &pl, err);
			break;
		}
		if (h.type == MSG_GENES) {
			if ((rc = tab_take(m, p, &h, &pl, err)))
				break;
			continue;
		}
		if (h.type == MSG_PROGRESS) {
			if (m->opts.progress)
				m->opts.progress(m->opts.progress_ctx, h.a, h.b);
			continue;
		}
		memset(&c, 0, sizeof(c));
		if (h.type != MSG_BATCH || h.slot >= NSLOTS || h.a > SLOT_CELLS ||
		    batch_genes(p, &h, &c) < 0) {
			rc = gx_err_at(err, GX_E_INTERNAL, m->path, 0, 0,
			               "the HDF5 reader process sent an unexpected message");
			break;
		}
		s = &p->shm->slots[h.slot];
		/* the same table as the previous batch: the caller may reuse its lookups */
		kind = h.flags & B_OPENTAB ? 0 : p->tab_gen + 1;
		c.genes_unchanged = !first && kind == last_kind && h.c == last_off && h.b == last_n &&
		                    (kind == 0 || p->tab_gen == last_gen);
		first = 0;
		last_kind = kind;
		last_off = h.c;
		last_n = h.b;
		last_gen = p->tab_gen;
		c.n = (size_t)h.a;
		c.gene_row0 = (size_t)h.row0;
		c.gene = h.flags & B_DENSE ? NULL : s->gene;
		c.sample = h.flags & B_DENSE ? NULL : s->sample;
		c.value = s->value;
		c.missing = h.flags & B_MISSING ? s->missing : NULL;
		if ((rc = fn(ctx, &c, err))) {
			proc_kill(p); /* the caller stopped the scan: the reader's work is void */
			break;
		}
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = CMD_FREE;
		cmd.slot = h.slot;
		if ((rc = proc_send(m, p, &cmd, NULL, err)))
			break;
	}
	gx_buf_release(&pl);
	return rc;
}

static int proc_genes(gx_matrix *m, gx_genes_fn fn, void *ctx, gx_err *err)
{
	h5proc *p = m->impl;
	size_t i;
	int rc;

	for (i = 0; i < p->n_gene_batches; i++) {
		const gene_tab *t = &p->gene_batches[i];
		if ((rc = fn(ctx, t->n, (const char *const *)t->ids,
		             (const char *const *)t->symbols, err)))
			return rc;
	}
	return p->n_gene_batches ? 0 : GX_MATRIX_NO_GENES;
}

const gx_matrix_reader gx_matrix_hdf5_reader = {
	.name = "hdf5",
	.probe = proc_probe,
	.open = proc_open,
	.scan = proc_scan,
	.genes = proc_genes,
	.close = proc_close,
};
