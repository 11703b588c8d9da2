/*
 * check_consent.c: a shopper's consent to keep their photo for the
 * shop's e-mails (store/consent.h), the purge's rules for such photos
 * (app/purge.h) and the newsletter batch over them (app/batch.h: the
 * loader and a worker), against a real, private MariaDB (tests/dbtest.h,
 * database framefit_consent_test) with the shipped model.
 *
 * Every test starts from no photos and no batch jobs. The photos are
 * small JPEGs drawn here with a detection stored as the shop stores one,
 * so what is due, loaded, written or skipped is known to the row.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gd.h>

#include "app/batch.h"
#include "app/batch_internal.h"
#include "app/purge.h"
#include "core/err.h"
#include "dbtest.h"
#include "store/consent.h"
#include "store/db.h"
#include "store/records.h"

#define TEST_DB	"framefit_consent_test"
#define DAY	86400LL

static struct db	*db;
static long long	 now;
static char		 sku[33];
static char		 outdir[64];

static void
setup(void)
{
	struct db_rows	*r;
	const char	*s;

	db = dbtest_open();
	dbtest_exec(db, "DELETE FROM batch_jobs", 0);
	dbtest_exec(db, "DELETE FROM uploads", 0);
	dbtest_exec(db, "DELETE FROM purge_runs", 0);
	unsetenv("FF_CONSENT_DAYS");
	now = (long long)time(NULL);
	ck_assert_int_eq(db_query(db, "SELECT sku FROM frames WHERE active = 1 "
	    "ORDER BY id LIMIT 1", NULL, 0, &r), FF_OK);
	ck_assert_int_eq(db_rows_next(r), 1);
	s = db_col_text(r, 0, NULL);
	snprintf(sku, sizeof(sku), "%s", s);
	db_rows_free(r);
	snprintf(outdir, sizeof(outdir), "/tmp/check_consent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(outdir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", outdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_consent: %s failed\n", cmd);
	db_close(db);
	db = NULL;
}

/* A 200 x 200 JPEG with one face as the detector would give it, stored
 * as the shop stores an upload; with consent when asked. */
static struct upload_row
photo(int consent)
{
	struct det_face	 f = { 0.95f, { 50, 50, 100, 100 }, { 75, 90 },
			     { 125, 90 } };
	struct upload_row u;
	gdImagePtr	 im = gdImageCreateTrueColor(200, 200);
	void		*jpg;
	int		 len;

	gdImageFilledRectangle(im, 0, 0, 199, 199, gdTrueColor(200, 170, 150));
	jpg = gdImageJpegPtr(im, &len, 85);
	gdImageDestroy(im);
	memset(&u, 0, sizeof(u));
	snprintf(u.mime, sizeof(u.mime), "image/jpeg");
	u.width = u.height = 200;
	u.source = UPLOAD_FORM;
	ck_assert_int_eq(db_tryon_store(db, &u, jpg, (size_t)len, 0, &f, 1, 5,
	    0, NULL), FF_OK);
	gdFree(jpg);
	if (consent)
		ck_assert_int_eq(db_consent_give(db, u.id, CONSENT_NEWSLETTER,
		    "newsletter-1", purge_consent_days(), NULL), FF_OK);
	return u;
}

static long long
uploads(void)
{
	return dbtest_int(db, "SELECT COUNT(*) FROM uploads", 0);
}

/* ---- Recording ---- */

