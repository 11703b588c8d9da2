/*
 * frames.c: eyeglass frames drawn on faces (see frames.h for the model).
 *
 * A frame is built as a "scene" of closed polygons in frame space (mm),
 * each on a layer (tint, lens edge, nose pads, rim, lens holes cut out of
 * the rim, temple stubs). The
 * polygons are mapped to image pixels with the face's scale, roll and
 * position, rasterised by exact area coverage (raster.h) in strips of
 * rows, and composited layer by layer with the "over" operator. Because
 * everything is rasterised in the rotated image directly, there is no
 * supersampled layer to downsample and no resampling blur on rotation,
 * and the cost is one pass over the frame's box.
 *
 * Depth is faked in two dimensions: the temples are projected from a
 * simple head (hinges in the plane of the front, ears TEMPLE_MM behind
 * it), the yaw moves points by their depth times tan(yaw), and the
 * shadow is the frame's own coverage, moved down the face and blurred,
 * multiplied into the photo before the frame is drawn over it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "render/frames.h"
#include "render/raster.h"

#define LENS_N		128	/* points on one lens outline */
#define ARC_N		24	/* points on one side of a bridge */
#define STRIP		32	/* rows rasterised and composited at a time */
#define EYE_MAX		1e6	/* |eye coordinate| beyond this is nonsense */
#define SIZE_MAX_MM	400.0	/* no frame is wider than this */
#define THUMB_MAX	4096	/* thumbnail side, pixels */
#define LEN(a)		(sizeof(a) / sizeof((a)[0]))

/* The head behind the frame, mm (typical adult sizes). */
#define TEMPLE_MM	95.0	/* depth from the hinges to the ears */
#define TEMPLE_FLARE_MM	4.0	/* the ears are wider apart than the hinges */
#define TEMPLE_DROP_MM	8.0	/* the temples slope down to the ears */
#define TEMPLE_HIDE_MM	4.0	/* outward reach under which a temple fades */
#define FRONT_MM	12.0	/* the front in front of the eyes */
/* The mouth centre in front of the eyes, and the sideways offset of the
 * mouth taken as the detector's noise, both in eye distances. */
#define MOUTH_DEPTH	0.29
#define MOUTH_DEAD	0.03
/* The contact shadow: its offset down the face and blur radius (mm), and
 * how much a full shadow darkens the photo. */
#define SHADOW_DROP_MM	1.8
#define SHADOW_BLUR_MM	1.3
#define SHADOW_K	0.30f

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum layer {
	LY_TEMPLE,	/* temples, behind the front */
	LY_TINT,	/* lens tint and highlight, under everything */
	LY_EDGE,	/* rimless: the polished edge of the lens */
	LY_PAD,		/* nose pads, seen through the lens */
	LY_RIM,		/* rims, bridges, end pieces */
	LY_HOLE,	/* the lenses, cut out of LY_RIM (not drawn) */
	LY_STUB,	/* temple stubs, receding from the viewer: darker */
	LY__MAX
};

/* One closed polygon; xy is in mm while building, pixels once placed. */
struct shape {
	enum layer	 ly;
	int		 sign;		/* +1 area, -1 hole */
	int		 n;
	double		*xy;		/* 2 * n, owned */
};

struct scene {
	struct shape	*v;
	int		 n, cap;
	double		 a, b;		/* lens half width, half height, mm */
	double		 lcx;		/* |u| of the lens centres, mm */
	double		 rim;		/* rim thickness, mm */
	double		 vtop;		/* top of the rims, mm (shading) */
	/* the temples, image-left then right: hinge (u, v), ear (u, v) in
	 * projected mm, and how visible each is (0: hidden by the head) */
	double		 tq[2][4];
	float		 tvis[2];
};

/*
 * Frame space (mm) to image pixels: turned by the roll, scaled by ppm
 * along the eye line and ppv down the face (larger when a turned head
 * foreshortens the eye distance).
 */
struct place {
	double	cx, cy;		/* frame centre, pixels */
	double	c, s;		/* cos, sin of the roll */
	double	ppm;		/* pixels per mm along the eye line */
	double	ppv;		/* pixels per mm down the face */
	double	ty;		/* tan(yaw); > 0: nose towards image-right */
	int	face;		/* on a face: cast the shadow */
	int	flat;		/* no depth: the flat drawing (benchmarks) */
};

static void
place_xy(const struct place *pl, double u, double v, double *x, double *y)
{
	*x = pl->cx + pl->c * pl->ppm * u - pl->s * pl->ppv * v;
	*y = pl->cy + pl->s * pl->ppm * u + pl->c * pl->ppv * v;
}

/* --- input checks --- */

static int
finite_in(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

/* Copy the eyes into *out, left eye first; 0 if they are nonsense. */
static int
eyes_norm(const struct face_eyes *e, struct face_eyes *out)
{
	if (e == NULL ||
	    !finite_in(e->lx, -EYE_MAX, EYE_MAX) ||
	    !finite_in(e->ly, -EYE_MAX, EYE_MAX) ||
	    !finite_in(e->rx, -EYE_MAX, EYE_MAX) ||
	    !finite_in(e->ry, -EYE_MAX, EYE_MAX))
		return 0;
	if (hypot(e->rx - e->lx, e->ry - e->ly) < 1.0)
		return 0;
	if (e->rx < e->lx) {
		out->lx = e->rx; out->ly = e->ry;
		out->rx = e->lx; out->ry = e->ly;
	} else
		*out = *e;
	return 1;
}

double
frame_px_per_mm(const struct face_eyes *e, double pd_mm)
{
	struct face_eyes n;

	if (isnan(pd_mm) || !eyes_norm(e, &n))
		return 0;
	if (pd_mm <= 0)
		pd_mm = FRAME_PD_DEFAULT_MM;
	if (!finite_in(pd_mm, FRAME_PD_MIN_MM, FRAME_PD_MAX_MM))
		return 0;
	return hypot(n.rx - n.lx, n.ry - n.ly) / pd_mm;
}

double
frame_roll_deg(const struct face_eyes *e)
{
	struct face_eyes n;

	if (!eyes_norm(e, &n))
		return NAN;
	return atan2(n.ry - n.ly, n.rx - n.lx) * (180.0 / M_PI);
}

enum ff_err
frame_check(const struct frame *fr)
{
	if (fr == NULL || (int)fr->style < 0 || fr->style >= FRAME_STYLE__MAX)
		return FF_EINPUT;
	if (!finite_in(fr->lens_width_mm, 1, SIZE_MAX_MM) ||
	    !finite_in(fr->lens_height_mm, 1, SIZE_MAX_MM) ||
	    !finite_in(fr->bridge_mm, 0, SIZE_MAX_MM) ||
	    !finite_in(fr->total_width_mm, 1, SIZE_MAX_MM) ||
	    !finite_in(fr->rim_mm, 0, 20) ||
	    !finite_in(fr->tint_opacity, 0, 1))
		return FF_EINPUT;
	if (fr->artwork != NULL &&
	    (gdImageSX(fr->artwork) < 1 || gdImageSY(fr->artwork) < 1))
		return FF_EINPUT;
	return FF_OK;
}

/* --- building the scene, in frame space (mm) --- */

static double *
scene_add(struct scene *sc, enum layer ly, int sign, int n)
{
	struct shape *s;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 32;
		sc->v = xreallocarray(sc->v, (size_t)sc->cap, sizeof(*sc->v));
	}
	s = &sc->v[sc->n++];
	s->ly = ly;
	s->sign = sign;
	s->n = n;
	s->xy = xmalloc(2 * (size_t)n * sizeof(double));
	return s->xy;
}

static void
scene_free(struct scene *sc)
{
	int i;

	for (i = 0; i < sc->n; i++)
		free(sc->v[i].xy);
	free(sc->v);
	memset(sc, 0, sizeof(*sc));
}

/* sign(v) |v|^e: the superellipse's coordinate for exponent e = 2/n. */
static double
sepow(double v, double e)
{
	return copysign(pow(fabs(v), e), v);
}

static double
smooth(double e0, double e1, double x)
{
	double t = (x - e0) / (e1 - e0);

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return t * t * (3 - 2 * t);
}

/*
 * The aviator's teardrop, in units of the half width and height: a wide,
 * nearly flat top; the outer side sweeps in to a round bottom, deepest a
 * little towards the nose; the inner side leans out along the nose.
 * Clockwise on screen from the top inner corner.
 */
