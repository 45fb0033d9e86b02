/* Write (replace, partial update), Write-Composite, Create, Delete, Execute
 * and Write-Attributes.
 *
 * Every write runs in two passes over the payload: the first decodes and
 * checks every record (path, operation, access, type) without touching an
 * object; the second applies them inside a transaction (begin, writes,
 * validate, commit or rollback on every touched object). So a bad record
 * anywhere in the payload changes nothing.
 */
#include <string.h>

#include "codec/data.h"
#include "codec/value.h"
#include "dm/acl.h"
#include "dm/dm_internal.h"

/* Instances one Create or Bootstrap-Write may make. */
#define DM_MAX_CREATE_INSTANCES 4

struct dm_txn {
    struct sl_obj *objs[SL_MAX_TXN_OBJECTS];
    uint8_t count;
};

static sl_err txn_add(struct dm_txn *t, struct sl_obj *o)
{
    for (unsigned k = 0; k < t->count; k++)
        if (t->objs[k] == o)
            return SL_OK;
    if (t->count == SL_MAX_TXN_OBJECTS)
        return SL_ERR_TOO_LARGE;
    t->objs[t->count++] = o;
    return SL_OK;
}

/* The transaction steps over any list of objects: a write's (struct
 * dm_txn), or every object a Bootstrap-Delete of / touches. */
static sl_err objs_begin(struct sl_obj *const *objs, unsigned count)
{
    for (unsigned k = 0; k < count; k++) {
        struct sl_obj *o = objs[k];
        sl_err err = o->ops->begin ? o->ops->begin(o) : SL_OK;
        if (err != SL_OK) {
            while (k-- > 0)
                if (objs[k]->ops->rollback)
                    objs[k]->ops->rollback(objs[k]);
            return err;
        }
    }
    return SL_OK;
}

/* Ask every touched object whether its new state is consistent. */
static sl_err objs_validate(struct sl_obj *const *objs, unsigned count, sl_err status)
{
    for (unsigned k = 0; k < count && status == SL_OK; k++) {
        struct sl_obj *o = objs[k];
        if (o->ops->validate)
            status = o->ops->validate(o);
    }
    return status;
}

/* Commit everything, or roll everything back; returns the outcome. */
static sl_err objs_finish(struct sl_obj *const *objs, unsigned count, sl_err status)
{
    for (unsigned k = 0; k < count; k++) {
        struct sl_obj *o = objs[k];
        if (status == SL_OK) {
            if (o->ops->commit)
                o->ops->commit(o);
        } else if (o->ops->rollback) {
            o->ops->rollback(o);
        }
    }
    return status;
}

static sl_err txn_begin(struct dm_txn *t)
{
    return objs_begin(t->objs, t->count);
}

static sl_err txn_validate(struct dm_txn *t, sl_err status)
{
    return objs_validate(t->objs, t->count, status);
}

static sl_err txn_finish(struct dm_txn *t, sl_err status)
{
    return objs_finish(t->objs, t->count, status);
}

static sl_err txn_end(struct dm_txn *t, sl_err status)
{
    return txn_finish(t, txn_validate(t, status));
}

/* What the two passes over a write's payload share. */
struct dm_pass {
    struct sl_dm *dm;
    const struct sl_dm_req *req;
    const struct sl_path *base;
    struct sl_wbuf *scratch; /* base64 text for an Opaque resource decodes here */
    struct dm_txn txn;       /* the objects the records touch */
    uint16_t new_iid;        /* Create: the instance of records that name none */
    bool creating;           /* writing into instances being created */
    bool bootstrap;          /* Bootstrap-Write: instances may not exist yet */
};

static sl_err apply_record(struct sl_obj *o, const struct sl_res_def *rd, const struct sl_record *r,
                           const struct sl_value *v)
{
    if (v->type == SL_TYPE_NONE)
        return o->ops->res_clear ? o->ops->res_clear(o, r->path.id[1], rd->id) : SL_OK;
    if (!o->ops->write)
        return SL_ERR_UNSUPPORTED;
    uint16_t riid = r->path.len == 4 ? r->path.id[3] : SL_ID_NONE;
    return o->ops->write(o, r->path.id[1], rd->id, riid, v);
}

/* Decode the payload from the start and check (pass one, `apply` false) or
 * apply every record. Pass one checks path, operation, access and type,
 * converts the value to the resource's type, and asks the object's check op
 * about its own limits; it fills ps->txn. Text carries one value, so one
 * scratch buffer is enough for base64. */
