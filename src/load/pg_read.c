/*
 * pg_read.c - a study's facts read back from PostgreSQL in bulk (gx_sink_ops.facts_read,
 * see load/sink_impl.h): one binary COPY out of the study's partition in key order, so
 * that 10M values cost one query and no text on the way (the analysis step reads a
 * study once this way, load/analysis_store.c).
 * The study key and the gene keys are integers the loader made, not input: they are
 * written into the COPY's query, which takes no parameters.
 * Does not: write, or hold more than one chunk of rows.
 */
#include "load/pg_conn.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define READ_ROWS 65536

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct rd {
	int32_t *sk, *gk;
	double *lv;
	size_t n;
	int header_done;
} rd;

/* One COPY message: the header (first), a tuple, or the trailer.  1 at the trailer,
 * 0 for a row, -1 if malformed. */
static int parse_row(rd *r, const unsigned char *p, size_t len)
{
	static const unsigned char sig[11] = "PGCOPY\n\377\r\n";
	int32_t f[3];
	double v = NAN;
	size_t k;

	if (!r->header_done) {
		if (len < 19 || memcmp(p, sig, 11))
			return -1;
		k = 19 + be32(p + 15);
		if (len < k)
			return -1;
		p += k;
		len -= k;
		r->header_done = 1;
	}
	if (len < 2)
		return -1;
	if (p[0] == 0xff && p[1] == 0xff)
		return 1;
	if (((p[0] << 8) | p[1]) != 3 || len != 2 + 4 + 4 + 4 + 4 + 4 + (be32(p + 18) == 0xffffffffu ? 0 : 8))
		return -1;
	f[0] = (int32_t)be32(p + 6);
	f[1] = (int32_t)be32(p + 14);
	if (be32(p + 18) == 8) {
		uint64_t u = (uint64_t)be32(p + 22) << 32 | be32(p + 26);
		memcpy(&v, &u, sizeof(v));
	}
	r->sk[r->n] = f[0];
	r->gk[r->n] = f[1];
	r->lv[r->n] = v;
	r->n++;
	return 0;
}

int pg_facts_read(gx_sink *s, int32_t study_key, const char *genes, gx_facts_read_fn fn,
                  void *ctx, gx_err *err)
{
	pg_impl *im = s->impl;
	char sql[512];
	gx_buf q = { 0 };
	PGresult *res;
	rd r;
	int rc = 0, got, end = 0;
	char *buf;

	memset(&r, 0, sizeof(r));
	r.sk = gx_malloc(READ_ROWS * sizeof(*r.sk));
	r.gk = gx_malloc(READ_ROWS * sizeof(*r.gk));
	r.lv = gx_malloc(READ_ROWS * sizeof(*r.lv));
	snprintf(sql, sizeof(sql), "COPY (SELECT sample_key, gene_key, log2_value FROM "
	         "fact_gene_expression WHERE study_key = %d", (int)study_key);
	gx_buf_puts(&q, sql);
	if (genes)
		gx_buf_printf(&q, " AND gene_key = ANY ('%s'::integer[])", genes);
	gx_buf_puts(&q, " ORDER BY gene_key, sample_key) TO STDOUT (FORMAT binary)");
	if (!r.sk || !r.gk || !r.lv || !gx_buf_cstr(&q)) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto out;
	}
	res = PQexec(im->conn, q.data);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = pg_fail(s, res, "cannot read the facts", err);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	while ((got = PQgetCopyData(im->conn, &buf, 0)) > 0) {
		int st = end || rc ? 0 : parse_row(&r, (const unsigned char *)buf, (size_t)got);

		PQfreemem(buf);
		if (st < 0 && !rc)
			rc = gx_err_set(err, GX_E_DB, "cannot read the facts: an unexpected COPY row");
		end |= st > 0;
		if (!rc && r.n == READ_ROWS) {
			if ((rc = fn(ctx, r.n, r.sk, r.gk, r.lv, err)) > 0)
				rc = 0;
			r.n = 0;
		}
	}
	/* the COPY is read to its end even after an error, so the session stays usable */
	while ((res = PQgetResult(im->conn)) != NULL) {
		if (!rc && !pg_ok_status(res))
			rc = pg_fail(s, res, "cannot read the facts", err);
		PQclear(res);
	}
	if (!rc && got == -2)
		rc = pg_fail(s, NULL, "cannot read the facts", err);
	if (!rc && r.n && (rc = fn(ctx, r.n, r.sk, r.gk, r.lv, err)) > 0)
		rc = 0;
out:
	gx_buf_release(&q);
	gx_free(r.sk);
	gx_free(r.gk);
	gx_free(r.lv);
	return rc < 0 ? rc : 0;
}
