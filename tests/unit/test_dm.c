/* Data model operations end to end from a CoAP request: every operation,
 * the error codes of LwM2M (4.00, 4.01, 4.04, 4.05, 4.06, 4.15), access
 * control and the atomicity of composite writes and creates. */
#include <stdio.h>
#include <string.h>

#include "test_coap.h"
#include "test_objects.h"
#include "test_util.h"

#include "codec/data.h"
#include "codec/senml_cbor.h"
#include "codec/tlv.h"
#include "codec/value.h"
#include "dm/acl.h"
#include "dm/dm.h"

struct fx {
    struct sl_dm dm;
    struct tobj dev;   /* object 3, single instance */
    struct tobj temp;  /* object 3303, multiple instances, transactional */
    struct tobj srv;   /* object 1: its instance count drives the single-server rule */
    struct taco aco;   /* object 2 */
    uint8_t out[2048];
    struct sl_dm_resp resp;
    uint8_t msgbuf[1500];
};

static const struct sl_actor server1 = { SL_ACTOR_SERVER, 1 };
static const struct sl_actor server2 = { SL_ACTOR_SERVER, 2 };
static const struct sl_actor server3 = { SL_ACTOR_SERVER, 3 };

static int setup(void **state)
{
    static struct fx f;
    memset(&f, 0, sizeof f);
    sl_dm_init(&f.dm);
    tobj_init(&f.dev, 3, false, false);
    tobj_init(&f.temp, 3303, true, true);
    tobj_init(&f.srv, 1, true, false);
    taco_init(&f.aco, 2);
    struct tobj_inst *d = tobj_add(&f.dev, 0);
    strcpy(d->str, "Sidelink");
    d->str_len = 8;
    d->num = 7;
    struct tobj_inst *t0 = tobj_add(&f.temp, 0);
    strcpy(t0->str, "t0");
    t0->str_len = 2;
    t0->num = 42;
    t0->sensor = 21.5;
    t0->multi_riid[0] = 0;
    t0->multi_val[0] = 10;
    t0->multi_riid[1] = 1;
    t0->multi_val[1] = 11;
    t0->multi_count = 2;
    t0->time = 1700000000;
    t0->lnk = (struct sl_objlnk){ 3, 0 };
    struct tobj_inst *t1 = tobj_add(&f.temp, 1);
    strcpy(t1->str, "t1");
    t1->str_len = 2;
    tobj_add(&f.srv, 0);
    assert_int_equal(sl_dm_add(&f.dm, &f.temp.obj), SL_OK);
    assert_int_equal(sl_dm_add(&f.dm, &f.dev.obj), SL_OK);
    assert_int_equal(sl_dm_add(&f.dm, &f.srv.obj), SL_OK);
    assert_int_equal(sl_dm_add(&f.dm, &f.aco.obj), SL_OK);
    *state = &f;
    return 0;
}

/* Run one request; returns the response code. */
static uint8_t run(struct fx *f, struct tc_req r, const struct sl_actor *who)
{
    return tc_dm_run(&f->dm, r, who, f->msgbuf, sizeof f->msgbuf, f->out, sizeof f->out,
                     &f->resp);
}

static void assert_payload(struct fx *f, const char *text)
{
    assert_int_equal(f->resp.len, strlen(text));
    assert_memory_equal(f->out, text, f->resp.len);
}

static void test_registry(void **state)
{
    struct fx *f = *state;
    assert_int_equal(sl_dm_add(&f->dm, &f->dev.obj), SL_ERR_CONFLICT);
    assert_ptr_equal(sl_dm_find(&f->dm, 3303), &f->temp.obj);
    assert_null(sl_dm_find(&f->dm, 4));
    /* kept sorted by object ID */
    for (unsigned k = 1; k < f->dm.count; k++)
        assert_true(f->dm.objs[k - 1]->def->oid < f->dm.objs[k]->def->oid);
    /* an unsorted resource table is refused */
    static const struct sl_res_def bad_res[] = { { 2, SL_TYPE_INT, SL_RES_R },
                                                 { 1, SL_TYPE_INT, SL_RES_R } };
    struct tobj bad;
    tobj_init(&bad, 9, false, false);
    bad.def.res = bad_res;
    bad.def.res_count = 2;
    assert_int_equal(sl_dm_add(&f->dm, &bad.obj), SL_ERR_INVALID);
}

