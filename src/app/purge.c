/*
 * purge.c: the retention purge (see purge.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/purge.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "store/db.h"

/* Deadlocks a batch is retried through before the run gives up. */
#define PURGE_TRIES	3

/* The condition "this photo is due", with its two parameters: now and
 * the retention cutoff, Unix s. */
#define DUE "(u.expires <= FROM_UNIXTIME(?) OR u.created < FROM_UNIXTIME(?))"

int
purge_retention_days(void)
{
	const char	*s = getenv("FF_RETENTION_DAYS");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return PURGE_DEFAULT_DAYS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > PURGE_MAX_DAYS)
		return PURGE_DEFAULT_DAYS;
	return (int)v;
}

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

/*
 * One batch: the next PURGE_BATCH due photos after *last (by id), their
 * derived rows counted, then deleted. *more is 0 once none is left.
 */
static enum ff_err
purge_batch(struct db *db, long long now, long long cutoff, int dry_run,
    long long *last, int *more, struct purge_stats *st)
{
	struct db_arg	 a[4];
	struct db_rows	*r;
	enum ff_err	 er;
	long long	 lo = 0, hi = 0, n = 0, bytes = 0, det, faces, tri, clk,
			 gone;
	int		 rc;

	*more = 0;
	if ((er = db_begin(db)) != FF_OK)
		return er;
	a[0] = DB_INT(*last);
	a[1] = DB_INT(now);
	a[2] = DB_INT(cutoff);
	a[3] = DB_INT(PURGE_BATCH);
	/* Locks the batch: nothing can add to a photo while it goes. */
	if ((er = db_query(db, "SELECT u.id, LENGTH(u.bytes) FROM uploads u "
	    "WHERE u.id > ? AND " DUE " ORDER BY u.id LIMIT ? FOR UPDATE",
	    a, 4, &r)) != FF_OK)
		goto fail;
	while ((rc = db_rows_next(r)) == 1) {
		if (n == 0)
			lo = db_col_int(r, 0);
		hi = db_col_int(r, 0);
		bytes += db_col_int(r, 1);
		n++;
	}
	db_rows_free(r);
	if (rc < 0) {
		er = FF_EDB;
		goto fail;
	}
	if (n == 0) {
		db_rollback(db);
		return FF_OK;
	}
	/* Every due photo in [lo, hi] is in this batch (ids grow; a new
	 * photo is never due). */
	a[0] = DB_INT(lo);
	a[1] = DB_INT(hi);
	a[2] = DB_INT(now);
	a[3] = DB_INT(cutoff);
	if ((er = count(db, "SELECT COUNT(*) FROM detections d JOIN uploads u "
	    "ON u.id = d.upload_id WHERE u.id BETWEEN ? AND ? AND " DUE, a, 4,
	    &det)) != FF_OK ||
	    (er = count(db, "SELECT COUNT(*) FROM detection_faces f JOIN "
	    "detections d ON d.id = f.detection_id JOIN uploads u ON u.id = "
	    "d.upload_id WHERE u.id BETWEEN ? AND ? AND " DUE, a, 4,
	    &faces)) != FF_OK ||
	    (er = count(db, "SELECT COUNT(*) FROM tryons t JOIN uploads u ON "
	    "u.id = t.upload_id WHERE u.id BETWEEN ? AND ? AND " DUE, a, 4,
	    &tri)) != FF_OK ||
	    (er = count(db, "SELECT COUNT(*) FROM clicks c JOIN uploads u ON "
	    "u.token = c.upload_token WHERE u.id BETWEEN ? AND ? AND " DUE, a,
	    4, &clk)) != FF_OK)
		goto fail;
	gone = n;
	if (!dry_run) {
		/* The foreign keys cascade to detections, their faces and
		 * try-ons, and set the clicks' token to NULL. */
		if ((er = db_exec(db, "DELETE u FROM uploads u WHERE u.id "
		    "BETWEEN ? AND ? AND " DUE, a, 4, &gone, NULL)) != FF_OK)
			goto fail;
		if ((er = db_commit(db)) != FF_OK)
			return er;
	} else
		db_rollback(db);
	st->uploads += gone;
	st->bytes += bytes;
	st->detections += det;
	st->faces += faces;
	st->tryons += tri;
	st->clicks += clk;
	*last = hi;
	*more = n == PURGE_BATCH;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
purge_run(struct db *db, long long now, int days, const char *by,
    int dry_run, struct purge_stats *out)
{
	struct purge_stats	 st;
	struct db_arg		 a[12];
	enum ff_err		 er = FF_OK;
	long long		 last = 0, cutoff;
	double			 t0 = ff_now_ms();
	int			 more = 1, tries;

	memset(&st, 0, sizeof(st));
	st.days = days > 0 ? days : purge_retention_days();
	cutoff = now - (long long)st.days * 86400;
	while (more) {
		for (tries = 0; tries < PURGE_TRIES; tries++)
			if ((er = purge_batch(db, now, cutoff, dry_run, &last,
			    &more, &st)) == FF_OK || !db_retryable(db))
				break;
		if (er != FF_OK)
			goto out;
	}
	if (dry_run) {
		if ((er = count(db, "SELECT COUNT(*) FROM live_counters WHERE "
		    "minute < UTC_TIMESTAMP() - INTERVAL 1 DAY", NULL, 0,
		    &st.live)) != FF_OK)
			goto out;
		st.ms = ff_now_ms() - t0;
		goto out;
	}
	if ((er = db_exec(db, "DELETE FROM live_counters WHERE minute < "
	    "UTC_TIMESTAMP() - INTERVAL 1 DAY", NULL, 0, &st.live, NULL)) !=
	    FF_OK)
		goto out;
	st.ms = ff_now_ms() - t0;
	a[0] = DB_INT(now);
	a[1] = DB_DOUBLE(st.ms);
	a[2] = DB_TEXT(by != NULL && *by != '\0' ? by : "cli");
	a[3] = DB_INT(st.days);
	a[4] = DB_INT(st.uploads);
	a[5] = DB_INT(st.detections + st.faces + st.tryons);
	a[6] = DB_INT(st.detections);
	a[7] = DB_INT(st.tryons);
	a[8] = DB_INT(st.clicks);
	a[9] = DB_INT(st.bytes);
	a[10] = DB_INT(st.live);
	er = db_exec(db, "INSERT INTO purge_runs (ran_at, finished_at, ms, "
	    "started_by, retention_days, uploads_removed, rows_removed, "
	    "detections_removed, tryons_removed, clicks_anonymized, "
	    "bytes_removed, live_rows_removed) VALUES (FROM_UNIXTIME(?), "
	    "UTC_TIMESTAMP(), ?, LEFT(?, 80), ?, ?, ?, ?, ?, ?, ?, ?)", a, 11,
	    NULL, NULL);
out:
	if (out != NULL)
		*out = st;
	return er;
}

static void
purge_usage(void)
{
	fprintf(stderr, "usage: framefit purge [--days N] [--dry-run] "
	    "[--quiet]\n");
}

int
purge_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct purge_stats	 st;
	struct db		*db;
	enum ff_err		 er;
	char			*end;
	long			 v;
	int			 ch, days = 0, dry = 0, quiet = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > PURGE_MAX_DAYS) {
				fprintf(stderr, "framefit purge: --days must be "
				    "1..%d\n", PURGE_MAX_DAYS);
				return 2;
			}
			days = (int)v;
			break;
		case 'n': dry = 1; break;
		case 'q': quiet = 1; break;
		default:
			purge_usage();
			return 2;
		}
	}
	if (optind != argc) {
		purge_usage();
		return 2;
	}
	if (db_global_init() != FF_OK)
		return 1;
	if ((db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "framefit purge: database: %s\n",
		    ff_strerror(er));
		return 1;
	}
	er = purge_run(db, (long long)time(NULL), days, "cli", dry, &st);
	db_close(db);
	if (er != FF_OK) {
		fprintf(stderr, "framefit purge: %s\n", ff_strerror(er));
		return 1;
	}
	if (!quiet)
		printf("framefit purge: %s%lld photo(s) (%lld bytes), %lld "
		    "detection(s), %lld face(s), %lld try-on(s), %lld click(s) "
		    "made anonymous, %lld live counter row(s); retention %d "
		    "day(s)\n", dry ? "would remove " : "removed ", st.uploads,
		    st.bytes, st.detections, st.faces, st.tryons, st.clicks,
		    st.live, st.days);
	return 0;
}
