/* The OSCORE peer adapter: the engine's message hook over security/oscore.h
 * (oscore_peer.h says what it does). */
#include "security/oscore_peer.h"

#include <string.h>

#include "objects/defs.h"

/* What object 21 can hold must fit the derivation. */
_Static_assert(SL_OSC_OBJ_SECRET_MAX <= SL_OSCORE_MAX_SECRET_LEN, "object 21 Master Secret");
_Static_assert(SL_OSC_OBJ_ID_MAX <= SL_OSCORE_MAX_ID_LEN, "object 21 Sender/Recipient ID");
_Static_assert(SL_OSC_OBJ_SALT_MAX <= SL_OSCORE_MAX_SALT_LEN, "object 21 Master Salt");
_Static_assert(SL_OSC_OBJ_ID_CTX_MAX <= SL_OSCORE_MAX_ID_CTX_LEN, "object 21 ID Context");
_Static_assert(SL_MAX_PEERS <= 255, "peer indexes are kept in a byte");

/* ---- the sequence-number store ---- */

#define SEQ_KEY_PREFIX "oscore-seq-"
#define SEQ_KEY_MAX (sizeof SEQ_KEY_PREFIX + 10)

static void seq_key(char key[SEQ_KEY_MAX], int32_t id)
{
    char digits[10];
    size_t n = 0;
    uint32_t v = (uint32_t)id;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v > 0 && n < sizeof digits);
    memcpy(key, SEQ_KEY_PREFIX, sizeof SEQ_KEY_PREFIX - 1);
    size_t k = sizeof SEQ_KEY_PREFIX - 1;
    while (n > 0)
        key[k++] = digits[--n];
    key[k] = '\0';
}

static const struct sl_platform *plat_of(const struct sl_oscore_adapter *a)
{
    return a->eng->plat;
}

static sl_err seq_write(struct sl_oscore_adapter *a, int32_t id, uint64_t limit)
{
    const struct sl_platform *pl = plat_of(a);
    char key[SEQ_KEY_MAX];
    uint8_t v[8];
    if (!pl->store_write)
        return SL_ERR_IO;
    for (unsigned k = 0; k < 8; k++)
        v[k] = (uint8_t)(limit >> (56 - 8 * k));
    seq_key(key, id);
    return pl->store_write(pl->ctx, key, v, sizeof v) == SL_OK ? SL_OK : SL_ERR_IO;
}

/* The stored limit: SL_OK, SL_ERR_NOT_FOUND (never stored, or forgotten),
 * or SL_ERR_IO (unreadable: better attach nothing than reuse nonces). */
static sl_err seq_read(struct sl_oscore_adapter *a, int32_t id, uint64_t *limit)
{
    const struct sl_platform *pl = plat_of(a);
    char key[SEQ_KEY_MAX];
    uint8_t v[8];
    size_t len = 0;
    if (!pl->store_read)
        return SL_ERR_IO;
    seq_key(key, id);
    sl_err err = pl->store_read(pl->ctx, key, v, sizeof v, &len);
    if (err == SL_ERR_NOT_FOUND || (err == SL_OK && len == 0))
        return SL_ERR_NOT_FOUND;
    if (err != SL_OK || len != sizeof v)
        return SL_ERR_IO;
    *limit = 0;
    for (unsigned k = 0; k < 8; k++)
        *limit = *limit << 8 | v[k];
    return SL_OK;
}

/* Save ahead before a protection that spends a sequence number: a write
 * that fails leaves the context at its limit (protect answers BUSY). */
static sl_err seq_ahead(struct sl_oscore_adapter *a, struct sl_oscore_peer *op)
{
    if (op->store_id < 0 || !sl_oscore_seq_save_needed(&op->ctx))
        return SL_OK;
    uint64_t limit = sl_oscore_seq_next_limit(&op->ctx);
    sl_err err = seq_write(a, op->store_id, limit);
    if (err == SL_OK)
        err = sl_oscore_seq_saved(&op->ctx, limit);
    return err;
}

/* ---- peers and bindings ---- */

static struct sl_oscore_peer *peer_of(struct sl_oscore_adapter *a, int peer)
{
    for (unsigned k = 0; k < SL_MAX_OSCORE_CONTEXTS; k++)
        if (a->peers[k].used && a->peers[k].peer == peer)
            return &a->peers[k];
    return NULL;
}

