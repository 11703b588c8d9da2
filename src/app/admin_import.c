/*
 * admin_import.c: the "Import feed" page under the admin catalog
 * (GET/POST /admin/catalog/import/): upload the shop's product feed, see
 * what it did row by row, and the frames flagged for staff. The import
 * itself is feed_import() (feed.h), which `framefit import-feed` calls
 * too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/admin.h"
#include "app/admin_page.h"
#include "app/app.h"
#include "app/feed.h"
#include "http/multipart.h"
#include "http/request.h"
#include "store/catalog.h"
#include "view/template.h"

/* The upload form: the feed and room for the other parts. */
#define IMPORT_FORM_MAX		(FEED_MAX_BYTES + 64u * 1024)
/* Flagged frames listed on the page. */
#define IMPORT_FLAGGED_MAX	500

static void
flagged_list(struct tpl_val *root, struct db *db)
{
	struct catalog_flagged	*fl = NULL;
	struct tpl_val		*list, *o;
	struct buf		 b;
	size_t			 n = 0, i;
	long long		 total = 0;

	list = tpl_obj_add_list(root, "flagged");
	if (catalog_flagged(db, IMPORT_FLAGGED_MAX, &fl, &n, &total) != FF_OK)
		return;
	buf_init(&b);
	for (i = 0; i < n; i++) {
		o = tpl_list_add_obj(list);
		tpl_obj_set_str(o, "sku", fl[i].sku);
		tpl_obj_set_str(o, "name", fl[i].name);
		tpl_obj_set_bool(o, "active", fl[i].active);
		buf_reset(&b);
		catalog_sizes_missing(fl[i].has, &b);
		tpl_obj_set_str(o, "missing", b.ptr);
	}
	tpl_obj_set_int(root, "nflagged", total);
	tpl_obj_set_bool(root, "one_flagged", total == 1);
	buf_free(&b);
	free(fl);
}

static void
report_obj(struct tpl_val *root, const struct feed_report *rep)
{
	struct tpl_val	*o, *list, *l;
	struct buf	 b;
	size_t		 i;

	if (rep->fatal[0] != '\0') {
		tpl_obj_set_str(root, "fatal", rep->fatal);
		return;
	}
	o = tpl_obj_add_obj(root, "report");
	buf_init(&b);
	feed_report_summary(rep, &b);
	tpl_obj_set_str(o, "summary", b.ptr);
	buf_free(&b);
	tpl_obj_set_bool(o, "ok", rep->stopped_at == 0 && rep->bad == 0);
	tpl_obj_set_int(o, "added", (long long)rep->added);
	tpl_obj_set_int(o, "changed", (long long)rep->changed);
	tpl_obj_set_int(o, "unchanged", (long long)rep->unchanged);
	tpl_obj_set_int(o, "bad", (long long)rep->bad);
	tpl_obj_set_str(o, "unit", rep->format == FEED_XML ? "Item" : "Line");
	tpl_obj_set_bool(o, "has_lines", rep->nlines > 0);
	if (rep->more_lines > 0)
		tpl_obj_set_int(o, "more_lines", (long long)rep->more_lines);
	list = tpl_obj_add_list(o, "lines");
	for (i = 0; i < rep->nlines; i++) {
		l = tpl_list_add_obj(list);
		tpl_obj_set_int(l, "num", (long long)rep->lines[i].num);
		tpl_obj_set_str(l, "sku", rep->lines[i].sku);
		tpl_obj_set_bool(l, "bad", rep->lines[i].bad);
		tpl_obj_set_str(l, "text", rep->lines[i].text);
	}
}

void
admin_import(struct tryon_app *a, struct http_req *r)
{
	const char		*user = req_env(r, "REMOTE_USER");
	const struct mp_part	*p;
	struct feed_report	 rep;
	struct tpl_ctx		*c;
	struct tpl_val		*root;
	struct db		*db;
	enum ff_err		 er = FF_OK;
	int			 post = strcmp(r->method, "POST") == 0;
	int			 status = 200;

	memset(&rep, 0, sizeof(rep));
	if (post) {
		if (r->content_length > (long long)IMPORT_FORM_MAX) {
			req_drain(r);
			req_error(r, FF_ETOOBIG, "The feed is larger than the "
			    "8 MB this page takes; split it into smaller feeds "
			    "or import it with framefit import-feed.");
			return;
		}
		if (!admin_post_ok(a, r, user, IMPORT_FORM_MAX))
			return;
	}
	if ((db = admin_need_db(a, r)) == NULL)
		return;
	if (post) {
		p = r->form != NULL ? mp_get(r->form, "feed") : NULL;
		if (p == NULL || p->len == 0) {
			req_error(r, FF_EINPUT, "Please choose the feed file to "
			    "import.");
			return;
		}
		er = feed_import(db, p->data, p->len, &rep);
		if (er == FF_EDB && rep.stopped_at == 0) {
			feed_report_free(&rep);
			req_error(r, er, NULL);
			return;
		}
		req_log(r, "admin: %s imported a feed of %zu bytes: %zu added, "
		    "%zu changed, %zu unchanged, %zu bad, %zu flagged%s%s", user,
		    p->len, rep.added, rep.changed, rep.unchanged, rep.bad,
		    rep.flagged, rep.fatal[0] ? "; refused: " : "", rep.fatal);
		if (rep.added + rep.changed > 0)
			(void)app_catalog_refresh(a);
		/* A refused feed is the upload's fault; a failed database
		 * ours. The page says which rows made it either way. */
		status = rep.fatal[0] != '\0' ? ff_http_status(er) :
		    er == FF_EDB ? 503 : 200;
	}
	c = admin_page_ctx(a, user, "Import feed", ADMIN_NAV_CATALOG);
	root = tpl_ctx_root(c);
	tpl_obj_set_int(root, "max_mb", FEED_MAX_BYTES / (1024 * 1024));
	tpl_obj_set_int(root, "max_items", FEED_MAX_ITEMS);
	if (post)
		report_obj(root, &rep);
	flagged_list(root, db);
	feed_report_free(&rep);
	admin_page_send(r, status, "admin_import", c);
}
