/*
 * db.c: the MariaDB connection, its statement cache and reconnects.
 *
 * A connection is "dead" once the client library reported that the server
 * went away. The handle and every cached statement are then thrown away,
 * and the next call outside a transaction connects afresh and prepares
 * again (statements do not survive a session). Results are buffered on the
 * client (mysql_stmt_store_result), so a reader never holds the session.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "core/xalloc.h"
#include "store/db.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* A client error since MariaDB 10.3: the server closed an idle session. */
#define ER_CLIENT_INTERACTION_TIMEOUT_	4031
/* MySQL's refusal of a session without TLS under
 * require_secure_transport; MariaDB answers it with 1045, access denied. */
#define ER_SECURE_TRANSPORT_REQUIRED_	3159

/* MariaDB's port when FF_DB_PORT is not set. */
#define DB_DEFAULT_PORT	3306

/* Larger than the 15 MB upload limit plus its row. */
#define DB_MAX_PACKET	(64UL * 1024 * 1024)

/*
 * Every connection runs in UTC, so DATETIME columns, NOW() and
 * FROM_UNIXTIME() agree with the C side, and in strict mode, so bad data
 * is an error instead of a warning. NO_ENGINE_SUBSTITUTION: a missing
 * MEMORY engine must fail the migration, not silently become InnoDB.
 * lock_wait_timeout (seconds; the server's default is a day): a statement
 * waiting for a table or global lock, e.g. a backup's FLUSH TABLES WITH
 * READ LOCK, fails with 1205 (FF_EDB, 503) instead of holding its worker
 * until the 60 s read timeout; records.c runs a transaction at most 3
 * times, so an upload gives up after about 9 s.
 */
#define DB_INIT_COMMAND \
	"SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES," \
	"NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO," \
	"NO_ENGINE_SUBSTITUTION', lock_wait_timeout = 3"

struct db_slot {
	char		*sql;		/* owned copy of the statement text */
	MYSQL_STMT	*st;
	int		 busy;		/* a db_rows is reading it */
};

struct db {
	MYSQL		*my;		/* NULL while disconnected */
	char		*socket;
	char		*host;		/* NULL: the Unix socket */
	unsigned	 port;
	char		*ssl_ca;	/* NULL: no TLS (loopback or FF_DB_SSL=off) */
	char		*ssl_cert;	/* client certificate and key, or NULL */
	char		*ssl_key;
	char		*where;		/* the server as the logs name it */
	char		*dbname;
	char		*user;
	char		*pass;
	struct db_slot	**slots;	/* each slot allocated alone, so a
					 * pointer to it survives growth */
	size_t		 nslots;
	size_t		 maxslots;
	unsigned	 gen;		/* bumped on every disconnect */
	int		 dead;		/* the server went away */
	int		 in_tx;
	unsigned	 last_errno;
	int		 retryable;
};

enum col_kind { COL_INT, COL_DOUBLE, COL_BYTES };

struct db_col {
	enum col_kind	 kind;
	long long	 i;
	double		 d;
	char		*buf;		/* COL_BYTES: cap bytes */
	unsigned long	 cap;
	unsigned long	 len;
	my_bool		 isnull;
	my_bool		 error;		/* set on truncation */
};

struct db_rows {
	struct db	*db;
	unsigned	 gen;		/* db->gen when the result was read */
	struct db_slot	*slot;		/* valid only while gen matches */
	MYSQL_STMT	*st;
	MYSQL_RES	*meta;
	unsigned	 ncol;
	MYSQL_BIND	*bind;
	struct db_col	*cols;
	size_t		 nrows;
	int		 have_row;
};

static int
err_lost(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
	    e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR ||
	    e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED ||
	    e == ER_SERVER_SHUTDOWN || e == ER_CLIENT_INTERACTION_TIMEOUT_;
}

/* Errors caused by the data we sent: the caller's input was wrong. */
static int
err_input(unsigned e)
{
	switch (e) {
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
	case ER_NO_REFERENCED_ROW:
	case ER_NO_REFERENCED_ROW_2:
	case ER_ROW_IS_REFERENCED:
	case ER_ROW_IS_REFERENCED_2:
	case ER_CONSTRAINT_FAILED:
	case ER_BAD_NULL_ERROR:
	case ER_DATA_TOO_LONG:
	case ER_WARN_DATA_OUT_OF_RANGE:
	case WARN_DATA_TRUNCATED:
	case ER_TRUNCATED_WRONG_VALUE:
	case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
		return 1;
	default:
		return 0;
	}
}

