/* The registration interface (/rd): Register, Update, De-register. Every
 * change is written to the store first; the client's answer (and the SSE
 * event) goes out when the commit that holds it completes. While a commit
 * is pending, a retransmission of the request finds its dedup entry without
 * a reply and is ignored; afterwards it gets the cached reply. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_internal.h"

/* An answer waiting for a commit. */
struct pending_reply {
    struct srv *s;
    struct srv_peer to;
    uint8_t dedup_key[SRV_MID_KEY];
    bool has_dedup;
    char reg_id[16];
    const char *event; /* "REGISTRATION", "UPDATED" or NULL */
    json_t *update;    /* the Update's changes, for UPDATED */
    uint8_t ok[256];
    size_t ok_len;
    uint8_t fail[128];
    size_t fail_len;
};

static struct srv_dedup *find_dedup(struct srv *s, const uint8_t *key)
{
    struct srv_map_node *n = srv_map_find(&s->dedup, key, SRV_MID_KEY);
    return n ? SRV_CONTAINER_OF(n, struct srv_dedup, node) : NULL;
}

static void committed(void *arg, sl_err err, const char *msg)
{
    struct pending_reply *p = arg;
    struct srv *s = p->s;
    struct srv_dedup *d = p->has_dedup ? find_dedup(s, p->dedup_key) : NULL;
    struct srv_reg *r = p->reg_id[0] ? srv_reg_find_id(s, p->reg_id) : NULL;
    if (err != SL_OK) {
        SRV_ERROR(s, "store: %s", msg);
        if (r && p->event && strcmp(p->event, "REGISTRATION") == 0) {
            /* not durable: the registration does not exist */
            srv_timer_cancel(&s->timers, &r->expiry);
            srv_map_remove(&s->regs_by_ep, &r->by_ep);
            srv_map_remove(&s->regs_by_id, &r->by_id);
            s->nregs--;
            srv_reg_fail_requests(s, r, SL_ERR_NOT_FOUND);
            srv_obs_drop_all(s, r);
            srv_reg_free(r);
        }
        srv_coap_reply(s, d, &p->to, p->fail, p->fail_len);
    } else {
        srv_coap_reply(s, d, &p->to, p->ok, p->ok_len);
        if (r && p->event) {
            json_t *reg = srv_reg_json(s, r);
            if (strcmp(p->event, "UPDATED") == 0) {
                json_t *ev = json_pack("{s:o,s:O}", "registration", reg, "update",
                                       p->update ? p->update : json_null());
                srv_event(s, "UPDATED", r->ep, ev);
            } else {
                srv_event(s, p->event, r->ep, reg);
            }
            srv_bindings_on_register(s, r);
        }
    }
    json_decref(p->update);
    free(p);
}

static struct pending_reply *pending_new(struct srv *s, struct srv_dedup *d,
                                         const struct srv_peer *to, const struct sl_coap_msg *m,
                                         uint8_t ok_code, const char *const *loc, unsigned nloc)
{
    struct pending_reply *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->s = s;
    p->to = *to;
    if (d) {
        memcpy(p->dedup_key, d->key, SRV_MID_KEY);
        p->has_dedup = true;
    }
    /* both answers are built now: they echo the request's MID and token */
    p->ok_len = srv_coap_build_response(s, p->ok, sizeof p->ok, m, ok_code, loc, nloc, NULL);
    p->fail_len = srv_coap_build_response(s, p->fail, sizeof p->fail, m,
                                          SL_COAP_INTERNAL_SERVER_ERROR, NULL, 0, "store failure");
    return p;
}

static bool copy_c2c(struct srv_reg *r, const struct srv_reg_query *q)
{
    if (q->c2c_n == 0)
        return true;
    r->c2c = calloc(q->c2c_n, sizeof *r->c2c);
    if (!r->c2c)
        return false;
    for (unsigned k = 0; k < q->c2c_n; k++) {
        r->c2c[k] = strdup(q->c2c[k]);
        if (!r->c2c[k])
            return false;
        r->c2c_n++;
    }
    return true;
}

static void new_id(struct srv *s, char out[16])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    do {
        uint8_t rnd[10];
        srv_random(rnd, sizeof rnd);
        for (int k = 0; k < 10; k++)
            out[k] = alphabet[rnd[k] % (sizeof alphabet - 1)];
        out[10] = 0;
    } while (srv_reg_find_id(s, out));
}

static bool payload_format_ok(const struct sl_coap_msg *m)
{
    uint16_t cf;
    return sl_coap_content_format(m, &cf) == SL_OK && (cf == SL_FMT_NONE || cf == SL_FMT_LINK);
}

