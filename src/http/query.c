/*
 * query.c: query strings, urlencoded bodies and Cookie headers into a
 * struct kv_list; url_encode() for the way back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "http/query.h"

static const struct kv_limits kv_defaults = {
	.max_pairs = 64,
	.max_key = 64,
	.max_val = 4096,
};

static struct kv_limits
limits(const struct kv_limits *lim)
{
	struct kv_limits l = kv_defaults;

	if (lim != NULL) {
		if (lim->max_pairs)
			l.max_pairs = lim->max_pairs;
		if (lim->max_key)
			l.max_key = lim->max_key;
		if (lim->max_val)
			l.max_val = lim->max_val;
	}
	return l;
}

void
kv_init(struct kv_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
	l->msg[0] = '\0';
}

/* Drop pairs from index keep on: undoes a failed parse call. */
static void
truncate_to(struct kv_list *l, size_t keep)
{
	while (l->n > keep) {
		l->n--;
		free(l->v[l->n].key);
		free(l->v[l->n].val);
	}
}

void
kv_free(struct kv_list *l)
{
	truncate_to(l, 0);
	free(l->v);
	kv_init(l);
}

static enum ff_err
fail(struct kv_list *l, size_t keep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ff_err
fail(struct kv_list *l, size_t keep, const char *fmt, ...)
{
	va_list ap;

	truncate_to(l, keep);
	va_start(ap, fmt);
	vsnprintf(l->msg, sizeof(l->msg), fmt, ap);
	va_end(ap);
	return FF_EINPUT;
}

/* Takes ownership of key and val. */
static void
push(struct kv_list *l, char *key, char *val)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].key = key;
	l->v[l->n].val = val;
	l->n++;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode n bytes of s ('+' -> SP, %XX -> byte) into out (reset first).
 * Returns 0, or -1 for a bad escape or a NUL byte.
 */
static int
decode(struct buf *out, const char *s, size_t n)
{
	size_t i;
	int hi, lo;
	char c;

	buf_reset(out);
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return -1;
		buf_putc(out, c);
	}
	return 0;
}

enum ff_err
kv_parse_query(struct kv_list *l, const char *s, size_t len,
    const struct kv_limits *lim)
{
	struct kv_limits lm = limits(lim);
	struct buf k, v;
	const char *p, *end, *amp, *eq;
	size_t keep = l->n, npairs = 0;
	enum ff_err er = FF_OK;

	buf_init(&k);
	buf_init(&v);
	l->msg[0] = '\0';
	if (len == 0)
		goto out;
	p = s;
	end = s + len;
	for (;;) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			goto next;	/* empty piece */
		if (++npairs > lm.max_pairs) {
			er = fail(l, keep, "more than %zu parameters",
			    lm.max_pairs);
			goto out;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (decode(&k, p, (size_t)(eq - p)) < 0 ||
		    decode(&v, eq + (eq < amp), (size_t)(amp - eq) -
		    (eq < amp)) < 0) {
			er = fail(l, keep, "parameter %zu has a malformed "
			    "%%-escape or a NUL byte", npairs);
			goto out;
		}
		if (k.len > lm.max_key) {
			er = fail(l, keep, "parameter %zu has a name longer "
			    "than %zu bytes", npairs, lm.max_key);
			goto out;
		}
		if (v.len > lm.max_val) {
			er = fail(l, keep, "parameter %zu has a value longer "
			    "than %zu bytes", npairs, lm.max_val);
			goto out;
		}
		/* Empty appends: NUL-terminated even if nothing was decoded. */
		buf_append(&k, "", 0);
		buf_append(&v, "", 0);
		push(l, buf_steal(&k, NULL), buf_steal(&v, NULL));
next:
		if (amp == end)
			break;
		p = amp + 1;
	}
out:
	buf_free(&k);
	buf_free(&v);
	return er;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

enum ff_err
kv_parse_cookie(struct kv_list *l, const char *s, const struct kv_limits *lim)
{
	struct kv_limits lm = limits(lim);
	const char *p, *semi, *eq, *kb, *ke, *vb, *ve;
	size_t keep = l->n, npairs = 0;

	l->msg[0] = '\0';
	if (s == NULL)
		return FF_OK;
	for (p = s; ; p = semi + 1) {
		if ((semi = strchr(p, ';')) == NULL)
			semi = p + strlen(p);
		if ((eq = memchr(p, '=', (size_t)(semi - p))) == NULL)
			goto next;	/* RFC 6265 §5.2: ignore it */
		for (kb = p; kb < eq && is_ows(*kb); kb++)
			continue;
		for (ke = eq; ke > kb && is_ows(ke[-1]); ke--)
			continue;
		for (vb = eq + 1; vb < semi && is_ows(*vb); vb++)
			continue;
		for (ve = semi; ve > vb && is_ows(ve[-1]); ve--)
			continue;
		if (kb == ke)
			goto next;	/* empty name */
		/* RFC 6265 §4.1.1: cookie-value may be in DQUOTEs. */
		if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
			vb++;
			ve--;
		}
		if (++npairs > lm.max_pairs)
			return fail(l, keep, "more than %zu cookies",
			    lm.max_pairs);
		if ((size_t)(ke - kb) > lm.max_key)
			return fail(l, keep, "cookie %zu has a name longer "
			    "than %zu bytes", npairs, lm.max_key);
		if ((size_t)(ve - vb) > lm.max_val)
			return fail(l, keep, "cookie %zu has a value longer "
			    "than %zu bytes", npairs, lm.max_val);
		push(l, xstrndup(kb, (size_t)(ke - kb)),
		    xstrndup(vb, (size_t)(ve - vb)));
next:
		if (*semi == '\0')
			break;
	}
	return FF_OK;
}

const char *
kv_get(const struct kv_list *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

const char *
kv_errmsg(const struct kv_list *l)
{
	return l->msg;
}

void
url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_putc(b, (char)c);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xf];
		buf_append(b, esc, 3);
	}
}
