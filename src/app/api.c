/*
 * api.c: the JSON API v1 (see api.h and docs/API.md).
 *
 * Data path of a call, top to bottom: the route, the key and its rate
 * limit (checked by the router, router.c, before any handler here runs),
 * the query, the photo from the body (http/), then the photo pipeline
 * (photo.h): decoded upright and capped, the detector, the normalised
 * photo and its detection stored, and for a try-on the frame drawn.
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
#include "app/consent.h"
#include "app/photo.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "http/multipart.h"
#include "http/request.h"
#include "render/fit.h"
#include "render/frames.h"
#include "store/records.h"
#include "view/money.h"
#include "vision/detector.h"
#include "vision/facejson.h"

/* Refuse before reading the body: read and drop it first, so the web
 * server delivers our answer instead of a reset. Every error of the API
 * is JSON, whatever Accept says (answer.h). */
static void
refuse(struct http_req *r, enum ff_err er, const char *msg)
{
	req_drain(r);
	req_error_json(r, er, msg);
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
			req_error_json(r, er == FF_ETOOBIG ? er : FF_EINPUT, why);
			return 0;
		}
		part = r->form != NULL ? mp_get(r->form, "photo") : NULL;
		if (part == NULL || part->len == 0) {
			req_error_json(r, FF_EINPUT, "the multipart field \"photo\" "
			    "is missing or empty");
			return 0;
		}
		*p = part->data;
		*len = part->len;
		return 1;
	case API_BODY_IMAGE:
		if ((er = read_raw(r, REQ_MAX_BODY, raw)) != FF_OK) {
			req_error_json(r, er, er == FF_ETOOBIG ? "the upload is "
			    "larger than 15 MB" : "the upload was interrupted");
			return 0;
		}
		if (raw->len == 0) {
			req_error_json(r, FF_EINPUT, "the body is empty: no photo");
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
 * Prepare the photo's bytes (photo.h, with the size as uploaded kept so
 * the detect answer can be given in those pixels). On failure the call
 * has been answered and 0 is returned.
 */
static int
photo_take(struct http_req *r, const void *p, size_t len, struct photo *ph)
{
	static const struct photo_limits lim = PHOTO_LIMITS_API;
	const char	*why = NULL;
	struct buf	 cost;
	enum ff_err	 er;
	char		 msg[320];

	if ((er = photo_prepare(ph, p, len, &lim)) == FF_OK)
		return 1;
	if (er == FF_EMEDIATYPE && strcmp(ph->step, "probe") == 0)
		why = "the body is not a JPEG, PNG, WebP or GIF image";
	else if (er == FF_EIMAGE)
		why = "the image is damaged or truncated";
	else if (er == FF_EPIXELS && strcmp(ph->step, "too many pixels") == 0) {
		snprintf(msg, sizeof(msg), "the image is %d x %d pixels, more "
		    "than the limit of 50 megapixels", ph->w, ph->h);
		why = msg;
	} else if (er == FF_ECOST) {
		buf_init(&cost);
		photo_cost_msg(ph, &cost);
		snprintf(msg, sizeof(msg), "%s", cost.ptr);
		buf_free(&cost);
		why = msg;
	}
	req_error_json(r, er, why);
	return 0;
}

/*
 * Detect on the normalised photo, keep the plausible faces (photo.h's
 * face policy, those the web app draws on) and store the photo and the
 * detection as an 'api' upload, in one transaction: a failure leaves
 * neither row. tm gets detect_ms and store_ms, u the stored row. On
 * failure the call has been answered and 0 is returned.
 */
static int
detect_store(struct tryon_app *a, struct http_req *r,
    const struct api_caller *c, struct detector *det, struct photo *ph,
    struct photo_faces *faces, struct tryon_timing *tm, struct upload_row *u)
{
	enum ff_err er;

	if ((er = photo_find_faces(det, ph->im, faces)) != FF_OK) {
		req_log(r, "api: det_run: %s", ff_strerror(er));
		req_error_json(r, er, "the face finder failed on this photo");
		return 0;
	}
	tm->detect_ms = faces->ms;
	if ((er = photo_store(c->db, ph, UPLOAD_API, a->model_id, faces, 0, tm,
	    u)) != FF_OK) {
		req_log(r, "api: store: %s", ff_strerror(er));
		req_error_json(r, er == FF_EINPUT ? FF_ECONFIG : er, NULL);
		return 0;
	}
	return 1;
}

/*
 * The PD the answer's millimetres are at: the one given (pd_mm > 0) or
 * the default, and which of the two, as "pd_mm":P,"pd_source":"given"
 * or "default" in JSON and as headers on an image.
 */
static double
pd_used(double pd_mm)
{
	return pd_mm > 0 ? pd_mm : FRAME_PD_DEFAULT_MM;
}

static const char *
pd_source(double pd_mm)
{
	return pd_mm > 0 ? "given" : "default";
}

