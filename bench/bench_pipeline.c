/*
 * bench_pipeline: a try-on's stages in one process, per photo, as CPU
 * time of the calling thread (CLOCK_THREAD_CPUTIME_ID), which a busy
 * machine inflates far less than wall time: what bench/bench_phone.sh's
 * Server-Timing figures are made of, without the web server, the
 * FastCGI hops and the database.
 *
 *   bench/bench_pipeline [-m MODELS] [-r REPS] photo.jpg ...
 *
 * Stages, the functions the worker runs (src/app/photo.h):
 *   decode   photo_prepare() under the shop's limits (PHOTO_LIMITS_FORM)
 *   detect   photo_find_faces()
 *   store    img_store_jpeg() at PHOTO_STORE_QUALITY (the stored copy)
 *   r.decode img_decode() of that stored copy (the render reads it back)
 *   draw     photo_draw() of a rectangle frame on the faces found
 *   encode   jpeg_encode() at PHOTO_RENDER_QUALITY (the picture answered)
 * Each photo runs REPS times (default 7) after one warm-up; the medians
 * are printed, with the sizes: as uploaded, as stored (and its bytes).
 * It prints numbers; it does not pass or fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gd.h>

#include "stats.h"
#include "app/photo.h"
#include "image/decode.h"
#include "image/jpeg.h"
#include "render/frame.h"
#include "../tests/frames_catalog.h"

#define MAX_REPS	50
#define NSTAGES		6

static const char *stage_name[NSTAGES] = {
	"decode", "detect", "store", "r.decode", "draw", "encode"
};

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	unsigned char	*p = NULL;
	long		 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n);
		if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

/* One try-on of data; the stage times into t, sizes into info. */
static int
once(struct detector *det, const struct frame *fr, const void *data,
    size_t len, double t[NSTAGES], char *info, size_t infolen)
{
	static const struct photo_limits lim = PHOTO_LIMITS_FORM;
	struct photo_faces faces;
	struct photo	 ph;
	gdImagePtr	 im = NULL;
	void		*stored = NULL, *jpg = NULL;
	size_t		 slen = 0, jlen = 0;
	double		 c;
	int		 ok = 0;

	c = cpu_ms();
	if (photo_prepare(&ph, data, len, &lim) != FF_OK)
		goto out;
	t[0] = cpu_ms() - c;
	c = cpu_ms();
	if (photo_find_faces(det, ph.im, &faces) != FF_OK)
		goto out;
	t[1] = cpu_ms() - c;
	c = cpu_ms();
	if (img_store_jpeg(data, len, ph.im, PHOTO_STORE_QUALITY, &stored,
	    &slen) != FF_OK)
		goto out;
	t[2] = cpu_ms() - c;
	c = cpu_ms();
	if (img_decode(stored, slen, NULL, &im, NULL) != FF_OK)
		goto out;
	t[3] = cpu_ms() - c;
	c = cpu_ms();
	if (photo_draw(im, faces.face, faces.n, fr, 0, NULL) != FF_OK)
		goto out;
	t[4] = cpu_ms() - c;
	c = cpu_ms();
	if (jpeg_encode(im, PHOTO_RENDER_QUALITY, &jpg, &jlen) != FF_OK)
		goto out;
	t[5] = cpu_ms() - c;
	snprintf(info, infolen, "%dx%d -> %dx%d, %d face%s, stored %zu KB, "
	    "answer %zu KB", ph.w, ph.h, gdImageSX(ph.im), gdImageSY(ph.im),
	    faces.n, faces.n == 1 ? "" : "s", slen / 1024, jlen / 1024);
	ok = 1;
out:
	photo_free(&ph);
	if (im != NULL)
		gdImageDestroy(im);
	free(stored);
	free(jpg);
	return ok;
}

int
main(int argc, char **argv)
{
	struct det_opts	 o = { .dir = FF_DATADIR "/models" };
	struct detector	*det;
	struct frame	 fr = golden_frame(FRAME_RECTANGLE);
	double		 t[MAX_REPS][NSTAGES], v[MAX_REPS], sum[NSTAGES] = { 0 };
	double		 med, all[NSTAGES][256];
	unsigned char	*data;
	size_t		 len;
	char		 info[160];
	const char	*base;
	int		 reps = 7, c, i, k, s, nphotos = 0;

	while ((c = getopt(argc, argv, "m:r:")) != -1) {
		switch (c) {
		case 'm':
			o.dir = optarg;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || reps < 1 || reps > MAX_REPS)
		goto usage;
	if (det_open(&o, &det) != FF_OK) {
		fprintf(stderr, "bench_pipeline: no model in %s\n", o.dir);
		return 1;
	}
	printf("bench_pipeline: CPU ms of one thread, median of %d runs a "
	    "photo\n  %-24s", reps, "photo");
	for (s = 0; s < NSTAGES; s++)
		printf(" %8s", stage_name[s]);
	printf(" %8s\n", "sum");
	for (i = optind; i < argc && nphotos < 256; i++) {
		if ((data = slurp(argv[i], &len)) == NULL) {
			fprintf(stderr, "bench_pipeline: cannot read %s\n",
			    argv[i]);
			continue;
		}
		if (!once(det, &fr, data, len, t[0], info, sizeof(info))) {
			fprintf(stderr, "bench_pipeline: %s failed\n", argv[i]);
			free(data);
			continue;
		}
		for (k = 0; k < reps; k++)
			once(det, &fr, data, len, t[k], info, sizeof(info));
		base = strrchr(argv[i], '/') != NULL ? strrchr(argv[i], '/') + 1 :
		    argv[i];
		printf("  %-24.24s", base);
		med = 0;
		for (s = 0; s < NSTAGES; s++) {
			for (k = 0; k < reps; k++)
				v[k] = t[k][s];
			all[s][nphotos] = bench_median(v, reps);
			sum[s] += all[s][nphotos];
			med += all[s][nphotos];
			printf(" %8.1f", all[s][nphotos]);
		}
		printf(" %8.1f  %s\n", med, info);
		nphotos++;
		free(data);
	}
	if (nphotos > 1) {
		printf("  %-24s", "median over photos");
		med = 0;
		for (s = 0; s < NSTAGES; s++) {
			double m = bench_median(all[s], nphotos);
			med += m;
			printf(" %8.1f", m);
		}
		printf(" %8.1f\n", med);
	}
	det_close(det);
	return nphotos > 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: bench_pipeline [-m MODELS] [-r REPS] photo.jpg ...\n");
	return 2;
}
