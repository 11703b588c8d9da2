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
 *            baseline JPEG, an RGBA PNG, a lossless WebP and a GIF.
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
#include <jpeglib.h>
#include <malloc.h>

#include "stats.h"
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

/* Deterministic noise, so every run measures the same bytes. */
static uint32_t	 rng = 2463534242u;

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

/*
 * Encode im with libjpeg at quality q. scans: 0 = baseline, 1 = libjpeg's
 * standard progressive script, n > 1 = a script of about n scans (DC,
 * then every AC coefficient of every component on its own, first at a
 * reduced precision and then refined bit by bit).
 */
static void *
encode_jpeg(gdImagePtr im, int q, int scans, size_t *len)
{
	struct jpeg_compress_struct	 c;
	struct jpeg_error_mgr		 jerr;
	jpeg_scan_info			*si = NULL;
	unsigned char			*out = NULL, *row;
	unsigned long			 olen = 0;
	int				 w = gdImageSX(im), h = gdImageSY(im);
	int				 x, y, n = 0, k, comp, al;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &olen);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, q, TRUE);
	if (scans == 1)
		jpeg_simple_progression(&c);
	else if (scans > 1) {
		si = calloc((size_t)scans + 4, sizeof(*si));
		si[n].comps_in_scan = 3;
		for (k = 0; k < 3; k++)
			si[n].component_index[k] = k;
		si[n].Ss = si[n].Se = 0;
		n++;
		/* AC first scans at Al = 1, then refinements at Al = 0, one
		 * coefficient and one component at a time, until the count. */
		for (al = 1; al >= 0 && n < scans; al--)
			for (k = 1; k < 64 && n < scans; k++)
				for (comp = 0; comp < 3 && n < scans; comp++) {
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
	row = malloc((size_t)w * 3);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			int p = gdImageGetTrueColorPixel(im, x, y);
			row[3 * x] = (unsigned char)gdTrueColorGetRed(p);
			row[3 * x + 1] = (unsigned char)gdTrueColorGetGreen(p);
			row[3 * x + 2] = (unsigned char)gdTrueColorGetBlue(p);
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

/* A smooth picture of w x h: small as a file, whatever its size. */
static gdImagePtr
flat(int w, int h, int alpha)
{
	gdImagePtr	 im = gdImageCreateTrueColor(w, h);
	int		 x, y;

	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, alpha);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			im->tpixels[y][x] = gdTrueColorAlpha(x * 255 / w,
			    y * 255 / h, 128, alpha ? 40 : 0);
	return im;
}

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
	struct img_cost	 c, max;
	double		 v = 0;

	img_budget(&max);
	if (img_cost(in->p, in->len, &c) != FF_OK)
		return -1;
	if ((double)c.work / max.work > v)
		v = (double)c.work / max.work;
	if ((double)c.coef_blocks / max.coef_blocks > v)
		v = (double)c.coef_blocks / max.coef_blocks;
	if ((double)c.full_pixels / max.full_pixels > v)
		v = (double)c.full_pixels / max.full_pixels;
	return v;
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
	struct input	 in[12];
	gdImagePtr	 face, phone, big;
	double		 cpu[REPS], mem[REPS], base_cpu = 0, base_mem = 0;
	int		 i, r, n = 0, x, y, sz;
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
	gdImageSetInterpolationMethod(face, GD_BICUBIC);
	phone = gdImageScale(face, 4032, 3024);
	for (y = 0; y < 3024; y++)
		for (x = 0; x < 4032; x++) {
			int p = phone->tpixels[y][x], d = noise(6);
			phone->tpixels[y][x] = gdTrueColor(
			    clamp(gdTrueColorGetRed(p) + d + noise(3)),
			    clamp(gdTrueColorGetGreen(p) + d + noise(3)),
			    clamp(gdTrueColorGetBlue(p) + d + noise(3)));
		}
	in[n].name = "phone 4032x3024 baseline q92";
	in[n].p = encode_jpeg(phone, 92, 0, &in[n].len);
	n++;
	in[n].name = "phone 4032x3024 progressive q92";
	in[n].p = encode_jpeg(phone, 92, 1, &in[n].len);
	n++;
	in[n].name = "phone 4032x3024 WebP q85";
	in[n].p = gdImageWebpPtrEx(phone, &sz, 85);
	in[n].len = (size_t)sz;
	n++;
	gdImageDestroy(phone);

	big = flat(7071, 7071, 0);
	in[n].name = "7071x7071 progressive, 496 scans";
	in[n].p = encode_jpeg(big, 75, 496, &in[n].len);
	n++;
	in[n].name = "7071x7071 progressive, standard scans";
	in[n].p = encode_jpeg(big, 75, 1, &in[n].len);
	n++;
	in[n].name = "7071x7071 baseline JPEG";
	in[n].p = encode_jpeg(big, 75, 0, &in[n].len);
	n++;
	in[n].name = "7071x7071 GIF";
	in[n].p = gdImageGifPtr(big, &sz);
	in[n].len = (size_t)sz;
	n++;
	gdImageDestroy(big);
	big = flat(7071, 7071, 1);
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
