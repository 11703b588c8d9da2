/*
 * check_frames.c: frames drawn on faces (src/render/), table-driven.
 *
 * Numbers first: style names, the mm-to-pixel scale, the roll of the eye
 * line and the input checks, each a table of exact values (the fit hint
 * is tests/check_fit.c).
 * The coverage rasteriser is checked against areas worked out by hand.
 * Then the drawing itself: real size and placement measured on a plain
 * background, the tint filtering the photo at the pupil, the contact
 * shadow and the temples (hidden on the far side of a turned head)
 * measured, the yaw from the mouth as a table, and golden images of
 * every style (plus a rolled face, a turned face, a small face, artwork
 * on a frontal and a turned face, and a thumbnail) on a fixed 320x240
 * gradient, compared per pixel with tests/golden/frames/<name>.png.
 *
 * Regenerate the goldens after a deliberate change of the drawing with
 *     FF_UPDATE_GOLDEN=1 ./tests/check_frames
 * and look at them before committing. A failing golden comparison leaves
 * what was drawn in tests/frames-<name>.actual.png of the build tree.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "render/frame.h"
#include "render/frame_sizes.h"
#include "render/frames.h"
#include "frames_catalog.h"
#include "render/raster.h"

#define LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Per-channel difference (alpha included) a golden pixel may have. */
#define GOLDEN_TOL	3

/* ---- Helpers ---- */

/* The fixed background of the golden images: a cool gray gradient. */
static gdImagePtr
background(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	int x, y, g;

	ck_assert_ptr_nonnull(im);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			g = 110 + x * 100 / w - y * 40 / h;
			gdImageSetPixel(im, x, y, gdTrueColor(g, g + 5, g + 12));
		}
	return im;
}

/* A uniform opaque image. */
static gdImagePtr
plain(int w, int h, int rgb)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	ck_assert_ptr_nonnull(im);
	gdImageAlphaBlending(im, 0);
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, rgb);
	return im;
}

/*
 * Artwork as a catalog would upload it: 280x100 px for 140 mm, a front
 * view with alpha: translucent brown lenses in opaque dark rims.
 */
static gdImagePtr
artwork(void)
{
	gdImagePtr a = gdImageCreateTrueColor(280, 100);
	int rim = gdTrueColorAlpha(40, 30, 90, 0);
	int lens = gdTrueColorAlpha(120, 70, 20, 80);
	int side;

	ck_assert_ptr_nonnull(a);
	gdImageAlphaBlending(a, 0);
	gdImageSaveAlpha(a, 1);
	gdImageFilledRectangle(a, 0, 0, 279, 99,
	    gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent));
	for (side = -1; side <= 1; side += 2) {
		gdImageFilledEllipse(a, 140 + side * 68, 50, 112, 90, rim);
		gdImageFilledEllipse(a, 140 + side * 68, 50, 100, 78, lens);
		gdImageFilledRectangle(a, 140 + side * 124, 30,
		    140 + side * 139, 38, rim);
	}
	gdImageFilledRectangle(a, 128, 34, 152, 40, rim);
	return a;
}

static gdImagePtr
load_png(const char *path)
{
	gdImagePtr im;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	im = gdImageCreateFromPng(f);
	fclose(f);
	return im;
}

