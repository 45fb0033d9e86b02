/* CoAP message codec (RFC 7252 section 3): a total parser and a sequential
 * builder. Knows nothing of exchanges or of LwM2M.
 *
 * Parsing never copies: options and the payload point into the datagram,
 * which must outlive the parsed message. Any byte string gives SL_OK or an
 * error code: SL_ERR_INVALID for a message format error (RFC 7252 4.2: reject
 * or RST it), SL_ERR_TOO_LARGE when it has more than SL_COAP_MAX_OPTIONS
 * options (well-formed but more than we can hold: answer 4.13 or drop).
 *
 * Building is sequential into a caller buffer: header and token, then options
 * in non-decreasing number order, then the payload.
 */
#ifndef SL_COAP_MSG_H
#define SL_COAP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/config.h"
#include "sidelink/err.h"

#define SL_COAP_MAX_TOKEN 8
#define SL_COAP_HEADER_LEN 4

enum sl_coap_type { SL_COAP_CON = 0, SL_COAP_NON = 1, SL_COAP_ACK = 2, SL_COAP_RST = 3 };

#define SL_COAP_CODE(c, d) ((uint8_t)(((c) << 5) | (d)))
#define SL_COAP_CODE_CLASS(code) ((code) >> 5)
#define SL_COAP_CODE_DETAIL(code) ((code) & 0x1f)

enum sl_coap_code {
    SL_COAP_EMPTY = 0,
    SL_COAP_GET = 1,
    SL_COAP_POST = 2,
    SL_COAP_PUT = 3,
    SL_COAP_DELETE = 4,
    SL_COAP_FETCH = 5,
    SL_COAP_PATCH = 6,
    SL_COAP_IPATCH = 7,
    SL_COAP_CREATED = SL_COAP_CODE(2, 1),
    SL_COAP_DELETED = SL_COAP_CODE(2, 2),
    SL_COAP_VALID = SL_COAP_CODE(2, 3),
    SL_COAP_CHANGED = SL_COAP_CODE(2, 4),
    SL_COAP_CONTENT = SL_COAP_CODE(2, 5),
    SL_COAP_CONTINUE = SL_COAP_CODE(2, 31),
    SL_COAP_BAD_REQUEST = SL_COAP_CODE(4, 0),
    SL_COAP_UNAUTHORIZED = SL_COAP_CODE(4, 1),
    SL_COAP_BAD_OPTION = SL_COAP_CODE(4, 2),
    SL_COAP_FORBIDDEN = SL_COAP_CODE(4, 3),
    SL_COAP_NOT_FOUND = SL_COAP_CODE(4, 4),
    SL_COAP_METHOD_NOT_ALLOWED = SL_COAP_CODE(4, 5),
    SL_COAP_NOT_ACCEPTABLE = SL_COAP_CODE(4, 6),
    SL_COAP_REQUEST_ENTITY_INCOMPLETE = SL_COAP_CODE(4, 8),
    SL_COAP_PRECONDITION_FAILED = SL_COAP_CODE(4, 12),
    SL_COAP_REQUEST_ENTITY_TOO_LARGE = SL_COAP_CODE(4, 13),
    SL_COAP_UNSUPPORTED_CONTENT_FORMAT = SL_COAP_CODE(4, 15),
    SL_COAP_INTERNAL_SERVER_ERROR = SL_COAP_CODE(5, 0),
    SL_COAP_NOT_IMPLEMENTED = SL_COAP_CODE(5, 1),
    SL_COAP_SERVICE_UNAVAILABLE = SL_COAP_CODE(5, 3)
};

/* Option numbers: RFC 7252, 7641 (Observe), 7959 (Block, Size2), 8613
 * (OSCORE), 7967 (No-Response), 9175 (Echo, Request-Tag). */
enum sl_coap_option {
    SL_COAP_OPT_IF_MATCH = 1,
    SL_COAP_OPT_URI_HOST = 3,
    SL_COAP_OPT_ETAG = 4,
    SL_COAP_OPT_IF_NONE_MATCH = 5,
    SL_COAP_OPT_OBSERVE = 6,
    SL_COAP_OPT_URI_PORT = 7,
    SL_COAP_OPT_LOCATION_PATH = 8,
    SL_COAP_OPT_OSCORE = 9,
    SL_COAP_OPT_URI_PATH = 11,
    SL_COAP_OPT_CONTENT_FORMAT = 12,
    SL_COAP_OPT_MAX_AGE = 14,
    SL_COAP_OPT_URI_QUERY = 15,
    SL_COAP_OPT_ACCEPT = 17,
    SL_COAP_OPT_LOCATION_QUERY = 20,
    SL_COAP_OPT_BLOCK2 = 23,
    SL_COAP_OPT_BLOCK1 = 27,
    SL_COAP_OPT_SIZE2 = 28,
    SL_COAP_OPT_PROXY_URI = 35,
    SL_COAP_OPT_PROXY_SCHEME = 39,
    SL_COAP_OPT_SIZE1 = 60,
    SL_COAP_OPT_ECHO = 252,
    SL_COAP_OPT_NO_RESPONSE = 258,
    SL_COAP_OPT_REQUEST_TAG = 292
};

