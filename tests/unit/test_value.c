/* sl_value_convert: every cell of the conversion matrix (value.h), then the
 * range and malformed-input edges of each allowed conversion. */
#include "test_util.h"

#include <string.h>

#include "codec/value.h"

#define NTYPES (SL_TYPE_RAW_TEXT + 1)

static struct sl_value raw(uint8_t type, const char *bytes, size_t len)
{
    struct sl_value v = { .type = type, .v.bytes = { (const uint8_t *)bytes, len } };
    return v;
}

static struct sl_value typed(uint8_t type)
{
    switch (type) {
    case SL_TYPE_STRING: return sl_value_string("3:0", 3);
    case SL_TYPE_INT: return sl_value_int(5);
    case SL_TYPE_UINT: return sl_value_uint(5);
    case SL_TYPE_FLOAT: return sl_value_float(5.0);
    case SL_TYPE_BOOL: return sl_value_bool(true);
    case SL_TYPE_OPAQUE: return sl_value_opaque((const uint8_t *)"\x01", 1);
    case SL_TYPE_TIME: return sl_value_time(5);
    case SL_TYPE_OBJLNK: return sl_value_objlnk(3, 0);
    case SL_TYPE_CORELNK: return raw(SL_TYPE_CORELNK, "</3>", 4);
    case SL_TYPE_RAW_TLV: return raw(SL_TYPE_RAW_TLV, "\x01", 1);
    case SL_TYPE_RAW_TEXT: return raw(SL_TYPE_RAW_TEXT, "1", 1);
    default: {
        struct sl_value v = { .type = SL_TYPE_NONE };
        return v;
    }
    }
}

/* 1 where value.h allows the conversion (for the sample values above) */
static const uint8_t allowed[NTYPES][NTYPES] = {
    /*                 NONE STR INT UINT FLT BOOL OPQ TIME OBJ CORE RTLV RTXT */
    [SL_TYPE_NONE] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    [SL_TYPE_STRING] = { 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0 },
    [SL_TYPE_INT] = { 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0 },
    [SL_TYPE_UINT] = { 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0 },
    [SL_TYPE_FLOAT] = { 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 },
    [SL_TYPE_BOOL] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 },
    [SL_TYPE_OPAQUE] = { 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 },
    [SL_TYPE_TIME] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 },
    [SL_TYPE_OBJLNK] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
    [SL_TYPE_CORELNK] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
    /* one TLV byte 01: not a FLOAT (4/8) nor an OBJLNK (4) */
    [SL_TYPE_RAW_TLV] = { 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0 },
    /* text "1": not base64 (one character), not "oid:iid" */
    [SL_TYPE_RAW_TEXT] = { 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1 },
};

static void test_matrix(void **state)
{
    (void)state;
    for (uint8_t from = 0; from < NTYPES; from++) {
        for (uint8_t to = 0; to < NTYPES; to++) {
            struct sl_value in = typed(from), out;
            memset(&out, 0xEE, sizeof out);
            sl_err err = sl_value_convert(&in, to, &out);
            if (allowed[from][to]) {
                if (err != SL_OK)
                    fail_msg("%d -> %d: %d", from, to, err);
                assert_int_equal(out.type, to);
            } else {
                if (err != SL_ERR_TYPE)
                    fail_msg("%d -> %d: %d, want SL_ERR_TYPE", from, to, err);
                assert_int_equal(out.type, 0xEE); /* untouched */
            }
        }
    }
    /* the cells that need other sample bytes */
    struct sl_value out;
    struct sl_value tlv4 = raw(SL_TYPE_RAW_TLV, "\x42\x28\x00\x00", 4);
    assert_int_equal(sl_value_convert(&tlv4, SL_TYPE_FLOAT, &out), SL_OK);
    assert_true(out.v.f == 42.0);
    assert_int_equal(sl_value_convert(&tlv4, SL_TYPE_OBJLNK, &out), SL_OK);
    assert_int_equal(out.v.objlnk.oid, 0x4228);
    assert_int_equal(out.v.objlnk.iid, 0);
    struct sl_value text = raw(SL_TYPE_RAW_TEXT, "3:0", 3);
    assert_int_equal(sl_value_convert(&text, SL_TYPE_OBJLNK, &out), SL_OK);
    assert_int_equal(out.v.objlnk.oid, 3);
    uint8_t scratch[8];
    struct sl_value b64 = raw(SL_TYPE_RAW_TEXT, "AQIDBAU=", 8);
    assert_int_equal(sl_value_convert_buf(&b64, SL_TYPE_OPAQUE, &out, scratch, sizeof scratch), SL_OK);
    assert_int_equal(out.type, SL_TYPE_OPAQUE);
    assert_ptr_equal(out.v.bytes.ptr, scratch);
    assert_hex_equal("0102030405", out.v.bytes.ptr, out.v.bytes.len);
    /* without room to decode into */
    assert_int_equal(sl_value_convert(&b64, SL_TYPE_OPAQUE, &out), SL_ERR_OVERFLOW);
    assert_int_equal(sl_value_convert_buf(&b64, SL_TYPE_OPAQUE, &out, scratch, 4), SL_ERR_OVERFLOW);
    struct sl_value empty = raw(SL_TYPE_RAW_TEXT, "", 0);
    assert_int_equal(sl_value_convert(&empty, SL_TYPE_OPAQUE, &out), SL_OK);
    assert_int_equal(out.v.bytes.len, 0);
}

