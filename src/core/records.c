/*
 * records.c - read-only accessors of the records that flow between the stages
 * (see records.h).  Nothing here allocates or fails.
 */
#include "core/records.h"

#include <ctype.h>
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

int gx_gene_base_id(const char *id, char *out, size_t cap)
{
	const char *dot = strchr(id, '.');
	size_t core = dot ? (size_t)(dot - id) : strlen(id), i;

	/* ENS, species letters (none for human), G, 11 digits, then an optional .version */
	if (core < 15 || strncmp(id, "ENS", 3) || id[core - 12] != 'G')
		return 0;
	for (i = 3; i < core - 12; i++)
		if (!isupper((unsigned char)id[i]))
			return 0;
	for (i = core - 11; i < core; i++)
		if (!isdigit((unsigned char)id[i]))
			return 0;
	if (dot) {
		if (!dot[1])
			return 0;
		for (i = 1; dot[i]; i++)
			if (!isdigit((unsigned char)dot[i]))
				return 0;
	}
	if (core + 1 > cap)
		return 0;
	memcpy(out, id, core);
	out[core] = '\0';
	return 1;
}

void gx_organism_key(const char *in, char *out, size_t cap)
{
	size_t n = 0, end;

	if (!cap)
		return;
	out[0] = '\0';
	if (!in)
		return;
	while (*in == ' ' || *in == '\t')
		in++;
	for (; *in && n + 1 < cap; in++)
		out[n++] = *in == ' ' || *in == '-' ? '_' : (char)toupper((unsigned char)*in);
	out[n] = '\0';
	for (end = n; end > 0 && out[end - 1] == '_'; end--)
		out[end - 1] = '\0'; /* trailing spaces */
}
