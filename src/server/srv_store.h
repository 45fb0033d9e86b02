/* The server's persistent store: SQLite in WAL mode with group commit.
 *
 * Threading: the loop never waits for the disk. Writes are operations
 * (one or more SQL statements with bound parameters) queued to one writer
 * thread, which takes everything queued, runs it inside one transaction
 * (each operation in its own SAVEPOINT, so a failing operation is undone
 * alone and reported alone), commits once (one fsync for the whole batch)
 * and hands the finished operations back through an eventfd. The loop reads
 * that fd and calls each operation's completion on the loop thread:
 * srv_store_dispatch(). While one batch commits, the next one gathers, so
 * the commit rate adapts to the load by itself.
 *
 * Reads (srv_store_query) touch the connection from the caller's thread and
 * are allowed only while the writer is idle: before srv_store_start(), or
 * right after srv_store_flush(). The server reads at start-up only (restore)
 * and keeps what it serves in memory.
 *
 * SQL texts passed to srv_store_op_sql() must be string literals (static
 * storage): prepared statements are cached by their address.
 */
#ifndef SRV_STORE_H
#define SRV_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"

struct srv_store;
struct srv_store_op;

/* Completion of an operation, on the loop thread. err: SL_OK, SL_ERR_CONFLICT
 * (a UNIQUE or PRIMARY KEY constraint), SL_ERR_IO (anything else; msg says
 * what). */
typedef void (*srv_store_done_fn)(void *arg, sl_err err, const char *msg);

/* Open (creating the schema) `path`, ":memory:" for a store that lives as
 * long as the process. NULL with a message on failure. */
struct srv_store *srv_store_open(const char *path, char *err, size_t errlen);
/* Start the writer thread. */
sl_err srv_store_start(struct srv_store *st);
/* Wait until every submitted operation is committed, then dispatch their
 * completions. Blocks: for shutdown and tests only. */
void srv_store_flush(struct srv_store *st);
/* Flush, stop the writer, close the database, free everything. */
void srv_store_close(struct srv_store *st);

/* The eventfd that becomes readable when completions wait. */
int srv_store_fd(const struct srv_store *st);
/* Run the completions that wait (non-blocking). */
void srv_store_dispatch(struct srv_store *st);

/* Building an operation: srv_store_op_new(), then for each statement
 * srv_store_op_sql() followed by its parameters in order. Parameters are
 * copied. Out of memory marks the operation failed (reported SL_ERR_IO). */
struct srv_store_op *srv_store_op_new(void);
void srv_store_op_sql(struct srv_store_op *op, const char *sql);
void srv_store_op_int(struct srv_store_op *op, int64_t v);
void srv_store_op_text(struct srv_store_op *op, const char *s); /* NULL binds NULL */
void srv_store_op_blob(struct srv_store_op *op, const void *p, size_t n);
void srv_store_op_null(struct srv_store_op *op);
/* Queue it; `done` (may be NULL) runs later on the loop thread. Takes
 * ownership of op even when st is NULL (then done runs at once with SL_OK:
 * a server without a store). */
void srv_store_submit(struct srv_store *st, struct srv_store_op *op, srv_store_done_fn done,
                      void *arg);

/* Run a query and call row() for each result row; row returns false to
 * stop. Parameters: text values, bound in order (NULL binds NULL). */
typedef bool (*srv_store_row_fn)(void *arg, sqlite3_stmt *row);
sl_err srv_store_query(struct srv_store *st, const char *sql, const char *const *params,
                       size_t nparams, srv_store_row_fn row, void *arg);

struct srv_store_stats {
    uint64_t ops, batches, failed_ops;
};
void srv_store_stats(struct srv_store *st, struct srv_store_stats *out);

#endif
