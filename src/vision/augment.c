#include <math.h>
#include <string.h>

#include "vision/augment.h"

void
rng_seed(struct rng *r, uint64_t s)
{
	r->s = s ? s : 0x9e3779b97f4a7c15ull;
}

double
rng_uniform(struct rng *r)
{
	/* splitmix64: tiny, fast and good enough for augmentation. */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (z >> 11) * (1.0 / 9007199254740992.0);
}

double
rng_normal(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);

	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double
urange(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

void
aug_photometric(struct rng *r, float *x, int w, int h)
{
	size_t n = (size_t)w * h, i;
	float bright = (float)urange(r, -0.15, 0.15);
	float contrast = (float)exp(urange(r, -0.4, 0.4));
	float sat = (float)exp(urange(r, -0.5, 0.5));
	int grey = rng_uniform(r) < 0.1;

	for (i = 0; i < n; i++) {
		float cr = x[i], cg = x[i + n], cb = x[i + 2 * n];
		float l = 0.299f * cr + 0.587f * cg + 0.114f * cb;
		float s = grey ? 0 : sat;
		float v[3] = { l + s * (cr - l), l + s * (cg - l), l + s * (cb - l) };
		for (int c = 0; c < 3; c++) {
			float t = (v[c] - 0.5f) * contrast + 0.5f + bright;
			x[i + c * n] = t < 0 ? 0 : t > 1 ? 1 : t;
		}
	}
}

/* Move landmarks through the source->output map `inv`. */
static void
move_points(const struct affine *inv, const struct landmarks *in, int flip,
    struct landmarks *out)
{
	double x, y;

	affine_apply(inv, in->lx, in->ly, &x, &y); out->lx = x; out->ly = y;
	affine_apply(inv, in->rx, in->ry, &x, &y); out->rx = x; out->ry = y;
	affine_apply(inv, in->nx, in->ny, &x, &y); out->nx = x; out->ny = y;
	affine_apply(inv, in->mx, in->my, &x, &y); out->mx = x; out->my = y;
	if (flip) {
		/* Mirroring put the labelled left eye on the image's right. */
		float t;
		t = out->lx; out->lx = out->rx; out->rx = t;
		t = out->ly; out->ly = out->ry; out->ry = t;
	}
}

int
aug_face_sample(struct rng *r, const struct rgb8 *im,
    const struct landmarks *faces, int nfaces, double roll_sd, float *x,
    float *y, struct rgb8 *tmp)
{
	struct affine m, inv;
	int i, nb = 0, flip = 0;

	if (r == NULL) {
		smp_letterbox(&m, im->w, im->h, FACE_IN, FACE_IN, NULL, NULL, NULL);
	} else {
		/* Scale: the long side covers 45..130 % of the input (log-
		 * uniform), so faces appear at many sizes; shift anywhere the
		 * photo still overlaps the canvas by half; rotate a little. */
		double base = (double)FACE_IN / (im->w > im->h ? im->w : im->h);
		double s = base * exp(urange(r, log(0.45), log(1.3)));
		double rad = rng_normal(r) * roll_sd;
		double cw = im->w * s, ch = im->h * s;
		double cx = FACE_IN / 2.0 + urange(r, -0.5, 0.5) * fabs(FACE_IN - cw) * 1.0;
		double cy = FACE_IN / 2.0 + urange(r, -0.5, 0.5) * fabs(FACE_IN - ch) * 1.0;
		flip = rng_uniform(r) < 0.5;
		/* The square around the photo centre, then shifted so that
		 * centre lands at output (cx, cy) instead of the middle:
		 * src(u, v) = A (u - cx, v - cy) + centre. */
		smp_square(&m, im->w / 2.0, im->h / 2.0, FACE_IN / s, rad, flip, FACE_IN);
		double du = FACE_IN / 2.0 - cx, dv = FACE_IN / 2.0 - cy;
		m.a[2] += m.a[0] * du + m.a[1] * dv;
		m.a[5] += m.a[3] * du + m.a[4] * dv;
	}
	smp_affine_aa(im, &m, FACE_IN, FACE_IN, 0.5f, x, tmp);
	if (r != NULL)
		aug_photometric(r, x, FACE_IN, FACE_IN);
	affine_invert(&m, &inv);
	memset(y, 0, sizeof(float) * YOLO_MAX_BOXES * 5);
	for (i = 0; i < nfaces && nb < YOLO_MAX_BOXES; i++) {
		struct landmarks p;
		struct fbox b;

		move_points(&inv, &faces[i], flip, &p);
		geom_face_box(&p, &b);
		/* Clip to the canvas; keep faces at least half visible. */
		float x0 = fmaxf(b.x, 0), y0 = fmaxf(b.y, 0);
		float x1 = fminf(b.x + b.w, FACE_IN), y1 = fminf(b.y + b.h, FACE_IN);
		if (x1 - x0 < 2 || y1 - y0 < 2 ||
		    (x1 - x0) * (y1 - y0) < 0.5f * b.w * b.h)
			continue;
		float *t = y + nb * 5;
		t[0] = (x0 + x1) / 2 / FACE_IN;
		t[1] = (y0 + y1) / 2 / FACE_IN;
		t[2] = (x1 - x0) / FACE_IN;
		t[3] = (y1 - y0) / FACE_IN;
		t[4] = 0;
		/* darknet stops reading truths at x == 0. */
		if (t[0] <= 0)
			t[0] = 1e-6f;
		nb++;
	}
	return nb;
}

void
aug_eyes_crop(const struct fbox *b, struct affine *m)
{
	smp_square(m, b->x + b->w / 2, b->y + b->h / 2,
	    EYES_CROP * fmaxf(b->w, b->h), 0, 0, EYES_IN);
}

void
aug_eyes_sample(struct rng *r, const struct rgb8 *im,
    const struct landmarks *f, float *x, float *y, int ny, struct rgb8 *tmp)
{
	struct fbox b;
	struct affine m, inv;
	struct landmarks p;
	double side, cx, cy, rad = 0;
	int flip = 0;

	geom_face_box(f, &b);
	side = EYES_CROP * b.w;
	cx = b.x + b.w / 2;
	cy = b.y + b.h / 2;
	if (r != NULL) {
		/* The detector's boxes are off by a few percent of the side
		 * in place and size; heads roll. Train on more than that. */
		cx += rng_normal(r) * 0.06 * side;
		cy += rng_normal(r) * 0.06 * side;
		side *= exp(rng_normal(r) * 0.10);
		rad = urange(r, -0.45, 0.45);
		flip = rng_uniform(r) < 0.5;
	}
	smp_square(&m, cx, cy, side, rad, flip, EYES_IN);
	smp_affine_aa(im, &m, EYES_IN, EYES_IN, 0.5f, x, tmp);
	if (r != NULL)
		aug_photometric(r, x, EYES_IN, EYES_IN);
	affine_invert(&m, &inv);
	move_points(&inv, f, flip, &p);
	y[0] = aug_encode(p.lx, EYES_IN);
	y[1] = aug_encode(p.ly, EYES_IN);
	y[2] = aug_encode(p.rx, EYES_IN);
	y[3] = aug_encode(p.ry, EYES_IN);
	if (ny == EYES_OUT_MOUTH) {
		y[4] = aug_encode(p.mx, EYES_IN);
		y[5] = aug_encode(p.my, EYES_IN);
	}
}

void
aug_refine_patch(double ex, double ey, double angle, double iod, int mirror,
    struct affine *m)
{
	smp_square(m, ex, ey, REFINE_SIDE * iod, angle, mirror, REFINE_IN);
}

void
aug_refine_sample(struct rng *r, const struct rgb8 *im,
    const struct landmarks *f, int right, float *x, float *y,
    struct rgb8 *tmp)
{
	double iod = geom_iod(f);
	double angle = atan2(f->ry - f->ly, f->rx - f->lx);
	double ex = right ? f->rx : f->lx, ey = right ? f->ry : f->ly;
	double tx = ex, ty = ey, u, v;
	struct affine m, inv;

	if (r != NULL) {
		/* Simulate the first stage's estimate around the truth: its
		 * error on validation faces is ~0.09 iod per coordinate. */
		ex += rng_normal(r) * 0.09 * iod;
		ey += rng_normal(r) * 0.09 * iod;
		iod *= exp(rng_normal(r) * 0.08);
		angle += rng_normal(r) * 0.08;
	}
	aug_refine_patch(ex, ey, angle, iod, right, &m);
	smp_affine_aa(im, &m, REFINE_IN, REFINE_IN, 0.5f, x, tmp);
	if (r != NULL)
		aug_photometric(r, x, REFINE_IN, REFINE_IN);
	affine_invert(&m, &inv);
	affine_apply(&inv, tx, ty, &u, &v);
	y[0] = aug_encode(u, REFINE_IN);
	y[1] = aug_encode(v, REFINE_IN);
}
