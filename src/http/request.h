/*
 * request.h: one HTTP request, everything parsed from it, and its response.
 *
 * One struct http_req owns every string and parsed form of a request
 * (kcgi's struct kreq, in spirit); req_free() releases all of it, so
 * nothing allocated for a request outlives it. The request reaches us as
 * CGI/1.1 meta-variables (RFC 3875 §4.1) plus a body stream, and the
 * response leaves as a CGI response (RFC 3875 §6: a Status header,
 * other headers, a blank line, the body). The transport is a small
 * vtable (struct req_io): fcgi.c supplies one over libfcgi, the unit
 * tests one over memory, so this file never sees FCGX_*.
 *
 * Every response carries the security headers of framefit: a
 * Content-Security-Policy without inline script or style and with
 * frame-ancestors 'none' (or the origins in req->frame_ancestors, with
 * no X-Frame-Options then, since it can name no origin list and would
 * contradict the policy), X-Content-Type-Options: nosniff,
 * Referrer-Policy: same-origin (result URLs carry a token that must not
 * leak to the shop; no-referrer would make browsers send Origin: null on
 * our own form POSTs, which the cross-origin check refuses),
 * X-Frame-Options and Permissions-Policy.
 *
 * This layer writes responses but no pages: the error answer (the
 * "error" template, or JSON {"error":{"code","message"}}) and every other
 * page are the app's, written in one place, src/app/answer.h, with the
 * templates of src/view/. The message is written for the shopper;
 * internals go to the log only. req_finish() is only the transport's
 * last word for a handler that sent nothing at all.
 */
#ifndef FF_HTTP_REQUEST_H
#define FF_HTTP_REQUEST_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/query.h"
#include "http/route.h"

struct mp_parser;
struct tpl_set;

/* The largest request body taken, bytes (the upload limit). */
#define REQ_MAX_BODY		(15u * 1024 * 1024)
/* Bytes of an over-limit body read and dropped before giving up on it:
 * reading it lets the server deliver our 413 instead of a reset. */
#define REQ_DRAIN_MAX		(64u * 1024 * 1024)
/* The size of the chunks the body is read in, bytes. */
#define REQ_CHUNK		(64u * 1024)

/* The Content-Security-Policy of every response (no inline script),
 * less its frame-ancestors directive, which send_head() adds. */
#define REQ_CSP_BASE \
	"default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; " \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; "
/* The whole policy of a response no page may frame: every response but
 * the shop's pages when the shop lists origins (FF_EMBED_ORIGINS,
 * app/embed.h), and what the web server serves itself (conf/). */
#define REQ_CSP	REQ_CSP_BASE "frame-ancestors 'none'"

/*
 * The transport. param() returns a meta-variable ("REQUEST_METHOD",
 * "HTTP_ACCEPT", ...) or NULL; the pointer lives until the request ends.
 * read() reads up to len bytes of the body: the count, 0 at its end, -1
 * on error. write() sends len bytes: 0, or -1 when the client is gone.
 */
struct req_io {
	const char	*(*param)(void *ctx, const char *name);
	long		 (*read)(void *ctx, void *buf, size_t len);
	int		 (*write)(void *ctx, const void *buf, size_t len);
	void		*ctx;
};

struct http_req {
	/* ---- In: copied or parsed at req_init(), owned ---- */
	char		*method;	/* "GET", never NULL */
	char		*path;		/* the URL path, not decoded; "/" at least */
	char		*query;		/* after the '?', "" if none */
	char		*content_type;	/* NULL if none */
	long long	 content_length; /* bytes; -1 when not given */
	char		 id[9];		/* random hex, for the log lines */
	int		 head_only;	/* HEAD: headers without the body */
	struct kv_list	 args;		/* the query string's pairs */
	int		 args_bad;	/* the query string did not parse */
	struct kv_list	 cookies;	/* the Cookie header's pairs */
	struct kv_list	 post;		/* an x-www-form-urlencoded body */
	struct mp_parser *form;		/* a multipart/form-data body, or NULL */
	struct route_params params;	/* captures of the matched route */
	char		 why[160];	/* a message req_read_form() built for
					 * this request (*why may point here) */
	double		 t0;		/* ff_now_ms() at req_init() */
	double		 read_ms;	/* req_read_form()'s time: the body
					 * read and parsed, milliseconds */

