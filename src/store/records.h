/*
 * records.h: uploads and what is derived from them (detections, try-ons,
 * clicks), the detector models, and the counters for reports.
 *
 * Every event that counts (upload, try-on, click) bumps hourly_rollups in
 * the same transaction as its row, so the durable counts never disagree
 * with the rows. live_counters is a MEMORY table and not transactional: it
 * is bumped after the commit, best effort (a failure there is only logged).
 *
 * Times are Unix seconds, UTC. Image coordinates are pixels of the upright
 * image, x right, y down.
 */
#ifndef FF_STORE_RECORDS_H
#define FF_STORE_RECORDS_H
#include <stddef.h>
#include "core/err.h"

struct db;

/* Metric names in live_counters and hourly_rollups. */
#define METRIC_UPLOAD	"upload"
#define METRIC_TRYON	"tryon"
#define METRIC_CLICK	"click"

/* How long a photo is kept when the caller does not say. */
#define UPLOAD_TTL_S	(24 * 3600)

/* A token is 32 characters of base64url (RFC 4648 §5), 24 random bytes. */
#define UPLOAD_TOKEN_LEN	32

enum upload_source {
	UPLOAD_FORM = 0,
	UPLOAD_WEBCAM,
	UPLOAD_API,
	UPLOAD_BATCH,
	UPLOAD_SOURCE__MAX
};

/* "form", "webcam", "api", "batch"; NULL when out of range. */
const char	*upload_source_name(enum upload_source);

/* An upload's metadata; the photo bytes travel separately. */
struct upload_row {
	long long		 id;		/* row id, set by insert */
	char			 token[UPLOAD_TOKEN_LEN + 1];
	unsigned char		 sha256[32];	/* of the stored bytes */
	char			 mime[33];	/* e.g. "image/jpeg" */
	int			 width;		/* pixels, upright */
	int			 height;
	size_t			 len;		/* bytes of the photo */
	enum upload_source	 source;
	long long		 created;	/* Unix s, UTC */
	long long		 expires;	/* Unix s, UTC; 0 on insert:
						 * now + UPLOAD_TTL_S */
};

/* One detected face. */
struct det_face {
	float	score;		/* 0..1 */
	float	box[4];		/* x, y, w, h: top-left corner and size */
	float	left_eye[2];	/* centre of the eye nearer the image's left
				 * edge (the person's right eye) */
	float	right_eye[2];
};

/* Stage timings of one try-on, milliseconds, for the latency reports. */
struct tryon_timing {
	double	decode_ms;
	double	detect_ms;
	double	render_ms;
	double	store_ms;
};

/* Fill token with a fresh random token (NUL-terminated). FF_ESYS when the
 * kernel has no randomness to give. */
enum ff_err	 upload_token_new(char token[UPLOAD_TOKEN_LEN + 1]);
/* 1 if s has the shape of a token (32 base64url characters). */
int		 upload_token_valid(const char *s);

/*
 * Store a photo (bytes borrowed) and count it. u->token, if empty, is
 * filled with a new one; u->id, u->created and u->expires are set.
 */
enum ff_err	 db_upload_insert(struct db *, struct upload_row *u,
		    const void *bytes, size_t len);
/*
 * Fetch an upload by token; FF_ENOTFOUND if none (or malformed). With
 * bytes != NULL the photo is copied into *bytes, which the caller frees
 * with free(), and its length into u->len.
 */
enum ff_err	 db_upload_get(struct db *, const char *token,
		    struct upload_row *u, void **bytes);
/*
 * Delete a photo and, in the same transaction, everything derived from it:
 * detections and their faces, try-ons (foreign keys cascade), and the
 * token in clicks (set NULL: the click stays counted, but anonymous).
 * FF_ENOTFOUND if there is no such token.
 */
enum ff_err	 db_upload_delete(struct db *, const char *token);

/*
 * Record a detector run over upload_id with its n faces, in one
 * transaction. model_id 0 stores NULL (no model registered). Sets *id
 * (may be NULL). A face the schema refuses (score outside 0..1, negative
 * size) is FF_EINPUT and leaves no row at all.
 */
enum ff_err	 db_detection_insert(struct db *, long long upload_id,
		    long long model_id, const struct det_face *faces, size_t n,
		    double ms, long long *id);

