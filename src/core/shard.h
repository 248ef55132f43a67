/*
 * shard.h - shard servers and the placement rule of config (issue 18): which server a
 * study's facts live on.  Pure: no database (load/pg_shard.c does the rest).
 *
 * Config (docs/CONFIG.md):
 *   shards.servers    "NAME:CONNINFO" items: a shard's name (an identifier) and its libpq
 *                     connection string (keywords, a postgresql:// URI or "service=...";
 *                     never a password)
 *   shards.placement  "ACCESSION:NAME" items: studies placed by hand
 * A study not in the map goes to servers[gx_shard_hash(accession) % n], in the order of
 * shards.servers.  The hash is FNV-1a (32 bit) over the accession's bytes and never
 * changes between releases; and the placement of a loaded study is recorded on the
 * coordinator and wins over both, so a new shard or a new order moves no study.
 */
#ifndef GX_SHARD_H
#define GX_SHARD_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct gx_shard {
	char *name;        /* identifier */
	char *conninfo;    /* libpq connection string, no password */
} gx_shard;

typedef struct gx_shards {
	gx_shard *srv;
	size_t n;
	char **map_acc;    /* shards.placement: accession -> index into srv */
	size_t *map_srv;
	size_t nmap;
} gx_shards;

/* Parse the two config lists (either may be empty).  Fails with GX_E_CONFIG naming the
 * item: no ':' , a bad name, a name twice, a connection string with a password or that
 * libpq cannot parse, a placement naming an unknown shard or an accession twice. */
int gx_shards_parse(char *const *servers, size_t nservers, char *const *placement,
                    size_t nplacement, gx_shards *out, gx_err *err);
void gx_shards_free(gx_shards *sh);

/* FNV-1a, 32 bit, over the bytes of s: offset basis 2166136261, prime 16777619. */
uint32_t gx_shard_hash(const char *s);

/* The shard a study with no recorded placement goes to: the map, else the hash; NULL
 * when there are no shards. */
const gx_shard *gx_shards_pick(const gx_shards *sh, const char *accession);

/* The shard named 'name', or NULL. */
const gx_shard *gx_shards_find(const gx_shards *sh, const char *name);

#endif
