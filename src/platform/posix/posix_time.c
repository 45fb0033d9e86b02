/* Clocks: monotonic for the engine's timers (immune to the wall clock being
 * set by NTP or by hand), real time only for what humans and LwM2M Current
 * Time read. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "platform/posix/sl_posix.h"

/* clock_gettime on a clock POSIX requires cannot fail short of a broken
 * system; a silently wrong time would corrupt every timer, so stop. */
static struct timespec read_clock(clockid_t id, const char *name)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) {
        fprintf(stderr, "sidelink: clock_gettime(%s) failed\n", name);
        abort();
    }
    return ts;
}

sl_time_ms sl_posix_now_ms(void)
{
    struct timespec ts = read_clock(CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
    return (sl_time_ms)ts.tv_sec * 1000u + (sl_time_ms)(ts.tv_nsec / 1000000);
}

int64_t sl_posix_epoch_ms(void)
{
    struct timespec ts = read_clock(CLOCK_REALTIME, "CLOCK_REALTIME");
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}
