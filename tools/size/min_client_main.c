/* Footprint firmware: what a minimal Sidelink client links on a Cortex-M3.
 *
 * `make size` links this file with tools/size/startup_cortex_m3.c, the
 * engine core built for config/cortex-m3.h, newlib-nano and --gc-sections,
 * so its linked size is the code reachable from main() and nothing else.
 * The report names every function this file references and every object the
 * link pulled in, with its linked size.
 *
 * What it holds today: one engine (all its pools, in .bss), a Device object
 * (3) declared as a const resource table with handlers, one server peer, a
 * POST /rd with a link-format payload standing in for registration, and the
 * sl_engine_input()/sl_engine_step() loop. DESIGN 7's minimal client also
 * has objects 0 and 1 and the registration state machine; when they exist
 * (src/objects, src/client), register objects 0/1 here and replace
 * start_registration() with the client's own, and the numbers become the
 * ones to hold against the 16 KiB target. The radio buffers and the clock
 * below stand for the board's drivers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sidelink/engine.h"
#include "sidelink/object.h"
#include "sidelink/platform.h"
#include "sidelink/types.h"

int main(void);

/* ---- the board: radio driver buffers and a millisecond clock ---------- */
/* An interrupt handler fills sl_radio_rx and sl_radio_from, then sets
 * sl_radio_rx_len; the SysTick handler counts sl_board_ms. Global, so the
 * compiler cannot see what they hold and fold the code away. */
uint8_t sl_radio_rx[SL_COAP_MAX_MSG];
struct sl_addr sl_radio_from;
volatile size_t sl_radio_rx_len;
uint8_t sl_radio_tx[SL_COAP_MAX_MSG];
volatile size_t sl_radio_tx_len;
volatile uint32_t sl_board_ms;
uint32_t sl_board_seed = 0x2545f491u; /* a real board seeds from its PUF/RNG */

static sl_err radio_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                         size_t len)
{
    (void)ctx;
    (void)sock;
    (void)to;
    if (len > sizeof sl_radio_tx) {
        return SL_ERR_IO;
    }
    memcpy(sl_radio_tx, data, len);
    sl_radio_tx_len = len;
    return SL_OK;
}

static void board_random(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) { /* xorshift32 */
        sl_board_seed ^= sl_board_seed << 13;
        sl_board_seed ^= sl_board_seed >> 17;
        sl_board_seed ^= sl_board_seed << 5;
        out[i] = (uint8_t)sl_board_seed;
    }
}

static const struct sl_platform board = {
    .ctx = NULL,
    .send = radio_send,
    .random = board_random,
    .store_read = NULL,
    .store_write = NULL,
    .log = NULL,
};

/* ---- Device object (3), as an application declares it ---------------- */
enum {
    DEV_MANUFACTURER = 0,
    DEV_MODEL = 1,
    DEV_SERIAL = 2,
    DEV_FIRMWARE = 3,
    DEV_REBOOT = 4,
    DEV_ERROR_CODE = 11,
    DEV_CURRENT_TIME = 13,
    DEV_BINDINGS = 16
};

static const struct sl_res_def device_res[] = {
    {DEV_MANUFACTURER, SL_TYPE_STRING, SL_RES_R},
    {DEV_MODEL, SL_TYPE_STRING, SL_RES_R},
    {DEV_SERIAL, SL_TYPE_STRING, SL_RES_R},
    {DEV_FIRMWARE, SL_TYPE_STRING, SL_RES_R},
    {DEV_REBOOT, SL_TYPE_NONE, SL_RES_E | SL_RES_MANDATORY},
    {DEV_ERROR_CODE, SL_TYPE_INT, SL_RES_R | SL_RES_MULTI | SL_RES_MANDATORY},
    {DEV_CURRENT_TIME, SL_TYPE_TIME, SL_RES_RW},
    {DEV_BINDINGS, SL_TYPE_STRING, SL_RES_R | SL_RES_MANDATORY},
};

static const struct sl_obj_def device_def = {
    .oid = 3,
    .flags = SL_OBJ_MANDATORY,
    .ver_major = 1,
    .ver_minor = 0,
    .res_count = sizeof device_res / sizeof device_res[0],
    .res = device_res,
};

struct device_state {
    int64_t time_offset; /* seconds: current time = offset + uptime */
    bool reboot_requested;
};

static struct device_state device_state;

static struct sl_value text(const char *s)
{
    return sl_value_string(s, strlen(s));
}

