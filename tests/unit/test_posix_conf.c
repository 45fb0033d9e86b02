/* Config files: a file with every construct, repeated sections and their
 * indexes, each syntax error with its exact "FILE:LINE: message", load
 * failures, the caller-side error helper, and the value parsers at their
 * limits. Files are written into a mkdtemp directory. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/posix/conf.h"

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sl_conf_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.conf", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    (void)unlink(f->path);
    (void)rmdir(f->dir);
    free(f);
    return 0;
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

struct expect {
    const char *section;
    unsigned index;
    const char *key;
    const char *value;
    unsigned line;
};

static void test_every_construct(void **state)
{
    struct fixture *f = *state;
    write_text(f->path,
               "\xEF\xBB\xBF# a comment before anything\n"    /* 1 */
               "top = level   \n"                             /* 2 */
               "\n"                                           /* 3 */
               "   \t# an indented comment\n"                 /* 4 */
               "  endpoint=dev-1\n"                           /* 5 */
               "[server]\n"                                   /* 6 */
               "uri = coap://127.0.0.1:5683\n"                /* 7 */
               "lifetime\t=\t300\n"                           /* 8 */
               "  [ client.a-b_c ]   \n"                      /* 9 */
               "quoted = \"  a \\\"b\\\" \\\\ c # kept \"  \n" /* 10 */
               "hash = abc # def\n"                           /* 11 */
               "eq = a=b\n"                                   /* 12 */
               "empty =\n"                                    /* 13 */
               "emptyq = \"\"\n"                              /* 14 */
               "inner = a \"b\" c\n"                          /* 15 */
               "[server]\n"                                   /* 16 */
               "[other]\n"                                    /* 17 */
               "[server]\n"                                   /* 18 */
               "uri = coaps://[::1]\r\n"                      /* 19 */
               "\r\n"                                         /* 20 */
               "uri = again\n"                                /* 21 */
               "last = no newline at the end");               /* 22 */
    static const struct expect want[] = {
        { "", 0, "top", "level", 2 },
        { "", 0, "endpoint", "dev-1", 5 },
        { "server", 0, "uri", "coap://127.0.0.1:5683", 7 },
        { "server", 0, "lifetime", "300", 8 },
        { "client.a-b_c", 0, "quoted", "  a \"b\" \\ c # kept ", 10 },
        { "client.a-b_c", 0, "hash", "abc # def", 11 },
        { "client.a-b_c", 0, "eq", "a=b", 12 },
        { "client.a-b_c", 0, "empty", "", 13 },
        { "client.a-b_c", 0, "emptyq", "", 14 },
        { "client.a-b_c", 0, "inner", "a \"b\" c", 15 },
        /* line 16 is server block 1 with no entries; 18 is block 2 */
        { "server", 2, "uri", "coaps://[::1]", 19 },
        { "server", 2, "uri", "again", 21 },
        { "server", 2, "last", "no newline at the end", 22 },
    };
    struct sl_conf c;
    char err[256] = "untouched";
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_OK);
    assert_string_equal(err, "");
    assert_int_equal(c.count, sizeof want / sizeof want[0]);
    size_t cursor = 0;
    const struct sl_conf_entry *e;
    size_t i = 0;
    while ((e = sl_conf_next(&c, &cursor)) != NULL) {
        assert_true(i < sizeof want / sizeof want[0]);
        assert_string_equal(e->section, want[i].section);
        assert_int_equal(e->section_index, want[i].index);
        assert_string_equal(e->key, want[i].key);
        assert_string_equal(e->value, want[i].value);
        assert_int_equal(e->line, want[i].line);
        i++;
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    assert_null(sl_conf_next(&c, &cursor)); /* stays at the end */
    sl_conf_free(&c);
    sl_conf_free(&c); /* freeing twice is harmless */
}

static void test_repeated_sections(void **state)
{
    struct fixture *f = *state;
    write_text(f->path, "[server]\nuri = a\n[object]\nid = 3303\n[server]\nuri = b\n"
                        "[object]\nid = 3311\n[server]\nuri = c\n");
    struct sl_conf c;
    char err[128];
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_OK);
    assert_int_equal(c.count, 5);
    static const char *values[] = { "a", "3303", "b", "3311", "c" };
    static const unsigned index[] = { 0, 0, 1, 1, 2 };
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(c.entries[i].value, values[i]);
        assert_int_equal(c.entries[i].section_index, index[i]);
    }
    sl_conf_free(&c);
}

static void expect_syntax_error(const struct fixture *f, const char *text, size_t len,
                                const char *want)
{
    write_bytes(f->path, text, len);
    struct sl_conf c;
    char err[256];
    memset(&c, 0x55, sizeof c);
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_ERR_INVALID);
    char full[512];
    snprintf(full, sizeof full, "%s:%s", f->path, want);
    assert_string_equal(err, full);
    /* left empty */
    assert_null(c.entries);
    assert_null(c.text);
    assert_int_equal(c.count, 0);
    sl_conf_free(&c);
}

