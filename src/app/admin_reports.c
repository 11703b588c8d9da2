/*
 * admin_reports.c: the reports page, its charts (inline in the page and
 * at /admin/chart/{name}.svg, from the same code) and its tables as CSV
 * (see admin.h).
 *
 * Every page reads what it shows into one struct (report.h, or the
 * model registry and the purge runs for two of the exports) and hands it
 * to a template (templates/admin_reports.html) or a serialiser (SVG with
 * src/view/chart.h, CSV).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/admin.h"
#include "app/admin_page.h"
#include "app/answer.h"
#include "app/purge.h"
#include "app/report.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "store/models.h"
#include "store/purge.h"
#include "store/records.h"
#include "view/chart.h"
#include "view/template.h"

/* Bars in a chart at most (the tables list every frame). */
#define CHART_BARS_MAX		20

/* ---- CSV (RFC 4180) ---- */

void
admin_csv_field(struct buf *b, const char *s)
{
	const char	*p;
	int		 quote;

	if (s == NULL)
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	/* A cell starting with = + - @ is a formula to a spreadsheet, and
	 * so is one starting with a TAB or CR, which some strip before
	 * looking (OWASP, "CSV Injection"). */
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' ||
	    *s == '\r')
		quote = 2;
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (quote == 2)
		buf_putc(b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void
csv_int(struct buf *b, long long v)
{
	buf_printf(b, ",%lld", v);
}

static void
csv_dbl(struct buf *b, double v, int decimals)
{
	buf_printf(b, ",%.*f", decimals, v);
}

/* A time as ISO 8601 UTC ("2026-11-25T14:00:00Z"), empty when unknown. */
static void
csv_when(struct buf *b, long long t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	char		s[24];

	if (t > 0 && gmtime_r(&tt, &tm) != NULL &&
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		buf_puts(b, s);
}

/* The range of the request's from/to; answers 400 and returns 0 if bad. */
static int
get_range(struct http_req *r, struct report_range *rg)
{
	if (report_range_parse(kv_get(&r->args, "from"), kv_get(&r->args, "to"),
	    admin_now(), rg) != FF_OK) {
		req_error(r, FF_EINPUT, "The date range must be two dates as "
		    "YYYY-MM-DD, the first not after the second, at most two "
		    "years apart.");
		return 0;
	}
	return 1;
}

/* ---- Charts ---- */

enum chart_id {
	CH_DAY, CH_HOUR, CH_FRAMES, CH_SOURCES, CH_CTR, CH__MAX
};

static const struct {
	const char	*name;
	const char	*title;
} chart_names[CH__MAX] = {
	[CH_DAY] = { "tryons_by_day", "Try-ons and uploads per day" },
	[CH_HOUR] = { "tryons_by_hour", "Try-ons and uploads per hour" },
	[CH_FRAMES] = { "tryons_by_frame", "Try-ons per frame" },
	[CH_SOURCES] = { "uploads_by_source", "Uploads by source" },
	[CH_CTR] = { "ctr_by_frame", "Shop click-through per frame" },
};

static const char *const source_labels[UPLOAD_SOURCE__MAX] = {
	[UPLOAD_FORM] = "Upload form", [UPLOAD_WEBCAM] = "Webcam",
	[UPLOAD_API] = "API", [UPLOAD_BATCH] = "Batch",
};

/* Draw chart id of rep into out. */
static enum ff_err
chart_make(const struct report *rep, enum chart_id id, struct buf *out)
{
	struct chart	 c;
	const char	**labels;
	char		 (*text)[32];
	double		*v[3];
	size_t		 n, i, k;
	enum ff_err	 er;

	memset(&c, 0, sizeof(c));
	n = rep->ndays > rep->nframes ? rep->ndays : rep->nframes;
	if (rep->nhours > n)
		n = rep->nhours;
	if (n < UPLOAD_SOURCE__MAX)
		n = UPLOAD_SOURCE__MAX;
	labels = xcalloc(n, sizeof(*labels));
	text = xcalloc(n, sizeof(*text));
	for (k = 0; k < 3; k++)
		v[k] = xcalloc(n, sizeof(double));
	c.title = chart_names[id].title;
	c.labels = labels;
	/* The width the page shows it at, so text is drawn at 12 px: the
	 * day chart spans the page, the others half of it. */
	c.width = id == CH_DAY ? 1200 : 576;
	switch (id) {
	case CH_DAY:
	case CH_HOUR: {
		const struct report_bucket *b = id == CH_DAY ? rep->days :
		    rep->hours;

		c.n = id == CH_DAY ? rep->ndays : rep->nhours;
		for (i = 0; i < c.n; i++) {
			time_t		t = (time_t)b[i].t;
			struct tm	tm;

			gmtime_r(&t, &tm);
			/* Hours get a label every six, midnight naming its
			 * day; the others stay unlabelled. */
			if (id == CH_DAY)
				strftime(text[i], sizeof(text[i]), "%d %b", &tm);
			else if (tm.tm_hour == 0)
				strftime(text[i], sizeof(text[i]), "%d %b", &tm);
			else if (tm.tm_hour % 6 == 0)
				strftime(text[i], sizeof(text[i]), "%H:00", &tm);
			labels[i] = text[i];
			v[0][i] = (double)b[i].tryons;
			v[1][i] = (double)b[i].uploads;
			v[2][i] = (double)b[i].clicks;
		}
		c.nseries = 3;
		c.series[0] = "Try-ons";
		c.series[1] = "Uploads";
		c.series[2] = "Shop clicks";
		c.values[0] = v[0];
		c.values[1] = v[1];
		c.values[2] = v[2];
		c.y_title = id == CH_DAY ? "Events per day" : "Events per hour";
		c.x_title = id == CH_DAY ? "Day (UTC)" : "Hour (UTC)";
		c.height = id == CH_DAY ? 320 : 280;
		if (id == CH_HOUR)
			c.label_every = 1;
		er = chart_lines(out, &c);
		break;
	}
	case CH_FRAMES:
	case CH_CTR:
		for (i = 0; i < rep->nframes && c.n < CHART_BARS_MAX; i++) {
			const struct report_frame *f = &rep->frames[i];

			if (f->tryons == 0 && (id == CH_CTR || c.n >= 12))
				continue;
			labels[c.n] = f->name;
			v[0][c.n++] = id == CH_FRAMES ? (double)f->tryons :
			    report_ctr(f->clicks, f->tryons);
		}
		c.nseries = 1;
		c.values[0] = v[0];
		if (id == CH_FRAMES)
			c.x_title = "Try-ons in the period";
		else {
			c.x_title = "Shop clicks per try-on (%)";
			c.unit = "%";
			c.decimals = 1;
			c.empty = "No try-ons in this period";
		}
		er = chart_bars(out, &c);
		break;
	case CH_SOURCES:
		for (i = 0; i < UPLOAD_SOURCE__MAX; i++) {
			labels[i] = source_labels[i];
			v[0][i] = (double)rep->by_source[i];
		}
		c.n = UPLOAD_SOURCE__MAX;
		c.nseries = 1;
		c.values[0] = v[0];
		c.x_title = "Photos in the period";
		er = chart_bars(out, &c);
		break;
	default:
		er = FF_ENOTFOUND;
	}
	for (k = 0; k < 3; k++)
		free(v[k]);
	free(text);
	free(labels);
	return er;
}

void
admin_chart(struct tryon_app *a, struct http_req *r)
{
	const char		*name = route_param(&r->params, "name");
	struct report_range	 rg;
	struct report		 rep;
	struct db		*db;
	struct buf		 svg;
	enum ff_err		 er;
	int			 id;

	for (id = 0; id < CH__MAX; id++)
		if (strcmp(chart_names[id].name, name) == 0)
			break;
	if (id == CH__MAX) {
		req_error(r, FF_ENOTFOUND, "There is no such chart.");
		return;
	}
	if (!get_range(r, &rg) || (db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = report_load(db, &rg, admin_now(), &rep)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	buf_init(&svg);
	buf_puts(&svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if ((er = chart_make(&rep, id, &svg)) != FF_OK)
		req_error(r, er, NULL);
	else {
		req_header(r, "Cache-Control", "no-store");
		req_send(r, 200, "image/svg+xml; charset=utf-8", svg.ptr, svg.len);
	}
	buf_free(&svg);
	report_free(&rep);
}

/* ---- Reports ---- */

static void
range_links(struct tpl_val *root, const struct report_range *rg)
{
	static const int spans[] = { 7, 30, 90, 365 };
	struct tpl_val	*list, *o;
	char		 from[11], to[11];
	long long	 today = admin_now() - admin_now() % 86400;
	size_t		 i;
	struct buf	 b;

	buf_init(&b);
	tpl_obj_set_str(root, "from", rg->from_s);
	tpl_obj_set_str(root, "to", rg->to_s);
	tpl_obj_set_int(root, "days", rg->days);
	buf_printf(&b, "from=%s&to=%s", rg->from_s, rg->to_s);
	tpl_obj_set_str(root, "range_q", b.ptr);
	list = tpl_obj_add_list(root, "spans");
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		time_t		t0 = (time_t)(today - (spans[i] - 1) * 86400LL);
		time_t		t1 = (time_t)today;
		struct tm	tm;

		gmtime_r(&t0, &tm);
		strftime(from, sizeof(from), "%Y-%m-%d", &tm);
		gmtime_r(&t1, &tm);
		strftime(to, sizeof(to), "%Y-%m-%d", &tm);
		o = tpl_list_add_obj(list);
		buf_reset(&b);
		buf_printf(&b, "Last %d days", spans[i]);
		tpl_obj_set_str(o, "label", b.ptr);
		buf_reset(&b);
		buf_printf(&b, "/admin/?from=%s&to=%s", from, to);
		tpl_obj_set_str(o, "href", b.ptr);
		tpl_obj_set_bool(o, "current", strcmp(from, rg->from_s) == 0 &&
		    strcmp(to, rg->to_s) == 0);
	}
	buf_free(&b);
}

static void
frame_row(struct tpl_val *o, const struct report_frame *f, long long max)
{
	double ctr = report_ctr(f->clicks, f->tryons);

	tpl_obj_set_str(o, "sku", f->sku);
	tpl_obj_set_str(o, "name", f->name);
	tpl_obj_set_bool(o, "retired", !f->active);
	admin_set_num(o, "tryons", (double)f->tryons, 0);
	admin_set_num(o, "clicks", (double)f->clicks, 0);
	admin_set_num(o, "ctr", ctr, 1);
	tpl_obj_set_bool(o, "has_tryons", f->tryons > 0);
	/* The width class of the in-table bar, in steps of 5 %. */
	tpl_obj_set_int(o, "bar", max > 0 ? (long long)lround(20.0 *
	    (double)f->tryons / (double)max) * 5 : 0);
}

void
admin_reports(struct tryon_app *a, struct http_req *r)
{
	static const char *const live_names[LIVE__MAX] = { "Uploads",
	    "Try-ons", "Faces found", "Shop clicks" };
	const char		*user = req_env(r, "REMOTE_USER");
	struct report_range	 rg;
	struct report		 rep;
	struct tpl_ctx		*c;
	struct tpl_val		*root, *list, *o;
	struct db		*db;
	struct buf		 b;
	enum ff_err		 er;
	size_t			 i, lag[5], nlag;
	long long		 max = 0;
	char			 when[40];
	int			 id;

	if (!get_range(r, &rg) || (db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = report_load(db, &rg, admin_now(), &rep)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = admin_page_ctx(a, user, "Reports", ADMIN_NAV_REPORTS);
	root = tpl_ctx_root(c);
	tpl_obj_set_int(root, "refresh", ADMIN_REFRESH_S);
	admin_fmt_time(admin_now(), when, sizeof(when));
	tpl_obj_set_str(root, "generated", when);
	range_links(root, &rg);

	/* The headline figures. */
	admin_set_num(root, "uploads", (double)rep.uploads, 0);
	admin_set_num(root, "tryons", (double)rep.tryons, 0);
	admin_set_num(root, "clicks", (double)rep.clicks, 0);
	admin_set_num(root, "photos", (double)rep.photos, 0);
	admin_set_num(root, "photo_face", (double)rep.photo_face, 0);
	admin_set_num(root, "faces", (double)rep.faces, 0);
	admin_set_num(root, "success", rep.photos > 0 ? 100.0 *
	    (double)rep.photo_face / (double)rep.photos : 0, 1);
	tpl_obj_set_bool(root, "has_photos", rep.photos > 0);
	admin_set_num(root, "ctr", report_ctr(rep.clicks, rep.tryons), 1);
	admin_set_num(root, "per_upload", rep.uploads > 0 ? (double)rep.tryons /
	    (double)rep.uploads : 0, 1);

	list = tpl_obj_add_list(root, "live");
	for (i = 0; i < LIVE__MAX; i++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "name", live_names[i]);
		admin_set_num(o, "m5", (double)rep.live5[i], 0);
		admin_set_num(o, "m60", (double)rep.live60[i], 0);
	}

	/* Charts, inline. */
	buf_init(&b);
	for (id = 0; id < CH__MAX; id++) {
		char key[32];

		buf_reset(&b);
		buf_puts(&b, "");
		if (chart_make(&rep, id, &b) != FF_OK)
			buf_puts(&b, "<p class=\"muted\">This chart could not be "
			    "drawn.</p>");
		snprintf(key, sizeof(key), "chart_%s", chart_names[id].name);
		tpl_obj_set_str(root, key, b.ptr);
	}

	list = tpl_obj_add_list(root, "sources");
	for (i = 0; i < UPLOAD_SOURCE__MAX; i++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "name", source_labels[i]);
		tpl_obj_set_str(o, "key", upload_source_name(i));
		admin_set_num(o, "n", (double)rep.by_source[i], 0);
		admin_set_num(o, "share", rep.uploads > 0 ? 100.0 *
		    (double)rep.by_source[i] / (double)rep.uploads : 0, 1);
	}

	list = tpl_obj_add_list(root, "latency");
	for (i = 0; i < STAGE__MAX; i++) {
		const struct report_latency *l = &rep.latency[i];
		static const char *const label[STAGE__MAX] = { "Decode photo",
		    "Find face and eyes", "Draw frame", "Store" };

		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "stage", report_stage_name(i));
		tpl_obj_set_str(o, "label", label[i]);
		admin_set_num(o, "n", (double)l->n, 0);
		tpl_obj_set_bool(o, "has", l->n > 0);
		admin_set_num(o, "p50", l->p50, 1);
		admin_set_num(o, "p95", l->p95, 1);
		admin_set_num(o, "p99", l->p99, 1);
		admin_set_num(o, "max", l->max, 1);
	}

	for (i = 0; i < rep.nframes; i++)
		if (rep.frames[i].tryons > max)
			max = rep.frames[i].tryons;
	list = tpl_obj_add_list(root, "frames");
	for (i = 0; i < rep.nframes; i++)
		frame_row(tpl_list_add_obj(list), &rep.frames[i], max);
	nlag = report_laggards(&rep, lag, sizeof(lag) / sizeof(lag[0]));
	list = tpl_obj_add_list(root, "laggards");
	for (i = 0; i < nlag; i++)
		frame_row(tpl_list_add_obj(list), &rep.frames[lag[i]], max);

	/* Retention. */
	o = tpl_obj_add_obj(root, "purge");
	tpl_obj_set_bool(o, "ran", rep.purge.ran);
	admin_fmt_time(rep.purge.at, when, sizeof(when));
	tpl_obj_set_str(o, "at", when);
	admin_set_num(o, "uploads", (double)rep.purge.uploads, 0);
	admin_set_num(o, "rows", (double)rep.purge.rows, 0);
	admin_set_num(o, "clicks", (double)rep.purge.clicks, 0);
	buf_reset(&b);
	admin_fmt_bytes(&b, rep.purge.bytes);
	tpl_obj_set_str(o, "bytes", b.ptr);
	tpl_obj_set_str(o, "by", rep.purge.by);
	admin_set_num(root, "stored", (double)rep.stored, 0);
	admin_set_num(root, "expired", (double)rep.expired, 0);
	tpl_obj_set_int(root, "retention_days", purge_retention_days());
	buf_free(&b);
	admin_page_send(r, 200, "admin_reports", c);
	report_free(&rep);
}

/* ---- CSV export ---- */

static void
csv_send(struct http_req *r, const char *table, const char *range,
    const struct buf *b)
{
	req_header(r, "Cache-Control", "no-store");
	req_header(r, "Content-Disposition", "attachment; filename="
	    "\"framefit-%s%s.csv\"", table, range);
	req_send(r, 200, "text/csv; charset=utf-8; header=present", b->ptr,
	    b->len);
}

/* The model registry or the purge runs, whole, as CSV. */
static void
export_other(struct http_req *r, struct db *db, const char *t)
{
	struct model_row	*m = NULL;
	struct purge_run_row	*p = NULL;
	struct buf		 b;
	enum ff_err		 er;
	size_t			 n, i;

	buf_init(&b);
	if (strcmp(t, "models") == 0) {
		if ((er = db_models_list(db, &m, &n)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
		buf_puts(&b, "version,active,dir,sha256,trained_utc,"
		    "registered_utc,detections,metrics_json\r\n");
		for (i = 0; i < n; i++) {
			admin_csv_field(&b, m[i].version);
			buf_printf(&b, ",%d,", m[i].active);
			admin_csv_field(&b, m[i].has_dir ? m[i].dir : "");
			buf_printf(&b, ",%s,", m[i].sha256);
			csv_when(&b, m[i].trained_at);
			buf_putc(&b, ',');
			csv_when(&b, m[i].created);
			csv_int(&b, m[i].detections);
			buf_putc(&b, ',');
			admin_csv_field(&b, m[i].metrics != NULL ?
			    m[i].metrics : "");
			buf_puts(&b, "\r\n");
		}
		db_models_free(m, n);
	} else {
		if ((er = db_purge_runs(db, 0, &p, &n)) != FF_OK) {
			req_error(r, er, NULL);
			goto out;
		}
		buf_puts(&b, "ran_utc,ms,started_by,retention_days,uploads,"
		    "bytes,detections,tryons,rows,clicks_anonymized,"
		    "live_rows\r\n");
		for (i = 0; i < n; i++) {
			csv_when(&b, p[i].at);
			csv_dbl(&b, p[i].ms, 1);
			buf_putc(&b, ',');
			admin_csv_field(&b, p[i].by);
			csv_int(&b, p[i].days);
			csv_int(&b, p[i].uploads);
			csv_int(&b, p[i].bytes);
			csv_int(&b, p[i].detections);
			csv_int(&b, p[i].tryons);
			csv_int(&b, p[i].rows);
			csv_int(&b, p[i].clicks);
			csv_int(&b, p[i].live);
			buf_puts(&b, "\r\n");
		}
		free(p);
	}
	csv_send(r, t, "", &b);
out:
	buf_free(&b);
}

void
admin_export(struct tryon_app *a, struct http_req *r)
{
	static const char *const tables[] = { "live", "daily", "hourly",
	    "frames", "laggards", "sources", "detection", "latency", "models",
	    "purges" };
	const char		*t = route_param(&r->params, "table");
	struct report_range	 rg;
	struct report		 rep;
	struct db		*db;
	struct buf		 b;
	enum ff_err		 er;
	size_t			 i, lag[5], nlag, n;
	char			 when[32];

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i], t) == 0)
			break;
	if (i == sizeof(tables) / sizeof(tables[0])) {
		req_error(r, FF_ENOTFOUND, "There is no such table.");
		return;
	}
	if (!get_range(r, &rg) || (db = admin_need_db(a, r)) == NULL)
		return;
	/* The registry's and the purge's tables are not reports. */
	if (strcmp(t, "models") == 0 || strcmp(t, "purges") == 0) {
		export_other(r, db, t);
		return;
	}
	if ((er = report_load(db, &rg, admin_now(), &rep)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	buf_init(&b);
	if (strcmp(t, "live") == 0) {
		static const char *const names[LIVE__MAX] = { "uploads",
		    "tryons", "faces", "clicks" };

		buf_puts(&b, "metric,last_5_min,last_60_min\r\n");
		for (i = 0; i < LIVE__MAX; i++) {
			buf_puts(&b, names[i]);
			csv_int(&b, rep.live5[i]);
			csv_int(&b, rep.live60[i]);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "daily") == 0 || strcmp(t, "hourly") == 0) {
		int daily = t[0] == 'd';
		const struct report_bucket *bk = daily ? rep.days : rep.hours;

		n = daily ? rep.ndays : rep.nhours;
		buf_puts(&b, daily ? "date" : "hour_utc");
		buf_puts(&b, ",uploads,photos,photos_with_face,"
		    "detection_success_pct,tryons,clicks,ctr_pct\r\n");
		for (i = 0; i < n; i++) {
			time_t		tt = (time_t)bk[i].t;
			struct tm	tm;

			gmtime_r(&tt, &tm);
			strftime(when, sizeof(when), daily ? "%Y-%m-%d" :
			    "%Y-%m-%dT%H:00Z", &tm);
			buf_puts(&b, when);
			csv_int(&b, bk[i].uploads);
			csv_int(&b, bk[i].photos);
			csv_int(&b, bk[i].photo_face);
			csv_dbl(&b, bk[i].photos > 0 ? 100.0 * bk[i].photo_face /
			    bk[i].photos : 0, 1);
			csv_int(&b, bk[i].tryons);
			csv_int(&b, bk[i].clicks);
			csv_dbl(&b, report_ctr(bk[i].clicks, bk[i].tryons), 1);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "frames") == 0 || strcmp(t, "laggards") == 0) {
		nlag = report_laggards(&rep, lag, sizeof(lag) / sizeof(lag[0]));
		n = t[0] == 'f' ? rep.nframes : nlag;
		buf_puts(&b, "sku,name,active,tryons,clicks,ctr_pct\r\n");
		for (i = 0; i < n; i++) {
			const struct report_frame *f = &rep.frames[t[0] == 'f' ?
			    i : lag[i]];

			admin_csv_field(&b, f->sku);
			buf_putc(&b, ',');
			admin_csv_field(&b, f->name);
			csv_int(&b, f->active);
			csv_int(&b, f->tryons);
			csv_int(&b, f->clicks);
			csv_dbl(&b, report_ctr(f->clicks, f->tryons), 1);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "sources") == 0) {
		buf_puts(&b, "source,uploads,share_pct\r\n");
		for (i = 0; i < UPLOAD_SOURCE__MAX; i++) {
			buf_puts(&b, upload_source_name(i));
			csv_int(&b, rep.by_source[i]);
			csv_dbl(&b, rep.uploads > 0 ? 100.0 * rep.by_source[i] /
			    rep.uploads : 0, 1);
			buf_puts(&b, "\r\n");
		}
	} else if (strcmp(t, "detection") == 0) {
		buf_puts(&b, "photos,photos_with_face,success_pct,faces\r\n");
		buf_printf(&b, "%lld", rep.photos);
		csv_int(&b, rep.photo_face);
		csv_dbl(&b, rep.photos > 0 ? 100.0 * rep.photo_face / rep.photos :
		    0, 1);
		csv_int(&b, rep.faces);
		buf_puts(&b, "\r\n");
	} else {
		buf_puts(&b, "stage,n,p50_ms,p95_ms,p99_ms,max_ms\r\n");
		for (i = 0; i < STAGE__MAX; i++) {
			buf_puts(&b, report_stage_name(i));
			csv_int(&b, rep.latency[i].n);
			csv_dbl(&b, rep.latency[i].p50, 2);
			csv_dbl(&b, rep.latency[i].p95, 2);
			csv_dbl(&b, rep.latency[i].p99, 2);
			csv_dbl(&b, rep.latency[i].max, 2);
			buf_puts(&b, "\r\n");
		}
	}
	snprintf(when, sizeof(when), "-%s-%s", rg.from_s, rg.to_s);
	csv_send(r, t, when, &b);
	buf_free(&b);
	report_free(&rep);
}