/*
 * Remember and log a failure; the SQL text goes to the log (stderr), never
 * to the caller. Returns the error to pass up.
 */
static enum ff_err
db_fail(struct db *db, const char *what, const char *sql, unsigned e,
    const char *state, const char *msg)
{
	db->last_errno = e;
	db->retryable = e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT;
	if (err_lost(e))
		db->dead = 1;
	fprintf(stderr, "framefit: db: %s: %u (%s) %s%s%.80s%s\n", what, e,
	    state ? state : "-", msg ? msg : "", sql ? " [" : "",
	    sql ? sql : "", sql ? "]" : "");
	return err_input(e) ? FF_EINPUT : FF_EDB;
}

static enum ff_err
stmt_fail(struct db *db, MYSQL_STMT *st, const char *what, const char *sql)
{
	return db_fail(db, what, sql, mysql_stmt_errno(st),
	    mysql_stmt_sqlstate(st), mysql_stmt_error(st));
}

static void
db_disconnect(struct db *db)
{
	size_t i;

	/* Statements first: they refer to the handle. On a dead socket the
	 * close messages fail quietly (the library sends with MSG_NOSIGNAL). */
	for (i = 0; i < db->nslots; i++) {
		mysql_stmt_close(db->slots[i]->st);
		free(db->slots[i]->sql);
		free(db->slots[i]);
	}
	db->nslots = 0;
	if (db->my != NULL)
		mysql_close(db->my);
	db->my = NULL;
	db->gen++;
	db->dead = 0;
}

