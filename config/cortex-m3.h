/* Sidelink configuration for a class-2 Cortex-M3 device (the paper's testbed
 * node: 72 MHz, 64 KiB RAM, 512 KiB flash), used by `make size`: the
 * minimal client of DESIGN 7 (objects 0, 1 and 3, one server account, no
 * C2C hosting, no bootstrap-only or Float objects).
 *
 * Select it with -DSL_CONFIG_FILE='"cortex-m3.h"' and -I config (or the CMake
 * cache variable SL_CONFIG_FILE=<path>). Pools are sized for one server and
 * two C2C peers, and messages for 64-byte blocks: one block and its CoAP
 * header fit one IEEE 802.15.4 frame after 6LoWPAN compression (127 bytes,
 * about 90 for UDP payload), so no message needs 6LoWPAN fragmentation.
 * Everything not set here keeps its default from include/sidelink/config.h.
 * Each value stays overridable with -D, like the defaults (`make size`
 * builds its "full" variant with every optional module switched back on).
 */
#ifndef SIDELINK_CONFIG_CORTEX_M3_H
#define SIDELINK_CONFIG_CORTEX_M3_H

/* ---- optional modules ---- */
/* Data formats TLV, plain text, opaque and CoRE link; no CBOR-based ones,
 * so no composite operations. */
#ifndef SL_CONFIG_SENML_CBOR
#define SL_CONFIG_SENML_CBOR 0
#endif
#ifndef SL_CONFIG_LWM2M_CBOR
#define SL_CONFIG_LWM2M_CBOR 0
#endif
#ifndef SL_CONFIG_COMPOSITE
#define SL_CONFIG_COMPOSITE 0
#endif
/* Objects 0, 1 and 3 have no Float resource: no soft-float in the image. */
#ifndef SL_CONFIG_FLOAT
#define SL_CONFIG_FLOAT 0
#endif
/* Requests of up to one message (answers are still sliced into Block2
 * blocks): no Block1 reassembly buffer. */
#ifndef SL_CONFIG_BLOCK
#define SL_CONFIG_BLOCK 0
#endif
/* One server account and no C2C hosting: no access-control objects. */
#ifndef SL_CONFIG_ACL
#define SL_CONFIG_ACL 0
#endif
/* Provisioned at the factory: no bootstrap interface (DESIGN 7's minimal
 * client is registration, device management and observe). */
#ifndef SL_CONFIG_BOOTSTRAP
#define SL_CONFIG_BOOTSTRAP 0
#endif
/* No OSCORE (the footprint leaves security out): no message hook. */
#ifndef SL_CONFIG_MSG_HOOK
#define SL_CONFIG_MSG_HOOK 0
#endif
/* Notifications at the Server object's Default Minimum/Maximum Period,
 * which the server can write; no Write-Attributes (answered 4.05). This is
 * the one option here that takes away something a server could use with
 * objects 0, 1 and 3: set it to 1 for per-path pmin/pmax/gt/lt/st/epmin/
 * epmax (about 2 KiB of ROM and 400 bytes of RAM). */
#ifndef SL_CONFIG_OBSERVE_ATTRS
#define SL_CONFIG_OBSERVE_ATTRS 0
#endif
/* No backup copies of objects 0 and 1: their writes are checked whole
 * before the first one is made (src/objects/store.h). */
#ifndef SL_CONFIG_STORE_BACKUP
#define SL_CONFIG_STORE_BACKUP 0
#endif

/* ---- CoAP ---- */
#ifndef SL_COAP_MAX_MSG
#define SL_COAP_MAX_MSG 160 /* a 64-byte block plus headers and options, or a Register */
#endif
#ifndef SL_MAX_BODY
#define SL_MAX_BODY 384 /* a Read of /3 with every string at its 32 bytes */
#endif
#ifndef SL_COAP_DEFAULT_BLOCK
#define SL_COAP_DEFAULT_BLOCK 64
#endif

/* ---- engine pools ---- */
#ifndef SL_MAX_PEERS
#define SL_MAX_PEERS 3 /* one server, two C2C peers */
#endif
#ifndef SL_MAX_CON_TX
#define SL_MAX_CON_TX 3
#endif
#ifndef SL_MAX_DEDUP
#define SL_MAX_DEDUP 3
#endif
#ifndef SL_MAX_PENDING
#define SL_MAX_PENDING 3
#endif
#ifndef SL_MAX_OBSERVATIONS
#define SL_MAX_OBSERVATIONS 4
#endif
#ifndef SL_MAX_ATTRS
#define SL_MAX_ATTRS 4
#endif
#ifndef SL_MAX_OBJECTS
#define SL_MAX_OBJECTS 10
#endif
/* A registration location ("rd/..." up to SL_MAX_LOCATION) and the Register
 * query (ep, lt, lwm2m, b and an extra part for C2C addresses). */
#ifndef SL_MAX_URI_PATH
#define SL_MAX_URI_PATH 48
#endif
#ifndef SL_MAX_URI_QUERY
#define SL_MAX_URI_QUERY 96
#endif

/* ---- client roles ---- */
#ifndef SL_MAX_SERVERS
#define SL_MAX_SERVERS 1 /* and a bootstrap server account */
#endif
#ifndef SL_MAX_URI_LEN
#define SL_MAX_URI_LEN 48 /* "coaps://[2001:db8:1234:5678::1]:5684" */
#endif
#ifndef SL_MAX_IDENTITY_LEN
#define SL_MAX_IDENTITY_LEN 32
#endif
#ifndef SL_MAX_KEY_LEN
#define SL_MAX_KEY_LEN 32 /* PSKs of up to 256 bits */
#endif
#ifndef SL_MAX_ENDPOINT_LEN
#define SL_MAX_ENDPOINT_LEN 32
#endif
#ifndef SL_MAX_REG_PAYLOAD
#define SL_MAX_REG_PAYLOAD 96 /* the link list of a few objects */
#endif

#endif
