/*
 * reports.c: the queries of the admin reports (see reports.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/db.h"
#include "store/reports.h"

enum ff_err
db_live_recent(struct db *db, long long last5[DB_LIVE__MAX],
    long long last60[DB_LIVE__MAX])
{
	static const char *const names[DB_LIVE__MAX] = { "upload", "tryon",
	    "faces", "click" };
	struct db_rows	*r;
	enum ff_err	 er;
	const char	*m;
	int		 rc;
	size_t		 i;

	memset(last5, 0, DB_LIVE__MAX * sizeof(*last5));
	memset(last60, 0, DB_LIVE__MAX * sizeof(*last60));
	/* Minutes are buckets: "the last 5 minutes" is this one and the
	 * four before it. */
	if ((er = db_query(db, "SELECT metric, COALESCE(SUM(CASE WHEN minute >= "
	    "DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 4 MINUTE, "
	    "'%Y-%m-%d %H:%i:00') THEN n ELSE 0 END), 0), SUM(n) "
	    "FROM live_counters WHERE minute >= DATE_FORMAT(UTC_TIMESTAMP() - "
	    "INTERVAL 59 MINUTE, '%Y-%m-%d %H:%i:00') AND metric IN "
	    "('upload', 'tryon', 'faces', 'click') GROUP BY metric",
	    NULL, 0, &r)) != FF_OK)
		return er;
	while ((rc = db_rows_next(r)) == 1) {
		if ((m = db_col_text(r, 0, NULL)) == NULL)
			continue;
		for (i = 0; i < DB_LIVE__MAX; i++)
			if (strcmp(m, names[i]) == 0) {
				last5[i] = db_col_int(r, 1);
				last60[i] = db_col_int(r, 2);
			}
	}
	db_rows_free(r);
	return rc < 0 ? FF_EDB : FF_OK;
}

enum ff_err
db_rollups_range(struct db *db, long long from, long long to,
    struct rollup_row **out, size_t *n)
{
	struct db_arg		 a[2] = { DB_INT(from), DB_INT(to) };
	struct db_rows		*r;
	struct rollup_row	*v;
	enum ff_err		 er;
	const char		*m;
	size_t			 i = 0, len;
	int			 rc = 0;

