#include "coap/coap_observe.h"

#define HALF_SPACE (1u << 23)
#define REORDER_WINDOW_MS 128000u

bool sl_observe_is_fresh(uint32_t v1, sl_time_ms t1, uint32_t v2, sl_time_ms t2)
{
    v1 &= SL_OBSERVE_SEQ_MASK;
    v2 &= SL_OBSERVE_SEQ_MASK;
    if (v1 < v2 && v2 - v1 < HALF_SPACE)
        return true;
    if (v1 > v2 && v1 - v2 > HALF_SPACE)
        return true;
    return t2 > t1 + REORDER_WINDOW_MS;
}
