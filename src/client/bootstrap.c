/* Client-initiated bootstrap: one state machine per client (bootstrap.h). */
#include "client/bootstrap.h"

#include <string.h>

#if SL_CONFIG_BOOTSTRAP

#include "dm/acl.h"

/* "ep=" and the endpoint name, NUL-terminated. */
#define BS_QUERY_MAX (3u + SL_MAX_ENDPOINT_LEN + 1u)

const char *sl_bootstrap_state_name(uint8_t state)
{
    switch (state) {
    case SL_BS_IDLE: return "idle";
    case SL_BS_WAITING: return "waiting";
    case SL_BS_REQUESTING: return "requesting";
    case SL_BS_CONFIGURING: return "configuring";
    case SL_BS_DONE: return "done";
    default: return "unknown";
    }
}

static void set_state(struct sl_bootstrap *bs, uint8_t state, sl_err why)
{
    bs->state = state;
    if (bs->hooks.state_changed)
        bs->hooks.state_changed(bs->hooks.ctx, bs, why);
}

int sl_bootstrap_account(const struct sl_core_objects *co)
{
    int32_t after = -1;
    uint16_t iid;
    while (sl_store_next(&co->security, after, &iid) == SL_OK) {
        after = iid;
        if (sl_core_is_bootstrap(co, iid))
            return iid;
    }
    return -1;
}

bool sl_bootstrap_config_usable(const struct sl_core_objects *co)
{
    int32_t after = -1;
    uint16_t iid;
    while (sl_store_next(&co->security, after, &iid) == SL_OK) {
        after = iid;
        const struct sl_store *sec = &co->security;
        int64_t ssid = sl_store_int(sec, iid, SL_SEC_SSID, -1);
        char first[2];
        if (sl_core_is_bootstrap(co, iid) || ssid < 1 || ssid > SL_ID_MAX ||
            sl_store_str(sec, iid, SL_SEC_URI, first, sizeof first) == 0)
            continue;
        if (sl_core_server_of(co, (uint16_t)ssid) >= 0)
            return true;
    }
    return false;
}

bool sl_bootstrap_needed(const struct sl_bootstrap *bs)
{
    return !sl_bootstrap_config_usable(bs->client->co);
}

static uint32_t random32(const struct sl_bootstrap *bs)
{
    const struct sl_platform *plat = bs->client->eng->plat;
    uint8_t b[4];
    plat->random(plat->ctx, b, sizeof b);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* After a failure: SL_BOOTSTRAP_RETRY_FIRST_MS, doubled per further
 * failure up to SL_BOOTSTRAP_RETRY_MAX_MS, plus up to 1 s of jitter so that
 * a fleet does not come back to the bootstrap server in lockstep. */
static void retry_later(struct sl_bootstrap *bs, sl_time_ms now, sl_err why)
{
    uint64_t wait = SL_BOOTSTRAP_RETRY_FIRST_MS;
    for (unsigned k = 0; k < bs->failures && wait < SL_BOOTSTRAP_RETRY_MAX_MS; k++)
        wait *= 2u;
    if (wait > SL_BOOTSTRAP_RETRY_MAX_MS)
        wait = SL_BOOTSTRAP_RETRY_MAX_MS;
    if (bs->failures < UINT8_MAX)
        bs->failures++;
    bs->next = now + wait + random32(bs) % 1000u;
    set_state(bs, SL_BS_WAITING, why);
}

static void on_request_answer(void *ctx, int handle, sl_err err, const struct sl_response *r)
{
    struct sl_bootstrap *bs = ctx;
    sl_time_ms now = bs->client->eng->now;
    (void)handle;
    bs->handle = -1;
    if (bs->finished || bs->state != SL_BS_REQUESTING)
        return; /* the server finished before its answer came: nothing to wait for */
    if (err == SL_OK && r->code == SL_COAP_CHANGED) {
        bs->next = now + SL_BOOTSTRAP_FINISH_TIMEOUT_MS;
        set_state(bs, SL_BS_CONFIGURING, SL_OK);
        return;
    }
    retry_later(bs, now, err != SL_OK ? err : SL_ERR_DENIED);
}

/* Bootstrap-Request (Transport 6.1.1): POST /bs?ep=<endpoint name>. The
 * preferred content format (pct=) is left out: the server then uses one the
 * client announced support for by its LwM2M version, which every format
 * this client decodes is. */
static void send_request(struct sl_bootstrap *bs, sl_time_ms now)
{
    struct sl_client *c = bs->client;
    int sec = sl_bootstrap_account(c->co);
    char uri[SL_MAX_URI_LEN + 1];
    if (sec < 0 || sl_store_str(&c->co->security, (uint16_t)sec, SL_SEC_URI, uri, sizeof uri) == 0) {
        retry_later(bs, now, SL_ERR_NOT_FOUND);
        return;
    }
    if (bs->peer < 0 || !sl_engine_peer(c->eng, bs->peer)) {
        bs->peer = bs->hooks.connect(bs->hooks.ctx, bs, uri);
        if (bs->peer < 0) {
            sl_err why = (sl_err)bs->peer;
            bs->peer = -1;
            retry_later(bs, now, why);
            return;
        }
    }
    struct sl_peer *p = sl_engine_peer(c->eng, bs->peer);
    if (!p) {
        bs->peer = -1;
        retry_later(bs, now, SL_ERR_INVALID);
        return;
    }
    /* only the bootstrap actor may run the bootstrap operations on us */
    p->actor = (struct sl_actor){ SL_ACTOR_BOOTSTRAP, 0 };
    size_t n = strlen(c->endpoint);
    char query[BS_QUERY_MAX];
    memcpy(query, "ep=", 3);
    memcpy(query + 3, c->endpoint, n + 1); /* sl_client_init() bounded it */
    struct sl_request rq = { .method = SL_COAP_POST, .path = "bs", .query = query,
                             .format = SL_FMT_NONE, .accept = SL_FMT_NONE };
    sl_err err = sl_engine_request(c->eng, bs->peer, &rq, on_request_answer, bs, now, &bs->handle);
    if (err != SL_OK) {
        bs->handle = -1;
        retry_later(bs, now, err);
        return;
    }
    set_state(bs, SL_BS_REQUESTING, SL_OK);
}

/* The data model's Bootstrap-Finish hook, inside sl_engine_input(): answer
 * now, act at the next step (after the 2.04 has gone out). */
static uint8_t on_finish(void *ctx)
{
    struct sl_bootstrap *bs = ctx;
    if (!sl_bootstrap_config_usable(bs->client->co))
        return SL_COAP_NOT_ACCEPTABLE;
    bs->finished = true;
    return SL_COAP_CHANGED;
}

static void hand_over(struct sl_bootstrap *bs, sl_time_ms now)
{
    struct sl_client *c = bs->client;
    if (bs->handle >= 0) {
        (void)sl_engine_cancel(c->eng, bs->handle, false, now);
        bs->handle = -1;
    }
    bs->finished = false;
    bs->failures = 0;
    /* a server-initiated bootstrap may have rewritten accounts the client
     * was using: start afresh from what is there now */
    sl_client_halt(c);
    sl_client_start(c, now);
    set_state(bs, SL_BS_DONE, SL_OK);
    /* Register now rather than at the application's next client step */
    sl_client_step(c, now);
}

/* Whether the started registration client is out of accounts: none at all,
 * or every one failed SL_BOOTSTRAP_AFTER_REG_FAILURES times running. */
static bool registration_exhausted(const struct sl_client *c)
{
    if (!c->started || c->stopping)
        return false;
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        const struct sl_reg *reg = &c->regs[k];
        if (reg->used && (reg->state != SL_REG_RETRY_WAIT || reg->handle >= 0 ||
                          reg->failures < SL_BOOTSTRAP_AFTER_REG_FAILURES))
            return false;
    }
    return true;
}

