/*
 * check_batchq.c: src/store/batchq.c, the batch queue, against a real,
 * private MariaDB.
 *
 * main() starts the server and makes the database framefit_batchq_test
 * afresh, migrated (tests/dbtest.h). Each test makes jobs of its own (the
 * names differ), so the tests do not depend on each other's rows; each
 * opens its own connections (Check forks every test). The queue's behaviour
 * with real processes is tests/integration/test_batch.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "dbtest.h"
#include "store/batchq.h"
#include "store/db.h"

/* A frame of sql/002_seed_frames.sql. */
#define SKU	"FF-RND-4721-TOR"

/* A list job of that name with n items "/in/<name>/<i>.jpg" queued, read
 * back into j (loaded when `loaded`). */
static void
mkjob(struct db *d, const char *name, int n, int loaded, struct batchq_job *j)
{
	struct batchq_path	 p[64];
	char			 s[64][64];
	int			 i, got;

	ck_assert_int_le(n, 64);
	memset(j, 0, sizeof(*j));
	ck_assert_int_eq(batchq_job_create(d, name, BATCHQ_LIST, "/in/list.txt",
	    0, NULL), FF_OK);
	j->name = strdup(name);
	ck_assert_int_eq(batchq_job_read(d, j), FF_OK);
	for (i = 0; i < n; i++) {
		snprintf(s[i], sizeof(s[i]), "/in/%s/%d.jpg", name, i);
		p[i].p = s[i];
		p[i].len = strlen(s[i]);
	}
	if (n > 0)
		ck_assert_int_eq(batchq_items_add(d, j->id, p, (size_t)n,
		    NULL), FF_OK);
	if (loaded)
		ck_assert_int_eq(batchq_job_loaded_set(d, j->id, NULL, 0),
		    FF_OK);
	ck_assert_int_eq(batchq_job_loaded(d, j->id, &got), FF_OK);
	ck_assert_int_eq(got, loaded);
}

static void
claimer(struct batchq_claimer *c, const struct batchq_job *j, const char *me,
    int claim, int lease_s)
{
	memset(c, 0, sizeof(*c));
	c->job_id = j->id;
	c->me = me;
	c->claim = claim;
	c->lease_s = lease_s;
	c->max_attempts = 3;
}

static void
items_free(struct batchq_item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(it[i].path);
}

static void
counts_eq(struct db *d, long long job_id, long long queued, long long claimed,
    long long done, long long noface, long long failed)
{
	struct batchq_counts c;

	ck_assert_int_eq(batchq_job_counts(d, job_id, &c), FF_OK);
	ck_assert_int_eq(c.queued, queued);
	ck_assert_int_eq(c.claimed, claimed);
	ck_assert_int_eq(c.done, done);
	ck_assert_int_eq(c.noface, noface);
	ck_assert_int_eq(c.failed, failed);
	ck_assert_int_eq(c.items, queued + claimed + done + noface + failed);
	/* The kept counts are the rows' (a count over the job, here only). */
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ?", job_id), c.items);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'queued'", job_id), queued);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'claimed'", job_id), claimed);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'failed'", job_id), failed);
	ck_assert_int_eq(dbtest_int(d, "SELECT COALESCE(SUM(n), 0) FROM "
	    "batch_reasons WHERE job_id = ? AND stage = 'work'", job_id), failed);
}

/* A job of n items (n a multiple of BATCHQ_LOAD_ROWS), loaded. */
static void
mkbig(struct db *d, const char *name, int n, struct batchq_job *j)
{
	static struct batchq_path	 p[BATCHQ_LOAD_ROWS];
	static char			 s[BATCHQ_LOAD_ROWS][64];
	long long			 added;
	int				 i, k;

	memset(j, 0, sizeof(*j));
	ck_assert_int_eq(batchq_job_create(d, name, BATCHQ_LIST, "/in/big.txt",
	    0, NULL), FF_OK);
	j->name = strdup(name);
	ck_assert_int_eq(batchq_job_read(d, j), FF_OK);
	for (k = 0; k < n; k += BATCHQ_LOAD_ROWS) {
		for (i = 0; i < BATCHQ_LOAD_ROWS; i++) {
			snprintf(s[i], sizeof(s[i]), "/in/%s/%d.jpg", name, k + i);
			p[i].p = s[i];
			p[i].len = strlen(s[i]);
		}
		ck_assert_int_eq(batchq_items_add(d, j->id, p, BATCHQ_LOAD_ROWS,
		    &added), FF_OK);
		ck_assert_int_eq(added, BATCHQ_LOAD_ROWS);
	}
	ck_assert_int_eq(batchq_job_loaded_set(d, j->id, NULL, 0), FF_OK);
}

/* Index rows this session has read so far (the server's handler
 * counters; a full or ranged scan of a job shows up here). */
static long long
rows_read(struct db *d)
{
	return dbtest_int(d, "SELECT SUM(VARIABLE_VALUE) FROM "
	    "information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN "
	    "('HANDLER_READ_KEY', 'HANDLER_READ_NEXT', 'HANDLER_READ_PREV', "
	    "'HANDLER_READ_FIRST', 'HANDLER_READ_LAST', 'HANDLER_READ_RND', "
	    "'HANDLER_ICP_ATTEMPTS') "
	    "AND ? = 0", 0);
}

