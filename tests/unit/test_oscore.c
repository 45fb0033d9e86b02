/* OSCORE (RFC 8613): the known answers of Appendix C, read byte for byte
 * from tests/vectors/rfc8613-test-vectors.txt (context derivation C.1-C.3,
 * protected requests C.4-C.6, protected responses C.7-C.8, each protected
 * and unprotected), the OSCORE option codec, and the rejections RFC 8613
 * 8.2/8.4 asks for (tampered ciphertext, unknown kid, replayed Partial IV,
 * malformed option) with their CoAP codes. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "coap/coap_msg.h"
#include "security/crypto.h"
#include "security/oscore.h"

/* ---- the vector file ---------------------------------------------------- */

static char *g_vec;

static int setup(void **state)
{
    (void)state;
    size_t len;
    g_vec = test_read_vector("rfc8613-test-vectors.txt", &len);
    return g_vec == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_vec);
    g_vec = NULL;
    return 0;
}

static const char *skip_blank(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Start of the section whose line begins (after blanks) with `section`
 * ("C.4 ", "C.1.1 "), or the file start for NULL; *end is where the next
 * "C." line begins. */
static const char *section_span(const char *section, const char **end)
{
    const char *start = g_vec;
    if (section != NULL) {
        start = NULL;
        for (const char *line = g_vec; line != NULL && *line;) {
            const char *t = skip_blank(line);
            if (strncmp(t, section, strlen(section)) == 0) {
                start = line;
                break;
            }
            line = strchr(line, '\n');
            if (line != NULL)
                line++;
        }
        assert_non_null(start);
    }
    const char *line = strchr(start, '\n');
    *end = start + strlen(start);
    while (line != NULL && section != NULL) {
        line++;
        if (strncmp(skip_blank(line), "C.", 2) == 0) {
            *end = line;
            break;
        }
        line = strchr(line, '\n');
    }
    return start;
}

/* The hex value after `label` in `section` (label at a line start or after
 * "; "; then blanks and ':'); "0x" is the empty string. Returns the length. */
static size_t vec(const char *section, const char *label, uint8_t *out, size_t cap)
{
    const char *end;
    const char *p = section_span(section, &end);
    size_t llen = strlen(label);
    for (;;) {
        p = strstr(p, label);
        if (p == NULL || p >= end)
            fail_msg("no '%s' in section '%s'", label, section ? section : "(top)");
        char before = p == g_vec ? '\n' : p[-1];
        const char *q = p - 1;
        while (q > g_vec && *q == ' ')
            q--;
        if (before == '\n' || (before == ' ' && (*q == '\n' || *q == ';')))
            break;
        p += llen;
    }
    p = skip_blank(p + llen);
    if (*p == ':')
        p = skip_blank(p + 1);
    if (strncmp(p, "0x", 2) == 0 && (p[2] == ' ' || p[2] == '\n' || p[2] == '\0'))
        return 0;
    char hex[1024];
    size_t n = 0;
    while (n + 1 < sizeof hex &&
           ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f')))
        n++;
    assert_true(n > 0 && n % 2 == 0);
    memcpy(hex, p, n);
    hex[n] = '\0';
    int got = test_hex(hex, out, cap);
    assert_true(got >= 0);
    return (size_t)got;
}

static void assert_vec_equal(const char *section, const char *label, const uint8_t *buf,
                             size_t len)
{
    uint8_t want[512];
    size_t n = vec(section, label, want, sizeof want);
    if (n != len || memcmp(want, buf, n) != 0) {
        print_error("%s %s: length %zu, want %zu\n", section, label, len, n);
        assert_memory_equal(want, buf, n < len ? n : len);
        fail();
    }
}

/* ---- contexts ----------------------------------------------------------- */

enum { NO_SALT = 1, WITH_IDCTX = 2 };

static void derive(struct sl_oscore_ctx *ctx, const char *sid, const char *rid, int opts)
{
    uint8_t secret[32], salt[32], idctx[16], s[8], r[8];
    struct sl_oscore_params p = {0};
    p.master_secret = secret;
    p.master_secret_len = vec(NULL, "Master Secret", secret, sizeof secret);
    if (!(opts & NO_SALT)) {
        p.master_salt = salt;
        p.master_salt_len = vec(NULL, "Master Salt", salt, sizeof salt);
    }
    if (opts & WITH_IDCTX) {
        p.id_ctx = idctx;
        p.id_ctx_len = vec(NULL, "ID Context", idctx, sizeof idctx);
    }
    p.sender_id = s;
    p.sender_id_len = (size_t)test_hex(sid, s, sizeof s);
    p.recipient_id = r;
    p.recipient_id_len = (size_t)test_hex(rid, r, sizeof r);
    assert_int_equal(sl_oscore_ctx_derive(ctx, &p), SL_OK);
}

static void check_ctx(const char *section, const struct sl_oscore_ctx *ctx,
                      const char *sender_nonce_label, const char *recipient_nonce_label)
{
    assert_vec_equal(section, "Sender Key", ctx->sender_key, SL_OSCORE_KEY_LEN);
    assert_vec_equal(section, "Recipient Key", ctx->recipient_key, SL_OSCORE_KEY_LEN);
    assert_vec_equal(section, "Common IV", ctx->common_iv, SL_OSCORE_NONCE_LEN);
    static const uint8_t piv0[1] = {0};
    uint8_t nonce[SL_OSCORE_NONCE_LEN];
    assert_int_equal(sl_oscore_nonce(nonce, ctx->common_iv, ctx->sender_id, ctx->sender_id_len,
                                     piv0, 1),
                     SL_OK);
    assert_vec_equal(section, sender_nonce_label, nonce, sizeof nonce);
    assert_int_equal(sl_oscore_nonce(nonce, ctx->common_iv, ctx->recipient_id,
                                     ctx->recipient_id_len, piv0, 1),
                     SL_OK);
    assert_vec_equal(section, recipient_nonce_label, nonce, sizeof nonce);
}

static void check_info(const char *section, const char *sid, const char *rid, int opts)
{
    uint8_t s[8], r[8], idctx[16], info[64];
    size_t sl = (size_t)test_hex(sid, s, sizeof s), rl = (size_t)test_hex(rid, r, sizeof r);
    const uint8_t *ic = NULL;
    size_t icl = 0;
    if (opts & WITH_IDCTX) {
        icl = vec(NULL, "ID Context", idctx, sizeof idctx);
        ic = idctx;
    }
    size_t n;
    assert_int_equal(sl_oscore_kdf_info(info, sizeof info, &n, s, sl, ic, icl, false), SL_OK);
    assert_vec_equal(section, "info(Sender Key)", info, n);
    assert_int_equal(sl_oscore_kdf_info(info, sizeof info, &n, r, rl, ic, icl, false), SL_OK);
    assert_vec_equal(section, "info(Recipient Key)", info, n);
    assert_int_equal(sl_oscore_kdf_info(info, sizeof info, &n, NULL, 0, ic, icl, true), SL_OK);
    assert_vec_equal(section, "info(Common IV)", info, n);
}

static void test_c1_with_salt(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    check_info("C.1.1 ", "", "01", 0);
    derive(&c, "", "01", 0);
    check_ctx("C.1.1 ", &c, "sender nonce (PIV=0)", "recipient nonce (PIV=0)");
    derive(&s, "01", "", 0);
    check_ctx("C.1.2 ", &s, "sender nonce", "recipient nonce");
}

static void test_c2_without_salt(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    check_info("C.2.1 ", "00", "01", NO_SALT);
    derive(&c, "00", "01", NO_SALT);
    check_ctx("C.2.1 ", &c, "sender nonce (PIV=0)", "recipient nonce");
    derive(&s, "01", "00", NO_SALT);
    check_ctx("C.2.2 ", &s, "sender nonce", "recipient nonce");
}

static void test_c3_with_id_context(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    check_info("C.3.1 ", "", "01", WITH_IDCTX);
    derive(&c, "", "01", WITH_IDCTX);
    check_ctx("C.3.1 ", &c, "sender nonce (PIV=0)", "recipient nonce");
    derive(&s, "01", "", WITH_IDCTX);
    check_ctx("C.3.2 ", &s, "sender nonce", "recipient nonce");
}

static void test_derive_rejects(void **state)
{
    (void)state;
    static const uint8_t secret[16] = {1};
    static const uint8_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct sl_oscore_ctx c;
    struct sl_oscore_params p = {.master_secret = secret, .master_secret_len = 16,
                                 .sender_id = id, .sender_id_len = 1,
                                 .recipient_id = id, .recipient_id_len = 1};
    assert_int_equal(sl_oscore_ctx_derive(&c, &p), SL_ERR_INVALID); /* same IDs */
    p.recipient_id_len = 8;
    assert_int_equal(sl_oscore_ctx_derive(&c, &p), SL_ERR_INVALID); /* ID > 7 bytes */
    p.recipient_id_len = 7;
    p.master_secret_len = 0;
    assert_int_equal(sl_oscore_ctx_derive(&c, &p), SL_ERR_INVALID);
}

/* ---- requests and responses --------------------------------------------- */

struct msgbuf {
    uint8_t bytes[256];
    size_t len;
    struct sl_coap_msg m;
};

static void load_msg(struct msgbuf *mb, const char *section, const char *label)
{
    mb->len = vec(section, label, mb->bytes, sizeof mb->bytes);
    assert_int_equal(sl_coap_parse(&mb->m, mb->bytes, mb->len), SL_OK);
}

/* Protect the section's request with the client context at SSN 20, compare
 * every intermediate value and the protected bytes, then unprotect it with
 * the server context and get the original back. */
static void request_vector(const char *section, struct sl_oscore_ctx *client,
                           struct sl_oscore_ctx *server, struct sl_oscore_binding *cbind,
                           struct sl_oscore_binding *sbind)
{
    struct msgbuf plain, prot;
    load_msg(&plain, section, "Unprotected request");
    client->sender_seq = 20;
    uint8_t out[256];
    size_t len;
    assert_int_equal(sl_oscore_protect_request(client, &plain.m, 0, out, sizeof out, &len, cbind),
                     SL_OK);
    assert_vec_equal(section, "Protected request", out, len);
    assert_int_equal(client->sender_seq, 21);
    assert_vec_equal(section, "nonce", cbind->nonce, SL_OSCORE_NONCE_LEN);
    uint8_t aad[64];
    size_t aad_len;
    assert_int_equal(sl_oscore_aad(aad, sizeof aad, &aad_len, cbind->kid, cbind->kid_len,
                                   cbind->piv, cbind->piv_len),
                     SL_OK);
    assert_vec_equal(section, "AAD", aad, aad_len);
    assert_vec_equal(section, "key", client->sender_key, SL_OSCORE_KEY_LEN);

    load_msg(&prot, section, "Protected request");
    const struct sl_coap_opt *o = sl_coap_opt_get(&prot.m, SL_COAP_OPT_OSCORE, 0);
    assert_non_null(o);
    assert_vec_equal(section, "OSCORE option value", o->val, o->len);
    assert_vec_equal(section, "ciphertext", prot.m.payload, prot.m.payload_len);
    /* RFC 8613 C.4: 12 + |Partial IV| + |kid| bytes of overhead (OSCORE
     * option header and flags byte, 8-byte tag, payload marker, inner code
     * byte), plus 1 + |kid context| when that is sent (C.6) */
    size_t kid_ctx_extra = client->send_kid_ctx ? 1u + client->id_ctx_len : 0u;
    assert_int_equal(len - plain.len, 12 + cbind->piv_len + cbind->kid_len + kid_ctx_extra);

    uint8_t code = 0xff;
    assert_int_equal(sl_oscore_unprotect_request(server, &prot.m, out, sizeof out, &len, sbind,
                                                 &code),
                     SL_OK);
    assert_int_equal(code, 0);
    assert_vec_equal(section, "Unprotected request", out, len);
    assert_memory_equal(sbind->nonce, cbind->nonce, SL_OSCORE_NONCE_LEN);
}

static void test_c4_request_empty_kid(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive(&c, "", "01", 0);
    derive(&s, "01", "", 0);
    request_vector("C.4 ", &c, &s, &cb, &sb);
    assert_int_equal(cb.kid_len, 0);
}

static void test_c5_request_kid(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive(&c, "00", "01", NO_SALT);
    derive(&s, "01", "00", NO_SALT);
    request_vector("C.5 ", &c, &s, &cb, &sb);
}

static void test_c6_request_kid_context(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive(&c, "", "01", WITH_IDCTX);
    derive(&s, "01", "", WITH_IDCTX);
    c.send_kid_ctx = true;
    request_vector("C.6 ", &c, &s, &cb, &sb);
}

/* C.7 and C.8 answer C.4: run C.4 to get both sides' bindings. */
static void response_vector(const char *section, bool own_piv)
{
    struct sl_oscore_ctx c, s;
    struct sl_oscore_binding cb, sb;
    derive(&c, "", "01", 0);
    derive(&s, "01", "", 0);
    request_vector("C.4 ", &c, &s, &cb, &sb);

    struct msgbuf plain, prot;
    load_msg(&plain, section, "Unprotected response");
    s.sender_seq = 0;
    uint8_t out[256];
    size_t len;
    assert_int_equal(sl_oscore_protect_response(&s, &plain.m, &sb, own_piv, 0, out, sizeof out,
                                                &len),
                     SL_OK);
    assert_vec_equal(section, "Protected response", out, len);
    assert_int_equal(s.sender_seq, own_piv ? 1 : 0);

    load_msg(&prot, section, "Protected response");
    const struct sl_coap_opt *o = sl_coap_opt_get(&prot.m, SL_COAP_OPT_OSCORE, 0);
    assert_non_null(o);
    assert_vec_equal(section, "OSCORE option value", o->val, o->len);
    assert_vec_equal(section, "ciphertext", prot.m.payload, prot.m.payload_len);
    if (!own_piv)
        assert_vec_equal(section, "nonce", sb.nonce, SL_OSCORE_NONCE_LEN);

    uint8_t code = 0xff;
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, out, sizeof out, &len,
                                                  &code),
                     SL_OK);
    assert_vec_equal(section, "Unprotected response", out, len);
}

