/*
 * gen_costly: write the costly-but-valid photos of the hostile-input
 * corpus (the 11x cases, tests/hostile/README.md) into a directory, made
 * by the same generators as bench/bench_cost (tests/costly.c), so no
 * such file is ever committed:
 *
 *   phone.jpg        the reference: a 12 MP (4032 x 3024) phone-sized
 *                    selfie, baseline, quality 92
 *   phone-prog.jpg   the same, progressive (libjpeg's standard scans):
 *                    the budget's own reference (decode.h)
 *   scans.jpg        7071 x 7071 progressive JPEG of 496 scans
 *   base50.jpg       7071 x 7071 baseline JPEG (shrunk in the DCT)
 *   over.jpg         progressive, standard scans, just over the budget
 *   under.jpg        the same, just within it
 *   cmyk50.jpg       7071 x 7071 CMYK JPEG (decoded whole: refused)
 *   cmyk8.jpg        2828 x 2828 CMYK JPEG (within the full-size budget)
 *   rgba.png         7071 x 7071 RGBA PNG
 *   lossless.webp    7071 x 7071 lossless WebP
 *   bands.gif        7071 x 7071 GIF
 *
 * and prints one line per file: name, bytes, size in pixels and the
 * largest share of the decode budget its headers claim (img_cost()), in
 * per cent, so that "just over" and "just under" are seen to be so.
 *
 *   gen_costly FACE.jpg DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "costly.h"
#include "image/decode.h"

static double
share(const void *p, size_t len)
{
	struct img_cost	 c;

	if (img_cost(p, len, &c) != FF_OK)
		return -1;
	return img_budget_share(&c);
}

/* Write p to dir/name and say what it is; frees p. 0 or -1. */
static int
put(const char *dir, const char *name, void *p, size_t len, int w, int h)
{
	char	 path[4096];
	FILE	*f;
	int	 rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, f) != len) {
		perror(path);
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0) {
		perror(path);
		rc = -1;
	}
	printf("%-15s %9zu bytes %5d x %-5d budget %6.1f%%\n", name, len, w, h,
	    100 * share(p, len));
	free(p);
	return rc;
}

/* libgd's writers allocate with gdMalloc; hand put() a malloc()ed copy. */
static void *
own(void *gd, int n, size_t *len)
{
	void *p;

	if (gd == NULL || n <= 0 || (p = malloc((size_t)n)) == NULL)
		abort();
	memcpy(p, gd, (size_t)n);
	gdFree(gd);
	*len = (size_t)n;
	return p;
}

int
main(int argc, char **argv)
{
	gdImagePtr	 face, im;
	const char	*dir;
	void		*p;
	size_t		 len;
	int		 rc = 0, n;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_costly FACE.jpg DIR\n");
		return 2;
	}
	dir = argv[2];
	if (img_load_file(argv[1], NULL, &face, NULL) != FF_OK) {
		fprintf(stderr, "gen_costly: cannot read %s\n", argv[1]);
		return 1;
	}
	im = costly_phone(face, 4032, 3024);
	gdImageDestroy(face);
	p = costly_jpeg(im, 92, 0, 0, &len);
	rc |= put(dir, "phone.jpg", p, len, 4032, 3024);
	p = costly_jpeg(im, 92, 1, 0, &len);
	rc |= put(dir, "phone-prog.jpg", p, len, 4032, 3024);
	gdImageDestroy(im);

	/* The budget's coefficient memory is twice the reference's blocks:
	 * 4:2:0 at 5680 x 4288 is just within it, 5696 x 4288 just over. */
	im = costly_flat(5696, 4288, 0);
	p = costly_jpeg(im, 75, 1, 0, &len);
	rc |= put(dir, "over.jpg", p, len, 5696, 4288);
	gdImageDestroy(im);
	im = costly_flat(5680, 4288, 0);
	p = costly_jpeg(im, 75, 1, 0, &len);
	rc |= put(dir, "under.jpg", p, len, 5680, 4288);
	gdImageDestroy(im);
	im = costly_flat(2828, 2828, 0);
	p = costly_jpeg(im, 75, 0, 1, &len);
	rc |= put(dir, "cmyk8.jpg", p, len, 2828, 2828);
	gdImageDestroy(im);

	im = costly_flat(7071, 7071, 0);
	p = costly_jpeg(im, 75, 496, 0, &len);
	rc |= put(dir, "scans.jpg", p, len, 7071, 7071);
	p = costly_jpeg(im, 75, 0, 0, &len);
	rc |= put(dir, "base50.jpg", p, len, 7071, 7071);
	p = costly_jpeg(im, 75, 0, 1, &len);
	rc |= put(dir, "cmyk50.jpg", p, len, 7071, 7071);
	gdImageDestroy(im);
	im = costly_flat(7071, 7071, 1);
	p = gdImagePngPtrEx(im, &n, 9);
	p = own(p, n, &len);
	rc |= put(dir, "rgba.png", p, len, 7071, 7071);
	p = gdImageWebpPtrEx(im, &n, gdWebpLossless);
	p = own(p, n, &len);
	rc |= put(dir, "lossless.webp", p, len, 7071, 7071);
	gdImageDestroy(im);
	im = costly_bands(7071, 7071);
	p = gdImageGifPtr(im, &n);
	p = own(p, n, &len);
	rc |= put(dir, "bands.gif", p, len, 7071, 7071);
	gdImageDestroy(im);
	return rc == 0 ? 0 : 1;
}
