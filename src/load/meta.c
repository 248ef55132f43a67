/*
 * meta.c - run ledger rows, source files and a run's judgements (see meta.h).
 */
#include "load/meta.h"
#include "load/sink_impl.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int gx_meta_run_start(gx_sink *s, const char *study, const char *command, int forced,
                      int dry_run, long *run_id, gx_err *err)
{
	char now[32], host[256] = "", pid[16], hv[16];
	const char *p[9];

	gx_sink_now(now);
	gethostname(host, sizeof(host) - 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(hv, sizeof(hv), "%d", GX_HASH_VERSION);
	p[0] = study;
	p[1] = now;
	p[2] = command;
	p[3] = forced ? "1" : "0";
	p[4] = dry_run ? "1" : "0";
	p[5] = GX_VERSION;
	p[6] = hv;
	p[7] = host;
	p[8] = pid;
	return gx_sink_query_long(s,
		"INSERT INTO meta_etl_run (study_accession, status, started_at, command, forced, "
		"dry_run, gxload_version, hash_version, host, pid) "
		"VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING run_id",
		9, p, run_id, err);
}

int gx_meta_run_finish(gx_sink *s, long run_id, const char *status, const char *mode,
                       const gx_run_counts *c, const gx_err *failure, gx_err *err)
{
	char now[32], id[24], ins[24], del[24], chg[24], skp[24], code[16];
	char msg[GX_ERR_MSG_MAX + 600];
	const char *p[11];
	gx_run_counts zero = { 0, 0, 0, 0 };

	if (!c)
		c = &zero;
	gx_sink_now(now);
	snprintf(id, sizeof(id), "%ld", run_id);
	snprintf(ins, sizeof(ins), "%lld", (long long)c->rows_inserted);
	snprintf(del, sizeof(del), "%lld", (long long)c->rows_deleted);
	snprintf(chg, sizeof(chg), "%ld", c->samples_changed);
	snprintf(skp, sizeof(skp), "%ld", c->files_skipped);
	p[0] = id;
	p[1] = status;
	p[2] = now;
	p[3] = ins;
	p[4] = del;
	p[5] = chg;
	p[6] = skp;
	p[7] = NULL;
	p[8] = NULL;
	p[9] = mode;
	p[10] = failure && failure->sqlstate[0] ? failure->sqlstate : NULL;
	if (failure && failure->code) {
		snprintf(code, sizeof(code), "%d", (int)failure->code);
		p[7] = code;
		p[8] = gx_err_format(failure, msg, sizeof(msg));
		gx_utf8_sanitize(msg);
	}
	return gx_sink_query(s,
		"UPDATE meta_etl_run SET status = $2, finished_at = $3, rows_inserted = $4, "
		"rows_deleted = $5, samples_changed = $6, files_skipped = $7, error_code = $8, "
		"message = $9, mode = $10, sqlstate = $11 WHERE run_id = $1", 11, p, NULL, err);
}

int gx_meta_run_attempt(gx_sink *s, long run_id, int attempt, gx_err *err)
{
	char id[24], n[16];
	const char *p[2] = { id, n };

	snprintf(id, sizeof(id), "%ld", run_id);
	snprintf(n, sizeof(n), "%d", attempt);
	return gx_sink_query(s, "UPDATE meta_etl_run SET attempt = $2 WHERE run_id = $1", 2, p,
	                     NULL, err);
}

int gx_meta_repair_stale(gx_sink *s, const char *study, long run_id, long *n, gx_err *err)
{
	char id[24], now[32];
	const char *p[3];
	gx_rows *r = NULL;
	int rc;

	snprintf(id, sizeof(id), "%ld", run_id);
	gx_sink_now(now);
	p[0] = study;
	p[1] = id;
	p[2] = now;
	rc = gx_sink_query(s,
		"UPDATE meta_etl_run SET status = 'aborted', finished_at = $3, "
		"message = 'the process ended before the run finished (killed or crashed); "
		"nothing of this run was committed' "
		"WHERE study_accession = $1 AND status = 'running' AND run_id <> $2 "
		"RETURNING run_id", 3, p, &r, err);
	*n = rc ? 0 : (long)r->nrows;
	gx_rows_free(r);
	return rc;
}

/* ---- source files ---- */

int gx_meta_files_save(gx_sink *s, int32_t study_key, long run_id,
                       const gx_study_files *files, gx_err *err)
{
	char sk[16], size[24], mtime[32], now[32], rid[24];
	gx_rows *r = NULL;
	const char *par[9];
	size_t i, j;
	int rc;

	snprintf(sk, sizeof(sk), "%d", (int)study_key);
	snprintf(rid, sizeof(rid), "%ld", run_id);
	gx_sink_now(now);
	for (i = 0; i < files->n; i++) {
		const gx_study_file *f = &files->files[i];
		snprintf(size, sizeof(size), "%llu", (unsigned long long)f->size);
		gx_sink_time(f->mtime, mtime);
		par[0] = sk;
		par[1] = f->name;
		par[2] = f->role;
		par[3] = f->format;
		par[4] = size;
		par[5] = mtime;
		par[6] = f->hash;
		par[7] = rid;
		par[8] = now;
		if ((rc = gx_sink_query(s,
			"INSERT INTO meta_source_file (study_key, path, role, format, size_bytes, mtime, "
			"content_hash, run_id, loaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
			"ON CONFLICT (study_key, path) DO UPDATE SET role = excluded.role, "
			"format = excluded.format, size_bytes = excluded.size_bytes, "
			"mtime = excluded.mtime, content_hash = excluded.content_hash, "
			"run_id = excluded.run_id, loaded_at = excluded.loaded_at", 9, par, NULL, err)))
			return rc;
	}
	par[0] = sk;
	if ((rc = gx_sink_query(s, "SELECT path FROM meta_source_file WHERE study_key = $1", 1,
	                        par, &r, err)))
		return rc;
	for (j = 0; j < r->nrows && !rc; j++) {
		int present = 0;
		for (i = 0; i < files->n; i++)
			present |= !strcmp(files->files[i].name, gx_rows_get(r, j, 0));
		if (!present) {
			const char *q[2] = { sk, gx_rows_get(r, j, 0) };
			rc = gx_sink_query(s, "DELETE FROM meta_source_file WHERE study_key = $1 AND "
			                   "path = $2", 2, q, NULL, err);
		}
	}
	gx_rows_free(r);
	return rc;
}

/* ---- validation rows ---- */

int gx_meta_checks_write(gx_sink *s, long run_id, const char *study,
                         const gx_run_checks *v, gx_err *err)
{
	char rid[24], now[32], o[40], t[40], n[24], sec[40];
	size_t i;
	int rc;

	snprintf(rid, sizeof(rid), "%ld", run_id);
	gx_sink_now(now);
	for (i = 0; i < v->n_checks; i++) {
		const gx_check *c = &v->checks[i];
		const char *par[9] = { rid, study, c->name, gx_check_status_name(c->status),
		                       gx_sink_double(c->observed, o),
		                       gx_sink_double(c->threshold, t), c->message, now, c->kind };
		if ((rc = gx_sink_query(s, "INSERT INTO meta_data_validation_log (run_id, "
		                        "study_accession, check_name, status, observed, threshold, "
		                        "message, created_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		                        "$8, $9)", 9, par, NULL, err)))
			return rc;
	}
	for (i = 0; i < v->n_attr; i++) {
		const gx_attrition *a = &v->attr[i];
		const char *par[7] = { rid, study, a->reason, a->unit, n, a->message, now };
		snprintf(n, sizeof(n), "%lld", (long long)a->n);
		if ((rc = gx_sink_query(s, "INSERT INTO meta_data_attrition (run_id, study_accession, "
		                        "reason, unit, n, message, created_at) VALUES ($1, $2, $3, $4, "
		                        "$5, $6, $7)", 7, par, NULL, err)))
			return rc;
	}
	for (i = 0; i < v->n_steps; i++) {
		const char *par[3] = { rid, v->steps[i].name, sec };
		snprintf(sec, sizeof(sec), "%.6f", v->steps[i].seconds);
		if ((rc = gx_sink_query(s, "INSERT INTO meta_etl_step (run_id, step, seconds) "
		                        "VALUES ($1, $2, $3) ON CONFLICT (run_id, step) DO NOTHING", 3,
		                        par, NULL, err)))
			return rc;
	}
	return 0;
}

/* ---- run log ---- */

typedef struct log_row {
	char ts[32];
	const char *level;
	char *step;
	int code;
	char *msg;
	char *file;
	long line, col;
	char sqlstate[6];
} log_row;

struct gx_run_log {
	log_row *rows;
	size_t n, cap;
};

gx_run_log *gx_run_log_new(void)
{
	return gx_calloc(1, sizeof(gx_run_log));
}

static void clear_rows(gx_run_log *l)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		gx_free(l->rows[i].step);
		gx_free(l->rows[i].msg);
		gx_free(l->rows[i].file);
	}
	l->n = 0;
}

void gx_run_log_free(gx_run_log *l)
{
	if (!l)
		return;
	clear_rows(l);
	gx_free(l->rows);
	gx_free(l);
}

void gx_run_log_hook(void *ctx, const gx_log_rec *rec)
{
	gx_run_log *l = ctx;
	log_row *r;

	/* bounded: a run that logs more than this keeps its first messages */
	if (l->n >= 10000)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		log_row *rows = gx_reallocarray(l->rows, cap, sizeof(*rows));
		if (!rows)
			return;
		l->rows = rows;
		l->cap = cap;
	}
	r = &l->rows[l->n];
	memset(r, 0, sizeof(*r));
	gx_sink_time(rec->ts, r->ts);
	r->level = gx_log_level_name(rec->level);
	r->step = rec->step ? gx_strdup(rec->step) : NULL;
	r->code = (int)rec->code;
	r->msg = gx_strdup(rec->err ? rec->err->msg : rec->msg);
	if (rec->err && rec->err->file[0]) {
		r->file = gx_strdup(rec->err->file);
		r->line = rec->err->line;
		r->col = rec->err->column;
	}
	if (rec->err)
		memcpy(r->sqlstate, rec->err->sqlstate, sizeof(r->sqlstate));
	if (!r->msg) {
		gx_free(r->step);
		gx_free(r->file);
		return;
	}
	gx_utf8_sanitize(r->msg);
	if (r->file)
		gx_utf8_sanitize(r->file);
	l->n++;
}

int gx_run_log_flush(gx_run_log *l, gx_sink *s, long run_id, gx_err *err)
{
	char id[24], code[16], line[24], col[24];
	size_t i;
	int rc = 0;

	snprintf(id, sizeof(id), "%ld", run_id);
	for (i = 0; i < l->n && !rc; i++) {
		log_row *r = &l->rows[i];
		const char *p[10];
		snprintf(code, sizeof(code), "%d", r->code);
		snprintf(line, sizeof(line), "%ld", r->line);
		snprintf(col, sizeof(col), "%ld", r->col);
		p[0] = id;
		p[1] = r->ts;
		p[2] = r->level;
		p[3] = r->step;
		p[4] = r->code ? code : NULL;
		p[5] = r->msg;
		p[6] = r->file;
		p[7] = r->line ? line : NULL;
		p[8] = r->col ? col : NULL;
		p[9] = r->sqlstate[0] ? r->sqlstate : NULL;
		rc = gx_sink_query(s,
			"INSERT INTO meta_etl_process_log (run_id, ts, level, step, error_code, message, "
			"file, line, col, sqlstate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			10, p, NULL, err);
	}
	clear_rows(l);
	return rc;
}
