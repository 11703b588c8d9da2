/*
 * detector.h: faces and eye centres in a photo, with framefit's networks.
 *
 * Three small darknet networks run in a cascade:
 *   1. face.cfg   YOLO on the letterboxed photo -> face boxes and scores;
 *   2. eyes.cfg   on each face box resampled to 64x64 -> both eye centres;
 *   3. refine.cfg on a 32x32 patch around each eye, aligned to the eye
 *                 line -> the eye centre again, at ~4x the resolution.
 * The face box reported blends the detector's box with the box the
 * landmarks imply (stage 2's eyes and mouth through the label geometry,
 * geometry.h), which is the labels' own definition of a face box.
 * The eyes are found inside their face's box, so they are assigned to it
 * by construction. Coordinates are pixels of the image passed in.
 *
 * Thread safety: a struct detector holds darknet networks, whose layers
 * keep per-call scratch state. One detector per thread (or per process);
 * never share one between threads. det_open() is slow (it parses the cfgs
 * and reads the weights): call it once per worker, not per request.
 */
#ifndef FF_VISION_DETECTOR_H
#define FF_VISION_DETECTOR_H
#include <gd.h>
#include "core/err.h"
#include "vision/geometry.h"

#define DET_MAX_FACES	32
#define DET_REFINE_PASSES	2
/* Patches per eye on the last pass, averaged (the earlier passes only
 * re-centre, one patch each): 2 takes e <= 0.10 from 95.1 to 95.5 % and
 * e <= 0.05 from 67 to 72 % for 1.3 ms a face (models/README.md). */
#define DET_REFINE_VIEWS	2
#define DET_REFINE_VIEWS_MAX	5
#define DET_BOX_WEIGHT		0.5	/* of the landmark box in the face box */

struct det_opts {
	const char	*dir;		/* holds face|eyes|refine .cfg/.weights */
	int		 face_size;	/* face net input (multiple of 32); 0 = cfg */
	float		 thresh;	/* minimum face score; 0 = default */
	int		 no_refine;	/* 1: skip stage 3 (for comparisons) */
	int		 refine_passes;	/* stage 3 runs, re-centred each time;
					 * 0 = DET_REFINE_PASSES */
	int		 no_recrop;	/* 1: one stage-2 pass on the detector's
					 * box only (for comparisons) */
	int		 no_flip;	/* 1: stage 2 on the crop only, not also on
					 * its mirror image (for comparisons) */
	int		 refine_views;	/* stage 3 patches per eye on the last
					 * pass, 1 to DET_REFINE_VIEWS_MAX;
					 * 0 = DET_REFINE_VIEWS */
	double		 box_weight;	/* of the box the landmarks imply, in the
					 * face box reported, (0, 1]; 0 = default */
	int		 no_landmark_box; /* 1: report the detector's box */
};

struct det_result {
	struct face	 faces[DET_MAX_FACES];	/* by decreasing score */
	int		 n;
	double		 ms;		/* wall time of det_run, milliseconds */
};

struct detector;

/* FF_EMODEL if a cfg or weights file is missing or does not fit. */
enum ff_err	 det_open(const struct det_opts *, struct detector **);
void		 det_close(struct detector *);
/* The model version: "ff-" and the first 12 hex digits of the SHA-256 of
 * the three weights files, so two different models never share one. */
const char	*det_version(const struct detector *);
/* The settings the detector runs with, defaults resolved (a report
 * prints these, so it never works the defaults out a second time). */
void		 det_settings(const struct detector *, struct det_opts *);

/* Detect on a gd image of any size (truecolor or palette). */
enum ff_err	 det_run(struct detector *, gdImagePtr, struct det_result *);

/*
 * Stages 2 and 3 alone, for a face whose box is already set (f->box):
 * fills f->left_eye and f->right_eye, and moves f->box towards the box
 * the landmarks imply. For evaluation with labelled boxes, which separates
 * the eye stages' error from the face stage's.
 */
enum ff_err	 det_find_eyes(struct detector *, gdImagePtr, struct face *);

#endif
