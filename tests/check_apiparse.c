/*
 * check_apiparse.c: the API's pure input handling (src/app/apiparse.c),
 * as tables of {input, expected}.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/apiparse.h"
#include "http/query.h"

#define KEY "ffk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"

static const struct {
	const char	*in;
	enum ff_err	 er;
	const char	*tok;
} bearer[] = {
	{ NULL, FF_EAUTH, "" },
	{ "", FF_EAUTH, "" },
	{ "Bearer " KEY, FF_OK, KEY },
	{ "bearer " KEY, FF_OK, KEY },		/* scheme is case-insensitive */
	{ "BEARER\t" KEY, FF_OK, KEY },
	{ "Bearer    " KEY "  ", FF_OK, KEY },
	{ "Bearer abc.def~+/==", FF_OK, "abc.def~+/==" },
	{ "Bearer", FF_EAUTH, "" },
	{ "Bearer ", FF_EAUTH, "" },
	{ "Bearer ==", FF_EAUTH, "" },		/* padding alone */
	{ "Bearer a=b", FF_EAUTH, "" },		/* '=' only at the end */
	{ "Bearer a b", FF_EAUTH, "" },
	{ "Bearer a,b", FF_EAUTH, "" },
	{ "Bearer \"abc\"", FF_EAUTH, "" },
	{ "BearerX abc", FF_EAUTH, "" },
	{ "Basic YWRtaW46cHc=", FF_EAUTH, "" },
	{ "Bearer a\xc3\xa9", FF_EAUTH, "" },
	{ " Bearer abc", FF_EAUTH, "" },
};

