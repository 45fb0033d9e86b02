/* CoAP message layer (RFC 7252 section 4) with a fake clock: the derived
 * times of 4.8.2, the initial timeout and exponential back-off of 4.2 to the
 * millisecond, give-up after MAX_RETRANSMIT, NSTART, the CON pool, and
 * message-ID deduplication (4.5) with its lifetime and eviction. */
#include "test_util.h"

#include <string.h>

#include "coap/coap_exchange.h"

static struct sl_coap_ml ml;

static const uint8_t msg[] = { 0x44, 0x01, 0x12, 0x34, 1, 2, 3, 4, 0xb1, '3' };

static struct sl_coap_tx *start(uint8_t peer, uint16_t mid, uint32_t rnd, sl_time_ms now)
{
    struct sl_coap_tx *tx = NULL;
    assert_int_equal(sl_coap_tx_start(&ml, peer, SL_TX_REQUEST, 7, mid, msg, sizeof msg, rnd, now,
                                      &tx),
                     SL_OK);
    assert_non_null(tx);
    return tx;
}

/* ---- RFC 7252 4.8.2 ------------------------------------------------------ */

static void test_derived_times(void **state)
{
    (void)state;
    struct sl_coap_params p;
    sl_coap_params_default(&p);
    assert_int_equal(p.ack_timeout_ms, 2000);
    assert_int_equal(p.ack_random_factor_milli, 1500);
    assert_int_equal(p.max_retransmit, 4);
    assert_int_equal(p.nstart, 1);
    assert_int_equal(sl_coap_max_transmit_span_ms(&p), 45000);
    assert_int_equal(sl_coap_max_transmit_wait_ms(&p), 93000);
    assert_int_equal(sl_coap_exchange_lifetime_ms(&p), 247000);
    assert_int_equal(sl_coap_non_lifetime_ms(&p), 145000);

    /* the formulas, not the constants: ACK_TIMEOUT 1 s, MAX_RETRANSMIT 2 */
    p.ack_timeout_ms = 1000;
    p.max_retransmit = 2;
    assert_int_equal(sl_coap_max_transmit_span_ms(&p), 4500);   /* 1 * 3 * 1.5 */
    assert_int_equal(sl_coap_max_transmit_wait_ms(&p), 10500);  /* 1 * 7 * 1.5 */
    assert_int_equal(sl_coap_exchange_lifetime_ms(&p), 205500); /* + 200 + 1 */
    assert_int_equal(sl_coap_non_lifetime_ms(&p), 104500);      /* + 100 */
    p.ack_random_factor_milli = 2000;
    assert_int_equal(sl_coap_max_transmit_span_ms(&p), 6000);
}

/* ---- initial timeout and back-off --------------------------------------- */

static void test_initial_timeout(void **state)
{
    (void)state;
    static const struct {
        uint32_t rnd;
        uint32_t want;
    } cases[] = {
        { 0, 2000 },
        { 1, 2001 },
        { 1000, 3000 },
        { 1001, 2000 },
        { UINT32_MAX, 2000 + (UINT32_MAX % 1001) },
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        sl_coap_ml_init(&ml, NULL);
        struct sl_coap_tx *tx = start(1, 0x1234, cases[t].rnd, 5000);
        assert_int_equal(tx->timeout_ms, cases[t].want);
        assert_true(tx->timeout_ms >= 2000 && tx->timeout_ms <= 3000);
        assert_int_equal(tx->due, 5000 + cases[t].want);
        assert_int_equal(sl_coap_tx_next_due(&ml), 5000 + cases[t].want);
        assert_int_equal(tx->retries, 0);
        assert_int_equal(tx->len, sizeof msg);
        assert_memory_equal(tx->buf, msg, sizeof msg);
        assert_int_equal(tx->kind, SL_TX_REQUEST);
        assert_int_equal(tx->owner, 7);
    }
    /* every value of [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] is reachable */
    bool seen[1001] = { false };
    for (uint32_t r = 0; r < 1001; r++) {
        sl_coap_ml_init(&ml, NULL);
        struct sl_coap_tx *tx = start(1, 1, r * 7919u, 0);
        assert_true(tx->timeout_ms >= 2000 && tx->timeout_ms <= 3000);
        seen[tx->timeout_ms - 2000] = true;
    }
    for (unsigned k = 0; k <= 1000; k++)
        assert_true(seen[k]);

    /* ACK_RANDOM_FACTOR 1: no spread at all */
    struct sl_coap_params p;
    sl_coap_params_default(&p);
    p.ack_random_factor_milli = 1000;
    sl_coap_ml_init(&ml, &p);
    assert_int_equal(start(1, 1, UINT32_MAX, 0)->timeout_ms, 2000);
}

