/* sidelink-loadgen: options, the phases of each mode, and the results.
 *
 *   register  every client registers (CON POST /rd, retransmitted); at most
 *             --window in flight, paced by --rate when given. Reports
 *             registrations/s from the first send to the last 2.01 and the
 *             latency of each (first send to its 2.01, retransmissions
 *             included).
 *   update    register (as above), then every client sends one Update.
 *   notify    register, wait until the server observes /3303/0/5700 on every
 *             client (the benchmark script asks for it through the REST API),
 *             then push notifications (NON, or CON with --con) at --rate in
 *             aggregate for --duration seconds; the server's own counter
 *             (GET /api/server, coapCounters.notifications) says how many it
 *             processed.
 *
 * Results: one JSON line on stdout, a human summary on stderr. Afterwards
 * the clients keep answering the server for --hold seconds (-1: until
 * SIGINT/SIGTERM), then optionally de-register.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lg.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fputs("usage: sidelink-loadgen [options] register|update|notify\n"
          "Simulated NoSec LwM2M clients (loadgen-K) against one sidelink-server on loopback.\n"
          "  -n, --clients N        simulated clients (default 100); one UDP socket each\n"
          "      --first K          index of the first client (default 0; for several processes)\n"
          "  -s, --server A:P       the server's CoAP address (default 127.0.0.1:5683; loopback only)\n"
          "      --http A:P         the server's REST address, for its counters (notify needs it)\n"
          "      --no-spread        bind every client to 127.0.0.1 (default: 127.0.0.2..254)\n"
          "      --lifetime S       registration lifetime (default 86400)\n"
          "  -w, --window W         requests in flight at most (default 128)\n"
          "  -r, --rate R           per second: registrations/updates (default: window-bound),\n"
          "                         notifications in aggregate (default 20000; 0: flat out)\n"
          "  -d, --duration S       notify: seconds of notifications (default 5)\n"
          "      --con              notify: confirmable notifications (default NON)\n"
          "      --ack-timeout MS   CoAP ACK_TIMEOUT (default 2000)\n"
          "      --max-retransmit N CoAP MAX_RETRANSMIT (default 4)\n"
          "      --observe-wait S   notify: wait for the observations at most (default 120)\n"
          "      --timeout S        give up on a phase after S seconds (default 300)\n"
          "      --hold S           keep answering the server afterwards (-1: until a signal)\n"
          "      --deregister       de-register every client before exiting\n"
          "      --label TEXT       copied to the JSON result\n"
          "  -h, --help\n"
          "Results: one JSON line on stdout, a summary on stderr. Exit 0, 1 on failure, 2 on bad usage.\n",
          f);
}

static bool parse_addr(const char *s, struct sockaddr_in *out)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return *end == 0 && port > 0 && port < 65536 && inet_pton(AF_INET, host, &out->sin_addr) == 1;
}

static double now_s(const struct lg *g)
{
    return (double)g->now_us / 1e6;
}

/* ---- register / update phases ---- */

struct phase {
    const char *name;
    uint64_t t0_us, t_last_us;
    uint32_t attempted;
    struct lg_counts cnt;
    double per_s, elapsed_s;
    double p50, p90, p99, max, mean;
};

static void phase_begin(struct lg *g, struct phase *ph, const char *name)
{
    memset(ph, 0, sizeof *ph);
    ph->name = name;
    memset(&g->cnt, 0, sizeof g->cnt);
    lg_lat_reset(&g->lat);
    g->now_us = lg_now_us();
    ph->t0_us = g->now_us;
}

static void phase_end(struct lg *g, struct phase *ph)
{
    ph->cnt = g->cnt;
    ph->t_last_us = g->last_done_us > ph->t0_us ? g->last_done_us : ph->t0_us;
    ph->elapsed_s = ph->t_last_us > ph->t0_us ? (double)(ph->t_last_us - ph->t0_us) / 1e6 : 0;
    ph->per_s = ph->elapsed_s > 0 ? (double)g->cnt.done / ph->elapsed_s : 0;
    ph->p50 = lg_lat_pct_ms(&g->lat, 50);
    ph->p90 = lg_lat_pct_ms(&g->lat, 90);
    ph->p99 = lg_lat_pct_ms(&g->lat, 99);
    ph->max = lg_lat_pct_ms(&g->lat, 100);
    ph->mean = lg_lat_mean_ms(&g->lat);
}

