/*
 * check_vision.c: the model stage's pure parts: annotation parsing, box
 * and eye geometry, the face JSON printer, the area sampler against a
 * pixel-by-pixel reference, and the BLAS routing against libdarknet's own
 * code.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "core/buf.h"
#include "image/sample.h"
#include "vision/augment.h"
#include "vision/blas.h"
#include "vision/dataset.h"
#include "vision/degrade.h"
#include "vision/facejson.h"
#include "vision/geometry.h"

/* Label conversion: {source, line, expected error, file, w, h, points}. */
static const struct {
	enum ds_source	 src;
	const char	*line;
	enum ff_err	 er;
	const char	*file;
	int		 w, h;
	float		 lx, ly, rx, ry, nx, ny, mx, my;
	int		 pose, glasses;
} parse_rows[] = {
	{ DS_CALTECH, "pic00001.jpg 361 384 169.36 143.11 194.50 146.18 180.53 163.78 180.25 172.43\n",
	  FF_OK, "pic00001.jpg", 361, 384, 169.36f, 143.11f, 194.50f, 146.18f, 180.53f, 163.78f, 180.25f, 172.43f, 0, 0 },
	{ DS_MTFL, "lfw_5590/Aaron_Eckhart_0001.jpg 250 250 107.25 108.75 147.75 113.25 126.25 143.75 106.25 158.75 140.75 162.75 1 2 2 3\n",
	  FF_OK, "lfw_5590/Aaron_Eckhart_0001.jpg", 250, 250, 107.25f, 108.75f, 147.75f, 113.25f, 126.25f, 143.75f,
	  123.5f, 160.75f, 3, 0 },
	{ DS_MTFL, "net_7876/x.jpg 100 80 10 20 30 20 20 30 12 40 28 42 2 1 1 5",
	  FF_OK, "net_7876/x.jpg", 100, 80, 10, 20, 30, 20, 20, 30, 20, 41, 5, 1 },
	{ DS_CALTECH, "# file width height leye_x ...\n", FF_ENOTFOUND, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_CALTECH, "\n", FF_ENOTFOUND, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_CALTECH, "pic.jpg 10 10 1 2 3 4 5 6 7\n", FF_EINPUT, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_CALTECH, "pic.jpg 0 10 1 2 3 4 5 6 7 8\n", FF_EINPUT, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_CALTECH, "pic.jpg 10 10 9 2 3 4 5 6 7 8\n", FF_EINPUT, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_MTFL, "a.jpg 10 10 1 2 3 4 5 6 7 8 9 10 1 2 2 9\n", FF_EINPUT, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_MTFL, "a.jpg 10 10 1 2 3 4 5 6 7 8 9 10 1 2\n", FF_EINPUT, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
	{ DS_CALTECH, "garbage\n", FF_EINPUT, NULL, 0, 0, 0,0,0,0,0,0,0,0, 0, 0 },
};

START_TEST(test_parse_line)
{
	char file[256];
	struct ds_face f;
	int w = 0, h = 0;
	enum ff_err er = ds_parse_line(parse_rows[_i].src, parse_rows[_i].line,
	    file, sizeof file, &w, &h, &f);

	ck_assert_int_eq(er, parse_rows[_i].er);
	if (er != FF_OK)
		return;
	ck_assert_str_eq(file, parse_rows[_i].file);
	ck_assert_int_eq(w, parse_rows[_i].w);
	ck_assert_int_eq(h, parse_rows[_i].h);
	ck_assert_float_eq_tol(f.pts.lx, parse_rows[_i].lx, 1e-4);
	ck_assert_float_eq_tol(f.pts.ly, parse_rows[_i].ly, 1e-4);
	ck_assert_float_eq_tol(f.pts.rx, parse_rows[_i].rx, 1e-4);
	ck_assert_float_eq_tol(f.pts.ry, parse_rows[_i].ry, 1e-4);
	ck_assert_float_eq_tol(f.pts.nx, parse_rows[_i].nx, 1e-4);
	ck_assert_float_eq_tol(f.pts.ny, parse_rows[_i].ny, 1e-4);
	ck_assert_float_eq_tol(f.pts.mx, parse_rows[_i].mx, 1e-4);
	ck_assert_float_eq_tol(f.pts.my, parse_rows[_i].my, 1e-4);
	ck_assert_int_eq(f.pose, parse_rows[_i].pose);
	ck_assert_int_eq(f.glasses, parse_rows[_i].glasses);
}
END_TEST

START_TEST(test_split)
{
	/* Fixed by name: the same answer on every machine and every run. */
	ck_assert_int_eq(ds_is_val("caltech-webfaces/images/pic00001.jpg"),
	    ds_is_val("caltech-webfaces/images/pic00001.jpg"));
	int n = 0, val = 0;
	char name[64];
	for (int i = 0; i < 10000; i++, n++) {
		snprintf(name, sizeof name, "caltech-webfaces/images/pic%05d.jpg", i);
		val += ds_is_val(name);
	}
	/* ~12 % of names; a broken hash gives 0 % or 100 %. */
	ck_assert_int_ge(val, n * 10 / 100);
	ck_assert_int_le(val, n * 14 / 100);
}
END_TEST

/* Box geometry: {landmarks, expected box}. */
static const struct {
	struct landmarks p;
	struct fbox b;
} box_rows[] = {
	/* eyes 40 apart at y=100, mouth 40 below their midpoint:
	 * side = 1.15 * 80 = 92; centre (120, 112). */
	{ { 100, 100, 140, 100, 120, 120, 120, 140 }, { 74, 66, 92, 92 } },
	/* the same face rotated 90 degrees: the centre follows the axis. */
	{ { 100, 100, 100, 140, 120, 120, 140, 120 }, { 66, 74, 92, 92 } },
	/* scaled by 2 */
	{ { 200, 200, 280, 200, 240, 240, 240, 280 }, { 148, 132, 184, 184 } },
};

START_TEST(test_parts)
{
	enum ds_part p = DS_PART__MAX;

	ck_assert_int_eq(ds_part_of(DS_CALTECH, "caltech-webfaces/images/pic00001.jpg"),
	    DS_PART_CALTECH);
	ck_assert_int_eq(ds_part_of(DS_MTFL, "mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg"),
	    DS_PART_LFW);
	ck_assert_int_eq(ds_part_of(DS_MTFL, "mtfl/images/net_7876/1.jpg"), DS_PART_NET);
	for (int i = 0; i < DS_PART__MAX; i++) {
		ck_assert_int_eq(ds_part_parse(ds_part_name((enum ds_part)i), &p), FF_OK);
		ck_assert_int_eq(p, i);
	}
	ck_assert_str_eq(ds_part_name(DS_PART_LFW), "mtfl-lfw");
	ck_assert_ptr_null(ds_part_name(DS_PART__MAX));
	ck_assert_int_eq(ds_part_parse("mtfl", &p), FF_EINPUT);
	ck_assert_int_eq(ds_part_parse(NULL, &p), FF_EINPUT);
}
END_TEST

/* Eye offsets in the labelled eye line's frame, on a rotated face. */
START_TEST(test_eye_offsets)
{
	/* Labelled eyes 100 px apart along +x: inwards is +x for the left
	 * eye; down the face is +y. */
	struct landmarks t = { .lx = 100, .ly = 200, .rx = 200, .ry = 200 };
	float pl[2] = { 105, 204 }, pr[2] = { 195, 204 };	/* both 5 in, 4 down */
	double o[4];

	geom_eye_offsets(pl, pr, &t, o);
	ck_assert_double_eq_tol(o[0], hypot(5, 4) / 100, 1e-9);
	ck_assert_double_eq_tol(o[1], 0.05, 1e-9);
	ck_assert_double_eq_tol(o[2], 0.04, 1e-9);
	ck_assert_double_eq_tol(o[3], 0, 1e-9);
	/* The same face turned 90 degrees (eye line along +y): the offsets
	 * in its own frame are unchanged. Down the face is then -x. */
	struct landmarks r = { .lx = 0, .ly = 0, .rx = 0, .ry = 100 };
	float ql[2] = { -4, 5 }, qr[2] = { -4, 95 };
	geom_eye_offsets(ql, qr, &r, o);
	ck_assert_double_eq_tol(o[1], 0.05, 1e-9);
	ck_assert_double_eq_tol(o[2], 0.04, 1e-9);
	/* Both eyes shifted the same way to image-right: no inward bias. */
	float sl[2] = { 110, 200 }, sr[2] = { 210, 200 };
	geom_eye_offsets(sl, sr, &t, o);
	ck_assert_double_eq_tol(o[0], 0.10, 1e-9);
	ck_assert_double_eq_tol(o[1], 0, 1e-9);
	ck_assert_double_eq_tol(o[2], 0, 1e-9);
	ck_assert_double_eq_tol(o[3], 0.10, 1e-9);
	/* ... and on the face turned 90 degrees, towards its right eye. */
	float tl[2] = { 0, 7 }, tr[2] = { 0, 107 };
	geom_eye_offsets(tl, tr, &r, o);
	ck_assert_double_eq_tol(o[1], 0, 1e-9);
	ck_assert_double_eq_tol(o[3], 0.07, 1e-9);
	struct landmarks z = { 0 };
	geom_eye_offsets(sl, sr, &z, o);
	ck_assert(isnan(o[0]) && isnan(o[1]) && isnan(o[2]) && isnan(o[3]));
}
END_TEST

/* The degradations, on images whose answer is known. */
START_TEST(test_degrade)
{
	enum { W = 16, H = 16, N = W * H };
	static float x[3 * N], y[3 * N];
	struct rng r1, r2;

	/* A one-pixel checkerboard at half the resolution is flat grey. */
	for (int i = 0; i < 3 * N; i++)
		x[i] = ((i % W) + (i / W)) % 2;
	deg_lowres(x, W, H, 2);
	for (int i = 0; i < 3 * N; i++)
		ck_assert_float_eq_tol(x[i], 0.5f, 1e-6f);
	/* Scaled down and back up, a ramp stays where it was away from the
	 * edges, at any factor: the picture does not move against the
	 * labels (whole-pixel blocks moved it by up to half a pixel). */
	{
		static const double f[] = { 1.5, 2.25, 3, 3.7 };
		for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
			for (int i = 0; i < 3 * N; i++)
				x[i] = (float)(((i % W) + 0.5) / W + ((i / W) % H + 0.5) / (2 * H));
			memcpy(y, x, sizeof x);
			deg_lowres(x, W, H, f[k]);
			double d = 0;
			int n = 0;
			for (int r = 6; r < H - 6; r++)
				for (int c = 6; c < W - 6; c++, n++)
					d += x[r * W + c] - y[r * W + c];
			ck_assert_double_eq_tol(d / n, 0, 1e-4);
		}
	}
	/* A constant stays constant through every one of them. */
	for (int i = 0; i < 3 * N; i++)
		x[i] = 0.25f;
	deg_lowres(x, W, H, 3.3);
	deg_blur(x, W, H, 1.2);
	for (int i = 0; i < 3 * N; i++)
		ck_assert_float_eq_tol(x[i], 0.25f, 1e-5f);
	ck_assert_int_eq(deg_jpeg(x, W, H, 30), FF_OK);
	for (int i = 0; i < 3 * N; i++)
		ck_assert_float_eq_tol(x[i], 0.25f, 2.5f / 255);
	/* Blur spreads an impulse and keeps its sum (far from the edges). */
	memset(x, 0, sizeof x);
	x[8 * W + 8] = 1;
	deg_blur(x, W, H, 1.0);
	{
		double sum = 0;
		for (int i = 0; i < N; i++)
			sum += x[i];
		ck_assert_double_eq_tol(sum, 1.0, 1e-5);
		ck_assert(x[8 * W + 8] < 0.2f && x[8 * W + 8] > 0.1f);
		ck_assert_float_eq_tol(x[8 * W + 7], x[8 * W + 9], 1e-6f);
	}
	/* JPEG at a low quality wears a hard edge. */
	for (int i = 0; i < 3 * N; i++)
		x[i] = (i % W) < W / 2 ? 0.1f : 0.9f;
	memcpy(y, x, sizeof x);
	ck_assert_int_eq(deg_jpeg(x, W, H, 15), FF_OK);
	{
		double d = 0;
		for (int i = 0; i < 3 * N; i++)
			d += fabs(x[i] - y[i]);
		ck_assert(d / (3 * N) > 0.005);
		ck_assert(d / (3 * N) < 0.2);
	}
	/* Light from image-right: the left edge darker, the right brighter
	 * and clipped at 1, the middle about as it was. */
	for (int i = 0; i < 3 * N; i++)
		x[i] = 0.8f;
	deg_light(x, W, H, 0, 0.5);
	ck_assert(x[8 * W] < 0.6f);
	ck_assert_float_eq(x[8 * W + W - 1], 1.0f);
	ck_assert_float_eq_tol(x[8 * W + 8], 0.8f, 0.03f);
	/* With every probability 0 nothing changes; the same seed gives the
	 * same degradation. */
	struct deg_opts none = { 0 };
	for (int i = 0; i < 3 * N; i++)
		x[i] = y[i] = (float)((i * 37) % 101) / 100;
	rng_seed(&r1, 7);
	deg_apply(&r1, &none, x, W, H);
	ck_assert_mem_eq(x, y, sizeof x);
	struct deg_opts all = deg_default;
	all.p_lowres = all.p_blur = all.p_jpeg = all.p_light = 1;
	rng_seed(&r1, 7);
	rng_seed(&r2, 7);
	deg_apply(&r1, &all, x, W, H);
	deg_apply(&r2, &all, y, W, H);
	ck_assert_mem_eq(x, y, sizeof x);
}
END_TEST