/* Poll at exactly `t`: one retransmission (or give-up) of the only slot. */
static struct sl_coap_tx *poll_one(sl_time_ms t, bool *gave_up)
{
    struct sl_coap_tx *tx = sl_coap_tx_poll(&ml, t, gave_up);
    assert_non_null(tx);
    bool again;
    if (!*gave_up)
        assert_null(sl_coap_tx_poll(&ml, t, &again)); /* once per due time */
    return tx;
}

/* RFC 7252 4.2: retransmit after T, then the timeout doubles: at t0 + T,
 * + 3T, + 7T, + 15T; MAX_RETRANSMIT = 4 retransmissions, then the 5th
 * timeout (16T) running out at t0 + 31T gives up. */
static void check_timeline(uint32_t rnd, uint32_t T)
{
    sl_coap_ml_init(&ml, NULL);
    const sl_time_ms t0 = 100000;
    struct sl_coap_tx *tx = start(3, 0x0777, rnd, t0);
    assert_int_equal(tx->timeout_ms, T);
    static const unsigned at[] = { 1, 3, 7, 15 };
    bool gave_up = true;
    for (unsigned k = 0; k < 4; k++) {
        sl_time_ms due = t0 + (sl_time_ms)at[k] * T;
        assert_int_equal(sl_coap_tx_next_due(&ml), due);
        assert_null(sl_coap_tx_poll(&ml, due - 1, &gave_up));
        assert_ptr_equal(poll_one(due, &gave_up), tx);
        assert_false(gave_up);
        assert_int_equal(tx->retries, k + 1);
        assert_int_equal(tx->timeout_ms, T << (k + 1));
        assert_int_equal(tx->due, t0 + (sl_time_ms)(2 * at[k] + 1) * T);
        assert_memory_equal(tx->buf, msg, sizeof msg); /* resent as is */
    }
    sl_time_ms give_up = t0 + 31ull * T;
    assert_int_equal(sl_coap_tx_next_due(&ml), give_up);
    assert_null(sl_coap_tx_poll(&ml, give_up - 1, &gave_up));
    assert_ptr_equal(poll_one(give_up, &gave_up), tx);
    assert_true(gave_up);
    assert_int_equal(tx->retries, 4); /* no fifth retransmission */
    sl_coap_tx_release(tx);
    assert_int_equal(sl_coap_tx_next_due(&ml), UINT64_MAX);
    assert_null(sl_coap_tx_poll(&ml, give_up + 1000000, &gave_up));
    assert_int_equal(sl_coap_tx_outstanding(&ml, 3), 0);
}

static void test_retransmit_timeline(void **state)
{
    (void)state;
    check_timeline(0, 2000);
    check_timeline(1, 2001);
    check_timeline(500, 2500);
    check_timeline(UINT32_MAX, 2000 + UINT32_MAX % 1001);
    /* with the largest initial timeout the last retransmission is at
     * MAX_TRANSMIT_SPAN and the give-up at MAX_TRANSMIT_WAIT */
    check_timeline(1000, 3000);
    struct sl_coap_params p;
    sl_coap_params_default(&p);
    assert_int_equal(15u * 3000u, sl_coap_max_transmit_span_ms(&p));
    assert_int_equal(31u * 3000u, sl_coap_max_transmit_wait_ms(&p));
}

static void test_gave_up_slot_not_polled_again(void **state)
{
    (void)state;
    struct sl_coap_params p;
    sl_coap_params_default(&p);
    p.max_retransmit = 0; /* give up at the first timeout */
    sl_coap_ml_init(&ml, &p);
    struct sl_coap_tx *tx = start(1, 5, 0, 0);
    bool gave_up = false;
    assert_ptr_equal(sl_coap_tx_poll(&ml, 2000, &gave_up), tx);
    assert_true(gave_up);
    /* not released yet: it is no longer due */
    assert_null(sl_coap_tx_poll(&ml, 2000, &gave_up));
    assert_null(sl_coap_tx_poll(&ml, 1000000, &gave_up));
    sl_coap_tx_release(tx);

    /* custom parameters: ACK_TIMEOUT 1 s, MAX_RETRANSMIT 2 */
    p.ack_timeout_ms = 1000;
    p.ack_random_factor_milli = 1000;
    p.max_retransmit = 2;
    sl_coap_ml_init(&ml, &p);
    tx = start(1, 6, 12345, 0);
    assert_ptr_equal(sl_coap_tx_poll(&ml, 1000, &gave_up), tx);
    assert_false(gave_up);
    assert_ptr_equal(sl_coap_tx_poll(&ml, 3000, &gave_up), tx);
    assert_false(gave_up);
    assert_null(sl_coap_tx_poll(&ml, 6999, &gave_up));
    assert_ptr_equal(sl_coap_tx_poll(&ml, 7000, &gave_up), tx);
    assert_true(gave_up);
}

