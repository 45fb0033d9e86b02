/* Opaque codec: the payload is one Opaque value. */
#include "test_util.h"

#include <string.h>

#include "codec/data.h"
#include "codec/opaque.h"

static struct sl_path P(int len, int o, int i, int r, int ri)
{
    return sl_path_make(len, (uint16_t)o, (uint16_t)i, (uint16_t)r, (uint16_t)ri);
}

static void test_encode(void **state)
{
    (void)state;
    static const uint8_t fw[] = { 0x00, 0xff, 0x10, 0x20 };
    uint8_t buf[16];
    struct sl_wbuf w;
    struct sl_opaque_enc e;
    struct sl_path base = P(3, 5, 0, 0, 0);
    struct sl_record r = { base, sl_value_opaque(fw, sizeof fw) };

    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_opaque_enc_begin(&e, &w, &base), SL_OK);
    assert_int_equal(sl_opaque_enc_record(&e, &r), SL_OK);
    assert_int_equal(sl_opaque_enc_end(&e), SL_OK);
    assert_hex_equal("00ff1020", buf, w.len);

    /* a second record, a non-opaque value, a multiple resource */
    assert_int_equal(sl_opaque_enc_record(&e, &r), SL_ERR_FORMAT);
    static const uint8_t types[] = { SL_TYPE_STRING, SL_TYPE_INT, SL_TYPE_UINT, SL_TYPE_FLOAT, SL_TYPE_BOOL,
                                     SL_TYPE_TIME, SL_TYPE_OBJLNK, SL_TYPE_CORELNK, SL_TYPE_NONE,
                                     SL_TYPE_RAW_TLV, SL_TYPE_RAW_TEXT };
    for (size_t i = 0; i < sizeof types; i++) {
        struct sl_record s = r;
        s.value.type = types[i];
        sl_wbuf_init(&w, buf, sizeof buf);
        sl_opaque_enc_begin(&e, &w, &base);
        assert_int_equal(sl_opaque_enc_record(&e, &s), SL_ERR_FORMAT);
        assert_int_equal(sl_opaque_enc_end(&e), SL_ERR_FORMAT);
    }
    struct sl_record ri = { P(4, 5, 0, 0, 1), sl_value_opaque(fw, 1) };
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_opaque_enc_begin(&e, &w, &base);
    assert_int_equal(sl_opaque_enc_record(&e, &ri), SL_ERR_FORMAT);
    struct sl_record other = { P(3, 5, 0, 1, 0), sl_value_opaque(fw, 1) };
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_opaque_enc_begin(&e, &w, &base);
    assert_int_equal(sl_opaque_enc_record(&e, &other), SL_ERR_INVALID);

    /* bases above a resource */
    for (int len = 0; len < 3; len++) {
        struct sl_path b = P(len, 5, 0, 0, 0);
        sl_wbuf_init(&w, buf, sizeof buf);
        assert_int_equal(sl_opaque_enc_begin(&e, &w, &b), SL_ERR_FORMAT);
        assert_int_equal(sl_opaque_enc_record(&e, &r), SL_ERR_FORMAT);
    }
    /* a resource-instance base works */
    struct sl_path rib = P(4, 5, 0, 0, 1);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_opaque_enc_begin(&e, &w, &rib), SL_OK);
    assert_int_equal(sl_opaque_enc_record(&e, &ri), SL_OK);
    assert_hex_equal("00", buf, w.len);

    /* overflow at every size: all or nothing */
    for (size_t cap = 0; cap < sizeof fw; cap++) {
        sl_wbuf_init(&w, buf, cap);
        sl_opaque_enc_begin(&e, &w, &base);
        assert_int_equal(sl_opaque_enc_record(&e, &r), SL_ERR_OVERFLOW);
        assert_int_equal(w.len, 0);
    }
}