static void test_read_text_and_tlv(void **state)
{
    struct fx *f = *state;
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/1"), &server1), SL_COAP_CONTENT);
    assert_int_equal(f->resp.format, SL_FMT_TEXT);
    assert_payload(f, "42");
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/7"), &server1), SL_COAP_CONTENT);
    assert_payload(f, "3:0");
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/3/1"), &server1), SL_COAP_CONTENT);
    assert_payload(f, "11");

    /* an instance in TLV: decode it back and check every record */
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0", .accept = SL_FMT_TLV), &server1),
                     SL_COAP_CONTENT);
    assert_int_equal(f->resp.format, SL_FMT_TLV);
    struct sl_tlv_dec dec;
    struct sl_path base = sl_path_make(2, 3303, 0, 0, 0);
    sl_tlv_dec_init(&dec, &base, f->out, f->resp.len);
    struct sl_record r;
    unsigned n = 0;
    struct sl_value v;
    while (sl_tlv_dec_next(&dec, &r) == SL_OK) {
        n++;
        if (r.path.len == 3 && r.path.id[2] == TOBJ_NUM) {
            assert_int_equal(sl_value_convert(&r.value, SL_TYPE_INT, &v), SL_OK);
            assert_int_equal(v.v.i, 42);
        }
        if (r.path.len == 4) {
            assert_int_equal(r.path.id[2], TOBJ_MULTI);
            assert_int_equal(sl_value_convert(&r.value, SL_TYPE_INT, &v), SL_OK);
            assert_int_equal(v.v.i, 10 + r.path.id[3]);
        }
    }
    /* str, num, sensor, 2 multi instances, time, lnk, blob (empty): 8 */
    assert_int_equal(n, 8);

    /* the default for an object is TLV */
    assert_int_equal(run(f, TC_REQ(.path = "/3303"), &server1), SL_COAP_CONTENT);
    assert_int_equal(f->resp.format, SL_FMT_TLV);
    /* text cannot carry several values */
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0", .accept = SL_FMT_TEXT), &server1),
                     SL_COAP_NOT_ACCEPTABLE);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/1", .accept = 9999), &server1),
                     SL_COAP_NOT_ACCEPTABLE);
}

static void test_not_found_and_method(void **state)
{
    struct fx *f = *state;
    const char *missing[] = { "/9999", "/3303/7", "/3303/0/99", "/3303/0/3/9", "/3303/0/5",
                              "/3303/0/1/0", "/65535", "/3303/abc", "/1/2/3/4/5" };
    for (size_t k = 0; k < sizeof missing / sizeof missing[0]; k++)
        assert_int_equal(run(f, TC_REQ(.path = missing[k]), &server1), SL_COAP_NOT_FOUND);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/4"), &server1), SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.path = "/"), &server1), SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3303/0/1"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PATCH, .path = "/3303/0"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/3303"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_FETCH, .path = "/3303"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    /* PUT on an object is Bootstrap-Write only */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303", .format = SL_FMT_TLV,
                                   .payload = "\xc1\x01\x05", .len = 3),
                         &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
}

