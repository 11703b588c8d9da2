/*
 * evaluate.h: `framefit evaluate`, the model's accuracy on the fixed
 * validation split (dataset.h), which training never reads.
 *
 * Measures, as the model card reports them:
 *  - face recall and precision: a detection matches a labelled face at
 *    IoU >= 0.5 (greedy, best IoU first, one to one);
 *  - the eye error e = max(left, right error) / inter-ocular distance, on
 *    the target set: frontal faces (geom_is_frontal) with iod >= 20 px;
 *    a face not found counts as a miss at every threshold (e = inf);
 *  - the fraction of the target set at e <= 0.05, 0.10, 0.25, median e;
 *  - detection ms per photo (det_run, after decoding);
 *  - false faces on background: per Caltech validation photo, the largest
 *    strip beside all labelled faces (their boxes grown by 30 %) is cut
 *    out and searched; every face found there is counted as false.
 * With `upscale` set, photos are first scaled so the long side is that
 * many pixels (labels scaled too), to measure phone-sized uploads.
 * With `crop_iod` set, each target face is instead cut out alone as a
 * CROP_SIDE-pixel square around its labelled box, scaled so its eyes are
 * crop_iod pixels apart (libgd's resampling: area-averaged where it
 * shrinks, blocky where it enlarges a small face; grey where the square
 * leaves the photo; the labels follow the pixel rectangles libgd was
 * given), and the detector is run on that crop: the shape of the face
 * sets other sources publish, whose small, tight crops a model that saw
 * whole photos has not met. Background strips are not searched then.
 * With crop_iod set, `shrink`, `blur` and `jpeg` wear each crop as a
 * worse camera or an upload service would, with the degradations
 * training uses (degrade.h), in the camera's order: a Gaussian blur of
 * `blur` pixels, the crop scaled down by `shrink` and back up (a face
 * whose eyes were crop_iod / shrink pixels apart, enlarged), and a JPEG
 * round trip at quality `jpeg`.
 * With `gaze` set, every frontal face's gaze is first turned by that many
 * inter-ocular distances towards the image-right eye (degrade.h
 * deg_gaze), labels unmoved: eye_mid_along minus its value without the
 * turn says how far the found eyes followed the iris (as much as `gaze`)
 * or stayed on the eye opening (0), the try-on's concern.
 *
 * The eye figures are also given for MTFL's target faces without and with
 * glasses (its labels flag them; Caltech's do not), "by_glasses" in the
 * JSON, where "photos" is 0.
 * Every figure is also given per source part (dataset.h: caltech,
 * mtfl-lfw, mtfl-net), with the mean per-eye error (each eye's distance
 * from its label over the inter-ocular distance, averaged over both eyes
 * of every found target face) and its signed mean in the eye line's frame:
 * along the line towards the other eye, and across it down the face. A
 * part whose labels put the eye centre elsewhere than the others shows
 * as a bias there. `source` keeps one part only; `held_out` then scores
 * every photo of it, not only its validation split: the test of a model
 * trained with that part left out (train.h `exclude`).
 */
#ifndef FF_VISION_EVALUATE_H
#define FF_VISION_EVALUATE_H
#include "core/err.h"
#include "vision/dataset.h"
#include "vision/detector.h"

struct eval_opts {
	const char	*data;
	const char	*models;
	int		 face_size;	/* 0 = the cfg's */
	int		 no_refine;
	int		 refine_passes;
	int		 refine_views;	/* 0 = DET_REFINE_VIEWS */
	int		 no_flip;
	int		 no_recrop;
	double		 box_weight;	/* 0 = DET_BOX_WEIGHT */
	int		 no_landmark_box;
	float		 thresh;
	int		 upscale;	/* long side in px; 0 = as stored */
	int		 limit;		/* evaluate at most this many photos; 0 = all */
	const char	*json_out;	/* write the results here; NULL = stdout only */
	const char	*dump;		/* one TSV line per target face; NULL = none */
	const char	*source;	/* one part only (ds_part_name); NULL = all */
	int		 held_out;	/* with source: all its photos, not its split */
	int		 crop_iod;	/* > 0: each target alone in a CROP_SIDE crop, eyes this far apart */
	double		 gaze;		/* turn target faces' gaze by this many iods (deg_gaze) */
	double		 shrink;	/* with crop_iod: > 1 scales each crop down and up */
	double		 blur;		/* with crop_iod: > 0 blurs each crop, sigma in px */
	int		 jpeg;		/* with crop_iod: 1..100 JPEG round trip */
};

/* The side of a crop_iod crop, in pixels. */
#define CROP_SIDE	150

/* The eye figures of one part, or of all of them. */
struct eval_part {
	int	 photos, target, target_found;
	double	 target_recall, e05, e10, e25, e_median;
	double	 eye_mean;	/* mean per-eye error / iod, found faces */
	double	 along_in;	/* mean signed error along the eye line, inwards, / iod */
	double	 down;		/* mean signed error across it, down the face, / iod */
	double	 mid_along;	/* mean offset of the eyes' midpoint towards image right, / iod */
	double	 oracle_e05, oracle_e10, oracle_median;	/* the eye stages on the labelled boxes */
};

struct eval_result {
	char	 model[32];
	struct det_opts	 used;	/* the detector's settings, defaults resolved */
	int	 photos, faces, found, dets, true_dets;
	double	 recall, precision;
	int	 neg_photos, neg_false, neg_photos_with_false;
	double	 ms_mean, ms_median;
	struct eval_part all;			/* the eye figures of every target */
	struct eval_part parts[DS_PART__MAX];
	struct eval_part glasses[2];		/* MTFL's targets without, with glasses */
};

enum ff_err	eval_run(const struct eval_opts *, struct eval_result *);
/* Print the results as one JSON object. */
void		eval_json(const struct eval_opts *, const struct eval_result *, FILE *);

#endif
