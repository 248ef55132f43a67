/*
 * rulebook.h - the rules in effect for a run: illness and platform rules from config.
 *
 * Loads rules.illness (+ rules.overrides_dir) and rules.platforms once, and gives the
 * single content hash over every rule file in effect: the loader stores it with each
 * labelled sample and relabels a study's samples, without reloading its facts, when
 * the hash differs.  The hash covers the YAML trees (comments and layout do not
 * count), see gx_rules_digest in rules.h.
 *
 * Immutable after loading; nothing here prints or touches a database.
 */
#ifndef GX_RULEBOOK_H
#define GX_RULEBOOK_H

#include "core/config.h"
#include "core/err.h"
#include "core/hash.h"
#include "transform/illness.h"
#include "transform/platform.h"

typedef struct gx_rulebook {
	gx_illness *illness;
	gx_platforms *platforms;
	char hash[GX_HASH_HEX];     /* XXH3-128 hex over both rule sets */
} gx_rulebook;

/* Load from the config's rules.* paths.  On success *out is owned by the caller. */
int gx_rulebook_load(const gx_config *cfg, gx_rulebook **out, gx_err *err);
/* Same from explicit paths (overrides_dir NULL or "" for none). */
int gx_rulebook_load_paths(const char *illness, const char *overrides_dir,
                           const char *platforms, gx_rulebook **out, gx_err *err);
void gx_rulebook_free(gx_rulebook *rb);

#endif
