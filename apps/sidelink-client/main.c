/* sidelink-client: wire the engine, the objects, the registration client,
 * the POSIX platform and the control socket into one poll loop. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "app.h"
#include "dm/acl.h"

static struct app app; /* the one context: every pool of the daemon */

/* Persist a store after every change: the atomic file store keeps the old
 * or the new object, whatever happens in between. */
static void persist(void *ctx, struct sl_store *s)
{
    struct app *a = ctx;
    static uint8_t buf[8192];
    struct sl_wbuf w;
    char key[16];
    sl_wbuf_init(&w, buf, sizeof buf);
    snprintf(key, sizeof key, "obj-%u", s->obj.def->oid);
    sl_err err = sl_store_save(s, &w);
    if (err == SL_OK)
        err = sl_posix_store_write(&a->state, key, buf, w.len);
    if (err != SL_OK) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "cannot save object %u to %s: %s (%s)",
                      s->obj.def->oid, a->state.dir, sl_err_str(err), strerror(errno));
        a->persist_ok = false;
    }
}

static int load_saved(struct app *a, struct sl_store *s, bool *found)
{
    static uint8_t buf[8192];
    char key[16];
    size_t len;
    snprintf(key, sizeof key, "obj-%u", s->obj.def->oid);
    sl_err err = sl_posix_store_read(&a->state, key, buf, sizeof buf, &len);
    if (err == SL_ERR_NOT_FOUND)
        return 0;
    if (err == SL_OK)
        err = sl_store_load(s, buf, len);
    if (err != SL_OK) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "%s/%s: cannot load saved object: %s",
                      a->state.dir, key, sl_err_str(err));
        return -1;
    }
    *found = true;
    return 0;
}

static sl_err set_int(struct sl_store *s, uint16_t iid, uint16_t rid, int64_t v)
{
    struct sl_value val = sl_value_int(v);
    return sl_store_set(s, iid, rid, SL_ID_NONE, &val);
}

/* An object 21 instance (same ID as the Security instance) with the
 * account's OSCORE context, linked from Security resource 17. */
static sl_err provision_oscore(struct app *a, uint16_t iid, const struct client_server_opts *so)
{
    struct sl_store *o = &a->o21.store;
    sl_err err = sl_store_add(o, iid, NULL);
    struct sl_value v = sl_value_opaque(so->oscore_secret, so->oscore_secret_len);
    if (err == SL_OK)
        err = sl_store_set(o, iid, 0, SL_ID_NONE, &v);
    v = sl_value_opaque(so->oscore_sid, so->oscore_sid_len);
    if (err == SL_OK)
        err = sl_store_set(o, iid, 1, SL_ID_NONE, &v);
    v = sl_value_opaque(so->oscore_rid, so->oscore_rid_len);
    if (err == SL_OK)
        err = sl_store_set(o, iid, 2, SL_ID_NONE, &v);
    if (err == SL_OK)
        err = set_int(o, iid, 3, SL_OSC_AEAD_AES_CCM_16_64_128);
    if (err == SL_OK)
        err = set_int(o, iid, 4, SL_OSC_HKDF_SHA256);
    v = sl_value_opaque(so->oscore_salt, so->oscore_salt_len);
    if (err == SL_OK && so->oscore_salt_len)
        err = sl_store_set(o, iid, 5, SL_ID_NONE, &v);
    v = sl_value_opaque(so->oscore_id_ctx, so->oscore_id_ctx_len);
    if (err == SL_OK && so->has_id_ctx)
        err = sl_store_set(o, iid, 6, SL_ID_NONE, &v);
    v = sl_value_objlnk(SL_OID_OSCORE, iid);
    if (err == SL_OK)
        err = sl_store_set(&a->co.security, iid, SL_SEC_OSCORE, SL_ID_NONE, &v);
    return err;
}

/* The [bootstrap] account: a Security instance with Bootstrap-Server true
 * and no Server instance, after the servers' instances. */
