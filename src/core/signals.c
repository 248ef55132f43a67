/*
 * signals.c - SIGINT/SIGTERM flag (see signals.h).
 */
#include "core/signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t pending;

static void on_signal(int signo)
{
	if (pending == signo)
		signal(signo, SIG_DFL);
	pending = signo;
}

void gx_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int gx_interrupted(void)
{
	return (int)pending;
}

int gx_check_interrupt(gx_err *err)
{
	int s = (int)pending;

	if (!s)
		return 0;
	gx_err_set(err, GX_E_INTERRUPTED, "interrupted by %s", s == SIGTERM ? "SIGTERM" : "SIGINT");
	if (err)
		err->signo = s;
	return -GX_E_INTERRUPTED;
}
