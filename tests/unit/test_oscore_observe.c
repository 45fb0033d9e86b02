/* OSCORE and Observe (RFC 8613 4.1.3.5, 7.4.1, 8.4.2): the Inner Observe
 * decides and the Outer one is for proxies only; notifications carry an
 * empty Inner Observe and the client orders them by Partial IV; the
 * Notification Number of each observation discards stale notifications. */
#include "test_util.h"

#include <string.h>

#include "coap/coap_msg.h"
#include "security/oscore.h"

static const uint8_t k_secret[16] = {0x3a, 0x07, 0xf1, 0x90, 0x42, 0x5d, 0xe6, 0x2b,
                                     0x11, 0x8c, 0x73, 0x04, 0xbd, 0x69, 0x20, 0xce};
static const uint8_t k_client_id[1] = {0x21};
static const uint8_t k_server_id[2] = {0x4c, 0x31};
static const uint8_t k_tok[3] = {0x0b, 0x5e, 0x77};

static void derive_pair(struct sl_oscore_ctx *c, struct sl_oscore_ctx *s)
{
    struct sl_oscore_params p = {
        .master_secret = k_secret,
        .master_secret_len = sizeof k_secret,
        .sender_id = k_client_id,
        .sender_id_len = sizeof k_client_id,
        .recipient_id = k_server_id,
        .recipient_id_len = sizeof k_server_id,
    };
    assert_int_equal(sl_oscore_ctx_derive(c, &p), SL_OK);
    p.sender_id = k_server_id;
    p.sender_id_len = sizeof k_server_id;
    p.recipient_id = k_client_id;
    p.recipient_id_len = sizeof k_client_id;
    assert_int_equal(sl_oscore_ctx_derive(s, &p), SL_OK);
}

struct msg {
    uint8_t bytes[256];
    size_t len;
    struct sl_coap_msg m;
};

static void parse(struct msg *mb)
{
    assert_int_equal(sl_coap_parse(&mb->m, mb->bytes, mb->len), SL_OK);
}

/* GET /3303/0/5700, with Observe `observe` unless it is negative. */
static void build_get(struct msg *mb, int observe)
{
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, mb->bytes, sizeof mb->bytes, SL_COAP_CON, SL_COAP_GET, 0x4000, k_tok,
                        sizeof k_tok);
    if (observe >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, (uint32_t)observe);
    sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "3303/0/5700", 11, '/');
    assert_int_equal(sl_coap_build_end(&b, &mb->len), SL_OK);
    parse(mb);
}

/* 2.05 with Observe `observe` (none if negative) and a SenML payload. */
static void build_content(struct msg *mb, int observe, uint8_t value)
{
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, mb->bytes, sizeof mb->bytes, SL_COAP_NON, SL_COAP_CONTENT, 0x5000,
                        k_tok, sizeof k_tok);
    if (observe >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, (uint32_t)observe);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, 112);
    uint8_t payload[2] = {0x81, value};
    sl_coap_build_payload(&b, payload, sizeof payload);
    assert_int_equal(sl_coap_build_end(&b, &mb->len), SL_OK);
    parse(mb);
}

/* Rebuild mb's outer message with option `num` set to (val, len), or
 * removed when val is NULL and len is SIZE_MAX; what a proxy may do. */
static void set_outer_option(struct msg *mb, uint16_t num, const uint8_t *val, size_t len)
{
    bool drop = val == NULL && len == SIZE_MAX;
    struct msg out;
    struct sl_coap_builder b;
    bool done = drop;
    sl_coap_build_begin(&b, out.bytes, sizeof out.bytes, mb->m.type, mb->m.code, mb->m.mid,
                        mb->m.token, mb->m.tkl);
    for (unsigned i = 0; i < mb->m.opt_count; i++) {
        const struct sl_coap_opt *o = &mb->m.opts[i];
        if (!done && o->num >= num) {
            sl_coap_build_opt(&b, num, val, len);
            done = true;
        }
        if (o->num != num)
            sl_coap_build_opt(&b, o->num, o->val, o->len);
    }
    if (!done)
        sl_coap_build_opt(&b, num, val, len);
    sl_coap_build_payload(&b, mb->m.payload, mb->m.payload_len);
    assert_int_equal(sl_coap_build_end(&b, &out.len), SL_OK);
    *mb = out;
    parse(mb);
}

static uint32_t observe_of(const struct msg *mb)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(sl_coap_opt_uint(&mb->m, SL_COAP_OPT_OBSERVE, &v), SL_OK);
    return v;
}

