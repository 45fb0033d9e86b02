/* The OSCORE peer adapter (security/oscore_peer.h) between two engines on
 * an in-memory network: C is an LwM2M client (adapter in hosting-client
 * mode: unknown kids dropped), S a server harness (an engine with the same
 * adapter in server mode, or raw sl_oscore_* calls). Registration and
 * server-initiated Read protected end to end, observe with Notification
 * Numbers, dedup of a retransmission vs a replay, unknown kids, a reboot
 * with persisted sequence numbers and Echo, object 21, and the adapter's
 * RAM. */
#include <stdio.h>
#include <string.h>

#include "test_coap.h"
#include "test_objects.h"
#include "test_platform.h"
#include "test_util.h"

#include "objects/core_objects.h"
#include "objects/oscore_object.h"
#include "security/oscore.h"
#include "security/oscore_peer.h"
#include "sidelink/engine.h"

/* ---- a fake persistent store (survives the "reboot" of a node) ---- */

#define FS_MAX 8
struct fs_entry {
    bool used;
    char key[32];
    uint8_t val[16];
    size_t len;
};
static struct fs_entry fs[FS_MAX];
static unsigned fs_writes;

static struct fs_entry *fs_find(const char *key)
{
    for (unsigned k = 0; k < FS_MAX; k++)
        if (fs[k].used && strcmp(fs[k].key, key) == 0)
            return &fs[k];
    return NULL;
}

static sl_err fs_read(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx;
    const struct fs_entry *e = fs_find(key);
    if (!e)
        return SL_ERR_NOT_FOUND;
    if (e->len > cap)
        return SL_ERR_OVERFLOW;
    memcpy(buf, e->val, e->len);
    *len = e->len;
    return SL_OK;
}

static sl_err fs_write(void *ctx, const char *key, const uint8_t *data, size_t len)
{
    (void)ctx;
    struct fs_entry *e = fs_find(key);
    for (unsigned k = 0; k < FS_MAX && !e; k++)
        if (!fs[k].used)
            e = &fs[k];
    assert_non_null(e);
    assert_true(len <= sizeof e->val && strlen(key) < sizeof e->key);
    e->used = true;
    strcpy(e->key, key);
    if (len > 0)
        memcpy(e->val, data, len);
    e->len = len;
    fs_writes++;
    return SL_OK;
}

static uint64_t fs_limit(const char *key)
{
    const struct fs_entry *e = fs_find(key);
    assert_non_null(e);
    assert_int_equal(e->len, 8);
    uint64_t v = 0;
    for (unsigned k = 0; k < 8; k++)
        v = v << 8 | e->val[k];
    return v;
}

/* ---- nodes ---- */

struct node {
    struct test_platform tp;
    struct sl_engine eng;
    struct tobj temp; /* 3303 */
    struct sl_addr addr;
    struct sl_oscore_adapter osc;
    int peer;
};

static struct node C, S; /* C: the LwM2M client; S: the server harness */
static sl_time_ms now;

