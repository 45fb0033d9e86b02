/* sidelink-secbench: what DTLS and OSCORE cost (issue 4's benchmarks).
 *
 *   sidelink-secbench inproc [--handshakes N] [--sessions N] [--oscore-ops N]
 *       Both ends in this process, datagrams through memory: full DTLS PSK
 *       handshakes with a cookie (time, datagrams, bytes each way), the
 *       bytes a DTLS record adds, heap per established session on each
 *       side (glibc mallinfo2 before and after N sessions), OSCORE
 *       protect+unprotect per second, the bytes OSCORE adds to a request,
 *       and the size of an OSCORE context. One JSON object on stdout.
 *
 *   sidelink-secbench handshakes --server ADDR:PORT --identity ID --key HEX
 *                     [--seconds S] [--parallel P] [--sources N]
 *       Real UDP against a running sidelink-server --coaps: P sessions at
 *       a time from N loopback source addresses (127.0.0.2 on; with more
 *       sources than sessions each handshake takes the next address, so
 *       the server's per-source limit need not bind), handshake then
 *       close_notify, over and over for S seconds. JSON on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coap/coap_msg.h"
#include "platform/posix/conf.h"
#include "platform/posix/sl_posix.h"
#include "security/dtls.h"
#include "security/oscore.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

/* ---- in-process: datagrams through a queue ---- */

#define QMAX 64
struct pkt {
    int from;          /* 0: the accepting side, 1..: connecting nodes */
    struct sl_addr to;
    size_t len;
    uint8_t data[1500];
};

static struct {
    struct pkt q[QMAX];
    unsigned n;
    sl_time_ms now;
    uint64_t bytes[2], dgrams[2]; /* [0] to the server, [1] to the clients */
    bool counting;
    unsigned established;
    struct sl_addr server_addr;
} net;

struct node {
    int index;
    struct sl_dtls *d;
};

static sl_err q_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                     size_t len)
{
    const struct node *n = ctx;
    (void)sock;
    if (net.n == QMAX || len > sizeof net.q[0].data)
        return SL_ERR_IO;
    struct pkt *p = &net.q[net.n++];
    p->from = n->index;
    p->to = *to;
    p->len = len;
    memcpy(p->data, data, len);
    if (net.counting) {
        int dir = n->index == 0 ? 1 : 0;
        net.bytes[dir] += len;
        net.dgrams[dir]++;
    }
    return SL_OK;
}

static const uint8_t KEY[16] = "sidelink-bench!!";

static sl_err q_psk(void *ctx, sl_sock sock, const uint8_t *id, size_t id_len, uint8_t *key,
                    size_t cap, size_t *key_len)
{
    (void)ctx;
    (void)sock;
    (void)id;
    (void)id_len;
    if (cap < sizeof KEY)
        return SL_ERR_OVERFLOW;
    memcpy(key, KEY, sizeof KEY);
    *key_len = sizeof KEY;
    return SL_OK;
}

static size_t last_rx_len;
static void q_deliver(void *ctx, sl_sock sock, const struct sl_addr *from, const uint8_t *id,
                      size_t id_len, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)sock;
    (void)from;
    (void)id;
    (void)id_len;
    (void)data;
    last_rx_len = len;
}

static void q_event(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                    const uint8_t *id, size_t id_len, const char *why)
{
    (void)ctx;
    (void)sock;
    (void)peer;
    (void)id;
    (void)id_len;
    (void)why;
    if (ev == SL_DTLS_ESTABLISHED)
        net.established++;
}

static struct sl_addr client_addr(unsigned k)
{
    struct sl_addr a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    a.ip[0] = 10;
    a.ip[1] = (uint8_t)(k >> 16);
    a.ip[2] = (uint8_t)(k >> 8);
    a.ip[3] = (uint8_t)k;
    a.port = 40000;
    return a;
}

/* Deliver until quiet: to the server from client address `from_addr`. */
static void pump(struct sl_dtls *server, struct sl_dtls *client, const struct sl_addr *caddr)
{
    for (unsigned guard = 0; guard < 100 && net.n > 0; guard++) {
        struct pkt p = net.q[0];
        memmove(net.q, net.q + 1, (net.n - 1) * sizeof net.q[0]);
        net.n--;
        if (p.from == 0)
            sl_dtls_input(client, 1, &net.server_addr, p.data, p.len, net.now);
        else
            sl_dtls_input(server, 0, caddr, p.data, p.len, net.now);
    }
}

