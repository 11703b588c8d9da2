/*
 * records.c: uploads, detections, try-ons, clicks, models and counters.
 */
#include <sys/random.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysqld_error.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/records.h"

/* Runs of a transaction that InnoDB rolled back for a deadlock (two
 * workers bumping the same new rollup row can deadlock; it is benign). */
#define TX_TRIES	3

/* The arguments of one write, for the transaction functions tx_run()
 * runs; each uses the fields it needs. */
struct tx {
	struct upload_row		*u;
	const void			*bytes;	/* the photo, borrowed */
	size_t				 len;
	long long			 upload_id, model_id, frame_id;
	const struct det_face		*faces;
	size_t				 n;
	double				 det_ms;
	const struct tryon_timing	*t;
	double				 t0;	/* ff_now_ms() at the call */
	const char			*token;
	long long			*id;	/* set by the transaction */
};

static const char *const source_names[UPLOAD_SOURCE__MAX] = {
	[UPLOAD_FORM] = "form",
	[UPLOAD_WEBCAM] = "webcam",
	[UPLOAD_API] = "api",
	[UPLOAD_BATCH] = "batch",
};

const char *
upload_source_name(enum upload_source s)
{
	if ((unsigned)s >= UPLOAD_SOURCE__MAX)
		return NULL;
	return source_names[s];
}

static int
upload_source_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < UPLOAD_SOURCE__MAX; i++)
		if (strcmp(s, source_names[i]) == 0)
			return i;
	return -1;
}

enum ff_err
upload_token_new(char token[UPLOAD_TOKEN_LEN + 1])
{
	/* RFC 4648 §5: the URL- and filename-safe alphabet. */
	static const char b64u[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char	 rnd[UPLOAD_TOKEN_LEN / 4 * 3];
	size_t		 i, o = 0;
	ssize_t		 got;

	do
		got = getrandom(rnd, sizeof(rnd), 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(rnd)) {
		fprintf(stderr, "framefit: getrandom: %s\n", strerror(errno));
		return FF_ESYS;
	}
	/* 3 bytes -> 4 characters, so 24 bytes fill 32 without padding. */
	for (i = 0; i < sizeof(rnd); i += 3) {
		unsigned v = rnd[i] << 16 | rnd[i + 1] << 8 | rnd[i + 2];

		token[o++] = b64u[v >> 18 & 63];
		token[o++] = b64u[v >> 12 & 63];
		token[o++] = b64u[v >> 6 & 63];
		token[o++] = b64u[v & 63];
	}
	token[o] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return FF_OK;
}

int
upload_token_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < UPLOAD_TOKEN_LEN; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	return s[i] == '\0';
}

/* Bump a durable hourly count; call inside the event's transaction. */
static enum ff_err
rollup_bump(struct db *db, const char *metric, long long frame_id)
{
	struct db_arg a[2] = { DB_TEXT(metric), DB_INT(frame_id) };

	return db_exec(db, "INSERT INTO hourly_rollups (hour, metric, frame_id, "
	    "n) VALUES (DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:00:00'), ?, "
	    "?, 1) ON DUPLICATE KEY UPDATE n = n + 1", a, 2, NULL, NULL);
}

/*
 * Bump the per-minute count; call after the commit. MEMORY tables ignore
 * ROLLBACK, so inside the transaction a failed event would still count.
 */
static void
live_bump(struct db *db, const char *metric, long long frame_id)
{
	struct db_arg a[2] = { DB_TEXT(metric), DB_INT(frame_id) };

	if (db_exec(db, "INSERT INTO live_counters (metric, minute, frame_id, "
	    "n) VALUES (?, DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:00'), "
	    "?, 1) ON DUPLICATE KEY UPDATE n = n + 1", a, 2, NULL, NULL) != FF_OK)
		fprintf(stderr, "framefit: live counter %s not bumped\n", metric);
}

