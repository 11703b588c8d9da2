/*
 * answer.c: error answers and pages (see answer.h).
 */
#include <stddef.h>

#include "app/answer.h"
#include "core/buf.h"
#include "core/json.h"
#include "http/request.h"
#include "view/template.h"

/* The page of last resort, when no template can be rendered. */
static void
plain_page(struct buf *b, int status, const char *msg)
{
	static const char *const esc[256] = { ['&'] = "&amp;", ['<'] = "&lt;",
	    ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;" };
	const unsigned char *p;

	buf_printf(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>%d %s</title></head><body><h1>%d %s</h1>"
	    "<p>", status, req_reason(status), status, req_reason(status));
	for (p = (const unsigned char *)msg; *p != '\0'; p++)
		if (esc[*p] != NULL)
			buf_puts(b, esc[*p]);
		else
			buf_putc(b, (char)*p);
	buf_puts(b, "</p><p><a href=\"/\">Back to the shop</a></p></body>"
	    "</html>\n");
}

static void
error_write(struct http_req *r, enum ff_err er, const char *msg, int json)
{
	struct tpl_ctx	*ctx;
	struct tpl_val	*root;
	struct buf	 b;
	int		 status = ff_http_status(er);

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
	tpl_obj_set_str(root, "message", msg);
	tpl_obj_set_str(root, "code", ff_errcode(er));
	tpl_obj_set_str(root, "request_id", r->id);
	if (r->tpl == NULL || tpl_render(r->tpl, "error", root, &b) != FF_OK) {
		buf_reset(&b);
		plain_page(&b, status, msg);
	}
	tpl_ctx_free(ctx);
	req_send(r, status, "text/html; charset=utf-8", b.ptr, b.len);
	buf_free(&b);
}

void
req_error(struct http_req *r, enum ff_err er, const char *msg)
{
	error_write(r, er, msg, req_wants_json(r));
}

void
req_error_json(struct http_req *r, enum ff_err er, const char *msg)
{
	error_write(r, er, msg, 1);
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
