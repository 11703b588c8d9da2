/*
 * purge.c: the retention purge's statements (see purge.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/db.h"
#include "store/purge.h"

/*
 * How the due photos are found. Each statement that reads uploads names
 * its index, so no run walks the table by id: most photos ever stored
 * are never due (the last day's, and those kept with consent, up to the
 * whole consent period), and a walk by id reads each of their rows and,
 * under FOR UPDATE, locks them until the batch commits.
 *
 * Phase 0, the photos past their own expiry, by uploads_expires: every
 * row of the range expires <= now is due, so the range is read, locked
 * and deleted as it is, in (expires, id) order from a cursor.
 *
 * Phase 1, the photos not yet expired but stored before a cutoff: past
 * the retention without a standing consent (sql/080_consent.sql), or past
 * the consent period, which the operator may have shortened since the
 * consent set the expiry. By uploads_created_expires, in (created, id)
 * order: the range created < the later cutoff, the expiry tested in the
 * index. Kept photos in that range are not due, so the next batch is
 * first found by a plain read (no locks), and only its span is then
 * locked and checked again. While no photo expires later than its rule
 * says, which is how the application stores them, phase 1 finds none.
 */

/* The span of a batch, from its first (key, id) to its last, both
 * included: 6 parameters (k0, k1, k0, id0, k1, id1). Phase 0's key is
 * the expiry; every photo in its span is due. */
#define P0_SPAN "u.expires BETWEEN FROM_UNIXTIME(?) AND FROM_UNIXTIME(?) " \
	"AND (u.expires > FROM_UNIXTIME(?) OR u.id >= ?) AND (u.expires < " \
	"FROM_UNIXTIME(?) OR u.id <= ?)"
/* Phase 1's order is its index's, (created, expires, id), and its span
 * holds kept photos too: 10 parameters (c0, c1, c0, e0, e0, id0, c1, e1,
 * e1, id1); P1_DUE picks the due ones, 4 parameters (now, retention
 * cutoff, consent cutoff, the later of the two). */
#define P1_SPAN "u.created BETWEEN FROM_UNIXTIME(?) AND FROM_UNIXTIME(?) " \
	"AND (u.created > FROM_UNIXTIME(?) OR u.expires > FROM_UNIXTIME(?) " \
	"OR (u.expires = FROM_UNIXTIME(?) AND u.id >= ?)) AND (u.created < " \
	"FROM_UNIXTIME(?) OR u.expires < FROM_UNIXTIME(?) OR (u.expires = " \
	"FROM_UNIXTIME(?) AND u.id <= ?))"
/* The consent is looked up row by row, by its primary key: as NOT
 * EXISTS, MariaDB would read every consent into a temporary table first
 * (materialization), a cost that grows with the photos kept. */
#define P1_DUE "u.expires > FROM_UNIXTIME(?) AND ((u.created < " \
	"FROM_UNIXTIME(?) AND (SELECT COUNT(*) FROM upload_consents uc WHERE " \
	"uc.upload_id = u.id AND uc.withdrawn IS NULL) = 0) OR u.created < " \
	"FROM_UNIXTIME(?)) AND u.created < FROM_UNIXTIME(?)"
#define IX0 "uploads u FORCE INDEX (uploads_expires)"
#define IX1 "uploads u FORCE INDEX (uploads_created_expires)"

/* The counts and the delete of one batch, {phase 0, phase 1}: the
 * uploads of the span first (STRAIGHT_JOIN), each joined by its index. */
static const char *const q_detections[2] = {
	"SELECT COUNT(*) FROM " IX0 " STRAIGHT_JOIN detections d ON "
	"d.upload_id = u.id WHERE " P0_SPAN,
	"SELECT COUNT(*) FROM " IX1 " STRAIGHT_JOIN detections d ON "
	"d.upload_id = u.id WHERE " P1_SPAN " AND " P1_DUE,
};
static const char *const q_faces[2] = {
	"SELECT COUNT(*) FROM " IX0 " STRAIGHT_JOIN detections d ON "
	"d.upload_id = u.id STRAIGHT_JOIN detection_faces f ON "
	"f.detection_id = d.id WHERE " P0_SPAN,
	"SELECT COUNT(*) FROM " IX1 " STRAIGHT_JOIN detections d ON "
	"d.upload_id = u.id STRAIGHT_JOIN detection_faces f ON "
	"f.detection_id = d.id WHERE " P1_SPAN " AND " P1_DUE,
};
static const char *const q_tryons[2] = {
	"SELECT COUNT(*) FROM " IX0 " STRAIGHT_JOIN tryons t ON t.upload_id = "
	"u.id WHERE " P0_SPAN,
	"SELECT COUNT(*) FROM " IX1 " STRAIGHT_JOIN tryons t ON t.upload_id = "
	"u.id WHERE " P1_SPAN " AND " P1_DUE,
};
static const char *const q_clicks[2] = {
	"SELECT COUNT(*) FROM " IX0 " STRAIGHT_JOIN clicks c ON "
	"c.upload_token = u.token WHERE " P0_SPAN,
	"SELECT COUNT(*) FROM " IX1 " STRAIGHT_JOIN clicks c ON "
	"c.upload_token = u.token WHERE " P1_SPAN " AND " P1_DUE,
};
static const char *const q_delete[2] = {
	"DELETE u FROM " IX0 " WHERE " P0_SPAN,
	"DELETE u FROM " IX1 " WHERE " P1_SPAN " AND " P1_DUE,
};

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

