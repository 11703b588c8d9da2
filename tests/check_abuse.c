/*
 * check_abuse.c: the per-client upload limits (src/app/abuse.c over
 * src/store/throttle.c): who the client is (REMOTE_ADDR, X-Forwarded-For
 * from a trusted proxy, IPv6 /64s), the settings, and the rate and
 * concurrency counts against a real, private MariaDB (tests/dbtest.h,
 * database framefit_abuse_test).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/abuse.h"
#include "app/apiparse.h"
#include "core/err.h"
#include "dbtest.h"
#include "store/db.h"

/* ---- Who the client is ---- */

static const struct {
	const char	*remote, *xff, *trusted, *want;
	int		 ok;
} clients[] = {
	{ "203.0.113.7", NULL, "", "203.0.113.7", 1 },
	/* Without a trusted proxy, the header is the client's own say. */
	{ "203.0.113.7", "198.51.100.1", "", "203.0.113.7", 1 },
	{ "203.0.113.7", "198.51.100.1", "10.0.0.1", "203.0.113.7", 1 },
	/* From the trusted proxy: the rightmost address it appended. */
	{ "10.0.0.1", "198.51.100.1", "10.0.0.1", "198.51.100.1", 1 },
	{ "10.0.0.1", "1.1.1.1, 198.51.100.1", "10.0.0.1", "198.51.100.1", 1 },
	/* Two proxies of ours (a CIDR block): the first address not ours. */
	{ "10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.9", "10.0.0.0/24",
	  "198.51.100.1", 1 },
	{ "10.0.0.1", "10.0.0.7,10.0.0.9", "10.0.0.0/24", "10.0.0.7", 1 },
	/* Forms proxies write, and garbage to the left of a good address. */
	{ "10.0.0.1", "198.51.100.1:4711", "10.0.0.1", "198.51.100.1", 1 },
	{ "10.0.0.1", "[2001:db8:1:2:3:4:5:6]:443", "10.0.0.1",
	  "2001:db8:1:2::/64", 1 },
	{ "10.0.0.1", "<script>, 198.51.100.1", "10.0.0.1", "198.51.100.1", 1 },
	{ "10.0.0.1", "198.51.100.1, junk", "10.0.0.1", "10.0.0.1", 1 },
	{ "10.0.0.1", "", "10.0.0.1", "10.0.0.1", 1 },
	/* IPv6: the subscriber's /64; IPv4-mapped is IPv4. */
	{ "2001:db8:aa:bb:1:2:3:4", NULL, "", "2001:db8:aa:bb::/64", 1 },
	{ "2001:db8:aa:bb:ffff::9", NULL, "", "2001:db8:aa:bb::/64", 1 },
	{ "::ffff:192.0.2.5", NULL, "", "192.0.2.5", 1 },
	{ "::1", "198.51.100.1", "::1 127.0.0.1", "198.51.100.1", 1 },
	{ "::1", "198.51.100.1", "2001:db8::/32", "::/64", 1 },
	{ "192.0.2.200", "1.2.3.4", "192.0.2.128/25", "1.2.3.4", 1 },
	{ "192.0.2.100", "1.2.3.4", "192.0.2.128/25", "192.0.2.100", 1 },
	/* No address at all: one client for all such requests. */
	{ NULL, "198.51.100.1", "10.0.0.1", "unknown", 0 },
	{ "", NULL, "", "unknown", 0 },
	{ "not an address", NULL, "", "unknown", 0 },
};

START_TEST(test_client)
{
	char	out[ABUSE_CLIENT_MAX + 1];

	ck_assert_int_eq(abuse_client(clients[_i].remote, clients[_i].xff,
	    clients[_i].trusted, out), clients[_i].ok);
	ck_assert_str_eq(out, clients[_i].want);
}
END_TEST

static const struct {
	const char	*trusted;
	int		 ok;
	const char	*bad;	/* where *bad points */
} trusted[] = {
	{ "", 1, NULL },
	{ "10.0.0.1", 1, NULL },
	{ "10.0.0.0/8, 192.168.1.1 ::1,2001:db8::/32", 1, NULL },
	{ "10.0.0.0/33", 0, "10.0.0.0/33" },
	{ "10.0.0.1, lb.example.com", 0, "lb.example.com" },
	{ "10.0.0.0/", 0, "10.0.0.0/" },
	{ "::/129", 0, "::/129" },
	{ "10.0.0.0/8x", 0, "10.0.0.0/8x" },
};