static void test_write_and_type_errors(void **state)
{
    struct fx *f = *state;
    struct tobj_inst *t0 = tobj_get(&f->temp, 0);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .format = 0,
                                   .payload = "17", .len = 2),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(t0->num, 17);
    /* not a number: 4.00 and no change */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .format = 0,
                                   .payload = "1x", .len = 2),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    assert_int_equal(t0->num, 17);
    /* a TLV integer of 3 bytes is not an integer */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .format = SL_FMT_TLV,
                                   .payload = "\xc3\x01\x01\x02\x03", .len = 5),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    /* read-only resource */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/2", .format = 0,
                                   .payload = "1.5", .len = 3),
                         &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    /* no or unknown content format */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .payload = "5",
                                   .len = 1),
                         &server1),
                     SL_COAP_UNSUPPORTED_CONTENT_FORMAT);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .format = 1234,
                                   .payload = "5", .len = 1),
                         &server1),
                     SL_COAP_UNSUPPORTED_CONTENT_FORMAT);
    /* opaque from text is base64 (LwM2M TS data types) */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/8", .format = 0,
                                   .payload = "AQIDBAU=", .len = 8),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(t0->blob_len, 5);
    assert_memory_equal(t0->blob, "\x01\x02\x03\x04\x05", 5);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/8", .format = 0,
                                   .payload = "AQI*", .len = 4),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/8", .accept = SL_FMT_TEXT), &server1),
                     SL_COAP_CONTENT);
    assert_payload(f, "AQIDBAU=");
    /* objlnk from text, bool from TLV */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/7", .format = 0,
                                   .payload = "1:4", .len = 3),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(t0->lnk.oid, 1);
    assert_int_equal(t0->lnk.iid, 4);
    /* an optional resource without a value gets its first one from a Write */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/5", .format = 0,
                                   .payload = "0", .len = 1),
                         &server1),
                     SL_COAP_CHANGED);
    assert_true(t0->opt_present);
    assert_false(t0->opt);
    /* but a resource the object does not declare stays unknown */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/99", .format = 0,
                                   .payload = "1", .len = 1),
                         &server1),
                     SL_COAP_NOT_FOUND);
    /* a new resource instance by replacing one path */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/3/7", .format = 0,
                                   .payload = "70", .len = 2),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0", .format = SL_FMT_TLV,
                                   .payload = "\xc1\x05\x01", .len = 3),
                         &server1),
                     SL_COAP_CHANGED);
    assert_true(t0->opt_present && t0->opt);
    /* a bool of 2 */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0", .format = SL_FMT_TLV,
                                   .payload = "\xc1\x05\x02", .len = 3),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    /* an undeclared resource inside an instance write */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0", .format = SL_FMT_TLV,
                                   .payload = "\xc1\x63\x01", .len = 3),
                         &server1),
                     SL_COAP_NOT_FOUND);
    /* a record for another instance than the request path */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0", .format = SL_FMT_TLV,
                                   .payload = "\x03\x01\xc1\x01\x05", .len = 5),
                         &server1),
                     SL_COAP_BAD_REQUEST);
}

static void test_replace_and_update_multi(void **state)
{
    struct fx *f = *state;
    struct tobj_inst *t0 = tobj_get(&f->temp, 0);
    /* partial update of resource instance 5 keeps 0 and 1 */
    uint8_t upd[] = { 0x83, 0x03, 0x41, 0x05, 0x63 }; /* multi res 3: [5] = 99 */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0", .format = SL_FMT_TLV,
                                   .payload = upd, .len = sizeof upd),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(t0->multi_count, 3);
    /* replace of the multiple resource leaves only what was sent */
    uint8_t rep[] = { 0x83, 0x03, 0x41, 0x07, 0x01 }; /* [7] = 1 */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/3", .format = SL_FMT_TLV,
                                   .payload = rep, .len = sizeof rep),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(t0->multi_count, 1);
    assert_int_equal(t0->multi_riid[0], 7);
    assert_int_equal(t0->multi_val[0], 1);
    /* replace of the instance clears the optional resource it does not name */
    t0->opt_present = true;
    uint8_t inst[] = { 0xc1, 0x01, 0x09 }; /* num = 9 */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0", .format = SL_FMT_TLV,
                                   .payload = inst, .len = sizeof inst),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(t0->num, 9);
    assert_false(t0->opt_present);
    assert_int_equal(t0->multi_count, 0);
    assert_true(t0->str_present); /* mandatory: kept */
}

