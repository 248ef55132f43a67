/*
 * migrate.c - `gxload migrate [--status]`: apply or list schema migrations.
 */
#include "cmd/cmd.h"
#include "core/mem.h"
#include "load/migrate.h"

#include <stdio.h>
#include <string.h>

int cmd_migrate(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	gx_sink *s = NULL;
	int rc, status = 0, applied = 0;

	if (gx_cmd_wants_help(argc, argv)) {
		puts("usage: gxload migrate [--status]\n\n"
		     "Apply pending schema migrations (migrations/<backend>/NNNN_name.sql) in order,\n"
		     "each in its own transaction.  --status lists every migration as applied,\n"
		     "pending, CHANGED (file edited after it was applied: refused, exit 78) or\n"
		     "UNKNOWN (in the database but not in this gxload), without changing anything.");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--status"))
		status = 1;
	else if (argc != 1)
		return gx_err_set(err, GX_E_USAGE, "unexpected argument '%s'", argv[1]);
	if ((rc = gx_sink_open(ctx->cfg, "migrate", status, &s, err)))
		return rc;
	if (status) {
		gx_migration_state *st = NULL;
		size_t n = 0, i;
		int bad = 0;
		if ((rc = gx_migrate_status(s, ctx->cfg->share_dir, &st, &n, err)))
			goto out;
		printf("%-8s %-28s %-9s %s\n", "version", "name", "state", "applied_at");
		for (i = 0; i < n; i++) {
			const char *state = !st[i].db_checksum[0] ? "pending" :
			                    !st[i].file_checksum[0] ? "UNKNOWN" :
			                    strcmp(st[i].db_checksum, st[i].file_checksum) ? "CHANGED" :
			                    "applied";
			bad |= state[0] == 'U' || state[0] == 'C';
			printf("%04d     %-28s %-9s %s\n", st[i].version, st[i].name, state,
			       st[i].applied_at);
		}
		gx_free(st);
		if (bad)
			rc = gx_err_set(err, GX_E_MIGRATION_CHANGED,
			                "the database's migrations do not match this gxload's files");
		goto out;
	}
	if ((rc = gx_migrate_apply(s, ctx->cfg->share_dir, &applied, err)))
		goto out;
	if (!ctx->quiet)
		printf("%d migration(s) applied; database %s is up to date\n", applied,
		       gx_sink_url(s));
out:
	gx_sink_close(s);
	return rc;
}
