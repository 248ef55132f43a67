/* fuzz_yaml.c - the YAML reader on arbitrary bytes: no crash, no leak, no hang; a
 * failure leaves no document and carries an error code. */
#include "fuzz.h"
#include "core/yaml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gx_yaml_doc *doc = NULL;
	gx_err err;

	gx_err_clear(&err);
	if (gx_yaml_load_buffer("fuzz.yaml", (const char *)data, size, &doc, &err) == 0) {
		gx_yaml_doc_free(doc);
	} else if (doc != NULL || err.code == 0) {
		abort(); /* a failure must leave no document and say why */
	}
	return 0;
}
