/*
 * study.h - find a study's files under the data root and fingerprint them.
 *
 * Layout (refine.bio downloads): <data_root>/<ACCESSION>/ holding
 *   <ACCESSION>.tsv                 the expression matrix          (role "matrix")
 *   metadata_<ACCESSION>.tsv        one row per sample             (role "metadata";
 *                                   2018 downloads: <ACCESSION>_metadata.tsv)
 *   aggregated_metadata.json        optional study-level metadata  (role "aggregated_metadata")
 *   *.h5, *.h5ad, *.loom, ...       HDF5 matrices, recognized by their content, not their
 *                                   name                           (role "matrix")
 * A study needs at least one matrix; a TSV matrix needs its metadata table.
 * Every file's size, mtime and XXH3-128 hash is recorded (meta_source_file).
 */
#ifndef GX_STUDY_H
#define GX_STUDY_H

#include "core/err.h"
#include "core/hash.h"
#include "core/records.h"

#include <stddef.h>
#include <stdint.h>

/* 1 if 'acc' is a usable accession: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, no "..". */
int gx_accession_valid(const char *acc);
/* 0 if 'acc' is a usable accession, else GX_E_ACCESSION with the one message for it. */
int gx_accession_check(const char *acc, gx_err *err);

/*
 * Find the files of study 'acc'.  Errors: GX_E_ACCESSION (bad characters), GX_E_NO_STUDY
 * (no directory), GX_E_NO_FILE (no matrix, or a TSV matrix without metadata),
 * GX_E_EMPTY (a required file of size 0).  *out is owned by the caller.
 */
int gx_study_resolve(const char *data_root, const char *acc, gx_study_files **out,
                     gx_err *err);

/* Build a study from one matrix file (gxload load --file PATH --study ACC). */
int gx_study_from_file(const char *path, const char *acc, gx_study_files **out, gx_err *err);

/* Hash every file (XXH3-128, streaming). */
int gx_study_hash(gx_study_files *sf, gx_err *err);

/* The first file with 'role', or NULL. */
const gx_study_file *gx_study_find(const gx_study_files *sf, const char *role);

void gx_study_files_free(gx_study_files *sf);

/*
 * The studies under the data root (load --all): every directory whose name is a valid
 * accession, sorted bytewise; hidden entries and files are not studies.  *out holds *n
 * names, owned by the caller (gx_study_list_free).  A data root that does not exist is
 * GX_E_CONFIG, one that cannot be read GX_E_IO.
 */
int gx_study_list(const char *data_root, char ***out, size_t *n, gx_err *err);
void gx_study_list_free(char **names, size_t n);

#endif
