/*
 * request.c: the parsed request and the response writer (see request.h).
 */
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "http/accept.h"
#include "http/multipart.h"
#include "http/request.h"

const char *
req_env(const struct http_req *r, const char *name)
{
	if (r->io == NULL || r->io->param == NULL)
		return NULL;
	return r->io->param(r->io->ctx, name);
}

/* A request id for log lines: 32 random bits, or the pid and a count
 * if the kernel has no randomness to give (it never blocks here). */
static void
make_id(char id[9])
{
	static unsigned	 count;
	unsigned char	 b[4];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) == (ssize_t)sizeof(b))
		snprintf(id, 9, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	else
		snprintf(id, 9, "%04x%04x", (unsigned)getpid() & 0xffff,
		    ++count & 0xffff);
}

void
req_init(struct http_req *r, const struct req_io *io)
{
	const char	*s, *q;
	char		*end;
	long long	 n;

	memset(r, 0, sizeof(*r));
	r->io = io;
	r->t0 = ff_now_ms();
	r->status = 200;
	r->content_length = -1;
	buf_init(&r->head);
	kv_init(&r->args);
	kv_init(&r->cookies);
	kv_init(&r->post);
	make_id(r->id);

	s = req_env(r, "REQUEST_METHOD");
	r->method = xstrdup(s != NULL && *s != '\0' ? s : "GET");
	r->head_only = strcmp(r->method, "HEAD") == 0;

	/* REQUEST_URI is what the client asked for under every server we
	 * ship configs for; SCRIPT_NAME + PATH_INFO is the CGI fallback. */
	if ((s = req_env(r, "REQUEST_URI")) != NULL && *s == '/') {
		q = strchr(s, '?');
		r->path = q ? xstrndup(s, (size_t)(q - s)) : xstrdup(s);
		r->query = xstrdup(q ? q + 1 : "");
	} else {
		struct buf b;

		buf_init(&b);
		if ((s = req_env(r, "SCRIPT_NAME")) != NULL)
			buf_puts(&b, s);
		if ((s = req_env(r, "PATH_INFO")) != NULL)
			buf_puts(&b, s);
		if (b.len == 0)
			buf_putc(&b, '/');
		r->path = buf_steal(&b, NULL);
		s = req_env(r, "QUERY_STRING");
		r->query = xstrdup(s != NULL ? s : "");
	}
	if (kv_parse_query(&r->args, r->query, strlen(r->query), NULL) != FF_OK)
		r->args_bad = 1;
	/* A cookie header over the limits is ignored as a whole. */
	(void)kv_parse_cookie(&r->cookies, req_env(r, "HTTP_COOKIE"), NULL);

	s = req_env(r, "CONTENT_TYPE");
	r->content_type = s != NULL && *s != '\0' ? xstrdup(s) : NULL;
	if ((s = req_env(r, "CONTENT_LENGTH")) != NULL && *s != '\0') {
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0' && n >= 0)
			r->content_length = n;
	}
}

void
req_free(struct http_req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->content_type);
	kv_free(&r->args);
	kv_free(&r->cookies);
	kv_free(&r->post);
	mp_free(r->form);
	buf_free(&r->head);
	memset(r, 0, sizeof(*r));
}

void
req_log(const struct http_req *r, const char *fmt, ...)
{
	struct buf	 b;
	va_list		 ap;

	buf_init(&b);
	buf_printf(&b, "framefit[%d] %s: ", (int)getpid(),
	    r != NULL ? r->id : "-");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_putc(&b, '\n');
	/* One write, so lines of concurrent workers do not interleave. */
	if (write(STDERR_FILENO, b.ptr, b.len) < 0)
		(void)0;
	buf_free(&b);
}

/* ---- The body ---- */

static long
body_read(struct http_req *r, void *p, size_t len)
{
	if (r->io == NULL || r->io->read == NULL)
		return 0;
	return r->io->read(r->io->ctx, p, len);
}

