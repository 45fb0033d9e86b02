/* Objects as the application declares them: a const table of resources plus
 * handlers. The engine checks paths, types, operations and access before a
 * handler runs, so a handler only moves values.
 *
 * Handlers get values already converted to the declared type; strings and
 * opaque values point into the request and must be copied to be kept.
 * Handlers that are NULL mean "not supported" (the engine answers 4.05) except
 * where noted.
 */
#ifndef SIDELINK_OBJECT_H
#define SIDELINK_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/types.h"

/* Resource flags: allowed operations, then shape. */
#define SL_RES_R 0x01u
#define SL_RES_W 0x02u
#define SL_RES_E 0x04u
#define SL_RES_RW (SL_RES_R | SL_RES_W)
#define SL_RES_MULTI 0x08u     /* multiple-instance resource */
#define SL_RES_MANDATORY 0x10u /* must be present on every instance */

struct sl_res_def {
    uint16_t id;
    uint8_t type;  /* enum sl_type; SL_TYPE_NONE for executable resources */
    uint8_t flags; /* SL_RES_* */
};

/* Object flags. */
#define SL_OBJ_MULTI 0x01u     /* may have several instances */
#define SL_OBJ_MANDATORY 0x02u /* the client must always have it */

struct sl_obj_def {
    uint16_t oid;
    uint8_t flags;
    uint8_t ver_major; /* object version, 1.0 unless stated */
    uint8_t ver_minor;
    uint16_t res_count;
    const struct sl_res_def *res; /* sorted by id */
};

struct sl_obj;

struct sl_obj_ops {
    /* Smallest instance ID greater than `after` (-1 for the first):
     * SL_OK and *iid, or SL_ERR_END. Required. */
    sl_err (*inst_next)(const struct sl_obj *o, int32_t after, uint16_t *iid);
    /* Whether an optional resource is present on an instance. NULL: every
     * declared resource is present. */
    bool (*res_present)(const struct sl_obj *o, uint16_t iid, uint16_t rid);
    /* Multiple resources: smallest resource-instance ID greater than `after`
     * (-1 for the first), or SL_ERR_END. Required if any resource is MULTI. */
    sl_err (*res_inst_next)(const struct sl_obj *o, uint16_t iid, uint16_t rid, int32_t after,
                            uint16_t *riid);
    /* riid is SL_ID_NONE for single resources. */
    sl_err (*read)(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                   struct sl_value *out);
    sl_err (*write)(struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                    const struct sl_value *v);
    /* Remove every instance of a multiple resource, or an optional single
     * resource (before a replacing write). NULL: replace overwrites only. */
    sl_err (*res_clear)(struct sl_obj *o, uint16_t iid, uint16_t rid);
    sl_err (*execute)(struct sl_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args,
                      size_t len);
    sl_err (*create)(struct sl_obj *o, uint16_t iid);
    sl_err (*remove)(struct sl_obj *o, uint16_t iid);
    /* Atomic writes (Create with values, Write-Composite, replace): the
     * engine calls begin() on every object it is about to change, then the
     * writes, then validate() on each (e.g. mandatory resources present),
     * then commit() on all, or rollback() on all if anything failed. An
     * object without begin/rollback cannot undo, so the engine checks every
     * value before the first write and such objects only see writes that
     * passed those checks. */
    sl_err (*begin)(struct sl_obj *o);
    sl_err (*validate)(struct sl_obj *o);
    void (*commit)(struct sl_obj *o);
    void (*rollback)(struct sl_obj *o);
    /* Whether write() would take this value (riid SL_ID_NONE for a single
     * resource), asked for every record in the data model's first pass, so
     * that a limit of the object (a string's capacity, say) refuses the
     * request before anything is written: the error is answered as write()'s
     * would be. iid may name an instance the request creates. NULL: every
     * value of the declared type is taken. */
    sl_err (*check)(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                    const struct sl_value *v);
};

struct sl_obj {
    const struct sl_obj_def *def;
    const struct sl_obj_ops *ops;
    void *ctx; /* the application's */
};

/* Declared resource of an object, or NULL. */
const struct sl_res_def *sl_obj_res(const struct sl_obj_def *def, uint16_t rid);
/* Whether instance iid exists. */
bool sl_obj_has_instance(const struct sl_obj *o, uint16_t iid);

#endif
