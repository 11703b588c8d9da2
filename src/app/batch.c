/*
 * batch.c: `framefit batch`, the detector over whole photo libraries
 * (see batch.h for the command and its guarantees).
 *
 * Processes: the runner (the process batch_main() runs in) opens the job,
 * forks the workers, loads the input into the queue while they start, and
 * shows the progress; each worker claims, detects and stores. The runner
 * closes its database connection before forking and opens a new one after,
 * so no session is ever shared across a fork; each worker opens its own
 * detector and connection after the fork.
 *
 * Statement texts are constant per process (db.c caches statements by
 * their text); the two that depend on --claim are built once per worker.
 */
#define _GNU_SOURCE	/* nftw(3), FTW_PHYS */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app/batch.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "image/decode.h"
#include "render/frame.h"
#include "render/frames.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/migrate.h"
#include "vision/blas.h"
#include "vision/detector.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* The pixel limit of an upload applies to batch photos too. */
#define BATCH_MAX_PIXELS	(50u * 1000 * 1000)
/* JPEG quality of the try-ons, as the web app's renders. */
#define BATCH_JPEG_QUALITY	85
/* A worker with nothing to claim looks again after this, ms. */
#define BATCH_POLL_MS		200
/* A database call that fails is tried again this many times, backing off
 * from 250 ms to 8 s (about a minute in all: a server restart). */
#define BATCH_DB_TRIES		12
/* Progress every this many ms: on a terminal, and as log lines. */
#define BATCH_BAR_MS		500
#define BATCH_LOG_MS		5000
/* Progress queries may use at most 1/this of the runner's time. */
#define BATCH_COUNT_SHARE	20

/* Workers killed by a signal (a crash on some file) that a run replaces;
 * the file itself is failed as worker_lost after --max-attempts. */
#define BATCH_RESPAWNS		10

/* Worker exit statuses. */
#define WORKER_DONE		0	/* nothing left in the job */
#define WORKER_FAILED		1
#define WORKER_STOPPED		3	/* signalled; claims given back */

/* Set by SIGINT and SIGTERM, in the runner and in every worker. */
static volatile sig_atomic_t stop;

struct opts {
	const char	*input;		/* NULL: join the job named --job */
	const char	*job;
	const char	*models;
	const char	*sqldir;
	const char	*frame_sku;
	const char	*out_dir;
	int		 jobs;		/* worker processes */
	int		 lease_s;
	int		 claim;		/* items per claim */
	int		 max_attempts;
	int		 face_size;
	int		 retry_failed;
	int		 progress;	/* -1 auto, 0 log lines, 1 bar */
	int		 migrate;
};

enum job_kind { JOB_DIR = 0, JOB_LIST };

struct job {
	long long	 id;
	char		*name;		/* owned, like every string here */
	enum job_kind	 kind;
	char		*source;	/* absolute path of the dir or list */
	char		*root;		/* the dir, or the list's directory */
	long long	 frame_id;	/* 0: no try-ons */
	char		 frame_sku[33];
	char		*out_dir;	/* NULL: no try-ons */
	int		 loaded;
	int		 finished;
};

/* The job's items by state, and whether the input is all loaded. */
struct counts {
	long long	 queued, claimed, done, noface, failed;
	int		 loaded;
};

/* What one worker did; in memory shared with the runner (one slot per
 * worker, written by that worker only). */
struct wstats {
	long long	 stored;	/* results written */
	long long	 lost;		/* results dropped: lease taken over */
};

enum item_state { IT_CLAIMED = 0, IT_DONE, IT_NOFACE, IT_FAILED };

static const char *const state_names[] = {
	[IT_CLAIMED] = "claimed",
	[IT_DONE] = "done",
	[IT_NOFACE] = "noface",
	[IT_FAILED] = "failed",
};

/* One claimed item and, once processed, its result. */
struct item {
	long long	 id;
	char		*path;
	long long	 attempts;	/* including our claim */
	enum item_state	 state;		/* IT_CLAIMED until processed */
	int		 flushed;	/* result written (or dropped) */
	const char	*reason;	/* static; IT_FAILED only */
	int		 width, height;
	double		 ms;		/* detector wall time */
	int		 nfaces;
	struct face	 faces[DET_MAX_FACES];
};

struct worker {
	const struct opts *o;
	const struct job *job;
	struct db	*db;
	struct detector	*det;
	struct frame	 frame;
	int		 have_frame;
	long long	 model_id;	/* 0: model not registered */
	char		 me[300];	/* host:pid */
	char		*claim_sql;	/* UPDATE ... id IN (claim x ?) */
	char		*renew_sql;
	struct item	*items;		/* o->claim slots */
	size_t		 nitems;
	double		 renewed_ms;	/* ff_now_ms() of the last renewal */
	int		 pending;	/* worker_pending()'s answer */
	struct wstats	*st;
};

struct progress {
	int		 tty;
	double		 start_ms;
	double		 next_ms;
	long long	 start_finished;	/* -1 until the first count */
	long long	 loading;	/* paths our loader has queued */
	int		 drawn;		/* a bar is on the terminal */
	struct counts	 c;
};

struct runner {
	const struct opts *o;
	struct job	*job;
	struct db	*db;
	pid_t		*pids;		/* 0 once reaped */
	int		 live;
	int		 failed;	/* workers that exited in error */
	int		 signalled;	/* stop forwarded to the workers */
	int		 respawns;	/* workers replaced so far */
	pid_t		 self;		/* the runner's pid */
	struct wstats	*ws;		/* o->jobs slots, shared */
	struct progress	 pg;
	double		 next_load_ms;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: framefit batch [--job NAME] [--jobs N] [--models DIR] [--size N]\n"
	    "                      [--frame SKU --out DIR] [--lease SECONDS] [--claim N]\n"
	    "                      [--max-attempts N] [--retry-failed]\n"
	    "                      [--progress | --no-progress] [DIR | LIST]\n");
}

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void
nap_ms(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
	/* A signal cuts it short, which is what a stop wants. */
	nanosleep(&ts, NULL);
}

/* A whole decimal number in lo..hi; -1 for anything else. */
static int
parse_int(const char *s, int lo, int hi, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

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

/* "1h02m", "4m10s", "12s"; "?" when unknown. */
static void
fmt_duration(double s, char *out, size_t len)
{
	long long t;

	if (!isfinite(s) || s < 0 || s > 1e9) {
		snprintf(out, len, "?");
		return;
	}
	t = (long long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, len, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(out, len, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(out, len, "%llds", t);
}

/* Create a directory and its parents (mode 0777 less the umask). */
static int
mkdir_p(const char *dir)
{
	struct stat	 st;
	char		*p, *s;
	int		 rc = -1;

	s = xstrdup(dir);
	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0777) == -1 && errno != EEXIST)
			goto out;
		*p = '/';
	}
	if (mkdir(s, 0777) == -1 && errno != EEXIST)
		goto out;
	if (stat(s, &st) == -1)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	rc = 0;
out:
	free(s);
	return rc;
}

