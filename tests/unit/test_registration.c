/* The registration client against a hand-driven server: Register with its
 * query and link list, Update timing, Update with a new link list or
 * lifetime, re-register after 4.04, back-off after failures, Disable,
 * Registration Update Trigger and De-register. */
#include <stdio.h>
#include <string.h>

#include "test_coap.h"
#include "test_platform.h"
#include "test_util.h"

#include "client/registration.h"
#include "objects/device_ipso.h"

static struct test_platform tp;
static struct sl_engine eng;
static struct sl_core_objects co;
static struct sl_device_objects dev;
static struct sl_client client;
static struct sl_addr server_addr;
static sl_time_ms now;
static unsigned connects;
static unsigned state_changes;

static int hook_connect(void *ctx, struct sl_client *c, uint16_t ssid, const char *uri)
{
    (void)ctx;
    (void)c;
    assert_string_equal(uri, "coap://127.0.0.2:5683");
    connects++;
    /* called before every Register: the same server is the same peer */
    int peer = sl_engine_peer_find(&eng, 0, &server_addr);
    if (peer >= 0)
        return peer;
    struct sl_actor who = { SL_ACTOR_SERVER, ssid };
    return sl_engine_peer_add(&eng, 0, &server_addr, &who);
}

static void hook_state(void *ctx, struct sl_client *c, const struct sl_reg *reg, sl_err why)
{
    (void)ctx;
    (void)c;
    (void)reg;
    (void)why;
    state_changes++;
}

static void set_int(struct sl_store *s, uint16_t iid, uint16_t rid, int64_t v)
{
    struct sl_value val = sl_value_int(v);
    assert_int_equal(sl_store_set(s, iid, rid, SL_ID_NONE, &val), SL_OK);
}

static void set_str(struct sl_store *s, uint16_t iid, uint16_t rid, const char *v)
{
    struct sl_value val = sl_value_string(v, strlen(v));
    assert_int_equal(sl_store_set(s, iid, rid, SL_ID_NONE, &val), SL_OK);
}

static int setup(void **state)
{
    (void)state;
    now = 5000;
    connects = state_changes = 0;
    struct sl_addr self = tp_addr(1, 56830);
    server_addr = tp_addr(2, 5683);
    tp_init(&tp, 7, &self);
    assert_int_equal(sl_engine_init(&eng, &tp.plat, NULL), SL_OK);
    sl_core_objects_init(&co);
    sl_device_objects_init(&dev);
    assert_int_equal(sl_store_add(&co.security, 0, NULL), SL_OK);
    set_str(&co.security, 0, SL_SEC_URI, "coap://127.0.0.2:5683");
    set_int(&co.security, 0, SL_SEC_MODE, SL_SEC_MODE_NOSEC);
    set_int(&co.security, 0, SL_SEC_SSID, 1);
    struct sl_value f = sl_value_bool(false);
    sl_store_set(&co.security, 0, SL_SEC_BOOTSTRAP, SL_ID_NONE, &f);
    assert_int_equal(sl_store_add(&co.server, 0, NULL), SL_OK);
    set_int(&co.server, 0, SL_SRV_SSID, 1);
    set_int(&co.server, 0, SL_SRV_LIFETIME, 60);
    set_str(&co.server, 0, SL_SRV_BINDING, "U");
    sl_store_set(&co.server, 0, SL_SRV_STORING, SL_ID_NONE, &f);
    assert_int_equal(sl_device_setup(&dev, "Sidelink", "test", "1", "0.1"), SL_OK);
    assert_int_equal(sl_store_add(&dev.temperature, 0, NULL), SL_OK);
    struct sl_value t = sl_value_float(21.5);
    sl_store_set(&dev.temperature, 0, SL_IPSO_SENSOR_VALUE, SL_ID_NONE, &t);
    struct sl_obj *objs[] = { &co.security.obj, &co.server.obj, &co.acl.obj, &dev.device.obj,
                              &dev.temperature.obj, &dev.light.obj };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        assert_int_equal(sl_engine_add_object(&eng, objs[k]), SL_OK);
    struct sl_client_hooks hooks = { NULL, hook_connect, hook_state };
    assert_int_equal(sl_client_init(&client, &eng, &co, "lamp-1", &hooks), SL_OK);
    return 0;
}

/* Run the client and engine timers up to `until` (nothing delivered);
 * stop early when the client sends something or changes state. */
static void advance(sl_time_ms until)
{
    unsigned changes = state_changes;
    for (;;) {
        sl_time_ms a = sl_engine_next_deadline(&eng);
        sl_time_ms b = sl_client_next_deadline(&client);
        sl_time_ms t = a < b ? a : b;
        if (t > until)
            break;
        if (t > now)
            now = t;
        sl_engine_step(&eng, now);
        sl_client_step(&client, now);
        if (tp.count > 0 || state_changes != changes)
            return; /* something to look at */
    }
    now = until;
    sl_engine_step(&eng, now);
    sl_client_step(&client, now);
}

/* The next datagram the client sent, parsed. */
static struct sl_coap_msg sent(struct tp_datagram *d)
{
    return tc_sent(&tp, d, &server_addr);
}