static int provision_bootstrap(struct app *a)
{
    const struct client_server_opts *bo = &a->opts.bootstrap;
    uint16_t iid = (uint16_t)a->opts.server_count;
    bool psk = bo->psk_key_len > 0;
    struct sl_value v;
    sl_err err = sl_store_add(&a->co.security, iid, NULL);
    v = sl_value_string(bo->uri, strlen(bo->uri));
    if (err == SL_OK)
        err = sl_store_set(&a->co.security, iid, SL_SEC_URI, SL_ID_NONE, &v);
    v = sl_value_bool(true);
    if (err == SL_OK)
        err = sl_store_set(&a->co.security, iid, SL_SEC_BOOTSTRAP, SL_ID_NONE, &v);
    if (err == SL_OK)
        err = set_int(&a->co.security, iid, SL_SEC_MODE, psk ? SL_SEC_MODE_PSK : SL_SEC_MODE_NOSEC);
    if (err == SL_OK)
        err = set_int(&a->co.security, iid, SL_SEC_HOLD_OFF, bo->hold_off);
    if (err == SL_OK && bo->oscore)
        err = provision_oscore(a, iid, bo);
    v = sl_value_opaque((const uint8_t *)bo->psk_identity, strlen(bo->psk_identity));
    if (err == SL_OK && psk)
        err = sl_store_set(&a->co.security, iid, SL_SEC_IDENTITY, SL_ID_NONE, &v);
    v = sl_value_opaque(bo->psk_key, bo->psk_key_len);
    if (err == SL_OK && psk)
        err = sl_store_set(&a->co.security, iid, SL_SEC_SECRET_KEY, SL_ID_NONE, &v);
    if (err != SL_OK) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "bootstrap server %s: %s", bo->uri, sl_err_str(err));
        return -1;
    }
    return 0;
}

/* First start: objects 0 and 1 from the configuration. */
static int provision(struct app *a)
{
    for (unsigned k = 0; k < a->opts.server_count; k++) {
        const struct client_server_opts *so = &a->opts.servers[k];
        struct sl_value v;
        uint16_t iid = (uint16_t)k;
        sl_err err = sl_store_add(&a->co.security, iid, NULL);
        v = sl_value_string(so->uri, strlen(so->uri));
        if (err == SL_OK)
            err = sl_store_set(&a->co.security, iid, SL_SEC_URI, SL_ID_NONE, &v);
        v = sl_value_bool(false);
        if (err == SL_OK)
            err = sl_store_set(&a->co.security, iid, SL_SEC_BOOTSTRAP, SL_ID_NONE, &v);
        bool psk = so->psk_key_len > 0;
        if (err == SL_OK)
            err = set_int(&a->co.security, iid, SL_SEC_MODE,
                          psk ? SL_SEC_MODE_PSK : SL_SEC_MODE_NOSEC);
        v = sl_value_opaque((const uint8_t *)so->psk_identity, strlen(so->psk_identity));
        if (err == SL_OK && psk)
            err = sl_store_set(&a->co.security, iid, SL_SEC_IDENTITY, SL_ID_NONE, &v);
        v = sl_value_opaque(so->psk_key, so->psk_key_len);
        if (err == SL_OK && psk)
            err = sl_store_set(&a->co.security, iid, SL_SEC_SECRET_KEY, SL_ID_NONE, &v);
        if (err == SL_OK)
            err = set_int(&a->co.security, iid, SL_SEC_SSID, so->short_id);
        if (err == SL_OK)
            err = sl_store_add(&a->co.server, iid, NULL);
        if (err == SL_OK)
            err = set_int(&a->co.server, iid, SL_SRV_SSID, so->short_id);
        if (err == SL_OK)
            err = set_int(&a->co.server, iid, SL_SRV_LIFETIME,
                          so->lifetime ? so->lifetime : a->opts.lifetime);
        if (err == SL_OK && so->pmin)
            err = set_int(&a->co.server, iid, SL_SRV_PMIN, so->pmin);
        if (err == SL_OK && so->pmax)
            err = set_int(&a->co.server, iid, SL_SRV_PMAX, so->pmax);
        v = sl_value_bool(false);
        if (err == SL_OK)
            err = sl_store_set(&a->co.server, iid, SL_SRV_STORING, SL_ID_NONE, &v);
        v = sl_value_string("U", 1);
        if (err == SL_OK)
            err = sl_store_set(&a->co.server, iid, SL_SRV_BINDING, SL_ID_NONE, &v);
        if (err == SL_OK && so->oscore)
            err = provision_oscore(a, iid, so);
        if (err != SL_OK) {
            sl_posix_logf(&a->log, SL_LOG_ERROR, "server %s: %s", so->uri, sl_err_str(err));
            return -1;
        }
    }
    if (a->opts.has_bootstrap && provision_bootstrap(a) < 0)
        return -1;
    persist(a, &a->co.security);
    persist(a, &a->co.server);
    persist(a, &a->co.acl);
    persist(a, &a->o21.store);
    return a->persist_ok ? 0 : -1;
}

