/*
 * batch_work.c: a worker process of `framefit batch`: it claims a few
 * items of the job, runs each photo through decode, detect and (with a
 * frame) draw (the photo pipeline: app/photo.h), stores each result while
 * its claim is still its own, and on a stop gives its other claims back
 * (the queue: store/batchq.h).
 *
 * It opens its own detector and database connection after the fork; its
 * statistics go to its slot of the memory it shares with the runner.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/batch_internal.h"
#include "app/photo.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "render/frame.h"
#include "store/batchq.h"
#include "store/catalog.h"
#include "store/consent.h"
#include "store/db.h"
#include "store/records.h"
#include "vision/detector.h"

/* The pixel limit of an upload applies to batch photos too. */
#define BATCH_MAX_PIXELS	PHOTO_MAX_PIXELS
/* JPEG quality of the try-ons, as the web app's renders. */
#define BATCH_JPEG_QUALITY	PHOTO_RENDER_QUALITY
/* A worker with nothing to claim looks again after this, ms. */
#define BATCH_POLL_MS		200
/* A database call that fails is tried again this many times, backing off
 * from 250 ms to 8 s (about a minute in all: a server restart). */
#define BATCH_DB_TRIES		12

/* Yielding to the shop: the CPU nice value and the I/O priority (class
 * best-effort, level 7, the lowest; linux/ioprio.h, which glibc does not
 * wrap) of a worker. */
#define BATCH_NICE		19
#define IOPRIO_CLASS_SHIFT	13
#define IOPRIO_CLASS_BE		2
#define IOPRIO_WHO_PROCESS	1
#define BATCH_IOPRIO		((IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7)
/* A rate-capped worker waits in naps of at most this, ms, so a stop and
 * the lease renewals are not held up. */
#define BATCH_PACE_NAP_MS	500

/* One claimed item and, once processed, its result. */
struct item {
	long long	 id;
	char		*path;
	long long	 attempts;	/* including our claim */
	enum batchq_state state;	/* BATCHQ_CLAIMED until processed */
	int		 flushed;	/* result written (or dropped) */
	const char	*reason;	/* static; BATCHQ_FAILED only */
	int		 width, height;
	double		 ms;		/* detector wall time */
	int		 nfaces;
	struct face	 faces[DET_MAX_FACES];
	int		 reused;	/* an upload's own detection drawn:
					 * none is stored for the item */
};

struct worker {
	const struct opts *o;
	const struct batchq_job *job;
	struct db	*db;
	struct detector	*det;
	struct frame	 frame;
	int		 have_frame;
	long long	 model_id;	/* 0: model not registered */
	char		 me[300];	/* host:pid */
	struct batchq_claimer q;	/* our claims in the job */
	struct batchq_item *claimed;	/* o->claim slots, for batchq_claim */
	long long	*renew;		/* o->claim slots, for batchq_renew */
	struct item	*items;		/* o->claim slots */
	size_t		 nitems;
	double		 renewed_ms;	/* ff_now_ms() of the last renewal */
	int		 pending;	/* worker_pending()'s answer */
	double		 pace_ms;	/* --max-rate: ms between our photos */
	double		 next_ms;	/* ff_now_ms() our next photo may start */
	struct wstats	*st;
	/* An uploads job's current item (upload_process()). */
	struct item	*cur;
	struct upload_row up;
	void		*up_bytes;
	enum consent_state up_state;
};

/* ---- The photo pipeline: decode, detect, keep the usable faces, draw
 * the try-on, and the result in the store's terms ---- */

/* The failure reason of an error, for batch_items.reason. */
static const char *
reason_of(enum ff_err er)
{
	/* ff_errcode() says "internal" for FF_EIO, which is true of a web
	 * request but unhelpful about a file the operator named. */
	if (er == FF_EIO)
		return "file_unreadable";
	return ff_errcode(er);
}

/*
 * The try-on's path below the output folder, appended to `out`: `path`
 * relative to `root` when it lies below it, else the whole absolute path
 * without its leading "/"; empty components are dropped and "." or ".."
 * become "_", so nothing lands outside the folder; ".jpg" is appended
 * unless the name already ends in .jpg or .jpeg (any case). So a.png and
 * a.jpg of one folder never overwrite each other.
 */
