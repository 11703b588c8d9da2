/*
 * db.h: one MariaDB connection per worker, prepared statements only.
 *
 * A struct db is a connection plus its cache of prepared statements; it is
 * not thread-safe, so each worker thread opens its own. Every statement
 * goes through mysql_stmt_* with bound parameters; the only text queries
 * are the trusted migration files (migrate.c).
 *
 * Failures: a lost or refused server is FF_EDB (503); a statement the
 * server rejects because of the data (duplicate key, foreign key, CHECK
 * constraint, value too long) is FF_EINPUT (400). The server's message is
 * logged to stderr, never returned, so it cannot reach a user.
 *
 * Reconnect: when the server went away (errors 2006/2013, e.g. after a
 * restart), a statement outside a transaction reconnects, re-prepares and
 * is retried once. Inside a transaction the work is lost with the session,
 * so the call fails with FF_EDB and the next db_begin() or statement after
 * db_rollback() reconnects. db_retryable() tells a caller whether running
 * the whole transaction again is safe.
 *
 * Environment, read by db_open() when an argument is NULL (scripts/db.sh
 * uses the same names):
 *   FF_DB_DIR       the dev server's directory (default FF_DATADIR "/var/mysql")
 *   FF_DB_SOCKET    Unix socket (default $FF_DB_DIR/mysql.sock)
 *   FF_DB_NAME      database (default "framefit")
 *   FF_DB_USER      user (default "framefit")
 *   FF_DB_PASSWORD  password (default "framefit", the dev server's)
 * The database on another host (docs/DEPLOY.md), over TCP instead of the
 * socket:
 *   FF_DB_HOST      a host name or address; set and not empty: TCP to it
 *                   (also for "localhost"), FF_DB_SOCKET is not used
 *   FF_DB_PORT      its port, 1 to 65535 (default 3306)
 *   FF_DB_SSL_CA    a PEM file of the CA that signed the server's
 *                   certificate: TLS required, the certificate verified
 *                   against it and the host name checked against the
 *                   certificate's names (FF_DB_HOST as written)
 *   FF_DB_SSL_CERT, FF_DB_SSL_KEY  a client certificate and its key (PEM),
 *                   both or neither, for a user the server requires one of
 *                   (REQUIRE X509); only with FF_DB_SSL_CA
 *   FF_DB_SSL       "off": clear text on purpose (a warning is logged at
 *                   every start when the host is not this one); "on": TLS
 *                   even to this host (FF_DB_SSL_CA then required); unset:
 *                   TLS exactly when FF_DB_SSL_CA is set
 * Without FF_DB_SSL_CA the connection is not encrypted; to a host other
 * than this one (not localhost, 127.0.0.0/8 or ::1) that is refused unless
 * FF_DB_SSL=off says it is meant. A setting that cannot work (a port that
 * is not a number, an unreadable file, a certificate without its key)
 * makes db_open() fail with FF_ECONFIG, the reason on stderr. Over the
 * socket the TCP and TLS settings are not used.
 */
#ifndef FF_STORE_DB_H
#define FF_STORE_DB_H
#include <stddef.h>
#include "core/err.h"

struct db;
struct db_rows;

/* The type of a bound parameter. */
enum db_type {
	DB_T_NULL = 0,
	DB_T_INT,	/* i, as a signed 64-bit integer */
	DB_T_DOUBLE,	/* d */
	DB_T_TEXT,	/* p, len bytes of UTF-8 (no NUL needed) */
	DB_T_BLOB	/* p, len bytes */
};

/* One parameter; p is borrowed for the duration of the call. */
struct db_arg {
	enum db_type	 type;
	long long	 i;
	double		 d;
	const void	*p;
	size_t		 len;
};

#define DB_NULL		((struct db_arg){ .type = DB_T_NULL })
#define DB_INT(v)	((struct db_arg){ .type = DB_T_INT, .i = (v) })
#define DB_DOUBLE(v)	((struct db_arg){ .type = DB_T_DOUBLE, .d = (v) })
#define DB_TEXT(s)	db_arg_text(s)
#define DB_TEXTN(s, n)	((struct db_arg){ .type = DB_T_TEXT, .p = (s), .len = (n) })
#define DB_BLOB(b, n)	((struct db_arg){ .type = DB_T_BLOB, .p = (b), .len = (n) })
/* A NUL-terminated string; NULL binds SQL NULL. */
struct db_arg	 db_arg_text(const char *);

