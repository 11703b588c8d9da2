/*
 * batch_load.c: the job of `framefit batch` (found or created from the
 * options) and the loader, which puts the input's paths into the queue:
 * a directory walked with nftw(3), or a list file read line by line.
 * The runner loads while its workers start (see batch.h).
 */
#define _GNU_SOURCE	/* nftw(3), FTW_PHYS */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/batch.h"
#include "app/batch_internal.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/batchq.h"
#include "store/catalog.h"
#include "store/consent.h"
#include "store/db.h"

/* The source of a job over the uploads kept with consent (batch_jobs
 * .source): what the job's row says it reads. */
#define UPLOADS_SOURCE	"uploads with consent: " CONSENT_NEWSLETTER

/* ---- Jobs ---- */

/*
 * FF_OK when the frame sku can be drawn. A frame the product feed gave
 * without all its sizes (store/catalog.h) cannot: refused here, with what
 * to do, rather than failing photo by photo in the workers.
 */
static enum ff_err
frame_drawable(struct db *db, const char *sku)
{
	struct frame	 f;
	struct buf	 b;
	enum ff_err	 er;

	if ((er = catalog_get(db, sku, &f)) == FF_ENOTFOUND) {
		fprintf(stderr, "framefit batch: no frame %s in the catalog\n",
		    sku);
		return FF_EINPUT;
	}
	if (er != FF_OK)
		return er;
	if (!catalog_frame_complete(&f)) {
		buf_init(&b);
		catalog_sizes_missing(catalog_frame_sizes(&f), &b);
		fprintf(stderr, "framefit batch: frame %s cannot be drawn: it "
		    "has no %s (the product feed left them out). Fill them in "
		    "on its page in the admin, /admin/catalog/%s, then run the "
		    "batch again\n", sku, b.ptr, sku);
		buf_free(&b);
		er = FF_EINPUT;
	}
	catalog_frame_clear(&f);
	return er;
}

