/* LwM2M CBOR (11544): encoder output, every key form the decoder accepts,
 * every error path, truncation, output overflow. */
#include "test_records.h"
#include "test_util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/lwm2m_cbor.h"

/* ---- helpers: the shared record helpers, bound to this format ---- */

static void expect_decode(const char *base, const char *hex, const struct sl_record *want,
                          size_t n, sl_err final)
{
    tr_expect_decode(SL_FMT_LWM2M_CBOR, base, hex, want, n, final);
}

static void expect_error(const char *base, const char *hex, sl_err err)
{
    tr_expect_decode(SL_FMT_LWM2M_CBOR, base, hex, NULL, 0, err);
}

static size_t encode(const char *base, const struct sl_record *recs, size_t n, uint8_t *out,
                     size_t cap)
{
    return tr_encode(SL_FMT_LWM2M_CBOR, base, recs, n, out, cap);
}

static void roundtrip(const char *base, const struct sl_record *recs, size_t n, const char *hex)
{
    tr_roundtrip(SL_FMT_LWM2M_CBOR, base, recs, n, hex);
}

/* ---- encoder ---- */

static void test_encode_instance(void **state)
{
    (void)state;
    const struct sl_record recs[] = {
        tr_rec("/3/0/0", tr_v_str("Open Mobile Alliance")),
        tr_rec("/3/0/7/0", sl_value_int(3800)),
        tr_rec("/3/0/7/1", sl_value_int(5000)),
        tr_rec("/3/0/9", sl_value_int(100)),
    };
    /* {3: {0: {0: "Open Mobile Alliance", 7: {0: 3800, 1: 5000}, 9: 100}}} */
    roundtrip("/3/0", recs, 4,
              "a1 03 a1 00 a3 00 74 4f70656e204d6f62696c6520416c6c69616e6365"
              " 07 a2 00 19 0ed8 01 19 1388"
              " 09 18 64");
    /* the same under the root and under the resource's own path */
    roundtrip("/", recs, 1, "a1 03 a1 00 a1 00 74 4f70656e204d6f62696c6520416c6c69616e6365");
    roundtrip("/3/0/7", recs + 1, 2, "a1 03 a1 00 a1 07 a2 00 19 0ed8 01 19 1388");
    roundtrip("/3/0/7/1", recs + 2, 1, "a1 03 a1 00 a1 07 a1 01 19 1388");
}

static void test_encode_composite(void **state)
{
    (void)state;
    const struct sl_record recs[] = {
        tr_rec("/1/0/1", sl_value_int(300)),
        tr_rec("/3/0/0", tr_v_str("x")),
        tr_rec("/3/1/0", tr_val(SL_TYPE_NONE)),
        tr_rec("/5", tr_val(SL_TYPE_NONE)),
        tr_rec("/6/0", sl_value_int(1)),
    };
    /* {1: {0: {1: 300}}, 3: {0: {0: "x"}, 1: {0: null}}, 5: null, 6: {0: 1}} */
    roundtrip("/", recs, 5,
              "a4 01 a1 00 a1 01 19 012c"
              " 03 a2 00 a1 00 61 78 01 a1 00 f6"
              " 05 f6"
              " 06 a1 00 01");
    /* no records */
    roundtrip("/", NULL, 0, "a0");
    roundtrip("/3/0/1", NULL, 0, "a0");
}

