/*
 * api.c: the JSON API v1 (see api.h and docs/API.md).
 *
 * Data path of a call, top to bottom: the route, the key and its rate
 * limit (apikey.c, against MariaDB so every worker on every host shares
 * them), the query, the photo from the body (http/), decoded upright and
 * capped (image/), the detector (vision/), the normalised photo and its
 * detection stored (store/), and for a try-on the frame drawn (render/).
 * Cheap refusals come first, so a call that cannot succeed never costs a
 * decode; a refused call's body is drained so the server can deliver the
 * answer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gd.h>

#include "app/api.h"
#include "app/apikey.h"
#include "app/apiparse.h"
#include "app/app.h"
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
#include "render/frames.h"
#include "store/db.h"
#include "store/records.h"
#include "vision/detector.h"
#include "vision/facejson.h"

enum { R_DETECT, R_TRYON, R_FRAMES };

static const struct route routes[] = {
	{ ROUTE_POST, "/api/v1/detect", R_DETECT },
	{ ROUTE_POST, "/api/v1/tryon", R_TRYON },
	{ ROUTE_GET, "/api/v1/frames", R_FRAMES },
};

/* One call: who is calling and what the handlers share. */
struct call {
	struct tryon_app	*a;
	struct http_req		*r;
	struct db		*db;
	long long		 key_id;
};

/* A photo as the handlers use it. */
struct photo {
	const void	*data;		/* the request's bytes, for img_store_jpeg() */
	size_t		 len;
	gdImagePtr	 im;		/* upright, at most TRYON_MAX_SIDE */
	int		 w0, h0;	/* upright pixels as uploaded */
	double		 decode_ms;
};

/* The workers' default limit per key per minute, read once. */
static long
rate_default(void)
{
	static long	 v = -2;
	const char	*s;

	if (v == -2) {
		s = getenv("FF_API_RATE");
		if ((v = api_rate_parse(s)) < 0) {
			req_log(NULL, "FF_API_RATE=\"%s\" is not a number of "
			    "calls per minute; using %d", s, API_RATE_DEFAULT);
			v = API_RATE_DEFAULT;
		}
	}
	return v;
}

/*
 * Answer an error as JSON, whatever Accept says: the API's clients are
 * programs. The status comes from ff_http_status() as everywhere; a 503
 * says when to come back (RFC 9110 §10.2.3).
 */
static void
api_error(struct http_req *r, enum ff_err er, const char *msg)
{
	struct buf	 b;
	int		 status = ff_http_status(er);

	if (r->head_sent) {
		req_log(r, "api: error %s after the head was sent",
		    ff_errcode(er));
		return;
	}
	if (msg == NULL || *msg == '\0')
		msg = ff_strerror(er);
	req_header(r, "Cache-Control", "no-store");
	if (status == 503)
		req_header(r, "Retry-After", "10");
	buf_init(&b);
	buf_puts(&b, "{\"error\":{\"code\":");
	json_str(&b, ff_errcode(er));
	buf_puts(&b, ",\"message\":");
	json_str(&b, msg);
	buf_puts(&b, "}}\n");
	req_send(r, status, "application/json", b.ptr, b.len);
	buf_free(&b);
}

/* Refuse before reading the body: read and drop it first, so the web
 * server delivers our answer instead of a reset. */
static void
refuse(struct http_req *r, enum ff_err er, const char *msg)
{
	req_drain(r);
	api_error(r, er, msg);
}

/*
 * The caller's key and its rate limit. On success c->db and c->key_id
 * are set and 1 is returned; otherwise the call has been answered (401,
 * 429 or 503) and 0 is returned.
 */