/* Let leases of 1 s run out (the server's clock, milliseconds). */
static void
outlive_lease(void)
{
	struct timespec ts = { 1, 300 * 1000 * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- jobs ---- */

START_TEST(test_job_create_read)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j, k;
	long long		 frame_id = 0, x;

	memset(&j, 0, sizeof(j));
	ck_assert_int_eq(batchq_job_create(d, "jobs-dir", BATCHQ_DIR,
	    "/photos/in", 0, NULL), FF_OK);
	j.name = strdup("jobs-dir");
	ck_assert_int_eq(batchq_job_read(d, &j), FF_OK);
	ck_assert_int_gt(j.id, 0);
	ck_assert_int_eq(j.kind, BATCHQ_DIR);
	ck_assert_str_eq(j.source, "/photos/in");
	ck_assert_str_eq(j.root, "/photos/in");
	ck_assert_int_eq(j.frame_id, 0);
	ck_assert_str_eq(j.frame_sku, "");
	ck_assert_ptr_null(j.out_dir);
	ck_assert_int_eq(j.loaded, 0);
	ck_assert_int_eq(j.finished, 0);

	/* The same name again: a no-op, the first row stays. */
	ck_assert_int_eq(batchq_job_create(d, "jobs-dir", BATCHQ_LIST,
	    "/elsewhere/list.txt", 0, NULL), FF_OK);
	x = j.id;
	ck_assert_int_eq(batchq_job_read(d, &j), FF_OK);
	ck_assert_int_eq(j.id, x);
	ck_assert_int_eq(j.kind, BATCHQ_DIR);
	ck_assert_str_eq(j.source, "/photos/in");
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_jobs WHERE "
	    "name = 'jobs-dir'", 0), 1);
	batchq_job_clear(&j);
	ck_assert_ptr_null(j.name);
	ck_assert_int_eq(j.id, 0);

	/* With a frame and an output folder. */
	ck_assert_int_eq(batchq_frame_id(d, SKU, &frame_id), FF_OK);
	ck_assert_int_eq(frame_id, dbtest_int(d, "SELECT id FROM frames WHERE "
	    "sku = '" SKU "'", 0));
	ck_assert_int_eq(batchq_frame_id(d, "FF-NOPE", &x), FF_ENOTFOUND);
	ck_assert_int_eq(batchq_job_create(d, "jobs-tryon", BATCHQ_LIST,
	    "/photos/list.txt", frame_id, "/out"), FF_OK);
	memset(&k, 0, sizeof(k));
	k.name = strdup("jobs-tryon");
	ck_assert_int_eq(batchq_job_read(d, &k), FF_OK);
	ck_assert_int_eq(k.kind, BATCHQ_LIST);
	ck_assert_str_eq(k.root, "/photos");
	ck_assert_int_eq(k.frame_id, frame_id);
	ck_assert_str_eq(k.frame_sku, SKU);
	ck_assert_str_eq(k.out_dir, "/out");
	batchq_job_clear(&k);

	/* A frame that does not exist: refused, no row. */
	ck_assert_int_eq(batchq_job_create(d, "jobs-badframe", BATCHQ_DIR,
	    "/p", 999999999, "/out"), FF_EINPUT);
	k.name = strdup("jobs-badframe");
	ck_assert_int_eq(batchq_job_read(d, &k), FF_ENOTFOUND);
	batchq_job_clear(&k);
	db_close(d);
}
END_TEST

/* The root of a job: the dir itself, or the list's directory. */
static const struct {
	enum batchq_kind	 kind;
	const char		*source;
	const char		*root;
} roots[] = {
	{ BATCHQ_LIST, "/a/b/list.txt", "/a/b" },
	{ BATCHQ_LIST, "/list.txt", "/" },
	{ BATCHQ_LIST, "/a", "/" },
	{ BATCHQ_LIST, "rel", "/" },
	{ BATCHQ_DIR, "/a/b", "/a/b" },
	{ BATCHQ_DIR, "/", "/" },
};

START_TEST(test_job_root)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	char			 name[32];

	snprintf(name, sizeof(name), "root-%d", _i);
	ck_assert_int_eq(batchq_job_create(d, name, roots[_i].kind,
	    roots[_i].source, 0, NULL), FF_OK);
	memset(&j, 0, sizeof(j));
	j.name = strdup(name);
	ck_assert_int_eq(batchq_job_read(d, &j), FF_OK);
	ck_assert_int_eq(j.kind, roots[_i].kind);
	ck_assert_str_eq(j.source, roots[_i].source);
	ck_assert_str_eq(j.root, roots[_i].root);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* ---- loading ---- */

