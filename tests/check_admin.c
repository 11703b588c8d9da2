/*
 * check_admin.c: the parts of the admin pages that need no database.
 *
 * Access goes through the worker's router (router_handle()) over an
 * in-memory transport (struct req_io), with a worker whose database is
 * "away": a request without REMOTE_USER must get 403, a POST without a
 * valid CSRF token 403, and a POST with a valid one gets past both
 * checks (to the 503 of the missing database). The rest is tables: the
 * CSRF token's validity window, the PNG artwork checks (images drawn
 * here with libgd), CSV fields, report dates, ranges and percentiles,
 * and the frame form handler's two routes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gd.h>

#include "app/admin.h"
#include "app/app.h"
#include "app/artwork.h"
#include "app/report.h"
#include "app/router.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "http/request.h"
#include "http/route.h"
#include "view/template.h"

#include "mem_req.h"

/* A worker without templates or database: app_db() answers NULL. */
static struct tryon_app *
fake_app(void)
{
	struct tryon_app *a = xcalloc(1, sizeof(*a));

	memset(a->secret, 0x42, sizeof(a->secret));
	a->db_retry = 1e300;
	a->det_retry = 1e300;
	a->models = xstrdup("/nonexistent");
	a->static_dir = xstrdup("/nonexistent");
	return a;
}

static void
fake_free(struct tryon_app *a)
{
	free(a->models);
	free(a->static_dir);
	free(a);
}

/* Run one request; returns its status line's code. */
static int
run(struct tryon_app *a, const char *const *env, const char *body,
    struct buf *out)
{
	struct mem		 m;
	struct req_io		 io = { m_param, m_read, m_write, &m };
	struct http_req		 r;
	size_t			 i;
	int			 status;

	memset(&m, 0, sizeof(m));
	for (i = 0; env[i] != NULL; i++)
		m.env[i] = env[i];
	m.body = body != NULL ? body : "";
	m.body_len = strlen(m.body);
	buf_init(&m.out);
	req_init(&r, &io);
	router_handle(a, &r);
	req_finish(&r);
	status = r.status;
	req_free(&r);
	if (out != NULL) {
		buf_reset(out);
		buf_append(out, m.out.ptr ? m.out.ptr : "", m.out.len);
	}
	buf_free(&m.out);
	return status;
}

START_TEST(t_no_remote_user)
{
	static const char *const paths[] = { "/admin/", "/admin/catalog/",
	    "/admin/export/frames.csv", "/admin/chart/tryons_by_day.svg",
	    "/admin/no/such/page" };
	struct tryon_app	*a = fake_app();
	struct buf		 out;
	size_t			 i;

	buf_init(&out);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *env[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
		    paths[i], NULL };

		ck_assert_int_eq(run(a, env, NULL, &out), 403);
		ck_assert_ptr_nonnull(strstr(out.ptr, "Status: 403 Forbidden\r\n"));
	}
	/* An empty REMOTE_USER is no user either, and a POST is refused
	 * before its body is looked at. */
	{
		const char *env[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
		    "/admin/retention/purge", "REMOTE_USER", "",
		    "CONTENT_TYPE", "application/x-www-form-urlencoded", NULL };

		ck_assert_int_eq(run(a, env, "csrf=x", &out), 403);
	}
	/* With a user the same GET gets past the check: 503, the
	 * database is away. */
	{
		const char *env[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
		    "/admin/", "REMOTE_USER", "alice", NULL };

		ck_assert_int_eq(run(a, env, NULL, &out), 503);
	}
	buf_free(&out);
	fake_free(a);
}
END_TEST