static void test_c7_response_request_nonce(void **state)
{
    (void)state;
    response_vector("C.7 OSCORE", false);
}

static void test_c8_response_own_piv(void **state)
{
    (void)state;
    response_vector("C.8 OSCORE", true);
}

/* ---- rejections --------------------------------------------------------- */

/* The C.4 request, protected by a fresh client at `seq`, in mb. */
static void protect_c4_at(struct sl_oscore_ctx *c, uint64_t seq, struct msgbuf *mb)
{
    struct msgbuf plain;
    struct sl_oscore_binding b;
    load_msg(&plain, "C.4 ", "Unprotected request");
    c->sender_seq = seq;
    assert_int_equal(sl_oscore_protect_request(c, &plain.m, 0, mb->bytes, sizeof mb->bytes,
                                               &mb->len, &b),
                     SL_OK);
    assert_int_equal(sl_coap_parse(&mb->m, mb->bytes, mb->len), SL_OK);
}

static sl_err unprotect(struct sl_oscore_ctx *s, struct msgbuf *mb, uint8_t *code)
{
    uint8_t out[256];
    size_t len;
    struct sl_oscore_binding b;
    assert_int_equal(sl_coap_parse(&mb->m, mb->bytes, mb->len), SL_OK);
    return sl_oscore_unprotect_request(s, &mb->m, out, sizeof out, &len, &b, code);
}

