/*
 * fuzz_image.c: libFuzzer target for the image decoder (src/image).
 *
 * Arbitrary bytes go through img_probe() and img_decode() with a 4 MP
 * limit and a 512-pixel downscale, the way an upload would, and a decoded
 * image through img_store_jpeg(), whose stripped copy of a JPEG must
 * decode to the same size again. Inputs that
 * start with "Exif\0\0" also go straight to the EXIF reader, so libexif
 * is reached without the fuzzer first having to build a decodable JPEG.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *       $(pkg-config --cflags gdlib libexif) tests/fuzz/fuzz_image.c \
 *       src/image/decode.c src/image/jpeg.c src/image/exif.c src/core/buf.c \
 *       src/core/err.c src/core/xalloc.c \
 *       $(pkg-config --libs gdlib libexif libjpeg) -lpthread -o fuzz_image
 *   ./fuzz_image -max_total_time=60 tests/fuzz/corpus/image
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/decode.h"
#include "image/exif.h"

/* Keep libgd's per-input warnings out of the fuzzer's log. */
static void
quiet(int priority, const char *fmt, va_list ap)
{
	(void)priority;
	(void)fmt;
	(void)ap;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 init;
	struct img_limits	 lim = { 4000000, 512, 1, 0 };
	gdImagePtr		 im = NULL, back = NULL;
	void			*out;
	size_t			 outlen;
	enum img_type		 t;
	int			 w = 0, h = 0, o = 0;

	if (!init) {
		img_init(quiet);
		init = 1;
	}
	if (size >= 6 && memcmp(data, "Exif\0\0", 6) == 0) {
		o = img_exif_orientation(data, size);
		if (o < 1 || o > 8)
			abort();
	}
	if (img_probe(data, size, &t, &w, &h) == FF_OK && (w <= 0 || h <= 0))
		abort();
	if (img_decode(data, size, &lim, &im, &o) == FF_OK) {
		/* What the callers rely on: truecolor, capped, oriented. */
		if (!gdImageTrueColor(im) || gdImageSX(im) > 512 ||
		    gdImageSY(im) > 512 || o < 1 || o > 8 ||
		    (size_t)gdImageSX(im) * gdImageSY(im) > lim.max_pixels)
			abort();
		if (img_store_jpeg(data, size, im, 90, &out, &outlen) == FF_OK) {
			/* Stored bytes are a JPEG of the image's size. */
			if (img_sniff(out, outlen) != IMG_JPEG ||
			    img_decode(out, outlen, NULL, &back, NULL) != FF_OK ||
			    gdImageSX(back) != gdImageSX(im) ||
			    gdImageSY(back) != gdImageSY(im))
				abort();
			gdImageDestroy(back);
			free(out);
		}
		gdImageDestroy(im);
	}
	return 0;
}
