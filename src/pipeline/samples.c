/*
 * samples.c - a study's samples: the matrices opened, their columns matched to metadata
 * rows (by accession, else by title: the 2018 layout), duplicates refused, and every
 * sample labelled by the rule engines (transform/) with the hash of its dimension row
 * (see run.h).
 * Invariant: a sample's identity is its metadata accession, else its column name.
 * Does not: read values (scan.c does), or write anything.
 */
#include "pipeline/run.h"
#include "core/buf.h"
#include "core/mem.h"
#include "extract/metadata.h"
#include "transform/fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kv {
	const char *key;
	const char *value;
} kv;

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->key, ((const kv *)b)->key);
}

/* Canonical JSON of a sample's fields: metadata row, then the matrix's own attributes
 * for keys the row does not have; keys sorted, empty values left out. */
int pipe_sample_json(pipe *p, sample *sm, gx_err *err)
{
	const gx_matrix_info *info = gx_matrix_info_of(p->mats[sm->matrix]);
	size_t cap = (p->md ? p->md->n_cols : 0) + info->attrs.n_attrs, n = 0, i, j;
	kv *f = gx_calloc(cap ? cap : 1, sizeof(*f));
	gx_buf b = { 0 };
	size_t col = 0;
	int rc = 0;

	if (!f)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (sm->row)
		for (i = 0; i < p->md->n_cols; i++)
			if (sm->row->values[i][0])
				f[n++] = (kv){ p->md->cols[i], sm->row->values[i] };
	for (i = 0; i < info->n_samples; i++)
		if (p->col_sample[sm->matrix][i] == (size_t)(sm - p->samples))
			col = i;
	for (j = 0; j < info->attrs.n_attrs; j++) {
		const char *v = info->attrs.values[col * info->attrs.n_attrs + j];
		size_t k;
		int dup = 0;
		if (!v || !v[0])
			continue;
		for (k = 0; k < n && !dup; k++)
			dup = !strcmp(f[k].key, info->attrs.names[j]);
		if (!dup)
			f[n++] = (kv){ info->attrs.names[j], v };
	}
	qsort(f, n, sizeof(*f), cmp_kv);
	rc |= gx_buf_putc(&b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			rc |= gx_buf_putc(&b, ',');
		rc |= gx_buf_json_str(&b, f[i].key, strlen(f[i].key));
		rc |= gx_buf_putc(&b, ':');
		rc |= gx_buf_json_str(&b, f[i].value, strlen(f[i].value));
	}
	rc |= gx_buf_putc(&b, '}');
	gx_free(f);
	if (rc) {
		gx_buf_release(&b);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	sm->meta_json = gx_buf_steal(&b);
	return 0;
}

/* The index of platform 'pl' in p->plats, added if new: samples share their platform's
 * normalized form (about 700 bytes) instead of holding a copy each. */
static int intern_platform(pipe *p, const gx_platform *pl, size_t *ix, gx_err *err)
{
	uint64_t h = gx_hash_bytes(pl, sizeof(*pl)).lo, found;

	if (gx_hset_get(&p->plat_ix, h, &found) && !memcmp(&p->plats[found], pl, sizeof(*pl))) {
		*ix = (size_t)found;
		return 0;
	}
	if (p->n_plats == p->cap_plats) {
		size_t cap = p->cap_plats ? p->cap_plats * 2 : 8;
		gx_platform *n = gx_reallocarray(p->plats, cap, sizeof(*n));
		if (!n)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		p->plats = n;
		p->cap_plats = cap;
	}
	/* a hash collision with another platform only costs the sharing */
	if (gx_hset_put(&p->plat_ix, h, p->n_plats, NULL) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	p->plats[p->n_plats] = *pl;
	*ix = p->n_plats++;
	return 0;
}

/* The index of label 'lab' in p->labels, added if new: samples share equal labels (824
 * bytes each; a study's samples have a few distinct ones, unless the deciding values
 * differ) instead of holding a copy each.  gx_illness_study_label zeroes a label before
 * filling it, so equal labels have equal bytes. */
static int intern_label(pipe *p, const gx_illness_label *lab, size_t *ix, gx_err *err)
{
	uint64_t h = gx_hash_bytes(lab, sizeof(*lab)).lo, found;

	if (gx_hset_get(&p->label_ix, h, &found) && !memcmp(&p->labels[found], lab, sizeof(*lab))) {
		*ix = (size_t)found;
		return 0;
	}
	if (p->n_labels == p->cap_labels) {
		size_t cap = p->cap_labels ? p->cap_labels * 2 : 8;
		gx_illness_label *n = gx_reallocarray(p->labels, cap, sizeof(*n));
		if (!n)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		p->labels = n;
		p->cap_labels = cap;
	}
	/* a hash collision with another label only costs the sharing */
	if (gx_hset_put(&p->label_ix, h, p->n_labels, NULL) < 0)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	p->labels[p->n_labels] = *lab;
	*ix = p->n_labels++;
	return 0;
}

/* The dimension row's hash: identity, metadata, what the rules made of them (the label's
 * evidence chain included, so a changed reason rewrites the row), its cohort and whether
 * its matrix stores zeros. */
static int sample_hash(const pipe *p, sample *sm, gx_err *err)
{
	const gx_platform *pl = plat_of(p, sm);
	const gx_illness_label *ill = ill_of(p, sm);
	char conf[32];
	const char *f[14];
	gx_buf ev = { 0 };
	int rc = 0;

	snprintf(conf, sizeof(conf), "%.17g", ill->confidence);
	f[0] = sm->accession;
	f[1] = sm->column;
	f[2] = sm->meta_json;
	f[3] = ill->code;
	f[4] = ill->decided_by;
	f[5] = conf;
	f[6] = ill->field;
	f[7] = ill->text;
	f[8] = pl->key;
	f[9] = pl->accession;
	f[10] = pl->rule_id;
	f[11] = sm->cohort;
	f[12] = sm->sparse ? "sparse" : "dense";
	if (gx_illness_label_json(ill, &ev) < 0)
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	f[13] = gx_buf_cstr(&ev); /* the evidence chain stored with the label */
	if (!rc && gx_hash_fields(sm->content_hash, 14, f) < 0)
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	gx_buf_release(&ev);
	return rc;
}

/* The column of sample i in its matrix. */
static size_t sample_col(const pipe *p, size_t i)
{
	const sample *sm = &p->samples[i];
	const gx_matrix_info *info = gx_matrix_info_of(p->mats[sm->matrix]);
	size_t j, col = 0;

	for (j = 0; j < info->n_samples; j++)
		if (p->col_sample[sm->matrix][j] == i)
			col = j;
	return col;
}

/* The sample's value of field 'name': its metadata row's, else (empty or absent there)
 * the matrix's own attribute for its column; NULL when neither has one.  The same
 * precedence as the sample's metadata JSON (pipe_sample_json). */
static const char *field_value(const pipe *p, const sample *sm, size_t col, const char *name)
{
	const gx_matrix_info *info = gx_matrix_info_of(p->mats[sm->matrix]);
	size_t j;
	int c;

	if (sm->row && (c = gx_metadata_col(p->md, name)) >= 0 && sm->row->values[c][0])
		return sm->row->values[c];
	for (j = 0; j < info->attrs.n_attrs; j++) {
		const char *v = info->attrs.values[col * info->attrs.n_attrs + j];
		if (!strcmp(info->attrs.names[j], name) && v && v[0])
			return v;
	}
	return NULL;
}

/*
 * Label every sample and normalize its platform: the rules see every field of the
 * sample's metadata row and of the matrix's own attributes, by their raw names
 * (transform/fields.h maps them to the rules' logical fields).  Illness labels are
 * decided for the study as a whole (transform/illness.h): every sample is added first.
 */
static int label_samples(pipe *p, gx_err *err)
{
	const gx_rulebook *rb = p->opts->rules;
	gx_fields *f = NULL;
	gx_illness_study *ist = NULL;
	gx_platform *pl = gx_calloc(1, sizeof(*pl));
	gx_illness_label lab;
	size_t i, j, unknown = 0;
	int rc;

	if (!pl)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_fields_new(&f, err)) ||
	    (rc = gx_illness_study_new(rb->illness, p->acc, &ist, err))) {
		gx_fields_free(f);
		gx_free(pl);
		return rc;
	}
	for (i = 0; i < p->n_samples && !rc; i++) {
		sample *sm = &p->samples[i];
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[sm->matrix]);
		size_t col = sample_col(p, i);

		gx_fields_clear(f);
		if (sm->row)
			for (j = 0; j < p->md->n_cols && !rc; j++)
				if (sm->row->values[j][0])
					rc = gx_fields_add_raw(f, p->md->cols[j], sm->row->values[j], err);
		for (j = 0; j < info->attrs.n_attrs && !rc; j++) {
			const char *v = info->attrs.values[col * info->attrs.n_attrs + j];
			if (v && v[0] && !(sm->row && gx_metadata_col(p->md, info->attrs.names[j]) >= 0))
				rc = gx_fields_add_raw(f, info->attrs.names[j], v, err);
		}
		if (rc)
			break;
		if ((rc = gx_illness_study_add(ist, sm->accession, f, err)))
			break;
		memset(pl, 0, sizeof(*pl)); /* interned by its bytes */
		if ((rc = gx_platform_normalize_fields(rb->platforms, f, pl, err)) ||
		    (rc = intern_platform(p, pl, &sm->plat, err)))
			break;
	}
	if (!rc)
		rc = gx_illness_study_finish(ist, err);
	for (i = 0; i < p->n_samples && !rc; i++) {
		sample *sm = &p->samples[i];
		gx_illness_study_label(ist, i, &lab);
		if ((rc = intern_label(p, &lab, &sm->ill, err)))
			break;
		unknown += !strcmp(lab.code, gx_illness_default(rb->illness));
		sm->sparse = gx_matrix_info_of(p->mats[sm->matrix])->sparse;
		sm->cohort = gx_cohort_of(&p->cdef, lab.code, p->cdef.field ?
		                          field_value(p, sm, sample_col(p, i), p->cdef.field) : NULL);
		/* the metadata JSON is hashed now and built again only if the row is written */
		if (!(rc = pipe_sample_json(p, sm, err)))
			rc = sample_hash(p, sm, err);
		gx_free(sm->meta_json);
		sm->meta_json = NULL;
	}
	gx_illness_study_free(ist);
	gx_fields_free(f);
	gx_free(pl);
	if (!rc && p->n_samples)
		gx_log(GX_LOG_INFO, "transform", "labelled %zu samples (%zu %s), rules %s", p->n_samples,
		       unknown, gx_illness_default(rb->illness), rb->hash);
	return rc;
}

