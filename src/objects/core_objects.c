/* Objects 0, 1 and 2 as storage-backed objects. */
#include "objects/core_objects.h"

#include <stddef.h>
#include <string.h>

#include "dm/acl.h"


static const struct sl_field security_fields[] = {
    SL_STORE_FIELD(SL_SEC_URI, SL_FIELD_BYTES, struct sl_security_inst, uri, SL_MAX_URI_LEN),
    SL_STORE_FIELD(SL_SEC_BOOTSTRAP, SL_FIELD_BOOL, struct sl_security_inst, bootstrap, 0),
    SL_STORE_FIELD(SL_SEC_MODE, SL_FIELD_INT, struct sl_security_inst, mode, 0),
    SL_STORE_FIELD(SL_SEC_IDENTITY, SL_FIELD_BYTES, struct sl_security_inst, identity, SL_MAX_IDENTITY_LEN),
    SL_STORE_FIELD(SL_SEC_SERVER_KEY, SL_FIELD_BYTES, struct sl_security_inst, server_key, SL_MAX_KEY_LEN),
    SL_STORE_FIELD(SL_SEC_SECRET_KEY, SL_FIELD_BYTES, struct sl_security_inst, secret_key, SL_MAX_KEY_LEN),
    SL_STORE_FIELD(SL_SEC_SSID, SL_FIELD_INT, struct sl_security_inst, ssid, 0),
    SL_STORE_FIELD(SL_SEC_HOLD_OFF, SL_FIELD_INT, struct sl_security_inst, hold_off, 0),
    SL_STORE_FIELD(SL_SEC_BS_TIMEOUT, SL_FIELD_INT, struct sl_security_inst, bs_timeout, 0),
    SL_STORE_FIELD(SL_SEC_OSCORE, SL_FIELD_OBJLNK, struct sl_security_inst, oscore, 0),
};

static const struct sl_field server_fields[] = {
    SL_STORE_FIELD(SL_SRV_SSID, SL_FIELD_INT, struct sl_server_inst, ssid, 0),
    SL_STORE_FIELD(SL_SRV_LIFETIME, SL_FIELD_INT, struct sl_server_inst, lifetime, 0),
    SL_STORE_FIELD(SL_SRV_PMIN, SL_FIELD_INT, struct sl_server_inst, pmin, 0),
    SL_STORE_FIELD(SL_SRV_PMAX, SL_FIELD_INT, struct sl_server_inst, pmax, 0),
    SL_STORE_FIELD(SL_SRV_DISABLE_TIMEOUT, SL_FIELD_INT, struct sl_server_inst, disable_timeout, 0),
    SL_STORE_FIELD(SL_SRV_STORING, SL_FIELD_BOOL, struct sl_server_inst, storing, 0),
    SL_STORE_FIELD(SL_SRV_BINDING, SL_FIELD_BYTES, struct sl_server_inst, binding, 8),
};

#if SL_CONFIG_ACL
static const struct sl_field acl_fields[] = {
    SL_STORE_FIELD(SL_ACO_RES_OID, SL_FIELD_INT, struct sl_acl_inst, oid, 0),
    SL_STORE_FIELD(SL_ACO_RES_IID, SL_FIELD_INT, struct sl_acl_inst, oiid, 0),
    SL_STORE_FIELD(SL_ACO_RES_ACL, SL_FIELD_MULTI, struct sl_acl_inst, acl, SL_MAX_ACL_ENTRIES),
    SL_STORE_FIELD(SL_ACO_RES_OWNER, SL_FIELD_INT, struct sl_acl_inst, owner, 0),
};
#endif


/* The resource holding an account's Short Server (or Client) ID: 10 in
 * the security objects 0 and 11000, 0 in the account objects 1 and 11001. */
static uint16_t id_rid(const struct sl_store *s)
{
    uint16_t oid = s->obj.def->oid;
    return oid == SL_OID_SECURITY || oid == SL_OID_CLIENT_SECURITY ? SL_SEC_SSID : SL_SRV_SSID;
}

/* A Short Server ID names one account: in the data model's first pass, the
 * one a write gives instance iid must not be another instance's. */
sl_err sl_core_id_check(void *ctx, const struct sl_store *s, uint16_t iid, uint16_t rid,
                        uint16_t riid, const struct sl_value *v)
{
    uint16_t ssid_rid = id_rid(s);
    int32_t after = -1;
    uint16_t other;
    (void)ctx;
    (void)riid;
    while (rid == ssid_rid && sl_store_next(s, after, &other) == SL_OK) {
        after = other;
        if (other != iid && sl_store_has(s, other, rid) && sl_store_int(s, other, rid, -1) == v->v.i)
            return SL_ERR_CONFLICT;
    }
    return SL_OK;
}

/* The same over the whole object before commit, for a change to several
 * instances (a Create of two, say). */
sl_err sl_core_id_unique(void *ctx, struct sl_store *s)
{
    uint16_t rid = id_rid(s);
    int32_t after = -1;
    uint16_t iid;
    struct sl_value v;
    while (sl_store_next(s, after, &iid) == SL_OK) {
        after = iid;
        if (sl_store_read(s, iid, rid, SL_ID_NONE, &v) == SL_OK &&
            sl_core_id_check(ctx, s, iid, rid, SL_ID_NONE, &v) != SL_OK)
            return SL_ERR_CONFLICT;
    }
    return SL_OK;
}

