/*
 * tryon.h: the try-on web app, the use case behind cgi-bin/framefit.fcgi.
 *
 *   GET  /                      upload page: photo or webcam, the catalog
 *   POST /tryon                 multipart photo, frame (SKU), pd_mm,
 *                               source (form|webcam) -> 303 /t/{token}
 *   GET  /t/{token}             result page; ?frame=SKU switches frames,
 *                               ?pd=MM keeps the shopper's own PD
 *   GET  /t/{token}/{sku}.jpg   the photo wearing the frame (ETag, 304)
 *   POST /t/{token}/delete      "delete my photo" (CSRF token required)
 *   GET  /go/{sku}?t={token}    counts a click, 302 to the shop
 *   GET  /thumb/{sku}.png       catalog thumbnail, drawn once per worker
 *   GET  /static/{name}         app.css, app.js, favicon.svg
 *   GET  /healthz               200 "ok" iff the DB answers and the model
 *                               is loaded, else 503
 *   /admin/...                  the staff pages (admin.h; the web server
 *                               guards them with basic auth)
 *
 * One struct tryon_app is the long-lived state of one worker process:
 * the compiled templates, the detector, the DB connection, the catalog
 * cache with its thumbnails, the static files and the CSRF secret. It is
 * set up once by tryon_open() and is not thread-safe (one per process).
 * A database or model that is missing at start is retried later (the
 * pages that need it answer 503 meanwhile); only unusable templates stop
 * the worker from starting.
 *
 * Photos are stored normalised: upright, at most TRYON_MAX_SIDE pixels on
 * the long side, re-encoded as JPEG without metadata (so EXIF GPS never
 * reaches the database), and every detection coordinate refers to those
 * pixels.
 */
#ifndef FF_APP_TRYON_H
#define FF_APP_TRYON_H

#include "core/err.h"

struct http_req;

/* Longest side of a stored photo, pixels. */
#define TRYON_MAX_SIDE		1600
/* Most pixels an upload may declare (decided from the header). */
#define TRYON_MAX_PIXELS	(50u * 1000 * 1000)
/* JPEG quality of the stored photo and of the renders. */
#define TRYON_STORE_QUALITY	90
#define TRYON_RENDER_QUALITY	85
/* Thumbnail size, pixels (shown at half size for sharp HiDPI). */
#define TRYON_THUMB_W		320
#define TRYON_THUMB_H		128
/* Seconds between attempts to open a missing model. */
#define TRYON_MODEL_RETRY_S	30

/*
 * Where things are. A NULL field takes the environment variable shown,
 * then the default below FF_DATADIR (the source tree).
 */
struct tryon_opts {
	const char	*templates;	/* FF_TEMPLATES: FF_DATADIR/templates */
	const char	*static_dir;	/* FF_STATIC: <templates>/static */
	const char	*models;	/* FF_MODELS_DIR: FF_DATADIR/models */
	const char	*sqldir;	/* FF_SQL_DIR: FF_DATADIR/sql */
	const char	*secret_file;	/* FF_SECRET_FILE: FF_DATADIR/var/secret;
					 * created (0600) if missing */
	int		 migrate;	/* apply sql/ migrations on connect
					 * (FF_MIGRATE=0 turns it off) */
};

struct tryon_app;

/*
 * Set up a worker. FF_ECONFIG or FF_EIO when the templates cannot be
 * loaded (logged); every other dependency is optional at start. The
 * caller owns *out and frees it with tryon_close().
 */
enum ff_err	 tryon_open(const struct tryon_opts *, struct tryon_app **out);
void		 tryon_close(struct tryon_app *);

/* Answer one request (the fcgi_handler callback; arg is the app). */
void		 tryon_handle(void *app, struct http_req *);

/* Reload the templates, the static files, the catalog and the model
 * (SIGHUP). What fails to reload keeps its old version. */
void		 tryon_reload(void *app);

/* Connect and apply the migrations once, for `framefit.fcgi --migrate`.
 * *applied gets how many ran. */
enum ff_err	 tryon_migrate(const struct tryon_opts *, int *applied);

#endif