static int
authorize(struct call *c)
{
	struct http_req	*r = c->r;
	char		 tok[API_TOKEN_MAX + 1], msg[160];
	const char	*why;
	enum ff_err	 er;
	long long	 n;
	long		 limit;
	time_t		 now;
	int		 revoked, retry;

	/* RFC 6750 §3: a 401 names the scheme; error="invalid_request" for
	 * a malformed header, none when there was no credential at all. */
	if ((er = api_bearer(req_env(r, "HTTP_AUTHORIZATION"), tok, &why)) !=
	    FF_OK) {
		if (req_env(r, "HTTP_AUTHORIZATION") == NULL)
			req_header(r, "WWW-Authenticate", "Bearer realm=\"framefit\"");
		else
			req_header(r, "WWW-Authenticate", "Bearer realm=\"framefit\", "
			    "error=\"invalid_request\"");
		refuse(r, FF_EAUTH, why);
		return 0;
	}
	if ((c->db = app_db(c->a)) == NULL) {
		refuse(r, FF_EDB, NULL);
		return 0;
	}
	if ((er = apikey_check(c->db, tok, &c->key_id, &limit, &revoked)) !=
	    FF_OK) {
		if (er == FF_EAUTH)
			req_header(r, "WWW-Authenticate", "Bearer realm=\"framefit\", "
			    "error=\"invalid_token\"");
		refuse(r, er, er != FF_EAUTH ? NULL : revoked ?
		    "this API key has been revoked" : "this API key is not valid");
		return 0;
	}
	if (limit < 0)
		limit = rate_default();
	if (limit == 0)
		return 1;
	now = time(NULL);
	if ((er = apikey_rate_hit(c->db, c->key_id, api_rate_window(now), &n)) !=
	    FF_OK) {
		refuse(r, er, NULL);
		return 0;
	}
	req_header(r, "X-RateLimit-Limit", "%ld", limit);
	req_header(r, "X-RateLimit-Remaining", "%lld", n < limit ? limit - n : 0);
	if (n > limit) {
		retry = api_retry_after(now);
		req_header(r, "Retry-After", "%d", retry);
		apikey_count(c->db, c->key_id, METRIC_API_LIMITED, 0);
		snprintf(msg, sizeof(msg), "this key may make %ld calls a minute; "
		    "try again in %d s", limit, retry);
		refuse(r, FF_ERATE, msg);
		return 0;
	}
	return 1;
}

/* ---- The photo ---- */

/* A raw body of at most max bytes into b. */
static enum ff_err
read_raw(struct http_req *r, size_t max, struct buf *b)
{
	char	*chunk;
	long	 n;
	enum ff_err er = FF_OK;

	if (r->content_length >= 0 &&
	    (unsigned long long)r->content_length > max) {
		req_drain(r);
		return FF_ETOOBIG;
	}
	if (r->io == NULL || r->io->read == NULL)
		return FF_OK;
	chunk = xmalloc(REQ_CHUNK);
	while ((n = r->io->read(r->io->ctx, chunk, REQ_CHUNK)) > 0) {
		if (b->len + (size_t)n > max) {
			req_drain(r);
			er = FF_ETOOBIG;
			break;
		}
		buf_append(b, chunk, (size_t)n);
	}
	if (n < 0)
		er = FF_EINPUT;
	free(chunk);
	return er;
}

/*
 * The photo's bytes: the multipart field "photo" or the whole body of an
 * image/ request. *p points into the request (r->form) or into raw. On
 * failure the call has been answered and 0 is returned.
 */
