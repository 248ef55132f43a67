/*
 * pg_arrays.c - the gene-major and sample-major tables of the PostgreSQL backend (see
 * pg_arrays.h).
 *
 * A flush groups the buffered facts twice, without sorting when it can:
 *   by gene: consecutive facts of one gene (a TSV row, a dense HDF5 row) are a group;
 *     when the groups are short (a sample-major file: 10x, CSR h5ad) the buffer is
 *     sorted by gene first.  Within a group, facts go to the slots of their block
 *     (sample_key / 64, slot sample_key % 64); each block that got a value is a by_gene
 *     row whose arrays run from its lowest to its highest sample key.
 *   by sample: the facts of each sample (not tile_only) in buffer order, counted and
 *     placed per sample; up to S_CHUNK genes per by_sample row.
 * Rows are binary COPY rows (arrays in the binary array format, element types float8 and
 * int4), appended to two spools: a few hundred KiB in memory, the rest in a temporary file.
 * Memory: PG_ARRAYS_MEM bytes, whatever the study's size (pg_arrays_size shares them out
 * between the buffer, the groups' slots and the spools' memory parts), plus the sets of
 * touched blocks and samples (16 bytes a sample at most).
 */
#include "load/pg_arrays.h"
#include "core/buf.h"
#include "core/hset.h"
#include "core/mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CHUNK 80                  /* genes per by_sample row: under 2 kB, not toasted */
#define MAX_BLOCKS 64               /* blocks of one gene group held at once */
/* a flush numbers a sample's by_sample rows from flushes * CHUNKS_PER_FLUSH */
#define CHUNKS_PER_FLUSH 4096
#define OID_INT4 23
#define OID_FLOAT8 701

typedef struct spool {
	gx_buf mem;
	size_t mem_max;             /* bytes kept in memory */
	FILE *f;                    /* the part beyond mem_max, or NULL */
	uint64_t rows;
} spool;

/* the slots of one block of a gene group */
typedef struct slots {
	int32_t block;
	int32_t lo, hi;             /* lowest and highest sample key filled */
	double v[ARR_BLOCK], l[ARR_BLOCK];
	unsigned char has[ARR_BLOCK];
} slots;

struct pg_arrays {
	int32_t study;
	size_t n, cap;              /* facts buffered, and at most (a flush) */
	int32_t *fs, *fg;
	double *fv, *fl;
	unsigned char *ft;
	uint32_t *ix;               /* a flush's order, scratch */
	int32_t part;               /* by_gene rows so far: each row's 'part' */
	int32_t flushes;
	spool g, s;
	slots *sl;                  /* MAX_BLOCKS */
	size_t nsl;
	gx_hset blocks, samples;    /* touched (partial runs delete their old rows) */
	gx_buf row;                 /* one encoded row */
};

/* ---- encoding ---- */

static void be16(gx_buf *b, uint16_t v)
{
	unsigned char p[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	gx_buf_append(b, p, 2);
}

static void be32(gx_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 8), (unsigned char)v };
	gx_buf_append(b, p, 4);
}

static void be64(gx_buf *b, uint64_t v)
{
	be32(b, (uint32_t)(v >> 32));
	be32(b, (uint32_t)v);
}

static void int4_field(gx_buf *b, int32_t v)
{
	be32(b, 4);
	be32(b, (uint32_t)v);
}

static void float8(gx_buf *b, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, 8);
	be32(b, 8);
	be64(b, bits);
}

/* the header of a one-dimensional array field of n elements from lower bound lb; the
 * field's length is patched in by array_end */
static size_t array_begin(gx_buf *b, int hasnull, uint32_t oid, size_t n, int32_t lb)
{
	size_t at = b->len;

	be32(b, 0);
	be32(b, 1);
	be32(b, (uint32_t)hasnull);
	be32(b, oid);
	be32(b, (uint32_t)n);
	be32(b, (uint32_t)lb);
	return at;
}

static void array_end(gx_buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->len - at - 4);

	if (b->data && b->len >= at + 4) {
		unsigned char *p = (unsigned char *)b->data + at;
		p[0] = (unsigned char)(len >> 24);
		p[1] = (unsigned char)(len >> 16);
		p[2] = (unsigned char)(len >> 8);
		p[3] = (unsigned char)len;
	}
}

