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
 * own_piv = true and the registration's binding.
 *
 * Which context a request belongs to is the caller's choice: parse the
 * OSCORE option with sl_oscore_option_parse and look the kid (and kid
 * context) up. sl_oscore_unprotect_request checks that the kid is the
 * context's Recipient ID.
 *
 * Option classes (RFC 8613 4.1): Uri-Host, Uri-Port, Proxy-Uri,
 * Proxy-Scheme and OSCORE are Outer only (class U); Observe is both Inner
 * and Outer (the outer copy for proxies); with SL_OSCORE_OUTER_BLOCK the
 * Block1/Block2/Size1/Size2 options are Outer (outer block-wise), otherwise
 * Inner (inner block-wise, the default here); every other option is Inner
 * (class E), including unknown ones.
 *
 * Memory: a context is under 100 bytes (AES key schedules are not cached:
 * the backend sets the key up per message); protect and unprotect use one
 * SL_COAP_MAX_MSG stack buffer for the plaintext.
 *
 * Not here yet: sequence-number persistence (save ahead, RFC 8613 B.1.1),
 * Echo after a reboot, Notification Numbers (7.4.1), Proxy-Uri
 * decomposition (4.1.3.3).
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

/* A security context (RFC 8613 3.1): common, sender and recipient parts. */
struct sl_oscore_ctx {
    uint8_t sender_key[SL_OSCORE_KEY_LEN];
    uint8_t recipient_key[SL_OSCORE_KEY_LEN];
    uint8_t common_iv[SL_OSCORE_NONCE_LEN];
    uint8_t sender_id[SL_OSCORE_MAX_ID_LEN];
    uint8_t recipient_id[SL_OSCORE_MAX_ID_LEN];
    uint8_t id_ctx[SL_OSCORE_MAX_ID_CTX_LEN];
    uint8_t sender_id_len;
    uint8_t recipient_id_len;
    uint8_t id_ctx_len;
    bool has_id_ctx;   /* an ID Context is part of the context (it may be empty) */
    bool send_kid_ctx; /* requests carry the kid context (RFC 8613 6.1, C.6) */
    bool replay_seen;  /* replay_top holds a received Partial IV */
    uint32_t replay_bits; /* bit i: replay_top - 1 - i received */
    uint64_t replay_top;  /* highest Partial IV received in a request */
    uint64_t sender_seq;  /* next Sender Sequence Number */
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
 * replay window. SL_ERR_INVALID for lengths out of range or equal IDs. */
sl_err sl_oscore_ctx_derive(struct sl_oscore_ctx *ctx, const struct sl_oscore_params *p);

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
 * AAD) and the request's nonce. */
struct sl_oscore_binding {
    uint8_t kid[SL_OSCORE_MAX_ID_LEN];
    uint8_t kid_len;
    uint8_t piv[SL_OSCORE_MAX_PIV_LEN];
    uint8_t piv_len;
    uint8_t nonce[SL_OSCORE_NONCE_LEN];
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
 * message to out and fills *bind for the response. SL_ERR_STATE when the
 * sequence numbers are used up, SL_ERR_OVERFLOW when out is too small,
 * SL_ERR_INVALID when plain is not a request. */
sl_err sl_oscore_protect_request(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *plain,
                                 unsigned flags, uint8_t *out, size_t cap, size_t *len,
                                 struct sl_oscore_binding *bind);

/* Protect a response to the request of `bind`: outer code 2.04 (2.05 with
 * Observe). With own_piv false the request's nonce is reused and the OSCORE
 * option is empty (RFC 8613 C.7); with own_piv true (required for
 * notifications) a new Partial IV from the Sender Sequence Number is sent
 * (C.8). */
sl_err sl_oscore_protect_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *plain,
                                  const struct sl_oscore_binding *bind, bool own_piv,
                                  unsigned flags, uint8_t *out, size_t cap, size_t *len);

/* Verify and decrypt a protected request (one that has the OSCORE option)
 * and write the inner CoAP message (outer header and token, inner code,
 * Outer options but OSCORE merged with the Inner ones, inner payload) to
 * out. On failure *coap_code is the error response RFC 8613 8.2 asks for:
 *   4.02 Bad Option: the OSCORE option is malformed or lacks kid or Partial
 *        IV (SL_ERR_INVALID);
 *   4.01 Unauthorized: the kid (or kid context) is not this context's
 *        ("Security context not found", SL_ERR_NOT_FOUND), or the Partial
 *        IV was already received or is left of the replay window ("Replay
 *        detected", SL_ERR_DENIED);
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
 * IV uses the Recipient ID's nonce. On failure the client discards the
 * response (RFC 8613 8.4): *coap_code is 0, the error says why. */
sl_err sl_oscore_unprotect_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                    const struct sl_oscore_binding *bind, uint8_t *out,
                                    size_t cap, size_t *len, uint8_t *coap_code);

/* The diagnostic payload RFC 8613 8.2 suggests for a failed unprotect
 * ("Failed to decode COSE", "Security context not found", "Replay
 * detected", "Decryption failed"), or "". */
const char *sl_oscore_error_text(sl_err err, uint8_t coap_code);

#endif
