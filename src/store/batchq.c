/*
 * batchq.c: the batch queue's statements (see batchq.h).
 *
 * Statement texts are constant per process (db.c caches statements by
 * their text); the claim and the renewal have one parameter per item of
 * a claim, so their texts depend on the claimer's claim size, which is
 * fixed for a worker's life.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "store/batchq.h"
#include "store/db.h"

static const char *const state_names[BATCHQ_STATE__MAX] = {
	[BATCHQ_CLAIMED] = "claimed",
	[BATCHQ_DONE] = "done",
	[BATCHQ_NOFACE] = "noface",
	[BATCHQ_FAILED] = "failed",
};

const char *
batchq_state_name(enum batchq_state s)
{
	if ((unsigned)s >= BATCHQ_STATE__MAX)
		return NULL;
	return state_names[s];
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

/* "... id IN (?, ?, ...)" with n parameters. */
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

/* ---- Jobs ---- */

/* The directory part of an absolute path: "/a/b" -> "/a", "/a" -> "/". */
static char *
dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL || s == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(s - path));
}

enum ff_err
batchq_frame_id(struct db *db, const char *sku, long long *id)
{
	struct db_arg a = DB_TEXT(sku);

	return db_query_int(db, "SELECT id FROM frames WHERE sku = ?", &a, 1,
	    id);
}

enum ff_err
batchq_job_create(struct db *db, const char *name, enum batchq_kind kind,
    const char *source, long long frame_id, const char *out_dir)
{
	struct db_arg a[5];

	a[0] = DB_BLOB(name, strlen(name));
	a[1] = DB_TEXT(kind == BATCHQ_DIR ? "dir" : "list");
	a[2] = DB_BLOB(source, strlen(source));
	a[3] = frame_id > 0 ? DB_INT(frame_id) : DB_NULL;
	a[4] = out_dir != NULL ? DB_BLOB(out_dir, strlen(out_dir)) : DB_NULL;
	/* A runner elsewhere may create the same job at this moment: then
	 * this is a no-op (not an error in the log), and reading the job
	 * finds its row. */
	return db_exec(db, "INSERT INTO batch_jobs (name, kind, source, "
	    "frame_id, out_dir) VALUES (?, ?, ?, ?, ?) "
	    "ON DUPLICATE KEY UPDATE name = name", a, 5, NULL, NULL);
}

#define JOB_SELECT "SELECT j.id, j.kind, j.source, j.frame_id, f.sku, " \
	"j.out_dir, j.loaded IS NOT NULL, j.finished IS NOT NULL " \
	"FROM batch_jobs j LEFT JOIN frames f ON f.id = j.frame_id " \
	"WHERE j.name = ?"

enum ff_err
batchq_job_read(struct db *db, struct batchq_job *j)
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
	j->kind = s != NULL && strcmp(s, "list") == 0 ? BATCHQ_LIST :
	    BATCHQ_DIR;
	free(j->source);
	j->source = xstrdup(db_col_text(r, 2, NULL));
	free(j->root);
	j->root = j->kind == BATCHQ_DIR ? xstrdup(j->source) :
	    dir_of(j->source);
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

void
batchq_job_clear(struct batchq_job *j)
{
	free(j->name);
	free(j->source);
	free(j->root);
	free(j->out_dir);
	memset(j, 0, sizeof(*j));
}

enum ff_err
batchq_job_counts(struct db *db, long long job_id, struct batchq_counts *c)
{
	struct db_rows	*r;
	struct db_arg	 a = DB_INT(job_id);
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

enum ff_err
batchq_job_finish(struct db *db, struct batchq_job *j,
    const struct batchq_counts *c)
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

enum ff_err
batchq_job_retry_failed(struct db *db, struct batchq_job *j, long long *n)
{
	struct db_arg	a = DB_INT(j->id);
	enum ff_err	er;
	long long	tmp;

	if (n == NULL)
		n = &tmp;
	if ((er = db_exec(db, "UPDATE batch_items SET state = 'queued', "
	    "reason = NULL, attempts = 0, claimed_by = NULL, claimed_at "
	    "= NULL, lease_until = NULL WHERE job_id = ? AND state = "
	    "'failed'", &a, 1, n, NULL)) != FF_OK ||
	    (er = db_exec(db, "UPDATE batch_jobs SET finished = NULL "
	    "WHERE id = ?", &a, 1, NULL, NULL)) != FF_OK)
		return er;
	j->finished = 0;
	return FF_OK;
}

enum ff_err
batchq_job_failures(struct db *db, long long job_id,
    struct batchq_failure **out, size_t *n)
{
	struct batchq_failure	*f = NULL;
	struct db_rows		*rows;
	struct db_arg		 a = DB_INT(job_id);
	const char		*s;
	enum ff_err		 er;
	size_t			 k = 0, cap;

	*out = NULL;
	*n = 0;
	if ((er = db_query(db, "SELECT reason, COUNT(*), MIN(path) FROM "
	    "batch_items WHERE job_id = ? AND state = 'failed' GROUP BY reason "
	    "ORDER BY COUNT(*) DESC, reason", &a, 1, &rows)) != FF_OK)
		return er;
	cap = db_rows_count(rows);
	if (cap > 0)
		f = xcalloc(cap, sizeof(*f));
	while (k < cap && db_rows_next(rows) == 1) {
		s = db_col_text(rows, 0, NULL);
		f[k].reason = s != NULL ? xstrdup(s) : NULL;
		f[k].n = db_col_int(rows, 1);
		s = db_col_text(rows, 2, NULL);
		f[k].example = s != NULL ? xstrdup(s) : NULL;
		k++;
	}
	db_rows_free(rows);
	*out = f;
	*n = k;
	return FF_OK;
}

void
batchq_failures_free(struct batchq_failure *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].reason);
		free(f[i].example);
	}
	free(f);
}

