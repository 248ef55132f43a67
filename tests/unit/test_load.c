/* test_load.c - the functions of load/ against a real SQLite file, migrated with the
 * project's migrations: dimension upserts rewrite a row only when its content hash
 * changes, the run ledger and source files, the judgements, the queries behind status,
 * report and rules explain, the fact writer and the one delete-samples algorithm (by key,
 * and its fall-back scan), cohort statistics, and the study lock.  What the functions
 * wrote is read back with sqlite3 directly. */
#include "analyze/cohort.h"
#include "core/config.h"
#include "core/hash.h"
#include "core/mem.h"
#include "load/cohort_store.h"
#include "load/dims.h"
#include "load/meta.h"
#include "load/migrate.h"
#include "load/queries.h"
#include "load/sink.h"
#include "tap.h"
#include "tmpdir.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *raw;

/* The first column of the first row of 'sql' as text ("" if none, "NULL" for NULL). */
static const char *q1(const char *sql)
{
	static char out[512];
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK)
		return "prepare failed";
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s",
		         sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "NULL");
	sqlite3_finalize(st);
	return out;
}

static long q1l(const char *sql)
{
	return atol(q1(sql));
}

static gx_dim_sample sample_row(int32_t study_key, const char *acc, const char *hash,
                                const char *illness_key, const char *cohort)
{
	gx_dim_sample d;

	memset(&d, 0, sizeof(d));
	d.study_key = study_key;
	d.accession = acc;
	d.column_name = acc;
	d.title = "a title";
	d.metadata = "{}";
	d.content_hash = hash;
	d.illness_key = illness_key;
	d.illness_source = "rule";
	d.illness_rule_id = "r1";
	d.illness_confidence = 0.9;
	d.cohort = cohort;
	return d;
}

