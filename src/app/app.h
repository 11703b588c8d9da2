/*
 * app.h: the long-lived state of one FastCGI worker, shared by the use
 * cases in src/app/ (tryon.c, admin.c, api.c), and the helpers they share.
 *
 * One struct tryon_app per worker process, set up once by tryon_open()
 * (tryon.h) and never shared between threads. The pieces that can be
 * missing at start (the database, the model) are reached only through
 * app_db() and app_det(), which (re)connect or (re)load on demand and
 * return NULL while the dependency is away: the caller answers 503.
 */
#ifndef FF_APP_APP_H
#define FF_APP_APP_H
#include <stddef.h>

#include <gd.h>

#include "core/err.h"
#include "render/frame.h"
#include "render/frames.h"
#include "vision/geometry.h"

struct db;
struct detector;
struct tpl_set;
struct tpl_val;
struct tpl_ctx;

/* The static files the app serves itself (app.css, app.js, favicon.svg;
 * the web server may serve them first, see conf/). */
#define NSTATIC	3

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

/* The connection, reconnecting at most once a second; NULL = 503. */
struct db	*app_db(struct tryon_app *);
/* The detector, loading it at most every TRYON_MODEL_RETRY_S; NULL = 503. */
struct detector	*app_det(struct tryon_app *);
/* Reload the catalog cache from the database. */
enum ff_err	 app_catalog_refresh(struct tryon_app *);
/* The active frame with this SKU (and its index), or NULL. */
const struct frame *app_frame_by_sku(const struct tryon_app *, const char *sku, size_t *idx);
/* Fill a template object with a frame's fields. */
struct tpl_val	*app_frame_obj(struct tpl_val *, const struct frame *);
/* A template context for a page with this title (the caller frees it). */
struct tpl_ctx	*app_page_ctx(const char *title);
/* [A-Za-z0-9-]{1,32} */
int		 app_sku_valid(const char *);
/* The CSRF token of a photo token: HMAC-SHA256 with the worker secret. */
void		 app_csrf_token(const struct tryon_app *, const char *token, char out[44]);
void		 app_sha256(const void *, size_t, unsigned char out[32]);
void		 app_etag_of(const unsigned char d[32], char out[40]);
/* Eyes inside the box at a plausible spacing (guards against junk). */
int		 app_face_plausible(const struct face *, int w, int h);
void		 app_face_eyes(const struct face *, struct face_eyes *);
/* Put a decoded photo on white (replacing *im): JPEG has no alpha, and a
 * transparent PNG would otherwise turn black where it was see-through. */
enum ff_err	 app_flatten(gdImagePtr *);
/* The faces of an upload's latest detection. */
enum ff_err	 app_faces_load(struct db *, long long upload_id, long long *det_id,
		    struct face *faces, int *n);
/* The JPEG photo with frame f drawn on the faces; *jpg is free()d. */
enum ff_err	 app_render_jpeg(const void *photo, size_t len, const struct face *faces,
		    int n, const struct frame *f, double pd, void **jpg, size_t *jlen);

#endif