static bool payload_size_ok(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                            const struct sl_coap_msg *m)
{
    if (m->payload_len <= SRV_MAX_REG_PAYLOAD)
        return true;
    char diag[64];
    snprintf(diag, sizeof diag, "payload larger than %d bytes", SRV_MAX_REG_PAYLOAD);
    srv_coap_respond(s, d, from, m, SL_COAP_REQUEST_ENTITY_TOO_LARGE, NULL, 0, diag);
    return false;
}

static void do_register(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                        const struct sl_coap_msg *m)
{
    char err[160];
    struct srv_reg_query q;
    if (!payload_size_ok(s, d, from, m))
        return;
    if (!payload_format_ok(m)) {
        srv_coap_respond(s, d, from, m, SL_COAP_UNSUPPORTED_CONTENT_FORMAT, NULL, 0,
                         "the payload must be application/link-format (40)");
        return;
    }
    sl_err e = srv_reg_query_parse(m, false, &q, err, sizeof err);
    if (e != SL_OK) {
        srv_coap_respond(s, d, from, m,
                         e == SL_ERR_UNSUPPORTED ? SL_COAP_PRECONDITION_FAILED : SL_COAP_BAD_REQUEST,
                         NULL, 0, err);
        return;
    }
    struct srv_links links;
    if (srv_links_parse(m->payload, m->payload_len, &links, err, sizeof err) != SL_OK) {
        srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0, err);
        return;
    }
    srv_links_free(&links);
    const char *refusal = srv_transport_refusal(s, from, q.ep);
    if (refusal) {
        char a[SRV_PEER_STRLEN];
        srv_peer_str(from, a);
        SRV_WARN(s, "Register of %s from %s refused: %s", q.ep, a, refusal);
        srv_coap_respond(s, d, from, m, SL_COAP_FORBIDDEN, NULL, 0, refusal);
        return;
    }
    struct srv_reg *old = srv_reg_find_ep(s, q.ep);
    if (!old && s->cfg.max_registrations && s->nregs >= s->cfg.max_registrations) {
        srv_coap_respond(s, d, from, m, SL_COAP_SERVICE_UNAVAILABLE, NULL, 0,
                         "registration table full");
        return;
    }
    struct srv_reg *r = calloc(1, sizeof *r);
    if (!r || !copy_c2c(r, &q)) {
        if (r)
            srv_reg_free(r);
        srv_coap_respond(s, d, from, m, SL_COAP_INTERNAL_SERVER_ERROR, NULL, 0, "out of memory");
        return;
    }
    r->s = s;
    if (m->payload_len) {
        r->links = malloc(m->payload_len);
        if (r->links) {
            memcpy(r->links, m->payload, m->payload_len);
            r->links_len = m->payload_len;
        }
    }
    if (old) {
        /* the endpoint registers again (rebooted, or a new address): the old
         * registration and its observations end here */
        SRV_INFO(s, "%s registers again; registration %s replaced", q.ep, old->id);
        srv_reg_remove(s, old, false, false);
    }
    new_id(s, r->id);
    snprintf(r->ep, sizeof r->ep, "%s", q.ep);
    r->addr = *from;
    r->lifetime = q.lifetime;
    snprintf(r->version, sizeof r->version, "%s", q.version);
    snprintf(r->binding, sizeof r->binding, "%s", q.binding);
    r->queue_mode = q.queue || strchr(q.binding, 'Q') != NULL;
    r->registered_ms = r->updated_ms = sl_posix_epoch_ms();
    r->expires = srv_now(s) + (sl_time_ms)r->lifetime * 1000;
    srv_map_insert(&s->regs_by_ep, &r->by_ep, r->ep, strlen(r->ep));
    srv_map_insert(&s->regs_by_id, &r->by_id, r->id, strlen(r->id));
    s->nregs++;
    s->registrations++;
    srv_reg_arm_expiry(s, r);

    const char *loc[2] = { "rd", r->id };
    struct pending_reply *p = pending_new(s, d, from, m, SL_COAP_CREATED, loc, 2);
    if (!p) {
        srv_reg_remove(s, r, false, false);
        return;
    }
    snprintf(p->reg_id, sizeof p->reg_id, "%s", r->id);
    p->event = "REGISTRATION";
    char a[SRV_PEER_STRLEN];
    srv_peer_str(from, a);
    SRV_INFO(s, "%s registered from %s as rd/%s (lifetime %" PRIu32 " s, lwm2m %s)", r->ep, a,
             r->id, r->lifetime, r->version);
    srv_store_submit(s->store, srv_reg_op_upsert(s, r), committed, p);
}