static const double aviator[] = {
	-0.85, -0.92,	-0.35, -1.00,	0.35, -1.00,	0.85, -0.93,
	1.00, -0.62,	0.93, -0.15,	0.72, 0.35,	0.42, 0.78,
	0.00, 1.00,	-0.38, 0.98,	-0.68, 0.75,	-0.85, 0.35,
	-0.95, -0.15,	-1.00, -0.60,
};

/* A closed Catmull-Rom curve through n points, at t in [0, 1). */
static void
spline(const double *p, int n, double t, double *x, double *y)
{
	double u, u2, u3, c[4];
	int i, k, j;

	u = t * n;
	i = (int)u;
	u -= i;
	u2 = u * u;
	u3 = u2 * u;
	c[0] = 0.5 * (-u3 + 2 * u2 - u);
	c[1] = 0.5 * (3 * u3 - 5 * u2 + 2);
	c[2] = 0.5 * (-3 * u3 + 4 * u2 + u);
	c[3] = 0.5 * (u3 - u2);
	*x = *y = 0;
	for (k = 0; k < 4; k++) {
		j = (i - 1 + k + n) % n;
		*x += c[k] * p[2 * j];
		*y += c[k] * p[2 * j + 1];
	}
}

/*
 * The lens outline of a style: LENS_N points, lens centre at the origin,
 * the temple (outer) side at +x, y down, half sizes a and b. The shapes
 * keep their box close to 2a x 2b, the catalog's lens width and height.
 */
static void
lens_outline(enum frame_style st, double a, double b, double *xy)
{
	double t, c, s, x, y, k, nx, ny;
	int i;

	for (i = 0; i < LENS_N; i++) {
		t = 2 * M_PI * i / LENS_N;
		c = cos(t);
		s = sin(t);
		nx = ny = 0;
		switch (st) {
		case FRAME_ROUND:
			x = a * c;
			y = b * s;
			break;
		case FRAME_RECTANGLE:
			x = a * sepow(c, 2 / 4.5);
			y = b * sepow(s, 2 / 4.5);
			/* narrower towards the bottom, cut at the nose */
			x *= 1 - 0.04 * y / b;
			nx = -x / a;
			ny = y / b;
			break;
		case FRAME_BROWLINE:
			/* flat top, rounder bottom, wider at the top */
			x = a * sepow(c, s < 0 ? 2 / 5.0 : 2 / 3.2);
			y = b * sepow(s, s < 0 ? 2 / 5.0 : 2 / 3.2);
			x *= 1 - 0.07 * y / b;
			nx = -x / a;
			ny = y / b;
			break;
		case FRAME_CATEYE:
			x = a * sepow(c, 2 / 3.0);
			y = b * sepow(s, 2 / 3.0);
			x *= 1 - 0.10 * y / b;
			/* sweep the outer side up: the top corner rises,
			 * the bottom climbs towards it */
			if (y < 0) {
				/* the top rises towards the temple */
				k = x > 0 ? x / a : 0;
				y -= -y * (0.10 * (x / a + 1) + 0.14 * k * k * k);
			} else if (x > 0) {
				k = x / a;
				y *= 1 - 0.35 * k * k;
			}
			nx = -x / a;
			ny = y / b;
			break;
		case FRAME_AVIATOR:
			spline(aviator, LEN(aviator) / 2, (double)i / LENS_N,
			    &x, &y);
			x *= a;
			y *= b;
			break;
		case FRAME_RIMLESS:
		default:
			x = a * sepow(c, 2 / 3.6);
			y = b * sepow(s, 2 / 3.6);
			x *= 1 - 0.05 * y / b;
			nx = -x / a;
			ny = y / b;
			break;
		}
		/* the nose cut: pull in the lower inner corner */
		if (nx > 0 && ny > 0) {
			k = 1 - 0.10 * pow(nx * ny, 1.5);
			x *= k;
			y = y * (1 - 0.5 * (1 - k));
		}
		xy[2 * i] = x;
		xy[2 * i + 1] = y;
	}
}

/* Rim thickness (mm) where the lens outline's outward normal is (nx, ny). */
static double
rim_at(enum frame_style st, double rim, double nx, double ny)
{
	double w, thin;

	switch (st) {
	case FRAME_CATEYE:
		/* the wing: thicker towards the upper outer corner */
		w = nx * 0.6 - ny * 0.8;
		w = w > 0 ? pow(w, 5) : 0;
		return rim + w * (2.2 * rim < 8 ? 2.2 * rim : 8);
	case FRAME_BROWLINE:
		/* rim_mm is the brow; the lower rim is a thin wire */
		thin = 0.3 * rim > 0.5 ? 0.3 * rim : 0.5;
		if (thin > rim)
			thin = rim;
		return thin + (rim - thin) * smooth(0.05, 0.7, -ny);
	default:
		return rim;
	}
}

/* Offset a closed outline outwards by rim_at() along its normals. */
static void
outline_offset(enum frame_style st, double rim, const double *in,
    double *out, int n)
{
	double tx, ty, len, nx, ny, area = 0, o, t;
	int i, p, q;

	for (i = 0; i < n; i++) {
		q = (i + 1) % n;
		area += in[2 * i] * in[2 * q + 1] - in[2 * q] * in[2 * i + 1];
	}
	o = area > 0 ? 1 : -1;
	for (i = 0; i < n; i++) {
		p = (i + n - 1) % n;
		q = (i + 1) % n;
		tx = in[2 * q] - in[2 * p];
		ty = in[2 * q + 1] - in[2 * p + 1];
		len = hypot(tx, ty);
		if (len <= 0) {
			nx = ny = 0;
		} else {
			/* positive area runs clockwise on screen (y down):
			 * the outward normal is the tangent turned left */
			nx = o * ty / len;
			ny = -o * tx / len;
		}
		t = rim_at(st, rim, nx, ny);
		out[2 * i] = in[2 * i] + nx * t;
		out[2 * i + 1] = in[2 * i + 1] + ny * t;
	}
}

/*
 * The x of the outline's crossing of height y on one side (side -1: the
 * smallest x, +1: the largest), for placing bridges and end pieces.
 */
static double
outline_x_at(const double *xy, int n, double y, int side)
{
	double best = 0, x0, y0, x1, y1, x;
	int i, q, found = 0;

	for (i = 0; i < n; i++) {
		q = (i + 1) % n;
		x0 = xy[2 * i]; y0 = xy[2 * i + 1];
		x1 = xy[2 * q]; y1 = xy[2 * q + 1];
		if ((y0 - y) * (y1 - y) > 0 || y0 == y1)
			continue;
		x = x0 + (x1 - x0) * (y - y0) / (y1 - y0);
		if (!found || (side < 0 ? x < best : x > best))
			best = x;
		found = 1;
	}
	return best;
}

/* The smallest y (the top) of an outline among points with x >= xmin. */
static double
outline_top(const double *xy, int n, double xmin)
{
	double top = HUGE_VAL;
	int i;

	for (i = 0; i < n; i++)
		if (xy[2 * i] >= xmin && xy[2 * i + 1] < top)
			top = xy[2 * i + 1];
	return top;
}

/* Put a lens-local outline at lens `side` (-1 image-left, +1 right). */
static void
lens_place(const struct scene *sc, const double *in, double *out, int n,
    int side)
{
	int i;

	for (i = 0; i < n; i++) {
		out[2 * i] = side * (sc->lcx + in[2 * i]);
		out[2 * i + 1] = in[2 * i + 1];
	}
}

/*
 * A band across the bridge, from u = -hw to hw, centred on height yc in
 * the middle and arching up by `arch` there, th thick.
 */
static void
add_arch(struct scene *sc, enum layer ly, double hw, double yc,
    double arch, double th)
{
	double *xy = scene_add(sc, ly, 1, 2 * ARC_N), u, k;
	int i;

	for (i = 0; i < ARC_N; i++) {
		u = -hw + 2 * hw * i / (ARC_N - 1);
		k = u / hw;
		xy[2 * i] = u;
		xy[2 * i + 1] = yc - arch * (1 - k * k) - th / 2;
		xy[2 * (2 * ARC_N - 1 - i)] = u;
		xy[2 * (2 * ARC_N - 1 - i) + 1] = yc - arch * (1 - k * k) +
		    th / 2;
	}
}

