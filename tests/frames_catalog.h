/*
 * frames_catalog.h: the frames the golden images are drawn with, one
 * realistic frame per style, for tests/check_frames.c and
 * bench/bench_render.c (the bench times what the goldens show).
 */
#ifndef FF_TESTS_FRAMES_CATALOG_H
#define FF_TESTS_FRAMES_CATALOG_H
#include <stdint.h>
#include <string.h>

#include "render/frame.h"

/* A frame of style st: colours 0xRRGGBB, sizes in millimetres. */
static inline struct frame
mkframe(enum frame_style st, uint32_t rim, double rim_mm, uint32_t tint,
    double opacity, double lw, double lh, double bridge, double total)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	f.style = st;
	f.rim_rgb = rim;
	f.rim_mm = rim_mm;
	f.tint_rgb = tint;
	f.tint_opacity = opacity;
	f.lens_width_mm = lw;
	f.lens_height_mm = lh;
	f.bridge_mm = bridge;
	f.total_width_mm = total;
	return f;
}

/* The catalog of the golden images. */
static inline struct frame
golden_frame(enum frame_style st)
{
	switch (st) {
	case FRAME_ROUND:
		return mkframe(st, 0x6b4226, 2.0, 0x8a6a40, 0.0, 47, 45, 21, 137);
	case FRAME_RECTANGLE:
		return mkframe(st, 0x111111, 3.0, 0x000000, 0.0, 54, 38, 18, 145);
	case FRAME_AVIATOR:
		return mkframe(st, 0xc9a84c, 1.2, 0x3f5a3c, 0.6, 58, 50, 14, 140);
	case FRAME_CATEYE:
		return mkframe(st, 0x9e1b32, 3.5, 0xe8a0b0, 0.18, 52, 42, 18, 142);
	case FRAME_BROWLINE:
		return mkframe(st, 0x1a1a1a, 5.0, 0x000000, 0.0, 51, 40, 20, 145);
	case FRAME_RIMLESS:
	default:
		return mkframe(st, 0xb8b8c0, 1.2, 0x6f8fc8, 0.22, 52, 34, 17, 138);
	}
}

#endif
