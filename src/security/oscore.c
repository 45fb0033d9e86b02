/* OSCORE (RFC 8613) message protection; see oscore.h for the contract. */
#include "security/oscore.h"

#include <string.h>

/* ---- small CBOR writer (only the items RFC 8613 needs) ---- */

struct wbuf {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

static void w_bytes(struct wbuf *w, const void *data, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    if (n > 0)
        memcpy(w->buf + w->len, data, n);
    w->len += n;
}

static void w_byte(struct wbuf *w, uint8_t b)
{
    w_bytes(w, &b, 1);
}

/* Major type 2 (byte string) header and content; lengths below 65536. */
static void w_bstr(struct wbuf *w, const uint8_t *data, size_t n)
{
    if (n < 24) {
        w_byte(w, (uint8_t)(0x40 | n));
    } else if (n < 256) {
        w_byte(w, 0x58);
        w_byte(w, (uint8_t)n);
    } else if (n < 65536) {
        w_byte(w, 0x59);
        w_byte(w, (uint8_t)(n >> 8));
        w_byte(w, (uint8_t)n);
    } else {
        w->overflow = true;
        return;
    }
    w_bytes(w, data, n);
}

static sl_err w_end(const struct wbuf *w, size_t *len)
{
    if (w->overflow)
        return SL_ERR_OVERFLOW;
    *len = w->len;
    return SL_OK;
}

/* ---- context derivation (RFC 8613 3.2) ---- */

sl_err sl_oscore_kdf_info(uint8_t *out, size_t cap, size_t *len, const uint8_t *id,
                          size_t id_len, const uint8_t *id_ctx, size_t id_ctx_len, bool is_iv)
{
    if (out == NULL || len == NULL || (id == NULL && id_len > 0) ||
        id_len > SL_OSCORE_MAX_ID_LEN || id_ctx_len > SL_OSCORE_MAX_ID_CTX_LEN)
        return SL_ERR_INVALID;
    struct wbuf w = {out, cap, 0, false};
    w_byte(&w, 0x85); /* array(5) */
    w_bstr(&w, id, id_len);
    if (id_ctx != NULL)
        w_bstr(&w, id_ctx, id_ctx_len);
    else
        w_byte(&w, 0xf6); /* null */
    w_byte(&w, SL_OSCORE_ALG_AES_CCM_16_64_128);
    if (is_iv) {
        w_bytes(&w, "\x62IV", 3);
        w_byte(&w, SL_OSCORE_NONCE_LEN);
    } else {
        w_bytes(&w, "\x63Key", 4);
        w_byte(&w, SL_OSCORE_KEY_LEN);
    }
    return w_end(&w, len);
}

/* info is at most 1 + 8 + 10 + 1 + 4 + 1 bytes. */
#define KDF_INFO_MAX (32 + SL_OSCORE_MAX_ID_CTX_LEN)

static sl_err derive_one(const struct sl_oscore_params *p, const uint8_t *id, size_t id_len,
                         bool is_iv, uint8_t *out, size_t out_len)
{
    uint8_t info[KDF_INFO_MAX];
    size_t info_len;
    sl_err err = sl_oscore_kdf_info(info, sizeof info, &info_len, id, id_len, p->id_ctx,
                                    p->id_ctx_len, is_iv);
    if (err != SL_OK)
        return err;
    return sl_crypto_hkdf_sha256(p->master_salt, p->master_salt_len, p->master_secret,
                                 p->master_secret_len, info, info_len, out, out_len);
}

sl_err sl_oscore_ctx_derive(struct sl_oscore_ctx *ctx, const struct sl_oscore_params *p)
{
    if (ctx == NULL || p == NULL || p->master_secret == NULL || p->master_secret_len == 0 ||
        p->master_secret_len > SL_OSCORE_MAX_SECRET_LEN ||
        p->master_salt_len > SL_OSCORE_MAX_SALT_LEN ||
        (p->master_salt == NULL && p->master_salt_len > 0) ||
        p->sender_id_len > SL_OSCORE_MAX_ID_LEN || p->recipient_id_len > SL_OSCORE_MAX_ID_LEN ||
        (p->sender_id == NULL && p->sender_id_len > 0) ||
        (p->recipient_id == NULL && p->recipient_id_len > 0) ||
        p->id_ctx_len > SL_OSCORE_MAX_ID_CTX_LEN || (p->id_ctx == NULL && p->id_ctx_len > 0))
        return SL_ERR_INVALID;
    if (p->sender_id_len == p->recipient_id_len &&
        (p->sender_id_len == 0 || memcmp(p->sender_id, p->recipient_id, p->sender_id_len) == 0))
        return SL_ERR_INVALID; /* RFC 8613 3.3: the IDs must differ */

    memset(ctx, 0, sizeof *ctx);
    ctx->seq_limit = SL_OSCORE_SEQ_UNLIMITED;
    sl_err err = derive_one(p, p->sender_id, p->sender_id_len, false, ctx->sender_key,
                            SL_OSCORE_KEY_LEN);
    if (err == SL_OK)
        err = derive_one(p, p->recipient_id, p->recipient_id_len, false, ctx->recipient_key,
                         SL_OSCORE_KEY_LEN);
    if (err == SL_OK)
        err = derive_one(p, NULL, 0, true, ctx->common_iv, SL_OSCORE_NONCE_LEN);
    if (err != SL_OK) {
        memset(ctx, 0, sizeof *ctx);
        return err;
    }
    if (p->sender_id_len > 0)
        memcpy(ctx->sender_id, p->sender_id, p->sender_id_len);
    ctx->sender_id_len = (uint8_t)p->sender_id_len;
    if (p->recipient_id_len > 0)
        memcpy(ctx->recipient_id, p->recipient_id, p->recipient_id_len);
    ctx->recipient_id_len = (uint8_t)p->recipient_id_len;
    if (p->id_ctx != NULL) {
        if (p->id_ctx_len > 0)
            memcpy(ctx->id_ctx, p->id_ctx, p->id_ctx_len);
        ctx->id_ctx_len = (uint8_t)p->id_ctx_len;
        ctx->has_id_ctx = true;
    }
    return SL_OK;
}

/* ---- Sender Sequence Number persistence (RFC 8613 B.1.1) ---- */

bool sl_oscore_seq_save_needed(const struct sl_oscore_ctx *ctx)
{
    if (ctx == NULL || ctx->seq_limit >= SL_OSCORE_SEQ_UNLIMITED)
        return false; /* not persisted, or the limit is the end of the space */
    return ctx->sender_seq >= ctx->seq_limit ||
           ctx->seq_limit - ctx->sender_seq <= SL_OSCORE_SEQ_SAVE_WINDOW / 2;
}

uint64_t sl_oscore_seq_next_limit(const struct sl_oscore_ctx *ctx)
{
    if (ctx == NULL || ctx->sender_seq >= SL_OSCORE_SEQ_UNLIMITED - SL_OSCORE_SEQ_SAVE_WINDOW)
        return SL_OSCORE_SEQ_UNLIMITED;
    return ctx->sender_seq + SL_OSCORE_SEQ_SAVE_WINDOW;
}

sl_err sl_oscore_seq_saved(struct sl_oscore_ctx *ctx, uint64_t limit)
{
    if (ctx == NULL || limit > SL_OSCORE_SEQ_UNLIMITED)
        return SL_ERR_INVALID;
    ctx->seq_limit = limit;
    /* Storage below a number already used would let a reboot reuse it; the
     * limit still follows storage so that nothing more is sent meanwhile. */
    return limit < ctx->sender_seq ? SL_ERR_INVALID : SL_OK;
}

sl_err sl_oscore_ctx_restore(struct sl_oscore_ctx *ctx, uint64_t saved_limit)
{
    if (ctx == NULL || saved_limit > SL_OSCORE_SEQ_UNLIMITED)
        return SL_ERR_INVALID;
    ctx->sender_seq = saved_limit;
    ctx->seq_limit = saved_limit;
    ctx->replay_seen = false;
    ctx->replay_top = 0;
    ctx->replay_bits = 0;
    ctx->need_echo = true;
    ctx->echo_armed = false;
    memset(ctx->echo, 0, sizeof ctx->echo);
    return SL_OK;
}

/* ---- nonce (RFC 8613 5.2) ---- */

sl_err sl_oscore_nonce(uint8_t nonce[SL_OSCORE_NONCE_LEN], const uint8_t *common_iv,
                       const uint8_t *id_piv, size_t id_piv_len, const uint8_t *piv,
                       size_t piv_len)
{
    if (nonce == NULL || common_iv == NULL || id_piv_len > SL_OSCORE_MAX_ID_LEN ||
        piv_len > SL_OSCORE_MAX_PIV_LEN || (id_piv == NULL && id_piv_len > 0) ||
        (piv == NULL && piv_len > 0))
        return SL_ERR_INVALID;
    uint8_t n[SL_OSCORE_NONCE_LEN] = {0};
    /* length of ID_PIV, ID_PIV left-padded to nonce length - 6, PIV
     * left-padded to 5 bytes */
    n[0] = (uint8_t)id_piv_len;
    if (id_piv_len > 0)
        memcpy(n + 1 + SL_OSCORE_MAX_ID_LEN - id_piv_len, id_piv, id_piv_len);
    if (piv_len > 0)
        memcpy(n + SL_OSCORE_NONCE_LEN - piv_len, piv, piv_len);
    for (size_t i = 0; i < SL_OSCORE_NONCE_LEN; i++)
        nonce[i] = (uint8_t)(n[i] ^ common_iv[i]);
    return SL_OK;
}

/* ---- OSCORE option value (RFC 8613 6.1) ---- */

#define FLAG_PIV_MASK 0x07u
#define FLAG_KID 0x08u
#define FLAG_KID_CTX 0x10u
#define FLAG_RESERVED 0xe0u

sl_err sl_oscore_option_parse(struct sl_oscore_option *o, const uint8_t *val, size_t len)
{
    if (o == NULL || (val == NULL && len > 0))
        return SL_ERR_INVALID;
    memset(o, 0, sizeof *o);
    if (len == 0)
        return SL_OK;
    uint8_t flags = val[0];
    /* a value whose flags are all 0 SHALL be empty (RFC 8613 6.1): "00"
     * is malformed, not another way to say "nothing" */
    if ((flags & FLAG_RESERVED) || flags == 0)
        return SL_ERR_INVALID;
    size_t n = flags & FLAG_PIV_MASK;
    if (n > SL_OSCORE_MAX_PIV_LEN)
        return SL_ERR_INVALID;
    size_t pos = 1;
    if (n > len - pos)
        return SL_ERR_INVALID;
    o->piv = val + pos;
    o->piv_len = (uint8_t)n;
    pos += n;
    if (flags & FLAG_KID_CTX) {
        if (pos >= len)
            return SL_ERR_INVALID;
        size_t s = val[pos++];
        if (s > len - pos)
            return SL_ERR_INVALID;
        o->has_kid_ctx = true;
        o->kid_ctx = val + pos;
        o->kid_ctx_len = (uint8_t)s;
        pos += s;
    }
    if (flags & FLAG_KID) {
        if (len - pos > 255)
            return SL_ERR_INVALID;
        o->has_kid = true;
        o->kid = val + pos;
        o->kid_len = (uint8_t)(len - pos);
        pos = len;
    }
    if (pos != len)
        return SL_ERR_INVALID; /* trailing bytes without the kid flag */
    if (n == 0)
        o->piv = NULL;
    return SL_OK;
}

sl_err sl_oscore_option_encode(const struct sl_oscore_option *o, uint8_t *out, size_t cap,
                               size_t *len)
{
    if (o == NULL || len == NULL || (out == NULL && cap > 0) ||
        o->piv_len > SL_OSCORE_MAX_PIV_LEN || (o->piv == NULL && o->piv_len > 0) ||
        (o->has_kid && o->kid == NULL && o->kid_len > 0) ||
        (o->has_kid_ctx && o->kid_ctx == NULL && o->kid_ctx_len > 0))
        return SL_ERR_INVALID;
    uint8_t flags = o->piv_len;
    if (o->has_kid)
        flags |= FLAG_KID;
    if (o->has_kid_ctx)
        flags |= FLAG_KID_CTX;
    struct wbuf w = {out, cap, 0, false};
    if (flags != 0) {
        w_byte(&w, flags);
        w_bytes(&w, o->piv, o->piv_len);
        if (o->has_kid_ctx) {
            w_byte(&w, o->kid_ctx_len);
            w_bytes(&w, o->kid_ctx, o->kid_ctx_len);
        }
        if (o->has_kid)
            w_bytes(&w, o->kid, o->kid_len);
    }
    return w_end(&w, len);
}

/* ---- AAD (RFC 8613 5.4) ---- */

/* aad_array: 4 + (1 + 7) + (1 + 5) + 1; Enc_structure: 1 + 9 + 1 + 1 + that */
#define AAD_ARRAY_MAX (4 + 1 + SL_OSCORE_MAX_ID_LEN + 1 + SL_OSCORE_MAX_PIV_LEN + 1)
#define AAD_MAX (12 + AAD_ARRAY_MAX)

sl_err sl_oscore_aad(uint8_t *out, size_t cap, size_t *len, const uint8_t *kid, size_t kid_len,
                     const uint8_t *piv, size_t piv_len)
{
    if (out == NULL || len == NULL || kid_len > SL_OSCORE_MAX_ID_LEN ||
        piv_len > SL_OSCORE_MAX_PIV_LEN || (kid == NULL && kid_len > 0) ||
        (piv == NULL && piv_len > 0))
        return SL_ERR_INVALID;
    uint8_t arr[AAD_ARRAY_MAX];
    struct wbuf a = {arr, sizeof arr, 0, false};
    w_byte(&a, 0x85);                            /* array(5) */
    w_byte(&a, 0x01);                            /* oscore_version 1 */
    w_byte(&a, 0x81);                            /* algorithms: array(1) */
    w_byte(&a, SL_OSCORE_ALG_AES_CCM_16_64_128); /* [alg_aead] */
    w_bstr(&a, kid, kid_len);                    /* request_kid */
    w_bstr(&a, piv, piv_len);                    /* request_piv */
    w_bstr(&a, NULL, 0);                         /* options: no Class I */
    size_t arr_len;
    sl_err err = w_end(&a, &arr_len);
    if (err != SL_OK)
        return err;
    struct wbuf w = {out, cap, 0, false};
    w_byte(&w, 0x83); /* Enc_structure: array(3) */
    w_bytes(&w, "\x68" "Encrypt0", 9);
    w_bstr(&w, NULL, 0); /* protected: empty map serialized as h'' */
    w_bstr(&w, arr, arr_len);
    return w_end(&w, len);
}

/* ---- option classes (RFC 8613 4.1) ---- */

static bool is_block_opt(uint16_t num)
{
    return num == SL_COAP_OPT_BLOCK1 || num == SL_COAP_OPT_BLOCK2 ||
           num == SL_COAP_OPT_SIZE1 || num == SL_COAP_OPT_SIZE2;
}

/* Class U only: never encrypted. */
static bool is_outer_only(uint16_t num, unsigned flags)
{
    switch (num) {
    case SL_COAP_OPT_URI_HOST:
    case SL_COAP_OPT_URI_PORT:
    case SL_COAP_OPT_OSCORE:
    case SL_COAP_OPT_PROXY_URI:
    case SL_COAP_OPT_PROXY_SCHEME:
        return true;
    default:
        return (flags & SL_OSCORE_OUTER_BLOCK) != 0 && is_block_opt(num);
    }
}

static bool goes_inner(uint16_t num, unsigned flags)
{
    return !is_outer_only(num, flags);
}

static bool goes_outer(uint16_t num, unsigned flags)
{
    return num == SL_COAP_OPT_OBSERVE || is_outer_only(num, flags);
}

static bool has_opt(const struct sl_coap_msg *m, uint16_t num)
{
    return sl_coap_opt_get(m, num, 0) != NULL;
}

/* ---- Partial IV ---- */

static uint8_t piv_encode(uint64_t seq, uint8_t piv[SL_OSCORE_MAX_PIV_LEN])
{
    uint8_t n = 1;
    while (n < SL_OSCORE_MAX_PIV_LEN && (seq >> (8 * n)) != 0)
        n++;
    for (uint8_t i = 0; i < n; i++)
        piv[i] = (uint8_t)(seq >> (8 * (n - 1 - i)));
    return n;
}

static uint64_t piv_value(const uint8_t *piv, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = (v << 8) | piv[i];
    return v;
}

/* The next Partial IV for a message of ours. The number is spent at once
 * so that no nonce is ever used twice, whatever happens next; a refusal
 * spends nothing. */
static sl_err take_seq(struct sl_oscore_ctx *ctx, uint8_t piv[SL_OSCORE_MAX_PIV_LEN],
                       uint8_t *piv_len)
{
    if (ctx->sender_seq > SL_OSCORE_MAX_SEQ)
        return SL_ERR_STATE; /* a new context is needed (RFC 8613 7.2.1) */
    if (ctx->sender_seq >= ctx->seq_limit)
        return SL_ERR_BUSY; /* persist a new limit first (B.1.1) */
    *piv_len = piv_encode(ctx->sender_seq, piv);
    ctx->sender_seq++;
    return SL_OK;
}

/* ---- protect ---- */

struct protect_args {
    const uint8_t *key;
    const uint8_t *nonce;
    const uint8_t *aad;
    size_t aad_len;
    const uint8_t *optval;
    size_t optval_len;
    uint8_t outer_code;
    bool is_response; /* the Inner Observe of a notification is empty */
};

static sl_err protect(const struct sl_coap_msg *plain, unsigned flags,
                      const struct protect_args *a, uint8_t *out, size_t cap, size_t *len)
{
    /* Plaintext = code || Inner options || (0xFF || payload). It is built as
     * a CoAP message without token whose header's last byte is overwritten
     * by the code, so the plaintext starts at pt + 3. */
    uint8_t pt[SL_COAP_MAX_MSG];
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, pt, sizeof pt, SL_COAP_CON, plain->code, 0, NULL, 0);
    for (unsigned i = 0; i < plain->opt_count; i++) {
        const struct sl_coap_opt *o = &plain->opts[i];
        if (o->num == SL_COAP_OPT_OSCORE)
            return SL_ERR_INVALID; /* already protected */
        if (!goes_inner(o->num, flags))
            continue;
        /* RFC 8613 4.1.3.5.2: the value of a notification travels outside
         * only, for proxies; the client orders by Partial IV. */
        if (o->num == SL_COAP_OPT_OBSERVE && a->is_response)
            sl_coap_build_opt(&b, o->num, NULL, 0);
        else
            sl_coap_build_opt(&b, o->num, o->val, o->len);
    }
    if (plain->payload_len > 0)
        sl_coap_build_payload(&b, plain->payload, plain->payload_len);
    size_t pt_total;
    sl_err err = sl_coap_build_end(&b, &pt_total);
    if (err != SL_OK)
        return err;
    pt[3] = plain->code;
    const uint8_t *plaintext = pt + 3;
    size_t pt_len = pt_total - 3;

