/*
 * batchq.h: the batch queue, the tables of `framefit batch` (batch_jobs,
 * batch_items and the detections of batch items; sql/010_batch.sql).
 *
 * A job is a row of batch_jobs; its items are the files to process, each
 * queued -> claimed -> done | noface | failed. A worker claims a few items
 * at a time under a lease (lease_until, by the server's clock), renews
 * the lease while it works, and stores each result only while the claim
 * is still its own. What the command does with all this is in
 * app/batch.h; this header says which statement runs in which
 * transaction.
 *
 * Transactions. Unless a function says otherwise, each of its statements
 * runs on its own (autocommit). The ones marked "READ COMMITTED" run in
 * one transaction at that level: no gap locks, so claimers, finishers and
 * the loader meet only on row locks, which SKIP LOCKED skips. On a failure
 * they roll back and return the error: FF_EDB when the server is away or
 * InnoDB rolled back a deadlock (db_retryable() tells which). Retrying is
 * the caller's business; every function here is safe to run again after
 * a failure.
 *
 * Bounded at any job size: no statement reads, counts or locks a whole
 * job, and the locks a transaction holds do not grow with the job. The
 * counts by state are kept in batch_counts and the failure reasons in
 * batch_reasons (sql/040_batch_scale.sql), changed in the same
 * transaction as the items they describe; a claim reads from a cursor;
 * loading, --retry-failed and deleting go BATCHQ_CHUNK (or
 * BATCHQ_LOAD_ROWS) rows per transaction.
 *
 * Strings are bytes (paths need not be UTF-8). Times are the server's.
 */
#ifndef FF_STORE_BATCHQ_H
#define FF_STORE_BATCHQ_H
#include <stddef.h>
#include "core/err.h"
#include "store/records.h"

struct db;

/* Paths one batchq_items_add() call takes at most (one multi-row INSERT). */
#define BATCHQ_LOAD_ROWS	1000
/* Rows one transaction of --retry-failed or of deleting a job takes at
 * most. */
#define BATCHQ_CHUNK		500
/* Longest path batch_items.path holds, bytes (the column's size). */
#define BATCHQ_PATH_MAX		1024
/* Longest job name batch_jobs.name holds, bytes. */
#define BATCHQ_NAME_MAX		255

enum batchq_kind {
	BATCHQ_DIR = 0,		/* a directory, walked */
	BATCHQ_LIST,		/* a file listing paths */
	BATCHQ_UPLOADS		/* the uploads kept with consent: an item's
				 * path is the upload's token */
};

/* The states of an item; batchq_state_name() gives the column's value. */
enum batchq_state {
	BATCHQ_CLAIMED = 0,
	BATCHQ_DONE,		/* at least one face */
	BATCHQ_NOFACE,
	BATCHQ_FAILED,
	BATCHQ_STATE__MAX
};

/* A job (a batch_jobs row). Every string is owned by the struct and freed
 * by batchq_job_clear(). */
struct batchq_job {
	long long		 id;
	char			*name;		/* --job NAME, or the input path */
	enum batchq_kind	 kind;
	char			*source;	/* absolute path of the dir or list */
	/* Not a column: the directory the input's paths are relative to,
	 * the dir itself or the list's directory ("/a/b.txt" -> "/a"). */
	char			*root;
	long long		 frame_id;	/* 0: no try-ons */
	char			 frame_sku[33];	/* "" without a frame */
	char			*out_dir;	/* NULL: no try-ons */
	int			 loaded;	/* the whole input is queued */
	int			 finished;
};

/* A job's items by state, and whether its input is all loaded. */
struct batchq_counts {
	long long	 items;		/* queued so far, all states */
	long long	 queued, claimed, done, noface, failed;
	long long	 skipped;	/* entries the loader skipped */
	int		 loaded;
};

/* Who claims, and how: one worker's claims in one job. */
struct batchq_claimer {
	long long	 job_id;
	const char	*me;		/* host:pid, written in claimed_by;
					 * borrowed */
	int		 claim;		/* items per claim, >= 1 */
	int		 lease_s;	/* seconds a claim or renewal lasts */
	int		 max_attempts;	/* claims an item may have had */
	/* The last queued item's id this claimer took; its next claim
	 * reads the queue after it. 0 at first; batchq_claim() moves it. */
	long long	 cursor;
};

