/*
 * answer.c: error answers and pages (see answer.h).
 */
#include <stddef.h>
#include <string.h>

#include "app/answer.h"
#include "app/embed.h"
#include "app/newsletter.h"
#include "core/buf.h"
#include "core/json.h"
#include "http/request.h"
#include "view/template.h"

/*
 * The heading of an error page, in words a shopper uses: what happened
 * to them, not the HTTP reason phrase ("Unprocessable Content"), which
 * stays in the status line and the page's reference line.
 */
static const char *
heading_of(enum ff_err er)
{
	switch (er) {
	case FF_EINPUT:
		return "Something in that request was not right";
	case FF_EAUTH:
		return "Please sign in first";
	case FF_EFORBIDDEN:
		return "That is not allowed from here";
	case FF_ENOTFOUND:
		return "We couldn't find that";
	case FF_EMETHOD:
		return "That address does not work this way";
	case FF_ETOOBIG:
		return "That photo is too large";
	case FF_EMEDIATYPE:
		return "We can't read that kind of file";
	case FF_EIMAGE:
	case FF_EPIXELS:
	case FF_ECOST:
		return "We couldn't use that photo";
	case FF_ENOFACE:
		return "We couldn't find a face in that photo";
	case FF_ERATE:
		return "Too many tries in a short time";
	case FF_EDB:
	case FF_EMODEL:
	case FF_EUNAVAIL:
		return "We'll be back in a moment";
	default:
		return "Something went wrong on our side";
	}
}