void
req_drain(struct http_req *r)
{
	char	*chunk = xmalloc(REQ_CHUNK);
	size_t	 total = 0;
	long	 n;

	while (total < REQ_DRAIN_MAX &&
	    (n = body_read(r, chunk, REQ_CHUNK)) > 0)
		total += (size_t)n;
	free(chunk);
}

/* The media type of a Content-Type value, lowercase, without parameters
 * (RFC 9110 §8.3.1: type "/" subtype, case-insensitive). */
static int
ctype_is(const char *ct, const char *type)
{
	size_t len = strlen(type);

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, len) != 0)
		return 0;
	ct += len;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static enum ff_err
read_multipart(struct http_req *r, size_t max, const char **why)
{
	struct mp_limits lim = { .max_body = max };
	enum ff_err	 er = FF_OK;
	char		*chunk = NULL;
	long		 n;

	if ((r->form = mp_new(r->content_type, &lim, &er, why)) == NULL)
		return er;
	chunk = xmalloc(REQ_CHUNK);
	for (;;) {
		if ((n = body_read(r, chunk, REQ_CHUNK)) < 0) {
			er = FF_ESYS;
			*why = "the upload was interrupted";
			goto out;
		}
		if (n == 0)
			break;
		if ((er = mp_feed(r->form, chunk, (size_t)n)) != FF_OK) {
			*why = mp_errmsg(r->form);
			goto out;
		}
	}
	if ((er = mp_finish(r->form)) != FF_OK)
		*why = mp_errmsg(r->form);
out:
	free(chunk);
	return er;
}

