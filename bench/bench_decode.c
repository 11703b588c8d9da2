/*
 * bench_decode: decode + downscale of a large JPEG to the try-on size
 * (TRYON_MAX_SIDE, 1600 px), the first stage of every POST /tryon.
 *
 * The JPEGs are made at run time: a shared face photo (caltech-webfaces
 * pic00001.jpg, 361 x 384) upscaled with libgd (bicubic) to a long side
 * of 3000 px (6 MP, a phone photo) and 2000 px (2.7 MP), encoded at
 * quality 90. Each path runs REPS times after one warm-up; the median is
 * printed. The baseline is the previous path in the same process: libgd
 * decodes, then gdImageCopyResampled() shrinks (what img_downscale()
 * did). The new path is img_decode() with max_side 1600. The downscale
 * alone is timed too, on the same decoded image, and the two results are
 * compared (mean absolute difference per channel). It prints numbers; it
 * does not pass or fail.
 *
 *   bench/bench_decode [photo.jpg]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "core/clock.h"
#include "image/decode.h"

#define REPS		15
#define MAX_SIDE	1600	/* TRYON_MAX_SIDE of src/app/tryon.h */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The target size, as img_downscale() computes it. */
static void
target(int w, int h, int *nw, int *nh)
{
	if (w >= h) {
		*nw = MAX_SIDE;
		*nh = (int)(((uint64_t)h * MAX_SIDE + w / 2) / w);
	} else {
		*nh = MAX_SIDE;
		*nw = (int)(((uint64_t)w * MAX_SIDE + h / 2) / h);
	}
}

/* The previous img_downscale(): libgd's area-averaging resample. */
static gdImagePtr
old_downscale(gdImagePtr src)
{
	gdImagePtr	 dst;
	int		 nw, nh;

	target(gdImageSX(src), gdImageSY(src), &nw, &nh);
	dst = gdImageCreateTrueColor(nw, nh);
	gdImageAlphaBlending(dst, 0);
	gdImageSaveAlpha(dst, src->saveAlphaFlag);
	gdImageCopyResampled(dst, src, 0, 0, 0, 0, nw, nh,
	    gdImageSX(src), gdImageSY(src));
	return dst;
}

static double
mean_abs_diff(gdImagePtr a, gdImagePtr b)
{
	double	 sum = 0;
	int	 x, y, k, ca, cb;

	for (y = 0; y < gdImageSY(a); y++)
		for (x = 0; x < gdImageSX(a); x++) {
			ca = a->tpixels[y][x];
			cb = b->tpixels[y][x];
			for (k = 0; k < 24; k += 8)
				sum += abs(((ca >> k) & 0xff) - ((cb >> k) & 0xff));
		}
	return sum / (3.0 * gdImageSX(a) * gdImageSY(a));
}

static void
bench(gdImagePtr photo, int side)
{
	struct img_limits lim = { 0, MAX_SIDE }, none = { 0, 0 };
	double		 t_old[REPS], t_new[REPS], t_dec[REPS], t_ds_old[REPS],
			 t_ds_new[REPS], t0, diff;
	gdImagePtr	 big, im, small, ref;
	void		*jpg;
	int		 w, h, len, r;

	if (gdImageSX(photo) >= gdImageSY(photo)) {
		w = side;
		h = (int)((int64_t)gdImageSY(photo) * side / gdImageSX(photo));
	} else {
		h = side;
		w = (int)((int64_t)gdImageSX(photo) * side / gdImageSY(photo));
	}
	gdImageSetInterpolationMethod(photo, GD_BICUBIC);
	big = gdImageScale(photo, (unsigned)w, (unsigned)h);
	jpg = gdImageJpegPtr(big, &len, 90);
	gdImageDestroy(big);

	for (r = -1; r < REPS; r++) {	/* r == -1: warm-up */
		/* Old: libgd decodes, gdImageCopyResampled shrinks. */
		t0 = ff_now_ms();
		im = gdImageCreateFromJpegPtrEx(len, jpg, 0);
		small = old_downscale(im);
		gdImageDestroy(im);
		gdImageDestroy(small);
		if (r >= 0)
			t_old[r] = ff_now_ms() - t0;

		/* New: img_decode() with the limit, as POST /tryon calls it. */
		t0 = ff_now_ms();
		if (img_decode(jpg, (size_t)len, &lim, &im, NULL) != FF_OK) {
			fprintf(stderr, "bench_decode: img_decode failed\n");
			exit(1);
		}
		if (r >= 0)
			t_new[r] = ff_now_ms() - t0;
		gdImageDestroy(im);

		/* The parts: decoding alone, then each downscale alone. */
		t0 = ff_now_ms();
		img_decode(jpg, (size_t)len, &none, &im, NULL);
		if (r >= 0)
			t_dec[r] = ff_now_ms() - t0;
		t0 = ff_now_ms();
		ref = old_downscale(im);
		if (r >= 0)
			t_ds_old[r] = ff_now_ms() - t0;
		t0 = ff_now_ms();
		img_downscale(&im, MAX_SIDE);
		if (r >= 0)
			t_ds_new[r] = ff_now_ms() - t0;
		if (r == REPS - 1) {
			diff = mean_abs_diff(im, ref);
			printf("%dx%d JPEG (%.1f MP, %d KB) -> %dx%d, median of %d:\n",
			    w, h, w * (double)h / 1e6, len / 1024,
			    gdImageSX(im), gdImageSY(im), REPS);
		}
		gdImageDestroy(ref);
		gdImageDestroy(im);
	}
	printf("  decode+downscale  old %7.1f ms   new %7.1f ms   (%.1fx)\n",
	    median(t_old, REPS), median(t_new, REPS),
	    median(t_old, REPS) / median(t_new, REPS));
	printf("  downscale alone   old %7.1f ms   new %7.1f ms   (%.1fx)\n",
	    median(t_ds_old, REPS), median(t_ds_new, REPS),
	    median(t_ds_old, REPS) / median(t_ds_new, REPS));
	printf("  decode alone          %7.1f ms\n", median(t_dec, REPS));
	printf("  new vs old result: mean |diff| %.4f per channel (0..255)\n", diff);
	gdFree(jpg);
}

int
main(int argc, char **argv)
{
	const char	*dir = getenv("FF_FACES_DIR");
	char		 path[4096];
	gdImagePtr	 photo;

	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "%s/caltech-webfaces/images/pic00001.jpg",
		    dir != NULL ? dir : "/work/shared/data/faces");
	if (img_load_file(path, NULL, &photo, NULL) != FF_OK) {
		fprintf(stderr, "bench_decode: cannot read %s\n", path);
		return 1;
	}
	bench(photo, 3000);
	bench(photo, 2000);
	gdImageDestroy(photo);
	return 0;
}