static uint8_t run_records(struct dm_pass *ps, bool apply)
{
    const struct sl_actor *who = &ps->req->actor;
    bool creating = ps->creating;
    /* a Bootstrap-Write creates what its records name (and, being the
     * bootstrap server's, passes access control anyway; only a build with
     * the bootstrap interface makes one) */
    bool may_be_new = creating || (SL_CONFIG_BOOTSTRAP && ps->bootstrap);
    bool privileged = who->kind == SL_ACTOR_BOOTSTRAP || who->kind == SL_ACTOR_LOCAL;
    struct sl_data_dec dec;
    if (sl_data_dec_init(&dec, ps->req->format, ps->base, ps->req->payload,
                         ps->req->payload_len) != SL_OK)
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    struct sl_record r;
    sl_err err;
    while ((err = sl_data_dec_next(&dec, &r)) == SL_OK) {
        const struct sl_path *p = &r.path;
        if (!sl_path_within(p, ps->base) && !(creating && p->len >= 3))
            return SL_COAP_BAD_REQUEST;
        if (creating && r.path.id[1] == SL_ID_NONE)
            r.path.id[1] = ps->new_iid;
        if (p->len < 3)
            return SL_COAP_BAD_REQUEST;
        struct sl_obj *o = sl_dm_find(ps->dm, p->id[0]);
        if (!o || (!may_be_new && !sl_obj_has_instance(o, p->id[1])))
            return SL_COAP_NOT_FOUND;
        const struct sl_res_def *rd = sl_obj_res(o->def, p->id[2]);
        if (!rd)
            return SL_COAP_NOT_FOUND;
        /* Create may set read-only resources of the new instance */
        if ((rd->flags & SL_RES_E) || (!(rd->flags & SL_RES_W) && !creating && !privileged))
            return SL_COAP_METHOD_NOT_ALLOWED;
        if (!may_be_new && !sl_acl_allows(ps->dm, who, o->def->oid, p->id[1], SL_ACL_WRITE))
            return SL_COAP_UNAUTHORIZED;
        bool multi = (rd->flags & SL_RES_MULTI) != 0;
        struct sl_value v;
        if (p->len == 4 && !multi)
            return SL_COAP_BAD_REQUEST;
        if (p->len == 3 && multi) {
            /* only "this multiple resource is empty" fits here */
            if (r.value.type != SL_TYPE_NONE)
                return SL_COAP_BAD_REQUEST;
            v.type = SL_TYPE_NONE;
        } else if (sl_value_convert_buf(&r.value, rd->type, &v, ps->scratch->buf,
                                        ps->scratch->cap) != SL_OK) {
            return SL_COAP_BAD_REQUEST;
        }
        if (!apply) {
            /* the object's own limits, before anything is written (only
             * here: the second pass sees the state its own writes made) */
            err = SL_OK;
            if (v.type != SL_TYPE_NONE && o->ops->check)
                err = o->ops->check(o, p->id[1], rd->id, p->len == 4 ? p->id[3] : SL_ID_NONE, &v);
            if (err == SL_OK && txn_add(&ps->txn, o) != SL_OK)
                return SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        } else {
            err = apply_record(o, rd, &r, &v);
        }
        /* (the loop condition reads the next record into err again) */
        if (err != SL_OK)
            return sl_dm_err_to_coap(err);
    }
    if (err != SL_ERR_END)
        return err == SL_ERR_FORMAT ? SL_COAP_UNSUPPORTED_CONTENT_FORMAT : SL_COAP_BAD_REQUEST;
    return 0;
}

static void notify_changed(struct sl_dm *dm, const struct sl_path *p)
{
    if (dm->hooks.changed)
        dm->hooks.changed(dm->hooks.changed_ctx, p);
}

/* Clear what a replacing write replaces: the multiple resource itself, or
 * every writable optional or multiple resource of the instance. */
static sl_err clear_for_replace(struct sl_obj *o, const struct sl_path *p)
{
    if (!o->ops->res_clear)
        return SL_OK;
    uint16_t iid = p->id[1];
    if (p->len == 3) {
        const struct sl_res_def *rd = sl_obj_res(o->def, p->id[2]);
        return (rd && (rd->flags & SL_RES_MULTI)) ? o->ops->res_clear(o, iid, rd->id) : SL_OK;
    }
    for (uint16_t k = 0; k < o->def->res_count; k++) {
        const struct sl_res_def *rd = &o->def->res[k];
        if (!(rd->flags & SL_RES_W) || (rd->flags & SL_RES_E))
            continue;
        if ((rd->flags & SL_RES_MULTI) || !(rd->flags & SL_RES_MANDATORY)) {
            sl_err err = o->ops->res_clear(o, iid, rd->id);
            if (err != SL_OK && err != SL_ERR_NOT_FOUND)
                return err;
        }
    }
    return SL_OK;
}

