/* The engine's message path: datagram in, message layer, hook, then the
 * serving or requesting half; and the timers. */
#include <string.h>

#include "engine/engine_internal.h"

/* Tokens of our requests: 4 random bytes keep messages short on the radio
 * and still make a blind guess (RFC 7252 5.3.1) a 1 in 2^32 chance. */
#define SL_TOKEN_LEN 4

/* A byte loop rather than memcmp: the engine compares only tokens and
 * addresses (at most 16 bytes), and the C library's word-wise memcmp would
 * be the only user of it in a small image, several times this size. */
bool eng_same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (a[k] != b[k])
            return false;
    return true;
}

bool sl_addr_equal(const struct sl_addr *a, const struct sl_addr *b)
{
    if (a->family != b->family || a->port != b->port)
        return false;
    return eng_same_bytes(a->ip, b->ip, a->family == 4 ? 4 : 16);
}

void sl_engine_cfg_default(struct sl_engine_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    sl_coap_params_default(&cfg->coap);
    cfg->block_size = SL_COAP_DEFAULT_BLOCK;
    cfg->notify_con = false;
    cfg->separate_timeout_ms = 0; /* 0: EXCHANGE_LIFETIME */
}

/* The data model reports its own writes, so observers of them are told. */
static void dm_changed(void *ctx, const struct sl_path *path)
{
    sl_engine_changed(ctx, path);
}

sl_err sl_engine_init(struct sl_engine *eng, const struct sl_platform *plat,
                      const struct sl_engine_cfg *cfg)
{
    if (!plat || !plat->send || !plat->random)
        return SL_ERR_INVALID;
    memset(eng, 0, sizeof *eng);
    eng->plat = plat;
    if (cfg)
        eng->cfg = *cfg;
    else
        sl_engine_cfg_default(&eng->cfg);
    if (sl_coap_block_szx(eng->cfg.block_size) < 0)
        return SL_ERR_INVALID;
    if (eng->cfg.separate_timeout_ms == 0)
        eng->cfg.separate_timeout_ms = sl_coap_exchange_lifetime_ms(&eng->cfg.coap);
    sl_coap_ml_init(&eng->ml, &eng->cfg.coap);
    sl_dm_init(&eng->dm);
    eng->dm.hooks.changed_ctx = eng;
    eng->dm.hooks.changed = dm_changed;
    /* RFC 7252 4.4: start message IDs at a random value */
    eng->next_mid = (uint16_t)eng_random32(eng);
    return SL_OK;
}

sl_err sl_engine_add_object(struct sl_engine *eng, struct sl_obj *o)
{
    return sl_dm_add(&eng->dm, o);
}

struct sl_dm *sl_engine_dm(struct sl_engine *eng)
{
    return &eng->dm;
}

void sl_engine_set_unknown_source(struct sl_engine *eng, sl_unknown_source_cb cb, void *ctx)
{
    eng->unknown_source = cb;
    eng->unknown_source_ctx = ctx;
}

uint16_t eng_next_mid(struct sl_engine *eng)
{
    return eng->next_mid++;
}

