/*
 * admin.c: the staff pages (see admin.h).
 *
 * Every page is built the same way: check access, read what the page
 * shows into one struct (report.h, registry.h, the catalog), hand it to
 * a template (templates/admin_*.html) or a serialiser (SVG, CSV). Charts
 * are drawn here from the report with src/view/chart.h, inline in the
 * page and at /admin/chart/{name}.svg from the same code.
 */
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

#include "app/admin.h"
#include "app/app.h"
#include "app/artwork.h"
#include "app/purge.h"
#include "app/registry.h"
#include "app/report.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "http/multipart.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "image/decode.h"
#include "render/frame.h"
#include "render/frames.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/records.h"
#include "view/chart.h"
#include "view/template.h"
#include "vision/detector.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* Largest urlencoded admin form, bytes; the artwork form gets the
 * artwork limit plus room for the other parts. */
#define FORM_MAX		(64u * 1024)
#define ARTWORK_FORM_MAX	(ARTWORK_MAX_BYTES + 64u * 1024)
/* Bars in a chart at most (the tables list every frame). */
#define CHART_BARS_MAX		20
/* The preview of a frame on the sample face, px. */
#define PREVIEW_W		360
#define PREVIEW_H		270
/* The comparison page's pictures, px wide at most. */
#define COMPARE_W		320
/* Purge runs listed on the retention page. */
#define PURGE_RUNS_SHOWN	20

/* ---- Small helpers ---- */

static long long
now_s(void)
{
	return (long long)time(NULL);
}

static void
fmt_time(long long t, char *out, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, size, "\u2013");
}

/* "3.2 MB", "512 KB", "90 B". */
static void
fmt_bytes(struct buf *b, long long n)
{
	if (n >= 1024LL * 1024 * 1024)
		buf_printf(b, "%.1f GB", n / (1024.0 * 1024 * 1024));
	else if (n >= 1024 * 1024)
		buf_printf(b, "%.1f MB", n / (1024.0 * 1024));
	else if (n >= 1024)
		buf_printf(b, "%.0f KB", n / 1024.0);
	else
		buf_printf(b, "%lld B", n);
}

/* A number as the charts print it, into a template object. */
static void
set_num(struct tpl_val *o, const char *key, double v, int decimals)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	chart_num(&b, v, decimals);
	tpl_obj_set_str(o, key, b.ptr);
	buf_free(&b);
}

/* RFC 4648 §4 base64 with padding, for data: URIs (RFC 2397). */
static void
base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];

		buf_putc(b, a[v >> 18 & 63]);
		buf_putc(b, a[v >> 12 & 63]);
		buf_putc(b, a[v >> 6 & 63]);
		buf_putc(b, a[v & 63]);
	}
	if (n - i == 1) {
		unsigned v = p[i] << 16;

		buf_putc(b, a[v >> 18 & 63]);
		buf_putc(b, a[v >> 12 & 63]);
		buf_puts(b, "==");
	} else if (n - i == 2) {
		unsigned v = p[i] << 16 | p[i + 1] << 8;

		buf_putc(b, a[v >> 18 & 63]);
		buf_putc(b, a[v >> 12 & 63]);
		buf_putc(b, a[v >> 6 & 63]);
		buf_putc(b, '=');
	}
}

/* ---- CSRF ---- */

void
admin_csrf_token(const struct tryon_app *a, const char *user, long long now,
    char out[44])
{
	struct buf m;

	/* app_csrf_token() prefixes "delete:"; a photo token never holds
	 * '|', so these can never be mistaken for one another. */
	buf_init(&m);
	buf_printf(&m, "admin|%s|%lld", user, now / 86400);
	app_csrf_token(a, m.ptr, out);
	buf_free(&m);
}

int
admin_csrf_ok(const struct tryon_app *a, const char *user, const char *token,
    long long now)
{
	char	want[44];
	int	day, ok = 0;

	if (user == NULL || token == NULL || strlen(token) != 43)
		return 0;
	for (day = 0; day < 2; day++) {
		admin_csrf_token(a, user, now - day * 86400LL, want);
		ok |= CRYPTO_memcmp(token, want, 43) == 0;
	}
	return ok;
}

/* ---- CSV (RFC 4180) ---- */

