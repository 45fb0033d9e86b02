/* LwM2M CBOR: nested maps keyed by path IDs. */
#include "sidelink/config.h"
#include "codec/lwm2m_cbor.h"

#include <string.h>

#include "codec/objlnk_text.h"

/* A compile-time option (include/sidelink/config.h): left out, it costs nothing. */
#if SL_CONFIG_LWM2M_CBOR

/* RFC 8949 3.4.2: epoch-based date/time. */
#define TAG_EPOCH_TIME 1

/* ---- encoder ---- */

sl_err sl_lwm2m_cbor_enc_begin(struct sl_lwm2m_cbor_enc *e, struct sl_wbuf *w,
                               const struct sl_path *base)
{
    memset(e, 0, sizeof *e);
    if (base->len > 4)
        return SL_ERR_INVALID;
    e->base = *base;
    sl_err err = sl_cbor_reserve_head(w, &e->mark[0]);
    if (err != SL_OK)
        return err;
    e->open = 1;
    e->w = w;
    return SL_OK;
}

static sl_err put_value(struct sl_wbuf *w, const struct sl_value *v)
{
    switch (v->type) {
    case SL_TYPE_NONE: return sl_cbor_put_null(w);
    case SL_TYPE_INT:
    case SL_TYPE_TIME: return sl_cbor_put_int(w, v->v.i);
    case SL_TYPE_UINT: return sl_cbor_put_uint(w, v->v.u);
    case SL_TYPE_FLOAT: return sl_cbor_put_float(w, v->v.f);
    case SL_TYPE_BOOL: return sl_cbor_put_bool(w, v->v.b);
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        return sl_cbor_put_text(w, (const char *)v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_OPAQUE: return sl_cbor_put_bytes(w, v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_OBJLNK: {
        char text[SL_OBJLNK_TEXT_MAX];
        size_t n = sl_objlnk_text_format(&v->v.objlnk, text);
        return sl_cbor_put_text(w, text, n);
    }
    default: return SL_ERR_TYPE;
    }
}

/* Bytes put_value() will write, or SL_ERR_TYPE. */
static sl_err value_size(const struct sl_value *v, size_t *size)
{
    if (v->type == SL_TYPE_STRING || v->type == SL_TYPE_CORELNK || v->type == SL_TYPE_OPAQUE) {
        *size = sl_cbor_head_len(v->v.bytes.len) + v->v.bytes.len;
        return SL_OK;
    }
    uint8_t scratch[1 + SL_OBJLNK_TEXT_MAX]; /* the largest of the rest */
    struct sl_wbuf s;
    sl_wbuf_init(&s, scratch, sizeof scratch);
    sl_err err = put_value(&s, v);
    *size = s.len;
    return err;
}

/* Close the innermost open map: its head gets the final count in shortest
 * form. Everything after its head is its content and no open map's head
 * lies there, so moving that content down invalidates no mark. */
static sl_err close_map(struct sl_lwm2m_cbor_enc *e)
{
    e->open--;
    return sl_cbor_fix_head(e->w, e->mark[e->open], SL_CBOR_MAJOR_MAP, e->pairs[e->open]);
}

sl_err sl_lwm2m_cbor_enc_record(struct sl_lwm2m_cbor_enc *e, const struct sl_record *r)
{
    if (e->w == NULL)
        return SL_ERR_STATE;
    const struct sl_path *p = &r->path;
    if (p->len == 0 || p->len > 4 || !sl_path_within(p, &e->base))
        return SL_ERR_INVALID; /* the root cannot hold a value */
    for (uint8_t k = 0; k < p->len; k++)
        if (p->id[k] > SL_ID_MAX)
            return SL_ERR_INVALID;
    if (e->have_prev && (sl_path_compare(&e->prev, p) >= 0 || sl_path_within(p, &e->prev)))
        return SL_ERR_INVALID;

    /* Map k (k >= 1) is open under key prev.id[k-1]; keep those the new
     * path shares, as long as it needs them (k < p->len). */
    uint8_t keep = 1;
    while (keep < e->open && keep < p->len && e->prev.id[keep - 1] == p->id[keep - 1])
        keep++;

    /* All or nothing: measure first, so nothing changes unless it all fits.
     * Closing maps frees what their reserved heads do not need. */
    size_t need;
    sl_err err = value_size(&r->value, &need);
    if (err != SL_OK)
        return err;
    size_t room = sl_wbuf_room(e->w);
    for (uint8_t k = keep; k < e->open; k++)
        room += SL_CBOR_HEAD_RESERVE - sl_cbor_head_len(e->pairs[k]);
    for (uint8_t k = keep; k < p->len; k++)
        need += sl_cbor_head_len(p->id[k - 1]) + SL_CBOR_HEAD_RESERVE;
    need += sl_cbor_head_len(p->id[p->len - 1]);
    if (need > room)
        return SL_ERR_OVERFLOW;

    while (err == SL_OK && e->open > keep)
        err = close_map(e);
    /* open maps down to the record's parent */
    while (err == SL_OK && e->open < p->len) {
        uint8_t k = e->open;
        err = sl_cbor_put_uint(e->w, p->id[k - 1]);
        if (err == SL_OK)
            err = sl_cbor_reserve_head(e->w, &e->mark[k]);
        e->pairs[k - 1]++;
        e->pairs[k] = 0;
        e->open++;
    }
    if (err == SL_OK)
        err = sl_cbor_put_uint(e->w, p->id[p->len - 1]);
    if (err == SL_OK)
        err = put_value(e->w, &r->value);
    if (err != SL_OK) {
        e->w = NULL; /* cannot happen after the measuring; do not go on */
        return err;
    }
    e->pairs[e->open - 1]++;
    e->prev = *p;
    e->have_prev = true;
    return SL_OK;
}

sl_err sl_lwm2m_cbor_enc_end(struct sl_lwm2m_cbor_enc *e)
{
    if (e->w == NULL)
        return SL_ERR_STATE;
    sl_err err = SL_OK;
    while (err == SL_OK && e->open > 0)
        err = close_map(e);
    e->w = NULL;
    return err;
}

/* ---- decoder ---- */

void sl_lwm2m_cbor_dec_init(struct sl_lwm2m_cbor_dec *d, const struct sl_path *base,
                            const uint8_t *payload, size_t len)
{
    memset(d, 0, sizeof *d);
    sl_cbor_reader_init(&d->r, payload, len);
    d->base = *base;
    d->state = SL_OK;
}

static sl_err append_id(struct sl_path *p, const struct sl_cbor_item *it)
{
    if (it->kind != SL_CBOR_UINT || it->arg > SL_ID_MAX || p->len >= 4)
        return SL_ERR_INVALID;
    p->id[p->len++] = (uint16_t)it->arg;
    return SL_OK;
}

/* A key: one ID, or an array of one or more IDs. */
static sl_err read_key(struct sl_lwm2m_cbor_dec *d)
{
    struct sl_cbor_item it;
    sl_err err = sl_cbor_read(&d->r, &it);
    if (err != SL_OK)
        return err;
    if (it.kind != SL_CBOR_ARRAY)
        return append_id(&d->cur, &it);
    if (it.arg == 0 || it.arg > (uint64_t)(4 - d->cur.len))
        return SL_ERR_INVALID;
    for (uint64_t k = it.arg; k > 0; k--) {
        struct sl_cbor_item id;
        err = sl_cbor_read(&d->r, &id);
        if (err == SL_OK)
            err = append_id(&d->cur, &id);
        if (err != SL_OK)
            return err;
    }
    return SL_OK;
}

static sl_err read_value(struct sl_lwm2m_cbor_dec *d, const struct sl_cbor_item *it,
                         struct sl_value *v)
{
    memset(v, 0, sizeof *v);
    switch (it->kind) {
    case SL_CBOR_UINT:
        if (it->arg <= (uint64_t)INT64_MAX) {
            v->type = SL_TYPE_INT;
            v->v.i = (int64_t)it->arg;
        } else {
            v->type = SL_TYPE_UINT;
            v->v.u = it->arg;
        }
        return SL_OK;
    case SL_CBOR_NEGINT:
        if (it->arg > (uint64_t)INT64_MAX)
            return SL_ERR_RANGE;
        v->type = SL_TYPE_INT;
        v->v.i = -1 - (int64_t)it->arg;
        return SL_OK;
    case SL_CBOR_FLOAT:
        v->type = SL_TYPE_FLOAT;
        v->v.f = it->f;
        return SL_OK;
    case SL_CBOR_TRUE:
    case SL_CBOR_FALSE:
        v->type = SL_TYPE_BOOL;
        v->v.b = it->kind == SL_CBOR_TRUE;
        return SL_OK;
    case SL_CBOR_TEXT:
    case SL_CBOR_BYTES:
        v->type = it->kind == SL_CBOR_TEXT ? SL_TYPE_STRING : SL_TYPE_OPAQUE;
        v->v.bytes.ptr = it->str;
        v->v.bytes.len = (size_t)it->arg;
        return SL_OK;
    case SL_CBOR_NULL:
        v->type = SL_TYPE_NONE;
        return SL_OK;
    case SL_CBOR_TAG: {
        if (it->arg != TAG_EPOCH_TIME)
            return SL_ERR_UNSUPPORTED;
        int64_t t;
        sl_err err = sl_cbor_read_int(&d->r, &t);
        if (err == SL_ERR_TYPE)
            return SL_ERR_UNSUPPORTED; /* a float time: not an LwM2M Time */
        if (err != SL_OK)
            return err;
        v->type = SL_TYPE_TIME;
        v->v.i = t;
        return SL_OK;
    }
    default:
        return SL_ERR_INVALID;
    }
}

static sl_err next_record(struct sl_lwm2m_cbor_dec *d, struct sl_record *out)
{
    sl_err err;
    if (!d->started) {
        size_t pairs;
        d->started = true;
        err = sl_cbor_read_map_header(&d->r, &pairs);
        if (err != SL_OK)
            return err == SL_ERR_TYPE ? SL_ERR_INVALID : err;
        d->left[0] = pairs;
        d->plen[0] = 0;
        d->depth = 1;
    }
    for (;;) {
        if (d->depth == 0)
            return sl_cbor_at_end(&d->r) ? SL_ERR_END : SL_ERR_INVALID;
        uint8_t top = (uint8_t)(d->depth - 1);
        if (d->left[top] == 0) {
            d->depth--;
            continue;
        }
        d->left[top]--;
        d->cur.len = d->plen[top];
        err = read_key(d);
        if (err != SL_OK)
            return err;

        struct sl_cbor_item it;
        err = sl_cbor_read(&d->r, &it);
        if (err != SL_OK)
            return err;
        if (it.kind == SL_CBOR_MAP) {
            if (it.arg == 0)
                continue; /* {} under a path: nothing there */
            /* each map level adds at least one ID, so depth <= cur.len < 4 */
            if (d->cur.len >= 4 || d->depth >= SL_LWM2M_CBOR_MAX_DEPTH)
                return SL_ERR_INVALID;
            d->left[d->depth] = (size_t)it.arg;
            d->plen[d->depth] = d->cur.len;
            d->depth++;
            continue;
        }
        struct sl_record r;
        err = read_value(d, &it, &r.value);
        if (err != SL_OK)
            return err;
        r.path = sl_path_make(d->cur.len, d->cur.id[0], d->cur.id[1], d->cur.id[2],
                              d->cur.id[3]);
        if (!sl_path_within(&r.path, &d->base))
            return SL_ERR_INVALID;
        *out = r;
        return SL_OK;
    }
}

sl_err sl_lwm2m_cbor_dec_next(struct sl_lwm2m_cbor_dec *d, struct sl_record *out)
{
    if (d->state != SL_OK)
        return d->state;
    sl_err err = next_record(d, out);
    if (err != SL_OK)
        d->state = err;
    return err;
}

#endif /* SL_CONFIG_LWM2M_CBOR */