/* Every client sends one request of the kind (Register, or Update for the
 * registered ones), at most g->window in flight, paced by g->rate. */
static bool run_requests(struct lg *g, struct phase *ph, bool update)
{
    uint32_t next = 0;
    double deadline = now_s(g) + g->phase_timeout_s;
    for (;;) {
        g->now_us = lg_now_us();
        lg_run_timers(g);
        double elapsed = (double)(g->now_us - ph->t0_us) / 1e6;
        while (next < g->n && g->inflight < g->window &&
               (g->rate <= 0 || (double)ph->attempted < g->rate * elapsed + 1)) {
            struct lg_client *c = &g->c[next++];
            bool ok = update ? lg_update(g, c) : lg_register(g, c);
            if (ok)
                ph->attempted++;
        }
        if (next >= g->n && g->inflight == 0)
            return true;
        if (g_stop || now_s(g) > deadline)
            return false;
        int wait = lg_next_timer_ms(g, 100);
        if (g->rate > 0 && next < g->n && wait > 1)
            wait = 1;
        lg_poll(g, wait);
    }
}

/* ---- notify phase ---- */

struct notify_result {
    bool counters;
    uint32_t observed;
    double observe_wait_s;
    uint64_t sent, acked, skipped, resets, timeouts, send_errors;
    double duration_s, offered_per_s;
    uint64_t processed, received;
    uint64_t in_window;     /* processed by the end of the push (the counter then) */
    double in_window_per_s; /* in_window / duration */
    double drain_s, processed_per_s;
    uint64_t rcvbuf_errors;
    double p50, p99; /* CON: notification to ACK */
};

static bool wait_observed(struct lg *g, struct notify_result *r)
{
    uint64_t t0 = lg_now_us();
    double deadline = (double)t0 / 1e6 + g->observe_wait_s;
    fprintf(stderr, "sidelink-loadgen: %u registered; waiting for the server to observe them\n",
            g->registered);
    while (g->observed < g->registered && !g_stop) {
        g->now_us = lg_now_us();
        if (now_s(g) > deadline)
            break;
        lg_run_timers(g);
        lg_poll(g, lg_next_timer_ms(g, 100));
    }
    r->observed = g->observed;
    r->observe_wait_s = (double)(lg_now_us() - t0) / 1e6;
    return g->observed > 0;
}

