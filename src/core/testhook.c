/*
 * testhook.c - kill or pause at named points for the tests (see testhook.h).
 */
#include "core/testhook.h"
#include "core/signals.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Create 'path' with "<point> <pid>" through a rename, so a reader never sees it half
 * written.  Failures are ignored: the test then times out waiting, and says so. */
static void announce(const char *path, const char *point)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return;
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "%s %ld\n", point, (long)getpid());
	if (fclose(f) == 0)
		rename(tmp, path);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gx_test_point(const char *name)
{
	const char *crash = getenv("GXLOAD_TEST_CRASH_AT");
	const char *pause = getenv("GXLOAD_TEST_PAUSE_AT");
	const char *ready = getenv("GXLOAD_TEST_READY");
	size_t n = strlen(name);
	double end;

	if (crash && !strcmp(crash, name))
		raise(SIGKILL);
	if (!pause || strncmp(pause, name, n) || pause[n] != ':')
		return;
	end = now_s() + atof(pause + n + 1);
	if (ready && ready[0]) {
		announce(ready, name);
		/* until the test removes the file; SIGINT/SIGTERM end the pause and the run */
		while (now_s() < end && !gx_interrupted() && access(ready, F_OK) == 0)
			usleep(5 * 1000);
		return;
	}
	while (now_s() < end && !gx_interrupted())
		usleep(50 * 1000); /* SIGINT/SIGTERM end the pause; the run then stops */
}
