/*
 * migrate.h: bring a database's schema up to date from sql/NNN_*.sql.
 *
 * A migration is a file named by a version number of three or more digits,
 * an underscore and a name, e.g. sql/001_init.sql. The current version is
 * the highest row of schema_version (0 when that table does not exist).
 * Every file above it runs in order, each in its own transaction together
 * with its schema_version row; a file of DDL commits implicitly as it goes
 * (MariaDB cannot roll DDL back), so such files are written re-runnable.
 * A named lock keeps two workers from migrating the same database at once.
 */
#ifndef FF_STORE_MIGRATE_H
#define FF_STORE_MIGRATE_H
#include "core/err.h"

struct db;

/*
 * Apply every migration in sqldir newer than the database. *applied (may
 * be NULL) gets how many ran, also on failure. FF_EIO: a file could not be
 * read; FF_ECONFIG: two files share a version; FF_EDB: a statement failed
 * (logged with the file name) or the server is away.
 */
enum ff_err	 db_migrate(struct db *, const char *sqldir, int *applied);

/* The version the database is at; 0 for an empty database. */
enum ff_err	 db_schema_version(struct db *, long long *version);

#endif
