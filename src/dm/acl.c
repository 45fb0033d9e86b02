/* Access control checks over objects 2 and 11002 (see acl.h for the rules). */
#include "dm/acl.h"

#if SL_CONFIG_ACL
static sl_err read_int(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                       int64_t *out)
{
    struct sl_value v;
    if (!o->ops->read)
        return SL_ERR_UNSUPPORTED;
    sl_err err = o->ops->read(o, iid, rid, riid, &v);
    if (err != SL_OK)
        return err;
    if (v.type == SL_TYPE_INT || v.type == SL_TYPE_TIME)
        *out = v.v.i;
    else if (v.type == SL_TYPE_UINT && v.v.u <= INT64_MAX)
        *out = (int64_t)v.v.u;
    else
        return SL_ERR_TYPE;
    return SL_OK;
}

sl_err sl_acl_find_instance(const struct sl_dm *dm, uint16_t aco_oid, uint16_t oid, uint16_t iid,
                            uint16_t *aco_iid)
{
    const struct sl_obj *aco = sl_dm_find(dm, aco_oid);
    if (!aco)
        return SL_ERR_NOT_FOUND;
    int32_t after = -1;
    uint16_t cur;
    while (aco->ops->inst_next(aco, after, &cur) == SL_OK) {
        after = cur;
        int64_t o, i;
        if (read_int(aco, cur, SL_ACO_RES_OID, SL_ID_NONE, &o) != SL_OK ||
            read_int(aco, cur, SL_ACO_RES_IID, SL_ID_NONE, &i) != SL_OK)
            continue;
        if (o == oid && i == iid) {
            *aco_iid = cur;
            return SL_OK;
        }
    }
    return SL_ERR_NOT_FOUND;
}

/* ACL resource instance `id` of an access-control instance, or -1. */
static int32_t acl_entry(const struct sl_obj *aco, uint16_t aco_iid, uint16_t id)
{
    if (!aco->ops->res_inst_next)
        return -1;
    int32_t after = -1;
    uint16_t riid;
    while (aco->ops->res_inst_next(aco, aco_iid, SL_ACO_RES_ACL, after, &riid) == SL_OK) {
        after = riid;
        if (riid != id)
            continue;
        int64_t v;
        if (read_int(aco, aco_iid, SL_ACO_RES_ACL, riid, &v) != SL_OK || v < 0 || v > 0xffff)
            return -1;
        return (int32_t)v;
    }
    return -1;
}

static unsigned count_instances(const struct sl_dm *dm, uint16_t oid)
{
    const struct sl_obj *o = sl_dm_find(dm, oid);
    unsigned n = 0;
    int32_t after = -1;
    uint16_t iid;
    while (o && o->ops->inst_next(o, after, &iid) == SL_OK) {
        after = iid;
        n++;
    }
    return n;
}

static uint8_t server_rights(const struct sl_dm *dm, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    if (oid == SL_OID_SECURITY || oid == SL_OID_OSCORE)
        return 0; /* bootstrap-only objects (DESIGN 3) */
    const struct sl_obj *aco = sl_dm_find(dm, SL_OID_ACCESS_CONTROL);
    if (oid == SL_OID_ACCESS_CONTROL) {
        if (iid == SL_ID_NONE)
            return 0; /* only the client itself and bootstrap create ACL instances */
        int64_t owner;
        if (aco && read_int(aco, iid, SL_ACO_RES_OWNER, SL_ID_NONE, &owner) == SL_OK &&
            owner == ssid)
            return SL_ACL_READ | SL_ACL_WRITE;
        return SL_ACL_READ;
    }
    if (count_instances(dm, SL_OID_SERVER) <= 1)
        return SL_ACL_ALL_SERVER; /* single-server rule */
    uint16_t aco_iid;
    if (!aco || sl_acl_find_instance(dm, SL_OID_ACCESS_CONTROL, oid, iid, &aco_iid) != SL_OK)
        return 0;
    int32_t own = acl_entry(aco, aco_iid, ssid);
    if (own >= 0)
        return (uint8_t)(own & SL_ACL_ALL_SERVER);
    int64_t owner;
    if (read_int(aco, aco_iid, SL_ACO_RES_OWNER, SL_ID_NONE, &owner) == SL_OK && owner == ssid)
        return SL_ACL_ALL_SERVER;
    int32_t def = acl_entry(aco, aco_iid, 0);
    return def >= 0 ? (uint8_t)(def & SL_ACL_ALL_SERVER) : 0;
}

