/*
 * photo.c: the photo pipeline (see photo.h).
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gd.h>

#include "app/app.h"
#include "app/photo.h"
#include "core/clock.h"
#include "image/jpeg.h"
#include "render/frame.h"
#include "render/frames.h"
#include "store/records.h"

/* ---- Prepare ---- */

/* Put a decoded photo on white (replacing *im): JPEG has no alpha, and a
 * transparent PNG would otherwise turn black where it was see-through. */
static enum ff_err
flatten(gdImagePtr *im)
{
	gdImagePtr n;

	if ((n = gdImageCreateTrueColor(gdImageSX(*im), gdImageSY(*im))) == NULL)
		return FF_ENOMEM;
	gdImageFilledRectangle(n, 0, 0, gdImageSX(n) - 1, gdImageSY(n) - 1,
	    gdTrueColor(255, 255, 255));
	gdImageAlphaBlending(n, 1);
	gdImageCopy(n, *im, 0, 0, 0, 0, gdImageSX(*im), gdImageSY(*im));
	gdImageDestroy(*im);
	*im = n;
	return FF_OK;
}

/* The decode limits of lim: the cap while decoding, or none when the
 * image is scaled afterwards. */
static struct img_limits
decode_limits(const struct photo_limits *lim)
{
	struct img_limits l = { .max_pixels = lim->max_pixels,
	    .max_side = lim->uploaded_size ? 0 : lim->max_side,
	    .budget = lim->budget };

	return l;
}

/* After decoding: the size as uploaded, the cap, the white background. */
static enum ff_err
finish(struct photo *ph, const struct photo_limits *lim, double t0)
{
	enum ff_err er;

	ph->w0 = gdImageSX(ph->im);
	ph->h0 = gdImageSY(ph->im);
	/* Scaled first, so a large PNG is flattened at the stored size. */
	if (lim->uploaded_size &&
	    (er = img_downscale(&ph->im, lim->max_side)) != FF_OK) {
		ph->step = "downscale";
		return er;
	}
	if (ph->type != IMG_JPEG && (er = flatten(&ph->im)) != FF_OK) {
		ph->step = "flatten";
		return er;
	}
	ph->decode_ms = ff_now_ms() - t0;
	ph->step = NULL;
	return FF_OK;
}

enum ff_err
photo_prepare(struct photo *ph, const void *p, size_t len,
    const struct photo_limits *lim)
{
	static const struct photo_limits form = PHOTO_LIMITS_FORM;
	struct img_limits	 l;
	enum ff_err		 er;
	double			 t = ff_now_ms();
	int			 o = 1;

	memset(ph, 0, sizeof(*ph));
	if (lim == NULL)
		lim = &form;
	l = decode_limits(lim);
	ph->data = p;
	ph->len = len;
	/* The header decides the pixel limit before any decoding. */
	ph->step = "probe";
	if ((er = img_probe(p, len, &ph->type, &ph->w, &ph->h)) != FF_OK)
		return er;
	ph->step = "too many pixels";
	if (lim->max_pixels > 0 &&
	    (unsigned long long)ph->w * (unsigned long long)ph->h >
	    lim->max_pixels)
		return FF_EPIXELS;
	ph->step = "decode";
	/* A JPEG asked for at its uploaded size is still shrunk in the
	 * DCT, only no further than max_side: its size as uploaded is in
	 * its header, and decoding all of a 12 MP photo to throw most of
	 * it away is the costliest thing a request can do. */
	if (lim->uploaded_size && ph->type == IMG_JPEG) {
		l.max_side = lim->max_side;
		l.exact_side = 1;
	}
	if ((er = img_decode(p, len, &l, &ph->im, &o)) != FF_OK)
		return er;
	er = finish(ph, lim, t);
	if (er == FF_OK && lim->uploaded_size && ph->type == IMG_JPEG) {
		/* EXIF orientations 5 to 8 turn the picture a quarter. */
		ph->w0 = o >= 5 ? ph->h : ph->w;
		ph->h0 = o >= 5 ? ph->w : ph->h;
	}
	return er;
}

enum ff_err
photo_prepare_file(struct photo *ph, const char *path,
    const struct photo_limits *lim)
{
	static const struct photo_limits form = PHOTO_LIMITS_FORM;
	struct img_limits	 l;
	unsigned char		 head[16];
	enum ff_err		 er;
	ssize_t			 n;
	double			 t = ff_now_ms();
	int			 fd;

	memset(ph, 0, sizeof(*ph));
	if (lim == NULL)
		lim = &form;
	l = decode_limits(lim);
	/* The type from the magic bytes, for the white background. */
	ph->step = "read";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return FF_EIO;
	n = read(fd, head, sizeof(head));
	close(fd);
	ph->type = n > 0 ? img_sniff(head, (size_t)n) : IMG_UNKNOWN;
	ph->step = "decode";
	if ((er = img_load_file(path, &l, &ph->im, NULL)) != FF_OK)
		return er;
	return finish(ph, lim, t);
}

