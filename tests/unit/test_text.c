/* Plain text codec: one value per payload, every type's text form, and
 * the rules on bases and record counts. */
#include "test_util.h"

#include <string.h>

#include "codec/text.h"

static struct sl_path P(int len, int o, int i, int r, int ri)
{
    return sl_path_make(len, (uint16_t)o, (uint16_t)i, (uint16_t)r, (uint16_t)ri);
}

/* Encode one record at base /3/0/r; returns the error and the text. */
static sl_err encode_one(struct sl_value v, char *out, size_t cap)
{
    uint8_t buf[128];
    struct sl_wbuf w;
    struct sl_text_enc e;
    struct sl_path base = P(3, 3, 0, 1, 0);
    struct sl_record r = { base, v };
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_err err = sl_text_enc_begin(&e, &w, &base);
    if (err == SL_OK)
        err = sl_text_enc_record(&e, &r);
    sl_err end = sl_text_enc_end(&e);
    assert_int_equal(end, err);
    assert_true(w.len < cap);
    memcpy(out, buf, w.len);
    out[w.len] = '\0';
    return err;
}

static void expect_text(struct sl_value v, const char *want)
{
    char got[128];
    assert_int_equal(encode_one(v, got, sizeof got), SL_OK);
    assert_string_equal(got, want);
}

static void test_value_forms(void **state)
{
    (void)state;
    expect_text(sl_value_string("Open Mobile Alliance", 20), "Open Mobile Alliance");
    expect_text(sl_value_string("", 0), "");
    expect_text(sl_value_int(-750), "-750"); /* the TS's integer example */
    expect_text(sl_value_int(INT64_MIN), "-9223372036854775808");
    expect_text(sl_value_uint(18), "18");
    expect_text(sl_value_uint(UINT64_MAX), "18446744073709551615");
    expect_text(sl_value_float(6.667e-11), "0.00000000006667");
    expect_text(sl_value_float(-0.5), "-0.5");
    expect_text(sl_value_bool(true), "1");
    expect_text(sl_value_bool(false), "0");
    expect_text(sl_value_time(1476186613), "1476186613");
    expect_text(sl_value_objlnk(3, 0), "3:0");
    expect_text(sl_value_objlnk(65535, 65535), "65535:65535");
    static const uint8_t five[] = { 1, 2, 3, 4, 5 };
    expect_text(sl_value_opaque(five, 5), "AQIDBAU=");
    struct sl_value link = sl_value_string("</3303/0/5700>;gt=23", 20);
    link.type = SL_TYPE_CORELNK;
    expect_text(link, "</3303/0/5700>;gt=23");

    char got[64];
    uint64_t inf = UINT64_C(0x7FF0000000000000);
    double d;
    memcpy(&d, &inf, sizeof d);
    assert_int_equal(encode_one(sl_value_float(d), got, sizeof got), SL_ERR_RANGE);
    struct sl_value raw = { .type = SL_TYPE_RAW_TEXT };
    assert_int_equal(encode_one(raw, got, sizeof got), SL_ERR_TYPE);
    raw.type = SL_TYPE_RAW_TLV;
    assert_int_equal(encode_one(raw, got, sizeof got), SL_ERR_TYPE);
    raw.type = SL_TYPE_NONE;
    assert_int_equal(encode_one(raw, got, sizeof got), SL_ERR_FORMAT);
}

