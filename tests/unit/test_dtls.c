/* The DTLS record layer (src/security/dtls_mbedtls.c) between in-memory
 * nodes: a handshake with a cookie, data both ways with the 29-byte record
 * overhead, HelloVerifyRequest smaller than any ClientHello and no state
 * for strangers (threat T1), wrong key, unknown identity, the per-source
 * rate limit, a peer that reboots on the same port (CLIENT_RECONNECT),
 * idle expiry, a bounded table, handshake retransmission and give-up,
 * replayed records, close_notify. Time is simulated. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/dtls.h"

#define MAX_PKTS 64
#define MAX_NODES 3

struct pkt {
    int from_node;
    sl_sock sock;
    struct sl_addr to;
    uint8_t data[2048];
    size_t len;
};

struct node {
    struct sl_dtls *d;
    int index;
    struct sl_addr addr; /* where the others see it */
    /* what happened to it */
    unsigned established, closed, failed;
    char last_why[64];
    char last_identity[64];
    uint8_t rx[2048];
    size_t rx_len;
    unsigned rx_count;
    char rx_identity[64];
    unsigned psk_lookups;
};

static struct {
    struct pkt q[MAX_PKTS];
    unsigned n;
    struct node nodes[MAX_NODES];
    bool drop_next_from[MAX_NODES];
    sl_time_ms now;
    unsigned sent_total;
} net;

static const uint8_t KEY[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t WRONG_KEY[16] = { 9 };

static sl_err hook_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                        size_t len)
{
    struct node *n = ctx;
    net.sent_total++;
    if (net.drop_next_from[n->index]) {
        net.drop_next_from[n->index] = false;
        return SL_OK;
    }
    assert_true(net.n < MAX_PKTS);
    assert_true(len <= sizeof net.q[0].data);
    struct pkt *p = &net.q[net.n++];
    p->from_node = n->index;
    p->sock = sock;
    p->to = *to;
    memcpy(p->data, data, len);
    p->len = len;
    return SL_OK;
}

static sl_err hook_psk(void *ctx, sl_sock sock, const uint8_t *id, size_t id_len, uint8_t *key,
                       size_t cap, size_t *key_len)
{
    struct node *n = ctx;
    (void)sock;
    n->psk_lookups++;
    if (id_len == 5 && memcmp(id, "dev-1", 5) == 0) {
        assert_true(cap >= sizeof KEY);
        memcpy(key, KEY, sizeof KEY);
        *key_len = sizeof KEY;
        return SL_OK;
    }
    if (id_len == 5 && memcmp(id, "dev-2", 5) == 0) {
        memcpy(key, KEY, sizeof KEY);
        key[0] ^= 0x55;
        *key_len = sizeof KEY;
        return SL_OK;
    }
    return SL_ERR_NOT_FOUND;
}

static void hook_deliver(void *ctx, sl_sock sock, const struct sl_addr *from, const uint8_t *id,
                         size_t id_len, const uint8_t *data, size_t len)
{
    struct node *n = ctx;
    (void)sock;
    (void)from;
    assert_true(len <= sizeof n->rx);
    memcpy(n->rx, data, len);
    n->rx_len = len;
    n->rx_count++;
    snprintf(n->rx_identity, sizeof n->rx_identity, "%.*s", (int)id_len, (const char *)id);
}

static void hook_event(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                       const uint8_t *id, size_t id_len, const char *why)
{
    struct node *n = ctx;
    (void)sock;
    (void)peer;
    if (ev == SL_DTLS_ESTABLISHED)
        n->established++;
    else if (ev == SL_DTLS_CLOSED)
        n->closed++;
    else
        n->failed++;
    snprintf(n->last_why, sizeof n->last_why, "%s", why);
    snprintf(n->last_identity, sizeof n->last_identity, "%.*s", (int)id_len, (const char *)id);
}

static struct sl_addr addr_v4(uint8_t last, uint16_t port)
{
    struct sl_addr a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    a.ip[0] = 127;
    a.ip[3] = last;
    a.port = port;
    return a;
}

/* Node 0 is the accepting side (socket 0), nodes 1 and 2 connect. */
static void node_new(int i, const struct sl_dtls_limits *lim)
{
    struct node *n = &net.nodes[i];
    memset(n, 0, sizeof *n);
    n->index = i;
    n->addr = addr_v4((uint8_t)(1 + i), (uint16_t)(5684 + i));
    struct sl_dtls_hooks h = { n, hook_send, hook_psk, hook_deliver, hook_event, NULL };
    sl_err err;
    n->d = sl_dtls_new(&h, lim, &err);
    assert_non_null(n->d);
    assert_int_equal(err, SL_OK);
}

