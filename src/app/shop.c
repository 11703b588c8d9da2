/*
 * shop.c: the shopper's pages (see shop.h) up to the try-on: the upload
 * page, static files, thumbnails, health, and the upload itself with its
 * error pages. The pages of one try-on (/t/{token}) are result.c; what
 * the two share is shop_internal.h.
 *
 * Data path of POST /tryon, top to bottom: the multipart body (http/),
 * the photo prepared and run through the detector (photo.h: image/ and
 * vision/), the normalised photo, its detection and the try-on stored
 * (store/), a 303 to the result page. The frame is drawn (render/) when
 * the browser asks for /t/{token}/{sku}.jpg (result.c), so switching
 * frames never uploads or detects again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "app/app.h"
#include "app/consent.h"
#include "app/embed.h"
#include "app/newsletter.h"
#include "app/photo.h"
#include "app/purge.h"
#include "app/shop.h"
#include "app/shop_internal.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/decimal.h"
#include "core/xalloc.h"
#include "http/multipart.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "render/frame.h"
#include "render/frames.h"
#include "store/db.h"
#include "store/records.h"
#include "view/template.h"

/* The version of the consent text of templates/index.html (the box "Keep
 * my photo so the shop can show me new frames on it by email"), recorded
 * with each consent: bump it whenever that text changes. */
#define CONSENT_WORDING		"newsletter-1"

/*
 * A PD as a person types it: dec_parse()'s decimal point or comma (not
 * strtod(), which follows the locale and takes "6.35e1", "0x40" and
 * "inf", which no prescription says), optionally followed by "mm".
 * Tenths of a millimetre are all a ruler gives: the value is rounded to
 * them.
 */
double
shop_pd_parse(const char *s)
{
	char	 t[32];
	size_t	 n;
	double	 v;

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return 0;
	if ((n = strlen(s)) >= sizeof t)
		return -1;
	memcpy(t, s, n + 1);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = '\0';
	if (n >= 2 && (t[n - 1] == 'm' || t[n - 1] == 'M') &&
	    (t[n - 2] == 'm' || t[n - 2] == 'M'))
		t[n - 2] = '\0';
	/* A distance has no sign. */
	if (t[0] == '+' || t[0] == '-' || !dec_parse(t, &v, NULL))
		return -1;
	v = lround(v * 10) / 10.0;
	if (!(v >= FRAME_PD_MIN_MM && v <= FRAME_PD_MAX_MM))
		return -1;
	return v;
}

/* Append "?pd=..." or "&pd=..." when the shopper gave their PD. */
void
shop_put_pd(struct buf *b, double pd, char sep)
{
	if (pd > 0)
		buf_printf(b, "%cpd=%.1f", sep, pd);
}

/*
 * The way back to the upload page with the shopper's choices kept, so
 * that a second photo needs no second choice: "/?frame=SKU&pd=63.5",
 * either left out when unknown; with cam, the page opens the webcam.
 */
void
shop_home_href(struct buf *b, const struct frame *f, double pd, int cam)
{
	char sep = '?';

	buf_putc(b, '/');
	if (f != NULL) {
		buf_printf(b, "?frame=%s", f->sku);
		sep = '&';
	}
	shop_put_pd(b, pd, sep);
	if (pd > 0)
		sep = '&';
	if (cam)
		buf_printf(b, "%ccam=1", sep);
}

void
shop_choice_vars(struct tpl_val *root, const struct choice *ch)
{
	if (ch->f != NULL)
		tpl_obj_set_str(root, "choice_frame", ch->f->sku);
	if (ch->pd > 0)
		tpl_obj_set_double(root, "choice_pd", ch->pd, 1);
}

/* shop_choice_error() under the page heading heading (NULL: the
 * error's own). */
static void
choice_error_as(struct http_req *r, const struct choice *ch, enum ff_err er,
    const char *heading, const char *msg)
{
	struct answer_back	 back = { NULL, "Try another photo", NULL,
				    heading };
	struct buf		 h, cam;

	buf_init(&h);
	buf_init(&cam);
	shop_home_href(&h, ch->f, ch->pd, 0);
	embed_keep(r, &h);
	back.href = h.ptr;
	if (ch->webcam) {
		shop_home_href(&cam, ch->f, ch->pd, 1);
		embed_keep(r, &cam);
		back.retake = cam.ptr;
	}
	req_error_back(r, er, msg, &back);
	buf_free(&h);
	buf_free(&cam);
}

/* An error answer whose buttons keep the choice (req_error_back()). */
void
shop_choice_error(struct http_req *r, const struct choice *ch, enum ff_err er,
    const char *msg)
{
	choice_error_as(r, ch, er, NULL, msg);
}

