/*
 * feature_set.h - the features file (analysis.features, configs/features.yaml): the
 * per-sample features a load computes.
 *
 *     kind: features
 *     features:
 *       - name: gapdh_over_actb                 # a label: letters, digits, _ . -
 *         definition: log2_diff(ENSG00000111640, ENSG00000075624)
 *
 * Each definition is parsed by analyze/feature.h (log2_diff, ratio, set_mean); names
 * and canonical definitions must be unique in the file.  'hash' covers every name and
 * definition in file order: a study whose features were computed with another set is
 * computed again for every sample.  No database, no printing.
 */
#ifndef GX_FEATURE_SET_H
#define GX_FEATURE_SET_H

#include "analyze/feature.h"
#include "core/err.h"
#include "core/hash.h"

#include <stddef.h>

typedef struct gx_feature_set {
	size_t n;
	gx_feature *f;          /* n features */
	char **names;           /* n names */
	char **genes;           /* the distinct genes of every feature, sorted bytewise */
	size_t n_genes;
	char hash[GX_HASH_HEX]; /* of the set; "" for the empty set */
} gx_feature_set;

/* Read a features file; path NULL or "" is the empty set.  GX_E_CONFIG naming the file,
 * line and column for anything malformed.  *out is owned by the caller. */
int gx_feature_set_load(const char *path, gx_feature_set **out, gx_err *err);
void gx_feature_set_free(gx_feature_set *s);

/* Index of gene 'id' in s->genes, or -1. */
long gx_feature_set_gene(const gx_feature_set *s, const char *id);

#endif
