/*
 * verify.c - `gxload verify ACCESSION...`: does the database hold what the files hold?
 *
 * For each study, under its lock (no load can change it meanwhile), every sample's digest
 * is computed twice: from the study's files by the loader's own scan
 * (gx_pipeline_digests), and from the database by reading every fact back
 * (gx_db_digests); the two are compared, and with dim_sample.value_digest.  One line per
 * sample (with -q only the samples that disagree) and a summary per study go to stdout.
 * A study whose samples disagree fails with GX_E_MISMATCH (exit 65) naming them; the
 * other studies are still verified.  Reads only: nothing is written, no run is recorded.
 */
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "extract/study.h"
#include "load/verify.h"
#include "pipeline.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: gxload verify ACCESSION...\n"
	      "       gxload verify --file PATH --study ACCESSION\n"
	      "\n"
	      "Recompute every sample's digest from the study's files and from the database\n"
	      "and say, per sample, whether they agree.  Exit 0 only when all agree; 65 when a\n"
	      "sample differs, is missing from the database or is there without being in the\n"
	      "files (named in the message).\n"
	      "\n"
	      "  --file PATH    the study was loaded with load --file PATH --study ACCESSION\n"
	      "  --study ACC    the accession for --file\n", out);
}

/*
 * Compare one study and print its lines; 'bad' receives the disagreeing samples
 * ("A, B"), *n_bad their number and *n_all the number of samples on either side.
 */
static int compare(gx_ctx *ctx, const char *acc, const gx_sample_digest *fd, size_t nf,
                   const gx_db_digest *dd, size_t nd, int64_t orphans, gx_buf *bad,
                   size_t *n_bad, size_t *n_all)
{
	unsigned char *seen = gx_calloc(nd ? nd : 1, 1);
	size_t i, j, w = 8, extra = 0;

	if (!seen)
		return -1;
	for (i = 0; i < nf; i++)
		w = strlen(fd[i].accession) > w ? strlen(fd[i].accession) : w;
	for (i = 0; i < nf; i++) {
		const gx_db_digest *x = NULL;
		const char *state = "ok";
		for (j = 0; j < nd && !x; j++)
			if (!seen[j] && !strcmp(dd[j].accession, fd[i].accession)) {
				x = &dd[j];
				seen[j] = 1;
			}
		if (!x)
			state = "MISSING";
		else if (strcmp(x->digest, fd[i].digest) || x->n_values != fd[i].n_values)
			state = "DIFFERS";
		else if (strcmp(x->stored, fd[i].digest) || x->stored_n != fd[i].n_values)
			state = "STALE";
		if (strcmp(state, "ok")) {
			gx_buf_printf(bad, "%s%s", (*n_bad)++ ? ", " : "", fd[i].accession);
		} else if (ctx->quiet) {
			continue;
		}
		printf("%s %-*s %-7s ", acc, (int)w, fd[i].accession, state);
		if (!x)
			printf("in the files (%ld values), not in the database\n", fd[i].n_values);
		else if (!strcmp(state, "ok"))
			printf("%ld values\n", fd[i].n_values);
		else
			printf("files: %ld values %s; database: %ld values %s; dim_sample: %ld values %s\n",
			       fd[i].n_values, fd[i].digest, x->n_values, x->digest, x->stored_n,
			       x->stored[0] ? x->stored : "-");
	}
	for (j = 0; j < nd; j++) {
		if (seen[j])
			continue;
		extra++;
		gx_buf_printf(bad, "%s%s", (*n_bad)++ ? ", " : "", dd[j].accession);
		printf("%s %-*s %-7s in the database (%ld values), not in the files\n", acc, (int)w,
		       dd[j].accession, "EXTRA", dd[j].n_values);
	}
	gx_free(seen);
	*n_all = nf + extra;
	if (orphans)
		printf("%s: %lld facts belong to no sample of dim_sample\n", acc, (long long)orphans);
	if (!ctx->quiet || *n_bad || orphans) {
		if (*n_bad)
			printf("%s: %zu of %zu samples disagree: %s\n", acc, *n_bad, nf + extra,
			       gx_buf_cstr(bad));
		else
			printf("%s: all %zu samples agree\n", acc, nf);
	}
	return 0;
}

static int verify_one(gx_ctx *ctx, gx_sink *s, const char *acc, const char *file, gx_err *err)
{
	gx_study_lock lock = { 0 };
	gx_sample_digest *fd = NULL;
	gx_db_digest *dd = NULL;
	size_t nf = 0, nd = 0, n_bad = 0, n_all = 0;
	int64_t orphans = 0;
	gx_buf bad = { 0 };
	int rc;

	if ((rc = gx_accession_check(acc, err)))
		return rc;
	if ((rc = gx_study_lock_acquire(&lock, s, ctx->cfg, acc, err)))
		goto out;
	if ((rc = gx_db_digests(s, acc, &dd, &nd, &orphans, err)) ||
	    (rc = gx_pipeline_digests(ctx->cfg, acc, file, &fd, &nf, err)))
		goto out;
	if (compare(ctx, acc, fd, nf, dd, nd, orphans, &bad, &n_bad, &n_all)) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	if (n_bad)
		rc = gx_err_set(err, GX_E_MISMATCH, "%s: %zu of %zu samples disagree with the files: "
		                "%s", acc, n_bad, n_all, gx_buf_cstr(&bad));
	else if (orphans)
		rc = gx_err_set(err, GX_E_MISMATCH, "%s: %lld facts belong to no sample of dim_sample",
		                acc, (long long)orphans);
out:
	gx_study_lock_release(&lock);
	gx_buf_release(&bad);
	gx_sample_digests_free(fd, nf);
	gx_db_digests_free(dd, nd);
	return rc;
}

int cmd_verify(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_FILE = 256, OPT_STUDY };
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, OPT_FILE },
		{ "study", required_argument, NULL, OPT_STUDY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *study = NULL;
	gx_sink *s = NULL;
	gx_err first;
	int c, i, rc, failed = 0;

	gx_err_clear(&first);
	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FILE: file = optarg; break;
		case OPT_STUDY: study = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if ((rc = gx_cmd_check_studies(argc, optind, file, study, err)) ||
	    (rc = gx_sink_open(ctx->cfg, "verify", 1, &s, err)))
		return rc;
	for (i = file ? 0 : optind; file ? i < 1 : i < argc; i++) {
		const char *acc = file ? study : argv[i];
		gx_err e;
		gx_err_clear(&e);
		if (!verify_one(ctx, s, acc, file, &e))
			continue;
		gx_log_err(GX_LOG_ERROR, NULL, &e);
		if (!failed++)
			first = e;
		if (e.code == GX_E_DB_LOST || e.code == GX_E_INTERRUPTED)
			break;
	}
	gx_sink_close(s);
	if (!failed)
		return 0;
	*err = first;
	ctx->reported = 1;
	return -(int)first.code;
}