    /* Outer message: header and token, Outer options with the OSCORE option
     * in its place, and the ciphertext as payload. */
    sl_coap_build_begin(&b, out, cap, plain->type, a->outer_code, plain->mid, plain->token,
                        plain->tkl);
    bool oscore_done = false;
    for (unsigned i = 0; i < plain->opt_count; i++) {
        const struct sl_coap_opt *o = &plain->opts[i];
        if (!goes_outer(o->num, flags))
            continue;
        if (!oscore_done && o->num > SL_COAP_OPT_OSCORE) {
            sl_coap_build_opt(&b, SL_COAP_OPT_OSCORE, a->optval, a->optval_len);
            oscore_done = true;
        }
        sl_coap_build_opt(&b, o->num, o->val, o->len);
    }
    if (!oscore_done)
        sl_coap_build_opt(&b, SL_COAP_OPT_OSCORE, a->optval, a->optval_len);
    /* Reserve the payload (plaintext length + tag), then encrypt into it. */
    sl_coap_build_payload(&b, plaintext, pt_len);
    static const uint8_t tag_room[SL_OSCORE_TAG_LEN];
    sl_coap_build_payload(&b, tag_room, sizeof tag_room);
    size_t total;
    err = sl_coap_build_end(&b, &total);
    if (err != SL_OK)
        return err;
    uint8_t *ct = out + total - (pt_len + SL_OSCORE_TAG_LEN);
    err = sl_crypto_ccm_encrypt(a->key, a->nonce, a->aad, a->aad_len, plaintext, pt_len, ct);
    memset(pt, 0, sizeof pt);
    if (err != SL_OK)
        return err;
    *len = total;
    return SL_OK;
}

