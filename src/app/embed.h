/*
 * embed.h: framefit on the shop's product pages (docs/EMBED.md).
 *
 * Two ways in, both plain URLs the shop writes on its product page:
 *
 *   a link    /?frame=SKU&return=URL     the try-on in its own page; the
 *                                        result page offers "Back to the
 *                                        product" (URL)
 *   an iframe /?frame=SKU&embed=1        the try-on inside the product
 *                                        page, without our header and
 *                                        footer; templates/static/embed.js
 *                                        tells the host page the height
 *                                        and each finished try-on
 *
 * The origins that may frame the shop's pages are FF_EMBED_ORIGINS,
 * read and checked once when the worker starts (embed_init()); without
 * it every page keeps frame-ancestors 'none' and embed=1 changes nothing.
 * The router hands them to the response (embed_ancestors()); only the
 * shop's pages get them, never /admin/ or /api/.
 *
 * What travels from page to page (the form's action, the result page's
 * links, the redirects) is "embed=1" and "return=URL", as query
 * parameters: no cookie, which a third-party iframe may not get. The
 * return URL travels as given (it only ever reaches our own "/" that
 * way); it becomes a link only on a page that checked it
 * (embed_return_ok()): http or https, on an origin in FF_EMBED_ORIGINS
 * or the origin of the shop link of a frame in the catalog. So framefit
 * links only to the shop itself: never an open redirect.
 */
#ifndef FF_APP_EMBED_H
#define FF_APP_EMBED_H
#include <stddef.h>

#include "core/err.h"

struct buf;
struct frame;
struct http_req;
struct tpl_val;

/* The longest FF_EMBED_ORIGINS taken, bytes. */
#define EMBED_ORIGINS_MAX	2048
/* The longest return URL carried, bytes. */
#define EMBED_RETURN_MAX	1024

/* Read and check FF_EMBED_ORIGINS, once, before the workers start.
 * FF_ECONFIG (logged, naming the bad entry) when it is not a list of
 * origins: the worker must not start. */
enum ff_err	 embed_init(void);
/* The origins that may frame the shop's pages, space-separated, or NULL
 * when there are none (frame-ancestors 'none'). */
const char	*embed_ancestors(void);
/* 1 if url may be offered as "Back to the product": see above. frames
 * (n of them, may be NULL) is the active catalog. */
int		 embed_return_ok(const char *url, const struct frame *frames,
		    size_t n);
/*
 * Set what head.html, foot.html and the shop's templates need on a page
 * for request r: "embed" (bool: embed=1 and origins configured),
 * "embed_origins", "keep_q" ("?embed=1&return=..." or ""), "keep_a" (the
 * same with '&'), "return_keep" (the return URL to carry in a GET
 * form's hidden field), and "return_url" when the return URL passes
 * embed_return_ok() against frames (the only one a page may link to).
 */
void		 embed_vars(const struct http_req *r, struct tpl_val *root,
		    const struct frame *frames, size_t n);
/* Append what travels ("embed=1", "return=...") to the URL in b, with
 * '?' or '&' as b already holds a query or not. */
void		 embed_keep(const struct http_req *r, struct buf *b);

#endif
