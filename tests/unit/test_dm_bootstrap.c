/* The bootstrap server's operations on the data model (LwM2M 1.1 Core
 * 5.2.7): Bootstrap-Write on /O, /O/I and /O/I/R creating what does not
 * exist, all or nothing; Bootstrap-Delete on /, /O and /O/I keeping the
 * bootstrap account and the Device instance; Bootstrap-Discover's exact
 * link list; Bootstrap-Finish reaching its hook; and every one of them
 * refused to a server. Run on the real account objects (objects 0, 1, 2),
 * the Device and temperature stores, and test objects. */
#include <stdio.h>
#include <string.h>

#include "test_coap.h"
#include "test_objects.h"
#include "test_util.h"

#include "codec/data.h"
#include "dm/acl.h"
#include "dm/dm.h"
#include "objects/core_objects.h"
#include "objects/device_ipso.h"

struct bfx {
    struct sl_dm dm;
    struct sl_core_objects co;
    struct sl_device_objects dev;
    struct tobj osc;   /* stands in for object 21: no transactions */
    struct tobj extra; /* object 5000: transactional, for failures halfway */
    uint8_t out[2048];
    struct sl_dm_resp resp;
    uint8_t msgbuf[1500];
    uint8_t body[512];
    unsigned commits_sec, commits_srv;
    unsigned created, deleted, finishes;
    uint8_t finish_answer;
};

static const struct sl_actor server1 = { SL_ACTOR_SERVER, 1 };
static const struct sl_actor bootstrap = { SL_ACTOR_BOOTSTRAP, 0 };
static const struct sl_actor local = { SL_ACTOR_LOCAL, 0 };

static void count_commit(void *ctx, struct sl_store *s)
{
    (void)s;
    (*(unsigned *)ctx)++;
}

static void on_created(void *ctx, const struct sl_actor *who, uint16_t oid, uint16_t iid)
{
    struct bfx *f = ctx;
    (void)who;
    (void)oid;
    (void)iid;
    f->created++;
}

static void on_deleted(void *ctx, const struct sl_actor *who, uint16_t oid, uint16_t iid)
{
    struct bfx *f = ctx;
    (void)who;
    (void)oid;
    (void)iid;
    f->deleted++;
}

static uint8_t on_finish(void *ctx)
{
    struct bfx *f = ctx;
    f->finishes++;
    return f->finish_answer;
}

static void set1(struct sl_store *s, uint16_t iid, uint16_t rid, struct sl_value v)
{
    assert_int_equal(sl_store_set(s, iid, rid, SL_ID_NONE, &v), SL_OK);
}

static struct sl_value str(const char *s)
{
    return sl_value_string(s, strlen(s));
}

