/* Read, Discover and Read-Composite: walk the objects in path order and
 * hand each readable value to an encoder. */
#include <string.h>

#include "codec/data.h"
#include "codec/link.h"
#include "codec/value.h"
#include "dm/acl.h"
#include "dm/dm_internal.h"

static uint8_t enc_err_to_coap(sl_err err)
{
    if (err == SL_ERR_FORMAT)
        return SL_COAP_NOT_ACCEPTABLE;
    return SL_COAP_INTERNAL_SERVER_ERROR; /* overflow or a broken handler */
}

/* Emit one resource (all its instances when multiple, or just riid). A
 * single resource is the one pass of the loop with riid SL_ID_NONE: one
 * read-and-encode path serves both kinds. */
static sl_err emit_resource(struct sl_data_enc *enc, const struct sl_obj *o, uint16_t iid,
                            const struct sl_res_def *rd, int32_t only_riid)
{
    bool multi = (rd->flags & SL_RES_MULTI) != 0;
    struct sl_record r;
    int32_t after = -1;
    uint16_t riid = SL_ID_NONE;
    while (multi ? o->ops->res_inst_next(o, iid, rd->id, after, &riid) == SL_OK : after < 0) {
        after = riid;
        if (multi && only_riid >= 0 && riid != only_riid)
            continue;
        r.path = sl_path_make(multi ? 4 : 3, o->def->oid, iid, rd->id, riid);
        sl_err err = dm_read_value(o, iid, rd, riid, &r.value);
        if (err == SL_ERR_NOT_FOUND)
            continue; /* an optional resource (or instance) without a value */
        if (err == SL_OK)
            err = sl_data_enc_record(enc, &r);
        if (err != SL_OK)
            return err;
    }
    return SL_OK;
}

static sl_err emit_instance(struct sl_data_enc *enc, const struct sl_obj *o, uint16_t iid)
{
    for (uint16_t k = 0; k < o->def->res_count; k++) {
        const struct sl_res_def *rd = &o->def->res[k];
        if (!(rd->flags & SL_RES_R) || !dm_res_present(o, iid, rd))
            continue;
        sl_err err = emit_resource(enc, o, iid, rd, -1);
        if (err != SL_OK)
            return err;
    }
    return SL_OK;
}

/* Check and emit everything under `path` for `who`. Returns 0 or a CoAP
 * error code. An object-level read skips the instances the actor may not
 * read, and is refused only when there are some and it may read none. */
static uint8_t emit_path(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *path,
                         struct sl_data_enc *enc)
{
    struct sl_obj *o;
    const struct sl_res_def *rd;
    uint8_t code = dm_resolve(dm, path, &o, &rd);
    if (code)
        return code;
    sl_err err = SL_OK;
    if (path->len == 1) {
        /* only instances this actor may read */
        int32_t after = -1;
        uint16_t iid;
        bool any_right = false;
        while (err == SL_OK && o->ops->inst_next(o, after, &iid) == SL_OK) {
            after = iid;
            if (!sl_acl_allows(dm, who, o->def->oid, iid, SL_ACL_READ))
                continue;
            any_right = true;
            err = emit_instance(enc, o, iid);
        }
        if (!any_right && after >= 0)
            return SL_COAP_UNAUTHORIZED;
    } else {
        if (!sl_acl_allows(dm, who, path->id[0], path->id[1], SL_ACL_READ))
            return SL_COAP_UNAUTHORIZED;
        if (path->len == 2) {
            err = emit_instance(enc, o, path->id[1]);
        } else {
            if (!(rd->flags & SL_RES_R))
                return SL_COAP_METHOD_NOT_ALLOWED;
            err = emit_resource(enc, o, path->id[1], rd, path->len == 4 ? path->id[3] : -1);
        }
    }
    return err == SL_OK ? 0 : enc_err_to_coap(err);
}

uint8_t sl_dm_read(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *path,
                   uint16_t format, struct sl_wbuf *w, uint16_t *format_used)
{
    if (path->len == 0)
        return SL_COAP_METHOD_NOT_ALLOWED;
    if (format == SL_FMT_NONE)
        format = dm_default_format(dm, path);
    if (!sl_data_format_supported(format))
        return SL_COAP_NOT_ACCEPTABLE;
    struct sl_data_enc enc;
    sl_err err = sl_data_enc_begin(&enc, format, w, path);
    if (err != SL_OK)
        return enc_err_to_coap(err);
    uint8_t code = emit_path(dm, who, path, &enc);
    if (code)
        return code;
    err = sl_data_enc_end(&enc);
    if (err != SL_OK)
        return enc_err_to_coap(err);
    *format_used = format;
    return SL_COAP_CONTENT;
}