static void
save_png(gdImagePtr im, const char *path)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	gdImageSaveAlpha(im, 1);
	gdImagePng(im, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The source tree: $srcdir under `make check`, else configure's. */
static const char *
srcdir(void)
{
	const char *s = getenv("srcdir");

	return s != NULL && *s != '\0' ? s : FF_DATADIR;
}

/* The larger of |a - b| and m. */
static int
chan_diff(int a, int b, int m)
{
	return abs(a - b) > m ? abs(a - b) : m;
}

/*
 * Compare `im` with tests/golden/frames/<name>.png, pixel by pixel, all
 * four channels; or write it there under FF_UPDATE_GOLDEN=1.
 */
static void
assert_golden(gdImagePtr im, const char *name)
{
	char path[4096], actual[512];
	gdImagePtr g;
	int x, y, p, q, d, maxd = 0, bad = 0, bx = -1, by = -1;
	const char *up = getenv("FF_UPDATE_GOLDEN");

	actual[0] = '\0';
	snprintf(path, sizeof(path), "%s/tests/golden/frames/%s.png",
	    srcdir(), name);
	if (up != NULL && strcmp(up, "1") == 0) {
		save_png(im, path);
		fprintf(stderr, "check_frames: wrote %s\n", path);
		return;
	}
	g = load_png(path);
	ck_assert_msg(g != NULL, "missing golden %s (FF_UPDATE_GOLDEN=1 "
	    "makes it)", path);
	ck_assert_int_eq(gdImageSX(g), gdImageSX(im));
	ck_assert_int_eq(gdImageSY(g), gdImageSY(im));
	for (y = 0; y < gdImageSY(im); y++)
		for (x = 0; x < gdImageSX(im); x++) {
			p = gdImageGetTrueColorPixel(im, x, y);
			q = gdImageGetTrueColorPixel(g, x, y);
			d = chan_diff(gdTrueColorGetRed(p), gdTrueColorGetRed(q), 0);
			d = chan_diff(gdTrueColorGetGreen(p),
			    gdTrueColorGetGreen(q), d);
			d = chan_diff(gdTrueColorGetBlue(p),
			    gdTrueColorGetBlue(q), d);
			d = chan_diff(gdTrueColorGetAlpha(p),
			    gdTrueColorGetAlpha(q), d);
			if (d > maxd) {
				maxd = d;
				bx = x;
				by = y;
			}
			bad += d > GOLDEN_TOL;
		}
	gdImageDestroy(g);
	if (bad > 0) {
		snprintf(actual, sizeof(actual), "tests/frames-%s.actual.png",
		    name);
		save_png(im, actual);
	}
	ck_assert_msg(bad == 0, "%s: %d pixels differ by more than %d, the "
	    "most (%d) at (%d,%d); see %s", name, bad, GOLDEN_TOL, maxd, bx,
	    by, actual);
}

/* Every pixel of a and b equal? */
static int
same_pixels(gdImagePtr a, gdImagePtr b)
{
	int x, y;

	for (y = 0; y < gdImageSY(a); y++)
		for (x = 0; x < gdImageSX(a); x++)
			if (gdImageGetTrueColorPixel(a, x, y) !=
			    gdImageGetTrueColorPixel(b, x, y))
				return 0;
	return 1;
}

/* ---- Style names ---- */

static const struct {
	enum frame_style	 st;
	const char		*name;
} styles[] = {
	{ FRAME_ROUND, "round" },
	{ FRAME_RECTANGLE, "rectangle" },
	{ FRAME_AVIATOR, "aviator" },
	{ FRAME_CATEYE, "cateye" },
	{ FRAME_BROWLINE, "browline" },
	{ FRAME_RIMLESS, "rimless" },
};

START_TEST(test_style_names)
{
	ck_assert_int_eq(LEN(styles), FRAME_STYLE__MAX);
	ck_assert_str_eq(frame_style_name(styles[_i].st), styles[_i].name);
	ck_assert_int_eq(frame_style_parse(styles[_i].name), styles[_i].st);
}
END_TEST

START_TEST(test_style_parse_other)
{
	static const struct {
		const char	*in;
		int		 want;
	} t[] = {
		{ "cat-eye", FRAME_CATEYE },
		{ "wayfarer", FRAME_BROWLINE },
		{ "Round", -1 },
		{ "round ", -1 },
		{ "", -1 },
		{ "oval", -1 },
		{ NULL, -1 },
	};
	size_t i;

	for (i = 0; i < LEN(t); i++)
		ck_assert_msg(frame_style_parse(t[i].in) == t[i].want,
		    "row %zu", i);
	ck_assert_ptr_null(frame_style_name(FRAME_STYLE__MAX));
	ck_assert_ptr_null(frame_style_name((enum frame_style)-1));
}
END_TEST

/* ---- Scale: pixel distance of the eyes / PD ---- */

static const struct {
	double	lx, ly, rx, ry;
	double	pd;
	double	want;		/* px per mm; 0 = refused */
} scales[] = {
	{ 100, 100, 163, 100, 0, 1.0 },		/* default PD 63 */
	{ 100, 100, 163, 100, -1, 1.0 },	/* <= 0 is the default */
	{ 100, 100, 163, 100, 63, 1.0 },
	{ 10, 20, 136, 20, 0, 2.0 },
	{ 0, 0, 30, 40, 50, 1.0 },		/* 50 px apart, lowest PD */
	{ 0, 0, 30, 40, 80, 0.625 },		/* highest PD */
	{ 0, 0, 30, 40, 62.5, 0.8 },
	{ 0, 0, 300, 400, 0, 500.0 / 63 },
	{ 163, 100, 100, 100, 0, 1.0 },		/* eyes given swapped */
	{ 0, 0, 30, 40, 49.99, 0 },		/* PD out of range */
	{ 0, 0, 30, 40, 80.01, 0 },
	{ 0, 0, 30, 40, NAN, 0 },
	{ 0, 0, 30, 40, INFINITY, 0 },
	{ 5, 5, 5, 5, 0, 0 },			/* one point */
	{ 0, 0, 0.6, 0.6, 0, 0 },		/* under 1 px apart */
	{ NAN, 0, 30, 40, 0, 0 },
	{ 0, 0, 30, INFINITY, 0, 0 },
	{ 0, 0, 2e6, 0, 0, 0 },			/* absurd coordinates */
};

START_TEST(test_px_per_mm)
{
	struct face_eyes e = { scales[_i].lx, scales[_i].ly, scales[_i].rx,
	    scales[_i].ry };
	double got = frame_px_per_mm(&e, scales[_i].pd);

	ck_assert_msg(fabs(got - scales[_i].want) < 1e-12,
	    "row %d: got %.15g want %.15g", _i, got, scales[_i].want);
}
END_TEST

/* ---- Roll of the eye line, degrees, clockwise on screen ---- */

static const struct {
	double	lx, ly, rx, ry;
	double	want;		/* NaN = refused */
} rolls[] = {
	{ 0, 0, 10, 0, 0 },
	{ 0, 0, 10, 10, 45 },		/* right eye lower: clockwise */
	{ 0, 0, 10, -10, -45 },
	{ 100, 100, 200, 117.6326980708465, 10 },	/* tan 10 deg */
	{ 50, 80, 50 + 86.60254037844386, 30, -30 },
	{ 10, 10, 0, 0, 45 },		/* swapped: the same face */
	{ 0, 0, 0, 10, 90 },
	{ 5, 5, 5, 5, NAN },
	{ 0, NAN, 10, 0, NAN },
};

START_TEST(test_roll)
{
	struct face_eyes e = { rolls[_i].lx, rolls[_i].ly, rolls[_i].rx,
	    rolls[_i].ry };
	double got = frame_roll_deg(&e);

	if (isnan(rolls[_i].want))
		ck_assert_msg(isnan(got), "row %d: got %g", _i, got);
	else
		ck_assert_msg(fabs(got - rolls[_i].want) < 1e-9,
		    "row %d: got %.12g want %g", _i, got, rolls[_i].want);
}
END_TEST

/* ---- Which frames can be drawn ---- */

enum field { F_NONE, F_STYLE, F_LW, F_LH, F_BRIDGE, F_TOTAL, F_RIM,
	F_OPACITY };

static const struct {
	enum field	f;
	double		v;
	enum ff_err	want;
} checks[] = {
	{ F_NONE, 0, FF_OK },
	{ F_BRIDGE, 0, FF_OK },		/* lenses that touch */
	{ F_RIM, 0, FF_OK },
	{ F_OPACITY, 1, FF_OK },
	{ F_STYLE, FRAME_STYLE__MAX, FF_EINPUT },
	{ F_STYLE, -1, FF_EINPUT },
	{ F_LW, 0, FF_EINPUT },
	{ F_LW, -50, FF_EINPUT },
	{ F_LW, NAN, FF_EINPUT },
	{ F_LH, 0, FF_EINPUT },
	{ F_LH, INFINITY, FF_EINPUT },
	{ F_BRIDGE, -1, FF_EINPUT },
	{ F_TOTAL, 0, FF_EINPUT },
	{ F_TOTAL, 1000, FF_EINPUT },
	{ F_RIM, -0.5, FF_EINPUT },
	{ F_RIM, 25, FF_EINPUT },
	{ F_OPACITY, 1.01, FF_EINPUT },
	{ F_OPACITY, -0.1, FF_EINPUT },
	{ F_OPACITY, NAN, FF_EINPUT },
};

START_TEST(test_check)
{
	struct frame f = golden_frame(FRAME_CATEYE);
	double v = checks[_i].v;

	switch (checks[_i].f) {
	case F_STYLE:	f.style = (enum frame_style)(int)v; break;
	case F_LW:	f.lens_width_mm = v; break;
	case F_LH:	f.lens_height_mm = v; break;
	case F_BRIDGE:	f.bridge_mm = v; break;
	case F_TOTAL:	f.total_width_mm = v; break;
	case F_RIM:	f.rim_mm = v; break;
	case F_OPACITY:	f.tint_opacity = v; break;
	case F_NONE:	break;
	}
	ck_assert_msg(frame_check(&f) == checks[_i].want, "row %d", _i);
	ck_assert_int_eq(frame_check(NULL), FF_EINPUT);
}
END_TEST

/* Bad input is refused before anything is drawn. */
START_TEST(test_draw_refused)
{
	struct frame f = golden_frame(FRAME_AVIATOR), bad = f;
	struct face_eyes two[2] = {
		{ 100, 110, 170, 110 },
		{ 200, 100, 200, 100 },		/* second face: nonsense */
	};
	gdImagePtr im = background(320, 240), orig = background(320, 240);

	bad.lens_height_mm = 0;
	ck_assert_int_eq(frame_draw(NULL, &f, two, 1, 0), FF_EINPUT);
	ck_assert_int_eq(frame_draw(im, NULL, two, 1, 0), FF_EINPUT);
	ck_assert_int_eq(frame_draw(im, &bad, two, 1, 0), FF_EINPUT);
	ck_assert_int_eq(frame_draw(im, &f, NULL, 1, 0), FF_EINPUT);
	ck_assert_int_eq(frame_draw(im, &f, two, -1, 0), FF_EINPUT);
	ck_assert_int_eq(frame_draw(im, &f, two, 1, 85), FF_EINPUT);
	ck_assert_int_eq(frame_draw(im, &f, two, 2, 0), FF_EINPUT);
	ck_assert_msg(same_pixels(im, orig), "drawn although refused");
	ck_assert_int_eq(frame_draw(im, &f, NULL, 0, 0), FF_OK);
	ck_assert_msg(same_pixels(im, orig), "drawn without faces");
	ck_assert_int_eq(frame_draw(im, &f, two, 1, 0), FF_OK);
	ck_assert_msg(!same_pixels(im, orig), "nothing drawn");
	ck_assert_ptr_null(frame_thumbnail(&bad, 100, 50));
	ck_assert_ptr_null(frame_thumbnail(&f, 0, 50));
	ck_assert_ptr_null(frame_thumbnail(&f, 100, 5000));
	gdImageDestroy(im);
	gdImageDestroy(orig);
}
END_TEST

/* ---- The coverage rasteriser: exact areas ---- */

static struct raster rs;

static void
poly(int sign, int n, ...)
{
	double xy[64];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < 2 * n; i++)
		xy[i] = va_arg(ap, double);
	va_end(ap);
	raster_poly(&rs, xy, n, sign);
}

