/*
 * jpeg.h: JPEG straight between libjpeg(-turbo) and libgd's pixel rows.
 *
 * Why not gdImageCreateFromJpegPtr()/gdImageJpegPtr(): a try-on spends
 * most of its time in them. libgd converts every pixel between libjpeg's
 * RGB rows and its own ints in C, and it always decodes at full size, so
 * a 12 MP phone photo is decoded whole and then shrunk to 1600 px.
 * libjpeg-turbo writes and reads gd's rows directly (JCS_EXT_BGRX is the
 * byte order of a gd truecolor int on a little-endian machine; its SIMD
 * converts the colours) and can decode at M/8 of the size in the DCT.
 *
 * Only what decode.c has already checked reaches these: the marker
 * structure (EOI present, scan count bounded) and the pixel limit.
 */
#ifndef FF_IMAGE_JPEG_H
#define FF_IMAGE_JPEG_H
#include <stddef.h>
#include <gd.h>
#include "core/err.h"

/*
 * Decode into a new truecolor image. The size is the declared w x h
 * (which must match what libjpeg reads), scaled in the DCT by M/8 when
 * the long side is over max_side (max_side <= 0: full size): the largest
 * M that lands the long side between 7/8 of max_side and max_side, so
 * no resampling is needed; when none does (M/8 steps are coarse below
 * 1/2), the smallest M above max_side, and the caller resamples the
 * rest. With exact, always the smallest M whose long side is at least
 * max_side, for a caller that resamples to max_side exactly. A warning that pixels are missing or garbage (premature end, bad
 * Huffman code, ...) is an error, as a half-grey photo is no photo;
 * every warning's text goes to warn (may be NULL). FF_EMEDIATYPE for
 * CMYK/YCCK files, which libjpeg-turbo cannot convert to RGB (libgd can:
 * the caller falls back to it); FF_EIMAGE for a corrupt file; FF_ENOMEM.
 */
enum ff_err	 jpeg_decode(const void *, size_t, int w, int h, int max_side,
		    int exact, void (*warn)(const char *), gdImagePtr *out);

/*
 * Encode a truecolor image (alpha ignored) at quality 1-100 as libgd
 * would (4:2:0 below quality 90, 4:4:4 from 90 on), less its "CREATOR"
 * comment. *out is malloc()ed: free() it.
 */
enum ff_err	 jpeg_encode(gdImagePtr, int quality, void **out, size_t *len);

#endif
