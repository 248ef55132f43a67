/*
 * labels.h - the illness labels stored with the samples: what `rules explain` reads
 * back and the evidence chain the loader writes next to each label.
 *
 * Every statement about stored labels lives here, behind these functions.
 */
#ifndef GX_LABELS_H
#define GX_LABELS_H

#include "load/sink.h"

#include <stdint.h>

/*
 * The samples of a loaded study, by accession, one row each: accession, metadata (JSON),
 * illness code, illness_source, illness_rule_id, illness_field, illness_matched_text,
 * platform code, illness_evidence (JSON text or NULL).  No rows: the study has none.
 */
enum { GX_LABELS_ACC, GX_LABELS_META, GX_LABELS_CODE, GX_LABELS_SOURCE, GX_LABELS_RULE,
	GX_LABELS_FIELD, GX_LABELS_TEXT, GX_LABELS_PLATFORM, GX_LABELS_EVIDENCE };
int gx_labels_read_study(gx_sink *s, const char *study, gx_rows **out, gx_err *err);

/* Accessions of every study with samples, sorted. */
int gx_labels_studies(gx_sink *s, gx_rows **out, gx_err *err);

/* Store a sample's evidence chain (JSON text; NULL clears it). */
int gx_labels_set_evidence(gx_sink *s, int32_t sample_key, const char *json, gx_err *err);

#endif
