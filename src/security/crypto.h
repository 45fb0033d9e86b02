/* The crypto primitives OSCORE (RFC 8613) needs, as plain C declarations.
 *
 * The portable OSCORE code calls only these; a backend outside the core
 * provides them (crypto_mbedtls.c over mbedTLS, built into the
 * sidelink_crypto library; a bare-metal build may bring a hardware one).
 * No backend types leak here, and no call allocates.
 *
 * AES-CCM-16-64-128 is COSE algorithm 10: 16-byte key, 13-byte nonce
 * (L = 2, so a message of at most 65535 bytes), 8-byte tag appended to the
 * ciphertext. HKDF is RFC 5869 with SHA-256.
 */
#ifndef SL_CRYPTO_H
#define SL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"

#define SL_CRYPTO_CCM_KEY_LEN 16
#define SL_CRYPTO_CCM_NONCE_LEN 13
#define SL_CRYPTO_CCM_TAG_LEN 8
#define SL_CRYPTO_SHA256_LEN 32

/* Encrypt in[0..in_len) and write ciphertext || tag to out, which must hold
 * in_len + SL_CRYPTO_CCM_TAG_LEN bytes and must not overlap in.
 * SL_ERR_INVALID for a bad argument (in_len > 65535), SL_ERR_IO when the
 * backend fails. */
sl_err sl_crypto_ccm_encrypt(const uint8_t key[SL_CRYPTO_CCM_KEY_LEN],
                             const uint8_t nonce[SL_CRYPTO_CCM_NONCE_LEN], const uint8_t *aad,
                             size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);

/* Check and decrypt in[0..in_len), ciphertext || tag, into out, which must
 * hold in_len - SL_CRYPTO_CCM_TAG_LEN bytes and must not overlap in.
 * SL_ERR_DENIED when the tag does not verify (out is then zeroed),
 * SL_ERR_INVALID when in_len is shorter than a tag, SL_ERR_IO when the
 * backend fails. */
sl_err sl_crypto_ccm_decrypt(const uint8_t key[SL_CRYPTO_CCM_KEY_LEN],
                             const uint8_t nonce[SL_CRYPTO_CCM_NONCE_LEN], const uint8_t *aad,
                             size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);

/* HKDF-SHA-256 extract then expand (RFC 5869): out_len (1..255*32) bytes of
 * output keying material. An empty salt (salt_len 0, salt may be NULL)
 * means 32 zero bytes, as RFC 5869 2.2 says. */
sl_err sl_crypto_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                             size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
                             size_t out_len);

#endif
