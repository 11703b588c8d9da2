/*
 * router.c: the one route table and its dispatcher (see router.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/abuse.h"
#include "app/admin.h"
#include "app/api.h"
#include "app/apikey.h"
#include "app/apiparse.h"
#include "app/app.h"
#include "app/embed.h"
#include "app/registry.h"
#include "app/router.h"
#include "app/shop.h"
#include "core/clock.h"
#include "http/query.h"
#include "http/request.h"
#include "http/route.h"

/* The families of paths: what a 404, a 405 and a malformed query say. */
enum fam { F_SHOP, F_ADMIN, F_API };

static const struct family {
	const char	*prefix;	/* the paths that belong to it */
	const char	*e404;
	const char	*e405[2];	/* around the Allow value */
	const char	*query[2];	/* around kv_errmsg() */
	int		 json;		/* errors in JSON whatever Accept says */
} families[] = {
	[F_SHOP] = { "/",
	    "There is no page at this address.",
	    /* "method not allowed" alone tells a shopper nothing. */
	    { "This address takes only ", " requests. Please start again "
	      "from our home page." },
	    { "The address has a malformed query: ", "." }, 0 },
	[F_ADMIN] = { "/admin/",
	    "There is no admin page at this address.",
	    { "This admin address takes only ", " requests. Please use the "
	      "links and buttons of the admin pages." },
	    { "The address has a malformed query: ", "." }, 0 },
	[F_API] = { "/api/",
	    "there is no API endpoint at this address (see docs/API.md)",
	    { "this endpoint takes only ", " requests (see docs/API.md)" },
	    { "the query string is malformed: ", "" }, 1 },
};

enum {
	/* The shop (shop.h). */
	R_INDEX, R_TRYON, R_RESULT, R_RENDER, R_PHOTO, R_ERASE, R_WITHDRAW,
	R_GO, R_THUMB,
	R_CSS, R_JS, R_SVG, R_HEALTHZ,
	/* The staff pages (admin.h). */
	A_REPORTS, A_CHART, A_EXPORT, A_CSS,
	A_CATALOG, A_FRAME_NEW, A_FRAME, A_RETIRE, A_RESTORE, A_ARTWORK,
	A_PREVIEW, A_IMPORT,
	A_MODELS, A_SCAN, A_ACTIVATE, A_COMPARE,
	A_RETENTION, A_PURGE,
	/* The JSON API (api.h). */
	P_DETECT, P_TRYON, P_FRAMES,
	NROUTES
};

static const struct route routes[] = {
	{ ROUTE_GET, "/", R_INDEX },
	{ ROUTE_POST, "/tryon", R_TRYON },
	{ ROUTE_GET, "/t/{token}", R_RESULT },
	{ ROUTE_GET, "/t/{token}/{sku}.jpg", R_RENDER },
	{ ROUTE_GET, "/t/{token}/photo", R_PHOTO },
	{ ROUTE_POST, "/t/{token}/delete", R_ERASE },
	{ ROUTE_POST, "/t/{token}/withdraw", R_WITHDRAW },
	{ ROUTE_GET, "/go/{sku}", R_GO },
	{ ROUTE_GET, "/thumb/{sku}.png", R_THUMB },
	{ ROUTE_GET, "/static/{name}.css", R_CSS },
	{ ROUTE_GET, "/static/{name}.js", R_JS },
	{ ROUTE_GET, "/static/{name}.svg", R_SVG },
	{ ROUTE_GET, "/healthz", R_HEALTHZ },

	{ ROUTE_GET, "/admin/", A_REPORTS },
	{ ROUTE_GET, "/admin/chart/{name}.svg", A_CHART },
	{ ROUTE_GET, "/admin/export/{table}.csv", A_EXPORT },
	{ ROUTE_GET, "/admin/static/admin.css", A_CSS },
	{ ROUTE_GET, "/admin/catalog/", A_CATALOG },
	{ ROUTE_GET | ROUTE_POST, "/admin/catalog/new", A_FRAME_NEW },
	{ ROUTE_GET | ROUTE_POST, "/admin/catalog/import/", A_IMPORT },
	{ ROUTE_GET | ROUTE_POST, "/admin/catalog/{sku}", A_FRAME },
	{ ROUTE_POST, "/admin/catalog/{sku}/retire", A_RETIRE },
	{ ROUTE_POST, "/admin/catalog/{sku}/restore", A_RESTORE },
	{ ROUTE_POST, "/admin/catalog/{sku}/artwork", A_ARTWORK },
	{ ROUTE_GET, "/admin/catalog/{sku}/preview.png", A_PREVIEW },
	{ ROUTE_GET, "/admin/models/", A_MODELS },
	{ ROUTE_POST, "/admin/models/scan", A_SCAN },
	{ ROUTE_POST, "/admin/models/{id}/activate", A_ACTIVATE },
	{ ROUTE_GET, "/admin/models/compare", A_COMPARE },
	{ ROUTE_GET, "/admin/retention/", A_RETENTION },
	{ ROUTE_POST, "/admin/retention/purge", A_PURGE },

	{ ROUTE_POST, "/api/v1/detect", P_DETECT },
	{ ROUTE_POST, "/api/v1/tryon", P_TRYON },
	{ ROUTE_GET, "/api/v1/frames", P_FRAMES },
};

