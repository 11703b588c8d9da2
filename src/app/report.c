/*
 * report.c: the numbers of the admin reports (see report.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/report.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "store/purge.h"
#include "store/reports.h"

#define DAY_S	86400LL
#define HOUR_S	3600LL

/* ---- Dates ---- */

static void
date_str(long long t, char out[11])
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		snprintf(out, 11, "0000-00-00");
}

long long
report_date(const char *s)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	unsigned	y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return ff_days_from_civil(y, m, d) * DAY_S;
}

enum ff_err
report_range_parse(const char *from, const char *to, long long now,
    struct report_range *r)
{
	long long	f, t;

	memset(r, 0, sizeof(*r));
	if (to != NULL && *to != '\0') {
		if ((t = report_date(to)) < 0)
			return FF_EINPUT;
	} else
		t = now - now % DAY_S;
	if (from != NULL && *from != '\0') {
		if ((f = report_date(from)) < 0)
			return FF_EINPUT;
	} else
		f = t - (REPORT_DEFAULT_DAYS - 1) * DAY_S;
	if (f > t || (t - f) / DAY_S + 1 > REPORT_MAX_DAYS)
		return FF_EINPUT;
	r->from = f;
	r->to = t + DAY_S;
	r->days = (int)((r->to - r->from) / DAY_S);
	date_str(f, r->from_s);
	date_str(t, r->to_s);
	return FF_OK;
}

/* ---- Small computations ---- */