/* ---- Try-ons ---- */

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

/*
 * Whether the frame can be drawn on a detected face, and its eyes if so:
 * finite numbers, both eyes inside the image and inside the face's box
 * grown by a quarter of its size, an eye distance of at most the box's
 * width, and a scale frame_px_per_mm() accepts. A model early in its
 * training puts eyes far outside the photo; drawing a frame thousands of
 * pixels wide for those would only waste the batch's time.
 */
static int
face_drawable(const struct face *f, int w, int h, struct face_eyes *e)
{
	const float	*eye[2] = { f->left_eye, f->right_eye };
	float		 gx = f->box.w / 4, gy = f->box.h / 4;
	int		 i;

	if (!isfinite(f->box.x) || !isfinite(f->box.y) ||
	    !isfinite(f->box.w) || !isfinite(f->box.h) ||
	    f->box.w <= 0 || f->box.h <= 0)
		return 0;
	for (i = 0; i < 2; i++)
		if (!(eye[i][0] >= 0 && eye[i][0] < w &&
		    eye[i][1] >= 0 && eye[i][1] < h &&
		    eye[i][0] >= f->box.x - gx &&
		    eye[i][0] <= f->box.x + f->box.w + gx &&
		    eye[i][1] >= f->box.y - gy &&
		    eye[i][1] <= f->box.y + f->box.h + gy))
			return 0;
	e->lx = f->left_eye[0];
	e->ly = f->left_eye[1];
	e->rx = f->right_eye[0];
	e->ry = f->right_eye[1];
	if (hypot(e->rx - e->lx, e->ry - e->ly) > f->box.w)
		return 0;
	return frame_px_per_mm(e, 0) > 0;
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
 * Draw the job's frame on the drawable faces of `im` and write the JPEG.
 * Nothing is written when no face is drawable. NULL on success, else the
 * failure reason.
 */
static const char *
tryon_write(struct worker *w, const struct item *it, gdImagePtr im)
{
	struct face_eyes eyes[DET_MAX_FACES];
	struct buf	 path;
	const char	*reason = NULL;
	enum ff_err	 er;
	char		*slash;
	void		*jpg = NULL;
	int		 i, k = 0, len;

	for (i = 0; i < it->nfaces; i++)
		if (face_drawable(&it->faces[i], gdImageSX(im), gdImageSY(im),
		    &eyes[k]))
			k++;
	if (k == 0)
		return NULL;
	if ((er = frame_draw(im, &w->frame, eyes, k, 0)) != FF_OK)
		return reason_of(er);
	if ((jpg = gdImageJpegPtr(im, &len, BATCH_JPEG_QUALITY)) == NULL)
		return reason_of(FF_ENOMEM);
	buf_init(&path);
	buf_printf(&path, "%s/", w->job->out_dir);
	tryon_name(w->job->root, it->path, &path);
	slash = strrchr(path.ptr, '/');
	*slash = '\0';
	if (mkdir_p(path.ptr) == -1) {
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

/* ---- Jobs ---- */

static void
job_free(struct job *j)
{
	free(j->name);
	free(j->source);
	free(j->root);
	free(j->out_dir);
	memset(j, 0, sizeof(*j));
}

/* The directory part of an absolute path: "/a/b" -> "/a", "/a" -> "/". */
static char *
dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL || s == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(s - path));
}

#define JOB_SELECT "SELECT j.id, j.kind, j.source, j.frame_id, f.sku, " \
	"j.out_dir, j.loaded IS NOT NULL, j.finished IS NOT NULL " \
	"FROM batch_jobs j LEFT JOIN frames f ON f.id = j.frame_id " \
	"WHERE j.name = ?"

/* Read the job named j->name into j; FF_ENOTFOUND if there is none. */
static enum ff_err
job_read(struct db *db, struct job *j)
{
	struct db_rows	*r;
	struct db_arg	 a = DB_BLOB(j->name, strlen(j->name));
	const char	*s;
	enum ff_err	 er;
	int		 rc;

	if ((er = db_query(db, JOB_SELECT, &a, 1, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) != 1) {
		db_rows_free(r);
		return rc == 0 ? FF_ENOTFOUND : FF_EDB;
	}
	j->id = db_col_int(r, 0);
	s = db_col_text(r, 1, NULL);
	j->kind = s != NULL && strcmp(s, "list") == 0 ? JOB_LIST : JOB_DIR;
	free(j->source);
	j->source = xstrdup(db_col_text(r, 2, NULL));
	free(j->root);
	j->root = j->kind == JOB_DIR ? xstrdup(j->source) : dir_of(j->source);
	j->frame_id = db_col_int(r, 3);
	s = db_col_text(r, 4, NULL);
	snprintf(j->frame_sku, sizeof(j->frame_sku), "%s", s ? s : "");
	free(j->out_dir);
	s = db_col_text(r, 5, NULL);
	j->out_dir = s != NULL ? xstrdup(s) : NULL;
	j->loaded = db_col_int(r, 6) != 0;
	j->finished = db_col_int(r, 7) != 0;
	db_rows_free(r);
	return FF_OK;
}

/*
 * Find or create the job the options name. A job that exists must agree
 * with what the options say about it (input, frame, output folder): the
 * same command resumes it, a different one is a mistake. FF_EINPUT (with
 * a message) when it does not, or when there is no job and no input.
 */
static enum ff_err
job_open(struct db *db, const struct opts *o, struct job *j)
{
	struct db_arg	 a[5];
	struct stat	 st;
	enum job_kind	 kind = JOB_DIR;
	enum ff_err	 er;
	long long	 frame_id = 0;
	char		*src = NULL, *out = NULL;

	memset(j, 0, sizeof(*j));
	if (o->input != NULL) {
		if ((src = realpath(o->input, NULL)) == NULL ||
		    stat(src, &st) == -1) {
			fprintf(stderr, "framefit batch: %s: %s\n", o->input,
			    strerror(errno));
			er = FF_EINPUT;
			goto out;
		}
		if (S_ISDIR(st.st_mode))
			kind = JOB_DIR;
		else if (S_ISREG(st.st_mode))
			kind = JOB_LIST;
		else {
			fprintf(stderr, "framefit batch: %s: neither a directory "
			    "nor a list of paths\n", o->input);
			er = FF_EINPUT;
			goto out;
		}
		if (strlen(src) > BATCH_PATH_MAX) {
			fprintf(stderr, "framefit batch: %s: path too long\n",
			    o->input);
			er = FF_EINPUT;
			goto out;
		}
	}
	j->name = xstrdup(o->job != NULL ? o->job : src != NULL ? src : "");
	if (*j->name == '\0' || strlen(j->name) > 255) {
		fprintf(stderr, "framefit batch: %s\n", *j->name == '\0' ?
		    "give a DIR or LIST, or --job NAME of an existing job" :
		    "job name over 255 bytes: name it with --job");
		er = FF_EINPUT;
		goto out;
	}
	if (o->frame_sku != NULL) {
		a[0] = DB_TEXT(o->frame_sku);
		er = db_query_int(db, "SELECT id FROM frames WHERE sku = ?",
		    a, 1, &frame_id);
		if (er == FF_ENOTFOUND) {
			fprintf(stderr, "framefit batch: no frame %s in the "
			    "catalog\n", o->frame_sku);
			er = FF_EINPUT;
		}
		if (er != FF_OK)
			goto out;
	}
	if (o->out_dir != NULL) {
		if (mkdir_p(o->out_dir) == -1 ||
		    (out = realpath(o->out_dir, NULL)) == NULL) {
			fprintf(stderr, "framefit batch: %s: %s\n", o->out_dir,
			    strerror(errno));
			er = FF_EINPUT;
			goto out;
		}
	}

	if ((er = job_read(db, j)) == FF_ENOTFOUND && src != NULL) {
		a[0] = DB_BLOB(j->name, strlen(j->name));
		a[1] = DB_TEXT(kind == JOB_DIR ? "dir" : "list");
		a[2] = DB_BLOB(src, strlen(src));
		a[3] = frame_id > 0 ? DB_INT(frame_id) : DB_NULL;
		a[4] = out != NULL ? DB_BLOB(out, strlen(out)) : DB_NULL;
		/* A runner elsewhere may create the same job at this moment:
		 * then this is a no-op (not an error in the log), and
		 * job_read() below finds its row. */
		er = db_exec(db, "INSERT INTO batch_jobs (name, kind, source, "
		    "frame_id, out_dir) VALUES (?, ?, ?, ?, ?) "
		    "ON DUPLICATE KEY UPDATE name = name", a, 5, NULL, NULL);
		if (er != FF_OK && er != FF_EINPUT)
			goto out;
		er = job_read(db, j);
	}
	if (er == FF_ENOTFOUND) {
		fprintf(stderr, "framefit batch: no job named %s\n", j->name);
		er = FF_EINPUT;
	}
	if (er != FF_OK)
		goto out;

	if (src != NULL && (strcmp(src, j->source) != 0 || kind != j->kind)) {
		fprintf(stderr, "framefit batch: job %s is the %s %s, not %s\n",
		    j->name, j->kind == JOB_DIR ? "directory" : "list",
		    j->source, src);
		er = FF_EINPUT;
	} else if (frame_id > 0 && frame_id != j->frame_id) {
		fprintf(stderr, "framefit batch: job %s draws %s\n", j->name,
		    j->frame_id > 0 ? j->frame_sku : "no frame");
		er = FF_EINPUT;
	} else if (out != NULL && (j->out_dir == NULL ||
	    strcmp(out, j->out_dir) != 0)) {
		fprintf(stderr, "framefit batch: job %s writes %s\n", j->name,
		    j->out_dir != NULL ? j->out_dir : "no try-ons");
		er = FF_EINPUT;
	}
out:
	free(src);
	free(out);
	if (er != FF_OK)
		job_free(j);
	return er;
}

static enum ff_err
job_counts(struct db *db, const struct job *j, struct counts *c)
{
	struct db_rows	*r;
	struct db_arg	 a = DB_INT(j->id);
	const char	*s;
	enum ff_err	 er;
	long long	 n, loaded;
	int		 rc;

	memset(c, 0, sizeof(*c));
	if ((er = db_query_int(db, "SELECT loaded IS NOT NULL FROM batch_jobs "
	    "WHERE id = ?", &a, 1, &loaded)) != FF_OK)
		return er;
	c->loaded = loaded != 0;
	if ((er = db_query(db, "SELECT state, COUNT(*) FROM batch_items "
	    "WHERE job_id = ? GROUP BY state", &a, 1, &r)) != FF_OK)
		return er;
	while ((rc = db_rows_next(r)) == 1) {
		s = db_col_text(r, 0, NULL);
		n = db_col_int(r, 1);
		if (s == NULL)
			continue;
		if (strcmp(s, "queued") == 0)
			c->queued = n;
		else if (strcmp(s, "claimed") == 0)
			c->claimed = n;
		else if (strcmp(s, "done") == 0)
			c->done = n;
		else if (strcmp(s, "noface") == 0)
			c->noface = n;
		else if (strcmp(s, "failed") == 0)
			c->failed = n;
	}
	db_rows_free(r);
	return rc == 0 ? FF_OK : FF_EDB;
}

/* Mark the job finished, with its counts, if nothing is left in it. */
static enum ff_err
job_finish(struct db *db, struct job *j, const struct counts *c)
{
	struct db_arg a[5];

	if (!c->loaded || c->queued > 0 || c->claimed > 0)
		return FF_OK;
	a[0] = DB_INT(c->queued + c->claimed + c->done + c->noface + c->failed);
	a[1] = DB_INT(c->done);
	a[2] = DB_INT(c->noface);
	a[3] = DB_INT(c->failed);
	a[4] = DB_INT(j->id);
	j->finished = 1;
	return db_exec(db, "UPDATE batch_jobs SET finished = COALESCE(finished, "
	    "NOW(3)), n_items = ?, n_done = ?, n_noface = ?, n_failed = ? "
	    "WHERE id = ?", a, 5, NULL, NULL);
}

/* ---- Loading the input ---- */

struct loader {
	struct runner	*run;
	struct db	*db;
	const struct job *job;
	char		*sql;		/* the BATCH_LOAD_ROWS-row INSERT */
	struct db_arg	*args;
	struct buf	 paths;		/* the pending paths, back to back */
	size_t		 off[BATCH_LOAD_ROWS + 1];
	size_t		 n;
	long long	 queued;	/* paths sent (new or not) */
	long long	 skipped;	/* too long, or not regular files */
	enum ff_err	 er;
};

static void	 runner_tick(struct runner *, int force);

/* Send the pending paths: one multi-row INSERT for a full batch, single
 * rows in one transaction for the rest. Paths already queued for the job
 * (same SHA-256) are ignored. */
static enum ff_err
loader_flush(struct loader *l)
{
	enum ff_err	 er = FF_OK;
	size_t		 i;

	if (l->n == 0)
		return FF_OK;
	for (i = 0; i < l->n; i++) {
		l->args[2 * i] = DB_INT(l->job->id);
		l->args[2 * i + 1] = DB_BLOB(l->paths.ptr + l->off[i],
		    l->off[i + 1] - l->off[i]);
	}
	if (l->n == BATCH_LOAD_ROWS)
		er = db_exec(l->db, l->sql, l->args, 2 * l->n, NULL, NULL);
	else {
		if ((er = db_begin(l->db)) != FF_OK)
			goto out;
		for (i = 0; i < l->n && er == FF_OK; i++)
			er = db_exec(l->db, "INSERT IGNORE INTO batch_items "
			    "(job_id, path) VALUES (?, ?)", &l->args[2 * i], 2,
			    NULL, NULL);
		if (er == FF_OK)
			er = db_commit(l->db);
		else
			db_rollback(l->db);
	}
out:
	if (er == FF_OK)
		l->queued += (long long)l->n;
	l->n = 0;
	l->off[0] = 0;
	buf_reset(&l->paths);
	if (l->run != NULL) {
		l->run->pg.loading = l->queued;
		runner_tick(l->run, 0);
	}
	return er;
}

static void
loader_add(struct loader *l, const char *path, size_t len)
{
	if (l->er != FF_OK)
		return;
	if (len > BATCH_PATH_MAX) {
		if (l->skipped++ < 5)
			fprintf(stderr, "framefit batch: skipped, path over %d "
			    "bytes: %.80s...\n", BATCH_PATH_MAX, path);
		return;
	}
	buf_append(&l->paths, path, len);
	l->off[++l->n] = l->paths.len;
	if (l->n == BATCH_LOAD_ROWS)
		l->er = loader_flush(l);
}

/* nftw(3) has no user pointer: the walk in progress. */
static struct loader *walking;

static int
walk_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct stat st;

	(void)ftw;
	if (type == FTW_F && S_ISREG(sb->st_mode))
		loader_add(walking, path, strlen(path));
	else if (type == FTW_SL && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		loader_add(walking, path, strlen(path));
	else if (type == FTW_DNR) {
		fprintf(stderr, "framefit batch: %s: cannot read the "
		    "directory\n", path);
		walking->skipped++;
	} else if (type == FTW_F || type == FTW_SL || type == FTW_NS)
		walking->skipped++;
	return walking->er != FF_OK || stop ? 1 : 0;
}

static enum ff_err
load_dir(struct loader *l)
{
	walking = l;
	/* FTW_PHYS: a symlinked directory is not entered (no loops, no
	 * surprises); a symlink to a file is taken, by its own path. */
	if (nftw(l->job->source, walk_cb, 32, FTW_PHYS) == -1) {
		fprintf(stderr, "framefit batch: %s: %s\n", l->job->source,
		    strerror(errno));
		l->er = FF_EIO;
	}
	walking = NULL;
	return l->er;
}

static enum ff_err
load_list(struct loader *l)
{
	struct buf	 abs;
	char		*line = NULL;
	size_t		 cap = 0, len;
	ssize_t		 got;
	FILE		*fp;

	if ((fp = fopen(l->job->source, "re")) == NULL) {
		fprintf(stderr, "framefit batch: %s: %s\n", l->job->source,
		    strerror(errno));
		return FF_EIO;
	}
	buf_init(&abs);
	while (l->er == FF_OK && !stop && (got = getline(&line, &cap, fp)) != -1) {
		len = strlen(line);	/* a NUL byte ends the path */
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (line[0] == '/')
			loader_add(l, line, len);
		else {
			/* Relative to the list's directory. */
			buf_reset(&abs);
			buf_printf(&abs, "%s/%s", strcmp(l->job->root, "/") == 0 ?
			    "" : l->job->root, line);
			loader_add(l, abs.ptr, abs.len);
		}
	}
	if (ferror(fp)) {
		fprintf(stderr, "framefit batch: %s: read error\n",
		    l->job->source);
		l->er = FF_EIO;
	}
	fclose(fp);
	free(line);
	buf_free(&abs);
	return l->er;
}

/*
 * Load the input into the queue, unless another runner is at it: the
 * named lock is per job and server-wide, and dies with its session, so a
 * loader that died frees it for the next runner (which loads again; the
 * paths already queued are ignored). *busy is set when another runner
 * holds the lock. The job is marked loaded only after the whole input.
 */
static enum ff_err
job_load(struct runner *run, int *busy)
{
	struct loader	 l;
	struct buf	 sql;
	struct db_arg	 a[2];
	struct job	*j = run->job;
	enum ff_err	 er;
	long long	 got, loaded;
	size_t		 i;

	*busy = 0;
	a[0] = DB_INT(j->id);
	if ((er = db_query_int(run->db, "SELECT GET_LOCK(CONCAT('ffbatch.', "
	    "MD5(DATABASE()), '.', ?), 0)", a, 1, &got)) != FF_OK)
		return er;
	if (got != 1) {
		*busy = 1;
		return FF_OK;
	}
	memset(&l, 0, sizeof(l));
	buf_init(&l.paths);
	buf_init(&sql);
	if ((er = db_query_int(run->db, "SELECT loaded IS NOT NULL FROM "
	    "batch_jobs WHERE id = ?", a, 1, &loaded)) != FF_OK)
		goto out;
	if (loaded) {
		j->loaded = 1;
		goto out;
	}
	buf_puts(&sql, "INSERT IGNORE INTO batch_items (job_id, path) VALUES ");
	for (i = 0; i < BATCH_LOAD_ROWS; i++)
		buf_puts(&sql, i == 0 ? "(?, ?)" : ", (?, ?)");
	l.run = run;
	l.db = run->db;
	l.job = j;
	l.sql = sql.ptr;
	l.args = xcalloc(2 * BATCH_LOAD_ROWS, sizeof(*l.args));
	er = j->kind == JOB_DIR ? load_dir(&l) : load_list(&l);
	if (er == FF_OK && l.er == FF_OK)
		er = loader_flush(&l);
	if (er == FF_OK && l.er != FF_OK)
		er = l.er;
	if (er != FF_OK || stop)
		goto out;
	a[1] = DB_INT(j->id);
	if ((er = db_exec(run->db, "UPDATE batch_jobs SET loaded = NOW(3), "
	    "n_items = (SELECT COUNT(*) FROM batch_items WHERE job_id = ?) "
	    "WHERE id = ?", a, 2, NULL, NULL)) != FF_OK)
		goto out;
	j->loaded = 1;
	if (l.skipped > 0)
		fprintf(stderr, "framefit batch: %lld entries skipped (not "
		    "regular files, unreadable or paths too long)\n", l.skipped);
out:
	(void)db_query_int(run->db, "SELECT RELEASE_LOCK(CONCAT('ffbatch.', "
	    "MD5(DATABASE()), '.', ?))", a, 1, &got);
	free(l.args);
	buf_free(&l.paths);
	buf_free(&sql);
	return er;
}

/* ---- Workers ---- */

#define CLAIM_SELECT "SELECT id, path, attempts FROM batch_items " \
	"WHERE job_id = ? AND (state = 'queued' OR (state = 'claimed' AND " \
	"lease_until < NOW(3))) LIMIT ? FOR UPDATE SKIP LOCKED"

static void
items_clear(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->nitems; i++)
		free(w->items[i].path);
	w->nitems = 0;
}

/* "... id IN (?, ?, ...)" with o->claim parameters. */
static char *
sql_in(const char *head, int n)
{
	struct buf	b;
	int		i;

	buf_init(&b);
	buf_puts(&b, head);
	for (i = 0; i < n; i++)
		buf_puts(&b, i == 0 ? "?" : ", ?");
	buf_putc(&b, ')');
	return buf_steal(&b, NULL);
}

/*
 * Queue transactions run at READ COMMITTED: no gap locks, so claimers,
 * finishers and the loader meet only on row locks, which SKIP LOCKED
 * skips. The level holds for the next transaction only; should the
 * session be replaced between the two calls, that transaction runs at the
 * server's default, which may lock more but is just as correct.
 */
static enum ff_err
begin_rc(struct db *db)
{
	enum ff_err er;

	if ((er = db_exec(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
	    NULL, 0, NULL, NULL)) != FF_OK)
		return er;
	return db_begin(db);
}

/*
 * Claim up to o->claim items in one short transaction. Rows other workers
 * have locked are skipped, not waited for. An item already claimed
 * max_attempts times by workers that died is failed as worker_lost.
 */
static enum ff_err
worker_claim(struct worker *w)
{
	struct db_rows	*r = NULL;
	struct db_arg	*in = NULL, a[3];
	long long	*lost = NULL, id, att;
	size_t		 nlost = 0, n = 0, i;
	enum ff_err	 er;
	int		 rc;

	items_clear(w);
	lost = xcalloc((size_t)w->o->claim, sizeof(*lost));
	if ((er = begin_rc(w->db)) != FF_OK)
		goto out;
	a[0] = DB_INT(w->job->id);
	a[1] = DB_INT(w->o->claim);
	if ((er = db_query(w->db, CLAIM_SELECT, a, 2, &r)) != FF_OK)
		goto fail;
	while ((rc = db_rows_next(r)) == 1) {
		id = db_col_int(r, 0);
		att = db_col_int(r, 2);
		if (att >= w->o->max_attempts) {
			lost[nlost++] = id;
			continue;
		}
		memset(&w->items[n], 0, sizeof(w->items[n]));
		w->items[n].id = id;
		w->items[n].path = xstrdup(db_col_text(r, 1, NULL) ?
		    db_col_text(r, 1, NULL) : "");
		w->items[n].attempts = att + 1;
		n++;
		w->nitems = n;
	}
	db_rows_free(r);
	if (rc != 0) {
		er = FF_EDB;
		goto fail;
	}
	for (i = 0; i < nlost; i++) {
		a[0] = DB_INT(lost[i]);
		if ((er = db_exec(w->db, "UPDATE batch_items SET state = "
		    "'failed', reason = 'worker_lost', lease_until = NULL "
		    "WHERE id = ?", a, 1, NULL, NULL)) != FF_OK)
			goto fail;
	}
	if (n > 0) {
		in = xcalloc((size_t)w->o->claim + 2, sizeof(*in));
		in[0] = DB_TEXT(w->me);
		in[1] = DB_INT(w->o->lease_s);
		for (i = 0; i < (size_t)w->o->claim; i++)
			in[i + 2] = DB_INT(i < n ? w->items[i].id : 0);
		if ((er = db_exec(w->db, w->claim_sql, in,
		    (size_t)w->o->claim + 2, NULL, NULL)) != FF_OK)
			goto fail;
	}
	if ((er = db_commit(w->db)) != FF_OK)
		goto fail_done;
	w->renewed_ms = ff_now_ms();
	if (nlost > 0)
		fprintf(stderr, "framefit batch: %zu item(s) failed as "
		    "worker_lost after %d attempts\n", nlost,
		    w->o->max_attempts);
	goto out;
fail:
	db_rollback(w->db);
fail_done:
	items_clear(w);
out:
	free(lost);
	free(in);
	return er;
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
	it->state = IT_FAILED;
	it->reason = reason;
	it->nfaces = 0;
}

/* Decode, detect and (with a frame) draw one photo; the result stays in
 * the item until worker_flush() stores it. */
static void
item_process(struct worker *w, struct item *it)
{
	struct img_limits	 lim = { BATCH_MAX_PIXELS, 0 };
	struct det_result	 res;
	struct stat		 st;
	gdImagePtr		 im = NULL;
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
	if ((er = img_load_file(it->path, &lim, &im, NULL)) != FF_OK) {
		item_fail(it, reason_of(er));
		return;
	}
	it->width = gdImageSX(im);
	it->height = gdImageSY(im);
	if ((er = det_run(w->det, im, &res)) != FF_OK) {
		item_fail(it, reason_of(er));
		goto out;
	}
	it->ms = isfinite(res.ms) && res.ms >= 0 ? res.ms : 0;
	it->nfaces = faces_clean(&res, it->faces);
	it->state = it->nfaces > 0 ? IT_DONE : IT_NOFACE;
	if (w->have_frame && it->nfaces > 0 &&
	    (why = tryon_write(w, it, im)) != NULL)
		item_fail(it, why);
out:
	gdImageDestroy(im);
}

static enum ff_err
detection_store(struct worker *w, const struct item *it)
{
	struct db_arg	 a[11];
	const struct face *f;
	enum ff_err	 er;
	long long	 det_id;
	int		 i;

	a[0] = DB_INT(it->id);
	a[1] = w->model_id > 0 ? DB_INT(w->model_id) : DB_NULL;
	a[2] = DB_INT(it->nfaces);
	a[3] = DB_DOUBLE(it->ms);
	if ((er = db_exec(w->db, "INSERT INTO detections (batch_item_id, "
	    "model_id, faces, ms) VALUES (?, ?, ?, ?)", a, 4, NULL,
	    &det_id)) != FF_OK)
		return er;
	for (i = 0; i < it->nfaces; i++) {
		f = &it->faces[i];
		a[0] = DB_INT(det_id);
		a[1] = DB_INT(i);
		a[2] = DB_DOUBLE(f->score);
		a[3] = DB_DOUBLE(f->box.x);
		a[4] = DB_DOUBLE(f->box.y);
		a[5] = DB_DOUBLE(f->box.w);
		a[6] = DB_DOUBLE(f->box.h);
		a[7] = DB_DOUBLE(f->left_eye[0]);
		a[8] = DB_DOUBLE(f->left_eye[1]);
		a[9] = DB_DOUBLE(f->right_eye[0]);
		a[10] = DB_DOUBLE(f->right_eye[1]);
		if ((er = db_exec(w->db, "INSERT INTO detection_faces "
		    "(detection_id, idx, score, box_x, box_y, box_w, box_h, "
		    "left_eye_x, left_eye_y, right_eye_x, right_eye_y) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", a, 11, NULL,
		    NULL)) != FF_OK)
			return er;
	}
	return FF_OK;
}

/*
 * Store one result, in a transaction of its own with its detection, and
 * only while the item is claimed by this worker in this very attempt;
 * otherwise its lease was taken over and the result is dropped (the other
 * worker's counts). Safe to run again after a failure: what committed is
 * no longer 'claimed' by us.
 *
 * One item per transaction, not one claim's worth: the admin triggers on
 * detections (sql/020_admin.sql) write the MEMORY table live_counters,
 * whose table lock InnoDB's deadlock detector cannot see, so a transaction
 * with two detection INSERTs can deadlock with another writer and sit out
 * innodb_lock_wait_timeout (50 s). With one INSERT per transaction the
 * rollup row locks it takes are the last thing it waits for.
 */
static enum ff_err
item_store(struct worker *w, struct item *it)
{
	struct db_arg	 a[7];
	enum ff_err	 er;
	long long	 hit;

	a[0] = DB_TEXT(state_names[it->state]);
	a[1] = DB_TEXT(it->reason);
	a[2] = it->width > 0 ? DB_INT(it->width) : DB_NULL;
	a[3] = it->height > 0 ? DB_INT(it->height) : DB_NULL;
	a[4] = DB_INT(it->id);
	a[5] = DB_TEXT(w->me);
	a[6] = DB_INT(it->attempts);
	if ((er = begin_rc(w->db)) != FF_OK)
		return er;
	if ((er = db_exec(w->db, "UPDATE batch_items SET state = ?, reason = ?, "
	    "width = ?, height = ?, lease_until = NULL WHERE id = ? AND "
	    "state = 'claimed' AND claimed_by = ? AND attempts = ?", a, 7, &hit,
	    NULL)) != FF_OK)
		goto fail;
	if (hit > 0 && it->state != IT_FAILED &&
	    (er = detection_store(w, it)) != FF_OK)
		goto fail;
	if ((er = db_commit(w->db)) != FF_OK)
		return er;
	it->flushed = 1;
	if (hit == 0) {
		w->st->lost++;
		return FF_OK;
	}
	w->st->stored++;
	return FF_OK;
fail:
	db_rollback(w->db);
	return er;
}

/* Store the results not yet stored, then renew the claims still held
 * (one statement for all of them). */
static enum ff_err
worker_flush(struct worker *w)
{
	struct db_arg	*in = NULL;
	struct item	*it;
	enum ff_err	 er = FF_OK;
	size_t		 i, k = 0;

	for (i = 0; i < w->nitems; i++) {
		it = &w->items[i];
		if (it->state != IT_CLAIMED && !it->flushed &&
		    (er = item_store(w, it)) != FF_OK)
			return er;
	}
	in = xcalloc((size_t)w->o->claim + 2, sizeof(*in));
	in[0] = DB_INT(w->o->lease_s);
	in[1] = DB_TEXT(w->me);
	for (i = 0; i < w->nitems; i++)
		if (w->items[i].state == IT_CLAIMED)
			in[2 + k++] = DB_INT(w->items[i].id);
	if (k > 0) {
		while (k < (size_t)w->o->claim)
			in[2 + k++] = DB_INT(0);
		er = db_exec(w->db, w->renew_sql, in, k + 2, NULL, NULL);
	}
	if (er == FF_OK)
		w->renewed_ms = ff_now_ms();
	free(in);
	return er;
}

/* Give this worker's claims back to the queue (on a stop), not counting
 * them as attempts. */
static enum ff_err
worker_release(struct worker *w)
{
	struct db_arg a[2];

	a[0] = DB_INT(w->job->id);
	a[1] = DB_TEXT(w->me);
	return db_exec(w->db, "UPDATE batch_items SET state = 'queued', "
	    "claimed_by = NULL, claimed_at = NULL, lease_until = NULL, "
	    "attempts = GREATEST(attempts, 1) - 1 WHERE job_id = ? AND "
	    "state = 'claimed' AND claimed_by = ?", a, 2, NULL, NULL);
}

/* Whether the job may still get work: not loaded yet, or an item queued
 * or claimed (a claim may expire and come back). */
static enum ff_err
worker_pending(struct worker *w)
{
	struct db_arg	 a[2];
	enum ff_err	 er;
	long long	 v;

	a[0] = DB_INT(w->job->id);
	a[1] = DB_INT(w->job->id);
	er = db_query_int(w->db, "SELECT (SELECT loaded IS NULL FROM batch_jobs "
	    "WHERE id = ?) OR EXISTS (SELECT 1 FROM batch_items WHERE job_id = ? "
	    "AND state IN ('queued', 'claimed'))", a, 2, &v);
	w->pending = er != FF_OK || v != 0;
	return er;
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
		    (stop && i >= 2))
			return er;
		if (!db_retryable(w->db)) {
			nap_ms(wait);
			wait = wait * 2 > 8000 ? 8000 : wait * 2;
		}
	}
}

