/*
 * metadata.c - the sample metadata table and aggregated_metadata.json (see metadata.h).
 */
#include "extract/metadata.h"
#include "extract/tsv.h"
#include "core/hash.h"
#include "core/hset.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const well_known[GX_COL_COUNT][2] = {
	[GX_COL_ACCESSION] = { "refinebio_accession_code", "accession_code" },
	[GX_COL_TITLE] = { "refinebio_title", "title" },
	[GX_COL_PLATFORM] = { "refinebio_platform", "platform" },
	[GX_COL_ORGANISM] = { "refinebio_organism", "organism" },
	[GX_COL_DISEASE] = { "refinebio_disease", "disease" },
	[GX_COL_SOURCE_DB] = { "refinebio_source_database", "source_database" },
	[GX_COL_EXPERIMENT] = { "experiment_accession", NULL },
};

typedef struct rd {
	gx_metadata *md;
	gx_tsv *t;
	char **cur;         /* values of the row being read */
	size_t ncur;
	long row_index;
	gx_hset seen;       /* accession hash -> line */
} rd;

void gx_metadata_free(gx_metadata *md)
{
	size_t i, j;

	if (!md)
		return;
	for (i = 0; i < md->n_rows; i++) {
		for (j = 0; j < md->n_cols; j++)
			gx_free(md->rows[i].values[j]);
		gx_free(md->rows[i].values);
	}
	for (j = 0; j < md->n_cols; j++)
		gx_free(md->cols[j]);
	gx_free(md->rows);
	gx_free(md->cols);
	gx_free(md->path);
	gx_free(md);
}

static int md_field(void *vctx, const char *s, size_t len, gx_err *err)
{
	rd *r = vctx;
	gx_metadata *md = r->md;
	size_t bad;
	char *v;

	if (!gx_utf8_valid(s, len, &bad))
		return gx_tsv_error(r->t, err, GX_E_ENCODING, "text is not valid UTF-8 (byte %zu)",
		                    bad + 1);
	if (r->row_index == 0) {
		char **c = gx_reallocarray(md->cols, md->n_cols + 1, sizeof(*c));
		size_t i;
		if (!c)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		md->cols = c;
		for (i = 0; i < md->n_cols; i++)
			if (!strcmp(md->cols[i], s))
				return gx_tsv_error(r->t, err, GX_E_METADATA, "duplicate column name '%s'",
				                    s);
		if (!(c[md->n_cols] = gx_strndup(s, len)))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		md->n_cols++;
		return 0;
	}
	if (r->ncur >= md->n_cols) {
		r->ncur++;
		return 0; /* too many fields: reported at the row end */
	}
	if (!(v = gx_strndup(s, len)))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	r->cur[r->ncur++] = v;
	return 0;
}

static void drop_cur(rd *r)
{
	size_t i;
	for (i = 0; i < r->ncur && i < r->md->n_cols; i++) {
		gx_free(r->cur[i]);
		r->cur[i] = NULL;
	}
	r->ncur = 0;
}