/* ---- spools ---- */

static int spool_put(spool *sp, const gx_buf *row, gx_err *err)
{
	if (!row->data)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	sp->rows++;
	if (!sp->f && sp->mem.len + row->len <= sp->mem_max)
		return gx_buf_append(&sp->mem, row->data, row->len) < 0
		       ? gx_err_set(err, GX_E_NOMEM, "out of memory") : 0;
	if (!sp->f && !(sp->f = tmpfile()))
		return gx_err_set(err, GX_E_IO, "cannot create a temporary file for the gene-major "
		                  "rows: %s", strerror(errno));
	if (fwrite(row->data, 1, row->len, sp->f) != row->len)
		return gx_err_set(err, GX_E_IO, "cannot write the temporary file of the gene-major "
		                  "rows: %s", strerror(errno));
	return 0;
}

static void spool_release(spool *sp)
{
	gx_buf_release(&sp->mem);
	if (sp->f)
		fclose(sp->f);
	sp->f = NULL;
}

/* COPY 'table' from the spool on the main session */
static int spool_copy(spool *sp, gx_sink *s, const char *table, gx_err *err)
{
	static const unsigned char header[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r',
	                                          '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char trailer[2] = { 0xff, 0xff };
	pg_impl *im = s->impl;
	char sql[256], *buf = NULL;
	PGresult *res;
	size_t off;
	int rc = 0;

	if (!sp->rows)
		return 0;
	snprintf(sql, sizeof(sql), "COPY %s FROM STDIN (FORMAT binary)", table);
	res = PQexec(im->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = pg_fail(s, res, "cannot start COPY", err);
	PQclear(res);
	if (rc)
		return rc;
	if (PQputCopyData(im->conn, (const char *)header, sizeof(header)) != 1)
		goto fail;
	for (off = 0; off < sp->mem.len; off += COPY_BUF) {
		size_t n = sp->mem.len - off < COPY_BUF ? sp->mem.len - off : COPY_BUF;
		if (PQputCopyData(im->conn, sp->mem.data + off, (int)n) != 1)
			goto fail;
	}
	if (sp->f) {
		size_t n;
		if (!(buf = gx_malloc(COPY_BUF))) {
			gx_pg_copy_end(im->conn, "out of memory", NULL);
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		}
		rewind(sp->f);
		while ((n = fread(buf, 1, COPY_BUF, sp->f)) > 0)
			if (PQputCopyData(im->conn, buf, (int)n) != 1)
				goto fail;
		if (ferror(sp->f)) {
			gx_free(buf);
			gx_pg_copy_end(im->conn, "read error", NULL);
			return gx_err_set(err, GX_E_IO, "cannot read the temporary file of the "
			                  "gene-major rows");
		}
	}
	gx_free(buf);
	if (PQputCopyData(im->conn, (const char *)trailer, sizeof(trailer)) != 1)
		goto fail;
	return gx_pg_copy_end(im->conn, NULL, err);
fail:
	gx_free(buf);
	rc = pg_fail(s, NULL, "COPY failed", err);
	gx_pg_copy_end(im->conn, "COPY failed", NULL);
	return rc;
}

/* ---- building ---- */

void pg_arrays_size(size_t budget, size_t *cap, size_t *spool_mem)
{
	size_t mem = budget / 16, fixed = MAX_BLOCKS * sizeof(slots), c;

	if (mem < ((size_t)64 << 10))
		mem = (size_t)64 << 10;
	c = budget > 2 * mem + fixed ? (budget - 2 * mem - fixed) / PG_ARRAYS_FACT_BYTES : 0;
	if (c < PG_ARRAYS_MIN_CAP)
		c = PG_ARRAYS_MIN_CAP;
	/* a sample's rows of one flush must fit its CHUNKS_PER_FLUSH numbers */
	if (c > (size_t)CHUNKS_PER_FLUSH * S_CHUNK)
		c = (size_t)CHUNKS_PER_FLUSH * S_CHUNK;
	*cap = c;
	*spool_mem = mem;
}

int pg_arrays_new(int32_t study_key, pg_arrays **out, gx_err *err)
{
	pg_arrays *a = gx_calloc(1, sizeof(*a));
	size_t cap = 0, spool_mem = 0;

	*out = NULL;
	pg_arrays_size(PG_ARRAYS_MEM, &cap, &spool_mem);
	if (!a || !(a->fs = gx_malloc(cap * sizeof(*a->fs))) ||
	    !(a->fg = gx_malloc(cap * sizeof(*a->fg))) ||
	    !(a->fv = gx_malloc(cap * sizeof(*a->fv))) ||
	    !(a->fl = gx_malloc(cap * sizeof(*a->fl))) ||
	    !(a->ft = gx_malloc(cap)) || !(a->ix = gx_malloc(cap * sizeof(*a->ix))) ||
	    !(a->sl = gx_malloc(MAX_BLOCKS * sizeof(*a->sl)))) {
		pg_arrays_free(a);
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	a->cap = cap;
	a->g.mem_max = a->s.mem_max = spool_mem;
	a->study = study_key;
	*out = a;
	return 0;
}

void pg_arrays_free(pg_arrays *a)
{
	if (!a)
		return;
	gx_free(a->fs);
	gx_free(a->fg);
	gx_free(a->fv);
	gx_free(a->fl);
	gx_free(a->ft);
	gx_free(a->ix);
	gx_free(a->sl);
	spool_release(&a->g);
	spool_release(&a->s);
	gx_hset_release(&a->blocks);
	gx_hset_release(&a->samples);
	gx_buf_release(&a->row);
	gx_free(a);
}

/* an array of the slots' values (log2: their log2 values) from sl->lo to sl->hi */
static void slots_array(gx_buf *b, const slots *sl, int log2)
{
	int32_t lo = sl->block * ARR_BLOCK;
	size_t at;
	int k, hasnull = 0;

	for (k = sl->lo - lo; k <= sl->hi - lo; k++)
		hasnull |= !sl->has[k] || (log2 && isnan(sl->l[k]));
	at = array_begin(b, hasnull, OID_FLOAT8, (size_t)(sl->hi - sl->lo + 1), sl->lo);
	for (k = sl->lo - lo; k <= sl->hi - lo; k++) {
		double d = log2 ? sl->l[k] : sl->v[k];
		if (!sl->has[k] || isnan(d))
			be32(b, 0xffffffffu);
		else
			float8(b, d);
	}
	array_end(b, at);
}

/* the by_gene rows of one gene's slots */
static int emit_slots(pg_arrays *a, int32_t gene, gx_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < a->nsl; i++) {
		slots *sl = &a->sl[i];
		gx_buf *b = &a->row;
		gx_buf_reset(b);
		be16(b, 6);
		int4_field(b, gene);
		int4_field(b, a->study);
		int4_field(b, sl->block);
		int4_field(b, a->part++);
		slots_array(b, sl, 0);
		slots_array(b, sl, 1);
		if ((rc = spool_put(&a->g, b, err)))
			return rc;
		if (gx_hset_put(&a->blocks, (uint64_t)sl->block + 1, 0, NULL) < 0)
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
	a->nsl = 0;
	return 0;
}

/* fact i goes to its block's slot (a new block, when MAX_BLOCKS are held, emits them) */
static int slot_fact(pg_arrays *a, int32_t gene, size_t i, gx_err *err)
{
	int32_t smp = a->fs[i], block = smp / ARR_BLOCK, k = smp % ARR_BLOCK;
	size_t j;
	slots *sl = NULL;
	int rc;

	for (j = a->nsl; j-- > 0;)
		if (a->sl[j].block == block) {
			sl = &a->sl[j];
			break;
		}
	if (!sl) {
		if (a->nsl == MAX_BLOCKS && (rc = emit_slots(a, gene, err)))
			return rc;
		sl = &a->sl[a->nsl++];
		sl->block = block;
		sl->lo = sl->hi = smp;
		memset(sl->has, 0, sizeof(sl->has));
	}
	if (sl->has[k]) {
		/* the same (gene, sample) twice in one group: not from a valid matrix */
		return gx_err_set(err, GX_E_INTERNAL, "fact of gene %d and sample %d given twice",
		                  (int)gene, (int)smp);
	}
	sl->has[k] = 1;
	sl->v[k] = a->fv[i];
	sl->l[k] = a->fl[i];
	if (smp < sl->lo)
		sl->lo = smp;
	if (smp > sl->hi)
		sl->hi = smp;
	return 0;
}

static int cmp_gene_pos(const void *x, const void *y)
{
	const uint64_t *p = x, *q = y;
	return *p < *q ? -1 : *p > *q;
}

/* by_gene rows of the buffer: groups of consecutive facts of one gene */
static int flush_genes(pg_arrays *a, gx_err *err)
{
	size_t i, runs = 1;
	uint64_t *key = NULL;
	int rc = 0;

	for (i = 0; i < a->n; i++)
		a->ix[i] = (uint32_t)i;
	for (i = 1; i < a->n; i++)
		runs += a->fg[i] != a->fg[i - 1];
	if (runs > a->n / 8 + 1) {
		/* short runs: gather each gene's facts, in buffer order */
		if (!(key = gx_malloc(a->n * sizeof(*key))))
			return gx_err_set(err, GX_E_NOMEM, "out of memory");
		for (i = 0; i < a->n; i++)
			key[i] = (uint64_t)(uint32_t)a->fg[i] << 32 | (uint32_t)i;
		qsort(key, a->n, sizeof(*key), cmp_gene_pos);
		for (i = 0; i < a->n; i++)
			a->ix[i] = (uint32_t)key[i];
		gx_free(key);
	}
	for (i = 0; i < a->n && !rc; i++) {
		int32_t gene = a->fg[a->ix[i]];
		rc = slot_fact(a, gene, a->ix[i], err);
		if (!rc && (i + 1 == a->n || a->fg[a->ix[i + 1]] != gene))
			rc = emit_slots(a, gene, err);
	}
	a->nsl = 0;
	return rc;
}

/* one by_sample row: n facts (indexes in ix) of sample smp */
static int emit_sample_row(pg_arrays *a, int32_t smp, int32_t chunk, const uint32_t *ix,
                           size_t n, gx_err *err)
{
	gx_buf *b = &a->row;
	size_t j, at;
	int hasnull = 0;

	for (j = 0; j < n; j++)
		hasnull |= isnan(a->fl[ix[j]]);
	gx_buf_reset(b);
	be16(b, 6);
	int4_field(b, a->study);
	int4_field(b, smp);
	int4_field(b, chunk);
	at = array_begin(b, 0, OID_INT4, n, 1);
	for (j = 0; j < n; j++)
		int4_field(b, a->fg[ix[j]]);
	array_end(b, at);
	at = array_begin(b, 0, OID_FLOAT8, n, 1);
	for (j = 0; j < n; j++)
		float8(b, a->fv[ix[j]]);
	array_end(b, at);
	at = array_begin(b, hasnull, OID_FLOAT8, n, 1);
	for (j = 0; j < n; j++) {
		if (isnan(a->fl[ix[j]]))
			be32(b, 0xffffffffu);
		else
			float8(b, a->fl[ix[j]]);
	}
	array_end(b, at);
	return spool_put(&a->s, b, err);
}

/* by_sample rows of the buffer: each sample's facts (tile_only ones left out) */
static int flush_samples(pg_arrays *a, gx_err *err)
{
	gx_hset idx = { 0 };        /* sample key -> its number in this flush */
	size_t *count = NULL, *start = NULL, ns = 0, i, j;
	int32_t *key = NULL;
	int rc = 0;

	for (i = 0; i < a->n && !rc; i++) {
		uint64_t at;
		int put;
		if (a->ft[i])
			continue;
		put = gx_hset_put(&idx, (uint64_t)a->fs[i] + 1, ns, &at);
		if (put < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		else if (put == 1)
			ns++;
	}
	if (rc || !ns)
		goto out;
	count = gx_calloc(ns + 1, sizeof(*count));
	start = gx_calloc(ns + 1, sizeof(*start));
	key = gx_calloc(ns, sizeof(*key));
	if (!count || !start || !key) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < a->n; i++) {
		uint64_t at;
		if (a->ft[i] || !gx_hset_get(&idx, (uint64_t)a->fs[i] + 1, &at))
			continue;
		count[at]++;
		key[at] = a->fs[i];
	}
	for (j = 0; j < ns; j++)
		start[j + 1] = start[j] + count[j];
	memset(count, 0, ns * sizeof(*count));
	for (i = 0; i < a->n; i++) {
		uint64_t at;
		if (a->ft[i] || !gx_hset_get(&idx, (uint64_t)a->fs[i] + 1, &at))
			continue;
		a->ix[start[at] + count[at]++] = (uint32_t)i;
	}
	for (j = 0; j < ns && !rc; j++) {
		size_t off;
		int32_t chunk = a->flushes * CHUNKS_PER_FLUSH;
		for (off = start[j]; off < start[j + 1] && !rc; off += S_CHUNK, chunk++) {
			size_t n = start[j + 1] - off < S_CHUNK ? start[j + 1] - off : S_CHUNK;
			rc = emit_sample_row(a, key[j], chunk, a->ix + off, n, err);
		}
		if (!rc && gx_hset_put(&a->samples, (uint64_t)key[j] + 1, 0, NULL) < 0)
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
	}
out:
	gx_hset_release(&idx);
	gx_free(count);
	gx_free(start);
	gx_free(key);
	return rc;
}

static int flush(pg_arrays *a, gx_err *err)
{
	int rc;

	if (!a->n)
		return 0;
	if ((rc = flush_genes(a, err)) || (rc = flush_samples(a, err)))
		return rc;
	a->n = 0;
	a->flushes++;
	return 0;
}

int pg_arrays_add(pg_arrays *a, int32_t sample, int32_t gene, double value, double log2v,
                  int tile_only, gx_err *err)
{
	a->fs[a->n] = sample;
	a->fg[a->n] = gene;
	a->fv[a->n] = value;
	a->fl[a->n] = log2v;
	a->ft[a->n] = (unsigned char)tile_only;
	if (++a->n == a->cap)
		return flush(a, err);
	return 0;
}

/* "{k1,k2,...}" of a set's keys (stored + 1) */
static int key_list(const gx_hset *h, gx_buf *b)
{
	size_t i, n = 0;

	gx_buf_putc(b, '{');
	for (i = 0; i < h->cap; i++)
		if (h->keys[i])
			gx_buf_printf(b, "%s%lld", n++ ? "," : "", (long long)h->keys[i] - 1);
	return gx_buf_putc(b, '}');
}

int pg_arrays_finish(pg_arrays *a, gx_sink *s, int replace_all, gx_err *err)
{
	gx_buf blocks = { 0 }, samples = { 0 };
	char sk[16];
	int rc;

	if ((rc = flush(a, err)))
		return rc;
	snprintf(sk, sizeof(sk), "%d", (int)a->study);
	if (replace_all) {
		const char *p[1] = { sk };
		if ((rc = pg_query(s, "DELETE FROM fact_gene_expression_by_gene WHERE study_key = "
		                   "$1::int", 1, p, NULL, err)) ||
		    (rc = pg_query(s, "DELETE FROM fact_gene_expression_by_sample WHERE study_key = "
		                   "$1::int", 1, p, NULL, err)))
			return rc;
	} else {
		const char *p[2] = { sk, NULL };
		if (key_list(&a->blocks, &blocks) < 0 || key_list(&a->samples, &samples) < 0) {
			rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
			goto out;
		}
		p[1] = blocks.data;
		if ((rc = pg_query(s, "DELETE FROM fact_gene_expression_by_gene WHERE study_key = "
		                   "$1::int AND block = ANY ($2::int[])", 2, p, NULL, err)))
			goto out;
		p[1] = samples.data;
		if ((rc = pg_query(s, "DELETE FROM fact_gene_expression_by_sample WHERE study_key = "
		                   "$1::int AND sample_key = ANY ($2::int[])", 2, p, NULL, err)))
			goto out;
	}
	if (!(rc = spool_copy(&a->g, s, "fact_gene_expression_by_gene (gene_key, study_key, "
	                      "block, part, value, log2_value)", err)))
		rc = spool_copy(&a->s, s, "fact_gene_expression_by_sample (study_key, sample_key, "
		                "part, gene_key, value, log2_value)", err);
out:
	gx_buf_release(&blocks);
	gx_buf_release(&samples);
	return rc;
}