/* The centroid of row y's values, in pixel-centre coordinates. */
static double
row_centroid(const float *x, int w, int y)
{
	double s = 0, m = 0;
	for (int i = 0; i < w; i++) {
		s += x[y * w + i];
		m += x[y * w + i] * (i + 0.5);
	}
	return m / s;
}

/*
 * A turned gaze: a dark vertical bar (the iris) through the eye centre
 * slides along the eye line by about the shift at the centre, less
 * towards the rim, and nothing outside the eye-opening ellipse moves.
 */
START_TEST(test_gaze)
{
	enum { W = 60, H = 30, N = W * H };
	static float x[3 * N], y[3 * N];
	const double ex = 30.5, ey = 15.5, iod = 40;	/* centre between pixels 30 and 31 */

	for (int c = 0; c < 3; c++)
		for (int j = 0; j < H; j++)
			for (int i = 0; i < W; i++)
				x[c * N + j * W + i] = (i == 30) ? 1.0f : 0.0f;
	memcpy(y, x, sizeof x);
	deg_gaze(x, W, H, ex, ey, 1, 0, iod, 0);
	ck_assert_mem_eq(x, y, sizeof x);
	deg_gaze(x, W, H, ex, ey, 1, 0, iod, 3);
	/* Centre row: the bar moved right by nearly the whole shift. */
	double c0 = row_centroid(x, W, 15);
	ck_assert_msg(c0 > 30.5 + 2.3 && c0 < 30.5 + 3.05, "centre row moved to %.2f", c0);
	/* Halfway to the rim across the line: moved, but less. */
	double half = row_centroid(x, W, 15 - (int)(GAZE_ACROSS * iod / 2));
	ck_assert_msg(half > 30.5 + 0.8 && half < c0 - 0.3, "half-way row at %.2f", half);
	/* Rows beyond the ellipse, and the green plane's, as red's. */
	for (int j = 0; j < H; j++) {
		if (fabs(j + 0.5 - ey) < GAZE_ACROSS * iod)
			continue;
		ck_assert_mem_eq(&x[j * W], &y[j * W], W * sizeof *x);
	}
	ck_assert_mem_eq(&x[0], &x[N], N * sizeof *x);
	/* The other way, on an eye line turned 90 degrees: a horizontal bar
	 * slides up. */
	for (int c = 0; c < 3; c++)
		for (int j = 0; j < H; j++)
			for (int i = 0; i < W; i++)
				x[c * N + j * W + i] = (j == 15) ? 1.0f : 0.0f;
	deg_gaze(x, W, H, ex, ey, 0, 1, iod, -3);
	double s = 0, m = 0;
	for (int j = 0; j < H; j++) {
		s += x[j * W + 30];
		m += x[j * W + 30] * (j + 0.5);
	}
	ck_assert_msg(m / s < 15.5 - 2.3 && m / s > 15.5 - 3.05, "column centre at %.2f", m / s);
	/* A gaze pick: 0 when its probability is 0, inside the limit when 1. */
	struct deg_opts o = deg_default;
	struct rng r;
	rng_seed(&r, 3);
	o.p_gaze = 0;
	ck_assert(deg_gaze_pick(&r, &o) == 0);
	o.p_gaze = 1;
	for (int k = 0; k < 100; k++) {
		double g = deg_gaze_pick(&r, &o);
		ck_assert(g != 0 && fabs(g) <= o.max_gaze);
	}
}
END_TEST