double
report_percentile(const double *v, size_t n, double p)
{
	size_t	rank;

	if (n == 0 || !(p > 0))
		return 0;
	if (p >= 100)
		return v[n - 1];
	rank = (size_t)ceil(p / 100.0 * (double)n - 1e-9);
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

double
report_ctr(long long clicks, long long tryons)
{
	return tryons > 0 ? 100.0 * (double)clicks / (double)tryons : 0;
}

size_t
report_laggards(const struct report *rep, size_t *idx, size_t max)
{
	double	overall = report_ctr(rep->clicks, rep->tryons);
	size_t	i, n = 0;

	/* rep->frames is sorted by try-ons already. */
	for (i = 0; i < rep->nframes && n < max; i++) {
		const struct report_frame *f = &rep->frames[i];

		if (f->tryons > 0 && report_ctr(f->clicks, f->tryons) < overall)
			idx[n++] = i;
	}
	return n;
}

const char *
report_stage_name(enum report_stage s)
{
	static const char *const names[STAGE__MAX] = { "decode", "detect",
	    "render", "store" };

	return (unsigned)s < STAGE__MAX ? names[s] : "";
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_frame(const void *a, const void *b)
{
	const struct report_frame *x = a, *y = b;

	if (x->tryons != y->tryons)
		return x->tryons > y->tryons ? -1 : 1;
	return strcmp(x->sku, y->sku);
}

/* ---- Loading ---- */

/* Add n events of metric m to a bucket and, when totals is set, to the
 * range's totals. */
static void
bucket_add(struct report *rep, struct report_bucket *b, const char *m,
    long long n, int totals)
{
	int s;

	if (strncmp(m, "upload_", 7) == 0) {
		for (s = 0; s < UPLOAD_SOURCE__MAX; s++)
			if (strcmp(m + 7, upload_source_name(s)) == 0)
				break;
		if (s == UPLOAD_SOURCE__MAX)
			return;
		b->uploads += n;
		if (totals) {
			rep->by_source[s] += n;
			rep->uploads += n;
		}
	} else if (strcmp(m, METRIC_TRYON) == 0) {
		b->tryons += n;
		if (totals)
			rep->tryons += n;
	} else if (strcmp(m, METRIC_CLICK) == 0) {
		b->clicks += n;
		if (totals)
			rep->clicks += n;
	} else if (strcmp(m, "photo") == 0) {
		b->photos += n;
		if (totals)
			rep->photos += n;
	} else if (strcmp(m, "photo_face") == 0) {
		b->photo_face += n;
		if (totals)
			rep->photo_face += n;
	} else if (strcmp(m, "faces") == 0 && totals)
		rep->faces += n;
}

static enum ff_err
load_rollups(struct db *db, struct report *rep, long long now)
{
	struct rollup_row	*v;
	enum ff_err		 er;
	long long		 t, hend, hstart;
	size_t			 i, n;

	rep->ndays = (size_t)rep->range.days;
	rep->days = xcalloc(rep->ndays, sizeof(*rep->days));
	for (i = 0; i < rep->ndays; i++)
		rep->days[i].t = rep->range.from + (long long)i * DAY_S;
	/* The hours: up to the current one, within the range. */
	hend = now - now % HOUR_S + HOUR_S;
	if (hend > rep->range.to)
		hend = rep->range.to;
	hstart = hend - REPORT_HOURS * HOUR_S;
	if (hstart < rep->range.from)
		hstart = rep->range.from;
	rep->nhours = hend > hstart ? (size_t)((hend - hstart) / HOUR_S) : 0;
	rep->hours = xcalloc(rep->nhours ? rep->nhours : 1, sizeof(*rep->hours));
	for (i = 0; i < rep->nhours; i++)
		rep->hours[i].t = hstart + (long long)i * HOUR_S;

	if ((er = db_rollups_range(db, rep->range.from, rep->range.to, &v,
	    &n)) != FF_OK)
		return er;
	for (i = 0; i < n; i++) {
		t = v[i].hour;
		if (t < rep->range.from || t >= rep->range.to)
			continue;
		bucket_add(rep, &rep->days[(t - rep->range.from) / DAY_S],
		    v[i].metric, v[i].n, 1);
		if (t >= hstart && t < hend)
			bucket_add(rep, &rep->hours[(t - hstart) / HOUR_S],
			    v[i].metric, v[i].n, 0);
	}
	free(v);
	return FF_OK;
}

static enum ff_err
load_frames(struct db *db, struct report *rep)
{
	enum ff_err	er;
	size_t		i, keep;

	if ((er = db_report_frames(db, rep->range.from, rep->range.to,
	    &rep->frames, &rep->nframes)) != FF_OK)
		return er;
	/* A retired frame without events in the range is not news. */
	for (i = keep = 0; i < rep->nframes; i++)
		if (rep->frames[i].active || rep->frames[i].tryons > 0 ||
		    rep->frames[i].clicks > 0)
			rep->frames[keep++] = rep->frames[i];
	rep->nframes = keep;
	if (rep->nframes > 1)
		qsort(rep->frames, rep->nframes, sizeof(*rep->frames), cmp_frame);
	return FF_OK;
}

static enum ff_err
load_latency(struct db *db, struct report *rep)
{
	enum ff_err	 er;
	double		*v;
	size_t		 n;
	int		 s;

	for (s = 0; s < STAGE__MAX; s++) {
		struct report_latency *l = &rep->latency[s];

		if ((er = db_stage_times(db, s, rep->range.from, rep->range.to,
		    REPORT_LATENCY_MAX, &v, &n)) != FF_OK)
			return er;
		qsort(v, n, sizeof(*v), cmp_double);
		l->n = (long long)n;
		l->p50 = report_percentile(v, n, 50);
		l->p95 = report_percentile(v, n, 95);
		l->p99 = report_percentile(v, n, 99);
		l->max = n ? v[n - 1] : 0;
		free(v);
	}
	return FF_OK;
}

static enum ff_err
load_retention(struct db *db, struct report *rep)
{
	struct report_purge	*p = &rep->purge;
	struct purge_run_row	*run;
	enum ff_err		 er;
	long long		 oldest;
	size_t			 n;

	if ((er = db_purge_runs(db, 1, &run, &n)) != FF_OK)
		return er;
	if (n == 1) {
		p->ran = 1;
		p->at = run->at;
		p->seconds = run->ms / 1000.0;
		if (strlen(run->by) < sizeof(p->by))
			memcpy(p->by, run->by, strlen(run->by) + 1);
		p->days = run->days;
		p->uploads = run->uploads;
		p->rows = run->rows;
		p->detections = run->detections;
		p->tryons = run->tryons;
		p->clicks = run->clicks;
		p->bytes = run->bytes;
	}
	free(run);
	return db_uploads_kept(db, &rep->stored, &rep->expired, &oldest);
}

enum ff_err
report_load(struct db *db, const struct report_range *range, long long now,
    struct report *rep)
{
	enum ff_err er;

	memset(rep, 0, sizeof(*rep));
	rep->range = *range;
	if ((er = db_live_recent(db, rep->live5, rep->live60)) != FF_OK ||
	    (er = load_rollups(db, rep, now)) != FF_OK ||
	    (er = load_frames(db, rep)) != FF_OK ||
	    (er = load_latency(db, rep)) != FF_OK ||
	    (er = load_retention(db, rep)) != FF_OK) {
		report_free(rep);
		return er;
	}
	return FF_OK;
}

void
report_free(struct report *rep)
{
	free(rep->frames);
	free(rep->days);
	free(rep->hours);
	memset(rep, 0, sizeof(*rep));
}