static void test_tampered_ciphertext(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, "", "01", 0);
    derive(&s, "01", "", 0);
    struct msgbuf mb;
    uint8_t code;
    for (size_t i = 0; i < 13; i++) {
        protect_c4_at(&c, 20, &mb);
        mb.bytes[mb.len - 13 + i] ^= 0x01;
        assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_DENIED);
        assert_int_equal(code, SL_COAP_BAD_REQUEST);
        assert_string_equal(sl_oscore_error_text(SL_ERR_DENIED, code), "Decryption failed");
    }
    /* A failed decryption does not spend the Partial IV. */
    protect_c4_at(&c, 20, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_OK);
    /* A ciphertext shorter than a tag and a code byte. */
    protect_c4_at(&c, 21, &mb);
    mb.len -= 5;
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_BAD_REQUEST);
}

static void test_wrong_kid(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, "05", "01", 0); /* the server knows recipient "" only */
    derive(&s, "01", "", 0);
    struct msgbuf mb;
    uint8_t code;
    protect_c4_at(&c, 20, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_NOT_FOUND);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_string_equal(sl_oscore_error_text(SL_ERR_NOT_FOUND, code),
                        "Security context not found");
    /* A kid context the server does not have. */
    derive(&c, "", "01", WITH_IDCTX);
    c.send_kid_ctx = true;
    protect_c4_at(&c, 20, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_NOT_FOUND);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
}

