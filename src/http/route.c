/*
 * route.c: match a method and path against a table of patterns.
 */
#include <string.h>

#include "http/route.h"

static int
safe_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

unsigned
route_method(const char *m)
{
	if (m == NULL)
		return 0;
	if (strcmp(m, "GET") == 0)
		return ROUTE_GET;
	if (strcmp(m, "HEAD") == 0)
		return ROUTE_HEAD;
	if (strcmp(m, "POST") == 0)
		return ROUTE_POST;
	return 0;
}

const char *
route_allow(unsigned m)
{
	/* HEAD goes with GET: a GET route always serves HEAD. */
	if (m & ROUTE_GET)
		m |= ROUTE_HEAD;
	switch (m & (ROUTE_GET | ROUTE_HEAD | ROUTE_POST)) {
	case ROUTE_GET | ROUTE_HEAD:
		return "GET, HEAD";
	case ROUTE_GET | ROUTE_HEAD | ROUTE_POST:
		return "GET, HEAD, POST";
	case ROUTE_POST:
		return "POST";
	case ROUTE_HEAD:
		return "HEAD";
	case ROUTE_HEAD | ROUTE_POST:
		return "HEAD, POST";
	default:
		return "";
	}
}

/*
 * Match one path segment seg (seglen bytes, no '/') against one pattern
 * segment pat (patlen bytes). Returns 1 on a match and, for a capture,
 * stores it in p.
 */
static int
match_segment(const char *pat, size_t patlen, const char *seg, size_t seglen,
    struct route_params *p)
{
	const char	*close, *suffix;
	size_t		 suflen, caplen, i;

	if (patlen == 0 || pat[0] != '{')
		return patlen == seglen && memcmp(pat, seg, seglen) == 0;
	close = memchr(pat, '}', patlen);
	if (close == NULL || close == pat + 1 || p->n == ROUTE_MAX_PARAMS)
		return 0;
	suffix = close + 1;
	suflen = patlen - (size_t)(suffix - pat);
	if (seglen <= suflen ||
	    memcmp(seg + seglen - suflen, suffix, suflen) != 0)
		return 0;
	caplen = seglen - suflen;
	if (caplen > ROUTE_PARAM_MAX)
		return 0;
	for (i = 0; i < caplen; i++)
		if (!safe_char(seg[i]))
			return 0;
	p->name[p->n] = pat + 1;
	p->name_len[p->n] = (size_t)(close - pat - 1);
	memcpy(p->val[p->n], seg, caplen);
	p->val[p->n][caplen] = '\0';
	p->n++;
	return 1;
}

/* 1 if path matches pattern; captures go to p (reset first). */
static int
match(const char *pattern, const char *path, struct route_params *p)
{
	const char	*pe, *se;
	size_t		 pl, sl;

	p->n = 0;
	if (pattern[0] != '/' || path[0] != '/')
		return 0;
	pattern++;
	path++;
	for (;;) {
		pe = strchr(pattern, '/');
		se = strchr(path, '/');
		pl = pe ? (size_t)(pe - pattern) : strlen(pattern);
		sl = se ? (size_t)(se - path) : strlen(path);
		if (!match_segment(pattern, pl, path, sl, p))
			return 0;
		/* Both must end here, or both go on past a '/'. */
		if ((pe == NULL) != (se == NULL))
			return 0;
		if (pe == NULL)
			return 1;
		pattern = pe + 1;
		path = se + 1;
	}
}

enum ff_err
route_find(const struct route *tab, size_t n, const char *method,
    const char *path, const struct route **out, struct route_params *params,
    unsigned *allow)
{
	struct route_params	 tmp;
	unsigned		 m, found = 0;
	size_t			 i;

	if (allow != NULL)
		*allow = 0;
	if (path == NULL)
		return FF_ENOTFOUND;
	m = route_method(method);
	if (m == ROUTE_HEAD)
		m |= ROUTE_GET;
	for (i = 0; i < n; i++) {
		if (!match(tab[i].pattern, path, &tmp))
			continue;
		if (tab[i].methods & m) {
			*out = &tab[i];
			*params = tmp;
			return FF_OK;
		}
		found |= tab[i].methods;
	}
	if (found == 0)
		return FF_ENOTFOUND;
	if (allow != NULL)
		*allow = found;
	return FF_EMETHOD;
}

const char *
route_param(const struct route_params *p, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < p->n; i++)
		if (p->name_len[i] == len && memcmp(p->name[i], name, len) == 0)
			return p->val[i];
	return NULL;
}