/* The rows (id, bytes, key, second key) of a read into b, and their
 * span: the first (key, second key, id), then the last. */
static enum ff_err
take_rows(struct db_rows *r, struct purge_batch *b, long long span[6])
{
	int rc;

	while ((rc = db_rows_next(r)) == 1) {
		if (b->n == 0) {
			span[0] = db_col_int(r, 2);
			span[1] = db_col_int(r, 3);
			span[2] = b->lo = db_col_int(r, 0);
		}
		span[3] = db_col_int(r, 2);
		span[4] = db_col_int(r, 3);
		span[5] = b->hi = db_col_int(r, 0);
		b->bytes += db_col_int(r, 1);
		b->n++;
	}
	db_rows_free(r);
	return rc < 0 ? FF_EDB : FF_OK;
}

/* The parameters of phase p's span (P0_SPAN or P1_SPAN) into a; how
 * many. */
static size_t
span_args(int p, struct db_arg *a, const long long span[6])
{
	if (p == 0) {
		a[0] = DB_INT(span[0]);
		a[1] = DB_INT(span[3]);
		a[2] = DB_INT(span[0]);
		a[3] = DB_INT(span[2]);
		a[4] = DB_INT(span[3]);
		a[5] = DB_INT(span[5]);
		return 6;
	}
	a[0] = DB_INT(span[0]);
	a[1] = DB_INT(span[3]);
	a[2] = DB_INT(span[0]);
	a[3] = DB_INT(span[1]);
	a[4] = DB_INT(span[1]);
	a[5] = DB_INT(span[2]);
	a[6] = DB_INT(span[3]);
	a[7] = DB_INT(span[4]);
	a[8] = DB_INT(span[4]);
	a[9] = DB_INT(span[5]);
	return 10;
}

/*
 * In the open transaction, lock the next due photos of phase c->phase
 * into b, their span into span. *found: how many the phase has left in
 * the batch read (0: the phase is over); *next: the cursor past them.
 */
static enum ff_err
lock_batch(struct db *db, long long now, long long cutoff,
    long long consent_cutoff, const struct purge_cursor *c, long long max,
    struct purge_batch *b, long long span[6], long long *found,
    struct purge_cursor *next)
{
	struct db_arg		 a[14];
	struct db_rows		*r;
	struct purge_batch	 cand;
	enum ff_err		 er;
	long long		 cs[6], later;