static const uint8_t secret[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t salt[8] = { 0x9e, 0x7c, 0xa9, 0x22, 0x23, 0x78, 0x63, 0x40 };
static const uint8_t id_c[1] = { 0x01 }; /* the client's Sender ID */
static const uint8_t id_s[1] = { 0x02 }; /* the server's Sender ID */

static struct sl_oscore_params params(const uint8_t *sender, const uint8_t *recipient)
{
    struct sl_oscore_params p = {
        .master_secret = secret,
        .master_secret_len = sizeof secret,
        .master_salt = salt,
        .master_salt_len = sizeof salt,
        .sender_id = sender,
        .sender_id_len = 1,
        .recipient_id = recipient,
        .recipient_id_len = 1,
    };
    return p;
}

static void node_init(struct node *n, uint8_t octet, uint64_t seed, bool store,
                      enum sl_oscore_unknown_kid unknown)
{
    memset(n, 0, sizeof *n);
    n->addr = tp_addr(octet, 5683);
    tp_init(&n->tp, seed, &n->addr);
    if (store) {
        n->tp.plat.store_read = fs_read;
        n->tp.plat.store_write = fs_write;
    }
    assert_int_equal(sl_engine_init(&n->eng, &n->tp.plat, NULL), SL_OK);
    tobj_init(&n->temp, 3303, true, true);
    struct tobj_inst *i = tobj_add(&n->temp, 0);
    memcpy(i->str, "t0", 2);
    i->str_len = 2;
    i->num = 5;
    assert_int_equal(sl_engine_add_object(&n->eng, &n->temp.obj), SL_OK);
    sl_oscore_adapter_init(&n->osc, &n->eng, unknown);
}

static int add_peer(struct node *n, const struct node *other, uint16_t ssid)
{
    struct sl_actor who = { SL_ACTOR_SERVER, ssid };
    int p = sl_engine_peer_add(&n->eng, 0, &other->addr, &who);
    assert_true(p >= 0);
    return p;
}

/* C (persisted under store ID 0) and S, each with a context for the other. */
static void start_client(uint64_t seed)
{
    node_init(&C, 1, seed, true, SL_OSCORE_UNKNOWN_DROP);
    C.peer = add_peer(&C, &S, 1);
    struct sl_oscore_params pc = params(id_c, id_s);
    assert_int_equal(sl_oscore_peer_attach(&C.osc, C.peer, &pc, 0), SL_OK);
}

static int setup(void **state)
{
    (void)state;
    now = 1000;
    memset(fs, 0, sizeof fs);
    fs_writes = 0;
    node_init(&S, 2, 22, false, SL_OSCORE_UNKNOWN_REPLY);
    start_client(11);
    S.peer = add_peer(&S, &C, 1);
    struct sl_oscore_params ps = params(id_s, id_c);
    assert_int_equal(sl_oscore_peer_attach(&S.osc, S.peer, &ps, -1), SL_OK);
    return 0;
}

static void deliver(struct node *to, const struct node *from, const uint8_t *data, size_t len)
{
    sl_engine_input(&to->eng, 0, &from->addr, data, len, now);
}

static struct sl_coap_msg pop(struct node *n, struct tp_datagram *d)
{
    struct sl_coap_msg m;
    assert_true(tp_pop(&n->tp, d));
    assert_int_equal(sl_coap_parse(&m, d->data, d->len), SL_OK);
    return m;
}

/* Move datagrams between C and S until both are quiet. */
static void pump(void)
{
    struct tp_datagram d;
    bool busy = true;
    while (busy) {
        busy = false;
        while (tp_pop(&C.tp, &d)) {
            busy = true;
            deliver(&S, &C, d.data, d.len);
        }
        while (tp_pop(&S.tp, &d)) {
            busy = true;
            deliver(&C, &S, d.data, d.len);
        }
    }
}

static unsigned used_exchanges(const struct sl_oscore_adapter *a)
{
    unsigned n = 0;
    for (unsigned k = 0; k < SL_OSCORE_MAX_EXCHANGES; k++)
        n += a->ex[k].used;
    return n;
}

static bool has_opt(const struct sl_coap_msg *m, uint16_t num)
{
    return sl_coap_opt_get(m, num, 0) != NULL;
}

static bool contains(const uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t k = 0; k + n <= len; k++)
        if (memcmp(buf + k, s, n) == 0)
            return true;
    return false;
}

/* The Partial IV of a protected message as a number; false without one. */
static bool piv_of(const struct sl_coap_msg *m, uint64_t *seq)
{
    const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_OSCORE, 0);
    struct sl_oscore_option opt;
    assert_non_null(o);
    assert_int_equal(sl_oscore_option_parse(&opt, o->val, o->len), SL_OK);
    if (opt.piv_len == 0)
        return false;
    *seq = 0;
    for (unsigned k = 0; k < opt.piv_len; k++)
        *seq = *seq << 8 | opt.piv[k];
    return true;
}

/* A response callback that records what it saw. */
struct seen {
    unsigned calls;
    sl_err err;
    uint8_t code;
    bool notification;
    size_t len;
    char body[64];
    bool echo;           /* the (inner) response carried an Echo option */
    char location[32];   /* Location-Path segments joined with '/' */
};

static void record_cb(void *ctx, int handle, sl_err err, const struct sl_response *r)
{
    struct seen *s = ctx;
    (void)handle;
    s->calls++;
    s->err = err;
    if (!r)
        return;
    s->code = r->code;
    s->notification = r->notification;
    s->len = r->len < sizeof s->body - 1 ? r->len : sizeof s->body - 1;
    if (s->len > 0)
        memcpy(s->body, r->payload, s->len);
    s->body[s->len] = '\0';
    s->echo = has_opt(r->msg, SL_COAP_OPT_ECHO);
    s->location[0] = '\0';
    const struct sl_coap_opt *o;
    for (unsigned k = 0; (o = sl_coap_opt_get(r->msg, SL_COAP_OPT_LOCATION_PATH, k)) != NULL;
         k++) {
        size_t at = strlen(s->location);
        if (at + o->len + 2 > sizeof s->location)
            break;
        if (k > 0)
            s->location[at++] = '/';
        memcpy(s->location + at, o->val, o->len);
        s->location[at + o->len] = '\0';
    }
}

static const struct sl_request read_temp = {
    .method = SL_COAP_GET, .path = "3303/0/1", .format = SL_FMT_NONE, .accept = SL_FMT_TEXT
};

static struct sl_request write_temp(const char *value)
{
    struct sl_request r = { .method = SL_COAP_PUT, .path = "3303/0/1", .format = SL_FMT_TEXT,
                            .accept = SL_FMT_NONE, .payload = (const uint8_t *)value,
                            .payload_len = strlen(value) };
    return r;
}

/* ---- tests ---- */