/* Each face's width where frames sit, mm (render/fit.h), into w[]. */
static void
face_widths(const struct photo_faces *faces, double pd_mm,
    double w[DET_MAX_FACES])
{
	struct face_eyes e;
	int i;

	for (i = 0; i < faces->n; i++) {
		photo_face_eyes(&faces->face[i], &e);
		w[i] = fit_face_mm(&e, pd_mm);
	}
}

/* ---- Handlers ---- */

void
api_detect(struct tryon_app *a, struct http_req *r,
    const struct api_caller *c)
{
	struct detector		*det;
	struct photo		 ph = { 0 };
	struct photo_faces	 faces;
	struct face		*fc;
	struct upload_row	 u;
	struct tryon_timing	 tm = { 0 };
	struct buf		 raw, b;
	const char		*why;
	const void		*p;
	size_t			 len;
	double			 sx, sy, pd, width[DET_MAX_FACES];
	int			 i;

	buf_init(&raw);
	buf_init(&b);
	apikey_count(c->db, c->key_id, METRIC_API_DETECT, 0);
	if (api_pd_arg(&r->args, &pd, &why) != FF_OK) {
		refuse(r, FF_EINPUT, why);
		goto out;
	}
	if ((det = app_det(a)) == NULL) {
		refuse(r, FF_EMODEL, "the face model is not loaded yet; try "
		    "again in a minute");
		goto out;
	}
	if (!photo_bytes(r, &raw, &p, &len) || !photo_take(r, p, len, &ph))
		goto out;
	if (!detect_store(a, r, c, det, &ph, &faces, &tm, &u))
		goto out;

	face_widths(&faces, pd, width);
	/* Pixels of the photo as uploaded (upright): the detector saw it
	 * scaled to at most PHOTO_MAX_SIDE, so scale each axis back. */
	sx = (double)ph.w0 / gdImageSX(ph.im);
	sy = (double)ph.h0 / gdImageSY(ph.im);
	for (i = 0; i < faces.n; i++) {
		fc = &faces.face[i];
		fc->box.x *= sx;
		fc->box.w *= sx;
		fc->box.y *= sy;
		fc->box.h *= sy;
		fc->left_eye[0] *= sx;
		fc->left_eye[1] *= sy;
		fc->right_eye[0] *= sx;
		fc->right_eye[1] *= sy;
		fc->mouth[0] *= sx;
		fc->mouth[1] *= sy;
	}
	buf_printf(&b, "{\"width\":%d,\"height\":%d,\"model\":", ph.w0, ph.h0);
	json_str(&b, det_version(det));
	buf_puts(&b, ",\"ms\":");
	json_num(&b, faces.ms, 1);
	buf_puts(&b, ",\"pd_mm\":");
	json_num(&b, pd_used(pd), 1);
	buf_printf(&b, ",\"pd_source\":\"%s\",\"faces\":", pd_source(pd));
	facejson_faces_mm(&b, faces.face, faces.n, width);
	buf_puts(&b, "}\n");
	req_header(r, "Cache-Control", "no-store");
	req_send(r, 200, "application/json", b.ptr, b.len);
out:
	photo_free(&ph);
	buf_free(&raw);
	buf_free(&b);
}