static uint8_t check_payload_format(const struct sl_dm_req *req)
{
    if (req->payload_len == 0)
        return SL_COAP_BAD_REQUEST;
    if (req->format == SL_FMT_NONE || !sl_data_format_supported(req->format))
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    return 0;
}

#if SL_CONFIG_BOOTSTRAP
static uint8_t dm_bootstrap_write(struct sl_dm *dm, const struct sl_dm_req *req,
                                  struct sl_wbuf *scratch);
#endif

uint8_t dm_write(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_wbuf *scratch)
{
    const struct sl_path *p = &req->path;
#if SL_CONFIG_BOOTSTRAP
    /* the bootstrap server's PUT is a Bootstrap-Write wherever it points;
     * the application may write a whole object the same way */
    if (req->op == SL_OP_WRITE_REPLACE &&
        (req->actor.kind == SL_ACTOR_BOOTSTRAP ||
         (req->actor.kind == SL_ACTOR_LOCAL && p->len == 1)))
        return dm_bootstrap_write(dm, req, scratch);
#endif
    if (p->len < 2)
        return SL_COAP_METHOD_NOT_ALLOWED; /* PUT /o is Bootstrap-Write only */
    struct sl_obj *o;
    const struct sl_res_def *rd;
    /* a Write may give an optional resource (or resource instance) its first value */
    uint8_t code = dm_resolve_for(dm, p, false, &o, &rd);
    if (code)
        return code;
    if (rd && (!(rd->flags & SL_RES_W) || (rd->flags & SL_RES_E)) &&
        req->actor.kind != SL_ACTOR_BOOTSTRAP && req->actor.kind != SL_ACTOR_LOCAL)
        return SL_COAP_METHOD_NOT_ALLOWED;
    if (!sl_acl_allows(dm, &req->actor, p->id[0], p->id[1], SL_ACL_WRITE))
        return SL_COAP_UNAUTHORIZED;
    code = check_payload_format(req);
    if (code)
        return code;

    struct dm_pass ps = { .dm = dm, .req = req, .base = p, .scratch = scratch };
    code = run_records(&ps, false);
    if (code)
        return code;
    if (txn_add(&ps.txn, o) != SL_OK)
        return SL_COAP_INTERNAL_SERVER_ERROR;
    if (txn_begin(&ps.txn) != SL_OK)
        return SL_COAP_SERVICE_UNAVAILABLE;
    sl_err status = SL_OK;
    if (req->op == SL_OP_WRITE_REPLACE)
        status = clear_for_replace(o, p);
    if (status == SL_OK) {
        code = run_records(&ps, true);
        if (code)
            status = SL_ERR_INVALID;
    }
    status = txn_end(&ps.txn, status);
    if (status != SL_OK)
        return code ? code : sl_dm_err_to_coap(status);
    notify_changed(dm, p);
    return SL_COAP_CHANGED;
}

#if SL_CONFIG_COMPOSITE
uint8_t dm_write_composite(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_wbuf *scratch)
{
    if (req->payload_len == 0)
        return SL_COAP_BAD_REQUEST;
    if (!sl_data_format_is_composite(req->format))
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    struct dm_pass ps = { .dm = dm, .req = req, .base = &root, .scratch = scratch };
    uint8_t code = run_records(&ps, false);
    if (code)
        return code;
    if (ps.txn.count == 0)
        return SL_COAP_BAD_REQUEST;
    if (txn_begin(&ps.txn) != SL_OK)
        return SL_COAP_SERVICE_UNAVAILABLE;
    code = run_records(&ps, true);
    sl_err status = txn_end(&ps.txn, code ? SL_ERR_INVALID : SL_OK);
    if (status != SL_OK)
        return code ? code : sl_dm_err_to_coap(status);
    for (unsigned k = 0; k < ps.txn.count; k++) {
        struct sl_path op = sl_path_make(1, ps.txn.objs[k]->def->oid, 0, 0, 0);
        notify_changed(dm, &op);
    }
    return SL_COAP_CHANGED;
}
#endif

