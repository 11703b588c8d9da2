/*
 * admin_models.c: the model registry pages (see admin.h and registry.h):
 * the list, scanning the models directory, switching the active model,
 * and two models side by side on recent uploads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "app/admin.h"
#include "app/admin_page.h"
#include "app/answer.h"
#include "app/app.h"
#include "app/photo.h"
#include "app/registry.h"
#include "core/buf.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"
#include "store/models.h"
#include "store/records.h"
#include "store/reports.h"
#include "view/chart.h"
#include "view/template.h"
#include "vision/detector.h"

/* The comparison page's pictures, px wide at most. */
#define COMPARE_W		320

/* RFC 4648 §4 base64 with padding, for data: URIs (RFC 2397). */
static void
base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];

		buf_putc(b, a[v >> 18 & 63]);
		buf_putc(b, a[v >> 12 & 63]);
		buf_putc(b, a[v >> 6 & 63]);
		buf_putc(b, a[v & 63]);
	}
	if (n - i == 1) {
		unsigned v = p[i] << 16;

		buf_putc(b, a[v >> 18 & 63]);
		buf_putc(b, a[v >> 12 & 63]);
		buf_puts(b, "==");
	} else if (n - i == 2) {
		unsigned v = p[i] << 16 | p[i + 1] << 8;

		buf_putc(b, a[v >> 18 & 63]);
		buf_putc(b, a[v >> 12 & 63]);
		buf_putc(b, a[v >> 6 & 63]);
		buf_putc(b, '=');
	}
}

/* ---- Models ---- */

/* Known keys of `framefit evaluate --json`, how to show them, and
 * whether more is better. */
static const struct {
	const char	*key;
	const char	*label;
	int		 pct;		/* a fraction shown as % */
	int		 higher;	/* 1 more is better, -1 less, 0 neither */
} metric_keys[] = {
	{ "face_recall", "Faces found (recall)", 1, 1 },
	{ "face_precision", "Boxes that are faces (precision)", 1, 1 },
	{ "target_found", "Frontal faces found", 1, 1 },
	{ "e_le_0.05", "Eyes within 5 % of eye distance", 1, 1 },
	{ "e_le_0.10", "Eyes within 10 % of eye distance", 1, 1 },
	{ "e_le_0.25", "Eyes within 25 % of eye distance", 1, 1 },
	{ "e_median", "Median eye error (of eye distance)", 1, -1 },
	{ "negatives_with_false_face", "Backgrounds with a false face", 1, -1 },
	{ "ms_mean", "Detection time, mean (ms)", 0, -1 },
	{ "ms_median", "Detection time, median (ms)", 0, -1 },
	{ "photos", "Validation photos", 0, 0 },
	{ "faces", "Labelled faces", 0, 0 },
};
#define NMETRICS (sizeof(metric_keys) / sizeof(metric_keys[0]))

/* The number stored under "key" at the top level of a flat JSON object
 * (what eval_json() writes), or NAN. */
static double
metric_get(const char *json, const char *key)
{
	const char	*p = json;
	size_t		 klen = strlen(key);
	char		*end;
	double		 v;
	int		 depth = 0;

	if (json == NULL)
		return NAN;
	for (; *p != '\0'; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (*p == '"') {
			const char *s = ++p;

			while (*p != '\0' && *p != '"')
				p += *p == '\\' && p[1] != '\0' ? 2 : 1;
			if (*p == '\0')
				break;
			if (depth == 1 && (size_t)(p - s) == klen &&
			    strncmp(s, key, klen) == 0) {
				const char *q = p + 1;

				while (*q == ' ')
					q++;
				if (*q != ':')
					continue;
				v = strtod(q + 1, &end);
				return end != q + 1 ? v : NAN;
			}
		}
	}
	return NAN;
}

static void
metric_fmt(struct buf *b, double v, int pct)
{
	if (!isfinite(v) || v < 0)
		buf_puts(b, "\u2013");
	else if (pct && v > 10)
		buf_puts(b, "> 1,000 %");	/* an untrained model's eye error */
	else if (pct)
		buf_printf(b, "%.1f %%", 100 * v);
	else
		chart_num(b, v, v == floor(v) ? 0 : 1);
}

