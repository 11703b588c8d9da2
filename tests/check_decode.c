/*
 * check_decode.c: sniffing, header probing and decoding, table-driven.
 *
 * Headers are written out as bytes in the tables below; whole images are
 * encoded with libgd from a 64x48 test picture whose four 32x24 quadrants
 * have distinct colours, so every flip or rotation of it is tell-apart.
 * JPEG is lossy: colours are compared with a tolerance, at the centre of
 * each quadrant, far from the edges where the blocks blur.
 */
#define _GNU_SOURCE	/* memmem */
#include <sys/stat.h>

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/decode.h"
#include "image/jpeg.h"
#include "image/exif.h"

#define LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- Helpers ---- */

/* Quadrant colours of the test picture: top-left, top-right, bottom-left, bottom-right. */
enum { Q_A, Q_B, Q_C, Q_D };
static const int qrgb[4][3] = {
	{ 220, 30, 30 },	/* A red */
	{ 30, 200, 40 },	/* B green */
	{ 40, 40, 220 },	/* C blue */
	{ 240, 240, 240 },	/* D white */
};

static gdImagePtr
quad_image(void)
{
	gdImagePtr	 im = gdImageCreateTrueColor(64, 48);
	int		 x, y, q;

	ck_assert_ptr_nonnull(im);
	for (y = 0; y < 48; y++)
		for (x = 0; x < 64; x++) {
			q = (y >= 24) * 2 + (x >= 32);
			gdImageSetPixel(im, x, y,
			    gdTrueColor(qrgb[q][0], qrgb[q][1], qrgb[q][2]));
		}
	return im;
}

/* Is pixel (x, y) within tol per channel of quadrant colour q? */
static int
near(gdImagePtr im, int x, int y, int q, int tol)
{
	int	 c = gdImageGetTrueColorPixel(im, x, y);

	return abs(gdTrueColorGetRed(c) - qrgb[q][0]) <= tol &&
	    abs(gdTrueColorGetGreen(c) - qrgb[q][1]) <= tol &&
	    abs(gdTrueColorGetBlue(c) - qrgb[q][2]) <= tol;
}

/* Assert the four quadrant centres of im are tl, tr, bl, br. */
static void
assert_quads(gdImagePtr im, const int q[4], int tol, const char *what)
{
	int	 w = gdImageSX(im), h = gdImageSY(im);
	int	 x[4] = { w / 4, 3 * w / 4, w / 4, 3 * w / 4 };
	int	 y[4] = { h / 4, h / 4, 3 * h / 4, 3 * h / 4 };
	int	 k, c;

	for (k = 0; k < 4; k++) {
		c = gdImageGetTrueColorPixel(im, x[k], y[k]);
		ck_assert_msg(near(im, x[k], y[k], q[k], tol),
		    "%s: quadrant %d at (%d,%d) is %06x, want colour %c",
		    what, k, x[k], y[k], c & 0xffffff, 'A' + q[k]);
	}
}

static unsigned char *
encode(gdImagePtr im, enum img_type t, int *n)
{
	gdImagePtr	 pal;
	unsigned char	*d = NULL;

	switch (t) {
	case IMG_JPEG:
		d = gdImageJpegPtr(im, n, 95);
		break;
	case IMG_PNG:
		d = gdImagePngPtr(im, n);
		break;
	case IMG_GIF:
		pal = gdImageCreatePaletteFromTrueColor(im, 0, 16);
		d = gdImageGifPtr(pal, n);
		gdImageDestroy(pal);
		break;
	case IMG_WEBP:
		d = gdImageWebpPtrEx(im, n, gdWebpLossless);
		break;
	default:
		break;
	}
	ck_assert_ptr_nonnull(d);
	return d;
}

/* A copy of a JPEG with an APP1 segment (payload p, n bytes) right after SOI. */
static unsigned char *
jpeg_insert_app1(const unsigned char *jpg, int jn, const unsigned char *p,
    size_t n, int *outn)
{
	unsigned char	*o = malloc(jn + n + 4);

	ck_assert_ptr_nonnull(o);
	memcpy(o, jpg, 2);
	o[2] = 0xff;
	o[3] = 0xe1;
	o[4] = (unsigned char)((n + 2) >> 8);
	o[5] = (unsigned char)((n + 2) & 0xff);
	memcpy(o + 6, p, n);
	memcpy(o + 6 + n, jpg + 2, jn - 2);
	*outn = (int)(jn + n + 4);
	return o;
}

/* "Exif\0\0" + big-endian TIFF header + IFD0 { Orientation SHORT 1 = o }. */
static size_t
exif_orient_block(unsigned char *b, int o)
{
	static const unsigned char tmpl[32] = {
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1,
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 0
	};

	memcpy(b, tmpl, sizeof(tmpl));
	b[25] = (unsigned char)o;
	return sizeof(tmpl);
}

