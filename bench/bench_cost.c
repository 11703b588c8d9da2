/*
 * bench_cost: what one photo costs img_decode(), in CPU time and peak
 * memory, for a real-sized phone photo and for small files built to be
 * costly (issue: "no request costs more than a real photo").
 *
 * Every input is made at run time, in this process:
 *   phone:   a 4032 x 3024 photo (12 MP, as phones send): a shared face
 *            photo upscaled (bicubic) with camera-like noise added, so it
 *            compresses like a real one (a few MB at quality 92, 4:2:0),
 *            baseline and progressive (libjpeg's standard scan script);
 *   costly:  near 50 MP and a few hundred KB at most: a progressive JPEG
 *            of hundreds of scans, the same with the standard script, a
 *            baseline JPEG, CMYK JPEGs (near 50 and near 8 MP), an RGBA
 *            PNG, a lossless WebP and a GIF.
 * The generators are tests/costly.c, which the hostile-input corpus
 * (tests/hostile, 11x cases) uses too: both see the same bytes.
 * Each decode runs in a fresh child (fork), so its CPU time (getrusage)
 * and its memory high-water mark over its start (VmHWM - VmRSS, from
 * /proc/self/status) are its own. Each is run REPS times; medians are
 * printed, with the ratio to the baseline phone photo of the same run.
 * Decoding uses the limits of the web form and the API (PHOTO_LIMITS).
 * It prints numbers; it does not pass or fail.
 *
 *   bench/bench_cost [face.jpg]
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gd.h>
#include <malloc.h>

#include "stats.h"
#include "costly.h"
#include "core/clock.h"
#include "image/decode.h"

#define REPS	5
#define SIDE	1600			/* PHOTO_MAX_SIDE */
#define PIXELS	(50u * 1000 * 1000)	/* PHOTO_MAX_PIXELS */

struct input {
	const char	*name;
	void		*p;
	size_t		 len;
};

struct result {
	double		 cpu_ms;	/* user + system */
	double		 mem_mb;	/* peak over the start */
	enum ff_err	 er;
};

static long
status_kb(const char *key)
{
	char	 line[256];
	long	 v = -1;
	size_t	 n = strlen(key);
	FILE	*f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* The largest share of the budget the input's headers claim. */
static double
share(const struct input *in)
{
	struct img_cost	 c;

	if (img_cost(in->p, in->len, &c) != FF_OK)
		return -1;
	return img_budget_share(&c);
}

/* Start VmHWM again from the current RSS (proc(5), clear_refs "5"). */
static void
reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
}

