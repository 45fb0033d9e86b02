/* Server: Register/Update query and link payload parsing. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_regparse.h"

/* Build and parse a POST /rd with the given queries. */
static sl_err parse_queries(const char *const *q, size_t n, bool update, struct srv_reg_query *out,
                            char *err, size_t errlen)
{
    static uint8_t buf[1024];
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_POST, 1, (const uint8_t *)"t", 1);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "rd", 2);
    for (size_t k = 0; k < n; k++)
        sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, q[k], strlen(q[k]));
    size_t len;
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    struct sl_coap_msg m;
    assert_int_equal(sl_coap_parse(&m, buf, len), SL_OK);
    return srv_reg_query_parse(&m, update, out, err, errlen);
}

#define Q(...) ((const char *const[]){ __VA_ARGS__ }), (sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void register_query(void **state)
{
    (void)state;
    struct srv_reg_query q;
    char err[128];
    assert_int_equal(parse_queries(Q("ep=dev1", "lt=300", "lwm2m=1.1", "b=UQ",
                                     "c2c=coaps://[::1]:5690", "c2c=coap://127.0.0.1:5691", "foo=bar"),
                                   false, &q, err, sizeof err),
                     SL_OK);
    assert_string_equal(q.ep, "dev1");
    assert_int_equal(q.lifetime, 300);
    assert_string_equal(q.version, "1.1");
    assert_string_equal(q.binding, "UQ");
    assert_int_equal(q.c2c_n, 2);
    assert_string_equal(q.c2c[0], "coaps://[::1]:5690");
    assert_string_equal(q.c2c[1], "coap://127.0.0.1:5691");

    /* defaults */
    assert_int_equal(parse_queries(Q("ep=x"), false, &q, err, sizeof err), SL_OK);
    assert_int_equal(q.lifetime, 86400);
    assert_string_equal(q.version, "1.0");
    assert_string_equal(q.binding, "U");
    assert_int_equal(q.c2c_n, 0);

    /* a 64-byte endpoint is fine */
    char ep64[80] = "ep=";
    memset(ep64 + 3, 'a', 64);
    ep64[67] = 0;
    assert_int_equal(parse_queries(Q(ep64), false, &q, err, sizeof err), SL_OK);
    assert_int_equal(strlen(q.ep), 64);
}

static void expect_bad(const char *const *qs, size_t n, bool update, sl_err want, const char *part)
{
    struct srv_reg_query q;
    char err[128] = "";
    sl_err e = parse_queries(qs, n, update, &q, err, sizeof err);
    if (e != want || !strstr(err, part))
        fail_msg("%s...: got %d \"%s\", want %d \"%s\"", qs[0], e, err, want, part);
}

static void bad_queries(void **state)
{
    (void)state;
    char ep65[80] = "ep=";
    memset(ep65 + 3, 'a', 65);
    ep65[68] = 0;
    expect_bad(Q("lt=60"), false, SL_ERR_INVALID, "needs ep");
    expect_bad(Q(ep65), false, SL_ERR_INVALID, "ep must be");
    expect_bad(Q("ep="), false, SL_ERR_INVALID, "ep must be");
    expect_bad(Q("ep=a/b"), false, SL_ERR_INVALID, "ep must be");
    expect_bad(Q("ep=a\nb"), false, SL_ERR_INVALID, "ep must be");
    expect_bad(Q("ep=a", "ep=b"), false, SL_ERR_INVALID, "twice");
    expect_bad(Q("ep=a", "lt=abc"), false, SL_ERR_INVALID, "lt must be");
    expect_bad(Q("ep=a", "lt=0"), false, SL_ERR_INVALID, "lt must be");
    expect_bad(Q("ep=a", "lt=-5"), false, SL_ERR_INVALID, "lt must be");
    expect_bad(Q("ep=a", "lt=4294967296"), false, SL_ERR_INVALID, "lt must be");
    expect_bad(Q("ep=a", "lt"), false, SL_ERR_INVALID, "lt must be");
    expect_bad(Q("ep=a", "lwm2m=2.0"), false, SL_ERR_UNSUPPORTED, "not supported");
    expect_bad(Q("ep=a", "b=X"), false, SL_ERR_INVALID, "binding");
    expect_bad(Q("ep=a", "c2c=http://x"), false, SL_ERR_INVALID, "c2c");
    expect_bad(Q("ep=a", "c2c=coaps://"), false, SL_ERR_INVALID, "c2c");
    expect_bad(Q("ep=a", "Q=1"), false, SL_ERR_INVALID, "Q");
    expect_bad(Q("ep=a"), true, SL_ERR_INVALID, "Update");
    expect_bad(Q("lwm2m=1.1"), true, SL_ERR_INVALID, "Update");
}

