/*
 * framefit: the command line. One binary, one subcommand per use case;
 * each subcommand is a thin layer over the modules in src/.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "app/apikey.h"
#include "app/batch.h"
#include "app/feed.h"
#include "app/photo.h"
#include "app/purge.h"
#include "vision/blas.h"
#include "vision/detector.h"
#include "vision/evaluate.h"
#include "vision/facejson.h"
#include "vision/train.h"

static const char *default_data = FF_DATADIR "/../shared/data/faces";
static const char *default_models = FF_DATADIR "/models";

/* The limits of an upload apply to the CLI too: one code path. */
#define CLI_MAX_PIXELS	PHOTO_MAX_PIXELS

/*
 * An option's number, or NaN (num_arg) or -1 (count_arg, for counts of 1
 * and up) when the whole argument is not one: the range checks after
 * parsing then refuse it, with their own message, instead of reading
 * "abc" as 0.
 */
static double
num_arg(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	return end == s || *end != '\0' || errno != 0 ? NAN : v;
}

static int
count_arg(const char *s)
{
	double v = num_arg(s);

	return v >= 1 && v <= 1000 && v == floor(v) ? (int)v : -1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: framefit train face|eyes|refine [--data DIR] [--cfg FILE] [--ckpt DIR]\n"
	    "                      [--minutes N] [--max-iter N] [--init WEIGHTS] [--threads N]\n"
	    "                      [--exclude-source caltech|mtfl-lfw|mtfl-net] [--no-degrade]\n"
	    "                      [--gaze SHARE,MAX] [--glasses WEIGHT]\n"
	    "       framefit anchors [--data DIR] [-k N]\n"
	    "       framefit batch [--job NAME] [--jobs N] [--models DIR] [--size N] [--frame SKU --out DIR]\n"
	    "                      [--lease S] [--claim N] [--max-attempts N] [--retry-failed]\n"
	    "                      [--max-rate N] [--no-yield] [DIR|LIST]   (--help for more)\n"
	    "       framefit batch --delete NAME\n"
	    "       framefit apikey create NAME [--rate N] | revoke NAME|ID | list\n"
	    "       framefit purge [--days N] [--dry-run] [--quiet]\n"
	    "       framefit import-feed [--quiet] FILE|-   (the shop's product feed)\n"
	    "       framefit detect --json [--models DIR] [--size N] IMAGE...\n"
	    "       framefit evaluate [--data DIR] [--models DIR] [--size N] [--no-refine] [--passes N] [--no-flip] [--no-recrop]\n"
	    "                      [--upscale PX] [--limit N] [--thresh T] [--views N] [--box-weight W]\n"
	    "                      [--source caltech|mtfl-lfw|mtfl-net [--held-out]] [--gaze D]\n"
	    "                      [--crop IOD [--shrink F] [--blur SIGMA] [--jpeg Q]]\n"
	    "                      [--json FILE] [--dump TSV]\n");
	exit(2);
}

static int
cmd_train(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "cfg", required_argument, NULL, 'c' },
		{ "ckpt", required_argument, NULL, 'o' },
		{ "minutes", required_argument, NULL, 'm' },
		{ "max-iter", required_argument, NULL, 'n' },
		{ "init", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "snap-every", required_argument, NULL, 's' },
		{ "exclude-source", required_argument, NULL, 'x' },
		{ "no-degrade", no_argument, NULL, 'D' },
		{ "gaze", required_argument, NULL, 'g' },
		{ "glasses", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	struct train_opts o = { .data = default_data, .ckptdir = "models/ckpt",
	    .ckpt_every = 100, .snap_every = 500, .threads = 1 };
	static char cfg[4096];
	enum ff_err er;
	int ch, finished = 0;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "face") == 0) o.stage = STAGE_FACE;
	else if (strcmp(argv[1], "eyes") == 0) o.stage = STAGE_EYES;
	else if (strcmp(argv[1], "refine") == 0) o.stage = STAGE_REFINE;
	else usage();
	snprintf(cfg, sizeof cfg, "%s/models/%s.cfg", FF_DATADIR, argv[1]);
	o.cfg = cfg;
	argc--; argv++;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': o.data = optarg; break;
		case 'c': o.cfg = optarg; break;
		case 'o': o.ckptdir = optarg; break;
		case 'm': o.minutes = atof(optarg); break;
		case 'n': o.max_iter = atoi(optarg); break;
		case 'i': o.init = optarg; break;
		case 't': o.threads = atoi(optarg); break;
		case 's': o.snap_every = atoi(optarg); break;
		case 'x': o.exclude = optarg; break;
		case 'D': o.no_degrade = 1; break;
		case 'g': {
			int used = 0;
			o.gaze_set = 1;
			if (sscanf(optarg, "%lf,%lf%n", &o.gaze_share, &o.gaze_max, &used) != 2 ||
			    optarg[used] != '\0')
				o.gaze_share = -1;	/* train_run says what it takes */
			break;
		}
		case 'G': o.glasses_weight = count_arg(optarg); break;
		default: usage();
		}
	}
	if ((er = train_run(&o, &finished)) != FF_OK) {
		fprintf(stderr, "framefit train: %s\n", ff_strerror(er));
		return 1;
	}
	/* Interrupted or out of --minutes: resumable, but not done. */
	return finished ? 0 : 3;
}

