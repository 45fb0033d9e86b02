/* The bootstrap client against a hand-driven bootstrap server and LwM2M
 * server: the Bootstrap-Request, the server's operations and
 * Bootstrap-Finish, the hand over to registration (a Register to the URI
 * the bootstrap server wrote), Finish refused with 4.06 while the accounts
 * are not usable, the Finish timeout and the back-off, the hold-off time,
 * and the fall back to bootstrap after registration keeps failing. */
#include <stdio.h>
#include <string.h>

#include "test_coap.h"
#include "test_platform.h"
#include "test_util.h"

#include "client/bootstrap.h"
#include "codec/data.h"
#include "objects/device_ipso.h"

static struct test_platform tp;
static struct sl_engine eng;
static struct sl_core_objects co;
static struct sl_device_objects dev;
static struct sl_client client;
static struct sl_bootstrap bs;
static struct sl_addr server_addr, bs_addr;
static sl_time_ms now;
static unsigned connects, bs_connects, bs_changes;
static uint16_t next_mid;

static int hook_connect(void *ctx, struct sl_client *c, uint16_t ssid, const char *uri)
{
    (void)ctx;
    (void)c;
    assert_string_equal(uri, "coap://127.0.0.2:5683");
    connects++;
    int peer = sl_engine_peer_find(&eng, 0, &server_addr);
    if (peer >= 0)
        return peer;
    struct sl_actor who = { SL_ACTOR_SERVER, ssid };
    return sl_engine_peer_add(&eng, 0, &server_addr, &who);
}

static int hook_bs_connect(void *ctx, struct sl_bootstrap *b, const char *uri)
{
    (void)ctx;
    (void)b;
    assert_string_equal(uri, "coap://127.0.0.9:5683");
    bs_connects++;
    /* added as a server on purpose: the bootstrap client must make it the
     * bootstrap actor */
    struct sl_actor who = { SL_ACTOR_SERVER, 0 };
    return sl_engine_peer_add(&eng, 0, &bs_addr, &who);
}

static void hook_bs_state(void *ctx, struct sl_bootstrap *b, sl_err why)
{
    (void)ctx;
    (void)b;
    (void)why;
    bs_changes++;
}

static void set1(struct sl_store *s, uint16_t iid, uint16_t rid, struct sl_value v)
{
    assert_int_equal(sl_store_set(s, iid, rid, SL_ID_NONE, &v), SL_OK);
}

static struct sl_value str(const char *s)
{
    return sl_value_string(s, strlen(s));
}