/* Instance IDs a Create payload names (SL_ID_NONE: "choose one"). */
static uint8_t create_instances(const struct sl_dm_req *req, uint16_t *iids, unsigned *count)
{
    struct sl_data_dec dec;
    *count = 0;
    if (req->payload_len == 0) {
        iids[(*count)++] = SL_ID_NONE; /* an empty instance */
        return 0;
    }
    if (sl_data_dec_init(&dec, req->format, &req->path, req->payload, req->payload_len) != SL_OK)
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    struct sl_record r;
    sl_err err;
    while ((err = sl_data_dec_next(&dec, &r)) == SL_OK) {
        if (r.path.len < 3 || r.path.id[0] != req->path.id[0])
            return SL_COAP_BAD_REQUEST;
        bool seen = false;
        for (unsigned k = 0; k < *count; k++)
            seen |= iids[k] == r.path.id[1];
        if (seen)
            continue;
        if (*count == DM_MAX_CREATE_INSTANCES)
            return SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        iids[(*count)++] = r.path.id[1];
    }
    if (err != SL_ERR_END)
        return SL_COAP_BAD_REQUEST;
    if (*count == 0)
        iids[(*count)++] = SL_ID_NONE;
    return 0;
}

static uint16_t free_instance_id(const struct sl_obj *o, const uint16_t *taken, unsigned n)
{
    for (uint32_t id = 0; id <= SL_ID_MAX; id++) {
        bool used = sl_obj_has_instance(o, (uint16_t)id);
        for (unsigned k = 0; k < n && !used; k++)
            used = taken[k] == id;
        if (!used)
            return (uint16_t)id;
    }
    return SL_ID_NONE;
}

static bool mandatory_present(const struct sl_obj *o, uint16_t iid)
{
    for (uint16_t k = 0; k < o->def->res_count; k++) {
        const struct sl_res_def *rd = &o->def->res[k];
        if ((rd->flags & SL_RES_MANDATORY) && !(rd->flags & SL_RES_E) &&
            !dm_res_present(o, iid, rd))
            return false;
    }
    return true;
}

/* The end of a write that made instances (Create, Bootstrap-Write): ask
 * the objects, undo by hand what an object without transactions cannot
 * roll back, commit or roll back everything, and tell the hooks of each
 * instance made. 0 when it was committed, else the code to answer. */
static uint8_t end_creating_write(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_obj *o,
                                  struct dm_txn *txn, sl_err status, uint8_t code,
                                  const uint16_t *iids, unsigned count, unsigned made)
{
    status = txn_validate(txn, status);
    if (status != SL_OK && !o->ops->rollback && o->ops->remove) {
        /* no transaction support: undo the creation by hand */
        for (unsigned k = 0; k < made; k++)
            o->ops->remove(o, iids[k]);
    }
    status = txn_finish(txn, status);
    if (status != SL_OK)
        return code ? code : sl_dm_err_to_coap(status);
    for (unsigned k = 0; k < count; k++)
        if (dm->hooks.created)
            dm->hooks.created(dm->hooks.ctx, &req->actor, o->def->oid, iids[k]);
    return 0;
}

uint8_t dm_create(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_dm_resp *resp,
                  struct sl_wbuf *scratch)
{
    struct sl_obj *o;
    const struct sl_res_def *rd;
    uint8_t code = dm_resolve(dm, &req->path, &o, &rd);
    if (code)
        return code;
    if (!o->ops->create)
        return SL_COAP_METHOD_NOT_ALLOWED;
    if (!sl_acl_allows(dm, &req->actor, o->def->oid, SL_ID_NONE, SL_ACL_CREATE))
        return SL_COAP_UNAUTHORIZED;
    if (req->payload_len > 0 && (code = check_payload_format(req)) != 0)
        return code;

    uint16_t iids[DM_MAX_CREATE_INSTANCES];
    unsigned count;
    code = create_instances(req, iids, &count);
    if (code)
        return code;
    uint16_t chosen = SL_ID_NONE;
    for (unsigned k = 0; k < count; k++) {
        if (iids[k] == SL_ID_NONE) {
            chosen = free_instance_id(o, iids, count);
            if (chosen == SL_ID_NONE)
                return SL_COAP_INTERNAL_SERVER_ERROR;
            iids[k] = chosen;
        } else if (sl_obj_has_instance(o, iids[k])) {
            return SL_COAP_BAD_REQUEST; /* the instance exists already */
        }
    }
    /* a single-instance object: one new instance, and only into an empty
     * object (count is at least 1) */
    uint16_t first;
    if (!(o->def->flags & SL_OBJ_MULTI) && (count > 1 || o->ops->inst_next(o, -1, &first) == SL_OK))
        return SL_COAP_BAD_REQUEST;

