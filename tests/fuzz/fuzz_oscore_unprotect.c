/* libFuzzer target: verifying OSCORE messages (src/security/oscore.c).
 *
 * The contexts of RFC 8613 C.1-C.3 are derived once; the binding of every
 * response is the one of the C.4 request (kid empty, Partial IV 14), taken
 * from unprotecting that request, once plain and once as an Observe
 * registration. Each input is a CoAP datagram; when sl_coap_parse accepts
 * it:
 *
 *  1. as a request, on fresh copies of the three server contexts, and on a
 *     C.1 server context restored after a reboot with an Echo value armed
 *     (RFC 8613 B.1.2): the error / CoAP code pairs of oscore.h, a context
 *     and *len untouched on failure (but *len 0 for the Echo 4.01), and on
 *     success an inner request that parses, has the outer header and token
 *     and no OSCORE option, a binding to the context's Recipient ID, and a
 *     replay of the same message refused with 4.01. An Echo 4.01 must be
 *     answerable with sl_oscore_echo_response, and the client must read the
 *     armed Echo out of that answer.
 *  2. as a response on the C.1 client context (*coap_code 0 always, the
 *     errors of oscore.h, success: a response without Observe, since the
 *     binding registered nothing), and as a notification with the Observe
 *     binding: the Inner Observe becomes the low bytes of the Partial IV,
 *     and the same notification a second time is refused (SL_ERR_RANGE,
 *     *len 0).
 *  3. round trip: a request is protected by the C.1 client and must be
 *     verified by the C.1 server into exactly the input bytes; a response
 *     is protected by the C.1 server (with its own Partial IV or not, and a
 *     sequence number chosen by the message ID) and must be verified by the
 *     client into the same message but for the Observe values.
 *
 * It found that an authentic request padded with unauthenticated Outer
 * options (21 Uri-Host) was unprotected with SL_OK, its Partial IV spent,
 * into an inner message with more than SL_COAP_MAX_OPTIONS options; the
 * merge now refuses that. The input is in the corpus
 * (regression-inner-too-many-options).
 *
 * Seeds (tests/fuzz/corpus/fuzz_oscore_unprotect/):
 *  - rfc8613-c*: the protected messages of RFC 8613 C.4-C.8, the
 *    "Protected request/response" hex lines of
 *    tests/vectors/rfc8613-test-vectors.txt as binary, e.g. for C.4:
 *      python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
 *          44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e \
 *          > rfc8613-c4-request
 *  - self-*: messages this harness protects itself (write_seeds()) when
 *    SL_FUZZ_OSCORE_SEEDS names a directory:
 *      SL_FUZZ_OSCORE_SEEDS=$PWD/tests/fuzz/corpus/fuzz_oscore_unprotect \
 *          build/fuzz/tests/fuzz/fuzz_oscore_unprotect -runs=0 \
 *          tests/fuzz/corpus/fuzz_oscore_unprotect
 *  - fuzzed-*: a few small inputs the fuzzer found. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/oscore.h"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            abort();                                                                          \
    } while (0)

#define MAX_IN 1100
#define OUT_CAP 4096
#define LEN_SENTINEL ((size_t)0xC0FFEE)

static const uint8_t secret[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t salt[8] = { 0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40 };
static const uint8_t id_ctx[8] = { 0x37, 0xcb, 0xf3, 0x21, 0x00, 0x17, 0xa2, 0xd3 };
static const uint8_t id00[1] = { 0x00 }, id01[1] = { 0x01 };
static const uint8_t echo_value[SL_OSCORE_ECHO_LEN] = { 'f', 'u', 'z', 'z', 'e', 'c', 'h', 'o' };

/* C.1-C.3 server contexts, the C.1 client, the restored C.1 server */
static struct sl_oscore_ctx srv[3], cli, srv_restored;
static struct sl_oscore_binding bind_plain, bind_obs;

static uint8_t out[OUT_CAP], out2[OUT_CAP], prot_buf[OUT_CAP];

static void derive(struct sl_oscore_ctx *c, bool with_salt, const uint8_t *sid, size_t sid_len,
                   const uint8_t *rid, size_t rid_len, bool with_ctx)
{
    struct sl_oscore_params p = {
        .master_secret = secret,
        .master_secret_len = sizeof secret,
        .master_salt = with_salt ? salt : NULL,
        .master_salt_len = with_salt ? sizeof salt : 0,
        .sender_id = sid,
        .sender_id_len = sid_len,
        .recipient_id = rid,
        .recipient_id_len = rid_len,
        .id_ctx = with_ctx ? id_ctx : NULL,
        .id_ctx_len = with_ctx ? sizeof id_ctx : 0,
    };
    CHECK(sl_oscore_ctx_derive(c, &p) == SL_OK);
}

