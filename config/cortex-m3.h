/* Sidelink configuration for a class-2 Cortex-M3 device (the paper's testbed
 * node: 72 MHz, 64 KiB RAM, 512 KiB flash), used by `make size`.
 *
 * Select it with -DSL_CONFIG_FILE='"cortex-m3.h"' and -I config (or the CMake
 * cache variable SL_CONFIG_FILE=<path>). Pools are sized for one server and a
 * couple of C2C peers, and messages for 128-byte blocks over 6LoWPAN.
 * Everything not set here keeps its default from include/sidelink/config.h.
 * Each value stays overridable with -D, like the defaults.
 */
#ifndef SIDELINK_CONFIG_CORTEX_M3_H
#define SIDELINK_CONFIG_CORTEX_M3_H

/* ---- CoAP ---- */
#ifndef SL_COAP_MAX_MSG
#define SL_COAP_MAX_MSG 256 /* a 128-byte block plus headers and options */
#endif
#ifndef SL_MAX_BODY
#define SL_MAX_BODY 512
#endif
#ifndef SL_COAP_DEFAULT_BLOCK
#define SL_COAP_DEFAULT_BLOCK 128
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

#endif