START_TEST(test_raster)
{
	static const struct {
		int	x, y;
		float	want;
	} sq[] = {
		/* the square (1.25, 1) - (3.75, 3) */
		{ 0, 1, 0 }, { 1, 1, 0.75f }, { 2, 1, 1 }, { 3, 2, 0.75f },
		{ 4, 1, 0 }, { 2, 0, 0 }, { 2, 3, 0 },
	}, tri[] = {
		/* the triangle x + y < 4, both windings */
		{ 0, 0, 1 }, { 1, 1, 1 }, { 2, 1, 0.5f }, { 3, 0, 0.5f },
		{ 2, 2, 0 }, { 3, 3, 0 },
	}, ring[] = {
		/* (0, 0) - (4, 4) minus (1, 1) - (3, 3) */
		{ 0, 0, 1 }, { 1, 1, 0 }, { 2, 2, 0 }, { 3, 1, 1 }, { 1, 3, 1 },
	}, clip[] = {
		/* (-2, -2) - (2.5, 2.5), partly outside the window */
		{ 0, 0, 1 }, { 2, 0, 0.5f }, { 2, 2, 0.25f }, { 3, 3, 0 },
	};
	double xy[2 * 256], area = 0, sum = 0;
	size_t i;
	int x, y, j;

	raster_init(&rs);
	raster_window(&rs, 0, 0, 6, 5);
	poly(1, 4, 1.25, 1.0, 3.75, 1.0, 3.75, 3.0, 1.25, 3.0);
	raster_finish(&rs);
	for (i = 0; i < LEN(sq); i++)
		ck_assert_msg(fabsf(raster_cov(&rs, sq[i].x, sq[i].y) -
		    sq[i].want) < 1e-6, "square (%d,%d): %g", sq[i].x, sq[i].y,
		    raster_cov(&rs, sq[i].x, sq[i].y));

	for (j = 0; j < 2; j++) {
		raster_window(&rs, 0, 0, 5, 5);
		if (j == 0)
			poly(1, 3, 0.0, 0.0, 4.0, 0.0, 0.0, 4.0);
		else
			poly(1, 3, 0.0, 4.0, 4.0, 0.0, 0.0, 0.0);
		raster_finish(&rs);
		for (i = 0; i < LEN(tri); i++)
			ck_assert_msg(fabsf(raster_cov(&rs, tri[i].x,
			    tri[i].y) - tri[i].want) < 1e-6, "triangle %d "
			    "(%d,%d)", j, tri[i].x, tri[i].y);
	}

	raster_window(&rs, 0, 0, 5, 5);
	poly(1, 4, 0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0);
	poly(-1, 4, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 1.0);
	raster_finish(&rs);
	for (i = 0; i < LEN(ring); i++)
		ck_assert_msg(fabsf(raster_cov(&rs, ring[i].x, ring[i].y) -
		    ring[i].want) < 1e-6, "ring (%d,%d)", ring[i].x, ring[i].y);

	raster_window(&rs, 0, 0, 4, 4);
	poly(1, 4, -2.0, -2.0, 2.5, -2.0, 2.5, 2.5, -2.0, 2.5);
	raster_finish(&rs);
	for (i = 0; i < LEN(clip); i++)
		ck_assert_msg(fabsf(raster_cov(&rs, clip[i].x, clip[i].y) -
		    clip[i].want) < 1e-6, "clip (%d,%d)", clip[i].x, clip[i].y);

	/* an offset window: image pixel (10, 5) */
	raster_window(&rs, 10, 5, 3, 3);
	poly(1, 4, 10.5, 5.5, 11.5, 5.5, 11.5, 6.5, 10.5, 6.5);
	raster_finish(&rs);
	ck_assert(fabsf(raster_cov(&rs, 10, 5) - 0.25f) < 1e-6);
	ck_assert(fabsf(raster_cov(&rs, 11, 6) - 0.25f) < 1e-6);

	/* a circle of radius 20: the coverage adds up to its area */
	raster_window(&rs, 0, 0, 50, 50);
	for (j = 0; j < 256; j++) {
		xy[2 * j] = 25.3 + 20 * cos(2 * M_PI * j / 256);
		xy[2 * j + 1] = 24.8 + 20 * sin(2 * M_PI * j / 256);
	}
	for (j = 0; j < 256; j++)
		area += xy[2 * j] * xy[2 * ((j + 1) % 256) + 1] -
		    xy[2 * ((j + 1) % 256)] * xy[2 * j + 1];
	raster_poly(&rs, xy, 256, 1);
	raster_finish(&rs);
	for (y = 0; y < 50; y++)
		for (x = 0; x < 50; x++)
			sum += raster_cov(&rs, x, y);
	ck_assert_msg(fabs(sum - fabs(area) / 2) < 1e-2, "circle: %g vs %g",
	    sum, fabs(area) / 2);
	raster_free(&rs);
}
END_TEST