START_TEST(t_csrf_post)
{
	struct tryon_app	*a = fake_app();
	struct buf		 out, body;
	char			 tok[44], other[44];
	const char *env[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/admin/retention/purge", "REMOTE_USER", "alice", "CONTENT_TYPE",
	    "application/x-www-form-urlencoded", "HTTP_HOST", "admin.example",
	    NULL, NULL, NULL };

	buf_init(&out);
	buf_init(&body);
	admin_csrf_token(a, "alice", (long long)time(NULL), tok);
	admin_csrf_token(a, "bob", (long long)time(NULL), other);
	ck_assert_int_eq(run(a, env, "", &out), 403);
	ck_assert_int_eq(run(a, env, "csrf=", &out), 403);
	ck_assert_int_eq(run(a, env, "csrf=forged", &out), 403);
	buf_printf(&body, "csrf=%s", other);
	ck_assert_int_eq(run(a, env, body.ptr, &out), 403);
	/* Alice's own token passes (503: no database behind it). */
	buf_reset(&body);
	buf_printf(&body, "csrf=%s", tok);
	ck_assert_int_eq(run(a, env, body.ptr, &out), 503);
	/* The same token from another site's page is refused. */
	env[10] = "HTTP_ORIGIN";
	env[11] = "https://evil.example";
	ck_assert_int_eq(run(a, env, body.ptr, &out), 403);
	env[11] = "http://admin.example";
	ck_assert_int_eq(run(a, env, body.ptr, &out), 503);
	/* A GET-only page refuses POST with 405, after the user check. */
	env[3] = "/admin/";
	ck_assert_int_eq(run(a, env, body.ptr, &out), 405);
	buf_free(&out);
	buf_free(&body);
	fake_free(a);
}
END_TEST

/*
 * Deleting one shopper's photo: the form takes the try-on link in any of
 * its forms, or the bare code (503 here: it gets as far as the database,
 * which the fake worker has not); anything else is 400 before the
 * database, and no CSRF token is 403.
 */
static const struct {
	const char	*photo;		/* urlencoded */
	int		 status;
} deletes[] = {
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 503 },
	{ "+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", 503 },
	{ "https%3A%2F%2Fshop.example%2Ft%2Fab-_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", 503 },
	{ "%2Ft%2FAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%2FFF-RND-4721-TOR.jpg%3Fpd%3D62", 503 },
	{ "https%3A%2F%2Fshop.example%2Ft%2FAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3Fframe%3DX", 503 },
	{ "", 400 },
	{ "AAAA", 400 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 400 },	/* 33 characters */
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%21", 400 },
	{ "https%3A%2F%2Fshop.example%2Fadmin%2F", 400 },
};

START_TEST(t_delete_one)
{
	struct tryon_app	*a = fake_app();
	struct buf		 out, body;
	char			 tok[44];
	const char *env[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/admin/retention/purge", "REMOTE_USER", "alice", "CONTENT_TYPE",
	    "application/x-www-form-urlencoded", NULL };

	buf_init(&out);
	buf_init(&body);
	admin_csrf_token(a, "alice", (long long)time(NULL), tok);
	buf_printf(&body, "photo=%s", deletes[_i].photo);
	ck_assert_int_eq(run(a, env, body.ptr, &out), 403);
	buf_reset(&body);
	buf_printf(&body, "csrf=%s&photo=%s", tok, deletes[_i].photo);
	ck_assert_int_eq(run(a, env, body.ptr, &out), deletes[_i].status);
	if (deletes[_i].status == 400)
		ck_assert_ptr_nonnull(strstr(out.ptr, "32-character code"));
	buf_free(&out);
	buf_free(&body);
	fake_free(a);
}
END_TEST

START_TEST(t_csrf_window)
{
	struct tryon_app	*a = fake_app();
	long long		 now = 1764072000;	/* 2025-11-25 12:00 UTC */
	char			 t[44];

	admin_csrf_token(a, "alice", now, t);
	ck_assert_uint_eq(strlen(t), 43);
	ck_assert(admin_csrf_ok(a, "alice", t, now));
	ck_assert(admin_csrf_ok(a, "alice", t, now + 86400));	/* next day */
	ck_assert(!admin_csrf_ok(a, "alice", t, now + 2 * 86400));
	ck_assert(!admin_csrf_ok(a, "alice", t, now - 86400));
	ck_assert(!admin_csrf_ok(a, "alicia", t, now));
	ck_assert(!admin_csrf_ok(a, "alice", NULL, now));
	ck_assert(!admin_csrf_ok(a, NULL, t, now));
	t[42] = t[42] == 'A' ? 'B' : 'A';
	ck_assert(!admin_csrf_ok(a, "alice", t, now));
	t[42] = '\0';
	ck_assert(!admin_csrf_ok(a, "alice", t, now));
	/* Another secret, another token. */
	admin_csrf_token(a, "alice", now, t);
	a->secret[0] ^= 1;
	ck_assert(!admin_csrf_ok(a, "alice", t, now));
	fake_free(a);
}
END_TEST