#define SYNTAX(text, want) expect_syntax_error(f, (text), sizeof(text) - 1, (want))

static void test_syntax_errors(void **state)
{
    struct fixture *f = *state;
    SYNTAX("a = 1\nnokey\n", "2: missing '=' (expected \"key = value\")");
    SYNTAX("a = 1\n\n  = 1\n", "3: missing key before '='");
    SYNTAX("bad key = 1\n", "1: bad key \"bad key\": use letters, digits, '_', '.', '-'");
    SYNTAX("[s]\nk/x = 1\n", "2: bad key \"k/x\": use letters, digits, '_', '.', '-'");
    SYNTAX("k\xc3\xa9 = 1\n", "1: bad key \"k\xc3\xa9\": use letters, digits, '_', '.', '-'");
    SYNTAX("k = \"abc\n", "1: unterminated quoted value");
    SYNTAX("k = \"abc\\\"\n", "1: unterminated quoted value");
    SYNTAX("k = \"abc\\", "1: unterminated quoted value");
    SYNTAX("# c\nk = \"a\" b\n", "2: text after the closing quote");
    SYNTAX("k = \"a\" # comment\n", "1: text after the closing quote");
    SYNTAX("k = \"a\\n\"\n", "1: unknown escape '\\n' in quoted value (only \\\" and \\\\)");
    SYNTAX("[server\n", "1: missing ']' in section header");
    SYNTAX("[server] x\n", "1: text after ']' in section header");
    SYNTAX("[server]]\n", "1: text after ']' in section header");
    SYNTAX("[ ]\n", "1: bad section name \"\": use letters, digits, '_', '.', '-'");
    SYNTAX("[a b]\n", "1: bad section name \"a b\": use letters, digits, '_', '.', '-'");
    SYNTAX("a = 1\r\nb = 2\r\nc\r\n", "3: missing '=' (expected \"key = value\")");
    SYNTAX("a = 1\n\nb = 2\0\n", "3: NUL byte in the file");

    /* line length: 1024 characters are fine (CR LF not counted), 1025 not */
    char line[1100];
    memset(line, 'v', sizeof line);
    memcpy(line, "k = ", 4);
    memcpy(line + 1024, "\r\n", 2);
    write_bytes(f->path, line, 1026);
    struct sl_conf c;
    char err[256];
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(strlen(c.entries[0].value), 1020);
    sl_conf_free(&c);
    memset(line, 'v', sizeof line);
    memcpy(line, "a = 1\nk = ", 10);
    line[6 + 1025] = '\n';
    expect_syntax_error(f, line, 6 + 1026, "2: line longer than 1024 characters");
}

static void test_load_failures(void **state)
{
    struct fixture *f = *state;
    struct sl_conf c;
    char err[256], want[256];

    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_ERR_IO);
    snprintf(want, sizeof want, "%s: No such file or directory", f->path);
    assert_string_equal(err, want);
    sl_conf_free(&c);

    assert_int_equal(sl_conf_load(&c, f->dir, err, sizeof err), SL_ERR_IO);
    snprintf(want, sizeof want, "%s: Is a directory", f->dir);
    assert_string_equal(err, want);

    /* 64 KiB exactly is allowed; one byte more is not */
    char *big = malloc(SL_CONF_MAX_FILE + 1);
    assert_non_null(big);
    memset(big, '\n', SL_CONF_MAX_FILE + 1);
    memcpy(big, "k = v", 5);
    write_bytes(f->path, big, SL_CONF_MAX_FILE);
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_OK);
    assert_int_equal(c.count, 1);
    sl_conf_free(&c);
    write_bytes(f->path, big, SL_CONF_MAX_FILE + 1);
    free(big);
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_ERR_TOO_LARGE);
    snprintf(want, sizeof want, "%s: larger than 65536 bytes", f->path);
    assert_string_equal(err, want);
    assert_null(c.entries);

    /* an empty file is an empty configuration */
    write_text(f->path, "");
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_OK);
    assert_int_equal(c.count, 0);
    size_t cursor = 0;
    assert_null(sl_conf_next(&c, &cursor));
    sl_conf_free(&c);

    /* err may be NULL or tiny */
    write_text(f->path, "nokey\n");
    assert_int_equal(sl_conf_load(&c, f->path, NULL, 0), SL_ERR_INVALID);
    char tiny[6];
    assert_int_equal(sl_conf_load(&c, f->path, tiny, sizeof tiny), SL_ERR_INVALID);
    assert_int_equal(strlen(tiny), 5);
}

