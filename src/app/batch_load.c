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
#include "store/db.h"

/* ---- Jobs ---- */

enum ff_err
batch_job_open(struct db *db, const struct opts *o, struct batchq_job *j)
{
	struct stat	 st;
	enum batchq_kind kind = BATCHQ_DIR;
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

	if ((er = batchq_job_read(db, j)) == FF_ENOTFOUND && src != NULL) {
		/* Another runner creating the same job now makes this a
		 * no-op; reading again finds its row. */
		er = batchq_job_create(db, j->name, kind, src, frame_id, out);
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
		    j->name, j->kind == BATCHQ_DIR ? "directory" : "list",
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
		batchq_job_clear(j);
	return er;
}

/* ---- Loading the input ---- */

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
	long long	 skipped;	/* too long, or not regular files */
	enum ff_err	 er;
};

/* Send the pending paths (batchq_items_add(): one statement for a full
 * batch, single rows in one transaction for the rest). Paths already
 * queued for the job (same SHA-256) are ignored. */
static enum ff_err
loader_flush(struct loader *l)
{
	enum ff_err	 er = FF_OK;
	size_t		 i;

	if (l->n == 0)
		return FF_OK;
	for (i = 0; i < l->n; i++) {
		l->rows[i].p = l->paths.ptr + l->off[i];
		l->rows[i].len = l->off[i + 1] - l->off[i];
	}
	er = batchq_items_add(l->db, l->job->id, l->rows, l->n);
	if (er == FF_OK)
		l->queued += (long long)l->n;
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
	while (l->er == FF_OK && !batch_stop &&
	    (got = getline(&line, &cap, fp)) != -1) {
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
 * The lock is per job and server-wide, and dies with its session, so a
 * loader that died frees it for the next runner (which loads again; the
 * paths already queued are ignored).
 */
enum ff_err
batch_job_load(struct db *db, struct batchq_job *j,
    void (*tick)(void *, long long), void *arg, int *busy)
{
	struct loader	*l = NULL;
	enum ff_err	 er;
	int		 held, loaded;

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
	er = j->kind == BATCHQ_DIR ? load_dir(l) : load_list(l);
	if (er == FF_OK && l->er == FF_OK)
		er = loader_flush(l);
	if (er == FF_OK && l->er != FF_OK)
		er = l->er;
	if (er != FF_OK || batch_stop)
		goto out;
	if ((er = batchq_job_loaded_set(db, j->id)) != FF_OK)
		goto out;
	j->loaded = 1;
	if (l->skipped > 0)
		fprintf(stderr, "framefit batch: %lld entries skipped (not "
		    "regular files, unreadable or paths too long)\n", l->skipped);
out:
	(void)batchq_load_unlock(db, j->id);
	if (l != NULL) {
		buf_free(&l->paths);
		free(l);
	}
	return er;
}
