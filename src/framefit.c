/*
 * framefit: the command line. One binary, one subcommand per use case;
 * each subcommand is a thin layer over the modules in src/.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "vision/blas.h"
#include "vision/train.h"

static const char *default_data = FF_DATADIR "/../shared/data/faces";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: framefit train face|eyes|refine [--data DIR] [--cfg FILE] [--ckpt DIR]\n"
	    "                      [--minutes N] [--max-iter N] [--init WEIGHTS] [--threads N]\n"
	    "       framefit anchors [--data DIR] [-k N]\n");
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
		{ NULL, 0, NULL, 0 }
	};
	struct train_opts o = { .data = default_data, .ckptdir = "models/ckpt",
	    .ckpt_every = 100, .snap_every = 500, .threads = 1 };
	static char cfg[4096];
	enum ff_err er;
	int ch;

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
		default: usage();
		}
	}
	if ((er = train_run(&o)) != FF_OK) {
		fprintf(stderr, "framefit train: %s\n", ff_strerror(er));
		return 1;
	}
	return 0;
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

int
main(int argc, char **argv)
{
	(void)blas_linked;
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "train") == 0)
		return cmd_train(argc - 1, argv + 1);
	if (strcmp(argv[1], "anchors") == 0)
		return cmd_anchors(argc - 1, argv + 1);
	usage();
	return 2;
}