static enum ff_err
worker_open(struct worker *w, const struct opts *o, const struct job *j,
    struct wstats *st)
{
	struct det_opts	 d = { .dir = o->models, .face_size = o->face_size };
	struct db_arg	 a;
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
	w->items = xcalloc((size_t)o->claim, sizeof(*w->items));
	w->claim_sql = sql_in("UPDATE batch_items SET state = 'claimed', "
	    "claimed_by = ?, claimed_at = NOW(3), lease_until = NOW(3) + "
	    "INTERVAL ? SECOND, attempts = attempts + 1 WHERE id IN (",
	    o->claim);
	w->renew_sql = sql_in("UPDATE batch_items SET lease_until = NOW(3) + "
	    "INTERVAL ? SECOND WHERE state = 'claimed' AND claimed_by = ? AND "
	    "id IN (", o->claim);
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
	a = DB_TEXT(det_version(w->det));
	er = db_query_int(w->db, "SELECT id FROM models WHERE version = ?", &a,
	    1, &w->model_id);
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
	free(w->claim_sql);
	free(w->renew_sql);
	if (w->have_frame)
		catalog_frame_clear(&w->frame);
	db_close(w->db);
	if (w->det != NULL)
		det_close(w->det);
}

/* The body of a worker process; returns its exit status. */
static int
worker_main(const struct opts *o, const struct job *j, struct wstats *st,
    pid_t runner)
{
	struct worker	 w;
	enum ff_err	 er = FF_OK;
	double		 every = o->lease_s * 1000.0 / 3;
	size_t		 i;
	int		 status = WORKER_FAILED;

	/* If the runner dies, stop cleanly (and give the claims back). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != runner)
		stop = 1;
	if (worker_open(&w, o, j, st) != FF_OK)
		goto out;
	for (;;) {
		if (stop) {
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
			nap_ms(BATCH_POLL_MS);
			continue;
		}
		for (i = 0; i < w.nitems && !stop; i++) {
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
	if (status != WORKER_DONE && w.db != NULL &&
	    worker_release(&w) != FF_OK)
		fprintf(stderr, "framefit batch: could not give claims back; "
		    "they return to the queue after the lease\n");
out:
	worker_close(&w);
	return status;
}

/* ---- The runner: workers, progress, summary ---- */

/*
 * Start worker `slot`. The child inherits the runner's database handle
 * (if open) but never uses or closes it: it leaves with _exit(2), so no
 * COM_QUIT goes out on the runner's session.
 */
static pid_t
worker_spawn(struct runner *r, int slot)
{
	pid_t	pid;
	int	rc;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("framefit batch: fork");
		return -1;
	}
	if (pid == 0) {
		rc = worker_main(r->o, r->job, &r->ws[slot], r->self);
		fflush(NULL);
		_exit(rc);
	}
	r->pids[slot] = pid;
	r->live++;
	return pid;
}

