/*
 * batchq.c: the batch queue's statements (see batchq.h).
 *
 * Statement texts are constant per process (db.c caches statements by
 * their text); the claim and the renewal have one parameter per item of
 * a claim, so their texts depend on the claimer's claim size, which is
 * fixed for a worker's life.
 *
 * Bounded by design (issue 11): no statement reads, counts or locks a
 * whole job. The counts by state live in batch_counts and the failure
 * reasons in batch_reasons (sql/040_batch_scale.sql), changed in the
 * same transaction as the items they count. Claims read the queued range
 * from a cursor (the claimer's last id) and the expired-lease range, both
 * in index order; retrying failed items and deleting a job go in chunks
 * of BATCHQ_CHUNK rows, each chunk its own transaction.
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
batchq_begin_rc(struct db *db)
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
	a[1] = DB_TEXT(kind == BATCHQ_DIR ? "dir" : kind == BATCHQ_LIST ?
	    "list" : "uploads");
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
	    s != NULL && strcmp(s, "uploads") == 0 ? BATCHQ_UPLOADS :
	    BATCHQ_DIR;
	free(j->source);
	j->source = xstrdup(db_col_text(r, 2, NULL));
	free(j->root);
	j->root = j->kind != BATCHQ_LIST ? xstrdup(j->source) :
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

/* ---- Counts ---- */

/*
 * Add deltas to the job's counter shard, inside the caller's transaction
 * (so the sums change exactly when the items do). The shard is the
 * session's: workers of one job each write their own row.
 */
static enum ff_err
count_add(struct db *db, long long job_id, long long items, long long queued,
    long long claimed, long long done, long long noface, long long failed)
{
	struct db_arg a[7];

	if (items == 0 && queued == 0 && claimed == 0 && done == 0 &&
	    noface == 0 && failed == 0)
		return FF_OK;
	a[0] = DB_INT(job_id);
	a[1] = DB_INT(items);
	a[2] = DB_INT(queued);
	a[3] = DB_INT(claimed);
	a[4] = DB_INT(done);
	a[5] = DB_INT(noface);
	a[6] = DB_INT(failed);
	return db_exec(db, "INSERT INTO batch_counts (job_id, shard, items, "
	    "queued, claimed, done, noface, failed) VALUES (?, CONNECTION_ID() "
	    "% 8, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE items = items + "
	    "VALUES(items), queued = queued + VALUES(queued), claimed = claimed "
	    "+ VALUES(claimed), done = done + VALUES(done), noface = noface + "
	    "VALUES(noface), failed = failed + VALUES(failed)", a, 7, NULL, NULL);
}

/* One more failed item of the job with this reason; the item's path is
 * the reason's example if it is the first. Inside the caller's
 * transaction. */
static enum ff_err
reason_add(struct db *db, long long job_id, long long item_id,
    const char *reason)
{
	struct db_arg a[3];

	a[0] = DB_TEXT(reason);
	a[1] = DB_INT(item_id);
	a[2] = DB_INT(job_id);
	return db_exec(db, "INSERT INTO batch_reasons (job_id, stage, reason, n, "
	    "example) SELECT job_id, 'work', ?, 1, path FROM batch_items WHERE "
	    "id = ? AND job_id = ? ON DUPLICATE KEY UPDATE n = n + 1", a, 3,
	    NULL, NULL);
}

