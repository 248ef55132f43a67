/*
 * illness_int.h - what the illness module's files share: illness.c (loading),
 * illness_study.c (a study's evidence collected), illness_decide.c (decided) and
 * illness_explain.c (read back).
 * Not an interface: nothing outside src/transform/illness*.c includes it.
 */
#ifndef GX_ILLNESS_INT_H
#define GX_ILLNESS_INT_H

#include "transform/illness.h"
#include "core/buf.h"
#include "core/hset.h"

#include <stdint.h>

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

/* ---- a study being labelled (illness_study.c builds it, illness_decide.c decides,
 * illness_explain.c reads the results) ---- */

#define GROUP_MAX 32        /* distinct values of a field that can still be a group field */
#define POOL_VALUE_MAX 120  /* bytes of a field value kept per reading */
#define IST_NONE ((uint32_t)-1)

/* A rule's class (`class:`); class_names in illness.c spells them in this order. */
enum {
	C_NONE = 0, C_POOLED, C_HEALTHY, C_RECOVERED, C_NEGATION, C_SEPTIC_SHOCK, C_SEPSIS,
	C_INFECTION, C_PATIENT_CONTROL, C_NONINFECTIOUS, C_CONTROL, C_PATIENT, C_OUTCOME,
	C_TIME, C_COUNT
};

/* The class named 'cls', C_NONE for "" or an unknown name (illness.c). */
int gx_illness_class_of(const char *cls);

typedef struct reading {
	const gx_rule_info *rule;
	const char *set;            /* field set name, owned by the rules */
	double confidence;
	int priority;
	uint32_t field;             /* index in st->fs */
	uint32_t text;              /* pool: the matched text */
	uint32_t value;             /* pool: the field's whole value (cut) */
	int cls;
} reading;

typedef struct field_stat {
	uint32_t name;              /* pool */
	size_t present;             /* samples that have it */
	size_t last;                /* 1 + index of the last sample counted */
	uint64_t first;             /* hash of the first value */
	int varies;                 /* two samples (or one sample twice) differ */
	int diag;                   /* the 'diagnosis' field set selects it */
	size_t nd;                  /* distinct values kept in d */
	int overflow;               /* more than GROUP_MAX distinct values */
	struct {
		uint64_t h;
		uint32_t value;         /* pool */
		uint32_t n;
	} d[GROUP_MAX];
} field_stat;

typedef struct fval {
	uint32_t field;             /* index in st->fs */
	uint32_t dv;                /* index in fs.d, IST_NONE if not kept */
} fval;

enum { HOW_NONE, HOW_OVERRIDE, HOW_POOLED, HOW_OWN, HOW_ARM, HOW_GROUP, HOW_CONSTANT,
	HOW_DEFAULT };

typedef struct smp {
	uint32_t acc;               /* pool, IST_NONE if no accession */
	size_t r0, rn;              /* readings */
	size_t v0, vn;              /* field values */
	const gx_illness_override *ov;
	int how;
	long r;                     /* deciding reading (index in st->r), -1 if none */
	const char *code;
	double conf;
	int ctrl;                   /* 1: decided as a control arm */
	uint32_t why;               /* pool: the study-level reason, IST_NONE if none */
} smp;

struct gx_illness_study {
	const gx_illness *ill;
	char *study;
	gx_buf pool;
	smp *s;
	size_t n, cap;
	reading *r;
	size_t nr, capr;
	fval *v;
	size_t nv, capv;
	field_stat *fs;
	size_t nfs, capfs;
	gx_hset fs_ix;              /* hash of a field name -> index in fs */
	int finished;
	long group;                 /* the field that splits the study, -1 if none */
	int arm;                    /* control arm: 0 none, 1 healthy, 2 patients */
};

/* The pool's string at 'off', "" for IST_NONE. */
static inline const char *pool_str(const gx_illness_study *st, uint32_t off)
{
	return off == IST_NONE ? "" : st->pool.data + off;
}

static inline const reading *rd(const gx_illness_study *st, long i)
{
	return &st->r[i];
}

/* The field of reading r's name. */
static inline const char *fname(const gx_illness_study *st, long r)
{
	return pool_str(st, st->fs[rd(st, r)->field].name);
}

/* A field with one value in every sample of a study of two or more: study-wide. */
static inline int constant(const gx_illness_study *st, uint32_t fid)
{
	const field_stat *f = &st->fs[fid];

	return st->n >= 2 && f->present == st->n && !f->varies;
}

/* The value index of field fid in sample sm, IST_NONE if the sample has none kept. */
static inline uint32_t value_of(const gx_illness_study *st, const smp *sm, uint32_t fid)
{
	size_t k;

	for (k = sm->v0; k < sm->v0 + sm->vn; k++)
		if (st->v[k].field == fid)
			return st->v[k].dv;
	return IST_NONE;
}

/* Add a copy of s (cut to POOL_VALUE_MAX bytes) to the study's pool: its offset, or
 * IST_NONE on allocation failure (illness_study.c). */
uint32_t gx_ist_pool_put(gx_illness_study *st, const char *s, size_t len);

#endif
