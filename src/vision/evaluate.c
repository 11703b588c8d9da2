#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "image/sample.h"

#include "core/xalloc.h"
#include "vision/dataset.h"
#include "vision/degrade.h"
#include "vision/detector.h"
#include "vision/evaluate.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Greedy one-to-one matching at IoU >= 0.5; match[i] = detection or -1. */
static void
match_faces(const struct fbox *gt, int ngt, const struct det_result *r, int *match)
{
	int used[DET_MAX_FACES] = { 0 };

	for (int i = 0; i < ngt; i++)
		match[i] = -1;
	for (;;) {
		float best = 0.5f;
		int bi = -1, bj = -1;
		for (int i = 0; i < ngt; i++) {
			if (match[i] != -1)
				continue;
			for (int j = 0; j < r->n; j++) {
				float iou;
				if (used[j])
					continue;
				if ((iou = geom_iou(&gt[i], &r->faces[j].box)) >= best) {
					best = iou;
					bi = i;
					bj = j;
				}
			}
		}
		if (bi < 0)
			break;
		match[bi] = bj;
		used[bj] = 1;
	}
}

/* The largest strip of the photo clear of every (grown) face box. */
static int
background_strip(const struct ds_image *im, int *x, int *y, int *w, int *h)
{
	float x0 = im->w, y0 = im->h, x1 = 0, y1 = 0;
	int best = 0;

	for (int i = 0; i < im->nfaces; i++) {
		struct fbox b;
		geom_face_box(&im->faces[i].pts, &b);
		float g = 0.15f * b.w;
		x0 = fminf(x0, b.x - g); y0 = fminf(y0, b.y - g);
		x1 = fmaxf(x1, b.x + b.w + g); y1 = fmaxf(y1, b.y + b.h + g);
	}
	int cand[4][4] = {
		{ 0, 0, (int)floorf(x0), im->h },
		{ (int)ceilf(x1), 0, im->w - (int)ceilf(x1), im->h },
		{ 0, 0, im->w, (int)floorf(y0) },
		{ 0, (int)ceilf(y1), im->w, im->h - (int)ceilf(y1) },
	};
	for (int c = 0; c < 4; c++) {
		if (cand[c][2] < 48 || cand[c][3] < 48)
			continue;
		if (cand[c][2] * cand[c][3] > best) {
			best = cand[c][2] * cand[c][3];
			*x = cand[c][0]; *y = cand[c][1];
			*w = cand[c][2]; *h = cand[c][3];
		}
	}
	return best > 0;
}

/* One target face's scores. */
struct tgt {
	enum ds_part	 part;
	int		 glasses;	/* MTFL's flag: 1 yes, 0 no; -1 not labelled */
	double		 e, oe;		/* eye error; on the labelled box */
	int		 found;
	double		 eye, along, down, mid;	/* per-eye, found faces only */
};

/* The figures of the targets of one part (all: part < 0) with the
 * glasses flag `glasses` (any: glasses < 0). */
static void
summarise(const struct tgt *t, int n, int part, int glasses, struct eval_part *out)
{
	double *e = xcalloc(n ? n : 1, sizeof *e);
	double *oe = xcalloc(n ? n : 1, sizeof *oe);
	int ne = 0, no = 0;

	for (int i = 0; i < n; i++) {
		if ((part >= 0 && (int)t[i].part != part) ||
		    (glasses >= 0 && t[i].glasses != glasses))
			continue;
		e[ne++] = t[i].e;
		out->target++;
		out->e05 += t[i].e <= 0.05;
		out->e10 += t[i].e <= 0.10;
		out->e25 += t[i].e <= 0.25;
		if (isfinite(t[i].oe)) {
			out->oracle_e05 += t[i].oe <= 0.05;
			out->oracle_e10 += t[i].oe <= 0.10;
			oe[no++] = t[i].oe;
		}
		if (t[i].found) {
			out->target_found++;
			out->eye_mean += t[i].eye;
			out->along_in += t[i].along;
			out->down += t[i].down;
			out->mid_along += t[i].mid;
		}
	}
	out->e_median = NAN;	/* printed as -1: no target */
	if (ne > 0) {
		out->target_recall = (double)out->target_found / ne;
		out->e05 /= ne;
		out->e10 /= ne;
		out->e25 /= ne;
		qsort(e, ne, sizeof *e, cmp_double);
		out->e_median = e[ne / 2];
	}
	if (no > 0) {
		out->oracle_e05 /= no;
		out->oracle_e10 /= no;
		qsort(oe, no, sizeof *oe, cmp_double);
		out->oracle_median = oe[no / 2];
	}
	if (out->target_found > 0) {
		out->eye_mean /= out->target_found;
		out->along_in /= out->target_found;
		out->down /= out->target_found;
		out->mid_along /= out->target_found;
	}
	free(e);
	free(oe);
}

