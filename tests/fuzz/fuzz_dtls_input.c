/* libFuzzer target: the DTLS record layer of an accepting socket
 * (src/security/dtls_mbedtls.c over mbedTLS).
 *
 * Each input makes one sl_dtls listening on socket 0 (socket 1 is not
 * listening), with a fixed PSK (identity "fuzz-id"), and feeds it a few
 * datagrams; sl_dtls_free at the end, so nothing lives across inputs.
 * Input layout:
 *   byte 0          number of datagrams - 1 (low 3 bits: 1..8)
 *   per datagram    a header byte, a length byte, then that many bytes
 *                   (fewer when the input ends first)
 *     header bits 0-1  source: 0 and 1 two IPv4 peers, 2 an IPv6 peer,
 *                      3 the first IPv4 peer on the non-listening socket 1
 *     header bits 2-4  k: the clock first advances by k*k*250 ms and
 *                      sl_dtls_step runs (handshake retransmission, give-up)
 *     header bit 5     splice: when the datagram is a ClientHello, its
 *                      cookie is replaced by the one of the last
 *                      HelloVerifyRequest sent to that source, so inputs
 *                      can pass the cookie exchange and reach the PSK
 *                      handshake (psk_lookup, ClientKeyExchange, ...)
 *     header bit 6     the length is 256 + the length byte
 * After the datagrams the clock jumps 20 s and then 3 h, with a step each.
 *
 * Checks:
 *  - T1, no amplification: a datagram from a source without a session
 *    (as far as the hooks tell: created when a stranger's datagram raised
 *    the session count, gone with its CLOSED / FAILED event) gets at most
 *    its own length in reply, unless it made a session (its cookie was
 *    valid, so the source proved its address);
 *  - sessions never exceed the sources that passed a cookie check, nothing
 *    on socket 1 is answered, and without the key no handshake succeeds
 *    and nothing is delivered;
 *  - sl_dtls_next_deadline is not in the past after a step.
 * mbedTLS seeds its random generator from the OS, so cookies and randoms
 * differ between runs: coverage is not fully deterministic.
 *
 * Seeds (in the layout above): the ClientHello of
 * tests/interop/test_libcoap_dtls.py minimal_client_hello (with a fixed
 * random) from each source, one with a 32-byte bogus cookie, one with
 * extensions, the cookie exchange (ClientHello, then the same again with
 * the splice bit), the PSK handshake after it (ClientKeyExchange with the
 * known and an unknown identity, ChangeCipherSpec, a bogus Finished), the
 * handshake timing out, truncated records; fuzzed-*: a few the fuzzer
 * found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "security/dtls.h"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            abort();                                                                          \
    } while (0)

#define NSRC 3
#define REC_HDR 13
#define HS_HDR 12
#define COOKIE_MAX 255

static const uint8_t psk_id[] = "fuzz-id";
static const uint8_t psk_key[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                     0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };

struct fx {
    struct sl_addr src[NSRC];
    bool has_session[NSRC];
    uint8_t cookie[NSRC][COOKIE_MAX];
    size_t cookie_len[NSRC];
    bool have_cookie[NSRC];
    size_t sent;         /* bytes sent since the counter was reset */
    size_t sent_sock1;   /* bytes sent on the non-listening socket */
    unsigned delivered, established, lookups;
};

static int src_index(const struct fx *f, const struct sl_addr *a)
{
    for (int i = 0; i < NSRC; i++)
        if (a->family == f->src[i].family && a->port == f->src[i].port &&
            memcmp(a->ip, f->src[i].ip, sizeof a->ip) == 0)
            return i;
    return -1;
}

