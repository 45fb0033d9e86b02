/* The minimal client of `make size` on the host: the core built with
 * config/cortex-m3.h (tests/CMakeLists.txt builds it once more for the
 * test_m3_* programs), wired as tools/size/min_client_main.c wires it, and
 * every behaviour its options change: no Float (SL_CONFIG_FLOAT 0), no
 * Block1 (SL_CONFIG_BLOCK 0), no access-control objects (SL_CONFIG_ACL 0),
 * no store backups (SL_CONFIG_STORE_BACKUP 0: the first pass refuses what
 * could fail later), no message hook, no Write-Attributes
 * (SL_CONFIG_OBSERVE_ATTRS 0: notifications at the Server object's default
 * periods), the 64-byte blocks and zero-copy receive. */
#include <string.h>

#include "test_coap.h"
#include "test_platform.h"
#include "test_util.h"

#include "client/registration.h"
#include "codec/decimal.h"
#include "codec/text.h"
#include "codec/value.h"
#include "dm/acl.h"
#include "objects/core_objects.h"
#include "objects/device_ipso.h"
#include "sidelink/engine.h"

#if SL_CONFIG_FLOAT || SL_CONFIG_BLOCK || SL_CONFIG_ACL || SL_CONFIG_STORE_BACKUP ||             \
    SL_CONFIG_MSG_HOOK || SL_CONFIG_OBSERVE_ATTRS || SL_CONFIG_COMPOSITE
#error "test_m3_client must be built with config/cortex-m3.h"
#endif

static struct test_platform tp;
static struct sl_engine eng;
static struct sl_core_objects co;
static struct sl_store device;
static struct sl_device_inst device_inst[1];
static struct sl_client client;
static struct sl_addr server_addr;
static sl_time_ms now;
static uint16_t next_mid;

static int connect_server(void *ctx, struct sl_client *c, uint16_t ssid, const char *uri)
{
    (void)ctx;
    (void)c;
    (void)uri;
    struct sl_actor who = { SL_ACTOR_SERVER, ssid };
    return sl_engine_peer_add(&eng, 0, &server_addr, &who);
}

static void set1(struct sl_store *s, uint16_t iid, uint16_t rid, struct sl_value v)
{
    assert_int_equal(sl_store_set(s, iid, rid, SL_ID_NONE, &v), SL_OK);
}

/* As min_client_main.c provisions the board. */
static int setup(void **state)
{
    (void)state;
    now = 1000;
    next_mid = 0x100;
    struct sl_addr self = tp_addr(1, 5683);
    server_addr = tp_addr(2, 5683);
    tp_init(&tp, 3, &self);
    assert_int_equal(sl_engine_init(&eng, &tp.plat, NULL), SL_OK);
    sl_core_objects_init(&co);
    assert_int_equal(sl_store_add(&co.security, 0, NULL), SL_OK);
    set1(&co.security, 0, SL_SEC_URI, sl_value_string("coap://[fd00::1]:5683", 21));
    set1(&co.security, 0, SL_SEC_BOOTSTRAP, sl_value_bool(false));
    set1(&co.security, 0, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    set1(&co.security, 0, SL_SEC_SSID, sl_value_int(1));
    assert_int_equal(sl_store_add(&co.server, 0, NULL), SL_OK);
    set1(&co.server, 0, SL_SRV_SSID, sl_value_int(1));
    set1(&co.server, 0, SL_SRV_LIFETIME, sl_value_int(300));
    set1(&co.server, 0, SL_SRV_BINDING, sl_value_string("U", 1));
    set1(&co.server, 0, SL_SRV_STORING, sl_value_bool(false));
    sl_device_store_init(&device, device_inst, NULL);
    assert_int_equal(sl_device_store_setup(&device, "Sidelink", "cortex-m3", "0001", "0.1"),
                     SL_OK);
    assert_int_equal(sl_engine_add_object(&eng, &co.security.obj), SL_OK);
    assert_int_equal(sl_engine_add_object(&eng, &co.server.obj), SL_OK);
    assert_int_equal(sl_engine_add_object(&eng, &device.obj), SL_OK);
    struct sl_client_hooks hooks = { NULL, connect_server, NULL };
    assert_int_equal(sl_client_init(&client, &eng, &co, "m3-node", &hooks), SL_OK);
    return 0;
}

static struct sl_coap_msg sent(struct tp_datagram *d)
{
    struct sl_coap_msg m;
    assert_true(tp_pop(&tp, d));
    assert_int_equal(sl_coap_parse(&m, d->data, d->len), SL_OK);
    return m;
}

/* Receive a datagram the zero-copy way the firmware does: into the
 * engine's own buffer. */
static void deliver(const uint8_t *data, size_t len)
{
    uint8_t *rx = sl_engine_rx_buffer(&eng);
    assert_true(len <= SL_COAP_MAX_MSG);
    memcpy(rx, data, len);
    sl_engine_input(&eng, 0, &server_addr, rx, len, now);
}

/* Register and answer 2.01 with location rd/ab. */
static void register_client(void)
{
    struct tp_datagram d;
    sl_client_start(&client, now);
    sl_engine_step(&eng, now); /* the engine's clock, which the client uses */
    sl_client_step(&client, now);
    struct sl_coap_msg m = sent(&d);
    assert_int_equal(m.code, SL_COAP_POST);
    char query[SL_MAX_URI_QUERY] = "";
    size_t n = 0;
    for (unsigned k = 0;; k++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(&m, SL_COAP_OPT_URI_QUERY, k);
        if (!o)
            break;
        if (k)
            query[n++] = '&';
        memcpy(query + n, o->val, o->len);
        n += o->len;
    }
    query[n] = '\0';
    assert_string_equal(query, "ep=m3-node&lt=300&lwm2m=1.1&b=U");
    const char *links = "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>";
    assert_int_equal(m.payload_len, strlen(links));
    assert_memory_equal(m.payload, links, m.payload_len);
    uint8_t buf[32];
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, SL_COAP_CREATED, m.mid, m.token, m.tkl);
    sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, "rd", 2);
    sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, "ab", 2);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    deliver(buf, len);
    assert_int_equal(sl_client_reg(&client, 1)->state, SL_REG_REGISTERED);
}

