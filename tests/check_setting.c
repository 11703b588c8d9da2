/*
 * check_setting.c: settings from the environment (core/setting.h): the
 * switches (FF_NEWSLETTER), the origins of FF_EMBED_ORIGINS, and the
 * return URLs app/embed.h accepts on them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "app/embed.h"
#include "core/setting.h"
#include "render/frame.h"

/* One origin at the start of a string: what is read, and what is left. */
static const struct {
	const char	*in;
	const char	*origin;	/* NULL: not an origin */
	const char	*rest;
} origin_cases[] = {
	{ "https://shop.example", "https://shop.example", "" },
	{ "HTTPS://Shop.Example", "https://shop.example", "" },
	{ "http://localhost:8081/p/1?x=2", "http://localhost:8081", "/p/1?x=2" },
	{ "https://shop.example:443/", "https://shop.example", "/" },
	{ "http://shop.example:80", "http://shop.example", "" },
	{ "http://shop.example:0080", "http://shop.example", "" },
	{ "https://shop.example:80", "https://shop.example:80", "" },
	{ "http://127.0.0.1:9", "http://127.0.0.1:9", "" },
	{ "http://[::1]:8080#a", "http://[::1]:8080", "#a" },
	{ "https://xn--bcher-kva.example", "https://xn--bcher-kva.example", "" },
	{ "https://shop.example@evil.example", "https://shop.example", "@evil.example" },
	{ "ftp://shop.example", NULL, NULL },
	{ "//shop.example", NULL, NULL },
	{ "https://", NULL, NULL },
	{ "https://.shop.example", NULL, NULL },
	{ "https://shop..example", NULL, NULL },
	{ "https://shop.example.", NULL, NULL },
	{ "https://-shop.example", NULL, NULL },
	{ "https://shop.example:", NULL, NULL },
	{ "https://shop.example:0", NULL, NULL },
	{ "https://shop.example:65536", NULL, NULL },
	{ "https://shop.example:123456", NULL, NULL },
	{ "https://[]", NULL, NULL },
	{ "javascript:alert(1)", NULL, NULL },
	{ "https:\\\\evil.example", NULL, NULL },
};

START_TEST(test_origin)
{
	char		 o[SETTING_ORIGIN_MAX + 1];
	const char	*rest = NULL;
	int		 got = setting_origin(origin_cases[_i].in, o, &rest);

	if (origin_cases[_i].origin == NULL) {
		ck_assert_msg(!got, "%s read as %s", origin_cases[_i].in, o);
		return;
	}
	ck_assert_msg(got, "%s refused", origin_cases[_i].in);
	ck_assert_str_eq(o, origin_cases[_i].origin);
	ck_assert_str_eq(rest, origin_cases[_i].rest);
}
END_TEST

/* A whole FF_EMBED_ORIGINS: the list kept, or refused. */
static const struct {
	const char	*env;		/* NULL: unset */
	const char	*list;		/* NULL: FF_ECONFIG */
} list_cases[] = {
	{ NULL, "" },
	{ "", "" },
	{ "   ", "" },
	{ "https://shop.example", "https://shop.example" },
	{ " https://shop.example\thttps://WWW.shop.example:443  ",
	  "https://shop.example https://www.shop.example" },
	{ "http://localhost:8081 http://127.0.0.1:8081",
	  "http://localhost:8081 http://127.0.0.1:8081" },
	{ "https://shop.example/", NULL },
	{ "https://shop.example/p", NULL },
	{ "https://shop.example,https://b.example", NULL },
	{ "https://shop.example *", NULL },
	{ "'self'", NULL },
	{ "https://shop.example;script-src", NULL },
	{ "https://a.example\nX: y", NULL },
};

START_TEST(test_origins)
{
	char		 out[256];
	enum ff_err	 er;

	if (list_cases[_i].env == NULL)
		unsetenv("FF_TEST_ORIGINS");
	else
		setenv("FF_TEST_ORIGINS", list_cases[_i].env, 1);
	er = setting_origins("FF_TEST_ORIGINS", out, sizeof(out));
	if (list_cases[_i].list == NULL)
		ck_assert_msg(er == FF_ECONFIG, "\"%s\" taken as \"%s\"",
		    list_cases[_i].env, out);
	else {
		ck_assert_int_eq(er, FF_OK);
		ck_assert_str_eq(out, list_cases[_i].list);
	}
}
END_TEST

