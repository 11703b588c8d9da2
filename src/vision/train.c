#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <darknet.h>
#include <gd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "image/sample.h"
#include "vision/augment.h"
#include "vision/blas.h"
#include "vision/dataset.h"
#include "vision/degrade.h"
#include "vision/train.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

const char *
train_stage_name(enum train_stage s)
{
	switch (s) {
	case STAGE_FACE: return "face";
	case STAGE_EYES: return "eyes";
	case STAGE_REFINE: return "refine";
	}
	return "?";
}

/* The decoded training photos, kept in memory for the whole run. */
struct pool {
	struct ds_image	**img;
	struct rgb8	 *px;
	int		  n;
	/* For the eye stages: every usable training face. */
	int		 *face_img;
	int		 *face_idx;
	int		  nfaces;
};

/*
 * The photos are research data whose labels are in pixels of the file as
 * stored, so they are decoded as stored (no EXIF rotation), unlike
 * shoppers' uploads.
 */
static enum ff_err
pool_load(const struct dataset *ds, enum train_stage stage, int exclude,
    int glasses_weight, struct pool *p)
{
	double t0 = ff_now_ms();
	int i, j, faces = 0;

	memset(p, 0, sizeof *p);
	p->img = xcalloc(ds->n, sizeof *p->img);
	p->px = xcalloc(ds->n, sizeof *p->px);
	if (stage == STAGE_FACE || glasses_weight < 1)
		glasses_weight = 1;
	p->face_img = xcalloc((size_t)ds->nfaces * glasses_weight, sizeof(int));
	p->face_idx = xcalloc((size_t)ds->nfaces * glasses_weight, sizeof(int));
	for (i = 0; i < ds->n; i++) {
		struct ds_image *im = &ds->img[i];
		gdImagePtr g;

		if (im->val || (int)im->part == exclude)
			continue;
		if ((g = gdImageCreateFromFile(im->path)) == NULL) {
			fprintf(stderr, "framefit: %s: cannot decode, skipped\n", im->path);
			continue;
		}
		smp_from_gd(g, &p->px[p->n]);
		gdImageDestroy(g);
		p->img[p->n] = im;
		for (j = 0; j < im->nfaces; j++) {
			/* Eyes closer than 12 px are too blurry to teach the
			 * eye stages anything; the face stage still sees them. */
			if (stage != STAGE_FACE && geom_iod(&im->faces[j].pts) < 12)
				continue;
			/* A face in glasses is drawn as often as that many faces. */
			faces++;
			for (int k = 0; k < (im->faces[j].glasses ? glasses_weight : 1); k++) {
				p->face_img[p->nfaces] = p->n;
				p->face_idx[p->nfaces] = j;
				p->nfaces++;
			}
		}
		p->n++;
	}
	fprintf(stderr, "framefit: %d training photos, %d faces decoded in %.1f s, drawn as %d\n",
	    p->n, faces, (ff_now_ms() - t0) / 1e3, p->nfaces);
	return p->n > 0 ? FF_OK : FF_EIO;
}

static void
pool_free(struct pool *p)
{
	for (int i = 0; i < p->n; i++)
		smp_free(&p->px[i]);
	free(p->px);
	free(p->img);
	free(p->face_img);
	free(p->face_idx);
}

static void
face_landmarks(const struct ds_image *im, struct landmarks *out, int max)
{
	for (int j = 0; j < im->nfaces && j < max; j++)
		out[j] = im->faces[j].pts;
}

/*
 * Turn the gaze of an eye-stage sample by g inter-ocular distances
 * (degrade.h), both eyes the same way as real eyes turn, at the eyes its
 * targets y mark; the targets stay.
 */
static void
gaze_turn(enum train_stage stage, float *x, const float *y, double g)
{
	if (stage == STAGE_EYES) {
		double lx = aug_decode(y[0], EYES_IN), ly = aug_decode(y[1], EYES_IN);
		double rx = aug_decode(y[2], EYES_IN), ry = aug_decode(y[3], EYES_IN);
		double iod = hypot(rx - lx, ry - ly);
		deg_gaze(x, EYES_IN, EYES_IN, lx, ly, rx - lx, ry - ly, iod, g * iod);
		deg_gaze(x, EYES_IN, EYES_IN, rx, ry, rx - lx, ry - ly, iod, g * iod);
	} else {
		/* The patch is aligned to the eye line, its scale fixed. */
		double iod = REFINE_IN / REFINE_SIDE;
		deg_gaze(x, REFINE_IN, REFINE_IN, aug_decode(y[0], REFINE_IN),
		    aug_decode(y[1], REFINE_IN), 1, 0, iod, g * iod);
	}
}