/* The page of last resort, when no template can be rendered. */
static void
plain_page(struct buf *b, const char *heading, int status, const char *msg)
{
	static const char *const esc[256] = { ['&'] = "&amp;", ['<'] = "&lt;",
	    ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;" };
	const unsigned char *p;

	buf_printf(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>%s</title></head><body><h1>%s</h1>"
	    "<p>", heading, heading);
	for (p = (const unsigned char *)msg; *p != '\0'; p++)
		if (esc[*p] != NULL)
			buf_puts(b, esc[*p]);
		else
			buf_putc(b, (char)*p);
	buf_printf(b, "</p><p><a href=\"/\">Back to the shop</a></p><p>Error "
	    "%d %s</p></body></html>\n", status, req_reason(status));
}

/*
 * The staff's branch: an HTML error of a page under /admin/ is drawn in
 * the admin's layout (templates/admin_error.html) with the section's
 * navigation and a button back to that section, so a refused form, a
 * missing frame or a 403 never drops the staff onto the shop's page,
 * whose button leads out of the admin. Chosen by the path alone: the
 * router, every admin handler and the web server's own errors
 * (REDIRECT_STATUS) all answer through here.
 */
static const struct {
	const char	*prefix;	/* and where "back" leads */
	const char	*label;
	const char	*nav;		/* admin_head.html flag */
} admin_sections[] = {
	{ "/admin/catalog/", "Back to the catalog", "nav_catalog" },
	{ "/admin/models/", "Back to the models", "nav_models" },
	{ "/admin/retention/", "Back to retention", "nav_retention" },
	{ "/admin/", "Back to the reports", "nav_reports" },
};

/* The heading of an admin error page, in the staff's words. */
static const char *
admin_heading_of(enum ff_err er)
{
	switch (er) {
	case FF_EINPUT:
		return "That could not be used";
	case FF_EAUTH:
	case FF_EFORBIDDEN:
		return "That was refused";
	case FF_ENOTFOUND:
		return "Not found";
	case FF_EMETHOD:
		return "This address does not work this way";
	case FF_ETOOBIG:
		return "That is too large";
	case FF_EMEDIATYPE:
		return "That kind of file is not taken here";
	case FF_EIMAGE:
	case FF_EPIXELS:
	case FF_ECOST:
		return "That image could not be used";
	case FF_EDB:
	case FF_EMODEL:
	case FF_EUNAVAIL:
		return "Not available just now";
	default:
		return "Something went wrong on the server";
	}
}

/* Fill root for admin_error.html; 0 (nothing set) when r is not an
 * admin page. */
static int
admin_vars(struct http_req *r, enum ff_err er, struct tpl_val *root)
{
	const char	*user = req_env(r, "REMOTE_USER");
	size_t		 i, n;

	if (strncmp(r->path, "/admin/", 7) != 0 &&
	    strcmp(r->path, "/admin") != 0)
		return 0;
	n = sizeof(admin_sections) / sizeof(admin_sections[0]);
	for (i = 0; i + 1 < n; i++)
		if (strncmp(r->path, admin_sections[i].prefix,
		    strlen(admin_sections[i].prefix)) == 0)
			break;
	tpl_obj_set_str(root, "heading", admin_heading_of(er));
	tpl_obj_set_str(root, "title", admin_heading_of(er));
	tpl_obj_set_str(root, "back", admin_sections[i].prefix);
	tpl_obj_set_str(root, "back_label", admin_sections[i].label);
	tpl_obj_set_bool(root, admin_sections[i].nav, 1);
	if (user != NULL && *user != '\0')
		tpl_obj_set_str(root, "user", user);
	return 1;
}

static void
error_write(struct http_req *r, enum ff_err er, const char *msg, int json,
    const struct answer_back *back)
{
	struct tpl_ctx	*ctx;
	struct tpl_val	*root;
	struct buf	 b;
	const char	*heading;
	int		 status = ff_http_status(er), admin;

	if (r->head_sent) {
		req_log(r, "error %s after the head was sent", ff_errcode(er));
		return;
	}
	if (msg == NULL || *msg == '\0')
		msg = ff_strerror(er);
	req_header(r, "Cache-Control", "no-store");
	if (status == 503)
		req_header(r, "Retry-After", "10");
	buf_init(&b);
	if (json) {
		buf_puts(&b, "{\"error\":{\"code\":");
		json_str(&b, ff_errcode(er));
		buf_puts(&b, ",\"message\":");
		json_str(&b, msg);
		buf_puts(&b, "}}\n");
		req_send(r, status, "application/json", b.ptr, b.len);
		buf_free(&b);
		return;
	}
	ctx = tpl_ctx_new();
	root = tpl_ctx_root(ctx);
	tpl_obj_set_int(root, "status", status);
	tpl_obj_set_str(root, "reason", req_reason(status));
	heading = back != NULL && back->heading != NULL ? back->heading :
	    heading_of(er);
	tpl_obj_set_str(root, "heading", heading);
	/* The shop's return link and iframe travel on (embed.h). */
	if (back == NULL || back->href == NULL) {
		buf_putc(&b, '/');
		embed_keep(r, &b);
	} else
		buf_puts(&b, back->href);
	tpl_obj_set_str(root, "back", b.ptr);
	buf_reset(&b);
	tpl_obj_set_str(root, "back_label", back != NULL &&
	    back->label != NULL ? back->label : "Back to the try-on");
	if (back != NULL && back->retake != NULL)
		tpl_obj_set_str(root, "retake", back->retake);
	tpl_obj_set_str(root, "message", msg);
	tpl_obj_set_str(root, "code", ff_errcode(er));
	tpl_obj_set_str(root, "request_id", r->id);
	/* In the shop's iframe, an error page keeps the embedded layout. */
	embed_vars(r, root, NULL, 0);
	newsletter_vars(root);
	admin = r->tpl != NULL && admin_vars(r, er, root);
	if (admin && tpl_render(r->tpl, "admin_error", root, &b) != FF_OK) {
		buf_reset(&b);
		admin = 0;
	}
	if (!admin && (r->tpl == NULL || tpl_render(r->tpl, "error", root,
	    &b) != FF_OK)) {
		buf_reset(&b);
		plain_page(&b, heading, status, msg);
	}
	tpl_ctx_free(ctx);
	req_send(r, status, "text/html; charset=utf-8", b.ptr, b.len);
	buf_free(&b);
}

void
req_error(struct http_req *r, enum ff_err er, const char *msg)
{
	error_write(r, er, msg, req_wants_json(r), NULL);
}

void
req_error_back(struct http_req *r, enum ff_err er, const char *msg,
    const struct answer_back *back)
{
	error_write(r, er, msg, req_wants_json(r), back);
}

void
req_error_json(struct http_req *r, enum ff_err er, const char *msg)
{
	error_write(r, er, msg, 1, NULL);
}

void
req_page(struct http_req *r, int status, const char *name,
    const struct tpl_val *root)
{
	struct buf	 b;
	enum ff_err	 er;

	buf_init(&b);
	if (r->tpl == NULL)
		er = FF_ECONFIG;
	else
		er = tpl_render(r->tpl, name, root, &b);
	if (er != FF_OK) {
		req_log(r, "template %s: %s", name, ff_strerror(er));
		req_error(r, FF_ECONFIG, "this page could not be shown");
	} else
		req_send(r, status, "text/html; charset=utf-8", b.ptr, b.len);
	buf_free(&b);
}
