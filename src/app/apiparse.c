/*
 * apiparse.c: the pure input handling of the JSON API (see apiparse.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/apiparse.h"
#include "app/consent.h"
#include "http/accept.h"
#include "http/query.h"
#include "render/frames.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
is_b64u(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
static int
is_b64token(unsigned char c)
{
	return is_b64u(c) || c == '.' || c == '~' || c == '+' || c == '/';
}

enum ff_err
api_bearer(const char *s, char tok[API_TOKEN_MAX + 1], const char **why)
{
	const char	*dummy;
	size_t		 n = 0, eq = 0;

	if (why == NULL)
		why = &dummy;
	tok[0] = '\0';
	if (s == NULL || *s == '\0') {
		*why = "an API key is required: send \"Authorization: Bearer "
		    "<key>\"";
		return FF_EAUTH;
	}
	/* The auth-scheme is case-insensitive (RFC 9110 §11.1). */
	if (strncasecmp(s, "Bearer", 6) != 0 ||
	    (s[6] != ' ' && s[6] != '\t' && s[6] != '\0')) {
		*why = "the Authorization header must use the Bearer scheme";
		return FF_EAUTH;
	}
	s += 6;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; is_b64token((unsigned char)s[n]); n++)
		if (n >= API_TOKEN_MAX)
			goto bad;
	/* Padding only at the end. */
	while (s[n + eq] == '=')
		if (n + ++eq > API_TOKEN_MAX)
			goto bad;
	if (n == 0)
		goto bad;
	n += eq;
	memcpy(tok, s, n);
	tok[n] = '\0';
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0') {
		tok[0] = '\0';
		goto bad;
	}
	return FF_OK;
bad:
	*why = "the Authorization header does not hold a well-formed bearer "
	    "token";
	return FF_EAUTH;
}

int
api_key_shape(const char *s)
{
	size_t i, plen = sizeof(API_KEY_PREFIX) - 1;

	if (s == NULL || strncmp(s, API_KEY_PREFIX, plen) != 0)
		return 0;
	for (i = plen; i < API_KEY_LEN; i++)
		if (!is_b64u((unsigned char)s[i]))
			return 0;
	return s[API_KEY_LEN] == '\0';
}

void
api_key_format(const unsigned char raw[24], char out[API_KEY_LEN + 1])
{
	size_t	 i, o = sizeof(API_KEY_PREFIX) - 1;
	unsigned v;

	memcpy(out, API_KEY_PREFIX, o);
	/* RFC 4648 §5; 24 bytes are 32 characters, no padding. */
	for (i = 0; i < 24; i += 3) {
		v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
}

/* 1 if the media type of Content-Type value ct (RFC 9110 §8.3.1: type
 * "/" subtype, case-insensitive, then optional ";" parameters) has the
 * given prefix: the whole type when it ends without '/', else the
 * type and any subtype. */
static int
media_is(const char *ct, const char *type)
{
	size_t	len = strlen(type);
	int	any_sub = len > 0 && type[len - 1] == '/';

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, len) != 0)
		return 0;
	ct += len;
	if (any_sub) {
		/* A subtype is a token: at least one character. */
		if (*ct == '\0' || *ct == ';' || *ct == ' ' || *ct == '\t')
			return 0;
		while (*ct != '\0' && *ct != ';' && *ct != ' ' && *ct != '\t')
			ct++;
	}
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

enum api_body
api_body_kind(const char *ct)
{
	if (ct == NULL || *ct == '\0')
		return API_BODY_NONE;
	if (media_is(ct, "multipart/form-data"))
		return API_BODY_MULTIPART;
	if (media_is(ct, "image/"))
		return API_BODY_IMAGE;
	return API_BODY_OTHER;
}

static int
sku_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 32 || !(is_b64u((unsigned char)s[i]) && s[i] != '_'))
			return 0;
	return i > 0;
}

