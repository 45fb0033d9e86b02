/* Object 21 (OSCORE, v2.0) as a storage-backed object, like objects 0, 1
 * and 2 (core_objects.h): one instance per OSCORE security context, linked
 * from a Security instance's resource 17 (SL_SEC_OSCORE). The application
 * persists the store when it commits, as for the others (store.h).
 *
 * Resources: 0 Master Secret, 1 Sender ID, 2 Recipient ID (Opaque), 3 AEAD
 * Algorithm (10, AES-CCM-16-64-128, is the only one supported), 4 HMAC
 * Algorithm (HKDF SHA-256 only: -10, or 5 for HMAC 256/256), 5 Master
 * Salt, 6 ID Context (Opaque). None is readable by anyone (DESIGN 3: the
 * declaration in defs.c gives them W only); writes are checked against the
 * limits of RFC 8613 3.3 here, so what the store holds can be derived.
 *
 * Built only with the message hook (SL_CONFIG_MSG_HOOK): without it OSCORE
 * cannot be used, and the object would be dead weight in a small build.
 * Turning it into a security context (the crypto) is outside the core:
 * src/security/oscore_peer.h, sl_oscore_params_from_object().
 */
#ifndef SL_OBJECTS_OSCORE_OBJECT_H
#define SL_OBJECTS_OSCORE_OBJECT_H

#include "sidelink/config.h"
#include "objects/defs.h"
#include "objects/store.h"

/* OSCORE security contexts a node holds: instances of object 21, and
 * contexts of the OSCORE peer adapter. By default one per server account
 * plus the bootstrap server's. */
#ifndef SL_MAX_OSCORE_CONTEXTS
#define SL_MAX_OSCORE_CONTEXTS (SL_MAX_SERVERS + 1)
#endif

/* Field capacities: RFC 8613 3.3 (IDs at most nonce length - 6 = 7 bytes)
 * and the derivation's limits (security/oscore.h checks them again). */
#define SL_OSC_OBJ_SECRET_MAX 32
#define SL_OSC_OBJ_ID_MAX 7
#define SL_OSC_OBJ_SALT_MAX 32
#define SL_OSC_OBJ_ID_CTX_MAX 8

/* The values object 21 accepts for resources 3 and 4 (COSE algorithms). */
#define SL_OSC_AEAD_AES_CCM_16_64_128 10
#define SL_OSC_HKDF_SHA256 (-10)
#define SL_OSC_HMAC_256_256 5

#if SL_CONFIG_MSG_HOOK

struct sl_oscore_inst {
    struct sl_store_hdr h;
    SL_STORE_BYTES(SL_OSC_OBJ_SECRET_MAX) master_secret;
    SL_STORE_BYTES(SL_OSC_OBJ_ID_MAX) sender_id;
    SL_STORE_BYTES(SL_OSC_OBJ_ID_MAX) recipient_id;
    int64_t aead;
    int64_t hmac;
    SL_STORE_BYTES(SL_OSC_OBJ_SALT_MAX) master_salt;
    SL_STORE_BYTES(SL_OSC_OBJ_ID_CTX_MAX) id_ctx;
};

struct sl_oscore_object {
    struct sl_store store; /* register store.obj with the engine */
    struct sl_oscore_inst inst[SL_MAX_OSCORE_CONTEXTS];
#if SL_CONFIG_STORE_BACKUP
    struct sl_oscore_inst backup[SL_MAX_OSCORE_CONTEXTS];
#endif
};

/* An empty object 21 with its checks (algorithms, a non-empty Master
 * Secret, Sender ID != Recipient ID). Set store.hooks.committed (and .ctx)
 * to persist it. */
void sl_oscore_object_init(struct sl_oscore_object *o);

/* The object 21 instance a Security (or Client Security) instance links to
 * through resource 17: SL_OK with *iid, SL_ERR_NOT_FOUND when the instance
 * has no link (or a null one, 65535:65535), SL_ERR_INVALID when it links to
 * another object. */
sl_err sl_oscore_object_linked(const struct sl_store *security, uint16_t sec_iid, uint16_t *iid);

#endif
#endif
