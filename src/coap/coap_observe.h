/* Observe (RFC 7641) rules that do not depend on what is observed. */
#ifndef SL_COAP_OBSERVE_H
#define SL_COAP_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "sidelink/types.h"

/* Observe sequence numbers are 24 bits. */
#define SL_OBSERVE_SEQ_MASK 0xFFFFFFu

/* RFC 7641 3.4: a notification with sequence number v2 received at t2 is
 * newer than the one with v1 received at t1 when
 *   (v1 < v2 and v2 - v1 < 2^23) or (v1 > v2 and v1 - v2 > 2^23)
 *   or t2 > t1 + 128 s.
 * Only newer notifications may replace the client's current value. */
bool sl_observe_is_fresh(uint32_t v1, sl_time_ms t1, uint32_t v2, sl_time_ms t2);

#endif