/* C registers with a raw OSCORE server: everything but the header, the
 * token and the OSCORE option is encrypted; the protected 2.01 comes back
 * with its Location-Path. */
static void test_register_round_trip(void **state)
{
    (void)state;
    struct sl_oscore_ctx srv;
    struct sl_oscore_params ps = params(id_s, id_c);
    assert_int_equal(sl_oscore_ctx_derive(&srv, &ps), SL_OK);

    struct seen s = { 0 };
    int h;
    struct sl_request reg = { .method = SL_COAP_POST, .path = "rd",
                              .query = "ep=dev1&lt=60&lwm2m=1.2", .format = SL_FMT_LINK,
                              .accept = SL_FMT_NONE, .payload = (const uint8_t *)"</3303/0>",
                              .payload_len = 9 };
    assert_int_equal(sl_engine_request(&C.eng, C.peer, &reg, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram d;
    struct sl_coap_msg m = pop(&C, &d);
    assert_int_equal(m.type, SL_COAP_CON);
    assert_int_equal(m.code, SL_COAP_POST);
    assert_true(has_opt(&m, SL_COAP_OPT_OSCORE));
    assert_false(has_opt(&m, SL_COAP_OPT_URI_PATH));
    assert_false(has_opt(&m, SL_COAP_OPT_URI_QUERY));
    assert_false(has_opt(&m, SL_COAP_OPT_CONTENT_FORMAT));
    assert_false(contains(d.data, d.len, "ep=dev1"));
    assert_false(contains(d.data, d.len, "</3303"));
    assert_int_equal(used_exchanges(&C.osc), 1);

    uint8_t inner_buf[SL_COAP_MAX_MSG];
    size_t inner_len;
    struct sl_oscore_binding bind;
    uint8_t code;
    assert_int_equal(sl_oscore_unprotect_request(&srv, &m, inner_buf, sizeof inner_buf,
                                                 &inner_len, &bind, &code),
                     SL_OK);
    struct sl_coap_msg inner;
    assert_int_equal(sl_coap_parse(&inner, inner_buf, inner_len), SL_OK);
    assert_int_equal(inner.code, SL_COAP_POST);
    const struct sl_coap_opt *o = sl_coap_opt_get(&inner, SL_COAP_OPT_URI_PATH, 0);
    assert_non_null(o);
    assert_int_equal(o->len, 2);
    assert_memory_equal(o->val, "rd", 2);
    o = sl_coap_opt_get(&inner, SL_COAP_OPT_URI_QUERY, 0);
    assert_non_null(o);
    assert_memory_equal(o->val, "ep=dev1", 7);
    assert_int_equal(inner.payload_len, 9);
    assert_memory_equal(inner.payload, "</3303/0>", 9);

    /* the 2.01, piggybacked */
    uint8_t plain_buf[64], out[128];
    struct sl_coap_builder b;
    size_t plain_len, out_len;
    sl_coap_build_begin(&b, plain_buf, sizeof plain_buf, SL_COAP_ACK, SL_COAP_CREATED, m.mid,
                        m.token, m.tkl);
    sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, "rd", 2);
    sl_coap_build_opt(&b, SL_COAP_OPT_LOCATION_PATH, "5a3f", 4);
    assert_int_equal(sl_coap_build_end(&b, &plain_len), SL_OK);
    struct sl_coap_msg plain;
    assert_int_equal(sl_coap_parse(&plain, plain_buf, plain_len), SL_OK);
    assert_int_equal(sl_oscore_protect_response(&srv, &plain, &bind, false, 0, out, sizeof out,
                                                &out_len),
                     SL_OK);
    assert_false(contains(out, out_len, "5a3f"));
    deliver(&C, &S, out, out_len);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.err, SL_OK);
    assert_int_equal(s.code, SL_COAP_CREATED);
    assert_string_equal(s.location, "rd/5a3f");
    assert_int_equal(used_exchanges(&C.osc), 0); /* the binding went with the response */

    /* a forged unprotected 2.01 for the next request is not taken */
    memset(&s, 0, sizeof s);
    assert_int_equal(sl_engine_request(&C.eng, C.peer, &reg, record_cb, &s, now, &h), SL_OK);
    m = pop(&C, &d);
    size_t fake_len = sl_coap_build_reply(out, SL_COAP_CON, SL_COAP_CREATED, 0x4242, m.token,
                                          m.tkl);
    deliver(&C, &S, out, fake_len);
    assert_int_equal(s.calls, 0);
    assert_int_equal(C.osc.last_err, SL_ERR_INVALID);
    /* nor a forged piggybacked one (an ACK with the request's MID): it is
     * discarded, and the request is still pending */
    fake_len = sl_coap_build_reply(out, SL_COAP_ACK, SL_COAP_CREATED, m.mid, m.token, m.tkl);
    deliver(&C, &S, out, fake_len);
    assert_int_equal(s.calls, 0);
    assert_int_equal(sl_engine_cancel(&C.eng, h, false, now), SL_OK);
}