static int
photo_bytes(struct http_req *r, struct buf *raw, const void **p, size_t *len)
{
	static const char how[] = "send the photo as the multipart/form-data "
	    "field \"photo\", or as the body with Content-Type image/jpeg, "
	    "image/png, image/webp or image/gif";
	const struct mp_part	*part;
	const char		*why;
	enum ff_err		 er;

	switch (api_body_kind(r->content_type)) {
	case API_BODY_MULTIPART:
		if ((er = req_read_form(r, REQ_MAX_BODY, &why)) != FF_OK) {
			if (er == FF_ETOOBIG)
				why = "the upload is larger than 15 MB";
			api_error(r, er == FF_ETOOBIG ? er : FF_EINPUT, why);
			return 0;
		}
		part = r->form != NULL ? mp_get(r->form, "photo") : NULL;
		if (part == NULL || part->len == 0) {
			api_error(r, FF_EINPUT, "the multipart field \"photo\" "
			    "is missing or empty");
			return 0;
		}
		*p = part->data;
		*len = part->len;
		return 1;
	case API_BODY_IMAGE:
		if ((er = read_raw(r, REQ_MAX_BODY, raw)) != FF_OK) {
			api_error(r, er, er == FF_ETOOBIG ? "the upload is "
			    "larger than 15 MB" : "the upload was interrupted");
			return 0;
		}
		if (raw->len == 0) {
			api_error(r, FF_EINPUT, "the body is empty: no photo");
			return 0;
		}
		*p = raw->ptr;
		*len = raw->len;
		return 1;
	case API_BODY_NONE:
		if (r->content_length <= 0) {
			refuse(r, FF_EINPUT, "no photo: " "send one as the "
			    "multipart/form-data field \"photo\" or as the body "
			    "with Content-Type image/*");
			return 0;
		}
		/* FALLTHROUGH */
	case API_BODY_OTHER:
	default:
		refuse(r, FF_EMEDIATYPE, how);
		return 0;
	}
}

/*
 * Decode the photo's bytes into ph: the header decides the pixel limit
 * before any decoding; the image is decoded at full size once (to learn
 * its upright size) and then scaled down as the web app stores it. On
 * failure the call has been answered and 0 is returned.
 */
static int
photo_decode(struct http_req *r, const void *p, size_t len, struct photo *ph)
{
	struct img_limits	 lim = { TRYON_MAX_PIXELS, 0 };
	enum img_type		 type;
	enum ff_err		 er;
	char			 msg[160];
	double			 t = ff_now_ms();
	int			 w, h;

	memset(ph, 0, sizeof(*ph));
	if ((er = img_probe(p, len, &type, &w, &h)) != FF_OK) {
		api_error(r, er, er == FF_EMEDIATYPE ? "the body is not a JPEG, "
		    "PNG, WebP or GIF image" : "the image is damaged or "
		    "truncated");
		return 0;
	}
	if ((unsigned long long)w * (unsigned long long)h > TRYON_MAX_PIXELS) {
		snprintf(msg, sizeof(msg), "the image is %d x %d pixels, more "
		    "than the limit of 50 megapixels", w, h);
		api_error(r, FF_EPIXELS, msg);
		return 0;
	}
	if ((er = img_decode(p, len, &lim, &ph->im, NULL)) != FF_OK) {
		api_error(r, er, er == FF_EIMAGE ? "the image is damaged or "
		    "truncated" : NULL);
		return 0;
	}
	ph->data = p;
	ph->len = len;
	ph->w0 = gdImageSX(ph->im);
	ph->h0 = gdImageSY(ph->im);
	/* Scaled first, so a large PNG is flattened at the stored size. */
	if ((er = img_downscale(&ph->im, TRYON_MAX_SIDE)) != FF_OK ||
	    (type != IMG_JPEG && (er = app_flatten(&ph->im)) != FF_OK)) {
		api_error(r, er, NULL);
		gdImageDestroy(ph->im);
		ph->im = NULL;
		return 0;
	}
	ph->decode_ms = ff_now_ms() - t;
	return 1;
}

/*
 * Detect on the normalised photo, keep the plausible faces (those the web
 * app would draw on) and store the photo and the detection as an 'api'
 * upload. faces holds DET_MAX_FACES; *n gets the count, *det_ms the
 * detector's time, u the stored row. On failure the call has been
 * answered and 0 is returned.
 */
static int
detect_store(struct call *c, struct detector *det, struct photo *ph,
    struct face *faces, int *n, double *det_ms, double *store_ms,
    struct upload_row *u)
{
	struct det_result	 res;
	struct det_face		 df[DET_MAX_FACES];
	enum ff_err		 er;
	void			*jpg = NULL;
	size_t			 jlen;
	double			 t;
	int			 i, k = 0, ok = 0;

