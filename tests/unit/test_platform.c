/*
 * test_platform.c - platform table, lookups, accession vs chip, unknown platforms.
 *
 * Uses small hand-written files; the shipped rules are exercised by test_rules_cases
 * (rules/tests/platform_cases.tsv).
 */
#include "core/mem.h"
#include "expect_err.h"
#include "oom.h"
#include "tap.h"
#include "tmpdir.h"
#include "transform/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *table_yaml =
	"kind: platform_table\n"
	"platforms:\n"
	"  - key: hgu133plus2\n"
	"    name: Affymetrix Human Genome U133 Plus 2.0 Array\n"
	"    manufacturer: Affymetrix\n"
	"    technology: MICROARRAY\n"
	"    accessions: [GPL570, GPL15308, A-AFFY-44]\n"
	"    aliases: [\"[HG-U133_Plus_2] Affymetrix Human Genome U133 Plus 2.0 Array\"]\n"
	"  - key: hgu133a2\n"
	"    name: Affymetrix Human Genome U133A 2.0 Array\n"
	"    manufacturer: Affymetrix\n"
	"    technology: MICROARRAY\n"
	"    accessions: [GPL571, GPL9188]\n"
	"  - key: IlluminaHiSeq2500\n"
	"    name: Illumina HiSeq 2500\n"
	"    manufacturer: Illumina\n"
	"    technology: RNA-SEQ\n"
	"    aliases: [HiSeq 2500]\n";

static const char *platforms_yaml =
	"kind: platforms\n"
	"table: table.yaml\n"
	"defaults: {flags: [caseless]}\n"
	"rules:\n"
	"  - {id: acc, fields: [platform], pattern: '^\\s*(?<accession>GPL\\d+)\\s*$'}\n"
	"  - {id: paren, fields: [platform], pattern: '^(?<name>.*?\\S)\\s*\\((?<code>[^()]+)\\)$'}\n"
	"  - {id: whole, fields: [platform], pattern: '^\\s*(?<name>.*?)\\s*$'}\n"
	"classify:\n"
	"  - {id: seq, fields: [platform], pattern: 'novaseq', value: RNA-SEQ,\n"
	"     set: {manufacturer: Illumina}}\n"
	"platforms:\n"
	"  - {key: IlluminaHiSeq2500, accessions: [GPL16791]}\n"
	"  - {key: UNKNOWN, name: UNKNOWN, technology: UNKNOWN, aliases: [n/a]}\n";

static void norm(const gx_platforms *p, const char *raw, const char *pid, gx_platform *out)
{
	gx_err err;

	if (gx_platform_normalize(p, raw, pid, out, &err))
		printf("# normalize: %s\n", err.msg);
}