/* ---- Drawing: real size and placement ---- */

/* The box of pixels that differ from the plain colour bg. */
static void
changed_box(gdImagePtr im, int bg, int *x0, int *y0, int *x1, int *y1)
{
	int x, y;

	*x0 = *y0 = 1 << 30;
	*x1 = *y1 = -1;
	for (y = 0; y < gdImageSY(im); y++)
		for (x = 0; x < gdImageSX(im); x++)
			if (gdImageGetTrueColorPixel(im, x, y) != bg) {
				if (x < *x0) *x0 = x;
				if (y < *y0) *y0 = y;
				if (x > *x1) *x1 = x;
				if (y > *y1) *y1 = y;
			}
}

/*
 * The first and last x of row `at` (col 0) or y of column `at` (col 1)
 * whose pixel differs from the plain bg by more than thr in a channel: the frame's solid parts, not the
 * shadow (which darkens by at most 30 %) nor the faint ends of the
 * temples.
 */
static void
line_extent(gdImagePtr im, int bg, int col, int at, int thr, int *x0,
    int *x1)
{
	int x, p, d, n = col ? gdImageSY(im) : gdImageSX(im);

	*x0 = 1 << 30;
	*x1 = -1;
	for (x = 0; x < n; x++) {
		p = col ? gdImageGetTrueColorPixel(im, at, x) :
		    gdImageGetTrueColorPixel(im, x, at);
		d = chan_diff(gdTrueColorGetRed(p), gdTrueColorGetRed(bg), 0);
		d = chan_diff(gdTrueColorGetGreen(p), gdTrueColorGetGreen(bg), d);
		d = chan_diff(gdTrueColorGetBlue(p), gdTrueColorGetBlue(bg), d);
		if (d > thr) {
			if (x < *x0) *x0 = x;
			*x1 = x;
		}
	}
}

/*
 * At 2 px/mm (eyes 126 px apart, PD 63) the two round 44 mm lenses
 * with 2 mm rims, their centres 32 mm from the middle, span 112 mm =
 * 224 px at the lens centres' row; at 70 mm PD the same eyes give
 * 1.8 px/mm and 201.6 px. (The total width is the front's; the temples
 * reach past it and the shadow spreads, so the width is measured on
 * that row, where neither is.) A round lens is 48 mm tall at its centre,
 * whose column is (lens_width + bridge) / 2 mm from the middle, and its
 * middle is 5 % of the lens height below the eyes.
 */
START_TEST(test_draw_size)
{
	static const struct {
		double	pd;
		double	ppm;
	} t[] = { { 0, 2.0 }, { 70, 1.8 }, { 52.5, 2.4 } };
	struct frame f = mkframe(FRAME_ROUND, 0x202020, 2, 0, 0, 44, 44, 20,
	    140);
	int bg = gdTrueColor(200, 200, 200), x0, y0, x1, y1, lx, top, bot;
	struct face_eyes e = { 237, 150, 363, 150 };
	gdImagePtr im;
	double ppm = t[_i].ppm, mid;

	im = plain(600, 300, bg);
	ck_assert_int_eq(frame_draw(im, &f, &e, 1, t[_i].pd), FF_OK);
	line_extent(im, bg, 0, (int)floor(150 + 0.05 * 44 * ppm), 80, &x0,
	    &x1);
	/* the width, to a pixel of anti-aliasing each side */
	ck_assert_msg(fabs((x1 + 1 - x0) - 112 * ppm) <= 2,
	    "pd %g: %d px wide, want %g", t[_i].pd, x1 + 1 - x0, 112 * ppm);
	ck_assert_msg(fabs((x0 + x1 + 1) / 2.0 - 300) <= 1, "not centred");
	/* the temples and shadow reach past the front, but not far */
	changed_box(im, bg, &x0, &y0, &x1, &y1);
	ck_assert_int_gt(x1 + 1 - x0, 140 * ppm);
	ck_assert_int_lt(x1 + 1 - x0, 156 * ppm);
	/* the left lens's centre column: 32 mm left of the middle */
	lx = (int)floor(300 - 32 * ppm);
	line_extent(im, bg, 1, lx, 80, &top, &bot);
	ck_assert_msg(fabs((bot + 1 - top) - 48 * ppm) <= 2,
	    "lens %d px tall, want %g", bot + 1 - top, 48 * ppm);
	mid = (top + bot + 1) / 2.0;
	ck_assert_msg(fabs(mid - (150 + 0.05 * 44 * ppm)) <= 1,
	    "lens centre at y %g, want %g", mid, 150 + 0.05 * 44 * ppm);
	gdImageDestroy(im);
}
END_TEST

/*
 * The tint filters: at the pupil of a lens centred on it (PD == lens
 * width + bridge) a 50 % blue tint multiplies gray 128 by (0.5, 0.5, 1),
 * so the eye stays visible and is not painted blue. The lens also shades
 * the face under it with half its opacity: the shadow darkens by
 * 0.30 * 0.25, so (128 * 0.925) * (0.5, 0.5, 1) = (59.2, 59.2, 118.4).
 * A second face is drawn too, and turning the face moves the lens with it.
 */
