/* Timers of the server loop: an indexed binary min-heap of deadlines.
 *
 * A struct srv_timer is embedded in its owner (a registration, an outgoing
 * message, a dedup entry list, ...). Arming an armed timer moves it;
 * cancelling an unarmed one does nothing. srv_timers_run() pops every timer
 * whose deadline is at or before `now` and calls it; a callback may arm or
 * cancel any timer, itself included, and may free its owner after
 * cancelling nothing (the popped timer is already out of the heap).
 */
#ifndef SRV_TIMER_H
#define SRV_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/types.h"

struct srv_timer;
typedef void (*srv_timer_fn)(struct srv_timer *t, sl_time_ms now);

struct srv_timer {
    sl_time_ms due;
    size_t idx; /* position in the heap + 1; 0 when not armed */
    srv_timer_fn fn;
};

struct srv_timers {
    struct srv_timer **heap;
    size_t len, cap;
};

void srv_timers_init(struct srv_timers *ts);
void srv_timers_free(struct srv_timers *ts);

void srv_timer_init(struct srv_timer *t, srv_timer_fn fn);
/* false only when the heap cannot grow (out of memory). */
bool srv_timer_arm(struct srv_timers *ts, struct srv_timer *t, sl_time_ms due);
void srv_timer_cancel(struct srv_timers *ts, struct srv_timer *t);
static inline bool srv_timer_armed(const struct srv_timer *t)
{
    return t->idx != 0;
}

/* Earliest deadline, or UINT64_MAX when nothing is armed. */
sl_time_ms srv_timers_next(const struct srv_timers *ts);
/* Fire every due timer; returns how many fired. */
unsigned srv_timers_run(struct srv_timers *ts, sl_time_ms now);

#endif