static sl_err on_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                      size_t len)
{
    struct fx *f = ctx;
    f->sent += len;
    if (sock != 0)
        f->sent_sock1 += len;
    int i = src_index(f, to);
    CHECK(i >= 0); /* only ever to a peer that wrote to us */
    /* remember the cookie of a HelloVerifyRequest */
    if (len >= REC_HDR + HS_HDR + 3 && data[0] == 22 && data[REC_HDR] == 3) {
        size_t clen = data[REC_HDR + HS_HDR + 2];
        if (REC_HDR + HS_HDR + 3 + clen <= len) {
            memcpy(f->cookie[i], data + REC_HDR + HS_HDR + 3, clen);
            f->cookie_len[i] = clen;
            f->have_cookie[i] = true;
        }
    }
    return SL_OK;
}

static sl_err on_psk(void *ctx, sl_sock sock, const uint8_t *identity, size_t identity_len,
                     uint8_t *key, size_t cap, size_t *key_len)
{
    struct fx *f = ctx;
    CHECK(sock == 0 && identity_len > 0 && identity_len <= SL_DTLS_MAX_IDENTITY);
    f->lookups++;
    if (identity_len != sizeof psk_id - 1 || memcmp(identity, psk_id, identity_len) != 0)
        return SL_ERR_NOT_FOUND;
    CHECK(cap >= sizeof psk_key);
    memcpy(key, psk_key, sizeof psk_key);
    *key_len = sizeof psk_key;
    return SL_OK;
}

static void on_deliver(void *ctx, sl_sock sock, const struct sl_addr *from,
                       const uint8_t *identity, size_t identity_len, const uint8_t *data,
                       size_t len)
{
    struct fx *f = ctx;
    (void)sock;
    (void)from;
    (void)identity;
    (void)identity_len;
    (void)data;
    (void)len;
    f->delivered++;
}

static void on_event(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                     const uint8_t *identity, size_t identity_len, const char *why)
{
    struct fx *f = ctx;
    (void)identity;
    (void)identity_len;
    CHECK(why != NULL);
    CHECK(sock == 0);
    int i = src_index(f, peer);
    CHECK(i >= 0);
    if (ev == SL_DTLS_ESTABLISHED)
        f->established++;
    else if (ev == SL_DTLS_FAILED || (ev == SL_DTLS_CLOSED && strcmp(why, "peer reconnects") != 0))
        f->has_session[i] = false; /* a reconnecting peer keeps its session */
    else
        abort();
}

static unsigned sessions(const struct sl_dtls *d)
{
    struct sl_dtls_stats st;
    sl_dtls_get_stats(d, &st);
    return st.sessions;
}

/* The datagram with its ClientHello cookie replaced; 0 when it is not a
 * ClientHello whose fields can be found. */