    struct dm_pass ps = { .dm = dm, .req = req, .base = &req->path, .scratch = scratch,
                          .new_iid = chosen, .creating = true };
    if (req->payload_len > 0) {
        code = run_records(&ps, false);
        if (code)
            return code;
    }
    if (txn_add(&ps.txn, o) != SL_OK || ps.txn.count != 1)
        return SL_COAP_BAD_REQUEST; /* records of another object */
    if (txn_begin(&ps.txn) != SL_OK)
        return SL_COAP_SERVICE_UNAVAILABLE;
    sl_err status = SL_OK;
    unsigned made = 0;
    for (; made < count && status == SL_OK; made++)
        status = o->ops->create(o, iids[made]);
    if (status != SL_OK)
        made--;
    if (status == SL_OK && req->payload_len > 0) {
        code = run_records(&ps, true);
        if (code)
            status = SL_ERR_INVALID;
    }
    for (unsigned k = 0; k < count && status == SL_OK; k++)
        if (!mandatory_present(o, iids[k]))
            status = SL_ERR_INVALID;
    code = end_creating_write(dm, req, o, &ps.txn, status, code, iids, count, made);
    if (code)
        return code;
    notify_changed(dm, &req->path);
    if (count == 1) {
        resp->has_location = true;
        resp->location = sl_path_make(2, o->def->oid, iids[0], 0, 0);
    }
    return SL_COAP_CREATED;
}

#if SL_CONFIG_BOOTSTRAP
static uint8_t dm_bootstrap_delete(struct sl_dm *dm, const struct sl_dm_req *req);
#endif

uint8_t dm_delete(struct sl_dm *dm, const struct sl_dm_req *req)
{
    const struct sl_path *p = &req->path;
#if SL_CONFIG_BOOTSTRAP
    if (req->actor.kind == SL_ACTOR_BOOTSTRAP)
        return dm_bootstrap_delete(dm, req);
#endif
    if (p->len != 2)
        return SL_COAP_METHOD_NOT_ALLOWED; /* DELETE / and /o are Bootstrap-Delete only */
    struct sl_obj *o;
    const struct sl_res_def *rd;
    uint8_t code = dm_resolve(dm, p, &o, &rd);
    if (code)
        return code;
    if (!o->ops->remove)
        return SL_COAP_METHOD_NOT_ALLOWED;
    if (!sl_acl_allows(dm, &req->actor, p->id[0], p->id[1], SL_ACL_DELETE))
        return SL_COAP_UNAUTHORIZED;
    sl_err err = o->ops->remove(o, p->id[1]);
    if (err != SL_OK)
        return sl_dm_err_to_coap(err);
#if SL_CONFIG_OBSERVE_ATTRS
    sl_attr_store_forget_path(&dm->attrs, p);
#endif
    if (dm->hooks.deleted)
        dm->hooks.deleted(dm->hooks.ctx, &req->actor, p->id[0], p->id[1]);
    struct sl_path op = sl_path_make(1, p->id[0], 0, 0, 0);
    notify_changed(dm, &op);
    return SL_COAP_DELETED;
}

/* LwM2M 1.1 5.4.5 Execute arguments: arg *( "," arg ), arg = digit
 * [ "=" "'" *char "'" ]. An empty payload is no arguments. */
static bool execute_args_valid(const uint8_t *p, size_t len)
{
    size_t k = 0;
    while (k < len) {
        if (p[k] < '0' || p[k] > '9')
            return false;
        k++;
        if (k < len && p[k] == '=') {
            if (++k >= len || p[k] != '\'')
                return false;
            k++;
            while (k < len && p[k] != '\'')
                k++;
            if (k >= len)
                return false;
            k++;
        }
        if (k == len)
            return true;
        if (p[k] != ',' || ++k == len)
            return false;
    }
    return true;
}

