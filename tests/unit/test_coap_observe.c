/* RFC 7641 3.4: when a notification is fresher than the last one seen.
 *   (V1 < V2 and V2 - V1 < 2^23) or (V1 > V2 and V1 - V2 > 2^23)
 *   or T2 > T1 + 128 s */
#include "test_util.h"

#include "coap/coap_observe.h"

#define HALF (1u << 23)
#define T1 1000000ull /* some time well after boot */

static bool fresh(uint32_t v1, uint32_t v2)
{
    /* within the 128 s window: only the numbers decide */
    return sl_observe_is_fresh(v1, T1, v2, T1 + 1000);
}

static void test_next_is_fresh(void **state)
{
    (void)state;
    assert_true(fresh(0, 1));
    assert_true(fresh(5, 6));
    assert_true(fresh(1000, 1001));
    assert_true(fresh(0xfffffe, 0xffffff));
    /* and the previous one is not */
    assert_false(fresh(1, 0));
    assert_false(fresh(6, 5));
    assert_false(fresh(0xffffff, 0xfffffe));
    /* a jump forward of less than half the space */
    assert_true(fresh(10, 10 + HALF - 1));
    assert_false(fresh(10 + HALF - 1, 10));
}

static void test_equal_is_not_fresh(void **state)
{
    (void)state;
    assert_false(fresh(0, 0));
    assert_false(fresh(7, 7));
    assert_false(fresh(HALF, HALF));
    assert_false(fresh(0xffffff, 0xffffff));
}

static void test_wrap_around(void **state)
{
    (void)state;
    /* 2^24 - 1 is followed by 0 */
    assert_true(fresh(0xffffff, 0));
    assert_true(fresh(0xffffff, 1));
    assert_true(fresh(0xfffff0, 0x10));
    assert_false(fresh(0, 0xffffff));
    assert_false(fresh(0x10, 0xfffff0));
    /* wrapped, but still less than half the space ahead */
    assert_true(fresh(HALF + 5, 4));       /* v1 - v2 = 2^23 + 1 > 2^23 */
    assert_false(fresh(4, HALF + 5));      /* v2 - v1 = 2^23 + 1: not < 2^23 */
}

static void test_exactly_half_apart(void **state)
{
    (void)state;
    /* neither direction counts as newer */
    assert_false(fresh(0, HALF));
    assert_false(fresh(HALF, 0));
    assert_false(fresh(100, 100 + HALF));
    assert_false(fresh(100 + HALF, 100));
    assert_false(fresh(0xffffff, HALF - 1));
    assert_false(fresh(HALF - 1, 0xffffff));
    /* one step either side */
    assert_true(fresh(0, HALF - 1));
    assert_true(fresh(HALF + 1, 0));
}

static void test_only_24_bits_count(void **state)
{
    (void)state;
    /* the Observe option carries 3 bytes; higher bits are ignored */
    assert_true(fresh(5, 0x1000006));
    assert_false(fresh(0x1000006, 5 + 0x2000000));
    assert_true(fresh(0xffffffff, 0x01000000)); /* 0xffffff -> 0 */
    assert_false(fresh(0x12345678, 0x00345678)); /* equal in 24 bits */
}

static void test_128_second_rule(void **state)
{
    (void)state;
    /* an older or equal number is fresh after more than 128 s */
    assert_true(sl_observe_is_fresh(6, T1, 5, T1 + 128001));
    assert_true(sl_observe_is_fresh(7, T1, 7, T1 + 128001));
    assert_true(sl_observe_is_fresh(0, T1, HALF, T1 + 200000));
    assert_true(sl_observe_is_fresh(0, T1, 0xffffff, T1 + 3600000));
    /* exactly 128 s is not more than 128 s */
    assert_false(sl_observe_is_fresh(6, T1, 5, T1 + 128000));
    assert_false(sl_observe_is_fresh(7, T1, 7, T1 + 128000));
    assert_false(sl_observe_is_fresh(6, T1, 5, T1 + 127999));
    /* a newer number needs no time at all, even at the same instant */
    assert_true(sl_observe_is_fresh(5, T1, 6, T1));
    /* from time zero */
    assert_true(sl_observe_is_fresh(9, 0, 1, 128001));
    assert_false(sl_observe_is_fresh(9, 0, 1, 128000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_is_fresh),
        cmocka_unit_test(test_equal_is_not_fresh),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_exactly_half_apart),
        cmocka_unit_test(test_only_24_bits_count),
        cmocka_unit_test(test_128_second_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