static enum ff_err
db_connect(struct db *db)
{
	unsigned int	 connect_s = 5, io_s = 60, tcp = MYSQL_PROTOCOL_TCP;
	unsigned long	 maxpkt = DB_MAX_PACKET;
	my_bool		 no = 0, yes = 1;
	MYSQL		*my;

	if ((my = mysql_init(NULL)) == NULL)
		return db_fail(db, "mysql_init", NULL, CR_OUT_OF_MEMORY,
		    NULL, "out of memory");
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &io_s);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
	mysql_options(my, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxpkt);
	/* We reconnect ourselves: the library's reconnect would silently
	 * drop our prepared statements and any open transaction. */
	mysql_options(my, MYSQL_OPT_RECONNECT, &no);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(my, MYSQL_INIT_COMMAND, DB_INIT_COMMAND);
	if (db->host != NULL) {
		/* TCP even for "localhost", which the library would
		 * otherwise take to mean its default socket. */
		mysql_options(my, MYSQL_OPT_PROTOCOL, &tcp);
		if (db->ssl_ca != NULL) {
			/* ENFORCE: no TLS, no session (never a silent
			 * fallback to clear text); VERIFY_SERVER_CERT: the
			 * chain up to ssl_ca and the host name in it. */
			mysql_options(my, MYSQL_OPT_SSL_CA, db->ssl_ca);
			if (db->ssl_cert != NULL) {
				mysql_options(my, MYSQL_OPT_SSL_CERT, db->ssl_cert);
				mysql_options(my, MYSQL_OPT_SSL_KEY, db->ssl_key);
			}
			mysql_options(my, MYSQL_OPT_SSL_ENFORCE, &yes);
			mysql_options(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
		} else
			mysql_options(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
	}
	/* CLIENT_FOUND_ROWS: affected rows count the rows a WHERE matched,
	 * so an UPDATE that changes nothing still tells "found". */
	if (mysql_real_connect(my, db->host, db->user, db->pass,
	    *db->dbname ? db->dbname : NULL, db->host ? db->port : 0,
	    db->host ? NULL : db->socket, CLIENT_FOUND_ROWS) == NULL) {
		unsigned e = mysql_errno(my);

		/* Any failure to connect means "database unavailable", also
		 * a bad password or a missing database. */
		db_fail(db, "connect", db->where, e, mysql_sqlstate(my),
		    mysql_error(my));
		/* Say what a person would check first. */
		if (db->host != NULL && db->ssl_ca == NULL &&
		    (e == ER_SECURE_TRANSPORT_REQUIRED_ ||
		    e == ER_ACCESS_DENIED_ERROR))
			fprintf(stderr, "framefit: db: hint: access denied "
			    "to a connection without TLS (no FF_DB_SSL_CA): a "
			    "server with require_secure_transport refuses "
			    "clear text so; else check FF_DB_USER and "
			    "FF_DB_PASSWORD\n");
		else if (db->host != NULL && (e == CR_CONN_HOST_ERROR ||
		    e == CR_CONNECTION_ERROR || e == CR_UNKNOWN_HOST))
			fprintf(stderr, "framefit: db: hint: no MariaDB "
			    "answers at %s: check FF_DB_HOST and FF_DB_PORT, "
			    "and that the server listens there\n", db->where);
		else if (db->ssl_ca != NULL && e == CR_SSL_CONNECTION_ERROR)
			fprintf(stderr, "framefit: db: hint: TLS with %s "
			    "failed: the server's certificate must be signed "
			    "by the CA in FF_DB_SSL_CA=%s and name the host "
			    "as FF_DB_HOST writes it\n", db->where, db->ssl_ca);
		mysql_close(my);
		return FF_EDB;
	}
	/* ENFORCE already refuses a session without TLS; this says so
	 * once more in our own words should a library version differ. */
	if (db->ssl_ca != NULL && mysql_get_ssl_cipher(my) == NULL) {
		db_fail(db, "connect", db->where, CR_SSL_CONNECTION_ERROR,
		    NULL, "no TLS on a connection that requires it");
		mysql_close(my);
		return FF_EDB;
	}
	db->my = my;
	db->dead = 0;
	return FF_OK;
}

/* Make sure there is a live handle, reconnecting outside a transaction. */
static enum ff_err
db_ensure(struct db *db)
{
	if (db->dead || db->my == NULL) {
		if (db->in_tx) {
			/* The transaction died with the session; running on
			 * in autocommit would commit half of it. */
			db->last_errno = CR_SERVER_GONE_ERROR;
			db->retryable = 0;
			return FF_EDB;
		}
		if (db->my != NULL || db->nslots > 0)
			db_disconnect(db);
		return db_connect(db);
	}
	return FF_OK;
}

static enum ff_err
db_prepare(struct db *db, const char *sql, struct db_slot **out)
{
	enum ff_err	 er;
	MYSQL_STMT	*st;
	my_bool		 yes = 1;
	size_t		 i;

	if ((er = db_ensure(db)) != FF_OK)
		return er;
	for (i = 0; i < db->nslots; i++)
		if (strcmp(db->slots[i]->sql, sql) == 0) {
			*out = db->slots[i];
			return FF_OK;
		}
	if ((st = mysql_stmt_init(db->my)) == NULL)
		return db_fail(db, "mysql_stmt_init", sql, mysql_errno(db->my),
		    mysql_sqlstate(db->my), mysql_error(db->my));
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		er = stmt_fail(db, st, "prepare", sql);
		/* A statement the server cannot parse is our bug. */
		if (db->last_errno == ER_PARSE_ERROR)
			er = FF_ECONFIG;
		mysql_stmt_close(st);
		return er;
	}
	/* Lets db_query size its column buffers from the whole result. */
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &yes);
	if (db->nslots == db->maxslots) {
		db->maxslots = db->maxslots ? db->maxslots * 2 : 16;
		db->slots = xreallocarray(db->slots, db->maxslots,
		    sizeof(*db->slots));
	}
	*out = db->slots[db->nslots++] = xcalloc(1, sizeof(**db->slots));
	(*out)->sql = xstrdup(sql);
	(*out)->st = st;
	return FF_OK;
}

/*
 * Prepare (or reuse), bind and execute once. With a result set and
 * keep_result, the result is stored on the client and left for the caller;
 * otherwise it is discarded.
 */