static void test_replay(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, "", "01", 0);
    derive(&s, "01", "", 0);
    struct msgbuf mb, first;
    uint8_t code;
    protect_c4_at(&c, 20, &first);
    mb = first;
    assert_int_equal(unprotect(&s, &mb, &code), SL_OK);
    mb = first;
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    assert_string_equal(sl_oscore_error_text(SL_ERR_DENIED, code), "Replay detected");
    /* Out of order inside the window is fine, once. */
    protect_c4_at(&c, 19, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_OK);
    protect_c4_at(&c, 19, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_DENIED);
    /* 32 back from the top is still in the window; 33 back is not. */
    protect_c4_at(&c, 60, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_OK);
    protect_c4_at(&c, 28, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_OK);
    protect_c4_at(&c, 27, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);
    /* Large jumps; five-byte Partial IVs. */
    protect_c4_at(&c, SL_OSCORE_MAX_SEQ, &mb);
    assert_int_equal(unprotect(&s, &mb, &code), SL_OK);
    assert_int_equal(unprotect(&s, &mb, &code), SL_ERR_DENIED);
    /* Sequence numbers used up. */
    struct msgbuf plain;
    struct sl_oscore_binding b;
    load_msg(&plain, "C.4 ", "Unprotected request");
    assert_int_equal(sl_oscore_protect_request(&c, &plain.m, 0, mb.bytes, sizeof mb.bytes,
                                               &mb.len, &b),
                     SL_ERR_STATE);
}