static struct tpl_val *
model_obj(struct tpl_val *o, const struct model_row *m,
    const char *loaded)
{
	struct buf	b;
	char		when[40];

	buf_init(&b);
	tpl_obj_set_int(o, "id", m->id);
	tpl_obj_set_str(o, "version", m->version);
	tpl_obj_set_str(o, "sha_short", m->sha256);
	if (strlen(m->sha256) > 16)
		tpl_obj_set_strn(o, "sha_short", m->sha256, 16);
	tpl_obj_set_str(o, "sha256", m->sha256);
	admin_fmt_time(m->trained_at, when, sizeof(when));
	tpl_obj_set_str(o, "trained", when);
	admin_fmt_time(m->created, when, sizeof(when));
	tpl_obj_set_str(o, "registered", when);
	tpl_obj_set_bool(o, "active", m->active);
	tpl_obj_set_bool(o, "loaded", loaded != NULL &&
	    strcmp(loaded, m->version) == 0);
	tpl_obj_set_str(o, "dir", !m->has_dir ? "\u2013" : *m->dir ? m->dir :
	    "models/");
	admin_set_num(o, "detections", (double)m->detections, 0);
	tpl_obj_set_bool(o, "has_metrics", m->metrics != NULL);
	tpl_obj_set_str(o, "metrics_json", m->metrics);
	metric_fmt(&b, metric_get(m->metrics, "face_recall"), 1);
	tpl_obj_set_str(o, "recall", b.ptr);
	buf_reset(&b);
	metric_fmt(&b, metric_get(m->metrics, "e_le_0.10"), 1);
	tpl_obj_set_str(o, "e10", b.ptr);
	buf_reset(&b);
	metric_fmt(&b, metric_get(m->metrics, "ms_mean"), 0);
	tpl_obj_set_str(o, "ms", b.ptr);
	buf_free(&b);
	return o;
}

void
admin_models(struct tryon_app *a, struct http_req *r)
{
	const char		*user = req_env(r, "REMOTE_USER");
	struct model_row	*m = NULL;
	struct tpl_ctx		*c;
	struct tpl_val		*root, *list, *o;
	struct db		*db;
	enum ff_err		 er;
	const char		*msg = kv_get(&r->args, "msg");
	const char		*loaded = a->det != NULL ? det_version(a->det) :
				    NULL;
	size_t			 n = 0, i, cmp_a, cmp_b;

	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = db_models_list(db, &m, &n)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = admin_page_ctx(a, user, "Models", ADMIN_NAV_MODELS);
	root = tpl_ctx_root(c);
	/* The comparison form defaults to the active model (or the newest)
	 * as B against the newest other one as A. */
	for (i = 0; i < n && !m[i].active; i++)
		;
	cmp_b = i < n ? i : 0;
	cmp_a = cmp_b == 0 ? 1 : 0;
	list = tpl_obj_add_list(root, "models");
	for (i = 0; i < n; i++) {
		o = model_obj(tpl_list_add_obj(list), &m[i], loaded);
		tpl_obj_set_bool(o, "sel_a", i == cmp_a);
		tpl_obj_set_bool(o, "sel_b", i == cmp_b);
	}
	tpl_obj_set_int(root, "n", (long long)n);
	tpl_obj_set_bool(root, "can_compare", n >= 2);
	tpl_obj_set_int(root, "compare_max", ADMIN_COMPARE_MAX);
	tpl_obj_set_str(root, "models_dir", a->models);
	tpl_obj_set_int(root, "check_s", REGISTRY_CHECK_S);
	if (msg != NULL && strcmp(msg, "activated") == 0)
		tpl_obj_set_str(root, "notice", "Active model switched. Every "
		    "worker loads it within a few seconds; new detections "
		    "record it.");
	else if (msg != NULL && strcmp(msg, "scanned") == 0)
		tpl_obj_set_str(root, "notice", "Models directory scanned.");
	db_models_free(m, n);
	admin_page_send(r, 200, "admin_models", c);
}

