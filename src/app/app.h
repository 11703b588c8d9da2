/*
 * app.h: the long-lived state of one FastCGI worker (app.c), shared by
 * the use cases in src/app/ (shop.c, admin_*.c, api.c, registry.c), and
 * the small helpers they share.
 *
 * One struct tryon_app per worker process, set up once by app_open() and
 * never shared between threads: the compiled templates, the detector,
 * the DB connection, the catalog cache with its thumbnails, the static
 * files and the CSRF secret. The pieces that can be missing at start
 * (the database, the model) are reached only through app_db() and
 * app_det(), which (re)connect or (re)load on demand and return NULL
 * while the dependency is away: the caller answers 503. Only unusable
 * templates stop a worker from starting.
 *
 * Requests reach the state through the router (router.h), which hands
 * each to the page that answers it. Errors and pages are written by
 * answer.h, included here because every page uses it.
 */
#ifndef FF_APP_APP_H
#define FF_APP_APP_H
#include <stddef.h>

#include "app/answer.h"
#include "core/err.h"
#include "render/frame.h"

struct db;
struct detector;
struct http_req;
struct tpl_set;
struct tpl_val;
struct tpl_ctx;

/* Seconds between attempts to open a missing model. */
#define APP_MODEL_RETRY_S	30

/* The static files the app serves itself (app.css, app.js, favicon.svg,
 * embed.js; the web server may serve them first, see conf/). */
#define NSTATIC	4

struct blob {
	unsigned char	*p;
	size_t		 len;
	char		 etag[40];	/* quoted, ready for the header */
};

struct tryon_app {
	char		*templates;
	char		*static_dir;
	char		*models;
	char		*sqldir;
	char		*secret_file;
	int		 migrate;

	struct tpl_set	*tpl;
	struct blob	 statics[NSTATIC];

	struct detector	*det;		/* NULL until a model loads */
	double		 det_retry;	/* ff_now_ms() of the next attempt */
	long long	 model_id;	/* models.id of det_version(), or 0 */
	int		 model_looked_up;

	struct db	*db;		/* NULL while the server is away */
	double		 db_retry;
	int		 migrated;

	struct frame	*frames;	/* the active catalog, cached */
	size_t		 nframes;
	int		 catalog_loaded;
	struct blob	*thumbs;	/* nframes PNGs, drawn on demand */

	unsigned char	 secret[32];	/* HMAC key of the CSRF tokens */
};

/*
 * Where things are. A NULL field takes the environment variable shown,
 * then the default below FF_DATADIR (the source tree).
 */
struct app_opts {
	const char	*templates;	/* FF_TEMPLATES: FF_DATADIR/templates */
	const char	*static_dir;	/* FF_STATIC: <templates>/static */
	const char	*models;	/* FF_MODELS_DIR: FF_DATADIR/models */
	const char	*sqldir;	/* FF_SQL_DIR: FF_DATADIR/sql */
	const char	*secret_file;	/* FF_SECRET_FILE: FF_DATADIR/var/secret;
					 * created (0600) if missing */
	int		 migrate;	/* apply sql/ migrations on connect
					 * (FF_MIGRATE=0 turns it off) */
};

/*
 * Set up a worker (NULL options: all defaults, migrations on).
 * FF_ECONFIG or FF_EIO when the templates cannot be loaded (logged);
 * every other dependency is optional at start. The caller owns *out and
 * frees it with app_close().
 */
enum ff_err	 app_open(const struct app_opts *, struct tryon_app **out);
void		 app_close(struct tryon_app *);
/* Reload the templates, the static files, the catalog and the model
 * (SIGHUP; the fcgi_handler reload callback, arg is the app). What fails
 * to reload keeps its old version. */
void		 app_reload(void *app);
/* Connect and apply the migrations once, for `framefit.fcgi --migrate`.
 * *applied gets how many ran. */
enum ff_err	 app_migrate(const struct app_opts *, int *applied);

/* The connection, reconnecting at most once a second; NULL = 503. */
struct db	*app_db(struct tryon_app *);
/* The detector, loading it at most every APP_MODEL_RETRY_S; NULL = 503. */
struct detector	*app_det(struct tryon_app *);
/* Reload the catalog cache from the database. */
enum ff_err	 app_catalog_refresh(struct tryon_app *);
/* The active frame with this SKU (and its index), or NULL. */
const struct frame *app_frame_by_sku(const struct tryon_app *, const char *sku, size_t *idx);
/* The active frame with this frames.id, or NULL. */
const struct frame *app_frame_by_id(const struct tryon_app *, long long id);
/* One of the static files by name ("app.css"), with its Content-Type;
 * NULL when it is not one of ours or could not be read. */
const struct blob *app_static(const struct tryon_app *, const char *name,
		    const char **ctype);
/*
 * Fill a template object with a frame's fields: price (what is paid now,
 * in the frame's currency, view/money.h), was_price (while a sale is on),
 * currency, stock (a label, absent when the feed says nothing or
 * in_stock), sold_out, dims, thumb, ...
 */
struct tpl_val	*app_frame_obj(struct tpl_val *, const struct frame *);
/* 1 when f's sale price is the price at Unix time now: within its
 * window and below the price. */
int		 app_sale_on(const struct frame *, long long now);
/* A template context for a page with this title (the caller frees it). */
struct tpl_ctx	*app_page_ctx(const char *title);
/* [A-Za-z0-9-]{1,32} */
int		 app_sku_valid(const char *);
/* The CSRF token of a photo token: HMAC-SHA256 with the worker secret. */
void		 app_csrf_token(const struct tryon_app *, const char *token, char out[44]);
void		 app_sha256(const void *, size_t, unsigned char out[32]);
void		 app_etag_of(const unsigned char d[32], char out[40]);
/*
 * Send len bytes of body as a 200 of type ctype with an ETag (etag, a
 * quoted entity-tag, or NULL: one made from the body's SHA-256) and
 * "Cache-Control: <cache>", or a bodiless 304 when If-None-Match names
 * that tag (RFC 9110 §13.1.2), so a client revalidates cheaply.
 */
void		 app_send_tagged(struct http_req *, const char *ctype,
		    const void *body, size_t len, const char *etag,
		    const char *cache);

#endif