static struct sl_dtls *dtls_node(struct node *n, int index, const struct sl_dtls_limits *lim)
{
    n->index = index;
    struct sl_dtls_hooks h = { n, q_send, q_psk, q_deliver, q_event, NULL };
    sl_err err;
    n->d = sl_dtls_new(&h, lim, &err);
    if (!n->d) {
        fprintf(stderr, "sidelink-secbench: sl_dtls_new: %s\n", sl_err_str(err));
        exit(1);
    }
    return n->d;
}

static int run_inproc(unsigned handshakes, unsigned sessions, unsigned oscore_ops)
{
    memset(&net, 0, sizeof net);
    net.now = 1;
    net.server_addr = client_addr(0xFFFFFF);
    struct sl_dtls_limits lim = { .max_sessions = sessions + 16, .rate_per_s = 1000000,
                                  .rate_burst = 1000000 };
    struct node sn, cn;
    struct sl_dtls *server = dtls_node(&sn, 0, &lim);
    if (sl_dtls_listen(server, 0) != SL_OK)
        return 1;

    /* full handshakes, each from a fresh client context (as after a boot) */
    double t0 = now_s();
    uint64_t ok = 0;
    for (unsigned k = 0; k < handshakes; k++) {
        struct sl_dtls *client = dtls_node(&cn, 1, NULL);
        struct sl_addr ca = client_addr(k + 1);
        net.counting = k == 0;
        unsigned before = net.established;
        if (sl_dtls_connect(client, 1, &net.server_addr, (const uint8_t *)"bench", 5, KEY,
                            sizeof KEY, net.now) != SL_OK)
            return 1;
        pump(server, client, &ca);
        if (net.established == before + 2)
            ok++;
        if (k == 0) {
            /* one application record: the bytes DTLS adds */
            net.counting = false;
            static const uint8_t coap[20] = { 0x40, 0x01, 0x12, 0x34 };
            if (sl_dtls_send(client, 1, &net.server_addr, coap, sizeof coap, net.now) != SL_OK)
                return 1;
            size_t rec = net.q[0].len;
            pump(server, client, &ca);
            printf("{\"dtls_record_overhead_bytes\":%zu,", rec - sizeof coap);
            printf("\"dtls_handshake_datagrams_to_server\":%llu,"
                   "\"dtls_handshake_datagrams_to_client\":%llu,"
                   "\"dtls_handshake_bytes_to_server\":%llu,"
                   "\"dtls_handshake_bytes_to_client\":%llu,",
                   (unsigned long long)net.dgrams[0], (unsigned long long)net.dgrams[1],
                   (unsigned long long)net.bytes[0], (unsigned long long)net.bytes[1]);
        }
        sl_dtls_close(client, 1, &net.server_addr, net.now);
        pump(server, client, &ca);
        sl_dtls_free(client);
    }
    double t1 = now_s();
    printf("\"dtls_handshakes\":%u,\"dtls_handshakes_ok\":%llu,"
           "\"dtls_handshake_us_both_ends\":%.1f,\"dtls_handshakes_per_s_both_ends\":%.0f,",
           handshakes, (unsigned long long)ok, (t1 - t0) * 1e6 / handshakes,
           handshakes / (t1 - t0));

    /* heap per established session: N client contexts, N server sessions */
    size_t h0 = heap_in_use();
    struct node *cns = calloc(sessions, sizeof *cns);
    if (!cns)
        return 1;
    size_t server_growth = 0, h_before_server;
    unsigned open = 0;
    for (unsigned k = 0; k < sessions; k++) {
        struct sl_dtls *client = dtls_node(&cns[k], 1, NULL);
        struct sl_addr ca = client_addr(100000 + k);
        if (sl_dtls_connect(client, 1, &net.server_addr, (const uint8_t *)"bench", 5, KEY,
                            sizeof KEY, net.now) != SL_OK)
            return 1;
        /* the server's share: measured around its input only */
        for (unsigned guard = 0; guard < 100 && net.n > 0; guard++) {
            struct pkt p = net.q[0];
            memmove(net.q, net.q + 1, (net.n - 1) * sizeof net.q[0]);
            net.n--;
            if (p.from == 0) {
                sl_dtls_input(client, 1, &net.server_addr, p.data, p.len, net.now);
            } else {
                h_before_server = heap_in_use();
                sl_dtls_input(server, 0, &ca, p.data, p.len, net.now);
                server_growth += heap_in_use() - h_before_server;
            }
        }
        if (sl_dtls_established(client, 1, &net.server_addr))
            open++;
    }
    size_t h1 = heap_in_use();
    struct sl_dtls_stats st;
    sl_dtls_get_stats(server, &st);
    printf("\"sessions_open\":%u,\"server_sessions\":%u,"
           "\"heap_per_server_session_bytes\":%zu,\"heap_per_client_bytes\":%zu,",
           open, st.sessions, sessions ? server_growth / sessions : 0,
           sessions ? (h1 - h0 - server_growth) / sessions : 0);
    for (unsigned k = 0; k < sessions; k++)
        sl_dtls_free(cns[k].d);
    free(cns);
    sl_dtls_free(server);

    /* OSCORE: a client and a server context (RFC 8613 C.1's secret and salt) */
    static const uint8_t msec[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    static const uint8_t salt[8] = { 0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40 };
    static const uint8_t cid[1] = { 0x01 }, sid[1] = { 0x02 };
    struct sl_oscore_ctx cc, sc;
    struct sl_oscore_params pc = { msec, sizeof msec, salt, sizeof salt, cid, 1, sid, 1, NULL, 0 };
    struct sl_oscore_params ps = { msec, sizeof msec, salt, sizeof salt, sid, 1, cid, 1, NULL, 0 };
    if (sl_oscore_ctx_derive(&cc, &pc) != SL_OK || sl_oscore_ctx_derive(&sc, &ps) != SL_OK)
        return 1;
    uint8_t plain[64], prot[128], inner[128], resp_plain[64];
    size_t plain_len, prot_len, inner_len, resp_len;
    struct sl_coap_builder b;
    static const uint8_t token[4] = { 1, 2, 3, 4 };
    sl_coap_build_begin(&b, plain, sizeof plain, SL_COAP_CON, SL_COAP_GET, 1, token, 4);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "3", 1);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "0", 1);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "0", 1);
    if (sl_coap_build_end(&b, &plain_len) != SL_OK)
        return 1;
    sl_coap_build_begin(&b, resp_plain, sizeof resp_plain, SL_COAP_ACK, SL_COAP_CONTENT, 1, token,
                        4);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT);
    sl_coap_build_payload(&b, "Sidelink", 8);
    if (sl_coap_build_end(&b, &resp_len) != SL_OK)
        return 1;
    struct sl_coap_msg m, pm;
    size_t first_overhead = 0;
    double o0 = now_s();
    for (unsigned k = 0; k < oscore_ops; k++) {
        struct sl_oscore_binding cb, sb;
        uint8_t code;
        if (sl_coap_parse(&m, plain, plain_len) != SL_OK ||
            sl_oscore_protect_request(&cc, &m, 0, prot, sizeof prot, &prot_len, &cb) != SL_OK ||
            sl_coap_parse(&pm, prot, prot_len) != SL_OK ||
            sl_oscore_unprotect_request(&sc, &pm, inner, sizeof inner, &inner_len, &sb, &code) !=
                SL_OK)
            return 1;
        if (k == 0)
            first_overhead = prot_len - plain_len;
        if (sl_coap_parse(&m, resp_plain, resp_len) != SL_OK ||
            sl_oscore_protect_response(&sc, &m, &sb, false, 0, prot, sizeof prot, &prot_len) !=
                SL_OK ||
            sl_coap_parse(&pm, prot, prot_len) != SL_OK ||
            sl_oscore_unprotect_response(&cc, &pm, &cb, inner, sizeof inner, &inner_len, &code) !=
                SL_OK)
            return 1;
    }
    double o1 = now_s();
    printf("\"oscore_request_overhead_bytes_seq0_kid1\":%zu,"
           "\"oscore_exchanges\":%u,\"oscore_exchanges_per_s\":%.0f,"
           "\"oscore_protect_unprotect_per_s\":%.0f,\"oscore_ctx_bytes\":%zu}\n",
           first_overhead, oscore_ops, oscore_ops / (o1 - o0), 2.0 * oscore_ops / (o1 - o0),
           sizeof(struct sl_oscore_ctx));
    return 0;
}

