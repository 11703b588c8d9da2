/*
 * check_answer.c: the one error writer and page renderer (app/answer.h)
 * over an in-memory transport: the status of each error, the "error"
 * template and the built-in page when there is none, JSON when the
 * client asks for it and always for the API, a page that cannot render.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/answer.h"
#include "core/buf.h"
#include "http/request.h"
#include "view/template.h"

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

/* A template set with the "error" page and one page that does not
 * render (a partial that does not exist is refused at link time, so
 * "broken" is simply not in the set). */
static struct tpl_set *
error_set(void)
{
	struct tpl_set *t = tpl_set_new();

	ck_assert_int_eq(tpl_set_add_string(t, "error",
	    "<h1>{{status}} {{reason}}</h1><p>{{message}}</p>[{{code}}]", NULL),
	    FF_OK);
	ck_assert_int_eq(tpl_set_add_string(t, "hello", "<p>{{who}}</p>",
	    NULL), FF_OK);
	ck_assert_int_eq(tpl_set_link(t, NULL), FF_OK);
	return t;
}

START_TEST(test_error_json)
{
	struct http_req r;

	M.env[0] = "REQUEST_URI"; M.env[1] = "/nope";
	M.env[2] = "HTTP_ACCEPT"; M.env[3] = "application/json";
	req_init(&r, &IO);
	req_error(&r, FF_ENOTFOUND, "no \"such\" page");
	req_free(&r);
	ck_assert(strncmp(M.out.ptr, "Status: 404 Not Found\r\n", 23) == 0);
	ck_assert(m_has_line(&M.out, "Content-Type: application/json"));
	ck_assert(m_has_line(&M.out, "Cache-Control: no-store"));
	ck_assert_str_eq(m_body(&M.out),
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no \\\"such\\\" "
	    "page\"}}\n");
}
END_TEST

START_TEST(test_error_json_always)
{
	struct http_req r;

	/* The API's clients get JSON even when they ask for HTML. */
	M.env[0] = "REQUEST_URI"; M.env[1] = "/api/v1/frames";
	M.env[2] = "HTTP_ACCEPT"; M.env[3] = "text/html";
	req_init(&r, &IO);
	req_error_json(&r, FF_EDB, NULL);
	req_free(&r);
	ck_assert(strncmp(M.out.ptr, "Status: 503 Service Unavailable\r\n",
	    33) == 0);
	ck_assert(m_has_line(&M.out, "Retry-After: 10"));
	ck_assert(m_has_line(&M.out, "Content-Type: application/json"));
	ck_assert_str_eq(m_body(&M.out),
	    "{\"error\":{\"code\":\"unavailable\",\"message\":\"the database "
	    "is unavailable; try again shortly\"}}\n");
}
END_TEST

START_TEST(test_error_html_template)
{
	struct http_req	 r;
	struct tpl_set	*t = error_set();

	M.env[0] = "REQUEST_URI"; M.env[1] = "/";
	M.env[2] = "HTTP_ACCEPT"; M.env[3] = "text/html,application/json;q=0.9";
	req_init(&r, &IO);
	r.tpl = t;
	req_error(&r, FF_EDB, "<later>");
	req_free(&r);
	tpl_set_free(t);
	ck_assert(strncmp(M.out.ptr, "Status: 503 Service Unavailable\r\n",
	    33) == 0);
	ck_assert(m_has_line(&M.out, "Retry-After: 10"));
	ck_assert(m_has_line(&M.out, "Content-Type: text/html; charset=utf-8"));
	ck_assert_str_eq(m_body(&M.out),
	    "<h1>503 Service Unavailable</h1><p>&lt;later&gt;</p>[unavailable]");
}
END_TEST