static void test_dims(gx_sink *s, int32_t *study_key, int32_t keys[3], gx_err *e)
{
	gx_study_state st;
	gx_dim_study d = { "SRP1", "title", NULL, "RNA-SEQ", "HOMO_SAPIENS", "SRA", "{}" };
	gx_dim_platform pl;
	gx_code_keys *ik = NULL, *pk = NULL;
	gx_stored_sample *ss = NULL;
	gx_dim_sample sr;
	const char *accs[1] = { "GPL1" };
	char now[32], updated[64];
	size_t n = 0;
	int32_t k2 = 0, k = -1;

	ok(!gx_dim_study_state(s, "SRP1", &st, e) && st.study_key == 0 && !st.fingerprint[0],
	   "an unknown study has no state");
	/* no transaction: each statement commits, and the raw connection sees it */
	ok(!gx_dim_study_upsert(s, &d, study_key, e) && *study_key > 0, "study inserted, key %d",
	   (int)*study_key);
	snprintf(updated, sizeof(updated), "%s", q1("SELECT created_at FROM dim_study"));
	ok(updated[0] == '2', "the row is there: created at %s", updated);
	/* a marker the upsert overwrites only if it rewrites the row */
	ok(sqlite3_exec(raw, "UPDATE dim_study SET updated_at = 'marker'", NULL, NULL, NULL) ==
	   SQLITE_OK, "marker set");
	ok(!gx_dim_study_upsert(s, &d, &k2, e) && k2 == *study_key,
	   "the same study again: the same key");
	is_str(q1("SELECT updated_at FROM dim_study"), "marker", "unchanged content: row untouched");
	d.title = "new title";
	ok(!gx_dim_study_upsert(s, &d, &k2, e) && k2 == *study_key, "changed study: same key");
	is_str(q1("SELECT title FROM dim_study"), "new title", "changed content: row rewritten");
	ok(strcmp(q1("SELECT updated_at FROM dim_study"), "marker") != 0, "updated_at moved");
	is_str(q1("SELECT created_at FROM dim_study"), updated, "created_at kept from the insert");

	gx_sink_now(now);
	ok(!gx_dim_illness_upsert(s, "SEPSIS", "Sepsis", "infection", now, e) &&
	   !gx_dim_illness_upsert(s, "CONTROL", "Control", NULL, now, e), "illness upserts");
	memset(&pl, 0, sizeof(pl));
	pl.code = "GPL570";
	pl.accession = "";
	pl.name = "HG-U133 Plus 2";
	pl.manufacturer = "Affymetrix";
	pl.technology = "MICROARRAY";
	pl.accessions = accs;
	pl.n_accessions = 1;
	pl.known = 1;
	ok(!gx_dim_platform_upsert(s, &pl, e), "platform upsert");
	is_str(q1("SELECT accession IS NULL AND accessions = '[\"GPL1\"]' AND known = 1 "
	          "FROM dim_platform WHERE code = 'GPL570'"), "1",
	       "empty accession stored as NULL, accessions as JSON, known");
	ok(!gx_dim_illness_keys(s, &ik, e) && !gx_dim_platform_keys(s, &pk, e), "code keys read");
	ok(gx_code_keys_find(ik, "SEPSIS") && !strcmp(gx_code_keys_find(ik, "SEPSIS"),
	                                               q1("SELECT illness_key FROM dim_illness "
	                                                  "WHERE code = 'SEPSIS'")),
	   "illness key found by code");
	ok(!gx_code_keys_find(ik, "NOPE") && !gx_code_keys_find(NULL, "SEPSIS"),
	   "an unknown code has no key");

	sr = sample_row(*study_key, "S1", "h1", gx_code_keys_find(ik, "SEPSIS"), "SEPSIS");
	sr.platform_key = gx_code_keys_find(pk, "GPL570");
	ok(!gx_dim_sample_upsert(s, &sr, now, &keys[0], e) && keys[0] > 0, "sample S1 inserted");
	ok(!gx_dim_sample_upsert(s, &sr, now, &k, e) && k == 0, "same content: key 0, not written");
	sr.content_hash = "h1b";
	sr.title = "changed";
	sr.illness_evidence = "{\"decided_by\":\"r1\"}";
	ok(!gx_dim_sample_upsert(s, &sr, now, &k, e) && k == keys[0], "changed content: rewritten");
	is_str(q1("SELECT title || ' ' || illness_confidence || ' ' || illness_evidence "
	          "FROM dim_sample WHERE accession = 'S1'"),
	       "changed 0.9 {\"decided_by\":\"r1\"}", "rewritten row holds the new content");
	sr = sample_row(*study_key, "S2", "h2", gx_code_keys_find(ik, "CONTROL"), "CONTROL");
	ok(!gx_dim_sample_upsert(s, &sr, now, &keys[1], e) && keys[1] > keys[0], "sample S2");
	sr = sample_row(*study_key, "S3", "h3", NULL, NULL);
	ok(!gx_dim_sample_upsert(s, &sr, now, &keys[2], e) && keys[2] > keys[1], "sample S3");
	ok(!gx_dim_sample_digest(s, keys[0], "d1", 4, 1, e) &&
	   !gx_dim_sample_digest(s, keys[1], "d2", 4, 1, e),
	   "digests stored");
	ok(!gx_dim_samples_read(s, *study_key, &ss, &n, e) && n == 3, "three samples read back");
	for (k = 0; k < (int32_t)n; k++)
		if (!strcmp(ss[k].accession, "S1"))
			break;
	ok(k < (int32_t)n && ss[k].key == keys[0] && !strcmp(ss[k].digest, "d1") &&
	   ss[k].n_values == 4 && !strcmp(ss[k].content_hash, "h1b") &&
	   ss[k].cohort && !strcmp(ss[k].cohort, "SEPSIS"),
	   "S1 as stored: key, digest, count, hash, cohort");
	for (k = 0; k < (int32_t)n; k++)
		if (!strcmp(ss[k].accession, "S3"))
			break;
	ok(k < (int32_t)n && !ss[k].digest[0] && !ss[k].cohort,
	   "NULL digest read as \"\", NULL cohort as NULL");
	gx_stored_samples_free(ss, n);
	ok(!gx_dim_study_state(s, "SRP1", &st, e) && st.study_key == *study_key,
	   "a known study's state has its key");
	gx_code_keys_free(ik);
	gx_code_keys_free(pk);
}

