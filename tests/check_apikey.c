/*
 * check_apikey.c: API keys (src/app/apikey.c over src/store/apikeys.c)
 * against a real, private MariaDB (tests/dbtest.h, database
 * framefit_apikey_test): creating, listing, checking and revoking keys,
 * the per-key rate windows and call counts.
 *
 * Every test starts from no keys.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/apikey.h"
#include "app/apiparse.h"
#include "core/err.h"
#include "dbtest.h"
#include "store/apikeys.h"
#include "store/db.h"

static struct db	*db;

static void
setup(void)
{
	db = dbtest_open();
	dbtest_exec(db, "DELETE FROM api_rate", 0);
	dbtest_exec(db, "DELETE FROM hourly_rollups WHERE api_key_id > 0", 0);
	dbtest_exec(db, "DELETE FROM live_counters WHERE api_key_id > 0", 0);
	dbtest_exec(db, "DELETE FROM api_keys", 0);
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

START_TEST(test_create_list)
{
	struct apikey_row	*v;
	char			 k1[API_KEY_LEN + 1], k2[API_KEY_LEN + 1];
	long long		 id1, id2;
	size_t			 n;

	ck_assert_int_eq(apikey_create(db, "shop one", -1, k1, &id1), FF_OK);
	ck_assert_int_eq(apikey_create(db, "shop two", 30, k2, &id2), FF_OK);
	ck_assert_uint_eq(strlen(k1), API_KEY_LEN);
	ck_assert(api_key_shape(k1));
	ck_assert_int_eq(strncmp(k1, API_KEY_PREFIX, 4), 0);
	ck_assert_str_ne(k1, k2);
	ck_assert_int_gt(id2, id1);
	/* Only the hash is stored, never the key. */
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM api_keys WHERE "
	    "LENGTH(key_hash) = 32", 0), 2);

	ck_assert_int_eq(db_apikey_list(db, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	/* Newest first. */
	ck_assert_int_eq(v[0].id, id2);
	ck_assert_str_eq(v[0].name, "shop two");
	ck_assert_int_eq(v[0].rate, 30);
	ck_assert_uint_eq(strlen(v[0].prefix), API_KEY_SHOWN);
	ck_assert_int_eq(strncmp(v[0].prefix, k2, API_KEY_SHOWN), 0);
	ck_assert_int_eq(v[0].revoked, 0);
	ck_assert_int_eq(v[0].calls_24h, 0);
	ck_assert_int_eq(v[1].id, id1);
	ck_assert_str_eq(v[1].name, "shop one");
	ck_assert_int_eq(v[1].rate, -1);		/* the default */
	ck_assert_int_gt(v[1].created, 0);
	free(v);
}
END_TEST

static const struct {
	const char	*name;
	long		 rate;
} bad_create[] = {
	{ "", -1 },
	{ "12345", -1 },		/* only digits: an id */
	{ " lead", -1 },
	{ "tab\there", -1 },
	{ "ok", -2 },
	{ "ok", 1000001 },
};

START_TEST(test_create_bad)
{
	char		key[API_KEY_LEN + 1] = "x";
	long long	id = 7;

	ck_assert_int_eq(apikey_create(db, bad_create[_i].name,
	    bad_create[_i].rate, key, &id), FF_EINPUT);
	ck_assert_str_eq(key, "");
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM api_keys", 0), 0);
}
END_TEST

/* A name names one active key; once revoked, it can have a new one. */
START_TEST(test_name_once)
{
	char	key[API_KEY_LEN + 1];
	int	n;

	ck_assert_int_eq(apikey_create(db, "partner", -1, key, NULL), FF_OK);
	ck_assert_int_eq(apikey_create(db, "partner", -1, key, NULL),
	    FF_EINPUT);
	ck_assert_str_eq(key, "");
	ck_assert_int_eq(apikey_revoke(db, "partner", &n), FF_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(apikey_create(db, "partner", 0, key, NULL), FF_OK);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM api_keys WHERE "
	    "name = 'partner'", 0), 2);
}
END_TEST

