/* The INI parser of conf.h: read the file whole, cut it into strings in
 * place, and index one entry per "key = value" line. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "platform/posix/conf.h"

/* Blocks seen so far of one section name, for section_index. */
struct section_count {
    const char *name;
    unsigned count;
};

struct parser {
    struct sl_conf *c;
    struct section_count *sections;
    size_t section_count;
    const char *section;
    unsigned section_index;
    unsigned line;
    char *err;
    size_t errcap;
};

static void load_error(char *err, size_t cap, const char *path, const char *msg)
{
    if (err && cap > 0)
        snprintf(err, cap, "%s: %s", path, msg);
}

static void syntax_error(const struct parser *ps, const char *fmt, ...) SL_CONF_PRINTF(2, 3);

static void syntax_error(const struct parser *ps, const char *fmt, ...)
{
    if (!ps->err || ps->errcap == 0)
        return;
    int n = snprintf(ps->err, ps->errcap, "%s:%u: ", ps->c->path, ps->line);
    if (n < 0 || (size_t)n >= ps->errcap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errcap - (size_t)n, fmt, ap);
    va_end(ap);
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static bool is_name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '-';
}

static bool is_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_name_char(*s))
            return false;
    return true;
}

/* s[0..) with blanks cut off both ends, in place. */
static char *trim(char *s)
{
    while (is_blank(*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && is_blank(s[len - 1]))
        s[--len] = '\0';
    return s;
}

/* "[name]" (blanks allowed inside the brackets and after). */
static sl_err parse_header(struct parser *ps, char *s)
{
    char *close = strchr(s, ']');
    if (!close) {
        syntax_error(ps, "missing ']' in section header");
        return SL_ERR_INVALID;
    }
    *close = '\0';
    if (*trim(close + 1) != '\0') {
        syntax_error(ps, "text after ']' in section header");
        return SL_ERR_INVALID;
    }
    char *name = trim(s + 1);
    if (!is_name(name)) {
        syntax_error(ps, "bad section name \"%s\": use letters, digits, '_', '.', '-'", name);
        return SL_ERR_INVALID;
    }
    size_t i;
    for (i = 0; i < ps->section_count; i++)
        if (strcmp(ps->sections[i].name, name) == 0)
            break;
    if (i == ps->section_count) {
        /* sections[] has a slot per '[' of the file: never full */
        ps->sections[i].name = name;
        ps->sections[i].count = 0;
        ps->section_count++;
    }
    ps->section = name;
    ps->section_index = ps->sections[i].count++;
    return SL_OK;
}

/* A quoted value starting after the opening quote: unescape in place. */
static sl_err unquote(struct parser *ps, char *s, char **value)
{
    char *out = s;
    const char *in = s;
    for (;;) {
        if (*in == '\0') {
            syntax_error(ps, "unterminated quoted value");
            return SL_ERR_INVALID;
        }
        if (*in == '"')
            break;
        if (*in == '\\') {
            in++;
            if (*in == '\0') {
                syntax_error(ps, "unterminated quoted value");
                return SL_ERR_INVALID;
            }
            if (*in != '"' && *in != '\\') {
                syntax_error(ps, "unknown escape '\\%c' in quoted value (only \\\" and \\\\)", *in);
                return SL_ERR_INVALID;
            }
        }
        *out++ = *in++;
    }
    in++; /* the closing quote */
    while (is_blank(*in))
        in++;
    if (*in != '\0') {
        syntax_error(ps, "text after the closing quote");
        return SL_ERR_INVALID;
    }
    *out = '\0';
    *value = s;
    return SL_OK;
}

static sl_err parse_entry(struct parser *ps, char *s)
{
    char *eq = strchr(s, '=');
    if (!eq) {
        syntax_error(ps, "missing '=' (expected \"key = value\")");
        return SL_ERR_INVALID;
    }
    *eq = '\0';
    char *key = trim(s);
    if (*key == '\0') {
        syntax_error(ps, "missing key before '='");
        return SL_ERR_INVALID;
    }
    if (!is_name(key)) {
        syntax_error(ps, "bad key \"%s\": use letters, digits, '_', '.', '-'", key);
        return SL_ERR_INVALID;
    }
    char *value = trim(eq + 1);
    if (*value == '"' && unquote(ps, value + 1, &value) != SL_OK)
        return SL_ERR_INVALID;
    struct sl_conf_entry *e = &ps->c->entries[ps->c->count++];
    e->section = ps->section;
    e->section_index = ps->section_index;
    e->key = key;
    e->value = value;
    e->line = ps->line;
    return SL_OK;
}

static sl_err parse(struct parser *ps, char *text, size_t len)
{
    char *p = text;
    char *end = text + len;
    static const char bom[] = "\xEF\xBB\xBF";
    if (len >= 3 && memcmp(p, bom, 3) == 0)
        p += 3;
    for (ps->line = 1; p < end; ps->line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *next = nl ? nl + 1 : end;
        size_t line_len = (size_t)((nl ? nl : end) - p);
        if (line_len > 0 && p[line_len - 1] == '\r')
            line_len--;
        if (line_len > SL_CONF_MAX_LINE) {
            syntax_error(ps, "line longer than %d characters", SL_CONF_MAX_LINE);
            return SL_ERR_INVALID;
        }
        p[line_len] = '\0'; /* over '\n', '\r' or the buffer's final NUL */
        char *s = p;
        p = next;
        while (is_blank(*s))
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        sl_err err = *s == '[' ? parse_header(ps, s) : parse_entry(ps, s);
        if (err != SL_OK)
            return err;
    }
    return SL_OK;
}

/* The whole file into a NUL-terminated heap buffer. */
static sl_err read_file(const char *path, char **text, size_t *len, char *err, size_t errcap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        load_error(err, errcap, path, strerror(errno));
        return SL_ERR_IO;
    }
    /* One byte more than allowed, to see that a file is too large. */
    char *buf = malloc(SL_CONF_MAX_FILE + 2);
    if (!buf) {
        close(fd);
        load_error(err, errcap, path, "out of memory");
        return SL_ERR_NOMEM;
    }
    size_t done = 0;
    for (;;) {
        ssize_t n = read(fd, buf + done, SL_CONF_MAX_FILE + 1 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            load_error(err, errcap, path, strerror(errno));
            close(fd);
            free(buf);
            return SL_ERR_IO;
        }
        if (n == 0)
            break;
        done += (size_t)n;
        if (done > SL_CONF_MAX_FILE) {
            char msg[64];
            snprintf(msg, sizeof msg, "larger than %d bytes", SL_CONF_MAX_FILE);
            load_error(err, errcap, path, msg);
            close(fd);
            free(buf);
            return SL_ERR_TOO_LARGE;
        }
    }
    close(fd);
    buf[done] = '\0';
    *text = buf;
    *len = done;
    return SL_OK;
}

