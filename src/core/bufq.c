/*
 * bufq.c - bounded buffer hand-off between two threads (see bufq.h).
 *
 * Two rings of pointers under one mutex: 'free' (buffers the producer may take) and
 * 'full' (pushed, not yet popped).  A buffer is always in exactly one of: the free ring,
 * the full ring, the producer's hands, the consumer's hands.  Each ring has room for
 * every buffer, so pushes never wait.
 */
#include "core/bufq.h"
#include "core/mem.h"

#include <pthread.h>

typedef struct ring {
	gx_qbuf **slot;
	size_t head, n;     /* oldest element, number of elements */
} ring;

struct gx_bufq {
	pthread_mutex_t mu;
	pthread_cond_t changed;  /* any push, release, close or abort */
	gx_qbuf *bufs;
	size_t nbufs;
	ring free, full;
	int closed, aborted;
};

static void ring_put(ring *r, size_t cap, gx_qbuf *b)
{
	r->slot[(r->head + r->n) % cap] = b;
	r->n++;
}

static gx_qbuf *ring_get(ring *r, size_t cap)
{
	gx_qbuf *b = r->slot[r->head];
	r->head = (r->head + 1) % cap;
	r->n--;
	return b;
}

int gx_bufq_new(size_t n, size_t cap, gx_bufq **out, gx_err *err)
{
	gx_bufq *q;
	size_t i;

	*out = NULL;
	q = gx_calloc(1, sizeof(*q));
	if (!q)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	q->nbufs = n;
	q->bufs = gx_calloc(n, sizeof(*q->bufs));
	q->free.slot = gx_calloc(n, sizeof(gx_qbuf *));
	q->full.slot = gx_calloc(n, sizeof(gx_qbuf *));
	if (!q->bufs || !q->free.slot || !q->full.slot)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (!(q->bufs[i].data = gx_malloc(cap)))
			goto nomem;
		q->bufs[i].cap = cap;
		ring_put(&q->free, n, &q->bufs[i]);
	}
	if (pthread_mutex_init(&q->mu, NULL)) {
		q->nbufs = 0;
		goto nomem;
	}
	if (pthread_cond_init(&q->changed, NULL)) {
		pthread_mutex_destroy(&q->mu);
		q->nbufs = 0;
		goto nomem;
	}
	*out = q;
	return 0;
nomem:
	if (q->bufs)
		for (i = 0; i < n; i++)
			gx_free(q->bufs[i].data);
	gx_free(q->bufs);
	gx_free(q->free.slot);
	gx_free(q->full.slot);
	gx_free(q);
	return gx_err_set(err, GX_E_NOMEM, "out of memory");
}

void gx_bufq_free(gx_bufq *q)
{
	size_t i;

	if (!q)
		return;
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->mu);
	for (i = 0; i < q->nbufs; i++)
		gx_free(q->bufs[i].data);
	gx_free(q->bufs);
	gx_free(q->free.slot);
	gx_free(q->full.slot);
	gx_free(q);
}

gx_qbuf *gx_bufq_take_free(gx_bufq *q)
{
	gx_qbuf *b = NULL;

	pthread_mutex_lock(&q->mu);
	while (!q->aborted && q->free.n == 0)
		pthread_cond_wait(&q->changed, &q->mu);
	if (!q->aborted) {
		b = ring_get(&q->free, q->nbufs);
		b->len = 0;
		b->tag = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

void gx_bufq_push(gx_bufq *q, gx_qbuf *b)
{
	pthread_mutex_lock(&q->mu);
	ring_put(&q->full, q->nbufs, b);
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->mu);
}

void gx_bufq_close(gx_bufq *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->mu);
}

void gx_bufq_wait_idle(gx_bufq *q)
{
	pthread_mutex_lock(&q->mu);
	while (!q->aborted && q->free.n < q->nbufs)
		pthread_cond_wait(&q->changed, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

gx_qbuf *gx_bufq_pop(gx_bufq *q)
{
	gx_qbuf *b = NULL;

	pthread_mutex_lock(&q->mu);
	while (!q->aborted && !q->closed && q->full.n == 0)
		pthread_cond_wait(&q->changed, &q->mu);
	if (!q->aborted && q->full.n > 0)
		b = ring_get(&q->full, q->nbufs);
	pthread_mutex_unlock(&q->mu);
	return b;
}

void gx_bufq_release(gx_bufq *q, gx_qbuf *b)
{
	pthread_mutex_lock(&q->mu);
	ring_put(&q->free, q->nbufs, b);
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->mu);
}

void gx_bufq_abort(gx_bufq *q)
{
	pthread_mutex_lock(&q->mu);
	q->aborted = 1;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->mu);
}

int gx_bufq_aborted(gx_bufq *q)
{
	int a;

	pthread_mutex_lock(&q->mu);
	a = q->aborted;
	pthread_mutex_unlock(&q->mu);
	return a;
}