/* ---- Artwork ---- */

enum art { ART_RGBA, ART_RGB, ART_PALETTE_TRNS, ART_OPAQUE_RGBA, ART_WIDE,
	ART_JPEG, ART_TRUNCATED, ART_EMPTY, ART_HUGE };

/* A frame-like picture: transparent, with an opaque ring on the left
 * and right (a quarter of the pixels at most). */
static void *
art_make(enum art kind, int *len)
{
	gdImagePtr	 im;
	void		*p;
	int		 w = kind == ART_WIDE ? 2001 : 200, h = 80, clear, ink;

	if (kind == ART_PALETTE_TRNS) {
		im = gdImageCreate(w, h);
		clear = gdImageColorAllocate(im, 255, 255, 255);
		gdImageColorTransparent(im, clear);
		ink = gdImageColorAllocate(im, 20, 20, 20);
	} else {
		im = gdImageCreateTrueColor(w, h);
		gdImageAlphaBlending(im, 0);
		gdImageSaveAlpha(im, kind != ART_RGB);
		clear = kind == ART_OPAQUE_RGBA || kind == ART_RGB ?
		    gdTrueColorAlpha(255, 255, 255, 0) :
		    gdTrueColorAlpha(255, 255, 255, 127);
		ink = gdTrueColorAlpha(20, 20, 20, 0);
	}
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, clear);
	gdImageSetThickness(im, 6);
	gdImageEllipse(im, w / 4, h / 2, w / 2 - 10, h - 10, ink);
	gdImageEllipse(im, 3 * w / 4, h / 2, w / 2 - 10, h - 10, ink);
	if (kind == ART_JPEG)
		p = gdImageJpegPtr(im, len, 80);
	else
		p = gdImagePngPtr(im, len);
	gdImageDestroy(im);
	if (kind == ART_TRUNCATED)
		*len = 60;
	return p;
}

static const struct {
	enum art	 kind;
	enum ff_err	 want;
	const char	*why;	/* a word of the message */
} arts[] = {
	{ ART_RGBA, FF_OK, NULL },
	{ ART_PALETTE_TRNS, FF_OK, NULL },
	{ ART_RGB, FF_EINPUT, "alpha" },
	{ ART_OPAQUE_RGBA, FF_EINPUT, "see-through" },
	{ ART_WIDE, FF_EINPUT, "2000" },
	{ ART_JPEG, FF_EMEDIATYPE, "PNG" },
	{ ART_TRUNCATED, FF_EIMAGE, "damaged" },
	{ ART_EMPTY, FF_EINPUT, "choose" },
	{ ART_HUGE, FF_ETOOBIG, "2 MB" },
};

START_TEST(t_artwork)
{
	const char	*why = NULL;
	void		*p = NULL;
	int		 len = 0, w = -1, h = -1;
	enum ff_err	 er;

	if (arts[_i].kind == ART_HUGE) {
		/* A valid signature and header, then 2 MB + 1 of padding:
		 * refused on size before any decoding. */
		void *rgba = art_make(ART_RGBA, &len);

		p = xcalloc(1, ARTWORK_MAX_BYTES + 1);
		memcpy(p, rgba, (size_t)len);
		gdFree(rgba);
		er = artwork_check(p, ARTWORK_MAX_BYTES + 1, &w, &h,
		    &why);
		free(p);
		p = NULL;
	} else if (arts[_i].kind == ART_EMPTY)
		er = artwork_check(NULL, 0, &w, &h, &why);
	else {
		p = art_make(arts[_i].kind, &len);
		er = artwork_check(p, (size_t)len, &w, &h, &why);
	}
	ck_assert_msg(er == arts[_i].want, "row %d: got %d, want %d (%s)", _i,
	    er, arts[_i].want, why ? why : "");
	if (arts[_i].want == FF_OK) {
		ck_assert_int_eq(w, 200);
		ck_assert_int_eq(h, 80);
	} else {
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, arts[_i].why) != NULL,
		    "row %d: '%s' lacks '%s'", _i, why, arts[_i].why);
		ck_assert_int_eq(w, 0);
	}
	if (p != NULL)
		gdFree(p);
}
END_TEST

/* ---- CSV ---- */

