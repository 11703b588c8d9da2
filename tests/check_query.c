/*
 * check_query.c: table-driven tests of query strings, urlencoded bodies,
 * Cookie headers and url_encode().
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/query.h"

#define L(s)	(s), sizeof(s) - 1
#define MAXKV	6

struct pair {
	const char	*key;
	const char	*val;
};

/* A row: input, limits (zeros: defaults), and the outcome. */
struct row {
	const char	*in;
	size_t		 len;
	struct kv_limits lim;
	enum ff_err	 er;
	const char	*msg;		/* substring of kv_errmsg(), if er */
	size_t		 n;
	struct pair	 want[MAXKV];
};

static const struct row queries[] = {
	{ L(""), {0}, FF_OK, NULL, 0, { { NULL, NULL } } },
	{ L("a=1&b=2"), {0}, FF_OK, NULL, 2, { { "a", "1" }, { "b", "2" } } },
	{ L("q=red+frames&x=%41%62%2b"), {0}, FF_OK, NULL,
	    2, { { "q", "red frames" }, { "x", "Ab+" } } },
	{ L("&&a=1&&&b&c="), {0}, FF_OK, NULL,
	    3, { { "a", "1" }, { "b", "" }, { "c", "" } } },
	{ L("a=b=c&=v"), {0}, FF_OK, NULL,
	    2, { { "a", "b=c" }, { "", "v" } } },
	{ L("k%20ey=%e2%82%AC&k%20ey=2"), {0}, FF_OK, NULL,
	    2, { { "k ey", "\xe2\x82\xac" }, { "k ey", "2" } } },
	{ L("a=%0D%0Aline"), {0}, FF_OK, NULL,
	    1, { { "a", "\r\nline" } } },
	{ L("a=1&b=2&c=3"), { .max_pairs = 3 }, FF_OK, NULL,
	    3, { { "a", "1" }, { "b", "2" }, { "c", "3" } } },
	{ L("abcd=%41%42%43"), { .max_key = 4, .max_val = 3 }, FF_OK, NULL,
	    1, { { "abcd", "ABC" } } },
	/* Errors. */
	{ L("a=%zz"), {0}, FF_EINPUT, "parameter 1 has a malformed", 0,
	    { { NULL, NULL } } },
	{ L("a=1&b=%4"), {0}, FF_EINPUT, "parameter 2 has a malformed", 0,
	    { { NULL, NULL } } },
	{ L("a=1&b=%"), {0}, FF_EINPUT, "malformed %-escape", 0,
	    { { NULL, NULL } } },
	{ L("a%g1=1"), {0}, FF_EINPUT, "malformed", 0, { { NULL, NULL } } },
	{ L("a=x%00y"), {0}, FF_EINPUT, "NUL byte", 0, { { NULL, NULL } } },
	{ L("a=x\0y"), {0}, FF_EINPUT, "NUL byte", 0, { { NULL, NULL } } },
	{ L("a=1&b=2&c=3&d=4"), { .max_pairs = 3 }, FF_EINPUT,
	    "more than 3 parameters", 0, { { NULL, NULL } } },
	{ L("abcde=1"), { .max_key = 4 }, FF_EINPUT,
	    "parameter 1 has a name longer than 4 bytes", 0,
	    { { NULL, NULL } } },
	{ L("a=%41%42%43%44"), { .max_val = 3 }, FF_EINPUT,
	    "parameter 1 has a value longer than 3 bytes", 0,
	    { { NULL, NULL } } },
};

static void
check_list(const struct kv_list *l, const struct row *r)
{
	size_t i, j;

	ck_assert_msg(l->n == r->n, "%s: %zu pairs, want %zu", r->in, l->n,
	    r->n);
	for (i = 0; i < r->n; i++) {
		ck_assert_str_eq(l->v[i].key, r->want[i].key);
		ck_assert_str_eq(l->v[i].val, r->want[i].val);
		/* kv_get gives the first pair of that key. */
		for (j = 0; strcmp(r->want[j].key, r->want[i].key) != 0; j++)
			continue;
		ck_assert_pstr_eq(kv_get(l, r->want[i].key), r->want[j].val);
	}
}

