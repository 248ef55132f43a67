/*
 * blas.c - OpenBLAS's worker threads started only around the analysis (see blas.h).
 *
 * OpenBLAS 0.3's thread server: blas_thread_init() creates blas_num_threads - 1 workers
 * when none run (the same call OpenBLAS makes itself after a fork);
 * blas_thread_shutdown_() joins them (its fork handler); openblas_set_num_threads(n)
 * sets how many a call uses, creating workers when n exceeds those that exist.  Both
 * thread functions are exported by libopenblas but declared in no public header, so
 * they are declared here, weak: a BLAS without them (serial OpenBLAS, another BLAS)
 * links, and these functions then do nothing.  Workers are created only from
 * gx_blas_threads_begin, with SIGINT and SIGTERM blocked in the creating thread.
 * Does not: compute anything.
 */
#include "analyze/blas.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

extern int blas_thread_init(void) __attribute__((weak));
extern int blas_thread_shutdown_(void) __attribute__((weak));
extern void openblas_set_num_threads(int) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

/* One thread for BLAS calls, no workers. */
static void blas_quiet(void)
{
	if (openblas_set_num_threads)
		openblas_set_num_threads(1);
	if (blas_thread_shutdown_)
		blas_thread_shutdown_();
}

/* Runs after the constructors of the shared libraries (OpenBLAS starts its workers in
 * its own), before main. */
__attribute__((constructor)) static void blas_quiet_at_start(void)
{
	blas_quiet();
}

int gx_blas_threads_begin(long n)
{
	sigset_t block, old;

	if (!openblas_set_num_threads || !blas_thread_init)
		return gx_blas_threads();
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	if (n > 1024)
		n = 1024;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	/* the workers that existed at load first (blas_num_threads of them), then more if
	 * n asks for more: in this order no worker slot is created twice */
	if (n > 1)
		blas_thread_init();
	openblas_set_num_threads((int)n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return gx_blas_threads();
}

void gx_blas_threads_end(void)
{
	blas_quiet();
}

int gx_blas_threads(void)
{
	return openblas_get_num_threads ? openblas_get_num_threads() : 1;
}