/* Send a request as the server; returns the response's code, and its
 * message in *resp (pointing into *d). */
static uint8_t request(struct tc_req r, struct tp_datagram *d, struct sl_coap_msg *resp)
{
    uint8_t buf[SL_COAP_MAX_MSG];
    r.mid = next_mid++;
    size_t len = tc_build(&r, buf, sizeof buf);
    deliver(buf, len);
    *resp = sent(d);
    assert_int_equal(resp->mid, r.mid);
    return resp->code;
}

static uint8_t req_code(struct tc_req r)
{
    struct tp_datagram d;
    struct sl_coap_msg m;
    return request(r, &d, &m);
}

static void assert_text(struct tc_req r, const char *want)
{
    struct tp_datagram d;
    struct sl_coap_msg m;
    assert_int_equal(request(r, &d, &m), SL_COAP_CONTENT);
    assert_int_equal(m.payload_len, strlen(want));
    assert_memory_equal(m.payload, want, m.payload_len);
}

static void test_register_and_read(void **state)
{
    (void)state;
    register_client();
    assert_text(TC_REQ(.path = "/3/0/0"), "Sidelink");
    assert_text(TC_REQ(.path = "/1/0/1"), "300");
    /* TLV of the whole Device instance fits one 64-byte block */
    struct tp_datagram d;
    struct sl_coap_msg m;
    assert_int_equal(request(TC_REQ(.path = "/3/0", .accept = SL_FMT_TLV), &d, &m),
                     SL_COAP_CONTENT);
    assert_true(m.payload_len > 0 && m.payload_len <= 64);
    /* a Discover of /3/0 is longer than a block: Block2, 64 bytes each */
    assert_int_equal(request(TC_REQ(.path = "/3/0", .accept = SL_FMT_LINK), &d, &m),
                     SL_COAP_CONTENT);
    struct sl_coap_block b2;
    assert_int_equal(sl_coap_block_get(&m, SL_COAP_OPT_BLOCK2, &b2), SL_OK);
    assert_int_equal(SL_COAP_BLOCK_SIZE(b2.szx), 64);
    assert_true(b2.more);
    assert_int_equal(m.payload_len, 64);
    /* the bootstrap-only Security object stays closed to the server */
    assert_int_equal(req_code(TC_REQ(.path = "/0/0/0")), SL_COAP_UNAUTHORIZED);
}

/* SL_CONFIG_ACL 0: one server with every right, and no rights for a
 * requesting client (a C2C peer): nothing to look up. */
