/* Footprint firmware: the minimal client of DESIGN 7 on a Cortex-M3.
 *
 * `make size` links this file with tools/size/startup_cortex_m3.c, the
 * engine core built for config/cortex-m3.h, newlib-nano and --gc-sections,
 * so its linked size is the code reachable from main() and nothing else.
 *
 * What it holds: one engine (all its pools, in .bss), objects 0 Security,
 * 1 Server and 3 Device as storage-backed objects, one server account
 * provisioned at boot, the registration client (Register, Update,
 * De-register, back-off), and the sl_engine_input()/sl_engine_step() loop.
 * The radio buffers and the clock below stand for the board's drivers; the
 * board keeps no state across reboots (no store_read/store_write).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "client/registration.h"
#include "objects/core_objects.h"
#include "objects/device_ipso.h"
#include "sidelink/engine.h"

int main(void);

/* ---- the board: radio driver buffers and a millisecond clock ---------- */
/* An interrupt handler receives into sl_radio_rx (the engine's own
 * receive buffer: no copy) and fills sl_radio_from, then sets
 * sl_radio_rx_len; the SysTick handler counts sl_board_ms. Global, so the
 * compiler cannot see what they hold and fold the code away. */
uint8_t *sl_radio_rx;
struct sl_addr sl_radio_from;
volatile size_t sl_radio_rx_len;
uint8_t sl_radio_tx[SL_COAP_MAX_MSG];
volatile size_t sl_radio_tx_len;
volatile uint32_t sl_board_ms;
uint32_t sl_board_seed = 0x2545f491u; /* a real board seeds from its RNG */
/* The server's address, as a board's network configuration would give it. */
struct sl_addr sl_board_server = { 6, { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 5683 };

static sl_err radio_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                         size_t len)
{
    (void)ctx;
    (void)sock;
    (void)to;
    if (len > sizeof sl_radio_tx)
        return SL_ERR_IO;
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

/* ---- the node: every pool in one place ------------------------------- */
static struct sl_engine eng;
static struct sl_core_objects co;
static struct sl_store device;
/* No backup copy for the Device object: a server may write only Current
 * Time, UTC Offset and Timezone, whose limits the data model's first pass
 * checks (the store's check op), so a write that starts cannot fail. */
static struct sl_device_inst device_inst[1];
static struct sl_client client;

static int connect_server(void *ctx, struct sl_client *c, uint16_t ssid, const char *uri)
{
    (void)ctx;
    (void)c;
    (void)uri; /* the board resolved it: sl_board_server */
    struct sl_actor who = { SL_ACTOR_SERVER, ssid };
    int peer = sl_engine_peer_find(&eng, 0, &sl_board_server);
    return peer >= 0 ? peer : sl_engine_peer_add(&eng, 0, &sl_board_server, &who);
}

static void provision(void)
{
    struct sl_value v;
    sl_store_add(&co.security, 0, NULL);
    v = sl_value_string("coap://[fd00::1]:5683", 21);
    sl_store_set(&co.security, 0, SL_SEC_URI, SL_ID_NONE, &v);
    v = sl_value_bool(false);
    sl_store_set(&co.security, 0, SL_SEC_BOOTSTRAP, SL_ID_NONE, &v);
    v = sl_value_int(SL_SEC_MODE_NOSEC);
    sl_store_set(&co.security, 0, SL_SEC_MODE, SL_ID_NONE, &v);
    v = sl_value_int(1);
    sl_store_set(&co.security, 0, SL_SEC_SSID, SL_ID_NONE, &v);
    sl_store_add(&co.server, 0, NULL);
    sl_store_set(&co.server, 0, SL_SRV_SSID, SL_ID_NONE, &v);
    v = sl_value_int(300);
    sl_store_set(&co.server, 0, SL_SRV_LIFETIME, SL_ID_NONE, &v);
    v = sl_value_string("U", 1);
    sl_store_set(&co.server, 0, SL_SRV_BINDING, SL_ID_NONE, &v);
    v = sl_value_bool(false);
    sl_store_set(&co.server, 0, SL_SRV_STORING, SL_ID_NONE, &v);
    sl_device_store_init(&device, device_inst, NULL);
    sl_device_store_setup(&device, "Sidelink", "cortex-m3", "0001", "0.1");
}

int main(void)
{
    if (sl_engine_init(&eng, &board, NULL) != SL_OK)
        return 1;
    sl_radio_rx = sl_engine_rx_buffer(&eng);
    sl_core_objects_init(&co);
    provision();
    sl_engine_add_object(&eng, &co.security.obj);
    sl_engine_add_object(&eng, &co.server.obj);
    sl_engine_add_object(&eng, &device.obj);
    struct sl_client_hooks hooks = { NULL, connect_server, NULL };
    if (sl_client_init(&client, &eng, &co, "m3-node", &hooks) != SL_OK)
        return 1;
    sl_client_start(&client, sl_board_ms);
    for (;;) {
        sl_time_ms now = sl_board_ms;
        if (sl_radio_rx_len) {
            sl_engine_input(&eng, 0, &sl_radio_from, sl_radio_rx, sl_radio_rx_len, now);
            sl_radio_rx_len = 0;
        }
        sl_engine_step(&eng, now);
        sl_client_step(&client, now);
        /* a board sleeps until the earlier of these or the next interrupt */
        (void)sl_engine_next_deadline(&eng);
        (void)sl_client_next_deadline(&client);
    }
}
