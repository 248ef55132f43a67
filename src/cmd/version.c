/*
 * version.c - `gxload version`: gxload's version and those of the libraries it links.
 */
#include "cmd/cmd.h"

#include <csv.h>
#include <hdf5.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <lzf.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <xxhash.h>
#include <yaml.h>

int cmd_version(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	char pcre[64] = "";
	unsigned maj = 0, min = 0, rel = 0;
	int pq;

	(void)ctx;
	(void)err;
	if (gx_cmd_wants_help(argc, argv)) {
		puts("usage: gxload version\n\nPrint gxload's version and the versions of the "
		     "libraries it is linked with.");
		return 0;
	}
	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	H5get_libversion(&maj, &min, &rel);
	pq = PQlibVersion();
	printf("gxload %s (%s)\n", GX_VERSION, GX_GITREV);
	printf("libpq %d.%d\n", pq / 10000, pq % 100);
	printf("sqlite %s\n", sqlite3_libversion());
	printf("hdf5 %u.%u.%u\n", maj, min, rel);
	printf("pcre2 %s\n", pcre);
	printf("libyaml %s\n", yaml_get_version_string());
	printf("xxhash %u\n", XXH_versionNumber());
	printf("libcsv %d.%d.%d\n", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
	printf("jansson %s\n", jansson_version_str());
	printf("liblzf %d.%d\n", LZF_VERSION >> 8, LZF_VERSION & 0xff);
	return 0;
}