static void test_normalize(void)
{
	gx_platforms *p = NULL;
	gx_platform r;
	gx_err err;
	int rc;

	tmp_write("table.yaml", table_yaml);
	tmp_write("platforms.yaml", platforms_yaml);
	rc = gx_platforms_load(tmp_path("platforms.yaml"), &p, &err);
	ok(rc == 0, "platform file and its table load");
	if (rc) {
		diag(err.msg);
		return;
	}
	is_int(gx_platforms_count(p), 4, "three from the table, UNKNOWN added by hand");
	is_str(gx_platforms_at(p, 0)->accession, "GPL570", "primary accession is the first");
	is_int(gx_platforms_at(p, 0)->n_accessions, 3, "every accession is listed");
	ok(gx_platforms_find_accession(p, "gpl15308") == gx_platforms_at(p, 0),
	   "accessions compare case-insensitively");
	ok(gx_platforms_find_accession(p, "GPL16791") == gx_platforms_find_key(p,
	   "IlluminaHiSeq2500"), "a hand-curated accession extends a table platform");
	ok(gx_platforms_find_key(p, "nope") == NULL, "unknown key");

	norm(p, "Affymetrix Human Genome U133 Plus 2.0 Array (hgu133plus2)", NULL, &r);
	is_str(r.key, "hgu133plus2", "refine.bio code");
	is_str(r.accession, "", "no submitted accession in that string");
	is_str(r.chip_accession, "GPL570", "the chip's own accession");
	is_str(r.rule_id, "paren", "rule that took it apart");
	is_int(r.known, 1, "known");

	norm(p, "Affymetrix Human Genome U133A 2.0 Array (hgu133a2)", "GPL9188", &r);
	is_str(r.key, "hgu133a2", "chip from the string");
	is_str(r.accession, "GPL9188", "submitted accession from platform_id, kept apart");
	is_str(r.chip_accession, "GPL571", "chip's primary accession differs");

	norm(p, "Affymetrix Human Genome U133A 2.0 Array (hgu133a2)", "GPL570", &r);
	is_str(r.key, "hgu133a2", "the string decides the chip over a conflicting GPL");
	is_str(r.accession, "GPL570", "the GPL is still what was submitted");

	norm(p, "GPL15308", NULL, &r);
	is_str(r.key, "hgu133plus2", "a bare accession finds its chip");
	is_str(r.accession, "GPL15308", "and is the submitted accession");
	is_str(r.chip_accession, "GPL570", "the chip keeps its own");

	norm(p, "[HG-U133_Plus_2] Affymetrix Human Genome U133 Plus 2.0 Array", NULL, &r);
	is_str(r.key, "hgu133plus2", "an alias (whole string)");

	norm(p, "HiSeq-2500", NULL, &r);
	is_str(r.key, "IlluminaHiSeq2500", "aliases compare by letters and digits");
	is_str(r.technology, "RNA-SEQ", "technology from the table");

	norm(p, "Illumina NextSeq 500 (Homo sapiens)", NULL, &r);
	is_int(r.known, 0, "not in this table");
	is_str(r.key, "illumina-nextseq-500", "a derived key from the name, not the organism");
	is_str(r.name, "Illumina NextSeq 500", "the name part");
	is_str(r.technology, "UNKNOWN", "no classify rule matched");

	norm(p, "Illumina NovaSeq 7000", NULL, &r);
	is_str(r.technology, "RNA-SEQ", "classify gives the technology");
	is_str(r.manufacturer, "Illumina", "and the manufacturer");

	norm(p, "", "GPL16791", &r);
	is_str(r.key, "IlluminaHiSeq2500", "no string: the platform_id decides");
	is_str(r.rule_id, "platform_id", "rule id says so");

	norm(p, NULL, NULL, &r);
	is_str(r.key, "UNKNOWN", "nothing at all: UNKNOWN");
	is_str(r.technology, "UNKNOWN", "technology UNKNOWN");
	norm(p, "N/A", NULL, &r);
	is_str(r.key, "UNKNOWN", "an UNKNOWN alias");
	norm(p, "", "GPL99999", &r);
	is_str(r.key, "GPL99999", "an unknown GPL alone keys itself");
	is_str(r.accession, "GPL99999", "and is kept as submitted");
	norm(p, "GPL570", "not-an-accession", &r);
	is_str(r.accession, "GPL570", "an invalid platform_id is ignored");

	{
		gx_fields *f = NULL;
		gx_fields_new(&f, &err);
		gx_fields_add_raw(f, "refinebio_platform", "Affymetrix Human Genome U133A 2.0 Array "
		                  "(hgu133a2)", &err);
		gx_fields_add_raw(f, "platform_id", "GPL9188", &err);
		ok(gx_platform_normalize_fields(p, f, &r, &err) == 0 && !strcmp(r.key, "hgu133a2") &&
		   !strcmp(r.accession, "GPL9188"), "normalize a sample's mapped fields");
		gx_fields_free(f);
	}
	gx_platforms_free(p);
}

static void bad(const char *table, const char *platforms, const char *what, const char *n1,
                const char *n2)
{
	gx_platforms *p = NULL;
	gx_err err;
	int rc;

	tmp_write("table.yaml", table);
	tmp_write("platforms.yaml", platforms);
	gx_err_clear(&err);
	rc = gx_platforms_load(tmp_path("platforms.yaml"), &p, &err);
	expect_err(rc, &err, GX_E_RULES, what, n1, n2);
	gx_platforms_free(p);
}

