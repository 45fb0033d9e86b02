/* Credentials of endpoints (/api/security/clients): PSK identities and keys
 * for DTLS, OSCORE contexts. Kept in SQLite and mirrored in memory with
 * three indexes (endpoint, PSK identity, OSCORE recipient ID), so a
 * duplicate identity is refused with 409 before it reaches the store (whose
 * UNIQUE constraints are the last line). The secure transports of the
 * security issue look credentials up here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/oscore.h"
#include "server/srv_internal.h"

#define MAX_IDENTITY 128
#define MAX_KEY 64
#define MAX_OSCORE_ID SL_OSCORE_MAX_ID_LEN

struct srv_cred {
    struct srv_map_node by_ep, by_identity, by_rid;
    char ep[SRV_EP_MAX + 1];
    bool oscore;
    char identity[MAX_IDENTITY + 1];
    uint8_t key[MAX_KEY];
    size_t key_len;
    uint8_t sid[MAX_OSCORE_ID], rid[MAX_OSCORE_ID];
    size_t sid_len, rid_len;
    uint8_t msec[MAX_KEY], msalt[MAX_KEY];
    size_t msec_len, msalt_len;
    bool in_identity, in_rid;
    /* the OSCORE context (derived when the credentials are stored) and
     * its sequence-number saves (RFC 8613 B.1.1) */
    struct sl_oscore_ctx *osc;
    uint64_t osc_gen;  /* tells a save's callback whether osc is still this one */
    bool osc_saving;   /* a save is in flight */
};

static struct srv_cred *find_ep(struct srv *s, const char *ep)
{
    struct srv_map_node *n = srv_map_find(&s->creds_by_ep, ep, strlen(ep));
    return n ? SRV_CONTAINER_OF(n, struct srv_cred, by_ep) : NULL;
}

static struct srv_cred *find_identity(struct srv *s, const char *id)
{
    struct srv_map_node *n = srv_map_find(&s->creds_by_identity, id, strlen(id));
    return n ? SRV_CONTAINER_OF(n, struct srv_cred, by_identity) : NULL;
}

static struct srv_cred *find_rid(struct srv *s, const uint8_t *rid, size_t len)
{
    /* the map key includes a length byte so that an empty ID is a key too */
    uint8_t key[MAX_OSCORE_ID + 1];
    key[0] = (uint8_t)len;
    memcpy(key + 1, rid, len);
    struct srv_map_node *n = srv_map_find(&s->creds_by_rid, key, len + 1);
    return n ? SRV_CONTAINER_OF(n, struct srv_cred, by_rid) : NULL;
}

bool srv_security_has_credentials(struct srv *s, const char *ep)
{
    return find_ep(s, ep) != NULL;
}

sl_err srv_security_psk(struct srv *s, const uint8_t *identity, size_t identity_len, uint8_t *key,
                        size_t cap, size_t *key_len)
{
    char id[MAX_IDENTITY + 1];
    if (identity_len == 0 || identity_len > MAX_IDENTITY || memchr(identity, 0, identity_len))
        return SL_ERR_NOT_FOUND;
    memcpy(id, identity, identity_len);
    id[identity_len] = 0;
    const struct srv_cred *c = find_identity(s, id);
    if (!c || c->oscore || c->key_len > cap)
        return SL_ERR_NOT_FOUND;
    memcpy(key, c->key, c->key_len);
    *key_len = c->key_len;
    return SL_OK;
}

const char *srv_security_psk_endpoint(struct srv *s, const char *identity)
{
    const struct srv_cred *c = find_identity(s, identity);
    return c && !c->oscore ? c->ep : NULL;
}

struct cred_with_key {
    struct srv_cred c;
    uint8_t rid_key[MAX_OSCORE_ID + 1];
};

static void insert(struct srv *s, struct cred_with_key *ck)
{
    struct srv_cred *c = &ck->c;
    srv_map_insert(&s->creds_by_ep, &c->by_ep, c->ep, strlen(c->ep));
    if (!c->oscore) {
        c->in_identity = srv_map_insert(&s->creds_by_identity, &c->by_identity, c->identity,
                                        strlen(c->identity));
    } else {
        ck->rid_key[0] = (uint8_t)c->rid_len;
        memcpy(ck->rid_key + 1, c->rid, c->rid_len);
        c->in_rid = srv_map_insert(&s->creds_by_rid, &c->by_rid, ck->rid_key, c->rid_len + 1);
    }
}