enum ff_err
batch_job_open(struct db *db, const struct opts *o, struct batchq_job *j)
{
	struct stat	 st;
	enum batchq_kind kind = BATCHQ_DIR;
	enum ff_err	 er;
	long long	 frame_id = 0;
	char		*src = NULL, *out = NULL;

	memset(j, 0, sizeof(*j));
	/* No input but a frame to draw: the newsletter, over every photo
	 * kept with consent (a job of that name that exists is joined). */
	if (o->input == NULL && o->frame_sku != NULL)
		kind = BATCHQ_UPLOADS;
	if (o->input != NULL) {
		if ((src = realpath(o->input, NULL)) == NULL ||
		    stat(src, &st) == -1) {
			fprintf(stderr, "framefit batch: %s: %s\n", o->input,
			    strerror(errno));
			er = FF_EINPUT;
			goto out;
		}
		if (S_ISDIR(st.st_mode))
			kind = BATCHQ_DIR;
		else if (S_ISREG(st.st_mode))
			kind = BATCHQ_LIST;
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
	if (*j->name == '\0' || strlen(j->name) > BATCHQ_NAME_MAX) {
		fprintf(stderr, "framefit batch: %s\n", *j->name == '\0' ?
		    "give a DIR or LIST, or --job NAME of an existing job" :
		    "job name over 255 bytes: name it with --job");
		er = FF_EINPUT;
		goto out;
	}
	if (o->frame_sku != NULL) {
		if ((er = frame_drawable(db, o->frame_sku)) != FF_OK)
			goto out;
		er = batchq_frame_id(db, o->frame_sku, &frame_id);
		if (er == FF_ENOTFOUND) {
			fprintf(stderr, "framefit batch: no frame %s in the "
			    "catalog\n", o->frame_sku);
			er = FF_EINPUT;
		}
		if (er != FF_OK)
			goto out;
	}
	if (o->out_dir != NULL) {
		if (batch_mkdir_p(o->out_dir) == -1 ||
		    (out = realpath(o->out_dir, NULL)) == NULL) {
			fprintf(stderr, "framefit batch: %s: %s\n", o->out_dir,
			    strerror(errno));
			er = FF_EINPUT;
			goto out;
		}
	}

	if ((er = batchq_job_read(db, j)) == FF_ENOTFOUND && (src != NULL ||
	    kind == BATCHQ_UPLOADS)) {
		/* Another runner creating the same job now makes this a
		 * no-op; reading again finds its row. */
		er = batchq_job_create(db, j->name, kind, src != NULL ? src :
		    UPLOADS_SOURCE, frame_id, out);
		if (er != FF_OK && er != FF_EINPUT)
			goto out;
		er = batchq_job_read(db, j);
	}
	if (er == FF_ENOTFOUND) {
		fprintf(stderr, "framefit batch: no job named %s\n", j->name);
		er = FF_EINPUT;
	}
	if (er != FF_OK)
		goto out;

	if (src != NULL && (strcmp(src, j->source) != 0 || kind != j->kind)) {
		fprintf(stderr, "framefit batch: job %s is the %s %s, not %s\n",
		    j->name, j->kind == BATCHQ_DIR ? "directory" :
		    j->kind == BATCHQ_LIST ? "list" : "job over the", j->source,
		    src);
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
	} else if (o->frame_sku == NULL && j->frame_id > 0)
		/* A job joined by its name draws the frame it was made
		 * with, which may be a flagged one (made before this check). */
		er = frame_drawable(db, j->frame_sku);
out:
	free(src);
	free(out);
	if (er != FF_OK)
		batchq_job_clear(j);
	return er;
}

enum ff_err
batch_job_delete(struct db *db, const char *name)
{
	struct batchq_counts	 c;
	struct batchq_job	 j;
	enum ff_err		 er;
	long long		 n = 0;
	int			 held = 0;

	memset(&j, 0, sizeof(j));
	j.name = xstrdup(name);
	if ((er = batchq_job_read(db, &j)) == FF_ENOTFOUND) {
		fprintf(stderr, "framefit batch: no job named %s\n", name);
		er = FF_EINPUT;
		goto out;
	}
	if (er != FF_OK || (er = batchq_job_counts(db, j.id, &c)) != FF_OK)
		goto out;
	/* A loader holds the lock; a live worker holds claims. */
	if ((er = batchq_load_lock(db, j.id, &held)) != FF_OK)
		goto out;
	if (!held || (!j.finished && c.claimed > 0)) {
		fprintf(stderr, "framefit batch: job %s is in use (%s); stop "
		    "its runs first\n", name, held ? "items claimed" :
		    "being loaded");
		er = FF_EINPUT;
		goto out;
	}
	if ((er = batchq_job_delete(db, j.id, &n)) != FF_OK) {
		fprintf(stderr, "framefit batch: deleting %s: %s (run it again "
		    "to finish)\n", name, ff_strerror(er));
		goto out;
	}
	printf("framefit batch: deleted job %s: %lld items with their "
	    "detections\n", name, n);
out:
	if (held)
		(void)batchq_load_unlock(db, j.id);
	batchq_job_clear(&j);
	return er;
}

/* ---- Loading the input ---- */

/* What the loader skips, by kind: the names the summary shows. */
enum skip_kind {
	SKIP_TOO_LONG = 0,	/* path over BATCH_PATH_MAX bytes */
	SKIP_NOT_FILE,		/* a FIFO, socket, device, link to a dir */
	SKIP_BROKEN_LINK,	/* a symlink to nothing */
	SKIP_DIR_UNREADABLE,	/* a directory we may not list */
	SKIP_UNREADABLE,	/* stat(2) failed */
	SKIP_NUL_IN_LINE,	/* a list line with a NUL byte */
	SKIP__MAX
};

static const char *const skip_names[SKIP__MAX] = {
	[SKIP_TOO_LONG] = "path_too_long",
	[SKIP_NOT_FILE] = "not_a_file",
	[SKIP_BROKEN_LINK] = "broken_link",
	[SKIP_DIR_UNREADABLE] = "dir_unreadable",
	[SKIP_UNREADABLE] = "unreadable",
	[SKIP_NUL_IN_LINE] = "nul_in_line",
};

struct loader {
	struct db	*db;
	const struct batchq_job *job;
	void		(*tick)(void *, long long);
	void		*tick_arg;
	struct buf	 paths;		/* the pending paths, back to back */
	size_t		 off[BATCH_LOAD_ROWS + 1];
	struct batchq_path rows[BATCH_LOAD_ROWS];
	size_t		 n;
	long long	 queued;	/* paths sent (new or not) */
	long long	 added;		/* of them new to the job */
	long long	 skipped;	/* all kinds */
	long long	 skips[SKIP__MAX];
	char		*skip_example[SKIP__MAX];	/* owned */
	enum ff_err	 er;
};

/* Count an entry skipped; the first of each kind is kept as the example
 * (cut to BATCH_PATH_MAX bytes). */
static void
loader_skip(struct loader *l, enum skip_kind k, const char *path, size_t len)
{
	l->skipped++;
	if (l->skips[k]++ == 0)
		l->skip_example[k] = xstrndup(path, len > BATCH_PATH_MAX ?
		    BATCH_PATH_MAX : len);
}

/* Send the pending paths (batchq_items_add(): one statement for a full
 * batch, single rows in one transaction for the rest). Paths already
 * queued for the job (same SHA-256) are ignored. */
static enum ff_err
loader_flush(struct loader *l)
{
	enum ff_err	 er = FF_OK;
	long long	 added = 0;
	size_t		 i;

	if (l->n == 0)
		return FF_OK;
	for (i = 0; i < l->n; i++) {
		l->rows[i].p = l->paths.ptr + l->off[i];
		l->rows[i].len = l->off[i + 1] - l->off[i];
	}
	er = batchq_items_add(l->db, l->job->id, l->rows, l->n, &added);
	if (er == FF_OK) {
		l->queued += (long long)l->n;
		l->added += added;
	}
	l->n = 0;
	l->off[0] = 0;
	buf_reset(&l->paths);
	if (l->tick != NULL)
		l->tick(l->tick_arg, l->queued);
	return er;
}

static void
loader_add(struct loader *l, const char *path, size_t len)
{
	if (l->er != FF_OK)
		return;
	if (len > BATCH_PATH_MAX) {
		loader_skip(l, SKIP_TOO_LONG, path, len);
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

	size_t len = strlen(path);

	(void)ftw;
	if (type == FTW_F && S_ISREG(sb->st_mode))
		loader_add(walking, path, len);
	else if (type == FTW_SL && stat(path, &st) == 0) {
		if (S_ISREG(st.st_mode))
			loader_add(walking, path, len);
		else
			loader_skip(walking, SKIP_NOT_FILE, path, len);
	} else if (type == FTW_SL || type == FTW_SLN)
		loader_skip(walking, SKIP_BROKEN_LINK, path, len);
	else if (type == FTW_DNR)
		loader_skip(walking, SKIP_DIR_UNREADABLE, path, len);
	else if (type == FTW_NS)
		loader_skip(walking, SKIP_UNREADABLE, path, len);
	else if (type == FTW_F)
		loader_skip(walking, SKIP_NOT_FILE, path, len);
	return walking->er != FF_OK || batch_stop ? 1 : 0;
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

/*
 * Whether the list is NUL-separated (find -print0): a NUL byte in its
 * first LIST_SNIFF bytes. A path may hold any byte but NUL and '/'-less
 * newlines only in such a list; a line list ends a path at '\n' (and
 * drops one trailing '\r', for lists written on Windows).
 */
#define LIST_SNIFF	65536

static int
list_nul_separated(FILE *fp)
{
	char	 b[4096];
	size_t	 got, seen = 0;
	int	 nul = 0;

	while (!nul && seen < LIST_SNIFF && (got = fread(b, 1, sizeof(b),
	    fp)) > 0) {
		nul = memchr(b, '\0', got) != NULL;
		seen += got;
	}
	rewind(fp);
	return nul;
}

static enum ff_err
load_list(struct loader *l)
{
	struct buf	 abs;
	char		*line = NULL;
	size_t		 cap = 0, len;
	ssize_t		 got;
	FILE		*fp;
	int		 nul;

	if ((fp = fopen(l->job->source, "re")) == NULL) {
		fprintf(stderr, "framefit batch: %s: %s\n", l->job->source,
		    strerror(errno));
		return FF_EIO;
	}
	nul = list_nul_separated(fp);
	buf_init(&abs);
	while (l->er == FF_OK && !batch_stop &&
	    (got = getdelim(&line, &cap, nul ? '\0' : '\n', fp)) != -1) {
		len = (size_t)got;
		if (len > 0 && line[len - 1] == (nul ? '\0' : '\n'))
			line[--len] = '\0';
		if (!nul && len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (!nul && memchr(line, '\0', len) != NULL) {
			loader_skip(l, SKIP_NUL_IN_LINE, line, strlen(line));
			continue;
		}
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
 * The uploads kept with consent, BATCH_LOAD_ROWS at a time from a cursor
 * on their id (db_consent_list(): a plain read of a bounded range, no
 * lock), each queued by its token. Consent given after this pass is not
 * in the job (tonight's newsletter takes tomorrow's job); consent
 * withdrawn after it is seen by the worker, which checks it again.
 */
static enum ff_err
load_uploads(struct loader *l)
{
	struct consent_ref	*refs;
	enum ff_err		 er = FF_OK;
	long long		 after = 0;
	size_t			 n, i;

	refs = xcalloc(BATCH_LOAD_ROWS, sizeof(*refs));
	do {
		if ((er = db_consent_list(l->db, CONSENT_NEWSLETTER, after, refs,
		    BATCH_LOAD_ROWS, &n)) != FF_OK) {
			l->er = er;
			break;
		}
		for (i = 0; i < n; i++)
			loader_add(l, refs[i].token, UPLOAD_TOKEN_LEN);
		if (n > 0)
			after = refs[n - 1].upload_id;
	} while (n == BATCH_LOAD_ROWS && l->er == FF_OK && !batch_stop);
	free(refs);
	return l->er;
}

/*
 * The lock is per job and server-wide, and dies with its session, so a
 * loader that died frees it for the next runner (which loads again; the
 * paths already queued are ignored).
 */
enum ff_err
batch_job_load(struct db *db, struct batchq_job *j,
    void (*tick)(void *, long long), void *arg, int *busy)
{
	struct batchq_failure skips[SKIP__MAX];
	struct loader	*l = NULL;
	enum ff_err	 er;
	size_t		 nskips = 0;
	int		 held, loaded, k;

	*busy = 0;
	if ((er = batchq_load_lock(db, j->id, &held)) != FF_OK)
		return er;
	if (!held) {
		*busy = 1;
		return FF_OK;
	}
	if ((er = batchq_job_loaded(db, j->id, &loaded)) != FF_OK)
		goto out;
	if (loaded) {
		j->loaded = 1;
		goto out;
	}
	/* Over 20 KB of offsets and rows: not on the stack. */
	l = xcalloc(1, sizeof(*l));
	buf_init(&l->paths);
	l->db = db;
	l->job = j;
	l->tick = tick;
	l->tick_arg = arg;
	er = j->kind == BATCHQ_DIR ? load_dir(l) : j->kind == BATCHQ_LIST ?
	    load_list(l) : load_uploads(l);
	if (er == FF_OK && l->er == FF_OK)
		er = loader_flush(l);
	if (er == FF_OK && l->er != FF_OK)
		er = l->er;
	if (er != FF_OK || batch_stop)
		goto out;
	memset(skips, 0, sizeof(skips));
	for (k = 0; k < SKIP__MAX; k++)
		if (l->skips[k] > 0) {
			skips[nskips].reason = (char *)skip_names[k];
			skips[nskips].n = l->skips[k];
			skips[nskips++].example = l->skip_example[k];
		}
	if ((er = batchq_job_loaded_set(db, j->id, skips, nskips)) != FF_OK)
		goto out;
	j->loaded = 1;
out:
	(void)batchq_load_unlock(db, j->id);
	if (l != NULL) {
		for (k = 0; k < SKIP__MAX; k++)
			free(l->skip_example[k]);
		buf_free(&l->paths);
		free(l);
	}
	return er;
}