static void test_single_server_rights(void **state)
{
    (void)state;
    struct sl_actor server = { SL_ACTOR_SERVER, 1 }, client_actor = { SL_ACTOR_CLIENT, 7 };
    struct sl_dm *dm = sl_engine_dm(&eng);
    assert_true(sl_acl_allows(dm, &server, 3, 0, SL_ACL_READ | SL_ACL_WRITE | SL_ACL_EXECUTE));
    assert_true(sl_acl_allows(dm, &server, 1, 0, SL_ACL_WRITE));
    assert_false(sl_acl_allows(dm, &server, 0, 0, SL_ACL_READ));
    assert_false(sl_acl_allows(dm, &client_actor, 3, 0, SL_ACL_READ));
    assert_int_equal(sl_acl_rights(dm, &client_actor, 3, 0), 0);
}

/* SL_CONFIG_STORE_BACKUP 0 (and the Device store without a backup, as the
 * firmware has it): a request is all or nothing because the first pass
 * refuses whatever could fail later. */
static void test_writes_checked_first(void **state)
{
    (void)state;
    register_client();
    /* a string over its capacity (Binding holds 8) */
    assert_int_equal(req_code(TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/7",
                                     .format = SL_FMT_TEXT, .payload = "UQSUQSUQS", .len = 9)),
                     SL_COAP_BAD_REQUEST);
    assert_text(TC_REQ(.path = "/1/0/7"), "U");
    /* two records, the second over its capacity: the first is not written */
    uint8_t tlv[48] = { 0xc6, 0x0e, '+', '0', '1', ':', '0', '0', /* 14 UTC Offset */
                        0xc8, 0x0f, 33 }; /* 15 Timezone: 33 bytes, cap 32 */
    memset(tlv + 11, 'A', 33);
    assert_int_equal(req_code(TC_REQ(.code = SL_COAP_POST, .path = "/3/0", .format = SL_FMT_TLV,
                                     .payload = tlv, .len = 44)),
                     SL_COAP_BAD_REQUEST);
    assert_text(TC_REQ(.path = "/3/0/14"), "+00:00");
    tlv[7] = '1';
    tlv[10] = 10; /* Timezone now 10 bytes: both fit */
    assert_int_equal(req_code(TC_REQ(.code = SL_COAP_POST, .path = "/3/0", .format = SL_FMT_TLV,
                                     .payload = tlv, .len = 21)),
                     SL_COAP_CHANGED);
    assert_text(TC_REQ(.path = "/3/0/14"), "+01:01");
    assert_text(TC_REQ(.path = "/3/0/15"), "AAAAAAAAAA");

    /* a new entry of a multiple resource could find it full halfway: a store
     * without backup refuses it; overwriting an entry is fine */
    struct sl_dm_req req;
    struct sl_dm_resp resp;
    uint8_t out[64];
    memset(&req, 0, sizeof req);
    req.op = SL_OP_WRITE_UPDATE;
    req.actor = (struct sl_actor){ SL_ACTOR_LOCAL, 0 };
    req.format = SL_FMT_TEXT;
    req.accept = SL_FMT_NONE;
    req.payload = (const uint8_t *)"5";
    req.payload_len = 1;
    req.path = sl_path_make(4, 3, 0, SL_DEV_ERROR_CODE, 1);
    sl_dm_handle(sl_engine_dm(&eng), &req, out, sizeof out, &resp);
    assert_int_equal(resp.code, SL_COAP_METHOD_NOT_ALLOWED);
    req.path = sl_path_make(4, 3, 0, SL_DEV_ERROR_CODE, 0);
    sl_dm_handle(sl_engine_dm(&eng), &req, out, sizeof out, &resp);
    assert_int_equal(resp.code, SL_COAP_CHANGED);
    struct sl_value v;
    assert_int_equal(sl_store_read(&device, 0, SL_DEV_ERROR_CODE, 0, &v), SL_OK);
    assert_int_equal(v.v.i, 5);
    assert_int_equal(sl_store_read(&device, 0, SL_DEV_ERROR_CODE, 1, &v), SL_ERR_NOT_FOUND);

    /* a Short Server ID another account has: refused before the write */
    assert_int_equal(sl_store_add(&co.security, 1, NULL), SL_OK);
    set1(&co.security, 1, SL_SEC_SSID, sl_value_int(2));
    req.path = sl_path_make(3, 0, 1, SL_SEC_SSID, 0);
    req.op = SL_OP_WRITE_REPLACE;
    req.payload = (const uint8_t *)"1";
    sl_dm_handle(sl_engine_dm(&eng), &req, out, sizeof out, &resp);
    assert_int_equal(resp.code, SL_COAP_BAD_REQUEST);
    assert_int_equal(sl_store_int(&co.security, 1, SL_SEC_SSID, 0), 2);
}

