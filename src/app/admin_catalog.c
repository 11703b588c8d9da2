/*
 * admin_catalog.c: the catalog pages (see admin.h): the list of frames,
 * the form that adds or edits one, retire and restore, the artwork
 * upload, and the preview of a frame on a sample face.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "app/admin.h"
#include "app/admin_page.h"
#include "app/answer.h"
#include "app/app.h"
#include "app/artwork.h"
#include "app/photo.h"
#include "core/buf.h"
#include "core/decimal.h"
#include "http/multipart.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "render/frame.h"
#include "render/frame_sizes.h"
#include "render/frames.h"
#include "store/catalog.h"
#include "view/money.h"
#include "view/template.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* The preview of a frame on the sample face, px. */
#define PREVIEW_W		360
#define PREVIEW_H		270

/* ---- Sample face for the previews ---- */

/*
 * The picture the catalog previews are drawn on, loaded once per worker:
 * var/sample-face/face.png with its eyes in eyes.txt ("lx ly rx ry",
 * pixels), as scripts/sample-face.sh installs them (the public-domain
 * astronaut photo of scikit-image), else an LFW photo of the shared data
 * with its labelled eyes. The photos are never part of the repository.
 */
static struct {
	int		 tried;
	gdImagePtr	 im;
	struct face_eyes eyes;
	char		 src[64];
} sample;

/* Load the picture at path into sample.im (photo_prepare_file(), no
 * limits: the file is ours); 0 when it cannot be loaded. */
static int
sample_load(const char *path)
{
	struct photo ph;

	if (photo_prepare_file(&ph, path, &(struct photo_limits){ 0, 0, 0, 0 })
	    == FF_OK) {
		sample.im = ph.im;
		ph.im = NULL;
	}
	photo_free(&ph);
	return sample.im != NULL;
}