/* Labels move from counting pixels at 1 to framefit's pixel centres. */
START_TEST(test_label_centre)
{
	struct landmarks p = { 10, 20, 30, 40, 50, 60, 70, 80 };

	ds_label_centre(&p);
	ck_assert_float_eq(p.lx, 10 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.ly, 20 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.rx, 30 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.ry, 40 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.nx, 50 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.ny, 60 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.mx, 70 - DS_LABEL_SHIFT);
	ck_assert_float_eq(p.my, 80 - DS_LABEL_SHIFT);
}
END_TEST

/*
 * A part's convention moves both eye labels by minus its offset in the eye
 * line's frame, the frame evaluate measures in (geom_eye_offsets), at any
 * roll and size; the nose and mouth stay.
 */
START_TEST(test_label_convention)
{
	static const float roll[] = { 0, 0.5f, -2.8f };

	for (int p = 0; p < DS_PART__MAX; p++)
		for (size_t k = 0; k < sizeof roll / sizeof roll[0]; k++) {
			float s = 40 + 30 * k, c = cosf(roll[k]), n = sinf(roll[k]);
			struct landmarks t = { 100, 100, 100 + s * c, 100 + s * n,
			    110, 130, 112, 150 };
			struct landmarks m = t;
			double o[4];
			float pl[2], pr[2];

			ds_label_convention(&m, (enum ds_part)p);
			pl[0] = m.lx; pl[1] = m.ly;
			pr[0] = m.rx; pr[1] = m.ry;
			geom_eye_offsets(pl, pr, &t, o);
			ck_assert_double_eq_tol(o[1], -ds_conventions[p].along_in, 1e-5);
			ck_assert_double_eq_tol(o[2], -ds_conventions[p].down, 1e-5);
			/* both eyes move alike: the midpoint moves only across */
			ck_assert_double_eq_tol(o[3], 0, 1e-5);
			ck_assert_float_eq(m.nx, t.nx);
			ck_assert_float_eq(m.ny, t.ny);
			ck_assert_float_eq(m.mx, t.mx);
			ck_assert_float_eq(m.my, t.my);
		}
	/* every part has a measured offset, none beyond a tenth of an iod */
	for (int p = 0; p < DS_PART__MAX; p++) {
		ck_assert(ds_conventions[p].along_in != 0 || ds_conventions[p].down != 0);
		ck_assert(fabsf(ds_conventions[p].along_in) < 0.1f);
		ck_assert(fabsf(ds_conventions[p].down) < 0.1f);
	}
	/* an unknown part or a face with no eye line is left alone */
	struct landmarks z = { 5, 5, 5, 5, 1, 2, 3, 4 }, y = z;
	ds_label_convention(&z, DS_PART_NET);
	ck_assert_mem_eq(&z, &y, sizeof z);
	z.rx = 50;
	y = z;
	ds_label_convention(&z, DS_PART__MAX);
	ck_assert_mem_eq(&z, &y, sizeof z);
}
END_TEST

