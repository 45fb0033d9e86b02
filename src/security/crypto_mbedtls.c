/* sl_crypto (crypto.h) over mbedTLS 2.28: mbedtls_ccm and mbedtls_hkdf. */
#include "security/crypto.h"

#include <mbedtls/ccm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#define CCM_MAX_INPUT 65535u /* L = 2 for a 13-byte nonce */

static sl_err ccm_setup(mbedtls_ccm_context *ccm, const uint8_t *key)
{
    mbedtls_ccm_init(ccm);
    if (mbedtls_ccm_setkey(ccm, MBEDTLS_CIPHER_ID_AES, key, SL_CRYPTO_CCM_KEY_LEN * 8) != 0) {
        mbedtls_ccm_free(ccm);
        return SL_ERR_IO;
    }
    return SL_OK;
}

sl_err sl_crypto_ccm_encrypt(const uint8_t key[SL_CRYPTO_CCM_KEY_LEN],
                             const uint8_t nonce[SL_CRYPTO_CCM_NONCE_LEN], const uint8_t *aad,
                             size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
    if (key == NULL || nonce == NULL || out == NULL || (in == NULL && in_len > 0) ||
        (aad == NULL && aad_len > 0) || in_len > CCM_MAX_INPUT)
        return SL_ERR_INVALID;
    mbedtls_ccm_context ccm;
    sl_err err = ccm_setup(&ccm, key);
    if (err != SL_OK)
        return err;
    int rc = mbedtls_ccm_encrypt_and_tag(&ccm, in_len, nonce, SL_CRYPTO_CCM_NONCE_LEN, aad,
                                         aad_len, in, out, out + in_len, SL_CRYPTO_CCM_TAG_LEN);
    mbedtls_ccm_free(&ccm);
    return rc == 0 ? SL_OK : SL_ERR_IO;
}

sl_err sl_crypto_ccm_decrypt(const uint8_t key[SL_CRYPTO_CCM_KEY_LEN],
                             const uint8_t nonce[SL_CRYPTO_CCM_NONCE_LEN], const uint8_t *aad,
                             size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
    if (key == NULL || nonce == NULL || in == NULL || (aad == NULL && aad_len > 0) ||
        in_len < SL_CRYPTO_CCM_TAG_LEN || in_len - SL_CRYPTO_CCM_TAG_LEN > CCM_MAX_INPUT ||
        (out == NULL && in_len > SL_CRYPTO_CCM_TAG_LEN))
        return SL_ERR_INVALID;
    size_t plain_len = in_len - SL_CRYPTO_CCM_TAG_LEN;
    mbedtls_ccm_context ccm;
    sl_err err = ccm_setup(&ccm, key);
    if (err != SL_OK)
        return err;
    /* mbedTLS wants a non-NULL output pointer even for an empty message. */
    uint8_t none[1];
    int rc = mbedtls_ccm_auth_decrypt(&ccm, plain_len, nonce, SL_CRYPTO_CCM_NONCE_LEN, aad,
                                      aad_len, in, plain_len > 0 ? out : none, in + plain_len,
                                      SL_CRYPTO_CCM_TAG_LEN);
    mbedtls_ccm_free(&ccm);
    if (rc == MBEDTLS_ERR_CCM_AUTH_FAILED)
        return SL_ERR_DENIED;
    return rc == 0 ? SL_OK : SL_ERR_IO;
}

sl_err sl_crypto_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                             size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
                             size_t out_len)
{
    if ((salt == NULL && salt_len > 0) || (ikm == NULL && ikm_len > 0) ||
        (info == NULL && info_len > 0) || out == NULL || out_len == 0 ||
        out_len > 255u * SL_CRYPTO_SHA256_LEN)
        return SL_ERR_INVALID;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (md == NULL)
        return SL_ERR_IO;
    /* mbedtls_hkdf treats a NULL salt as HashLen zeros (RFC 5869 2.2). */
    int rc = mbedtls_hkdf(md, salt_len > 0 ? salt : NULL, salt_len, ikm, ikm_len, info,
                          info_len, out, out_len);
    return rc == 0 ? SL_OK : SL_ERR_IO;
}