static gdImagePtr
sample_face(struct face_eyes *e)
{
	static const char *lfw = FF_DATADIR "/../shared/data/faces/mtfl/"
	    "images/lfw_5590/Aaron_Eckhart_0001.jpg";
	const char	*dir = getenv("FF_SAMPLE_FACE_DIR");
	struct buf	 path;
	FILE		*f;
	double		 v[4];

	if (sample.tried) {
		*e = sample.eyes;
		return sample.im;
	}
	sample.tried = 1;
	buf_init(&path);
	buf_printf(&path, "%s/eyes.txt", dir != NULL && *dir != '\0' ? dir :
	    FF_DATADIR "/var/sample-face");
	if ((f = fopen(path.ptr, "r")) != NULL) {
		if (fscanf(f, "%lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3]) == 4) {
			buf_reset(&path);
			buf_printf(&path, "%s/face.png", dir != NULL &&
			    *dir != '\0' ? dir : FF_DATADIR "/var/sample-face");
			if (sample_load(path.ptr)) {
				sample.eyes = (struct face_eyes){ v[0], v[1],
				    v[2], v[3] };
				snprintf(sample.src, sizeof(sample.src),
				    "sample face");
			}
		}
		fclose(f);
	}
	buf_free(&path);
	if (sample.im == NULL && sample_load(lfw)) {
		/* Labelled by the MTFL data set. */
		sample.eyes = (struct face_eyes){ 107.25, 108.75, 147.75, 113.25 };
		snprintf(sample.src, sizeof(sample.src), "LFW sample");
	}
	if (sample.im == NULL)
		req_log(NULL, "admin: no sample face (run scripts/sample-face.sh); "
		    "previews show the frame alone");
	*e = sample.eyes;
	return sample.im;
}

/* The frame on the sample face, PREVIEW_W x PREVIEW_H, as PNG. *png is
 * gdFree()d by the caller. */
static enum ff_err
preview_png(const struct frame *f, void **png, int *len)
{
	struct face_eyes e, s;
	gdImagePtr	 face, out;
	double		 iod, cx, cy, w, h, x, y, k;
	enum ff_err	 er = FF_OK;

	*png = NULL;
	if ((face = sample_face(&e)) == NULL) {
		if ((out = frame_thumbnail(f, PREVIEW_W, PREVIEW_H)) == NULL)
			return FF_EINPUT;
		goto encode;
	}
	iod = hypot(e.rx - e.lx, e.ry - e.ly);
	cx = (e.lx + e.rx) / 2;
	cy = (e.ly + e.ry) / 2;
	/* A 4:3 window 3.6 eye distances wide, eyes a little above the
	 * middle, kept inside the photo. */
	w = 3.6 * iod;
	h = w * PREVIEW_H / PREVIEW_W;
	if (w > gdImageSX(face))
		w = gdImageSX(face), h = w * PREVIEW_H / PREVIEW_W;
	if (h > gdImageSY(face))
		h = gdImageSY(face), w = h * PREVIEW_W / PREVIEW_H;
	x = fmin(fmax(cx - w / 2, 0), gdImageSX(face) - w);
	y = fmin(fmax(cy - 0.42 * h, 0), gdImageSY(face) - h);
	if ((out = gdImageCreateTrueColor(PREVIEW_W, PREVIEW_H)) == NULL)
		return FF_ENOMEM;
	gdImageCopyResampled(out, face, 0, 0, (int)x, (int)y, PREVIEW_W,
	    PREVIEW_H, (int)w, (int)h);
	/* Drawn after scaling, so the rim is sharp at preview size. */
	k = PREVIEW_W / floor(w);
	s.lx = (e.lx - (int)x) * k;
	s.ly = (e.ly - (int)y) * k;
	s.rx = (e.rx - (int)x) * k;
	s.ry = (e.ry - (int)y) * k;
	if ((er = frame_draw(out, f, &s, 1, 0)) != FF_OK) {
		gdImageDestroy(out);
		return er;
	}
encode:
	gdImageSaveAlpha(out, 1);
	if ((*png = gdImagePngPtrEx(out, len, 6)) == NULL)
		er = FF_ENOMEM;
	gdImageDestroy(out);
	return er;
}

/* ---- Catalog ---- */

/* The frame {sku} of the request into *f (memset first; the caller
 * clears it with catalog_frame_clear()); 0 after answering when there
 * is none or the database failed. */
static int
frame_get(struct http_req *r, struct db *db, struct frame *f)
{
	enum ff_err er;

	memset(f, 0, sizeof(*f));
	if ((er = catalog_get(db, route_param(&r->params, "sku"), f)) !=
	    FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no frame with "
		    "that SKU." : NULL);
		return 0;
	}
	return 1;
}

/* A frame's fields as the form shows them. */
static void
frame_form_obj(struct tpl_val *o, const struct frame *f)
{
	struct buf b;

	buf_init(&b);
	tpl_obj_set_str(o, "sku", f->sku);
	tpl_obj_set_str(o, "name", f->name);
	tpl_obj_set_str(o, "brand", f->brand);
	buf_printf(&b, "#%06x", (unsigned)f->rim_rgb & 0xffffff);
	tpl_obj_set_str(o, "rim_rgb", b.ptr);
	buf_reset(&b);
	buf_printf(&b, "#%06x", (unsigned)f->tint_rgb & 0xffffff);
	tpl_obj_set_str(o, "tint_rgb", b.ptr);
#define NUM(k, v, p) do { buf_reset(&b); buf_printf(&b, "%.*f", p, v); \
	tpl_obj_set_str(o, k, b.ptr); } while (0)
/* A size the feed left out (0) is an empty field to fill, not "0.0". */
#define SIZE(k, v) do { if ((v) > 0) NUM(k, v, 1); else \
	tpl_obj_set_str(o, k, ""); } while (0)
	NUM("rim_mm", f->rim_mm, 2);
	NUM("tint_opacity", f->tint_opacity, 2);
	SIZE("lens_width_mm", f->lens_width_mm);
	SIZE("lens_height_mm", f->lens_height_mm);
	SIZE("bridge_mm", f->bridge_mm);
	SIZE("total_width_mm", f->total_width_mm);
#undef SIZE
#undef NUM
	buf_reset(&b);
	buf_printf(&b, "%d.%02d", f->price_cents / 100, f->price_cents % 100);
	tpl_obj_set_str(o, "price", b.ptr);
	tpl_obj_set_str(o, "product_url", f->product_url);
	tpl_obj_set_bool(o, "active", f->active);
	buf_free(&b);
}

