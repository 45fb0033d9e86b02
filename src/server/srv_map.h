/* An intrusive hash map keyed by byte strings, for the server's tables
 * (registrations by endpoint and by ID, observations by token, outgoing
 * messages by address and message ID, ...).
 *
 * The user embeds a struct srv_map_node in its own struct, sets the key
 * (pointer and length into that struct, which must stay valid and unchanged
 * while the node is in a map) and inserts it. Lookups compare the key bytes.
 * The map grows by doubling when it holds more nodes than buckets; it never
 * shrinks. Not thread-safe; the server touches its maps from the loop only.
 */
#ifndef SRV_MAP_H
#define SRV_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_map_node {
    struct srv_map_node *next;
    uint64_t hash;
    const void *key;
    size_t klen;
};

struct srv_map {
    struct srv_map_node **buckets;
    size_t nbuckets; /* a power of two, or 0 before the first insert */
    size_t count;
};

void srv_map_init(struct srv_map *m);
/* Frees the bucket array only; the nodes belong to their owners. */
void srv_map_free(struct srv_map *m);

uint64_t srv_map_hash(const void *key, size_t len);

/* Insert n with key (key, klen). Returns false when out of memory (n is
 * then not in the map). Duplicate keys are allowed; lookups find the newest. */
bool srv_map_insert(struct srv_map *m, struct srv_map_node *n, const void *key, size_t klen);
struct srv_map_node *srv_map_find(const struct srv_map *m, const void *key, size_t klen);
/* Remove n, which must be in m. */
void srv_map_remove(struct srv_map *m, struct srv_map_node *n);

/* Iteration: for (n = srv_map_first(m, &it); n; n = srv_map_next(m, &it)).
 * Removing the current node during iteration is allowed. */
struct srv_map_iter {
    size_t bucket;
    struct srv_map_node *next;
};
struct srv_map_node *srv_map_first(const struct srv_map *m, struct srv_map_iter *it);
struct srv_map_node *srv_map_next(const struct srv_map *m, struct srv_map_iter *it);

#define SRV_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