static enum ff_err
db_run_once(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, int keep_result, struct db_slot **out)
{
	struct db_slot	*slot = NULL;
	MYSQL_BIND	*b = NULL;
	unsigned long	*lens = NULL;
	enum ff_err	 er;
	size_t		 i;

	if ((er = db_prepare(db, sql, &slot)) != FF_OK)
		return er;
	if (slot->busy) {
		fprintf(stderr, "framefit: db: statement still being read, "
		    "free its rows first [%.80s]\n", sql);
		return FF_ECONFIG;
	}
	if (mysql_stmt_param_count(slot->st) != nargs) {
		fprintf(stderr, "framefit: db: %zu arguments for %lu "
		    "parameters [%.80s]\n", nargs,
		    mysql_stmt_param_count(slot->st), sql);
		return FF_ECONFIG;
	}
	if (nargs > 0) {
		b = xcalloc(nargs, sizeof(*b));
		lens = xcalloc(nargs, sizeof(*lens));
		for (i = 0; i < nargs; i++) {
			switch (args[i].type) {
			case DB_T_NULL:
				b[i].buffer_type = MYSQL_TYPE_NULL;
				break;
			case DB_T_INT:
				b[i].buffer_type = MYSQL_TYPE_LONGLONG;
				b[i].buffer = (void *)&args[i].i;
				break;
			case DB_T_DOUBLE:
				b[i].buffer_type = MYSQL_TYPE_DOUBLE;
				b[i].buffer = (void *)&args[i].d;
				break;
			case DB_T_TEXT:
			case DB_T_BLOB:
				b[i].buffer_type = args[i].type == DB_T_TEXT ?
				    MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
				b[i].buffer = (void *)(args[i].p ? args[i].p : "");
				b[i].buffer_length = lens[i] = args[i].len;
				b[i].length = &lens[i];
				break;
			}
		}
		if (mysql_stmt_bind_param(slot->st, b) != 0) {
			er = stmt_fail(db, slot->st, "bind", sql);
			goto out;
		}
	}
	if (mysql_stmt_execute(slot->st) != 0) {
		er = stmt_fail(db, slot->st, "execute", sql);
		goto out;
	}
	if (mysql_stmt_field_count(slot->st) > 0) {
		if (mysql_stmt_store_result(slot->st) != 0) {
			er = stmt_fail(db, slot->st, "store result", sql);
			goto out;
		}
		if (!keep_result)
			mysql_stmt_free_result(slot->st);
	}
	db->last_errno = 0;
	db->retryable = 0;
	*out = slot;
	er = FF_OK;
out:
	free(b);
	free(lens);
	return er;
}

/* db_run_once, retried once on a fresh connection when the old one died
 * outside a transaction (the statement cannot have half-applied then:
 * autocommit statements are atomic, and a lost one is rolled back). */
static enum ff_err
db_run(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, int keep_result, struct db_slot **out)
{
	enum ff_err er;
	/* Only a session that was up may have died under this statement;
	 * when connecting was the failure, at once again is pointless. */
	int live = db->my != NULL && !db->dead;

	er = db_run_once(db, sql, args, nargs, keep_result, out);
	if (er != FF_OK && live && db->dead && !db->in_tx) {
		fprintf(stderr, "framefit: db: reconnecting\n");
		er = db_run_once(db, sql, args, nargs, keep_result, out);
	}
	return er;
}

enum ff_err
db_global_init(void)
{
	if (mysql_library_init(0, NULL, NULL) != 0) {
		fprintf(stderr, "framefit: db: mysql_library_init failed\n");
		return FF_EDB;
	}
	return FF_OK;
}

struct db_arg
db_arg_text(const char *s)
{
	if (s == NULL)
		return DB_NULL;
	return (struct db_arg){ .type = DB_T_TEXT, .p = s, .len = strlen(s) };
}

static char *
env_or(const char *arg, const char *name, const char *dflt)
{
	const char *v;

	if (arg != NULL)
		return xstrdup(arg);
	if ((v = getenv(name)) != NULL && *v != '\0')
		return xstrdup(v);
	return xstrdup(dflt);
}

/* A setting's value, NULL when it is unset or empty. */
static const char *
env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Addresses whose traffic never leaves this machine. A name other than
 * "localhost" counts as remote whatever it resolves to: what it resolves
 * to can change under us. */
