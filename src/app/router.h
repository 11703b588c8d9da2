/*
 * router.h: the one router of the FastCGI worker. Every request, to the
 * shop (shop.h), the staff pages (admin.h) or the JSON API (api.h), is
 * matched against one route table and handed to the page that answers
 * it; the router answers what no page should have to:
 *
 *   - an error the web server made itself and handed to a worker
 *     (REDIRECT_STATUS, see router.c's server_error());
 *   - a path no route has (404) or a method the route does not take (405,
 *     with Allow), and a malformed query string (400);
 *   - access: a request under /admin/ without the REMOTE_USER the web
 *     server sets after its login is refused with 403 before anything
 *     else; a call under /api/ needs a valid key within its rate limit
 *     (apikey.h: 401, 429, 503 without the database), checked after its
 *     route.
 *
 * Each family of paths keeps its own words: the shop's errors are
 * written for a shopper, the admin's for staff, the API's are JSON
 * whatever Accept says (docs/API.md). Every error goes through the one
 * error writer, answer.h. Before routing, the worker follows the model
 * registry and catalog edits (registry_sync(), registry.h).
 */
#ifndef FF_APP_ROUTER_H
#define FF_APP_ROUTER_H

struct http_req;

/* Answer one request (the fcgi_handler callback; app is the worker's
 * struct tryon_app, app.h). Every request gets an answer. */
void	router_handle(void *app, struct http_req *);

#endif