static enum ff_err
read_urlencoded(struct http_req *r, size_t max, const char **why)
{
	struct buf	 b;
	enum ff_err	 er = FF_OK;
	char		 chunk[8192];
	long		 n;

	buf_init(&b);
	for (;;) {
		if ((n = body_read(r, chunk, sizeof(chunk))) < 0) {
			er = FF_ESYS;
			*why = "the form was interrupted";
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			er = FF_ETOOBIG;
			goto out;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	if ((er = kv_parse_query(&r->post, b.ptr != NULL ? b.ptr : "", b.len,
	    NULL)) != FF_OK)
		*why = kv_errmsg(&r->post);
out:
	buf_free(&b);
	return er;
}

/*
 * What the parsers allow but no form of ours ever sends, refused so no
 * handler can be fooled by it: a field sent twice (the first would be
 * used and the second silently dropped, so a client and we could each
 * act on a different value), and a NUL byte in a text field (its C
 * string would end there: "FF-RND-4721-TOR\0<anything>" would pass as a
 * SKU). A text field is a part without a filename whose Content-Type is
 * absent or text/... (RFC 7578 §4.4); a file may hold any byte.
 */
static enum ff_err
form_check(struct http_req *r, const char **why)
{
	const struct mp_part	*p;
	const char		*twice = NULL;
	size_t			 i, j, n;

	n = r->form != NULL ? mp_count(r->form) : 0;
	for (i = 0; i < n && twice == NULL; i++) {
		p = mp_part_at(r->form, i);
		for (j = 0; j < i && twice == NULL; j++)
			if (strcmp(mp_part_at(r->form, j)->name, p->name) == 0)
				twice = p->name;
		if (p->filename == NULL && (p->content_type == NULL ||
		    strncasecmp(p->content_type, "text/", 5) == 0) &&
		    memchr(p->data, '\0', p->len) != NULL) {
			snprintf(r->why, sizeof(r->why), "the form field "
			    "\"%.64s\" holds a NUL byte", p->name);
			*why = r->why;
			return FF_EINPUT;
		}
	}
	for (i = 0; i < r->post.n && twice == NULL; i++)
		for (j = 0; j < i && twice == NULL; j++)
			if (strcmp(r->post.v[j].key, r->post.v[i].key) == 0)
				twice = r->post.v[i].key;
	if (twice == NULL)
		return FF_OK;
	snprintf(r->why, sizeof(r->why), "the form has the field \"%.64s\" "
	    "more than once", twice);
	*why = r->why;
	return FF_EINPUT;
}

enum ff_err
req_read_form(struct http_req *r, size_t max, const char **why)
{
	static const char *toobig = "the upload is larger than 15 MB";
	const char	*dummy;
	enum ff_err	 er;
	double		 t = ff_now_ms();

	if (why == NULL)
		why = &dummy;
	*why = "";
	if (max == 0)
		max = REQ_MAX_BODY;
	if (r->content_length >= 0 && (unsigned long long)r->content_length >
	    max) {
		req_drain(r);
		*why = toobig;
		return FF_ETOOBIG;
	}
	if (ctype_is(r->content_type, "multipart/form-data"))
		er = read_multipart(r, max, why);
	else if (ctype_is(r->content_type, "application/x-www-form-urlencoded"))
		er = read_urlencoded(r, max, why);
	else {
		req_drain(r);
		*why = "the form must be sent as multipart/form-data";
		return FF_EMEDIATYPE;
	}
	if (er == FF_OK)
		er = form_check(r, why);
	else if (er == FF_ETOOBIG) {
		req_drain(r);
		*why = toobig;
	} else if (er != FF_OK && er != FF_ESYS)
		req_drain(r);
	if (er != FF_OK && (*why == NULL || **why == '\0'))
		*why = ff_strerror(er);
	r->read_ms = ff_now_ms() - t;
	return er;
}

const char *
req_field(const struct http_req *r, const char *name)
{
	const struct mp_part *p;

	if (r->form != NULL && (p = mp_get(r->form, name)) != NULL)
		return p->data;
	return kv_get(&r->post, name);
}

/* ---- Request headers ---- */

int
req_wants_json(const struct http_req *r)
{
	const char	*a = req_env(r, "HTTP_ACCEPT");
	int		 j, h;

	j = accept_q(a, "application", "json", 1);
	h = accept_q(a, "text", "html", 1);
	return j > 0 && j > h;
}

int
req_etag_match(const struct http_req *r, const char *etag)
{
	const char	*s = req_env(r, "HTTP_IF_NONE_MATCH"), *e;
	size_t		 len;

	if (s == NULL || etag == NULL)
		return 0;
	/* Weak comparison: a W/ prefix on either side is ignored. */
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	len = strlen(etag);
	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '*')
			return 1;
		if (strncmp(s, "W/", 2) == 0)
			s += 2;
		if (*s != '"')
			return 0;
		if ((e = strchr(s + 1, '"')) == NULL)
			return 0;
		if ((size_t)(e + 1 - s) == len && memcmp(s, etag, len) == 0)
			return 1;
		s = e + 1;
	}
	return 0;
}

int
req_cross_origin(const struct http_req *r)
{
	const char	*o = req_env(r, "HTTP_ORIGIN");
	const char	*h = req_env(r, "HTTP_HOST");

	if (o == NULL || *o == '\0')
		return 0;
	/* A browser sends "null" for opaque origins: never ours. */
	if (h == NULL)
		return 1;
	if (strncmp(o, "http://", 7) == 0)
		o += 7;
	else if (strncmp(o, "https://", 8) == 0)
		o += 8;
	else
		return 1;
	return strcasecmp(o, h) != 0;
}

/* ---- The response ---- */

const char *
req_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

void
req_status(struct http_req *r, int status)
{
	if (r->head_sent)
		req_log(r, "status %d after the head was sent", status);
	else
		r->status = status;
}

