/*
 * genes.c - `gxload genes import [--organism NAME] FILE`: a gene annotation table (TSV
 * with id, symbol and optional biotype, as BioMart or GENCODE export it) into
 * dim_gene_annotation, and the loaded genes brought up to date with it (load/genes.h).
 */
#include "cmd/cmd.h"
#include "core/records.h"
#include "extract/annotation.h"
#include "load/genes.h"
#include "load/migrate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: gxload genes import [--organism NAME] FILE\n\n"
	      "Import a gene annotation table: tab-separated with a header naming an id column\n"
	      "('Gene stable ID', 'Gene stable ID version', gene_id, ensembl_gene_id, id), and\n"
	      "optionally a symbol ('Gene name', gene_name, external_gene_name, hgnc_symbol,\n"
	      "symbol) and a biotype ('Gene type', gene_type, gene_biotype, biotype) column;\n"
	      "other columns are ignored.  It replaces the table imported before for the same\n"
	      "organism ('Homo sapiens' or HOMO_SAPIENS, as the studies' metadata names it;\n"
	      "without --organism: for every organism) and fills in the loaded genes' symbols,\n"
	      "stable ids and biotypes; genes loaded later are filled in as they are loaded.\n"
	      "A study keyed by symbols gets the ids the table gives its symbols.\n", f);
}

static int genes_import(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	enum { OPT_ORGANISM = 256 };
	static const struct option longopts[] = {
		{ "organism", required_argument, NULL, OPT_ORGANISM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gx_gene_notes *notes = NULL;
	gx_genes_import_result res;
	gx_sink *s = NULL;
	char organism[64] = "";
	int c, rc, applied = 0;

	gx_cmd_getopt_start();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ORGANISM: gx_organism_key(optarg, organism, sizeof(organism)); break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return gx_cmd_bad_option(argv, err);
		}
	}
	if (optind != argc - 1)
		return gx_err_set(err, GX_E_USAGE, optind < argc ? "more than one FILE given"
		                                                  : "no annotation FILE given");
	/* the file first: a bad table stops before any database work */
	if ((rc = gx_gene_notes_read(argv[optind], &notes, err)))
		return rc;
	if ((rc = gx_sink_open(ctx->cfg, "genes", 0, &s, err)) ||
	    (rc = gx_migrate_apply(s, ctx->cfg->share_dir, &applied, err)) ||
	    (rc = gx_genes_import(s, organism, notes, &res, err)))
		goto out;
	if (!ctx->quiet)
		printf("%s: %ld genes imported for %s (%ld rows without an id, %ld repeated ids "
		       "left out); %ld loaded genes updated\n", argv[optind], res.n_rows,
		       organism[0] ? organism : "every organism", notes->n_skipped, res.n_repeats,
		       res.n_updated);
out:
	gx_sink_close(s);
	gx_gene_notes_free(notes);
	return rc;
}

int cmd_genes(gx_ctx *ctx, int argc, char **argv, gx_err *err)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? gx_err_set(err, GX_E_USAGE, "no subcommand given") : 0;
	}
	if (!strcmp(argv[1], "import"))
		return genes_import(ctx, argc - 1, argv + 1, err);
	return gx_err_set(err, GX_E_USAGE, "unknown subcommand '%s'", argv[1]);
}
