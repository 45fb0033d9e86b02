/* LwM2M TLV: header and value coding, the data-model encoder and decoder. */
#include "sidelink/config.h"
#include "codec/tlv.h"

#include <string.h>

/* A compile-time option (include/sidelink/config.h): left out, it costs nothing. */
#if SL_CONFIG_TLV

#define OPEN_INST 1u
#define OPEN_MULTI 2u

#define SEEN_INST 1u /* Object Instance TLVs at top level */
#define SEEN_RES 2u  /* Resource or Multiple Resource TLVs at top level */
#define SEEN_RI 4u   /* Resource Instance TLVs at top level */

/* ---- headers ------------------------------------------------------------ */

static size_t write_header(uint8_t *h, uint8_t kind, uint16_t id, size_t len)
{
    size_t n = 1;
    /* bytes of the length field (0: the length sits in bits 2-0) */
    unsigned lenlen = len < 8 ? 0u : (len <= 0xFF ? 1u : (len <= 0xFFFF ? 2u : 3u));
    uint8_t t = (uint8_t)(kind << 6 | lenlen << 3 | (lenlen ? 0u : len));
    if (id > 0xFF) {
        t |= 0x20;
        h[n++] = (uint8_t)(id >> 8);
    }
    h[n++] = (uint8_t)id;
    while (lenlen-- > 0)
        h[n++] = (uint8_t)(len >> (8 * lenlen));
    h[0] = t;
    return n;
}

sl_err sl_tlv_header_parse(const uint8_t *p, size_t avail, struct sl_tlv_header *h)
{
    if (avail < 2)
        return SL_ERR_INVALID;
    uint8_t t = p[0];
    size_t idlen = (t & 0x20) ? 2 : 1;
    size_t lenlen = (t >> 3) & 3;
    size_t size = 1 + idlen + lenlen;
    if (avail < size)
        return SL_ERR_INVALID;
    uint16_t id = idlen == 2 ? (uint16_t)(p[1] << 8 | p[2]) : p[1];
    if (id > SL_ID_MAX)
        return SL_ERR_INVALID;
    /* bits 2-0 mean something only without a length field; ignore them otherwise */
    size_t len = lenlen ? 0 : (size_t)(t & 7);
    for (size_t i = 0; i < lenlen; i++)
        len = len << 8 | p[1 + idlen + i];
    if (len > avail - size)
        return SL_ERR_INVALID;
    h->kind = (uint8_t)(t >> 6);
    h->size = (uint8_t)size;
    h->id = id;
    h->len = len;
    return SL_OK;
}

size_t sl_tlv_header_size(uint16_t id, size_t len)
{
    size_t n = id > 0xFF ? 3 : 2;
    if (len >= 8)
        n += len <= 0xFF ? 1 : (len <= 0xFFFF ? 2 : 3);
    return n;
}

/* A header for len bytes and the n bytes of data that follow it (none for
 * a bare header), all or nothing. */
static sl_err put_tlv(struct sl_wbuf *w, uint8_t kind, uint16_t id, size_t len,
                      const uint8_t *data, size_t n)
{
    if (id > SL_ID_MAX)
        return SL_ERR_INVALID;
    if (len > SL_TLV_LEN_MAX)
        return SL_ERR_RANGE;
    uint8_t h[SL_TLV_HEADER_MAX];
    size_t hn = write_header(h, (uint8_t)(kind & 3), id, len);
    if (hn + n > sl_wbuf_room(w))
        return SL_ERR_OVERFLOW;
    (void)sl_wbuf_put(w, h, hn);
    return sl_wbuf_put(w, data, n);
}

sl_err sl_tlv_header_put(struct sl_wbuf *w, uint8_t kind, uint16_t id, size_t len)
{
    return put_tlv(w, kind, id, len, NULL, 0);
}

/* ---- values ------------------------------------------------------------- */

