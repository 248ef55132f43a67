/*
 * testhook.c - kill or pause at named points for the tests (see testhook.h).
 */
#include "core/testhook.h"
#include "core/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gx_test_point(const char *name)
{
	const char *crash = getenv("GXLOAD_TEST_CRASH_AT");
	const char *pause = getenv("GXLOAD_TEST_PAUSE_AT");
	size_t n = strlen(name);

	if (crash && !strcmp(crash, name))
		raise(SIGKILL);
	if (pause && !strncmp(pause, name, n) && pause[n] == ':') {
		unsigned secs = (unsigned)atoi(pause + n + 1);
		while (secs > 0 && !gx_interrupted())
			secs = sleep(secs); /* SIGINT/SIGTERM end the pause; the run then stops */
	}
}