	/* ---- Out ---- */
	int		 status;	/* 200 unless set */
	struct buf	 head;		/* extra header lines, CRLF-terminated */
	int		 head_sent;
	int		 client_gone;	/* a write failed; later ones are dropped */
	size_t		 sent;		/* body bytes written */
	const char	*frame_ancestors; /* borrowed: the origins that may
					 * frame this response, separated
					 * by spaces (CSP source
					 * expressions); NULL or "":
					 * 'none' */
	const struct tpl_set *tpl;	/* borrowed, opaque here: the pages
					 * app/answer.h renders (its "error"
					 * page); NULL: errors in plain HTML */

	const struct req_io *io;	/* borrowed */
};

/* Start a request over io: copy and parse the meta-variables. */
void		 req_init(struct http_req *, const struct req_io *io);
/* Free everything the request owns. The struct may be reused after a
 * new req_init(). */
void		 req_free(struct http_req *);

/* A meta-variable as the server sent it (e.g. "HTTP_IF_NONE_MATCH"), or
 * NULL. Owned by the transport: valid until the request ends. */
const char	*req_env(const struct http_req *, const char *name);

/*
 * Read the whole body, at most max bytes (0: REQ_MAX_BODY), in chunks of
 * REQ_CHUNK, and parse it by its Content-Type into req->form
 * (multipart/form-data, RFC 7578) or req->post (RFC 1866 §8.2.1
 * urlencoded). Returns FF_OK; FF_ETOOBIG for a body over max (decided
 * from CONTENT_LENGTH before reading when it is given; the rest of the
 * body is read and dropped); FF_EMEDIATYPE for another Content-Type;
 * FF_EINPUT for a malformed body, or for a form that sends a field twice
 * or has a NUL byte in a text field (see form_check() in request.c);
 * FF_ESYS when the body cannot be read
 * (the client went away). *why (may be NULL) then points to a message for
 * the shopper, owned by the request.
 */
enum ff_err	 req_read_form(struct http_req *, size_t max, const char **why);

/* Read and drop whatever is left of the body (at most REQ_DRAIN_MAX). */
void		 req_drain(struct http_req *);

/* The value of a form field (multipart text part or urlencoded pair), or
 * NULL. For a multipart part with a filename this is its bytes. */
const char	*req_field(const struct http_req *, const char *name);

/* 1 if the client prefers JSON: Accept (accept.h) gives application/json
 * itself a q above 0 and above that of text/html. */
int		 req_wants_json(const struct http_req *);

/*
 * 1 if If-None-Match matches etag (a quoted entity-tag such as "\"ab12\"")
 * under the weak comparison of RFC 9110 §13.1.2, or is "*".
 */
int		 req_etag_match(const struct http_req *, const char *etag);

/* 1 if the request carries an Origin header naming another site than its
 * Host (a cross-site POST), 0 when there is none or it matches. */
int		 req_cross_origin(const struct http_req *);

/* ---- The response ---- */

void		 req_status(struct http_req *, int status);
/*
 * Add a header line. A value holding CR or LF is refused (logged) so no
 * caller can be tricked into splitting the response. Headers added after
 * the head was sent are dropped (logged).
 */
void		 req_header(struct http_req *, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Send the head if not yet sent, then len bytes of body (none for HEAD).
 * FF_ESYS once the client is gone. */
enum ff_err	 req_write(struct http_req *, const void *, size_t);
/* A whole response: status, Content-Type, Content-Length and the body. */
void		 req_send(struct http_req *, int status, const char *ctype,
		    const void *body, size_t len);
/* A redirect (301, 302, 303) to location, which must be a path or URL
 * we built ourselves. */
void		 req_redirect(struct http_req *, int status, const char *location);
/* Complete the response: a handler that sent nothing gets a bare 500
 * (logged). The app's router never leaves one: it answers with its own
 * error page (app/answer.h). */
void		 req_finish(struct http_req *);

/* The reason phrase of a status code (RFC 9110 §15), "" if unknown. */
const char	*req_reason(int status);

/* Write a line "framefit[pid] id: ..." to stderr. */
void		 req_log(const struct http_req *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
