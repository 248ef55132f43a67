/*
 * pg_stream.c - a COPY stream with its own connection and sender thread (see
 * pg_stream.h).
 *
 * States of the sender: sending (pop, PQputCopyData, release) until the queue is closed
 * and empty or aborted; then, if nothing failed, PQputCopyEnd and the 'after'
 * statements; else PQputCopyEnd with an error message, which fails the COPY and leaves
 * the transaction to roll back when the connection closes.  'failed' and 'err' are
 * written by the sender and read by the loader only under the queue's synchronization
 * (after a failed swap, which aborts the queue) or after the join.
 */
#include "load/pg_stream.h"
#include "core/mem.h"
#include "core/signals.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct gx_pg_stream {
	PGconn *conn;
	gx_bufq *q;
	pthread_t thread;
	int started, joined;
	pthread_mutex_t mu;
	int done;           /* the sender has finished (under mu) */
	int failed;         /* the sender hit an error (err is set) */
	gx_err err;
	char *after;        /* statements to run after the COPY, owned */
};

int gx_pg_fail(PGconn *conn, PGresult *res, const char *what, gx_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	gx_code code = GX_E_DB;
	char buf[600];
	char *nl;
	int rc;

	if (!msg) {
		snprintf(buf, sizeof(buf), "%s", PQerrorMessage(conn));
		nl = strchr(buf, '\n');
		if (nl && nl[1] == '\0')
			*nl = '\0';
		msg = buf;
	}
	if (PQstatus(conn) == CONNECTION_BAD) {
		code = GX_E_DB_LOST;
		if (!state && !(state = gx_pg_state_of_text(msg, 0)))
			state = "08006"; /* connection_failure */
	} else if (state) {
		if (!strcmp(state, "53300"))
			code = GX_E_DB_BUSY; /* too many connections: transient, not a full disk */
		else if (!strncmp(state, "53", 2))
			code = GX_E_DB_FULL;
		else if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
			code = GX_E_DB_LOST;
		else if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
		         !strcmp(state, "55P03"))
			code = GX_E_DB_BUSY;
	}
	rc = gx_err_set(err, code, "%s: %s%s%s", what, msg, detail ? " (" : "",
	                detail ? detail : "");
	if (detail && err) {
		size_t l = strlen(err->msg);
		if (l + 1 < sizeof(err->msg))
			strcat(err->msg, ")");
	}
	if (err && state)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	return rc;
}

const char *gx_pg_state_of_text(const char *msg, int connecting)
{
	static const struct { const char *text, *state; int connecting; } known[] = {
		/* the server's FATAL messages (PostgreSQL 13-17) */
		{ "terminating connection due to administrator command", "57P01", 0 },
		{ "terminating connection due to unexpected postmaster exit", "57P01", 0 },
		{ "terminating connection because of crash of another server process", "57P02", 0 },
		{ "the database system is starting up", "57P03", 0 },
		{ "the database system is shutting down", "57P03", 0 },
		{ "the database system is in recovery mode", "57P03", 0 },
		{ "the database system is not yet accepting connections", "57P03", 0 },
		{ "the database system is not accepting connections", "57P03", 0 },
		{ "sorry, too many clients already", "53300", 0 },
		{ "too many connections for", "53300", 0 },
		{ "remaining connection slots are reserved", "53300", 0 },
		/* libpq's own, for a server it could not reach */
		{ "Connection refused", "08001", 1 },
		{ "could not connect to server", "08001", 1 },
		{ "timeout expired", "08001", 1 },
		{ "Connection timed out", "08001", 1 },
		{ "No route to host", "08001", 1 },
		{ "Network is unreachable", "08001", 1 },
		{ "server closed the connection unexpectedly", "08001", 1 },
		{ "could not translate host name", "08001", 1 },
		{ "No such file or directory", "08001", 1 }, /* no server at a Unix socket */
	};
	size_t i;

	for (i = 0; msg && i < sizeof(known) / sizeof(known[0]); i++)
		if ((connecting || !known[i].connecting) && strstr(msg, known[i].text))
			return known[i].state;
	return NULL;
}

