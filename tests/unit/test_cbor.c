/* CBOR codec: RFC 8949 Appendix A, shortest floats, bounds, bombs. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/cbor.h"

/* ---------------------------------------------------------------------
 * A minimal reader of tests/vectors/cbor-rfc8949-appendix-a.json that
 * compares each example's "decoded" JSON value (or its "diagnostic" text)
 * against what our decoder yields, item by item, as it parses.
 * ------------------------------------------------------------------- */

static void skip_ws(const char **s)
{
    while (**s == ' ' || **s == '\n' || **s == '\r' || **s == '\t')
        (*s)++;
}

static void expect_char(const char **s, char c)
{
    skip_ws(s);
    if (**s != c)
        fail_msg("vector parse: expected '%c' at \"%.20s\"", c, *s);
    (*s)++;
}

static void put_utf8(uint32_t cp, char *out, size_t *n)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | cp >> 6);
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | cp >> 12);
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | cp >> 18);
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static uint32_t hex4(const char *s)
{
    char tmp[5] = { s[0], s[1], s[2], s[3], 0 };
    return (uint32_t)strtoul(tmp, NULL, 16);
}

/* A JSON string (at the opening quote) into UTF-8; returns its length. */
static size_t json_string(const char **s, char *out, size_t cap)
{
    size_t n = 0;
    expect_char(s, '"');
    while (**s != '"') {
        assert_true(n + 4 < cap);
        char c = *(*s)++;
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        c = *(*s)++;
        switch (c) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'u': {
            uint32_t cp = hex4(*s);
            *s += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && (*s)[0] == '\\' && (*s)[1] == 'u') {
                uint32_t lo = hex4(*s + 2);
                *s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(cp, out, &n);
            break;
        }
        default: out[n++] = c; break; /* \" \\ \/ */
        }
    }
    (*s)++;
    return n;
}

static struct sl_cbor_item next_item(struct sl_cbor_reader *r)
{
    struct sl_cbor_item it;
    sl_err err = sl_cbor_read(r, &it);
    if (err != SL_OK)
        fail_msg("sl_cbor_read failed at %zu: %s", r->pos, sl_err_str(err));
    return it;
}

/* A big integer (magnitude up to 2^128) as a bignum tag: tag, bytes. */
static void expect_bignum(struct sl_cbor_reader *r, uint64_t tag, unsigned __int128 mag)
{
    struct sl_cbor_item it = next_item(r);
    assert_int_equal(it.kind, SL_CBOR_TAG);
    assert_true(it.arg == tag);
    it = next_item(r);
    assert_int_equal(it.kind, SL_CBOR_BYTES);
    unsigned __int128 v = 0;
    for (size_t k = 0; k < it.arg; k++)
        v = v << 8 | it.str[k];
    assert_true(v == mag);
}

static void expect_number(const char *tok, size_t len, struct sl_cbor_reader *r)
{
    char buf[64];
    assert_true(len < sizeof buf);
    memcpy(buf, tok, len);
    buf[len] = 0;
    if (strpbrk(buf, ".eE")) {
        double want = strtod(buf, NULL);
        struct sl_cbor_item it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_FLOAT);
        if (want == 0.0)
            assert_int_equal(!!signbit(it.f), !!signbit(want));
        if (it.f != want)
            fail_msg("float %s decoded as %.17g", buf, it.f);
        return;
    }
    bool neg = buf[0] == '-';
    unsigned __int128 mag = 0;
    for (const char *p = buf + neg; *p; p++)
        mag = mag * 10 + (unsigned)(*p - '0');
    const unsigned __int128 u64max = (unsigned __int128)UINT64_MAX;
    if (!neg) {
        if (mag > u64max) {
            expect_bignum(r, 2, mag);
            return;
        }
        struct sl_cbor_item it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_UINT);
        assert_true(it.arg == (uint64_t)mag);
    } else {
        unsigned __int128 n = mag - 1;
        if (n > u64max) {
            expect_bignum(r, 3, n);
            return;
        }
        struct sl_cbor_item it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_NEGINT);
        assert_true(it.arg == (uint64_t)n);
    }
}

static void match_json(const char **s, struct sl_cbor_reader *r)
{
    skip_ws(s);
    char c = **s;
    if (c == '[' || c == '{') {
        bool map = c == '{';
        struct sl_cbor_item it = next_item(r);
        assert_int_equal(it.kind, map ? SL_CBOR_MAP : SL_CBOR_ARRAY);
        (*s)++;
        uint64_t count = 0;
        skip_ws(s);
        while (**s != (map ? '}' : ']')) {
            if (count > 0)
                expect_char(s, ',');
            match_json(s, r);
            if (map) {
                expect_char(s, ':');
                match_json(s, r);
            }
            count++;
            skip_ws(s);
        }
        (*s)++;
        assert_true(count == it.arg);
    } else if (c == '"') {
        char str[256];
        size_t n = json_string(s, str, sizeof str);
        struct sl_cbor_item it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_TEXT);
        assert_true(it.arg == n);
        assert_memory_equal(it.str, str, n);
    } else if (strncmp(*s, "true", 4) == 0 || strncmp(*s, "false", 5) == 0 ||
               strncmp(*s, "null", 4) == 0) {
        struct sl_cbor_item it = next_item(r);
        int want = c == 't' ? SL_CBOR_TRUE : c == 'f' ? SL_CBOR_FALSE : SL_CBOR_NULL;
        assert_int_equal(it.kind, want);
        *s += c == 'f' ? 5 : 4;
    } else {
        const char *tok = *s;
        while (strchr("-+0123456789.eE", **s) && **s)
            (*s)++;
        assert_true(*s > tok);
        expect_number(tok, (size_t)(*s - tok), r);
    }
}

