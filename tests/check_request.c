/*
 * check_request.c: the parsed request and its response writer, over an
 * in-memory transport (struct req_io), so no web server is needed. (The
 * error answers are the app's: check_answer.c.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/multipart.h"
#include "http/request.h"

#include "mem_req.h"

static struct mem	 M;
static struct req_io	 IO = { m_param, m_read, m_write, &M };

static void
setup(void)
{
	memset(&M, 0, sizeof(M));
	buf_init(&M.out);
}

static void
teardown(void)
{
	buf_free(&M.out);
}

START_TEST(test_parse_uri)
{
	struct http_req r;

	M.env[0] = "REQUEST_METHOD"; M.env[1] = "GET";
	M.env[2] = "REQUEST_URI"; M.env[3] = "/t/abc?frame=FF-1&pd=62.5";
	M.env[4] = "HTTP_COOKIE"; M.env[5] = "a=1; b=\"two\"";
	req_init(&r, &IO);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/t/abc");
	ck_assert_str_eq(r.query, "frame=FF-1&pd=62.5");
	ck_assert_str_eq(kv_get(&r.args, "frame"), "FF-1");
	ck_assert_str_eq(kv_get(&r.args, "pd"), "62.5");
	ck_assert_str_eq(kv_get(&r.cookies, "b"), "two");
	ck_assert_int_eq(r.args_bad, 0);
	ck_assert_int_eq(r.head_only, 0);
	ck_assert_int_eq(r.content_length, -1);
	ck_assert_int_eq(strlen(r.id), 8);
	req_free(&r);
}
END_TEST

START_TEST(test_parse_cgi_fallback)
{
	struct http_req r;

	M.env[0] = "REQUEST_METHOD"; M.env[1] = "HEAD";
	M.env[2] = "SCRIPT_NAME"; M.env[3] = "/app";
	M.env[4] = "PATH_INFO"; M.env[5] = "/healthz";
	M.env[6] = "QUERY_STRING"; M.env[7] = "x=%zz";
	M.env[8] = "CONTENT_LENGTH"; M.env[9] = "12x";
	req_init(&r, &IO);
	ck_assert_str_eq(r.path, "/app/healthz");
	ck_assert_int_eq(r.head_only, 1);
	ck_assert_int_eq(r.args_bad, 1);
	/* A malformed length is no length. */
	ck_assert_int_eq(r.content_length, -1);
	req_free(&r);
}
END_TEST

START_TEST(test_security_headers)
{
	struct http_req r;

	M.env[0] = "REQUEST_URI"; M.env[1] = "/";
	req_init(&r, &IO);
	req_send(&r, 200, "text/plain", "hi", 2);
	req_free(&r);
	ck_assert_msg(strncmp(M.out.ptr, "Status: 200 OK\r\n", 16) == 0,
	    "got %s", M.out.ptr);
	ck_assert(m_has_line(&M.out, "Content-Security-Policy: " REQ_CSP));
	ck_assert(m_has_line(&M.out, "X-Content-Type-Options: nosniff"));
	ck_assert(m_has_line(&M.out, "Referrer-Policy: same-origin"));
	ck_assert(m_has_line(&M.out, "Content-Length: 2"));
	ck_assert(m_has_line(&M.out, "Content-Type: text/plain"));
	ck_assert_str_eq(m_body(&M.out), "hi");
	/* No inline script or style may ever be allowed. */
	ck_assert_ptr_null(strstr(REQ_CSP, "unsafe-inline"));
	ck_assert_ptr_null(strstr(REQ_CSP, "unsafe-eval"));
	ck_assert_ptr_nonnull(strstr(REQ_CSP, "frame-ancestors 'none'"));
	ck_assert_ptr_nonnull(strstr(REQ_CSP, "script-src 'self'"));
}
END_TEST

/* The shop's pages may name the origins that frame them; then no
 * X-Frame-Options, which can name none. NULL or "" keeps 'none'. */
