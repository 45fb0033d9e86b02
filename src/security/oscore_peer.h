/* OSCORE for engine peers: an adapter between the engine's message hook
 * (struct sl_msg_hook, sidelink/engine.h) and the message protection of
 * security/oscore.h. Portable like the core (no heap, no OS: fixed pools);
 * it lives in the sidelink_crypto library because it needs the crypto.
 *
 * One adapter serves one engine. Each attached peer has its own security
 * context; the adapter then protects everything the engine sends that peer
 * and verifies everything it receives from it, in both roles at once (an
 * LwM2M client sends Register/Update and serves Read/Observe, a server the
 * other way round):
 *   - our requests: protect_request; the binding (kid, Partial IV, nonce)
 *     is kept by token until the response is verified with it, or for an
 *     observation as long as the engine's pending request lives, with the
 *     observation's Notification Number (struct sl_oscore_notif): a
 *     notification not newer than the last accepted one is dropped;
 *   - the peer's requests: unprotect_request; the binding is kept by token
 *     until our final response is protected with it, or for an Observe
 *     registration as long as the engine's observation lives. A response
 *     carrying Observe (every notification, and the registration's first
 *     response) gets its own Partial IV.
 *   - after a reboot (the context restored from storage), the peer's first
 *     request is answered with the protected 4.01 + Echo of
 *     sl_oscore_echo_response through SL_MSG_HOOK_REPLY and not processed.
 *     The other way round, a verified 4.01 with an Echo option answering
 *     one of our requests is passed on as it is (the application sees a
 *     4.01 and retries), and the adapter puts that Echo value into the next
 *     requests to that peer until one is answered otherwise (RFC 9175 2.3).
 *   - a request with an unknown kid (or no OSCORE option at all) is dropped
 *     silently or answered 4.01 (RFC 8613 8.2), per adapter: see
 *     enum sl_oscore_unknown_kid. Other verification failures get the code
 *     of sl_oscore_unprotect_request, unprotected; bad responses are
 *     dropped (8.4).
 *
 * Sequence numbers (RFC 8613 B.1.1): a context attached with a store ID
 * keeps its limit under the key "oscore-seq-<id>" (8 bytes, big-endian)
 * through the engine platform's store_read/store_write, written ahead by
 * SL_OSCORE_SEQ_SAVE_WINDOW whenever sl_oscore_seq_save_needed() says so,
 * before a protection would block. store_write must be synchronous and
 * atomic (platform.h). At attach, a stored limit means a reboot: the
 * context is restored (sl_oscore_ctx_restore, the sender continues above
 * every Partial IV used before) and an Echo value armed; no stored value
 * (or an empty one) means keys never used: the context starts at 0 and the
 * first limit is written at once.
 *
 * Memory: sizeof(struct sl_oscore_adapter) is SL_MAX_OSCORE_CONTEXTS
 * contexts (the 112-byte struct sl_oscore_ctx and an Echo buffer each),
 * SL_OSCORE_MAX_EXCHANGES bindings and one SL_COAP_MAX_MSG scratch buffer
 * (the hook works in place, the protection cannot); the stack adds the
 * SL_COAP_MAX_MSG plaintext buffer of oscore.c.
 *
 * Wiring (an LwM2M client; objects 0, 21 store-backed, see oscore_object.h):
 *   static struct sl_oscore_adapter osc;
 *   sl_oscore_adapter_init(&osc, &eng, SL_OSCORE_UNKNOWN_DROP);
 *   int peer = sl_engine_peer_add(&eng, sock, &server_addr, &actor);
 *   sl_oscore_peer_attach_ssid(&osc, peer, &core.security, &o21.store, ssid);
 * or with explicit parameters:
 *   sl_oscore_peer_attach(&osc, peer, &params, store_id or -1);
 * Call sl_oscore_peer_forget_seq when an object 21 instance gets new keys.
 */
#ifndef SL_OSCORE_PEER_H
#define SL_OSCORE_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "sidelink/engine.h"
#include "objects/oscore_object.h"
#include "security/oscore.h"

#if !SL_CONFIG_MSG_HOOK
#error "the OSCORE peer adapter needs the message hook (SL_CONFIG_MSG_HOOK 1)"
#endif

/* Bindings one adapter keeps at a time: requests in flight both ways plus
 * the observations held by or on its peers. */
#ifndef SL_OSCORE_MAX_EXCHANGES
#define SL_OSCORE_MAX_EXCHANGES 8
#endif

/* What a request from an attached peer gets when its kid (or kid context)
 * is not the peer's context's, or when it has no OSCORE option. */
