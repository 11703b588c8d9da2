/*
 * sample.h: resampling pixels into a network's input tensor.
 *
 * One affine sampler serves training (random crops, scales, rotations,
 * flips whose labels move with the pixels) and inference (letterbox of the
 * whole photo, crop of a face box, patch around an eye), so the network
 * always sees pixels prepared by the same code.
 *
 * Coordinates are continuous pixel coordinates: pixel (i, j) covers
 * [i, i+1) x [j, j+1) and its centre is (i+0.5, j+0.5).
 */
#ifndef FF_IMAGE_SAMPLE_H
#define FF_IMAGE_SAMPLE_H
#include <gd.h>

/* Interleaved 8-bit RGB; the struct owns px (free with smp_free). */
struct rgb8 {
	int		 w, h;
	unsigned char	*px;
};

/*
 * An affine map from output (network) coordinates to source coordinates:
 *     x_src = a[0] * u + a[1] * v + a[2]
 *     y_src = a[3] * u + a[4] * v + a[5]
 */
struct affine {
	double	a[6];
};

void	smp_from_gd(gdImagePtr, struct rgb8 *);
/*
 * Copy the rectangle (x0, y0, w, h) of a gd image, clipped to it, box-
 * averaging k x k blocks (k >= 1) in the same pass: dst is w/k x h/k and
 * dst pixel (i, j) covers source [x0 + k i, x0 + k (i+1)). One read of each
 * source pixel, so a letterbox of a 12 MP photo costs one pass, not two.
 */
void	smp_from_gd_area(gdImagePtr, int x0, int y0, int w, int h, int k,
	    struct rgb8 *);
void	smp_free(struct rgb8 *);
/* Halve (or more) by an integer box filter: dst is w/k x h/k. */
void	smp_reduce(const struct rgb8 *, int k, struct rgb8 *dst);

/*
 * Fill dst, a planar CHW float tensor of 3 x oh x ow in [0, 1], by bilinear
 * sampling of src through `m`. Points outside the source read `fill`.
 */
void	smp_affine(const struct rgb8 *, const struct affine *, int ow, int oh,
	    float fill, float *dst);

/*
 * Like smp_affine, but first box-reduces the source by the integer factor
 * that keeps the bilinear step at most ~1.5 source pixels, so large
 * photos do not alias. `tmp` is scratch the caller owns and reuses across
 * calls (smp_free it at the end).
 */
void	smp_affine_aa(const struct rgb8 *, const struct affine *, int ow,
	    int oh, float fill, float *dst, struct rgb8 *tmp);

/* The similarity transform: output square of side `out` showing the
 * source square of side `side` centred at (cx, cy), rotated by `rad`
 * (counter-clockwise in image coordinates, y down), mirrored if flip. */
void	smp_square(struct affine *, double cx, double cy, double side,
	    double rad, int flip, int out);

/* Letterbox: the whole w x h source centred in an out_w x out_h canvas,
 * aspect kept. scale (out px per src px), dx, dy receive the mapping
 * src = (out - d) / scale. */
void	smp_letterbox(struct affine *, int w, int h, int out_w, int out_h,
	    double *scale, double *dx, double *dy);

/*
 * A resized copy (the caller owns it, gdImageDestroy()): bilinear, box-
 * prefiltered when shrinking, with pixel centres mapped exactly. libgd's
 * gdImageScale(GD_BICUBIC) shifts the picture by 1-3 source pixels at
 * some factors (x6, x10, x12: measured), which moves labels off the eyes.
 */
gdImagePtr	smp_resize(gdImagePtr, int w, int h);

/*
 * A planar CHW float tensor (3 x h x w, in [0, 1]) of a gd image's
 * pixels, and back into a true-colour gd image of the same size, each
 * value clamped to [0, 1] and rounded to the nearest 8-bit level.
 */
void	smp_gd_to_chw(gdImagePtr, float *dst);
void	smp_chw_to_gd(const float *src, gdImagePtr dst);

/* Map a point through m (output -> source) and back (source -> output). */
void	affine_apply(const struct affine *, double u, double v, double *x, double *y);
void	affine_invert(const struct affine *, struct affine *inv);

#endif