/* CBOR diagnostic notation, as much as Appendix A uses for the examples we
 * support: numbers, tags N(...), h'..', "..", [..], {..}, Infinity, NaN,
 * undefined, simple(N). */
static void match_diag(const char **s, struct sl_cbor_reader *r)
{
    skip_ws(s);
    const char *d = *s;
    struct sl_cbor_item it;
    if (strncmp(d, "Infinity", 8) == 0 || strncmp(d, "-Infinity", 9) == 0) {
        it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_FLOAT);
        assert_true(isinf(it.f));
        assert_int_equal(!!signbit(it.f), d[0] == '-');
        *s += d[0] == '-' ? 9 : 8;
    } else if (strncmp(d, "NaN", 3) == 0) {
        it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_FLOAT);
        assert_true(isnan(it.f));
        *s += 3;
    } else if (strncmp(d, "undefined", 9) == 0) {
        it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_UNDEFINED);
        *s += 9;
    } else if (strncmp(d, "simple(", 7) == 0) {
        char *end;
        unsigned long v = strtoul(d + 7, &end, 10);
        it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_SIMPLE);
        assert_true(it.arg == v);
        *s = end;
        expect_char(s, ')');
    } else if (d[0] == 'h' && d[1] == '\'') {
        const char *end = strchr(d + 2, '\'');
        char hex[256];
        uint8_t want[128];
        assert_non_null(end);
        memcpy(hex, d + 2, (size_t)(end - d - 2));
        hex[end - d - 2] = 0;
        int n = test_hex(hex, want, sizeof want);
        it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_BYTES);
        assert_true(it.arg == (uint64_t)n);
        assert_memory_equal(it.str, want, (size_t)n);
        *s = end + 1;
    } else if (d[0] == '"') {
        char str[256];
        size_t n = json_string(s, str, sizeof str);
        it = next_item(r);
        assert_int_equal(it.kind, SL_CBOR_TEXT);
        assert_true(it.arg == n);
        assert_memory_equal(it.str, str, n);
    } else if (d[0] == '[' || d[0] == '{') {
        bool map = d[0] == '{';
        it = next_item(r);
        assert_int_equal(it.kind, map ? SL_CBOR_MAP : SL_CBOR_ARRAY);
        (*s)++;
        uint64_t count = 0;
        skip_ws(s);
        while (**s != (map ? '}' : ']')) {
            if (count > 0)
                expect_char(s, ',');
            match_diag(s, r);
            if (map) {
                expect_char(s, ':');
                match_diag(s, r);
            }
            count++;
            skip_ws(s);
        }
        (*s)++;
        assert_true(count == it.arg);
    } else {
        const char *tok = d;
        while (**s && strchr("-+0123456789.eE", **s))
            (*s)++;
        assert_true(*s > tok);
        if (**s == '(') { /* a tag */
            unsigned long long tag = strtoull(tok, NULL, 10);
            it = next_item(r);
            assert_int_equal(it.kind, SL_CBOR_TAG);
            assert_true(it.arg == tag);
            (*s)++;
            match_diag(s, r);
            expect_char(s, ')');
        } else {
            expect_number(tok, (size_t)(*s - tok), r);
        }
    }
}

/* Re-encode the items of r one by one with our encoder. */
static void reencode_all(struct sl_cbor_reader *r, struct sl_wbuf *w)
{
    while (!sl_cbor_at_end(r)) {
        struct sl_cbor_item it = next_item(r);
        sl_err err = SL_OK;
        switch (it.kind) {
        case SL_CBOR_UINT: err = sl_cbor_put_uint(w, it.arg); break;
        case SL_CBOR_NEGINT:
            if (it.arg <= (uint64_t)INT64_MAX)
                err = sl_cbor_put_int(w, -1 - (int64_t)it.arg);
            else
                err = sl_cbor_put_head(w, SL_CBOR_MAJOR_NEGINT, it.arg);
            break;
        case SL_CBOR_BYTES: err = sl_cbor_put_bytes(w, it.str, (size_t)it.arg); break;
        case SL_CBOR_TEXT: err = sl_cbor_put_text(w, (const char *)it.str, (size_t)it.arg); break;
        case SL_CBOR_ARRAY: err = sl_cbor_put_array(w, it.arg); break;
        case SL_CBOR_MAP: err = sl_cbor_put_map(w, it.arg); break;
        case SL_CBOR_TAG: err = sl_cbor_put_tag(w, it.arg); break;
        case SL_CBOR_FALSE: err = sl_cbor_put_bool(w, false); break;
        case SL_CBOR_TRUE: err = sl_cbor_put_bool(w, true); break;
        case SL_CBOR_NULL: err = sl_cbor_put_null(w); break;
        case SL_CBOR_UNDEFINED:
        case SL_CBOR_SIMPLE: err = sl_cbor_put_head(w, SL_CBOR_MAJOR_SIMPLE, it.arg); break;
        case SL_CBOR_FLOAT: err = sl_cbor_put_float(w, it.f); break;
        default: fail();
        }
        assert_int_equal(err, SL_OK);
    }
}

