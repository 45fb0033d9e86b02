/* CoAP message layer of the server (RFC 7252 4): parse, answer malformed
 * CONs with RST, deduplicate CON/NON per (address, MID) and replay the
 * cached reply for EXCHANGE_LIFETIME (NON_LIFETIME for NON), match ACK/RST
 * to our confirmable requests by (address, MID) and responses and
 * notifications by token; route requests to the registration interface.
 * NON responses (notifications) skip dedup: their Observe sequence orders
 * them, and a duplicate is dropped as not fresh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_internal.h"

/* Past this many remembered messages the oldest are forgotten early. */
#define SRV_MAX_DEDUP 262144

bool srv_peer_equal(const struct srv_peer *a, const struct srv_peer *b)
{
    return a->tp == b->tp && sl_addr_equal(&a->addr, &b->addr);
}

void srv_peer_key(const struct srv_peer *p, uint8_t out[SRV_PEER_KEY])
{
    const struct sl_addr *a = &p->addr;
    memset(out, 0, SRV_PEER_KEY);
    out[0] = p->tp;
    out[1] = a->family;
    memcpy(out + 2, a->ip, a->family == 4 ? 4 : 16);
    out[18] = (uint8_t)(a->port >> 8);
    out[19] = (uint8_t)a->port;
}

void srv_mid_key(const struct srv_peer *p, uint16_t mid, uint8_t out[SRV_MID_KEY])
{
    srv_peer_key(p, out);
    out[SRV_PEER_KEY] = (uint8_t)(mid >> 8);
    out[SRV_PEER_KEY + 1] = (uint8_t)mid;
}

void srv_peer_str(const struct srv_peer *p, char out[SRV_PEER_STRLEN])
{
    char a[SL_POSIX_ADDR_STRLEN];
    srv_addr_str(&p->addr, a);
    snprintf(out, SRV_PEER_STRLEN, "%s%s", p->tp == SRV_TP_COAPS ? "coaps://" : "", a);
}

sl_err srv_peer_parse(const char *text, struct srv_peer *out)
{
    out->tp = SRV_TP_COAP;
    if (strncmp(text, "coaps://", 8) == 0) {
        out->tp = SRV_TP_COAPS;
        text += 8;
    }
    return sl_posix_addr_parse(text, &out->addr);
}

void srv_addr_str(const struct sl_addr *a, char out[SL_POSIX_ADDR_STRLEN])
{
    if (sl_posix_addr_format(a, out, SL_POSIX_ADDR_STRLEN) < 0)
        strcpy(out, "?");
}

void srv_coap_send(struct srv *s, const struct srv_peer *to, const uint8_t *buf, size_t len)
{
    s->tx_datagrams++;
    if (to->tp == SRV_TP_COAPS) {
        srv_dtls_send(s, &to->addr, buf, len);
        return;
    }
    if (sl_posix_udp_send(s->coap_fd, &to->addr, buf, len) != SL_OK) {
        char a[SRV_PEER_STRLEN];
        srv_peer_str(to, a);
        SRV_DEBUG(s, "send to %s failed (%zu bytes)", a, len);
    }
}

/* ---- deduplication ---- */

static void dedup_free(struct srv *s, struct srv_dedup *d)
{
    srv_map_remove(&s->dedup, &d->node);
    s->dedup_bytes -= sizeof *d + d->reply_len;
    free(d->reply);
    free(d);
}

static void dedup_rearm(struct srv *s)
{
    sl_time_ms next = UINT64_MAX;
    if (s->dedup_con.head)
        next = s->dedup_con.head->expires;
    if (s->dedup_non.head && s->dedup_non.head->expires < next)
        next = s->dedup_non.head->expires;
    if (next == UINT64_MAX)
        srv_timer_cancel(&s->timers, &s->dedup_timer);
    else
        srv_timer_arm(&s->timers, &s->dedup_timer, next);
}

static void fifo_pop_expired(struct srv *s, struct srv_fifo *f, sl_time_ms now)
{
    while (f->head && (f->head->expires <= now || s->dedup.count > SRV_MAX_DEDUP)) {
        struct srv_dedup *d = f->head;
        f->head = d->next;
        if (!f->head)
            f->tail = NULL;
        dedup_free(s, d);
    }
}