void
api_tryon(struct tryon_app *a, struct http_req *r, const struct api_caller *c)
{
	const struct frame	*f;
	struct detector		*det;
	struct photo		 ph = { 0 };
	struct photo_faces	 faces;
	struct upload_row	 u;
	struct tryon_timing	 tm = { 0 };
	struct buf		 raw, hdr;
	enum ff_err		 er;
	const char		*why;
	const void		*p;
	void			*out = NULL;
	char			 sku[33], wording[CONSENT_WORDING_MAX + 1];
	size_t			 len;
	long long		 kept = 0;
	double			 pd, t, width[DET_MAX_FACES];
	int			 olen = 0, png, i;

	buf_init(&raw);
	buf_init(&hdr);
	if ((er = api_tryon_args(&r->args, sku, &pd, &why)) != FF_OK ||
	    (er = api_consent_arg(&r->args, wording, &why)) != FF_OK) {
		apikey_count(c->db, c->key_id, METRIC_API_TRYON, 0);
		refuse(r, er, why);
		goto out;
	}
	f = app_frame_by_sku(a, sku, NULL);
	apikey_count(c->db, c->key_id, METRIC_API_TRYON, f != NULL ? f->id : 0);
	if (f == NULL) {
		refuse(r, a->catalog_loaded ? FF_ENOTFOUND : FF_EDB,
		    "there is no frame with that SKU in the catalog (GET "
		    "/api/v1/frames lists them)");
		goto out;
	}
	if ((det = app_det(a)) == NULL) {
		refuse(r, FF_EMODEL, "the face model is not loaded yet; try "
		    "again in a minute");
		goto out;
	}
	if (!photo_bytes(r, &raw, &p, &len) || !photo_take(r, p, len, &ph))
		goto out;
	tm.decode_ms = ph.decode_ms;
	if (!detect_store(a, r, c, det, &ph, &faces, &tm, &u))
		goto out;
	if (faces.n == 0) {
		req_error_json(r, FF_ENOFACE, "no face was found in the photo");
		goto out;
	}
	/* Kept for the shop's e-mails the same way as from the upload form;
	 * the photo goes again if that fails. */
	if (wording[0] != '\0' && (er = consent_keep(c->db, r, &u, wording,
	    &kept)) != FF_OK) {
		req_error_json(r, er, NULL);
		goto out;
	}

	/* Drawn on the normalised photo: the answer is at most
	 * PHOTO_MAX_SIDE pixels on its long side, like the web app's. */
	t = ff_now_ms();
	if ((er = photo_draw(ph.im, faces.face, faces.n, f, pd, NULL)) !=
	    FF_OK) {
		req_log(r, "api: draw %s on upload %lld: %s", f->sku, u.id,
		    ff_strerror(er));
		req_error_json(r, FF_ECONFIG, "this try-on could not be drawn");
		goto out;
	}
	png = api_wants_png(req_env(r, "HTTP_ACCEPT"));
	out = png ? gdImagePngPtr(ph.im, &olen) :
	    gdImageJpegPtr(ph.im, &olen, PHOTO_RENDER_QUALITY);
	if (out == NULL) {
		req_error_json(r, FF_ENOMEM, NULL);
		goto out;
	}
	tm.render_ms = ff_now_ms() - t;
	if ((er = db_tryon_record(c->db, u.id, f->id, &tm, NULL)) != FF_OK) {
		req_error_json(r, er == FF_EINPUT ? FF_ECONFIG : er, NULL);
		goto out;
	}
	req_header(r, "Cache-Control", "no-store");
	req_header(r, "Vary", "Accept");
	req_header(r, "X-Faces", "%d", faces.n);
	/* The JSON answer's face_width_mm and PD, for an image answer. */
	face_widths(&faces, pd, width);
	for (i = 0; i < faces.n; i++) {
		if (i)
			buf_puts(&hdr, ", ");
		json_num(&hdr, width[i], 1);
	}
	req_header(r, "X-Face-Width-Mm", "%s", hdr.ptr);
	buf_reset(&hdr);
	json_num(&hdr, pd_used(pd), 1);
	req_header(r, "X-PD-Mm", "%s", hdr.ptr);
	req_header(r, "X-PD-Source", "%s", pd_source(pd));
	if (kept > 0) {
		/* The shop's handle on the kept photo: the newsletter's
		 * JPEGs are named by it, and /t/TOKEN stops the keeping. */
		time_t tt = (time_t)kept;
		struct tm tmu;
		char stamp[32];

		req_header(r, "X-Upload-Token", "%s", u.token);
		if (gmtime_r(&tt, &tmu) != NULL && strftime(stamp,
		    sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tmu) > 0)
			req_header(r, "X-Kept-Until", "%s", stamp);
	}
	req_send(r, 200, png ? "image/png" : "image/jpeg", out, (size_t)olen);
out:
	if (out != NULL)
		gdFree(out);
	photo_free(&ph);
	buf_free(&raw);
	buf_free(&hdr);
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

void
api_frames(struct tryon_app *a, struct http_req *r,
    const struct api_caller *c)
{
	const struct frame	*f;
	struct buf		 b;
	size_t			 i;
	time_t			 now = time(NULL);

	apikey_count(c->db, c->key_id, METRIC_API_FRAMES, 0);
	if (!a->catalog_loaded) {
		req_error_json(r, FF_EDB, NULL);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "{\"count\":%zu,\"frames\":[", a->nframes);
	for (i = 0; i < a->nframes; i++) {
		f = &a->frames[i];
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
		buf_printf(&b, ",\"price_cents\":%d,\"currency\":",
		    f->price_cents);
		json_str(&b, money_currency(f->currency));
		if (app_sale_on(f, (long long)now))
			buf_printf(&b, ",\"sale_price_cents\":%d", f->sale_cents);
		else
			buf_puts(&b, ",\"sale_price_cents\":null");
		buf_puts(&b, ",\"availability\":");
		if (frame_stock_name(f->stock) != NULL)
			json_str(&b, frame_stock_name(f->stock));
		else
			buf_puts(&b, "null");
		buf_puts(&b, ",\"product_url\":");
		json_str(&b, f->product_url);
		buf_printf(&b, ",\"thumbnail\":\"/thumb/%s.png\"}", f->sku);
	}
	buf_puts(&b, "]}\n");
	/* The catalog changes rarely: let a client revalidate cheaply. */
	app_send_tagged(r, "application/json", b.ptr, b.len, NULL,
	    "private, no-cache");
	buf_free(&b);
}