START_TEST(t_bearer)
{
	char tok[API_TOKEN_MAX + 1];
	const char *why = NULL;
	enum ff_err er;

	er = api_bearer(bearer[_i].in, tok, &why);
	ck_assert_msg(er == bearer[_i].er, "row %d \"%s\": got %d, want %d",
	    _i, bearer[_i].in ? bearer[_i].in : "(null)", er, bearer[_i].er);
	ck_assert_str_eq(tok, bearer[_i].tok);
	if (er != FF_OK)
		ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(t_bearer_long)
{
	char in[API_TOKEN_MAX + 16], tok[API_TOKEN_MAX + 1];

	/* Exactly API_TOKEN_MAX characters pass, one more does not. */
	memcpy(in, "Bearer ", 7);
	memset(in + 7, 'a', API_TOKEN_MAX);
	in[7 + API_TOKEN_MAX] = '\0';
	ck_assert_int_eq(api_bearer(in, tok, NULL), FF_OK);
	ck_assert_uint_eq(strlen(tok), API_TOKEN_MAX);
	in[7 + API_TOKEN_MAX] = 'a';
	in[8 + API_TOKEN_MAX] = '\0';
	ck_assert_int_eq(api_bearer(in, tok, NULL), FF_EAUTH);
	ck_assert_str_eq(tok, "");
	/* Padding counts towards the limit too. */
	in[7 + API_TOKEN_MAX] = '=';
	ck_assert_int_eq(api_bearer(in, tok, NULL), FF_EAUTH);
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
} shapes[] = {
	{ KEY, 1 },
	{ "ffk_ABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123", 1 },
	{ "ffk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcde", 0 },	/* 31 */
	{ KEY "f", 0 },					/* 33 */
	{ "ffx_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", 0 },
	{ "ffk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd+f", 0 },
	{ "ffk_", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

START_TEST(t_shape)
{
	ck_assert_msg(api_key_shape(shapes[_i].in) == shapes[_i].ok,
	    "row %d", _i);
}
END_TEST

START_TEST(t_format)
{
	unsigned char raw[24];
	char key[API_KEY_LEN + 1];
	int i;

	for (i = 0; i < 24; i++)
		raw[i] = (unsigned char)(i * 37 + 5);
	api_key_format(raw, key);
	ck_assert_uint_eq(strlen(key), API_KEY_LEN);
	ck_assert(api_key_shape(key));
	/* RFC 4648 §5 of 05 2a 4f ...: the first 3 bytes are "BSpP". */
	ck_assert_int_eq(strncmp(key, "ffk_BSpP", 8), 0);
	memset(raw, 0xff, sizeof(raw));
	api_key_format(raw, key);
	ck_assert_str_eq(key, "ffk_________________________________");
}
END_TEST

static const struct {
	const char	*in;
	enum api_body	 kind;
} bodies[] = {
	{ NULL, API_BODY_NONE },
	{ "", API_BODY_NONE },
	{ "multipart/form-data; boundary=x", API_BODY_MULTIPART },
	{ "Multipart/Form-Data;boundary=x", API_BODY_MULTIPART },
	{ "image/jpeg", API_BODY_IMAGE },
	{ "IMAGE/PNG", API_BODY_IMAGE },
	{ "image/webp; q=1", API_BODY_IMAGE },
	{ " image/gif ", API_BODY_IMAGE },
	{ "image/", API_BODY_OTHER },
	{ "image", API_BODY_OTHER },
	{ "imagex/png", API_BODY_OTHER },
	{ "application/octet-stream", API_BODY_OTHER },
	{ "application/x-www-form-urlencoded", API_BODY_OTHER },
	{ "multipart/form-datax", API_BODY_OTHER },
	{ "multipart/mixed; boundary=x", API_BODY_OTHER },
	{ "text/plain", API_BODY_OTHER },
};

START_TEST(t_body)
{
	ck_assert_msg(api_body_kind(bodies[_i].in) == bodies[_i].kind,
	    "row %d \"%s\": got %d, want %d", _i,
	    bodies[_i].in ? bodies[_i].in : "(null)",
	    api_body_kind(bodies[_i].in), bodies[_i].kind);
}
END_TEST

static const struct {
	const char	*query;
	enum ff_err	 er;
	const char	*sku;
	double		 pd;
} targs[] = {
	{ "frame=FF-RND-4721-TOR", FF_OK, "FF-RND-4721-TOR", 0 },
	{ "frame=A&pd_mm=61.5", FF_OK, "A", 61.5 },
	{ "frame=A&pd_mm=61.54", FF_OK, "A", 61.5 },
	{ "frame=A&pd_mm=50", FF_OK, "A", 50 },
	{ "frame=A&pd_mm=80", FF_OK, "A", 80 },
	{ "frame=A&pd_mm=", FF_OK, "A", 0 },
	{ "frame=A&pd_mm=49.9", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=80.1", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=abc", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=6e1", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=0x3f", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=%2061", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=inf", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=nan", FF_EINPUT, "", 0 },
	{ "frame=A&pd_mm=-60", FF_EINPUT, "", 0 },
	{ "", FF_EINPUT, "", 0 },
	{ "frame=", FF_EINPUT, "", 0 },
	{ "pd_mm=60", FF_EINPUT, "", 0 },
	{ "frame=a_b", FF_EINPUT, "", 0 },
	{ "frame=a%20b", FF_EINPUT, "", 0 },
	{ "frame=../x", FF_EINPUT, "", 0 },
	{ "frame=ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", FF_OK,
	  "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 0 },
	{ "frame=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", FF_EINPUT, "", 0 },
	{ "frame=B&frame=C", FF_OK, "B", 0 },	/* the first one counts */
};

START_TEST(t_tryon_args)
{
	struct kv_list q;
	char sku[33];
	double pd = -1;
	const char *why = NULL;
	enum ff_err er;

	kv_init(&q);
	ck_assert_int_eq(kv_parse_query(&q, targs[_i].query,
	    strlen(targs[_i].query), NULL), FF_OK);
	er = api_tryon_args(&q, sku, &pd, &why);
	ck_assert_msg(er == targs[_i].er, "row %d \"%s\": got %d", _i,
	    targs[_i].query, er);
	ck_assert_str_eq(sku, targs[_i].sku);
	ck_assert_msg(fabs(pd - targs[_i].pd) < 1e-9, "row %d: pd %g", _i, pd);
	if (er != FF_OK)
		ck_assert_ptr_nonnull(why);
	kv_free(&q);
}
END_TEST

static const struct {
	const char	*query;
	enum ff_err	 er;
	const char	*wording;
} consents[] = {
	{ "", FF_OK, "" },
	{ "frame=A", FF_OK, "" },
	{ "consent=", FF_OK, "" },
	{ "consent=&consent_wording=", FF_OK, "" },
	{ "consent=newsletter&consent_wording=shop-nl-3", FF_OK, "shop-nl-3" },
	{ "consent_wording=v2.1_b&consent=newsletter", FF_OK, "v2.1_b" },
	{ "consent=newsletter&consent_wording=ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
	  FF_OK, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" },
	{ "consent=newsletter&consent_wording=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",
	  FF_EINPUT, "" },			/* 33 bytes */
	{ "consent=newsletter", FF_EINPUT, "" },
	{ "consent=newsletter&consent_wording=", FF_EINPUT, "" },
	{ "consent=newsletter&consent_wording=a%20b", FF_EINPUT, "" },
	{ "consent=newsletter&consent_wording=%27x", FF_EINPUT, "" },
	{ "consent=Newsletter&consent_wording=v1", FF_EINPUT, "" },
	{ "consent=1&consent_wording=v1", FF_EINPUT, "" },
	{ "consent=marketing&consent_wording=v1", FF_EINPUT, "" },
	{ "consent_wording=v1", FF_EINPUT, "" },
	{ "consent=newsletter&consent=no&consent_wording=v1", FF_OK, "v1" },
};

START_TEST(t_consent)
{
	struct kv_list q;
	char wording[CONSENT_WORDING_MAX + 1];
	const char *why = NULL;
	enum ff_err er;

	kv_init(&q);
	memset(wording, 'x', sizeof(wording));
	ck_assert_int_eq(kv_parse_query(&q, consents[_i].query,
	    strlen(consents[_i].query), NULL), FF_OK);
	er = api_consent_arg(&q, wording, &why);
	ck_assert_msg(er == consents[_i].er, "row %d \"%s\": got %d", _i,
	    consents[_i].query, er);
	ck_assert_str_eq(wording, consents[_i].wording);
	if (er != FF_OK)
		ck_assert_ptr_nonnull(why);
	kv_free(&q);
}
END_TEST

static const struct {
	const char	*accept;
	int		 png;
} accepts[] = {
	{ NULL, 0 },
	{ "", 0 },
	{ "image/png", 1 },
	{ "IMAGE/PNG", 1 },
	{ "image/jpeg", 0 },
	{ "*/*", 0 },
	{ "image/*", 0 },
	{ "image/png, image/jpeg", 0 },		/* a tie keeps JPEG */
	{ "image/png, image/jpeg;q=0.8", 1 },
	{ "image/png;q=0.5, image/jpeg;q=0.8", 0 },
	{ "image/png;q=0", 0 },
	{ "image/png, */*;q=0.1", 1 },
	{ "image/png;q=0.9, image/*;q=0.5", 1 },
	{ "image/png;q=0.5, image/*", 0 },	/* "image/any" covers jpeg at 1 */
	{ "image/png; q=1.0, image/jpeg; q=0.999", 1 },
	{ "image/pngx", 0 },
	{ "application/json", 0 },
	{ "image/png;level=1;q=0.4,image/jpeg;q=0.3", 1 },
};

START_TEST(t_accept)
{
	ck_assert_msg(api_wants_png(accepts[_i].accept) == accepts[_i].png,
	    "row %d \"%s\"", _i, accepts[_i].accept ? accepts[_i].accept :
	    "(null)");
}
END_TEST

static const struct {
	const char	*in;
	long		 v;
} rates[] = {
	{ NULL, API_RATE_DEFAULT },
	{ "", API_RATE_DEFAULT },
	{ "0", 0 },
	{ "1", 1 },
	{ "120", 120 },
	{ "1000000", 1000000 },
	{ "1000001", -1 },
	{ "99999999999999999999", -1 },
	{ "-1", -1 },
	{ " 5", -1 },
	{ "5 ", -1 },
	{ "5/min", -1 },
	{ "0x10", -1 },
};

START_TEST(t_rate)
{
	ck_assert_msg(api_rate_parse(rates[_i].in) == rates[_i].v,
	    "row %d: got %ld", _i, api_rate_parse(rates[_i].in));
}
END_TEST

START_TEST(t_window)
{
	ck_assert_int_eq(api_rate_window(0), 0);
	ck_assert_int_eq(api_rate_window(59), 0);
	ck_assert_int_eq(api_rate_window(60), 1);
	ck_assert_int_eq(api_rate_window(1764078123), 29401302);
	ck_assert_int_eq(api_retry_after(60), 60);
	ck_assert_int_eq(api_retry_after(61), 59);
	ck_assert_int_eq(api_retry_after(119), 1);
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
} names[] = {
	{ "shop-backend", 1 },
	{ "Shop backend 2", 1 },
	{ "a", 1 },
	{ "7a", 1 },
	{ "17", 0 },			/* would read as an id */
	{ "", 0 },
	{ NULL, 0 },
	{ " lead", 0 },
	{ "trail ", 0 },
	{ "tab\tname", 0 },
	{ "caf\xc3\xa9", 0 },
	{ "new\nline", 0 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
};

START_TEST(t_name)
{
	ck_assert_msg(api_name_valid(names[_i].in) == names[_i].ok, "row %d", _i);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite	*s = suite_create("apiparse");
	TCase	*tc = tcase_create("all");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, t_bearer, 0, N(bearer));
	tcase_add_test(tc, t_bearer_long);
	tcase_add_loop_test(tc, t_shape, 0, N(shapes));
	tcase_add_test(tc, t_format);
	tcase_add_loop_test(tc, t_body, 0, N(bodies));
	tcase_add_loop_test(tc, t_tryon_args, 0, N(targs));
	tcase_add_loop_test(tc, t_consent, 0, N(consents));
	tcase_add_loop_test(tc, t_accept, 0, N(accepts));
	tcase_add_loop_test(tc, t_rate, 0, N(rates));
	tcase_add_test(tc, t_window);
	tcase_add_loop_test(tc, t_name, 0, N(names));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
