/*
 * raster.h: exact-area anti-aliased polygon coverage.
 *
 * libgd's own anti-aliasing covers thin lines only, so filled shapes are
 * rasterised here into a coverage mask and composited by the caller.
 * Every edge adds the signed area it sweeps to the pixels it crosses; a
 * running sum along each row then gives, for every pixel, the fraction of
 * its area inside the polygons (nonzero rule, clamped to 0..1). This is
 * exact for straight edges, so no supersampling is needed.
 *
 * Coordinates are image pixels as doubles; pixel (x, y) covers the square
 * [x, x+1) x [y, y+1), so its centre is (x+0.5, y+0.5). A raster covers a
 * window of the image; anything outside it is clipped away.
 */
#ifndef FF_RENDER_RASTER_H
#define FF_RENDER_RASTER_H
#include <stddef.h>

struct raster {
	int	 x0, y0;	/* window origin, image pixels */
	int	 w, h;		/* window size, pixels */
	size_t	 cap;		/* floats allocated in acc */
	float	*acc;		/* h rows of (w + 2); owned, raster_free() */
};

void	raster_init(struct raster *);
void	raster_free(struct raster *);
/* Set the window and clear it; grows acc when needed. w, h >= 1. */
void	raster_window(struct raster *, int x0, int y0, int w, int h);
/*
 * Add a closed polygon of n points xy[2*i], xy[2*i+1]. sign +1 adds the
 * area and -1 cuts it away (a hole), whatever the winding of the points.
 */
void	raster_poly(struct raster *, const double *xy, int n, int sign);
/* Turn the accumulated areas into coverage; call once after the polys. */
void	raster_finish(struct raster *);

/* Coverage 0..1 of image pixel (x, y) after raster_finish(); in window. */
static inline float
raster_cov(const struct raster *r, int x, int y)
{
	return r->acc[(size_t)(y - r->y0) * (size_t)(r->w + 2) + (size_t)(x - r->x0)];
}

#endif
