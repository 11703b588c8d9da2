/*
 * artwork.h: the checks a frame's PNG artwork must pass before it is
 * stored (the admin catalog's upload form, admin_catalog.c).
 *
 * The artwork is drawn over shoppers' faces (render/frames.h), so it
 * must be a PNG (RFC 2083: signature, then IHDR), small enough to keep
 * in the catalog cache of every worker, and see-through around and
 * between the lenses: an alpha channel (colour type 4 or 6) or tRNS
 * transparency, and at least ARTWORK_MIN_CLEAR of its pixels more than
 * half transparent, so an opaque rectangle can never hide a face.
 */
#ifndef FF_APP_ARTWORK_H
#define FF_APP_ARTWORK_H
#include <stddef.h>

#include "core/err.h"

/* The most bytes and pixels per side taken. */
#define ARTWORK_MAX_BYTES	(2u * 1024 * 1024)
#define ARTWORK_MAX_PX		2000
/* At least this share of the pixels must be see-through (more than half
 * transparent): a frame is mostly empty space. */
#define ARTWORK_MIN_CLEAR	0.10

/*
 * Check PNG artwork of len bytes: FF_OK, or FF_ETOOBIG (over
 * ARTWORK_MAX_BYTES), FF_EMEDIATYPE (not a PNG), FF_EINPUT (empty, more
 * than ARTWORK_MAX_PX on a side, no alpha channel nor tRNS, less than
 * ARTWORK_MIN_CLEAR see-through), FF_EIMAGE (does not decode). *why gets
 * a message for staff (static; NULL on FF_OK); w and h (may be NULL) the
 * size on FF_OK, 0 otherwise. The header is checked before any decoding,
 * so a PNG declaring 60000 x 60000 pixels costs nothing.
 */
enum ff_err	 artwork_check(const void *png, size_t len, int *w, int *h,
		    const char **why);

#endif
