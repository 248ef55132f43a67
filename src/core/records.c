/*
 * records.c - read-only accessors of the records that flow between the stages
 * (see records.h).  Nothing here allocates or fails.
 */
#include "core/records.h"

#include <string.h>

int gx_metadata_col(const gx_metadata *md, const char *name)
{
	size_t i;

	for (i = 0; i < md->n_cols; i++)
		if (!strcmp(md->cols[i], name))
			return (int)i;
	return -1;
}

const char *gx_metadata_get(const gx_metadata *md, const gx_sample_row *row, gx_meta_col c)
{
	int i = md->col[c];
	if (i < 0 || !row->values[i][0])
		return NULL;
	return row->values[i];
}
