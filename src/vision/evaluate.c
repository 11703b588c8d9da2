#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "image/sample.h"

#include "core/xalloc.h"
#include "vision/dataset.h"
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
	double		 e, oe;		/* eye error; on the labelled box */
	int		 found;
	double		 eye, along, down;	/* per-eye, found faces only */
};

/* The figures of the targets of one part, or of all with part < 0. */
static void
summarise(const struct tgt *t, int n, int part, struct eval_part *out)
{
	double *e = xcalloc(n ? n : 1, sizeof *e);
	int ne = 0, no = 0;

	for (int i = 0; i < n; i++) {
		if (part >= 0 && (int)t[i].part != part)
			continue;
		e[ne++] = t[i].e;
		out->target++;
		out->e05 += t[i].e <= 0.05;
		out->e10 += t[i].e <= 0.10;
		out->e25 += t[i].e <= 0.25;
		if (isfinite(t[i].oe)) {
			out->oracle_e10 += t[i].oe <= 0.10;
			no++;
		}
		if (t[i].found) {
			out->target_found++;
			out->eye_mean += t[i].eye;
			out->along_in += t[i].along;
			out->down += t[i].down;
		}
	}
	if (ne > 0) {
		out->target_recall = (double)out->target_found / ne;
		out->e05 /= ne;
		out->e10 /= ne;
		out->e25 /= ne;
		qsort(e, ne, sizeof *e, cmp_double);
		out->e_median = e[ne / 2];
	}
	if (no > 0)
		out->oracle_e10 /= no;
	if (out->target_found > 0) {
		out->eye_mean /= out->target_found;
		out->along_in /= out->target_found;
		out->down /= out->target_found;
	}
	free(e);
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
	double *errs = NULL, *ms = NULL, *oerrs = NULL;
	int nerr = 0, nms = 0, noerr = 0, only = -1;
	struct tgt *tg = NULL;
	FILE *dump = NULL;
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
	if ((er = ds_load(o->data, &ds)) != FF_OK)
		return er;
	if ((er = det_open(&dopt, &det)) != FF_OK)
		goto out;
	snprintf(res->model, sizeof res->model, "%s", det_version(det));
	det_settings(det, &res->used);
	errs = xcalloc(ds.nfaces, sizeof *errs);
	oerrs = xcalloc(ds.nfaces, sizeof *oerrs);
	tg = xcalloc(ds.nfaces, sizeof *tg);
	ms = xcalloc(ds.n, sizeof *ms);
	if (o->dump != NULL) {
		if ((dump = fopen(o->dump, "w")) == NULL) {
			er = FF_EIO;
			goto out;
		}
		fputs("path\tiod\tbest_iou\tfound\te\te_labelled_box\tdx\tdy\tdlog_side\tscore"
		    "\tsource\teye_mean\talong_in\tdown\n", dump);
	}

	for (int i = 0; i < ds.n; i++) {
		struct ds_image *im = &ds.img[i];
		struct det_result r;
		gdImagePtr g, big;
		double sc = 1;

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
			sc = (double)o->upscale / (im->w > im->h ? im->w : im->h);
			big = smp_resize(g, (int)lround(im->w * sc), (int)lround(im->h * sc));
			gdImageDestroy(g);
			if ((g = big) == NULL)
				continue;
		}
		res->photos++;
		res->parts[im->part].photos++;
		det_run(det, g, &r);
		ms[nms++] = r.ms;
		res->dets += r.n;

		struct fbox gt[256];
		int match[256], ngt = im->nfaces < 256 ? im->nfaces : 256;
		struct landmarks lm[256];
		for (int j = 0; j < ngt; j++) {
			lm[j] = im->faces[j].pts;
			lm[j].lx *= sc; lm[j].ly *= sc; lm[j].rx *= sc; lm[j].ry *= sc;
			lm[j].nx *= sc; lm[j].ny *= sc; lm[j].mx *= sc; lm[j].my *= sc;
			geom_face_box(&lm[j], &gt[j]);
		}
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
			struct tgt *t = &tg[res->target++];
			struct face of = { .score = 1, .box = gt[j] };
			double oe = INFINITY;
			t->part = im->part;
			if (det_find_eyes(det, g, &of) == FF_OK)
				oerrs[noerr++] = oe = geom_eye_error(of.left_eye, of.right_eye, &lm[j]);
			t->oe = oe;
			if (match[j] >= 0) {
				const struct face *f = &r.faces[match[j]];
				res->target_found++;
				errs[nerr++] = geom_eye_error(f->left_eye, f->right_eye, &lm[j]);
				double off[3];
				geom_eye_offsets(f->left_eye, f->right_eye, &lm[j], off);
				t->found = 1;
				t->eye = off[0];
				t->along = off[1];
				t->down = off[2];
			} else
				errs[nerr++] = INFINITY;
			t->e = errs[nerr - 1];
			if (dump != NULL) {
				/* The best-overlapping box, against the label's:
				 * centre offset and log size ratio, in label sides. */
				float best = 0, iou, score = 0;
				double dx = 0, dy = 0, ds = 0, s = gt[j].w;
				for (int k = 0; k < r.n; k++) {
					const struct fbox *b = &r.faces[k].box;
					if ((iou = geom_iou(&gt[j], b)) <= best)
						continue;
					best = iou;
					score = r.faces[k].score;
					dx = (b->x + b->w / 2 - gt[j].x - s / 2) / s;
					dy = (b->y + b->h / 2 - gt[j].y - s / 2) / s;
					ds = log(b->w / s);
				}
				fprintf(dump, "%s\t%.1f\t%.3f\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f"
				    "\t%s\t%.4f\t%.4f\t%.4f\n",
				    im->path, geom_iod(&lm[j]), best, match[j] >= 0,
				    errs[nerr - 1], oe, dx, dy, ds, score,
				    ds_part_name(im->part), t->eye, t->along, t->down);
			}
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
	res->target_recall = res->target ? (double)res->target_found / res->target : 0;
	for (int j = 0; j < nerr; j++) {
		res->e05 += errs[j] <= 0.05;
		res->e10 += errs[j] <= 0.10;
		res->e25 += errs[j] <= 0.25;
	}
	if (nerr) {
		res->e05 /= nerr; res->e10 /= nerr; res->e25 /= nerr;
		qsort(errs, nerr, sizeof *errs, cmp_double);
		res->e_median = errs[nerr / 2];
	}
	for (int j = 0; j < noerr; j++) {
		res->oracle_e05 += oerrs[j] <= 0.05;
		res->oracle_e10 += oerrs[j] <= 0.10;
	}
	if (noerr) {
		res->oracle_e05 /= noerr;
		res->oracle_e10 /= noerr;
		qsort(oerrs, noerr, sizeof *oerrs, cmp_double);
		res->oracle_median = oerrs[noerr / 2];
	}
	for (int p = 0; p < DS_PART__MAX; p++)
		summarise(tg, res->target, p, &res->parts[p]);
	{
		struct eval_part all = { 0 };
		summarise(tg, res->target, -1, &all);
		res->eye_mean = all.eye_mean;
		res->along_in = all.along_in;
		res->down = all.down;
	}
	qsort(ms, nms, sizeof *ms, cmp_double);
	for (int j = 0; j < nms; j++)
		res->ms_mean += ms[j] / nms;
	res->ms_median = nms ? ms[nms / 2] : 0;
out:
	if (dump != NULL)
		fclose(dump);
	free(errs);
	free(oerrs);
	free(tg);
	free(ms);
	det_close(det);
	ds_free(&ds);
	return er;
}

