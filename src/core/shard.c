/*
 * shard.c - shard servers and placement from config (see shard.h).
 */
#include "core/shard.h"
#include "core/config.h"
#include "core/dburl.h"
#include "core/mem.h"

#include <string.h>

uint32_t gx_shard_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void gx_shards_free(gx_shards *sh)
{
	size_t i;

	if (!sh)
		return;
	for (i = 0; i < sh->n; i++) {
		gx_free(sh->srv[i].name);
		gx_free(sh->srv[i].conninfo);
	}
	for (i = 0; i < sh->nmap; i++)
		gx_free(sh->map_acc[i]);
	gx_free(sh->srv);
	gx_free(sh->map_acc);
	gx_free(sh->map_srv);
	memset(sh, 0, sizeof(*sh));
}

const gx_shard *gx_shards_find(const gx_shards *sh, const char *name)
{
	size_t i;

	for (i = 0; i < sh->n; i++)
		if (!strcmp(sh->srv[i].name, name))
			return &sh->srv[i];
	return NULL;
}

const gx_shard *gx_shards_pick(const gx_shards *sh, const char *accession)
{
	size_t i;

	if (!sh->n)
		return NULL;
	for (i = 0; i < sh->nmap; i++)
		if (!strcmp(sh->map_acc[i], accession))
			return &sh->srv[sh->map_srv[i]];
	return &sh->srv[gx_shard_hash(accession) % sh->n];
}

/* "HEAD:REST" split at the first ':'; 0 if there is none or either side is empty */
static int split(const char *item, char **head, char **rest)
{
	const char *c = strchr(item, ':');

	*head = *rest = NULL;
	if (!c || c == item || !c[1])
		return 0;
	*head = gx_strndup(item, (size_t)(c - item));
	*rest = gx_strdup(c + 1);
	return 1;
}

static int parse_servers(char *const *items, size_t n, gx_shards *sh, gx_err *err)
{
	size_t i;

	if (n && !(sh->srv = gx_calloc(n, sizeof(*sh->srv))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		gx_shard *d = &sh->srv[i];
		gx_db_kind kind;
		char *red;
		int rc;

		if (!split(items[i], &d->name, &d->conninfo)) {
			red = gx_dburl_redact_text(items[i]);
			rc = gx_err_set(err, GX_E_CONFIG, "shards.servers: '%s' is not NAME:CONNINFO",
			                red ? red : "?");
			gx_free(red);
			gx_free(d->name);
			gx_free(d->conninfo);
			d->name = d->conninfo = NULL;
			return rc;
		}
		sh->n = i + 1;
		if (!d->name || !d->conninfo)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		if (!gx_ident_valid(d->name))
			return gx_err_set(err, GX_E_CONFIG, "shards.servers: '%.100s' is not a valid "
			                  "shard name (^[a-z_][a-z0-9_]{0,62}$)", d->name);
		if (gx_shards_find(sh, d->name) != d)
			return gx_err_set(err, GX_E_CONFIG, "shards.servers: shard '%s' is named twice",
			                  d->name);
		if ((rc = gx_dburl_parse(d->conninfo, &kind, NULL, err))) {
			gx_err_prefix(err, "shards.servers: shard '%s'", d->name);
			return rc;
		}
		if (kind != GX_DB_POSTGRESQL)
			return gx_err_set(err, GX_E_CONFIG, "shards.servers: shard '%s' is not a "
			                  "PostgreSQL connection string", d->name);
	}
	return 0;
}

static int parse_map(char *const *items, size_t n, gx_shards *sh, gx_err *err)
{
	size_t i, j;

	if (n && (!(sh->map_acc = gx_calloc(n, sizeof(*sh->map_acc))) ||
	          !(sh->map_srv = gx_calloc(n, sizeof(*sh->map_srv)))))
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		char *acc, *name;
		const gx_shard *d;

		if (!split(items[i], &acc, &name)) {
			gx_free(acc);
			gx_free(name);
			return gx_err_set(err, GX_E_CONFIG, "shards.placement: '%.200s' is not "
			                  "ACCESSION:SHARD", items[i]);
		}
		sh->map_acc[i] = acc;
		sh->nmap = i + 1;
		d = name ? gx_shards_find(sh, name) : NULL;
		if (!acc || !name) {
			gx_free(name);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		if (!d) {
			int rc = gx_err_set(err, GX_E_CONFIG, "shards.placement: '%s' names shard "
			                    "'%.100s', which shards.servers does not name", acc, name);
			gx_free(name);
			return rc;
		}
		gx_free(name);
		sh->map_srv[i] = (size_t)(d - sh->srv);
		for (j = 0; j < i; j++)
			if (!strcmp(sh->map_acc[j], acc))
				return gx_err_set(err, GX_E_CONFIG, "shards.placement: study '%s' is "
				                  "placed twice", acc);
	}
	return 0;
}

int gx_shards_parse(char *const *servers, size_t nservers, char *const *placement,
                    size_t nplacement, gx_shards *out, gx_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_servers(servers, nservers, out, err)) ||
	    (rc = parse_map(placement, nplacement, out, err))) {
		gx_shards_free(out);
		return rc;
	}
	return 0;
}
