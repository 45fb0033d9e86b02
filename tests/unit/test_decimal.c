/* Decimal text <-> numbers without printf/strtod: exact round trips,
 * correctly rounded parsing, strict syntax. glibc's strtod is the
 * reference here (tests may use the host's C library). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/decimal.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static sl_err parse_str(const char *s, double *out)
{
    return sl_dec_parse_double((const uint8_t *)s, strlen(s), out);
}

static void format_str(double v, char *out)
{
    size_t n;
    assert_int_equal(sl_dec_format_double(v, out, &n), SL_OK);
    assert_true(n <= SL_DEC_DOUBLE_MAX);
    out[n] = '\0';
}

/* format, check the length bound, parse back with ours and with strtod */
static void check_roundtrip(double v)
{
    char s[SL_DEC_DOUBLE_MAX + 1];
    format_str(v, s);
    double back;
    assert_int_equal(parse_str(s, &back), SL_OK);
    if (to_bits(back) != to_bits(v))
        fail_msg("%.17g formatted as %s reads back as %.17g", v, s, back);
    double ref = strtod(s, NULL);
    if (to_bits(ref) != to_bits(v))
        fail_msg("%.17g formatted as %s, strtod reads %.17g", v, s, ref);
}

static void test_int_format(void **state)
{
    (void)state;
    char s[SL_DEC_INT_MAX + 1];
    size_t n = sl_dec_format_i64(0, s);
    assert_memory_equal(s, "0", n);
    n = sl_dec_format_i64(-750, s);
    assert_int_equal(n, 4);
    assert_memory_equal(s, "-750", 4);
    n = sl_dec_format_i64(INT64_MIN, s);
    assert_int_equal(n, 20);
    assert_memory_equal(s, "-9223372036854775808", 20);
    n = sl_dec_format_i64(INT64_MAX, s);
    assert_memory_equal(s, "9223372036854775807", n);
    n = sl_dec_format_u64(UINT64_MAX, s);
    assert_int_equal(n, 20);
    assert_memory_equal(s, "18446744073709551615", 20);
}

static void test_int_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        sl_err err;
        int64_t v;
    } i64[] = {
        { "0", SL_OK, 0 },
        { "-0", SL_OK, 0 },
        { "+5", SL_OK, 5 },
        { "007", SL_OK, 7 },
        { "-750", SL_OK, -750 },
        { "9223372036854775807", SL_OK, INT64_MAX },
        { "-9223372036854775808", SL_OK, INT64_MIN },
        { "9223372036854775808", SL_ERR_RANGE, 0 },
        { "-9223372036854775809", SL_ERR_RANGE, 0 },
        { "99999999999999999999999", SL_ERR_RANGE, 0 },
        { "99999999999999999999999x", SL_ERR_INVALID, 0 },
        { "", SL_ERR_INVALID, 0 },
        { "-", SL_ERR_INVALID, 0 },
        { "+", SL_ERR_INVALID, 0 },
        { "1a", SL_ERR_INVALID, 0 },
        { " 1", SL_ERR_INVALID, 0 },
        { "1 ", SL_ERR_INVALID, 0 },
        { "1.0", SL_ERR_INVALID, 0 },
        { "1e3", SL_ERR_INVALID, 0 },
        { "--1", SL_ERR_INVALID, 0 },
        { "0x10", SL_ERR_INVALID, 0 },
    };
    for (size_t i = 0; i < sizeof i64 / sizeof i64[0]; i++) {
        int64_t v = 12345;
        sl_err err = sl_dec_parse_i64((const uint8_t *)i64[i].s, strlen(i64[i].s), &v);
        if (err != i64[i].err)
            fail_msg("\"%s\": err %d", i64[i].s, err);
        if (err == SL_OK)
            assert_true(v == i64[i].v);
        else
            assert_true(v == 12345);
    }
    static const struct {
        const char *s;
        sl_err err;
        uint64_t v;
    } u64[] = {
        { "0", SL_OK, 0 },
        { "-0", SL_OK, 0 },
        { "+18", SL_OK, 18 },
        { "18446744073709551615", SL_OK, UINT64_MAX },
        { "18446744073709551616", SL_ERR_RANGE, 0 },
        { "-1", SL_ERR_RANGE, 0 },
        { "", SL_ERR_INVALID, 0 },
        { "1-", SL_ERR_INVALID, 0 },
    };
    for (size_t i = 0; i < sizeof u64 / sizeof u64[0]; i++) {
        uint64_t v = 0;
        sl_err err = sl_dec_parse_u64((const uint8_t *)u64[i].s, strlen(u64[i].s), &v);
        if (err != u64[i].err)
            fail_msg("\"%s\": err %d", u64[i].s, err);
        if (err == SL_OK)
            assert_true(v == u64[i].v);
    }
    /* no NUL needed: the length bounds the parse */
    int64_t v;
    assert_int_equal(sl_dec_parse_i64((const uint8_t *)"123456", 3, &v), SL_OK);
    assert_int_equal(v, 123);
    /* every int64 round trip on random values */
    for (int i = 0; i < 20000; i++) {
        int64_t x = (int64_t)next_rand() >> (next_rand() % 64);
        char s[SL_DEC_INT_MAX];
        size_t n = sl_dec_format_i64(x, s);
        assert_int_equal(sl_dec_parse_i64((const uint8_t *)s, n, &v), SL_OK);
        assert_true(v == x);
    }
}