static void
runner_reap(struct runner *r)
{
	pid_t	pid;
	int	status, i, ok;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < r->o->jobs; i++)
			if (r->pids[i] == pid)
				break;
		if (i == r->o->jobs)
			continue;
		r->pids[i] = 0;
		r->live--;
		ok = WIFEXITED(status) && (WEXITSTATUS(status) == WORKER_DONE ||
		    (WEXITSTATUS(status) == WORKER_STOPPED && stop));
		if (ok)
			continue;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "framefit batch: worker %ld killed by "
			    "signal %d\n", (long)pid, WTERMSIG(status));
			/* Its claims come back after their lease. */
			if (!stop && r->respawns < BATCH_RESPAWNS &&
			    worker_spawn(r, i) > 0) {
				r->respawns++;
				fprintf(stderr, "framefit batch: started worker "
				    "%ld in its place\n", (long)r->pids[i]);
				continue;
			}
		} else
			fprintf(stderr, "framefit batch: worker %ld failed\n",
			    (long)pid);
		r->failed++;
	}
}

/*
 * The progress text: a bar for a terminal, else a log line. rate is
 * photos per second (< 0: not known yet), loading the paths this runner
 * has queued so far while the job is not loaded.
 */
static void
progress_text(const struct counts *c, long long loading, double rate, int bar,
    struct buf *out)
{
	long long	 fin = c->done + c->noface + c->failed;
	long long	 total = fin + c->queued + c->claimed;
	double		 pct = total > 0 ? 100.0 * fin / total : 0;
	char		 eta[32], r[32];
	int		 i, w = 24, fill;