static const struct {
	const char *in, *want;
} csvs[] = {
	{ "plain", "plain" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "two\nlines", "\"two\nlines\"" },
	{ "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"" },
	{ "+1", "\"'+1\"" },
	{ "-2", "\"'-2\"" },
	{ "@SUM", "\"'@SUM\"" },
	{ "\t=1+2", "\"'\t=1+2\"" },
	{ "\r=1+2", "\"'\r=1+2\"" },
	{ "a\tb", "a\tb" },
	{ "FF-AVI-5814-GLD", "FF-AVI-5814-GLD" },
	{ "", "" },
};

START_TEST(t_csv)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	admin_csv_field(&b, csvs[_i].in);
	ck_assert_str_eq(b.ptr, csvs[_i].want);
	buf_free(&b);
}
END_TEST

/* ---- Report helpers ---- */

static const struct {
	const char	*s;
	long long	 want;
} dates[] = {
	{ "1970-01-01", 0 },
	{ "2026-11-25", 1795564800 },
	{ "2024-02-29", 1709164800 },
	{ "2000-02-29", 951782400 },
	{ "2023-02-29", -1 },
	{ "1900-02-28", -1 },
	{ "2026-13-01", -1 },
	{ "2026-00-10", -1 },
	{ "2026-04-31", -1 },
	{ "2026-4-30", -1 },
	{ "2026-04-30 ", -1 },
	{ "20260430", -1 },
	{ "2026/04/30", -1 },
	{ "", -1 },
	{ NULL, -1 },
};

START_TEST(t_date)
{
	ck_assert_msg(report_date(dates[_i].s) == dates[_i].want,
	    "row %d: %s -> %lld", _i, dates[_i].s ? dates[_i].s : "NULL",
	    report_date(dates[_i].s));
}
END_TEST

START_TEST(t_range)
{
	struct report_range	r;
	long long		now = 1795564800 + 15 * 3600;	/* 2026-11-25 15:00 */

	ck_assert_int_eq(report_range_parse(NULL, NULL, now, &r), FF_OK);
	ck_assert_str_eq(r.to_s, "2026-11-25");
	ck_assert_str_eq(r.from_s, "2026-10-27");
	ck_assert_int_eq(r.days, REPORT_DEFAULT_DAYS);
	ck_assert(r.to == 1795564800 + 86400);
	ck_assert_int_eq(report_range_parse("2026-11-01", "2026-11-03", now, &r),
	    FF_OK);
	ck_assert_int_eq(r.days, 3);
	ck_assert(r.from == report_date("2026-11-01"));
	ck_assert_int_eq(report_range_parse("2026-11-03", "2026-11-03", now, &r),
	    FF_OK);
	ck_assert_int_eq(r.days, 1);
	ck_assert_int_eq(report_range_parse("", "2026-01-30", now, &r), FF_OK);
	ck_assert_str_eq(r.from_s, "2026-01-01");
	ck_assert_int_eq(report_range_parse("2026-11-04", "2026-11-03", now, &r),
	    FF_EINPUT);
	ck_assert_int_eq(report_range_parse("2020-01-01", "2026-11-03", now, &r),
	    FF_EINPUT);
	ck_assert_int_eq(report_range_parse("yesterday", NULL, now, &r),
	    FF_EINPUT);
	ck_assert_int_eq(report_range_parse(NULL, "2026-02-30", now, &r),
	    FF_EINPUT);
}
END_TEST

