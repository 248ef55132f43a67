/*
 * testhook.h - named points where tests can kill or pause the loader.
 *
 * GXLOAD_TEST_CRASH_AT=<point>        raise SIGKILL when the run reaches <point>
 * GXLOAD_TEST_PAUSE_AT=<point>:<sec>  sleep <sec> seconds at <point>
 * Points (in order): locked, planned, begin, facts, staged (PostgreSQL range sessions),
 * swap, commit, committed.  Used by the
 * kill -9, signal and concurrency tests; without these variables a point costs one
 * getenv per run.  Never set them in production.
 */
#ifndef GX_TESTHOOK_H
#define GX_TESTHOOK_H

void gx_test_point(const char *name);

#endif
