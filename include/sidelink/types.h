/* Values of the LwM2M data model that flow between codecs, the data model
 * and applications: paths, typed values and records (a path with a value).
 *
 * Byte and string values never own memory: they point into a payload or into
 * an object's storage and are valid only as long as that memory is.
 */
#ifndef SIDELINK_TYPES_H
#define SIDELINK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"

/* Monotonic milliseconds. Time only ever comes in as an argument. */
typedef uint64_t sl_time_ms;

/* CoAP Content-Formats that LwM2M uses (DESIGN 3). */
enum sl_format {
    SL_FMT_TEXT = 0,
    SL_FMT_LINK = 40,
    SL_FMT_OPAQUE = 42,
    SL_FMT_CBOR = 60,
    SL_FMT_SENML_JSON = 110,
    SL_FMT_SENML_CBOR = 112,
    SL_FMT_TLV = 11542,
    SL_FMT_LWM2M_CBOR = 11544,
    SL_FMT_NONE = 0xFFFF /* no Content-Format option */
};

/* Object, instance, resource and resource-instance IDs are 0..65534;
 * 65535 is reserved by LwM2M, so it marks "not given". */
#define SL_ID_MAX 65534u
#define SL_ID_NONE 65535u

/* A data-model path /o/i/r/ri. len 0 is the root "/", len 4 a resource instance. */
struct sl_path {
    uint16_t id[4];
    uint8_t len;
};

enum sl_path_level {
    SL_LEVEL_ROOT = 0,
    SL_LEVEL_OBJECT = 1,
    SL_LEVEL_INSTANCE = 2,
    SL_LEVEL_RESOURCE = 3,
    SL_LEVEL_RES_INSTANCE = 4
};

/* Resource types of the LwM2M data model, plus the untyped forms a codec
 * produces when the wire does not say (TLV carries raw bytes, plain text a
 * string): the data model converts those with sl_value_convert(). */
enum sl_type {
    SL_TYPE_NONE = 0, /* no value: an Execute resource, or a path-only record */
    SL_TYPE_STRING,
    SL_TYPE_INT,
    SL_TYPE_UINT,
    SL_TYPE_FLOAT,
    SL_TYPE_BOOL,
    SL_TYPE_OPAQUE,
    SL_TYPE_TIME,
    SL_TYPE_OBJLNK,
    SL_TYPE_CORELNK,
    SL_TYPE_RAW_TLV, /* TLV value bytes; meaning depends on the resource type */
    SL_TYPE_RAW_TEXT /* plain-text bytes; meaning depends on the resource type */
};

struct sl_bytes {
    const uint8_t *ptr;
    size_t len;
};

struct sl_objlnk {
    uint16_t oid;
    uint16_t iid;
};

struct sl_value {
    uint8_t type; /* enum sl_type */
    union {
        int64_t i;  /* INT, TIME (seconds since the epoch) */
        uint64_t u; /* UINT */
        double f;   /* FLOAT */
        bool b;     /* BOOL */
        struct sl_bytes bytes; /* STRING, OPAQUE, CORELNK, RAW_TLV, RAW_TEXT */
        struct sl_objlnk objlnk;
    } v;
};

struct sl_record {
    struct sl_path path;
    struct sl_value value;
};

/* Path helpers (src/dm/path.c). */
struct sl_path sl_path_make(int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri);
bool sl_path_equal(const struct sl_path *a, const struct sl_path *b);
/* True when `inner` is `outer` or lies below it. */
bool sl_path_within(const struct sl_path *inner, const struct sl_path *outer);
/* Order of paths as they appear in a response: by IDs, parents first. */
int sl_path_compare(const struct sl_path *a, const struct sl_path *b);
/* Parse "/3/0/1" (leading slash required, no trailing one except for "/").
 * Every ID must be 0..65534. */
sl_err sl_path_parse(const char *s, size_t len, struct sl_path *out);
/* Write "/3/0/1" with a terminating NUL; returns the length or SL_ERR_OVERFLOW. */
int sl_path_format(const struct sl_path *p, char *buf, size_t cap);

/* Value constructors, so callers never fill a union by hand. */
struct sl_value sl_value_int(int64_t i);
struct sl_value sl_value_uint(uint64_t u);
struct sl_value sl_value_float(double f);
struct sl_value sl_value_bool(bool b);
struct sl_value sl_value_time(int64_t t);
struct sl_value sl_value_string(const char *s, size_t len);
struct sl_value sl_value_opaque(const uint8_t *p, size_t len);
struct sl_value sl_value_objlnk(uint16_t oid, uint16_t iid);

#endif