START_TEST(test_draw_tint)
{
	struct frame f = mkframe(FRAME_RECTANGLE, 0x000000, 2, 0x0000ff, 0.5,
	    45, 35, 18, 130);
	struct face_eyes e[2] = {
		{ 100, 100, 163, 100 },
		{ 300, 150, 300 + 63 * cos(0.5), 150 + 63 * sin(0.5) },
	};
	int bg = gdTrueColor(128, 128, 128), p, i;
	const int pts[][2] = { { 100, 100 }, { 163, 100 }, { 300, 150 },
	    { 355, 180 } };	/* both pupils of both faces */
	gdImagePtr im = plain(480, 260, bg);

	ck_assert_int_eq(frame_draw(im, &f, e, 2, 0), FF_OK);
	for (i = 0; i < 4; i++) {
		p = gdImageGetTrueColorPixel(im, pts[i][0], pts[i][1]);
		ck_assert_msg(abs(gdTrueColorGetRed(p) - 59) <= 1 &&
		    abs(gdTrueColorGetGreen(p) - 59) <= 1 &&
		    abs(gdTrueColorGetBlue(p) - 118) <= 1 &&
		    gdTrueColorGetAlpha(p) == 0, "pupil %d: %06x", i, p);
	}
	/* far from both frames nothing changed */
	ck_assert_int_eq(gdImageGetTrueColorPixel(im, 470, 10), bg);
	ck_assert_int_eq(gdImageGetTrueColorPixel(im, 130, 200), bg);
	gdImageDestroy(im);
}
END_TEST

/* A palette image is made truecolor and drawn on. */
START_TEST(test_draw_palette)
{
	struct frame f = golden_frame(FRAME_RECTANGLE);
	struct face_eyes e = { 120, 100, 190, 100 };
	gdImagePtr im = gdImageCreate(320, 200);

	int x0, y0, x1, y1;

	gdImageColorAllocate(im, 250, 250, 250);
	ck_assert_int_eq(frame_draw(im, &f, &e, 1, 0), FF_OK);
	ck_assert(gdImageTrueColor(im));
	/* the lenses' outer rims, 132 mm apart at 70 / 63 px per mm, on
	 * the row of the lens centres */
	line_extent(im, gdTrueColor(250, 250, 250), 0, 102, 80, &x0, &x1);
	ck_assert_int_ge(x1 + 1 - x0, 145);
	ck_assert_int_le(x1 + 1 - x0, 149);
	changed_box(im, gdTrueColor(250, 250, 250), &x0, &y0, &x1, &y1);
	ck_assert_int_gt(x1 + 1 - x0, 161);
	gdImageDestroy(im);
}
END_TEST

/* ---- Depth: shadow, temples, yaw ---- */

/*
 * The contact shadow: on plain gray, just below the lower rim (outside
 * the frame) the face is darker, by no more than SHADOW_K's 30 %; above
 * the frame, where the shadow does not fall, and far away, it is not.
 * The thumbnail has no face and no shadow: its corners stay transparent.
 */
START_TEST(test_draw_shadow)
{
	struct frame f = mkframe(FRAME_RECTANGLE, 0x202020, 3, 0, 0, 50, 36,
	    18, 140);
	struct face_eyes e = { 232, 150, 358, 150 };	/* 2 px/mm */
	int bg = gdTrueColor(200, 200, 200), y, p, below, above, lx;
	gdImagePtr im = plain(600, 300, bg);

	ck_assert_int_eq(frame_draw(im, &f, &e, 1, 0), FF_OK);
	/* the left lens's centre column, its rim's lowest pixel */
	lx = 300 - 34 * 2;
	for (y = 299; y > 150; y--)
		if (gdTrueColorGetRed(gdImageGetTrueColorPixel(im, lx, y)) < 100)
			break;
	below = gdTrueColorGetRed(gdImageGetTrueColorPixel(im, lx, y + 3));
	ck_assert_msg(below < 190 && below >= 140, "below the rim: %d", below);
	/* above the top rim (it is lit from above: no shadow there) */
	for (y = 0; y < 150; y++)
		if (gdTrueColorGetRed(gdImageGetTrueColorPixel(im, lx, y)) < 100)
			break;
	above = gdTrueColorGetRed(gdImageGetTrueColorPixel(im, lx, y - 3));
	ck_assert_msg(above >= 198, "above the rim: %d", above);
	p = gdImageGetTrueColorPixel(im, 300, 290);
	ck_assert_int_eq(p, bg);
	gdImageDestroy(im);
}
END_TEST

/*
 * The yaw from the mouth, in eye distances: a mouth on the middle of the
 * eye line (or within MOUTH_DEAD = 0.03 of it) is frontal; beyond, each
 * MOUTH_DEPTH = 0.29 of sideways offset is one unit of tan(yaw), up to
 * 30 degrees. Unknown or implausible mouths are frontal; bad eyes NaN.
 */
static const struct {
	double	lx, ly, rx, ry;
	int	mouth;
	double	mx, my;
	double	want;
} yaws[] = {
	{ 100, 100, 200, 100, 0, 150, 210, 0 },		/* mouth unknown */
	{ 100, 100, 200, 100, 1, 150, 210, 0 },
	{ 100, 100, 200, 100, 1, 152.9, 210, 0 },	/* the dead zone */
	{ 100, 100, 200, 100, 1, 147.1, 210, 0 },
	{ 100, 100, 200, 100, 1, 182, 210, 45.0 },	/* tan 1: clamped */
	{ 100, 100, 200, 100, 1, 164.5, 210, 21.630886836517927 },
	{ 100, 100, 200, 100, 1, 135.5, 210, -21.630886836517927 },
	{ 200, 100, 100, 100, 1, 164.5, 210, 21.630886836517927 },	/* swapped */
	/* rolled 90 degrees: down the face is image-left */
	{ 100, 100, 100, 200, 1, -10, 135.5, -21.630886836517927 },
	{ 100, 100, 200, 100, 1, 164.5, 140, 0 },	/* too high */
	{ 100, 100, 200, 100, 1, 164.5, 320, 0 },	/* too low */
	{ 100, 100, 200, 100, 1, 164.5, 10, 0 },	/* above the eyes */
	{ 100, 100, 200, 100, 1, NAN, 210, 0 },
	{ 100, 100, 100, 100, 1, 150, 210, NAN },	/* bad eyes */
};

