/*
 * catalog.h: the frames table as struct frame (src/render/frame.h).
 *
 * Frames are never deleted, only retired (active = 0): try-ons and clicks
 * keep referring to them. A frame's optional artwork is stored as PNG and
 * decoded with libgd on load. The style is stored in the schema's own
 * spelling (round, rectangle, aviator, cateye, browline, rimless).
 */
#ifndef FF_STORE_CATALOG_H
#define FF_STORE_CATALOG_H
#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"
#include "render/frame.h"

struct db;

/*
 * Load the active frames that are not flagged for staff (all != 0:
 * retired and flagged ones too, a flagged frame with its missing sizes
 * 0; see catalog_row below), ordered by style,
 * then SKU. On FF_OK the caller owns *frames (and each artwork) and frees
 * them with catalog_free(); *frames is NULL when there are none.
 */
enum ff_err	 catalog_load(struct db *, int all, struct frame **frames,
		    size_t *n);
void		 catalog_free(struct frame *, size_t n);

/*
 * One frame by SKU, retired or not; FF_ENOTFOUND if there is none. The
 * caller owns out->artwork and releases it with catalog_frame_clear().
 */
enum ff_err	 catalog_get(struct db *, const char *sku, struct frame *out);
void		 catalog_frame_clear(struct frame *);

/*
 * Check a frame against the schema's rules (SKU [A-Za-z0-9-]{1,32}, a
 * known style, colours 0xRRGGBB, an http(s) URL) and the catalog's rule
 * on its sizes (render/frame_sizes.h: in range, and adding up):
 * FF_EINPUT when it breaks one. frame_sizes_check() says why for sizes.
 */
enum ff_err	 catalog_validate(const struct frame *);

/*
 * Insert f (its id and artwork are ignored) and set f->id. A duplicate
 * SKU or an invalid frame is FF_EINPUT.
 */
enum ff_err	 catalog_insert(struct db *, struct frame *f);
/* Overwrite the stored row f->id with f (SKU included; artwork kept).
 * FF_ENOTFOUND if there is no such id. */
enum ff_err	 catalog_update(struct db *, const struct frame *f);
/* Set active = 0. FF_ENOTFOUND if there is no such SKU. */
enum ff_err	 catalog_retire(struct db *, const char *sku);
/* Store PNG bytes as the frame's artwork (png NULL clears it). The bytes
 * must decode as PNG, else FF_EINPUT. */
enum ff_err	 catalog_set_artwork(struct db *, long long id, const void *png,
		    size_t len);

/*
 * A frames row with what a frame entered by hand does not have: sizes
 * that may be missing (a product feed often gives only "52-18-140"), the
 * temple length and the shop's image link (the currency, sale and
 * availability are in struct frame: the shop shows them). A frame
 * with any of the four drawing sizes missing (NULL in the table) is
 * flagged for staff: stored, shown in the admin, never in the shop until
 * staff fill them in (sql/070_feed.sql computes frames.needs_review).
 */
#define CATALOG_HAS_LENS_WIDTH	0x01u
#define CATALOG_HAS_LENS_HEIGHT	0x02u
#define CATALOG_HAS_BRIDGE	0x04u
#define CATALOG_HAS_TOTAL_WIDTH	0x08u
#define CATALOG_HAS_TEMPLE	0x10u
/* Not columns: whether a feed named the shape and the colour. */
#define CATALOG_HAS_STYLE	0x20u
#define CATALOG_HAS_COLOUR	0x40u
/* The four sizes the renderer needs. */
#define CATALOG_SIZES		0x0fu
/* The temple's range, mm (CHECK frames_temple). */
#define CATALOG_TEMPLE_MIN_MM	80.0
#define CATALOG_TEMPLE_MAX_MM	180.0

struct catalog_row {
	struct frame	 f;		/* a missing size is 0; artwork unused */
	unsigned	 has;		/* CATALOG_HAS_* */
	double		 temple_mm;	/* 0 when missing */
	char		 image_url[2001]; /* http(s), "" when none */
};

/* 1 when f has all four sizes (a frame catalog_load(all) gave may not). */
int		 catalog_frame_complete(const struct frame *);
/* The CATALOG_SIZES f has (a missing one is 0 in struct frame). */
unsigned	 catalog_frame_sizes(const struct frame *);
/* The names of the CATALOG_SIZES not in has, appended to b: "lens
 * height, total width" (nothing when none is missing). */
void		 catalog_sizes_missing(unsigned has, struct buf *b);

/*
 * The catalog's rule for a row: catalog_validate()'s on everything but
 * the sizes, the sizes' one rule (render/frame_sizes.h) on the sizes
 * present (a problem only with a missing one is not one), the temple in
 * range, the currency three capitals, the image an http(s) link, a sale
 * price below the price and its window ending after it starts.
 * FF_EINPUT with the reasons appended to why (when not NULL).
 */
enum ff_err	 catalog_validate_row(const struct catalog_row *,
		    struct buf *why);

/*
 * The row of sku into out (FF_ENOTFOUND if none); lock != 0 locks it
 * (SELECT ... FOR UPDATE) for the caller's transaction. Sets every
 * CATALOG_HAS_* but STYLE and COLOUR from the stored values.
 */
enum ff_err	 catalog_row_get(struct db *, const char *sku, int lock,
		    struct catalog_row *out);
/*
 * Store r: insert it when r->f.id is 0 (and set r->f.id), else update
 * row r->f.id (every column but the artwork; missing sizes become NULL).
 * Checked with catalog_validate_row() first: FF_EINPUT if refused, or if
 * the SKU is taken.
 */
enum ff_err	 catalog_row_put(struct db *, struct catalog_row *r);
/* 1 when a and b would store the same values (sizes to the column's
 * 0.1 mm); the SKU, id and artwork are not compared. */
int		 catalog_row_same(const struct catalog_row *a,
		    const struct catalog_row *b);
/* How many frames there are, retired and flagged ones included. */
enum ff_err	 catalog_count(struct db *, long long *n);

/* One frame flagged for staff. */
struct catalog_flagged {
	char		 sku[33];
	char		 name[121];
	unsigned	 has;		/* the CATALOG_SIZES it has */
	int		 active;
};
/*
 * The flagged frames by SKU, at most max of them; *total is how many
 * there are in all. The caller frees *out with free().
 */
enum ff_err	 catalog_flagged(struct db *, size_t max,
		    struct catalog_flagged **out, size_t *n, long long *total);

#endif