static int setup(void **state)
{
    static struct bfx f;
    memset(&f, 0, sizeof f);
    sl_dm_init(&f.dm);
    sl_core_objects_init(&f.co);
    sl_device_objects_init(&f.dev);
    assert_int_equal(sl_device_setup(&f.dev, "Acme", "Widget", "SN-1", "1.0"), SL_OK);
    tobj_init(&f.osc, SL_OID_OSCORE, true, false);
    tobj_init(&f.extra, 5000, true, true);

    struct sl_store *sec = &f.co.security, *srv = &f.co.server;
    /* Security 0: the bootstrap server's account, secured by OSCORE 0 */
    assert_int_equal(sl_store_add(sec, 0, NULL), SL_OK);
    set1(sec, 0, SL_SEC_URI, str("coap://bs.example:5683"));
    set1(sec, 0, SL_SEC_BOOTSTRAP, sl_value_bool(true));
    set1(sec, 0, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    set1(sec, 0, SL_SEC_OSCORE, sl_value_objlnk(SL_OID_OSCORE, 0));
    /* Security 1 and Server 0: server 1 */
    assert_int_equal(sl_store_add(sec, 1, NULL), SL_OK);
    set1(sec, 1, SL_SEC_URI, str("coap://lwm2m.example:5683"));
    set1(sec, 1, SL_SEC_BOOTSTRAP, sl_value_bool(false));
    set1(sec, 1, SL_SEC_MODE, sl_value_int(SL_SEC_MODE_NOSEC));
    set1(sec, 1, SL_SEC_SSID, sl_value_int(1));
    assert_int_equal(sl_store_add(srv, 0, NULL), SL_OK);
    set1(srv, 0, SL_SRV_SSID, sl_value_int(1));
    set1(srv, 0, SL_SRV_LIFETIME, sl_value_int(300));
    set1(srv, 0, SL_SRV_BINDING, str("U"));
    /* an Access Control instance for /3/0 */
    assert_int_equal(sl_store_add(&f.co.acl, 0, NULL), SL_OK);
    set1(&f.co.acl, 0, SL_ACO_RES_OID, sl_value_int(3));
    set1(&f.co.acl, 0, SL_ACO_RES_IID, sl_value_int(0));
    set1(&f.co.acl, 0, SL_ACO_RES_OWNER, sl_value_int(1));
    assert_int_equal(sl_store_add(&f.dev.temperature, 0, NULL), SL_OK);
    assert_non_null(tobj_add(&f.osc, 0));
    assert_non_null(tobj_add(&f.osc, 1));
    struct tobj_inst *x = tobj_add(&f.extra, 0);
    strcpy(x->str, "keep");
    x->str_len = 4;
    x->num = 1;

    sec->hooks.ctx = &f.commits_sec;
    sec->hooks.committed = count_commit;
    srv->hooks.ctx = &f.commits_srv;
    srv->hooks.committed = count_commit;
    f.dm.hooks.ctx = &f;
    f.dm.hooks.created = on_created;
    f.dm.hooks.deleted = on_deleted;
    struct sl_obj *objs[] = { &f.co.security.obj, &f.co.server.obj, &f.co.acl.obj,
                              &f.dev.device.obj,  &f.osc.obj,       &f.dev.temperature.obj,
                              &f.extra.obj };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        assert_int_equal(sl_dm_add(&f.dm, objs[k]), SL_OK);
    *state = &f;
    return 0;
}

static uint8_t run(struct bfx *f, struct tc_req r, const struct sl_actor *who)
{
    return tc_dm_run(&f->dm, r, who, f->msgbuf, sizeof f->msgbuf, f->out, sizeof f->out,
                     &f->resp);
}

static struct sl_record rec(const char *path, struct sl_value v)
{
    struct sl_record r;
    assert_int_equal(sl_path_parse(path, strlen(path), &r.path), SL_OK);
    r.value = v;
    return r;
}

/* Records (sorted, below base) as TLV into f->body; returns the length. */
static size_t tlv(struct bfx *f, const char *base, const struct sl_record *recs, unsigned n)
{
    struct sl_path bp;
    struct sl_wbuf w;
    struct sl_data_enc enc;
    assert_int_equal(sl_path_parse(base, strlen(base), &bp), SL_OK);
    sl_wbuf_init(&w, f->body, sizeof f->body);
    assert_int_equal(sl_data_enc_begin(&enc, SL_FMT_TLV, &w, &bp), SL_OK);
    for (unsigned k = 0; k < n; k++)
        assert_int_equal(sl_data_enc_record(&enc, &recs[k]), SL_OK);
    assert_int_equal(sl_data_enc_end(&enc), SL_OK);
    return w.len;
}

static struct tc_req put_tlv(const char *path, const uint8_t *body, size_t len)
{
    return TC_REQ(.code = SL_COAP_PUT, .path = path, .format = SL_FMT_TLV, .payload = body,
                  .len = len);
}

static void assert_str(const struct sl_store *s, uint16_t iid, uint16_t rid, const char *want)
{
    char got[80];
    sl_store_str(s, iid, rid, got, sizeof got);
    assert_string_equal(got, want);
}

static unsigned instances(const struct sl_obj *o)
{
    unsigned n = 0;
    int32_t after = -1;
    uint16_t iid;
    while (o->ops->inst_next(o, after, &iid) == SL_OK) {
        after = iid;
        n++;
    }
    return n;
}

/* ---- Bootstrap-Write ---- */

static void test_write_object_several_instances(void **state)
{
    struct bfx *f = *state;
    /* /0: instance 1 changes its URI, instance 2 is new */
    struct sl_record recs[] = {
        rec("/0/1/0", str("coap://moved.example:5683")),
        rec("/0/2/0", str("coap://second.example:5683")),
        rec("/0/2/1", sl_value_bool(false)),
        rec("/0/2/2", sl_value_int(SL_SEC_MODE_NOSEC)),
        rec("/0/2/10", sl_value_int(2)),
    };
    size_t len = tlv(f, "/0", recs, 5);
    assert_int_equal(run(f, put_tlv("/0", f->body, len), &bootstrap), SL_COAP_CHANGED);
    assert_str(&f->co.security, 1, SL_SEC_URI, "coap://moved.example:5683");
    assert_str(&f->co.security, 2, SL_SEC_URI, "coap://second.example:5683");
    assert_int_equal(sl_store_int(&f->co.security, 2, SL_SEC_SSID, -1), 2);
    /* what the payload does not name is kept */
    assert_int_equal(sl_store_int(&f->co.security, 1, SL_SEC_SSID, -1), 1);
    assert_int_equal(f->commits_sec, 1); /* one transaction */
    assert_int_equal(f->created, 1);     /* instance 2 only */

    /* /1: a new instance 1 with its read-only Short Server ID */
    struct sl_record srv[] = {
        rec("/1/1/0", sl_value_int(2)),
        rec("/1/1/1", sl_value_int(120)),
        rec("/1/1/6", sl_value_bool(false)),
        rec("/1/1/7", str("U")),
    };
    len = tlv(f, "/1", srv, 4);
    assert_int_equal(run(f, put_tlv("/1", f->body, len), &bootstrap), SL_COAP_CHANGED);
    assert_int_equal(sl_store_int(&f->co.server, 1, SL_SRV_SSID, -1), 2);
    assert_int_equal(sl_store_int(&f->co.server, 1, SL_SRV_LIFETIME, -1), 120);
    assert_int_equal(f->created, 2);

    /* the application (local actor) may write a whole object too */
    struct sl_record t[] = { rec("/3303/0/5701", str("Cel")), rec("/3303/1/5701", str("K")) };
    len = tlv(f, "/3303", t, 2);
    assert_int_equal(run(f, put_tlv("/3303", f->body, len), &local), SL_COAP_CHANGED);
    assert_str(&f->dev.temperature, 1, SL_IPSO_UNITS, "K");
}

static void test_write_instance_and_resource_create(void **state)
{
    struct bfx *f = *state;
    /* /0/2 does not exist: a Bootstrap-Write of one resource creates it */
    assert_int_equal(run(f,
                         TC_REQ(.code = SL_COAP_PUT, .path = "/0/2/0", .format = SL_FMT_TEXT,
                                .payload = "coap://x.example", .len = 16),
                         &bootstrap),
                     SL_COAP_CHANGED);
    assert_non_null(sl_store_get(&f->co.security, 2));
    assert_str(&f->co.security, 2, SL_SEC_URI, "coap://x.example");
    assert_int_equal(f->created, 1);
    /* /1/1 does not exist: a Bootstrap-Write of the instance creates it */
    struct sl_record srv[] = { rec("/1/1/0", sl_value_int(9)), rec("/1/1/1", sl_value_int(60)) };
    size_t len = tlv(f, "/1/1", srv, 2);
    assert_int_equal(run(f, put_tlv("/1/1", f->body, len), &bootstrap), SL_COAP_CHANGED);
    assert_int_equal(sl_store_int(&f->co.server, 1, SL_SRV_SSID, -1), 9);
    /* read-only resources of an existing instance are the bootstrap server's to write */
    assert_int_equal(run(f,
                         TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/0", .format = SL_FMT_TEXT,
                                .payload = "7", .len = 1),
                         &bootstrap),
                     SL_COAP_CHANGED);
    assert_int_equal(sl_store_int(&f->co.server, 0, SL_SRV_SSID, -1), 7);
    /* executables and undeclared resources are not */
    assert_int_equal(run(f,
                         TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/8", .format = SL_FMT_TEXT,
                                .payload = "1", .len = 1),
                         &bootstrap),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f,
                         TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/99", .format = SL_FMT_TEXT,
                                .payload = "1", .len = 1),
                         &bootstrap),
                     SL_COAP_NOT_FOUND);
    assert_int_equal(run(f,
                         TC_REQ(.code = SL_COAP_PUT, .path = "/4242", .format = SL_FMT_TLV,
                                .payload = "\xc1\x00\x01", .len = 3),
                         &bootstrap),
                     SL_COAP_NOT_FOUND);
    /* no format, or none we decode */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/1", .payload = "5", .len = 1),
                         &bootstrap),
                     SL_COAP_UNSUPPORTED_CONTENT_FORMAT);
    /* a single-instance object takes no second instance */
    struct sl_record d[] = { rec("/3/1/0", str("Other")) };
    len = tlv(f, "/3", d, 1);
    assert_int_equal(run(f, put_tlv("/3", f->body, len), &bootstrap), SL_COAP_BAD_REQUEST);
    assert_null(sl_store_get(&f->dev.device, 1));
}

