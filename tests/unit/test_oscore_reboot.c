/* OSCORE across reboots (RFC 8613 7.5, B.1): the Sender Sequence Number
 * persisted ahead by a window (B.1.1), so that a restored context never
 * reuses a Partial IV, and the Echo exchange (B.1.2, RFC 9175) that a
 * restored server runs before it trusts a request's Partial IV again. */
#include "test_util.h"

#include <string.h>

#include "coap/coap_msg.h"
#include "security/oscore.h"

/* ---- contexts and messages ---------------------------------------------- */

static const uint8_t k_secret[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                     0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
static const uint8_t k_salt[8] = {0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40};
static const uint8_t k_client_id[1] = {0x0c};
static const uint8_t k_server_id[1] = {0x5e};

/* A freshly derived context of one side; derive again to "reboot". */
static void derive(struct sl_oscore_ctx *ctx, bool server)
{
    struct sl_oscore_params p = {
        .master_secret = k_secret,
        .master_secret_len = sizeof k_secret,
        .master_salt = k_salt,
        .master_salt_len = sizeof k_salt,
        .sender_id = server ? k_server_id : k_client_id,
        .sender_id_len = 1,
        .recipient_id = server ? k_client_id : k_server_id,
        .recipient_id_len = 1,
    };
    assert_int_equal(sl_oscore_ctx_derive(ctx, &p), SL_OK);
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

/* CON PUT /3311/0/5850 "1", with an Echo option when echo != NULL. */
static void build_put(struct msg *mb, uint16_t mid, const uint8_t *echo, size_t echo_len)
{
    static const uint8_t tok[4] = {0x7a, 0x11, 0x00, 0x5f};
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, mb->bytes, sizeof mb->bytes, SL_COAP_CON, SL_COAP_PUT, mid, tok, 4);
    sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "3311/0/5850", 11, '/');
    if (echo != NULL)
        sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, echo, echo_len);
    sl_coap_build_payload(&b, "1", 1);
    assert_int_equal(sl_coap_build_end(&b, &mb->len), SL_OK);
    parse(mb);
}

static sl_err protect_put(struct sl_oscore_ctx *c, uint16_t mid, const uint8_t *echo,
                          size_t echo_len, struct msg *prot, struct sl_oscore_binding *bind)
{
    struct msg plain;
    build_put(&plain, mid, echo, echo_len);
    sl_err err = sl_oscore_protect_request(c, &plain.m, 0, prot->bytes, sizeof prot->bytes,
                                           &prot->len, bind);
    if (err == SL_OK)
        parse(prot);
    return err;
}

static uint64_t bind_seq(const struct sl_oscore_binding *b)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < b->piv_len; i++)
        v = (v << 8) | b->piv[i];
    return v;
}

/* ---- sequence-number persistence (B.1.1) --------------------------------- */

static void test_unpersisted_context_is_unlimited(void **state)
{
    (void)state;
    struct sl_oscore_ctx c;
    derive(&c, false);
    assert_true(c.seq_limit == SL_OSCORE_SEQ_UNLIMITED);
    assert_false(sl_oscore_seq_save_needed(&c));
    struct msg prot;
    struct sl_oscore_binding b;
    for (unsigned i = 0; i < 3 * SL_OSCORE_SEQ_SAVE_WINDOW; i++)
        assert_int_equal(protect_put(&c, (uint16_t)i, NULL, 0, &prot, &b), SL_OK);
    assert_false(sl_oscore_seq_save_needed(&c));
}

/* A restored context sends nothing until a limit above its sequence
 * number is persisted, and stops exactly at the limit; a refusal spends no
 * number; the save hint comes with half a window left. */