/* A rounded rectangle; r is clamped to half the shorter side. */
static void
add_rrect(struct scene *sc, enum layer ly, double x0, double y0,
    double x1, double y1, double r)
{
	const int q = 6;	/* points per corner */
	double *xy, cx, cy, t;
	int i, k;

	if (x1 < x0) { t = x0; x0 = x1; x1 = t; }
	if (y1 < y0) { t = y0; y0 = y1; y1 = t; }
	if (r > (x1 - x0) / 2)
		r = (x1 - x0) / 2;
	if (r > (y1 - y0) / 2)
		r = (y1 - y0) / 2;
	xy = scene_add(sc, ly, 1, 4 * q);
	for (k = 0; k < 4; k++) {
		cx = k == 0 || k == 3 ? x1 - r : x0 + r;
		cy = k < 2 ? y1 - r : y0 + r;
		for (i = 0; i < q; i++) {
			t = (k + (double)i / (q - 1)) * M_PI / 2;
			xy[2 * (k * q + i)] = cx + r * cos(t);
			xy[2 * (k * q + i) + 1] = cy + r * sin(t);
		}
	}
}

/* An ellipse centred at (cx, cy), turned by `tilt` radians. */
static void
add_ellipse(struct scene *sc, enum layer ly, double cx, double cy,
    double rx, double ry, double tilt)
{
	const int n = 24;
	double *xy = scene_add(sc, ly, 1, n), t, x, y;
	int i;

	for (i = 0; i < n; i++) {
		t = 2 * M_PI * i / n;
		x = rx * cos(t);
		y = ry * sin(t);
		xy[2 * i] = cx + x * cos(tilt) - y * sin(tilt);
		xy[2 * i + 1] = cy + x * sin(tilt) + y * cos(tilt);
	}
}

/*
 * A temple stub from the end piece outwards to u = uend: it tapers as the
 * temple turns away from the viewer. Mirrored on both sides. The flat
 * drawing's only temples.
 */
static void
add_stubs(struct scene *sc, double u0, double uend, double yc, double h)
{
	double *xy;
	int side;

	for (side = -1; side <= 1; side += 2) {
		xy = scene_add(sc, LY_STUB, 1, 4);
		xy[0] = side * u0;	xy[1] = yc - h * 0.38;
		xy[2] = side * uend;	xy[3] = yc - h * 0.24;
		xy[4] = side * uend;	xy[5] = yc + h * 0.20;
		xy[6] = side * u0;	xy[7] = yc + h * 0.38;
	}
}

/*
 * The temples, from the hinges at u = +-hu, height yc, hh half thick, to
 * the ears: TEMPLE_MM behind the front, a little wider than the frame's
 * half width `half` and lower. A point at depth z is seen z * ty further
 * towards image-left (ty = tan(yaw)). A temple whose ear end comes
 * inwards of its hinge runs behind the head: it is not drawn, and one
 * that reaches out less than TEMPLE_HIDE_MM fades (tvis).
 */
static void
add_temples(struct scene *sc, double hu, double yc, double hh, double half,
    double ty)
{
	double *xy, hx, ex, ey, reach;
	int side, k;

	for (side = -1; side <= 1; side += 2) {
		k = side > 0;
		hx = side * hu;
		ex = side * (half + TEMPLE_FLARE_MM) - TEMPLE_MM * ty;
		ey = yc + TEMPLE_DROP_MM;
		sc->tq[k][0] = hx;
		sc->tq[k][1] = yc;
		sc->tq[k][2] = ex;
		sc->tq[k][3] = ey;
		reach = side * (ex - hx);
		sc->tvis[k] = (float)(reach <= 0 ? 0 : reach >= TEMPLE_HIDE_MM ?
		    1 : reach / TEMPLE_HIDE_MM);
		if (sc->tvis[k] <= 0)
			continue;
		/* farther away, so thinner */
		xy = scene_add(sc, LY_TEMPLE, 1, 4);
		xy[0] = hx;	xy[1] = yc - hh;
		xy[2] = ex;	xy[3] = ey - 0.7 * hh;
		xy[4] = ex;	xy[5] = ey + 0.7 * hh;
		xy[6] = hx;	xy[7] = yc + hh;
	}
}

static void
scene_build(struct scene *sc, const struct frame *fr, const struct place *pl)
{
	enum frame_style st = fr->style;
	double lens[2 * LENS_N], outer[2 * LENS_N], hole[2 * LENS_N];
	double a, b, rim, half, stub, uend, ein, eout, y0, h, yb, th;
	double hw;
	int side, metal;

	memset(sc, 0, sizeof(*sc));
	a = sc->a = fr->lens_width_mm / 2;
	b = sc->b = fr->lens_height_mm / 2;
	sc->lcx = (fr->lens_width_mm + fr->bridge_mm) / 2;
	rim = sc->rim = fr->rim_mm;
	half = fr->total_width_mm / 2;
	/* thin rims are wire: small hinges, nose pads, a thin bridge */
	metal = st == FRAME_AVIATOR || st == FRAME_RIMLESS || rim < 2.0;

	lens_outline(st, a, b, lens);
	if (st == FRAME_RIMLESS)
		memcpy(outer, lens, sizeof(lens));
	else
		outline_offset(st, rim, lens, outer, LENS_N);
	sc->vtop = outline_top(outer, LENS_N, -HUGE_VAL);

	/* lenses: the tint reaches a little under the rim, so no seam */
	for (side = -1; side <= 1; side += 2) {
		if (st == FRAME_RIMLESS)
			memcpy(hole, lens, sizeof(lens));
		else
			outline_offset(FRAME_ROUND, rim * 0.4 < 0.3 ?
			    rim * 0.4 : 0.3, lens, hole, LENS_N);
		lens_place(sc, hole, scene_add(sc, LY_TINT, 1, LENS_N),
		    LENS_N, side);
		if (st == FRAME_RIMLESS) {
			/* the polished edge: a ring 0.7 mm wide */
			lens_place(sc, lens, scene_add(sc, LY_EDGE, 1,
			    LENS_N), LENS_N, side);
			outline_offset(FRAME_ROUND, -0.7, lens, hole, LENS_N);
			lens_place(sc, hole, scene_add(sc, LY_EDGE, -1,
			    LENS_N), LENS_N, side);
		} else {
			if (rim > 0)
				lens_place(sc, outer, scene_add(sc, LY_RIM, 1,
				    LENS_N), LENS_N, side);
			lens_place(sc, lens, scene_add(sc, LY_HOLE, 1,
			    LENS_N), LENS_N, side);
		}
	}

	/*
	 * Bridges, between the lens edges at their height. They reach a
	 * little into the lenses, which LY_HOLE cuts away again, so they
	 * always join the rims.
	 */
	th = metal ? (rim > 1.0 ? rim : 1.0) : (rim * 1.1 > 1.5 ? rim * 1.1 :
	    1.5);
	switch (st) {
	case FRAME_AVIATOR:
		/* the double bridge: a straight brow bar and an arch */
		yb = -0.82 * b;
		hw = sc->lcx + outline_x_at(lens, LENS_N, yb, -1) + 0.8;
		add_arch(sc, LY_RIM, hw, yb, 0, th);
		yb = -0.30 * b;
		hw = sc->lcx + outline_x_at(lens, LENS_N, yb, -1) + 0.8;
		add_arch(sc, LY_RIM, hw, yb, 0.12 * fr->bridge_mm + 1, th);
		break;
	case FRAME_BROWLINE:
		/* a saddle bridge high up, joining the brows */
		yb = -b * 0.80;
		hw = sc->lcx + outline_x_at(lens, LENS_N, yb, -1) + 0.8;
		add_arch(sc, LY_RIM, hw, yb, 0.4, rim * 0.8 > th ?
		    rim * 0.8 : th);
		break;
	case FRAME_RIMLESS:
		yb = -0.42 * b;
		hw = sc->lcx + outline_x_at(lens, LENS_N, yb, -1) + 0.8;
		add_arch(sc, LY_RIM, hw + 0.7, yb, 0.08 * fr->bridge_mm, th);
		for (side = -1; side <= 1; side += 2)
			add_rrect(sc, LY_RIM, side * (hw - 1.4), yb - 2.0,
			    side * (hw + 1.6), yb + 2.0, 0.8);
		break;
	default:
		yb = st == FRAME_ROUND ? -0.28 * b : -0.38 * b;
		hw = sc->lcx + outline_x_at(lens, LENS_N, yb, -1) + 0.8;
		add_arch(sc, LY_RIM, hw, yb, 0.10 * fr->bridge_mm + 0.5, th);
		break;
	}

	/* nose pads of metal frames, seen through the lenses */
	if (metal)
		for (side = -1; side <= 1; side += 2)
			add_ellipse(sc, LY_PAD, side * (fr->bridge_mm / 2 +
			    1.4), 0.12 * b + 1.5, 1.7, 4.0, side * 0.35);

	/* end pieces out to the total width, then the temple stubs */
	stub = fr->total_width_mm * 0.03;
	stub = stub < 2.5 ? 2.5 : stub > 5 ? 5 : stub;
	if (st == FRAME_RIMLESS) {
		y0 = -0.62 * b;
		h = 3.2;
	} else if (metal) {
		/* a small hinge block on the rim */
		h = 2.2 * th + 1;
		if (st == FRAME_ROUND)
			y0 = -0.45 * b;
		else if (st == FRAME_AVIATOR)
			y0 = -0.85 * b;
		else
			y0 = outline_top(outer, LENS_N, 0.7 * a) + 0.4;
	} else if (st == FRAME_CATEYE) {
		/* under the wing tip */
		y0 = outline_top(outer, LENS_N, 0.8 * a) + 0.4;
		h = 0.24 * fr->lens_height_mm;
	} else {
		/* acetate: a shoulder flush with the top of the rim */
		y0 = outline_top(outer, LENS_N, 0.7 * a);
		h = 0.24 * fr->lens_height_mm;
		h = h < 2 * rim ? 2 * rim : h > 3.2 * rim ? 3.2 * rim : h;
	}
	/*
	 * Rimmed: the end piece starts inside the lens, which cuts it, so
	 * it grows out of the rim as one piece. Rimless: the hinge is
	 * screwed onto the lens, 2.2 mm in from its edge.
	 */
	if (st == FRAME_RIMLESS)
		ein = sc->lcx + outline_x_at(lens, LENS_N, y0 + h / 2, 1) - 2.2;
	else
		ein = sc->lcx + (st == FRAME_CATEYE ? 0.8 : 0.55) * a;
	eout = sc->lcx + outline_x_at(outer, LENS_N, y0 + h / 2, 1);
	uend = half - stub;
	if (uend < eout + 0.8)
		uend = eout + 0.8;
	for (side = -1; side <= 1; side += 2) {
		if (side < 0)
			add_rrect(sc, LY_RIM, -uend, y0, -ein, y0 + h,
			    h * 0.25);
		else
			add_rrect(sc, LY_RIM, ein, y0, uend, y0 + h, h * 0.25);
	}
	if (pl->flat)
		add_stubs(sc, uend - 0.4, uend + stub, y0 + h / 2, h);
	else
		add_temples(sc, uend - 0.4, y0 + h / 2, h * 0.36, half, pl->ty);
}