static bool same_token(const uint8_t *t1, uint8_t l1, const uint8_t *t2, uint8_t l2)
{
    return l1 == l2 && (l1 == 0 || memcmp(t1, t2, l1) == 0);
}

static struct sl_oscore_exchange *ex_find(struct sl_oscore_adapter *a, unsigned slot, bool ours,
                                          const uint8_t *token, uint8_t tkl)
{
    for (unsigned k = 0; k < SL_OSCORE_MAX_EXCHANGES; k++) {
        struct sl_oscore_exchange *x = &a->ex[k];
        if (x->used && x->slot == slot && x->ours == ours &&
            same_token(x->token, x->tkl, token, tkl))
            return x;
    }
    return NULL;
}

/* Whether the engine still holds what a binding answers: our pending
 * request (or observation), or the peer's observation on us. A binding of
 * a peer's plain request lives only between unprotect and protect within
 * one sl_engine_input(), so one left over is stale. */
static bool ex_alive(const struct sl_oscore_adapter *a, const struct sl_oscore_exchange *x)
{
    const struct sl_engine *eng = a->eng;
    uint8_t peer = a->peers[x->slot].peer;
    if (x->ours) {
        for (unsigned k = 0; k < SL_MAX_PENDING; k++) {
            const struct sl_pending *p = &eng->pending[k];
            if (p->state != SL_PENDING_FREE && p->peer == peer &&
                same_token(p->token, p->tkl, x->token, x->tkl))
                return true;
        }
        return false;
    }
    if (!x->bind.observe)
        return false;
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++) {
        const struct sl_observation *o = &eng->obs[k];
        if (o->used && o->peer == peer && same_token(o->token, o->tkl, x->token, x->tkl))
            return true;
    }
    return false;
}

/* A free binding: an unused one, else one the engine no longer needs
 * (the least recently used of those). NULL when all are alive. */
static struct sl_oscore_exchange *ex_alloc(struct sl_oscore_adapter *a)
{
    struct sl_oscore_exchange *victim = NULL;
    for (unsigned k = 0; k < SL_OSCORE_MAX_EXCHANGES; k++) {
        struct sl_oscore_exchange *x = &a->ex[k];
        if (!x->used)
            return x;
        if (!ex_alive(a, x) &&
            (!victim || (uint16_t)(a->clock - x->age) > (uint16_t)(a->clock - victim->age)))
            victim = x;
    }
    if (victim)
        memset(victim, 0, sizeof *victim);
    return victim;
}

static void ex_free(struct sl_oscore_exchange *x)
{
    memset(x, 0, sizeof *x);
}

static void ex_fill(struct sl_oscore_adapter *a, struct sl_oscore_exchange *x, unsigned slot,
                    bool ours, const struct sl_coap_msg *m, const struct sl_oscore_binding *bind)
{
    memset(x, 0, sizeof *x); /* a new registration starts a new Notification Number */
    x->used = true;
    x->ours = ours;
    x->slot = (uint8_t)slot;
    x->tkl = m->tkl;
    memcpy(x->token, m->token, m->tkl);
    x->age = ++a->clock;
    x->bind = *bind;
}

/* Give the result back in place. */
static sl_err copy_back(const uint8_t *from, size_t len, uint8_t *buf, size_t *blen, size_t cap)
{
    if (len > cap)
        return SL_ERR_OVERFLOW;
    memcpy(buf, from, len);
    *blen = len;
    return SL_OK;
}

static bool has_opt(const struct sl_coap_msg *m, uint16_t num)
{
    return sl_coap_opt_get(m, num, 0) != NULL;
}

/* ---- protect: what the engine sends ---- */

/* plain with the Echo value asked for in place of any Echo it has. */
static sl_err add_echo(const struct sl_coap_msg *plain, const struct sl_oscore_peer *op,
                       uint8_t *out, size_t cap, size_t *len)
{
    struct sl_coap_builder b;
    bool done = false;
    sl_coap_build_begin(&b, out, cap, plain->type, plain->code, plain->mid, plain->token,
                        plain->tkl);
    for (unsigned k = 0; k < plain->opt_count; k++) {
        const struct sl_coap_opt *o = &plain->opts[k];
        if (!done && o->num >= SL_COAP_OPT_ECHO) {
            sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, op->echo, op->echo_len);
            done = true;
        }
        if (o->num != SL_COAP_OPT_ECHO)
            sl_coap_build_opt(&b, o->num, o->val, o->len);
    }
    if (!done)
        sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, op->echo, op->echo_len);
    if (plain->payload_len > 0)
        sl_coap_build_payload(&b, plain->payload, plain->payload_len);
    return sl_coap_build_end(&b, len);
}