static void test_write_refused_to_servers(void **state)
{
    struct bfx *f = *state;
    struct sl_record recs[] = { rec("/1/0/1", sl_value_int(99)), rec("/1/1/1", sl_value_int(99)) };
    size_t len = tlv(f, "/1", recs, 2);
    /* PUT /O is Bootstrap-Write only */
    assert_int_equal(run(f, put_tlv("/1", f->body, len), &server1), SL_COAP_METHOD_NOT_ALLOWED);
    /* a server's PUT on a missing instance creates nothing */
    struct sl_record one[] = { rec("/1/1/1", sl_value_int(99)) };
    len = tlv(f, "/1/1", one, 1);
    assert_int_equal(run(f, put_tlv("/1/1", f->body, len), &server1), SL_COAP_NOT_FOUND);
    /* the Security object stays the bootstrap server's */
    assert_int_equal(run(f,
                         TC_REQ(.code = SL_COAP_PUT, .path = "/0/1/0", .format = SL_FMT_TEXT,
                                .payload = "coap://evil", .len = 11),
                         &server1),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(sl_store_int(&f->co.server, 0, SL_SRV_LIFETIME, -1), 300);
    assert_null(sl_store_get(&f->co.server, 1));
    assert_str(&f->co.security, 1, SL_SEC_URI, "coap://lwm2m.example:5683");
    assert_int_equal(f->created, 0);
}

static void test_write_atomic(void **state)
{
    struct bfx *f = *state;
    unsigned commits = f->commits_sec;
    /* a value over the URI's capacity in the second instance: the change
     * to the first is not made either */
    char longuri[SL_MAX_URI_LEN + 2];
    memset(longuri, 'a', sizeof longuri - 1);
    longuri[sizeof longuri - 1] = '\0';
    struct sl_record bad[] = { rec("/0/1/0", str("coap://changed.example")),
                               rec("/0/2/0", str(longuri)) };
    size_t len = tlv(f, "/0", bad, 2);
    assert_int_equal(run(f, put_tlv("/0", f->body, len), &bootstrap), SL_COAP_BAD_REQUEST);
    assert_str(&f->co.security, 1, SL_SEC_URI, "coap://lwm2m.example:5683");
    assert_null(sl_store_get(&f->co.security, 2));

    /* two new accounts with one Short Server ID: each passes the first
     * pass, the object's validation refuses the pair, both go */
    assert_int_equal(sl_store_remove(&f->co.security, 1), SL_OK);
    struct sl_record dup[] = { rec("/0/1/0", str("coap://a.example")), rec("/0/1/10", sl_value_int(5)),
                               rec("/0/2/0", str("coap://b.example")), rec("/0/2/10", sl_value_int(5)) };
    len = tlv(f, "/0", dup, 4);
    assert_int_equal(run(f, put_tlv("/0", f->body, len), &bootstrap), SL_COAP_BAD_REQUEST);
    assert_null(sl_store_get(&f->co.security, 1));
    assert_null(sl_store_get(&f->co.security, 2));
    assert_int_equal(instances(&f->co.security.obj), 1);
    assert_int_equal(f->commits_sec, commits);
    assert_int_equal(f->created, 0);

    /* a write that fails halfway, in the second instance: the object rolls
     * back the first instance's change and the instances it made */
    f->extra.fail_write_after = 1;
    struct sl_record ex[] = { rec("/5000/0/0", str("changed")), rec("/5000/1/0", str("new")),
                              rec("/5000/2/0", str("new too")) };
    len = tlv(f, "/5000", ex, 3);
    assert_int_not_equal(run(f, put_tlv("/5000", f->body, len), &bootstrap), SL_COAP_CHANGED);
    assert_int_equal(f->extra.rollbacks, 1);
    assert_int_equal(f->extra.commits, 0);
    assert_int_equal(instances(&f->extra.obj), 1);
    assert_memory_equal(tobj_get(&f->extra, 0)->str, "keep", 4);
    assert_int_equal(f->created, 0);
    /* the same without the failure goes through */
    f->extra.fail_write_after = -1;
    f->extra.writes = 0;
    assert_int_equal(run(f, put_tlv("/5000", f->body, len), &bootstrap), SL_COAP_CHANGED);
    assert_int_equal(instances(&f->extra.obj), 3);
    assert_int_equal(f->created, 2);
}

/* ---- Bootstrap-Delete ---- */

static void test_delete_root_keeps_bootstrap_account(void **state)
{
    struct bfx *f = *state;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/"), &bootstrap),
                     SL_COAP_DELETED);
    /* the bootstrap server's Security instance and its OSCORE instance stay */
    assert_int_equal(instances(&f->co.security.obj), 1);
    assert_non_null(sl_store_get(&f->co.security, 0));
    struct sl_value b;
    assert_int_equal(sl_store_read(&f->co.security, 0, SL_SEC_BOOTSTRAP, SL_ID_NONE, &b), SL_OK);
    assert_true(b.v.b);
    assert_int_equal(instances(&f->osc.obj), 1);
    assert_non_null(tobj_get(&f->osc, 0));
    /* the Device instance stays */
    assert_non_null(sl_store_get(&f->dev.device, 0));
    /* everything else goes */
    assert_int_equal(instances(&f->co.server.obj), 0);
    assert_int_equal(instances(&f->co.acl.obj), 0);
    assert_int_equal(instances(&f->dev.temperature.obj), 0);
    assert_int_equal(instances(&f->extra.obj), 0);
    /* /0/1, /1/0, /2/0, /21/1, /3303/0, /5000/0 */
    assert_int_equal(f->deleted, 6);
    assert_int_equal(f->commits_sec, 1);
    assert_int_equal(f->extra.commits, 1);
    /* nothing left to delete is still a success */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/"), &bootstrap),
                     SL_COAP_DELETED);
    assert_int_equal(f->deleted, 6);
}