static int md_row(void *vctx, size_t nfields, gx_err *err)
{
	rd *r = vctx;
	gx_metadata *md = r->md;
	long line = gx_tsv_line(r->t);
	gx_sample_row *rows;
	const char *acc;
	uint64_t prev;
	int rc, c;

	if (nfields == 0)
		return 0; /* empty lines carry no sample */
	if (r->row_index++ == 0) {
		size_t i, k;
		for (k = 0; k < GX_COL_COUNT; k++) {
			md->col[k] = -1;
			for (i = 0; i < md->n_cols && md->col[k] < 0; i++)
				if (!strcmp(md->cols[i], well_known[k][0]))
					md->col[k] = (int)i;
			for (i = 0; i < md->n_cols && md->col[k] < 0 && well_known[k][1]; i++)
				if (!strcmp(md->cols[i], well_known[k][1]))
					md->col[k] = (int)i;
		}
		if (md->col[GX_COL_ACCESSION] < 0)
			return gx_err_at(err, GX_E_METADATA, md->path, 1, 0,
			                 "no sample accession column (expected "
			                 "'refinebio_accession_code' or 'accession_code')");
		r->cur = gx_calloc(md->n_cols, sizeof(*r->cur));
		return r->cur ? 0 : gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (nfields != md->n_cols) {
		drop_cur(r);
		return gx_err_at(err, GX_E_RAGGED, md->path, line, 0,
		                 "expected %zu fields as in the header, got %zu", md->n_cols, nfields);
	}
	c = md->col[GX_COL_ACCESSION];
	acc = r->cur[c];
	if (!acc[0]) {
		drop_cur(r);
		return gx_err_at(err, GX_E_EMPTY_ID, md->path, line, c + 1, "empty sample accession");
	}
	/* the matrix readers refuse such ids (2015): a padded accession would match no
	 * column and leave its sample without metadata, silently */
	if (acc[0] == ' ' || acc[strlen(acc) - 1] == ' ') {
		char q[160];
		int ret = gx_err_at(err, GX_E_EMPTY_ID, md->path, line, c + 1,
		                    "sample accession has leading or trailing spaces: %s",
		                    gx_err_quote(acc, strlen(acc), q, sizeof(q)));
		drop_cur(r);
		return ret;
	}
	rc = gx_hset_put(&r->seen, gx_gene_hash(acc, strlen(acc)), (uint64_t)line, &prev);
	if (rc <= 0) {
		int ret = rc < 0 ? gx_err_set(err, GX_E_NOMEM, "out of memory")
		                 : gx_err_at(err, GX_E_DUP_SAMPLE, md->path, line, c + 1,
		                             "duplicate sample accession '%s' (first on line %llu)",
		                             acc, (unsigned long long)prev);
		drop_cur(r);
		return ret;
	}
	rows = gx_reallocarray(md->rows, md->n_rows + 1, sizeof(*rows));
	if (!rows) {
		drop_cur(r);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	md->rows = rows;
	rows[md->n_rows].values = r->cur;
	rows[md->n_rows].line = line;
	md->n_rows++;
	r->ncur = 0;
	r->cur = gx_calloc(md->n_cols, sizeof(*r->cur));
	return r->cur ? 0 : gx_err_set(err, GX_E_NOMEM, "out of memory");
}

int gx_metadata_read(const char *path, size_t max_field_bytes, gx_metadata **out,
                     gx_err *err)
{
	rd r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.md = gx_calloc(1, sizeof(*r.md));
	if (!r.md || !(r.md->path = gx_strdup(path))) {
		gx_free(r.md);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if ((rc = gx_tsv_open(path, max_field_bytes, &r.t, err)))
		goto out;
	rc = gx_tsv_run(r.t, md_field, md_row, &r, err);
	if (rc < 0)
		goto out;
	if (r.row_index == 0) {
		rc = gx_err_at(err, GX_E_HEADER, path, 1, 0, "no header line");
		goto out;
	}
	rc = 0;
out:
	drop_cur(&r);
	gx_free(r.cur);
	gx_hset_release(&r.seen);
	gx_tsv_close(r.t);
	if (rc) {
		gx_metadata_free(r.md);
		return rc;
	}
	*out = r.md;
	return 0;
}

const gx_sample_row *gx_metadata_find(const gx_metadata *md, const char *key, int by_title)
{
	int c = md->col[by_title ? GX_COL_TITLE : GX_COL_ACCESSION];
	const gx_sample_row *found = NULL;
	size_t i;

	if (c < 0)
		return NULL;
	for (i = 0; i < md->n_rows; i++) {
		if (!strcmp(md->rows[i].values[c], key)) {
			if (found)
				return NULL; /* ambiguous title */
			found = &md->rows[i];
			if (!by_title)
				break;
		}
	}
	return found;
}

static const gx_metadata *sort_md;

static int cmp_col(const void *a, const void *b)
{
	return strcmp(sort_md->cols[*(const size_t *)a], sort_md->cols[*(const size_t *)b]);
}

int gx_metadata_row_json(const gx_metadata *md, const gx_sample_row *row, gx_buf *out)
{
	size_t *order = gx_calloc(md->n_cols ? md->n_cols : 1, sizeof(*order));
	size_t i;
	int first = 1, rc = 0;

	if (!order)
		return -1;
	for (i = 0; i < md->n_cols; i++)
		order[i] = i;
	sort_md = md;
	qsort(order, md->n_cols, sizeof(*order), cmp_col);
	rc |= gx_buf_putc(out, '{');
	for (i = 0; i < md->n_cols; i++) {
		size_t c = order[i];
		const char *v = row->values[c];
		if (!v[0])
			continue;
		if (!first)
			rc |= gx_buf_putc(out, ',');
		first = 0;
		rc |= gx_buf_json_str(out, md->cols[c], strlen(md->cols[c]));
		rc |= gx_buf_putc(out, ':');
		rc |= gx_buf_json_str(out, v, strlen(v));
	}
	rc |= gx_buf_putc(out, '}');
	gx_free(order);
	return rc ? -1 : 0;
}

void gx_study_meta_free(gx_study_meta *sm)
{
	size_t i;

	if (!sm)
		return;
	gx_free(sm->title);
	gx_free(sm->description);
	gx_free(sm->technology);
	gx_free(sm->organism);
	gx_free(sm->source_database);
	free(sm->experiment_json); /* from jansson */
	for (i = 0; i < sm->n_sample_accessions; i++)
		gx_free(sm->sample_accessions[i]);
	gx_free(sm->sample_accessions);
	gx_free(sm);
}

static char *json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) && json_string_length(v) ? gx_strdup(json_string_value(v)) : NULL;
}

int gx_study_meta_read(const char *path, const char *acc, gx_study_meta **out, gx_err *err)
{
	gx_buf b = { 0 };
	char chunk[65536];
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return gx_err_at(err, errno == ENOENT ? GX_E_NO_FILE : GX_E_IO, path, 0, 0,
		                 "cannot open: %s", strerror(errno));
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = gx_err_at(err, GX_E_IO, path, 0, 0, "read error: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (gx_buf_append(&b, chunk, (size_t)n) < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = gx_study_meta_parse(path, b.data ? b.data : "", b.len, acc, out, err);
out:
	close(fd);
	gx_buf_release(&b);
	return rc;
}

int gx_study_meta_parse(const char *path, const char *text, size_t len, const char *acc,
                        gx_study_meta **out, gx_err *err)
{
	json_error_t je;
	json_t *root, *exps, *exp, *v;
	gx_study_meta *sm;
	const char *packed;
	size_t i;
	int rc = 0;

	*out = NULL;
	if ((packed = gx_compressed_kind((const unsigned char *)text, len < 8 ? len : 8)))
		return gx_err_at(err, GX_E_ENCODING, path, 0, 0,
		                 "%s-compressed file: gxload reads plain text; decompress it first",
		                 packed);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return gx_err_at(err, GX_E_JSON, path, je.line, je.column, "invalid JSON: %s",
		                 je.text);
	sm = gx_calloc(1, sizeof(*sm));
	if (!sm) {
		json_decref(root);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	if (!json_is_object(root)) {
		rc = gx_err_at(err, GX_E_JSON, path, 1, 1, "expected a JSON object");
		goto out;
	}
	exps = json_object_get(root, "experiments");
	exp = json_is_object(exps) ? json_object_get(exps, acc) : NULL;
	if (json_is_object(exp)) {
		sm->title = json_str(exp, "title");
		sm->description = json_str(exp, "description");
		sm->technology = json_str(exp, "technology");
		sm->source_database = json_str(exp, "source_database");
		v = json_object_get(exp, "organisms");
		if (json_is_array(v) && json_array_size(v) > 0 && json_is_string(json_array_get(v, 0)))
			sm->organism = gx_strdup(json_string_value(json_array_get(v, 0)));
		sm->experiment_json = json_dumps(exp, JSON_COMPACT | JSON_SORT_KEYS);
		v = json_object_get(exp, "sample_accession_codes");
		if (json_is_array(v) && json_array_size(v) > 0) {
			sm->sample_accessions = gx_calloc(json_array_size(v), sizeof(char *));
			if (!sm->sample_accessions) {
				rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
				goto out;
			}
			for (i = 0; i < json_array_size(v); i++) {
				json_t *a = json_array_get(v, i);
				if (json_is_string(a) &&
				    (sm->sample_accessions[sm->n_sample_accessions] =
				     gx_strdup(json_string_value(a))))
					sm->n_sample_accessions++;
			}
		}
	}
out:
	json_decref(root);
	if (rc) {
		gx_study_meta_free(sm);
		return rc;
	}
	*out = sm;
	return 0;
}