/* ---- against a real server ---- */

#define MAX_PARALLEL 250

struct load {
    struct sl_dtls *d;
    int fds[MAX_PARALLEL];
    struct sl_addr server;
    uint8_t id[SL_DTLS_MAX_IDENTITY];
    size_t id_len;
    uint8_t key[SL_DTLS_MAX_KEY];
    size_t key_len;
    bool busy[MAX_PARALLEL];
    uint64_t done, failed;
    sl_time_ms started[MAX_PARALLEL];
    double hs_ms_sum;
};

static struct load L;

static sl_err l_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                     size_t len)
{
    (void)ctx;
    return sl_posix_udp_send(L.fds[sock], to, data, len);
}

static void l_deliver(void *ctx, sl_sock sock, const struct sl_addr *from, const uint8_t *id,
                      size_t id_len, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)sock;
    (void)from;
    (void)id;
    (void)id_len;
    (void)data;
    (void)len;
}

static void l_event(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                    const uint8_t *id, size_t id_len, const char *why)
{
    (void)ctx;
    (void)peer;
    (void)id;
    (void)id_len;
    (void)why;
    if (ev == SL_DTLS_ESTABLISHED) {
        L.done++;
        L.hs_ms_sum += (double)(sl_posix_now_ms() - L.started[sock]);
    } else if (ev == SL_DTLS_FAILED) {
        L.failed++;
    }
    L.busy[sock] = false;
}

