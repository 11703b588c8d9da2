/*
 * train.h: `framefit train`, training framefit's networks with libdarknet.
 *
 * Batches are built by augment.c from the training split only (the
 * validation split is never read). Progress goes to stderr as loss,
 * images/s and ETA. Every `ckpt_every` iterations, and on SIGINT/SIGTERM,
 * the weights are written atomically to <ckptdir>/<stage>.weights with a
 * <stage>.state file (iteration, seconds trained); a later run with the
 * same arguments resumes from there. Snapshots <stage>_<iter>.weights are
 * kept at every `snap_every` iterations for the accuracy-against-time
 * curve, and every iteration's loss goes to <stage>.csv.
 */
#ifndef FF_VISION_TRAIN_H
#define FF_VISION_TRAIN_H
#include "core/err.h"

enum train_stage { STAGE_FACE, STAGE_EYES, STAGE_REFINE };

struct train_opts {
	enum train_stage stage;
	const char	*data;		/* the faces root, e.g. ../shared/data/faces */
	const char	*cfg;		/* models/face.cfg, ... */
	const char	*ckptdir;	/* where checkpoints go */
	const char	*init;		/* optional weights to start from */
	double		 minutes;	/* stop after this much training in this run; 0 = none */
	int		 max_iter;	/* stop at this iteration; 0 = the cfg's max_batches */
	int		 ckpt_every;
	int		 snap_every;
	int		 threads;	/* BLAS threads */
	/* Leave out every photo of this part (ds_part_name: "caltech",
	 * "mtfl-lfw", "mtfl-net") to test on it unseen; NULL = none. Give
	 * such a run a checkpoint directory of its own. */
	const char	*exclude;
	/* Train the eye stages on clean crops only, without degrade.h's
	 * low resolution, blur, JPEG wear and hard light. */
	int		 no_degrade;
	/* With gaze_set: turn the gaze (degrade.h deg_gaze) on this share
	 * of the eye crops, by up to gaze_max iods either way, in place of
	 * deg_default's. */
	int		 gaze_set;
	double		 gaze_share, gaze_max;
	/* The eye stages draw a face labelled with glasses (MTFL's flag) as
	 * often as this many faces; 1 = as often as any, 0 = the default. */
	int		 glasses_weight;
};

/* Glasses cost the eye stages most of all the faces MTFL flags, and a
 * shopper may well try frames on over their own (models/README.md). */
#define TRAIN_GLASSES_WEIGHT	3

/*
 * Train until the last iteration, --minutes or a signal. *finished says
 * whether the stage reached its last iteration, so a script that chains
 * stages does not start the next one on half-trained weights.
 */
enum ff_err	train_run(const struct train_opts *, int *finished);
/* Print anchors fitted to the face boxes the augmentation produces. */
enum ff_err	train_anchors(const char *data, int k);
const char	*train_stage_name(enum train_stage);

#endif
