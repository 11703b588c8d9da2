/*
 * abuse.c: per-client limits on anonymous uploads (see abuse.h).
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/abuse.h"
#include "app/apiparse.h"
#include "core/setting.h"
#include "store/throttle.h"

/* An address as 16 bytes: IPv4 as its IPv4-mapped IPv6 form (RFC 4291
 * §2.5.5.2), so one comparison serves both families. */
struct addr {
	unsigned char	 b[16];
};

static int
is_v4(const struct addr *a)
{
	static const unsigned char pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	return memcmp(a->b, pre, 12) == 0;
}

/* Parse an address of len bytes: "1.2.3.4", "::1", and the forms
 * proxies write into X-Forwarded-For: "[v6]", "[v6]:port", "1.2.3.4:port".
 * Returns 1 or 0. */
static int
addr_parse(const char *s, size_t len, struct addr *a)
{
	char		 t[64];
	const char	*c;
	unsigned char	 v4[4];

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len > 0 && *s == '[') {
		if ((c = memchr(s, ']', len)) == NULL)
			return 0;
		s++;
		len = (size_t)(c - s);
	} else if ((c = memchr(s, ':', len)) != NULL && memchr(c + 1, ':',
	    len - (size_t)(c + 1 - s)) == NULL)
		len = (size_t)(c - s);	/* IPv4 and a port */
	if (len == 0 || len >= sizeof(t))
		return 0;
	memcpy(t, s, len);
	t[len] = '\0';
	if (inet_pton(AF_INET, t, v4) == 1) {
		memset(a->b, 0, 10);
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, v4, 4);
		return 1;
	}
	return inet_pton(AF_INET6, t, a->b) == 1;
}

/* 1 if the first bits of a and b are equal. */
static int
prefix_eq(const struct addr *a, const struct addr *b, int bits)
{
	int	i;

	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a->b[i] != b->b[i])
			return 0;
	return bits == 0 ||
	    ((a->b[i] ^ b->b[i]) & (0xff << (8 - bits)) & 0xff) == 0;
}

/*
 * Walk trusted's items ("addr" or "addr/bits", separated by commas or
 * blanks). With a, 1 if a is in one of them; without, 1 if all are well
 * formed (*bad, may be NULL, then points at the first that is not).
 */
static int
trusted_walk(const char *trusted, const struct addr *a, const char **bad)
{
	static const char	 sep[] = ", \t";
	struct addr		 net;
	const char		*p = trusted, *slash;
	char			*end;
	size_t			 n;
	long			 bits;

	if (bad != NULL)
		*bad = NULL;
	if (p == NULL)
		return a == NULL;
	for (p += strspn(p, sep); *p != '\0'; p += n, p += strspn(p, sep)) {
		n = strcspn(p, sep);
		slash = memchr(p, '/', n);
		if (!addr_parse(p, slash != NULL ? (size_t)(slash - p) : n,
		    &net))
			goto bad;
		bits = 128;
		if (slash != NULL) {
			bits = strtol(slash + 1, &end, 10);
			if (end != p + n || end == slash + 1 || bits < 0 ||
			    bits > (is_v4(&net) ? 32 : 128))
				goto bad;
			if (is_v4(&net))
				bits += 96;
		}
		if (a != NULL && prefix_eq(a, &net, (int)bits))
			return 1;
		continue;
bad:
		if (a == NULL) {
			if (bad != NULL)
				*bad = p;
			return 0;
		}
	}
	return a == NULL;
}

int
abuse_trusted_valid(const char *trusted, const char **bad)
{
	return trusted_walk(trusted, NULL, bad);
}