START_TEST(test_frame_ancestors)
{
	struct http_req	 r;
	const char	*fa[] = { NULL, "", "https://a.example https://b.example",
	    "https://a.example\r\nSet-Cookie: x=1" };
	size_t		 i;

	for (i = 0; i < sizeof(fa) / sizeof(fa[0]); i++) {
		buf_reset(&M.out);
		M.env[0] = "REQUEST_URI"; M.env[1] = "/";
		req_init(&r, &IO);
		r.frame_ancestors = fa[i];
		req_send(&r, 200, "text/plain", "hi", 2);
		req_free(&r);
		if (i == 2) {
			ck_assert(m_has_line(&M.out, "Content-Security-Policy: "
			    REQ_CSP_BASE "frame-ancestors https://a.example "
			    "https://b.example"));
			ck_assert_ptr_null(strstr(M.out.ptr, "X-Frame-Options"));
		} else {
			ck_assert(m_has_line(&M.out, "Content-Security-Policy: "
			    REQ_CSP));
			ck_assert(m_has_line(&M.out, "X-Frame-Options: DENY"));
			ck_assert_ptr_null(strstr(M.out.ptr, "Set-Cookie"));
		}
	}
}
END_TEST

START_TEST(test_head_and_304)
{
	struct http_req r;

	M.env[0] = "REQUEST_METHOD"; M.env[1] = "HEAD";
	M.env[2] = "REQUEST_URI"; M.env[3] = "/x";
	req_init(&r, &IO);
	req_send(&r, 200, "text/plain", "hello", 5);
	req_free(&r);
	ck_assert(m_has_line(&M.out, "Content-Length: 5"));
	ck_assert_str_eq(m_body(&M.out), "");

	buf_reset(&M.out);
	M.env[1] = "GET";
	req_init(&r, &IO);
	req_header(&r, "ETag", "\"abc\"");
	req_send(&r, 304, "image/jpeg", "", 0);
	req_free(&r);
	ck_assert(strncmp(M.out.ptr, "Status: 304 Not Modified\r\n", 26) == 0);
	ck_assert_ptr_null(strstr(M.out.ptr, "Content-Length"));
	ck_assert_ptr_null(strstr(M.out.ptr, "\r\nContent-Type:"));
	ck_assert(m_has_line(&M.out, "ETag: \"abc\""));
}
END_TEST

START_TEST(test_header_injection)
{
	struct http_req r;

	M.env[0] = "REQUEST_URI"; M.env[1] = "/";
	req_init(&r, &IO);
	req_header(&r, "Location", "/a\r\nSet-Cookie: x=1");
	req_header(&r, "X-Ok", "fine");
	req_send(&r, 200, NULL, "", 0);
	req_free(&r);
	ck_assert_ptr_null(strstr(M.out.ptr, "Set-Cookie"));
	ck_assert_ptr_null(strstr(M.out.ptr, "Location"));
	ck_assert(m_has_line(&M.out, "X-Ok: fine"));
}
END_TEST

#define FORM_CT "multipart/form-data; boundary=XyZ"
static const char form_body[] =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"frame\"\r\n\r\n"
    "FF-RND-4721-TOR\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n\r\n"
    "\xff\xd8\xff\x00JPEG\r\n"
    "--XyZ--\r\n";

START_TEST(test_form_multipart_chunks)
{
	static const size_t steps[] = { 1, 2, 7, 64, 0 };
	const struct mp_part	*p;
	struct http_req		 r;
	const char		*why;
	char			 len[32];

	snprintf(len, sizeof(len), "%zu", sizeof(form_body) - 1);
	M.env[0] = "REQUEST_METHOD"; M.env[1] = "POST";
	M.env[2] = "REQUEST_URI"; M.env[3] = "/tryon";
	M.env[4] = "CONTENT_TYPE"; M.env[5] = FORM_CT;
	M.env[6] = "CONTENT_LENGTH"; M.env[7] = len;
	M.body = form_body;
	M.body_len = sizeof(form_body) - 1;
	M.pos = 0;
	M.step = steps[_i];
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 0, &why), FF_OK);
	ck_assert_str_eq(req_field(&r, "frame"), "FF-RND-4721-TOR");
	p = mp_get(r.form, "photo");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->len, 8);
	ck_assert(memcmp(p->data, "\xff\xd8\xff\x00JPEG", 8) == 0);
	ck_assert_str_eq(p->filename, "a.jpg");
	ck_assert_ptr_null(req_field(&r, "pd_mm"));
	ck_assert_uint_eq(M.pos, M.body_len);
	req_free(&r);
}
END_TEST

