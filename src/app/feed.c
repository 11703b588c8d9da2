/*
 * feed.c: import the shop's product feed into the catalog (see feed.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/feed.h"
#include "core/xalloc.h"
#include "store/catalog.h"
#include "store/db.h"

enum outcome {
	O_PENDING = 0,
	O_BAD,
	O_ADDED,
	O_CHANGED,
	O_UNCHANGED
};

/* What became of each item; why and note are owned. */
struct job {
	const struct feed	*fd;
	enum outcome		*out;
	char			(*sku)[33];	/* each row's id */
	char			**why;
	char			**note;
	unsigned		*has;	/* the stored row's CATALOG_HAS_* */
	int			*prebad;	/* refused before writing */
};

static void
set_text(char **slot, struct buf *b)
{
	free(*slot);
	*slot = b->len > 0 ? xstrndup(b->ptr, b->len) : NULL;
}

/* The feed's row merged into the stored one (feed.h, "Rules"). */
static void
merge(struct catalog_row *m, const struct catalog_row *in)
{
	memcpy(m->f.name, in->f.name, sizeof(m->f.name));
	memcpy(m->f.brand, in->f.brand, sizeof(m->f.brand));
	memcpy(m->f.product_url, in->f.product_url, sizeof(m->f.product_url));
	memcpy(m->image_url, in->image_url, sizeof(m->image_url));
	memcpy(m->f.currency, in->f.currency, sizeof(m->f.currency));
	m->f.price_cents = in->f.price_cents;
	/* The feed's as the price is: a row without them clears them. */
	m->f.sale_cents = in->f.sale_cents;
	m->f.sale_from = in->f.sale_from;
	m->f.sale_until = in->f.sale_until;
	m->f.stock = in->f.stock;
	if (in->has & CATALOG_HAS_LENS_WIDTH)
		m->f.lens_width_mm = in->f.lens_width_mm;
	if (in->has & CATALOG_HAS_LENS_HEIGHT)
		m->f.lens_height_mm = in->f.lens_height_mm;
	if (in->has & CATALOG_HAS_BRIDGE)
		m->f.bridge_mm = in->f.bridge_mm;
	if (in->has & CATALOG_HAS_TOTAL_WIDTH)
		m->f.total_width_mm = in->f.total_width_mm;
	if (in->has & CATALOG_HAS_TEMPLE)
		m->temple_mm = in->temple_mm;
	if (in->has & CATALOG_HAS_STYLE)
		m->f.style = in->f.style;
	m->has |= in->has & (CATALOG_SIZES | CATALOG_HAS_TEMPLE);
}

/*
 * One row, inside the caller's transaction. FF_OK with j->out[i] set
 * (O_BAD with j->why[i] for a row the catalog refuses); FF_EDB when the
 * database failed (the transaction is lost).
 */
static enum ff_err
import_row(struct db *db, struct job *j, size_t i)
{
	struct catalog_row	 in, cur, m;
	struct buf		 why, note;
	enum ff_err		 er;

	buf_init(&why);
	buf_init(&note);
	/* Mapped again rather than kept from the first pass: a row is a
	 * few kilobytes, a feed up to FEED_MAX_ITEMS of them. */
	(void)feed_item_row(&j->fd->items[i], &in, &why, &note);
	buf_reset(&why);
	er = catalog_row_get(db, in.f.sku, 1, &cur);
	if (er == FF_ENOTFOUND) {
		m = in;
		m.f.id = 0;
	} else if (er == FF_OK) {
		m = cur;
		merge(&m, &in);
	} else
		goto out;
	er = FF_OK;
	if (catalog_validate_row(&m, &why) != FF_OK) {
		j->out[i] = O_BAD;
		set_text(&j->why[i], &why);
		goto out;
	}
	j->has[i] = m.has;
	if (m.f.id != 0 && catalog_row_same(&m, &cur)) {
		j->out[i] = O_UNCHANGED;
		goto out;
	}
	if ((er = catalog_row_put(db, &m)) == FF_EINPUT) {
		/* The server's own checks, or the SKU taken by an import
		 * running at the same time: this row only. */
		buf_reset(&why);
		buf_puts(&why, "The database refused it (another import may "
		    "have added the same id meanwhile); import the feed "
		    "again.");
		j->out[i] = O_BAD;
		set_text(&j->why[i], &why);
		er = FF_OK;
		goto out;
	}
	if (er == FF_OK)
		j->out[i] = m.f.id != 0 && cur.f.id == m.f.id ? O_CHANGED :
		    O_ADDED;
out:
	buf_free(&why);
	buf_free(&note);
	return er;
}