/* One claimed item. path is owned by the caller once claimed (free()). */
struct batchq_item {
	long long	 id;
	char		*path;
	long long	 attempts;	/* claims so far, including this one */
};

/* A processed item's result. Pointers are borrowed for the call. */
struct batchq_result {
	long long		 id;		/* the claimed item */
	long long		 attempts;	/* as claimed */
	enum batchq_state	 state;		/* DONE, NOFACE or FAILED */
	const char		*reason;	/* FAILED only: e.g.
						 * "image_corrupt", at most
						 * 32 bytes; else NULL */
	int			 width;		/* pixels of the upright
						 * photo; 0: unknown (NULL) */
	int			 height;
	long long		 model_id;	/* 0: not registered (NULL) */
	double			 ms;		/* detector wall time */
	const struct det_face	*faces;		/* in pixels of the photo */
	size_t			 nfaces;
	/* 1: store no detection (an upload's item: the upload has its
	 * own, which the worker reused). */
	int			 no_detection;
};

/* A path to queue: len bytes at p (no NUL needed), borrowed. */
struct batchq_path {
	const char	*p;
	size_t		 len;
};

/* One failure reason of a job: how many, and one of their paths. Also
 * what the loader skipped, by kind (at_load). */
struct batchq_failure {
	char		*reason;	/* owned; NULL if the row had none */
	long long	 n;
	char		*example;	/* owned; the first path, or NULL */
	int		 at_load;	/* skipped by the loader, not an item */
};

/* "claimed", "done", "noface", "failed"; NULL when out of range. */
const char	*batchq_state_name(enum batchq_state);

/* ---- Jobs (the runner) ---- */

/* The id of the catalog frame with this SKU; FF_ENOTFOUND if none. */
enum ff_err	 batchq_frame_id(struct db *, const char *sku, long long *id);

/*
 * Create a job. frame_id 0 and out_dir NULL store no try-ons (both or
 * neither). A job of that name that exists already (another runner may
 * create it at this moment) makes it a no-op, not an error; FF_EINPUT if
 * the server refuses the row (a frame that does not exist).
 */
enum ff_err	 batchq_job_create(struct db *, const char *name,
		    enum batchq_kind kind, const char *source, long long frame_id,
		    const char *out_dir);
/*
 * Read the job named j->name into j, replacing its other fields (their
 * old strings are freed; j->name is kept). FF_ENOTFOUND if there is none.
 */
enum ff_err	 batchq_job_read(struct db *, struct batchq_job *j);
/* Free j's strings and zero it. */
void		 batchq_job_clear(struct batchq_job *j);

/* The job's items by state (the sums of its counter rows, at most 8),
 * its loaded flag and the entries its loader skipped; one statement.
 * FF_ENOTFOUND if there is no such job. */
enum ff_err	 batchq_job_counts(struct db *, long long job_id,
		    struct batchq_counts *c);
/*
 * If c says nothing is left (loaded, none queued or claimed), mark the
 * job finished (the first finisher's time stays) with c's numbers, and
 * set j->finished. FF_OK and no statement otherwise.
 */
enum ff_err	 batchq_job_finish(struct db *, struct batchq_job *j,
		    const struct batchq_counts *c);
/*
 * Queue the job's failed items again (attempts from 0), BATCHQ_CHUNK per
 * transaction (READ COMMITTED) with their counts and reasons, then mark
 * the job not finished. *n (may be NULL): the items queued again. Sets
 * j->finished to 0. Safe to run again after a failure.
 */
enum ff_err	 batchq_job_retry_failed(struct db *, struct batchq_job *j,
		    long long *n);
/*
 * What the loader skipped, by kind (at_load), then the job's failure
 * reasons, each most frequent first (ties by reason), with one path each
 * (the first stored). On FF_OK the caller owns *out (*n entries, maybe none)
 * and frees it with batchq_failures_free().
 */
enum ff_err	 batchq_job_failures(struct db *, long long job_id,
		    struct batchq_failure **out, size_t *n);
void		 batchq_failures_free(struct batchq_failure *, size_t n);

/*
 * Delete the job, its items and their detections and faces (foreign
 * keys), BATCHQ_CHUNK items per transaction (READ COMMITTED), then its
 * row with its counts and reasons. The job is marked not finished first,
 * so one that an interruption leaves half deleted is not taken for a
 * result; running this again finishes it. *items (may be NULL): the items
 * deleted. The caller makes sure no runner works on the job.
 */
