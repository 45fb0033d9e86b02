/* DTLS 1.2 with pre-shared keys (TLS_PSK_WITH_AES_128_CCM_8, the LwM2M
 * mandatory suite) as a record layer between an application's UDP sockets
 * and a CoAP stack. Backed by mbedTLS (dtls_mbedtls.c); no mbedTLS type
 * leaks here. Outside the portable core: it allocates on the heap.
 *
 * The application owns the sockets and the clock. For every datagram read
 * from a secure socket it calls sl_dtls_input(); plaintext comes back
 * through hooks.deliver. It sends CoAP with sl_dtls_send() instead of
 * writing to the socket; records go out through hooks.send. Timers
 * (handshake retransmission, idle expiry) run in sl_dtls_step() at
 * sl_dtls_next_deadline(). Time is monotonic milliseconds, passed in.
 *
 * Roles, per socket:
 *  - accepting (sl_dtls_listen): one listener context answers strangers.
 *    A ClientHello without a valid cookie gets a HelloVerifyRequest (smaller
 *    than the ClientHello: no amplification) and leaves no state behind.
 *    Only a ClientHello with a valid cookie makes a session, and only while
 *    the per-source rate limit and the session table allow. A peer that
 *    reboots and starts over from the same address and port replaces its
 *    old session (MBEDTLS_ERR_SSL_CLIENT_RECONNECT): hooks.event tells the
 *    application to forget what the old session had authenticated.
 *    Established sessions idle longer than the idle timeout are closed.
 *  - connecting (sl_dtls_connect): one session to one server on one socket
 *    (the application opens an ephemeral socket per outgoing session, so
 *    two nodes that serve each other never share a 5-tuple). A datagram
 *    sent during the handshake waits (the newest one) and goes out when the
 *    handshake ends.
 *
 * A session is found by (socket, peer address). There is no Connection ID
 * in Debian's mbedTLS build: a peer whose address changes needs a new
 * handshake.
 */
#ifndef SL_DTLS_H
#define SL_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"
#include "sidelink/platform.h"
#include "sidelink/types.h"

/* Longest PSK identity and key we keep (LwM2M keys are 16 or 32 bytes). */
#define SL_DTLS_MAX_IDENTITY 128
#define SL_DTLS_MAX_KEY 64
/* Largest datagram a session queues while it handshakes. */
#define SL_DTLS_MAX_PENDING 2048
/* Bytes DTLS adds to every application record with CCM-8: a 13-byte record
 * header, an 8-byte explicit nonce and an 8-byte tag. */
#define SL_DTLS_RECORD_OVERHEAD 29

struct sl_dtls;

enum sl_dtls_event {
    SL_DTLS_ESTABLISHED = 1, /* a handshake ended well */
    SL_DTLS_CLOSED,          /* close_notify, idle expiry, reconnect, sl_dtls_close */
    SL_DTLS_FAILED           /* handshake failed (wrong key, timeout, bad record) */
};

struct sl_dtls_hooks {
    void *ctx;
    /* Write one datagram to the socket. Required. */
    sl_err (*send)(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                   size_t len);
    /* Accepting role: the key of a PSK identity. SL_ERR_NOT_FOUND for an
     * unknown identity (the handshake fails). Required for sl_dtls_listen. */
    sl_err (*psk_lookup)(void *ctx, sl_sock sock, const uint8_t *identity, size_t identity_len,
                         uint8_t *key, size_t cap, size_t *key_len);
    /* Plaintext of one application record from an established session,
     * with the PSK identity it authenticated. Required. */
    void (*deliver)(void *ctx, sl_sock sock, const struct sl_addr *from, const uint8_t *identity,
                    size_t identity_len, const uint8_t *data, size_t len);
    /* Session state changes. Optional. */
    void (*event)(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                  const uint8_t *identity, size_t identity_len, const char *why);
    /* Optional log line (no newline). */
    void (*log)(void *ctx, enum sl_log_level level, const char *msg);
};

