/*
 * app.c: the long-lived state of one worker (see app.h): set up once,
 * reloaded on SIGHUP, and the helpers every page shares.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "app/app.h"
#include "app/newsletter.h"
#include "app/purge.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "http/request.h"
#include "image/decode.h"
#include "render/frames.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/records.h"
#include "view/money.h"
#include "view/template.h"
#include "vision/detector.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* Seconds between attempts to reach a database that is down, so a dead
 * server costs a request one failed connect per second, not each. */
#define DB_RETRY_S		1

/* The files behind tryon_app.statics, in that order. */
static const struct {
	const char	*name;
	const char	*ctype;
} static_names[NSTATIC] = {
	{ "app.css", "text/css; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "favicon.svg", "image/svg+xml" },
	{ "embed.js", "text/javascript; charset=utf-8" },
};

/* ---- Small helpers ---- */

static char *
opt_path(const char *given, const char *env, const char *def)
{
	const char *e;

	if (given != NULL && *given != '\0')
		return xstrdup(given);
	if ((e = getenv(env)) != NULL && *e != '\0')
		return xstrdup(e);
	return xstrdup(def);
}

static void
b64url(const unsigned char *p, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	/* RFC 4648 §5 without padding. */
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		unsigned v = p[i] << 16;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = p[i] << 16 | p[i + 1] << 8;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
	}
	out[o] = '\0';
}

void
app_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

/* A quoted strong entity-tag from a digest (RFC 9110 §8.8.3). */
void
app_etag_of(const unsigned char d[32], char out[40])
{
	char s[32];

	b64url(d, 18, s);
	snprintf(out, 40, "\"%s\"", s);
}

void
app_send_tagged(struct http_req *r, const char *ctype, const void *body,
    size_t len, const char *etag, const char *cache)
{
	unsigned char	 d[32];
	char		 made[40];

	if (etag == NULL) {
		app_sha256(body, len, d);
		app_etag_of(d, made);
		etag = made;
	}
	req_header(r, "ETag", "%s", etag);
	req_header(r, "Cache-Control", "%s", cache);
	if (req_etag_match(r, etag))
		req_send(r, 304, NULL, "", 0);
	else
		req_send(r, 200, ctype, body, len);
}

int
app_sku_valid(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 32 || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static void
read_file(const char *path, struct blob *b)
{
	struct buf	 x;
	char		 chunk[8192];
	ssize_t		 n;
	int		 fd;
	unsigned char	 d[32];

	free(b->p);
	memset(b, 0, sizeof(*b));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		req_log(NULL, "%s: %s", path, strerror(errno));
		return;
	}
	buf_init(&x);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && x.len < (4u << 20))
		buf_append(&x, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		req_log(NULL, "%s: %s", path, strerror(errno));
		buf_free(&x);
		return;
	}
	b->p = (unsigned char *)buf_steal(&x, &b->len);
	app_sha256(b->p, b->len, d);
	app_etag_of(d, b->etag);
}

/* ---- Long-lived state ---- */

/*
 * The CSRF secret, shared by every worker through a file so that any of
 * them can check a token another one issued. Created atomically the
 * first time: written to a private temporary file, then link()ed into
 * place, so two workers racing both end up with the winner's secret.
 */
