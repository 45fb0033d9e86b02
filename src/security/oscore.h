/* OSCORE (RFC 8613) at the message level: security context derivation,
 * protection and verification of one CoAP message. Portable like the core:
 * no heap, no OS; the AEAD and the KDF come through security/crypto.h.
 *
 * Algorithms are fixed to the RFC 8613 defaults: AEAD 10 (AES-CCM-16-64-128)
 * and HKDF SHA-256.
 *
 * The flow, for one request and its response:
 *   client: sl_oscore_protect_request(ctx, plain, ..., &bind)   -> send
 *   server: sl_oscore_unprotect_request(ctx, prot, ..., &bind, &code)
 *           ... handle the inner request ...
 *           sl_oscore_protect_response(ctx, plain, &bind, own_piv, ...)
 *   client: sl_oscore_unprotect_response(ctx, prot, &bind, ..., &code)
 * `bind` (struct sl_oscore_binding) carries the request's kid, Partial IV
 * and nonce, which the response's AAD (and, without its own Partial IV, its
 * nonce) are bound to (RFC 8613 5.4, 8.3). Observe notifications use
 * own_piv = true and the registration's binding; the client checks them
 * with sl_oscore_unprotect_notification and one struct sl_oscore_notif per
 * observation (Notification Number, 7.4.1).
 *
 * Which context a request belongs to is the caller's choice: parse the
 * OSCORE option with sl_oscore_option_parse and look the kid (and kid
 * context) up. sl_oscore_unprotect_request checks that the kid is the
 * context's Recipient ID.
 *
 * Option classes (RFC 8613 4.1): Uri-Host, Uri-Port, Proxy-Uri,
 * Proxy-Scheme and OSCORE are Outer only (class U); Observe is both Inner
 * and Outer (4.1.3.5: in a request both carry the original value; in a
 * response the Inner one is empty and the Outer one carries the original
 * value for proxies; a receiver reads only the Inner one); with
 * SL_OSCORE_OUTER_BLOCK the Block1/Block2/Size1/Size2 options are Outer
 * (outer block-wise), otherwise Inner (inner block-wise, the default here);
 * every other option is Inner (class E), including unknown ones and Echo.
 *
 * Reboots (RFC 8613 7.5, B.1): the Sender Sequence Number and the replay
 * window live in RAM. An application that keeps one context across reboots
 * persists an upper bound of the sequence numbers ("save ahead",
 * sl_oscore_seq_*), and after a reboot calls sl_oscore_ctx_restore: the
 * sender continues above the saved bound, and the first request received
 * is answered with a protected 4.01 carrying an Echo option (RFC 9175,
 * B.1.2) until a request proves its freshness by returning that Echo.
 *
 * Memory: a context is 112 bytes on the usual ABIs (AES key schedules are
 * not cached: the backend sets the key up per message); protect and
 * unprotect use one SL_COAP_MAX_MSG stack buffer for the plaintext.
 *
 * Not here: Proxy-Uri decomposition (4.1.3.3), the re-keying protocol of
 * B.2, outer block-wise reassembly (the caller's CoAP layer does that).
 */
#ifndef SL_OSCORE_H
#define SL_OSCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap_msg.h"
#include "security/crypto.h"
#include "sidelink/err.h"

#define SL_OSCORE_KEY_LEN SL_CRYPTO_CCM_KEY_LEN     /* 16 */
#define SL_OSCORE_NONCE_LEN SL_CRYPTO_CCM_NONCE_LEN /* 13 */
#define SL_OSCORE_TAG_LEN SL_CRYPTO_CCM_TAG_LEN     /* 8 */
/* Sender and Recipient IDs are at most nonce length - 6 bytes (RFC 8613 3.3). */
#define SL_OSCORE_MAX_ID_LEN (SL_OSCORE_NONCE_LEN - 6)
/* Partial IV: at most 5 bytes, so sequence numbers below 2^40. */
#define SL_OSCORE_MAX_PIV_LEN 5
#define SL_OSCORE_MAX_SEQ ((UINT64_C(1) << 40) - 1)
#ifndef SL_OSCORE_MAX_ID_CTX_LEN
#define SL_OSCORE_MAX_ID_CTX_LEN 8
#endif
#define SL_OSCORE_MAX_SECRET_LEN 32
#define SL_OSCORE_MAX_SALT_LEN 32
/* Replay window width in Partial IVs (RFC 8613 7.4: at least 32). */
#define SL_OSCORE_REPLAY_WINDOW 32
/* The COSE algorithm number of AES-CCM-16-64-128. */
#define SL_OSCORE_ALG_AES_CCM_16_64_128 10
/* The sequence-number limit of a context whose sender state is not
 * persisted: the end of the Partial IV space. */