/*
 * The choices of the upload form as the address of its POST carries them
 * (?frame=SKU&pd_mm=MM&source=webcam; app.js writes them there when the
 * form is sent): all that is known of them when the body is refused
 * unread, so that the way back still keeps them. The body's own fields
 * replace them once it is read.
 */
static void
choice_of_query(struct tryon_app *a, const struct http_req *r,
    struct choice *ch)
{
	const char	*sku = kv_get(&r->args, "frame");
	const char	*src = kv_get(&r->args, "source");
	double		 pd = shop_pd_parse(kv_get(&r->args, "pd_mm"));

	if (app_sku_valid(sku))
		ch->f = app_frame_by_sku(a, sku, NULL);
	if (pd > 0)
		ch->pd = pd;
	ch->webcam = src != NULL && strcmp(src, "webcam") == 0;
}

/* ---- Pages ---- */

/* The upload form needs the catalog; the page renders from the cache
 * even while the database is away. */
void
shop_index(struct tryon_app *a, struct http_req *r)
{
	struct tpl_ctx	*c;
	struct tpl_val	*root, *list, *o;
	const char	*want = kv_get(&r->args, "frame");
	double		 pd = shop_pd_parse(kv_get(&r->args, "pd"));
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
	/* The consent box, when the shop offers it (newsletter.h): its
	 * text's version and the period it promises. */
	newsletter_vars(root);
	tpl_obj_set_str(root, "consent_wording", CONSENT_WORDING);
	tpl_obj_set_int(root, "consent_days", purge_consent_days());
	tpl_obj_set_int(root, "pd_min", (long long)FRAME_PD_MIN_MM);
	tpl_obj_set_int(root, "pd_max", (long long)FRAME_PD_MAX_MM);
	/* Back from an error page or a retake: the choices are kept. */
	if (pd > 0)
		tpl_obj_set_double(root, "pd", pd, 1);
	tpl_obj_set_bool(root, "cam", kv_get(&r->args, "cam") != NULL);
	tpl_obj_set_int(root, "nframes", (long long)a->nframes);
	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < a->nframes; i++) {
		o = app_frame_obj(tpl_list_add_obj(list), &a->frames[i]);
		tpl_obj_set_bool(o, "checked", i == checked);
	}
	req_header(r, "Cache-Control", "no-cache");
	embed_vars(r, root, a->frames, a->nframes);
	req_page(r, 200, "index", root);
	tpl_ctx_free(c);
}

void
shop_static(struct tryon_app *a, struct http_req *r)
{
	const struct blob	*f;
	const char		*name = strrchr(r->path, '/'), *ctype;

	/* The route took "/static/{name}.css" (or .js, .svg): the last
	 * segment is the file's whole name. */
	if (name == NULL || (f = app_static(a, name + 1, &ctype)) == NULL) {
		req_error(r, FF_ENOTFOUND, "There is no such file.");
		return;
	}
	app_send_tagged(r, ctype, f->p, f->len, f->etag, "public, max-age=3600");
}

void
shop_thumb(struct tryon_app *a, struct http_req *r)
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
		if ((im = frame_thumbnail(f, SHOP_THUMB_W, SHOP_THUMB_H)) ==
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
	app_send_tagged(r, "image/png", t->p, t->len, t->etag,
	    "public, max-age=3600");
}