struct sl_coap_opt {
    uint16_t num;
    uint16_t len;
    const uint8_t *val;
};

struct sl_coap_msg {
    uint8_t type; /* enum sl_coap_type */
    uint8_t code;
    uint16_t mid;
    uint8_t tkl;
    uint8_t token[SL_COAP_MAX_TOKEN];
    uint8_t opt_count;
    /* before the options: a short offset makes a short load */
    const uint8_t *payload;
    size_t payload_len;
    struct sl_coap_opt opts[SL_COAP_MAX_OPTIONS]; /* in wire order: ascending numbers */
};

sl_err sl_coap_parse(struct sl_coap_msg *m, const uint8_t *buf, size_t len);

/* Requests carry method codes 0.01..0.31; responses 2.xx..5.xx. */
bool sl_coap_is_request(uint8_t code);
bool sl_coap_is_response(uint8_t code);

/* The index-th occurrence of option `num`, or NULL. */
const struct sl_coap_opt *sl_coap_opt_get(const struct sl_coap_msg *m, uint16_t num, unsigned index);
/* Unsigned option value (0..4 bytes, RFC 7252 3.2): SL_ERR_NOT_FOUND when
 * absent, SL_ERR_INVALID when longer than 4 bytes. */
sl_err sl_coap_opt_uint(const struct sl_coap_msg *m, uint16_t num, uint32_t *out);
/* Content-Format of the message or SL_FMT_NONE (0xFFFF) when absent;
 * SL_ERR_INVALID for a value longer than 2 bytes. */
sl_err sl_coap_content_format(const struct sl_coap_msg *m, uint16_t *out);

/* RFC 7252 5.4.1: the first critical option number (odd) that the known set
 * does not include or whose length is outside its range, or 0 when all are
 * acceptable. A request with one must get 4.02; a response is rejected. */
uint16_t sl_coap_unknown_critical(const struct sl_coap_msg *m);

/* Block1/Block2 option value (RFC 7959 2.2). szx 0..6 gives size 16 << szx. */
struct sl_coap_block {
    uint32_t num;
    bool more;
    uint8_t szx;
};
sl_err sl_coap_block_get(const struct sl_coap_msg *m, uint16_t opt, struct sl_coap_block *out);
uint32_t sl_coap_block_encode(const struct sl_coap_block *b);
/* szx for a block size of 16..1024 that is a power of two, or -1. */
int sl_coap_block_szx(uint16_t size);
#define SL_COAP_BLOCK_SIZE(szx) ((uint16_t)(16u << (szx)))

/* Sequential builder. Every call fails with SL_ERR_OVERFLOW when the buffer
 * is too small, and with SL_ERR_INVALID for an option out of order; after a
 * failure every later call fails too, so a caller may check once at the end. */
struct sl_coap_builder {
    uint8_t *buf;
    size_t cap;
    size_t len;
    uint16_t last_opt;
    bool has_payload;
    sl_err err;
};

void sl_coap_build_begin(struct sl_coap_builder *b, uint8_t *buf, size_t cap, uint8_t type,
                         uint8_t code, uint16_t mid, const uint8_t *token, uint8_t tkl);
sl_err sl_coap_build_opt(struct sl_coap_builder *b, uint16_t num, const void *val, size_t len);
sl_err sl_coap_build_opt_uint(struct sl_coap_builder *b, uint16_t num, uint32_t val);
/* Split "a/b/c" or "a&b" style strings into repeated options: one option per
 * segment between separators (empty segments skipped). */
sl_err sl_coap_build_opt_split(struct sl_coap_builder *b, uint16_t num, const char *s, size_t len,
                               char sep);
/* Append payload bytes (the first call writes the 0xFF marker). */
sl_err sl_coap_build_payload(struct sl_coap_builder *b, const void *data, size_t len);
/* Room left for payload after the marker that a payload would need. */
size_t sl_coap_build_payload_room(const struct sl_coap_builder *b);
/* Length of the finished message, or the first error. */
sl_err sl_coap_build_end(struct sl_coap_builder *b, size_t *len);

/* Write an empty message (ACK or RST) answering `mid`: 4 bytes. */
size_t sl_coap_build_empty(uint8_t *buf, uint8_t type, uint16_t mid);
/* Write a message of header and token only (an error response, say):
 * 4 + tkl bytes (tkl <= SL_COAP_MAX_TOKEN), so buf must hold 12. */
size_t sl_coap_build_reply(uint8_t *buf, uint8_t type, uint8_t code, uint16_t mid,
                           const uint8_t *token, uint8_t tkl);

#endif
