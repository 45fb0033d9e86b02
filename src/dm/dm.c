/* Object registry, CoAP-to-operation mapping and operation dispatch. */
#include "dm/dm.h"

#include <string.h>

#include "codec/data.h"
#include "codec/decimal.h"
#include "codec/link.h"
#include "codec/value.h"
#include "dm/acl.h"
#include "dm/dm_internal.h"

void sl_dm_init(struct sl_dm *dm)
{
    memset(dm, 0, sizeof *dm);
}

static bool def_is_valid(const struct sl_obj *o)
{
    if (!o || !o->def || !o->ops || !o->ops->inst_next || o->def->oid > SL_ID_MAX)
        return false;
    bool multi = false;
    for (uint16_t k = 0; k < o->def->res_count; k++) {
        const struct sl_res_def *r = &o->def->res[k];
        if (r->id > SL_ID_MAX || (k > 0 && r->id <= o->def->res[k - 1].id))
            return false; /* sorted, unique: lookups and output order rely on it */
        multi |= (r->flags & SL_RES_MULTI) != 0;
    }
    return !multi || o->ops->res_inst_next;
}

sl_err sl_dm_add(struct sl_dm *dm, struct sl_obj *o)
{
    if (!def_is_valid(o))
        return SL_ERR_INVALID;
    if (sl_dm_find(dm, o->def->oid))
        return SL_ERR_CONFLICT;
    if (dm->count >= SL_MAX_OBJECTS)
        return SL_ERR_NOMEM;
    unsigned pos = dm->count;
    while (pos > 0 && dm->objs[pos - 1]->def->oid > o->def->oid) {
        dm->objs[pos] = dm->objs[pos - 1];
        pos--;
    }
    dm->objs[pos] = o;
    dm->count++;
    return SL_OK;
}

struct sl_obj *sl_dm_find(const struct sl_dm *dm, uint16_t oid)
{
    for (unsigned k = 0; k < dm->count; k++)
        if (dm->objs[k]->def->oid == oid)
            return dm->objs[k];
    return NULL;
}

const struct sl_res_def *sl_obj_res(const struct sl_obj_def *def, uint16_t rid)
{
    for (uint16_t k = 0; k < def->res_count; k++)
        if (def->res[k].id == rid)
            return &def->res[k];
    return NULL;
}

bool sl_obj_has_instance(const struct sl_obj *o, uint16_t iid)
{
    uint16_t found;
    /* the first instance after iid - 1 (after -1: the first of all) */
    return o->ops->inst_next(o, (int32_t)iid - 1, &found) == SL_OK && found == iid;
}

bool dm_res_present(const struct sl_obj *o, uint16_t iid, const struct sl_res_def *rd)
{
    return !o->ops->res_present || o->ops->res_present(o, iid, rd->id);
}

bool dm_res_inst_exists(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid)
{
    uint16_t found;
    return o->ops->res_inst_next &&
           o->ops->res_inst_next(o, iid, rid, (int32_t)riid - 1, &found) == SL_OK && found == riid;
}

uint8_t dm_resolve(const struct sl_dm *dm, const struct sl_path *path, struct sl_obj **obj,
                   const struct sl_res_def **res)
{
    return dm_resolve_for(dm, path, true, obj, res);
}

uint8_t dm_resolve_for(const struct sl_dm *dm, const struct sl_path *path, bool must_be_present,
                       struct sl_obj **obj, const struct sl_res_def **res)
{
    *obj = NULL;
    *res = NULL;
    if (path->len == 0)
        return SL_COAP_METHOD_NOT_ALLOWED;
    struct sl_obj *o = sl_dm_find(dm, path->id[0]);
    if (!o)
        return SL_COAP_NOT_FOUND;
    *obj = o;
    if (path->len >= 2 && !sl_obj_has_instance(o, path->id[1]))
        return SL_COAP_NOT_FOUND;
    if (path->len >= 3) {
        const struct sl_res_def *rd = sl_obj_res(o->def, path->id[2]);
        if (!rd || (must_be_present && !dm_res_present(o, path->id[1], rd)))
            return SL_COAP_NOT_FOUND;
        *res = rd;
        if (path->len == 4 && (!(rd->flags & SL_RES_MULTI) ||
                               (must_be_present &&
                                !dm_res_inst_exists(o, path->id[1], rd->id, path->id[3]))))
            return SL_COAP_NOT_FOUND;
    }
    return 0;
}

