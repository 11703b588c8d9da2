/*
 * dbtest.h: the private MariaDB of the unit tests that need one.
 *
 * dbtest_prepare() starts the server with scripts/db.sh (a no-op when it
 * runs; FF_DB_DIR and FF_DB_SOCKET say which, as for db.sh), recreates
 * the test program's own database and migrates it, so every run starts
 * from the seeded schema and programs never share rows. Check forks
 * every test: each opens its own connection with dbtest_open().
 */
#ifndef FF_TESTS_DBTEST_H
#define FF_TESTS_DBTEST_H
#include <check.h>

struct db;

/* main() of a test program: dbtest_prepare(name), run suite s, and the
 * exit status (EXIT_FAILURE when a test failed). */
int		 dbtest_run(const char *name, Suite *s);

/* Start the server and give this program an empty, migrated database
 * named name ([A-Za-z0-9_], framefit...). Exits the process on failure. */
void		 dbtest_prepare(const char *name);
/* Run scripts/db.sh CMD (start, stop, ...) without handing it our
 * descriptors (a server it starts would otherwise hold our connections'
 * sockets open); its exit status, -1 if it could not run. */
int		 dbtest_sh(const char *cmd);
/* A connection to that database (a failed check when there is none). */
struct db	*dbtest_open(void);
/* Run a statement of the test's own (at most one ? bound to arg). */
void		 dbtest_exec(struct db *, const char *sql, long long arg);
/* The first column of the first row of a query (at most one ? bound to
 * arg); -1 when there is no row. */
long long	 dbtest_int(struct db *, const char *sql, long long arg);

#endif