static sl_err device_inst_next(const struct sl_obj *o, int32_t after, uint16_t *iid)
{
    (void)o;
    if (after >= 0) {
        return SL_ERR_END;
    }
    *iid = 0;
    return SL_OK;
}

static sl_err device_res_inst_next(const struct sl_obj *o, uint16_t iid, uint16_t rid,
                                   int32_t after, uint16_t *riid)
{
    (void)o;
    (void)iid;
    if (rid != DEV_ERROR_CODE || after >= 0) {
        return SL_ERR_END;
    }
    *riid = 0;
    return SL_OK;
}

static sl_err device_read(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                          struct sl_value *out)
{
    const struct device_state *d = o->ctx;
    (void)iid;
    (void)riid;
    switch (rid) {
    case DEV_MANUFACTURER: *out = text("Sidelink"); return SL_OK;
    case DEV_MODEL: *out = text("cortex-m3"); return SL_OK;
    case DEV_SERIAL: *out = text("0001"); return SL_OK;
    case DEV_FIRMWARE: *out = text("0.1.0"); return SL_OK;
    case DEV_ERROR_CODE: *out = sl_value_int(0); return SL_OK;
    case DEV_CURRENT_TIME:
        *out = sl_value_time(d->time_offset + (int64_t)(sl_board_ms / 1000u));
        return SL_OK;
    case DEV_BINDINGS: *out = text("U"); return SL_OK;
    default: return SL_ERR_NOT_FOUND;
    }
}

static sl_err device_write(struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                           const struct sl_value *v)
{
    struct device_state *d = o->ctx;
    (void)iid;
    (void)riid;
    if (rid != DEV_CURRENT_TIME) {
        return SL_ERR_NOT_FOUND;
    }
    d->time_offset = v->v.i - (int64_t)(sl_board_ms / 1000u);
    return SL_OK;
}

static sl_err device_execute(struct sl_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args,
                             size_t len)
{
    struct device_state *d = o->ctx;
    (void)iid;
    (void)args;
    (void)len;
    if (rid != DEV_REBOOT) {
        return SL_ERR_NOT_FOUND;
    }
    d->reboot_requested = true;
    return SL_OK;
}

static const struct sl_obj_ops device_ops = {
    .inst_next = device_inst_next,
    .res_present = NULL,
    .res_inst_next = device_res_inst_next,
    .read = device_read,
    .write = device_write,
    .res_clear = NULL,
    .execute = device_execute,
};

static struct sl_obj device = {&device_def, &device_ops, &device_state};

/* ---- the node ------------------------------------------------------------ */
static struct sl_engine engine;

static const struct sl_addr server_addr = {
    .family = 6,
    .ip = {0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},
    .port = 5683,
};

static void registered(void *ctx, int handle, sl_err err, const struct sl_response *resp)
{
    (void)handle;
    *(bool *)ctx = err == SL_OK && resp != NULL && resp->code == SL_COAP_CREATED;
}

static bool is_registered;

/* Stand-in for the registration state machine of the next issue. */
static void start_registration(int server, sl_time_ms now)
{
    static const uint8_t links[] = "</3/0>";
    struct sl_request req = {
        .method = SL_COAP_POST,
        .non_confirmable = false,
        .path = "rd",
        .query = "ep=m3-node&lt=300&lwm2m=1.1&b=U",
        .format = SL_FMT_LINK,
        .accept = SL_FMT_NONE,
        .payload = links,
        .payload_len = sizeof links - 1,
        .observe = false,
    };
    int handle;
    (void)sl_engine_request(&engine, server, &req, registered, &is_registered, now, &handle);
}

int main(void)
{
    const struct sl_actor server_actor = {SL_ACTOR_SERVER, 1};
    int server;

    if (sl_engine_init(&engine, &board, NULL) != SL_OK ||
        sl_engine_add_object(&engine, &device) != SL_OK) {
        return 1;
    }
    server = sl_engine_peer_add(&engine, 0, &server_addr, &server_actor);
    if (server < 0) {
        return 1;
    }
    start_registration(server, sl_board_ms);

    for (;;) {
        sl_time_ms now = sl_board_ms;
        size_t n = sl_radio_rx_len;
        if (n > 0 && n <= sizeof sl_radio_rx) {
            sl_engine_input(&engine, 0, &sl_radio_from, sl_radio_rx, n, now);
            sl_radio_rx_len = 0;
        }
        if (now >= sl_engine_next_deadline(&engine)) {
            sl_engine_step(&engine, now);
        }
        if (device_state.reboot_requested) {
            return 0; /* the start-up code resets */
        }
    }
}
