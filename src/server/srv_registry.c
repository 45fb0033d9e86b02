/* The registrations table: lookups by endpoint and by registration ID,
 * lifetimes (a timer per registration), JSON, persistence rows, restore. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_internal.h"

struct srv_reg *srv_reg_find_ep(struct srv *s, const char *ep)
{
    struct srv_map_node *n = srv_map_find(&s->regs_by_ep, ep, strlen(ep));
    return n ? SRV_CONTAINER_OF(n, struct srv_reg, by_ep) : NULL;
}

struct srv_reg *srv_reg_find_id(struct srv *s, const char *id)
{
    struct srv_map_node *n = srv_map_find(&s->regs_by_id, id, strlen(id));
    return n ? SRV_CONTAINER_OF(n, struct srv_reg, by_id) : NULL;
}

void srv_reg_free(struct srv_reg *r)
{
    for (unsigned k = 0; k < r->c2c_n; k++)
        free(r->c2c[k]);
    free(r->c2c);
    free(r->links);
    free(r);
}

json_t *srv_reg_json(struct srv *s, const struct srv_reg *r)
{
    char addr[SL_POSIX_ADDR_STRLEN];
    srv_addr_str(&r->addr.addr, addr);
    json_t *c2c = json_array();
    for (unsigned k = 0; k < r->c2c_n; k++)
        json_array_append_new(c2c, json_string(r->c2c[k]));
    json_t *links = srv_links_to_json(r->links, r->links_len);
    struct srv_links parsed;
    char err[8];
    srv_links_parse(r->links, r->links_len, &parsed, err, sizeof err); /* root "/" on failure */
    json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:I,s:s,s:b,s:s,s:o,s:b,s:o,s:I}", "endpoint",
                          r->ep, "registrationId", r->id, "registrationDate",
                          (json_int_t)r->registered_ms, "lastUpdate", (json_int_t)r->updated_ms,
                          "address", addr, "lwM2mVersion", r->version, "lifetime",
                          (json_int_t)r->lifetime, "bindingMode", r->binding, "queueMode",
                          r->queue_mode, "rootPath", parsed.root, "objectLinks",
                          links ? links : json_array(), "secure",
                          r->addr.tp == SRV_TP_COAPS || srv_oscore_reg(s, r), "c2c", c2c,
                          "expirationTime",
                          (json_int_t)(r->updated_ms + (int64_t)r->lifetime * 1000));
    srv_links_free(&parsed);
    return j;
}

static void expiry_fired(struct srv_timer *t, sl_time_ms now)
{
    (void)now;
    struct srv_reg *r = SRV_CONTAINER_OF(t, struct srv_reg, expiry);
    struct srv *s = r->s;
    SRV_INFO(s, "registration of %s expired (lifetime %" PRIu32 " s)", r->ep, r->lifetime);
    srv_reg_remove(s, r, true, true);
}

void srv_reg_arm_expiry(struct srv *s, struct srv_reg *r)
{
    if (!r->expiry.fn)
        srv_timer_init(&r->expiry, expiry_fired);
    srv_timer_arm(&s->timers, &r->expiry, r->expires);
}

struct srv_store_op *srv_reg_op_upsert(struct srv *s, const struct srv_reg *r)
{
    (void)s;
    char addr[SRV_PEER_STRLEN];
    srv_peer_str(&r->addr, addr);
    json_t *c2c = json_array();
    for (unsigned k = 0; k < r->c2c_n; k++)
        json_array_append_new(c2c, json_string(r->c2c[k]));
    char *c2c_text = json_dumps(c2c, JSON_COMPACT);
    json_decref(c2c);
    struct srv_store_op *op = srv_store_op_new();
    /* a new registration of the endpoint replaces the old one and its observations */
    srv_store_op_sql(op, "DELETE FROM observations WHERE endpoint = ? AND registration <> ?");
    srv_store_op_text(op, r->ep);
    srv_store_op_text(op, r->id);
    srv_store_op_sql(op, "DELETE FROM registrations WHERE endpoint = ? AND id <> ?");
    srv_store_op_text(op, r->ep);
    srv_store_op_text(op, r->id);
    srv_store_op_sql(op,
                     "INSERT INTO registrations(id, endpoint, address, lifetime, version, binding, "
                     "queue_mode, secure, c2c, links, registered_ms, updated_ms, expires_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET address = excluded.address, "
                     "lifetime = excluded.lifetime, binding = excluded.binding, "
                     "queue_mode = excluded.queue_mode, links = excluded.links, "
                     "updated_ms = excluded.updated_ms, expires_ms = excluded.expires_ms");
    srv_store_op_text(op, r->id);
    srv_store_op_text(op, r->ep);
    srv_store_op_text(op, addr);
    srv_store_op_int(op, r->lifetime);
    srv_store_op_text(op, r->version);
    srv_store_op_text(op, r->binding);
    srv_store_op_int(op, r->queue_mode);
    srv_store_op_text(op, c2c_text ? c2c_text : "[]");
    srv_store_op_blob(op, r->links ? r->links : (const uint8_t *)"", r->links_len);
    srv_store_op_int(op, r->registered_ms);
    srv_store_op_int(op, r->updated_ms);
    srv_store_op_int(op, r->updated_ms + (int64_t)r->lifetime * 1000);
    free(c2c_text);
    return op;
}