/* S reads /3303/0/1 through C's data model: the request on the wire is a
 * POST with the OSCORE option and no Uri-Path, the answer a 2.04 whose
 * payload is ciphertext; S sees 2.05 "5". */
static void test_server_read_end_to_end(void **state)
{
    (void)state;
    struct seen s = { 0 };
    int h;
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &read_temp, record_cb, &s, now, &h),
                     SL_OK);
    struct tp_datagram req, rsp;
    struct sl_coap_msg m = pop(&S, &req);
    assert_int_equal(m.code, SL_COAP_POST);
    assert_true(has_opt(&m, SL_COAP_OPT_OSCORE));
    assert_false(has_opt(&m, SL_COAP_OPT_URI_PATH));
    assert_false(has_opt(&m, SL_COAP_OPT_ACCEPT));
    assert_false(contains(req.data, req.len, "3303"));
    uint64_t seq;
    assert_true(piv_of(&m, &seq));

    deliver(&C, &S, req.data, req.len);
    m = pop(&C, &rsp);
    assert_int_equal(m.type, SL_COAP_ACK);
    assert_int_equal(m.code, SL_COAP_CHANGED); /* the outer code of a response */
    assert_true(has_opt(&m, SL_COAP_OPT_OSCORE));
    assert_false(has_opt(&m, SL_COAP_OPT_CONTENT_FORMAT));
    assert_false(piv_of(&m, &seq)); /* bound to the request's nonce */
    assert_int_equal(used_exchanges(&C.osc), 0);

    deliver(&S, &C, rsp.data, rsp.len);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, SL_COAP_CONTENT);
    assert_string_equal(s.body, "5");
    assert_int_equal(used_exchanges(&S.osc), 0);
}

/* Observe: each notification has its own Partial IV; one older than the
 * last accepted is dropped by the Notification Number; cancelling frees
 * the bindings on both sides. */
static void test_observe_notifications(void **state)
{
    (void)state;
    struct seen s = { 0 };
    int h;
    struct sl_request obs = read_temp;
    obs.observe = true;
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &obs, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram d, n1, n2;
    struct sl_coap_msg m = pop(&S, &d);
    assert_int_equal(m.code, SL_COAP_FETCH); /* RFC 8613 4.1.3.5: with Observe */
    deliver(&C, &S, d.data, d.len);
    m = pop(&C, &d);
    assert_int_equal(m.code, SL_COAP_CONTENT);
    uint64_t p0, p1, p2;
    assert_true(piv_of(&m, &p0));
    deliver(&S, &C, d.data, d.len);
    assert_int_equal(s.calls, 1);
    assert_string_equal(s.body, "5");
    assert_int_equal(used_exchanges(&C.osc), 1); /* the registration's binding stays */
    assert_int_equal(used_exchanges(&S.osc), 1);

    struct sl_path path = sl_path_make(3, 3303, 0, 1, 0);
    tobj_get(&C.temp, 0)->num = 6;
    sl_engine_changed(&C.eng, &path);
    sl_engine_step(&C.eng, now);
    m = pop(&C, &n1);
    assert_true(piv_of(&m, &p1));
    assert_int_equal(m.code, SL_COAP_CONTENT);
    assert_true(has_opt(&m, SL_COAP_OPT_OBSERVE)); /* the Outer one, for proxies */
    now += 1000;
    tobj_get(&C.temp, 0)->num = 7;
    sl_engine_changed(&C.eng, &path);
    sl_engine_step(&C.eng, now);
    m = pop(&C, &n2);
    assert_true(piv_of(&m, &p2));
    assert_true(p0 < p1 && p1 < p2);

    /* the newer first, then the stale one */
    deliver(&S, &C, n2.data, n2.len);
    assert_int_equal(s.calls, 2);
    assert_true(s.notification);
    assert_string_equal(s.body, "7");
    S.osc.last_err = SL_OK;
    deliver(&S, &C, n1.data, n1.len);
    assert_int_equal(s.calls, 2);
    assert_int_equal(S.osc.last_err, SL_ERR_RANGE);
    /* the same notification once more (a new MID) is stale as well */
    n2.data[3] ^= 0x55;
    S.osc.last_err = SL_OK;
    deliver(&S, &C, n2.data, n2.len);
    assert_int_equal(s.calls, 2);
    assert_int_equal(S.osc.last_err, SL_ERR_RANGE);

    /* cancel with Observe 1: bindings gone on both sides */
    assert_int_equal(sl_engine_cancel(&S.eng, h, true, now), SL_OK);
    pump();
    assert_int_equal(used_exchanges(&C.osc), 0);
    assert_int_equal(used_exchanges(&S.osc), 0);
    bool any = false;
    for (unsigned k = 0; k < SL_MAX_OBSERVATIONS; k++)
        any = any || C.eng.obs[k].used;
    assert_false(any);
}