/*
 * The faces of the newest detection of an upload, in their stored order:
 * at most max of them into faces, their count into *n. *det_id is that
 * detection's id, 0 when the upload was never run through the detector
 * (then *n is 0 and FF_OK is returned).
 */
enum ff_err	 db_detection_latest(struct db *, long long upload_id,
		    long long *det_id, struct det_face *faces, size_t max,
		    size_t *n);

/*
 * A photo, its detection with n faces and, when frame_id > 0 and n > 0,
 * its try-on of that frame, all in one transaction: a failure (the server
 * gone between two statements) leaves none of them, so no photo is kept
 * whose owner was never given its token. The arguments are those of
 * db_upload_insert(), db_detection_insert() and db_tryon_record(); t may
 * be NULL; t->store_ms is extended by the time spent here before the
 * try-on row is written. Sets u->id, u->token (when empty), u->created,
 * u->expires.
 */
enum ff_err	 db_tryon_store(struct db *, struct upload_row *u,
		    const void *bytes, size_t len, long long model_id,
		    const struct det_face *faces, size_t n, double det_ms,
		    long long frame_id, const struct tryon_timing *t);

/*
 * Count a photo of this source in which no face was found, for the
 * reports, without keeping anything of it: the hourly counts an upload
 * and its detection would have bumped ("upload", "upload_<source>",
 * "photo") in one transaction, then the live "upload" count. FF_EINPUT
 * for an unknown source.
 */
enum ff_err	 db_photo_noface(struct db *, enum upload_source);

/*
 * Record a try-on, and bump the "tryon" hourly rollup in the same
 * transaction (then the live counter). t may be NULL (all zero). A missing
 * upload or frame is FF_EINPUT. Sets *id (may be NULL).
 */
enum ff_err	 db_tryon_record(struct db *, long long upload_id,
		    long long frame_id, const struct tryon_timing *t,
		    long long *id);

/* How many try-ons of frame_id upload_id has had. */
enum ff_err	 db_tryon_count(struct db *, long long upload_id,
		    long long frame_id, long long *n);
/* The frame of the upload's newest try-on; FF_ENOTFOUND if it has none. */
enum ff_err	 db_tryon_last_frame(struct db *, long long upload_id,
		    long long *frame_id);
/* Record the time the first render of a try-on took (ms); a try-on that
 * has one keeps it. */
enum ff_err	 db_tryon_render_ms(struct db *, long long upload_id,
		    long long frame_id, double ms);

/*
 * Record a click-through to the shop for frame_id, made from the result
 * page of the upload token. A click counts once per try-on and frame,
 * in the hour of that try-on, so click-through is at most 100 % by
 * construction, in any range of hours. FF_OK when this one counted;
 * FF_ENOTFOUND when it does not (token NULL or malformed, no such upload,
 * no try-on of frame_id by it, or its click counted already);
 * FF_EINPUT for frame_id <= 0.
 */
enum ff_err	 db_click_record(struct db *, long long frame_id,
		    const char *token);

/*
 * Register trained weights (inactive). metrics_json may be NULL; else it
 * must be valid JSON (FF_EINPUT). A version registered before is FF_EINPUT.
 */
enum ff_err	 db_model_register(struct db *, const char *version,
		    const unsigned char sha256[32], long long trained_at,
		    const char *metrics_json, long long *id);
/* Make model id the one active model (atomically); FF_ENOTFOUND if none. */
enum ff_err	 db_model_activate(struct db *, long long id);
/* The active model; FF_ENOTFOUND when none is. version may be NULL. */
enum ff_err	 db_model_active(struct db *, long long *id, char version[65]);
/* The id of the model registered with this version (det_version());
 * FF_ENOTFOUND if none is. */
enum ff_err	 db_model_by_version(struct db *, const char *version,
		    long long *id);

/*
 * Sum of a metric from hourly_rollups for the hours starting at or after
 * since (Unix s, UTC; truncated to its hour). frame_id < 0 sums every
 * frame, 0 counts events without a frame (uploads).
 */
enum ff_err	 db_rollup_sum(struct db *, const char *metric,
		    long long frame_id, long long since, long long *n);
/* The same from live_counters over the last `minutes` minutes. */
enum ff_err	 db_live_sum(struct db *, const char *metric,
		    long long frame_id, int minutes, long long *n);

#endif