static void push_notifications(struct lg *g, struct notify_result *r)
{
    struct lg_server_counters c0 = lg_server_counters(&g->http);
    uint64_t rb0 = lg_udp_rcvbuf_errors();
    memset(&g->cnt, 0, sizeof g->cnt);
    lg_lat_reset(&g->lat);
    uint32_t rr = 0;
    uint64_t attempts = 0;
    g->now_us = lg_now_us();
    uint64_t t0 = g->now_us, tend = t0 + (uint64_t)(g->duration_s * 1e6);
    while (g->now_us < tend && !g_stop && g->observed > 0) {
        lg_run_timers(g);
        double elapsed = (double)(g->now_us - t0) / 1e6;
        uint64_t due = g->rate > 0 ? (uint64_t)(g->rate * elapsed) + 1 : attempts + g->n;
        /* each due notification goes to the next observed client */
        while (attempts < due) {
            uint32_t scanned = 0;
            while (scanned < g->n && !g->c[rr].observed) {
                rr = (rr + 1) % g->n;
                scanned++;
            }
            if (scanned == g->n)
                break;
            lg_notify(g, &g->c[rr]);
            rr = (rr + 1) % g->n;
            attempts++;
        }
        lg_poll(g, g->rate > 0 ? 1 : 0);
    }
    r->duration_s = (double)(g->now_us - t0) / 1e6;
    /* what the server had processed when the push ended (one request) */
    struct lg_server_counters cw = lg_server_counters(&g->http);
    if (c0.ok && cw.ok) {
        r->in_window = cw.notifications - c0.notifications;
        r->in_window_per_s = r->duration_s > 0 ? (double)r->in_window / r->duration_s : 0;
    }
    /* CON: give the last ones time to be acknowledged */
    uint64_t drain_end = g->now_us + 5000000u;
    while (g->con && !g_stop && g->now_us < drain_end) {
        bool busy = false;
        for (uint32_t k = 0; k < g->n && !busy; k++)
            busy = g->c[k].out_kind == OUT_NOTIFY;
        if (!busy)
            break;
        lg_run_timers(g);
        lg_poll(g, lg_next_timer_ms(g, 20));
    }
    r->sent = g->cnt.sent_non + g->cnt.started;
    r->acked = g->cnt.done;
    r->skipped = g->cnt.busy_skips;
    r->resets = g->cnt.resets;
    r->timeouts = g->cnt.timeouts;
    r->send_errors = g->cnt.send_errors;
    r->offered_per_s = r->duration_s > 0 ? (double)r->sent / r->duration_s : 0;
    r->p50 = lg_lat_pct_ms(&g->lat, 50);
    r->p99 = lg_lat_pct_ms(&g->lat, 99);
    /* what the server processed: its counter, polled until it settles */
    struct lg_server_counters c1 = c0, prev = c0;
    uint64_t t_change = lg_now_us(), t_poll_end = t_change + 30000000u;
    if (c0.ok) {
        for (;;) {
            g->now_us = lg_now_us();
            c1 = lg_server_counters(&g->http);
            if (!c1.ok)
                break;
            if (c1.notifications != prev.notifications || c1.notifications == c0.notifications)
                t_change = g->now_us;
            bool settled = c1.notifications == prev.notifications && g->now_us - t_change >= 500000u;
            prev = c1;
            if (settled || g->now_us > t_poll_end || g_stop)
                break;
            /* keep answering (and acknowledging) while polling */
            lg_run_timers(g);
            lg_poll(g, 100);
        }
    }
    r->counters = c0.ok && c1.ok;
    r->processed = r->counters ? c1.notifications - c0.notifications : 0;
    r->received = r->counters ? c1.received - c0.received : 0;
    /* the first poll that saw the final count bounds the end from above */
    r->drain_s = t_change > tend ? (double)(t_change - tend) / 1e6 : 0;
    double span = (double)(t_change > t0 ? t_change - t0 : 0) / 1e6;
    if (span < r->duration_s)
        span = r->duration_s;
    r->processed_per_s = span > 0 ? (double)r->processed / span : 0;
    r->rcvbuf_errors = lg_udp_rcvbuf_errors() - rb0;
}

/* ---- output ---- */

static void json_phase(const struct phase *ph)
{
    printf("\"%s\":{\"attempted\":%u,\"ok\":%llu,\"failed\":%llu,\"timeouts\":%llu,"
           "\"retransmissions\":%llu,\"last_error\":\"%u.%02u\",\"elapsed_s\":%.3f,\"per_s\":%.1f,"
           "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f}}",
           ph->name, ph->attempted, (unsigned long long)ph->cnt.done,
           (unsigned long long)ph->cnt.failed, (unsigned long long)ph->cnt.timeouts,
           (unsigned long long)ph->cnt.retransmissions, SL_COAP_CODE_CLASS(ph->cnt.last_error_code),
           SL_COAP_CODE_DETAIL(ph->cnt.last_error_code), ph->elapsed_s, ph->per_s, ph->p50,
           ph->p90, ph->p99, ph->max, ph->mean);
}

static void summary_phase(const struct phase *ph)
{
    fprintf(stderr,
            "  %-9s %llu/%u ok in %.3f s = %.0f/s; latency p50 %.2f ms, p90 %.2f, p99 %.2f, "
            "max %.2f; %llu retransmissions, %llu errors, %llu timeouts\n",
            ph->name, (unsigned long long)ph->cnt.done, ph->attempted, ph->elapsed_s, ph->per_s,
            ph->p50, ph->p90, ph->p99, ph->max, (unsigned long long)ph->cnt.retransmissions,
            (unsigned long long)ph->cnt.failed, (unsigned long long)ph->cnt.timeouts);
}

