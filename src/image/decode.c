/*
 * decode.c: untrusted image bytes -> an upright, size-capped gdImage.
 *
 * Every header parser here reads bytes a client sent: each read is
 * preceded by a bounds check against the buffer length, and lengths read
 * from the file are compared by subtraction (len - i) so they cannot
 * overflow.
 *
 * What libgd 2.3.3 (Debian 12) does with damaged files, measured, and why
 * this file checks the structure itself before decoding:
 *  - JPEG: a truncated file is NOT an error for libgd. libjpeg warns
 *    "Premature end of JPEG file", fills the missing rows with grey and
 *    gdImageCreateFromJpegPtrEx() returns a full-size image, whatever
 *    ignore_warning is (ignore_warning=1 only suppresses the message).
 *    Corrupt entropy data ("bad Huffman code", ...) is likewise only a
 *    warning, passed to gd's process-wide error method, and only the
 *    first warning of a file is passed on at all. So we (a) walk the
 *    markers to EOI ourselves and refuse a file whose last scan does not
 *    end in EOI, and (b) install a gd error method that flags the
 *    corruption warnings for the decoding thread (img_init()).
 *  - GIF: a truncated LZW stream is not an error either (the rest of the
 *    frame stays colour 0), so we check that the first frame's data
 *    sub-blocks reach their terminator.
 *  - PNG, WebP: libpng and libwebp fail on truncation and libgd returns
 *    NULL, which we map to FF_EIMAGE.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <gd_errors.h>	/* GD_ERROR etc., the priorities of gdErrorMethod */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "image/decode.h"
#include "image/exif.h"
#include "image/jpeg.h"

/*
 * More scans than this in one JPEG is an attack, not a photo: each
 * progressive scan makes libjpeg pass over the whole coefficient buffer
 * (a typical progressive file has about 10). libjpeg-turbo's own fuzzers
 * use the same limit.
 */
#define JPEG_MAX_SCANS	500

/* JPEG components (T.81 B.2.2: Nf is at most 255, libjpeg takes 10). */
#define JPEG_MAX_COMPS	10

/* What the header says, as the decoder will see it. */
struct probe {
	int		 w, h;		/* declared size in pixels (GIF: max of screen, frame) */
	int		 fw, fh;	/* size libgd decodes to (GIF: the first frame) */
	/* JPEG, from SOFn and each SOS (full walk): what img_cost() counts. */
	int		 ncomp, progressive, scans;
	int		 comp_id[JPEG_MAX_COMPS];
	unsigned long long comp_blocks[JPEG_MAX_COMPS];
	unsigned long long work;
	const unsigned char *exif;	/* JPEG: first APP1 "Exif" payload, into the input */
	size_t		 exif_len;
	struct buf	*strip;		/* JPEG, full walk: the file less its metadata */
	int		 icc;		/* strip: an ICC profile was kept */
};

