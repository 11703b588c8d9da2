/*
 * answer.h: the one writer of error answers and pages, for every use
 * case in src/app/ (shop, admin, API, the router's own 404, 405 and
 * 403).
 *
 * An error's status comes from ff_http_status() (core/err.h), the one
 * map from enum ff_err to HTTP; a 503 also gets "Retry-After: 10" (RFC
 * 9110 §10.2.3) and every error "Cache-Control: no-store". The body is
 * either the "error" template of the request's template set (r->tpl)
 * with {status, reason, heading, message, code, request_id, back,
 * back_label, retake} (heading: plain words for a person, where reason
 * is the HTTP phrase), or, when no
 * template renders, a built-in page that still escapes the message; or
 * the JSON object {"error":{"code":"<ff_errcode()>","message":"..."}}.
 * The message is written for the person (or program) reading it; NULL
 * or "" uses ff_strerror(). Internals go to the log only.
 *
 * The staff's pages: an HTML error of a path under /admin/ renders
 * "admin_error" instead (the admin's layout), with the same values plus
 * title, user (REMOTE_USER, when set), the nav_<section> flag of the
 * path's section, a heading in the staff's words, and back/back_label
 * leading to that section's page; without that template, "error" with
 * these values. JSON answers are the same for every path.
 *
 * The functions keep the req_ names they had when they lived in
 * src/http/request.c; they moved here so that http/ never needs the
 * templates of view/.
 */
#ifndef FF_APP_ANSWER_H
#define FF_APP_ANSWER_H

#include "core/err.h"

struct http_req;
struct tpl_val;

/* Answer er as HTML, or as JSON when the client prefers it
 * (req_wants_json()). Ignored (logged) once the head was sent. */
void	req_error(struct http_req *, enum ff_err, const char *msg);
/*
 * Where an error page's button leads: back to where the person can try
 * again with their choices kept (href, a path of ours; NULL: "/"), its
 * words (NULL: "Back to the try-on"), and a second way back for a
 * webcam photo (retake; NULL: none); and the page's heading when the
 * caller knows better words for this one mistake than the error's own
 * (heading; NULL: the error's, such as "Something in that request was
 * not right"). Every string is the caller's and is only read during the
 * call.
 */
struct answer_back {
	const char	*href;
	const char	*label;
	const char	*retake;
	const char	*heading;
};

/* req_error() whose HTML page leads back by back (NULL: as req_error()). */
void	req_error_back(struct http_req *, enum ff_err, const char *msg,
	    const struct answer_back *back);
/* Answer er as JSON whatever Accept says: the API's clients are
 * programs (docs/API.md). Ignored (logged) once the head was sent. */
void	req_error_json(struct http_req *, enum ff_err, const char *msg);
/*
 * Render template name of r->tpl with root and send it as an HTML page
 * with this status. A page that fails to render (or no template set)
 * answers FF_ECONFIG's error instead (logged).
 */
void	req_page(struct http_req *, int status, const char *name,
	    const struct tpl_val *root);

#endif