int
abuse_client(const char *remote, const char *xff, const char *trusted,
    char out[ABUSE_CLIENT_MAX + 1])
{
	struct addr	 a, h;
	const char	*end, *c;
	char		 t[INET6_ADDRSTRLEN];

	if (remote == NULL || !addr_parse(remote, strlen(remote), &a)) {
		snprintf(out, ABUSE_CLIENT_MAX + 1, "unknown");
		return 0;
	}
	/* Each proxy appends the address it saw (the rightmost is our
	 * trusted proxy's peer); stop at the first we do not trust. An item
	 * that is not an address ends the walk at the last good one. */
	if (xff != NULL && trusted_walk(trusted, &a, NULL)) {
		end = xff + strlen(xff);
		while (end > xff) {
			for (c = end; c > xff && c[-1] != ','; c--)
				continue;
			if (!addr_parse(c, (size_t)(end - c), &h))
				break;
			a = h;
			if (!trusted_walk(trusted, &a, NULL))
				break;
			end = c > xff ? c - 1 : c;
		}
	}
	if (is_v4(&a))
		inet_ntop(AF_INET, a.b + 12, t, sizeof(t));
	else {
		memset(a.b + 8, 0, 8);
		inet_ntop(AF_INET6, a.b, t, sizeof(t));
	}
	snprintf(out, ABUSE_CLIENT_MAX + 1, "%s%s", t, is_v4(&a) ? "" : "/64");
	return 1;
}

void
abuse_limits_env(struct abuse_limits *l)
{
	const char *s = getenv("FF_TRUSTED_PROXY"), *bad;

	l->rate = (long)setting_num("FF_UPLOAD_RATE", ABUSE_RATE_DEFAULT, 0,
	    1000000);
	l->concurrent = (long)setting_num("FF_UPLOAD_CONCURRENT",
	    ABUSE_CONCURRENT_DEFAULT, 0, 1000000);
	l->trusted[0] = '\0';
	if (s == NULL)
		return;
	if (strlen(s) > ABUSE_TRUSTED_MAX)
		fprintf(stderr, "framefit: FF_TRUSTED_PROXY is longer than %d "
		    "bytes; trusting no proxy\n", ABUSE_TRUSTED_MAX);
	else if (!abuse_trusted_valid(s, &bad))
		fprintf(stderr, "framefit: FF_TRUSTED_PROXY: \"%.40s\" is not "
		    "an address or CIDR block; trusting no proxy\n", bad);
	else
		snprintf(l->trusted, sizeof(l->trusted), "%s", s);
}

enum ff_err
abuse_enter(struct db *db, const struct abuse_limits *l, const char *client,
    time_t now, enum abuse_verdict *v, int *retry_after, long long *slot)
{
	long long	 win = api_rate_window(now), n = 0, before = 0;
	enum ff_err	 er;

	*v = ABUSE_OK;
	*retry_after = 0;
	*slot = 0;
	/* Every attempt counts against the rate, refused ones too: a client
	 * that keeps knocking while busy waits out its minute. */
	if (l->rate > 0) {
		if ((er = db_upload_rate_bump(db, client, win, &n)) != FF_OK)
			return er;
		/* A client's first upload of a window clears every older
		 * window, and the dead workers' rows with them: both tables
		 * stay as small as the last minute's clients. */
		if (n == 1 && (db_upload_rate_prune(db, win) != FF_OK ||
		    db_upload_inflight_prune(db, ABUSE_STALE_S) != FF_OK))
			fprintf(stderr, "framefit: old upload limit rows not "
			    "deleted\n");
		if (n > l->rate) {
			*v = ABUSE_RATE;
			*retry_after = api_retry_after(now);
			return FF_OK;
		}
	}
	if (l->concurrent > 0) {
		if ((er = db_upload_inflight_add(db, client, ABUSE_STALE_S, slot,
		    &before)) != FF_OK) {
			if (*slot != 0)
				abuse_leave(db, *slot);
			*slot = 0;
			return er;
		}
		/* Without the rate's pruning, the dead workers' rows go
		 * now and then. */
		if (l->rate == 0 && *slot % 256 == 0 &&
		    db_upload_inflight_prune(db, ABUSE_STALE_S) != FF_OK)
			fprintf(stderr, "framefit: old upload slots not "
			    "deleted\n");
		if (before >= l->concurrent) {
			abuse_leave(db, *slot);
			*slot = 0;
			*v = ABUSE_BUSY;
			*retry_after = ABUSE_BUSY_RETRY_S;
		}
	}
	return FF_OK;
}

void
abuse_leave(struct db *db, long long slot)
{
	if (slot != 0 && db_upload_inflight_del(db, slot) != FF_OK)
		fprintf(stderr, "framefit: upload slot %lld not released; it "
		    "expires in %d s\n", slot, ABUSE_STALE_S);
}