static void test_create_and_delete(void **state)
{
    struct fx *f = *state;
    /* Create without an instance ID: the lowest free one (2) is chosen */
    uint8_t body[] = { 0xc2, 0x00, 'n', 'w', 0xc1, 0x01, 0x2a };
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303", .format = SL_FMT_TLV,
                                   .payload = body, .len = sizeof body),
                         &server1),
                     SL_COAP_CREATED);
    assert_true(f->resp.has_location);
    struct sl_path want = sl_path_make(2, 3303, 2, 0, 0);
    assert_true(sl_path_equal(&f->resp.location, &want));
    struct tobj_inst *n = tobj_get(&f->temp, 2);
    assert_non_null(n);
    assert_int_equal(n->num, 42);
    assert_memory_equal(n->str, "nw", 2);

    /* missing the mandatory resource: 4.00 and nothing created */
    uint8_t nomand[] = { 0x08, 0x05, 0x03, 0xc1, 0x01, 0x01 }; /* instance 5: num = 1 */
    unsigned rollbacks = f->temp.rollbacks;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303", .format = SL_FMT_TLV,
                                   .payload = nomand, .len = sizeof nomand),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    assert_null(tobj_get(&f->temp, 5));
    assert_int_equal(f->temp.rollbacks, rollbacks + 1);
    /* an existing instance ID */
    uint8_t exists[] = { 0x08, 0x00, 0x04, 0xc2, 0x00, 'x', 'y' };
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303", .format = SL_FMT_TLV,
                                   .payload = exists, .len = sizeof exists),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    /* a single-instance object that has its instance */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3", .format = SL_FMT_TLV,
                                   .payload = body, .len = sizeof body),
                         &server1),
                     SL_COAP_BAD_REQUEST);

    /* an object without rollback: the half-made instance is removed by hand */
    static struct tobj plain;
    tobj_init(&plain, 3304, true, false);
    assert_int_equal(sl_dm_add(&f->dm, &plain.obj), SL_OK);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3304", .format = SL_FMT_TLV,
                                   .payload = nomand, .len = sizeof nomand),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    assert_null(tobj_get(&plain, 5));
    /* an empty Create makes an instance only where nothing is mandatory */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3304"), &server1),
                     SL_COAP_BAD_REQUEST);
    assert_null(tobj_get(&plain, 0));

    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3303/2"), &server1),
                     SL_COAP_DELETED);
    assert_null(tobj_get(&f->temp, 2));
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3303/2"), &server1),
                     SL_COAP_NOT_FOUND);
}

static void test_execute(void **state)
{
    struct fx *f = *state;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0/4",
                                   .payload = "1,2='ab'", .len = 8),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(f->temp.exec_count, 1);
    assert_memory_equal(f->temp.exec_args, "1,2='ab'", 8);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0/4"), &server1),
                     SL_COAP_CHANGED);
    const char *bad[] = { "x", "1,", "1='a", "12", "1=a", "," };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0/4",
                                       .payload = bad[k], .len = strlen(bad[k])),
                             &server1),
                         SL_COAP_BAD_REQUEST);
    assert_int_equal(f->temp.exec_count, 2);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0/1"), &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
}

static void two_servers(struct fx *f)
{
    tobj_add(&f->srv, 1); /* a second server: ACLs now apply */
    struct taco_inst *a = taco_add(&f->aco, 0, 3303, 0, 1); /* owner: server 1 */
    taco_acl(a, 2, SL_ACL_READ);                            /* server 2 may read */
    struct taco_inst *c = taco_add(&f->aco, 1, 3303, SL_ID_NONE, 1);
    taco_acl(c, 2, SL_ACL_CREATE);
    struct taco_inst *d = taco_add(&f->aco, 2, 3303, 1, 1);
    taco_acl(d, 0, SL_ACL_READ | SL_ACL_WRITE); /* default for everyone */
}

static void test_acl_servers(void **state)
{
    struct fx *f = *state;
    /* single server: full access without any ACL instance */
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/1"), &server3), SL_COAP_CONTENT);
    two_servers(f);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/1"), &server2), SL_COAP_CONTENT);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .format = 0,
                                   .payload = "1", .len = 1),
                         &server2),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303/0/4"), &server2),
                     SL_COAP_UNAUTHORIZED);
    /* the owner without an entry of its own has every right */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/1", .format = 0,
                                   .payload = "1", .len = 1),
                         &server1),
                     SL_COAP_CHANGED);
    /* no entry, not the owner, no default: nothing */
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/1"), &server3), SL_COAP_UNAUTHORIZED);
    /* the default entry of instance 1 */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/1/1", .format = 0,
                                   .payload = "3", .len = 1),
                         &server3),
                     SL_COAP_CHANGED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/3303/1"), &server3),
                     SL_COAP_UNAUTHORIZED);
    /* object 3 has no ACL instance: nobody but... nobody */
    assert_int_equal(run(f, TC_REQ(.path = "/3/0/0"), &server1), SL_COAP_UNAUTHORIZED);
    /* Create: the object-level instance (65535) */
    uint8_t body[] = { 0xc2, 0x00, 'n', 'w' };
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303", .format = SL_FMT_TLV,
                                   .payload = body, .len = sizeof body),
                         &server3),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_POST, .path = "/3303", .format = SL_FMT_TLV,
                                   .payload = body, .len = sizeof body),
                         &server2),
                     SL_COAP_CREATED);
    /* an object-level read gives what may be read; server 3 may read 1 only */
    assert_int_equal(run(f, TC_REQ(.path = "/3303", .accept = SL_FMT_TLV), &server3),
                     SL_COAP_CONTENT);
    assert_int_equal(f->out[0] & 0xc0, 0x00); /* an object instance TLV */
    assert_int_equal(f->out[1], 1);           /* ...for instance 1 only */
    /* servers may always Discover */
    assert_int_equal(run(f, TC_REQ(.path = "/3/0", .accept = SL_FMT_LINK), &server3),
                     SL_COAP_CONTENT);
    /* Security and OSCORE objects are for the bootstrap server only */
    assert_false(sl_acl_allows(&f->dm, &server1, SL_OID_SECURITY, 0, SL_ACL_READ));
    assert_true(sl_acl_allows(&f->dm, &(struct sl_actor){ SL_ACTOR_BOOTSTRAP, 0 },
                              SL_OID_SECURITY, 0, SL_ACL_READ));
    /* object 2 instances: the owner writes, others read */
    assert_int_equal(sl_acl_rights(&f->dm, &server1, 2, 0), SL_ACL_READ | SL_ACL_WRITE);
    assert_int_equal(sl_acl_rights(&f->dm, &server2, 2, 0), SL_ACL_READ);
}