/* The bootstrap server's account only: the client must bootstrap. */
static int setup(void **state)
{
    (void)state;
    now = 5000;
    connects = bs_connects = bs_changes = 0;
    next_mid = 100;
    struct sl_addr self = tp_addr(1, 56830);
    server_addr = tp_addr(2, 5683);
    bs_addr = tp_addr(9, 5683);
    tp_init(&tp, 11, &self);
    assert_int_equal(sl_engine_init(&eng, &tp.plat, NULL), SL_OK);
    sl_core_objects_init(&co);
    sl_device_objects_init(&dev);
    assert_int_equal(sl_store_add(&co.security, 0, NULL), SL_OK);
    set1(&co.security, 0, SL_SEC_URI, str("coap://127.0.0.9:5683"));
    set1(&co.security, 0, SL_SEC_BOOTSTRAP, sl_value_bool(true));
    set1(&co.security, 0, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    assert_int_equal(sl_device_setup(&dev, "Sidelink", "test", "1", "0.1"), SL_OK);
    struct sl_obj *objs[] = { &co.security.obj, &co.server.obj, &co.acl.obj, &dev.device.obj };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        assert_int_equal(sl_engine_add_object(&eng, objs[k]), SL_OK);
    struct sl_client_hooks hooks = { NULL, hook_connect, NULL };
    assert_int_equal(sl_client_init(&client, &eng, &co, "lamp-1", &hooks), SL_OK);
    struct sl_bootstrap_hooks bh = { NULL, hook_bs_connect, hook_bs_state };
    assert_int_equal(sl_bootstrap_init(&bs, &client, &bh), SL_OK);
    return 0;
}

/* Add server 1's account at coap://127.0.0.2:5683 locally. */
static void add_account(void)
{
    assert_int_equal(sl_store_add(&co.security, 1, NULL), SL_OK);
    set1(&co.security, 1, SL_SEC_URI, str("coap://127.0.0.2:5683"));
    set1(&co.security, 1, SL_SEC_BOOTSTRAP, sl_value_bool(false));
    set1(&co.security, 1, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    set1(&co.security, 1, SL_SEC_SSID, sl_value_int(1));
    assert_int_equal(sl_store_add(&co.server, 0, NULL), SL_OK);
    set1(&co.server, 0, SL_SRV_SSID, sl_value_int(1));
    set1(&co.server, 0, SL_SRV_LIFETIME, sl_value_int(60));
    set1(&co.server, 0, SL_SRV_BINDING, str("U"));
}

static void step_all(void)
{
    sl_engine_step(&eng, now);
    sl_client_step(&client, now);
    sl_bootstrap_step(&bs, now);
}

/* Run the timers up to `until` (nothing delivered); stop early when
 * something was sent or the bootstrap state changed. */
static void advance(sl_time_ms until)
{
    unsigned changes = bs_changes;
    for (;;) {
        sl_time_ms t = sl_engine_next_deadline(&eng);
        sl_time_ms b = sl_client_next_deadline(&client);
        sl_time_ms c = sl_bootstrap_next_deadline(&bs);
        if (b < t)
            t = b;
        if (c < t)
            t = c;
        if (t > until)
            break;
        if (t > now)
            now = t;
        step_all();
        if (tp.count > 0 || bs_changes != changes)
            return;
    }
    now = until;
    step_all();
}

/* The next datagram, sent to `to`, parsed. */
static struct sl_coap_msg sent(struct tp_datagram *d, const struct sl_addr *to)
{
    return tc_sent(&tp, d, to);
}

/* Answer a request of the client piggybacked, from `from`. */
static void answer(const struct sl_coap_msg *req, const struct sl_addr *from, uint8_t code,
                   const char *loc1, const char *loc2)
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
    sl_engine_input(&eng, 0, from, buf, len, now);
    step_all();
}

/* A request of the bootstrap server; returns the client's answer code
 * (its payload in *reply). */
static uint8_t bs_request(struct tc_req r, struct sl_coap_msg *reply, struct tp_datagram *d)
{
    uint8_t buf[600];
    r.mid = next_mid++;
    size_t len = tc_build(&r, buf, sizeof buf);
    sl_engine_input(&eng, 0, &bs_addr, buf, len, now);
    *reply = sent(d, &bs_addr);
    assert_int_equal(reply->mid, r.mid);
    return reply->code;
}

static size_t tlv(const char *base, const struct sl_record *recs, unsigned n, uint8_t *buf,
                  size_t cap)
{
    struct sl_path bp;
    struct sl_wbuf w;
    struct sl_data_enc enc;
    assert_int_equal(sl_path_parse(base, strlen(base), &bp), SL_OK);
    sl_wbuf_init(&w, buf, cap);
    assert_int_equal(sl_data_enc_begin(&enc, SL_FMT_TLV, &w, &bp), SL_OK);
    for (unsigned k = 0; k < n; k++)
        assert_int_equal(sl_data_enc_record(&enc, &recs[k]), SL_OK);
    assert_int_equal(sl_data_enc_end(&enc), SL_OK);
    return w.len;
}

static struct sl_record rec(const char *path, struct sl_value v)
{
    struct sl_record r;
    assert_int_equal(sl_path_parse(path, strlen(path), &r.path), SL_OK);
    r.value = v;
    return r;
}

/* The bootstrap server writes server 1's Security instance (1). */
static uint8_t bs_write_security(struct tp_datagram *d)
{
    struct sl_record recs[] = {
        rec("/0/1/0", str("coap://127.0.0.2:5683")),
        rec("/0/1/1", sl_value_bool(false)),
        rec("/0/1/2", sl_value_int(SL_SEC_MODE_NOSEC)),
        rec("/0/1/3", sl_value_opaque(NULL, 0)),
        rec("/0/1/4", sl_value_opaque(NULL, 0)),
        rec("/0/1/5", sl_value_opaque(NULL, 0)),
        rec("/0/1/10", sl_value_int(1)),
    };
    uint8_t body[256];
    size_t len = tlv("/0", recs, sizeof recs / sizeof recs[0], body, sizeof body);
    struct sl_coap_msg m;
    return bs_request(TC_REQ(.code = SL_COAP_PUT, .path = "/0", .format = SL_FMT_TLV,
                             .payload = body, .len = len),
                      &m, d);
}

/* The bootstrap server writes server 1's Server instance (0). */
static uint8_t bs_write_server(struct tp_datagram *d)
{
    struct sl_record recs[] = {
        rec("/1/0/0", sl_value_int(1)),
        rec("/1/0/1", sl_value_int(60)),
        rec("/1/0/6", sl_value_bool(false)),
        rec("/1/0/7", str("U")),
    };
    uint8_t body[128];
    size_t len = tlv("/1", recs, sizeof recs / sizeof recs[0], body, sizeof body);
    struct sl_coap_msg m;
    return bs_request(TC_REQ(.code = SL_COAP_PUT, .path = "/1", .format = SL_FMT_TLV,
                             .payload = body, .len = len),
                      &m, d);
}

static uint8_t bs_finish(struct tp_datagram *d)
{
    struct sl_coap_msg m;
    return bs_request(TC_REQ(.code = SL_COAP_POST, .path = "/bs"), &m, d);
}

/* The Bootstrap-Request, checked and accepted. */
static void bootstrap_requested(struct tp_datagram *d)
{
    advance(now + 1000);
    struct sl_coap_msg m = sent(d, &bs_addr);
    assert_int_equal(m.type, SL_COAP_CON);
    assert_int_equal(m.code, SL_COAP_POST);
    char path[32], query[96];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    tc_opt_join(&m, SL_COAP_OPT_URI_QUERY, '&', query, sizeof query);
    assert_string_equal(path, "bs");
    assert_string_equal(query, "ep=lamp-1");
    assert_int_equal(m.payload_len, 0);
    assert_int_equal(bs.state, SL_BS_REQUESTING);
    answer(&m, &bs_addr, SL_COAP_CHANGED, NULL, NULL);
    assert_int_equal(bs.state, SL_BS_CONFIGURING);
}

static void test_full_flow(void **state)
{
    (void)state;
    struct tp_datagram d;
    assert_true(sl_bootstrap_needed(&bs));
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_OK);
    assert_int_equal(bs.state, SL_BS_WAITING);
    bootstrap_requested(&d);
    assert_int_equal(bs_connects, 1);
    assert_int_equal(sl_engine_peer(&eng, bs.peer)->actor.kind, SL_ACTOR_BOOTSTRAP);

    /* the bootstrap server cleans up, writes the accounts, looks, finishes */
    struct sl_coap_msg m;
    assert_int_equal(bs_request(TC_REQ(.code = SL_COAP_DELETE, .path = "/"), &m, &d),
                     SL_COAP_DELETED);
    assert_int_equal(bs_write_security(&d), SL_COAP_CHANGED);
    assert_int_equal(bs_write_server(&d), SL_COAP_CHANGED);
    assert_int_equal(bs_request(TC_REQ(.path = "/", .accept = SL_FMT_LINK), &m, &d),
                     SL_COAP_CONTENT);
    const char *want = "</>;lwm2m=\"1.1\",</0>;ver=1.1,</0/0>;uri=\"coap://127.0.0.9:5683\","
                       "</0/1>;ssid=1;uri=\"coap://127.0.0.2:5683\",</1>;ver=1.1,</1/0>;ssid=1,"
                       "</2>,</3>;ver=1.1,</3/0>";
    assert_int_equal(m.payload_len, strlen(want));
    assert_memory_equal(m.payload, want, strlen(want));
    assert_int_equal(tp.count, 0);
    assert_int_equal(bs_finish(&d), SL_COAP_CHANGED);
    assert_int_equal(connects, 0); /* the hand over waits for the next step */

    /* the registration client takes over: Register to the new server */
    advance(now);
    assert_true(sl_bootstrap_done(&bs));
    m = sent(&d, &server_addr);
    assert_int_equal(m.code, SL_COAP_POST);
    char path[32], query[96];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    tc_opt_join(&m, SL_COAP_OPT_URI_QUERY, '&', query, sizeof query);
    assert_string_equal(path, "rd");
    assert_string_equal(query, "ep=lamp-1&lt=60&lwm2m=1.1&b=U");
    assert_int_equal(connects, 1);
    answer(&m, &server_addr, SL_COAP_CREATED, "rd", "x1");
    assert_int_equal(sl_client_reg(&client, 1)->state, SL_REG_REGISTERED);
    assert_int_equal(sl_bootstrap_next_deadline(&bs), UINT64_MAX);
    /* from now on the client talks to its server only */
    sl_time_ms t0 = now;
    for (unsigned k = 0; k < 100 && now < t0 + 120000; k++) {
        advance(t0 + 120000);
        while (tp_pop(&tp, &d))
            assert_true(sl_addr_equal(&d.to, &server_addr));
    }
    assert_true(now >= t0 + 120000);
    assert_true(sl_bootstrap_done(&bs));
}

