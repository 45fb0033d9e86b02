/* Plain text: one value per payload. */
#include "codec/text.h"

#include <string.h>

#include "codec/base64.h"
#include "codec/decimal.h"
#include "codec/objlnk_text.h"

sl_err sl_text_put_value(struct sl_wbuf *w, const struct sl_value *v)
{
    char tmp[SL_DEC_INT_MAX > SL_OBJLNK_TEXT_MAX ? SL_DEC_INT_MAX : SL_OBJLNK_TEXT_MAX];
    size_t n;
    switch (v->type) {
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        if (v->v.bytes.len > 0 && v->v.bytes.ptr == NULL)
            return SL_ERR_INVALID;
        return sl_wbuf_put(w, v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_OPAQUE:
        if (v->v.bytes.len > 0 && v->v.bytes.ptr == NULL)
            return SL_ERR_INVALID;
        return sl_base64_encode(w, v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_INT:
    case SL_TYPE_TIME:
        n = sl_dec_format_i64(v->v.i, tmp);
        break;
    case SL_TYPE_UINT:
        n = sl_dec_format_u64(v->v.u, tmp);
        break;
#if SL_CONFIG_FLOAT
    case SL_TYPE_FLOAT: {
        char f[SL_DEC_DOUBLE_MAX];
        sl_err err = sl_dec_format_double(v->v.f, f, &n);
        if (err != SL_OK)
            return err;
        return sl_wbuf_put(w, f, n);
    }
#endif
    case SL_TYPE_BOOL:
        tmp[0] = v->v.b ? '1' : '0';
        n = 1;
        break;
    case SL_TYPE_OBJLNK:
        n = sl_objlnk_text_format(&v->v.objlnk, tmp);
        break;
    default:
        return SL_ERR_TYPE;
    }
    return sl_wbuf_put(w, tmp, n);
}

/* One value at a resource or resource-instance base (opaque.h too). */
static bool single_value_base(const struct sl_path *base)
{
    return base->len == SL_LEVEL_RESOURCE || base->len == SL_LEVEL_RES_INSTANCE;
}

sl_err sl_text_enc_begin(struct sl_text_enc *e, struct sl_wbuf *w, const struct sl_path *base)
{
    memset(e, 0, sizeof *e);
    e->w = w;
    e->base = *base;
    e->err = single_value_base(base) ? SL_OK : SL_ERR_FORMAT;
    return e->err;
}

sl_err sl_text_enc_single(struct sl_text_enc *e, const struct sl_record *r, bool opaque)
{
    const struct sl_value *v = &r->value;
    if (e->err != SL_OK)
        return e->err;
    if (!sl_path_within(&r->path, &e->base))
        e->err = SL_ERR_INVALID;
    else if (e->count > 0 || r->path.len != e->base.len || v->type == SL_TYPE_NONE ||
             (opaque && v->type != SL_TYPE_OPAQUE))
        e->err = SL_ERR_FORMAT;
    else if (!opaque)
        e->err = sl_text_put_value(e->w, v);
    else if (v->v.bytes.len > 0 && v->v.bytes.ptr == NULL)
        e->err = SL_ERR_INVALID;
    else
        e->err = sl_wbuf_put(e->w, v->v.bytes.ptr, v->v.bytes.len);
    e->count = 1;
    return e->err;
}

sl_err sl_text_enc_record(struct sl_text_enc *e, const struct sl_record *r)
{
    return sl_text_enc_single(e, r, false);
}

sl_err sl_text_enc_end(struct sl_text_enc *e)
{
    return e->err;
}

void sl_text_dec_init(struct sl_text_dec *d, const struct sl_path *base, const uint8_t *payload, size_t len)
{
    d->base = *base;
    d->buf = payload;
    d->len = payload ? len : 0;
    d->err = single_value_base(base) ? SL_OK : SL_ERR_FORMAT;
}

sl_err sl_text_dec_next(struct sl_text_dec *d, struct sl_record *out)
{
    if (d->err != SL_OK)
        return d->err;
    out->path = d->base;
    out->value.type = SL_TYPE_RAW_TEXT;
    out->value.v.bytes.ptr = d->buf;
    out->value.v.bytes.len = d->len;
    d->err = SL_ERR_END;
    return SL_OK;
}
