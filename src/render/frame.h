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

/* The product feed's availability (sql/090_feed_stock.sql). */
enum frame_stock {
	FRAME_STOCK_UNSAID = 0,	/* a frame entered by hand, or a feed
				 * without it: nothing is said */
	FRAME_IN_STOCK,
	FRAME_OUT_OF_STOCK,
	FRAME_PREORDER,
	FRAME_BACKORDER,
	FRAME_STOCK__MAX
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
	/* What the shop says beside the price, from the product feed
	 * (sql/070, 090); all zero for a frame entered by hand. */
	char		 currency[4];	/* ISO 4217 of both prices; "": the
					 * shop's (view/money.h) */
	int		 sale_cents;	/* the feed's sale_price; 0: none */
	long long	 sale_from;	/* the sale's window, Unix s, UTC; */
	long long	 sale_until;	/* 0: open at that end */
	enum frame_stock stock;
	gdImagePtr	 artwork;	/* optional PNG with alpha; owned by the
					 * catalog cache, NULL when none */
};

/* "round", "rectangle", ...; NULL for an out-of-range value. */
const char	*frame_style_name(enum frame_style);
/* The style for a name, or -1. */
int		 frame_style_parse(const char *);
/* "in_stock", "out_of_stock", "preorder", "backorder"; NULL for
 * FRAME_STOCK_UNSAID or an out-of-range value. */
const char	*frame_stock_name(enum frame_stock);
/* The enum frame_stock of one of those names, or -1. */
int		 frame_stock_parse(const char *);

#endif
