/*
 * registry.c: the model registry and the workers' poll of it (see
 * registry.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "app/app.h"
#include "app/registry.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "http/request.h"
#include "store/db.h"
#include "store/models.h"
#include "store/records.h"
#include "vision/detector.h"

static const char *const stages[3] = { "face", "eyes", "refine" };

/* What this process knows of the registry (one tryon_app per process). */
static struct {
	double		 next;		/* ff_now_ms() of the next look */
	double		 interval;	/* ms */
	int		 primed;
	long long	 catalog_n, models_n;
	char		 active[65];	/* the active version last read */
	char		 failed[65];	/* a version that would not load */
	double		 failed_retry;
} st;

int
registry_dir_valid(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0' || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* ---- Scanning ---- */

/* 1 if dir holds the six files of a model. */
static int
model_files(const char *dir)
{
	char	path[4096];
	int	i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s.cfg", dir, stages[i]);
		if (access(path, R_OK) != 0)
			return 0;
		snprintf(path, sizeof(path), "%s/%s.weights", dir, stages[i]);
		if (access(path, R_OK) != 0)
			return 0;
	}
	return 1;
}

/* The SHA-256 of the three weights files in detector order (the digest
 * det_version() takes its 12 digits from) and the newest mtime. */
static enum ff_err
weights_digest(const char *dir, unsigned char out[32], long long *mtime)
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	char		 path[4096], chunk[65536];
	struct stat	 sb;
	unsigned int	 len = 32;
	ssize_t		 n = 0;
	enum ff_err	 er = FF_OK;
	int		 i, fd;

	*mtime = 0;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (i = 0; i < 3 && er == FF_OK; i++) {
		snprintf(path, sizeof(path), "%s/%s.weights", dir, stages[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			er = FF_EIO;
			break;
		}
		if (fstat(fd, &sb) == 0 && sb.st_mtime > *mtime)
			*mtime = sb.st_mtime;
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			EVP_DigestUpdate(md, chunk, (size_t)n);
		if (n < 0)
			er = FF_EIO;
		close(fd);
	}
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
	return er;
}

