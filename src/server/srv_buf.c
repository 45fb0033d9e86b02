/* Growable buffers, arenas, hex. */
#include "server/srv_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_buf_init(struct srv_buf *b, size_t limit)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->limit = limit;
    b->oom = false;
}

void srv_buf_free(struct srv_buf *b)
{
    free(b->p);
    srv_buf_init(b, b->limit);
}

void srv_buf_reset(struct srv_buf *b)
{
    b->len = 0;
    b->oom = false;
}

bool srv_buf_reserve(struct srv_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX / 2 - b->len || (b->limit && b->len + extra > b->limit)) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1; /* room for a NUL */
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

bool srv_buf_put(struct srv_buf *b, const void *p, size_t n)
{
    if (!srv_buf_reserve(b, n))
        return false;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

bool srv_buf_puts(struct srv_buf *b, const char *s)
{
    return srv_buf_put(b, s, strlen(s));
}

bool srv_buf_printf(struct srv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    bool ok;
    if (n < 0) {
        ok = false;
    } else if ((size_t)n < sizeof tmp) {
        ok = srv_buf_put(b, tmp, (size_t)n);
    } else if (srv_buf_reserve(b, (size_t)n)) {
        vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
        ok = true;
    } else {
        ok = false;
    }
    va_end(ap2);
    return ok;
}

bool srv_buf_cstr(struct srv_buf *b)
{
    if (!srv_buf_reserve(b, 0))
        return false;
    b->p[b->len] = 0;
    return true;
}

uint8_t *srv_buf_take(struct srv_buf *b, size_t *len)
{
    uint8_t *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

struct srv_arena_chunk {
    struct srv_arena_chunk *next;
    max_align_t data[];
};

void srv_arena_init(struct srv_arena *a)
{
    a->head = NULL;
    a->oom = false;
}

void srv_arena_free(struct srv_arena *a)
{
    while (a->head) {
        struct srv_arena_chunk *c = a->head;
        a->head = c->next;
        free(c);
    }
    a->oom = false;
}

void *srv_arena_alloc(struct srv_arena *a, size_t n)
{
    if (n > SIZE_MAX - sizeof(struct srv_arena_chunk) - 1) {
        a->oom = true;
        return NULL;
    }
    struct srv_arena_chunk *c = malloc(sizeof *c + n + 1);
    if (!c) {
        a->oom = true;
        return NULL;
    }
    c->next = a->head;
    a->head = c;
    return c->data;
}

void *srv_arena_dup(struct srv_arena *a, const void *p, size_t n)
{
    uint8_t *d = srv_arena_alloc(a, n);
    if (d) {
        if (n)
            memcpy(d, p, n);
        d[n] = 0;
    }
    return d;
}

char *srv_arena_strndup(struct srv_arena *a, const char *s, size_t n)
{
    return srv_arena_dup(a, s, n);
}

bool srv_buf_hex(struct srv_buf *b, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (!srv_buf_reserve(b, 2 * n))
        return false;
    for (size_t k = 0; k < n; k++) {
        b->p[b->len++] = (uint8_t)digits[p[k] >> 4];
        b->p[b->len++] = (uint8_t)digits[p[k] & 15];
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *srv_hex_decode(struct srv_arena *a, const char *s, size_t n, size_t *out_len, bool *ok)
{
    *ok = false;
    if (n % 2)
        return NULL;
    uint8_t *d = srv_arena_alloc(a, n / 2);
    if (!d)
        return NULL;
    for (size_t k = 0; k < n / 2; k++) {
        int hi = hexval(s[2 * k]), lo = hexval(s[2 * k + 1]);
        if (hi < 0 || lo < 0)
            return NULL;
        d[k] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = n / 2;
    *ok = true;
    return d;
}