/* The same OSCORE keys: a context may carry over, sequence numbers and all. */
static bool same_oscore_keys(const struct srv_cred *a, const struct srv_cred *b)
{
    return a->oscore && b->oscore && a->sid_len == b->sid_len && a->rid_len == b->rid_len &&
           a->msec_len == b->msec_len && a->msalt_len == b->msalt_len &&
           !memcmp(a->sid, b->sid, a->sid_len) && !memcmp(a->rid, b->rid, a->rid_len) &&
           !memcmp(a->msec, b->msec, a->msec_len) && !memcmp(a->msalt, b->msalt, a->msalt_len);
}

/* Derive the context of OSCORE credentials, with nothing to send until a
 * sequence-number limit is saved (srv_security_oscore_save). */
static bool derive_oscore(struct srv *s, struct srv_cred *c)
{
    struct sl_oscore_params p = { c->msec, c->msec_len, c->msalt, c->msalt_len,
                                  c->sid,  c->sid_len,  c->rid,   c->rid_len,
                                  NULL,    0 };
    c->osc = calloc(1, sizeof *c->osc);
    if (!c->osc || sl_oscore_ctx_derive(c->osc, &p) != SL_OK || sl_oscore_seq_saved(c->osc, 0)) {
        free(c->osc);
        c->osc = NULL;
        SRV_ERROR(s, "%s: cannot derive the OSCORE context", c->ep);
        return false;
    }
    c->osc_gen = ++s->osc_gen;
    return true;
}

static void free_oscore(struct srv_cred *c)
{
    if (c->osc) {
        memset(c->osc, 0, sizeof *c->osc); /* keys */
        free(c->osc);
        c->osc = NULL;
    }
}

static void remove_cred(struct srv *s, struct srv_cred *c)
{
    srv_map_remove(&s->creds_by_ep, &c->by_ep);
    if (c->in_identity)
        srv_map_remove(&s->creds_by_identity, &c->by_identity);
    if (c->in_rid)
        srv_map_remove(&s->creds_by_rid, &c->by_rid);
    free_oscore(c);
    free(c);
}

/* ---- OSCORE contexts ---- */

struct sl_oscore_ctx *srv_security_oscore(struct srv *s, const char *ep)
{
    struct srv_cred *c = find_ep(s, ep);
    return c && c->oscore ? c->osc : NULL;
}

struct sl_oscore_ctx *srv_security_oscore_by_kid(struct srv *s, const uint8_t *kid, size_t len,
                                                 const char **ep)
{
    if (len > MAX_OSCORE_ID)
        return NULL;
    struct srv_cred *c = find_rid(s, kid, len);
    if (!c || !c->osc)
        return NULL;
    *ep = c->ep;
    return c->osc;
}

struct seq_save {
    struct srv *s;
    char ep[SRV_EP_MAX + 1];
    uint64_t gen;
    uint64_t limit;
};

/* A limit is durable: the context may send up to it. The credentials may
 * have changed meanwhile (gen): then the save was for a context that is
 * gone, and the new one saves its own. */
static void seq_saved(void *arg, sl_err err, const char *msg)
{
    struct seq_save *v = arg;
    struct srv *s = v->s;
    struct srv_cred *c = find_ep(s, v->ep);
    bool ours = c && c->osc && c->osc_gen == v->gen;
    if (ours)
        c->osc_saving = false;
    if (err != SL_OK) {
        SRV_ERROR(s, "%s: OSCORE sequence number not saved: %s", v->ep, msg);
    } else if (ours) {
        (void)sl_oscore_seq_saved(c->osc, v->limit);
        srv_security_oscore_save(s, v->ep); /* used up meanwhile? */
    }
    free(v);
}

/* Save a new limit when less than half a window is left (and none is in
 * flight). Writes commit in order, so the stored limit never goes down. */
void srv_security_oscore_save(struct srv *s, const char *ep)
{
    struct srv_cred *c = find_ep(s, ep);
    if (!c || !c->osc || c->osc_saving || !sl_oscore_seq_save_needed(c->osc))
        return;
    struct seq_save *v = calloc(1, sizeof *v);
    if (!v)
        return;
    snprintf(v->ep, sizeof v->ep, "%s", c->ep);
    v->s = s;
    v->gen = c->osc_gen;
    v->limit = sl_oscore_seq_next_limit(c->osc);
    c->osc_saving = true;
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO oscore_seq(endpoint, seq_limit) VALUES (?, ?) "
                         "ON CONFLICT(endpoint) DO UPDATE SET seq_limit = excluded.seq_limit");
    srv_store_op_text(op, c->ep);
    srv_store_op_int(op, (int64_t)v->limit);
    srv_store_submit(s->store, op, seq_saved, v);
}