/* facts of samples keys[0..1] x genes, written by the fact writer */
static int put_facts(gx_sink *s, int32_t study_key, const int32_t *samples, size_t ns,
                     const int32_t *genes, size_t ng, gx_fact_mode mode, gx_err *e)
{
	gx_fact_writer *w = NULL;
	int32_t sk[16], gk[16];
	double v[16], l[16];
	gx_fact_batch b = { 0 };
	size_t i, j, n = 0;
	int rc;

	for (i = 0; i < ns; i++)
		for (j = 0; j < ng; j++, n++) {
			sk[n] = samples[i];
			gk[n] = genes[j];
			v[n] = (double)(n + 1);
			l[n] = n == 5 ? NAN : log2((double)n + 2);
		}
	b.n = n;
	b.sample_key = sk;
	b.gene_key = gk;
	b.value = v;
	b.log2 = l;
	if ((rc = gx_sink_facts_begin(s, study_key, mode, &w, e)))
		return rc;
	if ((rc = gx_sink_facts_put(w, &b, e))) {
		gx_sink_facts_abort(w);
		return rc;
	}
	return gx_sink_facts_finish(w, e);
}

static void test_facts(gx_sink *s, int32_t study_key, const int32_t keys[3], gx_err *e)
{
	const char *ids[3] = { "ENSG1", "ENSG2", "ENSG3" }, *sym[3] = { "A", NULL, "C" };
	int32_t genes[3], again[3];
	int64_t deleted = -1;

	ok(!gx_sink_resolve_genes(s, "", 3, ids, sym, genes, e) && genes[0] > 0 &&
	   genes[1] > genes[0] && genes[2] > genes[1], "genes resolved to new keys");
	is_str(q1("SELECT gene_symbol FROM dim_gene WHERE gene_id = 'ENSG3'"), "C",
	       "symbol stored");
	ok(!put_facts(s, study_key, keys, 2, genes, 3, GX_FACTS_REPLACE, e), "six facts written");
	is_int(q1l("SELECT count(*) FROM fact_gene_expression"), 6, "six facts stored");
	is_str(q1("SELECT count(*) FROM fact_gene_expression WHERE log2_value IS NULL"), "1",
	       "NaN log2 stored as NULL");
	ok(!gx_dim_study_finish(s, study_key, "fp1", "ff1", "rules1", "illness", "linear", 3, e),
	   "study finished with facts");
	is_str(q1("SELECT input_fingerprint || ' ' || facts_fingerprint || ' ' || rules_hash || "
	          "' ' || value_scale || ' ' || n_samples || ' ' || n_values || ' ' || n_genes "
	          "FROM dim_study"),
	       "fp1 ff1 rules1 linear 3 8 3", "fingerprints, rules, scale and counts");
	ok(!gx_dim_study_finish(s, study_key, "fp2", "ff1", "rules2", "illness", NULL, 99, e),
	   "study finished without facts");
	is_str(q1("SELECT input_fingerprint || ' ' || value_scale || ' ' || n_genes FROM dim_study"),
	       "fp2 linear 3", "without facts scale and genes are kept");
	{
		int64_t nv64 = -1;
		long ng = -1;
		char scale[8] = "";
		ok(!gx_dim_study_summary(s, study_key, &nv64, &ng, scale, e) && nv64 == 8 &&
		   ng == 3 && !strcmp(scale, "linear"), "the stored summary read");
	}

	/* a changed sample's rows, found by key: every gene resolved in the transaction */
	ok(!gx_sink_begin(s, e), "begin");
	ok(!gx_sink_resolve_genes(s, "", 3, ids, NULL, again, e) && again[0] == genes[0] &&
	   again[2] == genes[2], "known genes keep their keys");
	ok(!gx_dim_sample_digest(s, keys[0], "d1", 3, 1, e), "S1 counts 3 values");
	ok(!gx_sink_delete_samples(s, study_key, 1, &keys[0], &deleted, e) && deleted == 3,
	   "by key: S1's 3 rows");
	ok(!gx_sink_commit(s, e), "commit");
	is_str(q1("SELECT count(*) || ' ' || min(sample_key) FROM fact_gene_expression"),
	       "3 2", "S2's rows remain");
	ok(!put_facts(s, study_key, keys, 1, genes, 3, GX_FACTS_APPEND, e), "S1 appended again");

	/* the genes of the transaction miss one of S1's: the count tells, the scan finds it */
	ok(!gx_sink_begin(s, e), "begin");
	ok(!gx_sink_resolve_genes(s, "", 2, ids, NULL, again, e), "two genes resolved");
	deleted = -1;
	ok(!gx_sink_delete_samples(s, study_key, 1, &keys[0], &deleted, e) && deleted == 3,
	   "by key and the fall-back scan: 3 rows");
	ok(!gx_sink_commit(s, e), "commit");
	is_int(q1l("SELECT count(*) FROM fact_gene_expression WHERE sample_key = 1"), 0,
	       "none of S1's rows is left");

	/* no genes resolved: by sample; a rollback restores */
	ok(!gx_sink_begin(s, e), "begin");
	deleted = -1;
	ok(!gx_sink_delete_samples(s, study_key, 1, &keys[1], &deleted, e) && deleted == 3,
	   "without resolved genes: by sample");
	deleted = -1;
	ok(!gx_sink_delete_samples(s, study_key, 0, keys, &deleted, e) && deleted == 0,
	   "no samples: nothing");
	gx_sink_rollback(s);
	is_int(q1l("SELECT count(*) FROM fact_gene_expression"), 3, "the rollback restores them");
	ok(!put_facts(s, study_key, keys, 1, genes, 3, GX_FACTS_APPEND, e), "S1 appended again");
	is_int(q1l("SELECT count(*) FROM fact_gene_expression"), 6, "six facts again");
}

