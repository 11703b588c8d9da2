/*
 * query.h: key/value inputs of a request that are not multipart: the
 * query string, application/x-www-form-urlencoded bodies and the Cookie
 * header; and the matching encoder for building links.
 *
 *	struct kv_list q;
 *
 *	kv_init(&q);
 *	if ((er = kv_parse_query(&q, qs, strlen(qs), NULL)) != FF_OK)
 *		log kv_errmsg(&q);
 *	else
 *		sku = kv_get(&q, "sku");
 *	kv_free(&q);
 */
#ifndef FF_HTTP_QUERY_H
#define FF_HTTP_QUERY_H
#include <stddef.h>

#include "core/err.h"

struct buf;

/* A field left 0 takes the default shown; NULL takes all defaults. */
struct kv_limits {
	size_t	 max_pairs;	/* pairs per parse call (64) */
	size_t	 max_key;	/* bytes of a decoded key (64) */
	size_t	 max_val;	/* bytes of a decoded value (4096) */
};

/* One decoded pair; both strings are owned by the list, never NULL. */
struct kv {
	char	*key;
	char	*val;
};

/*
 * Pairs in input order. Duplicates are kept; kv_get() returns the first.
 * The list owns every string; kv_free() releases all of it.
 */
struct kv_list {
	struct kv	*v;
	size_t		 n;		/* pairs in v */
	size_t		 cap;		/* slots allocated in v */
	char		 msg[128];	/* why the last parse failed, or "" */
};

void		 kv_init(struct kv_list *);
void		 kv_free(struct kv_list *);

/*
 * Append the pairs of a query string or an x-www-form-urlencoded body
 * (WHATWG URL §5.1: split on '&', then at the first '='; '+' is a space;
 * %XX is a byte). s is len bytes and need not be NUL-terminated; a
 * leading '?' is not expected. Empty pieces ("a=1&&b=2") are skipped; a
 * piece without '=' has the value "".
 * Returns FF_OK, or FF_EINPUT for a bad %-escape, a NUL byte (raw or
 * %00), or a limit exceeded; then the list is as it was before the call
 * and kv_errmsg() says why. lim may be NULL.
 */
enum ff_err	 kv_parse_query(struct kv_list *, const char *s, size_t len,
		    const struct kv_limits *lim);

/*
 * Append the pairs of a Cookie header value, "a=b; c=d" (RFC 6265
 * §4.2.1, §5.4). Names and values are taken as sent (no %-decoding;
 * surrounding whitespace is trimmed and a value in DQUOTEs is unquoted);
 * pieces without '=' or with an empty name are skipped, as RFC 6265
 * §5.2 skips them. Returns FF_OK, or FF_EINPUT for a limit exceeded
 * (then the list is unchanged). s may be NULL (no header).
 */
enum ff_err	 kv_parse_cookie(struct kv_list *, const char *s,
		    const struct kv_limits *lim);

/* The value of the first pair whose key is exactly key, or NULL. */
const char	*kv_get(const struct kv_list *, const char *key);

/* Why the last parse into this list failed, or "". */
const char	*kv_errmsg(const struct kv_list *);

/*
 * Append s to b percent-encoded for use as a query key or value or a
 * path segment: every byte outside RFC 3986 §2.3 unreserved
 * (ALPHA DIGIT - . _ ~) becomes %XX (uppercase hex), so a space is %20.
 */
void		 url_encode(struct buf *b, const char *s);

#endif
