/*
 * fields.c - raw metadata column names to the logical fields rules look at.
 *
 * Storage: every name and value is copied, NUL-terminated, into one arena buffer and
 * fields refer to it by offset, so growing the arena never invalidates a field.  The
 * joined `characteristics` field lives in its own buffer and is reported as the last
 * field.  A single-valued field (title, source_name, platform) that is set twice keeps
 * the value from the better-ranked source; the loser's bytes stay unused in the arena
 * until gx_fields_clear.
 *
 * This module knows column names only; it does not interpret values.
 */
#include "transform/fields.h"
#include "core/buf.h"
#include "core/mem.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct entry {
	size_t name_off;
	size_t val_off;
	size_t val_len;
	int rank;           /* source rank for single-valued fields; lower wins */
	int single;         /* 1: at most one field of this name */
} entry;

struct gx_fields {
	gx_buf arena;
	entry *e;
	size_t n, cap;
	gx_buf joined;      /* "key: value | key: value" of all ch: fields */
};

/* Columns that map to a single-valued logical field, best source first. */
static const struct {
	const char *raw;
	const char *logical;
	int rank;
} singles[] = {
	{ "refinebio_title", "title", 0 },
	{ "title", "title", 1 },
	{ "source_name_ch1", "source_name", 0 },
	{ "source_name", "source_name", 1 },
	{ "refinebio_platform", "platform", 0 },
	{ "platform", "platform", 1 },
	{ "platform_id", "platform_id", 0 },
	{ "description", "description", 0 },
};

/*
 * GEO, ArrayExpress and refine.bio bookkeeping columns: identifiers, contacts,
 * protocols, dates, files.  They say nothing about a sample's condition and some
 * (protocols, series descriptions) repeat study-level text for every sample.
 */
static const char *const ignored[] = {
	"accession_code", "annotations", "channel_count", "data_row_count",
	"detected_platform", "detection_percentage", "experiment_accession", "geo_accession",
	"last_update_date", "mapped_percentage", "organism", "refinebio_accession_code",
	"refinebio_organism", "refinebio_processed", "refinebio_source_archive_url",
	"refinebio_source_database", "sample_id", "series_id", "source_archive_url", "status",
	"submission_date", "type",
};

static const char *const ignored_prefixes[] = {
	"biomaterial_provider", "contact_", "data_processing", "extract_protocol", "geo_columns",
	"growth_protocol", "hyb_protocol", "label_ch", "label_protocol", "molecule_ch",
	"organism_ch", "refinebio_processor", "relation", "scan_protocol", "supplementary_file",
	"taxid_ch", "treatment_protocol",
};

