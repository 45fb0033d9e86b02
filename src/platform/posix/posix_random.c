/* Random bytes from the kernel: tokens, message IDs, DTLS and OSCORE
 * material. There is no weaker fallback on purpose: a device must never run
 * with predictable tokens or keys, so without a source the program stops. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "platform/posix/sl_posix.h"

/* getrandom(2): no file descriptor, works in a chroot, blocks only until
 * the pool is first seeded at boot. Returns 0 or an errno. */
static int from_getrandom(uint8_t *out, size_t len)
{
#if defined(__linux__)
    size_t done = 0;
    while (done < len) {
        /* Short reads happen for large requests and on signals. */
        ssize_t n = getrandom(out + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno; /* ENOSYS on kernels older than 3.17 */
        }
        done += (size_t)n;
    }
    return 0;
#else
    (void)out;
    (void)len;
    return ENOSYS;
#endif
}

static int from_urandom(uint8_t *out, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, out + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            return e;
        }
        done += (size_t)n;
    }
    close(fd);
    return 0;
}

void sl_posix_random(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    if (len == 0)
        return;
    int e1 = from_getrandom(out, len);
    if (e1 == 0)
        return;
    int e2 = from_urandom(out, len);
    if (e2 == 0)
        return;
    fprintf(stderr, "sidelink: no random source (getrandom: %s; ", strerror(e1));
    fprintf(stderr, "/dev/urandom: %s): refusing to run with predictable keys\n", strerror(e2));
    abort();
}