static void removed_committed(void *arg, sl_err err, const char *msg)
{
    struct srv *s = arg;
    if (err != SL_OK)
        SRV_ERROR(s, "store: removing a registration: %s", msg);
}

void srv_reg_remove(struct srv *s, struct srv_reg *r, bool expired, bool persist)
{
    srv_timer_cancel(&s->timers, &r->expiry);
    srv_map_remove(&s->regs_by_ep, &r->by_ep);
    srv_map_remove(&s->regs_by_id, &r->by_id);
    s->nregs--;
    srv_reg_fail_requests(s, r, SL_ERR_NOT_FOUND);
    srv_obs_drop_all(s, r);
    if (persist) {
        struct srv_store_op *op = srv_store_op_new();
        srv_store_op_sql(op, "DELETE FROM observations WHERE registration = ?");
        srv_store_op_text(op, r->id);
        srv_store_op_sql(op, "DELETE FROM registrations WHERE id = ?");
        srv_store_op_text(op, r->id);
        srv_store_submit(s->store, op, removed_committed, s);
    }
    json_t *ev = srv_reg_json(s, r);
    if (ev)
        json_object_set_new(ev, "expired", json_boolean(expired));
    srv_event(s, "DEREGISTRATION", r->ep, ev);
    srv_reg_free(r);
}

/* ---- restore ---- */

struct restore_ctx {
    struct srv *s;
    int64_t now_epoch;
    unsigned restored, dropped;
};

static const char *col_text(sqlite3_stmt *row, int col)
{
    const unsigned char *t = sqlite3_column_text(row, col);
    return t ? (const char *)t : "";
}

static void drop_row(struct srv *s, const char *id)
{
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "DELETE FROM observations WHERE registration = ?");
    srv_store_op_text(op, id);
    srv_store_op_sql(op, "DELETE FROM registrations WHERE id = ?");
    srv_store_op_text(op, id);
    srv_store_submit(s->store, op, removed_committed, s);
}

static bool restore_row(void *arg, sqlite3_stmt *row)
{
    struct restore_ctx *c = arg;
    struct srv *s = c->s;
    const char *id = col_text(row, 0), *ep = col_text(row, 1), *addr = col_text(row, 2);
    int64_t expires_ms = sqlite3_column_int64(row, 11);
    int64_t left = expires_ms - c->now_epoch;
    struct srv_peer a;
    if (left <= 0 || strlen(id) >= sizeof((struct srv_reg *)0)->id || strlen(ep) > SRV_EP_MAX ||
        srv_peer_parse(addr, &a) != SL_OK || srv_reg_find_ep(s, ep)) {
        /* expired while the server was down (or unusable): gone */
        c->dropped++;
        drop_row(s, id);
        return true;
    }
    struct srv_reg *r = calloc(1, sizeof *r);
    if (!r)
        return false;
    r->s = s;
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->ep, sizeof r->ep, "%s", ep);
    r->addr = a;
    r->lifetime = (uint32_t)sqlite3_column_int64(row, 3);
    snprintf(r->version, sizeof r->version, "%s", col_text(row, 4));
    snprintf(r->binding, sizeof r->binding, "%s", col_text(row, 5));
    r->queue_mode = sqlite3_column_int(row, 6) != 0;
    json_t *c2c = json_loads(col_text(row, 7), 0, NULL);
    if (json_is_array(c2c) && json_array_size(c2c) > 0) {
        size_t n = json_array_size(c2c);
        if (n > SRV_MAX_C2C)
            n = SRV_MAX_C2C;
        r->c2c = calloc(n, sizeof *r->c2c);
        for (size_t k = 0; r->c2c && k < n; k++) {
            const char *u = json_string_value(json_array_get(c2c, k));
            if (u)
                r->c2c[r->c2c_n++] = strdup(u);
        }
    }
    json_decref(c2c);
    int n = sqlite3_column_bytes(row, 8);
    if (n > 0) {
        r->links = malloc((size_t)n);
        if (r->links) {
            memcpy(r->links, sqlite3_column_blob(row, 8), (size_t)n);
            r->links_len = (size_t)n;
        }
    }
    r->registered_ms = sqlite3_column_int64(row, 9);
    r->updated_ms = sqlite3_column_int64(row, 10);
    /* remaining lifetime, measured in wall-clock time across the restart */
    r->expires = srv_now(s) + (sl_time_ms)left;
    srv_map_insert(&s->regs_by_ep, &r->by_ep, r->ep, strlen(r->ep));
    srv_map_insert(&s->regs_by_id, &r->by_id, r->id, strlen(r->id));
    s->nregs++;
    srv_reg_arm_expiry(s, r);
    c->restored++;
    return true;
}

sl_err srv_registry_restore(struct srv *s)
{
    struct restore_ctx c = { s, sl_posix_epoch_ms(), 0, 0 };
    sl_err err = srv_store_query(s->store,
                                 "SELECT id, endpoint, address, lifetime, version, binding, "
                                 "queue_mode, c2c, links, registered_ms, updated_ms, expires_ms "
                                 "FROM registrations ORDER BY updated_ms DESC",
                                 NULL, 0, restore_row, &c);
    if (err == SL_OK)
        SRV_INFO(s, "restored %u registrations (%u expired while down)", c.restored, c.dropped);
    return err;
}