START_TEST(test_recorded)
{
	struct upload_row	 u = photo(0), v;
	enum consent_state	 st;
	char			 w[CONSENT_WORDING_MAX + 1];
	long long		 exp = 0;

	ck_assert_int_eq(db_consent_get(db, u.id, CONSENT_NEWSLETTER, &st, w),
	    FF_OK);
	ck_assert_int_eq(st, CONSENT_NONE);
	ck_assert_int_eq(db_consent_give(db, u.id, CONSENT_NEWSLETTER,
	    "newsletter-1", 365, &exp), FF_OK);
	/* Kept the consent period after upload, not 24 hours. */
	ck_assert_int_eq(exp - u.created, 365 * DAY);
	ck_assert_int_eq(db_consent_get(db, u.id, CONSENT_NEWSLETTER, &st, w),
	    FF_OK);
	ck_assert_int_eq(st, CONSENT_GIVEN);
	ck_assert_str_eq(w, "newsletter-1");
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_consents "
	    "WHERE upload_id = ? AND purpose = 'newsletter' AND withdrawn IS "
	    "NULL AND given >= UTC_TIMESTAMP() - INTERVAL 1 MINUTE", u.id), 1);
	ck_assert_int_eq(db_upload_get(db, u.token, &v, NULL), FF_OK);
	ck_assert_int_eq(v.expires, exp);
	/* Once per upload; bad arguments leave nothing. */
	ck_assert_int_eq(db_consent_give(db, u.id, CONSENT_NEWSLETTER,
	    "newsletter-2", 365, NULL), FF_EINPUT);
	ck_assert_int_eq(db_consent_give(db, u.id, "marketing", "x", 365,
	    NULL), FF_EINPUT);
	ck_assert_int_eq(db_consent_give(db, u.id + 1000, CONSENT_NEWSLETTER,
	    "x", 365, NULL), FF_ENOTFOUND);
	ck_assert_int_eq(db_consent_give(db, u.id, CONSENT_NEWSLETTER, "", 365,
	    NULL), FF_EINPUT);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_consents",
	    0), 1);
}
END_TEST

static const struct {
	const char	*env;
	int		 days;
} days_tab[] = {
	{ NULL, 365 }, { "", 365 }, { "30", 30 }, { "3650", 3650 },
	{ "0", 365 }, { "3651", 365 }, { "1y", 365 },
};

START_TEST(test_days)
{
	if (days_tab[_i].env == NULL)
		unsetenv("FF_CONSENT_DAYS");
	else
		setenv("FF_CONSENT_DAYS", days_tab[_i].env, 1);
	ck_assert_int_eq(purge_consent_days(), days_tab[_i].days);
	unsetenv("FF_CONSENT_DAYS");
}
END_TEST

/* ---- The purge ---- */

