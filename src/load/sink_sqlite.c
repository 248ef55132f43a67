/*
 * sink_sqlite.c - the SQLite backend (the embedded default).
 *
 * One connection in WAL mode.  A load is one BEGIN IMMEDIATE transaction: the write lock
 * is taken up front (waiting sqlite.busy_timeout_ms), so a second writer waits instead of
 * failing on a lock upgrade, and readers keep seeing the previous snapshot until COMMIT.
 * Statements are prepared once and cached by their SQL text; the fact path uses one
 * prepared INSERT with bound integers and doubles (no text conversion of values).
 * Studies are locked in the database's own name, not only in lock_dir (two runs with
 * different lock_dir settings on one file must still take turns): an fcntl(2) lock on
 * one byte of "<database>-gxlock", at an offset from the accession's hash, as SQLite
 * locks bytes of its own files.  The kernel drops it when the process dies.
 * Does not: share a connection between threads.
 */
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/lock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/records.h"
#include "core/signals.h"
#include "core/testhook.h"
#include "load/sqlite_func.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STMT_CACHE 64

typedef struct stmt_entry {
	char *sql;
	sqlite3_stmt *st;
	int in_order;   /* its parameters are $1, $2, ... in order: $N is index N */
} stmt_entry;

typedef struct sq_impl {
	sqlite3 *db;
	char *path;
	stmt_entry cache[STMT_CACHE];
	size_t ncache;
	int lock_fd;        /* "<database>-gxlock", open while a study is locked; else -1 */
	off_t lock_at;      /* the locked byte */
} sq_impl;

/* rows per multi-row INSERT: one step instead of 64 amortizes the statement's reset,
 * binding checks and VM start (5 x 64 = 320 parameters, far under SQLite's limit) */
#define INS_ROWS 64

struct gx_fact_writer {
	gx_sink *s;
	sqlite3_stmt *ins;      /* one row */
	sqlite3_stmt *ins_many; /* INS_ROWS rows */
	int32_t study_key;
};

static int sq_fail(gx_sink *s, int rc, const char *what, gx_err *err)
{
	sq_impl *im = s->impl;
	int ext = im && im->db ? sqlite3_extended_errcode(im->db) : rc;
	const char *msg = im && im->db ? sqlite3_errmsg(im->db) : sqlite3_errstr(rc);
	gx_code code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = GX_E_DB_BUSY;
		break;
	case SQLITE_FULL:
		code = GX_E_DB_FULL;
		break;
	case SQLITE_IOERR:
		code = GX_E_IO;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT:
		code = GX_E_DB_CONNECT;
		break;
	case SQLITE_NOMEM:
		code = GX_E_NOMEM;
		break;
	default:
		code = GX_E_DB;
	}
	(void)ext;
	if (code == GX_E_DB_BUSY && s->cfg) /* which limit ran out: the operator may raise it */
		return gx_err_set(err, code, "%s: %s (another writer held it past "
		                  "sqlite.busy_timeout_ms = %ld)", what, msg,
		                  s->cfg->sqlite_busy_timeout_ms);
	return gx_err_set(err, code, "%s: %s (sqlite %s)", what, msg, sqlite3_errstr(rc));
}

/*
 * 1 if the statement's parameters are named $1, $2, ... in order of index.  SQLite's
 * name lookups are linear in the number of parameters, so binding a statement of many
 * parameters by name is quadratic; with this checked once per prepared statement,
 * bind_params binds $N to index N directly.
 */
static int params_in_order(sqlite3_stmt *st)
{
	int i, n = sqlite3_bind_parameter_count(st);
	char name[16];

	for (i = 1; i <= n; i++) {
		const char *at = sqlite3_bind_parameter_name(st, i);
		snprintf(name, sizeof(name), "$%d", i);
		if (!at || strcmp(at, name))
			return 0;
	}
	return 1;
}

