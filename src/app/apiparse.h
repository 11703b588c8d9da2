/*
 * apiparse.h: the pure input handling of the JSON API (api.c), kept apart
 * from the database and the image code so it can be unit-tested
 * (tests/check_apiparse.c) and fuzzed (tests/fuzz/fuzz_api.c) alone.
 *
 * Nothing here allocates or fails for lack of memory; every function
 * takes untrusted bytes (a header value, a query) and either accepts them
 * in full or refuses them.
 */
#ifndef FF_APP_APIPARSE_H
#define FF_APP_APIPARSE_H
#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "store/consent.h"

struct kv_list;

/*
 * An API key: "ffk_" and 32 characters of base64url (RFC 4648 §5), that
 * is 24 random bytes (192 bits). Only its SHA-256 is stored.
 */
#define API_KEY_PREFIX		"ffk_"
#define API_KEY_LEN		36
/* The part shown by `framefit apikey list` to tell keys apart:
 * "ffk_" and the first 6 random characters (36 bits, not a secret). */
#define API_KEY_SHOWN		10
/* The longest bearer token we read before refusing the header. */
#define API_TOKEN_MAX		256

/* Calls per key per minute when FF_API_RATE is not set. */
#define API_RATE_DEFAULT	120
/* The rate limit's fixed window, seconds. */
#define API_RATE_WINDOW_S	60

/* Bytes of an API key name (api_keys.name is VARCHAR(80)). */
#define API_NAME_MAX		80

/*
 * The credentials of an Authorization header value (RFC 9110 §11.6.2):
 * the scheme "Bearer" in any case, one or more spaces, and a b64token
 * (RFC 6750 §2.1: ALPHA DIGIT - . _ ~ + / followed by any '='), with
 * optional trailing spaces. On FF_OK the token is copied to tok
 * (NUL-terminated; tok holds API_TOKEN_MAX + 1 bytes). FF_EAUTH for
 * NULL, another scheme, a missing or malformed token or one longer than
 * API_TOKEN_MAX; *why then says which (static).
 */
enum ff_err	 api_bearer(const char *authz, char tok[API_TOKEN_MAX + 1],
		    const char **why);

/* 1 if s has the shape of one of our keys (API_KEY_PREFIX + 32 base64url),
 * so a token that cannot be ours costs no database lookup. */
int		 api_key_shape(const char *s);

/* Format 24 random bytes as a key (API_KEY_LEN characters + NUL). */
void		 api_key_format(const unsigned char raw[24],
		    char out[API_KEY_LEN + 1]);

/* What a request body holds, by its Content-Type (RFC 9110 §8.3). */
enum api_body {
	API_BODY_NONE = 0,	/* no Content-Type */
	API_BODY_MULTIPART,	/* multipart/form-data: the field "photo" */
	API_BODY_IMAGE,		/* image/<anything>: the body is the photo */
	API_BODY_OTHER		/* anything else: 415 */
};
enum api_body	 api_body_kind(const char *content_type);

/*
 * The query of POST /api/v1/tryon: frame=SKU (required, [A-Za-z0-9-]{1,32})
 * and pd_mm as api_pd_arg() takes it.
 * FF_EINPUT with *why (static) for a missing or malformed value.
 */
enum ff_err	 api_tryon_args(const struct kv_list *args, char sku[33],
		    double *pd_mm, const char **why);

/*
 * The query parameter pd_mm of detect and tryon (optional: empty or
 * absent is 0, the default PD; otherwise a plain decimal number of
 * millimetres in FRAME_PD_MIN_MM..MAX, rounded to 0.1). FF_EINPUT with
 * *why (static) and *pd_mm 0 for anything else.
 */
enum ff_err	 api_pd_arg(const struct kv_list *args, double *pd_mm,
		    const char **why);

/*
 * The consent of POST /api/v1/tryon (app/consent.h): consent=newsletter
 * with consent_wording=VERSION, the version of the text the shop showed
 * (consent_wording_valid()), copied to wording; neither (or consent
 * empty) is no consent, wording "". FF_EINPUT with *why (static) and
 * wording "" for another consent, a missing or malformed version, or a
 * version without consent=newsletter.
 */
enum ff_err	 api_consent_arg(const struct kv_list *args,
		    char wording[CONSENT_WORDING_MAX + 1], const char **why);

/*
 * 1 if an Accept header value (RFC 9110 §12.5.1) prefers image/png to
 * image/jpeg: png is named (directly, not through image/ or wildcard)
 * with q > 0, and jpeg's q, counting image/ and wildcard ranges, is
 * lower. Otherwise 0 (JPEG, the default). NULL is 0.
 */
int		 api_wants_png(const char *accept);

/*
 * The per-minute limit from FF_API_RATE's value: a whole number
 * 0..1000000 (0 turns the limit off); NULL or empty gives
 * API_RATE_DEFAULT; anything else is -1 (the caller logs it and uses the
 * default).
 */
long		 api_rate_parse(const char *s);

/* The window a moment falls in, and the whole seconds until the next
 * one starts (1..API_RATE_WINDOW_S), for Retry-After (RFC 9110 §10.2.3). */
long long	 api_rate_window(time_t now);
int		 api_retry_after(time_t now);

/*
 * 1 if s is a usable key name: 1..API_NAME_MAX bytes of printable ASCII
 * (space to '~'), not only digits (so `apikey revoke NAME|ID` can tell
 * the two apart), without leading or trailing spaces.
 */
int		 api_name_valid(const char *s);

#endif
