/* Records, typing and payload codecs for the server. */
#include "server/srv_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/cbor.h"
#include "codec/data.h"
#include "codec/objlnk_text.h"
#include "codec/value.h"
#include "objects/defs.h"

void srv_recs_init(struct srv_recs *r)
{
    r->v = NULL;
    r->n = r->cap = 0;
    srv_arena_init(&r->arena);
}

void srv_recs_free(struct srv_recs *r)
{
    free(r->v);
    srv_arena_free(&r->arena);
    r->v = NULL;
    r->n = r->cap = 0;
}

static bool has_bytes(uint8_t type)
{
    return type == SL_TYPE_STRING || type == SL_TYPE_OPAQUE || type == SL_TYPE_CORELNK ||
           type == SL_TYPE_RAW_TLV || type == SL_TYPE_RAW_TEXT;
}

bool srv_recs_add(struct srv_recs *r, const struct sl_record *rec)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct sl_record *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return false;
        r->v = v;
        r->cap = cap;
    }
    struct sl_record c = *rec;
    if (has_bytes(c.value.type)) {
        const uint8_t *p = srv_arena_dup(&r->arena, c.value.v.bytes.ptr, c.value.v.bytes.len);
        if (!p)
            return false;
        c.value.v.bytes.ptr = p;
    }
    r->v[r->n++] = c;
    return true;
}

static int rec_cmp(const void *a, const void *b)
{
    const struct sl_record *x = a, *y = b;
    return sl_path_compare(&x->path, &y->path);
}

bool srv_recs_sort(struct srv_recs *r)
{
    if (r->n > 1)
        qsort(r->v, r->n, sizeof r->v[0], rec_cmp);
    for (size_t k = 1; k < r->n; k++)
        if (sl_path_equal(&r->v[k - 1].path, &r->v[k].path))
            return false;
    return true;
}

static const struct {
    const char *name;
    uint16_t fmt;
} formats[] = {
    { "TLV", SL_FMT_TLV },       { "SENML_CBOR", SL_FMT_SENML_CBOR },
    { "LWM2M_CBOR", SL_FMT_LWM2M_CBOR }, { "TEXT", SL_FMT_TEXT },
    { "OPAQUE", SL_FMT_OPAQUE }, { "CBOR", SL_FMT_CBOR },
};

bool srv_format_parse(const char *s, uint16_t *fmt)
{
    char norm[16];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof norm)
        return false;
    for (size_t k = 0; k <= n; k++)
        norm[k] = (s[k] == '-') ? '_' : s[k];
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        if (strcasecmp(norm, formats[k].name) == 0) {
            *fmt = formats[k].fmt;
            return true;
        }
    }
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end == 0 && s[0] >= '0' && s[0] <= '9' && srv_format_supported((uint16_t)v) && v < 65535) {
        *fmt = (uint16_t)v;
        return true;
    }
    return false;
}

const char *srv_format_name(uint16_t fmt)
{
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        if (formats[k].fmt == fmt)
            return formats[k].name;
    return NULL;
}

bool srv_format_supported(uint16_t fmt)
{
    return fmt == SL_FMT_CBOR || sl_data_format_supported(fmt);
}

const struct sl_res_def *srv_res_def(const struct sl_path *p)
{
    if (p->len < 3)
        return NULL;
    const struct sl_obj_def *def = sl_def_find(p->id[0]);
    return def ? sl_obj_res(def, p->id[2]) : NULL;
}

void srv_value_type(const struct sl_path *p, struct sl_value *v, struct srv_arena *a)
{
    const struct sl_res_def *rd = srv_res_def(p);
    if (rd && rd->type != SL_TYPE_NONE && v->type != SL_TYPE_NONE && v->type != rd->type) {
        struct sl_value out;
        uint8_t *scratch = NULL;
        size_t cap = 0;
        if (rd->type == SL_TYPE_OPAQUE && v->type == SL_TYPE_RAW_TEXT) {
            cap = v->v.bytes.len + 1;
            scratch = srv_arena_alloc(a, cap);
        }
        if (sl_value_convert_buf(v, rd->type, &out, scratch, scratch ? cap : 0) == SL_OK) {
            *v = out;
            return;
        }
    }
    /* unknown resource, or a value that does not fit its declaration */
    if (v->type == SL_TYPE_RAW_TLV)
        v->type = SL_TYPE_OPAQUE;
    else if (v->type == SL_TYPE_RAW_TEXT)
        v->type = SL_TYPE_STRING;
}