START_TEST(test_trusted)
{
	const char	*bad = "x";

	ck_assert_int_eq(abuse_trusted_valid(trusted[_i].trusted, &bad),
	    trusted[_i].ok);
	if (trusted[_i].bad == NULL)
		ck_assert_ptr_null(bad);
	else
		ck_assert_str_eq(bad, trusted[_i].bad);
}
END_TEST

START_TEST(test_env)
{
	struct abuse_limits l;

	unsetenv("FF_UPLOAD_RATE");
	unsetenv("FF_UPLOAD_CONCURRENT");
	unsetenv("FF_TRUSTED_PROXY");
	abuse_limits_env(&l);
	ck_assert_int_eq(l.rate, ABUSE_RATE_DEFAULT);
	ck_assert_int_eq(l.concurrent, ABUSE_CONCURRENT_DEFAULT);
	ck_assert_str_eq(l.trusted, "");

	setenv("FF_UPLOAD_RATE", "0", 1);
	setenv("FF_UPLOAD_CONCURRENT", "5", 1);
	setenv("FF_TRUSTED_PROXY", "10.1.0.0/16", 1);
	abuse_limits_env(&l);
	ck_assert_int_eq(l.rate, 0);
	ck_assert_int_eq(l.concurrent, 5);
	ck_assert_str_eq(l.trusted, "10.1.0.0/16");

	/* A typo never turns a limit off, nor trusts a header. */
	setenv("FF_UPLOAD_RATE", "lots", 1);
	setenv("FF_UPLOAD_CONCURRENT", "-1", 1);
	setenv("FF_TRUSTED_PROXY", "10.1.0.0/16, the-lb", 1);
	abuse_limits_env(&l);
	ck_assert_int_eq(l.rate, ABUSE_RATE_DEFAULT);
	ck_assert_int_eq(l.concurrent, ABUSE_CONCURRENT_DEFAULT);
	ck_assert_str_eq(l.trusted, "");
}
END_TEST

/* ---- The counts ---- */

static struct db	*db;

static void
setup(void)
{
	db = dbtest_open();
	dbtest_exec(db, "DELETE FROM upload_rate", 0);
	dbtest_exec(db, "DELETE FROM upload_inflight", 0);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* A moment 10 s into a window, so Retry-After is exact. */
static time_t
at(long long win)
{
	return (time_t)(win * API_RATE_WINDOW_S + 10);
}

START_TEST(test_rate)
{
	struct abuse_limits	 l = { .rate = 3, .concurrent = 0 };
	enum abuse_verdict	 v;
	long long		 slot, w = api_rate_window(time(NULL));
	int			 i, retry;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", at(w), &v,
		    &retry, &slot), FF_OK);
		ck_assert_int_eq(v, ABUSE_OK);
		ck_assert_int_eq(slot, 0);	/* no concurrency limit */
	}
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", at(w), &v, &retry,
	    &slot), FF_OK);
	ck_assert_int_eq(v, ABUSE_RATE);
	ck_assert_int_eq(retry, API_RATE_WINDOW_S - 10);
	/* Another client has its own count. */
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.2", at(w), &v, &retry,
	    &slot), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	/* Every attempt counted, the refused one too. */
	ck_assert_int_eq(dbtest_int(db, "SELECT n FROM upload_rate WHERE "
	    "client = '192.0.2.1'", 0), 4);
	/* The next window starts afresh, and its first upload clears the
	 * older windows of every client. */
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", at(w + 1), &v,
	    &retry, &slot), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_rate", 0),
	    1);
	ck_assert_int_eq(dbtest_int(db, "SELECT win FROM upload_rate", 0),
	    w + 1);
}
END_TEST

START_TEST(test_concurrent)
{
	struct abuse_limits	 l = { .rate = 0, .concurrent = 2 };
	enum abuse_verdict	 v;
	long long		 s1, s2, s3, s4;
	time_t			 now = time(NULL);
	int			 retry;

	ck_assert_int_eq(abuse_enter(db, &l, "2001:db8::/64", now, &v, &retry,
	    &s1), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	ck_assert_int_gt(s1, 0);
	ck_assert_int_eq(abuse_enter(db, &l, "2001:db8::/64", now, &v, &retry,
	    &s2), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	ck_assert_int_gt(s2, s1);
	ck_assert_int_eq(abuse_enter(db, &l, "2001:db8::/64", now, &v, &retry,
	    &s3), FF_OK);
	ck_assert_int_eq(v, ABUSE_BUSY);
	ck_assert_int_eq(retry, ABUSE_BUSY_RETRY_S);
	ck_assert_int_eq(s3, 0);
	/* The refused one left no row. */
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_inflight",
	    0), 2);
	/* Another client is not busy. */
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.9", now, &v, &retry,
	    &s4), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	abuse_leave(db, s4);
	/* One answered: room for one more. */
	abuse_leave(db, s1);
	ck_assert_int_eq(abuse_enter(db, &l, "2001:db8::/64", now, &v, &retry,
	    &s3), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	abuse_leave(db, s2);
	abuse_leave(db, s3);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_inflight",
	    0), 0);
}
END_TEST

