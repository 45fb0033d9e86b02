/* POSIX log: the line format, level filtering, one message = one line
 * (control characters neutralised, long messages cut), errno kept, the
 * level names, and the sl_platform adapter. stderr is captured into a
 * temporary file for each check. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/posix/sl_posix.h"

struct capture {
    FILE *tmp;
    int saved;
};

static void capture_start(struct capture *c)
{
    c->tmp = tmpfile();
    assert_non_null(c->tmp);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_int_equal(dup2(fileno(c->tmp), STDERR_FILENO), STDERR_FILENO);
}

/* Restore stderr; what was written, NUL-terminated, in out[]. */
static size_t capture_end(struct capture *c, char *out, size_t cap)
{
    assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
    close(c->saved);
    rewind(c->tmp);
    size_t n = fread(out, 1, cap - 1, c->tmp);
    out[n] = '\0';
    fclose(c->tmp);
    return n;
}

static bool is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ " */
static void assert_timestamp(const char *s)
{
    assert_true(is_digits(s, 4) && s[4] == '-' && is_digits(s + 5, 2) && s[7] == '-' &&
                is_digits(s + 8, 2) && s[10] == 'T' && is_digits(s + 11, 2) && s[13] == ':' &&
                is_digits(s + 14, 2) && s[16] == ':' && is_digits(s + 17, 2) && s[19] == '.' &&
                is_digits(s + 20, 3) && s[23] == 'Z' && s[24] == ' ');
}

static void test_line_format(void **state)
{
    (void)state;
    struct sl_posix_log log = { .level = SL_LOG_INFO, .prog = "sidelink-client" };
    struct capture c;
    char out[256];
    capture_start(&c);
    sl_posix_logf(&log, SL_LOG_INFO, "registered with %s as %d", "srv", 7);
    sl_posix_logf(&log, SL_LOG_ERROR, "boom");
    capture_end(&c, out, sizeof out);
    assert_timestamp(out);
    /* check each line separately (the second has its own timestamp) */
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_string_equal(out + 25, "sidelink-client INFO registered with srv as 7");
    assert_timestamp(nl + 1);
    assert_string_equal(nl + 1 + 25, "sidelink-client ERROR boom\n");
}

static void test_levels(void **state)
{
    (void)state;
    struct sl_posix_log log = { .level = SL_LOG_WARN, .prog = "p" };
    struct capture c;
    char out[512];
    capture_start(&c);
    sl_posix_logf(&log, SL_LOG_DEBUG, "d");
    sl_posix_logf(&log, SL_LOG_INFO, "i");
    sl_posix_logf(&log, SL_LOG_WARN, "w");
    sl_posix_logf(&log, SL_LOG_ERROR, "e");
    log.level = SL_LOG_DEBUG;
    sl_posix_logf(&log, SL_LOG_DEBUG, "d2");
    capture_end(&c, out, sizeof out);
    assert_null(strstr(out, " p DEBUG d\n"));
    assert_null(strstr(out, " p INFO i\n"));
    assert_non_null(strstr(out, " p WARN w\n"));
    assert_non_null(strstr(out, " p ERROR e\n"));
    assert_non_null(strstr(out, " p DEBUG d2\n"));

    int lvl = -1;
    assert_int_equal(sl_posix_log_level_parse("error", &lvl), SL_OK);
    assert_int_equal(lvl, SL_LOG_ERROR);
    assert_int_equal(sl_posix_log_level_parse("warn", &lvl), SL_OK);
    assert_int_equal(lvl, SL_LOG_WARN);
    assert_int_equal(sl_posix_log_level_parse("INFO", &lvl), SL_OK);
    assert_int_equal(lvl, SL_LOG_INFO);
    assert_int_equal(sl_posix_log_level_parse("Debug", &lvl), SL_OK);
    assert_int_equal(lvl, SL_LOG_DEBUG);
    static const char *bad[] = { "", "warning", "trace", "3", "info ", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lvl = -1;
        assert_int_equal(sl_posix_log_level_parse(bad[i], &lvl), SL_ERR_INVALID);
        assert_int_equal(lvl, -1);
    }
}

static void test_one_message_one_line(void **state)
{
    (void)state;
    struct sl_posix_log log = { .level = SL_LOG_DEBUG, .prog = "p" };
    struct capture c;
    char out[8192];
    /* an endpoint name from the wire that tries to forge a second line */
    capture_start(&c);
    sl_posix_logf(&log, SL_LOG_INFO, "ep=%s", "x\n2026-01-01T00:00:00.000Z p ERROR forged\x1b[2J\r");
    capture_end(&c, out, sizeof out);
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    assert_non_null(strstr(out, "ep=x?2026-01-01T00:00:00.000Z p ERROR forged?[2J?\n"));

    /* a long message is cut to one line ending "..." */
    char *big = malloc(5000);
    assert_non_null(big);
    memset(big, 'a', 4999);
    big[4999] = '\0';
    capture_start(&c);
    sl_posix_logf(&log, SL_LOG_INFO, "%s", big);
    size_t n = capture_end(&c, out, sizeof out);
    free(big);
    assert_int_equal(n, 2048);
    assert_int_equal(out[n - 1], '\n');
    assert_memory_equal(out + n - 4, "...", 3);
    assert_ptr_equal(strchr(out, '\n'), out + n - 1);
}

static void test_errno_kept_and_adapter(void **state)
{
    (void)state;
    struct sl_posix_log log = { .level = SL_LOG_INFO, .prog = "srv" };
    struct capture c;
    char out[256];
    capture_start(&c);
    errno = ENOSPC;
    sl_posix_logf(&log, SL_LOG_ERROR, "write failed");
    assert_int_equal(errno, ENOSPC);

    /* the engine logs through struct sl_platform.log */
    struct sl_posix_platform p;
    sl_posix_platform_init(&p, &log, NULL);
    assert_non_null(p.plat.log);
    p.plat.log(p.plat.ctx, SL_LOG_WARN, "from the engine %d%%");
    p.plat.log(p.plat.ctx, SL_LOG_DEBUG, "filtered");
    sl_posix_log_platform(&log, SL_LOG_INFO, "direct");
    capture_end(&c, out, sizeof out);
    assert_non_null(strstr(out, " srv ERROR write failed\n"));
    /* the message is data, never a format */
    assert_non_null(strstr(out, " srv WARN from the engine %d%%\n"));
    assert_null(strstr(out, "filtered"));
    assert_non_null(strstr(out, " srv INFO direct\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_one_message_one_line),
        cmocka_unit_test(test_errno_kept_and_adapter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
