/* Pieces of the engine shared between its files: sending, message IDs,
 * tokens, and the entry points of the serving, observing and requesting
 * halves. Not a public interface. */
#ifndef SL_ENGINE_INTERNAL_H
#define SL_ENGINE_INTERNAL_H

#include "sidelink/engine.h"

uint16_t eng_next_mid(struct sl_engine *eng);
uint32_t eng_random32(struct sl_engine *eng);
void eng_new_token(struct sl_engine *eng, uint8_t *token, uint8_t *tkl);
void eng_log(struct sl_engine *eng, enum sl_log_level level, const char *msg);
/* Whether the n bytes at a and b are the same (tokens, addresses). */
bool eng_same_bytes(const uint8_t *a, const uint8_t *b, size_t n);

/* Apply the peer's protect hook (if any) in place, then send. */
#if SL_CONFIG_MSG_HOOK
sl_err eng_protect(struct sl_engine *eng, int peer, uint8_t *buf, size_t *len, size_t cap);
#else
/* No hooks, nothing to protect: inline, so the callers' error paths fold
 * away. */
static inline sl_err eng_protect(struct sl_engine *eng, int peer, uint8_t *buf, size_t *len,
                                 size_t cap)
{
    (void)eng;
    (void)peer;
    (void)buf;
    (void)len;
    (void)cap;
    return SL_OK;
}
#endif
sl_err eng_send_raw(struct sl_engine *eng, int peer, const uint8_t *buf, size_t len);
/* Protect and send a confirmable message, keeping it for retransmission.
 * SL_ERR_BUSY under NSTART. */
sl_err eng_send_con(struct sl_engine *eng, int peer, uint8_t kind, uint16_t owner, uint8_t *buf,
                    size_t len);

/* Serving (engine_serve.c): answer a request already past dedup and the
 * hook, writing the reply (an ACK with the request's MID for a CON, a NON
 * with a new MID for a NON) into out. Returns its length, 0 for no reply. */
size_t serve_request(struct sl_engine *eng, int peer, const struct sl_coap_msg *req,
                     uint8_t reply_type, uint16_t reply_mid, uint8_t *out, size_t cap);
/* The rest of a response with `code` after its Observe and Location-Path
 * options: Content-Format (unless SL_FMT_NONE), then for a 2.05 that is
 * `sliced` the Block2 window num (of size szx) of eng->body[0..len) with
 * Block2 (and Size2 for block 0), else the whole body; Block1 when b1 is
 * given (with SL_CONFIG_BLOCK only: no other build takes Block1 requests,
 * and b1 is ignored there). SL_ERR_RANGE for a block past the end, or the
 * builder's error. */
sl_err serve_put_body(struct sl_engine *eng, struct sl_coap_builder *b, uint8_t code,
                      uint16_t format, size_t len, uint32_t num, uint8_t szx, bool sliced,
                      const struct sl_coap_block *b1);
#if SL_CONFIG_BLOCK
void serve_expire(struct sl_engine *eng, sl_time_ms now);
sl_time_ms serve_next_deadline(const struct sl_engine *eng);
#else
/* No Block1 reassembly, so nothing of the serving half expires: inline, so
 * the engine's timer code folds away. */
static inline void serve_expire(struct sl_engine *eng, sl_time_ms now)
{
    (void)eng;
    (void)now;
}

static inline sl_time_ms serve_next_deadline(const struct sl_engine *eng)
{
    (void)eng;
    return UINT64_MAX;
}
#endif

/* Observations (engine_observe.c). */
struct sl_observation *obs_register(struct sl_engine *eng, int peer, const struct sl_coap_msg *req,
                                    const struct sl_path *paths, uint8_t count, bool composite,
                                    uint16_t format);
void obs_cancel_token(struct sl_engine *eng, int peer, const uint8_t *token, uint8_t tkl);
#if SL_CONFIG_OBSERVE_ATTRS
void obs_first_sent(struct sl_engine *eng, struct sl_observation *o, const uint8_t *payload,
                    size_t len);
#else
/* Without attributes there is nothing to remember of what was sent. */
static inline void obs_first_sent(struct sl_engine *eng, struct sl_observation *o,
                                  const uint8_t *payload, size_t len)
{
    (void)eng;
    (void)o;
    (void)payload;
    (void)len;
}
#endif
void obs_on_ack(struct sl_engine *eng, uint16_t owner);
void obs_on_fail(struct sl_engine *eng, uint16_t owner);
void obs_drop_peer(struct sl_engine *eng, int peer);
void obs_step(struct sl_engine *eng, sl_time_ms now);
sl_time_ms obs_next_deadline(const struct sl_engine *eng);
void obs_changed(struct sl_engine *eng, const struct sl_path *path);

/* Outgoing requests (engine_request.c). */
void req_on_ack(struct sl_engine *eng, uint16_t owner, const struct sl_coap_msg *ack);
void req_on_fail(struct sl_engine *eng, uint16_t owner, sl_err err);
/* A CON/NON response: true when a pending request took it. */
bool req_on_response(struct sl_engine *eng, int peer, const struct sl_coap_msg *m);
void req_drop_peer(struct sl_engine *eng, int peer);
void req_step(struct sl_engine *eng, sl_time_ms now);
sl_time_ms req_next_deadline(const struct sl_engine *eng);

#endif
