/* Observations that peers hold on us (RFC 7641 server side, with LwM2M
 * notification attributes): when to notify, and the notification itself. */
#include <string.h>

#include "engine/engine_internal.h"

#define DAY_MS (24ull * 3600ull * 1000ull)

#if SL_CONFIG_OBSERVE_ATTRS
static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < n; k++) {
        h ^= p[k];
        h *= 16777619u;
    }
    return h;
}
#endif

static bool paths_overlap(const struct sl_path *a, const struct sl_path *b)
{
    return sl_path_within(a, b) || sl_path_within(b, a);
}

struct sl_observation *obs_register(struct sl_engine *eng, int peer, const struct sl_coap_msg *req,
                                    const struct sl_path *paths, uint8_t count, bool composite,
                                    uint16_t format)
{
    struct sl_observation *o = NULL;
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS && !o; k++) {
        struct sl_observation *c = &eng->obs[k];
        /* RFC 7641 4.1: the same token from the same peer re-registers */
        if (c->used && c->peer == peer && c->tkl == req->tkl &&
            eng_same_bytes(c->token, req->token, req->tkl))
            o = c;
    }
    uint32_t seq;
    if (o) {
        seq = (o->seq + 1) & 0xFFFFFFu;
    } else {
        for (unsigned k = 0; k < SL_MAX_OBSERVATIONS && !o; k++)
            if (!eng->obs[k].used)
                o = &eng->obs[k];
        if (!o)
            return NULL;
        seq = eng_random32(eng) & 0xFFFFu; /* a fresh start, far from wrapping */
    }
    memset(o, 0, sizeof *o);
    o->used = true;
    o->peer = (uint8_t)peer;
    o->tkl = req->tkl;
    memcpy(o->token, req->token, req->tkl);
    o->path_count = count;
    memcpy(o->paths, paths, count * sizeof paths[0]);
    o->composite = composite;
    o->format = format;
    o->seq = seq;
    o->last_sent = o->last_con = eng->now;
#if SL_CONFIG_OBSERVE_ATTRS
    o->last_eval = eng->now;
#endif
    return o;
}

static void obs_snapshot(struct sl_engine *eng, struct sl_observation *o, const uint8_t *payload,
                         size_t len)
{
#if SL_CONFIG_OBSERVE_ATTRS
    o->last_hash = fnv1a(payload, len);
    o->has_number = !o->composite && o->paths[0].len >= 3 &&
                    sl_dm_read_number(&eng->dm, &o->paths[0], &o->last_number) == SL_OK;
#else
    (void)eng;
    (void)o;
    (void)payload;
    (void)len;
#endif
}

#if SL_CONFIG_OBSERVE_ATTRS
void obs_first_sent(struct sl_engine *eng, struct sl_observation *o, const uint8_t *payload,
                    size_t len)
{
    obs_snapshot(eng, o, payload, len);
}
#endif

void obs_cancel_token(struct sl_engine *eng, int peer, const uint8_t *token, uint8_t tkl)
{
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++) {
        struct sl_observation *o = &eng->obs[k];
        if (o->used && o->peer == peer && o->tkl == tkl && eng_same_bytes(o->token, token, tkl))
            o->used = false;
    }
}

void obs_on_ack(struct sl_engine *eng, uint16_t owner)
{
    if (owner < SL_MAX_OBSERVATIONS)
        eng->obs[owner].in_flight = false;
}

void obs_on_fail(struct sl_engine *eng, uint16_t owner)
{
    if (owner < SL_MAX_OBSERVATIONS)
        eng->obs[owner].used = false;
}

void obs_drop_peer(struct sl_engine *eng, int peer)
{
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++)
        if (eng->obs[k].used && eng->obs[k].peer == peer)
            eng->obs[k].used = false;
}

void obs_changed(struct sl_engine *eng, const struct sl_path *path)
{
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++) {
        struct sl_observation *o = &eng->obs[k];
        for (unsigned j = 0; o->used && j < o->path_count; j++)
            if (paths_overlap(&o->paths[j], path))
                o->changed = true;
    }
}

/* Attributes in force: the observed path's own and inherited ones, with the
 * peer's default periods where none is set. pmax below pmin is ignored
 * (LwM2M 1.1 5.1.2). */
static void obs_attrs(const struct sl_engine *eng, const struct sl_observation *o,
                      struct sl_attrs *a)
{
    const struct sl_peer *p = &eng->peers[o->peer];
#if SL_CONFIG_OBSERVE_ATTRS
    if (!o->composite)
        sl_attr_store_effective(&eng->dm.attrs, &p->actor, &o->paths[0], a);
    else
        memset(a, 0, sizeof *a);
    if (!(a->set & SL_ATTR_PMIN))
        a->pmin = p->default_pmin;
    if (!(a->set & SL_ATTR_PMAX))
        a->pmax = p->default_pmax;
#else
    /* no attributes: only the periods are read, so only they (and `set`,
     * for consistency) are filled, without clearing the whole struct */
    a->set = 0;
    a->pmin = p->default_pmin;
    a->pmax = p->default_pmax;
#endif
    if (a->pmax && a->pmax < a->pmin)
        a->pmax = 0;
}

/* Encode the observed value(s) into eng->body; returns the CoAP code. */
static uint8_t obs_read(struct sl_engine *eng, struct sl_observation *o, size_t *len)
{
    struct sl_wbuf w;
    const struct sl_actor *who = &eng->peers[o->peer].actor;
    uint16_t fmt = o->format;
    uint8_t code;
    sl_wbuf_init(&w, eng->body, sizeof eng->body);
    /* only a build with composite operations makes composite observations */
    if (SL_CONFIG_COMPOSITE && o->composite)
        code = sl_dm_read_paths(&eng->dm, who, o->paths, o->path_count, o->format, &w);
    else
        code = sl_dm_read(&eng->dm, who, &o->paths[0], o->format, &w, &fmt);
    *len = code == SL_COAP_CONTENT ? w.len : 0;
    return code;
}

