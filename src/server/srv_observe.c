/* Observations the server holds on clients (RFC 7641), shared by the REST
 * API (POST .../observe) and bindings: one observation per client and path,
 * with interests (a REST flag, a count of bindings). Notifications older
 * than the newest seen (3.4) are dropped; a notification whose body needs
 * Block2 is completed with a GET; an error or a response without Observe
 * ends the observation. Cancelling sends GET with Observe 1 on the same
 * token; notifications for a forgotten token get RST (srv_coap.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap_observe.h"
#include "server/srv_data.h"
#include "server/srv_json.h"
#include "server/srv_internal.h"

struct srv_obs *srv_obs_find(struct srv_reg *r, const struct sl_path *path)
{
    for (struct srv_obs *o = r->obs; o; o = o->next)
        if (sl_path_equal(&o->path, path))
            return o;
    return NULL;
}

static void obs_persist(struct srv *s, struct srv_obs *o)
{
    char path[32];
    sl_path_format(&o->path, path, sizeof path);
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT OR REPLACE INTO observations(token, registration, endpoint, path, "
                         "format, rest, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    srv_store_op_blob(op, o->tok.token, o->tok.tkl);
    srv_store_op_text(op, o->reg->id);
    srv_store_op_text(op, o->reg->ep);
    srv_store_op_text(op, path);
    srv_store_op_int(op, o->accept);
    srv_store_op_int(op, o->rest);
    srv_store_op_int(op, sl_posix_epoch_ms());
    srv_store_submit(s->store, op, NULL, NULL);
}

static void obs_unpersist(struct srv *s, struct srv_obs *o)
{
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "DELETE FROM observations WHERE token = ?");
    srv_store_op_blob(op, o->tok.token, o->tok.tkl);
    srv_store_submit(s->store, op, NULL, NULL);
}

static void obs_unlink(struct srv_reg *r, struct srv_obs *o)
{
    for (struct srv_obs **pp = &r->obs; *pp; pp = &(*pp)->next) {
        if (*pp == o) {
            *pp = o->next;
            o->next = NULL;
            return;
        }
    }
}

/* Forget an observation: out of the tables (and the store), bindings told. */
static void obs_forget(struct srv *s, struct srv_obs *o, bool persist)
{
    srv_tok_unmap(s, &o->tok);
    if (o->reg)
        obs_unlink(o->reg, o);
    if (persist)
        obs_unpersist(s, o);
    srv_bindings_on_obs_gone(s, o);
    free(o);
}

static struct srv_obs *obs_new(struct srv *s, struct srv_reg *r, const struct sl_path *path,
                               uint16_t accept, const uint8_t *token, uint8_t tkl)
{
    struct srv_obs *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->reg = r;
    o->path = *path;
    o->accept = accept;
    o->tok.kind = SRV_TOK_OBS;
    o->tok.tkl = tkl;
    memcpy(o->tok.token, token, tkl);
    if (!srv_tok_map(s, &o->tok)) {
        free(o);
        return NULL;
    }
    o->next = r->obs;
    r->obs = o;
    return o;
}

/* ---- start ---- */

struct start_ctx {
    srv_obs_done_fn done;
    void *arg;
    bool rest, binding;
    bool plain_read; /* joined an existing observation: just read the value */
    struct sl_path path;
    char reg_id[16];
};

static void start_done(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    struct start_ctx *c = req->arg;
    struct srv_reg *r = srv_reg_find_id(s, c->reg_id);
    struct srv_obs *o = NULL;
    if (err == SL_OK && r && c->plain_read) {
        o = srv_obs_find(r, &c->path);
    } else if (err == SL_OK && r && resp->code == SL_COAP_CONTENT && resp->has_observe) {
        o = srv_obs_find(r, &c->path);
        if (o) {
            /* another start won the race: keep the first, forget this token
             * (its notifications get RST, which cancels it on the client) */
        } else {
            o = obs_new(s, r, &c->path, req->accept, req->tok.token, req->tok.tkl);
            if (o && req->osc) {
                /* notifications are bound to the registration (RFC 8613 8.3) */
                o->osc = true;
                o->osc_bind = req->osc_bind;
            }
            if (o) {
                o->have_seq = true;
                o->last_seq = resp->observe;
                o->last_time = srv_now(s);
            }
        }
        if (o) {
            o->rest = o->rest || c->rest;
            if (c->binding)
                o->binding_refs++;
            obs_persist(s, o);
        }
    }
    if (c->done)
        c->done(s, c->arg, o, resp, err);
    free(c);
}