static size_t unhex(const char *h, uint8_t *buf)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        CHECK(sscanf(h, "%2x", &v) == 1);
        buf[n++] = (uint8_t)v;
    }
    return n;
}

/* RFC 8613 C.4 protected request */
static const char c4_hex[] = "44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e";

static bool has_opt(const struct sl_coap_msg *m, uint16_t num)
{
    return sl_coap_opt_get(m, num, 0) != NULL;
}

static void write_file(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(b, 1, n, f) == n);
    fclose(f);
}

/* Build a plain message: type, code, mid, token "tk", then (num, value)
 * pairs in ascending order, then the payload. */
struct opt_spec {
    uint16_t num;
    const char *val;
    size_t len;
};

static size_t build(uint8_t *buf, uint8_t type, uint8_t code, uint16_t mid,
                    const struct opt_spec *o, unsigned n, const char *payload)
{
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, buf, OUT_CAP, type, code, mid, (const uint8_t *)"tk", 2);
    for (unsigned k = 0; k < n; k++)
        CHECK(sl_coap_build_opt(&b, o[k].num, (const uint8_t *)o[k].val, o[k].len) == SL_OK);
    if (payload)
        sl_coap_build_payload(&b, (const uint8_t *)payload, strlen(payload));
    size_t len = 0;
    CHECK(sl_coap_build_end(&b, &len) == SL_OK);
    return len;
}

/* The self-protected seeds. Deterministic: contexts start at sequence
 * number 0 here, so each seed's Partial IV is fixed. */
