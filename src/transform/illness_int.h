/*
 * illness_int.h - what illness.c (loading) and illness_study.c (deciding) share.
 * Not an interface: nothing outside src/transform/illness*.c includes it.
 */
#ifndef GX_ILLNESS_INT_H
#define GX_ILLNESS_INT_H

#include "transform/illness.h"

typedef struct gx_illness_override {
	char *id, *study, *sample, *reason, *file;
	long line;
	const char *code;       /* the category's code */
} gx_illness_override;

struct gx_illness {
	gx_illness_category *cats;
	size_t n_cats;
	const char *def;
	const char *arm_healthy;    /* control_arm.healthy: a control arm of healthy people */
	const char *arm_patients;   /* control_arm.patients: a control arm of patients */
	gx_rules *rules;
	gx_illness_override *ov;
	size_t n_ov;
	gx_rules_digest digest;
	char hash[GX_HASH_HEX];
};

/* The override that applies to a sample, or NULL: sample overrides before study ones. */
const gx_illness_override *gx_illness_find_override(const gx_illness *ill, const char *study,
                                                    const char *sample);

#endif