static void test_encode_types(void **state)
{
    (void)state;
    static const uint8_t opaque[2] = { 1, 2 };
    const struct sl_record recs[] = {
        tr_rec("/9/0/0", sl_value_int(-1)),
        tr_rec("/9/0/1", sl_value_uint(UINT64_MAX)),
        tr_rec("/9/0/2", sl_value_float(1.1)),
        tr_rec("/9/0/3", sl_value_float(-0.0)),
        tr_rec("/9/0/4", sl_value_float(1.5)),
        tr_rec("/9/0/5", sl_value_bool(false)),
        tr_rec("/9/0/6", tr_v_str("s")),
        tr_rec("/9/0/7", tr_v_bytes(SL_TYPE_OPAQUE, opaque, 2)),
        tr_rec("/9/0/8", sl_value_objlnk(3, 65535)),
        tr_rec("/9/0/9", tr_v_bytes(SL_TYPE_CORELNK, "</1>", 4)),
        tr_rec("/9/0/10", sl_value_time(1367491215)),
        tr_rec("/9/0/11", tr_val(SL_TYPE_NONE)),
        tr_rec("/9/0/12", sl_value_int(INT64_MIN)),
    };
    const char *hex = "a1 09 a1 00 ad"
                      " 00 20"
                      " 01 1b ffffffffffffffff"
                      " 02 fb 3ff199999999999a"
                      " 03 f9 8000"
                      " 04 f9 3e00"
                      " 05 f4"
                      " 06 61 73"
                      " 07 42 0102"
                      " 08 67 333a3635353335"
                      " 09 64 3c2f313e"
                      " 0a 1a 5182428f"
                      " 0b f6"
                      " 0c 3b 7fffffffffffffff";
    uint8_t out[256];
    size_t len = encode("/9", recs, 13, out, sizeof out);
    assert_hex_equal(hex, out, len);
    /* Objlnk and Corelnk come back as text, Time as an integer */
    struct sl_record back[13];
    memcpy(back, recs, sizeof back);
    back[8].value = tr_v_str("3:65535");
    back[9].value = tr_v_str("</1>");
    back[10].value = sl_value_int(1367491215);
    expect_decode("/9", hex, back, 13, SL_ERR_END);
}

static void test_encode_many(void **state)
{
    (void)state;
    /* 300 resources in one instance, 30 instances of another object: the
     * map heads need 2 and 3 bytes after shortening */
    static struct sl_record recs[330];
    for (int k = 0; k < 300; k++) {
        recs[k].path = sl_path_make(3, 3303, 0, (uint16_t)k, 0);
        recs[k].value = sl_value_int(k);
    }
    for (int k = 0; k < 30; k++) {
        recs[300 + k].path = sl_path_make(3, 3304, (uint16_t)k, 1, 0);
        recs[300 + k].value = sl_value_float(0.5 * k);
    }
    uint8_t *out = malloc(8192);
    size_t len = encode("/", recs, 330, out, 8192);
    /* {3303: {0: {...300 pairs}}, 3304: {...30 instances}} */
    assert_int_equal(out[0], 0xa2);
    assert_int_equal(out[1], 0x19);
    assert_int_equal(out[4], 0xa1);
    assert_int_equal(out[5], 0x00);
    assert_int_equal(out[6], 0xb9);
    assert_int_equal(out[7], 0x01);
    assert_int_equal(out[8], 0x2c);
    struct sl_path root = tr_path("/");
    struct sl_lwm2m_cbor_dec d;
    struct sl_record r;
    sl_lwm2m_cbor_dec_init(&d, &root, out, len);
    for (int k = 0; k < 330; k++) {
        assert_int_equal(sl_lwm2m_cbor_dec_next(&d, &r), SL_OK);
        tr_assert_record_equal(&r, &recs[k]);
    }
    assert_int_equal(sl_lwm2m_cbor_dec_next(&d, &r), SL_ERR_END);
    free(out);
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[128];
    struct sl_wbuf w;
    struct sl_lwm2m_cbor_enc e;
    struct sl_path base = tr_path("/");
    struct sl_record r;

    sl_wbuf_init(&w, out, sizeof out);
    assert_int_equal(sl_lwm2m_cbor_enc_begin(&e, &w, &base), SL_OK);
    r = tr_rec("/", sl_value_int(1));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* root value */
    r = tr_rec("/3/0/1", sl_value_int(1));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_OK);
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* duplicate */
    r = tr_rec("/3/0/0", sl_value_int(1));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* out of order */
    r = tr_rec("/3/0", sl_value_int(1));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* parent after child */
    r = tr_rec("/3/0/1/0", sl_value_int(1));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* below a value */
    /* a type error after maps were closed and opened: rolled back whole */
    size_t before = w.len;
    r = tr_rec("/4/0/1", tr_val(SL_TYPE_RAW_TLV));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_TYPE);
    assert_int_equal(w.len, before);
    r = tr_rec("/3/0/2", tr_val(SL_TYPE_RAW_TEXT));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_TYPE);
    r = tr_rec("/3/0/2", sl_value_int(2));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_OK);
    r = tr_rec("/3/1/0", sl_value_int(3));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_OK);
    assert_int_equal(sl_lwm2m_cbor_enc_end(&e), SL_OK);
    assert_hex_equal("a1 03 a2 00 a2 01 01 02 02 01 a1 00 03", out, w.len);
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_STATE);
    assert_int_equal(sl_lwm2m_cbor_enc_end(&e), SL_ERR_STATE);

    /* outside the base */
    base = tr_path("/3/0");
    sl_wbuf_init(&w, out, sizeof out);
    assert_int_equal(sl_lwm2m_cbor_enc_begin(&e, &w, &base), SL_OK);
    r = tr_rec("/3/1/0", sl_value_int(1));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID);
    r = tr_rec("/3", tr_val(SL_TYPE_NONE));
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID);
    /* an ID the format cannot carry */
    r = tr_rec("/3/0/1", sl_value_int(1));
    r.path.id[2] = 65535;
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_INVALID);
    assert_int_equal(sl_lwm2m_cbor_enc_end(&e), SL_OK);
    assert_hex_equal("a0", out, w.len);

    /* no room for the root head */
    sl_wbuf_init(&w, out, 4);
    assert_int_equal(sl_lwm2m_cbor_enc_begin(&e, &w, &base), SL_ERR_OVERFLOW);
    assert_int_equal(sl_lwm2m_cbor_enc_record(&e, &r), SL_ERR_STATE);
    assert_int_equal(sl_lwm2m_cbor_enc_end(&e), SL_ERR_STATE);
}