/* Observe 0 registers (RFC 7641 2); 1 deregisters, and is answered by a
 * plain response. */
static bool is_registration(const struct sl_coap_msg *m)
{
    uint32_t v;
    return sl_coap_opt_uint(m, SL_COAP_OPT_OBSERVE, &v) == SL_OK && v == 0;
}

sl_err sl_oscore_protect_request(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *plain,
                                 unsigned flags, uint8_t *out, size_t cap, size_t *len,
                                 struct sl_oscore_binding *bind)
{
    if (ctx == NULL || plain == NULL || out == NULL || len == NULL || bind == NULL ||
        !sl_coap_is_request(plain->code))
        return SL_ERR_INVALID;

    struct sl_oscore_binding bd;
    memset(&bd, 0, sizeof bd);
    sl_err err = take_seq(ctx, bd.piv, &bd.piv_len);
    if (err != SL_OK)
        return err;
    memcpy(bd.kid, ctx->sender_id, ctx->sender_id_len);
    bd.kid_len = ctx->sender_id_len;
    bd.observe = is_registration(plain);
    err = sl_oscore_nonce(bd.nonce, ctx->common_iv, bd.kid, bd.kid_len, bd.piv, bd.piv_len);
    uint8_t aad[AAD_MAX];
    size_t aad_len = 0;
    if (err == SL_OK)
        err = sl_oscore_aad(aad, sizeof aad, &aad_len, bd.kid, bd.kid_len, bd.piv, bd.piv_len);
    struct sl_oscore_option opt = {
        .piv = bd.piv,
        .piv_len = bd.piv_len,
        .has_kid = true,
        .kid = bd.kid,
        .kid_len = bd.kid_len,
        .has_kid_ctx = ctx->send_kid_ctx && ctx->has_id_ctx,
        .kid_ctx = ctx->id_ctx,
        .kid_ctx_len = ctx->id_ctx_len,
    };
    uint8_t optval[1 + SL_OSCORE_MAX_PIV_LEN + 1 + SL_OSCORE_MAX_ID_CTX_LEN +
                   SL_OSCORE_MAX_ID_LEN];
    size_t optval_len = 0;
    if (err == SL_OK)
        err = sl_oscore_option_encode(&opt, optval, sizeof optval, &optval_len);
    if (err != SL_OK)
        return err;
    struct protect_args a = {
        .key = ctx->sender_key,
        .nonce = bd.nonce,
        .aad = aad,
        .aad_len = aad_len,
        .optval = optval,
        .optval_len = optval_len,
        .outer_code = has_opt(plain, SL_COAP_OPT_OBSERVE) ? SL_COAP_FETCH : SL_COAP_POST,
        .is_response = false,
    };
    err = protect(plain, flags, &a, out, cap, len);
    if (err == SL_OK)
        *bind = bd;
    return err;
}