/* Build and send one notification; false when the peer is busy (NSTART). */
static bool obs_notify(struct sl_engine *eng, struct sl_observation *o, sl_time_ms now)
{
    size_t body_len;
    uint8_t code = obs_read(eng, o, &body_len);
    int peer = o->peer;
    bool con = eng->cfg.notify_con || o->since_con + 1 >= SL_NOTIFY_CON_EVERY ||
               now - o->last_con >= DAY_MS;
    if (con && sl_coap_tx_outstanding(&eng->ml, (uint8_t)peer) >= eng->ml.params.nstart)
        return false;
    uint32_t seq = (o->seq + 1) & 0xFFFFFFu;
    uint8_t *buf = eng->scratch;
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, buf, sizeof eng->scratch, con ? SL_COAP_CON : SL_COAP_NON, code,
                        eng_next_mid(eng), o->token, o->tkl);
    if (code == SL_COAP_CONTENT) {
        /* RFC 7959 3.4: a body longer than a block goes as its first block;
         * the client GETs the rest */
        uint8_t szx = (uint8_t)sl_coap_block_szx(eng->cfg.block_size);
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, seq);
        (void)serve_put_body(eng, &b, code, o->format, body_len, 0, szx,
                             body_len > SL_COAP_BLOCK_SIZE(szx), NULL);
    }
    if (sl_coap_build_end(&b, &len) != SL_OK) {
        o->used = false;
        return true;
    }
    unsigned index = (unsigned)(o - eng->obs);
    if (con) {
        sl_err err = eng_send_con(eng, peer, SL_TX_NOTIFY, (uint16_t)index, buf, len);
        if (err == SL_ERR_BUSY || err == SL_ERR_NOMEM)
            return false;
        o->in_flight = err == SL_OK;
        o->last_con = now;
        o->since_con = 0;
    } else {
        if (eng_protect(eng, peer, buf, &len, sizeof eng->scratch) == SL_OK)
            (void)eng_send_raw(eng, peer, buf, len);
        o->since_con++;
    }
    o->seq = seq;
    o->last_sent = now;
    o->changed = false;
    if (code != SL_COAP_CONTENT) {
        /* RFC 7641 4.2: an error response ends the observation */
        o->used = false;
        return true;
    }
    obs_snapshot(eng, o, eng->body, body_len);
    return true;
}

/* epmax: poll the value and treat a different payload as a change. */
#if SL_CONFIG_OBSERVE_ATTRS
static void obs_poll(struct sl_engine *eng, struct sl_observation *o, const struct sl_attrs *a,
                     sl_time_ms now)
{
    if (!(a->set & SL_ATTR_EPMAX) || a->epmax == 0 || now < o->last_eval + a->epmax * 1000ull)
        return;
    size_t len;
    if (obs_read(eng, o, &len) != SL_COAP_CONTENT || fnv1a(eng->body, len) != o->last_hash)
        o->changed = true;
    o->last_eval = now;
}
#endif

void obs_step(struct sl_engine *eng, sl_time_ms now)
{
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++) {
        struct sl_observation *o = &eng->obs[k];
        if (!o->used || o->in_flight)
            continue;
        struct sl_attrs a;
        obs_attrs(eng, o, &a);
#if SL_CONFIG_OBSERVE_ATTRS
        obs_poll(eng, o, &a, now);
#endif
        bool send = a.pmax && now >= o->last_sent + a.pmax * 1000ull;
#if SL_CONFIG_OBSERVE_ATTRS
        if (!send && o->changed && now >= o->last_sent + a.pmin * 1000ull &&
            (!(a.set & SL_ATTR_EPMIN) || now >= o->last_eval + a.epmin * 1000ull)) {
            sl_attr_num v;
            if (o->has_number && (a.set & SL_ATTR_NUMERIC) &&
                sl_dm_read_number(&eng->dm, &o->paths[0], &v) == SL_OK) {
                send = sl_attrs_numeric_notifies(&a, o->last_number, v);
                if (!send)
                    o->changed = false; /* seen, and not worth telling */
            } else {
                send = true;
            }
        }
#else
        send = send || (o->changed && now >= o->last_sent + a.pmin * 1000ull);
#endif
        if (send)
            (void)obs_notify(eng, o, now);
    }
}

sl_time_ms obs_next_deadline(const struct sl_engine *eng)
{
    sl_time_ms next = UINT64_MAX;
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++) {
        const struct sl_observation *o = &eng->obs[k];
        if (!o->used || o->in_flight)
            continue;
        /* a peer busy with another CON wakes us through its ACK or timer */
        if (sl_coap_tx_outstanding(&eng->ml, o->peer) >= eng->ml.params.nstart)
            continue;
        struct sl_attrs a;
        obs_attrs(eng, o, &a);
        if (a.pmax && o->last_sent + a.pmax * 1000ull < next)
            next = o->last_sent + a.pmax * 1000ull;
        if (o->changed) {
            sl_time_ms t = o->last_sent + a.pmin * 1000ull;
#if SL_CONFIG_OBSERVE_ATTRS
            if ((a.set & SL_ATTR_EPMIN) && o->last_eval + a.epmin * 1000ull > t)
                t = o->last_eval + a.epmin * 1000ull;
#endif
            if (t < next)
                next = t;
        }
#if SL_CONFIG_OBSERVE_ATTRS
        if ((a.set & SL_ATTR_EPMAX) && a.epmax && o->last_eval + a.epmax * 1000ull < next)
            next = o->last_eval + a.epmax * 1000ull;
#endif
    }
    return next;
}