enum sl_oscore_unknown_kid {
    SL_OSCORE_UNKNOWN_DROP = 0,  /* silence: an LwM2M client (hosting) reveals nothing */
    SL_OSCORE_UNKNOWN_REPLY = 1  /* 4.01 Unauthorized, unprotected (a server, 8.2) */
};

/* One binding, by (context, direction, token). */
struct sl_oscore_exchange {
    bool used;
    bool ours;      /* our request (client role); else the peer's */
    bool echo_sent; /* our request carried the context's Echo value */
    uint8_t slot;   /* context index */
    uint8_t tkl;
    uint8_t token[SL_COAP_MAX_TOKEN];
    uint16_t age;   /* adapter clock at last use, for eviction */
    struct sl_oscore_binding bind;
    struct sl_oscore_notif notif; /* ours and an observation */
};

/* One attached peer. */
struct sl_oscore_peer {
    bool used;
    uint8_t peer;      /* engine peer index */
    int32_t store_id;  /* "oscore-seq-<id>", or -1: not persisted */
    uint8_t echo_len;  /* > 0: requests to this peer carry echo */
    uint8_t echo[SL_OSCORE_ECHO_MAX_LEN];
    struct sl_oscore_ctx ctx;
};

struct sl_oscore_adapter {
    struct sl_engine *eng;
    uint8_t unknown_kid; /* enum sl_oscore_unknown_kid */
    unsigned flags;      /* SL_OSCORE_OUTER_BLOCK, for every protect */
    sl_err last_err;     /* why the last message was refused or dropped (diagnostics) */
    uint16_t clock;
    struct sl_oscore_peer peers[SL_MAX_OSCORE_CONTEXTS];
    struct sl_oscore_exchange ex[SL_OSCORE_MAX_EXCHANGES];
    uint8_t scratch[SL_COAP_MAX_MSG];
};

/* The hook the adapter installs on attached peers (ctx: the adapter). */
extern const struct sl_msg_hook sl_oscore_peer_hook;

void sl_oscore_adapter_init(struct sl_oscore_adapter *a, struct sl_engine *eng,
                            enum sl_oscore_unknown_kid unknown_kid);

/* Derive the context of engine peer `peer` from p and install the hook on
 * the peer (replacing an earlier attachment of the same peer). store_id >= 0
 * persists its sequence numbers under "oscore-seq-<store_id>" (the object
 * 21 instance ID is the natural choice) and restores them as described
 * above; -1 keeps them in RAM only (a reboot must then bring new keys).
 * SL_ERR_INVALID for a bad peer or parameters (sl_oscore_ctx_derive), or a
 * store_id without a platform store; SL_ERR_NOMEM when
 * SL_MAX_OSCORE_CONTEXTS peers are attached; SL_ERR_IO when the store
 * fails (nothing is attached). */
sl_err sl_oscore_peer_attach(struct sl_oscore_adapter *a, int peer,
                             const struct sl_oscore_params *p, int32_t store_id);
/* Remove the hook from the peer and wipe its context and bindings. */
void sl_oscore_peer_detach(struct sl_oscore_adapter *a, int peer);
/* The keys of store_id changed (a new Master Secret or IDs): forget its
 * stored limit, so the next attach starts at sequence number 0 without
 * Echo. Never for the same keys: that would reuse nonces. */
sl_err sl_oscore_peer_forget_seq(struct sl_oscore_adapter *a, int32_t store_id);
/* The context of an attached peer, or NULL. */
struct sl_oscore_ctx *sl_oscore_peer_ctx(struct sl_oscore_adapter *a, int peer);

/* Derivation parameters from object 21 instance iid. The pointers refer
 * into the store's instance: use them before the instance changes.
 * SL_ERR_NOT_FOUND without the instance, SL_ERR_INVALID when a mandatory
 * resource (0, 1, 2) is missing, SL_ERR_UNSUPPORTED for an AEAD other than
 * 10 or an HMAC other than HKDF SHA-256 (-10, 5). */
sl_err sl_oscore_params_from_object(const struct sl_store *oscore, uint16_t iid,
                                    struct sl_oscore_params *p);
/* "The peer of server `ssid` uses the OSCORE context its Security instance
 * links to" (resource 17): find the Security instance of the Short Server
 * ID (resource 10) in `security` (object 0 or 11000), follow its link into
 * `oscore` (object 21) and attach with store_id = the 21 instance ID.
 * SL_ERR_NOT_FOUND when no Security instance has that SSID or it links to
 * no OSCORE instance; otherwise as sl_oscore_params_from_object and
 * sl_oscore_peer_attach. */
sl_err sl_oscore_peer_attach_ssid(struct sl_oscore_adapter *a, int peer,
                                  const struct sl_store *security, const struct sl_store *oscore,
                                  uint16_t ssid);

#endif