/* --- compositing --- */

struct rgba {
	float	r, g, b, a;	/* 0..255, alpha 0..1 */
};

static struct rgba
px_get(int p)
{
	struct rgba c;

	c.r = (float)gdTrueColorGetRed(p);
	c.g = (float)gdTrueColorGetGreen(p);
	c.b = (float)gdTrueColorGetBlue(p);
	c.a = (float)(gdAlphaMax - gdTrueColorGetAlpha(p)) / gdAlphaMax;
	return c;
}

static int
clamp_round(float v, int hi)
{
	return v <= 0 ? 0 : v >= hi ? hi : (int)(v + 0.5f);
}

static int
px_put(struct rgba c)
{
	return gdTrueColorAlpha(clamp_round(c.r, 255), clamp_round(c.g, 255),
	    clamp_round(c.b, 255),
	    gdAlphaMax - clamp_round(c.a * gdAlphaMax, gdAlphaMax));
}

/* Porter-Duff "over": colour (r, g, b) at alpha sa onto *d. */
static void
over(struct rgba *d, float r, float g, float b, float sa)
{
	float oa, k;

	if (sa <= 0)
		return;
	if (d->a >= 1) {
		/* an opaque photo: a plain mix */
		d->r += (r - d->r) * sa;
		d->g += (g - d->g) * sa;
		d->b += (b - d->b) * sa;
		return;
	}
	oa = sa + d->a * (1 - sa);
	k = d->a * (1 - sa);
	d->r = (r * sa + d->r * k) / oa;
	d->g = (g * sa + d->g * k) / oa;
	d->b = (b * sa + d->b * k) / oa;
	d->a = oa;
}

/* Colour 0xRRGGBB mixed towards white (m > 0) or black (m < 0). */
static void
shade(uint32_t rgb, float m, float *r, float *g, float *b)
{
	float c[3] = { (float)((rgb >> 16) & 0xff), (float)((rgb >> 8) & 0xff),
	    (float)(rgb & 0xff) };
	int i;

	for (i = 0; i < 3; i++)
		c[i] = m >= 0 ? c[i] + (255 - c[i]) * m : c[i] * (1 + m);
	*r = c[0];
	*g = c[1];
	*b = c[2];
}

/* The pixel box an outline in pixels covers, grown into *box. */
static void
box_grow(double *box, const double *xy, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (xy[2 * i] < box[0]) box[0] = xy[2 * i];
		if (xy[2 * i + 1] < box[1]) box[1] = xy[2 * i + 1];
		if (xy[2 * i] > box[2]) box[2] = xy[2 * i];
		if (xy[2 * i + 1] > box[3]) box[3] = xy[2 * i + 1];
	}
}

/* Clip a box of doubles to the image; 0 if nothing is left. */
static int
box_clip(gdImagePtr im, const double *box, int *x0, int *y0, int *x1,
    int *y1)
{
	if (!(box[0] < box[2]) || box[2] < 0 || box[3] < 0 ||
	    box[0] >= gdImageSX(im) || box[1] >= gdImageSY(im))
		return 0;
	*x0 = box[0] < 0 ? 0 : (int)floor(box[0]);
	*y0 = box[1] < 0 ? 0 : (int)floor(box[1]);
	*x1 = box[2] >= gdImageSX(im) ? gdImageSX(im) : (int)ceil(box[2]);
	*y1 = box[3] >= gdImageSY(im) ? gdImageSY(im) : (int)ceil(box[3]);
	return *x1 > *x0 && *y1 > *y0;
}

/* A smooth bump of height 1 at d0, falling to 0 at d0 +- w. */
static double
bump(double d, double d0, double w)
{
	double t = (d - d0) / w;

	t = 1 - t * t;
	return t > 0 ? t * t : 0;
}

/*
 * A soft reflection across the upper inner part of each lens, 0..1: two
 * streaks along the lens diagonal, the same on both lenses (one light).
 */
static float
highlight(const struct scene *sc, double u, double v)
{
	double lu = u - (u < 0 ? -sc->lcx : sc->lcx), d;

	d = 0.5 * (lu / sc->a + v / sc->b);
	return (float)(0.13 * bump(d, -0.42, 0.16) +
	    0.07 * bump(d, -0.16, 0.05));
}

/*
 * The contact shadow: a coverage mask of what casts it, over the frame's
 * box grown by the blur and the drop. It is blurred anyway, so it is kept
 * in cells of f x f pixels (each the mean coverage of its pixels, which
 * the exact-area raster gives for free) and sampled bilinearly.
 */
struct shadow {
	int	 x0, y0, w, h;	/* pixels of the image */
	int	 f;		/* pixels per cell side */
	int	 cw, ch;	/* cells */
	double	 ox, oy;	/* the drop, pixels */
	float	*m;		/* cw * ch, owned */
};

/* The mask's box around a frame box (pixels); 0 if it is off the image. */
static int
shadow_init(gdImagePtr im, const struct place *pl, const double *fbox,
    struct shadow *sh)
{
	double box[4], g;
	int x1, y1;

	memset(sh, 0, sizeof(*sh));
	sh->ox = -pl->s * pl->ppv * SHADOW_DROP_MM;
	sh->oy = pl->c * pl->ppv * SHADOW_DROP_MM;
	g = 3 * SHADOW_BLUR_MM * pl->ppv + 2;
	box[0] = fbox[0] - g + (sh->ox < 0 ? sh->ox : 0);
	box[1] = fbox[1] - g + (sh->oy < 0 ? sh->oy : 0);
	box[2] = fbox[2] + g + (sh->ox > 0 ? sh->ox : 0);
	box[3] = fbox[3] + g + (sh->oy > 0 ? sh->oy : 0);
	if (!box_clip(im, box, &sh->x0, &sh->y0, &x1, &y1))
		return 0;
	sh->w = x1 - sh->x0;
	sh->h = y1 - sh->y0;
	sh->f = (int)(SHADOW_BLUR_MM * pl->ppv / 1.5);
	sh->f = sh->f < 1 ? 1 : sh->f > 4 ? 4 : sh->f;
	sh->cw = (sh->w + sh->f - 1) / sh->f;
	sh->ch = (sh->h + sh->f - 1) / sh->f;
	sh->m = xcalloc((size_t)sh->cw * (size_t)sh->ch, sizeof(float));
	return 1;
}

