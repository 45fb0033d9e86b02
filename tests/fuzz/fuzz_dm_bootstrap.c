/* libFuzzer target: the bootstrap server's operations on the data model
 * (src/dm/dm_write.c, dm_read.c, dm.c; LwM2M 1.1 Core 5.2.7).
 *
 * The data model of tests/unit/test_dm_bootstrap.c, set up afresh for every
 * input: Security 0 (the bootstrap account, secured by OSCORE 0), Security
 * 1 and Server 0 (server 1), an Access Control instance, the Device and
 * Temperature stores, a test object standing in for OSCORE (21, no
 * transactions) and a transactional test object 5000. Each input is a few
 * operations (at most MAX_OPS), each run the way the engine does
 * (sl_coap_parse, sl_dm_req_from_coap, sl_dm_handle) as the bootstrap
 * actor:
 *   byte 0  operation: low 3 bits the kind, the high 5 bits a resource ID
 *           kind 0, 1, 6, 7  Bootstrap-Write (PUT)
 *           kind 2           Bootstrap-Delete (DELETE)
 *           kind 3           Bootstrap-Discover (GET, Accept link format)
 *           kind 4           Bootstrap-Finish (POST /bs)
 *           kind 5           Bootstrap-Read (GET, no Accept)
 *   byte 1  low 3 bits the path shape (see path_of), bits 3-4 an instance
 *           ID, bits 5-7 the Content-Format of a write (TLV, SenML CBOR,
 *           LwM2M CBOR, text, opaque)
 *   writes: byte 2 the payload length, then the payload
 *
 * After every operation:
 *  - the response code is a 2.xx, 4.xx or 5.xx and the payload fits;
 *  - no store is left in a transaction;
 *  - every Security instance that was a bootstrap account before a Delete
 *    still exists and still is one, with the OSCORE instance it points
 *    to; the Device instance always exists;
 *  - no object holds more instances than its pool, and its instances come
 *    in ascending order;
 *  - what is not a success (and every Discover, Read and Finish) leaves the
 *    Security, Server, Access Control, Device and Temperature stores as
 *    they were (all or nothing);
 *  - each of those stores saves, loads into a fresh store and saves again
 *    to the same bytes.
 *
 * Seeds: Bootstrap-Writes with TLV, SenML CBOR, LwM2M CBOR, text and
 * opaque payloads on /0, /1, /2, /0/i, /1/i, /0/i/r, /1/i/r, /3/0, then
 * Bootstrap-Finish; Deletes of /, kept instances, the bootstrap flag
 * cleared before a Delete of /; Discovers and Reads; a write beyond the
 * Security pool; fuzzed-*: a few the fuzzer found. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_objects.h"

#include "dm/acl.h"
#include "dm/dm.h"
#include "objects/core_objects.h"
#include "objects/device_ipso.h"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            abort();                                                                          \
    } while (0)

#define MAX_OPS 6
#define NSTORES 5
#define SAVE_CAP 8192

struct fx {
    struct sl_dm dm;
    struct sl_core_objects co;
    struct sl_device_objects dev;
    struct tobj osc;
    struct tobj extra;
    uint8_t msgbuf[1500];
    uint8_t out[2048];
    unsigned finishes;
};

static struct fx f;
static struct sl_core_objects fresh_co;
static struct sl_device_objects fresh_dev;
static uint8_t saved[NSTORES][SAVE_CAP];
static size_t saved_len[NSTORES];
static uint8_t again[SAVE_CAP], again2[SAVE_CAP];

static void set1(struct sl_store *s, uint16_t iid, uint16_t rid, struct sl_value v)
{
    CHECK(sl_store_set(s, iid, rid, SL_ID_NONE, &v) == SL_OK);
}

static struct sl_value str(const char *s)
{
    return sl_value_string(s, strlen(s));
}

/* 2.04 when some non-bootstrap account has its Server instance. */
static uint8_t on_finish(void *ctx)
{
    struct fx *x = ctx;
    x->finishes++;
    uint16_t iid;
    int32_t after = -1;
    while (sl_store_next(&x->co.security, after, &iid) == SL_OK) {
        after = iid;
        if (sl_core_is_bootstrap(&x->co, iid))
            continue;
        int64_t ssid = sl_store_int(&x->co.security, iid, SL_SEC_SSID, -1);
        if (ssid > 0 && ssid < 65535 && sl_core_server_of(&x->co, (uint16_t)ssid) >= 0)
            return SL_COAP_CHANGED;
    }
    return SL_COAP_NOT_ACCEPTABLE;
}

