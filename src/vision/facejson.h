/*
 * facejson.h: the face object of `framefit detect --json` and of
 * POST /api/v1/detect, printed by one function so the two never drift:
 *   {"score":S,"box":[x,y,w,h],"left_eye":[x,y],"right_eye":[x,y]}
 * Pixels with one decimal, score with three. The API adds each face's
 * width in millimetres, "face_width_mm" (render/fit.h), worked out by
 * its caller: vision/ knows pixels, not the PD.
 */
#ifndef FF_VISION_FACEJSON_H
#define FF_VISION_FACEJSON_H
#include "core/buf.h"
#include "vision/geometry.h"

void	facejson_face(struct buf *, const struct face *);
/* A JSON array of n faces. */
void	facejson_faces(struct buf *, const struct face *, int n);
/* The same with "face_width_mm":W (one decimal) last in face i, from
 * width_mm[i]; a width that is not positive and finite is left out. */
void	facejson_faces_mm(struct buf *, const struct face *, int n,
	    const double *width_mm);

#endif
