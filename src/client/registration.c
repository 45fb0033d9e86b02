/* Registration interface: one state machine per server account. */
#include "client/registration.h"

#include <string.h>

#include "codec/decimal.h"
#include "codec/link.h"
#include "dm/acl.h"

#define RETRY_MAX_S 64u        /* back-off ceiling */
#define UPDATE_MARGIN_MAX_MS 93000u /* MAX_TRANSMIT_WAIT: an Update may take that long */

const char *sl_reg_state_name(uint8_t state)
{
    switch (state) {
    case SL_REG_IDLE: return "idle";
    case SL_REG_REGISTERING: return "registering";
    case SL_REG_REGISTERED: return "registered";
    case SL_REG_UPDATING: return "updating";
    case SL_REG_DEREGISTERING: return "deregistering";
    case SL_REG_RETRY_WAIT: return "retry-wait";
    case SL_REG_DISABLED: return "disabled";
    default: return "unknown";
    }
}

/* Objects never announced (DESIGN 3): their instances carry credentials. */
static bool hidden_object(uint16_t oid)
{
    return oid == SL_OID_SECURITY || oid == SL_OID_OSCORE || oid == SL_OID_CLIENT_SECURITY;
}

static void set_state(struct sl_reg *reg, uint8_t state, sl_err why)
{
    struct sl_client *c = reg->client;
    reg->state = state;
    if (c->hooks.state_changed)
        c->hooks.state_changed(c->hooks.ctx, c, reg, why);
}

/* Update ahead of expiry by a quarter of the lifetime, at most
 * MAX_TRANSMIT_WAIT: enough for a retransmitted Update to arrive in time. */
static sl_time_ms update_interval_ms(uint32_t lifetime_s)
{
    uint64_t lt = (uint64_t)lifetime_s * 1000u;
    uint64_t margin = lt / 4u;
    if (margin > UPDATE_MARGIN_MAX_MS)
        margin = UPDATE_MARGIN_MAX_MS;
    return lt - margin;
}

static uint32_t random32(const struct sl_client *c)
{
    uint8_t b[4];
    c->eng->plat->random(c->eng->plat->ctx, b, sizeof b);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* After a failure: wait 1, 2, 4 ... 64 s (plus up to 1 s of jitter, so a
 * fleet that lost its server does not come back in lockstep). */
static void retry_later(struct sl_reg *reg, sl_err why)
{
    struct sl_client *c = reg->client;
    uint32_t s = reg->failures < 6 ? 1u << reg->failures : RETRY_MAX_S;
    if (reg->failures < 255)
        reg->failures++;
    reg->next = c->eng->now + s * 1000u + random32(c) % 1000u;
    reg->location[0] = '\0';
    set_state(reg, SL_REG_RETRY_WAIT, why);
}

static uint32_t server_lifetime(const struct sl_client *c, uint16_t ssid)
{
    int srv = sl_core_server_of(c->co, ssid);
    int64_t lt = srv >= 0 ? sl_store_int(&c->co->server, (uint16_t)srv, SL_SRV_LIFETIME, 86400)
                          : 86400;
    return lt > 0 && lt <= UINT32_MAX ? (uint32_t)lt : 86400u;
}

sl_err sl_client_link_list(const struct sl_client *c, uint8_t *buf, size_t cap, size_t *len)
{
    struct sl_wbuf w;
    struct sl_link_writer lw;
    const struct sl_dm *dm = &c->eng->dm;
    sl_err err = SL_OK;
    sl_wbuf_init(&w, buf, cap);
    sl_link_writer_init(&lw, &w);
    for (unsigned k = 0; k < dm->count && err == SL_OK; k++) {
        const struct sl_obj *o = dm->objs[k];
        if (hidden_object(o->def->oid))
            continue;
        uint16_t iid;
        bool has_instances = o->ops->inst_next(o, -1, &iid) == SL_OK;
        bool versioned = o->def->ver_major != 1 || o->def->ver_minor != 0;
        if (versioned || !has_instances)
            err = sl_dm_put_object_link(&lw, o->def);
        int32_t after = -1;
        while (err == SL_OK && o->ops->inst_next(o, after, &iid) == SL_OK) {
            after = iid;
            struct sl_path ip = sl_path_make(2, o->def->oid, iid, 0, 0);
            err = sl_link_put_path(&lw, &ip);
        }
    }
    if (err == SL_OK)
        *len = w.len;
    return err;
}

/* The concatenation of count strings into q[cap] (NUL-terminated), or
 * false when it does not fit. */
static bool query_join(char *q, size_t cap, const char *const *parts, unsigned count)
{
    size_t n = 0;
    for (unsigned k = 0; k < count; k++) {
        size_t m = strlen(parts[k]);
        if (m >= cap - n)
            return false;
        memcpy(q + n, parts[k], m);
        n += m;
    }
    q[n] = '\0';
    return true;
}

/* v in decimal with a NUL, into buf[SL_DEC_INT_MAX + 1]. */
static const char *decimal(char *buf, uint32_t v)
{
    buf[sl_dec_format_u64(v, buf)] = '\0';
    return buf;
}

static void on_register(void *ctx, int handle, sl_err err, const struct sl_response *r);
static void on_update(void *ctx, int handle, sl_err err, const struct sl_response *r);
static void on_deregister(void *ctx, int handle, sl_err err, const struct sl_response *r);

static bool requests_in_flight(const struct sl_client *c)
{
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++)
        if (c->regs[k].used && c->regs[k].handle >= 0)
            return true;
    return false;
}

