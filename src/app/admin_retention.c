/*
 * admin_retention.c: the retention page, with the purge runs, and its
 * two forms: "Purge now", and the deletion of one shopper's photo on
 * request (see admin.h; the purge itself: purge.h).
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
#include "store/consent.h"
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
	struct consent_kept	 ck;
	struct buf		 b;
	enum ff_err		 er;
	const char		*msg = kv_get(&r->args, "msg");
	char			 when[40];
	long long		 stored = 0, expired = 0, oldest = 0, overdue = 0;
	long long		 now = admin_now(), due;
	size_t			 n, i;
	int			 iv = purge_interval_s();
	int			 cdays = purge_consent_days();

	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = db_uploads_kept(db, &stored, &expired, &oldest)) != FF_OK ||
	    (er = db_uploads_overdue(db, &overdue)) != FF_OK ||
	    (er = db_consent_kept(db, CONSENT_NEWSLETTER, now, &ck)) != FF_OK ||
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
		tpl_obj_set_bool(o, "partial", run[i].partial);
	}
	/* When the purge last ran, and whether that is late for the
	 * promise the result page makes. */
	o = tpl_obj_add_obj(root, "purge");
	admin_fmt_time(n > 0 ? run[0].at : 0, when, sizeof(when));
	tpl_obj_set_str(o, "last", n > 0 ? when : "never");
	if (n > 0)
		tpl_obj_set_str(o, "by", run[0].by);
	/* A shop that never stored a photo has nothing to be late with. */
	tpl_obj_set_bool(o, "late", purge_late(now, n > 0 ? run[0].at : 0) &&
	    (n > 0 || stored > 0));
	tpl_obj_set_bool(o, "timer", iv > 0);
	tpl_obj_set_int(o, "every_min", (iv + 59) / 60);
	if (overdue > 0) {
		admin_fmt_time(overdue, when, sizeof(when));
		tpl_obj_set_str(o, "overdue_since", when);
	}
	free(run);
	tpl_obj_set_bool(root, "has_runs", tpl_list_len(list) > 0);
	admin_set_num(root, "stored", (double)stored, 0);
	admin_set_num(root, "expired", (double)expired, 0);
	admin_fmt_time(oldest, when, sizeof(when));
	tpl_obj_set_str(root, "oldest", when);
	tpl_obj_set_int(root, "retention_days", purge_retention_days());
	/* The photos kept with consent, and the first the purge will take:
	 * at its expiry, or sooner when the consent period was shortened
	 * since it was given (store/consent.h). */
	tpl_obj_set_int(root, "consent_days", cdays);
	admin_set_num(root, "consented", (double)ck.photos, 0);
	if (ck.photos > 0) {
		due = ck.next_expiry;
		if (ck.oldest > 0 && ck.oldest + cdays * 86400LL < due)
			due = ck.oldest + cdays * 86400LL;
		o = tpl_obj_add_obj(root, "consent_next");
		if (due <= now)
			tpl_obj_set_bool(o, "due", 1);
		else {
			admin_fmt_time(due, when, sizeof(when));
			tpl_obj_set_str(o, "at", when);
		}
	}
	tpl_obj_set_int(root, "batch_days", purge_batch_retention_days());
	tpl_obj_set_int(root, "ttl_hours", UPLOAD_TTL_S / 3600);
	if (msg != NULL && strcmp(msg, "purged") == 0)
		tpl_obj_set_str(root, "notice", "Purge finished; its counts are "
		    "the first row below.");
	else if (msg != NULL && strcmp(msg, "deleted") == 0)
		tpl_obj_set_str(root, "notice", "The photo and everything made "
		    "from it are deleted.");
	buf_free(&b);
	admin_page_send(r, 200, "admin_retention", c);
}

/*
 * The token in what staff pasted: the token itself, or a result, render
 * or delete link holding "/t/<token>" (with or without the host). 0 when
 * there is none.
 */
static int
photo_token(const char *s, char tok[UPLOAD_TOKEN_LEN + 1])
{
	const char	*p;

	while (*s == ' ' || *s == '\t')
		s++;
	if ((p = strstr(s, "/t/")) != NULL)
		s = p + 3;
	if (strlen(s) < UPLOAD_TOKEN_LEN)
		return 0;
	memcpy(tok, s, UPLOAD_TOKEN_LEN);
	tok[UPLOAD_TOKEN_LEN] = '\0';
	s += UPLOAD_TOKEN_LEN;
	/* The token ends there: a path, a query, or blanks. */
	if (*s != '\0' && *s != '/' && *s != '?' && *s != '#' && *s != ' ' &&
	    *s != '\t' && *s != '\r' && *s != '\n')
		return 0;
	return upload_token_valid(tok);
}

/* One shopper's photo, deleted on their request: the photo and what was
 * made from it, as the shopper's own delete button does. */
static void
delete_one(struct tryon_app *a, struct http_req *r, const char *user,
    const char *what)
{
	struct db	*db;
	char		 tok[UPLOAD_TOKEN_LEN + 1];
	enum ff_err	 er;

	if (!photo_token(what, tok)) {
		req_error(r, FF_EINPUT, "Please paste the shopper's try-on "
		    "link (it holds /t/ and a 32-character code) or the code "
		    "itself.");
		return;
	}
	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if ((er = db_upload_delete(db, tok)) != FF_OK) {
		req_error(r, er, er == FF_ENOTFOUND ? "No photo with that "
		    "code is stored: it was deleted already, or it expired and "
		    "the purge removed it." : NULL);
		return;
	}
	/* The log names the staff member, not the photo. */
	req_log(r, "admin: %s deleted a shopper's photo on request", user);
	req_redirect(r, 303, "/admin/retention/?msg=deleted");
}

void
admin_purge(struct tryon_app *a, struct http_req *r)
{
	const char		*user = req_env(r, "REMOTE_USER");
	struct purge_stats	 st;
	struct db		*db;
	struct buf		 by;
	enum ff_err		 er;
	const char		*what;

	if (!admin_post_ok(a, r, user, ADMIN_FORM_MAX))
		return;
	/* The same form action deletes one photo when it names one. */
	if ((what = req_field(r, "photo")) != NULL) {
		delete_one(a, r, user, what);
		return;
	}
	if ((db = admin_need_db(a, r)) == NULL)
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

