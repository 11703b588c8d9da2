/*
 * augment.h: training samples for the three networks, with labels that
 * move with the pixels.
 *
 * libdarknet's own loaders crop and flip images without moving regression
 * labels, so framefit builds every batch itself: one random similarity
 * transform per sample (scale, shift, rotation, mirror) is applied to the
 * pixels through image/sample.c and to the landmarks through the same
 * affine map, and the targets are derived from the moved landmarks.
 *
 * The three stages (see detector.h for how inference chains them):
 *   face:   the whole photo letterboxed into FACE_IN x FACE_IN; YOLO
 *           targets (x, y, w, h relative, class 0) of the derived boxes.
 *   eyes:   the face box resampled to EYES_IN x EYES_IN; targets are the
 *           two eye centres in crop coordinates scaled to [-1, 1].
 *   refine: a patch around one eye, aligned to the eye line, side
 *           REFINE_SIDE * iod, REFINE_IN pixels; target is the eye centre
 *           in patch coordinates scaled to [-1, 1]. The image-right eye is
 *           mirrored so one network serves both eyes.
 */
#ifndef FF_VISION_AUGMENT_H
#define FF_VISION_AUGMENT_H
#include <stdint.h>
#include "image/sample.h"
#include "vision/geometry.h"

#define FACE_IN		192
#define EYES_IN		64
#define EYES_CROP	1.0	/* crop side / face box side */
#define REFINE_IN	32
#define REFINE_SIDE	0.7	/* patch side / inter-ocular distance */
#define EYES_OUT	4	/* stage 2: both eye centres */
#define EYES_OUT_MOUTH	6	/* ... and the mouth centre */
#define FACE_ROLL_SD	0.08	/* radians, when the cfg sets no angle */
#define YOLO_MAX_BOXES	90	/* darknet's yolo layer reads 90 truths */

struct rng {
	uint64_t	s;
};

void	rng_seed(struct rng *, uint64_t);
double	rng_uniform(struct rng *);		/* [0, 1) */
double	rng_normal(struct rng *);		/* N(0, 1) */

/* Jitter the photometry of a CHW tensor in place (brightness, contrast,
 * saturation, sometimes grey). */
void	aug_photometric(struct rng *, float *x, int w, int h);

/*
 * Face detector sample: x gets 3*FACE_IN*FACE_IN floats, y gets
 * YOLO_MAX_BOXES*5 floats. Returns the number of boxes written.
 * With r == NULL the plain letterbox is used (no augmentation); roll_sd is
 * the standard deviation of the photo's rotation, in radians.
 */
int	aug_face_sample(struct rng *, const struct rgb8 *,
	    const struct landmarks *, int nfaces, double roll_sd, float *x,
	    float *y, struct rgb8 *tmp);

/*
 * Eye crop: the affine map for the crop of a face box (as the detector
 * would cut it), and the sample with the jitter the detector's boxes
 * show. y gets ny floats: EYES_OUT (the eyes, image-left first) or
 * EYES_OUT_MOUTH (then the mouth centre).
 */
void	aug_eyes_crop(const struct fbox *, struct affine *);
void	aug_eyes_sample(struct rng *, const struct rgb8 *,
	    const struct landmarks *, float *x, float *y, int ny,
	    struct rgb8 *tmp);

/*
 * Refine patch around an estimated eye (ex, ey), with the estimated eye
 * line angle and iod; mirror for the image-right eye.
 */
void	aug_refine_patch(double ex, double ey, double angle, double iod,
	    int mirror, struct affine *);
void	aug_refine_sample(struct rng *, const struct rgb8 *,
	    const struct landmarks *, int right, float *x, float *y,
	    struct rgb8 *tmp);

/* Target encoding shared by training and inference: pixel coordinate u in
 * an output of size n <-> network value t in [-1, 1]. */
static inline float aug_encode(double u, int n) { return (float)(2.0 * u / n - 1.0); }
static inline double aug_decode(float t, int n) { return (t + 1.0) * n / 2.0; }

#endif