sl_err sl_oscore_protect_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *plain,
                                  const struct sl_oscore_binding *bind, bool own_piv,
                                  unsigned flags, uint8_t *out, size_t cap, size_t *len)
{
    if (ctx == NULL || plain == NULL || bind == NULL || out == NULL || len == NULL ||
        !sl_coap_is_response(plain->code) || bind->kid_len > SL_OSCORE_MAX_ID_LEN ||
        bind->piv_len > SL_OSCORE_MAX_PIV_LEN)
        return SL_ERR_INVALID;
    bool notification = has_opt(plain, SL_COAP_OPT_OBSERVE);
    if (notification && !bind->observe)
        return SL_ERR_INVALID; /* the client would drop it (RFC 8613 8.4.2) */
    uint8_t aad[AAD_MAX];
    size_t aad_len;
    sl_err err = sl_oscore_aad(aad, sizeof aad, &aad_len, bind->kid, bind->kid_len, bind->piv,
                               bind->piv_len);
    if (err != SL_OK)
        return err;
    uint8_t nonce[SL_OSCORE_NONCE_LEN];
    uint8_t optval[1 + SL_OSCORE_MAX_PIV_LEN];
    size_t optval_len = 0;
    if (own_piv) {
        uint8_t piv[SL_OSCORE_MAX_PIV_LEN];
        uint8_t piv_len = 0;
        err = take_seq(ctx, piv, &piv_len);
        if (err == SL_OK)
            err = sl_oscore_nonce(nonce, ctx->common_iv, ctx->sender_id, ctx->sender_id_len,
                                  piv, piv_len);
        struct sl_oscore_option opt = {.piv = piv, .piv_len = piv_len};
        if (err == SL_OK)
            err = sl_oscore_option_encode(&opt, optval, sizeof optval, &optval_len);
        if (err != SL_OK)
            return err;
    } else {
        memcpy(nonce, bind->nonce, sizeof nonce);
    }
    struct protect_args a = {
        .key = ctx->sender_key,
        .nonce = nonce,
        .aad = aad,
        .aad_len = aad_len,
        .optval = optval,
        .optval_len = optval_len,
        .outer_code = notification ? SL_COAP_CONTENT : SL_COAP_CHANGED,
        .is_response = true,
    };
    return protect(plain, flags, &a, out, cap, len);
}