static void
tryon_name(const char *root, const char *path, struct buf *out)
{
	const char	*p = path, *seg, *dot;
	size_t		 rl = strlen(root), n;
	int		 first = 1;

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl > 0 && strncmp(path, root, rl) == 0 && path[rl] == '/')
		p = path + rl;
	else if (rl == 1 && root[0] == '/' && path[0] == '/')
		p = path;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (!first)
			buf_putc(out, '/');
		first = 0;
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			buf_putc(out, '_');
		else
			buf_append(out, seg, n);
	}
	if (first)
		buf_putc(out, '_');
	/* The last component's extension. */
	seg = out->ptr;
	if ((dot = strrchr(seg, '/')) != NULL)
		seg = dot + 1;
	dot = strrchr(seg, '.');
	if (dot == NULL || dot == seg || (strcasecmp(dot, ".jpg") != 0 &&
	    strcasecmp(dot, ".jpeg") != 0))
		buf_puts(out, ".jpg");
}

/* Write len bytes to path through a temporary file and rename(2), so a
 * killed worker never leaves half a JPEG. -1 with errno on failure. */
static int
write_atomic(const char *path, const void *p, size_t len)
{
	struct buf	 tmp;
	const char	*c = p;
	ssize_t		 w;
	int		 fd, rc = -1, e;

	buf_init(&tmp);
	buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
	if ((fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1)
		goto out;
	while (len > 0) {
		if ((w = write(fd, c, len)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		c += w;
		len -= (size_t)w;
	}
	e = errno;
	if (close(fd) == -1 && len == 0) {
		e = errno;
		len = 1;
	}
	if (len > 0 || rename(tmp.ptr, path) == -1) {
		if (len == 0)
			e = errno;
		unlink(tmp.ptr);
		errno = e;
		goto out;
	}
	rc = 0;
out:
	buf_free(&tmp);
	return rc;
}

/*
 * Draw the job's frame on the faces of `im` the face policy accepts
 * (photo_draw()) and write the JPEG. Nothing is written when it accepts
 * none. NULL on success, else the failure reason.
 */
static const char *
tryon_write(struct worker *w, const struct item *it, gdImagePtr im)
{
	struct buf	 path;
	const char	*reason = NULL;
	enum ff_err	 er;
	char		*slash;
	void		*jpg = NULL;
	int		 k = 0, len;

	er = photo_draw(im, it->faces, it->nfaces, &w->frame, 0, &k);
	if (k == 0)
		return NULL;
	if (er != FF_OK)
		return reason_of(er);
	if ((jpg = gdImageJpegPtr(im, &len, BATCH_JPEG_QUALITY)) == NULL)
		return reason_of(FF_ENOMEM);
	buf_init(&path);
	buf_printf(&path, "%s/", w->job->out_dir);
	tryon_name(w->job->root, it->path, &path);
	slash = strrchr(path.ptr, '/');
	*slash = '\0';
	if (batch_mkdir_p(path.ptr) == -1) {
		fprintf(stderr, "framefit batch: %s: %s\n", path.ptr,
		    strerror(errno));
		reason = "output_unwritable";
		goto out;
	}
	*slash = '/';
	if (write_atomic(path.ptr, jpg, (size_t)len) == -1) {
		fprintf(stderr, "framefit batch: %s: %s\n", path.ptr,
		    strerror(errno));
		reason = "output_unwritable";
	}
out:
	gdFree(jpg);
	buf_free(&path);
	return reason;
}

/* Keep only finite faces, with the score in 0..1 and a box of positive
 * size, as the schema wants them. */
static int
faces_clean(const struct det_result *res, struct face *out)
{
	const struct face	*f;
	int			 i, n = 0;

	for (i = 0; i < res->n && i < DET_MAX_FACES; i++) {
		f = &res->faces[i];
		if (!isfinite(f->score) || !isfinite(f->box.x) ||
		    !isfinite(f->box.y) || !isfinite(f->box.w) ||
		    !isfinite(f->box.h) || !isfinite(f->left_eye[0]) ||
		    !isfinite(f->left_eye[1]) || !isfinite(f->right_eye[0]) ||
		    !isfinite(f->right_eye[1]))
			continue;
		out[n] = *f;
		out[n].score = f->score < 0 ? 0 : f->score > 1 ? 1 : f->score;
		if (out[n].box.w < 0)
			out[n].box.w = 0;
		if (out[n].box.h < 0)
			out[n].box.h = 0;
		n++;
	}
	return n;
}

static void
item_fail(struct item *it, const char *reason)
{
	it->state = BATCHQ_FAILED;
	it->reason = reason;
	it->nfaces = 0;
}

/* Decode, detect and (with a frame) draw one photo; the result stays in
 * the item until worker_flush() stores it. */
static void
item_process(struct worker *w, struct item *it)
{
	static const struct photo_limits lim = { BATCH_MAX_PIXELS, 0, 0, 0 };
	struct det_result	 res;
	struct photo		 ph;
	struct stat		 st;
	enum ff_err		 er;
	const char		*why;

	/* Only regular files: open(2) on a FIFO would block the worker. */
	if (stat(it->path, &st) == -1) {
		item_fail(it, reason_of(FF_EIO));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		item_fail(it, reason_of(FF_EMEDIATYPE));
		return;
	}
	if ((er = photo_prepare_file(&ph, it->path, &lim)) != FF_OK) {
		item_fail(it, reason_of(er));
		goto out;
	}
	it->width = gdImageSX(ph.im);
	it->height = gdImageSY(ph.im);
	/* Every valid face is stored (faces_clean()), not only those the
	 * face policy would draw on: the results are the detector's. */
	if ((er = det_run(w->det, ph.im, &res)) != FF_OK) {
		item_fail(it, reason_of(er));
		goto out;
	}
	it->ms = isfinite(res.ms) && res.ms >= 0 ? res.ms : 0;
	it->nfaces = faces_clean(&res, it->faces);
	it->state = it->nfaces > 0 ? BATCHQ_DONE : BATCHQ_NOFACE;
	if (w->have_frame && it->nfaces > 0 &&
	    (why = tryon_write(w, it, ph.im)) != NULL)
		item_fail(it, why);
out:
	photo_free(&ph);
}

/* ---- An item of a job over the uploads kept with consent (the
 * newsletter): its path is the upload's token ---- */

static enum ff_err retrying(struct worker *,
		    enum ff_err (*)(struct worker *));

/* Why an upload's item is skipped, by its consent (the summary counts
 * these apart from failures: batch.c). */
static const char *
consent_reason(enum consent_state st)
{
	switch (st) {
	case CONSENT_WITHDRAWN:
	case CONSENT_NONE:
		return "consent_withdrawn";
	case CONSENT_EXPIRED:
		return "consent_expired";
	default:
		return "photo_gone";
	}
}

/* The stored photo of the current item, while its consent stands; a
 * step for retrying(). */
static enum ff_err
upload_fetch(struct worker *w)
{
	free(w->up_bytes);
	w->up_bytes = NULL;
	return db_consent_photo(w->db, w->cur->path, CONSENT_NEWSLETTER,
	    &w->up, &w->up_bytes, &w->up_state);
}

/*
 * Draw the job's frame on the upload's stored photo and write it to
 * DIR/<token>.jpg. A JPEG there already (an earlier attempt wrote it,
 * then lost its claim) is not written again. The consent is checked
 * here, as late as can be: an item whose consent was withdrawn since the
 * job was loaded is skipped (failed with a consent reason, counted apart
 * by the summary). The stored detection is drawn, the one the shopper's
 * own try-on used: it is the same photo and the same model, and a second
 * detection would count the photo twice in the reports; a photo with no
 * detection stored (none should be: the shop stores both together) is
 * detected afresh and the result is not stored.
 */
static void
upload_process(struct worker *w, struct item *it)
{
	struct photo_faces	 pf;
	struct photo		 ph;
	struct stat		 st;
	struct buf		 out;
	enum ff_err		 er;
	long long		 det_id = 0;
	void			*jpg = NULL;
	size_t			 jlen = 0;
	int			 i, n = 0, k = 0;

	memset(&ph, 0, sizeof(ph));
	buf_init(&out);
	buf_printf(&out, "%s/%s.jpg", w->job->out_dir, it->path);
	it->reused = 1;
	if (!upload_token_valid(it->path)) {
		item_fail(it, "photo_gone");
		goto out;
	}
	if (stat(out.ptr, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		it->state = BATCHQ_DONE;
		w->st->present++;
		goto out;
	}
	w->cur = it;
	if ((er = retrying(w, upload_fetch)) != FF_OK) {
		item_fail(it, reason_of(er));
		goto out;
	}
	if (w->up_state != CONSENT_GIVEN) {
		item_fail(it, consent_reason(w->up_state));
		goto out;
	}
	it->width = w->up.width;
	it->height = w->up.height;
	if ((er = photo_faces_load(w->db, w->up.id, &det_id, it->faces,
	    &n)) != FF_OK) {
		item_fail(it, reason_of(er));
		goto out;
	}
	if (det_id == 0) {
		if ((er = photo_prepare(&ph, w->up_bytes, w->up.len,
		    NULL)) != FF_OK || (er = photo_find_faces(w->det, ph.im,
		    &pf)) != FF_OK) {
			item_fail(it, reason_of(er));
			goto out;
		}
		n = pf.n;
		memcpy(it->faces, pf.face, sizeof(pf.face[0]) * (size_t)n);
	}
	for (i = 0; i < n; i++)
		k += photo_face_plausible(&it->faces[i], w->up.width,
		    w->up.height);
	if (k == 0) {
		it->state = BATCHQ_NOFACE;
		goto out;
	}
	if ((er = photo_render_jpeg(w->up_bytes, w->up.len, it->faces, n,
	    &w->frame, 0, &jpg, &jlen)) != FF_OK) {
		item_fail(it, reason_of(er));
		goto out;
	}
	if (write_atomic(out.ptr, jpg, jlen) == -1) {
		fprintf(stderr, "framefit batch: %s: %s\n", out.ptr,
		    strerror(errno));
		item_fail(it, "output_unwritable");
		goto out;
	}
	it->state = BATCHQ_DONE;
out:
	it->nfaces = 0;
	photo_free(&ph);
	free(jpg);
	free(w->up_bytes);
	w->up_bytes = NULL;
	w->cur = NULL;
	buf_free(&out);
}

/* The item's result and detection as the queue stores them (r borrows
 * the reason and faces, which must hold it->nfaces). */
static void
detection_result(const struct worker *w, const struct item *it,
    struct det_face *faces, struct batchq_result *r)
{
	memset(r, 0, sizeof(*r));
	r->id = it->id;
	r->attempts = it->attempts;
	r->state = it->state;
	r->reason = it->reason;
	r->width = it->width;
	r->height = it->height;
	r->model_id = w->model_id;
	r->ms = it->ms;
	photo_faces_to_store(it->faces, (size_t)it->nfaces, faces);
	r->faces = faces;
	r->nfaces = (size_t)it->nfaces;
	r->no_detection = it->reused;
}

/* ---- The queue: claim, store, renew, release ---- */

static void
items_clear(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->nitems; i++)
		free(w->items[i].path);
	w->nitems = 0;
}

/*
 * Claim up to o->claim items (batchq_claim(): one short transaction that
 * skips the rows other workers have locked). An item already claimed
 * max_attempts times by workers that died is failed as worker_lost.
 */
static enum ff_err
worker_claim(struct worker *w)
{
	enum ff_err	 er;
	size_t		 n, nlost, i;

	items_clear(w);
	if ((er = batchq_claim(w->db, &w->q, w->claimed, &n, &nlost)) !=
	    FF_OK)
		return er;
	for (i = 0; i < n; i++) {
		memset(&w->items[i], 0, sizeof(w->items[i]));
		w->items[i].id = w->claimed[i].id;
		w->items[i].path = w->claimed[i].path;	/* ours now */
		w->items[i].attempts = w->claimed[i].attempts;
		w->claimed[i].path = NULL;
	}
	w->nitems = n;
	w->renewed_ms = ff_now_ms();
	if (nlost > 0)
		fprintf(stderr, "framefit batch: %zu item(s) failed as "
		    "worker_lost after %d attempts\n", nlost,
		    w->o->max_attempts);
	return FF_OK;
}

/* Store one result (batchq_item_store(): its own transaction, and only
 * while the claim is still ours; a result whose lease was taken over is
 * dropped, the other worker's counts). Safe to run again after a
 * failure. */
static enum ff_err
item_store(struct worker *w, struct item *it)
{
	struct det_face		 faces[DET_MAX_FACES];
	struct batchq_result	 r;
	enum ff_err		 er;
	int			 stored;

	detection_result(w, it, faces, &r);
	if ((er = batchq_item_store(w->db, &w->q, &r, &stored)) != FF_OK)
		return er;
	it->flushed = 1;
	if (!stored) {
		w->st->lost++;
		return FF_OK;
	}
	w->st->stored++;
	return FF_OK;
}

/* Store the results not yet stored, then renew the claims still held
 * (one statement for all of them). */
static enum ff_err
worker_flush(struct worker *w)
{
	struct item	*it;
	enum ff_err	 er = FF_OK;
	size_t		 i, k = 0;

	for (i = 0; i < w->nitems; i++) {
		it = &w->items[i];
		if (it->state != BATCHQ_CLAIMED && !it->flushed &&
		    (er = item_store(w, it)) != FF_OK)
			return er;
	}
	for (i = 0; i < w->nitems; i++)
		if (w->items[i].state == BATCHQ_CLAIMED)
			w->renew[k++] = w->items[i].id;
	er = batchq_renew(w->db, &w->q, w->renew, k);
	if (er == FF_OK)
		w->renewed_ms = ff_now_ms();
	return er;
}

/* Give this worker's claims back to the queue (on a stop), not counting
 * them as attempts. */
static enum ff_err
worker_release(struct worker *w)
{
	return batchq_release(w->db, &w->q);
}

/* Whether the job may still get work (batchq_pending()). */
static enum ff_err
worker_pending(struct worker *w)
{
	return batchq_pending(w->db, w->job->id, &w->pending);
}

/* Run a database step again while the server is away (about a minute,
 * backing off), or at once after a deadlock. */
static enum ff_err
retrying(struct worker *w, enum ff_err (*step)(struct worker *))
{
	enum ff_err	er;
	double		wait = 250;
	int		i;

	for (i = 1; ; i++) {
		if ((er = step(w)) != FF_EDB || i >= BATCH_DB_TRIES ||
		    (batch_stop && i >= 2))
			return er;
		if (!db_retryable(w->db)) {
			batch_nap_ms(wait);
			wait = wait * 2 > 8000 ? 8000 : wait * 2;
		}
	}
}

/* ---- The worker's life ---- */

/*
 * Let the shop on this host come first: the lowest CPU priority and the
 * lowest best-effort I/O priority for this worker (its detector and its
 * file reads; the database server's work for it runs at the server's
 * priority). Failing is harmless: the batch then runs at the priority it
 * was started with.
 */
static void
worker_yield(void)
{
	errno = 0;
	if (setpriority(PRIO_PROCESS, 0, BATCH_NICE) == -1 && errno != 0)
		fprintf(stderr, "framefit batch: nice: %s\n", strerror(errno));
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, BATCH_IOPRIO) == -1)
		fprintf(stderr, "framefit batch: ioprio_set: %s\n",
		    strerror(errno));
}

/*
 * --max-rate: wait for this worker's next slot (each of the o->jobs
 * workers takes an equal share of the rate), in short naps that keep the
 * claims renewed. A slot missed is not made up for later: the cap holds
 * over any stretch of time.
 */
static enum ff_err
worker_pace(struct worker *w, double every)
{
	enum ff_err	er;
	double		now = ff_now_ms(), left;

	if (w->pace_ms <= 0)
		return FF_OK;
	while (!batch_stop && (left = w->next_ms - now) > 0) {
		batch_nap_ms(left < BATCH_PACE_NAP_MS ? left : BATCH_PACE_NAP_MS);
		now = ff_now_ms();
		if (now - w->renewed_ms >= every &&
		    (er = retrying(w, worker_flush)) != FF_OK)
			return er;
	}
	w->next_ms = (w->next_ms > now - w->pace_ms ? w->next_ms : now) +
	    w->pace_ms;
	return FF_OK;
}

static enum ff_err
worker_open(struct worker *w, const struct opts *o,
    const struct batchq_job *j, struct wstats *st)
{
	struct det_opts	 d = { .dir = o->models, .face_size = o->face_size };
	enum ff_err	 er;
	char		 host[256];

	memset(w, 0, sizeof(*w));
	w->o = o;
	w->job = j;
	w->st = st;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(w->me, sizeof(w->me), "%s:%ld", host, (long)getpid());
	w->q.job_id = j->id;
	w->q.me = w->me;
	w->q.claim = o->claim;
	w->q.lease_s = o->lease_s;
	w->q.max_attempts = o->max_attempts;
	w->items = xcalloc((size_t)o->claim, sizeof(*w->items));
	w->claimed = xcalloc((size_t)o->claim, sizeof(*w->claimed));
	w->renew = xcalloc((size_t)o->claim, sizeof(*w->renew));
	if ((er = det_open(&d, &w->det)) != FF_OK) {
		fprintf(stderr, "framefit batch: models %s: %s\n", o->models,
		    ff_strerror(er));
		return er;
	}
	if ((w->db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "framefit batch: database: %s\n",
		    ff_strerror(er));
		return er;
	}
	if (j->frame_id > 0) {
		if ((er = catalog_get(w->db, j->frame_sku, &w->frame)) != FF_OK) {
			fprintf(stderr, "framefit batch: frame %s: %s\n",
			    j->frame_sku, ff_strerror(er));
			return er;
		}
		w->have_frame = 1;
	}
	/* A model the trainer registered gets its id on every detection;
	 * an unregistered one (development) gets NULL. */
	er = db_model_by_version(w->db, det_version(w->det), &w->model_id);
	if (er == FF_ENOTFOUND) {
		w->model_id = 0;
		er = FF_OK;
	}
	return er;
}

static void
worker_close(struct worker *w)
{
	items_clear(w);
	free(w->items);
	free(w->claimed);
	free(w->renew);
	if (w->have_frame)
		catalog_frame_clear(&w->frame);
	db_close(w->db);
	if (w->det != NULL)
		det_close(w->det);
}

int
batch_worker_main(const struct opts *o, const struct batchq_job *j,
    struct wstats *st, pid_t runner)
{
	struct worker	 w;
	enum ff_err	 er = FF_OK;
	double		 every = o->lease_s * 1000.0 / 3;
	size_t		 i;
	int		 status = WORKER_FAILED;

	/* If the runner dies, stop cleanly (and give the claims back). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != runner)
		batch_stop = 1;
	if (o->yield)
		worker_yield();
	if (worker_open(&w, o, j, st) != FF_OK)
		goto out;
	if (o->max_rate > 0)
		w.pace_ms = 1000.0 * (o->jobs > 0 ? o->jobs : 1) / o->max_rate;
	for (;;) {
		if (batch_stop) {
			status = WORKER_STOPPED;
			break;
		}
		if ((er = retrying(&w, worker_claim)) != FF_OK)
			break;
		if (w.nitems == 0) {
			if ((er = retrying(&w, worker_pending)) != FF_OK)
				break;
			if (!w.pending) {
				status = WORKER_DONE;
				break;
			}
			batch_nap_ms(BATCH_POLL_MS);
			continue;
		}
		for (i = 0; i < w.nitems && !batch_stop; i++) {
			if ((er = worker_pace(&w, every)) != FF_OK)
				goto failed;
			if (batch_stop)
				break;
			if (j->kind == BATCHQ_UPLOADS)
				upload_process(&w, &w.items[i]);
			else
				item_process(&w, &w.items[i]);
			if (ff_now_ms() - w.renewed_ms >= every &&
			    (er = retrying(&w, worker_flush)) != FF_OK)
				goto failed;
		}
		if ((er = retrying(&w, worker_flush)) != FF_OK)
			break;
	}
failed:
	if (status == WORKER_FAILED)
		fprintf(stderr, "framefit batch: worker %ld stops: %s\n",
		    (long)getpid(), ff_strerror(er));
	/* Another worker's release can deadlock with this one: once more. */
	if (status != WORKER_DONE && w.db != NULL &&
	    retrying(&w, worker_release) != FF_OK)
		fprintf(stderr, "framefit batch: could not give claims back; "
		    "they return to the queue after the lease\n");
out:
	worker_close(&w);
	return status;
}
