/* Server-side bindings (the paper's server-centric baseline, DESIGN 7): the
 * server observes the source resource and writes every new value to the
 * target. Writes to one target are serialized (the client queue, NSTART=1)
 * and at most SRV_BINDING_QUEUE of them wait; a newer value pushes out the
 * oldest waiting one. Bindings live in SQLite and come back after a
 * restart; a source is (re)observed whenever it registers or updates and
 * is not observed yet. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/value.h"
#include "server/srv_data.h"
#include "server/srv_json.h"
#include "server/srv_internal.h"

/* Deadline of one write to a target. */
#define BINDING_WRITE_TIMEOUT_MS 30000u

static struct srv_binding *find(struct srv *s, uint32_t id)
{
    for (struct srv_binding *b = s->bindings; b; b = b->next)
        if (b->id == id)
            return b;
    return NULL;
}

/* ---- observing sources ---- */

struct observe_ctx {
    uint32_t id;
};

static void observed(struct srv *s, void *arg, struct srv_obs *o, const struct srv_resp *resp,
                     sl_err err)
{
    struct observe_ctx *c = arg;
    struct srv_binding *b = find(s, c->id);
    free(c);
    if (!b) {
        if (o)
            srv_obs_release(s, o, false, true); /* deleted meanwhile */
        return;
    }
    b->observing = false;
    if (o) {
        b->obs = o;
        SRV_DEBUG(s, "binding %" PRIu32 ": observing %s", b->id, b->src_ep);
    } else {
        char p[32];
        sl_path_format(&b->src_path, p, sizeof p);
        SRV_WARN(s, "binding %" PRIu32 ": cannot observe %s:%s (%s)", b->id, b->src_ep, p,
                 err != SL_OK ? sl_err_str(err) : resp ? "refused" : "?");
    }
}

static void observe_source(struct srv *s, struct srv_binding *b, struct srv_reg *r)
{
    if (b->obs || b->observing)
        return;
    struct observe_ctx *c = malloc(sizeof *c);
    if (!c)
        return;
    c->id = b->id;
    b->observing = true;
    srv_observe_start(s, r, &b->src_path, SL_FMT_NONE, false, true, BINDING_WRITE_TIMEOUT_MS,
                      observed, c);
}

void srv_bindings_on_register(struct srv *s, struct srv_reg *r)
{
    for (struct srv_binding *b = s->bindings; b; b = b->next)
        if (strcmp(b->src_ep, r->ep) == 0)
            observe_source(s, b, r);
}

void srv_bindings_on_obs_gone(struct srv *s, const struct srv_obs *o)
{
    for (struct srv_binding *b = s->bindings; b; b = b->next)
        if (b->obs == o)
            b->obs = NULL;
}

/* ---- delivering values ---- */

static void written(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    uint32_t id = (uint32_t)(uintptr_t)req->arg;
    struct srv_binding *b = find(s, id);
    if (!b)
        return;
    if (err == SL_OK && resp->code == SL_COAP_CHANGED) {
        b->delivered++;
    } else if (err == SL_ERR_BUSY) {
        b->dropped++;
    } else {
        b->failed++;
        SRV_DEBUG(s, "binding %" PRIu32 ": write to %s failed (%s)", b->id, b->dst_ep,
                  err == SL_OK ? "refused" : sl_err_str(err));
    }
}

/* The source's value as the target's type. */
static bool convert(const struct sl_value *in, uint8_t want, struct sl_value *out)
{
    if (in->type == want) {
        *out = *in;
        return true;
    }
    if (want == SL_TYPE_BOOL) {
        switch (in->type) {
        case SL_TYPE_INT:
            *out = sl_value_bool(in->v.i != 0);
            return true;
        case SL_TYPE_UINT:
            *out = sl_value_bool(in->v.u != 0);
            return true;
        case SL_TYPE_FLOAT:
            *out = sl_value_bool(in->v.f != 0);
            return true;
        default:
            return false;
        }
    }
    if (in->type == SL_TYPE_BOOL && (want == SL_TYPE_INT || want == SL_TYPE_UINT ||
                                     want == SL_TYPE_FLOAT)) {
        struct sl_value i = sl_value_int(in->v.b ? 1 : 0);
        return sl_value_convert(&i, want, out) == SL_OK;
    }
    return sl_value_convert(in, want, out) == SL_OK;
}