/* First start with several servers: access control applies (LwM2M Core
 * 7.3.3) and nothing would be reachable without Access Control instances,
 * which a bootstrap server would normally write. Give every server full
 * rights on every instance (owner: the first server; each Server instance
 * owned by its own server) and Create on the demo objects. */
static int add_acl(struct app *a, uint16_t *next, uint16_t oid, uint16_t iid, uint16_t owner,
                   int64_t rights)
{
    struct sl_value v = sl_value_int(rights);
    uint16_t aco = (*next)++;
    if (sl_store_add(&a->co.acl, aco, NULL) != SL_OK ||
        set_int(&a->co.acl, aco, SL_ACO_RES_OID, oid) != SL_OK ||
        set_int(&a->co.acl, aco, SL_ACO_RES_IID, iid) != SL_OK ||
        set_int(&a->co.acl, aco, SL_ACO_RES_OWNER, owner) != SL_OK ||
        sl_store_set(&a->co.acl, aco, SL_ACO_RES_ACL, 0, &v) != SL_OK) {
        sl_posix_logf(&a->log, SL_LOG_ERROR,
                      "too many access control instances (SL_MAX_ACL_INSTANCES %d)",
                      SL_MAX_ACL_INSTANCES);
        return -1;
    }
    return 0;
}

static int provision_acl(struct app *a)
{
    const struct sl_dm *dm = &a->eng.dm;
    uint16_t first = a->opts.servers[0].short_id;
    uint16_t next = 0;
    for (unsigned k = 0; k < dm->count; k++) {
        const struct sl_obj *o = dm->objs[k];
        uint16_t oid = o->def->oid;
        if (oid == SL_OID_SECURITY || oid == SL_OID_ACCESS_CONTROL)
            continue;
        int32_t after = -1;
        uint16_t iid;
        while (o->ops->inst_next(o, after, &iid) == SL_OK) {
            after = iid;
            uint16_t owner = first;
            if (oid == SL_OID_SERVER) /* each server manages its own account */
                owner = (uint16_t)sl_store_int(&a->co.server, iid, SL_SRV_SSID, first);
            if (add_acl(a, &next, oid, iid, owner, SL_ACL_ALL_SERVER) < 0)
                return -1;
        }
        /* the object-level instance grants Create (not of server accounts) */
        if ((o->def->flags & SL_OBJ_MULTI) && oid != SL_OID_SERVER &&
            add_acl(a, &next, oid, SL_ID_NONE, first, SL_ACL_CREATE) < 0)
            return -1;
    }
    persist(a, &a->co.acl);
    return a->persist_ok ? 0 : -1;
}

/* The engine peer of the server account of Security instance `sec` at
 * `uri`, over plain CoAP or a (new) DTLS session. */
static int connect_account(struct app *a, int sec, const char *uri, const struct sl_actor *who)
{
    char scheme[8];
    struct sl_addr addr;
    if (sec < 0 || sl_posix_uri_parse(uri, scheme, sizeof scheme, &addr) != SL_OK ||
        (strcmp(scheme, "coap") != 0 && strcmp(scheme, "coaps") != 0)) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "unusable server URI %s", uri);
        return SL_ERR_INVALID;
    }
    int sock = APP_SOCK_PLAIN;
    if (strcmp(scheme, "coaps") == 0) {
        sock = secure_connect(a, (uint16_t)sec, &addr);
        if (sock < 0)
            return sock;
    }
    int peer = sl_engine_peer_find(&a->eng, (sl_sock)sock, &addr);
    if (peer < 0) {
        peer = sl_engine_peer_add(&a->eng, (sl_sock)sock, &addr, who);
    } else {
        /* one address may be the bootstrap server and then a server (one
         * process doing both): the peer is who it is connected as now */
        sl_engine_peer(&a->eng, peer)->actor = *who;
    }
    if (peer < 0 || sock != APP_SOCK_PLAIN)
        return peer;
    /* OSCORE when the account links to an object 21 instance (resource
     * 17); attached once: attaching again would restore the sequence
     * number and ask the server for an Echo for nothing */
    uint16_t o21;
    if (sl_oscore_object_linked(&a->co.security, (uint16_t)sec, &o21) == SL_OK &&
        !sl_oscore_peer_ctx(&a->osc, peer)) {
        struct sl_oscore_params p;
        sl_err err = sl_oscore_params_from_object(&a->o21.store, o21, &p);
        if (err == SL_OK)
            err = sl_oscore_peer_attach(&a->osc, peer, &p, o21);
        if (err != SL_OK) {
            sl_posix_logf(&a->log, SL_LOG_ERROR, "%s: OSCORE context 21/%u unusable: %s", uri,
                          o21, sl_err_str(err));
            return err;
        }
        sl_posix_logf(&a->log, SL_LOG_INFO, "%s: OSCORE (object 21 instance %u)", uri, o21);
    }
    return peer;
}

