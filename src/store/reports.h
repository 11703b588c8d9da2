/*
 * reports.h: the read-only queries behind the admin reports and exports
 * (src/app/report.h puts their rows together into one struct report).
 *
 * Sources (see sql/001_init.sql and sql/020_admin.sql):
 *   live_counters   the live strip: the last 5 and 60 minutes
 *   hourly_rollups  everything counted over a date range
 *   frames          every frame, retired ones too
 *   tryons          the stage latencies of each try-on
 *   uploads         the newest photos still kept
 *
 * Times are Unix seconds, UTC; a range is [from, to).
 */
#ifndef FF_STORE_REPORTS_H
#define FF_STORE_REPORTS_H
#include <stddef.h>
#include "core/err.h"
#include "store/records.h"

struct db;

/* The metrics of the live strip, in this order: "upload", "tryon",
 * "faces", "click". */
enum db_live {
	DB_LIVE_UPLOAD = 0,
	DB_LIVE_TRYON,
	DB_LIVE_FACES,
	DB_LIVE_CLICK,
	DB_LIVE__MAX
};

/*
 * The live counters summed per metric over the last 5 and the last 60
 * minutes. Minutes are buckets: "the last 5 minutes" is this one and the
 * four before it. A metric without events is 0.
 */
enum ff_err	 db_live_recent(struct db *, long long last5[DB_LIVE__MAX],
		    long long last60[DB_LIVE__MAX]);

/* One metric's count in one hour. */
struct rollup_row {
	long long	 hour;		/* its start, Unix s */
	char		 metric[33];
	long long	 n;
};

/*
 * The hourly rollups of the hours in [from, to), summed over frames and
 * keys, for the metrics the reports show: "tryon", "click", "photo",
 * "photo_face", "faces" and "upload_<source>" (upload_source_name()).
 * In no particular order. The caller frees *rows with free().
 */
enum ff_err	 db_rollups_range(struct db *, long long from, long long to,
		    struct rollup_row **rows, size_t *n);

/* A frame and its events over a range. */
struct report_frame {
	long long	 id;
	char		 sku[33];
	char		 name[121];
	int		 active;
	long long	 tryons, clicks;
};

/*
 * Every frame, retired ones included, by SKU, with its try-ons and shop
 * clicks of the hours in [from, to) (from hourly_rollups). The caller
 * frees *frames with free(); it is NULL when there are no frames.
 */
enum ff_err	 db_report_frames(struct db *, long long from, long long to,
		    struct report_frame **frames, size_t *n);

/* The stages of a try-on, in the order of struct tryon_timing. */
enum report_stage {
	STAGE_DECODE = 0,
	STAGE_DETECT,
	STAGE_RENDER,
	STAGE_STORE,
	STAGE__MAX
};

/*
 * The time of one stage (milliseconds, > 0 only) of at most max try-ons
 * made in [from, to), the newest first. The caller frees *ms with free();
 * it is never NULL on FF_OK.
 */
enum ff_err	 db_stage_times(struct db *, enum report_stage,
		    long long from, long long to, size_t max, double **ms,
		    size_t *n);

/*
 * The tokens of the newest max photos not yet expired, newest first.
 * The caller frees *tokens with free().
 */
enum ff_err	 db_uploads_recent(struct db *, size_t max,
		    char (**tokens)[UPLOAD_TOKEN_LEN + 1], size_t *n);

#endif