static void do_update(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                      const struct sl_coap_msg *m, struct srv_reg *r)
{
    char err[160];
    struct srv_reg_query q;
    if (!payload_size_ok(s, d, from, m))
        return;
    if (m->payload_len && !payload_format_ok(m)) {
        srv_coap_respond(s, d, from, m, SL_COAP_UNSUPPORTED_CONTENT_FORMAT, NULL, 0,
                         "the payload must be application/link-format (40)");
        return;
    }
    sl_err e = srv_reg_query_parse(m, true, &q, err, sizeof err);
    if (e != SL_OK) {
        srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0, err);
        return;
    }
    if (m->payload_len) {
        struct srv_links links;
        if (srv_links_parse(m->payload, m->payload_len, &links, err, sizeof err) != SL_OK) {
            srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0, err);
            return;
        }
        srv_links_free(&links);
    }
    json_t *upd = json_object();
    if (!srv_peer_equal(&r->addr, from)) {
        char a[SRV_PEER_STRLEN], b[SRV_PEER_STRLEN];
        srv_peer_str(&r->addr, a);
        srv_peer_str(from, b);
        SRV_INFO(s, "%s moved from %s to %s", r->ep, a, b);
        r->addr = *from;
    }
    char a[SL_POSIX_ADDR_STRLEN];
    srv_addr_str(&from->addr, a);
    json_object_set_new(upd, "address", json_string(a));
    if (q.has_lt) {
        r->lifetime = q.lifetime;
        json_object_set_new(upd, "lifetime", json_integer(q.lifetime));
    }
    if (q.has_binding) {
        snprintf(r->binding, sizeof r->binding, "%s", q.binding);
        json_object_set_new(upd, "bindingMode", json_string(q.binding));
    }
    if (q.has_binding || q.queue)
        r->queue_mode = q.queue || strchr(r->binding, 'Q') != NULL;
    if (m->payload_len) {
        uint8_t *l = malloc(m->payload_len);
        if (l) {
            memcpy(l, m->payload, m->payload_len);
            free(r->links);
            r->links = l;
            r->links_len = m->payload_len;
            json_t *ol = srv_links_to_json(l, m->payload_len);
            if (ol)
                json_object_set_new(upd, "objectLinks", ol);
        }
    }
    r->updated_ms = sl_posix_epoch_ms();
    r->expires = srv_now(s) + (sl_time_ms)r->lifetime * 1000;
    srv_reg_arm_expiry(s, r);
    struct pending_reply *p = pending_new(s, d, from, m, SL_COAP_CHANGED, NULL, 0);
    if (!p) {
        json_decref(upd);
        return;
    }
    snprintf(p->reg_id, sizeof p->reg_id, "%s", r->id);
    p->event = "UPDATED";
    p->update = upd;
    SRV_DEBUG(s, "%s updated its registration", r->ep);
    srv_store_submit(s->store, srv_reg_op_upsert(s, r), committed, p);
}

static void do_deregister(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                          const struct sl_coap_msg *m, struct srv_reg *r)
{
    struct pending_reply *p = pending_new(s, d, from, m, SL_COAP_DELETED, NULL, 0);
    if (!p)
        return;
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "DELETE FROM observations WHERE registration = ?");
    srv_store_op_text(op, r->id);
    srv_store_op_sql(op, "DELETE FROM registrations WHERE id = ?");
    srv_store_op_text(op, r->id);
    SRV_INFO(s, "%s de-registered", r->ep);
    srv_reg_remove(s, r, false, false);
    srv_store_submit(s->store, op, committed, p);
}

void srv_rd_handle(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                   const struct sl_coap_msg *m)
{
    const struct sl_coap_opt *p1 = sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, 1);
    const struct sl_coap_opt *p2 = sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, 2);
    if (p2) {
        srv_coap_respond(s, d, from, m, SL_COAP_NOT_FOUND, NULL, 0, "no such registration");
        return;
    }
    if (!p1) {
        if (m->code == SL_COAP_POST)
            do_register(s, d, from, m);
        else
            srv_coap_respond(s, d, from, m, SL_COAP_METHOD_NOT_ALLOWED, NULL, 0, NULL);
        return;
    }
    char id[16];
    struct srv_reg *r = NULL;
    if (p1->len < sizeof id) {
        memcpy(id, p1->val, p1->len);
        id[p1->len] = 0;
        if (!memchr(id, 0, p1->len))
            r = srv_reg_find_id(s, id);
    }
    if (m->code != SL_COAP_POST && m->code != SL_COAP_DELETE) {
        srv_coap_respond(s, d, from, m, SL_COAP_METHOD_NOT_ALLOWED, NULL, 0, NULL);
        return;
    }
    if (!r) {
        srv_coap_respond(s, d, from, m, SL_COAP_NOT_FOUND, NULL, 0, "no such registration");
        return;
    }
    const char *refusal = srv_transport_refusal(s, from, r->ep);
    if (refusal) {
        srv_coap_respond(s, d, from, m, SL_COAP_FORBIDDEN, NULL, 0, refusal);
        return;
    }
    if (m->code == SL_COAP_POST)
        do_update(s, d, from, m, r);
    else
        do_deregister(s, d, from, m, r);
}