static const double sorted10[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static const struct {
	size_t	n;
	double	p, want;
} pcts[] = {
	{ 10, 50, 5 },
	{ 10, 95, 10 },
	{ 10, 99, 10 },
	{ 10, 10, 1 },
	{ 10, 11, 2 },
	{ 10, 100, 10 },
	{ 9, 50, 5 },
	{ 4, 50, 2 },
	{ 1, 99, 1 },
	{ 0, 50, 0 },
};

START_TEST(t_percentile)
{
	ck_assert_double_eq(report_percentile(sorted10, pcts[_i].n, pcts[_i].p),
	    pcts[_i].want);
}
END_TEST

START_TEST(t_laggards)
{
	struct report_frame	f[4] = {
		{ .sku = "A", .tryons = 50, .clicks = 1 },	/* 2 % */
		{ .sku = "B", .tryons = 30, .clicks = 9 },	/* 30 % */
		{ .sku = "C", .tryons = 10, .clicks = 0 },	/* 0 % */
		{ .sku = "D", .tryons = 0, .clicks = 0 },
	};
	struct report		rep = { .frames = f, .nframes = 4,
	    .tryons = 90, .clicks = 10 };			/* 11.1 % */
	size_t			idx[4], n;

	n = report_laggards(&rep, idx, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(idx[0], 0);
	ck_assert_uint_eq(idx[1], 2);
	ck_assert_uint_eq(report_laggards(&rep, idx, 1), 1);
	ck_assert_double_eq_tol(report_ctr(1, 3), 33.333, 0.001);
	ck_assert_double_eq(report_ctr(5, 0), 0);
}
END_TEST

/*
 * The one frame form handler, called as a router would: /admin/catalog/new
 * (no {sku}) shows the form of a new frame without the database; a POST
 * there checks the CSRF token first. /admin/catalog/{sku} needs the
 * database first (503 here), whatever the method.
 */
/* A whole frame form after the token: lens width, lens height, bridge,
 * total width and price go into the five %s. */
#define FULL_FORM	"&sku=FF-TST-5218&name=Test+Red+Rectangle&brand=Test" \
	"&style=rectangle&rim_rgb=%%23b0202a&tint_rgb=%%23ffffff&rim_mm=4.5" \
	"&tint_opacity=0&lens_width_mm=%s&lens_height_mm=%s&bridge_mm=%s" \
	"&total_width_mm=%s&price=%s" \
	"&product_url=https%%3A%%2F%%2Fshop.example%%2Fframes%%2FFF-TST-5218" \
	"&active=1"

/*
 * A new frame's form is judged before the database is needed: a form
 * the catalog's rule refuses is shown again (422) with each problem
 * beside its field, one it takes goes on to the database (503 here).
 */
static const struct {
	const char	*method;
	const char	*path;
	int		 csrf;		/* send a valid token */
	const char	*sizes[4];	/* NULL: a form of the SKU alone */
	int		 status;
	const char	*body;		/* in the answer, or NULL */
	const char	*price;		/* NULL: 99.50 */
} frame_forms[] = {
	{ "GET", "/admin/catalog/new", 0, { NULL }, 200,
	    "action=/admin/catalog/new|editing=|price=129.00|total=140.0|"
	    "terr=|herr=|perr=|error=|", NULL },
	{ "HEAD", "/admin/catalog/new", 0, { NULL }, 200, NULL, NULL },
	{ "POST", "/admin/catalog/new", 0, { NULL }, 403, NULL, NULL },
	{ "POST", "/admin/catalog/new", 1, { NULL }, 422,
	    "|error=13 fields need a change: see the messages beside them.|",
	    NULL },
	{ "POST", "/admin/catalog/new", 1, { "52", "38", "18", "140" }, 503,
	    NULL, NULL },
	/* The impossible frame: the typed values stay. */
	{ "POST", "/admin/catalog/new", 1, { "52", "38", "18", "90" }, 422,
	    "|total=90|terr=The total width is 90 mm, too narrow for what it "
	    "holds: two 52 mm lenses and an 18 mm bridge are 122 mm before the "
	    "end pieces at both sides. It should be near 140 mm (126 to 162 "
	    "mm).|herr=|perr=|error=One field needs a change: see the message "
	    "beside it.|", NULL },
	{ "POST", "/admin/catalog/new", 1, { "52", "60", "18", "190" }, 422,
	    "|total=190|terr=The total width is 190 mm, too wide for two 52 mm "
	    "lenses and an 18 mm bridge (122 mm) with end pieces of at most 20 "
	    "mm a side. It should be near 140 mm (126 to 162 mm).|herr=The "
	    "lens height is 60 mm, more than the lens width of 52 mm", NULL },
	{ "POST", "/admin/catalog/new", 1, { "52", "38", "18", "1e999" }, 422,
	    "|terr=The total width must be a number, like 12.5.|", NULL },
	/* A decimal comma, as the shopper's PD field takes it: the form
	 * goes on to the database. */
	{ "POST", "/admin/catalog/new", 1, { "52,5", "38,5", "18", "141,5" },
	    503, NULL, "99,50" },
	{ "POST", "/admin/catalog/new", 1, { "52,5", "38", "18", "90" }, 422,
	    "|total=90|terr=The total width is 90 mm, too narrow for what it "
	    "holds: two 52.5 mm lenses and an 18 mm bridge are 123 mm before "
	    "the end pieces at both sides. It should be near 141 mm (127 to "
	    "163 mm).|", NULL },
	/* The range in plain numbers, never "1e+06". */
	{ "POST", "/admin/catalog/new", 1, { "52", "38", "18", "140" }, 422,
	    "|perr=The price must be a number from 0 to 1000000.|", "2000000" },
	{ "POST", "/admin/catalog/new", 1, { "52", "38", "18", "140" }, 422,
	    "|perr=The price 1,000 could mean 1000 or 1: please write it "
	    "without a thousands separator.|", "1,000" },
	{ "POST", "/admin/catalog/new", 1, { "52", "38", "18", "140" }, 503,
	    NULL, "1000" },
	{ "GET", "/admin/catalog/FF-RND-4721-TOR", 0, { NULL }, 503, NULL,
	    NULL },
	{ "POST", "/admin/catalog/FF-RND-4721-TOR", 0, { NULL }, 503, NULL,
	    NULL },
	{ "POST", "/admin/catalog/FF-RND-4721-TOR", 1, { NULL }, 503, NULL,
	    NULL },
};

START_TEST(t_frame_form)
{
	static const struct route routes[] = {
		{ ROUTE_GET | ROUTE_POST, "/admin/catalog/new", 0 },
		{ ROUTE_GET | ROUTE_POST, "/admin/catalog/{sku}", 1 },
	};
	struct tryon_app	*a = fake_app();
	struct tpl_set		*tpl = tpl_set_new();
	const struct route	*rt;
	struct mem		 m;
	struct req_io		 io = { m_param, m_read, m_write, &m };
	struct http_req		 r;
	struct buf		 body;
	char			 tok[44];
	const char *env[] = { "REQUEST_METHOD", frame_forms[_i].method,
	    "REQUEST_URI", frame_forms[_i].path, "REMOTE_USER", "alice",
	    "CONTENT_TYPE", "application/x-www-form-urlencoded", "HTTP_HOST",
	    "admin.example", NULL };
	size_t			 i;

	ck_assert_int_eq(tpl_set_add_string(tpl, "admin_frame",
	    "action={{action}}|editing={{#editing}}yes{{/editing}}|"
	    "price={{f.price}}|total={{f.total_width_mm}}|"
	    "terr={{err.total_width_mm}}|herr={{err.lens_height_mm}}|"
	    "perr={{err.price}}|error={{error}}|", NULL), FF_OK);
	ck_assert_int_eq(tpl_set_link(tpl, NULL), FF_OK);
	buf_init(&body);
	admin_csrf_token(a, "alice", (long long)time(NULL), tok);
	buf_printf(&body, "csrf=%s", frame_forms[_i].csrf ? tok : "no");
	if (frame_forms[_i].sizes[0] == NULL)
		buf_puts(&body, "&sku=X");
	else
		buf_printf(&body, FULL_FORM, frame_forms[_i].sizes[0],
		    frame_forms[_i].sizes[1], frame_forms[_i].sizes[2],
		    frame_forms[_i].sizes[3], frame_forms[_i].price != NULL ?
		    frame_forms[_i].price : "99.50");
	memset(&m, 0, sizeof(m));
	for (i = 0; env[i] != NULL; i++)
		m.env[i] = env[i];
	m.body = body.ptr;
	m.body_len = body.len;
	buf_init(&m.out);
	req_init(&r, &io);
	r.tpl = tpl;
	ck_assert_int_eq(route_find(routes, 2, r.method, r.path, &rt, &r.params,
	    NULL), FF_OK);
	ck_assert_int_eq(rt->id, strcmp(frame_forms[_i].path,
	    "/admin/catalog/new") != 0);
	admin_frame_form(a, &r);
	req_finish(&r);
	ck_assert_int_eq(r.status, frame_forms[_i].status);
	if (frame_forms[_i].body != NULL) {
		buf_putc(&m.out, '\0');
		ck_assert_msg(strstr(m.out.ptr, frame_forms[_i].body) != NULL,
		    "row %d: %s", _i, m.out.ptr);
	}
	req_free(&r);
	buf_free(&m.out);
	buf_free(&body);
	tpl_set_free(tpl);
	fake_free(a);
}
END_TEST

/* The shipped templates (templates/ of the source tree), as a worker
 * loads them. */
static struct tpl_set *
real_templates(void)
{
	const char	*src = getenv("srcdir");
	char		 dir[4096];
	struct tpl_set	*set;
	struct buf	 msg;
	enum ff_err	 er;

	snprintf(dir, sizeof(dir), "%s/templates", src != NULL && *src != '\0' ?
	    src : FF_DATADIR);
	buf_init(&msg);
	set = tpl_load_dir(dir, &er, &msg);
	ck_assert_msg(set != NULL, "%s: %s", dir, msg.ptr);
	buf_free(&msg);
	return set;
}

/*
 * Admin errors stay in the admin: the admin's layout (its navigation,
 * the section marked), a button back to the section's page, the user
 * when known; JSON for a client that asks for it, as everywhere.
 */
static const struct {
	const char	*method;
	const char	*path;
	const char	*user;		/* REMOTE_USER; NULL: none */
	const char	*accept;	/* NULL: none */
	int		 status;
	const char	*want[4];	/* in the answer */
	const char	*never;		/* not in it; NULL: no check */
} admin_errors[] = {
	{ "GET", "/admin/no/such/page", "alice", NULL, 404,
	    { "<nav class=\"admin-nav\"", "id=\"back\" href=\"/admin/\">Back "
	      "to the reports</a>", "There is no admin page at "
	      "this address.", "Signed in as <strong>alice</strong>" },
	    "Back to the try-on" },
	{ "GET", "/admin/catalog/FF-NOPE", "alice", NULL, 503,
	    { "<h1 id=\"err\">Not available just now</h1>", "id=\"back\" "
	      "href=\"/admin/catalog/\">Back to the catalog</a>",
	      "href=\"/admin/catalog/\" aria-current=\"page\">Catalog</a>",
	      "Retry-After: 10" }, "Back to the try-on" },
	{ "GET", "/admin/models/", "alice", NULL, 503,
	    { "id=\"back\" href=\"/admin/models/\">Back to the models</a>",
	      "href=\"/admin/models/\" aria-current=\"page\">Models</a>" },
	    NULL },
	/* No user: refused, still in the admin's layout, nobody named. */
	{ "GET", "/admin/", NULL, NULL, 403,
	    { "<nav class=\"admin-nav\"", "<h1 id=\"err\">That was refused"
	      "</h1>" }, "Signed in as" },
	{ "POST", "/admin/retention/purge", "alice", NULL, 403,
	    { "id=\"back\" href=\"/admin/retention/\">Back to retention</a>",
	      "HTTP 403 Forbidden" }, NULL },
	{ "DELETE", "/admin/catalog/", "alice", NULL, 405,
	    { "id=\"back\" href=\"/admin/catalog/\"" }, NULL },
	{ "GET", "/admin/no/such/page", "alice", "application/json", 404,
	    { "Content-Type: application/json", "{\"error\":{\"code\":"
	      "\"not_found\",\"message\":\"There is no admin page at this "
	      "address.\"}}" }, "<nav" },
	/* The shop's errors keep the shop's page. */
	{ "GET", "/no/such/page", NULL, NULL, 404, { "</html>" },
	    "admin-nav" },
};

START_TEST(t_admin_error)
{
	struct tryon_app	*a = fake_app();
	struct buf		 out;
	const char		*env[16] = { "REQUEST_METHOD",
	    admin_errors[_i].method, "REQUEST_URI", admin_errors[_i].path,
	    "HTTP_HOST", "admin.example", "CONTENT_TYPE",
	    "application/x-www-form-urlencoded", NULL };
	int			 n = 8, i;

	a->tpl = real_templates();
	if (admin_errors[_i].user != NULL) {
		env[n++] = "REMOTE_USER";
		env[n++] = admin_errors[_i].user;
	}
	if (admin_errors[_i].accept != NULL) {
		env[n++] = "HTTP_ACCEPT";
		env[n++] = admin_errors[_i].accept;
	}
	env[n] = NULL;
	buf_init(&out);
	ck_assert_int_eq(run(a, env, "csrf=forged", &out),
	    admin_errors[_i].status);
	buf_putc(&out, '\0');
	for (i = 0; i < 4 && admin_errors[_i].want[i] != NULL; i++)
		ck_assert_msg(strstr(out.ptr, admin_errors[_i].want[i]) != NULL,
		    "row %d: no %s in\n%s", _i, admin_errors[_i].want[i],
		    out.ptr);
	if (admin_errors[_i].never != NULL)
		ck_assert_msg(strstr(out.ptr, admin_errors[_i].never) == NULL,
		    "row %d: %s in\n%s", _i, admin_errors[_i].never, out.ptr);
	buf_free(&out);
	tpl_set_free(a->tpl);
	fake_free(a);
}
END_TEST

/* The impossible frame on the real form: 422, the message
 * beside the total width (and nowhere else), every typed value kept. */
START_TEST(t_frame_form_page)
{
	struct tryon_app	*a = fake_app();
	struct buf		 out, body;
	char			 tok[44];
	const char		*p;
	int			 n = 0;
	const char *env[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/admin/catalog/new", "REMOTE_USER", "alice", "CONTENT_TYPE",
	    "application/x-www-form-urlencoded", "HTTP_HOST", "admin.example",
	    NULL };

	a->tpl = real_templates();
	buf_init(&out);
	buf_init(&body);
	admin_csrf_token(a, "alice", (long long)time(NULL), tok);
	buf_printf(&body, "csrf=%s", tok);
	buf_printf(&body, FULL_FORM, "52", "38", "18", "90", "99.50");
	ck_assert_int_eq(run(a, env, body.ptr, &out), 422);
	buf_putc(&out, '\0');
	ck_assert_ptr_nonnull(strstr(out.ptr, "name=\"total_width_mm\" "
	    "value=\"90\" pattern=\"\\s*[0-9]*([.,][0-9]*)?\\s*\" title=\"A "
	    "number from 80 to 200 mm; a decimal point or comma, such as 140.5 "
	    "or 140,5\" autocomplete=\"off\" required aria-invalid=\"true\" "
	    "aria-describedby=\"err-total_width_mm\">"
	    "<span class=\"field-error\" id=\"err-total_width_mm\">The total "
	    "width is 90 mm, too narrow for what it holds: two 52 mm lenses "
	    "and an 18 mm bridge are 122 mm before the end pieces at both "
	    "sides. It should be near 140 mm (126 to 162 mm).</span>"));
	for (p = out.ptr; (p = strstr(p, "class=\"field-error\"")) != NULL; p++)
		n++;
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(out.ptr, "name=\"lens_width_mm\" "
	    "value=\"52\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "name=\"bridge_mm\" "
	    "value=\"18\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "value=\"Test Red Rectangle\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "value=\"FF-TST-5218\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "<option value=\"rectangle\" "
	    "selected>"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "One field needs a change"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "<nav class=\"admin-nav\""));
	/* "On sale" read as "discounted" beside the feed's sale prices. */
	ck_assert_ptr_nonnull(strstr(out.ptr, "value=\"1\" checked> In the "
	    "shop (shown to shoppers)</label>"));
	ck_assert_ptr_null(strstr(out.ptr, "On sale"));
	buf_free(&body);
	buf_free(&out);
	tpl_set_free(a->tpl);
	fake_free(a);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("admin");
	TCase	*t = tcase_create("core");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, t_no_remote_user);
	tcase_add_test(t, t_csrf_post);
	tcase_add_test(t, t_csrf_window);
	tcase_add_loop_test(t, t_frame_form, 0,
	    sizeof(frame_forms) / sizeof(frame_forms[0]));
	tcase_add_loop_test(t, t_artwork, 0, sizeof(arts) / sizeof(arts[0]));
	tcase_add_loop_test(t, t_csv, 0, sizeof(csvs) / sizeof(csvs[0]));
	tcase_add_loop_test(t, t_delete_one, 0,
	    sizeof(deletes) / sizeof(deletes[0]));
	tcase_add_loop_test(t, t_date, 0, sizeof(dates) / sizeof(dates[0]));
	tcase_add_test(t, t_range);
	tcase_add_loop_test(t, t_percentile, 0, sizeof(pcts) / sizeof(pcts[0]));
	tcase_add_test(t, t_laggards);
	suite_add_tcase(s, t);

	t = tcase_create("pages");
	tcase_set_timeout(t, 30);
	tcase_add_loop_test(t, t_admin_error, 0,
	    sizeof(admin_errors) / sizeof(admin_errors[0]));
	tcase_add_test(t, t_frame_form_page);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner	*r = srunner_create(suite());
	int	 failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}