/* Rows [from, to) in one transaction, tried twice if InnoDB gave up on
 * a lock. FF_EDB: nothing of them is stored, their outcomes pending. */
static enum ff_err
import_batch(struct db *db, struct job *j, size_t from, size_t to)
{
	enum ff_err	 er = FF_OK;
	size_t		 i;
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((er = db_begin(db)) != FF_OK)
			return er;
		for (i = from; i < to && er == FF_OK; i++)
			if (j->out[i] == O_PENDING)
				er = import_row(db, j, i);
		if (er == FF_OK && (er = db_commit(db)) == FF_OK)
			return FF_OK;
		db_rollback(db);
		/* Nothing of the batch is stored: its rows are to do again,
		 * but for those refused before any was written. */
		for (i = from; i < to; i++)
			if (!j->prebad[i]) {
				j->out[i] = O_PENDING;
				free(j->why[i]);
				j->why[i] = NULL;
				j->has[i] = 0;
			}
		if (!db_retryable(db))
			break;
	}
	return er;
}

struct sku_ix {
	const char	*sku;
	size_t		 i;
};

static int
cmp_sku(const void *a, const void *b)
{
	const struct sku_ix *x = a, *y = b;
	int c = strcmp(x->sku, y->sku);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* A later row with the id of an earlier good one is bad: the first
 * one wins, as each frame is one SKU. */
static void
mark_duplicates(struct job *j)
{
	struct sku_ix	*ix;
	struct buf	 b;
	size_t		 n = j->fd->nitems, i, k = 0, first = 0;

	ix = xcalloc(n ? n : 1, sizeof(*ix));
	for (i = 0; i < n; i++)
		if (j->out[i] != O_BAD) {
			ix[k].sku = j->sku[i];
			ix[k++].i = i;
		}
	qsort(ix, k, sizeof(*ix), cmp_sku);
	buf_init(&b);
	for (i = 0; i < k; i++) {
		if (i == 0 || strcmp(ix[i].sku, ix[first].sku) != 0) {
			first = i;
			continue;
		}
		buf_reset(&b);
		buf_printf(&b, "The id %s appears again: %s %zu has it and "
		    "was imported.", ix[i].sku, j->fd->format == FEED_XML ?
		    "item" : "line", j->fd->items[ix[first].i].num);
		j->out[ix[i].i] = O_BAD;
		set_text(&j->why[ix[i].i], &b);
	}
	buf_free(&b);
	free(ix);
}

static void
report_line(struct feed_report *rep, size_t num, int bad, const char *sku,
    const char *text)
{
	struct feed_line *l;

	if (rep->nlines >= FEED_REPORT_LINES) {
		rep->more_lines++;
		return;
	}
	if (rep->nlines % 32 == 0)
		rep->lines = xreallocarray(rep->lines, rep->nlines + 32,
		    sizeof(*rep->lines));
	l = &rep->lines[rep->nlines++];
	l->num = num;
	l->bad = bad;
	snprintf(l->sku, sizeof(l->sku), "%s", sku ? sku : "");
	l->text = xstrdup(text);
}

enum ff_err
feed_import(struct db *db, const void *data, size_t len,
    struct feed_report *rep)
{
	struct feed	 fd;
	struct job	 j;
	struct buf	 why, note;
	enum ff_err	 er;
	size_t		 i, n, from;
	long long	 total = 0;
	int		 flagged;

	memset(rep, 0, sizeof(*rep));
	buf_init(&why);
	buf_init(&note);
	if ((er = feed_parse(data, len, &fd, &why)) != FF_OK) {
		snprintf(rep->fatal, sizeof(rep->fatal), "%s", why.ptr ?
		    why.ptr : "The feed cannot be read.");
		buf_free(&why);
		return er;
	}
	n = fd.nitems;
	rep->format = fd.format;
	rep->items = n;
	j.fd = &fd;
	j.out = xcalloc(n, sizeof(*j.out));
	j.sku = xcalloc(n, sizeof(*j.sku));
	j.why = xcalloc(n, sizeof(*j.why));
	j.note = xcalloc(n, sizeof(*j.note));
	j.has = xcalloc(n, sizeof(*j.has));
	j.prebad = xcalloc(n, sizeof(*j.prebad));
	/* Map and check every row before writing any. */
	for (i = 0; i < n; i++) {
		struct catalog_row r;

		buf_reset(&why);
		buf_reset(&note);
		if (!feed_item_row(&fd.items[i], &r, &why, &note) ||
		    catalog_validate_row(&r, &why) != FF_OK) {
			j.out[i] = O_BAD;
			set_text(&j.why[i], &why);
		}
		memcpy(j.sku[i], r.f.sku, sizeof(j.sku[i]));
		set_text(&j.note[i], &note);
	}
	mark_duplicates(&j);
	for (i = 0; i < n; i++)
		j.prebad[i] = j.out[i] == O_BAD;
	for (from = 0; from < n; from += FEED_TXN_ROWS)
		if ((er = import_batch(db, &j, from, from + FEED_TXN_ROWS < n ?
		    from + FEED_TXN_ROWS : n)) != FF_OK) {
			rep->stopped_at = fd.items[from].num;
			break;
		}
	if (er == FF_OK && (er = catalog_count(db, &total)) != FF_OK)
		rep->stopped_at = n > 0 ? fd.items[n - 1].num : 0;
	for (i = 0; i < n; i++) {
		const char *sku = j.sku[i];

		switch (j.out[i]) {
		case O_BAD:
			rep->bad++;
			report_line(rep, fd.items[i].num, 1, sku, j.why[i] ?
			    j.why[i] : "It cannot be a frame.");
			continue;
		case O_ADDED:
			rep->added++;
			break;
		case O_CHANGED:
			rep->changed++;
			break;
		case O_UNCHANGED:
			rep->unchanged++;
			break;
		default:
			continue;	/* not reached: the database failed */
		}
		flagged = (j.has[i] & CATALOG_SIZES) != CATALOG_SIZES;
		rep->flagged += flagged;
		buf_reset(&note);
		if (j.note[i] != NULL)
			buf_puts(&note, j.note[i]);
		if (flagged && j.out[i] != O_UNCHANGED) {
			buf_printf(&note, "%sFlagged for staff: the feed gives "
			    "no ", note.len ? " " : "");
			catalog_sizes_missing(j.has[i], &note);
			buf_puts(&note, "; the shop shows it once they are "
			    "filled in.");
		}
		if (note.len > 0)
			report_line(rep, fd.items[i].num, 0, sku, note.ptr);
	}
	if (er == FF_OK)
		rep->untouched = total - (long long)(rep->added + rep->changed +
		    rep->unchanged);
	for (i = 0; i < n; i++) {
		free(j.why[i]);
		free(j.note[i]);
	}
	free(j.out);
	free(j.sku);
	free(j.why);
	free(j.note);
	free(j.has);
	free(j.prebad);
	feed_free(&fd);
	buf_free(&why);
	buf_free(&note);
	return er;
}

void
feed_report_free(struct feed_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nlines; i++)
		free(rep->lines[i].text);
	free(rep->lines);
	rep->lines = NULL;
	rep->nlines = 0;
}