/* SL_CONFIG_BLOCK 0: a Block1 request is answered 4.13 and nothing is kept. */
static void test_no_block1(void **state)
{
    (void)state;
    register_client();
    struct sl_coap_block b1 = { 0, true, 2 };
    uint8_t part[64];
    memset(part, '1', sizeof part);
    assert_int_equal(req_code(TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/1", .format = SL_FMT_TEXT,
                                     .block1 = (int)sl_coap_block_encode(&b1), .payload = part,
                                     .len = sizeof part)),
                     SL_COAP_REQUEST_ENTITY_TOO_LARGE);
    assert_text(TC_REQ(.path = "/1/0/1"), "300");
}

/* SL_CONFIG_OBSERVE_ATTRS 0: Write-Attributes is 4.05, and a changed value
 * is told at the Server object's Default Minimum Period. */
static void test_observe_default_periods(void **state)
{
    (void)state;
    set1(&co.server, 0, SL_SRV_PMIN, sl_value_int(10)); /* read when registering */
    register_client();
    assert_int_equal(req_code(TC_REQ(.code = SL_COAP_PUT, .path = "/3/0/13", .query = "pmin=1")),
                     SL_COAP_METHOD_NOT_ALLOWED);
    struct tp_datagram d;
    struct sl_coap_msg m;
    uint32_t seq;
    assert_int_equal(request(TC_REQ(.path = "/1/0/1", .observe = 0), &d, &m), SL_COAP_CONTENT);
    assert_int_equal(sl_coap_opt_uint(&m, SL_COAP_OPT_OBSERVE, &seq), SL_OK);
    sl_time_ms observed = now;
    assert_int_equal(req_code(TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/1",
                                     .format = SL_FMT_TEXT, .payload = "600", .len = 3)),
                     SL_COAP_CHANGED);
    sl_engine_step(&eng, now);
    assert_int_equal(tp.count, 0); /* not before pmin */
    assert_true(sl_engine_next_deadline(&eng) == observed + 10000);
    now = observed + 10000;
    sl_engine_step(&eng, now);
    m = sent(&d);
    assert_int_equal(m.code, SL_COAP_CONTENT);
    assert_int_equal(m.payload_len, 3);
    assert_memory_equal(m.payload, "600", 3);
    assert_int_equal(sl_coap_opt_uint(&m, SL_COAP_OPT_OBSERVE, &seq), SL_OK);
}

/* SL_CONFIG_FLOAT 0: Float values are refused by the text and TLV codecs and
 * by every conversion; integers still are fine. */
static void test_no_float(void **state)
{
    (void)state;
    struct sl_value raw = { .type = SL_TYPE_RAW_TEXT };
    raw.v.bytes.ptr = (const uint8_t *)"21.5";
    raw.v.bytes.len = 4;
    struct sl_value v;
    assert_int_equal(sl_value_convert(&raw, SL_TYPE_FLOAT, &v), SL_ERR_TYPE);
    struct sl_value i = sl_value_int(3);
    assert_int_equal(sl_value_convert(&i, SL_TYPE_FLOAT, &v), SL_ERR_TYPE);
    struct sl_value f = sl_value_float(1.0);
    assert_int_equal(sl_value_convert(&f, SL_TYPE_INT, &v), SL_ERR_TYPE);
    uint8_t buf[16];
    struct sl_wbuf w;
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_text_put_value(&w, &f), SL_ERR_TYPE);
    assert_int_equal(sl_text_put_value(&w, &i), SL_OK);
    /* and 64-bit decimals without a 64-bit division */
    char s[SL_DEC_INT_MAX];
    size_t n = sl_dec_format_u64(UINT64_MAX, s);
    assert_int_equal(n, 20);
    assert_memory_equal(s, "18446744073709551615", 20);
    uint32_t rem;
    assert_true(sl_dec_div_small(UINT64_MAX, 1000, &rem) == UINT64_MAX / 1000);
    assert_int_equal(rem, (uint32_t)(UINT64_MAX % 1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_register_and_read, setup),
        cmocka_unit_test_setup(test_single_server_rights, setup),
        cmocka_unit_test_setup(test_writes_checked_first, setup),
        cmocka_unit_test_setup(test_no_block1, setup),
        cmocka_unit_test_setup(test_observe_default_periods, setup),
        cmocka_unit_test_setup(test_no_float, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