static void test_finish_inconsistent_not_acceptable(void **state)
{
    (void)state;
    struct tp_datagram d;
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_OK);
    bootstrap_requested(&d);
    /* nothing written yet */
    assert_int_equal(bs_finish(&d), SL_COAP_NOT_ACCEPTABLE);
    /* a Security instance without a Server instance of its Short Server ID */
    assert_int_equal(bs_write_security(&d), SL_COAP_CHANGED);
    assert_int_equal(bs_finish(&d), SL_COAP_NOT_ACCEPTABLE);
    advance(now + 1000);
    assert_int_equal(bs.state, SL_BS_CONFIGURING);
    assert_int_equal(tp.count, 0); /* no Register */
    assert_false(client.started);
    /* with it, the configuration is usable */
    assert_int_equal(bs_write_server(&d), SL_COAP_CHANGED);
    assert_int_equal(bs_finish(&d), SL_COAP_CHANGED);
    advance(now);
    assert_true(sl_bootstrap_done(&bs));
    struct sl_coap_msg m = sent(&d, &server_addr);
    assert_int_equal(m.code, SL_COAP_POST);
}

static void test_finish_timeout_and_backoff(void **state)
{
    (void)state;
    struct tp_datagram d;
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_OK);
    bootstrap_requested(&d);
    /* no Bootstrap-Finish within the limit: retry after the back-off */
    sl_time_ms t0 = now;
    advance(t0 + SL_BOOTSTRAP_FINISH_TIMEOUT_MS - 1);
    assert_int_equal(bs.state, SL_BS_CONFIGURING);
    advance(t0 + SL_BOOTSTRAP_FINISH_TIMEOUT_MS);
    assert_int_equal(bs.state, SL_BS_WAITING);
    assert_int_equal(bs.failures, 1);
    t0 = now;
    advance(t0 + SL_BOOTSTRAP_RETRY_FIRST_MS - 1);
    assert_int_equal(tp.count, 0);
    advance(t0 + SL_BOOTSTRAP_RETRY_FIRST_MS + 1000);
    struct sl_coap_msg m = sent(&d, &bs_addr);
    assert_true(now - t0 >= SL_BOOTSTRAP_RETRY_FIRST_MS && now - t0 < SL_BOOTSTRAP_RETRY_FIRST_MS + 1000);
    /* refused: the next wait doubles */
    answer(&m, &bs_addr, SL_COAP_BAD_REQUEST, NULL, NULL);
    assert_int_equal(bs.state, SL_BS_WAITING);
    assert_int_equal(bs.failures, 2);
    t0 = now;
    advance(t0 + 2 * SL_BOOTSTRAP_RETRY_FIRST_MS - 1);
    assert_int_equal(tp.count, 0);
    advance(t0 + 2 * SL_BOOTSTRAP_RETRY_FIRST_MS + 1000);
    m = sent(&d, &bs_addr);
    assert_int_equal(bs_connects, 1); /* the same peer all along */
    /* accepted this time, and finished: the back-off starts over */
    answer(&m, &bs_addr, SL_COAP_CHANGED, NULL, NULL);
    assert_int_equal(bs_write_security(&d), SL_COAP_CHANGED);
    assert_int_equal(bs_write_server(&d), SL_COAP_CHANGED);
    assert_int_equal(bs_finish(&d), SL_COAP_CHANGED);
    advance(now);
    assert_true(sl_bootstrap_done(&bs));
    assert_int_equal(bs.failures, 0);
}