/* The link list is shared by every server's request: rebuild it only when
 * no request that carries it is on its way. */
static sl_err refresh_payload(struct sl_client *c)
{
    if (requests_in_flight(c))
        return SL_OK;
    return sl_client_link_list(c, c->payload, sizeof c->payload, &c->payload_len);
}

/* Send a registration request (with the link list when `links`) and enter
 * `state`; the engine's error when it has no room for it. */
static sl_err reg_request(struct sl_reg *reg, uint8_t method, const char *path, const char *query,
                          bool links, sl_response_cb cb, uint8_t state)
{
    struct sl_client *c = reg->client;
    struct sl_request rq = { .method = method, .path = path, .query = query,
                             .format = SL_FMT_LINK, .accept = SL_FMT_NONE };
    if (links) {
        rq.payload = c->payload;
        rq.payload_len = c->payload_len;
    }
    sl_err err = sl_engine_request(c->eng, reg->peer, &rq, cb, reg, c->eng->now, &reg->handle);
    if (err != SL_OK) {
        reg->handle = -1;
        return err;
    }
    if (links)
        reg->objects_changed = false;
    reg->update_now = false;
    set_state(reg, state, SL_OK);
    return SL_OK;
}

static void send_register(struct sl_reg *reg)
{
    struct sl_client *c = reg->client;
    int sec = sl_core_security_of(c->co, reg->ssid);
    char uri[SL_MAX_URI_LEN + 1];
    if (sec < 0 || sl_store_str(&c->co->security, (uint16_t)sec, SL_SEC_URI, uri, sizeof uri) == 0) {
        retry_later(reg, SL_ERR_NOT_FOUND);
        return;
    }
    /* every Register opens the transport again: a secure one starts a
     * fresh handshake (the server may have lost the old session) */
    reg->peer = c->hooks.connect(c->hooks.ctx, c, reg->ssid, uri);
    if (reg->peer < 0) {
        retry_later(reg, (sl_err)reg->peer);
        return;
    }
    int srv = sl_core_server_of(c->co, reg->ssid);
    if (srv >= 0) {
        struct sl_peer *p = sl_engine_peer(c->eng, reg->peer);
        p->default_pmin = (uint32_t)sl_store_int(&c->co->server, (uint16_t)srv, SL_SRV_PMIN, 0);
        p->default_pmax = (uint32_t)sl_store_int(&c->co->server, (uint16_t)srv, SL_SRV_PMAX, 0);
    }
    reg->lifetime = server_lifetime(c, reg->ssid);
    char num[SL_DEC_INT_MAX + 1];
    char binding[9];
    if (srv < 0 ||
        sl_store_str(&c->co->server, (uint16_t)srv, SL_SRV_BINDING, binding, sizeof binding) == 0)
        memcpy(binding, "U", 2);
    const char *parts[] = { "ep=", c->endpoint, "&lt=", decimal(num, reg->lifetime),
                            "&lwm2m=1.1&b=", binding, c->extra_query[0] ? "&" : "",
                            c->extra_query };
    /* on the stack: the engine keeps its own copy of a request's query */
    char query[SL_MAX_URI_QUERY];
    if (!query_join(query, sizeof query, parts, 8) || refresh_payload(c) != SL_OK) {
        retry_later(reg, SL_ERR_OVERFLOW);
        return;
    }
    sl_err err = reg_request(reg, SL_COAP_POST, "rd", query, true, on_register,
                             SL_REG_REGISTERING);
    if (err != SL_OK)
        retry_later(reg, err);
}

