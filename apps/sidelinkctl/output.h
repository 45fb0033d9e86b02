/* Human-readable output: aligned tables, resource values as text, LwM2M
 * nodes flattened to one row per resource (instance), and times. */
#ifndef SIDELINKCTL_OUTPUT_H
#define SIDELINKCTL_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

#include "buf.h"

/* A table of text cells printed with aligned columns (two spaces apart, the
 * last column not padded). */
struct table {
    size_t ncols;
    size_t nrows; /* the header row included, if any */
    char **cells; /* nrows * ncols, owned */
};

/* headers: ncols column titles, or NULL for a table without a header row. */
void table_init(struct table *t, size_t ncols, const char *const *headers);
/* Adds a row of ncols cells (NULL prints as "-"); they are copied. */
void table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* Appends the text of a JSON value as a user reads it: strings as they are,
 * numbers (floats shortest exact), true/false, an objlnk as "3:0", null as
 * "null", anything else as compact JSON. */
void out_value_text(const json_t *v, struct buf *out);

/* Calls leaf() for each value in an LwM2M node (singleResource,
 * resourceInstance, multiResource, instance, obj; DESIGN 5) at `path`, the
 * node's own path: one call per resource or resource instance, with its full
 * path, its type (or NULL) and its value. */
typedef void (*out_leaf_fn)(void *arg, const char *path, const char *type, const json_t *value);
void out_node_leaves(const json_t *node, const char *path, out_leaf_fn leaf, void *arg);

/* Adds one row PATH TYPE VALUE to a 3-column table per leaf of the node. */
void out_node_rows(struct table *t, const json_t *node, const char *path);

/* Local time as "2024-05-01T12:34:56.789+02:00": now, or epoch milliseconds. */
void out_time_now(char *out, size_t size);
void out_time_ms(long long ms, char *out, size_t size);

/* A registration time as text: epoch milliseconds (number) or a string as it is. */
void out_time_value(const json_t *v, struct buf *out);

#endif