static void test_bad_option(void **state)
{
    (void)state;
    struct sl_oscore_ctx s;
    derive(&s, "01", "", 0);
    static const char *bad[] = {
        "44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e", /* fine */
        "44025d1f00003974396c6f63616c686f7374628914ff612f1092f1776f1c1668b3825e", /* reserved */
        "44025d1f00003974396c6f63616c686f7374620e14ff612f1092f1776f1c1668b3825e", /* n = 6 */
        "44025d1f00003974396c6f63616c686f7374620114ff612f1092f1776f1c1668b3825e", /* no kid */
        "44025d1f00003974396c6f63616c686f7374610aff612f1092f1776f1c1668b3825e",   /* short PIV */
        "44025d1f00003974396c6f63616c686f7374621914ff612f1092f1776f1c1668b3825e", /* no s */
        "44025d1f00003974396c6f63616c686f737460ff612f1092f1776f1c1668b3825e",     /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct msgbuf mb;
        int n = test_hex(bad[i], mb.bytes, sizeof mb.bytes);
        assert_true(n > 0);
        mb.len = (size_t)n;
        uint8_t code;
        sl_err err = unprotect(&s, &mb, &code);
        if (i == 0) {
            assert_int_equal(err, SL_OK);
            continue;
        }
        assert_int_equal(err, SL_ERR_INVALID);
        assert_int_equal(code, SL_COAP_BAD_OPTION);
        assert_string_equal(sl_oscore_error_text(err, code), "Failed to decode COSE");
    }
}

static void test_tampered_response(void **state)
{
    (void)state;
    struct sl_oscore_ctx c;
    derive(&c, "", "01", 0);
    struct sl_oscore_binding cb = {.kid_len = 0, .piv = {0x14}, .piv_len = 1};
    uint8_t piv = 0x14;
    assert_int_equal(sl_oscore_nonce(cb.nonce, c.common_iv, NULL, 0, &piv, 1), SL_OK);
    struct msgbuf prot;
    uint8_t out[256], code = 0xff;
    size_t len;
    load_msg(&prot, "C.8 OSCORE", "Protected response");
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, out, sizeof out, &len,
                                                  &code),
                     SL_OK);
    prot.bytes[prot.len - 1] ^= 0x80;
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, out, sizeof out, &len,
                                                  &code),
                     SL_ERR_DENIED);
    assert_int_equal(code, 0);
    /* Bound to another request: the AAD differs. */
    load_msg(&prot, "C.7 OSCORE", "Protected response");
    cb.piv[0] = 0x15;
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot.m, &cb, out, sizeof out, &len,
                                                  &code),
                     SL_ERR_DENIED);
}

static void test_option_codec(void **state)
{
    (void)state;
    struct sl_oscore_option o;
    uint8_t v[32], enc[32];
    size_t n, elen;
    n = vec("C.6 ", "OSCORE option value", v, sizeof v);
    assert_int_equal(sl_oscore_option_parse(&o, v, n), SL_OK);
    assert_int_equal(o.piv_len, 1);
    assert_int_equal(o.piv[0], 0x14);
    assert_true(o.has_kid && o.kid_len == 0);
    assert_true(o.has_kid_ctx && o.kid_ctx_len == 8);
    assert_int_equal(sl_oscore_option_encode(&o, enc, sizeof enc, &elen), SL_OK);
    assert_int_equal(elen, n);
    assert_memory_equal(enc, v, n);
    for (size_t cap = 0; cap < n; cap++)
        assert_int_equal(sl_oscore_option_encode(&o, enc, cap, &elen), SL_ERR_OVERFLOW);
    /* every truncation of it parses or fails, never reads past the end */
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, v, cut);
        (void)sl_oscore_option_parse(&o, copy, cut);
        free(copy);
    }
    assert_int_equal(sl_oscore_option_parse(&o, NULL, 0), SL_OK);
    assert_false(o.has_kid);
    assert_int_equal(o.piv_len, 0);
    /* all flags zero: the value SHALL be empty (6.1), so 00 is malformed
     * (found by fuzz_oscore_option) */
    static const uint8_t zero[1] = { 0 };
    assert_int_equal(sl_oscore_option_parse(&o, zero, 1), SL_ERR_INVALID);
}

/* An authentic request padded on the path with unauthenticated Outer
 * options (Uri-Host x 22) would merge into an inner message with more
 * options than anyone can parse: refused, and its Partial IV not spent, so
 * the request as sent still goes through (found by fuzz_oscore_unprotect). */
