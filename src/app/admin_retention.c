/*
 * admin_retention.c: the retention page, with the purge runs, and its
 * "Purge now" button (see admin.h; the purge itself: purge.h).
 */
#include <stdlib.h>
#include <string.h>

#include "app/admin.h"
#include "app/admin_page.h"
#include "app/answer.h"
#include "app/purge.h"
#include "core/buf.h"
#include "http/query.h"
#include "http/request.h"
#include "store/purge.h"
#include "store/records.h"
#include "view/template.h"

/* Purge runs listed on the retention page. */
#define PURGE_RUNS_SHOWN	20

/* ---- Retention ---- */

void
admin_retention(struct tryon_app *a, struct http_req *r)
{
	const char		*user = req_env(r, "REMOTE_USER");
	struct tpl_ctx		*c;
	struct tpl_val		*root, *list, *o;
	struct db		*db;
	struct purge_run_row	*run;
	struct buf		 b;
	enum ff_err		 er;
	const char		*msg = kv_get(&r->args, "msg");
	char			 when[40];
	long long		 stored = 0, expired = 0, oldest = 0;
	size_t			 n, i;

	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = db_uploads_kept(db, &stored, &expired, &oldest)) != FF_OK ||
	    (er = db_purge_runs(db, PURGE_RUNS_SHOWN, &run, &n)) != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	c = admin_page_ctx(a, user, "Retention", ADMIN_NAV_RETENTION);
	root = tpl_ctx_root(c);
	buf_init(&b);
	list = tpl_obj_add_list(root, "runs");
	for (i = 0; i < n; i++) {
		o = tpl_list_add_obj(list);
		admin_fmt_time(run[i].at, when, sizeof(when));
		tpl_obj_set_str(o, "at", when);
		buf_reset(&b);
		if (run[i].ms < 1000)
			buf_printf(&b, "%.0f ms", run[i].ms);
		else
			buf_printf(&b, "%.1f s", run[i].ms / 1000.0);
		tpl_obj_set_str(o, "took", b.ptr);
		tpl_obj_set_str(o, "by", run[i].by);
		tpl_obj_set_int(o, "days", run[i].days);
		admin_set_num(o, "uploads", (double)run[i].uploads, 0);
		admin_set_num(o, "rows", (double)run[i].rows, 0);
		admin_set_num(o, "detections", (double)run[i].detections, 0);
		admin_set_num(o, "tryons", (double)run[i].tryons, 0);
		admin_set_num(o, "clicks", (double)run[i].clicks, 0);
		buf_reset(&b);
		admin_fmt_bytes(&b, run[i].bytes);
		tpl_obj_set_str(o, "bytes", b.ptr);
		admin_set_num(o, "live", (double)run[i].live, 0);
	}
	free(run);
	tpl_obj_set_bool(root, "has_runs", tpl_list_len(list) > 0);
	admin_set_num(root, "stored", (double)stored, 0);
	admin_set_num(root, "expired", (double)expired, 0);
	admin_fmt_time(oldest, when, sizeof(when));
	tpl_obj_set_str(root, "oldest", when);
	tpl_obj_set_int(root, "retention_days", purge_retention_days());
	tpl_obj_set_int(root, "ttl_hours", UPLOAD_TTL_S / 3600);
	if (msg != NULL && strcmp(msg, "purged") == 0)
		tpl_obj_set_str(root, "notice", "Purge finished; its counts are "
		    "the first row below.");
	buf_free(&b);
	admin_page_send(r, 200, "admin_retention", c);
}

void
admin_purge(struct tryon_app *a, struct http_req *r)
{
	const char		*user = req_env(r, "REMOTE_USER");
	struct purge_stats	 st;
	struct db		*db;
	struct buf		 by;
	enum ff_err		 er;

	if (!admin_post_ok(a, r, user, ADMIN_FORM_MAX) ||
	    (db = admin_need_db(a, r)) == NULL)
		return;
	buf_init(&by);
	buf_printf(&by, "admin:%s", user);
	er = purge_run(db, admin_now(), 0, by.ptr, 0, &st);
	buf_free(&by);
	if (er != FF_OK) {
		req_error(r, er, NULL);
		return;
	}
	req_log(r, "admin: %s purged %lld photo(s), %lld derived row(s)", user,
	    st.uploads, st.detections + st.faces + st.tryons);
	req_redirect(r, 303, "/admin/retention/?msg=purged");
}