static void write_seeds(const char *dir)
{
    uint8_t plain[OUT_CAP], prot[OUT_CAP];
    struct sl_coap_msg m;
    struct sl_oscore_binding b;
    size_t len, plen;

    /* an Observe registration GET /3303/0/5700, Uri-Host outer */
    struct sl_oscore_ctx c = cli;
    c.sender_seq = 7;
    const struct opt_spec reg[] = { { SL_COAP_OPT_URI_HOST, "example.org", 11 },
                                    { SL_COAP_OPT_OBSERVE, "", 0 },
                                    { SL_COAP_OPT_URI_PATH, "3303", 4 },
                                    { SL_COAP_OPT_URI_PATH, "0", 1 },
                                    { SL_COAP_OPT_URI_PATH, "5700", 4 },
                                    { SL_COAP_OPT_ACCEPT, "\x2d\x16", 2 } };
    len = build(plain, SL_COAP_CON, SL_COAP_GET, 0x1234, reg, 6, NULL);
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_protect_request(&c, &m, 0, prot, sizeof prot, &plen, &b) == SL_OK);
    write_file(dir, "self-observe-request", prot, plen);

    /* a POST with a payload, Block1 and Size1, inner and outer block-wise */
    const struct opt_spec post[] = { { SL_COAP_OPT_URI_PATH, "bs", 2 },
                                     { SL_COAP_OPT_CONTENT_FORMAT, "\x2d\x16", 2 },
                                     { SL_COAP_OPT_BLOCK1, "\x0a", 1 },
                                     { SL_COAP_OPT_SIZE1, "\x01\x00", 2 } };
    len = build(plain, SL_COAP_NON, SL_COAP_POST, 0x2222, post, 4, "payload-bytes");
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_protect_request(&c, &m, 0, prot, sizeof prot, &plen, &b) == SL_OK);
    write_file(dir, "self-post-block", prot, plen);
    CHECK(sl_oscore_protect_request(&c, &m, SL_OSCORE_OUTER_BLOCK, prot, sizeof prot, &plen,
                                    &b) == SL_OK);
    write_file(dir, "self-post-outer-block", prot, plen);

    /* a request returning the Echo value the restored server armed */
    const struct opt_spec echo[] = { { SL_COAP_OPT_URI_PATH, "rd", 2 },
                                     { SL_COAP_OPT_ECHO, (const char *)echo_value,
                                       sizeof echo_value } };
    len = build(plain, SL_COAP_CON, SL_COAP_POST, 0x3333, echo, 2, "x");
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_protect_request(&c, &m, 0, prot, sizeof prot, &plen, &b) == SL_OK);
    write_file(dir, "self-echo-request", prot, plen);

    /* a request with the kid context (C.3 client) */
    struct sl_oscore_ctx c3;
    derive(&c3, true, NULL, 0, id01, 1, true);
    c3.send_kid_ctx = true;
    c3.sender_seq = 0x10000;
    const struct opt_spec del[] = { { SL_COAP_OPT_URI_PATH, "1", 1 },
                                    { SL_COAP_OPT_URI_PATH, "0", 1 } };
    len = build(plain, SL_COAP_CON, SL_COAP_DELETE, 0x4444, del, 2, NULL);
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_protect_request(&c3, &m, 0, prot, sizeof prot, &plen, &b) == SL_OK);
    write_file(dir, "self-kid-context-request", prot, plen);

    /* notifications to the C.4-bound registration: own Partial IV */
    struct sl_oscore_ctx s = srv[0];
    s.sender_seq = 0x01020304;
    const struct opt_spec notif[] = { { SL_COAP_OPT_OBSERVE, "\x05", 1 },
                                      { SL_COAP_OPT_CONTENT_FORMAT, "", 0 } };
    len = build(plain, SL_COAP_NON, SL_COAP_CONTENT, 0x5555, notif, 2, "21.5");
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_protect_response(&s, &m, &bind_obs, true, 0, prot, sizeof prot, &plen) ==
          SL_OK);
    write_file(dir, "self-notification", prot, plen);
    /* a 2.04 without Partial IV, with ETag and Max-Age */
    const struct opt_spec chg[] = { { SL_COAP_OPT_ETAG, "abcd", 4 },
                                    { SL_COAP_OPT_MAX_AGE, "\x3c", 1 } };
    len = build(plain, SL_COAP_ACK, SL_COAP_CHANGED, 0x5d1f, chg, 2, NULL);
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_protect_response(&s, &m, &bind_plain, false, 0, prot, sizeof prot,
                                     &plen) == SL_OK);
    write_file(dir, "self-changed-response", prot, plen);
    /* the Echo 4.01 of a restored server */
    struct sl_oscore_ctx r = srv[0];
    CHECK(sl_oscore_ctx_restore(&r, 64) == SL_OK);
    CHECK(sl_oscore_seq_saved(&r, 128) == SL_OK);
    CHECK(sl_oscore_echo_arm(&r, echo_value) == SL_OK);
    len = build(plain, SL_COAP_CON, SL_COAP_GET, 0x6666, NULL, 0, NULL);
    CHECK(sl_coap_parse(&m, plain, len) == SL_OK);
    CHECK(sl_oscore_echo_response(&r, &m, &bind_plain, prot, sizeof prot, &plen) == SL_OK);
    write_file(dir, "self-echo-response", prot, plen);
}

static void init(void)
{
    derive(&srv[0], true, id01, 1, NULL, 0, false);  /* C.1.2 */
    derive(&srv[1], false, id01, 1, id00, 1, false); /* C.2.2 */
    derive(&srv[2], true, id01, 1, NULL, 0, true);   /* C.3.2 */
    derive(&cli, true, NULL, 0, id01, 1, false);     /* C.1.1 */

    /* the binding of C.4, as the server sees it */
    uint8_t c4[64];
    size_t n = unhex(c4_hex, c4);
    struct sl_coap_msg m;
    CHECK(sl_coap_parse(&m, c4, n) == SL_OK);
    struct sl_oscore_ctx s = srv[0];
    size_t len;
    uint8_t code;
    CHECK(sl_oscore_unprotect_request(&s, &m, out, sizeof out, &len, &bind_plain, &code) ==
          SL_OK);
    CHECK(bind_plain.kid_len == 0 && bind_plain.piv_len == 1 && bind_plain.piv[0] == 0x14);
    bind_plain.observe = false;
    bind_obs = bind_plain;
    bind_obs.observe = true;

    /* after a reboot: nothing accepted until a request returns the Echo */
    srv_restored = srv[0];
    CHECK(sl_oscore_ctx_restore(&srv_restored, 1000) == SL_OK);
    CHECK(sl_oscore_seq_saved(&srv_restored, 2000) == SL_OK);
    CHECK(sl_oscore_echo_arm(&srv_restored, echo_value) == SL_OK);

    const char *dir = getenv("SL_FUZZ_OSCORE_SEEDS");
    if (dir)
        write_seeds(dir);
}