static void test_outer_padding_refused(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, "00", "01", 0);
    derive(&s, "01", "00", 0);
    uint8_t plain_buf[64], prot_buf[256], pad_buf[512], inner[512];
    struct sl_coap_builder b;
    static const uint8_t tok[1] = { 7 };
    sl_coap_build_begin(&b, plain_buf, sizeof plain_buf, SL_COAP_CON, SL_COAP_GET, 9, tok, 1);
    sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "3/0/0", 5, '/');
    size_t plain_len, prot_len, pad_len, inner_len;
    assert_int_equal(sl_coap_build_end(&b, &plain_len), SL_OK);
    struct sl_coap_msg plain, prot, pad;
    assert_int_equal(sl_coap_parse(&plain, plain_buf, plain_len), SL_OK);
    struct sl_oscore_binding cb, sb;
    assert_int_equal(sl_oscore_protect_request(&c, &plain, 0, prot_buf, sizeof prot_buf,
                                               &prot_len, &cb),
                     SL_OK);
    assert_int_equal(sl_coap_parse(&prot, prot_buf, prot_len), SL_OK);
    const struct sl_coap_opt *osc = sl_coap_opt_get(&prot, SL_COAP_OPT_OSCORE, 0);
    assert_non_null(osc);
    sl_coap_build_begin(&b, pad_buf, sizeof pad_buf, SL_COAP_CON, prot.code, 10, tok, 1);
    for (int k = 0; k < 22; k++) /* with the 3 inner Uri-Paths: 25 > 24 */
        sl_coap_build_opt(&b, SL_COAP_OPT_URI_HOST, "h", 1);
    sl_coap_build_opt(&b, SL_COAP_OPT_OSCORE, osc->val, osc->len);
    sl_coap_build_payload(&b, prot.payload, prot.payload_len);
    assert_int_equal(sl_coap_build_end(&b, &pad_len), SL_OK);
    assert_int_equal(sl_coap_parse(&pad, pad_buf, pad_len), SL_OK);
    uint8_t code = 0;
    assert_int_not_equal(sl_oscore_unprotect_request(&s, &pad, inner, sizeof inner, &inner_len,
                                                     &sb, &code),
                         SL_OK);
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot, inner, sizeof inner, &inner_len, &sb,
                                                 &code),
                     SL_OK);
    struct sl_coap_msg in;
    assert_int_equal(sl_coap_parse(&in, inner, inner_len), SL_OK);
}

/* ---- option classes, Observe, payload, buffer sizes ----------------------- */