#if SL_CONFIG_OBSERVE_ATTRS
sl_err sl_dm_read_number(struct sl_dm *dm, const struct sl_path *path, sl_attr_num *out)
{
    struct sl_obj *o;
    const struct sl_res_def *rd;
    if (path->len < 3 || dm_resolve(dm, path, &o, &rd) != 0)
        return SL_ERR_NOT_FOUND;
    if ((rd->flags & SL_RES_MULTI) && path->len == 3)
        return SL_ERR_TYPE;
    struct sl_value v;
    sl_err err = dm_read_value(o, path->id[1], rd, path->len == 4 ? path->id[3] : SL_ID_NONE, &v);
    if (err != SL_OK)
        return err;
#if SL_CONFIG_FLOAT
    switch (v.type) {
    case SL_TYPE_INT:
    case SL_TYPE_TIME: *out = (double)v.v.i; return SL_OK;
    case SL_TYPE_UINT: *out = (double)v.v.u; return SL_OK;
    case SL_TYPE_FLOAT: *out = v.v.f; return SL_OK;
    default: return SL_ERR_TYPE;
    }
#else
    if (v.type == SL_TYPE_UINT && v.v.u > INT64_MAX)
        return SL_ERR_RANGE;
    if (v.type != SL_TYPE_INT && v.type != SL_TYPE_TIME && v.type != SL_TYPE_UINT)
        return SL_ERR_TYPE;
    *out = v.v.i; /* a UINT within INT64_MAX reads the same */
    return SL_OK;
#endif
}
#endif

/* ---- Discover ---- */

/* One resource's link: its path, ";dim=N" when it is multiple, and its own
 * attributes when asked. */
static sl_err put_res_link(struct sl_dm *dm, const struct sl_actor *who, struct sl_link_writer *lw,
                           const struct sl_obj *o, uint16_t iid, const struct sl_res_def *rd,
                           bool with_attrs)
{
    struct sl_path p = sl_path_make(3, o->def->oid, iid, rd->id, 0);
    sl_err err = sl_link_put_path(lw, &p);
    if (err == SL_OK && (rd->flags & SL_RES_MULTI)) {
        uint32_t dim = 0;
        int32_t after = -1;
        uint16_t riid;
        while (o->ops->res_inst_next(o, iid, rd->id, after, &riid) == SL_OK) {
            after = riid;
            dim++;
        }
        err = sl_link_put_attr_uint(lw, "dim", dim);
    }
#if SL_CONFIG_OBSERVE_ATTRS
    if (err == SL_OK && with_attrs)
        err = sl_attrs_put_link_params(lw, sl_attr_store_get(&dm->attrs, who, &p));
#else
    (void)dm;
    (void)who;
    (void)with_attrs;
#endif
    return err;
}

static sl_err discover_resources(struct sl_dm *dm, const struct sl_actor *who,
                                 struct sl_link_writer *lw, const struct sl_obj *o, uint16_t iid,
                                 bool with_attrs)
{
    sl_err err = SL_OK;
    for (uint16_t k = 0; k < o->def->res_count && err == SL_OK; k++) {
        const struct sl_res_def *rd = &o->def->res[k];
        if (dm_res_present(o, iid, rd))
            err = put_res_link(dm, who, lw, o, iid, rd, with_attrs);
    }
    return err;
}

sl_err sl_dm_put_object_link(struct sl_link_writer *lw, const struct sl_obj_def *def)
{
    struct sl_path p = sl_path_make(1, def->oid, 0, 0, 0);
    sl_err err = sl_link_put_path(lw, &p);
    if (err == SL_OK && (def->ver_major != 1 || def->ver_minor != 0)) {
        char ver[4] = { (char)('0' + def->ver_major % 10), '.', (char)('0' + def->ver_minor % 10),
                        '\0' };
        err = sl_link_put_attr_str(lw, "ver", ver);
    }
    return err;
}