static size_t splice(const uint8_t *p, size_t len, const uint8_t *cookie, size_t clen,
                     uint8_t *out, size_t cap)
{
    const size_t body = REC_HDR + HS_HDR;
    if (len < body + 2 + 32 + 1 || p[0] != 22 || p[REC_HDR] != 1)
        return 0;
    size_t pos = body + 2 + 32;
    pos += 1 + (size_t)p[pos]; /* session id */
    if (pos >= len)
        return 0;
    size_t old = p[pos];
    if (pos + 1 + old > len || pos + 1 + clen + (len - pos - 1 - old) > cap)
        return 0;
    size_t n = 0;
    memcpy(out, p, pos);
    n = pos;
    out[n++] = (uint8_t)clen;
    memcpy(out + n, cookie, clen);
    n += clen;
    memcpy(out + n, p + pos + 1 + old, len - pos - 1 - old);
    n += len - pos - 1 - old;
    size_t blen = n - body;
    out[REC_HDR + 1] = (uint8_t)(blen >> 16); /* handshake length */
    out[REC_HDR + 2] = (uint8_t)(blen >> 8);
    out[REC_HDR + 3] = (uint8_t)blen;
    memset(out + REC_HDR + 6, 0, 3); /* fragment offset */
    out[REC_HDR + 9] = (uint8_t)(blen >> 16); /* fragment length */
    out[REC_HDR + 10] = (uint8_t)(blen >> 8);
    out[REC_HDR + 11] = (uint8_t)blen;
    out[11] = (uint8_t)((n - REC_HDR) >> 8); /* record length */
    out[12] = (uint8_t)(n - REC_HDR);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    static struct fx f;
    memset(&f, 0, sizeof f);
    for (int i = 0; i < 2; i++) {
        f.src[i].family = 4;
        f.src[i].ip[0] = 192;
        f.src[i].ip[1] = 0;
        f.src[i].ip[2] = 2;
        f.src[i].ip[3] = (uint8_t)(10 + i);
        f.src[i].port = (uint16_t)(5684 + i);
    }
    f.src[2].family = 6;
    f.src[2].ip[0] = 0x20;
    f.src[2].ip[1] = 0x01;
    f.src[2].ip[2] = 0x0d;
    f.src[2].ip[3] = 0xb8;
    f.src[2].ip[15] = 1;
    f.src[2].port = 40000;

    struct sl_dtls_hooks h = {
        .ctx = &f,
        .send = on_send,
        .psk_lookup = on_psk,
        .deliver = on_deliver,
        .event = on_event,
    };
    struct sl_dtls_limits lim = { .max_sessions = 2 };
    sl_err err;
    struct sl_dtls *d = sl_dtls_new(&h, &lim, &err);
    if (!d)
        return 0; /* no entropy: nothing to test */
    CHECK(sl_dtls_listen(d, 0) == SL_OK);

    sl_time_ms now = 1000000;
    size_t pos = 0;
    unsigned n = 1 + (data[pos++] & 7);
    static uint8_t spliced[4096 + COOKIE_MAX];
    for (unsigned k = 0; k < n && pos + 2 <= size; k++) {
        uint8_t hdr = data[pos++];
        size_t len = data[pos++] + ((hdr & 0x40) ? 256u : 0u);
        if (len > size - pos)
            len = size - pos;
        const uint8_t *dg = data + pos;
        pos += len;

        unsigned adv = (hdr >> 2) & 7;
        if (adv) {
            now += (sl_time_ms)adv * adv * 250u;
            f.sent = 0;
            sl_dtls_step(d, now);
            CHECK(sl_dtls_next_deadline(d) > now);
        }
        unsigned s = hdr & 3;
        sl_sock sock = s == 3 ? 1 : 0;
        int i = s == 3 ? 0 : (int)s;
        if ((hdr & 0x20) && f.have_cookie[i]) {
            size_t m = splice(dg, len, f.cookie[i], f.cookie_len[i], spliced, sizeof spliced);
            if (m) {
                dg = spliced;
                len = m;
            }
        }
        /* the heap copy of exactly the datagram's size catches over-reads */
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            break;
        if (len)
            memcpy(copy, dg, len);
        bool stranger = sock == 0 && !f.has_session[i];
        unsigned before = sessions(d);
        f.sent = 0;
        sl_dtls_input(d, sock, &f.src[i], copy, len, now);
        free(copy);
        unsigned after = sessions(d);
        if (sock == 1) {
            CHECK(f.sent_sock1 == 0 && after == before);
            continue;
        }
        if (stranger) {
            if (after > before) {
                f.has_session[i] = true; /* a valid cookie: the address is proven */
            } else {
                CHECK(f.sent <= len); /* T1 */
            }
        }
        unsigned known = 0;
        for (int j = 0; j < NSRC; j++)
            known += f.has_session[j];
        CHECK(sessions(d) == known);
    }
    /* retransmissions, then the give-up, then idle expiry */
    now += 20000;
    sl_dtls_step(d, now);
    now += 3u * 3600u * 1000u;
    sl_dtls_step(d, now);
    CHECK(f.delivered == 0 && f.established == 0);
    CHECK(f.sent_sock1 == 0);
    sl_dtls_free(d);
    return 0;
}