/* ---- Loading ---- */

enum ff_err
batchq_load_lock(struct db *db, long long job_id, int *held)
{
	struct db_arg	a = DB_INT(job_id);
	enum ff_err	er;
	long long	got;

	*held = 0;
	if ((er = db_query_int(db, "SELECT GET_LOCK(CONCAT('ffbatch.', "
	    "MD5(DATABASE()), '.', ?), 0)", &a, 1, &got)) != FF_OK)
		return er;
	*held = got == 1;
	return FF_OK;
}

enum ff_err
batchq_load_unlock(struct db *db, long long job_id)
{
	struct db_arg	a = DB_INT(job_id);
	long long	got;

	return db_query_int(db, "SELECT RELEASE_LOCK(CONCAT('ffbatch.', "
	    "MD5(DATABASE()), '.', ?))", &a, 1, &got);
}

enum ff_err
batchq_job_loaded(struct db *db, long long job_id, int *loaded)
{
	struct db_arg	a = DB_INT(job_id);
	enum ff_err	er;
	long long	v = 0;

	er = db_query_int(db, "SELECT loaded IS NOT NULL FROM batch_jobs "
	    "WHERE id = ?", &a, 1, &v);
	*loaded = er == FF_OK && v != 0;
	return er;
}

enum ff_err
batchq_items_add(struct db *db, long long job_id,
    const struct batchq_path *paths, size_t n)
{
	struct db_arg	*args;
	struct buf	 sql;
	enum ff_err	 er = FF_OK;
	size_t		 i;

	if (n == 0)
		return FF_OK;
	if (n > BATCHQ_LOAD_ROWS)
		return FF_ECONFIG;
	args = xcalloc(2 * n, sizeof(*args));
	for (i = 0; i < n; i++) {
		args[2 * i] = DB_INT(job_id);
		args[2 * i + 1] = DB_BLOB(paths[i].p, paths[i].len);
	}
	buf_init(&sql);
	if (n == BATCHQ_LOAD_ROWS) {
		buf_puts(&sql, "INSERT IGNORE INTO batch_items (job_id, path) "
		    "VALUES ");
		for (i = 0; i < BATCHQ_LOAD_ROWS; i++)
			buf_puts(&sql, i == 0 ? "(?, ?)" : ", (?, ?)");
		er = db_exec(db, sql.ptr, args, 2 * n, NULL, NULL);
	} else {
		if ((er = db_begin(db)) != FF_OK)
			goto out;
		for (i = 0; i < n && er == FF_OK; i++)
			er = db_exec(db, "INSERT IGNORE INTO batch_items "
			    "(job_id, path) VALUES (?, ?)", &args[2 * i], 2,
			    NULL, NULL);
		if (er == FF_OK)
			er = db_commit(db);
		else
			db_rollback(db);
	}
out:
	buf_free(&sql);
	free(args);
	return er;
}

enum ff_err
batchq_job_loaded_set(struct db *db, long long job_id)
{
	struct db_arg a[2];

	a[0] = DB_INT(job_id);
	a[1] = DB_INT(job_id);
	return db_exec(db, "UPDATE batch_jobs SET loaded = NOW(3), "
	    "n_items = (SELECT COUNT(*) FROM batch_items WHERE job_id = ?) "
	    "WHERE id = ?", a, 2, NULL, NULL);
}

/* ---- Working ---- */