static void test_stats(gx_sink *s, int32_t study_key, gx_err *e)
{
	gx_sample_stats st = { 4, 2, 1, -1.5, 8.25 }, none = { 0, 3, 0, INFINITY, -INFINITY };
	gx_stored_stats *ss = NULL;
	long ng = -1;
	int linear = -1;
	size_t n = 0;

	ok(!gx_dim_sample_stats_save(s, study_key, "S1", &st, e) &&
	   !gx_dim_sample_stats_save(s, study_key, "S2", &none, e), "statistics stored");
	ok(!gx_dim_study_figures(s, study_key, &linear, &ng, e) && linear == 1 && ng == 3,
	   "scale and genes read");
	ok(!gx_dim_sample_stats_read(s, study_key, &ss, &n, e) && n == 3, "three rows read");
	ok(n == 3 && !strcmp(ss[0].accession, "S1") && ss[0].measured && ss[0].n_values == 3 &&
	   ss[0].st.n_missing == 2 && ss[0].st.n_negative == 1 && ss[0].st.min == -1.5 &&
	   ss[0].st.max == 8.25, "S1: measured, with its figures");
	ok(n == 3 && ss[1].measured && ss[1].st.n_missing == 3 && isnan(ss[1].st.min) &&
	   isnan(ss[1].st.max), "S2: no values, so no min and max");
	ok(n == 3 && !strcmp(ss[2].accession, "S3") && !ss[2].measured, "S3: not measured");
	gx_stored_stats_free(ss, n);
}

