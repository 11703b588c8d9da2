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
#include "core/err.h"
#include "render/frame.h"

struct db;

/*
 * Load the active frames (all != 0: retired ones too), ordered by style,
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
 * known style, sizes in range, colours 0xRRGGBB, an http(s) URL):
 * FF_EINPUT when it breaks one.
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

#endif
