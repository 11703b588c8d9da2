/*
 * artwork.c: the checks on a frame's PNG artwork (see artwork.h).
 */
#include <string.h>

#include <gd.h>

#include "app/artwork.h"

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3];
}

enum ff_err
artwork_check(const void *data, size_t len, int *wp, int *hp,
    const char **why)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	const unsigned char	*p = data;
	unsigned long		 w, h, clen;
	size_t			 off;
	gdImagePtr		 im;
	long long		 clear = 0;
	int			 type, trns = 0, x, y, c;

	if (wp != NULL)
		*wp = 0;
	if (hp != NULL)
		*hp = 0;
	if (data == NULL || len == 0) {
		*why = "Please choose a PNG file.";
		return FF_EINPUT;
	}
	if (len > ARTWORK_MAX_BYTES) {
		*why = "The artwork is larger than 2 MB.";
		return FF_ETOOBIG;
	}
	/* RFC 2083 §3.1 signature, then IHDR first (§4.1.1). */
	if (len < 33 || memcmp(p, sig, 8) != 0 || be32(p + 8) != 13 ||
	    memcmp(p + 12, "IHDR", 4) != 0) {
		*why = "The artwork must be a PNG file.";
		return FF_EMEDIATYPE;
	}
	w = be32(p + 16);
	h = be32(p + 20);
	type = p[25];
	if (w == 0 || h == 0 || w > ARTWORK_MAX_PX ||
	    h > ARTWORK_MAX_PX) {
		*why = "The artwork must be at most 2000 \u00d7 2000 pixels.";
		return FF_EINPUT;
	}
	/* Colour types 4 and 6 carry alpha; the others need tRNS before
	 * the image data (§4.2.1.1). */
	for (off = 8; off + 12 <= len; off += 12 + clen) {
		clen = be32(p + off);
		if (clen > len - off - 12)
			break;
		if (memcmp(p + off + 4, "tRNS", 4) == 0)
			trns = 1;
		if (memcmp(p + off + 4, "IDAT", 4) == 0 ||
		    memcmp(p + off + 4, "IEND", 4) == 0)
			break;
	}
	if (type != 4 && type != 6 && !trns) {
		*why = "The artwork has no alpha channel: save it as a PNG "
		    "with transparency.";
		return FF_EINPUT;
	}
	if ((im = gdImageCreateFromPngPtr((int)len, (void *)data)) == NULL) {
		*why = "The PNG is damaged and cannot be read.";
		return FF_EIMAGE;
	}
	/* gd's alpha runs 0 (opaque) .. 127 (clear). */
	for (y = 0; y < gdImageSY(im); y++)
		for (x = 0; x < gdImageSX(im); x++) {
			c = gdImageGetPixel(im, x, y);
			if (gdImageAlpha(im, c) >= 64)
				clear++;
		}
	gdImageDestroy(im);
	if ((double)clear < ARTWORK_MIN_CLEAR * (double)w * (double)h) {
		*why = "The artwork is not see-through: the space around and "
		    "between the lenses must be transparent.";
		return FF_EINPUT;
	}
	if (wp != NULL)
		*wp = (int)w;
	if (hp != NULL)
		*hp = (int)h;
	*why = NULL;
	return FF_OK;
}
