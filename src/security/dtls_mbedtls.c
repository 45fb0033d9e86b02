/* sl_dtls (dtls.h) over mbedTLS 2.28: DTLS 1.2, PSK, AES-128-CCM-8.
 *
 * mbedTLS never touches a socket or a clock here: its BIO callbacks read
 * the one datagram being fed (d->in) and write through hooks.send; its
 * timer callbacks read d->now, the time of the call that drives it.
 *
 * Strangers on an accepting socket all go through one listener context.
 * Its ClientHello processing either answers with a HelloVerifyRequest
 * (no valid cookie: the context is reset, nothing stays) or, with a valid
 * cookie, carries on into the handshake; only then is the listener's
 * mbedtls_ssl_context handed to a new session and a fresh listener set up.
 * So per-peer state exists only for peers that proved their address.
 */
#include "security/dtls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>

/* DTLS record and handshake header fields a stranger's datagram must have
 * before the listener spends any work on it (RFC 6347 4.1, 4.2.2). */
#define REC_HDR_LEN 13
#define HS_HDR_LEN 12
#define CT_HANDSHAKE 22
#define HS_CLIENT_HELLO 1

/* Rate-limit buckets (per source IP, hashed; a collision shares a bucket). */
#define RATE_BUCKETS 4096
/* Largest plaintext of one record (mbedTLS's input content length). */
#define PLAIN_MAX MBEDTLS_SSL_IN_CONTENT_LEN

enum sess_state { S_HANDSHAKE = 0, S_OPEN, S_DEAD };

struct list;

struct sess {
    struct sess *hnext;               /* hash chain */
    struct sess *prev, *next;         /* d->hs (handshaking) or d->lru (open, accepting) */
    struct sl_dtls *d;
    mbedtls_ssl_context *ssl;
    mbedtls_ssl_config *conf;         /* connecting sessions own theirs */
    struct sl_addr peer;
    sl_sock sock;
    bool accepting;
    bool doomed;                      /* freed when the last hold ends */
    unsigned hold;                    /* API calls and callbacks working on it */
    struct list *on;                  /* d->hs, d->lru or NULL */
    uint8_t state;
    sl_time_ms last;                  /* last datagram from the peer */
    /* mbedTLS's timer: intermediate and final delays from t_start */
    bool t_armed;
    sl_time_ms t_start;
    uint32_t t_int, t_fin;
    uint8_t identity[SL_DTLS_MAX_IDENTITY];
    size_t identity_len;
    uint8_t key[SL_DTLS_MAX_KEY];     /* connecting sessions */
    size_t key_len;
    uint8_t *pending;                 /* a datagram waiting for the handshake */
    size_t pending_len;
};

struct list {
    struct sess *head, *tail;
};

struct rate_bucket {
    uint8_t family;
    uint8_t ip[16];
    uint32_t tokens_milli; /* tokens x 1000 */
    sl_time_ms last;
};

struct sl_dtls {
    struct sl_dtls_hooks h;
    struct sl_dtls_limits lim;
    struct sl_dtls_stats st;
    sl_time_ms now;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_cookie_ctx cookie;
    mbedtls_ssl_config server_conf;
    bool server_conf_ready;
    struct sess listener;             /* not in the table; ssl lazily set up */
    uint8_t listen_socks[32];         /* bitmap over sl_sock */
    struct sess **table;
    size_t table_size;                /* power of two */
    unsigned accepting;               /* accepting sessions in the table */
    struct list hs, lru;
    struct sess *cur;                 /* the session mbedTLS is working on */
    const uint8_t *in;                /* the datagram being fed */
    size_t in_len;
    struct rate_bucket *rate;
    uint8_t plain[PLAIN_MAX];
};

static const int ciphersuites[] = { MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, 0 };

/* ---- logging ---- */

