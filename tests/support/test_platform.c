#include "test_platform.h"

#include <stdlib.h>
#include <string.h>

static sl_err tp_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                      size_t len)
{
    struct test_platform *tp = ctx;
    if (tp->count >= TP_MAX_SENT || len > SL_COAP_MAX_MSG)
        abort(); /* a test that floods its own queue is broken */
    struct tp_datagram *d = &tp->sent[tp->count++];
    d->sock = sock;
    d->to = *to;
    d->from = tp->self;
    d->len = len;
    memcpy(d->data, data, len);
    return SL_OK;
}

static void tp_random(void *ctx, uint8_t *out, size_t len)
{
    struct test_platform *tp = ctx;
    for (size_t k = 0; k < len; k++) {
        /* xorshift64 */
        tp->rng ^= tp->rng << 13;
        tp->rng ^= tp->rng >> 7;
        tp->rng ^= tp->rng << 17;
        out[k] = (uint8_t)tp->rng;
    }
}

void tp_init(struct test_platform *tp, uint64_t seed, const struct sl_addr *self)
{
    memset(tp, 0, sizeof *tp);
    tp->plat.ctx = tp;
    tp->plat.send = tp_send;
    tp->plat.random = tp_random;
    tp->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    if (self)
        tp->self = *self;
}

bool tp_pop(struct test_platform *tp, struct tp_datagram *out)
{
    if (tp->count == 0)
        return false;
    *out = tp->sent[0];
    memmove(&tp->sent[0], &tp->sent[1], (tp->count - 1) * sizeof tp->sent[0]);
    tp->count--;
    return true;
}

void tp_clear(struct test_platform *tp)
{
    tp->count = 0;
}

struct sl_addr tp_addr(uint8_t last_octet, uint16_t port)
{
    struct sl_addr a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    a.ip[0] = 127;
    a.ip[3] = last_octet;
    a.port = port;
    return a;
}