static void put_be(uint8_t *out, uint64_t v, size_t n)
{
    /* from the last byte: a fixed 8-bit shift instead of a variable one */
    while (n-- > 0) {
        out[n] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

size_t sl_tlv_int_encode(int64_t v, uint8_t *out)
{
    /* the fewest bytes that hold v with its sign: a magnitude below 2^7,
     * 2^15 or 2^31, where a negative v counts as -v - 1 (~v) */
    uint64_t m = v < 0 ? ~(uint64_t)v : (uint64_t)v;
    size_t n = 8;
    if (m <= (uint64_t)INT8_MAX)
        n = 1;
    else if (m <= (uint64_t)INT16_MAX)
        n = 2;
    else if (m <= (uint64_t)INT32_MAX)
        n = 4;
    put_be(out, (uint64_t)v, n);
    return n;
}

size_t sl_tlv_uint_encode(uint64_t v, uint8_t *out)
{
    /* The TS 1.1 says Unsigned Integer is unsigned binary; a 1.0 peer only
     * knows signed Integer. Keeping the top bit clear whenever the value
     * allows makes both readings agree. */
    if (v <= INT64_MAX)
        return sl_tlv_int_encode((int64_t)v, out);
    put_be(out, v, 8);
    return 8;
}

sl_err sl_tlv_int_decode(const uint8_t *p, size_t len, int64_t *out)
{
    if (len != 1 && len != 2 && len != 4 && len != 8)
        return SL_ERR_TYPE;
    /* sign-extend by starting from all ones for a negative value: the
     * bytes shift them out as far as they reach */
    uint64_t u = (p[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < len; i++)
        u = u << 8 | p[i];
    /* two's complement without an implementation-defined conversion */
    *out = u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
    return SL_OK;
}

sl_err sl_tlv_uint_decode(const uint8_t *p, size_t len, uint64_t *out)
{
    if (len < 1 || len > 8)
        return SL_ERR_TYPE;
    *out = get_be(p, len);
    return SL_OK;
}

#if SL_CONFIG_FLOAT
size_t sl_tlv_float_encode(double v, uint8_t *out)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    /* finite and within binary32 range, so the conversion is defined */
    if (((bits >> 52) & 0x7FF) != 0x7FF && v <= 3.4028234663852886e38 && v >= -3.4028234663852886e38) {
        float f = (float)v;
        if ((double)f == v) {
            uint32_t fb;
            memcpy(&fb, &f, sizeof fb);
            put_be(out, fb, 4);
            return 4;
        }
    }
    put_be(out, bits, 8);
    return 8;
}

sl_err sl_tlv_float_decode(const uint8_t *p, size_t len, double *out)
{
    if (len == 4) {
        uint32_t fb = (uint32_t)get_be(p, 4);
        float f;
        memcpy(&f, &fb, sizeof f);
        *out = f;
        return SL_OK;
    }
    if (len == 8) {
        uint64_t bits = get_be(p, 8);
        memcpy(out, &bits, sizeof *out);
        return SL_OK;
    }
    return SL_ERR_TYPE;
}
#endif

/* A scalar value's bytes into out[8]; 0 for a type that is not a scalar. */
static size_t scalar_bytes(const struct sl_value *v, uint8_t *out)
{
    switch (v->type) {
    case SL_TYPE_INT:
    case SL_TYPE_TIME:
        return sl_tlv_int_encode(v->v.i, out);
    case SL_TYPE_UINT:
        return sl_tlv_uint_encode(v->v.u, out);
#if SL_CONFIG_FLOAT
    case SL_TYPE_FLOAT:
        return sl_tlv_float_encode(v->v.f, out);
#endif
    case SL_TYPE_BOOL:
        out[0] = v->v.b ? 1 : 0;
        return 1;
    case SL_TYPE_OBJLNK:
        put_be(out, v->v.objlnk.oid, 2);
        put_be(out + 2, v->v.objlnk.iid, 2);
        return 4;
    default:
        return 0;
    }
}

sl_err sl_tlv_put_value(struct sl_wbuf *w, uint8_t kind, uint16_t id, const struct sl_value *v)
{
    uint8_t tmp[8];
    const uint8_t *data = tmp;
    size_t n;
    if (v->type == SL_TYPE_STRING || v->type == SL_TYPE_OPAQUE || v->type == SL_TYPE_CORELNK) {
        data = v->v.bytes.ptr;
        n = v->v.bytes.len;
        if (n > 0 && data == NULL)
            return SL_ERR_INVALID;
    } else if ((n = scalar_bytes(v, tmp)) == 0) {
        return SL_ERR_TYPE;
    }
    return put_tlv(w, kind, id, n, data, n);
}

/* ---- encoder ------------------------------------------------------------ */

/* A container's length is known only when it closes: reserve the largest
 * header its ID allows (24-bit length) and drop the unused bytes later. */
static size_t reserve_size(uint16_t id)
{
    return (id > 0xFF ? 3u : 2u) + 3u;
}

static sl_err open_container(struct sl_tlv_enc *e, uint16_t id, size_t *pos)
{
    return sl_wbuf_reserve(e->w, reserve_size(id), pos);
}

static sl_err close_container(struct sl_tlv_enc *e, size_t pos, uint8_t kind, uint16_t id)
{
    struct sl_wbuf *w = e->w;
    size_t reserved = reserve_size(id);
    size_t len = w->len - pos - reserved;
    if (len > SL_TLV_LEN_MAX)
        return SL_ERR_RANGE;
    uint8_t h[SL_TLV_HEADER_MAX];
    size_t hn = write_header(h, kind, id, len);
    memcpy(w->buf + pos, h, hn);
    sl_wbuf_close_gap(w, pos + hn, reserved - hn);
    return SL_OK;
}

static sl_err close_multi(struct sl_tlv_enc *e)
{
    if (!(e->open & OPEN_MULTI))
        return SL_OK;
    e->open &= (uint8_t)~OPEN_MULTI;
    return close_container(e, e->multi_pos, SL_TLV_MULTIPLE, e->multi_id);
}

static sl_err close_inst(struct sl_tlv_enc *e)
{
    sl_err err = close_multi(e);
    if (err != SL_OK || !(e->open & OPEN_INST))
        return err;
    e->open &= (uint8_t)~OPEN_INST;
    return close_container(e, e->inst_pos, SL_TLV_INSTANCE, e->inst_id);
}

sl_err sl_tlv_enc_begin(struct sl_tlv_enc *e, struct sl_wbuf *w, const struct sl_path *base)
{
    memset(e, 0, sizeof *e);
    e->w = w;
    e->base = *base;
    e->err = (base->len < SL_LEVEL_OBJECT || base->len > SL_LEVEL_RES_INSTANCE) ? SL_ERR_FORMAT : SL_OK;
    return e->err;
}

static sl_err enc_record(struct sl_tlv_enc *e, const struct sl_record *r)
{
    const struct sl_path *p = &r->path;
    uint8_t b = e->base.len;
    bool none = r->value.type == SL_TYPE_NONE;
    sl_err err;

    if (p->len > SL_LEVEL_RES_INSTANCE || !sl_path_within(p, &e->base))
        return SL_ERR_INVALID;
    for (uint8_t k = 0; k < p->len; k++) {
        if (p->id[k] > SL_ID_MAX)
            return SL_ERR_INVALID;
    }
    if (p->len < SL_LEVEL_RESOURCE) {
        /* only the path-only record of an instance, below an object base */
        if (b != SL_LEVEL_OBJECT || p->len != SL_LEVEL_INSTANCE)
            return SL_ERR_INVALID;
        if (!none)
            return SL_ERR_TYPE;
    }
    if (none && p->len == SL_LEVEL_RES_INSTANCE)
        return SL_ERR_TYPE;
    if (e->count) {
        /* out of order or repeated: grouping would split a container */
        if (sl_path_compare(&e->last, p) >= 0)
            return SL_ERR_INVALID;
        /* a resource written as single (or empty), then instances of it */
        if (e->last.len == SL_LEVEL_RESOURCE && sl_path_within(p, &e->last))
            return SL_ERR_INVALID;
    }
    e->last = *p;
    if (e->count < UINT8_MAX)
        e->count++;

    if (b == SL_LEVEL_OBJECT) {
        if ((e->open & OPEN_INST) && e->inst_id != p->id[1]) {
            if ((err = close_inst(e)) != SL_OK)
                return err;
        }
        if (!(e->open & OPEN_INST)) {
            if ((err = open_container(e, p->id[1], &e->inst_pos)) != SL_OK)
                return err;
            e->open |= OPEN_INST;
            e->inst_id = p->id[1];
        }
        if (p->len == SL_LEVEL_INSTANCE)
            return SL_OK;
    }
    if ((e->open & OPEN_MULTI) && (p->len != SL_LEVEL_RES_INSTANCE || e->multi_id != p->id[2])) {
        if ((err = close_multi(e)) != SL_OK)
            return err;
    }
    if (p->len == SL_LEVEL_RESOURCE) {
        if (none)
            return sl_tlv_header_put(e->w, SL_TLV_MULTIPLE, p->id[2], 0);
        return sl_tlv_put_value(e->w, SL_TLV_RESOURCE, p->id[2], &r->value);
    }
    if (b < SL_LEVEL_RES_INSTANCE && !(e->open & OPEN_MULTI)) {
        if ((err = open_container(e, p->id[2], &e->multi_pos)) != SL_OK)
            return err;
        e->open |= OPEN_MULTI;
        e->multi_id = p->id[2];
    }
    return sl_tlv_put_value(e->w, SL_TLV_RES_INSTANCE, p->id[3], &r->value);
}

sl_err sl_tlv_enc_record(struct sl_tlv_enc *e, const struct sl_record *r)
{
    if (e->err == SL_OK)
        e->err = enc_record(e, r);
    return e->err;
}

sl_err sl_tlv_enc_end(struct sl_tlv_enc *e)
{
    if (e->err == SL_OK)
        e->err = close_inst(e);
    return e->err;
}

/* ---- decoder ------------------------------------------------------------ */

void sl_tlv_dec_init(struct sl_tlv_dec *d, const struct sl_path *base, const uint8_t *payload, size_t len)
{
    memset(d, 0, sizeof *d);
    d->base = *base;
    d->buf = payload;
    d->len = payload ? len : 0;
    d->inst_id = SL_ID_NONE;
    d->err = (base->len < SL_LEVEL_OBJECT || base->len > SL_LEVEL_RES_INSTANCE) ? SL_ERR_FORMAT : SL_OK;
}

/* The record of TLV h at d->pos, and the position past it. The last ID of
 * its path is h's own; a and b are the instance and resource IDs before it
 * (as far as the path goes). Resource and Resource Instance TLVs carry a
 * value; the two empty containers (Object Instance, Multiple Resource,
 * of length 0) none. */
static sl_err emit(struct sl_tlv_dec *d, struct sl_record *out, const struct sl_tlv_header *h,
                   uint16_t a, uint16_t b)
{
    static const uint8_t level[4] = { SL_LEVEL_INSTANCE, SL_LEVEL_RES_INSTANCE, SL_LEVEL_RESOURCE,
                                      SL_LEVEL_RESOURCE };
    size_t vpos = d->pos + h->size;
    int len = level[h->kind & 3];
    bool value = (h->kind & 1) != 0;
    out->path = sl_path_make(len, d->base.id[0], a, b, 0);
    out->path.id[len - 1] = h->id;
    out->value.type = value ? SL_TYPE_RAW_TLV : SL_TYPE_NONE;
    out->value.v.bytes.ptr = value ? d->buf + vpos : NULL;
    out->value.v.bytes.len = h->len;
    d->pos = vpos + h->len;
    return SL_OK;
}

/* A Resource or Multiple Resource TLV of instance iid. Returns SL_OK with a
 * record, or SL_ERR_END when it opened a container and the caller should
 * go on reading inside it. */
static sl_err resource_tlv(struct sl_tlv_dec *d, const struct sl_tlv_header *h, uint16_t iid,
                           struct sl_record *out)
{
    if (h->kind == SL_TLV_RESOURCE || (h->kind == SL_TLV_MULTIPLE && h->len == 0))
        return emit(d, out, h, iid, 0);
    if (h->kind != SL_TLV_MULTIPLE)
        return SL_ERR_INVALID;
    d->pos += h->size;
    d->open |= OPEN_MULTI;
    d->multi_end = d->pos + h->len;
    d->multi_id = h->id;
    d->inst_id = iid;
    return SL_ERR_END;
}

static sl_err dec_next(struct sl_tlv_dec *d, struct sl_record *out)
{
    const uint8_t b = d->base.len;
    for (;;) {
        if ((d->open & OPEN_MULTI) && d->pos == d->multi_end) {
            d->open &= (uint8_t)~OPEN_MULTI;
            continue;
        }
        if ((d->open & OPEN_INST) && d->pos == d->inst_end) {
            d->open &= (uint8_t)~OPEN_INST;
            continue;
        }
        if (d->pos == d->len)
            return SL_ERR_END;
        size_t limit = (d->open & OPEN_MULTI) ? d->multi_end : ((d->open & OPEN_INST) ? d->inst_end : d->len);
        struct sl_tlv_header h;
        if (sl_tlv_header_parse(d->buf + d->pos, limit - d->pos, &h) != SL_OK)
            return SL_ERR_INVALID;
        uint16_t iid;

        if (d->open & OPEN_MULTI) {
            if (h.kind != SL_TLV_RES_INSTANCE)
                return SL_ERR_INVALID;
            return emit(d, out, &h, d->inst_id, d->multi_id);
        }
        if ((d->open & OPEN_INST) || b == SL_LEVEL_INSTANCE) {
            iid = b == SL_LEVEL_INSTANCE ? d->base.id[1] : d->inst_id;
        } else if (b == SL_LEVEL_OBJECT) {
            /* top level below an object */
            if (h.kind == SL_TLV_INSTANCE) {
                if (d->seen & SEEN_RES)
                    return SL_ERR_INVALID;
                d->seen |= SEEN_INST;
                if (h.len == 0)
                    return emit(d, out, &h, 0, 0);
                d->pos += h.size;
                d->open |= OPEN_INST;
                d->inst_end = d->pos + h.len;
                d->inst_id = h.id;
                continue;
            }
            /* resources without an instance: a Create that lets the client
             * pick the instance ID */
            if (d->seen & SEEN_INST)
                return SL_ERR_INVALID;
            d->seen |= SEEN_RES;
            iid = SL_ID_NONE;
        } else if (b == SL_LEVEL_RESOURCE && h.kind != SL_TLV_RES_INSTANCE) {
            /* below a resource: that one Resource or Multiple Resource TLV */
            if (d->seen || h.id != d->base.id[2])
                return SL_ERR_INVALID;
            d->seen |= SEEN_RES;
            iid = d->base.id[1];
        } else {
            /* Resource Instance TLVs: bare ones below a resource (tolerated),
             * or exactly the one of a resource-instance base */
            if (h.kind != SL_TLV_RES_INSTANCE ||
                (b == SL_LEVEL_RESOURCE ? (d->seen & SEEN_RES) != 0
                                        : (d->seen || h.id != d->base.id[3])))
                return SL_ERR_INVALID;
            d->seen |= SEEN_RI;
            return emit(d, out, &h, d->base.id[1], d->base.id[2]);
        }
        sl_err err = resource_tlv(d, &h, iid, out);
        if (err != SL_ERR_END)
            return err;
    }
}

sl_err sl_tlv_dec_next(struct sl_tlv_dec *d, struct sl_record *out)
{
    if (d->err == SL_OK)
        d->err = dec_next(d, out);
    return d->err;
}

#endif /* SL_CONFIG_TLV */
