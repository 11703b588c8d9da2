/*
 * check_purge.c: the retention purge (src/app/purge.c over
 * src/store/purge.c) against a real, private MariaDB (tests/dbtest.h,
 * database framefit_purge_test).
 *
 * Every test starts from no photos, no purge runs and no live counters,
 * stores the photos it needs with records.h and purges at a "now" of its
 * choosing, so what is due is known to the row.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/purge.h"
#include "core/err.h"
#include "dbtest.h"
#include "store/db.h"
#include "store/purge.h"
#include "store/records.h"

#define DAY	86400LL

static struct db	*db;
static long long	 now, frame_id;

static void
setup(void)
{
	db = dbtest_open();
	dbtest_exec(db, "DELETE FROM clicks", 0);
	dbtest_exec(db, "DELETE FROM uploads", 0);
	dbtest_exec(db, "DELETE FROM purge_runs", 0);
	dbtest_exec(db, "DELETE FROM live_counters", 0);
	now = (long long)time(NULL);
	frame_id = dbtest_int(db, "SELECT MIN(id) FROM frames", 0);
	ck_assert_int_gt(frame_id, 0);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* Store a photo of len bytes that expires at expires (Unix s). */
static struct upload_row
photo(size_t len, long long expires)
{
	struct upload_row	 u;
	unsigned char		*b = malloc(len);

	memset(&u, 0, sizeof(u));
	memset(b, 'x', len);
	snprintf(u.mime, sizeof(u.mime), "image/jpeg");
	u.width = 4;
	u.height = 3;
	u.source = UPLOAD_FORM;
	u.expires = expires;
	ck_assert_int_eq(db_upload_insert(db, &u, b, len), FF_OK);
	free(b);
	return u;
}

/* A photo with one detection of nfaces faces, one try-on and one click. */
static struct upload_row
photo_used(size_t len, long long expires, size_t nfaces)
{
	struct upload_row	u = photo(len, expires);
	struct det_face		f[3] = {
		{ 0.9f, { 10, 10, 50, 50 }, { 20, 30 }, { 40, 30 } },
		{ 0.8f, { 70, 10, 50, 50 }, { 80, 30 }, { 100, 30 } },
		{ 0.7f, { 10, 70, 50, 50 }, { 20, 90 }, { 40, 90 } },
	};

	ck_assert_int_eq(db_detection_insert(db, u.id, 0, f, nfaces, 12.5,
	    NULL), FF_OK);
	ck_assert_int_eq(db_tryon_record(db, u.id, frame_id, NULL, NULL),
	    FF_OK);
	ck_assert_int_eq(db_click_record(db, frame_id, u.token), FF_OK);
	return u;
}

/* The counts of purging the photos of photo_used(1000, ..., 2). */
static void
assert_one_used(const struct purge_stats *st)
{
	ck_assert_int_eq(st->uploads, 1);
	ck_assert_int_eq(st->bytes, 1000);
	ck_assert_int_eq(st->detections, 1);
	ck_assert_int_eq(st->faces, 2);
	ck_assert_int_eq(st->tryons, 1);
	ck_assert_int_eq(st->clicks, 1);
}

/* ---- FF_RETENTION_DAYS ---- */

static const struct {
	const char	*env;		/* NULL: unset */
	int		 days;
} retention_tab[] = {
	{ NULL, PURGE_DEFAULT_DAYS },
	{ "", PURGE_DEFAULT_DAYS },
	{ "7", 7 },
	{ "1", 1 },
	{ "3650", 3650 },
	{ "3651", PURGE_DEFAULT_DAYS },
	{ "0", PURGE_DEFAULT_DAYS },
	{ "-3", PURGE_DEFAULT_DAYS },
	{ "12d", PURGE_DEFAULT_DAYS },
	{ "ten", PURGE_DEFAULT_DAYS },
};

START_TEST(test_retention_days)
{
	if (retention_tab[_i].env == NULL)
		unsetenv("FF_RETENTION_DAYS");
	else
		setenv("FF_RETENTION_DAYS", retention_tab[_i].env, 1);
	ck_assert_int_eq(purge_retention_days(), retention_tab[_i].days);
	unsetenv("FF_RETENTION_DAYS");
}
END_TEST