START_TEST(test_check_revoke)
{
	char		 key[API_KEY_LEN + 1], other[API_KEY_LEN + 1], s[24];
	long long	 id, got;
	long		 rate;
	int		 revoked, n;

	ck_assert_int_eq(apikey_create(db, "app", 45, key, &id), FF_OK);
	ck_assert_int_eq(apikey_check(db, key, &got, &rate, &revoked), FF_OK);
	ck_assert_int_eq(got, id);
	ck_assert_int_eq(rate, 45);
	ck_assert_int_eq(revoked, 0);

	/* A key of the right shape that was never made. */
	snprintf(other, sizeof(other), "%s", key);
	other[API_KEY_LEN - 1] = other[API_KEY_LEN - 1] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(apikey_check(db, other, &got, &rate, &revoked),
	    FF_EAUTH);
	ck_assert_int_eq(got, 0);
	ck_assert_int_eq(revoked, 0);
	/* Not a key at all. */
	ck_assert_int_eq(apikey_check(db, "ffk_short", &got, &rate, NULL),
	    FF_EAUTH);

	/* Revoked by id: refused at once, and said to be revoked. */
	snprintf(s, sizeof(s), "%lld", id);
	ck_assert_int_eq(apikey_revoke(db, s, &n), FF_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(apikey_check(db, key, &got, &rate, &revoked),
	    FF_EAUTH);
	ck_assert_int_eq(got, 0);
	ck_assert_int_eq(revoked, 1);
	ck_assert_int_eq(apikey_revoke(db, s, &n), FF_ENOTFOUND);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(apikey_revoke(db, "app", &n), FF_ENOTFOUND);
	ck_assert_int_eq(apikey_revoke(db, "99999999999999999999", &n),
	    FF_ENOTFOUND);
	ck_assert_int_eq(apikey_revoke(db, "", &n), FF_EINPUT);
	ck_assert_int_eq(apikey_revoke(db, NULL, NULL), FF_EINPUT);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM api_keys WHERE "
	    "revoked IS NOT NULL", 0), 1);
}
END_TEST

/* The count of a window is exact; a new window drops the older ones. */
START_TEST(test_rate_windows)
{
	char		key[API_KEY_LEN + 1];
	long long	id, id2, n;

	ck_assert_int_eq(apikey_create(db, "a", -1, key, &id), FF_OK);
	ck_assert_int_eq(apikey_create(db, "b", -1, key, &id2), FF_OK);
	ck_assert_int_eq(apikey_rate_hit(db, id, 1000, &n), FF_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(apikey_rate_hit(db, id, 1000, &n), FF_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(apikey_rate_hit(db, id, 1000, &n), FF_OK);
	ck_assert_int_eq(n, 3);
	/* Another key counts on its own. */
	ck_assert_int_eq(apikey_rate_hit(db, id2, 1000, &n), FF_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(apikey_rate_hit(db, id, 1001, &n), FF_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM api_rate WHERE "
	    "api_key_id = ?", id), 1);
	ck_assert_int_eq(dbtest_int(db, "SELECT n FROM api_rate WHERE "
	    "api_key_id = ?", id2), 1);
	ck_assert_int_eq(apikey_rate_hit(db, id, 1001, &n), FF_OK);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* Calls count per key in the rollups and live counters; refusals are
 * counted but are not calls. */
START_TEST(test_count)
{
	struct apikey_row	*v;
	char			 key[API_KEY_LEN + 1];
	long long		 id, frame;
	size_t			 n;

	frame = dbtest_int(db, "SELECT MIN(id) FROM frames", 0);
	ck_assert_int_eq(apikey_create(db, "counted", -1, key, &id), FF_OK);
	apikey_count(db, id, METRIC_API_DETECT, 0);
	apikey_count(db, id, METRIC_API_DETECT, 0);
	apikey_count(db, id, METRIC_API_TRYON, frame);
	apikey_count(db, id, METRIC_API_LIMITED, 0);
	ck_assert_int_eq(dbtest_int(db, "SELECT SUM(n) FROM hourly_rollups "
	    "WHERE api_key_id = ?", id), 4);
	ck_assert_int_eq(dbtest_int(db, "SELECT n FROM hourly_rollups WHERE "
	    "metric = 'api_detect' AND api_key_id = ?", id), 2);
	ck_assert_int_eq(dbtest_int(db, "SELECT frame_id FROM hourly_rollups "
	    "WHERE metric = 'api_tryon' AND api_key_id = ?", id), frame);
	ck_assert_int_eq(dbtest_int(db, "SELECT SUM(n) FROM live_counters "
	    "WHERE api_key_id = ?", id), 4);
	ck_assert_int_eq(db_apikey_list(db, &v, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].calls_24h, 3);
	free(v);
}
END_TEST

static Suite *
apikey_suite(void)
{
	Suite	*s = suite_create("apikey");
	TCase	*tc;

	tc = tcase_create("apikey");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_list);
	tcase_add_loop_test(tc, test_create_bad, 0,
	    sizeof(bad_create) / sizeof(bad_create[0]));
	tcase_add_test(tc, test_name_once);
	tcase_add_test(tc, test_check_revoke);
	tcase_add_test(tc, test_rate_windows);
	tcase_add_test(tc, test_count);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dbtest_run("framefit_apikey_test", apikey_suite());
}
