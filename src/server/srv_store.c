/* SQLite store with a group-committing writer thread (see srv_store.h). */
#include "server/srv_store.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum { P_INT, P_TEXT, P_BLOB, P_NULL };

struct param {
    uint8_t kind;
    int64_t i;
    void *p;
    size_t n;
};

struct stmt {
    const char *sql;
    struct param *params;
    size_t nparams, cap;
};

struct srv_store_op {
    struct srv_store_op *next;
    struct stmt *stmts;
    size_t nstmts, cap;
    bool oom;
    srv_store_done_fn done;
    void *arg;
    sl_err err;
    char msg[160];
};

struct cached {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct srv_store {
    sqlite3 *db;
    int efd;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t work;    /* the writer waits for operations */
    pthread_cond_t settled; /* flush waits for the writer */
    struct srv_store_op *queue, **queue_tail;
    struct srv_store_op *done, **done_tail;
    size_t inflight; /* submitted, not yet handed back */
    bool stop;
    struct cached *cache;
    size_t ncache, capcache;
    struct srv_store_stats stats;
};

/* Schema: the tables of issue 3 and those later issues fill (grants,
 * policies, audit log, cleanup journal), and the bootstrap server's
 * configurations. Times are epoch milliseconds. */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta("
    "  key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');"
    "CREATE TABLE IF NOT EXISTS registrations("
    "  id TEXT PRIMARY KEY,"
    "  endpoint TEXT NOT NULL UNIQUE,"
    "  address TEXT NOT NULL,"
    "  lifetime INTEGER NOT NULL,"
    "  version TEXT NOT NULL,"
    "  binding TEXT NOT NULL,"
    "  queue_mode INTEGER NOT NULL DEFAULT 0,"
    "  secure INTEGER NOT NULL DEFAULT 0,"
    "  c2c TEXT NOT NULL DEFAULT '[]',"        /* JSON array of URIs */
    "  links BLOB NOT NULL DEFAULT '',"        /* the Register payload */
    "  registered_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS observations("
    "  token BLOB PRIMARY KEY,"
    "  registration TEXT NOT NULL,"
    "  endpoint TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  format INTEGER NOT NULL DEFAULT 65535,"
    "  rest INTEGER NOT NULL DEFAULT 0,"       /* observed through the REST API */
    "  created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS observations_reg ON observations(registration);"
    "CREATE TABLE IF NOT EXISTS oscore_seq("   /* RFC 8613 B.1.1: saved ahead */
    "  endpoint TEXT PRIMARY KEY,"
    "  seq_limit INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS credentials("
    "  endpoint TEXT PRIMARY KEY,"
    "  mode TEXT NOT NULL CHECK (mode IN ('psk','oscore')),"
    "  psk_identity TEXT UNIQUE,"
    "  psk_key BLOB,"
    "  oscore_sid BLOB,"
    "  oscore_rid BLOB UNIQUE,"
    "  oscore_msec BLOB,"
    "  oscore_msalt BLOB,"
    "  updated_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS bindings("
    "  id INTEGER PRIMARY KEY,"
    "  source_ep TEXT NOT NULL,"
    "  source_path TEXT NOT NULL,"
    "  target_ep TEXT NOT NULL,"
    "  target_path TEXT NOT NULL,"
    "  via TEXT NOT NULL DEFAULT 'server',"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS grants("
    "  id INTEGER PRIMARY KEY,"
    "  requester TEXT NOT NULL,"
    "  host TEXT NOT NULL,"
    "  object_id INTEGER NOT NULL,"
    "  instance_id INTEGER,"                  /* NULL: the whole object */
    "  mask INTEGER NOT NULL,"
    "  short_client_id INTEGER,"
    "  host_instances TEXT,"                  /* JSON: instances installed on the host */
    "  requester_instances TEXT,"             /* JSON: instances installed on the requester */
    "  lifetime INTEGER,"
    "  expires_ms INTEGER,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS grants_pair ON grants(requester, host);"
    "CREATE TABLE IF NOT EXISTS policies("
    "  id INTEGER PRIMARY KEY,"
    "  requester TEXT NOT NULL,"              /* endpoint or '*' */
    "  host TEXT NOT NULL,"                   /* endpoint or '*' */
    "  object_id INTEGER,"                    /* NULL: any object */
    "  instance_id INTEGER,"                  /* NULL: any instance */
    "  mask INTEGER NOT NULL DEFAULT 0,"
    "  action TEXT NOT NULL CHECK (action IN ('allow','deny','ask')),"
    "  priority INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit_log("
    "  id INTEGER PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  actor TEXT,"
    "  action TEXT NOT NULL,"
    "  endpoint TEXT,"
    "  detail TEXT);"
    "CREATE INDEX IF NOT EXISTS audit_time ON audit_log(time_ms);"
    "CREATE TABLE IF NOT EXISTS cleanup_journal("
    "  id INTEGER PRIMARY KEY,"
    "  endpoint TEXT NOT NULL,"
    "  path TEXT NOT NULL,"                   /* what to delete on that device */
    "  grant_id INTEGER,"
    "  reason TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS cleanup_ep ON cleanup_journal(endpoint);"
    "CREATE TABLE IF NOT EXISTS bootstrap_configs("
    "  endpoint TEXT PRIMARY KEY,"
    "  config TEXT NOT NULL,"                 /* canonical JSON (docs/rest-api.md) */
    "  last_address TEXT,"                    /* of the last Bootstrap-Request */
    "  last_bootstrap_ms INTEGER,"
    "  updated_ms INTEGER NOT NULL);";

struct srv_store *srv_store_open(const char *path, char *err, size_t errlen)
{
    struct srv_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->efd = -1;
    st->queue_tail = &st->queue;
    st->done_tail = &st->done;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->work, NULL);
    pthread_cond_init(&st->settled, NULL);
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 5000);
    char *msg = NULL;
    /* WAL: readers never block the writer; FULL: a commit is on disk when
     * it returns (a registration is acknowledged only after it). */
    rc = sqlite3_exec(st->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                      NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(st->db, SCHEMA, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        goto fail;
    }
    st->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (st->efd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    return st;
fail:
    if (st->db)
        sqlite3_close(st->db);
    if (st->efd >= 0)
        close(st->efd);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->work);
    pthread_cond_destroy(&st->settled);
    free(st);
    return NULL;
}

int srv_store_fd(const struct srv_store *st)
{
    return st->efd;
}

/* ---- operations ---- */

struct srv_store_op *srv_store_op_new(void)
{
    return calloc(1, sizeof(struct srv_store_op));
}

void srv_store_op_sql(struct srv_store_op *op, const char *sql)
{
    if (!op || op->oom)
        return;
    if (op->nstmts == op->cap) {
        size_t cap = op->cap ? op->cap * 2 : 2;
        struct stmt *s = realloc(op->stmts, cap * sizeof *s);
        if (!s) {
            op->oom = true;
            return;
        }
        op->stmts = s;
        op->cap = cap;
    }
    struct stmt *s = &op->stmts[op->nstmts++];
    memset(s, 0, sizeof *s);
    s->sql = sql;
}

static struct param *add_param(struct srv_store_op *op)
{
    if (!op || op->oom || op->nstmts == 0) {
        if (op)
            op->oom = true;
        return NULL;
    }
    struct stmt *s = &op->stmts[op->nstmts - 1];
    if (s->nparams == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct param *p = realloc(s->params, cap * sizeof *p);
        if (!p) {
            op->oom = true;
            return NULL;
        }
        s->params = p;
        s->cap = cap;
    }
    struct param *p = &s->params[s->nparams++];
    memset(p, 0, sizeof *p);
    return p;
}

void srv_store_op_int(struct srv_store_op *op, int64_t v)
{
    struct param *p = add_param(op);
    if (p) {
        p->kind = P_INT;
        p->i = v;
    }
}

static void set_bytes(struct srv_store_op *op, struct param *p, uint8_t kind, const void *src,
                      size_t n)
{
    p->kind = kind;
    p->p = malloc(n + 1);
    if (!p->p) {
        p->kind = P_NULL;
        op->oom = true;
        return;
    }
    if (n)
        memcpy(p->p, src, n);
    ((char *)p->p)[n] = 0;
    p->n = n;
}

void srv_store_op_text(struct srv_store_op *op, const char *s)
{
    struct param *p = add_param(op);
    if (!p)
        return;
    if (!s)
        p->kind = P_NULL;
    else
        set_bytes(op, p, P_TEXT, s, strlen(s));
}

void srv_store_op_blob(struct srv_store_op *op, const void *src, size_t n)
{
    struct param *p = add_param(op);
    if (p)
        set_bytes(op, p, P_BLOB, src, n);
}

void srv_store_op_null(struct srv_store_op *op)
{
    struct param *p = add_param(op);
    if (p)
        p->kind = P_NULL;
}

static void op_free(struct srv_store_op *op)
{
    for (size_t k = 0; k < op->nstmts; k++) {
        for (size_t j = 0; j < op->stmts[k].nparams; j++)
            free(op->stmts[k].params[j].p);
        free(op->stmts[k].params);
    }
    free(op->stmts);
    free(op);
}

/* ---- the writer ---- */

static sqlite3_stmt *prepare(struct srv_store *st, const char *sql)
{
    for (size_t k = 0; k < st->ncache; k++)
        if (st->cache[k].sql == sql)
            return st->cache[k].stmt;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        return NULL;
    if (st->ncache == st->capcache) {
        size_t cap = st->capcache ? st->capcache * 2 : 32;
        struct cached *c = realloc(st->cache, cap * sizeof *c);
        if (!c) {
            sqlite3_finalize(s);
            return NULL;
        }
        st->cache = c;
        st->capcache = cap;
    }
    st->cache[st->ncache].sql = sql;
    st->cache[st->ncache].stmt = s;
    st->ncache++;
    return s;
}

static sl_err run_stmt(struct srv_store *st, const struct stmt *s, char *msg, size_t msglen)
{
    sqlite3_stmt *ps = prepare(st, s->sql);
    if (!ps) {
        snprintf(msg, msglen, "prepare: %s", sqlite3_errmsg(st->db));
        return SL_ERR_IO;
    }
    sqlite3_reset(ps);
    sqlite3_clear_bindings(ps);
    for (size_t k = 0; k < s->nparams; k++) {
        const struct param *p = &s->params[k];
        int idx = (int)k + 1;
        switch (p->kind) {
        case P_INT:
            sqlite3_bind_int64(ps, idx, p->i);
            break;
        case P_TEXT:
            sqlite3_bind_text(ps, idx, p->p, (int)p->n, SQLITE_STATIC);
            break;
        case P_BLOB:
            sqlite3_bind_blob(ps, idx, p->p, (int)p->n, SQLITE_STATIC);
            break;
        default:
            sqlite3_bind_null(ps, idx);
            break;
        }
    }
    int rc;
    while ((rc = sqlite3_step(ps)) == SQLITE_ROW)
        ;
    sl_err err = SL_OK;
    if (rc != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(st->db);
        err = (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) ? SL_ERR_CONFLICT
                                                                                       : SL_ERR_IO;
        snprintf(msg, msglen, "%s", sqlite3_errmsg(st->db));
    }
    sqlite3_reset(ps);
    sqlite3_clear_bindings(ps);
    return err;
}

static void exec_simple(struct srv_store *st, const char *sql)
{
    char *m = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &m) != SQLITE_OK) {
        fprintf(stderr, "sidelink-server: store: %s: %s\n", sql, m ? m : "?");
        sqlite3_free(m);
    }
}

