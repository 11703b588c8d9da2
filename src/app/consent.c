/*
 * consent.c: keeping a photo with the shopper's consent (see consent.h).
 */
#include "app/consent.h"
#include "app/purge.h"
#include "http/request.h"
#include "store/consent.h"
#include "store/records.h"

enum ff_err
consent_keep(struct db *db, const struct http_req *r,
    const struct upload_row *u, const char *wording, long long *expires)
{
	enum ff_err er;

	if (!consent_wording_valid(wording))
		er = FF_EINPUT;
	else
		er = db_consent_give(db, u->id, CONSENT_NEWSLETTER, wording,
		    purge_consent_days(), expires);
	if (er == FF_OK)
		return FF_OK;
	req_log(r, "consent for upload %lld not recorded: %s", u->id,
	    ff_strerror(er));
	if (db_upload_delete(db, u->token) != FF_OK)
		req_log(r, "upload %lld left to expire in 24 hours", u->id);
	/* The photo was stored a moment ago by this request: a refusal
	 * here is ours, not the shopper's. */
	return er == FF_EINPUT || er == FF_ENOTFOUND ? FF_ECONFIG : er;
}