static void test_several_due(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    struct sl_coap_tx *a = start(1, 10, 0, 0);    /* due 2000 */
    struct sl_coap_tx *b = start(2, 11, 500, 0);  /* due 2500 */
    struct sl_coap_tx *c = start(3, 12, 0, 1000); /* due 3000 */
    assert_int_equal(sl_coap_tx_next_due(&ml), 2000);
    bool gave_up;
    /* a late poll serves everything due, each once */
    bool got_a = false, got_b = false;
    struct sl_coap_tx *tx;
    while ((tx = sl_coap_tx_poll(&ml, 2600, &gave_up)) != NULL) {
        assert_false(gave_up);
        if (tx == a) {
            assert_false(got_a);
            got_a = true;
        } else if (tx == b) {
            assert_false(got_b);
            got_b = true;
        } else {
            fail_msg("a slot that is not due was polled");
        }
    }
    assert_true(got_a && got_b);
    assert_int_equal(c->retries, 0);
    assert_int_equal(sl_coap_tx_next_due(&ml), 3000);
    assert_ptr_equal(sl_coap_tx_poll(&ml, 3000, &gave_up), c);
}

/* ---- NSTART, pool, match ------------------------------------------------- */

static void test_nstart(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    struct sl_coap_tx *tx = NULL;
    start(1, 100, 0, 0);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 1), 1);
    assert_int_equal(sl_coap_tx_start(&ml, 1, SL_TX_NOTIFY, 0, 101, msg, sizeof msg, 0, 0, &tx),
                     SL_ERR_BUSY);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 1), 1);
    /* another peer is independent */
    start(2, 100, 0, 0);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 2), 1);
    /* once the first is acknowledged the peer is free again */
    struct sl_coap_tx *m = sl_coap_tx_match(&ml, 1, 100);
    assert_non_null(m);
    sl_coap_tx_release(m);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 1), 0);
    assert_int_equal(sl_coap_tx_start(&ml, 1, SL_TX_NOTIFY, 3, 101, msg, sizeof msg, 0, 0, &tx),
                     SL_OK);
    assert_int_equal(tx->kind, SL_TX_NOTIFY);
    assert_int_equal(tx->owner, 3);

    /* NSTART 0 means 1; NSTART 2 allows two */
    struct sl_coap_params p;
    sl_coap_params_default(&p);
    p.nstart = 0;
    sl_coap_ml_init(&ml, &p);
    assert_int_equal(ml.params.nstart, 1);
    start(1, 1, 0, 0);
    assert_int_equal(sl_coap_tx_start(&ml, 1, SL_TX_REQUEST, 0, 2, msg, sizeof msg, 0, 0, NULL),
                     SL_ERR_BUSY);
    p.nstart = 2;
    sl_coap_ml_init(&ml, &p);
    start(1, 1, 0, 0);
    start(1, 2, 0, 0);
    assert_int_equal(sl_coap_tx_start(&ml, 1, SL_TX_REQUEST, 0, 3, msg, sizeof msg, 0, 0, NULL),
                     SL_ERR_BUSY);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 1), 2);
}

static void test_pool_full(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++)
        start((uint8_t)k, (uint16_t)k, 0, 0);
    assert_int_equal(sl_coap_tx_start(&ml, SL_MAX_CON_TX, SL_TX_REQUEST, 0, 99, msg, sizeof msg, 0,
                                      0, NULL),
                     SL_ERR_NOMEM);
    /* a busy peer is BUSY even with the pool full */
    assert_int_equal(sl_coap_tx_start(&ml, 0, SL_TX_REQUEST, 0, 99, msg, sizeof msg, 0, 0, NULL),
                     SL_ERR_BUSY);
    sl_coap_tx_release(sl_coap_tx_match(&ml, 2, 2));
    struct sl_coap_tx *tx = start(SL_MAX_CON_TX, 99, 0, 10);
    assert_ptr_equal(tx, &ml.tx[2]); /* the freed slot */
}