void
feed_report_summary(const struct feed_report *rep, struct buf *b)
{
	if (rep->fatal[0] != '\0') {
		buf_puts(b, rep->fatal);
		return;
	}
	buf_printf(b, "%zu %s: %zu added, %zu changed, %zu unchanged, %zu "
	    "bad; %zu flagged for staff", rep->items, rep->format == FEED_XML ?
	    (rep->items == 1 ? "item" : "items") : (rep->items == 1 ? "row" :
	    "rows"), rep->added, rep->changed, rep->unchanged, rep->bad,
	    rep->flagged);
	if (rep->stopped_at > 0)
		buf_printf(b, "; the database failed at %s %zu: the rows from "
		    "there on were not imported (whole frames only); import "
		    "the feed again", rep->format == FEED_XML ? "item" : "line",
		    rep->stopped_at);
	else
		buf_printf(b, "; %lld frame%s of the catalog not in the feed "
		    "left as %s", rep->untouched, rep->untouched == 1 ? "" :
		    "s", rep->untouched == 1 ? "it is" : "they are");
	buf_putc(b, '.');
}

/* The whole of fp, at most max + 1 bytes (one more tells "too big"). */
static char *
slurp(FILE *fp, size_t max, size_t *len)
{
	char	*p = NULL;
	size_t	 cap = 0, n = 0, got;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > max + 1)
				cap = max + 1;
			p = xrealloc(p, cap);
		}
		if (n == cap || (got = fread(p + n, 1, cap - n, fp)) == 0)
			break;
		n += got;
	}
	*len = n;
	return p;
}