static sl_err protect_request(struct sl_oscore_adapter *a, struct sl_oscore_peer *op,
                              const struct sl_coap_msg *m, uint8_t *buf, size_t *len, size_t cap)
{
    unsigned slot = (unsigned)(op - a->peers);
    struct sl_oscore_exchange *x = ex_find(a, slot, true, m->token, m->tkl);
    if (!x)
        x = ex_alloc(a);
    if (!x)
        return SL_ERR_NOMEM; /* the engine keeps a CON queued */
    sl_err err = seq_ahead(a, op);
    if (err != SL_OK && err != SL_ERR_IO)
        return err;
    struct sl_oscore_binding bind;
    size_t out_len;
    bool echo = op->echo_len > 0;
    if (echo) {
        /* plain -> scratch with the Echo; protected back into buf */
        struct sl_coap_msg plain;
        size_t plain_len;
        err = add_echo(m, op, a->scratch, sizeof a->scratch, &plain_len);
        if (err == SL_OK)
            err = sl_coap_parse(&plain, a->scratch, plain_len);
        if (err == SL_OK)
            err = sl_oscore_protect_request(&op->ctx, &plain, a->flags, buf, cap, &out_len,
                                            &bind);
        if (err == SL_OK)
            *len = out_len;
    } else {
        err = sl_oscore_protect_request(&op->ctx, m, a->flags, a->scratch, sizeof a->scratch,
                                        &out_len, &bind);
        if (err == SL_OK)
            err = copy_back(a->scratch, out_len, buf, len, cap);
    }
    if (err != SL_OK)
        return err;
    ex_fill(a, x, slot, true, m, &bind);
    x->echo_sent = echo;
    return SL_OK;
}

static sl_err protect_response(struct sl_oscore_adapter *a, struct sl_oscore_peer *op,
                               const struct sl_coap_msg *m, uint8_t *buf, size_t *len, size_t cap)
{
    unsigned slot = (unsigned)(op - a->peers);
    struct sl_oscore_exchange *x = ex_find(a, slot, false, m->token, m->tkl);
    if (!x)
        return SL_ERR_NOT_FOUND; /* no verified request to bind it to */
    /* RFC 8613 4.1.3.5.2, C.8: notifications carry their own Partial IV
     * (the registration's first response too, which costs one number and
     * spares the client a notification without Partial IV) */
    bool observe = has_opt(m, SL_COAP_OPT_OBSERVE);
    if (observe) {
        sl_err err = seq_ahead(a, op);
        if (err != SL_OK && err != SL_ERR_IO)
            return err;
    }
    size_t out_len;
    sl_err err = sl_oscore_protect_response(&op->ctx, m, &x->bind, observe, a->flags, a->scratch,
                                            sizeof a->scratch, &out_len);
    if (err == SL_OK)
        err = copy_back(a->scratch, out_len, buf, len, cap);
    if (err == SL_OK && !observe)
        ex_free(x); /* the final response: the exchange is over */
    else if (err == SL_OK)
        x->age = ++a->clock;
    return err;
}

static sl_err hook_protect(void *ctx, int peer, uint8_t *buf, size_t *len, size_t cap)
{
    struct sl_oscore_adapter *a = ctx;
    struct sl_oscore_peer *op = peer_of(a, peer);
    struct sl_coap_msg m;
    sl_err err;
    if (!op)
        err = SL_ERR_STATE; /* hooked but not attached: send nothing in clear */
    else if (sl_coap_parse(&m, buf, *len) != SL_OK)
        err = SL_ERR_INVALID;
    else if (m.code == SL_COAP_EMPTY)
        return SL_OK; /* ACK, RST, ping: never protected */
    else if (sl_coap_is_request(m.code))
        err = protect_request(a, op, &m, buf, len, cap);
    else
        err = protect_response(a, op, &m, buf, len, cap);
    if (err != SL_OK)
        a->last_err = err;
    return err;
}

/* ---- unprotect: what the engine received ---- */