void
admin_models_scan(struct tryon_app *a, struct http_req *r)
{
	const char	*user = req_env(r, "REMOTE_USER");
	struct tpl_ctx	*c;
	struct tpl_val	*root;
	struct db	*db;
	struct buf	 log;
	enum ff_err	 er;
	int		 added = 0;

	if (!admin_post_ok(a, r, user, ADMIN_FORM_MAX) ||
	    (db = admin_need_db(a, r)) == NULL)
		return;
	buf_init(&log);
	buf_puts(&log, "");
	if ((er = registry_scan(db, a->models, &added, &log)) != FF_OK) {
		buf_free(&log);
		req_error(r, er, er == FF_EIO ? "The models directory cannot "
		    "be read." : NULL);
		return;
	}
	req_log(r, "admin: %s scanned %s: %d model(s) added", user, a->models,
	    added);
	c = admin_page_ctx(a, user, "Models scanned", ADMIN_NAV_MODELS);
	root = tpl_ctx_root(c);
	tpl_obj_set_str(root, "models_dir", a->models);
	tpl_obj_set_int(root, "added", added);
	tpl_obj_set_str(root, "log", log.len > 0 ? log.ptr :
	    "No model files found.\n");
	buf_free(&log);
	admin_page_send(r, 200, "admin_scan", c);
}

void
admin_models_activate(struct tryon_app *a, struct http_req *r)
{
	const char	*user = req_env(r, "REMOTE_USER");
	const char	*s = route_param(&r->params, "id");
	struct db	*db;
	enum ff_err	 er;
	char		*end;
	long long	 id;

	if (!admin_post_ok(a, r, user, ADMIN_FORM_MAX) ||
	    (db = admin_need_db(a, r)) == NULL)
		return;
	id = strtoll(s, &end, 10);
	if (*end != '\0' || id <= 0) {
		req_error(r, FF_ENOTFOUND, "There is no such model.");
		return;
	}
	if ((er = db_model_activate(db, id)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "There is no such model." :
		    NULL);
		return;
	}
	req_log(r, "admin: %s activated model %lld", user, id);
	registry_poke();
	registry_sync(a);
	req_redirect(r, 303, "/admin/models/?msg=activated");
}

/* The photo scaled to COMPARE_W with the faces of res drawn on it, as a
 * data: URI (JPEG). */
static void
compare_picture(gdImagePtr im, const struct det_result *res, int rgb,
    struct buf *uri)
{
	gdImagePtr	 out;
	double		 k = 1;
	int		 w = gdImageSX(im), h = gdImageSY(im), i, j, col, white;
	void		*jpg;
	int		 len;

	if (w > COMPARE_W) {
		k = (double)COMPARE_W / w;
		w = COMPARE_W;
		h = (int)lround(gdImageSY(im) * k);
		if (h < 1)
			h = 1;
	}
	if ((out = gdImageCreateTrueColor(w, h)) == NULL)
		return;
	gdImageCopyResampled(out, im, 0, 0, 0, 0, w, h, gdImageSX(im),
	    gdImageSY(im));
	col = gdTrueColor(rgb >> 16 & 255, rgb >> 8 & 255, rgb & 255);
	white = gdTrueColor(255, 255, 255);
	gdImageSetThickness(out, 2);
	for (i = 0; i < res->n; i++) {
		const struct face *f = &res->faces[i];
		const float *eye[2] = { f->left_eye, f->right_eye };

		gdImageRectangle(out, (int)(f->box.x * k), (int)(f->box.y * k),
		    (int)((f->box.x + f->box.w) * k),
		    (int)((f->box.y + f->box.h) * k), col);
		for (j = 0; j < 2; j++) {
			gdImageFilledEllipse(out, (int)(eye[j][0] * k),
			    (int)(eye[j][1] * k), 9, 9, white);
			gdImageFilledEllipse(out, (int)(eye[j][0] * k),
			    (int)(eye[j][1] * k), 5, 5, col);
		}
	}
	gdImageSetThickness(out, 1);
	if ((jpg = gdImageJpegPtr(out, &len, 82)) != NULL) {
		buf_puts(uri, "data:image/jpeg;base64,");
		base64(uri, jpg, (size_t)len);
		gdFree(jpg);
	}
	gdImageDestroy(out);
}