/* ---- plain CBOR (60): one value ---- */

static sl_err cbor_decode(const struct sl_path *base, const uint8_t *p, size_t n,
                          struct sl_record *out)
{
    if (base->len < 3)
        return SL_ERR_FORMAT;
    struct sl_cbor_reader r;
    struct sl_cbor_item it;
    sl_cbor_reader_init(&r, p, n);
    sl_err err = sl_cbor_read(&r, &it);
    if (err != SL_OK)
        return SL_ERR_INVALID;
    bool time = false;
    if (it.kind == SL_CBOR_TAG) {
        if (it.arg != 1)
            return SL_ERR_INVALID;
        time = true;
        if (sl_cbor_read(&r, &it) != SL_OK)
            return SL_ERR_INVALID;
    }
    out->path = *base;
    switch (it.kind) {
    case SL_CBOR_UINT:
        out->value = it.arg > INT64_MAX ? sl_value_uint(it.arg) : sl_value_int((int64_t)it.arg);
        break;
    case SL_CBOR_NEGINT:
        if (it.arg > INT64_MAX)
            return SL_ERR_RANGE;
        out->value = sl_value_int(-1 - (int64_t)it.arg);
        break;
    case SL_CBOR_FLOAT:
        out->value = sl_value_float(it.f);
        break;
    case SL_CBOR_TRUE:
    case SL_CBOR_FALSE:
        out->value = sl_value_bool(it.kind == SL_CBOR_TRUE);
        break;
    case SL_CBOR_TEXT:
        out->value = sl_value_string((const char *)it.str, (size_t)it.arg);
        break;
    case SL_CBOR_BYTES:
        out->value = sl_value_opaque(it.str, (size_t)it.arg);
        break;
    default:
        return SL_ERR_INVALID;
    }
    if (time) {
        if (out->value.type != SL_TYPE_INT)
            return SL_ERR_INVALID;
        out->value.type = SL_TYPE_TIME;
    }
    if (!sl_cbor_at_end(&r))
        return SL_ERR_INVALID;
    return SL_OK;
}