static void logf_(struct sl_dtls *d, enum sl_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(struct sl_dtls *d, enum sl_log_level lvl, const char *fmt, ...)
{
    if (!d->h.log)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    d->h.log(d->h.ctx, lvl, line);
}

static const char *addr_str(const struct sl_addr *a, char *buf, size_t cap)
{
    if (a->family == 4)
        (void)snprintf(buf, cap, "%u.%u.%u.%u:%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3],
                       a->port);
    else
        (void)snprintf(buf, cap, "[%02x%02x:%02x%02x:...:%02x%02x]:%u", a->ip[0], a->ip[1],
                       a->ip[2], a->ip[3], a->ip[14], a->ip[15], a->port);
    return buf;
}

static const char *tls_err(int ret, char *buf, size_t cap)
{
    mbedtls_strerror(ret, buf, cap);
    return buf;
}

/* ---- lists and the session table ---- */

static void list_remove(struct list *l, struct sess *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        l->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        l->tail = s->prev;
    s->prev = s->next = NULL;
}

static void list_append(struct list *l, struct sess *s)
{
    s->prev = l->tail;
    s->next = NULL;
    if (l->tail)
        l->tail->next = s;
    else
        l->head = s;
    l->tail = s;
}

/* Put s on the list its state asks for: handshaking sessions are scanned
 * for timers; open accepting sessions stay in order of last activity. */
static void sess_relist(struct sl_dtls *d, struct sess *s)
{
    if (s->on) {
        list_remove(s->on, s);
        s->on = NULL;
    }
    if (s->state == S_HANDSHAKE)
        s->on = &d->hs;
    else if (s->state == S_OPEN && s->accepting)
        s->on = &d->lru;
    if (s->on)
        list_append(s->on, s);
}

static size_t addr_hash(sl_sock sock, const struct sl_addr *a)
{
    uint32_t h = 2166136261u;
    uint8_t b[20];
    b[0] = sock;
    b[1] = a->family;
    memcpy(b + 2, a->ip, 16);
    b[18] = (uint8_t)(a->port >> 8);
    b[19] = (uint8_t)a->port;
    for (size_t i = 0; i < sizeof b; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static bool addr_same(const struct sl_addr *a, const struct sl_addr *b)
{
    if (a->family != b->family || a->port != b->port)
        return false;
    return memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

static struct sess *sess_find(const struct sl_dtls *d, sl_sock sock, const struct sl_addr *a)
{
    for (struct sess *s = d->table[addr_hash(sock, a) & (d->table_size - 1)]; s; s = s->hnext)
        if (s->sock == sock && addr_same(&s->peer, a))
            return s;
    return NULL;
}

static void table_insert(struct sl_dtls *d, struct sess *s)
{
    struct sess **b = &d->table[addr_hash(s->sock, &s->peer) & (d->table_size - 1)];
    s->hnext = *b;
    *b = s;
    d->st.sessions++;
    if (s->accepting)
        d->accepting++;
}

static void table_remove(struct sl_dtls *d, struct sess *s)
{
    struct sess **p = &d->table[addr_hash(s->sock, &s->peer) & (d->table_size - 1)];
    while (*p && *p != s)
        p = &(*p)->hnext;
    if (*p) {
        *p = s->hnext;
        d->st.sessions--;
        if (s->accepting)
            d->accepting--;
    }
}

static void ssl_destroy(mbedtls_ssl_context *ssl)
{
    if (ssl) {
        mbedtls_ssl_free(ssl);
        free(ssl);
    }
}

static void sess_destroy(struct sl_dtls *d, struct sess *s)
{
    if (s->on)
        list_remove(s->on, s);
    table_remove(d, s);
    ssl_destroy(s->ssl);
    if (s->conf) {
        mbedtls_ssl_config_free(s->conf);
        free(s->conf);
    }
    mbedtls_platform_zeroize(s->key, sizeof s->key);
    free(s->pending);
    free(s);
}

/* Work on s may call back into the application, which may close it: a
 * hold keeps s alive until the work is done. */
static void sess_hold(struct sess *s)
{
    s->hold++;
}

static void sess_unhold(struct sl_dtls *d, struct sess *s)
{
    if (--s->hold == 0 && s->doomed)
        sess_destroy(d, s);
}

/* Free now, or when the last hold ends. */
static void sess_release(struct sl_dtls *d, struct sess *s)
{
    s->doomed = true;
    s->state = S_DEAD;
    sess_relist(d, s);
    if (s->hold == 0)
        sess_destroy(d, s);
}

static void notify(struct sl_dtls *d, struct sess *s, enum sl_dtls_event ev, const char *why)
{
    if (!d->h.event)
        return;
    sess_hold(s);
    d->h.event(d->h.ctx, s->sock, &s->peer, ev, s->identity, s->identity_len, why);
    sess_unhold(d, s);
}

/* ---- mbedTLS callbacks ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct sess *s = ctx;
    /* a failed send is a lost datagram: DTLS retransmits handshake flights
     * and CoAP retransmits the rest */
    (void)s->d->h.send(s->d->h.ctx, s->sock, &s->peer, buf, len);
    return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct sess *s = ctx;
    struct sl_dtls *d = s->d;
    const uint8_t *in = d->in;
    size_t n = d->in_len;
    if (!in || s != d->cur)
        return MBEDTLS_ERR_SSL_WANT_READ;
    d->in = NULL; /* one datagram, read once */
    if (n > len || n > INT32_MAX)
        return MBEDTLS_ERR_SSL_WANT_READ; /* larger than a record can be: drop */
    memcpy(buf, in, n);
    return (int)n;
}

static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
    struct sess *s = ctx;
    s->t_armed = fin_ms != 0;
    s->t_start = s->d->now;
    s->t_int = int_ms;
    s->t_fin = fin_ms;
}

static int timer_get(void *ctx)
{
    const struct sess *s = ctx;
    if (!s->t_armed)
        return -1;
    sl_time_ms el = s->d->now - s->t_start;
    if (el >= s->t_fin)
        return 2;
    if (el >= s->t_int)
        return 1;
    return 0;
}

/* The accepting side's PSK: the session being driven records the identity. */
static int psk_cb(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *id, size_t id_len)
{
    struct sl_dtls *d = ctx;
    struct sess *s = d->cur && d->cur->ssl == ssl ? d->cur : NULL;
    if (!s || id_len == 0 || id_len > SL_DTLS_MAX_IDENTITY)
        return -1;
    uint8_t key[SL_DTLS_MAX_KEY];
    size_t key_len = 0;
    if (d->h.psk_lookup(d->h.ctx, s->sock, id, id_len, key, sizeof key, &key_len) != SL_OK ||
        key_len == 0 || key_len > sizeof key) {
        char a[64];
        logf_(d, SL_LOG_WARN, "dtls: unknown PSK identity \"%.*s\" from %s", (int)id_len,
              (const char *)id, addr_str(&s->peer, a, sizeof a));
        mbedtls_platform_zeroize(key, sizeof key);
        return -1;
    }
    int ret = mbedtls_ssl_set_hs_psk(ssl, key, key_len);
    mbedtls_platform_zeroize(key, sizeof key);
    if (ret != 0)
        return -1;
    memcpy(s->identity, id, id_len);
    s->identity_len = id_len;
    return 0;
}

static void bind_callbacks(struct sess *s)
{
    mbedtls_ssl_set_bio(s->ssl, s, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_timer_cb(s->ssl, s, timer_set, timer_get);
}

static mbedtls_ssl_context *ssl_create(const mbedtls_ssl_config *conf)
{
    mbedtls_ssl_context *ssl = malloc(sizeof *ssl);
    if (!ssl)
        return NULL;
    mbedtls_ssl_init(ssl);
    if (mbedtls_ssl_setup(ssl, conf) != 0) {
        mbedtls_ssl_free(ssl);
        free(ssl);
        return NULL;
    }
    return ssl;
}

static int conf_common(struct sl_dtls *d, mbedtls_ssl_config *conf, int endpoint)
{
    int ret = mbedtls_ssl_config_defaults(conf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0)
        return ret;
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &d->drbg);
    mbedtls_ssl_conf_ciphersuites(conf, ciphersuites);
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_handshake_timeout(conf, d->lim.hs_timeout_min_ms, d->lim.hs_timeout_max_ms);
    mbedtls_ssl_conf_dtls_anti_replay(conf, MBEDTLS_SSL_ANTI_REPLAY_ENABLED);
    /* Records with a bad MAC are dropped silently (RFC 6347 4.1.2.7), also
     * during the handshake: a limit would let anyone who can spoof a
     * peer's address end its session. So a wrong key shows as a handshake
     * that times out. */
    return 0;
}

/* ---- life cycle ---- */

struct sl_dtls *sl_dtls_new(const struct sl_dtls_hooks *hooks, const struct sl_dtls_limits *limits,
                            sl_err *err)
{
    sl_err dummy;
    if (!err)
        err = &dummy;
    if (!hooks || !hooks->send || !hooks->deliver) {
        *err = SL_ERR_INVALID;
        return NULL;
    }
    struct sl_dtls *d = calloc(1, sizeof *d);
    if (!d) {
        *err = SL_ERR_NOMEM;
        return NULL;
    }
    d->h = *hooks;
    if (limits)
        d->lim = *limits;
    if (!d->lim.max_sessions)
        d->lim.max_sessions = 1024;
    if (!d->lim.idle_timeout_ms)
        d->lim.idle_timeout_ms = 2u * 3600u * 1000u;
    if (!d->lim.rate_per_s)
        d->lim.rate_per_s = 20;
    if (!d->lim.rate_burst)
        d->lim.rate_burst = 40;
    if (!d->lim.hs_timeout_min_ms)
        d->lim.hs_timeout_min_ms = 1000;
    if (!d->lim.hs_timeout_max_ms)
        d->lim.hs_timeout_max_ms = 16000;
    d->table_size = 64;
    while (d->table_size < (size_t)d->lim.max_sessions * 2 && d->table_size < (1u << 24))
        d->table_size <<= 1;
    d->table = calloc(d->table_size, sizeof *d->table);
    mbedtls_entropy_init(&d->entropy);
    mbedtls_ctr_drbg_init(&d->drbg);
    mbedtls_ssl_cookie_init(&d->cookie);
    mbedtls_ssl_config_init(&d->server_conf);
    d->server_conf_ready = true;
    d->listener.d = d;
    d->listener.accepting = true;
    if (!d->table) {
        sl_dtls_free(d);
        *err = SL_ERR_NOMEM;
        return NULL;
    }
    static const char pers[] = "sidelink-dtls";
    if (mbedtls_ctr_drbg_seed(&d->drbg, mbedtls_entropy_func, &d->entropy,
                              (const unsigned char *)pers, sizeof pers - 1) != 0 ||
        mbedtls_ssl_cookie_setup(&d->cookie, mbedtls_ctr_drbg_random, &d->drbg) != 0 ||
        conf_common(d, &d->server_conf, MBEDTLS_SSL_IS_SERVER) != 0) {
        sl_dtls_free(d);
        *err = SL_ERR_IO;
        return NULL;
    }
    mbedtls_ssl_conf_psk_cb(&d->server_conf, psk_cb, d);
    mbedtls_ssl_conf_dtls_cookies(&d->server_conf, mbedtls_ssl_cookie_write,
                                  mbedtls_ssl_cookie_check, &d->cookie);
    *err = SL_OK;
    return d;
}

void sl_dtls_free(struct sl_dtls *d)
{
    if (!d)
        return;
    if (d->table) {
        for (size_t i = 0; i < d->table_size; i++)
            while (d->table[i]) {
                sess_destroy(d, d->table[i]);
            }
        free(d->table);
    }
    ssl_destroy(d->listener.ssl);
    free(d->rate);
    if (d->server_conf_ready)
        mbedtls_ssl_config_free(&d->server_conf);
    mbedtls_ssl_cookie_free(&d->cookie);
    mbedtls_ctr_drbg_free(&d->drbg);
    mbedtls_entropy_free(&d->entropy);
    mbedtls_platform_zeroize(d, sizeof *d);
    free(d);
}

sl_err sl_dtls_listen(struct sl_dtls *d, sl_sock sock)
{
    if (!d->h.psk_lookup)
        return SL_ERR_INVALID;
    /* the rate limit's buckets: only an accepting side needs them */
    if (!d->rate && !(d->rate = calloc(RATE_BUCKETS, sizeof *d->rate)))
        return SL_ERR_NOMEM;
    d->listen_socks[sock / 8] |= (uint8_t)(1u << (sock % 8));
    return SL_OK;
}

static bool is_listening(const struct sl_dtls *d, sl_sock sock)
{
    return (d->listen_socks[sock / 8] >> (sock % 8)) & 1u;
}

/* ---- driving a session ---- */

static void flush_pending(struct sl_dtls *d, struct sess *s)
{
    if (!s->pending)
        return;
    uint8_t *p = s->pending;
    size_t n = s->pending_len;
    s->pending = NULL;
    s->pending_len = 0;
    int ret = mbedtls_ssl_write(s->ssl, p, n);
    if (ret < 0) {
        char e[96];
        logf_(d, SL_LOG_DEBUG, "dtls: queued datagram not sent: %s", tls_err(ret, e, sizeof e));
    }
    free(p);
}

/* A session ends: off the lists, the application told, freed (accepting)
 * or kept dead until the next send restarts it (connecting). */
static void sess_end(struct sl_dtls *d, struct sess *s, enum sl_dtls_event ev, const char *why)
{
    s->state = S_DEAD;
    s->t_armed = false;
    sess_relist(d, s);
    notify(d, s, ev, why);
    if (s->accepting)
        sess_release(d, s);
}

static void sess_fail(struct sl_dtls *d, struct sess *s, int ret, const char *what)
{
    char a[64], e[96];
    bool was_open = s->state == S_OPEN;
    if (!was_open)
        d->st.handshakes_failed++;
    tls_err(ret, e, sizeof e);
    logf_(d, SL_LOG_DEBUG, "dtls: %s %s: %s", what, addr_str(&s->peer, a, sizeof a), e);
    sess_end(d, s, was_open ? SL_DTLS_CLOSED : SL_DTLS_FAILED, e);
}

/* Run the handshake as far as the input allows. The caller holds s. */
static void sess_handshake(struct sl_dtls *d, struct sess *s)
{
    d->cur = s;
    int ret = mbedtls_ssl_handshake(s->ssl);
    d->cur = NULL;
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        return;
    if (ret != 0) {
        sess_fail(d, s, ret, "handshake with");
        return;
    }
    char a[64];
    s->state = S_OPEN;
    s->t_armed = false;
    d->st.handshakes_ok++;
    sess_relist(d, s);
    logf_(d, SL_LOG_DEBUG, "dtls: session with %s (identity \"%.*s\")",
          addr_str(&s->peer, a, sizeof a), (int)s->identity_len, (const char *)s->identity);
    notify(d, s, SL_DTLS_ESTABLISHED, "handshake done");
    if (!s->doomed && s->state == S_OPEN)
        flush_pending(d, s);
}

/* Read every record of the datagram and deliver the plaintext. The caller
 * holds s. */
static void sess_read(struct sl_dtls *d, struct sess *s)
{
    for (;;) {
        d->cur = s;
        int ret = mbedtls_ssl_read(s->ssl, d->plain, sizeof d->plain);
        d->cur = NULL;
        if (ret > 0) {
            d->h.deliver(d->h.ctx, s->sock, &s->peer, s->identity, s->identity_len, d->plain,
                         (size_t)ret);
            if (s->doomed || s->state != S_OPEN)
                return;
            continue;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE ||
            ret == MBEDTLS_ERR_SSL_TIMEOUT)
            return;
        if (ret == MBEDTLS_ERR_SSL_CLIENT_RECONNECT) {
            /* the peer started over from the same address and port; mbedTLS
             * reset the context and kept the new ClientHello (cookie valid):
             * what the old session authenticated is gone */
            char a[64];
            d->st.reconnects++;
            logf_(d, SL_LOG_INFO, "dtls: %s reconnects", addr_str(&s->peer, a, sizeof a));
            notify(d, s, SL_DTLS_CLOSED, "peer reconnects");
            if (s->doomed)
                return;
            s->identity_len = 0;
            s->state = S_HANDSHAKE;
            sess_relist(d, s);
            sess_handshake(d, s);
            return;
        }
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            sess_fail(d, s, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, "closed by");
            return;
        }
        sess_fail(d, s, ret, "session with");
        return;
    }
}

static void sess_feed(struct sl_dtls *d, struct sess *s, const uint8_t *data, size_t len)
{
    sess_hold(s);
    d->in = data;
    d->in_len = len;
    s->last = d->now;
    if (s->state == S_HANDSHAKE)
        sess_handshake(d, s);
    else if (s->state == S_OPEN)
        sess_read(d, s);
    d->in = NULL;
    if (s->on == &d->lru) { /* most recent last */
        list_remove(&d->lru, s);
        list_append(&d->lru, s);
    }
    sess_unhold(d, s);
}

/* ---- strangers ---- */

static bool looks_like_client_hello(const uint8_t *p, size_t len)
{
    return len >= REC_HDR_LEN + HS_HDR_LEN && p[0] == CT_HANDSHAKE && p[1] == 0xFE &&
           p[3] == 0 && p[4] == 0 /* epoch 0 */ && p[REC_HDR_LEN] == HS_CLIENT_HELLO;
}

static bool rate_allow(struct sl_dtls *d, const struct sl_addr *a)
{
    size_t iplen = a->family == 4 ? 4 : 16;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < iplen; i++)
        h = (h ^ a->ip[i]) * 16777619u;
    struct rate_bucket *b = &d->rate[h % RATE_BUCKETS];
    uint32_t cap = d->lim.rate_burst * 1000u;
    if (b->family != a->family || memcmp(b->ip, a->ip, iplen) != 0) {
        b->family = a->family;
        memset(b->ip, 0, sizeof b->ip);
        memcpy(b->ip, a->ip, iplen);
        b->tokens_milli = cap;
        b->last = d->now;
    }
    sl_time_ms el = d->now - b->last;
    b->last = d->now;
    uint64_t add = el * (uint64_t)d->lim.rate_per_s; /* ms x per-s = milli-tokens */
    uint64_t t = b->tokens_milli + add;
    b->tokens_milli = t > cap ? cap : (uint32_t)t;
    if (b->tokens_milli < 1000)
        return false;
    b->tokens_milli -= 1000;
    return true;
}

