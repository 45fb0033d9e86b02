/* CoAP message layer: retransmission timing and deduplication (RFC 7252 4). */
#include "coap/coap_exchange.h"

#include <string.h>

#include "codec/decimal.h"

#define MAX_LATENCY_MS 100000u

/* x * milli / 1000 in 64 bits, truncated to 32: dividing by a small
 * constant needs no 64-bit division routine (sl_dec_div_small). */
static uint32_t scale_milli(uint64_t x, uint32_t milli)
{
    uint32_t rem;
    return (uint32_t)sl_dec_div_small(x * milli, 1000, &rem);
}

void sl_coap_params_default(struct sl_coap_params *p)
{
    p->ack_timeout_ms = 2000;
    p->ack_random_factor_milli = 1500;
    p->max_retransmit = 4;
    p->nstart = 1;
}

uint32_t sl_coap_max_transmit_span_ms(const struct sl_coap_params *p)
{
    /* ACK_TIMEOUT * (2 ** MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR */
    return scale_milli((uint64_t)p->ack_timeout_ms * ((1u << p->max_retransmit) - 1u),
                       p->ack_random_factor_milli);
}

uint32_t sl_coap_max_transmit_wait_ms(const struct sl_coap_params *p)
{
    /* ACK_TIMEOUT * (2 ** (MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR */
    return scale_milli((uint64_t)p->ack_timeout_ms * ((2u << p->max_retransmit) - 1u),
                       p->ack_random_factor_milli);
}

uint32_t sl_coap_exchange_lifetime_ms(const struct sl_coap_params *p)
{
    /* MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY: 247 s by default */
    return sl_coap_max_transmit_span_ms(p) + 2u * MAX_LATENCY_MS + p->ack_timeout_ms;
}

uint32_t sl_coap_non_lifetime_ms(const struct sl_coap_params *p)
{
    /* MAX_TRANSMIT_SPAN + MAX_LATENCY: 145 s by default */
    return sl_coap_max_transmit_span_ms(p) + MAX_LATENCY_MS;
}

void sl_coap_ml_init(struct sl_coap_ml *ml, const struct sl_coap_params *params)
{
    memset(ml, 0, sizeof *ml);
    if (params)
        ml->params = *params;
    else
        sl_coap_params_default(&ml->params);
    if (ml->params.nstart == 0)
        ml->params.nstart = 1;
}

unsigned sl_coap_tx_outstanding(const struct sl_coap_ml *ml, uint8_t peer)
{
    unsigned n = 0;
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++)
        if (ml->tx[k].used && ml->tx[k].peer == peer)
            n++;
    return n;
}

sl_err sl_coap_tx_start(struct sl_coap_ml *ml, uint8_t peer, uint8_t kind, uint16_t owner,
                        uint16_t mid, const uint8_t *msg, size_t len, uint32_t rnd,
                        sl_time_ms now, struct sl_coap_tx **out)
{
    if (len > SL_COAP_MAX_MSG)
        return SL_ERR_OVERFLOW;
    if (sl_coap_tx_outstanding(ml, peer) >= ml->params.nstart)
        return SL_ERR_BUSY;
    struct sl_coap_tx *tx = NULL;
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++) {
        if (!ml->tx[k].used) {
            tx = &ml->tx[k];
            break;
        }
    }
    if (!tx)
        return SL_ERR_NOMEM;
    /* initial timeout: uniformly in [ACK_TIMEOUT, ACK_TIMEOUT * factor] */
    uint32_t base = ml->params.ack_timeout_ms;
    uint32_t spread = scale_milli(base, ml->params.ack_random_factor_milli - 1000u);
    tx->timeout_ms = base + (spread ? rnd % (spread + 1u) : 0u);
    tx->used = true;
    tx->kind = kind;
    tx->peer = peer;
    tx->owner = owner;
    tx->retries = 0;
    tx->mid = mid;
    tx->due = now + tx->timeout_ms;
    tx->len = (uint16_t)len;
    memcpy(tx->buf, msg, len);
    if (out)
        *out = tx;
    return SL_OK;
}

struct sl_coap_tx *sl_coap_tx_match(struct sl_coap_ml *ml, uint8_t peer, uint16_t mid)
{
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++) {
        struct sl_coap_tx *tx = &ml->tx[k];
        if (tx->used && tx->peer == peer && tx->mid == mid)
            return tx;
    }
    return NULL;
}

void sl_coap_tx_release(struct sl_coap_tx *tx)
{
    tx->used = false;
    tx->len = 0;
}

sl_time_ms sl_coap_tx_next_due(const struct sl_coap_ml *ml)
{
    sl_time_ms next = UINT64_MAX;
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++)
        if (ml->tx[k].used && ml->tx[k].due < next)
            next = ml->tx[k].due;
    return next;
}

struct sl_coap_tx *sl_coap_tx_poll(struct sl_coap_ml *ml, sl_time_ms now, bool *gave_up)
{
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++) {
        struct sl_coap_tx *tx = &ml->tx[k];
        if (!tx->used || tx->due > now)
            continue;
        if (tx->retries >= ml->params.max_retransmit) {
            /* the last timeout ran out: the exchange failed */
            *gave_up = true;
            tx->due = UINT64_MAX;
            return tx;
        }
        tx->retries++;
        tx->timeout_ms *= 2u;
        tx->due = now + tx->timeout_ms;
        *gave_up = false;
        return tx;
    }
    return NULL;
}

struct sl_coap_dedup *sl_coap_dedup_find(struct sl_coap_ml *ml, uint8_t peer, uint16_t mid,
                                         sl_time_ms now)
{
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++) {
        struct sl_coap_dedup *d = &ml->dedup[k];
        if (!d->used)
            continue;
        if (d->expires <= now) {
            d->used = false;
            continue;
        }
        if (d->peer == peer && d->mid == mid)
            return d;
    }
    return NULL;
}

struct sl_coap_dedup *sl_coap_dedup_add(struct sl_coap_ml *ml, uint8_t peer, uint16_t mid,
                                        uint32_t lifetime_ms, sl_time_ms now)
{
    struct sl_coap_dedup *slot = NULL;
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++) {
        struct sl_coap_dedup *d = &ml->dedup[k];
        if (!d->used || d->expires <= now) {
            slot = d;
            break;
        }
        if (!slot || d->expires < slot->expires)
            slot = d;
    }
    if (!slot)
        return NULL; /* only when SL_MAX_DEDUP is 0 */
    slot->used = true;
    slot->has_reply = false;
    slot->peer = peer;
    slot->mid = mid;
    slot->expires = now + lifetime_ms;
    slot->reply_len = 0;
    return slot;
}

void sl_coap_ml_forget_peer(struct sl_coap_ml *ml, uint8_t peer)
{
    for (unsigned k = 0; k < SL_MAX_DEDUP; k++)
        if (ml->dedup[k].used && ml->dedup[k].peer == peer)
            ml->dedup[k].used = false;
    for (unsigned k = 0; k < SL_MAX_CON_TX; k++)
        if (ml->tx[k].used && ml->tx[k].peer == peer)
            sl_coap_tx_release(&ml->tx[k]);
}