void
photo_cost_msg(const struct photo *ph, struct buf *msg)
{
	struct img_cost c;

	/* A JPEG over the budget for its pixels decoded whole is a CMYK
	 * (print) file; any other, one of too many progressive scans. */
	if (ph->type == IMG_JPEG && ph->data != NULL &&
	    img_cost(ph->data, ph->len, &c) == FF_OK && c.full_pixels > 0)
		buf_printf(msg, "That JPEG (%d x %d pixels) is in CMYK colours, "
		    "as files made for print are; we read those up to %u "
		    "megapixels. Please send the photo as your phone or camera "
		    "saved it, or a smaller copy in RGB.", ph->w, ph->h,
		    IMG_BUDGET_FULL_PIXELS / 1000000);
	else if (ph->type == IMG_JPEG)
		buf_printf(msg, "That JPEG (%d x %d pixels) is saved in a way "
		    "that would take us too long to read: too many pixels for "
		    "its many progressive layers. Please send the photo as "
		    "your phone or camera saved it, or a smaller copy of it.",
		    ph->w, ph->h);
	else
		buf_printf(msg, "That %s image is %d x %d pixels. We read "
		    "PNG, WebP and GIF images of up to %u megapixels (JPEG "
		    "photos up to 50). Please send a JPEG, or a smaller copy.",
		    ph->type == IMG_PNG ? "PNG" : ph->type == IMG_GIF ? "GIF" :
		    "WebP", ph->w, ph->h, IMG_BUDGET_FULL_PIXELS / 1000000);
}

void
photo_free(struct photo *ph)
{
	if (ph->im != NULL)
		gdImageDestroy(ph->im);
	ph->im = NULL;
}

/* ---- Faces ---- */

int
photo_face_plausible(const struct face *f, int w, int h)
{
	const float	*e[2] = { f->left_eye, f->right_eye };
	float		 iod, gx, gy;
	int		 i;

	if (!isfinite(f->box.x) || !isfinite(f->box.y) ||
	    !isfinite(f->box.w) || !isfinite(f->box.h) ||
	    f->box.w < 8 || f->box.h < 8)
		return 0;
	gx = f->box.w * 0.25f;
	gy = f->box.h * 0.25f;
	for (i = 0; i < 2; i++) {
		if (!isfinite(e[i][0]) || !isfinite(e[i][1]) ||
		    e[i][0] < f->box.x - gx || e[i][0] > f->box.x + f->box.w + gx ||
		    e[i][1] < f->box.y - gy || e[i][1] > f->box.y + f->box.h + gy ||
		    e[i][0] < 0 || e[i][1] < 0 || e[i][0] >= w || e[i][1] >= h)
			return 0;
	}
	iod = hypotf(f->right_eye[0] - f->left_eye[0],
	    f->right_eye[1] - f->left_eye[1]);
	return iod >= 4 && iod >= 0.1f * f->box.w && iod <= f->box.w;
}

void
photo_face_eyes(const struct face *f, struct face_eyes *e)
{
	e->lx = f->left_eye[0];
	e->ly = f->left_eye[1];
	e->rx = f->right_eye[0];
	e->ry = f->right_eye[1];
}

enum ff_err
photo_find_faces(struct detector *det, gdImagePtr im, struct photo_faces *out)
{
	struct det_result	 res;
	const struct face	*fc;
	enum ff_err		 er;
	int			 i;

	memset(out, 0, sizeof(*out));
	if ((er = det_run(det, im, &res)) != FF_OK)
		return er;
	out->ms = res.ms;
	out->nraw = res.n;
	for (i = 0; i < res.n && i < DET_MAX_FACES; i++) {
		fc = &res.faces[i];
		if (!photo_face_plausible(fc, gdImageSX(im), gdImageSY(im)))
			continue;
		out->face[out->n] = *fc;
		out->face[out->n].score = fc->score < 0 ? 0 :
		    fc->score > 1 ? 1 : fc->score;
		out->n++;
	}
	return FF_OK;
}

/* ---- Store ---- */

void
photo_faces_to_store(const struct face *in, size_t n, struct det_face *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].score = in[i].score;
		out[i].box[0] = in[i].box.x;
		out[i].box[1] = in[i].box.y;
		out[i].box[2] = in[i].box.w;
		out[i].box[3] = in[i].box.h;
		memcpy(out[i].left_eye, in[i].left_eye,
		    sizeof(out[i].left_eye));
		memcpy(out[i].right_eye, in[i].right_eye,
		    sizeof(out[i].right_eye));
	}
}

enum ff_err
photo_store(struct db *db, struct photo *ph, enum upload_source source,
    long long model_id, const struct photo_faces *faces, long long frame_id,
    struct tryon_timing *t, struct upload_row *u)
{
	struct det_face	 df[DET_MAX_FACES];
	enum ff_err	 er;
	void		*jpg = NULL;
	size_t		 jlen, n;
	double		 t0 = ff_now_ms(), t1;