static bool listener_ready(struct sl_dtls *d)
{
    if (d->listener.ssl)
        return true;
    d->listener.ssl = ssl_create(&d->server_conf);
    if (!d->listener.ssl)
        return false;
    bind_callbacks(&d->listener);
    return true;
}

/* The least recently active open session, when the table must make room. */
static bool make_room(struct sl_dtls *d, bool evict)
{
    if (d->accepting < d->lim.max_sessions)
        return true;
    struct sess *old = d->lru.head;
    if (!old)
        return false;
    if (evict) {
        char a[64];
        logf_(d, SL_LOG_INFO, "dtls: session table full: closing %s",
              addr_str(&old->peer, a, sizeof a));
        sess_end(d, old, SL_DTLS_CLOSED, "session table full");
    }
    return true;
}

static void stranger_input(struct sl_dtls *d, sl_sock sock, const struct sl_addr *from,
                           const uint8_t *data, size_t len)
{
    if (!looks_like_client_hello(data, len)) {
        d->st.dropped++;
        return;
    }
    if (!make_room(d, false)) {
        d->st.table_full++;
        return;
    }
    if (!rate_allow(d, from)) {
        d->st.rate_limited++;
        return;
    }
    if (!listener_ready(d))
        return;
    struct sess *l = &d->listener;
    if (mbedtls_ssl_session_reset(l->ssl) != 0)
        return;
    /* the cookie binds the client's address and port */
    uint8_t tid[19];
    tid[0] = from->family;
    memcpy(tid + 1, from->ip, 16);
    tid[17] = (uint8_t)(from->port >> 8);
    tid[18] = (uint8_t)from->port;
    if (mbedtls_ssl_set_client_transport_id(l->ssl, tid, sizeof tid) != 0)
        return;
    l->sock = sock;
    l->peer = *from;
    l->identity_len = 0;
    l->t_armed = false;
    d->in = data;
    d->in_len = len;
    d->cur = l;
    int ret = mbedtls_ssl_handshake(l->ssl);
    d->cur = NULL;
    d->in = NULL;
    if (ret == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
        d->st.hello_verify_sent++;
        (void)mbedtls_ssl_session_reset(l->ssl);
        return;
    }
    if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        char a[64], e[96];
        logf_(d, SL_LOG_DEBUG, "dtls: ClientHello from %s refused: %s",
              addr_str(from, a, sizeof a), tls_err(ret, e, sizeof e));
        (void)mbedtls_ssl_session_reset(l->ssl);
        return;
    }
    /* a valid cookie: the handshake is under way in the listener's context;
     * it becomes this peer's session */
    struct sess *s = calloc(1, sizeof *s);
    if (!s) {
        (void)mbedtls_ssl_session_reset(l->ssl);
        return;
    }
    (void)make_room(d, true);
    s->d = d;
    s->ssl = l->ssl;
    s->sock = sock;
    s->peer = *from;
    s->accepting = true;
    s->state = S_HANDSHAKE;
    s->last = d->now;
    s->t_armed = l->t_armed;
    s->t_start = l->t_start;
    s->t_int = l->t_int;
    s->t_fin = l->t_fin;
    l->ssl = NULL;
    bind_callbacks(s);
    table_insert(d, s);
    sess_relist(d, s);
    (void)listener_ready(d);
}

