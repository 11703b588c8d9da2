/*
 * purge.c: the retention purge's statements (see purge.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/db.h"
#include "store/purge.h"

/* The condition "this photo is due", with its two parameters: now and
 * the retention cutoff, Unix s. */
#define DUE "(u.expires <= FROM_UNIXTIME(?) OR u.created < FROM_UNIXTIME(?))"

static enum ff_err
count(struct db *db, const char *sql, const struct db_arg *a, size_t n,
    long long *out)
{
	enum ff_err er = db_query_int(db, sql, a, n, out);

	if (er == FF_ENOTFOUND) {
		*out = 0;
		er = FF_OK;
	}
	return er;
}

enum ff_err
db_purge_batch(struct db *db, long long now, long long cutoff,
    long long after, long long max, int dry_run, struct purge_batch *b)
{
	struct db_arg	 a[4];
	struct db_rows	*r;
	enum ff_err	 er;
	int		 rc;

	memset(b, 0, sizeof(*b));
	if ((er = db_begin(db)) != FF_OK)
		return er;
	a[0] = DB_INT(after);
	a[1] = DB_INT(now);
	a[2] = DB_INT(cutoff);
	a[3] = DB_INT(max);
	/* Locks the batch: nothing can add to a photo while it goes. */
	if ((er = db_query(db, "SELECT u.id, LENGTH(u.bytes) FROM uploads u "
	    "WHERE u.id > ? AND " DUE " ORDER BY u.id LIMIT ? FOR UPDATE",
	    a, 4, &r)) != FF_OK)
		goto fail;
	while ((rc = db_rows_next(r)) == 1) {
		if (b->n == 0)
			b->lo = db_col_int(r, 0);
		b->hi = db_col_int(r, 0);
		b->bytes += db_col_int(r, 1);
		b->n++;
	}
	db_rows_free(r);
	if (rc < 0) {
		er = FF_EDB;
		goto fail;
	}
	if (b->n == 0) {
		db_rollback(db);
		return FF_OK;
	}
	/* Every due photo in [lo, hi] is in this batch (ids grow; a new
	 * photo is never due). */
	a[0] = DB_INT(b->lo);
	a[1] = DB_INT(b->hi);
	a[2] = DB_INT(now);
	a[3] = DB_INT(cutoff);
	if ((er = count(db, "SELECT COUNT(*) FROM detections d JOIN uploads u "
	    "ON u.id = d.upload_id WHERE u.id BETWEEN ? AND ? AND " DUE, a, 4,
	    &b->detections)) != FF_OK ||
	    (er = count(db, "SELECT COUNT(*) FROM detection_faces f JOIN "
	    "detections d ON d.id = f.detection_id JOIN uploads u ON u.id = "
	    "d.upload_id WHERE u.id BETWEEN ? AND ? AND " DUE, a, 4,
	    &b->faces)) != FF_OK ||
	    (er = count(db, "SELECT COUNT(*) FROM tryons t JOIN uploads u ON "
	    "u.id = t.upload_id WHERE u.id BETWEEN ? AND ? AND " DUE, a, 4,
	    &b->tryons)) != FF_OK ||
	    (er = count(db, "SELECT COUNT(*) FROM clicks c JOIN uploads u ON "
	    "u.token = c.upload_token WHERE u.id BETWEEN ? AND ? AND " DUE, a,
	    4, &b->clicks)) != FF_OK)
		goto fail;
	b->gone = b->n;
	if (!dry_run) {
		/* The foreign keys cascade to detections, their faces and
		 * try-ons, and set the clicks' token to NULL. */
		if ((er = db_exec(db, "DELETE u FROM uploads u WHERE u.id "
		    "BETWEEN ? AND ? AND " DUE, a, 4, &b->gone, NULL)) != FF_OK)
			goto fail;
		return db_commit(db);
	}
	db_rollback(db);
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_purge_live(struct db *db, int dry_run, long long *n)
{
	*n = 0;
	if (dry_run)
		return count(db, "SELECT COUNT(*) FROM live_counters WHERE "
		    "minute < UTC_TIMESTAMP() - INTERVAL 1 DAY", NULL, 0, n);
	return db_exec(db, "DELETE FROM live_counters WHERE minute < "
	    "UTC_TIMESTAMP() - INTERVAL 1 DAY", NULL, 0, n, NULL);
}

enum ff_err
db_purge_run_insert(struct db *db, const struct purge_run_row *r,
    const char *by)
{
	struct db_arg a[12];

	a[0] = DB_INT(r->at);
	a[1] = DB_DOUBLE(r->ms);
	a[2] = DB_TEXT(by != NULL && *by != '\0' ? by : "cli");
	a[3] = DB_INT(r->days);
	a[4] = DB_INT(r->uploads);
	a[5] = DB_INT(r->rows);
	a[6] = DB_INT(r->detections);
	a[7] = DB_INT(r->tryons);
	a[8] = DB_INT(r->clicks);
	a[9] = DB_INT(r->bytes);
	a[10] = DB_INT(r->live);
	a[11] = DB_INT(r->partial != 0);
	return db_exec(db, "INSERT INTO purge_runs (ran_at, finished_at, ms, "
	    "started_by, retention_days, uploads_removed, rows_removed, "
	    "detections_removed, tryons_removed, clicks_anonymized, "
	    "bytes_removed, live_rows_removed, partial) VALUES "
	    "(FROM_UNIXTIME(?), UTC_TIMESTAMP(), ?, LEFT(?, 80), ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)", a, 12, NULL, NULL);
}

enum ff_err
db_purge_runs(struct db *db, size_t max, struct purge_run_row **out,
    size_t *nout)
{
	struct db_arg		 arg = DB_INT(max > 0 ? (long long)max :
				    LLONG_MAX);
	struct purge_run_row	*v;
	struct db_rows		*q;
	enum ff_err		 er;
	const char		*s;
	size_t			 n = 0, len;
	int			 rc = 0;

	*out = NULL;
	*nout = 0;
	if ((er = db_query(db, "SELECT UNIX_TIMESTAMP(ran_at), ms, started_by, "
	    "COALESCE(retention_days, 0), uploads_removed, rows_removed, "
	    "detections_removed, tryons_removed, clicks_anonymized, "
	    "bytes_removed, live_rows_removed, partial FROM purge_runs ORDER "
	    "BY id DESC LIMIT ?", &arg, 1, &q)) != FF_OK)
		return er;
	v = xcalloc(db_rows_count(q) + 1, sizeof(*v));
	while (n < db_rows_count(q) && (rc = db_rows_next(q)) == 1) {
		struct purge_run_row *p = &v[n++];

		p->at = db_col_int(q, 0);
		p->ms = db_col_double(q, 1);
		if ((s = db_col_text(q, 2, &len)) != NULL && len < sizeof(p->by))
			memcpy(p->by, s, len + 1);
		p->days = (int)db_col_int(q, 3);
		p->uploads = db_col_int(q, 4);
		p->rows = db_col_int(q, 5);
		p->detections = db_col_int(q, 6);
		p->tryons = db_col_int(q, 7);
		p->clicks = db_col_int(q, 8);
		p->bytes = db_col_int(q, 9);
		p->live = db_col_int(q, 10);
		p->partial = db_col_int(q, 11) != 0;
	}
	db_rows_free(q);
	if (rc < 0) {
		free(v);
		return FF_EDB;
	}
	*out = v;
	*nout = n;
	return FF_OK;
}

enum ff_err
db_uploads_kept(struct db *db, long long *stored, long long *expired,
    long long *oldest)
{
	struct db_rows	*q;
	enum ff_err	 er;
	int		 rc;

	*stored = *expired = *oldest = 0;
	if ((er = db_query(db, "SELECT COUNT(*), COALESCE(SUM(expires <= "
	    "UTC_TIMESTAMP()), 0), COALESCE(UNIX_TIMESTAMP(MIN(created)), 0) "
	    "FROM uploads", NULL, 0, &q)) != FF_OK)
		return er;
	if ((rc = db_rows_next(q)) == 1) {
		*stored = db_col_int(q, 0);
		*expired = db_col_int(q, 1);
		*oldest = db_col_int(q, 2);
	}
	db_rows_free(q);
	return rc < 0 ? FF_EDB : FF_OK;
}

enum ff_err
db_uploads_overdue(struct db *db, long long *since)
{
	return count(db, "SELECT COALESCE(UNIX_TIMESTAMP(MIN(expires)), 0) "
	    "FROM uploads WHERE expires <= UTC_TIMESTAMP()", NULL, 0, since);
}

enum ff_err
db_purge_lock(struct db *db, int *got)
{
	long long	 n = 0;
	enum ff_err	 er;

	/* Timeout 0: a worker never waits for another's purge. NULL (an
	 * error inside the server) counts as not got. */
	er = count(db, "SELECT COALESCE(GET_LOCK(CONCAT(DATABASE(), "
	    "'.purge'), 0), 0)", NULL, 0, &n);
	*got = er == FF_OK && n == 1;
	return er;
}

void
db_purge_unlock(struct db *db)
{
	long long n;

	(void)count(db, "SELECT COALESCE(RELEASE_LOCK(CONCAT(DATABASE(), "
	    "'.purge')), 0)", NULL, 0, &n);
}

enum ff_err
db_purge_last(struct db *db, long long *at, int *partial)
{
	struct db_rows	*q;
	enum ff_err	 er;
	int		 rc;

	*at = 0;
	*partial = 0;
	if ((er = db_query(db, "SELECT UNIX_TIMESTAMP(ran_at), partial FROM "
	    "purge_runs ORDER BY id DESC LIMIT 1", NULL, 0, &q)) != FF_OK)
		return er;
	if ((rc = db_rows_next(q)) == 1) {
		*at = db_col_int(q, 0);
		*partial = db_col_int(q, 1) != 0;
	}
	db_rows_free(q);
	return rc < 0 ? FF_EDB : FF_OK;
}