/* The handler of each route: a page, or an API call (after the key);
 * upload: an anonymous photo upload, under the client's limits
 * (abuse.h). */
static const struct {
	void	(*page)(struct tryon_app *, struct http_req *);
	void	(*call)(struct tryon_app *, struct http_req *,
		    const struct api_caller *);
	int	  upload;
} handlers[NROUTES] = {
	[R_INDEX] = { shop_index, NULL },
	[R_TRYON] = { shop_tryon, NULL, 1 },
	[R_RESULT] = { shop_result, NULL },
	[R_RENDER] = { shop_render, NULL },
	[R_PHOTO] = { shop_photo, NULL },
	[R_ERASE] = { shop_delete, NULL },
	[R_WITHDRAW] = { shop_withdraw, NULL },
	[R_GO] = { shop_go, NULL },
	[R_THUMB] = { shop_thumb, NULL },
	[R_CSS] = { shop_static, NULL },
	[R_JS] = { shop_static, NULL },
	[R_SVG] = { shop_static, NULL },
	[R_HEALTHZ] = { shop_healthz, NULL },

	[A_REPORTS] = { admin_reports, NULL },
	[A_CHART] = { admin_chart, NULL },
	[A_EXPORT] = { admin_export, NULL },
	[A_CSS] = { admin_css, NULL },
	[A_CATALOG] = { admin_catalog, NULL },
	[A_FRAME_NEW] = { admin_frame_form, NULL },
	[A_FRAME] = { admin_frame_form, NULL },
	[A_RETIRE] = { admin_frame_retire, NULL },
	[A_RESTORE] = { admin_frame_restore, NULL },
	[A_ARTWORK] = { admin_artwork, NULL },
	[A_PREVIEW] = { admin_preview, NULL },
	[A_IMPORT] = { admin_import, NULL },
	[A_MODELS] = { admin_models, NULL },
	[A_SCAN] = { admin_models_scan, NULL },
	[A_ACTIVATE] = { admin_models_activate, NULL },
	[A_COMPARE] = { admin_models_compare, NULL },
	[A_RETENTION] = { admin_retention, NULL },
	[A_PURGE] = { admin_purge, NULL },

	[P_DETECT] = { NULL, api_detect },
	[P_TRYON] = { NULL, api_tryon },
	[P_FRAMES] = { NULL, api_frames },
};

static enum fam
family_of(int id)
{
	return id >= P_DETECT ? F_API : id >= A_REPORTS ? F_ADMIN : F_SHOP;
}

/* Answer er in the family's format. */
static void
error(struct http_req *r, enum fam fam, enum ff_err er, const char *msg)
{
	if (families[fam].json)
		req_error_json(r, er, msg);
	else
		req_error(r, er, msg);
}

/* Refuse before reading the body: read and drop it first, so the web
 * server delivers our answer instead of a reset. */
static void
refuse(struct http_req *r, enum fam fam, enum ff_err er, const char *msg)
{
	req_drain(r);
	error(r, fam, er, msg);
}

/*
 * An error the web server made itself and handed to us to answer:
 * lighttpd's server.error-handler (conf/lighttpd.conf.in) sends it to a
 * worker as a GET of the original URI with REDIRECT_STATUS set to the
 * status (on an ordinary request lighttpd sets it to 200, Apache not at
 * all). Such an error is a worker that died mid-request, a request body
 * the server could not buffer (its upload-dirs unwritable or full) or one
 * over its own size limit. The shopper gets our page (JSON on /api/ or
 * when asked for), a server failure as 503 with Retry-After, and the log
 * says what happened, since the server's own log is elsewhere. Returns 1
 * when the request was such an error and has been answered.
 */