static uint16_t
be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le24(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint32_t
le32(const unsigned char *p)
{
	return le24(p) | (uint32_t)p[3] << 24;
}

enum img_type
img_sniff(const void *data, size_t len)
{
	static const unsigned char png_sig[8] =
	    { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	const unsigned char *p = data;

	if (p == NULL)
		return IMG_UNKNOWN;
	/* SOI and the 0xFF of the next marker (ITU T.81 §B.1.1.3). */
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMG_JPEG;
	if (len >= 8 && memcmp(p, png_sig, 8) == 0)
		return IMG_PNG;
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return IMG_GIF;
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return IMG_WEBP;
	return IMG_UNKNOWN;
}

const char *
img_mime(enum img_type t)
{
	switch (t) {
	case IMG_JPEG:
		return "image/jpeg";
	case IMG_PNG:
		return "image/png";
	case IMG_GIF:
		return "image/gif";
	case IMG_WEBP:
		return "image/webp";
	default:
		return NULL;
	}
}

/*
 * SOFn's component list (T.81 B.2.2): Nf, then per component its id,
 * sampling factors (H << 4 | V, each 1..4) and table. Each component's
 * size in 8x8 blocks is what libjpeg allocates for it (A.1.1: its
 * samples are ceil(X * H / Hmax) by ceil(Y * V / Vmax)).
 */
static enum ff_err
jpeg_components(const unsigned char *seg, size_t seglen, struct probe *pr)
{
	unsigned	 hmax = 1, vmax = 1, hs, vs, i, n;
	unsigned long long xs, ys;

	n = seg[5];
	if (n == 0 || n > JPEG_MAX_COMPS || seglen < 6 + 3 * (size_t)n)
		return FF_EIMAGE;
	for (i = 0; i < n; i++) {
		hs = seg[6 + 3 * i + 1] >> 4;
		vs = seg[6 + 3 * i + 1] & 15;
		if (hs < 1 || hs > 4 || vs < 1 || vs > 4)
			return FF_EIMAGE;
		hmax = hs > hmax ? hs : hmax;
		vmax = vs > vmax ? vs : vmax;
	}
	for (i = 0; i < n; i++) {
		hs = seg[6 + 3 * i + 1] >> 4;
		vs = seg[6 + 3 * i + 1] & 15;
		xs = ((unsigned long long)pr->w * hs + hmax - 1) / hmax;
		ys = ((unsigned long long)pr->h * vs + vmax - 1) / vmax;
		pr->comp_id[i] = seg[6 + 3 * i];
		pr->comp_blocks[i] = ((xs + 7) / 8) * ((ys + 7) / 8);
	}
	pr->ncomp = (int)n;
	return FF_OK;
}

/* One SOS (T.81 B.2.3: Ns, then Ns pairs of component id and tables):
 * libjpeg visits every block of each component the scan carries. */
static void
jpeg_scan_work(const unsigned char *seg, size_t seglen, struct probe *pr)
{
	unsigned	 ns, i;
	int		 k;

	if (seglen < 1)
		return;
	ns = seg[0];
	for (i = 0; i < ns && 1 + 2 * (size_t)i < seglen; i++)
		for (k = 0; k < pr->ncomp; k++)
			if (pr->comp_id[k] == seg[1 + 2 * i]) {
				pr->work += pr->comp_blocks[k];
				break;
			}
}

/*
 * Whether the stored copy keeps this APP2 segment: only the first ICC
 * profile (ICC.1:2010 B.4: "ICC_PROFILE\0", the chunk's number, the
 * number of chunks) and only when it is whole in this one segment, so a
 * profile is at most one segment's 64 KB. A profile in several chunks,
 * a second one, FlashPix and MPF (whose images after EOI are dropped
 * anyway) go: a re-encoded photo keeps no profile at all either.
 */
static int
icc_kept(const unsigned char *seg, size_t seglen, struct probe *pr)
{
	if (pr->icc || seglen < 14 || memcmp(seg, "ICC_PROFILE", 12) != 0 ||
	    seg[12] != 1 || seg[13] != 1)
		return 0;
	pr->icc = 1;
	return 1;
}

/*
 * JPEG (ITU T.81 Annex B): walk the marker segments from SOI. With
 * full == 0 stop at the first SOFn; with full == 1 go on through every
 * scan to EOI, skipping the entropy-coded data (B.1.1.5: 0xFF is followed
 * by a stuffed 0x00 or an RSTn inside it). Mirrors libjpeg where it is
 * lenient: bytes that are not a marker are skipped (it warns "extraneous
 * bytes") and any number of 0xFF fill bytes may precede a marker
 * (B.1.1.2), so the size we find is the size libjpeg allocates.
 */
static enum ff_err
probe_jpeg(const unsigned char *p, size_t len, int full, struct probe *pr)
{
	size_t		 i = 2, seglen, mstart, kept = 0;
	const unsigned char *seg, *q;
	unsigned	 m;
	int		 saw_sof = 0, scans = 0;

	for (;;) {
		/* To the next marker: skip stray bytes, then fill bytes. */
		mstart = i;
		while (i < len && p[i] != 0xff)
			i++;
		if (pr->strip != NULL && i > mstart) {
			/* Stray bytes (libjpeg skips them with a warning) are
			 * not copied: after a dropped segment they could
			 * follow SOI, and then the copy is no JPEG at all. */
			buf_append(pr->strip, p + kept, mstart - kept);
			kept = i;
		}
		mstart = i;
		while (i < len && p[i] == 0xff)
			i++;
		if (i >= len)
			return FF_EIMAGE;	/* truncated: no EOI */
		/* One 0xFF is the marker; the rest of the run is fill
		 * (B.1.1.2), which a decoder skips and the copy need not
		 * keep: a photo padded with it was stored padded. */
		if (pr->strip != NULL && i - mstart > 1) {
			buf_append(pr->strip, p + kept, mstart - kept);
			kept = i - 1;
		}
		mstart = i - 1;
		m = p[i++];

		if (m == 0x00)			/* a stuffed 0xFF00 out of place */
			continue;
		if (m == 0xd8)			/* a second SOI: libjpeg refuses it */
			return FF_EIMAGE;
		if (m == 0xd9) {		/* EOI: what follows is not JPEG */
			if (pr->strip != NULL)
				buf_append(pr->strip, p + kept, i - kept);
			return full && scans > 0 ? FF_OK : FF_EIMAGE;
		}
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;		/* TEM, RSTn: no length */

		/* Every other marker starts a segment with a 2-byte length. */
		if (len - i < 2)
			return FF_EIMAGE;
		seglen = be16(p + i);
		if (seglen < 2 || seglen > len - i)
			return FF_EIMAGE;
		seg = p + i + 2;
		seglen -= 2;
		i += seglen + 2;
		/*
		 * Metadata the stored copy drops: APP1 (EXIF, XMP: camera,
		 * time, often the place), APP3-APP13 (IPTC among them), APP15
		 * and comments, and APP2 but for one ICC profile whole in one
		 * segment (icc_kept()). APP0 (JFIF) and APP14 (Adobe: how to
		 * read the colours) stay.
		 */
		if (pr->strip != NULL && (m == 0xe1 || m == 0xfe || m == 0xef ||
		    (m >= 0xe3 && m <= 0xed) ||
		    (m == 0xe2 && !icc_kept(seg, seglen, pr)))) {
			buf_append(pr->strip, p + kept, mstart - kept);
			kept = i;
		}

		switch (m) {
		case 0xc0: case 0xc1: case 0xc2: case 0xc3:
		case 0xc5: case 0xc6: case 0xc7:
		case 0xc9: case 0xca: case 0xcb:
		case 0xcd: case 0xce: case 0xcf:
			/* SOFn (B.2.2): P, Y (lines), X (samples per line), Nf. */
			if (saw_sof || seglen < 6)
				return FF_EIMAGE;
			saw_sof = 1;
			pr->h = pr->fh = be16(seg + 1);
			pr->w = pr->fw = be16(seg + 3);
			/* Y = 0 means a DNL marker defines the height: libjpeg cannot. */
			if (pr->w == 0 || pr->h == 0)
				return FF_EIMAGE;
			if (!full)
				return FF_OK;
			/* SOF2, 6, 10, 14 are progressive (T.81 Table B.1). */
			pr->progressive = m == 0xc2 || m == 0xc6 || m == 0xca ||
			    m == 0xce;
			if (jpeg_components(seg, seglen, pr) != FF_OK)
				return FF_EIMAGE;
			break;
		case 0xe1:
			/* APP1: the first one holding EXIF (EXIF 2.3 §4.5.4). */
			if (pr->exif == NULL && seglen >= 6 &&
			    memcmp(seg, "Exif\0\0", 6) == 0) {
				pr->exif = seg;
				pr->exif_len = seglen;
			}
			break;
		case 0xda:
			/* SOS (B.2.3): entropy-coded data follows the header. */
			if (!saw_sof || ++scans > JPEG_MAX_SCANS)
				return FF_EIMAGE;
			pr->scans = scans;
			jpeg_scan_work(seg, seglen, pr);
			for (;;) {
				q = memchr(p + i, 0xff, len - i);
				if (q == NULL)
					return FF_EIMAGE;
				i = mstart = (size_t)(q - p);
				while (i < len && p[i] == 0xff)
					i++;
				if (i >= len)
					return FF_EIMAGE;
				/* A run before a stuffed 0x00 or an RSTn
				 * stays as it is: libjpeg-turbo's fast
				 * Huffman path reads 0xFF 0xFF as the end of
				 * the data, so one 0xFF there would be other
				 * pixels than the ones we decoded. */
				if (p[i] == 0x00 || (p[i] >= 0xd0 && p[i] <= 0xd7)) {
					i++;
					continue;
				}
				/* A real marker: the run before it is fill
				 * (B.1.1.2); back up onto its last 0xFF. */
				if (pr->strip != NULL && i - mstart > 1) {
					buf_append(pr->strip, p + kept,
					    mstart - kept);
					kept = i - 1;
				}
				i--;
				break;
			}
			break;
		default:
			break;
		}
	}
}

/* PNG (ISO 15948 §11.2.2): IHDR must be the first chunk, 13 bytes long. */
static enum ff_err
probe_png(const unsigned char *p, size_t len, struct probe *pr)
{
	uint32_t	 w, h;

	/* Signature, length, "IHDR", 13 bytes of data, CRC. */
	if (len < 8 + 8 + 13 + 4)
		return FF_EIMAGE;
	if (be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
		return FF_EIMAGE;
	w = be32(p + 16);
	h = be32(p + 20);
	/* §11.2.2: 0 is invalid, and both are at most 2^31 - 1. */
	if (w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX)
		return FF_EIMAGE;
	pr->w = pr->fw = (int)w;
	pr->h = pr->fh = (int)h;
	return FF_OK;
}

/* Skip GIF data sub-blocks (GIF89a §15) up to and past the 0 terminator. */
static int
gif_skip_blocks(const unsigned char *p, size_t len, size_t *i)
{
	size_t	 n;

	for (;;) {
		if (*i >= len)
			return 0;
		n = p[(*i)++];
		if (n == 0)
			return 1;
		if (n > len - *i)
			return 0;
		*i += n;
	}
}

/*
 * GIF (GIF89a §18 logical screen descriptor, §20 image descriptor). The
 * declared size is the larger of the screen and the first frame (a frame
 * may claim more than its screen); libgd decodes the first frame alone.
 * Bytes between blocks that are neither '!' nor ',' are skipped, as
 * libgd does. With full == 1 the frame's data must reach its terminator.
 */
static enum ff_err
probe_gif(const unsigned char *p, size_t len, int full, struct probe *pr)
{
	size_t		 i, ct;
	unsigned	 sw, sh, fw, fh;

	if (len < 13)
		return FF_EIMAGE;
	sw = le16(p + 6);
	sh = le16(p + 8);
	i = 13;
	if (p[10] & 0x80) {		/* global colour table: 3 * 2^(N+1) bytes */
		ct = (size_t)3 << ((p[10] & 7) + 1);
		if (ct > len - i)
			return FF_EIMAGE;
		i += ct;
	}
	for (;;) {
		if (i >= len)
			return FF_EIMAGE;
		switch (p[i++]) {
		case ';':		/* trailer before any image */
			return FF_EIMAGE;
		case '!':		/* extension: label, then sub-blocks */
			if (i >= len)
				return FF_EIMAGE;
			i++;
			if (!gif_skip_blocks(p, len, &i))
				return FF_EIMAGE;
			break;
		case ',':
			if (len - i < 9)
				return FF_EIMAGE;
			fw = le16(p + i + 4);
			fh = le16(p + i + 6);
			if (fw == 0 || fh == 0)
				return FF_EIMAGE;
			pr->fw = (int)fw;
			pr->fh = (int)fh;
			pr->w = (int)(fw > sw ? fw : sw);
			pr->h = (int)(fh > sh ? fh : sh);
			if (!full)
				return FF_OK;
			if (p[i + 8] & 0x80) {	/* local colour table */
				ct = (size_t)3 << ((p[i + 8] & 7) + 1);
				if (ct > len - i - 9)
					return FF_EIMAGE;
				i += ct;
			}
			i += 9;
			/* LZW minimum code size, then the data sub-blocks. */
			if (i >= len)
				return FF_EIMAGE;
			i++;
			return gif_skip_blocks(p, len, &i) ? FF_OK : FF_EIMAGE;
		default:
			break;
		}
	}
}

/*
 * WebP (RIFF container, RFC 9649 §2.5-2.7): the first chunk is VP8
 * (lossy), VP8L (lossless) or VP8X (extended, holding the canvas size).
 */
static enum ff_err
probe_webp(const unsigned char *p, size_t len, struct probe *pr)
{
	const unsigned char *c;
	uint32_t	 csize, w, h, bits;

	if (len < 20)
		return FF_EIMAGE;
	c = p + 20;			/* chunk payload */
	csize = le32(p + 16);
	if (csize > len - 20)
		return FF_EIMAGE;

	if (memcmp(p + 12, "VP8 ", 4) == 0) {
		/*
		 * RFC 6386 §9.1: 3-byte frame tag (bit 0 clear on a key
		 * frame), start code 9d 01 2a, then 14-bit width and height
		 * each with 2 scaling bits on top (which decoders ignore).
		 */
		if (csize < 10 || (c[0] & 1) != 0 ||
		    c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a)
			return FF_EIMAGE;
		w = le16(c + 6) & 0x3fff;
		h = le16(c + 8) & 0x3fff;
	} else if (memcmp(p + 12, "VP8L", 4) == 0) {
		/* RFC 9649 §3.2: signature 0x2f, then 14 bits each of width-1, height-1. */
		if (csize < 5 || c[0] != 0x2f)
			return FF_EIMAGE;
		bits = le32(c + 1);
		w = (bits & 0x3fff) + 1;
		h = ((bits >> 14) & 0x3fff) + 1;
	} else if (memcmp(p + 12, "VP8X", 4) == 0) {
		/* §2.7: flags, 3 reserved, 24 bits each of canvas width-1, height-1. */
		if (csize < 10)
			return FF_EIMAGE;
		w = le24(c + 4) + 1;
		h = le24(c + 7) + 1;
	} else
		return FF_EIMAGE;

	if (w == 0 || h == 0)
		return FF_EIMAGE;
	pr->w = pr->fw = (int)w;
	pr->h = pr->fh = (int)h;
	return FF_OK;
}

static enum ff_err
probe_any(const unsigned char *p, size_t len, enum img_type t, int full,
    struct probe *pr)
{
	memset(pr, 0, sizeof(*pr));
	switch (t) {
	case IMG_JPEG:
		return probe_jpeg(p, len, full, pr);
	case IMG_PNG:
		return probe_png(p, len, pr);
	case IMG_GIF:
		return probe_gif(p, len, full, pr);
	case IMG_WEBP:
		return probe_webp(p, len, pr);
	default:
		return FF_EMEDIATYPE;
	}
}

enum ff_err
img_probe(const void *data, size_t len, enum img_type *type, int *w, int *h)
{
	struct probe	 pr;
	enum img_type	 t;
	enum ff_err	 er;

	t = img_sniff(data, len);
	if (type != NULL)
		*type = t;
	if ((er = probe_any(data, len, t, 0, &pr)) != FF_OK)
		return er;
	if (w != NULL)
		*w = pr.w;
	if (h != NULL)
		*h = pr.h;
	return FF_OK;
}

/*
 * The gd error method (see img_init() in decode.h). tl_watch is -1 when
 * the thread is not decoding a JPEG, else it counts corruption warnings.
 */
static gdErrorMethod	 gd_next;
static pthread_once_t	 gd_once = PTHREAD_ONCE_INIT;
static _Thread_local int tl_watch = -1;

/*
 * libjpeg(-turbo) warnings (jerror.h) that mean pixels are missing or
 * garbage. Others are harmless and common in camera files, e.g.
 * "Corrupt JPEG data: N extraneous bytes before marker 0xd9".
 */
static const char *const jpeg_corrupt[] = {
	"Premature end of JPEG file",		/* JWRN_JPEG_EOF */
	"premature end of data segment",	/* JWRN_HIT_MARKER */
	"bad Huffman code",			/* JWRN_HUFF_BAD_CODE */
	"bad arithmetic code",			/* JWRN_ARITH_BAD_CODE */
	"instead of RST",			/* JWRN_MUST_RESYNC */
};

static void
gd_error_method(int priority, const char *fmt, va_list ap)
{
	char		 msg[256];
	va_list		 aq;
	size_t		 k;

	if (tl_watch >= 0) {
		va_copy(aq, ap);
		vsnprintf(msg, sizeof(msg), fmt, aq);
		va_end(aq);
		if (strstr(msg, "gd-jpeg") != NULL)
			for (k = 0; k < sizeof(jpeg_corrupt) / sizeof(jpeg_corrupt[0]); k++)
				if (strstr(msg, jpeg_corrupt[k]) != NULL)
					tl_watch++;
	}
	if (gd_next != NULL) {
		gd_next(priority, fmt, ap);
		return;
	}
	/* As libgd's own default method prints. */
	switch (priority) {
	case GD_ERROR:
		fputs("GD Error: ", stderr);
		break;
	case GD_WARNING:
		fputs("GD Warning: ", stderr);
		break;
	case GD_NOTICE:
		fputs("GD Notice: ", stderr);
		break;
	case GD_INFO:
		fputs("GD Info: ", stderr);
		break;
	case GD_DEBUG:
		fputs("GD Debug: ", stderr);
		break;
	}
	vfprintf(stderr, fmt, ap);
	fflush(stderr);
}

/* libjpeg's warnings on our own decoding path go where libgd's would. */
static void
gd_forward(int priority, const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	gd_error_method(priority, fmt, ap);
	va_end(ap);
}

static void
jpeg_warn(const char *msg)
{
	gd_forward(GD_WARNING, "jpeg: %s\n", msg);
}

static void
gd_install(void)
{
	gdSetErrorMethod(gd_error_method);
}

void
img_init(gdErrorMethod next)
{
	gd_next = next;
	pthread_once(&gd_once, gd_install);
}

/*
 * The downscale is an area average, the filter of gdImageCopyResampled():
 * each destination pixel is the mean of the source area it covers, a
 * source pixel cut by the area's edge counting by the fraction inside.
 * gdImageCopyResampled() computes that with doubles for every destination
 * pixel over its whole source rectangle, through per-pixel accessors:
 * 117 ms of the 141 ms that decoding a 3.8 MP JPEG to 1600 px took
 * (bench/bench_decode); this way takes 19 ms. The filter is separable, so
 * here it runs as two 1-D passes straight on gd's tpixels: each source row
 * is unpacked once into floats and added, weighted, into the destination
 * row(s) it overlaps, then each finished row is reduced across; a pixel
 * is one 4-float vector throughout. Colours are averaged premultiplied by
 * opacity, as libgd does, so a transparent pixel's colour does not bleed
 * into its neighbours. The result matches libgd's to within rounding.
 */

/* Along one axis: destination index j averages source [first, first + n). */
struct span {
	int	 first, n;
	size_t	 w;		/* index of its first weight in the weight array */
};

/*
 * The spans and weights of one axis, from src to dst pixels (dst <= src).
 * In units of 1/dst source pixel, destination j covers [j*src, (j+1)*src)
 * and source i covers [i*dst, (i+1)*dst): the overlaps are exact integers
 * that sum to src for every j. The weights are those over src. The caller
 * frees *spans and *weights.
 */
static void
axis_weights(int src, int dst, struct span **spans, float **weights)
{
	struct span	*sp = xcalloc((size_t)dst, sizeof(*sp));
	float		*wt = xcalloc((size_t)src + (size_t)dst, sizeof(*wt));
	uint64_t	 lo, hi, a, b;
	size_t		 k = 0;
	int		 j, i;

	for (j = 0; j < dst; j++) {
		lo = (uint64_t)j * (uint64_t)src;
		hi = lo + (uint64_t)src;
		sp[j].first = (int)(lo / (uint64_t)dst);
		sp[j].w = k;
		for (i = sp[j].first; i < src && (uint64_t)i * (uint64_t)dst < hi; i++) {
			a = (uint64_t)i * (uint64_t)dst;
			b = a + (uint64_t)dst;
			if (a < lo)
				a = lo;
			if (b > hi)
				b = hi;
			wt[k++] = (float)((double)(b - a) / (double)src);
		}
		sp[j].n = i - sp[j].first;
	}
	*spans = sp;
	*weights = wt;
}

/*
 * One pixel as four floats (GCC >= 12 and Clang vector extensions; plain
 * SSE2 on x86-64, NEON on arm64): blue, green, red premultiplied by the opacity,
 * then the opacity o = 127 - alpha (libgd's alpha is 7 bits, 127 is
 * transparent). Each step below is then one vector operation per pixel.
 */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

/* acc[0..n) += f * row[0..n): the downward pass, the bulk of the work. */
static void
row_add(v4f *restrict acc, const v4f *restrict row, float f, int n)
{
	int	 x;

	for (x = 0; x < n; x++)
		acc[x] += f * row[x];
}

/*
 * A source row of gd pixels as premultiplied vectors. Four pixels at a
 * time: the channels come out planar (four blues, four greens, ...), are
 * converted and premultiplied four at once, then transposed to one vector
 * per pixel (a 4x4 transpose: SSE2's unpck/movlh/movhl shuffles). Four
 * times faster than one pixel at a time, for which compilers convert
 * each channel on its own.
 */
static void
row_unpack(const int *px, int w, v4f *out)
{
	v4i	 p;
	v4f	 b, g, r, o, t0, t1, t2, t3;
	int	 x, c;
	float	 oc;

	for (x = 0; x + 4 <= w; x += 4) {
		memcpy(&p, px + x, sizeof(p));
		/* gd pixels are 0x00..7f alpha, then 8-bit red, green, blue. */
		o = (float)gdAlphaMax -
		    __builtin_convertvector((p >> 24) & 0x7f, v4f);
		b = __builtin_convertvector(p & 0xff, v4f) * o;
		g = __builtin_convertvector((p >> 8) & 0xff, v4f) * o;
		r = __builtin_convertvector((p >> 16) & 0xff, v4f) * o;
		t0 = __builtin_shufflevector(b, g, 0, 4, 1, 5);
		t1 = __builtin_shufflevector(r, o, 0, 4, 1, 5);
		t2 = __builtin_shufflevector(b, g, 2, 6, 3, 7);
		t3 = __builtin_shufflevector(r, o, 2, 6, 3, 7);
		out[x] = __builtin_shufflevector(t0, t1, 0, 1, 4, 5);
		out[x + 1] = __builtin_shufflevector(t0, t1, 2, 3, 6, 7);
		out[x + 2] = __builtin_shufflevector(t2, t3, 0, 1, 4, 5);
		out[x + 3] = __builtin_shufflevector(t2, t3, 2, 3, 6, 7);
	}
	for (; x < w; x++) {
		c = px[x];
		oc = (float)(gdAlphaMax - gdTrueColorGetAlpha(c));
		out[x] = (v4f){ (float)gdTrueColorGetBlue(c),
		    (float)gdTrueColorGetGreen(c), (float)gdTrueColorGetRed(c),
		    0 } * oc + (v4f){ 0, 0, 0, oc };
	}
}

/* x clamped to [lo, hi], lane by lane (vector ?: is C++ only). */
static v4i
v4i_clamp(v4i x, int lo, int hi)
{
	v4i	 m;

	m = x < lo;
	x = (x & ~m) | ((v4i){ lo, lo, lo, lo } & m);
	m = x > hi;
	return (x & ~m) | ((v4i){ hi, hi, hi, hi } & m);
}

/*
 * Four premultiplied averages back to gd pixels, rounded to nearest: the
 * transpose of row_unpack(), then the division by the opacity and the
 * packing, four pixels at once. A pixel with (almost) nothing opaque under
 * it is transparent black. An average of 0..255 stays within 0..255.5:
 * the clamps only catch float rounding.
 */
static void
px_pack4(const v4f *s, int *out)
{
	v4f	 t0, t1, t2, t3, b, g, r, o, inv;
	v4i	 clear, px;

	t0 = __builtin_shufflevector(s[0], s[1], 0, 4, 1, 5);
	t1 = __builtin_shufflevector(s[2], s[3], 0, 4, 1, 5);
	t2 = __builtin_shufflevector(s[0], s[1], 2, 6, 3, 7);
	t3 = __builtin_shufflevector(s[2], s[3], 2, 6, 3, 7);
	b = __builtin_shufflevector(t0, t1, 0, 1, 4, 5);
	g = __builtin_shufflevector(t0, t1, 2, 3, 6, 7);
	r = __builtin_shufflevector(t2, t3, 0, 1, 4, 5);
	o = __builtin_shufflevector(t2, t3, 2, 3, 6, 7);
	clear = o < 0.5f;
	/* Clear lanes divide by 1 instead of about 0; they are replaced below. */
	inv = 1.0f / (o + (__builtin_convertvector(clear & 1, v4f)));
	px = v4i_clamp(__builtin_convertvector(b * inv + 0.5f, v4i), 0, 255) |
	    v4i_clamp(__builtin_convertvector(g * inv + 0.5f, v4i), 0, 255) << 8 |
	    v4i_clamp(__builtin_convertvector(r * inv + 0.5f, v4i), 0, 255) << 16 |
	    v4i_clamp(gdAlphaMax - __builtin_convertvector(o + 0.5f, v4i), 0,
	    gdAlphaMax) << 24;
	px = (px & ~clear) | ((gdAlphaTransparent << 24) & clear);
	memcpy(out, &px, sizeof(px));
}

/* Area-average the truecolor src into dst (nw x nh, both no larger). */
static void
downscale_area(gdImagePtr src, gdImagePtr dst)
{
	struct span	*sx, *sy;
	float		*wx, *wy;
	v4f		*acc, *row, *sum;
	const v4f	*p;
	const float	*f;
	int		 w = gdImageSX(src), h = gdImageSY(src);
	int		 nw = gdImageSX(dst), nh = gdImageSY(dst);
	int		 x, y, i, k, have = -1, tail[4];

	axis_weights(w, nw, &sx, &wx);
	axis_weights(h, nh, &sy, &wy);
	/* malloc's alignment (16 on x86-64 and arm64) suits v4f. */
	acc = xcalloc((size_t)w, sizeof(*acc));
	row = xcalloc((size_t)w, sizeof(*row));
	/* Padded to whole groups of four for px_pack4(). */
	sum = xcalloc((size_t)nw + 3, sizeof(*sum));

	for (y = 0; y < nh; y++) {
		/* Down: the weighted sum of the source rows under this row. */
		memset(acc, 0, (size_t)w * sizeof(*acc));
		for (k = 0; k < sy[y].n; k++) {
			i = sy[y].first + k;
			/* Neighbouring rows share at most one source row. */
			if (i != have) {
				row_unpack(src->tpixels[i], w, row);
				have = i;
			}
			row_add(acc, row, wy[sy[y].w + (size_t)k], w);
		}
		/* Across. */
		for (x = 0; x < nw; x++) {
			sum[x] = (v4f){ 0, 0, 0, 0 };
			p = acc + sx[x].first;
			f = wx + sx[x].w;
			for (k = 0; k < sx[x].n; k++)
				sum[x] += f[k] * p[k];
		}
		for (x = 0; x + 4 <= nw; x += 4)
			px_pack4(sum + x, dst->tpixels[y] + x);
		if (x < nw) {
			px_pack4(sum + x, tail);
			memcpy(dst->tpixels[y] + x, tail, (size_t)(nw - x) * sizeof(int));
		}
	}
	free(sx);
	free(sy);
	free(wx);
	free(wy);
	free(acc);
	free(row);
	free(sum);
}

enum ff_err
img_downscale(gdImagePtr *im, int max_side)
{
	gdImagePtr	 src = *im, dst;
	int		 w, h, nw, nh;

	w = gdImageSX(src);
	h = gdImageSY(src);
	if (max_side <= 0 || (w <= max_side && h <= max_side))
		return FF_OK;
	/* The long side becomes max_side; the short one is rounded, at least 1. */
	if (w >= h) {
		nw = max_side;
		nh = (int)(((uint64_t)h * max_side + w / 2) / w);
	} else {
		nh = max_side;
		nw = (int)(((uint64_t)w * max_side + h / 2) / h);
	}
	if (nw < 1)
		nw = 1;
	if (nh < 1)
		nh = 1;

	if ((dst = gdImageCreateTrueColor(nw, nh)) == NULL)
		return FF_ENOMEM;
	/* Copy alpha as it is rather than blending it onto black. */
	gdImageAlphaBlending(dst, 0);
	gdImageSaveAlpha(dst, src->saveAlphaFlag);
	if (gdImageTrueColor(src))
		downscale_area(src, dst);
	else	/* a palette image: libgd's own resample reads its colours */
		gdImageCopyResampled(dst, src, 0, 0, 0, 0, nw, nh, w, h);
	gdImageDestroy(src);
	*im = dst;
	return FF_OK;
}

/* The cost of what a full probe found (decode.h). */
static void
cost_of(enum img_type t, const struct probe *pr, struct img_cost *c)
{
	int k;

	memset(c, 0, sizeof(*c));
	if (t == IMG_JPEG) {
		c->work = pr->work;
		c->scans = pr->scans;
		if (pr->progressive || pr->scans > 1)
			for (k = 0; k < pr->ncomp; k++)
				c->coef_blocks += pr->comp_blocks[k];
		/* CMYK and YCCK: libgd decodes them whole (img_decode()). */
		if (pr->ncomp == 4)
			c->full_pixels = (unsigned long long)pr->w * pr->h;
	} else
		c->full_pixels = (unsigned long long)pr->w * pr->h;
}

void
img_budget(struct img_cost *max)
{
	unsigned long long y, c;

	/* The reference in 8x8 blocks: luma whole, each chroma at half the
	 * width and half the height (4:2:0). libjpeg's standard scan script
	 * (jpeg_simple_progression) carries luma in six scans and each
	 * chroma component in four. */
	y = (unsigned long long)((IMG_REF_W + 7) / 8) * ((IMG_REF_H + 7) / 8);
	c = (unsigned long long)((IMG_REF_W / 2 + 7) / 8) *
	    ((IMG_REF_H / 2 + 7) / 8);
	max->work = IMG_BUDGET_RATIO * (6 * y + 2 * 4 * c);
	max->coef_blocks = IMG_BUDGET_RATIO * (y + 2 * c);
	max->full_pixels = IMG_BUDGET_FULL_PIXELS;
	max->scans = JPEG_MAX_SCANS;
}

enum ff_err
img_cost(const void *data, size_t len, struct img_cost *c)
{
	struct probe	 pr;
	enum img_type	 t;
	enum ff_err	 er;

	if ((t = img_sniff(data, len)) == IMG_UNKNOWN)
		return FF_EMEDIATYPE;
	if ((er = probe_any(data, len, t, 1, &pr)) != FF_OK)
		return er;
	cost_of(t, &pr, c);
	return FF_OK;
}

double
img_budget_share(const struct img_cost *c)
{
	struct img_cost	 max;
	double		 v = 0, x;

	img_budget(&max);
	if ((x = (double)c->work / max.work) > v)
		v = x;
	if ((x = (double)c->coef_blocks / max.coef_blocks) > v)
		v = x;
	if ((x = (double)c->full_pixels / max.full_pixels) > v)
		v = x;
	return v;
}

enum ff_err
img_decode(const void *data, size_t len, const struct img_limits *lim,
    gdImagePtr *out, int *orientation)
{
	struct probe	 pr;
	struct img_cost	 cost;
	enum img_type	 t;
	enum ff_err	 er;
	gdImagePtr	 im = NULL;
	void		*d = (void *)(uintptr_t)data;	/* libgd only reads it */
	int		 o = 1, n, corrupt = 0;

	if ((t = img_sniff(data, len)) == IMG_UNKNOWN)
		return FF_EMEDIATYPE;
	if (len > INT_MAX)
		return FF_ETOOBIG;
	n = (int)len;

	/* The header alone: refuse a decompression bomb before any allocation. */
	if ((er = probe_any(data, len, t, 0, &pr)) != FF_OK)
		return er;
	if (lim != NULL && lim->max_pixels > 0 &&
	    (uint64_t)pr.w * (uint64_t)pr.h > lim->max_pixels)
		return FF_EPIXELS;
	/* Then the whole structure, which libgd would let pass (see top),
	 * and what decoding it would cost. */
	if ((er = probe_any(data, len, t, 1, &pr)) != FF_OK)
		return er;
	if (lim != NULL && lim->budget) {
		cost_of(t, &pr, &cost);
		/* Not shrunk while decoding: every pixel is held at once. */
		if (lim->max_side <= 0)
			cost.full_pixels = (unsigned long long)pr.w * pr.h;
		if (img_budget_share(&cost) > 1)
			return FF_ECOST;
	}

	pthread_once(&gd_once, gd_install);
	if (t == IMG_JPEG) {
		/* libjpeg straight into gd's rows, shrunk in the DCT (jpeg.h). */
		er = jpeg_decode(data, len, pr.fw, pr.fh,
		    lim != NULL ? lim->max_side : 0,
		    lim != NULL && lim->exact_side, jpeg_warn, &im);
		if (er == FF_OK)
			goto decoded;
		if (er != FF_EMEDIATYPE)	/* CMYK: libgd converts it */
			return er;
	}
	switch (t) {
	case IMG_JPEG:
		tl_watch = 0;
		/* ignore_warning = 0 so that the warnings reach gd_error_method. */
		im = gdImageCreateFromJpegPtrEx(n, d, 0);
		corrupt = tl_watch > 0;
		tl_watch = -1;
		break;
	case IMG_PNG:
		im = gdImageCreateFromPngPtr(n, d);
		break;
	case IMG_GIF:
		im = gdImageCreateFromGifPtr(n, d);
		break;
	case IMG_WEBP:
		im = gdImageCreateFromWebpPtr(n, d);
		break;
	default:
		break;
	}
	if (im == NULL || corrupt) {
		er = FF_EIMAGE;
		goto fail;
	}
	/* The decoder must agree with the header we checked the limit on. */
	if (gdImageSX(im) != pr.fw || gdImageSY(im) != pr.fh) {
		er = FF_EIMAGE;
		goto fail;
	}
decoded:
	/* GIF and palette PNGs come as palette images. */
	if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
		er = FF_ENOMEM;
		goto fail;
	}
	/* Shrink first: the orientation then moves fewer pixels. */
	if (lim != NULL && (er = img_downscale(&im, lim->max_side)) != FF_OK)
		goto fail;
	if (t == IMG_JPEG) {
		o = img_exif_orientation(pr.exif, pr.exif_len);
		if ((er = img_orient(&im, o)) != FF_OK)
			goto fail;
	}

	*out = im;
	if (orientation != NULL)
		*orientation = o;
	return FF_OK;
fail:
	if (im != NULL)
		gdImageDestroy(im);
	return er;
}

enum ff_err
img_load_file(const char *path, const struct img_limits *lim,
    gdImagePtr *out, int *orientation)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 len = 0, cap;
	ssize_t		 r;
	enum ff_err	 er;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return FF_EIO;
	if (fstat(fd, &st) == -1) {
		er = FF_EIO;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > IMG_FILE_MAX) {
		er = FF_ETOOBIG;
		goto out;
	}
	/* The size is a hint only (the file may grow); read to EOF, bounded. */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > IMG_FILE_MAX) {
				er = FF_ETOOBIG;
				goto out;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			er = FF_EIO;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > IMG_FILE_MAX) {
		er = FF_ETOOBIG;
		goto out;
	}
	er = img_decode(buf, len, lim, out, orientation);
out:
	free(buf);
	close(fd);
	return er;
}