static void hex(struct srv_buf *b, const uint8_t *p, size_t n)
{
    srv_buf_reset(b);
    srv_buf_hex(b, p, n);
    srv_buf_cstr(b);
}

static json_t *cred_json(const struct srv_cred *c)
{
    struct srv_buf a, b, d;
    srv_buf_init(&a, 0);
    srv_buf_init(&b, 0);
    srv_buf_init(&d, 0);
    json_t *j;
    if (!c->oscore) {
        hex(&a, c->key, c->key_len);
        j = json_pack("{s:s,s:{s:s,s:{s:s,s:s}}}", "endpoint", c->ep, "tls", "mode", "psk",
                      "details", "identity", c->identity, "key", a.p ? (char *)a.p : "");
    } else {
        hex(&a, c->sid, c->sid_len);
        hex(&b, c->rid, c->rid_len);
        struct srv_buf e;
        srv_buf_init(&e, 0);
        hex(&d, c->msec, c->msec_len);
        hex(&e, c->msalt, c->msalt_len);
        j = json_pack("{s:s,s:{s:s,s:s,s:s,s:s}}", "endpoint", c->ep, "oscore", "sid",
                      a.p ? (char *)a.p : "", "rid", b.p ? (char *)b.p : "", "msec",
                      d.p ? (char *)d.p : "", "msalt", e.p ? (char *)e.p : "");
        srv_buf_free(&e);
    }
    srv_buf_free(&a);
    srv_buf_free(&b);
    srv_buf_free(&d);
    return j;
}

/* Hex string member into out[cap]; false with a message. */
static bool hex_member(json_t *obj, const char *name, bool required, size_t min, size_t cap,
                       uint8_t *out, size_t *len, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, name);
    *len = 0;
    if (!v) {
        if (required)
            snprintf(err, errlen, "\"%s\" is required", name);
        return !required;
    }
    struct srv_arena a;
    srv_arena_init(&a);
    bool ok = false;
    const uint8_t *p = NULL;
    size_t n = 0;
    if (json_is_string(v))
        p = srv_hex_decode(&a, json_string_value(v), json_string_length(v), &n, &ok);
    if (!ok || n < min || n > cap) {
        snprintf(err, errlen, "\"%s\" must be hex of %zu..%zu bytes", name, min, cap);
        srv_arena_free(&a);
        return false;
    }
    if (n)
        memcpy(out, p, n);
    *len = n;
    srv_arena_free(&a);
    return true;
}

static bool parse_cred(json_t *j, struct srv_cred *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!json_is_object(j)) {
        snprintf(err, errlen, "the body must be a JSON object");
        return false;
    }
    const char *ep = json_string_value(json_object_get(j, "endpoint"));
    size_t n = ep ? strlen(ep) : 0;
    if (!ep || n == 0 || n > SRV_EP_MAX || strchr(ep, '/')) {
        snprintf(err, errlen, "\"endpoint\" must be 1..%d bytes without '/'", SRV_EP_MAX);
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        if ((unsigned char)ep[k] < 0x20 || ep[k] == 0x7f) {
            snprintf(err, errlen, "\"endpoint\" has a control character");
            return false;
        }
    }
    memcpy(c->ep, ep, n + 1);
    json_t *tls = json_object_get(j, "tls"), *osc = json_object_get(j, "oscore");
    if ((tls != NULL) == (osc != NULL)) {
        snprintf(err, errlen, "give exactly one of \"tls\" and \"oscore\"");
        return false;
    }
    if (tls) {
        const char *mode = json_string_value(json_object_get(tls, "mode"));
        if (!mode || strcmp(mode, "psk") != 0) {
            snprintf(err, errlen, "tls.mode: only \"psk\" is supported");
            return false;
        }
        json_t *d = json_object_get(tls, "details");
        const char *id = json_string_value(json_object_get(d, "identity"));
        size_t il = id ? strlen(id) : 0;
        if (!id || il == 0 || il > MAX_IDENTITY) {
            snprintf(err, errlen, "tls.details.identity must be 1..%d bytes", MAX_IDENTITY);
            return false;
        }
        memcpy(c->identity, id, il + 1);
        char sub[160];
        if (!hex_member(d, "key", true, 1, MAX_KEY, c->key, &c->key_len, sub, sizeof sub)) {
            snprintf(err, errlen, "tls.details: %s", sub);
            return false;
        }
        return true;
    }
    c->oscore = true;
    char sub[160];
    if (!json_is_object(osc) ||
        !hex_member(osc, "sid", true, 0, MAX_OSCORE_ID, c->sid, &c->sid_len, sub, sizeof sub) ||
        !hex_member(osc, "rid", true, 0, MAX_OSCORE_ID, c->rid, &c->rid_len, sub, sizeof sub) ||
        !hex_member(osc, "msec", true, 1, SL_OSCORE_MAX_SECRET_LEN, c->msec, &c->msec_len, sub,
                    sizeof sub) ||
        !hex_member(osc, "msalt", false, 0, SL_OSCORE_MAX_SALT_LEN, c->msalt, &c->msalt_len, sub,
                    sizeof sub)) {
        snprintf(err, errlen, "oscore: %s", json_is_object(osc) ? sub : "must be an object");
        return false;
    }
    if (c->sid_len == c->rid_len && memcmp(c->sid, c->rid, c->sid_len) == 0) {
        snprintf(err, errlen, "oscore: sid and rid must differ");
        return false;
    }
    return true;
}