static void deliver(struct srv *s, struct srv_binding *b, const struct sl_value *v)
{
    b->notified++;
    struct srv_reg *t = srv_reg_find_ep(s, b->dst_ep);
    if (!t) {
        b->dropped++;
        return;
    }
    const struct sl_res_def *rd = srv_res_def(&b->dst_path);
    struct sl_record rec = { .path = b->dst_path };
    if (!convert(v, rd ? rd->type : v->type, &rec.value)) {
        b->failed++;
        SRV_DEBUG(s, "binding %" PRIu32 ": the value does not fit the target's type", b->id);
        return;
    }
    struct srv_recs recs;
    srv_recs_init(&recs);
    struct srv_buf buf;
    srv_buf_init(&buf, 0);
    char err[128];
    if (!srv_recs_add(&recs, &rec) ||
        srv_encode(SL_FMT_TLV, &b->dst_path, &recs, &buf, err, sizeof err) != SL_OK) {
        b->failed++;
        srv_recs_free(&recs);
        srv_buf_free(&buf);
        return;
    }
    srv_recs_free(&recs);
    struct srv_req *req = srv_req_new(s, t, SL_COAP_PUT, &b->dst_path, written,
                                      (void *)(uintptr_t)b->id);
    if (!req) {
        b->failed++;
        srv_buf_free(&buf);
        return;
    }
    size_t len;
    uint8_t *payload = srv_buf_take(&buf, &len);
    srv_req_set_payload(req, payload, len, SL_FMT_TLV);
    req->kind = SRV_REQ_BINDING_WRITE;
    srv_req_submit(req, BINDING_WRITE_TIMEOUT_MS);
}

void srv_bindings_on_value(struct srv *s, const struct srv_obs *o, const struct sl_path *path,
                           const void *recs_v)
{
    (void)path;
    const struct srv_recs *recs = recs_v;
    for (struct srv_binding *b = s->bindings; b; b = b->next) {
        if (b->obs != o)
            continue;
        for (size_t k = 0; k < recs->n; k++) {
            if (sl_path_equal(&recs->v[k].path, &b->src_path)) {
                deliver(s, b, &recs->v[k].value);
                break;
            }
        }
    }
}

/* ---- table ---- */

static struct srv_binding *add(struct srv *s, uint32_t id, const char *src_ep,
                               const struct sl_path *src, const char *dst_ep,
                               const struct sl_path *dst, int64_t created)
{
    struct srv_binding *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->id = id;
    snprintf(b->src_ep, sizeof b->src_ep, "%s", src_ep);
    snprintf(b->dst_ep, sizeof b->dst_ep, "%s", dst_ep);
    b->src_path = *src;
    b->dst_path = *dst;
    b->created_ms = created;
    /* keep the list in id order */
    struct srv_binding **pp = &s->bindings;
    while (*pp && (*pp)->id < id)
        pp = &(*pp)->next;
    b->next = *pp;
    *pp = b;
    if (id >= s->next_binding_id)
        s->next_binding_id = id + 1;
    return b;
}

static void unlink_binding(struct srv *s, struct srv_binding *b)
{
    for (struct srv_binding **pp = &s->bindings; *pp; pp = &(*pp)->next) {
        if (*pp == b) {
            *pp = b->next;
            return;
        }
    }
}

static bool restore_row(void *arg, sqlite3_stmt *row)
{
    struct srv *s = arg;
    const char *se = (const char *)sqlite3_column_text(row, 1);
    const char *sp = (const char *)sqlite3_column_text(row, 2);
    const char *de = (const char *)sqlite3_column_text(row, 3);
    const char *dp = (const char *)sqlite3_column_text(row, 4);
    struct sl_path src, dst;
    int64_t id = sqlite3_column_int64(row, 0);
    if (!se || !sp || !de || !dp || id <= 0 || id > UINT32_MAX || strlen(se) > SRV_EP_MAX ||
        strlen(de) > SRV_EP_MAX || sl_path_parse(sp, strlen(sp), &src) != SL_OK ||
        sl_path_parse(dp, strlen(dp), &dst) != SL_OK) {
        SRV_WARN(s, "store: binding row %" PRId64 " is unusable; skipped", id);
        return true;
    }
    add(s, (uint32_t)id, se, &src, de, &dst, sqlite3_column_int64(row, 5));
    return true;
}

