/*
 * pg_stream.h - one COPY ... FROM STDIN on its own PostgreSQL connection, fed by its
 * own sender thread.
 *
 * The loader's thread fills buffers (binary COPY rows) and swaps them into the stream;
 * the sender thread takes them from a bounded queue (core/bufq.h) and sends them with
 * PQputCopyData, so parsing goes on while the server ingests.  When the data is done the
 * sender also ends the COPY and runs the statements that follow it (building the key,
 * ANALYZE, COMMIT), so several streams do that work at the same time on their own
 * server backends.  This is osm2pgsql's db-copy thread, one per connection.
 *
 * The stream owns the connection it is given.  Nothing here prints or logs, and the
 * sender thread allocates nothing (libpq aside); its errors are returned by the
 * producer's next call.  SIGINT/SIGTERM are blocked in the sender, so they reach the
 * loader's thread, which polls them (gx_pg_stream_wait cancels the running statement).
 */
#ifndef GX_PG_STREAM_H
#define GX_PG_STREAM_H

#include "core/bufq.h"
#include "core/err.h"

#include <libpq-fe.h>

typedef struct gx_pg_stream gx_pg_stream;

/*
 * Take over 'conn', run 'sql' on it (statements that end with a COPY ... FROM STDIN) and
 * start the sender with 'nbufs' buffers of 'bufsize' bytes.  On failure the connection
 * is closed and *out is NULL.
 */
int gx_pg_stream_start(PGconn *conn, const char *sql, size_t nbufs, size_t bufsize,
                       gx_pg_stream **out, gx_err *err);

/*
 * Queue 'full' (NULL: nothing to send yet) and return an empty buffer to fill, waiting
 * while the sender is behind.  NULL with 'err' filled when the stream has failed.
 */
gx_qbuf *gx_pg_stream_swap(gx_pg_stream *st, gx_qbuf *full, gx_err *err);

/*
 * The data is complete: queue 'last' (may be NULL; the caller has written the COPY
 * trailer into it), then the sender ends the COPY and runs 'after' (may be NULL or "").
 * Returns at once; 'after' is copied.
 */
int gx_pg_stream_end(gx_pg_stream *st, gx_qbuf *last, const char *after, gx_err *err);

/*
 * Wait until the sender is done: 0 if the COPY and 'after' succeeded, else the error.
 * A SIGINT/SIGTERM while waiting cancels the running statement; if that made it fail,
 * the result is GX_E_INTERRUPTED, but a stream that finished first still returns 0 (its
 * 'after' took effect), so the caller checks for the signal itself.
 */
int gx_pg_stream_wait(gx_pg_stream *st, gx_err *err);

/*
 * Stop the sender if it runs (the COPY fails or the statement is cancelled, so the
 * stream's transaction rolls back), join it and close the connection.  NULL accepted.
 */
void gx_pg_stream_close(gx_pg_stream *st);

/* After gx_pg_stream_wait returned 0: close the stream but keep its connection, which
 * the caller now owns (a resumable load's next chunk starts a new stream on it). */
PGconn *gx_pg_stream_take_conn(gx_pg_stream *st);
/* The stream's connection, for statements after gx_pg_stream_wait returned. */
PGconn *gx_pg_stream_conn(gx_pg_stream *st);

/*
 * End the COPY that is open on 'conn': successfully (errmsg NULL; 0 if the server
 * accepted the data) or failing it with 'errmsg'.  Reads every result.
 */
int gx_pg_copy_end(PGconn *conn, const char *errmsg, gx_err *err);

/*
 * Fill 'err' from a failed libpq call on 'conn' ('res' may be NULL): message, detail and
 * SQLSTATE, classified as lost connection (GX_E_DB_LOST), disk full (GX_E_DB_FULL), lock
 * or serialization conflict or too many connections (GX_E_DB_BUSY) or GX_E_DB.  A lost
 * connection always gets a SQLSTATE: the server's, else the one its last words name
 * (gx_pg_state_of_text), else 08006.  Returns the negative code.
 */
int gx_pg_fail(PGconn *conn, PGresult *res, const char *what, gx_err *err);

/*
 * The SQLSTATE that libpq's error text 'msg' stands for when libpq gives only text (a
 * connection that failed to open, or one the server closed): the server's own FATAL
 * messages for 57P01, 57P02, 57P03 and 53300, else, 'connecting', libpq's words for a
 * server it could not reach (08001).  NULL when the text is none of these (a refused
 * password, an unknown database: not worth a retry).  English messages only: a server
 * with another lc_messages makes a lost connection 08006 and a refused one final.
 */
const char *gx_pg_state_of_text(const char *msg, int connecting);

#endif