START_TEST(test_error_status_map)
{
	static const struct { enum ff_err er; const char *line; } t[] = {
		{ FF_ETOOBIG, "Status: 413 Content Too Large" },
		{ FF_EMEDIATYPE, "Status: 415 Unsupported Media Type" },
		{ FF_EPIXELS, "Status: 422 Unprocessable Content" },
		{ FF_EIMAGE, "Status: 422 Unprocessable Content" },
		{ FF_EINPUT, "Status: 400 Bad Request" },
		{ FF_EFORBIDDEN, "Status: 403 Forbidden" },
		{ FF_EMODEL, "Status: 503 Service Unavailable" },
	};
	struct http_req	r;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&M.out);
		M.env[0] = "REQUEST_URI"; M.env[1] = "/";
		req_init(&r, &IO);
		req_error(&r, t[i].er, NULL);
		req_free(&r);
		ck_assert_msg(m_has_line(&M.out, t[i].line), "row %zu: %s", i,
		    M.out.ptr);
		/* No template: the built-in page, still escaped HTML. */
		ck_assert_ptr_nonnull(strstr(m_body(&M.out), "<!doctype html>"));
	}
}
END_TEST

START_TEST(test_error_plain_escaped)
{
	struct http_req r;

	req_init(&r, &IO);
	req_error(&r, FF_EINPUT, "<a href='x'>&</a>");
	req_free(&r);
	ck_assert(m_has_line(&M.out, "Status: 400 Bad Request"));
	ck_assert_ptr_nonnull(strstr(m_body(&M.out), "<p>&lt;a href=&#39;x&#39;"
	    "&gt;&amp;&lt;/a&gt;</p>"));
	ck_assert_ptr_null(strstr(m_body(&M.out), "<a href='x'>"));
}
END_TEST

START_TEST(test_error_after_head)
{
	struct http_req r;

	/* Once the head is out, an error cannot change the status. */
	req_init(&r, &IO);
	req_send(&r, 200, "text/plain", "ok", 2);
	req_error(&r, FF_EDB, NULL);
	req_error_json(&r, FF_EDB, NULL);
	req_free(&r);
	ck_assert(m_has_line(&M.out, "Status: 200 OK"));
	ck_assert_ptr_null(strstr(M.out.ptr, "503"));
	ck_assert_str_eq(m_body(&M.out), "ok");
}
END_TEST

START_TEST(test_page)
{
	struct http_req	 r;
	struct tpl_set	*t = error_set();
	struct tpl_ctx	*c = tpl_ctx_new();

	tpl_obj_set_str(tpl_ctx_root(c), "who", "a & b");
	req_init(&r, &IO);
	r.tpl = t;
	req_page(&r, 422, "hello", tpl_ctx_root(c));
	req_free(&r);
	ck_assert(m_has_line(&M.out, "Status: 422 Unprocessable Content"));
	ck_assert(m_has_line(&M.out, "Content-Type: text/html; charset=utf-8"));
	ck_assert_str_eq(m_body(&M.out), "<p>a &amp; b</p>");

	/* A page the set does not have: 500 with the error page. */
	buf_reset(&M.out);
	req_init(&r, &IO);
	r.tpl = t;
	req_page(&r, 200, "nowhere", tpl_ctx_root(c));
	req_free(&r);
	ck_assert(m_has_line(&M.out, "Status: 500 Internal Server Error"));
	ck_assert_str_eq(m_body(&M.out), "<h1>500 Internal Server Error</h1>"
	    "<p>this page could not be shown</p>[internal]");
	tpl_ctx_free(c);
	tpl_set_free(t);
}
END_TEST

/*
 * The admin's branch, chosen by the path: admin_error with the section's
 * way back and navigation flag; "error" (with the same way back) when a
 * set has no admin_error; JSON as before; the shop's paths untouched.
 */
