/* Growable byte strings, always NUL-terminated, and the small string helpers
 * that build URLs. Allocation failure ends the program (a CLI has nothing
 * better to do). */
#ifndef SIDELINKCTL_BUF_H
#define SIDELINKCTL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *bytes, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The content as a string ("" when empty); valid until the next change. */
const char *buf_str(const struct buf *b);
/* Removes the first n bytes. */
void buf_consume(struct buf *b, size_t n);

/* Appends s percent-encoded for a URL path segment or query value: every byte
 * but ALPHA, DIGIT and "-._~" is encoded, and so are the ones in keep-less
 * positions; bytes in `keep` (e.g. "/,") pass as they are. */
void buf_url_escape(struct buf *b, const char *s, const char *keep);

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