#define SL_OSCORE_SEQ_UNLIMITED (SL_OSCORE_MAX_SEQ + 1)
/* How far ahead of the Sender Sequence Number the persisted limit is set
 * (K of RFC 8613 B.1.1): one write to storage per this many messages. */
#ifndef SL_OSCORE_SEQ_SAVE_WINDOW
#define SL_OSCORE_SEQ_SAVE_WINDOW 64
#endif
#if SL_OSCORE_SEQ_SAVE_WINDOW < 2
#error "SL_OSCORE_SEQ_SAVE_WINDOW must be at least 2"
#endif
/* Length of the Echo value the server sends after a reboot (RFC 9175
 * allows 1..40 bytes; 8 random bytes make a guess hopeless). */
#define SL_OSCORE_ECHO_LEN 8
#define SL_OSCORE_ECHO_MAX_LEN 40

/* A security context (RFC 8613 3.1): common, sender and recipient parts. */
struct sl_oscore_ctx {
    uint8_t sender_key[SL_OSCORE_KEY_LEN];
    uint8_t recipient_key[SL_OSCORE_KEY_LEN];
    uint8_t common_iv[SL_OSCORE_NONCE_LEN];
    uint8_t sender_id[SL_OSCORE_MAX_ID_LEN];
    uint8_t recipient_id[SL_OSCORE_MAX_ID_LEN];
    uint8_t id_ctx[SL_OSCORE_MAX_ID_CTX_LEN];
    uint8_t echo[SL_OSCORE_ECHO_LEN]; /* the Echo value a request must return */
    uint8_t sender_id_len;
    uint8_t recipient_id_len;
    uint8_t id_ctx_len;
    bool has_id_ctx;   /* an ID Context is part of the context (it may be empty) */
    bool send_kid_ctx; /* requests carry the kid context (RFC 8613 6.1, C.6) */
    bool replay_seen;  /* replay_top holds a received Partial IV */
    bool need_echo;    /* restored: the replay window was lost (B.1.2) */
    bool echo_armed;   /* echo holds a value sent in a 4.01 */
    uint32_t replay_bits; /* bit i: replay_top - 1 - i received */
    uint64_t replay_top;  /* highest Partial IV received in a request */
    uint64_t sender_seq;  /* next Sender Sequence Number */
    uint64_t seq_limit;   /* sequence numbers below it may be used (persisted) */
};

/* Inputs of the derivation (RFC 8613 3.2); id_ctx NULL means no ID
 * Context (the HKDF info then holds CBOR null). */
struct sl_oscore_params {
    const uint8_t *master_secret;
    size_t master_secret_len; /* 1..SL_OSCORE_MAX_SECRET_LEN */
    const uint8_t *master_salt;
    size_t master_salt_len; /* 0..SL_OSCORE_MAX_SALT_LEN */
    const uint8_t *sender_id;
    size_t sender_id_len; /* 0..SL_OSCORE_MAX_ID_LEN */
    const uint8_t *recipient_id;
    size_t recipient_id_len; /* 0..SL_OSCORE_MAX_ID_LEN, and != sender ID */
    const uint8_t *id_ctx;
    size_t id_ctx_len; /* 0..SL_OSCORE_MAX_ID_CTX_LEN */
};

/* Derive Sender Key, Recipient Key and Common IV; sequence number 0, empty
 * replay window, no persisted limit (seq_limit SL_OSCORE_SEQ_UNLIMITED).
 * SL_ERR_INVALID for lengths out of range or equal IDs. */
sl_err sl_oscore_ctx_derive(struct sl_oscore_ctx *ctx, const struct sl_oscore_params *p);