static void test_decode(void **state)
{
    (void)state;
    static const uint8_t fw[] = { 1, 2, 3 };
    struct sl_opaque_dec d;
    struct sl_record r;
    struct sl_path base = P(3, 5, 0, 0, 0);
    sl_opaque_dec_init(&d, &base, fw, sizeof fw);
    assert_int_equal(sl_opaque_dec_next(&d, &r), SL_OK);
    assert_true(sl_path_equal(&r.path, &base));
    assert_int_equal(r.value.type, SL_TYPE_OPAQUE);
    assert_ptr_equal(r.value.v.bytes.ptr, fw);
    assert_int_equal(r.value.v.bytes.len, 3);
    assert_int_equal(sl_opaque_dec_next(&d, &r), SL_ERR_END);

    struct sl_path inst = P(2, 5, 0, 0, 0);
    sl_opaque_dec_init(&d, &inst, fw, sizeof fw);
    assert_int_equal(sl_opaque_dec_next(&d, &r), SL_ERR_FORMAT);

    sl_opaque_dec_init(&d, &base, NULL, 5);
    assert_int_equal(sl_opaque_dec_next(&d, &r), SL_OK);
    assert_int_equal(r.value.v.bytes.len, 0);
}

/* The data layer's Opaque (content-format 42) runs on the text coder's
 * state and code: it must answer exactly as the opaque coder does. */
static void test_data_dispatch(void **state)
{
    (void)state;
    static const uint8_t fw[] = { 0x00, 0xff, 0x10 };
    struct sl_path base = P(3, 5, 0, 0, 0);
    struct sl_record r = { base, { .type = SL_TYPE_OPAQUE, .v.bytes = { fw, sizeof fw } } };
    struct sl_record s = { base, { .type = SL_TYPE_STRING, .v.bytes = { fw, 1 } } };
    struct sl_record none = { base, { .type = SL_TYPE_NONE } };
    uint8_t buf[16], buf2[16];
    struct sl_wbuf w, w2;
    struct sl_data_enc e;
    struct sl_opaque_enc oe;
    const struct sl_record *recs[] = { &r, &s, &none };
    for (size_t k = 0; k < 3; k++) {
        sl_wbuf_init(&w, buf, sizeof buf);
        sl_wbuf_init(&w2, buf2, sizeof buf2);
        assert_int_equal(sl_data_enc_begin(&e, SL_FMT_OPAQUE, &w, &base), SL_OK);
        assert_int_equal(sl_opaque_enc_begin(&oe, &w2, &base), SL_OK);
        assert_int_equal(sl_data_enc_record(&e, recs[k]), sl_opaque_enc_record(&oe, recs[k]));
        assert_int_equal(sl_data_enc_end(&e), sl_opaque_enc_end(&oe));
        assert_int_equal(w.len, w2.len);
        assert_memory_equal(buf, buf2, w.len);
    }
    /* the value goes out as its bytes (text would write base64) */
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_data_enc_begin(&e, SL_FMT_OPAQUE, &w, &base);
    assert_int_equal(sl_data_enc_record(&e, &r), SL_OK);
    assert_int_equal(sl_data_enc_record(&e, &r), SL_ERR_FORMAT); /* one value only */
    assert_hex_equal("00ff10", buf, w.len);
    /* a base that is no resource */
    struct sl_path inst = P(2, 5, 0, 0, 0);
    assert_int_equal(sl_data_enc_begin(&e, SL_FMT_OPAQUE, &w, &inst), SL_ERR_FORMAT);

    struct sl_data_dec d;
    struct sl_record out;
    assert_int_equal(sl_data_dec_init(&d, SL_FMT_OPAQUE, &base, fw, sizeof fw), SL_OK);
    assert_int_equal(sl_data_dec_next(&d, &out), SL_OK);
    assert_true(sl_path_equal(&out.path, &base));
    assert_int_equal(out.value.type, SL_TYPE_OPAQUE);
    assert_ptr_equal(out.value.v.bytes.ptr, fw);
    assert_int_equal(out.value.v.bytes.len, sizeof fw);
    assert_int_equal(sl_data_dec_next(&d, &out), SL_ERR_END);
    assert_int_equal(sl_data_dec_init(&d, SL_FMT_OPAQUE, &inst, fw, sizeof fw), SL_OK);
    assert_int_equal(sl_data_dec_next(&d, &out), SL_ERR_FORMAT);
    /* and text still yields raw text from the same code */
    assert_int_equal(sl_data_dec_init(&d, SL_FMT_TEXT, &base, fw, sizeof fw), SL_OK);
    assert_int_equal(sl_data_dec_next(&d, &out), SL_OK);
    assert_int_equal(out.value.type, SL_TYPE_RAW_TEXT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_data_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
