/* Log lines on stderr: "2026-11-22T01:02:03.456Z prog LEVEL message".
 * UTC with milliseconds, so lines of the server and of several clients in
 * one test or demo can be merged and ordered. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "platform/posix/sl_posix.h"

/* One line at most this long; longer messages are cut with "...". Under
 * PIPE_BUF (4096), so one write(2) to a pipe is never interleaved. */
#define LINE_MAX_LEN 2048

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static const char *level_name(enum sl_log_level lvl)
{
    unsigned i = (unsigned)lvl;
    return i < sizeof level_names / sizeof level_names[0] ? level_names[i] : "?";
}

/* "2026-11-22T01:02:03.456Z" into buf; "" if the clock is unusable. */
static void format_time(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    buf[0] = '\0';
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm))
        return;
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0)
        return;
    snprintf(buf + n, cap - n, ".%03ldZ", (long)(ts.tv_nsec / 1000000));
}

void sl_posix_logf(const struct sl_posix_log *log, enum sl_log_level lvl, const char *fmt, ...)
{
    if ((int)lvl > log->level)
        return;
    int saved_errno = errno; /* callers log and then report errno */
    char line[LINE_MAX_LEN];
    char when[40];
    format_time(when, sizeof when);
    int head = snprintf(line, sizeof line, "%s %s %s ", when, log->prog ? log->prog : "sidelink",
                        level_name(lvl));
    if (head < 0 || (size_t)head >= sizeof line - 1)
        head = 0; /* an absurd program name: keep the message */
    size_t room = sizeof line - 1 - (size_t)head; /* one byte kept for '\n' */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + head, room + 1, fmt, ap);
    va_end(ap);
    size_t msg_len;
    if (n < 0) {
        msg_len = 0;
    } else if ((size_t)n > room) {
        msg_len = room;
        memcpy(line + head + room - 3, "...", 3);
    } else {
        msg_len = (size_t)n;
    }
    /* Messages carry strings from the wire (endpoint names, URIs): a
     * newline or an escape sequence there must not forge a log line or
     * drive the terminal. */
    for (size_t i = (size_t)head; i < (size_t)head + msg_len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            line[i] = '?';
    }
    size_t len = (size_t)head + msg_len;
    line[len++] = '\n';
    /* One write(2), not stdio: a line from one process stays whole when the
     * server and its clients share a terminal or a pipe. */
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(STDERR_FILENO, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* nowhere to report a failing stderr */
        done += (size_t)w;
    }
    errno = saved_errno;
}

sl_err sl_posix_log_level_parse(const char *s, int *out)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };
    if (!s)
        return SL_ERR_INVALID;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (int)i; /* SL_LOG_ERROR .. SL_LOG_DEBUG are 0..3 */
            return SL_OK;
        }
    }
    return SL_ERR_INVALID;
}

void sl_posix_log_platform(void *ctx, enum sl_log_level level, const char *msg)
{
    sl_posix_logf(ctx, level, "%s", msg);
}
