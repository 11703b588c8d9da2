/*
 * purge.h: the retention purge, `framefit purge` and the admin page's
 * "Purge now" button.
 *
 * A photo goes when it is past its own expiry (uploads.expires, set when
 * it was stored) or older than the retention (FF_RETENTION_DAYS days,
 * default PURGE_DEFAULT_DAYS), whichever comes first; a photo kept with
 * consent, when past its expiry or older than the consent period (below). With it goes every
 * row derived from it, by the foreign keys of sql/001_init.sql: its
 * detections and their faces and its try-ons are deleted, and its
 * clicks lose their token but stay counted. The anonymous aggregates
 * (hourly_rollups) are kept, so the reports still add up. Old minutes of
 * live_counters (older than a day) are dropped too. Each run is recorded
 * in purge_runs with what it removed.
 *
 * Photos are deleted in batches of PURGE_BATCH, each in its own short
 * transaction, so a large backlog never holds locks for long; a deadlock
 * retries the batch.
 */
#ifndef FF_APP_PURGE_H
#define FF_APP_PURGE_H

#include "core/err.h"

struct db;

#define PURGE_DEFAULT_DAYS	30
#define PURGE_MAX_DAYS		3650
#define PURGE_BATCH		200

struct purge_stats {
	int		 days;		/* the retention applied */
	long long	 uploads;	/* photos deleted */
	long long	 bytes;		/* of photo data */
	long long	 detections, faces, tryons;	/* derived rows deleted */
	long long	 clicks;	/* clicks made anonymous */
	long long	 live;		/* old live_counters rows dropped */
	long long	 batch_jobs;	/* finished batch jobs deleted */
	long long	 batch_items;	/* their items (with detections) */
	double		 ms;
	int		 partial;	/* stopped at its budget, photos left */
};

/* FF_RETENTION_DAYS when it is a whole number in 1..PURGE_MAX_DAYS, else
 * PURGE_DEFAULT_DAYS. */
int		 purge_retention_days(void);

/*
 * Photos kept with the shopper's consent (store/consent.h) are kept
 * FF_CONSENT_DAYS days after upload (1..PURGE_MAX_DAYS, default
 * PURGE_CONSENT_DEFAULT_DAYS) whatever FF_RETENTION_DAYS says, and then
 * go; a withdrawn consent puts the photo back under the 24-hour rule.
 * The period is set on each photo when the consent is given (its
 * expiry); a period shortened later applies to the photos kept already.
 */
#define PURGE_CONSENT_DEFAULT_DAYS	365
int		 purge_consent_days(void);

/* Finished batch jobs (src/app/batch.h) older than FF_BATCH_RETENTION_DAYS
 * (1..PURGE_MAX_DAYS, default PURGE_BATCH_DEFAULT_DAYS) go with their
 * items and detections; their photos were the operator's files, never
 * ours, and the anonymous counts in hourly_rollups stay. */
#define PURGE_BATCH_DEFAULT_DAYS	90
int		 purge_batch_retention_days(void);

/*
 * Purge what is expired at now (Unix s) under a retention of days (<= 0:
 * purge_retention_days()), and record the run in purge_runs with
 * started_by ("cli", "admin:<user>"). With dry_run nothing is deleted or
 * recorded; st counts what would go. st may be NULL.
 */
enum ff_err	 purge_run(struct db *, long long now, int days,
		    const char *started_by, int dry_run, struct purge_stats *st);

/*
 * The purge runs by itself: no cron job is needed. Every worker looks at
 * most every PURGE_CHECK_S seconds (app.c, between two of its requests'
 * first database uses) and calls purge_tick(), which runs the purge when
 * the last run is FF_PURGE_INTERVAL_S seconds old (PURGE_INTERVAL_DEFAULT;
 * 0 turns the timer off, for installs that run `framefit purge` from
 * cron or a systemd timer) or stopped partway, and no other worker of
 * any host runs one now (db_purge_lock()). The run is recorded as
 * PURGE_BY_TIMER and takes at most about PURGE_TICK_MS of the request
 * whose worker does it (one batch more at worst); a backlog is worked off
 * partial run by partial run. So a photo is deleted at most
 * FF_PURGE_INTERVAL_S plus PURGE_CHECK_S after its expiry while the shop
 * has any traffic; with none, nobody can see a photo anyway, and the
 * first request afterwards purges.
 */
#define PURGE_INTERVAL_DEFAULT	900
#define PURGE_CHECK_S		30
#define PURGE_TICK_MS		250.0
#define PURGE_BY_TIMER		"timer"
/* The run a cron job is expected to make at least this often, seconds,
 * when the timer is off. */
#define PURGE_CRON_S		3600

/* FF_PURGE_INTERVAL_S when a whole number in 0..86400, else
 * PURGE_INTERVAL_DEFAULT. */
int		 purge_interval_s(void);
/*
 * If a purge is due (see above) and this worker gets the lock, run one
 * within PURGE_TICK_MS: *ran is then 1 and st has its counts (st->partial:
 * photos were left for the next). FF_OK with *ran 0 otherwise.
 */
enum ff_err	 purge_tick(struct db *, long long now, struct purge_stats *st,
		    int *ran);
/* Whether a purge whose last run started at last (Unix s, 0: never) is
 * late at now: with the timer on, more than its interval and a slack of
 * the larger of the interval and four checks; with it off, more than
 * twice PURGE_CRON_S. */
int		 purge_late(long long now, long long last);

/*
 * `framefit purge [--days N] [--dry-run] [--quiet]`, argv[0] being
 * "purge": connects as db_open() does (FF_DB_* environment), purges and
 * prints one line of counts. Returns the exit status: 0, 1 on failure,
 * 2 for bad usage.
 */
int		 purge_main(int argc, char **argv);

#endif