bool sl_dm_path_exists(const struct sl_dm *dm, const struct sl_path *path)
{
    struct sl_obj *o;
    const struct sl_res_def *rd;
    return path->len > 0 && dm_resolve(dm, path, &o, &rd) == 0;
}

sl_err dm_read_value(const struct sl_obj *o, uint16_t iid, const struct sl_res_def *rd,
                     uint16_t riid, struct sl_value *out)
{
    if (!o->ops->read)
        return SL_ERR_UNSUPPORTED;
    struct sl_value v;
    sl_err err = o->ops->read(o, iid, rd->id, riid, &v);
    if (err != SL_OK)
        return err;
    /* a handler may hand back a close type (an INT for a TIME, say); the
     * conversion copies a value of the resource's own type as it is */
    return sl_value_convert(&v, rd->type, out);
}

uint16_t dm_default_format(const struct sl_dm *dm, const struct sl_path *path)
{
    if (path->len >= 3) {
        struct sl_obj *o;
        const struct sl_res_def *rd;
        if (dm_resolve(dm, path, &o, &rd) == 0 && rd &&
            (path->len == 4 || !(rd->flags & SL_RES_MULTI)))
            return rd->type == SL_TYPE_OPAQUE ? SL_FMT_OPAQUE : SL_FMT_TEXT;
    }
#if SL_CONFIG_TLV
    return SL_FMT_TLV;
#elif SL_CONFIG_SENML_CBOR
    return SL_FMT_SENML_CBOR;
#else
    return SL_FMT_LWM2M_CBOR;
#endif
}

uint8_t sl_dm_err_to_coap(sl_err err)
{
    switch (err) {
    case SL_OK: return SL_COAP_CHANGED;
    case SL_ERR_INVALID:
    case SL_ERR_TYPE:
    case SL_ERR_RANGE: return SL_COAP_BAD_REQUEST;
    case SL_ERR_NOT_FOUND: return SL_COAP_NOT_FOUND;
    case SL_ERR_DENIED: return SL_COAP_UNAUTHORIZED;
    case SL_ERR_METHOD:
    case SL_ERR_UNSUPPORTED: return SL_COAP_METHOD_NOT_ALLOWED;
    case SL_ERR_FORMAT: return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    case SL_ERR_TOO_LARGE: return SL_COAP_REQUEST_ENTITY_TOO_LARGE;
    case SL_ERR_CONFLICT: return SL_COAP_BAD_REQUEST;
    case SL_ERR_BUSY: return SL_COAP_SERVICE_UNAVAILABLE;
    default: return SL_COAP_INTERNAL_SERVER_ERROR;
    }
}

/* Uri-Path segments as a data-model path: each segment a decimal ID. */
static uint8_t path_from_coap(const struct sl_coap_msg *m, struct sl_path *out)
{
    bool root = false;
    *out = sl_path_make(0, 0, 0, 0, 0);
    for (unsigned k = 0; k < m->opt_count; k++) {
        const struct sl_coap_opt *o = &m->opts[k];
        if (o->num != SL_COAP_OPT_URI_PATH)
            continue;
        /* a single empty segment is the root "/" */
        if (o->len == 0 && out->len == 0 && !root) {
            root = true;
            continue;
        }
        if (root || out->len == 4 ||
            sl_dec_parse_id(o->val, o->len, SL_ID_MAX, &out->id[out->len]) != SL_OK)
            return SL_COAP_NOT_FOUND;
        out->len++;
    }
    return 0;
}

#if SL_CONFIG_BOOTSTRAP
/* Bootstrap-Finish is POST /bs (Transport 6.1): the one request to a client
 * whose Uri-Path is a name rather than object IDs. */
static bool is_bootstrap_finish(const struct sl_coap_msg *m)
{
    static const char bs[2] = { 'b', 's' };
    const struct sl_coap_opt *seg = sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, 0);
    return m->code == SL_COAP_POST && seg && seg->len == sizeof bs &&
           memcmp(seg->val, bs, sizeof bs) == 0 && !sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, 1);
}
#endif