uint8_t dm_execute(struct sl_dm *dm, const struct sl_dm_req *req)
{
    const struct sl_path *p = &req->path;
    if (p->len != 3)
        return SL_COAP_METHOD_NOT_ALLOWED;
    struct sl_obj *o;
    const struct sl_res_def *rd;
    uint8_t code = dm_resolve(dm, p, &o, &rd);
    if (code)
        return code;
    if (!(rd->flags & SL_RES_E) || !o->ops->execute)
        return SL_COAP_METHOD_NOT_ALLOWED;
    if (!sl_acl_allows(dm, &req->actor, p->id[0], p->id[1], SL_ACL_EXECUTE))
        return SL_COAP_UNAUTHORIZED;
    if (!execute_args_valid(req->payload, req->payload_len))
        return SL_COAP_BAD_REQUEST;
    sl_err err = o->ops->execute(o, p->id[1], p->id[2], req->payload, req->payload_len);
    return err == SL_OK ? SL_COAP_CHANGED : sl_dm_err_to_coap(err);
}

#if SL_CONFIG_OBSERVE_ATTRS
uint8_t dm_write_attrs(struct sl_dm *dm, const struct sl_dm_req *req)
{
    const struct sl_path *p = &req->path;
    struct sl_obj *o;
    const struct sl_res_def *rd;
    uint8_t code = dm_resolve(dm, p, &o, &rd);
    if (code)
        return code;
    if (p->len >= 2 && !sl_acl_allows(dm, &req->actor, p->id[0], p->id[1], SL_ACL_READ))
        return SL_COAP_UNAUTHORIZED;
    struct sl_attrs set;
    uint8_t clear;
    if (sl_attrs_parse_query(req->msg, &set, &clear) != SL_OK)
        return SL_COAP_BAD_REQUEST;
    if (set.set & SL_ATTR_NUMERIC) {
        /* gt/lt/st only make sense on one numeric value */
        if (p->len < 3 || ((rd->flags & SL_RES_MULTI) && p->len == 3))
            return SL_COAP_BAD_REQUEST;
        if (rd->type != SL_TYPE_INT && rd->type != SL_TYPE_UINT &&
            (!SL_CONFIG_FLOAT || rd->type != SL_TYPE_FLOAT))
            return SL_COAP_BAD_REQUEST;
    }
    /* check the combination that would result, before storing it */
    struct sl_attrs merged;
    const struct sl_attrs *cur = sl_attr_store_get(&dm->attrs, &req->actor, p);
    memset(&merged, 0, sizeof merged);
    if (cur)
        merged = *cur;
    merged.set &= (uint8_t)~clear;
    sl_attrs_merge(&merged, &set);
    if (!sl_attrs_consistent(&merged))
        return SL_COAP_BAD_REQUEST;
    if (sl_attr_store_apply(&dm->attrs, &req->actor, p, &set, clear) != SL_OK)
        return SL_COAP_SERVICE_UNAVAILABLE; /* attribute store full */
    return SL_COAP_CHANGED;
}
#endif

#if SL_CONFIG_BOOTSTRAP
/* ---- Bootstrap-Write and Bootstrap-Delete (LwM2M 1.1 Core 5.2.7) ---- */

static unsigned instance_count(const struct sl_obj *o)
{
    unsigned n = 0;
    int32_t after = -1;
    uint16_t iid;
    while (o->ops->inst_next(o, after, &iid) == SL_OK) {
        after = iid;
        n++;
    }
    return n;
}

/* The instances a Bootstrap-Write's records name that do not exist yet,
 * at most `DM_MAX_CREATE_INSTANCES`: the write creates them. Runs after
 * the first pass, so every record lies within the request's path. */
static uint8_t bootstrap_new_instances(const struct sl_obj *o, const struct sl_dm_req *req,
                                       uint16_t *iids, unsigned *count)
{
    struct sl_data_dec dec;
    *count = 0;
    if (sl_data_dec_init(&dec, req->format, &req->path, req->payload, req->payload_len) != SL_OK)
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    struct sl_record r;
    sl_err err;
    while ((err = sl_data_dec_next(&dec, &r)) == SL_OK) {
        /* a value for a resource of no instance in particular has no home */
        if (r.path.len < 3 || r.path.id[1] == SL_ID_NONE)
            return SL_COAP_BAD_REQUEST;
        bool known = sl_obj_has_instance(o, r.path.id[1]);
        for (unsigned k = 0; k < *count && !known; k++)
            known = iids[k] == r.path.id[1];
        if (known)
            continue;
        if (*count == DM_MAX_CREATE_INSTANCES)
            return SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        iids[(*count)++] = r.path.id[1];
    }
    if (err != SL_ERR_END)
        return err == SL_ERR_FORMAT ? SL_COAP_UNSUPPORTED_CONTENT_FORMAT : SL_COAP_BAD_REQUEST;
    return 0;
}