START_TEST(test_yaw)
{
	struct face_pose p;
	double got, want = yaws[_i].want;

	memset(&p, 0, sizeof(p));
	p.eyes.lx = yaws[_i].lx;
	p.eyes.ly = yaws[_i].ly;
	p.eyes.rx = yaws[_i].rx;
	p.eyes.ry = yaws[_i].ry;
	p.mouth = yaws[_i].mouth;
	p.mx = yaws[_i].mx;
	p.my = yaws[_i].my;
	if (want > FRAME_YAW_MAX_DEG)
		want = FRAME_YAW_MAX_DEG;
	got = frame_yaw_deg(&p);
	if (isnan(want))
		ck_assert_msg(isnan(got), "row %d: got %g", _i, got);
	else
		ck_assert_msg(fabs(got - want) < 1e-9, "row %d: got %.15g "
		    "want %.15g", _i, got, want);
}
END_TEST

/*
 * Temples: on a frontal face both reach a little past the front's total
 * width; with the nose turned towards image-right the image-left temple
 * (the near side) swings out over the cheek towards the ear and the other
 * hides behind the head, so nothing is drawn right of the front. A pose
 * without a mouth draws exactly what frame_draw() draws; a NaN mouth is
 * refused.
 */
START_TEST(test_draw_temples)
{
	struct frame f = mkframe(FRAME_BROWLINE, 0x202020, 4, 0, 0, 50, 36,
	    18, 140);
	struct face_pose p;
	int bg = gdTrueColor(200, 200, 200), x0, y0, x1, y1, x, y;
	gdImagePtr a = plain(600, 300, bg), b = plain(600, 300, bg);
	gdImagePtr c = plain(600, 300, bg);

	memset(&p, 0, sizeof(p));
	p.eyes = (struct face_eyes){ .lx = 237, .ly = 150, .rx = 363,
	    .ry = 150 };
	/* frontal: past 140 mm (280 px) each side, by under 8 mm */
	ck_assert_int_eq(frame_draw_pose(a, &f, &p, 1, 0), FF_OK);
	ck_assert_int_eq(frame_draw(b, &f, &p.eyes, 1, 0), FF_OK);
	ck_assert_msg(same_pixels(a, b), "no mouth: not as frame_draw()");
	changed_box(a, bg, &x0, &y0, &x1, &y1);
	ck_assert_int_lt(x0, 160);
	ck_assert_int_gt(x0, 160 - 16);
	ck_assert_int_gt(x1, 439);
	ck_assert_int_lt(x1, 439 + 16);

	/* turned 20 degrees: the mouth 0.03 + 0.29 tan 20 eye distances
	 * right of the middle */
	p.mouth = 1;
	p.mx = 300 + 126 * (0.03 + 0.29 * tan(20 * M_PI / 180));
	p.my = 150 + 126 * 1.06;
	ck_assert(fabs(frame_yaw_deg(&p) - 20) < 1e-9);
	ck_assert_int_eq(frame_draw_pose(c, &f, &p, 1, 0), FF_OK);
	changed_box(c, bg, &x0, &y0, &x1, &y1);
	/* the near temple: 95 mm deep, tan 20 * 95 = 34.6 mm further out
	 * at the ear, most of it visible before it fades */
	ck_assert_msg(x0 < 160 - 2 * 20, "near temple ends at %d", x0);
	/* the front moved 12 mm * tan 20 = 4.4 mm towards the nose; the
	 * far temple hidden: no pixel right of the front's end */
	ck_assert_msg(x1 <= 440 + 9 + 2, "far side reaches %d", x1);
	for (y = 0; y < 300; y++)
		for (x = 452; x < 600; x++)
			ck_assert_int_eq(gdImageGetTrueColorPixel(c, x, y), bg);

	p.mx = NAN;
	ck_assert_int_eq(frame_draw_pose(b, &f, &p, 1, 0), FF_EINPUT);
	p.mouth = 0;		/* unknown: its value does not matter */
	ck_assert_int_eq(frame_draw_pose(b, &f, &p, 1, 0), FF_OK);
	gdImageDestroy(a);
	gdImageDestroy(b);
	gdImageDestroy(c);
}
END_TEST

/* ---- Golden images ---- */

static const struct {
	const char		*name;
	enum frame_style	 st;
	struct face_eyes	 e;
	double			 pd;
	int			 art;
	double			 mx, my;	/* mouth; 0: unknown */
} goldens[] = {
	{ "round", FRAME_ROUND, { 125, 110, 195, 110 }, 0, 0, 0, 0 },
	{ "rectangle", FRAME_RECTANGLE, { 125, 110, 195, 110 }, 0, 0, 0, 0 },
	{ "aviator", FRAME_AVIATOR, { 125, 110, 195, 110 }, 0, 0, 0, 0 },
	{ "cateye", FRAME_CATEYE, { 125, 110, 195, 110 }, 0, 0, 0, 0 },
	{ "browline", FRAME_BROWLINE, { 125, 110, 195, 110 }, 0, 0, 0, 0 },
	{ "rimless", FRAME_RIMLESS, { 125, 110, 195, 110 }, 0, 0, 0, 0 },
	/* turned 14 degrees clockwise, the shopper's PD 58 mm */
	{ "rotated", FRAME_CATEYE, { 126, 100, 194, 117 }, 58, 0, 0, 0 },
	/* artwork, turned 8 degrees anticlockwise */
	{ "artwork", FRAME_RECTANGLE, { 126, 118, 195, 108.3 }, 0, 1, 0, 0 },
	/* nose turned 20 degrees towards image-right: the near (left)
	 * temple over the cheek, the far one hidden */
	{ "yaw", FRAME_RECTANGLE, { 130, 110, 190, 110 }, 0, 0,
	    160 + 60 * (0.03 + 0.29 * 0.36397023426620234), 174 },
	/* turned the other way, 12 degrees, and rolled */
	{ "artwork_yaw", FRAME_RECTANGLE, { 130, 104, 193, 114 }, 0, 1,
	    148, 178 },
	/* eyes 16 px apart: the edges stay smooth, the shadow small */
	{ "small", FRAME_BROWLINE, { 152, 120, 168, 120 }, 0, 0, 0, 0 },
};

START_TEST(test_golden)
{
	struct frame f = golden_frame(goldens[_i].st);
	gdImagePtr im = background(320, 240), art = NULL;
	struct face_pose p;

	if (goldens[_i].art) {
		art = artwork();
		f.artwork = art;
		f.total_width_mm = 140;
	}
	memset(&p, 0, sizeof(p));
	p.eyes = goldens[_i].e;
	p.mouth = goldens[_i].mx > 0;
	p.mx = goldens[_i].mx;
	p.my = goldens[_i].my;
	ck_assert_int_eq(frame_draw_pose(im, &f, &p, 1, goldens[_i].pd),
	    FF_OK);
	assert_golden(im, goldens[_i].name);
	gdImageDestroy(im);
	if (art != NULL)
		gdImageDestroy(art);
}
END_TEST