/* The style choices, with f's selected. */
static void
style_list(struct tpl_val *root, int style)
{
	static const char *const label[FRAME_STYLE__MAX] = { "Round",
	    "Rectangle", "Aviator", "Cat-eye", "Browline", "Rimless" };
	struct tpl_val	*list = tpl_obj_add_list(root, "styles"), *o;
	int		 s;

	for (s = 0; s < FRAME_STYLE__MAX; s++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "value", frame_style_name(s));
		tpl_obj_set_str(o, "label", label[s]);
		tpl_obj_set_bool(o, "selected", s == style);
	}
}

/*
 * The problems of a submitted form, each with the field it belongs to
 * (NULL: the form as a whole), for the form to show beside the field.
 */
#define FORM_ERRS_MAX		24
struct form_errs {
	int	 n;
	struct {
		const char	*field;
		char		 text[320];
	} e[FORM_ERRS_MAX];
};

static void
form_err(struct form_errs *fe, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (fe->n >= FORM_ERRS_MAX)
		return;
	fe->e[fe->n].field = field;
	va_start(ap, fmt);
	vsnprintf(fe->e[fe->n].text, sizeof(fe->e[fe->n].text), fmt, ap);
	va_end(ap);
	fe->n++;
}

/* v as people write it, without an exponent or a thousands separator:
 * "0", "20", "1000000", "0.5". */
static const char *
plain_num(char buf[40], double v)
{
	int d;

	/* The fewest decimals that give v back, at most 3 (what a number
	 * with a thousands separator has). */
	for (d = 0; d < 3; d++)
		if (fabs(v * pow(10, d) - round(v * pow(10, d))) < 1e-9)
			break;
	snprintf(buf, 40, "%.*f", d, v);
	return buf;
}

/*
 * A decimal number, with a point or a comma (core/decimal.h, as staff
 * of any country type it); 0 with a message when not. A number that
 * reads as thousands ("1,000") is refused when that reading is at most
 * grouped_max: the field could hold either, so staff say which.
 */
static int
field_number(struct http_req *r, const char *name, const char *label,
    double grouped_max, double *out, struct form_errs *fe)
{
	const char	*s = req_field(r, name);
	double		 v;
	int		 grouped;
	char		 a[40], b[40];

	if (s == NULL || *s == '\0') {
		form_err(fe, name, "%s is missing.", label);
		return 0;
	}
	if (!dec_parse(s, &v, &grouped)) {
		form_err(fe, name, "%s must be a number, like 12.5.", label);
		return 0;
	}
	if (grouped && v * 1000 <= grouped_max) {
		form_err(fe, name, "%s %.20s could mean %s or %s: please write "
		    "it without a thousands separator.", label, s, plain_num(a,
		    round(v * 1000)), plain_num(b, v));
		return 0;
	}
	*out = v;
	return 1;
}

/* A decimal in [lo, hi]; 0 with a message when not. */
static int
field_num(struct http_req *r, const char *name, const char *label, double lo,
    double hi, double *out, struct form_errs *fe)
{
	double	v;
	char	a[40], b[40];

	if (!field_number(r, name, label, hi, &v, fe))
		return 0;
	if (v < lo || v > hi) {
		form_err(fe, name, "%s must be a number from %s to %s.", label,
		    plain_num(a, lo), plain_num(b, hi));
		return 0;
	}
	*out = v;
	return 1;
}

static int
field_colour(struct http_req *r, const char *name, const char *label,
    uint32_t *out, struct form_errs *fe)
{
	const char	*s = req_field(r, name);
	char		*end;
	unsigned long	 v;

	if (s == NULL || s[0] != '#' || strlen(s) != 7 ||
	    strspn(s + 1, "0123456789abcdefABCDEF") != 6) {
		form_err(fe, name, "%s must be a colour like #1a2b3c.", label);
		return 0;
	}
	v = strtoul(s + 1, &end, 16);
	*out = (uint32_t)v;
	return 1;
}

