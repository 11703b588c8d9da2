/*
 * fuzz_request.c: a request through the worker's one router,
 * router_handle() (src/app/router.c), over an in-memory transport: the
 * meta-variables a client controls and the body, routing, access,
 * the handlers and every answer they write.
 *
 * The app is the real one (app_open(): the templates and static files of
 * the source tree) without a database and without a model: no MariaDB
 * runs beside a fuzzer, and a request must not wait on one. So what it
 * reaches is every path a request takes before it needs either: the
 * web server's own errors (REDIRECT_STATUS), 404 and 405 with Allow,
 * malformed queries, /admin/ without REMOTE_USER (403), the API's key
 * check (401 for a missing or malformed key, 503 for a well-formed one),
 * the upload limits' client address (REMOTE_ADDR, X-Forwarded-For),
 * the cross-origin check, the static files with their ETags, /healthz,
 * and the 503 page of every page that needs the database or the model.
 * Every request must get an answer that starts with a status line.
 *
 * Input: up to 14 lines (LF-separated) give REQUEST_METHOD, REQUEST_URI,
 * CONTENT_TYPE, HTTP_ACCEPT, HTTP_IF_NONE_MATCH, HTTP_ORIGIN, HTTP_HOST,
 * HTTP_COOKIE, REMOTE_USER, HTTP_AUTHORIZATION, REMOTE_ADDR,
 * HTTP_X_FORWARDED_FOR, REDIRECT_STATUS and CONTENT_LENGTH (an empty
 * line: not set); the rest is the body, handed out in chunks whose size
 * comes from the first byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/router.h"
#include "core/buf.h"
#include "core/clock.h"
#include "http/request.h"
#include "../mem_req.h"
#include "fuzz_app.h"

#define NVARS 14
static const char *const names[NVARS] = { "REQUEST_METHOD", "REQUEST_URI",
    "CONTENT_TYPE", "HTTP_ACCEPT", "HTTP_IF_NONE_MATCH", "HTTP_ORIGIN",
    "HTTP_HOST", "HTTP_COOKIE", "REMOTE_USER", "HTTP_AUTHORIZATION",
    "REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "REDIRECT_STATUS",
    "CONTENT_LENGTH" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tryon_app *a = fuzz_app();
	struct mem	 m;
	struct req_io	 io = { m_param, m_read, m_write, &m };
	struct http_req	 r;
	const uint8_t	*p = data, *e = data + size, *nl;
	char		*val[NVARS] = { NULL };
	int		 i, k = 0;

	memset(&m, 0, sizeof(m));
	buf_init(&m.out);
	m.step = size > 0 ? (size_t)data[0] % 97 + 1 : 1;
	for (i = 0; i < NVARS && p < e; i++) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		/* A meta-variable is a C string: stop at a NUL. An empty
		 * one is not set. */
		val[i] = strndup((const char *)p, (size_t)(nl - p));
		if (*val[i] != '\0') {
			m.env[k++] = names[i];
			m.env[k++] = val[i];
		}
		p = nl < e ? nl + 1 : e;
	}
	m.env[k] = NULL;
	m.body = (const char *)p;
	m.body_len = (size_t)(e - p);

	req_init(&r, &io);
	router_handle(a, &r);
	req_finish(&r);
	/* Every request is answered (router.h), with a CGI status line. */
	if (m.out.len < 8 || strncmp(m.out.ptr, "Status: ", 8) != 0)
		abort();
	req_free(&r);
	buf_free(&m.out);
	for (i = 0; i < NVARS; i++)
		free(val[i]);
	return 0;
}