struct put_ctx {
    struct srv_hreq *h;
    struct cred_with_key *ck;
};

static void put_committed(void *arg, sl_err err, const char *msg)
{
    struct put_ctx *p = arg;
    struct srv *s = p->h->s;
    if (err != SL_OK) {
        srv_http_error(s, p->h, err == SL_ERR_CONFLICT ? 409 : 500,
                       err == SL_ERR_CONFLICT ? "conflict" : "store", "%s", msg);
        free(p->ck);
    } else {
        struct srv_cred *old = find_ep(s, p->ck->c.ep);
        struct srv_cred *c = &p->ck->c;
        if (old && same_oscore_keys(old, c)) {
            /* the same keys again: the context goes on (its nonces must) */
            c->osc = old->osc;
            c->osc_gen = old->osc_gen;
            c->osc_saving = old->osc_saving;
            old->osc = NULL;
        } else if (c->oscore) {
            (void)derive_oscore(s, c); /* the op deleted the old keys' limit */
        }
        if (old)
            remove_cred(s, old);
        insert(s, p->ck);
        if (c->oscore)
            srv_security_oscore_save(s, c->ep);
        SRV_INFO(s, "credentials of %s stored (%s)", p->ck->c.ep, p->ck->c.oscore ? "oscore" : "psk");
        srv_http_reply(s, p->h, 200, cred_json(&p->ck->c));
    }
    free(p);
}