/* Slot k's socket on source address 127.0.0.2 + i (127.0.x.y beyond 253:
 * all of 127/8 is loopback). */
static int bind_source(unsigned k, unsigned i)
{
    struct sl_addr local;
    memset(&local, 0, sizeof local);
    local.family = 4;
    local.ip[0] = 127;
    local.ip[1] = (uint8_t)((2 + i) >> 16);
    local.ip[2] = (uint8_t)((2 + i) >> 8);
    local.ip[3] = (uint8_t)(2 + i);
    if (L.fds[k] >= 0)
        close(L.fds[k]);
    char msg[128];
    L.fds[k] = sl_posix_udp_bind(&local, msg, sizeof msg);
    if (L.fds[k] < 0) {
        fprintf(stderr, "sidelink-secbench: bind: %s\n", msg);
        return -1;
    }
    return 0;
}

static int run_load(double seconds, unsigned parallel, unsigned sources)
{
    struct sl_dtls_hooks h = { NULL, l_send, NULL, l_deliver, l_event, NULL };
    sl_err err;
    L.d = sl_dtls_new(&h, NULL, &err);
    if (!L.d)
        return 1;
    unsigned next_source = 0;
    for (unsigned k = 0; k < parallel; k++) {
        L.fds[k] = -1;
        if (bind_source(k, next_source++ % sources) < 0)
            return 1;
    }
    static uint8_t buf[4096];
    double t0 = now_s(), end = t0 + seconds;
    while (now_s() < end) {
        sl_time_ms now = sl_posix_now_ms();
        for (unsigned k = 0; k < parallel; k++) {
            if (L.busy[k])
                continue;
            if (sl_dtls_established(L.d, (sl_sock)k, &L.server))
                sl_dtls_close(L.d, (sl_sock)k, &L.server, now);
            /* more sources than sockets: the next handshake of this slot
             * comes from the next address */
            if (sources > parallel && bind_source(k, next_source++ % sources) < 0)
                return 1;
            L.busy[k] = true;
            L.started[k] = now;
            if (sl_dtls_connect(L.d, (sl_sock)k, &L.server, L.id, L.id_len, L.key, L.key_len,
                                now) != SL_OK)
                return 1;
        }
        struct pollfd pfd[MAX_PARALLEL];
        for (unsigned k = 0; k < parallel; k++)
            pfd[k] = (struct pollfd){ L.fds[k], POLLIN, 0 };
        sl_time_ms next = sl_dtls_next_deadline(L.d);
        int timeout = next == UINT64_MAX ? 100 : next <= now ? 0 : (int)(next - now);
        if (timeout > 100)
            timeout = 100;
        if (poll(pfd, parallel, timeout) < 0 && errno != EINTR)
            return 1;
        for (unsigned k = 0; k < parallel; k++) {
            if (!(pfd[k].revents & POLLIN))
                continue;
            for (;;) {
                struct sl_addr from;
                long n = sl_posix_udp_recv(L.fds[k], buf, sizeof buf, &from);
                if (n <= 0)
                    break;
                sl_dtls_input(L.d, (sl_sock)k, &from, buf, (size_t)n, sl_posix_now_ms());
            }
        }
        sl_dtls_step(L.d, sl_posix_now_ms());
    }
    double t1 = now_s();
    printf("{\"seconds\":%.2f,\"parallel\":%u,\"sources\":%u,\"handshakes\":%llu,"
           "\"failed\":%llu,\"handshakes_per_s\":%.0f,\"mean_handshake_ms\":%.2f}\n",
           t1 - t0, parallel, sources, (unsigned long long)L.done, (unsigned long long)L.failed,
           L.done / (t1 - t0), L.done ? L.hs_ms_sum / (double)L.done : 0.0);
    for (unsigned k = 0; k < parallel; k++)
        if (sl_dtls_established(L.d, (sl_sock)k, &L.server))
            sl_dtls_close(L.d, (sl_sock)k, &L.server, sl_posix_now_ms());
    sl_dtls_free(L.d);
    for (unsigned k = 0; k < parallel; k++)
        close(L.fds[k]);
    return 0;
}

