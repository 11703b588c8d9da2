/*
 * report.h: the numbers of the admin reports (src/app/admin_reports.c),
 * read once per page from the database into one struct, so the HTML
 * tables, the SVG charts and the CSV exports of a page can never
 * disagree. The queries are store/reports.h's and store/purge.h's.
 *
 * Sources (see sql/001_init.sql and sql/020_admin.sql):
 *   live_counters   the live strip: the last 5 and 60 minutes
 *   hourly_rollups  everything counted over a date range: uploads by
 *                   source, try-ons and clicks per frame, photos through
 *                   the face finder and those with a face. These are the
 *                   anonymous aggregates the retention purge keeps, so a
 *                   report over last year still adds up after the photos
 *                   are gone.
 *   tryons          the stage latencies (per try-on rows, purged with
 *                   their photo: percentiles cover the photos still kept)
 *   purge_runs      when the purge last ran and what it removed
 *
 * Times are UTC. A date range is whole days: from 00:00 of the first to
 * 24:00 of the last, [from, to) in Unix seconds.
 */
#ifndef FF_APP_REPORT_H
#define FF_APP_REPORT_H
#include <stddef.h>

#include "core/err.h"
#include "store/records.h"
#include "store/reports.h"

struct db;

/* The default range, days ending today, and the longest one taken. */
#define REPORT_DEFAULT_DAYS	30
#define REPORT_MAX_DAYS		731
/* Hours in the per-hour chart: the last ones of the range. */
#define REPORT_HOURS		48
/* Try-on rows read per stage for the percentiles (the newest ones). */
#define REPORT_LATENCY_MAX	200000

struct report_range {
	long long	 from;		/* Unix s, 00:00 UTC of the first day */
	long long	 to;		/* Unix s, 00:00 UTC after the last day */
	int		 days;
	char		 from_s[11];	/* "YYYY-MM-DD" */
	char		 to_s[11];	/* the last day, inclusive */
};

/* The metrics of the live strip, in this order. */
enum report_live {
	LIVE_UPLOADS = DB_LIVE_UPLOAD,
	LIVE_TRYONS = DB_LIVE_TRYON,
	LIVE_FACES = DB_LIVE_FACES,
	LIVE_CLICKS = DB_LIVE_CLICK,
	LIVE__MAX = DB_LIVE__MAX
};

/* Counts of one day or one hour (t: its start, Unix s). */
struct report_bucket {
	long long	 t;
	long long	 uploads, tryons, clicks, photos, photo_face;
};

/* struct report_frame and enum report_stage: store/reports.h. */

struct report_latency {
	long long	 n;		/* try-ons with a time for the stage */
	double		 p50, p95, p99, max;	/* ms; 0 when n == 0 */
};

struct report_purge {
	int		 ran;		/* 0: never ran */
	long long	 at;		/* Unix s */
	double		 seconds;	/* how long it took */
	char		 by[81];	/* "cli" or "admin:<user>"; empty when
					 * longer */
	int		 days;		/* the retention it applied */
	long long	 uploads, rows, detections, tryons, clicks;
	long long	 bytes;
};

struct report {
	struct report_range	 range;
	long long		 live5[LIVE__MAX];	/* last 5 minutes */
	long long		 live60[LIVE__MAX];	/* last 60 minutes */

	/* Totals over the range. */
	long long		 uploads, tryons, clicks, photos, photo_face,
				 faces;
	long long		 by_source[UPLOAD_SOURCE__MAX];

	/* Every active frame and every retired one with events in the
	 * range, by try-ons (most first), then SKU. */
	struct report_frame	*frames;
	size_t			 nframes;

	struct report_bucket	*days;		/* range.days of them */
	size_t			 ndays;
	struct report_bucket	*hours;		/* the last REPORT_HOURS hours
						 * of the range, not past now */
	size_t			 nhours;

	struct report_latency	 latency[STAGE__MAX];

	struct report_purge	 purge;		/* the last run */
	long long		 stored;	/* photos kept now */
	long long		 expired;	/* of them, past their expiry */
};

/*
 * The range of the query values from and to ("YYYY-MM-DD", either may be
 * NULL or empty). Defaults: to = today (of now, Unix s), from = to minus
 * REPORT_DEFAULT_DAYS - 1 days. FF_EINPUT for a malformed or impossible
 * date, from after to, or more than REPORT_MAX_DAYS days.
 */
enum ff_err	 report_range_parse(const char *from, const char *to,
		    long long now, struct report_range *);

/* "YYYY-MM-DD" (a real date, 1970..9999) to its 00:00 UTC; -1 if not. */
long long	 report_date(const char *);

/* Load everything above for the range. On error *rep is left empty. The
 * caller frees it with report_free(). */
enum ff_err	 report_load(struct db *, const struct report_range *,
		    long long now, struct report *rep);
void		 report_free(struct report *);

/*
 * The p-th percentile (0 < p <= 100) of n values sorted ascending, by
 * nearest rank: the value at rank ceil(p / 100 * n). 0 when n == 0.
 */
double		 report_percentile(const double *sorted, size_t n, double p);

/* The click-through rate clicks / tryons in percent; 0 when tryons is 0. */
double		 report_ctr(long long clicks, long long tryons);

/*
 * The frames most tried but least clicked: those with at least one
 * try-on whose click-through is below the overall rate of the range, by
 * try-ons (most first). Writes up to max indexes into rep->frames to idx;
 * returns how many.
 */
size_t		 report_laggards(const struct report *, size_t *idx, size_t max);

/* "decode", "detect", "render", "store". */
const char	*report_stage_name(enum report_stage);

#endif