static void test_hold_off(void **state)
{
    (void)state;
    struct tp_datagram d;
    set1(&co.security, 0, SL_SEC_HOLD_OFF, sl_value_int(5));
    sl_time_ms t0 = now;
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_OK);
    advance(t0 + 4999);
    assert_int_equal(tp.count, 0);
    advance(t0 + 5000);
    struct sl_coap_msg m = sent(&d, &bs_addr);
    assert_int_equal(m.code, SL_COAP_POST);
}

static void test_boot_registers_when_usable(void **state)
{
    (void)state;
    struct tp_datagram d;
    add_account();
    assert_false(sl_bootstrap_needed(&bs));
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_OK);
    advance(now);
    struct sl_coap_msg m = sent(&d, &server_addr);
    char path[32];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "rd");
    assert_int_equal(bs.state, SL_BS_IDLE);
    assert_int_equal(bs_connects, 0);
}

static void test_fallback_after_registration_failures(void **state)
{
    (void)state;
    struct tp_datagram d;
    add_account();
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_OK);
    /* the server refuses every Register */
    for (unsigned k = 0; k < SL_BOOTSTRAP_AFTER_REG_FAILURES; k++) {
        advance(now + 120000);
        struct sl_coap_msg m = sent(&d, &server_addr);
        assert_int_equal(bs.state, SL_BS_IDLE);
        answer(&m, &server_addr, SL_COAP_FORBIDDEN, NULL, NULL);
    }
    /* then, in the same step, the client turns to the bootstrap server */
    assert_int_equal(bs.state, SL_BS_REQUESTING);
    assert_false(client.started);
    struct sl_coap_msg m = sent(&d, &bs_addr);
    char path[8];
    tc_opt_join(&m, SL_COAP_OPT_URI_PATH, '/', path, sizeof path);
    assert_string_equal(path, "bs");
    assert_int_equal(tp.count, 0); /* and no Register any more */
}