static sl_err cbor_encode(const struct sl_value *v, struct sl_wbuf *w)
{
    char t[SL_OBJLNK_TEXT_MAX];
    size_t n;
    switch (v->type) {
    case SL_TYPE_INT:
        return sl_cbor_put_int(w, v->v.i);
    case SL_TYPE_UINT:
        return sl_cbor_put_uint(w, v->v.u);
    case SL_TYPE_FLOAT:
        return sl_cbor_put_float(w, v->v.f);
    case SL_TYPE_BOOL:
        return sl_cbor_put_bool(w, v->v.b);
    case SL_TYPE_TIME: {
        sl_err err = sl_cbor_put_tag(w, 1);
        return err == SL_OK ? sl_cbor_put_int(w, v->v.i) : err;
    }
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        return sl_cbor_put_text(w, (const char *)v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_OPAQUE:
        return sl_cbor_put_bytes(w, v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_OBJLNK:
        n = sl_objlnk_text_format(&v->v.objlnk, t);
        return sl_cbor_put_text(w, t, n);
    default:
        return SL_ERR_TYPE;
    }
}

sl_err srv_decode(uint16_t fmt, const struct sl_path *base, const uint8_t *payload, size_t len,
                  struct srv_recs *out, char *err, size_t errlen)
{
    if (fmt == SL_FMT_NONE) {
        if (len == 0)
            return SL_OK;
        /* no Content-Format: LwM2M's default for one value is plain text */
        if (base->len < 3) {
            snprintf(err, errlen, "payload without a content format");
            return SL_ERR_FORMAT;
        }
        fmt = SL_FMT_TEXT;
    }
    if (!srv_format_supported(fmt)) {
        snprintf(err, errlen, "unsupported content format %u", (unsigned)fmt);
        return SL_ERR_FORMAT;
    }
    struct sl_record rec;
    if (fmt == SL_FMT_CBOR) {
        sl_err e = cbor_decode(base, payload, len, &rec);
        if (e != SL_OK) {
            snprintf(err, errlen, "CBOR payload does not decode (%s)", sl_err_str(e));
            return e == SL_ERR_FORMAT ? e : SL_ERR_INVALID;
        }
        srv_value_type(&rec.path, &rec.value, &out->arena);
        if (!srv_recs_add(out, &rec))
            return SL_ERR_NOMEM;
        return SL_OK;
    }
    struct sl_data_dec *d = malloc(sizeof *d);
    if (!d)
        return SL_ERR_NOMEM;
    sl_err e = sl_data_dec_init(d, fmt, base, payload, len);
    size_t count = 0;
    while (e == SL_OK) {
        e = sl_data_dec_next(d, &rec);
        if (e != SL_OK)
            break;
        if (++count > 100000) {
            e = SL_ERR_TOO_LARGE;
            break;
        }
        srv_value_type(&rec.path, &rec.value, &out->arena);
        if (!srv_recs_add(out, &rec)) {
            e = SL_ERR_NOMEM;
            break;
        }
    }
    free(d);
    if (e == SL_ERR_END) {
        srv_recs_sort(out);
        return SL_OK;
    }
    if (e == SL_ERR_NOMEM)
        return e;
    snprintf(err, errlen, "%s payload does not decode (%s)", srv_format_name(fmt), sl_err_str(e));
    return e == SL_ERR_FORMAT ? SL_ERR_FORMAT : SL_ERR_INVALID;
}

static sl_err encode_once(uint16_t fmt, const struct sl_path *base, const struct srv_recs *recs,
                          struct sl_wbuf *w)
{
    if (fmt == SL_FMT_CBOR) {
        if (recs->n != 1 || !sl_path_equal(&recs->v[0].path, base) || base->len < 3)
            return SL_ERR_FORMAT;
        return cbor_encode(&recs->v[0].value, w);
    }
    struct sl_data_enc e;
    sl_err err = sl_data_enc_begin(&e, fmt, w, base);
    for (size_t k = 0; err == SL_OK && k < recs->n; k++)
        err = sl_data_enc_record(&e, &recs->v[k]);
    if (err == SL_OK)
        err = sl_data_enc_end(&e);
    return err;
}

sl_err srv_encode(uint16_t fmt, const struct sl_path *base, struct srv_recs *recs,
                  struct srv_buf *out, char *err, size_t errlen)
{
    if (!srv_format_supported(fmt)) {
        snprintf(err, errlen, "unsupported content format %u", (unsigned)fmt);
        return SL_ERR_FORMAT;
    }
    if (!srv_recs_sort(recs)) {
        snprintf(err, errlen, "a path appears twice");
        return SL_ERR_INVALID;
    }
    size_t cap = 1024;
    for (;;) {
        srv_buf_reset(out);
        if (!srv_buf_reserve(out, cap))
            return SL_ERR_NOMEM;
        struct sl_wbuf w;
        sl_wbuf_init(&w, out->p, cap);
        sl_err e = encode_once(fmt, base, recs, &w);
        if (e == SL_OK) {
            out->len = w.len;
            return SL_OK;
        }
        if (e == SL_ERR_OVERFLOW && cap < SRV_MAX_ENCODED) {
            cap *= 4;
            continue;
        }
        const char *name = srv_format_name(fmt);
        switch (e) {
        case SL_ERR_OVERFLOW:
            snprintf(err, errlen, "the payload would exceed %u bytes", SRV_MAX_ENCODED);
            return SL_ERR_TOO_LARGE;
        case SL_ERR_FORMAT:
            snprintf(err, errlen, "format %s cannot carry these values at this path", name);
            return SL_ERR_FORMAT;
        case SL_ERR_TYPE:
        case SL_ERR_RANGE:
            snprintf(err, errlen, "format %s cannot carry one of the values (%s)", name,
                     sl_err_str(e));
            return SL_ERR_TYPE;
        default:
            snprintf(err, errlen, "cannot encode as %s (%s)", name, sl_err_str(e));
            return SL_ERR_INVALID;
        }
    }
}