/* A retransmitted CON (same MID, same bytes) gets the byte-identical cached
 * protected reply without reaching the replay window. */
static void test_retransmission_cached(void **state)
{
    (void)state;
    struct seen s = { 0 };
    int h;
    struct sl_request w = write_temp("9");
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &w, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram req, r1, r2;
    pop(&S, &req);
    deliver(&C, &S, req.data, req.len);
    pop(&C, &r1);
    now += 2000;
    deliver(&C, &S, req.data, req.len); /* the ACK was lost: S retransmits */
    struct sl_coap_msg m = pop(&C, &r2);
    assert_int_equal(r2.len, r1.len);
    assert_memory_equal(r2.data, r1.data, r1.len);
    assert_true(has_opt(&m, SL_COAP_OPT_OSCORE));
    assert_int_equal(C.osc.last_err, SL_OK);
    assert_int_equal(C.temp.writes, 1);
    deliver(&S, &C, r2.data, r2.len);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, SL_COAP_CHANGED);
}

/* The same protected request under a new MID is a replay: 4.01,
 * unprotected, and the write is not done twice. */
static void test_replay_rejected(void **state)
{
    (void)state;
    struct seen s = { 0 };
    int h;
    struct sl_request w = write_temp("9");
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &w, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram req, rsp;
    pop(&S, &req);
    deliver(&C, &S, req.data, req.len);
    pop(&C, &rsp);
    assert_int_equal(C.temp.writes, 1);
    tobj_get(&C.temp, 0)->num = 1;
    req.data[3] ^= 0x5a; /* a new MID */
    deliver(&C, &S, req.data, req.len);
    struct tp_datagram d;
    struct sl_coap_msg m = pop(&C, &d);
    assert_int_equal(m.type, SL_COAP_ACK);
    assert_int_equal(m.code, SL_COAP_UNAUTHORIZED);
    assert_false(has_opt(&m, SL_COAP_OPT_OSCORE));
    assert_int_equal(C.osc.last_err, SL_ERR_DENIED);
    assert_int_equal(C.temp.writes, 1);
    assert_int_equal(tobj_get(&C.temp, 0)->num, 1);
    deliver(&S, &C, rsp.data, rsp.len);
    assert_int_equal(s.code, SL_COAP_CHANGED);
}

/* A protected GET from a context with another Sender ID. */
static size_t intruder_request(uint8_t kid, uint8_t *out, size_t cap)
{
    static const uint8_t other[1] = { 0x02 };
    uint8_t id[1] = { kid };
    struct sl_oscore_params p = params(id, id_c);
    p.recipient_id = other; /* any ID but kid */
    p.recipient_id_len = kid == 0x02 ? 0 : 1;
    struct sl_oscore_ctx ctx;
    assert_int_equal(sl_oscore_ctx_derive(&ctx, &p), SL_OK);
    uint8_t plain_buf[64];
    struct sl_coap_msg plain;
    tc_msg(&TC_REQ(.mid = 0x7001, .path = "/3303/0/1"), plain_buf, sizeof plain_buf, &plain);
    size_t len;
    struct sl_oscore_binding bind;
    assert_int_equal(sl_oscore_protect_request(&ctx, &plain, 0, out, cap, &len, &bind), SL_OK);
    return len;
}

/* Unknown kid: the hosting client drops it silently, the server answers
 * 4.01 (RFC 8613 8.2); a request without OSCORE alike. */
static void test_unknown_kid(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len = intruder_request(0x05, buf, sizeof buf);
    deliver(&C, &S, buf, len);
    assert_int_equal(C.tp.count, 0);
    assert_int_equal(C.osc.last_err, SL_ERR_NOT_FOUND);
    len = tc_build(&TC_REQ(.mid = 0x7002, .path = "/3303/0/1"), buf, sizeof buf);
    deliver(&C, &S, buf, len);
    assert_int_equal(C.tp.count, 0);
    assert_int_equal(C.temp.writes, 0);

    /* the server */
    len = intruder_request(0x06, buf, sizeof buf);
    deliver(&S, &C, buf, len);
    struct tp_datagram d;
    struct sl_coap_msg m = pop(&S, &d);
    assert_int_equal(m.type, SL_COAP_ACK);
    assert_int_equal(m.code, SL_COAP_UNAUTHORIZED);
    assert_false(has_opt(&m, SL_COAP_OPT_OSCORE));
    assert_int_equal(S.osc.last_err, SL_ERR_NOT_FOUND);
    len = tc_build(&TC_REQ(.mid = 0x7003, .path = "/3303/0/1"), buf, sizeof buf);
    deliver(&S, &C, buf, len);
    m = pop(&S, &d);
    assert_int_equal(m.code, SL_COAP_UNAUTHORIZED);

    /* and the real context still works both ways */
    struct seen s = { 0 };
    int h;
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &read_temp, record_cb, &s, now, &h),
                     SL_OK);
    pump();
    assert_int_equal(s.code, SL_COAP_CONTENT);
}