/* Decode in a fresh child; its own CPU time and memory peak. */
static struct result
measure(const struct input *in, int budget)
{
	struct result	 r = { 0, 0, FF_OK };
	int		 fd[2];
	pid_t		 pid;

	if (pipe(fd) != 0)
		exit(1);
	if ((pid = fork()) == 0) {
		struct img_limits	 lim = { PIXELS, SIDE, budget, 0 };
		struct rusage		 a, b;
		gdImagePtr		 im = NULL;
		long			 rss0;

		/* The parent's freed heap would otherwise be reused unseen. */
		malloc_trim(0);
		reset_peak();
		rss0 = status_kb("VmRSS");

		getrusage(RUSAGE_SELF, &a);
		r.er = img_decode(in->p, in->len, &lim, &im, NULL);
		getrusage(RUSAGE_SELF, &b);
		r.cpu_ms = (b.ru_utime.tv_sec - a.ru_utime.tv_sec) * 1e3 +
		    (b.ru_utime.tv_usec - a.ru_utime.tv_usec) / 1e3 +
		    (b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e3 +
		    (b.ru_stime.tv_usec - a.ru_stime.tv_usec) / 1e3;
		r.mem_mb = (status_kb("VmHWM") - rss0) / 1024.0;
		if (write(fd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.er = FF_ESYS;
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return r;
}

int
main(int argc, char **argv)
{
	const char	*dir = getenv("FF_FACES_DIR");
	char		 path[4096];
	struct input	 in[16];
	gdImagePtr	 face, phone, big;
	double		 cpu[REPS], mem[REPS], base_cpu = 0, base_mem = 0;
	int		 i, r, n = 0, sz;
	struct result	 res;

	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "%s/caltech-webfaces/images/pic00001.jpg",
		    dir != NULL ? dir : "/work/shared/data/faces");
	if (img_load_file(path, NULL, &face, NULL) != FF_OK) {
		fprintf(stderr, "bench_cost: cannot read %s\n", path);
		return 1;
	}
	phone = costly_phone(face, 4032, 3024);
	in[n].name = "phone 4032x3024 baseline q92";
	in[n].p = costly_jpeg(phone, 92, 0, 0, &in[n].len);
	n++;
	in[n].name = "phone 4032x3024 progressive q92";
	in[n].p = costly_jpeg(phone, 92, 1, 0, &in[n].len);
	n++;
	in[n].name = "phone 4032x3024 WebP q85";
	in[n].p = gdImageWebpPtrEx(phone, &sz, 85);
	in[n].len = (size_t)sz;
	n++;
	gdImageDestroy(phone);

	big = costly_flat(7071, 7071, 0);
	in[n].name = "7071x7071 progressive, 496 scans";
	in[n].p = costly_jpeg(big, 75, 496, 0, &in[n].len);
	n++;
	in[n].name = "7071x7071 progressive, standard scans";
	in[n].p = costly_jpeg(big, 75, 1, 0, &in[n].len);
	n++;
	in[n].name = "7071x7071 baseline JPEG";
	in[n].p = costly_jpeg(big, 75, 0, 0, &in[n].len);
	n++;
	in[n].name = "7071x7071 CMYK JPEG";
	in[n].p = costly_jpeg(big, 75, 0, 1, &in[n].len);
	n++;
	gdImageDestroy(big);
	big = costly_flat(2828, 2828, 0);
	in[n].name = "2828x2828 CMYK JPEG";
	in[n].p = costly_jpeg(big, 75, 0, 1, &in[n].len);
	n++;
	gdImageDestroy(big);
	big = costly_bands(7071, 7071);
	in[n].name = "7071x7071 GIF";
	in[n].p = gdImageGifPtr(big, &sz);
	in[n].len = (size_t)sz;
	n++;
	gdImageDestroy(big);
	big = costly_flat(7071, 7071, 1);
	in[n].name = "7071x7071 RGBA PNG";
	in[n].p = gdImagePngPtrEx(big, &sz, 9);
	in[n].len = (size_t)sz;
	n++;
	in[n].name = "7071x7071 lossless WebP";
	in[n].p = gdImageWebpPtrEx(big, &sz, gdWebpLossless);
	in[n].len = (size_t)sz;
	n++;
	gdImageDestroy(big);
	gdImageDestroy(face);

	printf("img_decode to %d px, median of %d runs, each in a fresh process;\n"
	    "x = the ratio to the baseline phone photo of this run; cost = the\n"
	    "largest share of the decode budget (decode.h) the headers claim\n\n",
	    SIDE, REPS);
	printf("%-38s %8s %6s | %-26s | %-26s\n", "", "", "",
	    "    without the budget", "    with the budget");
	printf("%-38s %8s %6s | %7s %5s %6s %5s | %7s %5s %6s %5s  %s\n",
	    "input", "KB", "cost", "CPU ms", "x", "MB", "x", "CPU ms", "x",
	    "MB", "x", "answer");
	for (i = 0; i < n; i++) {
		double	 c[2], m[2];
		int	 b;

		for (b = 0; b < 2; b++) {
			for (r = 0; r < REPS; r++) {
				res = measure(&in[i], b);
				cpu[r] = res.cpu_ms;
				mem[r] = res.mem_mb;
			}
			c[b] = bench_median(cpu, REPS);
			m[b] = bench_median(mem, REPS);
		}
		if (i == 0) {
			base_cpu = c[0];
			base_mem = m[0];
		}
		printf("%-38s %8zu %5.0f%% | %7.1f %5.2f %6.1f %5.2f | %7.1f %5.2f "
		    "%6.1f %5.2f  %s\n", in[i].name, in[i].len / 1024,
		    100 * share(&in[i]), c[0], c[0] / base_cpu, m[0],
		    m[0] / base_mem, c[1], c[1] / base_cpu, m[1], m[1] / base_mem,
		    res.er == FF_OK ? "decoded" : ff_errcode(res.er));
	}
	return 0;
}