/* ---- unprotect ---- */

/* Replay window (RFC 8613 7.4): replay_top is the highest Partial IV seen,
 * bit i of replay_bits marks replay_top - 1 - i. */
static bool replay_ok(const struct sl_oscore_ctx *ctx, uint64_t seq)
{
    if (!ctx->replay_seen || seq > ctx->replay_top)
        return true;
    uint64_t diff = ctx->replay_top - seq;
    if (diff == 0 || diff > SL_OSCORE_REPLAY_WINDOW)
        return false;
    return (ctx->replay_bits & (UINT32_C(1) << (diff - 1))) == 0;
}

static void replay_mark(struct sl_oscore_ctx *ctx, uint64_t seq)
{
    if (!ctx->replay_seen) {
        ctx->replay_seen = true;
        ctx->replay_top = seq;
        ctx->replay_bits = 0;
    } else if (seq > ctx->replay_top) {
        uint64_t shift = seq - ctx->replay_top;
        if (shift > SL_OSCORE_REPLAY_WINDOW)
            ctx->replay_bits = 0;
        else
            ctx->replay_bits =
                (uint32_t)(((uint64_t)ctx->replay_bits << shift) | (UINT64_C(1) << (shift - 1)));
        ctx->replay_top = seq;
    } else if (seq < ctx->replay_top) {
        ctx->replay_bits |= UINT32_C(1) << (ctx->replay_top - seq - 1);
    }
}

/* What decrypt_and_merge needs besides the messages. */
struct open_args {
    const uint8_t *key;
    const uint8_t *nonce;
    const uint8_t *aad;
    size_t aad_len;
    bool want_request;
    /* response: the Partial IV whose three low bytes become the value of
     * the Inner Observe (none: empty, the oldest; RFC 8613 4.1.3.5.2) */
    const uint8_t *piv;
    size_t piv_len;
    /* request: the Echo value to look for among the Inner options, or NULL */
    const uint8_t *echo;
};

/* What decrypt_and_merge found inside. */
struct open_result {
    bool observe;      /* an Inner Observe option */
    bool registration; /* an Inner Observe 0 */
    bool echo_match; /* exactly one Inner Echo, equal to args->echo */
};