/* ---- Sender Sequence Number persistence (RFC 8613 B.1.1) ----
 *
 * The persisted value is a limit: every sequence number used so far is
 * below it. Protecting a request, or a response with its own Partial IV,
 * is refused with SL_ERR_BUSY (nothing is spent) while the next sequence
 * number is not below ctx->seq_limit; SL_ERR_STATE still means the 2^40
 * numbers are used up. The application loop:
 *   if (sl_oscore_seq_save_needed(ctx)) {
 *       uint64_t limit = sl_oscore_seq_next_limit(ctx);
 *       ... write limit to storage; when the write is durable:
 *       sl_oscore_seq_saved(ctx, limit);
 *   }
 * and after a reboot (or on the first boot, with 0):
 *   sl_oscore_ctx_derive(ctx, &params);
 *   sl_oscore_ctx_restore(ctx, limit_read_from_storage);
 * Writes must complete in the order they were started, so that storage
 * never goes back to a smaller limit. */

/* True when less than half a save window is left below the persisted
 * limit (so a write started now completes before sending stalls), false
 * for an unpersisted context. */
bool sl_oscore_seq_save_needed(const struct sl_oscore_ctx *ctx);
/* The limit to persist next: sender_seq + SL_OSCORE_SEQ_SAVE_WINDOW, at
 * most SL_OSCORE_SEQ_UNLIMITED. */
uint64_t sl_oscore_seq_next_limit(const struct sl_oscore_ctx *ctx);
/* Storage now holds `limit`: the context follows it (even downwards, as
 * storage is what a reboot will see). SL_ERR_INVALID when limit is above
 * SL_OSCORE_SEQ_UNLIMITED (nothing changes) or below sender_seq (the limit
 * is taken, so sending stops, but numbers at or above it were already
 * used: persist a larger one). */
sl_err sl_oscore_seq_saved(struct sl_oscore_ctx *ctx, uint64_t limit);
/* After a reboot, on a freshly derived context: Sender Sequence Number and
 * limit both become saved_limit, so no Partial IV used before the reboot
 * is used again and nothing is sent until a new limit is persisted; the
 * replay window is marked lost, so requests are refused (SL_ERR_STATE,
 * 4.01) until one returns the Echo value of sl_oscore_echo_arm (B.1.2).
 * SL_ERR_INVALID when saved_limit is above SL_OSCORE_SEQ_UNLIMITED. */
sl_err sl_oscore_ctx_restore(struct sl_oscore_ctx *ctx, uint64_t saved_limit);

/* The HKDF info of RFC 8613 3.2.1: CBOR [id, id_context / null, alg, type,
 * L] with type "Key" (L 16) or "IV" (L 13). Exposed for the tests. */
sl_err sl_oscore_kdf_info(uint8_t *out, size_t cap, size_t *len, const uint8_t *id,
                          size_t id_len, const uint8_t *id_ctx, size_t id_ctx_len, bool is_iv);

/* The AEAD nonce of RFC 8613 5.2 from the Common IV, the ID of the
 * endpoint that chose the Partial IV, and the Partial IV. */
sl_err sl_oscore_nonce(uint8_t nonce[SL_OSCORE_NONCE_LEN], const uint8_t *common_iv,
                       const uint8_t *id_piv, size_t id_piv_len, const uint8_t *piv,
                       size_t piv_len);

/* The OSCORE option value (RFC 8613 6.1). Pointers refer into the parsed
 * value. */
struct sl_oscore_option {
    const uint8_t *piv;
    uint8_t piv_len; /* 0..5 */
    bool has_kid;
    const uint8_t *kid;
    uint8_t kid_len;
    bool has_kid_ctx;
    const uint8_t *kid_ctx;
    uint8_t kid_ctx_len;
};
/* Total parser: SL_ERR_INVALID for reserved bits, Partial IV lengths 6 and
 * 7, a Partial IV or kid context running past the end, or a kid longer
 * than 255 bytes. An empty value has no field. */
sl_err sl_oscore_option_parse(struct sl_oscore_option *o, const uint8_t *val, size_t len);
/* Encode; the value is at most 1 + 5 + 1 + 255 + 7 bytes. */
sl_err sl_oscore_option_encode(const struct sl_oscore_option *o, uint8_t *out, size_t cap,
                               size_t *len);

/* What a response is bound to: the request's kid and Partial IV (for the
 * AAD) and the request's nonce; and whether the request was an Observe
 * registration, the only kind of request a response with an Inner Observe
 * option may answer (RFC 8613 4.1.3.5.2). */
