/*
 * batch_internal.h: what the parts of `framefit batch` share; not for use
 * outside src/app/batch*.c (the command's entry is batch.h).
 *
 *   batch.c       the options, the runner (workers, progress, summary)
 *   batch_load.c  opening the job and loading its input into the queue
 *   batch_work.c  a worker: claim, process, store, release
 *
 * The queue itself (every statement) is store/batchq.h.
 */
#ifndef FF_APP_BATCH_INTERNAL_H
#define FF_APP_BATCH_INTERNAL_H
#include <signal.h>
#include <sys/types.h>

#include "core/err.h"
#include "store/batchq.h"

struct db;

/* Worker exit statuses. */
#define WORKER_DONE		0	/* nothing left in the job */
#define WORKER_FAILED		1
#define WORKER_STOPPED		3	/* signalled; claims given back */

/* The command line. */
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
	int		 yield;		/* workers at nice and idle-ish I/O */
	double		 max_rate;	/* photos/s of all our workers; 0 none */
	const char	*delete_job;	/* --delete NAME */
};

/* What one worker did; in memory shared with the runner (one slot per
 * worker, written by that worker only). */
struct wstats {
	long long	 stored;	/* results written */
	long long	 lost;		/* results dropped: lease taken over */
	long long	 present;	/* uploads jobs: JPEGs found written
					 * by an earlier attempt, not redone */
};

/* Set by SIGINT and SIGTERM, in the runner and in every worker. */
extern volatile sig_atomic_t batch_stop;

/* Sleep ms milliseconds; a signal cuts it short. (batch.c) */
void		 batch_nap_ms(double ms);
/* Create a directory and its parents (mode 0777 less the umask); -1 with
 * errno on failure. (batch.c) */
int		 batch_mkdir_p(const char *dir);

/*
 * Find or create the job the options name, into j (the caller frees it
 * with batchq_job_clear()). A job that exists must agree with what the
 * options say about it (input, frame, output folder): the same command
 * resumes it, a different one is a mistake. FF_EINPUT (with a message)
 * when it does not, or when there is no job and no input. (batch_load.c)
 */
enum ff_err	 batch_job_open(struct db *, const struct opts *o,
		    struct batchq_job *j);
/*
 * `framefit batch --delete NAME`: remove the job with its items and
 * detections (batchq_job_delete(): small transactions). Only a job no
 * runner works on: finished, or with no item claimed and nobody loading
 * it. FF_EINPUT (with a message) otherwise or when there is no such job.
 * (batch_load.c)
 */
enum ff_err	 batch_job_delete(struct db *, const char *name);
/*
 * Load the input into the queue, unless another runner is at it; *busy is
 * set when another runner holds the job's load lock. tick (may be NULL)
 * is called with arg and the paths queued so far after every batch of
 * them. The job is marked loaded (j->loaded) only after the whole input.
 * (batch_load.c)
 */
enum ff_err	 batch_job_load(struct db *, struct batchq_job *j,
		    void (*tick)(void *arg, long long queued), void *arg,
		    int *busy);

/*
 * The body of a worker process, run in the child after fork(2): opens its
 * own detector and database connection, works until the job has nothing
 * left or a stop, and returns its exit status (WORKER_*). st is its slot
 * of the shared statistics; runner the pid of the process that forked it.
 * (batch_work.c)
 */
int		 batch_worker_main(const struct opts *o,
		    const struct batchq_job *j, struct wstats *st,
		    pid_t runner);

#endif