/*
 * Initialise the client library once per process, before any thread opens
 * a connection (mysql_init() would do it lazily, but not thread-safely).
 * FF_EDB if the library cannot start. Note: it sets SIGPIPE to SIG_IGN.
 */
enum ff_err	 db_global_init(void);

/*
 * Connect. NULL arguments come from the environment (above); dbname ""
 * selects no database (for CREATE DATABASE in tests). Returns NULL
 * and sets *er to FF_EDB when the server cannot be reached or refuses us
 * (also a failed TLS handshake or certificate check), FF_ECONFIG when
 * the settings cannot work.
 * The caller owns the result and frees it with db_close().
 */
struct db	*db_open(const char *socket, const char *dbname, enum ff_err *er);
void		 db_close(struct db *);
/*
 * Check the settings db_open() reads (above) without connecting: FF_OK,
 * or FF_ECONFIG with the reason on stderr. For a start-up check, so a
 * setting that cannot work stops a program before it forks workers.
 */
enum ff_err	 db_check_settings(void);

/*
 * Run one statement with nargs parameters (the count must match the ?s,
 * else FF_ECONFIG). affected (rows the WHERE matched, changed or not) and
 * insert_id may be NULL. The statement is prepared on first use and cached
 * under its text, so pass a constant.
 */
enum ff_err	 db_exec(struct db *, const char *sql, const struct db_arg *args,
		    size_t nargs, long long *affected, long long *insert_id);

/*
 * Run a SELECT. On FF_OK *rows holds the whole result (buffered on the
 * client) and the caller frees it with db_rows_free() before running the
 * same statement text again.
 */
enum ff_err	 db_query(struct db *, const char *sql, const struct db_arg *args,
		    size_t nargs, struct db_rows **rows);
/* The first column of the first row as an integer; FF_ENOTFOUND if no row,
 * 0 if the value is NULL. */
enum ff_err	 db_query_int(struct db *, const char *sql, const struct db_arg *args,
		    size_t nargs, long long *out);

/* Step to the next row: 1 row ready, 0 no more rows, -1 error (logged). */
int		 db_rows_next(struct db_rows *);
size_t		 db_rows_count(const struct db_rows *);
unsigned	 db_rows_columns(const struct db_rows *);
/*
 * Column values of the current row, columns counted from 0. Integer
 * columns read as integers, DECIMAL/FLOAT/DOUBLE as doubles (either getter
 * converts), anything else as bytes. db_col_text() returns NULL for SQL
 * NULL, otherwise NUL-terminated bytes owned by rows, valid until the next
 * db_rows_next(); len may be NULL.
 */
int		 db_col_null(const struct db_rows *, unsigned col);
long long	 db_col_int(const struct db_rows *, unsigned col);
double		 db_col_double(const struct db_rows *, unsigned col);
const char	*db_col_text(const struct db_rows *, unsigned col, size_t *len);
void		 db_rows_free(struct db_rows *);

/*
 * Transactions. db_rollback() is for the failure path: it cannot fail (an
 * error is logged; a lost session has rolled back by itself).
 */
enum ff_err	 db_begin(struct db *);
enum ff_err	 db_commit(struct db *);
void		 db_rollback(struct db *);

/*
 * 1 if the last failure was a deadlock or lock wait timeout: InnoDB rolled
 * the whole transaction back, so running it again is safe and may succeed.
 * A connection lost inside a transaction is not: COMMIT may have landed.
 */
int		 db_retryable(const struct db *);
/* The server or client error number of the last failure, 0 if none. */
unsigned	 db_errno(const struct db *);
/*
 * 0 while the handle has no session because the last attempt to connect
 * failed (the server is away), 1 otherwise. It never connects: the next
 * statement does. Lets a caller answer 503 at once instead of paying for
 * a connect attempt (and its log line) on every request of an outage.
 */
int		 db_connected(const struct db *);
/* FF_OK when the server answers a statement now (a round trip, "SELECT
 * 1"; it reconnects like any statement), else the failure. */
enum ff_err	 db_ping(struct db *);

/*
 * For migrate.c only: run a trusted script of several statements (a file
 * of the repository, never user input) as one text query with
 * multi-statements switched on for just this call. Stops at the first
 * failing statement, whose error is logged with the given label.
 */
enum ff_err	 db_exec_script(struct db *, const char *label, const char *text,
		    size_t len);

#endif
