/*
 * abuse.h: limits on anonymous uploads per client address.
 *
 * A photo upload from a stranger (POST /tryon; the API's calls carry a
 * key and have its rate, apikey.h) is the costliest request the shop
 * takes. Each client may have at most `concurrent` uploads in the
 * workers' hands at once, and send at most `rate` in each minute; over
 * either, the router answers 429 with Retry-After (RFC 6585 §4, RFC 9110
 * §10.2.3) before reading the photo. The counts live in the database
 * (store/throttle.h), so the limits hold across the workers of a host and
 * across hosts.
 *
 * A client is its address: REMOTE_ADDR, or, when REMOTE_ADDR is a
 * trusted proxy (FF_TRUSTED_PROXY), the address that proxy saw, from
 * X-Forwarded-For. An IPv6 client is its /64, the block one subscriber
 * gets: counting single IPv6 addresses would let one machine be a new
 * client with every upload.
 *
 * Settings (environment of the workers, read once):
 *   FF_UPLOAD_RATE        uploads per client per minute
 *                         (ABUSE_RATE_DEFAULT; 0 turns the limit off)
 *   FF_UPLOAD_CONCURRENT  uploads per client in the workers at once
 *                         (ABUSE_CONCURRENT_DEFAULT; 0 turns it off)
 *   FF_TRUSTED_PROXY      the proxies whose X-Forwarded-For is believed:
 *                         addresses or CIDR blocks, separated by commas
 *                         or spaces (none by default: behind a load
 *                         balancer every shopper would be its address)
 * Why the defaults: docs/ADMIN.md, "Upload limits".
 *
 * When the database fails, the limits let the upload through (logged):
 * the upload then fails on the database itself, with its own 503.
 */
#ifndef FF_APP_ABUSE_H
#define FF_APP_ABUSE_H
#include <time.h>

#include "core/err.h"
#include "store/throttle.h"

struct db;

#define ABUSE_RATE_DEFAULT		120
#define ABUSE_CONCURRENT_DEFAULT	2
/* An upload in the workers' hands for longer than this is a worker that
 * died mid-request (the CPU-time ceiling, framefit_fcgi.c, ends one far
 * sooner): it no longer counts. */
#define ABUSE_STALE_S			30
/* The Retry-After of a client over its concurrency: about one upload's
 * time in a worker. */
#define ABUSE_BUSY_RETRY_S		2
/* Bytes of a client key: "255.255.255.255" or an IPv6 /64 as
 * "xxxx:xxxx:xxxx:xxxx::/64". */
#define ABUSE_CLIENT_MAX		DB_CLIENT_MAX
/* Bytes of FF_TRUSTED_PROXY we read. */
#define ABUSE_TRUSTED_MAX		1024

struct abuse_limits {
	long	 rate;		/* uploads per client per minute; 0: none */
	long	 concurrent;	/* uploads per client at once; 0: none */
	char	 trusted[ABUSE_TRUSTED_MAX + 1];	/* FF_TRUSTED_PROXY */
};

/* The limits from the environment (above); a bad value is logged and
 * the default used. */
void		 abuse_limits_env(struct abuse_limits *);

/*
 * 1 if trusted (FF_TRUSTED_PROXY's syntax) is well formed, else 0 and
 * *bad points at the first item that is not an address or CIDR block.
 */
int		 abuse_trusted_valid(const char *trusted, const char **bad);

/*
 * The client key of a request into out: from remote (REMOTE_ADDR) or,
 * when remote is in trusted, from xff (X-Forwarded-For, may be NULL),
 * read from the right: the first address that is not a trusted proxy is
 * the client (the ones to its left are the client's own say). Returns 1,
 * or 0 when no address could be read: out is then "unknown", one client
 * for all such requests.
 */
int		 abuse_client(const char *remote, const char *xff,
		    const char *trusted, char out[ABUSE_CLIENT_MAX + 1]);

enum abuse_verdict {
	ABUSE_OK,	/* go ahead; abuse_leave() the slot when answered */
	ABUSE_RATE,	/* over the rate */
	ABUSE_BUSY	/* over the concurrency */
};

/*
 * Count an upload of client at now (the worker's clock, for the rate's
 * window): *v says whether it may go ahead and, when not, *retry_after
 * the seconds to wait. On ABUSE_OK, *slot (0 when the concurrency is not
 * limited) must be given to abuse_leave() once the upload is answered.
 * FF_EDB when the database failed (*v is then ABUSE_OK, *slot 0).
 */
enum ff_err	 abuse_enter(struct db *, const struct abuse_limits *,
		    const char *client, time_t now, enum abuse_verdict *v,
		    int *retry_after, long long *slot);
/* The upload of slot is answered. Best effort (logged). */
void		 abuse_leave(struct db *, long long slot);

#endif
