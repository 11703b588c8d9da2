/*
 * consent.h: a shopper's consent to keep their photo for the shop's
 * e-mails (sql/080_consent.sql), and the photos kept with it.
 *
 * The rules. Consent is per upload, optional, and given on the upload
 * form (the box is unticked until the shopper ticks it). A photo kept
 * with consent expires CONSENT_DAYS after it was stored (the operator's
 * FF_CONSENT_DAYS, app/purge.h) instead of after UPLOAD_TTL_S, and the
 * general retention (FF_RETENTION_DAYS) does not cut it short; the purge
 * removes it at the end of that period (store/purge.h). Withdrawing
 * returns the photo to the normal rule: it expires UPLOAD_TTL_S after it
 * was stored, which for a photo older than that is at once, and then it
 * is deleted in the same transaction. From the moment of withdrawal no
 * batch job uses it (db_consent_photo() checks each time).
 *
 * framefit holds no e-mail address: the shop knows which customer an
 * upload's token belongs to, and the newsletter's JPEGs are named by it.
 *
 * Times are Unix seconds, UTC.
 */
#ifndef FF_STORE_CONSENT_H
#define FF_STORE_CONSENT_H
#include <stddef.h>
#include "core/err.h"
#include "store/records.h"

struct db;

/* The one purpose there is (upload_consents.purpose). */
#define CONSENT_NEWSLETTER	"newsletter"
/* Longest wording version upload_consents.wording holds, bytes. */
#define CONSENT_WORDING_MAX	32

/* Where an upload's consent stands. */
enum consent_state {
	CONSENT_NONE = 0,	/* the photo exists; no consent was given */
	CONSENT_GIVEN,		/* given, not withdrawn, the photo not expired */
	CONSENT_WITHDRAWN,
	CONSENT_EXPIRED,	/* given, but the photo is past its expiry */
	CONSENT_GONE		/* no such photo (deleted, purged) */
};

/*
 * Record consent for purpose on upload_id with the version of the text
 * shown (1..CONSENT_WORDING_MAX bytes), and keep the photo until days
 * days after it was stored; one transaction. *expires (may be NULL): the
 * photo's new expiry. FF_EINPUT for a bad purpose, wording or days;
 * FF_ENOTFOUND when there is no such upload; an upload that has a
 * consent already keeps the first one (FF_EINPUT).
 */
enum ff_err	 db_consent_give(struct db *, long long upload_id,
		    const char *purpose, const char *wording, int days,
		    long long *expires);
/*
 * Withdraw the consent of the photo with this token, in one transaction
 * (see above): consent marked withdrawn, the expiry brought back to
 * UPLOAD_TTL_S after upload, and the photo deleted when that has passed
 * (*deleted 1). A photo that never had consent is left as it is (FF_OK,
 * *deleted 0). FF_ENOTFOUND when there is no such photo (or it expired).
 */
enum ff_err	 db_consent_withdraw(struct db *, const char *token,
		    int *deleted);
/* The state of upload_id's consent for purpose (never CONSENT_GONE:
 * FF_ENOTFOUND then), and the wording version (may be NULL). */
enum ff_err	 db_consent_get(struct db *, long long upload_id,
		    const char *purpose, enum consent_state *st,
		    char wording[CONSENT_WORDING_MAX + 1]);

/* An upload kept with consent, as a batch job takes it. */
struct consent_ref {
	long long	 upload_id;
	char		 token[UPLOAD_TOKEN_LEN + 1];
};

/*
 * Up to max uploads with a standing consent for purpose and an id above
 * after, by id, into out; *n how many (fewer than max: the last page).
 * One plain read of the consents' primary key range: no locks, bounded
 * by max whatever the number of consents.
 */
enum ff_err	 db_consent_list(struct db *, const char *purpose,
		    long long after, struct consent_ref *out, size_t max,
		    size_t *n);
/*
 * The photo of token, only while its consent for purpose stands (now):
 * *st is CONSENT_GIVEN, u its row and *bytes the photo (the caller frees
 * it with free()). Otherwise *st says why not and *bytes is NULL. One
 * statement; FF_OK in either case.
 */
enum ff_err	 db_consent_photo(struct db *, const char *token,
		    const char *purpose, struct upload_row *u, void **bytes,
		    enum consent_state *st);

/* The photos kept with a standing consent for a purpose, now. */
struct consent_kept {
	long long	 photos;	/* not past their expiry */
	long long	 next_expiry;	/* the soonest of their expiries,
					 * Unix s; 0 when there is none */
	long long	 oldest;	/* when the oldest was stored, Unix s;
					 * 0 when there is none */
};

/*
 * What is kept with consent for purpose at now (Unix s), into k. By
 * index and the consents' own rows, never a read of every upload (the
 * definition says how); one statement. The purge removes such a photo
 * at its expiry, or earlier when the consent period was shortened since
 * (store/purge.h): the caller takes the sooner of next_expiry and
 * oldest plus the period.
 */
enum ff_err	 db_consent_kept(struct db *, const char *purpose,
		    long long now, struct consent_kept *k);

#endif
