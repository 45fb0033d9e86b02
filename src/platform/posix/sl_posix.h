/* The POSIX platform: the one place the Linux programs touch the OS for what
 * the engine needs (DESIGN 1b, "platform interface").
 *
 *   addresses  "127.0.0.1:5683", "[::1]:5683", "localhost:5683" <-> sl_addr,
 *              coap:// and coaps:// URIs, sl_addr <-> struct sockaddr
 *   UDP        non-blocking, close-on-exec datagram sockets
 *   time       monotonic milliseconds for the engine, wall clock for humans
 *   random     getrandom(2), else /dev/urandom, else abort
 *   store      a directory of files, one per key, replaced atomically
 *   log        one line per message on stderr, with UTC time and level
 *   platform   all of the above wired into a struct sl_platform
 *
 * Contract shared by every function here: no hidden state (each call gets
 * what it works on), errors are sl_err values (negative), strings in are
 * NUL-terminated, buffers out come with their capacity. No DNS: devices and
 * tests use literal addresses, and "localhost" is the only name understood.
 */
#ifndef SL_PLATFORM_POSIX_H
#define SL_PLATFORM_POSIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sidelink/platform.h"
#include "sidelink/types.h"

/* ---- addresses (posix_addr.c) ---------------------------------------- */

/* A buffer that always holds sl_posix_addr_format()'s text: "[" up to 45
 * characters of IPv6 "]:" up to 5 digits of port and the NUL make 54. */
#define SL_POSIX_ADDR_STRLEN 56

/* "A.B.C.D:PORT", "[IPV6]:PORT" or "localhost:PORT" (-> 127.0.0.1). The
 * port is required, decimal, 0..65535. Anything else is SL_ERR_INVALID. */
sl_err sl_posix_addr_parse(const char *hostport, struct sl_addr *out);

/* "127.0.0.1:5683" or "[::1]:5683" with a NUL; returns the length without
 * the NUL, SL_ERR_OVERFLOW when cap is too small (buf then holds ""), or
 * SL_ERR_INVALID for a family other than 4 and 6. */
int sl_posix_addr_format(const struct sl_addr *a, char *buf, size_t cap);

/* "coap://HOST[:PORT][/]" or "coaps://HOST[:PORT][/]", HOST as above but
 * without a port of its own; the scheme's default port (5683, 5684) when
 * none is given. The scheme is written in lower case to scheme[]. Another
 * scheme is SL_ERR_UNSUPPORTED, a scheme[] too small SL_ERR_OVERFLOW, and
 * anything else malformed (a path, a query, user info) SL_ERR_INVALID. */
sl_err sl_posix_uri_parse(const char *uri, char *scheme, size_t scheme_cap, struct sl_addr *addr);

/* To a sockaddr for a socket of `domain` (AF_INET or AF_INET6): an IPv4
 * address for an AF_INET6 socket becomes IPv4-mapped (::ffff:a.b.c.d).
 * SL_ERR_INVALID when the address cannot be reached from such a socket. */
sl_err sl_posix_addr_to_sockaddr(const struct sl_addr *a, int domain, struct sockaddr_storage *ss,
                                 socklen_t *len);
/* From a sockaddr. IPv4-mapped IPv6 (what a dual-stack socket reports for
 * an IPv4 peer) comes back as family 4, so the same peer compares equal
 * with sl_addr_equal() whichever socket it arrived on. An IPv6 scope ID is
 * dropped (sl_addr has none): link-local peers are not supported. */
sl_err sl_posix_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct sl_addr *out);

/* ---- UDP (posix_udp.c) ----------------------------------------------- */

/* A UDP socket bound to `local`, non-blocking and close-on-exec. No
 * SO_REUSEADDR, so a second daemon on the same port fails here instead of
 * sharing it silently; "[::]" also accepts IPv4 (IPV6_V6ONLY off). Returns
 * the fd, or -1 with a message such as "bind 127.0.0.1:5683: Address
 * already in use" in err[] (which may be NULL). */
int sl_posix_udp_bind(const struct sl_addr *local, char *err, size_t errcap);

/* Send one datagram. A full socket buffer (EAGAIN, ENOBUFS) is a lost
 * datagram like any other failure: SL_ERR_IO. SL_ERR_INVALID when `to`
 * cannot be reached from this socket's family. */
sl_err sl_posix_udp_send(int fd, const struct sl_addr *to, const uint8_t *data, size_t len);

/* Receive one datagram: its length (> 0), 0 when nothing is waiting, or a
 * negative sl_err: SL_ERR_TOO_LARGE for a datagram longer than cap (it is
 * consumed and `from` is filled: nothing is cut silently), SL_ERR_IO
 * otherwise. Empty datagrams (never valid CoAP) are consumed and skipped, so
 * 0 always means "the queue is empty". */
long sl_posix_udp_recv(int fd, uint8_t *buf, size_t cap, struct sl_addr *from);

