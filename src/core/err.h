/*
 * err.h - error values passed between gxload's stages.
 *
 * Every fallible function returns int: 0 on success, a negative value on failure, and
 * fills a caller-owned gx_err with the error code (GX_E_*), a message and, where the
 * error is located in an input, the file, line, column or dataset.  Error codes are
 * grouped by pipeline stage (1000-5999; docs/CLI.md, "Error codes", lists every one,
 * checked by tests/unit/test_err_doc.c) and each maps to one sysexits-style process
 * exit code (gx_err_exit_code).  Only main.c exits.
 */
#ifndef GX_ERR_H
#define GX_ERR_H

#include <stddef.h>

/* Process exit codes (sysexits.h values; documented in docs/CLI.md). */
enum {
	GX_EXIT_OK = 0,
	GX_EXIT_USAGE = 64,
	GX_EXIT_DATAERR = 65,
	GX_EXIT_UNAVAILABLE = 69,
	GX_EXIT_SOFTWARE = 70,
	GX_EXIT_IOERR = 74,
	GX_EXIT_TEMPFAIL = 75,
	GX_EXIT_CONFIG = 78,
	GX_EXIT_SIGINT = 130,
	GX_EXIT_SIGTERM = 143,
};

/*
 * Error codes.  The thousands digit names the stage:
 *   1xxx setup (command line, config, rules, migrations, locks)
 *   2xxx extract (input files)
 *   3xxx transform (rules, validation)
 *   4xxx load (database)
 *   5xxx system (I/O, memory, signals, internal)
 * The numbers are part of the interface: they are stored in meta_etl_run.error_code and
 * meta_etl_process_log.error_code.  Never renumber; add new codes at the end of a group.
 */
typedef enum gx_code {
	GX_OK = 0,

	GX_E_USAGE = 1001,          /* bad command line */
	GX_E_CONFIG = 1002,         /* invalid config value or file */
	GX_E_CONFIG_IO = 1003,      /* config file unreadable */
	GX_E_MIGRATION = 1010,      /* migration file invalid or missing */
	GX_E_MIGRATION_CHANGED = 1011, /* applied migration's file changed */
	GX_E_SCHEMA_NEWER = 1012,   /* database has migrations this binary does not know */
	GX_E_LOCKED = 1020,         /* another run holds the study's lock */
	GX_E_RULES = 1030,          /* invalid rule file */

	GX_E_NO_STUDY = 2001,       /* unknown accession: no study directory */
	GX_E_NO_FILE = 2002,        /* a required file is missing */
	GX_E_EMPTY = 2003,          /* an input file is empty */
	GX_E_RAGGED = 2010,         /* row with the wrong number of fields */
	GX_E_NOT_NUMERIC = 2011,    /* cell that is not a decimal number */
	GX_E_NOT_FINITE = 2012,     /* NaN, infinity or overflow */
	GX_E_DUP_GENE = 2013,       /* gene id on two rows */
	GX_E_DUP_SAMPLE = 2014,     /* sample column twice */
	GX_E_EMPTY_ID = 2015,       /* blank gene or sample id */
	GX_E_HEADER = 2016,         /* header missing or malformed */
	GX_E_ENCODING = 2017,       /* NUL byte, UTF-16 BOM, invalid UTF-8 */
	GX_E_TOO_BIG = 2018,        /* field or line over the configured limit */
	GX_E_LONE_CR = 2019,        /* carriage return not followed by line feed */
	GX_E_METADATA = 2020,       /* metadata table malformed */
	GX_E_JSON = 2021,           /* aggregated_metadata.json malformed */
	GX_E_QUOTE = 2022,          /* unterminated or misplaced quote */
	GX_E_NO_SAMPLES = 2023,     /* matrix without sample columns or rows */
	GX_E_HDF5 = 2030,           /* HDF5 file malformed or unsupported */
	GX_E_ACCESSION = 2040,      /* accession with characters outside [A-Za-z0-9._-] */

	GX_E_VALIDATION = 3001,     /* a validation check failed */
	GX_E_MISMATCH = 3002,       /* verify: the database does not hold what the files hold */

	GX_E_DB_CONNECT = 4001,     /* database unreachable at start */
	GX_E_DB = 4002,             /* statement failed */
	GX_E_DB_LOST = 4003,        /* connection lost mid-run */
	GX_E_DB_BUSY = 4004,        /* database lock busy past the timeout */
	GX_E_DB_FULL = 4005,        /* disk full or quota on the database side */
	GX_E_DB_URL = 4006,         /* malformed database URL */

	GX_E_IO = 5001,             /* read/write error */
	GX_E_NOMEM = 5002,          /* out of memory */
	GX_E_INTERRUPTED = 5003,    /* SIGINT/SIGTERM */
	GX_E_INTERNAL = 5004,       /* "cannot happen" */
} gx_code;

#define GX_ERR_MSG_MAX 1024

typedef struct gx_err {
	gx_code code;
	char msg[GX_ERR_MSG_MAX];   /* lowercase, no full stop, subject quoted */
	char file[512];             /* input file or HDF5 dataset, "" if none */
	long line;                  /* 1-based, 0 if unknown */
	long column;                /* 1-based, 0 if unknown */
	char sqlstate[6];           /* PostgreSQL SQLSTATE, "" if none */
	int signo;                  /* signal number for GX_E_INTERRUPTED */
} gx_err;

/* Reset to "no error".  No operation is performed if 'e' is NULL. */
void gx_err_clear(gx_err *e);

/*
 * Set code and message (printf format) and return -(int)code, so that callers can write
 * "return gx_err_set(err, GX_E_IO, "cannot read '%s': %s", path, strerror(errno));".
 * Location fields are left as they are; 'e' may be NULL.
 */
int gx_err_set(gx_err *e, gx_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like gx_err_set, and also record the input location (file may be NULL). */
int gx_err_at(gx_err *e, gx_code code, const char *file, long line, long column,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prefix the existing message with "context: " (printf format). */
void gx_err_prefix(gx_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Process exit code for an error code (sysexits). */
int gx_err_exit_code(const gx_err *e);

/* Short stable name of a code ("dup_gene", ...) for logs; never NULL. */
const char *gx_code_name(gx_code code);

/* Stage name of a code: "setup", "extract", "transform", "load", "system". */
const char *gx_code_stage(gx_code code);

/*
 * Format the full message with its location, the way it is printed and stored:
 *   "'x/ACC.tsv', line 3, column 5: value is not a number: \"abc\""
 * Writes at most 'cap' bytes including the NUL; returns 'buf'.
 */
char *gx_err_format(const gx_err *e, char *buf, size_t cap);

/*
 * Quote a data value for an error message, PostgreSQL-COPY style: at most 100 bytes are
 * shown ("..." appended when cut), control characters escaped.  Writes into 'buf'.
 */
const char *gx_err_quote(const char *val, size_t len, char *buf, size_t cap);

#endif