START_TEST(test_golden_thumbnail)
{
	struct frame f = golden_frame(FRAME_AVIATOR);
	gdImagePtr im = frame_thumbnail(&f, 240, 100);

	ck_assert_ptr_nonnull(im);
	ck_assert_int_eq(gdImageSX(im), 240);
	ck_assert_int_eq(gdImageSY(im), 100);
	/* transparent where there is no frame */
	ck_assert_int_eq(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 0,
	    0)), gdAlphaTransparent);
	assert_golden(im, "thumbnail");
	gdImageDestroy(im);
}
END_TEST

/*
 * Not a pass/fail test: the time to draw each style on a 1600x1200
 * photo whose eyes are 260 px apart (a frame about 600 px wide), printed
 * for the record. It asserts only that something was drawn.
 */
START_TEST(test_timing)
{
	struct face_eyes e = { 670, 560, 930, 575 };
	gdImagePtr im = background(1600, 1200), orig = background(1600, 1200);
	struct frame f;
	double t0, best;
	int st, k;

	for (st = 0; st < FRAME_STYLE__MAX; st++) {
		f = golden_frame((enum frame_style)st);
		best = HUGE_VAL;
		for (k = 0; k < 5; k++) {
			t0 = ff_now_ms();
			ck_assert_int_eq(frame_draw(im, &f, &e, 1, 0), FF_OK);
			t0 = ff_now_ms() - t0;
			best = t0 < best ? t0 : best;
		}
		fprintf(stderr, "check_frames: %-9s on 1600x1200: %.2f ms\n",
		    frame_style_name(f.style), best);
	}
	ck_assert(!same_pixels(im, orig));
	gdImageDestroy(im);
	gdImageDestroy(orig);
}
END_TEST

/* ---- The catalog's rule on sizes (render/frame_sizes.h) ---- */

/*
 * Each row: lens width, lens height, bridge, total width (mm), how many
 * problems, the field of the first and its exact sentence ("" for none).
 */
static const struct {
	double		 a, b, dbl, t;
	int		 n;
	const char	*field;
	const char	*text;
} sizings[] = {
	/* The form's default frame and the store test's. */
	{ 52, 40, 18, 140, 0, NULL, "" },
	{ 51.5, 40.5, 19.5, 139.5, 0, NULL, "" },
	/* The issue's impossible frame. */
	{ 52, 40, 18, 90, 1, "total_width_mm", "The total width is 90 mm, "
	    "too narrow for what it holds: two 52 mm lenses and an 18 mm "
	    "bridge are 122 mm before the end pieces at both sides. It should "
	    "be near 140 mm (126 to 162 mm)." },
	/* The window's edges: 2 and 20 mm a side. */
	{ 52, 40, 18, 126, 0, NULL, "" },
	{ 52, 40, 18, 125.9, 1, "total_width_mm", "The total width is "
	    "125.9 mm, too narrow for what it holds: two 52 mm lenses and an "
	    "18 mm bridge are 122 mm before the end pieces at both sides. It "
	    "should be near 140 mm (126 to 162 mm)." },
	{ 52, 40, 18, 162, 0, NULL, "" },
	{ 52, 40, 18, 162.5, 1, "total_width_mm", "The total width is "
	    "162.5 mm, too wide for two 52 mm lenses and an 18 mm bridge "
	    "(122 mm) with end pieces of at most 20 mm a side. It should be "
	    "near 140 mm (126 to 162 mm)." },
	/* A thin metal aviator, 2.5 mm a side. */
	{ 58, 50, 14, 135, 0, NULL, "" },
	/* A round lens is as tall as wide; taller is refused. */
	{ 50, 50, 20, 140, 0, NULL, "" },
	{ 50, 50.5, 20, 140, 1, "lens_height_mm", "The lens height is "
	    "50.5 mm, more than the lens width of 50 mm: a lens's box is "
	    "measured across for the width and up and down for the height, "
	    "and no lens shape is taller than wide. It should be at most 50 "
	    "mm, near 40 mm for a 50 mm lens (were the two swapped?)." },
	/* Out of the schema's range: one message, no sum on top. */
	{ 300, 40, 18, 140, 1, "lens_width_mm", "The lens width is 300 mm; "
	    "it must be from 20 to 90 mm (most lenses are 40 to 62 mm)." },
	{ 52, 40, 18, 1000, 1, "total_width_mm", "The total width is 1000 "
	    "mm; it must be from 80 to 200 mm (most fronts are 120 to 150 mm); "
	    "with 52 mm lenses and an 18 mm bridge it should be near 140 mm "
	    "(126 to 162 mm)." },
	{ 52, 40, NAN, 140, 1, "bridge_mm", "The bridge is not a number; it "
	    "must be from 5 to 40 mm (most bridges are 14 to 24 mm)." },
	{ 52, 5, 18, 140, 1, "lens_height_mm", "The lens height is 5 mm; it "
	    "must be from 10 to 80 mm (most lenses are 25 to 50 mm)." },
	/* Lenses no front in range can hold: the lens width is blamed. */
	{ 90, 40, 40, 200, 1, "lens_width_mm", "Two 90 mm lenses and a 40 mm "
	    "bridge make a front of at least 224 mm with the end pieces, "
	    "wider than the 200 mm the catalog takes: the lens width should "
	    "be near 71 mm or less." },
	/* Two problems, in the rule's order. */
	{ 52, 60, 18, 90, 2, "lens_height_mm", "The lens height is 60 mm, "
	    "more than the lens width of 52 mm: a lens's box is measured "
	    "across for the width and up and down for the height, and no "
	    "lens shape is taller than wide. It should be at most 52 mm, near "
	    "42 mm for a 52 mm lens (were the two swapped?)." },
	/* Every size wrong: four problems, and nothing else. */
	{ 0, 0, 0, 0, 4, "lens_width_mm", "The lens width is 0 mm; it must "
	    "be from 20 to 90 mm (most lenses are 40 to 62 mm)." },
};

