/* The POSIX pieces wired into a struct sl_platform for the engine: the
 * engine's socket indexes map to fds, its store and log calls to the
 * application's store and log. */
#include <string.h>

#include "platform/posix/sl_posix.h"

static sl_err platform_send(void *ctx, sl_sock sock, const struct sl_addr *to,
                            const uint8_t *data, size_t len)
{
    const struct sl_posix_platform *p = ctx;
    /* An index the application never bound is a lost datagram, not a
     * crash: the engine treats SL_ERR_IO as loss. */
    if (sock >= SL_POSIX_MAX_SOCKS || p->fds[sock] < 0)
        return SL_ERR_IO;
    return sl_posix_udp_send(p->fds[sock], to, data, len);
}

static sl_err platform_store_read(void *ctx, const char *key, uint8_t *buf, size_t cap,
                                  size_t *len)
{
    const struct sl_posix_platform *p = ctx;
    return sl_posix_store_read(p->store, key, buf, cap, len);
}

static sl_err platform_store_write(void *ctx, const char *key, const uint8_t *data, size_t len)
{
    const struct sl_posix_platform *p = ctx;
    return sl_posix_store_write(p->store, key, data, len);
}

static void platform_log(void *ctx, enum sl_log_level level, const char *msg)
{
    const struct sl_posix_platform *p = ctx;
    sl_posix_log_platform(p->log, level, msg);
}

void sl_posix_platform_init(struct sl_posix_platform *p, struct sl_posix_log *log,
                            struct sl_posix_store *store)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < SL_POSIX_MAX_SOCKS; i++)
        p->fds[i] = -1;
    p->store = store;
    p->log = log;
    p->plat.ctx = p;
    p->plat.send = platform_send;
    p->plat.random = sl_posix_random;
    if (store) {
        p->plat.store_read = platform_store_read;
        p->plat.store_write = platform_store_write;
    }
    if (log)
        p->plat.log = platform_log;
}
