/* libFuzzer target: the whole request path of an engine, datagram in,
 * datagrams out.
 *
 * The node: object 3303 (a transactional multi-instance test object with
 * two instances), object 3 (single instance), object 2 (access control), a
 * server peer (Short Server ID 1) and a client peer (Short Client ID 7).
 *
 * The input is one datagram, or several separated by the 4 bytes SEP (see
 * fuzz_request_path.dict), so Block1 uploads, observe then cancel, create
 * then read can be reached. Each datagram comes from the server twice in a
 * row; when the first byte of the input is odd it also comes from an unknown
 * source. Then time runs past every deadline (retransmissions, observations,
 * EXCHANGE_LIFETIME) with sl_engine_step.
 *
 * The low byte of the first datagram's message ID (byte 3) picks the
 * configuration: bits 0-1 block size (1024, 64, 16, 256), bit 2 confirmable
 * notifications, bit 3 a second server account (so object 2 decides), bit 4
 * unknown sources become client peers (Short Client ID 8) instead of being
 * refused.
 *
 * Checked on every run:
 *  - every sent datagram parses as CoAP, carries no option we would reject
 *    ourselves, and goes to an address that exists in this world;
 *  - a datagram repeated at once from the same peer is answered with exactly
 *    the bytes of the first answer (dedup with the cached reply), or not at
 *    all if the first got no answer;
 *  - a CON (NON) request from the server gets exactly one ACK (NON) with its
 *    token, the ACK with its message ID;
 *  - after sl_engine_step(now) the next deadline lies after now (no busy
 *    loop for the application). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sidelink/engine.h"
#include "test_objects.h"
#include "test_platform.h"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            abort();                                                                          \
    } while (0)

static const uint8_t SEP[4] = { 0xf7, 0xf7, 0xd5, 0x5d };
#define MAX_DATAGRAMS 8

static struct sl_engine eng;
static struct test_platform tp;
static struct tobj temp;   /* 3303 */
static struct tobj device; /* 3 */
static struct tobj servers; /* 1, only with a second server account */
static struct taco aco;    /* 2 */

static struct sl_addr self_addr, server_addr, client_addr, stranger_addr;
static int server_peer, client_peer;
static bool serve_strangers;
static bool stranger_fed; /* answers may go to the stranger from then on */

/* Message IDs of the CON/NON datagrams fed from the server so far. */
static uint16_t mids[MAX_DATAGRAMS];
static unsigned mids_count;

/* What the last drain saw. */
static struct tp_datagram out[TP_MAX_SENT];
static unsigned out_count;

/* As an application that recognises the stranger (say, by its DTLS
 * identity) would: make it a peer, here as another requesting client. */
static int unknown_source(void *ctx, struct sl_engine *e, sl_sock sock, const struct sl_addr *from,
                          const struct sl_coap_msg *m)
{
    (void)ctx;
    (void)m;
    if (!serve_strangers)
        return -1;
    struct sl_actor client = { SL_ACTOR_CLIENT, 8 };
    int peer = sl_engine_peer_add(e, sock, from, &client);
    CHECK(peer >= 0);
    return peer;
}

static void drain(void)
{
    out_count = 0;
    struct tp_datagram d;
    while (tp_pop(&tp, &d)) {
        CHECK(d.len >= SL_COAP_HEADER_LEN && d.len <= SL_COAP_MAX_MSG);
        struct sl_coap_msg m;
        CHECK(sl_coap_parse(&m, d.data, d.len) == SL_OK);
        CHECK(sl_coap_unknown_critical(&m) == 0);
        CHECK(sl_addr_equal(&d.to, &server_addr) || sl_addr_equal(&d.to, &client_addr) ||
              (stranger_fed && sl_addr_equal(&d.to, &stranger_addr)));
        CHECK(out_count < TP_MAX_SENT);
        out[out_count++] = d;
    }
}

