/* Configuration files of sidelink-client and sidelink-server: a small INI.
 *
 *   # a comment: a line whose first non-blank character is '#'
 *   endpoint = dev1            entries before any header have section ""
 *   [server]                   a header starts a block; a name may repeat,
 *   uri = coap://[::1]:5683    and each repetition is a new block
 *   [server]                   (this one's entries have section_index 1)
 *   psk_identity = "dev 1 \"a\""
 *
 * A value is the rest of the line after '=', blanks (space, tab) trimmed at
 * both ends, and may hold '#' and '='. A value in double quotes keeps its
 * blanks; inside, \" is a quote and \\ a backslash (nothing else follows a
 * backslash), and only blanks may follow the closing quote. Keys and
 * section names are one or more of [A-Za-z0-9_.-]. Lines end in LF or
 * CRLF and are at most SL_CONF_MAX_LINE characters; a file is at most
 * SL_CONF_MAX_FILE bytes, holds no NUL byte, and may start with a UTF-8 BOM.
 *
 * This module knows the syntax only, no key: the program walks the entries
 * in file order and reports what it rejects with sl_conf_error(), so every
 * message names the file, the line and the key. A section header with no
 * entries yields nothing; a key may repeat (the caller decides what that
 * means). App-side module: the heap is used.
 */
#ifndef SL_PLATFORM_POSIX_CONF_H
#define SL_PLATFORM_POSIX_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"

#define SL_CONF_MAX_FILE 65536
#define SL_CONF_MAX_LINE 1024

struct sl_conf_entry {
    const char *section;    /* "" before the first header */
    unsigned section_index; /* 0 for the first block of this name, 1 for the next, ... */
    const char *key;
    const char *value; /* unquoted and unescaped */
    unsigned line;     /* 1-based */
};

struct sl_conf {
    char *path;  /* as given to sl_conf_load, for messages */
    char *text;  /* the file, cut into the strings entries point to */
    struct sl_conf_entry *entries;
    size_t count;
};

/* Read and parse the file at `path`. On failure *c is left empty (safe to
 * free) and err[] holds "FILE: reason" (cannot open or read, too large) or
 * "FILE:LINE: reason" (syntax): SL_ERR_IO, SL_ERR_TOO_LARGE, SL_ERR_INVALID,
 * or SL_ERR_NOMEM. err may be NULL. */
sl_err sl_conf_load(struct sl_conf *c, const char *path, char *err, size_t errcap);

/* The entry at *cursor (start at 0), advancing it; NULL after the last. */
const struct sl_conf_entry *sl_conf_next(const struct sl_conf *c, size_t *cursor);

void sl_conf_free(struct sl_conf *c);

#if defined(__GNUC__) || defined(__clang__)
#define SL_CONF_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define SL_CONF_PRINTF(fmt_idx, arg_idx)
#endif

/* err[] = "FILE:LINE: KEY: message", or "FILE: message" when e is NULL
 * (e.g. a required key that is missing). */
void sl_conf_error(const struct sl_conf *c, const struct sl_conf_entry *e, char *err, size_t cap,
                   const char *fmt, ...) SL_CONF_PRINTF(5, 6);

/* Value parsers, total: SL_ERR_INVALID for bad syntax, and *out untouched
 * on any error. */
/* Decimal digits only (no sign, no blank); SL_ERR_RANGE outside min..max. */
sl_err sl_conf_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out);
/* true/yes/1 or false/no/0, any case. */
sl_err sl_conf_bool(const char *v, bool *out);
/* An even number of hex digits, any case, no prefix or blanks; "" is zero
 * bytes. SL_ERR_OVERFLOW when more than cap bytes. */
sl_err sl_conf_hex(const char *v, uint8_t *out, size_t cap, size_t *len);

#endif