START_TEST(test_face_box)
{
	struct fbox b;

	geom_face_box(&box_rows[_i].p, &b);
	ck_assert_float_eq_tol(b.x, box_rows[_i].b.x, 1e-3);
	ck_assert_float_eq_tol(b.y, box_rows[_i].b.y, 1e-3);
	ck_assert_float_eq_tol(b.w, box_rows[_i].b.w, 1e-3);
	ck_assert_float_eq_tol(b.h, box_rows[_i].b.h, 1e-3);
}
END_TEST

START_TEST(test_iou_and_error)
{
	struct fbox a = { 0, 0, 10, 10 }, b = { 5, 0, 10, 10 }, c = { 20, 20, 5, 5 };
	struct landmarks t = { 100, 100, 140, 100, 120, 120, 120, 140 };
	float pl[2] = { 102, 100 }, pr[2] = { 140, 104 };

	ck_assert_float_eq_tol(geom_iou(&a, &b), 50.0 / 150.0, 1e-6);
	ck_assert_float_eq_tol(geom_iou(&a, &a), 1.0, 1e-6);
	ck_assert_float_eq_tol(geom_iou(&a, &c), 0.0, 1e-6);
	ck_assert_float_eq_tol(geom_iod(&t), 40.0, 1e-6);
	/* left off by 2, right by 4: e = 4 / 40 */
	ck_assert_float_eq_tol(geom_eye_error(pl, pr, &t), 0.1, 1e-6);
	ck_assert_int_eq(geom_is_frontal(&t), 1);
	t.nx = 104;	/* nose over the left eye: a profile */
	ck_assert_int_eq(geom_is_frontal(&t), 0);
	float x[2] = { 50, 1 }, y[2] = { 10, 2 };
	geom_order_eyes(x, y);
	ck_assert_float_eq(x[0], 10);
	ck_assert_float_eq(y[0], 50);
}
END_TEST