/* Register: the client protects GET Observe 0, the server verifies it. */
static void do_register(struct sl_oscore_ctx *c, struct sl_oscore_ctx *s,
                        struct sl_oscore_binding *cb, struct sl_oscore_binding *sb)
{
    struct msg plain, prot, inner;
    uint8_t code;
    build_get(&plain, 0);
    assert_int_equal(sl_oscore_protect_request(c, &plain.m, 0, prot.bytes, sizeof prot.bytes,
                                               &prot.len, cb),
                     SL_OK);
    assert_true(cb->observe);
    parse(&prot);
    assert_int_equal(sl_oscore_unprotect_request(s, &prot.m, inner.bytes, sizeof inner.bytes,
                                                 &inner.len, sb, &code),
                     SL_OK);
    assert_true(sb->observe);
}

/* A notification protected by the server with its own Partial IV, which
 * is the server's sequence number `seq`. */
static void notify(struct sl_oscore_ctx *s, const struct sl_oscore_binding *sb, uint64_t seq,
                   int observe, uint8_t value, bool own_piv, struct msg *prot)
{
    struct msg plain;
    build_content(&plain, observe, value);
    s->sender_seq = seq;
    assert_int_equal(sl_oscore_protect_response(s, &plain.m, sb, own_piv, 0, prot->bytes,
                                                sizeof prot->bytes, &prot->len),
                     SL_OK);
    parse(prot);
}

static sl_err receive(struct sl_oscore_ctx *c, const struct sl_oscore_binding *cb,
                      struct sl_oscore_notif *n, struct msg *prot, struct msg *inner)
{
    parse(prot);
    inner->len = 0xbad;
    sl_err err = sl_oscore_unprotect_notification(c, &prot->m, cb, n, inner->bytes,
                                                  sizeof inner->bytes, &inner->len);
    if (err == SL_OK)
        parse(inner);
    return err;
}

/* ---- Notification Numbers (7.4.1) ----------------------------------------- */

static void test_notification_numbers(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive_pair(&c, &s);
    do_register(&c, &s, &cb, &sb);
    struct sl_oscore_notif n;
    memset(&n, 0, sizeof n);
    struct msg n10, n11, n12, n13, inner;
    notify(&s, &sb, 10, 7, 21, true, &n10);
    notify(&s, &sb, 11, 8, 22, true, &n11);
    notify(&s, &sb, 12, 9, 23, true, &n12);
    notify(&s, &sb, 13, 10, 24, true, &n13);

    assert_int_equal(receive(&c, &cb, &n, &n10, &inner), SL_OK);
    assert_true(n.seen && n.number == 10);
    assert_int_equal(inner.m.payload[1], 21);
    struct msg again = n10;
    assert_int_equal(receive(&c, &cb, &n, &again, &inner), SL_ERR_RANGE); /* the same */
    assert_int_equal(inner.len, 0);
    assert_true(n.number == 10);
    assert_int_equal(receive(&c, &cb, &n, &n12, &inner), SL_OK); /* 11 lost or late */
    assert_true(n.number == 12);
    assert_int_equal(inner.m.payload[1], 23);
    assert_int_equal(receive(&c, &cb, &n, &n11, &inner), SL_ERR_RANGE); /* older */
    assert_true(n.number == 12);
    again = n12;
    assert_int_equal(receive(&c, &cb, &n, &again, &inner), SL_ERR_RANGE);
    assert_int_equal(receive(&c, &cb, &n, &n13, &inner), SL_OK); /* newer */
    assert_true(n.number == 13);
    assert_int_equal(inner.m.payload[1], 24);

    /* The numbers are per observation, not the context's replay window:
     * another observation takes n11, and the client's window is untouched. */
    struct sl_oscore_notif other;
    memset(&other, 0, sizeof other);
    assert_int_equal(receive(&c, &cb, &other, &n11, &inner), SL_OK);
    assert_false(c.replay_seen);

    /* plain unprotect_response does not look at Notification Numbers */
    uint8_t code;
    assert_int_equal(sl_oscore_unprotect_response(&c, &n10.m, &cb, inner.bytes,
                                                  sizeof inner.bytes, &inner.len, &code),
                     SL_OK);

    /* A tampered notification is a decryption failure, and leaves n. */
    struct msg bad;
    notify(&s, &sb, 20, 11, 25, true, &bad);
    bad.bytes[bad.len - 2] ^= 0x10;
    assert_int_equal(receive(&c, &cb, &n, &bad, &inner), SL_ERR_DENIED);
    assert_true(n.number == 13);
}

