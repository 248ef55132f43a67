/*
 * test_fields.c - raw metadata column names to logical fields.
 */
#include "core/mem.h"
#include "tap.h"
#include "transform/fields.h"

#include <string.h>

static void add(gx_fields *f, const char *name, const char *value)
{
	gx_err err;
	if (gx_fields_add_raw(f, name, value, &err))
		printf("# add_raw: %s\n", err.msg);
}

/* All fields as "name=value;" */
static const char *dump(const gx_fields *f, char *buf, size_t cap)
{
	size_t i, o = 0, len;

	buf[0] = '\0';
	for (i = 0; i < gx_fields_count(f) && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s=%s;", gx_fields_name(f, i),
		                      gx_fields_value(f, i, &len));
	return buf;
}

int main(void)
{
	gx_fields *f = NULL;
	gx_err err;
	char buf[4096];

	gx_mem_init();
	ok(gx_fields_new(&f, &err) == 0, "new");

	/* a modern refine.bio GEO row, columns in file order */
	add(f, "refinebio_accession_code", "GSM1");
	add(f, "experiment_accession", "GSE1");
	add(f, "refinebio_disease", "sepsis");
	add(f, "refinebio_platform", "Illumina HiSeq 2500 (IlluminaHiSeq2500)");
	add(f, "refinebio_title", "Patient 1");
	add(f, "characteristics_ch1_Disease_State", "Septic shock");
	add(f, "characteristics_ch1_age", "64");
	add(f, "contact_email", "someone@example.org");
	add(f, "data_processing", "RMA, sepsis study");
	add(f, "platform_id", "GPL16791");
	add(f, "source_name_ch1", "whole blood");
	add(f, "title", "patient-1 (GEO title)");
	add(f, "MetaSRA_timepoint", "1");
	add(f, "MetaSRA_timepoint.unit", "day");
	add(f, "characteristic_organism part", "blood");
	add(f, "clinic_pheno", "Symptomatic");
	add(f, "refinebio_sex", "");
	is_str(dump(f, buf, sizeof(buf)),
	       "refinebio_disease=sepsis;"
	       "platform=Illumina HiSeq 2500 (IlluminaHiSeq2500);"
	       "title=Patient 1;"
	       "ch:disease state=Septic shock;"
	       "ch:age=64;"
	       "platform_id=GPL16791;"
	       "source_name=whole blood;"
	       "ch:timepoint=1;"
	       "ch:organism part=blood;"
	       "ch:clinic pheno=Symptomatic;"
	       "characteristics=disease state: Septic shock | age: 64 | timepoint: 1 | "
	       "organism part: blood | clinic pheno: Symptomatic;",
	       "columns map to logical fields; bookkeeping, ids and empty cells dropped");
	is_str(gx_fields_get(f, "title"), "Patient 1", "refinebio_title beats title");

	/* the better source wins whatever the order */
	gx_fields_clear(f);
	add(f, "title", "GEO title");
	add(f, "refinebio_title", "refine.bio title");
	add(f, "source_name", "legacy");
	add(f, "source_name_ch1", "ch1");
	add(f, "platform", "legacy platform");
	is_str(gx_fields_get(f, "title"), "refine.bio title", "refinebio_title wins when later");
	is_str(gx_fields_get(f, "source_name"), "ch1", "source_name_ch1 wins when later");
	is_str(gx_fields_get(f, "platform"), "legacy platform", "2018 'platform' column");
	is_int(gx_fields_count(f), 3, "one field per single-valued name");

	/* a labelled TSV's joined characteristics */
	gx_fields_clear(f);
	add(f, "characteristics", "tissue: blood | disease status: Healthy control |"
	    " study:  Sepsis study | free text without key");
	is_str(dump(f, buf, sizeof(buf)),
	       "ch:tissue=blood;ch:disease status=Healthy control;ch:study=Sepsis study;"
	       "ch:=free text without key;"
	       "characteristics=tissue: blood | disease status: Healthy control | "
	       "study: Sepsis study | free text without key;",
	       "joined characteristics are split into ch: fields");
	ok(gx_fields_get(f, "ch:age") == NULL, "absent field is NULL");

	is_int(gx_fields_is_builtin("title"), 1, "title is a built-in field name");
	is_int(gx_fields_is_builtin("refinebio_disease"), 1, "refinebio_* too");
	is_int(gx_fields_is_builtin("diagnosis"), 0, "a field set name is not");

	/* keys are cut, never overflow */
	gx_fields_clear(f);
	memset(buf, 'k', 300);
	buf[300] = '\0';
	add(f, buf, "v");
	is_int(strlen(gx_fields_name(f, 0)), GX_FIELDS_NAME_MAX - 1, "long keys are cut");

	/* clear and free accept NULL: a crash ends the binary before its plan */
	gx_fields_clear(NULL);
	gx_fields_free(f);
	gx_fields_free(NULL);
	return tap_done();
}