/*
 * Fill one batch of d (rows = net->batch) for the stage. The cfg's [net]
 * angle (degrees, darknet's own key) sets the face photos' roll; the eye
 * network's output count says whether it also learns the mouth.
 */
static void
fill_batch(enum train_stage stage, const network *net, struct pool *p,
    const struct deg_opts *deg, struct rng *r, data *d, struct rgb8 *tmp)
{
	struct landmarks lm[YOLO_MAX_BOXES];
	double roll_sd = net->angle > 0 ? net->angle * M_PI / 180 : FACE_ROLL_SD;

	for (int b = 0; b < d->X.rows; b++) {
		if (stage == STAGE_FACE) {
			int k = (int)(rng_uniform(r) * p->n);
			const struct ds_image *im = p->img[k];
			int n = im->nfaces < YOLO_MAX_BOXES ? im->nfaces : YOLO_MAX_BOXES;
			face_landmarks(im, lm, n);
			aug_face_sample(r, &p->px[k], lm, n, roll_sd, d->X.vals[b], d->y.vals[b], tmp);
		} else {
			int f = (int)(rng_uniform(r) * p->nfaces);
			int k = p->face_img[f];
			const struct landmarks *pts = &p->img[k]->faces[p->face_idx[f]].pts;
			int side = stage == STAGE_EYES ? EYES_IN : REFINE_IN;
			if (stage == STAGE_EYES)
				aug_eyes_sample(r, &p->px[k], pts, d->X.vals[b], d->y.vals[b],
				    d->y.cols, tmp);
			else
				aug_refine_sample(r, &p->px[k], pts, rng_uniform(r) < 0.5,
				    d->X.vals[b], d->y.vals[b], tmp);
			/* The eye stages meet turned gazes and worse photos
			 * than these (degrade.h): the scene, then the camera. */
			if (deg != NULL) {
				double g = deg_gaze_pick(r, deg);
				if (g != 0)
					gaze_turn(stage, d->X.vals[b], d->y.vals[b], g);
				deg_apply(r, deg, d->X.vals[b], side, side);
			}
		}
	}
}

static int
read_state(const char *path, long *iter, double *secs)
{
	FILE *fp = fopen(path, "r");
	int ok;

	if (fp == NULL)
		return 0;
	ok = fscanf(fp, "%ld %lf", iter, secs) == 2;
	fclose(fp);
	return ok;
}

/* Weights then state, each written to a temporary file and renamed, so a
 * kill at any moment leaves the previous checkpoint intact. */
static enum ff_err
checkpoint(network *net, const char *dir, const char *stage, long iter, double secs)
{
	char tmp[4096], dst[4096];
	FILE *fp;

	snprintf(tmp, sizeof tmp, "%s/%s.weights.tmp", dir, stage);
	snprintf(dst, sizeof dst, "%s/%s.weights", dir, stage);
	save_weights(net, tmp);
	if (rename(tmp, dst) == -1)
		return FF_EIO;
	snprintf(tmp, sizeof tmp, "%s/%s.state.tmp", dir, stage);
	snprintf(dst, sizeof dst, "%s/%s.state", dir, stage);
	if ((fp = fopen(tmp, "w")) == NULL)
		return FF_EIO;
	fprintf(fp, "%ld %.1f\n", iter, secs);
	if (fclose(fp) != 0 || rename(tmp, dst) == -1)
		return FF_EIO;
	return FF_OK;
}