static const char *mode_name(enum lg_mode m)
{
    return m == MODE_REGISTER ? "register" : m == MODE_UPDATE ? "update" : "notify";
}

static void hold(struct lg *g)
{
    if (g->hold_s == 0)
        return;
    fprintf(stderr, "sidelink-loadgen: answering the server %s\n",
            g->hold_s < 0 ? "until SIGINT/SIGTERM" : "for a while");
    uint64_t end = lg_now_us() + (uint64_t)(g->hold_s > 0 ? g->hold_s * 1e6 : 0);
    while (!g_stop && (g->hold_s < 0 || lg_now_us() < end)) {
        g->now_us = lg_now_us();
        lg_run_timers(g);
        lg_poll(g, lg_next_timer_ms(g, 100));
    }
}

int main(int argc, char **argv)
{
    static struct lg G;
    struct lg *g = &G;
    g->n = 100;
    g->spread = true;
    g->lifetime = 86400;
    g->window = 128;
    g->rate = -1;
    g->duration_s = 5;
    g->ack_timeout_ms = 2000;
    g->max_retransmit = 4;
    g->observe_wait_s = 120;
    g->phase_timeout_s = 300;
    g->label = "";
    g->epfd = -1;
    parse_addr("127.0.0.1:5683", &g->server);

    enum { O_FIRST = 256, O_HTTP, O_NOSPREAD, O_LT, O_CON, O_ACK, O_MAXRT, O_OBSWAIT, O_TIMEOUT,
           O_HOLD, O_DEREG, O_LABEL };
    static const struct option opts[] = {
        { "clients", required_argument, NULL, 'n' },   { "first", required_argument, NULL, O_FIRST },
        { "server", required_argument, NULL, 's' },    { "http", required_argument, NULL, O_HTTP },
        { "no-spread", no_argument, NULL, O_NOSPREAD }, { "lifetime", required_argument, NULL, O_LT },
        { "window", required_argument, NULL, 'w' },    { "rate", required_argument, NULL, 'r' },
        { "duration", required_argument, NULL, 'd' },  { "con", no_argument, NULL, O_CON },
        { "ack-timeout", required_argument, NULL, O_ACK },
        { "max-retransmit", required_argument, NULL, O_MAXRT },
        { "observe-wait", required_argument, NULL, O_OBSWAIT },
        { "timeout", required_argument, NULL, O_TIMEOUT }, { "hold", required_argument, NULL, O_HOLD },
        { "deregister", no_argument, NULL, O_DEREG },  { "label", required_argument, NULL, O_LABEL },
        { "help", no_argument, NULL, 'h' },            { NULL, 0, NULL, 0 }
    };
    int o;
    while ((o = getopt_long(argc, argv, "n:s:w:r:d:h", opts, NULL)) != -1) {
        switch (o) {
        case 'n': g->n = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_FIRST: g->first = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 's':
            if (!parse_addr(optarg, &g->server)) {
                fprintf(stderr, "sidelink-loadgen: --server %s: expected A.B.C.D:PORT\n", optarg);
                return 2;
            }
            break;
        case O_HTTP:
            if (!parse_addr(optarg, &g->http)) {
                fprintf(stderr, "sidelink-loadgen: --http %s: expected A.B.C.D:PORT\n", optarg);
                return 2;
            }
            break;
        case O_NOSPREAD: g->spread = false; break;
        case O_LT: g->lifetime = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'w': g->window = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'r': g->rate = strtod(optarg, NULL); break;
        case 'd': g->duration_s = strtod(optarg, NULL); break;
        case O_CON: g->con = true; break;
        case O_ACK: g->ack_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_MAXRT: g->max_retransmit = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_OBSWAIT: g->observe_wait_s = strtod(optarg, NULL); break;
        case O_TIMEOUT: g->phase_timeout_s = strtod(optarg, NULL); break;
        case O_HOLD: g->hold_s = strtod(optarg, NULL); break;
        case O_DEREG: g->deregister = true; break;
        case O_LABEL: g->label = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *mode = argv[optind];
    if (!strcmp(mode, "register"))
        g->mode = MODE_REGISTER;
    else if (!strcmp(mode, "update"))
        g->mode = MODE_UPDATE;
    else if (!strcmp(mode, "notify"))
        g->mode = MODE_NOTIFY;
    else {
        fprintf(stderr, "sidelink-loadgen: unknown mode %s (register, update, notify)\n", mode);
        return 2;
    }
    if (g->n == 0 || g->window == 0 || g->ack_timeout_ms < 10 || g->duration_s <= 0) {
        fprintf(stderr, "sidelink-loadgen: --clients, --window, --duration must be positive\n");
        return 2;
    }
    if (!lg_is_loopback(&g->server) || (g->http.sin_port && !lg_is_loopback(&g->http))) {
        fprintf(stderr, "sidelink-loadgen: loopback only: the server must be a 127.x.x.x address\n");
        return 2;
    }
    if (g->mode == MODE_NOTIFY && !g->http.sin_port) {
        fprintf(stderr, "sidelink-loadgen: notify counts what the server processed: give --http\n");
        return 2;
    }
    /* rate: registrations/updates default to window-bound, notifications to 20000/s */
    double reg_rate = g->rate;
    double notify_rate = g->rate;
    if (g->mode == MODE_NOTIFY) {
        reg_rate = 0;
        if (notify_rate < 0)
            notify_rate = 20000;
    } else if (reg_rate < 0) {
        reg_rate = 0;
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    g->rng = lg_now_us() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
    g->c = calloc(g->n, sizeof *g->c);
    if (!g->c) {
        fprintf(stderr, "sidelink-loadgen: out of memory\n");
        return 1;
    }
    for (uint32_t k = 0; k < g->n; k++)
        lg_client_init(g, &g->c[k], k);
    char err[256];
    if (!lg_open_sockets(g, err, sizeof err)) {
        fprintf(stderr, "sidelink-loadgen: %s\n", err);
        lg_close_sockets(g);
        return 1;
    }

    struct phase reg, upd;
    memset(&upd, 0, sizeof upd);
    struct notify_result nr;
    memset(&nr, 0, sizeof nr);
    uint64_t rb0 = lg_udp_rcvbuf_errors();

    g->rate = reg_rate;
    phase_begin(g, &reg, "register");
    bool complete = run_requests(g, &reg, false);
    phase_end(g, &reg);
    if (complete && g->mode == MODE_UPDATE) {
        phase_begin(g, &upd, "update");
        complete = run_requests(g, &upd, true);
        phase_end(g, &upd);
    }
    if (complete && g->mode == MODE_NOTIFY) {
        g->rate = notify_rate;
        complete = wait_observed(g, &nr);
        if (complete)
            push_notifications(g, &nr);
    }
    uint64_t rcvbuf_errors = lg_udp_rcvbuf_errors() - rb0;

    char srv[32];
    inet_ntop(AF_INET, &g->server.sin_addr, srv, sizeof srv);
    /* the label goes into a JSON string as it is: keep it printable and plain */
    static char label[128];
    size_t ll = 0;
    for (const char *p = g->label; *p && ll < sizeof label - 1; p++)
        label[ll++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
    label[ll] = 0;
    printf("{\"tool\":\"sidelink-loadgen\",\"mode\":\"%s\",\"label\":\"%s\",\"clients\":%u,"
           "\"first\":%u,\"server\":\"%s:%u\",\"window\":%u,\"rate\":%.0f,\"spread\":%s,"
           "\"complete\":%s,",
           mode_name(g->mode), label, g->n, g->first, srv, ntohs(g->server.sin_port), g->window,
           g->mode == MODE_NOTIFY ? notify_rate : reg_rate, g->spread ? "true" : "false",
           complete ? "true" : "false");
    json_phase(&reg);
    if (g->mode == MODE_UPDATE) {
        putchar(',');
        json_phase(&upd);
    }
    if (g->mode == MODE_NOTIFY) {
        printf(",\"notify\":{\"type\":\"%s\",\"observed\":%u,\"observe_wait_s\":%.3f,"
               "\"duration_s\":%.3f,\"sent\":%llu,\"offered_per_s\":%.1f,\"acked\":%llu,"
               "\"skipped_busy\":%llu,\"resets\":%llu,\"timeouts\":%llu,\"send_errors\":%llu,"
               "\"server_counters\":%s,\"processed\":%llu,\"server_received\":%llu,"
               "\"drain_s\":%.3f,\"processed_per_s\":%.1f,\"processed_in_window\":%llu,"
               "\"in_window_per_s\":%.1f,\"udp_rcvbuf_errors\":%llu,"
               "\"ack_latency_ms\":{\"p50\":%.3f,\"p99\":%.3f}}",
               g->con ? "CON" : "NON", nr.observed, nr.observe_wait_s, nr.duration_s,
               (unsigned long long)nr.sent, nr.offered_per_s, (unsigned long long)nr.acked,
               (unsigned long long)nr.skipped, (unsigned long long)nr.resets,
               (unsigned long long)nr.timeouts, (unsigned long long)nr.send_errors,
               nr.counters ? "true" : "false", (unsigned long long)nr.processed,
               (unsigned long long)nr.received, nr.drain_s, nr.processed_per_s,
               (unsigned long long)nr.in_window, nr.in_window_per_s,
               (unsigned long long)nr.rcvbuf_errors, nr.p50, nr.p99);
    }
    printf(",\"server_requests\":%llu,\"server_duplicates\":%llu,\"udp_rcvbuf_errors\":%llu}\n",
           (unsigned long long)g->server_requests, (unsigned long long)g->server_dups,
           (unsigned long long)rcvbuf_errors);
    fflush(stdout);

    fprintf(stderr, "sidelink-loadgen %s: %u clients on %s:%u (%s)%s\n", mode_name(g->mode), g->n,
            srv, ntohs(g->server.sin_port), g->spread ? "127.0.0.2..254" : "127.0.0.1",
            complete ? "" : " -- INCOMPLETE");
    summary_phase(&reg);
    if (g->mode == MODE_UPDATE)
        summary_phase(&upd);
    if (g->mode == MODE_NOTIFY)
        fprintf(stderr,
                "  notify    %u observed; %s: sent %llu in %.2f s (%.0f/s offered); server "
                "processed %llu (%.0f/s, drained %.2f s after the end; %.0f/s during the push), "
                "received %llu datagrams; %llu UDP receive-buffer drops on the host\n",
                nr.observed, g->con ? "CON" : "NON", (unsigned long long)nr.sent, nr.duration_s,
                nr.offered_per_s, (unsigned long long)nr.processed, nr.processed_per_s, nr.drain_s,
                nr.in_window_per_s, (unsigned long long)nr.received, (unsigned long long)nr.rcvbuf_errors);
    fprintf(stderr, "  answered %llu server requests (%llu duplicates)\n",
            (unsigned long long)g->server_requests, (unsigned long long)g->server_dups);

    hold(g);
    if (g->deregister) {
        g_stop = 0;
        struct phase dereg;
        phase_begin(g, &dereg, "deregister");
        g->rate = 0;
        uint32_t next = 0;
        uint64_t end = lg_now_us() + 30000000u;
        while ((next < g->n || g->inflight) && lg_now_us() < end && !g_stop) {
            g->now_us = lg_now_us();
            lg_run_timers(g);
            while (next < g->n && g->inflight < g->window)
                lg_deregister(g, &g->c[next++]);
            lg_poll(g, lg_next_timer_ms(g, 50));
        }
        fprintf(stderr, "  de-registered %llu\n", (unsigned long long)g->cnt.done);
    }
    lg_close_sockets(g);
    lg_heap_free(&g->heap);
    lg_lat_free(&g->lat);
    free(g->c);
    return complete ? 0 : 1;
}