#define CLAIM_SELECT "SELECT id, path, attempts FROM batch_items " \
	"WHERE job_id = ? AND (state = 'queued' OR (state = 'claimed' AND " \
	"lease_until < NOW(3))) LIMIT ? FOR UPDATE SKIP LOCKED"

enum ff_err
batchq_claim(struct db *db, const struct batchq_claimer *c,
    struct batchq_item *items, size_t *n, size_t *nlost)
{
	struct db_rows	*r = NULL;
	struct db_arg	*in = NULL, a[3];
	long long	*lost = NULL, id, att;
	size_t		 lostn = 0, k = 0, i;
	enum ff_err	 er;
	char		*claim_sql = NULL;
	int		 rc;

	*n = 0;
	if (nlost != NULL)
		*nlost = 0;
	lost = xcalloc((size_t)c->claim, sizeof(*lost));
	if ((er = begin_rc(db)) != FF_OK)
		goto out;
	a[0] = DB_INT(c->job_id);
	a[1] = DB_INT(c->claim);
	if ((er = db_query(db, CLAIM_SELECT, a, 2, &r)) != FF_OK)
		goto fail;
	while ((rc = db_rows_next(r)) == 1) {
		id = db_col_int(r, 0);
		att = db_col_int(r, 2);
		if (att >= c->max_attempts) {
			lost[lostn++] = id;
			continue;
		}
		memset(&items[k], 0, sizeof(items[k]));
		items[k].id = id;
		items[k].path = xstrdup(db_col_text(r, 1, NULL) ?
		    db_col_text(r, 1, NULL) : "");
		items[k].attempts = att + 1;
		k++;
	}
	db_rows_free(r);
	if (rc != 0) {
		er = FF_EDB;
		goto fail;
	}
	for (i = 0; i < lostn; i++) {
		a[0] = DB_INT(lost[i]);
		if ((er = db_exec(db, "UPDATE batch_items SET state = "
		    "'failed', reason = 'worker_lost', lease_until = NULL "
		    "WHERE id = ?", a, 1, NULL, NULL)) != FF_OK)
			goto fail;
	}
	if (k > 0) {
		claim_sql = sql_in("UPDATE batch_items SET state = 'claimed', "
		    "claimed_by = ?, claimed_at = NOW(3), lease_until = NOW(3) + "
		    "INTERVAL ? SECOND, attempts = attempts + 1 WHERE id IN (",
		    c->claim);
		in = xcalloc((size_t)c->claim + 2, sizeof(*in));
		in[0] = DB_TEXT(c->me);
		in[1] = DB_INT(c->lease_s);
		for (i = 0; i < (size_t)c->claim; i++)
			in[i + 2] = DB_INT(i < k ? items[i].id : 0);
		if ((er = db_exec(db, claim_sql, in, (size_t)c->claim + 2,
		    NULL, NULL)) != FF_OK)
			goto fail;
	}
	if ((er = db_commit(db)) != FF_OK)
		goto fail_done;
	*n = k;
	if (nlost != NULL)
		*nlost = lostn;
	goto out;
fail:
	db_rollback(db);
fail_done:
	for (i = 0; i < k; i++) {
		free(items[i].path);
		items[i].path = NULL;
	}
out:
	free(lost);
	free(in);
	free(claim_sql);
	return er;
}

enum ff_err
batchq_renew(struct db *db, const struct batchq_claimer *c,
    const long long *ids, size_t n)
{
	struct db_arg	*in;
	enum ff_err	 er;
	char		*renew_sql;
	size_t		 i;

	if (n == 0)
		return FF_OK;
	if (n > (size_t)c->claim)
		return FF_ECONFIG;
	renew_sql = sql_in("UPDATE batch_items SET lease_until = NOW(3) + "
	    "INTERVAL ? SECOND WHERE state = 'claimed' AND claimed_by = ? AND "
	    "id IN (", c->claim);
	in = xcalloc((size_t)c->claim + 2, sizeof(*in));
	in[0] = DB_INT(c->lease_s);
	in[1] = DB_TEXT(c->me);
	for (i = 0; i < (size_t)c->claim; i++)
		in[2 + i] = DB_INT(i < n ? ids[i] : 0);
	er = db_exec(db, renew_sql, in, (size_t)c->claim + 2, NULL, NULL);
	free(in);
	free(renew_sql);
	return er;
}

/* The detection of a batch item and its faces, inside the caller's
 * transaction. */
