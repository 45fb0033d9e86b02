/* Object 21 (OSCORE) as a storage-backed object. */
#include "objects/oscore_object.h"

#if SL_CONFIG_MSG_HOOK

#include <stddef.h>
#include <string.h>

static const struct sl_field oscore_fields[] = {
    SL_STORE_FIELD(SL_OSC_MASTER_SECRET, SL_FIELD_BYTES, struct sl_oscore_inst, master_secret,
                   SL_OSC_OBJ_SECRET_MAX),
    SL_STORE_FIELD(SL_OSC_SENDER_ID, SL_FIELD_BYTES, struct sl_oscore_inst, sender_id,
                   SL_OSC_OBJ_ID_MAX),
    SL_STORE_FIELD(SL_OSC_RECIPIENT_ID, SL_FIELD_BYTES, struct sl_oscore_inst, recipient_id,
                   SL_OSC_OBJ_ID_MAX),
    SL_STORE_FIELD(SL_OSC_AEAD, SL_FIELD_INT, struct sl_oscore_inst, aead, 0),
    SL_STORE_FIELD(SL_OSC_HMAC, SL_FIELD_INT, struct sl_oscore_inst, hmac, 0),
    SL_STORE_FIELD(SL_OSC_MASTER_SALT, SL_FIELD_BYTES, struct sl_oscore_inst, master_salt,
                   SL_OSC_OBJ_SALT_MAX),
    SL_STORE_FIELD(SL_OSC_ID_CONTEXT, SL_FIELD_BYTES, struct sl_oscore_inst, id_ctx,
                   SL_OSC_OBJ_ID_CTX_MAX),
};

/* One value in the data model's first pass (the store already refused
 * bytes over a field's capacity): only the algorithms this build has, and
 * a Master Secret of at least one byte (RFC 8613 3.2 derives nothing from
 * an empty one). */
static sl_err oscore_check(void *ctx, const struct sl_store *s, uint16_t iid, uint16_t rid,
                           uint16_t riid, const struct sl_value *v)
{
    (void)ctx;
    (void)s;
    (void)iid;
    (void)riid;
    switch (rid) {
    case SL_OSC_AEAD:
        return v->v.i == SL_OSC_AEAD_AES_CCM_16_64_128 ? SL_OK : SL_ERR_RANGE;
    case SL_OSC_HMAC:
        return v->v.i == SL_OSC_HKDF_SHA256 || v->v.i == SL_OSC_HMAC_256_256 ? SL_OK
                                                                            : SL_ERR_RANGE;
    case SL_OSC_MASTER_SECRET:
        return v->v.bytes.len > 0 ? SL_OK : SL_ERR_RANGE;
    default:
        return SL_OK;
    }
}

static bool same_field(const struct sl_store *s, uint16_t iid, uint16_t a, uint16_t b)
{
    struct sl_value va, vb;
    if (sl_store_read(s, iid, a, SL_ID_NONE, &va) != SL_OK ||
        sl_store_read(s, iid, b, SL_ID_NONE, &vb) != SL_OK)
        return false;
    return va.v.bytes.len == vb.v.bytes.len &&
           (va.v.bytes.len == 0 || memcmp(va.v.bytes.ptr, vb.v.bytes.ptr, va.v.bytes.len) == 0);
}

/* Before commit: a context whose Sender and Recipient IDs are equal would
 * use one key both ways (RFC 8613 3.3 forbids it). */
static sl_err oscore_validate(void *ctx, struct sl_store *s)
{
    int32_t after = -1;
    uint16_t iid;
    (void)ctx;
    while (sl_store_next(s, after, &iid) == SL_OK) {
        after = iid;
        if (same_field(s, iid, SL_OSC_SENDER_ID, SL_OSC_RECIPIENT_ID))
            return SL_ERR_CONFLICT;
    }
    return SL_OK;
}

void sl_oscore_object_init(struct sl_oscore_object *o)
{
    memset(o, 0, sizeof *o);
#if SL_CONFIG_STORE_BACKUP
    void *backup = o->backup;
#else
    void *backup = NULL;
#endif
    sl_store_init(&o->store, &sl_def_oscore, oscore_fields, SL_STORE_FIELDS_COUNT(oscore_fields),
                  o->inst, sizeof o->inst[0], SL_MAX_OSCORE_CONTEXTS, backup);
    o->store.hooks.check = oscore_check;
    o->store.hooks.validate = oscore_validate;
}

sl_err sl_oscore_object_linked(const struct sl_store *security, uint16_t sec_iid, uint16_t *iid)
{
    struct sl_value v;
    if (sl_store_read(security, sec_iid, SL_SEC_OSCORE, SL_ID_NONE, &v) != SL_OK ||
        (v.v.objlnk.oid == SL_ID_NONE && v.v.objlnk.iid == SL_ID_NONE))
        return SL_ERR_NOT_FOUND;
    if (v.v.objlnk.oid != sl_def_oscore.oid)
        return SL_ERR_INVALID;
    *iid = v.v.objlnk.iid;
    return SL_OK;
}

#else
/* ISO C wants a declaration in every translation unit. */
typedef int sl_oscore_object_unused;
#endif