/* Three nodes; the accepting one with `lim` (NULL: the defaults). */
static void start_nodes(const struct sl_dtls_limits *lim)
{
    memset(&net, 0, sizeof net);
    net.now = 1000;
    node_new(0, lim);
    assert_int_equal(sl_dtls_listen(net.nodes[0].d, 0), SL_OK);
    node_new(1, NULL);
    node_new(2, NULL);
}

static int setup(void **state)
{
    (void)state;
    start_nodes(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_NODES; i++)
        sl_dtls_free(net.nodes[i].d);
    return 0;
}

static int node_at(const struct sl_addr *a)
{
    for (int i = 0; i < MAX_NODES; i++)
        if (sl_addr_equal(&net.nodes[i].addr, a))
            return i;
    return -1;
}

/* Deliver the first queued packet; false when the queue is empty. */
static bool deliver_one(void)
{
    if (net.n == 0)
        return false;
    struct pkt p = net.q[0];
    memmove(net.q, net.q + 1, (net.n - 1) * sizeof net.q[0]);
    net.n--;
    int to = node_at(&p.to);
    if (to < 0)
        return true; /* sent to an address nobody has: lost */
    sl_dtls_input(net.nodes[to].d, to == 0 ? 0 : 1, &net.nodes[p.from_node].addr, p.data, p.len,
                  net.now);
    return true;
}

static void pump(void)
{
    for (unsigned guard = 0; guard < 200 && deliver_one(); guard++)
        ;
    assert_int_equal(net.n, 0);
}

/* Advance time, running every node's timers at their deadlines. */
static void advance(sl_time_ms ms)
{
    sl_time_ms end = net.now + ms;
    for (;;) {
        sl_time_ms next = UINT64_MAX;
        for (int i = 0; i < MAX_NODES; i++) {
            sl_time_ms t = sl_dtls_next_deadline(net.nodes[i].d);
            if (t < next)
                next = t;
        }
        if (next > end)
            break;
        if (next > net.now)
            net.now = next;
        for (int i = 0; i < MAX_NODES; i++)
            sl_dtls_step(net.nodes[i].d, net.now);
        pump();
    }
    net.now = end;
}

static void connect_node(int i, const char *identity, const uint8_t *key)
{
    assert_int_equal(sl_dtls_connect(net.nodes[i].d, 1, &net.nodes[0].addr,
                                     (const uint8_t *)identity, strlen(identity), key, 16,
                                     net.now),
                     SL_OK);
}

static struct sl_dtls_stats stats(int i)
{
    struct sl_dtls_stats st;
    sl_dtls_get_stats(net.nodes[i].d, &st);
    return st;
}

static void send_from(int i, const char *text)
{
    sl_sock sock = i == 0 ? 0 : 1;
    const struct sl_addr *to = i == 0 ? &net.nodes[1].addr : &net.nodes[0].addr;
    assert_int_equal(sl_dtls_send(net.nodes[i].d, sock, to, (const uint8_t *)text, strlen(text),
                                  net.now),
                     SL_OK);
}

/* ---- tests ---- */

static void handshake_then_data_both_ways(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    pump();
    assert_int_equal(net.nodes[0].established, 1);
    assert_int_equal(net.nodes[1].established, 1);
    assert_string_equal(net.nodes[0].last_identity, "dev-1");
    assert_true(sl_dtls_established(net.nodes[1].d, 1, &net.nodes[0].addr));
    assert_true(sl_dtls_established(net.nodes[0].d, 0, &net.nodes[1].addr));
    assert_int_equal(stats(0).hello_verify_sent, 1);
    assert_int_equal(stats(0).handshakes_ok, 1);

    /* one application record: exactly 29 bytes more than the plaintext */
    const char *msg = "\x40\x01\x12\x34"; /* a CoAP header is enough */
    assert_int_equal(sl_dtls_send(net.nodes[1].d, 1, &net.nodes[0].addr, (const uint8_t *)msg, 4,
                                  net.now),
                     SL_OK);
    assert_int_equal(net.n, 1);
    assert_int_equal(net.q[0].len, 4 + SL_DTLS_RECORD_OVERHEAD);
    assert_int_equal(net.q[0].data[0], 23); /* application_data */
    pump();
    assert_int_equal(net.nodes[0].rx_count, 1);
    assert_memory_equal(net.nodes[0].rx, msg, 4);
    assert_string_equal(net.nodes[0].rx_identity, "dev-1");

    send_from(0, "reply");
    pump();
    assert_int_equal(net.nodes[1].rx_count, 1);
    assert_int_equal(net.nodes[1].rx_len, 5);
    assert_memory_equal(net.nodes[1].rx, "reply", 5);
}