sl_err srv_bindings_restore(struct srv *s)
{
    if (s->next_binding_id == 0)
        s->next_binding_id = 1;
    sl_err err = srv_store_query(s->store,
                                 "SELECT id, source_ep, source_path, target_ep, target_path, "
                                 "created_ms FROM bindings ORDER BY id",
                                 NULL, 0, restore_row, s);
    if (err != SL_OK)
        return err;
    unsigned n = 0;
    for (struct srv_binding *b = s->bindings; b; b = b->next) {
        n++;
        struct srv_reg *r = srv_reg_find_ep(s, b->src_ep);
        struct srv_obs *o = r ? srv_obs_find(r, &b->src_path) : NULL;
        if (o) {
            /* the observation survived the restart with its registration */
            b->obs = o;
            o->binding_refs++;
        }
    }
    /* restored observations nobody wants any more: cancel them */
    struct srv_map_iter it;
    for (struct srv_map_node *nd = srv_map_first(&s->regs_by_id, &it); nd;
         nd = srv_map_next(&s->regs_by_id, &it)) {
        struct srv_reg *r = SRV_CONTAINER_OF(nd, struct srv_reg, by_id);
        struct srv_obs *o = r->obs;
        while (o) {
            struct srv_obs *next = o->next;
            if (!o->rest && !o->binding_refs)
                srv_obs_release(s, o, false, false);
            o = next;
        }
        srv_bindings_on_register(s, r);
    }
    SRV_INFO(s, "restored %u bindings", n);
    return SL_OK;
}

void srv_bindings_free(struct srv *s)
{
    while (s->bindings) {
        struct srv_binding *b = s->bindings;
        s->bindings = b->next;
        free(b);
    }
}

/* ---- REST: /api/bindings ---- */

static json_t *binding_json(const struct srv_binding *b)
{
    char sp[32], dp[32];
    sl_path_format(&b->src_path, sp, sizeof sp);
    sl_path_format(&b->dst_path, dp, sizeof dp);
    char src[SRV_EP_MAX + 40], dst[SRV_EP_MAX + 40];
    snprintf(src, sizeof src, "%s:%s", b->src_ep, sp);
    snprintf(dst, sizeof dst, "%s:%s", b->dst_ep, dp);
    return json_pack("{s:I,s:s,s:s,s:s,s:I,s:{s:b,s:I,s:I,s:I,s:I}}", "id", (json_int_t)b->id,
                     "source", src, "target", dst, "via", "server", "created",
                     (json_int_t)b->created_ms, "state", "observing", b->obs != NULL,
                     "notifications", (json_int_t)b->notified, "delivered",
                     (json_int_t)b->delivered, "dropped", (json_int_t)b->dropped, "failed",
                     (json_int_t)b->failed);
}

/* "ep:/o/i/r[/ri]" -> ep, path (a resource or resource instance). */
static bool parse_end(const char *s, char ep[SRV_EP_MAX + 1], struct sl_path *p)
{
    const char *sep = strstr(s, ":/");
    if (!sep || sep == s || (size_t)(sep - s) > SRV_EP_MAX)
        return false;
    memcpy(ep, s, (size_t)(sep - s));
    ep[sep - s] = 0;
    for (const char *c = ep; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == '/')
            return false;
    const char *path = sep + 1;
    return sl_path_parse(path, strlen(path), p) == SL_OK && p->len >= 3;
}

struct create_ctx {
    struct srv_hreq *h;
    uint32_t id;
    char src_ep[SRV_EP_MAX + 1], dst_ep[SRV_EP_MAX + 1];
    struct sl_path src, dst;
    int64_t created;
};

static void created(void *arg, sl_err err, const char *msg)
{
    struct create_ctx *c = arg;
    struct srv *s = c->h->s;
    if (err != SL_OK) {
        srv_http_error(s, c->h, err == SL_ERR_CONFLICT ? 409 : 500,
                       err == SL_ERR_CONFLICT ? "conflict" : "store", "%s", msg);
        free(c);
        return;
    }
    struct srv_binding *b = add(s, c->id, c->src_ep, &c->src, c->dst_ep, &c->dst, c->created);
    if (!b) {
        srv_http_error(s, c->h, 500, "internal", "out of memory");
        free(c);
        return;
    }
    SRV_INFO(s, "binding %" PRIu32 " created", b->id);
    struct srv_reg *r = srv_reg_find_ep(s, b->src_ep);
    if (r)
        observe_source(s, b, r);
    srv_http_reply(s, c->h, 201, binding_json(b));
    free(c);
}

struct delete_ctx {
    struct srv_hreq *h;
    uint32_t id;
};

static void deleted(void *arg, sl_err err, const char *msg)
{
    struct delete_ctx *c = arg;
    struct srv *s = c->h->s;
    struct srv_binding *b = find(s, c->id);
    if (err != SL_OK) {
        srv_http_error(s, c->h, 500, "store", "%s", msg);
    } else if (!b) {
        srv_http_error(s, c->h, 404, "not_found", "no binding %" PRIu32, c->id);
    } else {
        unlink_binding(s, b);
        if (b->obs)
            srv_obs_release(s, b->obs, false, true);
        SRV_INFO(s, "binding %" PRIu32 " deleted", b->id);
        srv_http_reply(s, c->h, 200, json_pack("{s:I}", "deleted", (json_int_t)b->id));
        free(b);
    }
    free(c);
}