static void update_query(void **state)
{
    (void)state;
    struct srv_reg_query q;
    char err[128];
    assert_int_equal(parse_queries(Q("lt=60"), true, &q, err, sizeof err), SL_OK);
    assert_true(q.has_lt);
    assert_int_equal(q.lifetime, 60);
    assert_false(q.has_binding);
    assert_int_equal(parse_queries(NULL, 0, true, &q, err, sizeof err), SL_OK);
    assert_false(q.has_lt);
}

static void links(void **state)
{
    (void)state;
    struct srv_links l;
    char err[128];
    const char *p = "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>,</3303/1>";
    assert_int_equal(srv_links_parse((const uint8_t *)p, strlen(p), &l, err, sizeof err), SL_OK);
    assert_string_equal(l.root, "/");
    assert_int_equal(l.n, 5);
    assert_int_equal(l.v[0].path.len, 2);
    assert_int_equal(l.v[0].path.id[0], 1);
    assert_int_equal(l.v[2].path.len, 1);
    assert_int_equal(l.v[2].path.id[0], 3303);
    assert_string_equal(l.v[2].ver, "1.1");
    assert_string_equal(l.v[3].ver, "");
    srv_links_free(&l);

    /* an alternate root path prefixes the links */
    p = "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>,</lwm2m/3/0>";
    assert_int_equal(srv_links_parse((const uint8_t *)p, strlen(p), &l, err, sizeof err), SL_OK);
    assert_string_equal(l.root, "/lwm2m");
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[1].path.id[0], 3);
    srv_links_free(&l);

    /* empty payload: no objects */
    assert_int_equal(srv_links_parse(NULL, 0, &l, err, sizeof err), SL_OK);
    assert_int_equal(l.n, 0);
    srv_links_free(&l);

    const char *bad[] = { "</3/0/1>", "<3/0>", "</3/0>,", "</a>", "</3/0>;ver=x", "</1/0>,</x>;rt=\"oma.lwm2m\"",
                          "</lwm2m>;rt=\"oma.lwm2m\",</1/0>", "</70000>", "garbage" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = 0;
        sl_err e = srv_links_parse((const uint8_t *)bad[k], strlen(bad[k]), &l, err, sizeof err);
        if (e != SL_ERR_INVALID || err[0] == 0)
            fail_msg("%s: got %d \"%s\"", bad[k], e, err);
        assert_null(l.v);
    }
}

static void links_json(void **state)
{
    (void)state;
    const char *p = "</>;rt=\"oma.lwm2m\";ct=11543,</3/0>,</3303>;ver=1.1;obs";
    json_t *j = srv_links_to_json((const uint8_t *)p, strlen(p));
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "[{\"attributes\":{\"ct\":\"11543\",\"rt\":\"oma.lwm2m\"},\"url\":\"/\"},"
                           "{\"attributes\":{},\"url\":\"/3/0\"},"
                           "{\"attributes\":{\"obs\":null,\"ver\":\"1.1\"},\"url\":\"/3303\"}]");
    free(s);
    json_decref(j);
    assert_null(srv_links_to_json((const uint8_t *)"<bad", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_query), cmocka_unit_test(bad_queries),
        cmocka_unit_test(update_query),   cmocka_unit_test(links),
        cmocka_unit_test(links_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