/* The listener's first answer is a HelloVerifyRequest smaller than the
 * ClientHello, and it keeps nothing; the same ClientHello from a spoofed
 * source draws a reply no larger than itself, to that source only. */
static void hello_verify_is_small_and_stateless(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    assert_int_equal(net.n, 1);
    struct pkt hello = net.q[0];
    net.n = 0;
    assert_true(hello.len >= 67);

    struct sl_addr victim = addr_v4(99, 4444);
    for (int i = 0; i < 3; i++) {
        sl_dtls_input(net.nodes[0].d, 0, &victim, hello.data, hello.len, net.now);
        assert_int_equal(net.n, 1);
        assert_true(sl_addr_equal(&net.q[0].to, &victim));
        assert_true(net.q[0].len < hello.len);
        assert_true(net.q[0].len <= 60 + 4); /* 13 + 12 + 3 + cookie */
        assert_int_equal(net.q[0].data[0], 22);               /* handshake */
        assert_int_equal(net.q[0].data[13], 3);               /* hello_verify_request */
        net.n = 0;
        assert_int_equal(stats(0).sessions, 0);
    }
    assert_int_equal(stats(0).hello_verify_sent, 3);

    /* replaying the victim's cookie from elsewhere does not open a session:
     * the cookie is bound to the address */
    sl_dtls_input(net.nodes[0].d, 0, &net.nodes[1].addr, hello.data, hello.len, net.now);
    net.n = 0;
    assert_int_equal(stats(0).sessions, 0);
}

static void garbage_from_strangers_is_dropped(void **state)
{
    (void)state;
    uint8_t junk[40];
    memset(junk, 0xAB, sizeof junk);
    struct sl_addr a = addr_v4(50, 1);
    sl_dtls_input(net.nodes[0].d, 0, &a, junk, sizeof junk, net.now);
    /* a ClientHello header with nothing after it */
    uint8_t stub[25] = { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 1, 0, 0, 0 };
    sl_dtls_input(net.nodes[0].d, 0, &a, stub, sizeof stub, net.now);
    sl_dtls_input(net.nodes[0].d, 0, &a, stub, 3, net.now);
    sl_dtls_input(net.nodes[0].d, 0, &a, stub, 0, net.now);
    assert_int_equal(net.n, 0);
    assert_int_equal(stats(0).sessions, 0);
    assert_true(stats(0).dropped >= 3);
    /* a socket nobody listens on */
    sl_dtls_input(net.nodes[0].d, 7, &a, stub, sizeof stub, net.now);
    assert_int_equal(net.n, 0);
}

static void wrong_key_fails_and_server_keeps_serving(void **state)
{
    (void)state;
    connect_node(1, "dev-1", WRONG_KEY);
    pump();
    advance(1000);
    assert_int_equal(net.nodes[1].established, 0);
    assert_int_equal(net.nodes[0].established, 0);
    assert_true(net.nodes[0].failed >= 1 || net.nodes[1].failed >= 1);
    advance(40000);
    assert_int_equal(net.nodes[1].failed, 1);
    assert_int_equal(stats(0).sessions, 0);
    assert_int_equal(stats(0).handshakes_ok, 0);

    /* another client with the right key still gets in */
    net.nodes[2].addr = addr_v4(3, 5000);
    connect_node(2, "dev-1", KEY);
    pump();
    assert_int_equal(net.nodes[2].established, 1);
    assert_int_equal(stats(0).sessions, 1);
}

static void unknown_identity_fails(void **state)
{
    (void)state;
    connect_node(1, "nobody", KEY);
    pump();
    advance(40000);
    assert_int_equal(net.nodes[0].psk_lookups, 1);
    assert_int_equal(net.nodes[0].established, 0);
    assert_int_equal(net.nodes[1].established, 0);
    assert_int_equal(net.nodes[1].failed, 1);
    assert_int_equal(stats(0).sessions, 0);
}

