/* Indexed binary min-heap of timers. */
#include "server/srv_timer.h"

#include <stdlib.h>

void srv_timers_init(struct srv_timers *ts)
{
    ts->heap = NULL;
    ts->len = ts->cap = 0;
}

void srv_timers_free(struct srv_timers *ts)
{
    for (size_t k = 0; k < ts->len; k++)
        ts->heap[k]->idx = 0;
    free(ts->heap);
    srv_timers_init(ts);
}

void srv_timer_init(struct srv_timer *t, srv_timer_fn fn)
{
    t->due = 0;
    t->idx = 0;
    t->fn = fn;
}

static void place(struct srv_timers *ts, size_t i, struct srv_timer *t)
{
    ts->heap[i] = t;
    t->idx = i + 1;
}

static void sift_up(struct srv_timers *ts, size_t i)
{
    struct srv_timer *t = ts->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (ts->heap[parent]->due <= t->due)
            break;
        place(ts, i, ts->heap[parent]);
        i = parent;
    }
    place(ts, i, t);
}

static void sift_down(struct srv_timers *ts, size_t i)
{
    struct srv_timer *t = ts->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        sl_time_ms best = t->due;
        if (l < ts->len && ts->heap[l]->due < best) {
            m = l;
            best = ts->heap[l]->due;
        }
        if (r < ts->len && ts->heap[r]->due < best)
            m = r;
        if (m == i)
            break;
        place(ts, i, ts->heap[m]);
        i = m;
    }
    place(ts, i, t);
}

bool srv_timer_arm(struct srv_timers *ts, struct srv_timer *t, sl_time_ms due)
{
    if (t->idx) {
        sl_time_ms old = t->due;
        t->due = due;
        if (due < old)
            sift_up(ts, t->idx - 1);
        else
            sift_down(ts, t->idx - 1);
        return true;
    }
    if (ts->len == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        struct srv_timer **h = realloc(ts->heap, cap * sizeof *h);
        if (!h)
            return false;
        ts->heap = h;
        ts->cap = cap;
    }
    t->due = due;
    place(ts, ts->len++, t);
    sift_up(ts, ts->len - 1);
    return true;
}

void srv_timer_cancel(struct srv_timers *ts, struct srv_timer *t)
{
    if (!t->idx)
        return;
    size_t i = t->idx - 1;
    t->idx = 0;
    ts->len--;
    if (i == ts->len)
        return;
    struct srv_timer *last = ts->heap[ts->len];
    place(ts, i, last);
    if (i > 0 && ts->heap[(i - 1) / 2]->due > last->due)
        sift_up(ts, i);
    else
        sift_down(ts, i);
}

sl_time_ms srv_timers_next(const struct srv_timers *ts)
{
    return ts->len ? ts->heap[0]->due : UINT64_MAX;
}

unsigned srv_timers_run(struct srv_timers *ts, sl_time_ms now)
{
    unsigned fired = 0;
    while (ts->len && ts->heap[0]->due <= now) {
        struct srv_timer *t = ts->heap[0];
        srv_timer_cancel(ts, t);
        fired++;
        t->fn(t, now);
    }
    return fired;
}