static int
server_error(struct http_req *r)
{
	const char	*s = req_env(r, "REDIRECT_STATUS");
	enum ff_err	 er;
	int		 status;

	if (s == NULL || (status = atoi(s)) < 400 || status > 599)
		return 0;
	switch (status) {
	case 403: er = FF_EFORBIDDEN; break;
	case 404: er = FF_ENOTFOUND; break;
	case 405: er = FF_EMETHOD; break;
	case 413: er = FF_ETOOBIG; break;
	default: er = status < 500 ? FF_EINPUT : FF_EUNAVAIL; break;
	}
	req_log(r, "the web server failed %s with %d before a worker answered "
	    "(a worker that died mid-request, or a request body it could not "
	    "buffer in its upload directory: see its error log); answered %d",
	    r->path, status, ff_http_status(er));
	/* The API answers JSON whatever Accept says (docs/API.md). */
	if (strncmp(r->path, "/api/", 5) == 0)
		req_error_json(r, er, NULL);
	else
		req_error(r, er, NULL);
	return 1;
}

/* The workers' default limit per key per minute, read once. */
static long
rate_default(void)
{
	static long	 v = -2;
	const char	*s;

	if (v == -2) {
		s = getenv("FF_API_RATE");
		if ((v = api_rate_parse(s)) < 0) {
			req_log(NULL, "FF_API_RATE=\"%s\" is not a number of "
			    "calls per minute; using %d", s, API_RATE_DEFAULT);
			v = API_RATE_DEFAULT;
		}
	}
	return v;
}

/*
 * The API caller's key and its rate limit. On success c is set and 1 is
 * returned; otherwise the call has been answered (401, 429 or 503) and 0
 * is returned.
 */
static int
api_authorize(struct tryon_app *a, struct http_req *r, struct api_caller *c)
{
	char		 tok[API_TOKEN_MAX + 1], msg[160];
	const char	*why;
	enum ff_err	 er;
	long long	 n;
	long		 limit;
	time_t		 now;
	int		 revoked, retry;

	/* RFC 6750 §3: a 401 names the scheme; error="invalid_request" for
	 * a malformed header, none when there was no credential at all. */
	if ((er = api_bearer(req_env(r, "HTTP_AUTHORIZATION"), tok, &why)) !=
	    FF_OK) {
		if (req_env(r, "HTTP_AUTHORIZATION") == NULL)
			req_header(r, "WWW-Authenticate", "Bearer realm=\"framefit\"");
		else
			req_header(r, "WWW-Authenticate", "Bearer realm=\"framefit\", "
			    "error=\"invalid_request\"");
		refuse(r, F_API, FF_EAUTH, why);
		return 0;
	}
	if ((c->db = app_db(a)) == NULL) {
		refuse(r, F_API, FF_EDB, NULL);
		return 0;
	}
	if ((er = apikey_check(c->db, tok, &c->key_id, &limit, &revoked)) !=
	    FF_OK) {
		if (er == FF_EAUTH)
			req_header(r, "WWW-Authenticate", "Bearer realm=\"framefit\", "
			    "error=\"invalid_token\"");
		refuse(r, F_API, er, er != FF_EAUTH ? NULL : revoked ?
		    "this API key has been revoked" : "this API key is not valid");
		return 0;
	}
	if (limit < 0)
		limit = rate_default();
	if (limit == 0)
		return 1;
	now = time(NULL);
	if ((er = apikey_rate_hit(c->db, c->key_id, api_rate_window(now), &n)) !=
	    FF_OK) {
		refuse(r, F_API, er, NULL);
		return 0;
	}
	req_header(r, "X-RateLimit-Limit", "%ld", limit);
	req_header(r, "X-RateLimit-Remaining", "%lld", n < limit ? limit - n : 0);
	if (n > limit) {
		retry = api_retry_after(now);
		req_header(r, "Retry-After", "%d", retry);
		apikey_count(c->db, c->key_id, METRIC_API_LIMITED, 0);
		snprintf(msg, sizeof(msg), "this key may make %ld calls a minute; "
		    "try again in %d s", limit, retry);
		refuse(r, F_API, FF_ERATE, msg);
		return 0;
	}
	return 1;
}

/* The upload limits, read once. */
static const struct abuse_limits *
upload_limits(void)
{
	static struct abuse_limits	l;
	static int			read;

	if (!read) {
		abuse_limits_env(&l);
		read = 1;
	}
	return &l;
}

/*
 * Admit an anonymous upload under its client's limits. Returns 1 with
 * *slot to release after the answer (abuse_leave()), or 0 when the
 * upload has been answered with 429.
 */