START_TEST(test_sizes)
{
	struct frame		 f = golden_frame(FRAME_RECTANGLE);
	struct frame_issue	 is[FRAME_ISSUES_MAX];
	struct buf		 why;
	int			 n;

	f.lens_width_mm = sizings[_i].a;
	f.lens_height_mm = sizings[_i].b;
	f.bridge_mm = sizings[_i].dbl;
	f.total_width_mm = sizings[_i].t;
	memset(is, 0, sizeof(is));
	n = frame_sizes_issues(&f, is, FRAME_ISSUES_MAX);
	ck_assert_int_eq(n, sizings[_i].n);
	/* Only counting gives the same number. */
	ck_assert_int_eq(frame_sizes_issues(&f, NULL, 0), n);
	buf_init(&why);
	buf_puts(&why, "");
	ck_assert_int_eq(frame_sizes_check(&f, &why), n == 0 ? FF_OK :
	    FF_EINPUT);
	if (n == 0) {
		ck_assert_ptr_null(is[0].field);
		ck_assert_str_eq(why.ptr, "");
	} else {
		ck_assert_str_eq(is[0].field, sizings[_i].field);
		ck_assert_str_eq(is[0].text, sizings[_i].text);
		/* why: every sentence, the first one first. */
		ck_assert(strncmp(why.ptr, sizings[_i].text,
		    strlen(sizings[_i].text)) == 0);
		ck_assert_uint_eq(strlen(why.ptr) > strlen(is[0].text), n > 1);
	}
	buf_free(&why);
}
END_TEST

START_TEST(test_sizes_edges)
{
	struct frame		 f = golden_frame(FRAME_ROUND);
	struct frame_issue	 is[FRAME_ISSUES_MAX];
	struct buf		 why;

	/* NULL: one problem; why may be NULL. */
	ck_assert_int_eq(frame_sizes_issues(NULL, is, 1), 1);
	ck_assert_str_eq(is[0].field, "total_width_mm");
	ck_assert_int_eq(frame_sizes_check(NULL, NULL), FF_EINPUT);
	/* The second problem of the table's two, and a room for one only. */
	f.lens_width_mm = 52;
	f.lens_height_mm = 60;
	f.bridge_mm = 18;
	f.total_width_mm = 90;
	memset(is, 0, sizeof(is));
	ck_assert_int_eq(frame_sizes_issues(&f, is, 2), 2);
	ck_assert_str_eq(is[1].field, "total_width_mm");
	ck_assert(strncmp(is[1].text, "The total width is 90 mm, too narrow",
	    36) == 0);
	memset(is, 0, sizeof(is));
	ck_assert_int_eq(frame_sizes_issues(&f, is, 1), 2);
	ck_assert_ptr_null(is[1].field);
	/* why is appended to, one space between sentences. */
	buf_init(&why);
	buf_puts(&why, "Row 3:");
	ck_assert_int_eq(frame_sizes_check(&f, &why), FF_EINPUT);
	ck_assert(strncmp(why.ptr, "Row 3: The lens height is 60 mm,", 32) == 0);
	ck_assert_ptr_nonnull(strstr(why.ptr, "swapped?). The total width is "
	    "90 mm"));
	buf_free(&why);
	/* Only the sizes are read: a bad style or tint is not its business. */
	f = golden_frame(FRAME_ROUND);
	f.style = FRAME_STYLE__MAX;
	f.tint_opacity = 7;
	ck_assert_int_eq(frame_sizes_check(&f, NULL), FF_OK);
}
END_TEST

/*
 * Every frame of the shop's starter catalog (sql/002_seed_frames.sql)
 * and of the golden images passes: the rule's bounds are the shop's own
 * frames' and not tighter. The seed's rows are read from the file, so a
 * frame added there is checked too.
 */
START_TEST(test_sizes_seed)
{
	char		 path[4096], line[512];
	FILE		*fp;
	struct frame	 f;
	unsigned	 rim, tint;
	double		 rim_mm, op;
	int		 n = 0, st;

	snprintf(path, sizeof(path), "%s/sql/002_seed_frames.sql", srcdir());
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot read %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		f = golden_frame(FRAME_ROUND);
		if (sscanf(line, " 0x%x, %lf, 0x%x, %lf, %lf, %lf, %lf, %lf,",
		    &rim, &rim_mm, &tint, &op, &f.lens_width_mm,
		    &f.lens_height_mm, &f.bridge_mm, &f.total_width_mm) != 8)
			continue;
		n++;
		ck_assert_msg(frame_sizes_check(&f, NULL) == FF_OK,
		    "seed row %d: lens %g x %g, bridge %g, total %g", n,
		    f.lens_width_mm, f.lens_height_mm, f.bridge_mm,
		    f.total_width_mm);
	}
	fclose(fp);
	ck_assert_int_eq(n, 16);
	for (st = 0; st < FRAME_STYLE__MAX; st++) {
		f = golden_frame(st);
		ck_assert_int_eq(frame_sizes_check(&f, NULL), FF_OK);
	}
}
END_TEST

static Suite *
frames_suite(void)
{
	Suite *s = suite_create("frames");
	TCase *tc;

	tc = tcase_create("numbers");
	tcase_add_loop_test(tc, test_style_names, 0, (int)LEN(styles));
	tcase_add_test(tc, test_style_parse_other);
	tcase_add_loop_test(tc, test_px_per_mm, 0, (int)LEN(scales));
	tcase_add_loop_test(tc, test_roll, 0, (int)LEN(rolls));
	tcase_add_loop_test(tc, test_check, 0, (int)LEN(checks));
	suite_add_tcase(s, tc);

	tc = tcase_create("sizes");
	tcase_add_loop_test(tc, test_sizes, 0, (int)LEN(sizings));
	tcase_add_test(tc, test_sizes_edges);
	tcase_add_test(tc, test_sizes_seed);
	suite_add_tcase(s, tc);

	tc = tcase_create("raster");
	tcase_add_test(tc, test_raster);
	suite_add_tcase(s, tc);

	tc = tcase_create("draw");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_draw_refused);
	tcase_add_loop_test(tc, test_draw_size, 0, 3);
	tcase_add_test(tc, test_draw_tint);
	tcase_add_test(tc, test_draw_palette);
	tcase_add_test(tc, test_draw_shadow);
	tcase_add_loop_test(tc, test_yaw, 0, (int)LEN(yaws));
	tcase_add_test(tc, test_draw_temples);
	tcase_add_loop_test(tc, test_golden, 0, (int)LEN(goldens));
	tcase_add_test(tc, test_golden_thumbnail);
	tcase_add_test(tc, test_timing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(frames_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