START_TEST(test_form_too_big)
{
	struct http_req	 r;
	const char	*why;
	static char	 big[4096];

	memset(big, 'a', sizeof(big));
	/* Declared too big: refused before parsing, the body drained. */
	M.env[0] = "REQUEST_METHOD"; M.env[1] = "POST";
	M.env[2] = "CONTENT_TYPE"; M.env[3] = FORM_CT;
	M.env[4] = "CONTENT_LENGTH"; M.env[5] = "4096";
	M.body = big;
	M.body_len = sizeof(big);
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 1000, &why), FF_ETOOBIG);
	ck_assert_str_eq(why, "the upload is larger than 15 MB");
	ck_assert_ptr_null(r.form);
	ck_assert_uint_eq(M.pos, sizeof(big));
	req_free(&r);

	/* Length not given: the parser's byte count decides. */
	M.env[4] = NULL;
	M.pos = 0;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 1000, &why), FF_ETOOBIG);
	ck_assert_uint_eq(M.pos, sizeof(big));
	req_free(&r);

	/* Exactly at the limit is fine for an urlencoded body. */
	memcpy(big, "k=", 2);
	memset(big + 2, 'v', 4000);
	M.env[3] = "application/x-www-form-urlencoded";
	M.body_len = 4002;
	M.pos = 0;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 4002, &why), FF_OK);
	ck_assert_uint_eq(strlen(kv_get(&r.post, "k")), 4000);
	req_free(&r);
	M.pos = 0;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 4001, &why), FF_ETOOBIG);
	req_free(&r);
}
END_TEST

START_TEST(test_form_other_types)
{
	static const char form[] = "csrf=a%2Bb&x=1";
	struct http_req	 r;
	const char	*why;

	M.env[0] = "REQUEST_METHOD"; M.env[1] = "POST";
	M.env[2] = "CONTENT_TYPE"; M.env[3] = "text/plain";
	M.body = "hello";
	M.body_len = 5;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 0, &why), FF_EMEDIATYPE);
	ck_assert_uint_eq(M.pos, 5);
	req_free(&r);

	M.env[3] = "Application/X-WWW-Form-Urlencoded ; charset=utf-8";
	M.body = form;
	M.body_len = sizeof(form) - 1;
	M.pos = 0;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 0, &why), FF_OK);
	ck_assert_str_eq(req_field(&r, "csrf"), "a+b");
	req_free(&r);

	/* A multipart type without a boundary is a bad request. */
	M.env[3] = "multipart/form-data";
	M.pos = 0;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 0, &why), FF_EINPUT);
	ck_assert_str_ne(why, "");
	req_free(&r);

	/* No closing boundary: bad request. */
	M.env[3] = FORM_CT;
	M.body = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb";
	M.body_len = strlen(M.body);
	M.pos = 0;
	req_init(&r, &IO);
	ck_assert_int_eq(req_read_form(&r, 0, &why), FF_EINPUT);
	req_free(&r);
}
END_TEST

static const struct {
	const char	*inm;
	const char	*etag;
	int		 match;
} etags[] = {
	{ "\"abc\"", "\"abc\"", 1 },
	{ "W/\"abc\"", "\"abc\"", 1 },
	{ "\"x\", \"abc\"", "\"abc\"", 1 },
	{ "\"x\",W/\"abc\"", "\"abc\"", 1 },
	{ "*", "\"abc\"", 1 },
	{ "\"abcd\"", "\"abc\"", 0 },
	{ "\"ab\"", "\"abc\"", 0 },
	{ "abc", "\"abc\"", 0 },
	{ "\"abc", "\"abc\"", 0 },
	{ NULL, "\"abc\"", 0 },
};

START_TEST(test_etag_match)
{
	struct http_req r;

	M.env[0] = "HTTP_IF_NONE_MATCH"; M.env[1] = etags[_i].inm;
	if (etags[_i].inm == NULL)
		M.env[0] = NULL;
	req_init(&r, &IO);
	ck_assert_msg(req_etag_match(&r, etags[_i].etag) == etags[_i].match,
	    "row %d", _i);
	req_free(&r);
}
END_TEST