/* A box blur of radius r along n values `stride` apart, zero outside. */
static void
blur1(float *p, int n, int stride, int r, float *tmp)
{
	float sum = 0, k = 1.0f / (float)(2 * r + 1);
	int i;

	for (i = 0; i < n; i++)
		tmp[i] = p[(size_t)i * (size_t)stride];
	for (i = 0; i < r && i < n; i++)
		sum += tmp[i];
	for (i = 0; i < n; i++) {
		if (i + r < n)
			sum += tmp[i + r];
		if (i - r - 1 >= 0)
			sum -= tmp[i - r - 1];
		p[(size_t)i * (size_t)stride] = sum * k;
	}
}

/*
 * Blur the mask (two box passes each way: close to a Gaussian) and
 * darken the photo under it. Transparent pixels keep their colour.
 */
static void
shadow_cast(gdImagePtr im, const struct place *pl, struct shadow *sh)
{
	float *tmp, m, fx, fy, *cf;
	const float *row0, *row1;
	double cx, cy;
	int r, x, y, pass, i, j, i1, j1, k, *p, *ci;

	r = (int)lround(SHADOW_BLUR_MM * pl->ppv / 1.7 / sh->f);
	r = r < 1 ? 1 : r;
	tmp = xcalloc((size_t)(sh->cw > sh->ch ? sh->cw : sh->ch),
	    sizeof(float));
	for (pass = 0; pass < 2; pass++) {
		for (y = 0; y < sh->ch; y++)
			blur1(sh->m + (size_t)y * (size_t)sh->cw, sh->cw, 1, r,
			    tmp);
		for (x = 0; x < sh->cw; x++)
			blur1(sh->m + x, sh->ch, sh->cw, r, tmp);
	}
	free(tmp);
	/* the cells left and right of each column's pixel centres */
	ci = xcalloc((size_t)sh->w, sizeof(*ci));
	cf = xcalloc((size_t)sh->w, sizeof(*cf));
	for (x = 0; x < sh->w; x++) {
		cx = (x + 0.5) / sh->f - 0.5;
		cx = cx < 0 ? 0 : cx;
		ci[x] = (int)cx;
		cf[x] = (float)(cx - ci[x]);
	}
	for (y = 0; y < sh->h; y++) {
		/* the cells around the pixel centre */
		cy = (y + 0.5) / sh->f - 0.5;
		cy = cy < 0 ? 0 : cy;
		j = (int)cy;
		j1 = j + 1 < sh->ch ? j + 1 : j;
		fy = (float)(cy - j);
		row0 = sh->m + (size_t)j * (size_t)sh->cw;
		row1 = sh->m + (size_t)j1 * (size_t)sh->cw;
		for (x = 0; x < sh->w; x++) {
			i = ci[x];
			i1 = i + 1 < sh->cw ? i + 1 : i;
			if (row0[i] + row0[i1] + row1[i] + row1[i1] <= 0)
				continue;
			fx = cf[x];
			m = (row0[i] * (1 - fx) + row0[i1] * fx) * (1 - fy) +
			    (row1[i] * (1 - fx) + row1[i1] * fx) * fy;
			if (m < 1.0f / 512)
				continue;
			/* in 1/256ths, in integers: a pass over many pixels */
			k = (int)(256 * (1 - SHADOW_K * (m > 1 ? 1 : m)) + 0.5f);
			p = &im->tpixels[sh->y0 + y][sh->x0 + x];
			*p = gdTrueColorAlpha((gdTrueColorGetRed(*p) * k + 128) >> 8,
			    (gdTrueColorGetGreen(*p) * k + 128) >> 8,
			    (gdTrueColorGetBlue(*p) * k + 128) >> 8,
			    gdTrueColorGetAlpha(*p));
		}
	}
	free(ci);
	free(cf);
	free(sh->m);
	sh->m = NULL;
}

/*
 * Rasterise the shapes of layer ly, moved by the shadow's drop, into r,
 * whose window is the shadow's cells.
 */
static void
raster_layer(struct raster *r, const struct scene *sc, enum layer ly,
    const struct shadow *sh)
{
	double *xy;
	int i, j;

	for (i = 0; i < sc->n; i++) {
		if (sc->v[i].ly != ly)
			continue;
		xy = xmalloc(2 * (size_t)sc->v[i].n * sizeof(double));
		for (j = 0; j < sc->v[i].n; j++) {
			xy[2 * j] = (sc->v[i].xy[2 * j] + sh->ox - sh->x0) /
			    sh->f;
			xy[2 * j + 1] = (sc->v[i].xy[2 * j + 1] + sh->oy -
			    sh->y0) / sh->f;
		}
		raster_poly(r, xy, sc->v[i].n, sc->v[i].sign);
		free(xy);
	}
}

/*
 * The scene's shadow: the rims with the lens holes cut out, the bridge,
 * end pieces, temples and pads, and for dark lenses (opacity 0.3 and
 * more) half of the tint's opacity: sunglasses shade the cheek too.
 */
static void
scene_shadow(gdImagePtr im, const struct frame *fr, const struct place *pl,
    const struct scene *sc, const double *fbox)
{
	static const enum layer solid[] = { LY_TEMPLE, LY_EDGE, LY_PAD,
	    LY_STUB };
	struct raster rim, hole, other, tint;
	struct shadow sh;
	float m, rc, tk = fr->tint_opacity < 0.3 ? 0 :
	    0.5f * (float)fr->tint_opacity;
	size_t i;
	int x, y;

	if (!shadow_init(im, pl, fbox, &sh))
		return;
	raster_init(&rim);
	raster_init(&hole);
	raster_init(&other);
	raster_init(&tint);
	raster_window(&rim, 0, 0, sh.cw, sh.ch);
	raster_window(&hole, 0, 0, sh.cw, sh.ch);
	raster_window(&other, 0, 0, sh.cw, sh.ch);
	raster_layer(&rim, sc, LY_RIM, &sh);
	raster_layer(&hole, sc, LY_HOLE, &sh);
	for (i = 0; i < LEN(solid); i++)
		raster_layer(&other, sc, solid[i], &sh);
	raster_finish(&rim);
	raster_finish(&hole);
	raster_finish(&other);
	if (tk > 0) {
		raster_window(&tint, 0, 0, sh.cw, sh.ch);
		raster_layer(&tint, sc, LY_TINT, &sh);
		raster_finish(&tint);
	}
	for (y = 0; y < sh.ch; y++)
		for (x = 0; x < sh.cw; x++) {
			rc = raster_cov(&rim, x, y) *
			    (1 - raster_cov(&hole, x, y));
			m = rc + raster_cov(&other, x, y);
			if (tk > 0)
				m += tk * raster_cov(&tint, x, y);
			sh.m[(size_t)y * (size_t)sh.cw + (size_t)x] = m > 1 ?
			    1 : m;
		}
	raster_free(&rim);
	raster_free(&hole);
	raster_free(&other);
	raster_free(&tint);
	shadow_cast(im, pl, &sh);
}

/*
 * A temple's colour and opacity at (u, v): darker as it recedes, fading
 * out over its far half where hair and ears hide it.
 */
static float
temple_at(const struct scene *sc, const struct frame *fr, double u,
    double v, float *r, float *g, float *b)
{
	const double *q = sc->tq[u > 0];
	double dx = q[2] - q[0], dy = q[3] - q[1], l2 = dx * dx + dy * dy, f;

	f = l2 > 0 ? ((u - q[0]) * dx + (v - q[1]) * dy) / l2 : 0;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	shade(fr->rim_rgb, (float)(-0.25 - 0.35 * f), r, g, b);
	return sc->tvis[u > 0] * (float)(1 - smooth(0.45, 1.0, f));
}

/*
 * Glass over an opaque photo filters it: each channel times
 * 1 - op * (1 - tint). Over a transparent pixel (a thumbnail) there is
 * nothing to filter, and the lens is laid on as a colour.
 */
static void
glass(struct rgba *d, float r, float g, float b, float op)
{
	if (op <= 0)
		return;
	if (d->a < 1) {
		over(d, r, g, b, op);
		return;
	}
	d->r *= 1 - op * (1 - r / 255);
	d->g *= 1 - op * (1 - g / 255);
	d->b *= 1 - op * (1 - b / 255);
}

/*
 * Draw a frame's scene: built here from the frame, or given (scin, the
 * artwork's temples) already placed in pixels and with its shadow cast.
 */
static void
draw_scene(gdImagePtr im, const struct frame *fr, const struct place *pl,
    struct scene *scin)
{
	struct scene sc;
	struct raster r[LY__MAX];
	double box[4] = { HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL };
	double u, v, dx, dy, *xy, x, y;
	float cov[LY__MAX], rr, rg, rb, tr, tg, tb, sr, sg, sb, er, eg, eb, h;
	float k, vt, *zeros, ta;
	const float *row[LY__MAX];
	int used[LY__MAX] = { 0 }, bx0, by0, bx1, by1, sy, sh, px, py, i, j;
	int l, any;
	struct rgba d;
	const double invu = 1 / pl->ppm, invv = 1 / pl->ppv;

