/*
 * jpeg.c: JPEG <-> gd rows through libjpeg(-turbo); see jpeg.h for why.
 *
 * libjpeg reports fatal errors through error_exit, which must not return:
 * it longjmp()s back here. Everything live across the setjmp() that is
 * changed after it is volatile (C11 7.13.2.1).
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>	/* the JWRN_ message codes */

#include "image/jpeg.h"

/* The bytes of a gd truecolor int, 0x7F alpha in the top byte, in memory. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GD_JCS		JCS_EXT_BGRX
#else
#define GD_JCS		JCS_EXT_XRGB
#endif
/* A gd int's colour bits, whatever the byte order: the alpha is above. */
#define ALPHA_MASK	0x00ffffffu

/* Rows per libjpeg call: its own output buffer is at most 4 rows high. */
#define ROWS	4

/* Four gd pixels (GCC and Clang vector extensions, as image/sample.c). */
typedef uint32_t v4u __attribute__((vector_size(16)));

/* libjpeg writes 0xFF into X, which would be gd alpha 127 (transparent):
 * clear it, four pixels an instruction (a pixel at a time, this loop was
 * a visible share of a 12 MP photo's decode). */
static void
clear_alpha(uint32_t *px, unsigned n)
{
	const v4u	 mask = { ALPHA_MASK, ALPHA_MASK, ALPHA_MASK, ALPHA_MASK };
	v4u		 v;
	unsigned	 x;

	for (x = 0; x + 4 <= n; x += 4) {
		memcpy(&v, px + x, sizeof(v));
		v &= mask;
		memcpy(px + x, &v, sizeof(v));
	}
	for (; x < n; x++)
		px[x] &= ALPHA_MASK;
}

struct jerr {
	struct jpeg_error_mgr	 pub;
	jmp_buf			 jb;
	int			 corrupt;
	void			(*warn)(const char *);
};

static void
on_error(j_common_ptr c)
{
	struct jerr	*e = (struct jerr *)c->err;
	char		 msg[JMSG_LENGTH_MAX];

	if (e->warn != NULL) {
		e->pub.format_message(c, msg);
		e->warn(msg);
	}
	longjmp(e->jb, 1);
}

/*
 * Level -1 is a warning, >= 0 tracing. The warnings that mean pixels are
 * missing or garbage make the file corrupt; the others are harmless and
 * common in camera files, e.g. "Corrupt JPEG data: N extraneous bytes
 * before marker 0xd9" (JWRN_EXTRANEOUS_DATA), and only reported.
 */
static void
on_message(j_common_ptr c, int level)
{
	struct jerr	*e = (struct jerr *)c->err;
	char		 msg[JMSG_LENGTH_MAX];

	if (level >= 0)
		return;
	switch (e->pub.msg_code) {
	case JWRN_JPEG_EOF:
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_ARITH_BAD_CODE:
	case JWRN_MUST_RESYNC:
		e->corrupt = 1;
		break;
	default:
		break;
	}
	if (e->warn != NULL) {
		e->pub.format_message(c, msg);
		e->warn(msg);
	}
}

/* Nothing goes to stderr: the caller reports what failed. */
static void
on_output(j_common_ptr c)
{
	(void)c;
}

static void
err_init(struct jerr *e, void (*warn)(const char *))
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = on_error;
	e->pub.emit_message = on_message;
	e->pub.output_message = on_output;
	e->corrupt = 0;
	e->warn = warn;
}

/*
 * M of the M/8 scale for a long side `side` (jpeg.h): the largest that
 * lands in [7/8 max_side, max_side], else the smallest above max_side
 * (the caller resamples from there). With exact, the smallest that is
 * at least max_side. libjpeg rounds scaled sizes up.
 */