/* A request from C to S (a 4.04 there, but protected both ways); returns
 * the Partial IV C used. */
static uint64_t client_request(void)
{
    struct seen s = { 0 };
    int h;
    struct sl_request r = { .method = SL_COAP_POST, .path = "rd/5a3f", .format = SL_FMT_NONE,
                            .accept = SL_FMT_NONE };
    assert_int_equal(sl_engine_request(&C.eng, C.peer, &r, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram d;
    struct sl_coap_msg m = pop(&C, &d);
    uint64_t seq;
    assert_true(piv_of(&m, &seq));
    deliver(&S, &C, d.data, d.len);
    pump();
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.err, SL_OK);
    assert_int_equal(SL_COAP_CODE_CLASS(s.code), 4); /* answered, protected */
    return seq;
}

/* Persist, reboot C, restore: the first request (a replay of one from
 * before the reboot, then a fresh one) gets a protected 4.01 with Echo and
 * is not processed; S's retry carries the Echo and succeeds; C's Partial
 * IVs after the reboot are above all before. */
static void test_reboot_echo(void **state)
{
    (void)state;
    /* before: C sends more than a save window of messages */
    uint64_t max_before = 0;
    for (unsigned k = 0; k < SL_OSCORE_SEQ_SAVE_WINDOW + 3; k++) {
        uint64_t seq = client_request();
        assert_true(k == 0 || seq > max_before);
        max_before = seq;
    }
    uint64_t limit = fs_limit("oscore-seq-0");
    assert_true(limit > max_before);
    assert_true(fs_writes >= 2); /* at attach, and ahead since */
    /* and one write of S's, kept for the replay below */
    struct seen s = { 0 };
    int h;
    struct sl_request w = write_temp("3");
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &w, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram old;
    pop(&S, &old);
    deliver(&C, &S, old.data, old.len);
    pump();
    assert_int_equal(s.code, SL_COAP_CHANGED);

    /* reboot C: a new engine and adapter over the same store */
    start_client(33);
    assert_int_equal(C.osc.peers[0].ctx.sender_seq, limit);
    assert_true(C.osc.peers[0].ctx.need_echo);

    /* the old request replayed after the reboot: its Partial IV is not
     * known to be used any more, so C asks for an Echo */
    old.data[3] ^= 0x33;
    deliver(&C, &S, old.data, old.len);
    struct tp_datagram d;
    struct sl_coap_msg m = pop(&C, &d);
    assert_int_equal(m.type, SL_COAP_ACK);
    assert_int_equal(m.code, SL_COAP_CHANGED); /* outer code: a protected 4.01 */
    uint64_t seq;
    assert_true(piv_of(&m, &seq));
    assert_true(seq >= limit);
    assert_int_equal(C.temp.writes, 0);
    assert_int_equal(tobj_get(&C.temp, 0)->num, 5);

    /* S asks: the answer is the protected 4.01 + Echo */
    memset(&s, 0, sizeof s);
    w = write_temp("8");
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &w, record_cb, &s, now, &h), SL_OK);
    pump();
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.code, SL_COAP_UNAUTHORIZED);
    assert_true(s.echo);
    assert_int_equal(S.osc.peers[0].echo_len, SL_OSCORE_ECHO_LEN);
    assert_int_equal(C.temp.writes, 0);

    /* the retry carries the Echo (the adapter adds it) and goes through */
    memset(&s, 0, sizeof s);
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &w, record_cb, &s, now, &h), SL_OK);
    struct tp_datagram retry;
    pop(&S, &retry);
    deliver(&C, &S, retry.data, retry.len);
    pump();
    assert_int_equal(s.code, SL_COAP_CHANGED);
    assert_int_equal(tobj_get(&C.temp, 0)->num, 8);
    assert_int_equal(S.osc.peers[0].echo_len, 0); /* answered: no more Echo */
    assert_false(C.osc.peers[0].ctx.need_echo);

    /* C's own numbers continue above everything before the reboot */
    uint64_t after = client_request();
    assert_true(after > max_before);
    assert_true(after >= limit);
    assert_true(fs_limit("oscore-seq-0") > after);

    /* and the replay window works again: the retry replayed is refused */
    retry.data[3] ^= 0x11;
    deliver(&C, &S, retry.data, retry.len);
    m = pop(&C, &d);
    assert_int_equal(m.code, SL_COAP_UNAUTHORIZED);
    assert_false(has_opt(&m, SL_COAP_OPT_OSCORE));
}

/* Object 21: a store-backed instance, linked from Security resource 17,
 * gives the same context as explicit parameters; unsupported algorithms
 * are refused; no resource is readable. */