/* At most one notification without Partial IV (the first, reusing the
 * request's nonce), and it counts as the oldest. */
static void test_notification_without_piv(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive_pair(&c, &s);
    do_register(&c, &s, &cb, &sb);
    struct sl_oscore_notif n;
    memset(&n, 0, sizeof n);
    struct msg first, later, inner;
    notify(&s, &sb, 0, 0, 1, false, &first);
    struct msg first_copy = first;
    notify(&s, &sb, 3, 4, 2, true, &later);

    assert_int_equal(receive(&c, &cb, &n, &first, &inner), SL_OK);
    assert_true(n.no_piv && !n.seen);
    assert_int_equal(observe_of(&inner), 0); /* no Partial IV: the oldest value */
    assert_int_equal(receive(&c, &cb, &n, &first_copy, &inner), SL_ERR_RANGE);
    assert_int_equal(receive(&c, &cb, &n, &later, &inner), SL_OK);
    assert_true(n.seen && n.number == 3);

    /* Without Partial IV after one with: older than what was delivered. */
    memset(&n, 0, sizeof n);
    first = first_copy;
    assert_int_equal(receive(&c, &cb, &n, &later, &inner), SL_OK);
    assert_int_equal(receive(&c, &cb, &n, &first, &inner), SL_ERR_RANGE);
}

/* A response without Inner Observe ends the observation: verified like any
 * response, the Notification Number stays as it was. */
static void test_final_response_is_not_a_notification(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive_pair(&c, &s);
    do_register(&c, &s, &cb, &sb);
    struct sl_oscore_notif n = {.number = 50, .seen = true};
    struct msg resp, inner;
    notify(&s, &sb, 5, -1, 9, true, &resp);
    assert_int_equal(resp.m.code, SL_COAP_CHANGED);
    assert_int_equal(receive(&c, &cb, &n, &resp, &inner), SL_OK);
    assert_null(sl_coap_opt_get(&inner.m, SL_COAP_OPT_OBSERVE, 0));
    assert_true(n.number == 50);
}

/* ---- Observe Inner and Outer (4.1.3.5) ------------------------------------- */

/* Requests: both copies carry the value; the receiver reads only the
 * Inner one, so a proxy can neither add nor remove a registration. */
static void test_request_observe_inner_decides(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive_pair(&c, &s);
    struct msg plain, prot, inner;
    struct sl_oscore_binding cb, sb;
    uint8_t code;

    build_get(&plain, 0);
    assert_int_equal(sl_oscore_protect_request(&c, &plain.m, 0, prot.bytes, sizeof prot.bytes,
                                               &prot.len, &cb),
                     SL_OK);
    parse(&prot);
    assert_int_equal(prot.m.code, SL_COAP_FETCH);
    assert_int_equal(observe_of(&prot), 0);
    set_outer_option(&prot, SL_COAP_OPT_OBSERVE, NULL, SIZE_MAX); /* proxy drops it */
    assert_null(sl_coap_opt_get(&prot.m, SL_COAP_OPT_OBSERVE, 0));
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot.m, inner.bytes, sizeof inner.bytes,
                                                 &inner.len, &sb, &code),
                     SL_OK);
    parse(&inner);
    assert_int_equal(observe_of(&inner), 0);
    assert_true(sb.observe);

    build_get(&plain, -1);
    assert_int_equal(sl_oscore_protect_request(&c, &plain.m, 0, prot.bytes, sizeof prot.bytes,
                                               &prot.len, &cb),
                     SL_OK);
    assert_false(cb.observe);
    parse(&prot);
    assert_int_equal(prot.m.code, SL_COAP_POST);
    static const uint8_t zero[1] = {0};
    set_outer_option(&prot, SL_COAP_OPT_OBSERVE, zero, 0); /* proxy adds Observe 0 */
    assert_non_null(sl_coap_opt_get(&prot.m, SL_COAP_OPT_OBSERVE, 0));
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot.m, inner.bytes, sizeof inner.bytes,
                                                 &inner.len, &sb, &code),
                     SL_OK);
    parse(&inner);
    assert_null(sl_coap_opt_get(&inner.m, SL_COAP_OPT_OBSERVE, 0));
    assert_false(sb.observe);

    /* A deregistration (Observe 1) is an Observe request but registers
     * nothing: its response is not a notification. */
    build_get(&plain, 1);
    assert_int_equal(sl_oscore_protect_request(&c, &plain.m, 0, prot.bytes, sizeof prot.bytes,
                                               &prot.len, &cb),
                     SL_OK);
    assert_false(cb.observe);
    parse(&prot);
    assert_int_equal(observe_of(&prot), 1);
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot.m, inner.bytes, sizeof inner.bytes,
                                                 &inner.len, &sb, &code),
                     SL_OK);
    parse(&inner);
    assert_int_equal(observe_of(&inner), 1);
    assert_false(sb.observe);
}