static void test_limit_blocks_requests_and_responses(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, false);
    derive(&s, true);
    assert_int_equal(sl_oscore_ctx_restore(&c, 0), SL_OK);
    struct msg prot;
    struct sl_oscore_binding cb;
    assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &cb), SL_ERR_BUSY);
    assert_true(c.sender_seq == 0);
    assert_true(sl_oscore_seq_save_needed(&c));
    uint64_t limit = sl_oscore_seq_next_limit(&c);
    assert_true(limit == SL_OSCORE_SEQ_SAVE_WINDOW);
    assert_int_equal(sl_oscore_seq_saved(&c, limit), SL_OK);
    for (uint64_t i = 0; i < SL_OSCORE_SEQ_SAVE_WINDOW; i++) {
        bool left_half = SL_OSCORE_SEQ_SAVE_WINDOW - i <= SL_OSCORE_SEQ_SAVE_WINDOW / 2;
        assert_int_equal(sl_oscore_seq_save_needed(&c), left_half);
        assert_int_equal(protect_put(&c, 2, NULL, 0, &prot, &cb), SL_OK);
        assert_true(bind_seq(&cb) == i);
    }
    assert_int_equal(protect_put(&c, 3, NULL, 0, &prot, &cb), SL_ERR_BUSY);
    assert_true(c.sender_seq == SL_OSCORE_SEQ_SAVE_WINDOW);

    /* Server side (first boot: fresh context, persistence switched on by
     * the first save, here of 0): a response with its own Partial IV is
     * held back the same way; one reusing the request's nonce spends
     * nothing and goes. */
    assert_int_equal(sl_oscore_seq_saved(&s, 0), SL_OK);
    assert_int_equal(protect_put(&c, 4, NULL, 0, &prot, &cb), SL_ERR_BUSY);
    assert_int_equal(sl_oscore_seq_saved(&c, sl_oscore_seq_next_limit(&c)), SL_OK);
    assert_int_equal(protect_put(&c, 4, NULL, 0, &prot, &cb), SL_OK);
    uint8_t inner[256], code;
    size_t inner_len;
    struct sl_oscore_binding sb;
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot.m, inner, sizeof inner, &inner_len,
                                                 &sb, &code),
                     SL_OK);
    struct msg resp_plain, resp;
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, resp_plain.bytes, sizeof resp_plain.bytes, SL_COAP_ACK,
                        SL_COAP_CHANGED, 4, prot.m.token, prot.m.tkl);
    assert_int_equal(sl_coap_build_end(&b, &resp_plain.len), SL_OK);
    parse(&resp_plain);
    assert_int_equal(sl_oscore_protect_response(&s, &resp_plain.m, &sb, true, 0, resp.bytes,
                                                sizeof resp.bytes, &resp.len),
                     SL_ERR_BUSY);
    assert_true(s.sender_seq == 0);
    assert_int_equal(sl_oscore_protect_response(&s, &resp_plain.m, &sb, false, 0, resp.bytes,
                                                sizeof resp.bytes, &resp.len),
                     SL_OK);
    assert_true(s.sender_seq == 0);
    assert_int_equal(sl_oscore_seq_saved(&s, sl_oscore_seq_next_limit(&s)), SL_OK);
    assert_int_equal(sl_oscore_protect_response(&s, &resp_plain.m, &sb, true, 0, resp.bytes,
                                                sizeof resp.bytes, &resp.len),
                     SL_OK);
    assert_true(s.sender_seq == 1);
}

/* Storage as the application sees it: a write takes `delay` further
 * messages to become durable, and only then is sl_oscore_seq_saved
 * called. */
struct storage {
    uint64_t durable; /* what a reboot reads */
    uint64_t pending;
    bool writing;
    unsigned countdown;
};

static void storage_complete(struct storage *st, struct sl_oscore_ctx *c)
{
    if (!st->writing)
        return;
    st->durable = st->pending;
    st->writing = false;
    assert_int_equal(sl_oscore_seq_saved(c, st->durable), SL_OK);
}

/* Send one request the way an application would: start a write when asked
 * to, let time pass, and wait for the write when sending is held back.
 * Returns the sequence number used. */
static uint64_t app_send(struct sl_oscore_ctx *c, struct storage *st, unsigned delay)
{
    if (!st->writing && sl_oscore_seq_save_needed(c)) {
        st->pending = sl_oscore_seq_next_limit(c);
        st->writing = true;
        st->countdown = delay;
    }
    if (st->writing && st->countdown-- == 0)
        storage_complete(st, c);
    struct msg prot;
    struct sl_oscore_binding b;
    sl_err err = protect_put(c, 9, NULL, 0, &prot, &b);
    if (err == SL_ERR_BUSY) {
        assert_true(st->writing); /* held back only while a write is under way */
        storage_complete(st, c);
        err = protect_put(c, 9, NULL, 0, &prot, &b);
    }
    assert_int_equal(err, SL_OK);
    return bind_seq(&b);
}

/* The reboot: whatever was sent before, at whatever point the power went
 * (a write pending or not, slow or fast storage), every Partial IV sent
 * after restoring from storage is above every one sent before. */
