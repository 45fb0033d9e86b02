/* CBOR encoder and decoder (RFC 8949), definite lengths only. */
#include "sidelink/config.h"
#include "codec/cbor.h"

#include <string.h>

/* A compile-time option (include/sidelink/config.h): left out, it costs nothing. */
#if SL_CONFIG_SENML_CBOR || SL_CONFIG_LWM2M_CBOR

/* Additional-info values of the initial byte (RFC 8949 3). */
#define AI_1BYTE 24
#define AI_2BYTES 25
#define AI_4BYTES 26
#define AI_8BYTES 27
#define AI_INDEFINITE 31

#define SIMPLE_FALSE 20
#define SIMPLE_TRUE 21
#define SIMPLE_NULL 22
#define SIMPLE_UNDEFINED 23

/* ---- encoder ---- */

/* Head bytes for (major, arg) into out[9]; returns their count. */
static size_t head_encode(uint8_t major, uint64_t arg, uint8_t *out)
{
    uint8_t mt = (uint8_t)(major << 5);
    size_t n;
    if (arg < AI_1BYTE) {
        out[0] = (uint8_t)(mt | arg);
        return 1;
    }
    if (arg <= 0xFFu) {
        out[0] = mt | AI_1BYTE;
        n = 1;
    } else if (arg <= 0xFFFFu) {
        out[0] = mt | AI_2BYTES;
        n = 2;
    } else if (arg <= 0xFFFFFFFFu) {
        out[0] = mt | AI_4BYTES;
        n = 4;
    } else {
        out[0] = mt | AI_8BYTES;
        n = 8;
    }
    for (size_t k = 0; k < n; k++)
        out[n - k] = (uint8_t)(arg >> (8 * k));
    return n + 1;
}

size_t sl_cbor_head_len(uint64_t arg)
{
    if (arg < AI_1BYTE)
        return 1;
    if (arg <= 0xFFu)
        return 2;
    if (arg <= 0xFFFFu)
        return 3;
    return arg <= 0xFFFFFFFFu ? 5 : 9;
}

sl_err sl_cbor_put_head(struct sl_wbuf *w, uint8_t major, uint64_t arg)
{
    uint8_t head[9];
    return sl_wbuf_put(w, head, head_encode(major & 7u, arg, head));
}

sl_err sl_cbor_put_uint(struct sl_wbuf *w, uint64_t v)
{
    return sl_cbor_put_head(w, SL_CBOR_MAJOR_UINT, v);
}

sl_err sl_cbor_put_int(struct sl_wbuf *w, int64_t v)
{
    if (v >= 0)
        return sl_cbor_put_head(w, SL_CBOR_MAJOR_UINT, (uint64_t)v);
    /* -1 - v without overflow: the bitwise complement in two's complement */
    return sl_cbor_put_head(w, SL_CBOR_MAJOR_NEGINT, ~(uint64_t)v);
}

/* Head and content in one step, so a failure writes nothing. */
static sl_err put_string(struct sl_wbuf *w, uint8_t major, const void *p, size_t len)
{
    uint8_t head[9];
    size_t hl = head_encode(major, len, head);
    if (sl_wbuf_room(w) < hl || sl_wbuf_room(w) - hl < len)
        return SL_ERR_OVERFLOW;
    (void)sl_wbuf_put(w, head, hl);
    return sl_wbuf_put(w, p, len);
}

sl_err sl_cbor_put_bytes(struct sl_wbuf *w, const uint8_t *p, size_t len)
{
    return put_string(w, SL_CBOR_MAJOR_BYTES, p, len);
}

sl_err sl_cbor_put_text(struct sl_wbuf *w, const char *s, size_t len)
{
    return put_string(w, SL_CBOR_MAJOR_TEXT, s, len);
}

sl_err sl_cbor_put_array(struct sl_wbuf *w, uint64_t count)
{
    return sl_cbor_put_head(w, SL_CBOR_MAJOR_ARRAY, count);
}

sl_err sl_cbor_put_map(struct sl_wbuf *w, uint64_t pairs)
{
    return sl_cbor_put_head(w, SL_CBOR_MAJOR_MAP, pairs);
}

sl_err sl_cbor_put_tag(struct sl_wbuf *w, uint64_t tag)
{
    return sl_cbor_put_head(w, SL_CBOR_MAJOR_TAG, tag);
}

sl_err sl_cbor_put_bool(struct sl_wbuf *w, bool b)
{
    return sl_wbuf_put_byte(w, (uint8_t)(0xE0u | (b ? SIMPLE_TRUE : SIMPLE_FALSE)));
}