uint8_t dm_discover(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *path,
                    struct sl_wbuf *w)
{
    struct sl_obj *o;
    const struct sl_res_def *rd;
    if (path->len == 0 || path->len == 4)
        return SL_COAP_METHOD_NOT_ALLOWED;
    uint8_t code = dm_resolve(dm, path, &o, &rd);
    if (code)
        return code;
    /* an object-level Discover lists only the instances the actor may see */
    if (path->len >= 2 && !sl_acl_allows(dm, who, path->id[0], path->id[1], SL_ACL_DISCOVER))
        return SL_COAP_UNAUTHORIZED;
    struct sl_link_writer lw;
    sl_link_writer_init(&lw, w);
    sl_err err;
    if (path->len == 3) {
        err = put_res_link(dm, who, &lw, o, path->id[1], rd, true);
    } else {
        err = path->len == 1 ? sl_dm_put_object_link(&lw, o->def) : sl_link_put_path(&lw, path);
#if SL_CONFIG_OBSERVE_ATTRS
        if (err == SL_OK)
            err = sl_attrs_put_link_params(&lw, sl_attr_store_get(&dm->attrs, who, path));
#endif
        if (err == SL_OK && path->len == 2)
            err = discover_resources(dm, who, &lw, o, path->id[1], true);
        int32_t after = -1;
        uint16_t iid;
        while (path->len == 1 && err == SL_OK && o->ops->inst_next(o, after, &iid) == SL_OK) {
            after = iid;
            if (who->kind == SL_ACTOR_CLIENT &&
                !sl_acl_allows(dm, who, o->def->oid, iid, SL_ACL_DISCOVER))
                continue;
            struct sl_path ip = sl_path_make(2, o->def->oid, iid, 0, 0);
            err = sl_link_put_path(&lw, &ip);
            if (err == SL_OK)
                err = discover_resources(dm, who, &lw, o, iid, false);
        }
    }
    return err == SL_OK ? SL_COAP_CONTENT : SL_COAP_INTERNAL_SERVER_ERROR;
}

/* ---- Read-Composite ---- */

#if SL_CONFIG_COMPOSITE
/* Collect the requested paths, sorted, with paths inside an earlier one
 * dropped (they would be read twice). */
uint8_t sl_dm_composite_paths(const struct sl_dm_req *req, struct sl_path *paths, unsigned cap,
                              unsigned *count)
{
    struct sl_data_dec dec;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    *count = 0;
    if (!sl_data_format_is_composite(req->format))
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    if (sl_data_dec_init(&dec, req->format, &root, req->payload, req->payload_len) != SL_OK)
        return SL_COAP_UNSUPPORTED_CONTENT_FORMAT;
    struct sl_record r;
    sl_err err;
    while ((err = sl_data_dec_next(&dec, &r)) == SL_OK) {
        if (r.value.type != SL_TYPE_NONE || r.path.len == 0)
            return SL_COAP_BAD_REQUEST;
        if (*count == cap)
            return SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        unsigned pos = *count;
        while (pos > 0 && sl_path_compare(&paths[pos - 1], &r.path) > 0) {
            paths[pos] = paths[pos - 1];
            pos--;
        }
        paths[pos] = r.path;
        (*count)++;
    }
    if (err != SL_ERR_END)
        return SL_COAP_BAD_REQUEST;
    unsigned kept = 0;
    for (unsigned k = 0; k < *count; k++) {
        if (kept > 0 && sl_path_within(&paths[k], &paths[kept - 1]))
            continue;
        paths[kept++] = paths[k];
    }
    *count = kept;
    return kept ? 0 : SL_COAP_BAD_REQUEST;
}

uint8_t sl_dm_read_paths(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *paths,
                         unsigned count, uint16_t format, struct sl_wbuf *w)
{
    if (!sl_data_format_is_composite(format))
        return SL_COAP_NOT_ACCEPTABLE;
    struct sl_data_enc enc;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    if (sl_data_enc_begin(&enc, format, w, &root) != SL_OK)
        return SL_COAP_NOT_ACCEPTABLE;
    for (unsigned k = 0; k < count; k++) {
        uint8_t code = emit_path(dm, who, &paths[k], &enc);
        /* LwM2M 1.1 5.4.5: a path that does not exist is left out */
        if (code && code != SL_COAP_NOT_FOUND)
            return code;
    }
    sl_err err = sl_data_enc_end(&enc);
    return err == SL_OK ? SL_COAP_CONTENT : enc_err_to_coap(err);
}

uint8_t dm_read_composite(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_wbuf *w,
                          uint16_t *format_used)
{
    struct sl_path paths[SL_MAX_COMPOSITE_PATHS];
    unsigned count;
    uint8_t code = sl_dm_composite_paths(req, paths, SL_MAX_COMPOSITE_PATHS, &count);
    if (code)
        return code;
    uint16_t format = req->accept == SL_FMT_NONE ? req->format : req->accept;
    code = sl_dm_read_paths(dm, &req->actor, paths, count, format, w);
    if (code == SL_COAP_CONTENT)
        *format_used = format;
    return code;
}
#else
uint8_t sl_dm_composite_paths(const struct sl_dm_req *req, struct sl_path *paths, unsigned cap,
                              unsigned *count)
{
    (void)req;
    (void)paths;
    (void)cap;
    *count = 0;
    return SL_COAP_METHOD_NOT_ALLOWED;
}

uint8_t sl_dm_read_paths(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *paths,
                         unsigned count, uint16_t format, struct sl_wbuf *w)
{
    (void)dm;
    (void)who;
    (void)paths;
    (void)count;
    (void)format;
    (void)w;
    return SL_COAP_METHOD_NOT_ALLOWED;
}

#endif