static const struct {
	const char	*path;
	const char	*user;
	int		 with_admin;	/* the set has admin_error */
	enum ff_err	 er;
	const char	*body;
} admin_answers[] = {
	{ "/admin/catalog/FF-X", "alice", 1, FF_ENOTFOUND,
	    "A|Not found|/admin/catalog/|Back to the catalog|cat|alice|404|"
	    "no such frame" },
	{ "/admin/catalog/new", "alice", 1, FF_EINPUT,
	    "A|That could not be used|/admin/catalog/|Back to the catalog|"
	    "cat|alice|400|no such frame" },
	{ "/admin/models/3/activate", "bob", 1, FF_EFORBIDDEN,
	    "A|That was refused|/admin/models/|Back to the models|mod|bob|"
	    "403|no such frame" },
	{ "/admin/retention/purge", NULL, 1, FF_EDB,
	    "A|Not available just now|/admin/retention/|Back to retention|"
	    "ret||503|no such frame" },
	{ "/admin/export/x.csv", "", 1, FF_EIO,
	    "A|Something went wrong on the server|/admin/|Back to the reports|"
	    "rep||500|no such frame" },
	{ "/admin", "alice", 1, FF_ENOTFOUND,
	    "A|Not found|/admin/|Back to the reports|rep|alice|404|" },
	{ "/admin/catalog/", "alice", 0, FF_ENOTFOUND,
	    "E|/admin/catalog/|Back to the catalog|no such frame" },
	/* Not the admin: the shop's own page, whatever the set holds. */
	{ "/administrator", "alice", 1, FF_ENOTFOUND, "E|" },
	{ "/t/x", NULL, 1, FF_ENOTFOUND, "E|" },
};

START_TEST(test_error_admin)
{
	struct http_req	 r;
	struct tpl_set	*t = tpl_set_new();
	const char	*body;

	ck_assert_int_eq(tpl_set_add_string(t, "error", "E|{{#nav_catalog}}"
	    "{{back}}|{{back_label}}|{{/nav_catalog}}{{message}}", NULL),
	    FF_OK);
	if (admin_answers[_i].with_admin)
		ck_assert_int_eq(tpl_set_add_string(t, "admin_error",
		    "A|{{heading}}|{{back}}|{{back_label}}|"
		    "{{#nav_catalog}}cat{{/nav_catalog}}"
		    "{{#nav_models}}mod{{/nav_models}}"
		    "{{#nav_retention}}ret{{/nav_retention}}"
		    "{{#nav_reports}}rep{{/nav_reports}}|{{user}}|{{status}}|"
		    "{{message}}", NULL), FF_OK);
	ck_assert_int_eq(tpl_set_link(t, NULL), FF_OK);
	M.env[0] = "REQUEST_URI"; M.env[1] = admin_answers[_i].path;
	M.env[2] = "HTTP_ACCEPT"; M.env[3] = "text/html";
	if (admin_answers[_i].user != NULL) {
		M.env[4] = "REMOTE_USER"; M.env[5] = admin_answers[_i].user;
	}
	req_init(&r, &IO);
	r.tpl = t;
	req_error(&r, admin_answers[_i].er, "no such frame");
	req_free(&r);
	tpl_set_free(t);
	ck_assert(m_has_line(&M.out, "Content-Type: text/html; charset=utf-8"));
	body = m_body(&M.out);
	ck_assert_msg(strncmp(body, admin_answers[_i].body,
	    strlen(admin_answers[_i].body)) == 0, "row %d: %s", _i, body);
	if (admin_answers[_i].body[0] == 'E' && admin_answers[_i].body[1] ==
	    '|' && admin_answers[_i].body[2] == '\0')
		ck_assert_str_eq(body, "E|no such frame");

	/* JSON is JSON under /admin/ too. */
	buf_reset(&M.out);
	M.env[3] = "application/json";
	req_init(&r, &IO);
	req_error(&r, admin_answers[_i].er, "x");
	req_free(&r);
	ck_assert(m_has_line(&M.out, "Content-Type: application/json"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("answer");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_error_json);
	tcase_add_test(tc, test_error_json_always);
	tcase_add_test(tc, test_error_html_template);
	tcase_add_test(tc, test_error_status_map);
	tcase_add_test(tc, test_error_plain_escaped);
	tcase_add_test(tc, test_error_after_head);
	tcase_add_test(tc, test_page);
	suite_add_tcase(s, tc);
	tc = tcase_create("admin");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_error_admin, 0,
	    sizeof(admin_answers) / sizeof(admin_answers[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
