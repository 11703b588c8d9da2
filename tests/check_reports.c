/*
 * check_reports.c: the queries of the admin reports (src/store/reports.c)
 * and report_load() (src/app/report.c) that puts them together, against
 * a real, private MariaDB (tests/dbtest.h, database
 * framefit_reports_test).
 *
 * The counts are written straight into hourly_rollups and live_counters
 * at hours of a fixed past day, so every figure a report shows is known.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/report.h"
#include "core/err.h"
#include "dbtest.h"
#include "store/db.h"
#include "store/purge.h"
#include "store/records.h"
#include "store/reports.h"

#define DAY	86400LL
#define HOUR	3600LL

static struct db	*db;
static long long	 day;		/* 2025-03-10 00:00 UTC */
static long long	 fa, fb, fc;	/* three frames, fc retired */

static void
setup(void)
{
	db = dbtest_open();
	dbtest_exec(db, "DELETE FROM clicks", 0);
	dbtest_exec(db, "DELETE FROM uploads", 0);
	dbtest_exec(db, "DELETE FROM hourly_rollups", 0);
	dbtest_exec(db, "DELETE FROM live_counters", 0);
	dbtest_exec(db, "DELETE FROM purge_runs", 0);
	dbtest_exec(db, "UPDATE frames SET active = 1", 0);
	day = report_date("2025-03-10");
	fa = dbtest_int(db, "SELECT MIN(id) FROM frames", 0);
	fb = dbtest_int(db, "SELECT MIN(id) FROM frames WHERE id > ?", fa);
	fc = dbtest_int(db, "SELECT MIN(id) FROM frames WHERE id > ?", fb);
	ck_assert_int_gt(fc, 0);
	dbtest_exec(db, "UPDATE frames SET active = 0 WHERE id = ?", fc);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* n events of metric for frame in the hour starting at t (Unix s). */
static void
rollup(long long t, const char *metric, long long frame, long long n)
{
	struct db_arg a[4] = { DB_INT(t), DB_TEXT(metric), DB_INT(frame),
	    DB_INT(n) };

	ck_assert_int_eq(db_exec(db, "INSERT INTO hourly_rollups (hour, metric, "
	    "frame_id, n) VALUES (FROM_UNIXTIME(?), ?, ?, ?)", a, 4, NULL,
	    NULL), FF_OK);
}

/* The day's events: try-ons of two frames, a click, uploads of two
 * sources, photos and faces; and some outside it or not reported. */
static void
fill_day(void)
{
	rollup(day + 10 * HOUR, "tryon", fa, 3);
	rollup(day + 10 * HOUR, "tryon", fb, 2);
	rollup(day + 11 * HOUR, "click", fa, 1);
	rollup(day + 10 * HOUR, "upload_form", 0, 3);
	rollup(day + 11 * HOUR, "upload_api", 0, 1);
	rollup(day + 10 * HOUR, "photo", 0, 4);
	rollup(day + 10 * HOUR, "photo_face", 0, 3);
	rollup(day + 10 * HOUR, "faces", 0, 5);
	rollup(day + 10 * HOUR, "api_detect", 0, 9);	/* not a report's */
	rollup(day - HOUR, "tryon", fa, 100);		/* the day before */
	rollup(day + DAY, "tryon", fa, 100);		/* the day after */
}

static long long
row_n(const struct rollup_row *v, size_t n, long long hour, const char *m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].hour == hour && strcmp(v[i].metric, m) == 0)
			return v[i].n;
	return -1;
}