/* Responses: the Outer Observe carries the server's value for proxies,
 * the client ignores it and gets the low three bytes of the Partial IV. */
static void test_notification_observe_from_partial_iv(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive_pair(&c, &s);
    do_register(&c, &s, &cb, &sb);
    struct msg prot, inner;
    uint8_t code;

    notify(&s, &sb, UINT64_C(0x01020304), 12, 1, true, &prot);
    assert_int_equal(prot.m.code, SL_COAP_CONTENT);
    assert_int_equal(observe_of(&prot), 12);
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, inner.bytes,
                                                  sizeof inner.bytes, &inner.len, &code),
                     SL_OK);
    parse(&inner);
    assert_int_equal(observe_of(&inner), 0x020304);

    /* A proxy rewriting or dropping the Outer Observe changes nothing. */
    static const uint8_t big[3] = {0xff, 0xff, 0xff};
    set_outer_option(&prot, SL_COAP_OPT_OBSERVE, big, sizeof big);
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, inner.bytes,
                                                  sizeof inner.bytes, &inner.len, &code),
                     SL_OK);
    parse(&inner);
    assert_int_equal(observe_of(&inner), 0x020304);
    set_outer_option(&prot, SL_COAP_OPT_OBSERVE, NULL, SIZE_MAX);
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, inner.bytes,
                                                  sizeof inner.bytes, &inner.len, &code),
                     SL_OK);
    parse(&inner);
    assert_int_equal(observe_of(&inner), 0x020304);

    /* An Outer Observe added to a plain response does not make it one. */
    notify(&s, &sb, 40, -1, 2, true, &prot);
    static const uint8_t seven[1] = {7};
    set_outer_option(&prot, SL_COAP_OPT_OBSERVE, seven, 1);
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, inner.bytes,
                                                  sizeof inner.bytes, &inner.len, &code),
                     SL_OK);
    parse(&inner);
    assert_null(sl_coap_opt_get(&inner.m, SL_COAP_OPT_OBSERVE, 0));
}

/* A notification answers only a registration: the server refuses to make
 * one for another request (spending no sequence number), and a client
 * drops one that answers a plain request (8.4.2). */
static void test_notification_needs_registration(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive_pair(&c, &s);
    struct msg plain, prot, inner, resp;
    struct sl_oscore_binding cb, sb;
    uint8_t code;
    build_get(&plain, -1);
    assert_int_equal(sl_oscore_protect_request(&c, &plain.m, 0, prot.bytes, sizeof prot.bytes,
                                               &prot.len, &cb),
                     SL_OK);
    parse(&prot);
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot.m, inner.bytes, sizeof inner.bytes,
                                                 &inner.len, &sb, &code),
                     SL_OK);
    build_content(&plain, 3, 1);
    uint64_t seq = s.sender_seq;
    assert_int_equal(sl_oscore_protect_response(&s, &plain.m, &sb, true, 0, resp.bytes,
                                                sizeof resp.bytes, &resp.len),
                     SL_ERR_INVALID);
    assert_true(s.sender_seq == seq);

    struct sl_oscore_binding lying = sb;
    lying.observe = true;
    assert_int_equal(sl_oscore_protect_response(&s, &plain.m, &lying, true, 0, resp.bytes,
                                                sizeof resp.bytes, &resp.len),
                     SL_OK);
    parse(&resp);
    assert_int_equal(sl_oscore_unprotect_response(&c, &resp.m, &cb, inner.bytes,
                                                  sizeof inner.bytes, &inner.len, &code),
                     SL_ERR_INVALID);
    assert_int_equal(inner.len, 0);
    struct sl_oscore_notif n;
    memset(&n, 0, sizeof n);
    assert_int_equal(sl_oscore_unprotect_notification(&c, &resp.m, &cb, &n, inner.bytes,
                                                      sizeof inner.bytes, &inner.len),
                     SL_ERR_INVALID);
    assert_false(n.seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notification_numbers),
        cmocka_unit_test(test_notification_without_piv),
        cmocka_unit_test(test_final_response_is_not_a_notification),
        cmocka_unit_test(test_request_observe_inner_decides),
        cmocka_unit_test(test_notification_observe_from_partial_iv),
        cmocka_unit_test(test_notification_needs_registration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