/* Examples of Appendix A that we reject on purpose, and why. */
static const struct {
    const char *hex;
    sl_err err;
} rejected[] = {
    /* RFC 8949 3.3: simple values below 32 must use the one-byte form;
     * 0xf818 was an example in RFC 7049 and is not well-formed now. */
    { "f818", SL_ERR_INVALID },
    /* Indefinite-length strings, arrays and maps: not supported here. */
    { "5f42010243030405ff", SL_ERR_UNSUPPORTED },
    { "7f657374726561646d696e67ff", SL_ERR_UNSUPPORTED },
    { "9fff", SL_ERR_UNSUPPORTED },
    { "9f018202039f0405ffff", SL_ERR_UNSUPPORTED },
    { "9f01820203820405ff", SL_ERR_UNSUPPORTED },
    { "83018202039f0405ff", SL_ERR_UNSUPPORTED },
    { "83019f0203ff820405", SL_ERR_UNSUPPORTED },
    { "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", SL_ERR_UNSUPPORTED },
    { "bf61610161629f0203ffff", SL_ERR_UNSUPPORTED },
    { "826161bf61626163ff", SL_ERR_UNSUPPORTED },
    { "bf6346756ef563416d7421ff", SL_ERR_UNSUPPORTED },
};

/* Non-round-tripping examples we decode: what our encoder writes instead
 * (the preferred serialization). */
static const struct {
    const char *hex;
    const char *preferred;
} canonical[] = {
    { "fa7f800000", "f97c00" }, { "fa7fc00000", "f97e00" },
    { "faff800000", "f9fc00" }, { "fb7ff0000000000000", "f97c00" },
    { "fb7ff8000000000000", "f97e00" }, { "fbfff0000000000000", "f9fc00" },
};

/* Extract the value text of "key" within one JSON object [obj, end). */
static const char *field(const char *obj, const char *end, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(obj, pat);
    if (!p || p >= end)
        return NULL;
    p += strlen(pat);
    skip_ws(&p);
    return p;
}

/* Skip one JSON value (strings may hold brackets). */
static void json_skip(const char **s)
{
    char tmp[512];
    skip_ws(s);
    if (**s == '"') {
        (void)json_string(s, tmp, sizeof tmp);
        return;
    }
    if (**s == '[' || **s == '{') {
        int depth = 0;
        do {
            if (**s == '"') {
                (void)json_string(s, tmp, sizeof tmp);
                continue;
            }
            if (**s == '[' || **s == '{')
                depth++;
            else if (**s == ']' || **s == '}')
                depth--;
            (*s)++;
        } while (depth > 0);
        return;
    }
    while (**s && !strchr(",}] \n\r\t", **s))
        (*s)++;
}

static void test_rfc8949_appendix_a(void **state)
{
    (void)state;
    size_t len;
    char *json = test_read_vector("cbor-rfc8949-appendix-a.json", &len);
    const char *s = json;
    int total = 0, matched = 0, roundtripped = 0, rejected_n = 0;

    expect_char(&s, '[');
    for (;;) {
        skip_ws(&s);
        if (*s == ']')
            break;
        if (total > 0)
            expect_char(&s, ',');
        skip_ws(&s);
        assert_int_equal(*s, '{');
        const char *obj = s;
        json_skip(&s); /* s now past the object */
        const char *end = s;
        total++;

        char hex[256];
        const char *h = field(obj, end, "hex");
        assert_non_null(h);
        size_t hn = json_string(&h, hex, sizeof hex - 1);
        hex[hn] = 0;
        const char *rt = field(obj, end, "roundtrip");
        bool roundtrip = rt && strncmp(rt, "true", 4) == 0;

        uint8_t *bytes = malloc(hn / 2 + 1); /* exact size: ASan sees overreads */
        int n = test_hex(hex, bytes, hn / 2);
        assert_int_equal(n, (int)(hn / 2));

        bool is_rejected = false;
        for (size_t k = 0; k < sizeof rejected / sizeof rejected[0]; k++) {
            if (strcmp(rejected[k].hex, hex) != 0)
                continue;
            struct sl_cbor_reader r;
            sl_cbor_reader_init(&r, bytes, (size_t)n);
            assert_int_equal(sl_cbor_skip(&r), rejected[k].err);
            assert_int_equal(r.pos, 0);
            is_rejected = true;
            rejected_n++;
        }
        if (is_rejected) {
            free(bytes);
            continue;
        }

        /* decode and compare with the published value */
        struct sl_cbor_reader r;
        sl_cbor_reader_init(&r, bytes, (size_t)n);
        const char *dec = field(obj, end, "decoded");
        const char *diag = field(obj, end, "diagnostic");
        if (dec) {
            match_json(&dec, &r);
        } else {
            assert_non_null(diag);
            char dtext[256];
            size_t dn = json_string(&diag, dtext, sizeof dtext - 1);
            dtext[dn] = 0;
            const char *dp = dtext;
            match_diag(&dp, &r);
            skip_ws(&dp);
            assert_int_equal(*dp, 0);
        }
        if (!sl_cbor_at_end(&r))
            fail_msg("example %s: %zu bytes left after the value", hex, r.len - r.pos);
        matched++;

        /* one skip consumes exactly the example */
        sl_cbor_reader_init(&r, bytes, (size_t)n);
        assert_int_equal(sl_cbor_skip(&r), SL_OK);
        assert_true(sl_cbor_at_end(&r));

        /* re-encode */
        uint8_t out[64];
        struct sl_wbuf w;
        sl_wbuf_init(&w, out, sizeof out);
        sl_cbor_reader_init(&r, bytes, (size_t)n);
        reencode_all(&r, &w);
        if (roundtrip) {
            assert_hex_equal(hex, out, w.len);
            roundtripped++;
        } else {
            const char *pref = NULL;
            for (size_t k = 0; k < sizeof canonical / sizeof canonical[0]; k++)
                if (strcmp(canonical[k].hex, hex) == 0)
                    pref = canonical[k].preferred;
            if (!pref)
                fail_msg("example %s: no preferred form listed", hex);
            assert_hex_equal(pref, out, w.len);
        }
        free(bytes);
    }
    free(json);
    /* 82 examples: 70 decoded and compared (64 re-encode byte for byte, 6
     * non-preferred floats re-encode in preferred form), 12 rejected. */
    assert_int_equal(total, 82);
    assert_int_equal(matched, 70);
    assert_int_equal(roundtripped, 64);
    assert_int_equal(rejected_n, 12);
}

