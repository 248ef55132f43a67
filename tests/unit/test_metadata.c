/* test_metadata.c - the sample metadata table and aggregated_metadata.json. */
#include "core/buf.h"
#include "extract/metadata.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/gxtest_mdXXXXXX";

static void write_file(const char *data)
{
	FILE *f = fopen(path, "wb");
	fputs(data, f);
	fclose(f);
}

int main(void)
{
	gx_metadata *md = NULL;
	gx_study_meta *sm = NULL;
	gx_err err;
	gx_buf j = { 0 };
	const gx_sample_row *r;
	int fd = mkstemp(path);

	ok(fd >= 0, "temp file");
	close(fd);
	write_file("refinebio_accession_code\trefinebio_title\tz_col\ta col\trefinebio_platform\r\n"
	           "GSM2\t\"t \"\"2\"\"\"\t\tv\tGPL\r\n"
	           "GSM1\tsame\tz\tw\t\r\n"
	           "GSM3\tsame\t\t\t\r\n");
	gx_err_clear(&err);
	ok(gx_metadata_read(path, 4096, &md, &err) == 0, "reads a CRLF table with quotes");
	ok(md->n_cols == 5 && md->n_rows == 3, "5 columns, 3 rows");
	is_int(md->col[GX_COL_ACCESSION], 0, "accession column found by name");
	is_int(md->col[GX_COL_TITLE], 1, "title column found by name");
	is_int(md->col[GX_COL_ORGANISM], -1, "an absent well-known column is -1");
	r = gx_metadata_find(md, "GSM2", 0);
	ok(r && r->line == 2, "find by accession (line 2)");
	is_str(gx_metadata_get(md, r, GX_COL_TITLE), "t \"2\"", "\"\" unescaped");
	ok(gx_metadata_find(md, "same", 1) == NULL, "an ambiguous title finds nothing");
	ok(gx_metadata_get(md, gx_metadata_find(md, "GSM1", 0), GX_COL_PLATFORM) == NULL,
	   "an empty cell reads as absent");
	ok(gx_metadata_row_json(md, r, &j) == 0, "row as JSON");
	is_str(j.data, "{\"a col\":\"v\",\"refinebio_accession_code\":\"GSM2\",\"refinebio_platform\":\"GPL\","
	               "\"refinebio_title\":\"t \\\"2\\\"\"}", "keys sorted, empty values left out");
	gx_buf_release(&j);
	gx_metadata_free(md);

	write_file("title\taccession_code\nx\tE-1\n");
	ok(gx_metadata_read(path, 4096, &md, &err) == 0 && md->col[GX_COL_ACCESSION] == 1 &&
	   md->col[GX_COL_TITLE] == 0, "2018 unprefixed columns");
	ok(gx_metadata_find(md, "x", 1) == &md->rows[0], "find by title");
	gx_metadata_free(md);

	write_file("refinebio_accession_code\tb\nGSM1\t1\nGSM1\t2\n");
	ok(gx_metadata_read(path, 4096, &md, &err) < 0 && err.code == GX_E_DUP_SAMPLE && err.line == 3,
	   "duplicate accession at line 3");
	write_file("refinebio_accession_code\tb\nGSM1\n");
	ok(gx_metadata_read(path, 4096, &md, &err) < 0 && err.code == GX_E_RAGGED, "ragged row");
	write_file("x\ty\n1\t2\n");
	ok(gx_metadata_read(path, 4096, &md, &err) < 0 && err.code == GX_E_METADATA, "no accession column");
	write_file("refinebio_accession_code\tb\tb\n");
	ok(gx_metadata_read(path, 4096, &md, &err) < 0 && err.code == GX_E_METADATA &&
	   strstr(err.msg, "duplicate column"), "duplicate column name");
	write_file("refinebio_accession_code\tb\nGSM1\t\xc3\n");
	ok(gx_metadata_read(path, 4096, &md, &err) < 0 && err.code == GX_E_ENCODING, "invalid UTF-8");
	write_file("refinebio_accession_code\n\n");
	ok(gx_metadata_read(path, 4096, &md, &err) == 0 && md->n_rows == 0, "header only: no samples");
	gx_metadata_free(md);

	write_file("{\"experiments\": {\"GSE1\": {\"title\": \"T\", \"technology\": \"RNA-SEQ\","
	           " \"organisms\": [\"HOMO_SAPIENS\"], \"sample_accession_codes\": [\"A\", \"B\"],"
	           " \"description\": \"d\\u00e9\"}}}");
	ok(gx_study_meta_read(path, "GSE1", &sm, &err) == 0, "aggregated_metadata.json");
	ok(sm->title && !strcmp(sm->title, "T") && !strcmp(sm->technology, "RNA-SEQ") &&
	   !strcmp(sm->organism, "HOMO_SAPIENS"), "title, technology, organism");
	ok(!strcmp(sm->description, "d\xc3\xa9"), "\\u escapes decoded to UTF-8");
	is_int(sm->n_sample_accessions, 2, "sample_accession_codes");
	ok(sm->experiment_json && strstr(sm->experiment_json, "\"title\":\"T\""), "the experiment as JSON");
	gx_study_meta_free(sm);
	ok(gx_study_meta_read(path, "OTHER", &sm, &err) == 0 && !sm->title, "another study: nothing");
	gx_study_meta_free(sm);
	write_file("{\"a\": 1, \"a\": 2}");
	ok(gx_study_meta_read(path, "GSE1", &sm, &err) < 0 && err.code == GX_E_JSON, "duplicate JSON keys");
	write_file("[1, ");
	ok(gx_study_meta_read(path, "GSE1", &sm, &err) < 0 && err.code == GX_E_JSON && err.line == 1,
	   "truncated JSON with its position");
	unlink(path);
	return tap_done();
}
