/*
 * test_platform_edges.c - platforms no parse rule recognizes: the metadata's platform id
 * still finds a known platform; an unknown platform's name is the raw text without its
 * surrounding white space, and its derived key is the name's letters and digits in lower
 * case with single dashes between runs, never a leading dash.
 */
#include "tap.h"
#include "tmpdir.h"
#include "transform/platform.h"

#include <string.h>

static const char *table_yaml =
	"kind: platform_table\n"
	"platforms:\n"
	"  - key: hgu133a2\n"
	"    name: Affymetrix Human Genome U133A 2.0 Array\n"
	"    manufacturer: Affymetrix\n"
	"    technology: MICROARRAY\n"
	"    accessions: [GPL571, GPL9188]\n";

/* parse rules that only take accessions and "name (code)": free text matches none */
static const char *platforms_yaml =
	"kind: platforms\n"
	"table: table.yaml\n"
	"rules:\n"
	"  - {id: acc, fields: [platform], pattern: '^\\s*(?<accession>GPL\\d+)\\s*$'}\n"
	"  - {id: paren, fields: [platform], pattern: '^(?<name>.*?\\S)\\s*\\((?<code>[^()]+)\\)$'}\n";

int main(void)
{
	gx_platforms *p = NULL;
	gx_platform out;
	gx_err err;
	int rc;

	if (tmp_init()) {
		ok(0, "temp dir");
		return tap_done();
	}
	tmp_write("table.yaml", table_yaml);
	tmp_write("platforms.yaml", platforms_yaml);
	gx_err_clear(&err);
	rc = gx_platforms_load(tmp_path("platforms.yaml"), &p, &err);
	ok(rc == 0 && p, "platform rules load");
	if (rc) {
		printf("# %s\n", err.msg);
		tmp_cleanup();
		return tap_done();
	}

	/* free text no rule knows, but the metadata names the platform's accession */
	rc = gx_platform_normalize(p, "Some Unknown Machine", "GPL571", &out, &err);
	is_int(rc, 0, "text unknown, platform id GPL571: normalized");
	is_str(out.key, "hgu133a2", "found through the platform id");
	ok(out.known, "a known platform");
	is_str(out.accession, "GPL571", "the accession is the platform id");

	/* unknown: name and key come from the raw text */
	rc = gx_platform_normalize(p, "  Mystery Box 3   ", NULL, &out, &err);
	is_int(rc, 0, "an unknown platform: normalized");
	ok(!out.known, "not known");
	is_str(out.name, "Mystery Box 3", "its name is the text without the white space around it");
	is_str(out.key, "mystery-box-3", "its key: lower case, a dash between runs");
	is_str(out.technology, "UNKNOWN", "technology UNKNOWN (no classify rule)");

	rc = gx_platform_normalize(p, "(weird) Chip-X 9000", NULL, &out, &err);
	is_int(rc, 0, "text starting with punctuation: normalized");
	is_str(out.name, "(weird) Chip-X 9000", "its name is the text");
	is_str(out.key, "weird-chip-x-9000", "its key has no leading or doubled dash");

	gx_platforms_free(p);
	tmp_cleanup();
	return tap_done();
}
