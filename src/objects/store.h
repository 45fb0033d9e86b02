/* A storage-backed object: instances are plain C structs, and a const field
 * table says where each resource lives in them. All object handlers
 * (enumeration, read, write, create, delete, transactions) come from this
 * one module, so objects 0, 1, 2, 21, 11000-11002 and the IPSO demo objects
 * carry no code of their own beyond their table.
 *
 * Every instance struct starts with `struct sl_store_hdr`. Field storage:
 *   SL_FIELD_INT    int64_t          (Integer, Unsigned within int64, Time)
 *   SL_FIELD_BOOL   bool
 *   SL_FIELD_FLOAT  double
 *   SL_FIELD_OBJLNK struct sl_objlnk
 *   SL_FIELD_BYTES  SL_STORE_BYTES(cap)  (String, Opaque, Corelnk)
 *   SL_FIELD_MULTI  SL_STORE_MULTI(cap)  (a multiple Integer resource)
 * A field is present once written (a bit in the header); resources of the
 * object without a field (executables) are always present.
 *
 * With a backup buffer (inst_max instances), writes are transactional:
 * begin() copies the instances, rollback() restores them. commit() calls the
 * `committed` hook, where an application persists the object.
 *
 * Without one, a request is all or nothing because nothing the data model's
 * first pass admits can fail later: the store's check op refuses there what
 * sl_store_set() would (a string over its capacity, an Unsigned beyond
 * int64, a field it lacks) and also a new entry of a multiple resource
 * (which could find the resource full halfway through; overwriting an
 * entry cannot fail), and the `check` hook refuses what the `validate` hook
 * would for a one-instance write. A Create that fails is undone by deleting
 * what it made. So a validate hook that can fail for a write the check hook
 * admits (one that changes several instances: a Write-Composite) needs a
 * backup (config.h: SL_CONFIG_STORE_BACKUP 0 excludes Write-Composite).
 */
#ifndef SL_OBJECTS_STORE_H
#define SL_OBJECTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/object.h"
#include "codec/wbuf.h"

enum sl_field_kind {
    SL_FIELD_INT = 1,
    SL_FIELD_BOOL,
    SL_FIELD_FLOAT,
    SL_FIELD_OBJLNK,
    SL_FIELD_BYTES,
    SL_FIELD_MULTI
};

struct sl_field {
    uint16_t rid;
    uint8_t kind;
    uint16_t offset; /* offsetof(instance struct, member) */
    uint16_t cap;    /* BYTES: bytes; MULTI: entries */
};

/* A field table entry: SL_STORE_FIELD(rid, SL_FIELD_INT, struct my_inst, member, 0). */
#define SL_STORE_FIELD(rid, kind, type, member, cap)                                           \
    { rid, kind, (uint16_t)offsetof(type, member), cap }
#define SL_STORE_FIELDS_COUNT(table) ((uint8_t)(sizeof table / sizeof table[0]))

struct sl_store_hdr {
    bool used;
    uint16_t iid;
    uint32_t present; /* bit k: field k has a value */
};

struct sl_store_entry {
    uint16_t id;
    int64_t value;
};

#define SL_STORE_BYTES(n)                                                                      \
    struct {                                                                                   \
        uint16_t len;                                                                          \
        uint8_t data[n];                                                                       \
    }
#define SL_STORE_MULTI(n)                                                                      \
    struct {                                                                                   \
        uint16_t count;                                                                        \
        struct sl_store_entry e[n];                                                            \
    }

struct sl_store;

/* Optional application hooks. */
struct sl_store_hooks {
    /* Executable resources (owned by whoever implements them, e.g. the
     * registration client for object 1), with their own context. */
    void *execute_ctx;
    sl_err (*execute)(void *ctx, struct sl_store *s, uint16_t iid, uint16_t rid,
                      const uint8_t *args, size_t len);
    void *ctx; /* for check, validate and committed: the application's */
    /* A value for one field (riid SL_ID_NONE for a single resource) in the
     * data model's first pass, after the store's own checks (capacity,
     * range): SL_OK or the error to answer with, before anything changes. */
    sl_err (*check)(void *ctx, const struct sl_store *s, uint16_t iid, uint16_t rid,
                    uint16_t riid, const struct sl_value *v);
    /* Whole-object consistency before commit (e.g. unique Short Server IDs). */
    sl_err (*validate)(void *ctx, struct sl_store *s);
    /* After every successful change (persist here). */
    void (*committed)(void *ctx, struct sl_store *s);
};

struct sl_store {
    struct sl_obj obj;
    const struct sl_field *fields; /* sorted by rid */
    uint8_t field_count;           /* at most 32 */
    bool in_txn; /* (by field_count: a short offset for a short load) */
    uint16_t inst_max;
    uint8_t *inst;
    size_t inst_size;
    uint8_t *backup; /* inst_size * inst_max bytes, or NULL */
    struct sl_store_hooks hooks;
};

/* inst: an array of inst_max instance structs of inst_size bytes each. */
void sl_store_init(struct sl_store *s, const struct sl_obj_def *def, const struct sl_field *fields,
                   uint8_t field_count, void *inst, size_t inst_size, uint16_t inst_max,
                   void *backup);

/* The instance struct, or NULL. */
void *sl_store_get(const struct sl_store *s, uint16_t iid);
/* Make an instance with no values (SL_ERR_CONFLICT if it exists,
 * SL_ERR_NOMEM when full); *out receives it. */
sl_err sl_store_add(struct sl_store *s, uint16_t iid, void **out);
sl_err sl_store_remove(struct sl_store *s, uint16_t iid);

/* Local access by the application (no access control, no notification:
 * call sl_engine_changed() after a set that observers should see).
 * riid is SL_ID_NONE for single resources. */
sl_err sl_store_set(struct sl_store *s, uint16_t iid, uint16_t rid, uint16_t riid,
                    const struct sl_value *v);
sl_err sl_store_read(const struct sl_store *s, uint16_t iid, uint16_t rid, uint16_t riid,
                     struct sl_value *out);
bool sl_store_has(const struct sl_store *s, uint16_t iid, uint16_t rid);
/* Shorthands for the common field kinds; defaults when absent. */
int64_t sl_store_int(const struct sl_store *s, uint16_t iid, uint16_t rid, int64_t dflt);
/* A BYTES field as a NUL-terminated string into buf (truncated to cap-1). */
size_t sl_store_str(const struct sl_store *s, uint16_t iid, uint16_t rid, char *buf, size_t cap);
/* Instance after `after` (-1 for the first) in ID order, or SL_ERR_END. */
sl_err sl_store_next(const struct sl_store *s, int32_t after, uint16_t *iid);

/* Persistence: every instance and every field (including ones no peer may
 * read, such as keys) as an object-level TLV, and back. Loading replaces
 * the current instances; on a malformed input nothing changes. */
sl_err sl_store_save(const struct sl_store *s, struct sl_wbuf *w);
sl_err sl_store_load(struct sl_store *s, const uint8_t *data, size_t len);

#endif
