/* Compile-time configuration: every limit of a fixed pool, every optional
 * module. Override any of them with -D, or collect overrides in a header
 * named by SL_CONFIG_FILE (e.g. -DSL_CONFIG_FILE='"my_sidelink_config.h"').
 * Defaults suit a Linux daemon; the Cortex-M3 footprint build uses
 * config/cortex-m3.h.
 */
#ifndef SIDELINK_CONFIG_H
#define SIDELINK_CONFIG_H

#ifdef SL_CONFIG_FILE
#include SL_CONFIG_FILE
#endif

/* ---- optional modules (1 = built, 0 = left out) ---- */
#ifndef SL_CONFIG_TLV
#define SL_CONFIG_TLV 1
#endif
#ifndef SL_CONFIG_SENML_CBOR
#define SL_CONFIG_SENML_CBOR 1
#endif
#ifndef SL_CONFIG_LWM2M_CBOR
#define SL_CONFIG_LWM2M_CBOR 1
#endif
/* Read-Composite (FETCH), Observe-Composite and Write-Composite (iPATCH);
 * they need SenML CBOR or LwM2M CBOR. */
#ifndef SL_CONFIG_COMPOSITE
#define SL_CONFIG_COMPOSITE 1
#endif
/* Block-wise transfers (RFC 7959). */
#ifndef SL_CONFIG_BLOCK
#define SL_CONFIG_BLOCK 1
#endif
/* Floating point: Float resources in plain text and TLV, conversions to and
 * from Float, and real-valued gt/lt/st. Left out (0), no soft-float routine
 * is linked: Float values are refused (SL_ERR_TYPE, so a Read of a Float
 * resource answers 5.00 and a Write 4.00) and gt/lt/st are integers.
 * Objects 0, 1 and 3 have no Float resource. */
#ifndef SL_CONFIG_FLOAT
#define SL_CONFIG_FLOAT 1
#endif
/* Access control over objects 2 (servers) and 11002 (C2C clients), and the
 * client's object 2 store. Left out (0), a client has one server account
 * (SL_MAX_SERVERS 1), which has every right but on the bootstrap-only
 * objects (LwM2M's single-server rule), and requesting clients have none: a
 * node can still request from C2C hosts, but hosts nothing. */
#ifndef SL_CONFIG_ACL
#define SL_CONFIG_ACL 1
#endif
/* Write-Attributes and the notification attributes it stores per server and
 * path (pmin, pmax, gt, lt, st, epmin, epmax). Left out (0), Write-Attributes
 * answers 4.05 and notifications follow the Default Minimum and Maximum
 * Period of the server's Server object instance. */
#ifndef SL_CONFIG_OBSERVE_ATTRS
#define SL_CONFIG_OBSERVE_ATTRS 1
#endif
/* The message-level security hook of a peer (struct sl_msg_hook: OSCORE
 * plugs in there). Left out (0), messages go out and in as they are. */
#ifndef SL_CONFIG_MSG_HOOK
#define SL_CONFIG_MSG_HOOK 1
#endif
/* The bootstrap interface's operations on the data model (LwM2M 1.1 Core
 * 5.2.7, Transport 6.1) and the bootstrap client (src/client/bootstrap.h):
 * Bootstrap-Write on /O creating instances, Bootstrap-Delete on / and /O,
 * Bootstrap-Discover and Bootstrap-Finish. Left out (0), PUT /O and
 * DELETE / answer 4.05 as for any server, and POST /bs 4.04. */
#ifndef SL_CONFIG_BOOTSTRAP
#define SL_CONFIG_BOOTSTRAP 1
#endif
/* Backup copies of the instances of the stores Sidelink declares (objects
 * 0, 1, 2, 3 and the IPSO objects), so that a write that fails halfway is
 * rolled back. Left out (0), they take half the RAM: the data model then
 * refuses in its first pass whatever could fail later (src/objects/store.h:
 * a request that adds entries to a multiple resource is answered 4.05), and
 * Write-Composite must be left out too. */
#ifndef SL_CONFIG_STORE_BACKUP
#define SL_CONFIG_STORE_BACKUP 1
#endif

/* ---- CoAP ---- */
/* Options one message may carry; more is answered 4.13 / dropped. */
#ifndef SL_COAP_MAX_OPTIONS
#define SL_COAP_MAX_OPTIONS 24
#endif
/* Largest datagram we build or accept: 1024-byte block + headers. */
#ifndef SL_COAP_MAX_MSG
#define SL_COAP_MAX_MSG 1152
#endif
/* Largest payload a response is encoded into before block-wise slicing, and
 * largest request body reassembled from Block1 before it is applied. */