static bool client_forbidden_object(uint16_t oid)
{
    return oid == SL_OID_SECURITY || oid == SL_OID_SERVER || oid == SL_OID_ACCESS_CONTROL ||
           oid == SL_OID_OSCORE || oid == SL_OID_CLIENT_SECURITY || oid == SL_OID_CLIENT ||
           oid == SL_OID_CLIENT_ACCESS_CONTROL;
}

static uint8_t client_rights(const struct sl_dm *dm, uint16_t scid, uint16_t oid, uint16_t iid)
{
    if (client_forbidden_object(oid))
        return 0;
    const struct sl_obj *aco = sl_dm_find(dm, SL_OID_CLIENT_ACCESS_CONTROL);
    uint16_t aco_iid;
    if (!aco)
        return 0;
    if (sl_acl_find_instance(dm, SL_OID_CLIENT_ACCESS_CONTROL, oid, iid, &aco_iid) != SL_OK &&
        (iid == SL_ID_NONE ||
         sl_acl_find_instance(dm, SL_OID_CLIENT_ACCESS_CONTROL, oid, SL_ID_NONE, &aco_iid) != SL_OK))
        return 0;
    int32_t own = acl_entry(aco, aco_iid, scid);
    if (own < 0)
        own = acl_entry(aco, aco_iid, 0);
    return own >= 0 ? (uint8_t)(own & SL_ACL_ALL) : 0;
}
#else
/* No access-control objects: the single-server rule of LwM2M Core 7.3.3
 * (config.h allows one server account only), and no rights for clients. */
static uint8_t server_rights(const struct sl_dm *dm, uint16_t ssid, uint16_t oid, uint16_t iid)
{
    (void)dm;
    (void)ssid;
    if (oid == SL_OID_SECURITY || oid == SL_OID_OSCORE)
        return 0; /* bootstrap-only objects (DESIGN 3) */
    if (oid == SL_OID_ACCESS_CONTROL)
        return iid == SL_ID_NONE ? 0 : SL_ACL_READ;
    return SL_ACL_ALL_SERVER;
}

static uint8_t client_rights(const struct sl_dm *dm, uint16_t scid, uint16_t oid, uint16_t iid)
{
    (void)dm;
    (void)scid;
    (void)oid;
    (void)iid;
    return 0;
}
#endif

uint8_t sl_acl_rights(const struct sl_dm *dm, const struct sl_actor *who, uint16_t oid,
                      uint16_t iid)
{
    switch (who->kind) {
    case SL_ACTOR_BOOTSTRAP:
    case SL_ACTOR_LOCAL:
        return SL_ACL_ALL;
    case SL_ACTOR_SERVER:
        return server_rights(dm, who->id, oid, iid);
    case SL_ACTOR_CLIENT:
        return client_rights(dm, who->id, oid, iid);
    default:
        return 0;
    }
}

bool sl_acl_allows(const struct sl_dm *dm, const struct sl_actor *who, uint16_t oid, uint16_t iid,
                   uint8_t right)
{
    if (right == SL_ACL_DISCOVER && who->kind == SL_ACTOR_SERVER)
        return oid != SL_OID_SECURITY && oid != SL_OID_OSCORE;
    return (sl_acl_rights(dm, who, oid, iid) & right) == right;
}
