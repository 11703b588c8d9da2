/*
 * exif.c: EXIF orientation (EXIF 2.3 §4.6.4) read with libexif, and the
 * eight ways of turning a stored image upright.
 */
#include <string.h>
#include <libexif/exif-data.h>
#include "image/exif.h"

/* The APP1 payload starts with this, then the TIFF header (EXIF 2.3 §4.5.4). */
static const unsigned char exif_magic[6] = { 'E', 'x', 'i', 'f', 0, 0 };

int
img_exif_orientation(const void *app1, size_t len)
{
	ExifData	*ed;
	ExifEntry	*e;
	int		 o = 1;

	/* An APP1 segment holds at most 65533 bytes; anything longer is not one. */
	if (app1 == NULL || len < sizeof(exif_magic) + 8 || len > 65533 ||
	    memcmp(app1, exif_magic, sizeof(exif_magic)) != 0)
		return 1;
	if ((ed = exif_data_new()) == NULL)
		return 1;
	/*
	 * FOLLOW_SPECIFICATION would "fix" the data after loading, adding
	 * mandatory tags with default values; we want only what the file says.
	 */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, app1, (unsigned int)len);

	/* §4.6.4: Orientation lives in IFD0 (the primary image), type SHORT, count 1. */
	e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->components >= 1 &&
	    e->data != NULL && e->size >= 2) {
		o = exif_get_short(e->data, exif_data_get_byte_order(ed));
		if (o < 1 || o > 8)
			o = 1;
	}
	exif_data_unref(ed);
	return o;
}

/*
 * Where stored pixel (x, y) of a w x h image lands on the upright image.
 * Written out per orientation so each line can be checked against the
 * table in exif.h: e.g. 6 puts row 0 (y = 0) in the rightmost column.
 */
static void
orient_map(int o, int w, int h, int x, int y, int *dx, int *dy)
{
	switch (o) {
	case 2:			/* mirror horizontally */
		*dx = w - 1 - x;
		*dy = y;
		break;
	case 3:			/* rotate 180 */
		*dx = w - 1 - x;
		*dy = h - 1 - y;
		break;
	case 4:			/* mirror vertically */
		*dx = x;
		*dy = h - 1 - y;
		break;
	case 5:			/* transpose */
		*dx = y;
		*dy = x;
		break;
	case 6:			/* rotate 90 clockwise */
		*dx = h - 1 - y;
		*dy = x;
		break;
	case 7:			/* transverse */
		*dx = h - 1 - y;
		*dy = w - 1 - x;
		break;
	case 8:			/* rotate 90 counter-clockwise */
		*dx = y;
		*dy = w - 1 - x;
		break;
	default:
		*dx = x;
		*dy = y;
		break;
	}
}

enum ff_err
img_orient(gdImagePtr *im, int orientation)
{
	gdImagePtr	 src = *im, dst;
	int		 w, h, x, y, dx, dy;

	if (!gdImageTrueColor(src))
		return FF_EINPUT;
	if (orientation < 2 || orientation > 8)
		return FF_OK;

	w = gdImageSX(src);
	h = gdImageSY(src);
	/* 5..8 swap the axes. */
	if (orientation >= 5)
		dst = gdImageCreateTrueColor(h, w);
	else
		dst = gdImageCreateTrueColor(w, h);
	if (dst == NULL)
		return FF_ENOMEM;
	gdImageAlphaBlending(dst, 0);
	gdImageSaveAlpha(dst, src->saveAlphaFlag);

	/* A plain pixel copy: the pixel values (alpha included) move unchanged. */
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			orient_map(orientation, w, h, x, y, &dx, &dy);
			dst->tpixels[dy][dx] = src->tpixels[y][x];
		}

	gdImageDestroy(src);
	*im = dst;
	return FF_OK;
}
