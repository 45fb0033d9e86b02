/* Helpers shared by the data-model operation files (dm.c, dm_read.c,
 * dm_write.c). Not part of any public interface. */
#ifndef SL_DM_INTERNAL_H
#define SL_DM_INTERNAL_H

#include "dm/dm.h"

/* Resolve a path of at least object level: object, declared resource (when
 * len >= 3). Returns 0 or the CoAP code: 4.04 for anything missing. */
uint8_t dm_resolve(const struct sl_dm *dm, const struct sl_path *path, struct sl_obj **obj,
                   const struct sl_res_def **res);

/* The same, where a declared resource (or resource instance) without a
 * value yet counts as found: the target of a Write that gives it one. */
uint8_t dm_resolve_for(const struct sl_dm *dm, const struct sl_path *path, bool must_be_present,
                       struct sl_obj **obj, const struct sl_res_def **res);

bool dm_res_present(const struct sl_obj *o, uint16_t iid, const struct sl_res_def *rd);
bool dm_res_inst_exists(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid);

/* Read one value and give it the declared type. */
sl_err dm_read_value(const struct sl_obj *o, uint16_t iid, const struct sl_res_def *rd,
                     uint16_t riid, struct sl_value *out);

/* The format to answer with when the request names none. */
uint16_t dm_default_format(const struct sl_dm *dm, const struct sl_path *path);

uint8_t dm_discover(struct sl_dm *dm, const struct sl_actor *who, const struct sl_path *path,
                    struct sl_wbuf *w);
#if SL_CONFIG_COMPOSITE
uint8_t dm_read_composite(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_wbuf *w,
                          uint16_t *format_used);
#endif

/* Writes get the response buffer as scratch space (they answer without a
 * payload): base64 text for an Opaque resource is decoded there. */
uint8_t dm_write(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_wbuf *scratch);
#if SL_CONFIG_COMPOSITE
uint8_t dm_write_composite(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_wbuf *scratch);
#endif
uint8_t dm_create(struct sl_dm *dm, const struct sl_dm_req *req, struct sl_dm_resp *resp,
                  struct sl_wbuf *scratch);
uint8_t dm_delete(struct sl_dm *dm, const struct sl_dm_req *req);
uint8_t dm_execute(struct sl_dm *dm, const struct sl_dm_req *req);
#if SL_CONFIG_OBSERVE_ATTRS
uint8_t dm_write_attrs(struct sl_dm *dm, const struct sl_dm_req *req);
#endif

#if SL_CONFIG_BOOTSTRAP
/* Resources of objects 0 and 1 the bootstrap operations look at: the data
 * model knows objects only by their declarations, so by ID. */
#define DM_SEC_URI 0u
#define DM_SEC_BOOTSTRAP 1u
#define DM_SEC_SSID 10u
#define DM_SEC_OSCORE 17u
#define DM_SRV_SSID 0u

/* A present single resource of declared type `type`, read: how the
 * bootstrap operations look at accounts without trusting a declaration. */
bool dm_read_single(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint8_t type,
                    struct sl_value *v);

/* Bootstrap-Discover on / or /O (dm.c); dm_write() and dm_delete() take
 * the bootstrap actor's Bootstrap-Write and Bootstrap-Delete themselves. */
uint8_t dm_bootstrap_discover(struct sl_dm *dm, const struct sl_path *path, struct sl_wbuf *w);
#endif

#endif