static int
host_loopback(const char *h)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcmp(h, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* The file a setting names must be readable by this process, now, so a
 * wrong path stops the start instead of failing every connect. */
static int
file_readable(const char *name, const char *path)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "framefit: db: %s=%s cannot be read: %s\n",
		    name, path, strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

/*
 * The network settings (db.h): host, port and TLS, checked and copied
 * into db. FF_ECONFIG, with the reason on stderr, for a setting that
 * cannot work; a refusal to send clear text off this host is one.
 */
static enum ff_err
db_read_net(struct db *db)
{
	const char	*host, *port, *ca, *cert, *key, *ssl;
	char		*end;
	long		 n;
	size_t		 len;

	host = env_set("FF_DB_HOST");
	port = env_set("FF_DB_PORT");
	ca = env_set("FF_DB_SSL_CA");
	cert = env_set("FF_DB_SSL_CERT");
	key = env_set("FF_DB_SSL_KEY");
	ssl = env_set("FF_DB_SSL");

	db->port = DB_DEFAULT_PORT;
	if (port != NULL) {
		errno = 0;
		n = strtol(port, &end, 10);
		if (*port < '0' || *port > '9' || *end != '\0' ||
		    errno != 0 || n < 1 || n > 65535) {
			fprintf(stderr, "framefit: db: FF_DB_PORT=%s is not a "
			    "port number (1 to 65535)\n", port);
			return FF_ECONFIG;
		}
		db->port = (unsigned)n;
	}
	if (ssl != NULL && strcmp(ssl, "on") != 0 && strcmp(ssl, "off") != 0) {
		fprintf(stderr, "framefit: db: FF_DB_SSL=%s: say on or off "
		    "(or leave it unset)\n", ssl);
		return FF_ECONFIG;
	}
	if (host == NULL) {
		/* The socket: a local file whose mode guards it; the
		 * TCP and TLS settings have nothing to apply to. */
		db->where = xstrdup(db->socket);
		return FF_OK;
	}
	if (ca != NULL && ssl != NULL && strcmp(ssl, "off") == 0) {
		fprintf(stderr, "framefit: db: FF_DB_SSL=off and FF_DB_SSL_CA "
		    "are both set: say which\n");
		return FF_ECONFIG;
	}
	if ((cert != NULL || key != NULL) && ca == NULL) {
		fprintf(stderr, "framefit: db: FF_DB_SSL_CERT and FF_DB_SSL_KEY "
		    "need FF_DB_SSL_CA (TLS with the server verified)\n");
		return FF_ECONFIG;
	}
	if ((cert == NULL) != (key == NULL)) {
		fprintf(stderr, "framefit: db: FF_DB_SSL_CERT and FF_DB_SSL_KEY "
		    "go together: set both or neither\n");
		return FF_ECONFIG;
	}
	if (ca == NULL && ssl != NULL && strcmp(ssl, "on") == 0) {
		fprintf(stderr, "framefit: db: FF_DB_SSL=on needs FF_DB_SSL_CA, "
		    "the CA that signed the server's certificate\n");
		return FF_ECONFIG;
	}
	if (ca == NULL && !host_loopback(host) &&
	    (ssl == NULL || strcmp(ssl, "off") != 0)) {
		fprintf(stderr, "framefit: db: FF_DB_HOST=%s is another host "
		    "and FF_DB_SSL_CA is not set: the password and every row "
		    "would cross the network unencrypted. Set FF_DB_SSL_CA to "
		    "the CA of the server's certificate, or FF_DB_SSL=off to "
		    "accept clear text (docs/DEPLOY.md)\n", host);
		return FF_ECONFIG;
	}
	if ((ca != NULL && !file_readable("FF_DB_SSL_CA", ca)) ||
	    (cert != NULL && !file_readable("FF_DB_SSL_CERT", cert)) ||
	    (key != NULL && !file_readable("FF_DB_SSL_KEY", key)))
		return FF_ECONFIG;
	if (ca == NULL && !host_loopback(host))
		fprintf(stderr, "framefit: db: warning: the connection to "
		    "%s:%u is NOT encrypted (FF_DB_SSL=off): the password and "
		    "every row cross the network in clear text\n", host,
		    db->port);

	db->host = xstrdup(host);
	db->ssl_ca = ca != NULL ? xstrdup(ca) : NULL;
	db->ssl_cert = cert != NULL ? xstrdup(cert) : NULL;
	db->ssl_key = key != NULL ? xstrdup(key) : NULL;
	len = strlen(host) + 64;
	db->where = xmalloc(len);
	/* An IPv6 address in brackets, so its port stands apart. */
	snprintf(db->where, len, "%s%s%s:%u (%s)", strchr(host, ':') ? "[" : "",
	    host, strchr(host, ':') ? "]" : "", db->port,
	    ca != NULL ? "TLS" : "no TLS");
	return FF_OK;
}

/* Everything db_open() reads from the environment, without connecting. */
static struct db *
db_new(const char *socket, const char *dbname, enum ff_err *er)
{
	struct db	*db;
	const char	*dir;
	char		*dflt_sock;
	size_t		 n;

	/* Same default as scripts/db.sh: $FF_DB_DIR/mysql.sock. */
	if ((dir = getenv("FF_DB_DIR")) == NULL || *dir == '\0')
		dir = FF_DATADIR "/var/mysql";
	n = strlen(dir) + sizeof("/mysql.sock");
	dflt_sock = xmalloc(n);
	snprintf(dflt_sock, n, "%s/mysql.sock", dir);

	db = xcalloc(1, sizeof(*db));
	db->socket = env_or(socket, "FF_DB_SOCKET", dflt_sock);
	db->dbname = env_or(dbname, "FF_DB_NAME", "framefit");
	db->user = env_or(NULL, "FF_DB_USER", "framefit");
	db->pass = env_or(NULL, "FF_DB_PASSWORD", "framefit");
	free(dflt_sock);
	if ((*er = db_read_net(db)) != FF_OK) {
		db_close(db);
		return NULL;
	}
	return db;
}

enum ff_err
db_check_settings(void)
{
	struct db	*db;
	enum ff_err	 er;

	db = db_new(NULL, NULL, &er);
	db_close(db);
	return er;
}

struct db *
db_open(const char *socket, const char *dbname, enum ff_err *er)
{
	struct db	*db;

	if ((db = db_new(socket, dbname, er)) == NULL)
		return NULL;
	if ((*er = db_connect(db)) != FF_OK) {
		db_close(db);
		return NULL;
	}
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db->slots);
	free(db->socket);
	free(db->host);
	free(db->ssl_ca);
	free(db->ssl_cert);
	free(db->ssl_key);
	free(db->where);
	free(db->dbname);
	free(db->user);
	if (db->pass != NULL)
		explicit_bzero(db->pass, strlen(db->pass));
	free(db->pass);
	free(db);
}