/* Answer a request piggybacked, with optional Location-Path segments. */
static void answer(const struct sl_coap_msg *req, uint8_t code, const char *loc1, const char *loc2)
{
    uint8_t buf[64];
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, code, req->mid, req->token, req->tkl);
    if (loc1)
        sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, loc1, strlen(loc1));
    if (loc2)
        sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, loc2, strlen(loc2));
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    sl_engine_input(&eng, 0, &server_addr, buf, len, now);
    sl_client_step(&client, now);
}

static struct sl_coap_msg registered(struct tp_datagram *d)
{
    sl_client_start(&client, now);
    advance(now);
    struct sl_coap_msg m = sent(d);
    answer(&m, SL_COAP_CREATED, "rd", "ab12");
    assert_int_equal(sl_client_reg(&client, 1)->state, SL_REG_REGISTERED);
    return m;
}

static void test_register_payload_and_query(void **state)
{
    (void)state;
    struct tp_datagram d;
    sl_client_start(&client, now);
    advance(now);
    struct sl_coap_msg m = sent(&d);
    assert_int_equal(m.type, SL_COAP_CON);
    assert_int_equal(m.code, SL_COAP_POST);
    char path[64], query[256];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    tc_opt_join(&m, SL_COAP_OPT_URI_QUERY, '&', query, sizeof query);
    assert_string_equal(path, "rd");
    assert_string_equal(query, "ep=lamp-1&lt=60&lwm2m=1.1&b=U");
    uint16_t cf;
    assert_int_equal(sl_coap_content_format(&m, &cf), SL_OK);
    assert_int_equal(cf, SL_FMT_LINK);
    /* objects and instances, never object 0; versions where not 1.0; empty
     * objects listed on their own */
    const char *want = "</1>;ver=1.1,</1/0>,</2>,</3>;ver=1.1,</3/0>,</3303/0>,</3311>";
    assert_int_equal(m.payload_len, strlen(want));
    assert_memory_equal(m.payload, want, strlen(want));
    assert_int_equal(connects, 1);

    answer(&m, SL_COAP_CREATED, "rd", "ab12");
    const struct sl_reg *reg = sl_client_reg(&client, 1);
    assert_int_equal(reg->state, SL_REG_REGISTERED);
    assert_string_equal(reg->location, "rd/ab12");
    /* the Update comes a quarter lifetime early: 45 s */
    sl_time_ms t0 = now;
    advance(t0 + 44999);
    assert_int_equal(tp.count, 0);
    advance(t0 + 45000);
    m = sent(&d);
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd/ab12");
    assert_null(sl_coap_opt_get(&m, SL_COAP_OPT_URI_QUERY, 0));
    assert_int_equal(m.payload_len, 0);
    answer(&m, SL_COAP_CHANGED, NULL, NULL);
    assert_int_equal(reg->state, SL_REG_REGISTERED);
}

static void test_update_carries_changes(void **state)
{
    (void)state;
    struct tp_datagram d;
    registered(&d);
    /* a server creates a light instance: the Update lists it */
    uint8_t req[64], body[] = { 0xe1, 0x16, 0xda, 0x01 }; /* TLV 5850 = true */
    size_t len = tc_build(&TC_REQ(.code = SL_COAP_POST, .mid = 900, .path = "/3311",
                                  .format = SL_FMT_TLV, .payload = body, .len = sizeof body),
                          req, sizeof req);
    sl_engine_input(&eng, 0, &server_addr, req, len, now);
    struct sl_coap_msg m = sent(&d);
    assert_int_equal(m.code, SL_COAP_CREATED);
    sl_client_step(&client, now);
    m = sent(&d);
    char path[64];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd/ab12");
    const char *want = "</1>;ver=1.1,</1/0>,</2>,</3>;ver=1.1,</3/0>,</3303/0>,</3311/0>";
    assert_int_equal(m.payload_len, strlen(want));
    assert_memory_equal(m.payload, want, strlen(want));
    answer(&m, SL_COAP_CHANGED, NULL, NULL);
    /* a new lifetime goes out as lt= */
    len = tc_build(&TC_REQ(.code = SL_COAP_PUT, .mid = 901, .path = "/1/0/1", .format = 0,
                           .payload = "120", .len = 3),
                   req, sizeof req);
    sl_engine_input(&eng, 0, &server_addr, req, len, now);
    m = sent(&d);
    assert_int_equal(m.code, SL_COAP_CHANGED);
    sl_client_step(&client, now);
    m = sent(&d);
    char query[64];
    tc_opt_join(&m, SL_COAP_OPT_URI_QUERY, '&', query, sizeof query);
    assert_string_equal(query, "lt=120");
    assert_int_equal(m.payload_len, 0);
    answer(&m, SL_COAP_CHANGED, NULL, NULL);
    /* the Registration Update Trigger sends one at once */
    len = tc_build(&TC_REQ(.code = SL_COAP_POST, .mid = 902, .path = "/1/0/8"), req, sizeof req);
    sl_engine_input(&eng, 0, &server_addr, req, len, now);
    m = sent(&d);
    assert_int_equal(m.code, SL_COAP_CHANGED);
    sl_client_step(&client, now);
    m = sent(&d);
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd/ab12");
    assert_null(sl_coap_opt_get(&m, SL_COAP_OPT_URI_QUERY, 0));
}