static void
secret_load(struct tryon_app *a)
{
	struct buf	 tmp;
	unsigned char	 fresh[32];
	char		 tok[UPLOAD_TOKEN_LEN + 1];
	ssize_t		 n;
	int		 fd, tries;

	for (tries = 0; tries < 3; tries++) {
		if ((fd = open(a->secret_file, O_RDONLY | O_CLOEXEC)) >= 0) {
			n = read(fd, a->secret, sizeof(a->secret));
			close(fd);
			if (n == (ssize_t)sizeof(a->secret)) {
				OPENSSL_cleanse(tok, sizeof(tok));
				return;
			}
			req_log(NULL, "%s: shorter than 32 bytes; not used",
			    a->secret_file);
			break;
		}
		if (errno != ENOENT)
			break;
		/* 32 characters of a fresh token are 192 random bits. */
		if (upload_token_new(tok) != FF_OK)
			break;
		memcpy(fresh, tok, sizeof(fresh));
		buf_init(&tmp);
		buf_printf(&tmp, "%s.%d.tmp", a->secret_file, (int)getpid());
		fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (write(fd, fresh, sizeof(fresh)) ==
			    (ssize_t)sizeof(fresh) && fsync(fd) == 0 &&
			    link(tmp.ptr, a->secret_file) != 0 && errno != EEXIST)
				req_log(NULL, "%s: %s", a->secret_file,
				    strerror(errno));
			close(fd);
			unlink(tmp.ptr);
		}
		buf_free(&tmp);
		if (fd < 0)
			break;
	}
	/* A per-process secret still protects the delete form, but a token
	 * issued by another worker will not verify: say so. */
	req_log(NULL, "%s: cannot read or create the CSRF secret (%s); using "
	    "a per-process one", a->secret_file, strerror(errno));
	if (upload_token_new(tok) == FF_OK)
		memcpy(a->secret, tok, sizeof(a->secret));
	else
		memset(a->secret, 0x5a, sizeof(a->secret));
	OPENSSL_cleanse(tok, sizeof(tok));
}

/* The CSRF token of the delete form of a photo: HMAC-SHA-256 of the
 * photo's token under the secret, base64url (43 characters). */
void
app_csrf_token(const struct tryon_app *a, const char *token, char out[44])
{
	unsigned char	 mac[32];
	unsigned int	 len = sizeof(mac);
	struct buf	 m;

	buf_init(&m);
	buf_printf(&m, "delete:%s", token);
	HMAC(EVP_sha256(), a->secret, sizeof(a->secret),
	    (const unsigned char *)m.ptr, m.len, mac, &len);
	buf_free(&m);
	b64url(mac, sizeof(mac), out);
}

static void
catalog_drop(struct tryon_app *a)
{
	size_t i;

	if (a->thumbs != NULL)
		for (i = 0; i < a->nframes; i++)
			free(a->thumbs[i].p);
	free(a->thumbs);
	catalog_free(a->frames, a->nframes);
	a->thumbs = NULL;
	a->frames = NULL;
	a->nframes = 0;
	a->catalog_loaded = 0;
}

enum ff_err
app_catalog_refresh(struct tryon_app *a)
{
	struct frame	*f = NULL;
	size_t		 n = 0;
	enum ff_err	 er;

	if ((er = catalog_load(a->db, 0, &f, &n)) != FF_OK)
		return er;
	catalog_drop(a);
	a->frames = f;
	a->nframes = n;
	a->thumbs = xcalloc(n ? n : 1, sizeof(*a->thumbs));
	a->catalog_loaded = 1;
	return FF_OK;
}

/*
 * The purge timer (purge.h): every PURGE_CHECK_S seconds (or the
 * interval, when that is shorter), and a second after a partial run,
 * this worker asks whether a purge is due. The first look waits as long
 * after the worker's first use of the database, so a worker that starts
 * and serves a few requests (a test, a worker recycled after
 * max_requests) does not purge on its way. One struct tryon_app per
 * process: the time is the process's.
 */
static double purge_next_ms;

static void
purge_timer(struct db *db)
{
	struct purge_stats	 st;
	enum ff_err		 er;
	double			 now = ff_now_ms();
	int			 ran = 0, iv = purge_interval_s();
	double			 every = (iv > 0 && iv < PURGE_CHECK_S ? iv :
				    PURGE_CHECK_S) * 1000.0;

	if (iv <= 0)
		return;
	if (purge_next_ms == 0) {
		purge_next_ms = now + every;
		return;
	}
	if (now < purge_next_ms)
		return;
	purge_next_ms = now + every;
	if ((er = purge_tick(db, (long long)time(NULL), &st, &ran)) != FF_OK)
		req_log(NULL, "purge timer: %s", ff_strerror(er));
	else if (ran && (st.uploads > 0 || st.partial))
		req_log(NULL, "purge timer: removed %lld photo(s) in %.0f ms%s",
		    st.uploads, st.ms, st.partial ? "; more to go" : "");
	if (ran && st.partial)
		purge_next_ms = now + 1000.0;
}