static void test_delete_object_and_instance(void **state)
{
    struct bfx *f = *state;
    assert_int_equal(sl_store_add(&f->co.security, 2, NULL), SL_OK);
    /* /0: every account but the bootstrap server's */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/0"), &bootstrap),
                     SL_COAP_DELETED);
    assert_int_equal(instances(&f->co.security.obj), 1);
    assert_non_null(sl_store_get(&f->co.security, 0));
    assert_int_equal(f->deleted, 2);
    assert_int_equal(instances(&f->co.server.obj), 1); /* other objects untouched */
    /* naming the bootstrap account or the Device instance is refused */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/0/0"), &bootstrap),
                     SL_COAP_BAD_REQUEST);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3/0"), &bootstrap),
                     SL_COAP_BAD_REQUEST);
    /* /3 deletes nothing: the Device instance is kept */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3"), &bootstrap),
                     SL_COAP_DELETED);
    assert_non_null(sl_store_get(&f->dev.device, 0));
    /* one instance; again: it is gone already */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/1/0"), &bootstrap),
                     SL_COAP_DELETED);
    assert_int_equal(instances(&f->co.server.obj), 0);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/1/0"), &bootstrap),
                     SL_COAP_DELETED);
    assert_int_equal(f->deleted, 3);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/4242"), &bootstrap),
                     SL_COAP_NOT_FOUND);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3303/0/5700"), &bootstrap),
                     SL_COAP_METHOD_NOT_ALLOWED);
}