/* Bootstrap-Write (PUT /O, /O/I, /O/I/R, /O/I/R/RI): the values of the
 * payload are written whether or not their instances exist, which are then
 * created (Core 5.2.7.4); read-only resources are written too. Resources of
 * an existing instance that the payload does not name keep their values (a
 * bootstrap server that wants a clean instance deletes it first); a
 * multiple resource named as a whole gets exactly the instances given.
 * Mandatory resources are not demanded here: the bootstrap server may
 * write an instance piece by piece, and Bootstrap-Finish judges the result.
 * All or nothing, like Create. */
static uint8_t dm_bootstrap_write(struct sl_dm *dm, const struct sl_dm_req *req,
                                  struct sl_wbuf *scratch)
{
    const struct sl_path *p = &req->path;
    if (p->len == 0)
        return SL_COAP_METHOD_NOT_ALLOWED;
    struct sl_obj *o = sl_dm_find(dm, p->id[0]);
    if (!o)
        return SL_COAP_NOT_FOUND;
    if (p->len >= 3) {
        const struct sl_res_def *rd = sl_obj_res(o->def, p->id[2]);
        if (!rd || (p->len == 4 && !(rd->flags & SL_RES_MULTI)))
            return SL_COAP_NOT_FOUND;
        if (rd->flags & SL_RES_E)
            return SL_COAP_METHOD_NOT_ALLOWED;
    }
    uint8_t code = check_payload_format(req);
    if (code)
        return code;

    struct dm_pass ps = { .dm = dm, .req = req, .base = p, .scratch = scratch, .bootstrap = true };
    code = run_records(&ps, false);
    if (code)
        return code;
    uint16_t iids[DM_MAX_CREATE_INSTANCES];
    unsigned count;
    code = bootstrap_new_instances(o, req, iids, &count);
    if (code)
        return code;
    if (count > 0 && !o->ops->create)
        return SL_COAP_METHOD_NOT_ALLOWED;
    if (count > 0 && !(o->def->flags & SL_OBJ_MULTI) && instance_count(o) + count > 1)
        return SL_COAP_BAD_REQUEST; /* a single-instance object */
    if (txn_add(&ps.txn, o) != SL_OK)
        return SL_COAP_INTERNAL_SERVER_ERROR;
    if (txn_begin(&ps.txn) != SL_OK)
        return SL_COAP_SERVICE_UNAVAILABLE;
    sl_err status = SL_OK;
    unsigned made = 0;
    while (made < count && status == SL_OK) {
        status = o->ops->create(o, iids[made]);
        if (status == SL_OK)
            made++;
    }
    if (status == SL_OK && p->len == 3)
        status = clear_for_replace(o, p);
    if (status == SL_OK) {
        code = run_records(&ps, true);
        if (code)
            status = SL_ERR_INVALID;
    }
    code = end_creating_write(dm, req, o, &ps.txn, status, code, iids, count, made);
    if (code)
        return code;
    notify_changed(dm, p);
    return SL_COAP_CHANGED;
}

static bool is_bootstrap_account(const struct sl_obj *sec, uint16_t iid)
{
    struct sl_value v;
    return dm_read_single(sec, iid, DM_SEC_BOOTSTRAP, SL_TYPE_BOOL, &v) && v.v.b;
}

/* Whether OSCORE instance iid secures the bootstrap server's account: it
 * goes with that account. */
static bool is_bootstrap_oscore(const struct sl_dm *dm, uint16_t iid)
{
    const struct sl_obj *sec = sl_dm_find(dm, SL_OID_SECURITY);
    int32_t after = -1;
    uint16_t sec_iid;
    struct sl_value v;
    while (sec && sec->ops->inst_next(sec, after, &sec_iid) == SL_OK) {
        after = sec_iid;
        if (is_bootstrap_account(sec, sec_iid) &&
            dm_read_single(sec, sec_iid, DM_SEC_OSCORE, SL_TYPE_OBJLNK, &v) &&
            v.v.objlnk.oid == SL_OID_OSCORE && v.v.objlnk.iid == iid)
            return true;
    }
    return false;
}

/* What Bootstrap-Delete leaves alone (Core 5.2.7.5): the bootstrap
 * server's account (its Security instance and the OSCORE instance that
 * secures it) and the Device object's instance. */
