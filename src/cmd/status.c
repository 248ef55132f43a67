/*
 * status.c - `gxload status [ACCESSION]`: what is loaded and how the last runs went.
 *
 * Without an accession: one line per study (loaded or attempted) with its size and its
 * latest run.  With one: the study's details, its source files and its last runs with
 * their messages.  Reads only; a database that does not exist yet is an error (69).
 */
#include "cmd/cmd.h"
#include "load/sink.h"

#include <stdio.h>
#include <string.h>

static const char *nz(const char *s)
{
	return s ? s : "-";
}

static int overview(gx_sink *s, gx_err *err)
{
	static const char sql[] =
		"SELECT r.study_accession, COALESCE(CAST(st.n_samples AS text), '-'), "
		"COALESCE(CAST(st.n_genes AS text), '-'), COALESCE(CAST(st.n_values AS text), '-'), "
		"CAST(r.run_id AS text), r.status, COALESCE(r.mode, '-'), "
		"CAST(r.finished_at AS text), r.message "
		"FROM meta_etl_run r LEFT JOIN dim_study st ON st.accession = r.study_accession "
		"WHERE r.run_id = (SELECT max(run_id) FROM meta_etl_run r2 "
		"                  WHERE r2.study_accession = r.study_accession) "
		"ORDER BY r.study_accession";
	gx_rows *r = NULL;
	size_t i;
	int rc = gx_sink_query(s, sql, 0, NULL, &r, err);

	if (rc)
		return rc;
	if (r->nrows == 0) {
		printf("no studies loaded yet in %s\n", gx_sink_url(s));
		gx_rows_free(r);
		return 0;
	}
	printf("%-16s %8s %8s %12s %7s %-10s %-9s %-24s %s\n", "study", "samples", "genes",
	       "values", "run", "status", "mode", "finished", "message");
	for (i = 0; i < r->nrows; i++)
		printf("%-16s %8s %8s %12s %7s %-10s %-9s %-24s %.80s\n", gx_rows_get(r, i, 0),
		       gx_rows_get(r, i, 1), gx_rows_get(r, i, 2), gx_rows_get(r, i, 3),
		       gx_rows_get(r, i, 4), gx_rows_get(r, i, 5), gx_rows_get(r, i, 6),
		       nz(gx_rows_get(r, i, 7)), gx_rows_get(r, i, 8) ? gx_rows_get(r, i, 8) : "");
	gx_rows_free(r);
	return 0;
}

static int detail(gx_sink *s, const char *acc, gx_err *err)
{
	const char *p[1] = { acc };
	gx_rows *st = NULL, *files = NULL, *runs = NULL;
	size_t i;
	int rc;

	rc = gx_sink_query(s,
		"SELECT CAST(study_key AS text), title, technology, organism, source_database, "
		"value_scale, CAST(n_samples AS text), CAST(n_genes AS text), "
		"CAST(n_values AS text), CAST(updated_at AS text) FROM dim_study WHERE accession = $1",
		1, p, &st, err);
	if (rc)
		goto out;
	rc = gx_sink_query(s,
		"SELECT CAST(run_id AS text), status, COALESCE(mode, '-'), CAST(started_at AS text), "
		"CAST(rows_inserted AS text), CAST(rows_deleted AS text), "
		"CAST(samples_changed AS text), CAST(error_code AS text), message "
		"FROM meta_etl_run WHERE study_accession = $1 ORDER BY run_id DESC LIMIT 10",
		1, p, &runs, err);
	if (rc)
		goto out;
	if (st->nrows == 0 && runs->nrows == 0) {
		rc = gx_err_set(err, GX_E_NO_STUDY, "study '%s' is not in %s", acc, gx_sink_url(s));
		goto out;
	}
	printf("study       %s\n", acc);
	if (st->nrows) {
		const char *k = gx_rows_get(st, 0, 0);
		const char *q[1] = { k };
		printf("title       %s\n", nz(gx_rows_get(st, 0, 1)));
		printf("technology  %s\norganism    %s\nsource      %s\n", nz(gx_rows_get(st, 0, 2)),
		       nz(gx_rows_get(st, 0, 3)), nz(gx_rows_get(st, 0, 4)));
		printf("samples     %s\ngenes       %s\nvalues      %s (scale %s)\nupdated     %s\n",
		       gx_rows_get(st, 0, 6), gx_rows_get(st, 0, 7), gx_rows_get(st, 0, 8),
		       nz(gx_rows_get(st, 0, 5)), gx_rows_get(st, 0, 9));
		rc = gx_sink_query(s,
			"SELECT path, role, CAST(size_bytes AS text), content_hash, CAST(mtime AS text) "
			"FROM meta_source_file WHERE study_key = $1 ORDER BY role, path", 1, q, &files,
			err);
		if (rc)
			goto out;
		printf("\nsource files:\n");
		for (i = 0; i < files->nrows; i++)
			printf("  %-20s %-34s %12s bytes  xxh3-128 %s\n", gx_rows_get(files, i, 1),
			       gx_rows_get(files, i, 0), gx_rows_get(files, i, 2),
			       gx_rows_get(files, i, 3));
	} else {
		printf("(not loaded)\n");
	}
	printf("\nlast runs:\n%7s %-10s %-9s %-24s %10s %10s %8s  %s\n", "run", "status", "mode",
	       "started", "inserted", "deleted", "changed", "message");
	for (i = 0; i < runs->nrows; i++) {
		const char *code = gx_rows_get(runs, i, 7);
		printf("%7s %-10s %-9s %-24s %10s %10s %8s  %s%s%s%.200s\n", gx_rows_get(runs, i, 0),
		       gx_rows_get(runs, i, 1), gx_rows_get(runs, i, 2), gx_rows_get(runs, i, 3),
		       gx_rows_get(runs, i, 4), gx_rows_get(runs, i, 5), gx_rows_get(runs, i, 6),
		       code ? "[" : "", code ? code : "", code ? "] " : "",
		       gx_rows_get(runs, i, 8) ? gx_rows_get(runs, i, 8) : "");
	}
out:
	gx_rows_free(st);
	gx_rows_free(files);
	gx_rows_free(runs);
	return rc;
}

int cmd_status(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	gx_sink *s = NULL;
	int rc;

	if (gx_cmd_wants_help(argc, argv)) {
		puts("usage: gxload status [ACCESSION]\n\n"
		     "Without an accession: every study with its size and its latest run.\n"
		     "With one: the study's details, source files and last ten runs.");
		return 0;
	}
	if (argc > 2)
		return gx_err_set(err, GX_E_USAGE, "expected at most one accession");
	if ((rc = gx_sink_open(ctx->cfg, "status", 1, &s, err)))
		return rc;
	rc = argc == 2 ? detail(s, argv[1], err) : overview(s, err);
	gx_sink_close(s);
	return rc;
}
