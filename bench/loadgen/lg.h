/* sidelink-loadgen: many simulated NoSec LwM2M clients in one process, to
 * load one sidelink-server on loopback (bench/server_bench.py drives it).
 *
 *   lg_main.c   options, the phases of each mode, results (JSON + summary)
 *   lg_client.c one simulated client: Register, Update, De-register (CON
 *               with retransmission), notifications, and a responder for
 *               the server's requests (GET, with Observe)
 *   lg_net.c    RLIMIT_NOFILE, one UDP socket per client spread over
 *               127.0.0.2..127.0.0.254, epoll, the retransmission heap
 *   lg_stats.c  latency samples and percentiles
 *   lg_http.c   a tiny blocking HTTP GET for the server's counters
 *               (GET /api/server) and the kernel's UDP counters
 *
 * One thread, one epoll loop; the CoAP bytes are built and parsed with the
 * engine's codec (src/coap/coap_msg.h), the Register payload with the link
 * format writer and values with the text codec of src/codec/data.h.
 * Loopback only: every address it sends to or binds is 127.0.0.0/8.
 */
#ifndef LG_H
#define LG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap_msg.h"

/* Largest message a client keeps for retransmission. */
#define LG_MSG_MAX 200
/* Largest reply a client caches for a duplicate server request. */
#define LG_REPLY_MAX 96
/* File descriptors kept free for epoll, HTTP, stdio. */
#define LG_FD_RESERVE 64

enum lg_mode { MODE_REGISTER, MODE_UPDATE, MODE_NOTIFY };

enum lg_state { C_NEW, C_REG_WAIT, C_REGISTERED, C_UPD_WAIT, C_FAILED };

/* What the one confirmable message in flight of a client is (NSTART = 1). */
enum lg_out { OUT_NONE, OUT_REGISTER, OUT_UPDATE, OUT_NOTIFY, OUT_DEREGISTER };

struct lg_client {
    int fd;
    uint32_t index; /* endpoint "loadgen-<index>" */
    uint8_t state;  /* enum lg_state */
    uint16_t next_mid;
    /* our confirmable message in flight */
    uint8_t out_kind; /* enum lg_out */
    bool out_acked;   /* empty ACK seen: the response comes separately */
    uint8_t out_retries;
    uint16_t out_mid;
    uint16_t out_len;
    uint8_t out_token[4];
    uint32_t out_timeout_ms;
    uint32_t out_gen; /* heap entries of earlier messages are stale */
    uint64_t out_first_us;
    uint8_t out[LG_MSG_MAX];
    char loc[16]; /* registration ID from Location-Path rd/<id> */
    /* the observation the server holds on /3303/0/5700 */
    bool observed;
    uint8_t obs_tkl;
    uint8_t obs_token[8];
    uint32_t obs_seq;
    /* the answer to the server's last confirmable request (duplicates) */
    bool have_last;
    uint16_t last_mid;
    uint8_t last_len;
    uint8_t last_reply[LG_REPLY_MAX];
};

/* Latency samples in microseconds. */
struct lg_lat {
    uint32_t *v;
    size_t n, cap;
};
void lg_lat_add(struct lg_lat *l, uint64_t us);
/* p in 0..100 over the samples (sorts them); 0 when empty. */
double lg_lat_pct_ms(struct lg_lat *l, double p);
double lg_lat_mean_ms(const struct lg_lat *l);
void lg_lat_reset(struct lg_lat *l);
void lg_lat_free(struct lg_lat *l);

/* Timer heap: (due, client, generation); stale entries are skipped. */
struct lg_timer {
    uint64_t due_us;
    uint32_t client;
    uint32_t gen;
};
struct lg_heap {
    struct lg_timer *v;
    size_t n, cap;
};
bool lg_heap_push(struct lg_heap *h, struct lg_timer t);
bool lg_heap_peek(const struct lg_heap *h, struct lg_timer *out);
void lg_heap_pop(struct lg_heap *h);
void lg_heap_free(struct lg_heap *h);