static int hook_connect(void *ctx, struct sl_client *c, uint16_t ssid, const char *uri)
{
    struct app *a = ctx;
    (void)c;
    struct sl_actor who = { SL_ACTOR_SERVER, ssid };
    return connect_account(a, sl_core_security_of(&a->co, ssid), uri, &who);
}

static int hook_connect_bootstrap(void *ctx, struct sl_bootstrap *bs, const char *uri)
{
    struct app *a = ctx;
    (void)bs;
    struct sl_actor who = { SL_ACTOR_BOOTSTRAP, 0 };
    return connect_account(a, sl_bootstrap_account(&a->co), uri, &who);
}

static void hook_bootstrap_state(void *ctx, struct sl_bootstrap *bs, sl_err why)
{
    struct app *a = ctx;
    sl_posix_logf(&a->log, why == SL_OK ? SL_LOG_INFO : SL_LOG_WARN, "bootstrap: %s%s%s",
                  sl_bootstrap_state_name(bs->state), why == SL_OK ? "" : " ",
                  why == SL_OK ? "" : sl_err_str(why));
}

static void hook_state(void *ctx, struct sl_client *c, const struct sl_reg *reg, sl_err why)
{
    struct app *a = ctx;
    (void)c;
    if (reg->state == SL_REG_REGISTERED)
        sl_posix_logf(&a->log, SL_LOG_INFO, "server %u: registered at /%s (lifetime %u s)",
                      reg->ssid, reg->location, reg->lifetime);
    else if (why != SL_OK)
        sl_posix_logf(&a->log, SL_LOG_WARN, "server %u: %s (%s)", reg->ssid,
                      sl_reg_state_name(reg->state), sl_err_str(why));
    else
        sl_posix_logf(&a->log, SL_LOG_DEBUG, "server %u: %s", reg->ssid,
                      sl_reg_state_name(reg->state));
}