static void test_roundtrip_observe(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, "00", "01", 0);
    derive(&s, "01", "00", 0);
    /* GET with Uri-Host, Observe 0, Uri-Port, Uri-Path 3303/0, Accept,
     * and a payload (unusual for GET, but the codec must carry it). */
    uint8_t plain_buf[128];
    struct sl_coap_builder b;
    static const uint8_t tok[2] = {0xab, 0xcd};
    sl_coap_build_begin(&b, plain_buf, sizeof plain_buf, SL_COAP_CON, SL_COAP_GET, 0x1234, tok, 2);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_HOST, "node", 4);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, 0);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_URI_PORT, 5683);
    sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "3303/0", 6, '/');
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, 112);
    sl_coap_build_payload(&b, "xyz", 3);
    size_t plain_len;
    assert_int_equal(sl_coap_build_end(&b, &plain_len), SL_OK);
    struct sl_coap_msg plain;
    assert_int_equal(sl_coap_parse(&plain, plain_buf, plain_len), SL_OK);

    uint8_t prot_buf[256], inner[256];
    size_t prot_len, inner_len;
    struct sl_oscore_binding cb, sb;
    assert_int_equal(sl_oscore_protect_request(&c, &plain, 0, prot_buf, sizeof prot_buf,
                                               &prot_len, &cb),
                     SL_OK);
    struct sl_coap_msg prot;
    assert_int_equal(sl_coap_parse(&prot, prot_buf, prot_len), SL_OK);
    assert_int_equal(prot.code, SL_COAP_FETCH); /* Observe: FETCH outside */
    assert_int_equal(prot.mid, 0x1234);
    assert_int_equal(prot.tkl, 2);
    /* Outside: Uri-Host, Observe, Uri-Port, OSCORE; nothing else */
    assert_int_equal(prot.opt_count, 4);
    assert_int_equal(prot.opts[0].num, SL_COAP_OPT_URI_HOST);
    assert_int_equal(prot.opts[1].num, SL_COAP_OPT_OBSERVE);
    assert_int_equal(prot.opts[2].num, SL_COAP_OPT_URI_PORT);
    assert_int_equal(prot.opts[3].num, SL_COAP_OPT_OSCORE);
    uint8_t code;
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot, inner, sizeof inner, &inner_len, &sb,
                                                 &code),
                     SL_OK);
    assert_int_equal(inner_len, plain_len);
    assert_memory_equal(inner, plain_buf, plain_len);
    /* The same request again is a replay. */
    assert_int_equal(sl_oscore_unprotect_request(&s, &prot, inner, sizeof inner, &inner_len, &sb,
                                                 &code),
                     SL_ERR_DENIED);
    assert_int_equal(code, SL_COAP_UNAUTHORIZED);

    /* A notification: own Partial IV, 2.05 outside, Observe outside too. */
    sl_coap_build_begin(&b, plain_buf, sizeof plain_buf, SL_COAP_NON, SL_COAP_CONTENT, 0x77, tok, 2);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, 5);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, 112);
    sl_coap_build_payload(&b, "\x81\x00", 2);
    assert_int_equal(sl_coap_build_end(&b, &plain_len), SL_OK);
    assert_int_equal(sl_coap_parse(&plain, plain_buf, plain_len), SL_OK);
    for (size_t cap = 0; cap < 64; cap++) {
        sl_err err = sl_oscore_protect_response(&s, &plain, &sb, true, 0, prot_buf, cap,
                                                &prot_len);
        if (err == SL_OK)
            break;
        assert_int_equal(err, SL_ERR_OVERFLOW);
    }
    assert_int_equal(sl_coap_parse(&prot, prot_buf, prot_len), SL_OK);
    assert_int_equal(prot.code, SL_COAP_CONTENT);
    assert_int_equal(prot.opt_count, 2);
    assert_int_equal(prot.opts[0].num, SL_COAP_OPT_OBSERVE);
    assert_int_equal(prot.opts[1].num, SL_COAP_OPT_OSCORE);
    /* RFC 8613 4.1.3.5.2: the Outer Observe keeps the value for proxies... */
    uint32_t outer_obs;
    assert_int_equal(sl_coap_opt_uint(&prot, SL_COAP_OPT_OBSERVE, &outer_obs), SL_OK);
    assert_int_equal(outer_obs, 5);
    /* ...and the Inner one is empty: decrypt by hand and read the
     * plaintext: code 2.05, Observe (delta 6, length 0), Content-Format
     * 112 (delta 6, length 1), payload. Every failed attempt above spent a
     * sequence number, so the Partial IV is whatever the option says. */
    struct sl_oscore_option oo;
    const struct sl_coap_opt *ov = sl_coap_opt_get(&prot, SL_COAP_OPT_OSCORE, 0);
    assert_non_null(ov);
    assert_int_equal(sl_oscore_option_parse(&oo, ov->val, ov->len), SL_OK);
    assert_int_equal(oo.piv_len, 1);
    uint8_t nonce[SL_OSCORE_NONCE_LEN], aad[64], pt[64];
    size_t aad_len;
    assert_int_equal(sl_oscore_nonce(nonce, s.common_iv, s.sender_id, s.sender_id_len, oo.piv,
                                     oo.piv_len),
                     SL_OK);
    assert_int_equal(sl_oscore_aad(aad, sizeof aad, &aad_len, cb.kid, cb.kid_len, cb.piv,
                                   cb.piv_len),
                     SL_OK);
    assert_int_equal(sl_crypto_ccm_decrypt(s.sender_key, nonce, aad, aad_len, prot.payload,
                                           prot.payload_len, pt),
                     SL_OK);
    static const uint8_t want_pt[] = {0x45, 0x60, 0x61, 0x70, 0xff, 0x81, 0x00};
    assert_int_equal(prot.payload_len - SL_OSCORE_TAG_LEN, sizeof want_pt);
    assert_memory_equal(pt, want_pt, sizeof want_pt);
    for (size_t cap = 0; cap < plain_len; cap++)
        assert_int_equal(sl_oscore_unprotect_response(&c, &prot, &cb, inner, cap, &inner_len,
                                                      &code),
                         SL_ERR_OVERFLOW);
    assert_int_equal(sl_oscore_unprotect_response(&c, &prot, &cb, inner, sizeof inner,
                                                  &inner_len, &code),
                     SL_OK);
    /* The client's Observe value is the Partial IV (4.1.3.5.2 MAY), not
     * the unprotected Outer value 5; the rest is the server's message. */
    assert_int_equal(inner_len, plain_len);
    assert_int_equal(inner[7], oo.piv[0]);
    inner[7] = 5;
    assert_memory_equal(inner, plain_buf, plain_len);
}

/* Block-wise: Block1/Block2/Size1/Size2 are Inner by default (inner
 * block-wise, RFC 8613 4.1.3.4.1: each block is its own OSCORE message),
 * Outer with SL_OSCORE_OUTER_BLOCK (a proxy may fragment). */