void sl_core_objects_init(struct sl_core_objects *co)
{
#if SL_CONFIG_STORE_BACKUP
#define BACKUP(a) (a)
#else
#define BACKUP(a) NULL
#endif
    sl_store_init(&co->security, &sl_def_security, security_fields, SL_STORE_FIELDS_COUNT(security_fields), co->sec,
                  sizeof co->sec[0], SL_MAX_SERVERS + 1, BACKUP(co->sec_backup));
    sl_store_init(&co->server, &sl_def_server, server_fields, SL_STORE_FIELDS_COUNT(server_fields), co->srv,
                  sizeof co->srv[0], SL_MAX_SERVERS, BACKUP(co->srv_backup));
    co->security.hooks.check = sl_core_id_check;
    co->security.hooks.validate = sl_core_id_unique;
    co->server.hooks.check = sl_core_id_check;
    co->server.hooks.validate = sl_core_id_unique;
#if SL_CONFIG_ACL
    sl_store_init(&co->acl, &sl_def_access_control, acl_fields, SL_STORE_FIELDS_COUNT(acl_fields), co->aco,
                  sizeof co->aco[0], SL_MAX_ACL_INSTANCES, BACKUP(co->aco_backup));
#endif
}

int sl_core_instance_with(const struct sl_store *s, uint16_t rid, uint16_t value)
{
    int32_t after = -1;
    uint16_t iid;
    while (sl_store_next(s, after, &iid) == SL_OK) {
        after = iid;
        /* an absent value reads as -1, which no uint16_t value equals */
        if (sl_store_int(s, iid, rid, -1) == value)
            return iid;
    }
    return -1;
}

int sl_core_security_of(const struct sl_core_objects *co, uint16_t ssid)
{
    return sl_core_instance_with(&co->security, SL_SEC_SSID, ssid);
}

int sl_core_server_of(const struct sl_core_objects *co, uint16_t ssid)
{
    return sl_core_instance_with(&co->server, SL_SRV_SSID, ssid);
}

bool sl_core_is_bootstrap(const struct sl_core_objects *co, uint16_t iid)
{
    struct sl_value v;
    return sl_store_read(&co->security, iid, SL_SEC_BOOTSTRAP, SL_ID_NONE, &v) == SL_OK &&
           v.type == SL_TYPE_BOOL && v.v.b;
}

#if SL_CONFIG_ACL
static unsigned count_servers(const struct sl_core_objects *co)
{
    unsigned n = 0;
    int32_t after = -1;
    uint16_t iid;
    while (sl_store_next(&co->server, after, &iid) == SL_OK) {
        after = iid;
        n++;
    }
    return n;
}

sl_err sl_core_acl_created(struct sl_core_objects *co, uint16_t oid, uint16_t iid, uint16_t owner)
{
    uint16_t aco_iid;
    if (count_servers(co) <= 1 || oid == SL_OID_ACCESS_CONTROL || oid == SL_OID_SECURITY)
        return SL_OK;
    /* the lowest free instance ID */
    for (aco_iid = 0; aco_iid < SL_ID_MAX && sl_store_get(&co->acl, aco_iid); aco_iid++)
        ;
    struct sl_value v;
    sl_err err = sl_store_add(&co->acl, aco_iid, NULL);
    if (err != SL_OK)
        return err;
    v = sl_value_int(oid);
    sl_store_set(&co->acl, aco_iid, SL_ACO_RES_OID, SL_ID_NONE, &v);
    v = sl_value_int(iid);
    sl_store_set(&co->acl, aco_iid, SL_ACO_RES_IID, SL_ID_NONE, &v);
    v = sl_value_int(owner);
    sl_store_set(&co->acl, aco_iid, SL_ACO_RES_OWNER, SL_ID_NONE, &v);
    v = sl_value_int(SL_ACL_ALL_SERVER);
    sl_store_set(&co->acl, aco_iid, SL_ACO_RES_ACL, owner, &v);
    if (co->acl.hooks.committed)
        co->acl.hooks.committed(co->acl.hooks.ctx, &co->acl);
    return SL_OK;
}

void sl_core_acl_deleted(struct sl_core_objects *co, uint16_t oid, uint16_t iid)
{
    int32_t after = -1;
    uint16_t aco_iid;
    bool changed = false;
    while (sl_store_next(&co->acl, after, &aco_iid) == SL_OK) {
        after = aco_iid;
        if (sl_store_int(&co->acl, aco_iid, SL_ACO_RES_OID, -1) == oid &&
            sl_store_int(&co->acl, aco_iid, SL_ACO_RES_IID, -1) == iid) {
            sl_store_remove(&co->acl, aco_iid);
            changed = true;
        }
    }
    if (changed && co->acl.hooks.committed)
        co->acl.hooks.committed(co->acl.hooks.ctx, &co->acl);
}
#endif