static int setup(struct app *a)
{
    char err[256];
    struct sl_addr local;
    a->udp_fd = a->control_fd = a->signal_fd = -1;
    for (unsigned k = 0; k < APP_MAX_CONTROL_CONNS; k++)
        a->conns[k].fd = -1;
    if (sl_posix_store_open(&a->state, a->opts.state_dir) != SL_OK) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "state directory %s: %s", a->opts.state_dir,
                      strerror(errno));
        return -1;
    }
    sl_posix_platform_init(&a->plat, &a->log, &a->state);
    if (sl_posix_addr_parse(a->opts.listen, &local) != SL_OK)
        return -1;
    a->udp_fd = sl_posix_udp_bind(&local, err, sizeof err);
    if (a->udp_fd < 0) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "listen %s: %s", a->opts.listen, err);
        return -1;
    }
    a->plat.fds[APP_SOCK_PLAIN] = a->udp_fd;
    if (secure_setup(a) < 0)
        return -1;
    struct sl_engine_cfg cfg;
    sl_engine_cfg_default(&cfg);
    cfg.notify_con = a->opts.notify_con;
    if (sl_engine_init(&a->eng, &a->plat.plat, &cfg) != SL_OK)
        return -1;
    sl_core_objects_init(&a->co);
    sl_device_objects_init(&a->dev);
    sl_oscore_object_init(&a->o21);
    sl_c2c_objects_init(&a->c2c);
    struct sl_store *persisted[] = { &a->co.security, &a->co.server, &a->co.acl, &a->o21.store,
                                     &a->c2c.security, &a->c2c.client, &a->c2c.acl };
    bool found = false;
    for (size_t k = 0; k < sizeof persisted / sizeof persisted[0]; k++) {
        if (load_saved(a, persisted[k], &found) < 0)
            return -1;
        persisted[k]->hooks.committed = persist;
        persisted[k]->hooks.ctx = a;
    }
    a->persist_ok = true;
    if (found)
        sl_posix_logf(&a->log, SL_LOG_INFO,
                      "using the saved objects in %s (remove it to provision from the "
                      "configuration again)", a->state.dir);
    else if (provision(a) < 0)
        return -1;
    demo_setup(a);
    device_setup(a);
    struct sl_obj *objs[] = { &a->co.security.obj, &a->co.server.obj, &a->co.acl.obj,
                              &a->o21.store.obj, &a->c2c.security.obj, &a->c2c.client.obj,
                              &a->c2c.acl.obj, &a->dev.device.obj };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        if (sl_engine_add_object(&a->eng, objs[k]) != SL_OK)
            return -1;
    if (a->opts.temperature)
        sl_engine_add_object(&a->eng, &a->dev.temperature.obj);
    if (a->opts.light)
        sl_engine_add_object(&a->eng, &a->dev.light.obj);
    if (a->opts.button)
        sl_engine_add_object(&a->eng, &a->dev.button.obj);
    if (!found && a->opts.server_count > 1 && provision_acl(a) < 0)
        return -1;
    /* a hosting client drops requests with an unknown kid (RFC 8613 8.2) */
    sl_oscore_adapter_init(&a->osc, &a->eng, SL_OSCORE_UNKNOWN_DROP);
    struct sl_client_hooks hooks = { a, hook_connect, hook_state };
    if (sl_client_init(&a->client, &a->eng, &a->co, a->opts.endpoint, &hooks) != SL_OK)
        return -1;
    struct sl_bootstrap_hooks bhooks = { a, hook_connect_bootstrap, hook_bootstrap_state };
    if (sl_bootstrap_init(&a->bootstrap, &a->client, &bhooks) != SL_OK)
        return -1;
    if (a->opts.control[0] && control_open(a) < 0)
        return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (a->signal_fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
        return -1;
    signal(SIGPIPE, SIG_IGN); /* a control client that hangs up must not kill us */
    if (sl_posix_udp_local(a->udp_fd, &local) == SL_OK &&
        sl_posix_addr_format(&local, err, sizeof err) > 0)
        sl_posix_logf(&a->log, SL_LOG_INFO, "endpoint %s listening on %s", a->opts.endpoint, err);
    return 0;
}

static void receive(struct app *a)
{
    static uint8_t buf[SL_COAP_MAX_MSG + 1];
    for (;;) {
        struct sl_addr from;
        long n = sl_posix_udp_recv(a->udp_fd, buf, sizeof buf, &from);
        if (n == 0)
            return;
        if (n < 0) {
            if (n == SL_ERR_TOO_LARGE)
                sl_posix_logf(&a->log, SL_LOG_DEBUG, "dropped an oversized datagram");
            continue;
        }
        sl_engine_input(&a->eng, 0, &from, buf, (size_t)n, sl_posix_now_ms());
    }
}

static sl_time_ms earliest(sl_time_ms x, sl_time_ms y)
{
    return x < y ? x : y;
}