	*u = (struct upload_row){ .source = source };
	ph->store_ms = ph->db_ms = 0;
	n = faces->n < 0 ? 0 : faces->n > DET_MAX_FACES ? DET_MAX_FACES :
	    (size_t)faces->n;
	/* Nobody can try frames on a photo without a face: counted for the
	 * reports, never kept. */
	if (n == 0) {
		er = db_photo_noface(db, source);
		goto out;
	}
	photo_faces_to_store(faces->face, n, df);
	/* The normalised photo: upright, capped, no metadata. */
	if ((er = img_store_jpeg(ph->data, ph->len, ph->im,
	    PHOTO_STORE_QUALITY, &jpg, &jlen)) != FF_OK)
		goto out;
	app_sha256(jpg, jlen, u->sha256);
	snprintf(u->mime, sizeof(u->mime), "image/jpeg");
	u->width = gdImageSX(ph->im);
	u->height = gdImageSY(ph->im);
	/* The photo, its detection and the try-on in one transaction: a
	 * failure half-way (the database gone) keeps no photo whose token
	 * the shopper never got. */
	t1 = ff_now_ms();
	ph->store_ms = t1 - t0;
	if (t != NULL)
		t->store_ms = t1 - t0;
	er = db_tryon_store(db, u, jpg, jlen, model_id, df, n, faces->ms,
	    frame_id, t);
	ph->db_ms = ff_now_ms() - t1;
out:
	if (t != NULL)
		t->store_ms = ff_now_ms() - t0;
	free(jpg);
	return er;
}

enum ff_err
photo_faces_load(struct db *db, long long upload_id, long long *det_id,
    struct face *faces, int *n)
{
	struct det_face	 df[DET_MAX_FACES];
	enum ff_err	 er;
	size_t		 i, k;

	*n = 0;
	if ((er = db_detection_latest(db, upload_id, det_id, df, DET_MAX_FACES,
	    &k)) != FF_OK)
		return er;
	for (i = 0; i < k; i++) {
		faces[i].score = df[i].score;
		faces[i].box.x = df[i].box[0];
		faces[i].box.y = df[i].box[1];
		faces[i].box.w = df[i].box[2];
		faces[i].box.h = df[i].box[3];
		memcpy(faces[i].left_eye, df[i].left_eye,
		    sizeof(faces[i].left_eye));
		memcpy(faces[i].right_eye, df[i].right_eye,
		    sizeof(faces[i].right_eye));
		faces[i].has_mouth = 0;	/* not stored */
	}
	*n = (int)k;
	return FF_OK;
}

/* ---- Draw ---- */

enum ff_err
photo_draw(gdImagePtr im, const struct face *faces, int n,
    const struct frame *f, double pd_mm, int *drawn)
{
	struct face_eyes eyes[DET_MAX_FACES];
	int		 i, k = 0;

	for (i = 0; i < n && i < DET_MAX_FACES; i++)
		if (photo_face_plausible(&faces[i], gdImageSX(im), gdImageSY(im)))
			photo_face_eyes(&faces[i], &eyes[k++]);
	if (drawn != NULL)
		*drawn = k;
	return frame_draw(im, f, eyes, k, pd_mm);
}

enum ff_err
photo_render_timed(const void *photo, size_t len, const struct face *faces,
    int n, const struct frame *f, double pd_mm, void **jpg, size_t *jlen,
    struct photo_times *t)
{
	gdImagePtr	 im = NULL;
	enum ff_err	 er;
	double		 t0 = ff_now_ms(), t1, t2;

	*jpg = NULL;
	if ((er = img_decode(photo, len, NULL, &im, NULL)) != FF_OK)
		return er;
	t1 = ff_now_ms();
	if ((er = photo_draw(im, faces, n, f, pd_mm, NULL)) == FF_OK) {
		t2 = ff_now_ms();
		er = jpeg_encode(im, PHOTO_RENDER_QUALITY, jpg, jlen);
		if (t != NULL) {
			t->decode = t1 - t0;
			t->draw = t2 - t1;
			t->encode = ff_now_ms() - t2;
		}
	}
	gdImageDestroy(im);
	return er;
}

enum ff_err
photo_render_jpeg(const void *photo, size_t len, const struct face *faces,
    int n, const struct frame *f, double pd_mm, void **jpg, size_t *jlen)
{
	return photo_render_timed(photo, len, faces, n, f, pd_mm, jpg, jlen,
	    NULL);
}

void
photo_timing(const struct photo_times *t, char *out, size_t size)
{
	const struct {
		const char	*name;
		double		 ms;
	} st[] = {
		{ "receive", t->receive }, { "decode", t->decode },
		{ "detect", t->detect }, { "store", t->store }, { "db", t->db },
		{ "draw", t->draw }, { "encode", t->encode },
		{ "total", t->total },
	};
	size_t	 i, k = 0;
	int	 n;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		if (!(st[i].ms > 0))
			continue;
		n = snprintf(out + k, size - k, "%s%s;dur=%.1f",
		    k > 0 ? ", " : "", st[i].name, st[i].ms);
		/* Whole entries only. */
		if (n < 0 || (size_t)n >= size - k) {
			out[k] = '\0';
			return;
		}
		k += (size_t)n;
	}
}
