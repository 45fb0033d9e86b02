/* Human-readable output. */
#include "output.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "value.h"

void table_init(struct table *t, size_t ncols, const char *const *headers)
{
    t->ncols = ncols;
    t->nrows = 0;
    t->cells = NULL;
    if (headers != NULL)
        table_add(t, headers);
}

void table_add(struct table *t, const char *const *cells)
{
    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = xstrdup(cells[c] != NULL ? cells[c] : "-");
    t->nrows++;
}

/* Width on a terminal, counted in UTF-8 code points. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    }
    return w;
}

void table_print(const struct table *t, FILE *f)
{
    size_t *width = xmalloc(t->ncols * sizeof *width);
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = text_width(t->cells[r * t->ncols + c]);
            width[c] = w > width[c] ? w : width[c];
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, f);
            if (c + 1 < t->ncols) {
                for (size_t pad = text_width(cell); pad < width[c] + 2; pad++)
                    fputc(' ', f);
            }
        }
        fputc('\n', f);
    }
    free(width);
    fflush(f);
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
}

void out_value_text(const json_t *v, struct buf *out)
{
    char num[48];
    switch (json_typeof(v)) {
    case JSON_STRING:
        buf_add(out, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return;
    case JSON_REAL:
        value_format_double(json_real_value(v), num, sizeof num);
        buf_puts(out, num);
        return;
    case JSON_TRUE:
        buf_puts(out, "true");
        return;
    case JSON_FALSE:
        buf_puts(out, "false");
        return;
    case JSON_NULL:
        buf_puts(out, "null");
        return;
    case JSON_OBJECT: {
        const json_t *obj = json_object_get(v, "objectId");
        const json_t *inst = json_object_get(v, "objectInstanceId");
        if (json_object_size(v) == 2 && json_is_integer(obj) && json_is_integer(inst)) {
            buf_printf(out, "%" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT,
                       json_integer_value(obj), json_integer_value(inst));
            return;
        }
        break;
    }
    default:
        break;
    }
    char *s = value_dump(v);
    buf_puts(out, s);
    free(s);
}

/* "ID" of a child node as text, from a number or a string. */
static bool child_id(const json_t *node, struct buf *out)
{
    const json_t *id = json_object_get(node, "id");
    if (json_is_integer(id)) {
        buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return true;
    }
    if (json_is_string(id)) {
        buf_puts(out, json_string_value(id));
        return true;
    }
    return false;
}

static void child_leaves(const json_t *child, const char *path, out_leaf_fn leaf, void *arg)
{
    struct buf p;
    buf_init(&p);
    buf_puts(&p, path);
    buf_putc(&p, '/');
    if (!child_id(child, &p))
        buf_putc(&p, '?');
    out_node_leaves(child, buf_str(&p), leaf, arg);
    buf_free(&p);
}

void out_node_leaves(const json_t *node, const char *path, out_leaf_fn leaf, void *arg)
{
    if (!json_is_object(node)) {
        leaf(arg, path, NULL, node);
        return;
    }
    const char *type = json_string_value(json_object_get(node, "type"));
    const json_t *value = json_object_get(node, "value");
    const json_t *values = json_object_get(node, "values");
    const json_t *resources = json_object_get(node, "resources");
    const json_t *instances = json_object_get(node, "instances");
    const json_t *item;
    size_t i;
    if (value != NULL) {
        leaf(arg, path, type, value);
    } else if (json_is_object(values)) {
        const char *key;
        json_object_foreach((json_t *)values, key, item) {
            struct buf p;
            buf_init(&p);
            buf_printf(&p, "%s/%s", path, key);
            leaf(arg, buf_str(&p), type, item);
            buf_free(&p);
        }
    } else if (json_is_array(values)) { /* [{"id":0,"value":..}] */
        json_array_foreach(values, i, item) {
            struct buf p;
            buf_init(&p);
            buf_printf(&p, "%s/", path);
            if (!child_id(item, &p))
                buf_printf(&p, "%zu", i);
            const json_t *v = json_is_object(item) ? json_object_get(item, "value") : item;
            leaf(arg, buf_str(&p), type, v != NULL ? v : item);
            buf_free(&p);
        }
    } else if (json_is_array(resources)) {
        json_array_foreach(resources, i, item)
            child_leaves(item, path, leaf, arg);
    } else if (json_is_array(instances)) {
        json_array_foreach(instances, i, item)
            child_leaves(item, path, leaf, arg);
    } else {
        leaf(arg, path, type, node);
    }
}

static void add_row(void *arg, const char *path, const char *type, const json_t *value)
{
    struct buf v;
    buf_init(&v);
    out_value_text(value, &v);
    const char *cells[3] = {path, type, buf_str(&v)};
    table_add(arg, cells);
    buf_free(&v);
}

void out_node_rows(struct table *t, const json_t *node, const char *path)
{
    out_node_leaves(node, path, add_row, t);
}

static void format_time(time_t sec, long ms, bool with_ms, char *out, size_t size)
{
    struct tm tm;
    char date[32], zone[8];
    if (localtime_r(&sec, &tm) == NULL) {
        snprintf(out, size, "%lld", (long long)sec);
        return;
    }
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm); /* +0200 -> +02:00 */
    if (with_ms)
        snprintf(out, size, "%s.%03ld%.3s:%.2s", date, ms, zone, zone + 3);
    else
        snprintf(out, size, "%s%.3s:%.2s", date, zone, zone + 3);
}

void out_time_now(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    format_time(ts.tv_sec, ts.tv_nsec / 1000000, true, out, size);
}

void out_time_ms(long long ms, char *out, size_t size)
{
    long long sec = ms / 1000;
    long rem = (long)(ms % 1000);
    if (rem < 0) {
        rem += 1000;
        sec--;
    }
    format_time((time_t)sec, rem, rem != 0, out, size);
}

void out_time_value(const json_t *v, struct buf *out)
{
    if (json_is_integer(v)) {
        char t[64];
        out_time_ms((long long)json_integer_value(v), t, sizeof t);
        buf_puts(out, t);
    } else if (json_is_string(v)) {
        buf_puts(out, json_string_value(v));
    } else {
        buf_puts(out, "-");
    }
}