enum ff_err
db_exec(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, long long *affected, long long *insert_id)
{
	struct db_slot	*slot;
	enum ff_err	 er;

	if ((er = db_run(db, sql, args, nargs, 0, &slot)) != FF_OK)
		return er;
	if (affected != NULL)
		*affected = (long long)mysql_stmt_affected_rows(slot->st);
	if (insert_id != NULL)
		*insert_id = (long long)mysql_stmt_insert_id(slot->st);
	return FF_OK;
}

void
db_rows_free(struct db_rows *r)
{
	unsigned i;

	if (r == NULL)
		return;
	/* After a reconnect the statement is gone with the old session. */
	if (r->gen == r->db->gen) {
		mysql_stmt_free_result(r->st);
		r->slot->busy = 0;
	}
	if (r->meta != NULL)
		mysql_free_result(r->meta);
	for (i = 0; i < r->ncol; i++)
		free(r->cols[i].buf);
	free(r->cols);
	free(r->bind);
	free(r);
}

enum ff_err
db_query(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, struct db_rows **out)
{
	struct db_rows	*r;
	struct db_slot	*slot;
	MYSQL_FIELD	*f;
	enum ff_err	 er;
	unsigned	 i;

	*out = NULL;
	if ((er = db_run(db, sql, args, nargs, 1, &slot)) != FF_OK)
		return er;
	r = xcalloc(1, sizeof(*r));
	r->db = db;
	r->gen = db->gen;
	r->slot = slot;
	r->st = slot->st;
	slot->busy = 1;
	if ((r->meta = mysql_stmt_result_metadata(r->st)) == NULL) {
		fprintf(stderr, "framefit: db: not a query [%.80s]\n", sql);
		db_rows_free(r);
		return FF_ECONFIG;
	}
	r->nrows = (size_t)mysql_stmt_num_rows(r->st);
	r->ncol = mysql_num_fields(r->meta);
	f = mysql_fetch_fields(r->meta);
	r->bind = xcalloc(r->ncol ? r->ncol : 1, sizeof(*r->bind));
	r->cols = xcalloc(r->ncol ? r->ncol : 1, sizeof(*r->cols));
	for (i = 0; i < r->ncol; i++) {
		struct db_col	*c = &r->cols[i];
		MYSQL_BIND	*b = &r->bind[i];

		switch (f[i].type) {
		case MYSQL_TYPE_TINY:
		case MYSQL_TYPE_SHORT:
		case MYSQL_TYPE_INT24:
		case MYSQL_TYPE_LONG:
		case MYSQL_TYPE_LONGLONG:
		case MYSQL_TYPE_YEAR:
			c->kind = COL_INT;
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &c->i;
			b->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
			break;
		case MYSQL_TYPE_FLOAT:
		case MYSQL_TYPE_DOUBLE:
		case MYSQL_TYPE_DECIMAL:
		case MYSQL_TYPE_NEWDECIMAL:
			c->kind = COL_DOUBLE;
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = &c->d;
			break;
		default:
			/* max_length is the longest value in the stored
			 * result; dates have none, so leave them room. */
			c->kind = COL_BYTES;
			c->cap = f[i].max_length + 1;
			if (c->cap < 64)
				c->cap = 64;
			c->buf = xmalloc(c->cap);
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = c->buf;
			b->buffer_length = c->cap - 1;
			break;
		}
		b->length = &c->len;
		b->is_null = &c->isnull;
		b->error = &c->error;
	}
	if (mysql_stmt_bind_result(r->st, r->bind) != 0) {
		er = stmt_fail(db, r->st, "bind result", sql);
		db_rows_free(r);
		return er;
	}
	*out = r;
	return FF_OK;
}