/* Face j of im wears glasses (1), does not (0), or is not labelled (-1):
 * Caltech's labels say nothing of glasses. */
static int
face_glasses(const struct ds_image *im, int j)
{
	return im->source == DS_MTFL ? im->faces[j].glasses : -1;
}

/* What scoring one labelled face needs besides the face. */
struct scorer {
	struct detector	*det;
	FILE		*dump;
	const char	*path;
	enum ds_part	 part;
	int		 glasses;	/* the face's, as struct tgt has it */
};

/*
 * Score the labelled face lm (its box gt, iod measured as stored) against
 * the detection it matched in g (-1: none): its eye error, the eye
 * stages' error on the labelled box, the signed per-eye offsets.
 */
static void
score_target(const struct scorer *sc, gdImagePtr g, const struct landmarks *lm,
    const struct fbox *gt, float iod, const struct det_result *r, int match,
    struct tgt *t)
{
	struct face of = { .score = 1, .box = *gt };

	memset(t, 0, sizeof *t);
	t->part = sc->part;
	t->glasses = sc->glasses;
	t->oe = INFINITY;
	t->e = INFINITY;
	if (det_find_eyes(sc->det, g, &of) == FF_OK)
		t->oe = geom_eye_error(of.left_eye, of.right_eye, lm);
	if (match >= 0) {
		const struct face *f = &r->faces[match];
		double off[4];
		t->e = geom_eye_error(f->left_eye, f->right_eye, lm);
		geom_eye_offsets(f->left_eye, f->right_eye, lm, off);
		t->found = 1;
		t->eye = off[0];
		t->along = off[1];
		t->down = off[2];
		t->mid = off[3];
	}
	if (sc->dump == NULL)
		return;
	/* The best-overlapping box, against the label's: centre offset and
	 * log size ratio, in label sides. */
	float best = 0, iou, score = 0;
	double dx = 0, dy = 0, ds = 0, s = gt->w;
	for (int k = 0; k < r->n; k++) {
		const struct fbox *b = &r->faces[k].box;
		if ((iou = geom_iou(gt, b)) <= best)
			continue;
		best = iou;
		score = r->faces[k].score;
		dx = (b->x + b->w / 2 - gt->x - s / 2) / s;
		dy = (b->y + b->h / 2 - gt->y - s / 2) / s;
		ds = log(b->w / s);
	}
	fprintf(sc->dump, "%s\t%.1f\t%.3f\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f"
	    "\t%s\t%.4f\t%.4f\t%.4f\t%.4f\n",
	    sc->path, iod, best, match >= 0, t->e, t->oe, dx, dy, ds, score,
	    ds_part_name(sc->part), t->eye, t->along, t->down, t->mid);
}

/* p -> (p - (x0, y0)) * (sx, sy) + (dx, dy), every point of lm. */
static void
map_landmarks(struct landmarks *lm, double x0, double y0, double sx, double sy,
    double dx, double dy)
{
	lm->lx = (lm->lx - x0) * sx + dx; lm->ly = (lm->ly - y0) * sy + dy;
	lm->rx = (lm->rx - x0) * sx + dx; lm->ry = (lm->ry - y0) * sy + dy;
	lm->nx = (lm->nx - x0) * sx + dx; lm->ny = (lm->ny - y0) * sy + dy;
	lm->mx = (lm->mx - x0) * sx + dx; lm->my = (lm->my - y0) * sy + dy;
}