static bool bootstrap_keeps(const struct sl_dm *dm, const struct sl_obj *o, uint16_t iid)
{
    switch (o->def->oid) {
    case SL_OID_DEVICE: return true;
    case SL_OID_SECURITY: return is_bootstrap_account(o, iid);
    case SL_OID_OSCORE: return is_bootstrap_oscore(dm, iid);
    default: return false;
    }
}

struct dm_victim {
    uint8_t obj; /* index in dm->objs */
    uint16_t iid;
};

/* Bootstrap-Delete (DELETE /, /O, /O/I): every instance under the path but
 * those bootstrap_keeps(). Naming a kept instance is a bad request; a named
 * instance that does not exist is already deleted. On / an object without
 * Delete support (instances the application fixes) is skipped; on /O it
 * refuses the request. All or nothing: every touched object is in one
 * transaction, objects that can roll back lose their instances first, and
 * the deletion hooks run once everything is committed. */
static uint8_t dm_bootstrap_delete(struct sl_dm *dm, const struct sl_dm_req *req)
{
    const struct sl_path *p = &req->path;
    if (p->len > 2)
        return SL_COAP_METHOD_NOT_ALLOWED;
    unsigned first = 0, end = dm->count;
    if (p->len >= 1) {
        while (first < dm->count && dm->objs[first]->def->oid != p->id[0])
            first++;
        if (first == dm->count)
            return SL_COAP_NOT_FOUND;
        end = first + 1;
    }
    struct dm_victim victims[SL_MAX_BOOTSTRAP_DELETE];
    struct sl_obj *touched[SL_MAX_OBJECTS];
    unsigned count = 0, ntouched = 0;
    if (p->len == 2) {
        struct sl_obj *o = dm->objs[first];
        if (!sl_obj_has_instance(o, p->id[1]))
            return SL_COAP_DELETED;
        if (bootstrap_keeps(dm, o, p->id[1]))
            return SL_COAP_BAD_REQUEST;
        if (!o->ops->remove)
            return SL_COAP_METHOD_NOT_ALLOWED;
        victims[count++] = (struct dm_victim){ (uint8_t)first, p->id[1] };
        touched[ntouched++] = o;
    }
    for (unsigned k = first; k < end && p->len < 2; k++) {
        struct sl_obj *o = dm->objs[k];
        unsigned before = count;
        int32_t after = -1;
        uint16_t iid;
        while (o->ops->inst_next(o, after, &iid) == SL_OK) {
            after = iid;
            if (bootstrap_keeps(dm, o, iid))
                continue;
            if (!o->ops->remove) {
                if (p->len == 1)
                    return SL_COAP_METHOD_NOT_ALLOWED;
                break;
            }
            if (count == SL_MAX_BOOTSTRAP_DELETE)
                return SL_COAP_INTERNAL_SERVER_ERROR;
            victims[count++] = (struct dm_victim){ (uint8_t)k, iid };
        }
        if (count > before)
            touched[ntouched++] = o;
    }

    if (objs_begin(touched, ntouched) != SL_OK)
        return SL_COAP_SERVICE_UNAVAILABLE;
    sl_err status = SL_OK;
    /* pass 0: objects that can roll back; pass 1: the rest, whose removals
     * cannot be undone, last so that nothing fails after them */
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned k = 0; k < count && status == SL_OK; k++) {
            struct sl_obj *o = dm->objs[victims[k].obj];
            if ((o->ops->rollback != NULL) == (pass == 0))
                status = o->ops->remove(o, victims[k].iid);
        }
    }
    status = objs_finish(touched, ntouched, objs_validate(touched, ntouched, status));
    if (status != SL_OK)
        return sl_dm_err_to_coap(status);

    for (unsigned k = 0; k < count; k++) {
        uint16_t oid = dm->objs[victims[k].obj]->def->oid;
#if SL_CONFIG_OBSERVE_ATTRS
        struct sl_path ip = sl_path_make(2, oid, victims[k].iid, 0, 0);
        sl_attr_store_forget_path(&dm->attrs, &ip);
#endif
        if (dm->hooks.deleted)
            dm->hooks.deleted(dm->hooks.ctx, &req->actor, oid, victims[k].iid);
    }
    for (unsigned k = 0; k < ntouched; k++) {
        struct sl_path op = sl_path_make(1, touched[k]->def->oid, 0, 0, 0);
        notify_changed(dm, &op);
    }
    return SL_COAP_DELETED;
}
#endif