struct sl_oscore_binding {
    uint8_t kid[SL_OSCORE_MAX_ID_LEN];
    uint8_t kid_len;
    uint8_t piv[SL_OSCORE_MAX_PIV_LEN];
    uint8_t piv_len;
    uint8_t nonce[SL_OSCORE_NONCE_LEN];
    bool observe;
};

/* The AAD (RFC 8613 5.4): Enc_structure ["Encrypt0", h'', external_aad]
 * with external_aad = bstr .cbor [1, [10], request_kid, request_piv, h'']. */
sl_err sl_oscore_aad(uint8_t *out, size_t cap, size_t *len, const uint8_t *kid, size_t kid_len,
                     const uint8_t *piv, size_t piv_len);

/* Flags of the protect calls. */
#define SL_OSCORE_OUTER_BLOCK 0x1u /* Block1/2, Size1/2 are Outer */

/* Protect a request: a new Partial IV from the Sender Sequence Number
 * (which advances), outer code POST (FETCH with Observe), the OSCORE option
 * with kid (and kid context when ctx->send_kid_ctx). Writes the outer
 * message to out and fills *bind for the response (bind->observe: the
 * request registers an observation, Observe 0). SL_ERR_BUSY when the next
 * sequence number is not below the persisted limit, SL_ERR_STATE when the
 * sequence numbers are used up, SL_ERR_OVERFLOW when out is too small,
 * SL_ERR_INVALID when plain is not a request. */
sl_err sl_oscore_protect_request(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *plain,
                                 unsigned flags, uint8_t *out, size_t cap, size_t *len,
                                 struct sl_oscore_binding *bind);

/* Protect a response to the request of `bind`: outer code 2.04 (2.05 with
 * Observe). With own_piv false the request's nonce is reused and the OSCORE
 * option is empty (RFC 8613 C.7); with own_piv true (required for
 * notifications but the first) a new Partial IV from the Sender Sequence
 * Number is sent (C.8); SL_ERR_BUSY and SL_ERR_STATE then as for requests.
 * An Observe option in plain makes the response a notification: the
 * Inner Observe is sent empty and the Outer one carries plain's value
 * (4.1.3.5.2); SL_ERR_INVALID when bind is not an Observe registration. */
sl_err sl_oscore_protect_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *plain,
                                  const struct sl_oscore_binding *bind, bool own_piv,
                                  unsigned flags, uint8_t *out, size_t cap, size_t *len);

/* Verify and decrypt a protected request (one that has the OSCORE option)
 * and write the inner CoAP message (outer header and token, inner code,
 * Outer options but OSCORE merged with the Inner ones, inner payload) to
 * out. An Outer Observe is dropped: only the Inner one counts (4.1.3.5).
 * On failure *coap_code is the error response RFC 8613 8.2 asks for:
 *   4.02 Bad Option: the OSCORE option is malformed or lacks kid or Partial
 *        IV (SL_ERR_INVALID);
 *   4.01 Unauthorized: the kid (or kid context) is not this context's
 *        ("Security context not found", SL_ERR_NOT_FOUND), or the Partial
 *        IV was already received or is left of the replay window ("Replay
 *        detected", SL_ERR_DENIED);
 *   4.01 Unauthorized with SL_ERR_STATE: the request is authentic but the
 *        context was restored after a reboot and the request does not
 *        carry the armed Echo value as an Inner Echo option, so it may be
 *        a replay from before the reboot (B.1.2). Do not process it; *bind
 *        is filled and *len is 0: answer with sl_oscore_echo_response
 *        (protected, not a plain error). The first request with the right
 *        Echo succeeds and starts the replay window at its Partial IV, all
 *        lower Partial IVs counting as received;
 *   4.00 Bad Request: decryption failed ("Decryption failed",
 *        SL_ERR_DENIED), or the plaintext is not a valid CoAP option list
 *        (SL_ERR_INVALID);
 *   4.13 when out cannot hold the inner message (SL_ERR_OVERFLOW), 5.00
 *        when the crypto backend fails (SL_ERR_IO); the Partial IV is then
 *        not marked as received.
 * sl_oscore_error_text gives the diagnostic payload for *coap_code.
 * The replay window advances only when the call succeeds. On success *bind
 * holds what the response must be bound to. */
