/*
 * testhook.h - named points where tests can kill or pause the loader.
 *
 * GXLOAD_TEST_CRASH_AT=<point>        raise SIGKILL when the run reaches <point>
 * GXLOAD_TEST_PAUSE_AT=<point>:<sec>  pause up to <sec> seconds at <point>
 * GXLOAD_TEST_READY=<file>            with PAUSE_AT: announce the pause by creating <file>
 *                                     (it holds "<point> <pid>\n", written whole), and end
 *                                     it as soon as the test removes <file>; with <sec> 0
 *                                     the point is announced and the run goes on
 * Points (in order): locked, planned, begin, facts, swap, staged (PostgreSQL range
 * sessions), commit, committed; lock_wait is reached every 100 ms while a run waits for a study
 * another run holds (load.lock_timeout_s); h5_batch is reached by an HDF5 reader process
 * (extract/h5_child.c) before it hands over each batch of cells: CRASH_AT kills the
 * reader, not gxload, and a paused reader's ready file holds the reader's pid.  Used by the kill -9, signal, concurrency and
 * reader tests, which wait for the ready file instead of sleeping; without these
 * variables a point costs one getenv per run.  Never set them in production.
 */
#ifndef GX_TESTHOOK_H
#define GX_TESTHOOK_H

void gx_test_point(const char *name);

#endif
