/*
 * bufq.h - a fixed set of buffers handed between one producer and one consumer thread.
 *
 * The producer takes a free buffer, fills it and pushes it; the consumer pops buffers
 * in push order, uses them and releases them back to the free list.  The number of
 * buffers is fixed at creation, so memory is bounded and a slow consumer holds the
 * producer back (backpressure) instead of letting a queue grow.  Used by the database
 * sinks to overlap parsing with sending (load/pg_stream.c, load/sink_sqlite.c), in the
 * way osm2pgsql's db-copy thread takes COPY buffers from its loader.
 *
 * Lifecycle: gx_bufq_new; producer: take_free / push ... close; consumer: pop / release
 * until pop returns NULL; gx_bufq_free once both sides are done.  gx_bufq_abort wakes
 * every waiter and makes every later blocking call return NULL (an error on either side).
 * All calls are thread-safe; none allocates after gx_bufq_new.
 */
#ifndef GX_BUFQ_H
#define GX_BUFQ_H

#include "core/err.h"

#include <stddef.h>

typedef struct gx_qbuf {
	unsigned char *data;
	size_t len;     /* bytes filled */
	size_t cap;     /* size of data */
	size_t tag;     /* free for the users (e.g. which kind of content) */
} gx_qbuf;

typedef struct gx_bufq gx_bufq;

/* 'n' buffers of 'cap' bytes each.  On success *out is owned by the caller. */
int gx_bufq_new(size_t n, size_t cap, gx_bufq **out, gx_err *err);
/* Free the queue and its buffers; both threads must be done with it.  NULL accepted. */
void gx_bufq_free(gx_bufq *q);

/* Producer: a free buffer (len 0), waiting for one; NULL once aborted. */
gx_qbuf *gx_bufq_take_free(gx_bufq *q);
/* Producer: hand a filled buffer to the consumer. */
void gx_bufq_push(gx_bufq *q, gx_qbuf *b);
/* Producer: no more pushes; the consumer's pop returns NULL once the queue is empty. */
void gx_bufq_close(gx_bufq *q);
/* Producer: wait until the consumer has released every pushed buffer (it is idle). */
void gx_bufq_wait_idle(gx_bufq *q);

/* Consumer: the next pushed buffer, waiting for one; NULL when closed and empty, or
 * aborted. */
gx_qbuf *gx_bufq_pop(gx_bufq *q);
/* Consumer: give a popped buffer back. */
void gx_bufq_release(gx_bufq *q, gx_qbuf *b);

/* Either side: stop; wakes all waiters.  Idempotent. */
void gx_bufq_abort(gx_bufq *q);
/* 1 if gx_bufq_abort was called. */
int gx_bufq_aborted(gx_bufq *q);

#endif