static uint64_t piv_value(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* What every successful unprotect writes: a message with the outer header
 * and token and no OSCORE option. */
static void check_inner(const struct sl_coap_msg *prot, const uint8_t *buf, size_t len,
                        struct sl_coap_msg *in, bool request)
{
    CHECK(len >= SL_COAP_HEADER_LEN && len <= OUT_CAP);
    CHECK(sl_coap_parse(in, buf, len) == SL_OK);
    CHECK(request ? sl_coap_is_request(in->code) : sl_coap_is_response(in->code));
    CHECK(in->type == prot->type && in->mid == prot->mid && in->tkl == prot->tkl);
    CHECK(memcmp(in->token, prot->token, prot->tkl) == 0);
    CHECK(!has_opt(in, SL_COAP_OPT_OSCORE));
}

static bool request_code_ok(sl_err err, uint8_t code)
{
    switch (err) {
    case SL_OK: return code == 0;
    case SL_ERR_INVALID: return code == SL_COAP_BAD_OPTION || code == SL_COAP_BAD_REQUEST;
    case SL_ERR_NOT_FOUND: return code == SL_COAP_UNAUTHORIZED;
    case SL_ERR_DENIED: return code == SL_COAP_UNAUTHORIZED || code == SL_COAP_BAD_REQUEST;
    case SL_ERR_STATE: return code == SL_COAP_UNAUTHORIZED;
    case SL_ERR_OVERFLOW: return code == SL_COAP_REQUEST_ENTITY_TOO_LARGE;
    case SL_ERR_IO: return code == SL_COAP_INTERNAL_SERVER_ERROR;
    default: return false;
    }
}

static void as_request(const struct sl_oscore_ctx *base, const struct sl_coap_msg *m)
{
    struct sl_oscore_ctx ctx = *base;
    size_t len = LEN_SENTINEL;
    uint8_t code = 0xEE;
    struct sl_oscore_binding bd;
    memset(&bd, 0xA5, sizeof bd);
    sl_err err = sl_oscore_unprotect_request(&ctx, m, out, sizeof out, &len, &bd, &code);
    CHECK(request_code_ok(err, code));
    CHECK(sl_oscore_error_text(err, code) != NULL);
    if (err == SL_ERR_STATE) {
        /* authentic, but the restored context wants the Echo first */
        CHECK(base->need_echo && len == 0 && memcmp(&ctx, base, sizeof ctx) == 0);
        CHECK(bd.kid_len == ctx.recipient_id_len && bd.piv_len >= 1 && bd.piv_len <= 5);
        size_t elen = LEN_SENTINEL;
        CHECK(sl_oscore_echo_response(&ctx, m, &bd, out2, sizeof out2, &elen) == SL_OK);
        CHECK(ctx.sender_seq == base->sender_seq + 1);
        /* the client reads the Echo out of it */
        struct sl_coap_msg e, inner;
        CHECK(sl_coap_parse(&e, out2, elen) == SL_OK);
        struct sl_oscore_ctx c = cli;
        uint8_t ccode = 0xEE;
        len = LEN_SENTINEL;
        CHECK(sl_oscore_unprotect_response(&c, &e, &bd, out, sizeof out, &len, &ccode) == SL_OK);
        CHECK(ccode == 0);
        check_inner(&e, out, len, &inner, false);
        CHECK(inner.code == SL_COAP_UNAUTHORIZED && inner.payload_len == 0);
        const uint8_t *ev;
        size_t ev_len;
        CHECK(sl_oscore_echo_read(&inner, &ev, &ev_len) == SL_OK);
        CHECK(ev_len == sizeof echo_value && memcmp(ev, echo_value, ev_len) == 0);
        return;
    }
    if (err != SL_OK) {
        /* nothing changes: no state, no output length */
        CHECK(memcmp(&ctx, base, sizeof ctx) == 0);
        CHECK(len == LEN_SENTINEL);
        return;
    }
    struct sl_coap_msg in;
    check_inner(m, out, len, &in, true);
    CHECK(bd.kid_len == ctx.recipient_id_len &&
          (bd.kid_len == 0 || memcmp(bd.kid, ctx.recipient_id, bd.kid_len) == 0));
    CHECK(bd.piv_len >= 1 && bd.piv_len <= SL_OSCORE_MAX_PIV_LEN);
    uint64_t seq = piv_value(bd.piv, bd.piv_len);
    CHECK(ctx.replay_seen && ctx.replay_top >= seq);
    if (base->need_echo)
        CHECK(!ctx.need_echo && ctx.replay_top == seq && ctx.replay_bits == UINT32_MAX);
    /* the same message again is a replay */
    struct sl_oscore_ctx after = ctx;
    len = LEN_SENTINEL;
    code = 0xEE;
    err = sl_oscore_unprotect_request(&ctx, m, out, sizeof out, &len, &bd, &code);
    CHECK(err == SL_ERR_DENIED && code == SL_COAP_UNAUTHORIZED && len == LEN_SENTINEL);
    CHECK(memcmp(&ctx, &after, sizeof ctx) == 0);
}

static bool response_err_ok(sl_err err)
{
    return err == SL_OK || err == SL_ERR_INVALID || err == SL_ERR_NOT_FOUND ||
           err == SL_ERR_DENIED || err == SL_ERR_OVERFLOW || err == SL_ERR_IO;
}

/* The Observe value a notification gets from its Partial IV. */
static size_t observe_of(const struct sl_coap_msg *m, uint8_t v[3])
{
    const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_OSCORE, 0);
    struct sl_oscore_option opt;
    CHECK(o != NULL && sl_oscore_option_parse(&opt, o->val, o->len) == SL_OK);
    uint32_t x = (uint32_t)(piv_value(opt.piv, opt.piv_len) & 0xffffffu);
    size_t n = x > 0xffffu ? 3 : x > 0xffu ? 2 : x > 0 ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
    return n;
}