	if (scin != NULL)
		sc = *scin;
	else
		scene_build(&sc, fr, pl);
	for (i = 0; i < sc.n; i++) {
		xy = sc.v[i].xy;
		for (j = 0; scin == NULL && j < sc.v[i].n; j++) {
			x = xy[2 * j];
			y = xy[2 * j + 1];
			place_xy(pl, x, y, &xy[2 * j], &xy[2 * j + 1]);
		}
		box_grow(box, xy, sc.v[i].n);
		used[sc.v[i].ly] = 1;
	}
	if (sc.n == 0)
		goto out;
	if (scin == NULL && pl->face && !pl->flat)
		scene_shadow(im, fr, pl, &sc, box);
	if (!box_clip(im, box, &bx0, &by0, &bx1, &by1))
		goto out;

	shade(fr->tint_rgb, 0, &tr, &tg, &tb);
	shade(fr->rim_rgb, -0.45f, &sr, &sg, &sb);
	/* the polished lens edge: the tint half way to a neutral gray, so
	 * it shows on skin and on a white thumbnail alike */
	er = ((fr->tint_rgb >> 16 & 0xff) + 0x98) / 2.0f;
	eg = ((fr->tint_rgb >> 8 & 0xff) + 0xa0) / 2.0f;
	eb = ((fr->tint_rgb & 0xff) + 0xa8) / 2.0f;
	zeros = xcalloc((size_t)(bx1 - bx0), sizeof(float));
	for (l = 0; l < LY__MAX; l++)
		raster_init(&r[l]);
	for (sy = by0; sy < by1; sy += STRIP) {
		sh = by1 - sy < STRIP ? by1 - sy : STRIP;
		for (l = 0; l < LY__MAX; l++) {
			if (!used[l])
				continue;
			raster_window(&r[l], bx0, sy, bx1 - bx0, sh);
			for (i = 0; i < sc.n; i++)
				if (sc.v[i].ly == (enum layer)l)
					raster_poly(&r[l], sc.v[i].xy,
					    sc.v[i].n, sc.v[i].sign);
			raster_finish(&r[l]);
		}
		for (py = sy; py < sy + sh; py++) {
			for (l = 0; l < LY__MAX; l++)
				row[l] = used[l] ? r[l].acc + (size_t)(py - sy) *
				    (size_t)(r[l].w + 2) : zeros;
			for (px = bx0; px < bx1; px++) {
				any = 0;
				for (l = 0; l < LY__MAX; l++) {
					cov[l] = row[l][px - bx0];
					any |= cov[l] > 0;
				}
				if (!any)
					continue;
				/* frame space of the pixel centre */
				dx = px + 0.5 - pl->cx;
				dy = py + 0.5 - pl->cy;
				u = (pl->c * dx + pl->s * dy) * invu;
				v = (-pl->s * dx + pl->c * dy) * invv;
				d = px_get(im->tpixels[py][px]);
				if (cov[LY_TEMPLE] > 0) {
					ta = temple_at(&sc, fr, u, v, &rr, &rg,
					    &rb);
					over(&d, rr, rg, rb, cov[LY_TEMPLE] * ta);
				}
				if (cov[LY_TINT] > 0) {
					if (pl->flat)
						over(&d, tr, tg, tb, cov[LY_TINT] *
						    (float)fr->tint_opacity);
					else
						glass(&d, tr, tg, tb,
						    cov[LY_TINT] *
						    (float)fr->tint_opacity);
					h = highlight(&sc, u, v);
					over(&d, 255, 255, 255,
					    cov[LY_TINT] * h);
				}
				over(&d, er, eg, eb, cov[LY_EDGE] * 0.6f);
				over(&d, 225, 225, 218, cov[LY_PAD] * 0.30f);
				cov[LY_RIM] *= 1 - cov[LY_HOLE];
				if (cov[LY_RIM] > 0) {
					/* lit from above: lighter top edge,
					 * darker bottom */
					vt = (float)((v - sc.vtop) /
					    (2 * (sc.b + sc.rim)));
					vt = vt < 0 ? 0 : vt > 1 ? 1 : vt;
					k = 0.20f * (1 - vt) * (1 - vt) -
					    0.22f * vt * vt;
					shade(fr->rim_rgb, k, &rr, &rg, &rb);
					over(&d, rr, rg, rb, cov[LY_RIM]);
				}
				over(&d, sr, sg, sb, cov[LY_STUB]);
				im->tpixels[py][px] = px_put(d);
			}
		}
	}
	for (l = 0; l < LY__MAX; l++)
		raster_free(&r[l]);
	free(zeros);
out:
	if (scin == NULL)
		scene_free(&sc);
}

/*
 * The art reduced by an integer factor f (1 or 2): each pixel is the
 * alpha-weighted mean of an f x f block, so a translucent edge does not
 * darken. Always truecolor; an odd last row or column is dropped, which
 * keeps the pixel grid exactly f times coarser. The caller destroys it.
 */
static gdImagePtr
art_reduce(gdImagePtr src, int f)
{
	gdImagePtr dst;
	int w = gdImageSX(src) / f, h = gdImageSY(src) / f, n = f * f;
	int x, y, i, j, p, a, sa, sr, sg, sb, tc = gdImageTrueColor(src);

	/* callers halve only images of at least 2 x 2 */
	w = w < 1 ? 1 : w;
	h = h < 1 ? 1 : h;
	dst = gdImageCreateTrueColor(w, h);
	if (dst == NULL)
		return NULL;
	gdImageAlphaBlending(dst, 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			sa = sr = sg = sb = 0;
			for (j = 0; j < f; j++)
				for (i = 0; i < f; i++) {
					p = tc ? src->tpixels[y * f + j][x * f + i] :
					    gdImageGetTrueColorPixel(src,
					    x * f + i, y * f + j);
					/* opacity 0..127, weights the colour */
					a = gdAlphaMax - gdTrueColorGetAlpha(p);
					sa += a;
					sr += gdTrueColorGetRed(p) * a;
					sg += gdTrueColorGetGreen(p) * a;
					sb += gdTrueColorGetBlue(p) * a;
				}
			dst->tpixels[y][x] = sa == 0 ?
			    gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent) :
			    gdTrueColorAlpha((sr + sa / 2) / sa,
			    (sg + sa / 2) / sa, (sb + sa / 2) / sa,
			    gdAlphaMax - (sa + n / 2) / n);
		}
	return dst;
}

/*
 * The hinges of artwork: its outermost columns with opaque pixels, on
 * both sides, give the frame's end (*hu, mm from the centre), the height
 * of the end pieces (*hv, mm, and half their thickness *hh) and their
 * colour (*rgb). 0 if the art has no opaque column in its outer quarters.
 */
static int
art_hinges(gdImagePtr art, double spx, double spy, double *hu, double *hv,
    double *hh, uint32_t *rgb)
{
	int w = gdImageSX(art), h = gdImageSY(art), band, side, x, xs, y, p;
	int x0, ymin, ymax, n = 0;
	double wy = 0, wsum = 0, wr = 0, wg = 0, wb = 0, reach = 0, a, th = 0;

	band = w / 50 < 1 ? 1 : w / 50;
	for (side = 0; side < 2; side++) {
		x0 = -1;
		for (xs = 0; xs < w / 4 && x0 < 0; xs++) {
			x = side ? w - 1 - xs : xs;
			for (y = 0; y < h; y++)
				if (gdTrueColorGetAlpha(
				    gdImageGetTrueColorPixel(art, x, y)) <
				    gdAlphaMax / 2) {
					x0 = xs;
					break;
				}
		}
		if (x0 < 0)
			continue;
		ymin = h;
		ymax = -1;
		for (xs = x0; xs < x0 + band && xs < w; xs++) {
			x = side ? w - 1 - xs : xs;
			for (y = 0; y < h; y++) {
				p = gdImageGetTrueColorPixel(art, x, y);
				if (gdTrueColorGetAlpha(p) >= gdAlphaMax / 2)
					continue;
				a = gdAlphaMax - gdTrueColorGetAlpha(p);
				wy += a * (y + 0.5);
				wr += a * gdTrueColorGetRed(p);
				wg += a * gdTrueColorGetGreen(p);
				wb += a * gdTrueColorGetBlue(p);
				wsum += a;
				ymin = y < ymin ? y : ymin;
				ymax = y > ymax ? y : ymax;
			}
		}
		reach += (w / 2.0 - x0) / spx;
		th += (ymax - ymin + 1) / spy;
		n++;
	}
	if (n == 0 || wsum <= 0)
		return 0;
	*hu = reach / n - 0.4;
	*hv = (wy / wsum - h / 2.0) / spy;
	*hh = 0.4 * th / n;
	*hh = *hh < 0.6 ? 0.6 : *hh > 4 ? 4 : *hh;
	*rgb = (uint32_t)lround(wr / wsum) << 16 |
	    (uint32_t)lround(wg / wsum) << 8 | (uint32_t)lround(wb / wsum);
	return 1;
}

