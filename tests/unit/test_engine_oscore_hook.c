/* The engine side of the message hook's ready reply (SL_MSG_HOOK_REPLY,
 * the way OSCORE answers with its Echo challenge): the engine sends the
 * hook's bytes as the reply, fixes type and message ID, caches them for
 * dedup and does not process the request. No crypto: a toy hook. */
#include <string.h>

#include "test_coap.h"
#include "test_objects.h"
#include "test_platform.h"
#include "test_util.h"

#include "sidelink/engine.h"

static struct test_platform tp;
static struct sl_engine eng;
static struct tobj temp;
static struct sl_addr self, other;
static int peer;
static sl_time_ms now;

/* The toy protection: a protected message ends with the byte 0xEE after
 * its payload. A request whose payload starts with '!' is answered by the
 * hook itself: a 4.01 with an Echo option, "protected", type CON and MID
 * 0xDEAD on purpose (the engine must fix both). */
static unsigned unprotect_calls, protect_calls;

static sl_err toy_protect(void *ctx, int p, uint8_t *buf, size_t *len, size_t cap)
{
    (void)ctx;
    (void)p;
    struct sl_coap_msg m;
    if (*len + 2 > cap || sl_coap_parse(&m, buf, *len) != SL_OK)
        return SL_ERR_INVALID;
    if (m.payload_len == 0)
        buf[(*len)++] = 0xff;
    buf[(*len)++] = 0xee;
    protect_calls++;
    return SL_OK;
}

static sl_err toy_unprotect(void *ctx, int p, uint8_t *buf, size_t *len, size_t cap,
                            uint8_t *reply_code)
{
    (void)ctx;
    (void)p;
    unprotect_calls++;
    if (*len < 5 || buf[*len - 1] != 0xee) {
        *reply_code = SL_COAP_UNAUTHORIZED;
        return SL_ERR_DENIED;
    }
    (*len)--;
    if (buf[*len - 1] == 0xff) /* the marker of an empty payload */
        (*len)--;
    struct sl_coap_msg m;
    assert_int_equal(sl_coap_parse(&m, buf, *len), SL_OK);
    if (m.payload_len > 0 && m.payload[0] == '!') {
        static const uint8_t echo[4] = { 1, 2, 3, 4 };
        struct sl_coap_builder b;
        uint8_t tok[SL_COAP_MAX_TOKEN];
        uint8_t tkl = m.tkl;
        memcpy(tok, m.token, tkl);
        sl_coap_build_begin(&b, buf, cap, SL_COAP_CON, SL_COAP_UNAUTHORIZED, 0xDEAD, tok, tkl);
        sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, echo, sizeof echo);
        sl_coap_build_payload(&b, "\xee", 1);
        assert_int_equal(sl_coap_build_end(&b, len), SL_OK);
        *reply_code = SL_MSG_HOOK_REPLY;
        return SL_ERR_STATE;
    }
    return SL_OK;
}

static const struct sl_msg_hook toy_hook = { toy_protect, toy_unprotect };

static int setup(void **state)
{
    (void)state;
    now = 1000;
    self = tp_addr(1, 5683);
    other = tp_addr(2, 5683);
    tp_init(&tp, 7, &self);
    assert_int_equal(sl_engine_init(&eng, &tp.plat, NULL), SL_OK);
    tobj_init(&temp, 3303, true, true);
    tobj_add(&temp, 0)->num = 5;
    assert_int_equal(sl_engine_add_object(&eng, &temp.obj), SL_OK);
    struct sl_actor who = { SL_ACTOR_SERVER, 1 };
    peer = sl_engine_peer_add(&eng, 0, &other, &who);
    assert_true(peer >= 0);
    eng.peers[peer].hook = &toy_hook;
    unprotect_calls = protect_calls = 0;
    return 0;
}

static size_t put_request(uint8_t type, uint16_t mid, const char *payload, uint8_t *buf,
                          size_t cap)
{
    size_t len = tc_build(&TC_REQ(.type = type, .code = SL_COAP_PUT, .mid = mid,
                                  .path = "/3303/0/1", .format = 0, .payload = payload,
                                  .len = strlen(payload)),
                          buf, cap);
    buf[len++] = 0xee;
    return len;
}