/* ---- the API ---- */

void sl_dtls_input(struct sl_dtls *d, sl_sock sock, const struct sl_addr *from,
                   const uint8_t *data, size_t len, sl_time_ms now)
{
    d->now = now;
    struct sess *s = sess_find(d, sock, from);
    if (s) {
        /* a connecting session that failed waits for the next send */
        if (s->state != S_DEAD)
            sess_feed(d, s, data, len);
        return;
    }
    if (is_listening(d, sock))
        stranger_input(d, sock, from, data, len);
    else
        d->st.dropped++;
}

sl_err sl_dtls_connect(struct sl_dtls *d, sl_sock sock, const struct sl_addr *to,
                       const uint8_t *identity, size_t identity_len, const uint8_t *key,
                       size_t key_len, sl_time_ms now)
{
    if (!to || !identity || !key || identity_len == 0 || identity_len > SL_DTLS_MAX_IDENTITY ||
        key_len == 0 || key_len > SL_DTLS_MAX_KEY)
        return SL_ERR_INVALID;
    d->now = now;
    struct sess *old = sess_find(d, sock, to);
    if (old) {
        if (old->hold)
            return SL_ERR_BUSY; /* called back from that very session */
        sess_destroy(d, old);
    }
    struct sess *s = calloc(1, sizeof *s);
    if (!s)
        return SL_ERR_NOMEM;
    s->d = d;
    s->sock = sock;
    s->peer = *to;
    s->state = S_HANDSHAKE;
    s->last = now;
    memcpy(s->identity, identity, identity_len);
    s->identity_len = identity_len;
    memcpy(s->key, key, key_len);
    s->key_len = key_len;
    s->conf = malloc(sizeof *s->conf);
    if (!s->conf) {
        free(s);
        return SL_ERR_NOMEM;
    }
    mbedtls_ssl_config_init(s->conf);
    if (conf_common(d, s->conf, MBEDTLS_SSL_IS_CLIENT) != 0 ||
        mbedtls_ssl_conf_psk(s->conf, s->key, s->key_len, s->identity, s->identity_len) != 0 ||
        !(s->ssl = ssl_create(s->conf))) {
        mbedtls_ssl_config_free(s->conf);
        free(s->conf);
        free(s);
        return SL_ERR_IO;
    }
    bind_callbacks(s);
    table_insert(d, s);
    sess_relist(d, s);
    sess_hold(s);
    sess_handshake(d, s);
    sess_unhold(d, s);
    return SL_OK;
}