/* The value of Observe handed to the client's CoAP layer for a
 * notification: RFC 7641 compares 24-bit values, so the low three bytes
 * of the Partial IV keep its order; minimal uint encoding. */
static size_t observe_from_piv(const uint8_t *piv, size_t piv_len, uint8_t out[3])
{
    uint32_t v = (uint32_t)(piv_value(piv, piv_len) & 0xffffffu);
    size_t n = v > 0xffffu ? 3 : v > 0xffu ? 2 : v > 0 ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return n;
}

static bool echo_matches(const struct sl_coap_msg *in, const uint8_t *want)
{
    const struct sl_coap_opt *e = sl_coap_opt_get(in, SL_COAP_OPT_ECHO, 0);
    return e != NULL && sl_coap_opt_get(in, SL_COAP_OPT_ECHO, 1) == NULL &&
           e->len == SL_OSCORE_ECHO_LEN && memcmp(e->val, want, SL_OSCORE_ECHO_LEN) == 0;
}

/* Decrypt the payload of prot and write the inner message to out: prot's
 * header and token, the inner code, the Outer-only options of prot but
 * OSCORE merged with the Inner options, the inner payload. Only the Inner
 * Observe counts (RFC 8613 4.1.3.5): an Outer one is unprotected, so
 * taking it would let anyone on the path turn a request into a
 * registration or a response into a notification. */
static sl_err decrypt_and_merge(const struct sl_coap_msg *prot, const struct open_args *a,
                                uint8_t *out, size_t cap, size_t *len, struct open_result *res)
{
    memset(res, 0, sizeof *res);
    if (prot->payload_len < SL_OSCORE_TAG_LEN + 1 ||
        prot->payload_len - SL_OSCORE_TAG_LEN > SL_COAP_MAX_MSG - 3)
        return SL_ERR_DENIED; /* cannot hold even a code byte, or too long */
    /* Decrypt to dec + 3, then give it a fake 4-byte header (version 1, no
     * token, code at dec[1]) so the CoAP parser reads the option list. */
    uint8_t dec[SL_COAP_MAX_MSG];
    size_t pt_len = prot->payload_len - SL_OSCORE_TAG_LEN;
    sl_err err = sl_crypto_ccm_decrypt(a->key, a->nonce, a->aad, a->aad_len, prot->payload,
                                       prot->payload_len, dec + 3);
    if (err != SL_OK)
        return err; /* SL_ERR_DENIED: the tag does not verify */
    dec[0] = 0x40;
    dec[1] = dec[3];
    dec[2] = 0;
    struct sl_coap_msg in;
    err = sl_coap_parse(&in, dec, pt_len + 3);
    if (err == SL_OK &&
        (a->want_request ? !sl_coap_is_request(in.code) : !sl_coap_is_response(in.code)))
        err = SL_ERR_INVALID;
    if (err != SL_OK) {
        memset(dec, 0, sizeof dec);
        return SL_ERR_INVALID;
    }
    res->observe = has_opt(&in, SL_COAP_OPT_OBSERVE);
    res->registration = is_registration(&in);
    res->echo_match = a->echo != NULL && echo_matches(&in, a->echo);
    uint8_t obs_val[3];
    size_t obs_len = a->want_request ? 0 : observe_from_piv(a->piv, a->piv_len, obs_val);

    struct sl_coap_builder b;
    sl_coap_build_begin(&b, out, cap, prot->type, in.code, prot->mid, prot->token, prot->tkl);
    unsigned i = 0, j = 0, merged = 0;
    for (;;) {
        /* next outer option that the inner message takes */
        while (i < prot->opt_count &&
               (prot->opts[i].num == SL_COAP_OPT_OSCORE || !is_outer_only(prot->opts[i].num, 0)))
            i++;
        /* next inner option: Outer-only ones inside are ignored */
        while (j < in.opt_count && is_outer_only(in.opts[j].num, 0))
            j++;
        const struct sl_coap_opt *o;
        if (i < prot->opt_count && (j >= in.opt_count || prot->opts[i].num <= in.opts[j].num))
            o = &prot->opts[i++];
        else if (j < in.opt_count)
            o = &in.opts[j++];
        else
            break;
        /* the unauthenticated Outer options count too: the merged message
         * must parse, or a path attacker could spend a Partial IV with an
         * authentic request it padded with Uri-Host options */
        if (++merged > SL_COAP_MAX_OPTIONS) {
            memset(dec, 0, sizeof dec);
            return SL_ERR_INVALID;
        }
        if (o->num == SL_COAP_OPT_OBSERVE && !a->want_request)
            sl_coap_build_opt(&b, o->num, obs_val, obs_len);
        else
            sl_coap_build_opt(&b, o->num, o->val, o->len);
    }
    if (in.payload_len > 0)
        sl_coap_build_payload(&b, in.payload, in.payload_len);
    err = sl_coap_build_end(&b, len);
    memset(dec, 0, sizeof dec);
    return err;
}

static const struct sl_coap_opt *oscore_opt(const struct sl_coap_msg *m)
{
    const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_OSCORE, 0);
    if (o == NULL || sl_coap_opt_get(m, SL_COAP_OPT_OSCORE, 1) != NULL)
        return NULL; /* absent or repeated */
    return o;
}

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

sl_err sl_oscore_unprotect_request(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                   uint8_t *out, size_t cap, size_t *len,
                                   struct sl_oscore_binding *bind, uint8_t *coap_code)
{
    uint8_t dummy;
    if (coap_code == NULL)
        coap_code = &dummy;
    *coap_code = SL_COAP_BAD_REQUEST;
    if (ctx == NULL || prot == NULL || out == NULL || len == NULL || bind == NULL)
        return SL_ERR_INVALID;

