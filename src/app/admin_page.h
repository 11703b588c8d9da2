/*
 * admin_page.h: what every admin page shares (admin_reports.c,
 * admin_catalog.c, admin_models.c, admin_retention.c): the page frame
 * with its navigation, the checks at the start of a POST (see admin.h,
 * "Access"), the database or a 503, and how numbers and times are shown.
 */
#ifndef FF_APP_ADMIN_PAGE_H
#define FF_APP_ADMIN_PAGE_H
#include <stddef.h>

#include "app/artwork.h"
#include "core/buf.h"

struct db;
struct http_req;
struct tpl_ctx;
struct tpl_val;
struct tryon_app;

/* Largest urlencoded admin form, bytes; the artwork form gets the
 * artwork limit plus room for the other parts. */
#define ADMIN_FORM_MAX		(64u * 1024)
#define ADMIN_ARTWORK_FORM_MAX	(ARTWORK_MAX_BYTES + 64u * 1024)

/* The section of the navigation a page belongs to. */
enum admin_nav {
	ADMIN_NAV_REPORTS,
	ADMIN_NAV_CATALOG,
	ADMIN_NAV_MODELS,
	ADMIN_NAV_RETENTION
};

/* The time now, Unix s. */
long long	 admin_now(void);
/* "2026-11-25 14:00 UTC", or a dash when t (Unix s) is unknown (<= 0). */
void		 admin_fmt_time(long long t, char *out, size_t size);
/* "3.2 MB", "512 KB", "90 B". */
void		 admin_fmt_bytes(struct buf *, long long n);
/* A number as the charts print it (chart_num()), into a template object. */
void		 admin_set_num(struct tpl_val *, const char *key, double v,
		    int decimals);

/*
 * A page's template context with the user, the CSRF token of its forms,
 * the navigation and the model in use filled in. The caller hands it to
 * admin_page_send() (which frees it) or frees it with tpl_ctx_free().
 */
struct tpl_ctx	*admin_page_ctx(struct tryon_app *, const char *user,
		    const char *title, enum admin_nav);
/* Answer with template name (never cached) and free c. */
void		 admin_page_send(struct http_req *, int status,
		    const char *name, struct tpl_ctx *c);

/*
 * The start of every POST: our own origin, a form of at most max bytes
 * we can read (ADMIN_FORM_MAX, or ADMIN_ARTWORK_FORM_MAX for the
 * artwork), a valid CSRF token of user. 0 when refused (answered).
 */
int		 admin_post_ok(struct tryon_app *, struct http_req *,
		    const char *user, size_t max);
/* The worker's connection, or NULL after answering 503. */
struct db	*admin_need_db(struct tryon_app *, struct http_req *);

#endif