/* Keep the newest datagram for the end of the handshake. */
static sl_err sess_queue(struct sess *s, const uint8_t *data, size_t len)
{
    if (len > SL_DTLS_MAX_PENDING)
        return SL_ERR_TOO_LARGE;
    uint8_t *p = malloc(len ? len : 1);
    if (!p)
        return SL_ERR_NOMEM;
    if (len)
        memcpy(p, data, len);
    free(s->pending);
    s->pending = p;
    s->pending_len = len;
    return SL_OK;
}

sl_err sl_dtls_send(struct sl_dtls *d, sl_sock sock, const struct sl_addr *to,
                    const uint8_t *data, size_t len, sl_time_ms now)
{
    d->now = now;
    struct sess *s = sess_find(d, sock, to);
    if (!s || s->doomed || (s->accepting && s->state != S_OPEN))
        return SL_ERR_NOT_FOUND;
    sl_err err = SL_OK;
    sess_hold(s);
    if (s->state != S_OPEN) {
        err = sess_queue(s, data, len);
        if (err == SL_OK && s->state == S_DEAD) {
            /* a connecting session that failed or closed: start over */
            d->cur = s;
            int ret = mbedtls_ssl_session_reset(s->ssl);
            d->cur = NULL;
            if (ret != 0) {
                err = SL_ERR_IO;
            } else {
                s->state = S_HANDSHAKE;
                s->t_armed = false;
                sess_relist(d, s);
                sess_handshake(d, s);
            }
        }
    } else {
        int max = mbedtls_ssl_get_max_out_record_payload(s->ssl);
        if (max < 0 || len > (size_t)max) {
            err = SL_ERR_TOO_LARGE;
        } else {
            d->cur = s;
            int ret = mbedtls_ssl_write(s->ssl, data, len);
            d->cur = NULL;
            if (ret < 0) {
                sess_fail(d, s, ret, "write to");
                err = SL_ERR_IO;
            }
        }
    }
    sess_unhold(d, s);
    return err;
}