static void test_encode_overflow_every_size(void **state)
{
    (void)state;
    static const uint8_t blob[24] = { 7 };
    const struct sl_record recs[] = {
        tr_rec("/1/0/1", sl_value_int(86400)),
        tr_rec("/1/0/7", tr_v_str("U")),
        tr_rec("/3/0/0", tr_v_str("Open Mobile Alliance")),
        tr_rec("/3/0/7/0", sl_value_int(3800)),
        tr_rec("/3/0/7/1", sl_value_float(1.1)),
        tr_rec("/3/0/22", tr_v_bytes(SL_TYPE_OPAQUE, blob, sizeof blob)),
        tr_rec("/3/1", tr_val(SL_TYPE_NONE)),
        tr_rec("/4/0/0/0", sl_value_objlnk(1, 2)),
    };
    const size_t n = sizeof recs / sizeof recs[0];
    uint8_t full[512];
    size_t total = encode("/", recs, n, full, sizeof full);
    struct sl_path base = tr_path("/");

    for (size_t cap = 0; cap <= total + 4 * SL_CBOR_HEAD_RESERVE; cap++) {
        uint8_t *buf = malloc(cap + 1);
        struct sl_wbuf w;
        struct sl_lwm2m_cbor_enc e;
        sl_wbuf_init(&w, buf, cap);
        if (sl_lwm2m_cbor_enc_begin(&e, &w, &base) != SL_OK) {
            assert_true(cap < SL_CBOR_HEAD_RESERVE);
            free(buf);
            continue;
        }
        size_t ok = 0;
        for (size_t k = 0; k < n; k++) {
            size_t before = w.len;
            sl_err err = sl_lwm2m_cbor_enc_record(&e, &recs[k]);
            if (err != SL_OK) {
                assert_int_equal(err, SL_ERR_OVERFLOW);
                assert_int_equal(w.len, before);
                break;
            }
            ok++;
        }
        assert_int_equal(sl_lwm2m_cbor_enc_end(&e), SL_OK);
        /* the records that fit, as a valid payload */
        struct sl_lwm2m_cbor_dec d;
        struct sl_record r;
        struct sl_record want;
        sl_lwm2m_cbor_dec_init(&d, &base, buf, w.len);
        for (size_t k = 0; k < ok; k++) {
            assert_int_equal(sl_lwm2m_cbor_dec_next(&d, &r), SL_OK);
            want = recs[k];
            if (want.value.type == SL_TYPE_OBJLNK)
                want.value = tr_v_str("1:2");
            tr_assert_record_equal(&r, &want);
        }
        assert_int_equal(sl_lwm2m_cbor_dec_next(&d, &r), SL_ERR_END);
        if (ok == n) {
            assert_int_equal(w.len, total);
            assert_memory_equal(buf, full, total);
        }
        /* at most 4 open maps, each with 4 bytes of head not yet needed */
        if (cap >= total + 4 * (SL_CBOR_HEAD_RESERVE - 1))
            assert_int_equal(ok, n);
        free(buf);
    }
}