static void rate_limit_per_source(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    struct pkt hello = net.q[0];
    net.n = 0;
    struct sl_addr src = addr_v4(77, 1000);
    unsigned answered = 0;
    for (int i = 0; i < 45; i++) {
        sl_dtls_input(net.nodes[0].d, 0, &src, hello.data, hello.len, net.now);
        answered += net.n;
        net.n = 0;
    }
    assert_int_equal(answered, 40); /* the default burst */
    assert_int_equal(stats(0).rate_limited, 5);
    /* another source is not affected */
    struct sl_addr other = addr_v4(78, 1000);
    sl_dtls_input(net.nodes[0].d, 0, &other, hello.data, hello.len, net.now);
    assert_int_equal(net.n, 1);
    net.n = 0;
    /* tokens come back at 20 per second */
    net.now += 100;
    sl_dtls_input(net.nodes[0].d, 0, &src, hello.data, hello.len, net.now);
    assert_int_equal(net.n, 1);
    net.n = 0;
    sl_dtls_input(net.nodes[0].d, 0, &src, hello.data, hello.len, net.now);
    sl_dtls_input(net.nodes[0].d, 0, &src, hello.data, hello.len, net.now);
    assert_int_equal(net.n, 1);
    net.n = 0;
}

/* A client that reboots and handshakes again from the same port replaces
 * its session; the server is told the old one ended. */
static void reconnect_from_same_port(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    pump();
    assert_int_equal(net.nodes[0].established, 1);
    /* node 1 "reboots": a fresh DTLS state, same address */
    sl_dtls_free(net.nodes[1].d);
    struct sl_dtls_hooks h = { &net.nodes[1], hook_send, hook_psk, hook_deliver, hook_event, NULL };
    net.nodes[1].d = sl_dtls_new(&h, NULL, NULL);
    assert_non_null(net.nodes[1].d);
    net.nodes[1].established = 0;
    connect_node(1, "dev-2", KEY);
    pump();
    /* dev-2's key differs: the new handshake fails, but the old session was
     * closed first (never left authenticated as dev-1) */
    assert_int_equal(stats(0).reconnects, 1);
    assert_true(net.nodes[0].closed >= 1);
    advance(40000);
    assert_int_equal(net.nodes[1].established, 0);

    /* and a proper reboot with the right key gets a new session */
    sl_dtls_free(net.nodes[1].d);
    net.nodes[1].d = sl_dtls_new(&h, NULL, NULL);
    assert_non_null(net.nodes[1].d);
    unsigned before = net.nodes[0].established;
    connect_node(1, "dev-1", KEY);
    pump();
    assert_int_equal(net.nodes[1].established, 1);
    assert_int_equal(net.nodes[0].established, before + 1);
    send_from(1, "after reboot");
    pump();
    assert_int_equal(net.nodes[0].rx_len, 12);
    assert_string_equal(net.nodes[0].rx_identity, "dev-1");
}

static void reconnect_with_same_identity(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    pump();
    sl_dtls_free(net.nodes[1].d);
    struct sl_dtls_hooks h = { &net.nodes[1], hook_send, hook_psk, hook_deliver, hook_event, NULL };
    net.nodes[1].d = sl_dtls_new(&h, NULL, NULL);
    assert_non_null(net.nodes[1].d);
    connect_node(1, "dev-1", KEY);
    pump();
    assert_int_equal(stats(0).reconnects, 1);
    assert_int_equal(net.nodes[0].closed, 1);
    assert_string_equal(net.nodes[0].last_why, "handshake done");
    assert_int_equal(net.nodes[0].established, 2);
    assert_int_equal(stats(0).sessions, 1);
    send_from(1, "x");
    pump();
    assert_int_equal(net.nodes[0].rx_count, 1);
}

static void idle_sessions_expire(void **state)
{
    (void)state;
    teardown(NULL);
    struct sl_dtls_limits lim = { .idle_timeout_ms = 60000 };
    start_nodes(&lim);
    connect_node(1, "dev-1", KEY);
    pump();
    assert_int_equal(stats(0).sessions, 1);
    advance(30000);
    send_from(1, "keepalive");
    pump();
    advance(45000); /* 45 s since the last datagram: still there */
    assert_int_equal(stats(0).sessions, 1);
    advance(20000);
    assert_int_equal(stats(0).sessions, 0);
    assert_int_equal(stats(0).idle_closed, 1);
    assert_string_equal(net.nodes[0].last_why, "idle");
    assert_int_equal(sl_dtls_send(net.nodes[0].d, 0, &net.nodes[1].addr, (const uint8_t *)"x", 1,
                                  net.now),
                     SL_ERR_NOT_FOUND);
}