void
req_header(struct http_req *r, const char *name, const char *fmt, ...)
{
	struct buf	 v;
	va_list		 ap;

	if (r->head_sent) {
		req_log(r, "header %s after the head was sent", name);
		return;
	}
	buf_init(&v);
	buf_append(&v, "", 0);		/* never NULL, even when empty */
	va_start(ap, fmt);
	buf_vprintf(&v, fmt, ap);
	va_end(ap);
	if (strpbrk(v.ptr, "\r\n") != NULL || strpbrk(name, "\r\n: ") != NULL)
		req_log(r, "header %s refused: CR or LF in it", name);
	else
		buf_printf(&r->head, "%s: %s\r\n", name, v.ptr);
	buf_free(&v);
}

static enum ff_err
raw_write(struct http_req *r, const void *p, size_t len)
{
	if (r->client_gone)
		return FF_ESYS;
	if (len == 0)
		return FF_OK;
	if (r->io == NULL || r->io->write == NULL ||
	    r->io->write(r->io->ctx, p, len) != 0) {
		r->client_gone = 1;
		return FF_ESYS;
	}
	return FF_OK;
}

static enum ff_err
send_head(struct http_req *r)
{
	struct buf	 h;
	enum ff_err	 er;
	const char	*fa;

	if (r->head_sent)
		return FF_OK;
	r->head_sent = 1;
	buf_init(&h);
	/* RFC 3875 §6.3.3: the gateway turns Status into the status line. */
	buf_printf(&h, "Status: %d %s\r\n", r->status, req_reason(r->status));
	/* CSP Level 2 §7.7: frame-ancestors decides; X-Frame-Options can
	 * only say DENY or one origin, so it goes when framing is allowed.
	 * The origins were checked at start (setting_origins()); a CR or LF
	 * here still never reaches the head. */
	fa = r->frame_ancestors;
	if (fa != NULL && (*fa == '\0' || strpbrk(fa, "\r\n") != NULL))
		fa = NULL;
	if (fa != NULL)
		buf_printf(&h, "Content-Security-Policy: " REQ_CSP_BASE
		    "frame-ancestors %s\r\n", fa);
	else
		buf_puts(&h, "Content-Security-Policy: " REQ_CSP "\r\n"
		    "X-Frame-Options: DENY\r\n");
	buf_puts(&h, "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Permissions-Policy: camera=(self), microphone=(), geolocation=()\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n");
	buf_append(&h, r->head.ptr, r->head.len);
	buf_puts(&h, "\r\n");
	er = raw_write(r, h.ptr, h.len);
	buf_free(&h);
	return er;
}

enum ff_err
req_write(struct http_req *r, const void *p, size_t len)
{
	enum ff_err er;

	if ((er = send_head(r)) != FF_OK)
		return er;
	if (r->head_only)
		return FF_OK;
	if ((er = raw_write(r, p, len)) == FF_OK)
		r->sent += len;
	return er;
}

void
req_send(struct http_req *r, int status, const char *ctype, const void *body,
    size_t len)
{
	req_status(r, status);
	/* RFC 9110 §15.3.5, §15.4.5: 204 and 304 carry no content. */
	if (status == 204 || status == 304)
		len = 0;
	else {
		if (ctype != NULL)
			req_header(r, "Content-Type", "%s", ctype);
		req_header(r, "Content-Length", "%zu", len);
	}
	if (req_write(r, body, len) != FF_OK)
		req_log(r, "client went away");
}

void
req_redirect(struct http_req *r, int status, const char *location)
{
	static const char body[] = "Redirecting\n";

	req_header(r, "Location", "%s", location);
	req_header(r, "Cache-Control", "no-store");
	req_send(r, status, "text/plain; charset=utf-8", body,
	    sizeof(body) - 1);
}

void
req_finish(struct http_req *r)
{
	static const char body[] = "500 Internal Server Error\n";

	if (!r->head_sent) {
		req_log(r, "%s %s: the handler sent nothing", r->method, r->path);
		req_header(r, "Cache-Control", "no-store");
		req_send(r, 500, "text/plain; charset=utf-8", body,
		    sizeof(body) - 1);
	}
}