/* ---- decoder ---- */

static void test_decode_key_forms(void **state)
{
    (void)state;
    const struct sl_record one[] = { tr_rec("/3/0/1", sl_value_int(42)) };
    const struct sl_record two[] = { tr_rec("/3/0/1", sl_value_int(42)), tr_rec("/3/0/2", sl_value_int(21)) };
    /* {[3, 0, 1]: 42} */
    expect_decode("/", "a1 83 03 00 01 18 2a", one, 1, SL_ERR_END);
    /* {3: {0: {1: 42}}} */
    expect_decode("/", "a1 03 a1 00 a1 01 18 2a", one, 1, SL_ERR_END);
    /* {[3]: {[0]: {[1]: 42}}} */
    expect_decode("/", "a1 81 03 a1 81 00 a1 81 01 18 2a", one, 1, SL_ERR_END);
    /* {[3, 0]: {1: 42, 2: 21}} */
    expect_decode("/", "a1 82 03 00 a2 01 18 2a 02 15", two, 2, SL_ERR_END);
    /* {[3, 0, 1]: 42, [3, 0, 2]: 21} */
    expect_decode("/", "a2 83 03 00 01 18 2a 83 03 00 02 15", two, 2, SL_ERR_END);
    /* {[3, 0, 1]: 42, [3, 0]: {[2]: 21}} */
    expect_decode("/", "a2 83 03 00 01 18 2a 82 03 00 a1 81 02 15", two, 2, SL_ERR_END);
    /* {3: {[0, 1]: 42, 0: {2: 21}}} */
    expect_decode("/", "a1 03 a2 82 00 01 18 2a 00 a1 02 15", two, 2, SL_ERR_END);
    /* non-preferred heads are well-formed too */
    expect_decode("/", "b9 0001 19 0003 b8 01 19 0000 ba 00000001 01 18 2a", one, 1, SL_ERR_END);

    /* resource instances, four levels either way */
    const struct sl_record ri[] = { tr_rec("/3/0/7/1", sl_value_int(1)), tr_rec("/3/0/7/2", sl_value_int(2)) };
    expect_decode("/", "a1 03 a1 00 a1 07 a2 01 01 02 02", ri, 2, SL_ERR_END);
    expect_decode("/", "a2 84 03 00 07 01 01 83 03 00 07 a1 02 02", ri, 2, SL_ERR_END);
    expect_decode("/", "a2 82 03 00 a1 82 07 01 01 84 03 00 07 02 02", ri, 2, SL_ERR_END);

    /* any order; duplicates are the data model's business */
    const struct sl_record rev[] = { tr_rec("/3/0/2", sl_value_int(21)), tr_rec("/3/0/1", sl_value_int(42)),
                                     tr_rec("/3/0/2", sl_value_int(21)) };
    expect_decode("/", "a3 83 03 00 02 15 83 03 00 01 18 2a 83 03 00 02 15", rev, 3, SL_ERR_END);

    /* null, Time (tag 1), an object-level value, the largest ID */
    const struct sl_record misc[] = {
        tr_rec("/3/0", tr_val(SL_TYPE_NONE)),
        tr_rec("/3/1/13", sl_value_time(1367491215)),
        tr_rec("/3/1/14", sl_value_time(-1)),
        tr_rec("/65534", sl_value_int(1)),
    };
    expect_decode("/",
                  "a2 03 a2 00 f6 01 a2 0d c1 1a 5182428f 0e c1 20 19 fffe 01",
                  misc, 4, SL_ERR_END);

    /* empty maps carry nothing */
    expect_decode("/", "a0", NULL, 0, SL_ERR_END);
    expect_decode("/", "a1 03 a0", NULL, 0, SL_ERR_END);
    expect_decode("/", "a2 03 a1 00 a0 84 01 02 03 04 a0", NULL, 0, SL_ERR_END);
    const struct sl_record after[] = { tr_rec("/4/0/1", sl_value_int(1)) };
    expect_decode("/", "a2 03 a1 00 a0 04 a1 00 a1 01 01", after, 1, SL_ERR_END);
}

