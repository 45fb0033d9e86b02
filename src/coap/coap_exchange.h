/* CoAP message layer (RFC 7252 section 4): retransmission of confirmable
 * messages, deduplication of received ones with the cached reply, and NSTART.
 *
 * It knows peers only as small integer handles and messages only as bytes;
 * it never reads a clock: every function takes `now`. The pools are fixed
 * (SL_MAX_CON_TX, SL_MAX_DEDUP). A caller (the engine) does:
 *   receive CON/NON -> sl_coap_dedup_find(): a hit replays the cached reply;
 *                      a miss -> sl_coap_dedup_add(), process, store the reply
 *                      with sl_coap_dedup_set_reply();
 *   send CON        -> sl_coap_tx_start() (SL_ERR_BUSY under NSTART=1);
 *   receive ACK/RST -> sl_coap_tx_match();
 *   timer           -> sl_coap_tx_next_due() / sl_coap_tx_poll().
 */
#ifndef SL_COAP_EXCHANGE_H
#define SL_COAP_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/config.h"
#include "sidelink/types.h"

/* Transmission parameters (RFC 7252 4.8). */
struct sl_coap_params {
    uint32_t ack_timeout_ms;         /* ACK_TIMEOUT, 2000 */
    uint16_t ack_random_factor_milli; /* ACK_RANDOM_FACTOR * 1000, 1500 */
    uint8_t max_retransmit;          /* MAX_RETRANSMIT, 4 */
    uint8_t nstart;                  /* NSTART, 1 */
};

void sl_coap_params_default(struct sl_coap_params *p);
/* MAX_TRANSMIT_SPAN, MAX_TRANSMIT_WAIT, EXCHANGE_LIFETIME and NON_LIFETIME
 * (RFC 7252 4.8.2) for these parameters, with MAX_LATENCY 100 s and
 * PROCESSING_DELAY = ACK_TIMEOUT. */
uint32_t sl_coap_max_transmit_span_ms(const struct sl_coap_params *p);
uint32_t sl_coap_max_transmit_wait_ms(const struct sl_coap_params *p);
uint32_t sl_coap_exchange_lifetime_ms(const struct sl_coap_params *p);
uint32_t sl_coap_non_lifetime_ms(const struct sl_coap_params *p);

/* What an outgoing CON is for, so the owner can be told of its fate. */
enum sl_coap_tx_kind { SL_TX_REQUEST = 1, SL_TX_NOTIFY = 2, SL_TX_RESPONSE = 3 };

struct sl_coap_tx {
    bool used;
    uint8_t kind;     /* enum sl_coap_tx_kind */
    uint8_t peer;
    uint8_t retries;  /* retransmissions done */
    uint16_t mid;
    uint16_t owner;   /* index in the owner's table (pending request, observation) */
    uint32_t timeout_ms;
    sl_time_ms due;   /* next retransmission, or give-up time after the last */
    uint16_t len;
    uint8_t buf[SL_COAP_MAX_MSG];
};

struct sl_coap_dedup {
    bool used;
    bool has_reply;
    uint8_t peer;
    uint16_t mid;
    sl_time_ms expires;
    uint16_t reply_len;
    uint8_t reply[SL_COAP_MAX_MSG];
};

struct sl_coap_ml {
    struct sl_coap_params params;
    struct sl_coap_tx tx[SL_MAX_CON_TX];
    struct sl_coap_dedup dedup[SL_MAX_DEDUP];
};

void sl_coap_ml_init(struct sl_coap_ml *ml, const struct sl_coap_params *params);

/* Number of CONs outstanding to `peer`. */
unsigned sl_coap_tx_outstanding(const struct sl_coap_ml *ml, uint8_t peer);

/* Take a slot for a CON to `peer` and copy its bytes. `rnd` is a random
 * 32-bit value choosing the initial timeout in [ACK_TIMEOUT,
 * ACK_TIMEOUT * ACK_RANDOM_FACTOR]. SL_ERR_BUSY when NSTART CONs are already
 * outstanding to the peer, SL_ERR_NOMEM when the pool is full, SL_ERR_OVERFLOW
 * for a message larger than SL_COAP_MAX_MSG. The caller sends the bytes. */
sl_err sl_coap_tx_start(struct sl_coap_ml *ml, uint8_t peer, uint8_t kind, uint16_t owner,
                        uint16_t mid, const uint8_t *msg, size_t len, uint32_t rnd,
                        sl_time_ms now, struct sl_coap_tx **out);

/* The outstanding CON to `peer` with message ID `mid`, or NULL. The caller
 * reads kind/owner and then releases it with sl_coap_tx_release(). */
struct sl_coap_tx *sl_coap_tx_match(struct sl_coap_ml *ml, uint8_t peer, uint16_t mid);
void sl_coap_tx_release(struct sl_coap_tx *tx);

/* Earliest time a tx slot needs attention, or UINT64_MAX when none. */
sl_time_ms sl_coap_tx_next_due(const struct sl_coap_ml *ml);

/* Visit due slots: for each one, either it is retransmitted (retries
 * incremented, timeout doubled; *gave_up false) or MAX_RETRANSMIT is
 * exhausted (*gave_up true; the caller releases it). Returns the next due
 * slot or NULL. Call repeatedly until NULL. */
struct sl_coap_tx *sl_coap_tx_poll(struct sl_coap_ml *ml, sl_time_ms now, bool *gave_up);

/* Deduplication of received CON and NON messages (RFC 7252 4.5). A hit
 * returns the entry; has_reply tells whether there is something to resend. */
struct sl_coap_dedup *sl_coap_dedup_find(struct sl_coap_ml *ml, uint8_t peer, uint16_t mid,
                                         sl_time_ms now);
/* Remember a new message for `lifetime_ms` (EXCHANGE_LIFETIME for CON,
 * NON_LIFETIME for NON). When the pool is full the entry closest to expiry
 * is evicted, so a very late duplicate of it would be processed again. */
struct sl_coap_dedup *sl_coap_dedup_add(struct sl_coap_ml *ml, uint8_t peer, uint16_t mid,
                                        uint32_t lifetime_ms, sl_time_ms now);
/* Forget every message of a peer (the peer was removed or rebooted). */
void sl_coap_ml_forget_peer(struct sl_coap_ml *ml, uint8_t peer);

#endif
