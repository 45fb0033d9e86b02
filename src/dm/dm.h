/* The data model: the object registry and the LwM2M operations on it
 * (Read, Discover, Write replace/update, Write-Attributes, Execute, Create,
 * Delete, Read-Composite, Write-Composite, and the bootstrap server's
 * Bootstrap-Write, Bootstrap-Delete, Bootstrap-Discover and
 * Bootstrap-Finish), each checked against access control before any
 * handler runs.
 *
 * The data model knows no roles: it is told who asks (an actor) and answers
 * with a CoAP response code and payload. Observations live in the engine;
 * the data model gives it what it needs (reads, attributes).
 */
#ifndef SL_DM_DM_H
#define SL_DM_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/config.h"
#include "sidelink/object.h"
#include "sidelink/types.h"
#include "coap/coap_msg.h"
#include "codec/wbuf.h"
#include "dm/actor.h"
#include "dm/attrs.h"

/* Instances one Bootstrap-Delete may remove: they are listed so that the
 * deletion hooks run only once all of them are gone for good. A delete of
 * more answers 5.00 and changes nothing; the bootstrap server can then
 * delete object by object. */
#ifndef SL_MAX_BOOTSTRAP_DELETE
#define SL_MAX_BOOTSTRAP_DELETE 32
#endif

enum sl_op {
    SL_OP_READ = 1,
    SL_OP_DISCOVER,
    SL_OP_WRITE_REPLACE,
    SL_OP_WRITE_UPDATE,
    SL_OP_WRITE_ATTRS,
    SL_OP_EXECUTE,
    SL_OP_CREATE,
    SL_OP_DELETE,
    SL_OP_OBSERVE,
    SL_OP_CANCEL,
    SL_OP_READ_COMPOSITE,
    SL_OP_OBSERVE_COMPOSITE,
    SL_OP_CANCEL_COMPOSITE,
    SL_OP_WRITE_COMPOSITE,
    SL_OP_BOOTSTRAP_FINISH /* POST /bs; Bootstrap-Write, -Delete and -Discover
                            * are the Write, Delete and Discover of the
                            * bootstrap actor */
};

/* Called after a successful Create / Delete, so roles can maintain access
 * control instances (object 2 / 11002) for what changed. */
struct sl_dm_hooks {
    void *ctx; /* for created and deleted: the client role's */
    void (*created)(void *ctx, const struct sl_actor *who, uint16_t oid, uint16_t iid);
    void (*deleted)(void *ctx, const struct sl_actor *who, uint16_t oid, uint16_t iid);
    /* After any successful write or create, so observers can be told: the
     * engine's. */
    void *changed_ctx;
    void (*changed)(void *ctx, const struct sl_path *path);
    /* Bootstrap-Finish from the bootstrap server: the CoAP code to answer,
     * 2.04 when the configuration written is usable, 4.06 when it is not.
     * The bootstrap client's (src/client/bootstrap.h); NULL: 4.05. */
    void *finish_ctx;
    uint8_t (*bootstrap_finish)(void *ctx);
};

struct sl_dm {
    uint8_t count; /* (first: a short offset makes a short load) */
    struct sl_obj *objs[SL_MAX_OBJECTS]; /* sorted by object ID */
#if SL_CONFIG_OBSERVE_ATTRS
    struct sl_attr_store attrs;
#endif
    struct sl_dm_hooks hooks;
};

void sl_dm_init(struct sl_dm *dm);
/* Register an object. SL_ERR_CONFLICT if its ID is taken, SL_ERR_NOMEM when
 * SL_MAX_OBJECTS are registered, SL_ERR_INVALID for a bad declaration
 * (resources not sorted, missing inst_next). */
sl_err sl_dm_add(struct sl_dm *dm, struct sl_obj *o);
struct sl_obj *sl_dm_find(const struct sl_dm *dm, uint16_t oid);

/* A decoded LwM2M request. */
struct sl_dm_req {
    uint8_t op;      /* enum sl_op */
    struct sl_path path;
    uint16_t format; /* Content-Format of the payload, SL_FMT_NONE when absent */
    uint16_t accept; /* Accept, SL_FMT_NONE when absent */
    const uint8_t *payload;
    size_t payload_len;
    struct sl_actor actor;
    const struct sl_coap_msg *msg; /* for Uri-Query (Write-Attributes) */
};

struct sl_dm_resp {
    uint8_t code;    /* CoAP response code */
    uint16_t format; /* Content-Format of the payload, SL_FMT_NONE if none */
    size_t len;      /* payload bytes written to the output buffer */
    bool has_location;
    struct sl_path location; /* Create: the new instance */
};

/* Map a CoAP request to an LwM2M operation (LwM2M Transport binding,
 * section 6.4). Returns 0 and fills req, or the CoAP error code to answer
 * (4.00 bad path, 4.05 method not allowed, 4.02 bad option). The payload,
 * format and accept fields are filled from the message; actor is not. */
uint8_t sl_dm_req_from_coap(const struct sl_dm *dm, const struct sl_coap_msg *m,
                            struct sl_dm_req *req);

/* Run an operation. The payload of the answer goes to out[0..cap). Observe
 * and Cancel are answered as Read here: the engine keeps the observation. */
void sl_dm_handle(struct sl_dm *dm, const struct sl_dm_req *req, uint8_t *out, size_t cap,
                  struct sl_dm_resp *resp);

/* Read `path` for `who` into `w` as `format` (SL_FMT_NONE: the default for
 * the path). Returns the CoAP code (2.05 on success) and the format used. */
uint8_t sl_dm_read(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *path,
                   uint16_t format, struct sl_wbuf *w, uint16_t *format_used);

/* The paths of a Read-Composite or Observe-Composite request body: at most
 * cap, sorted, with paths inside an earlier one dropped. Returns 0 or the
 * CoAP error code (4.15 for a format that cannot carry them, 4.00, 4.13). */
uint8_t sl_dm_composite_paths(const struct sl_dm_req *req, struct sl_path *paths, unsigned cap,
                              unsigned *count);

/* Read several paths (sorted, none inside another) into one composite
 * payload (SenML CBOR or LwM2M CBOR); paths that do not exist are left out. */
uint8_t sl_dm_read_paths(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *paths,
                         unsigned count, uint16_t format, struct sl_wbuf *w);

#if SL_CONFIG_OBSERVE_ATTRS
/* Read one numeric resource for gt/lt/st (a double, or without
 * SL_CONFIG_FLOAT an integer: SL_ERR_RANGE for an Unsigned above
 * INT64_MAX), SL_ERR_TYPE when not numeric. */
sl_err sl_dm_read_number(struct sl_dm *dm, const struct sl_path *path, sl_attr_num *out);
#endif

/* Whether `path` names something that exists (object, instance, resource,
 * resource instance). */
bool sl_dm_path_exists(const struct sl_dm *dm, const struct sl_path *path);

/* The link of an object, "</3>", with ";ver=1.1" when its version is not
 * 1.0 (Discover, and the Register link list). */
struct sl_link_writer;
sl_err sl_dm_put_object_link(struct sl_link_writer *lw, const struct sl_obj_def *def);

/* Map an sl_err from a handler to the CoAP code to answer. */
uint8_t sl_dm_err_to_coap(sl_err err);

#endif