/* Prefixes whose remainder is a characteristic key. */
static const char *const ch_prefixes[] = {
	"characteristics_ch1_", "characteristics_ch2_", "characteristic_", "metasra_",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int gx_fields_new(gx_fields **out, gx_err *err)
{
	*out = gx_calloc(1, sizeof(**out));
	if (!*out)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

void gx_fields_clear(gx_fields *f)
{
	if (!f)
		return;
	gx_buf_reset(&f->arena);
	gx_buf_reset(&f->joined);
	f->n = 0;
}

void gx_fields_free(gx_fields *f)
{
	if (!f)
		return;
	gx_buf_release(&f->arena);
	gx_buf_release(&f->joined);
	gx_free(f->e);
	gx_free(f);
}

size_t gx_fields_count(const gx_fields *f)
{
	return f->n + (f->joined.len > 0);
}

const char *gx_fields_name(const gx_fields *f, size_t i)
{
	if (i == f->n)
		return "characteristics";
	return f->arena.data + f->e[i].name_off;
}

const char *gx_fields_value(const gx_fields *f, size_t i, size_t *len)
{
	if (i == f->n) {
		*len = f->joined.len;
		return f->joined.data;
	}
	*len = f->e[i].val_len;
	return f->arena.data + f->e[i].val_off;
}

const char *gx_fields_get(const gx_fields *f, const char *name)
{
	size_t i, n = gx_fields_count(f), len;

	for (i = 0; i < n; i++)
		if (!strcmp(gx_fields_name(f, i), name))
			return gx_fields_value(f, i, &len);
	return NULL;
}

int gx_fields_is_builtin(const char *name)
{
	size_t i;

	if (!strncmp(name, "refinebio_", 10) || !strcmp(name, "characteristics"))
		return 1;
	for (i = 0; i < NELEM(singles); i++)
		if (!strcmp(singles[i].logical, name))
			return 1;
	return 0;
}

/* Append a NUL-terminated copy; *off receives its offset.  -1 on allocation failure. */
static int arena_put(gx_fields *f, const char *s, size_t len, size_t *off)
{
	*off = f->arena.len;
	if (gx_buf_append(&f->arena, s, len) < 0 || gx_buf_putc(&f->arena, '\0') < 0)
		return -1;
	return 0;
}

static int is_blank(const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Add or (single-valued, better rank) replace a field. */
static int put_ranked(gx_fields *f, const char *name, const char *value, size_t len,
                      int single, int rank, gx_err *err)
{
	entry *e = NULL;
	size_t i;

	if (is_blank(value, len))
		return 0;
	if (single) {
		for (i = 0; i < f->n; i++) {
			if (f->e[i].single && !strcmp(f->arena.data + f->e[i].name_off, name)) {
				if (rank >= f->e[i].rank)
					return 0;
				e = &f->e[i];
				break;
			}
		}
	}
	if (!e) {
		if (f->n == f->cap) {
			size_t ncap = f->cap ? f->cap * 2 : 32;
			entry *ne = gx_reallocarray(f->e, ncap, sizeof(*ne));
			if (!ne)
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			f->e = ne;
			f->cap = ncap;
		}
		e = &f->e[f->n];
		if (arena_put(f, name, strlen(name), &e->name_off) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		f->n++;
	}
	e->single = single;
	e->rank = rank;
	e->val_len = len;
	if (arena_put(f, value, len, &e->val_off) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

int gx_fields_put(gx_fields *f, const char *logical, const char *value, size_t len,
                  gx_err *err)
{
	return put_ranked(f, logical, value, len, 0, 0, err);
}

/*
 * "ch:" + the normalized key: ASCII lower case, '_' and white space runs as one space,
 * trimmed, cut to fit GX_FIELDS_NAME_MAX.
 */
static void ch_name(const char *key, size_t len, char out[GX_FIELDS_NAME_MAX])
{
	size_t i, o = 3;
	int space = 0;

	memcpy(out, "ch:", 3);
	for (i = 0; i < len && o < GX_FIELDS_NAME_MAX - 1; i++) {
		unsigned char c = (unsigned char)key[i];
		if (c == '_' || isspace(c)) {
			space = o > 3;
			continue;
		}
		if (space && o < GX_FIELDS_NAME_MAX - 2)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

/* One characteristic: a ch: field plus its part of the joined field. */
static int put_ch(gx_fields *f, const char *key, size_t klen, const char *value, size_t vlen,
                  gx_err *err)
{
	char name[GX_FIELDS_NAME_MAX];
	int rc;

	if (is_blank(value, vlen))
		return 0;
	ch_name(key, klen, name);
	rc = put_ranked(f, name, value, vlen, 0, 0, err);
	if (rc)
		return rc;
	if ((f->joined.len && gx_buf_puts(&f->joined, " | ") < 0) ||
	    (name[3] && gx_buf_printf(&f->joined, "%s: ", name + 3) < 0) ||
	    gx_buf_append(&f->joined, value, vlen) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	return 0;
}

static const char *trim(const char *s, const char *end, const char **tend)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*tend = end;
	return s;
}

/*
 * A joined characteristics cell, "key: value | key: value".  A piece without ": " is
 * kept whole under the empty key (field "ch:").
 */
static int put_joined(gx_fields *f, const char *s, gx_err *err)
{
	while (*s) {
		const char *bar = strchr(s, '|'), *end = bar ? bar : s + strlen(s);
		const char *colon, *ks, *ke, *vs, *ve;
		int rc;

		ks = trim(s, end, &ke);
		colon = memchr(ks, ':', (size_t)(ke - ks));
		if (colon) {
			vs = trim(colon + 1, ke, &ve);
			ke = colon;
			rc = put_ch(f, ks, (size_t)(ke - ks), vs, (size_t)(ve - vs), err);
		} else {
			rc = put_ch(f, "", 0, ks, (size_t)(ke - ks), err);
		}
		if (rc)
			return rc;
		if (!bar)
			break;
		s = bar + 1;
	}
	return 0;
}

static int has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int gx_fields_add_raw(gx_fields *f, const char *name, const char *value, gx_err *err)
{
	size_t i, vlen;

	if (!value)
		return 0;
	vlen = strlen(value);
	for (i = 0; i < NELEM(singles); i++)
		if (!strcasecmp(name, singles[i].raw))
			return put_ranked(f, singles[i].logical, value, vlen, 1, singles[i].rank, err);
	if (!strcasecmp(name, "characteristics") || !strcasecmp(name, "characteristics_ch1"))
		return put_joined(f, value, err);
	for (i = 0; i < NELEM(ignored); i++)
		if (!strcasecmp(name, ignored[i]))
			return 0;
	for (i = 0; i < NELEM(ignored_prefixes); i++)
		if (has_prefix_ci(name, ignored_prefixes[i]))
			return 0;
	if (has_prefix_ci(name, "refinebio_")) {
		char lower[GX_FIELDS_NAME_MAX];
		size_t n = strlen(name);
		if (n >= sizeof(lower))
			n = sizeof(lower) - 1;
		for (i = 0; i < n; i++)
			lower[i] = (char)tolower((unsigned char)name[i]);
		lower[n] = '\0';
		return put_ranked(f, lower, value, vlen, 0, 0, err);
	}
	for (i = 0; i < NELEM(ch_prefixes); i++) {
		if (has_prefix_ci(name, ch_prefixes[i])) {
			const char *key = name + strlen(ch_prefixes[i]);
			/* MetaSRA_<name>.unit / .confidence describe another column */
			if (i == NELEM(ch_prefixes) - 1 && strchr(key, '.'))
				return 0;
			return put_ch(f, key, strlen(key), value, vlen, err);
		}
	}
	return put_ch(f, name, strlen(name), value, vlen, err);
}
