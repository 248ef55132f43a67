/*
 * rulebook.c - load both rule sets and combine their hashes (see rulebook.h).
 */
#include "transform/rulebook.h"
#include "core/buf.h"
#include "core/mem.h"

int gx_rulebook_load_paths(const char *illness, const char *overrides_dir,
                           const char *platforms, gx_rulebook **out, gx_err *err)
{
	gx_rulebook *rb;
	gx_buf b = { 0 };
	int rc;

	*out = NULL;
	rb = gx_calloc(1, sizeof(*rb));
	if (!rb)
		return gx_err_set(err, GX_E_NOMEM, "out of memory");
	if ((rc = gx_illness_load(illness, overrides_dir, &rb->illness, err)) ||
	    (rc = gx_platforms_load(platforms, &rb->platforms, err)))
		goto fail;
	if (gx_buf_printf(&b, "illness:%s\nplatforms:%s\n", gx_illness_hash(rb->illness),
	                  gx_platforms_hash(rb->platforms)) < 0) {
		rc = gx_err_set(err, GX_E_NOMEM, "out of memory");
		goto fail;
	}
	gx_hash128_hex(gx_hash_bytes(b.data, b.len), rb->hash);
	gx_buf_release(&b);
	*out = rb;
	return 0;
fail:
	gx_buf_release(&b);
	gx_rulebook_free(rb);
	return rc;
}

int gx_rulebook_load(const gx_config *cfg, gx_rulebook **out, gx_err *err)
{
	return gx_rulebook_load_paths(cfg->rules_illness, cfg->rules_overrides_dir,
	                              cfg->rules_platforms, out, err);
}

void gx_rulebook_free(gx_rulebook *rb)
{
	if (!rb)
		return;
	gx_illness_free(rb->illness);
	gx_platforms_free(rb->platforms);
	gx_free(rb);
}