/*
 * The connection, opened (and the schema migrated, the catalog loaded)
 * on first use; NULL while the server is unreachable. db.c reconnects
 * an open handle by itself after a server restart. The purge timer runs
 * here, where every request that needs the database passes.
 */
struct db *
app_db(struct tryon_app *a)
{
	enum ff_err	 er;
	int		 applied = 0;

	if (a->db == NULL) {
		if (ff_now_ms() < a->db_retry)
			return NULL;
		a->db_retry = ff_now_ms() + DB_RETRY_S * 1000.0;
		if ((a->db = db_open(NULL, NULL, &er)) == NULL)
			return NULL;
	} else if (!db_connected(a->db)) {
		/* Its server went away and the last reconnect failed: the
		 * same pace, so an outage costs each worker one connect
		 * attempt (and one log line) a second, and an upload is
		 * refused before its photo is read and run through the
		 * detector. */
		if (ff_now_ms() < a->db_retry)
			return NULL;
		a->db_retry = ff_now_ms() + DB_RETRY_S * 1000.0;
	}
	if (a->migrate && !a->migrated) {
		er = db_migrate(a->db, a->sqldir, &applied);
		if (applied > 0)
			req_log(NULL, "applied %d migration(s)", applied);
		/* Client errors (2000 and up) mean the server is away: try
		 * again later. A migration the server refuses is logged and
		 * the site runs on the schema it has (until a SIGHUP or a
		 * restart tries again) rather than going down with it. */
		if (er == FF_EDB && db_errno(a->db) >= 2000)
			return NULL;
		if (er != FF_OK)
			req_log(NULL, "migrations in %s stopped: %s; running on "
			    "the current schema", a->sqldir, ff_strerror(er));
		a->migrated = 1;
	}
	if (!a->catalog_loaded && app_catalog_refresh(a) != FF_OK)
		return NULL;
	if (a->det != NULL && !a->model_looked_up) {
		long long	 id = 0;

		/* A model the trainer registered gets its id on every
		 * detection; an unregistered one (development) gets NULL. */
		er = db_model_by_version(a->db, det_version(a->det), &id);
		if (er == FF_OK || er == FF_ENOTFOUND) {
			a->model_id = er == FF_OK ? id : 0;
			a->model_looked_up = 1;
		}
	}
	purge_timer(a->db);
	return a->db;
}

/* The detector, opened on first use and retried every
 * APP_MODEL_RETRY_S while its files are missing or unusable. */
struct detector *
app_det(struct tryon_app *a)
{
	struct det_opts	 o = { .dir = a->models };
	enum ff_err	 er;

	if (a->det != NULL || ff_now_ms() < a->det_retry)
		return a->det;
	a->det_retry = ff_now_ms() + APP_MODEL_RETRY_S * 1000.0;
	if ((er = det_open(&o, &a->det)) != FF_OK) {
		a->det = NULL;
		req_log(NULL, "model in %s: %s; retrying in %d s", a->models,
		    ff_strerror(er), APP_MODEL_RETRY_S);
		return NULL;
	}
	a->model_looked_up = 0;
	req_log(NULL, "model %s loaded from %s", det_version(a->det), a->models);
	return a->det;
}

static enum ff_err
load_views(struct tryon_app *a)
{
	struct tpl_set	*t;
	struct buf	 msg, path;
	enum ff_err	 er;
	size_t		 i;

	buf_init(&msg);
	if ((t = tpl_load_dir(a->templates, &er, &msg)) == NULL) {
		req_log(NULL, "templates: %s", msg.ptr ? msg.ptr : ff_strerror(er));
		buf_free(&msg);
		return er;
	}
	buf_free(&msg);
	tpl_set_free(a->tpl);
	a->tpl = t;
	buf_init(&path);
	for (i = 0; i < NSTATIC; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", a->static_dir, static_names[i].name);
		read_file(path.ptr, &a->statics[i]);
	}
	buf_free(&path);
	return FF_OK;
}