	if (rate >= 0)
		snprintf(r, sizeof(r), "%.1f", rate);
	else
		snprintf(r, sizeof(r), "--");
	fmt_duration(c->loaded && rate > 0 ? (total - fin) / rate : -1, eta,
	    sizeof(eta));
	if (!c->loaded) {
		buf_printf(out, "%sloading: %lld paths queued, %lld processed; "
		    "%s photos/s", bar ? "" : "framefit batch: ",
		    loading > total ? loading : total, fin, r);
		return;
	}
	if (bar) {
		fill = total > 0 ? (int)(w * fin / total) : 0;
		buf_putc(out, '[');
		for (i = 0; i < w; i++)
			buf_putc(out, i < fill ? '#' : '.');
		buf_printf(out, "] %5.1f%% %lld/%lld  done %lld  noface %lld  "
		    "failed %lld  %s photos/s  ETA %s", pct, fin, total,
		    c->done, c->noface, c->failed, r, eta);
	} else
		buf_printf(out, "framefit batch: %lld/%lld (%.1f%%): %lld done, "
		    "%lld no face, %lld failed; %s photos/s; ETA %s", fin,
		    total, pct, c->done, c->noface, c->failed, r, eta);
}

static void
progress_show(struct runner *r, int force)
{
	struct progress	*p = &r->pg;
	struct buf	 line;
	double		 t0 = ff_now_ms(), q, rate = -1;
	long long	 fin;

	if (r->db == NULL || (!force && t0 < p->next_ms))
		return;
	if (job_counts(r->db, r->job, &p->c) != FF_OK) {
		p->next_ms = t0 + BATCH_LOG_MS;
		return;
	}
	q = ff_now_ms() - t0;
	if (p->c.loaded)
		r->job->loaded = 1;
	fin = p->c.done + p->c.noface + p->c.failed;
	if (p->start_finished < 0) {
		p->start_finished = fin;
		p->start_ms = t0;
	} else if (t0 - p->start_ms >= 1000)
		rate = (fin - p->start_finished) / ((t0 - p->start_ms) / 1000);
	/* Counting a huge job takes a while: never spend more than
	 * 1/BATCH_COUNT_SHARE of the time on it. */
	p->next_ms = t0 + fmax(p->tty ? BATCH_BAR_MS : BATCH_LOG_MS,
	    BATCH_COUNT_SHARE * q);
	if (force && !p->tty)
		return;
	buf_init(&line);
	progress_text(&p->c, p->loading, rate, p->tty, &line);
	if (p->tty) {
		/* \r and erase to the end of the line (ECMA-48 EL). */
		fprintf(stderr, "\r%s\033[K", line.ptr);
		p->drawn = 1;
	} else
		fprintf(stderr, "%s\n", line.ptr);
	fflush(stderr);
	buf_free(&line);
}

