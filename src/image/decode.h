/*
 * decode.h: untrusted image bytes -> an upright, size-capped gdImage.
 *
 * The data path is: sniff the type from the magic bytes (never trust the
 * client's Content-Type), read the pixel dimensions from the header and
 * refuse anything over the pixel limit *before* decoding (so a 100-byte
 * file declaring 60000x60000 never allocates), decode (JPEG with libjpeg
 * straight into gd's rows, see jpeg.h; the rest with libgd), apply the
 * EXIF orientation (EXIF 2.3 §4.6.4, tag 0x0112), and optionally
 * downscale so the long side is at most max_side pixels.
 */
#ifndef FF_IMAGE_DECODE_H
#define FF_IMAGE_DECODE_H
#include <stddef.h>
#include <gd.h>
#include "core/err.h"

enum img_type {
	IMG_UNKNOWN = 0,
	IMG_JPEG,
	IMG_PNG,
	IMG_GIF,
	IMG_WEBP
};

struct img_limits {
	size_t	max_pixels;	/* width*height as declared; 0 = no limit */
	/* Downscale to this long side; 0 = keep size. A JPEG may come out
	 * between 7/8 of it and it, scaled while decoding (jpeg.h). */
	int	max_side;
	/* 1: refuse (FF_ECOST) what would cost more than the decode budget
	 * below; 0: no budget (the CLI, training). */
	int	budget;
	/* 1: the long side comes out at exactly max_side (a JPEG is scaled
	 * in the DCT no further than to it, and resampled the rest). */
	int	exact_side;
};

/*
 * The decode budget: no photo may cost more to decode than twice a
 * 12 MP phone photo as it arrives at its costliest, a 4032 x 3024 JPEG,
 * 4:2:0, in libjpeg's standard progressive scans (ten). Measured by
 * bench/bench_cost, whose figures are in docs/RELIABILITY.md. Counted
 * from the headers before anything is decoded:
 *  - JPEG work: for every scan, the 8x8 blocks of the components it
 *    carries (libjpeg visits each of them once a scan); a file of many
 *    scans over many pixels is the costly one;
 *  - JPEG coefficient memory: a progressive or multi-scan JPEG keeps
 *    every block's 64 coefficients until its last scan;
 *  - pixels of what is decoded at full size before shrinking it (PNG,
 *    GIF, WebP, the CMYK JPEGs libjpeg-turbo cannot convert, and any
 *    JPEG when max_side is 0): 4 to 8 bytes a pixel at the peak.
 * IMG_REF_* are the reference photo's figures, img_cost() an image's.
 */
#define IMG_REF_W		4032
#define IMG_REF_H		3024
#define IMG_BUDGET_RATIO	2
/* Full-size decodes: the pixels whose peak memory matches the budget. */
#define IMG_BUDGET_FULL_PIXELS	(8u * 1000 * 1000)

struct img_cost {
	unsigned long long	 work;		/* JPEG: block visits */
	unsigned long long	 coef_blocks;	/* JPEG: blocks held at once */
	unsigned long long	 full_pixels;	/* decoded at full size first */
	int			 scans;		/* JPEG */
};

/* The budget's limits, from the reference photo (computed once). */
void		 img_budget(struct img_cost *max);
/* The largest share of the budget a cost claims: over 1 is refused
 * (a cost exactly at a limit is 1 exactly, and allowed). */
double		 img_budget_share(const struct img_cost *);

/*
 * What decoding these bytes would cost, from their headers (the whole
 * JPEG marker structure): FF_EMEDIATYPE, FF_EIMAGE as for img_decode().
 */
enum ff_err	 img_cost(const void *, size_t, struct img_cost *);

/* The type from the magic bytes, or IMG_UNKNOWN. */
enum img_type	 img_sniff(const void *, size_t);
/* "image/jpeg" etc.; NULL for IMG_UNKNOWN. */
const char	*img_mime(enum img_type);

/*
 * The dimensions the header declares, without decoding the pixels.
 * FF_EMEDIATYPE for an unknown type, FF_EIMAGE for a damaged header.
 */