/* ---------------------------------------------------------------------
 * Encoder
 * ------------------------------------------------------------------- */

#define ENC(call, hex)                                                              \
    do {                                                                            \
        uint8_t b_[32];                                                             \
        struct sl_wbuf w_;                                                          \
        sl_wbuf_init(&w_, b_, sizeof b_);                                           \
        struct sl_wbuf *w = &w_;                                                    \
        assert_int_equal((call), SL_OK);                                            \
        assert_hex_equal(hex, b_, w_.len);                                          \
    } while (0)

static void test_put_ints(void **state)
{
    (void)state;
    ENC(sl_cbor_put_uint(w, 0), "00");
    ENC(sl_cbor_put_uint(w, 23), "17");
    ENC(sl_cbor_put_uint(w, 24), "1818");
    ENC(sl_cbor_put_uint(w, 255), "18ff");
    ENC(sl_cbor_put_uint(w, 256), "190100");
    ENC(sl_cbor_put_uint(w, 65535), "19ffff");
    ENC(sl_cbor_put_uint(w, 65536), "1a00010000");
    ENC(sl_cbor_put_uint(w, 0xFFFFFFFFu), "1affffffff");
    ENC(sl_cbor_put_uint(w, 0x100000000ull), "1b0000000100000000");
    ENC(sl_cbor_put_uint(w, UINT64_MAX), "1bffffffffffffffff");
    ENC(sl_cbor_put_int(w, -1), "20");
    ENC(sl_cbor_put_int(w, -24), "37");
    ENC(sl_cbor_put_int(w, -25), "3818");
    ENC(sl_cbor_put_int(w, -256), "38ff");
    ENC(sl_cbor_put_int(w, -257), "390100");
    ENC(sl_cbor_put_int(w, INT64_MAX), "1b7fffffffffffffff");
    ENC(sl_cbor_put_int(w, INT64_MIN), "3b7fffffffffffffff");
    ENC(sl_cbor_put_tag(w, 1), "c1");
    ENC(sl_cbor_put_tag(w, 55799), "d9d9f7");
    ENC(sl_cbor_put_array(w, 25), "9819");
    ENC(sl_cbor_put_map(w, 2), "a2");
    ENC(sl_cbor_put_bool(w, true), "f5");
    ENC(sl_cbor_put_bool(w, false), "f4");
    ENC(sl_cbor_put_null(w), "f6");
    ENC(sl_cbor_put_text(w, "IETF", 4), "6449455446");
    ENC(sl_cbor_put_bytes(w, (const uint8_t *)"\x01\x02", 2), "420102");
    ENC(sl_cbor_put_bytes(w, NULL, 0), "40");
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static void check_float(double v, const char *hex)
{
    uint8_t b[16];
    struct sl_wbuf w;
    sl_wbuf_init(&w, b, sizeof b);
    assert_int_equal(sl_cbor_put_float(&w, v), SL_OK);
    assert_hex_equal(hex, b, w.len);
    /* and back, bit for bit */
    struct sl_cbor_reader r;
    struct sl_cbor_item it;
    sl_cbor_reader_init(&r, b, w.len);
    assert_int_equal(sl_cbor_read(&r, &it), SL_OK);
    assert_int_equal(it.kind, SL_CBOR_FLOAT);
    if (isnan(v)) {
        assert_true(isnan(it.f));
    } else {
        assert_memory_equal(&it.f, &v, sizeof v);
    }
}

static void test_put_float_shortest(void **state)
{
    (void)state;
    check_float(0.0, "f90000");
    check_float(-0.0, "f98000");
    check_float(1.0, "f93c00");
    check_float(1.5, "f93e00");
    check_float(-4.0, "f9c400");
    check_float(65504.0, "f97bff");            /* largest half */
    check_float(65505.0, "fa477fe100");        /* needs single */
    check_float(100000.0, "fa47c35000");
    check_float(3.4028234663852886e+38, "fa7f7fffff"); /* largest single */
    check_float(from_bits(0x47EFFFFFE8000000ull), "fb47efffffe8000000"); /* just above */
    check_float(1.1, "fb3ff199999999999a");
    check_float(1.0e300, "fb7e37e43c8800759c");
    check_float(5.960464477539063e-08, "f90001"); /* smallest half subnormal */
    check_float(3 * 5.960464477539063e-08, "f90003");
    check_float(6.097555160522461e-05, "f903ff"); /* largest half subnormal */
    check_float(6.103515625e-05, "f90400");       /* smallest half normal */
    check_float(2.9802322387695312e-08, "fa33000000"); /* 2^-25: single only */
    check_float(from_bits(0x36A0000000000000ull), "fa00000001"); /* 2^-149 */
    check_float(from_bits(0x3690000000000000ull), "fb3690000000000000"); /* 2^-150 */
    check_float(from_bits(0x0000000000000001ull), "fb0000000000000001"); /* double subnormal */
    check_float(1.0 / 0.0, "f97c00");
    check_float(-1.0 / 0.0, "f9fc00");
    check_float(from_bits(0x7FF8000000000000ull), "f97e00");
    check_float(from_bits(0xFFF0000000000001ull), "f97e00"); /* any NaN */
    check_float(65536.0, "fa47800000");   /* half exponent overflow */
    check_float(1.0009765625, "f93c01");  /* 1 + 2^-10: half */
    check_float(1.00048828125, "fa3f801000"); /* 1 + 2^-11: single */
}

static void test_decode_floats(void **state)
{
    (void)state;
    /* non-preferred widths decode to the same value */
    static const struct {
        const char *hex;
        double v;
    } cases[] = {
        { "fa3fc00000", 1.5 }, { "fb3ff8000000000000", 1.5 },
        { "f90001", 5.960464477539063e-08 }, { "f903ff", 6.097555160522461e-05 },
        { "f9c400", -4.0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t b[16];
        int n = test_hex(cases[k].hex, b, sizeof b);
        struct sl_cbor_reader r;
        struct sl_cbor_item it;
        sl_cbor_reader_init(&r, b, (size_t)n);
        assert_int_equal(sl_cbor_read(&r, &it), SL_OK);
        assert_int_equal(it.kind, SL_CBOR_FLOAT);
        assert_true(it.f == cases[k].v);
    }
    /* 2^-149, the smallest single subnormal */
    uint8_t b[5] = { 0xFA, 0, 0, 0, 1 };
    struct sl_cbor_reader r;
    struct sl_cbor_item it;
    sl_cbor_reader_init(&r, b, 5);
    assert_int_equal(sl_cbor_read(&r, &it), SL_OK);
    assert_true(it.f == from_bits(0x36A0000000000000ull));
    assert_int_equal(it.arg, 4);
    /* a negative half NaN with a payload stays NaN */
    b[0] = 0xF9;
    b[1] = 0xFE;
    b[2] = 0x01;
    sl_cbor_reader_init(&r, b, 3);
    assert_int_equal(sl_cbor_read(&r, &it), SL_OK);
    assert_true(isnan(it.f));
    assert_int_equal(it.arg, 2);
}

/* A fixed sequence of puts: op k of the sequence on w. */
static sl_err put_op(struct sl_wbuf *w, int k)
{
    static const uint8_t blob[40] = { 1, 2, 3 };
    switch (k) {
    case 0: return sl_cbor_put_array(w, 12);
    case 1: return sl_cbor_put_uint(w, 0x1234567890ull);
    case 2: return sl_cbor_put_int(w, -100000);
    case 3: return sl_cbor_put_bytes(w, blob, sizeof blob);
    case 4: return sl_cbor_put_text(w, "hello world, this is text", 25);
    case 5: return sl_cbor_put_float(w, 1.1);
    case 6: return sl_cbor_put_float(w, 100000.0);
    case 7: return sl_cbor_put_float(w, 1.5);
    case 8: return sl_cbor_put_map(w, 1);
    case 9: return sl_cbor_put_tag(w, 1000);
    case 10: return sl_cbor_put_bool(w, true);
    case 11: return sl_cbor_put_null(w);
    case 12: return sl_cbor_put_head(w, SL_CBOR_MAJOR_SIMPLE, 23);
    case 13: return sl_cbor_put_text(w, "", 0);
    case 14: return sl_cbor_put_uint(w, 7);
    default: return SL_ERR_END;
    }
}

static void test_output_overflow_every_size(void **state)
{
    (void)state;
    uint8_t full[256];
    struct sl_wbuf w;
    sl_wbuf_init(&w, full, sizeof full);
    int ops = 0;
    while (put_op(&w, ops) == SL_OK)
        ops++;
    size_t total = w.len;
    assert_true(total > 100);

    for (size_t cap = 0; cap <= total; cap++) {
        uint8_t *buf = malloc(cap ? cap : 1);
        sl_wbuf_init(&w, buf, cap);
        int failed = -1;
        for (int k = 0; k < ops; k++) {
            size_t before = w.len;
            sl_err err = put_op(&w, k);
            if (err != SL_OK) {
                assert_int_equal(err, SL_ERR_OVERFLOW);
                assert_int_equal(w.len, before);
                failed = k;
                break;
            }
        }
        assert_true(w.len <= cap);
        assert_memory_equal(buf, full, w.len);
        if (cap < total)
            assert_true(failed >= 0);
        else
            assert_int_equal(failed, -1);
        free(buf);
    }
}

static void test_deferred_heads(void **state)
{
    (void)state;
    uint8_t b[128];
    struct sl_wbuf w;
    size_t mark;

    /* shortest fix with 30 children: 98 1e */
    sl_wbuf_init(&w, b, sizeof b);
    assert_int_equal(sl_cbor_reserve_head(&w, &mark), SL_OK);
    for (int k = 0; k < 30; k++)
        assert_int_equal(sl_cbor_put_uint(&w, 1), SL_OK);
    assert_int_equal(sl_cbor_fix_head(&w, mark, SL_CBOR_MAJOR_ARRAY, 30), SL_OK);
    assert_int_equal(w.len, 32);
    assert_int_equal(b[0], 0x98);
    assert_int_equal(b[1], 30);
    assert_int_equal(b[2], 1);

    /* nested: fix the inner one first, the outer mark stays valid */
    size_t outer, inner;
    sl_wbuf_init(&w, b, sizeof b);
    assert_int_equal(sl_cbor_put_uint(&w, 9), SL_OK); /* something before */
    assert_int_equal(sl_cbor_reserve_head(&w, &outer), SL_OK);
    assert_int_equal(sl_cbor_put_uint(&w, 3), SL_OK);
    assert_int_equal(sl_cbor_reserve_head(&w, &inner), SL_OK);
    assert_int_equal(sl_cbor_put_uint(&w, 0), SL_OK);
    assert_int_equal(sl_cbor_put_text(&w, "x", 1), SL_OK);
    assert_int_equal(sl_cbor_put_uint(&w, 1), SL_OK);
    assert_int_equal(sl_cbor_put_float(&w, 1.1), SL_OK);
    assert_int_equal(sl_cbor_fix_head(&w, inner, SL_CBOR_MAJOR_MAP, 2), SL_OK);
    assert_int_equal(sl_cbor_fix_head(&w, outer, SL_CBOR_MAJOR_MAP, 1), SL_OK);
    assert_hex_equal("09 a1 03 a2 00 6178 01 fb3ff199999999999a", b, w.len);

    /* every head size a reservation can end up as */
    static const uint64_t counts[] = { 0, 23, 24, 255, 256, 65535, 65536, 0xFFFFFFFFu };
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        uint8_t want[9];
        struct sl_wbuf ww;
        sl_wbuf_init(&ww, want, sizeof want);
        assert_int_equal(sl_cbor_put_array(&ww, counts[k]), SL_OK);
        assert_int_equal(ww.len, sl_cbor_head_len(counts[k]));
        sl_wbuf_init(&w, b, sizeof b);
        assert_int_equal(sl_cbor_reserve_head(&w, &mark), SL_OK);
        assert_int_equal(sl_cbor_put_null(&w), SL_OK);
        assert_int_equal(sl_cbor_fix_head(&w, mark, SL_CBOR_MAJOR_ARRAY, counts[k]), SL_OK);
        assert_int_equal(w.len, ww.len + 1);
        assert_memory_equal(b, want, ww.len);
        assert_int_equal(b[ww.len], 0xF6);
    }
    assert_int_equal(sl_cbor_head_len(0x100000000ull), 9);

    /* bad marks and counts */
    sl_wbuf_init(&w, b, sizeof b);
    assert_int_equal(sl_cbor_reserve_head(&w, &mark), SL_OK);
    assert_int_equal(sl_cbor_fix_head(&w, 1, SL_CBOR_MAJOR_ARRAY, 0), SL_ERR_INVALID);
    assert_int_equal(sl_cbor_fix_head(&w, mark, SL_CBOR_MAJOR_ARRAY, 0x100000000ull),
                     SL_ERR_RANGE);
    assert_int_equal(sl_cbor_fix_head(&w, mark, 8, 0), SL_ERR_INVALID);
    assert_int_equal(sl_cbor_fix_head(&w, mark, SL_CBOR_MAJOR_ARRAY, 0), SL_OK);
    assert_hex_equal("80", b, w.len);

    /* reservation that does not fit */
    sl_wbuf_init(&w, b, 4);
    assert_int_equal(sl_cbor_reserve_head(&w, &mark), SL_ERR_OVERFLOW);
    assert_int_equal(w.len, 0);
}

/* ---------------------------------------------------------------------
 * Decoder robustness
 * ------------------------------------------------------------------- */

static sl_err skip_hex(const char *hex, size_t *pos)
{
    uint8_t tmp[512];
    int n = test_hex(hex, tmp, sizeof tmp);
    assert_true(n >= 0);
    uint8_t *b = malloc((size_t)n + 1);
    memcpy(b, tmp, (size_t)n);
    struct sl_cbor_reader r;
    sl_cbor_reader_init(&r, b, (size_t)n);
    sl_err err = sl_cbor_skip(&r);
    if (pos)
        *pos = r.pos;
    free(b);
    return err;
}

static void test_truncation_every_prefix(void **state)
{
    (void)state;
    static const char *items[] = {
        "1b000000e8d4a51000",
        "3bffffffffffffffff",
        "fb3ff199999999999a",
        "fa47c35000",
        "f93e00",
        "6449455446",
        "5818" "000102030405060708090a0b0c0d0e0f1011121314151617",
        "8301820203820405",
        "a26161016162820203",
        "c249010000000000000000",
        "d818456449455446",
        "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
        "a3 83 03 00 01 a1 00 f5 19 1000 f6 61 78 fb 7ff8000000000000",
    };
    for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
        uint8_t full[128];
        int n = test_hex(items[k], full, sizeof full);
        assert_true(n > 0);
        size_t pos = 0;
        assert_int_equal(skip_hex(items[k], &pos), SL_OK);
        assert_int_equal(pos, (size_t)n);
        for (int len = 0; len < n; len++) {
            /* an exact-size heap copy: ASan catches any read past it */
            uint8_t *b = malloc((size_t)len + 1);
            memcpy(b, full, (size_t)len);
            struct sl_cbor_reader r;
            sl_cbor_reader_init(&r, b, (size_t)len);
            assert_int_equal(sl_cbor_skip(&r), SL_ERR_INVALID);
            assert_int_equal(r.pos, 0);
            /* item by item: stops with an error, never runs past len */
            struct sl_cbor_item it;
            sl_err err;
            while ((err = sl_cbor_read(&r, &it)) == SL_OK)
                assert_true(r.pos <= (size_t)len);
            assert_int_equal(err, SL_ERR_INVALID);
            free(b);
        }
    }
}