static void test_decode_base(void **state)
{
    (void)state;
    const struct sl_record one[] = { tr_rec("/3/0/1", sl_value_int(42)) };
    expect_decode("/3", "a1 83 03 00 01 18 2a", one, 1, SL_ERR_END);
    expect_decode("/3/0", "a1 83 03 00 01 18 2a", one, 1, SL_ERR_END);
    expect_decode("/3/0/1", "a1 83 03 00 01 18 2a", one, 1, SL_ERR_END);
    expect_error("/4", "a1 83 03 00 01 18 2a", SL_ERR_INVALID);
    expect_error("/3/1", "a1 83 03 00 01 18 2a", SL_ERR_INVALID);
    expect_error("/3/0/2", "a1 83 03 00 01 18 2a", SL_ERR_INVALID);
    expect_error("/3/0/1/0", "a1 83 03 00 01 18 2a", SL_ERR_INVALID);
    /* the second record is outside */
    expect_decode("/3/0", "a2 83 03 00 01 18 2a 83 03 01 01 18 2a", one, 1, SL_ERR_INVALID);
}

static void test_decode_errors(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        sl_err err;
    } cases[] = {
        /* payload shape */
        { "", SL_ERR_INVALID },
        { "00", SL_ERR_INVALID },
        { "80", SL_ERR_INVALID },
        { "f6", SL_ERR_INVALID },
        { "bf ff", SL_ERR_UNSUPPORTED },
        { "a1 9f 03 ff 01", SL_ERR_UNSUPPORTED },
        { "a1 03 bf 00 01 ff", SL_ERR_UNSUPPORTED },
        { "a1 83 03 00 01 7f 61 78 ff", SL_ERR_UNSUPPORTED },
        { "bb ffffffffffffffff 00", SL_ERR_INVALID },
        { "a1 7b ffffffffffffffff", SL_ERR_INVALID },
        /* keys */
        { "a1 61 33 01", SL_ERR_INVALID },
        { "a1 f9 3c00 01", SL_ERR_INVALID },
        { "a1 20 01", SL_ERR_INVALID },
        { "a1 f6 01", SL_ERR_INVALID },
        { "a1 a0 01", SL_ERR_INVALID },
        { "a1 80 01", SL_ERR_INVALID },
        { "a1 03 a1 80 01", SL_ERR_INVALID },
        { "a1 81 61 33 01", SL_ERR_INVALID },
        { "a1 82 03 81 00 01", SL_ERR_INVALID },
        { "a1 19 ffff 01", SL_ERR_INVALID },
        { "a1 1a 00010000 01", SL_ERR_INVALID },
        { "a1 82 03 19 ffff 01", SL_ERR_INVALID },
        { "a1 c1 03 01", SL_ERR_INVALID },
        /* paths longer than 4 */
        { "a1 85 01 02 03 04 05 06", SL_ERR_INVALID },
        { "a1 01 a1 02 a1 03 a1 04 a1 05 06", SL_ERR_INVALID },
        { "a1 83 01 02 03 a1 82 04 05 06", SL_ERR_INVALID },
        { "a1 84 01 02 03 04 a1 05 06", SL_ERR_INVALID },
        { "a1 84 01 02 03 04 a1 81 05 06", SL_ERR_INVALID },
        { "a1 01 a1 02 a1 03 a1 04 a1 05 a1 06 07", SL_ERR_INVALID },
        /* values */
        { "a1 83 03 00 01 80", SL_ERR_INVALID },
        { "a1 83 03 00 01 81 01", SL_ERR_INVALID },
        { "a1 83 03 00 01 f7", SL_ERR_INVALID },
        { "a1 83 03 00 01 f0", SL_ERR_INVALID },
        { "a1 83 03 00 01 f8 ff", SL_ERR_INVALID },
        { "a1 83 03 00 01 3b ffffffffffffffff", SL_ERR_RANGE },
        { "a1 83 03 00 01 c4 82 20 18 2d", SL_ERR_UNSUPPORTED }, /* decimal fraction */
        { "a1 83 03 00 01 c0 61 78", SL_ERR_UNSUPPORTED },       /* tag 0 */
        { "a1 83 03 00 01 c1 fb 41d452d9ec200000", SL_ERR_UNSUPPORTED }, /* float time */
        { "a1 83 03 00 01 c1 3b ffffffffffffffff", SL_ERR_RANGE },
        { "a1 83 03 00 01 c1 61 78", SL_ERR_UNSUPPORTED },
        { "a1 83 03 00 01 c1 c1 01", SL_ERR_UNSUPPORTED },
        { "a1 83 03 00 01 c1", SL_ERR_INVALID },
        /* truncated containers */
        { "a1", SL_ERR_INVALID },
        { "a1 83 03 00", SL_ERR_INVALID },
        { "a1 83 03 00 01", SL_ERR_INVALID },
        { "a1 03 a1", SL_ERR_INVALID },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_error("/", cases[k].hex, cases[k].err);

    /* errors after good records, and they stick */
    const struct sl_record one[] = { tr_rec("/3/0/1", sl_value_int(1)) };
    expect_decode("/", "a1 83 03 00 01 01 00", one, 1, SL_ERR_INVALID);   /* trailing */
    expect_decode("/", "a2 83 03 00 01 01 83 03", one, 1, SL_ERR_INVALID); /* cut */
    expect_decode("/", "a2 83 03 00 01 01 61 78 01", one, 1, SL_ERR_INVALID);
}