void srv_coap_purge(struct srv *s, sl_time_ms now)
{
    fifo_pop_expired(s, &s->dedup_con, now);
    fifo_pop_expired(s, &s->dedup_non, now);
    dedup_rearm(s);
}

static struct srv_dedup *dedup_find(struct srv *s, const struct srv_peer *from, uint16_t mid)
{
    uint8_t key[SRV_MID_KEY];
    srv_mid_key(from, mid, key);
    struct srv_map_node *n = srv_map_find(&s->dedup, key, sizeof key);
    if (!n)
        return NULL;
    struct srv_dedup *d = SRV_CONTAINER_OF(n, struct srv_dedup, node);
    return d->expires > srv_now(s) ? d : NULL;
}

static struct srv_dedup *dedup_add(struct srv *s, const struct srv_peer *from, uint16_t mid, bool con)
{
    struct srv_dedup *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    srv_mid_key(from, mid, d->key);
    uint32_t life = con ? sl_coap_exchange_lifetime_ms(&s->cfg.coap_params)
                        : sl_coap_non_lifetime_ms(&s->cfg.coap_params);
    d->expires = srv_now(s) + life;
    /* an expired entry with the same key may linger until purged: replace its key */
    struct srv_map_node *old = srv_map_find(&s->dedup, d->key, sizeof d->key);
    if (old)
        srv_map_remove(&s->dedup, old);
    if (!srv_map_insert(&s->dedup, &d->node, d->key, sizeof d->key)) {
        free(d);
        return NULL;
    }
    s->dedup_bytes += sizeof *d;
    struct srv_fifo *f = con ? &s->dedup_con : &s->dedup_non;
    if (f->tail)
        f->tail->next = d;
    else
        f->head = d;
    f->tail = d;
    if (!srv_timer_armed(&s->dedup_timer) || d->expires < s->dedup_timer.due)
        dedup_rearm(s);
    if (s->dedup.count > SRV_MAX_DEDUP)
        srv_coap_purge(s, srv_now(s));
    return d;
}

void srv_coap_reply(struct srv *s, struct srv_dedup *d, const struct srv_peer *to,
                    const uint8_t *buf, size_t len)
{
    srv_coap_send(s, to, buf, len);
    if (d && !d->reply) {
        d->reply = malloc(len);
        if (d->reply) {
            memcpy(d->reply, buf, len);
            d->reply_len = len;
            s->dedup_bytes += len;
        }
    }
}

size_t srv_coap_build_response(struct srv *s, uint8_t *buf, size_t cap, const struct sl_coap_msg *m,
                               uint8_t code, const char *const *location, unsigned nloc,
                               const char *diag)
{
    struct sl_coap_builder b;
    bool con = m->type == SL_COAP_CON;
    uint16_t mid = con ? m->mid : s->next_mid++;
    sl_coap_build_begin(&b, buf, cap, con ? SL_COAP_ACK : SL_COAP_NON, code, mid, m->token, m->tkl);
    for (unsigned k = 0; k < nloc; k++)
        sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, location[k], strlen(location[k]));
    if (diag && *diag) {
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT);
        size_t n = strlen(diag);
        size_t room = sl_coap_build_payload_room(&b);
        sl_coap_build_payload(&b, diag, n < room ? n : room);
    }
    size_t len = 0;
    if (sl_coap_build_end(&b, &len) != SL_OK)
        return 0;
    /* the answer to an OSCORE request is protected with its binding */
    if (s->rx_osc && !srv_oscore_protect_reply(s, buf, &len, cap))
        return 0;
    return len;
}

void srv_coap_respond(struct srv *s, struct srv_dedup *d, const struct srv_peer *to,
                      const struct sl_coap_msg *m, uint8_t code, const char *const *location,
                      unsigned nloc, const char *diag)
{
    uint8_t buf[512];
    size_t len = srv_coap_build_response(s, buf, sizeof buf, m, code, location, nloc, diag);
    if (len)
        srv_coap_reply(s, d, to, buf, len);
}

static void send_empty(struct srv *s, struct srv_dedup *d, const struct srv_peer *to, uint8_t type,
                       uint16_t mid)
{
    uint8_t buf[4];
    size_t n = sl_coap_build_empty(buf, type, mid);
    srv_coap_reply(s, d, to, buf, n);
}

/* ---- tokens ---- */

