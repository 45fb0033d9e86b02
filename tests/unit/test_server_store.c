/* Server store: schema, group commit, per-operation failure, conflicts,
 * durability across reopen. */
#define _GNU_SOURCE /* mkdtemp */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/srv_store.h"

struct result {
    int calls;
    sl_err err;
    char msg[160];
};

static void done(void *arg, sl_err err, const char *msg)
{
    struct result *r = arg;
    r->calls++;
    r->err = err;
    snprintf(r->msg, sizeof r->msg, "%s", msg);
}

static bool count_row(void *arg, sqlite3_stmt *row)
{
    *(int64_t *)arg = sqlite3_column_int64(row, 0);
    return true;
}

static int64_t count(struct srv_store *st, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(srv_store_query(st, sql, NULL, 0, count_row, &n), SL_OK);
    return n;
}

static void insert_cred(struct srv_store *st, const char *ep, const char *ident, struct result *r)
{
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO credentials(endpoint, mode, psk_identity, psk_key, updated_ms) "
                         "VALUES (?, 'psk', ?, ?, 1)");
    srv_store_op_text(op, ep);
    srv_store_op_text(op, ident);
    srv_store_op_blob(op, "\x01\x02", 2);
    srv_store_submit(st, op, done, r);
}

static void schema_and_conflicts(void **state)
{
    (void)state;
    char err[200];
    struct srv_store *st = srv_store_open(":memory:", err, sizeof err);
    assert_non_null(st);
    assert_int_equal(srv_store_start(st), SL_OK);
    /* every table of the schema exists */
    const char *tables[] = { "registrations", "observations", "credentials", "bindings", "grants",
                             "policies", "audit_log", "cleanup_journal" };
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'",
                 tables[k]);
        /* the SQL text must outlive the call only for srv_store_op_sql, not for queries */
        assert_int_equal(count(st, sql), 1);
    }
    struct result a = { 0 }, b = { 0 }, c = { 0 };
    insert_cred(st, "dev1", "id1", &a);
    insert_cred(st, "dev2", "id1", &b); /* same identity: conflict */
    insert_cred(st, "dev3", "id3", &c);
    srv_store_flush(st);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.err, SL_OK);
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.err, SL_ERR_CONFLICT);
    assert_non_null(strstr(b.msg, "UNIQUE"));
    assert_int_equal(c.err, SL_OK); /* a failing operation does not undo the others */
    assert_int_equal(count(st, "SELECT count(*) FROM credentials"), 2);
    srv_store_close(st);
}

static void op_is_atomic(void **state)
{
    (void)state;
    char err[200];
    struct srv_store *st = srv_store_open(":memory:", err, sizeof err);
    assert_non_null(st);
    assert_int_equal(srv_store_start(st), SL_OK);
    struct result r = { 0 };
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO bindings(id, source_ep, source_path, target_ep, target_path, "
                         "created_ms) VALUES (?, 'a', '/1/0/1', 'b', '/1/0/1', 0)");
    srv_store_op_int(op, 1);
    srv_store_op_sql(op, "INSERT INTO bindings(id, source_ep, source_path, target_ep, target_path, "
                         "created_ms) VALUES (?, 'a', '/1/0/1', 'b', '/1/0/1', 0)");
    srv_store_op_int(op, 1); /* same primary key: the whole operation is undone */
    srv_store_submit(st, op, done, &r);
    srv_store_flush(st);
    assert_int_equal(r.err, SL_ERR_CONFLICT);
    assert_int_equal(count(st, "SELECT count(*) FROM bindings"), 0);

    /* a bad statement is an I/O error, reported, not a crash */
    struct result bad = { 0 };
    op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO no_such_table VALUES (1)");
    srv_store_submit(st, op, done, &bad);
    /* a NULL store: the completion runs at once */
    struct result none = { 0 };
    op = srv_store_op_new();
    srv_store_op_sql(op, "SELECT 1");
    srv_store_submit(NULL, op, done, &none);
    assert_int_equal(none.calls, 1);
    srv_store_flush(st);
    assert_int_equal(bad.err, SL_ERR_IO);
    assert_non_null(strstr(bad.msg, "no_such_table"));
    srv_store_close(st);
}

static void group_commit(void **state)
{
    (void)state;
    char dir[] = "/tmp/sl-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/t.db", dir);
    char err[200];
    struct srv_store *st = srv_store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(srv_store_start(st), SL_OK);
    enum { N = 2000 };
    static struct result rs[N];
    memset(rs, 0, sizeof rs);
    for (int k = 0; k < N; k++) {
        char ep[32];
        snprintf(ep, sizeof ep, "ep%d", k);
        struct srv_store_op *op = srv_store_op_new();
        srv_store_op_sql(op, "INSERT INTO registrations(id, endpoint, address, lifetime, version, "
                             "binding, registered_ms, updated_ms, expires_ms) "
                             "VALUES (?, ?, '127.0.0.1:1', 60, '1.1', 'U', 0, 0, 0)");
        srv_store_op_text(op, ep);
        srv_store_op_text(op, ep);
        srv_store_submit(st, op, done, &rs[k]);
    }
    srv_store_flush(st);
    for (int k = 0; k < N; k++)
        assert_int_equal(rs[k].calls, 1);
    struct srv_store_stats s;
    srv_store_stats(st, &s);
    assert_int_equal(s.ops, N);
    assert_int_equal(s.failed_ops, 0);
    /* batches form while the previous one commits: far fewer fsyncs than operations */
    assert_true(s.batches >= 1 && s.batches < N);
    print_message("group commit: %d operations in %llu batches\n", N, (unsigned long long)s.batches);
    srv_store_close(st);

    /* reopen: everything is there, WAL mode */
    st = srv_store_open(path, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(count(st, "SELECT count(*) FROM registrations"), N);
    srv_store_close(st);

    struct srv_store *none = srv_store_open("/nonexistent-dir/x.db", err, sizeof err);
    assert_null(none);
    assert_non_null(strstr(err, "/nonexistent-dir/x.db"));

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_and_conflicts),
        cmocka_unit_test(op_is_atomic),
        cmocka_unit_test(group_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
