/*
 * admin_page.c: what the admin pages share (see admin_page.h), and
 * their style sheet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "app/admin.h"
#include "app/admin_page.h"
#include "app/answer.h"
#include "app/app.h"
#include "core/buf.h"
#include "http/request.h"
#include "view/chart.h"
#include "view/template.h"
#include "vision/detector.h"

/* ---- Small helpers ---- */

long long
admin_now(void)
{
	return (long long)time(NULL);
}

void
admin_fmt_time(long long t, char *out, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, size, "\u2013");
}

/* "3.2 MB", "512 KB", "90 B". */
void
admin_fmt_bytes(struct buf *b, long long n)
{
	if (n >= 1024LL * 1024 * 1024)
		buf_printf(b, "%.1f GB", n / (1024.0 * 1024 * 1024));
	else if (n >= 1024 * 1024)
		buf_printf(b, "%.1f MB", n / (1024.0 * 1024));
	else if (n >= 1024)
		buf_printf(b, "%.0f KB", n / 1024.0);
	else
		buf_printf(b, "%lld B", n);
}

/* A number as the charts print it, into a template object. */
void
admin_set_num(struct tpl_val *o, const char *key, double v, int decimals)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	chart_num(&b, v, decimals);
	tpl_obj_set_str(o, key, b.ptr);
	buf_free(&b);
}

/* ---- CSRF ---- */

void
admin_csrf_token(const struct tryon_app *a, const char *user, long long now,
    char out[44])
{
	struct buf m;

	/* app_csrf_token() prefixes "delete:"; a photo token never holds
	 * '|', so these can never be mistaken for one another. */
	buf_init(&m);
	buf_printf(&m, "admin|%s|%lld", user, now / 86400);
	app_csrf_token(a, m.ptr, out);
	buf_free(&m);
}

int
admin_csrf_ok(const struct tryon_app *a, const char *user, const char *token,
    long long now)
{
	char	want[44];
	int	day, ok = 0;

	if (user == NULL || token == NULL || strlen(token) != 43)
		return 0;
	for (day = 0; day < 2; day++) {
		admin_csrf_token(a, user, now - day * 86400LL, want);
		ok |= CRYPTO_memcmp(token, want, 43) == 0;
	}
	return ok;
}

/* ---- Pages: shared ---- */

struct tpl_ctx *
admin_page_ctx(struct tryon_app *a, const char *user, const char *title,
    enum admin_nav nav)
{
	struct tpl_ctx	*c = app_page_ctx(title);
	struct tpl_val	*root = tpl_ctx_root(c);
	char		 csrf[44];

	admin_csrf_token(a, user, admin_now(), csrf);
	tpl_obj_set_str(root, "user", user);
	tpl_obj_set_str(root, "csrf", csrf);
	tpl_obj_set_bool(root, "nav_reports", nav == ADMIN_NAV_REPORTS);
	tpl_obj_set_bool(root, "nav_catalog", nav == ADMIN_NAV_CATALOG);
	tpl_obj_set_bool(root, "nav_models", nav == ADMIN_NAV_MODELS);
	tpl_obj_set_bool(root, "nav_retention", nav == ADMIN_NAV_RETENTION);
	tpl_obj_set_str(root, "model", a->det != NULL ? det_version(a->det) :
	    "not loaded");
	return c;
}

void
admin_page_send(struct http_req *r, int status, const char *name,
    struct tpl_ctx *c)
{
	req_header(r, "Cache-Control", "no-store");
	req_page(r, status, name, tpl_ctx_root(c));
	tpl_ctx_free(c);
}

/* The start of every POST (see admin_page.h). */
int
admin_post_ok(struct tryon_app *a, struct http_req *r, const char *user,
    size_t max)
{
	const char	*why = NULL;
	enum ff_err	 er;

	if (req_cross_origin(r)) {
		req_drain(r);
		req_log(r, "admin: cross-origin POST refused");
		req_error(r, FF_EFORBIDDEN, "This form must be sent from the "
		    "admin pages.");
		return 0;
	}
	if ((er = req_read_form(r, max, &why)) != FF_OK) {
		if (er == FF_ETOOBIG && max == ADMIN_ARTWORK_FORM_MAX)
			why = "The artwork is larger than 2 MB.";
		req_error(r, er == FF_ESYS ? FF_EINPUT : er, why);
		return 0;
	}
	if (!admin_csrf_ok(a, user, req_field(r, "csrf"), admin_now())) {
		req_log(r, "admin: POST %s by %s without a valid CSRF token",
		    r->path, user);
		req_error(r, FF_EFORBIDDEN, "This form has expired or did not "
		    "come from the admin pages. Please reload the page and try "
		    "again.");
		return 0;
	}
	return 1;
}

struct db *
admin_need_db(struct tryon_app *a, struct http_req *r)
{
	struct db *db = app_db(a);

	if (db == NULL)
		req_error(r, FF_EDB, NULL);
	return db;
}

/* ---- Static ---- */

void
admin_css(struct tryon_app *a, struct http_req *r)
{
	static struct {
		int	 loaded;
		char	*p;
		size_t	 len;
		char	 etag[40];
	} css;
	struct buf	 path, b;
	char		 chunk[8192];
	unsigned char	 d[32];
	ssize_t		 n;
	int		 fd;

	if (!css.loaded) {
		buf_init(&path);
		buf_printf(&path, "%s/admin.css", a->static_dir);
		if ((fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) >= 0) {
			buf_init(&b);
			while ((n = read(fd, chunk, sizeof(chunk))) > 0 &&
			    b.len < (1u << 20))
				buf_append(&b, chunk, (size_t)n);
			close(fd);
			css.p = buf_steal(&b, &css.len);
			app_sha256(css.p, css.len, d);
			app_etag_of(d, css.etag);
			css.loaded = 1;
		} else
			req_log(r, "%s: %s", path.ptr, strerror(errno));
		buf_free(&path);
	}
	if (!css.loaded) {
		req_error(r, FF_ENOTFOUND, "There is no such file.");
		return;
	}
	req_header(r, "ETag", "%s", css.etag);
	req_header(r, "Cache-Control", "private, max-age=300");
	if (req_etag_match(r, css.etag))
		req_send(r, 304, NULL, "", 0);
	else
		req_send(r, 200, "text/css; charset=utf-8", css.p, css.len);
}