void srv_api_bindings(struct srv *s, struct srv_hreq *h, const char *rest)
{
    const char *m = h->method;
    if (*rest == 0) {
        if (strcmp(m, "GET") == 0) {
            json_t *arr = json_array();
            for (struct srv_binding *b = s->bindings; b; b = b->next)
                json_array_append_new(arr, binding_json(b));
            srv_http_reply(s, h, 200, arr);
            return;
        }
        if (strcmp(m, "POST") != 0) {
            srv_http_error(s, h, 405, "method_not_allowed", "use GET or POST on /api/bindings");
            return;
        }
        json_error_t je;
        json_t *body = json_loadb((const char *)h->body.p, h->body.len, 0, &je);
        if (!json_is_object(body)) {
            json_decref(body);
            srv_http_error(s, h, 400, "bad_request", "the body must be a JSON object: %s",
                           body ? "not an object" : je.text);
            return;
        }
        const char *src = json_string_value(json_object_get(body, "source"));
        const char *dst = json_string_value(json_object_get(body, "target"));
        json_t *via = json_object_get(body, "via");
        struct create_ctx *c = calloc(1, sizeof *c);
        if (!c) {
            json_decref(body);
            srv_http_error(s, h, 500, "internal", "out of memory");
            return;
        }
        if (!src || !dst || !parse_end(src, c->src_ep, &c->src) ||
            !parse_end(dst, c->dst_ep, &c->dst)) {
            free(c);
            json_decref(body);
            srv_http_error(s, h, 400, "bad_request",
                           "\"source\" and \"target\" must be \"ENDPOINT:/OBJECT/INSTANCE/RESOURCE\"");
            return;
        }
        if (via && !(json_is_string(via) && strcmp(json_string_value(via), "server") == 0)) {
            free(c);
            json_decref(body);
            srv_http_error(s, h, 400, "bad_request",
                           "\"via\": only \"server\" is available (direct bindings come with C2C)");
            return;
        }
        json_decref(body);
        for (struct srv_binding *b = s->bindings; b; b = b->next) {
            if (!strcmp(b->src_ep, c->src_ep) && !strcmp(b->dst_ep, c->dst_ep) &&
                sl_path_equal(&b->src_path, &c->src) && sl_path_equal(&b->dst_path, &c->dst)) {
                srv_http_error(s, h, 409, "conflict", "binding %" PRIu32 " already does that", b->id);
                free(c);
                return;
            }
        }
        c->h = h;
        c->id = s->next_binding_id++;
        c->created = sl_posix_epoch_ms();
        char sp[32], dp[32];
        sl_path_format(&c->src, sp, sizeof sp);
        sl_path_format(&c->dst, dp, sizeof dp);
        struct srv_store_op *op = srv_store_op_new();
        srv_store_op_sql(op, "INSERT INTO bindings(id, source_ep, source_path, target_ep, "
                             "target_path, via, created_ms) VALUES (?, ?, ?, ?, ?, 'server', ?)");
        srv_store_op_int(op, c->id);
        srv_store_op_text(op, c->src_ep);
        srv_store_op_text(op, sp);
        srv_store_op_text(op, c->dst_ep);
        srv_store_op_text(op, dp);
        srv_store_op_int(op, c->created);
        srv_http_suspend(s, h);
        srv_store_submit(s->store, op, created, c);
        return;
    }
    /* /api/bindings/{id} */
    char *end;
    unsigned long id = strtoul(rest, &end, 10);
    if (*end || rest[0] < '0' || rest[0] > '9' || id == 0 || id > UINT32_MAX) {
        srv_http_error(s, h, 400, "bad_request", "a binding id is a positive number");
        return;
    }
    struct srv_binding *b = find(s, (uint32_t)id);
    if (!b) {
        srv_http_error(s, h, 404, "not_found", "no binding %lu", id);
        return;
    }
    if (strcmp(m, "GET") == 0) {
        srv_http_reply(s, h, 200, binding_json(b));
        return;
    }
    if (strcmp(m, "DELETE") != 0) {
        srv_http_error(s, h, 405, "method_not_allowed", "use GET or DELETE on a binding");
        return;
    }
    struct delete_ctx *c = malloc(sizeof *c);
    if (!c) {
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    c->h = h;
    c->id = b->id;
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "DELETE FROM bindings WHERE id = ?");
    srv_store_op_int(op, b->id);
    srv_http_suspend(s, h);
    srv_store_submit(s->store, op, deleted, c);
}
