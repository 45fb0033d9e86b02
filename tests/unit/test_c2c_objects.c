/* The C2C account objects 11000, 11001, 11002 (src/objects/c2c_objects.c)
 * in a data model: a server creates a client account in one request each,
 * the Secret Key is write-only, Short Client IDs are unique, clients may
 * not touch any of it, and the stores save and load. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "dm/acl.h"
#include "dm/dm.h"
#include "objects/c2c_objects.h"
#include "objects/core_objects.h"
#include "test_coap.h"
#include "test_records.h"

struct fx {
    struct sl_dm dm;
    struct sl_core_objects co;
    struct sl_c2c_objects c2c;
    uint8_t msgbuf[1024], out[1024], payload[512];
    struct sl_dm_resp resp;
};

static const struct sl_actor server1 = { SL_ACTOR_SERVER, 1 };
static const struct sl_actor client7 = { SL_ACTOR_CLIENT, 7 };
static const uint8_t secret[] = "c2c-secret-0123";

static int setup(void **state)
{
    static struct fx f;
    memset(&f, 0, sizeof f);
    sl_dm_init(&f.dm);
    sl_core_objects_init(&f.co);
    sl_c2c_objects_init(&f.c2c);
    /* one server account: the single-server rule gives it every right */
    assert_int_equal(sl_store_add(&f.co.server, 0, NULL), SL_OK);
    struct sl_value v = sl_value_int(1);
    assert_int_equal(sl_store_set(&f.co.server, 0, SL_SRV_SSID, SL_ID_NONE, &v), SL_OK);
    struct sl_obj *objs[] = { &f.co.security.obj, &f.co.server.obj, &f.co.acl.obj,
                              &f.c2c.security.obj, &f.c2c.client.obj, &f.c2c.acl.obj };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        assert_int_equal(sl_dm_add(&f.dm, objs[k]), SL_OK);
    *state = &f;
    return 0;
}

static uint8_t run(struct fx *f, struct tc_req r, const struct sl_actor *who)
{
    return tc_dm_run(&f->dm, r, who, f->msgbuf, sizeof f->msgbuf, f->out, sizeof f->out,
                     &f->resp);
}

/* Create instance base ("/oid/iid") with the records, as TLV, as `who`. */
static uint8_t create(struct fx *f, const char *base, const struct sl_record *recs, size_t n,
                      const struct sl_actor *who)
{
    /* encoded under the object, so the payload names the instance */
    char obj[8];
    size_t k = 1;
    while (base[k] && base[k] != '/')
        k++;
    memcpy(obj, base, k);
    obj[k] = 0;
    size_t len = tr_encode(SL_FMT_TLV, obj, recs, n, f->payload, sizeof f->payload);
    return run(f, TC_REQ(.code = SL_COAP_POST, .path = obj, .format = SL_FMT_TLV,
                         .payload = f->payload, .len = len),
               who);
}

static uint8_t create_account(struct fx *f, uint16_t iid, int64_t scid, const char *ep)
{
    char base[16];
    snprintf(base, sizeof base, "/11000/%u", iid);
    char p[5][24];
    snprintf(p[0], sizeof p[0], "%s/2", base);
    snprintf(p[1], sizeof p[1], "%s/3", base);
    snprintf(p[2], sizeof p[2], "%s/5", base);
    snprintf(p[3], sizeof p[3], "%s/10", base);
    const struct sl_record sec[] = {
        tr_rec(p[0], sl_value_int(SL_SEC_MODE_PSK)),
        tr_rec(p[1], tr_v_bytes(SL_TYPE_OPAQUE, "peer-id", 7)),
        tr_rec(p[2], tr_v_bytes(SL_TYPE_OPAQUE, secret, sizeof secret - 1)),
        tr_rec(p[3], sl_value_int(scid)),
    };
    uint8_t code = create(f, base, sec, 4, &server1);
    if (code != SL_COAP_CREATED)
        return code;
    snprintf(base, sizeof base, "/11001/%u", iid);
    snprintf(p[0], sizeof p[0], "%s/0", base);
    snprintf(p[1], sizeof p[1], "%s/1", base);
    snprintf(p[2], sizeof p[2], "%s/9", base);
    const struct sl_record cli[] = {
        tr_rec(p[0], sl_value_int(scid)),
        tr_rec(p[1], sl_value_int(3600)),
        tr_rec(p[2], tr_v_str(ep)),
    };
    return create(f, base, cli, 3, &server1);
}