static void test_message_too_large(void **state)
{
    (void)state;
    static uint8_t big[SL_COAP_MAX_MSG + 1];
    memset(big, 0x5a, sizeof big);
    sl_coap_ml_init(&ml, NULL);
    struct sl_coap_tx *tx = NULL;
    assert_int_equal(sl_coap_tx_start(&ml, 1, SL_TX_REQUEST, 0, 1, big, sizeof big, 0, 0, &tx),
                     SL_ERR_OVERFLOW);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 1), 0);
    assert_int_equal(sl_coap_tx_start(&ml, 1, SL_TX_REQUEST, 0, 1, big, SL_COAP_MAX_MSG, 0, 0, &tx),
                     SL_OK);
    assert_int_equal(tx->len, SL_COAP_MAX_MSG);
    assert_memory_equal(tx->buf, big, SL_COAP_MAX_MSG);
}

static void test_match_release(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    struct sl_coap_tx *a = start(1, 0x1000, 0, 0);
    struct sl_coap_tx *b = start(2, 0x1000, 0, 0);
    assert_ptr_equal(sl_coap_tx_match(&ml, 1, 0x1000), a);
    assert_ptr_equal(sl_coap_tx_match(&ml, 2, 0x1000), b);
    assert_null(sl_coap_tx_match(&ml, 1, 0x1001)); /* other MID */
    assert_null(sl_coap_tx_match(&ml, 3, 0x1000)); /* other peer */
    sl_coap_tx_release(a);
    assert_null(sl_coap_tx_match(&ml, 1, 0x1000)); /* a late duplicate ACK finds nothing */
    assert_ptr_equal(sl_coap_tx_match(&ml, 2, 0x1000), b);
    assert_int_equal(sl_coap_tx_next_due(&ml), 2000);
    sl_coap_tx_release(b);
    assert_int_equal(sl_coap_tx_next_due(&ml), UINT64_MAX);
    bool gave_up;
    assert_null(sl_coap_tx_poll(&ml, 10000000, &gave_up)); /* released slots never fire */
}

static void test_forget_peer(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    start(1, 10, 0, 0);
    start(2, 10, 0, 0);
    assert_non_null(sl_coap_dedup_add(&ml, 1, 77, 247000, 0));
    assert_non_null(sl_coap_dedup_add(&ml, 2, 77, 247000, 0));
    sl_coap_ml_forget_peer(&ml, 1);
    assert_int_equal(sl_coap_tx_outstanding(&ml, 1), 0);
    assert_null(sl_coap_tx_match(&ml, 1, 10));
    assert_null(sl_coap_dedup_find(&ml, 1, 77, 1));
    assert_int_equal(sl_coap_tx_outstanding(&ml, 2), 1);
    assert_non_null(sl_coap_tx_match(&ml, 2, 10));
    assert_non_null(sl_coap_dedup_find(&ml, 2, 77, 1));
    /* the peer may start again at once */
    start(1, 11, 0, 5);
}

/* ---- deduplication ------------------------------------------------------- */

static void test_dedup_add_find(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    const uint32_t life = sl_coap_exchange_lifetime_ms(&ml.params);
    assert_null(sl_coap_dedup_find(&ml, 1, 0x2222, 1000));
    struct sl_coap_dedup *d = sl_coap_dedup_add(&ml, 1, 0x2222, life, 1000);
    assert_non_null(d);
    assert_false(d->has_reply);
    assert_int_equal(d->peer, 1);
    assert_int_equal(d->mid, 0x2222);
    assert_int_equal(d->expires, 1000 + 247000);
    /* the caller stores the reply; a duplicate finds it */
    memcpy(d->reply, "\x60\x45\x22\x22", 4);
    d->reply_len = 4;
    d->has_reply = true;
    struct sl_coap_dedup *hit = sl_coap_dedup_find(&ml, 1, 0x2222, 1000);
    assert_ptr_equal(hit, d);
    assert_true(hit->has_reply);
    assert_hex_equal("60452222", hit->reply, hit->reply_len);
    /* other MID, other peer: no hit */
    assert_null(sl_coap_dedup_find(&ml, 1, 0x2223, 1000));
    assert_null(sl_coap_dedup_find(&ml, 2, 0x2222, 1000));
    /* remembered for exactly EXCHANGE_LIFETIME */
    assert_ptr_equal(sl_coap_dedup_find(&ml, 1, 0x2222, 1000 + life - 1), d);
    assert_null(sl_coap_dedup_find(&ml, 1, 0x2222, 1000 + life));
    assert_null(sl_coap_dedup_find(&ml, 1, 0x2222, 1000 + life - 1)); /* gone for good */
    assert_false(d->used);

    /* NON_LIFETIME for a NON */
    const uint32_t non = sl_coap_non_lifetime_ms(&ml.params);
    d = sl_coap_dedup_add(&ml, 1, 5, non, 0);
    assert_int_equal(d->expires, 145000);
    assert_non_null(sl_coap_dedup_find(&ml, 1, 5, 144999));
    assert_null(sl_coap_dedup_find(&ml, 1, 5, 145000));
}