/* Two uploads that arrive together: the later row is the one refused,
 * never both (each counts only the rows before its own). */
START_TEST(test_concurrent_order)
{
	struct abuse_limits	 l = { .rate = 0, .concurrent = 1 };
	enum abuse_verdict	 v;
	long long		 s;
	int			 retry;

	/* Another worker's row, inserted before ours. */
	dbtest_exec(db, "INSERT INTO upload_inflight (client, started) VALUES "
	    "('192.0.2.1', UNIX_TIMESTAMP())", 0);
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", time(NULL), &v,
	    &retry, &s), FF_OK);
	ck_assert_int_eq(v, ABUSE_BUSY);
	/* A row inserted after ours does not count against ours. */
	dbtest_exec(db, "DELETE FROM upload_inflight", 0);
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", time(NULL), &v,
	    &retry, &s), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	dbtest_exec(db, "INSERT INTO upload_inflight (client, started) VALUES "
	    "('192.0.2.1', UNIX_TIMESTAMP())", 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_inflight "
	    "WHERE client = '192.0.2.1' AND id < ?", s), 0);
}
END_TEST

/* A worker that died mid-upload leaves its row: it stops counting after
 * ABUSE_STALE_S and goes with the next window's first upload. */
START_TEST(test_stale)
{
	struct abuse_limits	 l = { .rate = 100, .concurrent = 1 };
	enum abuse_verdict	 v;
	long long		 s, w = api_rate_window(time(NULL));
	int			 retry;

	dbtest_exec(db, "INSERT INTO upload_inflight (client, started) VALUES "
	    "('192.0.2.1', UNIX_TIMESTAMP() - ?)", ABUSE_STALE_S + 5);
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", at(w), &v, &retry,
	    &s), FF_OK);
	ck_assert_int_eq(v, ABUSE_OK);
	/* That was the window's first upload: the dead row is gone. */
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM upload_inflight",
	    0), 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT id FROM upload_inflight", 0), s);
	/* A live row of a dead worker still counts. */
	dbtest_exec(db, "INSERT INTO upload_inflight (client, started) VALUES "
	    "('192.0.2.3', UNIX_TIMESTAMP() - ?)", ABUSE_STALE_S - 5);
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.3", at(w), &v, &retry,
	    &s), FF_OK);
	ck_assert_int_eq(v, ABUSE_BUSY);
}
END_TEST

/* Without a database the limits let the upload through. */
START_TEST(test_no_db)
{
	struct abuse_limits	 l = { .rate = 1, .concurrent = 1 };
	enum abuse_verdict	 v = ABUSE_RATE;
	long long		 s = 7;
	int			 retry = 7;

	dbtest_exec(db, "RENAME TABLE upload_rate TO upload_rate_away", 0);
	ck_assert_int_eq(abuse_enter(db, &l, "192.0.2.1", time(NULL), &v,
	    &retry, &s), FF_EDB);
	dbtest_exec(db, "RENAME TABLE upload_rate_away TO upload_rate", 0);
	ck_assert_int_eq(v, ABUSE_OK);
	ck_assert_int_eq(s, 0);
	ck_assert_int_eq(retry, 0);
}
END_TEST

static Suite *
abuse_suite(void)
{
	Suite	*s = suite_create("abuse");
	TCase	*tc = tcase_create("client");

	tcase_add_loop_test(tc, test_client, 0,
	    (int)(sizeof(clients) / sizeof(clients[0])));
	tcase_add_loop_test(tc, test_trusted, 0,
	    (int)(sizeof(trusted) / sizeof(trusted[0])));
	tcase_add_test(tc, test_env);
	suite_add_tcase(s, tc);

	tc = tcase_create("counts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_concurrent_order);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_no_db);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dbtest_run("framefit_abuse_test", abuse_suite());
}