enum ff_err
app_open(const struct app_opts *o, struct tryon_app **out)
{
	static const struct app_opts none = { .migrate = 1 };
	struct tryon_app *a;
	struct buf	 sd;
	const char	*m;
	enum ff_err	 er;

	if (o == NULL)
		o = &none;
	a = xcalloc(1, sizeof(*a));
	a->templates = opt_path(o->templates, "FF_TEMPLATES",
	    FF_DATADIR "/templates");
	buf_init(&sd);
	buf_printf(&sd, "%s/static", a->templates);
	a->static_dir = opt_path(o->static_dir, "FF_STATIC", sd.ptr);
	buf_free(&sd);
	a->models = opt_path(o->models, "FF_MODELS_DIR", FF_DATADIR "/models");
	a->sqldir = opt_path(o->sqldir, "FF_SQL_DIR", FF_DATADIR "/sql");
	a->secret_file = opt_path(o->secret_file, "FF_SECRET_FILE",
	    FF_DATADIR "/var/secret");
	m = getenv("FF_MIGRATE");
	a->migrate = o->migrate && !(m != NULL && strcmp(m, "0") == 0);
	newsletter_init();

	img_init(NULL);
	if ((er = load_views(a)) != FF_OK) {
		app_close(a);
		return er;
	}
	secret_load(a);
	/* Both may fail here; they are retried when a request needs them. */
	(void)app_det(a);
	(void)app_db(a);
	*out = a;
	return FF_OK;
}

void
app_close(struct tryon_app *a)
{
	size_t i;

	if (a == NULL)
		return;
	catalog_drop(a);
	if (a->det != NULL)
		det_close(a->det);
	db_close(a->db);
	tpl_set_free(a->tpl);
	for (i = 0; i < NSTATIC; i++)
		free(a->statics[i].p);
	OPENSSL_cleanse(a->secret, sizeof(a->secret));
	free(a->templates);
	free(a->static_dir);
	free(a->models);
	free(a->sqldir);
	free(a->secret_file);
	free(a);
}

void
app_reload(void *arg)
{
	struct tryon_app *a = arg;

	req_log(NULL, "reloading templates, catalog and model");
	(void)load_views(a);
	a->migrated = 0;
	(void)app_db(a);
	if (a->db != NULL && app_catalog_refresh(a) != FF_OK)
		req_log(NULL, "catalog not reloaded; keeping the old one");
	if (a->det != NULL) {
		det_close(a->det);
		a->det = NULL;
	}
	a->det_retry = 0;
	(void)app_det(a);
}

enum ff_err
app_migrate(const struct app_opts *o, int *applied)
{
	struct db	*db;
	char		*dir;
	enum ff_err	 er;

	*applied = 0;
	if ((db = db_open(NULL, NULL, &er)) == NULL)
		return er;
	dir = opt_path(o != NULL ? o->sqldir : NULL, "FF_SQL_DIR",
	    FF_DATADIR "/sql");
	er = db_migrate(db, dir, applied);
	free(dir);
	db_close(db);
	return er;
}

/* ---- Catalog lookups ---- */

const struct frame *
app_frame_by_sku(const struct tryon_app *a, const char *sku, size_t *idx)
{
	size_t i;

	for (i = 0; sku != NULL && i < a->nframes; i++)
		if (strcmp(a->frames[i].sku, sku) == 0) {
			if (idx != NULL)
				*idx = i;
			return &a->frames[i];
		}
	return NULL;
}

const struct frame *
app_frame_by_id(const struct tryon_app *a, long long id)
{
	size_t i;

	for (i = 0; i < a->nframes; i++)
		if (a->frames[i].id == id)
			return &a->frames[i];
	return NULL;
}

