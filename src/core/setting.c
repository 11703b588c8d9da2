/*
 * setting.c: numbers, switches and origins from the environment (see
 * setting.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/setting.h"

double
setting_num(const char *name, double def, double lo, double hi)
{
	const char	*s = getenv(name);
	char		*end;
	double		 v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v < lo || v > hi) {
		fprintf(stderr, "framefit: %s=\"%s\" is not a number from %g to "
		    "%g; using %g\n", name, s, lo, hi, def);
		return def;
	}
	return v;
}

int
setting_flag(const char *name, int def)
{
	static const char *const on[] = { "1", "on", "yes", "true" };
	static const char *const off[] = { "0", "off", "no", "false" };
	const char	*s = getenv(name);
	size_t		 i;

	if (s == NULL || *s == '\0')
		return def;
	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (strcasecmp(s, on[i]) == 0)
			return 1;
		if (strcasecmp(s, off[i]) == 0)
			return 0;
	}
	fprintf(stderr, "framefit: %s=\"%s\" is not 1 or 0 (on or off); using "
	    "%d\n", name, s, def);
	return def;
}

/* An RFC 3986 §3.2.2 reg-name as DNS writes it: letters, digits, dots
 * and hyphens, a label never starting or ending with either. */
static size_t
host_len(const char *s)
{
	size_t	 i;

	if (*s == '[') {	/* an IPv6 literal: hex digits, ':' and '.' */
		for (i = 1; isxdigit((unsigned char)s[i]) || s[i] == ':' ||
		    s[i] == '.'; i++)
			;
		return s[i] == ']' && i > 2 ? i + 1 : 0;
	}
	for (i = 0; isalnum((unsigned char)s[i]) || s[i] == '.' ||
	    s[i] == '-'; i++)
		if ((s[i] == '.' || s[i] == '-') && (i == 0 ||
		    s[i - 1] == '.' || (s[i] == '.' && s[i - 1] == '-')))
			return 0;
	if (i == 0 || s[i - 1] == '.' || s[i - 1] == '-')
		return 0;
	return i;
}

int
setting_origin(const char *s, char out[SETTING_ORIGIN_MAX + 1],
    const char **rest)
{
	const char	*p;
	size_t		 n, h, i;
	long		 port = 0, def;

	if (strncasecmp(s, "https://", 8) == 0) {
		n = 8;
		def = 443;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		n = 7;
		def = 80;
	} else
		return 0;
	if ((h = host_len(s + n)) == 0 || n + h > SETTING_ORIGIN_MAX - 6)
		return 0;
	p = s + n + h;
	if (*p == ':') {
		for (i = 1; isdigit((unsigned char)p[i]) && i <= 5; i++)
			port = port * 10 + (p[i] - '0');
		if (i == 1 || isdigit((unsigned char)p[i]) || port < 1 ||
		    port > 65535)
			return 0;
		/* The default port is no part of the serialised origin. */
		if (port == def)
			port = 0;
		p += i;
	}
	for (i = 0; i < n + h; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
	if (port != 0)
		snprintf(out + i, SETTING_ORIGIN_MAX + 1 - i, ":%ld", port);
	if (rest != NULL)
		*rest = p;
	return 1;
}

enum ff_err
setting_origins(const char *name, char *out, size_t len)
{
	const char	*s = getenv(name), *p, *rest;
	char		 o[SETTING_ORIGIN_MAX + 1];
	size_t		 used = 0, n, wl;

	if (len > 0)
		out[0] = '\0';
	if (s == NULL)
		return FF_OK;
	for (p = s; *p != '\0'; p += wl) {
		if (*p == ' ' || *p == '\t') {
			wl = 1;
			continue;
		}
		wl = strcspn(p, " \t");
		if (!setting_origin(p, o, &rest) || rest != p + wl) {
			fprintf(stderr, "framefit: %s: \"%.*s\" is not an origin: "
			    "write scheme://host[:port] (http or https, no path, "
			    "no trailing '/'), several separated by spaces\n",
			    name, wl > 80 ? 80 : (int)wl, p);
			goto fail;
		}
		n = strlen(o);
		if (used + (used > 0) + n + 1 > len) {
			fprintf(stderr, "framefit: %s is longer than %zu bytes\n",
			    name, len - 1);
			goto fail;
		}
		if (used > 0)
			out[used++] = ' ';
		memcpy(out + used, o, n + 1);
		used += n;
	}
	return FF_OK;
fail:
	/* Nothing half-read: the caller's list stays empty. */
	if (len > 0)
		out[0] = '\0';
	return FF_ECONFIG;
}