static int
cmd_anchors(int argc, char **argv)
{
	const char *data = default_data;
	int k = 6, ch;

	while ((ch = getopt(argc, argv, "d:k:")) != -1) {
		switch (ch) {
		case 'd': data = optarg; break;
		case 'k': k = atoi(optarg); break;
		default: usage();
		}
	}
	return train_anchors(data, k) == FF_OK ? 0 : 1;
}

static int
cmd_detect(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "models", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct det_opts o = { .dir = default_models };
	static const struct photo_limits lim = { CLI_MAX_PIXELS, 0, 0, 0 };
	struct detector *det;
	struct det_result r;
	struct buf b;
	enum ff_err er;
	int ch, json = 0, status = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'm': o.dir = optarg; break;
		case 's': o.face_size = atoi(optarg); break;
		default: usage();
		}
	}
	if (!json || optind >= argc)
		usage();
	if ((er = det_open(&o, &det)) != FF_OK) {
		fprintf(stderr, "framefit detect: %s: %s\n", o.dir, ff_strerror(er));
		return 1;
	}
	buf_init(&b);
	for (int i = optind; i < argc; i++) {
		struct photo ph;
		gdImagePtr im;

		if ((er = photo_prepare_file(&ph, argv[i], &lim)) != FF_OK) {
			fprintf(stderr, "framefit detect: %s: %s\n", argv[i], ff_strerror(er));
			photo_free(&ph);
			status = 1;
			continue;
		}
		im = ph.im;
		/* Every face the detector reports, not the face policy's. */
		det_run(det, im, &r);
		buf_reset(&b);
		buf_puts(&b, "{\"file\":");
		json_str(&b, argv[i]);
		buf_printf(&b, ",\"width\":%d,\"height\":%d,\"ms\":", gdImageSX(im), gdImageSY(im));
		json_num(&b, r.ms, 1);
		buf_puts(&b, ",\"faces\":");
		facejson_faces(&b, r.faces, r.n);
		buf_puts(&b, "}\n");
		fwrite(b.ptr, 1, b.len, stdout);
		fflush(stdout);
		photo_free(&ph);
	}
	buf_free(&b);
	det_close(det);
	return status;
}

static int
cmd_evaluate(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "models", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "no-refine", no_argument, NULL, 'r' },
		{ "passes", required_argument, NULL, 'p' },
		{ "no-flip", no_argument, NULL, 'f' },
		{ "no-recrop", no_argument, NULL, 'c' },
		{ "upscale", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'l' },
		{ "dump", required_argument, NULL, 'D' },
		{ "views", required_argument, NULL, 'V' },
		{ "thresh", required_argument, NULL, 't' },
		{ "box-weight", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "source", required_argument, NULL, 'S' },
		{ "held-out", no_argument, NULL, 'H' },
		{ "crop", required_argument, NULL, 'C' },
		{ "gaze", required_argument, NULL, 'G' },
		{ "shrink", required_argument, NULL, 'K' },
		{ "blur", required_argument, NULL, 'B' },
		{ "jpeg", required_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	struct eval_opts o = { .data = default_data, .models = default_models };
	struct eval_result r;
	enum ff_err er;
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': o.data = optarg; break;
		case 'm': o.models = optarg; break;
		case 's': o.face_size = atoi(optarg); break;
		case 'r': o.no_refine = 1; break;
		case 'p': o.refine_passes = atoi(optarg); break;
		case 'f': o.no_flip = 1; break;
		case 'c': o.no_recrop = 1; break;
		case 'u': o.upscale = atoi(optarg); break;
		case 'l': o.limit = atoi(optarg); break;
		case 'D': o.dump = optarg; break;
		case 'V': o.refine_views = atoi(optarg); break;
		case 't': o.thresh = atof(optarg); break;
		case 'w':
			/* 0 means the detector's box alone */
			o.box_weight = atof(optarg);
			o.no_landmark_box = o.box_weight <= 0;
			break;
		case 'j': o.json_out = optarg; break;
		case 'S': o.source = optarg; break;
		case 'H': o.held_out = 1; break;
		case 'C': o.crop_iod = atoi(optarg); break;
		case 'G': o.gaze = atof(optarg); break;
		case 'K': o.shrink = num_arg(optarg); break;
		case 'B': o.blur = num_arg(optarg); break;
		case 'J': o.jpeg = count_arg(optarg); break;
		default: usage();
		}
	}
	if ((er = eval_run(&o, &r)) != FF_OK) {
		fprintf(stderr, "framefit evaluate: %s\n", ff_strerror(er));
		return 1;
	}
	eval_json(&o, &r, stdout);
	if (o.json_out != NULL) {
		FILE *fp = fopen(o.json_out, "a");
		if (fp == NULL) {
			perror(o.json_out);
			return 1;
		}
		eval_json(&o, &r, fp);
		fclose(fp);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	(void)blas_linked;
	blas_pick_kernels(argv);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "train") == 0)
		return cmd_train(argc - 1, argv + 1);
	if (strcmp(argv[1], "anchors") == 0)
		return cmd_anchors(argc - 1, argv + 1);
	if (strcmp(argv[1], "batch") == 0)
		return batch_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "apikey") == 0)
		return apikey_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "purge") == 0)
		return purge_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "import-feed") == 0)
		return feed_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "detect") == 0)
		return cmd_detect(argc - 1, argv + 1);
	if (strcmp(argv[1], "evaluate") == 0)
		return cmd_evaluate(argc - 1, argv + 1);
	usage();
	return 2;
}
