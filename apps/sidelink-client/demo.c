/* The demo objects' behaviour: a temperature that drifts with noise every
 * period, a light that logs what servers set, and a latching push button
 * pressed from the control socket. */
#include <math.h>
#include <string.h>

#include "app.h"

static void set_value(struct sl_store *s, uint16_t iid, uint16_t rid, struct sl_value v)
{
    (void)sl_store_set(s, iid, rid, SL_ID_NONE, &v);
}

static void light_committed(void *ctx, struct sl_store *s)
{
    struct app *a = ctx;
    int32_t after = -1;
    uint16_t iid;
    while (sl_store_next(s, after, &iid) == SL_OK) {
        after = iid;
        struct sl_value on;
        if (sl_store_read(s, iid, SL_IPSO_ON_OFF, SL_ID_NONE, &on) == SL_OK)
            sl_posix_logf(&a->log, SL_LOG_INFO, "light %u is %s", iid, on.v.b ? "on" : "off");
    }
}

void demo_setup(struct app *a)
{
    struct sl_device_objects *d = &a->dev;
    sl_device_setup(d, "Sidelink", "sidelink-client", a->opts.endpoint, "0.1");
    if (a->opts.temperature && sl_store_add(&d->temperature, 0, NULL) == SL_OK) {
        set_value(&d->temperature, 0, SL_IPSO_SENSOR_VALUE, sl_value_float(a->opts.temperature_base));
        set_value(&d->temperature, 0, SL_IPSO_MIN_MEASURED, sl_value_float(a->opts.temperature_base));
        set_value(&d->temperature, 0, SL_IPSO_MAX_MEASURED, sl_value_float(a->opts.temperature_base));
        set_value(&d->temperature, 0, SL_IPSO_MIN_RANGE, sl_value_float(-40.0));
        set_value(&d->temperature, 0, SL_IPSO_MAX_RANGE, sl_value_float(85.0));
        set_value(&d->temperature, 0, SL_IPSO_UNITS, sl_value_string("Cel", 3));
    }
    if (a->opts.light && sl_store_add(&d->light, 0, NULL) == SL_OK) {
        set_value(&d->light, 0, SL_IPSO_ON_OFF, sl_value_bool(false));
        set_value(&d->light, 0, SL_IPSO_DIMMER, sl_value_int(100));
        d->light.hooks.ctx = a;
        d->light.hooks.committed = light_committed;
    }
    if (a->opts.button && sl_store_add(&d->button, 0, NULL) == SL_OK) {
        set_value(&d->button, 0, SL_IPSO_DIGITAL_STATE, sl_value_bool(false));
        set_value(&d->button, 0, SL_IPSO_DIGITAL_COUNTER, sl_value_int(0));
    }
    uint8_t seed[8];
    sl_posix_random(NULL, seed, sizeof seed);
    memcpy(&a->noise_state, seed, sizeof seed);
    a->noise_state |= 1;
    a->next_sample = sl_posix_now_ms() + a->opts.temperature_period_ms;
}

/* Uniform in [-1, 1] from a xorshift generator (simulation, not security). */
static double noise(struct app *a)
{
    a->noise_state ^= a->noise_state << 13;
    a->noise_state ^= a->noise_state >> 7;
    a->noise_state ^= a->noise_state << 17;
    return (double)(a->noise_state >> 11) / (double)(1ull << 52) * 2.0 - 1.0;
}

void demo_step(struct app *a, sl_time_ms now)
{
    if (!a->opts.temperature || now < a->next_sample)
        return;
    a->next_sample = now + a->opts.temperature_period_ms;
    struct sl_store *t = &a->dev.temperature;
    /* round to 0.01: what a sensor reports, and short on the wire */
    double v = round((a->opts.temperature_base + a->opts.temperature_noise * noise(a)) * 100.0) /
               100.0;
    struct sl_value cur;
    set_value(t, 0, SL_IPSO_SENSOR_VALUE, sl_value_float(v));
    if (sl_store_read(t, 0, SL_IPSO_MIN_MEASURED, SL_ID_NONE, &cur) == SL_OK && v < cur.v.f)
        set_value(t, 0, SL_IPSO_MIN_MEASURED, sl_value_float(v));
    if (sl_store_read(t, 0, SL_IPSO_MAX_MEASURED, SL_ID_NONE, &cur) == SL_OK && v > cur.v.f)
        set_value(t, 0, SL_IPSO_MAX_MEASURED, sl_value_float(v));
    struct sl_path p = sl_path_make(2, 3303, 0, 0, 0);
    sl_engine_changed(&a->eng, &p);
}

bool demo_press(struct app *a, uint16_t iid, int64_t *counter)
{
    struct sl_store *b = &a->dev.button;
    struct sl_value state;
    bool on = sl_store_read(b, iid, SL_IPSO_DIGITAL_STATE, SL_ID_NONE, &state) == SL_OK &&
              state.v.b;
    *counter = sl_store_int(b, iid, SL_IPSO_DIGITAL_COUNTER, 0) + 1;
    set_value(b, iid, SL_IPSO_DIGITAL_STATE, sl_value_bool(!on));
    set_value(b, iid, SL_IPSO_DIGITAL_COUNTER, sl_value_int(*counter));
    struct sl_path p = sl_path_make(2, 3347, iid, 0, 0);
    sl_engine_changed(&a->eng, &p);
    sl_posix_logf(&a->log, SL_LOG_INFO, "button %u pressed: %s (%lld presses)", iid,
                  on ? "off" : "on", (long long)*counter);
    return !on;
}
