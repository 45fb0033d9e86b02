/* Intrusive chained hash map with byte-string keys (FNV-1a, 64-bit). */
#include "server/srv_map.h"

#include <stdlib.h>
#include <string.h>

void srv_map_init(struct srv_map *m)
{
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
}

void srv_map_free(struct srv_map *m)
{
    free(m->buckets);
    srv_map_init(m);
}

uint64_t srv_map_hash(const void *key, size_t len)
{
    const uint8_t *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < len; k++) {
        h ^= p[k];
        h *= 1099511628211ull;
    }
    return h;
}

static bool grow(struct srv_map *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
    struct srv_map_node **b = calloc(n, sizeof *b);
    if (!b)
        return false;
    for (size_t k = 0; k < m->nbuckets; k++) {
        struct srv_map_node *e = m->buckets[k];
        while (e) {
            struct srv_map_node *next = e->next;
            size_t i = (size_t)(e->hash & (n - 1));
            e->next = b[i];
            b[i] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return true;
}

bool srv_map_insert(struct srv_map *m, struct srv_map_node *n, const void *key, size_t klen)
{
    if (m->count >= m->nbuckets && !grow(m) && m->nbuckets == 0)
        return false;
    n->key = key;
    n->klen = klen;
    n->hash = srv_map_hash(key, klen);
    size_t i = (size_t)(n->hash & (m->nbuckets - 1));
    n->next = m->buckets[i];
    m->buckets[i] = n;
    m->count++;
    return true;
}

struct srv_map_node *srv_map_find(const struct srv_map *m, const void *key, size_t klen)
{
    if (m->nbuckets == 0)
        return NULL;
    uint64_t h = srv_map_hash(key, klen);
    for (struct srv_map_node *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next)
        if (e->hash == h && e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0))
            return e;
    return NULL;
}

void srv_map_remove(struct srv_map *m, struct srv_map_node *n)
{
    if (m->nbuckets == 0)
        return;
    struct srv_map_node **pp = &m->buckets[n->hash & (m->nbuckets - 1)];
    while (*pp) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            m->count--;
            return;
        }
        pp = &(*pp)->next;
    }
}

static struct srv_map_node *advance(const struct srv_map *m, struct srv_map_iter *it)
{
    while (!it->next && it->bucket < m->nbuckets)
        it->next = m->buckets[it->bucket++];
    struct srv_map_node *cur = it->next;
    if (cur)
        it->next = cur->next;
    return cur;
}

struct srv_map_node *srv_map_first(const struct srv_map *m, struct srv_map_iter *it)
{
    it->bucket = 0;
    it->next = NULL;
    return advance(m, it);
}

struct srv_map_node *srv_map_next(const struct srv_map *m, struct srv_map_iter *it)
{
    return advance(m, it);
}