static void test_reboot_never_reuses_partial_iv(void **state)
{
    (void)state;
    static const unsigned delays[] = {0, 5, SL_OSCORE_SEQ_SAVE_WINDOW / 2,
                                      SL_OSCORE_SEQ_SAVE_WINDOW * 2};
    for (size_t d = 0; d < sizeof delays / sizeof delays[0]; d++) {
        for (unsigned crash_after = 0; crash_after < 3 * SL_OSCORE_SEQ_SAVE_WINDOW;
             crash_after += 7) {
            struct sl_oscore_ctx c;
            struct storage st = {0};
            derive(&c, false);
            assert_int_equal(sl_oscore_ctx_restore(&c, st.durable), SL_OK); /* first boot */
            uint64_t highest = 0;
            bool sent = false;
            for (unsigned i = 0; i < crash_after; i++) {
                uint64_t seq = app_send(&c, &st, delays[d]);
                assert_true(!sent || seq == highest + 1);
                highest = seq;
                sent = true;
            }
            /* Power loss: RAM is gone, a pending write is lost. */
            derive(&c, false);
            st.writing = false;
            assert_int_equal(sl_oscore_ctx_restore(&c, st.durable), SL_OK);
            for (unsigned i = 0; i < 2 * SL_OSCORE_SEQ_SAVE_WINDOW; i++) {
                uint64_t seq = app_send(&c, &st, delays[d]);
                if (sent && seq <= highest)
                    fail_msg("delay %u, crash after %u: Partial IV %llu reused (sent up to %llu)",
                             delays[d], crash_after, (unsigned long long)seq,
                             (unsigned long long)highest);
            }
        }
    }
}

static void test_limit_edges(void **state)
{
    (void)state;
    struct sl_oscore_ctx c;
    struct msg prot;
    struct sl_oscore_binding b;
    derive(&c, false);
    assert_int_equal(sl_oscore_ctx_restore(&c, SL_OSCORE_SEQ_UNLIMITED + 1), SL_ERR_INVALID);
    assert_int_equal(sl_oscore_seq_saved(&c, SL_OSCORE_SEQ_UNLIMITED + 1), SL_ERR_INVALID);
    assert_true(c.seq_limit == SL_OSCORE_SEQ_UNLIMITED);

    /* Storage that went below a number already used: sending stops. */
    assert_int_equal(sl_oscore_ctx_restore(&c, 100), SL_OK);
    assert_int_equal(sl_oscore_seq_saved(&c, 164), SL_OK);
    for (int i = 0; i < 10; i++)
        assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &b), SL_OK);
    assert_int_equal(sl_oscore_seq_saved(&c, 105), SL_ERR_INVALID);
    assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &b), SL_ERR_BUSY);

    /* Near the end of the 2^40 space the limit is the end itself, and
     * running out is SL_ERR_STATE (a new context is needed), not BUSY. */
    assert_int_equal(sl_oscore_ctx_restore(&c, SL_OSCORE_MAX_SEQ - 2), SL_OK);
    assert_true(sl_oscore_seq_next_limit(&c) == SL_OSCORE_SEQ_UNLIMITED);
    assert_int_equal(sl_oscore_seq_saved(&c, sl_oscore_seq_next_limit(&c)), SL_OK);
    assert_false(sl_oscore_seq_save_needed(&c));
    for (int i = 0; i < 3; i++)
        assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &b), SL_OK);
    assert_true(bind_seq(&b) == SL_OSCORE_MAX_SEQ);
    assert_int_equal(b.piv_len, 5);
    assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &b), SL_ERR_STATE);
    assert_int_equal(sl_oscore_ctx_restore(&c, SL_OSCORE_SEQ_UNLIMITED), SL_OK);
    assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &b), SL_ERR_STATE);
}

/* ---- Echo after a reboot (B.1.2) ------------------------------------------ */

static const uint8_t k_rand[SL_OSCORE_ECHO_LEN] = {0xe1, 0xc4, 0x0d, 0x55,
                                                   0x93, 0x02, 0x7b, 0xa8};

static sl_err serve(struct sl_oscore_ctx *s, struct msg *prot, struct msg *inner,
                    struct sl_oscore_binding *sb, uint8_t *code)
{
    parse(prot);
    *code = 0xff;
    return sl_oscore_unprotect_request(s, &prot->m, inner->bytes, sizeof inner->bytes,
                                       &inner->len, sb, code);
}