	if ((er = det_run(det, ph->im, &res)) != FF_OK) {
		req_log(c->r, "api: det_run: %s", ff_strerror(er));
		api_error(c->r, er, "the face finder failed on this photo");
		goto out;
	}
	*det_ms = res.ms;
	for (i = 0; i < res.n && i < DET_MAX_FACES; i++) {
		const struct face *fc = &res.faces[i];

		if (!app_face_plausible(fc, gdImageSX(ph->im), gdImageSY(ph->im)))
			continue;
		faces[k] = *fc;
		faces[k].score = fc->score < 0 ? 0 : fc->score > 1 ? 1 : fc->score;
		df[k].score = faces[k].score;
		df[k].box[0] = fc->box.x;
		df[k].box[1] = fc->box.y;
		df[k].box[2] = fc->box.w;
		df[k].box[3] = fc->box.h;
		memcpy(df[k].left_eye, fc->left_eye, sizeof(df[k].left_eye));
		memcpy(df[k].right_eye, fc->right_eye, sizeof(df[k].right_eye));
		k++;
	}
	*n = k;

	/* The normalised photo (upright, capped, no metadata), as the web
	 * app stores it: the uploads row and its detection go together. */
	t = ff_now_ms();
	if ((er = img_store_jpeg(ph->data, ph->len, ph->im, TRYON_STORE_QUALITY,
	    &jpg, &jlen)) != FF_OK) {
		api_error(c->r, er, NULL);
		goto out;
	}
	*u = (struct upload_row){ .source = UPLOAD_API };
	app_sha256(jpg, jlen, u->sha256);
	snprintf(u->mime, sizeof(u->mime), "image/jpeg");
	u->width = gdImageSX(ph->im);
	u->height = gdImageSY(ph->im);
	/* One transaction: a failure leaves neither row. */
	if ((er = db_tryon_store(c->db, u, jpg, jlen, c->a->model_id, df,
	    (size_t)k, res.ms, 0, NULL)) != FF_OK) {
		req_log(c->r, "api: store: %s", ff_strerror(er));
		api_error(c->r, er == FF_EINPUT ? FF_ECONFIG : er, NULL);
		goto out;
	}
	*store_ms = ff_now_ms() - t;
	ok = 1;
out:
	free(jpg);
	return ok;
}

/* ---- Handlers ---- */

static void
h_detect(struct call *c)
{
	struct http_req		*r = c->r;
	struct detector		*det;
	struct photo		 ph = { 0 };
	struct face		 faces[DET_MAX_FACES];
	struct upload_row	 u;
	struct buf		 raw, b;
	const void		*p;
	size_t			 len;
	double			 det_ms = 0, store_ms = 0, sx, sy;
	int			 i, n = 0;

	buf_init(&raw);
	buf_init(&b);
	apikey_count(c->db, c->key_id, METRIC_API_DETECT, 0);
	if ((det = app_det(c->a)) == NULL) {
		refuse(r, FF_EMODEL, "the face model is not loaded yet; try "
		    "again in a minute");
		goto out;
	}
	if (!photo_bytes(r, &raw, &p, &len) || !photo_decode(r, p, len, &ph))
		goto out;
	if (!detect_store(c, det, &ph, faces, &n, &det_ms, &store_ms, &u))
		goto out;

	/* Pixels of the photo as uploaded (upright): the detector saw it
	 * scaled to at most TRYON_MAX_SIDE, so scale each axis back. */
	sx = (double)ph.w0 / gdImageSX(ph.im);
	sy = (double)ph.h0 / gdImageSY(ph.im);
	for (i = 0; i < n; i++) {
		faces[i].box.x *= sx;
		faces[i].box.w *= sx;
		faces[i].box.y *= sy;
		faces[i].box.h *= sy;
		faces[i].left_eye[0] *= sx;
		faces[i].left_eye[1] *= sy;
		faces[i].right_eye[0] *= sx;
		faces[i].right_eye[1] *= sy;
	}
	buf_printf(&b, "{\"width\":%d,\"height\":%d,\"model\":", ph.w0, ph.h0);
	json_str(&b, det_version(det));
	buf_puts(&b, ",\"ms\":");
	json_num(&b, det_ms, 1);
	buf_puts(&b, ",\"faces\":");
	facejson_faces(&b, faces, n);
	buf_puts(&b, "}\n");
	req_header(r, "Cache-Control", "no-store");
	req_send(r, 200, "application/json", b.ptr, b.len);
out:
	if (ph.im != NULL)
		gdImageDestroy(ph.im);
	buf_free(&raw);
	buf_free(&b);
}