static uint8_t unknown_code(const struct sl_oscore_adapter *a)
{
    return a->unknown_kid == SL_OSCORE_UNKNOWN_REPLY ? SL_COAP_UNAUTHORIZED : 0;
}

static sl_err unprotect_request(struct sl_oscore_adapter *a, struct sl_oscore_peer *op,
                                const struct sl_coap_msg *prot, uint8_t *buf, size_t *len,
                                size_t cap, uint8_t *reply_code)
{
    unsigned slot = (unsigned)(op - a->peers);
    if (!has_opt(prot, SL_COAP_OPT_OSCORE)) {
        /* not OSCORE: nothing of ours is served in clear */
        *reply_code = unknown_code(a);
        return SL_ERR_NOT_FOUND;
    }
    /* room for the binding first, so that a verified request is never lost
     * for want of it (its Partial IV would count as received) */
    struct sl_oscore_exchange *x = ex_alloc(a);
    if (!x) {
        *reply_code = SL_COAP_SERVICE_UNAVAILABLE;
        return SL_ERR_NOMEM;
    }
    struct sl_oscore_binding bind;
    size_t out_len = 0;
    uint8_t code = 0;
    sl_err err = sl_oscore_unprotect_request(&op->ctx, prot, a->scratch, sizeof a->scratch,
                                             &out_len, &bind, &code);
    if (err == SL_ERR_STATE) {
        /* restored after a reboot: prove freshness first (RFC 8613 B.1.2) */
        sl_err serr = seq_ahead(a, op);
        if (serr == SL_OK || serr == SL_ERR_IO)
            serr = sl_oscore_echo_response(&op->ctx, prot, &bind, a->scratch, sizeof a->scratch,
                                           &out_len);
        if (serr == SL_OK)
            serr = copy_back(a->scratch, out_len, buf, len, cap);
        *reply_code = serr == SL_OK ? SL_MSG_HOOK_REPLY : 0;
        return err;
    }
    if (err == SL_ERR_NOT_FOUND) {
        *reply_code = unknown_code(a);
        return err;
    }
    if (err != SL_OK) {
        *reply_code = code;
        return err;
    }
    err = copy_back(a->scratch, out_len, buf, len, cap);
    if (err != SL_OK) {
        *reply_code = SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        return err;
    }
    /* a request with the token of an earlier one (a re-registration, a
     * cancellation, the next block) replaces its binding */
    struct sl_oscore_exchange *old = ex_find(a, slot, false, prot->token, prot->tkl);
    if (old)
        x = old;
    ex_fill(a, x, slot, false, prot, &bind);
    return SL_OK;
}

/* A verified answer to one of our requests: remember an Echo it asks for,
 * forget one it no longer needs. */
static void note_echo(struct sl_oscore_peer *op, const struct sl_oscore_exchange *x,
                      const uint8_t *plain, size_t len)
{
    struct sl_coap_msg inner;
    const uint8_t *echo;
    size_t echo_len;
    if (sl_coap_parse(&inner, plain, len) != SL_OK)
        return;
    if (inner.code == SL_COAP_UNAUTHORIZED && sl_oscore_echo_read(&inner, &echo, &echo_len) == SL_OK) {
        memcpy(op->echo, echo, echo_len);
        op->echo_len = (uint8_t)echo_len;
    } else if (x->echo_sent) {
        op->echo_len = 0;
    }
}

static sl_err unprotect_response(struct sl_oscore_adapter *a, struct sl_oscore_peer *op,
                                 const struct sl_coap_msg *prot, uint8_t *buf, size_t *len,
                                 size_t cap)
{
    unsigned slot = (unsigned)(op - a->peers);
    struct sl_oscore_exchange *x = ex_find(a, slot, true, prot->token, prot->tkl);
    if (!x)
        return SL_ERR_NOT_FOUND;
    size_t out_len = 0;
    sl_err err;
    if (x->bind.observe)
        err = sl_oscore_unprotect_notification(&op->ctx, prot, &x->bind, &x->notif, a->scratch,
                                               sizeof a->scratch, &out_len);
    else
        err = sl_oscore_unprotect_response(&op->ctx, prot, &x->bind, a->scratch,
                                           sizeof a->scratch, &out_len, NULL);
    if (err == SL_OK)
        err = copy_back(a->scratch, out_len, buf, len, cap);
    if (err != SL_OK)
        return err;
    note_echo(op, x, buf, *len);
    struct sl_coap_msg inner;
    bool notification = x->bind.observe && sl_coap_parse(&inner, buf, *len) == SL_OK &&
                        has_opt(&inner, SL_COAP_OPT_OBSERVE);
    if (notification)
        x->age = ++a->clock;
    else
        ex_free(x); /* the final response */
    return SL_OK;
}

