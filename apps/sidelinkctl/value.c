/* Resource values: text <-> JSON nodes. */
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "buf.h"

static const char *const type_names[] = {
    "STRING", "INTEGER", "UNSIGNED_INTEGER", "FLOAT",    "BOOLEAN",
    "OPAQUE", "TIME",    "OBJLNK",           "CORELINK",
};

const char *value_type_name(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (strcasecmp(name, type_names[i]) == 0)
            return type_names[i];
    }
    return NULL;
}

/* [+-]digits */
static bool is_integer_text(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

/* [+-] digits with at most one '.', at least one digit, then [eE][+-]digits */
static bool is_number_text(const char *s)
{
    size_t digits = 0;
    bool dot = false;
    if (*s == '-' || *s == '+')
        s++;
    for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '.' && !dot)
            dot = true;
        else
            return false;
    }
    if (digits == 0)
        return false;
    if (*s == '\0')
        return true;
    s++;
    if (*s == '-' || *s == '+')
        s++;
    return is_integer_text(s) && s[0] != '-' && s[0] != '+';
}

static bool parse_i64(const char *s, long long *out)
{
    char *end;
    if (!is_integer_text(s))
        return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    if (!is_integer_text(s) || s[0] == '-')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

const char *value_guess_type(const char *text)
{
    long long i;
    unsigned long long u;
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        return "BOOLEAN";
    if (parse_i64(text, &i))
        return "INTEGER";
    if (parse_u64(text, &u))
        return "UNSIGNED_INTEGER";
    if (is_number_text(text))
        return "FLOAT";
    return "STRING";
}

static json_t *lower_hex(const char *text)
{
    char *s = xstrdup(text);
    for (char *p = s; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    }
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *objlnk(const char *text, const char **why)
{
    const char *colon = strchr(text, ':');
    long obj, inst;
    char head[16];
    size_t n = colon ? (size_t)(colon - text) : 0;
    *why = "an OBJLNK is OBJECT:INSTANCE, e.g. 3:0 (each 0..65535)";
    if (colon == NULL || n == 0 || n >= sizeof head)
        return NULL;
    memcpy(head, text, n);
    head[n] = '\0';
    if (!args_long(head, 0, 65535, &obj) || !args_long(colon + 1, 0, 65535, &inst))
        return NULL;
    return json_pack("{s:I,s:I}", "objectId", (json_int_t)obj, "objectInstanceId",
                     (json_int_t)inst);
}

json_t *value_from_text(const char *type, const char *text, const char **why)
{
    long long i;
    unsigned long long u;
    *why = NULL;
    if (strcmp(type, "STRING") == 0 || strcmp(type, "CORELINK") == 0)
        return json_string(text);
    if (strcmp(type, "INTEGER") == 0 || strcmp(type, "TIME") == 0) {
        if (!parse_i64(text, &i)) {
            *why = "not an integer in the 64-bit signed range";
            return NULL;
        }
        return json_integer((json_int_t)i);
    }
    if (strcmp(type, "UNSIGNED_INTEGER") == 0) {
        if (!parse_u64(text, &u)) {
            *why = "not an unsigned 64-bit integer";
            return NULL;
        }
        /* Numbers are accepted as strings too (DESIGN 5): beyond int64 that
         * is the only exact way through jansson. */
        if (u > (unsigned long long)INT64_MAX)
            return json_string(text);
        return json_integer((json_int_t)u);
    }
    if (strcmp(type, "FLOAT") == 0) {
        char *end;
        if (!is_number_text(text)) {
            *why = "not a number";
            return NULL;
        }
        errno = 0;
        double d = strtod(text, &end);
        if (*end != '\0' || !isfinite(d) || errno == ERANGE) {
            *why = "not a finite double";
            return NULL;
        }
        return json_real(d);
    }
    if (strcmp(type, "BOOLEAN") == 0) {
        if (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0)
            return json_true();
        if (strcasecmp(text, "false") == 0 || strcmp(text, "0") == 0)
            return json_false();
        *why = "a BOOLEAN is true, false, 1 or 0";
        return NULL;
    }
    if (strcmp(type, "OPAQUE") == 0) {
        if (!args_is_hex(text)) {
            *why = "an OPAQUE value is written as hex digits, two per byte";
            return NULL;
        }
        return lower_hex(text);
    }
    if (strcmp(type, "OBJLNK") == 0)
        return objlnk(text, why);
    *why = "unknown type";
    return NULL;
}

/* The fewest significant digits that read back as d (at most 17). */
static int shortest_precision(double d)
{
    char t[40];
    for (int p = 1; p < 17; p++) {
        snprintf(t, sizeof t, "%.*g", p, d);
        if (strtod(t, NULL) == d)
            return p;
    }
    return 17;
}

void value_format_double(double d, char *out, size_t size)
{
    snprintf(out, size, "%.*g", shortest_precision(d), d);
}

/* The precision that prints every real in j exactly and shortest. */
static int needed_precision(const json_t *j)
{
    int best = 1;
    if (json_is_real(j))
        return shortest_precision(json_real_value(j));
    if (json_is_object(j)) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)j, key, v) {
            int p = needed_precision(v);
            best = p > best ? p : best;
        }
    } else if (json_is_array(j)) {
        size_t i;
        const json_t *v;
        json_array_foreach(j, i, v) {
            int p = needed_precision(v);
            best = p > best ? p : best;
        }
    }
    return best;
}

char *value_dump(const json_t *j)
{
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(needed_precision(j));
    char *s = json_dumps(j, flags);
    if (s == NULL) {
        fputs("sidelinkctl: out of memory\n", stderr);
        exit(1);
    }
    return s;
}