/*
 * The art's colour and opacity (0..1) at art coordinates (ax, ay), pixel
 * centres at +0.5 already taken off: bilinear on premultiplied colour.
 */
static float
art_px(gdImagePtr work, double ax, double ay, float *r, float *g, float *b)
{
	int aw = gdImageSX(work), ah = gdImageSY(work), x0, y0, i, j, x, y, p;
	float fx, fy, cw, sum = 0, sr = 0, sg = 0, sb = 0;

	if (ax <= -1 || ay <= -1 || ax >= aw || ay >= ah)
		return 0;
	/* ax, ay > -1: truncation of +1 is a floor */
	x0 = (int)(ax + 1) - 1;
	y0 = (int)(ay + 1) - 1;
	fx = (float)(ax - x0);
	fy = (float)(ay - y0);
	for (j = 0; j < 2; j++) {
		y = y0 + j;
		if (y < 0 || y >= ah)
			continue;
		for (i = 0; i < 2; i++) {
			x = x0 + i;
			if (x < 0 || x >= aw)
				continue;
			p = work->tpixels[y][x];
			cw = (i ? fx : 1 - fx) * (j ? fy : 1 - fy) *
			    (float)(gdAlphaMax - gdTrueColorGetAlpha(p));
			sr += cw * (float)gdTrueColorGetRed(p);
			sg += cw * (float)gdTrueColorGetGreen(p);
			sb += cw * (float)gdTrueColorGetBlue(p);
			sum += cw;
		}
	}
	if (sum <= 1e-3f)
		return 0;
	*r = sr / sum;
	*g = sg / sum;
	*b = sb / sum;
	return sum / gdAlphaMax;
}

/*
 * How much of a lens (the catalog's lens box, a superellipse a little
 * inside it, soft-edged) is at frame-space (u, v): where artwork is glass.
 */
static float
art_lens(const struct scene *sc, double u, double v)
{
	double lu = fabs(fabs(u) - sc->lcx) / (0.94 * sc->a);
	double lv = fabs(v) / (0.92 * sc->b), q;

	if (lu >= 1 || lv >= 1)
		return 0;
	q = cbrt(lu * lu * lu + lv * lv * lv);
	return (float)(1 - smooth(0.82, 1.0, q));
}

/*
 * The artwork, scaled so its width is total_width_mm and turned with the
 * face, its centre on the frame centre. Big artwork is first halved
 * (art_reduce()) until at most two art pixels fall on an image pixel, so
 * the bilinear lookup below never skips any. On a face the temples and
 * the shadow are drawn first; inside the lenses, translucent art is
 * glass (glass() with the art's colour and opacity) under the reflection.
 */
static enum ff_err
draw_art(gdImagePtr im, const struct frame *fr, const struct place *pl)
{
	gdImagePtr art = fr->artwork, work = art, next;
	double mmw = fr->total_width_mm, mmh, spx, spy, shrink, box[4];
	double corners[8], dx, dy, u, v, ax, ay, dax, day, acx, acy;
	double hu, hv, hh, x, y, *xy;
	float sr, sg, sb, a, lens, gl;
	struct rgba d, dp;
	struct scene sc;
	struct shadow sh;
	struct raster tr;
	struct frame tf;
	enum ff_err er = FF_OK;
	int bx0, by0, bx1, by1, px, py, i, j, f, hinges = 0;
	uint32_t trgb = 0;

	memset(&sc, 0, sizeof(sc));
	mmh = mmw * gdImageSY(art) / gdImageSX(art);
	spx = gdImageSX(art) / mmw;	/* art pixels per mm */
	spy = gdImageSY(art) / mmh;
	acx = gdImageSX(art) / 2.0;	/* the frame centre, art pixels */
	acy = gdImageSY(art) / 2.0;
	sc.a = fr->lens_width_mm / 2;
	sc.b = fr->lens_height_mm / 2;
	sc.lcx = (fr->lens_width_mm + fr->bridge_mm) / 2;
	if (!pl->flat && (hinges = art_hinges(art, spx, spy, &hu, &hv, &hh,
	    &trgb))) {
		add_temples(&sc, hu, hv, hh, mmw / 2, pl->ty);
		for (i = 0; i < sc.n; i++)
			for (j = 0; j < sc.v[i].n; j++) {
				xy = sc.v[i].xy;
				x = xy[2 * j];
				y = xy[2 * j + 1];
				place_xy(pl, x, y, &xy[2 * j], &xy[2 * j + 1]);
			}
	}
	shrink = spx / pl->ppm;		/* art pixels per image pixel */
	while (shrink > 2 || !gdImageTrueColor(work)) {
		f = shrink > 2 && gdImageSX(work) > 1 && gdImageSY(work) > 1 ?
		    2 : 1;
		if ((next = art_reduce(work, f)) == NULL) {
			er = FF_ENOMEM;
			goto out;
		}
		if (work != art)
			gdImageDestroy(work);
		work = next;
		spx /= f;
		spy /= f;
		acx /= f;
		acy /= f;
		shrink /= f;
		if (f == 1)
			break;
	}

	box[0] = box[1] = HUGE_VAL;
	box[2] = box[3] = -HUGE_VAL;
	for (i = 0; i < 4; i++) {
		u = (i & 1 ? 0.5 : -0.5) * mmw;
		v = (i & 2 ? 0.5 : -0.5) * mmh;
		place_xy(pl, u, v, &corners[2 * i], &corners[2 * i + 1]);
	}
	box_grow(box, corners, 4);
	box[0] -= 1; box[1] -= 1; box[2] += 1; box[3] += 1;
	for (i = 0; i < sc.n; i++)
		box_grow(box, sc.v[i].xy, sc.v[i].n);

	/* art coordinates step linearly along a row of the image */
	dax = pl->c / pl->ppm * spx;
	day = -pl->s / pl->ppv * spy;

	if (pl->face && !pl->flat && shadow_init(im, pl, box, &sh)) {
		raster_init(&tr);
		raster_window(&tr, 0, 0, sh.cw, sh.ch);
		raster_layer(&tr, &sc, LY_TEMPLE, &sh);
		raster_finish(&tr);
		for (py = 0; py < sh.ch; py++) {
			/* the art seen from the centre of the shadow's cell */
			dx = sh.x0 + 0.5 * sh.f - sh.ox - pl->cx;
			dy = sh.y0 + (py + 0.5) * sh.f - sh.oy - pl->cy;
			ax = (pl->c * dx + pl->s * dy) / pl->ppm * spx + acx -
			    0.5;
			ay = (-pl->s * dx + pl->c * dy) / pl->ppv * spy + acy -
			    0.5;
			for (px = 0; px < sh.cw; px++, ax += dax * sh.f,
			    ay += day * sh.f) {
				a = art_px(work, ax, ay, &sr, &sg, &sb) +
				    raster_cov(&tr, px, py);
				sh.m[(size_t)py * (size_t)sh.cw + (size_t)px] =
				    a > 1 ? 1 : a;
			}
		}
		raster_free(&tr);
		shadow_cast(im, pl, &sh);
	}
	if (sc.n > 0) {
		tf = *fr;
		tf.rim_rgb = trgb;
		draw_scene(im, &tf, pl, &sc);
	}

	if (!box_clip(im, box, &bx0, &by0, &bx1, &by1))
		goto out;
	for (py = by0; py < by1; py++) {
		dx = bx0 + 0.5 - pl->cx;
		dy = py + 0.5 - pl->cy;
		/* art pixel centres are at +0.5 */
		ax = (pl->c * dx + pl->s * dy) / pl->ppm * spx + acx - 0.5;
		ay = (-pl->s * dx + pl->c * dy) / pl->ppv * spy + acy - 0.5;
		for (px = bx0; px < bx1; px++, ax += dax, ay += day) {
			a = art_px(work, ax, ay, &sr, &sg, &sb);
			lens = 0;
			if (!pl->flat) {
				u = (ax + 0.5 - acx) / spx;
				v = (ay + 0.5 - acy) / spy;
				lens = art_lens(&sc, u, v);
			}
			if (a <= 0 && lens <= 0)
				continue;
			d = px_get(im->tpixels[py][px]);
			if (lens > 0) {
				/* glass where the art is translucent, paint
				 * where it is the rim */
				gl = lens * (1 - (float)smooth(0.80, 0.97, a));
				dp = d;
				over(&dp, sr, sg, sb, a);
				glass(&d, sr, sg, sb, a);
				d.r += (dp.r - d.r) * (1 - gl);
				d.g += (dp.g - d.g) * (1 - gl);
				d.b += (dp.b - d.b) * (1 - gl);
				d.a += (dp.a - d.a) * (1 - gl);
				over(&d, 255, 255, 255, gl * highlight(&sc, u,
				    v));
			} else
				over(&d, sr, sg, sb, a);
			im->tpixels[py][px] = px_put(d);
		}
	}
out:
	if (work != art)
		gdImageDestroy(work);
	scene_free(&sc);
	(void)hinges;
	return er;
}

