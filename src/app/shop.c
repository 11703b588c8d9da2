/*
 * shop.c: the shopper's pages (see shop.h).
 *
 * Data path of POST /tryon, top to bottom: the multipart body (http/),
 * the photo prepared and run through the detector (photo.h: image/ and
 * vision/), the normalised photo, its detection and the try-on stored
 * (store/), a 303 to the result page. The frame is drawn (render/) when
 * the browser asks for /t/{token}/{sku}.jpg, so switching frames never
 * uploads or detects again.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "app/app.h"
#include "app/consent.h"
#include "app/embed.h"
#include "app/photo.h"
#include "app/purge.h"
#include "app/shop.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "http/multipart.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "render/frame.h"
#include "render/fit.h"
#include "render/frames.h"
#include "store/consent.h"
#include "store/db.h"
#include "store/records.h"
#include "view/template.h"
#include "vision/detector.h"

/* Bump when the drawing changes, so browsers fetch renders again. */
#define RENDER_VERSION		"r1"
/* Largest urlencoded body taken (the delete form), bytes. */
#define SMALL_FORM_MAX		8192
/* The version of the consent text of templates/index.html (the box "Keep
 * my photo so the shop can show me new frames on it by email"), recorded
 * with each consent: bump it whenever that text changes. */
#define CONSENT_WORDING		"newsletter-1"

/* Spaces and tabs, as a person types them around a number. */
static const char *
skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * Read by hand, not with strtod(): strtod() follows the locale and also
 * takes "6.35e1", "0x40" and "inf", which no prescription says. A comma
 * is a decimal point, as most of Europe writes it and as a text field
 * sends it. Tenths of a millimetre are all a ruler gives: the second
 * decimal rounds half up, the rest is ignored.
 */
double
shop_pd_parse(const char *s)
{
	long	 tenths = 0;
	int	 digits = 0, frac = 0;

	if (s == NULL || *(s = skip_blank(s)) == '\0')
		return 0;
	for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
		tenths = tenths * 10 + (*s - '0');
	if (digits == 0)
		return -1;
	tenths *= 10;
	if (*s == '.' || *s == ',') {
		for (s++; *s >= '0' && *s <= '9' && frac < 6; s++, frac++) {
			if (frac == 0)
				tenths += *s - '0';
			else if (frac == 1 && *s >= '5')
				tenths++;
		}
	}
	s = skip_blank(s);
	if ((s[0] == 'm' || s[0] == 'M') && (s[1] == 'm' || s[1] == 'M'))
		s = skip_blank(s + 2);
	if (*s != '\0' || tenths < (long)(FRAME_PD_MIN_MM * 10) ||
	    tenths > (long)(FRAME_PD_MAX_MM * 10))
		return -1;
	return tenths / 10.0;
}

/* Append "?pd=..." or "&pd=..." when the shopper gave their PD. */
static void
put_pd(struct buf *b, double pd, char sep)
{
	if (pd > 0)
		buf_printf(b, "%cpd=%.1f", sep, pd);
}

/*
 * The way back to the upload page with the shopper's choices kept, so
 * that a second photo needs no second choice: "/?frame=SKU&pd=63.5",
 * either left out when unknown; with cam, the page opens the webcam.
 */
static void
home_href(struct buf *b, const struct frame *f, double pd, int cam)
{
	char sep = '?';

	buf_putc(b, '/');
	if (f != NULL) {
		buf_printf(b, "?frame=%s", f->sku);
		sep = '&';
	}
	put_pd(b, pd, sep);
	if (pd > 0)
		sep = '&';
	if (cam)
		buf_printf(b, "%ccam=1", sep);
}

/* What the shopper chose on the upload form, as far as it was read. */
struct choice {
	const struct frame	*f;	/* NULL: not chosen or unknown */
	double			 pd;	/* mm; 0: the default */
	int			 webcam;	/* the photo came from it */
};

