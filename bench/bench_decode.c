/*
 * bench_decode: decode + downscale of a large JPEG to the try-on size
 * (PHOTO_MAX_SIDE, 1600 px), the first stage of every POST /tryon.
 * See bench() for the three paths it compares.
 *
 * The JPEGs are made at run time: a shared face photo (caltech-webfaces
 * pic00001.jpg, 361 x 384) upscaled with libgd (bicubic) to a long side
 * of 4032 px (a 12 MP phone photo) down to 1400 px, encoded at quality
 * 90. Each path runs REPS times after one warm-up; the median is
 * printed. It prints numbers; it does not pass or fail.
 *
 *   bench/bench_decode [photo.jpg]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "stats.h"
#include "core/clock.h"
#include "image/decode.h"

#define REPS		15
#define MAX_SIDE	1600	/* PHOTO_MAX_SIDE of src/app/photo.h */

/* libgd's area-averaging resample of src to nw x nh. */
static gdImagePtr
gd_resample(gdImagePtr src, int nw, int nh)
{
	gdImagePtr	 dst = gdImageCreateTrueColor(nw, nh);

	gdImageAlphaBlending(dst, 0);
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

/*
 * Three ways from JPEG bytes to at most MAX_SIDE pixels, in one process:
 *   libgd:  gdImageCreateFromJpegPtr, then gdImageCopyResampled to
 *           MAX_SIDE (framefit's first version);
 *   before: libgd's decode, then img_downscale()'s separable area filter
 *           (the version before jpeg.c);
 *   now:    img_decode(): libjpeg into gd's rows, shrunk by M/8 in the
 *           DCT, and the area filter only for what is left.
 * The quality line compares "now" with libgd's full decode resampled by
 * libgd to the same size.
 */
static void
bench(gdImagePtr photo, int side)
{
	struct img_limits lim = { 0, MAX_SIDE, 0, 0 };
	double		 t_gd[REPS], t_before[REPS], t_now[REPS], t_store[REPS];
	double		 t0, diff = 0;
	gdImagePtr	 big, im, small;
	void		*jpg, *kept;
	size_t		 keptlen;
	int		 w, h, len, r, nw = 0, nh = 0, bw = 0, bh = 0, was_kept = 0;

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
		t0 = ff_now_ms();
		im = gdImageCreateFromJpegPtrEx(len, jpg, 0);
		if (w > MAX_SIDE || h > MAX_SIDE) {
			small = gd_resample(im, w >= h ? MAX_SIDE :
			    (int)((int64_t)w * MAX_SIDE / h), w >= h ?
			    (int)((int64_t)h * MAX_SIDE / w) : MAX_SIDE);
			gdImageDestroy(small);
		}
		if (r >= 0)
			t_gd[r] = ff_now_ms() - t0;
		gdImageDestroy(im);

		t0 = ff_now_ms();
		im = gdImageCreateFromJpegPtrEx(len, jpg, 0);
		img_downscale(&im, MAX_SIDE);
		if (r >= 0)
			t_before[r] = ff_now_ms() - t0;
		bw = gdImageSX(im);
		bh = gdImageSY(im);
		gdImageDestroy(im);

		t0 = ff_now_ms();
		if (img_decode(jpg, (size_t)len, &lim, &im, NULL) != FF_OK) {
			fprintf(stderr, "bench_decode: img_decode failed\n");
			exit(1);
		}
		if (r >= 0)
			t_now[r] = ff_now_ms() - t0;
		/* What storing the photo adds: for one kept as it came, the
		 * second walk of its markers and the copy without metadata. */
		t0 = ff_now_ms();
		if (img_store_jpeg(jpg, (size_t)len, im, 85, &kept, &keptlen) != FF_OK) {
			fprintf(stderr, "bench_decode: img_store_jpeg failed\n");
			exit(1);
		}
		if (r >= 0)
			t_store[r] = ff_now_ms() - t0;
		/* Kept when the pixels are the file's own (no orientation here). */
		was_kept = gdImageSX(im) == w && gdImageSY(im) == h;
		free(kept);
		if (r == REPS - 1) {
			gdImagePtr full = gdImageCreateFromJpegPtrEx(len, jpg, 0);
			nw = gdImageSX(im);
			nh = gdImageSY(im);
			small = gd_resample(full, nw, nh);
			diff = mean_abs_diff(im, small);
			gdImageDestroy(small);
			gdImageDestroy(full);
		}
		gdImageDestroy(im);
	}
	printf("%dx%d JPEG (%.1f MP, %d KB), median of %d:\n", w, h,
	    w * (double)h / 1e6, len / 1024, REPS);
	printf("  libgd decode + libgd resample  %7.1f ms\n", bench_median(t_gd, REPS));
	printf("  libgd decode + area filter     %7.1f ms -> %dx%d\n",
	    bench_median(t_before, REPS), bw, bh);
	printf("  img_decode (libjpeg, M/8)      %7.1f ms -> %dx%d  (%.1fx the previous)\n",
	    bench_median(t_now, REPS), nw, nh, bench_median(t_before, REPS) / bench_median(t_now, REPS));
	printf("  img_store_jpeg after it        %7.2f ms (%s)\n", bench_median(t_store, REPS),
	    was_kept ? "kept as it came, metadata stripped" : "encoded again");
	printf("  against libgd at that size: mean |diff| %.2f per channel (0..255)\n", diff);
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
	bench(photo, 4032);	/* a 12 MP phone photo */
	bench(photo, 3000);
	bench(photo, 2000);
	bench(photo, 1700);	/* bench_web.sh's largest selfie */
	bench(photo, 1400);
	gdImageDestroy(photo);
	return 0;
}
