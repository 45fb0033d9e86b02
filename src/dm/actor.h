/* Who performs a data-model operation. */
#ifndef SL_DM_ACTOR_H
#define SL_DM_ACTOR_H

#include <stdbool.h>
#include <stdint.h>

/* Who asks. Servers are named by Short Server ID, requesting clients by
 * Short Client ID; the bootstrap server and the local application bypass
 * access control. */
enum sl_actor_kind {
    SL_ACTOR_SERVER = 0,
    SL_ACTOR_CLIENT = 1,
    SL_ACTOR_BOOTSTRAP = 2,
    SL_ACTOR_LOCAL = 3
};

struct sl_actor {
    uint8_t kind;
    uint16_t id;
};

static inline bool sl_actor_equal(const struct sl_actor *a, const struct sl_actor *b)
{
    return a->kind == b->kind && a->id == b->id;
}

#endif
