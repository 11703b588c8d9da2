/*
 * purge.c: the retention purge (see purge.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/purge.h"
#include "core/clock.h"
#include "store/batchq.h"
#include "store/db.h"
#include "store/purge.h"

/* Deadlocks a batch is retried through before the run gives up. */
#define PURGE_TRIES	3

int
purge_retention_days(void)
{
	const char	*s = getenv("FF_RETENTION_DAYS");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return PURGE_DEFAULT_DAYS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > PURGE_MAX_DAYS)
		return PURGE_DEFAULT_DAYS;
	return (int)v;
}

int
purge_consent_days(void)
{
	const char	*s = getenv("FF_CONSENT_DAYS");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return PURGE_CONSENT_DEFAULT_DAYS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > PURGE_MAX_DAYS)
		return PURGE_CONSENT_DEFAULT_DAYS;
	return (int)v;
}

int
purge_batch_retention_days(void)
{
	const char	*s = getenv("FF_BATCH_RETENTION_DAYS");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return PURGE_BATCH_DEFAULT_DAYS;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > PURGE_MAX_DAYS)
		return PURGE_BATCH_DEFAULT_DAYS;
	return (int)v;
}

/*
 * Batch jobs finished before the batch retention, each deleted in small
 * transactions (batchq_job_delete()); counted into st. A dry run only
 * counts them.
 */
static enum ff_err
purge_batch_jobs(struct db *db, long long now, int dry_run,
    struct purge_stats *st)
{
	long long	ids[16], items[16], after = 0, n;
	long long	cutoff = now - (long long)purge_batch_retention_days() *
			    86400;
	enum ff_err	er;
	size_t		got, i;

	do {
		if ((er = batchq_jobs_expired(db, cutoff, after, ids, items, 16,
		    &got)) != FF_OK)
			return er;
		for (i = 0; i < got; i++) {
			after = ids[i];
			n = items[i];
			if (!dry_run && (er = batchq_job_delete(db, ids[i],
			    &n)) != FF_OK)
				return er;
			st->batch_jobs++;
			st->batch_items += n;
		}
	} while (got == 16);
	return FF_OK;
}

/*
 * One batch of due photos after the cursor c, added to st. *more is 0
 * once none is left (below).
 */
static enum ff_err
batch_run(struct db *db, long long now, long long cutoff, int dry_run,
    struct purge_cursor *c, int *more, struct purge_stats *st)
{
	struct purge_batch	b;
	enum ff_err		er;

	*more = 0;
	if ((er = db_purge_batch(db, now, cutoff, now -
	    (long long)purge_consent_days() * 86400, c, PURGE_BATCH,
	    dry_run, &b)) != FF_OK || b.n == 0)
		return er;
	st->uploads += b.gone;
	st->bytes += b.bytes;
	st->detections += b.detections;
	st->faces += b.faces;
	st->tryons += b.tryons;
	st->clicks += b.clicks;
	/* A full batch: likely more (1). A short one ends the expired
	 * photos; the phase after them is usually empty and one cheap
	 * read shows it (2: go on whatever the budget). */
	*more = b.n == PURGE_BATCH ? 1 : c->phase == 0 ? 2 : 0;
	return FF_OK;
}

/*
 * purge_run() within budget_ms (0: none): once a batch ends past it with
 * photos still due, the run stops there and is recorded partial
 * (st->partial); the rest (live counters, batch jobs) waits for a run
 * that gets through the photos.
 */
static enum ff_err
run_within(struct db *db, long long now, int days, const char *by,
    int dry_run, double budget_ms, struct purge_stats *out)
{
	struct purge_stats	 st;
	struct purge_run_row	 run;
	enum ff_err		 er = FF_OK;
	struct purge_cursor	 cur = { 0, 0, 0, 0 };
	long long		 cutoff;
	double			 t0 = ff_now_ms();
	int			 more = 1, tries;

	memset(&st, 0, sizeof(st));
	memset(&run, 0, sizeof(run));
	st.days = days > 0 ? days : purge_retention_days();
	cutoff = now - (long long)st.days * 86400;
	while (more) {
		for (tries = 0; tries < PURGE_TRIES; tries++)
			if ((er = batch_run(db, now, cutoff, dry_run, &cur,
			    &more, &st)) == FF_OK || !db_retryable(db))
				break;
		if (er != FF_OK)
			goto out;
		if (more == 1 && budget_ms > 0 && ff_now_ms() - t0 >=
		    budget_ms) {
			st.partial = 1;
			break;
		}
	}
	if (!st.partial && (er = db_purge_live(db, dry_run, &st.live)) != FF_OK)
		goto out;
	if (!st.partial && (er = purge_batch_jobs(db, now, dry_run, &st)) !=
	    FF_OK)
		goto out;
	st.ms = ff_now_ms() - t0;
	if (dry_run)
		goto out;
	run.at = now;
	run.ms = st.ms;
	run.days = st.days;
	run.uploads = st.uploads;
	run.rows = st.detections + st.faces + st.tryons;
	run.detections = st.detections;
	run.tryons = st.tryons;
	run.clicks = st.clicks;
	run.bytes = st.bytes;
	run.live = st.live;
	run.partial = st.partial;
	er = db_purge_run_insert(db, &run, by);
out:
	if (out != NULL)
		*out = st;
	return er;
}

