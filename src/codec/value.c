/* Value constructors (sidelink/types.h) and type conversion (value.h). */
#include "codec/value.h"

#include "sidelink/config.h"

#include "codec/base64.h"
#include "codec/decimal.h"
#include "codec/objlnk_text.h"
#if SL_CONFIG_TLV
#include "codec/tlv.h"
#endif

#include <string.h>

struct sl_value sl_value_int(int64_t i)
{
    struct sl_value v = { .type = SL_TYPE_INT, .v.i = i };
    return v;
}

struct sl_value sl_value_uint(uint64_t u)
{
    struct sl_value v = { .type = SL_TYPE_UINT, .v.u = u };
    return v;
}

struct sl_value sl_value_float(double f)
{
    struct sl_value v = { .type = SL_TYPE_FLOAT, .v.f = f };
    return v;
}

struct sl_value sl_value_bool(bool b)
{
    struct sl_value v = { .type = SL_TYPE_BOOL, .v.b = b };
    return v;
}

struct sl_value sl_value_time(int64_t t)
{
    struct sl_value v = { .type = SL_TYPE_TIME, .v.i = t };
    return v;
}

struct sl_value sl_value_string(const char *s, size_t len)
{
    struct sl_value v = { .type = SL_TYPE_STRING, .v.bytes = { (const uint8_t *)s, len } };
    return v;
}

struct sl_value sl_value_opaque(const uint8_t *p, size_t len)
{
    struct sl_value v = { .type = SL_TYPE_OPAQUE, .v.bytes = { p, len } };
    return v;
}

struct sl_value sl_value_objlnk(uint16_t oid, uint16_t iid)
{
    struct sl_value v = { .type = SL_TYPE_OBJLNK, .v.objlnk = { oid, iid } };
    return v;
}

/* Parse errors of the text and TLV helpers mean "not this type". */
static sl_err as_type_err(sl_err err)
{
    return err == SL_ERR_INVALID ? SL_ERR_TYPE : err;
}

/* A raw value (TLV bytes, or with `text` plain text) as type `want`: one
 * switch for both codings, which share the byte-string and Boolean cases
 * and differ in how numbers and links are spelt. Opaque text is base64,
 * decoded into scratch. */
static sl_err from_raw(struct sl_bytes b, uint8_t want, struct sl_value *out, uint8_t *scratch,
                       size_t cap, bool text)
{
    size_t n;
    sl_err err;
    switch (want) {
    case SL_TYPE_OPAQUE:
        if (text) {
            err = sl_base64_decode(b.ptr, b.len, scratch, cap, &n);
            if (err != SL_OK)
                return as_type_err(err);
            out->v.bytes.ptr = scratch;
            out->v.bytes.len = n;
            return SL_OK;
        }
        /* fall through */
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        out->v.bytes = b;
        return SL_OK;
    case SL_TYPE_INT:
    case SL_TYPE_TIME:
#if SL_CONFIG_TLV
        if (!text)
            return sl_tlv_int_decode(b.ptr, b.len, &out->v.i);
#endif
        return as_type_err(sl_dec_parse_i64(b.ptr, b.len, &out->v.i));
    case SL_TYPE_UINT:
#if SL_CONFIG_TLV
        if (!text)
            return sl_tlv_uint_decode(b.ptr, b.len, &out->v.u);
#endif
        return as_type_err(sl_dec_parse_u64(b.ptr, b.len, &out->v.u));
#if SL_CONFIG_FLOAT
    case SL_TYPE_FLOAT:
#if SL_CONFIG_TLV
        if (!text)
            return sl_tlv_float_decode(b.ptr, b.len, &out->v.f);
#endif
        return as_type_err(sl_dec_parse_double(b.ptr, b.len, &out->v.f));
#endif
    case SL_TYPE_BOOL: {
        /* one byte, 0 or 1 in TLV, '0' or '1' in text */
        uint8_t zero = text ? (uint8_t)'0' : 0u;
        if (b.len != 1 || (b.ptr[0] != zero && b.ptr[0] != zero + 1))
            return SL_ERR_TYPE;
        out->v.b = b.ptr[0] != zero;
        return SL_OK;
    }
    case SL_TYPE_OBJLNK:
        if (text)
            return as_type_err(sl_objlnk_text_parse(b.ptr, b.len, &out->v.objlnk));
        if (b.len != 4)
            return SL_ERR_TYPE;
        out->v.objlnk.oid = (uint16_t)(b.ptr[0] << 8 | b.ptr[1]);
        out->v.objlnk.iid = (uint16_t)(b.ptr[2] << 8 | b.ptr[3]);
        return SL_OK;
    default:
        return SL_ERR_TYPE;
    }
}

