/* The C2C extension's account objects (DESIGN 4) as storage-backed
 * objects, like objects 0, 1 and 2 (core_objects.h): 11000 Client
 * Security, 11001 Client, 11002 Client Access Control. A hosting client
 * keeps in them the accounts, credentials and ACLs of the clients that may
 * operate on it; servers manage them with ordinary device management
 * (clients never may: dm/acl.c), and the application persists each store
 * when it commits, as for the others. The Secret Key (11000/5) is write
 * only for everyone. Short Client IDs are unique within 11000 and within
 * 11001 (the same checks as Short Server IDs). */
#ifndef SL_OBJECTS_C2C_OBJECTS_H
#define SL_OBJECTS_C2C_OBJECTS_H

#include "sidelink/config.h"
#include "objects/defs.h"
#include "objects/store.h"

/* Client accounts a hosting client keeps (11000 and 11001 instances). */
#ifndef SL_MAX_CLIENT_ACCOUNTS
#define SL_MAX_CLIENT_ACCOUNTS 4
#endif
/* Client Access Control instances (11002). */
#ifndef SL_MAX_CLIENT_ACL_INSTANCES
#define SL_MAX_CLIENT_ACL_INSTANCES 8
#endif

struct sl_client_security_inst {
    struct sl_store_hdr h;
    SL_STORE_BYTES(SL_MAX_URI_LEN) uri;
    int64_t mode;
    SL_STORE_BYTES(SL_MAX_IDENTITY_LEN) identity;
    SL_STORE_BYTES(SL_MAX_KEY_LEN) server_key;
    SL_STORE_BYTES(SL_MAX_KEY_LEN) secret_key;
    int64_t scid;
    struct sl_objlnk oscore;
};

struct sl_client_inst {
    struct sl_store_hdr h;
    int64_t scid;
    int64_t lifetime;
    int64_t pmin;
    int64_t pmax;
    int64_t disable_timeout;
    bool storing;
    SL_STORE_BYTES(8) binding;
    SL_STORE_BYTES(SL_MAX_ENDPOINT_LEN) endpoint;
};

struct sl_client_acl_inst {
    struct sl_store_hdr h;
    int64_t oid;
    int64_t oiid;
    SL_STORE_MULTI(SL_MAX_ACL_ENTRIES) acl;
    int64_t owner;
};

struct sl_c2c_objects {
    struct sl_store security; /* 11000: register .obj with the engine */
    struct sl_store client;   /* 11001 */
    struct sl_store acl;      /* 11002 */
    struct sl_client_security_inst sec[SL_MAX_CLIENT_ACCOUNTS];
    struct sl_client_inst cli[SL_MAX_CLIENT_ACCOUNTS];
    struct sl_client_acl_inst aco[SL_MAX_CLIENT_ACL_INSTANCES];
#if SL_CONFIG_STORE_BACKUP
    struct sl_client_security_inst sec_backup[SL_MAX_CLIENT_ACCOUNTS];
    struct sl_client_inst cli_backup[SL_MAX_CLIENT_ACCOUNTS];
    struct sl_client_acl_inst aco_backup[SL_MAX_CLIENT_ACL_INSTANCES];
#endif
};

/* Empty objects with their checks. */
void sl_c2c_objects_init(struct sl_c2c_objects *o);

/* The 11000 instance of a Short Client ID, the 11001 instance, or -1. */
int sl_c2c_security_of(const struct sl_c2c_objects *o, uint16_t scid);
int sl_c2c_client_of(const struct sl_c2c_objects *o, uint16_t scid);

#endif