/* The address the socket is bound to (after binding port 0: the port the
 * kernel chose). */
sl_err sl_posix_udp_local(int fd, struct sl_addr *out);

/* ---- time (posix_time.c) --------------------------------------------- */

/* Monotonic milliseconds (CLOCK_MONOTONIC): the engine's `now`. */
sl_time_ms sl_posix_now_ms(void);
/* Milliseconds since 1970-01-01 UTC (CLOCK_REALTIME): for humans and for
 * LwM2M Current Time, never for timers. */
int64_t sl_posix_epoch_ms(void);

/* ---- random (posix_random.c) ----------------------------------------- */

/* Fill out[0..len) from the kernel's CSPRNG; ctx is unused (the shape of
 * struct sl_platform.random). Aborts the program if no source works. */
void sl_posix_random(void *ctx, uint8_t *out, size_t len);

/* ---- store (posix_store.c) ------------------------------------------- */

/* Keys: 1..64 of [A-Za-z0-9._-], not "." or "..", not ending in ".tmp"
 * (the store's own temporary files). */
#define SL_POSIX_STORE_KEY_MAX 64

struct sl_posix_store {
    char dir[256];
};

/* Use `dir`, creating it (mode 0700) if missing, and delete the KEY.tmp
 * files a crash in the middle of a write left behind. SL_ERR_INVALID for an
 * empty or too long path; SL_ERR_IO when the directory cannot be made or
 * read, with errno kept for the caller's message. */
sl_err sl_posix_store_open(struct sl_posix_store *st, const char *dir);

/* Read KEY into buf: SL_OK with *len, SL_ERR_NOT_FOUND when absent,
 * SL_ERR_TOO_LARGE when longer than cap (*len is then its size),
 * SL_ERR_INVALID for a bad key, SL_ERR_IO otherwise. st is a struct
 * sl_posix_store (void * for the shape of struct sl_platform.store_read). */
sl_err sl_posix_store_read(void *st, const char *key, uint8_t *buf, size_t cap, size_t *len);

/* Replace KEY with data[0..len) atomically and durably: write KEY.tmp,
 * fsync, rename over KEY, fsync the directory. After a crash at any point
 * KEY holds the old or the new content, never a mix. */
sl_err sl_posix_store_write(void *st, const char *key, const uint8_t *data, size_t len);

/* ---- log (posix_log.c) ----------------------------------------------- */

struct sl_posix_log {
    int level;        /* enum sl_log_level: lines up to this level are written */
    const char *prog; /* program name at the start of each line */
};

#if defined(__GNUC__) || defined(__clang__)
#define SL_POSIX_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define SL_POSIX_PRINTF(fmt_idx, arg_idx)
#endif

/* One line on stderr, "2026-11-22T01:02:03.456Z prog LEVEL message", when
 * lvl <= log->level. Written with a single write(2), so lines of several
 * processes sharing stderr do not interleave; control characters in the
 * message (e.g. a newline in an endpoint name from the wire) become '?', so
 * one message is always one line. Long messages are cut (ending "..."). */
void sl_posix_logf(const struct sl_posix_log *log, enum sl_log_level lvl, const char *fmt, ...)
    SL_POSIX_PRINTF(3, 4);

/* "error", "warn", "info", "debug" (any case) -> SL_LOG_*; else SL_ERR_INVALID. */
sl_err sl_posix_log_level_parse(const char *s, int *out);

/* The shape of struct sl_platform.log; ctx is a struct sl_posix_log. */
void sl_posix_log_platform(void *ctx, enum sl_log_level level, const char *msg);

/* ---- a ready platform (posix_platform.c) ----------------------------- */

/* Sockets one platform can send on, by sl_sock index: a client's --listen,
 * --listen-secure and one ephemeral socket per outgoing DTLS session. */
#ifndef SL_POSIX_MAX_SOCKS
#define SL_POSIX_MAX_SOCKS 16
#endif
_Static_assert(SL_POSIX_MAX_SOCKS >= 1 && SL_POSIX_MAX_SOCKS <= 256,
               "SL_POSIX_MAX_SOCKS: sl_sock is a uint8_t index");

struct sl_posix_platform {
    struct sl_platform plat; /* hand &p->plat to the engine */
    int fds[SL_POSIX_MAX_SOCKS]; /* sl_sock -> fd; -1 when unused */
    struct sl_posix_store *store;
    struct sl_posix_log *log;
};

/* Fill p->plat: send (fds[sock] through sl_posix_udp_send; SL_ERR_IO for an
 * unused index), random, store_read/store_write when `store` is given (else
 * NULL: nothing persists), log when `log` is given. Every fd starts at -1;
 * the caller sets fds[] after binding. */
void sl_posix_platform_init(struct sl_posix_platform *p, struct sl_posix_log *log,
                            struct sl_posix_store *store);

#endif
