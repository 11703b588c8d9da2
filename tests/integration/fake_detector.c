/*
 * fake_detector.c: a stand-in for src/vision/detector.c, linked into
 * tests/integration/framefit_fake.fcgi only, so the web test can check the
 * whole success path (303, result page, render, DB rows, delete) strictly
 * while the real weights are still training.
 *
 * It "finds" one face in the middle of any photo with some contrast, eyes
 * where a centred, frontal LFW crop has them, and no face in a photo whose
 * pixels are all nearly the same colour (the test's no-face case).
 */
#include <stdlib.h>
#include <string.h>

#include "vision/detector.h"

struct detector {
	int	unused;
};

enum ff_err
det_open(const struct det_opts *o, struct detector **out)
{
	(void)o;
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? FF_OK : FF_ENOMEM;
}

void
det_close(struct detector *d)
{
	free(d);
}

const char *
det_version(const struct detector *d)
{
	(void)d;
	return "fake-detector";
}

/* The spread of the grey levels on a coarse grid, 0..255. */
static int
contrast(gdImagePtr im)
{
	int x, y, c, g, lo = 255, hi = 0;

	for (y = 0; y < gdImageSY(im); y += 1 + gdImageSY(im) / 16)
		for (x = 0; x < gdImageSX(im); x += 1 + gdImageSX(im) / 16) {
			c = gdImageGetTrueColorPixel(im, x, y);
			g = (gdTrueColorGetRed(c) + gdTrueColorGetGreen(c) +
			    gdTrueColorGetBlue(c)) / 3;
			if (g < lo)
				lo = g;
			if (g > hi)
				hi = g;
		}
	return hi - lo;
}

enum ff_err
det_run(struct detector *d, gdImagePtr im, struct det_result *r)
{
	float w = gdImageSX(im), h = gdImageSY(im);

	(void)d;
	memset(r, 0, sizeof(*r));
	r->ms = 0.1;
	if (contrast(im) < 16)
		return FF_OK;
	r->n = 1;
	r->faces[0].score = 0.9f;
	r->faces[0].box.x = 0.30f * w;
	r->faces[0].box.y = 0.28f * h;
	r->faces[0].box.w = 0.40f * w;
	r->faces[0].box.h = 0.40f * w;
	r->faces[0].left_eye[0] = 0.41f * w;
	r->faces[0].left_eye[1] = 0.46f * h;
	r->faces[0].right_eye[0] = 0.59f * w;
	r->faces[0].right_eye[1] = 0.46f * h;
	return FF_OK;
}

enum ff_err
det_find_eyes(struct detector *d, gdImagePtr im, struct face *f)
{
	(void)d;
	(void)im;
	(void)f;
	return FF_EMODEL;
}