START_TEST(test_load)
{
	static struct batchq_path	 big[BATCHQ_LOAD_ROWS + 1];
	static char			 s[BATCHQ_LOAD_ROWS + 1][32];
	struct db			*d = dbtest_open();
	struct batchq_job		 j;
	struct batchq_counts		 c;
	long long			 added;
	int				 i, loaded;

	mkjob(d, "load", 3, 0, &j);
	counts_eq(d, j.id, 3, 0, 0, 0, 0);
	/* A path queued already is ignored, single rows or many. */
	ck_assert_int_eq(batchq_items_add(d, j.id, (struct batchq_path[]){
	    { "/in/load/1.jpg", 14 }, { "/in/load/new.jpg", 16 } }, 2, &added), FF_OK);
	ck_assert_int_eq(added, 1);
	counts_eq(d, j.id, 4, 0, 0, 0, 0);
	/* A full batch: one multi-row INSERT; its first three paths exist. */
	for (i = 0; i < BATCHQ_LOAD_ROWS + 1; i++) {
		snprintf(s[i], sizeof(s[i]), "/in/load/%d.jpg", i);
		big[i].p = s[i];
		big[i].len = strlen(s[i]);
	}
	ck_assert_int_eq(batchq_items_add(d, j.id, big, BATCHQ_LOAD_ROWS,
	    &added), FF_OK);
	ck_assert_int_eq(added, BATCHQ_LOAD_ROWS - 3);
	counts_eq(d, j.id, 1 + BATCHQ_LOAD_ROWS, 0, 0, 0, 0);
	ck_assert_int_eq(batchq_items_add(d, j.id, big, BATCHQ_LOAD_ROWS + 1,
	    NULL), FF_ECONFIG);
	ck_assert_int_eq(batchq_items_add(d, j.id, big, 0, NULL), FF_OK);
	/* Bytes as given: no NUL needed after len. */
	ck_assert_int_eq(batchq_items_add(d, j.id, (struct batchq_path[]){
	    { "/in/load/x.jpgGARBAGE", 14 } }, 1, NULL), FF_OK);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND path = '/in/load/x.jpg'", j.id), 1);

	ck_assert_int_eq(batchq_job_counts(d, j.id, &c), FF_OK);
	ck_assert_int_eq(c.loaded, 0);
	ck_assert_int_eq(batchq_job_loaded(d, j.id, &loaded), FF_OK);
	ck_assert_int_eq(loaded, 0);
	ck_assert_int_eq(batchq_job_loaded_set(d, j.id, NULL, 0), FF_OK);
	ck_assert_int_eq(batchq_job_loaded(d, j.id, &loaded), FF_OK);
	ck_assert_int_eq(loaded, 1);
	ck_assert_int_eq(batchq_job_counts(d, j.id, &c), FF_OK);
	ck_assert_int_eq(c.loaded, 1);
	ck_assert_int_eq(c.queued, 2 + BATCHQ_LOAD_ROWS);
	ck_assert_int_eq(dbtest_int(d, "SELECT n_items FROM batch_jobs WHERE id = ?",
	    j.id), 2 + BATCHQ_LOAD_ROWS);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

START_TEST(test_load_lock)
{
	struct db		*a = dbtest_open(), *b = dbtest_open();
	struct batchq_job	 j;
	struct timespec		 ts = { 0, 100 * 1000 * 1000 };
	int			 held, i;

	mkjob(a, "lock", 0, 0, &j);
	ck_assert_int_eq(batchq_load_lock(a, j.id, &held), FF_OK);
	ck_assert_int_eq(held, 1);
	/* Another session does not get it, and does not wait for it. */
	ck_assert_int_eq(batchq_load_lock(b, j.id, &held), FF_OK);
	ck_assert_int_eq(held, 0);
	/* Per job: another job's lock is free. */
	ck_assert_int_eq(batchq_load_lock(b, j.id + 1000000, &held), FF_OK);
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(batchq_load_unlock(b, j.id + 1000000), FF_OK);
	ck_assert_int_eq(batchq_load_unlock(a, j.id), FF_OK);
	ck_assert_int_eq(batchq_load_lock(b, j.id, &held), FF_OK);
	ck_assert_int_eq(held, 1);
	/* It dies with its session (the server ends a closed session a
	 * moment later: wait for that, at most 5 s). */
	db_close(b);
	for (i = 0; i < 50; i++) {
		ck_assert_int_eq(batchq_load_lock(a, j.id, &held), FF_OK);
		if (held)
			break;
		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(batchq_load_unlock(a, j.id), FF_OK);
	batchq_job_clear(&j);
	db_close(a);
}
END_TEST

/* ---- claiming ---- */

START_TEST(test_claim_distinct)
{
	struct db		*d = dbtest_open(), *e = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 ca, cb, cc;
	struct batchq_item	 ia[2], ib[2], ic[4];
	size_t			 na, nb, nc, nlost, i;
	int			 seen[5] = { 0 }, k, pending;

	mkjob(d, "claim", 5, 0, &j);
	claimer(&ca, &j, "host:1", 2, 300);
	claimer(&cb, &j, "host:2", 2, 300);
	claimer(&cc, &j, "host:3", 4, 300);
	ck_assert_int_eq(batchq_claim(d, &ca, ia, &na, &nlost), FF_OK);
	ck_assert_uint_eq(na, 2);
	ck_assert_uint_eq(nlost, 0);
	ck_assert_int_eq(batchq_claim(e, &cb, ib, &nb, NULL), FF_OK);
	ck_assert_uint_eq(nb, 2);
	ck_assert_int_eq(batchq_claim(d, &cc, ic, &nc, NULL), FF_OK);
	ck_assert_uint_eq(nc, 1);
	/* Every item once: the paths name them. */
	for (i = 0; i < na + nb + nc; i++) {
		const struct batchq_item *it = i < na ? &ia[i] :
		    i < na + nb ? &ib[i - na] : &ic[i - na - nb];

		ck_assert_int_eq(sscanf(it->path, "/in/claim/%d.jpg", &k), 1);
		ck_assert(k >= 0 && k < 5);
		ck_assert_int_eq(seen[k]++, 0);
		ck_assert_int_eq(it->attempts, 1);
		ck_assert_int_eq(dbtest_int(d, "SELECT attempts FROM batch_items "
		    "WHERE id = ?", it->id), 1);
	}
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND claimed_by = 'host:1' AND state = 'claimed' AND "
	    "lease_until > NOW(3) + INTERVAL 290 SECOND", j.id), 2);
	counts_eq(d, j.id, 0, 5, 0, 0, 0);
	/* Nothing left to claim, but the job is pending: not loaded, and
	 * claims may come back. */
	ck_assert_int_eq(batchq_claim(e, &cc, ic, &nc, NULL), FF_OK);
	ck_assert_uint_eq(nc, 0);
	ck_assert_int_eq(batchq_pending(d, j.id, &pending), FF_OK);
	ck_assert_int_eq(pending, 1);
	ck_assert_int_eq(batchq_job_loaded_set(d, j.id, NULL, 0), FF_OK);
	ck_assert_int_eq(batchq_pending(d, j.id, &pending), FF_OK);
	ck_assert_int_eq(pending, 1);
	items_free(ia, na);
	items_free(ib, nb);
	items_free(ic, 1);
	batchq_job_clear(&j);
	db_close(e);
	db_close(d);
}
END_TEST