/* metrics.json of dir, or NULL when there is none (or it is too big). */
static char *
metrics_read(const char *dir)
{
	struct buf	 b;
	char		 path[4096], chunk[8192];
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "%s/metrics.json", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 &&
	    b.len <= REGISTRY_METRICS_MAX)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	if (n < 0 || b.len == 0 || b.len > REGISTRY_METRICS_MAX) {
		buf_free(&b);
		return NULL;
	}
	/* evaluate ends its line; the registry keeps the object only. */
	while (b.len > 0 && (b.ptr[b.len - 1] == '\n' ||
	    b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
		b.ptr[--b.len] = '\0';
	return buf_steal(&b, NULL);
}

static enum ff_err
scan_one(struct db *db, const char *root, const char *rel, int *added,
    struct buf *log)
{
	struct det_opts	 o = { 0 };
	struct detector	*det = NULL;
	struct buf	 dir;
	unsigned char	 sha[32];
	char		*metrics = NULL, version[65];
	long long	 mtime, id = 0;
	enum ff_err	 er;
	int		 nodir = 0;
	const char	*shown = *rel ? rel : "(models directory)";

	buf_init(&dir);
	buf_printf(&dir, "%s%s%s", root, *rel ? "/" : "", rel);
	if ((er = weights_digest(dir.ptr, sha, &mtime)) != FF_OK) {
		if (log != NULL)
			buf_printf(log, "%s: weights unreadable\n", shown);
		er = FF_OK;
		goto out;
	}
	if ((er = db_model_by_sha(db, sha, &id, &nodir, version)) ==
	    FF_ENOTFOUND)
		er = FF_OK;
	else if (er != FF_OK)
		goto out;
	if (id > 0) {
		if (nodir && (er = db_model_set_dir(db, id, rel)) != FF_OK)
			goto out;
		if (log != NULL)
			buf_printf(log, "%s: %s, registered already\n", shown,
			    version);
		goto out;
	}
	/* The version is the detector's to say: open it. */
	o.dir = dir.ptr;
	if ((er = det_open(&o, &det)) != FF_OK) {
		if (log != NULL)
			buf_printf(log, "%s: does not load (%s)\n", shown,
			    ff_strerror(er));
		er = FF_OK;
		goto out;
	}
	snprintf(version, sizeof(version), "%s", det_version(det));
	det_close(det);
	metrics = metrics_read(dir.ptr);
	er = db_model_register(db, version, sha, mtime, metrics, &id);
	if (er == FF_EINPUT && metrics != NULL) {
		if (log != NULL)
			buf_printf(log, "%s: metrics.json is not valid JSON; "
			    "registered without metrics\n", shown);
		er = db_model_register(db, version, sha, mtime, NULL, &id);
	}
	if (er == FF_EINPUT) {
		if (log != NULL)
			buf_printf(log, "%s: version %s is registered with other "
			    "weights\n", shown, version);
		er = FF_OK;
		goto out;
	}
	if (er != FF_OK)
		goto out;
	if ((er = db_model_set_dir(db, id, rel)) != FF_OK)
		goto out;
	(*added)++;
	if (log != NULL)
		buf_printf(log, "%s: %s registered%s\n", shown, version,
		    metrics != NULL ? " with its metrics" : "");
out:
	free(metrics);
	buf_free(&dir);
	return er;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum ff_err
registry_scan(struct db *db, const char *root, int *added, struct buf *log)
{
	struct dirent	*de;
	struct buf	 path;
	char		**names = NULL;
	size_t		 n = 0, cap = 0, i;
	enum ff_err	 er = FF_OK;
	int		 tmp = 0;
	DIR		*d;

	if (added == NULL)
		added = &tmp;
	*added = 0;
	if (model_files(root) && (er = scan_one(db, root, "", added, log)) !=
	    FF_OK)
		return er;
	if ((d = opendir(root)) == NULL) {
		req_log(NULL, "models: %s: %s", root, strerror(errno));
		return FF_EIO;
	}
	buf_init(&path);
	while ((de = readdir(d)) != NULL) {
		if (!registry_dir_valid(de->d_name) || de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", root, de->d_name);
		if (!model_files(path.ptr))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	buf_free(&path);
	if (n > 1)	/* qsort() takes no NULL, even for no elements */
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (er == FF_OK)
			er = scan_one(db, root, names[i], added, log);
		free(names[i]);
	}
	free(names);
	return er;
}

/* ---- Loading a registered model ---- */

enum ff_err
registry_open(const char *root, const struct model_row *m,
    struct detector **out)
{
	struct det_opts	 o = { 0 };
	struct detector	*det;
	struct buf	 dir;
	int		 i;

	*out = NULL;
	buf_init(&dir);
	for (i = 0; i < 3 && *out == NULL; i++) {
		buf_reset(&dir);
		if (i == 0) {
			/* The directory it was registered from. */
			if (!m->has_dir || (*m->dir && !registry_dir_valid(m->dir)))
				continue;
			buf_printf(&dir, "%s%s%s", root, *m->dir ? "/" : "", m->dir);
		} else if (i == 1) {
			if (!registry_dir_valid(m->version))
				continue;
			buf_printf(&dir, "%s/%s", root, m->version);
		} else
			buf_puts(&dir, root);
		if (!model_files(dir.ptr))
			continue;
		o.dir = dir.ptr;
		if (det_open(&o, &det) != FF_OK)
			continue;
		if (strcmp(det_version(det), m->version) == 0)
			*out = det;
		else
			det_close(det);
	}
	buf_free(&dir);
	return *out != NULL ? FF_OK : FF_EMODEL;
}

/* ---- Following the registry ---- */

/* Load the active model when it is not the one in use. */
static void
follow_model(struct tryon_app *a, double now)
{
	struct model_row	*m = NULL;
	struct detector		*det;
	long long		 id = 0;
	enum ff_err		 er;

	if ((er = db_model_active(a->db, &id, NULL)) != FF_OK &&
	    er != FF_ENOTFOUND)
		return;
	if (er == FF_ENOTFOUND) {
		/* None active: keep the model of models/, but make sure a
		 * model registered since gets its id on detections. */
		st.active[0] = '\0';
		if (a->det != NULL && a->model_id == 0)
			a->model_looked_up = 0;
		return;
	}
	if (db_model_get(a->db, id, &m) != FF_OK)
		return;
	snprintf(st.active, sizeof(st.active), "%s", m->version);
	if (a->det != NULL && strcmp(det_version(a->det), m->version) == 0) {
		a->model_id = m->id;
		a->model_looked_up = 1;
		goto out;
	}
	if (strcmp(st.failed, m->version) == 0 && now < st.failed_retry)
		goto out;
	if ((er = registry_open(a->models, m, &det)) != FF_OK) {
		req_log(NULL, "active model %s not found under %s; keeping %s; "
		    "retrying in %d s", m->version, a->models, a->det != NULL ?
		    det_version(a->det) : "none", REGISTRY_RETRY_S);
		snprintf(st.failed, sizeof(st.failed), "%s", m->version);
		st.failed_retry = now + REGISTRY_RETRY_S * 1000.0;
		goto out;
	}
	req_log(NULL, "switched to model %s (was %s)", m->version,
	    a->det != NULL ? det_version(a->det) : "none");
	if (a->det != NULL)
		det_close(a->det);
	a->det = det;
	a->model_id = m->id;
	a->model_looked_up = 1;
	st.failed[0] = '\0';
out:
	db_models_free(m, 1);
}

void
registry_poke(void)
{
	st.next = 0;
}

void
registry_sync(struct tryon_app *a)
{
	double		 now = ff_now_ms();
	long long	 cat = -1, mod = -1;
	const char	*s;
	int		 model;

	if (st.interval == 0) {
		st.interval = REGISTRY_CHECK_S * 1000.0;
		if ((s = getenv("FF_MODEL_CHECK_S")) != NULL && atof(s) > 0)
			st.interval = atof(s) * 1000.0;
	}
	/* Never connect just for this: app_db() does that when a page
	 * needs the database. */
	if (now < st.next || a->db == NULL || !db_connected(a->db))
		return;
	st.next = now + st.interval;
	if (db_change_counts(a->db, &cat, &mod) != FF_OK)
		return;		/* before sql/020: nothing to follow */
	if (st.primed && cat != st.catalog_n) {
		if (app_catalog_refresh(a) == FF_OK)
			req_log(NULL, "catalog changed; reloaded (%zu frames)",
			    a->nframes);
		else
			cat = st.catalog_n;	/* try again next time */
	}
	/* The model: on a change, at the first look, or when the detector
	 * in use is not the active one (a SIGHUP reloads models/). */
	model = !st.primed || mod != st.models_n || (st.failed[0] != '\0' &&
	    now >= st.failed_retry) || (a->det != NULL && a->model_id == 0) ||
	    (st.active[0] != '\0' && (a->det == NULL ||
	    strcmp(det_version(a->det), st.active) != 0));
	if (model)
		follow_model(a, now);
	st.catalog_n = cat;
	st.models_n = mod;
	st.primed = 1;
}