/* Zero fields take the defaults in brackets. */
struct sl_dtls_limits {
    unsigned max_sessions;          /* sessions of accepting sockets [1024] */
    uint32_t idle_timeout_ms;       /* close established sessions idle this long [2 h] */
    uint32_t rate_per_s;            /* ClientHellos per second per source IP [20] */
    uint32_t rate_burst;            /* ... and the burst allowed [40] */
    uint32_t hs_timeout_min_ms;     /* first handshake retransmission [1 s] */
    uint32_t hs_timeout_max_ms;     /* give up when the timeout would exceed this [16 s] */
};

/* Counters for logs and benchmarks. */
struct sl_dtls_stats {
    uint64_t hello_verify_sent;    /* HelloVerifyRequests to strangers */
    uint64_t rate_limited;         /* ClientHellos dropped by the rate limit */
    uint64_t table_full;           /* ClientHellos dropped: no session slot */
    uint64_t dropped;              /* datagrams from strangers that were not ClientHellos */
    uint64_t handshakes_ok, handshakes_failed;
    uint64_t reconnects;           /* CLIENT_RECONNECT: a peer started over */
    uint64_t idle_closed;
    unsigned sessions;             /* now, both roles */
};

/* NULL on failure (*err says why: SL_ERR_NOMEM, SL_ERR_IO when the random
 * generator cannot be seeded). limits may be NULL. */
struct sl_dtls *sl_dtls_new(const struct sl_dtls_hooks *hooks, const struct sl_dtls_limits *limits,
                            sl_err *err);
/* Frees every session without sending anything. */
void sl_dtls_free(struct sl_dtls *d);

/* Accept handshakes on sock. SL_ERR_NOMEM when too many sockets. */
sl_err sl_dtls_listen(struct sl_dtls *d, sl_sock sock);

/* Start a handshake to `to` on sock, replacing any session there. */
sl_err sl_dtls_connect(struct sl_dtls *d, sl_sock sock, const struct sl_addr *to,
                       const uint8_t *identity, size_t identity_len, const uint8_t *key,
                       size_t key_len, sl_time_ms now);

/* One datagram read from a secure socket. */
void sl_dtls_input(struct sl_dtls *d, sl_sock sock, const struct sl_addr *from,
                   const uint8_t *data, size_t len, sl_time_ms now);

/* Send one datagram of plaintext to the peer of a session. During a
 * connecting session's handshake it waits (SL_OK); after a connecting
 * session failed or closed a new handshake starts. SL_ERR_NOT_FOUND: no
 * session (an accepting socket cannot start one); SL_ERR_TOO_LARGE: larger
 * than a record; SL_ERR_IO: mbedTLS failed (the session is closed). */
sl_err sl_dtls_send(struct sl_dtls *d, sl_sock sock, const struct sl_addr *to,
                    const uint8_t *data, size_t len, sl_time_ms now);

/* Send close_notify and forget the session. */
void sl_dtls_close(struct sl_dtls *d, sl_sock sock, const struct sl_addr *peer, sl_time_ms now);

void sl_dtls_step(struct sl_dtls *d, sl_time_ms now);
/* UINT64_MAX when nothing is due. */
sl_time_ms sl_dtls_next_deadline(const struct sl_dtls *d);

/* Whether a session to peer on sock has finished its handshake. */
bool sl_dtls_established(const struct sl_dtls *d, sl_sock sock, const struct sl_addr *peer);

/* The PSK identity an established session authenticated; NULL when there
 * is no established session to peer on sock. Valid until the next call. */
const uint8_t *sl_dtls_identity(const struct sl_dtls *d, sl_sock sock, const struct sl_addr *peer,
                                size_t *len);

void sl_dtls_get_stats(const struct sl_dtls *d, struct sl_dtls_stats *out);

#endif