static void test_double_format(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *s;
    } cases[] = {
        { 0.0, "0" },
        { -0.0, "-0" },
        { 1.0, "1" },
        { 1.1, "1.1" },
        { 0.1, "0.1" },
        { 0.3, "0.3" },
        { -273.15, "-273.15" },
        { 23.5, "23.5" },
        { 123456.789, "123456.789" },
        { 100.0, "100" },
        { 1e20, "100000000000000000000" },
        { 1e21, "1e21" },
        { 1e300, "1e300" },
        { 6.667e-11, "0.00000000006667" }, /* the TS's own example */
        { 1e-12, "0.000000000001" },
        { 1e-13, "1e-13" },
        { 5e-324, "5e-324" },
        { 2.2250738585072014e-308, "2.2250738585072014e-308" },
        { 1.7976931348623157e308, "1.7976931348623157e308" },
        { 3.4028234663852886e+38, "3.4028234663852886e38" },
        { 9007199254740992.0, "9007199254740992" },
        { 2.0 / 3.0, "0.6666666666666666" },
        { -1.5e-7, "-0.00000015" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[SL_DEC_DOUBLE_MAX + 1];
        format_str(cases[i].v, s);
        if (strcmp(s, cases[i].s) != 0)
            fail_msg("%.17g: got %s want %s", cases[i].v, s, cases[i].s);
        check_roundtrip(cases[i].v);
    }
    char s[SL_DEC_DOUBLE_MAX];
    size_t n = 99;
    assert_int_equal(sl_dec_format_double(from_bits(UINT64_C(0x7FF8000000000000)), s, &n), SL_ERR_RANGE);
    assert_int_equal(sl_dec_format_double(from_bits(UINT64_C(0x7FF0000000000000)), s, &n), SL_ERR_RANGE);
    assert_int_equal(sl_dec_format_double(from_bits(UINT64_C(0xFFF0000000000000)), s, &n), SL_ERR_RANGE);
}

static void test_double_roundtrip_many(void **state)
{
    (void)state;
    /* random bit patterns cover every exponent, subnormals included */
    for (int i = 0; i < 20000; i++) {
        double v = from_bits(next_rand());
        if (((to_bits(v) >> 52) & 0x7FF) == 0x7FF)
            continue;
        check_roundtrip(v);
    }
    /* sensor-like values with few digits */
    for (int i = 0; i < 20000; i++) {
        double v = (double)(int64_t)(next_rand() % 2000001 - 1000000) / 100.0;
        check_roundtrip(v);
        char s[SL_DEC_DOUBLE_MAX + 1];
        format_str(v, s);
        /* shortest: no more digits than %.*g needs to round-trip */
        char ref[40];
        for (int p = 1; p <= 17; p++) {
            snprintf(ref, sizeof ref, "%.*g", p, v);
            if (strtod(ref, NULL) == v)
                break;
        }
        double a = strtod(s, NULL), b = strtod(ref, NULL);
        assert_true(a == b);
        assert_true(strlen(s) <= strlen(ref) + 2); /* positional vs %g layout */
    }
    /* neighbours of powers of two and ten, and of the format boundaries */
    for (int e = -1074; e <= 1023; e += 7) {
        double v = from_bits((uint64_t)(e + 1075 > 0 ? e + 1075 : 0) << 52);
        if (v == 0)
            continue;
        check_roundtrip(v);
        check_roundtrip(from_bits(to_bits(v) + 1));
        check_roundtrip(from_bits(to_bits(v) - 1));
    }
}