const struct blob *
app_static(const struct tryon_app *a, const char *name, const char **ctype)
{
	size_t i;

	for (i = 0; i < NSTATIC; i++)
		if (strcmp(static_names[i].name, name) == 0)
			break;
	if (i == NSTATIC || a->statics[i].p == NULL)
		return NULL;
	*ctype = static_names[i].ctype;
	return &a->statics[i];
}

static const char *
style_label(enum frame_style s)
{
	static const char *const l[FRAME_STYLE__MAX] = {
		[FRAME_ROUND] = "Round",
		[FRAME_RECTANGLE] = "Rectangle",
		[FRAME_AVIATOR] = "Aviator",
		[FRAME_CATEYE] = "Cat-eye",
		[FRAME_BROWLINE] = "Browline",
		[FRAME_RIMLESS] = "Rimless",
	};

	return (unsigned)s < FRAME_STYLE__MAX ? l[s] : "";
}

int
app_sale_on(const struct frame *f, long long now)
{
	/* Below the price only: staff may have lowered the price on the
	 * form under the feed's sale (sql/090_feed_stock.sql). */
	return f->sale_cents > 0 && f->sale_cents < f->price_cents &&
	    (f->sale_from == 0 || now >= f->sale_from) &&
	    (f->sale_until == 0 || now < f->sale_until);
}

/* What the shop says of a frame's availability; NULL: nothing. */
static const char *
stock_label(enum frame_stock s)
{
	switch (s) {
	case FRAME_OUT_OF_STOCK:
		return "Out of stock";
	case FRAME_PREORDER:
		return "Pre-order";
	case FRAME_BACKORDER:
		return "Back-order: ships later";
	default:
		return NULL;
	}
}

/* The template object of one frame. */
struct tpl_val *
app_frame_obj(struct tpl_val *o, const struct frame *f)
{
	struct buf	 b;
	int		 sale = app_sale_on(f, (long long)time(NULL));

	buf_init(&b);
	tpl_obj_set_str(o, "sku", f->sku);
	tpl_obj_set_str(o, "name", f->name);
	tpl_obj_set_str(o, "brand", f->brand);
	tpl_obj_set_str(o, "style", frame_style_name(f->style));
	tpl_obj_set_str(o, "style_label", style_label(f->style));
	/* price is what the shopper pays now; was_price the price a sale
	 * is below. */
	money_format(&b, sale ? f->sale_cents : f->price_cents, f->currency);
	tpl_obj_set_str(o, "price", b.ptr);
	if (sale) {
		buf_reset(&b);
		money_format(&b, f->price_cents, f->currency);
		tpl_obj_set_str(o, "was_price", b.ptr);
	}
	tpl_obj_set_str(o, "currency", money_currency(f->currency));
	tpl_obj_set_str(o, "stock", stock_label(f->stock));
	tpl_obj_set_bool(o, "sold_out", f->stock == FRAME_OUT_OF_STOCK);
	buf_reset(&b);
	/* The optician's marking: lens width, bridge, total width (mm);
	 * what is missing of a frame the feed gave without them (only the
	 * admin lists such frames). */
	if (catalog_frame_complete(f))
		buf_printf(&b, "%.0f\u25a1%.0f \u00b7 %.0f mm",
		    f->lens_width_mm, f->bridge_mm, f->total_width_mm);
	else {
		buf_puts(&b, "no ");
		catalog_sizes_missing(catalog_frame_sizes(f), &b);
	}
	tpl_obj_set_str(o, "dims", b.ptr);
	buf_reset(&b);
	buf_printf(&b, "/thumb/%s.png", f->sku);
	tpl_obj_set_str(o, "thumb", b.ptr);
	tpl_obj_set_bool(o, "tinted", f->tint_opacity >= 0.3);
	buf_free(&b);
	return o;
}

struct tpl_ctx *
app_page_ctx(const char *title)
{
	struct tpl_ctx *c = tpl_ctx_new();

	tpl_obj_set_str(tpl_ctx_root(c), "title", title);
	return c;
}

