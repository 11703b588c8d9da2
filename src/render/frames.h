/*
 * frames.h: a catalog frame (frame.h) drawn on the faces of a photo.
 *
 * Scale. The pixel distance between the two eye centres is the shopper's
 * pupillary distance (PD): px_per_mm = |right - left| / pd_mm, with
 * pd_mm = 63 unless the shopper gave their own (50..80 mm).
 *
 * Placement, in "frame space": millimetres, origin at the frame centre,
 * u along the eye line towards image-right, v perpendicular, downwards
 * (image convention, y grows down). The frame centre is the midpoint of
 * the eyes moved FRAME_DROP * lens_height down the face, so the pupils sit
 * a little above the middle of the lenses as they do in real glasses. The
 * lens centres are at u = +-(lens_width + bridge) / 2, so they fall on the
 * pupils only when PD == lens_width + bridge, as in life. Frame space is
 * turned by the roll of the eye line (frame_roll_deg()).
 *
 * Extents: the lenses are lens_width x lens_height (the inner edge of the
 * rim), the rim grows outwards by rim_mm, and the end pieces with the
 * temple stubs reach out to +-total_width / 2.
 *
 * Styles. round, rectangle and aviator (teardrop lenses, double bridge)
 * have a rim of even thickness; cat-eye's rim flares into a wing at the
 * upper outer corners; browline's rim_mm is its heavy brow, the lower rim
 * is a wire of 0.3 * rim_mm (at least 0.5 mm); rimless draws no rim, only
 * the tinted lenses with a light polished edge, and rim_mm is then the
 * thickness of its bridge (at least 1 mm) in rim_rgb, with small hinges.
 * Metal styles (round, aviator, rimless) show nose pads through the lens.
 *
 * Depth. On a face the frame casts a soft shadow: the rims, bridge and
 * temples, moved a little down the face and blurred, darken the photo
 * under them (not on a thumbnail, which has no face). The lenses are
 * glass: the tint filters the photo (multiplied, per channel, by
 * 1 - opacity * (1 - tint)), so a dark tint darkens the eye without
 * painting over it, and every lens gets a faint reflection, so a clear
 * lens still reads as glass. Temples run from the hinges back towards the
 * ears: they slope down, recede (thinner, darker) and fade where the hair
 * or the ear would hide them. With a known yaw (struct face_pose) the
 * temple on the near side swings out over the cheek and the far one hides
 * behind the head; the frame moves with the bridge of the nose, in front
 * of the eyes, and its height is corrected for the foreshortened eye
 * distance. Without a mouth the face is taken as frontal.
 *
 * Artwork. A frame with artwork (a front view with alpha whose width is
 * total_width_mm) is drawn from it instead of the procedural shape, its
 * centre on the frame centre, scaled and turned the same way. It gets the
 * same shadow (cast by its alpha) and glass: inside the lens outlines the
 * catalog's measurements give, translucent art pixels filter the photo
 * instead of covering it and carry the reflection. Its temples start at
 * the art's outermost opaque columns (their height and colour) and are
 * drawn like the procedural ones.
 *
 * Drawing is anti-aliased by exact area coverage (raster.h) straight into
 * the rotated image, and alpha-composited ("over") onto it, so a light
 * tint keeps the eyes visible. Every face is drawn; the caller's image is
 * modified in place.
 */
#ifndef FF_RENDER_FRAMES_H
#define FF_RENDER_FRAMES_H
#include <gd.h>

#include "core/err.h"
#include "render/frame.h"

#define FRAME_PD_DEFAULT_MM	63.0
#define FRAME_PD_MIN_MM		50.0
#define FRAME_PD_MAX_MM		80.0
/* Lens centre below the eye line, as a fraction of lens_height. */
#define FRAME_DROP		0.05