static void server_creates_an_account(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create_account(f, 0, 7, "switch"), SL_COAP_CREATED);
    assert_int_equal(sl_c2c_security_of(&f->c2c, 7), 0);
    assert_int_equal(sl_c2c_client_of(&f->c2c, 7), 0);
    assert_int_equal(sl_c2c_client_of(&f->c2c, 8), -1);
    char ep[16];
    assert_int_equal(sl_store_str(&f->c2c.client, 0, SL_CLI_ENDPOINT, ep, sizeof ep), 6);
    assert_string_equal(ep, "switch");
    /* the key is stored, and nobody reads it back */
    const struct sl_client_security_inst *si = sl_store_get(&f->c2c.security, 0);
    assert_non_null(si);
    assert_int_equal(si->secret_key.len, sizeof secret - 1);
    assert_memory_equal(si->secret_key.data, secret, sizeof secret - 1);
    assert_int_equal(run(f, TC_REQ(.path = "/11000/0/5"), &server1), SL_COAP_METHOD_NOT_ALLOWED);
    assert_int_equal(run(f, TC_REQ(.path = "/11000/0", .accept = SL_FMT_TLV), &server1),
                     SL_COAP_CONTENT);
    for (size_t k = 0; k + sizeof secret - 1 <= f->resp.len; k++)
        assert_true(memcmp(f->out + k, secret, sizeof secret - 1) != 0);
    assert_true(f->resp.len > 0);
}

static void short_client_ids_are_unique(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create_account(f, 0, 7, "switch"), SL_COAP_CREATED);
    /* another 11000 instance with SCID 7: refused, nothing made */
    assert_int_not_equal(create_account(f, 1, 7, "other"), SL_COAP_CREATED);
    assert_null(sl_store_get(&f->c2c.security, 1));
    assert_int_equal(create_account(f, 1, 8, "other"), SL_COAP_CREATED);
    /* a write that would give instance 1 the SCID of instance 0 */
    assert_int_not_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/11001/1/0",
                                       .format = SL_FMT_TEXT, .payload = "7", .len = 1),
                             &server1),
                         SL_COAP_CHANGED);
    assert_int_equal(sl_store_int(&f->c2c.client, 1, SL_CLI_SCID, -1), 8);
}

static void clients_may_not_touch_accounts(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create_account(f, 0, 7, "switch"), SL_COAP_CREATED);
    /* even with an ACL entry granting everything on 11001 */
    struct sl_c2c_objects *c = &f->c2c;
    assert_int_equal(sl_store_add(&c->acl, 0, NULL), SL_OK);
    struct sl_value v = sl_value_int(SL_OID_CLIENT);
    assert_int_equal(sl_store_set(&c->acl, 0, SL_ACO_RES_OID, SL_ID_NONE, &v), SL_OK);
    v = sl_value_int(0);
    assert_int_equal(sl_store_set(&c->acl, 0, SL_ACO_RES_IID, SL_ID_NONE, &v), SL_OK);
    v = sl_value_int(SL_ACL_ALL);
    assert_int_equal(sl_store_set(&c->acl, 0, SL_ACO_RES_ACL, 7, &v), SL_OK);
    v = sl_value_int(1);
    assert_int_equal(sl_store_set(&c->acl, 0, SL_ACO_RES_OWNER, SL_ID_NONE, &v), SL_OK);
    static const char *const paths[] = { "/11000/0", "/11001/0", "/11002/0", "/11001/0/1" };
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++)
        assert_int_equal(run(f, TC_REQ(.path = paths[k], .accept = SL_FMT_TLV), &client7),
                         SL_COAP_UNAUTHORIZED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_PUT, .path = "/11001/0/1",
                                   .format = SL_FMT_TEXT, .payload = "0", .len = 1),
                         &client7),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(run(f, TC_REQ(.code = SL_COAP_DELETE, .path = "/11000/0"), &client7),
                     SL_COAP_UNAUTHORIZED);
    assert_int_equal(sl_store_int(&c->client, 0, SL_CLI_LIFETIME, -1), 3600);
}

static void stores_save_and_load(void **state)
{
    struct fx *f = *state;
    assert_int_equal(create_account(f, 2, 9, "lamp"), SL_COAP_CREATED);
    assert_int_equal(sl_c2c_security_of(&f->c2c, 9), 2);
    uint8_t buf[1024];
    struct sl_wbuf w;
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_store_save(&f->c2c.security, &w), SL_OK);
    static struct sl_c2c_objects back;
    sl_c2c_objects_init(&back);
    assert_int_equal(sl_store_load(&back.security, buf, w.len), SL_OK);
    assert_int_equal(sl_c2c_security_of(&back, 9), 2);
    const struct sl_client_security_inst *si = sl_store_get(&back.security, 2);
    assert_non_null(si);
    assert_memory_equal(si->secret_key.data, secret, sizeof secret - 1);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_store_save(&f->c2c.client, &w), SL_OK);
    assert_int_equal(sl_store_load(&back.client, buf, w.len), SL_OK);
    assert_int_equal(sl_c2c_client_of(&back, 9), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(server_creates_an_account, setup),
        cmocka_unit_test_setup(short_client_ids_are_unique, setup),
        cmocka_unit_test_setup(clients_may_not_touch_accounts, setup),
        cmocka_unit_test_setup(stores_save_and_load, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