    /* RFC 8613 8.2 step 2: decode the option; kid and Partial IV needed. */
    const struct sl_coap_opt *raw = oscore_opt(prot);
    struct sl_oscore_option opt;
    if (raw == NULL || sl_oscore_option_parse(&opt, raw->val, raw->len) != SL_OK ||
        !opt.has_kid || opt.piv_len == 0) {
        *coap_code = SL_COAP_BAD_OPTION;
        return SL_ERR_INVALID;
    }
    /* Step 3: the context. */
    if (!same_bytes(opt.kid, opt.kid_len, ctx->recipient_id, ctx->recipient_id_len) ||
        (opt.has_kid_ctx &&
         (!ctx->has_id_ctx ||
          !same_bytes(opt.kid_ctx, opt.kid_ctx_len, ctx->id_ctx, ctx->id_ctx_len)))) {
        *coap_code = SL_COAP_UNAUTHORIZED;
        return SL_ERR_NOT_FOUND;
    }
    /* Step 4: replay. */
    uint64_t seq = piv_value(opt.piv, opt.piv_len);
    if (!replay_ok(ctx, seq)) {
        *coap_code = SL_COAP_UNAUTHORIZED;
        return SL_ERR_DENIED;
    }
    struct sl_oscore_binding bd;
    memset(&bd, 0, sizeof bd);
    memcpy(bd.kid, opt.kid, opt.kid_len);
    bd.kid_len = opt.kid_len;
    memcpy(bd.piv, opt.piv, opt.piv_len);
    bd.piv_len = opt.piv_len;
    uint8_t aad[AAD_MAX];
    size_t aad_len = 0;
    sl_err err = sl_oscore_nonce(bd.nonce, ctx->common_iv, bd.kid, bd.kid_len, bd.piv,
                                 bd.piv_len);
    if (err == SL_OK)
        err = sl_oscore_aad(aad, sizeof aad, &aad_len, bd.kid, bd.kid_len, bd.piv, bd.piv_len);
    if (err != SL_OK)
        return err;
    /* Steps 5-7: decrypt and rebuild. */
    struct open_args a = {
        .key = ctx->recipient_key,
        .nonce = bd.nonce,
        .aad = aad,
        .aad_len = aad_len,
        .want_request = true,
        .echo = ctx->need_echo && ctx->echo_armed ? ctx->echo : NULL,
    };
    struct open_result res;
    err = decrypt_and_merge(prot, &a, out, cap, len, &res);
    if (err == SL_ERR_OVERFLOW) {
        *coap_code = SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        return err;
    }
    if (err == SL_ERR_IO) {
        *coap_code = SL_COAP_INTERNAL_SERVER_ERROR; /* the crypto backend failed */
        return err;
    }
    if (err != SL_OK)
        return err; /* 4.00 Bad Request */
    bd.observe = res.registration;
    if (ctx->need_echo) {
        if (!res.echo_match) {
            /* Authentic, but possibly recorded before the reboot: the
             * client must prove freshness first (B.1.2). */
            memset(out, 0, *len);
            *len = 0;
            *bind = bd;
            *coap_code = SL_COAP_UNAUTHORIZED;
            return SL_ERR_STATE;
        }
        /* Fresh: its Partial IV is the lower limit of the new window, so
         * everything below counts as received. */
        ctx->need_echo = false;
        ctx->echo_armed = false;
        ctx->replay_seen = true;
        ctx->replay_top = seq;
        ctx->replay_bits = UINT32_MAX;
    } else {
        replay_mark(ctx, seq);
    }
    *bind = bd;
    *coap_code = 0;
    return SL_OK;
}

/* What the client learns from the OSCORE option of a response. */
struct response_info {
    bool has_piv;
    uint64_t piv;
    bool observe; /* an Inner Observe: a notification */
};

static sl_err open_response(const struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                            const struct sl_oscore_binding *bind, uint8_t *out, size_t cap,
                            size_t *len, struct response_info *info)
{
    memset(info, 0, sizeof *info);
    if (ctx == NULL || prot == NULL || bind == NULL || out == NULL || len == NULL ||
        bind->kid_len > SL_OSCORE_MAX_ID_LEN || bind->piv_len > SL_OSCORE_MAX_PIV_LEN)
        return SL_ERR_INVALID;
    const struct sl_coap_opt *raw = oscore_opt(prot);
    struct sl_oscore_option opt;
    if (raw == NULL || sl_oscore_option_parse(&opt, raw->val, raw->len) != SL_OK)
        return SL_ERR_INVALID;
    if (opt.has_kid &&
        !same_bytes(opt.kid, opt.kid_len, ctx->recipient_id, ctx->recipient_id_len))
        return SL_ERR_NOT_FOUND;
    uint8_t nonce[SL_OSCORE_NONCE_LEN];
    sl_err err = SL_OK;
    if (opt.piv_len > 0)
        err = sl_oscore_nonce(nonce, ctx->common_iv, ctx->recipient_id, ctx->recipient_id_len,
                              opt.piv, opt.piv_len);
    else
        memcpy(nonce, bind->nonce, sizeof nonce);
    uint8_t aad[AAD_MAX];
    size_t aad_len = 0;
    if (err == SL_OK)
        err = sl_oscore_aad(aad, sizeof aad, &aad_len, bind->kid, bind->kid_len, bind->piv,
                            bind->piv_len);
    if (err != SL_OK)
        return err;
    struct open_args a = {
        .key = ctx->recipient_key,
        .nonce = nonce,
        .aad = aad,
        .aad_len = aad_len,
        .want_request = false,
        .piv = opt.piv,
        .piv_len = opt.piv_len,
    };
    struct open_result res;
    err = decrypt_and_merge(prot, &a, out, cap, len, &res);
    if (err != SL_OK)
        return err;
    if (res.observe && !bind->observe) {
        /* A notification for a request that registered nothing (RFC 8613
         * 4.1.3.5.2): stop processing. */
        memset(out, 0, *len);
        *len = 0;
        return SL_ERR_INVALID;
    }
    info->has_piv = opt.piv_len > 0;
    info->piv = piv_value(opt.piv, opt.piv_len);
    info->observe = res.observe;
    return SL_OK;
}