static void test_acl_clients(void **state)
{
    struct fx *f = *state;
    struct taco cac;
    taco_init(&cac, SL_OID_CLIENT_ACCESS_CONTROL);
    assert_int_equal(sl_dm_add(&f->dm, &cac.obj), SL_OK);
    const struct sl_actor c7 = { SL_ACTOR_CLIENT, 7 };
    const struct sl_actor c8 = { SL_ACTOR_CLIENT, 8 };
    /* no entry at all: deny, whatever a server could do */
    assert_int_equal(sl_acl_rights(&f->dm, &c7, 3303, 0), 0);
    struct taco_inst *obj_level = taco_add(&cac, 0, 3303, SL_ID_NONE, 1);
    taco_acl(obj_level, 7, SL_ACL_READ | SL_ACL_CREATE);
    struct taco_inst *inst0 = taco_add(&cac, 1, 3303, 0, 1);
    taco_acl(inst0, 0, SL_ACL_DISCOVER);
    taco_acl(inst0, 8, SL_ACL_WRITE);
    /* instance entry: own value, else its default */
    assert_int_equal(sl_acl_rights(&f->dm, &c8, 3303, 0), SL_ACL_WRITE);
    assert_int_equal(sl_acl_rights(&f->dm, &c7, 3303, 0), SL_ACL_DISCOVER);
    /* no instance entry: the object-level entry covers instance 1 */
    assert_int_equal(sl_acl_rights(&f->dm, &c7, 3303, 1), SL_ACL_READ | SL_ACL_CREATE);
    assert_int_equal(sl_acl_rights(&f->dm, &c8, 3303, 1), 0);
    assert_true(sl_acl_allows(&f->dm, &c7, 3303, SL_ID_NONE, SL_ACL_CREATE));
    /* clients Discover only with the Discover bit */
    assert_int_equal(run(f, TC_REQ(.path = "/3303/1", .accept = SL_FMT_LINK), &c7),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0", .accept = SL_FMT_LINK), &c7),
                     SL_COAP_CONTENT);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/1"), &c7), SL_COAP_UNAUTHORIZED);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/1/1"), &c7), SL_COAP_CONTENT);
    /* the account objects are out of reach for clients */
    struct taco_inst *acct = taco_add(&cac, 2, SL_OID_SERVER, 0, 1);
    taco_acl(acct, 7, SL_ACL_ALL);
    assert_int_equal(sl_acl_rights(&f->dm, &c7, SL_OID_SERVER, 0), 0);
}

/* SenML CBOR body from records (absolute paths). */
static size_t senml(const struct sl_record *recs, unsigned n, uint8_t *buf, size_t cap)
{
    struct sl_wbuf w;
    struct sl_senml_cbor_enc e;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    sl_wbuf_init(&w, buf, cap);
    assert_int_equal(sl_senml_cbor_enc_begin(&e, &w, &root), SL_OK);
    for (unsigned k = 0; k < n; k++)
        assert_int_equal(sl_senml_cbor_enc_record(&e, &recs[k]), SL_OK);
    assert_int_equal(sl_senml_cbor_enc_end(&e), SL_OK);
    return w.len;
}