/* An error answer whose buttons keep the choice (req_error_back()). */
static void
choice_error(struct http_req *r, const struct choice *ch, enum ff_err er,
    const char *msg)
{
	struct answer_back	 back = { NULL, "Try another photo", NULL };
	struct buf		 h, cam;

	buf_init(&h);
	buf_init(&cam);
	home_href(&h, ch->f, ch->pd, 0);
	embed_keep(r, &h);
	back.href = h.ptr;
	if (ch->webcam) {
		home_href(&cam, ch->f, ch->pd, 1);
		embed_keep(r, &cam);
		back.retake = cam.ptr;
	}
	req_error_back(r, er, msg, &back);
	buf_free(&h);
	buf_free(&cam);
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
	/* The consent box: its text's version and the period it promises. */
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
static void
page_noface(struct tryon_app *a, struct http_req *r, const char *token,
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
	}
	home_href(&b, ch->f, ch->pd, 0);
	embed_keep(r, &b);
	tpl_obj_set_str(root, "back", b.ptr);
	if (ch->webcam) {
		buf_reset(&b);
		home_href(&b, ch->f, ch->pd, 1);
		embed_keep(r, &b);
		tpl_obj_set_str(root, "retake", b.ptr);
	}
	buf_free(&b);
	req_header(r, "Cache-Control", "no-store");
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
	choice_error(r, ch, er, msg);
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
		tryon_fail(r, &ch, FF_EINPUT, msg.ptr, "bad pd_mm");
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
	/* Keeping the photo for the shop's e-mails: only when the shopper
	 * ticked the box (unticked by default), with the version of the
	 * text they saw; a page older than the text asks again. */
	consent = req_field(r, "consent");
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
		page_noface(a, r, NULL, &ch);
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

/* The PD of a result URL: the shopper's own, or 0 for the default
 * (the result page says when the one given was not a PD). */
static double
args_pd(const struct http_req *r)
{
	double pd = shop_pd_parse(kv_get(&r->args, "pd"));

	return pd > 0 ? pd : 0;
}

void
shop_result(struct tryon_app *a, struct http_req *r)
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
	struct buf		 b;
	struct choice		 ch = { NULL, 0, 0 };
	enum fit		 fit;
	enum ff_err		 er;
	long long		 det_id, id = 0, tried = 0;
	double			 pd = args_pd(r), face_mm;
	char			 csrf[44], when[64];
	struct tm		 tmv;
	time_t			 exp;
	size_t			 i;
	int			 n, k;

	buf_init(&b);
	ch.pd = pd;
	if (app_sku_valid(want))
		ch.f = app_frame_by_sku(a, want, NULL);
	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		goto out;
	}
	if ((er = db_upload_get(db, token, &u, NULL)) == FF_ENOTFOUND) {
		choice_error(r, &ch, er, "This try-on does not exist, has "
		    "expired or was deleted. Photos are kept for 24 hours.");
		goto out;
	} else if (er != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	ch.webcam = u.source == UPLOAD_WEBCAM;
	if ((er = photo_faces_load(db, u.id, &det_id, faces, &n)) != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	for (k = 0; k < n && !photo_face_plausible(&faces[k], u.width, u.height); k++)
		;
	if (k == n) {
		/* The way back keeps the frame last shown on this photo. */
		if (ch.f == NULL && db_tryon_last_frame(db, u.id, &id) == FF_OK)
			ch.f = app_frame_by_id(a, id);
		page_noface(a, r, u.token, &ch);
		goto out;
	}
	if (want != NULL) {
		if ((f = ch.f) == NULL) {
			struct answer_back back = { NULL, "Back to your "
			    "try-on", NULL };

			buf_printf(&b, "/t/%s", u.token);
			put_pd(&b, pd, '?');
			back.href = b.ptr;
			req_error_back(r, FF_ENOTFOUND, "We do not carry a "
			    "frame with that code.", &back);
			goto out;
		}
		/* Switching to a frame not tried before is a try-on. */
		if ((er = db_tryon_count(db, u.id, f->id, &tried)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
		if (tried == 0 && (er = db_tryon_record(db, u.id, f->id, NULL,
		    NULL)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
	} else {
		er = db_tryon_last_frame(db, u.id, &id);
		if (er != FF_OK && er != FF_ENOTFOUND) {
			req_error(r, er, NULL);
			goto out;
		}
		if ((f = app_frame_by_id(a, id)) == NULL && a->nframes > 0)
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

	/* The fit hint, from the best plausible face (render/fit.h: the
	 * face width comes from the PD, given or the default). */
	photo_face_eyes(&faces[k], &e);
	if ((face_mm = fit_face_mm(&e, pd)) > 0 &&
	    fit_judge(f, face_mm, &fit) == FF_OK) {
		o = tpl_obj_add_obj(root, "fit");
		tpl_obj_set_str(o, "name", fit_name(fit));
		tpl_obj_set_bool(o, "good", fit == FIT_GOOD);
		tpl_obj_set_bool(o, "narrow", fit == FIT_NARROW);
		tpl_obj_set_bool(o, "wide", fit == FIT_WIDE);
		tpl_obj_set_int(o, "face_mm", lround(face_mm));
		tpl_obj_set_int(o, "frame_mm", lround(f->total_width_mm));
		if (pd > 0)
			tpl_obj_set_double(o, "pd_mm", pd, 1);
		else
			tpl_obj_set_int(o, "pd_mm", lround(FRAME_PD_DEFAULT_MM));
		tpl_obj_set_bool(o, "pd_given", pd > 0);
	}
	tpl_obj_set_int(root, "faces", n);
	tpl_obj_set_bool(root, "several_faces", n > 1);
	if (pd > 0)
		tpl_obj_set_double(root, "pd", pd, 1);

	/* The PD form: the value as the page uses it, and why a given
	 * one was not taken. */
	if (pd > 0) {
		buf_reset(&b);
		buf_printf(&b, "%.1f", pd);
		tpl_obj_set_str(root, "pd_value", b.ptr);
	}
	tpl_obj_set_bool(root, "pd_bad",
	    shop_pd_parse(kv_get(&r->args, "pd")) < 0);
	tpl_obj_set_int(root, "pd_min", (long long)FRAME_PD_MIN_MM);
	tpl_obj_set_int(root, "pd_max", (long long)FRAME_PD_MAX_MM);
	buf_reset(&b);
	home_href(&b, f, pd, 0);
	embed_keep(r, &b);
	tpl_obj_set_str(root, "home_href", b.ptr);

	/* The frame strip: each a link to its result page, which app.js
	 * fetches to swap this page's parts in place. */
	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < a->nframes; i++) {
		o = app_frame_obj(tpl_list_add_obj(list), &a->frames[i]);
		tpl_obj_set_bool(o, "current", &a->frames[i] == f);
		buf_reset(&b);
		buf_printf(&b, "/t/%s?frame=%s", u.token, a->frames[i].sku);
		put_pd(&b, pd, '&');
		embed_keep(r, &b);
		tpl_obj_set_str(o, "href", b.ptr);
	}
	app_csrf_token(a, u.token, csrf);
	tpl_obj_set_str(root, "csrf", csrf);
	exp = (time_t)u.expires;
	if (gmtime_r(&exp, &tmv) != NULL &&
	    strftime(when, sizeof(when), "%d %b %Y, %H:%M UTC", &tmv) > 0)
		tpl_obj_set_str(root, "expires", when);
	{
		/* Kept for the shop's e-mails: the page says so and offers
		 * to stop (shop_withdraw()). */
		enum consent_state cs = CONSENT_NONE;

		if (db_consent_get(db, u.id, CONSENT_NEWSLETTER, &cs, NULL) !=
		    FF_OK)
			req_log(r, "consent of upload %lld not read", u.id);
		tpl_obj_set_bool(root, "kept", cs == CONSENT_GIVEN);
		tpl_obj_set_bool(root, "withdrawn", cs == CONSENT_WITHDRAWN);
	}
	/* The page holds the shopper's photo: keep it out of shared caches. */
	req_header(r, "Cache-Control", "private, no-store");
	embed_vars(r, root, a->frames, a->nframes);
	req_page(r, 200, "result", root);
out:
	tpl_ctx_free(c);
	buf_free(&b);
}

void
shop_render(struct tryon_app *a, struct http_req *r)
{
	const char		*token = route_param(&r->params, "token");
	const struct frame	*f;
	struct face		 faces[DET_MAX_FACES];
	struct upload_row	 u;
	struct db		*db;
	enum ff_err		 er;
	long long		 det_id;
	double			 pd = args_pd(r), t, t1;
	char			 etag[40], timing[PHOTO_TIMING_LEN];
	void			*photo = NULL, *jpg = NULL;
	size_t			 jlen = 0;
	int			 n;
	struct photo_times	 pt = { 0 };

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
	    (er = photo_faces_load(db, u.id, &det_id, faces, &n)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This photo does not "
		    "exist, has expired or was deleted." : NULL);
		goto out;
	}
	render_etag(&u, det_id, f, pd, etag);
	req_header(r, "ETag", "%s", etag);
	/* Not even the shopper's own browser keeps it: no-cache would still
	 * leave a deleted photo in its disk cache. The entity-tag spares
	 * the drawing for a client that asks with If-None-Match all the
	 * same. */
	req_header(r, "Cache-Control", "private, no-store");
	if (req_etag_match(r, etag)) {
		req_send(r, 304, NULL, "", 0);
		goto out;
	}
	if ((er = db_upload_get(db, token, &u, &photo)) != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	t = ff_now_ms();
	if ((er = photo_render_timed(photo, u.len, faces, n, f, pd, &jpg,
	    &jlen, &pt)) != FF_OK) {
		req_log(r, "render %s on upload %lld: %s", f->sku, u.id,
		    ff_strerror(er));
		req_error(r, er == FF_EINPUT ? FF_ECONFIG : er,
		    "This try-on could not be drawn.");
		goto out;
	}
	t1 = ff_now_ms();
	/* The first render of a try-on is its render time. */
	if (db_tryon_render_ms(db, u.id, f->id, t1 - t) != FF_OK)
		req_log(r, "render_ms not recorded");
	/* Where the time went (photo.h): db is the reads before and the
	 * write after. */
	pt.db = t - r->t0 + ff_now_ms() - t1;
	pt.total = ff_now_ms() - r->t0;
	photo_timing(&pt, timing, sizeof(timing));
	req_header(r, "Server-Timing", "%s", timing);
	if (kv_get(&r->args, "download") != NULL)
		req_header(r, "Content-Disposition",
		    "attachment; filename=\"framefit-%s.jpg\"", f->sku);
	req_send(r, 200, "image/jpeg", jpg, jlen);
out:
	free(photo);
	free(jpg);
}

void
shop_photo(struct tryon_app *a, struct http_req *r)
{
	struct upload_row	 u;
	struct db		*db;
	enum ff_err		 er;
	void			*photo = NULL;

	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		return;
	}
	if ((er = db_upload_get(db, route_param(&r->params, "token"), &u,
	    &photo)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This photo does not "
		    "exist, has expired or was deleted." : NULL);
		return;
	}
	/* As the render: the shopper's photo stays out of every cache. */
	req_header(r, "Cache-Control", "private, no-store");
	req_send(r, 200, u.mime, photo, u.len);
	free(photo);
}

/*
 * A button of the result page posted back (delete, withdraw): from our
 * own origin, a small urlencoded form, with the CSRF token of this
 * photo's page. 1 when it is; else the error is answered (bad: the 403's
 * message) and 0 returned. what names the button in the log.
 */
static int
page_post_ok(struct tryon_app *a, struct http_req *r, const char *token,
    const char *what, const char *bad)
{
	const char	*got, *why;
	enum ff_err	 er;
	char		 want[44];

	if (req_cross_origin(r)) {
		req_drain(r);
		req_error(r, FF_EFORBIDDEN, "This form must be sent from our "
		    "own page.");
		return 0;
	}
	if ((er = req_read_form(r, SMALL_FORM_MAX, &why)) != FF_OK) {
		req_error(r, er == FF_ESYS ? FF_EINPUT : er, why);
		return 0;
	}
	app_csrf_token(a, token, want);
	got = req_field(r, "csrf");
	if (got == NULL || strlen(got) != strlen(want) ||
	    CRYPTO_memcmp(got, want, strlen(want)) != 0) {
		req_log(r, "%s: bad CSRF token", what);
		req_error(r, FF_EFORBIDDEN, bad);
		return 0;
	}
	return 1;
}

void
shop_delete(struct tryon_app *a, struct http_req *r)
{
	const char	*token = route_param(&r->params, "token");
	struct db	*db;
	enum ff_err	 er;
	struct buf	 loc;

	if (!page_post_ok(a, r, token, "delete", "This delete link is not "
	    "valid. Please use the button on your try-on page."))
		return;
	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		return;
	}
	if ((er = db_upload_delete(db, token)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This photo was already "
		    "deleted or has expired." : NULL);
		return;
	}
	buf_init(&loc);
	buf_puts(&loc, "/?deleted=1");
	embed_keep(r, &loc);
	req_redirect(r, 303, loc.ptr);
	buf_free(&loc);
}

void
shop_withdraw(struct tryon_app *a, struct http_req *r)
{
	const char	*token = route_param(&r->params, "token");
	struct buf	 loc;
	struct db	*db;
	enum ff_err	 er;
	int		 deleted;

	if (!page_post_ok(a, r, token, "withdraw", "This button's form is "
	    "not valid. Please use the button on your try-on page."))
		return;
	if ((db = app_db(a)) == NULL) {
		req_error(r, FF_EDB, NULL);
		return;
	}
	/* Back under the 24-hour rule; deleted now when older than that
	 * (store/consent.h). */
	if ((er = db_consent_withdraw(db, token, &deleted)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "This photo was already "
		    "deleted or has expired." : NULL);
		return;
	}
	buf_init(&loc);
	if (deleted)
		buf_puts(&loc, "/?deleted=1");
	else
		buf_printf(&loc, "/t/%s", token);
	embed_keep(r, &loc);
	req_redirect(r, 303, loc.ptr);
	buf_free(&loc);
}

void
shop_go(struct tryon_app *a, struct http_req *r)
{
	const char		*token = kv_get(&r->args, "t");
	const struct frame	*f;
	struct db		*db = app_db(a);
	enum ff_err		 er;

	if ((f = app_frame_by_sku(a, route_param(&r->params, "sku"), NULL)) ==
	    NULL) {
		req_error(r, a->catalog_loaded ? FF_ENOTFOUND : FF_EDB,
		    a->catalog_loaded ? "We do not carry that frame." : NULL);
		return;
	}
	/*
	 * Counting is ours; the shopper goes to the shop either way. Only
	 * a click from a try-on counts, once per try-on and frame
	 * (db_click_record()): a bare link, a reload or a bot counts
	 * nothing.
	 */
	if (token != NULL && db == NULL)
		req_log(r, "click on %s not recorded: no database", f->sku);
	else if (token != NULL && (er = db_click_record(db, f->id, token)) !=
	    FF_OK && er != FF_ENOTFOUND)
		req_log(r, "click on %s not recorded: %s", f->sku,
		    ff_strerror(er));
	req_redirect(r, 302, f->product_url);
}

