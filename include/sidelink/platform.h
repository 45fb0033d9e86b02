/* The platform interface: everything the engine needs from the world, as a
 * struct of function pointers handed in at init. Time is not here: it comes
 * in as an argument (monotonic milliseconds) to every call that needs it.
 */
#ifndef SIDELINK_PLATFORM_H
#define SIDELINK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"

/* A transport address: IPv4 or IPv6 and a UDP port. */
struct sl_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* IPv4 in the first 4 bytes */
    uint16_t port;
};

/* A socket the application owns, by index (e.g. 0 = --listen). */
typedef uint8_t sl_sock;

enum sl_log_level { SL_LOG_ERROR = 0, SL_LOG_WARN, SL_LOG_INFO, SL_LOG_DEBUG };

struct sl_platform {
    void *ctx;
    /* Send one datagram. SL_OK, or SL_ERR_IO (the engine treats it as loss). */
    sl_err (*send)(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                   size_t len);
    /* Fill out[0..len) with random bytes (tokens, message IDs, timeouts). */
    void (*random)(void *ctx, uint8_t *out, size_t len);
    /* Optional persistent key-value store (objects' state, OSCORE sequence
     * numbers). Both NULL: nothing survives a reboot. A write must be atomic:
     * after a crash the key holds the old or the new value, never a mix. */
    sl_err (*store_read)(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len);
    sl_err (*store_write)(void *ctx, const char *key, const uint8_t *data, size_t len);
    /* Optional: a log line (no newline). NULL: no logging. */
    void (*log)(void *ctx, enum sl_log_level level, const char *msg);
};

bool sl_addr_equal(const struct sl_addr *a, const struct sl_addr *b);

#endif