static void
runner_tick(struct runner *r, int force)
{
	int i;

	runner_reap(r);
	if (stop && !r->signalled) {
		for (i = 0; i < r->o->jobs; i++)
			if (r->pids[i] > 0)
				kill(r->pids[i], SIGTERM);
		r->signalled = 1;
	}
	progress_show(r, force);
}

/* "6 failed: 4 image_corrupt, 2 unsupported_media_type" and one example
 * path per reason. */
static void
summary(struct runner *r, double secs)
{
	const struct counts *c = &r->pg.c;
	struct db_rows	*rows = NULL;
	struct db_arg	 a = DB_INT(r->job->id);
	struct buf	 ex;
	long long	 stored = 0, lost = 0, total;
	const char	*s;
	int		 i, first = 1;

	total = c->queued + c->claimed + c->done + c->noface + c->failed;
	printf("job %s: %s: %lld items: %lld done, %lld no face, %lld failed",
	    r->job->name, r->job->finished ? "finished" : "not finished",
	    total, c->done, c->noface, c->failed);
	buf_init(&ex);
	if (c->failed > 0 && db_query(r->db, "SELECT reason, COUNT(*), "
	    "MIN(path) FROM batch_items WHERE job_id = ? AND state = 'failed' "
	    "GROUP BY reason ORDER BY COUNT(*) DESC, reason", &a, 1,
	    &rows) == FF_OK) {
		while (db_rows_next(rows) == 1) {
			s = db_col_text(rows, 0, NULL);
			printf("%s%lld %s", first ? ": " : ", ",
			    db_col_int(rows, 1), s ? s : "?");
			buf_printf(&ex, "  %s: e.g. %s\n", s ? s : "?",
			    db_col_text(rows, 2, NULL) ? db_col_text(rows, 2,
			    NULL) : "?");
			first = 0;
		}
		db_rows_free(rows);
	}
	if (c->queued + c->claimed > 0)
		printf("; %lld queued, %lld claimed", c->queued, c->claimed);
	printf("\n");
	for (i = 0; i < r->o->jobs; i++) {
		stored += r->ws[i].stored;
		lost += r->ws[i].lost;
	}
	printf("this run: %lld photos in %.1f s, %.1f photos/s, %d worker%s",
	    stored, secs, secs > 0 ? stored / secs : 0, r->o->jobs,
	    r->o->jobs == 1 ? "" : "s");
	/* Slower than --lease: another worker took the photos over. */
	if (lost > 0)
		printf("; %lld result%s dropped, the lease had passed", lost,
		    lost == 1 ? "" : "s");
	printf("\n");
	if (ex.len > 0)
		fputs(ex.ptr, stdout);
	fflush(stdout);
	buf_free(&ex);
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : dflt;
}

