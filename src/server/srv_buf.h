/* Growable byte buffers and a small arena for the server (heap is fine
 * here, DESIGN 1b). Both fail soft: an allocation failure sets `oom` and
 * later appends do nothing, so a caller checks once at the end. */
#ifndef SRV_BUF_H
#define SRV_BUF_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct srv_buf {
    uint8_t *p;
    size_t len, cap;
    size_t limit; /* 0: unlimited; appends past it fail (oom set) */
    bool oom;
};

void srv_buf_init(struct srv_buf *b, size_t limit);
void srv_buf_free(struct srv_buf *b);
void srv_buf_reset(struct srv_buf *b);
bool srv_buf_reserve(struct srv_buf *b, size_t extra);
bool srv_buf_put(struct srv_buf *b, const void *p, size_t n);
bool srv_buf_puts(struct srv_buf *b, const char *s);
bool srv_buf_printf(struct srv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate without counting the NUL in len. */
bool srv_buf_cstr(struct srv_buf *b);
/* Hand the bytes over (caller frees); the buffer is empty afterwards. */
uint8_t *srv_buf_take(struct srv_buf *b, size_t *len);

/* Arena: many small allocations freed at once. */
struct srv_arena_chunk;
struct srv_arena {
    struct srv_arena_chunk *head;
    bool oom;
};
void srv_arena_init(struct srv_arena *a);
void srv_arena_free(struct srv_arena *a);
void *srv_arena_alloc(struct srv_arena *a, size_t n);
void *srv_arena_dup(struct srv_arena *a, const void *p, size_t n);
char *srv_arena_strndup(struct srv_arena *a, const char *s, size_t n);

/* Lowercase hex of p[0..n) appended to b. */
bool srv_buf_hex(struct srv_buf *b, const uint8_t *p, size_t n);
/* Parse hex (either case, even length) into a fresh arena block; NULL and
 * *ok false on bad input. An empty string gives a non-NULL empty result. */
uint8_t *srv_hex_decode(struct srv_arena *a, const char *s, size_t n, size_t *out_len, bool *ok);

#endif