static void test_composite_write_atomic(void **state)
{
    struct fx *f = *state;
    uint8_t body[256];
    struct sl_record recs[2] = {
        { sl_path_make(3, 3, 0, TOBJ_NUM, 0), sl_value_int(100) },
        { sl_path_make(3, 3303, 0, TOBJ_NUM, 0), sl_value_string("nope", 4) },
    };
    size_t n = senml(recs, 2, body, sizeof body);
    /* the second record has the wrong type: nothing is written */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .payload = body, .len = n),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    assert_int_equal(tobj_get(&f->dev, 0)->num, 7);
    assert_int_equal(tobj_get(&f->temp, 0)->num, 42);

    /* both good: both written */
    recs[1].value = sl_value_int(43);
    n = senml(recs, 2, body, sizeof body);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .payload = body, .len = n),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(tobj_get(&f->dev, 0)->num, 100);
    assert_int_equal(tobj_get(&f->temp, 0)->num, 43);

    /* a handler that fails half-way: the transactional object rolls back */
    struct sl_record three[2] = {
        { sl_path_make(3, 3303, 0, TOBJ_NUM, 0), sl_value_int(1) },
        { sl_path_make(3, 3303, 1, TOBJ_NUM, 0), sl_value_int(2) },
    };
    n = senml(three, 2, body, sizeof body);
    f->temp.writes = 0;
    f->temp.fail_write_after = 1;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .payload = body, .len = n),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    assert_int_equal(tobj_get(&f->temp, 0)->num, 43); /* the first write undone */
    assert_int_equal(f->temp.rollbacks, 1);
    f->temp.fail_write_after = -1;

    /* a path that does not exist, a read-only resource, a non-composite format */
    struct sl_record miss = { sl_path_make(3, 3303, 9, TOBJ_NUM, 0), sl_value_int(1) };
    n = senml(&miss, 1, body, sizeof body);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .payload = body, .len = n),
                         &server1),
                     SL_COAP_NOT_FOUND);
    struct sl_record ro = { sl_path_make(3, 3303, 0, TOBJ_SENSOR, 0), sl_value_float(1) };
    n = senml(&ro, 1, body, sizeof body);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .payload = body, .len = n),
                         &server1),
                     SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_IPATCH, .path = "/", .format = SL_FMT_TLV,
                                   .payload = "\xc1\x01\x05", .len = 3),
                         &server1),
                     SL_COAP_UNSUPPORTED_CONTENT_FORMAT);
}

static void test_read_composite(void **state)
{
    struct fx *f = *state;
    uint8_t body[256];
    struct sl_record paths[3] = {
        { sl_path_make(3, 3303, 0, TOBJ_NUM, 0), { .type = SL_TYPE_NONE } },
        { sl_path_make(3, 3, 0, TOBJ_STR, 0), { .type = SL_TYPE_NONE } },
        { sl_path_make(3, 3303, 9, TOBJ_NUM, 0), { .type = SL_TYPE_NONE } }, /* absent: left out */
    };
    size_t n = senml(paths, 3, body, sizeof body);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_FETCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .accept = SL_FMT_SENML_CBOR,
                                   .payload = body, .len = n),
                         &server1),
                     SL_COAP_CONTENT);
    assert_int_equal(f->resp.format, SL_FMT_SENML_CBOR);
    struct sl_senml_cbor_dec dec;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    sl_senml_cbor_dec_init(&dec, &root, f->out, f->resp.len);
    struct sl_record r;
    assert_int_equal(sl_senml_cbor_dec_next(&dec, &r), SL_OK);
    struct sl_path p0 = sl_path_make(3, 3, 0, TOBJ_STR, 0);
    assert_true(sl_path_equal(&r.path, &p0)); /* sorted by path */
    assert_int_equal(r.value.type, SL_TYPE_STRING);
    assert_memory_equal(r.value.v.bytes.ptr, "Sidelink", 8);
    assert_int_equal(sl_senml_cbor_dec_next(&dec, &r), SL_OK);
    struct sl_value v;
    assert_int_equal(sl_value_convert(&r.value, SL_TYPE_INT, &v), SL_OK);
    assert_int_equal(v.v.i, 42);
    assert_int_equal(sl_senml_cbor_dec_next(&dec, &r), SL_ERR_END);
    /* a body with values is not a list of paths */
    struct sl_record val = { sl_path_make(3, 3303, 0, TOBJ_NUM, 0), sl_value_int(1) };
    n = senml(&val, 1, body, sizeof body);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_FETCH, .path = "/",
                                   .format = SL_FMT_SENML_CBOR, .payload = body, .len = n),
                         &server1),
                     SL_COAP_BAD_REQUEST);
}

