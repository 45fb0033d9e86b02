/* libFuzzer target: the OSCORE option value (RFC 8613 6.1).
 *
 * Any bytes go to sl_oscore_option_parse(). When the parser refuses, the
 * value must break one of the rules of oscore.h (reserved bits, Partial IV
 * length 6 or 7, a field running past the end, trailing bytes without the
 * kid flag); this is checked by an independent little decoder. When it
 * accepts, every pointer and length lies within the input, the Partial IV
 * is NULL exactly when it is empty, and sl_oscore_option_encode() gives
 * back the very input bytes (the encoding has one form per value), which
 * parse again to the same fields. Encoding into a buffer one byte too short
 * must fail with SL_ERR_OVERFLOW.
 *
 * It found that the parser took the one-byte value 00 (RFC 8613 6.1: a
 * value whose flag bits are all zero SHALL be empty); that input is now in
 * the corpus (regression-flags-zero). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "security/oscore.h"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            abort();                                                                          \
    } while (0)

/* 1 + 5 + 1 + 255 + 255: the largest value the parser can accept */
#define OPT_MAX 600

static bool within(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
    if (n == 0)
        return p == NULL || (p >= base && p <= base + size);
    return p != NULL && p >= base && (size_t)(p - base) <= size && n <= size - (size_t)(p - base);
}

/* An independent reading of RFC 8613 6.1 and the rules of oscore.h: does
 * the value decode? */
static bool model_ok(const uint8_t *v, size_t len)
{
    if (len == 0)
        return true;
    uint8_t f = v[0];
    if (f & 0xE0)
        return false; /* reserved bits */
    if (f == 0)
        return false; /* all flags zero: the value SHALL be empty */
    size_t n = f & 0x07, pos = 1;
    if (n > 5 || pos + n > len)
        return false;
    pos += n;
    if (f & 0x10) {
        if (pos >= len)
            return false;
        size_t s = v[pos++];
        if (pos + s > len)
            return false;
        pos += s;
    }
    if (f & 0x08)
        return len - pos <= 255;
    return pos == len;
}

static void same_fields(const struct sl_oscore_option *a, const struct sl_oscore_option *b)
{
    CHECK(a->piv_len == b->piv_len && a->has_kid == b->has_kid &&
          a->has_kid_ctx == b->has_kid_ctx && a->kid_len == b->kid_len &&
          a->kid_ctx_len == b->kid_ctx_len);
    CHECK(a->piv_len == 0 || memcmp(a->piv, b->piv, a->piv_len) == 0);
    CHECK(a->kid_len == 0 || memcmp(a->kid, b->kid, a->kid_len) == 0);
    CHECK(a->kid_ctx_len == 0 || memcmp(a->kid_ctx, b->kid_ctx, a->kid_ctx_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > OPT_MAX)
        return 0;
    /* an exactly sized heap copy, so any over-read is caught */
    uint8_t *val = malloc(size ? size : 1);
    if (!val)
        return 0;
    if (size)
        memcpy(val, data, size);

    struct sl_oscore_option o;
    memset(&o, 0xA5, sizeof o);
    sl_err err = sl_oscore_option_parse(&o, size ? val : NULL, size);
    CHECK(err == SL_OK || err == SL_ERR_INVALID);
    CHECK((err == SL_OK) == model_ok(val, size));
    if (err != SL_OK) {
        free(val);
        return 0;
    }

    CHECK(o.piv_len <= SL_OSCORE_MAX_PIV_LEN);
    CHECK((o.piv == NULL) == (o.piv_len == 0));
    CHECK(within(o.piv, o.piv_len, val, size));
    CHECK(o.has_kid || (o.kid == NULL && o.kid_len == 0));
    CHECK(o.has_kid_ctx || (o.kid_ctx == NULL && o.kid_ctx_len == 0));
    CHECK(!o.has_kid || within(o.kid, o.kid_len, val, size));
    CHECK(!o.has_kid_ctx || within(o.kid_ctx, o.kid_ctx_len, val, size));
    if (size > 0) {
        CHECK(o.piv_len == (val[0] & 7));
        CHECK(o.has_kid == ((val[0] & 0x08) != 0));
        CHECK(o.has_kid_ctx == ((val[0] & 0x10) != 0));
        /* the fields follow each other: PIV, kid context, kid */
        if (o.piv_len)
            CHECK(o.piv == val + 1);
        if (o.has_kid_ctx)
            CHECK(o.kid_ctx == val + 1 + o.piv_len + 1 && val[1 + o.piv_len] == o.kid_ctx_len);
        if (o.has_kid)
            CHECK(o.kid + o.kid_len == val + size);
    } else {
        CHECK(!o.has_kid && !o.has_kid_ctx && o.piv_len == 0);
    }

    /* re-encode: the same bytes */
    uint8_t out[OPT_MAX];
    size_t len = 12345;
    CHECK(sl_oscore_option_encode(&o, out, sizeof out, &len) == SL_OK);
    CHECK(len == size && (size == 0 || memcmp(out, val, size) == 0));
    /* too small by one byte: refused, *len untouched */
    if (len > 0) {
        size_t short_len = 777;
        CHECK(sl_oscore_option_encode(&o, out, len - 1, &short_len) == SL_ERR_OVERFLOW);
        CHECK(short_len == 777);
    }

    /* and the encoding parses to the same fields */
    struct sl_oscore_option again;
    CHECK(sl_oscore_option_parse(&again, len ? out : NULL, len) == SL_OK);
    same_fields(&o, &again);
    free(val);
    return 0;
}