void sl_conf_free(struct sl_conf *c)
{
    free(c->path);
    free(c->text);
    free(c->entries);
    memset(c, 0, sizeof *c);
}

sl_err sl_conf_load(struct sl_conf *c, const char *path, char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    if (err && errcap > 0)
        err[0] = '\0';
    size_t len;
    sl_err rc = read_file(path, &c->text, &len, err, errcap);
    if (rc != SL_OK)
        return rc;
    /* Every entry holds a '=' and every header a '[': bounds for the arrays
     * (a file of blank lines must not cost an entry per line). */
    size_t max_entries = 1, max_sections = 1;
    for (size_t i = 0; i < len; i++) {
        max_entries += c->text[i] == '=';
        max_sections += c->text[i] == '[';
    }
    c->path = malloc(strlen(path) + 1);
    c->entries = calloc(max_entries, sizeof *c->entries);
    struct section_count *sections = calloc(max_sections, sizeof *sections);
    if (!c->path || !c->entries || !sections) {
        free(sections);
        sl_conf_free(c);
        load_error(err, errcap, path, "out of memory");
        return SL_ERR_NOMEM;
    }
    memcpy(c->path, path, strlen(path) + 1);
    struct parser ps = { .c = c, .sections = sections, .section = "", .err = err, .errcap = errcap };
    const char *nul = memchr(c->text, '\0', len);
    if (nul) {
        /* Strings are cut at NUL: refuse rather than read half a line. */
        ps.line = 1;
        for (const char *q = c->text; q < nul; q++)
            ps.line += *q == '\n';
        syntax_error(&ps, "NUL byte in the file");
        rc = SL_ERR_INVALID;
    } else {
        rc = parse(&ps, c->text, len);
    }
    free(sections);
    if (rc != SL_OK)
        sl_conf_free(c);
    return rc;
}

const struct sl_conf_entry *sl_conf_next(const struct sl_conf *c, size_t *cursor)
{
    if (*cursor >= c->count)
        return NULL;
    return &c->entries[(*cursor)++];
}

void sl_conf_error(const struct sl_conf *c, const struct sl_conf_entry *e, char *err, size_t cap,
                   const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    const char *path = c->path ? c->path : "(config)";
    int n = e ? snprintf(err, cap, "%s:%u: %s: ", path, e->line, e->key)
              : snprintf(err, cap, "%s: ", path);
    if (n < 0 || (size_t)n >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
}

sl_err sl_conf_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
    if (!v || *v == '\0')
        return SL_ERR_INVALID;
    uint64_t x = 0;
    bool too_big = false;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return SL_ERR_INVALID;
        /* keep scanning for bad characters after overflow: syntax first */
        if (!too_big) {
            x = x * 10 + (uint64_t)(*p - '0');
            too_big = x > UINT32_MAX;
        }
    }
    if (too_big || x < min || x > max)
        return SL_ERR_RANGE;
    *out = (uint32_t)x;
    return SL_OK;
}

sl_err sl_conf_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "true", "yes", "1" };
    static const char *const no[] = { "false", "no", "0" };
    if (!v)
        return SL_ERR_INVALID;
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return SL_OK;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return SL_OK;
        }
    }
    return SL_ERR_INVALID;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

sl_err sl_conf_hex(const char *v, uint8_t *out, size_t cap, size_t *len)
{
    if (!v)
        return SL_ERR_INVALID;
    size_t n = strlen(v);
    if (n % 2 != 0)
        return SL_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (hex_digit(v[i]) < 0)
            return SL_ERR_INVALID;
    if (n / 2 > cap)
        return SL_ERR_OVERFLOW;
    for (size_t i = 0; i < n / 2; i++)
        out[i] = (uint8_t)(hex_digit(v[2 * i]) << 4 | hex_digit(v[2 * i + 1]));
    *len = n / 2;
    return SL_OK;
}