START_TEST(test_purge_keeps_then_removes)
{
	struct purge_stats	st;
	struct upload_row	kept = photo(1), plain = photo(0);

	/* Two days on: the plain photo is gone, the kept one stays. */
	ck_assert_int_eq(purge_run(db, now + 2 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", plain.id), 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", kept.id), 1);
	/* Past the general retention of 30 days: consent overrides it. */
	ck_assert_int_eq(purge_run(db, now + 40 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 0);
	/* The day before the consent period ends, and the day after. */
	ck_assert_int_eq(purge_run(db, now + 364 * DAY, 30, "t", 0, &st),
	    FF_OK);
	ck_assert_int_eq(st.uploads, 0);
	ck_assert_int_eq(purge_run(db, now + 366 * DAY, 30, "t", 0, &st),
	    FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	ck_assert_int_eq(uploads(), 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_consents",
	    0), 0);
}
END_TEST

/* A period shortened after the consent applies to the photos kept. */
START_TEST(test_purge_shorter_period)
{
	struct purge_stats st;

	(void)photo(1);
	setenv("FF_CONSENT_DAYS", "10", 1);
	ck_assert_int_eq(purge_run(db, now + 9 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 0);
	ck_assert_int_eq(purge_run(db, now + 11 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	unsetenv("FF_CONSENT_DAYS");
}
END_TEST

/* The purge finds due photos by index: the kept ones are never read
 * under a lock, so one held elsewhere (a newsletter run, a withdrawal)
 * does not stop it, before the retention cutoff or after. */
START_TEST(test_purge_leaves_kept_alone)
{
	struct purge_stats	 st;
	struct upload_row	 kept = photo(1), plain = photo(0);
	struct upload_row	 kept2 = photo(1);
	struct db		*other = dbtest_open();

	dbtest_exec(db, "SET SESSION innodb_lock_wait_timeout = 1", 0);
	ck_assert_int_eq(db_begin(other), FF_OK);
	ck_assert_int_eq(dbtest_int(other, "SELECT id FROM uploads WHERE id = "
	    "? FOR UPDATE", kept.id), kept.id);
	ck_assert_int_eq(dbtest_int(other, "SELECT id FROM uploads WHERE id = "
	    "? FOR UPDATE", kept2.id), kept2.id);
	ck_assert_int_eq(purge_run(db, now + 2 * DAY, 30, "t", 1, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	ck_assert_int_eq(purge_run(db, now + 2 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", plain.id), 0);
	/* Past the retention: the kept ones are in the range the purge
	 * reads by time stored, and still untouched. */
	ck_assert_int_eq(purge_run(db, now + 40 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 0);
	db_rollback(other);
	db_close(other);
	ck_assert_int_eq(uploads(), 2);
}
END_TEST

/* Past the retention, photos that expire later than it and have no
 * consent go, in batches that step over the kept photos among them (the
 * same second stored, so the order's ties are crossed too). */
START_TEST(test_purge_cutoff_batches)
{
	struct purge_stats	st;
	int			i;

	for (i = 0; i < 2 * 250; i++)
		(void)photo(i % 2);
	dbtest_exec(db, "UPDATE uploads u LEFT JOIN upload_consents c ON "
	    "c.upload_id = u.id SET u.expires = u.expires + INTERVAL 400 DAY "
	    "WHERE c.upload_id IS NULL", 0);
	ck_assert_int_eq(purge_run(db, now + 40 * DAY, 30, "t", 1, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 250);
	ck_assert_int_eq(st.detections, 250);
	ck_assert_int_eq(st.faces, 250);
	ck_assert_int_eq(uploads(), 500);
	ck_assert_int_eq(purge_run(db, now + 40 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 250);
	ck_assert_int_eq(st.detections, 250);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads u JOIN "
	    "upload_consents c ON c.upload_id = u.id", 0), 250);
	ck_assert_int_eq(uploads(), 250);
}
END_TEST

/* ---- Withdrawal ---- */

START_TEST(test_withdraw_fresh)
{
	struct purge_stats	 st;
	struct upload_row	 u = photo(1), v;
	enum consent_state	 cs;
	int			 deleted = -1;

	ck_assert_int_eq(db_consent_withdraw(db, u.token, &deleted), FF_OK);
	ck_assert_int_eq(deleted, 0);
	/* Back to 24 hours after upload; the record of consent stays. */
	ck_assert_int_eq(db_upload_get(db, u.token, &v, NULL), FF_OK);
	ck_assert_int_eq(v.expires - v.created, UPLOAD_TTL_S);
	ck_assert_int_eq(db_consent_get(db, u.id, CONSENT_NEWSLETTER, &cs,
	    NULL), FF_OK);
	ck_assert_int_eq(cs, CONSENT_WITHDRAWN);
	/* Withdrawing twice changes nothing. */
	ck_assert_int_eq(db_consent_withdraw(db, u.token, &deleted), FF_OK);
	ck_assert_int_eq(deleted, 0);
	/* The normal purge takes it. */
	ck_assert_int_eq(purge_run(db, now + 2 * DAY, 30, "t", 0, &st), FF_OK);
	ck_assert_int_eq(st.uploads, 1);
	ck_assert_int_eq(uploads(), 0);
	ck_assert_int_eq(db_consent_withdraw(db, u.token, &deleted),
	    FF_ENOTFOUND);
}
END_TEST

START_TEST(test_withdraw_old)
{
	struct upload_row	u = photo(1), other = photo(0);
	int			deleted = -1;

	/* Uploaded two days ago: withdrawing deletes it at once. */
	dbtest_exec(db, "UPDATE uploads SET created = created - INTERVAL 2 DAY "
	    "WHERE id = ?", u.id);
	ck_assert_int_eq(db_consent_withdraw(db, u.token, &deleted), FF_OK);
	ck_assert_int_eq(deleted, 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM uploads WHERE "
	    "id = ?", u.id), 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM detections WHERE "
	    "upload_id = ?", u.id), 0);
	/* A photo without consent is left as it is. */
	ck_assert_int_eq(db_consent_withdraw(db, other.token, &deleted), FF_OK);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(uploads(), 1);
}
END_TEST

/* ---- What the retention page shows ---- */

/* The photos kept with consent now, the soonest expiry among them and
 * the oldest, past photos without consent, withdrawn or expired. */
START_TEST(test_kept)
{
	struct consent_kept	 k;
	struct upload_row	 a = photo(1), b = photo(1), gone = photo(1);
	struct upload_row	 w = photo(1);
	int			 deleted;

	(void)photo(0);
	(void)photo(0);
	/* b stored ten days before a: it expires first and is the oldest. */
	dbtest_exec(db, "UPDATE uploads SET created = created - INTERVAL 10 "
	    "DAY, expires = expires - INTERVAL 10 DAY WHERE id = ?", b.id);
	/* Past its expiry, awaiting the purge: not kept any more. */
	dbtest_exec(db, "UPDATE uploads SET expires = UTC_TIMESTAMP() - "
	    "INTERVAL 1 MINUTE WHERE id = ?", gone.id);
	ck_assert_int_eq(db_consent_withdraw(db, w.token, &deleted), FF_OK);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(db_consent_kept(db, CONSENT_NEWSLETTER, now, &k),
	    FF_OK);
	ck_assert_int_eq(k.photos, 2);
	ck_assert_int_eq(k.oldest, b.created - 10 * DAY);
	ck_assert_int_eq(k.next_expiry, k.oldest + 365 * DAY);
	ck_assert_int_eq(k.next_expiry, dbtest_int(db, "SELECT "
	    "UNIX_TIMESTAMP(expires) FROM uploads WHERE id = ?", b.id));
	/* At b's expiry b is no longer kept; a is next. */
	ck_assert_int_eq(db_consent_kept(db, CONSENT_NEWSLETTER, k.next_expiry,
	    &k), FF_OK);
	ck_assert_int_eq(k.photos, 1);
	ck_assert_int_eq(k.next_expiry, a.created + 365 * DAY);
	ck_assert_int_eq(k.oldest, a.created);
	/* A year on, none. */
	ck_assert_int_eq(db_consent_kept(db, CONSENT_NEWSLETTER, now + 366 *
	    DAY, &k), FF_OK);
	ck_assert_int_eq(k.photos, 0);
	ck_assert_int_eq(k.next_expiry, 0);
	ck_assert_int_eq(k.oldest, 0);
	ck_assert_int_eq(db_consent_kept(db, "marketing", now, &k), FF_EINPUT);
	ck_assert_int_eq(uploads(), 6);
}
END_TEST

/* ---- The newsletter batch ---- */

static void
opts_init(struct opts *o, const char *job)
{
	memset(o, 0, sizeof(*o));
	o->job = job;
	o->frame_sku = sku;
	o->out_dir = outdir;
	o->models = FF_DATADIR "/models";
	o->jobs = 1;
	o->lease_s = 300;
	o->claim = 16;
	o->max_attempts = 3;
}

/* Whether the job has an item for this token. */
static int
queued(long long job_id, const char *token)
{
	struct db_arg	 a[2] = { DB_INT(job_id), DB_TEXT(token) };
	long long	 n = 0;

	ck_assert_int_eq(db_query_int(db, "SELECT COUNT(*) FROM batch_items "
	    "WHERE job_id = ? AND path = ?", a, 2, &n), FF_OK);
	return (int)n;
}

START_TEST(test_loader_opted_in_only)
{
	struct upload_row	 yes1 = photo(1), no = photo(0), yes2 = photo(1),
				 gone = photo(1), expired = photo(1);
	struct batchq_job	 j;
	struct opts		 o;
	int			 busy, deleted;

	ck_assert_int_eq(db_consent_withdraw(db, gone.token, &deleted), FF_OK);
	dbtest_exec(db, "UPDATE uploads SET expires = UTC_TIMESTAMP() - "
	    "INTERVAL 1 SECOND WHERE id = ?", expired.id);
	opts_init(&o, "nl-load");
	ck_assert_int_eq(batch_job_open(db, &o, &j), FF_OK);
	ck_assert_int_eq(j.kind, BATCHQ_UPLOADS);
	ck_assert_int_eq(batch_job_load(db, &j, NULL, NULL, &busy), FF_OK);
	ck_assert_int_eq(busy, 0);
	ck_assert_int_eq(j.loaded, 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT n_items FROM batch_jobs WHERE "
	    "id = ?", j.id), 2);
	ck_assert_int_eq(queued(j.id, yes1.token), 1);
	ck_assert_int_eq(queued(j.id, yes2.token), 1);
	ck_assert_int_eq(queued(j.id, no.token), 0);
	ck_assert_int_eq(queued(j.id, gone.token), 0);
	ck_assert_int_eq(queued(j.id, expired.token), 0);
	batchq_job_clear(&j);
}
END_TEST

/* Bytes of a file, -1 when it is not there. */
static long long
file_size(const char *dir, const char *token)
{
	struct stat	st;
	char		p[128];

	snprintf(p, sizeof(p), "%s/%s.jpg", dir, token);
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

START_TEST(test_worker_skips_withdrawn)
{
	struct upload_row	 a = photo(1), b = photo(1), c = photo(1);
	struct batchq_job	 j;
	struct wstats		 ws;
	struct opts		 o;
	FILE			*fp;
	char			 p[128];
	int			 busy, deleted;

	opts_init(&o, "nl-work");
	ck_assert_int_eq(batch_job_open(db, &o, &j), FF_OK);
	ck_assert_int_eq(batch_job_load(db, &j, NULL, NULL, &busy), FF_OK);
	/* Withdrawn between loading and rendering. */
	ck_assert_int_eq(db_consent_withdraw(db, b.token, &deleted), FF_OK);
	/* c's JPEG written already by an attempt that lost its claim. */
	snprintf(p, sizeof(p), "%s/%s.jpg", outdir, c.token);
	ck_assert_ptr_nonnull(fp = fopen(p, "w"));
	fputs("earlier", fp);
	fclose(fp);
	memset(&ws, 0, sizeof(ws));
	ck_assert_int_eq(batch_worker_main(&o, &j, &ws, getppid()),
	    WORKER_DONE);
	ck_assert_int_eq(ws.stored, 3);
	ck_assert_int_eq(ws.present, 1);
	/* a written, a real JPEG; b not; c not written again. */
	ck_assert_int_gt(file_size(outdir, a.token), 1000);
	ck_assert_int_eq(file_size(outdir, b.token), -1);
	ck_assert_int_eq(file_size(outdir, c.token), 7);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'done'", j.id), 2);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'failed' AND reason = 'consent_withdrawn'",
	    j.id), 1);
	/* The uploads' own detections were drawn: none stored for items. */
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM detections WHERE "
	    "batch_item_id IS NOT NULL", 0), 0);
	batchq_job_clear(&j);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("consent");
	TCase	*tc = tcase_create("consent");

	/* The worker connects by the environment, as in production. */
	setenv("FF_DB_NAME", TEST_DB, 1);
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_recorded);
	tcase_add_loop_test(tc, test_days, 0, (int)(sizeof(days_tab) /
	    sizeof(days_tab[0])));
	tcase_add_test(tc, test_purge_keeps_then_removes);
	tcase_add_test(tc, test_purge_shorter_period);
	tcase_add_test(tc, test_purge_leaves_kept_alone);
	tcase_add_test(tc, test_purge_cutoff_batches);
	tcase_add_test(tc, test_withdraw_fresh);
	tcase_add_test(tc, test_withdraw_old);
	tcase_add_test(tc, test_kept);
	tcase_add_test(tc, test_loader_opted_in_only);
	tcase_add_test(tc, test_worker_skips_withdrawn);
	suite_add_tcase(s, tc);
	return dbtest_run(TEST_DB, s);
}
