/*
 * throttle.h: the rows of the per-client upload limits (tables
 * upload_rate and upload_inflight, sql/050). What a client is and what
 * the limits are: src/app/abuse.h.
 */
#ifndef FF_STORE_THROTTLE_H
#define FF_STORE_THROTTLE_H
#include "core/err.h"

struct db;

/* Bytes of upload_rate.client and upload_inflight.client (VARCHAR(48)). */
#define DB_CLIENT_MAX	48

/*
 * Count one upload of client in rate window win and set *n to its
 * uploads in that window so far, this one included, in one atomic
 * statement (two workers never read the same n).
 */
enum ff_err	 db_upload_rate_bump(struct db *, const char *client,
		    long long win, long long *n);
/* Delete every client's windows before win. */
enum ff_err	 db_upload_rate_prune(struct db *, long long win);

/*
 * Note an upload of client in a worker's hands now: *id names its row.
 * *before gets how many of the client's rows younger than stale_s
 * seconds came before it (a smaller id), not counting this one.
 */
enum ff_err	 db_upload_inflight_add(struct db *, const char *client,
		    int stale_s, long long *id, long long *before);
/* The upload is answered: delete its row. */
enum ff_err	 db_upload_inflight_del(struct db *, long long id);
/* Delete the rows older than stale_s seconds (workers that died). */
enum ff_err	 db_upload_inflight_prune(struct db *, int stale_s);

#endif
