/*
 * photo.h: the one photo pipeline, for every way a photo comes in: the
 * shop's upload form (shop.c), the JSON API (api.c), batch jobs and the
 * CLI (from a file), and the model comparison of the admin pages (a
 * stored photo).
 *
 *   photo_prepare()     bytes -> upright, flattened, size-capped image:
 *                       the type from the magic bytes, the pixel limit
 *                       decided from the header before any decoding,
 *                       EXIF orientation, the long side capped, a
 *                       transparent PNG/WebP/GIF put on white
 *   photo_find_faces()  the detector, then the face policy below
 *   photo_store()       the normalised photo (JPEG, no metadata), its
 *                       detection and (optionally) its try-on, in one
 *                       transaction of src/store/; a photo without a
 *                       face is counted, not kept
 *   photo_draw()        a catalog frame on the faces the policy accepts
 *
 * The face policy. One rule decides whether a detected face is one we
 * draw on, keep and count: photo_face_plausible(). Finite numbers, a box
 * at least 8 pixels a side, both eyes inside the image and inside the
 * face box grown by a quarter of its size on each side, and an eye
 * distance of at least 4 pixels, at least a tenth of the box width and
 * at most the whole box width. A model still in training puts eyes far
 * outside the box or the photo; drawing a frame thousands of pixels wide
 * for those helps nobody. It is the rule the shop and the API have
 * always used; the batch runner's own copy had the same eye and box
 * rules with looser floors (a box of any size above nothing, an eye
 * distance frame_px_per_mm() accepts). The stricter floors are the one
 * rule: a frame drawn on a face smaller than that, or with its eyes
 * closer together, shows nothing anyone could judge, and every row of
 * check_batch's face table gets the same answer under both.
 *
 * Coordinates are pixels of the prepared image (im), x right, y down;
 * left_eye is the eye nearer the image's left edge.
 */
#ifndef FF_APP_PHOTO_H
#define FF_APP_PHOTO_H
#include <stddef.h>

#include <gd.h>

#include "core/buf.h"
#include "core/err.h"
#include "image/decode.h"
#include "store/records.h"
#include "vision/detector.h"

struct db;
struct frame;
struct face_eyes;

/* Longest side of a stored photo, pixels. */
#define PHOTO_MAX_SIDE		1600
/* Most pixels an upload may declare (decided from the header). */
#define PHOTO_MAX_PIXELS	(50u * 1000 * 1000)
/*
 * JPEG quality of the stored photo and of the renders. The stored one
 * is below 90, so its colour is subsampled 4:2:0 (jpeg.h), as phones
 * save photos: every render reads it back, and 4:4:4 made it slower to
 * write and to read, and larger, for colour detail at full resolution
 * that eyes hardly see in a photo (docs/PERFORMANCE.md).
 */
#define PHOTO_STORE_QUALITY	89
#define PHOTO_RENDER_QUALITY	85

struct photo_limits {
	size_t	max_pixels;	/* width * height as declared; 0: no limit */
	int	max_side;	/* cap of the long side, pixels; 0: none */
	/*
	 * 0: scale while decoding (cheap: a JPEG comes out between 7/8 of
	 * max_side and max_side, see image/jpeg.h). 1: decode at full size
	 * first, so w0 and h0 are the upright size as uploaded, then scale
	 * to max_side exactly (the API answers in the uploaded pixels).
	 */
	int	uploaded_size;
	/* 1: refuse (FF_ECOST) what costs more to decode than the budget
	 * of image/decode.h; 0: none (the staff's and the operator's own
	 * files). */
	int	budget;
};

/* The shop's form, and the API: strangers' bytes, under the budget. */
#define PHOTO_LIMITS_FORM	{ PHOTO_MAX_PIXELS, PHOTO_MAX_SIDE, 0, 1 }
#define PHOTO_LIMITS_API	{ PHOTO_MAX_PIXELS, PHOTO_MAX_SIDE, 1, 1 }

struct photo {
	const void	*data;		/* the bytes as they came, borrowed;
					 * NULL when read from a file */
	size_t		 len;
	enum img_type	 type;
	gdImagePtr	 im;		/* upright, on white, capped; owned */
	int		 w, h;		/* as the header declares them */
	int		 w0, h0;	/* upright pixels as uploaded with
					 * uploaded_size, else im's size */
	double		 decode_ms;	/* header to flattened image */
	double		 store_ms;	/* photo_store(): the stored JPEG made
					 * and hashed */
	double		 db_ms;		/* photo_store(): its transaction */
	const char	*step;		/* what failed, for the log: "probe",
					 * "too many pixels", "decode",
					 * "downscale", "flatten", "read" */
};

/*
 * Prepare len bytes at p (borrowed: they must outlive ph, for
 * photo_store()) under lim (NULL: PHOTO_LIMITS_FORM). FF_OK, or
 * FF_EMEDIATYPE (not a JPEG, PNG, WebP or GIF), FF_EIMAGE (damaged or
 * truncated), FF_EPIXELS (over lim->max_pixels: ph->w and ph->h are the
 * declared size), FF_ECOST (over the decode budget), FF_ETOOBIG,
 * FF_ENOMEM; ph->step then names the step.
 * Free ph with photo_free() whatever the outcome.
 */
