/*
 * progress.c - the stderr progress bar (see progress.h).
 *
 * One line, "<study> [#####.....]  45% 4.5M rows 2.8M rows/s ETA 3s", redrawn in place:
 * carriage return, the line, then "erase to the end of the line" (ESC [K) so a shorter
 * line leaves nothing behind.  The share is of the input's bytes, so it is right for
 * any number of samples; the ETA extrapolates the elapsed time from that share.
 * Once the rows are sent, the line names the step the run is in instead of the rate
 * ("GSE1 [####] 100% 2.0M rows, keys and swap"): those steps take seconds on a big
 * study, and a bar that vanished would leave the screen blank.
 */
#include "core/progress.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

void gx_progress_begin(gx_progress *p, int enabled, const char *label, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total;
	p->start = gx_mono();
}

static void human(double v, char *out, size_t cap)
{
	if (v >= 1e9)
		snprintf(out, cap, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(out, cap, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(out, cap, "%.1fk", v / 1e3);
	else
		snprintf(out, cap, "%.0f", v);
}

static void draw(gx_progress *p, double now)
{
	enum { WIDTH = 24 };
	double frac = p->total ? (double)p->done / (double)p->total : 0.0;
	double el = now - p->start;
	char bar[WIDTH + 1], vals[16], rate[16], eta[32] = "";
	int i, fill;

	if (frac > 1.0)
		frac = 1.0;
	fill = (int)(frac * WIDTH);
	for (i = 0; i < WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[WIDTH] = '\0';
	human((double)p->values, vals, sizeof(vals));
	human(el > 0 ? (double)p->values / el : 0, rate, sizeof(rate));
	if (p->phase)
		fprintf(stderr, "\r%-14.14s [%s] %3.0f%% %s rows, %s\033[K", p->label, bar,
		        frac * 100, vals, p->phase);
	else {
		if (frac > 0.01 && frac < 1.0)
			snprintf(eta, sizeof(eta), " ETA %.0fs", el / frac - el);
		fprintf(stderr, "\r%-14.14s [%s] %3.0f%% %s rows %s rows/s%s\033[K", p->label, bar,
		        frac * 100, vals, rate, eta);
	}
	fflush(stderr);
	p->drawn = 1;
	p->last_draw = now;
}

void gx_progress_update(gx_progress *p, uint64_t done, uint64_t values)
{
	double now;

	if (!p->enabled)
		return;
	p->done = done;
	p->values = values;
	now = gx_mono();
	if (now - p->last_draw >= 0.1)
		draw(p, now);
}

void gx_progress_phase(gx_progress *p, const char *phase)
{
	if (!p->enabled)
		return;
	p->phase = phase;
	draw(p, gx_mono());
}

void gx_progress_end(gx_progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
	p->phase = NULL;
}