	*found = 0;
	*next = *c;
	if (c->phase == 0) {
		a[0] = DB_INT(c->key);
		a[1] = DB_INT(c->key);
		a[2] = DB_INT(c->id);
		a[3] = DB_INT(now);
		a[4] = DB_INT(max);
		if ((er = db_query(db, "SELECT u.id, LENGTH(u.bytes), "
		    "UNIX_TIMESTAMP(u.expires), 0 FROM " IX0 " WHERE u.expires >= "
		    "FROM_UNIXTIME(?) AND (u.expires > FROM_UNIXTIME(?) OR u.id "
		    "> ?) AND u.expires <= FROM_UNIXTIME(?) ORDER BY u.expires, "
		    "u.id LIMIT ? FOR UPDATE", a, 5, &r)) != FF_OK ||
		    (er = take_rows(r, b, span)) != FF_OK)
			return er;
		*found = b->n;
		next->key = span[3];
		next->id = span[5];
		return FF_OK;
	}
	/* Phase 1: the batch found by a plain read, without a lock; then its
	 * span locked, and what is still due in it taken. */
	later = cutoff > consent_cutoff ? cutoff : consent_cutoff;
	memset(&cand, 0, sizeof(cand));
	a[0] = DB_INT(c->key);
	a[1] = DB_INT(c->key);
	a[2] = DB_INT(c->key2);
	a[3] = DB_INT(c->key2);
	a[4] = DB_INT(c->id);
	a[5] = DB_INT(now);
	a[6] = DB_INT(cutoff);
	a[7] = DB_INT(consent_cutoff);
	a[8] = DB_INT(later);
	a[9] = DB_INT(max);
	if ((er = db_query(db, "SELECT u.id, 0, UNIX_TIMESTAMP(u.created), "
	    "UNIX_TIMESTAMP(u.expires) FROM " IX1 " WHERE u.created >= "
	    "FROM_UNIXTIME(?) AND (u.created > FROM_UNIXTIME(?) OR u.expires > "
	    "FROM_UNIXTIME(?) OR (u.expires = FROM_UNIXTIME(?) AND u.id > ?)) "
	    "AND " P1_DUE " ORDER BY u.created, u.expires, u.id LIMIT ?", a, 10,
	    &r)) != FF_OK ||
	    (er = take_rows(r, &cand, cs)) != FF_OK || cand.n == 0)
		return er;
	*found = cand.n;
	next->key = cs[3];
	next->key2 = cs[4];
	next->id = cs[5];
	(void)span_args(1, a, cs);
	a[10] = DB_INT(now);
	a[11] = DB_INT(cutoff);
	a[12] = DB_INT(consent_cutoff);
	a[13] = DB_INT(later);
	if ((er = db_query(db, "SELECT u.id, LENGTH(u.bytes), "
	    "UNIX_TIMESTAMP(u.created), UNIX_TIMESTAMP(u.expires) FROM " IX1
	    " WHERE " P1_SPAN " AND " P1_DUE " ORDER BY u.created, u.expires, "
	    "u.id FOR UPDATE", a, 14, &r)) != FF_OK)
		return er;
	return take_rows(r, b, span);
}

enum ff_err
db_purge_batch(struct db *db, long long now, long long cutoff,
    long long consent_cutoff, struct purge_cursor *c, long long max,
    int dry_run, struct purge_batch *b)
{
	struct purge_cursor	 next;
	struct db_arg		 a[14];
	enum ff_err		 er;
	long long		 span[6], found;
	size_t			 na;
	int			 p;

	memset(b, 0, sizeof(*b));
	while (c->phase < 2) {
		if ((er = db_begin(db)) != FF_OK)
			return er;
		if ((er = lock_batch(db, now, cutoff, consent_cutoff, c, max, b,
		    span, &found, &next)) != FF_OK)
			goto fail;
		if (found == 0) {
			/* The phase is over. */
			db_rollback(db);
			c->phase++;
			c->key = c->key2 = c->id = 0;
			continue;
		}
		if (b->n == 0) {
			/* Its photos went meanwhile (or are kept now). */
			db_rollback(db);
			*c = next;
			continue;
		}
		break;
	}
	if (c->phase >= 2)
		return FF_OK;
	p = c->phase;
	na = span_args(p, a, span);
	if (p == 1) {
		a[na++] = DB_INT(now);
		a[na++] = DB_INT(cutoff);
		a[na++] = DB_INT(consent_cutoff);
		a[na++] = DB_INT(cutoff > consent_cutoff ? cutoff :
		    consent_cutoff);
	}
	if ((er = count(db, q_detections[p], a, na, &b->detections)) != FF_OK ||
	    (er = count(db, q_faces[p], a, na, &b->faces)) != FF_OK ||
	    (er = count(db, q_tryons[p], a, na, &b->tryons)) != FF_OK ||
	    (er = count(db, q_clicks[p], a, na, &b->clicks)) != FF_OK)
		goto fail;
	b->gone = b->n;
	if (!dry_run) {
		/* The foreign keys cascade to detections, their faces and
		 * try-ons, and set the clicks' token to NULL. */
		if ((er = db_exec(db, q_delete[p], a, na, &b->gone, NULL)) !=
		    FF_OK || (er = db_commit(db)) != FF_OK)
			goto fail;
	} else
		db_rollback(db);
	/* Only a batch that went through moves the cursor: a failed one
	 * (a deadlock) is run again from where it started. */
	*c = next;
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
	/* Each by an index, in one statement (one read view): the count of
	 * all by the narrowest index, read through (an InnoDB count visits
	 * every entry of some index; this one holds the expiry and the id
	 * alone), the expired by its range of that index, the oldest from
	 * the start of uploads_created_expires. Never the rows themselves. */
	if ((er = db_query(db, "SELECT (SELECT COUNT(*) FROM uploads FORCE "
	    "INDEX (uploads_expires)), (SELECT COUNT(*) FROM uploads FORCE "
	    "INDEX (uploads_expires) WHERE expires <= UTC_TIMESTAMP()), "
	    "COALESCE((SELECT UNIX_TIMESTAMP(MIN(created)) FROM uploads), 0)",
	    NULL, 0, &q)) != FF_OK)
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