static void test_init_and_usable_rules(void **state)
{
    (void)state;
    struct sl_bootstrap other;
    struct sl_bootstrap_hooks none = { NULL, NULL, NULL };
    assert_int_equal(sl_bootstrap_init(&other, &client, &none), SL_ERR_INVALID);
    assert_int_equal(sl_bootstrap_account(&co), 0);
    assert_false(sl_bootstrap_config_usable(&co));
    add_account();
    assert_true(sl_bootstrap_config_usable(&co));
    /* a Short Server ID out of range, an empty URI, or a bootstrap account
     * make no usable account */
    set1(&co.security, 1, SL_SEC_SSID, sl_value_int(65535));
    set1(&co.server, 0, SL_SRV_SSID, sl_value_int(65535));
    assert_false(sl_bootstrap_config_usable(&co));
    set1(&co.security, 1, SL_SEC_SSID, sl_value_int(1));
    set1(&co.server, 0, SL_SRV_SSID, sl_value_int(1));
    set1(&co.security, 1, SL_SEC_URI, str(""));
    assert_false(sl_bootstrap_config_usable(&co));
    set1(&co.security, 1, SL_SEC_URI, str("coap://127.0.0.2:5683"));
    set1(&co.security, 1, SL_SEC_BOOTSTRAP, sl_value_bool(true));
    assert_false(sl_bootstrap_config_usable(&co));
    /* without a bootstrap account there is nothing to start */
    assert_int_equal(sl_store_remove(&co.security, 0), SL_OK);
    assert_int_equal(sl_store_remove(&co.security, 1), SL_OK);
    assert_int_equal(sl_bootstrap_account(&co), -1);
    assert_int_equal(sl_bootstrap_start(&bs, now), SL_ERR_NOT_FOUND);
    assert_int_equal(sl_bootstrap_boot(&bs, now), SL_ERR_NOT_FOUND);
    assert_int_equal(bs.state, SL_BS_IDLE);
    assert_string_equal(sl_bootstrap_state_name(SL_BS_CONFIGURING), "configuring");
}

/* A Server instance whose SSID matches the bootstrap account's is no
 * server account: the registration client never registers with the
 * bootstrap server (the Bootstrap-Server resource is a Boolean). */
static void test_registration_skips_bootstrap_account(void **state)
{
    (void)state;
    set1(&co.security, 0, SL_SEC_SSID, sl_value_int(1));
    assert_int_equal(sl_store_add(&co.server, 0, NULL), SL_OK);
    set1(&co.server, 0, SL_SRV_SSID, sl_value_int(1));
    set1(&co.server, 0, SL_SRV_LIFETIME, sl_value_int(60));
    set1(&co.server, 0, SL_SRV_BINDING, str("U"));
    sl_client_start(&client, now);
    sl_client_step(&client, now);
    sl_engine_step(&eng, now);
    assert_int_equal(connects, 0);
    assert_int_equal(tp.count, 0);
    assert_null(sl_client_reg(&client, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_full_flow, setup),
        cmocka_unit_test_setup(test_registration_skips_bootstrap_account, setup),
        cmocka_unit_test_setup(test_finish_inconsistent_not_acceptable, setup),
        cmocka_unit_test_setup(test_finish_timeout_and_backoff, setup),
        cmocka_unit_test_setup(test_hold_off, setup),
        cmocka_unit_test_setup(test_boot_registers_when_usable, setup),
        cmocka_unit_test_setup(test_fallback_after_registration_failures, setup),
        cmocka_unit_test_setup(test_init_and_usable_rules, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