static sl_err hook_unprotect(void *ctx, int peer, uint8_t *buf, size_t *len, size_t cap,
                             uint8_t *reply_code)
{
    struct sl_oscore_adapter *a = ctx;
    struct sl_oscore_peer *op = peer_of(a, peer);
    struct sl_coap_msg prot;
    sl_err err;
    *reply_code = 0;
    if (!op || sl_coap_parse(&prot, buf, *len) != SL_OK)
        err = SL_ERR_DENIED;
    else if (sl_coap_is_request(prot.code))
        err = unprotect_request(a, op, &prot, buf, len, cap, reply_code);
    else
        err = unprotect_response(a, op, &prot, buf, len, cap);
    if (err != SL_OK)
        a->last_err = err;
    return err;
}

const struct sl_msg_hook sl_oscore_peer_hook = { hook_protect, hook_unprotect };

/* ---- attaching ---- */

void sl_oscore_adapter_init(struct sl_oscore_adapter *a, struct sl_engine *eng,
                            enum sl_oscore_unknown_kid unknown_kid)
{
    memset(a, 0, sizeof *a);
    a->eng = eng;
    a->unknown_kid = (uint8_t)unknown_kid;
}

static void wipe_peer(struct sl_oscore_adapter *a, struct sl_oscore_peer *op)
{
    unsigned slot = (unsigned)(op - a->peers);
    for (unsigned k = 0; k < SL_OSCORE_MAX_EXCHANGES; k++)
        if (a->ex[k].used && a->ex[k].slot == slot)
            ex_free(&a->ex[k]);
    memset(op, 0, sizeof *op); /* the keys too */
}

sl_err sl_oscore_peer_attach(struct sl_oscore_adapter *a, int peer,
                             const struct sl_oscore_params *p, int32_t store_id)
{
    struct sl_peer *ep = a && a->eng ? sl_engine_peer(a->eng, peer) : NULL;
    if (!ep || !p)
        return SL_ERR_INVALID;
    const struct sl_platform *pl = plat_of(a);
    if (store_id >= 0 && (!pl->store_read || !pl->store_write))
        return SL_ERR_INVALID;
    struct sl_oscore_peer *op = peer_of(a, peer);
    if (op) {
        ep->hook = NULL;
        wipe_peer(a, op);
    } else {
        for (unsigned k = 0; k < SL_MAX_OSCORE_CONTEXTS && !op; k++)
            if (!a->peers[k].used)
                op = &a->peers[k];
        if (!op)
            return SL_ERR_NOMEM;
    }
    sl_err err = sl_oscore_ctx_derive(&op->ctx, p);
    if (err == SL_OK && store_id >= 0) {
        uint64_t limit = 0;
        err = seq_read(a, store_id, &limit);
        if (err == SL_OK) {
            /* a reboot: continue above every number used, ask for Echo */
            uint8_t rnd[SL_OSCORE_ECHO_LEN];
            pl->random(pl->ctx, rnd, sizeof rnd);
            err = sl_oscore_ctx_restore(&op->ctx, limit);
            if (err == SL_OK)
                err = sl_oscore_echo_arm(&op->ctx, rnd);
        } else if (err == SL_ERR_NOT_FOUND) {
            /* new keys: from 0, and a limit on record before anything is
             * sent or received, so a reboot is always noticed */
            limit = sl_oscore_seq_next_limit(&op->ctx);
            err = seq_write(a, store_id, limit);
            if (err == SL_OK)
                err = sl_oscore_seq_saved(&op->ctx, limit);
        }
    }
    if (err != SL_OK) {
        memset(op, 0, sizeof *op);
        return err;
    }
    op->used = true;
    op->peer = (uint8_t)peer;
    op->store_id = store_id < 0 ? -1 : store_id;
    ep->hook = &sl_oscore_peer_hook;
    ep->hook_ctx = a;
    return SL_OK;
}

