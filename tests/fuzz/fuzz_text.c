/* Fuzz plain-text value parsing and conversion to every type; numbers
 * are formatted back and parsed again (equal for integers, bit-equal for
 * doubles), and doubles are checked against the C library's strtod. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/base64.h"
#include "codec/decimal.h"
#include "codec/text.h"
#include "codec/value.h"

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* Significant digits of a number our parser accepted. */
static size_t sig_digits(const uint8_t *s, size_t n)
{
    size_t count = 0;
    bool started = false;
    for (size_t i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] >= '1' && s[i] <= '9')
            started = true;
        if (started && s[i] >= '0' && s[i] <= '9')
            count++;
    }
    return count;
}

/* Write v as text at a resource base, read it back, convert to its type. */
static void text_roundtrip(const struct sl_value *v)
{
    uint8_t buf[256];
    struct sl_wbuf w;
    struct sl_text_enc e;
    struct sl_path base = sl_path_make(3, 3, 0, 1, 0);
    struct sl_record r = { base, *v };
    sl_wbuf_init(&w, buf, sizeof buf);
    CHECK(sl_text_enc_begin(&e, &w, &base) == SL_OK);
    sl_err err = sl_text_enc_record(&e, &r);
    if (err == SL_ERR_OVERFLOW)
        return;
    CHECK(err == SL_OK && sl_text_enc_end(&e) == SL_OK);
    struct sl_text_dec d;
    struct sl_record back;
    sl_text_dec_init(&d, &base, buf, w.len);
    CHECK(sl_text_dec_next(&d, &back) == SL_OK);
    uint8_t scratch[256];
    struct sl_value out;
    CHECK(sl_value_convert_buf(&back.value, v->type, &out, scratch, sizeof scratch) == SL_OK);
    switch (v->type) {
    case SL_TYPE_INT:
    case SL_TYPE_TIME:
        CHECK(out.v.i == v->v.i);
        break;
    case SL_TYPE_UINT:
        CHECK(out.v.u == v->v.u);
        break;
    case SL_TYPE_FLOAT:
        CHECK(bits_of(out.v.f) == bits_of(v->v.f));
        break;
    case SL_TYPE_BOOL:
        CHECK(out.v.b == v->v.b);
        break;
    case SL_TYPE_OBJLNK:
        CHECK(out.v.objlnk.oid == v->v.objlnk.oid && out.v.objlnk.iid == v->v.objlnk.iid);
        break;
    default:
        CHECK(out.v.bytes.len == v->v.bytes.len && memcmp(out.v.bytes.ptr, v->v.bytes.ptr, out.v.bytes.len) == 0);
        break;
    }
    CHECK(sl_text_dec_next(&d, &back) == SL_ERR_END);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[1 << 16];
    struct sl_value in = { .type = SL_TYPE_RAW_TEXT, .v.bytes = { data, size } };
    for (uint8_t t = 0; t <= SL_TYPE_RAW_TEXT; t++) {
        struct sl_value out;
        sl_err err = sl_value_convert_buf(&in, t, &out, scratch, sizeof scratch);
        CHECK(err == SL_OK || err == SL_ERR_TYPE || err == SL_ERR_RANGE || err == SL_ERR_OVERFLOW);
        if (err != SL_OK)
            continue;
        CHECK(out.type == t);
        if (t != SL_TYPE_RAW_TEXT && size < 200)
            text_roundtrip(&out);
        if (t == SL_TYPE_INT) {
            char s[SL_DEC_INT_MAX];
            size_t n = sl_dec_format_i64(out.v.i, s);
            int64_t back;
            CHECK(sl_dec_parse_i64((const uint8_t *)s, n, &back) == SL_OK && back == out.v.i);
        } else if (t == SL_TYPE_UINT) {
            char s[SL_DEC_INT_MAX];
            size_t n = sl_dec_format_u64(out.v.u, s);
            uint64_t back;
            CHECK(sl_dec_parse_u64((const uint8_t *)s, n, &back) == SL_OK && back == out.v.u);
        } else if (t == SL_TYPE_FLOAT) {
            char s[SL_DEC_DOUBLE_MAX + 1];
            size_t n;
            CHECK(sl_dec_format_double(out.v.f, s, &n) == SL_OK && n <= SL_DEC_DOUBLE_MAX);
            double back;
            CHECK(sl_dec_parse_double((const uint8_t *)s, n, &back) == SL_OK);
            CHECK(bits_of(back) == bits_of(out.v.f));
            /* differential: exact within SL_DEC_MAX_DIGITS digits */
            if (size < 4096 && sig_digits(data, size) <= SL_DEC_MAX_DIGITS) {
                char copy[4097];
                memcpy(copy, data, size);
                copy[size] = '\0';
                CHECK(bits_of(strtod(copy, NULL)) == bits_of(out.v.f));
            }
            s[n] = '\0';
            CHECK(bits_of(strtod(s, NULL)) == bits_of(out.v.f));
        } else if (t == SL_TYPE_OPAQUE) {
            static uint8_t enc[(1 << 16) * 4 / 3 + 8];
            struct sl_wbuf w;
            size_t n;
            sl_wbuf_init(&w, enc, sizeof enc);
            CHECK(sl_base64_encode(&w, out.v.bytes.ptr, out.v.bytes.len) == SL_OK);
            CHECK(sl_base64_decode(enc, w.len, enc, sizeof enc, &n) == SL_OK);
            CHECK(n == out.v.bytes.len && memcmp(enc, out.v.bytes.ptr, n) == 0);
        }
    }
    /* any 8 bytes as a double: format, parse back, agree with strtod */
    if (size >= 8) {
        double v;
        memcpy(&v, data, sizeof v);
        char s[SL_DEC_DOUBLE_MAX + 1];
        size_t n;
        sl_err err = sl_dec_format_double(v, s, &n);
        if (((bits_of(v) >> 52) & 0x7FF) == 0x7FF) {
            CHECK(err == SL_ERR_RANGE);
        } else {
            CHECK(err == SL_OK && n <= SL_DEC_DOUBLE_MAX);
            double back;
            CHECK(sl_dec_parse_double((const uint8_t *)s, n, &back) == SL_OK && bits_of(back) == bits_of(v));
            s[n] = '\0';
            CHECK(bits_of(strtod(s, NULL)) == bits_of(v));
        }
    }
    return 0;
}