static void test_reregister_after_404_and_backoff(void **state)
{
    (void)state;
    struct tp_datagram d;
    registered(&d);
    advance(now + 45000);
    struct sl_coap_msg m = sent(&d);
    answer(&m, SL_COAP_NOT_FOUND, NULL, NULL);
    /* at once: a new Register */
    advance(now);
    m = sent(&d);
    char path[64];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd");
    /* the server refuses: back off 1 s (+ jitter below 1 s), then 2 s ... */
    answer(&m, SL_COAP_FORBIDDEN, NULL, NULL);
    assert_int_equal(sl_client_reg(&client, 1)->state, SL_REG_RETRY_WAIT);
    sl_time_ms t0 = now;
    advance(t0 + 999);
    assert_int_equal(tp.count, 0);
    advance(t0 + 2000);
    m = sent(&d);
    sl_time_ms wait1 = now - t0;
    assert_true(wait1 >= 1000 && wait1 < 2000);
    answer(&m, SL_COAP_FORBIDDEN, NULL, NULL);
    t0 = now;
    advance(t0 + 1999);
    assert_int_equal(tp.count, 0);
    advance(t0 + 3000);
    m = sent(&d);
    assert_true(now - t0 >= 2000 && now - t0 < 3000);
    /* no answer at all: the CON times out (93 s at most), then back-off */
    sl_time_ms sent_at = now;
    uint16_t mid = m.mid;
    unsigned retransmissions = 0;
    while (sl_client_reg(&client, 1)->failures < 3) {
        assert_true(now < sent_at + 100000);
        advance(sent_at + 100000);
        while (tp.count) {
            struct sl_coap_msg r = sent(&d);
            assert_int_equal(r.mid, mid); /* only retransmissions of that Register */
            retransmissions++;
        }
    }
    assert_int_equal(retransmissions, 4);
    assert_true(now - sent_at >= 62000 && now - sent_at <= 93000); /* 31 T */
    assert_int_equal(sl_client_reg(&client, 1)->state, SL_REG_RETRY_WAIT);
    assert_int_equal(sl_client_reg(&client, 1)->failures, 3);
}

static void test_disable_and_deregister(void **state)
{
    (void)state;
    struct tp_datagram d;
    registered(&d);
    set_int(&co.server, 0, SL_SRV_DISABLE_TIMEOUT, 30);
    uint8_t req[64];
    size_t len = tc_build(&TC_REQ(.code = SL_COAP_POST, .mid = 700, .path = "/1/0/4"), req,
                          sizeof req);
    sl_engine_input(&eng, 0, &server_addr, req, len, now);
    struct sl_coap_msg m = sent(&d);
    assert_int_equal(m.code, SL_COAP_CHANGED); /* the Execute is answered first */
    assert_int_equal(tp.count, 0);
    sl_client_step(&client, now);
    m = sent(&d);
    assert_int_equal(m.code, SL_COAP_DELETE);
    char path[64];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd/ab12");
    answer(&m, SL_COAP_DELETED, NULL, NULL);
    assert_int_equal(sl_client_reg(&client, 1)->state, SL_REG_DISABLED);
    sl_time_ms t0 = now;
    advance(t0 + 29999);
    assert_int_equal(tp.count, 0);
    advance(t0 + 30000);
    m = sent(&d);
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd");
    answer(&m, SL_COAP_CREATED, "rd", "cd34");
    /* a clean stop de-registers */
    sl_client_stop(&client, now);
    assert_false(sl_client_stopped(&client));
    m = sent(&d);
    assert_int_equal(m.code, SL_COAP_DELETE);
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd/cd34");
    answer(&m, SL_COAP_DELETED, NULL, NULL);
    assert_true(sl_client_stopped(&client));
    advance(now + 200000);
    assert_int_equal(tp.count, 0); /* and stays quiet */
}

static void test_init_rejects_bad_endpoint(void **state)
{
    (void)state;
    struct sl_client c2;
    struct sl_client_hooks hooks = { NULL, hook_connect, NULL };
    char longname[SL_MAX_ENDPOINT_LEN + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(sl_client_init(&c2, &eng, &co, "", &hooks), SL_ERR_INVALID);
    assert_int_equal(sl_client_init(&c2, &eng, &co, longname, &hooks), SL_ERR_INVALID);
    struct sl_client_hooks none = { NULL, NULL, NULL };
    assert_int_equal(sl_client_init(&c2, &eng, &co, "x", &none), SL_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_register_payload_and_query, setup),
        cmocka_unit_test_setup(test_update_carries_changes, setup),
        cmocka_unit_test_setup(test_reregister_after_404_and_backoff, setup),
        cmocka_unit_test_setup(test_disable_and_deregister, setup),
        cmocka_unit_test_setup(test_init_rejects_bad_endpoint, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