static void test_delete_refused_to_servers(void **state)
{
    struct bfx *f = *state;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3303"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/0/1"), &server1),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(instances(&f->co.security.obj), 2);
    assert_int_equal(instances(&f->dev.temperature.obj), 1);
    assert_int_equal(instances(&f->osc.obj), 2);
    assert_int_equal(f->deleted, 0);
}

/* ---- Bootstrap-Discover ---- */

static void assert_payload(struct bfx *f, const char *want)
{
    assert_int_equal(f->resp.format, SL_FMT_LINK);
    if (f->resp.len != strlen(want) || memcmp(f->out, want, f->resp.len) != 0) {
        fprintf(stderr, "got  %.*s\nwant %s\n", (int)f->resp.len, (const char *)f->out, want);
        fail();
    }
}

static bool contains(const uint8_t *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t k = 0; k + n <= len; k++)
        if (memcmp(buf + k, needle, n) == 0)
            return true;
    return false;
}

/* Bootstrap-Read: the Server and Access Control objects only; never the
 * Security or OSCORE keys (found by fuzz_dm_bootstrap). */
static void test_bootstrap_read_targets(void **state)
{
    struct bfx *f = *state;
    assert_int_equal(run(f, TC_REQ(.path = "/1", .accept = SL_FMT_TLV), &bootstrap),
                     SL_COAP_CONTENT);
    assert_int_equal(run(f, TC_REQ(.path = "/2/0", .accept = SL_FMT_TLV), &bootstrap),
                     SL_COAP_CONTENT);
    static const char *const refused[] = { "/0", "/0/1", "/0/1/5", "/21/0", "/3/0", "/" };
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++)
        assert_int_equal(run(f, TC_REQ(.path = refused[k], .accept = SL_FMT_TLV), &bootstrap),
                         SL_COAP_METHOD_NOT_ALLOWED);
}

