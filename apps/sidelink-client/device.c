/* Object 3 (Device) on Linux: Reboot and Factory Reset re-execute the
 * daemon (after the Execute is answered and the servers are told), Reset
 * Error Code clears the error list, and Current Time follows the wall clock,
 * shifted by whatever a server writes to it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"

static sl_err device_execute(void *ctx, struct sl_store *s, uint16_t iid, uint16_t rid,
                             const uint8_t *args, size_t len)
{
    struct app *a = ctx;
    (void)iid;
    (void)args;
    (void)len;
    switch (rid) {
    case SL_DEV_REBOOT:
        a->restart = RESTART_REBOOT;
        sl_posix_logf(&a->log, SL_LOG_INFO, "reboot requested by a server");
        return SL_OK;
    case SL_DEV_FACTORY_RESET:
        a->restart = RESTART_FACTORY;
        sl_posix_logf(&a->log, SL_LOG_INFO, "factory reset requested by a server");
        return SL_OK;
    case SL_DEV_RESET_ERROR: {
        struct sl_value zero = sl_value_int(0);
        /* LwM2M: the list goes back to the single "no error" entry */
        struct sl_obj *o = &s->obj;
        if (o->ops->res_clear)
            o->ops->res_clear(o, 0, SL_DEV_ERROR_CODE);
        return sl_store_set(s, 0, SL_DEV_ERROR_CODE, 0, &zero);
    }
    default:
        return SL_ERR_METHOD;
    }
}

static int64_t wall_seconds(void)
{
    return sl_posix_epoch_ms() / 1000;
}

/* A server wrote Current Time: keep its offset from our clock. */
static void device_committed(void *ctx, struct sl_store *s)
{
    struct app *a = ctx;
    int64_t t = sl_store_int(s, 0, SL_DEV_TIME, 0);
    int64_t shown = wall_seconds() + a->clock_offset_s;
    if (t != shown) {
        a->clock_offset_s = t - wall_seconds();
        sl_posix_logf(&a->log, SL_LOG_INFO, "current time set by a server (offset %lld s)",
                      (long long)a->clock_offset_s);
    }
}

void device_setup(struct app *a)
{
    a->dev.device.hooks.execute = device_execute;
    a->dev.device.hooks.execute_ctx = a;
    a->dev.device.hooks.committed = device_committed;
    a->dev.device.hooks.ctx = a;
    a->next_clock = 0;
    device_step(a, sl_posix_now_ms());
}

void device_step(struct app *a, sl_time_ms now)
{
    if (now < a->next_clock)
        return;
    a->next_clock = now + 1000;
    struct sl_value t = sl_value_time(wall_seconds() + a->clock_offset_s);
    /* no notification: nobody wants one a second; a Read sees the time */
    (void)sl_store_set(&a->dev.device, 0, SL_DEV_TIME, SL_ID_NONE, &t);
}
