/*
 * check_route.c: the route table matcher, table-driven.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"

enum { R_INDEX, R_TRYON, R_RESULT, R_RENDER, R_DELETE, R_THUMB, R_ADMIN,
    R_GO };

static const struct route tab[] = {
	{ ROUTE_GET, "/", R_INDEX },
	{ ROUTE_POST, "/tryon", R_TRYON },
	{ ROUTE_GET, "/t/{token}", R_RESULT },
	{ ROUTE_GET, "/t/{token}/{sku}.jpg", R_RENDER },
	{ ROUTE_POST, "/t/{token}/delete", R_DELETE },
	{ ROUTE_GET, "/thumb/{sku}.png", R_THUMB },
	{ ROUTE_GET, "/admin/", R_ADMIN },
	{ ROUTE_GET, "/go/{sku}", R_GO },
};

static const struct {
	const char	*method;
	const char	*path;
	enum ff_err	 er;
	int		 id;		/* when FF_OK */
	const char	*p1, *v1;	/* a capture to check, or NULL */
	const char	*p2, *v2;
	unsigned	 allow;		/* when FF_EMETHOD */
} cases[] = {
	{ "GET", "/", FF_OK, R_INDEX, NULL, NULL, NULL, NULL, 0 },
	{ "HEAD", "/", FF_OK, R_INDEX, NULL, NULL, NULL, NULL, 0 },
	{ "POST", "/", FF_EMETHOD, 0, NULL, NULL, NULL, NULL, ROUTE_GET },
	{ "POST", "/tryon", FF_OK, R_TRYON, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/tryon", FF_EMETHOD, 0, NULL, NULL, NULL, NULL, ROUTE_POST },
	{ "PUT", "/tryon", FF_EMETHOD, 0, NULL, NULL, NULL, NULL, ROUTE_POST },
	{ "GET", "/tryon/", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/abc_DEF-123", FF_OK, R_RESULT, "token", "abc_DEF-123",
	    NULL, NULL, 0 },
	{ "GET", "/t/", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/a%2Fb", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/a.b", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/tok/FF-RND-1.jpg", FF_OK, R_RENDER, "token", "tok",
	    "sku", "FF-RND-1", 0 },
	{ "GET", "/t/tok/.jpg", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/tok/x.jpeg", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/tok/x.png", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/tok/x.jpg/", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "POST", "/t/tok/delete", FF_OK, R_DELETE, "token", "tok", NULL,
	    NULL, 0 },
	/* "delete" is not a {sku}.jpg, so only the POST row matches. */
	{ "GET", "/t/tok/delete", FF_EMETHOD, 0, NULL, NULL, NULL, NULL,
	    ROUTE_POST },
	{ "GET", "/thumb/FF-AVI-5814-GLD.png", FF_OK, R_THUMB, "sku",
	    "FF-AVI-5814-GLD", NULL, NULL, 0 },
	{ "GET", "/thumb/../x.png", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL,
	    0 },
	{ "GET", "/admin/", FF_OK, R_ADMIN, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/admin", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/go/SKU1", FF_OK, R_GO, "sku", "SKU1", NULL, NULL, 0 },
	{ "GET", "//", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "relative", FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "get", "/", FF_EMETHOD, 0, NULL, NULL, NULL, NULL, ROUTE_GET },
	/* 65 characters: one over ROUTE_PARAM_MAX. */
	{ "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    FF_ENOTFOUND, 0, NULL, NULL, NULL, NULL, 0 },
	{ "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    FF_OK, R_RESULT, "token",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    NULL, NULL, 0 },
};

START_TEST(test_route_table)
{
	const struct route	*r = NULL;
	struct route_params	 p;
	unsigned		 allow = 12345;
	enum ff_err		 er;

	er = route_find(tab, sizeof(tab) / sizeof(tab[0]), cases[_i].method,
	    cases[_i].path, &r, &p, &allow);
	ck_assert_msg(er == cases[_i].er, "row %d %s %s: got error %d, want %d",
	    _i, cases[_i].method, cases[_i].path, er, cases[_i].er);
	if (er == FF_OK) {
		ck_assert_int_eq(r->id, cases[_i].id);
		if (cases[_i].p1 != NULL)
			ck_assert_str_eq(route_param(&p, cases[_i].p1),
			    cases[_i].v1);
		if (cases[_i].p2 != NULL)
			ck_assert_str_eq(route_param(&p, cases[_i].p2),
			    cases[_i].v2);
		ck_assert_ptr_null(route_param(&p, "nope"));
	}
	if (er == FF_EMETHOD)
		ck_assert_uint_eq(allow, cases[_i].allow);
	else
		ck_assert_uint_eq(allow, 0);
}
END_TEST

START_TEST(test_route_allow)
{
	ck_assert_str_eq(route_allow(ROUTE_GET), "GET, HEAD");
	ck_assert_str_eq(route_allow(ROUTE_POST), "POST");
	ck_assert_str_eq(route_allow(ROUTE_GET | ROUTE_POST), "GET, HEAD, POST");
	ck_assert_uint_eq(route_method("POST"), ROUTE_POST);
	ck_assert_uint_eq(route_method("DELETE"), 0);
	ck_assert_uint_eq(route_method(NULL), 0);
}
END_TEST

START_TEST(test_route_bad_pattern)
{
	static const struct route bad[] = {
		{ ROUTE_GET, "/x/{", 1 },
		{ ROUTE_GET, "/x/{}", 2 },
		{ ROUTE_GET, "nolead", 3 },
		{ ROUTE_GET, "/{a}/{b}/{c}/{d}/{e}", 4 },
	};
	const struct route	*r;
	struct route_params	 p;

	ck_assert_int_eq(route_find(bad, 4, "GET", "/x/{", &r, &p, NULL),
	    FF_ENOTFOUND);
	ck_assert_int_eq(route_find(bad, 4, "GET", "/x/a", &r, &p, NULL),
	    FF_ENOTFOUND);
	ck_assert_int_eq(route_find(bad, 4, "GET", "nolead", &r, &p, NULL),
	    FF_ENOTFOUND);
	/* Five captures are one more than ROUTE_MAX_PARAMS. */
	ck_assert_int_eq(route_find(bad, 4, "GET", "/a/b/c/d/e", &r, &p, NULL),
	    FF_ENOTFOUND);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, test_route_table, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_route_allow);
	tcase_add_test(tc, test_route_bad_pattern);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