/* Run one batch in one transaction; every op gets its err. */
static void run_batch(struct srv_store *st, struct srv_store_op *batch)
{
    bool in_txn = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    for (struct srv_store_op *op = batch; op; op = op->next) {
        if (op->oom) {
            op->err = SL_ERR_IO;
            snprintf(op->msg, sizeof op->msg, "out of memory");
            continue;
        }
        exec_simple(st, "SAVEPOINT op");
        op->err = SL_OK;
        for (size_t k = 0; k < op->nstmts && op->err == SL_OK; k++)
            op->err = run_stmt(st, &op->stmts[k], op->msg, sizeof op->msg);
        if (op->err != SL_OK)
            exec_simple(st, "ROLLBACK TO op");
        exec_simple(st, "RELEASE op");
    }
    if (in_txn && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        const char *why = sqlite3_errmsg(st->db);
        for (struct srv_store_op *op = batch; op; op = op->next) {
            if (op->err == SL_OK) {
                op->err = SL_ERR_IO;
                snprintf(op->msg, sizeof op->msg, "commit: %s", why);
            }
        }
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (!in_txn) {
        for (struct srv_store_op *op = batch; op; op = op->next) {
            if (op->err == SL_OK) {
                op->err = SL_ERR_IO;
                snprintf(op->msg, sizeof op->msg, "begin: %s", sqlite3_errmsg(st->db));
            }
        }
    }
}

/* Take the queue, run it, hand it back. Called with st->mu held; returns
 * with it held. */
static void process_queue(struct srv_store *st)
{
    struct srv_store_op *batch = st->queue;
    st->queue = NULL;
    st->queue_tail = &st->queue;
    pthread_mutex_unlock(&st->mu);

    run_batch(st, batch);

    pthread_mutex_lock(&st->mu);
    size_t n = 0;
    for (struct srv_store_op *op = batch; op; op = op->next) {
        n++;
        if (op->err != SL_OK)
            st->stats.failed_ops++;
    }
    st->stats.ops += n;
    st->stats.batches++;
    *st->done_tail = batch;
    while (*st->done_tail)
        st->done_tail = &(*st->done_tail)->next;
    st->inflight -= n;
    uint64_t one = 1;
    ssize_t w = write(st->efd, &one, sizeof one);
    (void)w; /* a full counter still reads as readable */
    pthread_cond_broadcast(&st->settled);
}

static void *writer_main(void *arg)
{
    struct srv_store *st = arg;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->queue && !st->stop)
            pthread_cond_wait(&st->work, &st->mu);
        if (!st->queue && st->stop)
            break;
        process_queue(st);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

sl_err srv_store_start(struct srv_store *st)
{
    if (st->started)
        return SL_OK;
    /* the writer takes no signal: the loop reads them from its signalfd */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&st->thread, NULL, writer_main, st);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return SL_ERR_IO;
    st->started = true;
    return SL_OK;
}