/* Options into o; -1 after a usage message. */
static int
opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "job", required_argument, NULL, 'j' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "models", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "frame", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "lease", required_argument, NULL, 'l' },
		{ "claim", required_argument, NULL, 'c' },
		{ "max-attempts", required_argument, NULL, 'a' },
		{ "retry-failed", no_argument, NULL, 'r' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*m;
	int		 ch, bad = 0;

	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	o->lease_s = BATCH_LEASE_S;
	o->claim = BATCH_CLAIM;
	o->max_attempts = BATCH_MAX_ATTEMPTS;
	o->progress = -1;
	o->models = env_or("FF_MODELS_DIR", FF_DATADIR "/models");
	o->sqldir = env_or("FF_SQL_DIR", FF_DATADIR "/sql");
	m = getenv("FF_MIGRATE");
	o->migrate = !(m != NULL && strcmp(m, "0") == 0);
	optind = 0;	/* glibc: start afresh (batch_main may run twice) */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': o->job = optarg; break;
		case 'J': bad |= parse_int(optarg, 0, 256, &o->jobs); break;
		case 'm': o->models = optarg; break;
		case 's': bad |= parse_int(optarg, 32, 4096, &o->face_size); break;
		case 'f': o->frame_sku = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case 'l': bad |= parse_int(optarg, 1, 86400, &o->lease_s); break;
		case 'c': bad |= parse_int(optarg, 1, 1000, &o->claim); break;
		case 'a': bad |= parse_int(optarg, 1, 1000, &o->max_attempts); break;
		case 'r': o->retry_failed = 1; break;
		case 'p': o->progress = 1; break;
		case 'P': o->progress = 0; break;
		default: bad = -1; break;
		}
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc || bad != 0 ||
	    (o->frame_sku != NULL) != (o->out_dir != NULL)) {
		if ((o->frame_sku != NULL) != (o->out_dir != NULL))
			fprintf(stderr, "framefit batch: --frame and --out go "
			    "together\n");
		usage();
		return -1;
	}
	return 0;
}