void sl_dtls_close(struct sl_dtls *d, sl_sock sock, const struct sl_addr *peer, sl_time_ms now)
{
    d->now = now;
    struct sess *s = sess_find(d, sock, peer);
    if (!s || s->doomed)
        return;
    if (s->state == S_OPEN) {
        d->cur = s;
        (void)mbedtls_ssl_close_notify(s->ssl);
        d->cur = NULL;
    }
    sess_release(d, s);
}

void sl_dtls_step(struct sl_dtls *d, sl_time_ms now)
{
    d->now = now;
    /* handshake retransmissions and give-ups: mbedTLS sees the expired
     * timer, resends its flight and re-arms, or gives up. A session may end
     * and leave the list, so look again from the head each time. */
    for (;;) {
        struct sess *due = NULL;
        for (struct sess *p = d->hs.head; p && !due; p = p->next)
            if (p->t_armed && now - p->t_start >= p->t_fin)
                due = p;
        if (!due)
            break;
        sess_hold(due);
        sess_handshake(d, due);
        if (due->t_armed && now - due->t_start >= due->t_fin)
            due->t_armed = false; /* not re-armed: never spin on it */
        sess_unhold(d, due);
    }
    struct sess *s;
    while ((s = d->lru.head) && now - s->last >= d->lim.idle_timeout_ms) {
        char a[64];
        d->st.idle_closed++;
        logf_(d, SL_LOG_DEBUG, "dtls: %s idle: closing", addr_str(&s->peer, a, sizeof a));
        d->cur = s;
        (void)mbedtls_ssl_close_notify(s->ssl);
        d->cur = NULL;
        sess_end(d, s, SL_DTLS_CLOSED, "idle");
    }
}

sl_time_ms sl_dtls_next_deadline(const struct sl_dtls *d)
{
    sl_time_ms next = UINT64_MAX;
    for (const struct sess *s = d->hs.head; s; s = s->next)
        if (s->t_armed && s->t_start + s->t_fin < next)
            next = s->t_start + s->t_fin;
    if (d->lru.head && d->lru.head->last + d->lim.idle_timeout_ms < next)
        next = d->lru.head->last + d->lim.idle_timeout_ms;
    return next;
}

bool sl_dtls_established(const struct sl_dtls *d, sl_sock sock, const struct sl_addr *peer)
{
    const struct sess *s = sess_find(d, sock, peer);
    return s && s->state == S_OPEN && !s->doomed;
}

const uint8_t *sl_dtls_identity(const struct sl_dtls *d, sl_sock sock, const struct sl_addr *peer,
                                size_t *len)
{
    const struct sess *s = sess_find(d, sock, peer);
    if (!s || s->state != S_OPEN || s->doomed)
        return NULL;
    *len = s->identity_len;
    return s->identity;
}

void sl_dtls_get_stats(const struct sl_dtls *d, struct sl_dtls_stats *out)
{
    *out = d->st;
}
