/*
 * purge.h: the statements of the retention purge (src/app/purge.h says
 * what goes when) and its record, purge_runs.
 *
 * A photo is due at now (Unix s) when it is past its own expiry
 * (uploads.expires <= now), or was stored before the retention cutoff
 * (uploads.created < cutoff) and is not kept with a standing consent
 * (store/consent.h), or was stored before the consent cutoff (the end of
 * the consent period, which the operator may have shortened since). Deleting it deletes, by the foreign keys of
 * sql/001_init.sql, its detections and their faces and its try-ons, and
 * sets its clicks' token to NULL.
 */
#ifndef FF_STORE_PURGE_H
#define FF_STORE_PURGE_H
#include <stddef.h>
#include "core/err.h"

struct db;

/* What one batch found (and, unless a dry run, deleted). */
struct purge_batch {
	long long	 lo, hi;	/* the first and last upload id */
	long long	 n;		/* due photos in the batch */
	long long	 gone;		/* of them deleted (n on a dry run) */
	long long	 bytes;		/* of their photo data */
	long long	 detections, faces, tryons;	/* rows derived */
	long long	 clicks;	/* clicks holding their token */
};

/*
 * Where a run is (zeroed to start): the photos past their expiry first,
 * by the uploads_expires index, then those stored before a cutoff, by
 * uploads_created_expires (purge.c says why and how). Never a walk of
 * the table: the photos kept (with consent, up to the whole consent
 * period) are not read for each run, nor locked.
 */
struct purge_cursor {
	int		 phase;		/* 0 expired, 1 cutoffs, 2 done */
	long long	 key;		/* the last batch's last expiry
					 * (phase 0) or time stored (1),
					 * Unix s */
	long long	 key2;		/* phase 1: its expiry, Unix s */
	long long	 id;		/* and its upload id */
};

/*
 * One transaction over the next (at most max) due photos after the
 * cursor c: lock them, count what derives from them and, unless dry_run,
 * delete them and commit (a dry run rolls back); c moves past them. b->n
 * is 0 when none is left (c->phase 2). b->lo and b->hi are the batch's
 * first and last upload id in its phase's order. A failure rolls back
 * and leaves c where it was; db_retryable() says whether to run the
 * batch again.
 */
enum ff_err	 db_purge_batch(struct db *, long long now, long long cutoff,
		    long long consent_cutoff, struct purge_cursor *c,
		    long long max, int dry_run, struct purge_batch *b);

/* Count (dry_run) or delete the live_counters minutes older than a day;
 * *n gets how many. */
enum ff_err	 db_purge_live(struct db *, int dry_run, long long *n);

/* One run of the purge. */
struct purge_run_row {
	long long	 at;		/* started, Unix s */
	double		 ms;		/* how long it took */
	char		 by[321];	/* "cli", "admin:<user>" (80 characters
					 * of UTF-8 at most) */
	int		 days;		/* the retention it applied; 0 unknown */
	long long	 uploads;	/* photos deleted */
	long long	 rows;		/* detections + faces + try-ons */
	long long	 detections, tryons;
	long long	 clicks;	/* made anonymous */
	long long	 bytes;		/* of photo data */
	long long	 live;		/* live_counters rows dropped */
	int		 partial;	/* stopped at its time budget with
					 * photos still due */
};

/* Record run r (r->by is ignored: by is stored, cut to 80 characters,
 * "cli" when NULL or empty; finished now). */
enum ff_err	 db_purge_run_insert(struct db *, const struct purge_run_row *r,
		    const char *by);
/* The runs, newest first: the latest max, or all when max is 0. The
 * caller frees *rows with free(). */
enum ff_err	 db_purge_runs(struct db *, size_t max,
		    struct purge_run_row **rows, size_t *n);

/* The photos kept now, those of them past their expiry, and when the
 * oldest was stored (Unix s; 0 when there is none). */
enum ff_err	 db_uploads_kept(struct db *, long long *stored,
		    long long *expired, long long *oldest);
/* When the photo longest past its expiry expired (Unix s; 0 when none
 * is). */
enum ff_err	 db_uploads_overdue(struct db *, long long *since);

/*
 * The automatic purge's lock, one per database across every worker of
 * every host (GET_LOCK, named after the database): *got is 1 when this
 * connection holds it now, 0 when another does (no waiting). The server
 * drops it with the connection, so a worker that dies frees it.
 */
enum ff_err	 db_purge_lock(struct db *, int *got);
void		 db_purge_unlock(struct db *);
/* The newest run: when it started (Unix s; 0 when none ever ran) and
 * whether it was partial. */
enum ff_err	 db_purge_last(struct db *, long long *at, int *partial);

#endif