sl_err sl_cbor_put_null(struct sl_wbuf *w)
{
    return sl_wbuf_put_byte(w, 0xE0u | SIMPLE_NULL);
}

/* Narrow a finite or infinite IEEE double (bits d) to a binary format with
 * `eb` exponent bits and `mb` mantissa bits, if that holds it exactly.
 * Pure integer work: no FPU, no libm, no undefined float-to-float casts. */
static bool narrow_float(uint64_t d, unsigned eb, unsigned mb, uint32_t *out)
{
    uint32_t sign = (uint32_t)(d >> 63) << (eb + mb);
    uint32_t dexp = (uint32_t)(d >> 52) & 0x7FFu;
    uint64_t man = d & 0xFFFFFFFFFFFFFull;
    int bias = (1 << (eb - 1)) - 1;
    int emin = 1 - bias;

    if (dexp == 0x7FF) { /* infinity; the caller handled NaN */
        *out = sign | (((1u << eb) - 1u) << mb);
        return true;
    }
    if (dexp == 0 && man == 0) {
        *out = sign;
        return true;
    }
    if (dexp == 0)
        return false; /* a double subnormal is far below any narrower range */
    int e = (int)dexp - 1023;
    if (e > bias)
        return false;
    if (e >= emin) {
        if ((man & ((1ull << (52 - mb)) - 1u)) != 0)
            return false;
        *out = sign | ((uint32_t)(e + bias) << mb) | (uint32_t)(man >> (52 - mb));
        return true;
    }
    /* Subnormal in the narrow format: value = k * 2^(emin - mb), k < 2^mb. */
    uint64_t sig = man | (1ull << 52);
    int shift = 52 + emin - (int)mb - e;
    if (shift > 52)
        return false; /* would lose the leading bit: too small */
    if ((sig & ((1ull << shift) - 1u)) != 0)
        return false;
    *out = sign | (uint32_t)(sig >> shift);
    return true;
}

sl_err sl_cbor_put_float(struct sl_wbuf *w, double v)
{
    uint64_t d;
    uint32_t n;
    uint8_t out[9];
    memcpy(&d, &v, sizeof d);
    if (((d >> 52) & 0x7FFu) == 0x7FFu && (d & 0xFFFFFFFFFFFFFull) != 0) {
        static const uint8_t nan[3] = { 0xF9, 0x7E, 0x00 };
        return sl_wbuf_put(w, nan, sizeof nan);
    }
    if (narrow_float(d, 5, 10, &n)) {
        out[0] = 0xF9;
        out[1] = (uint8_t)(n >> 8);
        out[2] = (uint8_t)n;
        return sl_wbuf_put(w, out, 3);
    }
    if (narrow_float(d, 8, 23, &n)) {
        out[0] = 0xFA;
        for (int k = 0; k < 4; k++)
            out[1 + k] = (uint8_t)(n >> (24 - 8 * k));
        return sl_wbuf_put(w, out, 5);
    }
    out[0] = 0xFB;
    for (int k = 0; k < 8; k++)
        out[1 + k] = (uint8_t)(d >> (56 - 8 * k));
    return sl_wbuf_put(w, out, 9);
}

sl_err sl_cbor_reserve_head(struct sl_wbuf *w, size_t *mark)
{
    return sl_wbuf_reserve(w, SL_CBOR_HEAD_RESERVE, mark);
}

static sl_err check_mark(const struct sl_wbuf *w, size_t mark, uint8_t major, uint64_t count)
{
    if (mark > w->len || w->len - mark < SL_CBOR_HEAD_RESERVE || major > 7)
        return SL_ERR_INVALID;
    if (count > 0xFFFFFFFFu)
        return SL_ERR_RANGE;
    return SL_OK;
}

sl_err sl_cbor_fix_head(struct sl_wbuf *w, size_t mark, uint8_t major, uint64_t count)
{
    sl_err err = check_mark(w, mark, major, count);
    if (err != SL_OK)
        return err;
    uint8_t head[9];
    size_t hl = head_encode(major, count, head); /* at most 5: count < 2^32 */
    memcpy(w->buf + mark, head, hl);
    sl_wbuf_close_gap(w, mark + hl, SL_CBOR_HEAD_RESERVE - hl);
    return SL_OK;
}

/* ---- decoder ---- */

void sl_cbor_reader_init(struct sl_cbor_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->pos = 0;
}