/* Offset of the first SOS marker in a JPEG, for the corruption rows. */
static size_t
find_sos(const unsigned char *d, int n)
{
	int	 i;

	for (i = 2; i + 1 < n; i++)
		if (d[i] == 0xff && d[i + 1] == 0xda)
			return (size_t)i;
	ck_abort_msg("no SOS");
	return 0;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- Sniffing and mime types ---- */

static const struct {
	const char	*name;
	const char	*bytes;
	size_t		 len;
	enum img_type	 want;
} sniffs[] = {
	{ "jpeg", "\xff\xd8\xff", 3, IMG_JPEG },
	{ "jpeg 2 bytes", "\xff\xd8", 2, IMG_UNKNOWN },
	{ "png", "\x89PNG\r\n\x1a\n", 8, IMG_PNG },
	{ "png text-mangled", "\x89PNG\n\x1a\n", 7, IMG_UNKNOWN },
	{ "gif87a", "GIF87a", 6, IMG_GIF },
	{ "gif89a", "GIF89a", 6, IMG_GIF },
	{ "gif90a", "GIF90a", 6, IMG_UNKNOWN },
	{ "webp", "RIFF\0\0\0\0WEBP", 12, IMG_WEBP },
	{ "wav", "RIFF\0\0\0\0WAVE", 12, IMG_UNKNOWN },
	{ "bmp", "BM\0\0\0\0", 6, IMG_UNKNOWN },
	{ "empty", "", 0, IMG_UNKNOWN },
	{ "text", "hello, world\n", 13, IMG_UNKNOWN },
};

START_TEST(sniff_table)
{
	ck_assert_msg(img_sniff(sniffs[_i].bytes, sniffs[_i].len) == sniffs[_i].want,
	    "%s", sniffs[_i].name);
}
END_TEST

START_TEST(mime_table)
{
	ck_assert_str_eq(img_mime(IMG_JPEG), "image/jpeg");
	ck_assert_str_eq(img_mime(IMG_PNG), "image/png");
	ck_assert_str_eq(img_mime(IMG_GIF), "image/gif");
	ck_assert_str_eq(img_mime(IMG_WEBP), "image/webp");
	ck_assert_ptr_null(img_mime(IMG_UNKNOWN));
	ck_assert_int_eq(img_sniff(NULL, 10), IMG_UNKNOWN);
}
END_TEST

/* ---- Probing headers ---- */

/* JPEG pieces: SOI, APP0 JFIF, SOF0 64x48 (Y = 0x0030, X = 0x0040). */
#define J_SOI	"\xff\xd8"
#define J_APP0	"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
#define J_SOF(m, y1, y0, x1, x0) \
	"\xff" m "\x00\x11\x08" y1 y0 x1 x0 "\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
#define J_SOF0	J_SOF("\xc0", "\x00", "\x30", "\x00", "\x40")
/* An APP1 whose contents look like a SOF declaring 0x9999 square: must be skipped by its length. */
#define J_APP1_DECOY "\xff\xe1\x00\x0b\xff\xc0\x00\x11\x08\x99\x99\x99\x99"
/* A DHT segment (0xC4 is not a SOF) with size-like bytes. */
#define J_DHT	"\xff\xc4\x00\x06\x00\x77\x77\x77"

/* PNG: signature, IHDR of w x h (big-endian), 8-bit RGB, and a CRC (not checked by the probe). */
#define P_SIG	"\x89PNG\r\n\x1a\n"
#define P_IHDR(w, h) "\x00\x00\x00\x0dIHDR" w h "\x08\x02\x00\x00\x00" "\x12\x34\x56\x78"

/* GIF: header, logical screen 10x20 without colour table, then a 30x5 frame. */
#define G_HDR	"GIF89a\x0a\x00\x14\x00\x00\x00\x00"
#define G_FRAME	",\x00\x00\x00\x00\x1e\x00\x05\x00\x00"

/* WebP: RIFF header (its size is not checked), then the first chunk. */
#define W_RIFF	"RIFF\x00\x00\x00\x00WEBP"

static const struct {
	const char	*name;
	const char	*bytes;
	size_t		 len;		/* sizeof - 1 of the literal */
	enum ff_err	 want;
	enum img_type	 type;
	int		 w, h;
} probes[] = {
#define ROW(name, lit, er, t, w, h) { name, lit, sizeof(lit) - 1, er, t, w, h }
	/* JPEG */
	ROW("jpeg baseline", J_SOI J_APP0 J_SOF0, FF_OK, IMG_JPEG, 64, 48),
	ROW("jpeg no APP0", J_SOI J_SOF0, FF_OK, IMG_JPEG, 64, 48),
	ROW("jpeg progressive", J_SOI J_APP0 J_SOF("\xc2", "\x01", "\x80", "\x02", "\x80"),
	    FF_OK, IMG_JPEG, 640, 384),
	ROW("jpeg fill bytes", J_SOI "\xff\xff\xff" J_APP0 "\xff\xff" J_SOF0,
	    FF_OK, IMG_JPEG, 64, 48),
	ROW("jpeg decoy in APP1", J_SOI J_APP1_DECOY J_SOF0, FF_OK, IMG_JPEG, 64, 48),
	ROW("jpeg DHT first", J_SOI J_DHT J_SOF0, FF_OK, IMG_JPEG, 64, 48),
	ROW("jpeg stray bytes", J_SOI J_APP0 "\x12\x34" J_SOF0, FF_OK, IMG_JPEG, 64, 48),
	ROW("jpeg bomb 65000", J_SOI J_SOF("\xc0", "\xfd", "\xe8", "\xfd", "\xe8"),
	    FF_OK, IMG_JPEG, 65000, 65000),
	ROW("jpeg SOI only", J_SOI "\xff", FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg cut in APP0", J_SOI "\xff\xe0\x00\x10JF", FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg cut in length", J_SOI J_APP0 "\xff\xc0\x00", FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg cut in SOF", J_SOI J_APP0 "\xff\xc0\x00\x11\x08\x00\x30",
	    FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg short SOF", J_SOI "\xff\xc0\x00\x05\x08\x00\x30", FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg width 0", J_SOI J_SOF("\xc0", "\x00", "\x30", "\x00", "\x00"),
	    FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg height 0 (DNL)", J_SOI J_SOF("\xc0", "\x00", "\x00", "\x00", "\x40"),
	    FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg EOI first", J_SOI "\xff\xd9" J_SOF0, FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg SOS first", J_SOI "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" J_SOF0,
	    FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg two SOI", J_SOI "\xff\xd8" J_SOF0, FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg length 1", J_SOI "\xff\xe0\x00\x01" J_SOF0, FF_EIMAGE, IMG_JPEG, 0, 0),
	ROW("jpeg length past end", J_SOI "\xff\xe0\xff\xff\x00\x00", FF_EIMAGE, IMG_JPEG, 0, 0),
	/* PNG */
	ROW("png", P_SIG P_IHDR("\x00\x00\x01\x00", "\x00\x00\x00\x80"), FF_OK, IMG_PNG, 256, 128),
	ROW("png bomb 60000", P_SIG P_IHDR("\x00\x00\xea\x60", "\x00\x00\xea\x60"),
	    FF_OK, IMG_PNG, 60000, 60000),
	ROW("png cut", P_SIG "\x00\x00\x00\x0dIHDR\x00\x00", FF_EIMAGE, IMG_PNG, 0, 0),
	ROW("png signature only", P_SIG, FF_EIMAGE, IMG_PNG, 0, 0),
	ROW("png not IHDR", P_SIG "\x00\x00\x00\x0dIHDX\x00\x00\x01\x00\x00\x00\x00\x80"
	    "\x08\x02\x00\x00\x00\x12\x34\x56\x78", FF_EIMAGE, IMG_PNG, 0, 0),
	ROW("png IHDR length 12", P_SIG "\x00\x00\x00\x0cIHDR\x00\x00\x01\x00\x00\x00\x00\x80"
	    "\x08\x02\x00\x00\x00\x12\x34\x56\x78", FF_EIMAGE, IMG_PNG, 0, 0),
	ROW("png width 0", P_SIG P_IHDR("\x00\x00\x00\x00", "\x00\x00\x00\x80"),
	    FF_EIMAGE, IMG_PNG, 0, 0),
	ROW("png width 2^31", P_SIG P_IHDR("\x80\x00\x00\x00", "\x00\x00\x00\x80"),
	    FF_EIMAGE, IMG_PNG, 0, 0),
	/* GIF */
	ROW("gif frame wider than screen", G_HDR G_FRAME, FF_OK, IMG_GIF, 30, 20),
	ROW("gif colour table and extension",
	    "GIF89a\x0a\x00\x14\x00\x81\x00\x00" "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
	    "!\xf9\x04\x01\x00\x00\x00\x00" ",\x00\x00\x00\x00\x08\x00\x09\x00\x00",
	    FF_OK, IMG_GIF, 10, 20),
	ROW("gif stray byte", G_HDR "\x00" G_FRAME, FF_OK, IMG_GIF, 30, 20),
	ROW("gif bomb", "GIF87a\xff\xff\xff\xff\x00\x00\x00" ",\x00\x00\x00\x00\xff\xff\xff\xff\x00",
	    FF_OK, IMG_GIF, 65535, 65535),
	ROW("gif header only", "GIF89a", FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif cut in screen", "GIF89a\x0a\x00\x14", FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif cut in colour table", "GIF89a\x0a\x00\x14\x00\x81\x00\x00\x01\x02",
	    FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif cut in frame", G_HDR ",\x00\x00\x00\x00\x1e", FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif cut in extension", G_HDR "!\xf9\x04\x01\x00", FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif trailer first", G_HDR ";" G_FRAME, FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif no frame", G_HDR, FF_EIMAGE, IMG_GIF, 0, 0),
	ROW("gif frame 0 wide", G_HDR ",\x00\x00\x00\x00\x00\x00\x05\x00\x00",
	    FF_EIMAGE, IMG_GIF, 0, 0),
	/* WebP */
	ROW("webp lossy", W_RIFF "VP8 \x0a\x00\x00\x00" "\x10\x02\x00\x9d\x01\x2a\x40\x01\xf0\x00",
	    FF_OK, IMG_WEBP, 320, 240),
	ROW("webp lossy scale bits", W_RIFF "VP8 \x0a\x00\x00\x00"
	    "\x10\x02\x00\x9d\x01\x2a\x40\xc1\xf0\x40", FF_OK, IMG_WEBP, 320, 240),
	ROW("webp lossless", W_RIFF "VP8L\x05\x00\x00\x00\x2f\x63\x40\x0c\x00",
	    FF_OK, IMG_WEBP, 100, 50),
	ROW("webp extended", W_RIFF "VP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xe7\x03\x00\xf3\x01\x00",
	    FF_OK, IMG_WEBP, 1000, 500),
	ROW("webp extended bomb", W_RIFF "VP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff",
	    FF_OK, IMG_WEBP, 16777216, 16777216),
	ROW("webp lossy not key frame", W_RIFF "VP8 \x0a\x00\x00\x00"
	    "\x11\x02\x00\x9d\x01\x2a\x40\x01\xf0\x00", FF_EIMAGE, IMG_WEBP, 0, 0),
	ROW("webp lossy bad start code", W_RIFF "VP8 \x0a\x00\x00\x00"
	    "\x10\x02\x00\x9d\x01\x2b\x40\x01\xf0\x00", FF_EIMAGE, IMG_WEBP, 0, 0),
	ROW("webp lossless bad signature", W_RIFF "VP8L\x05\x00\x00\x00\x2e\x63\x40\x0c\x00",
	    FF_EIMAGE, IMG_WEBP, 0, 0),
	ROW("webp chunk past end", W_RIFF "VP8L\xff\x00\x00\x00\x2f\x63\x40\x0c\x00",
	    FF_EIMAGE, IMG_WEBP, 0, 0),
	ROW("webp unknown chunk", W_RIFF "ALPH\x05\x00\x00\x00\x2f\x63\x40\x0c\x00",
	    FF_EIMAGE, IMG_WEBP, 0, 0),
	ROW("webp header only", W_RIFF, FF_EIMAGE, IMG_WEBP, 0, 0),
	/* Not images */
	ROW("empty", "", FF_EMEDIATYPE, IMG_UNKNOWN, 0, 0),
	ROW("text", "Hello, this is a text file.\n", FF_EMEDIATYPE, IMG_UNKNOWN, 0, 0),
	ROW("html", "<!DOCTYPE html><html></html>", FF_EMEDIATYPE, IMG_UNKNOWN, 0, 0),
#undef ROW
};

START_TEST(probe_table)
{
	enum img_type	 t = (enum img_type)-1;
	enum ff_err	 er;
	int		 w = -1, h = -1;

	er = img_probe(probes[_i].bytes, probes[_i].len, &t, &w, &h);
	ck_assert_msg(er == probes[_i].want, "%s: got %s, want %s", probes[_i].name,
	    ff_strerror(er), ff_strerror(probes[_i].want));
	ck_assert_msg(t == probes[_i].type, "%s: type %d", probes[_i].name, t);
	if (er == FF_OK) {
		ck_assert_msg(w == probes[_i].w && h == probes[_i].h,
		    "%s: %dx%d, want %dx%d", probes[_i].name, w, h,
		    probes[_i].w, probes[_i].h);
	} else {
		/* On error the sizes are not touched. */
		ck_assert_int_eq(w, -1);
		ck_assert_int_eq(h, -1);
	}
}
END_TEST

/* Every prefix of a valid header either probes right or fails as damaged: never reads past len. */
START_TEST(probe_prefixes)
{
	static const char *const full[] = {
		J_SOI J_APP0 J_APP1_DECOY J_SOF0,
		P_SIG P_IHDR("\x00\x00\x01\x00", "\x00\x00\x00\x80"),
		G_HDR G_FRAME,
		W_RIFF "VP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xe7\x03\x00\xf3\x01\x00",
	};
	static const size_t flen[] = {
		sizeof(J_SOI J_APP0 J_APP1_DECOY J_SOF0) - 1,
		sizeof(P_SIG P_IHDR("\x00\x00\x01\x00", "\x00\x00\x00\x80")) - 1,
		sizeof(G_HDR G_FRAME) - 1,
		sizeof(W_RIFF "VP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xe7\x03\x00\xf3\x01\x00") - 1,
	};
	unsigned char	*copy;
	enum ff_err	 er;
	size_t		 k, n;
	int		 w, h;

	for (k = 0; k < LEN(full); k++)
		for (n = 0; n <= flen[k]; n++) {
			/* An exact-size heap copy, so ASan would see an over-read. */
			copy = malloc(n ? n : 1);
			memcpy(copy, full[k], n);
			er = img_probe(copy, n, NULL, &w, &h);
			free(copy);
			if (n == flen[k])
				ck_assert_msg(er == FF_OK, "header %zu whole: %s", k, ff_strerror(er));
			else
				ck_assert_msg(er == FF_EIMAGE || er == FF_EMEDIATYPE,
				    "header %zu cut at %zu: %s", k, n, ff_strerror(er));
		}
}
END_TEST

/* ---- Decoding ---- */

/* Each type round-trips through libgd's encoder with its size and colours. */
static const struct {
	enum img_type	 t;
	int		 tol;		/* colour tolerance per channel */
} rtrips[] = {
	{ IMG_JPEG, 24 },
	{ IMG_PNG, 0 },
	{ IMG_GIF, 4 },		/* palette quantisation */
	{ IMG_WEBP, 0 },		/* lossless */
};

START_TEST(decode_roundtrip)
{
	static const int	 upright[4] = { Q_A, Q_B, Q_C, Q_D };
	struct img_limits	 lim = { 50000000, 0, 0, 0 };
	gdImagePtr		 src = quad_image(), im = NULL;
	unsigned char		*d;
	int			 n, o = -1;

	d = encode(src, rtrips[_i].t, &n);
	ck_assert_int_eq(img_sniff(d, n), rtrips[_i].t);
	ck_assert_int_eq(img_decode(d, n, &lim, &im, &o), FF_OK);
	ck_assert_int_eq(o, 1);
	ck_assert_int_eq(gdImageSX(im), 64);
	ck_assert_int_eq(gdImageSY(im), 48);
	ck_assert(gdImageTrueColor(im));
	assert_quads(im, upright, rtrips[_i].tol, img_mime(rtrips[_i].t));
	gdImageDestroy(im);
	gdFree(d);
	gdImageDestroy(src);
}
END_TEST

/*
 * Truncated files: JPEG and GIF are the ones libgd would hand back as a
 * partly grey or partly blank image. Cut points are fractions of the file
 * and "all but the last bytes" (a missing EOI / GIF terminator).
 */
START_TEST(decode_truncated)
{
	struct img_limits	 lim = { 50000000, 0, 0, 0 };
	gdImagePtr		 src = quad_image(), im = NULL;
	unsigned char		*d;
	int			 n, k, cut;
	const int		 tail[] = { 1, 2, 3, 16 };
	enum ff_err		 er;

	d = encode(src, rtrips[_i].t, &n);
	for (k = 1; k < 8; k++) {
		cut = n * k / 8;
		er = img_decode(d, cut, &lim, &im, NULL);
		/* Cut inside the magic bytes, it is no longer recognisable. */
		ck_assert_msg(er == (img_sniff(d, cut) == IMG_UNKNOWN ?
		    FF_EMEDIATYPE : FF_EIMAGE), "%s cut at %d of %d: %s",
		    img_mime(rtrips[_i].t), cut, n, ff_strerror(er));
		ck_assert_ptr_null(im);
	}
	for (k = 0; k < (int)LEN(tail); k++) {
		/* A GIF without its final ';' trailer is still whole. */
		if (rtrips[_i].t == IMG_GIF && tail[k] == 1)
			continue;
		er = img_decode(d, n - tail[k], &lim, &im, NULL);
		ck_assert_msg(er == FF_EIMAGE, "%s without its last %d bytes: %s",
		    img_mime(rtrips[_i].t), tail[k], ff_strerror(er));
	}
	gdFree(d);
	gdImageDestroy(src);
}
END_TEST

START_TEST(decode_gif_without_trailer)
{
	gdImagePtr	 src = quad_image(), im = NULL;
	unsigned char	*d;
	int		 n;

	d = encode(src, IMG_GIF, &n);
	ck_assert_int_eq(d[n - 1], ';');
	ck_assert_int_eq(img_decode(d, n - 1, NULL, &im, NULL), FF_OK);
	gdImageDestroy(im);
	gdFree(d);
	gdImageDestroy(src);
}
END_TEST

/* A GIF whose screen is larger than its frame: the probe says the screen, the decode the frame. */
START_TEST(decode_gif_small_frame)
{
	struct img_limits	 lim = { 0, 0, 0, 0 };
	gdImagePtr		 src = quad_image(), im = NULL;
	unsigned char		*d;
	int			 n, w, h;

	d = encode(src, IMG_GIF, &n);
	d[6] = 100; d[7] = 0;		/* screen 100 x 90 */
	d[8] = 90; d[9] = 0;
	ck_assert_int_eq(img_probe(d, n, NULL, &w, &h), FF_OK);
	ck_assert_int_eq(w, 100);
	ck_assert_int_eq(h, 90);
	/* 100 * 90 = 9000 pixels declared: the limit applies to that. */
	lim.max_pixels = 8999;
	ck_assert_int_eq(img_decode(d, n, &lim, &im, NULL), FF_EPIXELS);
	lim.max_pixels = 9000;
	ck_assert_int_eq(img_decode(d, n, &lim, &im, NULL), FF_OK);
	ck_assert_int_eq(gdImageSX(im), 64);
	ck_assert_int_eq(gdImageSY(im), 48);
	gdImageDestroy(im);
	gdFree(d);
	gdImageDestroy(src);
}
END_TEST

/* The pixel limit is checked against width * height, inclusive. */
START_TEST(decode_limit_boundary)
{
	struct img_limits	 lim = { 64 * 48, 0, 0, 0 };
	gdImagePtr		 src = quad_image(), im = NULL;
	unsigned char		*d;
	int			 n;

	d = encode(src, rtrips[_i].t, &n);
	ck_assert_int_eq(img_decode(d, n, &lim, &im, NULL), FF_OK);
	gdImageDestroy(im);
	im = NULL;
	lim.max_pixels = 64 * 48 - 1;
	ck_assert_int_eq(img_decode(d, n, &lim, &im, NULL), FF_EPIXELS);
	ck_assert_ptr_null(im);
	gdFree(d);
	gdImageDestroy(src);
}
END_TEST

/* Decompression bombs: tiny files that declare billions of pixels. */
static const struct {
	const char	*name;
	const char	*bytes;
	size_t		 len;
} bombs[] = {
#define ROW(name, lit) { name, lit, sizeof(lit) - 1 }
	ROW("png 60000x60000", P_SIG P_IHDR("\x00\x00\xea\x60", "\x00\x00\xea\x60")
	    "\x00\x00\x00\x00IEND\xae\x42\x60\x82"),
	ROW("jpeg 65000x65000", J_SOI J_APP0 J_SOF("\xc0", "\xfd", "\xe8", "\xfd", "\xe8")
	    "\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00\x00\x00\xff\xd9"),
	ROW("gif 65535x65535", "GIF87a\xff\xff\xff\xff\x00\x00\x00"
	    ",\x00\x00\x00\x00\xff\xff\xff\xff\x00\x02\x02\x4c\x01\x00;"),
	ROW("webp 16777216^2", W_RIFF "VP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff"),
#undef ROW
};

START_TEST(decode_bomb)
{
	struct img_limits	 lim = { 50000000, 2048, 0, 0 };
	gdImagePtr		 im = NULL;
	double			 t0 = now();
	int			 k;

	/* A thousand times over, to make the time measurable. */
	for (k = 0; k < 1000; k++)
		ck_assert_msg(img_decode(bombs[_i].bytes, bombs[_i].len, &lim, &im, NULL) ==
		    FF_EPIXELS, "%s", bombs[_i].name);
	ck_assert_ptr_null(im);
	/* Allocating even one such image would take far longer than this. */
	ck_assert_msg(now() - t0 < 0.5, "%s: %.3f s for 1000 refusals",
	    bombs[_i].name, now() - t0);
}
END_TEST

/* Not images at all. */
START_TEST(decode_not_image)
{
	static const char	 text[] = "This is a plain text file, not a photo.\n";
	gdImagePtr		 im = NULL;
	int			 o = -1;

	ck_assert_int_eq(img_decode("", 0, NULL, &im, &o), FF_EMEDIATYPE);
	ck_assert_int_eq(img_decode(text, sizeof(text) - 1, NULL, &im, &o), FF_EMEDIATYPE);
	ck_assert_ptr_null(im);
	ck_assert_int_eq(o, -1);
}
END_TEST

/*
 * EXIF orientation through the whole path: the expected upright
 * quadrants were worked out by hand from EXIF 2.3 §4.6.4 for a stored
 * picture   A B
 *           C D
 */
static const struct {
	int	 o, w, h;
	int	 q[4];		/* upright top-left, top-right, bottom-left, bottom-right */
} orients[] = {
	{ 1, 64, 48, { Q_A, Q_B, Q_C, Q_D } },
	{ 2, 64, 48, { Q_B, Q_A, Q_D, Q_C } },
	{ 3, 64, 48, { Q_D, Q_C, Q_B, Q_A } },
	{ 4, 64, 48, { Q_C, Q_D, Q_A, Q_B } },
	{ 5, 48, 64, { Q_A, Q_C, Q_B, Q_D } },
	{ 6, 48, 64, { Q_C, Q_A, Q_D, Q_B } },
	{ 7, 48, 64, { Q_D, Q_B, Q_C, Q_A } },
	{ 8, 48, 64, { Q_B, Q_D, Q_A, Q_C } },
};

START_TEST(decode_orientation)
{
	struct img_limits	 lim = { 50000000, 0, 0, 0 };
	gdImagePtr		 src = quad_image(), im = NULL;
	unsigned char		*jpg, *withexif, app1[64];
	char			 what[32];
	int			 n, m, o = -1;

	jpg = encode(src, IMG_JPEG, &n);
	withexif = jpeg_insert_app1(jpg, n, app1, exif_orient_block(app1, orients[_i].o), &m);
	ck_assert_int_eq(img_decode(withexif, m, &lim, &im, &o), FF_OK);
	ck_assert_int_eq(o, orients[_i].o);
	ck_assert_int_eq(gdImageSX(im), orients[_i].w);
	ck_assert_int_eq(gdImageSY(im), orients[_i].h);
	snprintf(what, sizeof(what), "orientation %d", orients[_i].o);
	assert_quads(im, orients[_i].q, 24, what);
	gdImageDestroy(im);

	/* The same with a downscale: long side 32, still upright. */
	lim.max_side = 32;
	ck_assert_int_eq(img_decode(withexif, m, &lim, &im, &o), FF_OK);
	ck_assert_int_eq(gdImageSX(im), orients[_i].w / 2);
	ck_assert_int_eq(gdImageSY(im), orients[_i].h / 2);
	assert_quads(im, orients[_i].q, 24, what);
	gdImageDestroy(im);

	free(withexif);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* A malformed EXIF block or a bad value means "as stored", never an error. */
START_TEST(decode_bad_exif)
{
	static const int	 upright[4] = { Q_A, Q_B, Q_C, Q_D };
	gdImagePtr		 src = quad_image(), im = NULL;
	unsigned char		*jpg, *withexif, app1[64];
	size_t			 an;
	int			 n, m, o, k;

	jpg = encode(src, IMG_JPEG, &n);
	for (k = 0; k < 4; k++) {
		an = exif_orient_block(app1, 6);
		switch (k) {
		case 0:
			app1[25] = 9;		/* value out of range */
			break;
		case 1:
			an = 17;		/* IFD cut off */
			break;
		case 2:
			app1[13] = 200;		/* IFD0 offset past the end */
			break;
		case 3:
			app1[19] = 4;		/* LONG, not SHORT */
			break;
		}
		withexif = jpeg_insert_app1(jpg, n, app1, an, &m);
		o = -1;
		ck_assert_int_eq(img_decode(withexif, m, NULL, &im, &o), FF_OK);
		ck_assert_int_eq(o, 1);
		ck_assert_int_eq(gdImageSX(im), 64);
		assert_quads(im, upright, 24, "bad exif");
		gdImageDestroy(im);
		free(withexif);
	}
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* gd error messages seen by a logger passed to img_init(). */
static int	 logged;

static void
count_gd_messages(int priority, const char *fmt, va_list ap)
{
	(void)priority;
	(void)fmt;
	(void)ap;
	logged++;
}

/*
 * A marker in the middle of the entropy-coded data: structurally fine,
 * but libjpeg stops reading the scan there and greys out the rest
 * ("Corrupt JPEG data: premature end of data segment"), and libgd
 * still returns an image. It must come back as FF_EIMAGE.
 */
START_TEST(decode_corrupt_scan)
{
	gdImagePtr	 src = quad_image(), im = NULL;
	unsigned char	*jpg, *bad;
	size_t		 sos, at;
	int		 n;

	logged = 0;
	img_init(count_gd_messages);
	jpg = encode(src, IMG_JPEG, &n);
	sos = find_sos(jpg, n);
	at = sos + (n - sos) / 3;
	bad = malloc(n + 2);
	memcpy(bad, jpg, at);
	bad[at] = 0xff;
	bad[at + 1] = 0xd5;		/* RST5, with no restart interval defined */
	memcpy(bad + at + 2, jpg + at, n - at);

	ck_assert_int_eq(img_decode(jpg, n, NULL, &im, NULL), FF_OK);
	gdImageDestroy(im);
	im = NULL;
	ck_assert_int_eq(logged, 0);
	ck_assert_int_eq(img_decode(bad, n + 2, NULL, &im, NULL), FF_EIMAGE);
	ck_assert_ptr_null(im);
	/* The message was passed on to the logger, not swallowed. */
	ck_assert_int_gt(logged, 0);
	free(bad);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* Stray bytes between header segments: libjpeg only warns; the photo is whole. */
START_TEST(decode_benign_warning)
{
	gdImagePtr	 src = quad_image(), im = NULL;
	unsigned char	*jpg, *odd;
	int		 n, at;

	logged = 0;
	img_init(count_gd_messages);
	jpg = encode(src, IMG_JPEG, &n);
	/* Right after gd's APP0 JFIF segment. */
	ck_assert_int_eq(jpg[3], 0xe0);
	at = 4 + (jpg[4] << 8 | jpg[5]);
	ck_assert_int_eq(jpg[at], 0xff);
	odd = malloc(n + 3);
	memcpy(odd, jpg, at);
	memcpy(odd + at, "\x01\x02\x03", 3);
	memcpy(odd + at + 3, jpg + at, n - at);
	ck_assert_int_eq(img_decode(odd, n + 3, NULL, &im, NULL), FF_OK);
	ck_assert_int_eq(gdImageSX(im), 64);
	/* libjpeg did complain ("extraneous bytes"), and we let it pass. */
	ck_assert_int_gt(logged, 0);
	gdImageDestroy(im);
	im = NULL;
	/*
	 * The same file cut short: libgd passes on only the first libjpeg
	 * warning (the stray bytes), so "Premature end of JPEG file" is never
	 * seen; only our own walk to EOI can refuse it.
	 */
	at = (int)find_sos(odd, n + 3);
	at += (n + 3 - at) / 2;		/* half way through the scan */
	ck_assert_int_eq(img_decode(odd, at, NULL, &im, NULL), FF_EIMAGE);
	ck_assert_ptr_null(im);
	free(odd);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/*
 * Too many progressive scans: refused before libjpeg loops over them.
 * Both files are broken for libjpeg (no Huffman tables), so what tells
 * the rows apart is whether libjpeg ran at all: it complains when it does.
 */
static enum ff_err
decode_scans(size_t nscans)
{
	static const unsigned char	 sos[] =
	    "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" "\x12\x34";
	const size_t	 hl = sizeof(J_SOI J_SOF0) - 1, sl = sizeof(sos) - 1;
	unsigned char	*d, *p;
	size_t		 k, n = hl + nscans * sl + 2;
	gdImagePtr	 im = NULL;
	enum ff_err	 er;

	d = p = malloc(n);
	memcpy(p, J_SOI J_SOF0, hl);
	p += hl;
	for (k = 0; k < nscans; k++, p += sl)
		memcpy(p, sos, sl);
	memcpy(p, "\xff\xd9", 2);
	er = img_decode(d, n, NULL, &im, NULL);
	ck_assert_ptr_null(im);
	free(d);
	return er;
}

START_TEST(decode_too_many_scans)
{
	img_init(count_gd_messages);
	logged = 0;
	ck_assert_int_eq(decode_scans(501), FF_EIMAGE);
	ck_assert_int_eq(logged, 0);
	ck_assert_int_eq(decode_scans(500), FF_EIMAGE);
	ck_assert_int_gt(logged, 0);
}
END_TEST

/* ---- The decode budget (decode.h) ---- */

/*
 * A JPEG of markers only: SOF (marker m) of w x h with n components of
 * the given sampling bytes (ids 1..n), then one SOS per entry of scans,
 * each a string of component ids, then EOI. No tables and no entropy
 * data worth the name: img_cost() reads only the markers, and libjpeg
 * complains (logs) at once if it is ever run on it.
 */
static unsigned char *
jpeg_markers(unsigned m, int w, int h, int n, const unsigned char *samp,
    const char *const *scans, size_t nscans, size_t *len)
{
	unsigned char	*d, *p;
	size_t		 k, i, ns, cap = 32 + 3 * (size_t)n;

	for (k = 0; k < nscans; k++)
		cap += 16 + 2 * strlen(scans[k]);
	d = p = malloc(cap);
	*p++ = 0xff; *p++ = 0xd8;
	*p++ = 0xff; *p++ = (unsigned char)m;
	*p++ = 0; *p++ = (unsigned char)(8 + 3 * n);
	*p++ = 8;
	*p++ = (unsigned char)(h >> 8); *p++ = (unsigned char)h;
	*p++ = (unsigned char)(w >> 8); *p++ = (unsigned char)w;
	*p++ = (unsigned char)n;
	for (i = 0; i < (size_t)n; i++) {
		*p++ = (unsigned char)(i + 1);
		*p++ = samp[i];
		*p++ = 0;
	}
	for (k = 0; k < nscans; k++) {
		ns = strlen(scans[k]);
		*p++ = 0xff; *p++ = 0xda;
		*p++ = 0; *p++ = (unsigned char)(6 + 2 * ns);
		*p++ = (unsigned char)ns;
		for (i = 0; i < ns; i++) {
			*p++ = (unsigned char)(scans[k][i] - '0');
			*p++ = 0;
		}
		*p++ = 0; *p++ = 63; *p++ = 0;
		*p++ = 0x12; *p++ = 0x34;	/* "entropy data" */
	}
	*p++ = 0xff; *p++ = 0xd9;
	*len = (size_t)(p - d);
	return d;
}

static const unsigned char s420[] = { 0x22, 0x11, 0x11 };
static const unsigned char s444[] = { 0x11, 0x11, 0x11, 0x11 };
/* libjpeg's standard progressive script for YCbCr (jcparam.c). */
static const char *const std_scans[] = {
	"123", "1", "3", "2", "1", "1", "123", "3", "2", "1"
};
static const char *const one_scan[] = { "123" };
static const char *const y_scans[] = {
	"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1",
	"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1",
	"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1",
	"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1",
	"1", "1", "1", "1", "1", "1", "1", "1", "1"
};

START_TEST(budget_reference)
{
	struct img_cost max;

	img_budget(&max);
	/* 4032 x 3024 4:2:0: 504 x 378 luma blocks, 252 x 189 each chroma;
	 * six luma scans and four of each chroma, twice. */
	ck_assert_uint_eq(max.work, 2ull * (6 * 190512 + 8 * 47628));
	ck_assert_uint_eq(max.coef_blocks, 2ull * 285768);
	ck_assert_uint_eq(max.full_pixels, 8000000);
}
END_TEST

static const struct {
	const char		*name;
	unsigned		 sof;
	int			 w, h, n;
	const unsigned char	*samp;
	const char *const	*scans;
	size_t			 nscans;
	unsigned long long	 work, coef, full;
} costs[] = {
	{ "12 MP baseline, one scan", 0xc0, 4032, 3024, 3, s420, one_scan, 1,
	    285768, 0, 0 },
	{ "12 MP progressive, standard scans", 0xc2, 4032, 3024, 3, s420,
	    std_scans, 10, 1524096, 285768, 0 },
	{ "odd sizes round up to whole blocks", 0xc2, 4033, 3023, 3, s420,
	    one_scan, 1, 505 * 378 + 2 * 253 * 189, 505 * 378 + 2 * 253 * 189, 0 },
	{ "50 MP progressive, 65 luma scans", 0xc2, 7071, 7071, 3, s420,
	    y_scans, 65, 65ull * 884 * 884, 884 * 884 + 2 * 442 * 442, 0 },
	{ "sequential, two scans, buffers", 0xc0, 64, 48, 3, s420, std_scans, 2,
	    (48 + 2 * 12) + 48, 48 + 2 * 12, 0 },
	{ "CMYK: decoded whole by libgd", 0xc0, 1000, 1000, 4, s444, one_scan, 1,
	    3 * 125 * 125, 0, 1000000 },
};

START_TEST(cost_table)
{
	struct img_cost	 c;
	unsigned char	*d;
	size_t		 n;

	d = jpeg_markers(costs[_i].sof, costs[_i].w, costs[_i].h, costs[_i].n,
	    costs[_i].samp, costs[_i].scans, costs[_i].nscans, &n);
	ck_assert_int_eq(img_cost(d, n, &c), FF_OK);
	ck_assert_msg(c.work == costs[_i].work, "%s: work %llu, want %llu",
	    costs[_i].name, c.work, costs[_i].work);
	ck_assert_msg(c.coef_blocks == costs[_i].coef, "%s: coef %llu, want %llu",
	    costs[_i].name, c.coef_blocks, costs[_i].coef);
	ck_assert_msg(c.full_pixels == costs[_i].full, "%s: full %llu, want %llu",
	    costs[_i].name, c.full_pixels, costs[_i].full);
	ck_assert_int_eq(c.scans, (int)costs[_i].nscans);
	free(d);
}
END_TEST

START_TEST(cost_other_formats)
{
	static const char png[] = P_SIG P_IHDR("\x00\x00\x1b\x9f", "\x00\x00\x1b\x9f");
	struct img_cost	 c;

	ck_assert_int_eq(img_cost(png, sizeof(png) - 1, &c), FF_OK);
	ck_assert_uint_eq(c.full_pixels, 7071ull * 7071);
	ck_assert_uint_eq(c.work, 0);
	ck_assert_int_eq(img_cost("hello", 5, &c), FF_EMEDIATYPE);
}
END_TEST

/* At the budget a JPEG reaches libjpeg; one scan more and it never does.
 * Grey 2016 x 1512 is 47628 blocks a scan: 64 scans are the work budget. */
START_TEST(decode_budget_boundary)
{
	struct img_limits	 lim = { 0, 0, 1, 0 };
	static const unsigned char grey = 0x11;
	unsigned char		*d;
	gdImagePtr		 im = NULL;
	size_t			 n;

	img_init(count_gd_messages);
	logged = 0;
	d = jpeg_markers(0xc2, 2016, 1512, 1, &grey, y_scans, 65, &n);
	ck_assert_int_eq(img_decode(d, n, &lim, &im, NULL), FF_ECOST);
	ck_assert_int_eq(logged, 0);
	/* Without the budget the same bytes go to libjpeg. */
	ck_assert_int_eq(img_decode(d, n, NULL, &im, NULL), FF_EIMAGE);
	ck_assert_int_gt(logged, 0);
	free(d);
	logged = 0;
	d = jpeg_markers(0xc2, 2016, 1512, 1, &grey, y_scans, 64, &n);
	ck_assert_int_eq(img_decode(d, n, &lim, &im, NULL), FF_EIMAGE);
	ck_assert_int_gt(logged, 0);
	ck_assert_ptr_null(im);
	free(d);
}
END_TEST

/* Real files: a 12 MP progressive photo (libgd writes libjpeg's standard
 * scans) is decoded; a 24 MP one is over the budget as progressive and
 * within it as baseline; PNG up to the full-size pixel budget. */
static void *
flat_file(int w, int h, int type, int *n)
{
	gdImagePtr	 im = gdImageCreateTrueColor(w, h);
	void		*d;
	int		 x, y;

	for (y = 0; y < h; y += 7)
		for (x = 0; x < w; x += 7)
			gdImageSetPixel(im, x, y, gdTrueColor(x & 255, y & 255, 99));
	if (type == 'P') {
		d = gdImagePngPtrEx(im, n, 1);
	} else {
		gdImageInterlace(im, type == 'p');
		d = gdImageJpegPtr(im, n, 80);
	}
	gdImageDestroy(im);
	return d;
}

static const struct {
	int		 w, h, type;	/* 'p' progressive JPEG, 'b' baseline, 'P' PNG */
	enum ff_err	 want;
} real_costs[] = {
	{ 4032, 3024, 'p', FF_OK },
	{ 5800, 4400, 'p', FF_ECOST },
	{ 5800, 4400, 'b', FF_OK },
	{ 2828, 2828, 'P', FF_OK },
	{ 2829, 2829, 'P', FF_ECOST },
};

START_TEST(decode_budget_files)
{
	struct img_limits	 lim = { 50u * 1000 * 1000, 1600, 1, 0 };
	gdImagePtr		 im = NULL;
	void			*d;
	int			 n;

	d = flat_file(real_costs[_i].w, real_costs[_i].h, real_costs[_i].type, &n);
	ck_assert_int_eq(img_decode(d, (size_t)n, &lim, &im, NULL),
	    real_costs[_i].want);
	if (real_costs[_i].want == FF_OK) {
		ck_assert_ptr_nonnull(im);
		gdImageDestroy(im);
	} else
		ck_assert_ptr_null(im);
	gdFree(d);
}
END_TEST

/* ---- Real photos and files ---- */

static const char *
faces_dir(void)
{
	const char	*d = getenv("FF_FACES_DIR");

	return d != NULL ? d : "/work/shared/data/faces";
}

/* {max_side, want w, want h} for pic00001.jpg (361 x 384, no EXIF). */
static const struct {
	int	 max_side, w, h;
} photos[] = {
	{ 0, 361, 384 },
	{ 384, 361, 384 },	/* exactly at the limit: untouched */
	/* Decoded at 7/8 (336 >= 7/8 of 383): 361 * 7 / 8 = 315.9 -> 316. */
	{ 383, 316, 336 },
	/* At 2/8 (96, within 7/8 of 100): 361 / 4 = 90.25 -> 91. */
	{ 100, 91, 96 },
	/* 3/8 (144) is over 130 and 2/8 (96) under 7/8 of it: decoded at
	 * 3/8 (136 x 144), then resampled: 136 * 130 / 144 = 122.8. */
	{ 130, 123, 130 },
	{ 1, 1, 1 },
};

START_TEST(photo_sizes)
{
	struct img_limits	 lim = { 50000000, photos[_i].max_side, 0, 0 };
	char			 path[4096];
	gdImagePtr		 im = NULL;
	int			 o = -1;

	snprintf(path, sizeof(path), "%s/caltech-webfaces/images/pic00001.jpg", faces_dir());
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "check_decode: %s missing, photo test skipped\n", path);
		return;
	}
	ck_assert_int_eq(img_load_file(path, &lim, &im, &o), FF_OK);
	ck_assert_int_eq(o, 1);
	ck_assert_int_eq(gdImageSX(im), photos[_i].w);
	ck_assert_int_eq(gdImageSY(im), photos[_i].h);
	gdImageDestroy(im);
}
END_TEST

/* The downscale averages: a fine black/white checkerboard becomes mid-grey. */
START_TEST(downscale_averages)
{
	gdImagePtr	 im = gdImageCreateTrueColor(400, 200);
	int		 x, y, c;

	for (y = 0; y < 200; y++)
		for (x = 0; x < 400; x++)
			gdImageSetPixel(im, x, y, (x + y) % 2 ? 0xffffff : 0);
	ck_assert_int_eq(img_downscale(&im, 100), FF_OK);
	ck_assert_int_eq(gdImageSX(im), 100);
	ck_assert_int_eq(gdImageSY(im), 50);
	c = gdImageGetTrueColorPixel(im, 50, 25);
	ck_assert_msg(abs(gdTrueColorGetRed(c) - 128) < 12, "got %06x", c);
	gdImageDestroy(im);

	/* Small enough or no limit: the same image comes back. */
	im = gdImageCreateTrueColor(10, 300);
	{
		gdImagePtr	 same = im;

		ck_assert_int_eq(img_downscale(&im, 300), FF_OK);
		ck_assert_ptr_eq(im, same);
		ck_assert_int_eq(img_downscale(&im, 0), FF_OK);
		ck_assert_ptr_eq(im, same);
	}
	/* A very thin image keeps at least one pixel across. */
	ck_assert_int_eq(img_downscale(&im, 20), FF_OK);
	ck_assert_int_eq(gdImageSX(im), 1);
	ck_assert_int_eq(gdImageSY(im), 20);
	gdImageDestroy(im);
}
END_TEST

/*
 * The downscale against libgd's own area average (gdImageCopyResampled,
 * the previous implementation) as the reference, on a photo upscaled with
 * libgd plus deterministic noise (so a weight or a span off by one pixel
 * shows), or on the noise alone when the photo is missing. Rows are
 * {source w, source h, max_side}. Measured: mean absolute difference over
 * every channel 0.0002 at most, no channel off by more than 1 (float
 * against double rounding); the test allows mean 0.02, max 1. Truncating
 * instead of rounding gives about 0.5, nearest-neighbour sampling or a
 * half-pixel shift several units.
 */
static const struct {
	int	 w, h, side;
} refs[] = {
	{ 1000, 1063, 300 },	/* ratio 3.54, both axes fractional */
	{ 768, 722, 384 },	/* exactly 2: whole pixels only */
	{ 1203, 997, 1200 },	/* ratio 1.0025: nearly every weight split */
	{ 2000, 1333, 1600 },	/* the try-on cap, ratio 1.25 */
	{ 3, 701, 50 },		/* thin: the short side becomes 1 */
	{ 701, 5, 100 },
};

/* A deterministic w x h test picture: the photo scaled to size, plus noise. */
static gdImagePtr
ref_source(int w, int h)
{
	char		 path[4096];
	gdImagePtr	 photo = NULL, im;
	uint32_t	 seed = 12345u;
	int		 x, y, c, k, v[3], n;

	snprintf(path, sizeof(path), "%s/caltech-webfaces/images/pic00001.jpg", faces_dir());
	if (access(path, R_OK) == 0)
		ck_assert_int_eq(img_load_file(path, NULL, &photo, NULL), FF_OK);
	im = gdImageCreateTrueColor(w, h);
	ck_assert_ptr_nonnull(im);
	if (photo != NULL) {
		gdImageCopyResampled(im, photo, 0, 0, 0, 0, w, h,
		    gdImageSX(photo), gdImageSY(photo));
		gdImageDestroy(photo);
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			c = im->tpixels[y][x];
			v[0] = gdTrueColorGetRed(c);
			v[1] = gdTrueColorGetGreen(c);
			v[2] = gdTrueColorGetBlue(c);
			for (k = 0; k < 3; k++) {
				seed = seed * 1664525u + 1013904223u;
				n = (int)(seed >> 24) - 128;	/* -128..127 */
				v[k] += photo != NULL ? n / 4 : n;
				v[k] = v[k] < 0 ? 0 : v[k] > 255 ? 255 : v[k];
			}
			im->tpixels[y][x] = gdTrueColor(v[0], v[1], v[2]);
		}
	return im;
}

/* Mean and largest absolute difference of two same-sized images, per channel incl. alpha. */
static void
image_diff(gdImagePtr a, gdImagePtr b, double *mean, int *max)
{
	int		 x, y, k, d, ca, cb;
	double		 sum = 0;

	*max = 0;
	for (y = 0; y < gdImageSY(a); y++)
		for (x = 0; x < gdImageSX(a); x++) {
			ca = a->tpixels[y][x];
			cb = b->tpixels[y][x];
			for (k = 0; k < 32; k += 8) {
				d = abs(((ca >> k) & 0xff) - ((cb >> k) & 0xff));
				sum += d;
				if (d > *max)
					*max = d;
			}
		}
	*mean = sum / (4.0 * gdImageSX(a) * gdImageSY(a));
}

START_TEST(downscale_matches_gd)
{
	gdImagePtr	 im = ref_source(refs[_i].w, refs[_i].h), ref;
	double		 mean;
	int		 max;

	ck_assert_int_eq(img_downscale(&im, refs[_i].side), FF_OK);
	ref = gdImageCreateTrueColor(gdImageSX(im), gdImageSY(im));
	{
		gdImagePtr	 src = ref_source(refs[_i].w, refs[_i].h);

		gdImageCopyResampled(ref, src, 0, 0, 0, 0, gdImageSX(ref),
		    gdImageSY(ref), refs[_i].w, refs[_i].h);
		gdImageDestroy(src);
	}
	image_diff(im, ref, &mean, &max);
	ck_assert_msg(mean < 0.02 && max <= 1,
	    "%dx%d -> %dx%d: mean |diff| %.3f, max %d against gdImageCopyResampled",
	    refs[_i].w, refs[_i].h, gdImageSX(im), gdImageSY(im), mean, max);
	gdImageDestroy(im);
	gdImageDestroy(ref);
}
END_TEST

/*
 * Transparency is averaged premultiplied by opacity, as libgd does: its
 * own exact-colour test of gdImageCopyResampled checkers an opaque
 * (0,100,150) with (200,0,100) at alpha 64 and expects (66,66,133) at
 * alpha 32. A straight average would give (100,50,125).
 */
START_TEST(downscale_alpha)
{
	gdImagePtr	 im = gdImageCreateTrueColor(40, 40), ref;
	double		 mean;
	int		 x, y, c, max;

	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	for (y = 0; y < 40; y++)
		for (x = 0; x < 40; x++)
			im->tpixels[y][x] = (x + y) % 2 ? gdTrueColor(0, 100, 150) :
			    gdTrueColorAlpha(200, 0, 100, 64);
	ref = gdImageCreateTrueColor(10, 10);
	gdImageAlphaBlending(ref, 0);
	gdImageCopyResampled(ref, im, 0, 0, 0, 0, 10, 10, 40, 40);
	ck_assert_int_eq(img_downscale(&im, 10), FF_OK);
	ck_assert_int_eq(im->saveAlphaFlag, 1);
	for (y = 0; y < 10; y++)
		for (x = 0; x < 10; x++) {
			c = im->tpixels[y][x];
			ck_assert_msg(abs(gdTrueColorGetRed(c) - 66) <= 1 &&
			    abs(gdTrueColorGetGreen(c) - 66) <= 1 &&
			    abs(gdTrueColorGetBlue(c) - 133) <= 1 &&
			    abs(gdTrueColorGetAlpha(c) - 32) <= 1,
			    "(%d,%d) is %08x, want about (66,66,133) alpha 32", x, y, c);
		}
	image_diff(im, ref, &mean, &max);
	ck_assert_msg(max <= 1, "max |diff| %d against gdImageCopyResampled", max);
	gdImageDestroy(im);
	gdImageDestroy(ref);

	/* Wholly transparent stays wholly transparent. */
	im = gdImageCreateTrueColor(9, 9);
	gdImageAlphaBlending(im, 0);
	gdImageFilledRectangle(im, 0, 0, 8, 8, gdTrueColorAlpha(255, 0, 0, 127));
	ck_assert_int_eq(img_downscale(&im, 4), FF_OK);
	ck_assert_int_eq(gdTrueColorGetAlpha(im->tpixels[2][2]), 127);
	gdImageDestroy(im);
}
END_TEST

START_TEST(load_file_errors)
{
	char		 tmpl[] = "/tmp/check_decode.XXXXXX";
	gdImagePtr	 im = NULL;
	int		 fd;

	ck_assert_int_eq(img_load_file("/nonexistent/dir/photo.jpg", NULL, &im, NULL), FF_EIO);
	ck_assert_int_eq(img_load_file("/tmp", NULL, &im, NULL), FF_EIO);
	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "just some text\n", 15), 15);
	close(fd);
	ck_assert_int_eq(img_load_file(tmpl, NULL, &im, NULL), FF_EMEDIATYPE);
	/* Over IMG_FILE_MAX: a sparse file, so the test costs no disk. */
	ck_assert_int_eq(truncate(tmpl, (off_t)IMG_FILE_MAX + 1), 0);
	ck_assert_int_eq(img_load_file(tmpl, NULL, &im, NULL), FF_ETOOBIG);
	unlink(tmpl);
	ck_assert_ptr_null(im);
}
END_TEST

/* ---- The libjpeg path (jpeg.h) and the bytes stored (img_store_jpeg) ---- */

/* A photo-like gradient with detail, so the DCT has work to do. */
static gdImagePtr
busy_image(int w, int h)
{
	gdImagePtr	 im = gdImageCreateTrueColor(w, h);
	int		 x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			gdImageSetPixel(im, x, y, gdTrueColor((x * 7 + y) & 255,
			    (x ^ y) & 255, (y * 3) & 255));
	return im;
}

/* libjpeg straight into gd's rows gives libgd's own pixels, bit for bit. */
START_TEST(jpeg_decode_matches_gd)
{
	gdImagePtr	 src = busy_image(97, 61), a = NULL, b;
	unsigned char	*jpg;
	double		 mean;
	int		 n, max;

	jpg = encode(src, IMG_JPEG, &n);
	ck_assert_int_eq(jpeg_decode(jpg, (size_t)n, 97, 61, 0, 0, NULL, &a), FF_OK);
	b = gdImageCreateFromJpegPtr(n, jpg);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(gdImageSX(a), 97);
	ck_assert_int_eq(gdImageSY(a), 61);
	image_diff(a, b, &mean, &max);
	ck_assert_int_eq(max, 0);
	/* Opaque: the X byte libjpeg writes must not become gd alpha. */
	ck_assert_int_eq(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(a, 5, 5)), 0);
	/* A declared size that is not the file's is refused. */
	gdImageDestroy(a);
	a = NULL;
	ck_assert_int_eq(jpeg_decode(jpg, (size_t)n, 98, 61, 0, 0, NULL, &a), FF_EIMAGE);
	ck_assert_ptr_null(a);
	gdImageDestroy(b);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* Encoding: what libgd would write, within JPEG's own rounding. */
START_TEST(jpeg_encode_matches_gd)
{
	gdImagePtr	 src = busy_image(120, 80), a, b;
	void		*ours;
	unsigned char	*theirs;
	size_t		 n;
	double		 mean;
	int		 m, max;

	ck_assert_int_eq(jpeg_encode(src, 90, &ours, &n), FF_OK);
	theirs = gdImageJpegPtr(src, &m, 90);
	a = gdImageCreateFromJpegPtr((int)n, ours);
	b = gdImageCreateFromJpegPtr(m, theirs);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	image_diff(a, b, &mean, &max);
	ck_assert_msg(mean < 0.5 && max <= 8, "mean %.3f max %d", mean, max);
	image_diff(a, src, &mean, &max);
	ck_assert_msg(mean < 6, "mean %.3f against the source", mean);
	/* Within 2 % of libgd's size: same quality tables, same sampling. */
	ck_assert_msg(n > (size_t)m * 98 / 100 && n < (size_t)m * 102 / 100,
	    "%zu bytes against libgd's %d", n, m);
	gdImageDestroy(a);
	gdImageDestroy(b);
	free(ours);
	gdFree(theirs);
	gdImageDestroy(src);
}
END_TEST

/* Count the segments with marker m before the first SOS. */
static int
count_marker(const unsigned char *d, size_t n, unsigned m)
{
	size_t	 i = 2;
	int	 c = 0;

	while (i + 4 <= n && d[i] == 0xff && d[i + 1] != 0xda) {
		c += d[i + 1] == m;
		i += 2 + (size_t)(d[i + 2] << 8 | d[i + 3]);
	}
	return c;
}

/* d less its segments with marker m (before the first SOS); *n updated. */
static void
drop_marker(unsigned char *d, int *n, unsigned m)
{
	size_t	 i = 2, sl;

	while (i + 4 <= (size_t)*n && d[i] == 0xff && d[i + 1] != 0xda) {
		sl = 2 + (size_t)(d[i + 2] << 8 | d[i + 3]);
		if (d[i + 1] == m) {
			memmove(d + i, d + i + sl, (size_t)*n - i - sl);
			*n -= (int)sl;
		} else
			i += sl;
	}
}

/*
 * A JPEG as a phone sends it: EXIF (orientation 1) with a "GPS" note, a
 * comment, and a payload after EOI. Stored: the same entropy data and
 * pixels, none of the rest.
 */
START_TEST(store_strips_metadata)
{
	gdImagePtr	 src = busy_image(64, 48), im = NULL, back;
	unsigned char	*jpg, *withexif, *phone, app1[64];
	static const unsigned char com[] = "\xff\xfe\x00\x0dGPS 48.85 N";
	static const char tail[] = "<script>alert(1)</script>";
	void		*out;
	size_t		 outn, k;
	double		 mean;
	int		 n, m, pn, max;

	jpg = encode(src, IMG_JPEG, &n);
	drop_marker(jpg, &n, 0xfe);	/* libgd's own "CREATOR" comment */
	withexif = jpeg_insert_app1(jpg, n, app1, exif_orient_block(app1, 1), &m);
	pn = m + (int)sizeof(com) - 1 + (int)sizeof(tail) - 1;
	phone = malloc((size_t)pn);
	/* SOI, the APP1, the comment, the rest, the tail. */
	k = 2 + 2 + (size_t)(withexif[4] << 8 | withexif[5]);
	memcpy(phone, withexif, k);
	memcpy(phone + k, com, sizeof(com) - 1);
	memcpy(phone + k + sizeof(com) - 1, withexif + k, (size_t)m - k);
	memcpy(phone + m + sizeof(com) - 1, tail, sizeof(tail) - 1);
	ck_assert_int_eq(count_marker(phone, (size_t)pn, 0xe1), 1);
	ck_assert_int_eq(count_marker(phone, (size_t)pn, 0xfe), 1);

	ck_assert_int_eq(img_decode(phone, (size_t)pn, NULL, &im, NULL), FF_OK);
	ck_assert_int_eq(img_store_jpeg(phone, (size_t)pn, im, 90, &out, &outn), FF_OK);
	/* The original less the APP1 and COM segments and the tail. */
	ck_assert_uint_eq(outn, (size_t)n);
	ck_assert_int_eq(memcmp(out, jpg, (size_t)n), 0);
	ck_assert_int_eq(count_marker(out, outn, 0xe1), 0);
	ck_assert_int_eq(count_marker(out, outn, 0xfe), 0);
	ck_assert_int_eq(count_marker(out, outn, 0xe0), 1);	/* JFIF stays */
	back = gdImageCreateFromJpegPtr((int)outn, out);
	image_diff(back, im, &mean, &max);
	ck_assert_int_eq(max, 0);
	gdImageDestroy(back);
	free(out);
	gdImageDestroy(im);
	free(phone);
	free(withexif);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/*
 * Stray bytes after a dropped segment (libjpeg skips them with a warning)
 * must not be copied: right after SOI they made the stored copy no JPEG.
 * Found by fuzz_image.
 */
START_TEST(store_skips_stray_bytes)
{
	gdImagePtr	 src = busy_image(32, 24), im = NULL, back = NULL;
	static const unsigned char app1[] = "\xff\xe1\x00\x08" "Exif\0\0";
	unsigned char	*jpg, *odd;
	void		*out;
	size_t		 outn;
	int		 n, m;

	jpg = encode(src, IMG_JPEG, &n);
	m = n + (int)sizeof(app1) - 1 + 5;
	odd = malloc((size_t)m);
	memcpy(odd, jpg, 2);
	memcpy(odd + 2, app1, sizeof(app1) - 1);
	memcpy(odd + 2 + sizeof(app1) - 1, "junk!", 5);
	memcpy(odd + 2 + sizeof(app1) - 1 + 5, jpg + 2, (size_t)n - 2);
	ck_assert_int_eq(img_decode(odd, (size_t)m, NULL, &im, NULL), FF_OK);
	ck_assert_int_eq(img_store_jpeg(odd, (size_t)m, im, 90, &out, &outn), FF_OK);
	ck_assert_int_eq(img_sniff(out, outn), IMG_JPEG);
	ck_assert_ptr_null(memmem(out, outn, "junk!", 5));
	ck_assert_int_eq(img_decode(out, outn, NULL, &back, NULL), FF_OK);
	ck_assert_int_eq(gdImageSX(back), 32);
	gdImageDestroy(back);
	gdImageDestroy(im);
	free(out);
	free(odd);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* Pixels that are not the file's (turned upright, shrunk, or not a JPEG
 * at all) are encoded anew: a JPEG of im's size with no APP1. */
static const struct {
	enum img_type	 t;
	int		 orient, max_side, w, h;
} restores[] = {
	{ IMG_JPEG, 6, 0, 48, 64 },
	{ IMG_JPEG, 1, 32, 32, 24 },
	{ IMG_PNG, 0, 0, 64, 48 },
};

START_TEST(store_reencodes)
{
	struct img_limits	 lim = { 50000000, restores[_i].max_side, 0, 0 };
	gdImagePtr		 src = busy_image(64, 48), im = NULL, back;
	unsigned char		*data, *tagged = NULL, app1[64];
	void			*out;
	size_t			 outn;
	int			 n, m;

	data = encode(src, restores[_i].t, &n);
	if (restores[_i].orient > 0) {
		tagged = jpeg_insert_app1(data, n, app1,
		    exif_orient_block(app1, restores[_i].orient), &m);
	} else {
		tagged = malloc((size_t)n);
		memcpy(tagged, data, (size_t)n);
		m = n;
	}
	ck_assert_int_eq(img_decode(tagged, (size_t)m, &lim, &im, NULL), FF_OK);
	ck_assert_int_eq(img_store_jpeg(tagged, (size_t)m, im, 90, &out, &outn), FF_OK);
	ck_assert_int_eq(img_sniff(out, outn), IMG_JPEG);
	ck_assert_int_eq(count_marker(out, outn, 0xe1), 0);
	back = gdImageCreateFromJpegPtr((int)outn, out);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(gdImageSX(back), restores[_i].w);
	ck_assert_int_eq(gdImageSY(back), restores[_i].h);
	gdImageDestroy(back);
	free(out);
	gdImageDestroy(im);
	free(tagged);
	gdFree(data);
	gdImageDestroy(src);
}
END_TEST

/*
 * What a stored copy leaves out besides metadata: fill bytes (runs of
 * 0xFF, B.1.1.2, and their like inside entropy data) and APP2 beyond one
 * ICC profile whole in one segment. Each row pads a clean JPEG; the copy
 * is the clean JPEG again, plus the one ICC segment where one is kept.
 * The fill rows are the "800 px selfie padded with 14 MB", at
 * test size; the APP2 rows are a 13 MB bomb of profile chunks.
 */
enum pad {
	PAD_FILL_EOI,		/* 0xFF fill before EOI */
	PAD_FILL_HEAD,		/* 0xFF fill before the first segment */
	PAD_FILL_ENTROPY,	/* more 0xFF before a stuffed 0xFF00: not
				 * fill, and libjpeg-turbo reads other
				 * pixels without it, so it stays */
	PAD_ICC_CHUNKS,		/* a profile in 200 chunks of 64 KB */
	PAD_ICC_ONE,		/* a profile in one segment: kept */
	PAD_ICC_TWICE,		/* two one-segment profiles: the first kept */
	PAD_APP2_OTHER,		/* FlashPix and MPF segments */
};

#define REENCODED	((size_t)-1)

static const struct {
	enum pad	 pad;
	size_t		 n;	/* bytes of fill, or segments */
	size_t		 kept;	/* bytes of the padding the copy keeps;
				 * REENCODED: over the bound, encoded anew */
} pads[] = {
	{ PAD_FILL_EOI, 14u << 20, 0 },
	{ PAD_FILL_EOI, 1, 0 },
	{ PAD_FILL_HEAD, 1u << 20, 0 },
	{ PAD_FILL_ENTROPY, 1000, 1000 },
	{ PAD_FILL_ENTROPY, 1u << 20, REENCODED },
	{ PAD_ICC_CHUNKS, 200, 0 },
	{ PAD_ICC_ONE, 1, 4 + 14 + 500 },
	{ PAD_ICC_TWICE, 2, 4 + 14 + 500 },
	{ PAD_APP2_OTHER, 2, 0 },
};

/* d with k bytes of ins put in at offset at (malloc()ed, *m its size). */
static unsigned char *
splice(const unsigned char *d, size_t n, size_t at, const unsigned char *ins,
    size_t k, size_t *m)
{
	unsigned char *o = malloc(n + k);

	ck_assert_ptr_nonnull(o);
	memcpy(o, d, at);
	memcpy(o + at, ins, k);
	memcpy(o + at + k, d + at, n - at);
	*m = n + k;
	return o;
}

/* An APP2 segment: 0xFFE2, its length, the 12-byte name, then for an ICC
 * profile chunk seq of count and body bytes of profile. Into o; its size. */
static size_t
app2_seg(unsigned char *o, const char *name, int seq, int count, size_t body)
{
	size_t len = 2 + 12 + (count > 0 ? 2 : 0) + body, k = 4;

	o[0] = 0xff;
	o[1] = 0xe2;
	o[2] = (unsigned char)(len >> 8);
	o[3] = (unsigned char)(len & 0xff);
	memset(o + 4, 0, 12);
	memcpy(o + 4, name, strlen(name));
	k += 12;
	if (count > 0) {
		o[k++] = (unsigned char)seq;
		o[k++] = (unsigned char)count;
	}
	memset(o + k, 0x5a, body);
	return k + body;
}

START_TEST(store_drops_padding)
{
	gdImagePtr	 src = busy_image(64, 48), im = NULL, back;
	unsigned char	*jpg, *ins, *padded;
	const unsigned char *q;
	void		*out;
	size_t		 k = 0, at = 2, m, outn, i, sos;
	double		 mean;
	int		 n, max;

	jpg = encode(src, IMG_JPEG, &n);
	drop_marker(jpg, &n, 0xfe);
	ins = malloc(pads[_i].pad >= PAD_ICC_CHUNKS ? 200 * 65540 :
	    pads[_i].n);
	ck_assert_ptr_nonnull(ins);
	switch (pads[_i].pad) {
	case PAD_FILL_EOI:
		at = (size_t)n - 2;
		/* FALLTHROUGH */
	case PAD_FILL_HEAD:
		memset(ins, 0xff, k = pads[_i].n);
		break;
	case PAD_FILL_ENTROPY:
		/* Into the entropy data of the one scan, before an 0xFF00. */
		q = memmem(jpg, (size_t)n, "\xff\xda", 2);
		ck_assert_ptr_nonnull(q);
		sos = (size_t)(q - jpg);
		q = memmem(jpg + sos + 2, (size_t)n - sos - 2, "\xff\x00", 2);
		ck_assert_ptr_nonnull(q);
		at = (size_t)(q - jpg);
		memset(ins, 0xff, k = pads[_i].n);
		break;
	case PAD_ICC_CHUNKS:
		for (i = 0; i < pads[_i].n; i++)
			k += app2_seg(ins + k, "ICC_PROFILE", (int)i + 1,
			    (int)pads[_i].n, 65533 - 2 - 12 - 2);
		break;
	case PAD_ICC_ONE:
	case PAD_ICC_TWICE:
		for (i = 0; i < pads[_i].n; i++)
			k += app2_seg(ins + k, "ICC_PROFILE", 1, 1, 500);
		break;
	case PAD_APP2_OTHER:
		k += app2_seg(ins + k, "FPXR", 0, 0, 60000);
		k += app2_seg(ins + k, "MPF", 0, 0, 60000);
		break;
	}
	padded = splice(jpg, (size_t)n, at, ins, k, &m);

	ck_assert_int_eq(img_decode(padded, m, NULL, &im, NULL), FF_OK);
	ck_assert_int_eq(img_store_jpeg(padded, m, im, 90, &out, &outn), FF_OK);
	if (pads[_i].kept == REENCODED)
		ck_assert_uint_le(outn, img_store_bound(64, 48));
	else
		ck_assert_uint_eq(outn, (size_t)n + pads[_i].kept);
	if (pads[_i].kept == 0)
		ck_assert_int_eq(memcmp(out, jpg, (size_t)n), 0);
	else if (pads[_i].pad == PAD_FILL_ENTROPY && pads[_i].kept != REENCODED)
		ck_assert_int_eq(memcmp(out, padded, m), 0);
	else if (pads[_i].kept != REENCODED)	/* SOI, the ICC segment, the rest */
		ck_assert_int_eq(memcmp((unsigned char *)out + 2 +
		    pads[_i].kept, jpg + 2, (size_t)n - 2), 0);
	/* The pixels we decoded, those of the copy (or within JPEG's
	 * rounding of them). */
	back = gdImageCreateFromJpegPtr((int)outn, out);
	ck_assert_ptr_nonnull(back);
	image_diff(back, im, &mean, &max);
	if (pads[_i].kept == REENCODED)
		ck_assert_msg(mean < 6, "mean %.3f", mean);
	else
		ck_assert_int_eq(max, 0);
	gdImageDestroy(back);
	free(out);
	gdImageDestroy(im);
	free(padded);
	free(ins);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* The bound of a stored photo, bytes: 6 bits a pixel and 64 KB, at most
 * 2 MB. */
static const struct {
	int	 w, h;
	size_t	 bound;
} bounds[] = {
	{ 0, 0, 0 },
	{ -1, 100, 0 },
	{ 1, 1, 65536 },
	{ 800, 1000, 65536 + 600000 },
	{ 1600, 1600, 65536 + 1920000 },
	{ 1645, 1645, 65536 + 2029518 },
	{ 1646, 1646, 2097152 },
	{ 50000, 50000, 2097152 },
};

START_TEST(store_bound_table)
{
	ck_assert_uint_eq(img_store_bound(bounds[_i].w, bounds[_i].h),
	    bounds[_i].bound);
}
END_TEST

/*
 * A copy that keeps more than its pixels need is encoded anew: 200 APP0
 * segments of 64 KB (APP0 stays in a copy) make a 64 x 48 JPEG of 13 MB.
 */
START_TEST(store_over_bound_reencodes)
{
	gdImagePtr	 src = busy_image(64, 48), im = NULL, back;
	unsigned char	*jpg, *ins, *padded;
	void		*out;
	size_t		 k, m, outn, i;
	int		 n;

	jpg = encode(src, IMG_JPEG, &n);
	ins = malloc(200 * 65537);
	ck_assert_ptr_nonnull(ins);
	for (i = k = 0; i < 200; i++) {
		ins[k] = 0xff;
		ins[k + 1] = 0xe0;
		ins[k + 2] = 0xff;
		ins[k + 3] = 0xff;
		memset(ins + k + 4, 0, 65533);
		k += 65537;
	}
	padded = splice(jpg, (size_t)n, 2, ins, k, &m);
	ck_assert_int_eq(img_decode(padded, m, NULL, &im, NULL), FF_OK);
	ck_assert_int_eq(img_store_jpeg(padded, m, im, 90, &out, &outn), FF_OK);
	ck_assert_uint_le(outn, img_store_bound(64, 48));
	ck_assert_int_eq(count_marker(out, outn, 0xe0), 1);
	back = gdImageCreateFromJpegPtr((int)outn, out);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(gdImageSX(back), 64);
	gdImageDestroy(back);
	free(out);
	gdImageDestroy(im);
	free(padded);
	free(ins);
	gdFree(jpg);
	gdImageDestroy(src);
}
END_TEST

/* Noise at the stored size: too much for 2 MB at quality 90, so a lower
 * quality; never over IMG_STORE_MAX. */
START_TEST(store_noise_fits)
{
	gdImagePtr	 im = gdImageCreateTrueColor(1600, 1600);
	void		*out, *q90;
	size_t		 outn, n90;
	unsigned	 seed = 12345;
	int		 x, y;

	for (y = 0; y < 1600; y++)
		for (x = 0; x < 1600; x++) {
			seed = seed * 1103515245u + 12345u;
			gdImageSetPixel(im, x, y, (int)(seed >> 8 & 0xffffff));
		}
	ck_assert_int_eq(jpeg_encode(im, 90, &q90, &n90), FF_OK);
	ck_assert_uint_gt(n90, IMG_STORE_MAX);
	free(q90);
	ck_assert_int_eq(img_store_jpeg("", 0, im, 90, &out, &outn), FF_OK);
	ck_assert_uint_le(outn, IMG_STORE_MAX);
	ck_assert_int_eq(img_sniff(out, outn), IMG_JPEG);
	free(out);
	gdImageDestroy(im);
}
END_TEST

static Suite *
decode_suite(void)
{
	Suite	*s = suite_create("decode");
	TCase	*tc;

	tc = tcase_create("sniff");
	tcase_add_loop_test(tc, sniff_table, 0, LEN(sniffs));
	tcase_add_test(tc, mime_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("probe");
	tcase_add_loop_test(tc, probe_table, 0, LEN(probes));
	tcase_add_test(tc, probe_prefixes);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, decode_roundtrip, 0, LEN(rtrips));
	tcase_add_loop_test(tc, decode_truncated, 0, LEN(rtrips));
	tcase_add_test(tc, decode_gif_without_trailer);
	tcase_add_test(tc, decode_gif_small_frame);
	tcase_add_loop_test(tc, decode_limit_boundary, 0, LEN(rtrips));
	tcase_add_loop_test(tc, decode_bomb, 0, LEN(bombs));
	tcase_add_test(tc, decode_not_image);
	tcase_add_loop_test(tc, decode_orientation, 0, LEN(orients));
	tcase_add_test(tc, decode_bad_exif);
	tcase_add_test(tc, decode_corrupt_scan);
	tcase_add_test(tc, decode_benign_warning);
	tcase_add_test(tc, decode_too_many_scans);
	suite_add_tcase(s, tc);

	tc = tcase_create("budget");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, budget_reference);
	tcase_add_loop_test(tc, cost_table, 0, LEN(costs));
	tcase_add_test(tc, cost_other_formats);
	tcase_add_test(tc, decode_budget_boundary);
	tcase_add_loop_test(tc, decode_budget_files, 0, LEN(real_costs));
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_loop_test(tc, photo_sizes, 0, LEN(photos));
	tcase_add_test(tc, downscale_averages);
	tcase_add_loop_test(tc, downscale_matches_gd, 0, LEN(refs));
	tcase_add_test(tc, downscale_alpha);
	tcase_add_test(tc, load_file_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("jpeg");
	tcase_add_test(tc, jpeg_decode_matches_gd);
	tcase_add_test(tc, jpeg_encode_matches_gd);
	tcase_add_test(tc, store_strips_metadata);
	tcase_add_test(tc, store_skips_stray_bytes);
	tcase_add_loop_test(tc, store_reencodes, 0, LEN(restores));
	tcase_add_loop_test(tc, store_drops_padding, 0, LEN(pads));
	tcase_add_loop_test(tc, store_bound_table, 0, LEN(bounds));
	tcase_add_test(tc, store_over_bound_reencodes);
	tcase_add_test(tc, store_noise_fits);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(decode_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