#if SL_CONFIG_FLOAT
static bool is_nan(double f)
{
    uint64_t bits;
    memcpy(&bits, &f, sizeof bits);
    return (bits & ~(UINT64_C(1) << 63)) > UINT64_C(0x7FF0000000000000);
}

/* 2^63 and 2^64 are exact doubles, so these bounds compare exactly. */
#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

static sl_err from_float(double f, uint8_t want, struct sl_value *out)
{
    if (want == SL_TYPE_INT) {
        if (!(f >= -TWO_POW_63 && f < TWO_POW_63)) /* also false for NaN */
            return is_nan(f) ? SL_ERR_TYPE : SL_ERR_RANGE;
        int64_t i = (int64_t)f;
        if ((double)i != f)
            return SL_ERR_TYPE;
        out->v.i = i;
        return SL_OK;
    }
    if (want == SL_TYPE_UINT) {
        if (!(f > -1.0 && f < TWO_POW_64))
            return is_nan(f) ? SL_ERR_TYPE : SL_ERR_RANGE;
        uint64_t u = (uint64_t)f;
        if ((double)u != f)
            return SL_ERR_TYPE;
        out->v.u = u;
        return SL_OK;
    }
    return SL_ERR_TYPE;
}
#endif

sl_err sl_value_convert_buf(const struct sl_value *in, uint8_t want_type, struct sl_value *out,
                            uint8_t *scratch, size_t cap)
{
    struct sl_value src = *in; /* out may alias in */
    struct sl_value res = { .type = want_type };
    sl_err err = SL_ERR_TYPE;

    if (src.type == want_type) {
        *out = src;
        return SL_OK;
    }
    switch (src.type) {
#if SL_CONFIG_TLV
    case SL_TYPE_RAW_TLV:
#endif
    case SL_TYPE_RAW_TEXT:
        err = from_raw(src.v.bytes, want_type, &res, scratch, scratch ? cap : 0,
                       src.type == SL_TYPE_RAW_TEXT);
        break;
    case SL_TYPE_INT:
        if (want_type == SL_TYPE_UINT) {
            err = src.v.i >= 0 ? SL_OK : SL_ERR_RANGE;
            res.v.u = (uint64_t)src.v.i;
#if SL_CONFIG_FLOAT
        } else if (want_type == SL_TYPE_FLOAT) {
            err = SL_OK;
            res.v.f = (double)src.v.i;
#endif
        } else if (want_type == SL_TYPE_TIME) {
            err = SL_OK;
            res.v.i = src.v.i;
        }
        break;
    case SL_TYPE_UINT:
        if (want_type == SL_TYPE_INT || want_type == SL_TYPE_TIME) {
            err = src.v.u <= INT64_MAX ? SL_OK : SL_ERR_RANGE;
            res.v.i = (int64_t)(src.v.u & INT64_MAX);
#if SL_CONFIG_FLOAT
        } else if (want_type == SL_TYPE_FLOAT) {
            err = SL_OK;
            res.v.f = (double)src.v.u;
#endif
        }
        break;
#if SL_CONFIG_FLOAT
    case SL_TYPE_FLOAT:
        err = from_float(src.v.f, want_type, &res);
        break;
#endif
    case SL_TYPE_STRING:
        if (want_type == SL_TYPE_OBJLNK) {
            err = as_type_err(sl_objlnk_text_parse(src.v.bytes.ptr, src.v.bytes.len, &res.v.objlnk));
        } else if (want_type == SL_TYPE_CORELNK) {
            err = SL_OK;
            res.v.bytes = src.v.bytes;
        }
        break;
    default:
        break;
    }
    if (err == SL_OK)
        *out = res;
    return err;
}

sl_err sl_value_convert(const struct sl_value *in, uint8_t want_type, struct sl_value *out)
{
    return sl_value_convert_buf(in, want_type, out, NULL, 0);
}