void srv_observe_start(struct srv *s, struct srv_reg *r, const struct sl_path *path,
                       uint16_t accept, bool rest, bool binding, uint32_t timeout_ms,
                       srv_obs_done_fn done, void *arg)
{
    struct start_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        if (done)
            done(s, arg, NULL, NULL, SL_ERR_IO);
        return;
    }
    c->done = done;
    c->arg = arg;
    c->rest = rest;
    c->binding = binding;
    c->path = *path;
    snprintf(c->reg_id, sizeof c->reg_id, "%s", r->id);
    struct srv_obs *o = srv_obs_find(r, path);
    if (o) {
        /* already observed: take part, and read the current value if asked */
        if (rest) {
            o->rest = true;
            obs_persist(s, o);
        }
        if (binding)
            o->binding_refs++;
        if (!rest) {
            free(c);
            if (done)
                done(s, arg, o, NULL, SL_OK);
            return;
        }
        c->plain_read = true;
        c->rest = c->binding = false; /* counted above */
    }
    struct srv_req *req = srv_req_new(s, r, SL_COAP_GET, path, start_done, c);
    if (!req) {
        free(c);
        if (done)
            done(s, arg, NULL, NULL, SL_ERR_IO);
        return;
    }
    if (!o)
        req->observe = 0;
    req->accept = accept;
    srv_req_submit(req, timeout_ms);
}

/* ---- cancel ---- */

static void cancel_done(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    (void)req;
    (void)resp;
    if (err != SL_OK)
        SRV_DEBUG(s, "cancelling an observation: %s (it ends at the next notification)",
                  sl_err_str(err));
}

void srv_obs_release(struct srv *s, struct srv_obs *o, bool rest, bool binding)
{
    if (rest && o->rest) {
        o->rest = false;
        if (o->binding_refs)
            obs_persist(s, o);
    }
    if (binding && o->binding_refs)
        o->binding_refs--;
    if (o->rest || o->binding_refs)
        return;
    struct srv_reg *r = o->reg;
    struct srv_req *req = r ? srv_req_new(s, r, SL_COAP_GET, &o->path, cancel_done, NULL) : NULL;
    if (req) {
        /* active cancel (RFC 7641 3.6): GET with Observe 1 on the same token */
        req->observe = 1;
        req->accept = o->accept;
        req->tok = o->tok;
        req->tok.kind = SRV_TOK_REQ;
        req->tok.mapped = false;
    }
    obs_forget(s, o, true);
    if (req)
        srv_req_submit(req, sl_coap_max_transmit_wait_ms(&s->cfg.coap_params));
}

void srv_obs_drop_all(struct srv *s, struct srv_reg *r)
{
    while (r->obs) {
        struct srv_obs *o = r->obs;
        obs_forget(s, o, false);
    }
}

/* ---- notifications ---- */

static void deliver(struct srv *s, struct srv_obs *o, uint16_t format, const uint8_t *payload,
                    size_t len)
{
    struct srv_recs recs;
    srv_recs_init(&recs);
    char err[160];
    o->notifications++;
    s->notifications++;
    sl_err e = srv_decode(format, &o->path, payload, len, &recs, err, sizeof err);
    char path[32];
    sl_path_format(&o->path, path, sizeof path);
    if (e != SL_OK) {
        SRV_WARN(s, "%s: notification of %s: %s", o->reg->ep, path, err);
        srv_recs_free(&recs);
        return;
    }
    if (o->binding_refs)
        srv_bindings_on_value(s, o, &o->path, &recs);
    json_t *node = srv_json_node(&o->path, recs.v, recs.n);
    json_t *ev = json_pack("{s:s,s:s,s:o}", "ep", o->reg->ep, "res", path, "val",
                           node ? node : json_null());
    srv_event(s, "NOTIFICATION", o->reg->ep, ev);
    srv_recs_free(&recs);
}

struct fetch_ctx {
    uint8_t token[SRV_TKL];
    uint8_t tkl;
};

static struct srv_obs *obs_by_token(struct srv *s, const uint8_t *token, uint8_t tkl)
{
    struct srv_map_node *n = srv_map_find(&s->tokens, token, tkl);
    struct srv_tok *t = n ? SRV_CONTAINER_OF(n, struct srv_tok, node) : NULL;
    return (t && t->kind == SRV_TOK_OBS) ? SRV_CONTAINER_OF(t, struct srv_obs, tok) : NULL;
}

