/*
 * admin.h: the staff pages under /admin/, one handler per route:
 * admin_reports.c (reports, charts, CSV), admin_catalog.c (frames),
 * admin_models.c (the model registry), admin_retention.c (the purge);
 * what they share is admin_page.h.
 *
 *   GET  /admin/                           reports: live counters, try-ons
 *                                          per frame, per day and hour,
 *                                          detection success, latency,
 *                                          sources, click-through;
 *                                          ?from=YYYY-MM-DD&to=YYYY-MM-DD
 *   GET  /admin/chart/{name}.svg           one chart of the reports (same
 *                                          range arguments)
 *   GET  /admin/export/{table}.csv         one table of the reports, CSV
 *                                          (RFC 4180)
 *   GET  /admin/catalog/                   the frames, with previews
 *   GET  /admin/catalog/new                add a frame (POST: create)
 *   GET  /admin/catalog/{sku}              edit a frame (POST: save)
 *   POST /admin/catalog/{sku}/retire       retire (restore: back in)
 *   POST /admin/catalog/{sku}/restore
 *   POST /admin/catalog/{sku}/artwork      PNG artwork (multipart; checked
 *                                          by artwork.h)
 *   GET  /admin/catalog/{sku}/preview.png  the frame on a sample face
 *   GET  /admin/catalog/import/            import the shop's product feed
 *                                          (POST: multipart upload; feed.h)
 *   GET  /admin/models/                    the model registry
 *   POST /admin/models/scan                register models found on disk
 *   POST /admin/models/{id}/activate       make a model the active one
 *   GET  /admin/models/compare?a=&b=&n=    two models side by side
 *   GET  /admin/retention/                 purge runs and settings
 *   POST /admin/retention/purge            purge now
 *   GET  /admin/static/admin.css           the pages' style sheet
 *
 * Access. The web server asks for the password (basic auth, see conf/);
 * the app refuses, with 403, any request that reaches it without the
 * REMOTE_USER the server sets once the password checked out, so a
 * server configured without auth does not expose the pages. Every POST
 * must come from our own origin and carry the CSRF token of the pages:
 * an HMAC-SHA-256 under the workers' shared secret (app_csrf_token()) of
 * "admin|<user>|<UTC day>", valid on its day and the next; without a
 * valid one the POST is refused with 403 and changes nothing.
 */
#ifndef FF_APP_ADMIN_H
#define FF_APP_ADMIN_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct http_req;
struct tryon_app;

/* The dashboard reloads itself every so many seconds. */
#define ADMIN_REFRESH_S		60
/* Most uploads run through two models on the comparison page. */
#define ADMIN_COMPARE_MAX	10

/*
 * The pages, one handler per admin route of the router's table (router.c). The router calls
 * them only for a request whose REMOTE_USER is set (each reads it with
 * req_env()), whose method the route takes and whose query parsed; the
 * route's captures ({name}, {table}, {sku}, {id}) are in r->params.
 */
void		 admin_reports(struct tryon_app *, struct http_req *);
void		 admin_chart(struct tryon_app *, struct http_req *);
void		 admin_export(struct tryon_app *, struct http_req *);
void		 admin_css(struct tryon_app *, struct http_req *);
void		 admin_catalog(struct tryon_app *, struct http_req *);
/* Both /admin/catalog/new (no {sku}: a new frame) and
 * /admin/catalog/{sku}, GET and POST. */
void		 admin_frame_form(struct tryon_app *, struct http_req *);
void		 admin_frame_retire(struct tryon_app *, struct http_req *);
void		 admin_frame_restore(struct tryon_app *, struct http_req *);
void		 admin_artwork(struct tryon_app *, struct http_req *);
void		 admin_preview(struct tryon_app *, struct http_req *);
/* GET/POST /admin/catalog/import/: the product feed (admin_import.c). */
void		 admin_import(struct tryon_app *, struct http_req *);
void		 admin_models(struct tryon_app *, struct http_req *);
void		 admin_models_scan(struct tryon_app *, struct http_req *);
void		 admin_models_activate(struct tryon_app *, struct http_req *);
void		 admin_models_compare(struct tryon_app *, struct http_req *);
void		 admin_retention(struct tryon_app *, struct http_req *);
void		 admin_purge(struct tryon_app *, struct http_req *);

/* The CSRF token of user on the UTC day of now (Unix s): 43 characters. */
void		 admin_csrf_token(const struct tryon_app *, const char *user,
		    long long now, char out[44]);
/* 1 if token is user's token of today or yesterday (constant time). */
int		 admin_csrf_ok(const struct tryon_app *, const char *user,
		    const char *token, long long now);

/* Append one CSV field (RFC 4180 §2: quoted when it holds a comma, quote,
 * CR or LF; a leading = + - @ is defused with a quote, for spreadsheets). */
void		 admin_csv_field(struct buf *, const char *);

#endif