static void test_write_attributes_and_discover(void **state)
{
    struct fx *f = *state;
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/2",
                                   .query = "pmin=5&gt=30.5&st=1"),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0", .query = "pmax=60"),
                         &server1),
                     SL_COAP_CHANGED);
    /* gt on a string, unknown attribute, lt + 2 st >= gt, repeated, bad number */
    const char *bad_res[] = { "gt=1" };
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/0", .query = bad_res[0]),
                         &server1),
                     SL_COAP_BAD_REQUEST);
    const char *bad[] = { "foo=1", "lt=30", "pmin=1&pmin=2", "pmin=x", "pmin=-1", "st=-2" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/2", .query = bad[k]),
                             &server1),
                         SL_COAP_BAD_REQUEST);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/9", .query = "pmin=1"),
                         &server1),
                     SL_COAP_NOT_FOUND);

    assert_int_equal(run(f, TC_REQ(.path = "/3303/0", .accept = SL_FMT_LINK), &server1),
                     SL_COAP_CONTENT);
    assert_int_equal(f->resp.format, SL_FMT_LINK);
    assert_payload(f, "</3303/0>;pmax=60,</3303/0/0>,</3303/0/1>,</3303/0/2>;pmin=5;gt=30.5;st=1,"
                      "</3303/0/3>;dim=2,</3303/0/4>,</3303/0/6>,</3303/0/7>,</3303/0/8>");
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/3", .accept = SL_FMT_LINK), &server1),
                     SL_COAP_CONTENT);
    assert_payload(f, "</3303/0/3>;dim=2");
    /* "?pmin" removes it; each server has its own attributes */
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/3303/0/2", .query = "pmin"),
                         &server1),
                     SL_COAP_CHANGED);
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/2", .accept = SL_FMT_LINK), &server1),
                     SL_COAP_CONTENT);
    assert_payload(f, "</3303/0/2>;gt=30.5;st=1");
    assert_int_equal(run(f, TC_REQ(.path = "/3303/0/2", .accept = SL_FMT_LINK), &server2),
                     SL_COAP_CONTENT);
    assert_payload(f, "</3303/0/2>");
    /* object level: instances and their resources */
    assert_int_equal(run(f, TC_REQ(.path = "/3", .accept = SL_FMT_LINK), &server1),
                     SL_COAP_CONTENT);
    assert_payload(f, "</3>,</3/0>,</3/0/0>,</3/0/1>,</3/0/2>,</3/0/3>;dim=0,</3/0/4>,</3/0/6>,"
                      "</3/0/7>,</3/0/8>");
    struct sl_attrs eff;
    struct sl_path p = sl_path_make(3, 3303, 0, 2, 0);
    sl_attr_store_effective(&f->dm.attrs, &server1, &p, &eff);
    assert_int_equal(eff.set, SL_ATTR_PMAX | SL_ATTR_GT | SL_ATTR_ST);
    assert_int_equal(eff.pmax, 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registry, setup),
        cmocka_unit_test_setup(test_read_text_and_tlv, setup),
        cmocka_unit_test_setup(test_not_found_and_method, setup),
        cmocka_unit_test_setup(test_write_and_type_errors, setup),
        cmocka_unit_test_setup(test_replace_and_update_multi, setup),
        cmocka_unit_test_setup(test_create_and_delete, setup),
        cmocka_unit_test_setup(test_execute, setup),
        cmocka_unit_test_setup(test_acl_servers, setup),
        cmocka_unit_test_setup(test_acl_clients, setup),
        cmocka_unit_test_setup(test_composite_write_atomic, setup),
        cmocka_unit_test_setup(test_read_composite, setup),
        cmocka_unit_test_setup(test_write_attributes_and_discover, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
