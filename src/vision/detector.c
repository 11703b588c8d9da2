#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <darknet.h>
#include <openssl/evp.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "image/sample.h"
#include "vision/augment.h"
#include "vision/blas.h"
#include "vision/detector.h"

#define DET_DEFAULT_THRESH	0.25f
#define DET_NMS			0.40f

struct detector {
	network		*face, *eyes, *refine;
	float		 thresh;
	int		 no_refine;
	int		 passes;
	int		 views;
	int		 flip_tta;
	int		 recrop;
	int		 mouth;		/* stage 2 also gives the mouth centre */
	double		 box_weight;	/* of the landmark box in f->box */
	char		 version[32];
	/* Scratch reused across calls (why one detector per thread). */
	struct rgb8	 small, region, tmp;
	float		*in;
};

/*
 * libdarknet prints its layer table and "Loading weights" to stderr and
 * exit()s on a missing file: check the files first, and silence stderr
 * around the calls so a CLI's or a worker's log stays readable.
 */
static network *
load_net(const char *dir, const char *name, int size, EVP_MD_CTX *md)
{
	char cfg[4096], wts[4096], buf[65536];
	network *net;
	int fd, saved;
	ssize_t n;

	snprintf(cfg, sizeof cfg, "%s/%s.cfg", dir, name);
	snprintf(wts, sizeof wts, "%s/%s.weights", dir, name);
	if (access(cfg, R_OK) == -1 || (fd = open(wts, O_RDONLY)) == -1) {
		fprintf(stderr, "framefit: model file %s or %s is missing\n", cfg, wts);
		return NULL;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	close(fd);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if ((fd = open("/dev/null", O_WRONLY)) != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	net = load_network(cfg, wts, 0);
	set_batch_network(net, 1);
	if (size > 0 && (net->w != size || net->h != size))
		resize_network(net, size, size);
	fflush(stderr);
	if (saved != -1) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	return net;
}

enum ff_err
det_open(const struct det_opts *o, struct detector **out)
{
	struct detector *d = xcalloc(1, sizeof *d);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;

	if (o->face_size % 32 != 0 || o->face_size < 0 || o->face_size > 1024) {
		free(d);
		EVP_MD_CTX_free(md);
		return FF_EINPUT;
	}
	blas_init(1);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	d->face = load_net(o->dir, "face", o->face_size, md);
	d->eyes = d->face ? load_net(o->dir, "eyes", 0, md) : NULL;
	d->refine = d->eyes ? load_net(o->dir, "refine", 0, md) : NULL;
	EVP_DigestFinal_ex(md, h, &hl);
	EVP_MD_CTX_free(md);
	if (d->refine == NULL || d->eyes->w != EYES_IN || d->refine->w != REFINE_IN ||
	    (d->eyes->outputs != EYES_OUT && d->eyes->outputs != EYES_OUT_MOUTH) ||
	    d->refine->outputs != 2) {
		det_close(d);
		return FF_EMODEL;
	}
	snprintf(d->version, sizeof d->version, "ff-");
	for (unsigned i = 0; i < 6; i++)
		snprintf(d->version + 3 + 2 * i, 3, "%02x", h[i]);
	d->thresh = o->thresh > 0 ? o->thresh : DET_DEFAULT_THRESH;
	d->no_refine = o->no_refine;
	d->passes = o->refine_passes > 0 ? o->refine_passes : DET_REFINE_PASSES;
	d->views = o->refine_views > 0 ? o->refine_views : DET_REFINE_VIEWS;
	if (d->views > DET_REFINE_VIEWS_MAX)
		d->views = DET_REFINE_VIEWS_MAX;
	d->flip_tta = !o->no_flip;
	d->recrop = !o->no_recrop;
	d->mouth = d->eyes->outputs == EYES_OUT_MOUTH;
	d->box_weight = o->no_landmark_box ? 0 :
	    o->box_weight > 0 && o->box_weight <= 1 ? o->box_weight : DET_BOX_WEIGHT;
	d->in = xmalloc(sizeof(float) * 3 * d->face->w * d->face->h);
	*out = d;
	return FF_OK;
}

void
det_close(struct detector *d)
{
	if (d == NULL)
		return;
	if (d->face) free_network(d->face);
	if (d->eyes) free_network(d->eyes);
	if (d->refine) free_network(d->refine);
	smp_free(&d->small);
	smp_free(&d->region);
	smp_free(&d->tmp);
	free(d->in);
	free(d);
}

const char *
det_version(const struct detector *d)
{
	return d->version;
}

void
det_settings(const struct detector *d, struct det_opts *o)
{
	memset(o, 0, sizeof *o);
	o->face_size = d->face->w;
	o->thresh = d->thresh;
	o->no_refine = d->no_refine;
	o->refine_passes = d->no_refine ? 0 : d->passes;
	o->refine_views = d->views;
	o->no_recrop = !d->recrop;
	o->no_flip = !d->flip_tta;
	o->box_weight = d->box_weight;
	o->no_landmark_box = d->box_weight == 0;
}

static int
cmp_score(const void *a, const void *b)
{
	const struct face *x = a, *y = b;
	return (x->score < y->score) - (x->score > y->score);
}

/* Stage 2's outputs (points in crop coordinates, [-1, 1]) through the
 * crop's map `m` into region pixels: the eyes, then the mouth if n is 3.
 * For a mirrored crop (swap) the crop's image-left eye is the region's
 * image-right one. */
static void
decode_points(const struct affine *m, const float *out, int n, int swap, double *p)
{
	for (int i = 0; i < n; i++) {
		int j = swap && i < 2 ? 1 - i : i;
		affine_apply(m, aug_decode(out[2 * i], EYES_IN),
		    aug_decode(out[2 * i + 1], EYES_IN), &p[2 * j], &p[2 * j + 1]);
	}
}

/* Stage 2 on one square box of `region`: both eye centres, in region
 * pixels (e[0..1] image-left eye, e[2..3] image-right eye), and the mouth
 * centre (e[4..5]) where a frontal face has it unless the network
 * gives it. */
static void
eyes_stage(struct detector *d, const struct rgb8 *region, const struct fbox *b,
    double e[6])
{
	float in[3 * EYES_IN * EYES_IN], *out;
	struct affine m;

	aug_eyes_crop(b, &m);
	smp_affine_aa(region, &m, EYES_IN, EYES_IN, 0.5f, in, &d->tmp);
	out = network_predict(d->eyes, in);
	decode_points(&m, out, d->mouth ? 3 : 2, 0, e);
	if (d->flip_tta) {
		/* The mirrored crop: its image-left eye is our right one. The
		 * flip lives in the affine map, so the outputs map straight
		 * back to region pixels; average the two estimates. */
		double f[6];
		smp_square(&m, b->x + b->w / 2, b->y + b->h / 2, EYES_CROP * fmaxf(b->w, b->h),
		    0, 1, EYES_IN);
		smp_affine_aa(region, &m, EYES_IN, EYES_IN, 0.5f, in, &d->tmp);
		out = network_predict(d->eyes, in);
		decode_points(&m, out, d->mouth ? 3 : 2, 1, f);
		for (int i = 0; i < (d->mouth ? 6 : 4); i++)
			e[i] = (e[i] + f[i]) / 2;
	}
	if (!d->mouth) {
		/* (-dy, dx) points down the face when the eye line runs left
		 * to right. */
		double dx = e[2] - e[0], dy = e[3] - e[1];
		e[4] = (e[0] + e[2]) / 2 - GEOM_FRONTAL_DEM * dy;
		e[5] = (e[1] + e[3]) / 2 + GEOM_FRONTAL_DEM * dx;
	}
}

/* The face box the labels would give for these landmarks (geometry.h). */
static void
box_from_landmarks(const double e[6], struct fbox *b)
{
	struct landmarks p;

	p.lx = e[0]; p.ly = e[1];
	p.rx = e[2]; p.ry = e[3];
	p.mx = p.nx = e[4];
	p.my = p.ny = e[5];
	geom_face_box(&p, b);
}

/*
 * The refiner's views of one eye: the patch as trained, then shifted by a
 * few hundredths of the inter-ocular distance and scaled by up to 15 %.
 * Each view's answer is mapped back to the photo and the answers are
 * averaged: the refiner's error on one patch is partly noise of where the
 * pixel grid falls, which other framings do not share (models/README.md).
 */
static const struct {
	double	 dx, dy, scale;		/* in inter-ocular distances; factor */
} views[DET_REFINE_VIEWS_MAX] = {
	{ 0, 0, 1 },
	{ 0.06, 0.06, 0.85 },
	{ -0.06, -0.06, 1.15 },
	{ -0.06, 0.06, 0.92 },
	{ 0.06, -0.06, 1.08 },
};

/* Stages 2 and 3 for one face, in the coordinates of `region`. */
static void
find_eyes(struct detector *d, const struct rgb8 *region, struct face *f)
{
	struct affine m;
	double e[6], lx, ly, rxx, ryy, u, v;
	struct fbox lb;
	float *out;

	eyes_stage(d, region, &f->box, e);
	if (d->recrop && hypot(e[2] - e[0], e[3] - e[1]) > 2) {
		/* The detector's box is looser than the labelled boxes stage
		 * 2 learnt on; a second look through the box the first
		 * estimate implies puts the face where stage 2 expects it. */
		box_from_landmarks(e, &lb);
		eyes_stage(d, region, &lb, e);
	}
	/* The box the landmarks imply is the labels' own geometry, which
	 * the detector only approximates from its grid: blend the two (a
	 * weight below one keeps a bad landmark estimate from moving a good
	 * box far). */
	if (d->box_weight > 0 && hypot(e[2] - e[0], e[3] - e[1]) > 2) {
		double w = d->box_weight;
		box_from_landmarks(e, &lb);
		double cx = (1 - w) * (f->box.x + f->box.w / 2) + w * (lb.x + lb.w / 2);
		double cy = (1 - w) * (f->box.y + f->box.h / 2) + w * (lb.y + lb.h / 2);
		double side = exp((1 - w) * log(f->box.w) + w * log(lb.w));
		f->box.x = cx - side / 2;
		f->box.y = cy - side / 2;
		f->box.w = f->box.h = side;
	}
	lx = e[0]; ly = e[1];
	rxx = e[2]; ryy = e[3];

	/* Each pass re-centres the patches on the last estimate, so the
	 * second sees the eye near the middle, where the refiner is best.
	 * Only the last pass averages views: on the earlier ones they cost
	 * as much and measured worse (e <= 0.10 95.3 against 95.5 %). */
	for (int pass = 0; !d->no_refine && pass < d->passes; pass++) {
		double iod = hypot(rxx - lx, ryy - ly);
		double ang = atan2(ryy - ly, rxx - lx);
		float pin[3 * REFINE_IN * REFINE_IN];
		double *ex[2] = { &lx, &rxx }, *ey[2] = { &ly, &ryy };

		int nv = pass == d->passes - 1 ? d->views : 1;

		for (int e = 0; e < 2 && iod > 1; e++) {
			double sx = 0, sy = 0, px, py;

			for (int k = 0; k < nv; k++) {
				aug_refine_patch(*ex[e] + views[k].dx * iod,
				    *ey[e] + views[k].dy * iod, ang,
				    iod * views[k].scale, e, &m);
				smp_affine_aa(region, &m, REFINE_IN, REFINE_IN, 0.5f,
				    pin, &d->tmp);
				out = network_predict(d->refine, pin);
				u = aug_decode(out[0], REFINE_IN);
				v = aug_decode(out[1], REFINE_IN);
				affine_apply(&m, u, v, &px, &py);
				sx += px;
				sy += py;
			}
			*ex[e] = sx / nv;
			*ey[e] = sy / nv;
		}
	}
	f->left_eye[0] = lx;
	f->left_eye[1] = ly;
	f->right_eye[0] = rxx;
	f->right_eye[1] = ryy;
	geom_order_eyes(f->left_eye, f->right_eye);
	/* Stage 2's mouth, unrefined: it gives the head's yaw (frames.h). */
	f->mouth[0] = e[4];
	f->mouth[1] = e[5];
	f->has_mouth = d->mouth;
}

enum ff_err
det_find_eyes(struct detector *d, gdImagePtr im, struct face *f)
{
	/* The pixels around the face (the crop and both eye patches lie
	 * inside the box plus a small margin), box-averaged down to about one
	 * pixel per refine-patch pixel: finer pixels buy no accuracy, and a
	 * face filling a 12 MP photo would otherwise be converted whole. */
	double side = f->box.w, margin = side * 0.1;
	int x0 = (int)floor(f->box.x - margin), y0 = (int)floor(f->box.y - margin);
	int sz = (int)ceil(side + 2 * margin);
	int kr = (int)floor(side / 2.4 * REFINE_SIDE / REFINE_IN);
	struct face g = *f;

	if (!(side >= 1) || x0 >= gdImageSX(im) || y0 >= gdImageSY(im) ||
	    x0 + sz <= 0 || y0 + sz <= 0)
		return FF_EINPUT;
	if (kr < 1)
		kr = 1;
	smp_from_gd_area(im, x0, y0, sz, sz, kr, &d->region);
	/* region pixel (i, j) covers photo pixels from (x0c + kr i, y0c + kr j) */
	int x0c = x0 < 0 ? 0 : x0, y0c = y0 < 0 ? 0 : y0;
	g.box.x = (f->box.x - x0c) / kr;
	g.box.y = (f->box.y - y0c) / kr;
	g.box.w = g.box.h = f->box.w / kr;
	find_eyes(d, &d->region, &g);
	f->box.x = g.box.x * kr + x0c;
	f->box.y = g.box.y * kr + y0c;
	f->box.w = g.box.w * kr;
	f->box.h = g.box.h * kr;
	for (int e = 0; e < 2; e++) {
		f->left_eye[e] = g.left_eye[e] * kr + (e ? y0c : x0c);
		f->right_eye[e] = g.right_eye[e] * kr + (e ? y0c : x0c);
		f->mouth[e] = g.mouth[e] * kr + (e ? y0c : x0c);
	}
	f->has_mouth = g.has_mouth;
	return FF_OK;
}

enum ff_err
det_run(struct detector *d, gdImagePtr im, struct det_result *res)
{
	double t0 = ff_now_ms(), scale, dx, dy;
	int W = gdImageSX(im), H = gdImageSY(im), nw = d->face->w, nh = d->face->h;
	int k, ndets = 0, i;
	struct affine m;
	detection *dets;

	res->n = 0;
	if (W < 8 || H < 8)
		return FF_EIMAGE;
	/* Box-average while converting, so the bilinear letterbox step stays
	 * under ~1.5 source pixels and big photos do not alias. */
	k = (int)floor((double)(W > H ? W : H) / nw / 1.5);
	if (k < 1)
		k = 1;
	smp_from_gd_area(im, 0, 0, W, H, k, &d->small);
	smp_letterbox(&m, d->small.w, d->small.h, nw, nh, &scale, &dx, &dy);
	smp_affine(&d->small, &m, nw, nh, 0.5f, d->in);
	network_predict(d->face, d->in);
	/* Passing the network size as the image size keeps darknet's own
	 * letterbox correction out of it: boxes come back relative to the
	 * network input, and are mapped to the photo here. */
	dets = get_network_boxes(d->face, nw, nh, d->thresh, 0, NULL, 1, &ndets);
	do_nms_sort(dets, ndets, 1, DET_NMS);
	for (i = 0; i < ndets && res->n < DET_MAX_FACES; i++) {
		float p = dets[i].prob[0];
		if (p < d->thresh)
			continue;
		box bb = dets[i].bbox;
		/* network-input pixels -> small-image pixels -> photo pixels */
		double cx = (bb.x * nw - dx) / scale * k;
		double cy = (bb.y * nh - dy) / scale * k;
		double side = (bb.w * nw + bb.h * nh) / 2 / scale * k;
		struct face *f = &res->faces[res->n++];
		f->score = p;
		f->box.x = cx - side / 2;
		f->box.y = cy - side / 2;
		f->box.w = f->box.h = side;
	}
	free_detections(dets, ndets);
	qsort(res->faces, res->n, sizeof res->faces[0], cmp_score);

	for (i = 0; i < res->n; i++)
		det_find_eyes(d, im, &res->faces[i]);
	res->ms = ff_now_ms() - t0;
	return FF_OK;
}
