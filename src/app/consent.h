/*
 * consent.h: keeping a just-stored photo with the shopper's consent to the
 * shop's e-mails, the one way the upload form (shop.c) and the API
 * (api.c) both record it. The rules and the statements: store/consent.h.
 */
#ifndef FF_APP_CONSENT_H
#define FF_APP_CONSENT_H

#include <string.h>

#include "core/err.h"
#include "store/consent.h"

struct db;
struct http_req;
struct upload_row;

/*
 * 1 if s can name the version of a consent text: 1..CONSENT_WORDING_MAX
 * bytes of A-Z a-z 0-9 . _ - (what upload_consents.wording holds, and
 * safe to show in a report or a log line). Inline, so the API's pure
 * query parser (apiparse.c) shares it without the database code.
 */
static inline int
consent_wording_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	return n >= 1 && n <= CONSENT_WORDING_MAX &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

/*
 * Keep the photo u (stored by this request, with a face) for the
 * newsletter under the consent to the text version wording, for
 * FF_CONSENT_DAYS days (app/purge.h). The consent goes with the photo or
 * neither stays: when it cannot be recorded the photo is deleted, so a
 * photo the shopper believes kept for e-mails is never kept for a day
 * (or the other way round). *expires (may be NULL): the photo's new
 * expiry, Unix seconds. FF_OK, or the error to answer (a database
 * error, or FF_ECONFIG for one that is a bug: a bad wording or period);
 * logged with the request id.
 */
enum ff_err	 consent_keep(struct db *, const struct http_req *,
		    const struct upload_row *u, const char *wording,
		    long long *expires);

#endif
