/*
 * degrade.c: low resolution, blur, JPEG wear, hard light and turned gazes
 * on a CHW float tensor (degrade.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "core/xalloc.h"
#include "image/sample.h"
#include "vision/degrade.h"

/*
 * A quarter of the crops lose resolution: up to a quarter of the side,
 * which turns the eye crop of a face into that of a face with eyes about
 * a quarter as far apart in pixels, the smallest faces the detector
 * finds. Blur and JPEG wear as web photos show them; light from the side
 * strong enough to blow out one cheek. Most crops stay clean, so the
 * networks still learn the sharp case. Most crops have the gaze turned,
 * up to as far as the iris goes before it meets the corner of the eye,
 * either way: turning more of them, and further, made the found eyes
 * follow the iris less (models/README.md, "Gaze"), which a frame must
 * not do.
 */
const struct deg_opts deg_default = {
	.p_lowres = 0.25, .max_shrink = 4.0,
	.p_blur = 0.2, .max_sigma = 1.5,
	.p_jpeg = 0.25, .jpeg_q_min = 15, .jpeg_q_max = 60,
	.p_light = 0.2,
	.p_gaze = 0.8, .max_gaze = 0.15,
};

static float
clamp01(float v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* The mean of p[k * stride] over [a, b), pixel k covering [k, k + 1). */
static float
box_mean(const float *p, size_t stride, double a, double b)
{
	double sum = 0;

	for (int k = (int)floor(a); k < b; k++) {
		double lo = k > a ? k : a, hi = k + 1 < b ? k + 1 : b;
		sum += p[(size_t)k * stride] * (hi - lo);
	}
	return (float)(sum / (b - a));
}

void
deg_lowres(float *x, int w, int h, double shrink)
{
	int sw, sh;
	float *s, *t;

	if (!(shrink > 1) || w < 2 || h < 2)
		return;
	sw = (int)lround(w / shrink);
	sh = (int)lround(h / shrink);
	if (sw < 2) sw = 2;
	if (sh < 2) sh = 2;
	s = xcalloc((size_t)sw * sh * 3, sizeof *s);
	t = xcalloc((size_t)sw * h, sizeof *t);
	for (int c = 0; c < 3; c++) {
		const float *src = x + (size_t)c * w * h;
		float *dst = s + (size_t)c * sw * sh;
		/* Area average over each small pixel's exact footprint, source
		 * pixels cut at its edges counted by the part inside: whole
		 * source pixels would move the picture by up to half a pixel
		 * against the labels. Rows first, then columns. */
		for (int y = 0; y < h; y++)
			for (int i = 0; i < sw; i++)
				t[(size_t)y * sw + i] = box_mean(src + (size_t)y * w, 1,
				    (double)i * w / sw, (double)(i + 1) * w / sw);
		for (int j = 0; j < sh; j++)
			for (int i = 0; i < sw; i++)
				dst[(size_t)j * sw + i] = box_mean(t + i, sw,
				    (double)j * h / sh, (double)(j + 1) * h / sh);
	}
	free(t);
	for (int c = 0; c < 3; c++) {
		const float *src = s + (size_t)c * sw * sh;
		float *dst = x + (size_t)c * w * h;
		/* Bilinear, pixel centres aligned, edges clamped. */
		for (int y = 0; y < h; y++) {
			double v = (y + 0.5) * sh / h - 0.5;
			int v0 = (int)floor(v);
			double fv = v - v0;
			int va = v0 < 0 ? 0 : v0, vb = v0 + 1 > sh - 1 ? sh - 1 : v0 + 1;
			for (int xx = 0; xx < w; xx++) {
				double u = (xx + 0.5) * sw / w - 0.5;
				int u0 = (int)floor(u);
				double fu = u - u0;
				int ua = u0 < 0 ? 0 : u0, ub = u0 + 1 > sw - 1 ? sw - 1 : u0 + 1;
				double top = src[(size_t)va * sw + ua] * (1 - fu) + src[(size_t)va * sw + ub] * fu;
				double bot = src[(size_t)vb * sw + ua] * (1 - fu) + src[(size_t)vb * sw + ub] * fu;
				dst[(size_t)y * w + xx] = (float)(top * (1 - fv) + bot * fv);
			}
		}
	}
	free(s);
}

void
deg_blur(float *x, int w, int h, double sigma)
{
	int r;
	float *k, *t;

	if (!(sigma > 0) || w < 1 || h < 1)
		return;
	r = (int)ceil(3 * sigma);
	k = xcalloc(2 * r + 1, sizeof *k);
	{
		double sum = 0;
		for (int i = -r; i <= r; i++)
			sum += k[i + r] = (float)exp(-(double)i * i / (2 * sigma * sigma));
		for (int i = 0; i <= 2 * r; i++)
			k[i] = (float)(k[i] / sum);
	}
	t = xcalloc((size_t)w * h, sizeof *t);
	for (int c = 0; c < 3; c++) {
		float *p = x + (size_t)c * w * h;
		for (int y = 0; y < h; y++)
			for (int xx = 0; xx < w; xx++) {
				double a = 0;
				for (int i = -r; i <= r; i++) {
					int q = xx + i < 0 ? 0 : xx + i >= w ? w - 1 : xx + i;
					a += k[i + r] * p[(size_t)y * w + q];
				}
				t[(size_t)y * w + xx] = (float)a;
			}
		for (int y = 0; y < h; y++)
			for (int xx = 0; xx < w; xx++) {
				double a = 0;
				for (int i = -r; i <= r; i++) {
					int q = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
					a += k[i + r] * t[(size_t)q * w + xx];
				}
				p[(size_t)y * w + xx] = (float)a;
			}
	}
	free(t);
	free(k);
}

enum ff_err
deg_jpeg(float *x, int w, int h, int quality)
{
	gdImagePtr im, back = NULL;
	enum ff_err er = FF_EIO;
	void *jpg = NULL;
	int len = 0;

	if ((im = gdImageCreateTrueColor(w, h)) == NULL)
		return FF_EIO;
	smp_chw_to_gd(x, im);
	if ((jpg = gdImageJpegPtr(im, &len, quality)) == NULL ||
	    (back = gdImageCreateFromJpegPtr(len, jpg)) == NULL ||
	    gdImageSX(back) != w || gdImageSY(back) != h)
		goto out;
	smp_gd_to_chw(back, x);
	er = FF_OK;
out:
	if (back != NULL)
		gdImageDestroy(back);
	if (jpg != NULL)
		gdFree(jpg);
	gdImageDestroy(im);
	return er;
}

void
deg_light(float *x, int w, int h, double angle, double s)
{
	size_t n = (size_t)w * h;
	double ca = cos(angle), sa = sin(angle), half = hypot(w, h) / 2;

	for (int y = 0; y < h; y++)
		for (int xx = 0; xx < w; xx++) {
			double t = ((xx + 0.5 - w / 2.0) * ca + (y + 0.5 - h / 2.0) * sa) / half;
			float f = (float)(1 + s * t);
			size_t i = (size_t)y * w + xx;
			for (int c = 0; c < 3; c++)
				x[i + c * n] = clamp01(x[i + c * n] * f);
		}
}

void
deg_gaze(float *x, int w, int h, double ex, double ey, double ux, double uy,
    double iod, double shift)
{
	double a = GAZE_ALONG * iod, b = GAZE_ACROSS * iod, n = hypot(ux, uy);
	int x0, y0, x1, y1, bw, bh;
	float *src;

	if (!(iod > 0) || !(n > 0) || shift == 0 || w < 1 || h < 1)
		return;
	ux /= n;
	uy /= n;
	/* The ellipse's bounding box, clipped to the tensor; the warp reads
	 * from a copy of it (plus a pixel each side for bilinear reads). */
	double rx = sqrt(a * a * ux * ux + b * b * uy * uy);
	double ry = sqrt(a * a * uy * uy + b * b * ux * ux);
	x0 = (int)floor(ex - rx) - 1; x1 = (int)ceil(ex + rx) + 1;
	y0 = (int)floor(ey - ry) - 1; y1 = (int)ceil(ey + ry) + 1;
	if (x0 < 0) x0 = 0;
	if (y0 < 0) y0 = 0;
	if (x1 > w - 1) x1 = w - 1;
	if (y1 > h - 1) y1 = h - 1;
	if (x1 < x0 || y1 < y0)
		return;
	bw = x1 - x0 + 1;
	bh = y1 - y0 + 1;
	src = xcalloc((size_t)bw * bh * 3, sizeof *src);
	for (int c = 0; c < 3; c++)
		for (int y = 0; y < bh; y++)
			memcpy(src + ((size_t)c * bh + y) * bw,
			    x + ((size_t)c * h + y0 + y) * w + x0, bw * sizeof *src);
	for (int y = y0; y <= y1; y++)
		for (int xx = x0; xx <= x1; xx++) {
			/* Pixel centres; the label is a point in the same frame. */
			double px = xx + 0.5 - ex, py = y + 0.5 - ey;
			double s = (px * ux + py * uy) / a, t = (-px * uy + py * ux) / b;
			double r2 = s * s + t * t;
			if (r2 >= 1)
				continue;
			/* (1 - r^2)^2: full at the centre, flat at the rim, so
			 * the opening's edge does not tear. Backward map. */
			double k = shift * (1 - r2) * (1 - r2);
			double sx = xx - k * ux - x0, sy = y - k * uy - y0;
			if (sx < 0) sx = 0;
			if (sy < 0) sy = 0;
			if (sx > bw - 1) sx = bw - 1;
			if (sy > bh - 1) sy = bh - 1;
			int i0 = (int)sx, j0 = (int)sy;
			int i1 = i0 + 1 < bw ? i0 + 1 : i0, j1 = j0 + 1 < bh ? j0 + 1 : j0;
			double fu = sx - i0, fv = sy - j0;
			for (int c = 0; c < 3; c++) {
				const float *p = src + (size_t)c * bh * bw;
				double top = p[j0 * bw + i0] * (1 - fu) + p[j0 * bw + i1] * fu;
				double bot = p[j1 * bw + i0] * (1 - fu) + p[j1 * bw + i1] * fu;
				x[((size_t)c * h + y) * w + xx] = (float)(top * (1 - fv) + bot * fv);
			}
		}
	free(src);
}

static double
urange(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

double
deg_gaze_pick(struct rng *r, const struct deg_opts *o)
{
	if (!(rng_uniform(r) < o->p_gaze))
		return 0;
	return urange(r, -o->max_gaze, o->max_gaze);
}

void
deg_apply(struct rng *r, const struct deg_opts *o, float *x, int w, int h)
{
	/* A camera's order: light, then the lens and the shake, then the
	 * sensor's (or a thumbnail's) pixels, then the encoder. */
	if (rng_uniform(r) < o->p_light)
		deg_light(x, w, h, urange(r, 0, 2 * M_PI), urange(r, 0.2, 0.6));
	if (rng_uniform(r) < o->p_blur)
		deg_blur(x, w, h, urange(r, 0.4, o->max_sigma));
	if (rng_uniform(r) < o->p_lowres)
		deg_lowres(x, w, h, urange(r, 1.5, o->max_shrink));
	if (rng_uniform(r) < o->p_jpeg)
		(void)deg_jpeg(x, w, h, (int)lround(urange(r, o->jpeg_q_min, o->jpeg_q_max)));
}
