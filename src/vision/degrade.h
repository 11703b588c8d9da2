/*
 * degrade.h: the ways a real photo is worse than a training photo, as
 * training-time augmentations of an eye crop or an eye patch.
 *
 * The held-out faces that the eye stages miss most are low-resolution
 * faces scaled up, blurred or shaken faces, faces worn by JPEG
 * compression, and faces in hard light (models/README.md, issue 16).
 * Each degradation here works on a CHW float tensor in [0, 1] (the
 * network's input) of side w x h, moves no pixel (so the labels stay
 * where they are) and is applied with its own probability by
 * deg_apply(). All randomness comes from the caller's rng, so a training
 * run is reproducible.
 *
 * deg_gaze() is the exception that moves pixels on purpose: it turns the
 * gaze, sliding the iris inside a still eye opening while the label stays
 * put. A frame sits on the eye opening, and must not follow the gaze; the
 * training labels mark the pupil, which in most photos looks at the
 * camera from the middle of the opening. Turned gazes with unmoved labels
 * teach the eye stages the opening, not the iris.
 */
#ifndef FF_VISION_DEGRADE_H
#define FF_VISION_DEGRADE_H
#include "core/err.h"
#include "vision/augment.h"

/* How often deg_apply() uses each degradation, and how hard. */
struct deg_opts {
	double	 p_lowres;	/* shrink by 1.5..max_shrink, then scale back up */
	double	 max_shrink;
	double	 p_blur;	/* Gaussian blur, sigma up to max_sigma pixels */
	double	 max_sigma;
	double	 p_jpeg;	/* JPEG round trip at quality jpeg_q_min..jpeg_q_max */
	int	 jpeg_q_min, jpeg_q_max;
	double	 p_light;	/* light from one side, and blown highlights */
	double	 p_gaze;	/* the gaze turned along the eye line ... */
	double	 max_gaze;	/* ... by up to this many inter-ocular distances */
};

/* The defaults training uses (degrade.c says why each is what it is). */
extern const struct deg_opts deg_default;

/* Scale down by `shrink` (>= 1; area average) and back up (bilinear). */
void	deg_lowres(float *x, int w, int h, double shrink);
/* Separable Gaussian blur, edges clamped; sigma <= 0 does nothing. */
void	deg_blur(float *x, int w, int h, double sigma);
/* Encode as a JPEG at `quality` (1..100) and decode. FF_EIO if libgd
 * fails, with x unchanged. */
enum ff_err	deg_jpeg(float *x, int w, int h, int quality);
/*
 * Light from one side: brightness multiplied by a ramp from 1 - s to
 * 1 + s along the direction `angle` (radians), then values above 1
 * clipped, as an over-exposed cheek is.
 */
void	deg_light(float *x, int w, int h, double angle, double s);

/*
 * Turn the gaze of the eye centred at (ex, ey): within an ellipse the
 * size of an eye opening (semi-axes GAZE_ALONG and GAZE_ACROSS times iod,
 * the long one along the unit eye-line vector (ux, uy)), pixels slide by
 * up to `shift` pixels along (ux, uy), fully at the centre and smoothly
 * less towards the rim, which does not move. Bilinear, edges clamped.
 */
#define GAZE_ALONG	0.26
#define GAZE_ACROSS	0.13
/*
 * The largest shift, in iods, that keeps the slide one to one: its slope
 * along the eye line peaks at 8 / (3 sqrt 3) shift / GAZE_ALONG, and past
 * 1 the iris folds over itself.
 */
#define GAZE_MAX	0.16
void	deg_gaze(float *x, int w, int h, double ex, double ey, double ux,
	    double uy, double iod, double shift);
/* A gaze shift for both eyes with o's probability, in iods: 0 for none. */
double	deg_gaze_pick(struct rng *, const struct deg_opts *);

/* Each degradation with its probability from o, in a fixed order. */
void	deg_apply(struct rng *, const struct deg_opts *, float *x, int w, int h);

#endif