void srv_tok_new(struct srv *s, struct srv_tok *t, uint8_t kind)
{
    t->kind = kind;
    t->tkl = SRV_TKL;
    do
        srv_random(t->token, SRV_TKL);
    while (srv_map_find(&s->tokens, t->token, SRV_TKL));
}

bool srv_tok_map(struct srv *s, struct srv_tok *t)
{
    if (t->mapped)
        return true;
    t->mapped = srv_map_insert(&s->tokens, &t->node, t->token, t->tkl);
    return t->mapped;
}

void srv_tok_unmap(struct srv *s, struct srv_tok *t)
{
    if (t->mapped) {
        srv_map_remove(&s->tokens, &t->node);
        t->mapped = false;
    }
}

/* ---- who may speak for an endpoint (/rd and /bs) ---- */

const char *srv_transport_refusal(struct srv *s, const struct srv_peer *from, const char *ep)
{
    if (s->rx_osc) /* OSCORE: the context's endpoint is the one asking */
        return strcmp(s->rx_osc->ep, ep) == 0 ? NULL
                                              : "the OSCORE context is not this endpoint's";
    if (from->tp == SRV_TP_COAPS) {
        const char *owner = s->rx_identity ? srv_security_psk_endpoint(s, s->rx_identity) : NULL;
        if (!owner || strcmp(owner, ep) != 0)
            return "the PSK identity is not this endpoint's";
        return NULL;
    }
    if (s->cfg.require_security)
        return "this server requires a secure transport";
    if (srv_security_has_credentials(s, ep))
        return "this endpoint has credentials: register over its secure transport";
    return NULL;
}

/* ---- input ---- */

static void handle_request(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                           const struct sl_coap_msg *m)
{
    uint16_t bad = sl_coap_unknown_critical(m);
    if (bad) {
        char diag[48];
        snprintf(diag, sizeof diag, "unknown critical option %u", (unsigned)bad);
        srv_coap_respond(s, d, from, m, SL_COAP_BAD_OPTION, NULL, 0, diag);
        return;
    }
    const struct sl_coap_opt *p0 = sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, 0);
    if (p0 && p0->len == 2 && memcmp(p0->val, "rd", 2) == 0) {
        srv_rd_handle(s, d, from, m);
        return;
    }
    if (s->cfg.bootstrap && p0 && p0->len == 2 && memcmp(p0->val, "bs", 2) == 0) {
        srv_bootstrap_handle(s, d, from, m);
        return;
    }
    srv_coap_respond(s, d, from, m, SL_COAP_NOT_FOUND, NULL, 0, "no such resource");
}

void srv_coap_handle_request(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                             const struct sl_coap_msg *m)
{
    handle_request(s, d, from, m);
}

static void handle_response(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                            const struct sl_coap_msg *m)
{
    struct srv_map_node *n = m->tkl ? srv_map_find(&s->tokens, m->token, m->tkl) : NULL;
    struct srv_tok *t = n ? SRV_CONTAINER_OF(n, struct srv_tok, node) : NULL;
    struct srv_req *req = NULL;
    struct srv_obs *obs = NULL;
    if (t && t->kind == SRV_TOK_REQ) {
        req = SRV_CONTAINER_OF(t, struct srv_req, tok);
        if (!srv_peer_equal(&req->to, from) || req->state < REQ_WAIT_ACK)
            req = NULL;
    } else if (t && t->kind == SRV_TOK_OBS) {
        obs = SRV_CONTAINER_OF(t, struct srv_obs, tok);
        if (!obs->reg || !srv_peer_equal(&obs->reg->addr, from))
            obs = NULL;
    }
    if (!req && !obs) {
        /* RFC 7641 3.6 / RFC 7252 4.2: reject what we cannot match */
        send_empty(s, d, from, SL_COAP_RST, m->mid);
        return;
    }
    if (m->type == SL_COAP_CON)
        send_empty(s, d, from, SL_COAP_ACK, m->mid);
    /* OSCORE: act on the verified inner message only (RFC 8613 8.4) */
    struct sl_coap_msg inner;
    if (req) {
        if (srv_oscore_response(s, req, m, &inner) == SL_OK)
            srv_req_on_response(s, req, &inner);
    } else if (srv_oscore_notification(s, obs, m, &inner) == SL_OK) {
        srv_obs_on_notification(s, obs, &inner);
    }
}

