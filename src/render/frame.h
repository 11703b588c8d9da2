/*
 * frame.h: one catalog frame, as the renderer and the store both see it.
 *
 * Units: every length is in millimetres of the real product; the renderer
 * converts to pixels with the face's scale (see frames.h). Colours are
 * 0xRRGGBB. tint_opacity is 0 (clear lens) .. 1 (opaque).
 */
#ifndef FF_RENDER_FRAME_H
#define FF_RENDER_FRAME_H
#include <stdint.h>
#include <gd.h>

enum frame_style {
	FRAME_ROUND = 0,
	FRAME_RECTANGLE,
	FRAME_AVIATOR,
	FRAME_CATEYE,
	FRAME_BROWLINE,		/* browline / wayfarer: heavy top rim */
	FRAME_RIMLESS,
	FRAME_STYLE__MAX
};

struct frame {
	long long	 id;		/* row id in `frames`; 0 if not stored */
	char		 sku[33];	/* [A-Za-z0-9-]{1,32} */
	char		 name[121];
	char		 brand[61];
	enum frame_style style;
	uint32_t	 rim_rgb;
	double		 rim_mm;	/* rim thickness */
	uint32_t	 tint_rgb;
	double		 tint_opacity;
	double		 lens_width_mm;
	double		 lens_height_mm;
	double		 bridge_mm;
	double		 total_width_mm;
	int		 price_cents;
	int		 active;
	char		 product_url[512];
	gdImagePtr	 artwork;	/* optional PNG with alpha; owned by the
					 * catalog cache, NULL when none */
};

/* "round", "rectangle", ...; NULL for an out-of-range value. */
const char	*frame_style_name(enum frame_style);
/* The style for a name, or -1. */
int		 frame_style_parse(const char *);

#endif