START_TEST(test_release)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 ca, cb;
	struct batchq_item	 ia[3], ib[3];
	size_t			 na, nb;

	mkjob(d, "release", 3, 1, &j);
	claimer(&ca, &j, "host:1", 2, 300);
	claimer(&cb, &j, "host:2", 3, 300);
	ck_assert_int_eq(batchq_claim(d, &ca, ia, &na, NULL), FF_OK);
	ck_assert_uint_eq(na, 2);
	ck_assert_int_eq(batchq_claim(d, &cb, ib, &nb, NULL), FF_OK);
	ck_assert_uint_eq(nb, 1);
	counts_eq(d, j.id, 0, 3, 0, 0, 0);
	items_free(ib, nb);

	/* A's claims go back, not counted as attempts; B's stay. */
	ck_assert_int_eq(batchq_release(d, &ca), FF_OK);
	counts_eq(d, j.id, 2, 1, 0, 0, 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'queued' AND attempts = 0 AND claimed_by "
	    "IS NULL AND lease_until IS NULL", j.id), 2);
	/* A released item is claimed again: the same two. */
	ck_assert_int_eq(batchq_claim(d, &cb, ib, &nb, NULL), FF_OK);
	ck_assert_uint_eq(nb, 2);
	ck_assert(ib[0].id != ib[1].id);
	ck_assert(ib[0].id == ia[0].id || ib[0].id == ia[1].id);
	ck_assert(ib[1].id == ia[0].id || ib[1].id == ia[1].id);
	ck_assert_int_eq(ib[0].attempts, 1);
	ck_assert_int_eq(ib[1].attempts, 1);
	counts_eq(d, j.id, 0, 3, 0, 0, 0);
	/* Releasing again gives back nothing of B's. */
	ck_assert_int_eq(batchq_release(d, &ca), FF_OK);
	counts_eq(d, j.id, 0, 3, 0, 0, 0);
	items_free(ia, na);
	items_free(ib, nb);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

START_TEST(test_lease_takeover)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 ca, cb;
	struct batchq_item	 ia[2], ib[2];
	struct batchq_result	 r;
	size_t			 na, nb;
	int			 stored;

	mkjob(d, "lease", 1, 1, &j);
	claimer(&ca, &j, "host:1", 2, 1);
	claimer(&cb, &j, "host:2", 2, 300);
	ck_assert_int_eq(batchq_claim(d, &ca, ia, &na, NULL), FF_OK);
	ck_assert_uint_eq(na, 1);
	/* Within its lease nobody else gets it. */
	ck_assert_int_eq(batchq_claim(d, &cb, ib, &nb, NULL), FF_OK);
	ck_assert_uint_eq(nb, 0);
	outlive_lease();
	ck_assert_int_eq(batchq_claim(d, &cb, ib, &nb, NULL), FF_OK);
	ck_assert_uint_eq(nb, 1);
	ck_assert_int_eq(ib[0].id, ia[0].id);
	ck_assert_int_eq(ib[0].attempts, 2);

	/* The first worker's late result is dropped, the second's stored. */
	memset(&r, 0, sizeof(r));
	r.id = ia[0].id;
	r.attempts = ia[0].attempts;
	r.state = BATCHQ_NOFACE;
	r.width = 10;
	r.height = 20;
	ck_assert_int_eq(batchq_item_store(d, &ca, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM detections WHERE "
	    "batch_item_id = ?", ia[0].id), 0);
	/* Nor does the right worker with the wrong attempt store. */
	r.attempts = 1;
	ck_assert_int_eq(batchq_item_store(d, &cb, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 0);
	r.attempts = ib[0].attempts;
	ck_assert_int_eq(batchq_item_store(d, &cb, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 1);
	counts_eq(d, j.id, 0, 0, 0, 1, 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM detections WHERE "
	    "batch_item_id = ?", ia[0].id), 1);
	items_free(ia, na);
	items_free(ib, nb);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

START_TEST(test_renew)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 ca, cb;
	struct batchq_item	 ia[3], ib[3];
	long long		 ids[3];
	size_t			 na, nb;

	mkjob(d, "renew", 3, 1, &j);
	claimer(&ca, &j, "host:1", 3, 1);
	claimer(&cb, &j, "host:2", 3, 1);
	ck_assert_int_eq(batchq_claim(d, &ca, ia, &na, NULL), FF_OK);
	ck_assert_uint_eq(na, 3);
	/* Renew two of the three for longer; another claimer's renewal
	 * touches none of them. */
	ids[0] = ia[0].id;
	ids[1] = ia[2].id;
	ca.lease_s = 300;
	ck_assert_int_eq(batchq_renew(d, &cb, ids, 2), FF_OK);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND lease_until > NOW(3) + INTERVAL 100 SECOND",
	    j.id), 0);
	ck_assert_int_eq(batchq_renew(d, &ca, ids, 2), FF_OK);
	ck_assert_int_eq(batchq_renew(d, &ca, ids, 0), FF_OK);
	ck_assert_int_eq(batchq_renew(d, &ca, ids, 4), FF_ECONFIG);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND lease_until > NOW(3) + INTERVAL 290 SECOND",
	    j.id), 2);
	/* Only the one not renewed comes back after the first lease. */
	outlive_lease();
	ck_assert_int_eq(batchq_claim(d, &cb, ib, &nb, NULL), FF_OK);
	ck_assert_uint_eq(nb, 1);
	ck_assert_int_eq(ib[0].id, ia[1].id);
	items_free(ia, na);
	items_free(ib, nb);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

START_TEST(test_worker_lost)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 c;
	struct batchq_item	 it[2];
	size_t			 n, nlost;

	mkjob(d, "lost", 2, 1, &j);
	claimer(&c, &j, "host:1", 2, 1);
	c.max_attempts = 2;
	/* Two workers die holding the items... */
	ck_assert_int_eq(batchq_claim(d, &c, it, &n, &nlost), FF_OK);
	ck_assert_uint_eq(n, 2);
	items_free(it, n);
	outlive_lease();
	ck_assert_int_eq(batchq_claim(d, &c, it, &n, &nlost), FF_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(nlost, 0);
	ck_assert_int_eq(it[0].attempts, 2);
	items_free(it, n);
	outlive_lease();
	/* ... and the third claim fails them instead. */
	ck_assert_int_eq(batchq_claim(d, &c, it, &n, &nlost), FF_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(nlost, 2);
	counts_eq(d, j.id, 0, 0, 0, 0, 2);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND reason = 'worker_lost' AND lease_until IS NULL",
	    j.id), 2);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* ---- results ---- */

