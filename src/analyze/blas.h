/*
 * blas.h - OpenBLAS's worker threads: started for the correlation only, with the
 * loader's signals blocked.
 *
 * The pthread build of OpenBLAS starts one worker thread per core when the library is
 * loaded, before main, with no signal blocked: every gxload command would carry them,
 * and SIGINT/SIGTERM could be delivered to a worker instead of the loader's thread.
 * This module stops them as soon as the program starts (a constructor, which runs after
 * OpenBLAS's own), and starts them again only around the analysis, from a thread that
 * blocks SIGINT and SIGTERM, so the workers inherit that mask and the signals reach
 * the loader's thread (core/signals.h), as with gxload's own threads.
 * With another BLAS (no OpenBLAS thread server) both calls do nothing.
 */
#ifndef GX_BLAS_H
#define GX_BLAS_H

/* Let BLAS use n threads (0: the number of online cores), starting its workers with
 * SIGINT and SIGTERM blocked.  Returns the number of threads BLAS will use. */
int gx_blas_threads_begin(long n);

/* Stop BLAS's workers: one thread again.  Safe to call when none run. */
void gx_blas_threads_end(void);

/* Threads BLAS uses now (1 outside gx_blas_threads_begin ... end). */
int gx_blas_threads(void);

#endif