static void test_depth_bombs(void **state)
{
    (void)state;
    char hex[128];
    /* SL_CBOR_MAX_DEPTH nested arrays: fine; one more: refused */
    size_t k = 0;
    for (int d = 0; d < SL_CBOR_MAX_DEPTH; d++)
        k += (size_t)snprintf(hex + k, sizeof hex - k, "81");
    snprintf(hex + k, sizeof hex - k, "00");
    assert_int_equal(skip_hex(hex, NULL), SL_OK);
    k = 0;
    for (int d = 0; d < SL_CBOR_MAX_DEPTH + 1; d++)
        k += (size_t)snprintf(hex + k, sizeof hex - k, "81");
    snprintf(hex + k, sizeof hex - k, "00");
    assert_int_equal(skip_hex(hex, NULL), SL_ERR_UNSUPPORTED);

    /* 100000 nested arrays, maps and tags: refused quickly, no recursion */
    uint8_t *b = malloc(100001);
    const uint8_t heads[3] = { 0x81, 0xA1, 0xC1 };
    for (int h = 0; h < 3; h++) {
        memset(b, heads[h], 100000);
        b[100000] = 0;
        struct sl_cbor_reader r;
        sl_cbor_reader_init(&r, b, 100001);
        assert_int_equal(sl_cbor_skip(&r), SL_ERR_UNSUPPORTED);
        assert_int_equal(r.pos, 0);
    }
    free(b);

    /* wide is fine: 1000 siblings at depth 2 */
    b = malloc(1004);
    b[0] = 0x81;
    b[1] = 0x99;
    b[2] = 0x03;
    b[3] = 0xE8;
    memset(b + 4, 0xF6, 1000);
    struct sl_cbor_reader r;
    sl_cbor_reader_init(&r, b, 1002);
    assert_int_equal(sl_cbor_skip(&r), SL_ERR_INVALID); /* one byte short */
    sl_cbor_reader_init(&r, b, 1004);
    assert_int_equal(sl_cbor_skip(&r), SL_OK);
    assert_int_equal(r.pos, 1004);
    free(b);

    /* map with nested maps as keys and values */
    assert_int_equal(skip_hex("a2 a100f6 80 a0 a1 8100 c0 60", NULL), SL_OK);
}