bool sl_cbor_at_end(const struct sl_cbor_reader *r)
{
    return r->pos >= r->len;
}

/* Half-precision bits to double, by building the double's bits. */
static double half_to_double(uint16_t h)
{
    uint64_t sign = (uint64_t)(h >> 15) << 63;
    uint32_t e = (h >> 10) & 0x1Fu;
    uint64_t m = h & 0x3FFu;
    uint64_t bits;
    if (e == 0x1F) {
        bits = sign | 0x7FF0000000000000ull | (m << 42);
    } else if (e == 0) {
        if (m == 0) {
            bits = sign;
        } else {
            /* subnormal: normalize so the leading 1 sits at bit 10 */
            int exp = -14;
            while ((m & 0x400u) == 0) {
                m <<= 1;
                exp--;
            }
            bits = sign | ((uint64_t)(exp + 1023) << 52) | ((m & 0x3FFu) << 42);
        }
    } else {
        bits = sign | ((uint64_t)(e - 15 + 1023) << 52) | (m << 42);
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++)
        v = v << 8 | p[k];
    return v;
}

sl_err sl_cbor_read(struct sl_cbor_reader *r, struct sl_cbor_item *item)
{
    if (r->pos >= r->len)
        return SL_ERR_INVALID;
    const uint8_t *p = r->p + r->pos;
    size_t left = r->len - r->pos - 1; /* bytes after the initial byte */
    uint8_t major = p[0] >> 5;
    uint8_t ai = p[0] & 0x1Fu;
    size_t n; /* argument bytes */
    uint64_t arg;

    if (ai < AI_1BYTE) {
        n = 0;
        arg = ai;
    } else if (ai <= AI_8BYTES) {
        n = (size_t)1 << (ai - AI_1BYTE);
        if (left < n)
            return SL_ERR_INVALID;
        arg = load_be(p + 1, n);
    } else if (ai == AI_INDEFINITE && major >= SL_CBOR_MAJOR_BYTES && major <= SL_CBOR_MAJOR_MAP) {
        return SL_ERR_UNSUPPORTED;
    } else {
        return SL_ERR_INVALID; /* 28..30 reserved; 31 on ints/tags; stray break */
    }
    left -= n;

    struct sl_cbor_item it = { major, 0, arg, NULL, 0.0 };
    size_t consumed = 1 + n;
    switch (major) {
    case SL_CBOR_MAJOR_UINT:
        it.kind = SL_CBOR_UINT;
        break;
    case SL_CBOR_MAJOR_NEGINT:
        it.kind = SL_CBOR_NEGINT;
        break;
    case SL_CBOR_MAJOR_BYTES:
    case SL_CBOR_MAJOR_TEXT:
        if (arg > left)
            return SL_ERR_INVALID;
        it.kind = major == SL_CBOR_MAJOR_BYTES ? SL_CBOR_BYTES : SL_CBOR_TEXT;
        it.str = p + consumed;
        consumed += (size_t)arg;
        break;
    case SL_CBOR_MAJOR_ARRAY:
        /* every element takes at least one byte */
        if (arg > left)
            return SL_ERR_INVALID;
        it.kind = SL_CBOR_ARRAY;
        break;
    case SL_CBOR_MAJOR_MAP:
        if (arg > left / 2)
            return SL_ERR_INVALID;
        it.kind = SL_CBOR_MAP;
        break;
    case SL_CBOR_MAJOR_TAG:
        if (left == 0)
            return SL_ERR_INVALID;
        it.kind = SL_CBOR_TAG;
        break;
    default: /* major 7 */
        if (ai == AI_2BYTES) {
            it.kind = SL_CBOR_FLOAT;
            it.f = half_to_double((uint16_t)arg);
            it.arg = 2;
        } else if (ai == AI_4BYTES) {
            uint32_t bits = (uint32_t)arg;
            float f;
            memcpy(&f, &bits, sizeof f);
            it.kind = SL_CBOR_FLOAT;
            it.f = (double)f;
            it.arg = 4;
        } else if (ai == AI_8BYTES) {
            memcpy(&it.f, &arg, sizeof it.f);
            it.kind = SL_CBOR_FLOAT;
            it.arg = 8;
        } else if (ai == AI_1BYTE && arg < 32) {
            return SL_ERR_INVALID; /* RFC 8949 3.3: must use the one-byte form */
        } else if (arg == SIMPLE_FALSE) {
            it.kind = SL_CBOR_FALSE;
        } else if (arg == SIMPLE_TRUE) {
            it.kind = SL_CBOR_TRUE;
        } else if (arg == SIMPLE_NULL) {
            it.kind = SL_CBOR_NULL;
        } else if (arg == SIMPLE_UNDEFINED) {
            it.kind = SL_CBOR_UNDEFINED;
        } else {
            it.kind = SL_CBOR_SIMPLE;
        }
        break;
    }
    r->pos += consumed;
    *item = it;
    return SL_OK;
}