void
admin_models_compare(struct tryon_app *a, struct http_req *r)
{
	static const int colour[2] = { 0xc8643b, 0x2f7dd1 };
	const char		*user = req_env(r, "REMOTE_USER");
	struct model_row	*m[2] = { NULL, NULL };
	struct detector		*det[2] = { NULL, NULL };
	int			 own[2] = { 0, 0 };
	struct tpl_ctx		*c = NULL;
	struct tpl_val		*root, *list, *o, *side, *rows;
	struct db		*db;
	struct buf		 b, seen;
	enum ff_err		 er;
	const char		*s;
	char			*end, sa[32];
	char			(*tokens)[UPLOAD_TOKEN_LEN + 1] = NULL;
	long long		 id[2], n, found[2] = { 0, 0 };
	double			 ms[2] = { 0, 0 };
	size_t			 i, k, ntok = 0;

	buf_init(&b);
	buf_init(&seen);
	if ((db = admin_need_db(a, r)) == NULL)
		goto out;
	for (k = 0; k < 2; k++) {
		s = kv_get(&r->args, k == 0 ? "a" : "b");
		id[k] = s != NULL ? strtoll(s, &end, 10) : 0;
		if (s == NULL || *end != '\0' || id[k] <= 0 ||
		    (er = db_model_get(db, id[k], &m[k])) != FF_OK) {
			req_error(r, FF_EINPUT, "Please choose two registered "
			    "models to compare.");
			goto out;
		}
	}
	s = kv_get(&r->args, "n");
	n = s != NULL && *s != '\0' ? strtoll(s, &end, 10) : 5;
	if (s != NULL && *s != '\0' && *end != '\0')
		n = 5;
	if (n < 1)
		n = 1;
	if (n > ADMIN_COMPARE_MAX)
		n = ADMIN_COMPARE_MAX;

	/* The detectors: the worker's own when it is one of them. */
	for (k = 0; k < 2; k++) {
		if (a->det != NULL && strcmp(det_version(a->det),
		    m[k]->version) == 0)
			det[k] = a->det;
		else if (k == 1 && det[0] != NULL && m[0]->id == m[1]->id)
			det[k] = det[0];
		else if (registry_open(a->models, m[k], &det[k]) == FF_OK)
			own[k] = 1;
	}

	c = admin_page_ctx(a, user, "Compare models", ADMIN_NAV_MODELS);
	root = tpl_ctx_root(c);
	tpl_obj_set_int(root, "n", n);
	list = tpl_obj_add_list(root, "side");
	for (k = 0; k < 2; k++) {
		side = tpl_list_add_obj(list);
		model_obj(side, m[k], a->det != NULL ? det_version(a->det) :
		    NULL);
		tpl_obj_set_bool(side, "missing", det[k] == NULL);
		tpl_obj_set_str(side, "letter", k == 0 ? "A" : "B");
		tpl_obj_set_str(side, "tone", k == 0 ? "a" : "b");
	}
	/* Their metrics, row by row, the better one marked. */
	rows = tpl_obj_add_list(root, "metrics");
	for (i = 0; i < NMETRICS; i++) {
		double v0 = metric_get(m[0]->metrics, metric_keys[i].key);
		double v1 = metric_get(m[1]->metrics, metric_keys[i].key);

		if (!isfinite(v0) && !isfinite(v1))
			continue;
		o = tpl_list_add_obj(rows);
		tpl_obj_set_str(o, "label", metric_keys[i].label);
		buf_reset(&b);
		metric_fmt(&b, v0, metric_keys[i].pct);
		tpl_obj_set_str(o, "a", b.ptr);
		snprintf(sa, sizeof(sa), "%s", b.ptr);
		buf_reset(&b);
		metric_fmt(&b, v1, metric_keys[i].pct);
		tpl_obj_set_str(o, "b", b.ptr);
		/* Better only where the page can show the difference. */
		if (isfinite(v0) && isfinite(v1) && v0 >= 0 && v1 >= 0 &&
		    metric_keys[i].higher != 0 && strcmp(sa, b.ptr) != 0) {
			int a_better = metric_keys[i].higher > 0 ? v0 > v1 :
			    v0 < v1;

			tpl_obj_set_bool(o, "a_better", a_better);
			tpl_obj_set_bool(o, "b_better", !a_better);
		}
	}
	tpl_obj_set_bool(root, "has_metrics", tpl_list_len(rows) > 0);

	/*
	 * The same recent uploads through both: shoppers' own photos, still
	 * within their retention, because how a model does on their cameras
	 * and light is what the comparison is for and no sample set shows
	 * it. The page says so, and each view is logged with the staff
	 * member and the uploads shown (their ids: the tokens would open
	 * the photos).
	 */
	if ((er = db_uploads_recent(db, (size_t)n, &tokens, &ntok)) != FF_OK) {
		req_error(r, er, NULL);
		goto out;
	}
	buf_reset(&seen);
	list = tpl_obj_add_list(root, "photos");
	for (i = 0; i < ntok; i++) {
		struct upload_row	 u;
		struct det_result	 res;
		struct photo		 ph;
		void			*photo = NULL;
		gdImagePtr		 im;
		char			 when[40];

		if (db_upload_get(db, tokens[i], &u, &photo) != FF_OK)
			continue;
		buf_printf(&seen, "%s%lld", seen.len > 0 ? ", " : "", u.id);
		/* A stored photo is already upright and capped: no limits.
		 * Each model's raw faces are shown, not the face policy's. */
		if (photo_prepare(&ph, photo, u.len,
		    &(struct photo_limits){ 0, 0, 0, 0 }) != FF_OK) {
			photo_free(&ph);
			free(photo);
			continue;
		}
		im = ph.im;
		o = tpl_list_add_obj(list);
		admin_fmt_time(u.created, when, sizeof(when));
		tpl_obj_set_str(o, "when", when);
		tpl_obj_set_str(o, "source", upload_source_name(u.source));
		tpl_obj_set_int(o, "w", gdImageSX(im));
		tpl_obj_set_int(o, "h", gdImageSY(im));
		side = tpl_obj_add_list(o, "runs");
		for (k = 0; k < 2; k++) {
			struct tpl_val *x = tpl_list_add_obj(side);

			tpl_obj_set_str(x, "tone", k == 0 ? "a" : "b");
			if (det[k] == NULL || det_run(det[k], im, &res) != FF_OK) {
				tpl_obj_set_bool(x, "failed", 1);
				continue;
			}
			buf_reset(&b);
			compare_picture(im, &res, colour[k], &b);
			tpl_obj_set_str(x, "img", b.ptr);
			tpl_obj_set_int(x, "faces", res.n);
			admin_set_num(x, "ms", res.ms, 0);
			if (res.n > 0)
				admin_set_num(x, "score", res.faces[0].score * 100,
				    0);
			tpl_obj_set_bool(x, "has_face", res.n > 0);
			found[k] += res.n > 0;
			ms[k] += res.ms;
		}
		photo_free(&ph);
		free(photo);
	}
	tpl_obj_set_int(root, "nphotos", (long long)tpl_list_len(list));
	tpl_obj_set_int(root, "ttl_hours", UPLOAD_TTL_S / 3600);
	if (seen.len > 0)
		req_log(r, "admin: %s viewed shoppers' photos in the model "
		    "comparison (uploads %s)", user, seen.ptr);
	list = tpl_obj_add_list(root, "summary");
	for (k = 0; k < 2; k++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "letter", k == 0 ? "A" : "B");
		tpl_obj_set_str(o, "tone", k == 0 ? "a" : "b");
		tpl_obj_set_str(o, "version", m[k]->version);
		tpl_obj_set_int(o, "found", found[k]);
		admin_set_num(o, "ms", ntok > 0 ? ms[k] / (double)ntok : 0, 0);
	}
	admin_page_send(r, 200, "admin_compare", c);
	c = NULL;
out:
	for (k = 0; k < 2; k++)
		if (own[k])
			det_close(det[k]);
	free(tokens);
	tpl_ctx_free(c);
	db_models_free(m[0], m[0] != NULL);
	db_models_free(m[1], m[1] != NULL);
	buf_free(&b);
	buf_free(&seen);
}