static void full_table_evicts_least_recent(void **state)
{
    (void)state;
    teardown(NULL);
    struct sl_dtls_limits lim = { .max_sessions = 1 };
    start_nodes(&lim);
    connect_node(1, "dev-1", KEY);
    pump();
    assert_int_equal(stats(0).sessions, 1);
    assert_int_equal(sl_dtls_connect(net.nodes[2].d, 1, &net.nodes[0].addr,
                                     (const uint8_t *)"dev-1", 5, KEY, 16, net.now),
                     SL_OK);
    pump();
    assert_int_equal(net.nodes[2].established, 1);
    assert_int_equal(stats(0).sessions, 1);
    assert_int_equal(net.nodes[0].closed, 1);
    assert_string_equal(net.nodes[0].last_why, "handshake done");
    assert_false(sl_dtls_established(net.nodes[0].d, 0, &net.nodes[1].addr));
    assert_true(sl_dtls_established(net.nodes[0].d, 0, &net.nodes[2].addr));
}

static void full_table_of_handshakes_refuses(void **state)
{
    (void)state;
    teardown(NULL);
    struct sl_dtls_limits lim = { .max_sessions = 1 };
    start_nodes(&lim);
    /* node 1 gets as far as a half-open session, then goes quiet */
    connect_node(1, "dev-1", KEY);
    deliver_one(); /* ClientHello -> server */
    deliver_one(); /* HelloVerifyRequest -> client */
    deliver_one(); /* ClientHello with cookie -> server: session */
    net.n = 0;     /* the server's flight is lost, the client stays quiet */
    assert_int_equal(stats(0).sessions, 1);
    assert_int_equal(sl_dtls_connect(net.nodes[2].d, 1, &net.nodes[0].addr,
                                     (const uint8_t *)"dev-1", 5, KEY, 16, net.now),
                     SL_OK);
    pump();
    assert_int_equal(net.nodes[2].established, 0);
    assert_true(stats(0).table_full >= 1);
}

static void lost_flight_is_retransmitted(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    deliver_one(); /* ClientHello */
    deliver_one(); /* HelloVerifyRequest */
    net.drop_next_from[0] = true; /* the server's next flight is lost */
    pump();
    assert_int_equal(net.nodes[1].established, 0);
    advance(3000);
    assert_int_equal(net.nodes[1].established, 1);
    assert_int_equal(net.nodes[0].established, 1);
}

static void unreachable_server_gives_up_then_send_restarts(void **state)
{
    (void)state;
    /* node 1 talks to an address nobody has */
    struct sl_addr nowhere = addr_v4(200, 9);
    assert_int_equal(sl_dtls_connect(net.nodes[1].d, 1, &nowhere, (const uint8_t *)"dev-1", 5,
                                     KEY, 16, net.now),
                     SL_OK);
    unsigned sent_before = net.sent_total;
    advance(60000);
    assert_int_equal(net.nodes[1].failed, 1);
    /* the ClientHello and its retransmissions (1, 2, 4, 8 s back-off) */
    assert_in_range(net.sent_total - sent_before, 4, 5);
    assert_false(sl_dtls_established(net.nodes[1].d, 1, &nowhere));
    assert_int_equal(sl_dtls_next_deadline(net.nodes[1].d), UINT64_MAX);
    /* the next send starts a new handshake (and waits for it) */
    sent_before = net.sent_total;
    assert_int_equal(sl_dtls_send(net.nodes[1].d, 1, &nowhere, (const uint8_t *)"x", 1, net.now),
                     SL_OK);
    assert_int_equal(net.sent_total - sent_before, 1);
    assert_int_equal(net.q[net.n - 1].data[13], 1); /* a ClientHello */
    net.n = 0;
}

static void datagram_sent_during_handshake_waits(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    send_from(1, "early");
    send_from(1, "later"); /* the newest one waits */
    pump();
    assert_int_equal(net.nodes[1].established, 1);
    assert_int_equal(net.nodes[0].rx_count, 1);
    assert_memory_equal(net.nodes[0].rx, "later", 5);
    /* the accepting side cannot start a session */
    struct sl_addr other = addr_v4(9, 9);
    assert_int_equal(sl_dtls_send(net.nodes[0].d, 0, &other, (const uint8_t *)"x", 1, net.now),
                     SL_ERR_NOT_FOUND);
}