static void test_block_options_inner_and_outer(void **state)
{
    (void)state;
    for (int outer = 0; outer < 2; outer++) {
        struct sl_oscore_ctx c, s;
        derive(&c, "00", "01", 0);
        derive(&s, "01", "00", 0);
        uint8_t plain_buf[128];
        struct sl_coap_builder b;
        static const uint8_t tok[1] = { 0x42 };
        sl_coap_build_begin(&b, plain_buf, sizeof plain_buf, SL_COAP_CON, SL_COAP_PUT, 7, tok, 1);
        sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "3/0/15", 6, '/');
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK2, 0x06);  /* num 0, szx 6 */
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, 0x1E);  /* num 1, more, szx 6 */
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_SIZE1, 3000);
        sl_coap_build_payload(&b, "part", 4);
        size_t plain_len;
        assert_int_equal(sl_coap_build_end(&b, &plain_len), SL_OK);
        struct sl_coap_msg plain, prot;
        assert_int_equal(sl_coap_parse(&plain, plain_buf, plain_len), SL_OK);
        uint8_t prot_buf[256], inner[256];
        size_t prot_len, inner_len;
        struct sl_oscore_binding cb, sb;
        assert_int_equal(sl_oscore_protect_request(&c, &plain, outer ? SL_OSCORE_OUTER_BLOCK : 0,
                                                   prot_buf, sizeof prot_buf, &prot_len, &cb),
                         SL_OK);
        assert_int_equal(sl_coap_parse(&prot, prot_buf, prot_len), SL_OK);
        bool b1 = sl_coap_opt_get(&prot, SL_COAP_OPT_BLOCK1, 0) != NULL;
        bool b2 = sl_coap_opt_get(&prot, SL_COAP_OPT_BLOCK2, 0) != NULL;
        bool s1 = sl_coap_opt_get(&prot, SL_COAP_OPT_SIZE1, 0) != NULL;
        assert_int_equal(b1, outer);
        assert_int_equal(b2, outer);
        assert_int_equal(s1, outer);
        assert_null(sl_coap_opt_get(&prot, SL_COAP_OPT_URI_PATH, 0)); /* always Inner */
        uint8_t code;
        assert_int_equal(sl_oscore_unprotect_request(&s, &prot, inner, sizeof inner, &inner_len,
                                                     &sb, &code),
                         SL_OK);
        struct sl_coap_msg in;
        assert_int_equal(sl_coap_parse(&in, inner, inner_len), SL_OK);
        struct sl_coap_block blk;
        if (!outer) {
            /* inner block-wise: the receiver sees every block option again */
            assert_int_equal(sl_coap_block_get(&in, SL_COAP_OPT_BLOCK1, &blk), SL_OK);
            assert_int_equal(blk.num, 1);
            assert_true(blk.more);
            assert_int_equal(sl_coap_block_get(&in, SL_COAP_OPT_BLOCK2, &blk), SL_OK);
            assert_int_equal(blk.szx, 6);
            uint32_t size1 = 0;
            assert_int_equal(sl_coap_opt_uint(&in, SL_COAP_OPT_SIZE1, &size1), SL_OK);
            assert_int_equal(size1, 3000);
        }
        assert_int_equal(in.payload_len, 4);
        assert_memory_equal(in.payload, "part", 4);
    }
}

static void test_unprotect_overflow_keeps_piv(void **state)
{
    (void)state;
    struct sl_oscore_ctx c, s;
    derive(&c, "", "01", 0);
    derive(&s, "01", "", 0);
    struct msgbuf mb;
    protect_c4_at(&c, 20, &mb);
    uint8_t out[64], code;
    size_t len;
    struct sl_oscore_binding b;
    for (size_t cap = 0; cap < 22; cap++) {
        assert_int_equal(sl_oscore_unprotect_request(&s, &mb.m, out, cap, &len, &b, &code),
                         SL_ERR_OVERFLOW);
        assert_int_equal(code, SL_COAP_REQUEST_ENTITY_TOO_LARGE);
    }
    assert_int_equal(sl_oscore_unprotect_request(&s, &mb.m, out, sizeof out, &len, &b, &code),
                     SL_OK);
    assert_int_equal(len, 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c1_with_salt),
        cmocka_unit_test(test_c2_without_salt),
        cmocka_unit_test(test_c3_with_id_context),
        cmocka_unit_test(test_derive_rejects),
        cmocka_unit_test(test_c4_request_empty_kid),
        cmocka_unit_test(test_c5_request_kid),
        cmocka_unit_test(test_c6_request_kid_context),
        cmocka_unit_test(test_c7_response_request_nonce),
        cmocka_unit_test(test_c8_response_own_piv),
        cmocka_unit_test(test_tampered_ciphertext),
        cmocka_unit_test(test_wrong_kid),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_bad_option),
        cmocka_unit_test(test_tampered_response),
        cmocka_unit_test(test_option_codec),
        cmocka_unit_test(test_roundtrip_observe),
        cmocka_unit_test(test_block_options_inner_and_outer),
        cmocka_unit_test(test_outer_padding_refused),
        cmocka_unit_test(test_unprotect_overflow_keeps_piv),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