static void do_put(struct srv *s, struct srv_hreq *h)
{
    json_error_t je;
    json_t *j = h->body.len ? json_loadb((const char *)h->body.p, h->body.len, 0, &je) : NULL;
    if (!j) {
        srv_http_error(s, h, 400, "bad_request", "bad JSON: %s",
                       h->body.len ? je.text : "a body is required");
        return;
    }
    struct cred_with_key *ck = calloc(1, sizeof *ck);
    char err[200];
    if (!ck) {
        json_decref(j);
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    bool ok = parse_cred(j, &ck->c, err, sizeof err);
    json_decref(j);
    if (!ok) {
        free(ck);
        srv_http_error(s, h, 400, "bad_request", "%s", err);
        return;
    }
    struct srv_cred *c = &ck->c;
    struct srv_cred *other = c->oscore ? find_rid(s, c->rid, c->rid_len) : find_identity(s, c->identity);
    if (other && strcmp(other->ep, c->ep) != 0) {
        srv_http_error(s, h, 409, "conflict", "%s is already used by endpoint %s",
                       c->oscore ? "this OSCORE recipient ID" : "this PSK identity", other->ep);
        free(ck);
        return;
    }
    struct put_ctx *p = malloc(sizeof *p);
    if (!p) {
        free(ck);
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    p->h = h;
    p->ck = ck;
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO credentials(endpoint, mode, psk_identity, psk_key, oscore_sid, "
                         "oscore_rid, oscore_msec, oscore_msalt, updated_ms) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(endpoint) DO UPDATE SET "
                         "mode = excluded.mode, psk_identity = excluded.psk_identity, "
                         "psk_key = excluded.psk_key, oscore_sid = excluded.oscore_sid, "
                         "oscore_rid = excluded.oscore_rid, oscore_msec = excluded.oscore_msec, "
                         "oscore_msalt = excluded.oscore_msalt, updated_ms = excluded.updated_ms");
    srv_store_op_text(op, c->ep);
    srv_store_op_text(op, c->oscore ? "oscore" : "psk");
    if (c->oscore) {
        srv_store_op_null(op);
        srv_store_op_null(op);
        srv_store_op_blob(op, c->sid, c->sid_len);
        srv_store_op_blob(op, c->rid, c->rid_len);
        srv_store_op_blob(op, c->msec, c->msec_len);
        srv_store_op_blob(op, c->msalt, c->msalt_len);
    } else {
        srv_store_op_text(op, c->identity);
        srv_store_op_blob(op, c->key, c->key_len);
        srv_store_op_null(op);
        srv_store_op_null(op);
        srv_store_op_null(op);
        srv_store_op_null(op);
    }
    srv_store_op_int(op, sl_posix_epoch_ms());
    /* new keys start their sequence numbers at 0: forget the old limit */
    struct srv_cred *old = find_ep(s, c->ep);
    if (old && old->oscore && !same_oscore_keys(old, c)) {
        srv_store_op_sql(op, "DELETE FROM oscore_seq WHERE endpoint = ?");
        srv_store_op_text(op, c->ep);
    }
    srv_http_suspend(s, h);
    srv_store_submit(s->store, op, put_committed, p);
}

struct del_ctx {
    struct srv_hreq *h;
    char ep[SRV_EP_MAX + 1];
};

static void del_committed(void *arg, sl_err err, const char *msg)
{
    struct del_ctx *d = arg;
    struct srv *s = d->h->s;
    if (err != SL_OK) {
        srv_http_error(s, d->h, 500, "store", "%s", msg);
    } else {
        struct srv_cred *c = find_ep(s, d->ep);
        if (c)
            remove_cred(s, c);
        SRV_INFO(s, "credentials of %s deleted", d->ep);
        srv_http_reply(s, d->h, 200, json_pack("{s:s}", "deleted", d->ep));
    }
    free(d);
}

static int cred_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct srv_cred *const *)a)->ep, (*(const struct srv_cred *const *)b)->ep);
}

void srv_api_security(struct srv *s, struct srv_hreq *h, const char *rest)
{
    const char *m = h->method;
    if (*rest == 0 || !strcmp(rest, "/")) {
        if (!strcmp(m, "GET")) {
            size_t n = s->creds_by_ep.count, k = 0;
            struct srv_cred **v = malloc((n ? n : 1) * sizeof *v);
            if (!v) {
                srv_http_error(s, h, 500, "internal", "out of memory");
                return;
            }
            struct srv_map_iter it;
            for (struct srv_map_node *nd = srv_map_first(&s->creds_by_ep, &it); nd && k < n;
                 nd = srv_map_next(&s->creds_by_ep, &it))
                v[k++] = SRV_CONTAINER_OF(nd, struct srv_cred, by_ep);
            qsort(v, k, sizeof *v, cred_cmp);
            json_t *arr = json_array();
            for (size_t i = 0; i < k; i++)
                json_array_append_new(arr, cred_json(v[i]));
            free(v);
            srv_http_reply(s, h, 200, arr);
        } else if (!strcmp(m, "PUT")) {
            do_put(s, h);
        } else {
            srv_http_error(s, h, 405, "method_not_allowed", "use GET or PUT on /api/security/clients");
        }
        return;
    }
    const char *ep = rest + 1;
    struct srv_cred *c = strlen(ep) <= SRV_EP_MAX ? find_ep(s, ep) : NULL;
    if (!c) {
        srv_http_error(s, h, 404, "not_found", "no credentials for %.64s", ep);
        return;
    }
    if (!strcmp(m, "GET")) {
        srv_http_reply(s, h, 200, cred_json(c));
        return;
    }
    if (strcmp(m, "DELETE") != 0) {
        srv_http_error(s, h, 405, "method_not_allowed", "use GET or DELETE on one endpoint's credentials");
        return;
    }
    struct del_ctx *d = malloc(sizeof *d);
    if (!d) {
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    d->h = h;
    snprintf(d->ep, sizeof d->ep, "%s", c->ep);
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "DELETE FROM credentials WHERE endpoint = ?");
    srv_store_op_text(op, c->ep);
    srv_store_op_sql(op, "DELETE FROM oscore_seq WHERE endpoint = ?");
    srv_store_op_text(op, c->ep);
    srv_http_suspend(s, h);
    srv_store_submit(s->store, op, del_committed, d);
}

