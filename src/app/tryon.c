/*
 * tryon.c: the try-on web app (see tryon.h).
 *
 * Data path of POST /tryon, top to bottom: the multipart body (http/),
 * the photo decoded upright and capped (image/), the detector (vision/),
 * the normalised photo, its detection and the try-on stored (store/),
 * a 303 to the result page. The frame is drawn (render/) when the
 * browser asks for /t/{token}/{sku}.jpg, so switching frames never
 * uploads or detects again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "app/admin.h"
#include "app/api.h"
#include "app/registry.h"
#include "app/tryon.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "http/multipart.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "image/decode.h"
#include "image/jpeg.h"
#include "render/frame.h"
#include "render/frames.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/records.h"
#include "view/template.h"
#include "vision/detector.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* Seconds between attempts to reach a database that is down, so a dead
 * server costs a request one failed connect per second, not each. */
#define DB_RETRY_S		1
/* Bump when the drawing changes, so browsers fetch renders again. */
#define RENDER_VERSION		"r1"
/* Largest urlencoded body taken (the delete form), bytes. */
#define SMALL_FORM_MAX		8192

#include "app/app.h"

/* The files behind tryon_app.statics, in that order. */
static const struct {
	const char	*name;
	const char	*ctype;
} static_names[NSTATIC] = {
	{ "app.css", "text/css; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "favicon.svg", "image/svg+xml" },
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

/*
 * A PD in millimetres from a form or query value: 0 when absent or
 * empty, -1 when present but not a number in FRAME_PD_MIN_MM..MAX.
 */
static double
pd_parse(const char *s)
{
	char	*end;
	double	 v;

	if (s == NULL)
		return 0;
	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	errno = 0;
	v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (errno != 0 || *end != '\0' || !isfinite(v) ||
	    v < FRAME_PD_MIN_MM || v > FRAME_PD_MAX_MM)
		return -1;
	/* Tenths of a millimetre are all a ruler gives. */
	return round(v * 10) / 10;
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
 * The connection, opened (and the schema migrated, the catalog loaded)
 * on first use; NULL while the server is unreachable. db.c reconnects
 * an open handle by itself after a server restart.
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
		struct db_arg	 v = DB_TEXT(det_version(a->det));
		long long	 id = 0;

		/* A model the trainer registered gets its id on every
		 * detection; an unregistered one (development) gets NULL. */
		er = db_query_int(a->db, "SELECT id FROM models WHERE version = ?",
		    &v, 1, &id);
		if (er == FF_OK || er == FF_ENOTFOUND) {
			a->model_id = er == FF_OK ? id : 0;
			a->model_looked_up = 1;
		}
	}
	return a->db;
}

/* The detector, opened on first use and retried every
 * TRYON_MODEL_RETRY_S while its files are missing or unusable. */
struct detector *
app_det(struct tryon_app *a)
{
	struct det_opts	 o = { .dir = a->models };
	enum ff_err	 er;

	if (a->det != NULL || ff_now_ms() < a->det_retry)
		return a->det;
	a->det_retry = ff_now_ms() + TRYON_MODEL_RETRY_S * 1000.0;
	if ((er = det_open(&o, &a->det)) != FF_OK) {
		a->det = NULL;
		req_log(NULL, "model in %s: %s; retrying in %d s", a->models,
		    ff_strerror(er), TRYON_MODEL_RETRY_S);
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
tryon_open(const struct tryon_opts *o, struct tryon_app **out)
{
	static const struct tryon_opts none = { .migrate = 1 };
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

	img_init(NULL);
	if ((er = load_views(a)) != FF_OK) {
		tryon_close(a);
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
tryon_close(struct tryon_app *a)
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
tryon_reload(void *arg)
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
tryon_migrate(const struct tryon_opts *o, int *applied)
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

static const struct frame *
frame_by_id(const struct tryon_app *a, long long id)
{
	size_t i;

	for (i = 0; i < a->nframes; i++)
		if (a->frames[i].id == id)
			return &a->frames[i];
	return NULL;
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

/* The template object of one frame. */
struct tpl_val *
app_frame_obj(struct tpl_val *o, const struct frame *f)
{
	struct buf b;

	buf_init(&b);
	tpl_obj_set_str(o, "sku", f->sku);
	tpl_obj_set_str(o, "name", f->name);
	tpl_obj_set_str(o, "brand", f->brand);
	tpl_obj_set_str(o, "style", frame_style_name(f->style));
	tpl_obj_set_str(o, "style_label", style_label(f->style));
	buf_printf(&b, "$%d.%02d", f->price_cents / 100, f->price_cents % 100);
	tpl_obj_set_str(o, "price", b.ptr);
	buf_reset(&b);
	/* The optician's marking: lens width, bridge, total width (mm). */
	buf_printf(&b, "%.0f\u25a1%.0f \u00b7 %.0f mm", f->lens_width_mm,
	    f->bridge_mm, f->total_width_mm);
	tpl_obj_set_str(o, "dims", b.ptr);
	buf_reset(&b);
	buf_printf(&b, "/thumb/%s.png", f->sku);
	tpl_obj_set_str(o, "thumb", b.ptr);
	tpl_obj_set_bool(o, "tinted", f->tint_opacity >= 0.3);
	buf_free(&b);
	return o;
}

/* ---- Faces ---- */

/*
 * Whether a detected face is plausible enough to draw on: finite
 * numbers, eyes inside the (generously grown) face box and an eye
 * distance between a tenth and the whole of the box width. A model
 * still in training produces boxes with eyes far outside them; drawing
 * a 300000-pixel frame for those helps nobody.
 */
int
app_face_plausible(const struct face *f, int w, int h)
{
	const float	*e[2] = { f->left_eye, f->right_eye };
	float		 iod, gx, gy;
	int		 i;

	if (!isfinite(f->box.x) || !isfinite(f->box.y) ||
	    !isfinite(f->box.w) || !isfinite(f->box.h) ||
	    f->box.w < 8 || f->box.h < 8)
		return 0;
	gx = f->box.w * 0.25f;
	gy = f->box.h * 0.25f;
	for (i = 0; i < 2; i++) {
		if (!isfinite(e[i][0]) || !isfinite(e[i][1]) ||
		    e[i][0] < f->box.x - gx || e[i][0] > f->box.x + f->box.w + gx ||
		    e[i][1] < f->box.y - gy || e[i][1] > f->box.y + f->box.h + gy ||
		    e[i][0] < 0 || e[i][1] < 0 || e[i][0] >= w || e[i][1] >= h)
			return 0;
	}
	iod = hypotf(f->right_eye[0] - f->left_eye[0],
	    f->right_eye[1] - f->left_eye[1]);
	return iod >= 4 && iod >= 0.1f * f->box.w && iod <= f->box.w;
}

void
app_face_eyes(const struct face *f, struct face_eyes *e)
{
	e->lx = f->left_eye[0];
	e->ly = f->left_eye[1];
	e->rx = f->right_eye[0];
	e->ry = f->right_eye[1];
}

/*
 * The faces of the newest detection of an upload. *det_id is 0 when the
 * upload was never run through the detector. faces holds DET_MAX_FACES.
 */
enum ff_err
app_faces_load(struct db *db, long long upload_id, long long *det_id,
    struct face *faces, int *n)
{
	struct db_rows	*r;
	struct db_arg	 a[2] = { DB_INT(upload_id), DB_INT(upload_id) };
	enum ff_err	 er;
	int		 rc;

	*det_id = 0;
	*n = 0;
	/* LEFT JOIN: a detection without faces still names its id. */
	if ((er = db_query(db, "SELECT d.id, f.score, f.box_x, f.box_y, "
	    "f.box_w, f.box_h, f.left_eye_x, f.left_eye_y, f.right_eye_x, "
	    "f.right_eye_y FROM detections d LEFT JOIN detection_faces f ON "
	    "f.detection_id = d.id WHERE d.upload_id = ? AND d.id = (SELECT "
	    "MAX(id) FROM detections WHERE upload_id = ?) ORDER BY f.idx",
	    a, 2, &r)) != FF_OK)
		return er;
	while ((rc = db_rows_next(r)) == 1) {
		struct face *f = &faces[*n];

		*det_id = db_col_int(r, 0);
		if (db_col_null(r, 1) || *n >= DET_MAX_FACES)
			continue;
		f->score = (float)db_col_double(r, 1);
		f->box.x = (float)db_col_double(r, 2);
		f->box.y = (float)db_col_double(r, 3);
		f->box.w = (float)db_col_double(r, 4);
		f->box.h = (float)db_col_double(r, 5);
		f->left_eye[0] = (float)db_col_double(r, 6);
		f->left_eye[1] = (float)db_col_double(r, 7);
		f->right_eye[0] = (float)db_col_double(r, 8);
		f->right_eye[1] = (float)db_col_double(r, 9);
		(*n)++;
	}
	db_rows_free(r);
	return rc < 0 ? FF_EDB : FF_OK;
}

/* ---- Rendering ---- */

/*
 * The entity-tag of a render: everything the picture depends on (the
 * stored photo, the detection, the frame as drawn, the PD and the
 * renderer), so a 304 needs no drawing at all.
 */
static void
render_etag(const struct upload_row *u, long long det_id,
    const struct frame *f, double pd, char out[40])
{
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	unsigned char	 d[32];
	unsigned int	 len = sizeof(d);
	struct buf	 b;

	buf_init(&b);
	buf_printf(&b, "%s|%lld|%s|%d|%06x|%.2f|%06x|%.2f|%.1f|%.1f|%.1f|%.1f|"
	    "%d|%.1f", RENDER_VERSION, det_id, f->sku, (int)f->style,
	    (unsigned)f->rim_rgb, f->rim_mm, (unsigned)f->tint_rgb,
	    f->tint_opacity, f->lens_width_mm, f->lens_height_mm, f->bridge_mm,
	    f->total_width_mm, f->artwork != NULL, pd);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, u->sha256, sizeof(u->sha256));
	EVP_DigestUpdate(c, b.ptr, b.len);
	EVP_DigestFinal_ex(c, d, &len);
	EVP_MD_CTX_free(c);
	buf_free(&b);
	app_etag_of(d, out);
}

/* Draw f on every face of the stored photo; *jpg is the caller's, freed
 * with free(). */
enum ff_err
app_render_jpeg(const void *photo, size_t len, const struct face *faces, int n,
    const struct frame *f, double pd, void **jpg, size_t *jlen)
{
	struct face_eyes eyes[DET_MAX_FACES];
	gdImagePtr	 im = NULL;
	enum ff_err	 er;
	int		 i, k = 0;

	*jpg = NULL;
	if ((er = img_decode(photo, len, NULL, &im, NULL)) != FF_OK)
		return er;
	for (i = 0; i < n && i < DET_MAX_FACES; i++)
		if (app_face_plausible(&faces[i], gdImageSX(im), gdImageSY(im)))
			app_face_eyes(&faces[i], &eyes[k++]);
	if ((er = frame_draw(im, f, eyes, k, pd)) != FF_OK)
		goto out;
	er = jpeg_encode(im, TRYON_RENDER_QUALITY, jpg, jlen);
out:
	gdImageDestroy(im);
	return er;
}

/* ---- Pages ---- */

struct tpl_ctx *
app_page_ctx(const char *title)
{
	struct tpl_ctx *c = tpl_ctx_new();

	tpl_obj_set_str(tpl_ctx_root(c), "title", title);
	return c;
}

/* The upload form needs the catalog; the page renders from the cache
 * even while the database is away. */
static void
h_index(struct tryon_app *a, struct http_req *r)
{
	struct tpl_ctx	*c;
	struct tpl_val	*root, *list, *o;
	const char	*want = kv_get(&r->args, "frame");
	size_t		 i, checked = 0;

	(void)app_db(a);
	if (!a->catalog_loaded) {
		req_error(r, FF_EDB, NULL);
		return;
	}
	if (app_frame_by_sku(a, want, &checked) == NULL)
		checked = 0;
	c = app_page_ctx("Try frames on your face");
	root = tpl_ctx_root(c);
	tpl_obj_set_bool(root, "deleted", kv_get(&r->args, "deleted") != NULL);
	tpl_obj_set_int(root, "max_mb", REQ_MAX_BODY >> 20);
	tpl_obj_set_int(root, "max_bytes", REQ_MAX_BODY);
	tpl_obj_set_int(root, "pd_min", (long long)FRAME_PD_MIN_MM);
	tpl_obj_set_int(root, "pd_max", (long long)FRAME_PD_MAX_MM);
	tpl_obj_set_int(root, "nframes", (long long)a->nframes);
	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < a->nframes; i++) {
		o = app_frame_obj(tpl_list_add_obj(list), &a->frames[i]);
		tpl_obj_set_bool(o, "checked", i == checked);
	}
	req_header(r, "Cache-Control", "no-cache");
	req_page(r, 200, "index", root);
	tpl_ctx_free(c);
}

static void
h_static(struct tryon_app *a, struct http_req *r, const char *ext)
{
	const char	*base = route_param(&r->params, "name");
	struct buf	 name;
	size_t		 i;

	buf_init(&name);
	buf_printf(&name, "%s.%s", base, ext);
	for (i = 0; i < NSTATIC; i++)
		if (strcmp(static_names[i].name, name.ptr) == 0)
			break;
	buf_free(&name);
	if (i == NSTATIC || a->statics[i].p == NULL) {
		req_error(r, FF_ENOTFOUND, "There is no such file.");
		return;
	}
	req_header(r, "ETag", "%s", a->statics[i].etag);
	req_header(r, "Cache-Control", "public, max-age=3600");
	if (req_etag_match(r, a->statics[i].etag)) {
		req_send(r, 304, NULL, "", 0);
		return;
	}
	req_send(r, 200, static_names[i].ctype, a->statics[i].p,
	    a->statics[i].len);
}

static void
h_thumb(struct tryon_app *a, struct http_req *r)
{
	const struct frame	*f;
	struct blob		*t;
	gdImagePtr		 im;
	unsigned char		 d[32];
	void			*png;
	size_t			 i;
	int			 len;

	(void)app_db(a);
	if ((f = app_frame_by_sku(a, route_param(&r->params, "sku"), &i)) == NULL) {
		req_error(r, a->catalog_loaded ? FF_ENOTFOUND : FF_EDB,
		    a->catalog_loaded ? "We do not carry that frame." : NULL);
		return;
	}
	t = &a->thumbs[i];
	if (t->p == NULL) {
		if ((im = frame_thumbnail(f, TRYON_THUMB_W, TRYON_THUMB_H)) ==
		    NULL) {
			req_log(r, "thumbnail of %s refused", f->sku);
			req_error(r, FF_ECONFIG, "This frame cannot be shown.");
			return;
		}
		png = gdImagePngPtrEx(im, &len, 9);
		gdImageDestroy(im);
		if (png == NULL) {
			req_error(r, FF_ENOMEM, NULL);
			return;
		}
		t->p = xmalloc((size_t)len);
		memcpy(t->p, png, (size_t)len);
		t->len = (size_t)len;
		gdFree(png);
		app_sha256(t->p, t->len, d);
		app_etag_of(d, t->etag);
	}
	req_header(r, "ETag", "%s", t->etag);
	req_header(r, "Cache-Control", "public, max-age=3600");
	if (req_etag_match(r, t->etag))
		req_send(r, 304, NULL, "", 0);
	else
		req_send(r, 200, "image/png", t->p, t->len);
}

static void
h_healthz(struct tryon_app *a, struct http_req *r)
{
	struct db	*db;
	long long	 one = 0;
	const char	*why = NULL;

	req_header(r, "Cache-Control", "no-store");
	if (app_det(a) == NULL)
		why = "unavailable: model not loaded\n";
	else if ((db = app_db(a)) == NULL ||
	    db_query_int(db, "SELECT 1", NULL, 0, &one) != FF_OK || one != 1)
		why = "unavailable: database not reachable\n";
	if (why != NULL)
		req_send(r, 503, "text/plain; charset=utf-8", why, strlen(why));
	else
		req_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/* The no-face page: 422, with tips, and the delete form. */
static void
page_noface(struct tryon_app *a, struct http_req *r, const char *token)
{
	struct tpl_ctx	*c = app_page_ctx("No face found");
	struct tpl_val	*root = tpl_ctx_root(c);
	char		 csrf[44];

	if (req_wants_json(r)) {
		tpl_ctx_free(c);
		req_error(r, FF_ENOFACE, "No face was found in the photo. Look "
		    "straight at the camera in good light and try again.");
		return;
	}
	app_csrf_token(a, token, csrf);
	tpl_obj_set_str(root, "token", token);
	tpl_obj_set_str(root, "csrf", csrf);
	req_header(r, "Cache-Control", "no-store");
	req_page(r, 422, "noface", root);
	tpl_ctx_free(c);
}

enum ff_err
app_flatten(gdImagePtr *im)
{
	gdImagePtr n;

	if ((n = gdImageCreateTrueColor(gdImageSX(*im), gdImageSY(*im))) == NULL)
		return FF_ENOMEM;
	gdImageFilledRectangle(n, 0, 0, gdImageSX(n) - 1, gdImageSY(n) - 1,
	    gdTrueColor(255, 255, 255));
	gdImageAlphaBlending(n, 1);
	gdImageCopy(n, *im, 0, 0, 0, 0, gdImageSX(*im), gdImageSY(*im));
	gdImageDestroy(*im);
	*im = n;
	return FF_OK;
}

static void
tryon_fail(struct http_req *r, enum ff_err er, const char *msg, const char *log)
{
	if (log != NULL)
		req_log(r, "tryon: %s: %s", ff_errcode(er), log);
	req_error(r, er, msg);
}

static void
h_tryon(struct tryon_app *a, struct http_req *r)
{
	const struct mp_part	*photo, *src;
	const struct frame	*f;
	struct detector		*det;
	struct db		*db;
	struct det_result	 res;
	struct det_face		 df[DET_MAX_FACES];
	struct upload_row	 u;
	struct tryon_timing	 tm = { 0 };
	struct buf		 loc, msg;
	enum img_type		 type;
	enum ff_err		 er;
	const char		*why, *sku;
	gdImagePtr		 im = NULL;
	void			*jpg = NULL;
	size_t			 jlen;
	double			 t, pd;
	int			 w, h, i, n = 0;
	struct img_limits	 lim = { TRYON_MAX_PIXELS, TRYON_MAX_SIDE };

	buf_init(&loc);
	buf_init(&msg);
	if (req_cross_origin(r)) {
		req_drain(r);
		tryon_fail(r, FF_EFORBIDDEN, "This form must be sent from our "
		    "own page.", "cross-origin POST");
		goto out;
	}
	/* Cheap refusals first: no point reading 15 MB we cannot use. */
	if ((db = app_db(a)) == NULL) {
		req_drain(r);
		tryon_fail(r, FF_EDB, NULL, "database unreachable");
		goto out;
	}
	if ((det = app_det(a)) == NULL) {
		req_drain(r);
		tryon_fail(r, FF_EMODEL, "Our face finder is not ready yet. "
		    "Please try again in a minute.", "no model");
		goto out;
	}
	if ((er = req_read_form(r, REQ_MAX_BODY, &why)) == FF_OK &&
	    r->form == NULL)
		er = FF_EMEDIATYPE;	/* urlencoded: cannot carry a photo */
	if (er != FF_OK) {
		if (er == FF_EMEDIATYPE)
			why = "Please send the form as multipart/form-data "
			    "(a file upload).";
		else if (er == FF_ETOOBIG)
			why = "Your photo is larger than 15 MB. Please choose "
			    "a smaller one.";
		else if (er == FF_ESYS)
			er = FF_EINPUT;
		tryon_fail(r, er, why, why);
		goto out;
	}

	sku = req_field(r, "frame");
	if (sku == NULL || *sku == '\0') {
		tryon_fail(r, FF_EINPUT, "Please choose a frame to try on "
		    "(the form field \"frame\" is missing).", "no frame field");
		goto out;
	}
	if (!app_sku_valid(sku) || (f = app_frame_by_sku(a, sku, NULL)) == NULL) {
		tryon_fail(r, FF_EINPUT, "We do not carry a frame with that "
		    "code. Please choose one from the catalog.", "unknown SKU");
		goto out;
	}
	if ((pd = pd_parse(req_field(r, "pd_mm"))) < 0) {
		buf_printf(&msg, "Your pupillary distance must be a number of "
		    "millimetres between %.0f and %.0f, or left empty.",
		    FRAME_PD_MIN_MM, FRAME_PD_MAX_MM);
		tryon_fail(r, FF_EINPUT, msg.ptr, "bad pd_mm");
		goto out;
	}
	u = (struct upload_row){ .source = UPLOAD_FORM };
	if ((src = mp_get(r->form, "source")) != NULL && src->len > 0) {
		if (strcmp(src->data, "webcam") == 0)
			u.source = UPLOAD_WEBCAM;
		else if (strcmp(src->data, "form") != 0) {
			tryon_fail(r, FF_EINPUT, "The photo source must be "
			    "\"form\" or \"webcam\".", "bad source");
			goto out;
		}
	}
	photo = mp_get(r->form, "photo");
	if (photo == NULL || photo->len == 0) {
		tryon_fail(r, FF_EINPUT, "Please choose a photo of your face "
		    "(the form field \"photo\" is missing or empty).",
		    "no photo");
		goto out;
	}

	/* The header decides the pixel limit before any decoding. */
	t = ff_now_ms();
	if ((er = img_probe(photo->data, photo->len, &type, &w, &h)) != FF_OK) {
		tryon_fail(r, er, er == FF_EMEDIATYPE ? "That file is not a "
		    "photo we can read. Please use a JPEG, PNG, WebP or GIF "
		    "image." : "That image is damaged or incomplete. Please "
		    "try another photo.", "probe");
		goto out;
	}
	if ((unsigned long long)w * (unsigned long long)h > TRYON_MAX_PIXELS) {
		buf_printf(&msg, "That image is %d \u00d7 %d pixels, more than "
		    "our limit of 50 megapixels. Please use a smaller photo.",
		    w, h);
		tryon_fail(r, FF_EPIXELS, msg.ptr, "too many pixels");
		goto out;
	}
	if ((er = img_decode(photo->data, photo->len, &lim, &im, NULL)) !=
	    FF_OK) {
		tryon_fail(r, er, er == FF_EIMAGE ? "That image is damaged or "
		    "incomplete. Please try another photo." : NULL, "decode");
		goto out;
	}
	if (type != IMG_JPEG && (er = app_flatten(&im)) != FF_OK) {
		tryon_fail(r, er, NULL, "flatten");
		goto out;
	}
	tm.decode_ms = ff_now_ms() - t;

	if ((er = det_run(det, im, &res)) != FF_OK) {
		tryon_fail(r, er, "Our face finder failed on this photo. "
		    "Please try again.", "det_run");
		goto out;
	}
	tm.detect_ms = res.ms;
	for (i = 0; i < res.n && i < DET_MAX_FACES; i++) {
		const struct face *fc = &res.faces[i];

		if (!app_face_plausible(fc, gdImageSX(im), gdImageSY(im)))
			continue;
		df[n].score = fc->score < 0 ? 0 : fc->score > 1 ? 1 : fc->score;
		df[n].box[0] = fc->box.x;
		df[n].box[1] = fc->box.y;
		df[n].box[2] = fc->box.w;
		df[n].box[3] = fc->box.h;
		memcpy(df[n].left_eye, fc->left_eye, sizeof(df[n].left_eye));
		memcpy(df[n].right_eye, fc->right_eye, sizeof(df[n].right_eye));
		n++;
	}

	/* Store the normalised photo: upright, capped, no metadata. */
	t = ff_now_ms();
	if ((er = img_store_jpeg(photo->data, photo->len, im,
	    TRYON_STORE_QUALITY, &jpg, &jlen)) != FF_OK) {
		tryon_fail(r, er, NULL, "jpeg encode");
		goto out;
	}
	app_sha256(jpg, jlen, u.sha256);
	snprintf(u.mime, sizeof(u.mime), "image/jpeg");
	u.width = gdImageSX(im);
	u.height = gdImageSY(im);
	/* The photo, its detection and the try-on in one transaction: a
	 * failure half-way (the database gone) keeps no photo whose token
	 * the shopper never got. A photo without a face is recorded for the
	 * reports all the same. */
	tm.store_ms = ff_now_ms() - t;
	if ((er = db_tryon_store(db, &u, jpg, jlen, a->model_id, df, (size_t)n,
	    res.ms, n > 0 ? f->id : 0, &tm)) != FF_OK) {
		tryon_fail(r, er, NULL, "store");
		goto out;
	}
	if (n == 0) {
		req_log(r, "no face in upload %lld (%d raw)", u.id, res.n);
		page_noface(a, r, u.token);
		goto out;
	}
	buf_printf(&loc, "/t/%s", u.token);
	if (pd > 0)
		buf_printf(&loc, "?pd=%.1f", pd);
	req_redirect(r, 303, loc.ptr);
out:
	free(jpg);
	if (im != NULL)
		gdImageDestroy(im);
	buf_free(&loc);
	buf_free(&msg);
}

/* The PD of a result URL: the shopper's own, or 0 for the default. */
static double
args_pd(const struct http_req *r)
{
	double pd = pd_parse(kv_get(&r->args, "pd"));

	return pd > 0 ? pd : 0;
}

/* Append "?pd=..." or "&pd=..." when the shopper gave their PD. */
static void
put_pd(struct buf *b, double pd, char sep)
{
	if (pd > 0)
		buf_printf(b, "%cpd=%.1f", sep, pd);
}

static void
h_result(struct tryon_app *a, struct http_req *r)
{
	const char		*token = route_param(&r->params, "token");
	const char		*want = kv_get(&r->args, "frame");
	const struct frame	*f = NULL;
	struct face		 faces[DET_MAX_FACES];
	struct face_eyes	 e;
	struct upload_row	 u;
	struct tpl_ctx		*c = NULL;
	struct tpl_val		*root, *list, *o, *fo;
	struct db		*db;
	struct db_arg		 q[2];
	struct buf		 b;
	enum frame_fit		 fit;
	enum ff_err		 er;
	long long		 det_id, id = 0, tried = 0;
	double			 pd = args_pd(r), ppm;
	char			 csrf[44], when[64];
	struct tm		 tmv;
	time_t			 exp;
	size_t			 i;
	int			 n, k;

	buf_init(&b);
	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		goto out;
	}
	if ((er = db_upload_get(db, token, &u, NULL)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This try-on does not "
		    "exist, has expired or was deleted. Photos are kept for 24 "
		    "hours." : NULL);
		goto out;
	}
	if ((er = app_faces_load(db, u.id, &det_id, faces, &n)) != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	for (k = 0; k < n && !app_face_plausible(&faces[k], u.width, u.height); k++)
		;
	if (k == n) {
		page_noface(a, r, u.token);
		goto out;
	}
	if (want != NULL) {
		if ((f = app_frame_by_sku(a, want, NULL)) == NULL) {
			req_error(r, FF_ENOTFOUND, "We do not carry a frame "
			    "with that code.");
			goto out;
		}
		q[0] = DB_INT(u.id);
		q[1] = DB_INT(f->id);
		/* Switching to a frame not tried before is a try-on. */
		if ((er = db_query_int(db, "SELECT COUNT(*) FROM tryons WHERE "
		    "upload_id = ? AND frame_id = ?", q, 2, &tried)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
		if (tried == 0 && (er = db_tryon_record(db, u.id, f->id, NULL,
		    NULL)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
	} else {
		q[0] = DB_INT(u.id);
		er = db_query_int(db, "SELECT frame_id FROM tryons WHERE "
		    "upload_id = ? ORDER BY id DESC LIMIT 1", q, 1, &id);
		if (er != FF_OK && er != FF_ENOTFOUND) {
			req_error(r, er, NULL);
			goto out;
		}
		if ((f = frame_by_id(a, id)) == NULL && a->nframes > 0)
			f = &a->frames[0];
		if (f == NULL) {
			req_error(r, FF_EUNAVAIL, "The catalog is empty.");
			goto out;
		}
	}

	c = app_page_ctx("Your try-on");
	root = tpl_ctx_root(c);
	tpl_obj_set_str(root, "token", u.token);
	fo = app_frame_obj(tpl_obj_add_obj(root, "frame"), f);
	buf_printf(&b, "/go/%s?t=%s", f->sku, u.token);
	tpl_obj_set_str(fo, "shop_href", b.ptr);
	buf_reset(&b);
	buf_printf(&b, "/t/%s/%s.jpg", u.token, f->sku);
	put_pd(&b, pd, '?');
	tpl_obj_set_str(root, "img_src", b.ptr);
	buf_puts(&b, pd > 0 ? "&download=1" : "?download=1");
	tpl_obj_set_str(root, "download_href", b.ptr);
	buf_reset(&b);
	buf_printf(&b, "framefit-%s.jpg", f->sku);
	tpl_obj_set_str(root, "download_name", b.ptr);
	tpl_obj_set_int(root, "width", u.width);
	tpl_obj_set_int(root, "height", u.height);

	/* The fit hint, from the best plausible face. */
	app_face_eyes(&faces[k], &e);
	if (frame_fit(f, &e, faces[k].box.w, pd, &fit) == FF_OK &&
	    (ppm = frame_px_per_mm(&e, pd)) > 0) {
		o = tpl_obj_add_obj(root, "fit");
		tpl_obj_set_str(o, "name", frame_fit_name(fit));
		tpl_obj_set_bool(o, "good", fit == FIT_GOOD);
		tpl_obj_set_bool(o, "narrow", fit == FIT_NARROW);
		tpl_obj_set_bool(o, "wide", fit == FIT_WIDE);
		tpl_obj_set_int(o, "face_mm", lround(faces[k].box.w / ppm));
		tpl_obj_set_int(o, "frame_mm", lround(f->total_width_mm));
	}
	tpl_obj_set_int(root, "faces", n);
	tpl_obj_set_bool(root, "several_faces", n > 1);
	if (pd > 0)
		tpl_obj_set_double(root, "pd", pd, 1);

	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < a->nframes; i++) {
		o = app_frame_obj(tpl_list_add_obj(list), &a->frames[i]);
		tpl_obj_set_bool(o, "current", &a->frames[i] == f);
		buf_reset(&b);
		buf_printf(&b, "/t/%s?frame=%s", u.token, a->frames[i].sku);
		put_pd(&b, pd, '&');
		tpl_obj_set_str(o, "href", b.ptr);
	}
	app_csrf_token(a, u.token, csrf);
	tpl_obj_set_str(root, "csrf", csrf);
	exp = (time_t)u.expires;
	if (gmtime_r(&exp, &tmv) != NULL &&
	    strftime(when, sizeof(when), "%d %b %Y, %H:%M UTC", &tmv) > 0)
		tpl_obj_set_str(root, "expires", when);
	/* The page holds the shopper's photo: keep it out of shared caches. */
	req_header(r, "Cache-Control", "private, no-store");
	req_page(r, 200, "result", root);
out:
	tpl_ctx_free(c);
	buf_free(&b);
}

static void
h_render(struct tryon_app *a, struct http_req *r)
{
	const char		*token = route_param(&r->params, "token");
	const struct frame	*f;
	struct face		 faces[DET_MAX_FACES];
	struct upload_row	 u;
	struct db		*db;
	enum ff_err		 er;
	long long		 det_id;
	double			 pd = args_pd(r), t;
	char			 etag[40];
	void			*photo = NULL, *jpg = NULL;
	size_t			 jlen = 0;
	int			 n;

	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		goto out;
	}
	if ((f = app_frame_by_sku(a, route_param(&r->params, "sku"), NULL)) ==
	    NULL) {
		req_error(r, FF_ENOTFOUND, "We do not carry a frame with that "
		    "code.");
		goto out;
	}
	if ((er = db_upload_get(db, token, &u, NULL)) != FF_OK ||
	    (er = app_faces_load(db, u.id, &det_id, faces, &n)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This photo does not "
		    "exist, has expired or was deleted." : NULL);
		goto out;
	}
	render_etag(&u, det_id, f, pd, etag);
	req_header(r, "ETag", "%s", etag);
	/* Revalidate every time: a deleted photo must stop showing. */
	req_header(r, "Cache-Control", "private, no-cache");
	if (req_etag_match(r, etag)) {
		req_send(r, 304, NULL, "", 0);
		goto out;
	}
	if ((er = db_upload_get(db, token, &u, &photo)) != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	t = ff_now_ms();
	if ((er = app_render_jpeg(photo, u.len, faces, n, f, pd, &jpg, &jlen)) !=
	    FF_OK) {
		req_log(r, "render %s on upload %lld: %s", f->sku, u.id,
		    ff_strerror(er));
		req_error(r, er == FF_EINPUT ? FF_ECONFIG : er,
		    "This try-on could not be drawn.");
		goto out;
	}
	t = ff_now_ms() - t;
	{
		struct db_arg q[3] = { DB_DOUBLE(t), DB_INT(u.id),
		    DB_INT(f->id) };

		/* The first render of a try-on is its render time. */
		if (db_exec(db, "UPDATE tryons SET render_ms = ? WHERE "
		    "upload_id = ? AND frame_id = ? AND render_ms = 0", q, 3,
		    NULL, NULL) != FF_OK)
			req_log(r, "render_ms not recorded");
	}
	if (kv_get(&r->args, "download") != NULL)
		req_header(r, "Content-Disposition",
		    "attachment; filename=\"framefit-%s.jpg\"", f->sku);
	req_send(r, 200, "image/jpeg", jpg, jlen);
out:
	free(photo);
	free(jpg);
}

static void
h_delete(struct tryon_app *a, struct http_req *r)
{
	const char	*token = route_param(&r->params, "token");
	const char	*got;
	struct db	*db;
	enum ff_err	 er;
	const char	*why;
	char		 want[44];

	if (req_cross_origin(r)) {
		req_drain(r);
		req_error(r, FF_EFORBIDDEN, "This form must be sent from our "
		    "own page.");
		return;
	}
	if ((er = req_read_form(r, SMALL_FORM_MAX, &why)) != FF_OK) {
		req_error(r, er == FF_ESYS ? FF_EINPUT : er, why);
		return;
	}
	app_csrf_token(a, token, want);
	got = req_field(r, "csrf");
	if (got == NULL || strlen(got) != strlen(want) ||
	    CRYPTO_memcmp(got, want, strlen(want)) != 0) {
		req_log(r, "delete: bad CSRF token");
		req_error(r, FF_EFORBIDDEN, "This delete link is not valid. "
		    "Please use the button on your try-on page.");
		return;
	}
	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		return;
	}
	if ((er = db_upload_delete(db, token)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This photo was already "
		    "deleted or has expired." : NULL);
		return;
	}
	req_redirect(r, 303, "/?deleted=1");
}

static void
h_go(struct tryon_app *a, struct http_req *r)
{
	const char		*token = kv_get(&r->args, "t");
	const struct frame	*f;
	struct db		*db = app_db(a);

	if ((f = app_frame_by_sku(a, route_param(&r->params, "sku"), NULL)) ==
	    NULL) {
		req_error(r, a->catalog_loaded ? FF_ENOTFOUND : FF_EDB,
		    a->catalog_loaded ? "We do not carry that frame." : NULL);
		return;
	}
	/* Counting is ours; the shopper goes to the shop either way. */
	if (db == NULL || db_click_record(db, f->id,
	    upload_token_valid(token) ? token : NULL) != FF_OK)
		req_log(r, "click on %s not recorded", f->sku);
	req_redirect(r, 302, f->product_url);
}

/* ---- Dispatch ---- */

enum {
	R_INDEX, R_TRYON, R_RESULT, R_RENDER, R_DELETE, R_GO, R_THUMB,
	R_CSS, R_JS, R_SVG, R_HEALTHZ
};

static const struct route routes[] = {
	{ ROUTE_GET, "/", R_INDEX },
	{ ROUTE_POST, "/tryon", R_TRYON },
	{ ROUTE_GET, "/t/{token}", R_RESULT },
	{ ROUTE_GET, "/t/{token}/{sku}.jpg", R_RENDER },
	{ ROUTE_POST, "/t/{token}/delete", R_DELETE },
	{ ROUTE_GET, "/go/{sku}", R_GO },
	{ ROUTE_GET, "/thumb/{sku}.png", R_THUMB },
	{ ROUTE_GET, "/static/{name}.css", R_CSS },
	{ ROUTE_GET, "/static/{name}.js", R_JS },
	{ ROUTE_GET, "/static/{name}.svg", R_SVG },
	{ ROUTE_GET, "/healthz", R_HEALTHZ },
};

/*
 * An error the web server made itself and handed to us to answer:
 * lighttpd's server.error-handler (conf/lighttpd.conf.in) sends it to a
 * worker as a GET of the original URI with REDIRECT_STATUS set to the
 * status (on an ordinary request lighttpd sets it to 200, Apache not at
 * all). Such an error is a worker that died mid-request, a request body
 * the server could not buffer (its upload-dirs unwritable or full) or one
 * over its own size limit. The shopper gets our page (JSON on /api/ or
 * when asked for), a server failure as 503 with Retry-After, and the log
 * says what happened, since the server's own log is elsewhere. Returns 1
 * when the request was such an error and has been answered.
 */
static int
server_error(struct http_req *r)
{
	const char	*s = req_env(r, "REDIRECT_STATUS");
	struct buf	 b;
	enum ff_err	 er;
	int		 status;

	if (s == NULL || (status = atoi(s)) < 400 || status > 599)
		return 0;
	switch (status) {
	case 403: er = FF_EFORBIDDEN; break;
	case 404: er = FF_ENOTFOUND; break;
	case 405: er = FF_EMETHOD; break;
	case 413: er = FF_ETOOBIG; break;
	default: er = status < 500 ? FF_EINPUT : FF_EUNAVAIL; break;
	}
	req_log(r, "the web server failed %s with %d before a worker answered "
	    "(a worker that died mid-request, or a request body it could not "
	    "buffer in its upload directory: see its error log); answered %d",
	    r->path, status, ff_http_status(er));
	if (strncmp(r->path, "/api/", 5) != 0 || req_wants_json(r)) {
		req_error(r, er, NULL);
		return 1;
	}
	/* The API answers JSON whatever Accept says (docs/API.md). */
	buf_init(&b);
	buf_puts(&b, "{\"error\":{\"code\":");
	json_str(&b, ff_errcode(er));
	buf_puts(&b, ",\"message\":");
	json_str(&b, ff_strerror(er));
	buf_puts(&b, "}}\n");
	req_header(r, "Cache-Control", "no-store");
	if (ff_http_status(er) == 503)
		req_header(r, "Retry-After", "10");
	req_send(r, ff_http_status(er), "application/json", b.ptr, b.len);
	buf_free(&b);
	return 1;
}

void
tryon_handle(void *arg, struct http_req *r)
{
	struct tryon_app	*a = arg;
	const struct route	*rt;
	unsigned		 allow;
	enum ff_err		 er;
	char			 msg[192];

	r->tpl = a->tpl;
	if (server_error(r))
		goto log;
	/* Follow the model registry and catalog edits (registry.c). */
	registry_sync(a);
	/* The staff pages: own routes, access checks and CSRF (admin.c). */
	if (strncmp(r->path, "/admin/", 7) == 0) {
		admin_handle(a, r);
		goto log;
	}
	/* The JSON API has its own routes, keys and JSON errors (api.c). */
	if (strncmp(r->path, "/api/", 5) == 0) {
		api_handle(a, r);
		goto log;
	}
	er = route_find(routes, sizeof(routes) / sizeof(routes[0]), r->method,
	    r->path, &rt, &r->params, &allow);
	if (er == FF_EMETHOD) {
		req_drain(r);
		req_header(r, "Allow", "%s", route_allow(allow));
		/* "method not allowed" alone tells a shopper nothing. */
		snprintf(msg, sizeof(msg), "This address takes only %s requests. "
		    "Please start again from our home page.", route_allow(allow));
		req_error(r, er, msg);
		goto log;
	}
	if (er != FF_OK) {
		req_drain(r);
		req_error(r, FF_ENOTFOUND, "There is no page at this address.");
		goto log;
	}
	if (r->args_bad) {
		/* Say what is wrong with it: kv_parse_query()'s reason. */
		req_drain(r);
		snprintf(msg, sizeof(msg), "The address has a malformed query: "
		    "%s.", kv_errmsg(&r->args));
		req_error(r, FF_EINPUT, msg);
		goto log;
	}
	switch (rt->id) {
	case R_INDEX:	h_index(a, r); break;
	case R_TRYON:	h_tryon(a, r); break;
	case R_RESULT:	h_result(a, r); break;
	case R_RENDER:	h_render(a, r); break;
	case R_DELETE:	h_delete(a, r); break;
	case R_GO:	h_go(a, r); break;
	case R_THUMB:	h_thumb(a, r); break;
	case R_CSS:	h_static(a, r, "css"); break;
	case R_JS:	h_static(a, r, "js"); break;
	case R_SVG:	h_static(a, r, "svg"); break;
	case R_HEALTHZ:	h_healthz(a, r); break;
	}
log:
	if (r->status >= 500)
		req_log(r, "%s %s -> %d (%.1f ms)", r->method, r->path,
		    r->status, ff_now_ms() - r->t0);
}
