/* Notification attributes without floating point: the core built with
 * config/cortex-m3.h and SL_CONFIG_OBSERVE_ATTRS 1 (tests/CMakeLists.txt),
 * so gt, lt and st are integers (SL_CONFIG_FLOAT 0): a fraction is refused,
 * the lt + 2 * st < gt rule holds over the whole int64 range without
 * overflowing, Discover writes them back, and a change that crosses no
 * threshold is not told. */
#include <string.h>

#include "test_coap.h"
#include "test_platform.h"
#include "test_util.h"

#include "dm/attrs.h"
#include "objects/core_objects.h"
#include "sidelink/engine.h"

#if SL_CONFIG_FLOAT || !SL_CONFIG_OBSERVE_ATTRS
#error "test_m3_attrs needs SL_CONFIG_FLOAT 0 and SL_CONFIG_OBSERVE_ATTRS 1"
#endif

static struct test_platform tp;
static struct sl_engine eng;
static struct sl_core_objects co;
static struct sl_addr server_addr;
static sl_time_ms now;
static uint16_t next_mid;

static void set1(struct sl_store *s, uint16_t iid, uint16_t rid, struct sl_value v)
{
    assert_int_equal(sl_store_set(s, iid, rid, SL_ID_NONE, &v), SL_OK);
}

static int setup(void **state)
{
    (void)state;
    now = 1000;
    next_mid = 0x200;
    struct sl_addr self = tp_addr(1, 5683);
    server_addr = tp_addr(2, 5683);
    tp_init(&tp, 5, &self);
    assert_int_equal(sl_engine_init(&eng, &tp.plat, NULL), SL_OK);
    sl_core_objects_init(&co);
    assert_int_equal(sl_store_add(&co.server, 0, NULL), SL_OK);
    set1(&co.server, 0, SL_SRV_SSID, sl_value_int(1));
    set1(&co.server, 0, SL_SRV_LIFETIME, sl_value_int(300));
    assert_int_equal(sl_engine_add_object(&eng, &co.server.obj), SL_OK);
    struct sl_actor who = { SL_ACTOR_SERVER, 1 };
    assert_true(sl_engine_peer_add(&eng, 0, &server_addr, &who) >= 0);
    sl_engine_step(&eng, now);
    return 0;
}

static struct sl_coap_msg request(struct tc_req r, struct tp_datagram *d)
{
    uint8_t buf[SL_COAP_MAX_MSG];
    struct sl_coap_msg m;
    r.mid = next_mid++;
    size_t len = tc_build(&r, buf, sizeof buf);
    sl_engine_input(&eng, 0, &server_addr, buf, len, now);
    assert_true(tp_pop(&tp, d));
    assert_int_equal(sl_coap_parse(&m, d->data, d->len), SL_OK);
    return m;
}

static uint8_t code_of(struct tc_req r)
{
    struct tp_datagram d;
    return request(r, &d).code;
}

static uint8_t write_attrs(const char *query)
{
    return code_of(TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/1", .query = query));
}

static uint8_t write_lifetime(const char *text)
{
    return code_of(TC_REQ(.code = SL_COAP_PUT, .path = "/1/0/1", .format = SL_FMT_TEXT,
                          .payload = text, .len = strlen(text)));
}

static void test_integer_thresholds(void **state)
{
    (void)state;
    /* integers only */
    assert_int_equal(write_attrs("gt=1.5"), SL_COAP_BAD_REQUEST);
    assert_int_equal(write_attrs("st=-1"), SL_COAP_BAD_REQUEST);
    /* the whole int64 range: gt - lt is 2^64 - 1, more than 2 * st = 2^63 */
    assert_int_equal(write_attrs("lt=-9223372036854775808&gt=9223372036854775807"
                                 "&st=4611686018427387904"),
                     SL_COAP_CHANGED);
    /* 2 * st = 2^64 - 2 still stays below gt - lt; one more on lt does not */
    assert_int_equal(write_attrs("st=9223372036854775807"), SL_COAP_CHANGED);
    assert_int_equal(write_attrs("lt=-9223372036854775807"), SL_COAP_BAD_REQUEST);
    /* Discover gives them back as integers */
    assert_int_equal(write_attrs("lt&st&gt=100"), SL_COAP_CHANGED);
    struct tp_datagram d;
    struct sl_coap_msg m = request(TC_REQ(.path = "/1/0/1", .accept = SL_FMT_LINK), &d);
    assert_int_equal(m.code, SL_COAP_CONTENT);
    const char *want = "</1/0/1>;gt=100";
    assert_int_equal(m.payload_len, strlen(want));
    assert_memory_equal(m.payload, want, m.payload_len);
}

static void test_notify_on_crossing(void **state)
{
    (void)state;
    assert_int_equal(write_attrs("gt=400"), SL_COAP_CHANGED);
    struct tp_datagram d;
    struct sl_coap_msg m = request(TC_REQ(.path = "/1/0/1", .observe = 0), &d);
    assert_int_equal(m.code, SL_COAP_CONTENT);
    /* 300 -> 350: below gt on both sides, not told */
    assert_int_equal(write_lifetime("350"), SL_COAP_CHANGED);
    sl_engine_step(&eng, now);
    assert_int_equal(tp.count, 0);
    /* 350 -> 450 crosses it */
    assert_int_equal(write_lifetime("450"), SL_COAP_CHANGED);
    sl_engine_step(&eng, now);
    assert_true(tp_pop(&tp, &d));
    assert_int_equal(sl_coap_parse(&m, d.data, d.len), SL_OK);
    assert_int_equal(m.payload_len, 3);
    assert_memory_equal(m.payload, "450", 3);
    /* a step of st: 450 -> 455 is too small with st=10, 455 -> 466 is not */
    assert_int_equal(write_attrs("st=10"), SL_COAP_CHANGED);
    assert_int_equal(write_lifetime("455"), SL_COAP_CHANGED);
    sl_engine_step(&eng, now);
    assert_int_equal(tp.count, 0);
    assert_int_equal(write_lifetime("466"), SL_COAP_CHANGED);
    sl_engine_step(&eng, now);
    assert_int_equal(tp.count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_integer_thresholds, setup),
        cmocka_unit_test_setup(test_notify_on_crossing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
