/* Building CoAP requests in tests. */
#ifndef SL_TEST_COAP_H
#define SL_TEST_COAP_H

#include "coap/coap_msg.h"

struct tc_req {
    uint8_t type;       /* default CON (0) */
    uint8_t code;
    uint16_t mid;
    const uint8_t *token; /* NULL: token 0x01 0x02 */
    uint8_t tkl;
    const char *path;   /* "/3/0/1" */
    const char *query;  /* "pmin=5&pmax=10" */
    int observe;        /* -1 none */
    int format;         /* -1 none */
    int accept;         /* -1 none */
    int block1;         /* -1 none, else the encoded option value */
    int block2;
    const void *payload;
    size_t len;
};

#define TC_REQ(...) ((struct tc_req){ .observe = -1, .format = -1, .accept = -1, .block1 = -1, \
                                      .block2 = -1, __VA_ARGS__ })

/* Build the request into buf; fails the test on error. Returns its length. */
size_t tc_build(const struct tc_req *r, uint8_t *buf, size_t cap);
/* Build and parse; the message points into buf. */
void tc_msg(const struct tc_req *r, uint8_t *buf, size_t cap, struct sl_coap_msg *m);

/* Run one request through a data model as `who`, the way the engine does:
 * map it to an operation, then handle it. Returns the response code; the
 * answer's payload goes to out, its details to *resp. msgbuf holds the
 * built request. */
struct sl_dm;
struct sl_dm_resp;
struct sl_actor;
uint8_t tc_dm_run(struct sl_dm *dm, struct tc_req r, const struct sl_actor *who, uint8_t *msgbuf,
                  size_t msgcap, uint8_t *out, size_t outcap, struct sl_dm_resp *resp);

/* The repeated options num of m joined with sep into out ("rd/5a3f",
 * "ep=lamp&lt=60"); fails the test when out is too small. */
void tc_opt_join(const struct sl_coap_msg *m, uint16_t num, char sep, char *out, size_t cap);

/* The next datagram the fake platform sent: it must exist and go to `to`;
 * parsed into the returned message, which points into d. */
struct test_platform;
struct tp_datagram;
struct sl_addr;
struct sl_coap_msg tc_sent(struct test_platform *tp, struct tp_datagram *d,
                           const struct sl_addr *to);

#endif
