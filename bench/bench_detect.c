/*
 * bench_detect: detection time per 1 MP photo on one core, letterbox
 * included (det_run on an already-decoded image), for the shipped model.
 *
 * Photos: the first 20 validation photos of MTFL, scaled to 1 MP
 * (1000 x 1000 for these square photos) with bicubic interpolation.
 * Each photo is detected REPS times; the median per photo is kept and the
 * median over photos printed. The baseline is the same model in the same
 * process with libdarknet's own gemm and im2col (blas_use_stock), so the
 * ratio shows what the routing buys. It prints numbers; it does not pass
 * or fail.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gd.h>

#include "stats.h"
#include "image/sample.h"

#include "vision/blas.h"
#include "vision/dataset.h"
#include "vision/detector.h"

#define NPHOTOS	20
#define REPS	5

static double
run(struct detector *det, gdImagePtr *im, int n, int *faces)
{
	double per[NPHOTOS], t[REPS];
	struct det_result r;

	*faces = 0;
	for (int i = 0; i < n; i++) {
		det_run(det, im[i], &r);	/* warm-up */
		for (int k = 0; k < REPS; k++) {
			det_run(det, im[i], &r);
			t[k] = r.ms;
		}
		*faces += r.n;
		per[i] = bench_median(t, REPS);
	}
	return bench_median(per, n);
}

int
main(int argc, char **argv)
{
	const char *models = argc > 1 ? argv[1] : FF_DATADIR "/models";
	/* bench/bench_detect [MODELS [PASSES [VIEWS]]]: other cascade settings */
	struct det_opts o = { .dir = models,
	    .refine_passes = argc > 2 ? atoi(argv[2]) : 0,
	    .refine_views = argc > 3 ? atoi(argv[3]) : 0 };
	struct detector *det;
	struct dataset ds;
	gdImagePtr im[NPHOTOS];
	int n = 0, faces;

	if (det_open(&o, &det) != FF_OK || ds_load(FF_DATADIR "/../shared/data/faces", &ds) != FF_OK) {
		fprintf(stderr, "bench_detect: cannot load the model or the photos\n");
		return 1;
	}
	for (int i = 0; i < ds.n && n < NPHOTOS; i++) {
		if (!ds.img[i].val || ds.img[i].source != DS_MTFL)
			continue;
		gdImagePtr g = gdImageCreateFromFile(ds.img[i].path);
		if (g == NULL)
			continue;
		double s = sqrt(1e6 / ((double)gdImageSX(g) * gdImageSY(g)));
		im[n] = smp_resize(g, (int)lround(gdImageSX(g) * s), (int)lround(gdImageSY(g) * s));
		gdImageDestroy(g);
		if (im[n] != NULL)
			n++;
	}
	printf("bench_detect: model %s, %d photos of %dx%d, %d runs each, 1 thread\n",
	    det_version(det), n, gdImageSX(im[0]), gdImageSY(im[0]), REPS);
	double ours = run(det, im, n, &faces);
	printf("  framefit (OpenBLAS gemm, own im2col): median %.2f ms/photo, %d faces\n", ours, faces);
	if (blas_use_stock(1) == FF_OK) {
		double stock = run(det, im, n, &faces);
		printf("  baseline (libdarknet gemm, im2col):   median %.2f ms/photo, %d faces\n", stock, faces);
		printf("  speed-up: %.2fx\n", stock / ours);
		blas_use_stock(0);
	}
	for (int i = 0; i < n; i++)
		gdImageDestroy(im[i]);
	det_close(det);
	ds_free(&ds);
	return 0;
}
