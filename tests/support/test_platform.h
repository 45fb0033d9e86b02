/* A fake platform for engine tests: sends are captured in a queue that a
 * test reads or that test_net delivers to other engines; random bytes come
 * from a seeded generator, so every run is the same. */
#ifndef SL_TEST_PLATFORM_H
#define SL_TEST_PLATFORM_H

#include "sidelink/engine.h"

#define TP_MAX_SENT 64

struct tp_datagram {
    sl_sock sock;
    struct sl_addr to;
    struct sl_addr from;
    size_t len;
    uint8_t data[SL_COAP_MAX_MSG];
};

struct test_platform {
    struct sl_platform plat;
    struct sl_addr self;
    uint64_t rng;
    unsigned count;
    struct tp_datagram sent[TP_MAX_SENT];
};

void tp_init(struct test_platform *tp, uint64_t seed, const struct sl_addr *self);
/* Take the oldest captured datagram; false when none. */
bool tp_pop(struct test_platform *tp, struct tp_datagram *out);
void tp_clear(struct test_platform *tp);

struct sl_addr tp_addr(uint8_t last_octet, uint16_t port);

#endif