enum ff_err	 batchq_job_delete(struct db *, long long job_id,
		    long long *items);
/*
 * Up to max finished jobs with an id above after that finished before
 * `before` (Unix s), by id, into ids[] (and their n_items into items[],
 * which may be NULL). *n: how many.
 */
enum ff_err	 batchq_jobs_expired(struct db *, long long before,
		    long long after, long long *ids, long long *items,
		    size_t max, size_t *n);

/* ---- Loading (the runner) ---- */

/*
 * Take the job's load lock, without waiting: a named lock, per job and
 * server-wide (per database), held by this session until
 * batchq_load_unlock() or until the session ends, so a loader that dies
 * frees it for the next one. *held is 1 if we have it, 0 if another
 * session does.
 */
enum ff_err	 batchq_load_lock(struct db *, long long job_id, int *held);
/* Give the lock back; failing does not matter (it dies with the session). */
enum ff_err	 batchq_load_unlock(struct db *, long long job_id);
/* Whether the job is marked loaded (batchq_job_loaded_set()). */
enum ff_err	 batchq_job_loaded(struct db *, long long job_id, int *loaded);
/*
 * Queue n paths (1..BATCHQ_LOAD_ROWS, each at most BATCHQ_PATH_MAX bytes,
 * borrowed) of the job, in one transaction (READ COMMITTED) with the
 * counts they add. A path the job has already (same SHA-256) is ignored.
 * Exactly BATCHQ_LOAD_ROWS paths go in one multi-row INSERT; fewer go one
 * INSERT each. *added (may be NULL): the paths that were new.
 */
enum ff_err	 batchq_items_add(struct db *, long long job_id,
		    const struct batchq_path *paths, size_t n,
		    long long *added);
/*
 * Mark the job loaded, with its number of items (from its counts) and
 * what the loader skipped: nskips kinds (reason, n, example; at_load is
 * ignored), replacing those of an earlier pass; one transaction.
 */
enum ff_err	 batchq_job_loaded_set(struct db *, long long job_id,
		    const struct batchq_failure *skips, size_t nskips);

/* ---- Working (each worker) ---- */

/*
 * Claim up to c->claim items into items[] (room for c->claim), in one
 * short transaction (READ COMMITTED): first those whose lease has passed,
 * then queued items after c->cursor (from the start of the queue when
 * none is after it), skipping rows other workers have locked, not
 * waiting for them; c->cursor moves to the last queued item claimed. Each claimed item gets claimed_by c->me, a lease of
 * c->lease_s seconds, and one more attempt. An item already claimed
 * c->max_attempts times (its workers died) is failed as worker_lost
 * instead, in the same transaction, and counted in *nlost (may be NULL).
 * Sets *n, 0 when nothing could be claimed. On failure *n is 0 and no
 * path is left to free.
 */
enum ff_err	 batchq_claim(struct db *, struct batchq_claimer *c,
		    struct batchq_item *items, size_t *n, size_t *nlost);
/*
 * Renew the lease of the n (at most c->claim) items in ids that c->me
 * still holds, to c->lease_s seconds from now; one statement. n 0 runs
 * none.
 */
enum ff_err	 batchq_renew(struct db *, const struct batchq_claimer *c,
		    const long long *ids, size_t n);
/*
 * Store one result in a transaction of its own (READ COMMITTED): the
 * item's state and, unless failed (or r->no_detection), its detection
 * with the faces; but only while the item is claimed by c->me in this
 * very attempt (r->attempts).
 * Otherwise its lease was taken over, nothing is written (the other
 * worker's result counts) and *stored is 0; else 1.
 */
enum ff_err	 batchq_item_store(struct db *, const struct batchq_claimer *c,
		    const struct batchq_result *r, int *stored);
/* Give c->me's claims in the job back to the queue (on a stop), not
 * counting them as attempts; one transaction (READ COMMITTED). */
enum ff_err	 batchq_release(struct db *, const struct batchq_claimer *c);
/*
 * Whether the job may still get work: not loaded yet, or an item queued
 * or claimed (a claim may expire and come back), by its counts.
 * *pending is 1 also when the query fails.
 */
enum ff_err	 batchq_pending(struct db *, long long job_id, int *pending);

#endif