static const char usage[] =
    "usage: sidelink-secbench inproc [--handshakes N] [--sessions N] [--oscore-ops N]\n"
    "       sidelink-secbench handshakes --server ADDR:PORT --identity ID --key HEX\n"
    "                         [--seconds S] [--parallel P] [--sources N]\n"
    "Benchmarks of DTLS PSK and OSCORE (docs/benchmarks.md). JSON on stdout.\n";

int main(int argc, char **argv)
{
    unsigned handshakes = 2000, sessions = 200, oscore_ops = 200000, parallel = 64, sources = 250;
    double seconds = 5;
    const char *server = NULL, *identity = NULL, *key = NULL;
    static const struct option opts[] = {
        { "handshakes", required_argument, NULL, 'h' }, { "sessions", required_argument, NULL, 's' },
        { "oscore-ops", required_argument, NULL, 'o' }, { "server", required_argument, NULL, 'S' },
        { "identity", required_argument, NULL, 'i' },   { "key", required_argument, NULL, 'k' },
        { "seconds", required_argument, NULL, 't' },    { "parallel", required_argument, NULL, 'p' },
        { "sources", required_argument, NULL, 'n' },    { "help", no_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 }
    };
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *mode = argv[1];
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        uint32_t u;
        switch (c) {
        case 'h': case 's': case 'o': case 'p': case 'n':
            if (sl_conf_u32(optarg, 1, 100000000, &u) != SL_OK) {
                fprintf(stderr, "sidelink-secbench: bad number %s\n", optarg);
                return 2;
            }
            if (c == 'h') handshakes = u;
            else if (c == 's') sessions = u;
            else if (c == 'o') oscore_ops = u;
            else if (c == 'p') parallel = u;
            else sources = u;
            break;
        case 't':
            seconds = atof(optarg);
            break;
        case 'S': server = optarg; break;
        case 'i': identity = optarg; break;
        case 'k': key = optarg; break;
        case 'H':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (strcmp(mode, "--help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(mode, "inproc") == 0)
        return run_inproc(handshakes, sessions, oscore_ops);
    if (strcmp(mode, "handshakes") == 0) {
        if (!server || !identity || !key || sl_posix_addr_parse(server, &L.server) != SL_OK ||
            strlen(identity) > sizeof L.id ||
            sl_conf_hex(key, L.key, sizeof L.key, &L.key_len) != SL_OK || L.key_len == 0 ||
            parallel > MAX_PARALLEL || sources > 60000 || seconds <= 0) {
            fputs(usage, stderr);
            return 2;
        }
        L.id_len = strlen(identity);
        memcpy(L.id, identity, L.id_len);
        return run_load(seconds, parallel, sources);
    }
    fputs(usage, stderr);
    return 2;
}
