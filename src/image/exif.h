/*
 * exif.h: the EXIF orientation of a photo, and turning a decoded image
 * upright by it.
 *
 * EXIF 2.3 §4.6.4 (tag 0x0112 Orientation, SHORT, IFD0) says where row 0
 * and column 0 of the stored pixels belong on the upright picture:
 *
 *   1 top-left      as stored
 *   2 top-right     mirror horizontally
 *   3 bottom-right  rotate 180
 *   4 bottom-left   mirror vertically
 *   5 left-top      transpose (mirror about the top-left/bottom-right diagonal)
 *   6 right-top     rotate 90 clockwise
 *   7 right-bottom  transverse (mirror about the other diagonal)
 *   8 left-bottom   rotate 90 counter-clockwise (270 clockwise)
 *
 * After img_orient() every coordinate framefit reports is in pixels of
 * the upright image.
 */
#ifndef FF_IMAGE_EXIF_H
#define FF_IMAGE_EXIF_H
#include <stddef.h>
#include <gd.h>
#include "core/err.h"

/*
 * The orientation (1..8) in an EXIF block: the payload of a JPEG APP1
 * segment, starting with "Exif\0\0" and followed by the TIFF header.
 * Read with libexif from IFD0 only. Returns 1 when the block is absent
 * (NULL), malformed, has no orientation, or has a value outside 1..8.
 */
int		 img_exif_orientation(const void *app1, size_t len);

/*
 * Turn *im upright for `orientation` (see the table above; anything
 * outside 2..8 leaves the image alone). Orientations 2..8 build a new
 * image: on FF_OK the old *im has been destroyed and *im is the new one,
 * which the caller owns as before. On error *im is untouched and still
 * the caller's: FF_EINPUT if *im is not truecolor, FF_ENOMEM if libgd
 * could not allocate.
 */
enum ff_err	 img_orient(gdImagePtr *im, int orientation);

#endif
