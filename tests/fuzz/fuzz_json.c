/* fuzz_json.c - aggregated_metadata.json on arbitrary bytes: no crash, no leak; a
 * failure is GX_E_JSON or GX_E_ENCODING (compressed) and leaves nothing; a success's
 * experiment object is valid compact JSON and its sample list holds only strings. */
#include "fuzz.h"
#include "extract/metadata.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gx_study_meta *sm = NULL;
	json_error_t je;
	gx_err err;
	size_t i;

	gx_err_clear(&err);
	if (gx_study_meta_parse("aggregated_metadata.json", (const char *)data, size, "GSE1001",
	                        &sm, &err) != 0) {
		if (sm != NULL || (err.code != GX_E_JSON && err.code != GX_E_ENCODING &&
		                   err.code != GX_E_NOMEM))
			abort();
		return 0;
	}
	if (!sm)
		abort();
	if (sm->experiment_json) {
		json_t *o = json_loads(sm->experiment_json, JSON_REJECT_DUPLICATES, &je);
		if (!o || !json_is_object(o))
			abort();
		json_decref(o);
	}
	for (i = 0; i < sm->n_sample_accessions; i++)
		if (!sm->sample_accessions[i])
			abort();
	gx_study_meta_free(sm);
	return 0;
}