uint32_t eng_random32(struct sl_engine *eng)
{
    uint8_t b[4];
    eng->plat->random(eng->plat->ctx, b, sizeof b);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void eng_new_token(struct sl_engine *eng, uint8_t *token, uint8_t *tkl)
{
    bool unique;
    do {
        eng->plat->random(eng->plat->ctx, token, SL_TOKEN_LEN);
        unique = true;
        for (unsigned k = 0; k < SL_MAX_PENDING; k++) {
            const struct sl_pending *p = &eng->pending[k];
            if (p->state != SL_PENDING_FREE && p->tkl == SL_TOKEN_LEN &&
                eng_same_bytes(p->token, token, SL_TOKEN_LEN))
                unique = false;
        }
    } while (!unique);
    *tkl = SL_TOKEN_LEN;
}

void eng_log(struct sl_engine *eng, enum sl_log_level level, const char *msg)
{
    if (eng->plat->log)
        eng->plat->log(eng->plat->ctx, level, msg);
}

int sl_engine_peer_add(struct sl_engine *eng, sl_sock sock, const struct sl_addr *addr,
                       const struct sl_actor *actor)
{
    if (!addr || !actor || (addr->family != 4 && addr->family != 6))
        return SL_ERR_INVALID;
    if (sl_engine_peer_find(eng, sock, addr) >= 0)
        return SL_ERR_CONFLICT;
    for (int k = 0; k < SL_MAX_PEERS; k++) {
        struct sl_peer *p = &eng->peers[k];
        if (p->used)
            continue;
        memset(p, 0, sizeof *p);
        p->used = true;
        p->sock = sock;
        p->addr = *addr;
        p->actor = *actor;
        return k;
    }
    return SL_ERR_NOMEM;
}

int sl_engine_peer_find(const struct sl_engine *eng, sl_sock sock, const struct sl_addr *addr)
{
    for (int k = 0; k < SL_MAX_PEERS; k++) {
        const struct sl_peer *p = &eng->peers[k];
        if (p->used && p->sock == sock && sl_addr_equal(&p->addr, addr))
            return k;
    }
    return -1;
}

struct sl_peer *sl_engine_peer(struct sl_engine *eng, int peer)
{
    if (peer < 0 || peer >= SL_MAX_PEERS || !eng->peers[peer].used)
        return NULL;
    return &eng->peers[peer];
}

void sl_engine_peer_remove(struct sl_engine *eng, int peer)
{
    if (!sl_engine_peer(eng, peer))
        return;
    req_drop_peer(eng, peer);
    obs_drop_peer(eng, peer);
    sl_coap_ml_forget_peer(&eng->ml, (uint8_t)peer);
#if SL_CONFIG_BLOCK
    if (eng->block1.active && eng->block1.peer == peer)
        eng->block1.active = false;
#endif
    eng->peers[peer].used = false;
}

#if SL_CONFIG_MSG_HOOK
sl_err eng_protect(struct sl_engine *eng, int peer, uint8_t *buf, size_t *len, size_t cap)
{
    const struct sl_peer *p = &eng->peers[peer];
    if (!p->hook || !p->hook->protect)
        return SL_OK;
    return p->hook->protect(p->hook_ctx, peer, buf, len, cap);
}
#endif

/* Unprotect a received message in place when the peer has a hook and parse
 * the plain one into *m: SL_OK, or an error with the CoAP code to answer in
 * *reply_code (0: none; SL_MSG_HOOK_REPLY: raw[0..*len) is the hook's own
 * reply). Empty messages are never protected. */
static sl_err eng_unprotect(struct sl_engine *eng, int peer, struct sl_coap_msg *m, uint8_t *raw,
                            size_t *len, uint8_t *reply_code)
{
    *reply_code = 0;
#if SL_CONFIG_MSG_HOOK
    const struct sl_peer *p = &eng->peers[peer];
    if (m->code != SL_COAP_EMPTY && p->hook && p->hook->unprotect &&
        (p->hook->unprotect(p->hook_ctx, peer, raw, len, SL_COAP_MAX_MSG, reply_code) != SL_OK ||
         sl_coap_parse(m, raw, *len) != SL_OK))
        return SL_ERR_DENIED;
#else
    (void)eng;
    (void)peer;
    (void)m;
    (void)raw;
    (void)len;
#endif
    return SL_OK;
}

sl_err eng_send_raw(struct sl_engine *eng, int peer, const uint8_t *buf, size_t len)
{
    const struct sl_peer *p = &eng->peers[peer];
    return eng->plat->send(eng->plat->ctx, p->sock, &p->addr, buf, len);
}

sl_err eng_send_con(struct sl_engine *eng, int peer, uint8_t kind, uint16_t owner, uint8_t *buf,
                    size_t len)
{
    if (sl_coap_tx_outstanding(&eng->ml, (uint8_t)peer) >= eng->ml.params.nstart)
        return SL_ERR_BUSY;
    sl_err err = eng_protect(eng, peer, buf, &len, SL_COAP_MAX_MSG);
    if (err != SL_OK)
        return err;
    uint16_t mid = (uint16_t)(buf[2] << 8 | buf[3]);
    struct sl_coap_tx *tx;
    err = sl_coap_tx_start(&eng->ml, (uint8_t)peer, kind, owner, mid, buf, len, eng_random32(eng),
                           eng->now, &tx);
    if (err != SL_OK)
        return err;
    /* a failed send is a lost datagram: retransmission covers it */
    (void)eng_send_raw(eng, peer, tx->buf, tx->len);
    return SL_OK;
}

/* Answer a message from a source we do not serve, without any state. */
static void reply_stateless(struct sl_engine *eng, sl_sock sock, const struct sl_addr *from,
                            const struct sl_coap_msg *m, uint8_t type, uint8_t code)
{
    /* an empty message carries no token (RFC 7252 4.1) */
    size_t len = sl_coap_build_reply(eng->scratch, type, code, m->mid, m->token,
                                     code == SL_COAP_EMPTY ? 0 : m->tkl);
    (void)eng->plat->send(eng->plat->ctx, sock, from, eng->scratch, len);
}

/* Build the reply to a received CON/NON into the dedup slot, protect it,
 * remember it and send it. */
static void reply_and_cache(struct sl_engine *eng, int peer, struct sl_coap_dedup *d,
                            size_t len, bool protect)
{
    if (len == 0)
        return;
    if (protect && eng_protect(eng, peer, d->reply, &len, sizeof d->reply) != SL_OK) {
        eng_log(eng, SL_LOG_WARN, "cannot protect reply: dropped");
        return;
    }
    d->reply_len = (uint16_t)len;
    d->has_reply = true;
    (void)eng_send_raw(eng, peer, d->reply, len);
}

#if SL_CONFIG_MSG_HOOK
/* The hook answered a request itself: its reply (protected, with the
 * request's token) goes out as an ACK/NON with our MID and is cached. */
static void reply_from_hook(struct sl_engine *eng, int peer, struct sl_coap_dedup *d,
                            const uint8_t *reply, size_t len, uint8_t type, uint16_t mid)
{
    if (len < SL_COAP_HEADER_LEN || len > sizeof d->reply)
        return;
    memcpy(d->reply, reply, len);
    d->reply[0] = (uint8_t)((d->reply[0] & 0xCFu) | (unsigned)type << 4);
    d->reply[2] = (uint8_t)(mid >> 8);
    d->reply[3] = (uint8_t)mid;
    reply_and_cache(eng, peer, d, len, false);
}
#endif

static void input_ack_rst(struct sl_engine *eng, int peer, struct sl_coap_msg *m, uint8_t *raw,
                          size_t raw_len)
{
    struct sl_coap_tx *tx = sl_coap_tx_match(&eng->ml, (uint8_t)peer, m->mid);
    if (!tx)
        return; /* a duplicate or late ACK */
    uint8_t kind = tx->kind;
    uint16_t owner = tx->owner;
    sl_coap_tx_release(tx);
    if (m->type == SL_COAP_RST) {
        if (kind == SL_TX_REQUEST)
            req_on_fail(eng, owner, SL_ERR_RESET);
        else if (kind == SL_TX_NOTIFY)
            obs_on_fail(eng, owner); /* RFC 7641 3.6: RST ends the observation */
        return;
    }
    if (kind == SL_TX_NOTIFY) {
        obs_on_ack(eng, owner);
    } else if (kind == SL_TX_REQUEST) {
        uint8_t reply_code;
        /* a piggybacked response that does not verify is discarded (RFC
         * 8613 8.4), not taken as the end of the request: anyone who saw
         * the MID could otherwise forge one; the request retransmits and
         * times out if nothing better comes */
        if (eng_unprotect(eng, peer, m, raw, &raw_len, &reply_code) == SL_OK)
            req_on_ack(eng, owner, m);
    }
}

void sl_engine_input(struct sl_engine *eng, sl_sock sock, const struct sl_addr *from,
                     const uint8_t *data, size_t len, sl_time_ms now)
{
    /* a private copy: hooks unprotect in place and data is the caller's */
    uint8_t *raw = eng->rx;
    struct sl_coap_msg m;
    eng->now = now;
    if (len > SL_COAP_MAX_MSG)
        return; /* larger than any message we accept; a peer uses block-wise */
    if (data != raw)
        memcpy(raw, data, len);
    sl_err perr = sl_coap_parse(&m, raw, len);
    if (perr == SL_ERR_INVALID) {
        /* RFC 7252 4.2/4.3: reject a malformed CON with RST, drop others */
        if (len >= SL_COAP_HEADER_LEN && (raw[0] >> 6) == 1 && ((raw[0] >> 4) & 3) == SL_COAP_CON) {
            m.mid = (uint16_t)(raw[2] << 8 | raw[3]);
            reply_stateless(eng, sock, from, &m, SL_COAP_RST, SL_COAP_EMPTY);
        }
        return;
    }
    int peer = sl_engine_peer_find(eng, sock, from);
    if (peer < 0) {
        if (m.type == SL_COAP_ACK || m.type == SL_COAP_RST)
            return;
        if (sl_coap_is_request(m.code) && perr == SL_OK && eng->unknown_source)
            peer = eng->unknown_source(eng->unknown_source_ctx, eng, sock, from, &m);
        if (peer < 0 || !sl_engine_peer(eng, peer)) {
            if (m.type == SL_COAP_CON) {
                /* a request is refused (4.01), anything else rejected (RST) */
                bool rq = sl_coap_is_request(m.code);
                reply_stateless(eng, sock, from, &m, rq ? SL_COAP_ACK : SL_COAP_RST,
                                rq ? SL_COAP_UNAUTHORIZED : SL_COAP_EMPTY);
            }
            return;
        }
    }
    if (m.type == SL_COAP_ACK || m.type == SL_COAP_RST) {
        input_ack_rst(eng, peer, &m, raw, len);
        return;
    }

    /* CON or NON: deduplicate first, so a retransmission gets the stored
     * (already protected) reply and never reaches the hook again */
    struct sl_coap_dedup *d = sl_coap_dedup_find(&eng->ml, (uint8_t)peer, m.mid, now);
    if (d) {
        if (d->has_reply)
            (void)eng_send_raw(eng, peer, d->reply, d->reply_len);
        return;
    }
    uint32_t life = m.type == SL_COAP_CON ? sl_coap_exchange_lifetime_ms(&eng->ml.params)
                                          : sl_coap_non_lifetime_ms(&eng->ml.params);
    d = sl_coap_dedup_add(&eng->ml, (uint8_t)peer, m.mid, life, now);
    if (!d)
        return;
    uint8_t ack_type = m.type == SL_COAP_CON ? SL_COAP_ACK : SL_COAP_NON;
    uint16_t reply_mid = m.type == SL_COAP_CON ? m.mid : eng_next_mid(eng);

    /* Every branch below leaves its answer (if any) in d->reply[0..rlen),
     * or a bare code for a request in reply_code, for the one
     * reply_and_cache() at the end. */
    uint8_t reply_code;
    size_t rlen = 0;
    bool protect = false;
    if (eng_unprotect(eng, peer, &m, raw, &len, &reply_code) != SL_OK) {
        /* m still holds the outer header and token (copied at parse) */
#if SL_CONFIG_MSG_HOOK
        if (reply_code == SL_MSG_HOOK_REPLY) {
            if (sl_coap_is_request(m.code))
                reply_from_hook(eng, peer, d, raw, len, ack_type, reply_mid);
            return;
        }
#endif
        /* security errors go back unprotected (RFC 8613 8.2): protect stays false */
    } else if (perr == SL_ERR_TOO_LARGE) {
        reply_code = SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        protect = true;
    } else if (sl_coap_is_request(m.code)) {
        rlen = serve_request(eng, peer, &m, ack_type, reply_mid, d->reply, sizeof d->reply);
        protect = true;
    } else {
        /* a response: ACK a CON one we take, RST one we do not; an empty
         * CON is a CoAP ping (RST), other codes are reserved (RST a CON) */
        bool response = sl_coap_is_response(m.code);
        bool taken = response && req_on_response(eng, peer, &m);
        if (m.type == SL_COAP_CON || (response && !taken))
            rlen = sl_coap_build_empty(d->reply, taken ? SL_COAP_ACK : SL_COAP_RST, m.mid);
    }
    if (reply_code && sl_coap_is_request(m.code))
        rlen = sl_coap_build_reply(d->reply, ack_type, reply_code, reply_mid, m.token, m.tkl);
    reply_and_cache(eng, peer, d, rlen, protect);
}

uint8_t *sl_engine_rx_buffer(struct sl_engine *eng)
{
    return eng->rx;
}

void sl_engine_step(struct sl_engine *eng, sl_time_ms now)
{
    eng->now = now;
    bool gave_up;
    struct sl_coap_tx *tx;
    while ((tx = sl_coap_tx_poll(&eng->ml, now, &gave_up)) != NULL) {
        if (!gave_up) {
            (void)eng_send_raw(eng, tx->peer, tx->buf, tx->len);
            continue;
        }
        uint8_t kind = tx->kind;
        uint16_t owner = tx->owner;
        sl_coap_tx_release(tx);
        if (kind == SL_TX_REQUEST)
            req_on_fail(eng, owner, SL_ERR_TIMEOUT);
        else if (kind == SL_TX_NOTIFY)
            obs_on_fail(eng, owner); /* RFC 7641 4.5: an unacknowledged client is gone */
    }
    serve_expire(eng, now);
    req_step(eng, now);
    obs_step(eng, now);
}

static sl_time_ms earliest(sl_time_ms a, sl_time_ms b)
{
    return a < b ? a : b;
}

sl_time_ms sl_engine_next_deadline(const struct sl_engine *eng)
{
    sl_time_ms t = sl_coap_tx_next_due(&eng->ml);
    t = earliest(t, serve_next_deadline(eng));
    t = earliest(t, req_next_deadline(eng));
    t = earliest(t, obs_next_deadline(eng));
    return t;
}

void sl_engine_changed(struct sl_engine *eng, const struct sl_path *path)
{
    obs_changed(eng, path);
}