static int
upload_admit(struct tryon_app *a, struct http_req *r, struct db **db,
    long long *slot)
{
	const struct abuse_limits	*l = upload_limits();
	enum abuse_verdict		 v;
	char				 client[ABUSE_CLIENT_MAX + 1], msg[200];
	int				 retry;

	*slot = 0;
	if ((l->rate == 0 && l->concurrent == 0) || (*db = app_db(a)) == NULL)
		return 1;	/* no limits; or the upload's own 503 */
	abuse_client(req_env(r, "REMOTE_ADDR"),
	    req_env(r, "HTTP_X_FORWARDED_FOR"), l->trusted, client);
	if (abuse_enter(*db, l, client, time(NULL), &v, &retry, slot) !=
	    FF_OK) {
		req_log(r, "upload limits of %s not checked (database); "
		    "letting the upload through", client);
		return 1;
	}
	if (v == ABUSE_OK)
		return 1;
	req_log(r, "upload from %s refused: over its %s", client,
	    v == ABUSE_RATE ? "rate (FF_UPLOAD_RATE)" :
	    "concurrency (FF_UPLOAD_CONCURRENT)");
	if (v == ABUSE_RATE)
		snprintf(msg, sizeof(msg), "Many photos have been sent from "
		    "your network in the last minute. Please wait %d seconds, "
		    "then send yours again.", retry);
	else
		snprintf(msg, sizeof(msg), "Another photo from your network is "
		    "being worked on right now. Please wait a few seconds, then "
		    "send yours again.");
	req_header(r, "Retry-After", "%d", retry);
	refuse(r, F_SHOP, FF_ERATE, msg);
	return 0;
}

/* Route r within its family and call its handler. */
static void
dispatch(struct tryon_app *a, struct http_req *r, enum fam fam)
{
	const struct family	*fm = &families[fam];
	const struct route	*rt;
	struct api_caller	 c = { NULL, 0 };
	struct db		*db = NULL;
	const char		*user;
	long long		 slot = 0;
	unsigned		 allow;
	enum ff_err		 er;
	char			 msg[192];

	/* The web server authenticates the staff; a request without its
	 * user came around it (or through a server set up without auth),
	 * and learns nothing, not even which admin pages exist. */
	if (fam == F_ADMIN && ((user = req_env(r, "REMOTE_USER")) == NULL ||
	    *user == '\0')) {
		req_log(r, "admin: %s %s without REMOTE_USER refused",
		    r->method, r->path);
		refuse(r, fam, FF_EFORBIDDEN, "The admin pages are only "
		    "reachable through the web server's login.");
		return;
	}
	er = route_find(routes, sizeof(routes) / sizeof(routes[0]), r->method,
	    r->path, &rt, &r->params, &allow);
	/* A path's family is its prefix, and no pattern of one family
	 * matches a path of another; should one ever be written, its path
	 * is still answered by the family the prefix names. */
	if (er == FF_OK && family_of(rt->id) != fam)
		er = FF_ENOTFOUND;
	if (er == FF_EMETHOD) {
		req_header(r, "Allow", "%s", route_allow(allow));
		snprintf(msg, sizeof(msg), "%s%s%s", fm->e405[0],
		    route_allow(allow), fm->e405[1]);
		refuse(r, fam, er, msg);
		return;
	}
	if (er != FF_OK) {
		refuse(r, fam, FF_ENOTFOUND, fm->e404);
		return;
	}
	if (r->args_bad) {
		/* Say what is wrong with it: kv_parse_query()'s reason. */
		snprintf(msg, sizeof(msg), "%s%s%s", fm->query[0],
		    kv_errmsg(&r->args), fm->query[1]);
		refuse(r, fam, FF_EINPUT, msg);
		return;
	}
	if (handlers[rt->id].call != NULL) {
		if (api_authorize(a, r, &c))
			handlers[rt->id].call(a, r, &c);
	} else if (!handlers[rt->id].upload)
		handlers[rt->id].page(a, r);
	else if (upload_admit(a, r, &db, &slot)) {
		handlers[rt->id].page(a, r);
		abuse_leave(db, slot);
	}
}

void
router_handle(void *arg, struct http_req *r)
{
	struct tryon_app	*a = arg;
	enum fam		 fam = F_SHOP;

	r->tpl = a->tpl;
	if (strncmp(r->path, families[F_ADMIN].prefix,
	    strlen(families[F_ADMIN].prefix)) == 0)
		fam = F_ADMIN;
	else if (strncmp(r->path, families[F_API].prefix,
	    strlen(families[F_API].prefix)) == 0)
		fam = F_API;
	/* Only the shop's pages may be framed, by the shop (embed.h). */
	else
		r->frame_ancestors = embed_ancestors();
	if (server_error(r))
		goto log;
	/* Follow the model registry and catalog edits (registry.c). */
	registry_sync(a);
	dispatch(a, r, fam);
	/* A page that sent nothing still answers, with our error page. */
	if (!r->head_sent) {
		req_log(r, "%s %s: the handler sent nothing", r->method,
		    r->path);
		error(r, fam, FF_ESYS, "something went wrong on our side");
	}
log:
	if (r->status >= 500)
		req_log(r, "%s %s -> %d (%.1f ms)", r->method, r->path,
		    r->status, ff_now_ms() - r->t0);
}
