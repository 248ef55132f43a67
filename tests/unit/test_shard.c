/* test_shard.c - shards.servers and shards.placement parsed and checked, and the
 * placement hash: FNV-1a 32 on fixed vectors (it must never change between releases,
 * docs/SHARDS.md), the map before the hash, the order of the servers deciding. */
#include "core/shard.h"
#include "expect_err.h"
#include "tap.h"

#include <string.h>

static int parse(char *const *srv, size_t ns, char *const *map, size_t nm, gx_shards *sh,
                 gx_err *err)
{
	gx_err_clear(err);
	return gx_shards_parse(srv, ns, map, nm, sh, err);
}

int main(void)
{
	char *two[] = { "a:host=127.0.0.1 port=5433 dbname=gx", "b:service=gxshard2" };
	char *map[] = { "GSE1001:b", "GSE9:a" };
	gx_shards sh;
	gx_err err;
	int rc;

	/* the published vectors: FNV-1a's own ("" and "a"), and the fixtures' accessions */
	is_int((long)gx_shard_hash(""), 2166136261L, "fnv1a32('') is the offset basis");
	is_int((long)gx_shard_hash("a"), 3826002220L, "fnv1a32('a')");
	is_int((long)gx_shard_hash("foobar"), 3214735720L, "fnv1a32('foobar')");
	is_int((long)gx_shard_hash("GSE1001"), 1361059484L, "fnv1a32('GSE1001')");
	is_int((long)gx_shard_hash("SRP2002"), 592784956L, "fnv1a32('SRP2002')");
	is_int((long)gx_shard_hash("E-GEOD-3003"), 1505839945L, "fnv1a32('E-GEOD-3003')");

	rc = parse(two, 2, map, 2, &sh, &err);
	is_int(rc, 0, "two servers and a map parse");
	is_int((long)sh.n, 2, "two servers");
	is_str(sh.srv[1].name, "b", "the second's name");
	is_str(sh.srv[1].conninfo, "service=gxshard2", "its connection string");
	is_str(gx_shards_pick(&sh, "GSE1001")->name, "b", "the map wins over the hash (a)");
	is_str(gx_shards_pick(&sh, "GSE9")->name, "a", "a second map entry");
	is_str(gx_shards_pick(&sh, "SRP2002")->name, "a", "the hash: 592784956 %% 2 = 0 -> a");
	is_str(gx_shards_pick(&sh, "E-GEOD-3003")->name, "b", "the hash: 1505839945 %% 2 = 1 -> b");
	ok(gx_shards_find(&sh, "c") == NULL, "no shard c");
	gx_shards_free(&sh);

	{ /* three servers: the hash is taken modulo their number, in their order */
		char *three[] = { "x:host=h1", "y:host=h2", "z:host=h3" };
		rc = parse(three, 3, NULL, 0, &sh, &err);
		is_int(rc, 0, "three servers");
		is_str(gx_shards_pick(&sh, "GSE1001")->name, "z", "1361059484 %% 3 = 2 -> z");
		is_str(gx_shards_pick(&sh, "SRP2002")->name, "y", "592784956 %% 3 = 1 -> y");
		is_str(gx_shards_pick(&sh, "E-GEOD-3003")->name, "y", "1505839945 %% 3 = 1 -> y");
		gx_shards_free(&sh);
	}
	rc = parse(NULL, 0, NULL, 0, &sh, &err);
	ok(rc == 0 && gx_shards_pick(&sh, "GSE1") == NULL, "no servers: no shard");

	{
		char *bad[] = { "nocolon" };
		expect_err(parse(bad, 1, NULL, 0, &sh, &err), &err, GX_E_CONFIG,
		           "an item without NAME:", "'nocolon' is not NAME:CONNINFO", NULL);
	}
	{
		char *bad[] = { "Bad-Name:host=h" };
		expect_err(parse(bad, 1, NULL, 0, &sh, &err), &err, GX_E_CONFIG,
		           "a name that is not an identifier", "'Bad-Name' is not a valid shard name",
		           NULL);
	}
	{
		char *bad[] = { "a:host=h1", "a:host=h2" };
		expect_err(parse(bad, 2, NULL, 0, &sh, &err), &err, GX_E_CONFIG, "a name twice",
		           "shard 'a' is named twice", NULL);
	}
	{
		char *bad[] = { "a:host=h password=hunter2" };
		char full[1024];
		rc = parse(bad, 1, NULL, 0, &sh, &err);
		ok(rc < 0, "a password is refused");
		gx_err_format(&err, full, sizeof(full));
		ok(strstr(full, "shard 'a'") && !strstr(full, "hunter2"),
		   "naming the shard, not the password: %s", full);
	}
	{
		char *bad[] = { "a:postgresql://u:hunter2@h/d" };
		char full[1024];
		rc = parse(bad, 1, NULL, 0, &sh, &err);
		gx_err_format(&err, full, sizeof(full));
		ok(rc < 0 && !strstr(full, "hunter2"), "a password in a URI is refused unshown");
	}
	{
		char *bad[] = { "a:sqlite:x.db" };
		expect_err(parse(bad, 1, NULL, 0, &sh, &err), &err, GX_E_CONFIG, "an SQLite shard",
		           "shard 'a' is not a PostgreSQL connection string", NULL);
	}
	{
		char *m[] = { "GSE1:q" };
		expect_err(parse(two, 2, m, 1, &sh, &err), &err, GX_E_CONFIG, "an unknown shard",
		           "'GSE1' names shard 'q', which shards.servers does not name", NULL);
	}
	{
		char *m[] = { "GSE1:a", "GSE1:b" };
		expect_err(parse(two, 2, m, 2, &sh, &err), &err, GX_E_CONFIG, "a study placed twice",
		           "study 'GSE1' is placed twice", NULL);
	}
	{
		char *m[] = { "GSE1" };
		expect_err(parse(two, 2, m, 1, &sh, &err), &err, GX_E_CONFIG, "a placement without :",
		           "'GSE1' is not ACCESSION:SHARD", NULL);
	}
	return tap_done();
}