static void test_values_carried(void **state)
{
    (void)state;
    struct sl_value out;
    struct sl_value v = sl_value_int(-5);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_FLOAT, &out), SL_OK);
    assert_true(out.v.f == -5.0);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_TIME, &out), SL_OK);
    assert_true(out.v.i == -5);
    v = sl_value_uint(UINT64_MAX);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_FLOAT, &out), SL_OK);
    assert_true(out.v.f == 18446744073709551616.0);
    v = sl_value_float(-3.0);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_OK);
    assert_true(out.v.i == -3);
    v = sl_value_string("65535:65535", 11);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_OBJLNK, &out), SL_OK);
    assert_int_equal(out.v.objlnk.oid, 65535);
    assert_int_equal(out.v.objlnk.iid, 65535);
    v = sl_value_string("</1/0>", 6);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_CORELNK, &out), SL_OK);
    assert_int_equal(out.v.bytes.len, 6);
    /* in place */
    v = sl_value_uint(7);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &v), SL_OK);
    assert_int_equal(v.type, SL_TYPE_INT);
    assert_true(v.v.i == 7);
    /* identity keeps everything */
    v = sl_value_opaque((const uint8_t *)"ab", 2);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_OPAQUE, &out), SL_OK);
    assert_ptr_equal(out.v.bytes.ptr, v.v.bytes.ptr);
}

static void test_ranges(void **state)
{
    (void)state;
    struct sl_value out, v;
    v = sl_value_int(-1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_ERR_RANGE);
    v = sl_value_int(INT64_MAX);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_OK);
    v = sl_value_uint((uint64_t)INT64_MAX + 1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_ERR_RANGE);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_TIME, &out), SL_ERR_RANGE);
    v = sl_value_uint(INT64_MAX);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_OK);
    assert_true(out.v.i == INT64_MAX);

    static const struct {
        double f;
        uint8_t to;
        sl_err err;
    } fl[] = {
        { 1.5, SL_TYPE_INT, SL_ERR_TYPE },
        { 1.5, SL_TYPE_UINT, SL_ERR_TYPE },
        { -0.5, SL_TYPE_UINT, SL_ERR_TYPE },
        { -0.0, SL_TYPE_UINT, SL_OK },
        { -1.0, SL_TYPE_UINT, SL_ERR_RANGE },
        { 1e19, SL_TYPE_INT, SL_ERR_RANGE },
        { 1e19, SL_TYPE_UINT, SL_OK },
        { 9223372036854775808.0, SL_TYPE_INT, SL_ERR_RANGE },
        { -9223372036854775808.0, SL_TYPE_INT, SL_OK },
        { 18446744073709551616.0, SL_TYPE_UINT, SL_ERR_RANGE },
        { 18446744073709549568.0, SL_TYPE_UINT, SL_OK },
        { 1e300, SL_TYPE_INT, SL_ERR_RANGE },
    };
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        v = sl_value_float(fl[i].f);
        if (sl_value_convert(&v, fl[i].to, &out) != fl[i].err)
            fail_msg("%.17g -> %d", fl[i].f, fl[i].to);
    }
    uint64_t bits = UINT64_C(0x7FF8000000000000);
    memcpy(&v.v.f, &bits, sizeof bits);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_ERR_TYPE);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_ERR_TYPE);
    bits = UINT64_C(0xFFF0000000000000);
    memcpy(&v.v.f, &bits, sizeof bits);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_ERR_RANGE);
    v = sl_value_float(1e19);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_OK);
    assert_true(out.v.u == UINT64_C(10000000000000000000));
}

static void test_raw_tlv_edges(void **state)
{
    (void)state;
    struct sl_value out, v;
    v = raw(SL_TYPE_RAW_TLV, "\xff", 1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_OK);
    assert_true(out.v.i == -1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_OK);
    assert_true(out.v.u == 255);
    v = raw(SL_TYPE_RAW_TLV, "\x01\x02\x03", 3);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_INT, &out), SL_ERR_TYPE);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_TIME, &out), SL_ERR_TYPE);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_OK);
    assert_true(out.v.u == 0x010203);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_FLOAT, &out), SL_ERR_TYPE);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_BOOL, &out), SL_ERR_TYPE);
    v = raw(SL_TYPE_RAW_TLV, "\x02", 1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_BOOL, &out), SL_ERR_TYPE);
    v = raw(SL_TYPE_RAW_TLV, "\x00", 1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_BOOL, &out), SL_OK);
    assert_false(out.v.b);
    v = raw(SL_TYPE_RAW_TLV, "", 0);
    static const uint8_t none_ok[] = { SL_TYPE_INT, SL_TYPE_UINT, SL_TYPE_FLOAT, SL_TYPE_BOOL, SL_TYPE_TIME,
                                       SL_TYPE_OBJLNK };
    for (size_t i = 0; i < sizeof none_ok; i++)
        assert_int_equal(sl_value_convert(&v, none_ok[i], &out), SL_ERR_TYPE);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_STRING, &out), SL_OK);
    assert_int_equal(out.v.bytes.len, 0);
    v = raw(SL_TYPE_RAW_TLV, "\x00\x00\x00\x00\x00\x00\x00\x00\x01", 9);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_UINT, &out), SL_ERR_TYPE);
    v = raw(SL_TYPE_RAW_TLV, "\x3f\xf1\x99\x99\x99\x99\x99\x9a", 8);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_FLOAT, &out), SL_OK);
    assert_true(out.v.f == 1.1);
}