static unsigned
scale_eighths(int side, int max_side, int exact)
{
	uint64_t	 s;
	unsigned	 m = 8;

	if (max_side <= 0 || side <= max_side)
		return 8;
	if (exact) {
		for (m = 1; m < 8; m++)
			if (((uint64_t)side * m + 7) / 8 >= (uint64_t)max_side)
				break;
		return m;
	}
	while (m > 0 && ((uint64_t)side * m + 7) / 8 > (uint64_t)max_side)
		m--;
	if (m == 0)
		return 1;
	s = ((uint64_t)side * m + 7) / 8;
	return s * 8 >= (uint64_t)max_side * 7 ? m : m + 1;
}

enum ff_err
jpeg_decode(const void *data, size_t len, int w, int h, int max_side,
    int exact, void (*warn)(const char *), gdImagePtr *out)
{
	struct jpeg_decompress_struct	 d;
	struct jerr			 e;
	gdImagePtr volatile		 im = NULL;
	volatile enum ff_err		 er = FF_EIMAGE;
	JSAMPROW			 rows[ROWS];
	unsigned			 y, k, n;

	d.err = &e.pub;
	err_init(&e, warn);
	if (setjmp(e.jb)) {
		jpeg_destroy_decompress(&d);
		if (im != NULL)
			gdImageDestroy(im);
		return er;
	}
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, data, (unsigned long)len);
	if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK ||
	    d.image_width != (JDIMENSION)w || d.image_height != (JDIMENSION)h)
		goto fail;
	if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK) {
		er = FF_EMEDIATYPE;
		goto fail;
	}
	d.scale_num = scale_eighths(w > h ? w : h, max_side, exact);
	d.scale_denom = 8;
	d.out_color_space = GD_JCS;
	jpeg_start_decompress(&d);
	if (d.output_components != 4 ||
	    (im = gdImageCreateTrueColor((int)d.output_width,
	    (int)d.output_height)) == NULL) {
		er = d.output_components != 4 ? FF_EIMAGE : FF_ENOMEM;
		goto fail;
	}
	while ((y = d.output_scanline) < d.output_height) {
		for (k = 0; k < ROWS && y + k < d.output_height; k++)
			rows[k] = (JSAMPROW)im->tpixels[y + k];
		n = jpeg_read_scanlines(&d, rows, k);
		for (k = 0; k < n; k++)
			clear_alpha((uint32_t *)(void *)im->tpixels[y + k],
			    d.output_width);
		if (n == 0)
			goto fail;
	}
	jpeg_finish_decompress(&d);
	if (e.corrupt)
		goto fail;
	jpeg_destroy_decompress(&d);
	*out = im;
	return FF_OK;
fail:
	longjmp(e.jb, 1);
}

enum ff_err
jpeg_encode(gdImagePtr im, int quality, void **out, size_t *len)
{
	struct jpeg_compress_struct	 c;
	struct jerr			 e;
	/* libjpeg allocates and grows it (jpeg_mem_dest); ours to free. */
	unsigned char * volatile	 buf = NULL;
	unsigned long			 memlen = 0;
	JSAMPROW			 rows[ROWS];
	unsigned			 y, k;

	if (!gdImageTrueColor(im))
		return FF_EINPUT;
	c.err = &e.pub;
	err_init(&e, NULL);
	if (setjmp(e.jb)) {
		jpeg_destroy_compress(&c);
		free(buf);
		return FF_ENOMEM;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, (unsigned char **)&buf, &memlen);
	c.image_width = (JDIMENSION)gdImageSX(im);
	c.image_height = (JDIMENSION)gdImageSY(im);
	c.input_components = 4;
	c.in_color_space = GD_JCS;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	/* As libgd (gd_jpeg.c): from quality 90 on, no chroma subsampling. */
	if (quality >= 90) {
		c.comp_info[0].h_samp_factor = 1;
		c.comp_info[0].v_samp_factor = 1;
	}
	jpeg_start_compress(&c, TRUE);
	while ((y = c.next_scanline) < c.image_height) {
		for (k = 0; k < ROWS && y + k < c.image_height; k++)
			rows[k] = (JSAMPROW)im->tpixels[y + k];
		jpeg_write_scanlines(&c, rows, k);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*out = buf;
	*len = memlen;
	return FF_OK;
}