void srv_coap_input(struct srv *s, const struct srv_peer *from, const uint8_t *buf, size_t len)
{
    struct sl_coap_msg m;
    s->rx_datagrams++;
    sl_err err = sl_coap_parse(&m, buf, len);
    char a[SRV_PEER_STRLEN];
    if (err == SL_ERR_TOO_LARGE) {
        s->rx_bad++;
        srv_peer_str(from, a);
        SRV_DEBUG(s, "%s: message with more than %d options", a, SL_COAP_MAX_OPTIONS);
        if (m.type == SL_COAP_CON && sl_coap_is_request(m.code))
            srv_coap_respond(s, NULL, from, &m, SL_COAP_REQUEST_ENTITY_TOO_LARGE, NULL, 0,
                             "too many options");
        else if (m.type == SL_COAP_CON)
            send_empty(s, NULL, from, SL_COAP_RST, m.mid);
        return;
    }
    if (err != SL_OK) {
        s->rx_bad++;
        srv_peer_str(from, a);
        SRV_DEBUG(s, "%s: malformed CoAP message (%zu bytes)", a, len);
        /* a malformed CON is rejected with RST when its header is readable */
        if (len >= 4 && (buf[0] >> 6) == 1 && ((buf[0] >> 4) & 3) == SL_COAP_CON)
            send_empty(s, NULL, from, SL_COAP_RST, (uint16_t)(buf[2] << 8 | buf[3]));
        return;
    }
    switch (m.type) {
    case SL_COAP_ACK: {
        struct srv_req *req = srv_req_by_mid(s, from, m.mid);
        struct sl_coap_msg inner = m;
        /* a piggybacked response that does not verify is discarded, not
         * taken as the end of the request (RFC 8613 8.4) */
        if (req && (m.code == SL_COAP_EMPTY ||
                    (sl_coap_is_response(m.code) &&
                     srv_oscore_response(s, req, &m, &inner) == SL_OK)))
            srv_req_on_ack(s, req, &inner);
        return;
    }
    case SL_COAP_RST: {
        struct srv_req *req = srv_req_by_mid(s, from, m.mid);
        if (req)
            srv_req_on_rst(s, req);
        return;
    }
    default:
        break;
    }
    /* CON or NON */
    if (m.code == SL_COAP_EMPTY) {
        if (m.type == SL_COAP_CON)
            send_empty(s, NULL, from, SL_COAP_RST, m.mid); /* CoAP ping */
        return;
    }
    if (m.type == SL_COAP_NON && sl_coap_is_response(m.code)) {
        /* a NON notification or separate response: the Observe sequence
         * (RFC 7641 3.4) and the token order them; remembering each one for
         * NON_LIFETIME would only cost memory at high notification rates */
        handle_response(s, NULL, from, &m);
        return;
    }
    struct srv_dedup *d = dedup_find(s, from, m.mid);
    if (d) {
        if (d->reply)
            srv_coap_send(s, from, d->reply, d->reply_len);
        return; /* a duplicate: answered again, or its answer is still being made */
    }
    d = dedup_add(s, from, m.mid, m.type == SL_COAP_CON);
    if (sl_coap_is_request(m.code) && from->tp == SRV_TP_COAP &&
        sl_coap_opt_get(&m, SL_COAP_OPT_OSCORE, 0)) {
        srv_oscore_request(s, d, from, &m);
    } else if (sl_coap_is_request(m.code)) {
        handle_request(s, d, from, &m);
    } else if (sl_coap_is_response(m.code)) {
        handle_response(s, d, from, &m);
    } else if (m.type == SL_COAP_CON) {
        /* reserved classes 1, 6, 7: a format error */
        send_empty(s, d, from, SL_COAP_RST, m.mid);
    }
}

void srv_coap_free(struct srv *s)
{
    srv_timer_cancel(&s->timers, &s->dedup_timer);
    struct srv_fifo *fs[2] = { &s->dedup_con, &s->dedup_non };
    for (int k = 0; k < 2; k++) {
        while (fs[k]->head) {
            struct srv_dedup *d = fs[k]->head;
            fs[k]->head = d->next;
            dedup_free(s, d);
        }
        fs[k]->tail = NULL;
    }
    srv_map_free(&s->dedup);
}
