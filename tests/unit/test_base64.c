/* Base64 (RFC 4648 section 10 test vectors, the LwM2M TS example) and the
 * strictness that keeps decoding one-to-one. */
#include "test_util.h"

#include <string.h>

#include "codec/base64.h"

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (size_t i = 0; i < 7; i++) {
        uint8_t buf[16];
        struct sl_wbuf w;
        sl_wbuf_init(&w, buf, sizeof buf);
        assert_int_equal(sl_base64_encode(&w, (const uint8_t *)plain[i], strlen(plain[i])), SL_OK);
        assert_int_equal(w.len, strlen(enc[i]));
        assert_int_equal(w.len, sl_base64_encoded_len(strlen(plain[i])));
        assert_memory_equal(buf, enc[i], w.len);
        uint8_t out[16];
        size_t n = 99;
        assert_int_equal(sl_base64_decode((const uint8_t *)enc[i], strlen(enc[i]), out, sizeof out, &n), SL_OK);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(out, plain[i], n);
    }
}

static void test_ts_example(void **state)
{
    (void)state;
    /* LwM2M TS Data Types appendix: {1,2,3,4,5} is "AQIDBAU=" */
    static const uint8_t bytes[] = { 1, 2, 3, 4, 5 };
    uint8_t buf[16];
    struct sl_wbuf w;
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_base64_encode(&w, bytes, 5), SL_OK);
    assert_memory_equal(buf, "AQIDBAU=", 8);
    uint8_t out[8];
    size_t n;
    assert_int_equal(sl_base64_decode(buf, 8, out, sizeof out, &n), SL_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, bytes, 5);
}

static void test_strict_decode(void **state)
{
    (void)state;
    static const char *bad[] = {
        "Z", "Zh==", "Zm9=", "Z===", "====", "Zg=", "Zg==Zg==", "Zm9v!", "-_8=", "Zm 9v",
        "Zm9v\n", "A", "AAAAA", "=AAA", "A=AA", "AA=A",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n;
        if (sl_base64_decode((const uint8_t *)bad[i], strlen(bad[i]), out, sizeof out, &n) != SL_ERR_INVALID)
            fail_msg("\"%s\" accepted", bad[i]);
    }
    /* missing padding is accepted */
    uint8_t out[8];
    size_t n;
    assert_int_equal(sl_base64_decode((const uint8_t *)"Zg", 2, out, sizeof out, &n), SL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(sl_base64_decode((const uint8_t *)"Zm8", 3, out, sizeof out, &n), SL_OK);
    assert_int_equal(n, 2);
}

static void test_bounds_and_in_place(void **state)
{
    (void)state;
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    for (size_t len = 0; len <= 256; len++) {
        uint8_t enc[400];
        struct sl_wbuf w;
        sl_wbuf_init(&w, enc, sl_base64_encoded_len(len));
        assert_int_equal(sl_base64_encode(&w, all, len), SL_OK);
        /* one byte short: nothing written */
        struct sl_wbuf w2;
        uint8_t tmp[400];
        if (len > 0) {
            sl_wbuf_init(&w2, tmp, sl_base64_encoded_len(len) - 1);
            assert_int_equal(sl_base64_encode(&w2, all, len), SL_ERR_OVERFLOW);
            assert_int_equal(w2.len, 0);
        }
        uint8_t out[256];
        size_t n;
        if (len > 0)
            assert_int_equal(sl_base64_decode(enc, w.len, out, len - 1, &n), SL_ERR_OVERFLOW);
        assert_int_equal(sl_base64_decode(enc, w.len, out, len, &n), SL_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, all, len);
        /* in place */
        assert_int_equal(sl_base64_decode(enc, w.len, enc, sizeof enc, &n), SL_OK);
        assert_int_equal(n, len);
        assert_memory_equal(enc, all, len);
    }
}

/* The whole alphabet in order (RFC 4648 table 1) is 48 bytes that encode
 * back to it; '+' and '/' are the values 62 and 63. Pins the mapping both
 * ways, not just a round trip. */
static void test_alphabet(void **state)
{
    (void)state;
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t bytes[48];
    size_t n;
    assert_int_equal(sl_base64_decode((const uint8_t *)abc, 64, bytes, sizeof bytes, &n), SL_OK);
    assert_int_equal(n, 48);
    static const uint8_t head[] = { 0x00, 0x10, 0x83 }, tail[] = { 0xf3, 0xdf, 0xbf };
    assert_memory_equal(bytes, head, 3);
    assert_memory_equal(bytes + 45, tail, 3);
    uint8_t enc[64];
    struct sl_wbuf w;
    sl_wbuf_init(&w, enc, sizeof enc);
    assert_int_equal(sl_base64_encode(&w, bytes, 48), SL_OK);
    assert_int_equal(w.len, 64);
    assert_memory_equal(enc, abc, 64);
    static const uint8_t top[] = { 0xfb, 0xff };
    sl_wbuf_init(&w, enc, sizeof enc);
    assert_int_equal(sl_base64_encode(&w, top, 2), SL_OK);
    assert_int_equal(w.len, 4);
    assert_memory_equal(enc, "+/8=", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_ts_example),
        cmocka_unit_test(test_strict_decode),
        cmocka_unit_test(test_bounds_and_in_place),
        cmocka_unit_test(test_alphabet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