static void replayed_record_is_dropped(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    pump();
    send_from(1, "once");
    struct pkt rec = net.q[0];
    pump();
    assert_int_equal(net.nodes[0].rx_count, 1);
    sl_dtls_input(net.nodes[0].d, 0, &net.nodes[1].addr, rec.data, rec.len, net.now);
    assert_int_equal(net.nodes[0].rx_count, 1);
    /* a tampered record is dropped too, and the session survives it */
    send_from(1, "twice");
    net.q[0].data[net.q[0].len - 1] ^= 1;
    pump();
    assert_int_equal(net.nodes[0].rx_count, 1);
    assert_true(sl_dtls_established(net.nodes[0].d, 0, &net.nodes[1].addr));
    send_from(1, "thrice");
    pump();
    assert_int_equal(net.nodes[0].rx_count, 2);
}

static void close_notify_ends_both(void **state)
{
    (void)state;
    connect_node(1, "dev-1", KEY);
    pump();
    sl_dtls_close(net.nodes[1].d, 1, &net.nodes[0].addr, net.now);
    pump();
    assert_int_equal(net.nodes[0].closed, 1);
    assert_int_equal(stats(0).sessions, 0);
    assert_int_equal(stats(1).sessions, 0);
    assert_int_equal(sl_dtls_send(net.nodes[1].d, 1, &net.nodes[0].addr, (const uint8_t *)"x", 1,
                                  net.now),
                     SL_ERR_NOT_FOUND);
}

static void too_large_and_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(sl_dtls_connect(net.nodes[1].d, 1, &net.nodes[0].addr,
                                     (const uint8_t *)"", 0, KEY, 16, net.now),
                     SL_ERR_INVALID);
    assert_int_equal(sl_dtls_connect(net.nodes[1].d, 1, &net.nodes[0].addr,
                                     (const uint8_t *)"dev-1", 5, KEY, 0, net.now),
                     SL_ERR_INVALID);
    connect_node(1, "dev-1", KEY);
    pump();
    static uint8_t big[20000];
    assert_int_equal(sl_dtls_send(net.nodes[1].d, 1, &net.nodes[0].addr, big, sizeof big,
                                  net.now),
                     SL_ERR_TOO_LARGE);
    assert_int_equal(net.n, 0);
}

/* Closing a session from inside its own delivery callback must not touch
 * freed memory (ASan watches). */
static struct sl_dtls *g_close_d;
static void deliver_and_close(void *ctx, sl_sock sock, const struct sl_addr *from,
                              const uint8_t *id, size_t id_len, const uint8_t *data, size_t len)
{
    hook_deliver(ctx, sock, from, id, id_len, data, len);
    sl_dtls_close(g_close_d, sock, from, net.now);
}

static void close_from_callback(void **state)
{
    (void)state;
    sl_dtls_free(net.nodes[0].d);
    struct sl_dtls_hooks h = { &net.nodes[0], hook_send, hook_psk, deliver_and_close, hook_event,
                               NULL };
    net.nodes[0].d = sl_dtls_new(&h, NULL, NULL);
    assert_non_null(net.nodes[0].d);
    g_close_d = net.nodes[0].d;
    assert_int_equal(sl_dtls_listen(net.nodes[0].d, 0), SL_OK);
    connect_node(1, "dev-1", KEY);
    pump();
    send_from(1, "bye");
    pump();
    assert_int_equal(net.nodes[0].rx_count, 1);
    assert_int_equal(stats(0).sessions, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(handshake_then_data_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(hello_verify_is_small_and_stateless, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_from_strangers_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_key_fails_and_server_keeps_serving, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_identity_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(rate_limit_per_source, setup, teardown),
        cmocka_unit_test_setup_teardown(reconnect_from_same_port, setup, teardown),
        cmocka_unit_test_setup_teardown(reconnect_with_same_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_sessions_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(full_table_evicts_least_recent, setup, teardown),
        cmocka_unit_test_setup_teardown(full_table_of_handshakes_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_flight_is_retransmitted, setup, teardown),
        cmocka_unit_test_setup_teardown(unreachable_server_gives_up_then_send_restarts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(datagram_sent_during_handshake_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(replayed_record_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(close_notify_ends_both, setup, teardown),
        cmocka_unit_test_setup_teardown(too_large_and_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(close_from_callback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
