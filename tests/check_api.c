/*
 * check_api.c: the API's calls through the router (router_handle()) over
 * an in-memory transport, for everything decided before the database: routing, the query, the key header, the
 * JSON error format, draining the body, and 503 while the database is
 * away. (Keys, limits and photos against the real stack:
 * tests/integration/test_api.sh.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/router.h"
#include "core/buf.h"
#include "core/clock.h"
#include "http/request.h"

#include "mem_req.h"

#define KEY	"ffk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"

static const struct {
	const char	*method;
	const char	*uri;
	const char	*authz;		/* NULL: no header */
	const char	*ctype;
	const char	*accept;
	const char	*body;
	int		 status;
	const char	*code;
	const char	*line;		/* a header line the answer must have */
} rows[] = {
	{ "GET", "/api/v1/frames", NULL, NULL, NULL, NULL,
	  401, "unauthorized", "WWW-Authenticate: Bearer realm=\"framefit\"" },
	{ "GET", "/api/v1/frames", "Basic YWRtaW46eA==", NULL, NULL, NULL,
	  401, "unauthorized",
	  "WWW-Authenticate: Bearer realm=\"framefit\", error=\"invalid_request\"" },
	{ "GET", "/api/v1/frames", "Bearer a b", NULL, NULL, NULL,
	  401, "unauthorized", NULL },
	{ "POST", "/api/v1/detect", NULL, "image/jpeg", "text/html",
	  "\xff\xd8\xff\xe0 not really a photo",
	  401, "unauthorized", "Content-Type: application/json" },
	{ "POST", "/api/v1/tryon?frame=FF-1", NULL, "multipart/form-data; "
	  "boundary=x", NULL, "--x\r\nContent-Disposition: form-data; "
	  "name=\"photo\"; filename=\"a.jpg\"\r\n\r\nabc\r\n--x--\r\n",
	  401, "unauthorized", NULL },
	/* A key of the right shape: the database is needed, and away. */
	{ "GET", "/api/v1/frames", "Bearer " KEY, NULL, NULL, NULL,
	  503, "unavailable", "Retry-After: 10" },
	{ "POST", "/api/v1/detect", "bearer   " KEY "  ", "image/png", NULL,
	  "\x89PNG", 503, "unavailable", "Cache-Control: no-store" },
	{ "GET", "/api/v1/nothing", "Bearer " KEY, NULL, NULL, NULL,
	  404, "not_found", NULL },
	{ "GET", "/api/v2/frames", NULL, NULL, NULL, NULL,
	  404, "not_found", NULL },
	{ "GET", "/api/v1/frames/", NULL, NULL, NULL, NULL,
	  404, "not_found", NULL },
	{ "GET", "/api/v1/detect", "Bearer " KEY, NULL, NULL, NULL,
	  405, "method_not_allowed", "Allow: POST" },
	{ "POST", "/api/v1/frames", NULL, "image/jpeg", NULL, "abc",
	  405, "method_not_allowed", "Allow: GET, HEAD" },
	{ "GET", "/api/v1/frames?a=%zz", "Bearer " KEY, NULL, NULL, NULL,
	  400, "bad_request", NULL },
};

START_TEST(t_rows)
{
	static struct mem	 m;
	struct req_io		 io = { m_param, m_read, m_write, &m };
	struct tryon_app	 a;
	struct http_req		 r;
	struct buf		 want;
	const char		*body;
	char			 status[64];
	size_t			 k = 0;

	memset(&m, 0, sizeof(m));
	memset(&a, 0, sizeof(a));
	/* No database for a long while: app_db() answers NULL at once. */
	a.db_retry = ff_now_ms() + 1e9;
	buf_init(&m.out);
	m.env[k++] = "REQUEST_METHOD"; m.env[k++] = rows[_i].method;
	m.env[k++] = "REQUEST_URI"; m.env[k++] = rows[_i].uri;
	if (rows[_i].authz != NULL) {
		m.env[k++] = "HTTP_AUTHORIZATION";
		m.env[k++] = rows[_i].authz;
	}
	if (rows[_i].ctype != NULL) {
		m.env[k++] = "CONTENT_TYPE";
		m.env[k++] = rows[_i].ctype;
	}
	if (rows[_i].accept != NULL) {
		m.env[k++] = "HTTP_ACCEPT";
		m.env[k++] = rows[_i].accept;
	}
	if (rows[_i].body != NULL) {
		m.body = rows[_i].body;
		m.body_len = strlen(rows[_i].body);
	}
	req_init(&r, &io);
	router_handle(&a, &r);
	req_finish(&r);

	snprintf(status, sizeof(status), "Status: %d ", rows[_i].status);
	ck_assert_msg(strncmp(m.out.ptr, status, strlen(status)) == 0,
	    "row %d: %.40s", _i, m.out.ptr);
	ck_assert_msg(strstr(m.out.ptr, "\r\nContent-Type: application/json\r\n")
	    != NULL, "row %d: not JSON", _i);
	if (rows[_i].line != NULL) {
		buf_init(&want);
		buf_printf(&want, "\r\n%s\r\n", rows[_i].line);
		ck_assert_msg(strstr(m.out.ptr, want.ptr) != NULL,
		    "row %d: no \"%s\" in\n%s", _i, rows[_i].line, m.out.ptr);
		buf_free(&want);
	}
	/* Exactly {"error":{"code":"<code>","message":"<something>"}}. */
	body = strstr(m.out.ptr, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	buf_init(&want);
	buf_printf(&want, "{\"error\":{\"code\":\"%s\",\"message\":\"",
	    rows[_i].code);
	ck_assert_msg(strncmp(body, want.ptr, want.len) == 0, "row %d: %s",
	    _i, body);
	ck_assert(strlen(body) > want.len + 5);
	ck_assert_str_eq(body + strlen(body) - 4, "\"}}\n");
	buf_free(&want);
	/* A refused body has been read to its end. */
	ck_assert_uint_eq(m.pos, m.body_len);
	req_free(&r);
	buf_free(&m.out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api");
	TCase	*tc = tcase_create("before the database");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, t_rows, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