static void check_observe_values(const struct sl_coap_msg *prot, const struct sl_coap_msg *in)
{
    uint8_t v[3];
    size_t n = observe_of(prot, v);
    for (unsigned k = 0; k < in->opt_count; k++)
        if (in->opts[k].num == SL_COAP_OPT_OBSERVE)
            CHECK(in->opts[k].len == n && (n == 0 || memcmp(in->opts[k].val, v, n) == 0));
}

static void as_response(const struct sl_coap_msg *m)
{
    struct sl_oscore_ctx ctx = cli;
    size_t len = LEN_SENTINEL;
    uint8_t code = 0xEE;
    sl_err err = sl_oscore_unprotect_response(&ctx, m, &bind_plain, out, sizeof out, &len, &code);
    CHECK(code == 0 && response_err_ok(err));
    CHECK(memcmp(&ctx, &cli, sizeof ctx) == 0); /* responses change no state */
    if (err == SL_OK) {
        struct sl_coap_msg in;
        check_inner(m, out, len, &in, false);
        CHECK(!has_opt(&in, SL_COAP_OPT_OBSERVE));
    } else {
        /* 0 only for a notification to a request that registered nothing */
        CHECK(len == LEN_SENTINEL || (err == SL_ERR_INVALID && len == 0));
    }

    struct sl_oscore_notif nt;
    memset(&nt, 0, sizeof nt);
    len = LEN_SENTINEL;
    err = sl_oscore_unprotect_notification(&ctx, m, &bind_obs, &nt, out, sizeof out, &len);
    CHECK(response_err_ok(err));
    if (err != SL_OK) {
        CHECK(len == LEN_SENTINEL);
        CHECK(!nt.seen && !nt.no_piv && nt.number == 0);
        return;
    }
    struct sl_coap_msg in;
    check_inner(m, out, len, &in, false);
    if (!has_opt(&in, SL_COAP_OPT_OBSERVE)) {
        CHECK(!nt.seen && !nt.no_piv); /* not a notification: notif untouched */
        return;
    }
    check_observe_values(m, &in);
    CHECK(nt.seen != nt.no_piv);
    /* the very same notification again: too old */
    struct sl_oscore_notif before = nt;
    len = LEN_SENTINEL;
    err = sl_oscore_unprotect_notification(&ctx, m, &bind_obs, &nt, out, sizeof out, &len);
    CHECK(err == SL_ERR_RANGE && len == 0 && memcmp(&nt, &before, sizeof nt) == 0);
}

static bool is_block_opt(uint16_t num)
{
    return num == SL_COAP_OPT_BLOCK1 || num == SL_COAP_OPT_BLOCK2 ||
           num == SL_COAP_OPT_SIZE1 || num == SL_COAP_OPT_SIZE2;
}

