/*
 * config.c - the effective configuration: defaults, file, environment, --set, flags.
 *
 * Every key is declared once in 'keys' below (name, type, default, allowed values, help);
 * loading, --set, validation and `gxload config check` all work from that table, so a
 * new key is one line here plus one field in gx_config.  The config file may only
 * contain declared keys.
 */
#include "core/config.h"
#include "core/buf.h"
#include "core/dburl.h"
#include "core/shard.h"
#include "core/mem.h"
#include "core/yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum ktype {
	K_STR,      /* plain string */
	K_ENUM,     /* one of 'choices' */
	K_PATH,     /* file system path: relative ones resolved against the file's dir */
	K_DBURL,    /* database URL: sqlite:PATH resolved like a path */
	K_IDENT,    /* SQL identifier */
	K_LONG,
	K_DOUBLE,
	K_STRLIST,  /* YAML sequence of strings; "a,b" with --set */
} ktype;

typedef struct keydef {
	const char *name;
	ktype type;
	size_t off;
	const char *def;
	const char *const *choices;
	double min, max;
	const char *help;
} keydef;

static const char *const log_formats[] = { "text", "json", NULL };
static const char *const log_levels[] = { "debug", "info", "warning", "error", NULL };
static const char *const progress_modes[] = { "auto", "always", "never", NULL };
static const char *const scales[] = { "auto", "log2", "linear", NULL };
static const char *const syncs[] = { "off", "normal", "full", NULL };
static const char *const dup_policies[] = { "refuse", "first", "mean", "sum", "suffix", NULL };
static const char *const booleans[] = { "false", "true", NULL };
static const char *const corr_methods[] = { "pearson", "spearman", NULL };

#define OFF(f) offsetof(gx_config, f)

