/* Server: bootstrap configurations (srv_bsconfig.c): the canonical form
 * with defaults, errors that name the member, and the request sequence a
 * configuration becomes, down to the TLV bytes of a write. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_internal.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("bad test JSON: %s", e.text);
    return j;
}

static json_t *check(const char *text, char *err, size_t errlen)
{
    json_t *in = J(text);
    json_t *out = srv_bs_config_check(in, err, errlen);
    json_decref(in);
    return out;
}

static void canonical_defaults(void **state)
{
    (void)state;
    char err[256];
    json_t *c = check("{\"servers\":{\"0\":{\"shortId\":7}},"
                      "\"security\":{\"3\":{\"uri\":\"coaps://h:5684\",\"securityMode\":\"PSK\","
                      "\"publicKeyOrId\":\"AB\",\"secretKey\":\"CD\",\"serverId\":7}}}",
                      err, sizeof err);
    if (!c)
        fail_msg("refused: %s", err);
    json_t *want = J("{\"toDelete\":[\"/0\",\"/1\"],\"discover\":false,"
                     "\"servers\":{\"0\":{\"shortId\":7,\"lifetime\":86400,\"notifIfDisabled\":true,"
                     "\"binding\":\"U\"}},"
                     "\"security\":{\"3\":{\"uri\":\"coaps://h:5684\",\"bootstrapServer\":false,"
                     "\"securityMode\":\"PSK\",\"publicKeyOrId\":\"ab\",\"serverPublicKey\":\"\","
                     "\"secretKey\":\"cd\",\"serverId\":7}},\"acls\":{},\"oscore\":{}}");
    assert_true(json_equal(c, want));
    /* canonical in, the same out */
    json_t *again = srv_bs_config_check(c, err, sizeof err);
    assert_non_null(again);
    assert_true(json_equal(again, c));
    json_decref(again);
    json_decref(want);
    json_decref(c);
}

static void errors_name_the_member(void **state)
{
    (void)state;
    static const struct {
        const char *cfg, *err;
    } cases[] = {
        { "[]", "the configuration must be a JSON object" },
        { "{\"x\":1}", "unknown member \"x\"" },
        { "{\"servers\":{\"0\":{}}}", "servers.0.shortId: is required" },
        { "{\"servers\":{\"01\":{\"shortId\":1}}}", "servers: \"01\" is not an instance ID" },
        { "{\"servers\":{\"0\":{\"shortId\":1,\"binding\":\"X\"}}}", "servers.0.binding:" },
        { "{\"security\":{\"0\":{\"uri\":\"coap://h\",\"securityMode\":\"NO_SEC\"}}}",
          "security.0.serverId: is required" },
        { "{\"security\":{\"0\":{\"uri\":\"coaps://h\",\"securityMode\":\"NO_SEC\","
          "\"bootstrapServer\":true}}}",
          "security.0.uri: coaps:// needs a securityMode other than NO_SEC" },
        { "{\"acls\":{\"0\":{\"objectId\":3,\"objectInstanceId\":0,\"acl\":{\"1\":32},"
          "\"aclOwner\":1}}}",
          "acls.0.acl: \"1\": access bits must be an integer 0..31" },
        { "{\"oscore\":{\"0\":{\"masterSecret\":\"\",\"senderId\":\"\",\"recipientId\":\"01\"}}}",
          "oscore.0.masterSecret: must be a hex string of 1..32 bytes" },
        { "{\"toDelete\":[\"/0/0/0\"]}", "toDelete: entry 0" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char err[256] = "";
        json_t *c = check(cases[k].cfg, err, sizeof err);
        if (c || strncmp(err, cases[k].err, strlen(cases[k].err)) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s...\"", k, err, cases[k].err);
    }
}

static void plan_sequence_and_tlv(void **state)
{
    (void)state;
    char err[256];
    json_t *c = check("{\"discover\":true,\"toDelete\":[\"/\",\"/21\"],"
                      "\"servers\":{\"0\":{\"shortId\":7}},"
                      "\"security\":{\"1\":{\"uri\":\"coap://h\",\"securityMode\":\"NO_SEC\","
                      "\"serverId\":7},\"0\":{\"uri\":\"coap://b\",\"securityMode\":\"NO_SEC\","
                      "\"bootstrapServer\":true}},"
                      "\"acls\":{\"0\":{\"objectId\":3,\"objectInstanceId\":0,"
                      "\"acl\":{\"7\":1},\"aclOwner\":7}}}",
                      err, sizeof err);
    if (!c)
        fail_msg("refused: %s", err);
    struct srv_bs_plan p;
    assert_int_equal(srv_bs_plan_build(c, SL_FMT_TLV, &p, err, sizeof err), SL_OK);
    static const char *const want[] = {
        "Bootstrap-Discover /", "Bootstrap-Delete /",  "Bootstrap-Delete /21",
        "Bootstrap-Write /0/0", "Bootstrap-Write /0/1", "Bootstrap-Write /1/0",
        "Bootstrap-Write /2/0", "Bootstrap-Finish",
    };
    assert_int_equal(p.n, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < p.n; k++) {
        char name[64];
        srv_bs_step_name(&p.v[k], name, sizeof name);
        assert_string_equal(name, want[k]);
    }
    assert_int_equal(p.format, SL_FMT_TLV);
    /* /1/0: Short Server ID 7, Lifetime 86400, Notification Storing true,
     * Binding "U" as Resource TLVs */
    static const uint8_t server[] = { 0xC1, 0x00, 0x07, 0xC4, 0x01, 0x00, 0x01, 0x51, 0x80,
                                      0xC1, 0x06, 0x01, 0xC1, 0x07, 'U' };
    assert_int_equal(p.v[5].len, sizeof server);
    assert_memory_equal(p.v[5].payload, server, sizeof server);
    /* /2/0: Object ID 3, Instance 0, ACL {7: 1} as a Multiple Resource,
     * Owner 7 */
    static const uint8_t acl[] = { 0xC1, 0x00, 0x03, 0xC1, 0x01, 0x00, 0x83, 0x02,
                                   0x41, 0x07, 0x01, 0xC1, 0x03, 0x07 };
    assert_int_equal(p.v[6].len, sizeof acl);
    assert_memory_equal(p.v[6].payload, acl, sizeof acl);
    srv_bs_plan_free(&p);
    /* the configuration's own format wins over the client's */
    json_object_set_new(c, "contentFormat", json_string("SENML_CBOR"));
    assert_int_equal(srv_bs_plan_build(c, SL_FMT_TLV, &p, err, sizeof err), SL_OK);
    assert_int_equal(p.format, SL_FMT_SENML_CBOR);
    srv_bs_plan_free(&p);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_defaults),
        cmocka_unit_test(errors_name_the_member),
        cmocka_unit_test(plan_sequence_and_tlv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