void sl_oscore_peer_detach(struct sl_oscore_adapter *a, int peer)
{
    struct sl_oscore_peer *op = peer_of(a, peer);
    if (!op)
        return;
    struct sl_peer *ep = sl_engine_peer(a->eng, peer);
    if (ep && ep->hook == &sl_oscore_peer_hook && ep->hook_ctx == a) {
        ep->hook = NULL;
        ep->hook_ctx = NULL;
    }
    wipe_peer(a, op);
}

sl_err sl_oscore_peer_forget_seq(struct sl_oscore_adapter *a, int32_t store_id)
{
    const struct sl_platform *pl = plat_of(a);
    char key[SEQ_KEY_MAX];
    if (store_id < 0 || !pl->store_write)
        return SL_ERR_INVALID;
    seq_key(key, store_id);
    return pl->store_write(pl->ctx, key, NULL, 0) == SL_OK ? SL_OK : SL_ERR_IO;
}

struct sl_oscore_ctx *sl_oscore_peer_ctx(struct sl_oscore_adapter *a, int peer)
{
    struct sl_oscore_peer *op = peer_of(a, peer);
    return op ? &op->ctx : NULL;
}

/* ---- object 21 ---- */

static bool bytes_of(const struct sl_store *s, uint16_t iid, uint16_t rid, const uint8_t **ptr,
                     size_t *len)
{
    struct sl_value v;
    if (sl_store_read(s, iid, rid, SL_ID_NONE, &v) != SL_OK)
        return false;
    *ptr = v.v.bytes.ptr;
    *len = v.v.bytes.len;
    return true;
}

sl_err sl_oscore_params_from_object(const struct sl_store *oscore, uint16_t iid,
                                    struct sl_oscore_params *p)
{
    if (!oscore || !p)
        return SL_ERR_INVALID;
    if (!sl_store_get(oscore, iid))
        return SL_ERR_NOT_FOUND;
    memset(p, 0, sizeof *p);
    if (!bytes_of(oscore, iid, SL_OSC_MASTER_SECRET, &p->master_secret, &p->master_secret_len) ||
        !bytes_of(oscore, iid, SL_OSC_SENDER_ID, &p->sender_id, &p->sender_id_len) ||
        !bytes_of(oscore, iid, SL_OSC_RECIPIENT_ID, &p->recipient_id, &p->recipient_id_len))
        return SL_ERR_INVALID;
    int64_t aead = sl_store_int(oscore, iid, SL_OSC_AEAD, SL_OSC_AEAD_AES_CCM_16_64_128);
    int64_t hmac = sl_store_int(oscore, iid, SL_OSC_HMAC, SL_OSC_HKDF_SHA256);
    if (aead != SL_OSC_AEAD_AES_CCM_16_64_128 ||
        (hmac != SL_OSC_HKDF_SHA256 && hmac != SL_OSC_HMAC_256_256))
        return SL_ERR_UNSUPPORTED;
    (void)bytes_of(oscore, iid, SL_OSC_MASTER_SALT, &p->master_salt, &p->master_salt_len);
    /* an ID Context written (even empty) is part of the context */
    const uint8_t *idc = NULL;
    size_t idc_len = 0;
    if (bytes_of(oscore, iid, SL_OSC_ID_CONTEXT, &idc, &idc_len)) {
        static const uint8_t empty[1];
        p->id_ctx = idc_len > 0 ? idc : empty;
        p->id_ctx_len = idc_len;
    }
    return SL_OK;
}

sl_err sl_oscore_peer_attach_ssid(struct sl_oscore_adapter *a, int peer,
                                  const struct sl_store *security, const struct sl_store *oscore,
                                  uint16_t ssid)
{
    if (!security || !oscore)
        return SL_ERR_INVALID;
    int32_t after = -1;
    uint16_t sec_iid;
    while (sl_store_next(security, after, &sec_iid) == SL_OK) {
        after = sec_iid;
        if (!sl_store_has(security, sec_iid, SL_SEC_SSID) ||
            sl_store_int(security, sec_iid, SL_SEC_SSID, -1) != ssid)
            continue;
        uint16_t iid;
        sl_err err = sl_oscore_object_linked(security, sec_iid, &iid);
        if (err != SL_OK)
            return err;
        struct sl_oscore_params p;
        err = sl_oscore_params_from_object(oscore, iid, &p);
        if (err != SL_OK)
            return err;
        return sl_oscore_peer_attach(a, peer, &p, iid);
    }
    return SL_ERR_NOT_FOUND;
}