enum ff_err
train_run(const struct train_opts *o, int *finished)
{
	const char *stage = train_stage_name(o->stage);
	char path[4096], wpath[4096];
	struct dataset ds;
	struct pool pool;
	struct rgb8 tmp = { 0, 0, NULL };
	struct rng rng;
	network *net = NULL;
	data d = { 0 };
	enum ff_err er;
	long iter = 0, start_iter, max_iter;
	double secs = 0, loss_ema = -1, t_run0, t_last;
	FILE *csv = NULL;
	int exclude = -1;
	struct deg_opts deg = deg_default;

	*finished = 0;
	if (o->gaze_set) {
		/* Past GAZE_MAX the slide folds the iris over itself. */
		if (!(o->gaze_share >= 0 && o->gaze_share <= 1 &&
		    o->gaze_max >= 0 && o->gaze_max <= GAZE_MAX)) {
			fprintf(stderr, "framefit: --gaze takes a share of 0 to 1 and a turn of 0 to %.2f eye distances, e.g. 0.8,0.15\n",
			    GAZE_MAX);
			return FF_EINPUT;
		}
		deg.p_gaze = o->gaze_share;
		deg.max_gaze = o->gaze_max;
	}
	if (o->glasses_weight < 0 || o->glasses_weight > 10) {
		fprintf(stderr, "framefit: --glasses takes a weight of 1 to 10\n");
		return FF_EINPUT;
	}
	int glasses = o->glasses_weight > 0 ? o->glasses_weight : TRAIN_GLASSES_WEIGHT;
	if (o->exclude != NULL) {
		enum ds_part p;
		if (ds_part_parse(o->exclude, &p) != FF_OK) {
			fprintf(stderr, "framefit: no source called %s (caltech, mtfl-lfw, mtfl-net)\n",
			    o->exclude);
			return FF_EINPUT;
		}
		exclude = (int)p;
		fprintf(stderr, "framefit: training without %s\n", o->exclude);
	}
	blas_init(o->threads);
	if ((er = ds_load(o->data, &ds)) != FF_OK)
		return er;
	if (mkdir(o->ckptdir, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "framefit: %s: %s\n", o->ckptdir, strerror(errno));
		ds_free(&ds);
		return FF_EIO;
	}
	if ((er = pool_load(&ds, o->stage, exclude, glasses, &pool)) != FF_OK)
		goto out;

	net = parse_network_cfg((char *)o->cfg);
	snprintf(wpath, sizeof wpath, "%s/%s.weights", o->ckptdir, stage);
	snprintf(path, sizeof path, "%s/%s.state", o->ckptdir, stage);
	if (access(wpath, R_OK) == 0 && read_state(path, &iter, &secs)) {
		load_weights(net, wpath);
		fprintf(stderr, "framefit: resuming %s at iteration %ld (%.1f min trained)\n",
		    stage, iter, secs / 60);
	} else if (o->init != NULL) {
		load_weights(net, (char *)o->init);
		*net->seen = 0;
	}
	/* The iteration count lives in the state file; darknet's `seen`
	 * drives the learning-rate schedule, so keep the two in step. */
	*net->seen = (size_t)iter * net->batch;
	max_iter = o->max_iter > 0 ? o->max_iter : net->max_batches;

	d.X = make_matrix(net->batch, net->w * net->h * net->c);
	d.y = make_matrix(net->batch, net->truths);
	rng_seed(&rng, 0x5eedull * 1000003ull + (uint64_t)iter);
	snprintf(path, sizeof path, "%s/%s.csv", o->ckptdir, stage);
	csv = fopen(path, "a");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	start_iter = iter;
	t_run0 = t_last = ff_now_ms();
	while (iter < max_iter && !stop_requested) {
		double t0 = ff_now_ms(), now;
		float loss;

		fill_batch(o->stage, net, &pool, o->no_degrade ? NULL : &deg,
		    &rng, &d, &tmp);
		loss = train_network(net, d);
		iter++;
		now = ff_now_ms();
		secs += (now - t0) / 1e3;
		loss_ema = loss_ema < 0 ? loss : 0.98 * loss_ema + 0.02 * loss;
		if (csv)
			fprintf(csv, "%ld,%.1f,%.6f,%.6f\n", iter, secs, loss, get_current_rate(net));
		if (now - t_last > 10e3 || iter == max_iter) {
			double rate = (iter - start_iter) * net->batch / ((now - t_run0) / 1e3);
			double eta = (max_iter - iter) * net->batch / (rate > 0 ? rate : 1);
			fprintf(stderr, "%s %ld/%ld loss %.4f (avg %.4f) lr %.5f %.0f img/s "
			    "trained %.1f min ETA %.1f min\n", stage, iter, max_iter,
			    loss, loss_ema, get_current_rate(net), rate, secs / 60, eta / 60);
			t_last = now;
			if (csv)
				fflush(csv);
		}
		if (o->snap_every > 0 && iter % o->snap_every == 0) {
			snprintf(path, sizeof path, "%s/%s_%ld.weights", o->ckptdir, stage, iter);
			save_weights(net, path);
		}
		if (iter % o->ckpt_every == 0 &&
		    (er = checkpoint(net, o->ckptdir, stage, iter, secs)) != FF_OK)
			goto out;
		if (o->minutes > 0 && (now - t_run0) / 60e3 >= o->minutes)
			break;
	}
	er = checkpoint(net, o->ckptdir, stage, iter, secs);
	*finished = iter >= max_iter;
	fprintf(stderr, "framefit: %s stopped at iteration %ld after %.1f min of training\n",
	    stage, iter, secs / 60);
out:
	if (csv)
		fclose(csv);
	if (net) {
		free_matrix(d.X);
		free_matrix(d.y);
		free_network(net);
	}
	smp_free(&tmp);
	pool_free(&pool);
	ds_free(&ds);
	return er;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

enum ff_err
train_anchors(const char *data, int k)
{
	struct dataset ds;
	struct pool pool;
	struct rng rng;
	struct rgb8 tmp = { 0, 0, NULL };
	struct landmarks lm[YOLO_MAX_BOXES];
	float *x = xmalloc(sizeof(float) * 3 * FACE_IN * FACE_IN);
	float y[YOLO_MAX_BOXES * 5], *sides = NULL, c[16];
	int n = 0, cap = 0, i, j, it;
	enum ff_err er;

	if (k < 1 || k > 16)
		return FF_EINPUT;
	if ((er = ds_load(data, &ds)) != FF_OK)
		return er;
	if ((er = pool_load(&ds, STAGE_FACE, -1, 1, &pool)) != FF_OK)
		goto out;
	rng_seed(&rng, 42);
	for (i = 0; i < 20000; i++) {
		int s = (int)(rng_uniform(&rng) * pool.n);
		const struct ds_image *im = pool.img[s];
		int m = im->nfaces < YOLO_MAX_BOXES ? im->nfaces : YOLO_MAX_BOXES;
		face_landmarks(im, lm, m);
		int nb = aug_face_sample(&rng, &pool.px[s], lm, m, FACE_ROLL_SD, x, y, &tmp);
		for (j = 0; j < nb; j++) {
			if (n == cap)
				sides = xreallocarray(sides, cap = cap ? cap * 2 : 1024, sizeof *sides);
			/* log of the geometric-mean side, in input pixels */
			sides[n++] = logf(sqrtf(y[j * 5 + 2] * y[j * 5 + 3]) * FACE_IN);
		}
	}
	qsort(sides, n, sizeof *sides, cmp_float);
	/* 1-D k-means on log side, seeded at quantiles: YOLO's IoU distance
	 * between square boxes depends only on the ratio of their sides. */
	for (j = 0; j < k; j++)
		c[j] = sides[(int)((j + 0.5) * n / k)];
	for (it = 0; it < 50; it++) {
		double sum[16] = { 0 };
		int cnt[16] = { 0 };
		for (i = 0; i < n; i++) {
			int best = 0;
			for (j = 1; j < k; j++)
				if (fabsf(sides[i] - c[j]) < fabsf(sides[i] - c[best]))
					best = j;
			sum[best] += sides[i];
			cnt[best]++;
		}
		for (j = 0; j < k; j++)
			if (cnt[j])
				c[j] = sum[j] / cnt[j];
	}
	printf("# %d boxes; anchors (w,h in %d-px input):\nanchors = ", n, FACE_IN);
	for (j = 0; j < k; j++) {
		int a = (int)lroundf(expf(c[j]));
		printf("%s%d,%d", j ? ", " : "", a, a);
	}
	printf("\n");
out:
	free(sides);
	free(x);
	smp_free(&tmp);
	pool_free(&pool);
	ds_free(&ds);
	return er;
}