static void test_encoder_rules(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct sl_wbuf w;
    struct sl_text_enc e;
    /* only resource and resource-instance bases */
    for (int len = 0; len <= 4; len++) {
        struct sl_path base = P(len, 3, 0, 1, 2);
        sl_wbuf_init(&w, buf, sizeof buf);
        sl_err want = (len >= 3) ? SL_OK : SL_ERR_FORMAT;
        assert_int_equal(sl_text_enc_begin(&e, &w, &base), want);
        struct sl_record r = { base, sl_value_int(7) };
        assert_int_equal(sl_text_enc_record(&e, &r), want);
        assert_int_equal(sl_text_enc_end(&e), want);
        if (want == SL_OK)
            assert_memory_equal(buf, "7", w.len);
    }
    struct sl_path base = P(3, 3, 0, 7, 0);
    struct sl_record one = { base, sl_value_int(1) };
    /* a second record */
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_text_enc_begin(&e, &w, &base);
    assert_int_equal(sl_text_enc_record(&e, &one), SL_OK);
    assert_int_equal(sl_text_enc_record(&e, &one), SL_ERR_FORMAT);
    assert_int_equal(sl_text_enc_end(&e), SL_ERR_FORMAT);
    /* a resource instance below a resource base: the resource is multiple */
    struct sl_record ri = { P(4, 3, 0, 7, 0), sl_value_int(1) };
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_text_enc_begin(&e, &w, &base);
    assert_int_equal(sl_text_enc_record(&e, &ri), SL_ERR_FORMAT);
    /* outside the base */
    struct sl_record other = { P(3, 3, 0, 8, 0), sl_value_int(1) };
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_text_enc_begin(&e, &w, &base);
    assert_int_equal(sl_text_enc_record(&e, &other), SL_ERR_INVALID);
    /* no record: empty payload */
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_text_enc_begin(&e, &w, &base);
    assert_int_equal(sl_text_enc_end(&e), SL_OK);
    assert_int_equal(w.len, 0);
}

static void test_overflow_every_size(void **state)
{
    (void)state;
    static const uint8_t bytes[] = { 0xde, 0xad, 0xbe, 0xef, 0x00 };
    struct sl_value vals[] = {
        sl_value_string("hello", 5), sl_value_int(-123456), sl_value_uint(42),
        sl_value_float(3.14159), sl_value_objlnk(1234, 5), sl_value_opaque(bytes, 5),
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char full[64];
        assert_int_equal(encode_one(vals[i], full, sizeof full), SL_OK);
        size_t need = strlen(full);
        for (size_t cap = 0; cap <= need; cap++) {
            uint8_t buf[64];
            memset(buf, 0x5A, sizeof buf);
            struct sl_wbuf w;
            struct sl_text_enc e;
            struct sl_path base = P(3, 3, 0, 1, 0);
            struct sl_record r = { base, vals[i] };
            sl_wbuf_init(&w, buf, cap);
            sl_text_enc_begin(&e, &w, &base);
            sl_err err = sl_text_enc_record(&e, &r);
            if (cap < need) {
                assert_int_equal(err, SL_ERR_OVERFLOW);
                assert_int_equal(w.len, 0); /* all or nothing */
            } else {
                assert_int_equal(err, SL_OK);
                assert_memory_equal(buf, full, need);
            }
            for (size_t k = cap; k < sizeof buf; k++)
                assert_int_equal(buf[k], 0x5A);
        }
    }
}

static void test_decoder(void **state)
{
    (void)state;
    struct sl_text_dec d;
    struct sl_record r;
    struct sl_path base = P(3, 3, 0, 9, 0);
    const uint8_t text[] = "100";
    sl_text_dec_init(&d, &base, text, 3);
    assert_int_equal(sl_text_dec_next(&d, &r), SL_OK);
    assert_true(sl_path_equal(&r.path, &base));
    assert_int_equal(r.value.type, SL_TYPE_RAW_TEXT);
    assert_int_equal(r.value.v.bytes.len, 3);
    assert_memory_equal(r.value.v.bytes.ptr, "100", 3);
    assert_int_equal(sl_text_dec_next(&d, &r), SL_ERR_END);
    assert_int_equal(sl_text_dec_next(&d, &r), SL_ERR_END);

    /* empty payload: one empty value */
    struct sl_path ri = P(4, 3, 0, 7, 1);
    sl_text_dec_init(&d, &ri, NULL, 0);
    assert_int_equal(sl_text_dec_next(&d, &r), SL_OK);
    assert_true(sl_path_equal(&r.path, &ri));
    assert_int_equal(r.value.v.bytes.len, 0);
    assert_int_equal(sl_text_dec_next(&d, &r), SL_ERR_END);

    /* instance and object bases cannot take text */
    for (int len = 0; len < 3; len++) {
        struct sl_path b = P(len, 3, 0, 0, 0);
        sl_text_dec_init(&d, &b, text, 3);
        assert_int_equal(sl_text_dec_next(&d, &r), SL_ERR_FORMAT);
        assert_int_equal(sl_text_dec_next(&d, &r), SL_ERR_FORMAT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_encoder_rules),
        cmocka_unit_test(test_overflow_every_size),
        cmocka_unit_test(test_decoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