static void
h_tryon(struct call *c)
{
	struct http_req		*r = c->r;
	const struct frame	*f;
	struct detector		*det;
	struct photo		 ph = { 0 };
	struct face		 faces[DET_MAX_FACES];
	struct face_eyes	 eyes[DET_MAX_FACES];
	struct upload_row	 u;
	struct tryon_timing	 tm = { 0 };
	struct buf		 raw;
	enum ff_err		 er;
	const char		*why;
	const void		*p;
	void			*out = NULL;
	char			 sku[33];
	size_t			 len;
	double			 pd, t;
	int			 i, n = 0, olen = 0, png;

	buf_init(&raw);
	if ((er = api_tryon_args(&r->args, sku, &pd, &why)) != FF_OK) {
		apikey_count(c->db, c->key_id, METRIC_API_TRYON, 0);
		refuse(r, er, why);
		goto out;
	}
	f = app_frame_by_sku(c->a, sku, NULL);
	apikey_count(c->db, c->key_id, METRIC_API_TRYON, f != NULL ? f->id : 0);
	if (f == NULL) {
		refuse(r, c->a->catalog_loaded ? FF_ENOTFOUND : FF_EDB,
		    "there is no frame with that SKU in the catalog (GET "
		    "/api/v1/frames lists them)");
		goto out;
	}
	if ((det = app_det(c->a)) == NULL) {
		refuse(r, FF_EMODEL, "the face model is not loaded yet; try "
		    "again in a minute");
		goto out;
	}
	if (!photo_bytes(r, &raw, &p, &len) || !photo_decode(r, p, len, &ph))
		goto out;
	tm.decode_ms = ph.decode_ms;
	if (!detect_store(c, det, &ph, faces, &n, &tm.detect_ms, &tm.store_ms,
	    &u))
		goto out;
	if (n == 0) {
		api_error(r, FF_ENOFACE, "no face was found in the photo");
		goto out;
	}

	/* Drawn on the normalised photo: the answer is at most
	 * TRYON_MAX_SIDE pixels on its long side, like the web app's. */
	t = ff_now_ms();
	for (i = 0; i < n; i++)
		app_face_eyes(&faces[i], &eyes[i]);
	if ((er = frame_draw(ph.im, f, eyes, n, pd)) != FF_OK) {
		req_log(r, "api: draw %s on upload %lld: %s", f->sku, u.id,
		    ff_strerror(er));
		api_error(r, FF_ECONFIG, "this try-on could not be drawn");
		goto out;
	}
	png = api_wants_png(req_env(r, "HTTP_ACCEPT"));
	out = png ? gdImagePngPtr(ph.im, &olen) :
	    gdImageJpegPtr(ph.im, &olen, TRYON_RENDER_QUALITY);
	if (out == NULL) {
		api_error(r, FF_ENOMEM, NULL);
		goto out;
	}
	tm.render_ms = ff_now_ms() - t;
	if ((er = db_tryon_record(c->db, u.id, f->id, &tm, NULL)) != FF_OK) {
		api_error(r, er == FF_EINPUT ? FF_ECONFIG : er, NULL);
		goto out;
	}
	req_header(r, "Cache-Control", "no-store");
	req_header(r, "Vary", "Accept");
	req_header(r, "X-Faces", "%d", n);
	req_send(r, 200, png ? "image/png" : "image/jpeg", out, (size_t)olen);
out:
	if (out != NULL)
		gdFree(out);
	if (ph.im != NULL)
		gdImageDestroy(ph.im);
	buf_free(&raw);
}

