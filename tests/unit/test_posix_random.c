/* POSIX random bytes: they differ between calls and fill the whole buffer,
 * directly and through the ready platform. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <string.h>

#include "platform/posix/sl_posix.h"

static void test_two_calls_differ(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    sl_posix_random(NULL, a, sizeof a);
    sl_posix_random(NULL, b, sizeof b);
    /* 2^-256 chance of a false failure */
    assert_memory_not_equal(a, b, sizeof a);
}

static void test_fills_everything(void **state)
{
    (void)state;
    /* Large enough for getrandom to return short on some kernels; every
     * byte must be written: a byte still 0 after 8 fills with random data
     * has a 2^-64 chance. */
    static uint8_t seen[70000];
    static uint8_t buf[sizeof seen];
    memset(seen, 0, sizeof seen);
    for (int round = 0; round < 8; round++) {
        sl_posix_random(NULL, buf, sizeof buf);
        for (size_t i = 0; i < sizeof buf; i++)
            seen[i] |= buf[i];
    }
    for (size_t i = 0; i < sizeof seen; i++)
        if (seen[i] == 0)
            fail_msg("byte %zu never written", i);
    /* zero bytes: nothing to do, nothing touched */
    uint8_t guard = 0x77;
    sl_posix_random(NULL, &guard, 0);
    assert_int_equal(guard, 0x77);
}

static void test_platform_random(void **state)
{
    (void)state;
    struct sl_posix_platform p;
    sl_posix_platform_init(&p, NULL, NULL);
    uint8_t a[16], b[16];
    p.plat.random(p.plat.ctx, a, sizeof a);
    p.plat.random(p.plat.ctx, b, sizeof b);
    assert_memory_not_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_calls_differ),
        cmocka_unit_test(test_fills_everything),
        cmocka_unit_test(test_platform_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
