/*
 * embed.c: the shop's product pages (see embed.h).
 */
#include <stdio.h>
#include <string.h>

#include "app/embed.h"
#include "core/buf.h"
#include "core/setting.h"
#include "http/query.h"
#include "http/request.h"
#include "render/frame.h"
#include "view/template.h"

/* Read once before the workers fork, then only read. */
static char	origins[EMBED_ORIGINS_MAX];

enum ff_err
embed_init(void)
{
	return setting_origins("FF_EMBED_ORIGINS", origins, sizeof(origins));
}

const char *
embed_ancestors(void)
{
	return origins[0] != '\0' ? origins : NULL;
}

/* 1 if the space-separated list holds origin o. */
static int
listed(const char *list, const char *o)
{
	const char	*p = list;
	size_t		 n = strlen(o);

	for (; n > 0 && (p = strstr(p, o)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * 1 if u is a URL we may carry: an http(s) origin, then nothing or a
 * path, query or fragment of visible ASCII (no backslash, which browsers
 * read as '/', no quote or angle bracket), at most EMBED_RETURN_MAX
 * bytes. o gets its origin.
 */
static int
return_syntax(const char *u, char o[SETTING_ORIGIN_MAX + 1])
{
	const char	*rest, *p;

	if (u == NULL || strlen(u) > EMBED_RETURN_MAX ||
	    !setting_origin(u, o, &rest))
		return 0;
	if (*rest != '\0' && *rest != '/' && *rest != '?' && *rest != '#')
		return 0;
	for (p = rest; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\\\"<>`", *p) != NULL)
			return 0;
	return 1;
}

/* The return URL of r when we may carry it, else NULL. */
static const char *
return_of(const struct http_req *r, char o[SETTING_ORIGIN_MAX + 1])
{
	const char *u = kv_get(&r->args, "return");

	return return_syntax(u, o) ? u : NULL;
}

/* The return URL's origin o is the shop's: one that may frame us, or
 * that of a frame's shop link. */
static int
origin_ok(const char *o, const struct frame *frames, size_t n)
{
	char	 fo[SETTING_ORIGIN_MAX + 1];
	size_t	 i;

	if (listed(origins, o))
		return 1;
	for (i = 0; i < n; i++)
		if (setting_origin(frames[i].product_url, fo, NULL) &&
		    strcmp(fo, o) == 0)
			return 1;
	return 0;
}

int
embed_return_ok(const char *url, const struct frame *frames, size_t n)
{
	char	 o[SETTING_ORIGIN_MAX + 1];

	return return_syntax(url, o) && origin_ok(o, frames, n);
}

/*
 * 1 if r asks for the embedded layout and some origin may frame it:
 * embed=1, or a navigation the browser says is inside an iframe (Fetch
 * Metadata, Sec-Fetch-Dest: iframe), which holds after a form's 303 and
 * on links that lost the parameter.
 */
static int
embedded(const struct http_req *r)
{
	const char *e = kv_get(&r->args, "embed");
	const char *d = req_env(r, "HTTP_SEC_FETCH_DEST");

	return origins[0] != '\0' && ((e != NULL && strcmp(e, "1") == 0) ||
	    (d != NULL && strcmp(d, "iframe") == 0));
}

void
embed_keep(const struct http_req *r, struct buf *b)
{
	char		 o[SETTING_ORIGIN_MAX + 1];
	const char	*u = return_of(r, o);
	char		 sep = strchr(b->ptr, '?') != NULL ? '&' : '?';

	if (embedded(r)) {
		buf_printf(b, "%cembed=1", sep);
		sep = '&';
	}
	if (u != NULL) {
		buf_printf(b, "%creturn=", sep);
		url_encode(b, u);
	}
}

void
embed_vars(const struct http_req *r, struct tpl_val *root,
    const struct frame *frames, size_t n)
{
	char		 o[SETTING_ORIGIN_MAX + 1];
	const char	*u = return_of(r, o);
	struct buf	 b;

	buf_init(&b);
	buf_putc(&b, '/');
	embed_keep(r, &b);
	tpl_obj_set_str(root, "keep_q", b.ptr + 1);
	if (b.len > 1)
		b.ptr[1] = '&';
	tpl_obj_set_str(root, "keep_a", b.ptr + 1);
	buf_free(&b);
	tpl_obj_set_bool(root, "embed", embedded(r));
	tpl_obj_set_str(root, "embed_origins", origins);
	if (u != NULL)
		tpl_obj_set_str(root, "return_keep", u);
	if (u != NULL && origin_ok(o, frames, n))
		tpl_obj_set_str(root, "return_url", u);
}
