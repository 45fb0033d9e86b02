/* CoRE Link Format (RFC 6690), content-format 40: Register and Update
 * payloads ("</>;rt=\"oma.lwm2m\";ct=11542,</1/0>,</3/0>") and Discover
 * responses ("</3/0>;pmin=10,</3/0/1>,</3/0/7>;dim=8").
 *
 * Writer: each call appends one piece, all or nothing (on SL_ERR_OVERFLOW
 * the buffer is as before, so a caller can stop at a block boundary).
 * A link is preceded by ',' unless it is the writer's first; attributes
 * belong to the last link (SL_ERR_STATE before any). Names must be RFC 6690
 * parmnames and token values ptokens (SL_ERR_INVALID otherwise); quoted
 * values escape '"' and '\'. The root path writes "</>".
 *
 * Parser: total; any bytes give links, SL_ERR_END, or SL_ERR_INVALID (and
 * then keep giving it). Whitespace is tolerated around the commas between
 * links and at both ends (never inside a link, which RFC 6690 forbids). A
 * link gives its target (the bytes between '<' and '>') and its attribute
 * span, whose name/value pairs sl_link_attr_next() walks; values may be
 * absent (";obs"), tokens (";ct=40") or quoted (";rt=\"a,b;c\"", the value
 * then excludes the quotes and keeps any backslash escapes).
 */
#ifndef SL_CODEC_LINK_H
#define SL_CODEC_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/wbuf.h"
#include "sidelink/config.h"
#include "sidelink/types.h"

struct sl_link_writer {
    struct sl_wbuf *w;
    unsigned count; /* links written */
};

void sl_link_writer_init(struct sl_link_writer *lw, struct sl_wbuf *w);
sl_err sl_link_put_path(struct sl_link_writer *lw, const struct sl_path *p); /* "</3/0>" */
sl_err sl_link_put_uri(struct sl_link_writer *lw, const char *uri);         /* "<uri>" */
sl_err sl_link_put_attr_uint(struct sl_link_writer *lw, const char *name, uint64_t v); /* ";pmin=10" */
sl_err sl_link_put_attr_int(struct sl_link_writer *lw, const char *name, int64_t v); /* ";lt=-5" */
#if SL_CONFIG_FLOAT
sl_err sl_link_put_attr_float(struct sl_link_writer *lw, const char *name, double v); /* ";gt=20.5" */
#endif
sl_err sl_link_put_attr_str(struct sl_link_writer *lw, const char *name, const char *value); /* ";ver=1.1" */
sl_err sl_link_put_attr_quoted(struct sl_link_writer *lw, const char *name, const char *value); /* ";rt=\"x\"" */
sl_err sl_link_put_attr_flag(struct sl_link_writer *lw, const char *name); /* ";obs" */

struct sl_link_iter {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool after_comma; /* a link must follow */
    sl_err err;       /* sticky */
};

struct sl_link {
    const uint8_t *uri; /* between '<' and '>' */
    size_t uri_len;
    const uint8_t *attrs; /* ";a=1;b" as on the wire, possibly empty */
    size_t attrs_len;
    size_t attr_pos;      /* where sl_link_attr_next() goes on */
};

struct sl_link_attr {
    const uint8_t *name;
    size_t name_len;
    const uint8_t *value; /* NULL when absent */
    size_t value_len;
    bool quoted;
};

void sl_link_iter_init(struct sl_link_iter *it, const uint8_t *payload, size_t len);
sl_err sl_link_next(struct sl_link_iter *it, struct sl_link *out);
/* SL_OK with the next attribute, SL_ERR_END after the last. */
sl_err sl_link_attr_next(struct sl_link *l, struct sl_link_attr *a);

/* Helpers for the common checks. */
bool sl_link_attr_is(const struct sl_link_attr *a, const char *name);
/* The value (quoted or not) as a decimal uint64; SL_ERR_INVALID if absent or not a number. */
sl_err sl_link_attr_uint(const struct sl_link_attr *a, uint64_t *out);
/* The target as an LwM2M path ("/3/0"); SL_ERR_INVALID if it is not one. */
sl_err sl_link_uri_path(const struct sl_link *l, struct sl_path *out);

#endif