START_TEST(test_rollups_range)
{
	struct rollup_row	*v;
	size_t			 n;

	fill_day();
	ck_assert_int_eq(db_rollups_range(db, day, day + DAY, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 7);
	/* Summed over frames, per hour and metric. */
	ck_assert_int_eq(row_n(v, n, day + 10 * HOUR, "tryon"), 5);
	ck_assert_int_eq(row_n(v, n, day + 11 * HOUR, "click"), 1);
	ck_assert_int_eq(row_n(v, n, day + 10 * HOUR, "upload_form"), 3);
	ck_assert_int_eq(row_n(v, n, day + 11 * HOUR, "upload_api"), 1);
	ck_assert_int_eq(row_n(v, n, day + 10 * HOUR, "faces"), 5);
	ck_assert_int_eq(row_n(v, n, day + 10 * HOUR, "api_detect"), -1);
	free(v);
	ck_assert_int_eq(db_rollups_range(db, day + 11 * HOUR, day + 12 * HOUR,
	    &v, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	free(v);
}
END_TEST

START_TEST(test_report_frames)
{
	struct report_frame	*f;
	size_t			 n, i, nframes;
	int			 seen = 0;

	fill_day();
	nframes = (size_t)dbtest_int(db, "SELECT COUNT(*) FROM frames", 0);
	ck_assert_int_eq(db_report_frames(db, day, day + DAY, &f, &n), FF_OK);
	ck_assert_uint_eq(n, nframes);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_str_lt(f[i - 1].sku, f[i].sku);
		if (f[i].id == fa) {
			ck_assert_int_eq(f[i].tryons, 3);
			ck_assert_int_eq(f[i].clicks, 1);
			ck_assert_int_eq(f[i].active, 1);
			seen++;
		} else if (f[i].id == fb) {
			ck_assert_int_eq(f[i].tryons, 2);
			ck_assert_int_eq(f[i].clicks, 0);
			seen++;
		} else if (f[i].id == fc) {
			ck_assert_int_eq(f[i].active, 0);
			seen++;
		} else
			ck_assert_int_eq(f[i].tryons + f[i].clicks, 0);
	}
	ck_assert_int_eq(seen, 3);
	free(f);
}
END_TEST

START_TEST(test_report_load)
{
	struct report_range	 rg;
	struct report		 rep;
	size_t			 i, lag[4], nframes;

	fill_day();
	/* A retired frame with events is listed; without, it is not. */
	rollup(day + 12 * HOUR, "tryon", fc, 1);
	ck_assert_int_eq(report_range_parse("2025-03-10", "2025-03-10",
	    day + 3 * DAY, &rg), FF_OK);
	ck_assert_int_eq(report_load(db, &rg, day + 3 * DAY, &rep), FF_OK);
	ck_assert_int_eq(rep.tryons, 6);
	ck_assert_int_eq(rep.clicks, 1);
	ck_assert_int_eq(rep.uploads, 4);
	ck_assert_int_eq(rep.by_source[UPLOAD_FORM], 3);
	ck_assert_int_eq(rep.by_source[UPLOAD_API], 1);
	ck_assert_int_eq(rep.by_source[UPLOAD_WEBCAM], 0);
	ck_assert_int_eq(rep.photos, 4);
	ck_assert_int_eq(rep.photo_face, 3);
	ck_assert_int_eq(rep.faces, 5);
	ck_assert_uint_eq(rep.ndays, 1);
	ck_assert_int_eq(rep.days[0].t, day);
	ck_assert_int_eq(rep.days[0].tryons, 6);
	ck_assert_int_eq(rep.days[0].uploads, 4);
	/* The range is over: its last 48 hours are its 24. */
	ck_assert_uint_eq(rep.nhours, 24);
	ck_assert_int_eq(rep.hours[10].t, day + 10 * HOUR);
	ck_assert_int_eq(rep.hours[10].tryons, 5);
	ck_assert_int_eq(rep.hours[11].clicks, 1);

	nframes = (size_t)dbtest_int(db, "SELECT COUNT(*) FROM frames WHERE "
	    "active = 1", 0);
	ck_assert_uint_eq(rep.nframes, nframes + 1);
	ck_assert_int_eq(rep.frames[0].id, fa);		/* most try-ons first */
	ck_assert_int_eq(rep.frames[1].id, fb);
	ck_assert_int_eq(rep.frames[2].id, fc);
	for (i = 3; i < rep.nframes; i++)
		ck_assert_int_eq(rep.frames[i].active, 1);
	/* Overall 1 click in 6 try-ons: fb and fc (0 %) lag, fa does not. */
	ck_assert_uint_eq(report_laggards(&rep, lag, 4), 2);
	ck_assert_uint_eq(lag[0], 1);
	ck_assert_uint_eq(lag[1], 2);
	ck_assert_int_eq(rep.purge.ran, 0);
	report_free(&rep);
}
END_TEST

START_TEST(test_report_purge)
{
	struct purge_run_row	 run = { .at = 1700000000, .ms = 2500,
	    .days = 7, .uploads = 3, .rows = 9, .detections = 3, .tryons = 2,
	    .clicks = 1, .bytes = 4096, .live = 5 };
	struct report_range	 rg;
	struct report		 rep;
	struct upload_row	 u = { .mime = "image/png", .width = 1,
	    .height = 1, .source = UPLOAD_WEBCAM };
	long long		 now = (long long)time(NULL);

	ck_assert_int_eq(db_purge_run_insert(db, &run, "admin:bob"), FF_OK);
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_OK);
	memset(&u, 0, sizeof(u));
	snprintf(u.mime, sizeof(u.mime), "image/png");
	u.width = u.height = 1;
	u.expires = now - 5;
	ck_assert_int_eq(db_upload_insert(db, &u, "y", 1), FF_OK);
	ck_assert_int_eq(report_range_parse(NULL, NULL, now, &rg), FF_OK);
	ck_assert_int_eq(report_load(db, &rg, now, &rep), FF_OK);
	ck_assert_int_eq(rep.purge.ran, 1);
	ck_assert_int_eq(rep.purge.at, 1700000000);
	ck_assert_double_eq(rep.purge.seconds, 2.5);
	ck_assert_str_eq(rep.purge.by, "admin:bob");
	ck_assert_int_eq(rep.purge.days, 7);
	ck_assert_int_eq(rep.purge.uploads, 3);
	ck_assert_int_eq(rep.purge.rows, 9);
	ck_assert_int_eq(rep.purge.clicks, 1);
	ck_assert_int_eq(rep.purge.bytes, 4096);
	ck_assert_int_eq(rep.stored, 2);
	ck_assert_int_eq(rep.expired, 1);
	/* Today's uploads are counted by the trigger, by source. */
	ck_assert_int_eq(rep.by_source[UPLOAD_WEBCAM], 1);
	ck_assert_int_eq(rep.by_source[UPLOAD_FORM], 1);
	report_free(&rep);
}
END_TEST

/* Minutes: this one and the four before are "5", the hour is "60". */
START_TEST(test_live_recent)
{
	long long	last5[DB_LIVE__MAX], last60[DB_LIVE__MAX];
	static const char *const at[] = {
		"INSERT INTO live_counters (metric, minute, frame_id, n) VALUES "
		"('tryon', DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:00'), ?, 2)",
		"INSERT INTO live_counters (metric, minute, frame_id, n) VALUES "
		"('tryon', DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 20 MINUTE, "
		"'%Y-%m-%d %H:%i:00'), ?, 5)",
		"INSERT INTO live_counters (metric, minute, frame_id, n) VALUES "
		"('tryon', DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 2 HOUR, "
		"'%Y-%m-%d %H:%i:00'), ?, 7)",
		"INSERT INTO live_counters (metric, minute, frame_id, n) VALUES "
		"('upload', DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:00'), ?, 1)",
		"INSERT INTO live_counters (metric, minute, frame_id, n) VALUES "
		"('api_detect', DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:00'), "
		"?, 8)",
	};
	size_t i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		dbtest_exec(db, at[i], i == 1 ? fb : fa);
	ck_assert_int_eq(db_live_recent(db, last5, last60), FF_OK);
	ck_assert_int_eq(last5[DB_LIVE_TRYON], 2);
	ck_assert_int_eq(last60[DB_LIVE_TRYON], 7);
	ck_assert_int_eq(last5[DB_LIVE_UPLOAD], 1);
	ck_assert_int_eq(last60[DB_LIVE_UPLOAD], 1);
	ck_assert_int_eq(last5[DB_LIVE_FACES] + last60[DB_LIVE_FACES], 0);
	ck_assert_int_eq(last5[DB_LIVE_CLICK] + last60[DB_LIVE_CLICK], 0);
}
END_TEST

START_TEST(test_stage_times)
{
	static const struct tryon_timing t[3] = {
		{ .decode_ms = 10, .detect_ms = 40, .render_ms = 1 },
		{ .decode_ms = 30, .detect_ms = 0, .render_ms = 2 },
		{ .decode_ms = 20, .detect_ms = 50, .render_ms = 3 },
	};
	struct upload_row	 u = { .mime = "image/jpeg", .width = 2,
	    .height = 2, .source = UPLOAD_FORM };
	struct report_range	 rg;
	struct report		 rep;
	long long		 now = (long long)time(NULL);
	double			*v;
	size_t			 n, i;

	ck_assert_int_eq(db_upload_insert(db, &u, "z", 1), FF_OK);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(db_tryon_record(db, u.id, fa, &t[i], NULL),
		    FF_OK);
	ck_assert_int_eq(db_stage_times(db, STAGE_DECODE, now - HOUR,
	    now + HOUR, 100, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_double_eq(v[0], 20);		/* newest first */
	ck_assert_double_eq(v[1], 30);
	ck_assert_double_eq(v[2], 10);
	free(v);
	ck_assert_int_eq(db_stage_times(db, STAGE_DECODE, now - HOUR,
	    now + HOUR, 2, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	free(v);
	/* Zero is "not timed". */
	ck_assert_int_eq(db_stage_times(db, STAGE_DETECT, now - HOUR,
	    now + HOUR, 100, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	free(v);
	ck_assert_int_eq(db_stage_times(db, STAGE_STORE, now - HOUR,
	    now + HOUR, 100, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(v);
	free(v);
	ck_assert_int_eq(db_stage_times(db, STAGE_DECODE, now + HOUR,
	    now + 2 * HOUR, 100, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 0);
	free(v);

	ck_assert_int_eq(report_range_parse(NULL, NULL, now, &rg), FF_OK);
	ck_assert_int_eq(report_load(db, &rg, now, &rep), FF_OK);
	ck_assert_int_eq(rep.latency[STAGE_DECODE].n, 3);
	ck_assert_double_eq(rep.latency[STAGE_DECODE].p50, 20);
	ck_assert_double_eq(rep.latency[STAGE_DECODE].p95, 30);
	ck_assert_double_eq(rep.latency[STAGE_DECODE].max, 30);
	ck_assert_int_eq(rep.latency[STAGE_DETECT].n, 2);
	ck_assert_double_eq(rep.latency[STAGE_DETECT].p50, 40);
	ck_assert_int_eq(rep.latency[STAGE_STORE].n, 0);
	ck_assert_double_eq(rep.latency[STAGE_STORE].max, 0);
	report_free(&rep);
}
END_TEST

START_TEST(test_uploads_recent)
{
	char			(*tok)[UPLOAD_TOKEN_LEN + 1];
	struct upload_row	 u[3];
	long long		 now = (long long)time(NULL);
	size_t			 n, i;

	for (i = 0; i < 3; i++) {
		memset(&u[i], 0, sizeof(u[i]));
		snprintf(u[i].mime, sizeof(u[i].mime), "image/jpeg");
		u[i].width = u[i].height = 1;
		u[i].expires = i == 2 ? now - 5 : 0;	/* the newest expired */
		ck_assert_int_eq(db_upload_insert(db, &u[i], "p", 1), FF_OK);
	}
	ck_assert_int_eq(db_uploads_recent(db, 10, &tok, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(tok[0], u[1].token);
	ck_assert_str_eq(tok[1], u[0].token);
	free(tok);
	ck_assert_int_eq(db_uploads_recent(db, 1, &tok, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(tok[0], u[1].token);
	free(tok);
}
END_TEST

static Suite *
reports_suite(void)
{
	Suite	*s = suite_create("reports");
	TCase	*tc;

	tc = tcase_create("reports");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rollups_range);
	tcase_add_test(tc, test_report_frames);
	tcase_add_test(tc, test_report_load);
	tcase_add_test(tc, test_report_purge);
	tcase_add_test(tc, test_live_recent);
	tcase_add_test(tc, test_stage_times);
	tcase_add_test(tc, test_uploads_recent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dbtest_run("framefit_reports_test", reports_suite());
}