static void test_meta(gx_sink *s, int32_t study_key, gx_err *e)
{
	gx_study_file f[2];
	gx_study_files files = { "SRP1", ".", 2, f };
	gx_check c[2] = { { "sample_count", "quality", GX_CHECK_PASS, 3, 1, "3 samples" },
	                  { "ragged_rows", "integrity", GX_CHECK_FAIL, 1, NAN, "bad row" } };
	gx_attrition a[1] = { { "missing_value", "value", 5, "cells" } };
	gx_step_time steps[2] = { { "prepare", 0.25 }, { "load", 1.5 } };
	gx_run_checks rows = { c, 2, a, 1, steps, 2 };
	gx_run_report rep;
	gx_rows *r = NULL;
	long run_id = 0, found = 0, stale = -1;

	memset(f, 0, sizeof(f));
	f[0] = (gx_study_file){ "x/SRP1.tsv", "SRP1.tsv", "matrix", "tsv", 10, 1.5e9, "aa" };
	f[1] = (gx_study_file){ "x/metadata_SRP1.tsv", "metadata_SRP1.tsv", "metadata", "tsv", 5,
	                        1.5e9, "bb" };
	ok(!gx_meta_run_start(s, "SRP1", "load", 0, 0, &run_id, e) && run_id > 0, "run started");
	ok(!gx_meta_repair_stale(s, "SRP1", run_id, &stale, e) && stale == 0, "no stale runs");
	ok(!gx_meta_files_save(s, study_key, run_id, &files, e), "files saved");
	is_str(q1("SELECT count(*) FROM meta_source_file"), "2", "both files recorded");
	snprintf(f[0].hash, sizeof(f[0].hash), "cc");
	files.n = 1;
	ok(!gx_meta_files_save(s, study_key, run_id, &files, e), "one file saved");
	is_str(q1("SELECT count(*) || ' ' || max(content_hash) FROM meta_source_file"), "1 cc",
	       "the file the study lost is forgotten, the other updated");
	ok(!gx_meta_checks_write(s, run_id, "SRP1", &rows, e), "checks written");
	ok(!gx_meta_checks_write(s, run_id, "SRP1", &(gx_run_checks){ NULL, 0, NULL, 0, steps, 2 },
	                         e), "steps written once per run");
	ok(!gx_meta_run_finish(s, run_id, "succeeded", "full", NULL, NULL, e), "run finished");
	is_str(q1("SELECT group_concat(check_name || ':' || status || ':' || "
	          "COALESCE(threshold, 'NULL'), ',') FROM meta_data_validation_log"),
	       "sample_count:PASS:1.0,ragged_rows:FAIL:NULL", "checks as rows, NAN as NULL");
	is_int(q1l("SELECT count(*) FROM meta_etl_step"), 2, "two step rows");

	ok(!gx_status_studies(s, &r, e) && r->nrows == 1 &&
	   !strcmp(gx_rows_get(r, 0, GX_SO_STUDY), "SRP1") &&
	   !strcmp(gx_rows_get(r, 0, GX_SO_STATUS), "succeeded") &&
	   !strcmp(gx_rows_get(r, 0, GX_SO_SAMPLES), "3"), "status: one study, its latest run");
	gx_rows_free(r);
	ok(!gx_status_study(s, "SRP1", &r, e) && r->nrows == 1 &&
	   !strcmp(gx_rows_get(r, 0, GX_SD_TITLE), "new title"), "status: the study's row");
	gx_rows_free(r);
	ok(!gx_status_runs(s, "SRP1", &r, e) && r->nrows == 1 &&
	   !strcmp(gx_rows_get(r, 0, GX_SR_MODE), "full"), "status: its runs");
	gx_rows_free(r);
	r = NULL;
	ok(!gx_status_files(s, "1", &r, e) && r->nrows == 1 &&
	   !strcmp(gx_rows_get(r, 0, GX_SF_PATH), "SRP1.tsv"), "status: its files");
	gx_rows_free(r);
	ok(!gx_report_find_run(s, "SRP1", &found, e) && found == run_id, "report: run by study");
	ok(gx_report_find_run(s, "999", &found, e) == -(int)GX_E_NO_STUDY &&
	   strstr(e->msg, "no run 999 in sqlite:"), "report: unknown run id");
	gx_err_clear(e);
	ok(!gx_report_read(s, run_id, &rep, e) && rep.run->nrows == 1 && rep.checks->nrows == 2 &&
	   rep.attr->nrows == 1 && rep.steps->nrows == 2 &&
	   !strcmp(gx_rows_get(rep.checks, 1, GX_RC_STATUS), "FAIL") &&
	   !strcmp(gx_rows_get(rep.steps, 0, GX_RS_STEP), "prepare") &&
	   strchr(gx_rows_get(rep.run, 0, GX_RR_STARTED), 'T'), "report: the run's rows");
	gx_run_report_free(&rep);
	ok(!gx_explain_samples(s, "SRP1", &r, e) && r->nrows == 3 &&
	   !strcmp(gx_rows_get(r, 0, GX_EX_ILLNESS), "SEPSIS") &&
	   !strcmp(gx_rows_get(r, 0, GX_EX_PLATFORM), "GPL570") &&
	   !gx_rows_get(r, 2, GX_EX_ILLNESS), "explain: the samples' stored labels");
	ok(r && r->nrows == 3 && !strcmp(gx_rows_get(r, 0, GX_EX_EVIDENCE), "{\"decided_by\":\"r1\"}") &&
	   !gx_rows_get(r, 1, GX_EX_EVIDENCE), "explain: the stored evidence, NULL where none");
	gx_rows_free(r);
	ok(!gx_explain_studies(s, &r, e) && r->nrows == 1 &&
	   !strcmp(gx_rows_get(r, 0, 0), "SRP1"), "explain: the studies with samples");
	gx_rows_free(r);
}