static int
field_text(struct http_req *r, const char *name, const char *label,
    char *out, size_t size, struct form_errs *fe)
{
	const char	*s = req_field(r, name);
	size_t		 len;

	while (s != NULL && *s == ' ')
		s++;
	len = s != NULL ? strlen(s) : 0;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	if (len == 0 || len >= size) {
		form_err(fe, name, "%s must be 1 to %zu bytes long.", label,
		    size - 1);
		return 0;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 1;
}

/*
 * The frame of the submitted form. Returns 1, or 0 with every problem
 * in fe, each beside its field, for the form to show. The four sizes
 * are judged by the catalog's one rule (render/frame_sizes.h), as the
 * store and any import judge them.
 */
static int
frame_from_form(struct http_req *r, struct frame *f, struct form_errs *fe)
{
	struct frame_issue is[FRAME_ISSUES_MAX];
	const char	*s;
	double		 price = 0;
	int		 ok = 1, sizes = 1, st, i, n;

	memset(f, 0, sizeof(*f));
	ok &= field_text(r, "sku", "The SKU", f->sku, sizeof(f->sku), fe);
	if (ok && !app_sku_valid(f->sku)) {
		form_err(fe, "sku", "The SKU may hold only letters, digits and "
		    "hyphens, at most 32.");
		ok = 0;
	}
	ok &= field_text(r, "name", "The name", f->name, sizeof(f->name), fe);
	ok &= field_text(r, "brand", "The brand", f->brand, sizeof(f->brand),
	    fe);
	if ((st = frame_style_parse(req_field(r, "style") ? req_field(r,
	    "style") : "")) < 0) {
		form_err(fe, "style", "Please choose a style.");
		ok = 0;
	} else
		f->style = st;
	ok &= field_colour(r, "rim_rgb", "The rim colour", &f->rim_rgb, fe);
	ok &= field_colour(r, "tint_rgb", "The lens tint", &f->tint_rgb, fe);
	ok &= field_num(r, "rim_mm", "The rim thickness", 0, 20, &f->rim_mm,
	    fe);
	ok &= field_num(r, "tint_opacity", "The tint opacity", 0, 1,
	    &f->tint_opacity, fe);
	/* No size reaches a thousand millimetres (frame_sizes.h): "52,125"
	 * is a decimal, never asked about (grouped_max 0). */
	sizes &= field_number(r, "lens_width_mm", "The lens width", 0,
	    &f->lens_width_mm, fe);
	sizes &= field_number(r, "lens_height_mm", "The lens height", 0,
	    &f->lens_height_mm, fe);
	sizes &= field_number(r, "bridge_mm", "The bridge", 0, &f->bridge_mm,
	    fe);
	sizes &= field_number(r, "total_width_mm", "The total width", 0,
	    &f->total_width_mm, fe);
	if (sizes && (n = frame_sizes_issues(f, is, FRAME_ISSUES_MAX)) > 0) {
		for (i = 0; i < n; i++)
			form_err(fe, is[i].field, "%s", is[i].text);
		sizes = 0;
	}
	ok &= sizes;
	ok &= field_num(r, "price", "The price", 0, 1000000, &price, fe);
	f->price_cents = (int)lround(price * 100);
	s = req_field(r, "product_url");
	if (s == NULL || strlen(s) >= sizeof(f->product_url) ||
	    (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) ||
	    strpbrk(s, " \"<>\\^`{|}") != NULL || strlen(s) < 10) {
		form_err(fe, "product_url", "The shop link must be an http:// "
		    "or https:// address.");
		ok = 0;
	} else
		snprintf(f->product_url, sizeof(f->product_url), "%s", s);
	f->active = req_field(r, "active") != NULL;
	if (ok && catalog_validate(f) != FF_OK) {
		form_err(fe, NULL, "The frame breaks one of the catalog's "
		    "rules.");
		ok = 0;
	}
	return ok;
}

/* The submitted values, echoed back into a form that had errors. */
static void
form_echo(struct tpl_val *o, struct http_req *r)
{
	static const char *const keys[] = { "sku", "name", "brand", "rim_rgb",
	    "tint_rgb", "rim_mm", "tint_opacity", "lens_width_mm",
	    "lens_height_mm", "bridge_mm", "total_width_mm", "price",
	    "product_url" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		tpl_obj_set_str(o, keys[i], req_field(r, keys[i]));
	tpl_obj_set_bool(o, "active", req_field(r, "active") != NULL);
}

/*
 * The problems into the page: err.<field> beside each field (the first
 * problem of a field first, the others after it), the ones of no field
 * in "error", and a summary line that says how many fields need a look.
 */
static void
form_errs_obj(struct tpl_val *root, const struct form_errs *fe)
{
	struct tpl_val	*err = tpl_obj_add_obj(root, "err");
	struct buf	 b, whole;
	int		 i, j, nfields = 0;

	buf_init(&b);
	buf_init(&whole);
	for (i = 0; i < fe->n; i++) {
		if (fe->e[i].field == NULL) {
			buf_printf(&whole, "%s%s", whole.len > 0 ? " " : "",
			    fe->e[i].text);
			continue;
		}
		for (j = 0; j < i; j++)
			if (fe->e[j].field != NULL &&
			    strcmp(fe->e[j].field, fe->e[i].field) == 0)
				break;
		if (j < i)
			continue;
		buf_reset(&b);
		for (j = i; j < fe->n; j++)
			if (fe->e[j].field != NULL &&
			    strcmp(fe->e[j].field, fe->e[i].field) == 0)
				buf_printf(&b, "%s%s", j > i ? " " : "",
				    fe->e[j].text);
		tpl_obj_set_str(err, fe->e[i].field, b.ptr);
		nfields++;
	}
	buf_reset(&b);
	if (nfields == 1)
		buf_puts(&b, "One field needs a change: see the message beside "
		    "it.");
	else if (nfields > 1)
		buf_printf(&b, "%d fields need a change: see the messages "
		    "beside them.", nfields);
	if (whole.len > 0)
		buf_printf(&b, "%s%s", b.len > 0 ? " " : "", whole.ptr);
	tpl_obj_set_str(root, "error", b.ptr != NULL ? b.ptr : "");
	buf_free(&b);
	buf_free(&whole);
}

/* The form: f's values, or (fe not NULL) the submitted ones with their
 * problems beside the fields. */
static void
catalog_form(struct tryon_app *a, struct http_req *r, const char *user,
    const struct frame *f, const char *orig_sku, const struct form_errs *fe,
    int status)
{
	struct tpl_ctx	*c;
	struct tpl_val	*root, *o;
	struct buf	 b;

	c = admin_page_ctx(a, user, orig_sku != NULL ? "Edit frame" :
	    "New frame", ADMIN_NAV_CATALOG);
	root = tpl_ctx_root(c);
	o = tpl_obj_add_obj(root, "f");
	buf_init(&b);
	if (fe != NULL) {
		form_echo(o, r);
		form_errs_obj(root, fe);
		style_list(root, frame_style_parse(req_field(r, "style") ?
		    req_field(r, "style") : ""));
	} else {
		frame_form_obj(o, f);
		style_list(root, f->style);
	}
	/* The price is in the frame's currency (the feed's), else the
	 * shop's; the form keeps it. */
	tpl_obj_set_str(root, "currency", money_currency(f != NULL ?
	    f->currency : NULL));
	if (orig_sku != NULL) {
		tpl_obj_set_str(root, "orig_sku", orig_sku);
		/* Imported without all its sizes: no preview can be drawn
		 * until they are filled in (feed.h). */
		if (f != NULL && !catalog_frame_complete(f)) {
			buf_reset(&b);
			catalog_sizes_missing(catalog_frame_sizes(f), &b);
			tpl_obj_set_str(root, "missing", b.ptr);
			buf_reset(&b);
		}
		buf_printf(&b, "/admin/catalog/%s", orig_sku);
		tpl_obj_set_bool(root, "has_artwork", f != NULL &&
		    f->artwork != NULL);
		if (f != NULL && f->artwork != NULL) {
			tpl_obj_set_int(root, "art_w", gdImageSX(f->artwork));
			tpl_obj_set_int(root, "art_h", gdImageSY(f->artwork));
		}
	} else
		buf_puts(&b, "/admin/catalog/new");
	tpl_obj_set_str(root, "action", b.ptr);
	tpl_obj_set_bool(root, "editing", orig_sku != NULL);
	/* The rule's bounds, for the hint beside the total width. */
	tpl_obj_set_int(root, "end_min", (long long)FRAME_END_MIN_MM);
	tpl_obj_set_int(root, "end_max", (long long)FRAME_END_MAX_MM);
	buf_free(&b);
	admin_page_send(r, status, "admin_frame", c);
}

void
admin_catalog(struct tryon_app *a, struct http_req *r)
{
	const char	*user = req_env(r, "REMOTE_USER");
	struct frame	*fr = NULL;
	struct tpl_ctx	*c;
	struct tpl_val	*root, *list, *o;
	struct db	*db;
	struct buf	 b;
	enum ff_err	 er;
	const char	*msg = kv_get(&r->args, "msg");
	const char	*sku = kv_get(&r->args, "sku");
	size_t		 n = 0, i, nact = 0;

	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = catalog_load(db, 1, &fr, &n)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = admin_page_ctx(a, user, "Catalog", ADMIN_NAV_CATALOG);
	root = tpl_ctx_root(c);
	buf_init(&b);
	/* Messages after a redirect: a fixed text per code, the SKU only
	 * when it has the shape of one (it is escaped all the same). */
	if (msg != NULL && (sku == NULL || app_sku_valid(sku))) {
		if (strcmp(msg, "saved") == 0)
			buf_printf(&b, "Saved %s.", sku ? sku : "the frame");
		else if (strcmp(msg, "added") == 0)
			buf_printf(&b, "Added %s to the catalog.", sku ? sku :
			    "the frame");
		else if (strcmp(msg, "retired") == 0)
			buf_printf(&b, "Retired %s: shoppers no longer see it.",
			    sku ? sku : "the frame");
		else if (strcmp(msg, "restored") == 0)
			buf_printf(&b, "%s is back in the catalog.", sku ? sku :
			    "The frame");
		else if (strcmp(msg, "artwork") == 0)
			buf_printf(&b, "New artwork for %s saved.", sku ? sku :
			    "the frame");
		else if (strcmp(msg, "artwork_removed") == 0)
			buf_printf(&b, "Artwork of %s removed; it is drawn from "
			    "its measurements again.", sku ? sku : "the frame");
		if (b.len > 0)
			tpl_obj_set_str(root, "notice", b.ptr);
	}
	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < n; i++) {
		o = app_frame_obj(tpl_list_add_obj(list), &fr[i]);
		tpl_obj_set_bool(o, "active", fr[i].active);
		tpl_obj_set_bool(o, "artwork", fr[i].artwork != NULL);
		buf_reset(&b);
		buf_printf(&b, "#%06x", (unsigned)fr[i].rim_rgb & 0xffffff);
		tpl_obj_set_str(o, "rim_hex", b.ptr);
		/* Imported without all its sizes (feed.h): no preview. */
		tpl_obj_set_bool(o, "flagged", !catalog_frame_complete(&fr[i]));
		nact += fr[i].active != 0;
	}
	tpl_obj_set_int(root, "n", (long long)n);
	tpl_obj_set_int(root, "nactive", (long long)nact);
	tpl_obj_set_int(root, "nretired", (long long)(n - nact));
	buf_free(&b);
	catalog_free(fr, n);
	admin_page_send(r, 200, "admin_catalog", c);
}

/*
 * Add a frame (/admin/catalog/new: no {sku}) or edit one
 * (/admin/catalog/{sku}); GET shows the form, POST saves it.
 */
void
admin_frame_form(struct tryon_app *a, struct http_req *r)
{
	const char	*user = req_env(r, "REMOTE_USER");
	const char	*sku = route_param(&r->params, "sku");
	struct frame	 cur = { .style = FRAME_RECTANGLE, .rim_rgb = 0x1a1a1a,
	    .rim_mm = 4, .tint_rgb = 0xffffff, .lens_width_mm = 52,
	    .lens_height_mm = 40, .bridge_mm = 18, .total_width_mm = 140,
	    .price_cents = 12900, .active = 1,
	    .product_url = "https://shop.example/frames/" };
	struct frame	 f;
	struct db	*db;
	struct form_errs fe;
	struct buf	 loc;
	enum ff_err	 er;
	int		 post = strcmp(r->method, "POST") == 0;

	memset(&fe, 0, sizeof(fe));
	if (sku == NULL) {
		/* A new frame's form needs no database until it is sent, nor
		 * to refuse what it cannot take. */
		if (!post) {
			catalog_form(a, r, user, &cur, NULL, NULL, 200);
			return;
		}
		if (!admin_post_ok(a, r, user, ADMIN_FORM_MAX))
			return;
		if (!frame_from_form(r, &f, &fe)) {
			catalog_form(a, r, user, NULL, NULL, &fe, 422);
			return;
		}
		if ((db = admin_need_db(a, r)) == NULL)
			return;
	} else {
		if ((db = admin_need_db(a, r)) == NULL)
			return;
		if (post && !admin_post_ok(a, r, user, ADMIN_FORM_MAX))
			return;
		if (!frame_get(r, db, &cur))
			return;
	}
	buf_init(&loc);
	if (!post) {
		catalog_form(a, r, user, &cur, cur.sku, NULL, 200);
		goto out;
	}
	if (sku != NULL && !frame_from_form(r, &f, &fe)) {
		catalog_form(a, r, user, &cur, cur.sku, &fe, 422);
		goto out;
	}
	if (sku != NULL) {
		f.id = cur.id;
		er = catalog_update(db, &f);
	} else
		er = catalog_insert(db, &f);
	if (er != FF_OK) {
		if (er == FF_EINPUT && sku != NULL) {
			form_err(&fe, "sku", "Another frame has this SKU "
			    "already.");
			catalog_form(a, r, user, &cur, cur.sku, &fe, 422);
		} else if (er == FF_EINPUT) {
			form_err(&fe, "sku", "A frame with this SKU exists "
			    "already.");
			catalog_form(a, r, user, NULL, NULL, &fe, 422);
		} else
			req_error(r, er, NULL);
		goto out;
	}
	req_log(r, "admin: %s %s frame %s", user, sku != NULL ? "saved" :
	    "added", f.sku);
	(void)app_catalog_refresh(a);
	buf_printf(&loc, "/admin/catalog/?msg=%s&sku=%s", sku != NULL ?
	    "saved" : "added", f.sku);
	req_redirect(r, 303, loc.ptr);
out:
	catalog_frame_clear(&cur);
	buf_free(&loc);
}

/* Retire or restore. */
static void
frame_state(struct tryon_app *a, struct http_req *r, int active)
{
	const char	*user = req_env(r, "REMOTE_USER");
	const char	*sku = route_param(&r->params, "sku");
	struct frame	 f;
	struct db	*db;
	struct buf	 loc;
	enum ff_err	 er;

	if (!admin_post_ok(a, r, user, ADMIN_FORM_MAX) ||
	    (db = admin_need_db(a, r)) == NULL)
		return;
	if (!frame_get(r, db, &f))
		return;
	if (active && !catalog_frame_complete(&f)) {
		/* The shop would not show it yet: its form both completes
		 * and restores it. */
		buf_init(&loc);
		buf_printf(&loc, "%s cannot go back in the shop without its ", sku);
		catalog_sizes_missing(catalog_frame_sizes(&f), &loc);
		buf_puts(&loc, ": fill them in on its page and tick \"In the shop\" "
		    "there.");
		catalog_frame_clear(&f);
		req_error(r, FF_EINPUT, loc.ptr);
		buf_free(&loc);
		return;
	}
	if (active) {
		f.active = 1;
		er = catalog_update(db, &f);
	} else
		er = catalog_retire(db, sku);
	catalog_frame_clear(&f);
	if (er == FF_EINPUT) {
		/* A row from before the catalog's rule on sizes: say what
		 * to mend on its form. */
		buf_init(&loc);
		buf_puts(&loc, "This frame cannot go back in the shop as it is; "
		    "please correct it on its form first.");
		(void)frame_sizes_check(&f, &loc);
		req_error(r, er, loc.ptr);
		buf_free(&loc);
		return;
	}
	if (er != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	req_log(r, "admin: %s %s frame %s", user, active ? "restored" :
	    "retired", sku);
	(void)app_catalog_refresh(a);
	buf_init(&loc);
	buf_printf(&loc, "/admin/catalog/?msg=%s&sku=%s", active ? "restored" :
	    "retired", sku);
	req_redirect(r, 303, loc.ptr);
	buf_free(&loc);
}

void
admin_artwork(struct tryon_app *a, struct http_req *r)
{
	const char		*user = req_env(r, "REMOTE_USER");
	const char		*sku = route_param(&r->params, "sku");
	const struct mp_part	*p;
	struct frame		 f;
	struct db		*db;
	struct buf		 loc;
	enum ff_err		 er;
	const char		*why;
	int			 remove;

	if (!admin_post_ok(a, r, user, ADMIN_ARTWORK_FORM_MAX) ||
	    (db = admin_need_db(a, r)) == NULL)
		return;
	if (!frame_get(r, db, &f))
		return;
	buf_init(&loc);
	remove = req_field(r, "remove") != NULL;
	if (remove)
		er = catalog_set_artwork(db, f.id, NULL, 0);
	else {
		p = r->form != NULL ? mp_get(r->form, "artwork") : NULL;
		if (p != NULL && p->content_type != NULL &&
		    strcmp(p->content_type, "image/png") != 0 && p->len > 0) {
			req_error(r, FF_EMEDIATYPE, "The artwork must be a PNG "
			    "file.");
			goto out;
		}
		if ((er = artwork_check(p != NULL ? p->data : NULL,
		    p != NULL ? p->len : 0, NULL, NULL, &why)) != FF_OK) {
			req_error(r, er, why);
			goto out;
		}
		er = catalog_set_artwork(db, f.id, p->data, p->len);
	}
	if (er != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	req_log(r, "admin: %s %s artwork of %s", user, remove ? "removed" :
	    "uploaded", sku);
	(void)app_catalog_refresh(a);
	buf_printf(&loc, "/admin/catalog/?msg=%s&sku=%s", remove ?
	    "artwork_removed" : "artwork", f.sku);
	req_redirect(r, 303, loc.ptr);
out:
	catalog_frame_clear(&f);
	buf_free(&loc);
}

void
admin_preview(struct tryon_app *a, struct http_req *r)
{
	const char	*sku = route_param(&r->params, "sku");
	struct frame	 f;
	struct db	*db;
	enum ff_err	 er;
	unsigned char	 d[32];
	char		 etag[40];
	void		*png = NULL;
	int		 len = 0;

	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if (!frame_get(r, db, &f))
		return;
	if (!catalog_frame_complete(&f)) {
		struct buf why;

		buf_init(&why);
		buf_puts(&why, "There is no preview of this frame yet: it has no ");
		catalog_sizes_missing(catalog_frame_sizes(&f), &why);
		buf_puts(&why, ". Add the sizes on its page to see a preview.");
		catalog_frame_clear(&f);
		req_error(r, FF_ENOTFOUND, why.ptr);
		buf_free(&why);
		return;
	}
	er = preview_png(&f, &png, &len);
	catalog_frame_clear(&f);
	if (er != FF_OK) {
		req_log(r, "admin: preview of %s: %s", sku, ff_strerror(er));
		req_error(r, er == FF_EINPUT ? FF_ECONFIG : er, "This frame "
		    "cannot be drawn.");
		return;
	}
	app_sha256(png, (size_t)len, d);
	app_etag_of(d, etag);
	req_header(r, "ETag", "%s", etag);
	req_header(r, "Cache-Control", "private, no-cache");
	if (req_etag_match(r, etag))
		req_send(r, 304, NULL, "", 0);
	else
		req_send(r, 200, "image/png", png, (size_t)len);
	gdFree(png);
}

void
admin_frame_retire(struct tryon_app *a, struct http_req *r)
{
	frame_state(a, r, 0);
}

void
admin_frame_restore(struct tryon_app *a, struct http_req *r)
{
	frame_state(a, r, 1);
}

