/*
 * migrate.c: apply sql/NNN_*.sql in version order (see migrate.h).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/migrate.h"

/* A migration bigger than this is a mistake (seed data belongs in a few
 * hundred kB at most). */
#define MIGRATE_MAX_BYTES	(8L * 1024 * 1024)
/* Seconds to wait for another worker's migration to finish. */
#define MIGRATE_LOCK_S		60

struct mfile {
	long long	 version;
	char		*name;		/* the file name, owned */
};

static int
mfile_cmp(const void *a, const void *b)
{
	const struct mfile *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

/* "001_init.sql" -> 1; -1 for a name that is not a migration. */
static long long
mfile_version(const char *name)
{
	const char	*p = name;
	long long	 v = 0;
	size_t		 n = strlen(name);

	if (n < 4 + 4 || strcmp(name + n - 4, ".sql") != 0)
		return -1;
	while (isdigit((unsigned char)*p) && v < 100000000)
		v = v * 10 + (*p++ - '0');
	if (p - name < 3 || *p != '_')
		return -1;
	return v;
}

static void
mfiles_free(struct mfile *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}

static enum ff_err
mfiles_list(const char *dir, struct mfile **out, size_t *nout)
{
	struct mfile	*m = NULL;
	struct dirent	*de;
	size_t		 n = 0, max = 0, i;
	long long	 v;
	DIR		*d;

	*out = NULL;
	*nout = 0;
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "framefit: migrate: %s: %s\n", dir,
		    strerror(errno));
		return FF_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		if ((v = mfile_version(de->d_name)) < 0)
			continue;
		if (n == max) {
			max = max ? max * 2 : 16;
			m = xreallocarray(m, max, sizeof(*m));
		}
		m[n].version = v;
		m[n++].name = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(m, n, sizeof(*m), mfile_cmp);
	for (i = 1; i < n; i++)
		if (m[i].version == m[i - 1].version) {
			fprintf(stderr, "framefit: migrate: %s and %s share "
			    "version %lld\n", m[i - 1].name, m[i].name,
			    m[i].version);
			mfiles_free(m, n);
			return FF_ECONFIG;
		}
	*out = m;
	*nout = n;
	return FF_OK;
}

static enum ff_err
read_file(const char *path, struct buf *b)
{
	char	 chunk[8192];
	size_t	 got;
	FILE	*f;
	int	 bad;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "framefit: migrate: %s: %s\n", path,
		    strerror(errno));
		return FF_EIO;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(b, chunk, got);
		if (b->len > MIGRATE_MAX_BYTES)
			break;
	}
	bad = ferror(f) || b->len > MIGRATE_MAX_BYTES;
	fclose(f);
	if (bad) {
		fprintf(stderr, "framefit: migrate: %s: unreadable or over "
		    "%ld bytes\n", path, MIGRATE_MAX_BYTES);
		return FF_EIO;
	}
	return FF_OK;
}

enum ff_err
db_schema_version(struct db *db, long long *version)
{
	enum ff_err	er;
	long long	n;

	*version = 0;
	er = db_query_int(db, "SELECT COUNT(*) FROM information_schema.tables "
	    "WHERE table_schema = DATABASE() AND table_name = 'schema_version'",
	    NULL, 0, &n);
	if (er != FF_OK || n == 0)
		return er;
	return db_query_int(db, "SELECT COALESCE(MAX(version), 0) "
	    "FROM schema_version", NULL, 0, version);
}

/* Run one file and record it, in one transaction as far as MariaDB can. */
static enum ff_err
apply_one(struct db *db, const char *dir, const struct mfile *m)
{
	struct buf	 path, text;
	enum ff_err	 er;
	struct db_arg	 args[2];

	buf_init(&path);
	buf_init(&text);
	buf_printf(&path, "%s/%s", dir, m->name);
	if ((er = read_file(path.ptr, &text)) != FF_OK)
		goto out;
	if ((er = db_begin(db)) != FF_OK)
		goto out;
	if ((er = db_exec_script(db, m->name, text.ptr ? text.ptr : "",
	    text.len)) != FF_OK)
		goto fail;
	args[0] = DB_INT(m->version);
	args[1] = DB_TEXT(m->name);
	if ((er = db_exec(db, "INSERT INTO schema_version (version, name) "
	    "VALUES (?, ?)", args, 2, NULL, NULL)) != FF_OK)
		goto fail;
	if ((er = db_commit(db)) != FF_OK)
		goto out;
	fprintf(stderr, "framefit: migrate: applied %s\n", m->name);
	goto out;
fail:
	db_rollback(db);
	fprintf(stderr, "framefit: migrate: %s failed: %s\n", m->name,
	    ff_strerror(er));
	/* Whatever the statement's fault, a broken migration is not a
	 * client's bad input. */
	if (er == FF_EINPUT)
		er = FF_EDB;
out:
	buf_free(&path);
	buf_free(&text);
	return er;
}

enum ff_err
db_migrate(struct db *db, const char *sqldir, int *applied)
{
	struct mfile	*m = NULL;
	size_t		 n = 0, i;
	long long	 cur, got;
	enum ff_err	 er;
	int		 done = 0, locked = 0;
	struct db_arg	 arg = DB_INT(MIGRATE_LOCK_S);

	if ((er = mfiles_list(sqldir, &m, &n)) != FF_OK)
		goto out;
	/* GET_LOCK is 1 when taken, 0 on timeout, NULL on error. */
	er = db_query_int(db, "SELECT GET_LOCK(CONCAT('framefit_migrate.', "
	    "DATABASE()), ?)", &arg, 1, &got);
	if (er != FF_OK)
		goto out;
	if (got != 1) {
		fprintf(stderr, "framefit: migrate: another migration holds "
		    "the lock\n");
		er = FF_EDB;
		goto out;
	}
	locked = 1;
	/* Read the version under the lock: a worker that waited sees what
	 * the winner applied and has nothing left to do. */
	if ((er = db_schema_version(db, &cur)) != FF_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (m[i].version <= cur)
			continue;
		if ((er = apply_one(db, sqldir, &m[i])) != FF_OK)
			goto out;
		done++;
	}
out:
	if (locked)
		(void)db_query_int(db, "SELECT RELEASE_LOCK(CONCAT("
		    "'framefit_migrate.', DATABASE()))", NULL, 0, &got);
	mfiles_free(m, n);
	if (applied != NULL)
		*applied = done;
	return er;
}