/* Protect m ourselves and verify it on the other side. */
static void round_trip(const struct sl_coap_msg *m, const uint8_t *raw, size_t raw_len)
{
    bool req = sl_coap_is_request(m->code), resp = sl_coap_is_response(m->code);
    if (!req && !resp)
        return;
    unsigned flags = (m->mid & 4) ? SL_OSCORE_OUTER_BLOCK : 0;
    size_t plen = LEN_SENTINEL;
    sl_err err;
    struct sl_oscore_binding b;
    struct sl_oscore_ctx c = cli, s = srv[0];
    bool own_piv = (m->mid & 1) != 0;
    const struct sl_oscore_binding *bind = (m->mid & 2) ? &bind_obs : &bind_plain;
    if (req) {
        c.sender_seq = (uint64_t)m->mid * 977u;
        err = sl_oscore_protect_request(&c, m, flags, prot_buf, sizeof prot_buf, &plen, &b);
    } else {
        s.sender_seq = (uint64_t)m->mid * 977u;
        err = sl_oscore_protect_response(&s, m, bind, own_piv, flags, prot_buf, sizeof prot_buf,
                                         &plen);
    }
    if (has_opt(m, SL_COAP_OPT_OSCORE)) {
        CHECK(err == SL_ERR_INVALID);
        return;
    }
    if (resp && has_opt(m, SL_COAP_OPT_OBSERVE) && !bind->observe) {
        CHECK(err == SL_ERR_INVALID);
        return;
    }
    if (err == SL_ERR_OVERFLOW) {
        CHECK(raw_len > SL_COAP_MAX_MSG - 64); /* only a large plaintext */
        return;
    }
    CHECK(err == SL_OK && plen <= sizeof prot_buf);
    struct sl_coap_msg p, in;
    sl_err perr = sl_coap_parse(&p, prot_buf, plen);
    if (perr == SL_ERR_TOO_LARGE)
        return; /* the OSCORE option made one option too many */
    CHECK(perr == SL_OK);
    CHECK(p.type == m->type && p.mid == m->mid && p.tkl == m->tkl);
    size_t len = LEN_SENTINEL;
    uint8_t code = 0xEE;
    if (req) {
        CHECK(p.code == (has_opt(m, SL_COAP_OPT_OBSERVE) ? SL_COAP_FETCH : SL_COAP_POST));
        struct sl_oscore_ctx sv = srv[0];
        struct sl_oscore_binding sb;
        err = sl_oscore_unprotect_request(&sv, &p, out, sizeof out, &len, &sb, &code);
        CHECK(err == SL_OK && code == 0);
        CHECK(sb.piv_len == b.piv_len && memcmp(sb.piv, b.piv, b.piv_len) == 0 &&
              memcmp(sb.nonce, b.nonce, sizeof b.nonce) == 0 && sb.observe == b.observe);
        if (!flags) {
            /* exactly the input */
            CHECK(len == raw_len && memcmp(out, raw, len) == 0);
            return;
        }
    } else {
        err = sl_oscore_unprotect_response(&c, &p, bind, out, sizeof out, &len, &code);
        CHECK(err == SL_OK && code == 0);
    }
    check_inner(m, out, len, &in, req);
    CHECK(in.code == m->code && in.payload_len == m->payload_len &&
          (in.payload_len == 0 || memcmp(in.payload, m->payload, in.payload_len) == 0));
    /* the options but Observe values and outer block-wise ones */
    unsigned i = 0, j = 0;
    for (;;) {
        while (flags && i < m->opt_count && is_block_opt(m->opts[i].num))
            i++;
        if (i == m->opt_count || j == in.opt_count)
            break;
        CHECK(m->opts[i].num == in.opts[j].num);
        if (req || m->opts[i].num != SL_COAP_OPT_OBSERVE)
            CHECK(m->opts[i].len == in.opts[j].len &&
                  (m->opts[i].len == 0 ||
                   memcmp(m->opts[i].val, in.opts[j].val, m->opts[i].len) == 0));
        i++;
        j++;
    }
    CHECK(i == m->opt_count && j == in.opt_count);
    if (resp)
        check_observe_values(&p, &in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        init();
        ready = true;
    }
    if (size > MAX_IN)
        return 0;
    /* an exactly sized heap copy, so any over-read is caught */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    struct sl_coap_msg m;
    if (sl_coap_parse(&m, buf, size) != SL_OK) {
        free(buf);
        return 0;
    }
    for (unsigned k = 0; k < 3; k++)
        as_request(&srv[k], &m);
    as_request(&srv_restored, &m);
    as_response(&m);
    round_trip(&m, buf, size);
    free(buf);
    return 0;
}
