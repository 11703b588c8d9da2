/*
 * dbtest.c: the private MariaDB of the unit tests (see dbtest.h).
 */
#define _GNU_SOURCE		/* close_range(2) */
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "dbtest.h"
#include "store/db.h"
#include "store/migrate.h"

#define SQLDIR	FF_DATADIR "/sql"
#define DBSH	FF_DATADIR "/scripts/db.sh"

static char test_db[65];

int
dbtest_sh(const char *cmd)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close_range(3, ~0U, 0);
		execl("/bin/sh", "sh", DBSH, cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
dbtest_prepare(const char *name)
{
	struct db	*d;
	enum ff_err	 er = FF_OK;
	char		 sql[160], cwd[4096];

	/* It goes into DDL text below: identifiers cannot be bound. */
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_") != strlen(name) || strlen(name) >= sizeof(test_db)) {
		fprintf(stderr, "dbtest: bad database name %s\n", name);
		exit(1);
	}
	snprintf(test_db, sizeof(test_db), "%s", name);
	/* A read-only source tree (make distcheck): keep the server in the
	 * build directory instead of <srcdir>/var. */
	if (getenv("FF_DB_DIR") == NULL && getenv("FF_DB_SOCKET") == NULL &&
	    access(FF_DATADIR, W_OK) != 0 && getcwd(cwd, sizeof(cwd) - 16)) {
		strcat(cwd, "/var/mysql");
		setenv("FF_DB_DIR", cwd, 1);
	}
	if (db_global_init() != FF_OK || dbtest_sh("start") != 0) {
		fprintf(stderr, "dbtest: scripts/db.sh start failed\n");
		exit(1);
	}
	/* No database selected: we are about to drop ours. */
	if ((d = db_open(NULL, "", &er)) == NULL) {
		fprintf(stderr, "dbtest: connect: %s\n", ff_strerror(er));
		exit(1);
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", test_db);
	if (db_exec(d, sql, NULL, 0, NULL, NULL) != FF_OK)
		exit(1);
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET "
	    "utf8mb4 COLLATE utf8mb4_unicode_ci", test_db);
	if (db_exec(d, sql, NULL, 0, NULL, NULL) != FF_OK)
		exit(1);
	db_close(d);
	if ((d = db_open(NULL, test_db, &er)) == NULL ||
	    (er = db_migrate(d, SQLDIR, NULL)) != FF_OK) {
		fprintf(stderr, "dbtest: migrate %s: %s\n", test_db,
		    ff_strerror(er));
		exit(1);
	}
	db_close(d);
}

struct db *
dbtest_open(void)
{
	enum ff_err	 er = FF_OK;
	struct db	*d;

	d = db_open(NULL, test_db, &er);
	ck_assert_msg(d != NULL, "db_open(%s): %s", test_db, ff_strerror(er));
	return d;
}

void
dbtest_exec(struct db *d, const char *sql, long long arg)
{
	struct db_arg	a = DB_INT(arg);
	enum ff_err	er;

	er = db_exec(d, sql, &a, strchr(sql, '?') ? 1 : 0, NULL, NULL);
	ck_assert_msg(er == FF_OK, "%s: %s", sql, ff_strerror(er));
}

long long
dbtest_int(struct db *d, const char *sql, long long arg)
{
	struct db_arg	a = DB_INT(arg);
	long long	n = -1;
	enum ff_err	er;

	er = db_query_int(d, sql, &a, strchr(sql, '?') ? 1 : 0, &n);
	ck_assert_msg(er == FF_OK || er == FF_ENOTFOUND, "%s: %s", sql,
	    ff_strerror(er));
	return er == FF_OK ? n : -1;
}

int
dbtest_run(const char *name, Suite *s)
{
	SRunner	*sr;
	int	 failed;

	dbtest_prepare(name);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