static void fetch_done(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    (void)req;
    struct fetch_ctx *c = req->arg;
    struct srv_obs *o = obs_by_token(s, c->token, c->tkl);
    if (o) {
        o->fetching = false;
        if (err == SL_OK && resp->code == SL_COAP_CONTENT)
            deliver(s, o, resp->format, resp->payload, resp->len);
        else
            SRV_DEBUG(s, "%s: the rest of a notification did not come (%s)", o->reg->ep,
                      err == SL_OK ? "error response" : sl_err_str(err));
    }
    free(c);
}

void srv_obs_on_notification(struct srv *s, struct srv_obs *o, const struct sl_coap_msg *m)
{
    uint32_t seq = 0;
    bool has_obs = sl_coap_opt_uint(m, SL_COAP_OPT_OBSERVE, &seq) == SL_OK;
    if (SL_COAP_CODE_CLASS(m->code) != 2) {
        SRV_INFO(s, "%s ended an observation with %u.%02u", o->reg->ep,
                 SL_COAP_CODE_CLASS(m->code), SL_COAP_CODE_DETAIL(m->code));
        obs_forget(s, o, true);
        return;
    }
    sl_time_ms now = srv_now(s);
    if (has_obs && o->have_seq && !sl_observe_is_fresh(o->last_seq, o->last_time, seq, now)) {
        SRV_DEBUG(s, "%s: notification %u older than %u: dropped", o->reg->ep, seq, o->last_seq);
        return;
    }
    if (has_obs) {
        o->have_seq = true;
        o->last_seq = seq;
        o->last_time = now;
    }
    uint16_t fmt;
    if (sl_coap_content_format(m, &fmt) != SL_OK)
        fmt = SL_FMT_NONE;
    struct sl_coap_block b2;
    if (sl_coap_block_get(m, SL_COAP_OPT_BLOCK2, &b2) == SL_OK && b2.more) {
        if (b2.num != 0 || o->fetching || m->payload_len == 0)
            return;
        /* RFC 7959 2.6: fetch the rest of this notification's body */
        struct fetch_ctx *c = calloc(1, sizeof *c);
        struct srv_req *req = c ? srv_req_new(s, o->reg, SL_COAP_GET, &o->path, fetch_done, c) : NULL;
        if (!req || !srv_buf_put(&req->body, m->payload, m->payload_len)) {
            free(c);
            if (req)
                srv_req_cancel(req);
            return;
        }
        memcpy(c->token, o->tok.token, o->tok.tkl);
        c->tkl = o->tok.tkl;
        req->accept = o->accept;
        req->b2_active = true;
        req->b2_next = 1;
        req->b2_szx = b2.szx;
        req->b2_format = fmt;
        o->fetching = true;
        srv_req_submit(req, sl_coap_max_transmit_wait_ms(&s->cfg.coap_params));
        return;
    }
    deliver(s, o, fmt, m->payload, m->payload_len);
    if (!has_obs) {
        /* a response without Observe: the client removed us */
        obs_forget(s, o, true);
    }
}

/* ---- restore ---- */

static bool restore_row(void *arg, sqlite3_stmt *row)
{
    struct srv *s = arg;
    const char *reg_id = (const char *)sqlite3_column_text(row, 1);
    const char *path_s = (const char *)sqlite3_column_text(row, 2);
    int tkl = sqlite3_column_bytes(row, 0);
    struct srv_reg *r = reg_id ? srv_reg_find_id(s, reg_id) : NULL;
    struct sl_path path;
    if (!r || !path_s || tkl < 1 || tkl > SRV_TKL ||
        sl_path_parse(path_s, strlen(path_s), &path) != SL_OK || srv_obs_find(r, &path))
        return true;
    struct srv_obs *o = obs_new(s, r, &path, (uint16_t)sqlite3_column_int(row, 3),
                                sqlite3_column_blob(row, 0), (uint8_t)tkl);
    if (o)
        o->rest = sqlite3_column_int(row, 4) != 0;
    return true;
}

sl_err srv_observe_restore(struct srv *s)
{
    return srv_store_query(s->store,
                           "SELECT token, registration, path, format, rest FROM observations",
                           NULL, 0, restore_row, s);
}