static void test_huge_lengths(void **state)
{
    (void)state;
    /* claims far beyond the input: refused before any use */
    assert_int_equal(skip_hex("5bffffffffffffffff00", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("7bffffffffffffffff00", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("5b7fffffffffffffff00", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("5a7fffffff00", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("9bffffffffffffffff00", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("bbffffffffffffffff0000", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("bb800000000000000000", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("9a0000000500000000", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("9a0000000400000000", NULL), SL_OK);
    assert_int_equal(skip_hex("a20000", NULL), SL_ERR_INVALID); /* 2 pairs, 2 bytes */
    assert_int_equal(skip_hex("8300f6", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("c1", NULL), SL_ERR_INVALID);
    assert_int_equal(skip_hex("", NULL), SL_ERR_INVALID);
}

static void test_malformed_heads(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        sl_err err;
    } cases[] = {
        { "1c", SL_ERR_INVALID }, { "1d", SL_ERR_INVALID }, { "1e", SL_ERR_INVALID },
        { "1f", SL_ERR_INVALID }, { "3f", SL_ERR_INVALID }, { "df", SL_ERR_INVALID },
        { "5c", SL_ERR_INVALID }, { "fc", SL_ERR_INVALID }, { "fd", SL_ERR_INVALID },
        { "fe", SL_ERR_INVALID }, { "ff", SL_ERR_INVALID }, { "f800", SL_ERR_INVALID },
        { "f81f", SL_ERR_INVALID }, { "5f", SL_ERR_UNSUPPORTED }, { "7f", SL_ERR_UNSUPPORTED },
        { "9f", SL_ERR_UNSUPPORTED }, { "bf", SL_ERR_UNSUPPORTED }, { "8180", SL_OK },
        { "f820", SL_OK }, { "f0", SL_OK }, { "1800", SL_OK }, /* non-preferred is well-formed */
        { "8100ff", SL_OK }, /* trailing garbage is the caller's business */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sl_err got = skip_hex(cases[k].hex, NULL);
        if (got != cases[k].err)
            fail_msg("%s: want %s got %s", cases[k].hex, sl_err_str(cases[k].err),
                     sl_err_str(got));
    }
}

static void test_typed_readers(void **state)
{
    (void)state;
    uint8_t b[64];
    int n = test_hex("3bffffffffffffffff 3b7fffffffffffffff 1bffffffffffffffff 20 "
                     "6378797a 43010203 83 a2 f5",
                     b, sizeof b);
    struct sl_cbor_reader r;
    sl_cbor_reader_init(&r, b, (size_t)n);
    int64_t i;
    uint64_t u;
    size_t cnt;
    const char *s;
    const uint8_t *p;
    size_t len;

    /* -2^64: out of int64 range, still readable raw */
    assert_int_equal(sl_cbor_read_int(&r, &i), SL_ERR_RANGE);
    assert_int_equal(r.pos, 0);
    assert_int_equal(sl_cbor_read_uint(&r, &u), SL_ERR_TYPE);
    struct sl_cbor_item it;
    assert_int_equal(sl_cbor_read(&r, &it), SL_OK);
    assert_int_equal(it.kind, SL_CBOR_NEGINT);
    assert_true(it.arg == UINT64_MAX);

    assert_int_equal(sl_cbor_read_int(&r, &i), SL_OK);
    assert_true(i == INT64_MIN);

    assert_int_equal(sl_cbor_read_int(&r, &i), SL_ERR_RANGE);
    assert_int_equal(sl_cbor_read_uint(&r, &u), SL_OK);
    assert_true(u == UINT64_MAX);

    assert_int_equal(sl_cbor_read_uint(&r, &u), SL_ERR_TYPE);
    assert_int_equal(sl_cbor_read_int(&r, &i), SL_OK);
    assert_true(i == -1);

    assert_int_equal(sl_cbor_read_bytes(&r, &p, &len), SL_ERR_TYPE);
    assert_int_equal(sl_cbor_read_text(&r, &s, &len), SL_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "xyz", 3);

    assert_int_equal(sl_cbor_read_text(&r, &s, &len), SL_ERR_TYPE);
    assert_int_equal(sl_cbor_read_bytes(&r, &p, &len), SL_OK);
    assert_int_equal(len, 3);
    assert_int_equal(p[2], 3);

    assert_int_equal(sl_cbor_read_map_header(&r, &cnt), SL_ERR_INVALID); /* 3 items, 2 bytes */
    /* a shorter reader can still see the array header check fail */
    assert_int_equal(sl_cbor_read_array_header(&r, &cnt), SL_ERR_INVALID);
    r.pos++;
    assert_int_equal(sl_cbor_read_array_header(&r, &cnt), SL_ERR_INVALID); /* map, 2 pairs, 1 byte */
    r.pos++;
    assert_int_equal(sl_cbor_read_map_header(&r, &cnt), SL_ERR_TYPE);
    assert_int_equal(sl_cbor_read(&r, &it), SL_OK);
    assert_int_equal(it.kind, SL_CBOR_TRUE);
    assert_true(sl_cbor_at_end(&r));
    assert_int_equal(sl_cbor_read(&r, &it), SL_ERR_INVALID);

    n = test_hex("82 a1 00", b, sizeof b);
    sl_cbor_reader_init(&r, b, (size_t)n);
    assert_int_equal(sl_cbor_read_array_header(&r, &cnt), SL_OK);
    assert_int_equal(cnt, 2);
    assert_int_equal(sl_cbor_read_map_header(&r, &cnt), SL_ERR_INVALID);

    sl_cbor_reader_init(&r, NULL, 5);
    assert_true(sl_cbor_at_end(&r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8949_appendix_a),
        cmocka_unit_test(test_put_ints),
        cmocka_unit_test(test_put_float_shortest),
        cmocka_unit_test(test_decode_floats),
        cmocka_unit_test(test_output_overflow_every_size),
        cmocka_unit_test(test_deferred_heads),
        cmocka_unit_test(test_truncation_every_prefix),
        cmocka_unit_test(test_depth_bombs),
        cmocka_unit_test(test_huge_lengths),
        cmocka_unit_test(test_malformed_heads),
        cmocka_unit_test(test_typed_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