START_TEST(test_query)
{
	const struct row *r = &queries[_i];
	struct kv_list l;
	enum ff_err er;

	kv_init(&l);
	/* A pair from an earlier call survives a failed one. */
	ck_assert_int_eq(kv_parse_query(&l, L("pre=0"), NULL), FF_OK);
	er = kv_parse_query(&l, r->in, r->len, &r->lim);
	ck_assert_msg(er == r->er, "%s: got %s (%s)", r->in, ff_strerror(er),
	    kv_errmsg(&l));
	ck_assert_str_eq(kv_get(&l, "pre"), "0");
	ck_assert_str_eq(l.v[0].key, "pre");
	if (er != FF_OK) {
		ck_assert_uint_eq(l.n, 1);
		ck_assert_msg(strstr(kv_errmsg(&l), r->msg) != NULL,
		    "%s: message \"%s\" lacks \"%s\"", r->in, kv_errmsg(&l),
		    r->msg);
	} else {
		struct kv_list only = { .v = l.v + 1, .n = l.n - 1 };

		ck_assert_str_eq(kv_errmsg(&l), "");
		check_list(&only, r);
	}
	kv_free(&l);
	ck_assert_ptr_null(l.v);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

/* The query parser reads exactly len bytes, not up to a NUL. */
START_TEST(test_query_len)
{
	struct kv_list l;

	kv_init(&l);
	ck_assert_int_eq(kv_parse_query(&l, "a=12&b=3", 3, NULL), FF_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(kv_get(&l, "a"), "1");
	ck_assert_ptr_null(kv_get(&l, "b"));
	ck_assert_int_eq(kv_parse_query(&l, NULL, 0, NULL), FF_OK);
	/* An escape cut off by len is malformed even if the string goes on. */
	ck_assert_int_eq(kv_parse_query(&l, "b=%41", 4, NULL), FF_EINPUT);
	ck_assert_int_eq(kv_parse_query(&l, "b=%41", 5, NULL), FF_OK);
	ck_assert_str_eq(kv_get(&l, "b"), "A");
	ck_assert_uint_eq(l.n, 2);
	kv_free(&l);
}
END_TEST

static const struct row cookies[] = {
	{ L("sid=abc123"), {0}, FF_OK, NULL, 1, { { "sid", "abc123" } } },
	{ L("a=b; c=d"), {0}, FF_OK, NULL, 2, { { "a", "b" }, { "c", "d" } } },
	{ L(" a = b ;c=\"quoted v\";  ; e=;noeq; =x"), {0}, FF_OK, NULL,
	    3, { { "a", "b" }, { "c", "quoted v" }, { "e", "" } } },
	{ L("t=a%20b+c==; t=2"), {0}, FF_OK, NULL,
	    2, { { "t", "a%20b+c==" }, { "t", "2" } } },
	{ L("q=\""), {0}, FF_OK, NULL, 1, { { "q", "\"" } } },
	{ L(""), {0}, FF_OK, NULL, 0, { { NULL, NULL } } },
	{ L("a=1; b=2; c=3"), { .max_pairs = 2 }, FF_EINPUT,
	    "more than 2 cookies", 0, { { NULL, NULL } } },
	{ L("a=1; long=2"), { .max_key = 3 }, FF_EINPUT,
	    "cookie 2 has a name longer than 3 bytes", 0, { { NULL, NULL } } },
	{ L("a=\"1234\""), { .max_val = 3 }, FF_EINPUT,
	    "cookie 1 has a value longer than 3 bytes", 0, { { NULL, NULL } } },
};

START_TEST(test_cookie)
{
	const struct row *r = &cookies[_i];
	struct kv_list l;
	enum ff_err er;

	kv_init(&l);
	er = kv_parse_cookie(&l, r->in, &r->lim);
	ck_assert_msg(er == r->er, "%s: got %s (%s)", r->in, ff_strerror(er),
	    kv_errmsg(&l));
	if (er != FF_OK) {
		ck_assert_uint_eq(l.n, 0);
		ck_assert_msg(strstr(kv_errmsg(&l), r->msg) != NULL,
		    "%s: message \"%s\" lacks \"%s\"", r->in, kv_errmsg(&l),
		    r->msg);
	} else
		check_list(&l, r);
	kv_free(&l);
	ck_assert_int_eq(kv_parse_cookie(&l, NULL, NULL), FF_OK);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

static const struct {
	const char	*in;
	const char	*out;
} encodes[] = {
	{ "", "" },
	{ "AZaz09-._~", "AZaz09-._~" },
	{ "a b&c=d", "a%20b%26c%3Dd" },
	{ "/?#[]@!$'()*+,;%\"", "%2F%3F%23%5B%5D%40%21%24%27%28%29%2A%2B%2C%3B%25%22" },
	{ "\xe2\x82\xac\x01\x7f\xff", "%E2%82%AC%01%7F%FF" },
	{ "<script>", "%3Cscript%3E" },
};

START_TEST(test_encode)
{
	struct buf b;
	struct kv_list l;

	buf_init(&b);
	buf_puts(&b, "x=");
	url_encode(&b, encodes[_i].in);
	ck_assert_str_eq(b.ptr + 2, encodes[_i].out);
	/* And back: the query parser decodes what we encoded. */
	kv_init(&l);
	ck_assert_int_eq(kv_parse_query(&l, b.ptr, b.len, NULL), FF_OK);
	ck_assert_str_eq(kv_get(&l, "x"), encodes[_i].in);
	kv_free(&l);
	buf_free(&b);
}
END_TEST

#define NROWS(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_query, 0, NROWS(queries));
	tcase_add_test(tc, test_query_len);
	tcase_add_loop_test(tc, test_cookie, 0, NROWS(cookies));
	tcase_add_loop_test(tc, test_encode, 0, NROWS(encodes));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(query_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