static const struct {
	const char	*accept;
	int		 json;
} accepts[] = {
	{ "application/json", 1 },
	{ "application/json, text/plain", 1 },
	{ "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 0 },
	{ "text/html;q=0.5, application/json", 1 },
	{ "application/json;q=0.4, text/html", 0 },
	{ "*/*", 0 },
	{ "application/jsonx", 0 },
	{ "application/json;q=0", 0 },
	/* Out-of-range qvalues are clamped (the fuzzer found the overflow). */
	{ "application/json;q=88888888888888888888888885.9, text/html;q=0.1", 1 },
	{ "application/json;q=-3, text/html", 0 },
	{ "application/json;q=nan", 0 },
	{ NULL, 0 },
};

START_TEST(test_wants_json)
{
	struct http_req r;

	M.env[0] = "HTTP_ACCEPT"; M.env[1] = accepts[_i].accept;
	if (accepts[_i].accept == NULL)
		M.env[0] = NULL;
	req_init(&r, &IO);
	ck_assert_msg(req_wants_json(&r) == accepts[_i].json, "row %d: %s",
	    _i, accepts[_i].accept);
	req_free(&r);
}
END_TEST

static const struct {
	const char	*origin;
	const char	*host;
	int		 cross;
} origins[] = {
	{ NULL, "shop.example", 0 },
	{ "http://127.0.0.1:8080", "127.0.0.1:8080", 0 },
	{ "https://Shop.Example", "shop.example", 0 },
	{ "http://evil.example", "shop.example", 1 },
	{ "http://127.0.0.1:9090", "127.0.0.1:8080", 1 },
	{ "null", "shop.example", 1 },
	{ "http://shop.example", NULL, 1 },
};

START_TEST(test_cross_origin)
{
	struct http_req	r;
	size_t		k = 0;

	if (origins[_i].origin != NULL) {
		M.env[k++] = "HTTP_ORIGIN";
		M.env[k++] = origins[_i].origin;
	}
	if (origins[_i].host != NULL) {
		M.env[k++] = "HTTP_HOST";
		M.env[k++] = origins[_i].host;
	}
	req_init(&r, &IO);
	ck_assert_int_eq(req_cross_origin(&r), origins[_i].cross);
	req_free(&r);
}
END_TEST

START_TEST(test_finish_and_gone)
{
	struct http_req r;

	/* A handler that sent nothing still answers. */
	req_init(&r, &IO);
	req_finish(&r);
	req_free(&r);
	ck_assert(strncmp(M.out.ptr, "Status: 500 ", 12) == 0);

	/* A client that went away: no crash, later writes dropped. */
	M.fail_write = 1;
	req_init(&r, &IO);
	ck_assert_int_eq(req_write(&r, "x", 1), FF_ESYS);
	ck_assert_int_eq(r.client_gone, 1);
	ck_assert_int_eq(req_write(&r, "y", 1), FF_ESYS);
	req_finish(&r);
	req_free(&r);
}
END_TEST

START_TEST(test_redirect)
{
	struct http_req r;

	req_init(&r, &IO);
	req_redirect(&r, 303, "/t/abc");
	req_free(&r);
	ck_assert(strncmp(M.out.ptr, "Status: 303 See Other\r\n", 23) == 0);
	ck_assert(m_has_line(&M.out, "Location: /t/abc"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("request");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_uri);
	tcase_add_test(tc, test_parse_cgi_fallback);
	tcase_add_test(tc, test_security_headers);
	tcase_add_test(tc, test_frame_ancestors);
	tcase_add_test(tc, test_head_and_304);
	tcase_add_test(tc, test_header_injection);
	tcase_add_loop_test(tc, test_form_multipart_chunks, 0, 5);
	tcase_add_test(tc, test_form_too_big);
	tcase_add_test(tc, test_form_other_types);
	tcase_add_loop_test(tc, test_etag_match, 0,
	    sizeof(etags) / sizeof(etags[0]));
	tcase_add_loop_test(tc, test_wants_json, 0,
	    sizeof(accepts) / sizeof(accepts[0]));
	tcase_add_loop_test(tc, test_cross_origin, 0,
	    sizeof(origins) / sizeof(origins[0]));
	tcase_add_test(tc, test_finish_and_gone);
	tcase_add_test(tc, test_redirect);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
