/* Opaque: the payload is the value. */
#include "codec/opaque.h"

#include <string.h>

static bool single_value_base(const struct sl_path *base)
{
    return base->len == SL_LEVEL_RESOURCE || base->len == SL_LEVEL_RES_INSTANCE;
}

sl_err sl_opaque_enc_begin(struct sl_opaque_enc *e, struct sl_wbuf *w, const struct sl_path *base)
{
    memset(e, 0, sizeof *e);
    e->w = w;
    e->base = *base;
    e->err = single_value_base(base) ? SL_OK : SL_ERR_FORMAT;
    return e->err;
}

sl_err sl_opaque_enc_record(struct sl_opaque_enc *e, const struct sl_record *r)
{
    if (e->err != SL_OK)
        return e->err;
    if (!sl_path_within(&r->path, &e->base))
        e->err = SL_ERR_INVALID;
    else if (e->count > 0 || r->path.len != e->base.len || r->value.type != SL_TYPE_OPAQUE)
        e->err = SL_ERR_FORMAT;
    else if (r->value.v.bytes.len > 0 && r->value.v.bytes.ptr == NULL)
        e->err = SL_ERR_INVALID;
    else
        e->err = sl_wbuf_put(e->w, r->value.v.bytes.ptr, r->value.v.bytes.len);
    e->count = 1;
    return e->err;
}

sl_err sl_opaque_enc_end(struct sl_opaque_enc *e)
{
    return e->err;
}

void sl_opaque_dec_init(struct sl_opaque_dec *d, const struct sl_path *base, const uint8_t *payload,
                        size_t len)
{
    d->base = *base;
    d->buf = payload;
    d->len = payload ? len : 0;
    d->err = single_value_base(base) ? SL_OK : SL_ERR_FORMAT;
}

sl_err sl_opaque_dec_next(struct sl_opaque_dec *d, struct sl_record *out)
{
    if (d->err != SL_OK)
        return d->err;
    out->path = d->base;
    out->value.type = SL_TYPE_OPAQUE;
    out->value.v.bytes.ptr = d->buf;
    out->value.v.bytes.len = d->len;
    d->err = SL_ERR_END;
    return SL_OK;
}