void srv_store_submit(struct srv_store *st, struct srv_store_op *op, srv_store_done_fn done,
                      void *arg)
{
    if (!op) {
        if (done)
            done(arg, SL_ERR_IO, "out of memory");
        return;
    }
    if (!st) {
        op_free(op);
        if (done)
            done(arg, SL_OK, "");
        return;
    }
    op->done = done;
    op->arg = arg;
    op->next = NULL;
    pthread_mutex_lock(&st->mu);
    *st->queue_tail = op;
    st->queue_tail = &op->next;
    st->inflight++;
    pthread_cond_signal(&st->work);
    pthread_mutex_unlock(&st->mu);
}

void srv_store_dispatch(struct srv_store *st)
{
    uint64_t v;
    ssize_t r = read(st->efd, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&st->mu);
    struct srv_store_op *list = st->done;
    st->done = NULL;
    st->done_tail = &st->done;
    pthread_mutex_unlock(&st->mu);
    while (list) {
        struct srv_store_op *op = list;
        list = op->next;
        if (op->done)
            op->done(op->arg, op->err, op->msg);
        op_free(op);
    }
}

void srv_store_flush(struct srv_store *st)
{
    pthread_mutex_lock(&st->mu);
    if (!st->started) {
        while (st->queue)
            process_queue(st);
    }
    while (st->inflight > 0)
        pthread_cond_wait(&st->settled, &st->mu);
    pthread_mutex_unlock(&st->mu);
    srv_store_dispatch(st);
}