enum ff_err	 img_probe(const void *, size_t, enum img_type *, int *w, int *h);

/*
 * Decode into a truecolor image the caller owns (gdImageDestroy()).
 * Errors: FF_EMEDIATYPE, FF_EPIXELS (over max_pixels), FF_ECOST (over
 * the decode budget, when limits->budget is set), FF_EIMAGE (corrupt
 * or truncated), FF_ETOOBIG (over INT_MAX bytes), FF_ENOMEM (libgd could
 * not allocate). On error *out is untouched. `orientation` (may be NULL)
 * receives the EXIF orientation that was applied, 1 when there was none.
 * The limits may be NULL (no limits). Only JPEG carries an orientation.
 * A GIF yields its first frame, whose size may be below the probed one.
 */
enum ff_err	 img_decode(const void *, size_t, const struct img_limits *,
		    gdImagePtr *out, int *orientation);

/*
 * The bytes to store for the photo `data` that img_decode() turned into
 * `im`. A JPEG whose pixels im holds unchanged (not rotated, not shrunk)
 * is kept as it came, less its metadata (EXIF and XMP, with the camera,
 * the time and often the place; IPTC; comments; APP2 but one ICC profile
 * of one segment), fill bytes (runs of 0xFF) and anything after EOI:
 * encoding it again costs more than the rest of storing a try-on, and
 * loses quality. It is kept so only while that copy is at most
 * img_store_bound() of im's size. Anything else is im encoded as a JPEG
 * at `quality`, or lower (down to IMG_STORE_QMIN) when that is over
 * IMG_STORE_MAX; FF_ETOOBIG if even that is. So a stored photo is never
 * over IMG_STORE_MAX bytes. *out is malloc()ed: free() it.
 */
enum ff_err	 img_store_jpeg(const void *data, size_t len, gdImagePtr im,
		    int quality, void **out, size_t *outlen);
/*
 * What a w x h photo's pixels need, bytes: IMG_STORE_BITS bits a pixel
 * (a camera's own JPEG takes less but at its very best quality, and our
 * own encoding at PHOTO_STORE_QUALITY takes less still) and
 * IMG_STORE_HEAD for its tables and one ICC profile, at most
 * IMG_STORE_MAX, which the bound reaches at about PHOTO_MAX_SIDE square.
 * 0 for an empty size.
 */
#define IMG_STORE_BITS	6
#define IMG_STORE_HEAD	(64u * 1024)
#define IMG_STORE_MAX	(2u * 1024 * 1024)
#define IMG_STORE_QMIN	50
size_t		 img_store_bound(int w, int h);

/*
 * Read a whole file and img_decode() it. FF_EIO if it cannot be opened
 * or read, FF_ETOOBIG if it is larger than IMG_FILE_MAX bytes.
 */
#define IMG_FILE_MAX	(64u * 1024 * 1024)
enum ff_err	 img_load_file(const char *path, const struct img_limits *,
		    gdImagePtr *out, int *orientation);

/*
 * Shrink *im so its long side is max_side pixels, keeping the aspect
 * ratio (area-averaging resample, gdImageCopyResampled). Does nothing
 * when max_side <= 0 or the image is already small enough. On FF_OK a
 * replaced *im has been destroyed; on FF_ENOMEM *im is untouched.
 */
enum ff_err	 img_downscale(gdImagePtr *im, int max_side);

/*
 * libgd reports a corrupt JPEG only through its process-wide error
 * method (it still returns a half-grey image), so this module installs
 * its own method, once, on the first img_decode(). It counts JPEG
 * corruption warnings of the calling thread and then passes every
 * message on to `next`, or prints it to stderr like libgd's default
 * when `next` is NULL. Call img_init() once at startup, before threads,
 * only to route gd's messages elsewhere (e.g. a logger); do not call
 * gdSetErrorMethod() yourself afterwards, or corrupt JPEGs go unnoticed.
 */
void		 img_init(gdErrorMethod next);

#endif