enum ff_err	 photo_prepare(struct photo *ph, const void *p, size_t len,
		    const struct photo_limits *lim);
/*
 * The same for the regular file at path (img_load_file(): at most
 * IMG_FILE_MAX bytes; FF_EIO when it cannot be read, FF_ETOOBIG when
 * larger; ph->w and ph->h stay 0). ph->data is NULL: photo_store()
 * would store it encoded afresh.
 */
enum ff_err	 photo_prepare_file(struct photo *ph, const char *path,
		    const struct photo_limits *lim);
/* What to tell a person whose photo was refused with FF_ECOST, and what
 * they can do about it (appended to msg). */
void		 photo_cost_msg(const struct photo *ph, struct buf *msg);
void		 photo_free(struct photo *);

/* The faces of one detector run that the policy keeps. */
struct photo_faces {
	struct face	 face[DET_MAX_FACES];	/* by decreasing score, each
						 * score clamped to 0..1 */
	int		 n;
	int		 nraw;		/* faces the detector reported */
	double		 ms;		/* the detector's time */
};

/* The face policy (see above) for a face on a w x h image. */
int		 photo_face_plausible(const struct face *, int w, int h);
/* A face's eyes as render/ takes them. */
void		 photo_face_eyes(const struct face *, struct face_eyes *);

/* Run det on im and keep the plausible faces. Errors are det_run()'s. */
enum ff_err	 photo_find_faces(struct detector *, gdImagePtr im,
		    struct photo_faces *out);

/*
 * Store the prepared photo as an upload of this source, normalised
 * (img_store_jpeg() at PHOTO_STORE_QUALITY: no metadata ever reaches the
 * database), with its detection (faces; model_id 0 records none) and,
 * when frame_id > 0 and faces->n > 0, its try-on of that frame with the
 * timings t, all in one transaction (db_tryon_store()). t may be NULL;
 * t->store_ms is the time spent here, on return (ph->store_ms and
 * ph->db_ms split it: the stored JPEG, the transaction). u gets the row (id,
 * token, expiry). A photo without a face (faces->n == 0) is not kept at
 * all: it is only counted for the reports (db_photo_noface()), and u->id
 * is 0 and u->token empty. The bytes kept are at most
 * img_store_jpeg()'s bound. Errors: img_store_jpeg()'s,
 * db_tryon_store()'s and db_photo_noface()'s.
 */
enum ff_err	 photo_store(struct db *, struct photo *ph,
		    enum upload_source, long long model_id,
		    const struct photo_faces *faces, long long frame_id,
		    struct tryon_timing *t, struct upload_row *u);

/* n faces as the store keeps them (store/records.h: box as x, y, w, h),
 * into out (n of them); the one conversion, for photo_store() and the
 * batch queue's results. */
void		 photo_faces_to_store(const struct face *in, size_t n,
		    struct det_face *out);

/* The faces of an upload's newest detection (faces holds DET_MAX_FACES);
 * *det_id is 0 when it was never detected. */
enum ff_err	 photo_faces_load(struct db *, long long upload_id,
		    long long *det_id, struct face *faces, int *n);

/*
 * Draw frame f on im over each of the n faces the policy accepts, for a
 * PD of pd_mm (0: the default); *drawn (may be NULL) gets their count.
 * Errors are frame_draw()'s.
 */
enum ff_err	 photo_draw(gdImagePtr im, const struct face *faces, int n,
		    const struct frame *f, double pd_mm, int *drawn);

/* A stored photo (JPEG bytes) with frame f drawn on its faces, as a JPEG
 * at PHOTO_RENDER_QUALITY; *jpg is the caller's, freed with free(). */
enum ff_err	 photo_render_jpeg(const void *photo, size_t len,
		    const struct face *faces, int n, const struct frame *f,
		    double pd_mm, void **jpg, size_t *jlen);

/*
 * Where a request's time went in the worker, milliseconds; 0: not
 * measured (left out). A try-on: receive (the body read and parsed,
 * http_req's read_ms), decode, detect, store and db (photo_store()'s
 * two parts). A render: db (the photo and its faces read), decode, draw,
 * encode (photo_render_timed()). total: the request in the worker.
 */
struct photo_times {
	double	 receive, decode, detect, store, db, draw, encode, total;
};
/* photo_render_jpeg(), filling t's decode, draw and encode. */
enum ff_err	 photo_render_timed(const void *photo, size_t len,
		    const struct face *faces, int n, const struct frame *f,
		    double pd_mm, void **jpg, size_t *jlen,
		    struct photo_times *t);
/*
 * t as the value of a Server-Timing header (W3C Server Timing §3:
 * "decode;dur=41.2, detect;dur=9.8"), NUL-terminated in out (size
 * bytes; PHOTO_TIMING_LEN holds every stage). Sent with every answer
 * that has them: they tell how long the parts of the work took, which
 * the answer's own time tells a client anyway, and nothing of the photo.
 */
#define PHOTO_TIMING_LEN	256
void		 photo_timing(const struct photo_times *t, char *out,
		    size_t size);

#endif