enum ff_err
batchq_job_counts(struct db *db, long long job_id, struct batchq_counts *c)
{
	struct db_rows	*r;
	struct db_arg	 a[1];
	enum ff_err	 er;
	int		 rc;

	memset(c, 0, sizeof(*c));
	a[0] = DB_INT(job_id);
	/* At most 8 counter rows, and the job's own. */
	if ((er = db_query(db, "SELECT j.loaded IS NOT NULL, j.n_skipped, "
	    "COALESCE(SUM(c.items), 0), COALESCE(SUM(c.queued), 0), "
	    "COALESCE(SUM(c.claimed), 0), COALESCE(SUM(c.done), 0), "
	    "COALESCE(SUM(c.noface), 0), COALESCE(SUM(c.failed), 0) "
	    "FROM batch_jobs j LEFT JOIN batch_counts c ON c.job_id = j.id "
	    "WHERE j.id = ? GROUP BY j.id", a, 1, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		c->loaded = db_col_int(r, 0) != 0;
		c->skipped = db_col_int(r, 1);
		c->items = db_col_int(r, 2);
		c->queued = db_col_int(r, 3);
		c->claimed = db_col_int(r, 4);
		c->done = db_col_int(r, 5);
		c->noface = db_col_int(r, 6);
		c->failed = db_col_int(r, 7);
	}
	db_rows_free(r);
	return rc == 1 ? FF_OK : rc == 0 ? FF_ENOTFOUND : FF_EDB;
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

/* The reasons of failed items in rows (column 1), as deltas. */
struct reason_n {
	char		 reason[33];
	long long	 n;
};

static void
reason_count(struct reason_n *rs, size_t *nrs, size_t max, const char *s)
{
	size_t i;

	if (s == NULL)
		s = "?";
	for (i = 0; i < *nrs; i++)
		if (strcmp(rs[i].reason, s) == 0) {
			rs[i].n++;
			return;
		}
	if (*nrs == max)
		return;
	snprintf(rs[*nrs].reason, sizeof(rs[*nrs].reason), "%s", s);
	rs[(*nrs)++].n = 1;
}

/*
 * One chunk of --retry-failed: up to BATCHQ_CHUNK failed items with an id
 * above *after, queued again with the counts and reasons, in one
 * transaction. *n: how many (0 when none is left).
 */
static enum ff_err
retry_chunk(struct db *db, long long job_id, long long *after, long long *n)
{
	struct reason_n	 rs[64];
	struct db_rows	*r;
	struct db_arg	 a[4];
	enum ff_err	 er;
	long long	 lo = 0, hi = 0, k = 0, hit;
	size_t		 nrs = 0, i;
	int		 rc;

	*n = 0;
	if ((er = batchq_begin_rc(db)) != FF_OK)
		return er;
	a[0] = DB_INT(job_id);
	a[1] = DB_INT(*after);
	a[2] = DB_INT(BATCHQ_CHUNK);
	/* Failed items have no lease: the (job, state, lease_until) index
	 * gives them in id order from the cursor. */
	if ((er = db_query(db, "SELECT id, reason FROM batch_items FORCE INDEX "
	    "(batch_items_claim) WHERE job_id = ? AND state = 'failed' AND "
	    "lease_until IS NULL AND id > ? ORDER BY id LIMIT ? FOR UPDATE", a,
	    3, &r)) != FF_OK)
		goto fail;
	while ((rc = db_rows_next(r)) == 1) {
		if (k == 0)
			lo = db_col_int(r, 0);
		hi = db_col_int(r, 0);
		reason_count(rs, &nrs, sizeof(rs) / sizeof(rs[0]),
		    db_col_text(r, 1, NULL));
		k++;
	}
	db_rows_free(r);
	if (rc != 0) {
		er = FF_EDB;
		goto fail;
	}
	if (k == 0) {
		db_rollback(db);
		return FF_OK;
	}
	a[0] = DB_INT(job_id);
	a[1] = DB_INT(lo);
	a[2] = DB_INT(hi);
	if ((er = db_exec(db, "UPDATE batch_items FORCE INDEX "
	    "(batch_items_claim) SET state = 'queued', reason = NULL, attempts "
	    "= 0, claimed_by = NULL, claimed_at = NULL, lease_until = NULL "
	    "WHERE job_id = ? AND state = 'failed' AND lease_until IS NULL AND "
	    "id BETWEEN ? AND ?", a, 3, &hit,
	    NULL)) != FF_OK)
		goto fail;
	if ((er = count_add(db, job_id, 0, hit, 0, 0, 0, -hit)) != FF_OK)
		goto fail;
	for (i = 0; i < nrs; i++) {
		a[0] = DB_INT(rs[i].n);
		a[1] = DB_INT(job_id);
		a[2] = DB_TEXT(rs[i].reason);
		if ((er = db_exec(db, "UPDATE batch_reasons SET n = n - ? WHERE "
		    "job_id = ? AND stage = 'work' AND reason = ?", a, 3, NULL,
		    NULL)) != FF_OK)
			goto fail;
	}
	/* A reason with none left takes its next example afresh. */
	a[0] = DB_INT(job_id);
	if ((er = db_exec(db, "DELETE FROM batch_reasons WHERE job_id = ? AND "
	    "stage = 'work' AND n <= 0", a, 1, NULL, NULL)) != FF_OK)
		goto fail;
	if ((er = db_commit(db)) != FF_OK)
		return er;
	*after = hi;
	*n = hit;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
batchq_job_retry_failed(struct db *db, struct batchq_job *j, long long *n)
{
	struct db_arg	a = DB_INT(j->id);
	enum ff_err	er;
	long long	tmp, after = 0, k;

	if (n == NULL)
		n = &tmp;
	*n = 0;
	do {
		if ((er = retry_chunk(db, j->id, &after, &k)) != FF_OK)
			return er;
		*n += k;
	} while (k > 0);
	if ((er = db_exec(db, "UPDATE batch_jobs SET finished = NULL "
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
	if ((er = db_query(db, "SELECT reason, n, example, stage = 'load' FROM "
	    "batch_reasons WHERE job_id = ? AND n > 0 ORDER BY stage DESC, "
	    "n DESC, reason", &a, 1, &rows)) != FF_OK)
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
		f[k].at_load = db_col_int(rows, 3) != 0;
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

/* ---- Removing jobs ---- */

/*
 * One chunk of a job's items (the next BATCHQ_CHUNK by path hash, the
 * key every item has), deleted with their detections and faces by the
 * foreign keys, in one transaction. *n: items deleted, 0 when none left.
 */
static enum ff_err
delete_chunk(struct db *db, long long job_id, long long *n)
{
	struct db_rows	*r;
	struct db_arg	 a[3];
	enum ff_err	 er;
	char		 hi[32];
	size_t		 len = 0;
	const char	*s;
	int		 rc;

	*n = 0;
	if ((er = batchq_begin_rc(db)) != FF_OK)
		return er;
	a[0] = DB_INT(job_id);
	a[1] = DB_INT(BATCHQ_CHUNK - 1);
	/* The chunk's last key: always the smallest keys of the job, as the
	 * rows before them are gone. */
	if ((er = db_query(db, "SELECT path_sha256 FROM batch_items WHERE "
	    "job_id = ? ORDER BY path_sha256 LIMIT 1 OFFSET ?", a, 2,
	    &r)) != FF_OK)
		goto fail;
	rc = db_rows_next(r);
	if (rc == 1 && (s = db_col_text(r, 0, &len)) != NULL && len == 32)
		memcpy(hi, s, 32);
	db_rows_free(r);
	if (rc == -1) {
		er = FF_EDB;
		goto fail;
	}
	a[0] = DB_INT(job_id);
	if (rc == 1 && len == 32) {
		a[1] = DB_BLOB(hi, 32);
		er = db_exec(db, "DELETE FROM batch_items WHERE job_id = ? AND "
		    "path_sha256 <= ?", a, 2, n, NULL);
	} else
		/* Fewer than a chunk left: the rest. */
		er = db_exec(db, "DELETE FROM batch_items WHERE job_id = ?", a, 1,
		    n, NULL);
	if (er != FF_OK)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return er;
}

enum ff_err
batchq_job_delete(struct db *db, long long job_id, long long *items)
{
	struct db_arg	a = DB_INT(job_id);
	enum ff_err	er;
	long long	n, tmp;

	if (items == NULL)
		items = &tmp;
	*items = 0;
	/* Unfinished from here on, so nobody takes it for a result. */
	if ((er = db_exec(db, "UPDATE batch_jobs SET finished = NULL WHERE "
	    "id = ?", &a, 1, NULL, NULL)) != FF_OK)
		return er;
	do {
		if ((er = delete_chunk(db, job_id, &n)) != FF_OK)
			return er;
		*items += n;
	} while (n > 0);
	/* The counters and reasons go with the job (foreign keys). */
	return db_exec(db, "DELETE FROM batch_jobs WHERE id = ?", &a, 1, NULL,
	    NULL);
}

enum ff_err
batchq_jobs_expired(struct db *db, long long before, long long after,
    long long *ids, long long *items, size_t max, size_t *n)
{
	struct db_rows	*r;
	struct db_arg	 a[3];
	enum ff_err	 er;
	size_t		 k = 0;

	*n = 0;
	a[0] = DB_INT(before);
	a[1] = DB_INT(after);
	a[2] = DB_INT((long long)max);
	if ((er = db_query(db, "SELECT id, n_items FROM batch_jobs WHERE "
	    "finished IS NOT NULL AND finished < FROM_UNIXTIME(?) AND id > ? "
	    "ORDER BY id LIMIT ?", a, 3, &r)) != FF_OK)
		return er;
	while (k < max && db_rows_next(r) == 1) {
		ids[k] = db_col_int(r, 0);
		if (items != NULL)
			items[k] = db_col_int(r, 1);
		k++;
	}
	db_rows_free(r);
	*n = k;
	return FF_OK;
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
    const struct batchq_path *paths, size_t n, long long *added)
{
	struct db_arg	*args;
	struct buf	 sql;
	enum ff_err	 er = FF_OK;
	long long	 got, sum = 0;
	size_t		 i;

	if (added != NULL)
		*added = 0;
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
	/* The rows and the counts they add commit together. */
	if ((er = batchq_begin_rc(db)) != FF_OK)
		goto out;
	if (n == BATCHQ_LOAD_ROWS) {
		buf_puts(&sql, "INSERT IGNORE INTO batch_items (job_id, path) "
		    "VALUES ");
		for (i = 0; i < BATCHQ_LOAD_ROWS; i++)
			buf_puts(&sql, i == 0 ? "(?, ?)" : ", (?, ?)");
		er = db_exec(db, sql.ptr, args, 2 * n, &sum, NULL);
	} else
		for (i = 0; i < n && er == FF_OK; i++) {
			er = db_exec(db, "INSERT IGNORE INTO batch_items "
			    "(job_id, path) VALUES (?, ?)", &args[2 * i], 2,
			    &got, NULL);
			sum += got;
		}
	if (er == FF_OK)
		er = count_add(db, job_id, sum, sum, 0, 0, 0, 0);
	if (er == FF_OK)
		er = db_commit(db);
	else
		db_rollback(db);
	if (er == FF_OK && added != NULL)
		*added = sum;
out:
	buf_free(&sql);
	free(args);
	return er;
}

enum ff_err
batchq_job_loaded_set(struct db *db, long long job_id,
    const struct batchq_failure *skips, size_t nskips)
{
	struct db_arg	a[4];
	enum ff_err	er;
	long long	total = 0;
	size_t		i;

	if ((er = batchq_begin_rc(db)) != FF_OK)
		return er;
	/* The loader's complete pass replaces what an earlier, interrupted
	 * one found. */
	a[0] = DB_INT(job_id);
	if ((er = db_exec(db, "DELETE FROM batch_reasons WHERE job_id = ? AND "
	    "stage = 'load'", a, 1, NULL, NULL)) != FF_OK)
		goto fail;
	for (i = 0; i < nskips; i++) {
		if (skips[i].n <= 0 || skips[i].reason == NULL)
			continue;
		a[0] = DB_INT(job_id);
		a[1] = DB_TEXT(skips[i].reason);
		a[2] = DB_INT(skips[i].n);
		a[3] = skips[i].example != NULL ? DB_BLOB(skips[i].example,
		    strnlen(skips[i].example, BATCHQ_PATH_MAX)) : DB_NULL;
		if ((er = db_exec(db, "INSERT INTO batch_reasons (job_id, stage, "
		    "reason, n, example) VALUES (?, 'load', ?, ?, ?)", a, 4,
		    NULL, NULL)) != FF_OK)
			goto fail;
		total += skips[i].n;
	}
	a[0] = DB_INT(total);
	a[1] = DB_INT(job_id);
	a[2] = DB_INT(job_id);
	if ((er = db_exec(db, "UPDATE batch_jobs SET loaded = NOW(3), n_skipped "
	    "= ?, n_items = (SELECT COALESCE(SUM(items), 0) FROM batch_counts "
	    "WHERE job_id = ?) WHERE id = ?", a, 3, NULL, NULL)) != FF_OK)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return er;
}

/* ---- Working ---- */

/*
 * The two ranges a claim reads, each in index order and bounded by the
 * claim's size (plus the rows other claimers hold, which SKIP LOCKED steps
 * over): leases that ran out, and queued items after the claimer's cursor.
 * Queued items have no lease, so (job_id, state, lease_until IS NULL, id)
 * is a prefix of the batch_items_claim index (InnoDB appends the primary
 * key) and the scan starts at the cursor instead of the job's first item.
 * The index is forced: without it the optimizer may take the three-part
 * ref (job, 'queued', NULL) and filter the id by index condition, which
 * walks (and, being a locking read, locks and unlocks) every entry before
 * the cursor; forced, it is a four-part range starting at the cursor.
 */
#define CLAIM_EXPIRED "SELECT id, path, attempts FROM batch_items " \
	"FORCE INDEX (batch_items_claim) WHERE job_id = ? AND state = " \
	"'claimed' AND lease_until < NOW(3) ORDER BY lease_until LIMIT ? " \
	"FOR UPDATE SKIP LOCKED"
#define CLAIM_QUEUED "SELECT id, path, attempts FROM batch_items " \
	"FORCE INDEX (batch_items_claim) WHERE job_id = ? AND state = " \
	"'queued' AND lease_until IS NULL AND id > ? ORDER BY id LIMIT ? " \
	"FOR UPDATE SKIP LOCKED"

/* A row a claim read. */
struct cand {
	long long	 id;
	long long	 attempts;
	int		 queued;	/* from the queue, not a takeover */
	char		*path;
};

/* Run one claim SELECT, appending up to max - *k rows to cs. */
static enum ff_err
claim_read(struct db *db, const char *sql, struct db_arg *a, size_t na,
    int queued, struct cand *cs, size_t *k, size_t max)
{
	struct db_rows	*r;
	const char	*s;
	enum ff_err	 er;
	int		 rc = 0;

	if ((er = db_query(db, sql, a, na, &r)) != FF_OK)
		return er;
	while (*k < max && (rc = db_rows_next(r)) == 1) {
		cs[*k].id = db_col_int(r, 0);
		s = db_col_text(r, 1, NULL);
		cs[*k].path = xstrdup(s != NULL ? s : "");
		cs[*k].attempts = db_col_int(r, 2);
		cs[*k].queued = queued;
		(*k)++;
	}
	if (*k >= max)
		rc = 0;
	db_rows_free(r);
	return rc == 0 ? FF_OK : FF_EDB;
}

enum ff_err
batchq_claim(struct db *db, struct batchq_claimer *c,
    struct batchq_item *items, size_t *n, size_t *nlost)
{
	struct cand	*cs;
	struct db_arg	*in = NULL, a[3];
	size_t		 want = (size_t)c->claim, k = 0, got = 0, lostn = 0, i;
	long long	 cursor = c->cursor, dq = 0, lq = 0, lc = 0;
	enum ff_err	 er;
	char		*claim_sql = NULL;

	*n = 0;
	if (nlost != NULL)
		*nlost = 0;
	cs = xcalloc(want, sizeof(*cs));
	if ((er = batchq_begin_rc(db)) != FF_OK)
		goto out;
	a[0] = DB_INT(c->job_id);
	a[1] = DB_INT((long long)want);
	if ((er = claim_read(db, CLAIM_EXPIRED, a, 2, 0, cs, &k,
	    want)) != FF_OK)
		goto fail;
	if (k < want) {
		a[1] = DB_INT(cursor);
		a[2] = DB_INT((long long)(want - k));
		got = k;
		if ((er = claim_read(db, CLAIM_QUEUED, a, 3, 1, cs, &k,
		    want)) != FF_OK)
			goto fail;
		/* Nothing after the cursor: items given back or queued again
		 * lie before it; look from the start once. */
		if (k == got && cursor > 0) {
			cursor = 0;
			a[1] = DB_INT(0);
			if ((er = claim_read(db, CLAIM_QUEUED, a, 3, 1, cs, &k,
			    want)) != FF_OK)
				goto fail;
		}
	}
	for (i = 0; i < k; i++)
		if (cs[i].queued && cs[i].id > cursor)
			cursor = cs[i].id;
	/* Items whose workers kept dying are failed, not claimed. */
	for (i = 0; i < k; i++) {
		if (cs[i].attempts < c->max_attempts)
			continue;
		a[0] = DB_INT(cs[i].id);
		if ((er = db_exec(db, "UPDATE batch_items SET state = "
		    "'failed', reason = 'worker_lost', lease_until = NULL "
		    "WHERE id = ?", a, 1, NULL, NULL)) != FF_OK)
			goto fail;
		if (cs[i].queued)
			lq++;
		else
			lc++;
		lostn++;
	}
	claim_sql = sql_in("UPDATE batch_items SET state = 'claimed', "
	    "claimed_by = ?, claimed_at = NOW(3), lease_until = NOW(3) + "
	    "INTERVAL ? SECOND, attempts = attempts + 1 WHERE id IN (",
	    c->claim);
	in = xcalloc(want + 2, sizeof(*in));
	in[0] = DB_TEXT(c->me);
	in[1] = DB_INT(c->lease_s);
	for (i = 0; i < k; i++) {
		if (cs[i].attempts >= c->max_attempts)
			continue;
		items[*n].id = cs[i].id;
		items[*n].path = cs[i].path;
		items[*n].attempts = cs[i].attempts + 1;
		cs[i].path = NULL;
		in[2 + (*n)++] = DB_INT(cs[i].id);
		if (cs[i].queued)
			dq++;
	}
	for (i = *n; i < want; i++)
		in[2 + i] = DB_INT(0);
	if (*n > 0 && (er = db_exec(db, claim_sql, in, want + 2, NULL,
	    NULL)) != FF_OK)
		goto fail;
	/* Rows in one order in every transaction: items, the counter
	 * shard, then the reasons (as batchq_item_store()). */
	if ((er = count_add(db, c->job_id, 0, -dq - lq, dq - lc, 0, 0,
	    lq + lc)) != FF_OK)
		goto fail;
	for (i = 0; i < k; i++)
		if (cs[i].attempts >= c->max_attempts &&
		    (er = reason_add(db, c->job_id, cs[i].id,
		    "worker_lost")) != FF_OK)
			goto fail;
	if ((er = db_commit(db)) != FF_OK)
		goto fail_done;
	c->cursor = cursor;
	if (nlost != NULL)
		*nlost = lostn;
	goto out;
fail:
	db_rollback(db);
fail_done:
	for (i = 0; i < *n; i++) {
		free(items[i].path);
		items[i].path = NULL;
	}
	*n = 0;
out:
	for (i = 0; i < k; i++)
		free(cs[i].path);
	free(cs);
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
 * rollup row locks it takes are the last thing it waits for (the counter
 * shard and the reason row come before it).
 */
enum ff_err
batchq_item_store(struct db *db, const struct batchq_claimer *c,
    const struct batchq_result *r, int *stored)
{
	struct db_arg	 a[7];
	enum ff_err	 er;
	long long	 hit;

	*stored = 0;
	if (r->state != BATCHQ_DONE && r->state != BATCHQ_NOFACE &&
	    r->state != BATCHQ_FAILED)
		return FF_ECONFIG;
	a[0] = DB_TEXT(batchq_state_name(r->state));
	a[1] = DB_TEXT(r->reason);
	a[2] = r->width > 0 ? DB_INT(r->width) : DB_NULL;
	a[3] = r->height > 0 ? DB_INT(r->height) : DB_NULL;
	a[4] = DB_INT(r->id);
	a[5] = DB_TEXT(c->me);
	a[6] = DB_INT(r->attempts);
	if ((er = batchq_begin_rc(db)) != FF_OK)
		return er;
	if ((er = db_exec(db, "UPDATE batch_items SET state = ?, reason = ?, "
	    "width = ?, height = ?, lease_until = NULL WHERE id = ? AND "
	    "state = 'claimed' AND claimed_by = ? AND attempts = ?", a, 7, &hit,
	    NULL)) != FF_OK)
		goto fail;
	if (hit > 0) {
		if ((er = count_add(db, c->job_id, 0, 0, -1,
		    r->state == BATCHQ_DONE, r->state == BATCHQ_NOFACE,
		    r->state == BATCHQ_FAILED)) != FF_OK)
			goto fail;
		if (r->state == BATCHQ_FAILED &&
		    (er = reason_add(db, c->job_id, r->id, r->reason != NULL ?
		    r->reason : "?")) != FF_OK)
			goto fail;
		if (r->state != BATCHQ_FAILED && !r->no_detection &&
		    (er = detection_rows(db, r)) != FF_OK)
			goto fail;
	}
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
	struct db_arg	a[2];
	enum ff_err	er;
	long long	n = 0;

	a[0] = DB_INT(c->job_id);
	a[1] = DB_TEXT(c->me);
	if ((er = batchq_begin_rc(db)) != FF_OK)
		return er;
	/* The job's claimed range only: the claims of its live workers. */
	if ((er = db_exec(db, "UPDATE batch_items SET state = 'queued', "
	    "claimed_by = NULL, claimed_at = NULL, lease_until = NULL, "
	    "attempts = GREATEST(attempts, 1) - 1 WHERE job_id = ? AND "
	    "state = 'claimed' AND claimed_by = ?", a, 2, &n, NULL)) != FF_OK ||
	    (er = count_add(db, c->job_id, 0, n, -n, 0, 0, 0)) != FF_OK) {
		db_rollback(db);
		return er;
	}
	return db_commit(db);
}

enum ff_err
batchq_pending(struct db *db, long long job_id, int *pending)
{
	struct batchq_counts	c;
	enum ff_err		er;

	er = batchq_job_counts(db, job_id, &c);
	*pending = er != FF_OK || !c.loaded || c.queued + c.claimed > 0;
	return er;
}
