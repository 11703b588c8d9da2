/*
 * apikeys.c: API keys, rate windows and per-key counts (see apikeys.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "store/apikeys.h"
#include "store/db.h"

enum ff_err
db_apikey_active_count(struct db *db, const char *name, long long *n)
{
	struct db_arg a = DB_TEXT(name);

	*n = 0;
	return db_query_int(db, "SELECT COUNT(*) FROM api_keys WHERE "
	    "name = ? AND revoked IS NULL", &a, 1, n);
}

enum ff_err
db_apikey_insert(struct db *db, const char *name, const unsigned char hash[32],
    const char *prefix, size_t prefix_len, long rate, long long *id)
{
	struct db_arg a[4];

	a[0] = DB_TEXT(name);
	a[1] = DB_BLOB(hash, 32);
	a[2] = DB_TEXTN(prefix, prefix_len);
	a[3] = rate < 0 ? DB_NULL : DB_INT(rate);
	return db_exec(db, "INSERT INTO api_keys (name, key_hash, "
	    "key_prefix, rate_per_min) VALUES (?, ?, ?, ?)", a, 4, NULL, id);
}

enum ff_err
db_apikey_revoke_id(struct db *db, long long id, long long *n)
{
	struct db_arg a = DB_INT(id);

	*n = 0;
	return db_exec(db, "UPDATE api_keys SET revoked = UTC_TIMESTAMP() "
	    "WHERE id = ? AND revoked IS NULL", &a, 1, n, NULL);
}

enum ff_err
db_apikey_revoke_name(struct db *db, const char *name, long long *n)
{
	struct db_arg a = DB_TEXT(name);

	*n = 0;
	return db_exec(db, "UPDATE api_keys SET revoked = UTC_TIMESTAMP() "
	    "WHERE name = ? AND revoked IS NULL", &a, 1, n, NULL);
}

enum ff_err
db_apikey_list(struct db *db, struct apikey_row **out, size_t *n)
{
	struct db_rows		*r;
	struct apikey_row	*v = NULL;
	const char		*s;
	enum ff_err		 er;
	size_t			 i = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	/* The calls are the API metrics except the refusals, over the
	 * hourly rollups of the last 24 hours (whole hours). */
	if ((er = db_query(db, "SELECT k.id, k.name, k.key_prefix, "
	    "UNIX_TIMESTAMP(k.created), COALESCE(UNIX_TIMESTAMP(k.revoked), 0), "
	    "k.rate_per_min, (SELECT COALESCE(SUM(h.n), 0) FROM hourly_rollups h "
	    "WHERE h.api_key_id = k.id AND h.metric IN ('api_detect', "
	    "'api_tryon', 'api_frames') AND h.hour >= UTC_TIMESTAMP() - "
	    "INTERVAL 24 HOUR) FROM api_keys k ORDER BY k.id DESC", NULL, 0,
	    &r)) != FF_OK)
		return er;
	v = xcalloc(db_rows_count(r) + 1, sizeof(*v));
	while ((rc = db_rows_next(r)) == 1 && i < db_rows_count(r)) {
		v[i].id = db_col_int(r, 0);
		if ((s = db_col_text(r, 1, NULL)) != NULL)
			snprintf(v[i].name, sizeof(v[i].name), "%s", s);
		if ((s = db_col_text(r, 2, NULL)) != NULL)
			snprintf(v[i].prefix, sizeof(v[i].prefix), "%s", s);
		v[i].created = db_col_int(r, 3);
		v[i].revoked = db_col_int(r, 4);
		v[i].rate = db_col_null(r, 5) ? -1 : (long)db_col_int(r, 5);
		v[i].calls_24h = db_col_int(r, 6);
		i++;
	}
	db_rows_free(r);
	if (rc < 0) {
		free(v);
		return FF_EDB;
	}
	*out = v;
	*n = i;
	return FF_OK;
}

enum ff_err
db_apikey_find(struct db *db, const unsigned char hash[32], long long *id,
    int *revoked, long *rate)
{
	struct db_rows	*r;
	struct db_arg	 a = DB_BLOB(hash, 32);
	enum ff_err	 er;
	int		 rc;

	*id = 0;
	*revoked = 0;
	*rate = -1;
	if ((er = db_query(db, "SELECT id, revoked IS NOT NULL, rate_per_min "
	    "FROM api_keys WHERE key_hash = ?", &a, 1, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		*id = db_col_int(r, 0);
		*revoked = db_col_int(r, 1) != 0;
		*rate = db_col_null(r, 2) ? -1 : (long)db_col_int(r, 2);
	}
	db_rows_free(r);
	if (rc < 0)
		return FF_EDB;
	return rc == 1 ? FF_OK : FF_ENOTFOUND;
}

enum ff_err
db_api_rate_bump(struct db *db, long long id, long long win, long long *n)
{
	struct db_arg a[2] = { DB_INT(id), DB_INT(win) };

	*n = 0;
	/* LAST_INSERT_ID(expr) makes the statement's insert id the count it
	 * wrote, for this connection only: increment and read in one. */
	return db_exec(db, "INSERT INTO api_rate (api_key_id, win, n) "
	    "VALUES (?, ?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE "
	    "n = LAST_INSERT_ID(n + 1)", a, 2, NULL, n);
}

enum ff_err
db_api_rate_prune(struct db *db, long long id, long long win)
{
	struct db_arg a[2] = { DB_INT(id), DB_INT(win) };

	return db_exec(db, "DELETE FROM api_rate WHERE api_key_id = ? "
	    "AND win < ?", a, 2, NULL, NULL);
}

enum ff_err
db_api_rollup_bump(struct db *db, long long id, const char *metric,
    long long frame_id)
{
	struct db_arg a[3] = { DB_TEXT(metric), DB_INT(frame_id), DB_INT(id) };

	return db_exec(db, "INSERT INTO hourly_rollups (hour, metric, frame_id, "
	    "api_key_id, n) VALUES (DATE_FORMAT(UTC_TIMESTAMP(), "
	    "'%Y-%m-%d %H:00:00'), ?, ?, ?, 1) ON DUPLICATE KEY UPDATE "
	    "n = n + 1", a, 3, NULL, NULL);
}

enum ff_err
db_api_live_bump(struct db *db, long long id, const char *metric,
    long long frame_id)
{
	struct db_arg a[3] = { DB_TEXT(metric), DB_INT(frame_id), DB_INT(id) };

	return db_exec(db, "INSERT INTO live_counters (metric, minute, frame_id, "
	    "api_key_id, n) VALUES (?, DATE_FORMAT(UTC_TIMESTAMP(), "
	    "'%Y-%m-%d %H:%i:00'), ?, ?, 1) ON DUPLICATE KEY UPDATE n = n + 1",
	    a, 3, NULL, NULL);
}
