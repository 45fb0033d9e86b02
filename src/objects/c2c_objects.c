/* Objects 11000, 11001 and 11002 as storage-backed objects (DESIGN 4). */
#include "objects/c2c_objects.h"

#include "dm/acl.h"
#include "objects/core_objects.h"

static const struct sl_field client_security_fields[] = {
    SL_STORE_FIELD(SL_SEC_URI, SL_FIELD_BYTES, struct sl_client_security_inst, uri, SL_MAX_URI_LEN),
    SL_STORE_FIELD(SL_SEC_MODE, SL_FIELD_INT, struct sl_client_security_inst, mode, 0),
    SL_STORE_FIELD(SL_SEC_IDENTITY, SL_FIELD_BYTES, struct sl_client_security_inst, identity,
                   SL_MAX_IDENTITY_LEN),
    SL_STORE_FIELD(SL_SEC_SERVER_KEY, SL_FIELD_BYTES, struct sl_client_security_inst, server_key,
                   SL_MAX_KEY_LEN),
    SL_STORE_FIELD(SL_SEC_SECRET_KEY, SL_FIELD_BYTES, struct sl_client_security_inst, secret_key,
                   SL_MAX_KEY_LEN),
    SL_STORE_FIELD(SL_SEC_SSID, SL_FIELD_INT, struct sl_client_security_inst, scid, 0),
    SL_STORE_FIELD(SL_SEC_OSCORE, SL_FIELD_OBJLNK, struct sl_client_security_inst, oscore, 0),
};

static const struct sl_field client_fields[] = {
    SL_STORE_FIELD(SL_CLI_SCID, SL_FIELD_INT, struct sl_client_inst, scid, 0),
    SL_STORE_FIELD(SL_CLI_LIFETIME, SL_FIELD_INT, struct sl_client_inst, lifetime, 0),
    SL_STORE_FIELD(SL_SRV_PMIN, SL_FIELD_INT, struct sl_client_inst, pmin, 0),
    SL_STORE_FIELD(SL_SRV_PMAX, SL_FIELD_INT, struct sl_client_inst, pmax, 0),
    SL_STORE_FIELD(SL_SRV_DISABLE_TIMEOUT, SL_FIELD_INT, struct sl_client_inst, disable_timeout, 0),
    SL_STORE_FIELD(SL_SRV_STORING, SL_FIELD_BOOL, struct sl_client_inst, storing, 0),
    SL_STORE_FIELD(SL_SRV_BINDING, SL_FIELD_BYTES, struct sl_client_inst, binding, 8),
    SL_STORE_FIELD(SL_CLI_ENDPOINT, SL_FIELD_BYTES, struct sl_client_inst, endpoint,
                   SL_MAX_ENDPOINT_LEN),
};

static const struct sl_field client_acl_fields[] = {
    SL_STORE_FIELD(SL_ACO_RES_OID, SL_FIELD_INT, struct sl_client_acl_inst, oid, 0),
    SL_STORE_FIELD(SL_ACO_RES_IID, SL_FIELD_INT, struct sl_client_acl_inst, oiid, 0),
    SL_STORE_FIELD(SL_ACO_RES_ACL, SL_FIELD_MULTI, struct sl_client_acl_inst, acl,
                   SL_MAX_ACL_ENTRIES),
    SL_STORE_FIELD(SL_ACO_RES_OWNER, SL_FIELD_INT, struct sl_client_acl_inst, owner, 0),
};

void sl_c2c_objects_init(struct sl_c2c_objects *o)
{
#if SL_CONFIG_STORE_BACKUP
#define C2C_BACKUP(a) (a)
#else
#define C2C_BACKUP(a) NULL
#endif
    sl_store_init(&o->security, &sl_def_client_security, client_security_fields,
                  SL_STORE_FIELDS_COUNT(client_security_fields), o->sec, sizeof o->sec[0],
                  SL_MAX_CLIENT_ACCOUNTS, C2C_BACKUP(o->sec_backup));
    sl_store_init(&o->client, &sl_def_client, client_fields, SL_STORE_FIELDS_COUNT(client_fields),
                  o->cli, sizeof o->cli[0], SL_MAX_CLIENT_ACCOUNTS, C2C_BACKUP(o->cli_backup));
    sl_store_init(&o->acl, &sl_def_client_access_control, client_acl_fields,
                  SL_STORE_FIELDS_COUNT(client_acl_fields), o->aco, sizeof o->aco[0],
                  SL_MAX_CLIENT_ACL_INSTANCES, C2C_BACKUP(o->aco_backup));
#undef C2C_BACKUP
    /* a Short Client ID names one account, as a Short Server ID does */
    o->security.hooks.check = sl_core_id_check;
    o->security.hooks.validate = sl_core_id_unique;
    o->client.hooks.check = sl_core_id_check;
    o->client.hooks.validate = sl_core_id_unique;
}

int sl_c2c_security_of(const struct sl_c2c_objects *o, uint16_t scid)
{
    return sl_core_instance_with(&o->security, SL_SEC_SSID, scid);
}

int sl_c2c_client_of(const struct sl_c2c_objects *o, uint16_t scid)
{
    return sl_core_instance_with(&o->client, SL_CLI_SCID, scid);
}