static void
scale_landmarks(struct landmarks *lm, double s)
{
	map_landmarks(lm, 0, 0, s, s, 0, 0);
}

/*
 * The face lm of g alone, as other face sets publish it: a CROP_SIDE
 * square around its box, scaled so the eyes are iod pixels apart; lm is
 * moved into the crop. Grey where the square leaves the photo.
 */
static gdImagePtr
crop_face(gdImagePtr g, struct landmarks *lm, int iod)
{
	struct fbox b;
	double s = iod / geom_iod(lm), side = CROP_SIDE / s;
	gdImagePtr c;

	geom_face_box(lm, &b);
	double x0 = b.x + b.w / 2 - side / 2, y0 = b.y + b.h / 2 - side / 2;
	/* The part of the square inside the photo, in photo and crop pixels. */
	int sx = (int)fmax(0, floor(x0)), sy = (int)fmax(0, floor(y0));
	int ex = (int)fmin(gdImageSX(g), ceil(x0 + side));
	int ey = (int)fmin(gdImageSY(g), ceil(y0 + side));
	if (ex <= sx || ey <= sy || (c = gdImageCreateTrueColor(CROP_SIDE, CROP_SIDE)) == NULL)
		return NULL;
	gdImageFilledRectangle(c, 0, 0, CROP_SIDE - 1, CROP_SIDE - 1, 0x808080);
	/* libgd copies whole-pixel rectangles: the labels follow the
	 * rectangles as rounded, not the exact square, to the sub-pixel. */
	int dx = (int)lround((sx - x0) * s), dy = (int)lround((sy - y0) * s);
	int dw = (int)lround((ex - sx) * s), dh = (int)lround((ey - sy) * s);
	if (dw < 1 || dh < 1) {
		gdImageDestroy(c);
		return NULL;
	}
	gdImageCopyResampled(c, g, dx, dy, sx, sy, dw, dh, ex - sx, ey - sy);
	map_landmarks(lm, sx, sy, (double)dw / (ex - sx), (double)dh / (ey - sy), dx, dy);
	return c;
}

/* Wear the crop c as o says (evaluate.h: shrink, blur, jpeg). */
static void
wear_crop(gdImagePtr c, const struct eval_opts *o)
{
	int w = gdImageSX(c), h = gdImageSY(c);
	float *x;

	if (!(o->blur > 0) && !(o->shrink > 1) && o->jpeg <= 0)
		return;
	x = xcalloc((size_t)w * h * 3, sizeof *x);
	smp_gd_to_chw(c, x);
	if (o->blur > 0)
		deg_blur(x, w, h, o->blur);
	if (o->shrink > 1)
		deg_lowres(x, w, h, o->shrink);
	if (o->jpeg > 0)
		(void)deg_jpeg(x, w, h, o->jpeg);
	smp_chw_to_gd(x, c);
	free(x);
}

/*
 * Turn the gaze of every frontal face of the photo g (labels lm, n faces)
 * by d inter-ocular distances towards the image-right eye (deg_gaze).
 */
static void
turn_gaze(gdImagePtr g, const struct landmarks *lm, int n, double d)
{
	int w = gdImageSX(g), h = gdImageSY(g);
	float *x = xcalloc((size_t)w * h * 3, sizeof *x);

	smp_gd_to_chw(g, x);
	for (int j = 0; j < n; j++) {
		double ux = lm[j].rx - lm[j].lx, uy = lm[j].ry - lm[j].ly;
		double iod = hypot(ux, uy);
		if (!geom_is_frontal(&lm[j]) || !(iod > 0))
			continue;
		deg_gaze(x, w, h, lm[j].lx, lm[j].ly, ux, uy, iod, d * iod);
		deg_gaze(x, w, h, lm[j].rx, lm[j].ry, ux, uy, iod, d * iod);
	}
	smp_chw_to_gd(x, g);
	free(x);
}

