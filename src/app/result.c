/*
 * result.c: the pages of one try-on, /t/{token} (see shop.h): the result
 * page, its renders, the stored photo, "Delete my photo", "Stop keeping
 * my photo", and the click to the shop. The upload that makes a try-on
 * is shop.c; what the two share is shop_internal.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "app/app.h"
#include "app/embed.h"
#include "app/newsletter.h"
#include "app/photo.h"
#include "app/shop.h"
#include "app/shop_internal.h"
#include "core/buf.h"
#include "core/clock.h"
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
		shop_choice_error(r, &ch, er, "This try-on does not exist, has "
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
		shop_page_noface(a, r, u.token, &ch);
		goto out;
	}
	if (want != NULL) {
		if ((f = ch.f) == NULL) {
			struct answer_back back = { NULL, "Back to your "
			    "try-on", NULL, NULL };

			buf_printf(&b, "/t/%s", u.token);
			shop_put_pd(&b, pd, '?');
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
	shop_put_pd(&b, pd, '?');
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
	shop_home_href(&b, f, pd, 0);
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
		shop_put_pd(&b, pd, '&');
		embed_keep(r, &b);
		tpl_obj_set_str(o, "href", b.ptr);
	}
	app_csrf_token(a, u.token, csrf);
	tpl_obj_set_str(root, "csrf", csrf);
	ch.f = f;
	shop_choice_vars(root, &ch);
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
	newsletter_vars(root);
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

/* Where a deleted photo's page leads: the upload page saying so, the
 * frame and PD kept for the next photo. */
static void
deleted_href(struct buf *b, const struct choice *ch)
{
	shop_home_href(b, ch->f, ch->pd, 0);
	buf_puts(b, strchr(b->ptr, '?') != NULL ? "&deleted=1" : "?deleted=1");
}

/*
 * A button of the result page posted back (delete, withdraw): from our
 * own origin, a small urlencoded form, with the CSRF token of this
 * photo's page. 1 when it is, with the frame and PD the page showed in
 * *ch (its hidden fields, shop_choice_vars(): the way on keeps them);
 * else the error is answered (bad: the 403's message) and 0 returned.
 * what names the button in the log.
 */
static int
page_post_ok(struct tryon_app *a, struct http_req *r, const char *token,
    const char *what, const char *bad, struct choice *ch)
{
	const char	*sku;
	double		 pd;

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
	/* A frame no longer carried or a PD out of range is left out, as
	 * the result page leaves it out of its own links. */
	sku = req_field(r, "frame");
	if (app_sku_valid(sku))
		ch->f = app_frame_by_sku(a, sku, NULL);
	if ((pd = shop_pd_parse(req_field(r, "pd"))) > 0)
		ch->pd = pd;
	return 1;
}

void
shop_delete(struct tryon_app *a, struct http_req *r)
{
	const char	*token = route_param(&r->params, "token");
	struct choice	 ch = { NULL, 0, 0 };
	struct db	*db;
	enum ff_err	 er;
	struct buf	 loc;

	if (!page_post_ok(a, r, token, "delete", "This delete link is not "
	    "valid. Please use the button on your try-on page.", &ch))
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
	/* To the upload page, with the frame and PD of the page it left. */
	buf_init(&loc);
	deleted_href(&loc, &ch);
	embed_keep(r, &loc);
	req_redirect(r, 303, loc.ptr);
	buf_free(&loc);
}

void
shop_withdraw(struct tryon_app *a, struct http_req *r)
{
	const char	*token = route_param(&r->params, "token");
	struct choice	 ch = { NULL, 0, 0 };
	struct buf	 loc;
	struct db	*db;
	enum ff_err	 er;
	int		 deleted;

	if (!page_post_ok(a, r, token, "withdraw", "This button's form is "
	    "not valid. Please use the button on your try-on page.", &ch))
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
	/* Back to the page it came from, as it was: the same frame and PD. */
	buf_init(&loc);
	if (deleted)
		deleted_href(&loc, &ch);
	else {
		buf_printf(&loc, "/t/%s", token);
		if (ch.f != NULL)
			buf_printf(&loc, "?frame=%s", ch.f->sku);
		shop_put_pd(&loc, ch.pd, ch.f != NULL ? '&' : '?');
	}
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