static void setup(uint8_t knobs)
{
    self_addr = tp_addr(1, 5683);
    server_addr = tp_addr(10, 5683);
    client_addr = tp_addr(20, 5683);
    stranger_addr = tp_addr(99, 40000);
    tp_init(&tp, 0x5eed, &self_addr);

    tobj_init(&temp, 3303, true, true);
    struct tobj_inst *i = tobj_add(&temp, 0);
    memcpy(i->str, "Celsius", 7);
    i->str_len = 7;
    i->num = -40;
    i->sensor = 21.5;
    i->multi_riid[0] = 0;
    i->multi_val[0] = 10;
    i->multi_riid[1] = 3;
    i->multi_val[1] = -3;
    i->multi_count = 2;
    i->time = 1700000000;
    i->lnk.oid = 3;
    i->lnk.iid = 0;
    i->blob_len = 300;
    for (size_t k = 0; k < i->blob_len; k++)
        i->blob[k] = (uint8_t)(k * 13u);
    i = tobj_add(&temp, 1);
    i->sensor = -4.25;
    i->opt_present = true;
    i->opt = true;
    i->blob_len = 600;
    memset(i->blob, 0xab, i->blob_len);

    tobj_init(&device, 3, false, false);
    i = tobj_add(&device, 0);
    memcpy(i->str, "Sidelink", 8);
    i->str_len = 8;

    taco_init(&aco, 2);
    struct taco_inst *a = taco_add(&aco, 0, 3303, 0, 1);
    taco_acl(a, 1, 0x1f);
    a = taco_add(&aco, 1, 3303, 1, 2);
    taco_acl(a, 0, 0x01);
    a = taco_add(&aco, 2, 3, 0, 2);
    taco_acl(a, 1, 0x05);
    a = taco_add(&aco, 3, 3303, 65535, 1);
    taco_acl(a, 1, 0x10);

    struct sl_engine_cfg cfg;
    sl_engine_cfg_default(&cfg);
    static const uint16_t sizes[4] = { 1024, 64, 16, 256 };
    cfg.block_size = sizes[knobs & 3];
    cfg.notify_con = (knobs & 0x04) != 0;
    CHECK(sl_engine_init(&eng, &tp.plat, &cfg) == SL_OK);
    CHECK(sl_engine_add_object(&eng, &temp.obj) == SL_OK);
    CHECK(sl_engine_add_object(&eng, &device.obj) == SL_OK);
    CHECK(sl_engine_add_object(&eng, &aco.obj) == SL_OK);
    if (knobs & 0x08) {
        tobj_init(&servers, 1, true, false);
        tobj_add(&servers, 0);
        tobj_add(&servers, 1);
        CHECK(sl_engine_add_object(&eng, &servers.obj) == SL_OK);
    }

    struct sl_actor server = { SL_ACTOR_SERVER, 1 };
    struct sl_actor client = { SL_ACTOR_CLIENT, 7 };
    server_peer = sl_engine_peer_add(&eng, 0, &server_addr, &server);
    client_peer = sl_engine_peer_add(&eng, 0, &client_addr, &client);
    CHECK(server_peer >= 0 && client_peer >= 0);
    sl_engine_peer(&eng, server_peer)->default_pmax = 30;
    serve_strangers = (knobs & 0x10) != 0;
    mids_count = 0;
    stranger_fed = false;
    sl_engine_set_unknown_source(&eng, unknown_source, NULL);
}

static void step_at(sl_time_ms now)
{
    sl_engine_step(&eng, now);
    drain();
    CHECK(sl_engine_next_deadline(&eng) > now);
}

static void feed(const uint8_t *dg, size_t len, bool from_stranger, sl_time_ms *now)
{
    /* from the server, then the same datagram again at once */
    sl_engine_input(&eng, 0, &server_addr, dg, len, *now);
    drain();
    static struct tp_datagram first[TP_MAX_SENT];
    unsigned first_count = out_count;
    memcpy(first, out, out_count * sizeof out[0]);

    /* a message ID seen before is a duplicate: its answer is the old one */
    struct sl_coap_msg m;
    bool fresh_mid = true;
    if (len <= SL_COAP_MAX_MSG && sl_coap_parse(&m, dg, len) != SL_ERR_INVALID &&
        (m.type == SL_COAP_CON || m.type == SL_COAP_NON)) {
        for (unsigned k = 0; k < mids_count; k++)
            fresh_mid = fresh_mid && mids[k] != m.mid;
        if (mids_count < MAX_DATAGRAMS)
            mids[mids_count++] = m.mid;
    }
    if (fresh_mid && len <= SL_COAP_MAX_MSG && sl_coap_parse(&m, dg, len) == SL_OK &&
        sl_coap_is_request(m.code) && (m.type == SL_COAP_CON || m.type == SL_COAP_NON)) {
        CHECK(first_count == 1);
        struct sl_coap_msg r;
        CHECK(sl_coap_parse(&r, first[0].data, first[0].len) == SL_OK);
        CHECK(sl_addr_equal(&first[0].to, &server_addr));
        CHECK(r.type == (m.type == SL_COAP_CON ? SL_COAP_ACK : SL_COAP_NON));
        if (m.type == SL_COAP_CON)
            CHECK(r.mid == m.mid);
        CHECK(r.tkl == m.tkl && memcmp(r.token, m.token, m.tkl) == 0);
        CHECK(sl_coap_is_response(r.code));
    }

    sl_engine_input(&eng, 0, &server_addr, dg, len, *now + 1);
    drain();
    CHECK(out_count == first_count);
    for (unsigned k = 0; k < out_count; k++)
        CHECK(out[k].len == first[k].len && memcmp(out[k].data, first[k].data, out[k].len) == 0);

    if (from_stranger) {
        stranger_fed = true;
        sl_engine_input(&eng, 0, &stranger_addr, dg, len, *now + 2);
        drain();
    }
    *now += 100;
    step_at(*now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    setup(size >= 4 ? data[3] : 0);
    bool from_stranger = size > 0 && (data[0] & 1);

    sl_time_ms now = 1000;
    size_t start = 0;
    for (unsigned n = 0; n < MAX_DATAGRAMS && start <= size; n++) {
        size_t end = start;
        while (end + sizeof SEP <= size && memcmp(data + end, SEP, sizeof SEP) != 0)
            end++;
        if (end + sizeof SEP > size)
            end = size;
        feed(data + start, end - start, from_stranger, &now);
        sl_engine_changed(&eng, &(struct sl_path){ { 3303, 0, 0, 0 }, 2 });
        start = end + sizeof SEP;
    }

    /* let time run: every deadline up to well past EXCHANGE_LIFETIME */
    sl_time_ms end = now + 400000;
    for (unsigned k = 0; k < 64; k++) {
        sl_time_ms d = sl_engine_next_deadline(&eng);
        if (d > end)
            break;
        if (d > now)
            now = d;
        step_at(now);
        if (k == 8)
            sl_engine_changed(&eng, &(struct sl_path){ { 3303, 1, 1, 0 }, 3 });
    }
    step_at(end);
    return 0;
}
