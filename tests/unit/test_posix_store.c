/* POSIX file store: write/read, overwrite, a missing key, key rules (no
 * path traversal), a crash's leftover KEY.tmp, and failures that leave
 * nothing behind. Each test works in its own mkdtemp directory. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/posix/sl_posix.h"

struct fixture {
    char root[64];     /* mkdtemp directory */
    char dir[128];     /* root/state: the store */
    struct sl_posix_store st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/sl_store_XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->dir, sizeof f->dir, "%s/state", f->root);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        (void)unlink(path);
        return;
    }
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        remove_tree(sub);
    }
    closedir(d);
    (void)rmdir(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    remove_tree(f->root);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static bool exists(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void test_write_read(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    struct stat sb;
    assert_int_equal(stat(f->dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700); /* created private */

    static const uint8_t v1[] = { 1, 2, 3, 0, 5 };
    assert_int_equal(sl_posix_store_write(&f->st, "obj0", v1, sizeof v1), SL_OK);
    uint8_t buf[16];
    size_t len = 99;
    assert_int_equal(sl_posix_store_read(&f->st, "obj0", buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, sizeof v1);
    assert_memory_equal(buf, v1, sizeof v1);
    char path[256];
    snprintf(path, sizeof path, "%s/obj0", f->dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* keys live here */
    assert_false(exists(f->dir, "obj0.tmp"));

    /* overwrite with something shorter: no tail of the old value */
    static const uint8_t v2[] = { 9 };
    assert_int_equal(sl_posix_store_write(&f->st, "obj0", v2, sizeof v2), SL_OK);
    assert_int_equal(sl_posix_store_read(&f->st, "obj0", buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 1);
    assert_int_equal(buf[0], 9);

    /* empty values are values */
    assert_int_equal(sl_posix_store_write(&f->st, "empty", NULL, 0), SL_OK);
    len = 99;
    assert_int_equal(sl_posix_store_read(&f->st, "empty", buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 0);

    /* exactly cap fits; one more is TOO_LARGE with the size, never cut */
    uint8_t big[16];
    memset(big, 0x5A, sizeof big);
    assert_int_equal(sl_posix_store_write(&f->st, "big", big, sizeof big), SL_OK);
    assert_int_equal(sl_posix_store_read(&f->st, "big", buf, 16, &len), SL_OK);
    assert_int_equal(len, 16);
    assert_int_equal(sl_posix_store_read(&f->st, "big", buf, 15, &len), SL_ERR_TOO_LARGE);
    assert_int_equal(len, 16);
    assert_int_equal(sl_posix_store_read(&f->st, "big", NULL, 0, &len), SL_ERR_TOO_LARGE);
    assert_int_equal(len, 16);

    /* the store survives being opened again (a restart) */
    struct sl_posix_store again;
    assert_int_equal(sl_posix_store_open(&again, f->dir), SL_OK);
    assert_int_equal(sl_posix_store_read(&again, "obj0", buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 1);
}

static void test_missing_key(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    uint8_t buf[4];
    size_t len = 7;
    assert_int_equal(sl_posix_store_read(&f->st, "nothing", buf, sizeof buf, &len),
                     SL_ERR_NOT_FOUND);
    assert_int_equal(len, 7);
}

static void test_bad_keys(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    static const char *bad[] = {
        "", ".", "..", "../x", "a/b", "/etc/passwd", "a b", "a\\b", "a\nb", "caf\xc3\xa9",
        "x.tmp", ".tmp", "obj0.tmp",
        "12345678901234567890123456789012345678901234567890123456789012345", /* 65 */
    };
    static const uint8_t v = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t buf[4];
        size_t len;
        if (sl_posix_store_write(&f->st, bad[i], &v, 1) != SL_ERR_INVALID)
            fail_msg("write of key \"%s\" accepted", bad[i]);
        if (sl_posix_store_read(&f->st, bad[i], buf, sizeof buf, &len) != SL_ERR_INVALID)
            fail_msg("read of key \"%s\" accepted", bad[i]);
    }
    assert_int_equal(sl_posix_store_write(&f->st, NULL, &v, 1), SL_ERR_INVALID);
    /* nothing escaped the directory */
    assert_false(exists(f->root, "x"));
    /* the limits themselves are fine */
    static const char *good[] = {
        "a", "A-Z_a.z-0.9", "...", ".hidden", "tmp", "x.tmp2",
        "1234567890123456789012345678901234567890123456789012345678901234", /* 64 */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint8_t buf[4];
        size_t len;
        if (sl_posix_store_write(&f->st, good[i], &v, 1) != SL_OK)
            fail_msg("write of key \"%s\" refused", good[i]);
        assert_int_equal(sl_posix_store_read(&f->st, good[i], buf, sizeof buf, &len), SL_OK);
        assert_int_equal(len, 1);
    }
}

static void test_leftover_tmp(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    static const uint8_t old[] = { 'o', 'l', 'd' };
    assert_int_equal(sl_posix_store_write(&f->st, "obj1", old, sizeof old), SL_OK);
    /* a crash between creating obj1.tmp and renaming it: half a new value */
    char path[256];
    snprintf(path, sizeof path, "%s/obj1.tmp", f->dir);
    write_file(path, "ne");
    snprintf(path, sizeof path, "%s/obj2.tmp", f->dir);
    write_file(path, "orphan");
    /* files that are not ours stay */
    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    write_file(path, "keep");
    snprintf(path, sizeof path, "%s/a b.tmp", f->dir);
    write_file(path, "keep");

    /* before a restart the old value is what reads see */
    uint8_t buf[16];
    size_t len;
    assert_int_equal(sl_posix_store_read(&f->st, "obj1", buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, old, 3);

    /* the restart cleans up */
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    assert_false(exists(f->dir, "obj1.tmp"));
    assert_false(exists(f->dir, "obj2.tmp"));
    assert_true(exists(f->dir, "notes.txt"));
    assert_true(exists(f->dir, "a b.tmp"));
    assert_int_equal(sl_posix_store_read(&f->st, "obj1", buf, sizeof buf, &len), SL_OK);
    assert_memory_equal(buf, old, 3);
    assert_int_equal(sl_posix_store_read(&f->st, "obj2", buf, sizeof buf, &len), SL_ERR_NOT_FOUND);

    /* and a write over a leftover .tmp (no restart in between) is clean */
    snprintf(path, sizeof path, "%s/obj1.tmp", f->dir);
    write_file(path, "garbage garbage garbage");
    static const uint8_t v[] = { 'n', 'e', 'w' };
    assert_int_equal(sl_posix_store_write(&f->st, "obj1", v, sizeof v), SL_OK);
    assert_int_equal(sl_posix_store_read(&f->st, "obj1", buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, v, 3);
}

static void test_unwritable(void **state)
{
    struct fixture *f = *state;
    /* The tests may run as root, which ignores permissions: a path under
     * a regular file fails with ENOTDIR for anyone. */
    char file[128], under[192];
    snprintf(file, sizeof file, "%s/plain", f->root);
    write_file(file, "x");
    snprintf(under, sizeof under, "%s/state", file);
    struct sl_posix_store st;
    errno = 0;
    assert_int_equal(sl_posix_store_open(&st, under), SL_ERR_IO);
    assert_int_equal(errno, ENOTDIR); /* kept for the caller's message */
    /* a regular file where the directory should be */
    errno = 0;
    assert_int_equal(sl_posix_store_open(&st, file), SL_ERR_IO);
    assert_int_equal(errno, ENOTDIR);

    /* the directory turns into a file after open: writes and reads fail
     * cleanly, and leave no temporary file anywhere */
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    assert_int_equal(rmdir(f->dir), 0);
    write_file(f->dir, "not a directory");
    static const uint8_t v = 1;
    errno = 0;
    assert_int_equal(sl_posix_store_write(&f->st, "obj0", &v, 1), SL_ERR_IO);
    assert_int_equal(errno, ENOTDIR);
    uint8_t buf[4];
    size_t len;
    assert_int_equal(sl_posix_store_read(&f->st, "obj0", buf, sizeof buf, &len), SL_ERR_IO);

    /* a key that is a directory cannot be read as a value */
    assert_int_equal(unlink(f->dir), 0);
    assert_int_equal(sl_posix_store_open(&f->st, f->dir), SL_OK);
    char sub[192];
    snprintf(sub, sizeof sub, "%s/obj3", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(sl_posix_store_read(&f->st, "obj3", buf, sizeof buf, &len), SL_ERR_IO);
    /* nor replaced by a value: rename over a directory fails, tmp removed */
    assert_int_equal(sl_posix_store_write(&f->st, "obj3", &v, 1), SL_ERR_IO);
    assert_false(exists(f->dir, "obj3.tmp"));
}

static void test_open_arguments(void **state)
{
    (void)state;
    struct sl_posix_store st;
    assert_int_equal(sl_posix_store_open(&st, ""), SL_ERR_INVALID);
    assert_int_equal(sl_posix_store_open(&st, NULL), SL_ERR_INVALID);
    char longdir[300];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[0] = '/';
    longdir[sizeof longdir - 1] = '\0';
    assert_int_equal(sl_posix_store_open(&st, longdir), SL_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_tmp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
        cmocka_unit_test(test_open_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