START_TEST(test_origins_too_long)
{
	char	 out[64];

	/* 35 bytes and the NUL. */
	setenv("FF_TEST_ORIGINS", "https://a.example https://b.example", 1);
	ck_assert_int_eq(setting_origins("FF_TEST_ORIGINS", out, 35),
	    FF_ECONFIG);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(setting_origins("FF_TEST_ORIGINS", out, 36), FF_OK);
	ck_assert_str_eq(out, "https://a.example https://b.example");
	/* A bad entry after a good one leaves nothing behind. */
	setenv("FF_TEST_ORIGINS", "https://a.example https://b.example/", 1);
	ck_assert_int_eq(setting_origins("FF_TEST_ORIGINS", out, sizeof(out)),
	    FF_ECONFIG);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Return URLs with FF_EMBED_ORIGINS="https://shop.example" and one frame
 * whose shop link is on https://www.optician.example. */
static const struct {
	const char	*url;
	int		 ok;
} return_cases[] = {
	{ "https://shop.example/p/round-1", 1 },
	{ "https://SHOP.example:443/p?a=1&b=2#top", 1 },
	{ "https://shop.example", 1 },
	{ "https://www.optician.example/frames/ff-1", 1 },
	{ "http://shop.example/p", 0 },		/* another scheme */
	{ "https://shop.example:8443/p", 0 },	/* another port */
	{ "https://shop.example.evil.example/p", 0 },
	{ "https://evil.example/?https://shop.example", 0 },
	{ "https://shop.example@evil.example/", 0 },
	{ "https://shop.example\\@evil.example/", 0 },
	{ "https://shop.example/p\\..\\x", 0 },
	{ "https://shop.example/a b", 0 },
	{ "https://shop.example/\"><script>", 0 },
	{ "//shop.example/p", 0 },
	{ "/p/round-1", 0 },
	{ "javascript:alert(1)", 0 },
	{ "data:text/html,x", 0 },
	{ "", 0 },
};

START_TEST(test_return)
{
	struct frame	 f;

	memset(&f, 0, sizeof(f));
	strcpy(f.product_url, "https://www.optician.example/frames/ff-1");
	setenv("FF_EMBED_ORIGINS", "https://shop.example", 1);
	ck_assert_int_eq(embed_init(), FF_OK);
	ck_assert_str_eq(embed_ancestors(), "https://shop.example");
	ck_assert_msg(embed_return_ok(return_cases[_i].url, &f, 1) ==
	    return_cases[_i].ok, "%s", return_cases[_i].url);
	/* Without the frame, its shop's origin is no longer the shop's. */
	if (strstr(return_cases[_i].url, "optician") != NULL)
		ck_assert_int_eq(embed_return_ok(return_cases[_i].url, NULL, 0), 0);
}
END_TEST

START_TEST(test_no_origins)
{
	unsetenv("FF_EMBED_ORIGINS");
	ck_assert_int_eq(embed_init(), FF_OK);
	ck_assert_ptr_null(embed_ancestors());
	ck_assert_int_eq(embed_return_ok("https://shop.example/p", NULL, 0), 0);
	setenv("FF_EMBED_ORIGINS", "https://shop.example/", 1);
	ck_assert_int_eq(embed_init(), FF_ECONFIG);
	ck_assert_ptr_null(embed_ancestors());
}
END_TEST

/* A switch (FF_NEWSLETTER): the words taken, and a default for the
 * rest, so a typo never turns a feature on. */
static const struct {
	const char	*in;		/* NULL: unset */
	int		 def;
	int		 want;
} flag_cases[] = {
	{ NULL, 0, 0 }, { NULL, 1, 1 }, { "", 0, 0 }, { "", 1, 1 },
	{ "1", 0, 1 }, { "on", 0, 1 }, { "YES", 0, 1 }, { "True", 0, 1 },
	{ "0", 1, 0 }, { "off", 1, 0 }, { "No", 1, 0 }, { "FALSE", 1, 0 },
	{ "2", 0, 0 }, { "onn", 0, 0 }, { " 1", 0, 0 }, { "1 ", 0, 0 },
	{ "enabled", 0, 0 }, { "-1", 1, 1 },
};

START_TEST(test_flag)
{
	if (flag_cases[_i].in == NULL)
		unsetenv("FF_TEST_FLAG");
	else
		setenv("FF_TEST_FLAG", flag_cases[_i].in, 1);
	ck_assert_msg(setting_flag("FF_TEST_FLAG", flag_cases[_i].def) ==
	    flag_cases[_i].want, "\"%s\" (default %d): want %d",
	    flag_cases[_i].in != NULL ? flag_cases[_i].in : "(unset)",
	    flag_cases[_i].def, flag_cases[_i].want);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("setting");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_loop_test(tc, test_origin, 0,
	    sizeof(origin_cases) / sizeof(origin_cases[0]));
	tcase_add_loop_test(tc, test_origins, 0,
	    sizeof(list_cases) / sizeof(list_cases[0]));
	tcase_add_test(tc, test_origins_too_long);
	tcase_add_loop_test(tc, test_return, 0,
	    sizeof(return_cases) / sizeof(return_cases[0]));
	tcase_add_test(tc, test_no_origins);
	tcase_add_loop_test(tc, test_flag, 0,
	    sizeof(flag_cases) / sizeof(flag_cases[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