static void test_decode_truncated_every_byte(void **state)
{
    (void)state;
    uint8_t full[256];
    int n = test_hex("a3 01 a1 00 a2 01 19 012c 07 61 55"
                     " 82 03 00 a3 00 74 4f70656e204d6f62696c6520416c6c69616e6365"
                     "   07 a2 00 19 0ed8 01 fb 3ff199999999999a 0d c1 1a 5182428f"
                     " 84 04 00 00 00 f6",
                     full, sizeof full);
    assert_true(n > 0);
    struct sl_path root = tr_path("/");
    for (int cut = 0; cut <= n; cut++) {
        uint8_t *b = malloc((size_t)cut + 1);
        memcpy(b, full, (size_t)cut);
        struct sl_lwm2m_cbor_dec d;
        struct sl_record r;
        sl_lwm2m_cbor_dec_init(&d, &root, b, (size_t)cut);
        sl_err err;
        int recs = 0;
        while ((err = sl_lwm2m_cbor_dec_next(&d, &r)) == SL_OK)
            recs++;
        if (cut == n) {
            assert_int_equal(err, SL_ERR_END);
            assert_int_equal(recs, 7);
        } else {
            assert_int_equal(err, SL_ERR_INVALID);
            assert_true(recs < 7);
        }
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_instance),
        cmocka_unit_test(test_encode_composite),
        cmocka_unit_test(test_encode_types),
        cmocka_unit_test(test_encode_many),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_overflow_every_size),
        cmocka_unit_test(test_decode_key_forms),
        cmocka_unit_test(test_decode_base),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_truncated_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