sl_err sl_oscore_unprotect_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                    const struct sl_oscore_binding *bind, uint8_t *out,
                                    size_t cap, size_t *len, uint8_t *coap_code)
{
    if (coap_code != NULL)
        *coap_code = 0; /* the client discards a bad response (RFC 8613 8.4) */
    struct response_info info;
    return open_response(ctx, prot, bind, out, cap, len, &info);
}

sl_err sl_oscore_unprotect_notification(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *prot,
                                        const struct sl_oscore_binding *bind,
                                        struct sl_oscore_notif *notif, uint8_t *out, size_t cap,
                                        size_t *len)
{
    if (notif == NULL)
        return SL_ERR_INVALID;
    struct response_info info;
    sl_err err = open_response(ctx, prot, bind, out, cap, len, &info);
    if (err != SL_OK || !info.observe)
        return err;
    /* RFC 8613 7.4.1: at most one notification without Partial IV, and it
     * is the oldest; then only Partial IVs above the Notification Number
     * (the stricter choice 7.4.1 allows: an older one would roll the
     * resource state back). */
    bool fresh = info.has_piv ? !notif->seen || info.piv > notif->number
                              : !notif->seen && !notif->no_piv;
    if (!fresh) {
        memset(out, 0, *len);
        *len = 0;
        return SL_ERR_RANGE;
    }
    if (info.has_piv) {
        notif->number = info.piv;
        notif->seen = true;
    } else {
        notif->no_piv = true;
    }
    return SL_OK;
}

/* ---- Echo after a reboot (RFC 8613 B.1.2, RFC 9175) ---- */

sl_err sl_oscore_echo_arm(struct sl_oscore_ctx *ctx, const uint8_t random[SL_OSCORE_ECHO_LEN])
{
    if (ctx == NULL || random == NULL)
        return SL_ERR_INVALID;
    memcpy(ctx->echo, random, SL_OSCORE_ECHO_LEN);
    ctx->echo_armed = true;
    return SL_OK;
}

sl_err sl_oscore_echo_response(struct sl_oscore_ctx *ctx, const struct sl_coap_msg *req,
                               const struct sl_oscore_binding *bind, uint8_t *out, size_t cap,
                               size_t *len)
{
    if (ctx == NULL || req == NULL || bind == NULL || out == NULL || len == NULL ||
        req->tkl > SL_COAP_MAX_TOKEN)
        return SL_ERR_INVALID;
    if (!ctx->echo_armed)
        return SL_ERR_STATE;
    /* The plain 4.01: header, token and the Echo option only. */
    uint8_t plain_buf[SL_COAP_HEADER_LEN + SL_COAP_MAX_TOKEN + 3 + SL_OSCORE_ECHO_LEN];
    struct sl_coap_builder b;
    uint8_t type = req->type == SL_COAP_CON ? SL_COAP_ACK : SL_COAP_NON;
    sl_coap_build_begin(&b, plain_buf, sizeof plain_buf, type, SL_COAP_UNAUTHORIZED, req->mid,
                        req->token, req->tkl);
    sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, ctx->echo, SL_OSCORE_ECHO_LEN);
    size_t plain_len;
    sl_err err = sl_coap_build_end(&b, &plain_len);
    struct sl_coap_msg plain;
    if (err == SL_OK)
        err = sl_coap_parse(&plain, plain_buf, plain_len);
    if (err != SL_OK)
        return err;
    /* Own Partial IV: the request's one may repeat one from before the
     * reboot, and reusing its nonce could repeat a (key, nonce) pair. */
    return sl_oscore_protect_response(ctx, &plain, bind, true, 0, out, cap, len);
}

sl_err sl_oscore_echo_read(const struct sl_coap_msg *inner, const uint8_t **echo,
                           size_t *echo_len)
{
    if (inner == NULL || echo == NULL || echo_len == NULL)
        return SL_ERR_INVALID;
    const struct sl_coap_opt *e = sl_coap_opt_get(inner, SL_COAP_OPT_ECHO, 0);
    if (e == NULL)
        return SL_ERR_NOT_FOUND;
    if (sl_coap_opt_get(inner, SL_COAP_OPT_ECHO, 1) != NULL || e->len == 0 ||
        e->len > SL_OSCORE_ECHO_MAX_LEN)
        return SL_ERR_INVALID; /* RFC 9175 2.2.1: not repeatable, 1..40 bytes */
    *echo = e->val;
    *echo_len = e->len;
    return SL_OK;
}

const char *sl_oscore_error_text(sl_err err, uint8_t coap_code)
{
    if (coap_code == SL_COAP_UNAUTHORIZED && err == SL_ERR_NOT_FOUND)
        return "Security context not found";
    if (coap_code == SL_COAP_UNAUTHORIZED && err == SL_ERR_DENIED)
        return "Replay detected";
    if (coap_code == SL_COAP_BAD_REQUEST && err == SL_ERR_DENIED)
        return "Decryption failed";
    if (coap_code == SL_COAP_BAD_OPTION)
        return "Failed to decode COSE";
    return "";
}