sl_err sl_oscore_unprotect_request(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                   uint8_t *out, size_t cap, size_t *len,
                                   struct sl_oscore_binding *bind, uint8_t *coap_code);

/* Verify and decrypt a protected response to the request of `bind`. A
 * response without Partial IV uses the request's nonce; one with a Partial
 * IV uses the Recipient ID's nonce. The Inner Observe of a notification is
 * empty on the wire; the inner message gets the three low bytes of the
 * Partial IV as its Observe value instead (empty without Partial IV, the
 * oldest), so RFC 7641 reordering follows the Partial IVs (4.1.3.5.2); the
 * Outer Observe is ignored. On failure the client discards the response
 * (RFC 8613 8.4): *coap_code is 0, the error says why; SL_ERR_INVALID also
 * for an Inner Observe when bind is not an Observe registration. This
 * does not check Notification Numbers: use sl_oscore_unprotect_notification
 * for responses to a registration. */
sl_err sl_oscore_unprotect_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                    const struct sl_oscore_binding *bind, uint8_t *out,
                                    size_t cap, size_t *len, uint8_t *coap_code);

/* The Notification Number of one observation (RFC 8613 4.1.3.5.2, 7.4.1),
 * zeroed when the registration is sent (and after a reboot: B.1.3). */
struct sl_oscore_notif {
    uint64_t number; /* highest Partial IV of an accepted notification */
    bool seen;       /* number is set */
    bool no_piv;     /* the one notification without Partial IV was taken */
};

/* sl_oscore_unprotect_response for a response to the registration of
 * `bind`, then the Notification Number: a notification (Inner Observe)
 * whose Partial IV is not greater than notif->number, or a second one
 * without Partial IV, or one without Partial IV after one with, is
 * discarded with SL_ERR_RANGE (*len 0, notif unchanged); an accepted one
 * raises notif->number. A response without Inner Observe (the observation
 * ended) is returned as is and leaves notif alone. */
sl_err sl_oscore_unprotect_notification(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                        const struct sl_oscore_binding *bind,
                                        struct sl_oscore_notif *notif, uint8_t *out, size_t cap,
                                        size_t *len);

/* ---- Echo after a reboot (RFC 8613 B.1.2, RFC 9175) ---- */

/* Remember the Echo value the server sends in its 4.01 answers until a
 * request returns it: SL_OSCORE_ECHO_LEN bytes from the caller's random
 * source. Call after sl_oscore_ctx_restore; arming again replaces the
 * value (requests carrying the old one then get a new 4.01). */
sl_err sl_oscore_echo_arm(struct sl_oscore_ctx *ctx, const uint8_t random[SL_OSCORE_ECHO_LEN]);

/* The answer to an SL_ERR_STATE of sl_oscore_unprotect_request: a 4.01
 * with only the armed Echo option, no payload, protected with the server's
 * own Partial IV (the request's is not trusted yet, B.1.2) and bound to
 * `bind`. Type ACK for a CON request (NON otherwise), MID and token of
 * `req` (the received message; header and token are Outer, so the caller
 * may rewrite the MID of a NON at out[2..3]). SL_ERR_STATE when no value
 * is armed, SL_ERR_BUSY / SL_ERR_OVERFLOW as sl_oscore_protect_response. */
sl_err sl_oscore_echo_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *req,
                               const struct sl_oscore_binding *bind, uint8_t *out, size_t cap,
                               size_t *len);

/* The client side: the Echo option of a decrypted response (the inner
 * message of sl_oscore_unprotect_response), to be copied into the retried
 * request as an option (it is Inner). SL_ERR_NOT_FOUND when absent,
 * SL_ERR_INVALID when repeated or not 1..SL_OSCORE_ECHO_MAX_LEN bytes. */
sl_err sl_oscore_echo_read(const struct sl_coap_msg *inner, const uint8_t **echo,
                           size_t *echo_len);

/* The diagnostic payload RFC 8613 8.2 suggests for a failed unprotect
 * ("Failed to decode COSE", "Security context not found", "Replay
 * detected", "Decryption failed"), or "" (also for the Echo 4.01, which
 * has no payload). */
const char *sl_oscore_error_text(sl_err err, uint8_t coap_code);

#endif
