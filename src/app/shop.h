/*
 * shop.h: the shopper's pages, the try-on itself: shop.c up to the
 * upload, result.c the pages of one try-on (/t/...). The router
 * (router.h) calls each for its route:
 *
 *   GET  /                      shop_index: upload page (photo or webcam,
 *                               the catalog)
 *   POST /tryon                 shop_tryon: multipart photo, frame (SKU),
 *                               pd_mm, source (form|webcam), consent
 *                               (only with FF_NEWSLETTER, newsletter.h)
 *                               -> 303 /t/{token}; 422 with tips when no
 *                               face. The same frame, pd_mm and source
 *                               in the query (app.js) keep the choices
 *                               on the error page of a body refused
 *                               unread (413)
 *   GET  /t/{token}             shop_result: result page; ?frame=SKU
 *                               switches frames, ?pd=MM keeps the
 *                               shopper's own PD (shop_pd_parse());
 *                               app.js swaps its parts in place
 *   GET  /t/{token}/{sku}.jpg   shop_render: the photo wearing the frame
 *                               (ETag, 304; ?download=1 as attachment)
 *   GET  /t/{token}/photo       shop_photo: the stored photo itself, for
 *                               the no-face page of a kept photo
 *   POST /t/{token}/delete      shop_delete: "delete my photo" (CSRF
 *                               token required) -> 303 to the upload
 *                               page, with the frame and pd the form
 *                               carried (hidden fields)
 *   POST /t/{token}/withdraw    shop_withdraw: "stop keeping my photo",
 *                               the consent withdrawn (store/consent.h;
 *                               CSRF token required) -> 303 back to the
 *                               result page with the frame and pd the
 *                               form carried
 *   GET  /go/{sku}?t={token}    shop_go: counts a click, 302 to the shop
 *   GET  /thumb/{sku}.png       shop_thumb: catalog thumbnail, drawn once
 *                               per worker
 *   GET  /static/{name}.css|js|svg  shop_static: app.css, app.js,
 *                               favicon.svg, embed.js
 *   GET  /healthz               shop_healthz: 200 "ok" iff the DB answers
 *                               and the model is loaded, else 503
 *
 * Photos go through photo.h: stored normalised (upright, at most
 * PHOTO_MAX_SIDE pixels on the long side, re-encoded as JPEG without
 * metadata, so EXIF GPS never reaches the database), and every detection
 * coordinate refers to those pixels. The pages that need the database
 * answer 503 while it is away; the upload page renders from the catalog
 * cache.
 *
 * Each handler may assume what the router checked: the method is one the
 * route takes, the query parsed, and the route's captures ({token},
 * {sku}, {name}) are in r->params.
 */
#ifndef FF_APP_SHOP_H
#define FF_APP_SHOP_H

struct http_req;
struct tryon_app;

/* Thumbnail size, pixels (shown at half size for sharp HiDPI). */
#define SHOP_THUMB_W		320
#define SHOP_THUMB_H		128

/*
 * A pupillary distance as a shopper types it, in millimetres rounded to
 * the tenth: "63", "63.5", "63,5" (a decimal comma) and "63.5 mm" all
 * read; 0 when s is NULL, empty or blank; -1 when it is anything else
 * or outside FRAME_PD_MIN_MM..FRAME_PD_MAX_MM (render/frames.h).
 */
double	shop_pd_parse(const char *s);

void	shop_index(struct tryon_app *, struct http_req *);
void	shop_tryon(struct tryon_app *, struct http_req *);
void	shop_result(struct tryon_app *, struct http_req *);
void	shop_render(struct tryon_app *, struct http_req *);
void	shop_photo(struct tryon_app *, struct http_req *);
void	shop_delete(struct tryon_app *, struct http_req *);
void	shop_withdraw(struct tryon_app *, struct http_req *);
void	shop_go(struct tryon_app *, struct http_req *);
void	shop_thumb(struct tryon_app *, struct http_req *);
void	shop_static(struct tryon_app *, struct http_req *);
void	shop_healthz(struct tryon_app *, struct http_req *);

#endif
