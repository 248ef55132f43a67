/*
 * err.c - error values: codes, messages, locations and their exit codes.
 *
 * Pure bookkeeping: nothing here prints or allocates.
 */
#include "core/err.h"
#include "core/buf.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gx_err_clear(gx_err *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
}

static void vset(gx_err *e, gx_code code, const char *fmt, va_list ap)
{
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int gx_err_set(gx_err *e, gx_code code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vset(e, code, fmt, ap);
		va_end(ap);
	}
	return -(int)code;
}

int gx_err_at(gx_err *e, gx_code code, const char *file, long line, long column,
              const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vset(e, code, fmt, ap);
		va_end(ap);
		snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
		e->line = line;
		e->column = column;
	}
	return -(int)code;
}

void gx_err_prefix(gx_err *e, const char *fmt, ...)
{
	char head[512];
	size_t hl, ol, cap;
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	cap = sizeof(e->msg) - 1;
	hl = strlen(head);
	ol = strlen(e->msg);
	if (hl + 2 + ol > cap)
		ol = cap - hl - 2;
	memmove(e->msg + hl + 2, e->msg, ol);
	memcpy(e->msg, head, hl);
	e->msg[hl] = ':';
	e->msg[hl + 1] = ' ';
	e->msg[hl + 2 + ol] = '\0';
}

int gx_err_exit_code(const gx_err *e)
{
	if (!e || e->code == GX_OK)
		return GX_EXIT_OK;
	switch (e->code) {
	case GX_E_USAGE:
		return GX_EXIT_USAGE;
	case GX_E_CONFIG:
	case GX_E_CONFIG_IO:
	case GX_E_MIGRATION:
	case GX_E_MIGRATION_CHANGED:
	case GX_E_SCHEMA_NEWER:
	case GX_E_RULES:
	case GX_E_DB_URL:
		return GX_EXIT_CONFIG;
	case GX_E_LOCKED:
	case GX_E_DB_LOST:
	case GX_E_DB_BUSY:
		return GX_EXIT_TEMPFAIL;
	case GX_E_DB_CONNECT:
		return GX_EXIT_UNAVAILABLE;
	case GX_E_DB_FULL:
	case GX_E_IO:
		return GX_EXIT_IOERR;
	case GX_E_INTERRUPTED:
		return e->signo == SIGTERM ? GX_EXIT_SIGTERM : GX_EXIT_SIGINT;
	case GX_E_DB:
	case GX_E_NOMEM:
	case GX_E_INTERNAL:
		return GX_EXIT_SOFTWARE;
	default:
		break;
	}
	if (e->code >= 2000 && e->code < 4000)
		return GX_EXIT_DATAERR;
	return GX_EXIT_SOFTWARE;
}

const char *gx_code_name(gx_code code)
{
	switch (code) {
	case GX_OK: return "ok";
	case GX_E_USAGE: return "usage";
	case GX_E_CONFIG: return "config";
	case GX_E_CONFIG_IO: return "config_io";
	case GX_E_MIGRATION: return "migration";
	case GX_E_MIGRATION_CHANGED: return "migration_changed";
	case GX_E_SCHEMA_NEWER: return "schema_newer";
	case GX_E_LOCKED: return "locked";
	case GX_E_RULES: return "rules";
	case GX_E_NO_STUDY: return "no_study";
	case GX_E_NO_FILE: return "no_file";
	case GX_E_EMPTY: return "empty";
	case GX_E_RAGGED: return "ragged";
	case GX_E_NOT_NUMERIC: return "not_numeric";
	case GX_E_NOT_FINITE: return "not_finite";
	case GX_E_DUP_GENE: return "dup_gene";
	case GX_E_DUP_SAMPLE: return "dup_sample";
	case GX_E_EMPTY_ID: return "empty_id";
	case GX_E_HEADER: return "header";
	case GX_E_ENCODING: return "encoding";
	case GX_E_TOO_BIG: return "too_big";
	case GX_E_LONE_CR: return "lone_cr";
	case GX_E_METADATA: return "metadata";
	case GX_E_JSON: return "json";
	case GX_E_QUOTE: return "quote";
	case GX_E_NO_SAMPLES: return "no_samples";
	case GX_E_HDF5: return "hdf5";
	case GX_E_ACCESSION: return "accession";
	case GX_E_VALIDATION: return "validation";
	case GX_E_MISMATCH: return "mismatch";
	case GX_E_DB_CONNECT: return "db_connect";
	case GX_E_DB: return "db";
	case GX_E_DB_LOST: return "db_lost";
	case GX_E_DB_BUSY: return "db_busy";
	case GX_E_DB_FULL: return "db_full";
	case GX_E_DB_URL: return "db_url";
	case GX_E_IO: return "io";
	case GX_E_NOMEM: return "nomem";
	case GX_E_INTERRUPTED: return "interrupted";
	case GX_E_INTERNAL: return "internal";
	}
	return "unknown";
}

const char *gx_code_stage(gx_code code)
{
	int c = (int)code;
	if (c >= 1000 && c < 2000) return "setup";
	if (c >= 2000 && c < 3000) return "extract";
	if (c >= 3000 && c < 4000) return "transform";
	if (c >= 4000 && c < 5000) return "load";
	if (c >= 5000 && c < 6000) return "system";
	return "none";
}

char *gx_err_format(const gx_err *e, char *buf, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (!e)
		return buf;
	if (e->file[0]) {
		n += (size_t)snprintf(buf + n, cap - n, "'%s'", e->file);
		if (n < cap && e->line > 0)
			n += (size_t)snprintf(buf + n, cap - n, ", line %ld", e->line);
		if (n < cap && e->column > 0)
			n += (size_t)snprintf(buf + n, cap - n, ", column %ld", e->column);
		if (n < cap)
			n += (size_t)snprintf(buf + n, cap - n, ": ");
	}
	if (n < cap)
		snprintf(buf + n, cap - n, "%s", e->msg);
	return buf;
}

const char *gx_err_quote(const char *val, size_t len, char *buf, size_t cap)
{
	static const size_t max_shown = 100; /* PostgreSQL's MAX_COPY_DATA_DISPLAY */
	size_t i, o = 0, bad;
	int ascii_only = !gx_utf8_valid(val, len, &bad); /* escape every byte >= 0x80 */

	if (cap < 8) {
		if (cap)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; i < len && i < max_shown && o + 6 < cap; i++) {
		unsigned char c = (unsigned char)val[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80)) {
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if (i < len && o + 5 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
