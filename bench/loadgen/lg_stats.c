/* Latency samples and the retransmission timer heap. */
#include <stdlib.h>
#include <string.h>

#include "lg.h"

void lg_lat_add(struct lg_lat *l, uint64_t us)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        uint32_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return; /* a lost sample; the counters still count it */
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile. */
double lg_lat_pct_ms(struct lg_lat *l, double p)
{
    if (l->n == 0)
        return 0;
    qsort(l->v, l->n, sizeof *l->v, cmp_u32);
    size_t rank = (size_t)(p / 100.0 * (double)l->n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > l->n)
        rank = l->n;
    return l->v[rank - 1] / 1000.0;
}

double lg_lat_mean_ms(const struct lg_lat *l)
{
    if (l->n == 0)
        return 0;
    double sum = 0;
    for (size_t k = 0; k < l->n; k++)
        sum += l->v[k];
    return sum / (double)l->n / 1000.0;
}

void lg_lat_reset(struct lg_lat *l)
{
    l->n = 0;
}

void lg_lat_free(struct lg_lat *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- binary min-heap by due time ---- */

bool lg_heap_push(struct lg_heap *h, struct lg_timer t)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct lg_timer *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return false;
        h->v = v;
        h->cap = cap;
    }
    size_t k = h->n++;
    while (k > 0) {
        size_t parent = (k - 1) / 2;
        if (h->v[parent].due_us <= t.due_us)
            break;
        h->v[k] = h->v[parent];
        k = parent;
    }
    h->v[k] = t;
    return true;
}

bool lg_heap_peek(const struct lg_heap *h, struct lg_timer *out)
{
    if (h->n == 0)
        return false;
    *out = h->v[0];
    return true;
}

void lg_heap_pop(struct lg_heap *h)
{
    if (h->n == 0)
        return;
    struct lg_timer last = h->v[--h->n];
    size_t k = 0;
    for (;;) {
        size_t child = 2 * k + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && h->v[child + 1].due_us < h->v[child].due_us)
            child++;
        if (last.due_us <= h->v[child].due_us)
            break;
        h->v[k] = h->v[child];
        k = child;
    }
    if (h->n)
        h->v[k] = last;
}

void lg_heap_free(struct lg_heap *h)
{
    free(h->v);
    memset(h, 0, sizeof *h);
}