static void test_discover(void **state)
{
    struct bfx *f = *state;
    assert_int_equal(run(f, TC_REQ(.path = "/", .accept = SL_FMT_LINK), &bootstrap),
                     SL_COAP_CONTENT);
    assert_payload(f, "</>;lwm2m=\"1.1\","
                      "</0>;ver=1.1,</0/0>;uri=\"coap://bs.example:5683\","
                      "</0/1>;ssid=1;uri=\"coap://lwm2m.example:5683\","
                      "</1>;ver=1.1,</1/0>;ssid=1,"
                      "</2/0>,"
                      "</3>;ver=1.1,</3/0>,"
                      "</21/0>,</21/1>,"
                      "</3303/0>,"
                      "</5000/0>");
    assert_int_equal(run(f, TC_REQ(.path = "/1", .accept = SL_FMT_LINK), &bootstrap),
                     SL_COAP_CONTENT);
    assert_payload(f, "</1>;ver=1.1,</1/0>;ssid=1");
    /* an object without instances is listed on its own */
    assert_int_equal(sl_store_remove(&f->dev.temperature, 0), SL_OK);
    assert_int_equal(run(f, TC_REQ(.path = "/3303", .accept = SL_FMT_LINK), &bootstrap),
                     SL_COAP_CONTENT);
    assert_payload(f, "</3303>");
    /* Bootstrap-Discover goes no deeper than an object */
    assert_int_equal(run(f, TC_REQ(.path = "/1/0", .accept = SL_FMT_LINK), &bootstrap),
                     SL_COAP_BAD_REQUEST);
    assert_int_equal(run(f, TC_REQ(.path = "/4242", .accept = SL_FMT_LINK), &bootstrap),
                     SL_COAP_NOT_FOUND);
    /* a server's Discover of / is no operation; of /0 its own Discover */
    assert_int_equal(run(f, TC_REQ(.path = "/", .accept = SL_FMT_LINK), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.path = "/1", .accept = SL_FMT_LINK), &server1),
                     SL_COAP_CONTENT);
    assert_false(contains(f->out, f->resp.len, "ssid"));
}

/* ---- Bootstrap-Finish ---- */

static void test_finish_reaches_hook(void **state)
{
    struct bfx *f = *state;
    /* no bootstrap client attached */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/bs"), &bootstrap),
                     SL_COAP_METHOD_NOT_ALLOWED);
    f->dm.hooks.finish_ctx = f;
    f->dm.hooks.bootstrap_finish = on_finish;
    f->finish_answer = SL_COAP_NOT_ACCEPTABLE;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/bs"), &bootstrap),
                     SL_COAP_NOT_ACCEPTABLE);
    f->finish_answer = SL_COAP_CHANGED;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/bs"), &bootstrap),
                     SL_COAP_CHANGED);
    assert_int_equal(f->finishes, 2);
    /* only the bootstrap server finishes a bootstrap */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/bs"), &server1),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(f->finishes, 2);
    /* other names are no paths of ours */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/bs/x"), &bootstrap),
                     SL_COAP_NOT_FOUND);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/bs"), &bootstrap),
                     SL_COAP_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_write_object_several_instances, setup),
        cmocka_unit_test_setup(test_write_instance_and_resource_create, setup),
        cmocka_unit_test_setup(test_write_refused_to_servers, setup),
        cmocka_unit_test_setup(test_write_atomic, setup),
        cmocka_unit_test_setup(test_delete_root_keeps_bootstrap_account, setup),
        cmocka_unit_test_setup(test_delete_object_and_instance, setup),
        cmocka_unit_test_setup(test_delete_refused_to_servers, setup),
        cmocka_unit_test_setup(test_discover, setup),
        cmocka_unit_test_setup(test_bootstrap_read_targets, setup),
        cmocka_unit_test_setup(test_finish_reaches_hook, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
