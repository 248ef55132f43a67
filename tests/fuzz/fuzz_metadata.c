/* fuzz_metadata.c - the sample metadata table (metadata_<ACC>.tsv) on arbitrary bytes:
 * no crash, no leak; a failure carries a code and leaves no table; a success has an
 * accession column, every row as many values as the header, non-empty unique
 * accessions, and every row's canonical JSON is a JSON object that jansson reads back. */
#include "fuzz.h"
#include "fuzz_file.h"
#include "extract/metadata.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(0, data, size);
	gx_metadata *md = NULL;
	gx_err err;
	size_t i, j;

	if (!path)
		return 0;
	gx_err_clear(&err);
	if (gx_metadata_read(path, 4096, &md, &err) != 0) {
		if (md != NULL || err.code == 0)
			abort(); /* a failure says why and leaves nothing */
		return 0;
	}
	if (md->col[GX_COL_ACCESSION] < 0 || md->n_cols == 0)
		abort();
	{
		const char **acc = malloc((md->n_rows + 1) * sizeof(*acc));
		for (i = 0; i < md->n_rows; i++) {
			for (j = 0; j < md->n_cols; j++)
				if (!md->rows[i].values[j])
					abort();
			acc[i] = md->rows[i].values[md->col[GX_COL_ACCESSION]];
			if (!acc[i][0])
				abort(); /* accessions are never empty */
		}
		qsort(acc, md->n_rows, sizeof(*acc), cmp_str);
		for (i = 1; i < md->n_rows; i++)
			if (!strcmp(acc[i - 1], acc[i]))
				abort(); /* nor repeated */
		free(acc);
	}
	for (i = 0; i < md->n_rows; i++) {
		gx_buf b = { 0 };
		json_error_t je;
		json_t *o;
		if (gx_metadata_row_json(md, &md->rows[i], &b) != 0)
			abort();
		o = json_loadb(b.data ? b.data : "", b.len, 0, &je);
		if (!o || !json_is_object(o))
			abort(); /* the canonical text is a JSON object */
		json_decref(o);
		gx_buf_release(&b);
	}
	gx_metadata_free(md);
	return 0;
}
