#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "render/raster.h"

void
raster_init(struct raster *r)
{
	memset(r, 0, sizeof(*r));
}

void
raster_free(struct raster *r)
{
	free(r->acc);
	raster_init(r);
}

void
raster_window(struct raster *r, int x0, int y0, int w, int h)
{
	size_t need = (size_t)(w + 2) * (size_t)h;

	if (need > r->cap) {
		free(r->acc);
		r->acc = xmalloc(need * sizeof(float));
		r->cap = need;
	}
	r->x0 = x0;
	r->y0 = y0;
	r->w = w;
	r->h = h;
	memset(r->acc, 0, need * sizeof(float));
}

/*
 * One piece of an edge inside row `row` (window coordinates), from x = xa
 * at its top to x = xb at its bottom, sweeping the signed height dy. Each
 * cell it crosses gets the part of the pixel right of the edge; the cell
 * after gets the rest, so that the row's running sum is dy for every pixel
 * wholly right of the edge. x is clamped to the window: left of it the
 * edge covers the whole row, right of it nothing is visible.
 */
static void
span(struct raster *r, int row, double xa, double xb, double dy)
{
	float *a = r->acc + (size_t)row * (size_t)(r->w + 2);
	double w = r->w, t, xl, xr, d, m;
	int i, last;

	xa = xa < 0 ? 0 : xa > w ? w : xa;
	xb = xb < 0 ? 0 : xb > w ? w : xb;
	if (xa > xb) {
		t = xa;
		xa = xb;
		xb = t;
	}
	i = (int)xa;
	last = (int)xb;
	if (i == last || xb - xa < 1e-9) {
		m = (xa + xb) * 0.5 - i;
		a[i] += (float)(dy * (1 - m));
		a[i + 1] += (float)(dy * m);
		return;
	}
	for (; i <= last; i++) {
		xl = xa > i ? xa : i;
		xr = xb < i + 1 ? xb : i + 1;
		if (xr <= xl)
			continue;
		d = dy * (xr - xl) / (xb - xa);
		m = (xl + xr) * 0.5 - i;
		a[i] += (float)(d * (1 - m));
		a[i + 1] += (float)(d * m);
	}
}

/* One edge in window coordinates; dir is +1 or -1 (see raster_poly). */
static void
edge(struct raster *r, double x0, double y0, double x1, double y1, double dir)
{
	double t, dxdy, ya, yb, top, bot;
	int row;

	if (y0 == y1)
		return;
	if (y0 > y1) {
		t = x0; x0 = x1; x1 = t;
		t = y0; y0 = y1; y1 = t;
		dir = -dir;
	}
	if (y1 <= 0 || y0 >= r->h)
		return;
	dxdy = (x1 - x0) / (y1 - y0);
	top = y0 > 0 ? y0 : 0;
	bot = y1 < r->h ? y1 : r->h;
	for (row = (int)top; row < bot; row++) {
		ya = top > row ? top : row;
		yb = bot < row + 1 ? bot : row + 1;
		if (yb <= ya)
			continue;
		span(r, row, x0 + (ya - y0) * dxdy, x0 + (yb - y0) * dxdy,
		    (yb - ya) * dir);
	}
}

void
raster_poly(struct raster *r, const double *xy, int n, int sign)
{
	double area = 0, dir;
	int i, j;

	if (n < 3)
		return;
	for (i = 0, j = n - 1; i < n; j = i++)
		area += xy[2 * j] * xy[2 * i + 1] - xy[2 * i] * xy[2 * j + 1];
	/*
	 * With y down, a polygon of positive shoelace area runs clockwise on
	 * screen, and its downward edges are on its right: they would add
	 * negative coverage, so flip them.
	 */
	dir = (area > 0 ? -1.0 : 1.0) * (sign < 0 ? -1.0 : 1.0);
	for (i = 0, j = n - 1; i < n; j = i++)
		edge(r, xy[2 * j] - r->x0, xy[2 * j + 1] - r->y0,
		    xy[2 * i] - r->x0, xy[2 * i + 1] - r->y0, dir);
}

void
raster_finish(struct raster *r)
{
	float *a, s;
	int x, y;

	for (y = 0; y < r->h; y++) {
		a = r->acc + (size_t)y * (size_t)(r->w + 2);
		s = 0;
		for (x = 0; x < r->w; x++) {
			s += a[x];
			a[x] = s < 0 ? 0 : s > 1 ? 1 : s;
		}
	}
}