enum ff_err
eval_run(const struct eval_opts *o, struct eval_result *res)
{
	struct det_opts dopt = { .dir = o->models, .face_size = o->face_size,
	    .thresh = o->thresh, .no_refine = o->no_refine,
	    .refine_passes = o->refine_passes, .no_flip = o->no_flip,
	    .refine_views = o->refine_views,
	    .no_recrop = o->no_recrop, .box_weight = o->box_weight,
	    .no_landmark_box = o->no_landmark_box };
	struct detector *det = NULL;
	struct dataset ds;
	struct scorer sc = { 0 };
	double *ms = NULL;
	int nms = 0, ntg = 0, only = -1;
	struct tgt *tg = NULL;
	enum ff_err er;

	memset(res, 0, sizeof *res);
	if (o->source != NULL) {
		enum ds_part p;
		if (ds_part_parse(o->source, &p) != FF_OK) {
			fprintf(stderr, "framefit: no source called %s (caltech, mtfl-lfw, mtfl-net)\n",
			    o->source);
			return FF_EINPUT;
		}
		only = (int)p;
	} else if (o->held_out) {
		fprintf(stderr, "framefit: --held-out needs --source\n");
		return FF_EINPUT;
	}
	if (o->crop_iod > 0 && (o->upscale > 0 || o->crop_iod > CROP_SIDE / 2)) {
		fprintf(stderr, "framefit: --crop takes an eye distance of 1 to %d px, without --upscale\n",
		    CROP_SIDE / 2);
		return FF_EINPUT;
	}
	if (o->crop_iod <= 0 && (o->shrink != 0 || o->blur != 0 || o->jpeg != 0)) {
		fprintf(stderr, "framefit: --shrink, --blur and --jpeg wear the crops of --crop; add --crop 45\n");
		return FF_EINPUT;
	}
	if (!(o->shrink == 0 || (o->shrink > 1 && o->shrink <= 8)) ||
	    !(o->blur >= 0 && o->blur <= 8) || o->jpeg < 0 || o->jpeg > 100) {
		fprintf(stderr, "framefit: --shrink takes a factor over 1 up to 8, --blur 0 to 8 px, --jpeg a quality of 1 to 100\n");
		return FF_EINPUT;
	}
	if ((er = ds_load(o->data, &ds)) != FF_OK)
		return er;
	if ((er = det_open(&dopt, &det)) != FF_OK)
		goto out;
	sc.det = det;
	snprintf(res->model, sizeof res->model, "%s", det_version(det));
	det_settings(det, &res->used);
	tg = xcalloc(ds.nfaces, sizeof *tg);
	ms = xcalloc(ds.n + ds.nfaces, sizeof *ms);
	if (o->dump != NULL) {
		if ((sc.dump = fopen(o->dump, "w")) == NULL) {
			er = FF_EIO;
			goto out;
		}
		fputs("path\tiod\tbest_iou\tfound\te\te_labelled_box\tdx\tdy\tdlog_side\tscore"
		    "\tsource\teye_mean\talong_in\tdown\tmid_along\n", sc.dump);
	}

	for (int i = 0; i < ds.n; i++) {
		struct ds_image *im = &ds.img[i];
		struct det_result r;
		gdImagePtr g, big;
		double s = 1;

		if (only >= 0 && (int)im->part != only)
			continue;
		if (!im->val && !o->held_out)
			continue;
		if (o->limit > 0 && res->photos >= o->limit)
			break;
		if ((g = gdImageCreateFromFile(im->path)) == NULL) {
			fprintf(stderr, "framefit: %s: cannot decode\n", im->path);
			continue;
		}
		if (o->upscale > 0) {
			s = (double)o->upscale / (im->w > im->h ? im->w : im->h);
			big = smp_resize(g, (int)lround(im->w * s), (int)lround(im->h * s));
			gdImageDestroy(g);
			if ((g = big) == NULL)
				continue;
		}
		if (!gdImageTrueColor(g))
			gdImagePaletteToTrueColor(g);
		/* The labels in the pixels of g. */
		struct landmarks lm[256];
		int ngt = im->nfaces < 256 ? im->nfaces : 256;
		for (int j = 0; j < ngt; j++) {
			lm[j] = im->faces[j].pts;
			scale_landmarks(&lm[j], s);
		}
		if (o->gaze != 0)
			turn_gaze(g, lm, ngt, o->gaze);
		sc.path = im->path;
		sc.part = im->part;
		res->photos++;
		res->parts[im->part].photos++;

		if (o->crop_iod > 0) {
			/* Each target alone; the crop is the photo. */
			for (int j = 0; j < ngt; j++) {
				struct landmarks cl = lm[j];
				struct fbox gt;
				int match;
				gdImagePtr c;
				if (!geom_is_frontal(&cl) || geom_iod(&cl) < 20)
					continue;
				if ((c = crop_face(g, &cl, o->crop_iod)) == NULL)
					continue;
				wear_crop(c, o);
				geom_face_box(&cl, &gt);
				det_run(det, c, &r);
				ms[nms++] = r.ms;
				res->dets += r.n;
				res->faces++;
				match_faces(&gt, 1, &r, &match);
				if (match >= 0) {
					res->found++;
					res->true_dets++;
				}
				sc.glasses = face_glasses(im, j);
				score_target(&sc, c, &cl, &gt, geom_iod(&lm[j]), &r, match,
				    &tg[ntg++]);
				gdImageDestroy(c);
			}
			gdImageDestroy(g);
			continue;
		}

		det_run(det, g, &r);
		ms[nms++] = r.ms;
		res->dets += r.n;

		struct fbox gt[256];
		int match[256];
		for (int j = 0; j < ngt; j++)
			geom_face_box(&lm[j], &gt[j]);
		match_faces(gt, ngt, &r, match);
		for (int j = 0; j < ngt; j++) {
			res->faces++;
			if (match[j] >= 0) {
				res->found++;
				res->true_dets++;
			}
			/* The target: frontal, eyes >= 20 px apart as stored. */
			if (!geom_is_frontal(&lm[j]) || geom_iod(&im->faces[j].pts) < 20)
				continue;
			sc.glasses = face_glasses(im, j);
			score_target(&sc, g, &lm[j], &gt[j], geom_iod(&lm[j]), &r, match[j],
			    &tg[ntg++]);
		}

		int bx, by, bw, bh;
		if (im->source == DS_CALTECH && o->upscale == 0 &&
		    background_strip(im, &bx, &by, &bw, &bh)) {
			gdRect rc = { bx, by, bw, bh };
			gdImagePtr crop = gdImageCrop(g, &rc);
			if (crop != NULL) {
				det_run(det, crop, &r);
				res->neg_photos++;
				res->neg_false += r.n;
				res->neg_photos_with_false += r.n > 0;
				gdImageDestroy(crop);
			}
		}
		gdImageDestroy(g);
	}
	if (res->faces == 0) {
		er = FF_EIO;
		goto out;
	}
	res->recall = (double)res->found / res->faces;
	res->precision = res->dets ? (double)res->true_dets / res->dets : 0;
	for (int p = 0; p < DS_PART__MAX; p++)
		summarise(tg, ntg, p, -1, &res->parts[p]);
	summarise(tg, ntg, -1, -1, &res->all);
	for (int k = 0; k < 2; k++)
		summarise(tg, ntg, -1, k, &res->glasses[k]);
	qsort(ms, nms, sizeof *ms, cmp_double);
	for (int j = 0; j < nms; j++)
		res->ms_mean += ms[j] / nms;
	res->ms_median = nms ? ms[nms / 2] : 0;
out:
	if (sc.dump != NULL)
		fclose(sc.dump);
	free(tg);
	free(ms);
	det_close(det);
	ds_free(&ds);
	return er;
}