int
batch_main(int argc, char **argv)
{
	struct sigaction sa;
	struct opts	 o;
	struct job	 job;
	struct runner	 r;
	struct db	*db = NULL;
	enum ff_err	 er;
	double		 t0 = ff_now_ms();
	long long	 n;

	int		 i, applied, busy, rc = 1, load_failed = 0;

	/* Link blas.o: darknet's hot loops go to OpenBLAS (vision/blas.h). */
	(void)blas_linked;
	memset(&job, 0, sizeof(job));
	memset(&r, 0, sizeof(r));
	if (opts_parse(argc, argv, &o) == -1)
		return 2;
	if (db_global_init() != FF_OK)
		return 1;
	if ((db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "framefit batch: database: %s\n", ff_strerror(er));
		return 1;
	}
	if (o.migrate && (er = db_migrate(db, o.sqldir, &applied)) != FF_OK) {
		fprintf(stderr, "framefit batch: migrations in %s: %s\n",
		    o.sqldir, ff_strerror(er));
		goto out;
	}
	if ((er = job_open(db, &o, &job)) != FF_OK) {
		rc = er == FF_EINPUT ? 2 : 1;
		goto out;
	}
	if (o.retry_failed) {
		struct db_arg a = DB_INT(job.id);

		if ((er = db_exec(db, "UPDATE batch_items SET state = 'queued', "
		    "reason = NULL, attempts = 0, claimed_by = NULL, claimed_at "
		    "= NULL, lease_until = NULL WHERE job_id = ? AND state = "
		    "'failed'", &a, 1, &n,
		    NULL)) != FF_OK ||
		    (er = db_exec(db, "UPDATE batch_jobs SET finished = NULL "
		    "WHERE id = ?", &a, 1, NULL, NULL)) != FF_OK)
			goto out;
		job.finished = 0;
		fprintf(stderr, "framefit batch: %lld failed item(s) queued "
		    "again\n", n);
	}

	r.o = &o;
	r.job = &job;
	r.self = getpid();
	r.pg.tty = o.progress >= 0 ? o.progress : isatty(STDERR_FILENO);
	r.pg.start_finished = -1;
	r.pids = xcalloc((size_t)o.jobs + 1, sizeof(*r.pids));
	r.ws = mmap(NULL, sizeof(*r.ws) * ((size_t)o.jobs + 1),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r.ws == MAP_FAILED) {
		perror("framefit batch: mmap");
		r.ws = NULL;
		goto out;
	}
	memset(r.ws, 0, sizeof(*r.ws) * ((size_t)o.jobs + 1));
	if (job.finished)
		goto done;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a stop should cut sleeps short. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* No database session may cross the fork. */
	db_close(db);
	db = NULL;
	fflush(NULL);
	for (i = 0; i < o.jobs && !stop; i++)
		if (worker_spawn(&r, i) == -1)
			stop = 1;
	if ((r.db = db_open(NULL, NULL, &er)) == NULL)
		fprintf(stderr, "framefit batch: database: %s\n", ff_strerror(er));

	while (r.live > 0 || (o.jobs == 0 && !job.loaded && !stop &&
	    !load_failed && r.db != NULL)) {
		if (!job.loaded && !load_failed && !stop && r.db != NULL &&
		    ff_now_ms() >= r.next_load_ms) {
			if ((er = job_load(&r, &busy)) != FF_OK) {
				fprintf(stderr, "framefit batch: loading %s: %s\n",
				    job.source, ff_strerror(er));
				load_failed = 1;
				stop = 1;
			} else if (busy)
				r.next_load_ms = ff_now_ms() + 1000;
		}
		runner_tick(&r, 0);
		if (r.live > 0)
			nap_ms(100);
	}
	runner_reap(&r);

done:
	db = r.db != NULL ? r.db : db;
	r.db = db;
	if (db == NULL || (er = job_counts(db, &job, &r.pg.c)) != FF_OK)
		goto out;
	if (r.pg.drawn) {
		/* The bar's last state, then leave its line. */
		progress_show(&r, 1);
		r.pg.drawn = 0;
		fputc('\n', stderr);
	}
	if ((er = job_finish(db, &job, &r.pg.c)) != FF_OK)
		goto out;
	summary(&r, (ff_now_ms() - t0) / 1000);
	if (o.jobs == 0)
		rc = job.loaded && !load_failed ? 0 : 1;
	else
		rc = job.finished ? 0 : 1;
	if (r.failed > 0)
		fprintf(stderr, "framefit batch: %d worker(s) failed\n", r.failed);
out:
	if (r.pg.drawn)
		fputc('\n', stderr);
	db_close(db);
	if (r.ws != NULL)
		munmap(r.ws, sizeof(*r.ws) * ((size_t)o.jobs + 1));
	free(r.pids);
	job_free(&job);
	return rc;
}
