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

#define NVARS 14
static const char *const names[NVARS] = { "REQUEST_METHOD", "REQUEST_URI",
    "CONTENT_TYPE", "HTTP_ACCEPT", "HTTP_IF_NONE_MATCH", "HTTP_ORIGIN",
    "HTTP_HOST", "HTTP_COOKIE", "REMOTE_USER", "HTTP_AUTHORIZATION",
    "REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "REDIRECT_STATUS",
    "CONTENT_LENGTH" };

struct mem {
	char		*val[NVARS];
	const uint8_t	*body;
	size_t		 len, pos, step;
	struct buf	 out;
};

static const char *
m_param(void *ctx, const char *name)
{
	struct mem	*m = ctx;
	int		 i;

	for (i = 0; i < NVARS; i++)
		if (strcmp(names[i], name) == 0)
			return m->val[i] != NULL && *m->val[i] != '\0' ?
			    m->val[i] : NULL;
	return NULL;
}

static long
m_read(void *ctx, void *p, size_t len)
{
	struct mem	*m = ctx;
	size_t		 n = m->len - m->pos;

	if (n > len)
		n = len;
	if (n > m->step)
		n = m->step;
	if (n > 0)
		memcpy(p, m->body + m->pos, n);
	m->pos += n;
	return (long)n;
}

static int
m_write(void *ctx, const void *p, size_t len)
{
	struct mem *m = ctx;

	buf_append(&m->out, p, len);
	return 0;
}

/* The worker's app, opened once: no database, no model (see top). */
static struct tryon_app *
app(void)
{
	static struct tryon_app	*a;
	struct app_opts		 o = { 0 };

	if (a != NULL)
		return a;
	/* Nothing listens there: app_db() fails at once, then not again. */
	setenv("FF_DB_SOCKET", "/nonexistent/framefit-fuzz.sock", 1);
	setenv("FF_SECRET_FILE", "/tmp/framefit-fuzz-secret", 1);
	o.models = "/nonexistent/framefit-fuzz-models";
	o.migrate = 0;
	if (app_open(&o, &a) != FF_OK) {
		fprintf(stderr, "fuzz_request: app_open failed\n");
		abort();
	}
	a->db_retry = ff_now_ms() + 1e12;
	a->det_retry = ff_now_ms() + 1e12;
	return a;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tryon_app *a = app();
	struct mem	 m;
	struct req_io	 io = { m_param, m_read, m_write, &m };
	struct http_req	 r;
	const uint8_t	*p = data, *e = data + size, *nl;
	int		 i;

	memset(&m, 0, sizeof(m));
	buf_init(&m.out);
	m.step = size > 0 ? (size_t)data[0] % 97 + 1 : 1;
	for (i = 0; i < NVARS && p < e; i++) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		/* A meta-variable is a C string: stop at a NUL. */
		m.val[i] = strndup((const char *)p, (size_t)(nl - p));
		p = nl < e ? nl + 1 : e;
	}
	m.body = p;
	m.len = (size_t)(e - p);

	req_init(&r, &io);
	router_handle(a, &r);
	req_finish(&r);
	/* Every request is answered (router.h), with a CGI status line. */
	if (m.out.len < 8 || strncmp(m.out.ptr, "Status: ", 8) != 0)
		abort();
	req_free(&r);
	buf_free(&m.out);
	for (i = 0; i < NVARS; i++)
		free(m.val[i]);
	return 0;
}
