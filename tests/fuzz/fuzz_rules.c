/* fuzz_rules.c - the YAML rule files as gxload loads them (transform/rulebook.h): the
 * first byte picks which file the rest of the input is (0: the illness rules, 1: the
 * platform rules or a platform table, 2: an overrides file added to the illness rules);
 * the other files are small valid ones.  No crash, no leak, no hang (libFuzzer's timeout:
 * PCRE2 limits must hold); a failure carries a code and leaves no rulebook; a success
 * labels and normalizes a few fixed samples without an error other than a rule's limit. */
#include "fuzz.h"
#include "fuzz_file.h"
#include "transform/fields.h"
#include "transform/rulebook.h"

#include <stdlib.h>
#include <string.h>

static const char illness_yaml[] =
	"kind: illness\n"
	"categories:\n"
	"  - {code: SEPSIS, label: Sepsis, description: septic}\n"
	"  - {code: CONTROL, label: Healthy control, description: healthy}\n"
	"  - {code: UNKNOWN, label: Unknown, description: not stated}\n"
	"default: UNKNOWN\n"
	"defaults: {flags: [caseless]}\n"
	"field_sets:\n"
	"  dx: {priority: 300, confidence: 0.9, fields: [\"ch:*disease*\", refinebio_disease]}\n"
	"rules:\n"
	"  - {id: sepsis, fields: [dx, title], pattern: 'sep(sis|tic)', value: SEPSIS}\n"
	"  - {id: healthy, fields: [dx, title], pattern: healthy, value: CONTROL}\n";

static const char platforms_yaml[] =
	"kind: platforms\n"
	"defaults: {flags: [caseless]}\n"
	"rules:\n"
	"  - {id: acc, fields: [platform], pattern: '^\\s*(?<accession>GPL\\d+)\\s*$'}\n"
	"  - {id: whole, fields: [platform], pattern: '^\\s*(?<name>.*?)\\s*$'}\n"
	"platforms:\n"
	"  - {key: hgu133plus2, name: Affymetrix Human Genome U133 Plus 2.0 Array,\n"
	"     manufacturer: Affymetrix, technology: MICROARRAY, accessions: [GPL570]}\n";

static const char *const samples[][4] = {
	{ "refinebio_disease", "septic shock", "refinebio_platform", "GPL570" },
	{ "characteristics_ch1_disease state", "healthy control", "refinebio_platform",
	  "[HG-U133_Plus_2] Affymetrix Human Genome U133 Plus 2.0 Array" },
	{ "refinebio_title", "patient 3, day 1", "refinebio_platform", "Illumina HiSeq 2500" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ill, *plat, *ovr = NULL;
	gx_rulebook *rb = NULL;
	gx_fields *f = NULL;
	gx_err err;
	size_t i;
	int which;

	if (size < 1)
		return 0;
	which = data[0] % 3;
	ill = fuzz_file(1, which == 0 ? data + 1 : (const uint8_t *)illness_yaml,
	                which == 0 ? size - 1 : sizeof(illness_yaml) - 1);
	plat = fuzz_file(2, which == 1 ? data + 1 : (const uint8_t *)platforms_yaml,
	                 which == 1 ? size - 1 : sizeof(platforms_yaml) - 1);
	if (which == 2)
		ovr = fuzz_file(3, data + 1, size - 1);
	if (!ill || !plat || (which == 2 && !ovr))
		return 0;
	gx_err_clear(&err);
	if (gx_rulebook_load_paths(ill, NULL, plat, &rb, &err) != 0) {
		if (rb || err.code == 0)
			abort();
		return 0;
	}
	if (ovr && gx_illness_add_overrides(rb->illness, ovr, &err) != 0 && err.code == 0)
		abort();
	if (gx_fields_new(&f, &err) != 0)
		abort();
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		gx_illness_label lab;
		gx_platform pl;
		gx_fields_clear(f);
		gx_fields_add_raw(f, samples[i][0], samples[i][1], &err);
		gx_fields_add_raw(f, samples[i][2], samples[i][3], &err);
		gx_err_clear(&err);
		if (gx_illness_label_sample(rb->illness, "GSE1", "GSM1", f, &lab, &err) == 0) {
			if (!lab.code || !gx_illness_category_find(rb->illness, lab.code))
				abort(); /* a label is always a category of the file */
		} else if (err.code != GX_E_RULES && err.code != GX_E_NOMEM) {
			abort();
		}
		gx_err_clear(&err);
		if (gx_platform_normalize_fields(rb->platforms, f, &pl, &err) != 0 &&
		    err.code != GX_E_RULES && err.code != GX_E_NOMEM)
			abort();
	}
	gx_fields_free(f);
	gx_rulebook_free(rb);
	return 0;
}