static void blob(sqlite3_stmt *row, int col, uint8_t *out, size_t cap, size_t *len)
{
    int n = sqlite3_column_bytes(row, col);
    const void *p = sqlite3_column_blob(row, col);
    *len = 0;
    if (p && n > 0 && (size_t)n <= cap) {
        memcpy(out, p, (size_t)n);
        *len = (size_t)n;
    }
}

static bool restore_row(void *arg, sqlite3_stmt *row)
{
    struct srv *s = arg;
    const char *ep = (const char *)sqlite3_column_text(row, 0);
    const char *mode = (const char *)sqlite3_column_text(row, 1);
    const char *id = (const char *)sqlite3_column_text(row, 2);
    if (!ep || !mode || strlen(ep) > SRV_EP_MAX || find_ep(s, ep))
        return true;
    struct cred_with_key *ck = calloc(1, sizeof *ck);
    if (!ck)
        return false;
    struct srv_cred *c = &ck->c;
    snprintf(c->ep, sizeof c->ep, "%s", ep);
    c->oscore = strcmp(mode, "oscore") == 0;
    if (!c->oscore) {
        snprintf(c->identity, sizeof c->identity, "%s", id ? id : "");
        blob(row, 3, c->key, sizeof c->key, &c->key_len);
    } else {
        blob(row, 4, c->sid, sizeof c->sid, &c->sid_len);
        blob(row, 5, c->rid, sizeof c->rid, &c->rid_len);
        blob(row, 6, c->msec, sizeof c->msec, &c->msec_len);
        blob(row, 7, c->msalt, sizeof c->msalt, &c->msalt_len);
        if (!derive_oscore(s, c)) {
            free(ck);
            return true; /* unusable keys: no OSCORE for this endpoint */
        }
    }
    insert(s, ck);
    return true;
}

/* A saved limit after a restart: the context goes on above it and asks
 * for an Echo before it takes requests again (RFC 8613 B.1.2). */
static bool restore_seq(void *arg, sqlite3_stmt *row)
{
    struct srv *s = arg;
    const char *ep = (const char *)sqlite3_column_text(row, 0);
    int64_t limit = sqlite3_column_int64(row, 1);
    struct srv_cred *c = ep ? find_ep(s, ep) : NULL;
    if (!c || !c->osc || limit < 0)
        return true;
    uint8_t echo[SL_OSCORE_ECHO_LEN];
    srv_random(echo, sizeof echo);
    if (sl_oscore_ctx_restore(c->osc, (uint64_t)limit) != SL_OK ||
        sl_oscore_echo_arm(c->osc, echo) != SL_OK) {
        SRV_ERROR(s, "%s: cannot restore the OSCORE context: OSCORE disabled for it", ep);
        free_oscore(c);
    }
    return true;
}

sl_err srv_security_restore(struct srv *s)
{
    sl_err err = srv_store_query(s->store,
                                 "SELECT endpoint, mode, psk_identity, psk_key, oscore_sid, "
                                 "oscore_rid, oscore_msec, oscore_msalt FROM credentials",
                                 NULL, 0, restore_row, s);
    if (err == SL_OK)
        err = srv_store_query(s->store, "SELECT endpoint, seq_limit FROM oscore_seq", NULL, 0,
                              restore_seq, s);
    return err;
}

void srv_security_oscore_start(struct srv *s)
{
    struct srv_map_iter it;
    for (struct srv_map_node *n = srv_map_first(&s->creds_by_ep, &it); n;
         n = srv_map_next(&s->creds_by_ep, &it)) {
        const struct srv_cred *c = SRV_CONTAINER_OF(n, struct srv_cred, by_ep);
        if (c->osc)
            srv_security_oscore_save(s, c->ep);
    }
}

void srv_security_free(struct srv *s)
{
    struct srv_map_iter it;
    for (struct srv_map_node *n = srv_map_first(&s->creds_by_ep, &it); n;
         n = srv_map_next(&s->creds_by_ep, &it))
        remove_cred(s, SRV_CONTAINER_OF(n, struct srv_cred, by_ep));
    srv_map_free(&s->creds_by_ep);
    srv_map_free(&s->creds_by_identity);
    srv_map_free(&s->creds_by_rid);
}