sl_err sl_bootstrap_init(struct sl_bootstrap *bs, struct sl_client *c,
                         const struct sl_bootstrap_hooks *hooks)
{
    if (!c || !hooks || !hooks->connect)
        return SL_ERR_INVALID;
    memset(bs, 0, sizeof *bs);
    bs->client = c;
    bs->hooks = *hooks;
    bs->peer = -1;
    bs->handle = -1;
    bs->state = SL_BS_IDLE;
    c->eng->dm.hooks.finish_ctx = bs;
    c->eng->dm.hooks.bootstrap_finish = on_finish;
    return SL_OK;
}

sl_err sl_bootstrap_start(struct sl_bootstrap *bs, sl_time_ms now)
{
    struct sl_client *c = bs->client;
    int sec = sl_bootstrap_account(c->co);
    if (sec < 0)
        return SL_ERR_NOT_FOUND;
    if (bs->handle >= 0) {
        (void)sl_engine_cancel(c->eng, bs->handle, false, now);
        bs->handle = -1;
    }
    sl_client_halt(c);
    bs->finished = false;
    bs->failures = 0;
    /* Client Hold Off Time: give the bootstrap server its chance to start
     * a server-initiated bootstrap first */
    int64_t hold_off = sl_store_int(&c->co->security, (uint16_t)sec, SL_SEC_HOLD_OFF, 0);
    if (hold_off < 0 || hold_off > UINT32_MAX)
        hold_off = 0;
    bs->next = now + (uint64_t)hold_off * 1000u;
    set_state(bs, SL_BS_WAITING, SL_OK);
    return SL_OK;
}

sl_err sl_bootstrap_boot(struct sl_bootstrap *bs, sl_time_ms now)
{
    if (!sl_bootstrap_needed(bs)) {
        sl_client_start(bs->client, now);
        return SL_OK;
    }
    return sl_bootstrap_start(bs, now);
}

void sl_bootstrap_step(struct sl_bootstrap *bs, sl_time_ms now)
{
    if (bs->finished) {
        hand_over(bs, now);
        return;
    }
    if ((bs->state == SL_BS_IDLE || bs->state == SL_BS_DONE) &&
        registration_exhausted(bs->client))
        (void)sl_bootstrap_start(bs, now); /* nothing changes without a bootstrap account */
    if (bs->state == SL_BS_WAITING && bs->next <= now)
        send_request(bs, now);
    else if (bs->state == SL_BS_CONFIGURING && bs->next <= now)
        retry_later(bs, now, SL_ERR_TIMEOUT); /* no Bootstrap-Finish in time */
    /* REQUESTING: the engine calls back */
}

sl_time_ms sl_bootstrap_next_deadline(const struct sl_bootstrap *bs)
{
    if (bs->finished)
        return bs->client->eng->now;
    if (bs->state == SL_BS_WAITING || bs->state == SL_BS_CONFIGURING)
        return bs->next;
    return UINT64_MAX;
}

bool sl_bootstrap_done(const struct sl_bootstrap *bs)
{
    return bs->state == SL_BS_DONE;
}

#else
/* ISO C wants a declaration in every translation unit. */
typedef int sl_bootstrap_left_out;
#endif