int gx_pg_copy_end(PGconn *conn, const char *errmsg, gx_err *err)
{
	PGresult *res;
	int rc = 0;

	if (PQputCopyEnd(conn, errmsg) != 1)
		rc = gx_pg_fail(conn, NULL, "cannot end COPY", err);
	while ((res = PQgetResult(conn)) != NULL) {
		if (!rc && !errmsg && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = gx_pg_fail(conn, res, "COPY failed", err);
		PQclear(res);
		if (PQstatus(conn) == CONNECTION_BAD)
			break;
	}
	return rc;
}

static void *sender(void *arg)
{
	gx_pg_stream *st = arg;
	gx_qbuf *b;
	int rc = 0;

	while ((b = gx_bufq_pop(st->q)) != NULL) {
		if (!rc && b->len && PQputCopyData(st->conn, (const char *)b->data, (int)b->len) != 1)
			rc = gx_pg_fail(st->conn, NULL, "COPY failed", &st->err);
		gx_bufq_release(st->q, b);
		if (rc) {
			gx_bufq_abort(st->q); /* the producer's next swap returns the error */
			break;
		}
	}
	if (rc || gx_bufq_aborted(st->q)) {
		gx_pg_copy_end(st->conn, "load aborted by gxload", NULL);
	} else if (!(rc = gx_pg_copy_end(st->conn, NULL, &st->err)) && st->after &&
	           st->after[0] && !gx_bufq_aborted(st->q)) {
		PGresult *res = PQexec(st->conn, st->after);
		ExecStatusType s = PQresultStatus(res);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
			rc = gx_pg_fail(st->conn, res, "statement failed", &st->err);
		PQclear(res);
	}
	pthread_mutex_lock(&st->mu);
	st->failed = rc != 0;
	st->done = 1;
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

int gx_pg_stream_start(PGconn *conn, const char *sql, size_t nbufs, size_t bufsize,
                       gx_pg_stream **out, gx_err *err)
{
	gx_pg_stream *st;
	PGresult *res;
	sigset_t block, old;
	int rc;

	*out = NULL;
	st = gx_calloc(1, sizeof(*st));
	if (!st) {
		PQfinish(conn);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	st->conn = conn;
	gx_err_clear(&st->err);
	if (pthread_mutex_init(&st->mu, NULL)) {
		PQfinish(conn);
		gx_free(st);
		return gx_err_set(err, GX_E_NOMEM, "cannot create a mutex");
	}
	if ((rc = gx_bufq_new(nbufs, bufsize, &st->q, err)))
		goto fail;
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = gx_pg_fail(conn, res, "cannot start COPY", err);
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	/* signals stay with the loader's thread */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&st->thread, NULL, sender, st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		gx_pg_copy_end(st->conn, "load aborted by gxload", NULL);
		rc = gx_err_set(err, GX_E_NOMEM, "cannot start a COPY thread: %s", strerror(rc));
		goto fail;
	}
	st->started = 1;
	*out = st;
	return 0;
fail:
	gx_pg_stream_close(st);
	return rc;
}

/* the sender's error (call after the join) */
static int sender_error(gx_pg_stream *st, gx_err *err)
{
	if (!st->err.code)
		return gx_err_set(err, GX_E_DB, "COPY stream stopped");
	if (err)
		*err = st->err;
	return -(int)st->err.code;
}

gx_qbuf *gx_pg_stream_swap(gx_pg_stream *st, gx_qbuf *full, gx_err *err)
{
	gx_qbuf *b;

	if (full)
		gx_bufq_push(st->q, full);
	b = gx_bufq_take_free(st->q);
	if (!b && gx_pg_stream_wait(st, err) == 0) /* aborted: the sender's error */
		gx_err_set(err, GX_E_DB, "COPY stream stopped");
	return b;
}

int gx_pg_stream_end(gx_pg_stream *st, gx_qbuf *last, const char *after, gx_err *err)
{
	if (after && !(st->after = gx_strdup(after)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (last)
		gx_bufq_push(st->q, last);
	gx_bufq_close(st->q);
	return 0;
}

int gx_pg_stream_wait(gx_pg_stream *st, gx_err *err)
{
	int interrupted = 0;

	if (!st->started || st->joined)
		return st->failed ? sender_error(st, err) : 0;
	for (;;) {
		int done;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		pthread_mutex_lock(&st->mu);
		done = st->done;
		pthread_mutex_unlock(&st->mu);
		if (done)
			break;
		if (!interrupted && gx_interrupted()) {
			/* stop the statement the sender waits on, and the COPY if still sending */
			PGcancel *c = PQgetCancel(st->conn);
			char ebuf[256];
			interrupted = 1;
			gx_bufq_abort(st->q);
			if (c) {
				PQcancel(c, ebuf, sizeof(ebuf));
				PQfreeCancel(c);
			}
		}
		nanosleep(&ts, NULL);
	}
	pthread_join(st->thread, NULL);
	st->joined = 1;
	if (!st->failed)
		return 0; /* done before the cancel took effect: the caller checks the signal */
	return interrupted ? gx_check_interrupt(err) : sender_error(st, err);
}

void gx_pg_stream_close(gx_pg_stream *st)
{
	if (!st)
		return;
	if (st->started && !st->joined) {
		PGcancel *c = PQgetCancel(st->conn);
		char ebuf[256];
		gx_bufq_abort(st->q);
		if (c) {
			PQcancel(c, ebuf, sizeof(ebuf));
			PQfreeCancel(c);
		}
		pthread_join(st->thread, NULL);
	}
	if (st->conn)
		PQfinish(st->conn);
	gx_bufq_free(st->q);
	pthread_mutex_destroy(&st->mu);
	gx_free(st->after);
	gx_free(st);
}

PGconn *gx_pg_stream_take_conn(gx_pg_stream *st)
{
	PGconn *conn = st->conn;

	st->conn = NULL;
	gx_pg_stream_close(st);
	return conn;
}

PGconn *gx_pg_stream_conn(gx_pg_stream *st)
{
	return st->conn;
}