void
shop_healthz(struct tryon_app *a, struct http_req *r)
{
	struct db	*db;
	const char	*why = NULL;

	req_header(r, "Cache-Control", "no-store");
	if (app_det(a) == NULL)
		why = "unavailable: model not loaded\n";
	else if ((db = app_db(a)) == NULL || db_ping(db) != FF_OK)
		why = "unavailable: database not reachable\n";
	if (why != NULL)
		req_send(r, 503, "text/plain; charset=utf-8", why, strlen(why));
	else
		req_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/*
 * The no-face page: 422, with tips. A fresh upload without a face was not
 * kept (token NULL: the page says so); a stored photo whose faces the
 * policy no longer accepts is shown, with the delete form. Its buttons
 * keep the frame and PD, and a webcam photo gets "Retake".
 */
void
shop_page_noface(struct tryon_app *a, struct http_req *r, const char *token,
    const struct choice *ch)
{
	struct tpl_ctx	*c = app_page_ctx("No face found");
	struct tpl_val	*root = tpl_ctx_root(c);
	struct buf	 b;
	char		 csrf[44];

	if (req_wants_json(r)) {
		tpl_ctx_free(c);
		req_error(r, FF_ENOFACE, "No face was found in the photo. Look "
		    "straight at the camera in good light and try again.");
		return;
	}
	buf_init(&b);
	if (token != NULL) {
		app_csrf_token(a, token, csrf);
		tpl_obj_set_str(root, "token", token);
		tpl_obj_set_str(root, "csrf", csrf);
		buf_printf(&b, "/t/%s/photo", token);
		tpl_obj_set_str(root, "photo_src", b.ptr);
		buf_reset(&b);
		shop_choice_vars(root, ch);
	}
	shop_home_href(&b, ch->f, ch->pd, 0);
	embed_keep(r, &b);
	tpl_obj_set_str(root, "back", b.ptr);
	if (ch->webcam) {
		buf_reset(&b);
		shop_home_href(&b, ch->f, ch->pd, 1);
		embed_keep(r, &b);
		tpl_obj_set_str(root, "retake", b.ptr);
	}
	buf_free(&b);
	req_header(r, "Cache-Control", "no-store");
	newsletter_vars(root);
	embed_vars(r, root, a->frames, a->nframes);
	req_page(r, 422, "noface", root);
	tpl_ctx_free(c);
}

static void
tryon_fail(struct http_req *r, const struct choice *ch, enum ff_err er,
    const char *msg, const char *log)
{
	if (log != NULL)
		req_log(r, "tryon: %s: %s", ff_errcode(er), log);
	shop_choice_error(r, ch, er, msg);
}

/* What went wrong with the photo itself, for the shopper. */
static const char *
photo_msg(const struct photo *ph, enum ff_err er, struct buf *msg)
{
	if (er == FF_EMEDIATYPE && strcmp(ph->step, "probe") == 0)
		return "That file is not a photo we can read. Please use a "
		    "JPEG, PNG, WebP or GIF image.";
	if (er == FF_EIMAGE)
		return "That image is damaged or incomplete. Please try "
		    "another photo.";
	if (er == FF_EPIXELS && strcmp(ph->step, "too many pixels") == 0) {
		buf_printf(msg, "That image is %d \u00d7 %d pixels, more than "
		    "our limit of 50 megapixels. Please use a smaller photo.",
		    ph->w, ph->h);
		return msg->ptr;
	}
	if (er == FF_ECOST) {
		photo_cost_msg(ph, msg);
		return msg->ptr;
	}
	return NULL;
}

void
shop_tryon(struct tryon_app *a, struct http_req *r)
{
	static const struct photo_limits lim = PHOTO_LIMITS_FORM;
	const struct mp_part	*photo, *src;
	const struct frame	*f;
	struct choice		 ch = { NULL, 0, 0 };
	struct detector		*det;
	struct db		*db;
	struct photo		 ph = { 0 };
	struct photo_faces	 faces;
	struct upload_row	 u;
	struct tryon_timing	 tm = { 0 };
	struct photo_times	 pt;
	struct buf		 loc, msg;
	enum upload_source	 source = UPLOAD_FORM;
	enum ff_err		 er;
	const char		*why, *sku, *consent;
	double			 pd;
	char			 timing[PHOTO_TIMING_LEN];

	buf_init(&loc);
	buf_init(&msg);
	choice_of_query(a, r, &ch);
	if (req_cross_origin(r)) {
		req_drain(r);
		tryon_fail(r, &ch, FF_EFORBIDDEN, "This form must be sent "
		    "from our own page.", "cross-origin POST");
		goto out;
	}
	/* Cheap refusals first: no point reading 15 MB we cannot use. */
	if ((db = app_db(a)) == NULL) {
		req_drain(r);
		tryon_fail(r, &ch, FF_EDB, NULL, "database unreachable");
		goto out;
	}
	if ((det = app_det(a)) == NULL) {
		req_drain(r);
		tryon_fail(r, &ch, FF_EMODEL, "Our face finder is not ready "
		    "yet. Please try again in a minute.", "no model");
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
		tryon_fail(r, &ch, er, why, why);
		goto out;
	}

	/* Read the choices before judging any, so that whatever is refused
	 * the way back keeps what was good. */
	ch = (struct choice){ NULL, 0, 0 };
	sku = req_field(r, "frame");
	if (app_sku_valid(sku))
		ch.f = app_frame_by_sku(a, sku, NULL);
	if ((pd = shop_pd_parse(req_field(r, "pd_mm"))) > 0)
		ch.pd = pd;
	if ((src = mp_get(r->form, "source")) != NULL && src->len > 0 &&
	    strcmp(src->data, "webcam") == 0)
		ch.webcam = 1;

	if (sku == NULL || *sku == '\0') {
		tryon_fail(r, &ch, FF_EINPUT, "Please choose a frame to try on "
		    "(the form field \"frame\" is missing).", "no frame field");
		goto out;
	}
	if (!app_sku_valid(sku) || (f = app_frame_by_sku(a, sku, NULL)) == NULL) {
		tryon_fail(r, &ch, FF_EINPUT, "We do not carry a frame with "
		    "that code. Please choose one from the catalog.",
		    "unknown SKU");
		goto out;
	}
	if (pd < 0) {
		buf_printf(&msg, "Your pupillary distance must be a number of "
		    "millimetres between %.0f and %.0f, or left empty. Type it "
		    "as 63.5 or 63,5; if your prescription gives two numbers, "
		    "one for each eye, add them.", FRAME_PD_MIN_MM,
		    FRAME_PD_MAX_MM);
		req_log(r, "tryon: %s: bad pd_mm", ff_errcode(FF_EINPUT));
		choice_error_as(r, &ch, FF_EINPUT, "Please check your PD",
		    msg.ptr);
		goto out;
	}
	if (src != NULL && src->len > 0) {
		if (strcmp(src->data, "webcam") == 0)
			source = UPLOAD_WEBCAM;
		else if (strcmp(src->data, "form") != 0) {
			tryon_fail(r, &ch, FF_EINPUT, "The photo source must "
			    "be \"form\" or \"webcam\".", "bad source");
			goto out;
		}
	}
	/* Keeping the photo for the shop's e-mails: only when the shop
	 * offers the box and the shopper ticked it (unticked by default),
	 * with the version of the text they saw; a page older than the text
	 * asks again. Without the offer the field is ignored, not refused: a
	 * page loaded before the operator turned the box off still gives a
	 * try-on, and the photo is kept the usual 24 hours, as the result
	 * page then says (newsletter.h). */
	consent = newsletter_offered() ? req_field(r, "consent") : NULL;
	if (consent != NULL && *consent == '\0')
		consent = NULL;
	if (consent != NULL && (strcmp(consent, CONSENT_NEWSLETTER) != 0 ||
	    (req_field(r, "consent_wording") != NULL && strcmp(req_field(r,
	    "consent_wording"), CONSENT_WORDING) != 0))) {
		tryon_fail(r, &ch, FF_EINPUT, "The text of the box \"Keep my "
		    "photo\" has changed since this page was loaded. Please "
		    "reload the page, read it, and tick it again if you agree.",
		    "bad consent");
		goto out;
	}
	photo = mp_get(r->form, "photo");
	if (photo == NULL || photo->len == 0) {
		tryon_fail(r, &ch, FF_EINPUT, "Please choose a photo of your "
		    "face (the form field \"photo\" is missing or empty).",
		    "no photo");
		goto out;
	}

	if ((er = photo_prepare(&ph, photo->data, photo->len, &lim)) !=
	    FF_OK) {
		tryon_fail(r, &ch, er, photo_msg(&ph, er, &msg), ph.step);
		goto out;
	}
	tm.decode_ms = ph.decode_ms;
	if ((er = photo_find_faces(det, ph.im, &faces)) != FF_OK) {
		tryon_fail(r, &ch, er, "Our face finder failed on this photo. "
		    "Please try again.", "det_run");
		goto out;
	}
	tm.detect_ms = faces.ms;
	/* A photo without a face is counted for the reports, not kept. */
	if ((er = photo_store(db, &ph, source, a->model_id, &faces,
	    faces.n > 0 ? f->id : 0, &tm, &u)) != FF_OK) {
		tryon_fail(r, &ch, er, NULL, "store");
		goto out;
	}
	if (faces.n == 0) {
		req_log(r, "no face in the upload (%d raw): not kept",
		    faces.nraw);
		shop_page_noface(a, r, NULL, &ch);
		goto out;
	}
	/* The consent goes with the photo, or neither stays (consent.h). */
	if (consent != NULL && (er = consent_keep(db, r, &u, CONSENT_WORDING,
	    NULL)) != FF_OK) {
		tryon_fail(r, &ch, er, NULL, "consent");
		goto out;
	}
	buf_printf(&loc, "/t/%s", u.token);
	if (pd > 0)
		buf_printf(&loc, "?pd=%.1f", pd);
	embed_keep(r, &loc);
	/* Where the time went (photo.h), for bench/bench_phone.sh. */
	pt = (struct photo_times){ .receive = r->read_ms,
	    .decode = ph.decode_ms, .detect = faces.ms, .store = ph.store_ms,
	    .db = ph.db_ms, .total = ff_now_ms() - r->t0 };
	photo_timing(&pt, timing, sizeof(timing));
	req_header(r, "Server-Timing", "%s", timing);
	req_redirect(r, 303, loc.ptr);
out:
	photo_free(&ph);
	buf_free(&loc);
	buf_free(&msg);
}
