/*
 * apikey.h: API keys (table api_keys, sql/001 and sql/030), the per-key
 * rate limit and call counts, and the `framefit apikey` command that an
 * administrator creates, lists and revokes keys with.
 *
 * A key is shown exactly once, when it is created; the database keeps
 * only its SHA-256 (a key has 192 random bits, so a plain hash is as good
 * as a slow one: there is nothing to brute-force) and its first
 * API_KEY_SHOWN characters to tell keys apart. Revoking is immediate:
 * every call looks its key up, there is no cache to expire.
 *
 *   framefit apikey create NAME [--rate N]   print a new key (once)
 *   framefit apikey revoke NAME|ID           revoke the active key(s)
 *   framefit apikey list                     every key, with its calls
 *
 * The database comes from FF_DB_SOCKET, FF_DB_NAME, FF_DB_USER and
 * FF_DB_PASSWORD (src/store/db.h); its schema must be migrated
 * (`framefit.fcgi --migrate`, or any worker on connect).
 */
#ifndef FF_APP_APIKEY_H
#define FF_APP_APIKEY_H
#include <stddef.h>

#include "app/apiparse.h"
#include "core/err.h"
#include "store/apikeys.h"

struct db;

/* Metrics of the API in hourly_rollups and live_counters, per key. */
#define METRIC_API_DETECT	"api_detect"
#define METRIC_API_TRYON	"api_tryon"	/* frame_id: the frame */
#define METRIC_API_FRAMES	"api_frames"
#define METRIC_API_LIMITED	"api_limited"	/* refused with 429 */

/*
 * Make a key named name (api_name_valid()) and print nothing: the new
 * key is written to key, its row id to *id (may be NULL). rate is its
 * own limit per minute (0 = none) or -1 for the workers' default.
 * FF_EINPUT for a bad name or rate, or a name that already has an active
 * key (so a name names one key); FF_ESYS without randomness; FF_EDB.
 */
enum ff_err	 apikey_create(struct db *, const char *name, long rate,
		    char key[API_KEY_LEN + 1], long long *id);

/*
 * Revoke the active key with this id (all digits) or the active key of
 * this name. *n (may be NULL) gets how many were revoked. FF_ENOTFOUND
 * when there is no such active key.
 */
enum ff_err	 apikey_revoke(struct db *, const char *name_or_id, int *n);

/* The list of keys, struct apikey_row: db_apikey_list() (store/apikeys.h). */

/*
 * Who is calling: the id and per-minute limit (-1 = default) of key.
 * FF_EAUTH for a key of the wrong shape, an unknown key or a revoked one
 * (*revoked, may be NULL, is then 1 for the last); FF_EDB.
 */
enum ff_err	 apikey_check(struct db *, const char *key, long long *id,
		    long *rate, int *revoked);

/*
 * Count one call of key id in the rate window win (api_rate_window())
 * and return in *n the calls in that window so far, this one included,
 * exactly: the increment and the read are one atomic statement, so two
 * workers never see the same count. The first call of a window deletes
 * the key's older windows. FF_EDB.
 */
enum ff_err	 apikey_rate_hit(struct db *, long long id, long long win,
		    long long *n);

/*
 * Count one call of key id as metric (METRIC_API_*) in the hourly
 * rollups and the live counters, frame_id 0 when there is no frame.
 * Best effort: a failure is logged, never returned (the caller has
 * already been answered or is about to be).
 */
void		 apikey_count(struct db *, long long id, const char *metric,
		    long long frame_id);

/* `framefit apikey ...`: argv[0] is "apikey". Returns the exit status
 * (0 done, 1 failed, 2 usage). */
int		 apikey_main(int argc, char **argv);

#endif
