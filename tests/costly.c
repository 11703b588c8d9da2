/*
 * costly.c: the costly images of costly.h (see there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

#include "costly.h"

/* Deterministic noise, so every run makes the same bytes. */
static uint32_t	 rng;

static int
noise(int amp)
{
	int s = 0, i;

	/* Sum of four uniforms: close enough to a camera's Gaussian. */
	for (i = 0; i < 4; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		s += (int)(rng % (unsigned)(2 * amp + 1)) - amp;
	}
	return s / 2;
}

static int
clamp(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

gdImagePtr
costly_phone(gdImagePtr face, int w, int h)
{
	gdImagePtr	 im;
	int		 x, y;

	rng = 2463534242u;
	gdImageSetInterpolationMethod(face, GD_BICUBIC);
	im = gdImageScale(face, (unsigned)w, (unsigned)h);
	if (im == NULL)
		return NULL;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			int p = im->tpixels[y][x], d = noise(6);
			im->tpixels[y][x] = gdTrueColor(
			    clamp(gdTrueColorGetRed(p) + d + noise(3)),
			    clamp(gdTrueColorGetGreen(p) + d + noise(3)),
			    clamp(gdTrueColorGetBlue(p) + d + noise(3)));
		}
	return im;
}

gdImagePtr
costly_flat(int w, int h, int alpha)
{
	gdImagePtr	 im = gdImageCreateTrueColor(w, h);
	int		 x, y;

	if (im == NULL)
		return NULL;
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, alpha);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			im->tpixels[y][x] = gdTrueColorAlpha(x * 255 / w,
			    y * 255 / h, 128, alpha ? 40 : 0);
	return im;
}

gdImagePtr
costly_bands(int w, int h)
{
	gdImagePtr	 im = gdImageCreate(w, h);
	int		 c[4], y;

	if (im == NULL)
		return NULL;
	c[0] = gdImageColorAllocate(im, 200, 180, 160);
	c[1] = gdImageColorAllocate(im, 90, 110, 140);
	c[2] = gdImageColorAllocate(im, 30, 30, 30);
	c[3] = gdImageColorAllocate(im, 240, 240, 235);
	for (y = 0; y < h; y++)
		gdImageLine(im, 0, y, w - 1, y, c[(y / 64) % 4]);
	return im;
}

void *
costly_jpeg(gdImagePtr im, int q, int scans, int cmyk, size_t *len)
{
	struct jpeg_compress_struct	 c;
	struct jpeg_error_mgr		 jerr;
	jpeg_scan_info			*si = NULL;
	unsigned char			*out = NULL, *row;
	unsigned long			 olen = 0;
	int				 w = gdImageSX(im), h = gdImageSY(im);
	int				 x, y, n = 0, k, comp, al, nc = cmyk ? 4 : 3;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &olen);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = nc;
	c.in_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, q, TRUE);
	if (scans == 1)
		jpeg_simple_progression(&c);
	else if (scans > 1) {
		si = calloc((size_t)scans + 4, sizeof(*si));
		if (si == NULL)
			abort();
		si[n].comps_in_scan = nc;
		for (k = 0; k < nc; k++)
			si[n].component_index[k] = k;
		si[n].Ss = si[n].Se = 0;
		n++;
		/* AC first scans at Al = 1, then refinements at Al = 0, one
		 * coefficient and one component at a time, until the count. */
		for (al = 1; al >= 0 && n < scans; al--)
			for (k = 1; k < 64 && n < scans; k++)
				for (comp = 0; comp < nc && n < scans; comp++) {
					si[n].comps_in_scan = 1;
					si[n].component_index[0] = comp;
					si[n].Ss = si[n].Se = k;
					si[n].Ah = al == 1 ? 0 : 1;
					si[n].Al = al;
					n++;
				}
		c.scan_info = si;
		c.num_scans = n;
	}
	jpeg_start_compress(&c, TRUE);
	if ((row = malloc((size_t)w * (size_t)nc)) == NULL)
		abort();
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			int p = gdImageGetTrueColorPixel(im, x, y);
			int r = gdTrueColorGetRed(p), g = gdTrueColorGetGreen(p);
			int b = gdTrueColorGetBlue(p);

			if (cmyk) {
				/* Adobe's inverted CMYK, as Photoshop saves it:
				 * 255 is no ink. */
				int kk = r > g ? (r > b ? r : b) : (g > b ? g : b);

				row[4 * x] = (unsigned char)(255 - (kk - r));
				row[4 * x + 1] = (unsigned char)(255 - (kk - g));
				row[4 * x + 2] = (unsigned char)(255 - (kk - b));
				row[4 * x + 3] = (unsigned char)kk;
			} else {
				row[3 * x] = (unsigned char)r;
				row[3 * x + 1] = (unsigned char)g;
				row[3 * x + 2] = (unsigned char)b;
			}
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	free(si);
	*len = olen;
	return out;
}