START_TEST(test_item_store)
{
	static const struct det_face faces[2] = {
		{ 0.75f, { 10.5f, 20.25f, 100, 120 }, { 40, 60.5f }, { 80, 61 } },
		{ 1.0f, { 0, 0, 0, 0 }, { 1, 2 }, { 3, 4 } },
	};
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 c;
	struct batchq_item	 it[3];
	struct batchq_result	 r;
	struct db_rows		*rows;
	struct db_arg		 a;
	long long		 model_id;
	size_t			 n, i;
	int			 stored;

	ck_assert_int_eq(db_exec(d, "INSERT INTO models (version, sha256, "
	    "trained_at) VALUES ('ff-batchqtest', UNHEX(SHA2('x', 256)), NOW())",
	    NULL, 0, NULL, &model_id), FF_OK);

	mkjob(d, "store", 3, 1, &j);
	claimer(&c, &j, "host:1", 3, 300);
	ck_assert_int_eq(batchq_claim(d, &c, it, &n, NULL), FF_OK);
	ck_assert_uint_eq(n, 3);

	/* done, with two faces and the model. */
	memset(&r, 0, sizeof(r));
	r.id = it[0].id;
	r.attempts = it[0].attempts;
	r.state = BATCHQ_DONE;
	r.width = 640;
	r.height = 480;
	r.model_id = model_id;
	r.ms = 12.5;
	r.faces = faces;
	r.nfaces = 2;
	ck_assert_int_eq(batchq_item_store(d, &c, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 1);
	/* Again (a retry after a lost COMMIT answer): nothing more. */
	ck_assert_int_eq(batchq_item_store(d, &c, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 0);
	a = DB_INT(it[0].id);
	ck_assert_int_eq(db_query(d, "SELECT i.state, i.width, i.height, "
	    "i.reason IS NULL, i.lease_until IS NULL, d.model_id, d.faces, "
	    "d.ms, d.upload_id IS NULL FROM batch_items i JOIN detections d "
	    "ON d.batch_item_id = i.id WHERE i.id = ?", &a, 1, &rows), FF_OK);
	ck_assert_uint_eq(db_rows_count(rows), 1);
	ck_assert_int_eq(db_rows_next(rows), 1);
	ck_assert_str_eq(db_col_text(rows, 0, NULL), "done");
	ck_assert_int_eq(db_col_int(rows, 1), 640);
	ck_assert_int_eq(db_col_int(rows, 2), 480);
	ck_assert_int_eq(db_col_int(rows, 3), 1);
	ck_assert_int_eq(db_col_int(rows, 4), 1);
	ck_assert_int_eq(db_col_int(rows, 5), model_id);
	ck_assert_int_eq(db_col_int(rows, 6), 2);
	ck_assert(db_col_double(rows, 7) == 12.5);
	ck_assert_int_eq(db_col_int(rows, 8), 1);
	db_rows_free(rows);
	ck_assert_int_eq(db_query(d, "SELECT f.idx, f.score, f.box_x, "
	    "f.box_y, f.box_w, f.box_h, f.left_eye_x, f.left_eye_y, "
	    "f.right_eye_x, f.right_eye_y FROM detection_faces f JOIN "
	    "detections d ON d.id = f.detection_id WHERE d.batch_item_id = ? "
	    "ORDER BY f.idx", &a, 1, &rows), FF_OK);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(db_rows_next(rows), 1);
		ck_assert_int_eq(db_col_int(rows, 0), (long long)i);
		ck_assert(db_col_double(rows, 1) == faces[i].score);
		ck_assert(db_col_double(rows, 2) == faces[i].box[0]);
		ck_assert(db_col_double(rows, 3) == faces[i].box[1]);
		ck_assert(db_col_double(rows, 4) == faces[i].box[2]);
		ck_assert(db_col_double(rows, 5) == faces[i].box[3]);
		ck_assert(db_col_double(rows, 6) == faces[i].left_eye[0]);
		ck_assert(db_col_double(rows, 7) == faces[i].left_eye[1]);
		ck_assert(db_col_double(rows, 8) == faces[i].right_eye[0]);
		ck_assert(db_col_double(rows, 9) == faces[i].right_eye[1]);
	}
	ck_assert_int_eq(db_rows_next(rows), 0);
	db_rows_free(rows);

	/* noface: a detection without faces, model NULL, size unknown. */
	memset(&r, 0, sizeof(r));
	r.id = it[1].id;
	r.attempts = it[1].attempts;
	r.state = BATCHQ_NOFACE;
	ck_assert_int_eq(batchq_item_store(d, &c, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT faces FROM detections WHERE "
	    "batch_item_id = ? AND model_id IS NULL", it[1].id), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT width IS NULL AND height IS NULL "
	    "FROM batch_items WHERE id = ?", it[1].id), 1);

	/* failed: the reason, no detection. */
	memset(&r, 0, sizeof(r));
	r.id = it[2].id;
	r.attempts = it[2].attempts;
	r.state = BATCHQ_FAILED;
	r.reason = "image_corrupt";
	ck_assert_int_eq(batchq_item_store(d, &c, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM detections WHERE "
	    "batch_item_id = ?", it[2].id), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT reason = 'image_corrupt' FROM "
	    "batch_items WHERE id = ?", it[2].id), 1);
	counts_eq(d, j.id, 0, 0, 1, 1, 1);
	items_free(it, n);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* Store the next claimed item of c as `state` with `reason`. */
static void
store_next(struct db *d, struct batchq_claimer *c,
    enum batchq_state state, const char *reason)
{
	struct batchq_item	it[1];
	struct batchq_result	r;
	size_t			n;
	int			stored;