static void
rgb(struct buf *b, const char *key, uint32_t v)
{
	buf_printf(b, ",\"%s\":\"#%06x\"", key, (unsigned)(v & 0xffffff));
}

static void
mm(struct buf *b, const char *key, double v)
{
	buf_printf(b, ",\"%s\":", key);
	json_num(b, v, 2);
}

static void
h_frames(struct call *c)
{
	struct http_req		*r = c->r;
	const struct frame	*f;
	struct buf		 b;
	unsigned char		 d[32];
	char			 etag[40];
	size_t			 i;

	apikey_count(c->db, c->key_id, METRIC_API_FRAMES, 0);
	if (!c->a->catalog_loaded) {
		api_error(r, FF_EDB, NULL);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "{\"count\":%zu,\"frames\":[", c->a->nframes);
	for (i = 0; i < c->a->nframes; i++) {
		f = &c->a->frames[i];
		buf_puts(&b, i ? ",{\"sku\":" : "{\"sku\":");
		json_str(&b, f->sku);
		buf_puts(&b, ",\"name\":");
		json_str(&b, f->name);
		buf_puts(&b, ",\"brand\":");
		json_str(&b, f->brand);
		buf_puts(&b, ",\"style\":");
		json_str(&b, frame_style_name(f->style));
		mm(&b, "lens_width_mm", f->lens_width_mm);
		mm(&b, "lens_height_mm", f->lens_height_mm);
		mm(&b, "bridge_mm", f->bridge_mm);
		mm(&b, "total_width_mm", f->total_width_mm);
		mm(&b, "rim_mm", f->rim_mm);
		rgb(&b, "rim_rgb", f->rim_rgb);
		rgb(&b, "tint_rgb", f->tint_rgb);
		buf_puts(&b, ",\"tint_opacity\":");
		json_num(&b, f->tint_opacity, 2);
		buf_printf(&b, ",\"price_cents\":%d,\"product_url\":",
		    f->price_cents);
		json_str(&b, f->product_url);
		buf_printf(&b, ",\"thumbnail\":\"/thumb/%s.png\"}", f->sku);
	}
	buf_puts(&b, "]}\n");
	/* The catalog changes rarely: let a client revalidate cheaply. */
	app_sha256(b.ptr, b.len, d);
	app_etag_of(d, etag);
	req_header(r, "ETag", "%s", etag);
	req_header(r, "Cache-Control", "private, no-cache");
	if (req_etag_match(r, etag))
		req_send(r, 304, NULL, "", 0);
	else
		req_send(r, 200, "application/json", b.ptr, b.len);
	buf_free(&b);
}

void
api_handle(struct tryon_app *a, struct http_req *r)
{
	const struct route	*rt;
	struct call		 c = { .a = a, .r = r };
	unsigned		 allow;
	enum ff_err		 er;
	char			 msg[160];

	er = route_find(routes, sizeof(routes) / sizeof(routes[0]), r->method,
	    r->path, &rt, &r->params, &allow);
	if (er == FF_EMETHOD) {
		req_header(r, "Allow", "%s", route_allow(allow));
		snprintf(msg, sizeof(msg), "this endpoint takes only %s requests "
		    "(see docs/API.md)", route_allow(allow));
		refuse(r, er, msg);
		return;
	}
	if (er != FF_OK) {
		refuse(r, FF_ENOTFOUND, "there is no API endpoint at this "
		    "address (see docs/API.md)");
		return;
	}
	if (r->args_bad) {
		snprintf(msg, sizeof(msg), "the query string is malformed: %s",
		    kv_errmsg(&r->args));
		refuse(r, FF_EINPUT, msg);
		return;
	}
	if (!authorize(&c))
		return;
	switch (rt->id) {
	case R_DETECT:	h_detect(&c); break;
	case R_TRYON:	h_tryon(&c); break;
	case R_FRAMES:	h_frames(&c); break;
	}
}