uint8_t sl_dm_req_from_coap(const struct sl_dm *dm, const struct sl_coap_msg *m,
                            struct sl_dm_req *req)
{
    memset(req, 0, sizeof *req);
    req->msg = m;
    req->payload = m->payload;
    req->payload_len = m->payload_len;
    if (sl_coap_content_format(m, &req->format) != SL_OK)
        return SL_COAP_BAD_REQUEST;
    uint32_t accept;
    sl_err aerr = sl_coap_opt_uint(m, SL_COAP_OPT_ACCEPT, &accept);
    if (aerr == SL_ERR_NOT_FOUND)
        req->accept = SL_FMT_NONE;
    else if (aerr != SL_OK || accept > 0xfffe)
        return SL_COAP_BAD_REQUEST;
    else
        req->accept = (uint16_t)accept;
#if SL_CONFIG_BOOTSTRAP
    if (is_bootstrap_finish(m)) {
        req->op = SL_OP_BOOTSTRAP_FINISH;
        req->path = sl_path_make(0, 0, 0, 0, 0);
        return 0;
    }
#endif
    uint8_t code = path_from_coap(m, &req->path);
    if (code)
        return code;
    uint32_t obs;
    sl_err oerr = sl_coap_opt_uint(m, SL_COAP_OPT_OBSERVE, &obs);
    bool has_query = sl_coap_opt_get(m, SL_COAP_OPT_URI_QUERY, 0) != NULL;
    const struct sl_path *p = &req->path;

    switch (m->code) {
    case SL_COAP_GET:
        if (req->accept == SL_FMT_LINK) {
            req->op = SL_OP_DISCOVER;
        } else if (oerr == SL_OK && obs == 0) {
            req->op = SL_OP_OBSERVE;
        } else if (oerr == SL_OK && obs == 1) {
            req->op = SL_OP_CANCEL;
        } else {
            req->op = SL_OP_READ;
        }
        /* GET / is Bootstrap-Discover only; the discover checks the actor */
        if (p->len == 0 && req->op != SL_OP_DISCOVER)
            return SL_COAP_METHOD_NOT_ALLOWED;
        return 0;
    case SL_COAP_FETCH:
        if (p->len != 0)
            return SL_COAP_METHOD_NOT_ALLOWED;
        if (oerr == SL_OK && obs == 0)
            req->op = SL_OP_OBSERVE_COMPOSITE;
        else if (oerr == SL_OK && obs == 1)
            req->op = SL_OP_CANCEL_COMPOSITE;
        else
            req->op = SL_OP_READ_COMPOSITE;
        return 0;
    case SL_COAP_PUT:
        if (m->payload_len == 0 && has_query) {
            req->op = SL_OP_WRITE_ATTRS;
            return p->len == 0 ? SL_COAP_METHOD_NOT_ALLOWED : 0;
        }
        /* PUT /o is Bootstrap-Write only; the write checks the actor */
        req->op = SL_OP_WRITE_REPLACE;
        return p->len == 0 ? SL_COAP_METHOD_NOT_ALLOWED : 0;
    case SL_COAP_POST:
        switch (p->len) {
        case 1:
            req->op = SL_OP_CREATE;
            return 0;
        case 2:
            req->op = SL_OP_WRITE_UPDATE;
            return 0;
        case 3: {
            struct sl_obj *o = sl_dm_find(dm, p->id[0]);
            const struct sl_res_def *rd = o ? sl_obj_res(o->def, p->id[2]) : NULL;
            /* POST on a resource executes it; on a multiple resource it
             * adds or updates resource instances (partial update) */
            if (rd && !(rd->flags & SL_RES_E) && (rd->flags & SL_RES_MULTI))
                req->op = SL_OP_WRITE_UPDATE;
            else
                req->op = SL_OP_EXECUTE;
            return 0;
        }
        default:
            return SL_COAP_METHOD_NOT_ALLOWED;
        }
    case SL_COAP_DELETE:
        /* DELETE / and /o are Bootstrap-Delete only; the delete checks the actor */
        req->op = SL_OP_DELETE;
        return p->len <= 2 ? 0 : SL_COAP_METHOD_NOT_ALLOWED;
    case SL_COAP_IPATCH:
        req->op = SL_OP_WRITE_COMPOSITE;
        return p->len == 0 ? 0 : SL_COAP_METHOD_NOT_ALLOWED;
    default:
        return SL_COAP_METHOD_NOT_ALLOWED;
    }
}