/* A Register or Update went through: the next Update is due ahead of the
 * lifetime's end. */
static void registered(struct sl_reg *reg)
{
    reg->failures = 0;
    reg->next = reg->client->eng->now + update_interval_ms(reg->lifetime);
    set_state(reg, SL_REG_REGISTERED, SL_OK);
}

static void on_register(void *ctx, int handle, sl_err err, const struct sl_response *r)
{
    struct sl_reg *reg = ctx;
    (void)handle;
    reg->handle = -1;
    if (err == SL_OK && r->code == SL_COAP_CREATED) {
        /* Location-Path segments joined with '/' */
        size_t n = 0;
        bool ok = true;
        for (unsigned k = 0;; k++) {
            const struct sl_coap_opt *o = sl_coap_opt_get(r->msg, SL_COAP_OPT_LOCATION_PATH, k);
            if (!o)
                break;
            if (n + (n ? 1u : 0u) + o->len + 1 > sizeof reg->location) {
                ok = false;
                break;
            }
            if (n)
                reg->location[n++] = '/';
            memcpy(reg->location + n, o->val, o->len);
            n += o->len;
        }
        reg->location[n] = '\0';
        if (ok && n > 0) {
            registered(reg);
            return;
        }
        err = SL_ERR_INVALID; /* no usable location */
    }
    retry_later(reg, err != SL_OK ? err : SL_ERR_DENIED);
}

static void send_update(struct sl_reg *reg)
{
    struct sl_client *c = reg->client;
    uint32_t lt = server_lifetime(c, reg->ssid);
    char num[SL_DEC_INT_MAX + 1];
    const char *parts[] = { "lt=", decimal(num, lt) };
    char query[SL_MAX_URI_QUERY];
    bool with_lt = lt != reg->lifetime && query_join(query, sizeof query, parts, 2);
    bool with_links = reg->objects_changed && refresh_payload(c) == SL_OK;
    /* the lifetime first: set_state() may tell the application */
    uint32_t old_lt = reg->lifetime;
    reg->lifetime = lt;
    if (reg_request(reg, SL_COAP_POST, reg->location, with_lt ? query : NULL, with_links,
                    on_update, SL_REG_UPDATING) != SL_OK) {
        reg->lifetime = old_lt;
        reg->next = c->eng->now + 1000u; /* no room for a request now: soon again */
    }
}

static void on_update(void *ctx, int handle, sl_err err, const struct sl_response *r)
{
    struct sl_reg *reg = ctx;
    struct sl_client *c = reg->client;
    (void)handle;
    reg->handle = -1;
    if (err == SL_OK && r->code == SL_COAP_CHANGED) {
        registered(reg);
        return;
    }
    if (err == SL_OK && r->code == SL_COAP_NOT_FOUND) {
        /* the server forgot us: register again at once */
        reg->location[0] = '\0';
        reg->next = c->eng->now;
        set_state(reg, SL_REG_IDLE, SL_ERR_NOT_FOUND);
        return;
    }
    retry_later(reg, err != SL_OK ? err : SL_ERR_DENIED);
}

