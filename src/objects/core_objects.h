/* The client's account objects as storage-backed objects: 0 Security,
 * 1 Server and 2 Access Control (with SL_CONFIG_ACL), with their instance
 * layouts. Their state is what must survive a restart; the client persists
 * each store when it commits (store.h). */
#ifndef SL_OBJECTS_CORE_OBJECTS_H
#define SL_OBJECTS_CORE_OBJECTS_H

#include "sidelink/config.h"
#include "objects/defs.h"
#include "objects/store.h"

/* Security Mode values (object 0 resource 2). */
enum { SL_SEC_MODE_PSK = 0, SL_SEC_MODE_RPK = 1, SL_SEC_MODE_CERT = 2, SL_SEC_MODE_NOSEC = 3 };

struct sl_security_inst {
    struct sl_store_hdr h;
    SL_STORE_BYTES(SL_MAX_URI_LEN) uri;
    bool bootstrap;
    int64_t mode;
    SL_STORE_BYTES(SL_MAX_IDENTITY_LEN) identity;
    SL_STORE_BYTES(SL_MAX_KEY_LEN) server_key;
    SL_STORE_BYTES(SL_MAX_KEY_LEN) secret_key;
    int64_t ssid;
    int64_t hold_off;
    int64_t bs_timeout;
    struct sl_objlnk oscore;
};

struct sl_server_inst {
    struct sl_store_hdr h;
    int64_t ssid;
    int64_t lifetime;
    int64_t pmin;
    int64_t pmax;
    int64_t disable_timeout;
    bool storing;
    SL_STORE_BYTES(8) binding;
};

#if SL_CONFIG_ACL
struct sl_acl_inst {
    struct sl_store_hdr h;
    int64_t oid;
    int64_t oiid;
    SL_STORE_MULTI(SL_MAX_ACL_ENTRIES) acl;
    int64_t owner;
};
#endif

struct sl_core_objects {
    struct sl_store security;
    struct sl_store server;
#if SL_CONFIG_ACL
    struct sl_store acl;
#endif
    /* one more security instance than servers: the bootstrap server's */
    struct sl_security_inst sec[SL_MAX_SERVERS + 1];
    struct sl_server_inst srv[SL_MAX_SERVERS];
#if SL_CONFIG_ACL
    struct sl_acl_inst aco[SL_MAX_ACL_INSTANCES];
#endif
#if SL_CONFIG_STORE_BACKUP
    struct sl_security_inst sec_backup[SL_MAX_SERVERS + 1];
    struct sl_server_inst srv_backup[SL_MAX_SERVERS];
#if SL_CONFIG_ACL
    struct sl_acl_inst aco_backup[SL_MAX_ACL_INSTANCES];
#endif
#endif
};

void sl_core_objects_init(struct sl_core_objects *co);

/* The first instance of s whose integer resource rid is value, or -1. */
int sl_core_instance_with(const struct sl_store *s, uint16_t rid, uint16_t value);
/* The Security instance of a Short Server ID, the Server instance, or -1. */
int sl_core_security_of(const struct sl_core_objects *co, uint16_t ssid);
int sl_core_server_of(const struct sl_core_objects *co, uint16_t ssid);
/* The store hooks that keep Short Server (and Short Client) IDs unique in
 * objects 0, 1, 11000 and 11001: `check` for one value in the first pass,
 * `validate` over the whole object before commit. */
sl_err sl_core_id_check(void *ctx, const struct sl_store *s, uint16_t iid, uint16_t rid,
                        uint16_t riid, const struct sl_value *v);
sl_err sl_core_id_unique(void *ctx, struct sl_store *s);
/* Whether Security instance `iid` is a bootstrap server's account
 * (resource 1 Bootstrap-Server is true). */
bool sl_core_is_bootstrap(const struct sl_core_objects *co, uint16_t iid);

#if SL_CONFIG_ACL
/* Give `owner` an Access Control instance for (oid, iid) with full rights
 * when several servers exist (LwM2M Core 7.3.3: the creating server owns
 * what it creates); a no-op with a single server. */
sl_err sl_core_acl_created(struct sl_core_objects *co, uint16_t oid, uint16_t iid, uint16_t owner);
/* Drop the Access Control instance of a deleted object instance. */
void sl_core_acl_deleted(struct sl_core_objects *co, uint16_t oid, uint16_t iid);
#endif

#endif