static void setup(void)
{
    memset(&f, 0, sizeof f);
    sl_dm_init(&f.dm);
    sl_core_objects_init(&f.co);
    sl_device_objects_init(&f.dev);
    CHECK(sl_device_setup(&f.dev, "Acme", "Widget", "SN-1", "1.0") == SL_OK);
    tobj_init(&f.osc, SL_OID_OSCORE, true, false);
    tobj_init(&f.extra, 5000, true, true);

    struct sl_store *sec = &f.co.security, *srv = &f.co.server;
    CHECK(sl_store_add(sec, 0, NULL) == SL_OK);
    set1(sec, 0, SL_SEC_URI, str("coap://bs.example:5683"));
    set1(sec, 0, SL_SEC_BOOTSTRAP, sl_value_bool(true));
    set1(sec, 0, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    set1(sec, 0, SL_SEC_OSCORE, sl_value_objlnk(SL_OID_OSCORE, 0));
    CHECK(sl_store_add(sec, 1, NULL) == SL_OK);
    set1(sec, 1, SL_SEC_URI, str("coap://lwm2m.example:5683"));
    set1(sec, 1, SL_SEC_BOOTSTRAP, sl_value_bool(false));
    set1(sec, 1, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    set1(sec, 1, SL_SEC_SSID, sl_value_int(1));
    CHECK(sl_store_add(srv, 0, NULL) == SL_OK);
    set1(srv, 0, SL_SRV_SSID, sl_value_int(1));
    set1(srv, 0, SL_SRV_LIFETIME, sl_value_int(300));
    set1(srv, 0, SL_SRV_BINDING, str("U"));
    CHECK(sl_store_add(&f.co.acl, 0, NULL) == SL_OK);
    set1(&f.co.acl, 0, SL_ACO_RES_OID, sl_value_int(3));
    set1(&f.co.acl, 0, SL_ACO_RES_IID, sl_value_int(0));
    set1(&f.co.acl, 0, SL_ACO_RES_OWNER, sl_value_int(1));
    CHECK(sl_store_add(&f.dev.temperature, 0, NULL) == SL_OK);
    CHECK(tobj_add(&f.osc, 0) != NULL);
    CHECK(tobj_add(&f.osc, 1) != NULL);
    struct tobj_inst *x = tobj_add(&f.extra, 0);
    CHECK(x != NULL);
    memcpy(x->str, "keep", 4);
    x->str_len = 4;
    x->str_present = true;
    x->num = 1;

    f.dm.hooks.finish_ctx = &f;
    f.dm.hooks.bootstrap_finish = on_finish;
    struct sl_obj *objs[] = { &f.co.security.obj, &f.co.server.obj, &f.co.acl.obj,
                              &f.dev.device.obj,  &f.osc.obj,       &f.dev.temperature.obj,
                              &f.extra.obj };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        CHECK(sl_dm_add(&f.dm, objs[k]) == SL_OK);
}

static struct sl_store *store_of(unsigned k, struct sl_core_objects *co,
                                 struct sl_device_objects *dev)
{
    switch (k) {
    case 0: return &co->security;
    case 1: return &co->server;
    case 2: return &co->acl;
    case 3: return &dev->device;
    default: return &dev->temperature;
    }
}

static size_t save(const struct sl_store *s, uint8_t *buf)
{
    struct sl_wbuf w;
    sl_wbuf_init(&w, buf, SAVE_CAP);
    CHECK(sl_store_save(s, &w) == SL_OK);
    return w.len;
}

static void snapshot(void)
{
    for (unsigned k = 0; k < NSTORES; k++)
        saved_len[k] = save(store_of(k, &f.co, &f.dev), saved[k]);
}

static void check_unchanged(void)
{
    for (unsigned k = 0; k < NSTORES; k++) {
        size_t n = save(store_of(k, &f.co, &f.dev), again);
        CHECK(n == saved_len[k] && memcmp(again, saved[k], n) == 0);
    }
}

/* Save, load into a fresh store, save again: the same bytes. */
static void check_loadable(void)
{
    sl_core_objects_init(&fresh_co);
    sl_device_objects_init(&fresh_dev);
    for (unsigned k = 0; k < NSTORES; k++) {
        struct sl_store *s = store_of(k, &f.co, &f.dev), *t = store_of(k, &fresh_co, &fresh_dev);
        CHECK(!s->in_txn);
        size_t n = save(s, again);
        CHECK(sl_store_load(t, again, n) == SL_OK);
        size_t m = save(t, again2);
        CHECK(m == n && memcmp(again, again2, n) == 0);
    }
}

/* Instances in ascending order, no more than the pool holds. */
static void check_pool(const struct sl_obj *o, unsigned max)
{
    unsigned n = 0;
    int32_t after = -1;
    uint16_t iid;
    while (o->ops->inst_next(o, after, &iid) == SL_OK) {
        CHECK((int32_t)iid > after && iid <= SL_ID_MAX);
        after = iid;
        n++;
        CHECK(n <= max);
    }
}

static void check_pools(void)
{
    for (unsigned k = 0; k < NSTORES; k++) {
        const struct sl_store *s = store_of(k, &f.co, &f.dev);
        check_pool(&s->obj, s->inst_max);
    }
    CHECK(f.co.security.inst_max == SL_MAX_SERVERS + 1 && f.co.server.inst_max == SL_MAX_SERVERS);
    check_pool(&f.osc.obj, TOBJ_MAX_INST);
    check_pool(&f.extra.obj, TOBJ_MAX_INST);
    CHECK(sl_store_get(&f.dev.device, 0) != NULL);
}

static const uint16_t formats[8] = { SL_FMT_TLV,        SL_FMT_TLV,    SL_FMT_SENML_CBOR,
                                     SL_FMT_SENML_CBOR, SL_FMT_LWM2M_CBOR, SL_FMT_TEXT,
                                     SL_FMT_OPAQUE,     SL_FMT_NONE };

/* The path of an operation. */
static int path_of(unsigned kind, uint8_t sel, unsigned rid, char *p, size_t cap)
{
    unsigned shape = sel & 7, i = (sel >> 3) & 3;
    /* Delete and Discover / Read: a prefix, then the instance ID or not */
    static const char *const del[8] = { "/", "/0", "/0/", "/1", "/1/", "/2/", "/21/", "/5000" };
    static const char *const get[8] = { "/", "/0", "/1", "/2", "/3", "/21", "/0/", "/1/" };
    if (kind == 2 || kind == 3 || kind == 5) {
        const char *pre = kind == 2 ? del[shape] : get[shape];
        size_t n = strlen(pre);
        if (pre[n - 1] == '/' && n > 1)
            return snprintf(p, cap, "%s%u", pre, i);
        return snprintf(p, cap, "%s", pre);
    }
    switch (shape) { /* Write */
    case 0: return snprintf(p, cap, "/0");
    case 1: return snprintf(p, cap, "/1");
    case 2: return snprintf(p, cap, "/0/%u", i);
    case 3: return snprintf(p, cap, "/1/%u", i);
    case 4: return snprintf(p, cap, "/1/%u/%u", i, rid);
    case 5: return snprintf(p, cap, "/0/%u/%u", i, rid);
    case 6: return snprintf(p, cap, i & 2 ? "/2/%u" : "/2", i);
    default: return snprintf(p, cap, i & 2 ? "/21/%u" : "/3/0", i & 1);
    }
}

/* The Security instances that are bootstrap accounts, and their OSCORE. */
struct bs_accounts {
    unsigned n;
    uint16_t iid[SL_MAX_SERVERS + 1];
    bool has_osc[SL_MAX_SERVERS + 1];
    uint16_t osc[SL_MAX_SERVERS + 1];
};

static void bs_accounts_of(struct bs_accounts *a)
{
    memset(a, 0, sizeof *a);
    uint16_t iid;
    int32_t after = -1;
    while (sl_store_next(&f.co.security, after, &iid) == SL_OK) {
        after = iid;
        if (!sl_core_is_bootstrap(&f.co, iid))
            continue;
        CHECK(a->n <= SL_MAX_SERVERS);
        a->iid[a->n] = iid;
        struct sl_value v;
        if (sl_store_read(&f.co.security, iid, SL_SEC_OSCORE, SL_ID_NONE, &v) == SL_OK &&
            v.v.objlnk.oid == SL_OID_OSCORE && tobj_get(&f.osc, v.v.objlnk.iid) != NULL) {
            a->has_osc[a->n] = true;
            a->osc[a->n] = v.v.objlnk.iid;
        }
        a->n++;
    }
}

/* One operation; returns the bytes of input it used. */
static size_t run_op(const uint8_t *data, size_t size)
{
    if (size < 2)
        return size;
    unsigned kind = data[0] & 7, rid = data[0] >> 3;
    uint8_t sel = data[1];
    size_t used = 2;
    const uint8_t *payload = NULL;
    size_t plen = 0;
    bool write = kind == 0 || kind == 1 || kind == 6 || kind == 7;
    if (write && size > 2) {
        plen = data[2];
        used = 3;
        if (plen > size - used)
            plen = size - used;
        payload = data + used;
        used += plen;
    }

    char path[32];
    uint8_t code = SL_COAP_GET;
    if (write)
        code = SL_COAP_PUT;
    else if (kind == 2)
        code = SL_COAP_DELETE;
    else if (kind == 4)
        code = SL_COAP_POST;
    if (kind == 4)
        snprintf(path, sizeof path, "/bs");
    else
        path_of(write ? 0 : kind, sel, rid, path, sizeof path);

    struct sl_coap_builder b;
    static const uint8_t token[2] = { 1, 2 };
    sl_coap_build_begin(&b, f.msgbuf, sizeof f.msgbuf, SL_COAP_CON, code, 0x1234, token, 2);
    if (strcmp(path, "/") != 0)
        CHECK(sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, path, strlen(path), '/') ==
              SL_OK);
    uint16_t fmt = formats[(sel >> 5) & 7];
    if (write && fmt != SL_FMT_NONE)
        CHECK(sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, fmt) == SL_OK);
    if (kind == 3)
        CHECK(sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, SL_FMT_LINK) == SL_OK);
    if (plen > 0)
        CHECK(sl_coap_build_payload(&b, payload, plen) == SL_OK);
    size_t mlen = 0;
    CHECK(sl_coap_build_end(&b, &mlen) == SL_OK);
    struct sl_coap_msg m;
    CHECK(sl_coap_parse(&m, f.msgbuf, mlen) == SL_OK);

    struct bs_accounts before;
    bs_accounts_of(&before);
    snapshot();

    struct sl_dm_req req;
    uint8_t c = sl_dm_req_from_coap(&f.dm, &m, &req);
    if (c == 0) {
        req.actor = (struct sl_actor){ SL_ACTOR_BOOTSTRAP, 0 };
        struct sl_dm_resp resp;
        memset(&resp, 0, sizeof resp);
        sl_dm_handle(&f.dm, &req, f.out, sizeof f.out, &resp);
        c = resp.code;
        CHECK(resp.len <= sizeof f.out);
    }
    unsigned cls = SL_COAP_CODE_CLASS(c);
    CHECK(cls == 2 || cls == 4 || cls == 5);

    if (cls != 2 || kind == 3 || kind == 4 || kind == 5)
        check_unchanged(); /* all or nothing; reads change nothing */
    if (kind == 2) {
        /* the bootstrap accounts and their OSCORE instances survive */
        for (unsigned k = 0; k < before.n; k++) {
            CHECK(sl_store_get(&f.co.security, before.iid[k]) != NULL);
            CHECK(sl_core_is_bootstrap(&f.co, before.iid[k]));
            if (before.has_osc[k])
                CHECK(tobj_get(&f.osc, before.osc[k]) != NULL);
        }
    }
    check_pools();
    check_loadable();
    return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048)
        return 0;
    setup();
    size_t pos = 0;
    for (unsigned k = 0; k < MAX_OPS && pos < size; k++)
        pos += run_op(data + pos, size - pos);
    return 0;
}
