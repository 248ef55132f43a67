/*
 * signals.h - SIGINT/SIGTERM become a flag that long loops poll.
 *
 * The handler only records the signal; the pipeline checks gx_interrupted() between
 * batches, rolls back, marks the run 'aborted' and main exits 130 or 143.  A second
 * signal of the same kind restores the default action, so a stuck run can still be
 * stopped with a second Ctrl-C.
 */
#ifndef GX_SIGNALS_H
#define GX_SIGNALS_H

#include "core/err.h"

void gx_signals_install(void);
/* The pending signal number, or 0. */
int gx_interrupted(void);
/* If a signal is pending, fill 'err' with GX_E_INTERRUPTED and return negative. */
int gx_check_interrupt(gx_err *err);

#endif