static void test_cohorts(gx_sink *s, const gx_config *cfg, int32_t study_key, gx_err *e)
{
	const char *ids[2] = { "ENSG1", "ENSG2" };
	gx_cohort_acc a;
	gx_hset gene_keys = { 0 };
	int32_t keys[2], rank[4];
	const char *ill[2];
	char k0[16], k1[16];
	unsigned char changed[2] = { 0, 0 };
	size_t c0, c1, r0, r1, i;
	long n = -1;

	/* the loader's way: accumulated, ranked, stored */
	memset(&a, 0, sizeof(a));
	ok(!gx_sink_resolve_genes(s, "", 2, ids, NULL, keys, e), "gene keys");
	for (i = 0; i < 2; i++)
		gx_hset_put(&gene_keys, gx_gene_hash(ids[i], strlen(ids[i])), (uint64_t)keys[i], NULL);
	ok(!gx_cohort_acc_cohort(&a, "SEPSIS", &c0, e) && !gx_cohort_acc_cohort(&a, "CONTROL", &c1, e)
	   && !gx_cohort_acc_gene(&a, gx_gene_hash(ids[0], 5), ids[0], &r0, e) &&
	   !gx_cohort_acc_gene(&a, gx_gene_hash(ids[1], 5), ids[1], &r1, e), "accumulator");
	for (i = 0; i < 4; i++) {
		gx_cohort_acc_add(&a, r0, c0, (double)i);
		gx_cohort_acc_add(&a, r1, c0, (double)i * 2);
		gx_cohort_acc_add(&a, r0, c1, 1.0 + (double)i);
		gx_cohort_acc_add(&a, r1, c1, 5.0);
	}
	snprintf(k0, sizeof(k0), "%s", q1("SELECT illness_key FROM dim_illness "
	                                  "WHERE code = 'SEPSIS'"));
	snprintf(k1, sizeof(k1), "%s", q1("SELECT illness_key FROM dim_illness "
	                                  "WHERE code = 'CONTROL'"));
	ill[c0] = k0;
	ill[c1] = k1;
	ok(!gx_cohort_rank(&a, cfg, rank, e), "ranked");
	n = -1;
	ok(!gx_cohort_store(s, study_key, &a, rank, &gene_keys, "illness", ill, NULL, &n, e) && n == 4,
	   "every cohort written: 4 rows");
	is_str(q1("SELECT n || ' ' || mean || ' ' || candidate_rank FROM fact_cohort_gene_stats c "
	          "JOIN dim_gene g ON g.gene_key = c.gene_key JOIN dim_illness i "
	          "ON i.illness_key = c.illness_key WHERE g.gene_id = 'ENSG2' AND i.code = 'SEPSIS'"),
	       "4 3.0 1", "ENSG2 in SEPSIS: n, mean, the top rank");
	is_int(q1l("SELECT count(*) FROM fact_cohort_gene_stats WHERE stddev = 0 AND "
	           "candidate_rank IS NULL"), 1, "a gene without spread is no candidate");
	n = -1;
	ok(!gx_cohort_store(s, study_key, &a, rank, &gene_keys, "illness", ill, changed, &n, e) && n == 0,
	   "unchanged cohorts whose stored rows check out are kept: nothing written");
	changed[c1] = 1;
	n = -1;
	ok(!gx_cohort_store(s, study_key, &a, rank, &gene_keys, "illness", ill, changed, &n, e) && n == 2,
	   "one changed cohort: its 2 rows rewritten");
	is_int(q1l("SELECT count(*) FROM fact_cohort_gene_stats"), 4, "4 rows in all");
	gx_cohort_acc_release(&a);
	gx_hset_release(&gene_keys);
}