START_TEST(test_mirror_and_augment)
{
	struct landmarks p = { 10, 20, 30, 22, 20, 30, 21, 40 };
	struct rgb8 im = { 64, 64, NULL }, tmp = { 0, 0, NULL };
	float x[3 * EYES_IN * EYES_IN], y[EYES_OUT_MOUTH];
	struct landmarks big = { 20, 24, 44, 24, 32, 34, 32, 48 };

	geom_mirror(&p, 100);
	ck_assert_float_eq(p.lx, 70);
	ck_assert_float_eq(p.ly, 22);
	ck_assert_float_eq(p.rx, 90);
	ck_assert_float_eq(p.nx, 80);
	/* No augmentation: the eye crop of a face box puts the eyes where
	 * the box geometry says (side 1.15 * (24 + 24) = 55.2, eyes 37 %
	 * down). Encoded targets decode back to those pixels. */
	im.px = calloc(64 * 64, 3);
	aug_eyes_sample(NULL, &im, &big, x, y, EYES_OUT, &tmp);
	double side = 1.15 * 48, scale = EYES_IN / side;
	double cx = 32, cy = 24 + 0.3 * 24;
	ck_assert_float_eq_tol(aug_decode(y[0], EYES_IN), EYES_IN / 2.0 + (20 - cx) * scale, 1e-3);
	ck_assert_float_eq_tol(aug_decode(y[1], EYES_IN), EYES_IN / 2.0 + (24 - cy) * scale, 1e-3);
	ck_assert_float_eq_tol(aug_decode(y[2], EYES_IN), EYES_IN / 2.0 + (44 - cx) * scale, 1e-3);
	/* A network with six outputs also learns the mouth; four leave the
	 * rest of y alone. */
	y[4] = y[5] = 42;
	aug_eyes_sample(NULL, &im, &big, x, y, EYES_OUT, &tmp);
	ck_assert_float_eq(y[4], 42);
	aug_eyes_sample(NULL, &im, &big, x, y, EYES_OUT_MOUTH, &tmp);
	ck_assert_float_eq_tol(aug_decode(y[4], EYES_IN), EYES_IN / 2.0 + (32 - cx) * scale, 1e-3);
	ck_assert_float_eq_tol(aug_decode(y[5], EYES_IN), EYES_IN / 2.0 + (48 - cy) * scale, 1e-3);
	/* With augmentation, the flip keeps "left" on the image's left. */
	struct rng r;
	rng_seed(&r, 7);
	for (int i = 0; i < 200; i++) {
		aug_eyes_sample(&r, &im, &big, x, y, EYES_OUT, &tmp);
		ck_assert_float_lt(y[0], y[2]);
	}
	free(im.px);
	smp_free(&tmp);
}
END_TEST