static void test_object21(void **state)
{
    (void)state;
    static struct sl_core_objects co;
    static struct sl_oscore_object o21;
    sl_core_objects_init(&co);
    sl_oscore_object_init(&o21);
    struct sl_value v;
    assert_int_equal(sl_store_add(&co.security, 0, NULL), SL_OK);
    v = sl_value_int(1);
    assert_int_equal(sl_store_set(&co.security, 0, SL_SEC_SSID, SL_ID_NONE, &v), SL_OK);
    assert_int_equal(sl_store_add(&o21.store, 4, NULL), SL_OK);
    v = sl_value_opaque(secret, sizeof secret);
    assert_int_equal(sl_store_set(&o21.store, 4, SL_OSC_MASTER_SECRET, SL_ID_NONE, &v), SL_OK);
    v = sl_value_opaque(id_c, 1);
    assert_int_equal(sl_store_set(&o21.store, 4, SL_OSC_SENDER_ID, SL_ID_NONE, &v), SL_OK);
    v = sl_value_opaque(id_s, 1);
    assert_int_equal(sl_store_set(&o21.store, 4, SL_OSC_RECIPIENT_ID, SL_ID_NONE, &v), SL_OK);
    v = sl_value_opaque(salt, sizeof salt);
    assert_int_equal(sl_store_set(&o21.store, 4, SL_OSC_MASTER_SALT, SL_ID_NONE, &v), SL_OK);

    /* no link yet */
    assert_int_equal(sl_oscore_peer_attach_ssid(&C.osc, C.peer, &co.security, &o21.store, 1),
                     SL_ERR_NOT_FOUND);
    v = sl_value_objlnk(21, 4);
    assert_int_equal(sl_store_set(&co.security, 0, SL_SEC_OSCORE, SL_ID_NONE, &v), SL_OK);
    assert_int_equal(sl_oscore_peer_attach_ssid(&C.osc, C.peer, &co.security, &o21.store, 2),
                     SL_ERR_NOT_FOUND);
    assert_int_equal(sl_oscore_peer_attach_ssid(&C.osc, C.peer, &co.security, &o21.store, 1),
                     SL_OK);
    struct sl_oscore_ctx want;
    struct sl_oscore_params pc = params(id_c, id_s);
    assert_int_equal(sl_oscore_ctx_derive(&want, &pc), SL_OK);
    const struct sl_oscore_ctx *got = sl_oscore_peer_ctx(&C.osc, C.peer);
    assert_non_null(got);
    assert_memory_equal(got->sender_key, want.sender_key, sizeof want.sender_key);
    assert_memory_equal(got->recipient_key, want.recipient_key, sizeof want.recipient_key);
    assert_memory_equal(got->common_iv, want.common_iv, sizeof want.common_iv);
    assert_int_equal(C.osc.peers[0].store_id, 4);
    (void)fs_limit("oscore-seq-4"); /* a fresh context is on record at once */

    /* C serves object 21 too: nothing of it is readable */
    assert_int_equal(sl_engine_add_object(&C.eng, &o21.store.obj), SL_OK);
    struct seen s = { 0 };
    int h;
    struct sl_request r = read_temp;
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &r, record_cb, &s, now, &h), SL_OK);
    pump();
    assert_int_equal(s.code, SL_COAP_CONTENT);
    r.path = "21/4/0";
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &r, record_cb, &s, now, &h), SL_OK);
    pump();
    assert_int_equal(SL_COAP_CODE_CLASS(s.code), 4);
    r.path = "21/4";
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &r, record_cb, &s, now, &h), SL_OK);
    pump();
    assert_int_equal(SL_COAP_CODE_CLASS(s.code), 4);

    /* algorithms: the check hook refuses others; a stored one is refused */
    v = sl_value_int(11);
    assert_int_equal(o21.store.hooks.check(NULL, &o21.store, 4, SL_OSC_AEAD, SL_ID_NONE, &v),
                     SL_ERR_RANGE);
    v = sl_value_int(-10);
    assert_int_equal(o21.store.hooks.check(NULL, &o21.store, 4, SL_OSC_HMAC, SL_ID_NONE, &v),
                     SL_OK);
    v = sl_value_int(10);
    assert_int_equal(o21.store.hooks.check(NULL, &o21.store, 4, SL_OSC_AEAD, SL_ID_NONE, &v),
                     SL_OK);
    v = sl_value_int(11);
    assert_int_equal(sl_store_set(&o21.store, 4, SL_OSC_AEAD, SL_ID_NONE, &v), SL_OK);
    struct sl_oscore_params p;
    assert_int_equal(sl_oscore_params_from_object(&o21.store, 4, &p), SL_ERR_UNSUPPORTED);
    assert_int_equal(sl_oscore_params_from_object(&o21.store, 5, &p), SL_ERR_NOT_FOUND);
    /* equal Sender and Recipient IDs do not commit */
    v = sl_value_opaque(id_c, 1);
    assert_int_equal(sl_store_set(&o21.store, 4, SL_OSC_RECIPIENT_ID, SL_ID_NONE, &v), SL_OK);
    assert_int_equal(o21.store.hooks.validate(NULL, &o21.store), SL_ERR_CONFLICT);

    /* new keys for instance 4: forget its limit, and the next attach
     * starts at 0 without asking for Echo; detaching unhooks the peer */
    assert_int_equal(sl_oscore_peer_forget_seq(&C.osc, 4), SL_OK);
    sl_oscore_peer_detach(&C.osc, C.peer);
    assert_null(C.eng.peers[C.peer].hook);
    assert_null(sl_oscore_peer_ctx(&C.osc, C.peer));
    assert_int_equal(sl_oscore_peer_attach(&C.osc, C.peer, &pc, 4), SL_OK);
    got = sl_oscore_peer_ctx(&C.osc, C.peer);
    assert_int_equal(got->sender_seq, 0);
    assert_false(got->need_echo);
    assert_int_equal(fs_limit("oscore-seq-4"), SL_OSCORE_SEQ_SAVE_WINDOW);
    /* a persisted context needs a platform store */
    struct sl_oscore_params ps = params(id_s, id_c);
    assert_int_equal(sl_oscore_peer_attach(&S.osc, S.peer, &ps, 1), SL_ERR_INVALID);
}