void sl_dm_handle(struct sl_dm *dm, const struct sl_dm_req *req, uint8_t *out, size_t cap,
                  struct sl_dm_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->format = SL_FMT_NONE;
    struct sl_wbuf w;
    sl_wbuf_init(&w, out, cap);
    uint8_t code;

    switch (req->op) {
    case SL_OP_READ:
    case SL_OP_OBSERVE:
    case SL_OP_CANCEL:
#if SL_CONFIG_BOOTSTRAP
        /* Bootstrap-Read may target only the Server and Access Control
         * objects (LwM2M 1.1 Core 5.2.7.2): the bootstrap actor has every
         * right, and must not read back secret keys from object 0 or 21 */
        if (req->actor.kind == SL_ACTOR_BOOTSTRAP &&
            (req->op != SL_OP_READ || req->path.len == 0 ||
             (req->path.id[0] != SL_OID_SERVER && req->path.id[0] != SL_OID_ACCESS_CONTROL))) {
            code = SL_COAP_METHOD_NOT_ALLOWED;
            break;
        }
#endif
        code = sl_dm_read(dm, &req->actor, &req->path, req->accept, &w, &resp->format);
        break;
    case SL_OP_DISCOVER:
#if SL_CONFIG_BOOTSTRAP
        if (req->actor.kind == SL_ACTOR_BOOTSTRAP)
            code = dm_bootstrap_discover(dm, &req->path, &w);
        else
#endif
            code = dm_discover(dm, &req->actor, &req->path, &w);
        if (code == SL_COAP_CONTENT)
            resp->format = SL_FMT_LINK;
        break;
    /* operations of optional modules left out answer 4.05 (default) */
#if SL_CONFIG_COMPOSITE
    case SL_OP_READ_COMPOSITE:
    case SL_OP_OBSERVE_COMPOSITE:
    case SL_OP_CANCEL_COMPOSITE:
        code = dm_read_composite(dm, req, &w, &resp->format);
        break;
    case SL_OP_WRITE_COMPOSITE:
        code = dm_write_composite(dm, req, &w);
        break;
#endif
    case SL_OP_WRITE_REPLACE:
    case SL_OP_WRITE_UPDATE:
        code = dm_write(dm, req, &w);
        break;
#if SL_CONFIG_OBSERVE_ATTRS
    case SL_OP_WRITE_ATTRS:
        code = dm_write_attrs(dm, req);
        break;
#endif
    case SL_OP_EXECUTE:
        code = dm_execute(dm, req);
        break;
    case SL_OP_CREATE:
        code = dm_create(dm, req, resp, &w);
        break;
    case SL_OP_DELETE:
        code = dm_delete(dm, req);
        break;
#if SL_CONFIG_BOOTSTRAP
    case SL_OP_BOOTSTRAP_FINISH:
        /* only the bootstrap server ends a bootstrap; the client role
         * decides whether what it wrote is usable */
        if (req->actor.kind != SL_ACTOR_BOOTSTRAP)
            code = SL_COAP_UNAUTHORIZED;
        else if (!dm->hooks.bootstrap_finish)
            code = SL_COAP_METHOD_NOT_ALLOWED;
        else
            code = dm->hooks.bootstrap_finish(dm->hooks.finish_ctx);
        break;
#endif
    default:
        code = SL_COAP_METHOD_NOT_ALLOWED;
        break;
    }
    resp->code = code;
    if (code == SL_COAP_CONTENT) {
        resp->len = w.len;
    } else {
        resp->len = 0;
        if (code != SL_COAP_CREATED)
            resp->format = SL_FMT_NONE;
    }
}

#if SL_CONFIG_BOOTSTRAP
/* ---- Bootstrap-Discover ---- */