/*
 * The eye centres of one face, in pixels of the image drawn on:
 * (lx, ly) is the eye nearer image-left (the person's right eye) and
 * (rx, ry) the one nearer image-right. If given the other way round they
 * are swapped, so a roll is always within -90..90 degrees.
 */
struct face_eyes {
	double	lx, ly;
	double	rx, ry;
};

/*
 * One face with, optionally, its mouth centre, which gives the yaw of the
 * head: the mouth lies in front of the eyes, so a turned head moves it
 * sideways off the middle of the eye line. mouth == 0 (as in a
 * zero-initialised struct) means unknown: the face is taken as frontal.
 */
struct face_pose {
	struct face_eyes eyes;
	double	mx, my;		/* mouth centre, pixels of the same image */
	int	mouth;		/* 1: (mx, my) is known */
};

/* Yaw beyond this (degrees) is taken as this: the front is drawn flat. */
#define FRAME_YAW_MAX_DEG	30.0

/*
 * The yaw of the head in degrees, positive when the nose points towards
 * image-right, within +-FRAME_YAW_MAX_DEG. 0 when the mouth is unknown or
 * not where a mouth can be (0.5 to 2 eye distances down the face, and no
 * further sideways than that); small offsets of the mouth (the
 * detector's noise) are taken as frontal. NaN for nonsense eyes.
 */
double		 frame_yaw_deg(const struct face_pose *);

/*
 * Pixels per millimetre at the face: eye distance in pixels / pd_mm.
 * pd_mm <= 0 means FRAME_PD_DEFAULT_MM. Returns 0 for nonsense input
 * (NULL, NaN or infinite eyes, eyes less than 1 px apart, pd_mm outside
 * 50..80).
 */
double		 frame_px_per_mm(const struct face_eyes *, double pd_mm);

/*
 * The roll of the eye line in degrees: positive when the image-right eye
 * is lower, i.e. the frame is turned clockwise on screen. NaN for
 * nonsense eyes.
 */
double		 frame_roll_deg(const struct face_eyes *);

/*
 * Whether a frame can be drawn: FF_EINPUT unless the style is known,
 * lens width and height and total width are in 1..400 mm, the bridge in
 * 0..400 mm, rim_mm in 0..20, tint_opacity in 0..1 (all finite) and any
 * artwork is at least 1x1 pixel; FF_OK if so. A total width narrower than
 * the lenses is drawn as given (the end pieces shrink to a stub).
 */
enum ff_err	 frame_check(const struct frame *);

/*
 * Draw the frame on each of nfaces faces of `im` (truecolor or palette;
 * a palette image is converted to truecolor first). pd_mm as for
 * frame_px_per_mm(). All input is checked before anything is drawn:
 * FF_EINPUT for a NULL image or frame, nfaces < 0, faces NULL with
 * nfaces > 0, a frame frame_check() refuses, or any face whose eyes
 * frame_px_per_mm() refuses. nfaces == 0 draws nothing and is FF_OK.
 * The alpha-blending mode of `im` is left as it was.
 */
enum ff_err	 frame_draw(gdImagePtr im, const struct frame *,
		    const struct face_eyes *faces, int nfaces, double pd_mm);

/*
 * frame_draw() for faces with a pose: the same checks and drawing, plus
 * the yaw of each face whose mouth is known (frame_yaw_deg()). A mouth
 * that is not finite is refused (FF_EINPUT) like a bad eye.
 */
enum ff_err	 frame_draw_pose(gdImagePtr im, const struct frame *,
		    const struct face_pose *faces, int nfaces, double pd_mm);

/*
 * The frame alone, upright and centred, on a transparent truecolor image
 * of width x height pixels (1..4096) with saveAlpha set, for the catalog.
 * NULL for bad sizes or a frame frame_check() refuses. The caller owns
 * the image and frees it with gdImageDestroy().
 */
gdImagePtr	 frame_thumbnail(const struct frame *, int width, int height);

/* The size hint (face width and verdict) is render/fit.h. */

#endif
