/*
 * geometry.h: face boxes from landmarks, and the accuracy measures.
 *
 * All coordinates are pixels of the upright image, x right, y down.
 * "Left eye" always means the eye nearer the image's left edge (the
 * person's right eye), as in the datasets and the JSON output.
 *
 * The face box is derived from the labelled points, because the datasets
 * label points, not boxes. With E the midpoint of the eyes, M the centre
 * of the mouth, iod = |R - L| and dem = |M - E|:
 *     side   = GEOM_BOX_K * (iod + dem)            (square box)
 *     centre = E + GEOM_BOX_C * (M - E)
 * Using iod + dem keeps the side steady when the head turns (iod shrinks)
 * or nods (dem shrinks); along the eye->mouth axis the centre follows a
 * rolled head. For a frontal face dem ~= 1.06 iod (MTFL median), so the
 * side is ~2.4 iod and the eyes sit ~37 % down the box: the box spans
 * brow to chin and ear to ear, the region a shopper would call "the face".
 */
#ifndef FF_VISION_GEOMETRY_H
#define FF_VISION_GEOMETRY_H

#define GEOM_BOX_K	1.15
#define GEOM_BOX_C	0.30
/* dem / iod of a frontal face: the MTFL median (1.06). */
#define GEOM_FRONTAL_DEM	1.06

/* Landmarks of one face, pixels. */
struct landmarks {
	float	lx, ly;		/* eye on the image's left */
	float	rx, ry;		/* eye on the image's right */
	float	nx, ny;		/* nose tip */
	float	mx, my;		/* mouth centre */
};

/* An axis-aligned box: top-left corner and size, pixels. */
struct fbox {
	float	x, y, w, h;
};

/* A detected face: what the detector returns and the JSON prints. */
struct face {
	float		score;		/* 0..1 */
	struct fbox	box;
	float		left_eye[2];	/* image-left eye centre */
	float		right_eye[2];
	float		mouth[2];	/* mouth centre, when has_mouth */
	int		has_mouth;	/* 0: the eye network gives no mouth */
};

void	geom_face_box(const struct landmarks *, struct fbox *);
float	geom_iou(const struct fbox *, const struct fbox *);
float	geom_iod(const struct landmarks *);
/*
 * The eye-localisation error: max(|L' - L|, |R' - R|) / iod, with the
 * predicted eyes matched to the labelled ones by image side.
 */
float	geom_eye_error(const float pl[2], const float pr[2], const struct landmarks *);
/*
 * Where the predicted eyes sit against the labelled ones, in the frame of
 * the labelled eye line, over the inter-ocular distance: the mean of both
 * eyes' distances (o[0]); the mean signed offset along the line towards
 * the other eye (o[1], positive inwards); across it (o[2], positive down
 * the face); the offset of the eyes' midpoint along the line, towards the
 * image-right eye (o[3]). A source whose labels mark the eye centre
 * elsewhere shows as a bias in o[1] or o[2]; eyes that follow the gaze
 * rather than the eye opening, as a shift in o[3] when the gaze turns
 * (degrade.h deg_gaze). All NaN when the labelled eyes coincide.
 */
void	geom_eye_offsets(const float pl[2], const float pr[2], const struct landmarks *,
	    double o[4]);
/*
 * Frontal, for scoring: the nose projects onto the eye line within the
 * middle 40 % (0.3..0.7 of the way from the left eye), which keeps yaw
 * under about 30 degrees. It is applied the same way to both datasets.
 */
int	geom_is_frontal(const struct landmarks *);
/* Put the two eyes in image-left, image-right order. */
void	geom_order_eyes(float a[2], float b[2]);
/* Mirror landmarks about the vertical line x = w/2 (image width w),
 * swapping left and right so "left" stays the image-left eye. */
void	geom_mirror(struct landmarks *, float w);

#endif
