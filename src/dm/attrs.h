/* Notification attributes (LwM2M Core 5.1.2 / 7.3): what Write-Attributes
 * stores, per actor and path, and how levels inherit (object -> instance ->
 * resource -> resource instance, the deeper level winning). The functions
 * exist with SL_CONFIG_OBSERVE_ATTRS only; struct sl_attrs always does (the
 * engine fills pmin/pmax from the Server object's defaults). */
#ifndef SL_DM_ATTRS_H
#define SL_DM_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#include "sidelink/config.h"
#include "sidelink/types.h"
#include "coap/coap_msg.h"
#include "dm/actor.h"

enum sl_attr_bit {
    SL_ATTR_PMIN = 1u << 0,
    SL_ATTR_PMAX = 1u << 1,
    SL_ATTR_GT = 1u << 2,
    SL_ATTR_LT = 1u << 3,
    SL_ATTR_ST = 1u << 4,
    SL_ATTR_EPMIN = 1u << 5,
    SL_ATTR_EPMAX = 1u << 6
};
#define SL_ATTR_NUMERIC (SL_ATTR_GT | SL_ATTR_LT | SL_ATTR_ST)

/* gt, lt and st: real numbers, or integers in a build without
 * SL_CONFIG_FLOAT (where Write-Attributes refuses a fraction). */
#if SL_CONFIG_FLOAT
typedef double sl_attr_num;
#else
typedef int64_t sl_attr_num;
#endif

struct sl_attrs {
    uint8_t set; /* SL_ATTR_* present */
    uint32_t pmin, pmax, epmin, epmax; /* seconds */
    sl_attr_num gt, lt, st;
};

struct sl_attr_entry {
    bool used;
    struct sl_actor actor;
    struct sl_path path;
    struct sl_attrs a;
};

struct sl_attr_store {
    struct sl_attr_entry e[SL_MAX_ATTRS];
};

/* Parse the Uri-Query options of a Write-Attributes request: values to set
 * in *set (set->set says which) and attributes to clear ("?pmin" without a
 * value) in *clear. Unknown attributes, bad numbers and repeated ones give
 * SL_ERR_INVALID. */
sl_err sl_attrs_parse_query(const struct sl_coap_msg *m, struct sl_attrs *set, uint8_t *clear);

/* Copy every attribute that src sets into dst. */
void sl_attrs_merge(struct sl_attrs *dst, const struct sl_attrs *src);

/* LwM2M 1.1 5.1.2: lt < gt and lt + 2 * st < gt when both are set, and
 * epmin <= epmax. */
bool sl_attrs_consistent(const struct sl_attrs *a);

/* Whether a numeric value that went from `last` to `now` crosses gt or lt
 * or moved by st or more (true when none of them is set). */
bool sl_attrs_numeric_notifies(const struct sl_attrs *a, sl_attr_num last, sl_attr_num now);

/* The attributes set in `a` as link-format parameters of the last link
 * (";pmin=10;gt=20.5"), in Discover's order: pmin pmax gt lt st epmin
 * epmax. */
struct sl_link_writer;
sl_err sl_attrs_put_link_params(struct sl_link_writer *lw, const struct sl_attrs *a);

/* Merge set/clear into the entry of (actor, path). SL_ERR_NOMEM when the
 * store is full. An entry with nothing left set is freed. */
sl_err sl_attr_store_apply(struct sl_attr_store *s, const struct sl_actor *who,
                           const struct sl_path *path, const struct sl_attrs *set, uint8_t clear);
/* Attributes set exactly at this level, or NULL. */
const struct sl_attrs *sl_attr_store_get(const struct sl_attr_store *s, const struct sl_actor *who,
                                         const struct sl_path *path);
/* Attributes in force at `path`: each attribute from the deepest level that
 * sets it. */
void sl_attr_store_effective(const struct sl_attr_store *s, const struct sl_actor *who,
                             const struct sl_path *path, struct sl_attrs *out);
/* Drop every entry at or below `path` (an instance was deleted). */
void sl_attr_store_forget_path(struct sl_attr_store *s, const struct sl_path *path);
/* Drop every entry of an actor (a server or client account went away). */
void sl_attr_store_forget_actor(struct sl_attr_store *s, const struct sl_actor *who);

#endif