void srv_store_close(struct srv_store *st)
{
    if (!st)
        return;
    srv_store_flush(st);
    if (st->started) {
        pthread_mutex_lock(&st->mu);
        st->stop = true;
        pthread_cond_signal(&st->work);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->thread, NULL);
        st->started = false;
    }
    /* whatever the last completions submitted runs here, inline */
    for (int rounds = 0; rounds < 8; rounds++) {
        pthread_mutex_lock(&st->mu);
        bool more = st->queue != NULL;
        pthread_mutex_unlock(&st->mu);
        if (!more)
            break;
        srv_store_flush(st);
    }
    for (size_t k = 0; k < st->ncache; k++)
        sqlite3_finalize(st->cache[k].stmt);
    free(st->cache);
    sqlite3_close(st->db);
    close(st->efd);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->work);
    pthread_cond_destroy(&st->settled);
    free(st);
}

sl_err srv_store_query(struct srv_store *st, const char *sql, const char *const *params,
                       size_t nparams, srv_store_row_fn row, void *arg)
{
    sqlite3_stmt *ps = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &ps, NULL) != SQLITE_OK)
        return SL_ERR_IO;
    for (size_t k = 0; k < nparams; k++) {
        if (params[k])
            sqlite3_bind_text(ps, (int)k + 1, params[k], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ps, (int)k + 1);
    }
    int rc;
    while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
        if (!row(arg, ps)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(ps);
    return rc == SQLITE_DONE ? SL_OK : SL_ERR_IO;
}

void srv_store_stats(struct srv_store *st, struct srv_store_stats *out)
{
    pthread_mutex_lock(&st->mu);
    *out = st->stats;
    pthread_mutex_unlock(&st->mu);
}
