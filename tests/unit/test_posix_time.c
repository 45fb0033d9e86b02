/* POSIX clocks: the monotonic clock advances with a sleep; the wall clock
 * agrees with time(2). */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <time.h>

#include "platform/posix/sl_posix.h"

static void test_clocks(void **state)
{
    (void)state;
    sl_time_ms t0 = sl_posix_now_ms();
    struct timespec pause = { .tv_sec = 0, .tv_nsec = 20 * 1000000L };
    nanosleep(&pause, NULL);
    sl_time_ms t1 = sl_posix_now_ms();
    assert_true(t1 >= t0 + 19);
    assert_true(t1 - t0 < 5000);
    int64_t wall = sl_posix_epoch_ms();
    assert_true(wall > INT64_C(1700000000000)); /* after Nov 2023 */
    assert_true(wall < INT64_C(4102444800000)); /* before 2100 */
    int64_t ref = (int64_t)time(NULL) * 1000;
    assert_true(wall - ref > -2000 && wall - ref < 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
