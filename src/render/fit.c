/*
 * fit.c: the face width where a frame sits and the size verdict (see
 * fit.h for the model and its sources).
 */
#include <math.h>

#include "render/fit.h"

double
fit_face_mm(const struct face_eyes *e, double pd_mm)
{
	/* The same refusals as the drawing's scale, so a face that is drawn
	 * has a width and one that is not has none. */
	if (frame_px_per_mm(e, pd_mm) <= 0)
		return 0;
	if (pd_mm <= 0)
		pd_mm = FRAME_PD_DEFAULT_MM;
	return pd_mm * FIT_FACE_PD_RATIO;
}

enum ff_err
fit_judge(const struct frame *fr, double face_mm, enum fit *out)
{
	double d;

	if (frame_check(fr) != FF_OK || out == NULL || !isfinite(face_mm) ||
	    face_mm <= 0)
		return FF_EINPUT;
	d = fr->total_width_mm - face_mm;
	if (d < -FIT_TOLERANCE_MM)
		*out = FIT_NARROW;
	else if (d > FIT_TOLERANCE_MM)
		*out = FIT_WIDE;
	else
		*out = FIT_GOOD;
	return FF_OK;
}

const char *
fit_name(enum fit f)
{
	static const char *const names[FIT__MAX] = {
		[FIT_NARROW] = "narrow",
		[FIT_GOOD] = "good",
		[FIT_WIDE] = "wide",
	};

	if ((int)f < 0 || f >= FIT__MAX)
		return NULL;
	return names[f];
}