/* The statements of an upload, inside the caller's transaction. */
static enum ff_err
upload_rows(struct db *db, const struct upload_row *u, const void *bytes,
    size_t len, long long *id)
{
	struct db_arg	 a[8];
	enum ff_err	 er;

	a[0] = DB_TEXTN(u->token, UPLOAD_TOKEN_LEN);
	a[1] = DB_BLOB(u->sha256, sizeof(u->sha256));
	a[2] = DB_TEXT(u->mime);
	a[3] = DB_INT(u->width);
	a[4] = DB_INT(u->height);
	a[5] = DB_BLOB(bytes, len);
	a[6] = DB_TEXT(upload_source_name(u->source));
	a[7] = DB_INT(u->expires);
	if ((er = db_exec(db, "INSERT INTO uploads (token, sha256, mime, width, "
	    "height, bytes, source, expires) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "FROM_UNIXTIME(?))", a, 8, NULL, id)) != FF_OK)
		return er;
	return rollup_bump(db, METRIC_UPLOAD, 0);
}

static enum ff_err
upload_tx(struct db *db, const struct tx *x)
{
	enum ff_err	 er;
	long long	 id;

	if ((er = db_begin(db)) != FF_OK)
		return er;
	if ((er = upload_rows(db, x->u, x->bytes, x->len, &id)) != FF_OK)
		goto fail;
	if ((er = db_commit(db)) != FF_OK)
		return er;
	x->u->id = id;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

/* Check an upload and fill in its token (*fresh: we made it), times and
 * length. */
static enum ff_err
upload_prepare(struct upload_row *u, const void *bytes, size_t len,
    int *fresh)
{
	enum ff_err er;

	*fresh = 0;
	if (bytes == NULL || len == 0 || u->width <= 0 || u->height <= 0 ||
	    upload_source_name(u->source) == NULL || u->mime[0] == '\0' ||
	    strnlen(u->mime, sizeof(u->mime)) == sizeof(u->mime))
		return FF_EINPUT;
	if (u->token[0] == '\0') {
		if ((er = upload_token_new(u->token)) != FF_OK)
			return er;
		*fresh = 1;
	} else if (!upload_token_valid(u->token))
		return FF_EINPUT;
	u->created = (long long)time(NULL);
	if (u->expires == 0)
		u->expires = u->created + UPLOAD_TTL_S;
	u->len = len;
	return FF_OK;
}

/*
 * Run the transaction tx(db, x) until it commits, at most TX_TRIES times:
 * again when InnoDB rolled it back for a deadlock (db_retryable()), and,
 * when x->u's token is one we drew ourselves (fresh), again with a new
 * token after a duplicate-key clash.
 */
static enum ff_err
tx_run(struct db *db, enum ff_err (*tx)(struct db *, const struct tx *),
    const struct tx *x, int fresh)
{
	enum ff_err	 er = FF_OK;
	int		 try;

	for (try = 0; try < TX_TRIES; try++) {
		if ((er = tx(db, x)) == FF_OK)
			break;
		/* 2^192 tokens make a clash all but impossible; a fresh
		 * token is the cure if one happens anyway. */
		if (fresh && db_errno(db) == ER_DUP_ENTRY) {
			if ((er = upload_token_new(x->u->token)) != FF_OK)
				break;
			continue;
		}
		if (!db_retryable(db))
			break;
	}
	return er;
}

enum ff_err
db_upload_insert(struct db *db, struct upload_row *u, const void *bytes,
    size_t len)
{
	struct tx	 x = { .u = u, .bytes = bytes, .len = len };
	enum ff_err	 er;
	int		 fresh;

	if ((er = upload_prepare(u, bytes, len, &fresh)) != FF_OK)
		return er;
	er = tx_run(db, upload_tx, &x, fresh);
	if (er == FF_OK)
		live_bump(db, METRIC_UPLOAD, 0);
	return er;
}

static enum ff_err
noface_tx(struct db *db, const struct tx *x)
{
	enum ff_err	 er;
	char		 m[32];

	snprintf(m, sizeof(m), "upload_%s", upload_source_name(x->u->source));
	if ((er = db_begin(db)) != FF_OK)
		return er;
	if ((er = rollup_bump(db, METRIC_UPLOAD, 0)) != FF_OK ||
	    (er = rollup_bump(db, m, 0)) != FF_OK ||
	    (er = rollup_bump(db, "photo", 0)) != FF_OK)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_photo_noface(struct db *db, enum upload_source source)
{
	struct upload_row	 u = { .source = source };
	struct tx		 x = { .u = &u };
	enum ff_err		 er;

	if (upload_source_name(source) == NULL)
		return FF_EINPUT;
	er = tx_run(db, noface_tx, &x, 0);
	if (er == FF_OK)
		live_bump(db, METRIC_UPLOAD, 0);
	return er;
}

enum ff_err
db_upload_get(struct db *db, const char *token, struct upload_row *u,
    void **bytes)
{
	struct db_rows	*r;
	struct db_arg	 arg = DB_TEXT(token);
	const char	*s;
	enum ff_err	 er;
	size_t		 len;
	int		 rc, src;

	memset(u, 0, sizeof(*u));
	if (bytes != NULL)
		*bytes = NULL;
	if (!upload_token_valid(token))
		return FF_ENOTFOUND;
	/* An expired photo is gone for the user even before the purge. */
	if (bytes != NULL)
		er = db_query(db, "SELECT id, token, sha256, mime, width, height, "
		    "OCTET_LENGTH(bytes), source, UNIX_TIMESTAMP(created), "
		    "UNIX_TIMESTAMP(expires), bytes FROM uploads WHERE token = ? "
		    "AND expires > UTC_TIMESTAMP()", &arg, 1, &r);
	else
		er = db_query(db, "SELECT id, token, sha256, mime, width, height, "
		    "OCTET_LENGTH(bytes), source, UNIX_TIMESTAMP(created), "
		    "UNIX_TIMESTAMP(expires) FROM uploads WHERE token = ? "
		    "AND expires > UTC_TIMESTAMP()", &arg, 1, &r);
	if (er != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) != 1) {
		er = rc == 0 ? FF_ENOTFOUND : FF_EDB;
		goto out;
	}
	u->id = db_col_int(r, 0);
	memcpy(u->token, token, UPLOAD_TOKEN_LEN + 1);
	if ((s = db_col_text(r, 2, &len)) != NULL && len == sizeof(u->sha256))
		memcpy(u->sha256, s, len);
	if ((s = db_col_text(r, 3, &len)) != NULL && len < sizeof(u->mime))
		memcpy(u->mime, s, len + 1);
	u->width = (int)db_col_int(r, 4);
	u->height = (int)db_col_int(r, 5);
	u->len = (size_t)db_col_int(r, 6);
	src = upload_source_parse(db_col_text(r, 7, NULL));
	u->source = src < 0 ? UPLOAD_FORM : (enum upload_source)src;
	u->created = db_col_int(r, 8);
	u->expires = db_col_int(r, 9);
	if (bytes != NULL) {
		s = db_col_text(r, 10, &len);
		*bytes = xmalloc(len ? len : 1);
		if (len > 0)
			memcpy(*bytes, s, len);
		u->len = len;
	}
	er = FF_OK;
out:
	db_rows_free(r);
	return er;
}

enum ff_err
db_upload_delete(struct db *db, const char *token)
{
	struct db_arg	 arg = DB_TEXT(token);
	enum ff_err	 er;
	long long	 n;

	if (!upload_token_valid(token))
		return FF_ENOTFOUND;
	if ((er = db_begin(db)) != FF_OK)
		return er;
	/* The foreign keys do the rest within this statement: detections
	 * (and their faces) and try-ons cascade, clicks lose the token.
	 * Tables added later without such a key get their DELETE here. */
	if ((er = db_exec(db, "DELETE FROM uploads WHERE token = ?", &arg, 1,
	    &n, NULL)) != FF_OK)
		goto fail;
	if (n == 0) {
		er = FF_ENOTFOUND;
		goto fail;
	}
	return db_commit(db);
fail:
	db_rollback(db);
	return er;
}

/* The statements of a detection, inside the caller's transaction. */
static enum ff_err
detection_rows(struct db *db, long long upload_id, long long model_id,
    const struct det_face *f, size_t n, double ms, long long *id)
{
	struct db_arg	 a[11];
	enum ff_err	 er;
	size_t		 i;

	a[0] = DB_INT(upload_id);
	a[1] = model_id > 0 ? DB_INT(model_id) : DB_NULL;
	a[2] = DB_INT((long long)n);
	a[3] = DB_DOUBLE(ms);
	if ((er = db_exec(db, "INSERT INTO detections (upload_id, model_id, "
	    "faces, ms) VALUES (?, ?, ?, ?)", a, 4, NULL, id)) != FF_OK)
		return er;
	for (i = 0; i < n; i++) {
		a[0] = DB_INT(*id);
		a[1] = DB_INT((long long)i);
		a[2] = DB_DOUBLE(f[i].score);
		a[3] = DB_DOUBLE(f[i].box[0]);
		a[4] = DB_DOUBLE(f[i].box[1]);
		a[5] = DB_DOUBLE(f[i].box[2]);
		a[6] = DB_DOUBLE(f[i].box[3]);
		a[7] = DB_DOUBLE(f[i].left_eye[0]);
		a[8] = DB_DOUBLE(f[i].left_eye[1]);
		a[9] = DB_DOUBLE(f[i].right_eye[0]);
		a[10] = DB_DOUBLE(f[i].right_eye[1]);
		if ((er = db_exec(db, "INSERT INTO detection_faces (detection_id, "
		    "idx, score, box_x, box_y, box_w, box_h, left_eye_x, "
		    "left_eye_y, right_eye_x, right_eye_y) VALUES (?, ?, ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?)", a, 11, NULL, NULL)) != FF_OK)
			return er;
	}
	return FF_OK;
}

static enum ff_err
detection_tx(struct db *db, const struct tx *x)
{
	enum ff_err er;

	if ((er = db_begin(db)) != FF_OK)
		return er;
	if ((er = detection_rows(db, x->upload_id, x->model_id, x->faces, x->n,
	    x->det_ms, x->id)) != FF_OK) {
		db_rollback(db);
		return er;
	}
	return db_commit(db);
}

/* Faces the schema can hold: finite numbers, at most 10000 of them. */
static enum ff_err
faces_check(const struct det_face *faces, size_t n, double ms)
{
	size_t i, k;

	if ((n > 0 && faces == NULL) || n > 10000 || !isfinite(ms))
		return FF_EINPUT;
	/* NaN and infinities cannot be stored; the schema checks ranges. */
	for (i = 0; i < n; i++) {
		const float *v[] = { &faces[i].score, faces[i].box,
		    faces[i].left_eye, faces[i].right_eye };
		const size_t nv[] = { 1, 4, 2, 2 };
		size_t j;

		for (j = 0; j < 4; j++)
			for (k = 0; k < nv[j]; k++)
				if (!isfinite(v[j][k]))
					return FF_EINPUT;
	}
	return FF_OK;
}

enum ff_err
db_detection_insert(struct db *db, long long upload_id, long long model_id,
    const struct det_face *faces, size_t n, double ms, long long *id)
{
	struct tx	 x = { .upload_id = upload_id, .model_id = model_id,
	    .faces = faces, .n = n, .det_ms = ms };
	enum ff_err	 er;
	long long	 tmp;

	if (id == NULL)
		id = &tmp;
	*id = 0;
	x.id = id;
	if ((er = faces_check(faces, n, ms)) != FF_OK)
		return er;
	er = tx_run(db, detection_tx, &x, 0);
	if (er != FF_OK)
		*id = 0;
	return er;
}

enum ff_err
db_detection_latest(struct db *db, long long upload_id, long long *det_id,
    struct det_face *faces, size_t max, size_t *n)
{
	struct db_rows	*r;
	struct db_arg	 a[2] = { DB_INT(upload_id), DB_INT(upload_id) };
	struct det_face	*f;
	enum ff_err	 er;
	int		 rc;

	*det_id = 0;
	*n = 0;
	/* LEFT JOIN: a detection without faces still names its id. */
	if ((er = db_query(db, "SELECT d.id, f.score, f.box_x, f.box_y, "
	    "f.box_w, f.box_h, f.left_eye_x, f.left_eye_y, f.right_eye_x, "
	    "f.right_eye_y FROM detections d LEFT JOIN detection_faces f ON "
	    "f.detection_id = d.id WHERE d.upload_id = ? AND d.id = (SELECT "
	    "MAX(id) FROM detections WHERE upload_id = ?) ORDER BY f.idx",
	    a, 2, &r)) != FF_OK)
		return er;
	while ((rc = db_rows_next(r)) == 1) {
		*det_id = db_col_int(r, 0);
		if (db_col_null(r, 1) || *n >= max)
			continue;
		f = &faces[(*n)++];
		f->score = (float)db_col_double(r, 1);
		f->box[0] = (float)db_col_double(r, 2);
		f->box[1] = (float)db_col_double(r, 3);
		f->box[2] = (float)db_col_double(r, 4);
		f->box[3] = (float)db_col_double(r, 5);
		f->left_eye[0] = (float)db_col_double(r, 6);
		f->left_eye[1] = (float)db_col_double(r, 7);
		f->right_eye[0] = (float)db_col_double(r, 8);
		f->right_eye[1] = (float)db_col_double(r, 9);
	}
	db_rows_free(r);
	return rc < 0 ? FF_EDB : FF_OK;
}

/* The statements of a try-on, inside the caller's transaction. */
static enum ff_err
tryon_rows(struct db *db, long long upload_id, long long frame_id,
    const struct tryon_timing *t, long long *id)
{
	struct db_arg	 a[6];
	enum ff_err	 er;

	a[0] = DB_INT(upload_id);
	a[1] = DB_INT(frame_id);
	a[2] = DB_DOUBLE(t->decode_ms);
	a[3] = DB_DOUBLE(t->detect_ms);
	a[4] = DB_DOUBLE(t->render_ms);
	a[5] = DB_DOUBLE(t->store_ms);
	if ((er = db_exec(db, "INSERT INTO tryons (upload_id, frame_id, "
	    "decode_ms, detect_ms, render_ms, store_ms) VALUES (?, ?, ?, ?, "
	    "?, ?)", a, 6, NULL, id)) != FF_OK)
		return er;
	return rollup_bump(db, METRIC_TRYON, frame_id);
}

static enum ff_err
tryon_tx(struct db *db, const struct tx *x)
{
	enum ff_err er;

	if ((er = db_begin(db)) != FF_OK)
		return er;
	if ((er = tryon_rows(db, x->upload_id, x->frame_id, x->t, x->id)) !=
	    FF_OK) {
		db_rollback(db);
		return er;
	}
	return db_commit(db);
}

static int
timing_ok(const struct tryon_timing *t)
{
	return isfinite(t->decode_ms) && isfinite(t->detect_ms) &&
	    isfinite(t->render_ms) && isfinite(t->store_ms);
}

enum ff_err
db_tryon_record(struct db *db, long long upload_id, long long frame_id,
    const struct tryon_timing *t, long long *id)
{
	static const struct tryon_timing zero;
	struct tx	 x = { .upload_id = upload_id, .frame_id = frame_id };
	enum ff_err	 er;
	long long	 tmp;

	if (id == NULL)
		id = &tmp;
	*id = 0;
	if (t == NULL)
		t = &zero;
	if (upload_id <= 0 || frame_id <= 0 || !timing_ok(t))
		return FF_EINPUT;
	x.t = t;
	x.id = id;
	er = tx_run(db, tryon_tx, &x, 0);
	if (er == FF_OK)
		live_bump(db, METRIC_TRYON, frame_id);
	else
		*id = 0;
	return er;
}

enum ff_err
db_tryon_count(struct db *db, long long upload_id, long long frame_id,
    long long *n)
{
	struct db_arg a[2] = { DB_INT(upload_id), DB_INT(frame_id) };

	return db_query_int(db, "SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ? AND frame_id = ?", a, 2, n);
}

enum ff_err
db_tryon_last_frame(struct db *db, long long upload_id, long long *frame_id)
{
	struct db_arg a = DB_INT(upload_id);

	*frame_id = 0;
	return db_query_int(db, "SELECT frame_id FROM tryons WHERE "
	    "upload_id = ? ORDER BY id DESC LIMIT 1", &a, 1, frame_id);
}

enum ff_err
db_tryon_render_ms(struct db *db, long long upload_id, long long frame_id,
    double ms)
{
	struct db_arg a[3] = { DB_DOUBLE(ms), DB_INT(upload_id),
	    DB_INT(frame_id) };

	return db_exec(db, "UPDATE tryons SET render_ms = ? WHERE "
	    "upload_id = ? AND frame_id = ? AND render_ms = 0", a, 3, NULL,
	    NULL);
}

static enum ff_err
store_tx(struct db *db, const struct tx *x)
{
	struct tryon_timing	 tt;
	enum ff_err		 er;
	long long		 id, det_id;

	if ((er = db_begin(db)) != FF_OK)
		return er;
	if ((er = upload_rows(db, x->u, x->bytes, x->len, &id)) != FF_OK ||
	    (er = detection_rows(db, id, x->model_id, x->faces, x->n,
	    x->det_ms, &det_id)) != FF_OK)
		goto fail;
	if (x->frame_id > 0 && x->n > 0) {
		/* store_ms goes on to cover the statements so far. */
		tt = *x->t;
		tt.store_ms += ff_now_ms() - x->t0;
		if ((er = tryon_rows(db, id, x->frame_id, &tt, NULL)) != FF_OK)
			goto fail;
	}
	if ((er = db_commit(db)) != FF_OK)
		return er;
	x->u->id = id;
	return FF_OK;
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_tryon_store(struct db *db, struct upload_row *u, const void *bytes,
    size_t len, long long model_id, const struct det_face *faces, size_t n,
    double det_ms, long long frame_id, const struct tryon_timing *t)
{
	static const struct tryon_timing zero;
	struct tx	 x = { .u = u, .bytes = bytes, .len = len,
	    .model_id = model_id, .faces = faces, .n = n, .det_ms = det_ms,
	    .frame_id = frame_id, .t0 = ff_now_ms() };
	enum ff_err	 er;
	int		 fresh;

	if (t == NULL)
		t = &zero;
	x.t = t;
	if (frame_id < 0 || !timing_ok(t))
		return FF_EINPUT;
	if ((er = faces_check(faces, n, det_ms)) != FF_OK ||
	    (er = upload_prepare(u, bytes, len, &fresh)) != FF_OK)
		return er;
	er = tx_run(db, store_tx, &x, fresh);
	if (er != FF_OK)
		return er;
	/* After the commit: MEMORY tables ignore ROLLBACK. */
	live_bump(db, METRIC_UPLOAD, 0);
	if (frame_id > 0 && n > 0)
		live_bump(db, METRIC_TRYON, frame_id);
	return FF_OK;
}

static enum ff_err
click_tx(struct db *db, const struct tx *x)
{
	struct db_arg	 a[3];
	enum ff_err	 er;
	long long	 n = 0;

	a[0] = DB_INT(x->frame_id);
	a[1] = DB_TEXT(x->token);
	a[2] = DB_INT(x->frame_id);
	if ((er = db_begin(db)) != FF_OK)
		return er;
	/* Only for a try-on of this frame by this upload, and once: the
	 * unique key clicks_once (upload_token, frame_id) of sql/060 turns
	 * a second click into no row at all, whichever worker has it. */
	if ((er = db_exec(db, "INSERT IGNORE INTO clicks (frame_id, "
	    "upload_token) SELECT ?, u.token FROM uploads u WHERE u.token = ? "
	    "AND EXISTS (SELECT 1 FROM tryons t WHERE t.upload_id = u.id AND "
	    "t.frame_id = ?)", a, 3, &n, NULL)) != FF_OK)
		goto fail;
	if (n == 0) {
		db_rollback(db);
		return FF_ENOTFOUND;
	}
	/* Counted in the hour of the try-on it follows, so no hour of any
	 * report has more clicks of a frame than try-ons of it. */
	a[0] = DB_INT(x->frame_id);
	a[1] = DB_TEXT(x->token);
	a[2] = DB_INT(x->frame_id);
	if ((er = db_exec(db, "INSERT INTO hourly_rollups (hour, metric, "
	    "frame_id, n) SELECT DATE_FORMAT(MIN(t.created), "
	    "'%Y-%m-%d %H:00:00'), '" METRIC_CLICK "', ?, 1 FROM tryons t "
	    "JOIN uploads u ON u.id = t.upload_id WHERE u.token = ? AND "
	    "t.frame_id = ? ON DUPLICATE KEY UPDATE n = n + 1", a, 3, NULL,
	    NULL)) != FF_OK)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_click_record(struct db *db, long long frame_id, const char *token)
{
	struct tx	x = { .frame_id = frame_id, .token = token };
	enum ff_err	er;

	if (frame_id <= 0)
		return FF_EINPUT;
	if (!upload_token_valid(token))
		return FF_ENOTFOUND;
	er = tx_run(db, click_tx, &x, 0);
	if (er == FF_OK)
		live_bump(db, METRIC_CLICK, frame_id);
	return er;
}

enum ff_err
db_model_register(struct db *db, const char *version,
    const unsigned char sha256[32], long long trained_at,
    const char *metrics_json, long long *id)
{
	struct db_arg	 a[4];
	long long	 tmp;

	if (id == NULL)
		id = &tmp;
	*id = 0;
	if (version == NULL || *version == '\0' || strlen(version) > 64 ||
	    sha256 == NULL || trained_at < 0)
		return FF_EINPUT;
	a[0] = DB_TEXT(version);
	a[1] = DB_BLOB(sha256, 32);
	a[2] = DB_INT(trained_at);
	a[3] = DB_TEXT(metrics_json);
	/* JSON is LONGTEXT with CHECK (JSON_VALID(metrics)) in MariaDB. */
	return db_exec(db, "INSERT INTO models (version, sha256, trained_at, "
	    "metrics) VALUES (?, ?, FROM_UNIXTIME(?), ?)", a, 4, NULL, id);
}

static enum ff_err
activate_tx(struct db *db, const struct tx *x)
{
	struct db_arg	 arg = DB_INT(x->model_id);
	enum ff_err	 er;
	long long	 n;

	if ((er = db_begin(db)) != FF_OK)
		return er;
	/* NULL, not 0: the UNIQUE key admits one 1 and any number of NULLs. */
	if ((er = db_exec(db, "UPDATE models SET active = NULL WHERE active = 1",
	    NULL, 0, NULL, NULL)) != FF_OK)
		goto fail;
	if ((er = db_exec(db, "UPDATE models SET active = 1 WHERE id = ?",
	    &arg, 1, &n, NULL)) != FF_OK)
		goto fail;
	if (n == 0) {
		er = FF_ENOTFOUND;
		goto fail;
	}
	return db_commit(db);
fail:
	db_rollback(db);
	return er;
}

enum ff_err
db_model_activate(struct db *db, long long id)
{
	struct tx x = { .model_id = id };

	return tx_run(db, activate_tx, &x, 0);
}

enum ff_err
db_model_active(struct db *db, long long *id, char version[65])
{
	struct db_rows	*r;
	const char	*s;
	enum ff_err	 er;
	size_t		 len;
	int		 rc;

	*id = 0;
	if (version != NULL)
		version[0] = '\0';
	if ((er = db_query(db, "SELECT id, version FROM models WHERE active = 1",
	    NULL, 0, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		*id = db_col_int(r, 0);
		if (version != NULL && (s = db_col_text(r, 1, &len)) != NULL &&
		    len <= 64)
			memcpy(version, s, len + 1);
		er = FF_OK;
	} else
		er = rc == 0 ? FF_ENOTFOUND : FF_EDB;
	db_rows_free(r);
	return er;
}

enum ff_err
db_model_by_version(struct db *db, const char *version, long long *id)
{
	struct db_arg a = DB_TEXT(version);

	*id = 0;
	return db_query_int(db, "SELECT id FROM models WHERE version = ?", &a,
	    1, id);
}

enum ff_err
db_rollup_sum(struct db *db, const char *metric, long long frame_id,
    long long since, long long *n)
{
	struct db_arg a[4] = { DB_TEXT(metric), DB_INT(frame_id),
	    DB_INT(frame_id), DB_INT(since < 0 ? 0 : since) };

	return db_query_int(db, "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups "
	    "WHERE metric = ? AND (? < 0 OR frame_id = ?) AND hour >= "
	    "DATE_FORMAT(FROM_UNIXTIME(?), '%Y-%m-%d %H:00:00')", a, 4, n);
}

enum ff_err
db_live_sum(struct db *db, const char *metric, long long frame_id,
    int minutes, long long *n)
{
	struct db_arg a[4] = { DB_TEXT(metric), DB_INT(frame_id),
	    DB_INT(frame_id), DB_INT(minutes < 0 ? 0 : minutes) };

	return db_query_int(db, "SELECT COALESCE(SUM(n), 0) FROM live_counters "
	    "WHERE metric = ? AND (? < 0 OR frame_id = ?) AND minute >= "
	    "DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL ? MINUTE, "
	    "'%Y-%m-%d %H:%i:00')", a, 4, n);
}