	ck_assert_int_eq(batchq_claim(d, c, it, &n, NULL), FF_OK);
	ck_assert_uint_eq(n, 1);
	memset(&r, 0, sizeof(r));
	r.id = it[0].id;
	r.attempts = it[0].attempts;
	r.state = state;
	r.reason = reason;
	ck_assert_int_eq(batchq_item_store(d, c, &r, &stored), FF_OK);
	ck_assert_int_eq(stored, 1);
	items_free(it, n);
}

START_TEST(test_finish_failures_retry)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 c;
	struct batchq_counts	 cn;
	struct batchq_failure	*f;
	size_t			 nf;
	long long		 n;
	int			 pending, i;

	mkjob(d, "finish", 7, 1, &j);
	claimer(&c, &j, "host:1", 1, 300);
	store_next(d, &c, BATCHQ_DONE, NULL);
	store_next(d, &c, BATCHQ_NOFACE, NULL);
	store_next(d, &c, BATCHQ_FAILED, "unsupported_media_type");
	store_next(d, &c, BATCHQ_FAILED, "image_corrupt");
	store_next(d, &c, BATCHQ_FAILED, "unsupported_media_type");
	store_next(d, &c, BATCHQ_FAILED, "file_unreadable");

	/* One item left: not finished. */
	ck_assert_int_eq(batchq_job_counts(d, j.id, &cn), FF_OK);
	ck_assert_int_eq(batchq_job_finish(d, &j, &cn), FF_OK);
	ck_assert_int_eq(j.finished, 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT finished IS NULL FROM batch_jobs "
	    "WHERE id = ?", j.id), 1);
	ck_assert_int_eq(batchq_pending(d, j.id, &pending), FF_OK);
	ck_assert_int_eq(pending, 1);

	store_next(d, &c, BATCHQ_FAILED, "image_corrupt");
	ck_assert_int_eq(batchq_pending(d, j.id, &pending), FF_OK);
	ck_assert_int_eq(pending, 0);
	ck_assert_int_eq(batchq_job_counts(d, j.id, &cn), FF_OK);
	ck_assert_int_eq(batchq_job_finish(d, &j, &cn), FF_OK);
	ck_assert_int_eq(j.finished, 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT finished IS NOT NULL AND n_items = 7 "
	    "AND n_done = 1 AND n_noface = 1 AND n_failed = 5 FROM batch_jobs "
	    "WHERE id = ?", j.id), 1);

	/* The reasons, most frequent first, ties by name, one path each. */
	ck_assert_int_eq(batchq_job_failures(d, j.id, &f, &nf), FF_OK);
	ck_assert_uint_eq(nf, 3);
	ck_assert_str_eq(f[0].reason, "image_corrupt");
	ck_assert_int_eq(f[0].n, 2);
	ck_assert_str_eq(f[1].reason, "unsupported_media_type");
	ck_assert_int_eq(f[1].n, 2);
	ck_assert_str_eq(f[2].reason, "file_unreadable");
	ck_assert_int_eq(f[2].n, 1);
	for (i = 0; i < 3; i++)
		ck_assert_msg(strncmp(f[i].example, "/in/finish/", 11) == 0,
		    "example %s", f[i].example);
	batchq_failures_free(f, nf);

	/* --retry-failed: the five back in the queue, the job open again. */
	ck_assert_int_eq(batchq_job_retry_failed(d, &j, &n), FF_OK);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(j.finished, 0);
	counts_eq(d, j.id, 5, 0, 1, 1, 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'queued' AND attempts = 0 AND reason IS "
	    "NULL", j.id), 5);
	ck_assert_int_eq(dbtest_int(d, "SELECT finished IS NULL FROM batch_jobs "
	    "WHERE id = ?", j.id), 1);
	ck_assert_int_eq(batchq_job_failures(d, j.id, &f, &nf), FF_OK);
	ck_assert_uint_eq(nf, 0);
	ck_assert_ptr_null(f);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* ---- bounded at any size (issue 11) ---- */

/*
 * What a progress line, the pending test, the summary, marking a job
 * loaded and a claim read does not grow with the job: on a job of 5000
 * items with 4000 finished, each reads a handful of index rows. (The
 * queue before issue 11 counted the job's rows for each: thousands.)
 */
START_TEST(test_bounded_reads)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 c;
	struct batchq_counts	 cn;
	struct batchq_failure	*f;
	struct batchq_item	 it[4];
	size_t			 n, nf;
	long long		 base, r0, first;
	int			 pending;

	mkbig(d, "bounded", 5000, &j);
	first = dbtest_int(d, "SELECT MIN(id) FROM batch_items WHERE job_id = ?",
	    j.id);
	/* 4000 finished, as if processed (their counts too). */
	dbtest_exec(d, "UPDATE batch_items SET state = 'noface' WHERE job_id = "
	    "(SELECT id FROM batch_jobs WHERE name = 'bounded') AND id < ?",
	    first + 4000);
	dbtest_exec(d, "UPDATE batch_counts SET queued = queued - 4000, noface = "
	    "noface + 4000 WHERE job_id = ? LIMIT 1", j.id);
	counts_eq(d, j.id, 1000, 0, 0, 4000, 0);
	/* What measuring costs by itself. */
	r0 = rows_read(d);
	base = rows_read(d) - r0;

	r0 = rows_read(d);
	ck_assert_int_eq(batchq_job_counts(d, j.id, &cn), FF_OK);
	ck_assert_int_le(rows_read(d) - r0 - base, 20);
	ck_assert_int_eq(cn.items, 5000);
	r0 = rows_read(d);
	ck_assert_int_eq(batchq_pending(d, j.id, &pending), FF_OK);
	ck_assert_int_le(rows_read(d) - r0 - base, 20);
	ck_assert_int_eq(pending, 1);
	r0 = rows_read(d);
	ck_assert_int_eq(batchq_job_loaded_set(d, j.id, NULL, 0), FF_OK);
	ck_assert_int_le(rows_read(d) - r0 - base, 20);
	ck_assert_int_eq(dbtest_int(d, "SELECT n_items FROM batch_jobs WHERE "
	    "id = ?", j.id), 5000);
	r0 = rows_read(d);
	ck_assert_int_eq(batchq_job_failures(d, j.id, &f, &nf), FF_OK);
	ck_assert_int_le(rows_read(d) - r0 - base, 20);
	batchq_failures_free(f, nf);
	/* A claim reads the claim's rows, not the 4000 before them. */
	claimer(&c, &j, "host:1", 4, 300);
	r0 = rows_read(d);
	ck_assert_int_eq(batchq_claim(d, &c, it, &n, NULL), FF_OK);
	ck_assert_int_le(rows_read(d) - r0 - base, 40);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(it[0].id, first + 4000);
	ck_assert_int_eq(c.cursor, first + 4003);
	items_free(it, n);
	counts_eq(d, j.id, 996, 4, 0, 4000, 0);
	/* Nor the queued ones before its cursor (given back, say): a claim
	 * starts at the cursor, it does not filter its way there. */
	c.cursor = first + 4900;
	r0 = rows_read(d);
	ck_assert_int_eq(batchq_claim(d, &c, it, &n, NULL), FF_OK);
	ck_assert_int_le(rows_read(d) - r0 - base, 40);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(it[0].id, first + 4901);
	items_free(it, n);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* The cursor: claims move forward; items given back behind it are found
 * once nothing is ahead; every item is claimed exactly once. */
