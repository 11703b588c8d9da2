/*
 * purge.h: the retention purge, `framefit purge` and the admin page's
 * "Purge now" button.
 *
 * A photo goes when it is past its own expiry (uploads.expires, set when
 * it was stored) or older than the retention (FF_RETENTION_DAYS days,
 * default PURGE_DEFAULT_DAYS), whichever comes first. With it goes every
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
	double		 ms;
};

/* FF_RETENTION_DAYS when it is a whole number in 1..PURGE_MAX_DAYS, else
 * PURGE_DEFAULT_DAYS. */
int		 purge_retention_days(void);

/*
 * Purge what is expired at now (Unix s) under a retention of days (<= 0:
 * purge_retention_days()), and record the run in purge_runs with
 * started_by ("cli", "admin:<user>"). With dry_run nothing is deleted or
 * recorded; st counts what would go. st may be NULL.
 */
enum ff_err	 purge_run(struct db *, long long now, int days,
		    const char *started_by, int dry_run, struct purge_stats *st);

/*
 * `framefit purge [--days N] [--dry-run] [--quiet]`, argv[0] being
 * "purge": connects as db_open() does (FF_DB_* environment), purges and
 * prints one line of counts. Returns the exit status: 0, 1 on failure,
 * 2 for bad usage.
 */
int		 purge_main(int argc, char **argv);

#endif
