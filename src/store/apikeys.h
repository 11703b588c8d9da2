/*
 * apikeys.h: the rows of API keys (table api_keys, sql/001 and sql/030),
 * the per-key rate windows (api_rate) and the per-key call counts in
 * hourly_rollups and live_counters. What a key is and how it is checked:
 * src/app/apikey.h. Only a key's SHA-256 and its first characters are
 * stored, never the key.
 */
#ifndef FF_STORE_APIKEYS_H
#define FF_STORE_APIKEYS_H
#include <stddef.h>
#include "core/err.h"

struct db;

/* Bytes of api_keys.name (VARCHAR(80), printable ASCII) and of
 * api_keys.key_prefix. */
#define DB_APIKEY_NAME_MAX	80
#define DB_APIKEY_PREFIX_MAX	16

/* One key as listed; never the key itself. */
struct apikey_row {
	long long	 id;
	char		 name[DB_APIKEY_NAME_MAX + 1];
	char		 prefix[DB_APIKEY_PREFIX_MAX + 1];	/* "ffk_" and
						 * 6 characters */
	long long	 created;	/* Unix s, UTC */
	long long	 revoked;	/* Unix s, UTC; 0 while active */
	long		 rate;		/* calls per minute; -1 = the default */
	long long	 calls_24h;	/* API calls in the last 24 hours */
};

/* How many keys named name are not revoked. */
enum ff_err	 db_apikey_active_count(struct db *, const char *name,
		    long long *n);
/*
 * Store a key: its name, the SHA-256 of the key, its first prefix_len
 * bytes (prefix need not be NUL-terminated) and its limit per minute
 * (-1 stores NULL: the workers' default). Sets *id.
 */
enum ff_err	 db_apikey_insert(struct db *, const char *name,
		    const unsigned char hash[32], const char *prefix,
		    size_t prefix_len, long rate, long long *id);
/* Revoke the key with this id, or every active key named name, now;
 * *n gets how many were revoked (0 when none was active). */
enum ff_err	 db_apikey_revoke_id(struct db *, long long id, long long *n);
enum ff_err	 db_apikey_revoke_name(struct db *, const char *name,
		    long long *n);
/* Every key, newest first, with its calls of the last 24 hours (whole
 * hours). The caller frees *rows with free(). */
enum ff_err	 db_apikey_list(struct db *, struct apikey_row **rows,
		    size_t *n);
/*
 * The key whose SHA-256 is hash: its id, whether it is revoked and its
 * limit per minute (-1 = the default). FF_ENOTFOUND if none.
 */
enum ff_err	 db_apikey_find(struct db *, const unsigned char hash[32],
		    long long *id, int *revoked, long *rate);

/*
 * Count one call of key id in rate window win and set *n to the calls
 * in that window so far, this one included, in one atomic statement.
 */
enum ff_err	 db_api_rate_bump(struct db *, long long id, long long win,
		    long long *n);
/* Delete key id's windows before win. */
enum ff_err	 db_api_rate_prune(struct db *, long long id, long long win);

/* Add one call of key id as metric (frame_id 0: none) to this hour's
 * rollup, and to this minute's live counter; each autocommitted. */
enum ff_err	 db_api_rollup_bump(struct db *, long long id,
		    const char *metric, long long frame_id);
enum ff_err	 db_api_live_bump(struct db *, long long id,
		    const char *metric, long long frame_id);

#endif
