/* The registration interface's inputs (LwM2M TS Transport 6.x, DESIGN 1b):
 * the Uri-Query of Register and Update, and the CoRE link payload listing
 * objects and instances. Pure parsing: no state, no I/O.
 *
 * Query (one Uri-Query option per "key=value"):
 *   ep     endpoint name, 1..64 bytes, no control characters and no '/'
 *          (it is a REST path segment); required on Register
 *   lt     lifetime in seconds, decimal 1..4294967295 (default 86400)
 *   lwm2m  version: 1.0, 1.1 or 1.2 (default 1.0); anything else is
 *          SL_ERR_UNSUPPORTED (answered 4.12 Precondition Failed)
 *   b      binding letters from "UMHTSNQ", 1..7 (default "U")
 *   Q      queue mode (no value)
 *   sms, pid, and unknown keys: accepted and ignored
 *   c2c    a coap:// or coaps:// URI (DESIGN 1b), repeatable up to
 *          SRV_MAX_C2C times, 8..255 bytes
 * A key given twice (but c2c) or a malformed value is SL_ERR_INVALID with
 * a message. On Update, ep and lwm2m are refused (they cannot change).
 *
 * Payload: links whose targets are /o or /o/i (IDs 0..65534), with an
 * optional ver="x.y" per link; a link with rt="oma.lwm2m" gives the
 * alternate root path, which then prefixes every other target; a "</>"
 * link is accepted. Anything else is SL_ERR_INVALID with a message.
 */
#ifndef SRV_REGPARSE_H
#define SRV_REGPARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap_msg.h"
#include "sidelink/types.h"

#define SRV_EP_MAX 64
#define SRV_MAX_C2C 8
#define SRV_URI_MAX 255
#define SRV_DEFAULT_LIFETIME 86400u

struct srv_reg_query {
    bool has_ep, has_lt, has_version, has_binding, queue;
    char ep[SRV_EP_MAX + 1];
    uint32_t lifetime;
    char version[8];
    char binding[8];
    unsigned c2c_n;
    char c2c[SRV_MAX_C2C][SRV_URI_MAX + 1];
};

/* `update`: the Update form (no ep, no lwm2m). Defaults are filled in for
 * Register (lifetime, version, binding). */
sl_err srv_reg_query_parse(const struct sl_coap_msg *m, bool update, struct srv_reg_query *q,
                           char *err, size_t errlen);

struct srv_objlink {
    struct sl_path path; /* len 1 or 2 */
    char ver[8];         /* "" when not given */
};

struct srv_links {
    char root[64]; /* "/" unless an alternate path was given */
    struct srv_objlink *v;
    size_t n;
};

#define SRV_MAX_LINKS 4096

void srv_links_init(struct srv_links *l);
void srv_links_free(struct srv_links *l);
sl_err srv_links_parse(const uint8_t *p, size_t n, struct srv_links *out, char *err, size_t errlen);

/* [{"url":"/3/0","attributes":{"ver":"1.1"}}, ...] for a link payload (a
 * Register payload or a Discover answer); NULL when it does not parse. */
json_t *srv_links_to_json(const uint8_t *p, size_t n);

#endif