static void test_lock(gx_sink *s, const gx_config *cfg, gx_err *e)
{
	gx_study_lock a, b;

	ok(!gx_study_lock_acquire(&a, s, cfg, "SRP1", e), "study lock taken");
	ok(gx_study_lock_acquire(&b, NULL, cfg, "SRP1", e) == -(int)GX_E_LOCKED,
	   "a second holder is refused");
	gx_err_clear(e);
	gx_study_lock_release(&b);
	gx_study_lock_release(&a);
	ok(!gx_study_lock_acquire(&b, NULL, cfg, "SRP1", e), "free again after release");
	gx_study_lock_release(&b);
}

int main(void)
{
	gx_config_args args;
	gx_config *cfg = NULL;
	gx_sink *s = NULL;
	gx_err e;
	int32_t study_key = 0, keys[3] = { 0, 0, 0 };
	const char *top;
	char url[600];

	gx_err_clear(&e);
	if (tmp_init())
		return 1;
	unsetenv("GXLOAD_CONFIG");
	unsetenv("GXLOAD_DB");
	tmp_write("gx.yaml", "lock_dir: lock\nload:\n  lock_timeout_s: 0\n");
	snprintf(url, sizeof(url), "sqlite:%s", tmp_path("t.db"));
	memset(&args, 0, sizeof(args));
	args.config_path = tmp_path("gx.yaml");
	args.db_url = url;
	ok(!gx_config_load(&args, &cfg, &e), "config");
	ok(cfg && !gx_sink_open(cfg, "test", 0, &s, &e), "sink opened");
	/* the migrations of this tree (tests/run.sh sets GXLOAD_TOP) */
	top = getenv("GXLOAD_TOP");
	ok(s && !gx_migrate_apply(s, top && *top ? top : cfg->share_dir, NULL, &e), "migrated%s%s",
	   e.code ? ": " : "", e.msg);
	if (!s || sqlite3_open(tmp_path("t.db"), &raw) != SQLITE_OK)
		return tap_done();
	ok(!strncmp(gx_sink_url(s), "sqlite:", 7), "url");
	test_dims(s, &study_key, keys, &e);
	test_facts(s, study_key, keys, &e);
	test_stats(s, study_key, &e);
	test_meta(s, study_key, &e);
	test_cohorts(s, cfg, study_key, &e);
	test_lock(s, cfg, &e);
	if (e.code)
		printf("# last error: %s\n", e.msg);
	sqlite3_close(raw);
	gx_sink_close(s);
	gx_config_free(cfg);
	tmp_cleanup();
	return tap_done();
}