int
feed_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct feed_report	 rep;
	struct buf		 b;
	struct db		*db = NULL;
	const char		*path;
	FILE			*fp;
	char			*data;
	size_t			 len, i;
	enum ff_err		 er;
	int			 ch, quiet = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'q') {
			fprintf(stderr, "usage: framefit import-feed [--quiet] "
			    "FILE|-\n");
			return 2;
		}
		quiet = 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: framefit import-feed [--quiet] FILE|-\n");
		return 2;
	}
	path = argv[optind];
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "framefit import-feed: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	data = slurp(fp, FEED_MAX_BYTES, &len);
	rc = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (rc) {
		fprintf(stderr, "framefit import-feed: %s: read error\n", path);
		free(data);
		return 1;
	}
	if (len > FEED_MAX_BYTES) {
		fprintf(stderr, "framefit import-feed: %s is larger than the "
		    "%u MB an import reads; split the feed\n", path,
		    FEED_MAX_BYTES / (1024 * 1024));
		free(data);
		return 1;
	}
	if (db_global_init() != FF_OK ||
	    (db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "framefit import-feed: database: %s\n",
		    ff_strerror(FF_EDB));
		free(data);
		return 3;
	}
	er = feed_import(db, data, len, &rep);
	db_close(db);
	free(data);
	buf_init(&b);
	for (i = 0; i < rep.nlines; i++)
		if (rep.lines[i].bad || !quiet)
			printf("%s %s %zu%s%s%s: %s\n", rep.lines[i].bad ? "bad" :
			    "note", rep.format == FEED_XML ? "item" : "line",
			    rep.lines[i].num, rep.lines[i].sku[0] ? " (" : "",
			    rep.lines[i].sku, rep.lines[i].sku[0] ? ")" : "",
			    rep.lines[i].text);
	if (rep.more_lines > 0)
		printf("... and %zu more rows to look at\n", rep.more_lines);
	feed_report_summary(&rep, &b);
	printf("framefit import-feed: %s\n", b.ptr);
	buf_free(&b);
	feed_report_free(&rep);
	if (er == FF_EDB)
		return 3;
	return er == FF_OK ? 0 : 1;
}