static int run(struct app *a)
{
    bool stopping = false;
    sl_time_ms stop_deadline = UINT64_MAX;
    /* register with the accounts we have, or bootstrap when none is usable */
    if (sl_bootstrap_boot(&a->bootstrap, sl_posix_now_ms()) == SL_ERR_NOT_FOUND)
        sl_posix_logf(&a->log, SL_LOG_WARN,
                      "no usable server account and no bootstrap server: nothing to register "
                      "with");
    for (;;) {
        sl_time_ms now = sl_posix_now_ms();
        secure_step(a, now);
        sl_engine_step(&a->eng, now);
        sl_client_step(&a->client, now);
        sl_bootstrap_step(&a->bootstrap, now);
        demo_step(a, now);
        device_step(a, now);
        sl_engine_step(&a->eng, now); /* requests the client just queued */
        if (a->restart && !stopping) {
            /* Reboot / Factory Reset: answered already; de-register, then
             * start over (main() re-executes the program) */
            stopping = true;
            stop_deadline = now + sl_coap_max_transmit_wait_ms(&a->eng.cfg.coap);
            sl_client_stop(&a->client, now);
        }
        if (stopping && (sl_client_stopped(&a->client) || now >= stop_deadline))
            return 0;
        sl_time_ms next = earliest(sl_engine_next_deadline(&a->eng),
                                   sl_client_next_deadline(&a->client));
        next = earliest(next, stopping ? stop_deadline : a->next_sample);
        next = earliest(next, secure_next_deadline(a));
        next = earliest(next, sl_bootstrap_next_deadline(&a->bootstrap));
        int timeout = next == UINT64_MAX ? -1 : next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
        struct pollfd pfd[3 + APP_MAX_CONTROL_CONNS + SL_POSIX_MAX_SOCKS];
        nfds_t n = 0;
        pfd[n++] = (struct pollfd){ a->udp_fd, POLLIN, 0 };
        pfd[n++] = (struct pollfd){ a->signal_fd, POLLIN, 0 };
        pfd[n++] = (struct pollfd){ a->control_fd, POLLIN, 0 }; /* -1 is ignored by poll */
        for (unsigned k = 0; k < APP_MAX_CONTROL_CONNS; k++)
            pfd[n++] = (struct pollfd){ a->conns[k].fd, POLLIN, 0 };
        const nfds_t first_secure = n;
        for (unsigned k = APP_SOCK_SECURE; k < SL_POSIX_MAX_SOCKS; k++)
            pfd[n++] = (struct pollfd){ a->plat.fds[k], POLLIN, 0 };
        if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
            sl_posix_logf(&a->log, SL_LOG_ERROR, "poll: %s", strerror(errno));
            return 1;
        }
        if (pfd[0].revents & POLLIN)
            receive(a);
        if (pfd[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(a->signal_fd, &si, sizeof si) == (ssize_t)sizeof si && !stopping) {
                sl_posix_logf(&a->log, SL_LOG_INFO, "signal %u: de-registering", si.ssi_signo);
                stopping = true;
                /* at most one MAX_TRANSMIT_WAIT for the De-registers */
                stop_deadline = sl_posix_now_ms() + sl_coap_max_transmit_wait_ms(&a->eng.cfg.coap);
                sl_client_stop(&a->client, sl_posix_now_ms());
            } else if (stopping) {
                return 0; /* a second signal: leave now */
            }
        }
        if (pfd[2].revents & POLLIN)
            control_accept(a);
        for (unsigned k = 0; k < APP_MAX_CONTROL_CONNS; k++)
            if (pfd[3 + k].revents & (POLLIN | POLLHUP | POLLERR))
                control_read(a, &a->conns[k]);
        for (unsigned k = APP_SOCK_SECURE; k < SL_POSIX_MAX_SOCKS; k++)
            if (pfd[first_secure + k - APP_SOCK_SECURE].revents & POLLIN)
                secure_receive(a, (sl_sock)k);
    }
}

int main(int argc, char **argv)
{
    struct app *a = &app;
    int rc = client_opts_parse(&a->opts, argc, argv);
    if (rc == 1)
        return 0;
    if (rc)
        return 2;
    a->argv = argv;
    a->log.level = a->opts.log_level;
    a->log.prog = "sidelink-client";
    if (setup(a) < 0) {
        control_close_all(a);
        secure_close_all(a);
        return 1;
    }
    rc = run(a);
    control_close_all(a);
    secure_close_all(a);
    if (a->udp_fd >= 0)
        close(a->udp_fd);
    if (a->signal_fd >= 0)
        close(a->signal_fd);
    if (rc == 0 && a->restart) {
        if (a->restart == RESTART_FACTORY) {
            /* forget what servers changed: the next start provisions from
             * the configuration again */
            /* (the OSCORE sequence numbers stay: the configuration's
             * keys come back, and their nonces must not repeat) */
            static const unsigned objs[] = { 0, 1, 2, 21, 11000, 11001, 11002 };
            for (unsigned k = 0; k < sizeof objs / sizeof objs[0]; k++) {
                char path[sizeof a->state.dir + 16];
                snprintf(path, sizeof path, "%.255s/obj-%u", a->state.dir, objs[k]);
                unlink(path);
            }
        }
        sl_posix_logf(&a->log, SL_LOG_INFO, "restarting");
        sigset_t set;
        sigemptyset(&set);
        sigprocmask(SIG_SETMASK, &set, NULL);
        /* the program as it was started (under a wrapper such as valgrind
         * /proc/self/exe would be the wrapper), else the running image */
        execvp(a->argv[0], a->argv);
        execv("/proc/self/exe", a->argv);
        sl_posix_logf(&a->log, SL_LOG_ERROR, "cannot restart: %s", strerror(errno));
        return 1;
    }
    sl_posix_logf(&a->log, SL_LOG_INFO, "stopped");
    return rc;
}