/* A server restored after a reboot, its limit persisted, Echo armed. */
static void rebooted_server(struct sl_oscore_ctx *s)
{
    derive(s, true);
    assert_int_equal(sl_oscore_ctx_restore(s, 300), SL_OK);
    assert_int_equal(sl_oscore_seq_saved(s, sl_oscore_seq_next_limit(s)), SL_OK);
    assert_int_equal(sl_oscore_echo_arm(s, k_rand), SL_OK);
}

static void test_echo_after_reboot(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, false);
    derive(&s, true);
    struct msg prot, inner, old[4];
    struct sl_oscore_binding cb, sb;
    uint8_t code;
    /* Before the reboot: requests 0..3 accepted, and recorded by someone. */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(protect_put(&c, (uint16_t)(0x100 + i), NULL, 0, &old[i], &cb), SL_OK);
        assert_int_equal(serve(&s, &old[i], &inner, &sb, &code), SL_OK);
    }
    rebooted_server(&s);

    /* The replay of a recorded request decrypts fine but is not trusted. */
    struct msg replayed = old[2];
    assert_int_equal(serve(&s, &replayed, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_int_equal(inner.len, 0);
    assert_string_equal(sl_oscore_error_text(SL_ERR_STATE, code), "");

    /* A new request of the client: the same 4.01 answer, protected. */
    assert_int_equal(protect_put(&c, 0x200, NULL, 0, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_memory_equal(sb.piv, cb.piv, cb.piv_len); /* bound to this request */
    struct msg resp;
    uint64_t server_seq = s.sender_seq;
    assert_int_equal(sl_oscore_echo_response(&s, &prot.m, &sb, resp.bytes, sizeof resp.bytes,
                                             &resp.len),
                     SL_OK);
    assert_true(s.sender_seq == server_seq + 1);
    parse(&resp);
    assert_int_equal(resp.m.type, SL_COAP_ACK);
    assert_int_equal(resp.m.mid, 0x200);
    assert_int_equal(resp.m.code, SL_COAP_CHANGED); /* outer code of a response */
    assert_int_equal(resp.m.tkl, prot.m.tkl);
    assert_memory_equal(resp.m.token, prot.m.token, prot.m.tkl);
    assert_null(sl_coap_opt_get(&resp.m, SL_COAP_OPT_ECHO, 0)); /* Echo is Inner */
    /* The server's own Partial IV, not the request's (B.1.2). */
    const struct sl_coap_opt *ov = sl_coap_opt_get(&resp.m, SL_COAP_OPT_OSCORE, 0);
    assert_non_null(ov);
    struct sl_oscore_option oo;
    assert_int_equal(sl_oscore_option_parse(&oo, ov->val, ov->len), SL_OK);
    assert_int_equal(oo.piv_len, 2);
    assert_int_equal((oo.piv[0] << 8) | oo.piv[1], server_seq);

    /* The client decrypts it and finds the Echo. */
    struct msg cin;
    assert_int_equal(sl_oscore_unprotect_response(&c, &resp.m, &cb, cin.bytes, sizeof cin.bytes,
                                                  &cin.len, &code),
                     SL_OK);
    parse(&cin);
    assert_int_equal(cin.m.code, SL_COAP_UNAUTHORIZED);
    assert_int_equal(cin.m.opt_count, 1);
    assert_int_equal(cin.m.payload_len, 0);
    const uint8_t *echo;
    size_t echo_len;
    assert_int_equal(sl_oscore_echo_read(&cin.m, &echo, &echo_len), SL_OK);
    assert_int_equal(echo_len, SL_OSCORE_ECHO_LEN);
    assert_memory_equal(echo, k_rand, SL_OSCORE_ECHO_LEN);

    /* The retried request carries it inside and is processed. */
    struct msg retry;
    assert_int_equal(protect_put(&c, 0x201, echo, echo_len, &retry, &cb), SL_OK);
    uint64_t retry_seq = bind_seq(&cb);
    struct msg retry_copy = retry;
    assert_int_equal(serve(&s, &retry, &inner, &sb, &code), SL_OK);
    assert_int_equal(code, 0);
    parse(&inner);
    assert_int_equal(inner.m.code, SL_COAP_PUT);
    assert_non_null(sl_coap_opt_get(&inner.m, SL_COAP_OPT_ECHO, 0));
    assert_false(s.need_echo);
    assert_true(s.replay_top == retry_seq);

    /* Its replay is a replay; so is everything below it, recorded before
     * the reboot or not. */
    assert_int_equal(serve(&s, &retry_copy, &inner, &sb, &code), SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_string_equal(sl_oscore_error_text(SL_ERR_DENIED, code), "Replay detected");
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    for (int i = 0; i < 4; i++) {
        replayed = old[i];
        assert_int_equal(serve(&s, &replayed, &inner, &sb, &code), SL_ERR_DENIED);
        assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    }
    /* Later requests need no Echo. */
    assert_int_equal(protect_put(&c, 0x202, NULL, 0, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_OK);
}

/* Rebuild m with one extra option (number num, kept in order). */
static void add_outer_option(struct msg *mb, uint16_t num, const uint8_t *val, size_t len)
{
    struct msg out;
    struct sl_coap_builder b;
    bool done = false;
    sl_coap_build_begin(&b, out.bytes, sizeof out.bytes, mb->m.type, mb->m.code, mb->m.mid,
                        mb->m.token, mb->m.tkl);
    for (unsigned i = 0; i < mb->m.opt_count; i++) {
        const struct sl_coap_opt *o = &mb->m.opts[i];
        if (!done && o->num > num) {
            sl_coap_build_opt(&b, num, val, len);
            done = true;
        }
        sl_coap_build_opt(&b, o->num, o->val, o->len);
    }
    if (!done)
        sl_coap_build_opt(&b, num, val, len);
    sl_coap_build_payload(&b, mb->m.payload, mb->m.payload_len);
    assert_int_equal(sl_coap_build_end(&b, &out.len), SL_OK);
    *mb = out;
    parse(mb);
}

static void test_echo_wrong_or_missing(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, false);
    derive(&s, true);
    assert_int_equal(sl_oscore_ctx_restore(&s, 0), SL_OK);
    assert_int_equal(sl_oscore_seq_saved(&s, SL_OSCORE_SEQ_SAVE_WINDOW), SL_OK);
    struct msg prot, inner, resp;
    struct sl_oscore_binding cb, sb;
    uint8_t code;

    /* Not armed yet: the request is refused, but there is no Echo to send. */
    assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_int_equal(sl_oscore_echo_response(&s, &prot.m, &sb, resp.bytes, sizeof resp.bytes,
                                             &resp.len),
                     SL_ERR_STATE);
    assert_int_equal(sl_oscore_echo_arm(&s, k_rand), SL_OK);

    /* A wrong value, a right prefix of the wrong length, two Echo options,
     * and the right value outside (unprotected) all get 4.01 again. */
    uint8_t wrong[SL_OSCORE_ECHO_LEN];
    memcpy(wrong, k_rand, sizeof wrong);
    wrong[7] ^= 0x01;
    assert_int_equal(protect_put(&c, 2, wrong, sizeof wrong, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_int_equal(protect_put(&c, 3, k_rand, SL_OSCORE_ECHO_LEN - 1, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    {
        struct msg plain;
        struct sl_coap_builder b;
        sl_coap_build_begin(&b, plain.bytes, sizeof plain.bytes, SL_COAP_CON, SL_COAP_GET, 4,
                            NULL, 0);
        sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, k_rand, sizeof k_rand);
        sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, k_rand, sizeof k_rand);
        assert_int_equal(sl_coap_build_end(&b, &plain.len), SL_OK);
        parse(&plain);
        assert_int_equal(sl_oscore_protect_request(&c, &plain.m, 0, prot.bytes,
                                                   sizeof prot.bytes, &prot.len, &cb),
                         SL_OK);
        assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    }
    assert_int_equal(protect_put(&c, 5, NULL, 0, &prot, &cb), SL_OK);
    parse(&prot);
    add_outer_option(&prot, SL_COAP_OPT_ECHO, k_rand, sizeof k_rand);
    assert_non_null(sl_coap_opt_get(&prot.m, SL_COAP_OPT_ECHO, 0));
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    /* A forged request is a decryption failure as always, not an Echo case. */
    assert_int_equal(protect_put(&c, 6, k_rand, sizeof k_rand, &prot, &cb), SL_OK);
    prot.bytes[prot.len - 1] ^= 0x40;
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_BAD_REQUEST);
    assert_true(s.need_echo);

    /* Re-arming replaces the value: the old one no longer works. */
    static const uint8_t rand2[SL_OSCORE_ECHO_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(sl_oscore_echo_arm(&s, rand2), SL_OK);
    assert_int_equal(protect_put(&c, 7, k_rand, sizeof k_rand, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(sl_oscore_echo_response(&s, &prot.m, &sb, resp.bytes, sizeof resp.bytes,
                                             &resp.len),
                     SL_OK);
    assert_int_equal(protect_put(&c, 8, rand2, sizeof rand2, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_OK);
    assert_false(s.need_echo);
}

/* The 4.01 needs a fresh Partial IV of the server, so a server that has
 * not persisted a limit yet cannot send it. */
static void test_echo_response_needs_persisted_limit(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, false);
    derive(&s, true);
    assert_int_equal(sl_oscore_ctx_restore(&s, 77), SL_OK);
    assert_int_equal(sl_oscore_echo_arm(&s, k_rand), SL_OK);
    struct msg prot, inner, resp;
    struct sl_oscore_binding cb, sb;
    uint8_t code;
    assert_int_equal(protect_put(&c, 1, NULL, 0, &prot, &cb), SL_OK);
    assert_int_equal(serve(&s, &prot, &inner, &sb, &code), SL_ERR_STATE);
    assert_int_equal(sl_oscore_echo_response(&s, &prot.m, &sb, resp.bytes, sizeof resp.bytes,
                                             &resp.len),
                     SL_ERR_BUSY);
    assert_int_equal(sl_oscore_seq_saved(&s, sl_oscore_seq_next_limit(&s)), SL_OK);
    for (size_t cap = 0; cap < 24; cap++)
        assert_int_equal(sl_oscore_echo_response(&s, &prot.m, &sb, resp.bytes, cap, &resp.len),
                         SL_ERR_OVERFLOW);
    assert_int_equal(sl_oscore_echo_response(&s, &prot.m, &sb, resp.bytes, sizeof resp.bytes,
                                             &resp.len),
                     SL_OK);
    parse(&resp);
    struct sl_oscore_option oo;
    const struct sl_coap_opt *ov = sl_coap_opt_get(&resp.m, SL_COAP_OPT_OSCORE, 0);
    assert_non_null(ov);
    assert_int_equal(sl_oscore_option_parse(&oo, ov->val, ov->len), SL_OK);
    assert_int_equal(oo.piv_len, 1);
    assert_true(oo.piv[0] >= 77); /* at or above the restored limit */
}

static void test_echo_read(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct sl_coap_builder b;
    struct sl_coap_msg m;
    size_t len;
    const uint8_t *echo;
    size_t echo_len;
    static const uint8_t long_val[SL_OSCORE_ECHO_MAX_LEN + 1] = {0};

    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, SL_COAP_UNAUTHORIZED, 1, NULL, 0);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_int_equal(sl_coap_parse(&m, buf, len), SL_OK);
    assert_int_equal(sl_oscore_echo_read(&m, &echo, &echo_len), SL_ERR_NOT_FOUND);

    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, SL_COAP_UNAUTHORIZED, 1, NULL, 0);
    sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, NULL, 0);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_int_equal(sl_coap_parse(&m, buf, len), SL_OK);
    assert_int_equal(sl_oscore_echo_read(&m, &echo, &echo_len), SL_ERR_INVALID);

    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, SL_COAP_UNAUTHORIZED, 1, NULL, 0);
    sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, long_val, sizeof long_val);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_int_equal(sl_coap_parse(&m, buf, len), SL_OK);
    assert_int_equal(sl_oscore_echo_read(&m, &echo, &echo_len), SL_ERR_INVALID);

    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, SL_COAP_UNAUTHORIZED, 1, NULL, 0);
    sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, long_val, SL_OSCORE_ECHO_MAX_LEN);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_int_equal(sl_coap_parse(&m, buf, len), SL_OK);
    assert_int_equal(sl_oscore_echo_read(&m, &echo, &echo_len), SL_OK);
    assert_int_equal(echo_len, SL_OSCORE_ECHO_MAX_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpersisted_context_is_unlimited),
        cmocka_unit_test(test_limit_blocks_requests_and_responses),
        cmocka_unit_test(test_reboot_never_reuses_partial_iv),
        cmocka_unit_test(test_limit_edges),
        cmocka_unit_test(test_echo_after_reboot),
        cmocka_unit_test(test_echo_wrong_or_missing),
        cmocka_unit_test(test_echo_response_needs_persisted_limit),
        cmocka_unit_test(test_echo_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