/* Counters of one phase. */
struct lg_counts {
    uint64_t started;       /* first transmissions */
    uint64_t done;          /* expected answers (2.01, 2.04, ACK of a notification) */
    uint64_t failed;        /* error answers */
    uint64_t timeouts;      /* gave up after MAX_RETRANSMIT */
    uint64_t retransmissions;
    uint64_t resets;        /* RST from the server */
    uint64_t sent_non;      /* NON notifications */
    uint64_t busy_skips;    /* a CON notification still in flight: skipped */
    uint64_t send_errors;   /* sendto failed (EAGAIN, ENOBUFS, ...) */
    uint8_t last_error_code;
};

struct lg {
    /* options */
    enum lg_mode mode;
    uint32_t n;            /* clients */
    uint32_t first;        /* index of the first client */
    struct sockaddr_in server;
    struct sockaddr_in http; /* port 0: no HTTP */
    bool spread;           /* bind 127.0.0.2..254 round robin */
    uint32_t lifetime;
    uint32_t window;       /* requests in flight at most */
    double rate;           /* per second; 0: as fast as the window allows */
    double duration_s;     /* notify: push phase */
    bool con;              /* notify: confirmable notifications */
    uint32_t ack_timeout_ms;
    uint32_t max_retransmit;
    double observe_wait_s; /* notify: how long to wait for the observations */
    double phase_timeout_s;
    double hold_s;         /* keep answering afterwards; < 0: until a signal */
    bool deregister;       /* De-register everyone at the end */
    const char *label;

    /* state */
    struct lg_client *c;
    int epfd;
    struct lg_heap heap;
    struct lg_lat lat;
    struct lg_counts cnt;
    uint32_t inflight;     /* confirmable requests (register/update) in flight */
    uint32_t registered;
    uint32_t observed;
    uint64_t server_requests; /* requests the server sent us */
    uint64_t server_dups;     /* of which duplicates (answered from the cache) */
    uint64_t now_us;
    uint64_t last_done_us; /* when the last expected answer arrived */
    uint64_t rng;
};

/* ---- lg_net.c ---- */
uint64_t lg_now_us(void);
uint32_t lg_rand(struct lg *g);
/* Raise RLIMIT_NOFILE to the hard limit; the soft limit it ends with. */
uint64_t lg_raise_nofile(void);
/* One socket per client, registered with epoll (data = client slot). */
bool lg_open_sockets(struct lg *g, char *err, size_t errlen);
void lg_close_sockets(struct lg *g);
bool lg_is_loopback(const struct sockaddr_in *a);
/* Send on a client's socket to the server: false when the kernel refused. */
bool lg_send(struct lg *g, struct lg_client *c, const uint8_t *buf, size_t len);
/* Wait up to timeout_ms and handle what arrives. */
void lg_poll(struct lg *g, int timeout_ms);

/* ---- lg_client.c ---- */
void lg_client_init(struct lg *g, struct lg_client *c, uint32_t slot);
/* Start a confirmable request; false when it could not be built. */
bool lg_register(struct lg *g, struct lg_client *c);
bool lg_update(struct lg *g, struct lg_client *c);
bool lg_deregister(struct lg *g, struct lg_client *c);
/* One notification of /3303/0/5700 (NON, or CON when g->con). */
bool lg_notify(struct lg *g, struct lg_client *c);
/* A datagram arrived on c's socket. */
void lg_client_input(struct lg *g, struct lg_client *c, const uint8_t *buf, size_t len);
/* Retransmission timers that are due. */
void lg_run_timers(struct lg *g);
/* Milliseconds to the next timer (capped at cap_ms). */
int lg_next_timer_ms(struct lg *g, int cap_ms);

/* ---- lg_http.c ---- */
struct lg_server_counters {
    bool ok;
    uint64_t notifications, received, registrations_now, commits;
};
/* GET /api/server and pick the counters out of the JSON. */
struct lg_server_counters lg_server_counters(const struct sockaddr_in *http);
/* /proc/net/snmp Udp: RcvbufErrors and InErrors (the whole host). */
uint64_t lg_udp_rcvbuf_errors(void);

#endif