	*out = NULL;
	*n = 0;
	if ((er = db_query(db, "SELECT UNIX_TIMESTAMP(hour), metric, SUM(n) "
	    "FROM hourly_rollups WHERE hour >= FROM_UNIXTIME(?) AND "
	    "hour < FROM_UNIXTIME(?) AND metric IN ('tryon', 'click', "
	    "'photo', 'photo_face', 'faces', 'upload_form', 'upload_webcam', "
	    "'upload_api', 'upload_batch') GROUP BY hour, metric",
	    a, 2, &r)) != FF_OK)
		return er;
	v = xcalloc(db_rows_count(r) + 1, sizeof(*v));
	while (i < db_rows_count(r) && (rc = db_rows_next(r)) == 1) {
		if ((m = db_col_text(r, 1, &len)) == NULL ||
		    len >= sizeof(v[i].metric))
			continue;
		v[i].hour = db_col_int(r, 0);
		memcpy(v[i].metric, m, len + 1);
		v[i].n = db_col_int(r, 2);
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
db_report_frames(struct db *db, long long from, long long to,
    struct report_frame **out, size_t *nout)
{
	struct db_arg		 a[2] = { DB_INT(from), DB_INT(to) };
	struct report_frame	*fr = NULL;
	struct db_rows		*r;
	enum ff_err		 er;
	const char		*s;
	size_t			 i, len, cap = 0, n = 0;
	long long		 id, k;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if ((er = db_query(db, "SELECT id, sku, name, active FROM frames "
	    "ORDER BY sku", NULL, 0, &r)) != FF_OK)
		return er;
	while ((rc = db_rows_next(r)) == 1) {
		struct report_frame *f;

		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			fr = xreallocarray(fr, cap, sizeof(*fr));
		}
		f = &fr[n++];
		memset(f, 0, sizeof(*f));
		f->id = db_col_int(r, 0);
		if ((s = db_col_text(r, 1, &len)) != NULL && len < sizeof(f->sku))
			memcpy(f->sku, s, len + 1);
		if ((s = db_col_text(r, 2, &len)) != NULL && len < sizeof(f->name))
			memcpy(f->name, s, len + 1);
		f->active = db_col_int(r, 3) != 0;
	}
	db_rows_free(r);
	if (rc < 0) {
		er = FF_EDB;
		goto fail;
	}

	if ((er = db_query(db, "SELECT frame_id, metric, SUM(n) FROM "
	    "hourly_rollups WHERE hour >= FROM_UNIXTIME(?) AND hour < "
	    "FROM_UNIXTIME(?) AND metric IN ('tryon', 'click') AND frame_id > 0 "
	    "GROUP BY frame_id, metric", a, 2, &r)) != FF_OK)
		goto fail;
	while ((rc = db_rows_next(r)) == 1) {
		id = db_col_int(r, 0);
		k = db_col_int(r, 2);
		if ((s = db_col_text(r, 1, NULL)) == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (fr[i].id == id) {
				if (strcmp(s, METRIC_TRYON) == 0)
					fr[i].tryons += k;
				else
					fr[i].clicks += k;
			}
	}
	db_rows_free(r);
	if (rc < 0) {
		er = FF_EDB;
		goto fail;
	}
	*out = fr;
	*nout = n;
	return FF_OK;
fail:
	free(fr);
	return er;
}

enum ff_err
db_stage_times(struct db *db, enum report_stage stage, long long from,
    long long to, size_t max, double **out, size_t *nout)
{
	/* One constant statement per stage: db.c caches by text. */
	static const char *const sql[STAGE__MAX] = {
		"SELECT decode_ms FROM tryons WHERE created >= FROM_UNIXTIME(?) "
		"AND created < FROM_UNIXTIME(?) AND decode_ms > 0 "
		"ORDER BY id DESC LIMIT ?",
		"SELECT detect_ms FROM tryons WHERE created >= FROM_UNIXTIME(?) "
		"AND created < FROM_UNIXTIME(?) AND detect_ms > 0 "
		"ORDER BY id DESC LIMIT ?",
		"SELECT render_ms FROM tryons WHERE created >= FROM_UNIXTIME(?) "
		"AND created < FROM_UNIXTIME(?) AND render_ms > 0 "
		"ORDER BY id DESC LIMIT ?",
		"SELECT store_ms FROM tryons WHERE created >= FROM_UNIXTIME(?) "
		"AND created < FROM_UNIXTIME(?) AND store_ms > 0 "
		"ORDER BY id DESC LIMIT ?",
	};
	struct db_arg	 a[3] = { DB_INT(from), DB_INT(to),
	    DB_INT((long long)max) };
	struct db_rows	*r;
	enum ff_err	 er;
	double		*v;
	size_t		 n, i;

	*out = NULL;
	*nout = 0;
	if ((unsigned)stage >= STAGE__MAX)
		return FF_EINPUT;
	if ((er = db_query(db, sql[stage], a, 3, &r)) != FF_OK)
		return er;
	n = db_rows_count(r);
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n && db_rows_next(r) == 1; i++)
		v[i] = db_col_double(r, 0);
	db_rows_free(r);
	*out = v;
	*nout = i;
	return FF_OK;
}

enum ff_err
db_uploads_recent(struct db *db, size_t max,
    char (**out)[UPLOAD_TOKEN_LEN + 1], size_t *nout)
{
	struct db_arg	  arg = DB_INT((long long)max);
	struct db_rows	 *q;
	char		(*v)[UPLOAD_TOKEN_LEN + 1];
	const char	 *s;
	size_t		  n = 0, len;
	enum ff_err	  er;

	*out = NULL;
	*nout = 0;
	if ((er = db_query(db, "SELECT token FROM uploads WHERE expires > "
	    "UTC_TIMESTAMP() ORDER BY id DESC LIMIT ?", &arg, 1, &q)) != FF_OK)
		return er;
	v = xcalloc(max ? max : 1, sizeof(*v));
	while (n < max && db_rows_next(q) == 1)
		if ((s = db_col_text(q, 0, &len)) != NULL &&
		    len <= UPLOAD_TOKEN_LEN)
			memcpy(v[n++], s, len + 1);
	db_rows_free(q);
	*out = v;
	*nout = n;
	return FF_OK;
}