/* One entry of by_source or by_glasses. */
static void
part_json(FILE *fp, const char *name, const struct eval_part *q, int first)
{
	fprintf(fp, "%s\"%s\":{\"photos\":%d,\"target_faces\":%d,\"target_found\":%.4f,"
	    "\"e_le_0.05\":%.4f,\"e_le_0.10\":%.4f,\"e_le_0.25\":%.4f,\"e_median\":%.4f,"
	    "\"eye_mean\":%.4f,\"eye_along_in\":%.4f,\"eye_down\":%.4f,"
	    "\"eye_mid_along\":%.4f,\"labelled_box_e_le_0.10\":%.4f}",
	    first ? "" : ",", name, q->photos, q->target,
	    q->target_recall, q->e05, q->e10, q->e25,
	    isfinite(q->e_median) ? q->e_median : -1.0,
	    q->eye_mean, q->along_in, q->down, q->mid_along, q->oracle_e10);
}

void
eval_json(const struct eval_opts *o, const struct eval_result *r, FILE *fp)
{
	const struct eval_part *a = &r->all;

	fprintf(fp, "{\"model\":\"%s\",\"face_size\":%d,\"refine_passes\":%d,\"refine_views\":%d,\"flip\":%s,\"recrop\":%s,\"box_weight\":%.2f,\"upscale\":%d,"
	    "\"photos\":%d,\"faces\":%d,\"face_recall\":%.4f,\"face_precision\":%.4f,"
	    "\"target_faces\":%d,\"target_found\":%.4f,\"e_le_0.05\":%.4f,"
	    "\"e_le_0.10\":%.4f,\"e_le_0.25\":%.4f,\"e_median\":%.4f,"
	    "\"negative_photos\":%d,\"false_faces\":%d,\"negatives_with_false_face\":%.4f,"
	    "\"ms_mean\":%.2f,\"ms_median\":%.2f,\"labelled_box_e_le_0.05\":%.4f,"
	    "\"labelled_box_e_le_0.10\":%.4f,\"labelled_box_e_median\":%.4f,"
	    "\"eye_mean\":%.4f,\"eye_along_in\":%.4f,\"eye_down\":%.4f,\"eye_mid_along\":%.4f",
	    r->model, o->face_size, r->used.refine_passes, r->used.refine_views,
	    r->used.no_flip ? "false" : "true", r->used.no_recrop ? "false" : "true",
	    r->used.box_weight, o->upscale,
	    r->photos, r->faces, r->recall, r->precision, a->target,
	    a->target_recall, a->e05, a->e10, a->e25,
	    isfinite(a->e_median) ? a->e_median : -1.0,
	    r->neg_photos, r->neg_false,
	    r->neg_photos ? (double)r->neg_photos_with_false / r->neg_photos : 0,
	    r->ms_mean, r->ms_median, a->oracle_e05, a->oracle_e10,
	    isfinite(a->oracle_median) ? a->oracle_median : -1.0,
	    a->eye_mean, a->along_in, a->down, a->mid_along);
	if (o->gaze != 0)
		fprintf(fp, ",\"gaze\":%.3f", o->gaze);
	if (o->crop_iod > 0)
		fprintf(fp, ",\"crop_iod\":%d,\"crop_side\":%d", o->crop_iod, CROP_SIDE);
	if (o->shrink > 1)
		fprintf(fp, ",\"shrink\":%.2f", o->shrink);
	if (o->blur > 0)
		fprintf(fp, ",\"blur\":%.2f", o->blur);
	if (o->jpeg > 0)
		fprintf(fp, ",\"jpeg\":%d", o->jpeg);
	if (o->source != NULL)
		fprintf(fp, ",\"source\":\"%s\",\"held_out\":%s", o->source,
		    o->held_out ? "true" : "false");
	fputs(",\"by_source\":{", fp);
	for (int p = 0, first = 1; p < DS_PART__MAX; p++)
		if (r->parts[p].photos > 0) {
			part_json(fp, ds_part_name((enum ds_part)p), &r->parts[p], first);
			first = 0;
		}
	fputs("},\"by_glasses\":{", fp);
	part_json(fp, "no", &r->glasses[0], 1);
	part_json(fp, "yes", &r->glasses[1], 0);
	fputs("}}\n", fp);
}