static void test_error_helper(void **state)
{
    struct fixture *f = *state;
    write_text(f->path, "\n[server]\nlifetime = 0\n");
    struct sl_conf c;
    char err[256], want[256];
    assert_int_equal(sl_conf_load(&c, f->path, err, sizeof err), SL_OK);
    size_t cursor = 0;
    const struct sl_conf_entry *e = sl_conf_next(&c, &cursor);
    assert_non_null(e);
    sl_conf_error(&c, e, err, sizeof err, "must be %u..%u", 1u, 86400u);
    snprintf(want, sizeof want, "%s:3: lifetime: must be 1..86400", f->path);
    assert_string_equal(err, want);
    sl_conf_error(&c, NULL, err, sizeof err, "missing key \"%s\"", "endpoint");
    snprintf(want, sizeof want, "%s: missing key \"endpoint\"", f->path);
    assert_string_equal(err, want);
    char tiny[4];
    sl_conf_error(&c, e, tiny, sizeof tiny, "x");
    assert_int_equal(strlen(tiny), 3);
    sl_conf_error(&c, e, NULL, 0, "x");
    sl_conf_free(&c);
}

static void test_u32(void **state)
{
    (void)state;
    uint32_t v = 7;
    assert_int_equal(sl_conf_u32("0", 0, UINT32_MAX, &v), SL_OK);
    assert_int_equal(v, 0);
    assert_int_equal(sl_conf_u32("4294967295", 0, UINT32_MAX, &v), SL_OK);
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(sl_conf_u32("0004294967295", 0, UINT32_MAX, &v), SL_OK);
    assert_int_equal(v, UINT32_MAX);
    v = 7;
    assert_int_equal(sl_conf_u32("4294967296", 0, UINT32_MAX, &v), SL_ERR_RANGE);
    assert_int_equal(sl_conf_u32("99999999999999999999999", 0, UINT32_MAX, &v), SL_ERR_RANGE);
    assert_int_equal(v, 7);
    /* a range of the caller's */
    assert_int_equal(sl_conf_u32("1", 1, 65535, &v), SL_OK);
    assert_int_equal(v, 1);
    assert_int_equal(sl_conf_u32("65535", 1, 65535, &v), SL_OK);
    assert_int_equal(v, 65535);
    v = 7;
    assert_int_equal(sl_conf_u32("0", 1, 65535, &v), SL_ERR_RANGE);
    assert_int_equal(sl_conf_u32("65536", 1, 65535, &v), SL_ERR_RANGE);
    assert_int_equal(v, 7);
    static const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.5", "1e3",
                                 "99999999999999999999x", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sl_conf_u32(bad[i], 0, UINT32_MAX, &v) != SL_ERR_INVALID)
            fail_msg("\"%s\" not invalid", bad[i] ? bad[i] : "(null)");
        assert_int_equal(v, 7);
    }
}

static void test_bool(void **state)
{
    (void)state;
    static const char *yes[] = { "true", "yes", "1", "TRUE", "Yes" };
    static const char *no[] = { "false", "no", "0", "False", "NO" };
    for (size_t i = 0; i < 5; i++) {
        bool b = false;
        assert_int_equal(sl_conf_bool(yes[i], &b), SL_OK);
        assert_true(b);
        assert_int_equal(sl_conf_bool(no[i], &b), SL_OK);
        assert_false(b);
    }
    static const char *bad[] = { "", "on", "off", "2", "y", "n", "true ", "t", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool b = true;
        assert_int_equal(sl_conf_bool(bad[i], &b), SL_ERR_INVALID);
        assert_true(b);
    }
}

static void test_hex_values(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t len = 99;
    assert_int_equal(sl_conf_hex("", out, sizeof out, &len), SL_OK);
    assert_int_equal(len, 0);
    assert_int_equal(sl_conf_hex("00fF0a9B", out, sizeof out, &len), SL_OK);
    assert_int_equal(len, 4);
    assert_hex_equal("00ff0a9b", out, 4);
    /* one byte more than cap: overflow, nothing written */
    memset(out, 0xEE, sizeof out);
    len = 99;
    assert_int_equal(sl_conf_hex("0102030405", out, sizeof out, &len), SL_ERR_OVERFLOW);
    assert_int_equal(len, 99);
    assert_hex_equal("eeeeeeee", out, 4);
    static const char *bad[] = { "0", "abc", "0g", "0x00", " 00", "00 ", "00:11", "zz", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sl_conf_hex(bad[i], out, sizeof out, &len) != SL_ERR_INVALID)
            fail_msg("\"%s\" not invalid", bad[i] ? bad[i] : "(null)");
        assert_int_equal(len, 99);
        assert_hex_equal("eeeeeeee", out, 4);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_construct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_helper, setup, teardown),
        cmocka_unit_test(test_u32),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_hex_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