/* ---- Purging ---- */

START_TEST(test_dry_run)
{
	struct purge_stats	st;
	struct upload_row	old;

	old = photo_used(1000, now - 60, 2);
	(void)photo_used(500, now + DAY, 1);
	ck_assert_int_eq(purge_run(db, now, 30, "test", 1, &st), FF_OK);
	ck_assert_int_eq(st.days, 30);
	assert_one_used(&st);
	/* Nothing went, and no run was recorded. */
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads", 0), 2);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM detection_faces",
	    0), 3);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM purge_runs", 0),
	    0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", old.id), 1);
}
END_TEST

START_TEST(test_purge_derived)
{
	struct purge_run_row	*runs;
	struct purge_stats	 st;
	struct upload_row	 old, kept;
	long long		 stored, expired, oldest;
	size_t			 n;

	old = photo_used(1000, now - 60, 2);
	kept = photo_used(500, now + DAY, 1);
	ck_assert_int_eq(purge_run(db, now, 30, "admin:alice", 0, &st), FF_OK);
	assert_one_used(&st);
	/* The photo and its rows are gone; its click stays, anonymous. */
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", old.id), 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", kept.id), 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM detections", 0),
	    1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM detection_faces",
	    0), 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ?", old.id), 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM clicks", 0), 2);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM clicks WHERE "
	    "upload_token IS NULL", 0), 1);

	/* The run, as the retention page and the reports read it. */
	ck_assert_int_eq(db_purge_runs(db, 0, &runs, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(runs[0].at, now);
	ck_assert_str_eq(runs[0].by, "admin:alice");
	ck_assert_int_eq(runs[0].days, 30);
	ck_assert_int_eq(runs[0].uploads, 1);
	ck_assert_int_eq(runs[0].rows, 4);	/* 1 detection, 2 faces, 1 try-on */
	ck_assert_int_eq(runs[0].detections, 1);
	ck_assert_int_eq(runs[0].tryons, 1);
	ck_assert_int_eq(runs[0].clicks, 1);
	ck_assert_int_eq(runs[0].bytes, 1000);
	ck_assert_int_eq(runs[0].live, 0);
	ck_assert(runs[0].ms >= 0);
	free(runs);

	ck_assert_int_eq(db_uploads_kept(db, &stored, &expired, &oldest),
	    FF_OK);
	ck_assert_int_eq(stored, 1);
	ck_assert_int_eq(expired, 0);
	ck_assert(oldest >= now - 5 && oldest <= now + 5);

	/* Again: nothing is left to purge, and the run says so. */
	ck_assert_int_eq(purge_run(db, now, 30, NULL, 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads + st.detections + st.faces + st.tryons +
	    st.clicks + st.bytes, 0);
	ck_assert_int_eq(db_purge_runs(db, 1, &runs, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(runs[0].by, "cli");
	ck_assert_int_eq(runs[0].uploads, 0);
	free(runs);
	ck_assert_int_eq(db_purge_runs(db, 0, &runs, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	free(runs);
}
END_TEST

/* A photo older than the retention goes even before its own expiry. */
START_TEST(test_retention_cutoff)
{
	struct purge_stats	st;

	(void)photo(100, now + 400 * DAY);
	/* Two days on, a retention of three days keeps it... */
	ck_assert_int_eq(purge_run(db, now + 2 * DAY, 3, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 0);
	ck_assert_int_eq(st.days, 3);
	/* ...and one of one day does not. */
	ck_assert_int_eq(purge_run(db, now + 2 * DAY, 1, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	ck_assert_int_eq(st.bytes, 100);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads", 0), 0);
}
END_TEST

/* days <= 0 applies FF_RETENTION_DAYS. */
START_TEST(test_retention_env)
{
	struct purge_stats	st;

	setenv("FF_RETENTION_DAYS", "5", 1);
	ck_assert_int_eq(purge_run(db, now, 0, "t", 1, &st), FF_OK);
	ck_assert_int_eq(st.days, 5);
	unsetenv("FF_RETENTION_DAYS");
	ck_assert_int_eq(purge_run(db, now, -1, "t", 1, &st), FF_OK);
	ck_assert_int_eq(st.days, PURGE_DEFAULT_DAYS);
}
END_TEST

/* More than one batch: every due photo goes, none that is not. */
START_TEST(test_batches)
{
	struct purge_stats	st;
	int			i;

	for (i = 0; i < PURGE_BATCH + 7; i++)
		(void)photo(10, now - 1);
	(void)photo(10, now + DAY);
	ck_assert_int_eq(purge_run(db, now, 30, "t", 1, &st), FF_OK);
	ck_assert_int_eq(st.uploads, PURGE_BATCH + 7);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads", 0),
	    PURGE_BATCH + 8);
	ck_assert_int_eq(purge_run(db, now, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, PURGE_BATCH + 7);
	ck_assert_int_eq(st.bytes, 10 * (PURGE_BATCH + 7));
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads", 0), 1);
}
END_TEST

/* Live counters older than a day are dropped; newer ones stay. */
START_TEST(test_live_counters)
{
	struct purge_stats	st;
	long long		n;

	dbtest_exec(db, "INSERT INTO live_counters (metric, minute, frame_id, "
	    "n) VALUES ('tryon', DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 2 DAY, "
	    "'%Y-%m-%d %H:%i:00'), 0, 3), ('tryon', DATE_FORMAT("
	    "UTC_TIMESTAMP() - INTERVAL 3 DAY, '%Y-%m-%d %H:%i:00'), 0, 1), "
	    "('tryon', DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:00'), 0, "
	    "4)", 0);
	ck_assert_int_eq(db_purge_live(db, 1, &n), FF_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(purge_run(db, now, 30, "t", 1, &st), FF_OK);
	ck_assert_int_eq(st.live, 2);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM live_counters",
	    0), 3);
	ck_assert_int_eq(purge_run(db, now, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.live, 2);
	ck_assert_int_eq(dbtest_int(db, "SELECT SUM(n) FROM live_counters", 0),
	    4);
	ck_assert_int_eq(dbtest_int(db, "SELECT live_rows_removed FROM "
	    "purge_runs", 0), 2);
}
END_TEST

/* started_by keeps 80 characters of UTF-8, not 80 bytes. */
START_TEST(test_started_by)
{
	struct purge_run_row	*runs;
	char			 by[2 * 100 + 1];
	size_t			 n, i;

	for (i = 0; i < 100; i++)
		memcpy(by + 2 * i, "\xc3\xa9", 2);	/* é */
	by[200] = '\0';
	ck_assert_int_eq(purge_run(db, now, 30, by, 0, NULL), FF_OK);
	ck_assert_int_eq(db_purge_runs(db, 0, &runs, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(strlen(runs[0].by), 160);
	ck_assert_int_eq(memcmp(runs[0].by, by, 160), 0);
	free(runs);
}
END_TEST

/* ---- The timer (purge_tick()) ---- */

/* Whether a tick at t runs, and the runs recorded after it. */
static int
tick(long long t)
{
	struct purge_stats	st;
	int			ran = -1;

	ck_assert_int_eq(purge_tick(db, t, &st, &ran), FF_OK);
	ck_assert(ran == 0 || ran == 1);
	return ran;
}

static long long
runs_by(const char *by)
{
	struct db_arg	a = DB_TEXT(by);
	long long	n = -1;

	ck_assert_int_eq(db_query_int(db, "SELECT COUNT(*) FROM purge_runs "
	    "WHERE started_by = ?", &a, 1, &n), FF_OK);
	return n;
}

/* Due when none ran, when the last is an interval old or partial; not
 * in between; never with the timer off. */
START_TEST(test_tick_due)
{
	struct upload_row	u = photo(100, now - 60);
	struct purge_run_row	r;

	setenv("FF_PURGE_INTERVAL_S", "0", 1);
	ck_assert_int_eq(tick(now), 0);
	ck_assert_int_eq(runs_by(PURGE_BY_TIMER), 0);
	setenv("FF_PURGE_INTERVAL_S", "900", 1);
	ck_assert_int_eq(tick(now), 1);
	ck_assert_int_eq(runs_by(PURGE_BY_TIMER), 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", u.id), 0);
	ck_assert_int_eq(tick(now + 1), 0);
	ck_assert_int_eq(tick(now + 899), 0);
	ck_assert_int_eq(tick(now + 900), 1);
	ck_assert_int_eq(runs_by(PURGE_BY_TIMER), 2);
	/* A run by hand counts as a run. */
	ck_assert_int_eq(purge_run(db, now + 1700, 0, "cli", 0, NULL), FF_OK);
	ck_assert_int_eq(tick(now + 1800), 0);
	/* A partial run is carried on at the next look. */
	memset(&r, 0, sizeof(r));
	r.at = now + 1801;
	r.partial = 1;
	ck_assert_int_eq(db_purge_run_insert(db, &r, PURGE_BY_TIMER), FF_OK);
	ck_assert_int_eq(tick(now + 1802), 1);
	ck_assert_int_eq(tick(now + 1803), 0);
	ck_assert_int_eq(runs_by(PURGE_BY_TIMER), 4);
	unsetenv("FF_PURGE_INTERVAL_S");
}
END_TEST

/* One worker of all purges: while another connection holds the lock, a
 * tick does nothing; once it lets go, the tick runs. */
START_TEST(test_tick_lock)
{
	struct db	*other = dbtest_open();
	int		 got = 0;

	unsetenv("FF_PURGE_INTERVAL_S");
	ck_assert_int_eq(db_purge_lock(other, &got), FF_OK);
	ck_assert_int_eq(got, 1);
	ck_assert_int_eq(db_purge_lock(db, &got), FF_OK);
	ck_assert_int_eq(got, 0);
	ck_assert_int_eq(tick(now), 0);
	ck_assert_int_eq(runs_by(PURGE_BY_TIMER), 0);
	db_purge_unlock(other);
	ck_assert_int_eq(tick(now), 1);
	/* The tick let go of it too. */
	ck_assert_int_eq(db_purge_lock(other, &got), FF_OK);
	ck_assert_int_eq(got, 1);
	db_purge_unlock(other);
	db_close(other);
}
END_TEST

/* Late: the timer's interval and slack, or cron's hour twice. */
static const struct {
	const char	*interval;
	long long	 ago;		/* since the last run; -1: never */
	int		 late;
} lates[] = {
	{ NULL, -1, 1 },
	{ NULL, 60, 0 },
	{ NULL, 1800, 0 },
	{ NULL, 1801, 1 },
	{ "60", 180, 0 },
	{ "60", 181, 1 },
	{ "0", 7200, 0 },
	{ "0", 7201, 1 },
	{ "0", -1, 1 },
};

START_TEST(test_late)
{
	if (lates[_i].interval != NULL)
		setenv("FF_PURGE_INTERVAL_S", lates[_i].interval, 1);
	else
		unsetenv("FF_PURGE_INTERVAL_S");
	ck_assert_int_eq(purge_late(1000000, lates[_i].ago < 0 ? 0 :
	    1000000 - lates[_i].ago), lates[_i].late);
	unsetenv("FF_PURGE_INTERVAL_S");
}
END_TEST

static Suite *
purge_suite(void)
{
	Suite	*s = suite_create("purge");
	TCase	*tc;

	tc = tcase_create("settings");
	tcase_add_loop_test(tc, test_retention_days, 0,
	    sizeof(retention_tab) / sizeof(retention_tab[0]));
	tcase_add_loop_test(tc, test_late, 0, sizeof(lates) / sizeof(lates[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("purge");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_purge_derived);
	tcase_add_test(tc, test_retention_cutoff);
	tcase_add_test(tc, test_retention_env);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_live_counters);
	tcase_add_test(tc, test_started_by);
	tcase_add_test(tc, test_tick_due);
	tcase_add_test(tc, test_tick_lock);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dbtest_run("framefit_purge_test", purge_suite());
}