static struct sl_coap_msg pop(struct tp_datagram *d)
{
    struct sl_coap_msg m;
    assert_true(tp_pop(&tp, d));
    assert_int_equal(sl_coap_parse(&m, d->data, d->len), SL_OK);
    return m;
}

static void test_con_ready_reply(void **state)
{
    (void)state;
    uint8_t req[64];
    size_t len = put_request(SL_COAP_CON, 0x1234, "!9", req, sizeof req);
    sl_engine_input(&eng, 0, &other, req, len, now);
    struct tp_datagram d1, d2;
    struct sl_coap_msg m = pop(&d1);
    assert_int_equal(m.type, SL_COAP_ACK);
    assert_int_equal(m.mid, 0x1234);
    assert_int_equal(m.code, SL_COAP_UNAUTHORIZED);
    assert_int_equal(m.tkl, 2);
    assert_memory_equal(m.token, "\x01\x02", 2);
    assert_non_null(sl_coap_opt_get(&m, SL_COAP_OPT_ECHO, 0));
    /* sent as the hook made it: not protected a second time */
    assert_int_equal(protect_calls, 0);
    assert_int_equal(d1.data[d1.len - 1], 0xee);
    assert_int_not_equal(d1.data[d1.len - 2], 0xee);
    /* not processed */
    assert_int_equal(temp.writes, 0);
    assert_int_equal(tobj_get(&temp, 0)->num, 5);
    /* the retransmission gets the same bytes from the cache, no hook */
    sl_engine_input(&eng, 0, &other, req, len, now + 2000);
    pop(&d2);
    assert_int_equal(d2.len, d1.len);
    assert_memory_equal(d2.data, d1.data, d1.len);
    assert_int_equal(unprotect_calls, 1);
    /* a new request (the retry) goes through and is processed */
    len = put_request(SL_COAP_CON, 0x1235, "9", req, sizeof req);
    sl_engine_input(&eng, 0, &other, req, len, now + 3000);
    m = pop(&d1);
    assert_int_equal(m.code, SL_COAP_CHANGED);
    assert_int_equal(protect_calls, 1);
    assert_int_equal(tobj_get(&temp, 0)->num, 9);
}

static void test_non_ready_reply(void **state)
{
    (void)state;
    uint8_t req[64];
    size_t len = put_request(SL_COAP_NON, 0x2222, "!7", req, sizeof req);
    sl_engine_input(&eng, 0, &other, req, len, now);
    struct tp_datagram d;
    struct sl_coap_msg m = pop(&d);
    assert_int_equal(m.type, SL_COAP_NON);
    assert_int_not_equal(m.mid, 0xDEAD); /* the engine's own MID */
    assert_int_not_equal(m.mid, 0x2222);
    assert_int_equal(m.code, SL_COAP_UNAUTHORIZED);
    assert_int_equal(temp.writes, 0);
    /* a duplicate NON is answered from the cache */
    sl_engine_input(&eng, 0, &other, req, len, now + 10);
    struct tp_datagram d2;
    pop(&d2);
    assert_memory_equal(d2.data, d.data, d.len);
    assert_int_equal(unprotect_calls, 1);
}

/* A ready reply for something that is not a request is not sent. */
static void test_ready_reply_only_for_requests(void **state)
{
    (void)state;
    uint8_t rsp[32];
    /* a NON 2.05 "response" carrying '!' */
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, rsp, sizeof rsp, SL_COAP_NON, SL_COAP_CONTENT, 0x3333,
                        (const uint8_t *)"\x09", 1);
    sl_coap_build_payload(&b, "!", 1);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    rsp[len++] = 0xee;
    sl_engine_input(&eng, 0, &other, rsp, len, now);
    assert_int_equal(unprotect_calls, 1);
    assert_int_equal(tp.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_con_ready_reply, setup),
        cmocka_unit_test_setup(test_non_ready_reply, setup),
        cmocka_unit_test_setup(test_ready_reply_only_for_requests, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
