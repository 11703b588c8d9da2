/*
 * feed.h: the catalog imported from the shop's product feed (Google
 * Merchant Center format, feed/merchant.h). One function serves the
 * admin's upload (admin_import.c) and `framefit import-feed` (the
 * nightly sync).
 *
 * Rules:
 *  - Upsert by SKU (the feed's id): a new id adds a frame, a known one
 *    takes the feed's title, brand, link, image link, price and currency,
 *    sale price and its window, and availability (a row without the last
 *    two clears them), and every size the feed gives; a size the feed does not give keeps
 *    the stored one (staff may have entered it). Shape is taken from the
 *    feed only when a product_detail names it; colour, rim and tint only
 *    when the frame is new (a title word or a colour name is a guess, and
 *    must not undo staff's choice every night). Whether a frame is on
 *    sale (retired or not) is staff's: an out-of-stock frame stays in
 *    the shop, said to be out of stock (sql/090_feed_stock.sql).
 *  - Idempotent: a row that would store what is stored is "unchanged"
 *    and is not written, so a second import of the same feed says
 *    0 added, 0 changed, N unchanged.
 *  - Nothing lost on a bad row: a row that cannot be a frame, or that the
 *    catalog's rule refuses (catalog_validate_row()), is reported with
 *    its line (text) or item number (XML) and the reason, and the good
 *    rows still import. A feed that fails as a whole (too big, too many
 *    items, no header, not XML) imports nothing.
 *  - Rows are written in transactions of FEED_TXN_ROWS; a crash or a lost
 *    database mid-way leaves whole frames only (the last transaction is
 *    rolled back), and importing the feed again finishes the job.
 *  - A frame missing any of the four drawing sizes is imported flagged
 *    for staff (store/catalog.h): the admin lists it, the shop does not
 *    show it until staff complete it.
 *  - A frame that is not in the feed is left alone: never deleted nor
 *    retired; the report counts them.
 */
#ifndef FF_APP_FEED_H
#define FF_APP_FEED_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "feed/merchant.h"

struct db;

/* Rows per transaction. */
#define FEED_TXN_ROWS		100
/* Lines (bad rows and notes) a report keeps; the rest are counted. */
#define FEED_REPORT_LINES	500

/* One bad row, or a note on a good one. */
struct feed_line {
	size_t	 num;		/* line (text) or item number (XML) */
	int	 bad;		/* 1: not imported; 0: a note */
	char	 sku[33];	/* "" when unknown */
	char	*text;
};

struct feed_report {
	enum feed_format format;
	size_t		 items;		/* rows (items) read */
	size_t		 added, changed, unchanged, bad;
	size_t		 flagged;	/* imported but missing sizes */
	long long	 untouched;	/* frames of the catalog not in it */
	struct feed_line *lines;	/* in feed order */
	size_t		 nlines;
	size_t		 more_lines;	/* past FEED_REPORT_LINES */
	char		 fatal[400];	/* why nothing was imported, or "" */
	size_t		 stopped_at;	/* the database failed at this row
					 * (num); 0 if it did not */
};

/*
 * Import len bytes of feed. FF_OK once the feed was read and every row
 * tried (bad rows included); FF_EINPUT or FF_ETOOBIG when the feed as a
 * whole is refused (rep->fatal says why, nothing changed); FF_EDB when
 * the database failed (rep->stopped_at; the transactions before it are
 * kept). The caller frees rep with feed_report_free() in every case.
 */
enum ff_err	 feed_import(struct db *, const void *data, size_t len,
		    struct feed_report *rep);
void		 feed_report_free(struct feed_report *);

/* The summary line: "12 rows: 3 added, 1 changed, 7 unchanged, 1 bad;
 * 2 flagged for staff; 16 frames not in the feed left as they are." */
void		 feed_report_summary(const struct feed_report *, struct buf *);

/*
 * framefit import-feed [--quiet] FILE|-: import a feed file (or standard
 * input) as the admin page does, print the summary and every bad row
 * (and, without --quiet, the notes). Exit status: 0 imported (bad rows
 * included: they are listed), 1 the feed or the file was refused, 2
 * usage, 3 the database failed (import again once it is back).
 */
int		 feed_main(int argc, char **argv);

#endif