static void send_deregister(struct sl_reg *reg)
{
    if (reg_request(reg, SL_COAP_DELETE, reg->location, NULL, false, on_deregister,
                    SL_REG_DEREGISTERING) != SL_OK) {
        reg->location[0] = '\0';
        set_state(reg, SL_REG_IDLE, SL_ERR_NOMEM);
    }
}

static void on_deregister(void *ctx, int handle, sl_err err, const struct sl_response *r)
{
    struct sl_reg *reg = ctx;
    (void)handle;
    (void)r;
    reg->handle = -1;
    reg->location[0] = '\0';
    if (reg->disable_now && !reg->client->stopping) {
        reg->disable_now = false;
        set_state(reg, SL_REG_DISABLED, err); /* a Disable: quiet until reg->next */
        return;
    }
    set_state(reg, SL_REG_IDLE, err);
}

/* Object 1 executables: Disable (4) and Registration Update Trigger (8). */
static sl_err server_execute(void *ctx, struct sl_store *s, uint16_t iid, uint16_t rid,
                             const uint8_t *args, size_t len)
{
    struct sl_client *c = ctx;
    (void)args;
    (void)len;
    int64_t ssid = sl_store_int(s, iid, SL_SRV_SSID, -1);
    struct sl_reg *reg = NULL;
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++)
        if (c->regs[k].used && c->regs[k].ssid == ssid)
            reg = &c->regs[k];
    if (!reg)
        return SL_ERR_NOT_FOUND;
    if (rid == SL_SRV_UPDATE_TRIGGER) {
        reg->update_now = true;
        return SL_OK;
    }
    if (rid == SL_SRV_DISABLE) {
        int64_t t = sl_store_int(s, iid, SL_SRV_DISABLE_TIMEOUT, 86400);
        reg->next = c->eng->now + (uint64_t)(t > 0 ? t : 86400) * 1000u;
        /* de-register at the next step, after the Execute is answered */
        reg->disable_now = true;
        return SL_OK;
    }
    return SL_ERR_METHOD;
}

static void dm_created(void *ctx, const struct sl_actor *who, uint16_t oid, uint16_t iid)
{
    struct sl_client *c = ctx;
#if SL_CONFIG_ACL
    if (who->kind == SL_ACTOR_SERVER)
        (void)sl_core_acl_created(c->co, oid, iid, who->id);
#else
    (void)who;
    (void)iid;
#endif
    if (!hidden_object(oid))
        sl_client_objects_changed(c);
}

static void dm_deleted(void *ctx, const struct sl_actor *who, uint16_t oid, uint16_t iid)
{
    struct sl_client *c = ctx;
    (void)who;
#if SL_CONFIG_ACL
    sl_core_acl_deleted(c->co, oid, iid);
#else
    (void)iid;
#endif
    if (!hidden_object(oid))
        sl_client_objects_changed(c);
}

sl_err sl_client_init(struct sl_client *c, struct sl_engine *eng, struct sl_core_objects *co,
                      const char *endpoint, const struct sl_client_hooks *hooks)
{
    size_t n = endpoint ? strlen(endpoint) : 0;
    if (n == 0 || n > SL_MAX_ENDPOINT_LEN || !hooks || !hooks->connect)
        return SL_ERR_INVALID;
    memset(c, 0, sizeof *c);
    c->eng = eng;
    c->co = co;
    c->hooks = *hooks;
    memcpy(c->endpoint, endpoint, n + 1);
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        c->regs[k].handle = -1;
        c->regs[k].peer = -1;
        c->regs[k].client = c;
    }
    co->server.hooks.execute = server_execute;
    co->server.hooks.execute_ctx = c;
    eng->dm.hooks.ctx = c;
    eng->dm.hooks.created = dm_created;
    eng->dm.hooks.deleted = dm_deleted;
    return SL_OK;
}

