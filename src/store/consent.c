/*
 * consent.c: the statements of a shopper's consent (see consent.h).
 */
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "core/xalloc.h"
#include "store/consent.h"
#include "store/db.h"
#include "store/records.h"

/* The longest consent period anyone can set, days (app/purge.h agrees). */
#define CONSENT_MAX_DAYS	3650

static int
purpose_ok(const char *p)
{
	return p != NULL && strcmp(p, CONSENT_NEWSLETTER) == 0;
}

enum ff_err
db_consent_give(struct db *db, long long upload_id, const char *purpose,
    const char *wording, int days, long long *expires)
{
	struct db_arg	 a[3];
	enum ff_err	 er;
	long long	 n, e = 0;
	size_t		 wl = wording != NULL ? strlen(wording) : 0;

	if (!purpose_ok(purpose) || wl == 0 || wl > CONSENT_WORDING_MAX ||
	    days < 1 || days > CONSENT_MAX_DAYS || upload_id <= 0)
		return FF_EINPUT;
	if ((er = db_begin(db)) != FF_OK)
		return er;
	a[0] = DB_INT(days);
	a[1] = DB_INT(upload_id);
	/* First the photo's row, as the purge and a withdrawal take it: the
	 * same order of locks in every transaction. */
	if ((er = db_exec(db, "UPDATE uploads SET expires = GREATEST(expires, "
	    "created + INTERVAL ? DAY) WHERE id = ? AND expires > "
	    "UTC_TIMESTAMP()", a, 2, &n, NULL)) != FF_OK)
		goto fail;
	if (n == 0) {
		er = FF_ENOTFOUND;
		goto fail;
	}
	a[0] = DB_INT(upload_id);
	a[1] = DB_TEXT(purpose);
	a[2] = DB_TEXT(wording);
	if ((er = db_exec(db, "INSERT INTO upload_consents (upload_id, purpose, "
	    "wording) VALUES (?, ?, ?)", a, 3, NULL, NULL)) != FF_OK) {
		if (db_errno(db) == ER_DUP_ENTRY)
			er = FF_EINPUT;
		goto fail;
	}
	a[0] = DB_INT(upload_id);
	if ((er = db_query_int(db, "SELECT UNIX_TIMESTAMP(expires) FROM uploads "
	    "WHERE id = ?", a, 1, &e)) != FF_OK)
		goto fail;
	if ((er = db_commit(db)) != FF_OK)
		return er;
	if (expires != NULL)
		*expires = e;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_consent_withdraw(struct db *db, const char *token, int *deleted)
{
	struct db_arg	 a[2];
	enum ff_err	 er;
	long long	 id = 0, n;

	*deleted = 0;
	if (!upload_token_valid(token))
		return FF_ENOTFOUND;
	if ((er = db_begin(db)) != FF_OK)
		return er;
	a[0] = DB_TEXT(token);
	if ((er = db_query_int(db, "SELECT id FROM uploads WHERE token = ? AND "
	    "expires > UTC_TIMESTAMP() FOR UPDATE", a, 1, &id)) != FF_OK)
		goto fail;
	a[0] = DB_INT(id);
	if ((er = db_exec(db, "UPDATE upload_consents SET withdrawn = "
	    "UTC_TIMESTAMP() WHERE upload_id = ? AND withdrawn IS NULL", a, 1,
	    &n, NULL)) != FF_OK)
		goto fail;
	if (n == 0) {
		/* Never given (or withdrawn before): nothing changes. */
		db_rollback(db);
		return FF_OK;
	}
	/* Back to the rule for every photo: UPLOAD_TTL_S after upload. */
	a[0] = DB_INT(UPLOAD_TTL_S);
	a[1] = DB_INT(id);
	if ((er = db_exec(db, "UPDATE uploads SET expires = LEAST(expires, "
	    "created + INTERVAL ? SECOND) WHERE id = ?", a, 2, NULL,
	    NULL)) != FF_OK)
		goto fail;
	/* Past that already: deleted now, with all that derives from it
	 * (the foreign keys), rather than at the purge's next run. */
	a[0] = DB_INT(id);
	if ((er = db_exec(db, "DELETE FROM uploads WHERE id = ? AND expires <= "
	    "UTC_TIMESTAMP()", a, 1, &n, NULL)) != FF_OK)
		goto fail;
	if ((er = db_commit(db)) != FF_OK)
		return er;
	*deleted = n > 0;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_consent_get(struct db *db, long long upload_id, const char *purpose,
    enum consent_state *st, char wording[CONSENT_WORDING_MAX + 1])
{
	struct db_rows	*r;
	struct db_arg	 a[2];
	enum ff_err	 er;
	const char	*s;
	size_t		 len;
	int		 rc;

	*st = CONSENT_NONE;
	if (wording != NULL)
		wording[0] = '\0';
	a[0] = DB_TEXT(purpose);
	a[1] = DB_INT(upload_id);
	if ((er = db_query(db, "SELECT c.upload_id IS NOT NULL, c.withdrawn IS "
	    "NOT NULL, u.expires > UTC_TIMESTAMP(), c.wording FROM uploads u "
	    "LEFT JOIN upload_consents c ON c.upload_id = u.id AND c.purpose = "
	    "? WHERE u.id = ?", a, 2, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		if (!db_col_int(r, 0))
			*st = CONSENT_NONE;
		else if (db_col_int(r, 1))
			*st = CONSENT_WITHDRAWN;
		else
			*st = db_col_int(r, 2) ? CONSENT_GIVEN : CONSENT_EXPIRED;
		if (wording != NULL && (s = db_col_text(r, 3, &len)) != NULL &&
		    len <= CONSENT_WORDING_MAX) {
			memcpy(wording, s, len);
			wording[len] = '\0';
		}
	}
	db_rows_free(r);
	return rc == 1 ? FF_OK : rc == 0 ? FF_ENOTFOUND : FF_EDB;
}

enum ff_err
db_consent_list(struct db *db, const char *purpose, long long after,
    struct consent_ref *out, size_t max, size_t *n)
{
	struct db_rows	*r;
	struct db_arg	 a[3];
	enum ff_err	 er;
	const char	*s;
	size_t		 len, k = 0;
	int		 rc = 0;

	*n = 0;
	if (!purpose_ok(purpose) || max == 0)
		return FF_EINPUT;
	a[0] = DB_INT(after);
	a[1] = DB_TEXT(purpose);
	a[2] = DB_INT((long long)max);
	/* The consents' primary key from `after`: a consistent read, no
	 * lock; withdrawn rows are stepped over (there are few: a
	 * withdrawal ends in the photo's deletion within a day). */
	if ((er = db_query(db, "SELECT c.upload_id, u.token FROM "
	    "upload_consents c JOIN uploads u ON u.id = c.upload_id WHERE "
	    "c.upload_id > ? AND c.purpose = ? AND c.withdrawn IS NULL AND "
	    "u.expires > UTC_TIMESTAMP() ORDER BY c.upload_id LIMIT ?", a, 3,
	    &r)) != FF_OK)
		return er;
	while (k < max && (rc = db_rows_next(r)) == 1) {
		s = db_col_text(r, 1, &len);
		if (s == NULL || len != UPLOAD_TOKEN_LEN)
			continue;
		out[k].upload_id = db_col_int(r, 0);
		memcpy(out[k].token, s, len);
		out[k].token[len] = '\0';
		k++;
	}
	db_rows_free(r);
	if (rc < 0)
		return FF_EDB;
	*n = k;
	return FF_OK;
}

enum ff_err
db_consent_photo(struct db *db, const char *token, const char *purpose,
    struct upload_row *u, void **bytes, enum consent_state *st)
{
	struct db_rows	*r;
	struct db_arg	 a[2];
	enum ff_err	 er;
	const char	*s;
	size_t		 len;
	int		 rc;

	memset(u, 0, sizeof(*u));
	*bytes = NULL;
	*st = CONSENT_GONE;
	if (!upload_token_valid(token))
		return FF_OK;
	a[0] = DB_TEXT(purpose);
	a[1] = DB_TEXT(token);
	/* The bytes only when the consent stands, in the same statement
	 * that checks it. */
	if ((er = db_query(db, "SELECT u.id, u.width, u.height, u.sha256, "
	    "UNIX_TIMESTAMP(u.created), UNIX_TIMESTAMP(u.expires), "
	    "c.upload_id IS NOT NULL, c.withdrawn IS NOT NULL, u.expires > "
	    "UTC_TIMESTAMP(), CASE WHEN c.upload_id IS NOT NULL AND c.withdrawn "
	    "IS NULL AND u.expires > "
	    "UTC_TIMESTAMP() THEN u.bytes END FROM uploads u LEFT JOIN "
	    "upload_consents c ON c.upload_id = u.id AND c.purpose = ? WHERE "
	    "u.token = ?", a, 2, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		u->id = db_col_int(r, 0);
		memcpy(u->token, token, UPLOAD_TOKEN_LEN + 1);
		u->width = (int)db_col_int(r, 1);
		u->height = (int)db_col_int(r, 2);
		if ((s = db_col_text(r, 3, &len)) != NULL &&
		    len == sizeof(u->sha256))
			memcpy(u->sha256, s, len);
		u->created = db_col_int(r, 4);
		u->expires = db_col_int(r, 5);
		if (!db_col_int(r, 6))
			*st = CONSENT_NONE;
		else if (db_col_int(r, 7))
			*st = CONSENT_WITHDRAWN;
		else if (!db_col_int(r, 8))
			*st = CONSENT_EXPIRED;
		else if ((s = db_col_text(r, 9, &len)) != NULL && len > 0) {
			*st = CONSENT_GIVEN;
			*bytes = xmalloc(len);
			memcpy(*bytes, s, len);
			u->len = len;
		}
	}
	db_rows_free(r);
	return rc >= 0 ? FF_OK : FF_EDB;
}

/*
 * Each part by its own cheap path, never a walk of every upload: the
 * standing consents are read from their own table (one small row per
 * photo kept with consent: what is counted), less those whose photo
 * expired and awaits the purge, found by the uploads_expires range of
 * the expired; the next expiry from the start of the unexpired range of
 * that index, which holds only the last day's photos without consent
 * before it; the oldest by uploads_created_expires from its start, which
 * holds only photos awaiting the purge before it. Each consent is looked
 * up by its primary key (as in purge.c, not EXISTS, which MariaDB may
 * turn into a join read the other way round). One statement: one read
 * view, so a purge running meanwhile cannot make the parts disagree.
 */
#define STANDING(u) "(SELECT COUNT(*) FROM upload_consents uc WHERE " \
	"uc.upload_id = " u ".id AND uc.purpose = ? AND uc.withdrawn IS " \
	"NULL) > 0"

enum ff_err
db_consent_kept(struct db *db, const char *purpose, long long now,
    struct consent_kept *k)
{
	struct db_rows	*r;
	struct db_arg	 a[8];
	enum ff_err	 er;
	int		 rc;

	memset(k, 0, sizeof(*k));
	if (!purpose_ok(purpose))
		return FF_EINPUT;
	a[0] = DB_TEXT(purpose);
	a[1] = DB_INT(now);
	a[2] = DB_TEXT(purpose);
	a[3] = DB_INT(now);
	a[4] = DB_TEXT(purpose);
	a[5] = DB_INT(now);
	a[6] = DB_TEXT(purpose);
	if ((er = db_query(db, "SELECT (SELECT COUNT(*) FROM upload_consents "
	    "WHERE purpose = ? AND withdrawn IS NULL) - (SELECT COUNT(*) FROM "
	    "uploads e FORCE INDEX (uploads_expires) WHERE e.expires <= "
	    "FROM_UNIXTIME(?) AND " STANDING("e") "), COALESCE((SELECT "
	    "UNIX_TIMESTAMP(n.expires) FROM uploads n FORCE INDEX "
	    "(uploads_expires) WHERE n.expires > FROM_UNIXTIME(?) AND "
	    STANDING("n") " ORDER BY n.expires, n.id LIMIT 1), 0), "
	    "COALESCE((SELECT UNIX_TIMESTAMP(o.created) FROM uploads o FORCE "
	    "INDEX (uploads_created_expires) WHERE o.expires > FROM_UNIXTIME(?) "
	    "AND " STANDING("o") " ORDER BY o.created, o.expires, o.id LIMIT 1), "
	    "0)", a, 7, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		k->photos = db_col_int(r, 0);
		k->next_expiry = db_col_int(r, 1);
		k->oldest = db_col_int(r, 2);
	}
	db_rows_free(r);
	return rc < 0 ? FF_EDB : FF_OK;
}