/* The bindings pool: one the engine no longer needs (an observation
 * cancelled locally) is reused when the pool is full. */
static void test_exchange_pool(void **state)
{
    (void)state;
    struct seen obs_seen = { 0 };
    struct seen s[SL_MAX_PENDING];
    int h;
    struct sl_request obs = read_temp;
    obs.observe = true;
    assert_int_equal(sl_engine_request(&S.eng, S.peer, &obs, record_cb, &obs_seen, now, &h),
                     SL_OK);
    pump();
    assert_int_equal(obs_seen.code, SL_COAP_CONTENT);
    assert_int_equal(sl_engine_cancel(&S.eng, h, false, now), SL_OK);
    assert_int_equal(used_exchanges(&S.osc), 1); /* stale, still there */

    /* fill every binding with NON requests in flight */
    memset(s, 0, sizeof s);
    struct sl_request r = read_temp;
    r.non_confirmable = true;
    _Static_assert(SL_MAX_PENDING >= SL_OSCORE_MAX_EXCHANGES, "the test fills the pool");
    for (unsigned k = 0; k < SL_OSCORE_MAX_EXCHANGES; k++)
        assert_int_equal(sl_engine_request(&S.eng, S.peer, &r, record_cb, &s[k], now, &h), SL_OK);
    assert_int_equal(S.tp.count, SL_OSCORE_MAX_EXCHANGES);
    assert_int_equal(used_exchanges(&S.osc), SL_OSCORE_MAX_EXCHANGES);
    pump();
    for (unsigned k = 0; k < SL_OSCORE_MAX_EXCHANGES; k++) {
        assert_int_equal(s[k].calls, 1);
        assert_int_equal(s[k].code, SL_COAP_CONTENT);
    }
    assert_int_equal(used_exchanges(&S.osc), 0);
}

/* RAM of the adapter, per context. */
static void test_sizes(void **state)
{
    (void)state;
    size_t total = sizeof(struct sl_oscore_adapter);
    size_t per_ctx = sizeof(struct sl_oscore_peer);
    size_t per_ex = sizeof(struct sl_oscore_exchange);
    size_t fixed = total - SL_MAX_OSCORE_CONTEXTS * per_ctx - SL_OSCORE_MAX_EXCHANGES * per_ex;
    printf("oscore_peer: adapter %zu bytes = %d contexts x %zu + %d bindings x %zu + %zu "
           "(scratch %d); sl_oscore_ctx %zu; object 21 instance %zu\n",
           total, SL_MAX_OSCORE_CONTEXTS, per_ctx, SL_OSCORE_MAX_EXCHANGES, per_ex, fixed,
           SL_COAP_MAX_MSG, sizeof(struct sl_oscore_ctx), sizeof(struct sl_oscore_inst));
    assert_true(sizeof(struct sl_oscore_ctx) <= 112);
    assert_true(per_ctx <= sizeof(struct sl_oscore_ctx) + 56);
    assert_true(per_ex <= 64);
    assert_true(fixed <= SL_COAP_MAX_MSG + 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_register_round_trip, setup),
        cmocka_unit_test_setup(test_server_read_end_to_end, setup),
        cmocka_unit_test_setup(test_observe_notifications, setup),
        cmocka_unit_test_setup(test_retransmission_cached, setup),
        cmocka_unit_test_setup(test_replay_rejected, setup),
        cmocka_unit_test_setup(test_unknown_kid, setup),
        cmocka_unit_test_setup(test_reboot_echo, setup),
        cmocka_unit_test_setup(test_object21, setup),
        cmocka_unit_test_setup(test_exchange_pool, setup),
        cmocka_unit_test_setup(test_sizes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