/* The most bytes a stored copy of a w x h photo may take (decode.h). */
size_t
img_store_bound(int w, int h)
{
	unsigned long long b;

	if (w <= 0 || h <= 0)
		return 0;
	b = IMG_STORE_HEAD + (unsigned long long)w * (unsigned long long)h *
	    IMG_STORE_BITS / 8;
	return b < IMG_STORE_MAX ? (size_t)b : IMG_STORE_MAX;
}

enum ff_err
img_store_jpeg(const void *data, size_t len, gdImagePtr im, int quality,
    void **out, size_t *outlen)
{
	struct probe	 pr;
	struct buf	 b;
	enum ff_err	 er;
	size_t		 bound = img_store_bound(gdImageSX(im), gdImageSY(im));

	if (img_sniff(data, len) == IMG_JPEG) {
		buf_init(&b);
		memset(&pr, 0, sizeof(pr));
		pr.strip = &b;
		/* Kept as it came only while it is no larger than its
		 * pixels need: entropy data can be padded too (repeated
		 * tables, APP0 or APP14 segments, wasteful Huffman codes),
		 * and encoding it anew bounds them all at once. */
		if (probe_jpeg(data, len, 1, &pr) == FF_OK &&
		    pr.fw == gdImageSX(im) && pr.fh == gdImageSY(im) &&
		    img_exif_orientation(pr.exif, pr.exif_len) == 1 &&
		    b.len <= bound) {
			*out = buf_steal(&b, outlen);
			return FF_OK;
		}
		buf_free(&b);
	}
	/*
	 * Noise at PHOTO_MAX_SIDE can take more than IMG_STORE_MAX at the
	 * quality asked for: then lower qualities, which also subsample the
	 * colour, until it fits.
	 */
	for (;;) {
		if ((er = jpeg_encode(im, quality, out, outlen)) != FF_OK)
			return er;
		if (*outlen <= IMG_STORE_MAX)
			return FF_OK;
		free(*out);
		*out = NULL;
		if (quality <= IMG_STORE_QMIN)
			return FF_ETOOBIG;
		quality = quality - 20 < IMG_STORE_QMIN ? IMG_STORE_QMIN :
		    quality - 20;
	}
}
