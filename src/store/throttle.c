/*
 * throttle.c: the rows of the per-client upload limits (see throttle.h).
 */
#include "store/db.h"
#include "store/throttle.h"

enum ff_err
db_upload_rate_bump(struct db *db, const char *client, long long win,
    long long *n)
{
	struct db_arg a[2] = { DB_TEXT(client), DB_INT(win) };

	*n = 0;
	/* LAST_INSERT_ID(expr) makes the statement's insert id the count it
	 * wrote, for this connection only: increment and read in one. */
	return db_exec(db, "INSERT INTO upload_rate (client, win, n) "
	    "VALUES (?, ?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE "
	    "n = LAST_INSERT_ID(n + 1)", a, 2, NULL, n);
}

enum ff_err
db_upload_rate_prune(struct db *db, long long win)
{
	struct db_arg a = DB_INT(win);

	return db_exec(db, "DELETE FROM upload_rate WHERE win < ?", &a, 1,
	    NULL, NULL);
}

enum ff_err
db_upload_inflight_add(struct db *db, const char *client, int stale_s,
    long long *id, long long *before)
{
	struct db_arg	 a[3];
	enum ff_err	 er;

	*id = 0;
	*before = 0;
	a[0] = DB_TEXT(client);
	if ((er = db_exec(db, "INSERT INTO upload_inflight (client, started) "
	    "VALUES (?, UNIX_TIMESTAMP())", a, 1, NULL, id)) != FF_OK)
		return er;
	a[1] = DB_INT(*id);
	a[2] = DB_INT(stale_s);
	return db_query_int(db, "SELECT COUNT(*) FROM upload_inflight WHERE "
	    "client = ? AND id < ? AND started >= UNIX_TIMESTAMP() - ?", a, 3,
	    before);
}

enum ff_err
db_upload_inflight_del(struct db *db, long long id)
{
	struct db_arg a = DB_INT(id);

	return db_exec(db, "DELETE FROM upload_inflight WHERE id = ?", &a, 1,
	    NULL, NULL);
}

enum ff_err
db_upload_inflight_prune(struct db *db, int stale_s)
{
	struct db_arg a = DB_INT(stale_s);

	return db_exec(db, "DELETE FROM upload_inflight WHERE started < "
	    "UNIX_TIMESTAMP() - ?", &a, 1, NULL, NULL);
}
