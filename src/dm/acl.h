/* Access control: may actor A do operation O on object instance (o, i)?
 * One checker for servers (object 2, Access Control) and requesting clients
 * (object 11002, Client Access Control; same resources), DESIGN 4.
 *
 * Servers (LwM2M Core 7.3.3): with at most one server account every server
 * has full access; otherwise the object 2 instance for (o, i) decides: the
 * server's own ACL entry, else full rights for the Access Control Owner,
 * else the default entry (resource instance 0), else nothing. Create asks
 * about instance 65535 of the object. Objects 0 and 21 belong to the
 * bootstrap server only. Object 2 instances: the owner may read and write,
 * other servers read.
 *
 * Clients: the 11002 entry for (o, i), else the object-level entry
 * (instance 65535), then in that entry the client's own ACL value, else the
 * default (resource instance 0), else nothing. Clients never reach the
 * security and account objects (0, 1, 2, 21, 11000..11002).
 *
 * Without SL_CONFIG_ACL no access-control object is consulted: a client has
 * one server account (config.h insists), which has the single-server rights
 * above (object 2 instances: read), and clients have no rights at all.
 */
#ifndef SL_DM_ACL_H
#define SL_DM_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "dm/dm.h"

#define SL_ACL_READ 0x01u     /* Read, Observe, Write-Attributes */
#define SL_ACL_WRITE 0x02u
#define SL_ACL_EXECUTE 0x04u
#define SL_ACL_DELETE 0x08u
#define SL_ACL_CREATE 0x10u
#define SL_ACL_DISCOVER 0x20u /* clients only: servers may always Discover */
#define SL_ACL_ALL_SERVER 0x1Fu
#define SL_ACL_ALL 0x3Fu

#define SL_OID_SECURITY 0u
#define SL_OID_SERVER 1u
#define SL_OID_ACCESS_CONTROL 2u
#define SL_OID_DEVICE 3u
#define SL_OID_OSCORE 21u
#define SL_OID_CLIENT_SECURITY 11000u
#define SL_OID_CLIENT 11001u
#define SL_OID_CLIENT_ACCESS_CONTROL 11002u

/* Resources of objects 2 and 11002. */
#define SL_ACO_RES_OID 0u
#define SL_ACO_RES_IID 1u
#define SL_ACO_RES_ACL 2u
#define SL_ACO_RES_OWNER 3u

/* The rights mask of `who` on (oid, iid); iid 65535 gives the object-level
 * rights (Create). */
uint8_t sl_acl_rights(const struct sl_dm *dm, const struct sl_actor *who, uint16_t oid,
                      uint16_t iid);
bool sl_acl_allows(const struct sl_dm *dm, const struct sl_actor *who, uint16_t oid, uint16_t iid,
                   uint8_t right);

#if SL_CONFIG_ACL
/* The access-control instance of object aco_oid (2 or 11002) for (oid, iid),
 * or SL_ERR_NOT_FOUND. */
sl_err sl_acl_find_instance(const struct sl_dm *dm, uint16_t aco_oid, uint16_t oid, uint16_t iid,
                            uint16_t *aco_iid);
#endif

#endif