START_TEST(test_claim_cursor)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_claimer	 a, b;
	struct batchq_item	 it[3];
	size_t			 n, i, total = 0;
	int			 k, seen[10] = { 0 }, rounds = 0;

	mkjob(d, "cursor", 10, 1, &j);
	claimer(&a, &j, "host:1", 3, 300);
	claimer(&b, &j, "host:2", 3, 300);
	ck_assert_int_eq(batchq_claim(d, &a, it, &n, NULL), FF_OK);
	ck_assert_uint_eq(n, 3);
	items_free(it, n);
	/* A gives its three back: B, starting at 0, takes them; A goes on
	 * after its cursor. */
	ck_assert_int_eq(batchq_release(d, &a), FF_OK);
	counts_eq(d, j.id, 10, 0, 0, 0, 0);
	ck_assert_int_eq(batchq_claim(d, &a, it, &n, NULL), FF_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(sscanf(it[0].path, "/in/cursor/%d.jpg", &k), 1);
	ck_assert_int_eq(k, 3);
	items_free(it, n);
	ck_assert_int_eq(batchq_release(d, &a), FF_OK);
	/* Now 0..5 are queued behind A's cursor, 6..9 ahead: A claims
	 * until nothing is left, wrapping once to find 0..5. */
	while (rounds++ < 10) {
		ck_assert_int_eq(batchq_claim(d, &a, it, &n, NULL), FF_OK);
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(sscanf(it[i].path, "/in/cursor/%d.jpg",
			    &k), 1);
			ck_assert_int_eq(seen[k]++, 0);
		}
		total += n;
		items_free(it, n);
	}
	ck_assert_uint_eq(total, 10);
	counts_eq(d, j.id, 0, 10, 0, 0, 0);
	ck_assert_int_eq(batchq_claim(d, &b, it, &n, NULL), FF_OK);
	ck_assert_uint_eq(n, 0);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* --retry-failed over more than one chunk: counts and reasons follow. */
START_TEST(test_retry_chunks)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_failure	*f;
	size_t			 nf;
	long long		 n;

	mkbig(d, "retry", 2000, &j);
	/* 1200 failed (two reasons), as workers would have left them. */
	dbtest_exec(d, "UPDATE batch_items SET state = 'failed', reason = "
	    "IF(id % 3 = 0, 'image_corrupt', 'file_unreadable') WHERE job_id = ? "
	    "ORDER BY id LIMIT 1200", j.id);
	dbtest_exec(d, "UPDATE batch_counts SET queued = queued - 1200, failed = "
	    "failed + 1200 WHERE job_id = ? LIMIT 1", j.id);
	dbtest_exec(d, "INSERT INTO batch_reasons (job_id, stage, reason, n) "
	    "SELECT job_id, 'work', reason, COUNT(*) FROM batch_items WHERE "
	    "job_id = ? AND state = 'failed' GROUP BY job_id, reason", j.id);
	counts_eq(d, j.id, 800, 0, 0, 0, 1200);
	ck_assert_int_eq(batchq_job_failures(d, j.id, &f, &nf), FF_OK);
	ck_assert_uint_eq(nf, 2);
	ck_assert_int_eq(f[0].n + f[1].n, 1200);
	batchq_failures_free(f, nf);
	ck_assert_int_eq(batchq_job_retry_failed(d, &j, &n), FF_OK);
	ck_assert_int_eq(n, 1200);
	counts_eq(d, j.id, 2000, 0, 0, 0, 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_reasons WHERE "
	    "job_id = ?", j.id), 0);
	ck_assert_int_eq(batchq_job_retry_failed(d, &j, &n), FF_OK);
	ck_assert_int_eq(n, 0);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

/* Deleting a job takes its items, detections, faces, counts and reasons,
 * in chunks, and nothing of another job; the rollups stay. */
