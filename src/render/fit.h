/*
 * fit.h: how wide a face is where a frame sits, and whether a frame's
 * front suits that width: the size hint of the result page and the
 * face_width_mm of the JSON API. The one place of that rule.
 *
 * The width. A frame's total width (hinge to hinge) is chosen to match
 * the face across the cheekbones and temples; the anthropometric measure
 * of it is the bizygomatic breadth. The detector finds each face's eye
 * centres (and a mouth, for its box), nothing on the outline of the face:
 * no temple, cheekbone or ear. The one length of the photo known in
 * millimetres is the eye distance, which is the PD (frames.h). So
 *
 *     face_width_mm = pd_mm * FIT_FACE_PD_RATIO
 *
 * where the ratio is the adult mean bizygomatic breadth over the adult
 * mean PD (the cited constants below). In pixels that is
 * FIT_FACE_PD_RATIO eye distances, the scale the frame is drawn at, so
 * the hint and the picture agree, and a shopper who gives a wider PD
 * gets a wider face in both.
 *
 * What it is not. It is not this face's own width: at the default PD
 * every adult gets the mean adult face. The landmarks cannot carry more:
 * the face box is GEOM_BOX_K (eye distance + eye-mouth distance), and
 * the eye-mouth distance over the eye distance varies far more with a
 * smile, a turned head and the detector's noise than with the width of
 * the face (models/README.md, "Face width", has the measurement). What
 * the estimate does carry is the shopper's PD.
 *
 * The verdict. Opticians and shops size frames in steps of
 * FIT_TOLERANCE_MM of total width, and a frame a few millimetres off the
 * face's width is still fitted: FIT_GOOD within one step either side of
 * the face width, else FIT_NARROW or FIT_WIDE (models/README.md, "Face
 * width", has the sources).
 */
#ifndef FF_RENDER_FIT_H
#define FF_RENDER_FIT_H

#include "core/err.h"
#include "render/frame.h"
#include "render/frames.h"

/*
 * Mean bizygomatic breadth of adults, mm, men and women: ANSUR II, C. C.
 * Gordon et al., "2012 Anthropometric Survey of U.S. Army Personnel:
 * Methods and Summary Statistics", NATICK/TR-15/007 (2014).
 */
#define FIT_BIZYGOMATIC_MEN_MM		142.0
#define FIT_BIZYGOMATIC_WOMEN_MM	133.0
/*
 * Mean adult PD, mm: N. A. Dodgson, "Variation and extrema of human
 * interpupillary distance", Proc. SPIE 5291 (2004). It is also the PD a
 * face is drawn at when the shopper gives none (FRAME_PD_DEFAULT_MM).
 */
#define FIT_PD_ADULT_MM			63.0
/* Face width per mm of PD: men and women weighted equally. */
#define FIT_FACE_PD_RATIO	\
	((FIT_BIZYGOMATIC_MEN_MM + FIT_BIZYGOMATIC_WOMEN_MM) / 2 / \
	FIT_PD_ADULT_MM)
/* A frame within this many mm of the face width fits: one size step. */
#define FIT_TOLERANCE_MM		5.0

enum fit {
	FIT_NARROW = 0,
	FIT_GOOD,
	FIT_WIDE,
	FIT__MAX
};

/*
 * The face width in mm (above) of the face with these eyes at pd_mm
 * (<= 0: FRAME_PD_DEFAULT_MM). 0 for what frame_px_per_mm() refuses:
 * NULL, NaN or infinite eyes, eyes less than 1 px apart, a PD outside
 * FRAME_PD_MIN_MM..FRAME_PD_MAX_MM or NaN.
 */
double		 fit_face_mm(const struct face_eyes *, double pd_mm);

/*
 * The verdict for a frame on a face face_mm wide: FIT_GOOD when
 * |total_width - face_mm| <= FIT_TOLERANCE_MM, FIT_NARROW when the frame
 * is narrower and FIT_WIDE when wider than that. FF_EINPUT (and *out
 * untouched) for a frame frame_check() refuses, out NULL or a face width
 * that is not finite and positive.
 */
enum ff_err	 fit_judge(const struct frame *, double face_mm,
		    enum fit *out);

/* "narrow", "good", "wide"; NULL for an out-of-range value. */
const char	*fit_name(enum fit);

#endif