enum ff_err
purge_run(struct db *db, long long now, int days, const char *by,
    int dry_run, struct purge_stats *out)
{
	return run_within(db, now, days, by, dry_run, 0, out);
}

int
purge_interval_s(void)
{
	const char	*s = getenv("FF_PURGE_INTERVAL_S");
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return PURGE_INTERVAL_DEFAULT;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > 86400)
		return PURGE_INTERVAL_DEFAULT;
	return (int)v;
}

int
purge_late(long long now, long long last)
{
	int		 iv = purge_interval_s();
	long long	 due = iv > 0 ? iv + (iv > 4 * PURGE_CHECK_S ? iv :
			    4 * PURGE_CHECK_S) : 2 * PURGE_CRON_S;

	return last <= 0 || now - last > due;
}

enum ff_err
purge_tick(struct db *db, long long now, struct purge_stats *st, int *ran)
{
	enum ff_err	 er;
	long long	 last;
	int		 got = 0, partial, iv = purge_interval_s();

	*ran = 0;
	if (iv <= 0)
		return FF_OK;
	if ((er = db_purge_lock(db, &got)) != FF_OK || !got)
		return er;
	/* Under the lock: the run another worker just recorded is seen. */
	if ((er = db_purge_last(db, &last, &partial)) == FF_OK &&
	    (last <= 0 || partial || now - last >= iv)) {
		*ran = 1;
		er = run_within(db, now, 0, PURGE_BY_TIMER, 0, PURGE_TICK_MS,
		    st);
	}
	db_purge_unlock(db);
	return er;
}

static void
purge_usage(void)
{
	fprintf(stderr, "usage: framefit purge [--days N] [--dry-run] "
	    "[--quiet]\n");
}

int
purge_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct purge_stats	 st;
	struct db		*db;
	enum ff_err		 er;
	char			*end;
	long			 v;
	int			 ch, days = 0, dry = 0, quiet = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > PURGE_MAX_DAYS) {
				fprintf(stderr, "framefit purge: --days must be "
				    "1..%d\n", PURGE_MAX_DAYS);
				return 2;
			}
			days = (int)v;
			break;
		case 'n': dry = 1; break;
		case 'q': quiet = 1; break;
		default:
			purge_usage();
			return 2;
		}
	}
	if (optind != argc) {
		purge_usage();
		return 2;
	}
	if (db_global_init() != FF_OK)
		return 1;
	if ((db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "framefit purge: database: %s\n",
		    ff_strerror(er));
		return 1;
	}
	er = purge_run(db, (long long)time(NULL), days, "cli", dry, &st);
	db_close(db);
	if (er != FF_OK) {
		fprintf(stderr, "framefit purge: %s\n", ff_strerror(er));
		return 1;
	}
	if (!quiet)
		printf("framefit purge: %s%lld photo(s) (%lld bytes), %lld "
		    "detection(s), %lld face(s), %lld try-on(s), %lld click(s) "
		    "made anonymous, %lld live counter row(s); retention %d "
		    "day(s)\n", dry ? "would remove " : "removed ", st.uploads,
		    st.bytes, st.detections, st.faces, st.tryons, st.clicks,
		    st.live, st.days);
	if (!quiet)
		printf("framefit purge: %s%lld batch job(s) with %lld item(s) "
		    "and their detections; batch retention %d day(s)\n",
		    dry ? "would remove " : "removed ", st.batch_jobs,
		    st.batch_items, purge_batch_retention_days());
	return 0;
}