void
admin_csv_field(struct buf *b, const char *s)
{
	const char	*p;
	int		 quote;

	if (s == NULL)
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	/* A cell starting with = + - @ is a formula to a spreadsheet. */
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
		quote = 2;
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (quote == 2)
		buf_putc(b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void
csv_int(struct buf *b, long long v)
{
	buf_printf(b, ",%lld", v);
}

static void
csv_dbl(struct buf *b, double v, int decimals)
{
	buf_printf(b, ",%.*f", decimals, v);
}

/* A time as ISO 8601 UTC ("2026-11-25T14:00:00Z"), empty when unknown. */
static void
csv_when(struct buf *b, long long t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	char		s[24];

	if (t > 0 && gmtime_r(&tt, &tm) != NULL &&
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		buf_puts(b, s);
}

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
			if (img_load_file(path.ptr, NULL, &sample.im, NULL) ==
			    FF_OK) {
				sample.eyes = (struct face_eyes){ v[0], v[1],
				    v[2], v[3] };
				snprintf(sample.src, sizeof(sample.src),
				    "sample face");
			}
		}
		fclose(f);
	}
	buf_free(&path);
	if (sample.im == NULL && img_load_file(lfw, NULL, &sample.im, NULL) ==
	    FF_OK) {
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

/* ---- Pages: shared ---- */

enum nav { NAV_REPORTS, NAV_CATALOG, NAV_MODELS, NAV_RETENTION };

static struct tpl_ctx *
page_ctx(struct tryon_app *a, const char *user, const char *title,
    enum nav nav)
{
	struct tpl_ctx	*c = app_page_ctx(title);
	struct tpl_val	*root = tpl_ctx_root(c);
	char		 csrf[44];

	admin_csrf_token(a, user, now_s(), csrf);
	tpl_obj_set_str(root, "user", user);
	tpl_obj_set_str(root, "csrf", csrf);
	tpl_obj_set_bool(root, "nav_reports", nav == NAV_REPORTS);
	tpl_obj_set_bool(root, "nav_catalog", nav == NAV_CATALOG);
	tpl_obj_set_bool(root, "nav_models", nav == NAV_MODELS);
	tpl_obj_set_bool(root, "nav_retention", nav == NAV_RETENTION);
	tpl_obj_set_str(root, "model", a->det != NULL ? det_version(a->det) :
	    "not loaded");
	return c;
}

static void
page_send(struct http_req *r, int status, const char *name, struct tpl_ctx *c)
{
	req_header(r, "Cache-Control", "no-store");
	req_page(r, status, name, tpl_ctx_root(c));
	tpl_ctx_free(c);
}

/*
 * The start of every POST: our own origin, a form we can read, a valid
 * CSRF token. 0 when refused (answered).
 */
static int
post_ok(struct tryon_app *a, struct http_req *r, const char *user, size_t max)
{
	const char	*why = NULL;
	enum ff_err	 er;

	if (req_cross_origin(r)) {
		req_drain(r);
		req_log(r, "admin: cross-origin POST refused");
		req_error(r, FF_EFORBIDDEN, "This form must be sent from the "
		    "admin pages.");
		return 0;
	}
	if ((er = req_read_form(r, max, &why)) != FF_OK) {
		if (er == FF_ETOOBIG && max == ARTWORK_FORM_MAX)
			why = "The artwork is larger than 2 MB.";
		req_error(r, er == FF_ESYS ? FF_EINPUT : er, why);
		return 0;
	}
	if (!admin_csrf_ok(a, user, req_field(r, "csrf"), now_s())) {
		req_log(r, "admin: POST %s by %s without a valid CSRF token",
		    r->path, user);
		req_error(r, FF_EFORBIDDEN, "This form has expired or did not "
		    "come from the admin pages. Please reload the page and try "
		    "again.");
		return 0;
	}
	return 1;
}

static struct db *
need_db(struct tryon_app *a, struct http_req *r)
{
	struct db *db = app_db(a);

	if (db == NULL)
		req_error(r, FF_EDB, NULL);
	return db;
}

/* The range of the request's from/to; answers 400 and returns 0 if bad. */
static int
get_range(struct http_req *r, struct report_range *rg)
{
	if (report_range_parse(kv_get(&r->args, "from"), kv_get(&r->args, "to"),
	    now_s(), rg) != FF_OK) {
		req_error(r, FF_EINPUT, "The date range must be two dates as "
		    "YYYY-MM-DD, the first not after the second, at most two "
		    "years apart.");
		return 0;
	}
	return 1;
}

/* ---- Charts ---- */

enum chart_id {
	CH_DAY, CH_HOUR, CH_FRAMES, CH_SOURCES, CH_CTR, CH__MAX
};

static const struct {
	const char	*name;
	const char	*title;
} chart_names[CH__MAX] = {
	[CH_DAY] = { "tryons_by_day", "Try-ons and uploads per day" },
	[CH_HOUR] = { "tryons_by_hour", "Try-ons and uploads per hour" },
	[CH_FRAMES] = { "tryons_by_frame", "Try-ons per frame" },
	[CH_SOURCES] = { "uploads_by_source", "Uploads by source" },
	[CH_CTR] = { "ctr_by_frame", "Shop click-through per frame" },
};

static const char *const source_labels[UPLOAD_SOURCE__MAX] = {
	[UPLOAD_FORM] = "Upload form", [UPLOAD_WEBCAM] = "Webcam",
	[UPLOAD_API] = "API", [UPLOAD_BATCH] = "Batch",
};

/* Draw chart id of rep into out. */
static enum ff_err
chart_make(const struct report *rep, enum chart_id id, struct buf *out)
{
	struct chart	 c;
	const char	**labels;
	char		 (*text)[32];
	double		*v[3];
	size_t		 n, i, k;
	enum ff_err	 er;

	memset(&c, 0, sizeof(c));
	n = rep->ndays > rep->nframes ? rep->ndays : rep->nframes;
	if (rep->nhours > n)
		n = rep->nhours;
	if (n < UPLOAD_SOURCE__MAX)
		n = UPLOAD_SOURCE__MAX;
	labels = xcalloc(n, sizeof(*labels));
	text = xcalloc(n, sizeof(*text));
	for (k = 0; k < 3; k++)
		v[k] = xcalloc(n, sizeof(double));
	c.title = chart_names[id].title;
	c.labels = labels;
	/* The width the page shows it at, so text is drawn at 12 px: the
	 * day chart spans the page, the others half of it. */
	c.width = id == CH_DAY ? 1200 : 576;
	switch (id) {
	case CH_DAY:
	case CH_HOUR: {
		const struct report_bucket *b = id == CH_DAY ? rep->days :
		    rep->hours;

		c.n = id == CH_DAY ? rep->ndays : rep->nhours;
		for (i = 0; i < c.n; i++) {
			time_t		t = (time_t)b[i].t;
			struct tm	tm;

			gmtime_r(&t, &tm);
			/* Hours get a label every six, midnight naming its
			 * day; the others stay unlabelled. */
			if (id == CH_DAY)
				strftime(text[i], sizeof(text[i]), "%d %b", &tm);
			else if (tm.tm_hour == 0)
				strftime(text[i], sizeof(text[i]), "%d %b", &tm);
			else if (tm.tm_hour % 6 == 0)
				strftime(text[i], sizeof(text[i]), "%H:00", &tm);
			labels[i] = text[i];
			v[0][i] = (double)b[i].tryons;
			v[1][i] = (double)b[i].uploads;
			v[2][i] = (double)b[i].clicks;
		}
		c.nseries = 3;
		c.series[0] = "Try-ons";
		c.series[1] = "Uploads";
		c.series[2] = "Shop clicks";
		c.values[0] = v[0];
		c.values[1] = v[1];
		c.values[2] = v[2];
		c.y_title = id == CH_DAY ? "Events per day" : "Events per hour";
		c.x_title = id == CH_DAY ? "Day (UTC)" : "Hour (UTC)";
		c.height = id == CH_DAY ? 320 : 280;
		if (id == CH_HOUR)
			c.label_every = 1;
		er = chart_lines(out, &c);
		break;
	}
	case CH_FRAMES:
	case CH_CTR:
		for (i = 0; i < rep->nframes && c.n < CHART_BARS_MAX; i++) {
			const struct report_frame *f = &rep->frames[i];

			if (f->tryons == 0 && (id == CH_CTR || c.n >= 12))
				continue;
			labels[c.n] = f->name;
			v[0][c.n++] = id == CH_FRAMES ? (double)f->tryons :
			    report_ctr(f->clicks, f->tryons);
		}
		c.nseries = 1;
		c.values[0] = v[0];
		if (id == CH_FRAMES)
			c.x_title = "Try-ons in the period";
		else {
			c.x_title = "Shop clicks per try-on (%)";
			c.unit = "%";
			c.decimals = 1;
			c.empty = "No try-ons in this period";
		}
		er = chart_bars(out, &c);
		break;
	case CH_SOURCES:
		for (i = 0; i < UPLOAD_SOURCE__MAX; i++) {
			labels[i] = source_labels[i];
			v[0][i] = (double)rep->by_source[i];
		}
		c.n = UPLOAD_SOURCE__MAX;
		c.nseries = 1;
		c.values[0] = v[0];
		c.x_title = "Photos in the period";
		er = chart_bars(out, &c);
		break;
	default:
		er = FF_ENOTFOUND;
	}
	for (k = 0; k < 3; k++)
		free(v[k]);
	free(text);
	free(labels);
	return er;
}

static void
h_chart(struct tryon_app *a, struct http_req *r)
{
	const char		*name = route_param(&r->params, "name");
	struct report_range	 rg;
	struct report		 rep;
	struct db		*db;
	struct buf		 svg;
	enum ff_err		 er;
	int			 id;

	for (id = 0; id < CH__MAX; id++)
		if (strcmp(chart_names[id].name, name) == 0)
			break;
	if (id == CH__MAX) {
		req_error(r, FF_ENOTFOUND, "There is no such chart.");
		return;
	}
	if (!get_range(r, &rg) || (db = need_db(a, r)) == NULL)
		return;
	if ((er = report_load(db, &rg, now_s(), &rep)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	buf_init(&svg);
	buf_puts(&svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if ((er = chart_make(&rep, id, &svg)) != FF_OK)
		req_error(r, er, NULL);
	else {
		req_header(r, "Cache-Control", "no-store");
		req_send(r, 200, "image/svg+xml; charset=utf-8", svg.ptr, svg.len);
	}
	buf_free(&svg);
	report_free(&rep);
}

/* ---- Reports ---- */

static void
range_links(struct tpl_val *root, const struct report_range *rg)
{
	static const int spans[] = { 7, 30, 90, 365 };
	struct tpl_val	*list, *o;
	char		 from[11], to[11];
	long long	 today = now_s() - now_s() % 86400;
	size_t		 i;
	struct buf	 b;

	buf_init(&b);
	tpl_obj_set_str(root, "from", rg->from_s);
	tpl_obj_set_str(root, "to", rg->to_s);
	tpl_obj_set_int(root, "days", rg->days);
	buf_printf(&b, "from=%s&to=%s", rg->from_s, rg->to_s);
	tpl_obj_set_str(root, "range_q", b.ptr);
	list = tpl_obj_add_list(root, "spans");
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		time_t		t0 = (time_t)(today - (spans[i] - 1) * 86400LL);
		time_t		t1 = (time_t)today;
		struct tm	tm;

		gmtime_r(&t0, &tm);
		strftime(from, sizeof(from), "%Y-%m-%d", &tm);
		gmtime_r(&t1, &tm);
		strftime(to, sizeof(to), "%Y-%m-%d", &tm);
		o = tpl_list_add_obj(list);
		buf_reset(&b);
		buf_printf(&b, "Last %d days", spans[i]);
		tpl_obj_set_str(o, "label", b.ptr);
		buf_reset(&b);
		buf_printf(&b, "/admin/?from=%s&to=%s", from, to);
		tpl_obj_set_str(o, "href", b.ptr);
		tpl_obj_set_bool(o, "current", strcmp(from, rg->from_s) == 0 &&
		    strcmp(to, rg->to_s) == 0);
	}
	buf_free(&b);
}

static void
frame_row(struct tpl_val *o, const struct report_frame *f, long long max)
{
	double ctr = report_ctr(f->clicks, f->tryons);

	tpl_obj_set_str(o, "sku", f->sku);
	tpl_obj_set_str(o, "name", f->name);
	tpl_obj_set_bool(o, "retired", !f->active);
	set_num(o, "tryons", (double)f->tryons, 0);
	set_num(o, "clicks", (double)f->clicks, 0);
	set_num(o, "ctr", ctr, 1);
	tpl_obj_set_bool(o, "has_tryons", f->tryons > 0);
	/* The width class of the in-table bar, in steps of 5 %. */
	tpl_obj_set_int(o, "bar", max > 0 ? (long long)lround(20.0 *
	    (double)f->tryons / (double)max) * 5 : 0);
}

static void
h_reports(struct tryon_app *a, struct http_req *r, const char *user)
{
	static const char *const live_names[LIVE__MAX] = { "Uploads",
	    "Try-ons", "Faces found", "Shop clicks" };
	struct report_range	 rg;
	struct report		 rep;
	struct tpl_ctx		*c;
	struct tpl_val		*root, *list, *o;
	struct db		*db;
	struct buf		 b;
	enum ff_err		 er;
	size_t			 i, lag[5], nlag;
	long long		 max = 0;
	char			 when[40];
	int			 id;

	if (!get_range(r, &rg) || (db = need_db(a, r)) == NULL)
		return;
	if ((er = report_load(db, &rg, now_s(), &rep)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = page_ctx(a, user, "Reports", NAV_REPORTS);
	root = tpl_ctx_root(c);
	tpl_obj_set_int(root, "refresh", ADMIN_REFRESH_S);
	fmt_time(now_s(), when, sizeof(when));
	tpl_obj_set_str(root, "generated", when);
	range_links(root, &rg);

	/* The headline figures. */
	set_num(root, "uploads", (double)rep.uploads, 0);
	set_num(root, "tryons", (double)rep.tryons, 0);
	set_num(root, "clicks", (double)rep.clicks, 0);
	set_num(root, "photos", (double)rep.photos, 0);
	set_num(root, "photo_face", (double)rep.photo_face, 0);
	set_num(root, "faces", (double)rep.faces, 0);
	set_num(root, "success", rep.photos > 0 ? 100.0 *
	    (double)rep.photo_face / (double)rep.photos : 0, 1);
	tpl_obj_set_bool(root, "has_photos", rep.photos > 0);
	set_num(root, "ctr", report_ctr(rep.clicks, rep.tryons), 1);
	set_num(root, "per_upload", rep.uploads > 0 ? (double)rep.tryons /
	    (double)rep.uploads : 0, 1);

	list = tpl_obj_add_list(root, "live");
	for (i = 0; i < LIVE__MAX; i++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "name", live_names[i]);
		set_num(o, "m5", (double)rep.live5[i], 0);
		set_num(o, "m60", (double)rep.live60[i], 0);
	}

	/* Charts, inline. */
	buf_init(&b);
	for (id = 0; id < CH__MAX; id++) {
		char key[32];

		buf_reset(&b);
		buf_puts(&b, "");
		if (chart_make(&rep, id, &b) != FF_OK)
			buf_puts(&b, "<p class=\"muted\">This chart could not be "
			    "drawn.</p>");
		snprintf(key, sizeof(key), "chart_%s", chart_names[id].name);
		tpl_obj_set_str(root, key, b.ptr);
	}

	list = tpl_obj_add_list(root, "sources");
	for (i = 0; i < UPLOAD_SOURCE__MAX; i++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "name", source_labels[i]);
		tpl_obj_set_str(o, "key", upload_source_name(i));
		set_num(o, "n", (double)rep.by_source[i], 0);
		set_num(o, "share", rep.uploads > 0 ? 100.0 *
		    (double)rep.by_source[i] / (double)rep.uploads : 0, 1);
	}

	list = tpl_obj_add_list(root, "latency");
	for (i = 0; i < STAGE__MAX; i++) {
		const struct report_latency *l = &rep.latency[i];
		static const char *const label[STAGE__MAX] = { "Decode photo",
		    "Find face and eyes", "Draw frame", "Store" };

		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "stage", report_stage_name(i));
		tpl_obj_set_str(o, "label", label[i]);
		set_num(o, "n", (double)l->n, 0);
		tpl_obj_set_bool(o, "has", l->n > 0);
		set_num(o, "p50", l->p50, 1);
		set_num(o, "p95", l->p95, 1);
		set_num(o, "p99", l->p99, 1);
		set_num(o, "max", l->max, 1);
	}

	for (i = 0; i < rep.nframes; i++)
		if (rep.frames[i].tryons > max)
			max = rep.frames[i].tryons;
	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < rep.nframes; i++)
		frame_row(tpl_list_add_obj(list), &rep.frames[i], max);
	nlag = report_laggards(&rep, lag, sizeof(lag) / sizeof(lag[0]));
	list = tpl_obj_add_list(root, "laggards");
	for (i = 0; i < nlag; i++)
		frame_row(tpl_list_add_obj(list), &rep.frames[lag[i]], max);

	/* Retention. */
	o = tpl_obj_add_obj(root, "purge");
	tpl_obj_set_bool(o, "ran", rep.purge.ran);
	fmt_time(rep.purge.at, when, sizeof(when));
	tpl_obj_set_str(o, "at", when);
	set_num(o, "uploads", (double)rep.purge.uploads, 0);
	set_num(o, "rows", (double)rep.purge.rows, 0);
	set_num(o, "clicks", (double)rep.purge.clicks, 0);
	buf_reset(&b);
	fmt_bytes(&b, rep.purge.bytes);
	tpl_obj_set_str(o, "bytes", b.ptr);
	tpl_obj_set_str(o, "by", rep.purge.by);
	set_num(root, "stored", (double)rep.stored, 0);
	set_num(root, "expired", (double)rep.expired, 0);
	tpl_obj_set_int(root, "retention_days", purge_retention_days());
	buf_free(&b);
	page_send(r, 200, "admin_reports", c);
	report_free(&rep);
}

/* ---- CSV export ---- */

static void
csv_send(struct http_req *r, const char *table, const char *range,
    const struct buf *b)
{
	req_header(r, "Cache-Control", "no-store");
	req_header(r, "Content-Disposition", "attachment; filename="
	    "\"framefit-%s%s.csv\"", table, range);
	req_send(r, 200, "text/csv; charset=utf-8; header=present", b->ptr,
	    b->len);
}

/* The model registry or the purge runs, whole, as CSV. */
static void
export_other(struct tryon_app *a, struct http_req *r, struct db *db,
    const char *t)
{
	struct registry_model	*m = NULL;
	struct db_rows		*q;
	struct buf		 b;
	enum ff_err		 er;
	size_t			 n, i;
	int			 rc;

	(void)a;
	buf_init(&b);
	if (strcmp(t, "models") == 0) {
		if ((er = registry_list(db, &m, &n)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
		buf_puts(&b, "version,active,dir,sha256,trained_utc,"
		    "registered_utc,detections,metrics_json\r\n");
		for (i = 0; i < n; i++) {
			admin_csv_field(&b, m[i].version);
			buf_printf(&b, ",%d,", m[i].active);
			admin_csv_field(&b, m[i].has_dir ? m[i].dir : "");
			buf_printf(&b, ",%s,", m[i].sha256);
			csv_when(&b, m[i].trained_at);
			buf_putc(&b, ',');
			csv_when(&b, m[i].created);
			csv_int(&b, m[i].detections);
			buf_putc(&b, ',');
			admin_csv_field(&b, m[i].metrics != NULL ? m[i].metrics : "");
			buf_puts(&b, "\r\n");
		}
		registry_list_free(m, n);
	} else {
		if ((er = db_query(db, "SELECT UNIX_TIMESTAMP(ran_at), ms, "
		    "started_by, COALESCE(retention_days, 0), uploads_removed, "
		    "bytes_removed, detections_removed, tryons_removed, "
		    "rows_removed, clicks_anonymized, live_rows_removed FROM "
		    "purge_runs ORDER BY id DESC", NULL, 0, &q)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
		buf_puts(&b, "ran_utc,ms,started_by,retention_days,uploads,"
		    "bytes,detections,tryons,rows,clicks_anonymized,"
		    "live_rows\r\n");
		while ((rc = db_rows_next(q)) == 1) {
			csv_when(&b, db_col_int(q, 0));
			csv_dbl(&b, db_col_double(q, 1), 1);
			buf_putc(&b, ',');
			admin_csv_field(&b, db_col_text(q, 2, NULL));
			for (i = 3; i <= 10; i++)
				csv_int(&b, db_col_int(q, (unsigned)i));
			buf_puts(&b, "\r\n");
		}
		db_rows_free(q);
		if (rc < 0) {
			req_error(r, FF_EDB, NULL);
			goto out;
		}
	}
	csv_send(r, t, "", &b);
out:
	buf_free(&b);
}

static void
h_export(struct tryon_app *a, struct http_req *r)
{
	static const char *const tables[] = { "live", "daily", "hourly",
	    "frames", "laggards", "sources", "detection", "latency", "models",
	    "purges" };
	const char		*t = route_param(&r->params, "table");
	struct report_range	 rg;
	struct report		 rep;
	struct db		*db;
	struct buf		 b;
	enum ff_err		 er;
	size_t			 i, lag[5], nlag, n;
	char			 when[32];

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i], t) == 0)
			break;
	if (i == sizeof(tables) / sizeof(tables[0])) {
		req_error(r, FF_ENOTFOUND, "There is no such table.");
		return;
	}
	if (!get_range(r, &rg) || (db = need_db(a, r)) == NULL)
		return;
	/* The registry's and the purge's tables are not reports. */
	if (strcmp(t, "models") == 0 || strcmp(t, "purges") == 0) {
		export_other(a, r, db, t);
		return;
	}
	if ((er = report_load(db, &rg, now_s(), &rep)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	buf_init(&b);
	if (strcmp(t, "live") == 0) {
		static const char *const names[LIVE__MAX] = { "uploads",
		    "tryons", "faces", "clicks" };

		buf_puts(&b, "metric,last_5_min,last_60_min\r\n");
		for (i = 0; i < LIVE__MAX; i++) {
			buf_puts(&b, names[i]);
			csv_int(&b, rep.live5[i]);
			csv_int(&b, rep.live60[i]);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "daily") == 0 || strcmp(t, "hourly") == 0) {
		int daily = t[0] == 'd';
		const struct report_bucket *bk = daily ? rep.days : rep.hours;

		n = daily ? rep.ndays : rep.nhours;
		buf_puts(&b, daily ? "date" : "hour_utc");
		buf_puts(&b, ",uploads,photos,photos_with_face,"
		    "detection_success_pct,tryons,clicks,ctr_pct\r\n");
		for (i = 0; i < n; i++) {
			time_t		tt = (time_t)bk[i].t;
			struct tm	tm;

			gmtime_r(&tt, &tm);
			strftime(when, sizeof(when), daily ? "%Y-%m-%d" :
			    "%Y-%m-%dT%H:00Z", &tm);
			buf_puts(&b, when);
			csv_int(&b, bk[i].uploads);
			csv_int(&b, bk[i].photos);
			csv_int(&b, bk[i].photo_face);
			csv_dbl(&b, bk[i].photos > 0 ? 100.0 * bk[i].photo_face /
			    bk[i].photos : 0, 1);
			csv_int(&b, bk[i].tryons);
			csv_int(&b, bk[i].clicks);
			csv_dbl(&b, report_ctr(bk[i].clicks, bk[i].tryons), 1);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "frames") == 0 || strcmp(t, "laggards") == 0) {
		nlag = report_laggards(&rep, lag, sizeof(lag) / sizeof(lag[0]));
		n = t[0] == 'f' ? rep.nframes : nlag;
		buf_puts(&b, "sku,name,active,tryons,clicks,ctr_pct\r\n");
		for (i = 0; i < n; i++) {
			const struct report_frame *f = &rep.frames[t[0] == 'f' ?
			    i : lag[i]];

			admin_csv_field(&b, f->sku);
			buf_putc(&b, ',');
			admin_csv_field(&b, f->name);
			csv_int(&b, f->active);
			csv_int(&b, f->tryons);
			csv_int(&b, f->clicks);
			csv_dbl(&b, report_ctr(f->clicks, f->tryons), 1);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "sources") == 0) {
		buf_puts(&b, "source,uploads,share_pct\r\n");
		for (i = 0; i < UPLOAD_SOURCE__MAX; i++) {
			buf_puts(&b, upload_source_name(i));
			csv_int(&b, rep.by_source[i]);
			csv_dbl(&b, rep.uploads > 0 ? 100.0 * rep.by_source[i] /
			    rep.uploads : 0, 1);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "detection") == 0) {
		buf_puts(&b, "photos,photos_with_face,success_pct,faces\r\n");
		buf_printf(&b, "%lld", rep.photos);
		csv_int(&b, rep.photo_face);
		csv_dbl(&b, rep.photos > 0 ? 100.0 * rep.photo_face / rep.photos :
		    0, 1);
		csv_int(&b, rep.faces);
		buf_puts(&b, "\r\n");
	} else {
		buf_puts(&b, "stage,n,p50_ms,p95_ms,p99_ms,max_ms\r\n");
		for (i = 0; i < STAGE__MAX; i++) {
			buf_puts(&b, report_stage_name(i));
			csv_int(&b, rep.latency[i].n);
			csv_dbl(&b, rep.latency[i].p50, 2);
			csv_dbl(&b, rep.latency[i].p95, 2);
			csv_dbl(&b, rep.latency[i].p99, 2);
			csv_dbl(&b, rep.latency[i].max, 2);
			buf_puts(&b, "\r\n");
		}
	}
	snprintf(when, sizeof(when), "-%s-%s", rg.from_s, rg.to_s);
	csv_send(r, t, when, &b);
	buf_free(&b);
	report_free(&rep);
}

/* ---- Catalog ---- */

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
	NUM("rim_mm", f->rim_mm, 2);
	NUM("tint_opacity", f->tint_opacity, 2);
	NUM("lens_width_mm", f->lens_width_mm, 1);
	NUM("lens_height_mm", f->lens_height_mm, 1);
	NUM("bridge_mm", f->bridge_mm, 1);
	NUM("total_width_mm", f->total_width_mm, 1);
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

/* A decimal in [lo, hi]; 0 with a message when not. */
static int
field_num(struct http_req *r, const char *name, const char *label, double lo,
    double hi, double *out, struct buf *err)
{
	const char	*s = req_field(r, name);
	char		*end;
	double		 v;

	if (s == NULL || *s == '\0') {
		buf_printf(err, "%s is missing.", label);
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
		buf_printf(err, "%s must be a number from %g to %g.", label, lo,
		    hi);
		return 0;
	}
	*out = v;
	return 1;
}

static int
field_colour(struct http_req *r, const char *name, const char *label,
    uint32_t *out, struct buf *err)
{
	const char	*s = req_field(r, name);
	char		*end;
	unsigned long	 v;

	if (s == NULL || s[0] != '#' || strlen(s) != 7 ||
	    strspn(s + 1, "0123456789abcdefABCDEF") != 6) {
		buf_printf(err, "%s must be a colour like #1a2b3c.", label);
		return 0;
	}
	v = strtoul(s + 1, &end, 16);
	*out = (uint32_t)v;
	return 1;
}

static int
field_text(struct http_req *r, const char *name, const char *label,
    char *out, size_t size, struct buf *err)
{
	const char	*s = req_field(r, name);
	size_t		 len;

	while (s != NULL && *s == ' ')
		s++;
	len = s != NULL ? strlen(s) : 0;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	if (len == 0 || len >= size) {
		buf_printf(err, "%s must be 1 to %zu bytes long.", label,
		    size - 1);
		return 0;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 1;
}

/*
 * The frame of the submitted form. Returns 1, or 0 with every problem
 * in err (one sentence each), for the form to show.
 */
static int
frame_from_form(struct http_req *r, struct frame *f, struct buf *err)
{
	const char	*s;
	double		 price = 0;
	int		 ok = 1, st;

	memset(f, 0, sizeof(*f));
	ok &= field_text(r, "sku", "The SKU", f->sku, sizeof(f->sku), err);
	if (ok && !app_sku_valid(f->sku)) {
		buf_puts(err, "The SKU may hold only letters, digits and "
		    "hyphens, at most 32.");
		ok = 0;
	}
	ok &= field_text(r, "name", "The name", f->name, sizeof(f->name), err);
	ok &= field_text(r, "brand", "The brand", f->brand, sizeof(f->brand),
	    err);
	if ((st = frame_style_parse(req_field(r, "style") ? req_field(r,
	    "style") : "")) < 0) {
		buf_puts(err, "Please choose a style.");
		ok = 0;
	} else
		f->style = st;
	ok &= field_colour(r, "rim_rgb", "The rim colour", &f->rim_rgb, err);
	ok &= field_colour(r, "tint_rgb", "The lens tint", &f->tint_rgb, err);
	ok &= field_num(r, "rim_mm", "The rim thickness", 0, 20, &f->rim_mm,
	    err);
	ok &= field_num(r, "tint_opacity", "The tint opacity", 0, 1,
	    &f->tint_opacity, err);
	ok &= field_num(r, "lens_width_mm", "The lens width", 20, 90,
	    &f->lens_width_mm, err);
	ok &= field_num(r, "lens_height_mm", "The lens height", 10, 80,
	    &f->lens_height_mm, err);
	ok &= field_num(r, "bridge_mm", "The bridge", 5, 40, &f->bridge_mm, err);
	ok &= field_num(r, "total_width_mm", "The total width", 80, 200,
	    &f->total_width_mm, err);
	ok &= field_num(r, "price", "The price", 0, 1000000, &price, err);
	f->price_cents = (int)lround(price * 100);
	s = req_field(r, "product_url");
	if (s == NULL || strlen(s) >= sizeof(f->product_url) ||
	    (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) ||
	    strpbrk(s, " \"<>\\^`{|}") != NULL || strlen(s) < 10) {
		buf_puts(err, "The shop link must be an http:// or https:// "
		    "address.");
		ok = 0;
	} else
		snprintf(f->product_url, sizeof(f->product_url), "%s", s);
	f->active = req_field(r, "active") != NULL;
	if (ok && catalog_validate(f) != FF_OK) {
		buf_puts(err, "The frame breaks one of the catalog's rules.");
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

static void
catalog_form(struct tryon_app *a, struct http_req *r, const char *user,
    const struct frame *f, const char *orig_sku, const char *error,
    int status)
{
	struct tpl_ctx	*c;
	struct tpl_val	*root, *o;
	struct buf	 b;

	c = page_ctx(a, user, orig_sku != NULL ? "Edit frame" : "New frame",
	    NAV_CATALOG);
	root = tpl_ctx_root(c);
	o = tpl_obj_add_obj(root, "f");
	buf_init(&b);
	if (error != NULL) {
		form_echo(o, r);
		tpl_obj_set_str(root, "error", error);
		style_list(root, frame_style_parse(req_field(r, "style") ?
		    req_field(r, "style") : ""));
	} else {
		frame_form_obj(o, f);
		style_list(root, f->style);
	}
	if (orig_sku != NULL) {
		tpl_obj_set_str(root, "orig_sku", orig_sku);
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
	buf_free(&b);
	page_send(r, status, "admin_frame", c);
}

static void
h_catalog(struct tryon_app *a, struct http_req *r, const char *user)
{
	struct frame	*fr = NULL;
	struct tpl_ctx	*c;
	struct tpl_val	*root, *list, *o;
	struct db	*db;
	struct buf	 b;
	enum ff_err	 er;
	const char	*msg = kv_get(&r->args, "msg");
	const char	*sku = kv_get(&r->args, "sku");
	size_t		 n = 0, i, nact = 0;

	if ((db = need_db(a, r)) == NULL)
		return;
	if ((er = catalog_load(db, 1, &fr, &n)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = page_ctx(a, user, "Catalog", NAV_CATALOG);
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
		nact += fr[i].active != 0;
	}
	tpl_obj_set_int(root, "n", (long long)n);
	tpl_obj_set_int(root, "nactive", (long long)nact);
	tpl_obj_set_int(root, "nretired", (long long)(n - nact));
	buf_free(&b);
	catalog_free(fr, n);
	page_send(r, 200, "admin_catalog", c);
}

static void
h_frame_new(struct tryon_app *a, struct http_req *r, const char *user)
{
	struct frame	 f = { .style = FRAME_RECTANGLE, .rim_rgb = 0x1a1a1a,
	    .rim_mm = 4, .tint_rgb = 0xffffff, .lens_width_mm = 52,
	    .lens_height_mm = 40, .bridge_mm = 18, .total_width_mm = 140,
	    .price_cents = 12900, .active = 1,
	    .product_url = "https://shop.example/frames/" };
	struct db	*db;
	struct buf	 err, loc;
	enum ff_err	 er;

	if (strcmp(r->method, "POST") != 0) {
		catalog_form(a, r, user, &f, NULL, NULL, 200);
		return;
	}
	if (!post_ok(a, r, user, FORM_MAX) || (db = need_db(a, r)) == NULL)
		return;
	buf_init(&err);
	buf_init(&loc);
	if (!frame_from_form(r, &f, &err)) {
		catalog_form(a, r, user, NULL, NULL, err.ptr, 400);
		goto out;
	}
	if ((er = catalog_insert(db, &f)) != FF_OK) {
		if (er == FF_EINPUT)
			catalog_form(a, r, user, NULL, NULL, "A frame with this "
			    "SKU exists already.", 400);
		else
			req_error(r, er, NULL);
		goto out;
	}
	req_log(r, "admin: %s added frame %s", user, f.sku);
	(void)app_catalog_refresh(a);
	buf_printf(&loc, "/admin/catalog/?msg=added&sku=%s", f.sku);
	req_redirect(r, 303, loc.ptr);
out:
	buf_free(&err);
	buf_free(&loc);
}

static void
h_frame_edit(struct tryon_app *a, struct http_req *r, const char *user)
{
	const char	*sku = route_param(&r->params, "sku");
	struct frame	 cur, f;
	struct db	*db;
	struct buf	 err, loc;
	enum ff_err	 er;

	if ((db = need_db(a, r)) == NULL)
		return;
	if (strcmp(r->method, "POST") == 0 && !post_ok(a, r, user, FORM_MAX))
		return;
	memset(&cur, 0, sizeof(cur));
	if ((er = catalog_get(db, sku, &cur)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no frame with "
		    "that SKU." : NULL);
		return;
	}
	buf_init(&err);
	buf_init(&loc);
	if (strcmp(r->method, "POST") != 0) {
		catalog_form(a, r, user, &cur, cur.sku, NULL, 200);
		goto out;
	}
	if (!frame_from_form(r, &f, &err)) {
		catalog_form(a, r, user, &cur, cur.sku, err.ptr, 400);
		goto out;
	}
	f.id = cur.id;
	if ((er = catalog_update(db, &f)) != FF_OK) {
		if (er == FF_EINPUT)
			catalog_form(a, r, user, &cur, cur.sku, "Another frame "
			    "has this SKU already, or the frame breaks one of "
			    "the catalog's rules.", 400);
		else
			req_error(r, er, NULL);
		goto out;
	}
	req_log(r, "admin: %s saved frame %s", user, f.sku);
	(void)app_catalog_refresh(a);
	buf_printf(&loc, "/admin/catalog/?msg=saved&sku=%s", f.sku);
	req_redirect(r, 303, loc.ptr);
out:
	catalog_frame_clear(&cur);
	buf_free(&err);
	buf_free(&loc);
}

/* Retire or restore. */
static void
h_frame_state(struct tryon_app *a, struct http_req *r, const char *user,
    int active)
{
	const char	*sku = route_param(&r->params, "sku");
	struct frame	 f;
	struct db	*db;
	struct buf	 loc;
	enum ff_err	 er;

	if (!post_ok(a, r, user, FORM_MAX) || (db = need_db(a, r)) == NULL)
		return;
	memset(&f, 0, sizeof(f));
	if ((er = catalog_get(db, sku, &f)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no frame with "
		    "that SKU." : NULL);
		return;
	}
	if (active) {
		f.active = 1;
		er = catalog_update(db, &f);
	} else
		er = catalog_retire(db, sku);
	catalog_frame_clear(&f);
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

static void
h_artwork(struct tryon_app *a, struct http_req *r, const char *user)
{
	const char		*sku = route_param(&r->params, "sku");
	const struct mp_part	*p;
	struct frame		 f;
	struct db		*db;
	struct buf		 loc;
	enum ff_err		 er;
	const char		*why;
	int			 remove;

	if (!post_ok(a, r, user, ARTWORK_FORM_MAX) ||
	    (db = need_db(a, r)) == NULL)
		return;
	memset(&f, 0, sizeof(f));
	if ((er = catalog_get(db, sku, &f)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no frame with "
		    "that SKU." : NULL);
		return;
	}
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

static void
h_preview(struct tryon_app *a, struct http_req *r)
{
	const char	*sku = route_param(&r->params, "sku");
	struct frame	 f;
	struct db	*db;
	enum ff_err	 er;
	unsigned char	 d[32];
	char		 etag[40];
	void		*png = NULL;
	int		 len = 0;

	if ((db = need_db(a, r)) == NULL)
		return;
	memset(&f, 0, sizeof(f));
	if ((er = catalog_get(db, sku, &f)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no frame with "
		    "that SKU." : NULL);
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

/* ---- Models ---- */

/* Known keys of `framefit evaluate --json`, how to show them, and
 * whether more is better. */
static const struct {
	const char	*key;
	const char	*label;
	int		 pct;		/* a fraction shown as % */
	int		 higher;	/* 1 more is better, -1 less, 0 neither */
} metric_keys[] = {
	{ "face_recall", "Faces found (recall)", 1, 1 },
	{ "face_precision", "Boxes that are faces (precision)", 1, 1 },
	{ "target_found", "Frontal faces found", 1, 1 },
	{ "e_le_0.05", "Eyes within 5 % of eye distance", 1, 1 },
	{ "e_le_0.10", "Eyes within 10 % of eye distance", 1, 1 },
	{ "e_le_0.25", "Eyes within 25 % of eye distance", 1, 1 },
	{ "e_median", "Median eye error (of eye distance)", 1, -1 },
	{ "negatives_with_false_face", "Backgrounds with a false face", 1, -1 },
	{ "ms_mean", "Detection time, mean (ms)", 0, -1 },
	{ "ms_median", "Detection time, median (ms)", 0, -1 },
	{ "photos", "Validation photos", 0, 0 },
	{ "faces", "Labelled faces", 0, 0 },
};
#define NMETRICS (sizeof(metric_keys) / sizeof(metric_keys[0]))

/* The number stored under "key" at the top level of a flat JSON object
 * (what eval_json() writes), or NAN. */
static double
metric_get(const char *json, const char *key)
{
	const char	*p = json;
	size_t		 klen = strlen(key);
	char		*end;
	double		 v;
	int		 depth = 0;

	if (json == NULL)
		return NAN;
	for (; *p != '\0'; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (*p == '"') {
			const char *s = ++p;

			while (*p != '\0' && *p != '"')
				p += *p == '\\' && p[1] != '\0' ? 2 : 1;
			if (*p == '\0')
				break;
			if (depth == 1 && (size_t)(p - s) == klen &&
			    strncmp(s, key, klen) == 0) {
				const char *q = p + 1;

				while (*q == ' ')
					q++;
				if (*q != ':')
					continue;
				v = strtod(q + 1, &end);
				return end != q + 1 ? v : NAN;
			}
		}
	}
	return NAN;
}

static void
metric_fmt(struct buf *b, double v, int pct)
{
	if (!isfinite(v) || v < 0)
		buf_puts(b, "\u2013");
	else if (pct && v > 10)
		buf_puts(b, "> 1,000 %");	/* an untrained model's eye error */
	else if (pct)
		buf_printf(b, "%.1f %%", 100 * v);
	else
		chart_num(b, v, v == floor(v) ? 0 : 1);
}

static struct tpl_val *
model_obj(struct tpl_val *o, const struct registry_model *m,
    const char *loaded)
{
	struct buf	b;
	char		when[40];

	buf_init(&b);
	tpl_obj_set_int(o, "id", m->id);
	tpl_obj_set_str(o, "version", m->version);
	tpl_obj_set_str(o, "sha_short", m->sha256);
	if (strlen(m->sha256) > 16)
		tpl_obj_set_strn(o, "sha_short", m->sha256, 16);
	tpl_obj_set_str(o, "sha256", m->sha256);
	fmt_time(m->trained_at, when, sizeof(when));
	tpl_obj_set_str(o, "trained", when);
	fmt_time(m->created, when, sizeof(when));
	tpl_obj_set_str(o, "registered", when);
	tpl_obj_set_bool(o, "active", m->active);
	tpl_obj_set_bool(o, "loaded", loaded != NULL &&
	    strcmp(loaded, m->version) == 0);
	tpl_obj_set_str(o, "dir", !m->has_dir ? "\u2013" : *m->dir ? m->dir :
	    "models/");
	set_num(o, "detections", (double)m->detections, 0);
	tpl_obj_set_bool(o, "has_metrics", m->metrics != NULL);
	tpl_obj_set_str(o, "metrics_json", m->metrics);
	metric_fmt(&b, metric_get(m->metrics, "face_recall"), 1);
	tpl_obj_set_str(o, "recall", b.ptr);
	buf_reset(&b);
	metric_fmt(&b, metric_get(m->metrics, "e_le_0.10"), 1);
	tpl_obj_set_str(o, "e10", b.ptr);
	buf_reset(&b);
	metric_fmt(&b, metric_get(m->metrics, "ms_mean"), 0);
	tpl_obj_set_str(o, "ms", b.ptr);
	buf_free(&b);
	return o;
}

static void
h_models(struct tryon_app *a, struct http_req *r, const char *user)
{
	struct registry_model	*m = NULL;
	struct tpl_ctx		*c;
	struct tpl_val		*root, *list, *o;
	struct db		*db;
	enum ff_err		 er;
	const char		*msg = kv_get(&r->args, "msg");
	const char		*loaded = a->det != NULL ? det_version(a->det) :
				    NULL;
	size_t			 n = 0, i, cmp_a, cmp_b;

	if ((db = need_db(a, r)) == NULL)
		return;
	if ((er = registry_list(db, &m, &n)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = page_ctx(a, user, "Models", NAV_MODELS);
	root = tpl_ctx_root(c);
	/* The comparison form defaults to the active model (or the newest)
	 * as B against the newest other one as A. */
	for (i = 0; i < n && !m[i].active; i++)
		;
	cmp_b = i < n ? i : 0;
	cmp_a = cmp_b == 0 ? 1 : 0;
	list = tpl_obj_add_list(root, "models");
	for (i = 0; i < n; i++) {
		o = model_obj(tpl_list_add_obj(list), &m[i], loaded);
		tpl_obj_set_bool(o, "sel_a", i == cmp_a);
		tpl_obj_set_bool(o, "sel_b", i == cmp_b);
	}
	tpl_obj_set_int(root, "n", (long long)n);
	tpl_obj_set_bool(root, "can_compare", n >= 2);
	tpl_obj_set_int(root, "compare_max", ADMIN_COMPARE_MAX);
	tpl_obj_set_str(root, "models_dir", a->models);
	tpl_obj_set_int(root, "check_s", REGISTRY_CHECK_S);
	if (msg != NULL && strcmp(msg, "activated") == 0)
		tpl_obj_set_str(root, "notice", "Active model switched. Every "
		    "worker loads it within a few seconds; new detections "
		    "record it.");
	else if (msg != NULL && strcmp(msg, "scanned") == 0)
		tpl_obj_set_str(root, "notice", "Models directory scanned.");
	registry_list_free(m, n);
	page_send(r, 200, "admin_models", c);
}

static void
h_models_scan(struct tryon_app *a, struct http_req *r, const char *user)
{
	struct tpl_ctx	*c;
	struct tpl_val	*root;
	struct db	*db;
	struct buf	 log;
	enum ff_err	 er;
	int		 added = 0;

	if (!post_ok(a, r, user, FORM_MAX) || (db = need_db(a, r)) == NULL)
		return;
	buf_init(&log);
	buf_puts(&log, "");
	if ((er = registry_scan(db, a->models, &added, &log)) != FF_OK) {
		buf_free(&log);
		req_error(r, er, er == FF_EIO ? "The models directory cannot "
		    "be read." : NULL);
		return;
	}
	req_log(r, "admin: %s scanned %s: %d model(s) added", user, a->models,
	    added);
	c = page_ctx(a, user, "Models scanned", NAV_MODELS);
	root = tpl_ctx_root(c);
	tpl_obj_set_str(root, "models_dir", a->models);
	tpl_obj_set_int(root, "added", added);
	tpl_obj_set_str(root, "log", log.len > 0 ? log.ptr :
	    "No model files found.\n");
	buf_free(&log);
	page_send(r, 200, "admin_scan", c);
}

static void
h_models_activate(struct tryon_app *a, struct http_req *r, const char *user)
{
	const char	*s = route_param(&r->params, "id");
	struct db	*db;
	enum ff_err	 er;
	char		*end;
	long long	 id;

	if (!post_ok(a, r, user, FORM_MAX) || (db = need_db(a, r)) == NULL)
		return;
	id = strtoll(s, &end, 10);
	if (*end != '\0' || id <= 0) {
		req_error(r, FF_ENOTFOUND, "There is no such model.");
		return;
	}
	if ((er = db_model_activate(db, id)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no such model." :
		    NULL);
		return;
	}
	req_log(r, "admin: %s activated model %lld", user, id);
	registry_poke();
	registry_sync(a);
	req_redirect(r, 303, "/admin/models/?msg=activated");
}

/* The photo scaled to COMPARE_W with the faces of res drawn on it, as a
 * data: URI (JPEG). */
static void
compare_picture(gdImagePtr im, const struct det_result *res, int rgb,
    struct buf *uri)
{
	gdImagePtr	 out;
	double		 k = 1;
	int		 w = gdImageSX(im), h = gdImageSY(im), i, j, col, white;
	void		*jpg;
	int		 len;

	if (w > COMPARE_W) {
		k = (double)COMPARE_W / w;
		w = COMPARE_W;
		h = (int)lround(gdImageSY(im) * k);
		if (h < 1)
			h = 1;
	}
	if ((out = gdImageCreateTrueColor(w, h)) == NULL)
		return;
	gdImageCopyResampled(out, im, 0, 0, 0, 0, w, h, gdImageSX(im),
	    gdImageSY(im));
	col = gdTrueColor(rgb >> 16 & 255, rgb >> 8 & 255, rgb & 255);
	white = gdTrueColor(255, 255, 255);
	gdImageSetThickness(out, 2);
	for (i = 0; i < res->n; i++) {
		const struct face *f = &res->faces[i];
		const float *eye[2] = { f->left_eye, f->right_eye };

		gdImageRectangle(out, (int)(f->box.x * k), (int)(f->box.y * k),
		    (int)((f->box.x + f->box.w) * k),
		    (int)((f->box.y + f->box.h) * k), col);
		for (j = 0; j < 2; j++) {
			gdImageFilledEllipse(out, (int)(eye[j][0] * k),
			    (int)(eye[j][1] * k), 9, 9, white);
			gdImageFilledEllipse(out, (int)(eye[j][0] * k),
			    (int)(eye[j][1] * k), 5, 5, col);
		}
	}
	gdImageSetThickness(out, 1);
	if ((jpg = gdImageJpegPtr(out, &len, 82)) != NULL) {
		buf_puts(uri, "data:image/jpeg;base64,");
		base64(uri, jpg, (size_t)len);
		gdFree(jpg);
	}
	gdImageDestroy(out);
}

static void
h_models_compare(struct tryon_app *a, struct http_req *r, const char *user)
{
	static const int colour[2] = { 0xc8643b, 0x2f7dd1 };
	struct registry_model	*m[2] = { NULL, NULL };
	struct detector		*det[2] = { NULL, NULL };
	int			 own[2] = { 0, 0 };
	struct tpl_ctx		*c = NULL;
	struct tpl_val		*root, *list, *o, *side, *rows;
	struct db		*db;
	struct db_rows		*q = NULL;
	struct db_arg		 arg;
	struct buf		 b;
	enum ff_err		 er;
	const char		*s;
	char			*end, **tokens = NULL, sa[32];
	long long		 id[2], n, ntok = 0, found[2] = { 0, 0 };
	double			 ms[2] = { 0, 0 };
	size_t			 i, k;
	int			 rc;

	buf_init(&b);
	if ((db = need_db(a, r)) == NULL)
		goto out;
	for (k = 0; k < 2; k++) {
		s = kv_get(&r->args, k == 0 ? "a" : "b");
		id[k] = s != NULL ? strtoll(s, &end, 10) : 0;
		if (s == NULL || *end != '\0' || id[k] <= 0 ||
		    (er = registry_get(db, id[k], &m[k])) != FF_OK) {
			req_error(r, FF_EINPUT, "Please choose two registered "
			    "models to compare.");
			goto out;
		}
	}
	s = kv_get(&r->args, "n");
	n = s != NULL && *s != '\0' ? strtoll(s, &end, 10) : 5;
	if (s != NULL && *s != '\0' && *end != '\0')
		n = 5;
	if (n < 1)
		n = 1;
	if (n > ADMIN_COMPARE_MAX)
		n = ADMIN_COMPARE_MAX;

	/* The detectors: the worker's own when it is one of them. */
	for (k = 0; k < 2; k++) {
		if (a->det != NULL && strcmp(det_version(a->det),
		    m[k]->version) == 0)
			det[k] = a->det;
		else if (k == 1 && det[0] != NULL && m[0]->id == m[1]->id)
			det[k] = det[0];
		else if (registry_open(a->models, m[k], &det[k]) == FF_OK)
			own[k] = 1;
	}

	c = page_ctx(a, user, "Compare models", NAV_MODELS);
	root = tpl_ctx_root(c);
	tpl_obj_set_int(root, "n", n);
	list = tpl_obj_add_list(root, "side");
	for (k = 0; k < 2; k++) {
		side = tpl_list_add_obj(list);
		model_obj(side, m[k], a->det != NULL ? det_version(a->det) :
		    NULL);
		tpl_obj_set_bool(side, "missing", det[k] == NULL);
		tpl_obj_set_str(side, "letter", k == 0 ? "A" : "B");
		tpl_obj_set_str(side, "tone", k == 0 ? "a" : "b");
	}
	/* Their metrics, row by row, the better one marked. */
	rows = tpl_obj_add_list(root, "metrics");
	for (i = 0; i < NMETRICS; i++) {
		double v0 = metric_get(m[0]->metrics, metric_keys[i].key);
		double v1 = metric_get(m[1]->metrics, metric_keys[i].key);

		if (!isfinite(v0) && !isfinite(v1))
			continue;
		o = tpl_list_add_obj(rows);
		tpl_obj_set_str(o, "label", metric_keys[i].label);
		buf_reset(&b);
		metric_fmt(&b, v0, metric_keys[i].pct);
		tpl_obj_set_str(o, "a", b.ptr);
		snprintf(sa, sizeof(sa), "%s", b.ptr);
		buf_reset(&b);
		metric_fmt(&b, v1, metric_keys[i].pct);
		tpl_obj_set_str(o, "b", b.ptr);
		/* Better only where the page can show the difference. */
		if (isfinite(v0) && isfinite(v1) && v0 >= 0 && v1 >= 0 &&
		    metric_keys[i].higher != 0 && strcmp(sa, b.ptr) != 0) {
			int a_better = metric_keys[i].higher > 0 ? v0 > v1 :
			    v0 < v1;

			tpl_obj_set_bool(o, "a_better", a_better);
			tpl_obj_set_bool(o, "b_better", !a_better);
		}
	}
	tpl_obj_set_bool(root, "has_metrics", tpl_list_len(rows) > 0);

	/* The same recent uploads through both. */
	arg = DB_INT(n);
	if ((er = db_query(db, "SELECT token FROM uploads WHERE expires > "
	    "UTC_TIMESTAMP() ORDER BY id DESC LIMIT ?", &arg, 1, &q)) != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	tokens = xcalloc((size_t)n, sizeof(*tokens));
	while (ntok < n && (rc = db_rows_next(q)) == 1)
		if ((s = db_col_text(q, 0, NULL)) != NULL)
			tokens[ntok++] = xstrdup(s);
	db_rows_free(q);
	list = tpl_obj_add_list(root, "photos");
	for (i = 0; i < (size_t)ntok; i++) {
		struct upload_row	 u;
		struct det_result	 res;
		void			*photo = NULL;
		gdImagePtr		 im = NULL;
		char			 when[40];

		if (db_upload_get(db, tokens[i], &u, &photo) != FF_OK)
			continue;
		if (img_decode(photo, u.len, NULL, &im, NULL) != FF_OK) {
			free(photo);
			continue;
		}
		free(photo);
		o = tpl_list_add_obj(list);
		fmt_time(u.created, when, sizeof(when));
		tpl_obj_set_str(o, "when", when);
		tpl_obj_set_str(o, "source", upload_source_name(u.source));
		tpl_obj_set_int(o, "w", gdImageSX(im));
		tpl_obj_set_int(o, "h", gdImageSY(im));
		side = tpl_obj_add_list(o, "runs");
		for (k = 0; k < 2; k++) {
			struct tpl_val *x = tpl_list_add_obj(side);

			tpl_obj_set_str(x, "tone", k == 0 ? "a" : "b");
			if (det[k] == NULL || det_run(det[k], im, &res) != FF_OK) {
				tpl_obj_set_bool(x, "failed", 1);
				continue;
			}
			buf_reset(&b);
			compare_picture(im, &res, colour[k], &b);
			tpl_obj_set_str(x, "img", b.ptr);
			tpl_obj_set_int(x, "faces", res.n);
			set_num(x, "ms", res.ms, 0);
			if (res.n > 0)
				set_num(x, "score", res.faces[0].score * 100, 0);
			tpl_obj_set_bool(x, "has_face", res.n > 0);
			found[k] += res.n > 0;
			ms[k] += res.ms;
		}
		gdImageDestroy(im);
	}
	tpl_obj_set_int(root, "nphotos", (long long)tpl_list_len(list));
	list = tpl_obj_add_list(root, "summary");
	for (k = 0; k < 2; k++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "letter", k == 0 ? "A" : "B");
		tpl_obj_set_str(o, "tone", k == 0 ? "a" : "b");
		tpl_obj_set_str(o, "version", m[k]->version);
		tpl_obj_set_int(o, "found", found[k]);
		set_num(o, "ms", ntok > 0 ? ms[k] / (double)ntok : 0, 0);
	}
	page_send(r, 200, "admin_compare", c);
	c = NULL;
out:
	for (k = 0; k < 2; k++)
		if (own[k])
			det_close(det[k]);
	for (i = 0; i < (size_t)ntok; i++)
		free(tokens[i]);
	free(tokens);
	tpl_ctx_free(c);
	registry_list_free(m[0], m[0] != NULL);
	registry_list_free(m[1], m[1] != NULL);
	buf_free(&b);
}

/* ---- Retention ---- */

static void
h_retention(struct tryon_app *a, struct http_req *r, const char *user)
{
	struct tpl_ctx	*c;
	struct tpl_val	*root, *list, *o;
	struct db	*db;
	struct db_rows	*q;
	struct buf	 b;
	struct db_arg	 arg = DB_INT(PURGE_RUNS_SHOWN);
	enum ff_err	 er;
	const char	*msg = kv_get(&r->args, "msg");
	char		 when[40];
	long long	 stored = 0, expired = 0, oldest = 0;
	int		 rc;

	if ((db = need_db(a, r)) == NULL)
		return;
	if ((er = db_query(db, "SELECT COUNT(*), COALESCE(SUM(expires <= "
	    "UTC_TIMESTAMP()), 0), COALESCE(UNIX_TIMESTAMP(MIN(created)), 0) "
	    "FROM uploads", NULL, 0, &q)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	if (db_rows_next(q) == 1) {
		stored = db_col_int(q, 0);
		expired = db_col_int(q, 1);
		oldest = db_col_int(q, 2);
	}
	db_rows_free(q);
	if ((er = db_query(db, "SELECT UNIX_TIMESTAMP(ran_at), ms, started_by, "
	    "COALESCE(retention_days, 0), uploads_removed, rows_removed, "
	    "detections_removed, tryons_removed, clicks_anonymized, "
	    "bytes_removed, live_rows_removed FROM purge_runs ORDER BY id DESC "
	    "LIMIT ?", &arg, 1, &q)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = page_ctx(a, user, "Retention", NAV_RETENTION);
	root = tpl_ctx_root(c);
	buf_init(&b);
	list = tpl_obj_add_list(root, "runs");
	while ((rc = db_rows_next(q)) == 1) {
		o = tpl_list_add_obj(list);
		fmt_time(db_col_int(q, 0), when, sizeof(when));
		tpl_obj_set_str(o, "at", when);
		buf_reset(&b);
		if (db_col_double(q, 1) < 1000)
			buf_printf(&b, "%.0f ms", db_col_double(q, 1));
		else
			buf_printf(&b, "%.1f s", db_col_double(q, 1) / 1000.0);
		tpl_obj_set_str(o, "took", b.ptr);
		tpl_obj_set_str(o, "by", db_col_text(q, 2, NULL));
		tpl_obj_set_int(o, "days", db_col_int(q, 3));
		set_num(o, "uploads", (double)db_col_int(q, 4), 0);
		set_num(o, "rows", (double)db_col_int(q, 5), 0);
		set_num(o, "detections", (double)db_col_int(q, 6), 0);
		set_num(o, "tryons", (double)db_col_int(q, 7), 0);
		set_num(o, "clicks", (double)db_col_int(q, 8), 0);
		buf_reset(&b);
		fmt_bytes(&b, db_col_int(q, 9));
		tpl_obj_set_str(o, "bytes", b.ptr);
		set_num(o, "live", (double)db_col_int(q, 10), 0);
	}
	db_rows_free(q);
	tpl_obj_set_bool(root, "has_runs", tpl_list_len(list) > 0);
	set_num(root, "stored", (double)stored, 0);
	set_num(root, "expired", (double)expired, 0);
	fmt_time(oldest, when, sizeof(when));
	tpl_obj_set_str(root, "oldest", when);
	tpl_obj_set_int(root, "retention_days", purge_retention_days());
	tpl_obj_set_int(root, "ttl_hours", UPLOAD_TTL_S / 3600);
	if (msg != NULL && strcmp(msg, "purged") == 0)
		tpl_obj_set_str(root, "notice", "Purge finished; its counts are "
		    "the first row below.");
	buf_free(&b);
	page_send(r, 200, "admin_retention", c);
}

static void
h_purge(struct tryon_app *a, struct http_req *r, const char *user)
{
	struct purge_stats	 st;
	struct db		*db;
	struct buf		 by;
	enum ff_err		 er;

	if (!post_ok(a, r, user, FORM_MAX) || (db = need_db(a, r)) == NULL)
		return;
	buf_init(&by);
	buf_printf(&by, "admin:%s", user);
	er = purge_run(db, now_s(), 0, by.ptr, 0, &st);
	buf_free(&by);
	if (er != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	req_log(r, "admin: %s purged %lld photo(s), %lld derived row(s)", user,
	    st.uploads, st.detections + st.faces + st.tryons);
	req_redirect(r, 303, "/admin/retention/?msg=purged");
}

/* ---- Static ---- */

static void
h_css(struct tryon_app *a, struct http_req *r)
{
	static struct {
		int	 loaded;
		char	*p;
		size_t	 len;
		char	 etag[40];
	} css;
	struct buf	 path, b;
	char		 chunk[8192];
	unsigned char	 d[32];
	ssize_t		 n;
	int		 fd;

	if (!css.loaded) {
		buf_init(&path);
		buf_printf(&path, "%s/admin.css", a->static_dir);
		if ((fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) >= 0) {
			buf_init(&b);
			while ((n = read(fd, chunk, sizeof(chunk))) > 0 &&
			    b.len < (1u << 20))
				buf_append(&b, chunk, (size_t)n);
			close(fd);
			css.p = buf_steal(&b, &css.len);
			app_sha256(css.p, css.len, d);
			app_etag_of(d, css.etag);
			css.loaded = 1;
		} else
			req_log(r, "%s: %s", path.ptr, strerror(errno));
		buf_free(&path);
	}
	if (!css.loaded) {
		req_error(r, FF_ENOTFOUND, "There is no such file.");
		return;
	}
	req_header(r, "ETag", "%s", css.etag);
	req_header(r, "Cache-Control", "private, max-age=300");
	if (req_etag_match(r, css.etag))
		req_send(r, 304, NULL, "", 0);
	else
		req_send(r, 200, "text/css; charset=utf-8", css.p, css.len);
}

/* ---- Dispatch ---- */

enum {
	A_REPORTS, A_CHART, A_EXPORT, A_CSS,
	A_CATALOG, A_FRAME_NEW, A_FRAME, A_RETIRE, A_RESTORE, A_ARTWORK,
	A_PREVIEW,
	A_MODELS, A_SCAN, A_ACTIVATE, A_COMPARE,
	A_RETENTION, A_PURGE
};

static const struct route admin_routes[] = {
	{ ROUTE_GET, "/admin/", A_REPORTS },
	{ ROUTE_GET, "/admin/chart/{name}.svg", A_CHART },
	{ ROUTE_GET, "/admin/export/{table}.csv", A_EXPORT },
	{ ROUTE_GET, "/admin/static/admin.css", A_CSS },
	{ ROUTE_GET, "/admin/catalog/", A_CATALOG },
	{ ROUTE_GET | ROUTE_POST, "/admin/catalog/new", A_FRAME_NEW },
	{ ROUTE_GET | ROUTE_POST, "/admin/catalog/{sku}", A_FRAME },
	{ ROUTE_POST, "/admin/catalog/{sku}/retire", A_RETIRE },
	{ ROUTE_POST, "/admin/catalog/{sku}/restore", A_RESTORE },
	{ ROUTE_POST, "/admin/catalog/{sku}/artwork", A_ARTWORK },
	{ ROUTE_GET, "/admin/catalog/{sku}/preview.png", A_PREVIEW },
	{ ROUTE_GET, "/admin/models/", A_MODELS },
	{ ROUTE_POST, "/admin/models/scan", A_SCAN },
	{ ROUTE_POST, "/admin/models/{id}/activate", A_ACTIVATE },
	{ ROUTE_GET, "/admin/models/compare", A_COMPARE },
	{ ROUTE_GET, "/admin/retention/", A_RETENTION },
	{ ROUTE_POST, "/admin/retention/purge", A_PURGE },
};

void
admin_handle(struct tryon_app *a, struct http_req *r)
{
	const struct route	*rt;
	const char		*user = req_env(r, "REMOTE_USER");
	unsigned		 allow;
	enum ff_err		 er;
	char			 msg[192];

	/* The web server authenticates; a request without its user came
	 * around it (or through a server set up without auth). */
	if (user == NULL || *user == '\0') {
		req_drain(r);
		req_log(r, "admin: %s %s without REMOTE_USER refused",
		    r->method, r->path);
		req_error(r, FF_EFORBIDDEN, "The admin pages are only reachable "
		    "through the web server's login.");
		return;
	}
	er = route_find(admin_routes, sizeof(admin_routes) /
	    sizeof(admin_routes[0]), r->method, r->path, &rt, &r->params,
	    &allow);
	if (er == FF_EMETHOD) {
		req_drain(r);
		req_header(r, "Allow", "%s", route_allow(allow));
		snprintf(msg, sizeof(msg), "This admin address takes only %s "
		    "requests. Please use the links and buttons of the admin "
		    "pages.", route_allow(allow));
		req_error(r, er, msg);
		return;
	}
	if (er != FF_OK) {
		req_drain(r);
		req_error(r, FF_ENOTFOUND, "There is no admin page at this "
		    "address.");
		return;
	}
	if (r->args_bad) {
		req_drain(r);
		snprintf(msg, sizeof(msg), "The address has a malformed query: "
		    "%s.", kv_errmsg(&r->args));
		req_error(r, FF_EINPUT, msg);
		return;
	}
	switch (rt->id) {
	case A_REPORTS:		h_reports(a, r, user); break;
	case A_CHART:		h_chart(a, r); break;
	case A_EXPORT:		h_export(a, r); break;
	case A_CSS:		h_css(a, r); break;
	case A_CATALOG:		h_catalog(a, r, user); break;
	case A_FRAME_NEW:	h_frame_new(a, r, user); break;
	case A_FRAME:		h_frame_edit(a, r, user); break;
	case A_RETIRE:		h_frame_state(a, r, user, 0); break;
	case A_RESTORE:		h_frame_state(a, r, user, 1); break;
	case A_ARTWORK:		h_artwork(a, r, user); break;
	case A_PREVIEW:		h_preview(a, r); break;
	case A_MODELS:		h_models(a, r, user); break;
	case A_SCAN:		h_models_scan(a, r, user); break;
	case A_ACTIVATE:	h_models_activate(a, r, user); break;
	case A_COMPARE:		h_models_compare(a, r, user); break;
	case A_RETENTION:	h_retention(a, r, user); break;
	case A_PURGE:		h_purge(a, r, user); break;
	}
}