static const keydef keys[] = {
	{ "database.url", K_DBURL, OFF(db_url), "sqlite:var/gxload.db", NULL, 0, 0,
	  "sqlite:PATH, a postgresql:// URI or a libpq keyword string (no password)" },
	{ "data_root", K_PATH, OFF(data_root), "examples/data", NULL, 0, 0,
	  "directory holding one folder per study accession" },
	{ "lock_dir", K_PATH, OFF(lock_dir), "var/lock", NULL, 0, 0,
	  "directory for per-study lock files" },
	{ "log.format", K_ENUM, OFF(log_format), "text", log_formats, 0, 0,
	  "stderr message format" },
	{ "log.level", K_ENUM, OFF(log_level), "warning", log_levels, 0, 0,
	  "lowest level printed on stderr (-q/-v override)" },
	{ "progress", K_ENUM, OFF(progress), "auto", progress_modes, 0, 0,
	  "progress bar on stderr: auto = only on a terminal" },
	{ "extract.na_values", K_STRLIST, OFF(na_values), "", NULL, 0, 0,
	  "matrix cells equal to one of these are missing (not stored); empty = none allowed" },
	{ "extract.max_field_bytes", K_LONG, OFF(max_field_bytes), "1048576", NULL, 64,
	  1 << 30, "longest accepted TSV field" },
	{ "extract.hdf5_idle_s", K_LONG, OFF(hdf5_idle_s), "300", NULL, 1, 86400,
	  "the HDF5 reader process silent this long: it loops on a damaged file (2030)" },
	{ "transform.value_scale", K_ENUM, OFF(value_scale), "auto", scales, 0, 0,
	  "scale of matrix values; decides log2_value" },
	{ "transform.linear_threshold", K_DOUBLE, OFF(linear_threshold), "100", NULL, 0, 1e300,
	  "auto scale: linear if a probed value exceeds this" },
	{ "transform.scale_probe_rows", K_LONG, OFF(scale_probe_rows), "64", NULL, 1, 1000000,
	  "auto scale: number of leading gene rows examined" },
	{ "genes.duplicates", K_ENUM, OFF(genes_duplicates), "suffix", dup_policies, 0, 0,
	  "a gene id on several rows: refuse, first, mean, sum or suffix (X-1, X-2)" },
	{ "rules.illness", K_PATH, OFF(rules_illness), "rules/illness.yaml", NULL, 0, 0,
	  "illness categories, rules and overrides (kind: illness)" },
	{ "rules.platforms", K_PATH, OFF(rules_platforms), "rules/platforms.yaml", NULL, 0, 0,
	  "platform rules and known-platform table (kind: platforms)" },
	{ "rules.overrides_dir", K_PATH, OFF(rules_overrides_dir), "rules/overrides", NULL, 0, 0,
	  "directory of illness override files (*.yaml, kind: overrides); empty = none" },
	{ "validation.min_samples", K_LONG, OFF(v_min_samples), "1", NULL, 0, 100000000,
	  "sample_count: FAIL when the matrix has fewer samples" },
	{ "validation.samples_without_metadata_warn", K_DOUBLE, OFF(v_no_metadata_warn), "0", NULL,
	  0, 1, "samples_without_metadata: WARN above this share of samples" },
	{ "validation.samples_without_metadata_fail", K_DOUBLE, OFF(v_no_metadata_fail), "1", NULL,
	  0, 1, "samples_without_metadata: FAIL above this share (1 = never)" },
	{ "validation.genes_per_sample_warn", K_LONG, OFF(v_genes_per_sample_warn), "1", NULL, 0,
	  1000000000, "genes_per_sample: WARN when a sample has fewer values" },
	{ "validation.genes_per_sample_fail", K_LONG, OFF(v_genes_per_sample_fail), "0", NULL, 0,
	  1000000000, "genes_per_sample: FAIL when a sample has fewer values (0 = never)" },
	{ "validation.missing_values_warn", K_DOUBLE, OFF(v_missing_warn), "0.05", NULL, 0, 1,
	  "missing_values: WARN above this share of missing cells" },
	{ "validation.missing_values_fail", K_DOUBLE, OFF(v_missing_fail), "0.5", NULL, 0, 1,
	  "missing_values: FAIL above this share of missing cells (1 = never)" },
	{ "validation.negative_values_warn", K_DOUBLE, OFF(v_negative_warn), "0", NULL, 0, 1,
	  "negative_linear_values: WARN above this share of values (log2_value NULL)" },
	{ "validation.negative_values_fail", K_DOUBLE, OFF(v_negative_fail), "1", NULL, 0, 1,
	  "negative_linear_values: FAIL above this share of values (1 = never)" },
	{ "validation.log2_max_value", K_DOUBLE, OFF(v_log2_max_value), "100", NULL, -1e300, 1e300,
	  "value_range: WARN when log2-scale data has a larger value" },
	{ "validation.unknown_illness_warn", K_DOUBLE, OFF(v_unknown_illness_warn), "0.5", NULL, 0,
	  1, "unknown_illness: WARN above this share of samples labelled UNKNOWN" },
	{ "validation.unknown_illness_fail", K_DOUBLE, OFF(v_unknown_illness_fail), "1", NULL, 0, 1,
	  "unknown_illness: FAIL above this share (1 = never)" },
	{ "validation.platform_coverage_warn", K_DOUBLE, OFF(v_platform_coverage_warn), "1", NULL,
	  0, 1, "platform_coverage: WARN below this share of samples on a known platform" },
	{ "validation.platform_coverage_fail", K_DOUBLE, OFF(v_platform_coverage_fail), "0", NULL,
	  0, 1, "platform_coverage: FAIL below this share (0 = never)" },
	{ "analysis.pair_top_n", K_LONG, OFF(pair_top_n), "100", NULL, 2, 100000,
	  "vw_gene_pairs_candidate: the N most variable genes of a cohort are paired" },
	{ "analysis.pair_min_stddev", K_DOUBLE, OFF(pair_min_stddev), "0.1", NULL, 0, 1e300,
	  "vw_gene_pairs_candidate: a gene needs at least this stddev of log2_value" },
	{ "analysis.pair_min_samples", K_LONG, OFF(pair_min_samples), "3", NULL, 2, 100000000,
	  "vw_gene_pairs_candidate: a cohort needs this many values of a gene" },
	{ "analysis.cohort_by", K_STR, OFF(cohort_by), "illness", NULL, 0, 0,
	  "cohorts: illness, none (the study) or a sample field (field:NAME or NAME)" },
	{ "analysis.correlate_after_load", K_ENUM, OFF(correlate_after_load), "false", booleans,
	  0, 0, "each load that changes a study correlates its genes within each cohort" },
	{ "analysis.differential_after_load", K_ENUM, OFF(differential_after_load), "false",
	  booleans, 0, 0, "each load that changes a study compares its cohorts (analysis.compare)" },
	{ "analysis.method", K_ENUM, OFF(corr_method), "pearson", corr_methods, 0, 0,
	  "correlation of log2 values: pearson or spearman" },
	{ "analysis.top_k", K_LONG, OFF(corr_top_k), "1000", NULL, 0, 100000000,
	  "fact_gene_pair_stats keeps the K pairs with the largest |r| of each cohort" },
	{ "analysis.min_abs_r", K_DOUBLE, OFF(corr_min_abs_r), "1.1", NULL, 0, 2,
	  "... and every pair with |r| at least this (above 1: none)" },
	{ "analysis.compare", K_STRLIST, OFF(compare), "", NULL, 0, 0,
	  "cohort pairs A:B for the differential statistics; empty = each illness vs CONTROL" },
	{ "analysis.features", K_PATH, OFF(features), "configs/features.yaml", NULL, 0, 0,
	  "per-sample features (fact_feature_values); empty = none" },
	{ "analysis.memory_mb", K_LONG, OFF(analysis_memory_mb), "256", NULL, 16, 1048576,
	  "memory budget of the correlation (MB)" },
	{ "analysis.threads", K_LONG, OFF(analysis_threads), "0", NULL, 0, 1024,
	  "OpenBLAS threads of the correlation (0 = one per core)" },
	{ "load.lock_timeout_s", K_DOUBLE, OFF(lock_timeout_s), "0", NULL, 0, 86400,
	  "seconds to wait for a study's lock before exiting 75" },
	{ "load.full_reload_fraction", K_DOUBLE, OFF(full_reload_fraction), "0.5", NULL, 0, 1,
	  "rebuild the whole study when more than this share of samples changed" },
	{ "sqlite.busy_timeout_ms", K_LONG, OFF(sqlite_busy_timeout_ms), "10000", NULL, 0,
	  86400000, "how long SQLite waits for another writer" },
	{ "sqlite.synchronous", K_ENUM, OFF(sqlite_synchronous), "normal", syncs, 0, 0,
	  "PRAGMA synchronous (WAL journal)" },
	{ "sqlite.cache_mb", K_LONG, OFF(sqlite_cache_mb), "16", NULL, 1, 65536,
	  "SQLite page cache size" },
	{ "postgresql.schema", K_IDENT, OFF(pg_schema), "public", NULL, 0, 0,
	  "schema holding gxload's tables" },
	{ "postgresql.application_name", K_STR, OFF(pg_application_name), "gxload", NULL, 0, 0,
	  "fallback_application_name prefix shown in pg_stat_activity" },
	{ "postgresql.connect_timeout_s", K_LONG, OFF(pg_connect_timeout_s), "10", NULL, 1,
	  3600, "libpq connect_timeout" },
	{ "postgresql.copy_streams", K_LONG, OFF(pg_copy_streams), "2", NULL, 1, 16,
	  "parallel COPY sessions for a study's new facts (one range of samples each)" },
	{ "postgresql.copy_streams_min_rows", K_LONG, OFF(pg_copy_streams_min_rows), "100000",
	  NULL, 0, 2147483647, "studies with fewer facts load through the main session only" },
	{ "postgresql.maintenance_work_mem_mb", K_LONG, OFF(pg_maintenance_work_mem_mb), "0",
	  NULL, 0, 2097151, "maintenance_work_mem of the sessions that build a new partition's "
	  "key (0 = the server's setting)" },
	{ "postgresql.retries", K_LONG, OFF(pg_retries), "4", NULL, 0, 100,
	  "a run that meets a transient error starts again, at most this many times" },
	{ "postgresql.retry_max_s", K_DOUBLE, OFF(pg_retry_max_s), "60", NULL, 0, 3600,
	  "longest wait before a new attempt (full jitter up to min(this, 2^(n-1) s))" },
	{ "shards.servers", K_STRLIST, OFF(shard_servers), "", NULL, 0, 0,
	  "shard servers of a PostgreSQL coordinator, NAME:CONNINFO each (no password); "
	  "empty = every study on the coordinator" },
	{ "shards.placement", K_STRLIST, OFF(shard_placement), "", NULL, 0, 0,
	  "studies placed by hand, ACCESSION:SHARD each; the others by a hash of the accession" },
	{ "metrics.textfile", K_PATH, OFF(metrics_textfile), "", NULL, 0, 0,
	  "Prometheus text file written after every run (node_exporter textfile collector); "
	  "empty = none" },
	{ "resume.min_values", K_LONG, OFF(resume_min_values), "50000000", NULL, 0, 1e15,
	  "PostgreSQL: a full load of more values commits in chunks and resumes after a kill "
	  "(0 = never)" },
	{ "resume.chunk_values", K_LONG, OFF(resume_chunk_values), "10000000", NULL, 100, 1e15,
	  "values per checkpointed chunk of a resumable load" },
	{ "resume.keep_hours", K_DOUBLE, OFF(resume_keep_hours), "168", NULL, 0, 876000,
	  "a checkpoint no run resumed for this long is swept with its tables" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

typedef struct cfg_full {
	gx_config pub;
	const char *origin[NKEYS];
} cfg_full;

static char share_dir_buf[PATH_MAX];

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *gx_share_dir(void)
{
	const char *env = getenv("GXLOAD_SHARE_DIR");
	char exe[PATH_MAX], cand[2 * PATH_MAX];
	static const char *const rel[] = { "", "/..", "/../..", "/../share/gxload" };
	ssize_t n;
	size_t i;
	char *slash;

	if (env && *env)
		return env;
	if (share_dir_buf[0])
		return share_dir_buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return ".";
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s%s/migrations/sqlite", exe, rel[i]);
		if (is_dir(cand)) {
			snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
			if (!realpath(cand, share_dir_buf) && strlen(cand) < sizeof(share_dir_buf))
				memcpy(share_dir_buf, cand, strlen(cand) + 1);
			return share_dir_buf;
		}
	}
	return ".";
}

int gx_ident_valid(const char *s)
{
	size_t i;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; s[i]; i++) {
		char c = s[i];
		if (i > 62 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static const keydef *find_key(const char *name)
{
	size_t i;
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static char *resolve_path(const char *base_dir, const char *p)
{
	gx_buf b = { 0 };

	if (!base_dir || p[0] == '/' || !p[0])
		return gx_strdup(p);
	if (gx_buf_printf(&b, "%s/%s", base_dir, p) < 0) {
		gx_buf_release(&b);
		return NULL;
	}
	return gx_buf_steal(&b);
}

static void free_list(char **l, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		gx_free(l[i]);
	gx_free(l);
}

/*
 * Store 'val' (text) for key 'k'.  base_dir is the directory relative paths are resolved
 * against (NULL = leave relative).  'where' names the source for messages.
 */
static int set_scalar(cfg_full *c, const keydef *k, const char *val, const char *base_dir,
                      const char *origin, gx_err *err)
{
	char *p = (char *)&c->pub + k->off;
	size_t ki = (size_t)(k - keys);

	switch (k->type) {
	case K_STR:
	case K_ENUM:
	case K_IDENT:
	case K_PATH:
	case K_DBURL: {
		char *v = NULL;
		if (k->type == K_ENUM) {
			size_t i;
			for (i = 0; k->choices[i]; i++)
				if (!strcmp(k->choices[i], val))
					break;
			if (!k->choices[i]) {
				gx_buf b = { 0 };
				for (i = 0; k->choices[i]; i++)
					gx_buf_printf(&b, "%s%s", i ? ", " : "", k->choices[i]);
				gx_err_set(err, GX_E_CONFIG, "%s: '%s' is not one of: %s", k->name, val,
				           gx_buf_cstr(&b));
				gx_buf_release(&b);
				return -GX_E_CONFIG;
			}
		}
		if (k->type == K_IDENT && !gx_ident_valid(val))
			return gx_err_set(err, GX_E_CONFIG,
			                  "%s: '%.100s' is not a valid identifier "
			                  "(^[a-z_][a-z0-9_]{0,62}$)", k->name, val);
		if (k->type == K_PATH) {
			v = resolve_path(base_dir, val);
		} else if (k->type == K_DBURL) {
			gx_db_kind kind;
			char *path = NULL;
			int rc = gx_dburl_parse(val, &kind, &path, err);
			if (rc) {
				gx_err_prefix(err, "%s", k->name);
				return rc;
			}
			if (kind == GX_DB_SQLITE && path[0] != '/' && base_dir) {
				char *abs = resolve_path(base_dir, path);
				gx_buf b = { 0 };
				/* out of memory: an error, never the path left relative */
				if (abs && gx_buf_printf(&b, "sqlite:%s", abs) >= 0)
					v = gx_buf_steal(&b);
				gx_buf_release(&b);
				gx_free(abs);
			} else {
				v = gx_strdup(val);
			}
			gx_free(path);
		} else {
			v = gx_strdup(val);
		}
		if (!v)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		gx_free(*(char **)p);
		*(char **)p = v;
		break;
	}
	case K_LONG: {
		char *end;
		long v;
		errno = 0;
		v = strtol(val, &end, 10);
		if (!*val || *end || errno || v < (long)k->min || v > (long)k->max)
			return gx_err_set(err, GX_E_CONFIG, "%s: '%s' is not an integer in [%ld, %ld]",
			                  k->name, val, (long)k->min, (long)k->max);
		*(long *)p = v;
		break;
	}
	case K_DOUBLE: {
		char *end;
		double v;
		errno = 0;
		v = strtod(val, &end);
		if (!*val || *end || errno || !isfinite(v) || v < k->min || v > k->max)
			return gx_err_set(err, GX_E_CONFIG, "%s: '%s' is not a number in [%g, %g]",
			                  k->name, val, k->min, k->max);
		*(double *)p = v;
		break;
	}
	case K_STRLIST: {
		/* comma-separated; "" is the empty list */
		char ***lp = (char ***)p;
		size_t *np = (size_t *)(p + sizeof(char **));
		char **list = NULL;
		size_t n = 0;
		const char *s = val;
		while (*val) {
			const char *comma = strchr(s, ',');
			size_t len = comma ? (size_t)(comma - s) : strlen(s);
			char **nl = gx_reallocarray(list, n + 1, sizeof(*list));
			if (!nl || !(nl[n] = gx_strndup(s, len))) {
				free_list(nl ? nl : list, n);
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			}
			list = nl;
			n++;
			if (!comma)
				break;
			s = comma + 1;
		}
		free_list(*lp, *np);
		*lp = list;
		*np = n;
		break;
	}
	}
	c->origin[ki] = origin;
	return 0;
}

static int set_from_yaml(cfg_full *c, const gx_yaml_doc *doc, const keydef *k,
                         const gx_yaml *node, const char *base_dir, gx_err *err)
{
	int rc;

	if (k->type == K_STRLIST) {
		char ***lp = (char ***)((char *)&c->pub + k->off);
		size_t *np = (size_t *)((char *)lp + sizeof(char **));
		char **list = NULL;
		size_t i;
		if (gx_yaml_is_null(node)) {
			free_list(*lp, *np);
			*lp = NULL;
			*np = 0;
			c->origin[k - keys] = "file";
			return 0;
		}
		if (node->kind != GX_YAML_SEQ)
			return gx_yaml_error(doc, node, err, "%s must be a list", k->name);
		list = gx_calloc(node->n ? node->n : 1, sizeof(*list));
		if (!list)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; i < node->n; i++) {
			if (node->items[i]->kind != GX_YAML_SCALAR) {
				free_list(list, i);
				return gx_yaml_error(doc, node->items[i], err, "%s: items must be strings",
				                     k->name);
			}
			if (!(list[i] = gx_strdup(node->items[i]->str))) {
				free_list(list, i);
				return gx_err_set(err, GX_E_NOMEM, "out of memory");
			}
		}
		free_list(*lp, *np);
		*lp = list;
		*np = node->n;
		c->origin[k - keys] = "file";
		return 0;
	}
	if (node->kind != GX_YAML_SCALAR)
		return gx_yaml_error(doc, node, err, "%s must be a scalar", k->name);
	rc = set_scalar(c, k, node->str, base_dir, "file", err);
	if (rc && err && !err->file[0]) {
		snprintf(err->file, sizeof(err->file), "%s", doc->name);
		err->line = node->line;
		err->column = node->column;
	}
	return rc;
}

/* Walk a mapping, matching dotted key names against the table. */
static int walk(cfg_full *c, const gx_yaml_doc *doc, const gx_yaml *map, const char *prefix,
                const char *base_dir, gx_err *err)
{
	size_t i;

	if (map->kind != GX_YAML_MAP)
		return gx_yaml_error(doc, map, err, "%s must be a mapping",
		                     prefix[0] ? prefix : "the config file");
	for (i = 0; i < map->n; i++) {
		char name[256];
		const keydef *k;
		int rc;

		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "",
		         map->keys[i]->str);
		k = find_key(name);
		if (k) {
			rc = set_from_yaml(c, doc, k, map->items[i], base_dir, err);
		} else if (map->items[i]->kind == GX_YAML_MAP) {
			size_t j, len = strlen(name);
			int known_prefix = 0;
			for (j = 0; j < NKEYS; j++)
				if (!strncmp(keys[j].name, name, len) && keys[j].name[len] == '.')
					known_prefix = 1;
			if (!known_prefix)
				return gx_yaml_error(doc, map->keys[i], err, "unknown config key '%s'", name);
			rc = walk(c, doc, map->items[i], name, base_dir, err);
		} else {
			return gx_yaml_error(doc, map->keys[i], err, "unknown config key '%s'", name);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int load_file(cfg_full *c, const char *path, gx_err *err)
{
	gx_yaml_doc *doc = NULL;
	char *dir, *slash;
	int rc;

	rc = gx_yaml_load_file(path, &doc, err);
	if (rc)
		return rc;
	dir = gx_strdup(path);
	if (!dir) {
		gx_yaml_doc_free(doc);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	rc = doc->root && !gx_yaml_is_null(doc->root) ? walk(c, doc, doc->root, "", dir, err) : 0;
	gx_free(dir);
	gx_yaml_doc_free(doc);
	return rc;
}

/* A key set by a command-line flag: a bad value is a bad command line (exit 64, as for
 * any other flag), not a bad config. */
static int set_flag(cfg_full *c, const char *key, const char *flag, const char *val,
                    gx_err *err)
{
	int rc = set_scalar(c, find_key(key), val, NULL, flag, err);

	if (rc == -(int)GX_E_CONFIG && err) {
		char msg[sizeof(err->msg)];
		size_t kl = strlen(key);
		/* "progress: 'x' is not one of: ..." names the flag instead of the key */
		snprintf(msg, sizeof(msg), "%s%s", flag,
		         strncmp(err->msg, key, kl) ? ": " : err->msg + kl);
		return gx_err_set(err, GX_E_USAGE, "%s", msg);
	}
	return rc;
}

void gx_config_free(gx_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < NKEYS; i++) {
		char *p = (char *)cfg + keys[i].off;
		if (keys[i].type == K_STRLIST)
			free_list(*(char ***)p, *(size_t *)(p + sizeof(char **)));
		else if (keys[i].type != K_LONG && keys[i].type != K_DOUBLE)
			gx_free(*(char **)p);
	}
	gx_free(cfg->config_path);
	gx_free(cfg->share_dir);
	gx_free(cfg);
}

/* shards.*: parsed once here so that a bad item fails every command (and config check) */
static int check_shards(const gx_config *cfg, gx_err *err)
{
	gx_shards sh;
	gx_db_kind kind;
	int rc;

	if ((rc = gx_shards_parse(cfg->shard_servers, cfg->n_shard_servers, cfg->shard_placement,
	                          cfg->n_shard_placement, &sh, err)))
		return rc;
	gx_shards_free(&sh);
	if (cfg->n_shard_servers && !gx_dburl_parse(cfg->db_url, &kind, NULL, NULL) &&
	    kind != GX_DB_POSTGRESQL)
		return gx_err_set(err, GX_E_CONFIG, "shards.servers: shards need a PostgreSQL "
		                  "coordinator (database.url)");
	return 0;
}

int gx_config_load(const gx_config_args *args, gx_config **out, gx_err *err)
{
	cfg_full *c;
	const char *path = args->config_path, *env;
	char *share_cfg = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	c = gx_calloc(1, sizeof(*c));
	if (!c)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if (!(c->pub.share_dir = gx_strdup(gx_share_dir()))) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	/* defaults: relative default paths are relative to the share directory */
	for (i = 0; i < NKEYS; i++) {
		rc = set_scalar(c, &keys[i], keys[i].def, c->pub.share_dir, "default", err);
		if (rc)
			goto fail;
	}
	/* the config file */
	if (!path && (env = getenv("GXLOAD_CONFIG")) && *env)
		path = env;
	if (!path) {
		gx_buf b = { 0 };
		gx_buf_printf(&b, "%s/configs/gxload.yaml", c->pub.share_dir);
		share_cfg = gx_buf_steal(&b);
		if (share_cfg && access(share_cfg, F_OK) == 0)
			path = share_cfg;
	}
	if (path) {
		rc = load_file(c, path, err);
		if (rc)
			goto fail;
		if (!(c->pub.config_path = gx_strdup(path))) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	/* environment */
	if ((env = getenv("GXLOAD_DB")) && *env &&
	    (rc = set_scalar(c, find_key("database.url"), env, NULL, "GXLOAD_DB", err)))
		goto fail;
	if ((env = getenv("GXLOAD_DATA_ROOT")) && *env &&
	    (rc = set_scalar(c, find_key("data_root"), env, NULL, "GXLOAD_DATA_ROOT", err)))
		goto fail;
	/* --set KEY=VALUE */
	for (i = 0; i < args->n_sets; i++) {
		const char *eq = strchr(args->sets[i], '=');
		char name[256];
		const keydef *k;
		if (!eq || eq == args->sets[i]) {
			rc = gx_err_set(err, GX_E_USAGE, "--set expects KEY=VALUE, got '%s'",
			                args->sets[i]);
			goto fail;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - args->sets[i]), args->sets[i]);
		k = find_key(name);
		if (!k) {
			rc = gx_err_set(err, GX_E_CONFIG, "--set: unknown config key '%s'", name);
			goto fail;
		}
		if ((rc = set_scalar(c, k, eq + 1, NULL, "--set", err)))
			goto fail;
	}
	/* explicit flags */
	if (args->db_url &&
	    (rc = set_scalar(c, find_key("database.url"), args->db_url, NULL, "--db", err)))
		goto fail;
	if (args->data_root &&
	    (rc = set_scalar(c, find_key("data_root"), args->data_root, NULL, "--data-root", err)))
		goto fail;
	if ((args->log_format &&
	     (rc = set_flag(c, "log.format", "--log-format", args->log_format, err))) ||
	    (args->progress && (rc = set_flag(c, "progress", "--progress", args->progress, err))))
		goto fail;
	if (args->verbosity) {
		const char *lvl = args->verbosity < 0 ? "error" : args->verbosity == 1 ? "info" :
		                  "debug";
		if ((rc = set_scalar(c, find_key("log.level"), lvl, NULL,
		                     args->verbosity < 0 ? "-q" : "-v", err)))
			goto fail;
	}
	if ((rc = check_shards(&c->pub, err)))
		goto fail;
	gx_free(share_cfg);
	*out = &c->pub;
	return 0;
fail:
	gx_free(share_cfg);
	gx_config_free(&c->pub);
	return rc;
}

static void print_yaml_str(FILE *out, const char *s)
{
	const char *p;
	int plain = *s && !strpbrk(s, ":#'\"{}[],&*!|>%@`\\") && s[0] != ' ' && s[0] != '-' &&
	            s[strlen(s) - 1] != ' ';
	if (plain) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void gx_config_print(const gx_config *cfg, FILE *out)
{
	const cfg_full *c = (const cfg_full *)cfg;
	char prev[128] = "";
	size_t i;

	fprintf(out, "# effective gxload configuration\n");
	fprintf(out, "# config file: %s\n", cfg->config_path ? cfg->config_path : "(none)");
	fprintf(out, "# share dir:   %s\n", cfg->share_dir);
	for (i = 0; i < NKEYS; i++) {
		const keydef *k = &keys[i];
		const char *p = (const char *)cfg + k->off;
		const char *dot = strchr(k->name, '.');
		const char *leaf = k->name;
		const char *indent = "";

		if (dot) {
			size_t len = (size_t)(dot - k->name);
			if (strncmp(prev, k->name, len) || prev[len] != '\0') {
				snprintf(prev, sizeof(prev), "%.*s", (int)len, k->name);
				fprintf(out, "%s:\n", prev);
			}
			leaf = dot + 1;
			indent = "  ";
		} else {
			prev[0] = '\0';
		}
		fprintf(out, "%s%s: ", indent, leaf);
		switch (k->type) {
		case K_LONG:
			fprintf(out, "%ld", *(const long *)p);
			break;
		case K_DOUBLE:
			fprintf(out, "%g", *(const double *)p);
			break;
		case K_STRLIST: {
			char *const *l = *(char *const *const *)p;
			size_t n = *(const size_t *)(p + sizeof(char **)), j;
			fputc('[', out);
			for (j = 0; j < n; j++) {
				if (j)
					fputs(", ", out);
				fputc('"', out);
				fputs(l[j], out);
				fputc('"', out);
			}
			fputc(']', out);
			break;
		}
		case K_DBURL: {
			char *r = gx_dburl_redact(*(char *const *)p);
			print_yaml_str(out, r ? r : "");
			gx_free(r);
			break;
		}
		default:
			print_yaml_str(out, *(char *const *)p ? *(char *const *)p : "");
		}
		fprintf(out, "  # %s; %s\n", c->origin[i] ? c->origin[i] : "default", k->help);
	}
}
