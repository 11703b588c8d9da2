#include <math.h>

#include "vision/geometry.h"

float
geom_iod(const struct landmarks *p)
{
	return hypotf(p->rx - p->lx, p->ry - p->ly);
}

void
geom_face_box(const struct landmarks *p, struct fbox *b)
{
	float ex = (p->lx + p->rx) / 2, ey = (p->ly + p->ry) / 2;
	float dem = hypotf(p->mx - ex, p->my - ey);
	float side = (float)GEOM_BOX_K * (geom_iod(p) + dem);
	float cx = ex + (float)GEOM_BOX_C * (p->mx - ex);
	float cy = ey + (float)GEOM_BOX_C * (p->my - ey);

	b->x = cx - side / 2;
	b->y = cy - side / 2;
	b->w = b->h = side;
}

float
geom_iou(const struct fbox *a, const struct fbox *b)
{
	float x0 = fmaxf(a->x, b->x), y0 = fmaxf(a->y, b->y);
	float x1 = fminf(a->x + a->w, b->x + b->w);
	float y1 = fminf(a->y + a->h, b->y + b->h);
	float inter, uni;

	if (x1 <= x0 || y1 <= y0)
		return 0;
	inter = (x1 - x0) * (y1 - y0);
	uni = a->w * a->h + b->w * b->h - inter;
	return uni > 0 ? inter / uni : 0;
}

float
geom_eye_error(const float pl[2], const float pr[2], const struct landmarks *t)
{
	float iod = geom_iod(t);
	float el = hypotf(pl[0] - t->lx, pl[1] - t->ly);
	float er = hypotf(pr[0] - t->rx, pr[1] - t->ry);

	if (!(iod > 0))
		return INFINITY;
	return fmaxf(el, er) / iod;
}

void
geom_eye_offsets(const float pl[2], const float pr[2], const struct landmarks *t,
    double o[4])
{
	double ux = t->rx - t->lx, uy = t->ry - t->ly, iod = hypot(ux, uy);
	double dl[2] = { pl[0] - t->lx, pl[1] - t->ly };
	double dr[2] = { pr[0] - t->rx, pr[1] - t->ry };

	if (!(iod > 0)) {
		o[0] = o[1] = o[2] = o[3] = NAN;
		return;
	}
	ux /= iod;
	uy /= iod;
	o[0] = (hypot(dl[0], dl[1]) + hypot(dr[0], dr[1])) / (2 * iod);
	/* Inwards is +u for the image-left eye and -u for the other; down
	 * the face is (-uy, ux) in image coordinates (y grows downwards). */
	o[1] = ((dl[0] * ux + dl[1] * uy) - (dr[0] * ux + dr[1] * uy)) / (2 * iod);
	o[2] = ((dl[1] * ux - dl[0] * uy) + (dr[1] * ux - dr[0] * uy)) / (2 * iod);
	o[3] = ((dl[0] + dr[0]) * ux + (dl[1] + dr[1]) * uy) / (2 * iod);
}

int
geom_is_frontal(const struct landmarks *p)
{
	float dx = p->rx - p->lx, dy = p->ry - p->ly;
	float d2 = dx * dx + dy * dy, t;

	if (!(d2 > 0))
		return 0;
	t = ((p->nx - p->lx) * dx + (p->ny - p->ly) * dy) / d2;
	return t >= 0.3f && t <= 0.7f;
}

void
geom_order_eyes(float a[2], float b[2])
{
	if (a[0] > b[0]) {
		float t0 = a[0], t1 = a[1];
		a[0] = b[0]; a[1] = b[1];
		b[0] = t0; b[1] = t1;
	}
}

void
geom_mirror(struct landmarks *p, float w)
{
	float lx = w - p->rx, ly = p->ry;

	p->rx = w - p->lx;
	p->ry = p->ly;
	p->lx = lx;
	p->ly = ly;
	p->nx = w - p->nx;
	p->mx = w - p->mx;
}