int
db_rows_next(struct db_rows *r)
{
	unsigned	 i;
	int		 rc, rebind = 0;

	r->have_row = 0;
	if (r->gen != r->db->gen) {
		fprintf(stderr, "framefit: db: rows outlived their connection\n");
		return -1;
	}
	rc = mysql_stmt_fetch(r->st);
	if (rc == MYSQL_NO_DATA)
		return 0;
	if (rc == 1) {
		stmt_fail(r->db, r->st, "fetch", NULL);
		return -1;
	}
	if (rc == MYSQL_DATA_TRUNCATED) {
		/* A value longer than the buffer: grow it and fetch that
		 * column again. */
		for (i = 0; i < r->ncol; i++) {
			struct db_col *c = &r->cols[i];

			if (!c->error || c->kind != COL_BYTES)
				continue;
			c->cap = c->len + 1;
			c->buf = xrealloc(c->buf, c->cap);
			r->bind[i].buffer = c->buf;
			r->bind[i].buffer_length = c->cap - 1;
			if (mysql_stmt_fetch_column(r->st, &r->bind[i], i, 0)) {
				stmt_fail(r->db, r->st, "fetch column", NULL);
				return -1;
			}
			rebind = 1;
		}
		if (rebind && mysql_stmt_bind_result(r->st, r->bind) != 0) {
			stmt_fail(r->db, r->st, "bind result", NULL);
			return -1;
		}
	}
	for (i = 0; i < r->ncol; i++)
		if (r->cols[i].kind == COL_BYTES && !r->cols[i].isnull)
			r->cols[i].buf[r->cols[i].len] = '\0';
	r->have_row = 1;
	return 1;
}

size_t
db_rows_count(const struct db_rows *r)
{
	return r->nrows;
}

unsigned
db_rows_columns(const struct db_rows *r)
{
	return r->ncol;
}

int
db_col_null(const struct db_rows *r, unsigned col)
{
	return col >= r->ncol || !r->have_row || r->cols[col].isnull;
}

long long
db_col_int(const struct db_rows *r, unsigned col)
{
	const struct db_col *c;

	if (db_col_null(r, col))
		return 0;
	c = &r->cols[col];
	switch (c->kind) {
	case COL_INT:
		return c->i;
	case COL_DOUBLE:
		return (long long)c->d;
	default:
		return strtoll(c->buf, NULL, 10);
	}
}