static enum ff_err
detection_rows(struct db *db, const struct batchq_result *res)
{
	struct db_arg		 a[11];
	const struct det_face	*f;
	enum ff_err		 er;
	long long		 det_id;
	size_t			 i;

	a[0] = DB_INT(res->id);
	a[1] = res->model_id > 0 ? DB_INT(res->model_id) : DB_NULL;
	a[2] = DB_INT((long long)res->nfaces);
	a[3] = DB_DOUBLE(res->ms);
	if ((er = db_exec(db, "INSERT INTO detections (batch_item_id, "
	    "model_id, faces, ms) VALUES (?, ?, ?, ?)", a, 4, NULL,
	    &det_id)) != FF_OK)
		return er;
	for (i = 0; i < res->nfaces; i++) {
		f = &res->faces[i];
		a[0] = DB_INT(det_id);
		a[1] = DB_INT((long long)i);
		a[2] = DB_DOUBLE(f->score);
		a[3] = DB_DOUBLE(f->box[0]);
		a[4] = DB_DOUBLE(f->box[1]);
		a[5] = DB_DOUBLE(f->box[2]);
		a[6] = DB_DOUBLE(f->box[3]);
		a[7] = DB_DOUBLE(f->left_eye[0]);
		a[8] = DB_DOUBLE(f->left_eye[1]);
		a[9] = DB_DOUBLE(f->right_eye[0]);
		a[10] = DB_DOUBLE(f->right_eye[1]);
		if ((er = db_exec(db, "INSERT INTO detection_faces "
		    "(detection_id, idx, score, box_x, box_y, box_w, box_h, "
		    "left_eye_x, left_eye_y, right_eye_x, right_eye_y) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", a, 11, NULL,
		    NULL)) != FF_OK)
			return er;
	}
	return FF_OK;
}

/*
 * Safe to run again after a failure: what committed is no longer
 * 'claimed' by us, so a second run writes nothing.
 *
 * One item per transaction, not one claim's worth: the admin triggers on
 * detections (sql/020_admin.sql) write the MEMORY table live_counters,
 * whose table lock InnoDB's deadlock detector cannot see, so a transaction
 * with two detection INSERTs can deadlock with another writer and sit out
 * innodb_lock_wait_timeout (50 s). With one INSERT per transaction the
 * rollup row locks it takes are the last thing it waits for.
 */
enum ff_err
batchq_item_store(struct db *db, const struct batchq_claimer *c,
    const struct batchq_result *r, int *stored)
{
	struct db_arg	 a[7];
	enum ff_err	 er;
	long long	 hit;

	*stored = 0;
	a[0] = DB_TEXT(batchq_state_name(r->state));
	a[1] = DB_TEXT(r->reason);
	a[2] = r->width > 0 ? DB_INT(r->width) : DB_NULL;
	a[3] = r->height > 0 ? DB_INT(r->height) : DB_NULL;
	a[4] = DB_INT(r->id);
	a[5] = DB_TEXT(c->me);
	a[6] = DB_INT(r->attempts);
	if ((er = begin_rc(db)) != FF_OK)
		return er;
	if ((er = db_exec(db, "UPDATE batch_items SET state = ?, reason = ?, "
	    "width = ?, height = ?, lease_until = NULL WHERE id = ? AND "
	    "state = 'claimed' AND claimed_by = ? AND attempts = ?", a, 7, &hit,
	    NULL)) != FF_OK)
		goto fail;
	if (hit > 0 && r->state != BATCHQ_FAILED &&
	    (er = detection_rows(db, r)) != FF_OK)
		goto fail;
	if ((er = db_commit(db)) != FF_OK)
		return er;
	*stored = hit > 0;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
batchq_release(struct db *db, const struct batchq_claimer *c)
{
	struct db_arg a[2];

	a[0] = DB_INT(c->job_id);
	a[1] = DB_TEXT(c->me);
	return db_exec(db, "UPDATE batch_items SET state = 'queued', "
	    "claimed_by = NULL, claimed_at = NULL, lease_until = NULL, "
	    "attempts = GREATEST(attempts, 1) - 1 WHERE job_id = ? AND "
	    "state = 'claimed' AND claimed_by = ?", a, 2, NULL, NULL);
}

enum ff_err
batchq_pending(struct db *db, long long job_id, int *pending)
{
	struct db_arg	 a[2];
	enum ff_err	 er;
	long long	 v;

	a[0] = DB_INT(job_id);
	a[1] = DB_INT(job_id);
	er = db_query_int(db, "SELECT (SELECT loaded IS NULL FROM batch_jobs "
	    "WHERE id = ?) OR EXISTS (SELECT 1 FROM batch_items WHERE job_id = ? "
	    "AND state IN ('queued', 'claimed'))", a, 2, &v);
	*pending = er != FF_OK || v != 0;
	return er;
}