START_TEST(test_facejson)
{
	struct face f[2] = {
		{ 0.98765f, { 10, 20.26f, 100, 100 }, { 35.04f, 57 }, { 75.5f, 56.96f }, { 0, 0 }, 0 },
		{ 0.5f, { -1.26f, 0, 3, 3 }, { 0, 0 }, { 1, 1 }, { 0, 0 }, 0 },
	};
	struct buf b;

	buf_init(&b);
	facejson_faces(&b, f, 2);
	ck_assert_str_eq(b.ptr,
	    "[{\"score\":0.988,\"box\":[10,20.3,100,100],\"left_eye\":[35,57],\"right_eye\":[75.5,57]},"
	    "{\"score\":0.5,\"box\":[-1.3,0,3,3],\"left_eye\":[0,0],\"right_eye\":[1,1]}]");
	buf_reset(&b);
	facejson_faces(&b, f, 0);
	ck_assert_str_eq(b.ptr, "[]");
	buf_free(&b);
}
END_TEST

static void
fill(float *a, int n, unsigned seed)
{
	for (int i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		a[i] = ((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
	}
}

/* {TA, TB, M, N, K, alpha, beta}: the shapes darknet's conv layers use
 * forward (NN), for weight updates (NT) and for deltas (TN). */
static const struct { int ta, tb, m, n, k; float alpha, beta; } gemm_rows[] = {
	{ 0, 0, 16, 9216, 27, 1, 1 },
	{ 0, 0, 64, 576, 288, 1, 1 },
	{ 0, 1, 32, 144, 2304, 1, 1 },
	{ 1, 0, 288, 576, 64, 1, 0 },
	{ 1, 1, 7, 5, 3, 0.5f, 0.25f },
	{ 0, 0, 1, 1, 1, 2, 0 },
};

START_TEST(test_gemm_equivalence)
{
	int m = gemm_rows[_i].m, n = gemm_rows[_i].n, k = gemm_rows[_i].k;
	int ta = gemm_rows[_i].ta, tb = gemm_rows[_i].tb;
	float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
	float *c1 = malloc(sizeof(float) * m * n), *c2 = malloc(sizeof(float) * m * n);
	double maxerr = 0;

	fill(a, m * k, 1);
	fill(b, k * n, 2);
	fill(c1, m * n, 3);
	memcpy(c2, c1, sizeof(float) * m * n);
	ck_assert_int_eq(blas_use_stock(1), FF_OK);
	gemm(ta, tb, m, n, k, gemm_rows[_i].alpha, a, ta ? m : k, b, tb ? k : n,
	    gemm_rows[_i].beta, c1, n);
	ck_assert_int_eq(blas_use_stock(0), FF_OK);
	gemm(ta, tb, m, n, k, gemm_rows[_i].alpha, a, ta ? m : k, b, tb ? k : n,
	    gemm_rows[_i].beta, c2, n);
	for (int i = 0; i < m * n; i++)
		maxerr = fmax(maxerr, fabs(c1[i] - c2[i]) / (1 + fabs(c1[i])));
	/* Sums of up to 2304 products in a different order. */
	ck_assert_double_lt(maxerr, 1e-4);
	/* And the result is not trivially zero. */
	ck_assert_double_gt(fabs(c2[0]) + fabs(c2[m * n - 1]), 1e-6);
	free(a); free(b); free(c1); free(c2);
}
END_TEST

/* {channels, height, width, ksize, stride, pad} */
static const struct { int c, h, w, k, s, p; } im2col_rows[] = {
	{ 3, 16, 16, 3, 1, 1 }, { 3, 17, 13, 3, 2, 1 }, { 8, 6, 6, 1, 1, 0 },
	{ 4, 4, 4, 4, 1, 0 }, { 2, 9, 7, 3, 1, 0 }, { 1, 5, 5, 5, 2, 2 },
};

START_TEST(test_im2col_equivalence)
{
	int c = im2col_rows[_i].c, h = im2col_rows[_i].h, w = im2col_rows[_i].w;
	int k = im2col_rows[_i].k, s = im2col_rows[_i].s, p = im2col_rows[_i].p;
	int hc = (h + 2 * p - k) / s + 1, wc = (w + 2 * p - k) / s + 1;
	size_t n = (size_t)c * k * k * hc * wc;
	float *im = malloc(sizeof(float) * c * h * w);
	float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);

	fill(im, c * h * w, 9);
	ck_assert_int_eq(blas_use_stock(1), FF_OK);
	im2col_cpu(im, c, h, w, k, s, p, a);
	ck_assert_int_eq(blas_use_stock(0), FF_OK);
	memset(b, 0xff, sizeof(float) * n);	/* NaNs where nothing is written */
	im2col_cpu(im, c, h, w, k, s, p, b);
	ck_assert_int_eq(memcmp(a, b, sizeof(float) * n), 0);
	free(im); free(a); free(b);
}
END_TEST

START_TEST(test_activation_equivalence)
{
	/* LOGISTIC, RELU, LINEAR, LEAKY, TANH: ours against libdarknet's. */
	static const int acts[] = { 0, 1, 3, 7, 5 };
	float a[1000], b[1000];

	for (size_t k = 0; k < sizeof acts / sizeof acts[0]; k++) {
		fill(a, 1000, 11 + k);
		for (int i = 0; i < 1000; i++)
			a[i] *= 8;	/* reach the tails of the logistic */
		memcpy(b, a, sizeof a);
		ck_assert_int_eq(blas_use_stock(1), FF_OK);
		activate_array(a, 1000, acts[k]);
		ck_assert_int_eq(blas_use_stock(0), FF_OK);
		activate_array(b, 1000, acts[k]);
		for (int i = 0; i < 1000; i++)
			ck_assert_float_eq_tol(a[i], b[i], 1e-6);
	}
}
END_TEST

/* Exported by libdarknet, not declared in darknet.h. */
layer make_maxpool_layer(int batch, int h, int w, int c, int size, int stride, int padding);

/* Max pools of the shapes our networks use (2/2 and tiny YOLO's 2/1),
 * and odd sizes and paddings: outputs and indexes exactly libdarknet's. */
static const struct { int h, w, c, size, stride, pad; } pool_rows[] = {
	{ 12, 12, 3, 2, 2, 1 },
	{ 13, 11, 2, 2, 2, 1 },
	{ 6, 6, 4, 2, 1, 1 },
	{ 7, 9, 2, 3, 2, 2 },
	{ 8, 8, 1, 3, 1, 0 },
	{ 9, 21, 3, 2, 2, 1 },	/* several four-window SIMD steps per row */
};

START_TEST(test_maxpool_equivalence)
{
	int h = pool_rows[_i].h, w = pool_rows[_i].w, c = pool_rows[_i].c;
	layer l = make_maxpool_layer(2, h, w, c, pool_rows[_i].size,
	    pool_rows[_i].stride, pool_rows[_i].pad);
	network net;
	size_t n = (size_t)l.outputs * l.batch;
	float *in = malloc(sizeof(float) * l.inputs * l.batch), *out = malloc(sizeof(float) * n);
	int *idx = malloc(sizeof(int) * n);

	memset(&net, 0, sizeof net);
	fill(in, l.inputs * l.batch, 40 + _i);
	/* Ties: the first maximum must win, across and down a window. */
	in[3] = in[4];
	in[0] = in[1] = 100;
	in[2] = in[2 + w] = 100;
	net.input = in;
	ck_assert_int_eq(blas_use_stock(1), FF_OK);
	forward_maxpool_layer(l, net);
	memcpy(out, l.output, sizeof(float) * n);
	memcpy(idx, l.indexes, sizeof(int) * n);
	ck_assert_int_eq(blas_use_stock(0), FF_OK);
	memset(l.output, 0, sizeof(float) * n);
	memset(l.indexes, 0, sizeof(int) * n);
	forward_maxpool_layer(l, net);
	ck_assert_int_eq(memcmp(out, l.output, sizeof(float) * n), 0);
	ck_assert_int_eq(memcmp(idx, l.indexes, sizeof(int) * n), 0);
	/* libdarknet's own layer calls the replacement too (its GOT). */
	memset(l.output, 0, sizeof(float) * n);
	l.forward(l, net);
	ck_assert_int_eq(memcmp(out, l.output, sizeof(float) * n), 0);
	free(in); free(out); free(idx);
	free(l.output); free(l.indexes); free(l.delta);
}
END_TEST

/* Area sampling: {image w, h, truecolor, x0, y0, w, h, k}; edges, blocks
 * cut by the image and the SIMD tail (widths not a multiple of 4). */
static const struct { int W, H, tc, x0, y0, w, h, k; } area_rows[] = {
	{ 37, 29, 1, 0, 0, 37, 29, 1 },
	{ 37, 29, 1, 0, 0, 37, 29, 5 },
	{ 37, 29, 1, 3, 2, 30, 25, 3 },
	{ 37, 29, 1, -4, -3, 50, 50, 7 },
	{ 37, 29, 1, 10, 20, 27, 9, 13 },	/* h < k: one row of blocks */
	{ 200, 150, 1, 0, 0, 200, 150, 6 },
	{ 37, 29, 0, 1, 1, 33, 27, 4 },		/* palette: gd's accessor */
};

START_TEST(test_area_sampling)
{
	int W = area_rows[_i].W, H = area_rows[_i].H, k = area_rows[_i].k;
	int x0 = area_rows[_i].x0, y0 = area_rows[_i].y0, w = area_rows[_i].w, h = area_rows[_i].h;
	gdImagePtr im = area_rows[_i].tc ? gdImageCreateTrueColor(W, H) : gdImageCreate(W, H);
	struct rgb8 out = { 0, 0, NULL };
	unsigned seed = 7 + _i;

	ck_assert_ptr_nonnull(im);
	for (int c = 0; !area_rows[_i].tc && c < 256; c++)
		gdImageColorAllocate(im, c, 255 - c, (c * 7) & 0xff);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			seed = seed * 1103515245u + 12345u;
			gdImageSetPixel(im, x, y, area_rows[_i].tc ?
			    (int)((seed >> 8) & 0xffffff) : (int)((seed >> 16) & 0xff));
		}
	smp_from_gd_area(im, x0, y0, w, h, k, &out);
	/* The reference: clip, then the rounded mean of each block's pixels
	 * that lie inside the clipped area. */
	if (x0 < 0) { w += x0; x0 = 0; }
	if (y0 < 0) { h += y0; y0 = 0; }
	if (x0 + w > W) w = W - x0;
	if (y0 + h > H) h = H - y0;
	ck_assert_int_eq(out.w, w / k > 0 ? w / k : 1);
	ck_assert_int_eq(out.h, h / k > 0 ? h / k : 1);
	for (int oy = 0; oy < out.h; oy++)
		for (int ox = 0; ox < out.w; ox++) {
			unsigned sum[3] = { 0, 0, 0 }, n = 0;
			for (int y = y0 + oy * k; y < y0 + oy * k + k && y < y0 + h; y++)
				for (int x = x0 + ox * k; x < x0 + ox * k + k; x++, n++) {
					int c = gdImageGetTrueColorPixel(im, x, y);
					sum[0] += (c >> 16) & 0xff;
					sum[1] += (c >> 8) & 0xff;
					sum[2] += c & 0xff;
				}
			for (int c = 0; c < 3; c++)
				ck_assert_uint_eq(out.px[(oy * out.w + ox) * 3 + c], (sum[c] + n / 2) / n);
		}
	smp_free(&out);
	gdImageDestroy(im);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("vision");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_line, 0, sizeof parse_rows / sizeof parse_rows[0]);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_parts);
	tcase_add_test(tc, test_eye_offsets);
	tcase_add_test(tc, test_degrade);
	tcase_add_test(tc, test_gaze);
	tcase_add_test(tc, test_label_centre);
	tcase_add_test(tc, test_label_convention);
	tcase_add_loop_test(tc, test_face_box, 0, sizeof box_rows / sizeof box_rows[0]);
	tcase_add_test(tc, test_iou_and_error);
	tcase_add_test(tc, test_mirror_and_augment);
	tcase_add_test(tc, test_facejson);
	tcase_add_loop_test(tc, test_area_sampling, 0, sizeof area_rows / sizeof area_rows[0]);
	tcase_add_loop_test(tc, test_gemm_equivalence, 0, sizeof gemm_rows / sizeof gemm_rows[0]);
	tcase_add_test(tc, test_activation_equivalence);
	tcase_add_loop_test(tc, test_maxpool_equivalence, 0, sizeof pool_rows / sizeof pool_rows[0]);
	tcase_add_loop_test(tc, test_im2col_equivalence, 0, sizeof im2col_rows / sizeof im2col_rows[0]);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