void
eval_json(const struct eval_opts *o, const struct eval_result *r, FILE *fp)
{
	fprintf(fp, "{\"model\":\"%s\",\"face_size\":%d,\"refine_passes\":%d,\"refine_views\":%d,\"flip\":%s,\"recrop\":%s,\"box_weight\":%.2f,\"upscale\":%d,"
	    "\"photos\":%d,\"faces\":%d,\"face_recall\":%.4f,\"face_precision\":%.4f,"
	    "\"target_faces\":%d,\"target_found\":%.4f,\"e_le_0.05\":%.4f,"
	    "\"e_le_0.10\":%.4f,\"e_le_0.25\":%.4f,\"e_median\":%.4f,"
	    "\"negative_photos\":%d,\"false_faces\":%d,\"negatives_with_false_face\":%.4f,"
	    "\"ms_mean\":%.2f,\"ms_median\":%.2f,\"labelled_box_e_le_0.05\":%.4f,"
	    "\"labelled_box_e_le_0.10\":%.4f,\"labelled_box_e_median\":%.4f,"
	    "\"eye_mean\":%.4f,\"eye_along_in\":%.4f,\"eye_down\":%.4f",
	    r->model, o->face_size, r->used.refine_passes, r->used.refine_views,
	    r->used.no_flip ? "false" : "true", r->used.no_recrop ? "false" : "true",
	    r->used.box_weight, o->upscale,
	    r->photos, r->faces, r->recall, r->precision, r->target,
	    r->target_recall, r->e05, r->e10, r->e25,
	    isfinite(r->e_median) ? r->e_median : -1.0,
	    r->neg_photos, r->neg_false,
	    r->neg_photos ? (double)r->neg_photos_with_false / r->neg_photos : 0,
	    r->ms_mean, r->ms_median, r->oracle_e05, r->oracle_e10, r->oracle_median,
	    r->eye_mean, r->along_in, r->down);
	if (o->source != NULL)
		fprintf(fp, ",\"source\":\"%s\",\"held_out\":%s", o->source,
		    o->held_out ? "true" : "false");
	fputs(",\"by_source\":{", fp);
	for (int p = 0, first = 1; p < DS_PART__MAX; p++) {
		const struct eval_part *q = &r->parts[p];
		if (q->photos == 0)
			continue;
		fprintf(fp, "%s\"%s\":{\"photos\":%d,\"target_faces\":%d,\"target_found\":%.4f,"
		    "\"e_le_0.05\":%.4f,\"e_le_0.10\":%.4f,\"e_le_0.25\":%.4f,\"e_median\":%.4f,"
		    "\"eye_mean\":%.4f,\"eye_along_in\":%.4f,\"eye_down\":%.4f,"
		    "\"labelled_box_e_le_0.10\":%.4f}",
		    first ? "" : ",", ds_part_name((enum ds_part)p), q->photos, q->target,
		    q->target_recall, q->e05, q->e10, q->e25,
		    isfinite(q->e_median) ? q->e_median : -1.0,
		    q->eye_mean, q->along_in, q->down, q->oracle_e10);
		first = 0;
	}
	fputs("}}\n", fp);
}