/*
 * Draw one frame centred between the eyes with a known scale (ppm, the
 * foreshortened eye distance over the PD) and tan(yaw) ty. face: on a
 * photo of a face (shadow); flat: none of the depth (benchmarks).
 */
static enum ff_err
draw_one(gdImagePtr im, const struct frame *fr, const struct face_eyes *e,
    double ppm, double ty, int face, int flat)
{
	struct place pl;
	double ang = atan2(e->ry - e->ly, e->rx - e->lx), drop, fwd;

	pl.c = cos(ang);
	pl.s = sin(ang);
	pl.ppm = ppm;
	pl.ty = flat ? 0 : ty;
	/* the eye distance is foreshortened by cos(yaw), heights are not */
	pl.ppv = ppm * sqrt(1 + pl.ty * pl.ty);
	pl.face = face;
	pl.flat = flat;
	drop = FRAME_DROP * fr->lens_height_mm * pl.ppv;
	/* the front sits before the eyes, so it swings with the nose */
	fwd = FRONT_MM * pl.ty * ppm;
	/* down the face is (-sin, cos) in image coordinates */
	pl.cx = (e->lx + e->rx) / 2 - pl.s * drop + pl.c * fwd;
	pl.cy = (e->ly + e->ry) / 2 + pl.c * drop + pl.s * fwd;
	if (fr->artwork != NULL)
		return draw_art(im, fr, &pl);
	draw_scene(im, fr, &pl, NULL);
	return FF_OK;
}

double
frame_yaw_deg(const struct face_pose *p)
{
	struct face_eyes n;
	double iod, ex, ey, dx, dy, lat, down, t, deg;

	if (p == NULL || !eyes_norm(&p->eyes, &n))
		return NAN;
	if (!p->mouth || !finite_in(p->mx, -EYE_MAX, EYE_MAX) ||
	    !finite_in(p->my, -EYE_MAX, EYE_MAX))
		return 0;
	iod = hypot(n.rx - n.lx, n.ry - n.ly);
	ex = (n.rx - n.lx) / iod;
	ey = (n.ry - n.ly) / iod;
	dx = p->mx - (n.lx + n.rx) / 2;
	dy = p->my - (n.ly + n.ry) / 2;
	/* in eye distances: along the eye line, and down the face */
	lat = (dx * ex + dy * ey) / iod;
	down = (-dx * ey + dy * ex) / iod;
	if (down < 0.5 || down > 2 || fabs(lat) > 1)
		return 0;
	t = fabs(lat) <= MOUTH_DEAD ? 0 :
	    copysign(fabs(lat) - MOUTH_DEAD, lat) / MOUTH_DEPTH;
	deg = atan(t) * (180.0 / M_PI);
	return deg > FRAME_YAW_MAX_DEG ? FRAME_YAW_MAX_DEG :
	    deg < -FRAME_YAW_MAX_DEG ? -FRAME_YAW_MAX_DEG : deg;
}

/*
 * The checks of frame_draw() and frame_draw_pose(): eyes at `stride`
 * bytes apart, and for poses the mouth.
 */
static enum ff_err
draw_check(gdImagePtr im, const struct frame *fr, const void *faces,
    size_t stride, int pose, int nfaces, double pd_mm)
{
	const struct face_pose *p;
	int i;

	if (im == NULL || frame_check(fr) != FF_OK || nfaces < 0 ||
	    (faces == NULL && nfaces > 0))
		return FF_EINPUT;
	for (i = 0; i < nfaces; i++) {
		p = (const void *)((const char *)faces + (size_t)i * stride);
		if (frame_px_per_mm(&p->eyes, pd_mm) <= 0)
			return FF_EINPUT;
		if (pose && p->mouth && (!finite_in(p->mx, -EYE_MAX, EYE_MAX) ||
		    !finite_in(p->my, -EYE_MAX, EYE_MAX)))
			return FF_EINPUT;
	}
	if (nfaces > 0 && !gdImageTrueColor(im) &&
	    !gdImagePaletteToTrueColor(im))
		return FF_ENOMEM;
	return FF_OK;
}

enum ff_err
frame_draw(gdImagePtr im, const struct frame *fr,
    const struct face_eyes *faces, int nfaces, double pd_mm)
{
	struct face_eyes e;
	enum ff_err er;
	int i;

	if ((er = draw_check(im, fr, faces, sizeof(*faces), 0, nfaces,
	    pd_mm)) != FF_OK)
		return er;
	for (i = 0; i < nfaces; i++) {
		eyes_norm(&faces[i], &e);
		er = draw_one(im, fr, &e, frame_px_per_mm(&faces[i], pd_mm), 0,
		    1, 0);
		if (er != FF_OK)
			return er;
	}
	return FF_OK;
}

enum ff_err
frame_draw_pose(gdImagePtr im, const struct frame *fr,
    const struct face_pose *faces, int nfaces, double pd_mm)
{
	struct face_eyes e;
	enum ff_err er;
	int i;

	if ((er = draw_check(im, fr, faces, sizeof(*faces), 1, nfaces,
	    pd_mm)) != FF_OK)
		return er;
	for (i = 0; i < nfaces; i++) {
		eyes_norm(&faces[i].eyes, &e);
		er = draw_one(im, fr, &e, frame_px_per_mm(&faces[i].eyes,
		    pd_mm), tan(frame_yaw_deg(&faces[i]) * (M_PI / 180)), 1, 0);
		if (er != FF_OK)
			return er;
	}
	return FF_OK;
}

gdImagePtr
frame_thumbnail(const struct frame *fr, int width, int height)
{
	struct face_eyes e;
	struct scene sc;
	struct place pl;
	gdImagePtr im;
	double box[4] = { HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL };
	double ppm, fw, fh, cy;
	int i;

	if (frame_check(fr) != FF_OK || width < 1 || height < 1 ||
	    width > THUMB_MAX || height > THUMB_MAX)
		return NULL;
	/* the frame's box in frame space, mm */
	if (fr->artwork != NULL) {
		box[2] = fr->total_width_mm / 2;
		box[3] = box[2] * gdImageSY(fr->artwork) /
		    gdImageSX(fr->artwork);
		box[0] = -box[2];
		box[1] = -box[3];
	} else {
		/* the flat front view, as in the catalog */
		memset(&pl, 0, sizeof(pl));
		pl.flat = 1;
		scene_build(&sc, fr, &pl);
		for (i = 0; i < sc.n; i++)
			box_grow(box, sc.v[i].xy, sc.v[i].n);
		scene_free(&sc);
	}
	fw = box[2] - box[0];
	fh = box[3] - box[1];
	ppm = fmin(width * 0.94 / fw, height * 0.90 / fh);
	if ((im = gdImageCreateTrueColor(width, height)) == NULL)
		return NULL;
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	gdImageFilledRectangle(im, 0, 0, width - 1, height - 1,
	    gdTrueColorAlpha(255, 255, 255, gdAlphaTransparent));
	/* eyes on the lens centres, the frame's box centred */
	cy = height / 2.0 - (box[1] + box[3]) / 2 * ppm;
	e.lx = width / 2.0 - (box[0] + box[2]) / 2 * ppm -
	    (fr->lens_width_mm + fr->bridge_mm) / 2 * ppm;
	e.rx = e.lx + (fr->lens_width_mm + fr->bridge_mm) * ppm;
	e.ly = e.ry = cy - FRAME_DROP * fr->lens_height_mm * ppm;
	if (draw_one(im, fr, &e, ppm, 0, 0, 1) != FF_OK) {
		gdImageDestroy(im);
		return NULL;
	}
	return im;
}