sl_err sl_cbor_skip(struct sl_cbor_reader *r)
{
    /* Iterative: remaining children per open container. Counts were checked
     * against the input length, so 2 * pairs cannot overflow. */
    size_t left[SL_CBOR_MAX_DEPTH];
    unsigned depth = 0;
    struct sl_cbor_reader c = *r;
    do {
        struct sl_cbor_item it;
        sl_err err = sl_cbor_read(&c, &it);
        if (err != SL_OK)
            return err;
        size_t children = 0;
        if (it.kind == SL_CBOR_ARRAY)
            children = (size_t)it.arg;
        else if (it.kind == SL_CBOR_MAP)
            children = (size_t)it.arg * 2;
        else if (it.kind == SL_CBOR_TAG)
            children = 1;
        if (children > 0) {
            if (depth == SL_CBOR_MAX_DEPTH)
                return SL_ERR_UNSUPPORTED;
            left[depth++] = children;
            continue;
        }
        /* a complete item: close every container it completes */
        while (depth > 0 && --left[depth - 1] == 0)
            depth--;
    } while (depth > 0);
    *r = c;
    return SL_OK;
}

/* Read one item of the wanted kind, or leave the reader where it was. */
static sl_err read_kind(struct sl_cbor_reader *r, uint8_t kind, struct sl_cbor_item *it)
{
    struct sl_cbor_reader c = *r;
    sl_err err = sl_cbor_read(&c, it);
    if (err != SL_OK)
        return err;
    if (it->kind != kind)
        return SL_ERR_TYPE;
    *r = c;
    return SL_OK;
}

sl_err sl_cbor_read_uint(struct sl_cbor_reader *r, uint64_t *out)
{
    struct sl_cbor_item it;
    sl_err err = read_kind(r, SL_CBOR_UINT, &it);
    if (err == SL_OK)
        *out = it.arg;
    return err;
}

sl_err sl_cbor_read_int(struct sl_cbor_reader *r, int64_t *out)
{
    struct sl_cbor_reader c = *r;
    struct sl_cbor_item it;
    sl_err err = sl_cbor_read(&c, &it);
    if (err != SL_OK)
        return err;
    if (it.kind != SL_CBOR_UINT && it.kind != SL_CBOR_NEGINT)
        return SL_ERR_TYPE;
    if (it.arg > (uint64_t)INT64_MAX)
        return SL_ERR_RANGE;
    /* -1 - n for n <= INT64_MAX is at least INT64_MIN */
    *out = it.kind == SL_CBOR_UINT ? (int64_t)it.arg : -1 - (int64_t)it.arg;
    *r = c;
    return SL_OK;
}

sl_err sl_cbor_read_text(struct sl_cbor_reader *r, const char **s, size_t *len)
{
    struct sl_cbor_item it;
    sl_err err = read_kind(r, SL_CBOR_TEXT, &it);
    if (err == SL_OK) {
        *s = (const char *)it.str;
        *len = (size_t)it.arg;
    }
    return err;
}

sl_err sl_cbor_read_bytes(struct sl_cbor_reader *r, const uint8_t **p, size_t *len)
{
    struct sl_cbor_item it;
    sl_err err = read_kind(r, SL_CBOR_BYTES, &it);
    if (err == SL_OK) {
        *p = it.str;
        *len = (size_t)it.arg;
    }
    return err;
}

sl_err sl_cbor_read_array_header(struct sl_cbor_reader *r, size_t *count)
{
    struct sl_cbor_item it;
    sl_err err = read_kind(r, SL_CBOR_ARRAY, &it);
    if (err == SL_OK)
        *count = (size_t)it.arg;
    return err;
}

sl_err sl_cbor_read_map_header(struct sl_cbor_reader *r, size_t *pairs)
{
    struct sl_cbor_item it;
    sl_err err = read_kind(r, SL_CBOR_MAP, &it);
    if (err == SL_OK)
        *pairs = (size_t)it.arg;
    return err;
}

#endif /* SL_CONFIG_SENML_CBOR || SL_CONFIG_LWM2M_CBOR */