/* Open the matrices, match their columns to metadata rows, build the sample list. */
int pipe_build_samples(pipe *p, gx_err *err)
{
	gx_matrix_opts mo;
	size_t i, m, total = 0, unmatched = 0, by_title = 0;
	int rc;

	memset(&mo, 0, sizeof(mo));
	mo.na_values = (const char *const *)p->cfg->na_values;
	mo.n_na_values = p->cfg->n_na_values;
	mo.max_field_bytes = (size_t)p->cfg->max_field_bytes;
	mo.h5_idle_s = (unsigned)p->cfg->hdf5_idle_s;
	mo.allow_dup_genes = strcmp(p->cfg->genes_duplicates, "refuse") != 0;
	for (i = 0; i < p->files->n; i++)
		if (!strcmp(p->files->files[i].role, "matrix"))
			p->n_mats++;
	p->mats = gx_calloc(p->n_mats, sizeof(*p->mats));
	p->col_sample = gx_calloc(p->n_mats, sizeof(*p->col_sample));
	if (!p->mats || !p->col_sample)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0, m = 0; i < p->files->n; i++) {
		if (strcmp(p->files->files[i].role, "matrix"))
			continue;
		if ((rc = gx_matrix_open(p->files->files[i].path, &mo, &p->mats[m], err)))
			return rc;
		total += gx_matrix_info_of(p->mats[m])->n_samples;
		p->bytes_total += gx_matrix_info_of(p->mats[m])->bytes;
		m++;
	}
	p->samples = gx_calloc(total ? total : 1, sizeof(*p->samples));
	if (!p->samples)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (m = 0; m < p->n_mats; m++) {
		const gx_matrix_info *info = gx_matrix_info_of(p->mats[m]);
		p->col_sample[m] = gx_calloc(info->n_samples ? info->n_samples : 1, sizeof(size_t));
		if (!p->col_sample[m])
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; i < info->n_samples; i++) {
			sample *sm = &p->samples[p->n_samples];
			const char *col = info->sample_ids[i];
			size_t k;
			sm->column = col;
			sm->matrix = m;
			sm->accession = col;
			if (p->md) {
				sm->row = gx_metadata_find(p->md, col, 0);
				if (!sm->row && (sm->row = gx_metadata_find(p->md, col, 1)) != NULL) {
					sm->accession = gx_metadata_get(p->md, sm->row, GX_COL_ACCESSION);
					by_title++;
				}
				if (!sm->row)
					unmatched++;
			}
			for (k = 0; k < p->n_samples; k++) {
				if (!strcmp(p->samples[k].accession, sm->accession))
					return gx_err_at(err, GX_E_DUP_SAMPLE, p->mats[m]->path, 1, (long)i + 2,
					                 "sample '%s' appears twice (also column '%s' of '%s')",
					                 sm->accession, p->samples[k].column,
					                 p->mats[p->samples[k].matrix]->path);
			}
			p->col_sample[m][i] = p->n_samples++;
		}
	}
	if (p->opts->rules && (rc = label_samples(p, err)))
		return rc;
	if (by_title)
		gx_log(GX_LOG_INFO, "extract",
		       "%zu matrix columns are sample titles (2018 layout), matched to accessions "
		       "through the metadata", by_title);
	if (unmatched)
		gx_log(GX_LOG_WARNING, "extract",
		       "%zu of %zu matrix columns have no row in '%s'; they are loaded without "
		       "metadata", unmatched, p->n_samples, p->md->path);
	if (p->md && p->md->n_rows > p->n_samples - unmatched)
		gx_log(GX_LOG_WARNING, "extract",
		       "%zu metadata rows have no matrix column (samples without data)",
		       p->md->n_rows - (p->n_samples - unmatched));
	return 0;
}