static void test_raw_text_edges(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint8_t to;
        sl_err err;
    } cases[] = {
        { "-750", SL_TYPE_INT, SL_OK },
        { "9223372036854775808", SL_TYPE_INT, SL_ERR_RANGE },
        { "1.0", SL_TYPE_INT, SL_ERR_TYPE },
        { "abc", SL_TYPE_INT, SL_ERR_TYPE },
        { "", SL_TYPE_INT, SL_ERR_TYPE },
        { "18", SL_TYPE_UINT, SL_OK },
        { "-1", SL_TYPE_UINT, SL_ERR_RANGE },
        { "18446744073709551616", SL_TYPE_UINT, SL_ERR_RANGE },
        { "1476186613", SL_TYPE_TIME, SL_OK },
        { "-5", SL_TYPE_TIME, SL_OK },
        { "0.00000000006667", SL_TYPE_FLOAT, SL_OK },
        { "1e999", SL_TYPE_FLOAT, SL_ERR_RANGE },
        { "nan", SL_TYPE_FLOAT, SL_ERR_TYPE },
        { "0", SL_TYPE_BOOL, SL_OK },
        { "2", SL_TYPE_BOOL, SL_ERR_TYPE },
        { "true", SL_TYPE_BOOL, SL_ERR_TYPE },
        { "01", SL_TYPE_BOOL, SL_ERR_TYPE },
        { "65535:65535", SL_TYPE_OBJLNK, SL_OK },
        { "65536:0", SL_TYPE_OBJLNK, SL_ERR_TYPE },
        { "3", SL_TYPE_OBJLNK, SL_ERR_TYPE },
        { "3:0:1", SL_TYPE_OBJLNK, SL_ERR_TYPE },
        { "AQ", SL_TYPE_OPAQUE, SL_OK },
        { "A!==", SL_TYPE_OPAQUE, SL_ERR_TYPE },
        { "anything", SL_TYPE_STRING, SL_OK },
        { "</3/0>;obs", SL_TYPE_CORELNK, SL_OK },
    };
    uint8_t scratch[16];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sl_value v = raw(SL_TYPE_RAW_TEXT, cases[i].s, strlen(cases[i].s)), out;
        sl_err err = sl_value_convert_buf(&v, cases[i].to, &out, scratch, sizeof scratch);
        if (err != cases[i].err)
            fail_msg("\"%s\" -> %d: %d", cases[i].s, cases[i].to, err);
    }
    struct sl_value v = raw(SL_TYPE_RAW_TEXT, "x", 1), out;
    v = sl_value_string("x", 1);
    assert_int_equal(sl_value_convert(&v, SL_TYPE_OBJLNK, &out), SL_ERR_TYPE);
}

static void test_constructors(void **state)
{
    (void)state;
    struct sl_value v = sl_value_int(-2);
    assert_int_equal(v.type, SL_TYPE_INT);
    assert_true(v.v.i == -2);
    v = sl_value_uint(3);
    assert_int_equal(v.type, SL_TYPE_UINT);
    assert_true(v.v.u == 3);
    v = sl_value_float(0.25);
    assert_int_equal(v.type, SL_TYPE_FLOAT);
    assert_true(v.v.f == 0.25);
    v = sl_value_bool(true);
    assert_int_equal(v.type, SL_TYPE_BOOL);
    assert_true(v.v.b);
    v = sl_value_time(1700000000);
    assert_int_equal(v.type, SL_TYPE_TIME);
    assert_true(v.v.i == 1700000000);
    v = sl_value_string("abc", 3);
    assert_int_equal(v.type, SL_TYPE_STRING);
    assert_int_equal(v.v.bytes.len, 3);
    assert_memory_equal(v.v.bytes.ptr, "abc", 3);
    static const uint8_t o[] = { 9 };
    v = sl_value_opaque(o, 1);
    assert_int_equal(v.type, SL_TYPE_OPAQUE);
    assert_ptr_equal(v.v.bytes.ptr, o);
    v = sl_value_objlnk(7, 8);
    assert_int_equal(v.type, SL_TYPE_OBJLNK);
    assert_int_equal(v.v.objlnk.oid, 7);
    assert_int_equal(v.v.objlnk.iid, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_values_carried),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_raw_tlv_edges),
        cmocka_unit_test(test_raw_text_edges),
        cmocka_unit_test(test_constructors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