#ifndef SL_MAX_BODY
#define SL_MAX_BODY 4096
#endif
/* Default block size for our Block2 responses and Block1 requests. */
#ifndef SL_COAP_DEFAULT_BLOCK
#define SL_COAP_DEFAULT_BLOCK 1024
#endif

/* ---- engine pools ---- */
/* Peers: servers, hosts we request from, requesting clients. */
#ifndef SL_MAX_PEERS
#define SL_MAX_PEERS 8
#endif
/* Outgoing confirmable messages awaiting ACK (at most one per peer: NSTART=1). */
#ifndef SL_MAX_CON_TX
#define SL_MAX_CON_TX 8
#endif
/* Received CON/NON message IDs remembered for deduplication, with the reply. */
#ifndef SL_MAX_DEDUP
#define SL_MAX_DEDUP 8
#endif
/* Outgoing requests awaiting a response (including open observations). */
#ifndef SL_MAX_PENDING
#define SL_MAX_PENDING 8
#endif
/* Observations other peers hold on us. */
#ifndef SL_MAX_OBSERVATIONS
#define SL_MAX_OBSERVATIONS 16
#endif
/* Paths one observation may cover (Observe-Composite). */
#ifndef SL_MAX_OBSERVE_PATHS
#define SL_MAX_OBSERVE_PATHS 4
#endif
/* Write-Attributes entries (per peer and path). */
#ifndef SL_MAX_ATTRS
#define SL_MAX_ATTRS 16
#endif
/* Objects registered with one engine. */
#ifndef SL_MAX_OBJECTS
#define SL_MAX_OBJECTS 24
#endif
/* Paths one composite request may name. */
#ifndef SL_MAX_COMPOSITE_PATHS
#define SL_MAX_COMPOSITE_PATHS 16
#endif
/* Objects one atomic write (Create, Write-Composite) may touch. */
#ifndef SL_MAX_TXN_OBJECTS
#define SL_MAX_TXN_OBJECTS 8
#endif

/* Uri-Path and Uri-Query of one outgoing request, kept for block-wise
 * continuations and observe cancellation. */
#ifndef SL_MAX_URI_PATH
#define SL_MAX_URI_PATH 64
#endif
#ifndef SL_MAX_URI_QUERY
#define SL_MAX_URI_QUERY 192
#endif
/* Send a confirmable notification at least every N notifications even when
 * non-confirmable ones are configured (RFC 7641 4.5; the 24-hour rule is
 * enforced as well). */
#ifndef SL_NOTIFY_CON_EVERY
#define SL_NOTIFY_CON_EVERY 16
#endif

/* ---- client roles ---- */
/* Server accounts (instances of objects 0 and 1, plus a bootstrap server). */
#ifndef SL_MAX_SERVERS
#define SL_MAX_SERVERS 2
#endif
/* Access Control object instances. */
#ifndef SL_MAX_ACL_INSTANCES
#define SL_MAX_ACL_INSTANCES 16
#endif
/* Entries of one ACL resource. */
#ifndef SL_MAX_ACL_ENTRIES
#define SL_MAX_ACL_ENTRIES 4
#endif
/* A server URI ("coaps://[2001:db8::1]:5684"). */
#ifndef SL_MAX_URI_LEN
#define SL_MAX_URI_LEN 64
#endif
/* A PSK identity and a key (PSK, or a raw public key). */
#ifndef SL_MAX_IDENTITY_LEN
#define SL_MAX_IDENTITY_LEN 64
#endif
#ifndef SL_MAX_KEY_LEN
#define SL_MAX_KEY_LEN 64
#endif
/* An endpoint name (DESIGN 4: up to 64 bytes). */
#ifndef SL_MAX_ENDPOINT_LEN
#define SL_MAX_ENDPOINT_LEN 64
#endif
/* The Register payload: the CoRE link list of objects and instances. */
#ifndef SL_MAX_REG_PAYLOAD
#define SL_MAX_REG_PAYLOAD 512
#endif

/* ---- combinations that cannot work ---- */
#if SL_COAP_MAX_MSG < 16
#error "SL_COAP_MAX_MSG must hold at least a header, a token and an option"
#endif
#if !SL_CONFIG_ACL && SL_MAX_SERVERS > 1
#error "SL_CONFIG_ACL 0 allows one server account only (SL_MAX_SERVERS 1)"
#endif
#if !SL_CONFIG_STORE_BACKUP && SL_CONFIG_COMPOSITE
#error "SL_CONFIG_STORE_BACKUP 0 needs SL_CONFIG_COMPOSITE 0 (src/objects/store.h)"
#endif

#endif
