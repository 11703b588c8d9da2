/*
 * route.h: map a request's method and path to one row of a route table.
 *
 * A pattern is a path of '/'-separated segments. A segment is either
 * literal ("tryon") or a capture: "{name}", optionally followed by a
 * literal suffix ("{sku}.png"). A capture matches one whole, non-empty
 * segment (without the suffix) made only of [A-Za-z0-9_-], the alphabet
 * of our tokens (RFC 4648 §5) and SKUs. Anything else, including a
 * percent-escape, fails the match, so a handler never sees a path
 * segment it has to decode or distrust. A pattern ending in '/' matches
 * a path with that trailing slash only.
 *
 *	static const struct route tab[] = {
 *		{ ROUTE_GET, "/", H_INDEX },
 *		{ ROUTE_GET, "/t/{token}/{sku}.jpg", H_RENDER },
 *	};
 *	const struct route *r;
 *	struct route_params p;
 *	unsigned allow;
 *
 *	switch (route_find(tab, 2, "GET", path, &r, &p, &allow)) {
 *	case FF_OK:         dispatch on r->id; route_param(&p, "sku")
 *	case FF_EMETHOD:    405, with route_allow() as the Allow header
 *	default:            404
 *	}
 */
#ifndef FF_HTTP_ROUTE_H
#define FF_HTTP_ROUTE_H
#include <stddef.h>

#include "core/err.h"

/* Captures in one pattern, and bytes in one captured value. */
#define ROUTE_MAX_PARAMS	4
#define ROUTE_PARAM_MAX		64

/* Methods, as a bit mask. HEAD is served wherever GET is (RFC 9110 §9.3.2). */
#define ROUTE_GET	0x01u
#define ROUTE_POST	0x02u
#define ROUTE_HEAD	0x04u

struct route {
	unsigned	 methods;	/* ROUTE_* mask */
	const char	*pattern;	/* see above; static storage */
	int		 id;		/* the caller's handler number */
};

/* The captured values of a match; names point into the pattern. */
struct route_params {
	size_t		 n;
	const char	*name[ROUTE_MAX_PARAMS];
	size_t		 name_len[ROUTE_MAX_PARAMS];
	char		 val[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX + 1];
};

/*
 * Find the first row of tab (n rows) whose pattern matches path (the
 * URL path only, without query; not decoded) and whose methods include
 * method ("GET", "HEAD", "POST"; case-sensitive, RFC 9110 §9.1).
 * FF_OK: *out is the row and *params its captures.
 * FF_EMETHOD: some pattern matches, but none for this method; *allow is
 *   the union of the methods of the matching rows (for 405's Allow).
 * FF_ENOTFOUND: no pattern matches (or the path is not absolute).
 * allow may be NULL. A malformed pattern never matches.
 */
enum ff_err	 route_find(const struct route *tab, size_t n,
		    const char *method, const char *path,
		    const struct route **out, struct route_params *params,
		    unsigned *allow);

/* The value captured as {name}, or NULL. Owned by params. */
const char	*route_param(const struct route_params *, const char *name);

/* The Allow header value for a method mask, e.g. "GET, HEAD, POST"; a
 * static string. */
const char	*route_allow(unsigned methods);

/* ROUTE_GET etc. for a method name, 0 for any other. */
unsigned	 route_method(const char *method);

#endif