static void test_dedup_per_peer(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    struct sl_coap_dedup *d[4];
    for (uint8_t p = 0; p < 4; p++) {
        d[p] = sl_coap_dedup_add(&ml, p, 0x0101, 247000, 0);
        assert_non_null(d[p]);
        d[p]->reply[0] = (uint8_t)(0xa0 + p);
        d[p]->reply_len = 1;
        d[p]->has_reply = true;
    }
    for (uint8_t p = 0; p < 4; p++) {
        struct sl_coap_dedup *hit = sl_coap_dedup_find(&ml, p, 0x0101, 10);
        assert_ptr_equal(hit, d[p]);
        assert_int_equal(hit->reply[0], 0xa0 + p);
    }
    assert_null(sl_coap_dedup_find(&ml, 4, 0x0101, 10));
}

static void test_dedup_eviction(void **state)
{
    (void)state;
    sl_coap_ml_init(&ml, NULL);
    /* fill the pool; entry 3 is the one closest to expiry */
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++) {
        uint32_t life = k == 3 ? 50000 : 100000 + k * 1000;
        assert_non_null(sl_coap_dedup_add(&ml, 1, (uint16_t)(100 + k), life, 0));
    }
    struct sl_coap_dedup *n = sl_coap_dedup_add(&ml, 1, 999, 247000, 10);
    assert_non_null(n);
    assert_ptr_equal(n, &ml.dedup[3]);
    assert_null(sl_coap_dedup_find(&ml, 1, 103, 20)); /* evicted */
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++)
        if (k != 3)
            assert_non_null(sl_coap_dedup_find(&ml, 1, (uint16_t)(100 + k), 20));
    assert_ptr_equal(sl_coap_dedup_find(&ml, 1, 999, 20), n);

    /* next: the soonest is now entry 0 (expires 100000) */
    n = sl_coap_dedup_add(&ml, 2, 1000, 247000, 30);
    assert_ptr_equal(n, &ml.dedup[0]);
    assert_null(sl_coap_dedup_find(&ml, 1, 100, 40));

    /* an expired entry is reused before any live one is evicted */
    sl_coap_ml_init(&ml, NULL);
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++)
        sl_coap_dedup_add(&ml, 1, (uint16_t)k, k == 5 ? 1000 : 200000 - k, 0);
    n = sl_coap_dedup_add(&ml, 1, 77, 247000, 1000); /* entry 5 expired at 1000 */
    assert_ptr_equal(n, &ml.dedup[5]);
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++)
        if (k != 5)
            assert_non_null(sl_coap_dedup_find(&ml, 1, (uint16_t)k, 1000));
    /* a reused slot starts without a reply */
    assert_false(n->has_reply);
    assert_int_equal(n->reply_len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_times),
        cmocka_unit_test(test_initial_timeout),
        cmocka_unit_test(test_retransmit_timeline),
        cmocka_unit_test(test_gave_up_slot_not_polled_again),
        cmocka_unit_test(test_several_due),
        cmocka_unit_test(test_nstart),
        cmocka_unit_test(test_pool_full),
        cmocka_unit_test(test_message_too_large),
        cmocka_unit_test(test_match_release),
        cmocka_unit_test(test_forget_peer),
        cmocka_unit_test(test_dedup_add_find),
        cmocka_unit_test(test_dedup_per_peer),
        cmocka_unit_test(test_dedup_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