void sl_client_start(struct sl_client *c, sl_time_ms now)
{
    unsigned n = 0;
    int32_t after = -1;
    uint16_t iid;
    c->started = true;
    c->stopping = false;
    while (sl_store_next(&c->co->server, after, &iid) == SL_OK && n < SL_MAX_SERVERS) {
        after = iid;
        int64_t ssid = sl_store_int(&c->co->server, iid, SL_SRV_SSID, -1);
        int sec = ssid > 0 ? sl_core_security_of(c->co, (uint16_t)ssid) : -1;
        if (sec < 0 || sl_core_is_bootstrap(c->co, (uint16_t)sec))
            continue;
        struct sl_reg *reg = &c->regs[n++];
        reg->used = true;
        reg->ssid = (uint16_t)ssid;
        reg->state = SL_REG_IDLE;
        reg->next = now;
    }
}

void sl_client_objects_changed(struct sl_client *c)
{
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++)
        if (c->regs[k].used)
            c->regs[k].objects_changed = true;
}

void sl_client_step(struct sl_client *c, sl_time_ms now)
{
    (void)now; /* the engine's clock (c->eng->now) is the one requests use */
    if (!c->started)
        return;
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        struct sl_reg *reg = &c->regs[k];
        if (!reg->used || reg->handle >= 0)
            continue;
        switch (reg->state) {
        case SL_REG_IDLE:
        case SL_REG_RETRY_WAIT:
        case SL_REG_DISABLED:
            if (!c->stopping && reg->next <= c->eng->now)
                send_register(reg);
            break;
        case SL_REG_REGISTERED:
            if (c->stopping || reg->disable_now)
                send_deregister(reg);
            else if (reg->next <= c->eng->now || reg->update_now || reg->objects_changed ||
                     server_lifetime(c, reg->ssid) != reg->lifetime)
                send_update(reg);
            break;
        default:
            break;
        }
    }
}

sl_time_ms sl_client_next_deadline(const struct sl_client *c)
{
    sl_time_ms next = UINT64_MAX;
    if (!c->started)
        return next;
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        const struct sl_reg *reg = &c->regs[k];
        if (!reg->used || reg->handle >= 0)
            continue;
        bool wants_now = (reg->state == SL_REG_REGISTERED &&
                          (c->stopping || reg->update_now || reg->objects_changed ||
                           reg->disable_now));
        sl_time_ms t = wants_now ? c->eng->now : reg->next;
        if (reg->state == SL_REG_DEREGISTERING || (c->stopping && reg->state != SL_REG_REGISTERED))
            continue;
        if (t < next)
            next = t;
    }
    return next;
}

void sl_client_stop(struct sl_client *c, sl_time_ms now)
{
    (void)now;
    c->stopping = true;
    sl_client_step(c, c->eng->now);
}

bool sl_client_stopped(const struct sl_client *c)
{
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        const struct sl_reg *reg = &c->regs[k];
        if (reg->used && (reg->state == SL_REG_DEREGISTERING || reg->state == SL_REG_REGISTERED ||
                          reg->state == SL_REG_UPDATING || reg->state == SL_REG_REGISTERING))
            return false;
    }
    return true;
}

void sl_client_halt(struct sl_client *c)
{
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        struct sl_reg *reg = &c->regs[k];
        if (reg->handle >= 0)
            (void)sl_engine_cancel(c->eng, reg->handle, false, c->eng->now);
        memset(reg, 0, sizeof *reg);
        reg->handle = -1;
        reg->peer = -1;
        reg->client = c;
    }
    c->started = false;
    c->stopping = false;
}

const struct sl_reg *sl_client_reg(const struct sl_client *c, uint16_t ssid)
{
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++)
        if (c->regs[k].used && c->regs[k].ssid == ssid)
            return &c->regs[k];
    return NULL;
}
