/*
 * feature.h - per-sample features: values derived from a few genes of one sample.
 *
 * Three kinds, over a sample's log2 values:
 *   log2_diff(A,B)        log2 A - log2 B
 *   ratio(A,B)            A / B on the linear scale: 2^(log2 A - log2 B)
 *   set_mean(G1,...,Gk)   mean of log2 G1 .. log2 Gk (a set: order and repeats do not
 *                         matter, so the genes are sorted and deduplicated)
 * A feature's definition is its canonical text (the forms above, gene ids as given,
 * no spaces) and its id a hash of that text (gx_feature_id), so the same feature gets
 * the same id in every database and run.  A sample missing any of the genes has no
 * value (NaN).  No database, no I/O.
 */
#ifndef GX_FEATURE_H
#define GX_FEATURE_H

#include "core/err.h"
#include "core/hash.h"

#include <stddef.h>

typedef enum gx_feature_kind {
	GX_FEATURE_LOG2_DIFF = 0,
	GX_FEATURE_RATIO = 1,
	GX_FEATURE_SET_MEAN = 2,
} gx_feature_kind;

typedef struct gx_feature {
	gx_feature_kind kind;
	size_t n_genes;
	char **genes;           /* canonical order: as given for pairs, sorted for sets */
	char *definition;       /* canonical text, e.g. "log2_diff(ENSG1,ENSG2)" */
	char id[GX_HASH_HEX];   /* 32 hex digits: XXH3-128 of the definition */
} gx_feature;

/*
 * Build a feature from its kind and genes (copied).  Pairs take exactly two different
 * genes; sets at least one.  A gene id is non-empty and holds no space, comma,
 * parenthesis or control character.  GX_E_CONFIG with the offending text otherwise.
 * The caller releases f with gx_feature_release (also after an error).
 */
int gx_feature_make(gx_feature *f, gx_feature_kind kind, const char *const *genes,
                    size_t n_genes, gx_err *err);

/* Parse a definition ("log2_diff(A, B)", "ratio(A,B)", "set_mean(A, B, C)"; spaces
 * around names allowed) into f.  GX_E_CONFIG naming the text when it is not one. */
int gx_feature_parse(gx_feature *f, const char *text, gx_err *err);

/* Frees what f owns; NULL accepted. */
void gx_feature_release(gx_feature *f);

/* The feature's value for one sample: log2[i] is the sample's log2 value of genes[i]
 * (NaN when missing).  NaN when any is missing or not finite. */
double gx_feature_value(const gx_feature *f, const double *log2);

/* "log2_diff", "ratio", "set_mean". */
const char *gx_feature_kind_name(gx_feature_kind kind);

#endif