bool dm_read_single(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint8_t type,
                    struct sl_value *v)
{
    const struct sl_res_def *rd = sl_obj_res(o->def, rid);
    return rd && rd->type == type && !(rd->flags & SL_RES_MULTI) && dm_res_present(o, iid, rd) &&
           dm_read_value(o, iid, rd, SL_ID_NONE, v) == SL_OK;
}

static sl_err put_ssid(struct sl_link_writer *lw, const struct sl_obj *o, uint16_t iid,
                       uint16_t rid)
{
    struct sl_value v;
    if (!dm_read_single(o, iid, rid, SL_TYPE_INT, &v) || v.v.i < 0)
        return SL_OK; /* not written yet: nothing to report */
    return sl_link_put_attr_uint(lw, "ssid", (uint64_t)v.v.i);
}

/* The attributes Core 5.2.7.3 asks for: "ssid" of every server account
 * (Security and Server instances) and "uri" of every Security instance.
 * The bootstrap server's own Security instance has no Short Server ID. */
static sl_err put_account_attrs(struct sl_link_writer *lw, const struct sl_obj *o, uint16_t iid)
{
    if (o->def->oid == SL_OID_SERVER)
        return put_ssid(lw, o, iid, DM_SRV_SSID);
    if (o->def->oid != SL_OID_SECURITY)
        return SL_OK;
    struct sl_value v;
    bool bootstrap = dm_read_single(o, iid, DM_SEC_BOOTSTRAP, SL_TYPE_BOOL, &v) && v.v.b;
    sl_err err = bootstrap ? SL_OK : put_ssid(lw, o, iid, DM_SEC_SSID);
    if (err != SL_OK || !dm_read_single(o, iid, DM_SEC_URI, SL_TYPE_STRING, &v))
        return err;
    /* the writer takes a C string: a URI longer than any this client can
     * store is a broken handler */
    char uri[SL_MAX_URI_LEN + 1];
    if (v.v.bytes.len > SL_MAX_URI_LEN)
        return SL_ERR_OVERFLOW;
    if (v.v.bytes.len > 0)
        memcpy(uri, v.v.bytes.ptr, v.v.bytes.len);
    uri[v.v.bytes.len] = '\0';
    return sl_link_put_attr_quoted(lw, "uri", uri);
}

/* An object as the Register link list shows it (its own link when it has
 * a version other than 1.0 or no instance), each instance with the
 * account attributes. */
static sl_err put_bootstrap_object(struct sl_link_writer *lw, const struct sl_obj *o)
{
    uint16_t iid;
    sl_err err = SL_OK;
    bool has_instances = o->ops->inst_next(o, -1, &iid) == SL_OK;
    if (!has_instances || o->def->ver_major != 1 || o->def->ver_minor != 0)
        err = sl_dm_put_object_link(lw, o->def);
    int32_t after = -1;
    while (err == SL_OK && o->ops->inst_next(o, after, &iid) == SL_OK) {
        after = iid;
        struct sl_path ip = sl_path_make(2, o->def->oid, iid, 0, 0);
        err = sl_link_put_path(lw, &ip);
        if (err == SL_OK)
            err = put_account_attrs(lw, o, iid);
    }
    return err;
}

uint8_t dm_bootstrap_discover(struct sl_dm *dm, const struct sl_path *path, struct sl_wbuf *w)
{
    /* Bootstrap-Discover names an object or the root, nothing deeper */
    if (path->len > 1)
        return SL_COAP_BAD_REQUEST;
    const struct sl_obj *only = NULL;
    if (path->len == 1 && !(only = sl_dm_find(dm, path->id[0])))
        return SL_COAP_NOT_FOUND;
    struct sl_link_writer lw;
    sl_link_writer_init(&lw, w);
    sl_err err = SL_OK;
    if (only) {
        err = put_bootstrap_object(&lw, only);
    } else {
        /* the root link carries the enabler version the client implements */
        struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
        err = sl_link_put_path(&lw, &root);
        if (err == SL_OK)
            err = sl_link_put_attr_quoted(&lw, "lwm2m", "1.1");
        for (unsigned k = 0; k < dm->count && err == SL_OK; k++)
            err = put_bootstrap_object(&lw, dm->objs[k]);
    }
    return err == SL_OK ? SL_COAP_CONTENT : SL_COAP_INTERNAL_SERVER_ERROR;
}
#endif
