/*
 * log.c - stderr diagnostics in text or JSON, plus the capture hook (see log.h).
 */
#include "core/log.h"
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static gx_log_level min_level = GX_LOG_WARNING;
static int json_mode;
static long ctx_run_id;
static char ctx_study[128];
static gx_log_hook hook_fn;
static void *hook_ctx;

void gx_log_setup(gx_log_level level, int json)
{
	min_level = level;
	json_mode = json;
}

gx_log_level gx_log_min_level(void)
{
	return min_level;
}

void gx_log_set_context(long run_id, const char *study)
{
	ctx_run_id = run_id;
	snprintf(ctx_study, sizeof(ctx_study), "%s", study ? study : "");
}

void gx_log_set_hook(gx_log_hook fn, void *ctx)
{
	hook_fn = fn;
	hook_ctx = ctx;
}

const char *gx_log_level_name(gx_log_level level)
{
	switch (level) {
	case GX_LOG_DEBUG: return "debug";
	case GX_LOG_INFO: return "info";
	case GX_LOG_WARNING: return "warning";
	case GX_LOG_ERROR: return "error";
	}
	return "info";
}

double gx_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double gx_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit(const gx_log_rec *r)
{
	char where[1200];
	gx_buf b = { 0 };

	if (hook_fn && r->level >= GX_LOG_INFO)
		hook_fn(hook_ctx, r);
	if (r->level < min_level)
		return;
	where[0] = '\0';
	if (r->err)
		gx_err_format(r->err, where, sizeof(where));
	if (json_mode) {
		time_t t = (time_t)r->ts;
		struct tm tm;
		char tsbuf[40];
		gmtime_r(&t, &tm);
		strftime(tsbuf, sizeof(tsbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		gx_buf_printf(&b, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\"", tsbuf,
		              (int)((r->ts - (double)t) * 1000), gx_log_level_name(r->level));
		if (ctx_run_id)
			gx_buf_printf(&b, ",\"run_id\":%ld", ctx_run_id);
		if (ctx_study[0]) {
			gx_buf_puts(&b, ",\"study\":");
			gx_buf_json_str(&b, ctx_study, strlen(ctx_study));
		}
		if (r->step) {
			gx_buf_puts(&b, ",\"step\":");
			gx_buf_json_str(&b, r->step, strlen(r->step));
		}
		if (r->code) {
			gx_buf_printf(&b, ",\"code\":%d,\"error\":\"%s\",\"retryable\":%s", (int)r->code,
			              gx_code_name(r->code),
			              gx_err_exit_code(r->err) == 75 ? "true" : "false");
		}
		if (r->err && r->err->file[0]) {
			gx_buf_puts(&b, ",\"file\":");
			gx_buf_json_str(&b, r->err->file, strlen(r->err->file));
			if (r->err->line)
				gx_buf_printf(&b, ",\"line\":%ld", r->err->line);
			if (r->err->column)
				gx_buf_printf(&b, ",\"column\":%ld", r->err->column);
		}
		if (r->err && r->err->sqlstate[0])
			gx_buf_printf(&b, ",\"sqlstate\":\"%s\"", r->err->sqlstate);
		gx_buf_puts(&b, ",\"msg\":");
		if (r->err)
			gx_buf_json_str(&b, where, strlen(where));
		else
			gx_buf_json_str(&b, r->msg, strlen(r->msg));
		gx_buf_puts(&b, "}\n");
	} else {
		gx_buf_printf(&b, "gxload: %s: ", gx_log_level_name(r->level));
		if (ctx_study[0])
			gx_buf_printf(&b, "%s: ", ctx_study);
		gx_buf_puts(&b, r->err ? where : r->msg);
		gx_buf_putc(&b, '\n');
	}
	if (b.data)
		fputs(b.data, stderr);
	gx_buf_release(&b);
}

void gx_log(gx_log_level level, const char *step, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	gx_log_rec r;

	if (level < min_level && !(hook_fn && level >= GX_LOG_INFO))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	r.level = level;
	r.step = step;
	r.msg = msg;
	r.ts = gx_now();
	emit(&r);
}

void gx_log_err(gx_log_level level, const char *step, const gx_err *e)
{
	gx_log_rec r;

	memset(&r, 0, sizeof(r));
	r.level = level;
	r.step = step;
	r.code = e->code;
	r.msg = e->msg;
	r.err = e;
	r.ts = gx_now();
	emit(&r);
}
