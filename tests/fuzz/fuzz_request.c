/*
 * fuzz_request.c: the request layer over an in-memory transport: the
 * meta-variables a client controls (path and query, Content-Type, Accept,
 * If-None-Match, Origin, Host, Cookie), the body, routing, and every
 * response path (page, JSON and plain errors, headers with CR/LF).
 *
 * Input: up to 8 lines (LF-separated) give REQUEST_METHOD, REQUEST_URI,
 * CONTENT_TYPE, HTTP_ACCEPT, HTTP_IF_NONE_MATCH, HTTP_ORIGIN, HTTP_HOST
 * and HTTP_COOKIE; the rest is the body, handed out in chunks whose size
 * comes from the first byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/answer.h"
#include "core/buf.h"
#include "http/request.h"
#include "http/route.h"

#define NVARS 8
static const char *const names[NVARS] = { "REQUEST_METHOD", "REQUEST_URI",
    "CONTENT_TYPE", "HTTP_ACCEPT", "HTTP_IF_NONE_MATCH", "HTTP_ORIGIN",
    "HTTP_HOST", "HTTP_COOKIE" };

struct mem {
	char		*val[NVARS];
	const uint8_t	*body;
	size_t		 len, pos, step;
	size_t		 out;
};

static const char *
m_param(void *ctx, const char *name)
{
	struct mem	*m = ctx;
	int		 i;

	for (i = 0; i < NVARS; i++)
		if (strcmp(names[i], name) == 0)
			return m->val[i];
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
	memcpy(p, m->body + m->pos, n);
	m->pos += n;
	return (long)n;
}

static int
m_write(void *ctx, const void *p, size_t len)
{
	struct mem *m = ctx;

	(void)p;
	m->out += len;
	return 0;
}

static const struct route routes[] = {
	{ ROUTE_GET, "/", 0 },
	{ ROUTE_POST, "/tryon", 1 },
	{ ROUTE_GET, "/t/{token}", 2 },
	{ ROUTE_GET, "/t/{token}/{sku}.jpg", 3 },
	{ ROUTE_POST, "/t/{token}/delete", 4 },
	{ ROUTE_GET, "/static/{name}.css", 5 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem	 m;
	struct req_io	 io = { m_param, m_read, m_write, &m };
	struct http_req	 r;
	const struct route *rt;
	unsigned	 allow;
	const char	*why;
	const uint8_t	*p = data, *e = data + size, *nl;
	int		 i;

	memset(&m, 0, sizeof(m));
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
	(void)route_find(routes, sizeof(routes) / sizeof(routes[0]), r.method,
	    r.path, &rt, &r.params, &allow);
	(void)req_wants_json(&r);
	(void)req_etag_match(&r, "\"abc\"");
	(void)req_cross_origin(&r);
	if (req_read_form(&r, 4096, &why) == FF_OK) {
		(void)req_field(&r, "photo");
		(void)req_field(&r, "csrf");
	}
	req_header(&r, "X-Echo", "%s", m.val[1] != NULL ? m.val[1] : "");
	req_error(&r, (enum ff_err)(size % FF_ERR__MAX), m.val[7]);
	req_finish(&r);
	req_free(&r);
	for (i = 0; i < NVARS; i++)
		free(m.val[i]);
	return 0;
}