static void test_double_parse(void **state)
{
    (void)state;
    static const char *good[] = {
        "1", "1.5", "-2.5e3", ".5", "5.", "1E5", "+1", "0.000", "1e-5", "1e+5", "123456.789",
        "0.1", "3.4028234663852886e+38", "5e-324", "2.4703282292062328e-324", "4.9e-324",
        "1.7976931348623157e308", "0.00000000006667", "00012.5000", "9007199254740993",
        "12345678901234567890123456789012345678901234567890", "1e-400",
        "0.0000000000000000000000000000000000000000000000000000001e-268",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v;
        if (parse_str(good[i], &v) != SL_OK)
            fail_msg("\"%s\" rejected", good[i]);
        double ref = strtod(good[i], NULL);
        if (to_bits(v) != to_bits(ref))
            fail_msg("\"%s\": %.17g, strtod %.17g", good[i], v, ref);
    }
    double v;
    assert_int_equal(parse_str("-0", &v), SL_OK);
    assert_true(to_bits(v) == UINT64_C(0x8000000000000000));
    assert_int_equal(parse_str("-1e-400", &v), SL_OK);
    assert_true(to_bits(v) == UINT64_C(0x8000000000000000));
    assert_int_equal(parse_str("1e400", &v), SL_ERR_RANGE);
    assert_int_equal(parse_str("-1.7976931348623159e308", &v), SL_ERR_RANGE);
    assert_int_equal(parse_str("1e99999999999999999999", &v), SL_ERR_RANGE);
    assert_int_equal(parse_str("1e-99999999999999999999", &v), SL_OK);
    assert_true(v == 0);

    static const char *bad[] = {
        "", "-", "+", ".", "e5", "1e", "1e+", "1e-", "1.2.3", "inf", "-inf", "nan", "NaN",
        "0x10", " 1", "1 ", "1,5", "--1", "1e5.0", "1..2", "+-1", "1e--1", "١",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 42;
        if (parse_str(bad[i], &v) != SL_ERR_INVALID)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_true(v == 42);
    }
}

static void test_double_parse_exact(void **state)
{
    (void)state;
    char s[80];
    /* every power of ten in range, and just outside it */
    for (int k = -340; k <= 310; k++) {
        snprintf(s, sizeof s, "1e%d", k);
        double v, ref = strtod(s, NULL);
        sl_err err = parse_str(s, &v);
        if (k > 308) {
            assert_int_equal(err, SL_ERR_RANGE);
            continue;
        }
        assert_int_equal(err, SL_OK);
        if (to_bits(v) != to_bits(ref))
            fail_msg("%s: %.17g, strtod %.17g", s, v, ref);
    }
    /* random decimal strings of up to 40 digits */
    for (int i = 0; i < 20000; i++) {
        int k = 0, nd = 1 + (int)(next_rand() % 40);
        if (next_rand() & 1)
            s[k++] = '-';
        for (int j = 0; j < nd; j++)
            s[k++] = (char)('0' + next_rand() % 10);
        if (next_rand() & 1) {
            int at = 1 + (int)(next_rand() % (unsigned)k);
            memmove(s + at + 1, s + at, (size_t)(k - at));
            s[at] = '.';
            k++;
            if (s[0] == '-' && at == 1)
                s[at] = '0'; /* keep "-.5" out; tested elsewhere */
        }
        k += snprintf(s + k, sizeof s - (size_t)k, "e%d", (int)(next_rand() % 700) - 360);
        double v, ref = strtod(s, NULL);
        sl_err err = parse_str(s, &v);
        if (ref > 1.7976931348623157e308 || ref < -1.7976931348623157e308) {
            assert_int_equal(err, SL_ERR_RANGE);
            continue;
        }
        if (err != SL_OK || to_bits(v) != to_bits(ref))
            fail_msg("%s: err %d, %.17g, strtod %.17g", s, err, v, ref);
    }
    /* exact halfway cases between doubles, which must round to even */
    for (int i = 0; i < 5000; i++) {
        uint64_t m = (UINT64_C(1) << 52) | (next_rand() & ((UINT64_C(1) << 52) - 1));
        /* m * 2 + 1 halves: the midpoint of m and m + 1 scaled by 2^e */
        unsigned e = (unsigned)(next_rand() % 70);
        /* midpoint = (2m + 1) * 2^e, printed exactly with long double */
        long double mid = (long double)(2 * m + 1);
        for (unsigned j = 0; j < e; j++)
            mid *= 2;
        snprintf(s, sizeof s, "%.0Lf", mid);
        if (strlen(s) > SL_DEC_MAX_DIGITS)
            continue;
        double v, ref = strtod(s, NULL);
        assert_int_equal(parse_str(s, &v), SL_OK);
        if (to_bits(v) != to_bits(ref))
            fail_msg("tie %s: %.17g, strtod %.17g", s, v, ref);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_format),
        cmocka_unit_test(test_int_parse),
        cmocka_unit_test(test_double_format),
        cmocka_unit_test(test_double_roundtrip_many),
        cmocka_unit_test(test_double_parse),
        cmocka_unit_test(test_double_parse_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