START_TEST(test_delete)
{
	static const struct det_face face = { 0.9f, { 1, 2, 3, 4 }, { 5, 6 },
	    { 7, 8 } };
	struct db		*d = dbtest_open();
	struct batchq_job	 j, k;
	struct batchq_claimer	 c;
	struct batchq_item	 it[4];
	struct batchq_result	 r;
	long long		 ids[4], items[4], n, rollups;
	size_t			 nit, ne, i;
	int			 stored;

	mkbig(d, "delete", 2000, &j);
	mkjob(d, "keep", 3, 1, &k);
	claimer(&c, &j, "host:1", 4, 300);
	ck_assert_int_eq(batchq_claim(d, &c, it, &nit, NULL), FF_OK);
	ck_assert_uint_eq(nit, 4);
	for (i = 0; i < nit; i++) {
		memset(&r, 0, sizeof(r));
		r.id = it[i].id;
		r.attempts = it[i].attempts;
		r.state = i == 3 ? BATCHQ_FAILED : BATCHQ_DONE;
		r.reason = i == 3 ? "image_corrupt" : NULL;
		r.faces = &face;
		r.nfaces = i == 3 ? 0 : 1;
		ck_assert_int_eq(batchq_item_store(d, &c, &r, &stored), FF_OK);
		ck_assert_int_eq(stored, 1);
	}
	items_free(it, nit);
	rollups = dbtest_int(d, "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups "
	    "WHERE metric = 'photo' AND ? = 0", 0);
	ck_assert_int_ge(rollups, 3);
	ck_assert_int_eq(batchq_job_delete(d, j.id, &n), FF_OK);
	ck_assert_int_eq(n, 2000);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_items WHERE "
	    "job_id = ?", j.id), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM detections d LEFT "
	    "JOIN batch_items i ON i.id = d.batch_item_id WHERE d.upload_id IS "
	    "NULL AND i.id IS NULL AND ? = 0", 0), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM detection_faces f "
	    "LEFT JOIN detections d ON d.id = f.detection_id WHERE d.id IS NULL "
	    "AND ? = 0", 0), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_jobs WHERE "
	    "id = ?", j.id), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_counts WHERE "
	    "job_id = ?", j.id), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_reasons WHERE "
	    "job_id = ?", j.id), 0);
	ck_assert_int_eq(dbtest_int(d, "SELECT COALESCE(SUM(n), 0) FROM "
	    "hourly_rollups WHERE metric = 'photo' AND ? = 0", 0), rollups);
	counts_eq(d, k.id, 3, 0, 0, 0, 0);

	/* By age: the finished ones before the cutoff, by id. */
	dbtest_exec(d, "UPDATE batch_jobs SET finished = '2001-01-01' WHERE "
	    "id = ?", k.id);
	ck_assert_int_eq(batchq_jobs_expired(d, 1000000000, 0, ids, items, 4,
	    &ne), FF_OK);
	ck_assert_uint_eq(ne, 1);
	ck_assert_int_eq(ids[0], k.id);
	ck_assert_int_eq(batchq_jobs_expired(d, 1000000000, k.id, ids, items, 4,
	    &ne), FF_OK);
	ck_assert_uint_eq(ne, 0);
	ck_assert_int_eq(batchq_jobs_expired(d, 900000000, 0, ids, NULL, 4,
	    &ne), FF_OK);
	ck_assert_uint_eq(ne, 0);
	batchq_job_clear(&j);
	batchq_job_clear(&k);
	db_close(d);
}
END_TEST

/* What the loader skipped is kept by kind, replaced by a later pass. */
START_TEST(test_skips)
{
	struct db		*d = dbtest_open();
	struct batchq_job	 j;
	struct batchq_counts	 cn;
	struct batchq_failure	 sk[2], *f;
	size_t			 nf;

	mkjob(d, "skips", 2, 0, &j);
	memset(sk, 0, sizeof(sk));
	sk[0].reason = "not_a_file";
	sk[0].n = 3;
	sk[0].example = "/in/fifo";
	sk[1].reason = "path_too_long";
	sk[1].n = 5;
	sk[1].example = "/in/\xff\n";
	ck_assert_int_eq(batchq_job_loaded_set(d, j.id, sk, 2), FF_OK);
	ck_assert_int_eq(batchq_job_counts(d, j.id, &cn), FF_OK);
	ck_assert_int_eq(cn.skipped, 8);
	ck_assert_int_eq(cn.loaded, 1);
	ck_assert_int_eq(batchq_job_failures(d, j.id, &f, &nf), FF_OK);
	ck_assert_uint_eq(nf, 2);
	ck_assert_str_eq(f[0].reason, "path_too_long");
	ck_assert_int_eq(f[0].at_load, 1);
	ck_assert_str_eq(f[0].example, "/in/\xff\n");
	ck_assert_str_eq(f[1].reason, "not_a_file");
	batchq_failures_free(f, nf);
	ck_assert_int_eq(batchq_job_loaded_set(d, j.id, sk, 1), FF_OK);
	ck_assert_int_eq(batchq_job_counts(d, j.id, &cn), FF_OK);
	ck_assert_int_eq(cn.skipped, 3);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM batch_reasons WHERE "
	    "job_id = ?", j.id), 1);
	batchq_job_clear(&j);
	db_close(d);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(batchq_state_name(BATCHQ_CLAIMED), "claimed");
	ck_assert_str_eq(batchq_state_name(BATCHQ_DONE), "done");
	ck_assert_str_eq(batchq_state_name(BATCHQ_NOFACE), "noface");
	ck_assert_str_eq(batchq_state_name(BATCHQ_FAILED), "failed");
	ck_assert_ptr_null(batchq_state_name(BATCHQ_STATE__MAX));
}
END_TEST

static Suite *
batchq_suite(void)
{
	Suite	*s = suite_create("batchq");
	TCase	*tc = tcase_create("queue");

	/* The lease tests wait for leases to run out. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_job_create_read);
	tcase_add_loop_test(tc, test_job_root, 0,
	    (int)(sizeof(roots) / sizeof(roots[0])));
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_lock);
	tcase_add_test(tc, test_claim_distinct);
	tcase_add_test(tc, test_release);
	tcase_add_test(tc, test_lease_takeover);
	tcase_add_test(tc, test_renew);
	tcase_add_test(tc, test_worker_lost);
	tcase_add_test(tc, test_item_store);
	tcase_add_test(tc, test_finish_failures_retry);
	tcase_add_test(tc, test_bounded_reads);
	tcase_add_test(tc, test_claim_cursor);
	tcase_add_test(tc, test_retry_chunks);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_skips);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	dbtest_prepare("framefit_batchq_test");
	sr = srunner_create(batchq_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