static void test_errors(void)
{
	static const char *plain = "kind: platforms\ntable: table.yaml\n";
	char buf[2048];

	snprintf(buf, sizeof(buf), "%s  - {key: other, name: Other, technology: MICROARRAY,\n"
	         "     aliases: [HG U133 Plus 2]}\n", table_yaml);
	bad(buf, plain, "an alias naming two platforms", "alias 'HG U133 Plus 2' already names "
	    "platform 'hgu133plus2'", "table.yaml', line");
	snprintf(buf, sizeof(buf), "%s  - {key: other, name: Other, technology: MICROARRAY,\n"
	         "     accessions: [gpl570]}\n", table_yaml);
	bad(buf, plain, "an accession naming two platforms", "accession 'GPL570' already names",
	    NULL);
	snprintf(buf, sizeof(buf), "%s  - {key: hgu133a2, name: X, technology: MICROARRAY}\n",
	         table_yaml);
	bad(buf, plain, "a duplicate key in the table", "duplicate platform key 'hgu133a2'", NULL);
	bad(table_yaml, "kind: platforms\ntable: table.yaml\nplatforms:\n"
	    "  - {key: hgu133a2, technology: RNA-SEQ}\n", "hand entry contradicting the table",
	    "technology differs", NULL);
	bad(table_yaml, "kind: platforms\ntable: table.yaml\nplatforms:\n"
	    "  - {key: x, name: X, technology: ARRAY}\n", "unknown technology",
	    "technology must be MICROARRAY, RNA-SEQ or UNKNOWN", NULL);
	bad(table_yaml, "kind: platforms\ntable: table.yaml\nplatforms:\n"
	    "  - {key: x, name: X, technology: MICROARRAY, accessions: [570]}\n",
	    "malformed accession", "'570' is not a GPL", NULL);
	bad(table_yaml, "kind: platforms\ntable: table.yaml\nclassify:\n"
	    "  - {id: c, fields: [platform], pattern: x, value: MICRO}\n",
	    "classify value that is not a technology", "rule 'c': value 'MICRO'", NULL);
	bad(table_yaml, "kind: platforms\ntable: table.yaml\nrules:\n"
	    "  - {id: p, fields: [platform], pattern: '(?<name>x', value: A}\n",
	    "bad pattern", "rule 'p': bad pattern at offset", "platforms.yaml', line 4");
	bad("kind: illness\n", plain, "table of the wrong kind", "expected 'kind: platform_table'",
	    NULL);
}

static void test_hash(void)
{
	gx_platforms *a = NULL, *b = NULL;
	char buf[2048];
	gx_err err;

	tmp_write("table.yaml", table_yaml);
	tmp_write("platforms.yaml", platforms_yaml);
	if (gx_platforms_load(tmp_path("platforms.yaml"), &a, &err))
		return;
	snprintf(buf, sizeof(buf), "%s  - {key: extra, name: Extra, technology: MICROARRAY}\n",
	         table_yaml);
	tmp_write("table.yaml", buf);
	ok(gx_platforms_load(tmp_path("platforms.yaml"), &b, &err) == 0 &&
	   strcmp(gx_platforms_hash(a), gx_platforms_hash(b)) != 0,
	   "a change in the table changes the hash");
	gx_platforms_free(a);
	gx_platforms_free(b);
}

/* Load and normalize; frees everything. */
static int oom_step(void *ctx, gx_err *err)
{
	gx_platforms *p = NULL;
	gx_platform r;
	int rc;

	(void)ctx;
	rc = gx_platforms_load(tmp_path("platforms.yaml"), &p, err);
	if (!rc)
		rc = gx_platform_normalize(p, "Illumina NovaSeq 7000", "GPL1", &r, err);
	gx_platforms_free(p);
	return rc;
}

static void test_oom(void)
{
	tmp_write("table.yaml", table_yaml);
	tmp_write("platforms.yaml", platforms_yaml);
	oom_check("platform load and normalize", oom_step, NULL);
}

int main(void)
{
	gx_mem_init();
	if (tmp_init()) {
		ok(0, "temporary directory");
		return tap_done();
	}
	test_normalize();
	test_errors();
	test_hash();
	test_oom();
	tmp_cleanup();
	return tap_done();
}