double
db_col_double(const struct db_rows *r, unsigned col)
{
	const struct db_col *c;

	if (db_col_null(r, col))
		return 0;
	c = &r->cols[col];
	switch (c->kind) {
	case COL_INT:
		return (double)c->i;
	case COL_DOUBLE:
		return c->d;
	default:
		return strtod(c->buf, NULL);
	}
}

const char *
db_col_text(const struct db_rows *r, unsigned col, size_t *len)
{
	const struct db_col *c;

	if (len != NULL)
		*len = 0;
	if (db_col_null(r, col) || r->cols[col].kind != COL_BYTES)
		return NULL;
	c = &r->cols[col];
	if (len != NULL)
		*len = c->len;
	return c->buf;
}

enum ff_err
db_query_int(struct db *db, const char *sql, const struct db_arg *args,
    size_t nargs, long long *out)
{
	struct db_rows	*r;
	enum ff_err	 er;
	int		 rc;

	*out = 0;
	if ((er = db_query(db, sql, args, nargs, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1)
		*out = db_col_int(r, 0);
	er = rc == 1 ? FF_OK : rc == 0 ? FF_ENOTFOUND : FF_EDB;
	db_rows_free(r);
	return er;
}

enum ff_err
db_begin(struct db *db)
{
	enum ff_err er;

	if (db->in_tx) {
		fprintf(stderr, "framefit: db: nested transaction\n");
		return FF_ECONFIG;
	}
	/* Outside a transaction, so a dead session is replaced here. */
	if ((er = db_exec(db, "START TRANSACTION", NULL, 0, NULL, NULL)) != FF_OK)
		return er;
	db->in_tx = 1;
	return FF_OK;
}

enum ff_err
db_commit(struct db *db)
{
	enum ff_err er;

	if (!db->in_tx) {
		fprintf(stderr, "framefit: db: commit outside a transaction\n");
		return FF_ECONFIG;
	}
	er = db_exec(db, "COMMIT", NULL, 0, NULL, NULL);
	if (er != FF_OK && !db->dead)
		(void)db_exec(db, "ROLLBACK", NULL, 0, NULL, NULL);
	db->in_tx = 0;
	return er;
}

void
db_rollback(struct db *db)
{
	unsigned	 e = db->last_errno;
	int		 retry = db->retryable;

	if (!db->in_tx)
		return;
	if (!db->dead && db->my != NULL)
		(void)db_exec(db, "ROLLBACK", NULL, 0, NULL, NULL);
	db->in_tx = 0;
	/* Keep the error that made the caller roll back. */
	db->last_errno = e;
	db->retryable = retry;
}

int
db_retryable(const struct db *db)
{
	return db->retryable;
}

unsigned
db_errno(const struct db *db)
{
	return db->last_errno;
}

int
db_connected(const struct db *db)
{
	/* db_ensure() leaves my NULL exactly when its connect failed. */
	return db->my != NULL;
}

enum ff_err
db_ping(struct db *db)
{
	enum ff_err	 er;
	long long	 one = 0;

	if ((er = db_query_int(db, "SELECT 1", NULL, 0, &one)) != FF_OK)
		return er;
	return one == 1 ? FF_OK : FF_EDB;
}

enum ff_err
db_exec_script(struct db *db, const char *label, const char *text, size_t len)
{
	MYSQL_RES	*res;
	enum ff_err	 er;
	int		 status;

	if ((er = db_ensure(db)) != FF_OK)
		return er;
	if (mysql_set_server_option(db->my, MYSQL_OPTION_MULTI_STATEMENTS_ON))
		goto fail;
	if (mysql_real_query(db->my, text, len) != 0)
		goto fail;
	/* Drain every result; a statement after a failing one never runs. */
	do {
		if ((res = mysql_store_result(db->my)) != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(db->my) != 0)
			goto fail;
		status = mysql_next_result(db->my);
	} while (status == 0);
	if (status > 0)
		goto fail;
	er = FF_OK;
	goto out;
fail:
	er = db_fail(db, "script", label, mysql_errno(db->my),
	    mysql_sqlstate(db->my), mysql_error(db->my));
	/* A broken script is a broken release, not bad user input. */
	if (er == FF_EINPUT)
		er = FF_EDB;
out:
	if (!db->dead)
		mysql_set_server_option(db->my, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return er;
}
