/* The persistent key-value store: one file per key in one directory.
 *
 * A write goes to KEY.tmp, is fsynced, renamed over KEY, and the directory
 * is fsynced. rename(2) replaces atomically, so a crash (kill -9, power
 * loss) at any point leaves KEY with the old or the new bytes, never a mix;
 * the directory fsync makes the rename itself survive a power loss. A crash
 * before the rename leaves a KEY.tmp, which open() deletes.
 *
 * Files are 0600 and the directory 0700: the state holds PSKs and OSCORE
 * master secrets.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/posix/sl_posix.h"

#define TMP_SUFFIX ".tmp"
#define TMP_SUFFIX_LEN 4
/* dir "/" key ".tmp" NUL */
#define PATH_CAP (sizeof(((struct sl_posix_store *)0)->dir) + 1 + SL_POSIX_STORE_KEY_MAX + TMP_SUFFIX_LEN + 1)

static bool is_key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static bool ends_with_tmp(const char *s, size_t len)
{
    return len >= TMP_SUFFIX_LEN && memcmp(s + len - TMP_SUFFIX_LEN, TMP_SUFFIX, TMP_SUFFIX_LEN) == 0;
}

/* The key rules keep every key a plain file name inside the directory: no
 * '/', no "..", nothing hidden behind the temporary-file suffix. */
static bool key_chars_valid(const char *key, size_t len)
{
    if (len == 0 || len > SL_POSIX_STORE_KEY_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_key_char(key[i]))
            return false;
    if ((len == 1 && key[0] == '.') || (len == 2 && key[0] == '.' && key[1] == '.'))
        return false;
    return true;
}

static bool key_valid(const char *key)
{
    if (!key)
        return false;
    size_t len = strnlen(key, SL_POSIX_STORE_KEY_MAX + 1);
    return key_chars_valid(key, len) && !ends_with_tmp(key, len);
}

static sl_err key_path(const struct sl_posix_store *st, const char *key, bool tmp, char *path,
                       size_t cap)
{
    int n = snprintf(path, cap, "%s/%s%s", st->dir, key, tmp ? TMP_SUFFIX : "");
    return n < 0 || (size_t)n >= cap ? SL_ERR_INVALID : SL_OK;
}

/* Remove what a crash between creating KEY.tmp and renaming it left. Only
 * names that a write of a valid key makes are touched; a file that cannot
 * be removed is harmless (reads never look at it, the next write of its key
 * truncates it), so only failing to read the directory is an error. */
static sl_err remove_stale_tmp(const struct sl_posix_store *st)
{
    DIR *d = opendir(st->dir);
    if (!d)
        return SL_ERR_IO;
    for (;;) {
        errno = 0;
        const struct dirent *de = readdir(d);
        if (!de)
            break;
        size_t len = strlen(de->d_name);
        if (!ends_with_tmp(de->d_name, len) ||
            !key_chars_valid(de->d_name, len - TMP_SUFFIX_LEN))
            continue;
        char path[PATH_CAP];
        int n = snprintf(path, sizeof path, "%s/%s", st->dir, de->d_name);
        if (n > 0 && (size_t)n < sizeof path)
            (void)unlink(path);
    }
    int e = errno;
    closedir(d);
    errno = e;
    return e == 0 ? SL_OK : SL_ERR_IO;
}

sl_err sl_posix_store_open(struct sl_posix_store *st, const char *dir)
{
    size_t len = dir ? strnlen(dir, sizeof st->dir) : 0;
    if (len == 0 || len >= sizeof st->dir) {
        errno = len == 0 ? EINVAL : ENAMETOOLONG;
        return SL_ERR_INVALID;
    }
    memcpy(st->dir, dir, len + 1);
    if (mkdir(st->dir, 0700) != 0 && errno != EEXIST)
        return SL_ERR_IO;
    struct stat sb;
    if (stat(st->dir, &sb) != 0)
        return SL_ERR_IO;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return SL_ERR_IO;
    }
    return remove_stale_tmp(st);
}

sl_err sl_posix_store_read(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    const struct sl_posix_store *st = ctx;
    char path[PATH_CAP];
    if (!key_valid(key) || key_path(st, key, false, path, sizeof path) != SL_OK)
        return SL_ERR_INVALID;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SL_ERR_NOT_FOUND : SL_ERR_IO;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return SL_ERR_IO;
    }
    /* Read to end of file rather than trust st_size: whatever the file
     * holds, more than cap is reported, never cut. */
    size_t done = 0;
    sl_err err = SL_OK;
    for (;;) {
        uint8_t extra;
        bool full = done >= cap;
        ssize_t n = read(fd, full ? &extra : buf + done, full ? 1 : cap - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = SL_ERR_IO;
            break;
        }
        if (n == 0)
            break;
        if (full) {
            err = SL_ERR_TOO_LARGE;
            break;
        }
        done += (size_t)n;
    }
    int e = errno;
    close(fd);
    errno = e;
    if (err == SL_ERR_TOO_LARGE)
        *len = (size_t)sb.st_size > cap ? (size_t)sb.st_size : cap + 1;
    else if (err == SL_OK)
        *len = done;
    return err;
}

static sl_err write_all(int fd, const uint8_t *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return SL_ERR_IO;
        }
        done += (size_t)n;
    }
    return SL_OK;
}

static sl_err sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SL_ERR_IO;
    /* Some file systems cannot fsync a directory (EINVAL): nothing more can
     * be done there, and the rename has happened. */
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc == 0 || e == EINVAL ? SL_OK : SL_ERR_IO;
}

sl_err sl_posix_store_write(void *ctx, const char *key, const uint8_t *data, size_t len)
{
    const struct sl_posix_store *st = ctx;
    char tmp[PATH_CAP], final[PATH_CAP];
    if (!key_valid(key) || key_path(st, key, true, tmp, sizeof tmp) != SL_OK ||
        key_path(st, key, false, final, sizeof final) != SL_OK)
        return SL_ERR_INVALID;
    if (len > 0 && !data)
        return SL_ERR_INVALID;
    /* O_TRUNC: a KEY.tmp left by a crash is overwritten, not appended to. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return SL_ERR_IO;
    bool ok = write_all(fd, data, len) == SL_OK && fsync(fd) == 0;
    int e = errno;
    /* close() can report a deferred write error (NFS): it counts. */
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, final) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        (void)unlink(tmp);
        errno = e;
        return SL_ERR_IO;
    }
    return sync_dir(st->dir);
}
