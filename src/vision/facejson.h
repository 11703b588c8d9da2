/*
 * facejson.h: the face object of `framefit detect --json` and of
 * POST /api/v1/detect, printed by one function so the two never drift:
 *   {"score":S,"box":[x,y,w,h],"left_eye":[x,y],"right_eye":[x,y]}
 * Pixels with one decimal, score with three.
 */
#ifndef FF_VISION_FACEJSON_H
#define FF_VISION_FACEJSON_H
#include "core/buf.h"
#include "vision/geometry.h"

void	facejson_face(struct buf *, const struct face *);
/* A JSON array of n faces. */
void	facejson_faces(struct buf *, const struct face *, int n);

#endif