enum ff_err
api_tryon_args(const struct kv_list *args, char sku[33], double *pd_mm,
    const char **why)
{
	const char	*s = kv_get(args, "frame"), *dummy;

	if (why == NULL)
		why = &dummy;
	sku[0] = '\0';
	*pd_mm = 0;
	if (s == NULL || *s == '\0') {
		*why = "the query parameter \"frame\" (a SKU from GET "
		    "/api/v1/frames) is required";
		return FF_EINPUT;
	}
	if (!sku_ok(s)) {
		*why = "\"frame\" must be a SKU: 1 to 32 of A-Z a-z 0-9 -";
		return FF_EINPUT;
	}
	strcpy(sku, s);
	if (api_pd_arg(args, pd_mm, why) != FF_OK) {
		sku[0] = '\0';
		return FF_EINPUT;
	}
	return FF_OK;
}

enum ff_err
api_pd_arg(const struct kv_list *args, double *pd_mm, const char **why)
{
	const char	*s = kv_get(args, "pd_mm"), *dummy;
	char		*end;
	double		 v;

	if (why == NULL)
		why = &dummy;
	*pd_mm = 0;
	if (s == NULL || *s == '\0')
		return FF_OK;
	errno = 0;
	v = strtod(s, &end);
	/* strtod takes leading spaces, hex and "inf": only plain decimals
	 * are a PD. */
	if (errno != 0 || *end != '\0' || !isfinite(v) ||
	    strspn(s, "0123456789.") != strlen(s) ||
	    v < FRAME_PD_MIN_MM || v > FRAME_PD_MAX_MM) {
		*why = "\"pd_mm\" must be a pupillary distance in millimetres "
		    "between 50 and 80";
		return FF_EINPUT;
	}
	*pd_mm = round(v * 10) / 10;
	return FF_OK;
}

enum ff_err
api_consent_arg(const struct kv_list *args,
    char wording[CONSENT_WORDING_MAX + 1], const char **why)
{
	const char	*c = kv_get(args, "consent"), *dummy;
	const char	*w = kv_get(args, "consent_wording");

	if (why == NULL)
		why = &dummy;
	wording[0] = '\0';
	if (c == NULL || *c == '\0') {
		if (w == NULL || *w == '\0')
			return FF_OK;
		*why = "\"consent_wording\" goes with consent=newsletter";
		return FF_EINPUT;
	}
	if (strcmp(c, CONSENT_NEWSLETTER) != 0) {
		*why = "\"consent\" must be \"newsletter\" (the only purpose)";
		return FF_EINPUT;
	}
	if (!consent_wording_valid(w)) {
		*why = "consent=newsletter needs \"consent_wording\": the "
		    "version of the text the shopper agreed to, 1 to 32 of "
		    "A-Z a-z 0-9 . _ -";
		return FF_EINPUT;
	}
	strcpy(wording, w);
	return FF_OK;
}

int
api_wants_png(const char *accept)
{
	int png, jpeg;

	if (accept == NULL)
		return 0;
	png = accept_q(accept, "image", "png", 1);
	jpeg = accept_q(accept, "image", "jpeg", 0);
	return png > 0 && png > jpeg;
}

long
api_rate_parse(const char *s)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0')
		return API_RATE_DEFAULT;
	if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 7)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 1000000)
		return -1;
	return v;
}

long long
api_rate_window(time_t now)
{
	return (long long)now / API_RATE_WINDOW_S;
}

int
api_retry_after(time_t now)
{
	return API_RATE_WINDOW_S - (int)((long long)now % API_RATE_WINDOW_S);
}

int
api_name_valid(const char *s)
{
	size_t	i;
	int	digits = 1;

	if (s == NULL || *s == '\0' || *s == ' ')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= API_NAME_MAX || (unsigned char)s[i] < ' ' ||
		    (unsigned char)s[i] > '~')
			return 0;
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	}
	return !digits && s[i - 1] != ' ';
}