static int prepare_ex(gx_sink *s, const char *sql, sqlite3_stmt **out, int *in_order,
                      gx_err *err)
{
	sq_impl *im = s->impl;
	size_t i;
	int rc;

	for (i = 0; i < im->ncache; i++) {
		if (!strcmp(im->cache[i].sql, sql)) {
			sqlite3_reset(im->cache[i].st);
			sqlite3_clear_bindings(im->cache[i].st);
			*out = im->cache[i].st;
			if (in_order)
				*in_order = im->cache[i].in_order;
			return 0;
		}
	}
	rc = sqlite3_prepare_v2(im->db, sql, -1, out, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "cannot prepare statement", err);
	if (im->ncache == STMT_CACHE) {
		/* evict the oldest: the cache only has to hold the statements of one run */
		sqlite3_finalize(im->cache[0].st);
		gx_free(im->cache[0].sql);
		memmove(im->cache, im->cache + 1, sizeof(im->cache[0]) * (STMT_CACHE - 1));
		im->ncache--;
	}
	im->cache[im->ncache].sql = gx_strdup(sql);
	if (!im->cache[im->ncache].sql) {
		sqlite3_finalize(*out);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	im->cache[im->ncache].in_order = params_in_order(*out);
	if (in_order)
		*in_order = im->cache[im->ncache].in_order;
	im->cache[im->ncache++].st = *out;
	return 0;
}

static int prepare(gx_sink *s, const char *sql, sqlite3_stmt **out, gx_err *err)
{
	return prepare_ex(s, sql, out, NULL, err);
}

static int bind_params(gx_sink *s, sqlite3_stmt *st, int in_order, int nparams,
                       const char *const *params, gx_err *err)
{
	int i, count = in_order ? sqlite3_bind_parameter_count(st) : 0;

	for (i = 0; i < nparams; i++) {
		char name[16];
		int idx, rc;
		if (in_order) {
			idx = i < count ? i + 1 : 0;
		} else {
			snprintf(name, sizeof(name), "$%d", i + 1);
			idx = sqlite3_bind_parameter_index(st, name);
		}
		if (idx == 0)
			continue; /* the statement does not use this parameter */
		rc = params[i] ? sqlite3_bind_text(st, idx, params[i], -1, SQLITE_TRANSIENT)
		               : sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			return sq_fail(s, rc, "cannot bind parameter", err);
	}
	return 0;
}

static int sq_exec(gx_sink *s, const char *sql, gx_err *err)
{
	sq_impl *im = s->impl;
	char *msg = NULL;
	int rc = sqlite3_exec(im->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		rc = sq_fail(s, rc, "statement failed", err);
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int sq_query(gx_sink *s, const char *sql, int nparams, const char *const *params,
                    gx_rows **out, gx_err *err)
{
	sqlite3_stmt *st;
	gx_rows *r = NULL;
	size_t cap = 0;
	int rc, step, in_order;

	if ((rc = prepare_ex(s, sql, &st, &in_order, err)))
		return rc;
	if ((rc = bind_params(s, st, in_order, nparams, params, err)))
		return rc;
	if (out) {
		int c, nc = sqlite3_column_count(st);
		r = gx_calloc(1, sizeof(*r));
		if (!r || !(r->names = gx_calloc((size_t)(nc ? nc : 1), sizeof(char *))))
			goto nomem;
		r->ncols = (size_t)nc;
		for (c = 0; c < nc; c++)
			if (!(r->names[c] = gx_strdup(sqlite3_column_name(st, c))))
				goto nomem;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		size_t c;
		if (!r)
			continue;
		if ((r->nrows + 1) * r->ncols > cap) {
			size_t ncap = cap ? cap * 2 : 16 * (r->ncols ? r->ncols : 1);
			char **cells = gx_reallocarray(r->cells, ncap, sizeof(char *));
			if (!cells)
				goto nomem;
			r->cells = cells;
			cap = ncap;
		}
		for (c = 0; c < r->ncols; c++) {
			const unsigned char *t = sqlite3_column_text(st, (int)c);
			char **cell = &r->cells[r->nrows * r->ncols + c];
			*cell = NULL;
			if (t && !(*cell = gx_strdup((const char *)t))) {
				r->nrows++; /* so that gx_rows_free frees this row's cells */
				goto nomem;
			}
		}
		r->nrows++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, step, "statement failed", err);
		sqlite3_reset(st);
		gx_rows_free(r);
		return rc;
	}
	sqlite3_reset(st);
	if (out)
		*out = r;
	return 0;
nomem:
	sqlite3_reset(st);
	if (r && !r->cells)
		r->nrows = 0;
	gx_rows_free(r);
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

static int sq_begin(gx_sink *s, gx_err *err)
{
	return sq_exec(s, "BEGIN IMMEDIATE", err);
}

static int sq_commit(gx_sink *s, gx_err *err)
{
	return sq_exec(s, "COMMIT", err);
}

static int sq_rollback(gx_sink *s)
{
	return sq_exec(s, "ROLLBACK", NULL);
}

/* one byte per study in a sparse range of 2^40: accessions that share a byte (hash
 * collisions, about one pair in 10^6 among 10^3 studies) only take turns */
static off_t study_byte(const char *acc)
{
	return (off_t)(gx_gene_hash(acc, strlen(acc)) & ((UINT64_C(1) << 40) - 1));
}

static int sq_lock_study(gx_sink *s, const char *acc, double timeout_s, gx_err *err)
{
	sq_impl *im = s->impl;
	gx_buf path = { 0 };
	double start = gx_mono();
	struct flock fl;
	int rc = 0;

	if (im->lock_fd >= 0)
		return gx_err_set(err, GX_E_INTERNAL, "a study is locked already on this connection");
	gx_buf_printf(&path, "%s-gxlock", im->path);
	if (!path.data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	im->lock_fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (im->lock_fd < 0) {
		rc = gx_err_set(err, GX_E_IO, "cannot open lock file '%s': %s", path.data,
		                strerror(errno));
		goto out;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = im->lock_at = study_byte(acc);
	fl.l_len = 1;
	while (fcntl(im->lock_fd, F_SETLK, &fl) < 0) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
			rc = gx_err_set(err, GX_E_IO, "cannot lock '%s': %s", path.data,
			                strerror(errno));
			break;
		}
		if (gx_mono() - start >= timeout_s) {
			rc = gx_err_set(err, GX_E_LOCKED, "'%s' is being loaded by another gxload "
			                "process (lock in '%s')", acc, path.data);
			break;
		}
		if ((rc = gx_check_interrupt(err)))
			break;
		gx_test_point("lock_wait");
		usleep(100 * 1000);
	}
out:
	if (rc && im->lock_fd >= 0) {
		close(im->lock_fd);
		im->lock_fd = -1;
	}
	gx_buf_release(&path);
	return rc;
}

static void sq_unlock_study(gx_sink *s, const char *acc)
{
	sq_impl *im = s->impl;

	(void)acc;
	if (im->lock_fd >= 0) {
		close(im->lock_fd); /* drops the lock; the file stays, so no unlink race */
		im->lock_fd = -1;
	}
}

/*
 * A gene's key: read when its row exists in the study's organism or in '*' (genes loaded
 * before migration 0009), filling an empty symbol; else inserted with what its id's
 * shape and the imported annotation say - the rule of load/genes.h, the same as
 * PostgreSQL's statement in pg_genes.c.
 */
static int sq_resolve_genes(gx_sink *s, const char *organism, size_t n, const char *const *ids,
                            const char *const *symbols, int32_t *keys, gx_err *err)
{
	static const char sel_sql[] =
		"SELECT gene_key, gene_symbol IS NULL FROM dim_gene WHERE gene_id = ?2"
		" AND organism IN (?1, '*') ORDER BY organism = ?1 DESC LIMIT 1";
	static const char sym_sql[] =
		"UPDATE dim_gene SET gene_symbol = ?2 WHERE gene_key = ?1 AND gene_symbol IS NULL";
	static const char ins_sql[] =
		"WITH i(gene_id, gene_symbol, base, org) AS (SELECT $1, $2, $3, $4),"
		" ai AS (SELECT CASE WHEN count(*) = 1 THEN min(a.stable_id) END AS stable_id,"
		"        CASE WHEN count(*) = 1 THEN min(a.base_id) END AS base_id,"
		"        CASE WHEN count(*) = 1 THEN min(a.symbol) END AS symbol,"
		"        CASE WHEN count(*) = 1 THEN min(a.biotype) END AS biotype"
		"        FROM dim_gene_annotation a, i WHERE a.base_id = COALESCE(i.base, i.gene_id)"
		"        AND (a.organism = i.org OR a.organism = '' OR i.org = '')),"
		" sy AS (SELECT CASE WHEN count(*) = 1 THEN min(a.stable_id) END AS stable_id,"
		"        CASE WHEN count(*) = 1 THEN min(a.base_id) END AS base_id,"
		"        CASE WHEN count(*) = 1 THEN min(a.symbol) END AS symbol,"
		"        CASE WHEN count(*) = 1 THEN min(a.biotype) END AS biotype"
		"        FROM dim_gene_annotation a, i, ai WHERE i.base IS NULL AND ai.base_id IS NULL"
		"        AND a.symbol = i.gene_id AND (a.organism = i.org OR a.organism = '' OR i.org = ''))"
		" INSERT INTO dim_gene (organism, gene_id, gene_symbol, stable_id, base_id, biotype,"
		"                       created_at)"
		" SELECT i.org, i.gene_id,"
		"        COALESCE(ai.symbol, sy.symbol, i.gene_symbol,"
		"                 CASE WHEN i.base IS NULL AND ai.base_id IS NULL THEN i.gene_id END),"
		"        CASE WHEN i.base IS NOT NULL THEN i.gene_id"
		"             ELSE COALESCE(ai.stable_id, sy.stable_id) END,"
		"        COALESCE(i.base, ai.base_id, sy.base_id), COALESCE(ai.biotype, sy.biotype), $5"
		" FROM i, ai, sy";
	sqlite3_stmt *st;
	char now[32], base[512];
	size_t i;
	int rc;

	gx_sink_now(now);
	for (i = 0; i < n; i++) {
		const char *sym = symbols && symbols[i] && symbols[i][0] ? symbols[i] : NULL;
		int found, empty = 0;
		if ((rc = prepare(s, sel_sql, &st, err)))
			return rc;
		sqlite3_bind_text(st, 1, organism, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		found = rc == SQLITE_ROW;
		if (found) {
			keys[i] = (int32_t)sqlite3_column_int(st, 0);
			empty = sqlite3_column_int(st, 1);
		}
		sqlite3_reset(st);
		if (!found && rc != SQLITE_DONE)
			return sq_fail(s, rc, "cannot look up gene", err);
		if (found && !(sym && empty))
			continue;
		if (found) { /* a symbol for a gene that had none */
			if ((rc = prepare(s, sym_sql, &st, err)))
				return rc;
			sqlite3_bind_int(st, 1, keys[i]);
			sqlite3_bind_text(st, 2, sym, -1, SQLITE_STATIC);
		} else {
			if ((rc = prepare(s, ins_sql, &st, err)))
				return rc;
			sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
			if (sym)
				sqlite3_bind_text(st, 2, sym, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 2);
			if (gx_gene_base_id(ids[i], base, sizeof(base)))
				sqlite3_bind_text(st, 3, base, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 3);
			sqlite3_bind_text(st, 4, organism, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		}
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sq_fail(s, rc, "cannot insert gene", err);
		if (!found)
			keys[i] = (int32_t)sqlite3_last_insert_rowid(((sq_impl *)s->impl)->db);
	}
	return 0;
}

/* gx_sink_delete_samples's statements: the key is (gene_key, study_key, sample_key), the
 * index by sample (sample_key, ...) */
static const gx_delete_sql sq_delete_sql = {
	.brackets = "[]",
	.expected = "SELECT COALESCE(sum(n_values), 0) FROM dim_sample WHERE study_key = $1 "
	            "AND sample_key IN (SELECT value FROM json_each($2))",
	.by_key = "DELETE FROM fact_gene_expression WHERE study_key = $1 "
	          "AND sample_key IN (SELECT value FROM json_each($2)) "
	          "AND gene_key IN (SELECT value FROM json_each($3))",
	.by_sample = "DELETE FROM fact_gene_expression WHERE study_key = $1 "
	             "AND sample_key IN (SELECT value FROM json_each($2))",
};

static int sq_delete_rows(gx_sink *s, const char *sql, int nparams, const char *const *params,
                          int64_t *deleted, gx_err *err)
{
	int rc = sq_query(s, sql, nparams, params, NULL, err);

	if (!rc)
		*deleted = sqlite3_changes64(((sq_impl *)s->impl)->db);
	return rc;
}

static int sq_facts_begin(gx_sink *s, int32_t study_key, gx_fact_mode mode,
                          gx_fact_writer **out, gx_err *err)
{
	static const char ins_sql[] =
		"INSERT INTO fact_gene_expression (study_key, sample_key, gene_key, value, log2_value) "
		"VALUES (?1, ?2, ?3, ?4, ?5)";
	gx_fact_writer *w;
	int rc;

	*out = NULL;
	if (mode == GX_FACTS_REPLACE) {
		char sk[16];
		const char *p[1] = { sk };
		snprintf(sk, sizeof(sk), "%d", (int)study_key);
		/* every row of the study, one probe of the gene-major key per gene */
		rc = sq_query(s, "DELETE FROM fact_gene_expression WHERE study_key = $1 AND gene_key "
		              "IN (SELECT gene_key FROM dim_gene)", 1, p, NULL, err);
		if (rc)
			return rc;
	}
	w = gx_calloc(1, sizeof(*w));
	if (!w)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	w->s = s;
	w->study_key = study_key;
	if ((rc = prepare(s, ins_sql, &w->ins, err))) {
		gx_free(w);
		return rc;
	}
	{
		gx_buf sql = { 0 };
		int i;
		gx_buf_puts(&sql, "INSERT INTO fact_gene_expression (study_key, sample_key, gene_key, "
		            "value, log2_value) VALUES ");
		for (i = 0; i < INS_ROWS; i++)
			gx_buf_puts(&sql, i ? ", (?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?)");
		rc = sql.data ? prepare(s, sql.data, &w->ins_many, err)
		              : gx_err_set(err, GX_E_NOMEM, "out of memory");
		gx_buf_release(&sql);
		if (rc) {
			gx_free(w);
			return rc;
		}
	}
	*out = w;
	return 0;
}

/* bind fact i of b as the row starting at parameter 'first' */
static void bind_fact(gx_fact_writer *w, sqlite3_stmt *st, int first, const gx_fact_batch *b,
                      size_t i)
{
	sqlite3_bind_int(st, first, w->study_key);
	sqlite3_bind_int(st, first + 1, b->sample_key[i]);
	sqlite3_bind_int(st, first + 2, b->gene_key[i]);
	sqlite3_bind_double(st, first + 3, b->value[i]);
	if (isnan(b->log2[i]))
		sqlite3_bind_null(st, first + 4);
	else
		sqlite3_bind_double(st, first + 4, b->log2[i]);
}

static int sq_facts_put(gx_fact_writer *w, const gx_fact_batch *b, gx_err *err)
{
	size_t i = 0, k;
	int rc;

	if (b->tile_only) /* never: the SQLite backend keeps no gene-major copy */
		return gx_err_set(err, GX_E_INTERNAL, "facts for a gene-major copy given to SQLite");
	for (; i + INS_ROWS <= b->n; i += INS_ROWS) {
		for (k = 0; k < INS_ROWS; k++)
			bind_fact(w, w->ins_many, 1 + 5 * (int)k, b, i + k);
		rc = sqlite3_step(w->ins_many);
		sqlite3_reset(w->ins_many);
		if (rc != SQLITE_DONE)
			return sq_fail(w->s, rc, "cannot insert fact", err);
	}
	for (; i < b->n; i++) {
		bind_fact(w, w->ins, 1, b, i);
		rc = sqlite3_step(w->ins);
		sqlite3_reset(w->ins);
		if (rc != SQLITE_DONE)
			return sq_fail(w->s, rc, "cannot insert fact", err);
	}
	return 0;
}

static int sq_facts_finish(gx_fact_writer *w, gx_err *err)
{
	(void)err;
	gx_free(w);
	return 0;
}

static void sq_facts_abort(gx_fact_writer *w)
{
	gx_free(w);
}

static int sq_copy_rows(gx_sink *s, const char *table, const char *const *cols, size_t ncols,
                        size_t nrows, const char *const *cells, gx_err *err)
{
	sqlite3_stmt *st;
	gx_buf sql = { 0 };
	size_t r, c;
	int rc;

	gx_buf_printf(&sql, "INSERT INTO %s (", table);
	for (c = 0; c < ncols; c++)
		gx_buf_printf(&sql, "%s%s", c ? ", " : "", cols[c]);
	gx_buf_puts(&sql, ") VALUES (");
	for (c = 0; c < ncols; c++)
		gx_buf_printf(&sql, "%s?%zu", c ? ", " : "", c + 1);
	if (gx_buf_putc(&sql, ')') || !sql.data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	rc = prepare(s, sql.data, &st, err);
	gx_buf_release(&sql);
	for (r = 0; !rc && r < nrows; r++) {
		int step;
		for (c = 0; !rc && c < ncols; c++) {
			const char *v = cells[r * ncols + c];
			int b = v ? sqlite3_bind_text(st, (int)c + 1, v, -1, SQLITE_STATIC)
			          : sqlite3_bind_null(st, (int)c + 1);
			if (b != SQLITE_OK)
				rc = sq_fail(s, b, "cannot bind parameter", err);
		}
		if (!rc && (step = sqlite3_step(st)) != SQLITE_DONE)
			rc = sq_fail(s, step, "cannot insert row", err);
		sqlite3_reset(st);
	}
	return rc;
}

/* ANALYZE, reading about 1000 rows of each index (PRAGMA analysis_limit): sqlite_stat1
 * stays current for the planner at a cost that does not grow with the database */
static int sq_statistics(gx_sink *s, gx_err *err)
{
	return sq_exec(s, "PRAGMA analysis_limit = 1000; ANALYZE", err);
}

/* rows per callback of sq_facts_read */
#define READ_ROWS 65536

static int sq_facts_read(gx_sink *s, int32_t study_key, const char *genes, gx_facts_read_fn fn,
                         void *ctx, gx_err *err)
{
	int32_t *sk = gx_malloc(READ_ROWS * sizeof(*sk)), *gk = gx_malloc(READ_ROWS * sizeof(*gk));
	double *lv = gx_malloc(READ_ROWS * sizeof(*lv));
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc, step;

	if (!sk || !gk || !lv) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	/* the primary key's order: no sort */
	if ((rc = prepare(s, genes ? "SELECT sample_key, gene_key, log2_value FROM fact_gene_expression "
	                             "WHERE study_key = ?1 AND gene_key IN (SELECT value FROM "
	                             "json_each(?2)) ORDER BY gene_key, sample_key"
	                           : "SELECT sample_key, gene_key, log2_value FROM fact_gene_expression "
	                             "WHERE study_key = ?1 ORDER BY gene_key, sample_key", &st, err)))
		goto out;
	sqlite3_bind_int(st, 1, (int)study_key);
	if (genes)
		sqlite3_bind_text(st, 2, genes, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sk[n] = (int32_t)sqlite3_column_int(st, 0);
		gk[n] = (int32_t)sqlite3_column_int(st, 1);
		lv[n] = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2);
		if (++n == READ_ROWS) {
			if ((rc = fn(ctx, n, sk, gk, lv, err)) < 0)
				goto out;
			n = 0;
		}
	}
	if (step != SQLITE_DONE)
		rc = sq_fail(s, step, "cannot read the facts", err);
	else if (n && (rc = fn(ctx, n, sk, gk, lv, err)) > 0)
		rc = 0;
out:
	if (st)
		sqlite3_reset(st);
	gx_free(sk);
	gx_free(gk);
	gx_free(lv);
	return rc < 0 ? rc : 0;
}

static int sq_set_run(gx_sink *s, long run_id, gx_err *err)
{
	(void)s, (void)run_id, (void)err;
	return 0;
}

static const char *sq_server_version(gx_sink *s)
{
	(void)s;
	return sqlite3_libversion();
}

static void sq_close(gx_sink *s)
{
	sq_impl *im = s->impl;
	size_t i;

	if (!im)
		return;
	for (i = 0; i < im->ncache; i++) {
		sqlite3_finalize(im->cache[i].st);
		gx_free(im->cache[i].sql);
	}
	if (im->db)
		sqlite3_close(im->db);
	if (im->lock_fd >= 0)
		close(im->lock_fd);
	gx_free(im->path);
	gx_free(im);
	s->impl = NULL;
}

static int sq_connect(gx_sink *s, int must_exist, gx_err *err)
{
	sq_impl *im;
	gx_db_kind kind;
	gx_buf pragmas = { 0 };
	char *slash;
	int rc;

	im = gx_calloc(1, sizeof(*im));
	if (!im)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	im->lock_fd = -1;
	s->impl = im;
	if ((rc = gx_dburl_parse(s->cfg->db_url, &kind, &im->path, err)))
		return rc;
	if (access(im->path, F_OK) < 0) {
		if (must_exist)
			return gx_err_set(err, GX_E_DB_CONNECT,
			                  "no database at '%s' (run 'gxload migrate' or 'gxload load' "
			                  "to create it)", im->path);
		slash = strrchr(im->path, '/');
		if (slash && slash != im->path) {
			*slash = '\0';
			rc = gx_mkdirs(im->path, err);
			*slash = '/';
			if (rc)
				return rc;
		}
	}
	rc = sqlite3_open_v2(im->path, &im->db,
	                     SQLITE_OPEN_READWRITE | (must_exist ? 0 : SQLITE_OPEN_CREATE) |
	                     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return gx_err_set(err, GX_E_DB_CONNECT, "cannot open SQLite database '%s': %s",
		                  im->path, im->db ? sqlite3_errmsg(im->db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(im->db, (int)s->cfg->sqlite_busy_timeout_ms);
	sqlite3_extended_result_codes(im->db, 1);
	if ((rc = gx_sqlite_functions(im->db)) != SQLITE_OK)
		return gx_err_set(err, GX_E_DB_CONNECT, "cannot register SQL functions on '%s': %s",
		                  im->path, sqlite3_errstr(rc));
	gx_buf_printf(&pragmas,
	              "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s; "
	              "PRAGMA foreign_keys = ON; PRAGMA cache_size = -%ld; "
	              "PRAGMA temp_store = MEMORY;",
	              s->cfg->sqlite_synchronous, s->cfg->sqlite_cache_mb * 1024);
	rc = pragmas.data ? sq_exec(s, pragmas.data, err)
	                  : gx_err_set(err, GX_E_NOMEM, "out of memory");
	gx_buf_release(&pragmas);
	if (rc) {
		if (err && err->code == GX_E_DB)
			err->code = GX_E_DB_CONNECT;
		gx_err_prefix(err, "cannot use SQLite database '%s'", im->path);
		return rc;
	}
	return 0;
}

const gx_sink_ops gx_sink_sqlite_ops = {
	.name = "sqlite",
	.connect = sq_connect,
	.exec = sq_exec,
	.query = sq_query,
	.delete_rows = sq_delete_rows,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock_study = sq_lock_study,
	.unlock_study = sq_unlock_study,
	.resolve_genes = sq_resolve_genes,
	.delete_sql = &sq_delete_sql,
	.facts_begin = sq_facts_begin,
	.facts_put = sq_facts_put,
	.facts_finish = sq_facts_finish,
	.facts_abort = sq_facts_abort,
	.copy_rows = sq_copy_rows,
	.facts_read = sq_facts_read,
	.set_run = sq_set_run,
	.statistics = sq_statistics,
	.server_version = sq_server_version,
	.close = sq_close,
};
