/*
 * platform.h - raw platform strings to a known chip or instrument (rules/platforms.yaml).
 *
 * A platform file (`kind: platforms`) has two rule lists for the engine in rules.h and
 * a table of known platforms:
 *   rules:     take a raw string apart, first match wins; named captures `accession`
 *              (GPL570, A-AFFY-44), `code` (refine.bio's code: hgu133plus2,
 *              Illumina_HumanHT-12_V4.0, IlluminaHiSeq2500) and `name` fill outputs;
 *   classify:  for strings not in the table, `value` is the technology and `set:`
 *              gives the manufacturer;
 *   table:     a file (`kind: platform_table`, relative to this one) of known
 *              platforms: key, name, manufacturer, technology, the GEO/ArrayExpress
 *              accessions that name it and spelling aliases;
 *   platforms: hand-curated entries; a key already in the table adds accessions and
 *              aliases to it, a new key adds a platform.
 *
 * Many accessions name one chip (GPL570, GPL15308, ... are all HG-U133 Plus 2), so a
 * result keeps the submitted accession apart from the chip: `accession` is what the
 * sample says (platform_id, or a GPL in the string), `key`/`name` are the canonical
 * chip, `chip_accession` is the chip's own primary accession.
 *
 * Lookup order: the captured code, the captured name, the captured accession, the
 * platform_id, the whole string.  Aliases and keys compare by their letters and digits
 * only, case-insensitively ("HG-U133_Plus_2" = "hgu133plus2").  An empty string with no
 * platform_id is the UNKNOWN platform; a string that is not in the table still gets a
 * name, a stable key (its letters and digits, lower case, '-' between runs), and the
 * manufacturer and technology from `classify`, with known = 0.
 *
 * After loading, a gx_platforms is immutable: normalizing is reentrant and thread-safe.
 */
#ifndef GX_PLATFORM_H
#define GX_PLATFORM_H

#include "core/err.h"
#include "core/hash.h"
#include "transform/rules.h"

#include <stddef.h>

#define GX_PLATFORM_KEY_MAX 64
#define GX_PLATFORM_ACC_MAX 32

typedef struct gx_platforms gx_platforms;

/* A known platform, for dim_platform; strings owned by the gx_platforms. */
typedef struct gx_platform_def {
	const char *key;            /* platform_key: refine.bio's code, or the GPL */
	const char *accession;      /* primary accession (first listed), "" if none */
	const char *name;           /* canonical name, without refine.bio's [CODE] prefix */
	const char *manufacturer;
	const char *technology;     /* "MICROARRAY", "RNA-SEQ" or "UNKNOWN" */
	const char *const *accessions;  /* every accession that names this platform */
	size_t n_accessions;
} gx_platform_def;

/* One normalized platform string; plain data, safe to copy. */
typedef struct gx_platform {
	char accession[GX_PLATFORM_ACC_MAX];   /* submitted accession, "" if none */
	char key[GX_PLATFORM_KEY_MAX];         /* dim_platform.platform_key */
	char name[GX_RULES_OUT_MAX];
	char manufacturer[GX_RULES_OUT_MAX];   /* "" if unknown */
	const char *technology;                /* static: MICROARRAY | RNA-SEQ | UNKNOWN */
	char chip_accession[GX_PLATFORM_ACC_MAX]; /* the chip's primary accession, "" */
	char rule_id[GX_RULES_ID_MAX];         /* parse rule that took the string apart, or
	                                          "platform_id" / "empty" */
	int known;                             /* 1 if found in the table */
} gx_platform;

/*
 * Load a platform file and its table (a table file alone loads too, without rules).
 * Errors are GX_E_RULES naming file, line and
 * rule or platform key (GX_E_CONFIG_IO when a file cannot be read).
 */
int gx_platforms_load(const char *path, gx_platforms **out, gx_err *err);
void gx_platforms_free(gx_platforms *p);

/* Known platforms in table order, then hand-curated additions. */
size_t gx_platforms_count(const gx_platforms *p);
const gx_platform_def *gx_platforms_at(const gx_platforms *p, size_t i);
/* By key (exact) or by accession (case-insensitive); NULL if unknown. */
const gx_platform_def *gx_platforms_find_key(const gx_platforms *p, const char *key);
const gx_platform_def *gx_platforms_find_accession(const gx_platforms *p, const char *acc);

const gx_rules *gx_platforms_rules(const gx_platforms *p);
const gx_rules *gx_platforms_classify(const gx_platforms *p);

/* Content hash (hex) of the platform file and its table. */
const char *gx_platforms_hash(const gx_platforms *p);

/*
 * Normalize a raw platform string (refinebio_platform; NULL or "" if none), with the
 * sample's platform_id (GPL accession; NULL or "" if none).  Returns 0 with *out filled,
 * or a negative error (GX_E_RULES for a rule that hits a match limit, GX_E_NOMEM).
 */
int gx_platform_normalize(const gx_platforms *p, const char *raw, const char *platform_id,
                          gx_platform *out, gx_err *err);

/* The same for a sample's fields (fields.h): its `platform` and `platform_id`. */
int gx_platform_normalize_fields(const gx_platforms *p, const gx_fields *f, gx_platform *out,
                                 gx_err *err);

#endif
