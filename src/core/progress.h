/*
 * progress.h - a progress bar on stderr for long loads.
 *
 * Redrawn in place (carriage return) at most 10 times a second with the share done,
 * the rows (values) loaded, their rate and an ETA; after the rows, with the step the run
 * is in (keys and swap, digests, cohort statistics, validation, commit).  Shown only when enabled: by --progress
 * always, or --progress auto (the default) when stderr is a terminal; never with -q.
 * Under cron (not a terminal) nothing is drawn.
 */
#ifndef GX_PROGRESS_H
#define GX_PROGRESS_H

#include <stdint.h>

typedef struct gx_progress {
	int enabled;
	char label[64];
	uint64_t total;     /* bytes (or cells) expected; 0 = unknown */
	uint64_t done;
	uint64_t values;    /* values loaded so far */
	double start, last_draw;
	int drawn;
	const char *phase;  /* the step after the rows ("keys and swap", ...), or NULL */
} gx_progress;

void gx_progress_begin(gx_progress *p, int enabled, const char *label, uint64_t total);
/* Update the position and the count of values; draws when due. */
void gx_progress_update(gx_progress *p, uint64_t done, uint64_t values);
/*
 * Name the step the run is in once its rows are sent ('phase', a static string, e.g.
 * "keys and swap"): the bar is redrawn at once with it in place of the rate and stays
 * until gx_progress_end, so the screen is never blank while the run finishes.
 */
void gx_progress_phase(gx_progress *p, const char *phase);
/* Erase the bar (the caller prints its own summary). */
void gx_progress_end(gx_progress *p);

#endif
